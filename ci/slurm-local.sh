#!/usr/bin/env bash
# slurm-local.sh -- a one-node Slurm cluster on this machine, for the test of
# the Slurm recipe (tests/checks.d/60-cluster.sh) and for trying it by hand.
#
#   ci/slurm-local.sh start DIR    munged, slurmctld and slurmd, all on
#                                  loopback, everything (key, sockets, state,
#                                  logs, pid files) under DIR; prints the
#                                  SLURM_CONF to export; waits until the node
#                                  is idle
#   ci/slurm-local.sh stop DIR     stops the three daemons by the pids it
#                                  recorded (never by name), waits for them,
#                                  and fails if one is still there
#
# Debian's packages (ci/deps.sh): munge, slurmctld, slurmd, slurm-client.
# The configuration is the smallest that runs as root in a container: no
# cgroups (ProctrackType=proctrack/linuxproc, TaskPlugin=task/none), no
# accounting, the node named "localhost" whatever the hostname (slurmd -N),
# ports picked free on 127.0.0.1. Exit status 0 done, 1 it did not come up
# (the logs are printed), 2 usage or a tool missing.
set -uo pipefail

cmd=${1:-} dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2; }

stop_pid() { # pidfile name
    local f=$1 pid
    [ -f "$f" ] || return 0
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            echo "slurm-local: $2 (pid $pid) ignored TERM; KILL" >&2
            kill -KILL "$pid" 2>/dev/null
            sleep 0.5
        fi
    fi
    rm -f "$f"
    ! kill -0 "$pid" 2>/dev/null
}

if [ "$cmd" = stop ]; then
    ok=0
    stop_pid "$dir/slurmd.bgpid" slurmd || ok=1
    stop_pid "$dir/slurmctld.bgpid" slurmctld || ok=1
    stop_pid "$dir/munged.bgpid" munged || ok=1
    exit $ok
fi
[ "$cmd" = start ] || { echo "slurm-local: start or stop, not '$cmd'" >&2; exit 2; }
for t in munged slurmctld slurmd sinfo sbatch; do
    command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] ||
        { echo "slurm-local: $t is not installed (ci/deps.sh)" >&2; exit 2; }
done
export PATH=$PATH:/usr/sbin
mkdir -p "$dir/state" "$dir/spool"
dir=$(cd "$dir" && pwd)
# munged wants its socket's directory searchable by all and the key 0400.
chmod 711 "$dir"
head -c 1024 /dev/urandom >"$dir/munge.key" && chmod 400 "$dir/munge.key"

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
p1=$(free_port) p2=$(free_port)
[ "$p1" != "$p2" ] || p2=$((p1 + 1))
cat >"$dir/slurm.conf" <<CONF
ClusterName=hasim
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=$(id -un)
SlurmdUser=root
SlurmctldPort=$p1
SlurmdPort=$p2
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.sock
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=hasim Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$dir/slurm.conf

# Each daemon in the foreground of a background job: $! is its own pid.
munged -F -f --socket="$dir/munge.sock" --key-file="$dir/munge.key" --pid-file="$dir/munged.pid" \
    --log-file="$dir/munged.log" --seed-file="$dir/munged.seed" >"$dir/munged.out" 2>&1 &
echo $! >"$dir/munged.bgpid"
for _ in $(seq 1 50); do [ -S "$dir/munge.sock" ] && break; sleep 0.1; done
slurmctld -D -f "$SLURM_CONF" >"$dir/slurmctld.out" 2>&1 &
echo $! >"$dir/slurmctld.bgpid"
slurmd -D -N localhost -f "$SLURM_CONF" >"$dir/slurmd.out" 2>&1 &
echo $! >"$dir/slurmd.bgpid"
for _ in $(seq 1 150); do
    state=$(sinfo -h -N -o '%t' 2>/dev/null | head -1)
    [ "$state" = idle ] && { echo "SLURM_CONF=$SLURM_CONF"; exit 0; }
    sleep 0.2
done
echo "slurm-local: the node did not become idle in 30 s (state '${state:-?}')" >&2
tail -n 20 "$dir"/*.out "$dir"/*.log >&2 2>/dev/null
"$0" stop "$dir"
exit 1
