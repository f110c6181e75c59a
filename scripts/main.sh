#!/bin/sh
# The README's main command: installs what hmlcost needs, builds it and runs
# the main job, a short smell study end to end:
#   1. hmlcost doctor: the smells it finds in this environment, before any
#      energy is spent (findings are advice here, not a failure);
#   2. hmlcost run --smell all: a baseline and the four smells (model-reuse
#      in both faces: earlier models freed, and kept alive), 7 fresh
#      processes each after one warm-up run each (a cold first run would
#      otherwise be an outlier), interleaved, training the reference CNN for 1 epoch on
#      2,000 images of CIFAR-10 (found via $HMLCOST_DATA,
#      ./data/cifar-10-batches-bin or ../shared/data/cifar10; else synthetic
#      data, and it says so); runs are stored in build/quickstart/hmlcost.db,
#      so running this again resumes instead of starting over;
#   3. hmlcost report: a verdict per smell, and the same as an HTML page.
# Extra arguments go to hmlcost train (e.g. --data DIR).
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh build
scripts/build.sh build/release
hmlcost=build/release/src/cli/hmlcost
out=build/quickstart
mkdir -p "$out"

echo "== hmlcost doctor" >&2
"$hmlcost" doctor -- "$@" || true

# One tiny training first: it fails fast on bad arguments and tells which data the study uses.
data=$("$hmlcost" train --epochs 1 --train-limit 64 --test-limit 64 --quiet "$@" |
    sed -n 's/.*"data":"\([^"]*\)".*/\1/p')
echo "== hmlcost run --smell all (data: $data; energy is an estimate unless RAPL or NVML can be read)" >&2
"$hmlcost" run --smell all --runs 7 --warmup 1 --store "$out/hmlcost.db" -- \
    --epochs 1 --train-limit 2000 --test-limit 1000 "$@"

echo "== hmlcost report" >&2
"$hmlcost" report --store "$out/hmlcost.db"
"$hmlcost" report --store "$out/hmlcost.db" --format html -o "$out/report.html"
echo "hmlcost: the report as a page: $out/report.html" >&2
