#!/usr/bin/env node
// @ts-check
/**
 * ClickHouse's HTTP interface over the embedded engine (npm `chdb`), for machines
 * without a ClickHouse server. Services and analyst tools use the ordinary ClickHouse
 * HTTP client against it; production points CLICKHOUSE_URL at a real server.
 *
 * What it implements of the protocol: GET/HEAD /ping and /, GET and POST / with the
 * query in `query` and/or the body (concatenated, as the server does), `database`,
 * `default_format`, `query_id`, `param_<name>` bindings, gzip request bodies, and every
 * other URL parameter applied as a setting for that one query. Errors come back with
 * status 500, the `X-ClickHouse-Exception-Code` header and ClickHouse's own message.
 *
 * Only one process may open a chdb data path, so queries are serialised through one
 * session; settings and the current database are restored after each query.
 *
 * Usage: node tools/clickhouse/server.js [--host 127.0.0.1] [--port 8123] [--path DIR]
 */
const http = require('node:http');
const { parseArgs } = require('node:util');
const zlib = require('node:zlib');
const { randomUUID } = require('node:crypto');
const { mkdirSync } = require('node:fs');
const path = require('node:path');

const { values: args } = parseArgs({
  options: {
    host: { type: 'string', default: process.env.CHDB_HOST ?? '127.0.0.1' },
    port: { type: 'string', default: process.env.CHDB_PORT ?? '8123' },
    path: { type: 'string', default: process.env.CHDB_PATH ?? path.join(process.cwd(), '.mu', 'clickhouse') },
  },
});

/** URL parameters that are protocol, not settings. */
const PROTOCOL_PARAMS = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'user',
  'password',
  'compress',
  'decompress',
  'enable_http_compression',
  'http_zlib_compression_level',
  'wait_end_of_query',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'buffer_size',
  'http_response_buffer_size',
  'role',
  'quota_key',
  'add_http_cors_header',
]);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Where the embedded engine's defaults differ from a ClickHouse server's, the server's
 * win: they are set when the session opens and restored after any request changes them.
 */
const SERVER_DEFAULTS = /** @type {Record<string, string>} */ ({
  output_format_json_quote_64bit_integers: '1',
  implicit_select: '0',
});

/** @param {unknown} err */
function errorMessage(err) {
  return err instanceof Error ? err.message : String(err);
}

/**
 * @param {string} v
 * @param {boolean} [alwaysString]
 */
