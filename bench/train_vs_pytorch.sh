#!/bin/sh
# usage: bench/train_vs_pytorch.sh [HMLCOST] [IMAGES] [BATCHES] [REPEAT]
# Trains the reference CNN at batch 32, 64, 128 and 256 (or BATCHES) with
# 2 threads, side by side in one run: hmlcost (oneDNN), PyTorch 1.13 as
# Debian installs it, and PyTorch tuned (OPENBLAS_CORETYPE=SkylakeX,
# OPENBLAS_NUM_THREADS=1, channels_last). Prints images/s and hmlcost's
# ratio to each. IMAGES (default 8192) training images per measurement, on
# synthetic in-memory data; the order of the three is rotated per batch so
# that drift on a shared machine does not favour one. Each figure is the
# median of REPEAT (default 3) measurements.
# Needs python3-torch (scripts/deps.sh bench).
set -eu
cd "$(dirname "$0")/.."
hmlcost=${1:-build/release/src/cli/hmlcost}
images=${2:-8192}
batches=${3:-"32 64 128 256"}
repeat=${4:-3}
threads=2
python=/usr/bin/python3
if [ ! -x "$hmlcost" ]; then
    scripts/build.sh build/release
fi

run_hmlcost() {
    "$hmlcost" train --data synthetic --train-limit "$images" --test-limit 64 --epochs 1 \
        --batch "$1" --threads "$threads" --quiet |
        sed -e 's/.*"images_per_s":\([0-9.e+]*\).*/\1/'
}
run_torch() {
    OMP_NUM_THREADS=$threads "$python" bench/torch_reference_cnn.py --batch "$1" \
        --images "$images" --threads "$threads"
}
run_torch_tuned() {
    OMP_NUM_THREADS=$threads OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1 "$python" \
        bench/torch_reference_cnn.py --batch "$1" --images "$images" --threads "$threads" \
        --channels-last
}

# median <command> <batch>: the median of $repeat runs
median() {
    k=0
    while [ "$k" -lt "$repeat" ]; do
        "$1" "$2"
        k=$((k + 1))
    done | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) logical CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "hmlcost $("$hmlcost" version | cut -d' ' -f2) ($("$hmlcost" train --data synthetic --train-limit 8 --test-limit 8 --epochs 1 --threads 1 --quiet | sed -e 's/.*"backend":"\([^"]*\)".*/\1/')), torch $("$python" -c 'import torch; print(torch.__version__)'); $threads threads, $images images per measurement, median of $repeat"
printf '%6s %12s %12s %12s %10s %10s\n' batch hmlcost torch torch-tuned "x torch" "x tuned"
i=0
for b in $batches; do
    # rotate the order: h t u, t u h, u h t
    case $((i % 3)) in
        0) h=$(median run_hmlcost "$b"); t=$(median run_torch "$b"); u=$(median run_torch_tuned "$b") ;;
        1) t=$(median run_torch "$b"); u=$(median run_torch_tuned "$b"); h=$(median run_hmlcost "$b") ;;
        2) u=$(median run_torch_tuned "$b"); h=$(median run_hmlcost "$b"); t=$(median run_torch "$b") ;;
    esac
    i=$((i + 1))
    awk -v b="$b" -v h="$h" -v t="$t" -v u="$u" \
        'BEGIN { printf "%6d %12.0f %12.0f %12.0f %9.2fx %9.2fx\n", b, h, t, u, h / t, h / u }'
done
echo "(images/s of training; load after: $(cut -d' ' -f1-3 /proc/loadavg))"
