#!/bin/bash
# Sweep learning rates; one process per value.
declare -x NUMEXPR_MAX_THREADS=256  # expect: parallelism
for lr in 0.1 0.01 0.001; do
  LD_LIBRARY_PATH=../third_party/lib python train.py --lr "$lr" &  # expect: libpath
done
wait
