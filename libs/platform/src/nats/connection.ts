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
  };
  if (config.NATS_USER) {
    opts.user = config.NATS_USER;
    opts.pass = config.NATS_PASSWORD;
  }
  if (config.NATS_TOKEN) opts.token = config.NATS_TOKEN;
  return connect(opts);
}
