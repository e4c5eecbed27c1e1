import PDFDocument from 'pdfkit';
import type { InvoicePdfDocument, PdfLine, PdfParty } from './document';
import { loadFonts, type FontSet } from './fonts';
import { formatsFor, instantOf, type Formats } from './format';

/**
 * Renders an invoice or credit note to PDF bytes. The same document always gives the same bytes:
 * the PDF's dates come from `issueDate`, and nothing else in the file depends on the clock.
 *
 * Throws `InvoicePdfError` for a malformed decimal, date, locale or time zone, and the pricing
 * engine's `UnknownCurrencyError` for a currency that is not ISO 4217.
 */
export async function renderInvoicePdf(doc: InvoicePdfDocument): Promise<Buffer> {
  const formats = formatsFor(doc);
  const created = instantOf(doc.issueDate, 'issueDate');
  const fonts = await loadFonts();
  return new InvoiceLayout(doc, formats, fonts, created).render();
}

const PAGE_SIZES = { A4: [595.28, 841.89], LETTER: [612, 792] } as const;
const MARGIN = 48; // sides and top
const CONTENT_BOTTOM = 58; // content stops this far above the bottom edge; the footer lives below
const FOOTER_TOP = 38;
const LINE_GAP = 1.5;
const CELL_PAD = 8;
const ROW_PAD = 6;

const INK = '#111827';
const TEXT = '#374151';
const MUTED = '#6b7280';
const RULE = '#d1d5db';
const FAINT = '#e5e7eb';
const FILL = '#f3f4f6';
const RED = '#b91c1c';
const GREEN = '#047857';

type Face = 'regular' | 'semibold';
interface Style {
  size: number;
  face?: Face;
  color?: string;
  spacing?: number;
}

const BODY: Style = { size: 9, color: TEXT };
const SMALL: Style = { size: 7.5, color: MUTED };
const META_LABEL: Style = { size: 8.5, color: MUTED };
const CAPS: Style = { size: 7, face: 'semibold', color: MUTED, spacing: 0.6 };

const TAX_ID_LABELS: Readonly<Record<string, string>> = {
  eu_vat: 'VAT ID',
  gb_vat: 'VAT reg. no.',
  ch_vat: 'VAT no.',
  no_vat: 'VAT no.',
  au_abn: 'ABN',
  nz_gst: 'GST no.',
  ca_gst_hst: 'GST/HST no.',
  ca_bn: 'BN',
  us_ein: 'EIN',
  in_gst: 'GSTIN',
};

interface Column {
  x: number;
  w: number;
}

interface Badge {
  text: string;
  color: string;
  /** Printed large and faint across every page. */
  watermark: boolean;
}

function badgeOf(status: InvoicePdfDocument['status']): Badge | null {
  switch (status) {
    case 'draft':
      return { text: 'DRAFT', color: RED, watermark: true };
    case 'void':
      return { text: 'VOID', color: RED, watermark: true };
    case 'paid':
      return { text: 'PAID', color: GREEN, watermark: false };
    case 'uncollectible':
      return { text: 'UNCOLLECTIBLE', color: MUTED, watermark: false };
    case 'finalized':
    case 'issued':
      return null;
  }
}

interface TotalRow {
  label: string;
  value: string;
  sub?: string;
  strong?: boolean;
  ruleAbove?: boolean;
}

class InvoiceLayout {
  private readonly pdf: PDFKit.PDFDocument;
  private readonly pageWidth: number;
  private readonly pageHeight: number;
  private readonly right: number;
  private readonly contentWidth: number;
  private readonly bottom: number;
  private readonly title: string;
  private readonly badge: Badge | null;
  private readonly cols: { desc: Column; qty: Column; unit: Column; tax: Column; amount: Column };
  private y = MARGIN;

