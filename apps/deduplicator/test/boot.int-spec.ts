import { expectServiceLifecycle, expectBadEnvironmentRefused } from '@mu/testing';

describe('deduplicator process', () => {
  it('boots against real dependencies, reports ready, and drains on SIGTERM', async () => {
    await expectServiceLifecycle('deduplicator', ['nats', 'redis']);
  });

  it('refuses to boot with a bad environment, listing every bad variable', async () => {
    await expectBadEnvironmentRefused('deduplicator', ['NATS_URL', 'REDIS_URL']);
  });
});
