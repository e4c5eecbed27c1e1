import { join } from 'node:path';
import { createHarness, type Collector, type Harness } from './support';

// The peers' published clients, unchanged, installed apart from the workspace so their
// dependency trees cannot disturb it: `cd apps/collector/test/peers && npm ci`.
const PEERS = join(__dirname, 'peers');
function peer<T>(name: string): T {
  let path: string;
  try {
    path = require.resolve(name, { paths: [PEERS] });
  } catch {
    throw new Error(`${name} is not installed: run \`npm ci --ignore-scripts\` in ${PEERS}`);
  }
  // A path known only at run time, outside the workspace's node_modules.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path) as T;
}

interface OpenMeterSdk {
  OpenMeter: new (config: { baseUrl: string; apiKey?: string }) => {
    events: { ingest(events: object | object[]): Promise<unknown> };
  };
}
type LagoApi = {
  events: {
    createEvent(body: { event: object }): Promise<{ data: { event: Record<string, unknown> } }>;
    createBatchEvents(body: { events: object[] }): Promise<{ data: { events: Record<string, unknown>[] } }>;
  };
};
interface LagoSdk {
  Client: (apiKey: string, config: { baseUrl: string }) => LagoApi;
}

let h: Harness;
let collector: Collector;
beforeAll(async () => {
  h = await createHarness();
  collector = await h.collector();
});
afterAll(async () => {
  await h.close();
});

describe('OpenMeter ingest API (@openmeter/sdk, unchanged)', () => {
  it('ingests one event and a batch through the SDK', async () => {
    const { OpenMeter } = peer<OpenMeterSdk>('@openmeter/sdk');
    const t = await h.tenant();
    const om = new OpenMeter({ baseUrl: `${collector.base}/openmeter`, apiKey: t.key });
    const time = new Date(Date.now() - 30_000);
    await om.events.ingest({ id: 'om-1', type: 'prompt', subject: 'customer-1', time, data: { tokens: 10 } });
    await om.events.ingest([
      { id: 'om-2', type: 'prompt', subject: 'customer-1', data: { tokens: 20 } },
      { type: 'prompt', subject: 'customer-2', data: { tokens: 30 } },
    ]);
    const batches = await h.rawBatches(t.tenantId);
    expect(batches).toHaveLength(2);
    expect(batches[0].events).toEqual([
      {
        id: 'om-1',
        source: '@openmeter/sdk',
        type: 'prompt',
        subject: 'customer-1',
        time: time.toISOString(),
        data: { tokens: 10 },
        specversion: '1.0',
      },
    ]);
    expect(batches[1].events.map((e: { subject: string }) => e.subject)).toEqual([
      'customer-1',
      'customer-2',
    ]);
  });

  it('refuses the whole request when one event is invalid, and a wrong key', async () => {
    const { OpenMeter } = peer<OpenMeterSdk>('@openmeter/sdk');
    const t = await h.tenant();
    const om = new OpenMeter({ baseUrl: `${collector.base}/openmeter`, apiKey: t.key });
    const bad: unknown = await om.events
      .ingest([
        { id: 'ok', type: 'prompt', subject: 'c' },
        { id: 'bad', type: 'prompt' },
      ])
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ name: 'HTTPError', status: 400 });
    expect(await h.rawBatches(t.tenantId)).toEqual([]);
    const wrong = new OpenMeter({ baseUrl: `${collector.base}/openmeter`, apiKey: 'mu_sk_wrong' });
    const unauthorized: unknown = await wrong.events
      .ingest({ id: 'x', type: 'prompt', subject: 'c' })
      .catch((e: unknown) => e);
    expect(unauthorized).toMatchObject({ name: 'HTTPError', status: 401 });
  });
});

describe('Lago events API (lago-javascript-client, unchanged)', () => {
  it('maps createEvent and createBatchEvents onto usage events', async () => {
    const { Client } = peer<LagoSdk>('lago-javascript-client');
    const t = await h.tenant();
    const lago = Client(t.key, { baseUrl: `${collector.base}/lago/api/v1` });
    const seconds = Math.floor(Date.now() / 1000) - 60;
    const one = await lago.events.createEvent({
      event: {
        transaction_id: 'tx-1',
        external_subscription_id: 'sub-9',
        code: 'storage',
        timestamp: `${seconds}.123`,
        properties: { gb: 10 },
      },
    });
    expect(one.data.event).toMatchObject({ transaction_id: 'tx-1', code: 'storage', lago_customer_id: null });
    const batch = await lago.events.createBatchEvents({
      events: [
        { transaction_id: 'tx-2', external_customer_id: 'cust-7', code: 'api_calls', timestamp: seconds },
        {
          transaction_id: 'tx-3',
          external_customer_id: 'cust-7',
          code: 'api_calls',
          precise_total_amount_cents: '12.5',
        },
      ],
    });
    expect(batch.data.events).toHaveLength(2);
    const batches = await h.rawBatches(t.tenantId);
    expect(batches).toHaveLength(2);
    expect(batches[0].events).toEqual([
      {
        id: 'tx-1',
        source: 'lago',
        type: 'storage',
        subject: 'sub-9',
        time: new Date(seconds * 1000 + 123).toISOString(),
        data: { gb: 10 },
      },
    ]);
    expect(batches[1].events).toEqual([
      {
        id: 'tx-2',
        source: 'lago',
        type: 'api_calls',
        subject: 'cust-7',
        time: new Date(seconds * 1000).toISOString(),
        data: {},
      },
      expect.objectContaining({
        id: 'tx-3',
        subject: 'cust-7',
        data: { precise_total_amount_cents: '12.5' },
      }),
    ]);
  });

  it('refuses an invalid event with the reason and stores nothing', async () => {
    const { Client } = peer<LagoSdk>('lago-javascript-client');
    const t = await h.tenant();
    const lago = Client(t.key, { baseUrl: `${collector.base}/lago/api/v1` });
    const err: unknown = await lago.events
      .createEvent({ event: { transaction_id: 'tx-x', code: 'storage' } })
      .catch((e: unknown) => e);
    // The generated client rejects with the response, its parsed body in `error`.
    expect(err).toMatchObject({
      status: 400,
      error: { error: { code: 'INVALID_EVENTS', message: expect.stringContaining('subject') } },
    });
    expect(await h.rawBatches(t.tenantId)).toEqual([]);
  });
});
