import { createHash } from 'node:crypto';
import { createReadStream, existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { appendFile, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { CommandError, UsageError, type Command, type CommandIo, type ParsedArgs } from '../command';

/**
 * `mu events import FILE`: send a legacy export (NDJSON or CSV) to the collector's
 * `POST /v1/events` in batches. Ids are kept, never invented, so a re-sent batch is dropped
 * by the deduplicator; a checkpoint beside the file makes a rerun resume after the last
 * acknowledged batch. docs/ingestion.md, "Importing events".
 */

const USAGE =
  'events import FILE [--format ndjson|csv] [--map field=column,...] [--data col[:type],...] ' +
  '[--type T] [--source S] [--id-from-line] [--batch-size N] [--checkpoint PATH] [--restart] ' +
  '[--max-attempts N] [--quiet]';

export const MAX_BATCH_EVENTS = 1_000;
export const DEFAULT_BATCH_EVENTS = 500;
/** Below the collector's 1 MiB body limit, leaving room for the brackets and commas. */
export const MAX_BATCH_BYTES = 900 * 1024;

export const MAPPABLE = ['id', 'type', 'subject', 'time', 'source'] as const;
export type MappableField = (typeof MAPPABLE)[number];
export type FieldMap = Partial<Record<MappableField, string>>;
export type DataType = 'string' | 'number' | 'boolean' | 'json';
export interface DataColumn {
  column: string;
  type: DataType;
}

export interface MappingOptions {
  format: 'ndjson' | 'csv';
  map: FieldMap;
  /** Columns (CSV) or keys (NDJSON with --map) copied into data; undefined = every unmapped one. */
  data?: DataColumn[];
  type?: string;
  source?: string;
  /** Derive a missing id from the file name and line number. */
  idFromLine?: string;
}

export interface LocalReject {
  code: string;
  message: string;
  field?: string;
}

export type RowResult = { event: Record<string, unknown> } | { reject: LocalReject };

/** `id=txn_id,type=event_name` → { id: 'txn_id', type: 'event_name' }. */
export function parseFieldMap(text: string | undefined): FieldMap {
  const map: FieldMap = {};
  if (!text) return map;
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    const field = pair.slice(0, eq).trim();
    const column = pair.slice(eq + 1).trim();
    if (eq < 1 || !column) throw new UsageError(`--map: '${pair}' is not field=column`);
    if (!(MAPPABLE as readonly string[]).includes(field))
      throw new UsageError(`--map: '${field}' is not one of ${MAPPABLE.join(', ')}`);
    if (map[field as MappableField] !== undefined) throw new UsageError(`--map: '${field}' is mapped twice`);
    map[field as MappableField] = column;
  }
  return map;
}

/** `tokens:number,model` → [{ column: 'tokens', type: 'number' }, { column: 'model', type: 'string' }]. */
export function parseDataColumns(text: string | undefined): DataColumn[] | undefined {
  if (text === undefined) return undefined;
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const [column = '', type = 'string'] = s.split(':');
      if (!column) throw new UsageError(`--data: '${s}' has no column name`);
      if (!['string', 'number', 'boolean', 'json'].includes(type))
        throw new UsageError(`--data: '${type}' is not string, number, boolean or json`);
      return { column, type: type as DataType };
    });
}

/**
 * One CSV record on one line (RFC 4180 quoting: "a,b" and "" for a quote). A quoted field
 * spanning lines is not supported: it is reported as an unterminated quote.
 */
export function parseCsvLine(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return undefined;
        const ch = line[i]!;
        if (ch === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += ch;
        i++;
      }
      // Anything between the closing quote and the comma is kept, as most readers do.
      while (i < line.length && line[i] !== ',') field += line[i++];
    } else {
      while (i < line.length && line[i] !== ',') field += line[i++];
    }
    out.push(field);
    if (i >= line.length) return out;
    i++; // the comma
  }
}

