#!/bin/sh
# usage: cli_expect.sh <exit> <stderr-regex> <stdout-regex> <command> [args...]
# Runs the command; fails unless it exits with <exit>, its stderr matches
# <stderr-regex> (extended regex, empty: anything) and its stdout matches
# <stdout-regex>. A failing command (exit 2) must print exactly one line.
expected=$1 err_re=$2 out_re=$3
shift 3
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
status=$?
fail() { echo "FAIL: $*"; echo "--- command: $*"; echo "--- stdout:"; cat "$tmp/out"; echo "--- stderr:"; cat "$tmp/err"; exit 1; }
[ "$status" -eq "$expected" ] || fail "exit status $status, expected $expected"
if [ -n "$err_re" ] && ! grep -Eq -- "$err_re" "$tmp/err"; then fail "stderr does not match /$err_re/"; fi
if [ -n "$out_re" ] && ! grep -Eq -- "$out_re" "$tmp/out"; then fail "stdout does not match /$out_re/"; fi
if [ "$expected" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -ne 1 ]; then fail "a usage error must be one line on stderr"; fi
if grep -q 'AddressSanitizer\|runtime error:' "$tmp/err"; then fail "sanitizer report"; fi
exit 0
