#!/bin/sh
# The README's test command: installs what the tests need, then builds and
# runs the whole test suite twice: once with -Wall -Wextra -Werror, once
# under AddressSanitizer + UndefinedBehaviorSanitizer.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh test

jobs=$(nproc 2>/dev/null || echo 2)
build_and_test() {
    dir=$1
    shift
    echo "== $dir: configure ($*)" >&2
    cmake -S . -B "$dir" "$@" >/dev/null
    echo "== $dir: build" >&2
    cmake --build "$dir" -j "$jobs" >/dev/null
    echo "== $dir: test" >&2
    (cd "$dir" && ctest --output-on-failure -j "$jobs")
}

build_and_test build/werror -DCMAKE_BUILD_TYPE=Release -DHMLCOST_WERROR=ON -DHMLCOST_TESTS=ON -DHMLCOST_LINT=ON
# LeakSanitizer: third-party libraries keep some allocations until exit.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp} \
    build_and_test build/sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHMLCOST_WERROR=ON -DHMLCOST_SANITIZE=ON -DHMLCOST_TESTS=ON -DHMLCOST_LINT=ON
echo "hmlcost: all tests passed (-Werror build and ASan+UBSan build)" >&2
