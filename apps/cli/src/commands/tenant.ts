import { requiredString, type Command } from '../command';

/** Bootstrap a tenant straight in Postgres (there is no key to call the API with yet). */
export const tenantCreateCommand: Command = {
  name: 'tenant create',
  summary: 'create a tenant and print its first API key, shown once (DATABASE_URL)',
  usage: 'tenant create --name NAME [--json]',
  options: { name: { type: 'string' }, json: { type: 'boolean' } },
  async run(args, io) {
    const name = requiredString(args, 'name', tenantCreateCommand);
    const { createPgPool, createTenantWithKey, loadConfig, ServiceEnv, WithPostgres } =
      await import('@mu/platform');
    class TenantEnv extends WithPostgres(ServiceEnv) {}
    const config = loadConfig('mu tenant create', TenantEnv);
    const pool = createPgPool(config, 'mu-cli');
    try {
      const t = await createTenantWithKey(pool, name);
      if (args.values.json)
        io.out(`${JSON.stringify({ tenantId: t.tenantId, apiKeyId: t.keyId, apiKey: t.secret })}\n`);
      else io.out(`tenant ${t.tenantId} (${name})\nAPI key (shown once, store it now): ${t.secret}\n`);
    } finally {
      await pool.end();
    }
  },
};