function convert(value: unknown, type: DataType): { value: unknown } | { error: string } {
  if (typeof value !== 'string') return { value };
  switch (type) {
    case 'string':
      return { value };
    case 'number': {
      const n = Number(value);
      return value.trim() !== '' && Number.isFinite(n)
        ? { value: n }
        : { error: `'${value}' is not a number` };
    }
    case 'boolean':
      if (/^(true|1|yes)$/i.test(value)) return { value: true };
      if (/^(false|0|no)$/i.test(value)) return { value: false };
      return { error: `'${value}' is not a boolean` };
    case 'json':
      try {
        return { value: JSON.parse(value) as unknown };
      } catch {
        return { error: `'${value}' is not JSON` };
      }
  }
}

/** Epoch milliseconds written as digits become a number: the collector takes both. */
function timeValue(v: unknown): unknown {
  return typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : v;
}

function textValue(v: unknown): unknown {
  return typeof v === 'number' || typeof v === 'bigint' ? String(v) : v;
}

/**
 * Build a CloudEvent from a record (CSV row as column → text, or an NDJSON object with --map).
 * The collector validates the event; only what it cannot (the id) is checked here.
 */
export function mapRecord(rec: Record<string, unknown>, opts: MappingOptions, lineNo: number): RowResult {
  const ev: Record<string, unknown> = {};
  const present = (v: unknown) => v !== undefined && v !== null && v !== '';
  for (const field of MAPPABLE) {
    const col = opts.map[field];
    if (col === undefined) continue;
    const v = rec[col];
    if (!present(v)) continue;
    ev[field] = field === 'time' ? timeValue(v) : textValue(v);
  }
  if (ev.type === undefined && opts.type !== undefined) ev.type = opts.type;
  if (ev.source === undefined && opts.source !== undefined) ev.source = opts.source;
  const mapped = new Set(Object.values(opts.map));
  const data: Record<string, unknown> = {};
  const columns =
    opts.data ??
    Object.keys(rec)
      .filter((k) => !mapped.has(k))
      .map((column) => ({ column, type: 'string' as const }));
  for (const { column, type } of columns) {
    const raw = rec[column];
    if (!present(raw)) continue;
    const c = opts.data ? convert(raw, type) : { value: raw };
    if ('error' in c)
      return { reject: { code: 'INVALID_DATA', message: `${column}: ${c.error}`, field: `data.${column}` } };
    data[column] = c.value;
  }
  ev.data = data;
  return withId(ev, opts, lineNo);
}

function withId(ev: Record<string, unknown>, opts: MappingOptions, lineNo: number): RowResult {
  if (ev.id === undefined || ev.id === null || ev.id === '') {
    if (opts.idFromLine === undefined)
      return {
        reject: {
          code: 'MISSING_ID',
          message: `line ${lineNo} has no id (ids are kept for idempotency; see --id-from-line)`,
          field: 'id',
        },
      };
    ev.id = `${opts.idFromLine}:${lineNo}`;
  }
  return { event: ev };
}

/** One NDJSON line: a CloudEvent as is, or any object mapped with --map. */
export function ndjsonToEvent(line: string, opts: MappingOptions, lineNo: number): RowResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    return { reject: { code: 'INVALID_JSON', message: `line ${lineNo}: ${(err as Error).message}` } };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { reject: { code: 'INVALID_EVENT', message: `line ${lineNo} is not a JSON object` } };
  const obj = parsed as Record<string, unknown>;
  if (Object.keys(opts.map).length > 0 || opts.data !== undefined) return mapRecord(obj, opts, lineNo);
  const ev = { ...obj };
  if (ev.type === undefined && opts.type !== undefined) ev.type = opts.type;
  if (ev.source === undefined && opts.source !== undefined) ev.source = opts.source;
  return withId(ev, opts, lineNo);
}

/** One CSV line against the header. */
export function csvToEvent(line: string, header: string[], opts: MappingOptions, lineNo: number): RowResult {
  const cells = parseCsvLine(line);
  if (!cells)
    return { reject: { code: 'CSV_UNTERMINATED_QUOTE', message: `line ${lineNo}: a quote is not closed` } };
  if (cells.length !== header.length)
    return {
      reject: {
        code: 'CSV_COLUMNS',
        message: `line ${lineNo} has ${cells.length} columns, the header ${header.length}`,
      },
    };
  const rec: Record<string, unknown> = {};
  header.forEach((h, i) => (rec[h] = cells[i]));
  return mapRecord(rec, opts, lineNo);
}

