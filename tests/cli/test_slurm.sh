#!/usr/bin/env bash
# A fuzz campaign on a real Slurm: a single-node cluster on localhost (Debian's
# slurm-wlm and munge; munged, slurmctld and slurmd started here as plain
# processes, all their files in a scratch folder, free ports picked at start,
# stopped by their process ids at the end). scripts/fuzz-slurm submits a
# campaign of 4 shards with a planted bug as a job array plus a merge job;
# the merged result must equal one campaign over the same runs on this
# machine: the same run count, counters and distinct failures (same folders,
# same first runs, byte-identical repro.json). Then: a merge by hand changes
# nothing; a shard whose task fails is reported by the merge job; paxsim fuzz
# in an array of tasks 1-3 takes shards 0..2 of 3 from Slurm's environment;
# and scripts/fuzz-parallel gives the same result with GNU parallel.
#
# Installs slurmctld, slurmd, slurm-client, munge and parallel with apt-get
# when they are missing (needs root, or sudo, and the Debian archive), and
# runs the daemons as root. If it cannot, this test FAILS: it never passes
# without having run Slurm.
#
# Usage: test_slurm.sh PAXSIM SOURCE_DIR
set -uo pipefail
PAXSIM=$(realpath "$1")
SRC=$(realpath "$2")
source "$(dirname "$0")/harness.sh"
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
t_start=$(now)
fatal() { echo "FAIL: $*" >&2; echo "      This test does not pass without running Slurm." >&2; exit 1; }

# ---------------------------------------------------------------- packages
have_all() {
  local c
  for c in slurmctld slurmd sbatch squeue sinfo scancel munged mungekey munge parallel; do
    command -v "$c" >/dev/null || return 1
  done
}
if ! have_all; then
  echo "slurm, munge or parallel is missing: installing them (apt-get install slurmctld slurmd slurm-client munge parallel)" >&2
  t0=$(now)
  if [[ $(id -u) == 0 ]]; then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo -n); else SUDO=(false); fi
  # Without systemd, the packages' postinst would start the daemons through
  # invoke-rc.d; a policy-rc.d that says no keeps them stopped (we start our own).
  made_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    "${SUDO[@]}" sh -c 'printf "#!/bin/sh\nexit 101\n" >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d' && made_policy=1
  fi
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      slurmctld slurmd slurm-client munge parallel >&2
  if ((made_policy)); then "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d; fi
  echo "install took $(since "$t0") s" >&2
fi
have_all || fatal "slurm/munge/parallel are not installed and could not be (no root, no sudo, or no network to the
      Debian archive). Install them with:
      apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge parallel"
[[ $(id -u) == 0 ]] || fatal "the single-node Slurm runs its daemons as root: run this test as root"

# ---------------------------------------------------------------- the cluster
# munged wants its socket's folder open to all (o+x), and its key private.
W=$(mktemp -d /tmp/paxsim-slurm.XXXXXX)
chmod 755 "$W"
mkdir -p "$W"/{keys,run,ctld,spool,log,pids}
chmod 755 "$W/run"
chmod 700 "$W/keys"
export SLURM_CONF=$W/slurm.conf

