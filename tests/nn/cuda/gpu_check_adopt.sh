#!/bin/sh
# usage: gpu_check_adopt.sh SOURCE_DIR
# `bench/gpu-check.sh adopt`, what a passing GPU check does: on a copy of
# src/nn/cuda/grad_defaults.h it makes our own gradient kernels the default
# with the evidence as one C string (quotes and sed's separators dropped),
# and it refuses a header without the two lines it rewrites.
set -eu
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "gpu_check_adopt: $*" >&2; exit 1; }

cp "$src/src/nn/cuda/grad_defaults.h" "$tmp/grad_defaults.h"
grep -qx '#define CUDA_OWN_GRAD_KERNELS_DEFAULT 0' "$tmp/grad_defaults.h" ||
    fail "the shipped default is not the verified path (CUDA_OWN_GRAD_KERNELS_DEFAULT 0)"
"$src/bench/gpu-check.sh" adopt 'NVIDIA H200, 2026-12-02, commit 1a2b3c4: "parity" | speed & more' \
    "$tmp/grad_defaults.h" >"$tmp/out" 2>&1 || fail "adopt failed: $(cat "$tmp/out")"
grep -qx '#define CUDA_OWN_GRAD_KERNELS_DEFAULT 1' "$tmp/grad_defaults.h" ||
    fail "the default was not flipped"
grep -qx '#define CUDA_OWN_GRAD_KERNELS_VERIFIED_ON "NVIDIA H200, 2026-12-02, commit 1a2b3c4: parity  speed  more"' \
    "$tmp/grad_defaults.h" || fail "the evidence line: $(grep VERIFIED_ON "$tmp/grad_defaults.h")"
# Only the two lines change.
[ "$(diff "$src/src/nn/cuda/grad_defaults.h" "$tmp/grad_defaults.h" | grep -c '^>')" -eq 2 ] ||
    fail "more than the two lines changed"
# The adopted header is still C.
printf '#include "grad_defaults.h"\nint own = CUDA_OWN_GRAD_KERNELS_DEFAULT;\nconst char *on = CUDA_OWN_GRAD_KERNELS_VERIFIED_ON;\n' \
    >"$tmp/use.c"
cc -std=c17 -Wall -Werror -c -I"$tmp" "$tmp/use.c" -o "$tmp/use.o" || fail "the adopted header does not compile"

echo '/* nothing to rewrite */' >"$tmp/other.h"
if "$src/bench/gpu-check.sh" adopt 'evidence' "$tmp/other.h" >"$tmp/out" 2>&1; then
    fail "adopt accepted a header without the two lines"
fi
grep -q 'does not hold the two CUDA_OWN_GRAD_KERNELS lines' "$tmp/out" || fail "no reason given: $(cat "$tmp/out")"
echo "gpu_check_adopt: ok"
