#!/bin/sh
# usage: html_in_chromium.sh <hmlcost> <input.csv> [report options...]
# Renders the HTML report in headless Chromium (Debian's `chromium`) and
# checks: the page is self-contained (no scripts, styles or images from
# elsewhere, and no name resolves while it loads), Chromium logs no console
# message, the verdict table and every figure are in the rendered DOM, and a
# screenshot is taken. Exits 77 (skipped) when Chromium is not installed.
set -u
hmlcost=$1 input=$2
shift 2
browser=""
for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
done
if [ -z "$browser" ]; then
    echo "skipped: chromium not found (apt-get install -y chromium)"
    exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$hmlcost" report --input "$input" --format html -o "$tmp/report.html" "$@" 2>"$tmp/report.err" ||
    fail "hmlcost report exited $?: $(cat "$tmp/report.err")"

# Self-contained: nothing to fetch. The SVG namespace is a name, not a fetch.
if grep -Eiq '<script|<link|<img|<iframe|@import|url\(' "$tmp/report.html"; then
    fail "the page refers to something outside itself"
fi
if grep -Eo 'https?://[^" ]*' "$tmp/report.html" | grep -v '^http://www.w3.org/2000/svg$' | grep -q .; then
    fail "the page holds a URL: $(grep -Eo 'https?://[^" ]*' "$tmp/report.html" | sort -u | head -3)"
fi

chrome() {
    profile=$1
    shift
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --disable-extensions \
        --user-data-dir="$tmp/profile-$profile" --host-resolver-rules="MAP * ~NOTFOUND" \
        --enable-logging=stderr --v=0 "$@"
}
chrome dom --dump-dom "file://$tmp/report.html" >"$tmp/dom.html" 2>"$tmp/dom.err" ||
    fail "chromium --dump-dom exited $?"
if grep -q 'CONSOLE' "$tmp/dom.err"; then
    fail "console messages: $(grep CONSOLE "$tmp/dom.err" | head -3)"
fi
[ -s "$tmp/dom.html" ] || fail "empty DOM"

count() { grep -o "$1" "$tmp/dom.html" | wc -l; }
[ "$(count '<svg class="plot"')" -ge 8 ] || fail "fewer than 8 figures: $(count '<svg class="plot"')"
[ "$(count '<circle class="run"')" -ge 100 ] || fail "too few run points: $(count '<circle class="run"')"
[ "$(count '<rect class="box"')" -ge 30 ] || fail "too few boxes: $(count '<rect class="box"')"
for id in verdicts figures comparisons arms timeseries warnings methods fig-wall_s fig-energy_kwh fig-peak_rss_bytes fig-accuracy; do
    grep -q "id=\"$id\"" "$tmp/dom.html" || fail "no element with id $id"
done
for badge in hidden_cost visible no_cost inconclusive; do
    grep -q "class=\"badge $badge\"" "$tmp/dom.html" || fail "no $badge verdict badge"
done

chrome shot --hide-scrollbars --window-size=1280,2400 --screenshot="$tmp/report.png" \
    "file://$tmp/report.html" >/dev/null 2>"$tmp/shot.err" || fail "chromium --screenshot exited $?"
[ "$(head -c 4 "$tmp/report.png" | od -An -c | tr -d ' ')" = '211PNG' ] || fail "no PNG screenshot"
[ "$(wc -c <"$tmp/report.png")" -gt 50000 ] || fail "the screenshot is nearly blank"
if [ -n "${HMLCOST_KEEP_SCREENSHOT:-}" ]; then cp "$tmp/report.png" "$HMLCOST_KEEP_SCREENSHOT"; fi
echo "ok: $(count '<svg class="plot"') figures, $(count '<circle class="run"') run points, no console messages"
