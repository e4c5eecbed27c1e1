// The public API of @mu/billing: the Postgres billing schema, subscription periods, and charges
// priced from ClickHouse usage, shared by the api (current charges), the rater (alerts) and the
// invoicer (period close).
export type * from './schema';
export * from './catalog';
export * from './charges';
export * from './alerts';
