import { requireServices, START_STACK_HINT, uniqueId } from './infra';
import { waitFor } from './wait';
import { captureLogger } from './logger';

describe('requireServices', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('takes URLs from the environment first', async () => {
    process.env.REDIS_URL = 'redis://example:6379';
    await expect(requireServices('redis')).resolves.toEqual({ redis: 'redis://example:6379' });
  });

  it('names the command that starts the local stack when a URL is missing and containers are off', async () => {
    delete process.env.CLICKHOUSE_URL;
    process.env.MU_TESTCONTAINERS = 'off';
    await expect(requireServices('clickhouse')).rejects.toThrow(
      `CLICKHOUSE_URL is not set and no container runtime was found: ${START_STACK_HINT}`,
    );
  });
});

describe('helpers', () => {
  it('makes unique, identifier-safe names', () => {
    const a = uniqueId('mu_t');
    expect(a).toMatch(/^mu_t_[a-z0-9]+_[a-z0-9]+$/);
    expect(uniqueId('mu_t')).not.toBe(a);
  });

  it('waitFor returns the first truthy value and reports what it waited for', async () => {
    let n = 0;
    await expect(waitFor(() => (++n >= 3 ? n : 0), { intervalMs: 1 })).resolves.toBe(3);
    await expect(waitFor(() => false, { timeoutMs: 20, intervalMs: 5, what: 'nothing' })).rejects.toThrow(
      'timed out waiting for nothing',
    );
  });

  it('captureLogger keeps parsed lines', () => {
    const { logger, lines } = captureLogger();
    logger.info({ tenantId: 't' }, 'hello');
    expect(lines[0]).toMatchObject({ msg: 'hello', tenantId: 't' });
  });
});
