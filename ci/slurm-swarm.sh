#!/usr/bin/env bash
# slurm-swarm.sh -- one big swarm as a Slurm job array: one shard per array
# task, then `hasim merge` in a job that waits for all of them.
#
#   ci/slurm-swarm.sh [--runs N] [--seed S] [--shards K] [--out DIR]
#                     [--hasim PATH] [--partition P] [-- EXTRA SWARM OPTIONS]
#
# Task i of `sbatch --array=0-(K-1)` runs `hasim swarm --shard i/K` with the
# CPUs Slurm gave it (--cpus-per-task, default 1) and writes
# DIR/shards/shard-i.json; the merge job (--dependency=afterany on the array)
# writes DIR/swarm.json with `hasim merge`: exactly the JSON of the whole
# swarm run on one machine but for elapsed_ms, jobs and shard. The script
# submits both and waits (sbatch --wait) for the merge. DIR and the hasim
# binary must be on a file system every node sees (a one-node cluster:
# anywhere). SLURM_CONF and the usual Slurm environment apply.
#
# Exit status: the merge's: 0 no run failed, 1 a run failed (the replay
# commands are in DIR/swarm.json), 2 a shard, the merge or sbatch failed.
set -uo pipefail
cd "$(dirname "$0")/.."

runs=1000000 seed=1 shards=4 out=reports/slurm hasim=build/gcc-O2/hasim cpus=1 partition=""
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) runs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --shards) shards=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --hasim) hasim=$2; shift 2 ;;
    --cpus-per-task) cpus=$2; shift 2 ;;
    --partition) partition=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "slurm-swarm: unknown option '$1'" >&2; exit 2 ;;
    esac
done
command -v sbatch >/dev/null || { echo "slurm-swarm: sbatch is not installed" >&2; exit 2; }
[ -x "$hasim" ] || make -s "$hasim" || exit 2
mkdir -p "$out/shards"
rm -f "$out"/shards/shard-*.json "$out"/shards/*.log "$out/swarm.json"
out=$(realpath "$out")
hasim=$(realpath "$hasim")
part=()
[ -n "$partition" ] && part=(--partition "$partition")
extra_args=$(printf ' %q' "${extra[@]+"${extra[@]}"}")
[ ${#extra[@]} -eq 0 ] && extra_args=""

# A shard that finds failing runs exits 1: a result, not an error; only 2
# (or a crash) fails the task.
jid=$(sbatch --parsable "${part[@]}" --job-name hasim-swarm --array "0-$((shards - 1))" \
        --cpus-per-task "$cpus" --output "$out/shards/task-%a.log" --chdir "$out" \
        --wrap "$(printf %q "$hasim") swarm --runs $runs --seed $seed --shard \$SLURM_ARRAY_TASK_ID/$shards --jobs $cpus -q --json shards/shard-\$SLURM_ARRAY_TASK_ID.json$extra_args; rc=\$?; [ \$rc -le 1 ]") ||
    { echo "slurm-swarm: sbatch of the array failed" >&2; exit 2; }
jid=${jid%%;*}
echo "slurm-swarm: array job $jid, $shards tasks of $runs runs (seed $seed)"
files=$(for i in $(seq 0 $((shards - 1))); do printf ' shards/shard-%d.json' "$i"; done)
sbatch --parsable --wait "${part[@]}" --job-name hasim-merge --dependency "afterany:$jid" \
    --output "$out/shards/merge.log" --chdir "$out" \
    --wrap "$(printf %q "$hasim") merge -o swarm.json$files; echo \$? > shards/merge.rc" >/dev/null
rc=$(cat "$out/shards/merge.rc" 2>/dev/null || echo 2)
[ "$rc" -le 1 ] || { echo "slurm-swarm: merge failed (exit $rc):" >&2; cat "$out/shards/merge.log" >&2; }
echo "slurm-swarm: merged into $out/swarm.json (exit $rc)"
exit "$rc"
