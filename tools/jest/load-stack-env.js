// @ts-check
// Tests find services through NATS_URL, REDIS_URL, CLICKHOUSE_URL and DATABASE_URL.
// When they are unset and the local stack wrote .mu/stack.env, use that (env wins).
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(__dirname, '..', '..', '.mu', 'stack.env');
if (fs.existsSync(file)) {
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m && m[1] && !process.env[m[1]]) process.env[m[1]] = m[2];
  }
}
process.env.OTEL_TRACES_EXPORTER ??= 'none';
process.env.OTEL_METRICS_EXPORTER ??= 'none';
process.env.OTEL_LOGS_EXPORTER ??= 'none';