/** Every mapped or listed column must be in the CSV header. */
export function checkHeader(header: string[], opts: MappingOptions): void {
  const wanted = [...Object.values(opts.map), ...(opts.data ?? []).map((d) => d.column)];
  const missing = wanted.filter((c) => !header.includes(c));
  if (missing.length) throw new UsageError(`the CSV header has no column ${missing.join(', ')}`);
  if (opts.map.id === undefined && opts.idFromLine === undefined)
    throw new UsageError('--map id=COLUMN is required for CSV (ids are kept), or --id-from-line');
  if (opts.map.subject === undefined) throw new UsageError('--map subject=COLUMN is required for CSV');
  if (opts.map.type === undefined && opts.type === undefined)
    throw new UsageError('--map type=COLUMN or --type TYPE is required for CSV');
}

export interface BatchItem {
  line: number;
  /** Byte offset just after this line. */
  end: number;
  raw: string;
  json?: string;
  id?: string;
  reject?: LocalReject;
}

export interface Batch {
  items: BatchItem[];
  /** Items with an event to send, in order (results' index refers to these). */
  events: BatchItem[];
  bytes: number;
}

/** Fills batches up to `maxEvents` events and `maxBytes` of body; local rejects ride along. */
export class Batcher {
  private current: Batch = { items: [], events: [], bytes: 2 };
  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number = MAX_BATCH_BYTES,
  ) {}

  /** Add one line; returns the batch that is full and must be sent first, if any. */
  add(item: BatchItem): Batch | undefined {
    let full: Batch | undefined;
    if (item.json !== undefined) {
      const size = Buffer.byteLength(item.json) + 1;
      if (
        this.current.events.length >= this.maxEvents ||
        (this.current.events.length > 0 && this.current.bytes + size > this.maxBytes)
      ) {
        full = this.current;
        this.current = { items: [], events: [], bytes: 2 };
      }
      this.current.events.push(item);
      this.current.bytes += size;
    }
    this.current.items.push(item);
    return full;
  }

  /** What is left at the end of the file. */
  flush(): Batch | undefined {
    const b = this.current;
    this.current = { items: [], events: [], bytes: 2 };
    return b.items.length ? b : undefined;
  }
}

/** The same lines of the same file with the same mapping give the same key: a retry is dropped by JetStream. */
export function batchIdempotencyKey(
  fileId: string,
  fingerprint: string,
  first: number,
  last: number,
): string {
  return `imp_${createHash('sha256').update(`${fileId}\n${fingerprint}\n${first}\n${last}`).digest('hex').slice(0, 48)}`;
}

/** Retry-After (seconds) if given, else 0.5 s doubling up to 30 s. */
export function retryDelayMs(attempt: number, retryAfter?: string | null): number {
  const s = retryAfter ? Number(retryAfter) : NaN;
  if (Number.isFinite(s) && s >= 0) return Math.min(s, 300) * 1000;
  return Math.min(500 * 2 ** (attempt - 1), 30_000);
}

