import { createKysely, PG_POOL, type Kysely, type Pool } from '@mu/platform';
import type { WebhookTables } from '@mu/webhooks';

/** Kysely over the api's pool, typed with the webhook tables (schema in @mu/webhooks). */
export const WEBHOOKS_DB = Symbol('mu.api.webhooks.db');
export type WebhooksDb = Kysely<WebhookTables>;

export const webhooksDbProvider = {
  provide: WEBHOOKS_DB,
  inject: [PG_POOL],
  useFactory: (pool: Pool): WebhooksDb => createKysely<WebhookTables>(pool),
};
