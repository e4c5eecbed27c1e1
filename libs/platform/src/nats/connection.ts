import { connect, type ConnectionOptions, type NatsConnection } from 'nats';
import type { NatsConfig } from '../config/env';

export async function connectNats(
  config: Pick<NatsConfig, 'NATS_URL' | 'NATS_USER' | 'NATS_PASSWORD' | 'NATS_TOKEN'>,
  name: string,
): Promise<NatsConnection> {
  const opts: ConnectionOptions = {
    servers: config.NATS_URL.split(','),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    timeout: 5_000,
    // Without this every request (each JetStream publish is one) builds two Errors up front, with
    // their stack traces, only to say where it was made should it fail: ~25 % of a publish's CPU
    // (docs/ingestion.md, fifth session). Our own logs name the operation that failed.
    noAsyncTraces: true,
  };
  if (config.NATS_USER) {
    opts.user = config.NATS_USER;
    opts.pass = config.NATS_PASSWORD;
  }
  if (config.NATS_TOKEN) opts.token = config.NATS_TOKEN;
  return connect(opts);
}
