import { expectServiceLifecycle, expectBadEnvironmentRefused } from '@mu/testing';

describe('invoicer process', () => {
  it('boots against real dependencies, reports ready, and drains on SIGTERM', async () => {
    await expectServiceLifecycle('invoicer', ['nats', 'clickhouse', 'postgres']);
  });

  it('refuses to boot with a bad environment, listing every bad variable', async () => {
    await expectBadEnvironmentRefused('invoicer', ['NATS_URL', 'CLICKHOUSE_URL', 'DATABASE_URL']);
  });
});
