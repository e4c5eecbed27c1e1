// @ts-check
// Records each jest run's totals under tmp/test-results so tools/test.sh can print one
// closing line for the whole workspace ("tests: N passed, N failed, N skipped").
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  /**
   * @param {Set<{ config: { displayName?: { name: string } } }>} contexts
   * @param {{ numPassedTests: number, numFailedTests: number, numPendingTests: number, numTodoTests: number, numFailedTestSuites: number, numRuntimeErrorTestSuites: number }} results
   */
  onRunComplete(contexts, results) {
    const dir = path.join(__dirname, '..', '..', 'tmp', 'test-results');
    fs.mkdirSync(dir, { recursive: true });
    const name = [...contexts][0]?.config?.displayName?.name ?? 'jest';
    fs.writeFileSync(
      path.join(dir, `${name}-${process.pid}.json`),
      JSON.stringify({
        project: name,
        passed: results.numPassedTests,
        failed: results.numFailedTests,
        skipped: results.numPendingTests + results.numTodoTests,
        suitesFailed: results.numFailedTestSuites,
        runtimeErrorSuites: results.numRuntimeErrorTestSuites,
      }),
    );
  }
}
module.exports = SummaryReporter;
