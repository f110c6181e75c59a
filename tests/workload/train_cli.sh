#!/bin/sh
# usage: train_cli.sh <hmlcost binary>
# hmlcost train through the binary: bad data files name the file (exit 2,
# one line), $HMLCOST_RESULT_FD, run-to-run determinism and the
# model-reuse switches (bit-identical losses and accuracy).
set -u
bin=$1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect_error <regex> <args...>: exit 2, one line on stderr matching, empty stdout
expect_error() {
    re=$1
    shift
    "$bin" train "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    status=$?
    [ "$status" -eq 2 ] || fail "train $*: exit $status, expected 2 ($(cat "$tmp/err"))"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "train $*: stderr is not one line: $(cat "$tmp/err")"
    grep -Eq -- "$re" "$tmp/err" || fail "train $*: stderr '$(cat "$tmp/err")' does not match /$re/"
    [ ! -s "$tmp/out" ] || fail "train $*: wrote to stdout"
    if grep -q 'AddressSanitizer\|runtime error:' "$tmp/err"; then fail "train $*: sanitizer report"; fi
}

# A small CIFAR-10-shaped directory: 5 training files of 3 records and a
# test file of 3, written with a label byte then 3072 pixel bytes.
make_data() {
    dir=$1
    mkdir -p "$dir"
    for f in data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch; do
        : >"$dir/$f.bin"
        for label in 1 2 3; do
            printf "\\00$label" >>"$dir/$f.bin"
            head -c 3072 /dev/zero >>"$dir/$f.bin"
        done
    done
}

make_data "$tmp/good"
small="--train-limit 15 --test-limit 3 --batch 4 --epochs 1 --threads 1 --quiet"
# shellcheck disable=SC2086
"$bin" train --data "$tmp/good" $small >"$tmp/out" 2>"$tmp/err" || fail "good data: $(cat "$tmp/err")"
grep -q '"train_images":15' "$tmp/out" || fail "good data: 15 training images expected: $(cat "$tmp/out")"

cp -r "$tmp/good" "$tmp/truncated"
head -c 5000 "$tmp/good/data_batch_3.bin" >"$tmp/truncated/data_batch_3.bin"
# shellcheck disable=SC2086
expect_error "data_batch_3.bin: size 5000 bytes is not a whole number of 3073-byte records" --data "$tmp/truncated" $small

cp -r "$tmp/good" "$tmp/badlabel"
printf '\377' | dd of="$tmp/badlabel/test_batch.bin" bs=1 seek=3073 conv=notrunc 2>/dev/null
# shellcheck disable=SC2086
expect_error "test_batch.bin: record 1: label 255 is not in 0..9" --data "$tmp/badlabel" $small

cp -r "$tmp/good" "$tmp/missing"
rm "$tmp/missing/data_batch_5.bin"
# shellcheck disable=SC2086
expect_error "data_batch_5.bin: cannot open" --data "$tmp/missing" $small

# shellcheck disable=SC2086
expect_error "asked for 16 records but the files hold only 15" --data "$tmp/good" --train-limit 16 --quiet
HMLCOST_DATA="$tmp/nowhere" expect_error "HMLCOST_DATA: '$tmp/nowhere' is not a directory" --quiet
OMP_NUM_THREADS=5000 expect_error "OMP_NUM_THREADS: .5000. is not a thread count" --data synthetic --quiet

# The result goes to $HMLCOST_RESULT_FD when set, and only there.
syn="--data synthetic --train-limit 70 --test-limit 20 --batch 32 --epochs 2 --threads 1 --quiet"
# shellcheck disable=SC2086
HMLCOST_RESULT_FD=3 "$bin" train $syn 3>"$tmp/result" >"$tmp/out" 2>"$tmp/err" || fail "result fd: $(cat "$tmp/err")"
grep -q '"schema":1' "$tmp/result" || fail "result fd: no JSON in fd 3"
[ ! -s "$tmp/out" ] || fail "result fd: stdout should stay empty"
[ ! -s "$tmp/err" ] || fail "--quiet: stderr should stay empty: $(cat "$tmp/err")"
# oneDNN is opened when training starts, not by every hmlcost process
# (src/nn/onednn_load.h); a training run reports it with its version.
if LD_DEBUG=libs "$bin" version 2>&1 >/dev/null | grep -q 'libdnnl'; then
    fail "hmlcost version loaded libdnnl"
