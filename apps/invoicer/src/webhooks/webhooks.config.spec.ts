import { ConfigError, loadConfig, ServiceEnv } from '@mu/platform';
import { webhookAllowHttp } from '@mu/webhooks';
import { WithWebhooks } from './webhooks.config';

class Env extends WithWebhooks(ServiceEnv) {}

describe('webhook settings', () => {
  it('defaults to 30 s doubling up to 6 h, 14 attempts, 10 s timeout', () => {
    const c = loadConfig('invoicer', Env, {});
    expect(c).toMatchObject({
      WEBHOOK_POLL_MS: 1_000,
      WEBHOOK_TIMEOUT_MS: 10_000,
      WEBHOOK_MAX_ATTEMPTS: 14,
      WEBHOOK_BACKOFF_BASE_MS: 30_000,
      WEBHOOK_BACKOFF_MAX_MS: 21_600_000,
      WEBHOOK_CONCURRENCY: 10,
    });
  });

  it('allows http outside production unless told otherwise', () => {
    const at = (env: Record<string, string>) => webhookAllowHttp(loadConfig('invoicer', Env, env));
    expect(at({ NODE_ENV: 'production' })).toBe(false);
    expect(at({ NODE_ENV: 'production', WEBHOOK_ALLOW_HTTP: 'true' })).toBe(true);
    expect(at({ NODE_ENV: 'development' })).toBe(true);
    expect(at({ NODE_ENV: 'test', WEBHOOK_ALLOW_HTTP: 'false' })).toBe(false);
  });

  it('lists every bad variable', () => {
    let error: unknown;
    try {
      loadConfig('invoicer', Env, {
        WEBHOOK_POLL_MS: '0',
        WEBHOOK_MAX_ATTEMPTS: 'many',
        WEBHOOK_BACKOFF_BASE_MS: '60000',
        WEBHOOK_BACKOFF_MAX_MS: '1000',
        WEBHOOK_ALLOW_HTTP: 'perhaps',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual([
      'WEBHOOK_ALLOW_HTTP',
      'WEBHOOK_BACKOFF_MAX_MS',
      'WEBHOOK_MAX_ATTEMPTS',
      'WEBHOOK_POLL_MS',
    ]);
    expect((error as ConfigError).message).toContain(
      'WEBHOOK_BACKOFF_MAX_MS must not be less than WEBHOOK_BACKOFF_BASE_MS',
    );
  });
});