# A pid is ours and alive when /proc/PID/comm is the daemon's name (not a
# reused pid) and it is not a zombie waiting to be reaped.
alive() {
  local st
  [[ $(cat "/proc/$1/comm" 2>/dev/null) == "$2" ]] || return 1
  st=$(awk '/^State:/ { s = $2 } /^Threads:/ { t = $2 } END { print s, t }' "/proc/$1/status" 2>/dev/null) || return 1
  [[ -n $st && $st != "Z 1" ]]
}
stop_one() {
  local pf=$W/pids/$1 pid i
  [[ -f $pf ]] || return 0
  pid=$(cat "$pf")
  if alive "$pid" "$1"; then
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 150; i++)); do alive "$pid" "$1" || break; sleep 0.1; done
    if alive "$pid" "$1"; then echo "$1 ($pid) ignored SIGTERM: SIGKILL" >&2; kill -KILL "$pid" 2>/dev/null; fi
  fi
  rm -f "$pf"
}
stop_slurm() {
  # Jobs first: stopping slurmd does not end them.
  if [[ -f $W/pids/slurmctld ]] && alive "$(cat "$W/pids/slurmctld")" slurmctld; then
    timeout 10 scancel --full --quiet --user="$(id -un)" 2>/dev/null
    for ((i = 0; i < 50; i++)); do [[ -z $(timeout 5 squeue -h 2>/dev/null) ]] && break; sleep 0.1; done
  fi
  stop_one slurmd
  stop_one slurmctld
  stop_one munged
}
cleanup() {
  stop_slurm
  if ((fails > 0)) && [[ -d $W/log ]]; then
    echo "--- slurm logs (last lines)" >&2
    tail -n 5 "$W"/log/*.log >&2 2>/dev/null
  fi
  rm -rf "$W"
  harness_cleanup
}
trap cleanup EXIT

start_daemon() {  # NAME CMD...: runs in the foreground mode, in the background here
  local name=$1 pid i
  shift
  setsid "$@" </dev/null >"$W/log/$name.out" 2>&1 &
  pid=$!
  echo "$pid" >"$W/pids/$name"
  for ((i = 0; i < 50; i++)); do alive "$pid" "$name" && return 0; sleep 0.02; done
  fatal "$name did not start: $(tail -n 5 "$W/log/$name.out")"
}

# Two free ports, so that another Slurm on this machine is no obstacle.
read -r port_ctld port_d < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
# SlurmctldHost=localhost and NodeName=localhost are accepted whatever the
# host's name; the node line (CPUs, RealMemory) comes from slurmd -C.
node=$(slurmd -C | head -n 1 | sed 's/^NodeName=[^ ]*/NodeName=localhost/')
cat >"$SLURM_CONF" <<EOF
ClusterName=paxsimtest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port_ctld
SlurmdPort=$port_d
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$W/run/munge.socket
StateSaveLocation=$W/ctld
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/run/slurmctld.pid
SlurmdPidFile=$W/run/slurmd.pid
SlurmctldLogFile=$W/log/slurmctld.log
SlurmdLogFile=$W/log/slurmd.log
PlugStackConfig=$W/plugstack.conf
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$W/log/jobcomp.txt
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
EnforcePartLimits=ALL
$node State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
: >"$W/plugstack.conf"

t0=$(now)
mungekey --create --keyfile="$W/keys/munge.key" 2>/dev/null || fatal "mungekey failed"
start_daemon munged munged --foreground --socket="$W/run/munge.socket" --key-file="$W/keys/munge.key" \
  --pid-file="$W/run/munged.pid" --seed-file="$W/keys/munged.seed" --log-file="$W/log/munged.log"
for ((i = 0; i < 100; i++)); do
  munge -n -S "$W/run/munge.socket" 2>/dev/null | unmunge -S "$W/run/munge.socket" >/dev/null 2>&1 && break
  sleep 0.1
done
start_daemon slurmctld slurmctld -D -f "$SLURM_CONF"
start_daemon slurmd slurmd -D -f "$SLURM_CONF"
state=
for ((i = 0; i < 300; i++)); do
  for d in munged slurmctld slurmd; do
    alive "$(cat "$W/pids/$d")" "$d" || fatal "$d died: $(grep -vE 'pmix|MPI' "$W/log/$d.out" | tail -n 5)"
  done
  state=$(timeout 5 sinfo -h -o %T 2>/dev/null)
  [[ $state == idle ]] && break
  sleep 0.1
done
[[ $state == idle ]] || fatal "the node is not idle after 30 s (state '$state'): $(tail -n 5 "$W"/log/*.log)"
echo "slurm: up in $(since "$t0") s ($(sinfo -h -o '%c CPUs') on ports $port_ctld/$port_d)" >&2

# "TASK STATE EXITCODE" per task of an array job, from the jobcomp log (no
# accounting database here, so no sacct).
array_results() {
  awk -v j="ArrayJobId=$1" '
    { hit = 0; t = s = e = ""
      for (i = 1; i <= NF; i++) {
        if ($i == j) hit = 1
        else if ($i ~ /^ArrayTaskId=/) t = substr($i, 13)
        else if ($i ~ /^JobState=/)    s = substr($i, 10)
        else if ($i ~ /^ExitCode=/)    e = substr($i, 10)
      }
      if (hit) print t, s, e }' "$W/log/jobcomp.txt" | sort -n | tr '\n' ','
}
job_result() { grep "^JobId=$1 " "$W/log/jobcomp.txt" | grep -o 'JobState=[A-Z]* .*ExitCode=[0-9:]*' | awk '{print $1, $NF}'; }

# ---------------------------------------------------------------- the campaign
dueling=$SRC/scenarios/synod/dueling-proposers.json
R=200
fuzz=(--bug round-only-ballots --shrink-seconds 2)
camp=$T/camp
t0=$(now)
expect_rc 1 "fuzz-slurm --wait (failures found)" -- timeout 180 "$SRC/scripts/fuzz-slurm" --shards 4 --runs $R \
  --out "$camp" --paxsim "$PAXSIM" --time-limit 10 --wait "$dueling" -- "${fuzz[@]}"
t_slurm=$(since "$t0")
cp "$T/out" "$T/slurm.out"
expect_out "shards: 4 of 4 present, 4 done (complete)" "merge job: every shard done"
expect_out "runs: $R in all (runs 0..$((R - 1)) all done: the runs of one campaign of --runs $R)" "merge job: runs"
jid=$(cat "$camp/slurm/array.jobid" 2>/dev/null)
mjid=$(cat "$camp/slurm/merge.jobid" 2>/dev/null)
res=$(array_results "$jid")
if [[ $res == "0 COMPLETED 0:0,1 COMPLETED 0:0,2 COMPLETED 0:0,3 COMPLETED 0:0," ]]; then ok; else
  bad "array job $jid: tasks $res"; fi
if [[ $(job_result "$mjid") == "JobState=COMPLETED ExitCode=0:0" ]]; then ok; else
  bad "merge job $mjid: $(job_result "$mjid")"; fi
# task I did shard I of 4
for i in 0 1 2 3; do
  if [[ $(field "$camp/shard-$i/campaign.json" 'c["shard"]["index"], c["shard"]["count"]') == "($i, 4)" ]]; then ok; else
    bad "task $i did not do shard $i/4: $(head -c 300 "$camp/logs/shard-$i.log")"; fi
done

# the same campaign on this machine
expect_rc 1 "one campaign" -- "$PAXSIM" fuzz "$dueling" --runs $R -j 2 --out "$T/one" --quiet "${fuzz[@]}"
if [[ "$(digest "$T/one/campaign.json")" == "$(digest "$camp/merged/campaign.json")" ]]; then ok; else
  bad "Slurm's merge differs from one campaign:"$'\n'"$(diff <(digest "$T/one/campaign.json") <(digest "$camp/merged/campaign.json"))"
fi
if [[ -n "$(folders "$T/one")" && "$(folders "$T/one")" == "$(folders "$camp/merged")" ]]; then ok; else
  bad "failure folders differ: $(folders "$T/one" | tr '\n' ' ') / $(folders "$camp/merged" | tr '\n' ' ')"; fi
for d in $(folders "$T/one"); do
  if cmp -s "$T/one/$d/repro.json" "$camp/merged/$d/repro.json"; then ok; else bad "$d: repro.json differs"; fi
done
echo "slurm campaign: $(digest "$camp/merged/campaign.json" | head -1); distinct: $(folders "$camp/merged" | tr '\n' ' ')" >&2

# a merge by hand afterwards changes nothing
t0=$(now)
expect_rc 1 "merge by hand" -- "$PAXSIM" merge "$camp"/shard-{0,1,2,3} --out "$camp/merged" --final
t_merge=$(since "$t0")
expect_out "0 files written" "a second merge rewrites nothing"

# paxsim fuzz in an array without --shard takes its shard from Slurm's
# environment: --array=1-3 gives shards 0..2 of 3 (submitted now, checked below)
mkdir -p "$T/env"
basic=$SRC/scenarios/synod/basic.json
env_jid=$(sbatch --parsable --array=1-3 -o "$T/env/%a.log" \
  --wrap "$(printf '%q ' "$PAXSIM") fuzz $(printf '%q' "$basic") --runs 6 --out $(printf '%q' "$T/env")/task-\$SLURM_ARRAY_TASK_ID")
env_jid=${env_jid%%;*}

# a task that fails (its shard folder cannot be made): the merge job reports it
camp2=$T/camp2
mkdir -p "$camp2"
: >"$camp2/shard-2"
expect_rc 1 "fuzz-slurm with a failing task" -- timeout 180 "$SRC/scripts/fuzz-slurm" --shards 4 --runs 40 \
  --out "$camp2" --paxsim "$PAXSIM" --time-limit 10 --wait "$dueling" -- "${fuzz[@]}"
expect_out "MISSING shard 2/4" "the merge job names the failed shard"
res=$(array_results "$(cat "$camp2/slurm/array.jobid" 2>/dev/null)")
if [[ $res == "0 COMPLETED 0:0,1 COMPLETED 0:0,2 FAILED 2:0,3 COMPLETED 0:0," ]]; then ok; else
  bad "array with a failing task: $res"; fi

for ((i = 0; i < 300; i++)); do
  q=$(timeout 5 squeue -h -j "$env_jid" 2>&1) && [[ -z $q ]] && break
  [[ $q == *"Invalid job id"* ]] && break
  sleep 0.2
done
for t in 1 2 3; do
  if [[ $(field "$T/env/task-$t/campaign.json" 'c["shard"]["index"], c["shard"]["count"]' 2>/dev/null) == "($((t - 1)), 3)" ]]; then
    ok
  else
    bad "array task $t of 1-3 did not do shard $((t - 1))/3: $(head -c 300 "$T/env/$t.log" 2>/dev/null)"
  fi
done
if grep -qF "shard 1/3 from the Slurm array (task 2 of 1..3)" "$T/env/2.log" 2>/dev/null; then ok; else
  bad "task 2's log does not say where its shard came from: $(head -c 300 "$T/env/2.log" 2>/dev/null)"; fi

# ---------------------------------------------------------------- GNU parallel
t0=$(now)
expect_rc 1 "fuzz-parallel" -- timeout 120 "$SRC/scripts/fuzz-parallel" --shards 4 -j 2 --runs $R --out "$T/par" \
  --paxsim "$PAXSIM" "$dueling" -- "${fuzz[@]}"
t_par=$(since "$t0")
if [[ "$(digest "$T/one/campaign.json")" == "$(digest "$T/par/merged/campaign.json")" ]]; then ok; else
  bad "fuzz-parallel's merge differs from one campaign"; fi
expect_rc 0 "fuzz-slurm --help" -- "$SRC/scripts/fuzz-slurm" --help
expect_rc 0 "fuzz-parallel --help" -- "$SRC/scripts/fuzz-parallel" --help
expect_rc 2 "fuzz-slurm without --runs or --time" -- "$SRC/scripts/fuzz-slurm" --shards 2 --out "$T/x" "$dueling"

echo "timings: 4-shard Slurm campaign of $R runs, submit to merged ${t_slurm} s; merge by hand ${t_merge} s;" \
  "fuzz-parallel ${t_par} s; whole test $(since "$t_start") s" >&2
harness_end test_slurm.sh
