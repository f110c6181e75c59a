#!/bin/sh
# Writes hmlcost.1 and hmlcost-<command>.1 for every command the binary
# lists in --help into OUTDIR/man1.   make-man.sh HMLCOST VERSION OUTDIR
set -eu
bin=$1 version=$2 dir=$3/man1
here=$(dirname "$0")
mkdir -p "$dir"
rm -f "$dir"/hmlcost*.1
"$here/help2man.sh" "$bin" "$version" "$dir/hmlcost.1"
"$bin" --help | awk '/^commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }' |
    while read -r cmd; do
        "$here/help2man.sh" "$bin" "$version" "$dir/hmlcost-$cmd.1" "$cmd"
    done
