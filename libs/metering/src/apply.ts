import { METER_VALUE_LIMITS, newScan, numberToPlain, scanDecimal } from './decimal';
import type { CompiledFilter, CompiledMeter } from './meter';
import { readPath } from './path';

/** A usage event as the rater receives it (`UsageEventV1`). */
export interface UsageEvent {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject: string;
  /** RFC 3339, UTC, milliseconds. */
  readonly time: string;
  readonly data: unknown;
}

/** What one meter made of one event: a row of `meter_values`. */
export interface MeterValue {
  readonly meterId: string;
  /** Canonical decimal string: `12.5`, `-3`, `0.000000000001`; `1` for count and unique_count. */
  readonly value: string;
  /** The counted value of a unique_count meter; `''` for every other aggregation. */
  readonly uniqueValue: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** Stable codes: the api shows them to tenants and they are stored in `rejected_events`. */
export type MeterRejectionCode =
  | 'VALUE_MISSING'
  | 'VALUE_NOT_NUMERIC'
  | 'VALUE_NOT_SCALAR'
  | 'VALUE_NEGATIVE'
  | 'VALUE_OUT_OF_RANGE'
  | 'VALUE_PRECISION';

/** A meter that matched the event but could not read its value: recorded, never a silent 0. */
export interface MeterRejection {
  readonly meterId: string;
  readonly code: MeterRejectionCode;
  readonly message: string;
  /** The meter's valuePath. */
  readonly path: string;
}

export interface MeteringResult {
  readonly values: readonly MeterValue[];
  readonly rejections: readonly MeterRejection[];
}

const NOTHING: MeteringResult = Object.freeze({ values: Object.freeze([]), rejections: Object.freeze([]) });
const NO_DIMENSIONS: Readonly<Record<string, string>> = Object.freeze({});

// Single-threaded: one scan record serves every read, so reading a value allocates nothing.
const scan = newScan();

/**
 * A scalar as the text filters and dimensions compare: strings as they are, numbers in canonical
 * decimal form (1.50 -> `1.5`, 1e21 -> `1000000000000000000000`), booleans `true` / `false`.
 * `undefined` for anything else: missing, null, objects, arrays, non-finite numbers.
 */
function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberToPlain(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}

function matches(f: CompiledFilter, data: unknown): boolean {
  const v = readPath(data, f.steps);
  switch (f.op) {
    case 'exists':
      return v !== undefined && v !== null;
    case 'eq':
      return scalarText(v) === f.value;
    case 'neq':
      return scalarText(v) !== f.value;
    case 'in':
    case 'nin': {
      const text = scalarText(v);
      return (text !== undefined && f.values.has(text)) === (f.op === 'in');
    }
  }
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${v}`;
  return typeof v;
}

function reject(meter: CompiledMeter, code: MeterRejectionCode, message: string): MeterRejection {
  return { meterId: meter.id, code, message: `${meter.valuePath} ${message}`, path: meter.valuePath };
}

/** The meter's value for this event, or why there is none. */
function readValue(meter: CompiledMeter, data: unknown): string | MeterRejection {
  const v = readPath(data, meter.valueSteps);
  if (v === undefined || v === null) return reject(meter, 'VALUE_MISSING', 'is missing from the event');
  let text: string | undefined;
  if (typeof v === 'string') text = scanDecimal(v, scan) ? scan.canonical : undefined;
  else if (typeof v === 'number') {
    const plain = numberToPlain(v);
    text = plain !== undefined && scanDecimal(plain, scan) ? scan.canonical : undefined;
  }
  if (text === undefined) {
    return reject(
      meter,
      'VALUE_NOT_NUMERIC',
      `must be a finite number or a decimal string such as "12.50", not ${describe(v)}`,
    );
  }
  if (scan.negative && meter.valueRule === 'non_negative') {
    return reject(meter, 'VALUE_NEGATIVE', `must not be negative for a ${meter.aggregation} meter (${text})`);
  }
  if (scan.integerDigits > METER_VALUE_LIMITS.maxIntegerDigits) {
    return reject(
      meter,
      'VALUE_OUT_OF_RANGE',
      `has ${scan.integerDigits} integer digits, at most ${METER_VALUE_LIMITS.maxIntegerDigits} are allowed`,
    );
  }
  if (scan.fractionDigits > METER_VALUE_LIMITS.maxFractionDigits) {
    return reject(
      meter,
      'VALUE_PRECISION',
      `has ${scan.fractionDigits} decimal places, at most ${METER_VALUE_LIMITS.maxFractionDigits} are kept (${text}); it is not rounded`,
    );
  }
  return text;
}

/** The value a unique_count meter counts distinct occurrences of, or why there is none. */
function readUnique(meter: CompiledMeter, data: unknown): string | MeterRejection {
  const v = readPath(data, meter.valueSteps);
  if (v === undefined || v === null) return reject(meter, 'VALUE_MISSING', 'is missing from the event');
  if (typeof v === 'object') {
    return reject(meter, 'VALUE_NOT_SCALAR', `must be a string, number or boolean, not ${describe(v)}`);
  }
  const text = scalarText(v);
  return text ?? reject(meter, 'VALUE_NOT_NUMERIC', `must be a finite number, not ${describe(v)}`);
}

function dimensionsOf(meter: CompiledMeter, data: unknown): Readonly<Record<string, string>> {
  if (meter.dimensions.length === 0) return NO_DIMENSIONS;
  const dims: Record<string, string> = {};
  for (const { name, steps } of meter.dimensions) {
    const text = scalarText(readPath(data, steps)) ?? '';
    // Assigning `__proto__` would set the prototype: that one name is defined as a plain key.
    if (name === '__proto__') {
      Object.defineProperty(dims, name, {
        value: text,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      dims[name] = text;
    }
  }
  return dims;
}

/**
 * Every meter of the tenant whose `eventType` is the event's type and whose filters all match gives
 * one meter value, or one rejection when it cannot read its value. Meters are independent: one
 * meter's rejection does not stop another's value. Called for every event (~25k/s per rater), so
 * paths are pre-parsed and an event that no meter matches allocates nothing.
 */
export function applyMeters(
  event: Pick<UsageEvent, 'type' | 'data'>,
  meters: readonly CompiledMeter[],
): MeteringResult {
  let values: MeterValue[] | undefined;
  let rejections: MeterRejection[] | undefined;
  const data = event.data;
  for (const meter of meters) {
    if (meter.eventType !== event.type) continue;
    let matched = true;
    for (const f of meter.filters) {
      if (!matches(f, data)) {
        matched = false;
        break;
      }
    }
    if (!matched) continue;
    let value = '1';
    let uniqueValue = '';
    if (meter.valueRule !== 'one') {
      const read = meter.valueRule === 'scalar' ? readUnique(meter, data) : readValue(meter, data);
      if (typeof read !== 'string') {
        (rejections ??= []).push(read);
        continue;
      }
      if (meter.valueRule === 'scalar') uniqueValue = read;
      else value = read;
    }
    (values ??= []).push({ meterId: meter.id, value, uniqueValue, dimensions: dimensionsOf(meter, data) });
  }
  if (values === undefined && rejections === undefined) return NOTHING;
  return { values: values ?? NOTHING.values, rejections: rejections ?? NOTHING.rejections };
}
