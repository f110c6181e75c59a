#!/bin/sh
# usage: report_from_store.sh <hmlcost> <toy_workload.sh>
# Runs a small study into a fresh store with `hmlcost run` (a toy workload:
# model-reuse does 3x the work at the same accuracy, minibatch loses 6 pp of
# accuracy), then checks that `hmlcost report` reads it: the verdicts, the
# time series in the HTML (power over time from the samples' energy, with the
# energy method named), --experiment, and that the store is not modified;
# then that a store from before sample energy (schema 2, via sqlite3 when
# installed) still gives the memory and CPU series and says why there is no
# power series.
set -u
hmlcost=$1 toy=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; [ -f "$tmp/out" ] && cat "$tmp/out"; [ -f "$tmp/err" ] && cat "$tmp/err"; exit 1; }
# No counters, and a CPU model that no table knows: the estimate is the
# labelled fallback on any machine.
mkdir -p "$tmp/host/proc"
printf 'model name\t: Intel(R) Xeon(R) Processor\n' >"$tmp/host/proc/cpuinfo"
export HMLCOST_HOST_ROOT="$tmp/host" HMLCOST_POWERCAP_ROOT="$tmp/none" HMLCOST_HWMON_ROOT="$tmp/none"
cat >"$tmp/plan.ini" <<PLAN
[run]
name = toy study
command = $toy
runs = 8
interval = 0.02
min-cost = memory=5%
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
grep -Eq '^  model-reuse +HIDDEN COST +vs baseline  \([0-9]+ % of resamples' "$tmp/out" ||
    fail "model-reuse is not HIDDEN COST with its stability"
grep -Eq '^  minibatch +VISIBLE +vs baseline  \([0-9]+ % of resamples' "$tmp/out" ||
    fail "minibatch is not VISIBLE with its stability"
grep -q 'time 2 %, memory 5 %, energy 2 % (plan)' "$tmp/out" ||
    fail "the plan's smallest cost of interest is not shown"
grep -q 'store .*s.db, experiment 1; 3 arms, 24 runs (24 successful)' "$tmp/out" || fail "header"
grep -q 'energy method: estimate:' "$tmp/out" || fail "the estimated energy method is not named"

"$hmlcost" report --store "$tmp/s.db" --experiment 1 --format html -o "$tmp/r.html" 2>"$tmp/err" ||
    fail "html report exited $?"
grep -q 'id="ts-rss_bytes"' "$tmp/r.html" || fail "no memory time series in the HTML"
grep -q 'id="ts-cpu_cores"' "$tmp/r.html" || fail "no CPU time series in the HTML"
grep -q 'id="ts-power_w"' "$tmp/r.html" || fail "no power time series in the HTML"
grep -q 'intervals between samples; energy method: estimate:fallback:cpu-4W-per-logical-cpu + estimate:ram-0.375W-per-GiB (estimated, not measured)' \
    "$tmp/r.html" || fail "the power series does not name the energy method"
grep -q 'power over time is not sampled' "$tmp/r.html" && fail "the HTML says power is not sampled"

"$hmlcost" report --store "$tmp/s.db" --experiment 99 >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] || fail "--experiment 99 did not exit 2"
grep -q '^hmlcost: --experiment 99: no such experiment' "$tmp/err" || fail "--experiment 99 message"

[ "$(cksum <"$tmp/s.db")" = "$before" ] || fail "the report modified the store"

# A store written before plans held a smallest cost of interest: the same
# verdicts, judged by the default threshold, and the report says so.
if command -v sqlite3 >/dev/null 2>&1; then
    cp "$tmp/s.db" "$tmp/old.db"
    sqlite3 "$tmp/old.db" "UPDATE experiments SET plan_json = json_remove(plan_json, '\$.min_cost')" ||
        fail "could not remove min_cost from the plan"
    "$hmlcost" report --store "$tmp/old.db" >"$tmp/out" 2>"$tmp/err" || fail "old store: report exited $?"
    grep -q 'time 2 %, memory 2 %, energy 2 % (default)' "$tmp/out" ||
        fail "old store: the default threshold is not named"
    grep -Eq '^  model-reuse +HIDDEN COST +vs baseline  \([0-9]+ % of resamples' "$tmp/out" ||
        fail "old store: model-reuse is not HIDDEN COST"
    echo "store without a plan threshold: reported with the default"
fi

# A schema-2 store (no samples.energy_j): read as it is, no power series.
if command -v sqlite3 >/dev/null 2>&1; then
    cp "$tmp/s.db" "$tmp/v2.db"
    sqlite3 "$tmp/v2.db" 'ALTER TABLE samples DROP COLUMN energy_j; PRAGMA user_version = 2;' ||
        fail "could not make a schema-2 store"
    "$hmlcost" report --store "$tmp/v2.db" --format html -o "$tmp/v2.html" 2>"$tmp/err" ||
        fail "html report of a schema-2 store exited $?"
    grep -q 'id="ts-rss_bytes"' "$tmp/v2.html" || fail "schema 2: no memory time series"
    grep -q 'id="ts-power_w"' "$tmp/v2.html" && fail "schema 2: a power series without energy"
    grep -q 'power over time is not sampled' "$tmp/v2.html" || fail "schema 2: no explanation"
    [ "$(sqlite3 "$tmp/v2.db" 'PRAGMA user_version')" = 2 ] || fail "the report migrated the store"
    echo "schema-2 store: reported without a power series"
else
    echo "sqlite3 not installed: the schema-2 store check is skipped"
fi
echo "ok: verdicts from the store, time series drawn (power too), store unchanged"
