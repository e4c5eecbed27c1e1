import { describe, expect, it } from '@jest/globals';
import { applyMeters, type MeterRejectionCode } from './apply';
import { compileMeter, type MeterDefinition } from './meter';

function meter(over: Partial<MeterDefinition> = {}): MeterDefinition {
  return {
    id: 'mtr_1',
    key: 'm',
    eventType: 'e',
    aggregation: 'sum',
    valuePath: '$.v',
    filters: [],
    groupBy: {},
    ...over,
  };
}

const event = (data: unknown, type = 'e') => ({
  id: 'ev_1',
  source: 's',
  type,
  subject: 'c',
  time: '',
  data,
});

interface Case {
  name: string;
  meter?: Partial<MeterDefinition>;
  data: unknown;
  /** The meter value expected; `rejected` or `skipped` otherwise. */
  value?: string;
  uniqueValue?: string;
  dimensions?: Record<string, string>;
  rejected?: MeterRejectionCode;
  message?: unknown;
  skipped?: true;
}

/** The one runner behind every table below: one meter, one event, one outcome. */
function run(cases: Case[]): void {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const compiled = compileMeter(meter(c.meter));
    const r = applyMeters(event(c.data), [compiled]);
    if (c.skipped) {
      expect(r).toEqual({ values: [], rejections: [] });
    } else if (c.rejected !== undefined) {
      expect(r.values).toEqual([]);
      expect(r.rejections).toEqual([
        {
          meterId: 'mtr_1',
          code: c.rejected,
          message: c.message === undefined ? expect.any(String) : c.message,
          path: compiled.valuePath,
        },
      ]);
    } else {
      expect(r.rejections).toEqual([]);
      expect(r.values).toEqual([
        {
          meterId: 'mtr_1',
          value: c.value,
          uniqueValue: c.uniqueValue ?? '',
          dimensions: c.dimensions ?? {},
        },
      ]);
    }
  });
}

describe('count', () => {
  run([
    { name: 'is 1 per event', meter: { aggregation: 'count', valuePath: null }, data: {}, value: '1' },
    {
      name: 'ignores its valuePath, even when the value is not a number',
      meter: { aggregation: 'count', valuePath: '$.v' },
      data: { v: 'abc' },
      value: '1',
    },
  ]);
});

