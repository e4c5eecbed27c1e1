import { expectServiceLifecycle, expectBadEnvironmentRefused } from '@mu/testing';

describe('tax process', () => {
  it('boots against real dependencies, reports ready, and drains on SIGTERM', async () => {
    await expectServiceLifecycle('tax', ['nats', 'postgres']);
  });

  it('refuses to boot with a bad environment, listing every bad variable', async () => {
    await expectBadEnvironmentRefused('tax', ['NATS_URL', 'DATABASE_URL']);
  });
});
