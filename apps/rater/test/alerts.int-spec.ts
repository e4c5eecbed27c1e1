import { evaluateAlerts, type Database } from '@mu/billing';
import { AlertTriggered, decodeMessage, Streams, Subjects, type AlertTriggeredV1 } from '@mu/contracts';
import { createKysely, newId } from '@mu/platform';
import { seedPlanVersion, seedSubscription, waitFor } from '@mu/testing';
import { DeliverPolicy, type ConsumerMessages } from 'nats';
import { event, RaterTestKit } from './support';

let kit: RaterTestKit;
beforeAll(async () => {
  kit = await RaterTestKit.create();
}, 60_000);
afterAll(async () => {
  await kit.cleanup();
});

/** A customer on a monthly EUR plan that charges 0.10 per call, subscribed since last month. */
async function customerOnPlan(tenantId: string, meterId: string) {
  const versionId = await seedPlanVersion(
    kit.db.pool,
    tenantId,
    { calls: meterId },
    {
      charges: [
        {
          key: 'calls',
          name: 'API calls',
          meter: 'calls',
          price: { currency: 'EUR', model: 'graduated', tiers: [{ upTo: null, unitAmount: '0.10' }] },
        },
      ],
    },
  );
  const now = new Date();
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return seedSubscription(kit.db.pool, tenantId, versionId, start, { subjects: ['acme'] });
}

