import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Metrics } from '@mu/platform';
import { waitFor } from '@mu/testing';
import {
  enqueueWebhook,
  retryDelivery,
  verifyWebhookSignature,
  type WebhookDeliveryAttemptRow,
  type WebhookDeliveryRow,
} from '../src';
import { startReceiver, startWebhooksDb, testDispatcher, type Receiver, type WebhooksDb } from './support';

let w: WebhooksDb;
let receiver: Receiver;
beforeAll(async () => {
  w = await startWebhooksDb();
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  await w.close();
});

const delivery = (id: string): Promise<WebhookDeliveryRow> =>
  w.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const attempts = (id: string): Promise<WebhookDeliveryAttemptRow[]> =>
  w.db
    .selectFrom('webhook_delivery_attempts')
    .selectAll()
    .where('delivery_id', '=', id)
    .orderBy('attempt')
    .execute();
/** A port nothing listens on (just released by a server of ours). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}
const attemptsCounted = async () => {
  const { values } = await Metrics.webhookDeliveries.get();
  const of = (outcome: string) => values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  return { success: of('success'), failure: of('failure') };
};
const at = (path: string) => receiver.requests.filter((r) => r.path === path);

/** Run dispatch rounds until `done` holds. */
async function pump(
  dispatcher: ReturnType<typeof testDispatcher>,
  done: () => Promise<boolean>,
  what: string,
) {
  await waitFor(
    async () => {
      await dispatcher.dispatchDue();
      return done();
    },
    { what, timeoutMs: 15_000, intervalMs: 20 },
  );
}

