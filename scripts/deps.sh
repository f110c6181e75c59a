#!/bin/sh
# usage: scripts/deps.sh [--list] [build|test|bench|fuzz]
# Makes sure the Debian packages hmlcost needs are installed: as root it
# installs the missing ones with apt-get; otherwise it prints the exact
# apt-get line and fails. --list prints the set's packages, one a line, and
# installs nothing (.ci/package_set_guard.sh reads the sets this way).
# Each set is complete on its own: the command that uses it installs
# nothing else on a fresh machine.
set -eu
list_only=false
if [ "${1:-}" = --list ]; then
    list_only=true
    shift
fi
set_name=${1:-build}

# libtree-sitter-dev and npm: `hmlcost lint` parses Python with tree-sitter; npm
# fetches its Python grammar (tree-sitter-python, exact version and checksum)
# when CMake configures (cmake/TreeSitterPython.cmake).
build_pkgs="build-essential cmake pkg-config libdnnl-dev libsqlite3-dev libgsl-dev libcjson-dev libinih-dev libhwloc-dev libtree-sitter-dev npm"
# chromium: the HTML report's tests; libopenblas0-pthread: Debian's OpenBLAS
# (what numpy recommends), so the doctor's BLAS check is exercised by the tests;
# sqlite3: report_from_store.sh makes a schema-2 store from a new one;
# python3-jsonschema: lint's SARIF output is validated against the 2.1.0 schema;
# slurm-wlm, munge: the local one-node Slurm (scripts/slurm-local.sh) of the
# Slurm executor's tests; man-db: the man pages rendered in tests/dist and
# `man -w` after the .deb installs.
test_pkgs="$build_pkgs libcmocka-dev chromium libopenblas0-pthread sqlite3 python3 python3-jsonschema slurm-wlm munge man-db"
bench_pkgs="$build_pkgs hyperfine python3-torch"
# tests/fuzz/run.sh: clang and its libFuzzer runtime (only recommended by
# clang, hence named). The corpus replay in the test set needs neither.
fuzz_pkgs="$build_pkgs clang libclang-rt-14-dev"

case "$set_name" in
    build) wanted=$build_pkgs ;;
    test) wanted=$test_pkgs ;;
    bench) wanted=$bench_pkgs ;;
    fuzz) wanted=$fuzz_pkgs ;;
    *) echo "scripts/deps.sh: unknown package set '$set_name' (build, test, bench or fuzz)" >&2; exit 2 ;;
esac
if $list_only; then
    # shellcheck disable=SC2086
    printf '%s\n' $wanted
    exit 0
fi

missing=""
for pkg in $wanted; do
    # any npm on PATH does (NodeSource's nodejs ships its own and conflicts with Debian's)
    [ "$pkg" = npm ] && command -v npm >/dev/null 2>&1 && continue
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $pkg"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    echo "hmlcost: installing missing Debian packages:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >&2
else
    echo "hmlcost: missing Debian packages; install them with:" >&2
    echo "  sudo apt-get install -y$missing" >&2
    exit 1
fi
