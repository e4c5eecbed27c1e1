// The public API of @mu/tax-engine: see docs/tax.md.
export {
  FxCsvError,
  FxRateNotFoundError,
  FxRequestError,
  TaxConfigError,
  TaxEngineError,
  TaxRequestError,
  type TaxIssue,
  type TaxIssueRule,
} from './errors';
export { CA_GST_HST_DATASET } from './data/ca-gst-hst-rates';
export { CA_PROVINCES, EU_MEMBER_STATES, ISO_COUNTRIES, US_STATES } from './data/countries';
export { EU_VAT_DATASET, EU_VAT_RATES } from './data/eu-vat-rates';
export { DEFAULT_TAX_CODE, TAX_CODES, TAX_CODE_NAMES, type TaxCode } from './data/tax-codes';
export type { RateDataset, RatePeriod } from './data/types';
export { US_SALES_TAX_DATASET, US_TAXABILITY, US_TAXABILITY_AS_OF } from './data/us-sales-tax';
export { VAT_GST_DATASET } from './data/vat-gst-rates';
export {
  DEFAULT_FX_MAX_AGE_DAYS,
  DERIVED_RATE_SIGNIFICANT_DIGITS,
  checkFxRequest,
  convert,
  parseFxCsv,
  parseFxRates,
  type FxConversion,
  type FxCsvResult,
  type FxMethod,
  type FxRate,
} from './fx';
export { REGIMES, type Regime } from './jurisdictions';
export {
  TREATMENTS,
  WARNING_CODES,
  quoteTax,
  type BreakdownEntry,
  type QuotedLine,
  type TaxQuote,
  type TaxWarning,
  type TaxWarningCode,
  type Treatment,
} from './quote';
export {
  MAX_LINES,
  TAX_BEHAVIORS,
  parseTaxQuoteRequest,
  type Buyer,
  type QuoteLine,
  type Seller,
  type TaxBehavior,
  type TaxQuoteRequest,
  type TaxQuoteRequestJson,
} from './request';
export { checkTaxId, type TaxIdCheck } from './tax-id';
export {
  ROUNDING_STRATEGIES,
  parseTaxContext,
  type RateOverride,
  type RoundingStrategy,
  type TaxContext,
  type UsTaxabilityRule,
} from './tenant-config';
