#!/bin/sh
# usage: dev/compare-cli.sh OLD-HMLCOST NEW-HMLCOST
# Runs two builds of hmlcost on the same cases of report, measure, doctor and
# lint, each in a directory of its own holding the same files, and compares
# stdout, stderr, the exit status and any file a case wrote, byte for byte.
# Cases marked ~ measure time or energy: their digits are masked before the
# comparison; in every case the doctor's measured GFLOP/s are masked.
# Prints one line per case that differs; exit status 1 if any.
set -u
old=$(realpath "$1") new=$(realpath "$2")
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
for side in old new; do
  mkdir -p "$tmp/$side/cache"
  cp "$src"/tests/report/fixtures/*.csv "$tmp/$side/"
  cp -r "$src/tests/lint/corpus" "$tmp/$side/corpus"
  printf 'x = 1\n' > "$tmp/$side/locked.py" && chmod 000 "$tmp/$side/locked.py"
done
# one store of two arms on this host, read by both
(cd "$tmp/old" && "$old" run --runs 3 --arm a --arm 'b:X=1' --name cmp -- true \
    >/dev/null 2>&1 && cp hmlcost.db ../new/) || { echo "cannot make the store"; exit 1; }
host=$(hostname)
long=$(printf '%02000d' 7)
cases=0 differ=0

mask_gflops() { sed -E 's/[0-9.]+( GFLOP\/s|x\))/N\1/g'; }
mask_digits() { sed -E 's/[0-9]+/N/g'; }

# case [~] ARGS...: runs both binaries with ARGS in their directories.
case_() {
  mask=mask_gflops
  if [ "$1" = "~" ]; then mask=mask_digits; shift; fi
  cases=$((cases + 1))
  for side in old new; do
    bin=$old; [ $side = new ] && bin=$new
    d=$tmp/$side
    rm -f "$d/out.txt"
    (cd "$d" && XDG_CACHE_HOME=$d/cache HOME=$d timeout 120 "$bin" "$@" \
        >"$d/stdout" 2>"$d/stderr" </dev/null; echo $? >"$d/status")
    for f in stdout stderr; do $mask <"$d/$f" >"$d/$f.m"; done
    [ -f "$d/out.txt" ] && $mask <"$d/out.txt" >"$d/out.m" || : >"$d/out.m"
  done
  for f in status stdout.m stderr.m out.m; do
    if ! cmp -s "$tmp/old/$f" "$tmp/new/$f"; then
      differ=$((differ + 1))
      echo "DIFFERS ($f): $*"
      diff "$tmp/old/$f" "$tmp/new/$f" | head -5
      break
    fi
  done
}

# report: every format, the statistics options, the source and output errors
case_ report --help
case_ report --input study.csv
for f in markdown csv json html md; do case_ report --input study.csv --format $f; done
case_ report --input codecarbon.csv --arm-column project_name --baseline baseline
case_ report --input unconfirmed.csv --min-runs 2
case_ report --input unconfirmed.csv --min-runs 2 --min-cost 20%
case_ report --input study.csv --alpha 0.01 --seed 7 --resamples 2000 --stability-resamples 0
case_ report --input study.csv --alpha=0.01 --acc-margin 2 --min-cost 'memory=5%,wall_s=3%'
case_ report --input study.csv --alp 0.01 --stab 10
for bad in "--alpha 0.6" "--alpha x" "--min-runs 1" "--resamples 999" "--seed -1" \
           "--seed 4294967296" "--acc-margin 0" "--acc-margin x" "--min-cost memory=lots" \
           "--stability-resamples 1000001" "--format xml" "--alpha" "--bogus" "--node="; do
  # shellcheck disable=SC2086
  case_ report --input study.csv $bad
done
case_ report --input study.csv extra
case_ report --input study.csv --store x.db
case_ report --input study.csv --experiment 1
case_ report --input study.csv --run 3
case_ report --arm-column arm
case_ report --baseline a --store hmlcost.db
case_ report --input study.csv --node some-host
case_ report --input nonexistent.csv
case_ report --input malformed.csv
case_ report --input bad_number.csv
case_ report --input header_only.csv
case_ report --input study.csv -o out.txt
case_ report --input study.csv --format csv --output=out.txt
case_ report --input study.csv -o study.csv
case_ report --input study.csv -o -
case_ report --help --experiment x
case_ report --experiment x --help
case_ report --experiment x
case_ report --experiment 0
case_ report --experiment 1
case_ report --experiment 99
case_ report --experiment 1 --input study.csv
case_ report --store none.db
case_ report --store hmlcost.db --min-runs 2 --format json
case_ report --store hmlcost.db --min-runs 2 --node "$host"
case_ report --store hmlcost.db --node nowhere
case_ report --store hmlcost.db --format html --run 1 -o out.txt
case_ report --store hmlcost.db -o hmlcost.db-wal
case_ report --store hmlcost.db --format csv -o out.txt

# measure: options, usage errors, how the command ended, each output
case_ measure --help
case_ measure
case_ measure --json --csv -- true
case_ measure --timeout 0 -- true
case_ measure --timeout
case_ measure --bogus -- true
case_ measure --accounting nope -- true
case_ measure --country XX -- true
case_ measure --interval 0 -- true
case_ measure -- /nonexistent/command
case_ measure -- ''
case_ ~ measure -- true
case_ ~ measure -- false
case_ ~ measure --shell -- 'exit 3'
case_ ~ measure --shell 'echo $0 | tr a-z A-Z; exit 5'
case_ ~ measure -- sh -c 'kill -9 $$'
case_ ~ measure --timeout 0.3 -- sleep 5
case_ ~ measure --quiet -- echo hidden
case_ ~ measure --csv -- true
case_ ~ measure --json --interval 0.05 -- sleep 0.2
case_ ~ measure --json --shell -- 'printf "%s\n" "{\"accuracy\": 0.5}" >&${HMLCOST_RESULT_FD:-1}'

# doctor: options and usage errors on a described host, text and JSON, a probe
export HMLCOST_HOST_FILE="$src/tests/hosts/epyc-zen5-vm.ini"
case_ doctor --help
case_ doctor --fail-on loud
case_ doctor --fail-on
case_ doctor --fail-on=
case_ doctor --workload ''
case_ doctor --workload
case_ doctor --workload true -- --epochs 1
case_ doctor --batch 3
case_ doctor -- --batch x
case_ doctor -- --batch "$long"
case_ doctor -- --threads 0
case_ doctor --probe-seconds 0
case_ doctor --probe-seconds
case_ doctor
case_ doctor --json
case_ doctor --fail-on error
case_ doctor --fail-on=info -- --batch 4096 --threads 9 --model-builds 3
case_ doctor --json -- --batch 64 --device cuda
case_ doctor --workload 'python3 train.py --batch {batch}'
case_ doctor --workload='python3 train.py' --json
case_ ~ doctor --probe --probe-seconds 3 --workload 'true {batch} {threads}'
case_ ~ doctor --workload 'true {batch} {threads}'
case_ ~ doctor --json --workload 'true {batch} {threads}'
HMLCOST_HOST_FILE="$src/tests/hosts/no-such.ini" case_ doctor
HMLCOST_HOST_FILE=$src/tests/hosts/gpu-node.ini case_ doctor --json -- --device cuda
unset HMLCOST_HOST_FILE
case_ doctor --fail-on error

# lint: options, formats, the host overrides, unreadable and missing paths
export HMLCOST_HOST_FILE="$src/tests/hosts/epyc-zen5-vm.ini"
case_ lint --help
case_ lint
case_ lint --format xml corpus
case_ lint --cpus 0 corpus
case_ lint --max-batch x corpus
case_ lint --runs 1 corpus
case_ lint --bogus corpus
case_ lint --format
for f in text json sarif; do case_ lint --format $f corpus; done
case_ lint --cpus 64 --max-batch 64 corpus
case_ lint --format=json --cpus 1 corpus
case_ lint --format sarif --max-batch 100000 corpus
case_ lint corpus/clean
case_ lint nonexistent.py
case_ lint locked.py
case_ lint locked.py corpus/clean
unset HMLCOST_HOST_FILE
case_ lint corpus

echo "$cases cases, $differ differ"
[ $differ -eq 0 ]
