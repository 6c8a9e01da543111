#!/usr/bin/env bash
# HTTP load benchmark: `serve` (release build) on loopback with the search log on (SQLite),
# load from a separate process (wrk, from Debian's `wrk` package), over realistic unique
# inputs: natural and misspelled questions, article titles, word combinations from them,
# CJK queries, and every keystroke prefix for typeahead. Prints requests/s for /healthz,
# /api/search and /api/suggest measured in the same run, their ratios to /healthz, and the
# latency of /healthz while searches saturate the CPU. Asserts nothing.
#
# usage (from the project root): benches/load.sh [ARTICLES_DIR]
#   default: ../shared/corpus/developer-chrome laid out as articles (2,251 articles)
# env: SECONDS_EACH (default 10), CONNECTIONS (default 16), SEARCHLOG (default SQLite in a
# temp dir; `off` to compare)
set -eu
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 2; }
D=${SECONDS_EACH:-10}; C=${CONNECTIONS:-16}
# wrk threads; the Lua script splits the inputs between them.
export THREADS=2
T=$(mktemp -d); PID=""; trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$T"' EXIT
cargo build --release -q
ARTICLES=${1:-}
if [ -z "$ARTICLES" ]; then
  ARTICLES=$T/articles
  python3 ../shared/eval/relevance.py prep ../shared/corpus/developer-chrome "$ARTICLES" "$T/map.json"
fi
target/release/helpcenter serve --articles "$ARTICLES" --index "$T/index" --searchlog "${SEARCHLOG:-sqlite://$T/log.db}" \
  --no-watch --addr 127.0.0.1:0 >"$T/serve.log" 2>"$T/serve.err" & PID=$!
for _ in $(seq 1 600); do BASE=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$T/serve.log" 2>/dev/null | head -1 || true); [ -n "$BASE" ] && curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done
[ -n "$BASE" ] || { echo "serve did not start"; tail -3 "$T/serve.err"; exit 1; }
sleep 3 # let the background segment merge finish

python3 - "$ARTICLES" "$T" <<'EOF'
import os, random, re, sys, urllib.parse
articles, out = sys.argv[1], sys.argv[2]
random.seed(7)
queries = []
for name in ("chrome-natural.tsv", "chrome-typo.tsv", "chrome-prefix.tsv"):
    path = os.path.join("..", "shared", "eval", name)
    if os.path.exists(path):
        for line in open(path, encoding="utf-8").read().splitlines()[1:]:
            parts = line.split("\t")
            if len(parts) >= 3:
                queries.append((parts[1], parts[2]))
titles = []
for root, _, files in os.walk(articles):
    for f in files:
        if f.endswith(".md"):
            loc = os.path.relpath(root, articles).split(os.sep)[0]
            head = open(os.path.join(root, f), encoding="utf-8", errors="replace").read(2000)
            m = re.search(r'^title:\s*["\']?(.+?)["\']?\s*$', head, re.M)
            if m:
                titles.append((loc, m.group(1)))
queries += titles
words = [(l, w) for l, t in titles for w in t.split() if len(w) > 2]
while len(queries) < 20000 and words:
    l, _ = random.choice(titles)
    pool = [w for ll, w in random.sample(words, 40) if ll == l] or [random.choice(words)[1]]
    q = " ".join(random.sample(pool, min(len(pool), random.choice([2, 3]))))
    if random.random() < 0.2 and len(q) > 5:  # a typo: two letters swapped
        i = random.randrange(1, len(q) - 2)
        q = q[:i] + q[i + 1] + q[i] + q[i + 2:]
    queries.append((l, q))
seen, unique = set(), []
for l, q in queries:
    if (l, q) not in seen:
        seen.add((l, q)); unique.append((l, q))
random.shuffle(unique)
enc = lambda s: urllib.parse.quote(s, safe="")
with open(os.path.join(out, "search.paths"), "w") as f:
    for l, q in unique:
        f.write(f"/api/search?locale={l}&q={enc(q)}\n")
