import { backoffDelayMs } from './backoff';

const policy = { baseMs: 30_000, maxMs: 6 * 60 * 60 * 1000 };

describe('webhook backoff', () => {
  it('doubles from the base and stops at the cap (no jitter)', () => {
    const none = () => 0;
    expect([1, 2, 3, 4, 10, 11, 12, 40, 1000].map((n) => backoffDelayMs(n, policy, none))).toEqual([
      30_000, 60_000, 120_000, 240_000, 15_360_000, 21_600_000, 21_600_000, 21_600_000, 21_600_000,
    ]);
  });

  it('jitter only shortens, by at most 20%', () => {
    for (const r of [0, 0.25, 0.5, 0.999999]) {
      for (const n of [1, 5, 14]) {
        const full = backoffDelayMs(n, policy, () => 0);
        const d = backoffDelayMs(n, policy, () => r);
        expect(d).toBeLessThanOrEqual(full);
        expect(d).toBeGreaterThanOrEqual(Math.floor(full * 0.8));
      }
    }
    expect(backoffDelayMs(1, policy, () => 0.5)).toBe(27_000);
  });

  it('the default schedule (14 attempts) spans about a day', () => {
    let total = 0;
    for (let n = 1; n < 14; n++) total += backoffDelayMs(n, policy, () => 0);
    expect(total / 3_600_000).toBeCloseTo(26.5, 1);
  });
});
