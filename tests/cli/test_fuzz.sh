#!/usr/bin/env bash
# paxsim fuzz and shrink from the command line: a planted bug is found, saved
# as a repro that replays alone, with its trace (trace.jsonl), reports
# (report.txt, report.md) and page (trace.html), and shrunk; a clean campaign is quiet; the
# distinct failures do not depend on -j; --resume continues the counters;
# SIGTERM stops cleanly and kill -9 loses no saved failure; usage errors exit 2.
# Nothing here depends on timing. Usage: test_fuzz.sh PAXSIM SOURCE_DIR
set -uo pipefail
PAXSIM=$1
SRC=$2
source "$(dirname "$0")/harness.sh"

dueling=$SRC/scenarios/synod/dueling-proposers.json
basic=$SRC/scenarios/synod/basic.json
nemesis=$SRC/scenarios/synod/nemesis.json

# --- a planted bug is found, saved, replayed and shrunk
expect_rc 1 "campaign with a planted bug" -- \
  "$PAXSIM" fuzz "$dueling" --runs 40 -j 2 --bug round-only-ballots --out "$T/bug" --shrink-seconds 5 --quiet
expect_out "distinct:" "campaign summary"
expect_out "paxsim run $T/bug/" "summary names the replay command"
found=$(folders "$T/bug")
if [[ -n $found ]]; then ok; else bad "no failure folder in $T/bug"; fi
for d in $found; do
  inv=${d%-*}
  dir=$T/bug/$d
  for f in repro.json repro.min.json report.txt report.md trace.jsonl trace.html shrink.txt; do
    if [[ -s $dir/$f ]]; then ok; else bad "$d: no $f"; fi
  done
  if grep -qF '"bug": "round-only-ballots"' "$dir/repro.json"; then ok; else bad "$d: repro.json does not pin the bug"; fi
  if [[ $inv == liveness || $inv == limit ]]; then want="outcome $inv"; else want="violated: $inv"; fi
  expect_rc 1 "$d: paxsim run repro.json" -- "$PAXSIM" run "$dir/repro.json"
  expect_out "$want" "$d: repro.json fails the same way"
  fp=$(grep -o 'fingerprint [0-9a-f]*' "$T/out")
  if grep -qF -- "$fp" "$dir/report.txt"; then ok; else bad "$d: replay fingerprint ($fp) differs from report.txt"; fi
  # the canonical trace of the failing run (as run --trace writes it), the
  # Markdown report and the HTML page (as trace convert --to html writes it)
  expect_rc 1 "$d: paxsim run repro.json --trace" -- "$PAXSIM" run "$dir/repro.json" --trace "$T/replay.jsonl"
  if cmp -s "$T/replay.jsonl" "$dir/trace.jsonl"; then ok; else bad "$d: trace.jsonl differs from run --trace"; fi
  if tail -n 1 "$dir/trace.jsonl" | grep -qF "\"fingerprint\":\"${fp#fingerprint }\""; then ok; else
    bad "$d: trace.jsonl does not end with the run's fingerprint"; fi
  expect_rc 0 "$d: trace convert --to html" -- "$PAXSIM" trace convert "$dir/trace.jsonl" --to html -o "$T/replay.html"
  if cmp -s "$T/replay.html" "$dir/trace.html"; then ok; else bad "$d: trace.html differs from trace convert --to html"; fi
  if grep -qF "# FAIL" "$dir/report.md" && grep -qF "## Replay" "$dir/report.md"; then ok; else
    bad "$d: report.md is not the Markdown report"; fi
  if [[ $inv == liveness || $inv == limit ]] || grep -qF "Violated: \`$inv\`" "$dir/report.md"; then ok; else
    bad "$d: report.md does not name $inv"; fi
  expect_rc 1 "$d: paxsim run repro.min.json" -- "$PAXSIM" run "$dir/repro.min.json"
  expect_out "$want" "$d: repro.min.json fails the same way"
  # paxsim shrink on its own does the same, to -o
  expect_rc 0 "$d: paxsim shrink" -- "$PAXSIM" shrink "$dir/repro.json" -o "$T/min-$d.json" --seconds 5
  expect_out "still fails: $inv" "$d: shrink summary"
  expect_rc 1 "$d: the shrunk file fails" -- "$PAXSIM" run "$T/min-$d.json"
  expect_out "$want" "$d: paxsim shrink keeps the failure"
