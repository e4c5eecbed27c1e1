/**
 * The tax codes a line may carry. A code says what is sold; each jurisdiction's rate table says which
 * rate that is (standard unless the table lists a code-specific rate), and `digital` decides where a
 * cross-border supply to a consumer is taxed (EU: Article 58 vs Article 45 of Directive 2006/112/EC).
 *
 * Mu bills metered digital services, so a line without a code is `saas`.
 */
export const TAX_CODES = {
  saas: {
    description: 'Software as a service, APIs, hosting and other electronically supplied services',
    digital: true,
  },
  ebook: {
    description: 'Electronic books, newspapers and periodicals (reduced rates in many jurisdictions)',
    digital: true,
  },
  services: {
    description: 'Services that are not electronically supplied: consulting, support, training by people',
    digital: false,
  },
} as const satisfies Record<string, { description: string; digital: boolean }>;

export type TaxCode = keyof typeof TAX_CODES;
export const TAX_CODE_NAMES = Object.keys(TAX_CODES) as TaxCode[];
export const DEFAULT_TAX_CODE: TaxCode = 'saas';
