#!/bin/sh
# usage: bench/slurm_overhead.sh HMLCOST [RUNS_PER_ARM]
# The same plan (2 arms x RUNS_PER_ARM runs of `sleep 0.1`) run locally and
# through the local one-node Slurm (scripts/slurm-local.sh, which must be
# up), with --max-parallel 1 and 2. Prints each wall time, and Slurm's
# overhead per array task (submission to start, start-up, the task's exit)
# as (wall - the runs' own wall time) / tasks, for --max-parallel 1.
set -eu
hmlcost=$(realpath "$1")
runs=${2:-100}
src=$(cd "$(dirname "$0")/.." && pwd)
eval "$("$src/scripts/slurm-local.sh" env)"
export HMLCOST_SLURM_POLL_S=${HMLCOST_SLURM_POLL_S:-0.5}
work=$(mktemp -d /tmp/hmlcost-slurm-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
plan() { "$hmlcost" run --arm a --arm b --runs "$runs" "$@" -- sleep 0.1; }
now() { date +%s.%N; }
sum_wall() {
    sqlite3 "$1" "select sum(m.value) from metrics m where m.name = 'wall_s'" 2>/dev/null ||
        echo 0
}
t0=$(now); plan --store local.db 2>/dev/null; t1=$(now)
echo "local: $(awk "BEGIN { print $t1 - $t0 }") s for $((2 * runs)) runs (runs' own wall $(sum_wall local.db) s)"
for k in 1 2; do
    t0=$(now); plan --store "slurm$k.db" --executor slurm --max-parallel "$k" 2>"slurm$k.log"; t1=$(now)
    wall=$(awk "BEGIN { print $t1 - $t0 }")
    own=$(sum_wall "slurm$k.db")
    tasks=$(sed -n 's/.*submitted job [0-9]*: \([0-9]*\) tasks.*/\1/p' "slurm$k.log")
    echo "slurm --max-parallel $k: $wall s for $((2 * runs)) runs in $tasks tasks (runs' own wall $own s)"
    [ "$k" = 1 ] && echo "  overhead per task: $(awk "BEGIN { printf \"%.2f\", ($wall - $own) / $tasks }") s"
done
