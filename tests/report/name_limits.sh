#!/bin/sh
# usage: name_limits.sh <hmlcost>
# An arm's name (and an experiment's) is kept whole from `run` to the
# summary, the store, every report and a CSV read back; one longer than the
# limit is refused where it is given (run, a CSV).
set -u
hmlcost=$1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

n63=$(printf 'a%.0s' $(seq 63))
long1=${n63}1 long2=${n63}2 # 64 characters, differing only in the last
"$hmlcost" run --runs 2 --arm base --arm model-reuse-kept --arm "$long1" --arm "$long2" \
    --store "$tmp/s.db" -- true >/dev/null 2>"$tmp/err" || fail "run: $(cat "$tmp/err")"
grep -q "^model-reuse-kept " "$tmp/err" || fail "the run summary cuts model-reuse-kept: $(cat "$tmp/err")"
grep -q "^$long2 " "$tmp/err" || fail "the run summary cuts a 64-character name"

"$hmlcost" report --store "$tmp/s.db" --format csv -o "$tmp/r.csv" 2>"$tmp/err" ||
    fail "report: $(cat "$tmp/err")"
[ "$(grep -c "$long1" "$tmp/r.csv")" -eq 2 ] && [ "$(grep -c "$long2" "$tmp/r.csv")" -eq 2 ] ||
    fail "the CSV merged or cut the 64-character names"
"$hmlcost" report --input "$tmp/r.csv" --format csv -o "$tmp/again.csv" 2>"$tmp/err" ||
    fail "the CSV does not read back: $(cat "$tmp/err")"
[ "$(grep -c "$long1" "$tmp/again.csv")" -eq 2 ] && [ "$(grep -c "$long2" "$tmp/again.csv")" -eq 2 ] ||
    fail "the CSV round trip merged or cut the 64-character names"
"$hmlcost" report --store "$tmp/s.db" --format json >"$tmp/r.json" 2>"$tmp/err" || fail "json report"
grep -q "\"$long2\"" "$tmp/r.json" || fail "the JSON report cut a 64-character name"

"$hmlcost" run --runs 1 --arm base --arm "${long1}x" --store "$tmp/t.db" -- true >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "^hmlcost: --arm: arm name '${long1}x': use 1 to 64 " "$tmp/err" ||
    fail "run took a 65-character name: $(cat "$tmp/err")"

sed "s/$long2/${long2}x/" "$tmp/r.csv" >"$tmp/long.csv"
"$hmlcost" report --input "$tmp/long.csv" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "long.csv line [0-9]*: column arm: arm name '.*' is longer than 64 characters$" "$tmp/err" ||
    fail "report took a 65-character arm from a CSV: $(cat "$tmp/err")"

n127=$(printf 'n%.0s' $(seq 127))
"$hmlcost" run --runs 1 --arm base --arm b --name "$n127" --store "$tmp/n.db" -- true >/dev/null 2>&1 ||
    fail "run took no 127-character experiment name"
"$hmlcost" report --store "$tmp/n.db" --min-runs 2 2>&1 | grep -q "^hmlcost report: experiment 1 \"$n127\"$" ||
    fail "the report cut a 127-character experiment name"
"$hmlcost" run --runs 1 --arm base --arm b --name "${n127}x" --store "$tmp/n2.db" -- true >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "longer than 127 characters$" "$tmp/err" ||
    fail "run took a 128-character experiment name: $(cat "$tmp/err")"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "arm names kept whole, too long ones refused"
