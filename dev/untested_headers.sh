#!/bin/sh
# Lists the headers of src/ (src/<room>/.../*.h) that no file under
# tests/<room>/ includes directly: the contracts without a test of their own
# room. Prints one header a line, then the count on stderr.
set -eu
cd "$(dirname "$0")/.."
total=0
missing=0
for h in $(cd src && find . -name '*.h' | sed 's|^\./||' | sort); do
    room=${h%%/*}
    total=$((total + 1))
    if [ -d "tests/$room" ] && grep -rqsF "#include \"$h\"" "tests/$room"; then
        continue
    fi
    missing=$((missing + 1))
    echo "$h"
done
echo "headers without a test in their room: $missing of $total" >&2