done
if grep -qF '"next_k": 40' "$T/bug/campaign.json"; then ok; else bad "campaign.json: next_k is not 40"; fi

# --- --print-run K prints run K's scenario: byte for byte the repro.json of a failure first seen in run K
k=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["distinct"][0]["first_k"])' "$T/bug/campaign.json")
first=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["distinct"][0]["folder"])' "$T/bug/campaign.json")
expect_rc 0 "fuzz --print-run $k" -- "$PAXSIM" fuzz "$dueling" --bug round-only-ballots --print-run "$k"
if cmp -s "$T/out" "$T/bug/$first/repro.json"; then ok; else bad "--print-run $k differs from $first/repro.json"; fi
expect_rc 2 "fuzz --print-run with --resume" -- "$PAXSIM" fuzz --resume --out "$T/bug" --print-run 1

# --- --resume continues the seed sequence and the counters
expect_rc 1 "resume" -- "$PAXSIM" fuzz --resume --out "$T/bug" --runs 20 -j 2 --shrink-seconds 1 --quiet
expect_out "20 this session" "resume runs 20 more"
expect_out "60 in all" "resume counts on from 40"
if grep -qF '"next_k": 60' "$T/bug/campaign.json"; then ok; else bad "campaign.json after resume: next_k is not 60"; fi
for d in $found; do
  if grep -qF "\"folder\": \"$d\"" "$T/bug/campaign.json"; then ok; else bad "resume lost $d"; fi
done

# --- the distinct failures do not depend on -j
expect_rc 1 "-j 1" -- "$PAXSIM" fuzz "$dueling" --runs 60 -j 1 --bug round-only-ballots --out "$T/j1" --shrink-seconds 0 --quiet
expect_rc 1 "-j 2" -- "$PAXSIM" fuzz "$dueling" --runs 60 -j 2 --bug round-only-ballots --out "$T/j2" --shrink-seconds 0 --quiet
if [[ "$(folders "$T/j1")" == "$(folders "$T/j2")" ]]; then ok; else bad "-j 1 and -j 2 found different failures: $(folders "$T/j1" | tr '\n' ' ') / $(folders "$T/j2" | tr '\n' ' ')"; fi
j1=$(grep '"failures"' "$T/j1/campaign.json"); j2=$(grep '"failures"' "$T/j2/campaign.json")
if [[ $j1 == "$j2" ]]; then ok; else bad "-j 1 and -j 2 counted different failures: $j1 / $j2"; fi
# the same 60 runs as 40 then a resume of 20 (previous section): the same failures
if [[ "$(folders "$T/j1")" == "$(folders "$T/bug")" ]]; then ok; else bad "a resumed campaign found other failures than one run"; fi
# ... and the same counters, first runs and per-failure run counts, whatever -j
if [[ "$(digest "$T/j1/campaign.json")" == "$(digest "$T/j2/campaign.json")" ]]; then ok; else
  bad "-j 1 and -j 2 differ:"$'\n'"$(diff <(digest "$T/j1/campaign.json") <(digest "$T/j2/campaign.json"))"; fi
if [[ "$(digest "$T/j1/campaign.json")" == "$(digest "$T/bug/campaign.json")" ]]; then ok; else
  bad "40 runs then a resume of 20 differ from 60 runs:"$'\n'"$(diff <(digest "$T/j1/campaign.json") <(digest "$T/bug/campaign.json"))"; fi
for d in $(folders "$T/j1"); do
  if cmp -s "$T/j1/$d/repro.json" "$T/j2/$d/repro.json"; then ok; else bad "$d: repro.json depends on -j"; fi
done

