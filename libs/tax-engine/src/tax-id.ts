import { euVat, stdnum, type Validator } from 'stdnum';
import { isEuMemberState } from './data/countries';

/**
 * Offline tax-id checks: format and check digits, no registry lookup (VIES, HMRC, ABR are online
 * services and belong at the edge, not in a pure engine). Validators come from `stdnum`, the
 * maintained JavaScript port of python-stdnum.
 */
export type TaxIdCheck =
  { readonly valid: true; readonly normalized: string } | { readonly valid: false; readonly reason: string };

interface IdScheme {
  readonly validator: Validator;
  /** The prefix the normalised id carries (`EL` for Greece); ids may be written without it. */
  readonly prefix: string;
  /** Other prefixes accepted on input. */
  readonly aliases: readonly string[];
  readonly label: string;
}

function schemeOf(vatCountry: string): IdScheme | undefined {
  if (isEuMemberState(vatCountry)) {
    const prefix = vatCountry === 'GR' ? 'EL' : vatCountry;
    return {
      validator: euVat[vatCountry]![0]!,
      prefix,
      aliases: vatCountry === 'GR' ? ['GR'] : [],
      label: `${vatCountry} VAT ID`,
    };
  }
  switch (vatCountry) {
    case 'GB':
      return { validator: stdnum.GB!.vat!, prefix: 'GB', aliases: [], label: 'GB VAT registration number' };
    case 'CH':
      return {
        validator: stdnum.CH!.vat!,
        prefix: '',
        aliases: [],
        label: 'Swiss VAT number (CHE-123.456.789 MWST)',
      };
    case 'NO':
      return {
        validator: stdnum.NO!.mva!,
        prefix: 'NO',
        aliases: [],
        label: 'Norwegian VAT number (NO123456789MVA)',
      };
    case 'AU':
      return { validator: stdnum.AU!.abn!, prefix: '', aliases: [], label: 'ABN' };
    case 'CA':
      return {
        validator: stdnum.CA!.gst!,
        prefix: '',
        aliases: [],
        label: 'GST/HST registration number (123456789RT0001)',
      };
    default:
      return undefined;
  }
}

/**
 * Check a tax id for the country (VAT territory) it should belong to. Returns undefined where the
 * engine has no check (the US: sales tax does not depend on a buyer id).
 */
export function checkTaxId(vatCountry: string, taxId: string): TaxIdCheck | undefined {
  const scheme = schemeOf(vatCountry);
  if (scheme === undefined) return undefined;
  let compact = taxId.toUpperCase().replace(/[\s.\-/]/g, '');
  const written = scheme.prefix === '' ? undefined : /^[A-Z]{2}/.exec(compact)?.[0];
  if (written !== undefined) {
    // No id of these schemes starts with two letters once its country prefix is off.
    if (written !== scheme.prefix && !scheme.aliases.includes(written))
      return {
        valid: false,
        reason: `starts with ${written}, but a ${scheme.label} starts with ${scheme.prefix}`,
      };
    compact = compact.slice(2);
  }
  const result = scheme.validator.validate(compact);
  if (!result.isValid) {
    return {
      valid: false,
      reason: `is not a valid ${scheme.label} (${result.error.message.replace(/\.$/, '').toLowerCase()})`,
    };
  }
  const body = result.compact.startsWith(scheme.prefix)
    ? result.compact.slice(scheme.prefix.length)
    : result.compact;
  return { valid: true, normalized: `${scheme.prefix}${body}` };
}
