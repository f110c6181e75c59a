#!/bin/sh
# usage: fetch_cifar10.sh <scripts/fetch-cifar10.sh> <hmlcost binary>
# scripts/fetch-cifar10.sh without internet: a CIFAR-shaped archive made
# here, served as a file:// mirror (HMLCOST_CIFAR10_URL, _MD5). It is
# fetched, checked, unpacked where `hmlcost train --data` reads it, not
# fetched twice; a wrong MD5 fails and leaves nothing behind.
set -u
fetch=$1
bin=$2
command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1 ||
    { echo "skipped: neither curl nor wget is installed"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# 5 training files and a test file of 4 records each (label, 3072 bytes).
mkdir -p "$tmp/src/cifar-10-batches-bin"
for f in data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch; do
    for label in 0 3 5 7; do
        printf "\\00$label" >>"$tmp/src/cifar-10-batches-bin/$f.bin"
        head -c 3072 /dev/urandom >>"$tmp/src/cifar-10-batches-bin/$f.bin"
    done
done
tar -czf "$tmp/mirror.tar.gz" -C "$tmp/src" cifar-10-batches-bin
md5=$(md5sum "$tmp/mirror.tar.gz" | cut -d' ' -f1)
export HMLCOST_CIFAR10_URL="file://$tmp/mirror.tar.gz"

# A wrong MD5: exit 1, a line naming both sums, no archive or data left.
HMLCOST_CIFAR10_MD5=00000000000000000000000000000000 sh "$fetch" "$tmp/bad" 2>"$tmp/err"
status=$?
[ "$status" -eq 1 ] || fail "wrong md5: exit $status, expected 1"
grep -q "MD5 $md5, expected 00000000000000000000000000000000" "$tmp/err" ||
    fail "wrong md5: message '$(cat "$tmp/err")'"
[ -z "$(ls -A "$tmp/bad")" ] || fail "wrong md5 left files: $(ls -A "$tmp/bad")"

# The right MD5, a destination relative to the caller's directory.
(cd "$tmp" && HMLCOST_CIFAR10_MD5=$md5 sh "$fetch" good 2>"$tmp/err") || fail "fetch: $(cat "$tmp/err")"
for f in data_batch_1 data_batch_5 test_batch; do
    cmp -s "$tmp/src/cifar-10-batches-bin/$f.bin" "$tmp/good/cifar-10-batches-bin/$f.bin" ||
        fail "$f.bin differs from the archive's"
done
[ ! -e "$tmp/good/cifar-10-binary.tar.gz" ] || fail "the archive was not removed after unpacking"
"$bin" train --data "$tmp/good/cifar-10-batches-bin" --epochs 1 --batch 4 --threads 1 --quiet \
    >"$tmp/result" 2>"$tmp/err" || fail "hmlcost train on the fetched data: $(cat "$tmp/err")"
grep -q '"train_images":20' "$tmp/result" || fail "train did not read 20 images: $(head -c 300 "$tmp/result")"

# Already there: nothing downloaded again (the mirror is gone).
rm "$tmp/mirror.tar.gz"
(cd "$tmp" && HMLCOST_CIFAR10_MD5=$md5 sh "$fetch" good 2>"$tmp/err") || fail "second fetch failed: $(cat "$tmp/err")"
grep -q "already there" "$tmp/err" || fail "second fetch: '$(cat "$tmp/err")'"

[ "$failures" -eq 0 ] && echo "fetch-cifar10: all checks passed"
[ "$failures" -eq 0 ]
