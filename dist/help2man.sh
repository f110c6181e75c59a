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

# --help's layout, as roff: "usage:" lines are the synopsis; text at the left
# margin is filled into paragraphs; "heading:" lines that end no paragraph
# are subsections (the
# first opens OPTIONS, or COMMANDS on hmlcost(1)); an indented line with two
# spaces after its first words is a tagged entry (an option, a command, a
# check), and lines indented further continue it.
help_to_roff() {
    awk -v first_section="$1" '
    function esc(t) {
        gsub(/\\/, "\\e", t); gsub(/-/, "\\-", t)
        if (t ~ /^[.\047]/) t = "\\&" t
        return t
    }
    function strip(t) { sub(/^ +/, "", t); return t }
    NR == 1 && /^usage: / { sub(/^usage: +/, ""); print ".SH SYNOPSIS"; print ".nf"; print esc($0); syn = 1; next }
    syn && /^ +[a-z]/ { print esc(strip($0)); next }
    syn { print ".fi"; print ".SH DESCRIPTION"; syn = 0; para = 0 }
    /^$/ { para = 0; entry = 0; next }
    !para && /^[A-Za-z][^:]*:$/ {
        if (!opened) { print ".SH " first_section; opened = 1 }
        sub(/:$/, ""); if (toupper($0) != first_section) print ".SS " esc($0)
        para = 0; entry = 0; next
    }
    /^ [ ]?[ ]?[ ]?[^ ]/ && match(strip($0), /  +/) {
        t = strip($0)
        print ".TP"; print "\\fB" esc(substr(t, 1, RSTART - 1)) "\\fR"
        print esc(substr(t, RSTART + RLENGTH)); entry = 1; para = 0; next
    }
    /^ / && entry { print esc(strip($0)); next }
    /^ / { print ".br"; print esc(strip($0)); next }
    { if (!para) { print ".PP"; para = 1 } print esc($0) }
    END { if (syn) print ".fi" }'
}

if [ -n "$cmd" ]; then section=OPTIONS; else section=COMMANDS; fi
{
    printf '.TH %s 1 "" "hmlcost %s" "User Commands"\n' "$upper" "$version"
    printf '.SH NAME\n%s \\- %s\n' "$(printf '%s' "$name" | sed 's/-/\\-/g')" "$(printf '%s' "$summary" | roff_text)"
    help_to_roff "$section" <"$tmp.help"
    printf '.SH EXIT STATUS\n0 on success; 2 for a usage error or bad input (one line on stderr: hmlcost: what: why).\n'
    printf '.SH SEE ALSO\n'
    if [ -n "$cmd" ]; then
        printf '.BR hmlcost (1)\n'
    else
        "$bin" --help | awk '/^commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }' |
            while read -r c; do printf '.BR hmlcost\\-%s (1)\n' "$c"; done
    fi
    printf '.PP\nThis page is made from the text that\n.B hmlcost%s \\-\\-help\nprints.\n' "${cmd:+ $cmd}"
} >"$tmp"
mv "$tmp" "$out"
