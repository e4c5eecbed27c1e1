import { describe, expect, it } from '@jest/globals';
import { MeterDefinitionError } from './errors';
import { AGGREGATIONS, compileMeter, type Aggregation, type MeterDefinition, type ValueRule } from './meter';

const base: MeterDefinition = {
  id: 'mtr_1',
  key: 'storage',
  eventType: 'storage.sampled',
  aggregation: 'time_weighted_sum',
  valuePath: '$.gb',
  filters: [
    { path: '$.region', op: 'eq', value: 'eu' },
    { path: '$.tier', op: 'in', values: ['a', 'b'] },
    { path: '$.deleted', op: 'exists' },
  ],
  groupBy: { region: '$.region', first: '$.items[0].name' },
};

/** The issues (path and message) compileMeter throws for `def`. */
function issuesOf(def: unknown): { path: string; message: string }[] {
  try {
    compileMeter(def as MeterDefinition);
  } catch (e) {
    expect(e).toBeInstanceOf(MeterDefinitionError);
    const err = e as MeterDefinitionError;
    expect(err.code).toBe('INVALID_METER');
    expect(err.name).toBe('MeterDefinitionError');
    return err.issues.map((i) => ({ path: i.path, message: i.message }));
  }
  throw new Error('compiled');
}

describe('compileMeter', () => {
  it('parses every path once', () => {
    const m = compileMeter(base);
    expect(m.id).toBe('mtr_1');
    expect(m.eventType).toBe('storage.sampled');
    expect(m.aggregation).toBe('time_weighted_sum');
    expect(m.definition).toBe(base);
    expect(m.valueRule).toBe('signed');
    expect(m.valuePath).toBe('$.gb');
    expect(m.valueSteps).toEqual(['gb']);
    expect(m.filters.map((f) => [f.op, f.steps, f.value, [...f.values]])).toEqual([
      ['eq', ['region'], 'eu', []],
      ['in', ['tier'], '', ['a', 'b']],
      ['exists', ['deleted'], '', []],
    ]);
    expect(m.dimensions).toEqual([
      { name: 'region', steps: ['region'] },
      { name: 'first', steps: ['items', 0, 'name'] },
    ]);
  });

  it.each([
    ['count', 'one'],
    ['sum', 'non_negative'],
    ['unique_count', 'scalar'],
    ['max', 'signed'],
    ['min', 'signed'],
    ['avg', 'signed'],
    ['latest', 'signed'],
    ['time_weighted_sum', 'signed'],
  ] as [Aggregation, ValueRule][])('reads the value of %s as %s', (aggregation, rule) => {
    expect(compileMeter({ ...base, aggregation }).valueRule).toBe(rule);
  });

  it('lists the aggregations the api accepts', () => {
    expect(AGGREGATIONS).toEqual([
      'count',
      'sum',
      'unique_count',
      'max',
      'min',
      'avg',
      'latest',
      'time_weighted_sum',
    ]);
  });

  it('needs no valuePath for count, and checks one that is given', () => {
    expect(compileMeter({ ...base, aggregation: 'count', valuePath: null }).valuePath).toBe('');
    expect(issuesOf({ ...base, aggregation: 'count', valuePath: 'gb' })).toEqual([
      { path: 'valuePath', message: expect.stringContaining('must be a JSON path') },
    ]);
  });

  it.each(['sum', 'unique_count', 'max', 'min', 'avg', 'latest', 'time_weighted_sum'] as const)(
    'needs a valuePath for %s',
    (aggregation) => {
      expect(issuesOf({ ...base, aggregation, valuePath: null })).toEqual([
        { path: 'valuePath', message: `is required for aggregation ${aggregation}` },
      ]);
      expect(issuesOf({ ...base, aggregation, valuePath: undefined })).toHaveLength(1);
    },
  );

  it('lists every issue of a broken definition', () => {
    const issues = issuesOf({
      id: '',
      key: 3,
      eventType: '',
      aggregation: 'median',
      valuePath: '$.a[',
      filters: [
        'eq',
        { path: 'region', op: 'eq', value: 'eu' },
        { path: '$.a', op: 'eq' },
        { path: '$.a', op: 'neq', value: 1 },
        { path: '$.a', op: 'in', values: 'a' },
        { path: '$.a', op: 'nin', values: ['a', 2] },
        { path: '$.a', op: 'like', value: 'x' },
      ],
      groupBy: { ok: '$.a', bad: 'a.b' },
    });
    expect(issues.map((i) => i.path)).toEqual([
      'id',
      'key',
      'eventType',
      'aggregation',
      'valuePath',
      'filters[0]',
      'filters[1].path',
      'filters[2].value',
      'filters[3].value',
      'filters[4].values',
      'filters[5].values',
      'filters[6].op',
      'groupBy.bad',
    ]);
    expect(issues[3]?.message).toBe(
      'must be one of count, sum, unique_count, max, min, avg, latest, time_weighted_sum',
    );
  });

  it('refuses filters and groupBy of the wrong shape', () => {
    expect(issuesOf({ ...base, filters: {}, groupBy: [] })).toEqual([
      { path: 'filters', message: 'must be an array' },
      { path: 'groupBy', message: 'must be an object of dimension name to JSON path' },
    ]);
    expect(issuesOf({ ...base, groupBy: null }).map((i) => i.path)).toEqual(['groupBy']);
  });

  it('says how many issues in its message', () => {
    expect(() => compileMeter({ ...base, id: '' })).toThrow(
      'invalid meter definition: 1 issue\n  id: must be',
    );
    expect(() => compileMeter({ ...base, id: '', key: '' })).toThrow('invalid meter definition: 2 issues');
  });
});
