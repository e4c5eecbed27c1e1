#!/usr/bin/env node
// Keeps the embedded ClickHouse (server.js, same arguments) running: if it dies other than by
// our stop (twice this session the chdb engine exited without a word while tests ran), it is
// started again on the same data directory, so one crash costs the queries in flight rather
// than every test after it. Each exit is logged with its code or signal, for diagnosis.
// SIGTERM/SIGINT stop the server and then this process.
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');

const server = path.join(__dirname, 'server.js');
const args = process.argv.slice(2);
/** @type {import('node:child_process').ChildProcess | null} */
let child = null;
let stopping = false;
let restarts = 0;
let lastStart = 0;

function start() {
  lastStart = Date.now();
  child = spawn(process.execPath, [server, ...args], { stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    child = null;
    if (stopping) process.exit(0);
    const ran = Date.now() - lastStart;
    process.stderr.write(
      `${new Date().toISOString()} embedded ClickHouse exited (code ${code}, signal ${signal}) after ${ran} ms; restarting\n`,
    );
    restarts += 1;
    // A server that cannot stay up (bad arguments, port taken) is not restarted forever.
    if (ran < 2_000 && restarts > 5) process.exit(1);
    setTimeout(start, ran < 2_000 ? 1_000 : 100);
  });
}

function stop() {
  stopping = true;
  if (child) child.kill('SIGTERM');
  else process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
start();
