import { alertThreshold, crosses } from './alerts';

describe('alert thresholds', () => {
  it.each([
    [{ threshold: '100', budget: null, percent: null }, '100'],
    [{ threshold: null, budget: '250.00', percent: '80' }, '200'],
    [{ threshold: null, budget: '0.03', percent: '33.3333' }, '0.00999999'],
    [{ threshold: null, budget: '100', percent: '150' }, '150'],
  ])('%j fires at %s, exactly', (alert, expected) => {
    expect(alertThreshold(alert).toFixed()).toBe(expected);
  });

  it('refuses a half-defined budget', () => {
    expect(() => alertThreshold({ threshold: null, budget: '10', percent: null })).toThrow(
      /budget and a percent/,
    );
  });

  it('fires on reaching the threshold, not only on passing it, in exact decimals', () => {
    expect(crosses('200', alertThreshold({ threshold: null, budget: '250', percent: '80' }))).toBe(true);
    expect(crosses('199.99', alertThreshold({ threshold: '200', budget: null, percent: null }))).toBe(false);
    // 0.1 + 0.2 in floats is 0.30000000000000004; decimals are exact.
    expect(
      crosses('0.3', alertThreshold({ threshold: '0.30000000000000001', budget: null, percent: null })),
    ).toBe(false);
  });
});
