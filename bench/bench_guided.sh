#!/usr/bin/env bash
# bench_guided.sh -- the guided swarm against the blind one, on the same seeds.
#
#   1. Goals: for each seed, `hasim swarm` and `hasim swarm --guided` of
#      GOAL_RUNS runs each (interleaved, so that both see the same load); the
#      JSON gives the first run that reached each goal. Counted in runs, not
#      seconds: the run numbers are deterministic, the machine is not. Per
#      seed, the goals either one reached are the ones to reach; for each,
#      the runs needed to reach every named and bound goal, and every goal.
#   2. Mutants: each mutant of tools/mutants.tsv built as tools/mutate.sh
#      builds it (a copy of src/ with one change, against the -O1 simulator),
#      then a blind and a guided swarm with --fail-fast on seed 1, at most
#      MUTANT_RUNS runs each: the runs needed to kill it (the first failing
#      run + 1), or none within the budget.
# Writes reports/bench-guided.json; its "summary" rows are what tools/bench.sh
# folds into reports/bench.json.
#
#   bench/bench_guided.sh                      GOAL_RUNS=20000 SEEDS="1 2 3" MUTANT_RUNS=3000
#   GOAL_RUNS=5000 SEEDS=1 MUTANTS=0 bench/bench_guided.sh    (quick: goals only)
#   MUTANT_IDS="m01 m05" bench/bench_guided.sh                 (only these mutants)
# Exit status: 0 measured, 2 a tool missing or a build failed.
set -uo pipefail
cd "$(dirname "$0")/.."

GOAL_RUNS=${GOAL_RUNS:-20000}
SEEDS=${SEEDS:-1 2 3}
MUTANT_RUNS=${MUTANT_RUNS:-3000}
MUTANTS=${MUTANTS:-1}
JOBS=${JOBS:-2}
HASIM=build/gcc-O2/hasim
PY=/usr/bin/python3

