import type { BreakdownLine } from '../breakdown';
import { exact, ONE, PRICE_LIMITS, QUANTITY_LIMITS, ZERO, type Dec } from '../money';
import type { FieldReader } from '../spec-reader';

export type PackageRounding = 'up' | 'down';

/** `package`: `packageAmount` per started (`up`) or completed (`down`) package of `packageSize` units. */
export interface PackageModel {
  readonly name: 'package';
  readonly packageSize: Dec;
  readonly packageAmount: Dec;
  readonly rounding: PackageRounding;
  readonly packageSizeText: string;
  readonly packageAmountText: string;
}

export const PACKAGE_FIELDS = ['packageSize', 'packageAmount', 'packageRounding'] as const;

export function parsePackage(r: FieldReader): PackageModel {
  const packageSize = r.positiveDecimal('packageSize', QUANTITY_LIMITS);
  const packageAmount = r.decimal('packageAmount', PRICE_LIMITS);
  const rounding = r.oneOf<PackageRounding>('packageRounding', ['up', 'down'], 'up');
  return {
    name: 'package',
    packageSize,
    packageAmount,
    rounding,
    packageSizeText: exact(packageSize),
    packageAmountText: exact(packageAmount),
  };
}

export function chargePackage(m: PackageModel, quantity: Dec, lines: BreakdownLine[] | null): Dec {
  // divToInt truncates exactly; a plain division could round a long non-terminating quotient.
  let packages = quantity.divToInt(m.packageSize);
  if (m.rounding === 'up' && !packages.times(m.packageSize).eq(quantity)) packages = packages.plus(ONE);
  if (packages.isZero()) return ZERO;
  const amount = packages.times(m.packageAmount);
  lines?.push({
    kind: 'package',
    quantity: exact(quantity),
    packageSize: m.packageSizeText,
    rounding: m.rounding,
    packages: exact(packages),
    packageAmount: m.packageAmountText,
    amount: exact(amount),
  });
  return amount;
}
