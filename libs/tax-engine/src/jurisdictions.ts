import { CA_GST_HST_DATASET, HST_PROVINCES } from './data/ca-gst-hst-rates';
import { isEuMemberState } from './data/countries';
import { EU_VAT_DATASET } from './data/eu-vat-rates';
import { EU_EXCLUDED_TERRITORIES, VAT_TERRITORY_OF, type ExcludedTerritory } from './data/territories';
import type { RateDataset } from './data/types';
import { US_SALES_TAX_DATASET } from './data/us-sales-tax';
import { VAT_GST_DATASET } from './data/vat-gst-rates';

/** A tax system the engine knows. Every EU member state is its own jurisdiction within `EU`. */
export type Regime = 'EU' | 'GB' | 'CH' | 'NO' | 'AU' | 'CA' | 'US';

export interface RegimeProfile {
  /** The tax's name on an invoice. */
  readonly taxName: string;
  /** Jurisdictions are regions (`US-TX`, `CA-ON`), not the country. */
  readonly byRegion: boolean;
  /** Cross-border B2C supplies of non-digital services from abroad are taxed here (else: at the supplier's place). */
  readonly taxesImportedServicesToConsumers: boolean;
  /** A foreign supplier registered here charges tax to local businesses too (no reverse charge). */
  readonly registeredForeignSupplierChargesBusinesses: boolean;
  /** Legal note on a reverse-charged line (no tax charged, the customer accounts for it). */
  readonly reverseChargeNote: string;
  /** Business customers are recognised by a valid tax id (US sales tax has no such distinction). */
  readonly businessIdMatters: boolean;
  readonly dataset: RateDataset;
}

export const REGIMES: Readonly<Record<Regime, RegimeProfile>> = {
  EU: {
    taxName: 'VAT',
    byRegion: false,
    taxesImportedServicesToConsumers: false,
    registeredForeignSupplierChargesBusinesses: false,
    reverseChargeNote:
      'Reverse charge: VAT to be accounted for by the customer (Article 196, Council Directive 2006/112/EC)',
    businessIdMatters: true,
    dataset: EU_VAT_DATASET,
  },
  GB: {
    taxName: 'VAT',
    byRegion: false,
    taxesImportedServicesToConsumers: false,
    registeredForeignSupplierChargesBusinesses: false,
    reverseChargeNote: 'Reverse charge: customer to account for the VAT to HMRC (VAT Act 1994, section 8)',
    businessIdMatters: true,
    dataset: VAT_GST_DATASET,
  },
  CH: {
    taxName: 'MWST/TVA/IVA',
    byRegion: false,
    taxesImportedServicesToConsumers: true,
    registeredForeignSupplierChargesBusinesses: true,
    reverseChargeNote:
      'Reverse charge: acquisition tax (Bezugsteuer) payable by the customer (Art. 45 MWSTG)',
    businessIdMatters: true,
    dataset: VAT_GST_DATASET,
  },
  NO: {
    taxName: 'MVA',
    byRegion: false,
    taxesImportedServicesToConsumers: false,
    registeredForeignSupplierChargesBusinesses: false,
    reverseChargeNote:
      'Reverse charge: the customer accounts for Norwegian VAT (merverdiavgiftsloven § 11-3)',
    businessIdMatters: true,
    dataset: VAT_GST_DATASET,
  },
  AU: {
    taxName: 'GST',
    byRegion: false,
    taxesImportedServicesToConsumers: true,
    registeredForeignSupplierChargesBusinesses: false,
    reverseChargeNote:
      'Reverse charge: GST payable by the GST-registered recipient (Division 84, GST Act 1999)',
    businessIdMatters: true,
    dataset: VAT_GST_DATASET,
  },
  CA: {
    taxName: 'GST/HST',
    byRegion: true,
    taxesImportedServicesToConsumers: true,
    registeredForeignSupplierChargesBusinesses: false,
    reverseChargeNote:
      'GST/HST not charged: the customer is GST/HST-registered and self-assesses where required (Excise Tax Act, Division II)',
    businessIdMatters: true,
    dataset: CA_GST_HST_DATASET,
  },
  US: {
    taxName: 'sales tax',
    byRegion: true,
    taxesImportedServicesToConsumers: true,
    registeredForeignSupplierChargesBusinesses: true,
    reverseChargeNote: '',
    businessIdMatters: false,
    dataset: US_SALES_TAX_DATASET,
  },
};

/** The country whose VAT territory `country` belongs to (Monaco is taxed as France). */
export function vatCountryOf(country: string): string {
  return VAT_TERRITORY_OF[country] ?? country;
}

export function regimeOf(vatCountry: string): Regime | undefined {
  if (isEuMemberState(vatCountry)) return 'EU';
  switch (vatCountry) {
    case 'GB':
    case 'CH':
    case 'NO':
    case 'AU':
    case 'CA':
    case 'US':
      return vatCountry;
    default:
      return undefined;
  }
}

/** `DE`, `US-TX`, `CA-ON`: the code a rate table and a tenant override are keyed by. */
export function jurisdictionCode(vatCountry: string, region: string | undefined): string {
  const regime = regimeOf(vatCountry);
  return regime !== undefined && REGIMES[regime].byRegion && region !== undefined
    ? `${vatCountry}-${region}`
    : vatCountry;
}

/** A part of an EU member state outside the EU VAT area, found by the buyer's postal code. */
export function excludedTerritory(
  country: string,
  postalCode: string | undefined,
): ExcludedTerritory | undefined {
  if (postalCode === undefined) return undefined;
  const code = postalCode.replace(/\s+/g, '');
  return EU_EXCLUDED_TERRITORIES.find(
    (t) => t.country === country && t.postalPrefixes.some((p) => code.startsWith(p)),
  );
}

/** The tax name shown in notes: HST in the harmonised provinces, GST elsewhere in Canada. */
export function taxNameOf(regime: Regime, jurisdiction: string): string {
  if (regime === 'CA') return HST_PROVINCES.has(jurisdiction.slice(3)) ? 'HST' : 'GST';
  return REGIMES[regime].taxName;
}
