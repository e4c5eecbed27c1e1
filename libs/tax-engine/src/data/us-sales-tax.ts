import type { UsState } from './countries';
import type { TaxCode } from './tax-codes';
import type { RateDataset, RatePeriod } from './types';

/**
 * A starting table for US sales tax: the state-level base rate of every state and DC, and whether
 * SaaS is taxable there. Local (county, city, district) rates are not included: a tenant that
 * collects them sets its combined rate per state as a tenant override, and confirms taxability with
 * its advisor. This table is a start, not advice.
 *
 * Sources: state rates as published by each state's revenue department, cross-checked against Tax
 * Foundation, "State and Local Sales Tax Rates, 2025" (state-level column); SaaS taxability from the
 * states' published guidance as summarised in the same period. As of: 2025-01-01. Coverage starts
 * 2021-01-01; dated changes since then: NM 5.125% -> 5% (2023-07-01) -> 4.875% (2024-07-01),
 * SD 4.5% -> 4.2% (2023-07-01), LA 4.45% -> 5% (2025-01-01). Connecticut taxes computer and data
 * processing services (SaaS) at 1%.
 */
const base = (rate: string): readonly RatePeriod[] => [{ from: '2021-01-01', standard: rate }];

const US: Readonly<Record<UsState, readonly RatePeriod[]>> = {
  AL: base('4'),
  AK: base('0'),
  AZ: base('5.6'),
  AR: base('6.5'),
  CA: base('7.25'),
  CO: base('2.9'),
  CT: [{ from: '2021-01-01', standard: '6.35', byCode: { saas: '1' } }],
  DE: base('0'),
  DC: base('6'),
  FL: base('6'),
  GA: base('4'),
  HI: base('4'),
  ID: base('6'),
  IL: base('6.25'),
  IN: base('7'),
  IA: base('6'),
  KS: base('6.5'),
  KY: base('6'),
  LA: [
    { from: '2021-01-01', standard: '4.45' },
    { from: '2025-01-01', standard: '5' },
  ],
  ME: base('5.5'),
  MD: base('6'),
  MA: base('6.25'),
  MI: base('6'),
  MN: base('6.875'),
  MS: base('7'),
  MO: base('4.225'),
  MT: base('0'),
  NE: base('5.5'),
  NV: base('6.85'),
  NH: base('0'),
  NJ: base('6.625'),
  NM: [
    { from: '2021-01-01', standard: '5.125' },
    { from: '2023-07-01', standard: '5' },
    { from: '2024-07-01', standard: '4.875' },
  ],
  NY: base('4'),
  NC: base('4.75'),
  ND: base('5'),
  OH: base('5.75'),
  OK: base('4.5'),
  OR: base('0'),
  PA: base('6'),
  RI: base('7'),
  SC: base('6'),
  SD: [
    { from: '2021-01-01', standard: '4.5' },
    { from: '2023-07-01', standard: '4.2' },
  ],
  TN: base('7'),
  TX: base('6.25'),
  UT: base('6.1'),
  VT: base('6'),
  VA: base('5.3'),
  WA: base('6.5'),
  WV: base('6'),
  WI: base('5'),
  WY: base('4'),
};

export const US_SALES_TAX_DATASET: RateDataset = {
  name: 'us-sales-tax',
  source:
    'State revenue departments; Tax Foundation, "State and Local Sales Tax Rates, 2025" (state rates only)',
  asOf: '2025-01-01',
  rates: Object.fromEntries(Object.entries(US).map(([state, periods]) => [`US-${state}`, periods])),
};

/** Whether a tax code is taxable in a state from a date on; `taxablePortion` < 1 taxes part of the price. */
export interface TaxabilityPeriod {
  readonly from: string;
  readonly taxable: boolean;
  /** Share of the price that is taxable (TX taxes 80% of data processing services). */
  readonly taxablePortion?: string;
  readonly note?: string;
}

const taxable = (note?: string): readonly TaxabilityPeriod[] => [
  { from: '2021-01-01', taxable: true, ...(note ? { note } : {}) },
];
const notTaxable: readonly TaxabilityPeriod[] = [{ from: '2021-01-01', taxable: false }];

const SAAS: Readonly<Record<UsState, readonly TaxabilityPeriod[]>> = {
  AL: notTaxable,
  AK: notTaxable,
  AZ: taxable(),
  AR: notTaxable,
  CA: notTaxable,
  CO: notTaxable,
  CT: taxable('computer and data processing services at 1%'),
  DE: notTaxable,
  DC: taxable(),
  FL: notTaxable,
  GA: notTaxable,
  HI: taxable(),
  ID: notTaxable,
  IL: notTaxable,
  IN: notTaxable,
  IA: taxable('exempt when used exclusively by a business (commercial enterprise): record the exemption'),
  KS: notTaxable,
  KY: [
    { from: '2021-01-01', taxable: false },
    { from: '2023-01-01', taxable: true },
  ],
  LA: [
    { from: '2021-01-01', taxable: false },
    { from: '2025-01-01', taxable: true, note: 'digital products taxable from 2025-01-01' },
  ],
  ME: notTaxable,
  MD: taxable(),
  MA: taxable(),
  MI: notTaxable,
  MN: notTaxable,
  MS: taxable(),
  MO: notTaxable,
  MT: notTaxable,
  NE: notTaxable,
  NV: notTaxable,
  NH: notTaxable,
  NJ: notTaxable,
  NM: taxable(),
  NY: taxable(),
  NC: notTaxable,
  ND: notTaxable,
  OH: taxable('taxable when used in business (automatic data processing); consumer use is not'),
  OK: notTaxable,
  OR: notTaxable,
  PA: taxable(),
  RI: taxable(),
  SC: taxable(),
  SD: taxable(),
  TN: taxable(),
  TX: [
    {
      from: '2021-01-01',
      taxable: true,
      taxablePortion: '0.8',
      note: '80% of the price is taxable (data processing)',
    },
  ],
  UT: taxable(),
  VT: notTaxable,
  VA: notTaxable,
  WA: taxable(),
  WV: taxable(),
  WI: notTaxable,
  WY: notTaxable,
};

/** Starting taxability per state and tax code. Codes not listed here have no shipped rule. */
export const US_TAXABILITY: Readonly<
  Record<UsState, Readonly<Partial<Record<TaxCode, readonly TaxabilityPeriod[]>>>>
> = Object.fromEntries(Object.entries(SAAS).map(([state, periods]) => [state, { saas: periods }])) as Record<
  UsState,
  Partial<Record<TaxCode, readonly TaxabilityPeriod[]>>
>;

export const US_TAXABILITY_AS_OF = '2025-01-01';
