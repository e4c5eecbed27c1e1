// The public API of @mu/pricing: see docs/pricing.md.
export type * from './breakdown';
export { currencyMinorUnits } from './currency';
export { describeLine } from './describe';
export {
  PricingError,
  PricingSpecError,
  ProrationError,
  RatingInputError,
  UnknownCurrencyError,
  type Issue,
  type IssueRule,
} from './errors';
export { Dec, exact, roundMoney, type RoundingMode } from './money';
export type { ModelName } from './models';
export { prorate, prorateAmount, type Instant } from './proration';
export {
  baseCharge,
  finalizeCharge,
  rate,
  rateEventFees,
  rateIncrement,
  type FinalCharge,
  type RatingInput,
  type RatingResult,
} from './rating';
export {
  parsePriceSpec,
  type CommonSpecJson,
  type PercentageTierJson,
  type PriceSpec,
  type PriceSpecJson,
  type TierJson,
} from './spec';
export * from './periods';
