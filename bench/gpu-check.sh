#!/bin/bash
# The GPU check of issue 6, in two steps:
#
#   bench/gpu-check.sh prepare   here (no GPU needed): builds the release binaries with the
#                                cuda backend (RPATH $ORIGIN/../lib), bundles them with the
#                                shared libraries the GPU machine may lack (oneDNN, cJSON, ...),
#                                the libpath smell's fake library directories and a CIFAR-10
#                                subset (data_batch_1 + the first 2,000 test images) into
#                                .gpu-check/ (git-ignored, < 64 MiB).
#   bench/gpu-check.sh run       on the GPU machine, from the repository root, with .gpu-check
#                                carried; about 3-4 minutes on an H100/H200:
#       1. what the GPU library probe finds (cuDNN, cuBLAS, driver), nvidia-smi, PyTorch;
#       2. the GPU tests: CPU/GPU parity (first-step loss within 1e-4, one-epoch accuracy
#          within 1 point), device-data path bit-identical to host batches, determinism;
#          CUDA graphs on and off give identical results;
#       3. 2 epochs at batch 64 over 50,000 images (data_batch_1 five times; timing only),
#          each a fresh process: hmlcost's cuda backend (fp32, tf32, host batches), PyTorch
#          eager, PyTorch torch.compile: images/s, whole-process wall, NVML GPU energy
#          (the driver's total-energy counter, before and after each process);
#       4. the libpath smell on the GPU: the mismatched-library directory and CUDA's stubs
#          ahead on LD_LIBRARY_PATH -> the fallback to CPU, detected and reported;
#          --require-device -> exit 1; 1,000 missing directories -> probe time;
#       5. hmlcost run --smell all --runs 3 --device cuda on the subset, and the stored figures
#          (skipped with a note when this build has no `hmlcost run`).
#   Results: $OUT (or ./gpu-check-out): gpu-check.log, results.jsonl, summary.txt.
#   Without a GPU (to try the script): GPU_CHECK_TRAIN_LIMIT=640 bench/gpu-check.sh run
#
# The device call (bench/README-gpu.md): run(command="bash bench/gpu-check.sh run",
#   carry=[".gpu-check"], timeout_s=420).
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUNDLE=$ROOT/.gpu-check

