#!/usr/bin/env bash
# paxsim fuzz --shard and paxsim merge, without a scheduler: 4 shards run here
# and merged equal one campaign over the same runs (run count, counters,
# distinct failures, first runs, byte-identical repro.json); merging twice
# gives what merging once gave; a missing shard, a folder without a campaign
# and an interrupted shard are reported; a merge while a shard runs reads only
# complete files; a resumed shard finishes its share; --time shards interleave
# (their runs add up, each on its own k's); the shard of a Slurm
# array task comes from its environment; usage errors exit 2.
# Nothing here depends on timing. Usage: test_shards.sh PAXSIM SOURCE_DIR
set -uo pipefail
PAXSIM=$1
SRC=$2
source "$(dirname "$0")/harness.sh"

dueling=$SRC/scenarios/synod/dueling-proposers.json
basic=$SRC/scenarios/synod/basic.json
bug=(--bug round-only-ballots)
R=120

# --- one campaign, then the same campaign in 4 shards, merged
expect_rc 1 "one campaign" -- "$PAXSIM" fuzz "$dueling" --runs $R -j 2 "${bug[@]}" --out "$T/one" --shrink-seconds 0 --quiet
for i in 0 1 2 3; do
  expect_rc 1 "shard $i/4" -- "$PAXSIM" fuzz "$dueling" --runs $R -j 2 "${bug[@]}" --shard $i/4 --out "$T/s$i" \
    --shrink-seconds 0 --quiet
  expect_out "shard $i/4: the runs k = $i (mod 4) below $R" "shard $i/4 summary"
  if [[ $(field "$T/s$i/campaign.json" 'c["runs"]') == $((R / 4)) ]]; then ok; else bad "shard $i did not do $((R / 4)) runs"; fi
done
expect_rc 1 "merge" -- "$PAXSIM" merge "$T/s0" "$T/s1" "$T/s2" "$T/s3" --out "$T/m" --final
expect_out "shards: 4 of 4 present, 4 done (complete)" "merge: all shards"
expect_out "runs: $R in all (runs 0..$((R - 1)) all done: the runs of one campaign of --runs $R)" "merge: runs"
if [[ "$(digest "$T/one/campaign.json")" == "$(digest "$T/m/campaign.json")" ]]; then
  ok
else
  bad "the merge differs from one campaign:"$'\n'"$(diff <(digest "$T/one/campaign.json") <(digest "$T/m/campaign.json"))"
fi
if [[ -n "$(folders "$T/one")" && "$(folders "$T/one")" == "$(folders "$T/m")" ]]; then ok; else
  bad "folders differ: $(folders "$T/one" | tr '\n' ' ') / $(folders "$T/m" | tr '\n' ' ')"; fi
for d in $(folders "$T/one"); do
  if cmp -s "$T/one/$d/repro.json" "$T/m/$d/repro.json"; then ok; else bad "$d: repro.json differs from one campaign's"; fi
  for f in report.txt report.md trace.jsonl trace.html; do
    if [[ -s $T/m/$d/$f ]]; then ok; else bad "merge: $d lacks $f"; fi
  done
done

# --- merge twice == merge once (and nothing is rewritten)
cp -a "$T/m" "$T/m-once"
expect_rc 1 "merge again" -- "$PAXSIM" merge "$T/s0" "$T/s1" "$T/s2" "$T/s3" --out "$T/m" --final
expect_out "0 files written" "merge again rewrites nothing"
if diff -r "$T/m-once" "$T/m" >/dev/null; then ok; else bad "merge twice differs from once: $(diff -r "$T/m-once" "$T/m" | head -5)"; fi
# in another order, the same result
expect_rc 1 "merge in another order" -- "$PAXSIM" merge "$T/s3" "$T/s1" "$T/s0" "$T/s2" --out "$T/m"
if diff -r "$T/m-once" "$T/m" >/dev/null; then ok; else bad "merge depends on the order of its inputs"; fi
# a merge of merges: (0,1) + (2,3) == (0,1,2,3)
expect_rc 1 "merge 0+1" -- "$PAXSIM" merge "$T/s0" "$T/s1" --out "$T/m01"
expect_rc 1 "merge 2+3" -- "$PAXSIM" merge "$T/s2" "$T/s3" --out "$T/m23"
expect_rc 1 "merge of merges" -- "$PAXSIM" merge "$T/m01" "$T/m23" --out "$T/mm" --final
if [[ "$(digest "$T/one/campaign.json")" == "$(digest "$T/mm/campaign.json")" ]]; then ok; else bad "a merge of merges differs"; fi

