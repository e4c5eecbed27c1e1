import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Find a folder of the Mu distribution (e.g. `db/postgres`) by walking up from `from`,
 * so the same code finds it in the repository, in `dist/`, and in a container image.
 */
export function locateFromRoot(relative: string, from: string = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`could not find ${relative} above ${from}`);
    dir = parent;
  }
}
