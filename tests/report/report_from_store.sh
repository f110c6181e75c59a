#!/bin/sh
# usage: report_from_store.sh <hmlcost> <toy_workload.sh>
# Runs a small study into a fresh store with `hmlcost run` (a toy workload:
# model-reuse does 3x the work at the same accuracy, minibatch loses 6 pp of
# accuracy), then checks that `hmlcost report` reads it: the verdicts, the
# time series in the HTML, --experiment, and that the store is not modified.
set -u
hmlcost=$1 toy=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; [ -f "$tmp/out" ] && cat "$tmp/out"; [ -f "$tmp/err" ] && cat "$tmp/err"; exit 1; }
cat >"$tmp/plan.ini" <<PLAN
[run]
name = toy study
command = $toy
runs = 8
interval = 0.02
[arm baseline]
env = WORK=20000 ACC=0.712
[arm model-reuse]
smell = model-reuse
env = WORK=60000 ACC=0.712
[arm minibatch]
smell = minibatch
env = WORK=20000 ACC=0.65
PLAN
"$hmlcost" run --plan "$tmp/plan.ini" --store "$tmp/s.db" >"$tmp/out" 2>"$tmp/err" ||
    fail "hmlcost run exited $?"
before=$(cksum <"$tmp/s.db")

"$hmlcost" report --store "$tmp/s.db" >"$tmp/out" 2>"$tmp/err" || fail "report exited $?"
grep -Eq '^  model-reuse +HIDDEN COST +vs baseline$' "$tmp/out" || fail "model-reuse is not HIDDEN COST"
grep -Eq '^  minibatch +VISIBLE +vs baseline$' "$tmp/out" || fail "minibatch is not VISIBLE"
grep -q 'store .*s.db, experiment 1; 3 arms, 24 runs (24 successful)' "$tmp/out" || fail "header"
grep -q 'energy method: estimate:' "$tmp/out" || fail "the estimated energy method is not named"

"$hmlcost" report --store "$tmp/s.db" --experiment 1 --format html -o "$tmp/r.html" 2>"$tmp/err" ||
    fail "html report exited $?"
grep -q 'id="ts-rss_bytes"' "$tmp/r.html" || fail "no memory time series in the HTML"
grep -q 'id="ts-cpu_cores"' "$tmp/r.html" || fail "no CPU time series in the HTML"

"$hmlcost" report --store "$tmp/s.db" --experiment 99 >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] || fail "--experiment 99 did not exit 2"
grep -q '^hmlcost: --experiment 99: no such experiment' "$tmp/err" || fail "--experiment 99 message"

[ "$(cksum <"$tmp/s.db")" = "$before" ] || fail "the report modified the store"
echo "ok: verdicts from the store, time series drawn, store unchanged"
