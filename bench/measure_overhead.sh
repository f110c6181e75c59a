#!/bin/sh
# usage: bench/measure_overhead.sh [HMLCOST] [RUNS] [BASELINE_HMLCOST]
# Two figures, each measured side by side in one run (this machine is shared
# and noisy: compare within a run, report ratios):
#  1. What `hmlcost measure -- true` adds to a bare fork+exec of `true`, both
#     timed by hyperfine (-N: no shell) in the same invocation, with the
#     default accounting (a cgroup per run where permitted) and with /proc
#     only, and what `hmlcost version` (start-up alone) adds; also hmlcost's
#     own wall_s for `true` (spawn to reap) against hyperfine's figure. With
#     BASELINE_HMLCOST (another build, e.g. of an older commit), its measure
#     runs in the same hyperfine invocation and the ratios are printed.
#     hyperfine runs each command's runs in one block; the list is given
#     ROUNDS times (default 5, runs/ROUNDS each) and the times pooled per
#     command, so that a load that changes during the bench (a shared
#     machine) hits every command alike.
#  1b. The same command (sleep 0.05) timed by hyperfine and by hmlcost.
#  2. What sampling costs: the CPU time of `hmlcost measure` watching
#     `sleep S` at --interval 0.1, minus the same with no sample taken
#     (--interval 3600), over S seconds = the share of one core.
#     The outer `hmlcost measure` reads the inner one's CPU from getrusage.
set -eu
hmlcost=${1:-build/src/cli/hmlcost}
runs=${2:-300}
baseline=${3:-}
rounds=${ROUNDS:-5}
sleep_s=${SLEEP_S:-10}
command -v hyperfine >/dev/null || { echo "bench: hyperfine is missing (apt-get install -y hyperfine)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench: python3 is needed to read the JSON" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(ls -d /proc/[0-9]* | wc -l) processes in /proc"
echo "hmlcost: $($hmlcost version), hyperfine: $(hyperfine --version)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

block=$(( (runs + rounds - 1) / rounds ))
echo "== 1. overhead of 'hmlcost measure -- true' over a bare fork+exec (hyperfine -N, $((block * rounds)) runs each in $rounds rounds)"
set --
for round in $(seq 1 "$rounds"); do
    set -- "$@" 'true' "$hmlcost measure -- true" "$hmlcost measure --no-nvml --no-rapl -- true" \
        "$hmlcost measure --accounting procfs -- true" "$hmlcost version"
    [ -n "$baseline" ] && set -- "$@" "$baseline measure -- true" "$baseline measure --accounting procfs -- true"
done
hyperfine -N --style none --warmup 5 --runs "$block" --export-json "$tmp/hf.json" "$@" >/dev/null 2>&1
for i in $(seq 1 50); do "$hmlcost" measure --json -- true 2>/dev/null; done >"$tmp/walls.jsonl"
python3 - "$tmp/hf.json" "$tmp/walls.jsonl" "$baseline" <<'PY'
import json, statistics, sys
pooled = {}
for r in json.load(open(sys.argv[1]))["results"]:
    pooled.setdefault(r["command"], []).extend(r["times"])
res = [{"command": c, "min": min(t), "median": statistics.median(t), "mean": statistics.fmean(t)}
       for c, t in pooled.items()]
walls = [json.loads(l)["metrics"]["wall_s"]["value"] for l in open(sys.argv[2])]
baseline = sys.argv[3]
bare = res[0]
print(f"  {'command':45s} {'min ms':>8s} {'median ms':>10s} {'mean ms':>9s} {'+ms (median)':>13s} {'ratio':>6s}")
for r in res:
    d = (r["median"] - bare["median"]) * 1e3
    print(f"  {r['command'][-45:]:45s} {r['min']*1e3:8.3f} {r['median']*1e3:10.3f} {r['mean']*1e3:9.3f} {d:13.3f} {r['median']/bare['median']:6.2f}")
w = statistics.median(walls)
print(f"  hmlcost's own wall_s for 'true' ({len(walls)} runs): min {min(walls)*1e3:.3f} ms "
      f"({min(walls)/bare['min']:.2f} x hyperfine's min), median {w*1e3:.3f} ms "
      f"({w/bare['median']:.2f} x hyperfine's median)")
added = (res[1]["median"] - bare["median"]) * 1e3
added_min = (res[1]["min"] - bare["min"]) * 1e3
print(f"  => hmlcost measure adds {added:.2f} ms per run by the medians, {added_min:.2f} ms by the "
      f"minima (budget 5 ms): {'OK' if max(added, added_min) <= 5 else 'OVER'}")
if baseline:
    for new, old in ((res[1], res[5]), (res[3], res[6])):
        print(f"  this build / baseline ({old['command'][len(baseline) + 1:]}): medians "
              f"{new['median'] * 1e3:.3f} / {old['median'] * 1e3:.3f} ms = {new['median'] / old['median']:.2f}, "
              f"overheads over 'true' {(new['median'] - bare['median']) * 1e3:.2f} / "
              f"{(old['median'] - bare['median']) * 1e3:.2f} ms")
PY
echo "  load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

echo "== 1b. the same command timed by hyperfine and by hmlcost ('sleep 0.05', 30 runs each)"
hyperfine -N --style none --warmup 3 --runs 30 --export-json "$tmp/hf_sleep.json" 'sleep 0.05' >/dev/null 2>&1
for i in $(seq 1 30); do "$hmlcost" measure --json -- sleep 0.05 2>/dev/null; done >"$tmp/sleep.jsonl"
python3 - "$tmp/hf_sleep.json" "$tmp/sleep.jsonl" <<'PY'
import json, statistics, sys
hf = json.load(open(sys.argv[1]))["results"][0]
walls = [json.loads(l)["metrics"]["wall_s"]["value"] for l in open(sys.argv[2])]
w = statistics.median(walls)
print(f"  hyperfine median {hf['median']*1e3:.3f} ms (min {hf['min']*1e3:.3f}), hmlcost wall_s median "
      f"{w*1e3:.3f} ms (min {min(walls)*1e3:.3f}): difference of medians {(w-hf['median'])*1e3:+.3f} ms, "
      f"ratio {w/hf['median']:.4f}")
PY
echo

echo "== 2. sampling cost at --interval 0.1 while watching 'sleep $sleep_s'"
"$hmlcost" measure --json -- "$hmlcost" measure --interval 0.1 -- sleep "$sleep_s" >"$tmp/sampled.json" 2>/dev/null
"$hmlcost" measure --json -- "$hmlcost" measure --interval 3600 -- sleep "$sleep_s" >"$tmp/unsampled.json" 2>/dev/null
python3 - "$tmp/sampled.json" "$tmp/unsampled.json" "$sleep_s" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["metrics"]
b = json.load(open(sys.argv[2]))["metrics"]
s = float(sys.argv[3])
cost = a["cpu_s"]["value"] - b["cpu_s"]["value"]
samples = s / 0.1
print(f"  cpu of hmlcost+sleep, sampling every 0.1 s: {a['cpu_s']['value']*1e3:.1f} ms; without samples: {b['cpu_s']['value']*1e3:.1f} ms")
print(f"  => sampling costs {cost*1e3:.1f} ms CPU over {s:g} s = {100*cost/s:.3f} % of one core "
      f"(~{cost/samples*1e6:.0f} us per sample; budget 0.5 %): {'OK' if cost/s <= 0.005 else 'OVER'}")
PY
