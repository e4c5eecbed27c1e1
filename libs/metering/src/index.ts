// The public API of @mu/metering: see docs/metering.md.
export {
  aggregate,
  averageOf,
  timeWeightedIntegral,
  valueMillisToHours,
  type MeterPoint,
  type TimeWindow,
} from './aggregate';
export {
  applyMeters,
  type MeteringResult,
  type MeterRejection,
  type MeterRejectionCode,
  type MeterValue,
  type UsageEvent,
} from './apply';
export { METER_VALUE_LIMITS } from './decimal';
export { AggregationInputError, MeterDefinitionError, MeteringError, type MeteringIssue } from './errors';
export {
  AGGREGATIONS,
  compileMeter,
  FILTER_OPS,
  type Aggregation,
  type CompiledMeter,
  type FilterOp,
  type MeterDefinition,
  type MeterFilter,
} from './meter';
