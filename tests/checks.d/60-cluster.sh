#!/usr/bin/env bash
# make check: the swarm on real cluster engines, on this machine.
#
#  1. A one-node Slurm cluster started here (ci/slurm-local.sh: munged,
#     slurmctld, slurmd on loopback), the swarm as an `sbatch --array` job,
#     one shard per task, merged by a dependent job (ci/slurm-swarm.sh).
#  2. The GNU parallel recipe (ci/parallel-swarm.sh) with `--sshlogin :`
#     (this machine as the one "host").
#  Both must give the JSON of the same swarm run in one process, byte for
#  byte but for elapsed_ms, jobs and shard. The cluster is stopped by pid at
#  the end (also on failure), and nothing of it may be left running.
#  3. The recipes that cannot run here stay recipes: the Kubernetes Indexed
#     Job and the GitHub Actions matrix are parsed and checked against a
#     schema of the fields the recipes rely on (yamllint, python3-jsonschema).
# Prints "cluster: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
H=build/gcc-O2/hasim
RUNS=${CLUSTER_RUNS:-6000} SEED=${CLUSTER_SEED:-11} SHARDS=4
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "cluster: ok: $*"; }
bad() { failed=$((failed + 1)); echo "cluster: FAILED: $*"; }
work=$(mktemp -d "${TMPDIR:-/tmp}/hasim-cluster.XXXXXX")
cleanup() {
    [ -f "$work/slurm/slurm.conf" ] && bash ci/slurm-local.sh stop "$work/slurm" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
strip() { sed -e 's/"elapsed_ms":[0-9]*//' -e 's/"jobs":[0-9]*//' -e 's/"shard":"[0-9]*\/[0-9]*"//' "$1"; }
same() { # what file
    if [ -s "$2" ] && cmp -s <(strip "$work/whole.json") <(strip "$2"); then
        ok "$1: the merged JSON is the single-machine swarm's (but for timing, jobs, shard)"
    else
        bad "$1: $2 differs from the single-machine swarm's JSON"
        [ -s "$2" ] && diff <(strip "$work/whole.json" | tr ',' '\n') <(strip "$2" | tr ',' '\n') | head -10
    fi
}

[ -x "$H" ] || make -s "$H" || exit 2
"$H" swarm --runs "$RUNS" --seed "$SEED" --jobs 2 -q --json "$work/whole.json" >/dev/null
[ $? -le 1 ] || bad "the single-machine swarm failed"

# ---- 1. Slurm ------------------------------------------------------------
if out=$(bash ci/slurm-local.sh start "$work/slurm" 2>&1); then
    ok "one-node Slurm cluster up (slurm $(dpkg-query -W -f='${Version}' slurmctld 2>/dev/null), SLURM_CONF in $work/slurm)"
    export SLURM_CONF=$work/slurm/slurm.conf
    t0=$(date +%s%N)
    if bash ci/slurm-swarm.sh --runs "$RUNS" --seed "$SEED" --shards "$SHARDS" --out "$work/slurm-out" >"$work/slurm-swarm.log" 2>&1 ||
       [ $? -eq 1 ]; then
        echo "cluster: sbatch --array=0-$((SHARDS - 1)) + merge job: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
        same "Slurm job array ($SHARDS tasks, hasim merge job)" "$work/slurm-out/swarm.json"
    else
        bad "ci/slurm-swarm.sh: $(tail -5 "$work/slurm-swarm.log" | tr '\n' ' ')"
    fi
    pids=$(cat "$work"/slurm/*.bgpid 2>/dev/null)
    if bash ci/slurm-local.sh stop "$work/slurm"; then
        left=""
        for p in $pids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
        # Job steps (slurmstepd) or shards still running would name the work dir.
        strays=$(ps -eo pid=,args= | grep -F "$work" | grep -v grep | grep -v "$$" || true)
        if [ -z "$left" ] && [ -z "$strays" ]; then
            ok "the cluster stopped by pid: nothing of it left running"
        else
            bad "left running after stop: pids$left $strays"
        fi
    else
        bad "ci/slurm-local.sh stop: a daemon would not stop"
    fi
    rm -f "$work/slurm/slurm.conf"
else
    bad "a one-node Slurm cluster would not start: $(printf '%s\n' "$out" | tail -8 | tr '\n' ' ')"
fi

# ---- 2. GNU parallel -----------------------------------------------------
if command -v parallel >/dev/null; then
    printf ':\n' >"$work/sshlogins"
    if bash ci/parallel-swarm.sh --sshloginfile "$work/sshlogins" --runs "$RUNS" --seed "$SEED" \
            --shards "$SHARDS" --out "$work/parallel-out" >"$work/parallel.log" 2>&1 || [ $? -eq 1 ]; then
        same "GNU parallel --sshloginfile ':' ($SHARDS shards)" "$work/parallel-out/swarm.json"
    else
        bad "ci/parallel-swarm.sh: $(tail -5 "$work/parallel.log" | tr '\n' ' ')"
    fi
else
    bad "GNU parallel is not installed (ci/deps.sh)"
fi

# ---- 3. the recipes that stay recipes -----------------------------------
if /usr/bin/python3 tools/recipes_check.py ci/k8s-swarm-job.yaml .github/workflows/hasim.yml >"$work/recipes.log" 2>&1; then
    ok "$(tail -1 "$work/recipes.log")"
else
    bad "recipes: $(tail -5 "$work/recipes.log" | tr '\n' ' ')"
fi

echo "cluster: $passed passed, $failed failed"
[ $failed -eq 0 ]
