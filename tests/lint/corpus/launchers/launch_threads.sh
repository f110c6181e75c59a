#!/bin/sh
# Launch training on the cluster node.
set -eu
export OMP_NUM_THREADS=64  # expect: parallelism
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:$LD_LIBRARY_PATH  # expect: libpath
python3 train.py --epochs 30 "$@"
