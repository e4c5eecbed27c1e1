import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandIo } from '../command';
import { runCli } from '../main';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIo = { out: (t) => void out.push(t), err: (t) => void err.push(t) };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

describe('mu price', () => {
  let dir: string;
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  async function mu(...argv: string[]) {
    const c = capture();
    const code = await runCli(['price', ...argv], c.io);
    return { code, out: c.out(), err: c.err() };
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mu-price-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the charge as JSON, with the breakdown described line by line', async () => {
    const spec = file('unit.json', { currency: 'EUR', model: 'unit', unitAmount: '0.01' });
    const r = await mu('--spec', spec, '--quantity', '1500');
    expect([r.code, r.err]).toEqual([0, '']);
    expect(JSON.parse(r.out)).toEqual({
      currency: 'EUR',
      model: 'unit',
      quantity: '1500',
      amount: '15.00',
      exactAmount: '15',
      subtotal: '15',
      minimumApplied: false,
      maximumApplied: false,
      roundingMode: 'half_away_from_zero',
      breakdown: [
        { kind: 'unit', quantity: '1500', unitAmount: '0.01', amount: '15', description: '1500 × 0.01 = 15' },
      ],
    });
  });

  it('prints amounts with exactly the currency minor digits (JPY: none)', async () => {
    const spec = file('jpy.json', {
      currency: 'JPY',
      model: 'graduated',
      tiers: [
        { upTo: '1000', unitAmount: '0.1' },
        { upTo: null, unitAmount: '0.05' },
      ],
    });
    const r = await mu('--spec', spec, '--quantity', '1000');
    expect(JSON.parse(r.out)).toMatchObject({
      currency: 'JPY',
      amount: '100',
      breakdown: [{ kind: 'tier', tier: 0, description: 'tier 0 (0, 1000]: 1000 × 0.1 = 100' }],
    });
  });

  it('rates percentage events from a values file', async () => {
    const spec = file('card.json', {
      currency: 'EUR',
      model: 'percentage',
      rate: '2.9',
      fixedFeePerEvent: '0.30',
    });
    const values = file('values.json', ['100', '10.00']);
    const r = await mu('--spec', spec, '--values', values);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ quantity: '2', amount: '3.79', exactAmount: '3.79' });
  });

  it('names every issue of an invalid spec on stderr and exits 2', async () => {
    const spec = file('bad.json', {
      currency: 'EUX',
      model: 'graduated',
      tiers: [
        { upTo: '10', unitAmount: '1' },
        { upTo: '5', unitAmount: '1' },
      ],
    });
    const r = await mu('--spec', spec, '--quantity', '1');
    expect([r.code, r.out]).toEqual([2, '']);
    expect(r.err).toContain(`mu price: ${spec}: invalid price spec: 3 issues`);
    expect(r.err).toContain('currency: EUX is not an ISO 4217 currency code [iso4217]');
    expect(r.err).toContain('tiers[1].upTo: must be null');
    expect(r.err).toContain("tiers[1].upTo: must be greater than the previous tier's upTo (10) [ascending]");
  });

  it.each([
    [
      'a negative quantity',
      ['--quantity=-1'],
      '--quantity: invalid rating input: 1 issue\n  quantity: must not be negative (-1) [non_negative]',
    ],
    ['values for a unit price', ['--values', 'VALUES'], 'quantity: the unit model prices a quantity'],
    ['no quantity', [], 'pass --quantity or --values, not both'],
    ['both inputs', ['--quantity', '1', '--values', 'VALUES'], 'pass --quantity or --values, not both'],
    ['a stray argument', ['--quantity', '1', 'extra'], "unexpected argument 'extra'"],
  ])('refuses %s (exit 2)', async (_name, argv, message) => {
    const spec = file('ok.json', { currency: 'EUR', model: 'unit', unitAmount: '1' });
    const values = file('v.json', ['1']);
    const r = await mu('--spec', spec, ...argv.map((a) => a.replace('VALUES', values)));
    expect([r.code, r.out]).toEqual([2, '']);
    expect(r.err).toContain(message);
  });

  it('refuses a missing --spec, a missing file and invalid JSON (exit 2)', async () => {
    let r = await mu('--quantity', '1');
    expect([r.code, r.err]).toEqual([
      2,
      'mu price: --spec is required\nusage: mu price --spec FILE (--quantity N | --values FILE)\n',
    ]);
    r = await mu('--spec', join(dir, 'missing.json'), '--quantity', '1');
    expect([r.code, r.err]).toEqual([
      2,
      `mu price: cannot read --spec ${join(dir, 'missing.json')}: ENOENT\n`,
    ]);
    r = await mu('--spec', file('broken.json', '{"currency": '), '--quantity', '1');
    expect(r.code).toBe(2);
    expect(r.err).toContain('is not valid JSON');
    const spec = file('card2.json', { currency: 'EUR', model: 'percentage', rate: '1' });
    r = await mu('--spec', spec, '--values', file('notalist.json', { a: 1 }));
    expect(r.code).toBe(2);
    expect(r.err).toContain('values: must be a list of decimal strings [type]');
  });

  it('reports a spec path that cannot be read with the error code (exit 2)', async () => {
    const r = await mu('--spec', dir, '--quantity', '1');
    expect([r.code, r.err]).toEqual([2, `mu price: cannot read --spec ${dir}: EISDIR\n`]);
  });
});
