import { UsageError, type Command } from '../command';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'apply pending Postgres and ClickHouse migrations (DATABASE_URL, CLICKHOUSE_URL)',
  usage: 'migrate [--only postgres|clickhouse]',
  options: { only: { type: 'string' } },
  async run(args, io) {
    const only = args.values.only;
    if (only !== undefined && only !== 'postgres' && only !== 'clickhouse') {
      throw new UsageError(`--only must be postgres or clickhouse, not ${String(only)}`);
    }
    const {
      createClickHouse,
      createPgPool,
      loadConfig,
      locateFromRoot,
      runClickHouseMigrations,
      runPostgresMigrations,
      ServiceEnv,
      WithClickHouse,
      WithPostgres,
    } = await import('@mu/platform');
    class MigrateEnv extends WithClickHouse(WithPostgres(ServiceEnv)) {}
    const config = loadConfig('mu migrate', MigrateEnv);
    const pool = createPgPool(config, 'mu-cli');
    try {
      if (only !== 'clickhouse') {
        const r = await runPostgresMigrations(pool, locateFromRoot('db/postgres'));
        io.out(
          `postgres: ${r.applied.length} applied${r.applied.length ? ` (${r.applied.join(', ')})` : ''}, ${r.alreadyApplied} already applied\n`,
        );
      }
      if (only !== 'postgres') {
        const ch = createClickHouse(config, 'mu-cli', 'default');
        try {
          const r = await runClickHouseMigrations(ch, pool, locateFromRoot('db/clickhouse'), {
            database: config.CLICKHOUSE_DATABASE,
          });
          io.out(
            `clickhouse: ${r.applied.length} applied${r.applied.length ? ` (${r.applied.join(', ')})` : ''}, ${r.alreadyApplied} already applied\n`,
          );
        } finally {
          await ch.close();
        }
      }
    } finally {
      await pool.end();
    }
  },
};
