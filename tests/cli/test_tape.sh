#!/usr/bin/env bash
# A scenario's optional "tape" (pinned random decisions) from the command line:
# shrink pins the failing run's decisions and simplifies them, and the result
# validates and replays alone, failing the same way, with any seed on the
# command line; a bad tape is exit 2 with its JSON path, and nothing is written.
# Usage: test_tape.sh PAXSIM SOURCE_DIR
set -uo pipefail
PAXSIM=$1
SRC=$2
source "$(dirname "$0")/harness.sh"

lossy=$SRC/scenarios/synod/lossy-duplicating.json

# --- a planted bug on a lossy network, shrunk: the tape is pinned and simple
python3 - "$lossy" "$T/repro.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["bug"] = "count-duplicate-acks"
d["expect"] = {"verdict": "pass"}
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
expect_rc 1 "the repro fails" -- "$PAXSIM" run "$T/repro.json"
expect_out "violated: quorums" "the repro fails on quorums"
# A budget far beyond what it needs (about a second): the result must not depend on the load.
expect_rc 0 "shrink" -- "$PAXSIM" shrink "$T/repro.json" -o "$T/min.json" --seconds 600
expect_out "events (steps)" "shrink reports the events"
expect_out "faults in run" "shrink reports the faults"
expect_out "still fails: quorums" "shrink keeps the invariant"
if [[ $(field "$T/min.json" '"tape" in c') == True ]]; then ok; else bad "min.json has no tape"; fi
if [[ $(field "$T/min.json" 'len(c["tape"]["network"]) > 0') == True ]]; then ok; else bad "min.json pins no message"; fi
# no more losses or duplicates than before shrinking
before=$(grep '^losses+dups' "$T/out" | awk '{print $2}')
after=$(grep '^losses+dups' "$T/out" | awk '{print $3}')
if [[ -n $after && $after -le $before ]]; then ok; else bad "losses+dups went from $before to $after"; fi
expect_rc 0 "min.json validates" -- "$PAXSIM" validate "$T/min.json"
expect_rc 1 "min.json replays alone" -- "$PAXSIM" run "$T/min.json"
expect_out "violated: quorums" "min.json fails the same way"
fp=$(grep -o 'fingerprint [0-9a-f]*' "$T/out")
expect_rc 1 "min.json replays twice the same" -- "$PAXSIM" run "$T/min.json" --check-determinism
expect_out "$fp" "min.json: the same fingerprint"
# The tape's streams are written one line each.
if [[ $(grep -c '"network": \[' "$T/min.json") == 1 ]]; then ok; else bad "network stream not on one line"; fi

# --- a bad tape: exit 2, the JSON path named, no trace written
python3 - "$SRC/scenarios/synod/basic.json" "$T" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for name, tape in [("bad-node", {"timers/n9": [1.0]}), ("bad-stream", {"radio": []}),
                   ("bad-fate", {"network": [0, "lost"]}), ("bad-number", {"disk/n1": [-1.5]})]:
    d["tape"] = tape
    json.dump(d, open(f"{sys.argv[2]}/{name}.json", "w"))
PY
expect_rc 2 "tape: no such node" -- "$PAXSIM" run "$T/bad-node.json" --trace "$T/bad.jsonl"
expect_err "$T/bad-node.json: /tape/timers~1n9: no node \"n9\"" "tape: the node is named"
if [[ ! -e $T/bad.jsonl ]]; then ok; else bad "a trace was written for bad input"; fi
expect_rc 2 "tape: unknown stream" -- "$PAXSIM" validate "$T/bad-stream.json"
expect_err "/tape/radio: unknown stream" "tape: the stream is named"
expect_rc 2 "tape: bad fate" -- "$PAXSIM" validate "$T/bad-fate.json"
expect_err "/tape/network/1: expected a message's fate" "tape: the entry is named"
expect_rc 2 "tape: negative number" -- "$PAXSIM" validate "$T/bad-number.json"
expect_err "/tape/disk~1n1/0:" "tape: the number is named"

harness_end test_tape.sh