prepare() {
    set -e
    local build=$ROOT/build/gpu-check data=${HMLCOST_DATA:-$ROOT/../shared/data/cifar10}
    [ -f "$data/data_batch_1.bin" ] || { echo "gpu-check: no CIFAR-10 at $data (set HMLCOST_DATA)"; exit 2; }
    cmake -S "$ROOT" -B "$build" -DCMAKE_BUILD_TYPE=Release -DHMLCOST_CUDA=ON -DHMLCOST_WERROR=ON \
        "-DCMAKE_EXE_LINKER_FLAGS=-Wl,--disable-new-dtags,-rpath,\$ORIGIN/../lib" >/dev/null
    cmake --build "$build" -j "$(nproc)" --target hmlcost cuda_train test_cuda_parity gpu_libs_probe \
        hmlcost_fake_gpu_libs >/dev/null
    rm -rf "$BUNDLE"
    mkdir -p "$BUNDLE/bin" "$BUNDLE/lib/hmlcost" "$BUNDLE/data"
    cp "$build/src/cli/hmlcost" "$build/tests/nn_cuda/cuda_train" \
        "$build/tests/nn_cuda/test_cuda_parity" "$build/tests/nn_cuda/gpu_libs_probe" "$BUNDLE/bin/"
    # The libpath smell's directories, links resolved (CUDA's stub copied in).
    cp -rL "$build/libpath-fakes" "$BUNDLE/lib/hmlcost/libpath-fakes"
    # Shared libraries beyond the C/C++ runtime, which the GPU machine has.
    for exe in "$BUNDLE"/bin/*; do
        ldd "$exe" | awk '/=> \// {print $3}'
    done | sort -u | while read -r lib; do
        case $(basename "$lib") in
        libc.so*|libm.so*|libdl.so*|librt.so*|libpthread.so*|ld-linux*|libgcc_s.so*|libstdc++.so*) ;;
        *) cp -L "$lib" "$BUNDLE/lib/" ;;
        esac
    done
    cp "$data/data_batch_1.bin" "$BUNDLE/data/"
    head -c $((2000 * 3073)) "$data/test_batch.bin" >"$BUNDLE/data/test_batch.bin"
    # oneDNN is ~40 MB: compressed it leaves room for the data.
    (cd "$BUNDLE" && tar cJf lib.tar.xz lib && rm -rf lib)
    local exclude
    exclude="$(git rev-parse --git-common-dir)/info/exclude"
    grep -qx '/.gpu-check/' "$exclude" 2>/dev/null || echo '/.gpu-check/' >>"$exclude"
    du -sh "$BUNDLE"
    echo "gpu-check: prepared $BUNDLE; on the GPU machine: bash bench/gpu-check.sh run (carry .gpu-check)"
}

now() { date +%s.%N; }
# The GPU's total-energy counter (NVML nvmlDeviceGetTotalEnergyConsumption), in mJ.
gpu_energy_mj() { nvidia-smi --query-gpu=total_energy_consumption --format=csv,noheader,nounits 2>/dev/null | head -1 | tr -d ' '; }

# measure <label> <timeout> <command...>: a fresh process, measured by `hmlcost measure`
# (src/meter: wall time, NVML GPU energy and memory of the process tree) when this build
# has it, and by the GPU's total-energy counter before and after (a cross-check that also
# counts other processes). Appends a JSON line: the label, exit status, wall, the counter's
# joules, the meter's metrics and the command's own result line.
measure() {
    local label=$1 limit=$2
    shift 2
    local e0 e1 t0 t1 rc json meter=null
    e0=$(gpu_energy_mj)
    t0=$(now)
    if [ "$HAVE_MEASURE" = 1 ]; then
        "$BIN/hmlcost" measure --json --timeout "$limit" -- "$@" >"$TMP/$label.out" 2>"$TMP/$label.err"
    else
        timeout "$limit" "$@" >"$TMP/$label.out" 2>"$TMP/$label.err"
    fi
    rc=$?
    t1=$(now)
    e1=$(gpu_energy_mj)
    json=$(grep '^{.*"workload"' "$TMP/$label.out" | tail -1)
    [ -n "$json" ] || json=null
    if [ "$HAVE_MEASURE" = 1 ]; then
        meter=$(grep '^{"command"' "$TMP/$label.out" | tail -1)
        [ -n "$meter" ] || meter=null
    fi
    local energy=null
    if [ -n "$e0" ] && [ -n "$e1" ] && [ "$e0" != "[N/A]" ]; then
        energy=$(awk -v a="$e0" -v b="$e1" 'BEGIN {printf "%.1f", (b - a) / 1000}')
    fi
    local wall
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
    echo "{\"label\":\"$label\",\"exit\":$rc,\"wall_s\":$wall,\"gpu_counter_j\":$energy,\"result\":$json,\"meter\":$meter}" \
        >>"$OUT/results.jsonl"
    echo "== $label: exit $rc, wall $wall s, GPU energy counter $energy J"
    echo "   $json" | cut -c1-600
    [ "$rc" -eq 0 ] || { echo "   stderr:"; grep -E 'cuda_train:|hmlcost:|[Ee]rror|Traceback' \
        "$TMP/$label.err" | tail -5 | cut -c1-400 | sed 's/^/   /'; }
}

run() {
    OUT=${OUT:-$ROOT/gpu-check-out}
    mkdir -p "$OUT"
    TMP=$(mktemp -d)
    exec > >(tee "$OUT/gpu-check.log") 2>&1
    local start
    start=$(now)
    [ -d "$BUNDLE" ] || { echo "gpu-check: no $BUNDLE: run 'bench/gpu-check.sh prepare' first and carry it"; exit 2; }
    [ -d "$BUNDLE/lib" ] || tar xJf "$BUNDLE/lib.tar.xz" -C "$BUNDLE"
    local bin=$BUNDLE/bin subset=$BUNDLE/data timing=$TMP/timing
    BIN=$bin
    # GPU_CHECK_TRAIN_LIMIT shrinks the subset runs, to try this script on a machine without
    # a GPU (where they train on the CPU); the timing runs keep their 50,000 images.
    local limit=${GPU_CHECK_TRAIN_LIMIT:-10000}
    HAVE_MEASURE=0
    "$bin/hmlcost" measure --help >/dev/null 2>&1 && HAVE_MEASURE=1
    mkdir -p "$timing"
    for i in 1 2 3 4 5; do ln -s "$subset/data_batch_1.bin" "$timing/data_batch_$i.bin"; done
    for i in 1 2 3 4 5; do cat "$subset/test_batch.bin"; done >"$timing/test_batch.bin"
    : >"$OUT/results.jsonl"

    echo "== 1. machine and libraries"
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
    python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version())' 2>&1 | tail -1
    ldconfig -p | grep -E 'libcudnn.so.9 |libcublas.so.13 |libcuda.so.1 ' | sed 's/^/   /'
    "$bin/gpu_libs_probe" probe | tee "$TMP/probe.txt"
    if grep -q '^lib=cudnn fail=dlopen' "$TMP/probe.txt" || grep -q '^lib=cublas fail=dlopen' "$TMP/probe.txt"; then
        # Not on the loader's path: take PyTorch's wheels' copies (nvidia-cudnn-cu13, nvidia-cublas).
        local extra
        extra=$(python3 - <<'EOF' 2>/dev/null
import glob, os, site
dirs = set()
for base in site.getsitepackages():
    for name in ("libcudnn.so.9", "libcublas.so.13"):
        for f in glob.glob(os.path.join(base, "nvidia", "**", name), recursive=True):
            dirs.add(os.path.dirname(f))
print(":".join(sorted(dirs)))
EOF
)
        echo "   cuDNN/cuBLAS not on the loader's path; using LD_LIBRARY_PATH=$extra"
        export LD_LIBRARY_PATH=$extra${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
        "$bin/gpu_libs_probe" probe
    fi

    echo "== 2. GPU tests"
    HMLCOST_DATA=$subset timeout 150 "$bin/test_cuda_parity"
    echo "   test_cuda_parity exit $?"
    for graphs in 1 0; do
        measure "graphs-$graphs" 60 env HMLCOST_CUDA_GRAPHS=$graphs "$bin/cuda_train" --device cuda \
            --require-device --data "$subset" --epochs 1 --batch 64 --train-limit "$limit" --test-limit 2000
    done
    python3 - "$OUT/results.jsonl" <<'EOF'
import json, sys
rows = {r["label"]: r for r in map(json.loads, open(sys.argv[1]))}
a, b = rows["graphs-1"]["result"], rows["graphs-0"]["result"]
if a and b:
    same = a["loss"] == b["loss"] and a["accuracy"] == b["accuracy"]
    print(f"   graphs on/off: loss {a['loss']} vs {b['loss']}, accuracy {a['accuracy']} vs {b['accuracy']}: {'IDENTICAL' if same else 'DIFFERENT'}")
EOF

    echo "== 3. 2 epochs at batch 64 on 50,000 images (+ 10,000 test), fresh processes"
    local common=(--data "$timing" --epochs 2 --batch 64)
    measure warmup 60 "$bin/cuda_train" --device cuda --data "$subset" --epochs 1 --train-limit 2000 --test-limit 500
    python3 -c 'import torch; torch.zeros(1).cuda(); import torch.nn.functional' >/dev/null 2>&1
    measure hmlcost-cuda-fp32 60 "$bin/cuda_train" --device cuda --require-device "${common[@]}"
    measure hmlcost-cuda-tf32 60 env HMLCOST_CUDA_TF32=1 "$bin/cuda_train" --device cuda --require-device "${common[@]}"
    measure hmlcost-cuda-hostbatches 90 "$bin/cuda_train" --device cuda --require-device --host-batches "${common[@]}"
    if "$bin/hmlcost" train --help 2>&1 | grep -q -- '--device'; then
        # The workload's own loop (host batches unless it uses the backend's train_batches).
        local req=()
        "$bin/hmlcost" train --help 2>&1 | grep -q -- '--require-device' && req=(--require-device)
        measure hmlcost-train-cuda 60 "$bin/hmlcost" train --device cuda "${req[@]}" "${common[@]}" --quiet
    else
        echo "   (this build's hmlcost train has no --device: timed through bench/cuda_train only)"
    fi
    measure pytorch-eager 90 python3 "$ROOT/bench/torch_cnn.py" "${common[@]}"

    echo "== 4. libpath smell on the GPU"
    local mismatch=$BUNDLE/lib/hmlcost/libpath-fakes/cuda-mismatch stubs
    stubs=$("$bin/gpu_libs_probe" dirs | sed -n 's/^stubs=//p')
    local smell_path=$mismatch${stubs:+:$stubs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    measure libpath-fallback 120 env LD_LIBRARY_PATH="$smell_path" "$bin/cuda_train" --device cuda \
        --data "$subset" --epochs 1 --batch 64 --train-limit "$limit" --test-limit 2000
    grep 'warning' "$TMP/libpath-fallback.err" | cut -c1-400
    env LD_LIBRARY_PATH="$smell_path" "$bin/cuda_train" --device cuda --require-device --data "$subset" \
        --epochs 1 --train-limit 64 --test-limit 64 >/dev/null 2>"$TMP/require.err"
    echo "   --require-device under the smell: exit $? ($(cut -c1-200 "$TMP/require.err"))"
    local many="" i
    for i in $(seq 1 1000); do many="$many/nonexistent/hmlcost-libpath/$i:"; done
    echo "   probe time, clean path:      $(LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-} "$bin/gpu_libs_probe" probe | grep -o 'probe_s=[0-9.]*')"
    echo "   probe time, 1,000 dirs ahead: $(LD_LIBRARY_PATH="$many${LD_LIBRARY_PATH:-}" "$bin/gpu_libs_probe" probe | grep -o 'probe_s=[0-9.]*')"

    echo "== 5. hmlcost run --smell all --runs 3 --device cuda (subset)"
    local small=(--data "$subset" --epochs 1 --train-limit "$limit" --test-limit 2000)
    if "$bin/hmlcost" run --help 2>&1 | grep -q -- '--smell'; then
        # In a folder of its own: the store is created where the run starts.
        (cd "$TMP" && timeout 120 "$bin/hmlcost" run --smell all --runs 3 --device cuda -- \
            "${small[@]}") 2>&1 | tail -30
        echo "   exit ${PIPESTATUS[0]}"
        (cd "$TMP" && "$bin/hmlcost" report 2>&1 | head -80)
    elif [ "$HAVE_MEASURE" = 1 ]; then
        # No smell catalogue in this build (issue 4): the GPU-relevant treatments as plain
        # arms of `hmlcost run` around bench/cuda_train, stored and reported the same way.
        echo "   this build has no 'hmlcost run --smell' (issue 4): arms by hand"
        local cores
        cores=$(nproc)
        (cd "$TMP" && timeout 150 "$bin/hmlcost" run --runs 3 --store "$TMP/smells.db" \
            --name "gpu-check smells (cuda_train)" --timeout 60 \
            --arm baseline \
            --arm "libpath:LD_LIBRARY_PATH=$smell_path" \
            --arm "parallelism:OMP_NUM_THREADS=$((8 * cores))" \
            --arm-args "parallelism:--threads $((8 * cores))" \
            --arm minibatch --arm-args "minibatch:--batch 1024" \
            -- "$bin/cuda_train" --device cuda "${small[@]}") 2>&1 | tail -20
        echo "   exit ${PIPESTATUS[0]}"
        "$bin/hmlcost" report --store "$TMP/smells.db" 2>&1 | head -80
    else
        echo "   this build has no 'hmlcost run': skipped"
    fi

    local left
    left=$(awk -v a="$start" -v b="$(now)" 'BEGIN {printf "%d", 270 - (b - a)}')
    if [ "$left" -gt 40 ]; then
        echo "== 3b. PyTorch torch.compile (time left: ${left}s)"
        measure pytorch-compile "$((left - 10))" python3 "$ROOT/bench/torch_cnn.py" --compile "${common[@]}"
    else
        echo "== 3b. PyTorch torch.compile: skipped, ${left}s left"
    fi

    echo "== summary"
    python3 - "$OUT/results.jsonl" <<'EOF' | tee "$OUT/summary.txt"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {r["label"]: r for r in rows}
print(f"{'run':28} {'exit':>4} {'images/s':>10} {'train s':>8} {'wall s':>7} {'GPU J meter/counter':>20} {'accuracy':>8}  device/backend")
for r in rows:
    res = r["result"] or {}
    ips = res.get("images_per_s")
    ips = "n/a" if ips is None else str(round(ips))
    m = ((r.get("meter") or {}).get("metrics") or {})
    energy = m.get("energy_gpu_j", {}).get("value")
    energy = (f"{energy:.1f}" if energy is not None else "n/a") + "/" + (
        "n/a" if r["gpu_counter_j"] is None else str(r["gpu_counter_j"]))
    print(f"{r['label']:28} {r['exit']:>4} {ips:>10} "
          f"{(res.get('phase_s') or {}).get('train', float('nan')):>8.3f} {r['wall_s']:>7.2f} "
          f"{energy:>20} "
          f"{res.get('accuracy', float('nan')):>8.4f}  {res.get('device_used')}/{res.get('backend')}"
          + (f" fallback: {res['fallback_reason'][:120]}" if res.get("fallback_reason") else ""))
eager = (by.get("pytorch-eager") or {}).get("result") or {}
for label in ("hmlcost-cuda-fp32", "hmlcost-cuda-tf32", "hmlcost-train-cuda", "pytorch-compile"):
    r = (by.get(label) or {}).get("result") or {}
    if r.get("images_per_s") and eager.get("images_per_s"):
        w = by[label]["wall_s"] / by["pytorch-eager"]["wall_s"]
        print(f"{label}: {r['images_per_s'] / eager['images_per_s']:.2f}x PyTorch eager's images/s; "
              f"wall {by[label]['wall_s']:.2f} s ({w:.2f}x eager's)")
EOF
    echo "gpu-check: done in $(awk -v a="$start" -v b="$(now)" 'BEGIN {printf "%.0f", b - a}') s"
    rm -rf "$TMP"
}

case ${1:-} in
prepare) prepare ;;
run) run ;;
*) echo "usage: bench/gpu-check.sh prepare | run"; exit 2 ;;
esac
