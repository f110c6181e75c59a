#!/bin/sh
# The README's main command: installs what hmlcost needs, builds it and runs
# the main job: a short training of the reference CNN on real CIFAR-10 when
# it is found (--data, $HMLCOST_DATA, ./data/cifar-10-batches-bin or
# ../shared/data/cifar10), else on synthetic data (hmlcost says which).
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh build
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$jobs" >/dev/null
exec build/release/src/cli/hmlcost train --epochs 1 --train-limit 10000 --test-limit 2000 "$@"
