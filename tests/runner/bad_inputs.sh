#!/bin/sh
# usage: bad_inputs.sh <hmlcost> <test-child>
# Bad input to `hmlcost run` / `hmlcost measure`: a one-line error, exit
# status 2, and an existing store left byte for byte as it was.
set -u
hmlcost=$1 child=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
db=$tmp/runs.db
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect_usage_error <label> <args...>: exit 2, one line on stderr, starting "hmlcost: ".
expect_usage_error() {
    label=$1
    shift
    "$hmlcost" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    status=$?
    [ "$status" -eq 2 ] || fail "$label: exit status $status, expected 2 ($(cat "$tmp/err"))"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$label: stderr is not one line: $(cat "$tmp/err")"
    grep -q '^hmlcost: ' "$tmp/err" || fail "$label: stderr does not start with 'hmlcost: '"
    if grep -q 'AddressSanitizer\|runtime error:' "$tmp/err"; then fail "$label: sanitizer report"; fi
    echo "ok: $label: $(cat "$tmp/err")"
}

# A store with one experiment in it.
"$hmlcost" run --runs 1 --arm a --store "$db" -- "$child" exit 0 2>"$tmp/err" \
    || { cat "$tmp/err"; echo "FAIL: could not make the store"; exit 1; }
before=$(cksum <"$db")

expect_usage_error "unknown option" run --frobnicate --store "$db" -- "$child" exit 0
expect_usage_error "--runs 0" run --runs 0 --store "$db" -- "$child" exit 0
expect_usage_error "--runs x" run --runs x --store "$db" -- "$child" exit 0
expect_usage_error "missing command" run --store "$db" -- hmlcost-no-such-command
expect_usage_error "missing command in one arm" run --arm a --arm 'b:PATH=/nonexistent' \
    --store "$db" -- sh -c true
grep -q "arm 'b': 'sh': command not found" "$tmp/err" || fail "the arm is not named"

expect_usage_error "unknown country" run --country XYZ --store "$db" -- "$child" exit 0
expect_usage_error "--min-cost 0" run --min-cost 0% --store "$db" -- "$child" exit 0
expect_usage_error "--min-cost unknown family" run --min-cost speed=2% --store "$db" -- "$child" exit 0
expect_usage_error "unknown order" run --order sideways --store "$db" -- "$child" exit 0
expect_usage_error "bad arm" run --arm 'a:1X=2' --store "$db" -- "$child" exit 0
expect_usage_error "arm-args without arm" run --arm a --arm-args 'b:--x' --store "$db" -- "$child" exit 0
expect_usage_error "no command" run --store "$db"
expect_usage_error "missing plan file" run --plan "$tmp/none.ini" --store "$db"
[ "$(cksum <"$db")" = "$before" ] || fail "the store changed after bad input"
[ -e "$db-wal" ] && [ -s "$db-wal" ] && fail "a WAL with content was left behind"

expect_usage_error "unwritable store (no such directory)" run --store "$tmp/no/such/dir/x.db" \
    -- "$child" exit 0
expect_usage_error "store is a directory" run --store "$tmp" -- "$child" exit 0
printf 'my notes, not a database\n' >"$tmp/notes.txt"
expect_usage_error "store is not SQLite" run --store "$tmp/notes.txt" -- "$child" exit 0
[ "$(cat "$tmp/notes.txt")" = "my notes, not a database" ] || fail "the text file was changed"
[ -e "$tmp/notes.txt-wal" ] && fail "a WAL was created next to the text file"
[ -e "$tmp/x.db" ] && fail "a store was created"

expect_usage_error "measure: unknown option" measure --frobnicate -- "$child" exit 0
expect_usage_error "measure: missing command" measure -- hmlcost-no-such-command
expect_usage_error "measure: not executable" measure -- "$tmp/notes.txt"
expect_usage_error "measure: no command" measure --json
expect_usage_error "measure: bad interval" measure --interval 0 -- "$child" exit 0
expect_usage_error "measure: unknown country" measure --country ZZZ -- "$child" exit 0

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all bad inputs refused"
