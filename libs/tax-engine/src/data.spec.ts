import { CA_GST_HST_DATASET } from './data/ca-gst-hst-rates';
import { CA_PROVINCES, EU_MEMBER_STATES, ISO_COUNTRIES, US_STATES } from './data/countries';
import { EU_VAT_DATASET } from './data/eu-vat-rates';
import { TAX_CODE_NAMES } from './data/tax-codes';
import { US_SALES_TAX_DATASET, US_TAXABILITY } from './data/us-sales-tax';
import { VAT_GST_DATASET } from './data/vat-gst-rates';
import { isIsoDate, isProblem, parseRate } from './reader';
import { REGIMES } from './jurisdictions';

const DATASETS = [EU_VAT_DATASET, VAT_GST_DATASET, CA_GST_HST_DATASET, US_SALES_TAX_DATASET];

describe('shipped datasets', () => {
  it('lists the 249 ISO 3166-1 countries, each one a region ICU can name', () => {
    expect(ISO_COUNTRIES.size).toBe(249);
    const names = new Intl.DisplayNames(['en'], { type: 'region' });
    for (const code of ISO_COUNTRIES) expect([code, names.of(code)]).not.toEqual([code, code]);
  });

  it.each(DATASETS.map((d) => [d.name, d] as const))('%s states its source and date', (_name, d) => {
    expect(d.source.length).toBeGreaterThan(10);
    expect(isIsoDate(d.asOf)).toBe(true);
  });

  it.each(DATASETS.map((d) => [d.name, d] as const))(
    '%s: periods ascend from 2021-01-01, rates are percentages',
    (_name, d) => {
      for (const [jurisdiction, periods] of Object.entries(d.rates)) {
        expect([jurisdiction, periods[0]?.from]).toEqual([jurisdiction, '2021-01-01']);
        periods.forEach((p, i) => {
          expect(isIsoDate(p.from)).toBe(true);
          if (i > 0) expect(p.from > periods[i - 1]!.from).toBe(true);
          for (const rate of [p.standard, ...Object.values(p.byCode ?? {})])
            expect(isProblem(parseRate(rate))).toBe(false);
          for (const code of Object.keys(p.byCode ?? {})) expect(TAX_CODE_NAMES).toContain(code);
        });
      }
    },
  );

  it('covers all 27 EU member states, 51 US states and DC, 13 Canadian provinces and territories', () => {
    expect(Object.keys(EU_VAT_DATASET.rates).sort()).toEqual([...EU_MEMBER_STATES].sort());
    expect(Object.keys(US_SALES_TAX_DATASET.rates).sort()).toEqual(US_STATES.map((s) => `US-${s}`).sort());
    expect(Object.keys(CA_GST_HST_DATASET.rates).sort()).toEqual(CA_PROVINCES.map((p) => `CA-${p}`).sort());
    expect(Object.keys(VAT_GST_DATASET.rates).sort()).toEqual(['AU', 'CH', 'GB', 'NO']);
    expect(US_STATES).toHaveLength(51);
  });

  it('has a SaaS taxability entry for every US state, ascending from 2021-01-01', () => {
    expect(Object.keys(US_TAXABILITY).sort()).toEqual([...US_STATES].sort());
    for (const byCode of Object.values(US_TAXABILITY)) {
      const periods = byCode.saas!;
      expect(periods[0]!.from).toBe('2021-01-01');
      periods.forEach((p, i) => i > 0 && expect(p.from > periods[i - 1]!.from).toBe(true));
    }
  });

  it('gives every regime a reverse-charge note where business ids matter', () => {
    for (const profile of Object.values(REGIMES))
      expect(profile.reverseChargeNote !== '').toBe(profile.businessIdMatters);
  });
});
