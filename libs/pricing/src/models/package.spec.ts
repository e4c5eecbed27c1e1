import { describeCases } from '../test/cases';

const pkg = (currency: string, packageSize: string, packageAmount: string, extra: object = {}) => ({
  currency,
  model: 'package',
  packageSize,
  packageAmount,
  ...extra,
});

describeCases('package', [
  {
    name: 'whole packages',
    spec: pkg('EUR', '100', '5'),
    quantity: '1500',
    amount: '75.00',
    breakdown: [
      {
        kind: 'package',
        quantity: '1500',
        packageSize: '100',
        rounding: 'up',
        packages: '15',
        packageAmount: '5',
        amount: '75',
      },
    ],
  },
  {
    name: 'a started package counts when rounding up (the default)',
    spec: pkg('EUR', '100', '5'),
    quantity: '1501',
    amount: '80.00',
  },
  {
    name: 'a started package does not count when rounding down',
    spec: pkg('EUR', '100', '5', { packageRounding: 'down' }),
    quantity: '1501',
    amount: '75.00',
  },
  {
    name: 'up: less than one package is one package',
    spec: pkg('EUR', '100', '5'),
    quantity: '50',
    amount: '5.00',
  },
  {
    name: 'down: less than one package is nothing, with no line',
    spec: pkg('EUR', '100', '5', { packageRounding: 'down' }),
    quantity: '50',
    amount: '0.00',
    breakdown: [],
  },
  {
    name: 'quantity 0 charges nothing',
    spec: pkg('EUR', '100', '5'),
    quantity: '0',
    amount: '0.00',
    breakdown: [],
  },
  {
    name: 'decimal package size',
    spec: pkg('EUR', '0.5', '2'),
    quantity: '1.2',
    amount: '6.00',
    breakdown: [{ packages: '3' }],
  },
  {
    name: 'a size that does not divide evenly, down',
    spec: pkg('EUR', '3', '1', { packageRounding: 'down' }),
    quantity: '10',
    amount: '3.00',
  },
  {
    name: 'a size that does not divide evenly, up',
    spec: pkg('EUR', '3', '1'),
    quantity: '10',
    amount: '4.00',
  },
  { name: 'JPY', spec: pkg('JPY', '1000', '120'), quantity: '2500', amount: '360' },
  {
    name: 'JPY, half even on the final charge',
    spec: pkg('JPY', '10', '2.5', { roundingMode: 'half_even' }),
    quantity: '10',
    amount: '2',
  },
  { name: 'BHD, half away from zero', spec: pkg('BHD', '10', '0.0125'), quantity: '10', amount: '0.013' },
  {
    name: 'BHD, half even',
    spec: pkg('BHD', '10', '0.0125', { roundingMode: 'half_even' }),
    quantity: '10',
    amount: '0.012',
  },
  {
    name: 'free units come off before packaging',
    spec: pkg('EUR', '100', '5', { freeQuantity: '100' }),
    quantity: '250',
    amount: '10.00',
    breakdown: [
      { kind: 'free', quantity: '100' },
      { kind: 'package', quantity: '150', packages: '2' },
    ],
  },
  {
    name: 'refuses a package size of 0',
    spec: pkg('EUR', '0', '5'),
    error: { code: 'INVALID_PRICE_SPEC', issues: [{ path: 'packageSize', rule: 'positive' }] },
  },
  {
    name: 'refuses an unknown rounding',
    spec: pkg('EUR', '10', '5', { packageRounding: 'nearest' }),
    error: { code: 'INVALID_PRICE_SPEC', issues: [{ path: 'packageRounding', rule: 'one_of' }] },
  },
  {
    name: 'requires size and amount',
    spec: { currency: 'EUR', model: 'package' },
    error: {
      code: 'INVALID_PRICE_SPEC',
      issues: [
        { path: 'packageSize', rule: 'required' },
        { path: 'packageAmount', rule: 'required' },
      ],
    },
  },
  {
    name: 'an invalid size is reported once',
    spec: pkg('EUR', 'ten', '5'),
    error: { code: 'INVALID_PRICE_SPEC', issues: [{ path: 'packageSize', rule: 'decimal_string' }] },
  },
]);
