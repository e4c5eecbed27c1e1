import { TaxRequestError } from './errors';
import { parseTaxQuoteRequest } from './request';
import { parseTaxContext } from './tenant-config';
import { describeCases, sale, type FailingQuoteCase } from './test/cases';

const bad = (
  name: string,
  request: unknown,
  issues: FailingQuoteCase['error']['issues'],
): FailingQuoteCase => ({
  name,
  request,
  error: { code: 'INVALID_TAX_REQUEST', issues },
});
const badContext = (
  name: string,
  context: unknown,
  issues: FailingQuoteCase['error']['issues'],
): FailingQuoteCase => ({
  name,
  request: sale(),
  context,
  error: { code: 'INVALID_TAX_CONFIG', issues },
});
const line = (extra: Record<string, unknown>) => sale({ line: extra });

describeCases('invalid requests name every bad field', [
  bad('not an object', [], [{ path: '', rule: 'type' }]),
  bad('an empty object', {}, [
    { path: 'date', rule: 'required' },
    { path: 'currency', rule: 'required' },
    { path: 'seller', rule: 'required' },
    { path: 'buyer', rule: 'required' },
    { path: 'lines', rule: 'required' },
  ]),
  bad('an unknown field', { ...sale(), discount: '1' }, [{ path: 'discount', rule: 'unknown_field' }]),
  bad('a date that does not exist', sale({ date: '2025-02-30' }), [{ path: 'date', rule: 'date' }]),
  bad('a date as a number', { ...sale(), date: 20250301 }, [{ path: 'date', rule: 'date' }]),
  bad('an unknown currency', sale({ currency: 'EUX' }), [{ path: 'currency', rule: 'iso4217' }]),
  bad('a lower-case currency', sale({ currency: 'eur' }), [{ path: 'currency', rule: 'iso4217' }]),
  bad(
    'an unknown currency does not hide a malformed amount',
    sale({ currency: 'EUX', line: { amount: '1.0000000000000000001' } }),
    [
      { path: 'currency', rule: 'iso4217' },
      { path: 'lines[0].amount', rule: 'max_decimal_places' },
    ],
  ),
  bad('a currency that is not money (XAU)', sale({ currency: 'XAU' }), [
    { path: 'currency', rule: 'iso4217' },
  ]),
  bad('a number as currency', { ...sale(), currency: 978 }, [{ path: 'currency', rule: 'type' }]),
  bad('an unknown country', sale({ buyer: { country: 'XX' } }), [{ path: 'buyer.country', rule: 'iso3166' }]),
  bad('EL is not a country code', sale({ seller: { country: 'EL' } }), [
    { path: 'seller.country', rule: 'iso3166' },
  ]),
  bad('UK is not a country code', sale({ buyer: { country: 'UK' } }), [
    { path: 'buyer.country', rule: 'iso3166' },
  ]),
  bad('a lower-case country', sale({ buyer: { country: 'de' } }), [
    { path: 'buyer.country', rule: 'iso3166' },
  ]),
  bad('a missing buyer country', sale({ buyer: { country: undefined } }), [
    { path: 'buyer.country', rule: 'required' },
  ]),
  bad('a US buyer without a state', sale({ buyer: { country: 'US' } }), [
    { path: 'buyer.region', rule: 'required' },
  ]),
  bad('an unknown US state', sale({ buyer: { country: 'US', region: 'XY' } }), [
    { path: 'buyer.region', rule: 'region' },
  ]),
  bad('an unknown Canadian province', sale({ buyer: { country: 'CA', region: 'QB' } }), [
    { path: 'buyer.region', rule: 'region' },
  ]),
  bad('an unknown seller state', sale({ seller: { country: 'US', region: 'ZZ' } }), [
    { path: 'seller.region', rule: 'region' },
  ]),
  bad('seller and buyer that are not objects', { ...sale(), seller: 'DE', buyer: null }, [
    { path: 'seller', rule: 'type' },
    { path: 'buyer', rule: 'type' },
  ]),
  bad('registrations that are not a list', sale({ seller: { registrations: 'GB' } }), [
    { path: 'seller.registrations', rule: 'type' },
  ]),
  bad(
    'registrations that name no jurisdiction',
    sale({ seller: { registrations: ['US', 'US-XX', 'CA-ON', 'XX', 'DE-BY', 7, 'gb'] } }),
    [0, 1, 2, 3, 4, 5, 6].map((i) => ({ path: `seller.registrations[${i}]`, rule: 'iso3166' as const })),
  ),
  bad('an exempt buyer without the exemption reference', sale({ buyer: { exempt: true } }), [
    { path: 'buyer.exemptionId', rule: 'required' },
  ]),
  bad('exempt that is not a boolean', sale({ buyer: { exempt: 'yes' } }), [
    { path: 'buyer.exempt', rule: 'type' },
  ]),
  bad('a postal code that is too long', sale({ buyer: { postalCode: '1'.repeat(17) } }), [
    { path: 'buyer.postalCode', rule: 'range' },
  ]),
  bad('an empty tax id', sale({ buyer: { taxId: ' ' } }), [{ path: 'buyer.taxId', rule: 'type' }]),
  bad('an unknown buyer field', sale({ buyer: { vatId: 'x' } }), [
    { path: 'buyer.vatId', rule: 'unknown_field' },
  ]),
  bad('no lines', sale({ lines: [] }), [{ path: 'lines', rule: 'non_empty' }]),
  bad('lines that are not a list', { ...sale(), lines: {} }, [{ path: 'lines', rule: 'type' }]),
  bad('a line that is not an object', sale({ lines: [7] }), [{ path: 'lines[0]', rule: 'type' }]),
  bad(
    'too many lines',
    sale({
      lines: Array.from({ length: 10_001 }, (_, i) => ({
        id: `${i}`,
        amount: '1',
        taxBehavior: 'exclusive',
      })),
    }),
    [{ path: 'lines', rule: 'max_items' }],
  ),
  bad('a malformed amount', line({ amount: '12.5.0' }), [
    { path: 'lines[0].amount', rule: 'decimal_string' },
  ]),
  bad('a JSON number as amount', line({ amount: 12.5 }), [
    { path: 'lines[0].amount', rule: 'decimal_string' },
  ]),
  bad('an exponent', line({ amount: '1e3' }), [{ path: 'lines[0].amount', rule: 'decimal_string' }]),
  bad('more decimals than the currency has', line({ amount: '1.234' }), [
    { path: 'lines[0].amount', rule: 'max_decimal_places' },
  ]),
  bad('decimals in JPY', sale({ currency: 'JPY', line: { amount: '1.5' } }), [
    { path: 'lines[0].amount', rule: 'max_decimal_places' },
  ]),
  bad('19 integer digits', line({ amount: '1234567890123456789' }), [
    { path: 'lines[0].amount', rule: 'max_integer_digits' },
  ]),
  bad('a missing amount', line({ amount: undefined }), [{ path: 'lines[0].amount', rule: 'required' }]),
  bad('a missing tax behavior', line({ taxBehavior: undefined }), [
    { path: 'lines[0].taxBehavior', rule: 'required' },
  ]),
  bad('an unknown tax behavior', line({ taxBehavior: 'gross' }), [
    { path: 'lines[0].taxBehavior', rule: 'one_of' },
  ]),
  bad('an unknown tax code', line({ taxCode: 'food' }), [{ path: 'lines[0].taxCode', rule: 'one_of' }]),
  bad('a missing line id', line({ id: undefined }), [{ path: 'lines[0].id', rule: 'required' }]),
  bad('an unknown line field', line({ quantity: '1' }), [
    { path: 'lines[0].quantity', rule: 'unknown_field' },
  ]),
  bad(
    'a repeated line id, and the problems of the third line',
    sale({
      lines: [
        { id: 'a', amount: '1', taxBehavior: 'exclusive' },
        { id: 'a', amount: '1', taxBehavior: 'exclusive' },
        { id: 'c', amount: '-x', taxBehavior: 'net' },
      ],
    }),
    [
      { path: 'lines[1].id', rule: 'unique' },
      { path: 'lines[2].amount', rule: 'decimal_string' },
      { path: 'lines[2].taxBehavior', rule: 'one_of' },
    ],
  ),
]);

