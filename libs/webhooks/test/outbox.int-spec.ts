import { sql } from 'kysely';
import { waitFor } from '@mu/testing';
import { enqueueWebhook, WebhookInputError, type WebhookEventType } from '../src';
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

const count = async (table: 'webhook_events' | 'webhook_deliveries', tenantId: string) =>
  Number(
    (
      await w.db
        .selectFrom(table)
        .select(sql<string>`count(*)`.as('n'))
        .where('tenant_id', '=', tenantId)
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('enqueueWebhook (the outbox)', () => {
  it('enqueues nothing when the producer transaction rolls back, and delivers what commits', async () => {
    const tenant = await w.tenant();
    await w.endpoint(tenant, receiver.url('/rollback'));
    await expect(
      w.db.transaction().execute(async (tx) => {
        const r = await enqueueWebhook(tx, {
          tenantId: tenant,
          type: 'invoice.created',
          payload: { invoiceId: 'inv_rolled_back' },
        });
        expect(r.deliveryIds).toHaveLength(1);
        throw new Error('the invoice insert failed');
      }),
    ).rejects.toThrow('the invoice insert failed');
    expect(await count('webhook_events', tenant)).toBe(0);
    expect(await count('webhook_deliveries', tenant)).toBe(0);

    await w.db.transaction().execute(async (tx) => {
      await enqueueWebhook(tx, {
        tenantId: tenant,
        type: 'invoice.created',
        payload: { invoiceId: 'inv_committed' },
      });
    });
    const dispatcher = testDispatcher(w.db);
    dispatcher.start();
    try {
      await waitFor(() => dispatcher.stats.succeeded === 1, { what: 'the committed event' });
    } finally {
      await dispatcher.stop();
    }
    expect(await dispatcher.dispatchDue()).toBe(0);
    const bodies = receiver.requests
      .filter((r) => r.path === '/rollback')
      .map((r) => JSON.parse(r.body).data);
    expect(bodies).toEqual([{ invoiceId: 'inv_committed' }]);
  });

  it('creates one delivery per enabled endpoint subscribed to the type, for this tenant only', async () => {
    const tenant = await w.tenant();
    const other = await w.tenant();
    const all = await w.endpoint(tenant, receiver.url('/all'));
    const invoices = await w.endpoint(tenant, receiver.url('/invoices'), {
      eventTypes: ['invoice.created', 'invoice.finalized'],
    });
    await w.endpoint(tenant, receiver.url('/alerts'), { eventTypes: ['alert.triggered'] });
    await w.endpoint(tenant, receiver.url('/disabled'), { enabled: false });
    await w.endpoint(other, receiver.url('/other-tenant'));

    const r = await enqueueWebhook(w.db, { tenantId: tenant, type: 'invoice.created', payload: { n: 1 } });
    expect(r.duplicate).toBe(false);
    const deliveries = await w.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'endpoint_id', 'status', 'event_type', 'tenant_id'])
      .where('event_id', '=', r.eventId)
      .orderBy('endpoint_id')
      .execute();
    expect(deliveries.map((d) => d.endpoint_id).sort()).toEqual([all.id, invoices.id].sort());
    expect(deliveries.map((d) => d.id).sort()).toEqual([...r.deliveryIds].sort());
    for (const d of deliveries)
      expect(d).toMatchObject({ status: 'pending', event_type: 'invoice.created', tenant_id: tenant });

    const dispatcher = testDispatcher(w.db);
    await waitFor(async () => (await dispatcher.dispatchDue()) === 0 && dispatcher.stats.succeeded === 2, {
      what: 'two deliveries',
    });
    const paths = receiver.requests
      .filter((q) => q.headers['mu-webhook-id'] === r.eventId)
      .map((q) => q.path);
    expect(paths.sort()).toEqual(['/all', '/invoices']);
  });

  it('a producer-given id makes the enqueue idempotent', async () => {
    const tenant = await w.tenant();
    await w.endpoint(tenant, receiver.url('/idem'));
    const first = await enqueueWebhook(w.db, {
      tenantId: tenant,
      type: 'invoice.finalized',
      payload: { invoiceId: 'inv_1' },
      id: 'invoice.finalized:inv_1',
    });
    expect(first).toMatchObject({ eventId: 'invoice.finalized:inv_1', duplicate: false });
    expect(first.deliveryIds).toHaveLength(1);
    const again = await enqueueWebhook(w.db, {
      tenantId: tenant,
      type: 'invoice.finalized',
      payload: { invoiceId: 'inv_1' },
      id: 'invoice.finalized:inv_1',
    });
    expect(again).toEqual({ eventId: 'invoice.finalized:inv_1', deliveryIds: [], duplicate: true });
    expect(await count('webhook_deliveries', tenant)).toBe(1);
    // Another tenant may use the same id: ids are per tenant.
    const other = await w.tenant();
    expect(
      (
        await enqueueWebhook(w.db, {
          tenantId: other,
          type: 'invoice.finalized',
          payload: {},
          id: 'invoice.finalized:inv_1',
        })
      ).duplicate,
    ).toBe(false);
    await expect(
      enqueueWebhook(w.db, {
        tenantId: tenant,
        type: 'invoice.voided',
        payload: {},
        id: 'invoice.finalized:inv_1',
      }),
    ).rejects.toMatchObject({ code: 'WEBHOOK_EVENT_ID_REUSED' });
  });

  it('refuses unknown types, non-object payloads and bad ids before writing anything', async () => {
    const tenant = await w.tenant();
    const bad: [WebhookEventType, unknown, string | undefined][] = [
      ['invoice.paid' as WebhookEventType, {}, undefined],
      ['webhook.test' as WebhookEventType, {}, undefined],
      ['invoice.created', [1, 2], undefined],
      ['invoice.created', null, undefined],
      ['invoice.created', { big: 'x'.repeat(300 * 1024) }, undefined],
      ['invoice.created', { n: 1n }, undefined],
      ['invoice.created', {}, 'has space'],
    ];
    for (const [type, payload, id] of bad) {
      await expect(
        enqueueWebhook(w.db, { tenantId: tenant, type, payload: payload as Record<string, unknown>, id }),
      ).rejects.toBeInstanceOf(WebhookInputError);
    }
    expect(await count('webhook_events', tenant)).toBe(0);
  });
});
