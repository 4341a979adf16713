#!/usr/bin/env bash
# bench_instr.sh -- instructions, counted: the figures this host's noise
# cannot move (issue 15).
#
# CPU time on this shared machine moves by 10 to 30 % between runs minutes
# apart, and the swarm and the scale ratio sit near their floors. The count
# of instructions a run executes is the same in every run of the same
# binary (to a few tenths of a per cent: the environment's size moves where
# libc's string functions start), so it says what the code costs apart from
# the machine:
#
#   1. The scale series' ends (bench/bench_scale.sh makes the scenarios):
#      instructions per trace line at 1 000 and 100 000 sessions, one run
#      each, the whole process (the run is over 99.9 % of it). If every
#      per-event path is O(1) the two are about equal, and what the CPU
#      time per line adds at 100 000 is waiting for memory. That waiting
#      is counted too, in cachegrind's model of the caches
#      (bench/cachegrind.sh): last-level data misses per line, the lines a
#      run has to bring in; a layout change that brings in more shows
#      here, noise or not.
#   2. The swarm: instructions a run, from two swarms of the same seed,
#      RUNS and 2 x RUNS runs (--jobs 1), the second less the first: start-up
#      (the dynamic loader alone is about 12 M) cancels out.
#
# Counted by valgrind's cachegrind (the swarm with its cache model off):
# about five minutes in all. Builds the release binaries first. Writes
# reports/bench-instr.json; tools/bench.sh folds its "summary" rows into
# reports/bench.json. RUNS (300) and SIZES ("1000 100000") override.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
RUNS=${RUNS:-300}
SIZES=${SIZES:-"1000 100000"}
B=build/gcc-O2/bench_sim
H=build/gcc-O2/hasim
# Built here, as tools/bench.sh builds them: a count of a binary older than
# the sources would be a count of the wrong code.
make -s -j2 CC=gcc OPT=-O2 "$H" "$B" || exit 2
command -v valgrind >/dev/null || { echo "bench_instr: valgrind is not installed (ci/deps.sh)" >&2; exit 2; }
work=build/bench/instr
mkdir -p "$work" reports

. bench/cachegrind.sh
count() { # LOG SIM COMMAND...
    cg_count "$@" || { shift 2; echo "bench_instr: failed: $*" >&2; exit 2; }
}

: >"$work/scale.jsonl"
for n in $SIZES; do
    scn=build/bench/scale/s$n.scn
    [ -f "$scn" ] || { echo "bench_instr: $scn is missing: run bench/bench_scale.sh first" >&2; exit 2; }
    count "$work/s$n" yes "$B" speed "$scn" 1
    lines=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["trace_events"])' "$work/s$n.out")
    ins=$(cg_summed "I *refs" "$work/s$n")
    miss=$(cg_summed "LLd misses" "$work/s$n")
    echo "{\"sessions\": $n, \"trace_lines\": $lines, \"instructions\": $ins, \"ll_data_misses\": $miss}" |
        tee -a "$work/scale.jsonl"
done

for r in "$RUNS" $((2 * RUNS)); do
    count "$work/swarm$r" no "$H" swarm --runs "$r" --seed 1 --jobs 1 -q --json "$work/swarm$r.json"
    echo "swarm of $r runs: $(cg_summed "I *refs" "$work/swarm$r") instructions"
done
swarm_a=$(cg_summed "I *refs" "$work/swarm$RUNS")
swarm_b=$(cg_summed "I *refs" "$work/swarm$((2 * RUNS))")

/usr/bin/python3 - "$work/scale.jsonl" "$RUNS" "$swarm_a" "$swarm_b" "$LL_BYTES" <<'PY'
import json, sys
scale = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
runs, a, b, ll = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
for s in scale:
    s["instructions_per_line"] = round(s["instructions"] / s["trace_lines"], 1)
    s["ll_data_misses_per_line"] = round(s["ll_data_misses"] / s["trace_lines"], 3)
per_run = (b - a) / runs
summary = [{"name": f"scale series, {s['sessions']} sessions", "metric": "instructions per trace line",
            "value": s["instructions_per_line"], "unit": "instr", "floor": None, "ok": True} for s in scale]
summary += [{"name": f"scale series, {s['sessions']} sessions",
             "metric": f"last-level data misses per line ({ll >> 20} MB model)",
             "value": s["ll_data_misses_per_line"], "unit": "lines", "floor": None, "ok": True} for s in scale]
if len(scale) >= 2:
    lo, hi = scale[0], scale[-1]
    summary.append({"name": "scale series", "metric": f"instructions per line, {hi['sessions']} / {lo['sessions']}",
                    "value": round(hi["instructions_per_line"] / lo["instructions_per_line"], 3),
                    "unit": "ratio", "floor": None, "ok": True})
summary.append({"name": "swarm", "metric": f"instructions a run (runs {runs + 1}-{2 * runs}, seed 1)",
                "value": round(per_run), "unit": "instr", "floor": None, "ok": per_run > 0})
doc = {"bench": "instr", "tool": f"valgrind --tool=cachegrind --LL={ll},16,64", "scale": scale,
       "swarm": {"runs": runs, "instructions": a, "runs_2x": 2 * runs, "instructions_2x": b,
                 "instructions_per_run": round(per_run)},
       "summary": summary}
json.dump(doc, open("reports/bench-instr.json", "w"), indent=1)
for s in scale:
    print(f"{s['sessions']:>7} sessions  {s['trace_lines']:>9} lines  {s['instructions_per_line']:>8} instructions "
          f"and {s['ll_data_misses_per_line']:>6} last-level data misses a line")
print(f"swarm: {per_run / 1e6:.3f} M instructions a run")
print("wrote reports/bench-instr.json")
PY
