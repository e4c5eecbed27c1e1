import { describeCases } from '../test/cases';

const TIERS = [
  { upTo: '1000', unitAmount: '0.10' },
  { upTo: '5000', unitAmount: '0.08', flatAmount: '5' },
  { upTo: '10000', unitAmount: '0.05' },
  { upTo: null, unitAmount: '0.01', flatAmount: '20' },
];
const grad = (tiers: unknown, extra: object = {}, currency = 'EUR') => ({
  currency,
  model: 'graduated',
  tiers,
  ...extra,
});
const specError = (issues: { path: string; rule: string }[]) => ({
  code: 'INVALID_PRICE_SPEC' as const,
  issues: issues as never,
});

describeCases('graduated', [
  {
    name: 'quantity 0 charges nothing, not even a flat amount',
    spec: grad(TIERS),
    quantity: '0',
    amount: '0.00',
    breakdown: [],
  },
  {
    name: 'inside the first tier',
    spec: grad(TIERS),
    quantity: '1',
    amount: '0.10',
    breakdown: [
      { kind: 'tier', tier: 0, from: '0', upTo: '1000', quantity: '1', unitAmount: '0.1', amount: '0.1' },
    ],
  },
  {
    name: 'a quantity on a bound belongs to the lower tier',
    spec: grad(TIERS),
    quantity: '1000',
    amount: '100.00',
    breakdown: [{ kind: 'tier', tier: 0, quantity: '1000', amount: '100' }],
  },
  {
    name: 'just past a bound: the next tier and its flat amount',
    spec: grad(TIERS),
    quantity: '1000.5',
    amount: '105.04',
    exactAmount: '105.04',
  },
  {
    name: 'each tier prices its own units',
    spec: grad(TIERS),
    quantity: '1500',
    amount: '145.00',
    breakdown: [
      {
        kind: 'tier',
        tier: 0,
        from: '0',
        upTo: '1000',
        quantity: '1000',
        unitAmount: '0.1',
        flatAmount: '0',
        amount: '100',
      },
      {
        kind: 'tier',
        tier: 1,
        from: '1000',
        upTo: '5000',
        quantity: '500',
        unitAmount: '0.08',
        flatAmount: '5',
        amount: '45',
      },
    ],
  },
  { name: 'up to the second bound', spec: grad(TIERS), quantity: '5000', amount: '425.00' },
  {
    name: 'into the unbounded last tier',
    spec: grad(TIERS),
    quantity: '12000',
    amount: '715.00',
    breakdown: [
      { tier: 0, amount: '100' },
      { tier: 1, amount: '325' },
      { tier: 2, amount: '250' },
      { tier: 3, from: '10000', upTo: null, quantity: '2000', amount: '40' },
    ],
  },
  {
    name: 'a tier with only a flat amount',
    spec: grad([
      { upTo: '10', flatAmount: '50' },
      { upTo: null, unitAmount: '1' },
    ]),
    quantity: '5',
    amount: '50.00',
  },
  {
    name: 'a flat tier then units',
    spec: grad([
      { upTo: '10', flatAmount: '50' },
      { upTo: null, unitAmount: '1' },
    ]),
    quantity: '12',
    amount: '52.00',
  },
  {
    name: 'free units come off before the tiers',
    spec: grad(TIERS, { freeQuantity: '500' }),
    quantity: '1500',
    amount: '100.00',
    breakdown: [{ kind: 'free', quantity: '500' }, { tier: 0 }],
  },
  {
    name: 'maximum',
    spec: grad(TIERS, { maximumAmount: '400' }),
    quantity: '5000',
    amount: '400.00',
    maximumApplied: true,
  },
  {
    name: 'JPY, half away from zero: 16.5 -> 17',
    spec: grad(
      [
        { upTo: '10', unitAmount: '1.5' },
        { upTo: null, unitAmount: '0.5' },
      ],
      {},
      'JPY',
    ),
    quantity: '13',
    amount: '17',
    exactAmount: '16.5',
  },
  {
    name: 'JPY, half even: 16.5 -> 16',
    spec: grad(
      [
        { upTo: '10', unitAmount: '1.5' },
        { upTo: null, unitAmount: '0.5' },
      ],
      { roundingMode: 'half_even' },
      'JPY',
    ),
    quantity: '13',
    amount: '16',
  },
  {
    name: 'JPY, half even: 15.5 -> 16',
    spec: grad(
      [
        { upTo: '10', unitAmount: '1.5' },
        { upTo: null, unitAmount: '0.5' },
      ],
      { roundingMode: 'half_even' },
      'JPY',
    ),
    quantity: '11',
    amount: '16',
  },
  {
    name: 'BHD, half away from zero',
    spec: grad([{ upTo: null, unitAmount: '0.0125' }], {}, 'BHD'),
    quantity: '1',
    amount: '0.013',
  },
  {
    name: 'BHD, half even',
    spec: grad([{ upTo: null, unitAmount: '0.0125' }], { roundingMode: 'half_even' }, 'BHD'),
    quantity: '1',
    amount: '0.012',
  },
  {
    name: 'sub-cent tiers are not rounded one by one',
    spec: grad([
      { upTo: '1', unitAmount: '0.004' },
      { upTo: '2', unitAmount: '0.004' },
      { upTo: null, unitAmount: '0.004' },
    ]),
    quantity: '3',
    amount: '0.01',
    exactAmount: '0.012',
  },
  {
    name: 'refuses tiers out of order',
    spec: grad([
      { upTo: '100', unitAmount: '1' },
      { upTo: '50', unitAmount: '1' },
      { upTo: null, unitAmount: '1' },
    ]),
    error: specError([{ path: 'tiers[1].upTo', rule: 'ascending' }]),
  },
  {
    name: 'refuses two tiers with the same bound',
    spec: grad([
      { upTo: '100', unitAmount: '1' },
      { upTo: '100', unitAmount: '1' },
      { upTo: null, unitAmount: '1' },
    ]),
    error: specError([{ path: 'tiers[1].upTo', rule: 'ascending' }]),
  },
  {
    name: 'a bad bound does not make the next tiers out of order',
    spec: grad([
      { upTo: '100', unitAmount: '1' },
      { upTo: 'x', unitAmount: '1' },
      { upTo: '150', unitAmount: '1' },
      { upTo: null, unitAmount: '1' },
    ]),
    error: specError([{ path: 'tiers[1].upTo', rule: 'decimal_string' }]),
  },
  {
    name: 'refuses a bounded last tier',
    spec: grad([{ upTo: '100', unitAmount: '1' }]),
    error: specError([{ path: 'tiers[0].upTo', rule: 'last_tier_unbounded' }]),
  },
  {
    name: 'refuses an unbounded tier before the last',
    spec: grad([
      { upTo: null, unitAmount: '1' },
      { upTo: null, unitAmount: '1' },
    ]),
    error: specError([{ path: 'tiers[0].upTo', rule: 'only_last_tier_unbounded' }]),
  },
  {
    name: 'requires upTo, null for the last tier',
    spec: grad([{ unitAmount: '1' }, { unitAmount: '1' }]),
    error: specError([
      { path: 'tiers[0].upTo', rule: 'required' },
      { path: 'tiers[1].upTo', rule: 'required' },
    ]),
  },
  {
    name: 'refuses a first bound of 0',
    spec: grad([
      { upTo: '0', unitAmount: '1' },
      { upTo: null, unitAmount: '1' },
    ]),
    error: specError([{ path: 'tiers[0].upTo', rule: 'positive' }]),
  },
  {
    name: 'refuses a negative tier price',
    spec: grad([{ upTo: null, unitAmount: '-1' }]),
    error: specError([{ path: 'tiers[0].unitAmount', rule: 'non_negative' }]),
  },
  {
    name: 'refuses a negative flat amount',
    spec: grad([{ upTo: null, flatAmount: '-1' }]),
    error: specError([{ path: 'tiers[0].flatAmount', rule: 'non_negative' }]),
  },
  {
    name: 'refuses 13 decimals in a tier price',
    spec: grad([
      { upTo: '1', unitAmount: '1' },
      { upTo: null, unitAmount: '0.1234567890123' },
    ]),
    error: specError([{ path: 'tiers[1].unitAmount', rule: 'max_decimal_places' }]),
  },
  {
    name: 'a tier needs a price',
    spec: grad([{ upTo: null }]),
    error: specError([{ path: 'tiers[0].unitAmount', rule: 'required' }]),
  },
  {
    name: 'refuses fields of percentage tiers',
    spec: grad([{ upTo: null, rate: '1' }]),
    error: specError([
      { path: 'tiers[0].rate', rule: 'unknown_field' },
      { path: 'tiers[0].unitAmount', rule: 'required' },
    ]),
  },
  {
    name: 'requires tiers',
    spec: { currency: 'EUR', model: 'graduated' },
    error: specError([{ path: 'tiers', rule: 'required' }]),
  },
  {
    name: 'refuses tiers that are not a list',
    spec: grad({ upTo: null }),
    error: specError([{ path: 'tiers', rule: 'type' }]),
  },
  {
    name: 'refuses an empty list of tiers',
    spec: grad([]),
    error: specError([{ path: 'tiers', rule: 'non_empty' }]),
  },
  {
    name: 'refuses a tier that is not an object',
    spec: grad(['1', { upTo: null, unitAmount: '1' }]),
    error: specError([{ path: 'tiers[0]', rule: 'type' }]),
  },
  {
    name: 'lists every issue at once',
    spec: {
      currency: 'EUX',
      model: 'graduated',
      tiers: [
        { upTo: '10', unitAmount: '1' },
        { upTo: '5', unitAmount: '1' },
      ],
      colour: 'blue',
    },
    error: specError([
      { path: 'currency', rule: 'iso4217' },
      { path: 'colour', rule: 'unknown_field' },
      { path: 'tiers[1].upTo', rule: 'last_tier_unbounded' },
      { path: 'tiers[1].upTo', rule: 'ascending' },
    ]),
  },
]);
