#!/usr/bin/env bash
# Mu on one machine: the local stack, migrations, streams, and every service, each
# answering ready. `tools/demo.sh stop` stops the services (`tools/stack.sh down` the stack).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STATE="$ROOT/.mu"
mkdir -p "$STATE/pids" "$STATE/logs"

# name:port — the services' default ports (override each with MU_<NAME>_PORT).
SERVICES="api:3000 collector:3100 deduplicator:3200 rater:3300 invoicer:3400 tax:3500"

port_of() { local var="MU_${1^^}_PORT"; echo "${!var:-$2}"; }

stop_services() {
  for entry in $SERVICES; do
    name="${entry%%:*}"
    f="$STATE/pids/svc-$name.pid"
    [ -f "$f" ] || continue
    pid="$(cat "$f")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      printf '%-13s stopped\n' "$name"
    fi
    rm -f "$f"
  done
}

if [ "${1:-}" = stop ]; then stop_services; exit 0; fi

bash tools/stack.sh up
set -a
. "$STATE/stack.env"
set +a

[ -f dist/apps/cli/src/main.js ] || npm run build --silent
npm run build --silent
node apps/cli/bin/mu.js migrate
node apps/cli/bin/mu.js streams provision

for entry in $SERVICES; do
  name="${entry%%:*}"
  port="$(port_of "$name" "${entry##*:}")"
  f="$STATE/pids/svc-$name.pid"
  if [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then continue; fi
  PORT="$port" NATS_PROVISION_STREAMS=false nohup node "dist/apps/$name/src/main.js" >"$STATE/logs/$name.log" 2>&1 &
  echo $! >"$f"
done

echo
printf '%-13s %-24s %s\n' service url readiness
failed=0
for entry in $SERVICES; do
  name="${entry%%:*}"
  port="$(port_of "$name" "${entry##*:}")"
  url="http://127.0.0.1:$port"
  report=""
  for _ in $(seq 1 150); do
    report="$(node -e "fetch(process.argv[1]).then(async r => { const b = await r.json(); console.log(r.status + ' ' + b.status + ' ' + Object.entries(b.checks).map(([k, v]) => k + '=' + v.status).join(' ')); }).catch(() => process.exit(1))" "$url/health/ready" 2>/dev/null)" && break
    if ! kill -0 "$(cat "$STATE/pids/svc-$name.pid")" 2>/dev/null; then report="exited: see .mu/logs/$name.log"; break; fi
    sleep 0.2
  done
  printf '%-13s %-24s %s\n' "$name" "$url" "${report:-no answer: see .mu/logs/$name.log}"
  case "$report" in "200 ready"*) ;; *) failed=1 ;; esac
done
echo
if [ "$failed" = 0 ]; then
  echo "Mu is up: every service is ready. Logs in .mu/logs/. Stop with: npm run demo -- stop"
else
  echo "some services are not ready; see .mu/logs/" >&2
  exit 1
fi
