export * from './infra';
export * from './postgres';
export * from './clickhouse';
export * from './nats';
export * from './logger';
export * from './wait';
export * from './tracing';
export * from './process';
