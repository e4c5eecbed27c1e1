import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { PDFiumLibrary } from '@hyzyla/pdfium';
import {
  closePeriod,
  periodOfSubscriptionAt,
  type Database,
  type InvoicingDeps,
  type SubscriptionRow,
} from '@mu/billing';
import type { TaxQuoteV1 } from '@mu/contracts';
import { createKysely, locateFromRoot, runClickHouseMigrations, type Kysely } from '@mu/platform';
import { parseTaxQuoteRequest, quoteTax as engineQuote } from '@mu/tax-engine';
import { createTestClickHouse, type TestClickHouse } from '@mu/testing';
import { UsageWriter } from '@mu/usage';
import { customerBody, growthPlan, startApi, type Api, type Call } from './support';

const run = promisify(execFile);
/** Credit notes and early finalizations are numbered in the year they are issued: now. */
const YEAR = new Date().getUTCFullYear();
const MU = resolve(__dirname, '../../cli/bin/mu.js');

let api: Api;
let ch: TestClickHouse;
let writer: UsageWriter;
let db: Kysely<Database>;
let pdfium: Awaited<ReturnType<typeof PDFiumLibrary.init>>;
let token = 0;

beforeAll(async () => {
  ch = await createTestClickHouse();
  api = await startApi({ env: { CLICKHOUSE_DATABASE: ch.database } });
  await runClickHouseMigrations(ch.client, api.db.pool, locateFromRoot('db/clickhouse'), {
    database: ch.database,
  });
  writer = new UsageWriter(ch.client);
  db = createKysely<Database>(api.db.pool);
  pdfium = await PDFiumLibrary.init();
}, 60_000);
afterAll(async () => {
  pdfium?.destroy();
  await api.close();
  await ch.drop();
});

/** The tax engine itself, as the tax service would answer (the invoicer's closes get it over NATS). */
const engineDeps = (): InvoicingDeps => ({
  db,
  ch: ch.client,
  quoteTax: async (req) => engineQuote(parseTaxQuoteRequest(req.request)) as unknown as TaxQuoteV1,
});

const SELLER = {
  name: 'Mu Cloud GmbH',
  address: { line1: 'Friedrichstraße 123', city: 'Berlin', postalCode: '10117', country: 'DE' },
  taxIds: [{ type: 'eu_vat', value: 'DE136695976' }],
  email: 'billing@mu-cloud.example',
};

interface Fixture {
  tenantId: string;
  key: string;
  call: Call;
  meterId: string;
  customerId: string;
  subscriptionId: string;
}

/**
 * A tenant selling API calls (2 free, then 0.015 each) and a 30.00 platform fee in arrears, to one
 * customer subscribed since 2026-01-01 (UTC). `seller: false` leaves the seller without a country,
 * so nothing asks the tax service.
 */
async function fixture(
  opts: { seller?: boolean; customer?: Record<string, unknown> } = {},
): Promise<Fixture> {
  const { tenantId, key, call } = await api.tenant();
  const settings = await call('PUT', '/v1/billing-settings', {
    seller: opts.seller === false ? { name: 'Mu Cloud GmbH' } : SELLER,
    invoiceNumberFormat: 'INV-{YYYY}-{SEQ:4}',
    creditNoteNumberFormat: 'CN-{YYYY}-{SEQ:4}',
    netTermsDays: 14,
  });
  expect(settings.status).toBe(200);
  const meterId = await growthPlan(call, { feeTiming: 'in_arrears', meterUnit: 'calls' });
  const c = await call(
    'POST',
    '/v1/customers',
    customerBody('acme', { timeZone: 'UTC', subjectKeys: ['acme-prod'], ...opts.customer }),
  );
  expect(c.status).toBe(201);
  const s = await call('POST', '/v1/subscriptions', {
    customerId: c.body.id,
    plan: 'growth',
    startAt: '2026-01-01T00:00:00Z',
  });
  expect(s.status).toBe(201);
  return { tenantId, key, call, meterId, customerId: c.body.id, subscriptionId: s.body.id };
}

/** `n` calls by the customer at `at`, as the rater writes them. */
async function calls(f: Fixture, at: string, n: number, prefix: string) {
  token += 1;
  await writer.insert(
    'meter_values',
    Array.from({ length: n }, (_, i) => ({
      tenant_id: f.tenantId,
      meter_id: f.meterId,
      subject: 'acme-prod',
      time: at.replace('T', ' ').replace('Z', ''),
      source: 'src',
      event_id: `${prefix}-${i}`,
      value: '1',
      unique_value: '',
      dimensions: {},
    })),
    `invoices-test-${token}-${Date.now()}`,
  );
}

/** Closes the period containing `periodAt` as the invoicer does, at `now`. */
async function close(f: Fixture, periodAt: string, now: string, deps: InvoicingDeps = engineDeps()) {
  const sub: SubscriptionRow = await db
    .selectFrom('subscriptions')
    .selectAll()
    .where('tenant_id', '=', f.tenantId)
    .where('id', '=', f.subscriptionId)
    .executeTakeFirstOrThrow();
  const period = await periodOfSubscriptionAt(db, f.tenantId, sub, new Date(periodAt));
  const r = await closePeriod(deps, f.tenantId, sub, period!, new Date(now));
  return r.invoice!;
}

