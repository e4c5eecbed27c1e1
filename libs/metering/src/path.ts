/**
 * JSON paths into an event's `data`, as meters store them: `$` followed by `.name` and `[index]`
 * steps only (`$.region`, `$.items[0].qty`), the grammar the api accepts. Parsed once per meter;
 * reading one is a loop over the steps, with no regex and no allocation.
 */

/** A property name or an array index. */
export type PathStep = string | number;

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_-]/;
const DIGIT = /[0-9]/;

/** The steps of `path`, or a message saying why it is not a path. */
export function parsePath(path: unknown): readonly PathStep[] | string {
  if (typeof path !== 'string') return 'must be a JSON path string such as $.region';
  if (!path.startsWith('$') || path.length === 1)
    return `must be a JSON path such as $.region or $.items[0].qty, not ${JSON.stringify(path)}`;
  const steps: PathStep[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path.charAt(i);
    if (c === '.') {
      const start = ++i;
      if (!NAME_START.test(path.charAt(i))) return invalidAt(path, start);
      while (NAME_PART.test(path.charAt(i))) i++;
      steps.push(path.slice(start, i));
    } else if (c === '[') {
      const start = ++i;
      while (DIGIT.test(path.charAt(i))) i++;
      if (i === start || path.charAt(i) !== ']') return invalidAt(path, start);
      const index = Number(path.slice(start, i));
      if (!Number.isSafeInteger(index)) return `has an index too large: ${path.slice(start, i)}`;
      steps.push(index);
      i++;
    } else {
      return invalidAt(path, i);
    }
  }
  return steps;
}

function invalidAt(path: string, at: number): string {
  return `must be a JSON path such as $.region or $.items[0].qty (only .name and [index] steps), not ${JSON.stringify(path)} (at character ${at + 1})`;
}

/**
 * The value at `steps` in `root`, or `undefined` when there is none. Names read own properties of
 * objects only (never an array's, never inherited ones such as `constructor`); indexes read arrays
 * only.
 */
export function readPath(root: unknown, steps: readonly PathStep[]): unknown {
  let current = root;
  for (const step of steps) {
    if (current === null || typeof current !== 'object') return undefined;
    if (typeof step === 'number') {
      if (!Array.isArray(current) || step >= current.length) return undefined;
      current = current[step] as unknown;
    } else {
      if (Array.isArray(current) || !Object.hasOwn(current, step)) return undefined;
      current = (current as Record<string, unknown>)[step];
    }
  }
  return current;
}
