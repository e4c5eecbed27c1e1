import { describeCases } from '../test/cases';

const eur = (amount: string, extra: object = {}) => ({ currency: 'EUR', model: 'flat', amount, ...extra });

describeCases('flat', [
  {
    name: 'charges the amount at quantity 0',
    spec: eur('10'),
    quantity: '0',
    amount: '10.00',
    exactAmount: '10',
    breakdown: [{ kind: 'flat', amount: '10' }],
  },
  {
    name: 'charges the same amount whatever the quantity',
    spec: eur('10.50'),
    quantity: '5000',
    amount: '10.50',
  },
  { name: 'needs no quantity', spec: eur('3'), amount: '3.00' },
  {
    name: 'JPY has no minor unit',
    spec: { currency: 'JPY', model: 'flat', amount: '150' },
    quantity: '1',
    amount: '150',
  },
  {
    name: 'BHD, half away from zero: 1.2345 -> 1.235',
    spec: { currency: 'BHD', model: 'flat', amount: '1.2345' },
    amount: '1.235',
  },
  {
    name: 'BHD, half even: 1.2345 -> 1.234',
    spec: { currency: 'BHD', model: 'flat', amount: '1.2345', roundingMode: 'half_even' },
    amount: '1.234',
  },
  {
    name: 'refuses free units, a minimum and a maximum',
    spec: eur('10', { freeQuantity: '1', minimumAmount: '1', maximumAmount: '20' }),
    error: {
      code: 'INVALID_PRICE_SPEC',
      issues: [
        { path: 'freeQuantity', rule: 'unknown_field' },
        { path: 'minimumAmount', rule: 'unknown_field' },
        { path: 'maximumAmount', rule: 'unknown_field' },
      ],
    },
  },
  {
    name: 'requires amount',
    spec: { currency: 'EUR', model: 'flat' },
    error: { code: 'INVALID_PRICE_SPEC', issues: [{ path: 'amount', rule: 'required' }] },
  },
  {
    name: 'refuses a negative amount',
    spec: eur('-1'),
    error: { code: 'INVALID_PRICE_SPEC', issues: [{ path: 'amount', rule: 'non_negative' }] },
  },
  {
    name: 'refuses a JSON number',
    spec: { currency: 'EUR', model: 'flat', amount: 10 },
    error: { code: 'INVALID_PRICE_SPEC', issues: [{ path: 'amount', rule: 'decimal_string' }] },
  },
]);
