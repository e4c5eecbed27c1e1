import { expectServiceLifecycle, expectBadEnvironmentRefused } from '@mu/testing';

describe('rater process', () => {
  it('boots against real dependencies, reports ready, and drains on SIGTERM', async () => {
    await expectServiceLifecycle('rater', ['nats', 'clickhouse', 'postgres']);
  });

  it('refuses to boot with a bad environment, listing every bad variable', async () => {
    await expectBadEnvironmentRefused('rater', ['NATS_URL', 'CLICKHOUSE_URL', 'DATABASE_URL']);
  });
});
