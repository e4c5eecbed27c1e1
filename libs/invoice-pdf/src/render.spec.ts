import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UnknownCurrencyError } from '@mu/pricing';
import { InvoicePdfError, renderInvoicePdf, type InvoicePdfDocument } from './index';
import { encodePng } from '../test/png';
import { colourCount, inkShare, PdfReader, type ReadPdf } from '../test/pdf-reader';
import {
  creditNote,
  draftInvoice,
  euReverseChargeInvoice,
  longInvoice,
  REVERSE_CHARGE_NOTE,
} from '../test/samples';

// Every sample is left here for a person to open: tmp/ is git-ignored.
const SAMPLES = path.resolve(__dirname, '../../../tmp/invoice-pdf-samples');

let reader: PdfReader;
const opened: ReadPdf[] = [];

beforeAll(async () => {
  mkdirSync(SAMPLES, { recursive: true });
  reader = await PdfReader.open();
});

afterAll(() => {
  for (const pdf of opened) pdf.close();
  reader?.close();
});

/** Render, keep the PDF and a PNG of each page in tmp/, and read it back with PDFium. */
async function renderSample(name: string, doc: InvoicePdfDocument): Promise<{ bytes: Buffer; pdf: ReadPdf }> {
  const bytes = await renderInvoicePdf(doc);
  expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  writeFileSync(path.join(SAMPLES, `${name}.pdf`), bytes);
  const pdf = await reader.read(bytes);
  opened.push(pdf);
  for (let i = 0; i < pdf.pageCount; i++) {
    const page = await pdf.render(i, 2);
    writeFileSync(
      path.join(SAMPLES, `${name}-page${i + 1}.png`),
      encodePng(page.width, page.height, page.data),
    );
  }
  return { bytes, pdf };
}

