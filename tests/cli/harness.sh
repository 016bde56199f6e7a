# Shared by the command-line tests (test_cli.sh, test_fuzz.sh, test_shards.sh,
# test_tape.sh, test_slurm.sh):
# sourced after PAXSIM and SRC are set. Makes a scratch folder $T (removed at
# exit, with the background process $bg if one is left), counts checks, and
# gives the helpers below. The caller ends with `harness_end NAME`.
T=$(mktemp -d)
bg=
harness_cleanup() { [[ -n $bg ]] && kill -9 "$bg" 2>/dev/null; rm -rf "$T"; }
trap 'harness_cleanup' EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# expect_rc RC DESCRIPTION -- CMD...: runs CMD, stdout/stderr in $T/out $T/err
expect_rc() {
  local want=$1 what=$2; shift 3
  "$@" >"$T/out" 2>"$T/err"
  local got=$?
  if [[ $got == "$want" ]]; then ok; else bad "$what: exit $got, want $want; stderr: $(head -c 600 "$T/err")"; fi
}
expect_out() {
  if grep -qF -- "$1" "$T/out"; then ok; else bad "$2: stdout lacks '$1': $(head -c 800 "$T/out")"; fi
}
expect_err() {
  if grep -qF -- "$1" "$T/err"; then ok; else bad "$2: stderr lacks '$1': $(head -c 800 "$T/err")"; fi
}
# The failure folders of a campaign, one per line, sorted.
folders() { (cd "$1" && find . -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort); }
# Waits (without a time limit of its own: ctest's timeout applies) until FILE contains TEXT.
wait_for() { while ! grep -qF -- "$2" "$1" 2>/dev/null; do sleep 0.1; done; }
# field FILE EXPR: a Python expression over the JSON document c of FILE.
field() { python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }
# What must be equal between one campaign and a merge of its shards: the
# counters and, per distinct failure, its folder, invariant, first run, run
# count and signature.
digest() {
  python3 - "$1" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
print("runs", c["runs"], "failures", c["failures"], "outcomes", json.dumps(c["outcomes"], sort_keys=True))
for d in sorted(c["distinct"], key=lambda d: d["folder"]):
    print(d["folder"], d["invariant"], d["first_k"], d["runs"], d["signature"])
PY
}
harness_end() {
  echo "$1: $passes passed, $fails failed"
  [[ $fails == 0 ]]
}
