#!/bin/sh
set -eu
export OMP_NUM_THREADS=$(nproc)
export PATH="$HOME/.local/bin:$PATH"
echo "library path: $LD_LIBRARY_PATH"
unset LD_LIBRARY_PATH
MKL_NUM_THREADS=4 python3 train.py --threads 4
export PYTHONPATH=src