describe.each(['sum', 'max', 'min', 'avg', 'latest', 'time_weighted_sum'] as const)(
  '%s values',
  (aggregation) => {
    const numeric: Case[] = [
      { name: 'a JSON integer', data: { v: 12 }, value: '12' },
      { name: 'a JSON fraction', data: { v: 12.5 }, value: '12.5' },
      { name: 'a decimal string, canonicalised', data: { v: '012.50' }, value: '12.5' },
      { name: 'zero', data: { v: 0 }, value: '0' },
      { name: 'negative zero as a string', data: { v: '-0.0' }, value: '0' },
      { name: 'negative zero as a number', data: { v: -0 }, value: '0' },
      { name: 'a tiny JSON number, without exponent', data: { v: 1e-7 }, value: '0.0000001' },
      { name: 'a large JSON number, without exponent', data: { v: 1e21 }, value: '1000000000000000000000' },
      {
        name: 'nested, through an index',
        meter: { valuePath: '$.items[1].qty' },
        data: { items: [{}, { qty: '3' }] },
        value: '3',
      },
      { name: '12 decimals', data: { v: '0.000000000001' }, value: '0.000000000001' },
      {
        name: 'trailing zeros beyond 12 decimals are not precision',
        data: { v: '1.50000000000000000' },
        value: '1.5',
      },
      {
        name: '26 integer digits',
        data: { v: '99999999999999999999999999.999999999999' },
        value: '99999999999999999999999999.999999999999',
      },
      { name: 'leading zeros are not digits', data: { v: '000000000000000000000000000001' }, value: '1' },
      {
        name: 'missing',
        data: {},
        rejected: 'VALUE_MISSING',
        message: '$.v is missing from the event',
      },
      { name: 'null', data: { v: null }, rejected: 'VALUE_MISSING' },
      { name: 'data that is not an object', data: null, rejected: 'VALUE_MISSING' },
      {
        name: 'a boolean',
        data: { v: true },
        rejected: 'VALUE_NOT_NUMERIC',
        message: '$.v must be a finite number or a decimal string such as "12.50", not boolean true',
      },
      {
        name: 'an object',
        data: { v: { n: 1 } },
        rejected: 'VALUE_NOT_NUMERIC',
        message: expect.stringContaining('not an object'),
      },
      {
        name: 'an array',
        data: { v: [1] },
        rejected: 'VALUE_NOT_NUMERIC',
        message: expect.stringContaining('not an array'),
      },
      {
        name: 'text',
        data: { v: 'abc' },
        rejected: 'VALUE_NOT_NUMERIC',
        message: expect.stringContaining('not "abc"'),
      },
      {
        name: 'long text is quoted in part',
        data: { v: 'x'.repeat(100) },
        rejected: 'VALUE_NOT_NUMERIC',
        message: expect.stringContaining(`not "${'x'.repeat(40)}..."`),
      },
      { name: 'an empty string', data: { v: '' }, rejected: 'VALUE_NOT_NUMERIC' },
      { name: '"NaN"', data: { v: 'NaN' }, rejected: 'VALUE_NOT_NUMERIC' },
      { name: '"Infinity"', data: { v: 'Infinity' }, rejected: 'VALUE_NOT_NUMERIC' },
      { name: 'an exponent in a string', data: { v: '1e309' }, rejected: 'VALUE_NOT_NUMERIC' },
      {
        name: 'a number JSON could not hold (1e309 parses to Infinity)',
        data: JSON.parse('{"v": 1e309}'),
        rejected: 'VALUE_NOT_NUMERIC',
        message: expect.stringContaining('number Infinity'),
      },
      { name: 'NaN', data: { v: NaN }, rejected: 'VALUE_NOT_NUMERIC' },
      {
        name: 'a non-JSON value',
        data: { v: 10n },
        rejected: 'VALUE_NOT_NUMERIC',
        message: expect.stringContaining('not bigint'),
      },
      { name: 'a plus sign', data: { v: '+1' }, rejected: 'VALUE_NOT_NUMERIC' },
      { name: 'a thousands separator', data: { v: '1,000' }, rejected: 'VALUE_NOT_NUMERIC' },
      {
        name: '27 integer digits',
        data: { v: '100000000000000000000000000' },
        rejected: 'VALUE_OUT_OF_RANGE',
        message: '$.v has 27 integer digits, at most 26 are allowed',
      },
      { name: 'a finite JSON number beyond the range', data: { v: 1e300 }, rejected: 'VALUE_OUT_OF_RANGE' },
      {
        name: '13 decimals, never rounded',
        data: { v: '0.0000000000001' },
        rejected: 'VALUE_PRECISION',
        message: '$.v has 13 decimal places, at most 12 are kept (0.0000000000001); it is not rounded',
      },
      { name: 'a float sum with binary noise', data: { v: 0.1 + 0.2 }, rejected: 'VALUE_PRECISION' },
      { name: 'a tiny JSON number', data: { v: 1e-13 }, rejected: 'VALUE_PRECISION' },
    ];
    run(numeric.map((c) => ({ ...c, meter: { aggregation, ...c.meter } })));
  },
);

describe('negative values', () => {
  run([
    {
      name: 'are refused by sum',
      data: { v: -1 },
      rejected: 'VALUE_NEGATIVE',
      message: '$.v must not be negative for a sum meter (-1)',
    },
    { name: 'are refused by sum as strings', data: { v: '-0.5' }, rejected: 'VALUE_NEGATIVE' },
    {
      name: 'are refused by sum before the range',
      data: { v: `-1${'0'.repeat(30)}` },
      rejected: 'VALUE_NEGATIVE',
    },
    ...(['max', 'min', 'avg', 'latest', 'time_weighted_sum'] as const).map((aggregation): Case => ({
      name: `are gauge readings for ${aggregation}`,
      meter: { aggregation },
      data: { v: '-2.50' },
      value: '-2.5',
    })),
    {
      name: 'still have limits for gauges',
      meter: { aggregation: 'latest' },
      data: { v: '-0.0000000000001' },
      rejected: 'VALUE_PRECISION',
    },
  ]);
});

