/**
 * Where a country's VAT territory differs from its ISO code.
 *
 * Source: Council Directive 2006/112/EC Article 6 (territories excluded from the EU VAT area) and
 * Article 7 (Monaco, Isle of Man treated as part of FR / GB); the Swiss-Liechtenstein customs and VAT
 * treaty. As of: 2025-01-01.
 */

/** Countries taxed as part of another country's VAT territory. */
export const VAT_TERRITORY_OF: Readonly<Record<string, string>> = {
  MC: 'FR',
  IM: 'GB',
  LI: 'CH',
};

export interface ExcludedTerritory {
  readonly country: string;
  /** A postal code matches when it starts with one of these (spaces ignored). */
  readonly postalPrefixes: readonly string[];
  readonly name: string;
}

/** Parts of member states outside the EU VAT area, recognised by postal code. */
export const EU_EXCLUDED_TERRITORIES: readonly ExcludedTerritory[] = [
  { country: 'ES', postalPrefixes: ['35', '38'], name: 'the Canary Islands' },
  { country: 'ES', postalPrefixes: ['51'], name: 'Ceuta' },
  { country: 'ES', postalPrefixes: ['52'], name: 'Melilla' },
  { country: 'DE', postalPrefixes: ['27498'], name: 'Heligoland' },
  { country: 'DE', postalPrefixes: ['78266'], name: 'Büsingen am Hochrhein' },
];
