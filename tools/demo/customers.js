// @ts-check
// Demo step: the three demo customers (lib.js DEMO_CUSTOMERS) in three time zones, created once;
// a customer found with another billing address (an older demo) gets the demo's address, which
// the tax service needs (a US address names its state).
'use strict';
const { run, api, DEMO_CUSTOMERS } = require('./lib');

run(async () => {
  for (const spec of DEMO_CUSTOMERS) {
    const { body } = await api('GET', `/v1/customers?externalKey=${encodeURIComponent(spec.key)}`);
    const found = body?.data?.[0];
    const address = { ...spec.address };
    if (!found) {
      const created = await api('POST', '/v1/customers', {
        body: {
          externalKey: spec.key,
          name: spec.name,
          currency: 'EUR',
          timeZone: spec.timeZone,
          billingAddress: address,
        },
        ok: [201, 200],
      });
      console.log(
        `  ${spec.key.padEnd(8)} ${created.body.id}  ${spec.name}, ${spec.address.city} (${spec.timeZone})`,
      );
    } else {
      if (JSON.stringify(found.billingAddress ?? {}) !== JSON.stringify(address)) {
        await api('PATCH', `/v1/customers/${found.id}`, { body: { billingAddress: address } });
      }
      console.log(
        `  ${spec.key.padEnd(8)} ${found.id}  ${found.name ?? spec.name}, ${spec.address.city} (${found.timeZone})`,
      );
    }
  }
});
