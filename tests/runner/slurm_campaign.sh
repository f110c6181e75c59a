#!/bin/sh
# usage: slurm_campaign.sh HMLCOST SOURCE_DIR
# A campaign through a real one-node Slurm (scripts/slurm-local.sh): a smell
# study as a job array, its runs in the store and the report; the same
# command again adds nothing; a task cancelled mid-block loses its unfinished
# run only, and the next command resubmits exactly the missing runs.
# Skipped (77) where Slurm is not installed or cannot run (not root).
set -u
hmlcost=$1
src=$2

for prog in munged slurmctld slurmd sbatch squeue scancel sqlite3; do
    if ! command -v "$prog" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$prog" ]; then
        echo "SKIP: '$prog' is not installed (scripts/deps.sh test installs slurm-wlm, munge)"
        exit 77
    fi
done
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: slurmd must run as root to start jobs; run this test as root"
    exit 77
fi

work=$(mktemp -d /tmp/hmlcost-slurm-test.XXXXXX)
export HMLCOST_SLURM_DIR="$work/slurm"
export HMLCOST_SLURM_PORT=$((20000 + ($$ % 10000) * 2))
export HMLCOST_SLURM_POLL_S=0.5
# Whatever happens, no daemon of ours is left running.
cleanup() {
    "$src/scripts/slurm-local.sh" stop >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
    echo "FAIL: $*"
    for f in "$work"/out.* "$HMLCOST_SLURM_DIR"/log/slurmctld.log; do
        [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }
    done
    exit 1
}

"$src/scripts/slurm-local.sh" start || fail "the local Slurm did not start"
eval "$("$src/scripts/slurm-local.sh" env)"
cd "$work" || exit 1

count() { sqlite3 "$work/s.db" "$1"; }

# 1. The smell study as a job array, waited for.
study() {
    "$hmlcost" run --executor slurm --max-parallel 2 --store s.db --smell parallelism,libpath \
        --smell-threads 4 --libpath-dirs '' --libpath-entries 100 --runs 3 \
        -- --data synthetic --train-limit 64 --test-limit 32 --epochs 1 --quiet
}
study > out.study 2>&1 || fail "the campaign failed (exit $?)"
[ "$(count "select count(*) from runs where status='ok'")" = 9 ] || fail "9 ok runs expected"
[ "$(count "select count(distinct arm_id) from runs")" = 3 ] || fail "3 arms expected"
grep -q "submitted job [0-9]*: 3 tasks, 9 runs" out.study || fail "3 tasks of 3 runs expected"
grep -q "3 of 3 tasks finished" out.study || fail "no progress line per finished task"
# Each run carries the node it ran on.
[ "$(count "select distinct h.hostname from runs r join hosts h on h.id = r.host_id")" = \
    "$(hostname)" ] || fail "the runs' node is not recorded"
"$hmlcost" report --store s.db > out.report 2>&1 || fail "report failed"
grep -q "parallelism" out.report || fail "the report has no parallelism comparison"

# 2. The same command again: everything is stored, nothing is submitted or added.
study > out.again 2>&1 || fail "the second campaign command failed"
grep -q "submitted" out.again && fail "a complete campaign was submitted again"
[ "$(count "select count(*) from runs")" = 9 ] || fail "importing twice added runs"

# 3. A task cancelled in the middle of its block.
slow() {
    "$hmlcost" run --executor slurm --max-parallel 1 --store s.db --name cancel \
        --arm a --arm b --runs 2 "$@" -- sh -c 'sleep 1.5'
}
slow --no-wait > out.submit 2>&1 || fail "--no-wait submission failed"
grep -q "to collect" out.submit || fail "--no-wait gave no command to collect with"
job=$(sed -n 's/.*submitted job \([0-9]*\):.*/\1/p' out.submit)
[ -n "$job" ] || fail "no job id"
runs_dir=$(ls -d s.db.campaigns/*/ | while read -r d; do
    grep -q "^$job " "$d/job" 2>/dev/null && echo "$d/runs"; done)
# Wait for task 0's first run, then cancel the task while its second runs.
tries=0
while [ "$(ls "$runs_dir" 2>/dev/null | grep -c '\.json$')" -lt 1 ]; do
    tries=$((tries + 1))
    [ "$tries" -gt 600 ] && fail "task 0 did not finish a run in 60 s"
    sleep 0.1
done
scancel "${job}_0" || fail "scancel failed"
slow > out.collect 2>&1
[ $? -eq 1 ] || fail "collecting an incomplete campaign should exit 1"
missing=$(sed -n 's/.*: \([0-9]*\) runs missing (tasks killed.*/\1/p' out.collect)
[ -n "$missing" ] && [ "$missing" -ge 1 ] || fail "the cancelled run is not reported missing"
stored=$(count "select count(*) from runs r join arms a on a.id = r.arm_id
                join experiments e on e.id = a.experiment_id where e.name = 'cancel'")
[ "$stored" -eq $((4 - missing)) ] || fail "$stored runs stored, $missing missing, 4 expected"
[ "$(ls "$runs_dir" | grep -c '\.json$')" -eq "$stored" ] || fail "a half run was written"
# The run Slurm's signal ended is not a result (a "crashed" run would be).
[ "$(count "select count(*) from runs where status != 'ok'")" = 0 ] ||
    fail "a run killed by scancel was stored"
# The resubmitted runs land on "another node": a described host of other hardware.
HMLCOST_HOST_FILE="$src/tests/hosts/epyc-zen5-vm.ini" slow > out.resubmit 2>&1 ||
    fail "the resubmission failed"
grep -q "ran on different hardware" out.resubmit || fail "no warning about mixed hardware"
grep -q "submitted job [0-9]*: [0-9]* tasks, $missing runs" out.resubmit ||
    fail "the resubmission should run exactly the $missing missing runs"
[ "$(count "select count(*) from runs r join arms a on a.id = r.arm_id
            join experiments e on e.id = a.experiment_id where e.name = 'cancel'")" = 4 ] ||
    fail "4 runs expected after the resubmission"

echo "PASS"