fi
# shellcheck disable=SC2086
"$bin" train $syn >"$tmp/loaded" 2>/dev/null || fail "train for the oneDNN check failed"
grep -q '"name":"libdnnl.so.2","path":"[^"]*libdnnl[^"]*","version":"[0-9]' "$tmp/loaded" ||
    fail "train result does not list libdnnl with a version"
grep -q '"onednn_load_s":[0-9]' "$tmp/loaded" || fail "train result has no startup.onednn_load_s"
# LD_LIBRARY_PATH is counted as the loader reads it: split at ':' and ';'.
# shellcheck disable=SC2086
LD_LIBRARY_PATH="/nonexistent/a;/nonexistent/b:$tmp" "$bin" train $syn >"$tmp/libpath" 2>/dev/null ||
    fail "train with a ';' in LD_LIBRARY_PATH failed"
grep -q '"ld_library_path_entries":3,"ld_library_path_missing":2' "$tmp/libpath" ||
    fail "LD_LIBRARY_PATH entries: $(grep -o '"ld_library_path_[a-z]*":[0-9]*' "$tmp/libpath" | tr '\n' ' ')"
HMLCOST_RESULT_FD=abc expect_error "HMLCOST_RESULT_FD: 'abc' is not a file descriptor" --data synthetic
HMLCOST_RESULT_FD=77 expect_error "HMLCOST_RESULT_FD: 77 is not a file descriptor open for writing" --data synthetic

# Same seed and threads: the same losses and accuracy, bit for bit; the
# model-reuse switches do not change them.
outcome() { sed -e 's/.*\("accuracy":[^,]*\),.*\("loss":\[[^]]*\]\).*/\1 \2/' "$1"; }
# shellcheck disable=SC2086
"$bin" train $syn >"$tmp/a" 2>/dev/null
# shellcheck disable=SC2086
"$bin" train $syn >"$tmp/b" 2>/dev/null
# shellcheck disable=SC2086
"$bin" train $syn --model-builds 3 --keep-stale-models >"$tmp/c" 2>/dev/null
[ -n "$(outcome "$tmp/a")" ] || fail "no outcome in $(cat "$tmp/a")"
[ "$(outcome "$tmp/a")" = "$(outcome "$tmp/b")" ] || fail "two runs differ: $(outcome "$tmp/a") vs $(outcome "$tmp/b")"
[ "$(outcome "$tmp/a")" = "$(outcome "$tmp/c")" ] || fail "--model-builds 3 changed the outcome"
grep -q '"model_builds":3,"keep_stale_models":true' "$tmp/c" || fail "smells.model_reuse not recorded"

# --device cuda: on the GPU when usable; else on the cpu with a warning and
# the reason in the result, and an error (exit 1) with --require-device.
# shellcheck disable=SC2086
"$bin" train $syn --device cuda >"$tmp/out" 2>"$tmp/err" || fail "--device cuda: $(cat "$tmp/err")"
if grep -q '"device_used":"cpu"' "$tmp/out"; then
    grep -q '"device_requested":"cuda","device_used":"cpu","fallback_reason":"' "$tmp/out" ||
        fail "--device cuda fell back without a reason: $(cat "$tmp/out")"
    grep -q '^hmlcost: warning: cannot use device cuda: .*training on cpu' "$tmp/err" ||
        fail "--device cuda fell back without a warning: $(cat "$tmp/err")"
    # shellcheck disable=SC2086
    "$bin" train $syn --device cuda --require-device >"$tmp/out" 2>"$tmp/err"
    status=$?
    [ "$status" -eq 1 ] || fail "--require-device: exit $status, expected 1"
    grep -q '^hmlcost: train: --require-device cuda: ' "$tmp/err" || fail "--require-device: $(cat "$tmp/err")"
    [ ! -s "$tmp/out" ] || fail "--require-device: wrote a result"
else
    grep -q '"device_used":"cuda","fallback_reason":null' "$tmp/out" || fail "--device cuda: $(cat "$tmp/out")"
fi

[ "$failures" -eq 0 ] || exit 1
echo "train_cli.sh: all checks passed"
