#!/usr/bin/env bash
# Analytics at scale. For each size N: writes a 30-day search log of N searches
# (benches/events.py: en/ja/ko, Zipf-like phrasings of the sample's titles with typos, case
# variants and a long tail of one-off queries, about 30% clicked, contacts, votes, views),
# imports it with `helpcenter searchlog import` into a fresh SQLite file (and a fresh
# PostgreSQL schema when HELPCENTER_BENCH_POSTGRES_URL is set), then prints, with max RSS:
# the import rate; `report gaps`, `keywords`, `queries`, `funnel`; one admin dashboard view
# (served by `serve`, timed by curl); the completions refresh (logged by `serve`).
# Asserts nothing.
#
# usage (from the project root): benches/analytics.sh [N ...]   (default: 100000 1000000)
# 10 million searches take about 20 minutes to import and 5 GB of disk for SQLite.
set -eu
cd "$(dirname "$0")/.."
cargo build --release -q
BIN=target/release/helpcenter
T=$(mktemp -d); PID=""; trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$T"' EXIT
TOKEN=analytics-benchmark-token-0123456789
SIZES=${*:-100000 1000000}
PORT=18181

measure() { # label, command...: prints "label  seconds  max RSS"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$T/time" "$@" >"$T/out" 2>"$T/err" || true
  read -r secs kb <"$T/time"
  printf "  %-22s %7.2f s  %6d MB\n" "$label" "$secs" "$((kb / 1024))"
}

run_backend() { # name, url
  local name=$1 url=$2 n=$3
  echo "== $name, $n searches"
  /usr/bin/time -f "%e %M" -o "$T/time" "$BIN" --searchlog "$url" searchlog import "$T/events.jsonl" >"$T/out" 2>"$T/err"
  read -r secs kb <"$T/time"
  echo "  import                 $(cat "$T/out") (max RSS $((kb / 1024)) MB)"
  for report in gaps keywords queries funnel; do
    measure "report $report" "$BIN" --searchlog "$url" report "$report" --since 30d --limit 50
  done
  HELPCENTER_ADMIN_TOKEN=$TOKEN HELPCENTER_LOG=info "$BIN" serve --index "$T/index" --searchlog "$url" \
    --no-watch --addr "127.0.0.1:$PORT" >"$T/serve.out" 2>"$T/serve.err" & PID=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  for _ in $(seq 1 300); do grep -q "completions refreshed" "$T/serve.err" && break; sleep 0.1; done
  echo "  completions refresh    $(grep -o 'completions refreshed.*' "$T/serve.err" | sed 's/\x1b\[[0-9;]*m//g' | head -1)"
  for i in 1 2 3; do
    curl -s -o /dev/null -w "  dashboard view $i       %{time_total} s\n" -H "Authorization: Bearer $TOKEN" \
      "http://127.0.0.1:$PORT/admin/?since=30d"
  done
  echo "  serve max RSS          $(awk '/VmHWM/{print int($2/1024)" MB"}' /proc/$PID/status)"
  kill $PID; wait $PID 2>/dev/null || true; PID=""
}

for n in $SIZES; do
  python3 benches/events.py "$n" >"$T/events.jsonl"
  echo "# $n searches: $(wc -l <"$T/events.jsonl") events"
  rm -f "$T"/log.db*
  run_backend sqlite "sqlite://$T/log.db" "$n"
  if [ -n "${HELPCENTER_BENCH_POSTGRES_URL:-}" ]; then
    schema="bench_${n}_$$"
    PGOPTIONS="-c client_min_messages=warning" psql "$HELPCENTER_BENCH_POSTGRES_URL" -qc "CREATE SCHEMA $schema" >/dev/null
    sep='?'; case "$HELPCENTER_BENCH_POSTGRES_URL" in *\?*) sep='&';; esac
    run_backend postgres "${HELPCENTER_BENCH_POSTGRES_URL}${sep}options=-c%20search_path%3D$schema" "$n"
    PGOPTIONS="-c client_min_messages=warning" psql "$HELPCENTER_BENCH_POSTGRES_URL" -qc "DROP SCHEMA $schema CASCADE" >/dev/null
  fi
  rm -f "$T/events.jsonl" "$T"/log.db*
done
