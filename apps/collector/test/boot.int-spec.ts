import { expectServiceLifecycle, expectBadEnvironmentRefused } from '@mu/testing';

describe('collector process', () => {
  it('boots against real dependencies, reports ready, and drains on SIGTERM', async () => {
    await expectServiceLifecycle('collector', ['nats', 'redis', 'postgres']);
  });

  it('refuses to boot with a bad environment, listing every bad variable', async () => {
    await expectBadEnvironmentRefused('collector', ['NATS_URL', 'REDIS_URL', 'DATABASE_URL']);
  });
});
