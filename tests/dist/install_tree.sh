#!/bin/sh
# `cmake --install` into a temporary prefix: the binary, one man page per
# command, the completion, the fake CUDA libraries; the installed hmlcost runs
# and names no path of the source tree (a sanitizer build names its sources
# in its diagnostics: there that check is left out).
#   install_tree.sh BUILD_DIR SOURCE_DIR plain|sanitized
set -eu
build=$1 src=$2 kind=$3
fail() { echo "dist_install_tree: $*" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# Stripped, as a package installs it: debug info names every source file.
cmake --install "$build" --prefix "$root/usr" --strip >/dev/null
bin=$root/usr/bin/hmlcost
[ -x "$bin" ] || fail "no bin/hmlcost"
"$bin" version | grep -q '^hmlcost [0-9]' || fail "the installed hmlcost does not run"
for cmd in $("$bin" --help | awk '/^commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }'); do
    [ -f "$root/usr/share/man/man1/hmlcost-$cmd.1" ] || fail "no man page hmlcost-$cmd.1"
done
[ -f "$root/usr/share/man/man1/hmlcost.1" ] || fail "no man page hmlcost.1"
[ -f "$root/usr/share/bash-completion/completions/hmlcost" ] || fail "no bash completion"
[ -d "$root/usr/lib/hmlcost/libpath-fakes/cuda-mismatch" ] || fail "no libpath fakes"
if [ "$kind" = plain ]; then
    # The build tree's own path may stay (used only by a binary run from there);
    # any other path under the sources may not.
    leaks=$(find "$root/usr/bin" "$root/usr/lib" -type f -exec grep -aoh -- "$src/[[:graph:]]*" {} + |
        grep -v "^$build/" || true)
    [ -z "$leaks" ] || fail "installed files name the source tree: $(echo "$leaks" | head -3)"
fi
# A short measurement from the installed tree, away from the build.
(cd "$root" && "$bin" measure --json -- true >out.json 2>err.txt) || fail "measure failed: $(cat "$root/err.txt")"
grep -q '"wall_s"' "$root/out.json" || fail "measure printed no wall_s"
echo "dist_install_tree: installed and ran from $root/usr"