/** January: 4 calls (0.03) and the fee (30.00), 19% German VAT; finalized on Feb 5 (grace 24 h). */
async function january(f: Fixture) {
  await calls(f, '2026-01-10T10:00:00Z', 4, 'jan');
  const invoice = await close(f, '2026-01-15T00:00:00Z', '2026-02-05T00:00:00Z');
  expect(invoice.status).toBe('finalized');
  return invoice;
}

async function pdfText(bytes: Buffer): Promise<string> {
  const doc = await pdfium.loadDocument(new Uint8Array(bytes));
  try {
    return Array.from({ length: doc.getPageCount() }, (_, i) => doc.getPage(i).getText())
      .join(' ')
      .replace(/\s+/g, ' ');
  } finally {
    doc.destroy();
  }
}

async function download(key: string, path: string) {
  const res = await fetch(`${api.base}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** The fields at fault (each once: a field breaking two rules is listed twice by the API). */
const paths = (r: { body: { error: { details: { path: string }[] } } }) => [
  ...new Set(r.body.error.details.map((d) => d.path).sort()),
];

describe('billing settings', () => {
  it('answers the defaults, then what was PUT, field by field', async () => {
    const { call } = await api.tenant();
    const first = await call('GET', '/v1/billing-settings');
    expect(first.body).toEqual({
      seller: {},
      gracePeriodHours: 24,
      invoiceNumberFormat: 'MU-{YYYY}-{SEQ:6}',
      creditNoteNumberFormat: 'CN-{YYYY}-{SEQ:6}',
      netTermsDays: 30,
      updatedAt: null,
    });
    const put = await call('PUT', '/v1/billing-settings', {
      seller: { ...SELLER, registrations: ['GB', 'US-CA'] },
      gracePeriodHours: 48,
      invoiceNumberFormat: 'ACME/{YYYY}/{SEQ:5}',
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      seller: { ...SELLER, registrations: ['GB', 'US-CA'] },
      gracePeriodHours: 48,
      invoiceNumberFormat: 'ACME/{YYYY}/{SEQ:5}',
      creditNoteNumberFormat: 'CN-{YYYY}-{SEQ:6}',
      netTermsDays: 30,
    });
    // Fields left out keep their value.
    const again = await call('PUT', '/v1/billing-settings', { netTermsDays: 10 });
    expect(again.body).toMatchObject({
      gracePeriodHours: 48,
      netTermsDays: 10,
      seller: { name: SELLER.name },
    });
    expect((await call('GET', '/v1/billing-settings')).body).toEqual(again.body);
    // Another tenant still has the defaults.
    const other = await api.tenant();
    expect((await other.call('GET', '/v1/billing-settings')).body.seller).toEqual({});
  });

  it('refuses bad countries, formats and ranges with their field paths', async () => {
    const { call } = await api.tenant();
    const bad = await call('PUT', '/v1/billing-settings', {
      seller: {
        name: 'X',
        address: { country: 'XX' },
        taxIds: [{ type: 'EU VAT', value: 'DE1' }],
        registrations: ['california'],
      },
      gracePeriodHours: 5000,
      netTermsDays: -1,
      invoiceNumberFormat: 'INV-{YYYY}',
      creditNoteNumberFormat: 'CN {SEQ}',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(paths(bad)).toEqual([
      'creditNoteNumberFormat',
      'gracePeriodHours',
      'invoiceNumberFormat',
      'netTermsDays',
      'seller.address.country',
      'seller.registrations',
      'seller.taxIds.0.type',
    ]);
    for (const format of ['{SEQ}{SEQ}', '{FOO}-{SEQ}', 'INV-{SEQ:0}', '{YYYY}{YYYY}{SEQ}', '']) {
      const r = await call('PUT', '/v1/billing-settings', { invoiceNumberFormat: format });
      expect([format, r.status, paths(r)]).toEqual([format, 400, ['invoiceNumberFormat']]);
    }
    const same = await call('PUT', '/v1/billing-settings', {
      invoiceNumberFormat: 'DOC-{SEQ}',
      creditNoteNumberFormat: 'DOC-{SEQ}',
    });
    expect(paths(same)).toEqual(['creditNoteNumberFormat']);
    expect((await call('GET', '/v1/billing-settings')).body.updatedAt).toBeNull();
  });
});

describe('invoices', () => {
  it('lists with filters and pages, shows one with its lines and tax, and keeps tenants apart', async () => {
    const f = await fixture();
    const jan = await january(f);
    // February stays a draft: closed within its grace period.
    await calls(f, '2026-02-10T10:00:00Z', 1, 'feb');
    const feb = await close(f, '2026-02-15T00:00:00Z', '2026-03-01T01:00:00Z');
    expect(feb.status).toBe('draft');

    const ids = async (q: string) =>
      (await f.call('GET', `/v1/invoices${q}`)).body.data.map((i: { id: string }) => i.id);
    expect(await ids('')).toEqual([jan.id, feb.id]);
    expect(await ids('?status=finalized')).toEqual([jan.id]);
    expect(await ids('?status=draft')).toEqual([feb.id]);
    expect(await ids(`?customer=${f.customerId}&subscription=${f.subscriptionId}`)).toEqual([jan.id, feb.id]);
    expect(await ids('?customer=cus_nobody')).toEqual([]);
    expect(await ids('?periodFrom=2026-02-01T00:00:00Z')).toEqual([feb.id]);
    expect(await ids('?periodTo=2026-02-01T00:00:00Z')).toEqual([jan.id]);
    const page1 = await f.call('GET', '/v1/invoices?limit=1');
    expect(page1.body.nextCursor).toBe(jan.id);
    expect(page1.body.data[0]).toMatchObject({ id: jan.id, number: 'INV-2026-0001', creditedTotal: '0.00' });
    expect(page1.body.data[0].lines).toBeUndefined();
    const page2 = await f.call('GET', `/v1/invoices?limit=1&cursor=${page1.body.nextCursor}`);
    expect(page2.body).toMatchObject({ data: [{ id: feb.id, number: null }], nextCursor: null });
    const bad = await f.call('GET', '/v1/invoices?status=open&periodFrom=yesterday');
    expect(bad.status).toBe(400);
    expect(paths(bad)).toEqual(['periodFrom', 'status']);

    const got = await f.call('GET', `/v1/invoices/${jan.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id: jan.id,
      kind: 'period',
      status: 'finalized',
      number: 'INV-2026-0001',
      currency: 'EUR',
      usageThrough: '2026-02-01T00:00:00.000Z',
      fx: null,
      creditsApplied: '0.00',
      amountDue: '35.74',
      periodStart: '2026-01-01T00:00:00.000Z',
      periodEnd: '2026-02-01T00:00:00.000Z',
      subtotal: '30.03',
      taxTotal: '5.71',
      total: '35.74',
      creditedTotal: '0.00',
      issuedAt: '2026-02-05T00:00:00.000Z',
      dueAt: '2026-02-19T00:00:00.000Z',
      seller: { name: 'Mu Cloud GmbH', address: { country: 'DE' } },
      buyer: { customerId: f.customerId, name: 'Ada Lovelace Ltd', country: 'DE' },
      tax: {
        status: 'calculated',
        breakdown: [
          { jurisdiction: 'DE', rate: '19', treatment: 'standard', netAmount: '30.03', taxAmount: '5.71' },
        ],
        warnings: [],
      },
      creditNotes: [],
    });
    const [usage, fee] = got.body.lines;
    expect(usage).toMatchObject({
      position: 0,
      type: 'usage',
      chargeKey: 'calls',
      quantity: '4',
      amount: '0.03',
      taxRate: '19',
      taxAmount: '0.01',
      meterId: f.meterId,
      tax: { jurisdiction: 'DE', rate: '19', treatment: 'standard' },
      credited: '0.00',
    });
    expect(usage.breakdown.length).toBeGreaterThan(0);
    expect(usage.details.length).toBeGreaterThan(0);
    expect(fee).toMatchObject({ type: 'fixed', chargeKey: 'platform', amount: '30.00', taxAmount: '5.70' });

    // Another tenant sees none of it.
    const b = await api.tenant();
    expect((await b.call('GET', `/v1/invoices/${jan.id}`)).status).toBe(404);
    expect((await b.call('GET', '/v1/invoices')).body.data).toEqual([]);
    expect((await b.call('GET', `/v1/invoices?customer=${f.customerId}`)).body.data).toEqual([]);
    expect((await b.call('GET', `/v1/invoices/${jan.id}/pdf`)).status).toBe(404);
    expect((await b.call('GET', `/v1/invoices/${jan.id}/verify`)).status).toBe(404);
    for (const action of ['finalize', 'mark-paid', 'mark-uncollectible', 'regenerate']) {
      expect((await b.call('POST', `/v1/invoices/${jan.id}/${action}`, {})).status).toBe(404);
    }
    expect((await b.call('POST', `/v1/invoices/${jan.id}/void`, { reason: 'x' })).status).toBe(404);
    const steal = await b.call('POST', `/v1/invoices/${jan.id}/credit-notes`, {
      reason: 'x',
      lines: [{ invoiceLineId: usage.id, amount: '0.01' }],
    });
    expect(steal.status).toBe(404);
    expect((await f.call('GET', `/v1/invoices/${jan.id}`)).body.status).toBe('finalized');
  }, 60_000);

  it('renders invoices as PDF: number, parties, lines, tax per rate; drafts as DRAFT', async () => {
    const f = await fixture();
    const jan = await january(f);
    const { res, bytes } = await download(f.key, `/v1/invoices/${jan.id}/pdf`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe('inline; filename="INV-2026-0001.pdf"');
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = await pdfText(bytes);
    for (const expected of [
      'Invoice',
      'INV-2026-0001',
      'Mu Cloud GmbH',
      'Friedrichstraße 123',
      'VAT ID DE136695976',
      'Ada Lovelace Ltd',
      'API calls',
      'calls',
      'Platform fee',
      '€30.00',
      'VAT DE 19%',
      '€5.71',
      '€35.74',
      'Feb 5, 2026', // issued
      'Feb 19, 2026', // due after 14 days
      'Jan 1 – 31, 2026',
    ]) {
      expect([expected, text.includes(expected)]).toEqual([expected, true]);
    }
    expect(text).not.toContain('Reverse charge');
    // The path the issue names answers the same document.
    const alias = await download(f.key, `/v1/invoices/${jan.id}.pdf`);
    expect(alias.res.status).toBe(200);
    expect(alias.bytes.equals(bytes)).toBe(true);

    const feb = await close(f, '2026-02-15T00:00:00Z', '2026-03-01T01:00:00Z');
    const draft = await download(f.key, `/v1/invoices/${feb.id}/pdf`);
    expect(draft.res.headers.get('content-disposition')).toBe(`inline; filename="draft-${feb.id}.pdf"`);
    expect(await pdfText(draft.bytes)).toContain('DRAFT');
  }, 60_000);

  it('prints the reverse-charge note for an EU business customer in another member state', async () => {
    const f = await fixture({
      customer: {
        name: 'Société Exemple SARL',
        billingAddress: { country: 'FR', city: 'Paris', postalCode: '75002', line1: '1 rue de la Paix' },
        taxIds: [{ type: 'eu_vat', value: 'FR40303265045' }],
      },
    });
    const jan = await january(f);
    const got = await f.call('GET', `/v1/invoices/${jan.id}`);
    expect(got.body).toMatchObject({
      taxTotal: '0.00',
      total: '30.03',
      tax: { breakdown: [{ jurisdiction: 'FR', treatment: 'reverse_charge', rate: '0' }] },
    });
    const text = await pdfText((await download(f.key, `/v1/invoices/${jan.id}/pdf`)).bytes);
    expect(text).toContain('Reverse charge');
    expect(text).toContain('VAT FR, reverse charge');
    expect(text).toContain('VAT ID FR40303265045');
    expect(text).toContain('France');
  }, 60_000);

  it('marks invoices paid or uncollectible, and refuses what the lifecycle forbids (409 INVOICE_STATE)', async () => {
    const f = await fixture({ seller: false });
    const jan = await january(f);
    const conflict = async (path: string, body: unknown, status: string) => {
      const r = await f.call('POST', path, body);
      expect([path, r.status, r.body.error?.code]).toEqual([path, 409, 'INVOICE_STATE']);
      expect(r.body.error.message).toContain(`is ${status}`);
    };

    await conflict(`/v1/invoices/${jan.id}/regenerate`, {}, 'finalized');
    await conflict(`/v1/invoices/${jan.id}/finalize`, {}, 'finalized');
    const u = await f.call('POST', `/v1/invoices/${jan.id}/mark-uncollectible`);
    expect(u.status).toBe(200);
    expect(u.body).toMatchObject({ status: 'uncollectible', uncollectibleAt: expect.any(String) });
    await conflict(`/v1/invoices/${jan.id}/mark-uncollectible`, {}, 'uncollectible');

    const future = await f.call('POST', `/v1/invoices/${jan.id}/mark-paid`, {
      paidAt: '2999-01-01T00:00:00Z',
    });
    expect(future.status).toBe(400);
    expect(paths(future)).toEqual(['paidAt']);
    const paid = await f.call('POST', `/v1/invoices/${jan.id}/mark-paid`, { paidAt: '2026-03-02T12:00:00Z' });
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ status: 'paid', paidAt: '2026-03-02T12:00:00.000Z' });
    await conflict(`/v1/invoices/${jan.id}/mark-paid`, {}, 'paid');
    await conflict(`/v1/invoices/${jan.id}/void`, { reason: 'too late' }, 'paid');
    await conflict(`/v1/invoices/${jan.id}/mark-uncollectible`, {}, 'paid');

    // A draft: finalized early through the API (the seller has no country: no tax quote asked).
    await calls(f, '2026-02-10T10:00:00Z', 3, 'feb');
    const feb = await close(f, '2026-02-15T00:00:00Z', '2026-03-01T01:00:00Z', { db, ch: ch.client });
    expect(feb.status).toBe('draft');
    await conflict(`/v1/invoices/${feb.id}/mark-paid`, {}, 'draft');
    await conflict(`/v1/invoices/${feb.id}/mark-uncollectible`, {}, 'draft');
    await conflict(`/v1/invoices/${feb.id}/void`, { reason: 'no' }, 'draft');
    await conflict(
      `/v1/invoices/${feb.id}/credit-notes`,
      { reason: 'no', lines: [{ invoiceLineId: 'inl_x', amount: '1' }] },
      'draft',
    );
    const fin = await f.call('POST', `/v1/invoices/${feb.id}/finalize`);
    expect(fin.status).toBe(200);
    expect(fin.body).toMatchObject({
      status: 'finalized',
      number: `INV-${YEAR}-0002`,
      subtotal: '30.02',
      tax: { status: 'not_calculated', reason: 'the seller has no country (billing settings)' },
    });
    await conflict(`/v1/invoices/${feb.id}/finalize`, {}, 'finalized');
    expect((await f.call('POST', `/v1/invoices/inv_01JZZZZZZZZZZZZZZZZZZZZZZZ/finalize`)).status).toBe(404);
  }, 60_000);

  it('voids with a credit note for what is left, numbered gaplessly, and announces both in the same transaction', async () => {
    const f = await fixture();
    const jan = await january(f);
    const detail = (await f.call('GET', `/v1/invoices/${jan.id}`)).body;
    const [usage, fee] = detail.lines;

    // Partial credits first, with proportional tax.
    const cn1 = await f.call('POST', `/v1/invoices/${jan.id}/credit-notes`, {
      reason: 'outage on 12 January',
      lines: [{ invoiceLineId: fee.id, amount: '10.00' }],
    });
    expect(cn1.status).toBe(201);
    expect(cn1.body).toMatchObject({
      number: `CN-${YEAR}-0001`,
      invoiceId: jan.id,
      invoiceNumber: 'INV-2026-0001',
      customerId: f.customerId,
      subtotal: '10.00',
      taxTotal: '1.90',
      total: '11.90',
      lines: [{ invoiceLineId: fee.id, description: 'Platform fee', amount: '10.00', taxAmount: '1.90' }],
    });
    // Refused requests take no number.
    const over = await f.call('POST', `/v1/invoices/${jan.id}/credit-notes`, {
      reason: 'too much',
      lines: [{ invoiceLineId: fee.id, amount: '20.01' }],
    });
    expect(over.status).toBe(400);
    expect(paths(over)).toEqual(['lines.0.amount']);
    expect(over.body.error.details[0].message).toContain('at most 20.00');

    const v = await f.call('POST', `/v1/invoices/${jan.id}/void`, { reason: 'billed the wrong entity' });
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({
      status: 'void',
      voidReason: 'billed the wrong entity',
      voidedAt: expect.any(String),
      creditedTotal: '35.74',
    });
    expect(v.body.creditNotes.map((n: { number: string }) => n.number)).toEqual([
      `CN-${YEAR}-0001`,
      `CN-${YEAR}-0002`,
    ]);
    const cn2 = v.body.creditNotes[1];
    // What was left: the usage line (0.03 + 0.01 tax) and 20.00 of the fee (+ 3.80 tax).
    expect(cn2).toMatchObject({
      reason: 'Void: billed the wrong entity',
      subtotal: '20.03',
      taxTotal: '3.81',
      total: '23.84',
      lines: [
        { invoiceLineId: usage.id, amount: '0.03', taxAmount: '0.01' },
        { invoiceLineId: fee.id, amount: '20.00', taxAmount: '3.80' },
      ],
    });
    expect(v.body.lines.map((l: { credited: string }) => l.credited)).toEqual(['0.03', '30.00']);

    // The outbox, written with the changes.
    const events = await api.db.pool.query<{ id: string; type: string; payload: Record<string, unknown> }>(
      `SELECT id, type, payload FROM webhook_events WHERE tenant_id = $1 AND type IN ('invoice.voided', 'credit_note.created') ORDER BY created_at, id`,
      [f.tenantId],
    );
    expect(events.rows.map((e) => e.id).sort()).toEqual(
      [
        `credit_note.created:${cn1.body.id}`,
        `credit_note.created:${cn2.id}`,
        `invoice.voided:${jan.id}`,
      ].sort(),
    );
    const voided = events.rows.find((e) => e.type === 'invoice.voided')!;
    expect(voided.payload).toMatchObject({
      invoiceId: jan.id,
      status: 'void',
      voidReason: 'billed the wrong entity',
      creditNoteId: cn2.id,
      creditNoteNumber: `CN-${YEAR}-0002`,
    });
    const created = events.rows.find((e) => e.id === `credit_note.created:${cn2.id}`)!;
    expect(created.payload).toMatchObject({
      creditNote: { id: cn2.id, number: `CN-${YEAR}-0002`, total: '23.84' },
    });

    const again = await f.call('POST', `/v1/invoices/${jan.id}/void`, { reason: 'twice' });
    expect([again.status, again.body.error.code]).toEqual([409, 'INVOICE_STATE']);
    expect(again.body.error.message).toContain('is void');
    const missingReason = await f.call('POST', `/v1/invoices/${jan.id}/void`, {});
    expect(paths(missingReason)).toEqual(['reason']);

    const seq = await api.db.pool.query(
      `SELECT scope, last_value FROM number_sequences WHERE tenant_id = $1 ORDER BY scope`,
      [f.tenantId],
    );
    expect(seq.rows).toEqual([
      { scope: `credit_note:${YEAR}`, last_value: '2' },
      { scope: 'invoice:2026', last_value: '1' },
    ]);
  }, 60_000);

  it('credits lines in part with proportional tax, refuses over-credit by field, and lists and renders credit notes', async () => {
    const f = await fixture();
    const jan = await january(f);
    const [usage, fee] = (await f.call('GET', `/v1/invoices/${jan.id}`)).body.lines;
    const credit = (lines: { invoiceLineId: string; amount: string }[], reason = 'goodwill') =>
      f.call('POST', `/v1/invoices/${jan.id}/credit-notes`, { reason, lines });

    // 0.05 of 30.00 at 5.70 tax: 0.0095, rounded half away from zero to 0.01.
    const a = await credit([{ invoiceLineId: fee.id, amount: '0.05' }]);
    expect(a.body).toMatchObject({ subtotal: '0.05', taxTotal: '0.01', total: '0.06' });
    // 0.01 of 0.03 at 0.01 tax: 0.0033 -> 0.00.
    const b = await credit([
      { invoiceLineId: usage.id, amount: '0.01' },
      { invoiceLineId: fee.id, amount: '10' },
    ]);
    expect(b.body).toMatchObject({
      subtotal: '10.01',
      taxTotal: '1.90',
      total: '11.91',
      lines: [
        { invoiceLineId: usage.id, amount: '0.01', taxAmount: '0.00' },
        { invoiceLineId: fee.id, amount: '10.00', taxAmount: '1.90' },
      ],
    });

    const refused = await credit([
      { invoiceLineId: fee.id, amount: '19.96' }, // 19.95 left
      { invoiceLineId: 'inl_01JZZZZZZZZZZZZZZZZZZZZZZZ', amount: '1.00' },
      { invoiceLineId: usage.id, amount: '0.001' }, // below the cent
      { invoiceLineId: usage.id, amount: '0.01' }, // named twice
    ]);
    expect(refused.status).toBe(400);
    expect(paths(refused)).toEqual([
      'lines.0.amount',
      'lines.1.invoiceLineId',
      'lines.2.amount',
      'lines.3.invoiceLineId',
    ]);
    const shape = await f.call('POST', `/v1/invoices/${jan.id}/credit-notes`, {
      lines: [
        { invoiceLineId: fee.id, amount: '-1' },
        { invoiceLineId: fee.id, amount: 5 },
      ],
    });
    expect(paths(shape)).toEqual(['lines.0.amount', 'lines.1.amount', 'reason']);
    expect(paths(await credit([]))).toEqual(['lines']);

    // The rest of the fee: exactly the tax left on it (5.70 - 0.01 - 1.90), not a new proportion.
    const c = await credit([{ invoiceLineId: fee.id, amount: '19.95' }]);
    expect(c.body).toMatchObject({ subtotal: '19.95', taxTotal: '3.79', total: '23.74' });
    const nothing = await credit([{ invoiceLineId: fee.id, amount: '0.01' }]);
    expect(nothing.body.error.details[0]).toMatchObject({
      path: 'lines.0.amount',
      message: expect.stringContaining('nothing is left'),
    });

    // A paid invoice can still be credited.
    expect((await f.call('POST', `/v1/invoices/${jan.id}/mark-paid`)).body.status).toBe('paid');
    const d = await credit([{ invoiceLineId: usage.id, amount: '0.02' }]);
    expect(d.body).toMatchObject({
      number: `CN-${YEAR}-0004`,
      subtotal: '0.02',
      taxTotal: '0.01',
      total: '0.03',
    });
    const inv = (await f.call('GET', `/v1/invoices/${jan.id}`)).body;
    expect(inv.creditedTotal).toBe('35.74');
    expect(inv.total).toBe('35.74');

    const numbers = (await f.call('GET', `/v1/credit-notes?invoice=${jan.id}`)).body.data.map(
      (n: { number: string }) => n.number,
    );
    expect(numbers).toEqual([`CN-${YEAR}-0001`, `CN-${YEAR}-0002`, `CN-${YEAR}-0003`, `CN-${YEAR}-0004`]);
    const byCustomer = await f.call('GET', `/v1/credit-notes?customer=${f.customerId}&limit=3`);
    expect(byCustomer.body.data).toHaveLength(3);
    expect(byCustomer.body.nextCursor).toBe(byCustomer.body.data[2].id);
    expect((await f.call('GET', '/v1/credit-notes?customer=cus_nobody')).body.data).toEqual([]);
    expect((await f.call('GET', `/v1/credit-notes/${b.body.id}`)).body).toEqual(b.body);

    const { res, bytes } = await download(f.key, `/v1/credit-notes/${b.body.id}/pdf`);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(`inline; filename="CN-${YEAR}-0002.pdf"`);
    const text = await pdfText(bytes);
    for (const expected of [
      'Credit note',
      `CN-${YEAR}-0002`,
      'Credits invoice',
      'INV-2026-0001',
      '€11.91',
      'goodwill',
    ]) {
      expect([expected, text.includes(expected)]).toEqual([expected, true]);
    }
    // The invoice's PDF names its credit notes.
    expect(await pdfText((await download(f.key, `/v1/invoices/${jan.id}/pdf`)).bytes)).toContain(
      `CN-${YEAR}-0004`,
    );

    const other = await api.tenant();
    expect((await other.call('GET', `/v1/credit-notes/${b.body.id}`)).status).toBe(404);
    expect((await other.call('GET', `/v1/credit-notes/${b.body.id}/pdf`)).status).toBe(404);
    expect((await other.call('GET', `/v1/credit-notes?invoice=${jan.id}`)).body.data).toEqual([]);
  }, 60_000);

  it('regenerates the period of a void invoice as a new draft, once', async () => {
    const f = await fixture({ seller: false });
    const jan = await january(f);
    expect((await f.call('POST', `/v1/invoices/${jan.id}/void`, { reason: 'wrong plan' })).status).toBe(200);
    // A new draft for the period, pointing at the void one; only one live invoice per period.
    const regen = await f.call('POST', `/v1/invoices/${jan.id}/regenerate`);
    expect(regen.status).toBe(201);
    expect(regen.body).toMatchObject({
      status: 'draft',
      number: null,
      replacesId: jan.id,
      periodStart: '2026-01-01T00:00:00.000Z',
      subtotal: '30.03',
    });
    expect(regen.body.id).not.toBe(jan.id);
    const twice = await f.call('POST', `/v1/invoices/${jan.id}/regenerate`);
    expect([twice.status, twice.body.error.code]).toEqual([409, 'INVOICE_STATE']);
    expect(twice.body.error.message).toContain(regen.body.id);
  }, 60_000);

  it('keeps an issued invoice, its lines and its credit notes as they are, even against direct SQL', async () => {
    const f = await fixture({ seller: false });
    const jan = await january(f);
    const [usage] = (await f.call('GET', `/v1/invoices/${jan.id}`)).body.lines;
    const cn = await f.call('POST', `/v1/invoices/${jan.id}/credit-notes`, {
      reason: 'x',
      lines: [{ invoiceLineId: usage.id, amount: '0.01' }],
    });
    const pool = api.db.pool;
    const refusals: [string, unknown[]][] = [
      [`UPDATE invoice_lines SET amount = '0.00' WHERE invoice_id = $1`, [jan.id]],
      [`DELETE FROM invoice_lines WHERE invoice_id = $1`, [jan.id]],
      [
        `INSERT INTO invoice_lines (id, tenant_id, invoice_id, position, type, charge_key, description, period_start, period_end, quantity, amount)
         SELECT 'inl_sneaky', tenant_id, id, 99, 'fixed', 'x', 'x', period_start, period_end, 1, 100 FROM invoices WHERE id = $1`,
        [jan.id],
      ],
      [`UPDATE invoices SET total = '0.00' WHERE id = $1`, [jan.id]],
      [`UPDATE invoices SET status = 'draft', number = NULL WHERE id = $1`, [jan.id]],
      [`DELETE FROM invoices WHERE id = $1`, [jan.id]],
      [`UPDATE credit_notes SET total = '100.00' WHERE id = $1`, [cn.body.id]],
      [`DELETE FROM credit_notes WHERE id = $1`, [cn.body.id]],
    ];
    for (const [statement, params] of refusals) {
      await expect(pool.query(statement, params)).rejects.toMatchObject({ code: '23514' });
    }
    expect((await f.call('GET', `/v1/invoices/${jan.id}`)).body).toMatchObject({
      total: '30.03',
      status: 'finalized',
    });
  }, 60_000);

  it('previews the running period as closing it now would, writing nothing', async () => {
    const f = await fixture({ seller: false });
    const periods = await f.call('GET', `/v1/subscriptions/${f.subscriptionId}/periods`);
    const running = periods.body.data[0] as { start: string; end: string };
    await calls(f, new Date(Date.parse(running.start) + 1000).toISOString(), 5, 'now');

    const r = await f.call('GET', `/v1/customers/${f.customerId}/upcoming-invoice`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      customerId: f.customerId,
      subscriptionId: f.subscriptionId,
      currency: 'EUR',
      periodStart: running.start,
      periodEnd: running.end,
      subtotal: '30.05',
      taxTotal: '0.00',
      total: '30.05',
      tax: { status: 'not_calculated' },
      seller: { name: 'Mu Cloud GmbH' },
      buyer: { customerId: f.customerId },
    });
    expect(Date.parse(r.body.through)).toBeLessThanOrEqual(Date.now());
    expect(r.body.lines.find((l: { chargeKey: string }) => l.chargeKey === 'calls')).toMatchObject({
      type: 'usage',
      quantity: '5',
      amount: '0.05',
    });
    const named = await f.call(
      'GET',
      `/v1/customers/${f.customerId}/upcoming-invoice?subscription=${f.subscriptionId}`,
    );
    expect(named.body.total).toBe('30.05');
    const written = await api.db.pool.query(`SELECT count(*)::int AS n FROM invoices WHERE tenant_id = $1`, [
      f.tenantId,
    ]);
    expect(written.rows[0].n).toBe(0);

    // Two running subscriptions: the caller names one.
    await f.call('POST', '/v1/subscriptions', {
      customerId: f.customerId,
      plan: 'growth',
      startAt: '2026-01-01T00:00:00Z',
    });
    const ambiguous = await f.call('GET', `/v1/customers/${f.customerId}/upcoming-invoice`);
    expect([ambiguous.status, paths(ambiguous)]).toEqual([400, ['subscription']]);
    const wrong = await f.call('GET', `/v1/customers/${f.customerId}/upcoming-invoice?subscription=sub_nope`);
    expect(paths(wrong)).toEqual(['subscription']);
    const b = await api.tenant();
    expect((await b.call('GET', `/v1/customers/${f.customerId}/upcoming-invoice`)).status).toBe(404);
  }, 60_000);

  it('verifies an invoice against its events, counting later adjustments, and finds a tampered line', async () => {
    const f = await fixture({ seller: false });
    const jan = await january(f);
    const ok = await f.call('GET', `/v1/invoices/${jan.id}/verify`);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      invoiceId: jan.id,
      number: 'INV-2026-0001',
      matches: true,
      differences: [],
    });
    expect(ok.body.lines).toEqual([
      expect.objectContaining({
        type: 'usage',
        chargeKey: 'calls',
        stored: { quantity: '4', amount: '0.03' },
        computed: { quantity: '4', amount: '0.03' },
        matches: true,
      }),
      expect.objectContaining({ type: 'fixed', chargeKey: 'platform', matches: true }),
    ]);

    // A late January event: the invoice no longer matches its events...
    await calls(f, '2026-01-20T10:00:00Z', 1, 'late');
    const late = await f.call('GET', `/v1/invoices/${jan.id}/verify`);
    expect(late.body.matches).toBe(false);
    expect(late.body.differences).toEqual([
      expect.objectContaining({ chargeKey: 'calls', field: 'quantity', stored: '4', computed: '5' }),
      expect.objectContaining({ chargeKey: 'calls', field: 'amount', stored: '0.03', computed: '0.05' }),
    ]);
    // ...until February's invoice bills it as an adjustment.
    const feb = await close(f, '2026-02-15T00:00:00Z', '2026-03-05T00:00:00Z', { db, ch: ch.client });
    expect(feb.status).toBe('finalized');
    const adjusted = await f.call('GET', `/v1/invoices/${jan.id}/verify`);
    expect(adjusted.body.matches).toBe(true);
    expect(adjusted.body.lines[0].adjustedLater).toEqual({ quantity: '1', amount: '0.02' });
    expect((await f.call('GET', `/v1/invoices/${feb.id}/verify`)).body.matches).toBe(true);

    // A draft whose stored line was changed behind the invoicer's back.
    await calls(f, '2026-03-03T10:00:00Z', 3, 'mar');
    const mar = await close(f, '2026-03-15T00:00:00Z', '2026-04-01T01:00:00Z', { db, ch: ch.client });
    expect(mar.status).toBe('draft');
    await api.db.pool.query(
      `UPDATE invoice_lines SET quantity = '300', amount = '4.47' WHERE invoice_id = $1 AND type = 'usage'`,
      [mar.id],
    );
    const tampered = await f.call('GET', `/v1/invoices/${mar.id}/verify`);
    expect(tampered.body.matches).toBe(false);
    expect(
      tampered.body.differences.map((d: { field: string; stored: string; computed: string }) => [
        d.field,
        d.stored,
        d.computed,
      ]),
    ).toEqual([
      ['quantity', '300', '3'],
      ['amount', '4.47', '0.02'],
    ]);

    // `mu invoice verify` asks the same route: exit 0 when it matches, 1 with the table when not.
    const env = { ...process.env, MU_API_URL: api.base, MU_API_KEY: f.key };
    const good = await run(process.execPath, [MU, 'invoice', 'verify', jan.id], { env });
    expect(good.stdout).toContain('the invoice matches its events');
    expect(good.stdout).toMatch(
      /usage\s+calls\s+2026-01-01\.\.2026-02-01\s+4\s+0\.03 \(\+1 \/ \+0\.02 later\)\s+5\s+0\.05\s+ok/,
    );
    await expect(run(process.execPath, [MU, 'invoice', 'verify', mar.id], { env })).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/usage\s+calls\s+\S+\s+300\s+4\.47\s+3\s+0\.02\s+DIFFERS/) as unknown,
      stderr: expect.stringContaining('2 differences') as unknown,
    });
  }, 60_000);
});
