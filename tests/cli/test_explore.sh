#!/usr/bin/env bash
# paxsim explore from the command line: a small configuration exhausted with
# its golden state count, a known bug found with exit 1 and a repro.json that
# `paxsim run` replays to the same violation (exit 0: the repro expects it).
# Usage: test_explore.sh PAXSIM SOURCE_DIR
set -uo pipefail
PAXSIM=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
one='workload.proposals=[{"at_ms":0,"node":"n1","value":"A"}]'

"$PAXSIM" explore "$SRC/models/synod-3n-2p.json" --set "$one" -q >"$T/out" 2>"$T/err"
[[ $? == 0 ]] || bad "exhaustive run: exit $?"
grep -q "result: exhausted" "$T/out" || bad "exhaustive run: no 'result: exhausted'"
grep -q "states        114" "$T/out" || bad "exhaustive run: not 114 states: $(grep states "$T/out")"

# The plain model (every reduction off) has more states, and the same verdict.
"$PAXSIM" explore "$SRC/models/synod-3n-2p.json" --set "$one" --no-reduction -q >"$T/out" 2>"$T/err"
[[ $? == 0 ]] || bad "plain run: exit $?"
grep -q "states        3,741" "$T/out" || bad "plain run: not 3,741 states: $(grep states "$T/out")"

# Losses are subsumed: two of them change nothing; a duplicate does.
"$PAXSIM" explore "$SRC/models/synod-3n-2p.json" --set "$one" --max-drops 2 --max-dups 1 -q >"$T/out" 2>"$T/err"
[[ $? == 0 ]] || bad "drops and dups: exit $?"
grep -q "result: exhausted" "$T/out" || bad "drops and dups: not exhausted"
grep -q "states        797" "$T/out" || bad "drops and dups: not 797 states: $(grep states "$T/out")"
grep -q "losses are subsumed" "$T/out" || bad "drops and dups: no note that losses are subsumed"

"$PAXSIM" explore "$SRC/models/synod-3n-2p.json" --bug minority-quorum -q --out "$T/found" >"$T/out" 2>"$T/err"
rc=$?
[[ $rc == 1 ]] || bad "minority-quorum: exit $rc, want 1"
grep -q "VIOLATION  quorums at depth 3" "$T/out" || bad "minority-quorum: no quorums violation at depth 3: $(head -5 "$T/out")"
[[ -f $T/found/repro.json ]] || bad "minority-quorum: no repro.json"
"$PAXSIM" run "$T/found/repro.json" >"$T/run" 2>&1 || bad "paxsim run repro.json: exit $?: $(head -3 "$T/run")"
grep -q "violated: quorums" "$T/run" || bad "paxsim run repro.json: not the quorums violation: $(head -5 "$T/run")"

# A bug that needs a duplicate: the folded step replays as duplicate + deliver.
"$PAXSIM" explore "$SRC/models/synod-3n-2p.json" --set "$one" --bug count-duplicate-acks --max-dups 1 -q --out "$T/dup" >"$T/out" 2>"$T/err"
rc=$?
[[ $rc == 1 ]] || bad "count-duplicate-acks: exit $rc, want 1"
grep -q "replayed: " "$T/out" || bad "count-duplicate-acks: the repro did not replay: $(tail -5 "$T/out")"
grep -q '"duplicate"' "$T/dup/repro.json" || bad "count-duplicate-acks: no duplicate step in the repro"
"$PAXSIM" run "$T/dup/repro.json" >"$T/run" 2>&1 || bad "paxsim run dup repro.json: exit $?: $(head -3 "$T/run")"

# A prefix: the scenario's "schedule" is taken first, and every continuation
# of it explored (a subset of the whole space), its steps in every path.
prefix='schedule=[{"propose":0},{"deliver":{"kind":"prepare","from":"n1","to":"n2","ballot":[1,"n1"]}}]'
"$PAXSIM" explore "$SRC/models/synod-3n-2p.json" --set "$one" --set "$prefix" -q >"$T/out" 2>"$T/err"
[[ $? == 0 ]] || bad "prefix: exit $?"
grep -q "result: exhausted" "$T/out" || bad "prefix: not exhausted"
grep -q "states        84$" "$T/out" || bad "prefix: not 84 states: $(grep states "$T/out")"
grep -q "after the scenario's schedule (2 steps" "$T/out" || bad "prefix: not announced"
"$PAXSIM" explore "$SRC/models/synod-3n-2p.json" --set "$one" --set "$prefix" --bug minority-quorum -q --out "$T/pre" >"$T/out" 2>"$T/err"
[[ $? == 1 ]] || bad "prefix, minority-quorum: want exit 1"
grep -A2 "path (" "$T/out" | grep -q "2  deliver prepare n1->n2" || bad "prefix: the path does not start with it: $(cat "$T/out")"
grep -A3 "path (" "$T/out" | grep -q "(the scenario's schedule ends here)" || bad "prefix: its end is not marked: $(cat "$T/out")"
"$PAXSIM" run "$T/pre/repro.json" >"$T/run" 2>&1 || bad "prefix repro: exit $?: $(head -3 "$T/run")"
# A repro as input: its violation is reported at once, and replays again.
"$PAXSIM" explore "$T/pre/repro.json" -q --out "$T/again" >"$T/out" 2>"$T/err"
[[ $? == 1 ]] || bad "explore repro.json: want exit 1"
grep -q "replayed: " "$T/out" || bad "explore repro.json: did not replay: $(tail -5 "$T/out")"
grep -q "states        1$" "$T/out" || bad "explore repro.json: not found at the start: $(grep states "$T/out")"
# A step that matches nothing enabled: exit 2, naming the file and the step.
"$PAXSIM" explore "$SRC/models/synod-3n-2p.json" --set "$one" --set "${prefix/\[1,/[2,}" -q --out "$T/bad" >"$T/out" 2>"$T/err"
[[ $? == 2 ]] || bad "a prefix step that matches nothing: want exit 2"
grep -q "synod-3n-2p.json: /schedule/1: matches nothing enabled" "$T/err" || bad "a bad prefix step: $(cat "$T/err")"
[[ ! -e $T/bad ]] || bad "a bad prefix step: wrote $T/bad"

"$PAXSIM" explore --help >/dev/null || bad "explore --help"
"$PAXSIM" explore "$SRC/models/synod-3n-2p.json" --timer-kinds sometimes >/dev/null 2>&1
[[ $? == 2 ]] || bad "a bad --timer-kinds: want exit 2"
"$PAXSIM" explore "$SRC/models/synod-3n-2p.json" --writes sometimes >/dev/null 2>&1
[[ $? == 2 ]] || bad "a bad --writes: want exit 2"

if [[ $fails -gt 0 ]]; then echo "$fails failure(s)"; exit 1; fi
echo "explore CLI: all passed"
