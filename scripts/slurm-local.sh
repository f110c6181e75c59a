#!/bin/sh
# usage: scripts/slurm-local.sh start|stop|status|env
# A one-node Slurm on this machine, for trying campaigns and for the tests:
# munged, slurmctld and slurmd from Debian's packages (slurm-wlm, munge),
# listening on the loopback only, with every file (configuration, key,
# state, spool, logs, PID files) under one directory:
#   $HMLCOST_SLURM_DIR (default /tmp/hmlcost-slurm-UID)
# Ports: $HMLCOST_SLURM_PORT (slurmctld, default 16817) and the next one
# (slurmd). Processes that cannot use cgroups here are tracked through /proc
# (proctrack/linuxproc, task/none). The daemons are stopped by the PIDs they
# wrote, never by name. After start, point Slurm's commands at it with
#   eval "$(scripts/slurm-local.sh env)"
set -eu

dir=${HMLCOST_SLURM_DIR:-/tmp/hmlcost-slurm-$(id -u)}
port=${HMLCOST_SLURM_PORT:-16817}
node=hmlcost-local
conf=$dir/slurm.conf

die() { echo "slurm-local: $*" >&2; exit 2; }

need() {
    for prog in munged slurmctld slurmd sinfo; do
        command -v "$prog" >/dev/null 2>&1 || [ -x "/usr/sbin/$prog" ] ||
            die "'$prog' not found: install Debian's slurm-wlm and munge (scripts/deps.sh slurm)"
    done
}

sbin() { if command -v "$1" >/dev/null 2>&1; then command -v "$1"; else echo "/usr/sbin/$1"; fi; }

# The PID in a PID file when that process is alive, else nothing.
alive_pid() {
    [ -s "$1" ] || return 1
    pid=$(cat "$1" 2>/dev/null) || return 1
    case "$pid" in ''|*[!0-9]*) return 1 ;; esac
    kill -0 "$pid" 2>/dev/null || return 1
    echo "$pid"
}

write_conf() {
    cpus=$(nproc)
    mem_mb=$(awk '/MemTotal/ { print int($2 / 1024 * 0.8) }' /proc/meminfo)
    cat > "$conf" <<EOF
ClusterName=hmlcost-local
SlurmctldHost=$(hostname -s)(127.0.0.1)
MailProg=/bin/true
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=$(id -un)
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# Slow polling keeps the daemons' CPU use small on a shared machine.
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
MinJobAge=300
NodeName=$node NodeAddr=127.0.0.1 NodeHostname=$(hostname) CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
}

wait_for() { # seconds, then a command that succeeds when ready
    tries=$(( $1 * 5 )); shift
    while [ "$tries" -gt 0 ]; do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.2
        tries=$((tries - 1))
    done
    return 1
}

node_up() { timeout 5 sinfo -h -N -n "$node" -o '%T' | grep -Eq '^(idle|mixed|allocated)'; }

start() {
    need
    mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
    chmod 700 "$dir" "$dir/munge"
    export SLURM_CONF="$conf"
    if [ ! -s "$dir/munge/munge.key" ]; then
        dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 2>/dev/null
        chmod 400 "$dir/munge/munge.key"
    fi
    write_conf
    if ! alive_pid "$dir/munge/munged.pid" >/dev/null; then
        "$(sbin munged)" --force --key-file="$dir/munge/munge.key" \
            --socket="$dir/munge/munge.socket" --pid-file="$dir/munge/munged.pid" \
            --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munge.seed" --num-threads=2 ||
            die "munged did not start; see $dir/log/munged.log"
    fi
    if ! alive_pid "$dir/slurmctld.pid" >/dev/null; then
        "$(sbin slurmctld)" -f "$conf" -c ||
            die "slurmctld did not start; see $dir/log/slurmctld.log"
    fi
    if ! alive_pid "$dir/slurmd.pid" >/dev/null; then
        "$(sbin slurmd)" -f "$conf" -N "$node" ||
            die "slurmd did not start; see $dir/log/slurmd.log"
    fi
    if ! alive_pid "$dir/slurmctld.pid" >/dev/null; then
        die "slurmctld exited; see $dir/log/slurmctld.log"
    fi
    if ! wait_for 30 node_up; then
        die "node $node not up after 30 s; see $dir/log/slurmctld.log and slurmd.log"
    fi
    echo "slurm-local: up in $dir (slurmctld port $port); eval \"\$($0 env)\" to use it" >&2
}

stop() {
    # slurmd first (it kills its jobs' steps), then the controller, then munge.
    for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
        pid=$(alive_pid "$pidfile") || { rm -f "$pidfile"; continue; }
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_for 15 sh -c "! kill -0 $pid"; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
        rm -f "$pidfile"
    done
    # A job step's slurmstepd can outlive slurmd: end those that run with
    # our configuration (and so the jobs under them), and no one else's.
    for pid in $(pgrep -x slurmstepd 2>/dev/null || true); do
        if tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qx "SLURM_CONF=$conf"; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    echo "slurm-local: stopped ($dir)" >&2
}

status() {
    rc=0
    for pair in "munged:$dir/munge/munged.pid" "slurmctld:$dir/slurmctld.pid" "slurmd:$dir/slurmd.pid"; do
        name=${pair%%:*}
        if pid=$(alive_pid "${pair#*:}"); then
            echo "$name: running (pid $pid)"
        else
            echo "$name: not running"
            rc=1
        fi
    done
    return $rc
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    env) echo "export SLURM_CONF='$conf'" ;;
    *) echo "usage: scripts/slurm-local.sh start|stop|status|env" >&2; exit 2 ;;
esac
