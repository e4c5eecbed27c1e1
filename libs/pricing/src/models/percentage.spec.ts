import { describeCases } from '../test/cases';

const pct = (currency: string, fields: object) => ({ currency, model: 'percentage', ...fields });
const CARD = pct('EUR', { rate: '2.9', fixedFeePerEvent: '0.30' });

describeCases('percentage', [
  {
    name: 'rate percent of the value plus the fixed fee',
    spec: CARD,
    values: ['100'],
    amount: '3.20',
    exactAmount: '3.2',
  },
  {
    name: 'the sum of the fees of every event',
    spec: CARD,
    values: ['10.00', '20.00'],
    amount: '1.47',
    breakdown: [
      { kind: 'percentage', events: 2, value: '30', rate: '2.9', amount: '0.87' },
      { kind: 'fixed_fee', events: 2, fixedFeePerEvent: '0.3', amount: '0.6' },
    ],
  },
  { name: 'no events charge nothing', spec: CARD, values: [], amount: '0.00', breakdown: [] },
  {
    name: 'without a fixed fee',
    spec: pct('EUR', { rate: '10' }),
    values: ['5', '15'],
    amount: '2.00',
    breakdown: [{ kind: 'percentage', amount: '2' }],
  },
  {
    name: 'a fee below the per-event minimum is raised to it',
    spec: pct('EUR', { rate: '2.9', fixedFeePerEvent: '0.30', perEventMin: '0.50' }),
    values: ['1', '100'],
    amount: '3.70',
    exactAmount: '3.7',
    breakdown: [
      { kind: 'percentage', events: 2, value: '101', amount: '2.929' },
      { kind: 'fixed_fee', events: 2, amount: '0.6' },
      { kind: 'per_event_minimum', events: 1, perEventMin: '0.5', amount: '0.171' },
    ],
  },
  {
    name: 'a fee above the per-event maximum is capped',
    spec: pct('EUR', { rate: '2.9', fixedFeePerEvent: '0.30', perEventMax: '10' }),
    values: ['1000', '100'],
    amount: '13.20',
    breakdown: [
      { kind: 'percentage' },
      { kind: 'fixed_fee' },
      { kind: 'per_event_maximum', events: 1, perEventMax: '10', amount: '-19.3' },
    ],
  },
  {
    name: 'the first freeQuantity events are free',
    spec: pct('EUR', { rate: '2.9', fixedFeePerEvent: '0.30', freeQuantity: '1' }),
    values: ['100', '200'],
    amount: '6.10',
    breakdown: [
      { kind: 'free_events', events: 1, value: '100', amount: '0' },
      { kind: 'percentage', events: 1, value: '200' },
      { kind: 'fixed_fee', events: 1 },
    ],
  },
  {
    name: 'more free events than events',
    spec: pct('EUR', { rate: '2.9', freeQuantity: '5' }),
    values: ['100', '200'],
    amount: '0.00',
    breakdown: [{ kind: 'free_events', events: 2, value: '300', amount: '0' }],
  },
  {
    name: 'the minimum amount applies to the sum',
    spec: pct('EUR', { rate: '2.9', fixedFeePerEvent: '0.30', minimumAmount: '5' }),
    values: ['10'],
    amount: '5.00',
    minimumApplied: true,
  },
  {
    name: 'EUR, half away from zero: 0.005 -> 0.01',
    spec: pct('EUR', { rate: '1' }),
    values: ['0.5'],
    amount: '0.01',
    exactAmount: '0.005',
  },
  {
    name: 'EUR, half even: 0.005 -> 0.00',
    spec: pct('EUR', { rate: '1', roundingMode: 'half_even' }),
    values: ['0.5'],
    amount: '0.00',
  },
  { name: 'JPY', spec: pct('JPY', { rate: '3.6' }), values: ['1000'], amount: '36' },
  {
    name: 'JPY, half away from zero: 4.5 -> 5',
    spec: pct('JPY', { rate: '3.6' }),
    values: ['125'],
    amount: '5',
  },
  {
    name: 'JPY, half even: 4.5 -> 4',
    spec: pct('JPY', { rate: '3.6', roundingMode: 'half_even' }),
    values: ['125'],
    amount: '4',
  },
  {
    name: 'BHD',
    spec: pct('BHD', { rate: '0.25' }),
    values: ['1.5'],
    amount: '0.004',
    exactAmount: '0.00375',
  },
  {
    name: 'BHD, half even',
    spec: pct('BHD', { rate: '0.25', roundingMode: 'half_even' }),
    values: ['5'],
    amount: '0.012',
    exactAmount: '0.0125',
  },
  {
    name: 'free events count whole events',
    spec: pct('EUR', { rate: '1', freeQuantity: '1.5' }),
    error: { code: 'INVALID_PRICE_SPEC', issues: [{ path: 'freeQuantity', rule: 'integer' }] },
  },
  {
    name: 'refuses a per-event minimum above the maximum',
    spec: pct('EUR', { rate: '1', perEventMin: '2', perEventMax: '1' }),
    error: { code: 'INVALID_PRICE_SPEC', issues: [{ path: 'perEventMax', rule: 'min_not_above_max' }] },
  },
  {
    name: 'requires rate and refuses unit prices',
    spec: pct('EUR', { unitAmount: '1' }),
    error: {
      code: 'INVALID_PRICE_SPEC',
      issues: [
        { path: 'unitAmount', rule: 'unknown_field' },
        { path: 'rate', rule: 'required' },
      ],
    },
  },
  {
    name: 'refuses a quantity',
    spec: CARD,
    quantity: '3',
    error: { code: 'INVALID_RATING_INPUT', issues: [{ path: 'values', rule: 'required' }] },
  },
  {
    name: 'refuses a negative value',
    spec: CARD,
    values: ['1', '-1'],
    error: { code: 'INVALID_RATING_INPUT', issues: [{ path: 'values[1]', rule: 'non_negative' }] },
  },
  {
    name: 'refuses values that are not a list',
    spec: CARD,
    values: '1' as unknown as string[],
    error: { code: 'INVALID_RATING_INPUT', issues: [{ path: 'values', rule: 'type' }] },
  },
]);
