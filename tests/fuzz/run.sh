#!/bin/sh
# Fuzzes every harness (tests/fuzz/CMakeLists.txt) for SECONDS each with
# libFuzzer (clang), two at a time (HMLCOST_FUZZ_PARALLEL), at low priority.
# Builds in build/fuzz (ASan + UBSan + libFuzzer coverage; only hmlcost's own
# code is instrumented, not SQLite, inih or cJSON, so cov: counts the edges of
# hmlcost). Each harness starts from tests/fuzz/corpus/<harness>/ and grows a
# working corpus in build/fuzz/work/<harness>/ (the seed corpus in the source
# tree is left as it is); crashes land in build/fuzz/crashes/<harness>/ - copy
# each into tests/fuzz/regressions/<harness>/ once fixed, so CTest replays it.
# Logs: build/fuzz/logs/<harness>.log (the last line gives execs/s and cov:).
#   tests/fuzz/run.sh SECONDS [HARNESS...]
set -eu
cd "$(dirname "$0")/../.."
seconds=${1:?usage: tests/fuzz/run.sh SECONDS [HARNESS...]}
shift
harnesses=${*:-cifar10 result_line plan_ini csv store doctor_env host_file escape}
build=build/fuzz
parallel=${HMLCOST_FUZZ_PARALLEL:-2}

scripts/deps.sh fuzz
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHMLCOST_SANITIZE=ON \
    -DHMLCOST_FUZZ=ON -DHMLCOST_CUDA=OFF >/dev/null
targets=""
for h in $harnesses; do targets="$targets fuzz_$h"; done
# shellcheck disable=SC2086
nice -n 10 cmake --build "$build" -j 2 --target $targets >/dev/null

mkdir -p "$build/logs"
fuzz_one() {
    h=$1
    mkdir -p "$build/work/$h" "$build/crashes/$h"
    # -rss_limit_mb: the store harness opens SQLite files; 2 GiB bounds a
    # runaway allocation without flagging ordinary work.
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    LSAN_OPTIONS=suppressions=$(pwd)/tests/lsan.supp \
    nice -n 19 "$build/tests/fuzz/fuzz_$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$build/crashes/$h/" \
        "$build/work/$h" "tests/fuzz/corpus/$h" >"$build/logs/$h.log" 2>&1 || true
    stats=$(grep -E '^#[0-9]+' "$build/logs/$h.log" | tail -n 1)
    crashes=$(find "$build/crashes/$h" -type f | wc -l)
    echo "$h: $stats; crashes: $crashes"
}

running=0
for h in $harnesses; do
    fuzz_one "$h" &
    running=$((running + 1))
    if [ "$running" -ge "$parallel" ]; then
        wait
        running=0
    fi
done
wait
