#!/bin/sh
# usage: bad_inputs.sh HMLCOST
# Files lint cannot read (binary, not UTF-8, too big, syntax errors, missing
# paths, deeply nested expressions) are one line each on stderr and never
# stop a directory's lint; nothing crashes.
set -u
hmlcost=$1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; echo "--- stdout:"; cat "$tmp/out"; echo "--- stderr:"; cat "$tmp/err"; exit 1; }
run() { "$hmlcost" lint --cpus 4 "$@" >"$tmp/out" 2>"$tmp/err"; status=$?; }
no_crash() {
    grep -q 'AddressSanitizer\|runtime error:\|Segmentation' "$tmp/err" && fail "crash or sanitizer report"
    [ "$status" -le 2 ] || fail "exit status $status"
}

d=$tmp/project
mkdir -p "$d/sub.py"
printf 'import torch\ntorch.set_num_threads(64)\n' >"$d/good.py"
printf 'import torch\000\001\002torch.set_num_threads(64)\n' >"$d/binary.py"
printf '# caf\351\nimport torch\ntorch.set_num_threads(64)\n' >"$d/latin1.py"
printf 'def broken(:\n    pass\nimport torch\ntorch.set_num_threads(32)\n' >"$d/broken.py"
# 50 MB of valid Python
yes 'x = [1, 2, 3]' | head -c 52428800 >"$d/huge.py"
printf 'export OMP_NUM_THREADS=16\n' >"$d/sub.py/launch.sh"
# a deeply nested expression (tree-sitter and the rules must not recurse on it)
python3 -c "print('x = ' + '(' * 20000 + '1' + ')' * 20000)" >"$d/deep.py" 2>/dev/null ||
    awk 'BEGIN { s = "x = "; for (i = 0; i < 20000; i++) s = s "("; s = s "1"; for (i = 0; i < 20000; i++) s = s ")"; print s }' >"$d/deep.py"

# a 300,000-long attribute chain called (names are read without recursion into it)
awk 'BEGIN { s = "x = a"; for (i = 0; i < 300000; i++) s = s ".a"; print s "()" }' >"$d/chain.py"

run "$d"
no_crash
[ "$status" -eq 1 ] || fail "directory: exit status $status, expected 1 (findings past the bad files)"
grep -q "good.py:2:1: parallelism" "$tmp/out" || fail "good.py's finding is missing"
grep -q "broken.py:4:1: parallelism" "$tmp/out" || fail "the code after broken.py's syntax error was not linted"
grep -q "sub.py/launch.sh:1:8: parallelism" "$tmp/out" || fail "the directory named sub.py was not entered"
for want in "binary.py: binary file" "latin1.py: not UTF-8 (byte 0xe9 at line 1)" \
            "broken.py: syntax error at line 1" "huge.py: 50.0 MiB, above the 8 MiB lint reads"; do
    [ "$(grep -c "^hmlcost: lint: .*$want" "$tmp/err")" -eq 1 ] || fail "expected one line '$want'"
done
grep -q "deep.py\|chain.py" "$tmp/out" && fail "deep.py and chain.py have no smell"
[ "$(wc -l <"$tmp/err")" -eq 4 ] || fail "expected 4 lines on stderr (one per bad file)"

run "$d/missing.py"
no_crash
[ "$status" -eq 2 ] || fail "missing file: exit status $status"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "missing file: not one line"
grep -q "^hmlcost: lint: $d/missing.py: cannot read: No such file or directory$" "$tmp/err" || fail "missing file: message"

run "$d/good.py/inside.py"
no_crash
[ "$status" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "a path through a file: not one line, exit 2"

run "$d/binary.py"
no_crash
[ "$status" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "binary file alone: not one line, exit 2"

run "$d/good.py" "$d/missing.py"
no_crash
[ "$status" -eq 1 ] || fail "good + missing: exit status $status, expected 1"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "good + missing: one note expected"

mkdir "$tmp/empty"
run "$tmp/empty"
no_crash
[ "$status" -eq 2 ] && grep -q "^hmlcost: nothing to lint in" "$tmp/err" || fail "empty directory"

if [ "$(id -u)" -ne 0 ]; then
    printf 'x = 1\n' >"$d/secret.py"
    chmod 000 "$d/secret.py"
    run "$d/secret.py"
    no_crash
    [ "$status" -eq 2 ] && grep -q "cannot read: Permission denied" "$tmp/err" || fail "unreadable file"
fi
echo "bad inputs: all handled"
