// @ts-check
// Demo step, in two parts:
//   node tools/demo/invoices.js settings   the demo tenant's seller (in Germany, so invoices carry
//                                          tax from the tax service) and a grace period of 0 hours,
//                                          so an ended period is finalized as soon as it is closed;
//   node tools/demo/invoices.js show       waits for the invoicer to finalize each demo customer's
//                                          ended period, prints every finalized invoice (number,
//                                          customer, lines, total) and writes its PDF to
//                                          .mu/invoices/<number>.pdf.
// Through the API (`PUT /v1/billing-settings`, `GET /v1/invoices`, `GET /v1/invoices/{id}`,
// `GET /v1/invoices/{id}/pdf`); where this build's API has no such route yet, from Postgres and
// the renderer in dist/ (libs/billing's PDF mapping, libs/invoice-pdf) instead.
'use strict';
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const {
  ROOT,
  STATE,
  run,
  fail,
  env,
  api,
  noRoute,
  demoCustomers,
  quantity,
  money,
  table,
  dateIn,
  sleep,
} = require('./lib');

const SELLER = {
  name: 'Demo Cloud Inc.',
  address: { line1: 'Friedrichstraße 68', city: 'Berlin', postalCode: '10117', country: 'DE' },
  email: 'billing@demo-cloud.example',
};
const WAIT_S = 150;

/** Postgres, for what the API of this build cannot answer yet. */
let pool = /** @type {import('pg').Pool | undefined} */ (undefined);
function pg() {
  if (!pool) {
    const { Pool } = require('pg');
    pool = new Pool({ connectionString: env('DATABASE_URL'), max: 2 });
  }
  return pool;
}

/** @param {string} customerId */
async function tenantOf(customerId) {
  const { rows } = await pg().query('SELECT tenant_id FROM customers WHERE id = $1', [customerId]);
  return /** @type {string} */ (
    rows[0]?.tenant_id ?? fail(`customer ${customerId} is not in ${process.env.DATABASE_URL}`)
  );
}

async function settings() {
  const customers = await demoCustomers();
  const r = await api('PUT', '/v1/billing-settings', {
    body: { seller: SELLER, gracePeriodHours: 0 },
    ok: [200, 404],
  });
  if (r.status === 200) {
    console.log(
      `  billing settings (PUT /v1/billing-settings): seller ${SELLER.name} (${SELLER.address.country}), grace period 0 h`,
    );
    return;
  }
  if (!noRoute(r)) fail(`PUT /v1/billing-settings answered 404: ${JSON.stringify(r.body)}`);
  const tenantId = await tenantOf(/** @type {string} */ (customers[0]?.id));
  await pg().query(
    `INSERT INTO tenant_billing_settings (tenant_id, seller, grace_period_hours) VALUES ($1, $2, 0)
     ON CONFLICT (tenant_id) DO UPDATE SET seller = EXCLUDED.seller, grace_period_hours = 0, updated_at = now()`,
    [tenantId, JSON.stringify(SELLER)],
  );
  console.log(
    `  billing settings (in Postgres: no /v1/billing-settings in this API yet): seller ${SELLER.name}, grace period 0 h`,
  );
}

/**
 * A customer's finalized invoices, oldest period first, as the API lists them (or from Postgres).
 * @param {string} customerId
 * @returns {Promise<{ via: 'api' | 'postgres', ids: string[] }>}
 */
async function finalizedInvoices(customerId) {
  const r = await api(
    'GET',
    `/v1/invoices?customer=${encodeURIComponent(customerId)}&status=finalized&limit=100`,
    {
      ok: [200, 404],
    },
  );
  if (r.status === 200) {
    const data = /** @type {{ id: string, periodStart: string }[]} */ (r.body?.data ?? []);
    return {
      via: 'api',
      ids: data.sort((a, b) => a.periodStart.localeCompare(b.periodStart)).map((i) => i.id),
    };
  }
  if (!noRoute(r)) fail(`GET /v1/invoices answered 404: ${JSON.stringify(r.body)}`);
  const { rows } = await pg().query(
    `SELECT id FROM invoices WHERE customer_id = $1 AND status = 'finalized' ORDER BY period_start`,
    [customerId],
  );
  return { via: 'postgres', ids: rows.map((/** @type {{ id: string }} */ x) => x.id) };
}

