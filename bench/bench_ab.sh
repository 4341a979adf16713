#!/usr/bin/env bash
# bench_ab.sh -- two revisions side by side: is B faster than A?
#
#   bench/bench_ab.sh [-n PAIRS] [-s SCENARIO] [-r REPEATS] [--swarm RUNS] REV_A REV_B
#
# This host's runs differ by 10 to 25 % minutes apart, so a figure measured
# now against one from an hour ago says little. This builds bench_sim (or
# hasim, for --swarm) of each revision in a worktree under build/bench/ab/,
# as tools/bench.sh builds it, then runs them in turns, A then B, PAIRS
# times, each run its own process pinned to CPU 0: a slow minute slows both
# sides of a pair. It prints each side's median and the paired geometric
# mean of B/A with the pairs' spread; below 1, B is faster.
#
#   default   bench_sim speed SCENARIO REPEATS: CPU per trace line
#             (SCENARIO defaults to the scale series' 100 000 sessions,
#             build/bench/scale/s100000.scn, made by bench/bench_scale.sh)
#   --swarm N hasim swarm --runs N --jobs 1, seeds 1..PAIRS: CPU (user +
#             system) of each swarm
#   --count   no timing: one run of each side under valgrind's cachegrind
#             (bench/cachegrind.sh), both at once: instructions and
#             last-level data misses per trace line of SCENARIO, or, with
#             --swarm N, instructions per run of a swarm of N (seed 1).
#             Counts no noise moves, in minutes: the first look at a change
#             of layout, before pairs of timings
#
# A revision is anything git names (a commit, a branch, HEAD~2); WORKTREE
# for the files as they are in this checkout, uncommitted changes included.
# Writes reports/bench-ab.json. Exit 2 for a usage or build error.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

usage() {
    echo "usage: bench/bench_ab.sh [-n PAIRS] [-s SCENARIO] [-r REPEATS] [--swarm RUNS] [--count] REV_A REV_B" >&2
    exit 2
}

PAIRS=8 SCN=build/bench/scale/s100000.scn REPEATS=1 SWARM=0 COUNT=0
while [ $# -gt 0 ]; do
    case "$1" in
    -n) [ $# -ge 2 ] || usage; PAIRS=$2; shift 2 ;;
    -s) [ $# -ge 2 ] || usage; SCN=$2; shift 2 ;;
    -r) [ $# -ge 2 ] || usage; REPEATS=$2; shift 2 ;;
    --swarm) [ $# -ge 2 ] || usage; SWARM=$2; shift 2 ;;
    --count) COUNT=1; shift ;;
    -h | --help) usage ;;
    -*) echo "bench_ab: unknown option $1" >&2; usage ;;
    *) break ;;
    esac
