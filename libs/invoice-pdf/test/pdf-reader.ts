import { PDFiumLibrary } from '@hyzyla/pdfium';

/**
 * Reads the PDFs the tests render: text per page and page bitmaps, through PDFium compiled to
 * WebAssembly (@hyzyla/pdfium, MIT; PDFium itself is BSD-3/Apache-2.0). A second, independent
 * PDF engine is the point: it shows the file is valid and draws what we think it draws.
 */
export interface Bitmap {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, rows top to bottom (the wrapper asks PDFium for reversed BGRA). */
  data: Uint8Array;
}

export interface ReadPdf {
  pageCount: number;
  /** Each page's text with runs of white space (line breaks, no-break spaces) made one space. */
  text: string[];
  render(page: number, scale: number): Promise<Bitmap>;
  close(): void;
}

export class PdfReader {
  private constructor(private readonly lib: Awaited<ReturnType<typeof PDFiumLibrary.init>>) {}

  static async open(): Promise<PdfReader> {
    return new PdfReader(await PDFiumLibrary.init());
  }

  async read(pdf: Buffer): Promise<ReadPdf> {
    const doc = await this.lib.loadDocument(new Uint8Array(pdf));
    const pageCount = doc.getPageCount();
    const text = Array.from({ length: pageCount }, (_, i) => doc.getPage(i).getText().replace(/\s+/g, ' '));
    return {
      pageCount,
      text,
      render: async (page, scale) => {
        const r = await doc.getPage(page).render({ scale, render: 'bitmap' });
        return { width: r.width, height: r.height, data: r.data };
      },
      close: () => doc.destroy(),
    };
  }

  close(): void {
    this.lib.destroy();
  }
}

/** Share of pixels in rows [top, bottom) (fractions of the height) darker than near-white. */
export function inkShare(b: Bitmap, top = 0, bottom = 1): number {
  const y0 = Math.floor(b.height * top);
  const y1 = Math.floor(b.height * bottom);
  let ink = 0;
  for (let i = y0 * b.width * 4; i < y1 * b.width * 4; i += 4) {
    if (Math.min(b.data[i]!, b.data[i + 1]!, b.data[i + 2]!) < 200) ink++;
  }
  return ink / ((y1 - y0) * b.width);
}

/** How many different colours the bitmap has (capped): 1 means a blank page. */
export function colourCount(b: Bitmap, cap = 64): number {
  const seen = new Set<number>();
  for (let i = 0; i < b.data.length && seen.size < cap; i += 4) {
    seen.add((b.data[i]! << 16) | (b.data[i + 1]! << 8) | b.data[i + 2]!);
  }
  return seen.size;
}
