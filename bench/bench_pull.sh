#!/usr/bin/env bash
# bench_pull.sh -- should the core queue its commands for the driver to
# drain (a pull model, as quinn-proto's poll_transmit) instead of calling the
# driver back? docs/architecture.md gives the decision; this is its
# measurement (make bench runs it).
#
# Builds hasim twice from the same sources and flags, once as it is and once
# with -DSIM_DRV_PULL (drive/driver.c copies every command, with the names it
# points to, and dispatches it after ha_center_input() returned). Then:
#   1. both must write byte-identical traces: the library and a fixed swarm
#      (tools/fingerprints.sh); a difference fails the benchmark;
#   2. wall time of a one-worker swarm, both builds alternating, REPS times;
#      the median of each and their ratio.
# Writes reports/bench-pull.json.
set -uo pipefail
cd "$(dirname "$0")/.."
RUNS=${PULL_RUNS:-20000}
REPS=${PULL_REPS:-5}
out=build/bench-pull
mkdir -p "$out" reports
srcs=$(ls sim/*/*.c | grep -v '^sim/runtime/')
flags="-std=c11 -O2 -g -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -Isim -Isrc"
# shellcheck disable=SC2086
gcc $flags $srcs src/*.c -ljansson -lmicrohttpd -lcurl -o "$out/hasim-callback" || exit 2
# shellcheck disable=SC2086
gcc $flags -DSIM_DRV_PULL $srcs src/*.c -ljansson -lmicrohttpd -lcurl -o "$out/hasim-pull" || exit 2

tools/fingerprints.sh "$out/hasim-callback" > "$out/fp-callback.txt"
tools/fingerprints.sh "$out/hasim-pull" > "$out/fp-pull.txt"
same=true
if ! cmp -s "$out/fp-callback.txt" "$out/fp-pull.txt"; then
  same=false
  echo "bench-pull: the pull build writes other traces:" >&2
  diff "$out/fp-callback.txt" "$out/fp-pull.txt" | head >&2
fi

wall_ms() { # binary
  local t0 t1
  t0=$(date +%s%N)
  "$1" swarm --runs "$RUNS" --seed 3 --jobs 0 -q >/dev/null
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000000))
}
cb=(); pl=()
for _ in $(seq "$REPS"); do
  cb+=("$(wall_ms "$out/hasim-callback")")
  pl+=("$(wall_ms "$out/hasim-pull")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mc=$(median "${cb[@]}"); mp=$(median "${pl[@]}")
ratio=$(awk -v p="$mp" -v c="$mc" 'BEGIN {printf "%.3f", p / c}')
echo "bench-pull: swarm of $RUNS runs, one worker, median of $REPS: callback $mc ms, pull $mp ms" \
     "(pull / callback = $ratio); traces identical: $same"
cat > reports/bench-pull.json <<EOF
{"benchmark": "core commands: callback vs a drained queue", "runs": $RUNS, "repetitions": $REPS,
 "callback_ms": [$(IFS=,; echo "${cb[*]}")], "pull_ms": [$(IFS=,; echo "${pl[*]}")],
 "callback_ms_median": $mc, "pull_ms_median": $mp, "pull_over_callback": $ratio,
 "traces_identical": $same}
EOF
[ "$same" = true ]
