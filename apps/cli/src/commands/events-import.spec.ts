import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../command';
import {
  Batcher,
  batchIdempotencyKey,
  checkHeader,
  csvToEvent,
  ndjsonToEvent,
  parseCsvLine,
  parseDataColumns,
  parseFieldMap,
  progressBar,
  readLines,
  retryDelayMs,
  summaryLine,
  type BatchItem,
  type MappingOptions,
} from './events-import';

const ndjson: MappingOptions = { format: 'ndjson', map: {} };
const csvOpts: MappingOptions = {
  format: 'csv',
  map: { id: 'txn_id', type: 'event_name', subject: 'customer', time: 'ts' },
  source: 'legacy',
};
const header = ['txn_id', 'event_name', 'customer', 'ts', 'tokens', 'model'];

describe('parseFieldMap and parseDataColumns', () => {
  it('reads field=column pairs', () => {
    expect(parseFieldMap('id=txn_id, type=event_name,subject=customer')).toEqual({
      id: 'txn_id',
      type: 'event_name',
      subject: 'customer',
    });
    expect(parseFieldMap(undefined)).toEqual({});
  });
  it.each(['id', '=x', 'data=x', 'id=a,id=b', 'id='])('refuses %s', (m) => {
    expect(() => parseFieldMap(m)).toThrow(UsageError);
  });
  it('reads data columns with types', () => {
    expect(parseDataColumns('tokens:number,model')).toEqual([
      { column: 'tokens', type: 'number' },
      { column: 'model', type: 'string' },
    ]);
    expect(parseDataColumns(undefined)).toBeUndefined();
    expect(() => parseDataColumns('a:date')).toThrow(UsageError);
  });
});

describe('parseCsvLine', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['a,,c,', ['a', '', 'c', '']],
    ['"a,b","say ""hi""",c', ['a,b', 'say "hi"', 'c']],
    ['', ['']],
  ])('%s', (line, cells) => expect(parseCsvLine(line)).toEqual(cells));
  it('reports an unterminated quote', () => expect(parseCsvLine('a,"b')).toBeUndefined());
});

describe('ndjsonToEvent', () => {
  it('passes a CloudEvent as is, filling --type and --source only when absent', () => {
    const r = ndjsonToEvent(
      '{"id":"e1","subject":"c","type":"t","data":{"n":1}}',
      { ...ndjson, source: 'legacy', type: 'x' },
      1,
    );
    expect(r).toEqual({ event: { id: 'e1', subject: 'c', type: 't', source: 'legacy', data: { n: 1 } } });
  });
  it('refuses a line without an id, bad JSON and non-objects, naming the line', () => {
    expect(ndjsonToEvent('{"subject":"c"}', ndjson, 7)).toEqual({
      reject: expect.objectContaining({ code: 'MISSING_ID', message: expect.stringContaining('line 7') }),
    });
    expect(ndjsonToEvent('{nope', ndjson, 8)).toEqual({
      reject: expect.objectContaining({ code: 'INVALID_JSON' }),
    });
    expect(ndjsonToEvent('[1]', ndjson, 9)).toEqual({
      reject: expect.objectContaining({ code: 'INVALID_EVENT' }),
    });
  });
  it('derives a stable id from the file name and line with --id-from-line', () => {
    expect(ndjsonToEvent('{"subject":"c"}', { ...ndjson, idFromLine: 'old.ndjson' }, 12)).toEqual({
      event: { id: 'old.ndjson:12', subject: 'c' },
    });
  });
  it('maps a legacy object with --map: unmapped keys go to data with their JSON types', () => {
    const r = ndjsonToEvent(
      '{"txn":42,"who":"c1","at":1700000000000,"tokens":5,"tags":["a"]}',
      { ...ndjson, map: { id: 'txn', subject: 'who', time: 'at' }, type: 'api.call' },
      1,
    );
    expect(r).toEqual({
      event: {
        id: '42',
        subject: 'c1',
        time: 1700000000000,
        type: 'api.call',
        data: { tokens: 5, tags: ['a'] },
      },
    });
  });
});