async function alert(
  tenantId: string,
  c: { customerId: string; subscriptionId: string },
  a: {
    name: string;
    metric: 'usage' | 'spend';
    meterId?: string;
    threshold?: string;
    budget?: string;
    percent?: string;
    enabled?: boolean;
  },
): Promise<string> {
  const id = newId('alr');
  await kit.db.pool.query(
    `INSERT INTO alerts (id, tenant_id, customer_id, subscription_id, name, metric, meter_id, threshold, budget, percent, enabled)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      id,
      tenantId,
      c.customerId,
      c.subscriptionId,
      a.name,
      a.metric,
      a.meterId ?? null,
      a.threshold ?? null,
      a.budget ?? null,
      a.percent ?? null,
      a.enabled ?? true,
    ],
  );
  return id;
}

async function firings(tenantId: string) {
  const { rows } = await kit.db.pool.query<{
    alert_id: string;
    value: string;
    threshold: string;
    published_at: Date | null;
  }>(
    `SELECT alert_id, value::text, threshold::text, published_at FROM alert_firings WHERE tenant_id = $1 ORDER BY fired_at`,
    [tenantId],
  );
  return rows;
}

/** Every billing.alert.triggered.v1 message published from now on, for one tenant. */
async function watchAlerts(tenantId: string) {
  const js = kit.nc.jetstream();
  const consumer = await js.consumers.get(Streams.BILLING_EVENTS.name, {
    // One subject as a string: NATS 2.9 has no multi-filter consumers.
    filterSubjects: Subjects.alertTriggered,
    deliver_policy: DeliverPolicy.New,
  });
  const seen: AlertTriggeredV1[] = [];
  const messages: ConsumerMessages = await consumer.consume();
  void (async () => {
    for await (const m of messages) {
      const msg = decodeMessage(AlertTriggered, m.data);
      if (msg.tenantId === tenantId) seen.push(msg);
    }
  })();
  return { seen, stop: () => messages.close() };
}

const now = () => new Date(Date.now() - 60_000).toISOString();

describe('alerts (real NATS, Postgres and ClickHouse)', () => {
  it('fires usage and spend alerts once per period, after the flush that crosses them', async () => {
    const t = await kit.tenant([{ key: 'calls', aggregation: 'count' }]);
    const c = await customerOnPlan(t.tenantId, t.meterIds.calls!);
    const usage = await alert(t.tenantId, c, {
      name: '5 calls',
      metric: 'usage',
      meterId: t.meterIds.calls,
      threshold: '5',
    });
    const spend = await alert(t.tenantId, c, {
      name: '80% of 1 EUR',
      metric: 'spend',
      budget: '1',
      percent: '80',
    });
    await alert(t.tenantId, c, { name: 'never', metric: 'spend', threshold: '100' });
    await alert(t.tenantId, c, {
      name: 'disabled',
      metric: 'usage',
      meterId: t.meterIds.calls,
      threshold: '1',
      enabled: false,
    });
    const watch = await watchAlerts(t.tenantId);
    const rater = await kit.start(t, { env: { RATER_ALERT_INTERVAL_MS: '50' } });
    const calls = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => event(`c${from + i}`, {}, { subject: 'acme', time: now() }));
    try {
      await kit.publishUnique(t.tenantId, calls(0, 4));
      await waitFor(() => rater.service.alerts.counters.evaluated >= 1, { what: 'a first alert pass' });
      expect(await firings(t.tenantId)).toEqual([]);

      // 6 calls: the usage alert (5) fires; spend is 0.60 EUR, under 80 % of 1 EUR.
      await kit.publishUnique(t.tenantId, calls(4, 2));
      await waitFor(async () => (await firings(t.tenantId)).length === 1, { what: 'the usage alert' });
      await waitFor(() => watch.seen.length === 1, { what: 'its message' });
      expect(watch.seen[0]).toMatchObject({
        alertId: usage,
        customerId: c.customerId,
        subscriptionId: c.subscriptionId,
        metric: 'usage',
        meterId: t.meterIds.calls,
        value: '6',
        threshold: '5',
      });

      // 9 calls = 0.90 EUR: the spend alert fires (threshold 0.8 EUR); the usage alert does not again.
      await kit.publishUnique(t.tenantId, calls(6, 3));
      await waitFor(async () => (await firings(t.tenantId)).length === 2, { what: 'the spend alert' });
      await waitFor(() => watch.seen.length === 2, { what: 'its message' });
      expect(watch.seen[1]).toMatchObject({
        alertId: spend,
        metric: 'spend',
        value: '0.90',
        threshold: '0.8',
        currency: 'EUR',
      });
      expect(watch.seen[1]!.meterId).toBeUndefined();

      await kit.publishUnique(t.tenantId, calls(9, 5));
      await waitFor(() => rater.service.stats.consumer.acked === 4, { what: 'the last batch' });
      await rater.service.alerts.flush();
      const all = await firings(t.tenantId);
      expect(all.map((f) => f.alert_id)).toEqual([usage, spend]);
      expect(all.every((f) => f.published_at !== null)).toBe(true);
      expect(watch.seen).toHaveLength(2);
      expect(rater.service.alerts.counters.failures).toBe(0);
      // Each firing committed its webhook (outbox) with it.
      const { rows: hooks } = await kit.db.pool.query<{
        id: string;
        type: string;
        payload: { alert: { alertId: string; tenantId?: string } };
      }>(`SELECT id, type, payload FROM webhook_events WHERE tenant_id = $1 ORDER BY created_at`, [
        t.tenantId,
      ]);
      expect(hooks.every((h) => h.payload.alert.tenantId === undefined)).toBe(true);
      expect(hooks.map((h) => [h.type, h.payload.alert.alertId])).toEqual([
        ['alert.triggered', usage],
        ['alert.triggered', spend],
      ]);
    } finally {
      await watch.stop();
      await rater.handle.close();
    }
  }, 60_000);

  it('records one firing when two replicas evaluate the same crossing at once', async () => {
    const t = await kit.tenant([{ key: 'calls', aggregation: 'count' }]);
    const c = await customerOnPlan(t.tenantId, t.meterIds.calls!);
    const id = await alert(t.tenantId, c, {
      name: '2 calls',
      metric: 'usage',
      meterId: t.meterIds.calls,
      threshold: '2',
    });
    const rater = await kit.start(t, { env: { RATER_ALERT_INTERVAL_MS: '0' } });
    try {
      await kit.publishUnique(t.tenantId, [
        event('a', {}, { subject: 'acme', time: now() }),
        event('b', {}, { subject: 'acme', time: now() }),
      ]);
      await waitFor(() => rater.service.stats.consumer.acked === 1, { what: 'the batch' });
    } finally {
      await rater.handle.close();
    }
    const ctx = { db: createKysely<Database>(kit.db.pool), ch: kit.ch.client };
    const results = await Promise.all(
      Array.from({ length: 4 }, () => evaluateAlerts(ctx, t.tenantId, [c.customerId])),
    );
    expect(results.flat().map((f) => f.alert_id)).toEqual([id]);
    expect(await firings(t.tenantId)).toHaveLength(1);
    // Another tenant's evaluation of the same customer id sees nothing.
    const other = await kit.tenant();
    expect(await evaluateAlerts(ctx, other.tenantId, [c.customerId])).toEqual([]);
  }, 60_000);
});
