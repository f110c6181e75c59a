#!/bin/sh
# usage: scripts/build.sh DIR [CMAKE_ARGS...]
# Configures and builds the hmlcost binary in DIR (Release, no tests: the
# tests need the test package set, and the main command installs only the
# build set). scripts/main.sh builds this way, and .ci/package_set_guard.sh
# runs the very same build with only the build set's files visible.
set -eu
cd "$(dirname "$0")/.."
dir=${1:?usage: scripts/build.sh DIR [CMAKE_ARGS...]}
shift
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DHMLCOST_TESTS=OFF "$@" >/dev/null
cmake --build "$dir" -j "$jobs" >/dev/null