describe('csvToEvent', () => {
  it('maps columns; unmapped columns go into data as strings by default', () => {
    const r = csvToEvent('t1,api.call,c1,2026-03-10T11:59:00Z,12,m1', header, csvOpts, 2);
    expect(r).toEqual({
      event: {
        id: 't1',
        type: 'api.call',
        subject: 'c1',
        time: '2026-03-10T11:59:00Z',
        source: 'legacy',
        data: { tokens: '12', model: 'm1' },
      },
    });
  });
  it('converts --data columns by type, leaves out empty cells, reads digit times as epoch ms', () => {
    const opts = { ...csvOpts, data: parseDataColumns('tokens:number,model') };
    expect(csvToEvent('t1,api.call,c1,1700000000000,12,', header, opts, 2)).toEqual({
      event: expect.objectContaining({ time: 1700000000000, data: { tokens: 12 } }),
    });
    expect(csvToEvent('t1,api.call,c1,,twelve,m', header, opts, 3)).toEqual({
      reject: expect.objectContaining({ code: 'INVALID_DATA', field: 'data.tokens' }),
    });
  });
  it('refuses a row without an id, with the wrong column count or an open quote', () => {
    expect(csvToEvent(',api.call,c1,,1,m', header, csvOpts, 4)).toEqual({
      reject: expect.objectContaining({ code: 'MISSING_ID', message: expect.stringContaining('line 4') }),
    });
    expect(csvToEvent('a,b', header, csvOpts, 5)).toEqual({
      reject: expect.objectContaining({ code: 'CSV_COLUMNS' }),
    });
    expect(csvToEvent('a,"b', header, csvOpts, 6)).toEqual({
      reject: expect.objectContaining({ code: 'CSV_UNTERMINATED_QUOTE' }),
    });
  });
  it('checks the header against the mapping', () => {
    expect(() => checkHeader(header, csvOpts)).not.toThrow();
    expect(() => checkHeader(header, { ...csvOpts, map: { ...csvOpts.map, id: 'nope' } })).toThrow(
      /no column nope/,
    );
    expect(() =>
      checkHeader(header, { ...csvOpts, map: { subject: 'customer', type: 'event_name' } }),
    ).toThrow(/id=COLUMN/);
    expect(() => checkHeader(header, { format: 'csv', map: { id: 'txn_id', subject: 'customer' } })).toThrow(
      /--type/,
    );
  });
});

describe('Batcher', () => {
  const item = (line: number, json?: string): BatchItem => ({ line, end: line * 10, raw: '', json });
  it('cuts at the event count; local rejects ride along without counting', () => {
    const b = new Batcher(2);
    expect(b.add(item(1, '{}'))).toBeUndefined();
    expect(b.add(item(2))).toBeUndefined();
    expect(b.add(item(3, '{}'))).toBeUndefined();
    const full = b.add(item(4, '{}'));
    expect(full?.items.map((i) => i.line)).toEqual([1, 2, 3]);
    expect(full?.events.map((i) => i.line)).toEqual([1, 3]);
    expect(b.flush()?.items.map((i) => i.line)).toEqual([4]);
    expect(b.flush()).toBeUndefined();
  });
  it('cuts at the body size', () => {
    const b = new Batcher(1000, 100);
    const big = JSON.stringify({ x: 'y'.repeat(45) });
    expect(b.add(item(1, big))).toBeUndefined();
    expect(b.add(item(2, big))?.events).toHaveLength(1);
    expect(b.flush()?.bytes).toBeLessThanOrEqual(100);
  });
});

describe('helpers', () => {
  it('gives a stable idempotency key per file, mapping and line range', () => {
    const k = batchIdempotencyKey('f', 'm', 1, 500);
    expect(k).toBe(batchIdempotencyKey('f', 'm', 1, 500));
    expect(k).not.toBe(batchIdempotencyKey('f', 'm', 501, 1000));
    expect(k).not.toBe(batchIdempotencyKey('f', 'other', 1, 500));
    expect(k.length).toBeLessThanOrEqual(255);
  });
  it('honours Retry-After, else backs off exponentially up to 30 s', () => {
    expect(retryDelayMs(1, '2')).toBe(2000);
    expect(retryDelayMs(1)).toBe(500);
    expect(retryDelayMs(3, null)).toBe(2000);
    expect(retryDelayMs(20)).toBe(30_000);
  });
  it('formats progress and the summary', () => {
    expect(progressBar(10, 50, 100, 10)).toBe('[#####.....]  50% 10 lines');
    expect(summaryLine({ accepted: 3, rejected: 1, skipped: 0, batches: 1 })).toBe(
      'imported: 3 accepted, 1 rejected, 0 skipped (resumed), 1 batches',
    );
  });
  it('reads lines with exact byte offsets, \\r\\n and a last line without newline, from an offset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mu-import-'));
    const f = join(dir, 'x.ndjson');
    writeFileSync(f, 'aé\r\nb\n\nccc');
    const all: { text: string; end: number }[] = [];
    for await (const l of readLines(f)) all.push(l);
    expect(all).toEqual([
      { text: 'aé', end: 5 },
      { text: 'b', end: 7 },
      { text: '', end: 8 },
      { text: 'ccc', end: 11 },
    ]);
    const rest: string[] = [];
    for await (const l of readLines(f, 7)) rest.push(l.text);
    expect(rest).toEqual(['', 'ccc']);
  });
});