make -s -j2 CC=gcc OPT=-O2 "$HASIM" || exit 2
work=$(mktemp -d "${TMPDIR:-/tmp}/bench_guided.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p reports "$work/goals" "$work/mutants"

# ---- 1. goals ------------------------------------------------------------------
for seed in $SEEDS; do
    for mode in blind guided; do
        flag=""
        [ $mode = guided ] && flag=--guided
        t0=$(date +%s%N)
        "$HASIM" swarm $flag --runs "$GOAL_RUNS" --seed "$seed" --jobs "$JOBS" -q \
            --json "$work/goals/$mode-$seed.json" >/dev/null
        t1=$(date +%s%N)
        echo "goals: seed $seed, $mode: $GOAL_RUNS runs in $(( (t1 - t0) / 1000000 )) ms"
    done
done

# ---- 2. mutants ------------------------------------------------------------------
if [ "$MUTANTS" = 1 ]; then
    make -s -j2 CC=gcc OPT=-O1 build/gcc-O1/libsim.a build/gcc-O1/sim/cli/hasim_main.o >/dev/null || exit 2
    libsim=build/gcc-O1/libsim.a
    main=build/gcc-O1/sim/cli/hasim_main.o
    flags="-std=c11 -O1 -g -D_POSIX_C_SOURCE=200809L -w"
    : >"$work/mutants.tsv"
    while IFS=$'\t' read -r id file old new what; do
        [ -z "$id" ] || [ "${id:0:1}" = "#" ] && continue
        [ -n "${MUTANT_IDS:-}" ] && [[ " $MUTANT_IDS " != *" $id "* ]] && continue
        dir=$work/mutants/$id
        mkdir -p "$dir"
        cp -r src "$dir/src"
        if ! OLD="$old" NEW="$new" perl -0pi -e '
              BEGIN { ($o, $n) = ($ENV{OLD}, $ENV{NEW}); $o =~ s/\\n/\n/g; $n =~ s/\\n/\n/g; }
              $found = s/\Q$o\E/$n/; END { exit($found ? 0 : 3) }' "$dir/$file"; then
            echo "mutants: $id: text not found in $file" >&2
            printf '%s\tmissing\t\t\t%s\n' "$id" "$what" >>"$work/mutants.tsv"
            continue
        fi
        objs=() ok=1
        for c in "$dir"/src/*.c; do
            o=$dir/$(basename "$c" .c).o
            gcc $flags -I"$dir/src" -c "$c" -o "$o" 2>>"$dir/build.log" || ok=0
            objs+=("$o")
        done
        if [ $ok -eq 0 ] || ! gcc "$main" "$libsim" "${objs[@]}" -ljansson -o "$dir/hasim" 2>>"$dir/build.log"; then
            # A policy cross-check (static assertion) refused it: killed before any run.
            printf '%s\tbuild\t\t\t%s\n' "$id" "$what" >>"$work/mutants.tsv"
            echo "mutant $id: refused at build time"
            continue
        fi
        res=()
        for mode in blind guided; do
            flag=""
            [ $mode = guided ] && flag=--guided
            timeout 600 "$dir/hasim" swarm $flag --runs "$MUTANT_RUNS" --seed 1 --jobs "$JOBS" \
                --fail-fast -q --json "$dir/$mode.json" >/dev/null 2>&1
            k=$($PY -c 'import json,sys
try:
    f = json.load(open(sys.argv[1]))["failing"]
    print(f[0]["run"] + 1 if f else "")
except Exception:
    print("")' "$dir/$mode.json")
            res+=("$k")
        done
        printf '%s\truns\t%s\t%s\t%s\n' "$id" "${res[0]}" "${res[1]}" "$what" >>"$work/mutants.tsv"
        echo "mutant $id: runs to kill: blind ${res[0]:-none}, guided ${res[1]:-none}  ($what)"
        rm -rf "$dir/src" "$dir"/*.o
    done < tools/mutants.tsv
fi

$PY - "$work" "$GOAL_RUNS" "$MUTANT_RUNS" "$SEEDS" "$MUTANTS" <<'PY'
import json, os, statistics, sys
work, goal_runs, mutant_runs, seeds, mutants_on = sys.argv[1:]
goal_runs, mutant_runs = int(goal_runs), int(mutant_runs)
seeds = seeds.split()

def runs_to_all(first, names):
    """Runs needed to reach every goal of names, or None (not within the budget)."""
    firsts = [first[n] for n in names]
    return None if any(f < 0 for f in firsts) else max(firsts) + 1

per_seed = []
for s in seeds:
    b = json.load(open(f"{work}/goals/blind-{s}.json"))["goals"]
    g = json.load(open(f"{work}/goals/guided-{s}.json"))["goals"]
    bf, gf = b["first"], g["first"]
    either = [n for n in bf if bf[n] >= 0 or gf[n] >= 0]
    named = [n for n in either if not n.startswith("fsm.")]
    censored = lambda f, n: f[n] + 1 if f[n] >= 0 else goal_runs + 1
    per_seed.append({
        "seed": int(s), "goals": b["count"], "reached_by_either": len(either),
        "blind": {"reached": b["reached"], "runs_to_named_and_bounds": runs_to_all(bf, named),
                  "runs_to_all": runs_to_all(bf, either),
                  "mean_runs_to_goal": round(statistics.mean(censored(bf, n) for n in either), 1)},
        "guided": {"reached": g["reached"], "runs_to_named_and_bounds": runs_to_all(gf, named),
                   "runs_to_all": runs_to_all(gf, either),
                   "mean_runs_to_goal": round(statistics.mean(censored(gf, n) for n in either), 1)},
        "guided_first": sum(1 for n in either if gf[n] >= 0 and (bf[n] < 0 or gf[n] < bf[n])),
        "blind_first": sum(1 for n in either if bf[n] >= 0 and (gf[n] < 0 or bf[n] < gf[n])),
        "missed_by_blind": sorted(n for n in either if bf[n] < 0),
        "missed_by_guided": sorted(n for n in either if gf[n] < 0),
    })

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None

mut = []
if mutants_on == "1":
    for line in open(f"{work}/mutants.tsv"):
        mid, how, b, g, what = line.rstrip("\n").split("\t")
        mut.append({"id": mid, "how": how, "what": what,
                    "blind": int(b) if b else None, "guided": int(g) if g else None})

ran = [m for m in mut if m["how"] == "runs"]
both = [m for m in ran if m["blind"] is not None and m["guided"] is not None]
doc = {"bench": "guided", "goal_runs": goal_runs, "seeds": [int(s) for s in seeds],
       "goals": per_seed, "mutant_runs": mutant_runs, "mutants": mut}

def fmt(v):
    return v if v is not None else f"> {goal_runs}"

rows = []
for key, label in (("runs_to_named_and_bounds", "runs to reach every named and bound goal"),
                   ("runs_to_all", "runs to reach every goal either reached"),
                   ("mean_runs_to_goal", "mean runs to a goal's first reach")):
    for mode in ("blind", "guided"):
        vals = [p[mode][key] for p in per_seed]
        # Unreached within the budget counts as the budget + 1 (a lower bound).
        v = med([x if x is not None else goal_runs + 1 for x in vals])
        rows.append({"name": f"goals, {mode}", "metric": f"{label} (median of {len(seeds)} seeds)",
                     "value": v, "unit": "runs", "floor": None, "ok": True})
bt = med([p["blind"]["runs_to_all"] or goal_runs + 1 for p in per_seed])
gt = med([p["guided"]["runs_to_all"] or goal_runs + 1 for p in per_seed])
rows.append({"name": "goals, guided vs blind", "metric": "runs to every goal: guided < blind",
             "value": round(gt / bt, 3) if bt else None, "unit": "ratio", "floor": 1.0,
             "ok": gt < bt})
if mut:
    for mode in ("blind", "guided"):
        k = [m[mode] for m in ran if m[mode] is not None]
        rows.append({"name": f"mutants, {mode}",
                     "metric": f"killed within {mutant_runs} runs (of {len(ran)} that build)",
                     "value": len(k), "unit": "mutants", "floor": None, "ok": True})
        rows.append({"name": f"mutants, {mode}", "metric": "median runs to kill (killed by both)",
                     "value": med([m[mode] for m in both]), "unit": "runs", "floor": None,
                     "ok": True})
        rows.append({"name": f"mutants, {mode}", "metric": "total runs to kill (killed by both)",
                     "value": sum(m[mode] for m in both), "unit": "runs", "floor": None,
                     "ok": True})
        other = "guided" if mode == "blind" else "blind"
        rows.append({"name": f"mutants, {mode}", "metric": f"killed only by {mode}",
                     "value": sum(1 for m in ran if m[mode] is not None and m[other] is None),
                     "unit": "mutants", "floor": None, "ok": True})
doc["summary"] = rows
json.dump(doc, open("reports/bench-guided.json", "w"), indent=1)

print()
for p in per_seed:
    print(f"seed {p['seed']}: {p['reached_by_either']} goals reached by either;"
          f" blind {p['blind']['reached']} (every named+bound in {fmt(p['blind']['runs_to_named_and_bounds'])},"
          f" every goal in {fmt(p['blind']['runs_to_all'])}),"
          f" guided {p['guided']['reached']} (every named+bound in {fmt(p['guided']['runs_to_named_and_bounds'])},"
          f" every goal in {fmt(p['guided']['runs_to_all'])});"
          f" first to a goal: guided {p['guided_first']}, blind {p['blind_first']}")
    if p["missed_by_guided"]:
        print(f"   missed by guided: {' '.join(p['missed_by_guided'])}")
    if p["missed_by_blind"]:
        print(f"   missed by blind: {' '.join(p['missed_by_blind'])}")
if mut:
    print(f"mutants: {len(ran)} built, {len(mut) - len(ran)} refused at build time or missing;"
          f" killed within {mutant_runs} runs: blind {sum(1 for m in ran if m['blind'])},"
          f" guided {sum(1 for m in ran if m['guided'])};"
          f" killed by both: {len(both)}, faster guided {sum(1 for m in both if m['guided'] < m['blind'])},"
          f" faster blind {sum(1 for m in both if m['guided'] > m['blind'])}")
print("wrote reports/bench-guided.json")
PY