/**
 * One invoice with its lines, in the API's shape (`GET /v1/invoices/{id}`), or mapped from Postgres.
 * @param {string} id
 * @param {'api' | 'postgres'} via
 */
async function invoiceDetail(id, via) {
  if (via === 'api') return (await api('GET', `/v1/invoices/${id}`)).body;
  const { row, lines } = await invoiceRows(id);
  return {
    id: row.id,
    number: row.number,
    status: row.status,
    currency: String(row.currency).trim(),
    periodStart: row.period_start.toISOString(),
    periodEnd: row.period_end.toISOString(),
    subtotal: row.subtotal,
    taxTotal: row.tax_total,
    total: row.total,
    dueAt: row.due_at?.toISOString() ?? null,
    buyer: row.buyer,
    tax: { status: row.tax?.status ?? 'not_calculated', reason: row.tax?.reason ?? null },
    lines: lines.map((/** @type {any} */ l) => ({
      type: l.type,
      description: l.description,
      periodStart: l.period_start.toISOString(),
      quantity: l.quantity,
      amount: l.amount,
      taxRate: l.tax_rate,
      taxAmount: l.tax_amount,
    })),
  };
}

/** @param {string} id */
async function invoiceRows(id) {
  const inv = await pg().query('SELECT * FROM invoices WHERE id = $1', [id]);
  const lines = await pg().query('SELECT * FROM invoice_lines WHERE invoice_id = $1 ORDER BY position', [id]);
  if (!inv.rows[0]) fail(`invoice ${id} not found in Postgres`);
  return { row: inv.rows[0], lines: lines.rows };
}

/**
 * The invoice's PDF: `GET /v1/invoices/{id}/pdf`, or rendered here from Postgres with the
 * invoicing library's mapping and the renderer (dist/).
 * @param {string} id
 * @param {string} timeZone
 * @returns {Promise<{ bytes: Buffer, via: string }>}
 */
async function invoicePdf(id, timeZone) {
  const r = await api('GET', `/v1/invoices/${id}/pdf`, { ok: [200, 404], raw: true });
  if (r.status === 200) return { bytes: r.body, via: 'GET /v1/invoices/{id}/pdf' };
  if (!noRoute(r)) fail(`GET /v1/invoices/${id}/pdf answered 404: ${JSON.stringify(r.body)}`);
  const { invoicePdfDocument } = require(path.join(ROOT, 'dist', 'libs', 'billing', 'src', 'index.js'));
  const { renderInvoicePdf } = require(path.join(ROOT, 'dist', 'libs', 'invoice-pdf', 'src', 'index.js'));
  const { row, lines } = await invoiceRows(id);
  return {
    bytes: await renderInvoicePdf(invoicePdfDocument(row, lines, [], { timeZone })),
    via: 'rendered from Postgres',
  };
}

/** The invoicer's last warning or error (a period it could not close says why), if its log has one. */
function lastInvoicerWarning() {
  try {
    const lines = readFileSync(path.join(STATE, 'logs', 'invoicer.log'), 'utf8')
      .trim()
      .split('\n')
      .reverse();
    for (const line of lines.slice(0, 500)) {
      const entry = JSON.parse(line);
      if (entry.level === 'warn' || entry.level === 'error' || entry.level === 'fatal') {
        const why = String(entry.err?.message ?? '')
          .split('\n')
          .slice(0, 3)
          .join(' ');
        return `its last complaint (.mu/logs/invoicer.log, ${entry.time}): ${entry.msg}${why ? `: ${why}` : ''}`;
      }
    }
  } catch {
    // no log, or not JSON lines
  }
  return undefined;
}

