#!/usr/bin/env bash
# Golden tests for the trace formats of a tiny scenario (scenarios/synod/basic.json):
# the ShiViz log and the Chrome trace event JSON must match tests/golden/
# byte for byte, and both must have the structure their tools read. Also the
# trace commands' behaviour: exit codes, bad input, `stats --json`, `run --report`.
#
# Usage: check-trace-formats.sh PAXSIM SOURCE_DIR [--update]
# --update rewrites the golden files (after an intended change; review the diff).
set -uo pipefail
PAXSIM=$1
SRC=$2
UPDATE=${3:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
expect_rc() {  # expect_rc RC DESCRIPTION -- CMD...
  local want=$1 what=$2; shift 3
  "$@" >"$T/out" 2>"$T/err"
  local got=$?
  if [[ $got == "$want" ]]; then ok; else bad "$what: exit $got, want $want; stderr: $(head -c 400 "$T/err")"; fi
}

basic=$SRC/scenarios/synod/basic.json
golden=$SRC/tests/golden
expect_rc 0 "run basic with a trace" -- "$PAXSIM" run "$basic" --trace "$T/basic.jsonl"
expect_rc 0 "convert to shiviz" -- "$PAXSIM" trace convert "$T/basic.jsonl" --to shiviz -o "$T/basic.shiviz"
expect_rc 0 "convert to chrome" -- "$PAXSIM" trace convert "$T/basic.jsonl" --to chrome -o "$T/basic.chrome.json"
expect_rc 0 "convert to html" -- "$PAXSIM" trace convert "$T/basic.jsonl" --to html
[[ -s $T/basic.html ]] && ok || bad "convert without -o did not write basic.html beside the trace"

if [[ $UPDATE == --update ]]; then
  cp "$T/basic.shiviz" "$golden/synod-basic.shiviz"
  cp "$T/basic.chrome.json" "$golden/synod-basic.chrome.json"
  echo "updated $golden/synod-basic.shiviz and $golden/synod-basic.chrome.json" >&2
fi
for f in shiviz chrome.json; do
  if diff "$T/basic.$f" "$golden/synod-basic.$f" >"$T/diff"; then ok; else
    bad "basic.$f differs from tests/golden/synod-basic.$f (after an intended change: $0 PAXSIM SOURCE_DIR --update): $(head -c 800 "$T/diff")"
  fi
done

# The ShiViz log: its first line is the regex ShiViz parses it with; every
# event matches it, the host's own clock entry counts its events 1, 2, ...,
# and a delivery's clock dominates the sender's clock at the send.
python3 - "$T/basic.shiviz" "$T/basic.jsonl" <<'PY' && ok || bad "the ShiViz log is not what ShiViz reads"
import json, re, sys
text = open(sys.argv[1]).read()
regex, delim, log = text.split("\n", 2)
assert regex == r"(?<host>\S*) (?<clock>{.*})\n(?<event>.*)", regex
assert delim == ""
py = re.compile(regex.replace("(?<", "(?P<"))
events = list(py.finditer(log))
steps = [json.loads(l) for l in open(sys.argv[2]).read().splitlines()[1:]]
steps = [s for s in steps if "step" in s and s["step"] > 0]
assert len(events) == len(steps), (len(events), len(steps))
seen = {}
clocks = []
for e in events:
    host, clock = e["host"], json.loads(e["clock"])
    assert clock[host] == seen.get(host, 0) + 1, (host, clock)
    seen[host] = clock[host]
    assert e["event"].startswith("#"), e["event"]
    clocks.append(clock)
sent_at = {}  # message id -> the event that sent it
checked = 0
for i, s in enumerate(steps):
    if s.get("kind") == "deliver" and s["msg"]["id"] in sent_at:
        j = sent_at[s["msg"]["id"]]
        for h, c in clocks[j].items():
            assert clocks[i].get(h, 0) >= c, ("delivery", s["step"], "does not dominate its send", h)
        checked += 1
    for m in s.get("sent", []):
        sent_at[m["id"]] = i
assert checked > 0, "no delivery of a message sent during the run"
PY

# The Chrome trace: JSON with a named track per node, slices, and every flow
# start paired with a flow end (bound to the enclosing slice).
python3 - "$T/basic.chrome.json" <<'PY' && ok || bad "the Chrome trace is malformed"
import json, sys
j = json.load(open(sys.argv[1]))
ev = j["traceEvents"]
names = {e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
assert {"n1", "n2", "n3", "world"} <= names, names
assert sum(1 for e in ev if e["ph"] == "X") == 23
starts = {e["id"] for e in ev if e["ph"] == "s"}
ends = {e["id"] for e in ev if e["ph"] == "f" and e.get("bp") == "e"}
assert starts == ends and len(starts) == 14, (len(starts), len(ends))
for e in ev:
    assert {"ph", "pid", "tid", "name"} <= e.keys(), e
    if e["ph"] != "M":
        assert isinstance(e["ts"], (int, float)) and e["ts"] >= 0, e
PY

# stats: printed and --json
expect_rc 0 "stats" -- "$PAXSIM" stats "$T/basic.jsonl"
grep -q "messages per decision 14.0" "$T/out" && ok || bad "stats: $(head -c 300 "$T/out")"
expect_rc 0 "trace stats --json" -- "$PAXSIM" trace stats "$T/basic.jsonl" --json
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["messages_per_decision"]==14 and j["operations"]["latency_ms"]["count"]==1 and j["persisted"]["bytes"]>0' "$T/out" && ok || bad "stats --json"

# run --report writes Markdown; with --trace it names the messages behind a violation
expect_rc 1 "a failing run with a report" -- "$PAXSIM" run "$SRC/scenarios/synod/dueling-proposers.json" --bug round-only-ballots --trace "$T/bug.jsonl" --report "$T/bug.md"
grep -q '^## Violated: `agreement` at step' "$T/bug.md" && grep -q "^### The messages behind each decision" "$T/bug.md" && grep -q "^paxsim run .* --bug round-only-ballots$" "$T/bug.md" && ok || bad "run --report: $(head -c 400 "$T/bug.md")"
tail -2 "$T/bug.jsonl" | head -1 | grep -q '"violation":{' && ok || bad "the trace lacks the violation line"

# bad input and usage: exit 2, nothing written
expect_rc 0 "trace --help" -- "$PAXSIM" trace --help
expect_rc 0 "trace convert --help" -- "$PAXSIM" trace convert --help
expect_rc 0 "stats --help" -- "$PAXSIM" stats --help
expect_rc 2 "trace without a subcommand" -- "$PAXSIM" trace
expect_rc 2 "an unknown trace subcommand" -- "$PAXSIM" trace frobnicate
expect_rc 2 "convert without --to" -- "$PAXSIM" trace convert "$T/basic.jsonl"
expect_rc 2 "convert to an unknown format" -- "$PAXSIM" trace convert "$T/basic.jsonl" --to svg -o "$T/x.svg"
[[ -e $T/x.svg ]] && bad "a bad --to wrote a file" || ok
expect_rc 2 "convert a missing file" -- "$PAXSIM" trace convert "$T/nope.jsonl" --to html -o "$T/nope.html"
grep -q "nope.jsonl" "$T/err" && ok || bad "the missing file is not named"
expect_rc 2 "convert a scenario, not a trace" -- "$PAXSIM" trace convert "$basic" --to html -o "$T/scenario.html"
grep -q "line 1" "$T/err" && ok || bad "the bad line is not named: $(cat "$T/err")"
[[ -e $T/scenario.html ]] && bad "bad input wrote a file" || ok
head -5 "$T/basic.jsonl" >"$T/cut.jsonl" && echo '{"step":' >>"$T/cut.jsonl"
expect_rc 2 "stats of a broken trace" -- "$PAXSIM" stats "$T/cut.jsonl"
grep -q "line 6" "$T/err" && ok || bad "the broken line is not named: $(cat "$T/err")"

echo "$passes passed, $fails failed"
[[ $fails == 0 ]]
