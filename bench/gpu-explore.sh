#!/bin/bash
# What the cuda backend's speed and start-up depend on, in one short GPU session:
#
#   bench/gpu-explore.sh prepare   here: the same bundle as bench/gpu-check.sh prepare
#                                  (.gpu-check/: binaries incl. bench/cuda_explore, libraries,
#                                  data_batch_1 + 2,000 test images; < 64 MiB).
#   bench/gpu-explore.sh run       on the GPU machine, .gpu-check carried; stops starting new
#                                  parts after EXPLORE_DEADLINE_S (default 85) seconds:
#     A. start-up of a fresh process, step by step (cuda_explore startup): dlopen + cuInit,
#        context, each cuDNN sub-library, cuBLAS, handles, first heuristic query, first call
#        of each kind; serial (twice: cold and warm page cache), libraries on a second thread,
#        and _exit at the end; the teardown after main's end is timed from outside;
#     C. per-operation GPU times of a training step (cuda_train --profile) for three
#        configurations (the defaults, the defaults before the table, find), with each run's
#        set-up timings and chosen algorithms;
#     D. every cuDNN algorithm of every convolution at batch 64 (cudnnFind*AlgorithmEx):
#        NCHW/NHWC x fp32/TF32, time, workspace, determinism;
#     B. the backend's candidate switches side by side (bench/cuda_train, fresh processes,
#        2 epochs of 10,000 images, batch 64; --check 3: first-step loss/gradients and the
#        parameters after 1, 2, 3 steps against the cpu backend): the defaults (algorithm
#        table, fused conv+bias+ReLU, split bias gradients), the old defaults, cudnnFind,
#        heuristics, TF32, graphs off;
#     D2. the dense layers' GEMMs (sgemm, TF32, GemmEx, cublasLt with a bias+ReLU epilogue);
#     E. `hmlcost train --device cuda` for 2 epochs of 50,000 images, a fresh process under
#        `hmlcost measure` (wall, NVML energy, phases), with the defaults;
#     F. cuDNN's graph API: every engine of every convolution (time-boxed);
#     G. test_cuda_parity with 3 seeds, if time is left.
#   The parts run in this order (most needed first); each starts only with time left.
#   Results: $OUT (or ./gpu-explore-out): explore.log (everything), results.jsonl (B, E).
#   Without a GPU (to try the script): bench/gpu-explore.sh run (every GPU part reports the
#   fallback or the probe's failure and the script goes on).
#
# The device call: run(command="bash bench/gpu-explore.sh run", carry=[".gpu-check"],
#   timeout_s=150).
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUNDLE=$ROOT/.gpu-check

case ${1:-} in
prepare) exec bash "$ROOT/bench/gpu-check.sh" prepare ;;
run) ;;
*) echo "usage: bench/gpu-explore.sh prepare | run"; exit 2 ;;
esac

OUT=${OUT:-$ROOT/gpu-explore-out}
mkdir -p "$OUT"
exec > >(tee "$OUT/explore.log") 2>&1
START=$(date +%s.%N)
DEADLINE=${EXPLORE_DEADLINE_S:-85}
elapsed() { awk -v a="$START" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}'; }
left() { awk -v a="$START" -v b="$(date +%s.%N)" -v d="$DEADLINE" 'BEGIN {printf "%d", d - (b - a)}'; }
have_time() { [ "$(left)" -gt "${1:-5}" ]; }
section() { echo "== $1 (t=$(elapsed)s)"; }

[ -d "$BUNDLE" ] || { echo "gpu-explore: no $BUNDLE: run 'bench/gpu-explore.sh prepare' first and carry it"; exit 2; }
[ -d "$BUNDLE/lib" ] || tar xJf "$BUNDLE/lib.tar.xz" -C "$BUNDLE"
BIN=$BUNDLE/bin
DATA=$BUNDLE/data
TMP=$(mktemp -d)
: >"$OUT/results.jsonl"
[ -x "$BIN/cuda_explore" ] || echo "gpu-explore: this bundle has no cuda_explore (built without CUDA?): parts A, D, F are skipped"

