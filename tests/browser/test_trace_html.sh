#!/usr/bin/env bash
# The HTML page of `paxsim trace convert --to html`, tested in a real headless
# browser (Debian's chromium; installed here with apt-get when missing, which
# needs root or sudo and the Debian archive). For three runs (a passing synod,
# a synod agreement violation, a kv nemesis run of ~6000 steps) it checks that
# the page loads with no script or console error, draws one lane per node and
# client and one arrow per delivered message, marks the violation, and keeps a
# 1400x900 screenshot of each in ARTIFACT_DIR.
#
# If chromium is missing and cannot be installed, this test FAILS: it never
# passes without having run the browser.
#
# Usage: test_trace_html.sh PAXSIM SOURCE_DIR ARTIFACT_DIR
set -uo pipefail
PAXSIM=$1
SRC=$2
OUT=$3
mkdir -p "$OUT"
fails=0
passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# ---------------------------------------------------------------- the browser
find_browser() { command -v chromium || command -v chromium-browser || true; }
BROWSER=$(find_browser)
if [[ -z $BROWSER ]]; then
  echo "chromium is missing: installing it (apt-get install chromium)" >&2
  start=$(date +%s)
  if [[ $(id -u) == 0 ]]; then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo -n); else SUDO=(false); fi
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2
  echo "chromium install took $(( $(date +%s) - start )) s" >&2
  BROWSER=$(find_browser)
fi
if [[ -z $BROWSER ]]; then
  echo "FAIL: chromium is not installed and could not be installed (no root, no sudo, or no network to the" >&2
  echo "      Debian archive). Install it with: apt-get install -y --no-install-recommends chromium" >&2
  echo "      This browser test does not pass without a browser." >&2
  exit 1
fi
echo "browser: $("$BROWSER" --version 2>/dev/null | head -1)" >&2

PROFILE=$(mktemp -d)
trap 'rm -rf "$PROFILE"' EXIT
browser() {  # browser ARGS... URL: a fresh headless instance, its stderr kept in $OUT/last-browser.log
  rm -rf "$PROFILE"/*
  timeout 180 "$BROWSER" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --disable-extensions --user-data-dir="$PROFILE" \
    --enable-logging=stderr --v=0 "$@" 2>"$OUT/last-browser.log"
}

# ---------------------------------------------------------------- the pages
# name | scenario | extra run flags | expected violation
while IFS='|' read -r name scenario flags violation; do
  [[ -z $name || $name == \#* ]] && continue
  trace=$OUT/$name.jsonl
  page=$OUT/$name.html
  # shellcheck disable=SC2086
  "$PAXSIM" run "$SRC/$scenario" $flags --trace "$trace" >/dev/null
  "$PAXSIM" trace convert "$trace" --to html -o "$page" 2>/dev/null || { bad "$name: convert failed"; continue; }

  # The DOM after the page's script ran (#all: the whole run in view).
  t0=$(date +%s%N)
  browser --dump-dom "file://$page#all" >"$OUT/$name.dom.html"
  rc=$?
  t1=$(date +%s%N)
  [[ $rc == 0 ]] && ok || bad "$name: chromium --dump-dom exited $rc: $(tail -c 600 "$OUT/last-browser.log")"
  cp "$OUT/last-browser.log" "$OUT/$name.browser.log"
  # Console output: the page logs nothing, so any console line is an error.
  if grep -E "CONSOLE|Uncaught" "$OUT/$name.browser.log" >"$OUT/$name.console.txt"; then
    bad "$name: console messages: $(head -c 600 "$OUT/$name.console.txt")"
  else ok; fi

  python3 - "$OUT/$name.dom.html" "$trace" "$violation" "$name" <<'PY' && ok || bad "$name: the page is not what it should be (above)"
import json, sys
from html.parser import HTMLParser
dom_file, trace_file, violation, name = sys.argv[1:5]
lines = [json.loads(l) for l in open(trace_file).read().splitlines()]
header = lines[0]
delivered = sum(1 for l in lines if l.get("kind") == "deliver")

class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.body = {}
        self.in_svg = 0
        self.lanes = []
        self.status = {}
        self.violations = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body = a
        if tag == "svg" and a.get("id") == "svg":
            self.in_svg += 1
        if not self.in_svg:
            return
        if "data-lane" in a:
            self.lanes.append(a["data-lane"])
        if "data-status" in a:
            self.status[a["data-status"]] = self.status.get(a["data-status"], 0) + 1
        if "data-violation" in a:
            self.violations.append(a["data-violation"])
    def handle_endtag(self, tag):
        if tag == "svg" and self.in_svg:
            self.in_svg -= 1

d = Dom()
d.feed(open(dom_file).read())
problems = []
if d.body.get("data-ready") != "1":
    problems.append("the page's script did not finish (no data-ready on <body>)")
if d.body.get("data-errors") != "0":
    problems.append("script errors: %s" % d.body.get("data-errors"))
if d.lanes != header["endpoints"]:
    problems.append("lanes %s, want one per node and client %s" % (d.lanes, header["endpoints"]))
if d.status.get("delivered", 0) != delivered:
    problems.append("%d arrows for delivered messages, want %d" % (d.status.get("delivered", 0), delivered))
want_v = [violation] if violation else []
if d.violations != want_v:
    problems.append("violation marks %s, want %s" % (d.violations, want_v))
print("%s: %d lanes, %s, render %s ms" % (name, len(d.lanes), d.status, d.body.get("data-render-ms")), file=sys.stderr)
for p in problems:
    print("  " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
  echo "$name: dump-dom took $(( (t1 - t0) / 1000000 )) ms" >&2

  # A screenshot of the first view, kept as an artefact.
  rm -f "$OUT/$name.png"
  browser --screenshot="$OUT/$name.png" --window-size=1400,900 --hide-scrollbars "file://$page" >/dev/null
  python3 - "$OUT/$name.png" <<'PY' && ok || bad "$name: no 1400x900 screenshot"
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20000, len(data)
w, h = struct.unpack(">II", data[16:24])
assert (w, h) == (1400, 900), (w, h)
PY
done <<'PAGES'
synod-basic|scenarios/synod/basic.json||
synod-agreement|scenarios/synod/dueling-proposers.json|--bug round-only-ballots|agreement
kv-nemesis|scenarios/kv/nemesis.json||
PAGES

echo "screenshots: $OUT/*.png" >&2
echo "$passes passed, $fails failed"
[[ $fails == 0 ]]
