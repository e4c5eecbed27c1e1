import type { FxConversionV1 } from '@mu/contracts';
import { Dec } from '@mu/pricing';
import type { InvoiceLineRow, InvoiceLineType } from '../schema';
import { invoiceContext } from './close';
import { computeInvoice, type ComputedLine, type InvoicingDeps } from './compute';
import { InvoicingNotFoundError } from './errors';

/**
 * `mu invoice verify`: recompute an invoice from the usage store and the catalog (the code that
 * wrote it) and compare it with what is stored, line by line, quantity and amount.
 *
 * Usage that reached the store after the invoice was issued is billed on a later invoice as an
 * adjustment naming this one; those adjustments are added to the stored figures before the
 * comparison, so a late event billed correctly is not a difference. Tax is not recomputed (it
 * is the tax service's answer on the day, not a function of the events).
 */

export interface VerifiedFigures {
  quantity: string;
  amount: string;
}

export interface VerifiedLine {
  type: InvoiceLineType;
  chargeKey: string;
  description: string;
  periodStart: string;
  periodEnd: string;
  /** The stored line; null when only the recomputation has it. */
  stored: VerifiedFigures | null;
  /** Billed for this line by later invoices' adjustments (usage lines only). */
  adjustedLater: VerifiedFigures | null;
  /** The recomputed line; null when only the stored invoice has it. */
  computed: VerifiedFigures | null;
  matches: boolean;
}

export interface VerifyDifference {
  chargeKey: string;
  type: InvoiceLineType;
  periodStart: string;
  field: 'quantity' | 'amount' | 'line';
  /** Stored plus later adjustments; null for a line the invoice does not have. */
  stored: string | null;
  computed: string | null;
  message: string;
}

export interface InvoiceVerification {
  invoiceId: string;
  number: string | null;
  status: string;
  currency: string;
  periodStart: string;
  periodEnd: string;
  matches: boolean;
  lines: VerifiedLine[];
  differences: VerifyDifference[];
  subtotal: { stored: string; computed: string };
}

