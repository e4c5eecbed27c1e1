import { toCsv, wantsCsv } from './csv';

describe('CSV (RFC 4180)', () => {
  it('quotes only what needs it, doubling quotes, CRLF line ends', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['x,y', 'say "hi"'],
          ['line\nbreak', 'plain'],
        ],
      ),
    ).toBe('a,b\r\n"x,y","say ""hi"""\r\n"line\nbreak",plain\r\n');
  });

  it.each<[string | undefined, string | undefined, boolean]>([
    [undefined, undefined, false],
    [undefined, 'text/csv', true],
    [undefined, 'application/json', false],
    [undefined, 'text/csv;q=0.5, application/json', false],
    [undefined, 'application/json;q=0.5, text/csv', true],
    [undefined, '*/*', false],
    [undefined, 'text/csv, */*;q=0.1', true],
    [undefined, 'text/csv;q=0', false],
    ['csv', 'application/json', true],
    ['json', 'text/csv', false],
  ])('format=%s Accept=%s -> csv %s', (format, accept, csv) => {
    expect(wantsCsv(format as 'json' | 'csv' | undefined, accept)).toBe(csv);
  });
});
