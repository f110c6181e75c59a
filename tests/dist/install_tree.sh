#!/bin/sh
# `cmake --install` into a temporary prefix: the binary, one man page per
# command, the completion, the fake CUDA libraries; the installed hmlcost runs
# and names no path of the source tree.   install_tree.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1 src=$2
fail() { echo "dist_install_tree: $*" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
cmake --install "$build" --prefix "$root/usr" >/dev/null
bin=$root/usr/bin/hmlcost
[ -x "$bin" ] || fail "no bin/hmlcost"
"$bin" version | grep -q '^hmlcost [0-9]' || fail "the installed hmlcost does not run"
for cmd in $("$bin" --help | awk '/^commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }'); do
    [ -f "$root/usr/share/man/man1/hmlcost-$cmd.1" ] || fail "no man page hmlcost-$cmd.1"
done
[ -f "$root/usr/share/man/man1/hmlcost.1" ] || fail "no man page hmlcost.1"
[ -f "$root/usr/share/bash-completion/completions/hmlcost" ] || fail "no bash completion"
[ -d "$root/usr/lib/hmlcost/libpath-fakes/cuda-mismatch" ] || fail "no libpath fakes"
# The build tree's own path may stay (used only by a binary run from there);
# any other path under the sources may not.
leaks=$(find "$root/usr/bin" "$root/usr/lib" -type f -exec grep -aoh -- "$src/[[:graph:]]*" {} + |
    grep -v "^$build/" || true)
[ -z "$leaks" ] || fail "installed files name the source tree: $(echo "$leaks" | head -3)"
# A short measurement from the installed tree, away from the build.
(cd "$root" && "$bin" measure --json -- true >out.json 2>err.txt) || fail "measure failed: $(cat "$root/err.txt")"
grep -q '"wall_s"' "$root/out.json" || fail "measure printed no wall_s"
echo "dist_install_tree: installed and ran from $root/usr"
