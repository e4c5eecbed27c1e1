import { ConfigError, loadConfig } from './config';
import { ServiceEnv, WithClickHouse, WithNats, WithPostgres, WithRedis } from './env';

class FullEnv extends WithNats(WithRedis(WithClickHouse(WithPostgres(ServiceEnv)))) {}

const good = {
  NATS_URL: 'nats://127.0.0.1:4222',
  REDIS_URL: 'redis://127.0.0.1:6379',
  CLICKHOUSE_URL: 'http://127.0.0.1:8123',
  DATABASE_URL: 'postgres://u:secret@127.0.0.1:5432/mu',
};

describe('loadConfig', () => {
  it('returns a typed, frozen object with defaults and conversions', () => {
    const c = loadConfig('svc', FullEnv, {
      ...good,
      PORT: '8080',
      NATS_PROVISION_STREAMS: 'false',
      UNRELATED: 'x',
    });
    expect(c.PORT).toBe(8080);
    expect(c.NATS_PROVISION_STREAMS).toBe(false);
    expect(c.CLICKHOUSE_DATABASE).toBe('mu');
    expect(c.LOG_LEVEL).toBe('info');
    expect(Object.isFrozen(c)).toBe(true);
    expect((c as unknown as Record<string, unknown>).UNRELATED).toBeUndefined();
  });

  it('lists every bad variable at once, without their values', () => {
    let error: unknown;
    try {
      loadConfig('svc', FullEnv, {
        NATS_URL: 'http://wrong',
        DATABASE_URL: 'mysql://u:hunter2@h/db',
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.problems.map((p) => p.variable).sort()).toEqual(
      ['CLICKHOUSE_URL', 'DATABASE_URL', 'LOG_LEVEL', 'NATS_URL', 'PORT', 'REDIS_URL'].sort(),
    );
    expect(e.message).toContain('6 variables');
    expect(e.message).toContain('NATS_URL must be one or more nats:// URLs');
    expect(e.message).not.toContain('hunter2');
  });

  it('treats empty strings as unset', () => {
    expect(() => loadConfig('svc', FullEnv, { ...good, REDIS_URL: '' })).toThrow(/REDIS_URL/);
  });
});
