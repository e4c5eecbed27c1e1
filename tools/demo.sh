#!/usr/bin/env bash
# Mu on one machine: the local stack, migrations, streams, and every service, each
# answering ready; then a demo tenant with a month of usage streamed through the pipeline, its
# customers' current charges, and last month's invoices finalized by the invoicer (PDFs in
# .mu/invoices/). `tools/demo.sh stop` stops the services (`tools/stack.sh down` the stack).
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
  # The invoicer closes ended periods every 5 s here (60 s by default), so the demo's wait is short.
  PORT="$port" NATS_PROVISION_STREAMS=false INVOICER_CLOSE_INTERVAL_SECONDS="${INVOICER_CLOSE_INTERVAL_SECONDS:-5}" nohup node --max-semi-space-size=32 "dist/apps/$name/src/main.js" >"$STATE/logs/$name.log" 2>&1 &
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
if [ "$failed" != 0 ]; then
  echo "some services are not ready; see .mu/logs/" >&2
  exit 1
fi

# The demo tenant: created once, its key kept in .mu/demo.env for later runs (made anew if the
# database no longer knows the key, or if it was set up by an older demo whose subscriptions
# start in the current month: MU_DEMO_VERSION).
DEMO_VERSION=2
if [ -f "$STATE/demo.env" ] && ! grep -qx "MU_DEMO_VERSION=$DEMO_VERSION" "$STATE/demo.env"; then
  echo "the demo tenant in .mu/demo.env is from an older demo: setting up a new one"
  rm -f "$STATE/demo.env"
fi
if [ -f "$STATE/demo.env" ] && ! (set -a; . "$STATE/demo.env"; set +a; node apps/cli/bin/mu.js customers list --limit 1 >/dev/null 2>&1); then
  rm -f "$STATE/demo.env"
fi
if [ ! -f "$STATE/demo.env" ]; then
  key="$(node apps/cli/bin/mu.js tenant create --name "Demo Cloud Inc." --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).apiKey))')"
  printf 'MU_API_URL=http://127.0.0.1:%s\nMU_API_KEY=%s\nMU_DEMO_VERSION=%s\n' "$(port_of api 3000)" "$key" "$DEMO_VERSION" >"$STATE/demo.env"
fi
set -a
. "$STATE/demo.env"
set +a
mu() { node apps/cli/bin/mu.js "$@"; }
# Idempotency keys make every step safe to run again.
post() { mu "$@" --idempotency-key "demo-$(echo "$*" | sha1sum | cut -c1-16)" >/dev/null; }

post meters create --data '{"key":"api_calls","name":"API calls","eventType":"api.call","aggregation":"count","groupBy":{"region":"$.region"},"unit":"call"}' || true
post meters create --data '{"key":"storage_gb","name":"Storage","eventType":"storage.sample","aggregation":"time_weighted_sum","valuePath":"$.gb","unit":"GB"}' || true
post plans create --data '{"key":"growth","name":"Growth"}' || true
if [ "$(mu plans get growth | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).versions.length))')" = 0 ]; then
  mu plans version create growth --data '{
    "currency": "EUR", "billingCadence": "P1M", "trialDays": 0,
    "fixedFees": [{"key": "platform", "name": "Platform fee", "amount": "49.00", "timing": "in_advance"}],
    "usageCharges": [
      {"key": "calls", "name": "API calls", "meter": "api_calls",
       "price": {"currency": "EUR", "model": "graduated", "tiers": [{"upTo": "100000", "unitAmount": "0"}, {"upTo": "1000000", "unitAmount": "0.0004"}, {"upTo": null, "unitAmount": "0.0002"}]}},
      {"key": "storage", "name": "Storage (GB-hours)", "meter": "storage_gb",
       "price": {"currency": "EUR", "model": "unit", "unitAmount": "0.00014"}}
    ]}' >/dev/null
  mu plans version publish growth 1 >/dev/null
fi
export MU_COLLECTOR_URL="http://127.0.0.1:$(port_of collector 3100)"

# Each step below stops the demo with a message saying what failed (set -e).
echo "Customers:"
node tools/demo/customers.js
echo
echo "Billing settings of the demo tenant:"
node tools/demo/invoices.js settings
echo
echo "A month of usage through the pipeline (collector -> deduplicator -> rater -> ClickHouse):"
node tools/demo/stream.js
echo
echo "Subscriptions (plan growth since the start of last month, in each customer's time zone):"
node tools/demo/subscribe.js
echo
echo "Current charges (GET /v1/customers/{id}/current-charges):"
node tools/demo/charges.js
echo "Last month's invoices, closed and finalized by the invoicer:"
node tools/demo/invoices.js show

echo
echo "Mu is up: every service is ready, with a demo tenant (meters api_calls and storage_gb, plan"
echo "growth v1, three customers subscribed since last month, their usage, current charges and invoices)."
echo "Try it:"
echo "  set -a; . .mu/demo.env; set +a; npx mu customers list"
echo "  curl -s -H \"Authorization: Bearer \$MU_API_KEY\" \$MU_API_URL/v1/invoices"
echo "  API docs: http://127.0.0.1:$(port_of api 3000)/docs     logs: .mu/logs/     stop: npm run demo -- stop"
