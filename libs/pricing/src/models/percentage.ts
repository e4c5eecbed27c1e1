import type { BreakdownLine } from '../breakdown';
import { exact, HUNDRED, PRICE_LIMITS, ZERO, type Dec } from '../money';
import type { FieldReader } from '../spec-reader';

/**
 * `percentage`: a fee per event on its value, `rate` percent of the value plus `fixedFeePerEvent`,
 * each fee clamped to [`perEventMin`, `perEventMax`] when given; the charge is the sum of the fees.
 */
export interface PercentageModel {
  readonly name: 'percentage';
  /** `rate` / 100, applied to each value. */
  readonly multiplier: Dec;
  readonly fixedFee: Dec | null;
  readonly perEventMin: Dec | null;
  readonly perEventMax: Dec | null;
  readonly rateText: string;
}

export const PERCENTAGE_FIELDS = ['rate', 'fixedFeePerEvent', 'perEventMin', 'perEventMax'] as const;

export function parsePercentage(r: FieldReader): PercentageModel {
  const rate = r.decimal('rate', PRICE_LIMITS);
  const fixedFee = r.optionalDecimal('fixedFeePerEvent', PRICE_LIMITS);
  const perEventMin = r.optionalDecimal('perEventMin', PRICE_LIMITS);
  const perEventMax = r.optionalDecimal('perEventMax', PRICE_LIMITS);
  if (perEventMin !== null && perEventMax !== null && perEventMin.gt(perEventMax)) {
    r.issue('perEventMax', 'min_not_above_max', `must not be below perEventMin (${exact(perEventMin)})`);
  }
  return {
    name: 'percentage',
    multiplier: rate.div(HUNDRED),
    fixedFee,
    perEventMin,
    perEventMax,
    rateText: exact(rate),
  };
}

/**
 * The summed fees of `values`, the first `freeEvents` of which are free. The breakdown splits the sum
 * into the percentage of the summed values, the fixed fees and the total each clamp added or removed,
 * so it stays a handful of lines however many events there are.
 */
export function chargeEvents(
  m: PercentageModel,
  values: readonly Dec[],
  freeEvents: number,
  lines: BreakdownLine[] | null,
): Dec {
  let total = ZERO;
  let charged = ZERO;
  let raised = ZERO;
  let capped = ZERO;
  let raisedCount = 0;
  let cappedCount = 0;
  for (const value of values.slice(freeEvents)) {
    charged = charged.plus(value);
    let fee = value.times(m.multiplier);
    if (m.fixedFee !== null) fee = fee.plus(m.fixedFee);
    if (m.perEventMin !== null && fee.lt(m.perEventMin)) {
      raised = raised.plus(m.perEventMin.minus(fee));
      raisedCount++;
      fee = m.perEventMin;
    } else if (m.perEventMax !== null && fee.gt(m.perEventMax)) {
      capped = capped.plus(fee.minus(m.perEventMax));
      cappedCount++;
      fee = m.perEventMax;
    }
    total = total.plus(fee);
  }
  if (lines !== null) {
    const events = values.length - freeEvents;
    if (freeEvents > 0) {
      const free = values.slice(0, freeEvents).reduce((sum, v) => sum.plus(v), ZERO);
      lines.push({ kind: 'free_events', events: freeEvents, value: exact(free), amount: '0' });
    }
    if (events > 0) {
      lines.push({
        kind: 'percentage',
        events,
        value: exact(charged),
        rate: m.rateText,
        amount: exact(charged.times(m.multiplier)),
      });
      if (m.fixedFee !== null) {
        lines.push({
          kind: 'fixed_fee',
          events,
          fixedFeePerEvent: exact(m.fixedFee),
          amount: exact(m.fixedFee.times(events)),
        });
      }
    }
    if (raisedCount > 0)
      lines.push({
        kind: 'per_event_minimum',
        events: raisedCount,
        perEventMin: exact(m.perEventMin as Dec),
        amount: exact(raised),
      });
    if (cappedCount > 0)
      lines.push({
        kind: 'per_event_maximum',
        events: cappedCount,
        perEventMax: exact(m.perEventMax as Dec),
        amount: exact(capped.neg()),
      });
  }
  return total;
}
