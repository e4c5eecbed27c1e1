import { InvoiceStateError, InvoicingInputError, InvoicingNotFoundError } from '@mu/billing';
import { RpcError } from '@mu/platform';
import { toApiError } from './invoicing-errors';

describe('invoicing errors at the API edge', () => {
  it.each([
    [new InvoicingNotFoundError('invoice', 'inv_1'), 404, 'NOT_FOUND'],
    [new InvoiceStateError('inv_1', 'paid', 'void', ['finalized', 'uncollectible']), 409, 'INVOICE_STATE'],
    [new InvoicingInputError([{ path: 'lines.0.amount', message: 'too much' }]), 400, 'VALIDATION_FAILED'],
    [new RpcError('RPC_NO_RESPONDERS', 'no service', [], false), 503, 'TAX_SERVICE_UNAVAILABLE'],
    [new RpcError('INVALID_TAX_REQUEST', 'bad', [], true), 409, 'TAX_QUOTE_REFUSED'],
    // The invoice trigger's refusal, reached only by a race past the library's own check.
    [
      Object.assign(new Error('invoice inv_1 is paid and cannot be changed'), { code: '23514' }),
      409,
      'INVOICE_STATE',
    ],
  ])('%s is %i %s', (err, status, code) => {
    expect(toApiError(err)).toMatchObject({ status, code });
  });

  it('names the current status and keeps field paths', () => {
    expect(
      (toApiError(new InvoiceStateError('inv_1', 'paid', 'void', ['finalized', 'uncollectible'])) as Error)
        .message,
    ).toBe('invoice inv_1 is paid: void is only for finalized or uncollectible invoices');
    expect(
      toApiError(new InvoicingInputError([{ path: 'lines.0.amount', message: 'too much' }])),
    ).toMatchObject({
      details: [{ path: 'lines.0.amount', message: 'too much' }],
    });
    const other = new Error('boom');
    expect(toApiError(other)).toBe(other);
  });
});
