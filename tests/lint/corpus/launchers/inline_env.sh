#!/bin/bash
set -euo pipefail
cd "$(dirname "$0")"
OMP_NUM_THREADS=32 MKL_NUM_THREADS=32 python train.py --data ./data  # expect: parallelism, parallelism
