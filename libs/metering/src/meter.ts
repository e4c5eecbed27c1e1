import { MeterDefinitionError, type MeteringIssue } from './errors';
import { parsePath, type PathStep } from './path';

export const AGGREGATIONS = [
  'count',
  'sum',
  'unique_count',
  'max',
  'min',
  'avg',
  'latest',
  'time_weighted_sum',
] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export const FILTER_OPS = ['eq', 'neq', 'in', 'nin', 'exists'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

/** `value` for eq and neq, `values` for in and nin, neither for exists. */
export interface MeterFilter {
  readonly path: string;
  readonly op: FilterOp;
  readonly value?: string | null;
  readonly values?: readonly string[] | null;
}

/** A meter as the api stores it (table `meters`): what turns events into meter values. */
export interface MeterDefinition {
  readonly id: string;
  readonly key: string;
  /** The event `type` this meter reads. */
  readonly eventType: string;
  readonly aggregation: Aggregation;
  /** Where the value is in the event's `data`; required for every aggregation but count. */
  readonly valuePath: string | null;
  /** All must match for the event to count. */
  readonly filters: readonly MeterFilter[];
  /** Dimension name -> JSON path. */
  readonly groupBy: Readonly<Record<string, string>>;
}

/** How the value at `valuePath` is read. */
export type ValueRule = 'one' | 'non_negative' | 'signed' | 'scalar';

/** Gauges may go below zero; quantities that are added up (and then priced) may not. */
function valueRule(aggregation: Aggregation): ValueRule {
  switch (aggregation) {
    case 'count':
      return 'one';
    case 'sum':
      return 'non_negative';
    case 'unique_count':
      return 'scalar';
    case 'max':
    case 'min':
    case 'avg':
    case 'latest':
    case 'time_weighted_sum':
      return 'signed';
  }
}

export interface CompiledFilter {
  readonly op: FilterOp;
  readonly steps: readonly PathStep[];
  /** For eq and neq. */
  readonly value: string;
  /** For in and nin. */
  readonly values: ReadonlySet<string>;
}

export interface CompiledDimension {
  readonly name: string;
  readonly steps: readonly PathStep[];
}

const NO_VALUES: ReadonlySet<string> = new Set();

/**
 * A meter with its paths parsed, ready for `applyMeters`. Built once per meter (`compileMeter`);
 * its fields are the library's business.
 */
export class CompiledMeter {
  constructor(
    readonly definition: MeterDefinition,
    readonly valueRule: ValueRule,
    /** The valuePath as written (`''` when there is none), for rejections. */
    readonly valuePath: string,
    readonly valueSteps: readonly PathStep[],
    readonly filters: readonly CompiledFilter[],
    readonly dimensions: readonly CompiledDimension[],
  ) {}

  get id(): string {
    return this.definition.id;
  }

  get eventType(): string {
    return this.definition.eventType;
  }

  get aggregation(): Aggregation {
    return this.definition.aggregation;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

/**
 * Check a meter definition and parse its paths, once. Throws `MeterDefinitionError` listing every
 * issue. The definition comes from the api, which validates it, but the database is a wire too.
 */
export function compileMeter(def: MeterDefinition): CompiledMeter {
  const issues: MeteringIssue[] = [];
  const need = (ok: boolean, path: string, message: string): void => {
    if (!ok) issues.push({ path, message });
  };
  need(nonEmptyString(def.id), 'id', 'must be a non-empty string');
  need(nonEmptyString(def.key), 'key', 'must be a non-empty string');
  need(nonEmptyString(def.eventType), 'eventType', 'must be a non-empty string');
  const known = (AGGREGATIONS as readonly unknown[]).includes(def.aggregation);
  need(known, 'aggregation', `must be one of ${AGGREGATIONS.join(', ')}`);
  const rule = known ? valueRule(def.aggregation) : 'one';

  let valueSteps: readonly PathStep[] = [];
  let valuePath = '';
  if (def.valuePath === null || def.valuePath === undefined) {
    need(rule === 'one', 'valuePath', `is required for aggregation ${def.aggregation}`);
  } else {
    // A count ignores its valuePath, but a malformed one is still a malformed definition.
    const parsed = parsePath(def.valuePath);
    if (typeof parsed === 'string') issues.push({ path: 'valuePath', message: parsed });
    else {
      valueSteps = parsed;
      valuePath = def.valuePath;
    }
  }

  const filters: CompiledFilter[] = [];
  if (!Array.isArray(def.filters)) {
    issues.push({ path: 'filters', message: 'must be an array' });
  } else {
    def.filters.forEach((f: unknown, i) => {
      const at = `filters[${i}]`;
      if (!isRecord(f)) {
        issues.push({ path: at, message: 'must be an object' });
        return;
      }
      const steps = parsePath(f.path);
      if (typeof steps === 'string') issues.push({ path: `${at}.path`, message: steps });
      const op = f.op as FilterOp;
      let value = '';
      let values = NO_VALUES;
      switch (op) {
        case 'eq':
        case 'neq':
          if (typeof f.value === 'string') value = f.value;
          else issues.push({ path: `${at}.value`, message: `must be a string for op ${op}` });
          break;
        case 'in':
        case 'nin':
          if (Array.isArray(f.values) && f.values.every((v) => typeof v === 'string'))
            values = new Set(f.values);
          else issues.push({ path: `${at}.values`, message: `must be an array of strings for op ${op}` });
          break;
        case 'exists':
          break;
        default:
          issues.push({ path: `${at}.op`, message: `must be one of ${FILTER_OPS.join(', ')}` });
      }
      if (typeof steps !== 'string') filters.push({ op, steps, value, values });
    });
  }

  const dimensions: CompiledDimension[] = [];
  if (!isRecord(def.groupBy)) {
    issues.push({ path: 'groupBy', message: 'must be an object of dimension name to JSON path' });
  } else {
    for (const [name, path] of Object.entries(def.groupBy)) {
      const steps = parsePath(path);
      if (typeof steps === 'string') issues.push({ path: `groupBy.${name}`, message: steps });
      else dimensions.push({ name, steps });
    }
  }

  if (issues.length > 0) throw new MeterDefinitionError(issues);
  return new CompiledMeter(def, rule, valuePath, valueSteps, filters, dimensions);
}