async function show() {
  const customers = await demoCustomers();
  const now = Date.now();
  // Every ended period of each customer's subscription should become a finalized invoice.
  /** @type {Map<string, number>} */
  const endedOf = new Map();
  for (const c of customers) {
    const subs =
      (await api('GET', `/v1/subscriptions?customerId=${encodeURIComponent(c.id)}`)).body?.data ?? [];
    let ended = 0;
    for (const s of subs) {
      const range = `from=${encodeURIComponent(s.startAt)}&to=${encodeURIComponent(new Date(now).toISOString())}`;
      const periods = (await api('GET', `/v1/subscriptions/${s.id}/periods?${range}`)).body?.data ?? [];
      ended += periods.filter((/** @type {{ end: string }} */ p) => Date.parse(p.end) <= now).length;
    }
    endedOf.set(c.id, ended);
  }
  const t0 = Date.now();
  /** @type {Map<string, { via: 'api' | 'postgres', ids: string[] }>} */
  let found = new Map();
  for (;;) {
    found = new Map();
    for (const c of customers) found.set(c.id, await finalizedInvoices(c.id));
    const missing = customers.filter((c) => (found.get(c.id)?.ids.length ?? 0) < (endedOf.get(c.id) ?? 0));
    if (missing.length === 0) break;
    if (Date.now() - t0 > WAIT_S * 1000) {
      fail(
        `no finalized invoice after ${WAIT_S} s for ${missing.map((c) => c.key).join(', ')}: ` +
          `is the invoicer running? ${lastInvoicerWarning() ?? 'see .mu/logs/invoicer.log'}`,
      );
    }
    if (Date.now() - t0 < 1_000)
      console.log(
        `  waiting for the invoicer to close ${[...endedOf.values()].reduce((a, b) => a + b, 0)} ended periods ...`,
      );
    await sleep(1_000);
  }
  const dir = path.join(STATE, 'invoices');
  mkdirSync(dir, { recursive: true });
  /** @type {string[]} */
  const files = [];
  let shown = 0;
  for (const c of customers) {
    const f = /** @type {{ via: 'api' | 'postgres', ids: string[] }} */ (found.get(c.id));
    for (const id of f.ids) {
      const inv = await invoiceDetail(id, f.via);
      shown++;
      const zone = c.timeZone;
      console.log(
        `  ${inv.number}  ${inv.buyer?.name ?? c.name} (${c.key})  ${inv.status}  period ${dateIn(inv.periodStart, zone)} .. ${dateIn(inv.periodEnd, zone)}` +
          `${inv.dueAt ? `  due ${inv.dueAt.slice(0, 10)}` : ''}  ${inv.currency}`,
      );
      /** @type {string[][]} */
      const rows = [['line', 'quantity', 'amount', 'tax']];
      for (const l of inv.lines ?? []) {
        const forNext = l.periodStart !== inv.periodStart && l.type === 'fixed';
        rows.push([
          `${l.description}${forNext ? ` (${dateIn(l.periodStart, zone)} ..)` : ''}`,
          quantity(l.quantity),
          money(l.amount),
          l.taxRate != null ? `${quantity(l.taxRate)}%` : '-',
        ]);
      }
      rows.push(['subtotal', '', money(inv.subtotal), '']);
      rows.push([
        inv.tax?.status === 'calculated' ? 'tax' : `tax (not calculated: ${inv.tax?.reason ?? 'no quote'})`,
        '',
        money(inv.taxTotal),
        '',
      ]);
      rows.push(['total', '', money(inv.total), '']);
      console.log(table(rows, [1, 2, 3]));
      const pdf = await invoicePdf(id, zone);
      const file = path.join(dir, `${String(inv.number ?? id).replace(/[^A-Za-z0-9_.-]/g, '_')}.pdf`);
      writeFileSync(file, pdf.bytes);
      files.push(`${path.relative(process.cwd(), file)} (${pdf.bytes.length} bytes, ${pdf.via})`);
      console.log();
    }
  }
  console.log(
    `  ${shown} finalized invoice${shown === 1 ? '' : 's'}${found.values().next().value?.via === 'postgres' ? ' (read from Postgres: no /v1/invoices in this API yet)' : ''}; PDFs:`,
  );
  for (const f of files) console.log(`    ${f}`);
}

run(async () => {
  try {
    const step = process.argv[2];
    if (step === 'settings') await settings();
    else if (step === 'show') await show();
    else fail('usage: node tools/demo/invoices.js settings|show');
  } finally {
    await pool?.end();
  }
});
