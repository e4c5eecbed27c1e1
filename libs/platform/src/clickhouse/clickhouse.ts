import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseConfig } from '../config/env';

export type { ClickHouseClient } from '@clickhouse/client';

/**
 * A ClickHouse HTTP client from config. The same client talks to a ClickHouse server
 * (24.8+) in production and to the embedded engine behind tools/clickhouse locally.
 */
export function createClickHouse(
  config: Pick<
    ClickHouseConfig,
    'CLICKHOUSE_URL' | 'CLICKHOUSE_DATABASE' | 'CLICKHOUSE_USER' | 'CLICKHOUSE_PASSWORD'
  >,
  name: string,
  database: string | undefined = config.CLICKHOUSE_DATABASE,
): ClickHouseClient {
  return createClient({
    url: config.CLICKHOUSE_URL,
    username: config.CLICKHOUSE_USER,
    password: config.CLICKHOUSE_PASSWORD ?? '',
    database,
    application: name,
    request_timeout: 60_000,
    compression: { request: false, response: false },
    // Exact decimals and 64-bit integers arrive as strings, never as lossy JS numbers.
    clickhouse_settings: {
      date_time_input_format: 'best_effort',
      output_format_json_quote_decimals: 1,
      output_format_json_quote_64bit_integers: 1,
    },
    // Errors reach the caller, which logs them with context; the client's console logger would duplicate them.
    log: { level: ClickHouseLogLevel.OFF },
  });
}
