/**
 * Exact decimals as BigInt in units of 10^-12 (the scale of `meter_values.value`). ClickHouse
 * sends decimals as text; they are parsed here, added and divided exactly, and rounded once,
 * half to even, so no quantity ever passes through a JS float.
 */
export const SCALE = 12;
const ONE = 10n ** BigInt(SCALE);

/** Decimal text (`-12.5`, `3`, `0.000000000001`) to units of 10^-12; more than 12 places is refused. */
export function parseFixed(text: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`not a decimal: ${text}`);
  const frac = m[3] ?? '';
  if (frac.length > SCALE) throw new Error(`more than ${SCALE} decimal places: ${text}`);
  const units = BigInt(m[2]!) * ONE + BigInt(frac.padEnd(SCALE, '0'));
  return m[1] ? -units : units;
}

/** Units of 10^-12 to the shortest exact decimal text: `12.5`, `0`, `-0.25`. */
export function formatFixed(units: bigint): string {
  const neg = units < 0n;
  const abs = neg ? -units : units;
  const int = abs / ONE;
  const frac = (abs % ONE).toString().padStart(SCALE, '0').replace(/0+$/, '');
  const text = frac ? `${int}.${frac}` : `${int}`;
  return neg && abs !== 0n ? `-${text}` : text;
}

/** `n / d` rounded half to even (d > 0): the one rounding step of avg and time_weighted_sum. */
export function divHalfEven(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new Error('divisor must be positive');
  const q = n / d; // truncates toward zero
  const r = n - q * d;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  const away = n < 0n ? q - 1n : q + 1n;
  if (twice > d) return away;
  if (twice < d) return q;
  return q % 2n === 0n ? q : away;
}

/** Any ClickHouse decimal text to canonical form (trailing zeros dropped). */
export function canonicalDecimal(text: string): string {
  return formatFixed(parseFixed(text));
}
