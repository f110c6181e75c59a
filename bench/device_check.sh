#!/bin/sh
# usage: bench/device_check.sh BUNDLE OUT
# Checks the meter on a machine with real counters (a GPU box): NVML energy
# and per-process GPU memory, RAPL if the powercap sysfs is readable. BUNDLE
# holds hmlcost, hmlcost_test_child and lib/ (the shared objects hmlcost was
# built against, with their loader), made by bench/device_bundle.sh, so the
# check runs where the Debian packages are not installed. Results go to OUT.
set -u
b=$(cd "$1" && pwd) out=$2
mkdir -p "$out"
hml() { "$b/lib/ld-linux-x86-64.so.2" --library-path "$b/lib" "$b/hmlcost" "$@"; }
{
    uname -a; head -2 /etc/os-release; nproc
    nvidia-smi -L
    ls /sys/class/powercap
    for d in /sys/class/powercap/intel-rapl:*; do
        [ -d "$d" ] && echo "$d $(cat "$d/name") $(cat "$d/energy_uj" 2>&1)"
    done
    ls -la /usr/lib/x86_64-linux-gnu/libnvidia-ml* /usr/lib64/libnvidia-ml* 2>&1
    command -v nvcc python3
    python3 -c 'import torch; print("torch", torch.__version__, torch.cuda.is_available())'
} >"$out/facts.txt" 2>&1
hml measure --json -- sleep 1 >"$out/sleep.json" 2>"$out/sleep.err"
hml measure --json -- "$b/hmlcost_test_child" burn 2 >"$out/burn.json" 2>"$out/burn.err"
if python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
    hml measure --json -- python3 -c '
import time, torch
x = torch.ones(2**28, device="cuda")
t = time.time()
while time.time() - t < 3:
    x = x * 1.0001
torch.cuda.synchronize()
print(float(x[0]))' >"$out/gpu.json" 2>"$out/gpu.err"
elif command -v nvcc >/dev/null 2>&1; then
    cat >"$out/gpuburn.cu" <<'CU'
#include <cstdio>
__global__ void spin(float *x, int n) { int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) for (int k = 0; k < 2000; k++) x[i] = x[i] * 1.0001f + 0.5f; }
int main() { int n = 1 << 28; float *x; cudaMalloc(&x, n * sizeof(float));
  for (int r = 0; r < 40; r++) spin<<<n / 256, 256>>>(x, n);
  cudaDeviceSynchronize(); cudaFree(x); puts("done"); return 0; }
CU
    nvcc -O2 -o "$out/gpuburn" "$out/gpuburn.cu" >"$out/nvcc.log" 2>&1 &&
        hml measure --json -- "$out/gpuburn" >"$out/gpu.json" 2>"$out/gpu.err"
fi
hml run --runs 2 --arm a --arm b:X=1 --store "$out/runs.db" -- sleep 0.2 2>"$out/run.err"
echo "device check done"
