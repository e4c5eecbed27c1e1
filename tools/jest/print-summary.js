// @ts-check
// Prints the workspace's test totals as the last line of a test run.
const fs = require('node:fs');
const path = require('node:path');

const dir = path.join(__dirname, '..', '..', 'tmp', 'test-results');
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
const total = { passed: 0, failed: 0, skipped: 0, suitesFailed: 0 };
const byProject = /** @type {string[]} */ ([]);
for (const f of files) {
  const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  total.passed += r.passed;
  total.failed += r.failed;
  total.skipped += r.skipped;
  total.suitesFailed += r.suitesFailed;
  byProject.push(
    `${r.project}: ${r.passed} passed, ${r.failed} failed${r.suitesFailed ? `, ${r.suitesFailed} suites failed` : ''}`,
  );
}
console.log('');
for (const line of byProject.sort()) console.log(`  ${line}`);
if (total.suitesFailed) console.log(`${total.suitesFailed} test suites failed to run`);
// A project whose jest exited non-zero without writing results (no tests found, a crash)
// still counts as a failure: tools/test.sh passes the run's exit code.
const exitCode = Number(process.argv[2] ?? 0);
if (exitCode !== 0 && total.failed + total.suitesFailed === 0) {
  console.log('a test run failed without reporting results (see above)');
  total.suitesFailed = 1;
}
console.log(
  `tests: ${total.passed} passed, ${total.failed + total.suitesFailed} failed, ${total.skipped} skipped`,
);