# --- a missing shard, a folder without a campaign, a hole
mkdir -p "$T/empty"
expect_rc 1 "merge with a missing shard" -- "$PAXSIM" merge "$T/s0" "$T/s1" "$T/s3" "$T/empty" --out "$T/m3"
expect_out "MISSING shard 2/4" "missing shard in the summary"
expect_err "shard 2/4 is missing" "missing shard on stderr"
expect_err "$T/empty: no campaign.json" "a folder without campaign.json is reported"
if [[ $(field "$T/m3/campaign.json" 'c["merged"]["missing"]') == "[2]" ]]; then ok; else bad "campaign.json: missing is not [2]"; fi
if [[ $(field "$T/m3/campaign.json" 'c["next_k"]') == 2 ]]; then ok; else bad "with shard 2 missing, runs 0..1 only are all done"; fi
# nothing found but a shard missing: exit 2 (the merge cannot say nothing was found)
for i in 0 1 2; do
  expect_rc 0 "clean shard $i/3" -- "$PAXSIM" fuzz "$basic" --runs 30 --shard $i/3 --out "$T/c$i" --quiet
done
expect_rc 0 "clean merge" -- "$PAXSIM" merge "$T/c0" "$T/c1" "$T/c2" --out "$T/cm" --final
expect_rc 2 "clean merge, a shard missing" -- "$PAXSIM" merge "$T/c0" "$T/c2" "$T/never-started" --out "$T/cm2"
expect_out "MISSING shard 1/3" "clean merge names the missing shard"
expect_err "$T/never-started: no such folder" "a shard that never started is reported"

# --- a resumed shard finishes its share; a larger --runs extends it
expect_rc 1 "resume a finished shard" -- "$PAXSIM" fuzz --resume --out "$T/s1" --runs $R --shrink-seconds 0 --quiet
expect_out "0 this session" "a finished shard does nothing more"
expect_rc 1 "extend a shard" -- "$PAXSIM" fuzz --resume --out "$T/s1" --runs $((R + 40)) --shrink-seconds 0 --quiet
expect_out "10 this session" "a shard extended by 40 runs does its 10"
expect_rc 2 "resume as another shard" -- "$PAXSIM" fuzz --resume --out "$T/s1" --shard 2/4 --runs 1

# --- an interrupted shard, and a merge while a shard runs
"$PAXSIM" fuzz "$dueling" --time 10m "${bug[@]}" --shard 1/2 --out "$T/live" --shrink-seconds 0 >"$T/live.out" 2>"$T/live.err" &
bg=$!
wait_for "$T/live.err" "new failure"
expect_rc 1 "shard 0/2 beside a running shard 1/2" -- "$PAXSIM" fuzz "$dueling" --runs 10 "${bug[@]}" --shard 0/2 --out "$T/live0" --shrink-seconds 0 --quiet
expect_rc 1 "merge while a shard runs" -- "$PAXSIM" merge "$T/live0" "$T/live" --out "$T/lm"
expect_out "shard 1/2  running" "a running shard is shown running"
if [[ -n $(folders "$T/lm") ]]; then ok; else bad "merge while running copied no failure folder"; fi
for d in $(folders "$T/lm"); do
  if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/lm/$d/repro.json" 2>/dev/null; then ok; else
    bad "merge while running: $d/repro.json incomplete"; fi
done
kill -TERM "$bg"
wait "$bg"
rc=$?
bg=
# Stopped by a signal after finding failures: exit 1 (failures found), not a crash.
if [[ $rc == 1 ]]; then ok; else bad "a shard stopped by SIGTERM exited $rc, want 1"; fi
expect_rc 1 "final merge with a stopped shard" -- "$PAXSIM" merge "$T/live0" "$T/live" --out "$T/lm" --final
expect_out "PROBLEM shard 1/2" "a shard stopped early is a problem with --final"

