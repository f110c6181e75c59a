#!/bin/sh
# usage: confirm.sh HMLCOST
# `lint --confirm` end to end on a launcher (no Python needed): the
# experiment runs a copy whose thread count reads {threads}, and a verdict
# is printed next to the finding; a Dockerfile's finding says why it is not run.
set -u
hmlcost=$1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; echo "--- stdout:"; cat "$tmp/out"; echo "--- stderr:"; cat "$tmp/err"; exit 1; }

cat >"$tmp/launch.sh" <<'SH'
export OMP_NUM_THREADS=64
echo "threads: $OMP_NUM_THREADS"
echo "accuracy: 0.5"
SH
printf 'FROM debian\nENV OMP_NUM_THREADS=64\n' >"$tmp/Dockerfile"
cd "$tmp" || exit 1
"$hmlcost" lint --cpus 2 --confirm --runs 2 --time-budget 120 \
    --accuracy-regex 'accuracy: ([0-9.]+)' launch.sh Dockerfile >"$tmp/out" 2>"$tmp/err"
status=$?
grep -q 'AddressSanitizer\|runtime error:' "$tmp/err" && fail "sanitizer report"
[ "$status" -eq 1 ] || fail "exit status $status, expected 1"
grep -q "^launch.sh:1:8: parallelism: " "$tmp/out" || fail "the launcher's finding is missing"
grep -q "^  verdict:  not run: a Dockerfile sets the environment of a command it does not name" \
    "$tmp/out" || fail "the Dockerfile's finding must say why it is not run"
verdict=$(grep "^  verdict:  " "$tmp/out" | grep -v "not run" | head -1)
[ -n "$verdict" ] || fail "no verdict for the launcher"
echo "$verdict" | grep -Eq "(HIDDEN COST|NO COST|VISIBLE|INCONCLUSIVE|no verdict)" || fail "not a verdict: $verdict"
echo "$verdict" | grep -q "2 runs per arm; hmlcost report --store /tmp/hmlcost-lint-" || fail "no store named"
db=$(echo "$verdict" | sed -n 's/.*--store \([^)]*\.db\)).*/\1/p')
store=$(dirname "$db")
[ -n "$store" ] && [ -d "$store" ] || fail "the store's directory is missing"
grep -q 'OMP_NUM_THREADS=${HMLCOST_LINT_VALUE}' "$store"/parallelism.1.8.launch.sh ||
    { rm -rf "$store"; fail "the copy does not read the placeholder"; }
"$hmlcost" report --store "$db" --format json >"$tmp/report.json" 2>>"$tmp/err" ||
    { rm -rf "$store"; fail "the experiment's store does not report"; }
rm -rf "$store"
echo "confirm: $verdict"
