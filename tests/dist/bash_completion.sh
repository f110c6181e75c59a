#!/bin/bash
# The completion offers the commands, a command's options and the --smell
# ids, read from the hmlcost on PATH.   bash_completion.sh HMLCOST COMPLETION
set -eu
bin=$1
PATH=$(dirname "$bin"):$PATH
# shellcheck source=/dev/null
. "$2"
fail() { echo "dist_bash_completion: $*" >&2; exit 1; }
complete_line() { # words...: COMPREPLY for the last word
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMPREPLY=()
    _hmlcost
    printf '%s\n' "${COMPREPLY[@]}"
}
got=$(complete_line hmlcost "")
for cmd in $(hmlcost --help | awk '/^commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }'); do
    grep -qx "$cmd" <<<"$got" || fail "'hmlcost <TAB>' lacks $cmd"
done
[ "$(complete_line hmlcost me)" = measure ] || fail "'hmlcost me<TAB>' is not measure"
grep -qx -- --smell <<<"$(complete_line hmlcost run --sm)" || fail "'hmlcost run --sm<TAB>' lacks --smell"
grep -qx -- --fail-on <<<"$(complete_line hmlcost doctor --)" || fail "doctor options lack --fail-on"
smells=$(complete_line hmlcost run --smell "")
for id in all $(hmlcost smells --json | grep -oE '"id":"[a-z-]+"' | cut -d'"' -f4); do
    grep -qx -- "$id" <<<"$smells" || fail "'--smell <TAB>' lacks $id"
done
grep -qx model-reuse-kept <<<"$smells" || fail "'--smell <TAB>' lacks the arm model-reuse-kept"
grep -qx libpath,parallelism <<<"$(complete_line hmlcost run --smell libpath,par)" ||
    fail "'--smell libpath,par<TAB>' lacks libpath,parallelism"
echo "dist_bash_completion: commands, options and $(wc -l <<<"$smells") --smell values"