export function progressBar(lines: number, bytes: number, total: number, width = 30): string {
  const ratio = total > 0 ? Math.min(1, bytes / total) : 1;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${lines} lines`;
}

export function summaryLine(s: {
  accepted: number;
  rejected: number;
  skipped: number;
  batches: number;
}): string {
  return `imported: ${s.accepted} accepted, ${s.rejected} rejected, ${s.skipped} skipped (resumed), ${s.batches} batches`;
}

export interface Checkpoint {
  version: 1;
  file: string;
  /** Hash of the path and the first `idBytes` bytes: kept across runs, part of every Idempotency-Key. */
  fileId: string;
  idBytes: number;
  fingerprint: string;
  /** Byte offset and line number after the last acknowledged batch. */
  offset: number;
  line: number;
  /** Rows (events and locally refused lines) done, over every run. */
  rows: number;
  accepted: number;
  rejected: number;
  batches: number;
  complete: boolean;
  updatedAt: string;
}

/** Lines of a file from a byte offset, with the exact byte offset after each (\n or \r\n). */
export async function* readLines(path: string, start = 0): AsyncGenerator<{ text: string; end: number }> {
  let pending: Buffer = Buffer.alloc(0);
  let base = start;
  for await (const chunk of createReadStream(path, { start })) {
    let buf = pending.length ? Buffer.concat([pending, chunk as Buffer]) : (chunk as Buffer);
    let from = 0;
    let nl: number;
    while ((nl = buf.indexOf(0x0a, from)) >= 0) {
      const text = buf.toString('utf8', from, nl > from && buf[nl - 1] === 0x0d ? nl - 1 : nl);
      yield { text, end: base + nl + 1 };
      from = nl + 1;
    }
    base += from;
    buf = buf.subarray(from);
    pending = Buffer.from(buf);
  }
  if (pending.length) {
    const t = pending.toString('utf8');
    yield { text: t.endsWith('\r') ? t.slice(0, -1) : t, end: base + pending.length };
  }
}

/**
 * The file's identity: its path and its first `bytes` bytes (64 KiB at the first run), so a
 * different export under the same name is not resumed while lines appended later are.
 */
function fileIdentity(path: string, bytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return createHash('sha256')
      .update(path)
      .update('\n')
      .update(buf.subarray(0, n))
      .digest('hex')
      .slice(0, 32);
  } finally {
    closeSync(fd);
  }
}

function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

function intOption(args: ParsedArgs, name: string, dflt: number, min: number, max: number): number {
  const v = str(args, name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

export function collectorTarget(env: NodeJS.ProcessEnv = process.env): { url: string; key: string } {
  const key = env.MU_API_KEY;
  if (!key)
    throw new UsageError(
      'MU_API_KEY is not set: export the API key of your tenant (mu tenant create prints one)',
    );
  return { url: (env.MU_COLLECTOR_URL ?? 'http://127.0.0.1:3100').replace(/\/$/, ''), key };
}

/** Exit code 3: the import ran to the end but the collector (or the parser) refused some rows. */
export class SomeRejectedError extends CommandError {
  constructor(message: string) {
    super(message, 3);
  }
}

interface EventResult {
  index: number;
  id?: string;
  status: string;
  error?: { code?: string; message?: string; field?: string };
}

interface Answer {
  results?: EventResult[];
  error?: { code?: string; message?: string };
}

function parseAnswer(text: string): Answer | null {
  try {
    return text ? (JSON.parse(text) as Answer) : null;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sendBatch(
  target: { url: string; key: string },
  batch: Batch,
  idempotencyKey: string,
  maxAttempts: number,
  io: CommandIo,
): Promise<EventResult[]> {
  const body = `[${batch.events.map((e) => e.json).join(',')}]`;
  let last = '';
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let retryAfter: string | null = null;
    try {
      const res = await fetch(`${target.url}/v1/events`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${target.key}`,
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
        },
        body,
      });
      const text = await res.text();
      const parsed = parseAnswer(text);
      if ((res.status === 202 || res.status === 400) && Array.isArray(parsed?.results)) return parsed.results;
      last = `${res.status} ${parsed?.error?.code ?? 'ERROR'}: ${parsed?.error?.message ?? text}`;
      if (res.status !== 429 && res.status !== 503 && res.status < 500) throw new CommandError(last);
      retryAfter = res.headers.get('retry-after');
    } catch (err) {
      if (err instanceof CommandError) throw err;
      last = `cannot reach the collector at ${target.url}: ${(err as Error).message}`;
    }
    if (attempt < maxAttempts) {
      const ms = retryDelayMs(attempt, retryAfter);
      io.err(`${last}; retrying in ${(ms / 1000).toFixed(1)} s (attempt ${attempt + 1}/${maxAttempts})\n`);
      await sleep(ms);
    }
  }
  throw new CommandError(`gave up after ${maxAttempts} attempts: ${last}`);
}

async function saveCheckpoint(path: string, cp: Checkpoint): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, `${JSON.stringify(cp, null, 2)}\n`);
  await rename(tmp, path);
}

