import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { create, type Font } from 'fontkit';

/**
 * Noto Sans, embedded (subset to the glyphs used) in every PDF. PDFKit's built-in Helvetica only
 * covers WinAnsi, so `Łódź` or `Ørsted ApS, Kraków` would print wrong; Noto Sans covers Latin with
 * its extensions, Greek, Cyrillic and Vietnamese, and the currency signs. Not CJK: such characters
 * print as empty boxes (no crash) until a CJK fallback is worth its 5+ MB.
 *
 * The files come from `@expo-google-fonts/noto-sans` because it ships each weight whole, as TTF.
 * The @fontsource packages (whose WOFF files PDFKit also reads) split each weight by Unicode range
 * for browsers, so `Müller Łódź` would need two fonts and a splitter of text runs.
 */
const FONT_PACKAGE = '@expo-google-fonts/noto-sans';
const FILES = {
  regular: '400Regular/NotoSans_400Regular.ttf',
  semibold: '600SemiBold/NotoSans_600SemiBold.ttf',
} as const;

export type FontSet = Record<keyof typeof FILES, Font>;

let loading: Promise<FontSet> | undefined;

async function parse(dir: string, file: string): Promise<Font> {
  const font = create(await readFile(path.join(dir, file)));
  if (!('layout' in font)) throw new Error(`${file} is a font collection, not a font`);
  return font;
}

/**
 * Read and parse once per process: parsing the OpenType tables is most of the cost of a render
 * (about 170 ms a document when PDFKit parses its own copy). PDFKit takes a parsed font and keeps
 * its per-document state (the subset) apart, so one font object serves every document.
 * A failed load is not cached: the next render tries again.
 */
export function loadFonts(): Promise<FontSet> {
  loading ??= (async () => {
    const dir = path.dirname(require.resolve(`${FONT_PACKAGE}/package.json`));
    const [regular, semibold] = await Promise.all([parse(dir, FILES.regular), parse(dir, FILES.semibold)]);
    return { regular, semibold };
  })().catch((e: unknown) => {
    loading = undefined;
    throw e;
  });
  return loading;
}
