import type { InvoiceVerification, VerifiedFigures } from '@mu/billing';
import { CommandError, UsageError, type Command } from '../command';
import { callApi } from './api-client';

const USAGE = 'invoice verify <id> [--json]';

/**
 * `mu invoice verify <id>`: asks the API to recompute the invoice from its events
 * (`GET /v1/invoices/{id}/verify`) and prints stored and recomputed quantity and amount line by
 * line. Exit code 1 when anything differs, so a script or a cron job can alert on it.
 */
export const invoiceVerifyCommand: Command = {
  name: 'invoice verify',
  summary: 'recompute an invoice from its events and compare it line by line with what is stored',
  usage: USAGE,
  options: { json: { type: 'boolean' } },
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError(`expected <id>\nusage: mu ${USAGE}`);
    const id = args.positionals[0]!;
    if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new UsageError(`${id} is not an invoice id`);
    const v = (await callApi('GET', `/v1/invoices/${id}/verify`)) as InvoiceVerification;
    io.out(args.values.json === true ? `${JSON.stringify(v, null, 2)}\n` : renderVerification(v));
    if (!v.matches) {
      throw new CommandError(
        `${v.differences.length} difference${v.differences.length === 1 ? '' : 's'} between invoice ${v.number ?? v.invoiceId} and its events`,
      );
    }
  },
};

const figures = (f: VerifiedFigures | null) => (f ? [f.quantity, f.amount] : ['-', '-']);

/** A plain-text table: one row per line, stored (with later adjustments) beside recomputed. */
export function renderVerification(v: InvoiceVerification): string {
  const header = [
    'type',
    'charge',
    'period',
    'stored qty',
    'stored amount',
    'computed qty',
    'computed amount',
    '',
  ];
  const rows = v.lines.map((l) => {
    const [sq, sa] = figures(l.stored);
    const [cq, ca] = figures(l.computed);
    const later = l.adjustedLater ? ` (+${l.adjustedLater.quantity} / +${l.adjustedLater.amount} later)` : '';
    return [
      l.type,
      l.chargeKey,
      `${l.periodStart.slice(0, 10)}..${l.periodEnd.slice(0, 10)}`,
      sq!,
      `${sa!}${later}`,
      cq!,
      ca!,
      l.matches ? 'ok' : 'DIFFERS',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [
    `invoice ${v.number ?? '(draft)'} ${v.invoiceId} ${v.status}, ${v.periodStart} .. ${v.periodEnd}, ${v.currency.trim()}`,
    '',
    line(header),
    ...rows.map(line),
    '',
    `subtotal stored ${v.subtotal.stored}, recomputed ${v.subtotal.computed}`,
    ...v.differences.map((d) => `difference: ${d.message}`),
    v.matches ? 'the invoice matches its events' : `${v.differences.length} difference(s)`,
  ];
  return `${out.join('\n')}\n`;
}
