import { describeCases, sale } from './test/cases';

const usSeller = (region: string, registrations: string[] = []) => ({
  country: 'US',
  region,
  taxId: undefined,
  registrations,
});
const usd = (p: Parameters<typeof sale>[0]) => sale({ currency: 'USD', ...p });

describeCases('US sales tax', [
  {
    name: 'home state, SaaS taxable (NY): state base rate 4%',
    request: usd({ seller: usSeller('NY'), buyer: { country: 'US', region: 'NY' } }),
    lines: [
      { rate: '4', jurisdiction: 'US-NY', treatment: 'standard', taxAmount: '4.00', rateSource: 'dataset' },
    ],
    noteContains: 'US-NY sales tax',
  },
  {
    name: 'home state, SaaS not taxable (CA): exempt, 0',
    request: usd({ seller: usSeller('CA'), buyer: { country: 'US', region: 'CA' } }),
    lines: [{ rate: '0', jurisdiction: 'US-CA', treatment: 'exempt', taxAmount: '0.00' }],
    noteContains: 'saas is not taxable in US-CA',
  },
  {
    name: 'another state without registration: out of scope (no nexus)',
    request: usd({ seller: usSeller('CA'), buyer: { country: 'US', region: 'NY' } }),
    lines: [{ rate: '0', jurisdiction: 'US-NY', treatment: 'out_of_scope' }],
    noteContains: 'not registered in US-NY',
  },
  {
    name: 'registered in TX: 80% of the price taxable at 6.25% = 5%',
    request: usd({ seller: usSeller('CA', ['US-TX']), buyer: { country: 'US', region: 'TX' } }),
    lines: [{ rate: '5', jurisdiction: 'US-TX', taxAmount: '5.00' }],
    noteContains: '80% of the price is taxable',
  },
  {
    name: 'registered in CT: SaaS at the 1% computer services rate',
    request: usd({ seller: usSeller('CA', ['US-CT']), buyer: { country: 'US', region: 'CT' } }),
    lines: [{ rate: '1', treatment: 'reduced', taxAmount: '1.00' }],
  },
  {
    name: 'the tenant sets a combined state + local rate (NY City 8.875%)',
    request: usd({ seller: usSeller('NY'), buyer: { country: 'US', region: 'NY', postalCode: '10001' } }),
    context: { rateOverrides: [{ country: 'US', region: 'NY', rate: '8.875', validFrom: '2021-01-01' }] },
    lines: [{ rate: '8.875', rateSource: 'tenant', taxAmount: '8.88' }],
  },
  {
    name: "the tenant's taxability rule replaces the starting table",
    request: usd({ seller: usSeller('CA'), buyer: { country: 'US', region: 'CA' } }),
    context: { usTaxability: [{ state: 'CA', taxCode: 'saas', taxable: true, validFrom: '2021-01-01' }] },
    lines: [{ rate: '7.25', treatment: 'standard' }],
  },
  {
    name: 'a tenant taxable portion applies to the tenant rate',
    request: usd({ seller: usSeller('TX'), buyer: { country: 'US', region: 'TX' } }),
    context: {
      rateOverrides: [{ country: 'US', region: 'TX', rate: '8.25', validFrom: '2021-01-01' }],
      usTaxability: [
        { state: 'TX', taxCode: 'saas', taxable: true, taxablePortion: '0.8', validFrom: '2021-01-01' },
      ],
    },
    lines: [{ rate: '6.6', rateSource: 'tenant', taxAmount: '6.60' }],
  },
  {
    name: 'a tax code without a taxability rule: taxed in full, warned',
    request: usd({
      seller: usSeller('WA'),
      buyer: { country: 'US', region: 'WA' },
      line: { taxCode: 'ebook' },
    }),
    lines: [{ rate: '6.5', treatment: 'standard' }],
    warnings: ['NO_TAXABILITY_RULE'],
  },
  {
    name: "a tenant's not-taxable rule with its note",
    request: usd({ seller: usSeller('NY'), buyer: { country: 'US', region: 'NY' } }),
    context: {
      usTaxability: [
        {
          state: 'NY',
          taxCode: 'saas',
          taxable: false,
          validFrom: '2021-01-01',
          note: 'per ruling TSB-A-25',
        },
      ],
    },
    lines: [{ treatment: 'exempt' }],
    noteContains: 'not taxable in US-NY (per ruling TSB-A-25)',
  },
  {
    name: 'KY: SaaS taxable from 2023',
    request: usd({ seller: usSeller('KY'), buyer: { country: 'US', region: 'KY' }, date: '2023-01-01' }),
    lines: [{ rate: '6', treatment: 'standard' }],
  },
  {
    name: 'KY: SaaS not taxable in 2022',
    request: usd({ seller: usSeller('KY'), buyer: { country: 'US', region: 'KY' }, date: '2022-12-31' }),
    lines: [{ treatment: 'exempt' }],
  },
  {
    name: 'NM: 4.875% from 2024-07-01',
    request: usd({ seller: usSeller('NM'), buyer: { country: 'US', region: 'NM' }, date: '2024-07-01' }),
    lines: [{ rate: '4.875', taxAmount: '4.88' }],
  },
  {
    name: 'exempt buyer (resale certificate): 0 with the reference',
    request: usd({
      seller: usSeller('NY'),
      buyer: { country: 'US', region: 'NY', exempt: true, exemptionId: 'ST-120 #4471' },
    }),
    lines: [{ rate: '0', treatment: 'exempt', rateSource: 'none' }],
    noteContains: 'Exempt customer: exemption ST-120 #4471',
  },
  {
    name: 'a foreign seller registered in WA charges WA tax',
    request: usd({
      seller: { country: 'DE', registrations: ['US-WA'] },
      buyer: { country: 'US', region: 'WA' },
    }),
    lines: [{ rate: '6.5', jurisdiction: 'US-WA' }],
  },
  {
    name: 'a buyer tax id plays no part in US sales tax',
    request: usd({ seller: usSeller('NY'), buyer: { country: 'US', region: 'NY', taxId: '12-3456789' } }),
    lines: [{ rate: '4' }],
  },
  {
    name: 'a US seller without a home state is taxed only where registered',
    request: usd({
      seller: { country: 'US', registrations: ['US-NY'] },
      buyer: { country: 'US', region: 'NY' },
    }),
    lines: [{ rate: '4' }],
  },
]);