export async function verifyInvoice(
  deps: Pick<InvoicingDeps, 'db' | 'ch'>,
  tenantId: string,
  invoiceId: string,
): Promise<InvoiceVerification> {
  const exists = await deps.db
    .selectFrom('invoices')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', invoiceId)
    .executeTakeFirst();
  if (!exists) throw new InvoicingNotFoundError('invoice', invoiceId);
  const { invoice, sub, period } = await invoiceContext(deps, tenantId, invoiceId);
  // No tax service: quantities and amounts only. A converted invoice is converted again at the
  // rate it was issued with, not today's.
  const fx = invoice.fx;
  const computed = await computeInvoice(
    {
      db: deps.db,
      ch: deps.ch,
      ...(fx
        ? {
            convertFx: (req) =>
              Promise.resolve({
                date: req.date,
                from: fx.from,
                to: fx.to,
                sourceAmount: req.amount,
                amount: new Dec(req.amount).times(fx.rate).toFixed(),
                rate: fx.rate,
                method: fx.method as FxConversionV1['method'],
                effectiveDate: fx.effectiveDate,
                source: fx.source,
                legs: [],
                rounding: 'half_away_from_zero' as const,
              }),
          }
        : {}),
    },
    tenantId,
    sub,
    period,
    { excludeInvoiceId: invoice.id, kind: invoice.kind, through: invoice.usage_through },
  );
  const stored = await deps.db
    .selectFrom('invoice_lines')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('invoice_id', '=', invoice.id)
    .orderBy('position')
    .execute();
  const later = await deps.db
    .selectFrom('invoice_lines as l')
    .innerJoin('invoices as i', (j) =>
      j.onRef('i.id', '=', 'l.invoice_id').onRef('i.tenant_id', '=', 'l.tenant_id'),
    )
    .select(['l.charge_key', 'l.quantity', 'l.amount'])
    .where('l.tenant_id', '=', tenantId)
    .where('l.adjusts_invoice_id', '=', invoice.id)
    .where('i.status', '<>', 'void')
    .where('i.id', '<>', invoice.id)
    .execute();
  const adjusted = new Map<string, { q: Dec; a: Dec }>();
  for (const r of later) {
    const s = adjusted.get(r.charge_key) ?? { q: new Dec(0), a: new Dec(0) };
    adjusted.set(r.charge_key, { q: s.q.plus(r.quantity), a: s.a.plus(r.amount) });
  }

  const lines = pair(stored, computed.lines).map(({ s, c }): VerifiedLine => {
    const type = s ? s.type : c!.type;
    const chargeKey = s ? s.charge_key : c!.chargeKey;
    const adj = type === 'usage' ? adjusted.get(chargeKey) : undefined;
    const storedFig = s ? { quantity: s.quantity, amount: s.amount } : null;
    const expected = storedFig && {
      quantity: adj ? adj.q.plus(storedFig.quantity).toFixed() : storedFig.quantity,
      amount: adj ? adj.a.plus(storedFig.amount).toFixed() : storedFig.amount,
    };
    const computedFig = c ? { quantity: c.quantity, amount: c.amount } : null;
    return {
      type,
      chargeKey,
      description: s ? s.description : c!.description,
      periodStart: s ? s.period_start.toISOString() : c!.periodStart,
      periodEnd: s ? s.period_end.toISOString() : c!.periodEnd,
      stored: storedFig,
      adjustedLater: adj ? { quantity: adj.q.toFixed(), amount: adj.a.toFixed() } : null,
      computed: computedFig,
      matches:
        expected !== null &&
        computedFig !== null &&
        new Dec(expected.quantity).eq(computedFig.quantity) &&
        new Dec(expected.amount).eq(computedFig.amount),
    };
  });

  const differences: VerifyDifference[] = [];
  for (const l of lines) {
    if (l.matches) continue;
    const at = { chargeKey: l.chargeKey, type: l.type, periodStart: l.periodStart };
    if (!l.stored) {
      differences.push({
        ...at,
        field: 'line',
        stored: null,
        computed: l.computed!.amount,
        message: `the recomputed invoice has a ${l.type} line ${l.chargeKey} the stored one lacks`,
      });
      continue;
    }
    if (!l.computed) {
      differences.push({
        ...at,
        field: 'line',
        stored: l.stored.amount,
        computed: null,
        message: `the stored ${l.type} line ${l.chargeKey} is not in the recomputed invoice`,
      });
      continue;
    }
    for (const field of ['quantity', 'amount'] as const) {
      const expected = l.adjustedLater
        ? new Dec(l.stored[field]).plus(l.adjustedLater[field])
        : new Dec(l.stored[field]);
      if (expected.eq(l.computed[field])) continue;
      differences.push({
        ...at,
        field,
        stored: expected.toFixed(),
        computed: l.computed[field],
        message: `${l.type} line ${l.chargeKey}: ${field} stored ${expected.toFixed()}${l.adjustedLater ? ' (with later adjustments)' : ''}, recomputed ${l.computed[field]}`,
      });
    }
  }
  return {
    invoiceId: invoice.id,
    number: invoice.number,
    status: invoice.status,
    currency: invoice.currency,
    periodStart: invoice.period_start.toISOString(),
    periodEnd: invoice.period_end.toISOString(),
    matches: differences.length === 0,
    lines,
    differences,
    subtotal: { stored: invoice.subtotal, computed: computed.subtotal },
  };
}

/** Stored and computed lines matched by type, charge, period and the invoice adjusted. */
function pair(
  stored: readonly InvoiceLineRow[],
  computed: readonly ComputedLine[],
): { s: InvoiceLineRow | null; c: ComputedLine | null }[] {
  const key = (type: string, charge: string, start: string, adjusts: string | null) =>
    `${type}|${charge}|${start}|${adjusts ?? ''}`;
  const pending = new Map<string, ComputedLine[]>();
  for (const c of computed) {
    const k = key(c.type, c.chargeKey, c.periodStart, c.adjustsInvoiceId);
    pending.set(k, [...(pending.get(k) ?? []), c]);
  }
  const out: { s: InvoiceLineRow | null; c: ComputedLine | null }[] = [];
  for (const s of stored) {
    const k = key(s.type, s.charge_key, s.period_start.toISOString(), s.adjusts_invoice_id);
    const list = pending.get(k);
    out.push({ s, c: list?.shift() ?? null });
  }
  for (const list of pending.values()) for (const c of list) out.push({ s: null, c });
  return out;
}
