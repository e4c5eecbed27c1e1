import type { TaxCode } from './tax-codes';

/** The rates of one jurisdiction from a date on. */
export interface RatePeriod {
  /** First day the rates apply (inclusive); they apply until the next period's `from`. */
  readonly from: string;
  /** The standard rate, percent. */
  readonly standard: string;
  /** Rates (percent) for the tax codes that do not take the standard rate here. */
  readonly byCode?: Readonly<Partial<Record<TaxCode, string>>>;
}

/** A shipped rate table: where it comes from and the date it is complete to. */
export interface RateDataset {
  readonly name: string;
  readonly source: string;
  /** The table reflects the law as known on this date (later announced changes may be included, dated). */
  readonly asOf: string;
  /** Jurisdiction (`DE`, `CA-ON`, `US-TX`) -> periods in date order. */
  readonly rates: Readonly<Record<string, readonly RatePeriod[]>>;
}
