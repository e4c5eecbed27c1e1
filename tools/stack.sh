#!/usr/bin/env bash
# The local stack on loopback: NATS with JetStream, Redis, PostgreSQL and ClickHouse.
#   tools/stack.sh up      reuse what already answers, start (installing Debian packages
#                          as root when missing) what does not, write .mu/stack.env
#   tools/stack.sh down    stop only what `up` started
#   tools/stack.sh status  what answers, and who started it
#   tools/stack.sh env     print the environment (eval "$(tools/stack.sh env)")
# ClickHouse: the server at CLICKHOUSE_URL when set and answering; otherwise the embedded
# engine (npm chdb) behind ClickHouse's HTTP interface, tools/clickhouse/server.js.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="$ROOT/.mu"
PIDS="$STATE/pids"
LOGS="$STATE/logs"
ENV_FILE="$STATE/stack.env"
mkdir -p "$PIDS" "$LOGS"

NATS_PORT="${MU_NATS_PORT:-4222}"
REDIS_PORT="${MU_REDIS_PORT:-6379}"
PG_PORT="${MU_PG_PORT:-5432}"
CH_PORT="${MU_CLICKHOUSE_PORT:-8123}"

say() { printf '%-11s %s\n' "$1" "$2"; }
fail() { printf 'stack: %s\n' "$*" >&2; exit 1; }

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_port() { # port seconds
  local i
  for ((i = 0; i < $2 * 10; i++)); do answers "$1" && return 0; sleep 0.1; done
  return 1
}

can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }

APT_UPDATED=0
apt_install() { # package...
  if ! can_apt; then return 1; fi
  if [ "$APT_UPDATED" = 0 ]; then apt-get update -qq >/dev/null 2>&1 || true; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >"$LOGS/apt.log" 2>&1
}

need_binary() { # binary package
  local bin=$1 pkg=$2 path
  path="$(command -v "$bin" 2>/dev/null || true)"
  [ -z "$path" ] && [ -x "/usr/sbin/$bin" ] && path="/usr/sbin/$bin"
  if [ -z "$path" ]; then
    say "$bin" "not installed; installing Debian package $pkg" >&2
    apt_install "$pkg" || fail "$bin is missing: install it with 'apt-get install $pkg' (as root), then run this again"
    path="$(command -v "$bin" 2>/dev/null || echo "/usr/sbin/$bin")"
  fi
  echo "$path"
}

started_by_us() { [ -f "$PIDS/$1.pid" ] && kill -0 "$(cat "$PIDS/$1.pid")" 2>/dev/null; }

start_bg() { # name logfile command...
  local name=$1 log=$2; shift 2
  nohup "$@" >"$log" 2>&1 &
  echo $! >"$PIDS/$name.pid"
}

up_nats() {
  if answers "$NATS_PORT"; then say nats "reusing 127.0.0.1:$NATS_PORT"; return; fi
  local bin; bin="$(need_binary nats-server nats-server)"
  mkdir -p "$STATE/nats"
  start_bg nats "$LOGS/nats.log" "$bin" -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$STATE/nats"
  wait_for_port "$NATS_PORT" 15 || fail "nats-server did not start; see $LOGS/nats.log"
  say nats "started on 127.0.0.1:$NATS_PORT (JetStream, data in .mu/nats)"
}

up_redis() {
  if answers "$REDIS_PORT"; then say redis "reusing 127.0.0.1:$REDIS_PORT"; return; fi
  local bin; bin="$(need_binary redis-server redis-server)"
  mkdir -p "$STATE/redis"
  start_bg redis "$LOGS/redis.log" "$bin" --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no --dir "$STATE/redis"
  wait_for_port "$REDIS_PORT" 15 || fail "redis-server did not start; see $LOGS/redis.log"
  say redis "started on 127.0.0.1:$REDIS_PORT"
}

pg_admin_url() { echo "postgres://postgres:postgres@127.0.0.1:$PG_PORT/postgres"; }

