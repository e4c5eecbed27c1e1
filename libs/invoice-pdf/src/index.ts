// The public API of @mu/invoice-pdf: see docs/invoicing.md (PDF).
export type * from './document';
export { InvoicePdfError } from './format';
export { renderInvoicePdf } from './render';
