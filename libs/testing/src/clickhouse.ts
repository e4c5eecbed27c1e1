import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { requireServices, uniqueId } from './infra';

export interface TestClickHouse {
  url: string;
  database: string;
  client: ClickHouseClient;
  drop(): Promise<void>;
}

/** A fresh ClickHouse database for one test file, dropped afterwards. */
export async function createTestClickHouse(): Promise<TestClickHouse> {
  const { clickhouse } = await requireServices('clickhouse');
  const database = uniqueId('mu_t');
  const admin = createClient({ url: clickhouse, log: { level: ClickHouseLogLevel.OFF } });
  await admin.command({ query: `CREATE DATABASE ${database}` });
  const client = createClient({
    url: clickhouse,
    database,
    clickhouse_settings: { output_format_json_quote_decimals: 1, output_format_json_quote_64bit_integers: 1 },
    log: { level: ClickHouseLogLevel.OFF },
  });
  return {
    url: clickhouse,
    database,
    client,
    async drop() {
      await client.close();
      await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await admin.close();
    },
  };
}