up_postgres() {
  if answers "$PG_PORT"; then
    say postgres "reusing 127.0.0.1:$PG_PORT"
  else
    if ! command -v pg_lsclusters >/dev/null || [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
      say postgres "not installed; installing Debian package postgresql" >&2
      apt_install postgresql || fail "PostgreSQL is missing: install it with 'apt-get install postgresql' (as root), then run this again"
      touch "$STATE/postgres.installed"
    fi
    local version cluster
    read -r version cluster _ < <(pg_lsclusters -h | head -n 1)
    pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start >"$LOGS/postgres.log" 2>&1 ||
      pg_ctlcluster "$version" "$cluster" start >>"$LOGS/postgres.log" 2>&1 ||
      fail "PostgreSQL $version/$cluster did not start; see $LOGS/postgres.log"
    echo "$version $cluster" >"$STATE/postgres.cluster"
    wait_for_port "$PG_PORT" 30 || fail "PostgreSQL is not answering on 127.0.0.1:$PG_PORT; see $LOGS/postgres.log"
    say postgres "started cluster $version/$cluster on 127.0.0.1:$PG_PORT"
  fi
  command -v psql >/dev/null || apt_install postgresql-client || fail "psql is missing: apt-get install postgresql-client"
  # A fresh Debian cluster wants a password over TCP; this machine may trust instead. Both accept this one.
  if ! psql "$(pg_admin_url)" -Atqc 'SELECT 1' >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1; then
      su postgres -c "psql -p $PG_PORT -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null 2>&1 || true
    fi
    psql "$(pg_admin_url)" -Atqc 'SELECT 1' >/dev/null 2>&1 ||
      fail "cannot log in to PostgreSQL as postgres/postgres on 127.0.0.1:$PG_PORT; set DATABASE_URL to a superuser URL"
  fi
  local db
  for db in mu mu_test; do
    if [ "$(psql "$(pg_admin_url)" -Atqc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
      psql "$(pg_admin_url)" -qc "CREATE DATABASE $db" >/dev/null
    fi
  done
}

ch_ping() { node -e "fetch(process.argv[1] + '/ping').then(r => r.text()).then(t => process.exit(t.startsWith('Ok') ? 0 : 1), () => process.exit(1))" "$1"; }

up_clickhouse() {
  if [ -n "${CLICKHOUSE_URL:-}" ]; then
    ch_ping "$CLICKHOUSE_URL" || fail "CLICKHOUSE_URL=$CLICKHOUSE_URL does not answer /ping"
    say clickhouse "reusing $CLICKHOUSE_URL"
    CH_URL="$CLICKHOUSE_URL"
    return
  fi
  CH_URL="http://127.0.0.1:$CH_PORT"
  if answers "$CH_PORT"; then
    ch_ping "$CH_URL" || fail "something on 127.0.0.1:$CH_PORT is not ClickHouse; set MU_CLICKHOUSE_PORT"
    say clickhouse "reusing $CH_URL"
    return
  fi
  [ -d "$ROOT/node_modules/chdb" ] || fail "the embedded ClickHouse needs the npm packages: run 'npm install' first"
  # Supervised: started again on the same data if the engine dies (tools/clickhouse/supervise.js).
  start_bg clickhouse "$LOGS/clickhouse.log" node "$ROOT/tools/clickhouse/supervise.js" --host 127.0.0.1 --port "$CH_PORT" --path "$STATE/clickhouse"
  local i
  for ((i = 0; i < 300; i++)); do ch_ping "$CH_URL" && break; sleep 0.1; done
  ch_ping "$CH_URL" || fail "embedded ClickHouse did not start; see $LOGS/clickhouse.log"
  say clickhouse "started embedded engine (chdb) on $CH_URL, data in .mu/clickhouse"
}

write_env() {
  cat >"$ENV_FILE" <<ENV
NATS_URL=nats://127.0.0.1:$NATS_PORT
REDIS_URL=redis://127.0.0.1:$REDIS_PORT
DATABASE_URL=postgres://postgres:postgres@127.0.0.1:$PG_PORT/mu
TEST_DATABASE_URL=postgres://postgres:postgres@127.0.0.1:$PG_PORT/mu_test
CLICKHOUSE_URL=$CH_URL
OTEL_TRACES_EXPORTER=${OTEL_TRACES_EXPORTER:-none}
OTEL_METRICS_EXPORTER=${OTEL_METRICS_EXPORTER:-none}
OTEL_LOGS_EXPORTER=${OTEL_LOGS_EXPORTER:-none}
ENV
}

stop_pid() { # name
  local f="$PIDS/$1.pid" pid i
  [ -f "$f" ] || return 0
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    say "$1" "stopped"
  fi
  rm -f "$f"
}

cmd="${1:-}"
case "$cmd" in
  up)
    up_nats
    up_redis
    up_postgres
    up_clickhouse
    write_env
    say env "written to .mu/stack.env"
    ;;
  down)
    stop_pid clickhouse
    stop_pid redis
    stop_pid nats
    if [ -f "$STATE/postgres.cluster" ]; then
      read -r version cluster <"$STATE/postgres.cluster"
      pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" stop >/dev/null 2>&1 || pg_ctlcluster "$version" "$cluster" stop || true
      rm -f "$STATE/postgres.cluster"
      say postgres "stopped cluster $version/$cluster"
    fi
    ;;
  status)
    for pair in "nats:$NATS_PORT" "redis:$REDIS_PORT" "postgres:$PG_PORT" "clickhouse:$CH_PORT"; do
      name="${pair%%:*}" port="${pair##*:}"
      by="not started by stack.sh"
      if started_by_us "$name" || { [ "$name" = postgres ] && [ -f "$STATE/postgres.cluster" ]; }; then by="started by stack.sh"; fi
      if answers "$port"; then say "$name" "up on 127.0.0.1:$port ($by)"; else say "$name" "down"; fi
    done
    ;;
  env)
    [ -f "$ENV_FILE" ] || fail "no .mu/stack.env yet: run tools/stack.sh up"
    sed 's/^/export /' "$ENV_FILE"
    ;;
  *)
    echo "usage: tools/stack.sh up|down|status|env" >&2
    exit 2
    ;;
esac
