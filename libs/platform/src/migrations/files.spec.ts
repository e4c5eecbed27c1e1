import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkApplied, loadMigrations, lockKey, splitStatements } from './files';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mu-mig-'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

describe('migration files', () => {
  it('loads NNNN_name.sql in version order with checksums, skipping a README', () => {
    const m = loadMigrations(dirWith({ '0002_b.sql': 'B', '0001_a.sql': 'A', 'README.md': '#' }));
    expect(m.map((x) => `${x.version}_${x.name}`)).toEqual(['1_a', '2_b']);
    expect(m[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses misnamed files and duplicate versions', () => {
    expect(() => loadMigrations(dirWith({ '1_a.sql': 'A' }))).toThrow(/NNNN_snake_name\.sql/);
    expect(() => loadMigrations(dirWith({ '0001_a.sql': 'A', '0001_b.sql': 'B' }))).toThrow(
      /version 1 is used by both/,
    );
  });

  it('detects an applied migration that was edited or removed', () => {
    const files = loadMigrations(dirWith({ '0001_a.sql': 'A', '0002_b.sql': 'B' }));
    expect(
      checkApplied(files, [{ version: 1, name: 'a', checksum: files[0]!.checksum }], 'x').map(
        (f) => f.version,
      ),
    ).toEqual([2]);
    expect(() => checkApplied(files, [{ version: 1, name: 'a', checksum: 'other' }], 'x')).toThrow(
      /0001_a changed after it was applied/,
    );
    expect(() => checkApplied(files, [{ version: 9, name: 'z', checksum: 'c' }], 'x')).toThrow(
      /0009_z was applied but its file is missing/,
    );
  });

  it('splits statements on semicolons outside quotes and comments', () => {
    const sql = `CREATE TABLE a (s String DEFAULT ';'); -- a comment; with a semicolon
      /* block; comment */ INSERT INTO a VALUES ('it\\'s; fine');
      SELECT "col;name" FROM a;`;
    expect(splitStatements(sql)).toEqual([
      "CREATE TABLE a (s String DEFAULT ';')",
      "INSERT INTO a VALUES ('it\\'s; fine')",
      'SELECT "col;name" FROM a',
    ]);
  });

  it('derives stable signed 64-bit lock keys', () => {
    expect(lockKey('x')).toBe(lockKey('x'));
    expect(lockKey('x')).not.toBe(lockKey('y'));
    const k = BigInt(lockKey('x'));
    expect(k >= -(2n ** 63n) && k < 2n ** 63n).toBe(true);
  });
});