# --- a clean campaign finds nothing
expect_rc 0 "clean campaign" -- "$PAXSIM" fuzz "$basic" --runs 200 --out "$T/clean" --quiet
expect_out "failures: 0" "clean campaign summary"
if [[ -z "$(folders "$T/clean")" ]]; then ok; else bad "clean campaign left failure folders"; fi

# --- SIGTERM stops cleanly: a summary, a complete campaign.json
"$PAXSIM" fuzz "$nemesis" --time 10m --out "$T/term" >"$T/term.out" 2>"$T/term.err" &
bg=$!
wait_for "$T/term/campaign.json" '"format"'
kill -TERM "$bg"
wait "$bg"
rc=$?
bg=
if [[ $rc == 0 ]]; then ok; else bad "SIGTERM: exit $rc, want 0; stderr: $(tail -c 400 "$T/term.err")"; fi
if grep -qF "stopped by a signal" "$T/term.out"; then ok; else bad "SIGTERM: no summary: $(head -c 400 "$T/term.out")"; fi
if tail -c 3 "$T/term/campaign.json" | grep -qF '}' && grep -qF '"next_k"' "$T/term/campaign.json"; then ok; else bad "SIGTERM: campaign.json incomplete"; fi
if compgen -G "$T/term/*.tmp" >/dev/null; then bad "SIGTERM left a temporary file"; else ok; fi

# --- kill -9 loses no failure already reported; --resume goes on from it
"$PAXSIM" fuzz "$dueling" --time 10m --bug minority-quorum --out "$T/k9" --shrink-seconds 0 >"$T/k9.out" 2>"$T/k9.err" &
bg=$!
wait_for "$T/k9.err" "new failure"
kill -9 "$bg"
wait "$bg" 2>/dev/null
bg=
saved=$(grep -o 'new failure at run [0-9]*: [a-z]*' "$T/k9.err" | head -1 | awk '{print $NF}')
if compgen -G "$T/k9/$saved-*/repro.json" >/dev/null; then ok; else bad "kill -9 lost the repro of $saved"; fi
if grep -qF "\"invariant\": \"$saved\"" "$T/k9/campaign.json"; then ok; else bad "kill -9: campaign.json does not list $saved"; fi
expect_rc 1 "resume after kill -9" -- "$PAXSIM" fuzz --resume --out "$T/k9" --runs 5 --shrink-seconds 0 --quiet
expect_out "$T/k9/$saved-" "resume after kill -9 keeps the failure"

# --- usage errors: exit 2, nothing run
expect_rc 2 "fuzz without FILE" -- "$PAXSIM" fuzz --runs 1 --out "$T/u1"
expect_rc 2 "--runs and --time" -- "$PAXSIM" fuzz "$basic" --runs 1 --time 1s --out "$T/u2"
expect_rc 2 "bad duration" -- "$PAXSIM" fuzz "$basic" --time soon --out "$T/u3"
expect_rc 2 "unknown bug" -- "$PAXSIM" fuzz "$basic" --runs 1 --bug no-such-bug --out "$T/u4"
expect_rc 2 "a second campaign in one folder" -- "$PAXSIM" fuzz "$basic" --runs 1 --out "$T/clean"
expect_rc 2 "resume without a campaign" -- "$PAXSIM" fuzz --resume --out "$T/nothing-here"
expect_rc 2 "resume with another seed" -- "$PAXSIM" fuzz --resume --out "$T/clean" --seed 12345 --runs 1
expect_rc 2 "bad scenario" -- "$PAXSIM" fuzz "$SRC/tests/bad/no-such-node.json" --runs 1 --out "$T/u5"
for u in u1 u2 u3 u4 u5; do
  if [[ ! -e $T/$u ]]; then ok; else bad "a refused fuzz wrote $T/$u"; fi
done
expect_rc 2 "shrink a safe run" -- "$PAXSIM" shrink "$basic" -o "$T/x.json"
expect_rc 2 "shrink without REPRO" -- "$PAXSIM" shrink
expect_rc 0 "fuzz --help" -- "$PAXSIM" fuzz --help
expect_rc 0 "shrink --help" -- "$PAXSIM" shrink --help

harness_end test_fuzz.sh