describe('unique_count', () => {
  const u = { aggregation: 'unique_count', valuePath: '$.user' } as const;
  run([
    { name: 'a string, as it is', meter: u, data: { user: ' Ann ' }, value: '1', uniqueValue: ' Ann ' },
    { name: 'an empty string is a value', meter: u, data: { user: '' }, value: '1', uniqueValue: '' },
    { name: 'a number, canonical', meter: u, data: { user: 1.5 }, value: '1', uniqueValue: '1.5' },
    {
      name: 'a large number, without exponent',
      meter: u,
      data: { user: 1e22 },
      value: '1',
      uniqueValue: '10000000000000000000000',
    },
    {
      name: 'a number string is not canonicalised',
      meter: u,
      data: { user: '1.50' },
      value: '1',
      uniqueValue: '1.50',
    },
    { name: 'a boolean', meter: u, data: { user: false }, value: '1', uniqueValue: 'false' },
    {
      name: 'missing',
      meter: u,
      data: {},
      rejected: 'VALUE_MISSING',
      message: '$.user is missing from the event',
    },
    { name: 'null', meter: u, data: { user: null }, rejected: 'VALUE_MISSING' },
    {
      name: 'an object',
      meter: u,
      data: { user: { id: 1 } },
      rejected: 'VALUE_NOT_SCALAR',
      message: '$.user must be a string, number or boolean, not an object',
    },
    { name: 'an array', meter: u, data: { user: [] }, rejected: 'VALUE_NOT_SCALAR' },
    {
      name: 'a number JSON could not hold',
      meter: u,
      data: { user: Infinity },
      rejected: 'VALUE_NOT_NUMERIC',
      message: '$.user must be a finite number, not number Infinity',
    },
  ]);
});

describe('filters', () => {
  const f = (op: 'eq' | 'neq' | 'in' | 'nin' | 'exists', extra: object = {}) => ({
    aggregation: 'count' as const,
    valuePath: null,
    filters: [{ path: '$.r', op, ...extra }],
  });
  const eq = f('eq', { value: 'eu' });
  const eqNum = f('eq', { value: '1.5' });
  const neq = f('neq', { value: 'eu' });
  const inF = f('in', { values: ['eu', 'true', '2'] });
  const nin = f('nin', { values: ['eu', 'us'] });
  const exists = f('exists');
  run([
    { name: 'eq: equal string', meter: eq, data: { r: 'eu' }, value: '1' },
    { name: 'eq: other string', meter: eq, data: { r: 'us' }, skipped: true },
    { name: 'eq: strings are compared exactly', meter: eq, data: { r: 'EU' }, skipped: true },
    { name: 'eq: missing fails', meter: eq, data: {}, skipped: true },
    { name: 'eq: null fails', meter: eq, data: { r: null }, skipped: true },
    { name: 'eq: an object fails', meter: eq, data: { r: { x: 'eu' } }, skipped: true },
    { name: 'eq: a number in canonical form', meter: eqNum, data: { r: 1.5 }, value: '1' },
    { name: 'eq: a string is not canonicalised', meter: eqNum, data: { r: '1.50' }, skipped: true },
    { name: 'neq: other string passes', meter: neq, data: { r: 'us' }, value: '1' },
    { name: 'neq: equal string fails', meter: neq, data: { r: 'eu' }, skipped: true },
    { name: 'neq: missing passes', meter: neq, data: {}, value: '1' },
    { name: 'neq: null passes', meter: neq, data: { r: null }, value: '1' },
    { name: 'in: listed', meter: inF, data: { r: 'eu' }, value: '1' },
    { name: 'in: a boolean as text', meter: inF, data: { r: true }, value: '1' },
    { name: 'in: a number as text', meter: inF, data: { r: 2.0 }, value: '1' },
    { name: 'in: not listed', meter: inF, data: { r: 'us' }, skipped: true },
    { name: 'in: missing fails', meter: inF, data: {}, skipped: true },
    { name: 'in: an array fails', meter: inF, data: { r: ['eu'] }, skipped: true },
    { name: 'nin: not listed passes', meter: nin, data: { r: 'apac' }, value: '1' },
    { name: 'nin: listed fails', meter: nin, data: { r: 'us' }, skipped: true },
    { name: 'nin: missing passes', meter: nin, data: {}, value: '1' },
    { name: 'exists: a value', meter: exists, data: { r: 0 }, value: '1' },
    { name: 'exists: false is a value', meter: exists, data: { r: false }, value: '1' },
    { name: 'exists: an object', meter: exists, data: { r: {} }, value: '1' },
    { name: 'exists: missing fails', meter: exists, data: {}, skipped: true },
    { name: 'exists: null fails', meter: exists, data: { r: null }, skipped: true },
    {
      name: 'all filters must match',
      meter: { ...eq, filters: [...eq.filters, { path: '$.t', op: 'eq', value: 'x' }] },
      data: { r: 'eu', t: 'y' },
      skipped: true,
    },
    {
      name: 'a filtered-out event is not rejected for its value',
      meter: { aggregation: 'sum', filters: eq.filters },
      data: { r: 'us', v: 'abc' },
      skipped: true,
    },
  ]);
});

