import type { RateDataset } from './types';

/**
 * VAT and GST outside the EU: United Kingdom, Switzerland (with Liechtenstein), Norway, Australia.
 *
 * Sources: HMRC "VAT rates on different goods and services" (GB: e-publications zero-rated since
 * 2020-05-01); Swiss Federal Tax Administration (ESTV/AFC) rates since 2024-01-01 (8.1% / 2.6%; 7.7% /
 * 2.5% before; electronic publications at the reduced rate); Skatteetaten (NO: e-books and e-news
 * zero-rated); ATO (AU: GST 10%). As of: 2025-08-01. Coverage starts 2021-01-01.
 */
export const VAT_GST_DATASET: RateDataset = {
  name: 'gb-ch-no-au',
  source: 'HMRC; Swiss Federal Tax Administration; Skatteetaten; Australian Taxation Office',
  asOf: '2025-08-01',
  rates: {
    GB: [{ from: '2021-01-01', standard: '20', byCode: { ebook: '0' } }],
    CH: [
      { from: '2021-01-01', standard: '7.7', byCode: { ebook: '2.5' } },
      { from: '2024-01-01', standard: '8.1', byCode: { ebook: '2.6' } },
    ],
    NO: [{ from: '2021-01-01', standard: '25', byCode: { ebook: '0' } }],
    AU: [{ from: '2021-01-01', standard: '10' }],
  },
};
