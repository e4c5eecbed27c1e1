/** Injection tokens for what PlatformModule provides. */
export const CONFIG = Symbol('mu.config');
export const LOGGER = Symbol('mu.logger');
export const NATS = Symbol('mu.nats');
export const REDIS = Symbol('mu.redis');
export const CLICKHOUSE = Symbol('mu.clickhouse');
export const PG_POOL = Symbol('mu.pg');
export const HEALTH = Symbol('mu.health');
export const SERVICE_NAME = Symbol('mu.service');
