#!/bin/sh
# The libpath smell's fake CUDA directory for a binary outside the build tree
# (as installed): <bin>/../lib/hmlcost/libpath-fakes/cuda-mismatch when it is
# there, else none; never the build tree's.   mismatch_dir_installed.sh PROBE
set -eu
fail() { echo "mismatch_dir_installed: $*" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin"
cp "$1" "$root/bin/probe"
got=$(env -u HMLCOST_LIBPATH_FAKES "$root/bin/probe" dirs | sed -n 's/^mismatch=//p')
[ -z "$got" ] || fail "a binary outside the build tree found '$got' with nothing installed"
mkdir -p "$root/lib/hmlcost/libpath-fakes/cuda-mismatch"
got=$(env -u HMLCOST_LIBPATH_FAKES "$root/bin/probe" dirs | sed -n 's/^mismatch=//p')
[ "$got" = "$root/bin/../lib/hmlcost/libpath-fakes/cuda-mismatch" ] ||
    fail "installed layout: found '$got'"
echo "mismatch_dir_installed: the installed layout, never the build tree"