describeCases('invalid tenant configuration names every bad field', [
  badContext('not an object', 'x', [{ path: '', rule: 'type' }]),
  badContext('an unknown field', { roundingMode: 'x' }, [{ path: 'roundingMode', rule: 'unknown_field' }]),
  badContext('an unknown rounding', { rounding: 'per_invoice' }, [{ path: 'rounding', rule: 'one_of' }]),
  badContext('overrides that are not a list', { rateOverrides: {} }, [
    { path: 'rateOverrides', rule: 'type' },
  ]),
  badContext('an override that is not an object', { rateOverrides: [1] }, [
    { path: 'rateOverrides[0]', rule: 'type' },
  ]),
  badContext(
    'an override for a country without rules',
    { rateOverrides: [{ country: 'JP', rate: '10', validFrom: '2025-01-01' }] },
    [{ path: 'rateOverrides[0].country', rule: 'iso3166' }],
  ),
  badContext(
    'a region outside the US and Canada',
    { rateOverrides: [{ country: 'DE', region: 'BY', rate: '10', validFrom: '2025-01-01' }] },
    [{ path: 'rateOverrides[0].region', rule: 'region' }],
  ),
  badContext(
    'a US override without a state',
    { rateOverrides: [{ country: 'US', rate: '10', validFrom: '2025-01-01' }] },
    [{ path: 'rateOverrides[0].region', rule: 'required' }],
  ),
  badContext(
    'a US override with an unknown state',
    { rateOverrides: [{ country: 'US', region: 'XX', rate: '10', validFrom: '2025-01-01' }] },
    [{ path: 'rateOverrides[0].region', rule: 'region' }],
  ),
  badContext(
    'rates out of range, malformed and missing',
    {
      rateOverrides: [
        { country: 'DE', rate: '120', validFrom: '2025-01-01' },
        { country: 'DE', rate: '-1', validFrom: '2025-01-01' },
        { country: 'DE', rate: 19, validFrom: '2025-01-01' },
        { country: 'DE', rate: '1.1234567', validFrom: '2025-01-01' },
        { country: 'DE', validFrom: '2025-01-01' },
      ],
    },
    [
      { path: 'rateOverrides[0].rate', rule: 'range' },
      { path: 'rateOverrides[1].rate', rule: 'range' },
      { path: 'rateOverrides[2].rate', rule: 'decimal_string' },
      { path: 'rateOverrides[3].rate', rule: 'max_decimal_places' },
      { path: 'rateOverrides[4].rate', rule: 'required' },
    ],
  ),
  badContext(
    'dates missing, malformed or in the wrong order',
    {
      rateOverrides: [
        { country: 'DE', rate: '19' },
        { country: 'DE', rate: '19', validFrom: '2025-13-01' },
        { country: 'DE', rate: '19', validFrom: '2025-02-01', validTo: '2025-01-31' },
      ],
    },
    [
      { path: 'rateOverrides[0].validFrom', rule: 'required' },
      { path: 'rateOverrides[1].validFrom', rule: 'date' },
      { path: 'rateOverrides[2].validTo', rule: 'date_order' },
    ],
  ),
  badContext(
    'an unknown tax code and field',
    { rateOverrides: [{ country: 'DE', rate: '7', taxCode: 'books', validFrom: '2025-01-01', x: 1 }] },
    [
      { path: 'rateOverrides[0].x', rule: 'unknown_field' },
      { path: 'rateOverrides[0].taxCode', rule: 'one_of' },
    ],
  ),
  badContext('a missing override country', { rateOverrides: [{ rate: '7', validFrom: '2025-01-01' }] }, [
    { path: 'rateOverrides[0].country', rule: 'required' },
  ]),
  badContext(
    'US taxability rules with bad fields',
    {
      usTaxability: [
        { state: 'XX', taxCode: 'saas', taxable: true, validFrom: '2025-01-01' },
        { state: 'TX', taxCode: 'saas', taxable: 'yes', validFrom: '2025-01-01' },
        { state: 'TX', taxCode: 'saas', taxable: true, taxablePortion: '0', validFrom: '2025-01-01' },
        { state: 'TX', taxCode: 'saas', taxable: true, taxablePortion: '1.5', validFrom: '2025-01-01' },
        { state: 'TX', taxCode: 'saas', taxable: true, taxablePortion: 'most', validFrom: '2025-01-01' },
        { state: 'TX', taxCode: 'saas', validFrom: '2025-01-01' },
        'TX',
      ],
    },
    [
      { path: 'usTaxability[0].state', rule: 'one_of' },
      { path: 'usTaxability[1].taxable', rule: 'type' },
      { path: 'usTaxability[2].taxablePortion', rule: 'range' },
      { path: 'usTaxability[3].taxablePortion', rule: 'range' },
      { path: 'usTaxability[4].taxablePortion', rule: 'decimal_string' },
      { path: 'usTaxability[5].taxable', rule: 'required' },
      { path: 'usTaxability[6]', rule: 'type' },
    ],
  ),
]);

