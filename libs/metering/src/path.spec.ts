import { describe, expect, it } from '@jest/globals';
import { parsePath, readPath } from './path';

describe('parsePath', () => {
  it.each([
    ['$.region', ['region']],
    ['$.a.b', ['a', 'b']],
    ['$.items[0].qty', ['items', 0, 'qty']],
    ['$[2]', [2]],
    ['$.m[1][03]', ['m', 1, 3]],
    ['$._x-y.Z9', ['_x-y', 'Z9']],
  ])('parses %j', (path, steps) => {
    expect(parsePath(path)).toEqual(steps);
  });

  it.each([
    ['$', 'must be a JSON path such as'],
    ['', 'must be a JSON path such as'],
    ['region', 'must be a JSON path such as'],
    ['$.', 'at character 3'],
    ['$..a', 'at character 3'],
    ['$.1a', 'at character 3'],
    ['$a', 'at character 2'],
    ['$.a b', 'at character 4'],
    ['$[]', 'at character 3'],
    ['$[x]', 'at character 3'],
    ['$[1', 'at character 3'],
    ["$['a']", 'at character 3'],
    ['$.a[*]', 'at character 5'],
    ['$[99999999999999999999]', 'has an index too large'],
  ])('refuses %j', (path, message) => {
    expect(parsePath(path)).toEqual(expect.stringContaining(message));
  });

  it('refuses what is not a string', () => {
    expect(parsePath(42)).toBe('must be a JSON path string such as $.region');
    expect(parsePath(undefined)).toBe('must be a JSON path string such as $.region');
  });
});

describe('readPath', () => {
  const data = { a: { b: 1, n: null }, items: [{ qty: '2' }, 5], zero: 0, 'k-1': 'x' };

  it.each([
    [['a', 'b'], 1],
    [['a', 'n'], null],
    [['items', 0, 'qty'], '2'],
    [['items', 1], 5],
    [['zero'], 0],
    [['k-1'], 'x'],
    [['a'], { b: 1, n: null }],
  ])('reads %j', (steps, value) => {
    expect(readPath(data, steps)).toEqual(value);
  });

  it.each([
    [['missing']],
    [['a', 'b', 'c']], // through a number
    [['a', 'n', 'c']], // through null
    [['items', 2]], // past the end
    [['items', 'length']], // names never read arrays
    [['a', 0]], // indexes never read objects
    [['constructor']], // inherited properties are not data
    [['__proto__']],
    [['a', 'hasOwnProperty']],
  ])('finds nothing at %j', (steps) => {
    expect(readPath(data, steps)).toBeUndefined();
  });

  it('reads an own property named like an inherited one', () => {
    expect(readPath(JSON.parse('{"__proto__": {"x": 1}, "constructor": 2}'), ['__proto__', 'x'])).toBe(1);
    expect(readPath({ constructor: 2 }, ['constructor'])).toBe(2);
  });

  it('finds nothing when the data is not an object', () => {
    expect(readPath(null, ['a'])).toBeUndefined();
    expect(readPath('text', ['length'])).toBeUndefined();
    expect(readPath(undefined, [0])).toBeUndefined();
  });
});
