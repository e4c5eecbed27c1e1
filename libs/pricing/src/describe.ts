import type { BreakdownLine, TierLine } from './breakdown';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function signed(amount: string): string {
  return amount.startsWith('-') ? amount : `+${amount}`;
}

function tier(line: TierLine): string {
  const range = line.upTo === null ? `(${line.from}, ∞)` : `(${line.from}, ${line.upTo}]`;
  const price =
    line.rate === undefined ? `${line.quantity} × ${line.unitAmount}` : `${line.rate}% of ${line.quantity}`;
  const flat = line.flatAmount === '0' ? '' : ` + ${line.flatAmount} flat`;
  return `tier ${line.tier} ${range}: ${price}${flat} = ${line.amount}`;
}

/** One breakdown line as a sentence a person can check with a calculator. */
export function describeLine(line: BreakdownLine): string {
  switch (line.kind) {
    case 'free':
      return `${line.quantity} free units: 0`;
    case 'free_events':
      return `${plural(line.events, 'free event')} (value ${line.value}): 0`;
    case 'flat':
      return `flat fee: ${line.amount}`;
    case 'unit':
      return `${line.quantity} × ${line.unitAmount} = ${line.amount}`;
    case 'package':
      return `${line.quantity} in packages of ${line.packageSize}, rounded ${line.rounding}: ${line.packages} × ${line.packageAmount} = ${line.amount}`;
    case 'tier':
      return tier(line);
    case 'percentage':
      return `${plural(line.events, 'event')}: ${line.rate}% of ${line.value} = ${line.amount}`;
    case 'fixed_fee':
      return `${plural(line.events, 'event')} × ${line.fixedFeePerEvent} fixed fee = ${line.amount}`;
    case 'per_event_minimum':
      return `${plural(line.events, 'fee')} raised to the ${line.perEventMin} minimum per event: ${signed(line.amount)}`;
    case 'per_event_maximum':
      return `${plural(line.events, 'fee')} capped at the ${line.perEventMax} maximum per event: ${signed(line.amount)}`;
    case 'minimum':
      return `minimum ${line.minimumAmount} on a subtotal of ${line.subtotal}: ${signed(line.amount)}`;
    case 'maximum':
      return `maximum ${line.maximumAmount} on a subtotal of ${line.subtotal}: ${signed(line.amount)}`;
  }
}
