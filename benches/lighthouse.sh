#!/usr/bin/env bash
# Lighthouse scores (performance, accessibility, best practices, SEO) for the sample help
# center's home, category and article pages in en/ja/ko, mobile emulation (Lighthouse's
# default), with Debian's Chromium. Installs the npm `lighthouse` package into a temporary
# folder. Prints a table; asserts nothing (the target is >= 95 in every column).
#
# usage (from the project root): benches/lighthouse.sh
set -eu
cd "$(dirname "$0")/.."
CHROME=${HELPCENTER_TEST_CHROMIUM:-$(command -v chromium || true)}
[ -n "$CHROME" ] || { echo "needs Chromium (apt-get install chromium)"; exit 2; }
T=$(mktemp -d); PID=""; trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$T"' EXIT
npm install --prefix "$T/npm" --silent --no-audit --no-fund lighthouse@12 >/dev/null
cargo build --release -q
target/release/helpcenter serve --index "$T/index" --searchlog off --no-watch --addr 127.0.0.1:0 \
  >"$T/serve.log" 2>"$T/serve.err" & PID=$!
for _ in $(seq 1 600); do BASE=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$T/serve.log" 2>/dev/null | head -1 || true); [ -n "$BASE" ] && curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done
[ -n "$BASE" ] || { echo "serve did not start"; exit 1; }
printf "%-44s %5s %5s %5s %5s\n" page perf a11y bp seo
for locale in en ja ko; do
  article=$(curl -s "$BASE/sitemap.xml" | grep -oE "<loc>[^<]*/$locale/articles/[^<]*</loc>" | head -1 | sed -E 's#</?loc>##g; s#^https?://[^/]+##')
  category=$(curl -s "$BASE/sitemap.xml" | grep -oE "<loc>[^<]*/$locale/categories/[^<]*</loc>" | head -1 | sed -E 's#</?loc>##g; s#^https?://[^/]+##')
  for path in "/$locale/" "$category" "$article"; do
    CHROME_PATH="$CHROME" "$T/npm/node_modules/.bin/lighthouse" "$BASE$path" --quiet --output=json --output-path="$T/lh.json" \
      --only-categories=performance,accessibility,best-practices,seo \
      --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --no-first-run --user-data-dir=$T/profile" \
      >/dev/null 2>&1 || { echo "$path: lighthouse failed"; continue; }
    python3 - "$T/lh.json" "$path" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["categories"]
s = lambda k: round((r[k]["score"] or 0) * 100)
print(f"{sys.argv[2]:<44} {s('performance'):>5} {s('accessibility'):>5} {s('best-practices'):>5} {s('seo'):>5}")
PY
  done
done
