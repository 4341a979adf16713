#!/usr/bin/env bash
# bench_scale.sh -- how the cost of a run grows with the fleet (issue 15).
#
#   1. The scale series: one scenario shape -- 1 000 servers, N sessions
#      (composite, two users), a crash of one host at 5 min, stop at 10 min
#      -- for N = 1 000, 4 000, 16 000, 64 000, 100 000. Each size runs in its
#      own process (peak RSS is per process), the sizes interleaved round by
#      round, REPS rounds, each round the median of up to 15 runs of a small
#      world in its process (repeats_of); medians of CPU time per trace line
#      (getrusage, no trace text) and of peak RSS per session. Floor: CPU per line at
#      100 000 within 1.5x of 1 000.
#   2. The region scenario (scenarios/region/region_rack_loss.scn): wall
#      time on one core and peak RSS of one run. Floors: 60 s, 300 MiB.
# Writes reports/bench-scale.json; tools/bench.sh folds its "summary" rows
# into reports/bench.json. SIZES, REPS (3) and REGION=0 (skip 2) override.
set -uo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}
SIZES=${SIZES:-"1000 4000 16000 64000 100000"}
B=build/gcc-O2/bench_sim
[ -x "$B" ] || { echo "bench_scale: build $B first (tools/bench.sh)" >&2; exit 2; }
work=build/bench/scale
mkdir -p "$work" reports
: >"$work/rows.jsonl"

for n in $SIZES; do
    # Room for every session on the servers left after the crash, 20 % over.
    cap=$(( (n * 12 / 10 + 998) / 999 ))
    cat >"$work/s$n.scn" <<SCN
scenario "scale: $n sessions on 1 000 servers, one host crash"
mode composite
channel room users 1001,1002
seed 5
servers 1000 capacity $cap
sessions $n
at 0s          start
at 5m0s500ms   crash host 17
at 10m         stop
at 10m30s      end
SCN
done
# A small world's run is over in tens of milliseconds, which one hiccup of
# a shared machine doubles: each round repeats it in its process and takes
# the median (bench_sim speed SCENARIO REPEATS), about a second of work a
# size; peak RSS is the process's either way.
repeats_of() { local r=$(( 16000 / $1 )); [ "$r" -lt 1 ] && r=1; [ "$r" -gt 15 ] && r=15; echo "$r"; }
for rep in $(seq 1 "$REPS"); do
    for n in $SIZES; do
        out=$(taskset -c 0 "$B" speed "$work/s$n.scn" "$(repeats_of "$n")" 2>&1) ||
            { echo "bench_scale: $n: $out" >&2; exit 2; }
        echo "$out" | tee -a "$work/rows.jsonl"
    done
done

region_json=null
if [ "${REGION:-1}" = 1 ]; then
    echo "== the region scenario (one run, one core)"
    region_json=$(taskset -c 0 "$B" speed scenarios/region/region_rack_loss.scn 1) || region_json=null
    echo "$region_json"
fi

/usr/bin/python3 - "$work/rows.jsonl" "$region_json" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
region = json.loads(sys.argv[2]) if sys.argv[2] != "null" else None
by = {}
for r in rows:
    by.setdefault(r["sessions"], []).append(r)
series = []
for n in sorted(by):
    rs = by[n]
    series.append({"sessions": n, "trace_lines": rs[0]["trace_events"], "runs": len(rs),
                   "cpu_ns_per_line_median": round(statistics.median(r["cpu_ns_per_line"] for r in rs), 1),
                   "cpu_s_median": round(statistics.median(r["cpu_ns_median"] for r in rs) / 1e9, 3),
                   "peak_rss_mib_median": round(statistics.median(r["peak_rss_kib"] for r in rs) / 1024, 1),
                   "rss_bytes_per_session": round(statistics.median(r["peak_rss_kib"] for r in rs) * 1024 / n),
                   "pass": all(r["pass"] for r in rs)})
lo, hi = series[0], series[-1]
ratio = hi["cpu_ns_per_line_median"] / lo["cpu_ns_per_line_median"]
summary = [{"name": f"scale series, {s['sessions']} sessions", "metric": "CPU per trace line (median)",
            "value": s["cpu_ns_per_line_median"], "unit": "ns", "floor": None, "ok": s["pass"]} for s in series]
summary += [{"name": f"scale series, {s['sessions']} sessions", "metric": "peak RSS per session (median)",
             "value": s["rss_bytes_per_session"], "unit": "B", "floor": None, "ok": True} for s in series]
summary.append({"name": "scale series", "metric": f"CPU per line, {hi['sessions']} / {lo['sessions']} sessions",
                "value": round(ratio, 2), "unit": "ratio", "floor": 1.5, "ok": ratio <= 1.5})
if region:
    wall = region["wall_ns_median"] / 1e9
    rss = region["peak_rss_kib"] / 1024
    summary.append({"name": "region scenario (100 000 sessions, 1 h)", "metric": "wall time, one core",
                    "value": round(wall, 1), "unit": "s", "floor": 60, "ok": wall < 60 and region["pass"]})
    summary.append({"name": "region scenario (100 000 sessions, 1 h)", "metric": "peak RSS",
                    "value": round(rss, 1), "unit": "MiB", "floor": 300, "ok": rss < 300})
doc = {"bench": "scale", "load_avg": sys.argv[3], "series": series, "region": region, "summary": summary}
json.dump(doc, open("reports/bench-scale.json", "w"), indent=1)
for s in series:
    print(f"{s['sessions']:>7} sessions  {s['trace_lines']:>9} lines  {s['cpu_ns_per_line_median']:>7} ns CPU/line  "
          f"{s['peak_rss_mib_median']:>7} MiB  {s['rss_bytes_per_session']:>6} B/session")
print(f"CPU per line {hi['sessions']} / {lo['sessions']}: {ratio:.2f} (floor 1.5)")
print("wrote reports/bench-scale.json")
PY
