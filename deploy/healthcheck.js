#!/usr/bin/env node
// Container health check for the Mu image, which has neither curl nor wget:
//   node deploy/healthcheck.js [live|ready]
// GETs /health/<live|ready> (default ready) on 127.0.0.1:$PORT and exits 0 on a 2xx.
'use strict';
const http = require('node:http');

const probe = process.argv[2] === 'live' ? 'live' : 'ready';
const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('healthcheck: PORT must be set to the service port\n');
  process.exit(2);
}
const req = http.get({ host: '127.0.0.1', port, path: `/health/${probe}`, timeout: 4000 }, (res) => {
  res.resume();
  process.exit(res.statusCode >= 200 && res.statusCode < 300 ? 0 : 1);
});
req.on('timeout', () => req.destroy(new Error('timed out')));
req.on('error', (err) => {
  process.stderr.write(`healthcheck: ${err.message}\n`);
  process.exit(1);
});
