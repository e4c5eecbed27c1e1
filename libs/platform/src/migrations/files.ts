import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

const FILE = /^(\d{4,})_([a-z0-9_]+)\.sql$/;

/**
 * Read `NNNN_name.sql` files in version order. Anything else in the folder is an
 * error, so a misnamed migration can't be silently skipped.
 */
export function loadMigrations(dir: string): Migration[] {
  const out: Migration[] = [];
  const seen = new Map<number, string>();
  for (const file of readdirSync(dir).sort()) {
    if (file.startsWith('.') || file.toLowerCase() === 'readme.md') continue;
    const m = FILE.exec(file);
    if (!m) throw new Error(`${join(dir, file)}: migration files are named NNNN_snake_name.sql`);
    const version = Number(m[1]);
    const previous = seen.get(version);
    if (previous) throw new Error(`${dir}: version ${version} is used by both ${previous} and ${file}`);
    seen.set(version, file);
    const sql = readFileSync(join(dir, file), 'utf8');
    out.push({ version, name: m[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return out.sort((a, b) => a.version - b.version);
}

/** Applied migrations must match their files: editing one after it ran is an error. */
export function checkApplied(
  files: Migration[],
  applied: { version: number; checksum: string; name: string }[],
  where: string,
): Migration[] {
  const byVersion = new Map(files.map((f) => [f.version, f]));
  for (const a of applied) {
    const f = byVersion.get(a.version);
    if (!f) throw new Error(`${where}: migration ${migrationLabel(a)} was applied but its file is missing`);
    if (f.checksum !== a.checksum) {
      throw new Error(
        `${where}: migration ${migrationLabel(a)} changed after it was applied; add a new migration instead`,
      );
    }
  }
  const done = new Set(applied.map((a) => a.version));
  return files.filter((f) => !done.has(f.version));
}

/**
 * Split a SQL file into statements on `;` outside quotes and comments. ClickHouse's
 * HTTP interface takes one statement per request.
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let cur = '';
  let i = 0;
  let quote: string | null = null;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (quote) {
      cur += c;
      if (c === '\\') {
        cur += next ?? '';
        i += 2;
        continue;
      }
      if (c === quote) quote = null;
      i += 1;
      continue;
    }
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    if (c === ';') {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
    } else {
      cur += c;
    }
    i += 1;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** A stable 64-bit advisory lock key for a name. */
export function lockKey(name: string): string {
  return BigInt.asIntN(
    64,
    BigInt('0x' + createHash('sha256').update(name).digest('hex').slice(0, 16)),
  ).toString();
}

/** `0007_add_meters`, as the file is named. */
export function migrationLabel(m: { version: number; name: string }): string {
  return `${String(m.version).padStart(4, '0')}_${m.name}`;
}
