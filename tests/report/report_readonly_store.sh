#!/bin/sh
# usage: report_readonly_store.sh <hmlcost>
# `report` only reads: it reads a store it may not write (read-only
# directory and files, another user's: as root the reader drops to
# 'nobody'), a store whose writer was killed (runs still in its -wal), a
# store being written, and leaves no -wal or -shm beside a closed store.
set -u
hmlcost=$1
tmp=$(mktemp -d) || exit 1
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# as_reader CMD...: runs CMD as a user that may not write what we made.
if [ "$(id -u)" -eq 0 ]; then
    if ! runuser -u nobody -- true 2>/dev/null; then
        echo "skip: root, and cannot run as 'nobody' (runuser)"
        exit 77
    fi
    as_reader() { runuser -u nobody -- "$@"; }
else
    as_reader() { "$@"; }
fi
runs_in() { "$@" --format csv 2>/dev/null | tail -n +2 | wc -l; }

killed=$(cd "$(dirname "$0")" && pwd)/fixtures/killed_workload.sh

# A cleanly closed store: read, and nothing left beside it.
mkdir "$tmp/clean"
"$hmlcost" run --runs 2 --arm a --arm b --store "$tmp/clean/s.db" -- true >/dev/null 2>&1 ||
    { echo "FAIL: could not make a store"; exit 1; }
before=$(cksum <"$tmp/clean/s.db")
[ "$(runs_in "$hmlcost" report --store "$tmp/clean/s.db")" -eq 4 ] || fail "clean store: not 4 runs"
[ "$(ls "$tmp/clean")" = "s.db" ] || fail "left beside a closed store: $(ls "$tmp/clean" | tr '\n' ' ')"
[ "$(cksum <"$tmp/clean/s.db")" = "$before" ] || fail "the report changed the store"

# The same store, read-only (file and directory), read by another user.
rm -f "$tmp/clean/s.db-wal" "$tmp/clean/s.db-shm"
chmod 444 "$tmp/clean/s.db"
chmod 555 "$tmp/clean"
as_reader "$hmlcost" report --store "$tmp/clean/s.db" >"$tmp/out" 2>"$tmp/err" ||
    fail "read-only store: $(cat "$tmp/err")"
grep -q ' 2 arms, 4 runs (4 successful)' "$tmp/out" || fail "read-only store: $(cat "$tmp/out")"
[ "$(ls "$tmp/clean")" = "s.db" ] || fail "left beside a read-only store: $(ls "$tmp/clean")"

# A store whose `run` was killed: its 5 runs are in the -wal, read as they are.
mkdir "$tmp/killed"
COUNTER=$tmp/counter "$hmlcost" run --runs 5 --arm a --arm b --store "$tmp/killed/k.db" \
    -- "$killed" >/dev/null 2>&1
[ -s "$tmp/killed/k.db-wal" ] || { echo "FAIL: the killed run left no -wal"; exit 1; }
chmod 444 "$tmp/killed"/*
chmod 555 "$tmp/killed"
# (the -shm is SQLite's index of the -wal, rebuilt by a reader: not compared)
before=$(cat "$tmp/killed/k.db" "$tmp/killed/k.db-wal" | cksum)
[ "$(runs_in as_reader "$hmlcost" report --store "$tmp/killed/k.db")" -eq 5 ] ||
    fail "killed writer, read-only: not 5 runs ($(as_reader "$hmlcost" report --store "$tmp/killed/k.db" 2>&1 | head -3))"
chmod 755 "$tmp/killed"
chmod 644 "$tmp/killed"/*
[ "$(runs_in "$hmlcost" report --store "$tmp/killed/k.db")" -eq 5 ] || fail "killed writer: not 5 runs"
[ "$(cat "$tmp/killed/k.db" "$tmp/killed/k.db-wal" | cksum)" = "$before" ] || fail "the killed writer's store or -wal changed"

# A store being written: read meanwhile, the writer unharmed, nothing left after.
mkdir "$tmp/live"
"$hmlcost" run --runs 4 --arm a --arm b --store "$tmp/live/l.db" -- sh -c 'sleep 0.2' \
    >/dev/null 2>&1 &
writer=$!
tries=0
until "$hmlcost" report --store "$tmp/live/l.db" --min-runs 2 >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ $tries -lt 100 ] || { fail "the store being written could not be read"; break; }
    sleep 0.1
done
wait $writer || fail "the writer failed while a report read"
[ "$(runs_in "$hmlcost" report --store "$tmp/live/l.db")" -eq 8 ] || fail "live store: not 8 runs"
[ "$(ls "$tmp/live")" = "l.db" ] || fail "left beside the store after writing: $(ls "$tmp/live")"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "report read every store and left nothing behind"
