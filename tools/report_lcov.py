#!/usr/bin/python3
"""report_lcov.py -- coverage numbers from lcov .info files, and the threshold.

usage: report_lcov.py --unit UNIT.info --sim SIM.info --json OUT.json
                      [--lines-min PCT] [--branches-min PCT] [--swarm TEXT]

Prints line and branch coverage of both captures, writes OUT.json
({"unit": {"lines": %, "branches": %, ...}, "sim": {...}, "threshold": {...}})
and checks the sim capture (scenario library + swarm) against the minimums.
Below a minimum it names every line never run and every branch never taken,
as FILE:LINE with the source line, so the fix can start from the message.
Exit status: 0 met, 1 below a minimum, 2 usage or unreadable input.

An lcov tracefile: per source file SF:path, DA:line,count for lines,
BRDA:line,block,branch,taken for branches ('-' = the block never ran),
end_of_record.
"""

import argparse
import json
import os
import sys
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from provenance import provenance  # noqa: E402


def parse_info(path):
    """{file: {"lines": {ln: count}, "branches": [(ln, block, branch, taken|None)]}}"""
    files = {}
    cur = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            line = raw.strip()
            if line.startswith("SF:"):
                cur = files.setdefault(line[3:], {"lines": {}, "branches": {}})
            elif cur is None:
                continue
            elif line.startswith("DA:"):
                parts = line[3:].split(",")
                ln, cnt = int(parts[0]), int(parts[1])
                cur["lines"][ln] = cur["lines"].get(ln, 0) + cnt
            elif line.startswith("BRDA:"):
                ln, block, branch, taken = line[5:].split(",")
                key = (int(ln), block, branch)
                t = None if taken == "-" else int(taken)
                old = cur["branches"].get(key)
                cur["branches"][key] = t if old is None else (old + (t or 0))
            elif line == "end_of_record":
                cur = None
    return files


def summarize(files):
    lf = lh = bf = bh = 0
    for d in files.values():
        lf += len(d["lines"])
        lh += sum(1 for c in d["lines"].values() if c > 0)
        bf += len(d["branches"])
        bh += sum(1 for t in d["branches"].values() if t)
    return {"lines_found": lf, "lines_hit": lh, "branches_found": bf, "branches_hit": bh,
            "lines": round(100.0 * lh / lf, 2) if lf else 0.0,
            "branches": round(100.0 * bh / bf, 2) if bf else 0.0}


def _rel(path):
    try:
        r = os.path.relpath(path)
    except ValueError:
        return path
    return path if r.startswith("..") else r


def _source(path, ln, cache={}):
    if path not in cache:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                cache[path] = f.read().splitlines()
        except OSError:
            cache[path] = []
    src = cache[path]
    return src[ln - 1].strip() if 0 < ln <= len(src) else ""


def missing(files):
    """Lines never run and branches never taken, in file and line order."""
    ml, mb = [], []
    for path in sorted(files):
        d = files[path]
        for ln in sorted(d["lines"]):
            if d["lines"][ln] == 0:
                ml.append({"file": _rel(path), "line": ln, "source": _source(path, ln)})
        per_line = {}
        for (ln, block, branch), t in d["branches"].items():
            per_line.setdefault(ln, []).append((block, branch, t))
        for ln in sorted(per_line):
            outs = sorted(per_line[ln], key=lambda x: (int(x[0]), int(x[1])))
            n = len(outs)
            for i, (block, branch, t) in enumerate(outs):
                if t:
                    continue
                what = ("branch %d of %d never taken" % (i + 1, n)) if t == 0 else \
                    ("branch %d of %d: line never reached" % (i + 1, n))
                mb.append({"file": _rel(path), "line": ln, "what": what,
                           "source": _source(path, ln)})
    return ml, mb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--unit")
    ap.add_argument("--sim")
    ap.add_argument("--json", required=True)
    ap.add_argument("--lines-min", default="100")
    ap.add_argument("--branches-min", default="95")
    ap.add_argument("--swarm", default="")
    ap.add_argument("--scenarios", default="")
    a = ap.parse_args()
    try:
        lmin, bmin = Fraction(a.lines_min), Fraction(a.branches_min)
    except (ValueError, ZeroDivisionError):
        print("coverage: error: COVERAGE_LINES_MIN / COVERAGE_BRANCHES_MIN must be numbers, "
              "not '%s' / '%s'" % (a.lines_min, a.branches_min), file=sys.stderr)
        return 2
    out = {}
    parsed = {}
    for key in ("unit", "sim"):
        path = getattr(a, key)
        if not path:
            continue
        try:
            parsed[key] = parse_info(path)
        except (OSError, ValueError) as e:
            print("coverage: error: %s: %s" % (path, e), file=sys.stderr)
            return 2
        out[key] = summarize(parsed[key])
    print("coverage of src/ (lines; branches, assert() branches excluded):")
    for key, what in (("unit", "unit tests alone"), ("sim", "scenarios + swarm")):
        if key in out:
            s = out[key]
            print("  %-20s lines %6.2f%% (%d of %d)   branches %6.2f%% (%d of %d)"
                  % (what, s["lines"], s["lines_hit"], s["lines_found"], s["branches"],
                     s["branches_hit"], s["branches_found"]))
    rc = 0
    if "sim" in out:
        s = out["sim"]
        ml, mb = missing(parsed["sim"])
        s["missing_lines"] = ml
        s["missing_branches"] = mb
        # Exact comparisons: 99.996% must not pass as "100.00".
        lines_ok = s["lines_found"] > 0 and s["lines_hit"] * 100 >= lmin * s["lines_found"]
        br_ok = s["branches_hit"] * 100 >= bmin * s["branches_found"]
        out["threshold"] = {"lines_min": float(lmin), "branches_min": float(bmin),
                            "lines_ok": bool(lines_ok), "branches_ok": bool(br_ok),
                            "ok": bool(lines_ok and br_ok)}
        print("threshold (scenarios + swarm): lines >= %s%%, branches >= %s%%"
              % (a.lines_min, a.branches_min))
        if not lines_ok:
            rc = 1
            print("FAIL: lines %.2f%% < %s%%: %d line(s) never run:"
                  % (s["lines"], a.lines_min, len(ml)))
            for m in ml:
                print("  %s:%d: never run: %s" % (m["file"], m["line"], m["source"]))
        if not br_ok:
            rc = 1
            print("FAIL: branches %.2f%% < %s%%: %d branch(es) never taken:"
                  % (s["branches"], a.branches_min, len(mb)))
            for m in mb:
                print("  %s:%d: %s: %s" % (m["file"], m["line"], m["what"], m["source"]))
        if rc == 0:
            print("ok: threshold met")
            if ml or mb:
                print("  (%d line(s) never run, %d branch(es) never taken: see "
                      "reports/coverage/sim/index.html)" % (len(ml), len(mb)))
    if a.swarm:
        out["swarm"] = a.swarm
    if a.scenarios:
        out["scenarios"] = a.scenarios
    # Which code these numbers are of: the report compares the commit with
    # the run's and says when they differ.
    out["provenance"] = provenance("make coverage")
    tmp = a.json + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    os.replace(tmp, a.json)
    return rc


if __name__ == "__main__":
    sys.exit(main())
