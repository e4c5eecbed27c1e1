// @ts-check
// Demo step: each demo customer's running period as `GET /v1/customers/{id}/current-charges`
// prices it from the usage in ClickHouse: one table per customer (line, quantity, amount, total).
'use strict';
const { run, api, demoCustomers, quantity, money, table, dateIn } = require('./lib');

run(async () => {
  for (const c of await demoCustomers()) {
    const { body } = await api('GET', `/v1/customers/${c.id}/current-charges`);
    const subs = body?.subscriptions ?? [];
    if (subs.length === 0) {
      console.log(`  ${c.key}: no running subscription`);
      continue;
    }
    for (const s of subs) {
      console.log(
        `  ${c.name} (${c.key}), period ${dateIn(s.period.start, c.timeZone)} .. ${dateIn(s.period.end, c.timeZone)} ` +
          `(${c.timeZone}), usage through ${s.usageThrough.slice(0, 16)}Z, ${s.currency}`,
      );
      /** @type {string[][]} */
      const rows = [['line', 'quantity', 'amount']];
      for (const l of s.lines) {
        if (l.type === 'usage') {
          rows.push([l.name, quantity(l.quantity), money(l.amount)]);
          for (const d of l.description ?? []) rows.push([`  ${d}`, '', '']);
        } else {
          const prorated = l.fraction !== '1';
          rows.push([
            `${l.name}${l.timing === 'in_advance' ? ' (in advance)' : ''}${prorated ? ` x ${quantity(l.fraction, 4)} of the period` : ''}`,
            '1',
            money(l.amount),
          ]);
        }
      }
      rows.push(['total before tax', '', money(s.total)]);
      console.log(table(rows, [1, 2]));
      console.log();
    }
  }
});
