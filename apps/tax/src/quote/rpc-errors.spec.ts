import { ContractViolationError } from '@mu/contracts';
import { UnknownCurrencyError } from '@mu/pricing';
import { FxRateNotFoundError, TaxRequestError } from '@mu/tax-engine';
import { DeadlineExceededError, toRpcError, withDeadline } from './rpc-errors';

describe('toRpcError', () => {
  it('keeps the stable code and the field issues of known failures', () => {
    expect(
      toRpcError(new TaxRequestError([{ path: 'lines[2].amount', rule: 'decimal_string', message: 'bad' }])),
    ).toEqual({
      error: {
        code: 'INVALID_TAX_REQUEST',
        message: 'invalid tax quote request: 1 issue\n  lines[2].amount: bad [decimal_string]',
        issues: [{ path: 'lines[2].amount', rule: 'decimal_string', message: 'bad' }],
      },
      internal: false,
    });
    expect(
      toRpcError(new FxRateNotFoundError({ path: 'date', rule: 'coverage', message: 'none' })).error.code,
    ).toBe('FX_RATE_NOT_FOUND');
    expect(
      toRpcError(new UnknownCurrencyError({ path: 'currency', rule: 'iso4217', message: 'x' })).error.code,
    ).toBe('UNKNOWN_CURRENCY');
    expect(
      toRpcError(new ContractViolationError('tax.quote.request.v1', [{ path: 'tenantId', message: 'bad' }])),
    ).toEqual({
      error: {
        code: 'CONTRACT_VIOLATION',
        message: 'tax.quote.request.v1: tenantId: bad',
        issues: [{ path: 'tenantId', message: 'bad' }],
      },
      internal: false,
    });
    expect(toRpcError(new DeadlineExceededError(250)).error).toEqual({
      code: 'TIMEOUT',
      message: expect.stringContaining('250 ms') as unknown,
      issues: [],
    });
  });

  it('hides the details of anything else behind INTERNAL', () => {
    expect(toRpcError(new Error('password=hunter2 in a stack'))).toEqual({
      error: { code: 'INTERNAL', message: 'internal error in the tax service; it was logged', issues: [] },
      internal: true,
    });
  });

  it('caps the issues of one reply at 1000', () => {
    const issues = Array.from({ length: 1_500 }, (_, i) => ({
      path: `lines[${i}].amount`,
      rule: 'decimal_string' as const,
      message: 'bad',
    }));
    expect(toRpcError(new TaxRequestError(issues)).error.issues).toHaveLength(1_000);
  });
});

describe('withDeadline', () => {
  it('passes a result through, and rejects with TIMEOUT when the work takes too long', async () => {
    await expect(withDeadline(Promise.resolve(7), 50)).resolves.toBe(7);
    await expect(withDeadline(new Promise((r) => setTimeout(r, 200)), 20)).rejects.toBeInstanceOf(
      DeadlineExceededError,
    );
  });
});