# Each query is typed by its own visitor, keystroke by keystroke, keeping the visit cookie
# as a browser does (so the log collapses the keystrokes as it does in production). Every
# query is typed (about 340,000 keystrokes), so a run does not cycle back to keystrokes it
# already sent: only the prefixes visitors genuinely share repeat.
with open(os.path.join(out, "suggest.paths"), "w") as f:
    for k, (l, q) in enumerate(unique):
        for n in range(2, len(q) + 1):
            f.write(f"/api/suggest?locale={l}&q={enc(q[:n])}\t{k:032x}\n")
print(f"{len(unique)} unique queries, {sum(1 for _ in open(os.path.join(out, 'suggest.paths')))} keystroke prefixes")
EOF

# Requests are formatted once per thread in `init`, not per request: formatting in
# `request()` costs the client about three times what a /healthz request costs it, and on
# a shared 2-core machine that client time is taken from the server.
cat > "$T/paths.lua" <<'EOF'
local counter = 0
function setup(thread) thread:set("tid", counter); counter = counter + 1 end
function init(args)
  reqs = {}
  for line in io.lines(os.getenv("PATHS")) do
    local path, visit = line:match("^([^\t]+)\t?(.*)$")
    if visit ~= "" then
      reqs[#reqs + 1] = wrk.format("GET", path, { Cookie = "hc_visit=" .. visit })
    else
      reqs[#reqs + 1] = wrk.format("GET", path)
    end
  end
  n = #reqs
  -- Each thread starts its own share of the inputs: threads that overlap would send the
  -- same keystrokes twice, which per-snapshot memos then answer for free.
  i = math.floor(tid * n / tonumber(os.getenv("THREADS")))
end
function request()
  i = i + 1
  return reqs[(i % n) + 1]
end
EOF

rps() { grep -oE 'Requests/sec: +[0-9.]+' | grep -oE '[0-9.]+$'; }
run() { wrk -t"$THREADS" -c"$C" -d"${D}s" "$@" 2>&1; }
H=$(run "$BASE/healthz" | rps)
S=$(PATHS=$T/search.paths run -s "$T/paths.lua" "$BASE" | rps)
G=$(PATHS=$T/suggest.paths run -s "$T/paths.lua" "$BASE" | rps)
H2=$(run "$BASE/healthz" | rps)
echo "healthz      $H req/s (again after: $H2)"
echo "api/search   $S req/s   ratio to healthz $(python3 -c "print(round($S/(($H+$H2)/2), 3))")"
echo "api/suggest  $G req/s   ratio to healthz $(python3 -c "print(round($G/(($H+$H2)/2), 3))")"
# /healthz latency while searches saturate both cores (32 connections of searches).
PATHS=$T/search.paths wrk -t"$THREADS" -c32 -d"$((D + 2))s" -s "$T/paths.lua" "$BASE" >"$T/busy.txt" 2>&1 &
sleep 1
wrk -t1 -c1 -d"${D}s" --latency "$BASE/healthz" >"$T/lat.txt" 2>&1
wait $!
echo "healthz latency while searches saturate the CPU: $(grep -E '^ +50%' "$T/lat.txt" | awk '{print "p50 "$2}'), $(grep -E '^ +99%' "$T/lat.txt" | awk '{print "p99 "$2}') (searches meanwhile: $(rps < "$T/busy.txt") req/s)"
wrk -t1 -c1 -d"${D}s" --latency "$BASE/healthz" >"$T/idle.txt" 2>&1
echo "healthz latency idle: $(grep -E '^ +50%' "$T/idle.txt" | awk '{print "p50 "$2}'), $(grep -E '^ +99%' "$T/idle.txt" | awk '{print "p99 "$2}')"
echo "search log: $(curl -s "$BASE/metrics" | grep -E '^helpcenter_searchlog_(written|dropped)_total' | tr '\n' ' ')"
