/** Errors of the webhooks lib: plain classes with stable codes; the edges map them. */
export class WebhookInputError extends Error {
  constructor(
    readonly code: 'WEBHOOK_INVALID_EVENT' | 'WEBHOOK_EVENT_ID_REUSED',
    message: string,
  ) {
    super(message);
    this.name = 'WebhookInputError';
  }
}
