import { describeCases } from '../test/cases';

const TIERS = [
  { upTo: '1000', unitAmount: '0.10' },
  { upTo: '5000', unitAmount: '0.08', flatAmount: '5' },
  { upTo: null, unitAmount: '0.05', flatAmount: '10' },
];
const vol = (tiers: unknown, extra: object = {}, currency = 'EUR') => ({
  currency,
  model: 'volume',
  tiers,
  ...extra,
});

describeCases('volume', [
  {
    name: 'quantity 0 charges nothing, not even a flat amount',
    spec: vol(TIERS),
    quantity: '0',
    amount: '0.00',
    breakdown: [],
  },
  {
    name: 'the whole quantity at the tier containing it',
    spec: vol(TIERS),
    quantity: '500',
    amount: '50.00',
    breakdown: [
      {
        kind: 'tier',
        tier: 0,
        from: '0',
        upTo: '1000',
        quantity: '500',
        unitAmount: '0.1',
        flatAmount: '0',
        amount: '50',
      },
    ],
  },
  {
    name: 'a quantity on a bound belongs to the lower tier',
    spec: vol(TIERS),
    quantity: '1000',
    amount: '100.00',
    breakdown: [{ tier: 0, quantity: '1000' }],
  },
  {
    name: 'past a bound, every unit moves to the next tier, plus its flat amount',
    spec: vol(TIERS),
    quantity: '1001',
    amount: '85.08',
    breakdown: [
      {
        kind: 'tier',
        tier: 1,
        from: '1000',
        upTo: '5000',
        quantity: '1001',
        unitAmount: '0.08',
        flatAmount: '5',
        amount: '85.08',
      },
    ],
  },
  { name: 'on the second bound', spec: vol(TIERS), quantity: '5000', amount: '405.00' },
  {
    name: 'in the unbounded last tier',
    spec: vol(TIERS),
    quantity: '6000',
    amount: '310.00',
    breakdown: [{ tier: 2, upTo: null }],
  },
  {
    name: 'free units come off before the tier is chosen',
    spec: vol(TIERS, { freeQuantity: '1' }),
    quantity: '1001',
    amount: '100.00',
  },
  {
    name: 'minimum',
    spec: vol(TIERS, { minimumAmount: '25' }),
    quantity: '10',
    amount: '25.00',
    minimumApplied: true,
  },
  {
    name: 'JPY, half away from zero: 2.5 -> 3',
    spec: vol([{ upTo: null, unitAmount: '2.5' }], {}, 'JPY'),
    quantity: '1',
    amount: '3',
  },
  {
    name: 'JPY, half even: 2.5 -> 2',
    spec: vol([{ upTo: null, unitAmount: '2.5' }], { roundingMode: 'half_even' }, 'JPY'),
    quantity: '1',
    amount: '2',
  },
  {
    name: 'BHD, half away from zero: 0.0125 -> 0.013',
    spec: vol(
      [
        { upTo: '1', unitAmount: '0.0125' },
        { upTo: null, unitAmount: '1' },
      ],
      {},
      'BHD',
    ),
    quantity: '1',
    amount: '0.013',
  },
  {
    name: 'BHD, exact to the last digit',
    spec: vol(
      [
        { upTo: '1', unitAmount: '1' },
        { upTo: null, unitAmount: '0.5001' },
      ],
      {},
      'BHD',
    ),
    quantity: '2.0005',
    amount: '1.000',
    exactAmount: '1.00045005',
  },
  {
    name: 'BHD, half even: 0.0125 -> 0.012',
    spec: vol(
      [
        { upTo: '1', unitAmount: '0.0125' },
        { upTo: null, unitAmount: '1' },
      ],
      { roundingMode: 'half_even' },
      'BHD',
    ),
    quantity: '1',
    amount: '0.012',
  },
  {
    name: 'refuses tiers out of order',
    spec: vol([
      { upTo: '10', unitAmount: '1' },
      { upTo: '5', unitAmount: '1' },
      { upTo: null, unitAmount: '1' },
    ]),
    error: { code: 'INVALID_PRICE_SPEC', issues: [{ path: 'tiers[1].upTo', rule: 'ascending' }] },
  },
  {
    name: 'refuses a bounded last tier',
    spec: vol([{ upTo: '10', unitAmount: '1' }]),
    error: { code: 'INVALID_PRICE_SPEC', issues: [{ path: 'tiers[0].upTo', rule: 'last_tier_unbounded' }] },
  },
]);
