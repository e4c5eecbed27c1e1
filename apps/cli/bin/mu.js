#!/usr/bin/env node
// The `mu` command. Runs the compiled CLI; `npm install` builds it (the root `prepare` script).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', '..', '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('mu is not built yet: run `npm run build` in the repository root\n');
  process.exit(1);
}
require(entry).cliMain();
