// @ts-check
// Demo step: each demo customer subscribed to plan `growth` since the start of the previous
// month in its own time zone (once; a second run keeps the subscription it finds), so one
// billing period has ended (the invoicer closes it into an invoice) and one is running (current
// charges). Runs after the usage is in, so the closed period is invoiced with its usage.
'use strict';
const { run, api, demoCustomers, localMonthStart, dateIn } = require('./lib');

run(async () => {
  const now = Date.now();
  for (const c of await demoCustomers()) {
    const list = await api('GET', `/v1/subscriptions?customerId=${encodeURIComponent(c.id)}`);
    let sub = list.body?.data?.[0];
    if (!sub) {
      const startAt = new Date(localMonthStart(c.timeZone, now, 1)).toISOString();
      sub = (
        await api('POST', '/v1/subscriptions', {
          body: { customerId: c.id, plan: 'growth', startAt },
          ok: [201, 200],
        })
      ).body;
    }
    const range = `from=${encodeURIComponent(sub.startAt)}&to=${encodeURIComponent(new Date(now + 1).toISOString())}`;
    const periods = (await api('GET', `/v1/subscriptions/${sub.id}/periods?${range}`)).body?.data ?? [];
    const span = (/** @type {{ start: string, end: string }} */ p) =>
      `${dateIn(p.start, c.timeZone)} .. ${dateIn(p.end, c.timeZone)}`;
    const ended = periods.filter((/** @type {{ end: string }} */ p) => Date.parse(p.end) <= now);
    const running = periods.find(
      (/** @type {{ start: string, end: string }} */ p) =>
        Date.parse(p.start) <= now && now < Date.parse(p.end),
    );
    console.log(
      `  ${c.key.padEnd(8)} ${sub.id}  ${sub.phases?.[0]?.planKey ?? 'growth'} v${sub.phases?.[0]?.version ?? '?'}  ` +
        `since ${dateIn(sub.startAt, c.timeZone)} (${c.timeZone}); ` +
        `${ended.length ? `ended ${ended.map(span).join(', ')}; ` : ''}running ${running ? span(running) : '-'}`,
    );
  }
});
