#!/bin/sh
# usage: crashed_run.sh HMLCOST
# After `kill -9` of `hmlcost run`, what the run started keeps running (only
# the direct child dies with hmlcost: here `sh -c`, not its `sleep`). The next
# `hmlcost run` on the same store ends it before it measures anything, by
# every accounting (a cgroup version this machine does not permit falls back
# to /proc, which must work as well).
set -u
hmlcost=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

# The pids of the marked sleep (a unique argument, so nothing else matches).
marked() { pgrep -f "^sleep $1\$"; }

for accounting in auto procfs cgroup-v2 cgroup-v1; do
    marker="$((7000 + $$ % 1000)).$(date +%N)"
    "$hmlcost" run --accounting "$accounting" --store "$tmp/$accounting.db" --runs 2 \
        -- sh -c "sleep $marker; true" 2>/dev/null &
    pid=$!
    tries=0
    while [ -z "$(marked "$marker")" ] && [ $tries -lt 200 ]; do
        sleep 0.05
        tries=$((tries + 1))
    done
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    sleep 0.2
    if [ -z "$(marked "$marker")" ]; then
        echo "FAIL ($accounting): the workload's sleep did not start or did not outlive kill -9" >&2
        status=1
        continue
    fi
    out=$("$hmlcost" run --accounting "$accounting" --store "$tmp/$accounting.db" --runs 1 -- true 2>&1)
    left=$(marked "$marker")
    if [ -n "$left" ]; then
        echo "FAIL ($accounting): the crashed run's sleep still runs after the next run: $left" >&2
        kill -9 $left
        status=1
    elif ! printf '%s\n' "$out" | grep -q "ended 1 process that a crashed run"; then
        echo "FAIL ($accounting): the next run did not say what it ended: $out" >&2
        status=1
    else
        echo "ok ($accounting): the crashed run's sleep was ended by the next run"
    fi
done
exit $status