done
[ $# -eq 2 ] || usage
for v in "$PAIRS" "$REPEATS" "$SWARM"; do
    [[ "$v" =~ ^[0-9]+$ ]] || { echo "bench_ab: '$v' is not a count" >&2; exit 2; }
done
[ "$PAIRS" -ge 1 ] && [ "$PAIRS" -le 1000 ] || { echo "bench_ab: -n is 1..1000" >&2; exit 2; }
[ "$REPEATS" -ge 1 ] && [ "$REPEATS" -le 1000 ] || { echo "bench_ab: -r is 1..1000" >&2; exit 2; }
if [ "$SWARM" = 0 ] && [ ! -f "$SCN" ]; then
    echo "bench_ab: $SCN: no such scenario (bench/bench_scale.sh makes the scale series)" >&2
    exit 2
fi

root=$PWD
work=$root/build/bench/ab
mkdir -p "$work" reports

# The tree of a revision, at build/bench/ab/<commit>: a worktree of its
# own, made once and kept (a rebuild there is incremental). WORKTREE is
# this checkout's files, copied, so that both sides build the same way.
tree_of() {
    local rev=$1 dir
    if [ "$rev" = WORKTREE ]; then
        dir=$work/worktree
        mkdir -p "$dir"
        git ls-files -co --exclude-standard -z |
            tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$dir" || return 1
    else
        local sha
        sha=$(git rev-parse --verify --quiet "$rev^{commit}") ||
            { echo "bench_ab: $rev: not a revision" >&2; return 1; }
        dir=$work/$sha
        if [ ! -d "$dir" ]; then
            git worktree prune # one whose directory `make clean` removed
            git worktree add --detach -q "$dir" "$sha" >&2 || return 1
        fi
    fi
    echo "$dir"
}

# Builds the program to time in a tree, as tools/bench.sh does; prints its path.
build_in() {
    local dir=$1
    (cd "$dir" && make -s -j2 CC=gcc OPT=-O2 build/gcc-O2/hasim build/gcc-O2/libsim.a \
        build/gcc-O2/libha.a >&2) || return 1
    if [ "$SWARM" != 0 ]; then
        echo "$dir/build/gcc-O2/hasim"
        return 0
    fi
    # The Makefile links bench_sim as it links hasim; revisions before
    # that target linked it by hand, untuned.
    if grep -q '^$(B)/bench_sim:' "$dir/Makefile"; then
        (cd "$dir" && make -s CC=gcc OPT=-O2 build/gcc-O2/bench_sim >&2) || return 1
    else
        (cd "$dir" && gcc -std=c11 -O2 -flto=2 -D_POSIX_C_SOURCE=200809L -Isrc -Isim \
            bench/bench_sim.c build/gcc-O2/libsim.a build/gcc-O2/libha.a -ljansson \
            -lmicrohttpd -lcurl -o build/gcc-O2/bench_sim >&2) || return 1
    fi
    echo "$dir/build/gcc-O2/bench_sim"
}

a_dir=$(tree_of "$1") && b_dir=$(tree_of "$2") || exit 2
echo "== building $1 ($a_dir) and $2 ($b_dir)" >&2
a_bin=$(build_in "$a_dir") && b_bin=$(build_in "$b_dir") || { echo "bench_ab: build failed" >&2; exit 2; }
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)

# --count: each side once under cachegrind, the two at once (a count does
# not depend on what else runs), then the counts side by side.
count_side() { # NAME BIN
    if [ "$SWARM" != 0 ]; then
        cg_count "$cdir/$1" no "$2" swarm --runs "$SWARM" --seed 1 --jobs 1 -q --json /dev/null
    else
        cg_count "$cdir/$1" yes "$2" speed "$root/$SCN" 1
    fi
}
if [ "$COUNT" = 1 ]; then
    command -v valgrind >/dev/null || { echo "bench_ab: valgrind is not installed (ci/deps.sh)" >&2; exit 2; }
    . bench/cachegrind.sh
    cdir=$work/count
    mkdir -p "$cdir"
    count_side a "$a_bin" & pid_a=$!
    count_side b "$b_bin" & pid_b=$!
    rc_a=0 rc_b=0
    wait "$pid_a" || rc_a=$?
    wait "$pid_b" || rc_b=$?
    if [ "$rc_a" != 0 ] || [ "$rc_b" != 0 ]; then
        echo "bench_ab: a counted run failed (its output: $cdir)" >&2
        exit 2
    fi
    /usr/bin/python3 - "$1" "$2" "$SWARM" "$SCN" "$LL_BYTES" "$cdir" \
        "$(cg_summed "I *refs" "$cdir/a")" "$(cg_summed "LLd misses" "$cdir/a")" \
        "$(cg_summed "I *refs" "$cdir/b")" "$(cg_summed "LLd misses" "$cdir/b")" <<'PY'
import json, sys
rev_a, rev_b, swarm, scn, ll, cdir = sys.argv[1:7]
ia, ma, ib, mb = (int(x) for x in sys.argv[7:11])
if swarm != "0":
    per = int(swarm)
    what = "instructions per run, hasim swarm --runs %s --seed 1 --jobs 1 (start-up included)" % swarm
    sides = {"a": {"instructions": ia / per}, "b": {"instructions": ib / per}}
