#!/usr/bin/env bash
# parallel-swarm.sh -- one big swarm spread over ssh hosts with GNU parallel.
#
#   ci/parallel-swarm.sh --sshloginfile HOSTS [--runs N] [--seed S] [--shards K]
#                        [--out DIR] [--hasim PATH] [-- EXTRA SWARM OPTIONS]
#
# HOSTS is GNU parallel's --sshloginfile: one ssh login a line ("user@host",
# "8/user@host", or ":" for this machine). The swarm is cut into K shards
# (default: one per line of HOSTS); each host runs one shard at a time with
# all its CPUs (hasim's --jobs defaults to them), so give K a multiple of the
# hosts to let fast hosts take more. The hasim binary is copied to every host
# once (--basefile; the hosts need libjansson and the same architecture), each
# shard's JSON comes back on the job's output, and the shards are merged with
# `hasim merge` into DIR/swarm.json: exactly the JSON of the whole swarm run on
# one machine, but for elapsed_ms, jobs and shard.
#
# Exit status: that of hasim merge: 0 no run failed, 1 a run failed (the
# replay commands are in DIR/swarm.json), 2 a shard or the merge failed.
set -uo pipefail
cd "$(dirname "$0")/.."

hosts="" runs=1000000 seed=1 shards="" out=reports hasim=build/gcc-O2/hasim
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
    --sshloginfile) hosts=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --shards) shards=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --hasim) hasim=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "parallel-swarm: unknown option '$1'" >&2; exit 2 ;;
    esac
done
[ -n "$hosts" ] && [ -f "$hosts" ] || { echo "parallel-swarm: --sshloginfile FILE is required" >&2; exit 2; }
command -v parallel >/dev/null || { echo "parallel-swarm: GNU parallel is not installed" >&2; exit 2; }
[ -x "$hasim" ] || make -s "$hasim" || exit 2
if [ -z "$shards" ]; then
    shards=$(grep -cvE '^[[:space:]]*(#|$)' "$hosts")
fi
mkdir -p "$out/shards"
rm -f "$out"/shards/shard-*.json "$out"/shards/joblog
hosts=$(realpath "$hosts")
out=$(realpath "$out")
hasim=$(realpath "$hasim")

# One shard per job; --jobs 1 per host, since hasim uses every CPU itself.
# A shard that finds failing runs exits 1: that is a result, not an error,
# so the remote command turns 1 into 0 and only 2 (or a lost host) fails.
# Every path is relative to the remote working directory (--workdir ...,
# a fresh directory parallel removes again with --cleanup).
name=$(basename "$hasim")
extra_args=$(printf ' %q' "${extra[@]+"${extra[@]}"}")
[ ${#extra[@]} -eq 0 ] && extra_args=""
# The shard's JSON (one line) comes back on the job's stdout (fd 3 inside),
# so remote and local (":") jobs work alike; the summary is dropped. A
# remote job finds the binary --basefile copied into its --workdir; a local
# one, which parallel runs in a scratch directory, takes it where it is.
cmd="H=./$name; [ -x \$H ] || H=$(printf %q "$hasim");"
cmd="$cmd \$H swarm --runs $runs --seed $seed --shard {}/$shards -q --json /dev/fd/3$extra_args 3>&1 >/dev/null;"
cmd="$cmd rc=\$?; [ \$rc -le 1 ]"
(cd "$(dirname "$hasim")" && seq 0 $((shards - 1)) |
    parallel --sshloginfile "$hosts" --jobs 1 --workdir ... --basefile "$name" --cleanup \
        --keep-order --halt never --retries 2 --joblog "$out/shards/joblog" "$cmd") \
    >"$out/shards/all.jsonl"
status=$?
awk -v dir="$out/shards" 'NF { f = sprintf("%s/shard-%d.json", dir, n++); print > f; close(f) }' \
    "$out/shards/all.jsonl"
if [ $status -ne 0 ]; then
    echo "parallel-swarm: $status shard(s) failed (see $out/shards/joblog)" >&2
    exit 2
fi
"$hasim" merge -o "$out/swarm.json" "$out"/shards/shard-*.json
rc=$?
echo "parallel-swarm: $shards shards of $runs runs (seed $seed) merged into $out/swarm.json (exit $rc)"
exit $rc
