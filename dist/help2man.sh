#!/bin/sh
# Writes a man page from the text hmlcost prints for --help, so the page
# lists exactly the options the binary accepts (tests/dist checks it).
#   help2man.sh HMLCOST VERSION OUT [COMMAND]
# Without COMMAND: hmlcost(1), with a SEE ALSO entry per command.
set -eu
bin=$1 version=$2 out=$3 cmd=${4:-}
tmp=$out.tmp
trap 'rm -f "$tmp" "$tmp.help"' EXIT

# roff treats a leading . or ' as a request and \ as an escape.
roff_text() { sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\([.']\)/\\\\\&\1/"; }

if [ -n "$cmd" ]; then
    "$bin" "$cmd" --help >"$tmp.help"
    name=hmlcost-$cmd
    summary=$("$bin" --help | awk -v c="$cmd" '$1 == c { $1 = ""; sub(/^ +/, ""); print; exit }')
else
    "$bin" --help >"$tmp.help"
    name=hmlcost
    summary='measure the hidden cost of smells in deep-learning training'
fi
upper=$(printf '%s' "$name" | tr 'a-z' 'A-Z')
{
    printf '.TH %s 1 "" "hmlcost %s" "User Commands"\n' "$upper" "$version"
    printf '.SH NAME\n%s \\- %s\n' "$(printf '%s' "$name" | sed 's/-/\\-/g')" "$(printf '%s' "$summary" | roff_text)"
    printf '.SH DESCRIPTION\n.nf\n'
    roff_text <"$tmp.help"
    printf '.fi\n.PP\nThis page is the text that\n.B hmlcost%s \\-\\-help\nprints.\n' "${cmd:+ $cmd}"
    printf '.SH EXIT STATUS\n0 on success; 2 for a usage error or bad input (one line on stderr: hmlcost: what: why).\n'
    printf '.SH SEE ALSO\n'
    if [ -n "$cmd" ]; then
        printf '.BR hmlcost (1)\n'
    else
        "$bin" --help | awk '/^commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }' |
            while read -r c; do printf '.BR hmlcost\\-%s (1)\n' "$c"; done
    fi
} >"$tmp"
mv "$tmp" "$out"
