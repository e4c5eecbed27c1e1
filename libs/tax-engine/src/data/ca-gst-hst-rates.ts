import type { CaProvince } from './countries';
import type { RateDataset, RatePeriod } from './types';

/**
 * Canadian GST/HST by province of the recipient.
 *
 * Source: Canada Revenue Agency, "GST/HST rates" (canada.ca). GST 5% where no HST applies; HST
 * ON 13%, NB, NL and PE 15%, NS 15% until 2025-03-31 and 14% from 2025-04-01. As of: 2025-08-01.
 * Coverage starts 2021-01-01. Provincial sales taxes collected separately (BC/MB/SK PST, Quebec QST)
 * are not part of this table: add them as tenant overrides if you are registered for them.
 */
const gst: readonly RatePeriod[] = [{ from: '2021-01-01', standard: '5' }];
const hst = (rate: string): readonly RatePeriod[] => [{ from: '2021-01-01', standard: rate }];

export const HST_PROVINCES: ReadonlySet<string> = new Set(['NB', 'NL', 'NS', 'ON', 'PE']);

const CA: Readonly<Record<CaProvince, readonly RatePeriod[]>> = {
  AB: gst,
  BC: gst,
  MB: gst,
  NB: hst('15'),
  NL: hst('15'),
  NS: [
    { from: '2021-01-01', standard: '15' },
    { from: '2025-04-01', standard: '14' },
  ],
  NT: gst,
  NU: gst,
  ON: hst('13'),
  PE: hst('15'),
  QC: gst,
  SK: gst,
  YT: gst,
};

export const CA_GST_HST_DATASET: RateDataset = {
  name: 'ca-gst-hst',
  source: 'Canada Revenue Agency, GST/HST rates',
  asOf: '2025-08-01',
  rates: Object.fromEntries(Object.entries(CA).map(([province, periods]) => [`CA-${province}`, periods])),
};
