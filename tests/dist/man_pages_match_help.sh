#!/bin/sh
# Every command hmlcost lists has a man page, and every option its --help
# names appears in that page (in the roff source and, where man is
# installed, in the rendered page).   man_pages_match_help.sh HMLCOST MAN1DIR
set -eu
bin=$1 dir=$2
fail() { echo "dist_man_pages_match_help: $*" >&2; exit 1; }
options() { grep -oE -- '(^|[ [,])--?[a-zA-Z][a-zA-Z0-9-]*' | sed 's/^[ [,]//' | sort -u; }
commands=$("$bin" --help | awk '/^commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }')
[ -n "$commands" ] || fail "hmlcost --help lists no commands"
[ -f "$dir/hmlcost.1" ] || fail "no hmlcost.1 in $dir"
checked=0
for cmd in $commands; do
    page=$dir/hmlcost-$cmd.1
    [ -f "$page" ] || fail "no man page for '$cmd' ($page)"
    grep -q "^\.BR hmlcost\\\\-$cmd (1)" "$dir/hmlcost.1" || fail "hmlcost(1) does not name hmlcost-$cmd(1)"
    source_text=$(sed 's/\\-/-/g; s/\\e/\\/g' "$page")
    rendered=
    if command -v man >/dev/null 2>&1; then
        rendered=$(MANWIDTH=250 man -l "$page" 2>/dev/null | col -b) || rendered=
    fi
    for opt in $("$bin" "$cmd" --help | options); do
        printf '%s\n' "$source_text" | grep -qF -- "$opt" || fail "hmlcost-$cmd.1 lacks $opt"
        if [ -n "$rendered" ]; then
            printf '%s\n' "$rendered" | grep -qF -- "$opt" || fail "man hmlcost-$cmd does not show $opt"
        fi
        checked=$((checked + 1))
    done
done
[ "$checked" -gt 20 ] || fail "only $checked options found in --help"
echo "dist_man_pages_match_help: $checked options of $(echo $commands | wc -w) commands in their pages"
