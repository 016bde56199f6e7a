#!/usr/bin/env bash
# Command-line behaviour that users and CI rely on (spec/cli.md): exit codes,
# error messages naming the file and JSON path, nothing half-written,
# byte-identical traces, replay commands that reproduce, results independent
# of -j. Usage: test_cli.sh PAXSIM SOURCE_DIR
set -uo pipefail
PAXSIM=$1
SRC=$2
source "$(dirname "$0")/harness.sh"

basic=$SRC/scenarios/synod/basic.json
nemesis=$SRC/scenarios/synod/nemesis.json

# --- bad input: exit 2, the file and the JSON path named, no trace left behind
while IFS='|' read -r file path; do
  [[ -z $file || $file == \#* ]] && continue
  f=$SRC/tests/bad/$file
  expect_rc 2 "bad input $file" -- "$PAXSIM" run "$f" --trace "$T/trace-$file.jsonl"
  expect_err "$f" "bad input $file names the file"
  [[ -n $path ]] && expect_err "$path" "bad input $file names the JSON path"
  if compgen -G "$T/trace-$file.jsonl*" >/dev/null; then bad "bad input $file left a trace file"; else ok; fi
  expect_rc 2 "validate $file" -- "$PAXSIM" validate "$f"
done <<'CASES'
# file | JSON path the error must name
bad-distribution.json|/params/retry_ms
duplicate-key.json|/faults/0/at_ms
liveness-past-max-time.json|/liveness
missing-required.json|protocol
mix-not-one.json|/workload/mix
lock-workload.json|/workload/fencing: expected true or false
negative-time.json|/workload/proposals/0/at_ms
no-such-node.json|/faults/3/node: no node "n9"
not-an-object.json|
probability-above-one.json|/network/duplicate
syntax-error.json|line 5, column 9
unknown-key-deep.json|/workload/proposals/1/vlaue
wrong-type.json|/nodes
fault-after-max-time.json|/faults/1/at_ms: 9000 ms is after limits.max_time_ms
invariant-not-for-workload.json|/invariants/1: invariant "lock" applies to the "lock" workload only
bug-not-for-protocol.json|/bug: bug switch "noop-over-accepted" applies to protocol "multi-paxos" only
retry-cap-below-retry.json|/params/retry_ms_max
CASES

# --- usage errors: exit 2
expect_rc 2 "run without a file" -- "$PAXSIM" run
expect_rc 2 "a missing file" -- "$PAXSIM" run "$T/nope.json"
expect_err "nope.json" "a missing file is named"
expect_rc 2 "a negative seed" -- "$PAXSIM" run "$basic" --seed -1
expect_rc 2 "an unknown bug" -- "$PAXSIM" run "$basic" --bug no-such-bug
expect_err "no-such-bug" "the unknown bug is named"
expect_rc 2 "an unknown command" -- "$PAXSIM" frobnicate
expect_rc 2 "an unknown flag" -- "$PAXSIM" run "$basic" --frobnicate
expect_rc 2 "--set with a value that is not JSON" -- "$PAXSIM" run "$basic" --set 'network.drop=zero'
expect_rc 2 "--set that makes the scenario invalid" -- "$PAXSIM" run "$basic" --set network.drop=2
expect_err "/network/drop" "--set error names the path"
expect_rc 2 "--set a node that does not exist" -- "$PAXSIM" run "$basic" --set 'workload.proposals.0.node="n7"'
expect_err 'no node "n7"' "--set node error"
expect_rc 2 "check with a bad file runs nothing" -- "$PAXSIM" check "$basic" "$SRC/tests/bad/wrong-type.json"
if grep -q "runs:" "$T/out"; then bad "check ran despite bad input"; else ok; fi

# --- number flags: never negative (Boost would wrap -3 to 2^32 - 3), -j within
# 1..1024, finite durations, and nothing run or created on a bad one
expect_rc 2 "check --seeds negative" -- "$PAXSIM" check "$basic" --seeds -3
expect_err '--seeds must be a whole number >= 0, got "-3"' "check --seeds negative"
expect_rc 2 "check --seeds beyond the run bound" -- "$PAXSIM" check "$basic" --seeds 10000000000000
expect_err "use fewer seeds, or paxsim fuzz" "check --seeds beyond the run bound"
expect_rc 2 "check -j 0" -- "$PAXSIM" check "$basic" -j 0
expect_err "-j must be between 1 and 1024, got 0" "check -j 0"
expect_rc 2 "fuzz -j -1" -- "$PAXSIM" fuzz "$basic" --runs 2 -j -1 --out "$T/fz-neg"
expect_rc 2 "fuzz -j 100000" -- "$PAXSIM" fuzz "$basic" --runs 2 -j 100000 --out "$T/fz-big"
expect_rc 2 "fuzz --runs 0" -- "$PAXSIM" fuzz "$basic" --runs 0 --out "$T/fz-zero"
expect_rc 2 "fuzz --shrink-seconds nan" -- "$PAXSIM" fuzz "$basic" --runs 2 --shrink-seconds nan --out "$T/fz-nan"
for d in fz-neg fz-big fz-zero fz-nan; do
  if [[ -e $T/$d ]]; then bad "a rejected fuzz created $d"; else ok; fi
done
expect_rc 2 "explore --max-depth negative" -- "$PAXSIM" explore "$SRC/models/synod-3n-2p.json" --max-depth -1
expect_rc 2 "explore -j 0" -- "$PAXSIM" explore "$SRC/models/synod-3n-2p.json" -j 0
expect_rc 2 "explore --bug unknown" -- "$PAXSIM" explore "$SRC/models/synod-3n-2p.json" --bug no-such-bug
if grep -c "see paxsim" "$T/err" | grep -qx 1; then ok; else bad "explore --bug: one pointer to help, got: $(cat "$T/err")"; fi
# A Multi-Paxos nack can make its leader promise a rival's ballot (join_rival): the reduction's
# footprint of that delivery must say so, or paxsim stops on its own footprint check (exit 70, found
# in session 15 at about 33,000 states with these budgets).
expect_rc 0 "explore: a nack that joins a rival is inside its footprint" -- \
  "$PAXSIM" explore "$SRC/models/multi-3n-2c-leader-change.json" --max-timers 3 --max-drops 1 --max-states 60000

# --- a bug switch that cannot act in the scenario is refused, from the flag too
expect_rc 2 "run --bug for another protocol" -- "$PAXSIM" run "$basic" --bug stale-local-read
expect_err 'bug switch "stale-local-read" applies to multi-paxos' "run --bug for another protocol"
expect_rc 2 "fuzz --bug for another workload" -- "$PAXSIM" fuzz "$basic" --runs 2 --bug holder-ignores-lease --out "$T/fz-bug"
if [[ -e $T/fz-bug ]]; then bad "a rejected fuzz --bug created its folder"; else ok; fi

# --- outputs checked before anything runs: a bad one runs and writes nothing,
# and no output may overwrite an input or another output
expect_rc 2 "run --report into a missing folder" -- "$PAXSIM" run "$basic" --trace "$T/r1.jsonl" --report "$T/no/such/r.md"
expect_err "no folder" "run --report into a missing folder"
if [[ -e $T/r1.jsonl ]]; then bad "run with a bad --report wrote the trace"; else ok; fi
expect_rc 2 "check --junit into a missing folder" -- "$PAXSIM" check "$basic" --junit "$T/no/such/j.xml"
if grep -q "runs:" "$T/out"; then bad "check ran despite a bad --junit"; else ok; fi
cp "$basic" "$T/own.json"
expect_rc 2 "run --trace onto its own scenario" -- "$PAXSIM" run "$T/own.json" --trace "$T/own.json"
expect_err "the same file as" "run --trace onto its own scenario"
if cmp -s "$basic" "$T/own.json"; then ok; else bad "run --trace overwrote its scenario"; fi
expect_rc 2 "run --report onto its --trace" -- "$PAXSIM" run "$basic" --trace "$T/tr.jsonl" --report "$T/tr.jsonl"
expect_rc 2 "run --trace onto a folder" -- "$PAXSIM" run "$basic" --trace "$T"
expect_err "is a folder" "run --trace onto a folder"

# --- a request key may be any string, the empty one too (spec/scenario.md)
expect_rc 0 "an empty request key" -- "$PAXSIM" run "$SRC/scenarios/kv/switching-sides.json" \
  --set 'workload.requests.0.key=""' --set 'workload.requests.1.key=""' --json
expect_out '"verdict": "pass"' "an empty request key"

# --- broken traces: exit 2 with the line named; a trace cut short is read with a warning
"$PAXSIM" run "$basic" --trace "$T/good.jsonl" >/dev/null
head -n 4 "$T/good.jsonl" >"$T/cut.jsonl"
expect_rc 0 "stats of a trace cut short" -- "$PAXSIM" stats "$T/cut.jsonl"
expect_err "warning: no end line" "stats of a trace cut short"
sed '3s/"kind":"[a-z]*"/"kind":"teleport"/' "$T/good.jsonl" >"$T/kind.jsonl"
expect_rc 2 "a trace with an unknown step kind" -- "$PAXSIM" stats "$T/kind.jsonl"
expect_err 'line 3: unknown step kind "teleport"' "a trace with an unknown step kind"
sed '3s/"step":[0-9]*/"step":"x"/' "$T/good.jsonl" >"$T/step.jsonl"
expect_rc 2 "a trace with a step that is not a number" -- "$PAXSIM" stats "$T/step.jsonl"
expect_err '"step" must be a step number, got "x"' "a trace with a step that is not a number"
expect_rc 2 "stats of a folder" -- "$PAXSIM" stats "$T"
expect_err "a folder, not a trace" "stats of a folder"
printf '{"bad": "\xff\n' >"$T/utf8.jsonl"
expect_rc 2 "a trace that is not UTF-8" -- "$PAXSIM" stats "$T/utf8.jsonl"
if LC_ALL=C grep -q $'\xff' "$T/err"; then bad "a raw non-UTF-8 byte reached the terminal"; else ok; fi
expect_err '\xFF' "a byte that is not UTF-8 is shown as \\xFF"

# --- the log invariant end to end: with the other checks off, a new leader's
# no-op over an accepted value makes two replicas apply different commands
expect_rc 0 "log alone catches noop-over-accepted" -- "$PAXSIM" run "$SRC/scenarios/bugs/noop-over-accepted.json" \
  --set 'invariants=["log"]' --set 'expect.invariant="log"'
expect_out "violated: log" "log alone catches noop-over-accepted"
expect_out "replicas diverge at index" "the log violation names the index"

# --- help and informational commands: exit 0
for c in run check validate bugs version; do
  expect_rc 0 "$c --help" -- "$PAXSIM" "$c" --help
done
expect_rc 0 "paxsim --help" -- "$PAXSIM" --help
expect_rc 0 "version" -- "$PAXSIM" version
expect_out "paxsim " "version prints the build"
expect_rc 0 "bugs" -- "$PAXSIM" bugs
expect_out "promise-before-durable" "bugs lists the switches"
expect_rc 0 "validate a good file" -- "$PAXSIM" validate "$basic" "$nemesis"

# --- a passing run, and --set overrides
expect_rc 0 "basic passes" -- "$PAXSIM" run "$basic"
expect_out "PASS" "basic prints PASS"
expect_out "fingerprint" "basic prints a fingerprint"
expect_rc 0 "--set changes the run" -- "$PAXSIM" run "$basic" --set network.drop=0.3 --json
python3 - "$T/out" <<'PY' && ok || bad "--set network.drop=0.3 dropped nothing"
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if r["stats"]["messages_dropped"] > 0 and r["verdict"] == "pass" else 1)
PY

# --- determinism: same seed, byte-identical trace; another seed, another run
expect_rc 0 "trace 1" -- "$PAXSIM" run "$nemesis" --seed 5 --trace "$T/a.jsonl"
expect_rc 0 "trace 2" -- "$PAXSIM" run "$nemesis" --seed 5 --trace "$T/b.jsonl"
if cmp -s "$T/a.jsonl" "$T/b.jsonl"; then ok; else bad "same seed gave different traces"; fi
if [[ $(wc -l <"$T/a.jsonl") -gt 100 ]]; then ok; else bad "trace suspiciously short"; fi
head -1 "$T/a.jsonl" | grep -q '"paxsim_trace":1' && ok || bad "trace header missing"
expect_rc 0 "trace 3" -- "$PAXSIM" run "$nemesis" --seed 6 --trace "$T/c.jsonl"
if cmp -s "$T/a.jsonl" "$T/c.jsonl"; then bad "another seed gave the same trace"; else ok; fi
expect_rc 0 "check-determinism" -- "$PAXSIM" run "$nemesis" --check-determinism

# --- a failing run: exit 1, the invariant, the evidence, and a replay command that reproduces it
expect_rc 1 "a planted bug fails" -- "$PAXSIM" run "$SRC/scenarios/synod/dueling-proposers.json" --bug round-only-ballots
expect_out "violated: agreement" "failure names the invariant"
expect_out "evidence:" "failure shows evidence"
expect_out "last steps:" "failure shows the last steps"
replay=$(grep -o 'replay: .*' "$T/out" | sed 's/^replay: paxsim //')
fp=$(grep -o 'fingerprint [0-9a-f]*' "$T/out")
if [[ $replay == *"--bug round-only-ballots"* ]]; then ok; else bad "replay command lacks the bug: $replay"; fi
eval "set -- $replay"
expect_rc 1 "the replay command fails the same way" -- "$PAXSIM" "$@"
if grep -qF "$fp" "$T/out"; then ok; else bad "replay gave another fingerprint (want $fp)"; fi

# --- an expected violation passes (exit 0)
expect_rc 0 "wiped disk violation is expected" -- "$PAXSIM" run "$SRC/scenarios/synod/wiped-disk.json"

# --- check: results independent of -j; JUnit written
expect_rc 0 "check -j 1" -- "$PAXSIM" check "$SRC/scenarios/synod" --seeds 3 -j 1 --json
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("\n".join(x["scenario"]+" "+str(x["seed"])+" "+x["fingerprint"]+" "+x["verdict"] for x in r["runs"]))' "$T/out" >"$T/j1"
expect_rc 0 "check -j 2" -- "$PAXSIM" check "$SRC/scenarios/synod" --seeds 3 -j 2 --json --junit "$T/junit.xml"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("\n".join(x["scenario"]+" "+str(x["seed"])+" "+x["fingerprint"]+" "+x["verdict"] for x in r["runs"]))' "$T/out" >"$T/j2"
if cmp -s "$T/j1" "$T/j2" && [[ -s $T/j1 ]]; then ok; else bad "check results depend on -j"; fi
python3 -c 'import sys,xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); sys.exit(0 if int(r.get("tests"))>10 and r.get("failures")=="0" else 1)' "$T/junit.xml" && ok || bad "JUnit XML missing or wrong"
expect_rc 1 "check fails when a run fails" -- "$PAXSIM" check "$SRC/scenarios/synod/dueling-proposers.json" --bug round-only-ballots --seeds 2

# --- golden: the exact trace of a tiny scenario, and every scenario's fingerprint
# on its own seed (regenerate with scripts/update-golden after an intended change)
expect_rc 0 "golden trace run" -- "$PAXSIM" run "$basic" --trace "$T/golden.jsonl"
if diff <(sed 1d "$T/golden.jsonl") "$SRC/tests/golden/synod-basic.trace.jsonl" >"$T/diff"; then ok; else
  bad "trace of synod-basic differs from tests/golden: $(head -c 600 "$T/diff")"; fi
(cd "$SRC" && "$PAXSIM" check scenarios --seeds 1 -j 2 --json 2>/dev/null) |
  python3 -c 'import json,sys; [print(r["file"], r["seed"], r["fingerprint"]) for r in json.load(sys.stdin)["runs"]]' >"$T/fps"
if diff "$T/fps" "$SRC/tests/golden/fingerprints.txt" >"$T/diff"; then ok; else
  bad "fingerprints differ from tests/golden/fingerprints.txt: $(head -c 600 "$T/diff")"; fi

harness_end test_cli.sh
