#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, for `ansatz batch --slurm` and its tests:
# munge + slurmctld + slurmd on localhost, no systemd, no cgroups, no accounting; run as root.
#
#   bash scripts/slurm-local.sh up      # installs slurm-wlm if missing; idempotent
#   bash scripts/slurm-local.sh down    # stops the daemons (cancelling jobs first)
#   bash scripts/slurm-local.sh env     # prints `export SLURM_CONF=...`
#
# Then: export SLURM_CONF=$ANSATZ_SLURM_PREFIX/etc/slurm.conf (what `env` prints).
# Env: ANSATZ_SLURM_PREFIX (default /tmp/ansatz-slurm), ANSATZ_SLURM_CPUS (default nproc),
#      ANSATZ_SLURM_PORT (slurmctld; slurmd uses the next one; default 6917, away from a
#      system SLURM's 6817).
set -euo pipefail
PREFIX=${ANSATZ_SLURM_PREFIX:-/tmp/ansatz-slurm}
CPUS=${ANSATZ_SLURM_CPUS:-$(nproc)}
PORT=${ANSATZ_SLURM_PORT:-6917}
NODE=$(hostname -s)
CONF=$PREFIX/etc/slurm.conf
SOCKET=$PREFIX/munge/munge.socket.2
export SLURM_CONF=$CONF

say() { echo "[slurm-local] $*" >&2; }

# alive PID NAME: the process exists and is NAME (not a reused pid, not a zombie)
alive() {
    [ -n "$1" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] \
        && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# running PIDFILE NAME: the process recorded in PIDFILE is alive
running() { [ -s "$1" ] && alive "$(cat "$1")" "$2"; }

node_state() { timeout 10 sinfo -h -n "$NODE" -o %T 2>/dev/null || true; }

healthy() {
    [ -f "$CONF" ] && running "$PREFIX/munge/munged.pid" munged \
        && running "$PREFIX/run/slurmctld.pid" slurmctld \
        && running "$PREFIX/run/slurmd.pid" slurmd \
        && node_state | grep -qE '^(idle|mixed|allocated|completing)'
}

# stop PID NAME: TERM, then KILL after 10 s
stop() {
    alive "$1" "$2" || return 0
    kill -TERM "$1" 2>/dev/null || true
    for _ in $(seq 40); do alive "$1" "$2" || return 0; sleep 0.25; done
    say "$2 ($1) ignored TERM; killing it"
    kill -KILL "$1" 2>/dev/null || true
}

down() {
    # The pids first: slurmctld removes its pid file as it shuts down.
    local ctld="" slurmd="" munged=""
    running "$PREFIX/run/slurmctld.pid" slurmctld && ctld=$(cat "$PREFIX/run/slurmctld.pid")
    running "$PREFIX/run/slurmd.pid" slurmd && slurmd=$(cat "$PREFIX/run/slurmd.pid")
    running "$PREFIX/munge/munged.pid" munged && munged=$(cat "$PREFIX/munge/munged.pid")
    if [ -n "$ctld" ]; then
        timeout 10 scancel --partition=debug >/dev/null 2>&1 || true
        for _ in $(seq 40); do
            [ -z "$(timeout 5 squeue -h -o %i 2>/dev/null)" ] && break
            sleep 0.25
        done
        timeout 10 scontrol shutdown >/dev/null 2>&1 || true
    fi
    stop "$slurmd" slurmd
    stop "$ctld" slurmctld
    stop "$munged" munged
    rm -f "$PREFIX"/run/*.pid "$PREFIX"/munge/munged.pid
}

up() {
    [ "$(id -u)" = 0 ] || { say "must run as root (the daemons run as root here)"; exit 1; }
    if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
        say "installing slurm-wlm (and munge)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -q --no-install-recommends slurm-wlm munge >/dev/null \
            || { apt-get update -q >/dev/null \
                 && apt-get install -y -q --no-install-recommends slurm-wlm munge >/dev/null; }
    fi
    if healthy; then
        say "already up ($CONF)"
        return 0
    fi
    down >/dev/null 2>&1 || true
    rm -rf "$PREFIX"/{state,spool,run,munge}
    mkdir -p "$PREFIX"/{etc,state,spool,run,log,munge}
    chmod 755 "$PREFIX" "$PREFIX/munge" # munged refuses a socket directory others can write

    dd if=/dev/urandom of="$PREFIX/munge/munge.key" bs=1024 count=1 status=none
    chmod 400 "$PREFIX/munge/munge.key"
    munged --socket="$SOCKET" --key-file="$PREFIX/munge/munge.key" \
        --pid-file="$PREFIX/munge/munged.pid" --seed-file="$PREFIX/munge/munged.seed" \
        --log-file="$PREFIX/log/munged.log" </dev/null >/dev/null 2>>"$PREFIX/log/start.log"
    munge -S "$SOCKET" -n | unmunge -S "$SOCKET" >/dev/null \
        || { say "munge does not work; see $PREFIX/log"; exit 1; }

    # Declaring more memory than slurmd finds drains the node: declare 90% of it.
    local mem
    mem=$(slurmd -C 2>/dev/null | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -1)
    mem=$(( ${mem:-2000} * 9 / 10 ))
    cat >"$CONF" <<EOF
# Single-node SLURM written by ansatz scripts/slurm-local.sh; the daemons run as root.
ClusterName=ansatz
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCKET
StateSaveLocation=$PREFIX/state
SlurmdSpoolDir=$PREFIX/spool
SlurmctldPidFile=$PREFIX/run/slurmctld.pid
SlurmdPidFile=$PREFIX/run/slurmd.pid
SlurmctldLogFile=$PREFIX/log/slurmctld.log
SlurmdLogFile=$PREFIX/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
MinJobAge=300
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
    # -c: no saved state. Both daemonize; stdio away from the caller's pipes.
    slurmctld -c </dev/null >/dev/null 2>>"$PREFIX/log/start.log"
    slurmd -N "$NODE" </dev/null >/dev/null 2>>"$PREFIX/log/start.log"
    local state
    for _ in $(seq 120); do
        state=$(node_state)
        case "$state" in
            idle* | mixed* | allocated*) say "up: node $NODE ($CPUS CPUs), $CONF"; return 0 ;;
            down* | drain*) scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 || true ;;
        esac
        sleep 0.5
    done
    say "the node did not become ready (state '$state'); the logs:"
    tail -n 20 "$PREFIX"/log/*.log >&2
    exit 1
}

case "${1:-}" in
    up) up ;;
    down) down; say "down" ;;
    env) echo "export SLURM_CONF=$CONF" ;;
    *) echo "usage: $0 up | down | env" >&2; exit 2 ;;
esac