# --- with --time the shards interleave: their runs add up, each on its own k's
"$PAXSIM" fuzz "$basic" --time 1s -j 1 --shard 0/2 --out "$T/t0" --quiet >/dev/null &
t0=$!
expect_rc 0 "a --time shard" -- "$PAXSIM" fuzz "$basic" --time 1s -j 1 --shard 1/2 --out "$T/t1" --quiet
if wait "$t0"; then ok; else bad "the other --time shard failed"; fi
expect_rc 0 "merge --time shards" -- "$PAXSIM" merge "$T/t0" "$T/t1" --out "$T/tm" --final
r0=$(field "$T/t0/campaign.json" 'c["runs"]'); r1=$(field "$T/t1/campaign.json" 'c["runs"]')
if [[ $(field "$T/tm/campaign.json" 'c["runs"]') == $((r0 + r1)) && $r0 -gt 0 && $r1 -gt 0 ]]; then ok; else
  bad "--time shards: merged runs are not $r0 + $r1"; fi
if [[ $(field "$T/t0/campaign.json" 'c["next_k"] == 2 * c["runs"]') == True &&
      $(field "$T/t1/campaign.json" 'c["next_k"] == 2 * c["runs"] + 1') == True ]]; then ok; else
  bad "--time shards did not take every other run"; fi

# --- the shard of a Slurm array task
expect_rc 0 "Slurm array 1-4, task 3" -- env SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=4 \
  SLURM_ARRAY_TASK_COUNT=4 "$PAXSIM" fuzz "$basic" --runs 8 --out "$T/slurm"
expect_err "shard 2/4 from the Slurm array (task 3 of 1..4)" "Slurm task 3 of 1..4 is shard 2/4"
if [[ $(field "$T/slurm/campaign.json" 'c["shard"]["index"], c["shard"]["count"]') == "(2, 4)" ]]; then ok; else bad "Slurm shard not recorded"; fi
expect_rc 2 "Slurm array with a step" -- env SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=6 \
  SLURM_ARRAY_TASK_COUNT=4 SLURM_ARRAY_TASK_STEP=2 "$PAXSIM" fuzz "$basic" --runs 8 --out "$T/slurm2"
expect_rc 0 "--shard 0/1 overrides the array" -- env SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_MIN=1 \
  SLURM_ARRAY_TASK_COUNT=4 "$PAXSIM" fuzz "$basic" --runs 8 --shard 0/1 --out "$T/slurm3" --quiet
expect_out "8 in all" "--shard 0/1 does every run"

# --- usage errors: exit 2, nothing written
expect_rc 2 "bad --shard" -- "$PAXSIM" fuzz "$basic" --runs 1 --shard 4/4 --out "$T/u1"
expect_rc 2 "bad --shard text" -- "$PAXSIM" fuzz "$basic" --runs 1 --shard 1-4 --out "$T/u2"
expect_rc 2 "merge without --out" -- "$PAXSIM" merge "$T/s0"
expect_rc 2 "merge without inputs" -- "$PAXSIM" merge --out "$T/u3"
for u in u1 u2 u3; do
  if [[ ! -e $T/$u ]]; then ok; else bad "a refused command wrote $T/$u"; fi
done
expect_rc 2 "merge of two campaigns" -- "$PAXSIM" merge "$T/s0" "$T/c1" --out "$T/u4"
if [[ ! -e $T/u4 ]]; then ok; else bad "a refused merge wrote $T/u4"; fi
expect_rc 2 "a shard twice" -- "$PAXSIM" merge "$T/s0" "$T/m01" --out "$T/u5"
expect_rc 2 "--out is an input" -- "$PAXSIM" merge "$T/s0" "$T/s1" --out "$T/s1"
expect_rc 2 "--out holds a campaign" -- "$PAXSIM" merge "$T/s0" "$T/s1" --out "$T/one"
expect_rc 2 "resume a merge" -- "$PAXSIM" fuzz --resume --out "$T/m" --runs 1
expect_rc 0 "merge --help" -- "$PAXSIM" merge --help

harness_end test_shards.sh