describe('renderInvoicePdf', () => {
  it('renders an EU B2B reverse-charge invoice a person can read', async () => {
    const { pdf } = await renderSample('invoice-eu-reverse-charge', euReverseChargeInvoice());
    expect(pdf.pageCount).toBe(1);
    const text = pdf.text[0]!;
    for (const expected of [
      'Invoice',
      'MU-2026-000123',
      'Mu Cloud GmbH',
      'Friedrichstraße 123',
      'VAT ID DE123456789',
      'Łódź Analytics sp. z o.o.',
      '90-406 Łódź',
      'Poland',
      'VAT ID PL7251234567',
      'Feb 1, 2026', // issue date
      'Mar 3, 2026', // due date
      'Jan 1 – 31, 2026', // service period: the exclusive end is not a day served
      '1,250,000',
      '100,000 – 1,000,000 calls × €0.0004 = €360.00',
      '€499.00',
      '312.5',
      '€0.12',
      '19%',
      '€1,671.50', // subtotal
      '-€49.90', // discount
      'VAT PL, reverse charge',
      'on €921.60 · reverse charge',
      'VAT DE 19%',
      '€133.00',
      '€1,754.60', // total
      'Prepaid credits applied',
      '-€200.00',
      '€1,554.60', // amount due
      REVERSE_CHARGE_NOTE,
      'IBAN DE89 3704 0044 0532 0130 00',
      'Amtsgericht Charlottenburg',
      'Page 1 of 1',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain('DRAFT');

    const page = await pdf.render(0, 1.5);
    expect(page.width).toBe(Math.floor(595.28 * 1.5));
    // Not blank, not one colour, and not a page painted over.
    expect(colourCount(page)).toBeGreaterThan(8);
    const whole = inkShare(page);
    expect(whole).toBeGreaterThan(0.01);
    expect(whole).toBeLessThan(0.25);
    // The line table sits in the upper middle of the page (about 300 to 480 pt of 842): text
    // covers a meaningful share of it.
    expect(inkShare(page, 0.36, 0.56)).toBeGreaterThan(0.02);
  });

  it('renders a credit note in the document locale, with its reference', async () => {
    const { pdf } = await renderSample('credit-note-de', creditNote());
    const text = pdf.text[0]!;
    for (const expected of [
      'Credit note',
      'MU-CN-2026-000007',
      'Credits invoice',
      'MU-2026-000098',
      'Müller & Söhne GmbH',
      '10. Feb. 2026', // de-DE date
      '14. Jan. 2026', // a one-day period in Europe/Berlin
      '25.000',
      '0,0004 €',
      '154,70 €', // total
      'CREDIT TOTAL',
    ]) {
      expect(text).toContain(expected);
    }
    // A credit note has no amount due.
    expect(text).not.toContain('Amount due');
  });

  it('marks a draft as such on every page, and numbers it nowhere', async () => {
    const { pdf } = await renderSample('invoice-draft', draftInvoice());
    const text = pdf.text[0]!;
    expect(text).toContain('DRAFT');
    expect(text).toContain('Draft, not yet numbered');
    expect(text).toContain('Ørsted Ærø ApS');
    expect(text).toContain('San Francisco, CA 94105');
    expect(text).toContain('$57.42');
    expect(text).toContain('$0.0001');
    expect(text).not.toMatch(/MU-\d{4}-/);
    const page = await pdf.render(0, 1);
    expect([page.width, page.height]).toEqual([612, 792]); // US Letter
  });

  it('paginates a long invoice with the table header and "Page x of y" on every page', async () => {
    const { pdf } = await renderSample('invoice-60-lines', longInvoice(60));
    const n = pdf.pageCount;
    expect(n).toBeGreaterThanOrEqual(3);
    pdf.text.forEach((text, i) => {
      expect(text).toContain(`Page ${i + 1} of ${n}`);
      if (i > 0) expect(text).toContain('MU-2026-000124 · continued');
    });
    // Each line appears once, in order, across the pages; the header repeats wherever lines are.
    const all = pdf.text.join(' ');
    const positions = Array.from({ length: 60 }, (_, i) =>
      all.indexOf(`Meter ${String(i + 1).padStart(2, '0')}:`),
    );
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const text of pdf.text.filter((t) => t.includes('Meter '))) expect(text).toContain('DESCRIPTION');
    expect(pdf.text[n - 1]).toContain('€2,177.70');
  });

  it('breaks a line whose details do not fit on one page between its detail lines', async () => {
    const doc = euReverseChargeInvoice();
    doc.lines = [
      {
        ...doc.lines[0]!,
        details: Array.from(
          { length: 120 },
          (_, i) => `tier ${i + 1}: ${i * 1000} – ${(i + 1) * 1000} calls × €0.0001`,
        ),
      },
    ];
    const { pdf } = await renderSample('invoice-long-details', doc);
    expect(pdf.pageCount).toBeGreaterThanOrEqual(2);
    const all = pdf.text.join(' ');
    expect(all).toContain('tier 1: 0 – 1000');
    expect(all).toContain('tier 120: 119000 – 120000');
    expect(pdf.text[1]).toContain('API calls (continued)');
  });

  it('gives the same bytes for the same document, whatever the clock says', async () => {
    const a = await renderInvoicePdf(euReverseChargeInvoice());
    await new Promise((r) => setTimeout(r, 1100)); // PDF dates have one-second resolution
    const b = await renderInvoicePdf(euReverseChargeInvoice());
    expect(b.equals(a)).toBe(true);
    expect(a.toString('latin1')).toContain('(D:20260201000000Z)'); // the info dictionary's CreationDate

    // Fonts are parsed once per process and shared by every document: a first render in a fresh
    // module registry gives the same bytes as one after many others.
    await jest.isolateModulesAsync(async () => {
      const fresh = await import('./render');
      expect((await fresh.renderInvoicePdf(euReverseChargeInvoice())).equals(a)).toBe(true);
    });

    const c = await renderInvoicePdf({ ...euReverseChargeInvoice(), issueDate: '2026-02-02' });
    expect(c.equals(a)).toBe(false);
  });

  it('prints names in any script without failing; Latin, Greek and Cyrillic come out as written', async () => {
    const doc: InvoicePdfDocument = {
      ...draftInvoice(),
      status: 'finalized',
      number: 'MU-2026-000200',
      currency: 'JPY',
      locale: 'ja-JP',
      buyer: { name: '株式会社テスト', address: { city: '東京都', country: 'JP' } },
      seller: { name: 'Ελληνική Εταιρεία · ООО «Ромашка» · Čeština Łódź' },
      lines: [{ description: 'API呼び出し', quantity: '1000', unitPrice: '5', amount: '5000' }],
      subtotal: '5000',
      taxes: [],
      taxTotal: '0',
      total: '5000',
    };
    const { pdf } = await renderSample('invoice-scripts', doc);
    // PDFium's text extraction loses a few characters after glyphs the font lacks; the seller line
    // (drawn before any CJK) is intact.
    expect(pdf.text[0]).toContain('Ελληνική Εταιρεία · ООО «Ромашка» · Čeština Łódź');
    const page = await pdf.render(0, 1);
    expect(inkShare(page)).toBeGreaterThan(0.005);
  });

  it('refuses what it cannot print faithfully', async () => {
    const bad = (patch: Partial<InvoicePdfDocument>) =>
      renderInvoicePdf({ ...euReverseChargeInvoice(), ...patch });
    await expect(bad({ total: '1.7546e3' })).rejects.toThrow(InvoicePdfError);
    await expect(bad({ total: '1754.60 ' })).rejects.toMatchObject({
      code: 'invalid_pdf_document',
      path: 'total',
    });
    await expect(bad({ issueDate: '2026-02-30' })).rejects.toMatchObject({ path: 'issueDate' });
    await expect(bad({ timeZone: 'Mars/Olympus' })).rejects.toMatchObject({ path: 'timeZone' });
    await expect(bad({ currency: 'XAU' })).rejects.toThrow(UnknownCurrencyError);
  });
});
