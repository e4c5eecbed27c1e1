// Reading the usage store (db/clickhouse/0001_usage.sql): billing quantities, usage series and
// rejected events. docs/analytics.md describes the semantics.
export { meterQuantity, queryUsage } from './usage-query';
export {
  decodeRejectionCursor,
  DUPLICATE_CONFLICT,
  encodeRejectionCursor,
  listRejectedEvents,
  type RejectedEvent,
  type RejectionsPage,
  type RejectionsQuery,
  type RejectionStatus,
} from './rejections';
export { countWindows, windowsBetween, windowStartOf, type Window } from './windows';
export {
  DEFAULT_GAUGE_LOOKBACK_DAYS,
  DEFAULT_MAX_ROWS,
  DEFAULT_MAX_WINDOWS,
  DIMENSION_NAME,
} from './validate';
export * from './types';