describe('WebhookDispatcher', () => {
  it('delivers a signed body that the receiver verifies with the exported helper', async () => {
    const tenant = await w.tenant();
    const ep = await w.endpoint(tenant, receiver.url('/signed'));
    receiver.on('/signed', () => ({ status: 204 }));
    const { eventId, deliveryIds } = await enqueueWebhook(w.db, {
      tenantId: tenant,
      type: 'invoice.finalized',
      payload: { invoiceId: 'inv_1', total: '119.00', currency: 'EUR' },
    });
    const dispatcher = testDispatcher(w.db);
    dispatcher.start();
    try {
      await waitFor(async () => (await delivery(deliveryIds[0]!)).status === 'succeeded', {
        what: 'delivery',
      });
    } finally {
      await dispatcher.stop();
    }
    const [req] = at('/signed');
    expect(at('/signed')).toHaveLength(1);
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['mu-webhook-id']).toBe(eventId);
    expect(req!.headers['mu-webhook-type']).toBe('invoice.finalized');
    expect(req!.headers['mu-webhook-attempt']).toBe('1');
    const signature = req!.headers['mu-signature'] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(ep.secret, signature, req!.body)).toBe(true);
    expect(verifyWebhookSignature(ep.secret, signature, req!.body.replace('119.00', '1.00'))).toBe(false);
    expect(verifyWebhookSignature('whsec_wrong', signature, req!.body)).toBe(false);
    const body = JSON.parse(req!.body);
    expect(body).toEqual({
      id: eventId,
      type: 'invoice.finalized',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      data: { invoiceId: 'inv_1', total: '119.00', currency: 'EUR' },
    });
    expect(await delivery(deliveryIds[0]!)).toMatchObject({
      status: 'succeeded',
      attempt_count: 1,
      next_attempt_at: null,
      claim_token: null,
      last_response_status: 204,
      last_error: null,
    });
    const log = await attempts(deliveryIds[0]!);
    expect(log).toEqual([
      expect.objectContaining({ attempt: 1, outcome: 'succeeded', response_status: 204, error: null }),
    ]);
    expect(log[0]!.duration_ms).toBeGreaterThanOrEqual(0);
  });

  it('retries a failing receiver with backoff and logs every attempt', async () => {
    const tenant = await w.tenant();
    await w.endpoint(tenant, receiver.url('/flaky'));
    receiver.on('/flaky', (_r, n) =>
      n < 2 ? { status: 500, body: `{"error":"down ${n}"}` } : { status: 200, body: 'thanks' },
    );
    const { deliveryIds } = await enqueueWebhook(w.db, {
      tenantId: tenant,
      type: 'invoice.created',
      payload: { invoiceId: 'inv_2' },
    });
    const id = deliveryIds[0]!;
    // No jitter: the waits are exactly 300 ms then 600 ms.
    const dispatcher = testDispatcher(w.db, { backoffBaseMs: 300, backoffMaxMs: 5_000, random: () => 0 });
    const counted = await attemptsCounted();
    dispatcher.start();
    try {
      await waitFor(async () => (await delivery(id)).attempt_count === 1, { what: 'first attempt' });
      const afterFirst = await delivery(id);
      expect(afterFirst).toMatchObject({
        status: 'pending',
        last_response_status: 500,
        last_response_body: '{"error":"down 0"}',
        last_error: 'the receiver answered 500',
        claim_token: null,
      });
      const wait = afterFirst.next_attempt_at!.getTime() - afterFirst.last_attempt_at!.getTime();
      expect(wait).toBeGreaterThanOrEqual(250);
      expect(wait).toBeLessThan(1_500);
      await waitFor(async () => (await delivery(id)).status === 'succeeded', {
        what: 'success',
        timeoutMs: 15_000,
      });
    } finally {
      await dispatcher.stop();
    }
    const requests = at('/flaky');
    expect(requests.map((r) => r.headers['mu-webhook-attempt'])).toEqual(['1', '2', '3']);
    // The same event, the same bytes, every time; only the signature's timestamp may move.
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    expect(new Set(requests.map((r) => r.headers['mu-webhook-id'])).size).toBe(1);
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(280);
    expect(requests[2]!.at - requests[1]!.at).toBeGreaterThanOrEqual(580);
    expect(
      (await attempts(id)).map((a) => [a.attempt, a.outcome, a.response_status, a.response_body]),
    ).toEqual([
      [1, 'failed', 500, '{"error":"down 0"}'],
      [2, 'failed', 500, '{"error":"down 1"}'],
      [3, 'succeeded', 200, 'thanks'],
    ]);
    expect(await delivery(id)).toMatchObject({ status: 'succeeded', attempt_count: 3, last_error: null });
    // mu_webhook_deliveries_total counts attempts (this file runs its tests one at a time).
    expect(await attemptsCounted()).toEqual({ success: counted.success + 1, failure: counted.failure + 2 });
  });

  it('gives up after the last attempt, and a manual retry delivers again', async () => {
    const tenant = await w.tenant();
    await w.endpoint(tenant, receiver.url('/down'));
    let up = false;
    receiver.on('/down', () => (up ? { status: 200 } : { status: 503, body: 'x'.repeat(5_000) }));
    const { deliveryIds } = await enqueueWebhook(w.db, {
      tenantId: tenant,
      type: 'alert.triggered',
      payload: { alertId: 'alr_1' },
    });
    const id = deliveryIds[0]!;
    const dispatcher = testDispatcher(w.db, { maxAttempts: 3, backoffBaseMs: 10, backoffMaxMs: 20 });
    await pump(dispatcher, async () => (await delivery(id)).status === 'failed', 'giving up');
    const failed = await delivery(id);
    expect(failed).toMatchObject({ attempt_count: 3, next_attempt_at: null, last_response_status: 503 });
    expect(failed.completed_at).not.toBeNull();
    // The answer is kept only in part.
    expect(failed.last_response_body).toHaveLength(1024);
    expect((await attempts(id)).map((a) => a.outcome)).toEqual(['failed', 'failed', 'failed']);
    expect(at('/down')).toHaveLength(3);
    // Nothing more happens on its own.
    expect(await dispatcher.dispatchDue()).toBe(0);

    // The wrong tenant cannot retry it.
    expect(await retryDelivery(w.db, await w.tenant(), id)).toEqual({ ok: false, reason: 'not_found' });
    up = true;
    expect(await retryDelivery(w.db, tenant, id)).toEqual({ ok: true });
    expect(await delivery(id)).toMatchObject({ status: 'pending', completed_at: null });
    await pump(dispatcher, async () => (await delivery(id)).status === 'succeeded', 'the manual retry');
    expect(at('/down')).toHaveLength(4);
    expect(at('/down')[3]!.headers['mu-webhook-attempt']).toBe('4');
    expect((await attempts(id)).map((a) => a.outcome)).toEqual(['failed', 'failed', 'failed', 'succeeded']);
    expect(await retryDelivery(w.db, tenant, id)).toEqual({ ok: false, reason: 'already_succeeded' });
  });

  it('a manual retry that fails again leaves the delivery failed (one attempt, not a new schedule)', async () => {
    const tenant = await w.tenant();
    await w.endpoint(tenant, receiver.url('/still-down'));
    receiver.on('/still-down', () => ({ status: 500 }));
    const { deliveryIds } = await enqueueWebhook(w.db, {
      tenantId: tenant,
      type: 'invoice.voided',
      payload: {},
    });
    const id = deliveryIds[0]!;
    const dispatcher = testDispatcher(w.db, { maxAttempts: 2, backoffBaseMs: 10, backoffMaxMs: 10 });
    await pump(dispatcher, async () => (await delivery(id)).status === 'failed', 'giving up');
    expect(await retryDelivery(w.db, tenant, id)).toEqual({ ok: true });
    await pump(
      dispatcher,
      async () => (await delivery(id)).status === 'failed' && (await delivery(id)).attempt_count === 3,
      'the retry to fail',
    );
    expect(at('/still-down')).toHaveLength(3);
  });

  it('two dispatchers running at once deliver each event exactly once', async () => {
    const tenant = await w.tenant();
    await w.endpoint(tenant, receiver.url('/race-a'));
    await w.endpoint(tenant, receiver.url('/race-b'));
    // A slow receiver keeps deliveries in flight while the other dispatcher polls.
    receiver.on('/race-a', () => ({ status: 200, delayMs: 15 }));
    receiver.on('/race-b', () => ({ status: 200, delayMs: 15 }));
    const events: string[] = [];
    for (let i = 0; i < 30; i++) {
      events.push(
        (await enqueueWebhook(w.db, { tenantId: tenant, type: 'invoice.created', payload: { i } })).eventId,
      );
    }
    const one = testDispatcher(w.db, { concurrency: 4, pollMs: 5 });
    const two = testDispatcher(w.db, { concurrency: 4, pollMs: 5 });
    one.start();
    two.start();
    try {
      await waitFor(() => one.stats.succeeded + two.stats.succeeded === 60, {
        what: '60 deliveries',
        timeoutMs: 20_000,
      });
    } finally {
      await Promise.all([one.stop(), two.stop()]);
    }
    // Both took part.
    expect(one.stats.claimed).toBeGreaterThan(0);
    expect(two.stats.claimed).toBeGreaterThan(0);
    expect(one.stats.claimed + two.stats.claimed).toBe(60);
    for (const path of ['/race-a', '/race-b']) {
      const ids = at(path).map((r) => r.headers['mu-webhook-id'] as string);
      expect(ids).toHaveLength(30);
      expect(new Set(ids)).toEqual(new Set(events));
    }
  });

  it('drops pending deliveries of an endpoint disabled after the enqueue, without a request', async () => {
    const tenant = await w.tenant();
    const ep = await w.endpoint(tenant, receiver.url('/disabled-later'));
    const { deliveryIds } = await enqueueWebhook(w.db, {
      tenantId: tenant,
      type: 'invoice.created',
      payload: {},
    });
    await w.db.updateTable('webhook_endpoints').set({ enabled: false }).where('id', '=', ep.id).execute();
    const dispatcher = testDispatcher(w.db);
    await pump(dispatcher, async () => (await delivery(deliveryIds[0]!)).status === 'failed', 'the drop');
    expect(at('/disabled-later')).toHaveLength(0);
    expect(await delivery(deliveryIds[0]!)).toMatchObject({
      attempt_count: 0,
      last_error: 'the endpoint was disabled before this delivery was sent',
    });
    expect(await attempts(deliveryIds[0]!)).toEqual([]);
    expect(await retryDelivery(w.db, tenant, deliveryIds[0]!)).toEqual({
      ok: false,
      reason: 'endpoint_disabled',
    });
  });

  it('records timeouts, refused connections and redirects as failed attempts', async () => {
    const tenant = await w.tenant();
    await w.endpoint(tenant, receiver.url('/slow'));
    await w.endpoint(tenant, receiver.url('/moved'));
    await w.endpoint(tenant, `http://127.0.0.1:${await closedPort()}/closed`);
    receiver.on('/slow', () => ({ status: 200, delayMs: 1_000 }));
    receiver.on('/moved', () => ({ status: 302 }));
    const { deliveryIds } = await enqueueWebhook(w.db, {
      tenantId: tenant,
      type: 'invoice.created',
      payload: {},
    });
    const dispatcher = testDispatcher(w.db, { timeoutMs: 200, maxAttempts: 1 });
    await pump(
      dispatcher,
      async () => {
        const rows = await Promise.all(deliveryIds.map(delivery));
        return rows.every((r) => r.status === 'failed');
      },
      'three failures',
    );
    const errors = (await Promise.all(deliveryIds.map(attempts))).map((a) => a[0]!.error).sort();
    expect(errors).toEqual([
      expect.stringMatching(/^ECONNREFUSED/),
      'no answer within 200 ms',
      'the receiver answered 302 (redirects are not followed)',
    ]);
  });

  it('refuses to send to a URL the policy forbids, and records why', async () => {
    const tenant = await w.tenant();
    await w.endpoint(tenant, receiver.url('/plain-http'));
    const { deliveryIds } = await enqueueWebhook(w.db, {
      tenantId: tenant,
      type: 'invoice.created',
      payload: {},
    });
    const dispatcher = testDispatcher(w.db, { allowHttp: false, maxAttempts: 1 });
    await pump(dispatcher, async () => (await delivery(deliveryIds[0]!)).status === 'failed', 'the refusal');
    expect(at('/plain-http')).toHaveLength(0);
    expect((await attempts(deliveryIds[0]!))[0]).toMatchObject({
      outcome: 'failed',
      response_status: null,
      error: 'not sent: the endpoint url must be an https URL',
    });
  });

  it('takes over a delivery whose dispatcher died (its lease expired)', async () => {
    const tenant = await w.tenant();
    await w.endpoint(tenant, receiver.url('/orphan'));
    const { deliveryIds } = await enqueueWebhook(w.db, {
      tenantId: tenant,
      type: 'invoice.created',
      payload: {},
    });
    const id = deliveryIds[0]!;
    // A dispatcher claimed it and died: the lease is still running.
    await w.db
      .updateTable('webhook_deliveries')
      .set({ claim_token: 'dead', next_attempt_at: new Date(Date.now() + 60_000) })
      .where('id', '=', id)
      .execute();
    const dispatcher = testDispatcher(w.db);
    expect(await dispatcher.dispatchDue()).toBe(0);
    expect(await retryDelivery(w.db, tenant, id)).toEqual({ ok: false, reason: 'in_flight' });
    // The lease runs out.
    await w.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: new Date(Date.now() - 1) })
      .where('id', '=', id)
      .execute();
    await pump(dispatcher, async () => (await delivery(id)).status === 'succeeded', 'the takeover');
    expect(at('/orphan')).toHaveLength(1);
  });

  it('stop() waits for the deliveries in hand to be sent and recorded', async () => {
    const tenant = await w.tenant();
    await w.endpoint(tenant, receiver.url('/stopping'));
    receiver.on('/stopping', () => ({ status: 200, delayMs: 400 }));
    const { deliveryIds } = await enqueueWebhook(w.db, {
      tenantId: tenant,
      type: 'invoice.created',
      payload: {},
    });
    const dispatcher = testDispatcher(w.db);
    dispatcher.start();
    await waitFor(() => at('/stopping').length === 1, { what: 'the request to arrive' });
    await dispatcher.stop();
    expect(await delivery(deliveryIds[0]!)).toMatchObject({ status: 'succeeded', claim_token: null });
    // Stopped means stopped: nothing is claimed any more.
    await enqueueWebhook(w.db, { tenantId: tenant, type: 'invoice.created', payload: {} });
    await new Promise((r) => setImmediate(r));
    expect(dispatcher.stats.claimed).toBe(1);
  });
});
