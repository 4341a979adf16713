#!/usr/bin/python3
"""junit_annotate.py -- hasim's JUnit as CI annotations and summaries.

usage: junit_annotate.py [--github] [--summary FILE] [--gitlab OUT.json] JUNIT.xml...

Reads the JUnit XML that `hasim run --junit` and `hasim junit` write (a
<testcase> per scenario or failing search run; each <failure>/<error> with
the `file` and `line` of the scenario line it points at) and emits:

  --github          one workflow command per failure on stdout:
                      ::error file=scenarios/x.scn,line=12,title=R2 x::message
                    GitHub Actions shows it on that line of the diff and in
                    the run's summary. A failure with no file (a swarm run)
                    is annotated without a place.
  --summary FILE    a Markdown table of the results, appended to FILE
                    (in a workflow: $GITHUB_STEP_SUMMARY), with each
                    failure's message and replay command.
  --gitlab OUT.json the failures as a GitLab Code Quality report (each with
                    location.path and location.lines.begin), which a merge
                    request shows on the changed lines.

Paths are made relative to the current directory when they lie under it, so
an annotation names the file in the repository. Exit status: 0 written
(failures or not: the run's own step fails the job), 2 an input is not
JUnit XML.
"""

import argparse
import hashlib
import json
import os
import sys
import xml.etree.ElementTree as ET


def rel(path):
    if not path:
        return path
    if os.path.isabs(path):
        r = os.path.relpath(path)
        if not r.startswith(".."):
            return r
    return os.path.normpath(path)


def problems(paths):
    """(suite, case, kind, file, line, type, message, text) for every
    failure and error, and the totals (tests, failures, errors)."""
    out, tests = [], 0
    for p in paths:
        root = ET.parse(p).getroot()
        suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
        if root.tag not in ("testsuite", "testsuites"):
            raise ValueError("%s: the root is <%s>, not <testsuites>" % (p, root.tag))
        for s in suites:
            for tc in s.findall("testcase"):
                tests += 1
                for kind in ("failure", "error"):
                    for f in tc.findall(kind):
                        file = f.get("file") or tc.get("file")
                        line = f.get("line") or tc.get("line") or "1"
                        out.append({
                            "suite": s.get("name", ""), "class": tc.get("classname", ""),
                            "case": tc.get("name", ""), "kind": kind,
                            "file": rel(file) if file else None, "line": int(line),
                            "type": f.get("type", kind), "message": f.get("message", ""),
                            "text": (f.text or "").strip()})
    return out, tests


def gh_escape(s, prop=False):
    s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        s = s.replace(":", "%3A").replace(",", "%2C")
    return s


def github(items):
    for it in items:
        title = "%s %s" % (it["type"], it["case"])
        where = ""
        if it["file"]:
            where = "file=%s,line=%d," % (gh_escape(it["file"], True), it["line"])
        body = it["message"]
        replay = [ln for ln in it["text"].splitlines() if ln.startswith("replay:")]
        if replay:
            body += "\n" + replay[0]
        print("::error %stitle=%s::%s" % (where, gh_escape(title, True), gh_escape(body)))


def md(s):
    return s.replace("|", "\\|").replace("\n", " ")


def summary(path, items, tests):
    n_fail = len({(i["class"], i["case"]) for i in items})
    lines = ["## hasim: %d test cases, %d failing" % (tests, n_fail), ""]
    if items:
        lines += ["| test | where | what | replay |", "|---|---|---|---|"]
        for it in items:
            where = "%s:%d" % (it["file"], it["line"]) if it["file"] else "-"
            replay = next((ln[len("replay:"):].strip() for ln in it["text"].splitlines()
                           if ln.startswith("replay:")), "")
            lines.append("| %s %s | `%s` | %s | `%s` |" % (md(it["class"]), md(it["case"]), where,
                                                           md(it["message"]), md(replay)))
    else:
        lines.append("Every test case passed.")
    with open(path, "a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def gitlab(path, items):
    report = []
    for it in items:
        desc = "%s %s: %s" % (it["type"], it["case"], it["message"])
        fp = hashlib.md5(("%s|%s|%s|%s" % (it["class"], it["case"], it["type"], it["message"]))
                         .encode("utf-8")).hexdigest()
        report.append({"description": desc, "check_name": "hasim-" + it["type"],
                       "fingerprint": fp, "severity": "major",
                       "location": {"path": it["file"] or "scenarios",
                                    "lines": {"begin": it["line"]}}})
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=1)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--github", action="store_true")
    ap.add_argument("--summary")
    ap.add_argument("--gitlab")
    ap.add_argument("junit", nargs="+")
    a = ap.parse_args()
    paths = [p for p in a.junit if os.path.exists(p)]
    for p in a.junit:
        if p not in paths:
            print("junit_annotate: %s: no such file (skipped)" % p, file=sys.stderr)
    try:
        items, tests = problems(paths)
    except (ET.ParseError, ValueError, OSError) as e:
        print("junit_annotate: error: %s" % e, file=sys.stderr)
        return 2
    if a.github:
        github(items)
    if a.summary:
        summary(a.summary, items, tests)
    if a.gitlab:
        gitlab(a.gitlab, items)
    print("junit_annotate: %d test cases, %d failures and errors" % (tests, len(items)),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