else:
    lines_a, lines_b = (json.load(open(cdir + "/%s.out" % s))["trace_events"] for s in "ab")
    if lines_a != lines_b:
        print("note: the two sides wrote different traces; the counts are per their own lines")
    what = "per trace line, bench_sim speed %s 1 (a %d MB last level)" % (scn, int(ll) >> 20)
    sides = {"a": {"instructions": ia / lines_a, "ll_data_misses": ma / lines_a},
             "b": {"instructions": ib / lines_b, "ll_data_misses": mb / lines_b}}
print("counted by cachegrind, %s" % what)
for key in sides["a"]:
    va, vb = sides["a"][key], sides["b"][key]
    print("  %-15s A %-20s %12.3f   B %-20s %12.3f   B / A %.4f" % (key, rev_a, va, rev_b, vb, vb / va))
json.dump({"bench": "ab", "measure": "cachegrind counts, " + what, "a": rev_a, "b": rev_b,
           "a_counts": sides["a"], "b_counts": sides["b"],
           "b_over_a": {k: round(sides["b"][k] / sides["a"][k], 4) for k in sides["a"]}},
          open("reports/bench-ab.json", "w"), indent=1)
print("wrote reports/bench-ab.json")
PY
    exit $?
fi

# One measurement: CPU per trace line (ns), or a swarm's CPU seconds.
measure() {
    local bin=$1 pair=$2 out
    if [ "$SWARM" != 0 ]; then
        out=$( { /usr/bin/time -f '%U %S' "${pin[@]}" "$bin" swarm --runs "$SWARM" --seed "$pair" \
                   --jobs 1 -q --json /dev/null >/dev/null; } 2>&1 | tail -1) || return 1
        awk '{printf "%.2f\n", $1 + $2}' <<<"$out"
    else
        out=$("${pin[@]}" "$bin" speed "$root/$SCN" "$REPEATS") || return 1
        grep -o '"cpu_ns_per_line":[0-9.]*' <<<"$out" | cut -d: -f2
    fi
}

rows=$work/rows.txt
: >"$rows"
for pair in $(seq 1 "$PAIRS"); do
    va=$(measure "$a_bin" "$pair") && vb=$(measure "$b_bin" "$pair") ||
        { echo "bench_ab: a run failed (pair $pair)" >&2; exit 2; }
    echo "pair $pair: A $va  B $vb" >&2
    echo "$va $vb" >>"$rows"
done

/usr/bin/python3 - "$rows" "$1" "$2" "$PAIRS" "$SWARM" "$SCN" "$REPEATS" <<'PY'
import json, math, statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
rev_a, rev_b, pairs, swarm, scn, repeats = sys.argv[2:8]
a = [r[0] for r in rows]
b = [r[1] for r in rows]
ratios = [y / x for x, y in zip(a, b)]
geo = math.exp(statistics.mean(math.log(r) for r in ratios))
what = ("CPU s of hasim swarm --runs %s --jobs 1" % swarm) if swarm != "0" else \
       ("CPU ns per trace line, bench_sim speed %s %s" % (scn, repeats))
print("%s, %s pairs side by side" % (what, pairs))
print("  A %-20s median %.2f  (%.2f .. %.2f)" % (rev_a, statistics.median(a), min(a), max(a)))
print("  B %-20s median %.2f  (%.2f .. %.2f)" % (rev_b, statistics.median(b), min(b), max(b)))
print("  B / A: paired geometric mean %.3f (pairs %.3f .. %.3f)" % (geo, min(ratios), max(ratios)))
json.dump({"bench": "ab", "measure": what, "a": rev_a, "b": rev_b, "pairs": len(rows),
           "a_values": a, "b_values": b, "a_median": statistics.median(a),
           "b_median": statistics.median(b), "b_over_a_paired_geomean": round(geo, 4),
           "b_over_a_min": round(min(ratios), 4), "b_over_a_max": round(max(ratios), 4)},
          open("reports/bench-ab.json", "w"), indent=1)
print("wrote reports/bench-ab.json")
PY
