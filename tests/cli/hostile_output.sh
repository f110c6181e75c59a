#!/bin/sh
# Hostile names and environment values in every output format: a name must
# not rewrite the terminal line, inject HTML or a spreadsheet formula, or
# make a JSON document invalid UTF-8.
#   hostile_output.sh HMLCOST STUDY_CSV
set -u
hmlcost=$1
study=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
esc=$(printf '\033')
cr=$(printf '\r')

# study.csv with the arm "model-reuse" renamed (arm column 23, written as a
# quoted CSV field so any byte fits).
with_arm_name() {
    awk -F, -v OFS=, -v name="$1" '
        NR > 1 && $23 == "model-reuse" { gsub(/"/, "\"\"", name); $23 = "\"" name "\"" }
        { print }' "$study" >"$2"
}

# Text: a name that would return to the start of the line, erase it and
# print a fake verdict.
fake=$(printf 'model-reuse\r\033[2K  model-reuse  NO COST\033[8m')
with_arm_name "$fake" "$dir/text.csv"
"$hmlcost" report --input "$dir/text.csv" >"$dir/text.out" 2>"$dir/text.err" ||
    fail "text report exited $?: $(cat "$dir/text.err")"
grep -q "$esc" "$dir/text.out" && fail "text report prints a raw ESC from a name"
grep -q "$cr" "$dir/text.out" && fail "text report prints a raw CR from a name"
grep -qF 'model-reuse\r\x1b[2K  model-reuse  NO COST\x1b[8m' "$dir/text.out" ||
    fail "text report does not show the name escaped"
grep -q 'HIDDEN COST' "$dir/text.out" || fail "text report lost the real verdict"

# Markdown: raw HTML and table syntax in a name.
with_arm_name '<img src=x onerror=alert(1)>|`x`' "$dir/md.csv"
"$hmlcost" report --input "$dir/md.csv" --format markdown >"$dir/md.out" 2>&1 ||
    fail "markdown report exited $?"
grep -q '<img' "$dir/md.out" && fail "markdown report passes raw HTML from a name"
grep -qF '&lt;img src=x onerror=alert(1)&gt;\|\`x\`' "$dir/md.out" ||
    fail "markdown report does not show the name escaped"

# HTML: the same name.
"$hmlcost" report --input "$dir/md.csv" --format html >"$dir/html.out" 2>&1 ||
    fail "html report exited $?"
grep -q '<img' "$dir/html.out" && fail "html report passes raw HTML from a name"

# CSV: OWASP's formula injection example as a name.
with_arm_name "=cmd|' /C calc'!A0" "$dir/formula.csv"
"$hmlcost" report --input "$dir/formula.csv" --format csv >"$dir/csv.out" 2>&1 ||
    fail "csv report exited $?"
grep -q ',=cmd' "$dir/csv.out" && fail "csv report writes a formula unneutralised"
grep -qF ",'=cmd|' /C calc'!A0," "$dir/csv.out" ||
    fail "csv report does not prefix the formula with '"

# ... and reads back as the same name.
"$hmlcost" report --input "$dir/csv.out" --format csv >"$dir/csv2.out" 2>&1 ||
    fail "the csv report does not read back: $(head -c 300 "$dir/csv2.out")"
cmp -s "$dir/csv.out" "$dir/csv2.out" || fail "the csv report changes when read back"

# JSON: bytes that are not UTF-8 in a name.
with_arm_name "$(printf 'reuse-\377\376-arm')" "$dir/utf8.csv"
"$hmlcost" report --input "$dir/utf8.csv" --format json >"$dir/json.out" 2>&1 ||
    fail "json report exited $?"
iconv -f UTF-8 -t UTF-8 "$dir/json.out" >/dev/null 2>&1 ||
    fail "json report is not valid UTF-8"
grep -q '"invalid_utf8_replaced"' "$dir/json.out" ||
    fail "json report does not say that text was replaced"
grep -qF "$(printf 'reuse-\357\277\275\357\277\275-arm')" "$dir/json.out" ||
    fail "json report does not carry the name with U+FFFD"

# The doctor: environment values it quotes.
LD_LIBRARY_PATH=$(printf '/nonexistent/\033[2Jlib:/tmp/\377') OMP_NUM_THREADS=$(printf '\377') \
    "$hmlcost" doctor --json >"$dir/doctor.json" 2>&1
iconv -f UTF-8 -t UTF-8 "$dir/doctor.json" >/dev/null 2>&1 ||
    fail "doctor --json is not valid UTF-8"
grep -q '"invalid_utf8_replaced"' "$dir/doctor.json" ||
    fail "doctor --json does not say that text was replaced"
LD_LIBRARY_PATH=$(printf '/nonexistent/\033[2Jlib') "$hmlcost" doctor >"$dir/doctor.txt" 2>&1
grep -q "$esc" "$dir/doctor.txt" && fail "doctor prints a raw ESC from the environment"
grep -qF '/nonexistent/\x1b[2Jlib' "$dir/doctor.txt" ||
    fail "doctor does not show the value escaped"

# run --json and measure --json: environment changes and arguments.
"$hmlcost" run --json --store "$dir/s.db" --runs 1 --arm "$(printf 'a:X=\377')" -- true \
    >"$dir/run.json" 2>"$dir/run.err" || fail "run exited $?: $(cat "$dir/run.err")"
iconv -f UTF-8 -t UTF-8 "$dir/run.json" >/dev/null 2>&1 || fail "run --json is not valid UTF-8"
"$hmlcost" measure --json -- true "$(printf '\377')" >"$dir/measure.json" 2>/dev/null ||
    fail "measure exited $?"
iconv -f UTF-8 -t UTF-8 "$dir/measure.json" >/dev/null 2>&1 ||
    fail "measure --json is not valid UTF-8"

# Error messages quote what was given: one line, escaped.
"$hmlcost" report --input "$(printf '/nonexistent/\033[2J\nx.csv')" >/dev/null 2>"$dir/err.txt"
grep -q "$esc" "$dir/err.txt" && fail "an error message prints a raw ESC"
[ "$(wc -l <"$dir/err.txt")" -eq 1 ] || fail "an error message is not one line"
"$hmlcost" report --format "$(printf 'x\033[2J')" --input "$study" >/dev/null 2>"$dir/err.txt"
grep -q "$esc" "$dir/err.txt" && fail "a usage error prints a raw ESC"

[ "$failures" -eq 0 ] || exit 1
echo "hostile_output: every format escaped"
