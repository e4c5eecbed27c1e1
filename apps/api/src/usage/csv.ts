/** One CSV field, quoted per RFC 4180 when it holds a comma, a quote or a line break. */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** RFC 4180: a header row, CRLF after every record. */
export function toCsv(header: string[], rows: string[][]): string {
  return [header, ...rows].map((r) => `${r.map(csvField).join(',')}\r\n`).join('');
}

/**
 * Whether the client prefers CSV: `?format=` wins; otherwise the Accept header's highest q
 * between text/csv and JSON (application/json, application/*, * / *), JSON on a tie.
 */
export function wantsCsv(format: 'json' | 'csv' | undefined, accept: string | undefined): boolean {
  if (format) return format === 'csv';
  let csv = 0;
  let json = 0;
  for (const part of (accept ?? '').split(',')) {
    const [type = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!(q > 0)) continue;
    if (type === 'text/csv') csv = Math.max(csv, q);
    else if (type === 'application/json' || type === 'application/*' || type === '*/*')
      json = Math.max(json, q);
  }
  return csv > json;
}
