#!/usr/bin/python3
"""The NCS judge against the trace oracle, on broken cores.

For each mutant hasim that tools/mutate.sh built (build/mutants/<id>/hasim),
runs the scenario library with --ncs-dir, then judges every callback log
(with its API log) with `hasim check --ncs`. The trace oracle sees
everything, so on the same run it is the truth:

  unsound   the NCS judge proved a rule broken that the oracle did not see
            broken (neither that rule nor any of the alternatives the finding
            names): a false accusation -- must be 0;
  flagged   runs the oracle failed that the NCS judge failed too: how much of
            what breaks shows from outside (R1, R11, R14 never do).

Usage: ncs_soundness.py [--min-flagged PCT] [--jobs J] [--first N] [JUDGE]
  JUDGE: the hasim that judges (default build/gcc-O2/hasim); --first: only
  the first N mutants (the negative control of tests/checks.d/55-ncs-mutants.sh).
Prints one line per unsound finding and a summary; exit 1 when a finding is
unsound or fewer than PCT % of the failing runs were flagged, 2 when there
is nothing to judge (run tools/mutate.sh first).
"""
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile

PROVED_HEAD = "  violations (proved"
RULE_LINE = re.compile(r"^  R(\d+)\s")
ALT_LINE = re.compile(r"^\s+\(or ((?:R\d+ ?)+):")
SECTION = re.compile(r"^  [a-z].*:")


def proved_findings(text):
    """Each proved finding of a verdict as the set of rules it names."""
    finds, in_proved = [], False
    for line in text.splitlines():
        if line.startswith(PROVED_HEAD):
            in_proved = True
            continue
        if SECTION.match(line):
            in_proved = False
        if not in_proved:
            continue
        m = RULE_LINE.match(line)
        if m:
            finds.append({int(m.group(1))})
        a = ALT_LINE.match(line)
        if a and finds:
            finds[-1] |= {int(x) for x in re.findall(r"R(\d+)", a.group(1))}
    return finds


def oracle_rules(run):
    rules = set()
    for v in run.get("violations", []):
        r = v.get("rule")
        if isinstance(r, str) and r.startswith("R") and r[1:].isdigit():
            rules.add(int(r[1:]))
        elif isinstance(r, int):
            rules.add(r)
    return rules


def judge_mutant(mid, mutant_hasim, judge, tmp):
    """(logs, failing runs, flagged, [unsound ...], [errors ...]) of one mutant."""
    d = os.path.join(tmp, mid)
    os.makedirs(d)
    res = os.path.join(d, "r.json")
    subprocess.run([mutant_hasim, "run", "-q", "scenarios/", "--ncs-dir", d, "--json", res,
                    "--timeout", "60"], capture_output=True)
    try:
        with open(res) as f:
            runs = json.load(f)["runs"]
    except (OSError, ValueError, KeyError):
        return 0, 0, 0, [], [f"{mid}: no results from the library run"]
    logs = failing = flagged = 0
    unsound, errors = [], []
    for run in runs:
        name = os.path.basename(run["path"])[:-4]
        log = os.path.join(d, name + ".ncs.jsonl")
        api = os.path.join(d, name + ".api.jsonl")
        if run.get("crash") or not os.path.exists(log):
            continue  # the core crashed: its log is cut where stdio's buffer was
        cmd = [judge, "check", "--ncs", log, "-q"]
        if os.path.exists(api):
            cmd += ["--api", api]
        p = subprocess.run(cmd, capture_output=True, text=True)
        logs += 1
        if p.returncode == 2:
            errors.append(f"{mid} {name}: {p.stderr.strip()[:200]}")
            continue
        truth = oracle_rules(run)
        if not run["pass"]:
            failing += 1
            flagged += p.returncode == 1
        for f in proved_findings(p.stdout):
            if not f & truth:
                unsound.append(f"{mid} {name}: the NCS judge proved {sorted(f)}, "
                               f"the oracle saw {sorted(truth) or 'nothing broken'}")
    return logs, failing, flagged, unsound, errors


def main(argv):
    min_pct, jobs, first, judge = 15, 2, 0, "build/gcc-O2/hasim"
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--min-flagged" and args:
            min_pct = int(args.pop(0))
        elif a == "--jobs" and args:
            jobs = int(args.pop(0))
        elif a == "--first" and args:
            first = int(args.pop(0))
        elif not a.startswith("-"):
            judge = a
        else:
            print(__doc__, file=sys.stderr)
            return 2
    base = "build/mutants"
    mutants = sorted(m for m in os.listdir(base)
                     if os.access(os.path.join(base, m, "hasim"), os.X_OK)) \
        if os.path.isdir(base) else []
    if first > 0:
        mutants = mutants[:first]
    if not mutants or not os.access(judge, os.X_OK):
        print("ncs-soundness: no mutant hasim in build/mutants (run tools/mutate.sh first) "
              f"or no {judge}", file=sys.stderr)
        return 2
    tot = [0, 0, 0]
    unsound, errors = [], []
    with tempfile.TemporaryDirectory(prefix="hasim-ncs-mut.") as tmp, \
            concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futs = [pool.submit(judge_mutant, m, os.path.join(base, m, "hasim"), judge, tmp)
                for m in mutants]
        for fu in futs:
            logs, failing, flagged, u, e = fu.result()
            tot[0] += logs
            tot[1] += failing
            tot[2] += flagged
            unsound += u
            errors += e
    for line in unsound + errors:
        print("ncs-soundness: " + line)
    logs, failing, flagged = tot
    pct = 100 * flagged // failing if failing else 0
    print(f"ncs-soundness: {len(mutants)} mutants, {logs} callback logs, {failing} runs the "
          f"oracle failed; the NCS judge failed {flagged} of them ({pct} %, floor {min_pct} %), "
          f"with {len(unsound)} unsound findings and {len(errors)} unreadable logs")
    return 1 if unsound or errors or failing == 0 or pct < min_pct else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
