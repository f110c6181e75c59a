#!/bin/sh
# usage: report_after_top_up.sh <hmlcost>
# After a top-up (the same plan again with more runs) of an older
# experiment, `report` shows that experiment, under the --name given then.
set -u
hmlcost=$1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
db=$tmp/s.db
run() { "$hmlcost" run --store "$db" "$@" >/dev/null 2>"$tmp/err" || fail "run $*: $(cat "$tmp/err")"; }

run --runs 2 --arm a --arm b --name first -- true
run --runs 2 --arm a --arm c --name second -- true
"$hmlcost" report --store "$db" >"$tmp/out" 2>&1
grep -q '^hmlcost report: experiment 2 "second"$' "$tmp/out" || fail "before: $(head -1 "$tmp/out")"

run --runs 3 --arm a --arm b --name topped-up -- true
"$hmlcost" report --store "$db" >"$tmp/out" 2>&1
grep -q '^hmlcost report: experiment 1 "topped-up"$' "$tmp/out" ||
    fail "after the top-up: $(head -1 "$tmp/out")"
grep -q 'experiment 1; 2 arms, 6 runs' "$tmp/out" || fail "after the top-up: $(sed -n 2p "$tmp/out")"

# Resumed without --name: the name stays.
run --runs 4 --arm a --arm b -- true
"$hmlcost" report --store "$db" >"$tmp/out" 2>&1
grep -q '^hmlcost report: experiment 1 "topped-up"$' "$tmp/out" ||
    fail "resumed without a name: $(head -1 "$tmp/out")"

# A new experiment is the latest again.
run --runs 2 --arm a --arm d -- true
"$hmlcost" report --store "$db" >"$tmp/out" 2>&1
grep -q '^hmlcost report: experiment 3$' "$tmp/out" || fail "a new one: $(head -1 "$tmp/out")"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "the experiment last run is the latest, with its new name"
