#!/usr/bin/env bash
# Memory and start-up as the corpus grows: lays a documentation corpus out as articles, copies
# it under new slugs up to each size asked for, and for each size starts `serve` (release
# build) on an empty index directory and prints
#   cold start   launch → first search answered with hits (index built from nothing)
#   warm start   launch → first search answered, index already on disk
#   RSS          resident memory once started (after the background merge), and its peak
#   home page    p50/p99 over 1 connection (wrk) next to /healthz in the same run; the
#                difference is the server's time for the page
# Asserts nothing.
#
# usage (from the project root): benches/scale.sh [SIZE ...]     (default 1000 5000 11255)
# env: CORPUS (default ../shared/corpus/developer-chrome; 2,251 articles, so 11,255 is five
#      copies, the set the architecture issue was measured on)
set -eu
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 2; }
CORPUS=${CORPUS:-../shared/corpus/developer-chrome}
SIZES=${*:-1000 5000 11255}
T=$(mktemp -d); PID=""; trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$T"' EXIT
cargo build --release -q
python3 ../shared/eval/relevance.py prep "$CORPUS" "$T/one" "$T/map.json"

# SIZE articles: the corpus's files in order, copy after copy, each copy under new slugs.
layout() {
  python3 - "$T/one" "$1" "$2" <<'EOF'
import os, shutil, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = sorted(os.path.relpath(os.path.join(d, f), src) for d, _, fs in os.walk(src) for f in fs if f.endswith(".md"))
for i in range(n):
    rel = files[i % len(files)]
    copy = i // len(files)
    stem, ext = os.path.splitext(rel)
    out = os.path.join(dst, stem + (f"-copy{copy}" if copy else "") + ext)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    shutil.copyfile(os.path.join(src, rel), out)
EOF
}

now() { date +%s.%N; }
# Starts serve on $1 (articles) and $2 (index); sets PID, BASE and SECS (launch → first
# answered search).
start() {
  local t0 base=""; t0=$(now)
  target/release/helpcenter serve --articles "$1" --index "$2" --searchlog off --no-watch \
    --addr 127.0.0.1:0 >"$T/serve.log" 2>"$T/serve.err" & PID=$!
  for _ in $(seq 1 30000); do
    base=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$T/serve.log" 2>/dev/null | head -1 || true)
    [ -n "$base" ] && curl -sf "$base/api/search?q=performance&locale=en" 2>/dev/null | grep -q '"total":[1-9]' && break
    sleep 0.01
  done
  BASE=$base
  SECS=$(python3 -c "print(f'{$(now) - $t0:.2f}')")
}
stop() { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true; PID=""; }
p() { grep -E "^ +$1%" | awk '{print $2}'; }

printf '%-8s %-10s %-10s %-10s %-10s %-22s %-22s\n' articles cold warm RSS "peak RSS" "home p50/p99" "healthz p50/p99"
for n in $SIZES; do
  rm -rf "$T/articles" "$T/index"; layout "$T/articles" "$n"
  start "$T/articles" "$T/index"; cold=$SECS; stop
  start "$T/articles" "$T/index"; warm=$SECS
  sleep 3 # the background merge after start
  rss=$(awk '/VmRSS/{print int($2/1024)}' /proc/$PID/status); hwm=$(awk '/VmHWM/{print int($2/1024)}' /proc/$PID/status)
  wrk -t1 -c1 -d5s --latency "$BASE/en/" >"$T/home.txt" 2>&1
  wrk -t1 -c1 -d5s --latency "$BASE/healthz" >"$T/health.txt" 2>&1
  printf '%-8s %-10s %-10s %-10s %-10s %-22s %-22s\n' "$n" "${cold}s" "${warm}s" "${rss} MB" "${hwm} MB" \
    "$(p 50 <"$T/home.txt") / $(p 99 <"$T/home.txt")" "$(p 50 <"$T/health.txt") / $(p 99 <"$T/health.txt")"
  stop
done
