import { EU_MEMBER_STATES } from './data/countries';
import { checkTaxId } from './tax-id';

// Public, checksum-valid example numbers (the ones python-stdnum documents).
const VALID: Record<string, string> = {
  AT: 'ATU13585627',
  BE: 'BE0403019261',
  BG: 'BG175074752',
  CY: 'CY10259033P',
  CZ: 'CZ25123891',
  DE: 'DE136695976',
  DK: 'DK13585628',
  EE: 'EE100931558',
  ES: 'ESA13585625',
  FI: 'FI20774740',
  FR: 'FR40303265045',
  GR: 'EL094259216',
  HR: 'HR33392005961',
  HU: 'HU12892312',
  IE: 'IE6433435F',
  IT: 'IT00743110157',
  LT: 'LT119511515',
  LU: 'LU15027442',
  LV: 'LV40003521600',
  MT: 'MT11679112',
  NL: 'NL004495445B01',
  PL: 'PL8567346215',
  PT: 'PT501964843',
  RO: 'RO18547290',
  SE: 'SE123456789701',
  SI: 'SI50223054',
  SK: 'SK2022749619',
  GB: 'GB980780684',
  CH: 'CHE107787577IVA',
  NO: 'NO995525828MVA',
  AU: '83914571673',
  CA: '123456782RT0001',
};

/** The same id with its check digit changed (the last digit, or the last before a branch suffix). */
function corrupt(id: string): string {
  const suffix = /(B\d\d|RT\d{4})$/.exec(id)?.[0] ?? '';
  const i = [...id.slice(0, id.length - suffix.length)].findLastIndex((c) => /\d/.test(c));
  return id.slice(0, i) + String((Number(id[i]) + 1) % 10) + id.slice(i + 1);
}

describe('checkTaxId', () => {
  it('has a valid example for every EU member state', () => {
    expect(Object.keys(VALID)).toEqual(expect.arrayContaining([...EU_MEMBER_STATES]));
  });

  it.each(Object.entries(VALID))('%s: accepts %s and refuses a wrong check digit', (country, id) => {
    expect(checkTaxId(country, id)).toEqual({ valid: true, normalized: id });
    const bad = checkTaxId(country, corrupt(id));
    expect(bad?.valid).toBe(false);
  });

  it('normalises spaces, dots, dashes and case, and adds the prefix', () => {
    expect(checkTaxId('DE', 'de 136.695-976')).toEqual({ valid: true, normalized: 'DE136695976' });
    expect(checkTaxId('DE', '136695976')).toEqual({ valid: true, normalized: 'DE136695976' });
    expect(checkTaxId('GR', 'GR094259216')).toEqual({ valid: true, normalized: 'EL094259216' });
    expect(checkTaxId('CH', 'CHE-107.787.577 IVA')).toEqual({ valid: true, normalized: 'CHE107787577IVA' });
  });

  it('refuses another country prefix, naming it', () => {
    expect(checkTaxId('FR', 'DE136695976')).toEqual({
      valid: false,
      reason: 'starts with DE, but a FR VAT ID starts with FR',
    });
  });

  it('says why a number is refused', () => {
    expect(checkTaxId('DE', 'DE12')).toEqual({
      valid: false,
      reason: 'is not a valid DE VAT ID (the number has an invalid length)',
    });
  });

  it('has no check where the tax does not depend on a buyer id', () => {
    expect(checkTaxId('US', '12-3456789')).toBeUndefined();
    expect(checkTaxId('JP', 'T1234567890123')).toBeUndefined();
  });
});