section "0. machine"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader 2>&1 | head -2
nproc

section "A. start-up, step by step (fresh processes)"
# startup <label> <args...>: runs cuda_explore startup, then the teardown = process end - exit_at.
startup() {
    local label=$1
    shift
    echo "-- $label"
    timeout 20 "$BIN/cuda_explore" startup "$@" >"$TMP/startup.txt" 2>&1
    local rc=$? t_end
    t_end=$(date +%s.%N)
    cat "$TMP/startup.txt"
    local at
    at=$(sed -n 's/^exit_at=//p' "$TMP/startup.txt")
    [ -n "$at" ] && awk -v a="$at" -v b="$t_end" 'BEGIN {printf "startup teardown (main end -> process gone, seen by the shell) %.4f s\n", b - a}'
    echo "   exit $rc"
}
if [ -x "$BIN/cuda_explore" ]; then
    startup "serial, first process on this machine (cold page cache)"
    "$BIN/gpu_libs_probe" probe 2>&1 | sed 's/^/   probe: /'
    startup "serial, again (warm)"
    startup "libraries on a second thread while the context is made" --parallel
    startup "serial, _exit at the end" --quick-exit
fi

section "C. per-operation GPU times of a training step (cuda_train --profile)"
profile() {
    local label=$1
    shift
    echo "-- $label"
    timeout 20 "$BIN/cuda_train" --profile "$@" --device cuda --require-device --data "$DATA" \
        --epochs 1 --batch 64 --train-limit 3840 --test-limit 640 --report 2>&1 >/dev/null |
        grep -vE '^cuda: .*set-up' | cut -c1-400
}
have_time 15 && profile defaults
have_time 15 && profile old-defaults --cuda-algo heuristic --cuda-unfused --cuda-bias-grad single
have_time 15 && profile find --cuda-algo find

section "D. cuDNN algorithms per convolution (cudnnFind)"
if [ -x "$BIN/cuda_explore" ] && have_time 15; then
    timeout "$(( $(left) > 25 ? 25 : $(left) ))" "$BIN/cuda_explore" algos --iters 10
    echo "   exit $?"
fi
section "B. the backend's switches side by side (cuda_train, 2 epochs x 10,000 images, batch 64)"
# variant <label> <cuda options...>: one fresh cuda_train process; its JSON line (with
# "label", "options", "wall_s") goes to results.jsonl; its report to the log.
variant() {
    local label=$1
    shift
    local t0 t1 rc json
    t0=$(date +%s.%N)
    timeout 25 "$BIN/cuda_train" "$@" --device cuda --require-device --data "$DATA" --epochs 2 --batch 64 \
        --train-limit 10000 --test-limit 2000 --check 3 --report >"$TMP/v.out" 2>"$TMP/v.err"
    rc=$?
    t1=$(date +%s.%N)
    json=$(grep '^{' "$TMP/v.out" | tail -1)
    [ -n "$json" ] || json=null
    local wall
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
    python3 - "$label" "$rc" "$wall" "$json" "$*" >>"$OUT/results.jsonl" <<'EOF'
import json, sys
label, rc, wall, line, options = sys.argv[1:6]
print(json.dumps({"label": label, "options": options, "exit": int(rc), "wall_s": float(wall),
                  "result": json.loads(line) if line != "null" else None}))
EOF
    python3 - "$label" "$rc" "$wall" "$json" <<'EOF'
import json, sys
label, rc, wall, line = sys.argv[1:5]
r = json.loads(line) if line != "null" else {}
c = r.get("check") or {}
ph = r.get("phase_s") or {}
es = r.get("epoch_s") or [0, 0]
ips2 = 10000 / es[-1] if es and es[-1] else 0
print(f"{label:34} exit {rc} wall {float(wall):5.2f} s (main {ph.get('main', 0):.3f}) | "
      f"img/s {r.get('images_per_s', 0):8.0f} epoch2 {ips2:8.0f} | data {ph.get('data', 0):.3f} "
      f"build {ph.get('build', 0):.3f} train {ph.get('train', 0):.3f} eval {ph.get('eval', 0):.3f} "
      f"| acc {r.get('accuracy', 0):.4f} loss {r.get('loss')} | first loss diff "
      f"{c.get('first_loss_diff', 'n/a')} grad rel {c.get('grad_rel_max', 'n/a')} "
      f"median|dp|/lr {c.get('median_dp_lr')} | {r.get('backend')}")
EOF
    grep -E '^cuda[: ]' "$TMP/v.err" | cut -c1-1500 | sed 's/^/   /'
    [ "$rc" -eq 0 ] || grep -vE '^cuda[: ]' "$TMP/v.err" | tail -3 | cut -c1-300 | sed 's/^/   ! /'
}
have_time 20 && variant defaults
have_time 20 && variant old-defaults --cuda-algo heuristic --cuda-unfused --cuda-bias-grad single
have_time 20 && variant find --cuda-algo find
have_time 20 && variant heuristic --cuda-algo heuristic
have_time 20 && variant tf32 --cuda-tf32
have_time 20 && variant nographs --cuda-no-graphs

