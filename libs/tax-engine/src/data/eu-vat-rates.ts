import type { EuMemberState } from './countries';
import type { RateDataset, RatePeriod } from './types';

/**
 * EU VAT rates of the 27 member states, effective-dated.
 *
 * Source: European Commission, DG TAXUD, "VAT rates applied in the Member States of the European
 * Union, situation at 1 January 2025", and the Taxes in Europe Database (TEDB), plus standard-rate
 * changes enacted since and dated below (EE 24% from 2025-07-01, RO 21% from 2025-08-01).
 * As of: 2025-08-01. Coverage starts 2021-01-01 (the first day without the UK in the EU VAT area);
 * earlier dates need a tenant override.
 *
 * Standard rates carry their history since 2021 (IE 21% until 2021-02-28, LU 16% in 2023, EE 22%
 * from 2024, FI 25.5% from 2024-09-01, SK 23% from 2025). `byCode.ebook` is the rate the state applies
 * to electronically supplied books and publications (Directive (EU) 2018/1713) as in force on
 * 2025-01-01, carried back to 2021 unless a change is dated here; entries marked "verify" are the
 * least certain. Every rate here can be overridden per tenant (tax_rate_overrides).
 */
const p = (from: string, standard: string, ebook?: string): RatePeriod =>
  ebook === undefined ? { from, standard } : { from, standard, byCode: { ebook } };

const START = '2021-01-01';

export const EU_VAT_RATES: Readonly<Record<EuMemberState, readonly RatePeriod[]>> = {
  AT: [p(START, '20', '10')],
  BE: [p(START, '21', '6')],
  BG: [p(START, '20', '9')], // verify: ebook
  CY: [p(START, '19', '5')], // verify: ebook
  CZ: [p(START, '21', '10'), p('2024-01-01', '21', '0')],
  DE: [p(START, '19', '7')],
  DK: [p(START, '25')],
  EE: [p(START, '20', '9'), p('2024-01-01', '22', '9'), p('2025-07-01', '24', '9')], // verify: ebook
  ES: [p(START, '21', '4')],
  FI: [p(START, '24', '10'), p('2024-09-01', '25.5', '10'), p('2025-01-01', '25.5', '14')],
  FR: [p(START, '20', '5.5')],
  GR: [p(START, '24', '6')],
  HR: [p(START, '25', '5')],
  HU: [p(START, '27', '5')],
  IE: [p(START, '21', '9'), p('2021-03-01', '23', '9'), p('2025-01-01', '23', '0')],
  IT: [p(START, '22', '4')],
  LT: [p(START, '21', '9')],
  LU: [p(START, '17', '3'), p('2023-01-01', '16', '3'), p('2024-01-01', '17', '3')],
  LV: [p(START, '21', '12')], // verify: ebook
  MT: [p(START, '18', '5')],
  NL: [p(START, '21', '9')],
  PL: [p(START, '23', '5')],
  PT: [p(START, '23', '6')],
  RO: [p(START, '19', '5'), p('2025-08-01', '21', '11')],
  SE: [p(START, '25', '6')],
  SI: [p(START, '22', '5')],
  SK: [p(START, '20', '10'), p('2025-01-01', '23', '5')],
};

export const EU_VAT_DATASET: RateDataset = {
  name: 'eu-vat',
  source:
    'European Commission DG TAXUD, "VAT rates applied in the Member States of the European Union" (1 January 2025) and TEDB',
  asOf: '2025-08-01',
  rates: EU_VAT_RATES,
};
