#!/usr/bin/env bash
# The whole test suite: local stack up, then typecheck, lint and every project's tests
# (unit, integration against real NATS/Redis/ClickHouse/Postgres, end to end) through Nx.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash tools/stack.sh up || exit 1
set -a
# shellcheck disable=SC1091
. .mu/stack.env
set +a

# The peers' published clients (OpenMeter, Lago) for the collector's compatibility tests live
# in their own folder: their peer dependencies conflict with the workspace's.
if [ ! -d apps/collector/test/peers/node_modules ]; then
  (cd apps/collector/test/peers && npm ci --ignore-scripts --no-audit --no-fund --silent) || exit 1
fi

# Process-level tests run the real entry points from dist/.
npm run build --silent || exit 1

rm -rf tmp/test-results
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_SKIP_NX_CACHE="${NX_SKIP_NX_CACHE:-${CI:-}}"
npx nx run-many -t typecheck lint --parallel=2 --outputStyle=static
checks=$?
npx prettier --check . >/dev/null || { npx prettier --list-different .; echo "formatting: run npm run format"; checks=1; }
# The Helm chart: strict lint, renders validated against the Kubernetes schemas.
bash tools/helm-check.sh || { echo "helm:check failed"; checks=1; }
# The image installs the workspace from each package's manifest: one missing there is missing at runtime.
for m in libs/*/package.json apps/cli/package.json; do
  grep -q "^COPY ${m} " deploy/Dockerfile || { echo "deploy/Dockerfile does not copy ${m}"; checks=1; }
done
npx nx run-many -t test --parallel=2 --outputStyle=static
tests=$?
node tools/jest/print-summary.js "$tests"
[ "$checks" -eq 0 ] || echo "typecheck, lint, formatting or helm:check failed"
[ "$checks" -eq 0 ] && [ "$tests" -eq 0 ]
