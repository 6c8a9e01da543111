#!/usr/bin/env bash
# Outage drill: `serve` (release build) logs to a PostgreSQL it provisions on loopback (from
# Debian's postgresql binaries) while wrk sends unique searches to /api/search; after 10 s the
# database is stopped for OUTAGE seconds (default 60), then started again; the load goes on
# 10 s more. Then serve is stopped (SIGTERM: it flushes) and the drill prints the searches
# answered (HTTP 200, as wrk counted them), the searches stored, and the writer's counters
# (journaled, replayed, dropped). Every answered search should be stored. Asserts nothing.
#
# usage (from the project root): benches/outage.sh       env: OUTAGE (seconds), CONNECTIONS
set -eu
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 2; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$PGBIN" ] || { echo "needs PostgreSQL (apt-get install postgresql)"; exit 2; }
OUTAGE=${OUTAGE:-60}; C=${CONNECTIONS:-4}
T=$(mktemp -d); PID=""; WRK=""
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
PGDATA=$T/pg; PGPORT=55499
mkdir -p "$PGDATA"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA" "$T"
cleanup() {
  [ -n "$WRK" ] && kill "$WRK" 2>/dev/null
  [ -n "$PID" ] && kill "$PID" 2>/dev/null
  as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$T"
}
trap cleanup EXIT
pg() { as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDATA" "$@" >/dev/null; }
as_postgres "$PGBIN/initdb" -D "$PGDATA" -A trust -U postgres >/dev/null
pg start
URL="postgres://postgres@127.0.0.1:$PGPORT/postgres"
cargo build --release -q
HELPCENTER_LOG=warn target/release/helpcenter serve --index "$T/index" --searchlog "$URL" \
  --no-watch --addr 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.err" &
PID=$!
for _ in $(seq 1 300); do BASE=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$T/serve.out" 2>/dev/null | head -1 || true); [ -n "$BASE" ] && curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done
[ -n "${BASE:-}" ] || { echo "serve did not start"; exit 1; }
cat >"$T/search.lua" <<'EOF'
local n = 0
local words = { "refund", "invoice", "password", "export", "calendar", "webhook", "billing", "team", "plan", "login" }
request = function()
  n = n + 1
  local q = words[n % #words + 1] .. "%20" .. words[math.floor(n / 7) % #words + 1] .. "%20drill" .. n .. "x" .. math.random(1, 1000000)
  return wrk.format("GET", "/api/search?locale=en&q=" .. q)
end
done = function(summary, latency, requests)
  io.write(string.format("answered %d errors %d non2xx %d\n", summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
EOF
D=$((OUTAGE + 20))
wrk -t1 -c"$C" -d"${D}s" -s "$T/search.lua" "$BASE" >"$T/wrk.out" 2>&1 &
WRK=$!
sleep 10; pg stop -m fast; echo "database stopped at $(date +%T)"
sleep "$OUTAGE"; pg start; echo "database back at $(date +%T)"
wait "$WRK"; WRK=""
grep -E "Requests/sec|answered" "$T/wrk.out"
metric() { curl -s "$BASE/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
for _ in $(seq 1 600); do [ "$(metric helpcenter_searchlog_journal_bytes)" = "0" ] && break; sleep 0.2; done
echo "journaled $(metric helpcenter_searchlog_journaled_total) replayed $(metric helpcenter_searchlog_replayed_total) journal_dropped $(metric helpcenter_searchlog_journal_dropped_total) dropped $(metric helpcenter_searchlog_dropped_total) lost $(metric helpcenter_searchlog_lost_total)"
kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=""
stored=$(psql "$URL" -tAc "SELECT COUNT(*) FROM searches")
answered=$(awk '/^answered/ {print $2 - $6}' "$T/wrk.out")
echo "answered $answered searches; stored $stored"
