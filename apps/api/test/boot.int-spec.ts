import { expectServiceLifecycle, expectBadEnvironmentRefused } from '@mu/testing';

describe('api process', () => {
  it('boots against real dependencies, reports ready, and drains on SIGTERM', async () => {
    await expectServiceLifecycle('api', ['nats', 'redis', 'clickhouse', 'postgres']);
  });

  it('refuses to boot with a bad environment, listing every bad variable', async () => {
    await expectBadEnvironmentRefused('api', ['NATS_URL', 'REDIS_URL', 'CLICKHOUSE_URL', 'DATABASE_URL']);
  });
});
