// The public API of @mu/billing: the Postgres billing schema, subscription periods, and charges
// priced from ClickHouse usage, shared by the api (current charges), the rater (alerts) and the
// invoicer (period close).
export type * from './schema';
export * from './catalog';
export * from './charges';
export * from './alerts';
export * from './invoicing/numbering';
export * from './invoicing/compute';
export * from './invoicing/close';
export * from './invoicing/errors';
export * from './invoicing/views';
export * from './invoicing/credit-notes';
export * from './invoicing/lifecycle';
export * from './invoicing/pdf-document';
export * from './invoicing/verify';
export * from './invoicing/period-closer';
export * from './invoicing/progressive';