describe('groupBy', () => {
  const g = {
    aggregation: 'count' as const,
    valuePath: null,
    groupBy: {
      region: '$.r',
      n: '$.n',
      ok: '$.ok',
      obj: '$.o',
      gone: '$.missing',
      nul: '$.z',
      first: '$.l[0]',
    },
  };
  run([
    {
      name: 'scalars as canonical text; missing, null and non-scalars as empty',
      meter: g,
      data: { r: 'eu', n: 2.5, ok: true, o: { a: 1 }, z: null, l: ['x'] },
      value: '1',
      dimensions: { region: 'eu', n: '2.5', ok: 'true', obj: '', gone: '', nul: '', first: 'x' },
    },
    {
      name: 'a dimension named __proto__ is a key like any other',
      meter: {
        aggregation: 'count',
        valuePath: null,
        groupBy: JSON.parse('{"__proto__": "$.r", "b": "$.r"}'),
      },
      data: { r: 'eu' },
      value: '1',
      dimensions: JSON.parse('{"__proto__": "eu", "b": "eu"}'),
    },
  ]);

  it('defines __proto__ as an own, plain key', () => {
    const m = compileMeter(
      meter({ aggregation: 'count', valuePath: null, groupBy: JSON.parse('{"__proto__": "$.r"}') }),
    );
    const dims = applyMeters(event({ r: 'eu' }), [m]).values[0]!.dimensions;
    expect(Object.getPrototypeOf(dims)).toBe(Object.prototype);
    expect(Object.keys(dims)).toEqual(['__proto__']);
    expect(JSON.stringify(dims)).toBe('{"__proto__":"eu"}');
  });
});

describe('applyMeters over a tenant', () => {
  const meters = [
    compileMeter(meter({ id: 'calls', aggregation: 'count', valuePath: null })),
    compileMeter(meter({ id: 'bytes', valuePath: '$.bytes', groupBy: { region: '$.region' } })),
    compileMeter(meter({ id: 'users', aggregation: 'unique_count', valuePath: '$.user' })),
    compileMeter(meter({ id: 'other', eventType: 'x', aggregation: 'count', valuePath: null })),
  ];

  it('gives each matching meter its value; a rejection does not stop the others', () => {
    const r = applyMeters(event({ bytes: 'lots', user: 'u1', region: 'eu' }), meters);
    expect(r.values).toEqual([
      { meterId: 'calls', value: '1', uniqueValue: '', dimensions: {} },
      { meterId: 'users', value: '1', uniqueValue: 'u1', dimensions: {} },
    ]);
    expect(r.rejections).toEqual([
      {
        meterId: 'bytes',
        code: 'VALUE_NOT_NUMERIC',
        message: '$.bytes must be a finite number or a decimal string such as "12.50", not "lots"',
        path: '$.bytes',
      },
    ]);
  });

  it('only reads meters of the event type', () => {
    expect(applyMeters(event({}, 'x'), meters)).toEqual({
      values: [{ meterId: 'other', value: '1', uniqueValue: '', dimensions: {} }],
      rejections: [],
    });
  });

  it('allocates no result for an event that no meter reads', () => {
    const a = applyMeters(event({}, 'none'), meters);
    expect(a).toBe(applyMeters(event({}, 'nothing'), []));
    expect(Object.isFrozen(a.values)).toBe(true);
  });

  it('rejections only: values is the shared empty list', () => {
    const r = applyMeters(event({ bytes: -1 }), [meters[1]!]);
    expect(r.values).toEqual([]);
    expect(r.rejections).toHaveLength(1);
  });

  it('does not change the event', () => {
    const data = { bytes: '1.50', user: 'u', region: 'eu' };
    const copy = structuredClone(data);
    applyMeters(event(data), meters);
    expect(data).toEqual(copy);
  });
});
