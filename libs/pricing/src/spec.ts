import { lookupCurrency } from './currency';
import { PricingSpecError, type Issue } from './errors';
import {
  exact,
  PRICE_LIMITS,
  QUANTITY_LIMITS,
  ROUNDING_MODES,
  ZERO,
  describeJson,
  type Dec,
  type RoundingMode,
} from './money';
import { MODEL_FIELDS, MODEL_NAMES, parseModel, type CompiledModel, type ModelName } from './models';
import type { PackageRounding } from './models/package';
import { FieldReader, isJsonObject } from './spec-reader';

/** A tier of `graduated` and `volume`, as written in a spec. */
export interface TierJson {
  upTo: string | null;
  unitAmount?: string;
  flatAmount?: string;
}

/** A tier of `graduated_percentage`, as written in a spec. */
export interface PercentageTierJson {
  upTo: string | null;
  rate?: string;
  flatAmount?: string;
}

export interface CommonSpecJson {
  currency: string;
  freeQuantity?: string;
  minimumAmount?: string;
  maximumAmount?: string;
  roundingMode?: RoundingMode;
}

/** A price spec as JSON: every number is a decimal string. See docs/pricing.md. */
export type PriceSpecJson =
  | { currency: string; model: 'flat'; amount: string; roundingMode?: RoundingMode }
  | (CommonSpecJson & { model: 'unit'; unitAmount: string })
  | (CommonSpecJson & {
      model: 'package';
      packageSize: string;
      packageAmount: string;
      packageRounding?: PackageRounding;
    })
  | (CommonSpecJson & { model: 'graduated' | 'volume'; tiers: TierJson[] })
  | (CommonSpecJson & {
      model: 'percentage';
      rate: string;
      fixedFeePerEvent?: string;
      perEventMin?: string;
      perEventMax?: string;
    })
  | (CommonSpecJson & { model: 'graduated_percentage'; tiers: PercentageTierJson[] });

/**
 * A validated spec, compiled once so rating does no parsing: keep it and rate it many times.
 * `json` is the normalised spec (defaults filled in), suitable for storing.
 */
export interface PriceSpec {
  readonly json: PriceSpecJson;
  readonly currency: string;
  readonly minorUnits: number;
  readonly roundingMode: RoundingMode;
  readonly model: CompiledModel;
  readonly freeQuantity: Dec;
  readonly minimumAmount: Dec | null;
  readonly maximumAmount: Dec | null;
}

const COMMON_FIELDS = [
  'currency',
  'model',
  'freeQuantity',
  'minimumAmount',
  'maximumAmount',
  'roundingMode',
] as const;
// A flat fee does not depend on the quantity, so free units and a floor or cap would only mislead.
const NOT_FOR_FLAT = ['freeQuantity', 'minimumAmount', 'maximumAmount'];

/**
 * Validate a price spec (already JSON-parsed) and compile it. Throws PricingSpecError listing every
 * issue, each with the field path and the rule broken.
 */
export function parsePriceSpec(input: unknown): PriceSpec {
  if (!isJsonObject(input))
    throw new PricingSpecError([
      { path: '', rule: 'type', message: `must be a JSON object, not ${describeJson(input)}` },
    ]);
  const issues: Issue[] = [];
  const r = new FieldReader(input, '', issues);

  let currency = '';
  let minorUnits = 0;
  if (!r.has('currency')) r.issue('currency', 'required', 'is required');
  else if (typeof input.currency !== 'string')
    r.issue('currency', 'type', `must be a string such as "EUR", not ${describeJson(input.currency)}`);
  else {
    const found = lookupCurrency(input.currency);
    if (typeof found === 'number') {
      currency = input.currency;
      minorUnits = found;
      r.out.currency = currency;
    } else issues.push(found);
  }

  let model: CompiledModel | null = null;
  let name: ModelName | null = null;
  if (!r.has('model')) r.issue('model', 'required', `is required: one of ${MODEL_NAMES.join(', ')}`);
  else if (!(MODEL_NAMES as unknown[]).includes(input.model))
    r.issue('model', 'one_of', `must be one of ${MODEL_NAMES.join(', ')}, not ${describeJson(input.model)}`);
  else {
    name = input.model as ModelName;
    r.out.model = name;
    const common = name === 'flat' ? COMMON_FIELDS.filter((f) => !NOT_FOR_FLAT.includes(f)) : COMMON_FIELDS;
    r.onlyFields([...common, ...MODEL_FIELDS[name]], `the ${name} model`);
    model = parseModel(name, r);
  }

  const freeQuantity = r.optionalDecimal('freeQuantity', QUANTITY_LIMITS) ?? ZERO;
  if (name === 'percentage' && !freeQuantity.isInteger()) {
    r.issue(
      'freeQuantity',
      'integer',
      'counts free events for the percentage model, so must be a whole number',
    );
  }
  const minimumAmount = r.optionalDecimal('minimumAmount', PRICE_LIMITS);
  const maximumAmount = r.optionalDecimal('maximumAmount', PRICE_LIMITS);
  if (minimumAmount !== null && maximumAmount !== null && minimumAmount.gt(maximumAmount)) {
    r.issue(
      'maximumAmount',
      'min_not_above_max',
      `must not be below minimumAmount (${exact(minimumAmount)})`,
    );
  }
  const roundingMode = r.oneOf<RoundingMode>('roundingMode', ROUNDING_MODES, 'half_away_from_zero');

  if (issues.length > 0 || model === null) throw new PricingSpecError(issues);
  return Object.freeze({
    json: r.out as unknown as PriceSpecJson,
    currency,
    minorUnits,
    roundingMode,
    model,
    freeQuantity,
    minimumAmount,
    maximumAmount,
  });
}