function settingLiteral(v, alwaysString = false) {
  return !alwaysString && /^-?\d+(\.\d+)?$/.test(v)
    ? v
    : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** @param {string} sql */
function explicitFormat(sql) {
  const m =
    /\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$/i.exec(sql.split('\n').slice(0, 1).join('\n')) ??
    /\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$/i.exec(sql);
  return m ? m[1] : undefined;
}

/** @param {string} format */
function contentType(format) {
  if (/^JSON/i.test(format)) return 'application/json; charset=UTF-8';
  if (/^CSV/i.test(format)) return 'text/csv; charset=UTF-8; header=absent';
  return 'text/plain; charset=UTF-8';
}

function main() {
  mkdirSync(args.path, { recursive: true });
  /** @type {import('chdb').Session} */
  let session;
  try {
    const { Session } = require('chdb');
    session = new Session(args.path);
    session.query(
      Object.entries(SERVER_DEFAULTS)
        .map(([k, v]) => `SET ${k} = ${v}`)
        .join('; '),
    );
  } catch (err) {
    process.stderr.write(
      `chdb could not open ${args.path}: ${errorMessage(err)}\n(is another process using this data path?)\n`,
    );
    process.exit(1);
  }

  let queue = Promise.resolve();
  /**
   * Run one request's statements alone on the session, then restore settings and database.
   * @template T
   * @param {() => Promise<T>} fn
   * @returns {Promise<T>}
   */
  function serial(fn) {
    const run = queue.then(fn, fn);
    queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * @param {URLSearchParams} params
   * @param {string} sql
   */
  async function execute(params, sql) {
    const settings = /** @type {[string, string][]} */ ([]);
    const binds = /** @type {Record<string, string>} */ ({});
    for (const [k, v] of params) {
      if (k.startsWith('param_')) binds[k.slice(6)] = v;
      else if (!PROTOCOL_PARAMS.has(k)) {
        if (!IDENT.test(k))
          throw Object.assign(
            new Error(`Code: 115. DB::Exception: Unknown setting '${k}'. (UNKNOWN_SETTING)`),
            { chCode: 115 },
          );
        settings.push([k, v]);
      }
    }
    const database = params.get('database');
    for (const k of Object.keys(binds)) {
      if (!IDENT.test(k))
        throw Object.assign(
          new Error(`Code: 36. DB::Exception: Bad query parameter name '${k}'. (BAD_ARGUMENTS)`),
          { chCode: 36 },
        );
    }
    if (database && !IDENT.test(database)) {
      throw Object.assign(
        new Error(`Code: 81. DB::Exception: Database ${database} does not exist. (UNKNOWN_DATABASE)`),
        { chCode: 81 },
      );
    }
    const format = explicitFormat(sql) ?? params.get('default_format') ?? 'TabSeparated';
    // Parameters are bound as `SET param_x = '<text>'`: the engine then parses the same text
    // a server would. A session keeps old parameters, so a placeholder this request did not
    // bind is refused here, as a server would refuse it.
    if (!/^\s*INSERT\b/i.test(sql)) {
      for (const m of sql.matchAll(/\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:/g)) {
        if (!(String(m[1]) in binds)) {
          throw Object.assign(
            new Error(
              `Code: 456. DB::Exception: Substitution \`${m[1]}\` is not set. (UNKNOWN_QUERY_PARAMETER)`,
            ),
            { chCode: 456 },
          );
        }
      }
    }
    const prefix = [
      ...Object.entries(binds).map(([k, v]) => `SET param_${k} = ${settingLiteral(v, true)}`),
      ...settings.map(([k, v]) => `SET ${k} = ${settingLiteral(v)}`),
      ...(database ? [`USE ${database}`] : []),
    ];
    const full = prefix.length ? `${prefix.join('; ')}; ${sql}` : sql;
    return serial(async () => {
      try {
        const result = await session.queryAsync(full, { format });
        return { result, format };
      } finally {
        const reset = [
          ...settings.map(([k]) =>
            k in SERVER_DEFAULTS ? `SET ${k} = ${SERVER_DEFAULTS[k]}` : `SET ${k} = DEFAULT`,
          ),
          ...(database ? ['USE default'] : []),
        ];
        if (reset.length) await session.queryAsync(reset.join('; ')).catch(() => undefined);
      }
    });
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const chunks = /** @type {Buffer[]} */ ([]);
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const queryId = url.searchParams.get('query_id') ?? randomUUID();
        res.setHeader('X-ClickHouse-Query-Id', queryId);
        res.setHeader('X-ClickHouse-Timezone', 'UTC');
        res.setHeader('X-ClickHouse-Server-Display-Name', 'mu-chdb');
        if (
          (url.pathname === '/ping' || url.pathname === '/') &&
          !url.searchParams.has('query') &&
          req.method !== 'POST'
        ) {
          res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
          return;
        }
        if (url.pathname !== '/') {
          res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`There is no handle ${url.pathname}\n`);
          return;
        }
        try {
          let body = Buffer.concat(chunks);
          if (/gzip/i.test(String(req.headers['content-encoding'] ?? ''))) body = zlib.gunzipSync(body);
          const urlQuery = url.searchParams.get('query') ?? '';
          const text = body.toString('utf8');
          const sql = urlQuery && text ? `${urlQuery}\n${text}` : urlQuery || text;
          if (!sql.trim())
            throw Object.assign(new Error('Code: 62. DB::Exception: Empty query. (SYNTAX_ERROR)'), {
              chCode: 62,
            });
          // An INSERT ... FORMAT with no rows is a no-op on a server; the engine calls it an error.
          if (/^\s*INSERT\b[\s\S]*\bFORMAT\s+\w+\s*$/i.test(sql)) {
            res
              .writeHead(200, {
                'X-ClickHouse-Summary': JSON.stringify({ written_rows: '0', read_rows: '0' }),
              })
              .end();
            return;
          }
          const { result, format } = await execute(url.searchParams, sql);
          const bytes = result.bytes();
          res.writeHead(200, {
            'Content-Type': contentType(format),
            'X-ClickHouse-Format': format,
            'X-ClickHouse-Summary': JSON.stringify({
              read_rows: String(result.rowsRead ?? 0),
              read_bytes: String(result.bytesRead ?? 0),
              written_rows: String(/^\s*INSERT\b/i.test(sql) ? (result.rowsRead ?? 0) : 0),
              written_bytes: '0',
              total_rows_to_read: '0',
              elapsed_ns: String(Math.round((result.elapsed ?? 0) * 1e9)),
            }),
          });
          res.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        } catch (err) {
          const message = errorMessage(err);
          const code =
            /** @type {{chCode?: number}} */ (err).chCode ?? Number(/Code: (\d+)/.exec(message)?.[1] ?? 1000);
          res.writeHead(500, {
            'Content-Type': 'text/plain; charset=UTF-8',
            'X-ClickHouse-Exception-Code': String(code),
          });
          res.end(
            `${/^Code: /.test(message) ? message : `Code: ${code}. DB::Exception: ${message}. (STD_EXCEPTION)`}\n`,
          );
        }
      })();
    });
  });

  server.keepAliveTimeout = 10_000;
  server.listen(Number(args.port), args.host, () => {
    process.stdout.write(
      `embedded ClickHouse (chdb) on http://${args.host}:${args.port}, data in ${args.path}\n`,
    );
  });
  const stop = () => {
    server.close();
    void queue.finally(() => {
      session.close();
      process.exit(0);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main();