section "D2. cuBLAS options for the dense layers"
if [ -x "$BIN/cuda_explore" ] && have_time 8; then
    timeout 15 "$BIN/cuda_explore" gemm --iters 50
    echo "   exit $?"
fi

section "E. hmlcost train --device cuda, 2 epochs of 50,000 images + 10,000 test, fresh processes"
timing=$TMP/timing
mkdir -p "$timing"
for i in 1 2 3 4 5; do ln -s "$DATA/data_batch_1.bin" "$timing/data_batch_$i.bin"; done
for i in 1 2 3 4 5; do cat "$DATA/test_batch.bin"; done >"$timing/test_batch.bin"
train() {
    local label=$1
    shift
    "$BIN/hmlcost" measure --json --timeout 25 -- "$BIN/hmlcost" train "$@" --device cuda \
        --require-device --data "$timing" --epochs 2 --batch 64 --quiet >"$TMP/t.out" 2>"$TMP/t.err"
    local rc=$?
    local meter
    meter=$(grep '^{"command"' "$TMP/t.out" | tail -1)
    [ -n "$meter" ] || meter=null
    python3 - "$label" "$rc" "$meter" "$*" "$OUT/results.jsonl" <<'EOF'
import json, sys
label, rc, line, options, results = sys.argv[1:6]
m = json.loads(line) if line != "null" else {}
with open(results, "a") as f:
    f.write(json.dumps({"label": "train-" + label, "options": options, "exit": int(rc), "meter": m}) + "\n")
r = m.get("result") or {}
mt = m.get("metrics") or {}
v = lambda k: (mt.get(k) or {}).get("value")
print(f"{label}: exit {rc} wall {v('wall_s')} s, GPU {v('energy_gpu_j')} J, "
      f"img/s {r.get('images_per_s')}, phases {r.get('phase_s')}, startup {r.get('startup')}, "
      f"accuracy {r.get('accuracy')}, backend {r.get('backend')}")
EOF
    [ "$rc" -eq 0 ] || tail -3 "$TMP/t.err" | cut -c1-300
}
have_time 12 && train defaults

section "F. cuDNN graph API: every engine per convolution"
if [ -x "$BIN/cuda_explore" ] && have_time 12; then
    budget=$(( $(left) - 5 ))
    timeout "$((budget + 10))" "$BIN/cuda_explore" engines --iters 10 --budget "$budget"
    echo "   exit $?"
fi

section "G. test_cuda_parity, 3 seeds"
if have_time 25; then
    HMLCOST_DATA=$DATA HMLCOST_PARITY_SEEDS=3 timeout "$(left)" "$BIN/test_cuda_parity" 2>&1 | tail -40
    echo "   test_cuda_parity exit ${PIPESTATUS[0]}"
else
    echo "   skipped: $(left) s left"
fi

section "done"
rm -rf "$TMP"
