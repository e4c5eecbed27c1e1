import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateFromRoot, runPostgresMigrations } from '@mu/platform';
import { createTestDatabase, uniqueId, type TestDatabase } from '@mu/testing';
import type { CommandIo } from '../command';
import { runCli } from '../main';

// Writes to a real Postgres (a fresh database for this file, with the shipped migrations).
function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIo = { out: (t) => void out.push(t), err: (t) => void err.push(t) };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

const HISTORY = [
  'Date,USD,JPY,CYP,',
  '2025-02-28,1.0400,157.00,N/A,',
  '2025-02-27,1.0500,158.50,N/A,',
  '',
].join('\n');

describe('mu fx import', () => {
  let dir: string;
  let db: TestDatabase;
  let savedUrl: string | undefined;
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  async function mu(...argv: string[]) {
    const c = capture();
    const code = await runCli(['fx', 'import', ...argv], c.io);
    return { code, out: c.out(), err: c.err() };
  }
  const rows = async (tenant: string) =>
    (
      await db.pool.query<{ base: string; quote: string; rate: string; day: string; source: string }>(
        `SELECT base, quote, rate::text AS rate, effective_date::text AS day, source FROM fx_rates WHERE tenant_id = $1 ORDER BY day, quote`,
        [tenant],
      )
    ).rows;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mu-fx-'));
    db = await createTestDatabase();
    await runPostgresMigrations(db.pool, locateFromRoot('db/postgres'));
    savedUrl = process.env.DATABASE_URL;
    process.env.DATABASE_URL = db.url;
  });
  afterAll(async () => {
    process.env.DATABASE_URL = savedUrl;
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  it("imports the ECB history file into the tenant's rates, once", async () => {
    const tenant = uniqueId('acme');
    const csv = file('hist.csv', HISTORY);
    const first = await mu('--tenant', tenant, '--csv', csv);
    expect([first.code, first.err]).toEqual([0, '']);
    expect(first.out).toBe(
      `fx import: tenant ${tenant}: 4 rates (4 new, 0 updated), 2 currencies, 2025-02-27 to 2025-02-28; skipped CYP (not ISO 4217 currencies)\n`,
    );
    expect(await rows(tenant)).toEqual([
      {
        base: 'EUR',
        quote: 'JPY',
        rate: '158.5',
        day: '2025-02-27',
        source: 'ECB euro foreign exchange reference rates',
      },
      {
        base: 'EUR',
        quote: 'USD',
        rate: '1.05',
        day: '2025-02-27',
        source: 'ECB euro foreign exchange reference rates',
      },
      {
        base: 'EUR',
        quote: 'JPY',
        rate: '157',
        day: '2025-02-28',
        source: 'ECB euro foreign exchange reference rates',
      },
      {
        base: 'EUR',
        quote: 'USD',
        rate: '1.04',
        day: '2025-02-28',
        source: 'ECB euro foreign exchange reference rates',
      },
    ]);
    const again = await mu('--tenant', tenant, '--csv', csv);
    expect(again.out).toContain('4 rates (0 new, 4 updated)');
    expect(await rows(tenant)).toHaveLength(4);
  });

  it('takes a base and a source, and keeps tenants apart', async () => {
    const [a, b] = [uniqueId('a'), uniqueId('b')];
    await mu(
      '--tenant',
      a,
      '--csv',
      file('usd.csv', 'Date,EUR\n2025-03-03,0.92\n'),
      '--base',
      'USD',
      '--source',
      'Fed H.10',
    );
    expect(await rows(a)).toEqual([
      { base: 'USD', quote: 'EUR', rate: '0.92', day: '2025-03-03', source: 'Fed H.10' },
    ]);
    expect(await rows(b)).toEqual([]);
  });

  it('names the line and column of a bad file and imports nothing (exit 2)', async () => {
    const tenant = uniqueId('bad');
    const csv = file('bad.csv', 'Date,USD\n2025-02-28,1.04\n2025-02-30,x\n');
    const r = await mu('--tenant', tenant, '--csv', csv);
    expect([r.code, r.out]).toEqual([2, '']);
    expect(r.err).toContain(
      `mu fx import: ${csv}: invalid FX rate file: 1 issue\n  line 3, Date: must be a date`,
    );
    expect(await rows(tenant)).toEqual([]);
  });

  it.each([
    ['no --tenant', ['--csv', 'x.csv'], '--tenant is required'],
    ['no --csv', ['--tenant', 'acme'], '--csv is required'],
    [
      'a tenant id that is not a subject token',
      ['--tenant', 'a.b', '--csv', 'x.csv'],
      '--tenant must be letters, digits, _ and - (1-64), not "a.b"',
    ],
    [
      'a missing file',
      ['--tenant', 'acme', '--csv', '/nonexistent.csv'],
      'cannot read --csv /nonexistent.csv: ENOENT',
    ],
    ['a stray argument', ['--tenant', 'acme', '--csv', 'x.csv', 'more'], "unexpected argument 'more'"],
  ])('refuses %s (exit 2)', async (_name, argv, message) => {
    const r = await mu(...argv);
    expect([r.code, r.out]).toEqual([2, '']);
    expect(r.err).toContain(message);
  });

  it('says to migrate when the table is missing (exit 1)', async () => {
    const empty = await createTestDatabase();
    process.env.DATABASE_URL = empty.url;
    try {
      const r = await mu('--tenant', 'acme', '--csv', file('ok.csv', HISTORY));
      expect(r).toEqual({
        code: 1,
        out: '',
        err: 'mu fx import: the fx_rates table does not exist: run `mu migrate` first\n',
      });
    } finally {
      process.env.DATABASE_URL = db.url;
      await empty.drop();
    }
  });

  it('names a bad DATABASE_URL (exit 1)', async () => {
    process.env.DATABASE_URL = 'mysql://nope';
    try {
      const r = await mu('--tenant', 'acme', '--csv', file('ok2.csv', HISTORY));
      expect(r.code).toBe(1);
      expect(r.err).toContain('DATABASE_URL must be a postgres:// URL');
    } finally {
      process.env.DATABASE_URL = db.url;
    }
  });
});
