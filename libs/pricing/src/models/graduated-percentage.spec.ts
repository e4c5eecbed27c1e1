import { describeCases } from '../test/cases';

const TIERS = [
  { upTo: '1000', rate: '3' },
  { upTo: '10000', rate: '2', flatAmount: '10' },
  { upTo: null, rate: '1' },
];
const gp = (tiers: unknown, extra: object = {}, currency = 'EUR') => ({
  currency,
  model: 'graduated_percentage',
  tiers,
  ...extra,
});

describeCases('graduated_percentage', [
  { name: 'amount 0 charges nothing', spec: gp(TIERS), quantity: '0', amount: '0.00', breakdown: [] },
  {
    name: 'inside the first tier',
    spec: gp(TIERS),
    quantity: '500',
    amount: '15.00',
    breakdown: [{ kind: 'tier', tier: 0, quantity: '500', rate: '3', amount: '15' }],
  },
  {
    name: 'an amount on a bound belongs to the lower tier',
    spec: gp(TIERS),
    quantity: '1000',
    amount: '30.00',
    breakdown: [{ tier: 0 }],
  },
  {
    name: 'each tier takes its rate of its part, plus its flat amount',
    spec: gp(TIERS),
    quantity: '5000',
    amount: '120.00',
    breakdown: [
      {
        kind: 'tier',
        tier: 0,
        from: '0',
        upTo: '1000',
        quantity: '1000',
        rate: '3',
        flatAmount: '0',
        amount: '30',
      },
      {
        kind: 'tier',
        tier: 1,
        from: '1000',
        upTo: '10000',
        quantity: '4000',
        rate: '2',
        flatAmount: '10',
        amount: '90',
      },
    ],
  },
  { name: 'into the last tier', spec: gp(TIERS), quantity: '20000', amount: '320.00' },
  { name: 'cents of the amount', spec: gp(TIERS), quantity: '0.5', amount: '0.02', exactAmount: '0.015' },
  { name: 'half even', spec: gp(TIERS, { roundingMode: 'half_even' }), quantity: '0.5', amount: '0.02' },
  {
    name: 'half even rounds 0.075 up',
    spec: gp(TIERS, { roundingMode: 'half_even' }),
    quantity: '2.5',
    amount: '0.08',
    exactAmount: '0.075',
  },
  {
    name: 'half even rounds 0.025 down',
    spec: gp([{ upTo: null, rate: '1' }], { roundingMode: 'half_even' }),
    quantity: '2.5',
    amount: '0.02',
    exactAmount: '0.025',
  },
  {
    name: 'JPY, half away from zero: 4.5 -> 5',
    spec: gp([{ upTo: null, rate: '1.5' }], {}, 'JPY'),
    quantity: '300',
    amount: '5',
  },
  {
    name: 'JPY, half even: 4.5 -> 4',
    spec: gp([{ upTo: null, rate: '1.5' }], { roundingMode: 'half_even' }, 'JPY'),
    quantity: '300',
    amount: '4',
  },
  {
    name: 'BHD',
    spec: gp([{ upTo: null, rate: '0.5' }], {}, 'BHD'),
    quantity: '0.9',
    amount: '0.005',
    exactAmount: '0.0045',
  },
  {
    name: 'BHD, half even',
    spec: gp([{ upTo: null, rate: '0.5' }], { roundingMode: 'half_even' }, 'BHD'),
    quantity: '0.9',
    amount: '0.004',
  },
  { name: 'free amount', spec: gp(TIERS, { freeQuantity: '1000' }), quantity: '2000', amount: '30.00' },
  {
    name: 'refuses unit prices in tiers',
    spec: gp([{ upTo: null, unitAmount: '1' }]),
    error: {
      code: 'INVALID_PRICE_SPEC',
      issues: [
        { path: 'tiers[0].unitAmount', rule: 'unknown_field' },
        { path: 'tiers[0].rate', rule: 'required' },
      ],
    },
  },
  {
    name: 'refuses a negative rate',
    spec: gp([{ upTo: null, rate: '-1' }]),
    error: { code: 'INVALID_PRICE_SPEC', issues: [{ path: 'tiers[0].rate', rule: 'non_negative' }] },
  },
]);
