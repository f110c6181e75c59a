#!/bin/sh
# usage: report_output_file.sh <hmlcost>
# `report -o` writes the file it was asked to write and nothing else: never
# the store or its -wal/-shm/-journal (a store left by a killed `run`, whose
# runs are still in the -wal), never through a symlink planted beside the
# output, never by replacing a FIFO or a device with a regular file.
set -u
hmlcost=$1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# A store whose `run` was killed with SIGKILL in its 6th run: 5 runs, all in the -wal.
killed=$(cd "$(dirname "$0")" && pwd)/fixtures/killed_workload.sh
db=$tmp/k.db
COUNTER=$tmp/counter "$hmlcost" run --runs 5 --arm a --arm b --store "$db" -- "$killed" \
    >/dev/null 2>&1
[ -s "$db-wal" ] || { echo "FAIL: the killed run left no -wal"; exit 1; }
runs() { "$hmlcost" report --store "$db" --format csv 2>/dev/null | tail -n +2 | wc -l; }
[ "$(runs)" -eq 5 ] || { echo "FAIL: expected 5 stored runs, got $(runs)"; exit 1; }
before=$(cat "$db" "$db-wal" | cksum)

ln "$db" "$tmp/hardlink.db"
ln -s k.db "$tmp/symlink.db"
for out in "$db" "$db-wal" "$db-shm" "$db-journal" "$tmp/hardlink.db" "$tmp/./k.db-wal"; do
  for store in "$db" "$tmp/symlink.db"; do
    "$hmlcost" report --store "$store" -o "$out" >/dev/null 2>"$tmp/err"
    status=$?
    [ $status -eq 2 ] || fail "--store $store -o $out: exit status $status, expected 2"
    grep -q "^hmlcost: --output .*: that is the input.*; refusing to overwrite it$" "$tmp/err" ||
        fail "-o $out: $(cat "$tmp/err")"
  done
done
[ "$(cat "$db" "$db-wal" | cksum)" = "$before" ] || fail "the store or its -wal changed"
[ -e "$db-journal" ] && fail "a -journal was created"
[ "$(runs)" -eq 5 ] || fail "runs lost: $(runs) of 5 left"

# A symlink planted where the old temporary file went (OUT.tmp<pid>): the
# shell's pid is hmlcost's after exec.
printf 'someone else\n' >"$tmp/victim"
sh -c 'ln -s "$1" "$2.tmp$$"; exec "$3" report --store "$4" -o "$2"' sh \
    "$tmp/victim" "$tmp/r.txt" "$hmlcost" "$db" 2>"$tmp/err" || fail "planted symlink: $(cat "$tmp/err")"
[ "$(cat "$tmp/victim")" = "someone else" ] || fail "the file behind a planted symlink was overwritten"
grep -q '^hmlcost report: experiment 1' "$tmp/r.txt" || fail "the report was not written"
[ "$(ls "$tmp" | grep -c 'r.txt.tmp')" -eq 1 ] || fail "temporary files left: $(ls "$tmp")"

# Output through a symlink: its target is written, the link stays.
printf 'old\n' >"$tmp/real.txt"
ln -s real.txt "$tmp/link.txt"
"$hmlcost" report --store "$db" -o "$tmp/link.txt" 2>"$tmp/err" || fail "via a symlink: $(cat "$tmp/err")"
[ -L "$tmp/link.txt" ] || fail "the symlink was replaced by a file"
grep -q '^hmlcost report: experiment 1' "$tmp/real.txt" || fail "the symlink's target was not written"

# A FIFO is written, not replaced.
mkfifo "$tmp/fifo"
timeout 30 cat "$tmp/fifo" >"$tmp/from_fifo" &
reader=$!
timeout 30 "$hmlcost" report --store "$db" -o "$tmp/fifo" 2>"$tmp/err" || fail "-o FIFO: $(cat "$tmp/err")"
[ -p "$tmp/fifo" ] || { fail "the FIFO was replaced by a regular file"; kill "$reader" 2>/dev/null; }
wait "$reader"
grep -q '^hmlcost report: experiment 1' "$tmp/from_fifo" || fail "nothing came through the FIFO"

# stdout through its /proc link (what /dev/stdout is), a pipe and a file.
ln -s /proc/self/fd/1 "$tmp/stdout"
"$hmlcost" report --store "$db" -o "$tmp/stdout" 2>"$tmp/err" | cat >"$tmp/piped" ||
    fail "-o stdout (a pipe): $(cat "$tmp/err")"
grep -q '^hmlcost report: experiment 1' "$tmp/piped" || fail "nothing came through the pipe"
[ -L "$tmp/stdout" ] || fail "the stdout link was replaced"

# A character device (a copy of /dev/null, where mknod is allowed).
if mknod "$tmp/null" c 1 3 2>/dev/null; then
    "$hmlcost" report --store "$db" -o "$tmp/null" 2>"$tmp/err" || fail "-o null: $(cat "$tmp/err")"
    [ -c "$tmp/null" ] || fail "the device node was replaced by a regular file"
else
    echo "skip: mknod not allowed here (the device case)"
fi

"$hmlcost" report --store "$db" -o "$tmp" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "^hmlcost: --output $tmp: is a directory$" "$tmp/err" ||
    fail "-o a directory: $(cat "$tmp/err")"

"$hmlcost" report --store "$db" -o "$tmp/no/such/dir/r.txt" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
    grep -q "^hmlcost: --output $tmp/no/such/dir/r.txt: No such file or directory$" "$tmp/err" ||
    fail "-o in a missing directory: $(cat "$tmp/err")"

[ "$(runs)" -eq 5 ] || fail "runs lost: $(runs) of 5 left"
[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "report -o wrote only what it was asked to"