async function loadCheckpoint(path: string): Promise<Checkpoint | undefined> {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Checkpoint;
  } catch (err) {
    throw new UsageError(`cannot read the checkpoint ${path}: ${(err as Error).message} (use --restart)`);
  }
}

async function readHeader(path: string): Promise<{ header: string[]; end: number } | undefined> {
  for await (const { text, end } of readLines(path, 0)) {
    const cells = parseCsvLine(text.replace(/^\uFEFF/, ''));
    if (!cells) throw new UsageError('the CSV header has an unterminated quote');
    return { header: cells.map((c) => c.trim()), end };
  }
  return undefined;
}

export const eventsImportCommand: Command = {
  name: 'events import',
  summary: 'import usage events from an NDJSON or CSV file through the collector (resumable)',
  usage: USAGE,
  options: {
    format: { type: 'string' },
    map: { type: 'string' },
    data: { type: 'string' },
    type: { type: 'string' },
    source: { type: 'string' },
    'id-from-line': { type: 'boolean' },
    'batch-size': { type: 'string' },
    checkpoint: { type: 'string' },
    restart: { type: 'boolean' },
    'max-attempts': { type: 'string' },
    quiet: { type: 'boolean' },
  },
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError(`expected one FILE\nusage: mu ${USAGE}`);
    const file = resolve(args.positionals[0]!);
    if (!existsSync(file)) throw new UsageError(`${file} does not exist`);
    const fmtArg = str(args, 'format');
    const format = fmtArg ?? (extname(file).toLowerCase() === '.csv' ? 'csv' : 'ndjson');
    if (format !== 'ndjson' && format !== 'csv') throw new UsageError('--format must be ndjson or csv');
    if (fmtArg === undefined && !['.csv', '.ndjson', '.jsonl'].includes(extname(file).toLowerCase()))
      throw new UsageError('cannot tell the format from the file name: pass --format ndjson|csv');
    const opts: MappingOptions = {
      format,
      map: parseFieldMap(str(args, 'map')),
      data: parseDataColumns(str(args, 'data')),
      type: str(args, 'type'),
      source: str(args, 'source'),
      idFromLine: args.values['id-from-line'] ? basename(file) : undefined,
    };
    const batchSize = intOption(args, 'batch-size', DEFAULT_BATCH_EVENTS, 1, MAX_BATCH_EVENTS);
    const maxAttempts = intOption(args, 'max-attempts', 8, 1, 100);
    const target = collectorTarget();
    const cpPath = resolve(str(args, 'checkpoint') ?? `${file}.mu-import.json`);
    const rejectedPath = `${file}.rejected.ndjson`;
    const fingerprint = createHash('sha256').update(JSON.stringify(opts)).digest('hex').slice(0, 16);
    const total = statSync(file).size;

    let cp = args.values.restart ? undefined : await loadCheckpoint(cpPath);
    if (cp && cp.offset > total)
      throw new UsageError(`${file} is shorter than the checkpoint's offset: use --restart`);
    if (
      cp &&
      (cp.version !== 1 ||
        cp.idBytes > total ||
        cp.fileId !== fileIdentity(file, cp.idBytes) ||
        cp.fingerprint !== fingerprint)
    )
      throw new UsageError(
        `${cpPath} belongs to another file or mapping: use --restart to import from the start, or --checkpoint PATH`,
      );
    const skipped = cp?.rows ?? 0;
    cp ??= {
      version: 1,
      file,
      fileId: fileIdentity(file, Math.min(total, 64 * 1024)),
      idBytes: Math.min(total, 64 * 1024),
      fingerprint,
      offset: 0,
      line: 0,
      rows: 0,
      accepted: 0,
      rejected: 0,
      batches: 0,
      complete: false,
      updatedAt: new Date().toISOString(),
    };
    if (cp.line === 0) await writeFile(rejectedPath, '');

    let header: string[] = [];
    if (format === 'csv') {
      const h = await readHeader(file);
      if (!h) throw new UsageError(`${file} is empty`);
      header = h.header;
      checkHeader(header, opts);
      if (cp.line === 0) {
        cp.offset = h.end;
        cp.line = 1;
      }
    } else if (Object.keys(opts.map).length > 0 && opts.map.id === undefined && !opts.idFromLine) {
      throw new UsageError('--map without id=KEY: ids are kept for idempotency (or use --id-from-line)');
    }

    const run = { accepted: 0, rejected: 0, batches: 0 };
    const tty = Boolean(process.stderr.isTTY) && !args.values.quiet;
    let lastProgress = Date.now();
    const progress = (line: number, offset: number, force = false) => {
      if (args.values.quiet) return;
      const now = Date.now();
      if (tty && (force || now - lastProgress > 100)) {
        io.err(`\r${progressBar(line, offset, total)}`);
        lastProgress = now;
      } else if (!tty && (force || now - lastProgress > 5_000)) {
        io.err(
          `progress: ${line} lines, ${total ? Math.floor((offset / total) * 100) : 100}% of ${total} bytes\n`,
        );
        lastProgress = now;
      }
    };

    const state = cp;
    const fileId = cp.fileId;
    const commit = async (batch: Batch) => {
      const last = batch.items[batch.items.length - 1]!;
      const rejects: string[] = [];
      let accepted = 0;
      if (batch.events.length) {
        const key = batchIdempotencyKey(fileId, fingerprint, batch.items[0]!.line, last.line);
        const results = await sendBatch(target, batch, key, maxAttempts, io);
        for (const r of results) {
          const item = batch.events[r.index];
          if (r.status === 'accepted') accepted++;
          else if (item)
            item.reject = {
              code: r.error?.code ?? 'REJECTED',
              message: r.error?.message ?? r.status,
              field: r.error?.field,
            };
        }
        run.batches++;
        state.batches++;
      }
      for (const item of batch.items)
        if (item.reject)
          rejects.push(JSON.stringify({ line: item.line, id: item.id, ...item.reject, raw: item.raw }));
      if (rejects.length) await appendFile(rejectedPath, `${rejects.join('\n')}\n`);
      run.accepted += accepted;
      run.rejected += rejects.length;
      state.accepted += accepted;
      state.rejected += rejects.length;
      state.rows += batch.items.length;
      state.offset = last.end;
      state.line = last.line;
      state.updatedAt = new Date().toISOString();
      await saveCheckpoint(cpPath, state);
      progress(last.line, last.end);
    };

    const batcher = new Batcher(batchSize);
    let lineNo = cp.line;
    let offset = cp.offset;
    try {
      for await (const { text, end } of readLines(file, cp.offset)) {
        lineNo++;
        offset = end;
        const line = lineNo === 1 ? text.replace(/^\uFEFF/, '') : text;
        if (line.trim() === '') continue;
        const r =
          format === 'csv' ? csvToEvent(line, header, opts, lineNo) : ndjsonToEvent(line, opts, lineNo);
        const item: BatchItem = { line: lineNo, end, raw: line };
        if ('reject' in r) item.reject = r.reject;
        else {
          item.json = JSON.stringify(r.event);
          item.id = typeof r.event.id === 'string' ? r.event.id : undefined;
          if (Buffer.byteLength(item.json) + 2 > MAX_BATCH_BYTES) {
            item.reject = {
              code: 'EVENT_TOO_LARGE',
              message: `line ${lineNo} is over ${MAX_BATCH_BYTES} bytes`,
            };
            delete item.json;
          }
        }
        const full = batcher.add(item);
        if (full) await commit(full);
      }
      const rest = batcher.flush();
      if (rest) await commit(rest);
      state.complete = true;
      state.line = Math.max(state.line, lineNo);
      state.offset = Math.max(state.offset, offset);
      await saveCheckpoint(cpPath, state);
    } catch (err) {
      if (tty) io.err('\n');
      if (err instanceof CommandError)
        throw new CommandError(
          `${err.message}\n${state.rows} rows done up to line ${state.line}; the checkpoint is ${cpPath}: run the same command again to resume`,
        );
      throw err;
    }
    progress(state.line, total, true);
    if (tty) io.err('\n');
    io.out(`${summaryLine({ ...run, skipped })}\n`);
    if (run.rejected > 0) throw new SomeRejectedError(`${run.rejected} rows refused: see ${rejectedPath}`);
  },
};
