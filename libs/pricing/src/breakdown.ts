/**
 * One line of a rating's breakdown. Every amount is exact (unrounded) and the lines of a rating add
 * up to its `exactAmount`, so an auditor can recompute the charge line by line; only the final
 * `amount` is rounded.
 */
export type BreakdownLine =
  | FreeLine
  | FreeEventsLine
  | FlatLine
  | UnitLine
  | PackageLine
  | TierLine
  | PercentageLine
  | FixedFeeLine
  | PerEventMinimumLine
  | PerEventMaximumLine
  | MinimumLine
  | MaximumLine;

/** Units deducted by `freeQuantity` before the model applied. */
export interface FreeLine {
  readonly kind: 'free';
  readonly quantity: string;
  readonly amount: string;
}

/** `percentage`: the first `freeQuantity` events of the period, charged nothing. */
export interface FreeEventsLine {
  readonly kind: 'free_events';
  readonly events: number;
  readonly value: string;
  readonly amount: string;
}

export interface FlatLine {
  readonly kind: 'flat';
  readonly amount: string;
}

export interface UnitLine {
  readonly kind: 'unit';
  readonly quantity: string;
  readonly unitAmount: string;
  readonly amount: string;
}

export interface PackageLine {
  readonly kind: 'package';
  readonly quantity: string;
  readonly packageSize: string;
  readonly rounding: 'up' | 'down';
  readonly packages: string;
  readonly packageAmount: string;
  readonly amount: string;
}

/**
 * A tier of `graduated`, `volume` or `graduated_percentage`: `quantity` units (or, for
 * graduated_percentage, that much of the amount) in the range (`from`, `upTo`], priced at
 * `unitAmount` (or `rate` percent), plus `flatAmount`.
 */
export interface TierLine {
  readonly kind: 'tier';
  /** Index into the spec's `tiers`, so `tier: 2` is `tiers[2]`. */
  readonly tier: number;
  readonly from: string;
  readonly upTo: string | null;
  readonly quantity: string;
  readonly unitAmount?: string;
  readonly rate?: string;
  readonly flatAmount: string;
  readonly amount: string;
}

/** `percentage`: `rate` percent of the summed `value` of the charged events. */
export interface PercentageLine {
  readonly kind: 'percentage';
  readonly events: number;
  readonly value: string;
  readonly rate: string;
  readonly amount: string;
}

export interface FixedFeeLine {
  readonly kind: 'fixed_fee';
  readonly events: number;
  readonly fixedFeePerEvent: string;
  readonly amount: string;
}

/** `percentage`: what raising `events` fees to `perEventMin` added in total. */
export interface PerEventMinimumLine {
  readonly kind: 'per_event_minimum';
  readonly events: number;
  readonly perEventMin: string;
  readonly amount: string;
}

/** `percentage`: what capping `events` fees at `perEventMax` removed in total (negative). */
export interface PerEventMaximumLine {
  readonly kind: 'per_event_maximum';
  readonly events: number;
  readonly perEventMax: string;
  readonly amount: string;
}

/** The spec's `minimumAmount` raised `subtotal` by `amount`. */
export interface MinimumLine {
  readonly kind: 'minimum';
  readonly subtotal: string;
  readonly minimumAmount: string;
  readonly amount: string;
}

/** The spec's `maximumAmount` capped `subtotal`; `amount` is the (negative) reduction. */
export interface MaximumLine {
  readonly kind: 'maximum';
  readonly subtotal: string;
  readonly maximumAmount: string;
  readonly amount: string;
}