  constructor(
    private readonly doc: InvoicePdfDocument,
    private readonly fmt: Formats,
    fonts: FontSet,
    created: Date,
  ) {
    [this.pageWidth, this.pageHeight] = PAGE_SIZES[doc.pageSize ?? 'A4'];
    this.right = this.pageWidth - MARGIN;
    this.contentWidth = this.pageWidth - 2 * MARGIN;
    this.bottom = this.pageHeight - CONTENT_BOTTOM;
    this.title = doc.kind === 'invoice' ? 'Invoice' : 'Credit note';
    this.badge = badgeOf(doc.status);

    // Fixed widths for the figures; the description takes the rest.
    const desc = { x: MARGIN, w: this.contentWidth - (88 + 84 + 42 + 86) };
    const qty = { x: desc.x + desc.w, w: 88 };
    const unit = { x: qty.x + qty.w, w: 84 };
    const tax = { x: unit.x + unit.w, w: 42 };
    const amount = { x: tax.x + tax.w, w: 86 };
    this.cols = { desc, qty, unit, tax, amount };

    this.pdf = new PDFDocument({
      size: [this.pageWidth, this.pageHeight],
      // Layout is placed by hand and checked against `bottom`; the small bottom margin only keeps
      // PDFKit from starting a page of its own while the footer is drawn.
      margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: 16 },
      autoFirstPage: false,
      bufferPages: true,
      pdfVersion: '1.7',
      lang: fmt.locale,
      displayTitle: true,
      info: {
        Title: `${this.title} ${doc.number ?? '(draft)'}`,
        Author: doc.seller.name,
        Subject: `${this.title} for ${doc.buyer.name}`,
        Creator: 'Mu',
        Producer: 'Mu invoice-pdf (PDFKit)',
        // PDFKit would stamp the current time, and derive the file ID from it.
        CreationDate: created,
        ModDate: created,
      },
    });
    // PDFKit 0.20 takes a parsed fontkit font (anything with `layout`); its types do not say so yet.
    this.pdf.registerFont('regular', fonts.regular as unknown as PDFKit.Mixins.PDFFontSource);
    this.pdf.registerFont('semibold', fonts.semibold as unknown as PDFKit.Mixins.PDFFontSource);
  }

  render(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    const done = new Promise<Buffer>((resolve, reject) => {
      this.pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
      this.pdf.on('end', () => resolve(Buffer.concat(chunks)));
      this.pdf.on('error', reject);
    });
    this.newPage(false);
    this.header();
    this.parties();
    this.table();
    const paymentPlaced = this.totals();
    this.paragraphs('Notes', this.doc.notes);
    if (!paymentPlaced) this.paragraphs('Payment', this.doc.paymentInstructions);
    this.footers();
    this.pdf.end();
    return done;
  }

  // ---- text primitives ------------------------------------------------------------------------

  private use(s: Style): void {
    this.pdf
      .font(s.face ?? 'regular')
      .fontSize(s.size)
      .fillColor(s.color ?? TEXT);
  }

  private measure(text: string, width: number, s: Style): number {
    this.use(s);
    return this.pdf.heightOfString(text, { width, lineGap: LINE_GAP, characterSpacing: s.spacing ?? 0 });
  }

  /** Wrapped text in a box `width` wide; returns its height. */
  private block(
    text: string,
    x: number,
    y: number,
    width: number,
    s: Style,
    align: 'left' | 'right' = 'left',
  ): number {
    const h = this.measure(text, width, s);
    this.pdf.text(text, x, y, { width, align, lineGap: LINE_GAP, characterSpacing: s.spacing ?? 0 });
    return h;
  }

  /**
   * One line that never wraps: starting at `x`, or ending at `x` when right-aligned. Shrunk to
   * `width` if it would not fit, so a long amount never runs into the next column.
   */
  private single(
    text: string,
    x: number,
    y: number,
    s: Style,
    width: number,
    align: 'left' | 'right' = 'left',
  ): number {
    this.use(s);
    const opts = { lineBreak: false, characterSpacing: s.spacing ?? 0 };
    let size = s.size;
    let w = this.pdf.widthOfString(text, opts);
    while (w > width && size > 5) {
      size -= 0.5;
      this.pdf.fontSize(size);
      w = this.pdf.widthOfString(text, opts);
    }
    this.pdf.text(text, align === 'right' ? x - w : x, y, opts);
    return w;
  }

  private lineHeight(s: Style): number {
    this.use(s);
    return this.pdf.currentLineHeight(true) + LINE_GAP;
  }

  private hline(y: number, color: string, x0 = MARGIN, x1 = this.right, width = 0.6): void {
    this.pdf.save().moveTo(x0, y).lineTo(x1, y).lineWidth(width).strokeColor(color).stroke().restore();
  }

  // ---- pages ----------------------------------------------------------------------------------

  private newPage(continued: boolean): void {
    this.pdf.addPage();
    if (this.badge?.watermark) this.watermark(this.badge);
    this.y = MARGIN;
    if (continued) {
      this.single(
        `${this.title} ${this.doc.number ?? '(draft)'} · continued`,
        MARGIN,
        this.y,
        SMALL,
        this.contentWidth,
      );
      this.y += 20;
    }
  }

  private watermark(badge: Badge): void {
    const size = 128;
    this.pdf.save();
    this.pdf.rotate(-30, { origin: [this.pageWidth / 2, this.pageHeight / 2] });
    this.pdf.font('semibold').fontSize(size).fillColor(badge.color).fillOpacity(0.07);
    const w = this.pdf.widthOfString(badge.text, { characterSpacing: 8 });
    this.pdf.text(badge.text, (this.pageWidth - w) / 2, this.pageHeight / 2 - size * 0.6, {
      lineBreak: false,
      characterSpacing: 8,
    });
    this.pdf.restore();
  }

  private footers(): void {
    const { start, count } = this.pdf.bufferedPageRange();
    const top = this.pageHeight - FOOTER_TOP;
    const who = `${this.title} ${this.doc.number ?? '(draft)'} · ${this.doc.seller.name}`;
    for (let i = 0; i < count; i++) {
      this.pdf.switchToPage(start + i);
      this.hline(top - 8, FAINT);
      const page = `Page ${i + 1} of ${count}`;
      const pageWidth = this.single(page, this.right, top, SMALL, 80, 'right');
      this.single(who, MARGIN, top, SMALL, this.contentWidth - pageWidth - 24);
      if (this.doc.footer)
        this.single(this.doc.footer, MARGIN, top + 10, SMALL, this.contentWidth - pageWidth - 24);
    }
  }

  // ---- sections -------------------------------------------------------------------------------

  private header(): void {
    const d = this.doc;
    const top = this.y;

    // Left: what this is, its number and dates.
    const titleWidth = this.single(
      this.title,
      MARGIN,
      top - 6,
      { size: 24, face: 'semibold', color: INK },
      250,
    );
    if (this.badge) this.stamp(this.badge, MARGIN + titleWidth + 12, top + 5);

    const meta: [string, string][] = [
      [`${this.title} number`, d.number ?? 'Draft, not yet numbered'],
      ['Issue date', this.fmt.date(d.issueDate, 'issueDate')],
    ];
    if (d.dueDate) meta.push(['Due date', this.fmt.date(d.dueDate, 'dueDate')]);
    if (d.periodStart && d.periodEnd)
      meta.push(['Service period', this.fmt.period(d.periodStart, d.periodEnd, 'period')]);
    for (const r of d.references ?? []) meta.push([r.label, r.value]);

    let ly = top + 38;
    const valueX = MARGIN + 110;
    for (const [label, value] of meta) {
      this.single(label, MARGIN, ly, META_LABEL, 104);
      const h = this.block(value, valueX, ly, 170, { size: 8.5, color: INK });
      ly += Math.max(h, this.lineHeight(META_LABEL)) + 1;
    }

    // Right: who issues it.
    const width = 220;
    const x = this.right - width;
    let ry = top;
    ry += this.block(d.seller.name, x, ry, width, { size: 12, face: 'semibold', color: INK }, 'right') + 3;
    for (const line of this.partyLines(d.seller)) ry += this.block(line, x, ry, width, META_LABEL, 'right');

    this.y = Math.max(ly, ry) + 18;
  }

  private stamp(badge: Badge, x: number, y: number): void {
    const s: Style = { size: 7.5, face: 'semibold', color: badge.color, spacing: 0.8 };
    this.use(s);
    const w = this.pdf.widthOfString(badge.text, { characterSpacing: 0.8 });
    this.pdf
      .save()
      .roundedRect(x, y, w + 12, 15, 3)
      .lineWidth(0.9)
      .strokeColor(badge.color)
      .stroke()
      .restore();
    this.single(badge.text, x + 6, y + 3.5, s, w + 1);
  }

  private parties(): void {
    const d = this.doc;
    const top = this.y;

    let ly = top;
    this.single('BILL TO', MARGIN, ly, CAPS, 200);
    ly += 13;
    ly += this.block(d.buyer.name, MARGIN, ly, 270, { size: 10.5, face: 'semibold', color: INK }) + 2;
    for (const line of this.partyLines(d.buyer))
      ly += this.block(line, MARGIN, ly, 270, { size: 8.5, color: TEXT });

    // The figure a reader looks for first, in a box.
    const box = { w: 210, h: 66 };
    const bx = this.right - box.w;
    const { label, value, sub } = this.headline();
    this.pdf.save().roundedRect(bx, top, box.w, box.h, 4).fillColor(FILL).fill().restore();
    this.single(label.toUpperCase(), bx + 14, top + 11, CAPS, box.w - 28);
    this.single(value, bx + 14, top + 23, { size: 18, face: 'semibold', color: INK }, box.w - 28);
    if (sub) this.single(sub, bx + 14, top + 48, { size: 8, color: MUTED }, box.w - 28);

    this.y = Math.max(ly, top + box.h) + 20;
  }

  private headline(): { label: string; value: string; sub?: string } {
    const d = this.doc;
    const money = (v: string, path: string) => this.fmt.money(v, path);
    if (d.kind === 'credit_note') return { label: 'Credit total', value: money(d.total, 'total') };
    if (d.status === 'void')
      return { label: 'Total (void)', value: money(d.total, 'total'), sub: 'This invoice is void' };
    const sub =
      d.status === 'paid' ? 'Paid' : d.dueDate ? `Due ${this.fmt.date(d.dueDate, 'dueDate')}` : undefined;
    if (d.amountDue !== undefined)
      return { label: 'Amount due', value: money(d.amountDue, 'amountDue'), sub };
    if (d.credits) return { label: 'Total', value: money(d.total, 'total'), sub };
    return { label: 'Amount due', value: money(d.total, 'total'), sub };
  }

  private partyLines(p: PdfParty): string[] {
    const lines: string[] = [];
    const a = p.address;
    if (a) {
      if (a.line1) lines.push(a.line1);
      if (a.line2) lines.push(a.line2);
      const country = a.country?.toUpperCase();
      if (country === 'US' || country === 'CA' || country === 'AU') {
        const tail = [a.region, a.postalCode].filter(Boolean).join(' ');
        const line = [a.city, tail].filter(Boolean).join(', ');
        if (line) lines.push(line);
      } else {
        const line = [a.postalCode, a.city].filter(Boolean).join(' ');
        if (line) lines.push(line);
        if (a.region) lines.push(a.region);
      }
      if (a.country) lines.push(this.fmt.country(a.country.toUpperCase()));
    }
    for (const t of p.taxIds ?? []) {
      lines.push(`${t.label ?? TAX_ID_LABELS[t.type] ?? t.type.toUpperCase().replace(/_/g, ' ')} ${t.value}`);
    }
    if (p.email) lines.push(p.email);
    return lines;
  }

  // ---- line table -----------------------------------------------------------------------------

  private tableHeader(): void {
    const h = 22;
    const c = this.cols;
    this.pdf.save().rect(MARGIN, this.y, this.contentWidth, h).fillColor(FILL).fill().restore();
    const y = this.y + 8;
    this.single('DESCRIPTION', c.desc.x + CELL_PAD, y, CAPS, c.desc.w - 2 * CELL_PAD);
    this.single('QTY', c.qty.x + c.qty.w - CELL_PAD, y, CAPS, c.qty.w - CELL_PAD, 'right');
    this.single('UNIT PRICE', c.unit.x + c.unit.w - CELL_PAD, y, CAPS, c.unit.w - CELL_PAD, 'right');
    this.single('TAX', c.tax.x + c.tax.w - CELL_PAD, y, CAPS, c.tax.w - CELL_PAD, 'right');
    this.single(
      `AMOUNT (${this.doc.currency})`,
      c.amount.x + c.amount.w - CELL_PAD,
      y,
      CAPS,
      c.amount.w - CELL_PAD,
      'right',
    );
    this.y += h;
  }

  private table(): void {
    this.tableHeader();
    this.doc.lines.forEach((line, i) => this.row(line, `lines[${i}]`));
    this.hline(this.y, RULE, MARGIN, this.right, 0.8);
  }

  private row(line: PdfLine, path: string): void {
    const c = this.cols;
    const descWidth = c.desc.w - 2 * CELL_PAD;
    const detailWidth = descWidth - 8;
    const period = line.period
      ? this.fmt.period(line.period.start, line.period.end, `${path}.period`)
      : undefined;

    const descH = this.measure(line.description, descWidth, { size: 9, color: INK });
    const periodH = period === undefined ? 0 : 1 + this.measure(period, descWidth, SMALL);
    const numbersH = this.lineHeight(BODY) + (line.unit ? this.lineHeight(SMALL) : 0);
    const headH = ROW_PAD + Math.max(descH + periodH, numbersH);
    const details = (line.details ?? []).map((text) => ({ text, h: this.measure(text, detailWidth, SMALL) }));
    const detailsH = details.length === 0 ? 0 : 3 + details.reduce((sum, d) => sum + d.h, 0);
    const rowH = headH + detailsH + ROW_PAD;

    // Keep a row on one page when it fits on one; a longer one breaks between its detail lines.
    const freshPage = this.bottom - (MARGIN + 20 + 22);
    if (this.y + rowH > this.bottom && (rowH <= freshPage || this.y + headH + ROW_PAD > this.bottom)) {
      this.newPage(true);
      this.tableHeader();
    }

    const top = this.y + ROW_PAD;
    let y = top;
    y += this.block(line.description, c.desc.x + CELL_PAD, y, descWidth, { size: 9, color: INK });
    if (period !== undefined) y += 1 + this.block(period, c.desc.x + CELL_PAD, y + 1, descWidth, SMALL);

    const numbers = (col: Column, text: string, s: Style) =>
      this.single(text, col.x + col.w - CELL_PAD, top, s, col.w - CELL_PAD - 2, 'right');
    numbers(c.qty, this.fmt.quantity(line.quantity, `${path}.quantity`), BODY);
    if (line.unit)
      this.single(
        line.unit,
        c.qty.x + c.qty.w - CELL_PAD,
        top + this.lineHeight(BODY),
        SMALL,
        c.qty.w - CELL_PAD - 2,
        'right',
      );
    if (line.unitPrice != null) numbers(c.unit, this.fmt.money(line.unitPrice, `${path}.unitPrice`), BODY);
    else numbers(c.unit, '—', SMALL);
    if (line.taxRate != null) numbers(c.tax, this.fmt.rate(line.taxRate, `${path}.taxRate`), BODY);
    else numbers(c.tax, '—', SMALL);
    numbers(c.amount, this.fmt.money(line.amount, `${path}.amount`), { size: 9, color: INK });

    y = this.y + headH;
    if (details.length > 0) y += 3;
    for (const d of details) {
      if (y + d.h + ROW_PAD > this.bottom) {
        this.newPage(true);
        this.tableHeader();
        y = this.y + ROW_PAD;
        y += this.block(`${line.description} (continued)`, c.desc.x + CELL_PAD, y, descWidth, SMALL) + 2;
      }
      y += this.block(d.text, c.desc.x + CELL_PAD + 8, y, detailWidth, SMALL);
    }
    this.y = y + ROW_PAD;
    this.hline(this.y, FAINT);
  }

  // ---- totals and notes -----------------------------------------------------------------------

  private totalRows(): TotalRow[] {
    const d = this.doc;
    const m = (v: string, path: string) => this.fmt.money(v, path);
    const rows: TotalRow[] = [{ label: 'Subtotal', value: m(d.subtotal, 'subtotal') }];
    (d.discounts ?? []).forEach((x, i) =>
      rows.push({ label: x.label, value: this.fmt.deduction(x.amount, `discounts[${i}].amount`) }),
    );
    d.taxes.forEach((t, i) =>
      rows.push({
        label: t.label,
        sub: `on ${m(t.taxable, `taxes[${i}].taxable`)}${t.reverseCharge ? ' · reverse charge' : ''}`,
        value: m(t.amount, `taxes[${i}].amount`),
      }),
    );
    if (d.taxes.length !== 1)
      rows.push({ label: d.taxes.length === 0 ? 'Tax' : 'Total tax', value: m(d.taxTotal, 'taxTotal') });
    rows.push({ label: 'Total', value: m(d.total, 'total'), strong: true, ruleAbove: true });
    if (d.credits)
      rows.push({ label: 'Prepaid credits applied', value: this.fmt.deduction(d.credits, 'credits') });
    if (d.kind === 'invoice' && d.status !== 'void') {
      const due = d.amountDue ?? (d.credits ? undefined : d.total);
      if (due !== undefined)
        rows.push({ label: 'Amount due', value: m(due, 'amountDue'), strong: true, ruleAbove: true });
    }
    return rows;
  }

  /** The totals on the right; payment instructions beside them when they fit there. Returns whether they did. */
  private totals(): boolean {
    const rows = this.totalRows();
    const rowH = (r: TotalRow) => (r.strong ? 21 : 15) + (r.sub ? 9 : 0) + (r.ruleAbove ? 10 : 0);
    const height = 14 + rows.reduce((sum, r) => sum + rowH(r), 0);
    if (this.y + height > this.bottom) this.newPage(true);

    const width = 260;
    const x = this.right - width;
    const top = this.y + 14;

    const payment = this.doc.paymentInstructions ?? [];
    const besideWidth = this.contentWidth - width - 24;
    const besideH =
      this.lineHeight(CAPS) +
      4 +
      payment.reduce((sum, t) => sum + this.measure(t, besideWidth, { size: 8.5 }) + 4, 0);
    const beside = payment.length > 0 && besideH <= height - 14;
    if (beside) {
      let py = top + 3;
      this.single('PAYMENT', MARGIN, py, CAPS, besideWidth);
      py += this.lineHeight(CAPS) + 4;
      for (const t of payment) py += this.block(t, MARGIN, py, besideWidth, { size: 8.5, color: TEXT }) + 4;
    }

    let y = top;
    for (const r of rows) {
      if (r.ruleAbove) {
        this.hline(y + 4, RULE, x, this.right, 0.8);
        y += 10;
      }
      const s: Style = r.strong ? { size: 10.5, face: 'semibold', color: INK } : BODY;
      const valueWidth = this.single(
        r.value,
        this.right - CELL_PAD,
        y + (r.strong ? 4 : 3),
        s,
        width / 2,
        'right',
      );
      this.single(r.label, x + CELL_PAD, y + (r.strong ? 4 : 3), s, width - valueWidth - 3 * CELL_PAD);
      if (r.sub) this.single(r.sub, x + CELL_PAD, y + 14.5, SMALL, width - valueWidth - 3 * CELL_PAD);
      y += rowH(r) - (r.ruleAbove ? 10 : 0);
    }
    this.y = y;
    return beside;
  }

  private paragraphs(heading: string, texts: string[] | undefined): void {
    if (!texts?.length) return;
    const headingH = this.lineHeight(CAPS) + 4;
    const first = this.measure(texts[0] ?? '', this.contentWidth, { size: 8.5 });
    this.y += 16;
    if (this.y + headingH + first > this.bottom) this.newPage(true);
    this.single(heading.toUpperCase(), MARGIN, this.y, CAPS, this.contentWidth);
    this.y += headingH;
    for (const text of texts) {
      const h = this.measure(text, this.contentWidth, { size: 8.5 });
      if (this.y + h > this.bottom) this.newPage(true);
      this.y += this.block(text, MARGIN, this.y, this.contentWidth, { size: 8.5, color: TEXT }) + 4;
    }
  }
}