describe('error messages', () => {
  it('list every issue with its path and rule, for people', () => {
    let caught: unknown;
    try {
      parseTaxQuoteRequest(sale({ buyer: { country: 'XX' }, line: { amount: 'ten' } }));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TaxRequestError);
    expect((caught as Error).message).toBe(
      'invalid tax quote request: 2 issues\n' +
        '  buyer.country: XX is not an ISO 3166-1 country code [iso3166]\n' +
        '  lines[0].amount: must be a decimal string such as "12.50", not "ten" [decimal_string]',
    );
    expect((caught as Error).name).toBe('TaxRequestError');
  });

  it('say "(root)" for the whole document and use the singular for one issue', () => {
    expect(() => parseTaxContext(null)).toThrow(
      'invalid tax configuration: 1 issue\n  (root): must be an object, not null [type]',
    );
    expect(() => parseTaxContext(undefined)).toThrow('(root): must be an object, not undefined [type]');
  });

  it('normalise accepted overrides (rates as exact decimals)', () => {
    expect(
      parseTaxContext({ rateOverrides: [{ country: 'DE', rate: '19.50', validFrom: '2025-01-01' }] }),
    ).toEqual({
      rateOverrides: [
        {
          country: 'DE',
          region: undefined,
          taxCode: undefined,
          rate: '19.5',
          validFrom: '2025-01-01',
          validTo: undefined,
          note: undefined,
        },
      ],
      usTaxability: [],
      rounding: 'per_line',
    });
  });
});
