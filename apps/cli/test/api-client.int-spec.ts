import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  createTestDatabase,
  requireServices,
  startServiceProcess,
  type ServiceProcess,
  type TestDatabase,
} from '@mu/testing';

const run = promisify(execFile);
const MU = resolve(__dirname, '..', 'bin', 'mu.js');

let db: TestDatabase;
let api: ServiceProcess;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  await requireServices('nats', 'redis', 'clickhouse', 'postgres');
  db = await createTestDatabase();
  await run(process.execPath, [MU, 'migrate', '--only', 'postgres'], {
    env: { ...process.env, DATABASE_URL: db.url },
  });
  api = await startServiceProcess('api', { DATABASE_URL: db.url, NATS_PROVISION_STREAMS: 'false' });
  const { stdout } = await run(process.execPath, [MU, 'tenant', 'create', '--name', 'cli test', '--json'], {
    env: { ...process.env, DATABASE_URL: db.url },
  });
  const t = JSON.parse(stdout) as { apiKey: string };
  env = { ...process.env, MU_API_URL: `http://127.0.0.1:${api.port}`, MU_API_KEY: t.apiKey };
}, 60_000);

afterAll(async () => {
  api.child.kill('SIGTERM');
  await api.exited;
  await db.drop();
});

const mu = (...args: string[]) => run(process.execPath, [MU, ...args], { env });

describe('mu as a thin client of the API', () => {
  it('creates and lists customers, meters, plans and subscriptions', async () => {
    const c = JSON.parse(
      (
        await mu(
          'customers',
          'create',
          '--data',
          JSON.stringify({ externalKey: 'acme', currency: 'EUR', timeZone: 'UTC' }),
        )
      ).stdout,
    );
    expect(c.id).toMatch(/^cus_/);
    await mu(
      'meters',
      'create',
      '--data',
      JSON.stringify({ key: 'calls', name: 'Calls', eventType: 'api.call', aggregation: 'count' }),
    );
    await mu('plans', 'create', '--data', JSON.stringify({ key: 'starter', name: 'Starter' }));
    await mu(
      'plans',
      'version',
      'create',
      'starter',
      '--data',
      JSON.stringify({
        currency: 'EUR',
        billingCadence: 'P1M',
        usageCharges: [
          {
            key: 'calls',
            name: 'Calls',
            meter: 'calls',
            price: { currency: 'EUR', model: 'unit', unitAmount: '0.01' },
          },
        ],
      }),
    );
    const pub = JSON.parse((await mu('plans', 'version', 'publish', 'starter', '1')).stdout);
    expect(pub.status).toBe('published');
    const s = JSON.parse(
      (await mu('subscriptions', 'create', '--data', JSON.stringify({ customerId: c.id, plan: 'starter' })))
        .stdout,
    );
    const periods = JSON.parse((await mu('subscriptions', 'periods', s.id)).stdout);
    expect(periods.data).toHaveLength(1);
    const list = JSON.parse((await mu('customers', 'list', '--external-key', 'acme')).stdout);
    expect(list.data.map((x: { id: string }) => x.id)).toEqual([c.id]);
  });

  it("prints the API's error code and every bad field, and exits 1", async () => {
    await expect(
      mu('customers', 'create', '--data', JSON.stringify({ externalKey: 'x y', currency: 'XXX' })),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /400 VALIDATION_FAILED[\s\S]*externalKey[\s\S]*currency[\s\S]*timeZone/,
      ) as unknown,
    });
  });

  it('says what is missing: the key, the data, or valid JSON (exit 2)', async () => {
    await expect(
      run(process.execPath, [MU, 'customers', 'list'], { env: { ...env, MU_API_KEY: '' } }),
    ).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('MU_API_KEY is not set') as unknown });
    await expect(mu('customers', 'create')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--data is required') as unknown,
    });
    await expect(mu('customers', 'create', '--data', '{nope')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--data is not valid JSON') as unknown,
    });
  });
});
