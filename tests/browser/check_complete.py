#!/usr/bin/python3
"""check_complete.py -- the report has what issue 6 promises, for every run.

usage: check_complete.py REPORTS_DIR

For every scenario run in REPORTS_DIR/scenarios.json: a page
scenarios/NAME.html (NAME: the scenario file's name without .scn) showing at
least one timeline picture of its own, img/NAME/*.png, each a real PNG. For
each timing bound of the contract (R1 kill vs 30 s, R2 reconnect vs 60 s and
switch vs 30 s, R3 total vs 90 s): its margin plot on index.html. Prints
"ok WHAT" or "FAIL WHAT: why" per item, then "complete: N ok, M failed".
Exit 1 if any failed or nothing was checked. check_links.py checks that what
is shown loads; this checks that nothing is missing.
"""

import json
import os
import re
import sys

# The margin plots, one per timing bound (file names as the report
# writes them; the numbers are the contract's, not read from the report).
MARGIN_PLOTS = [
    ("R1 kill: detection to resume vs 30 s", "img/margin-kill_resume.png"),
    ("R2 reconnect: detection to resume vs 60 s", "img/margin-reconnect_resume.png"),
    ("R2 switch: switch to resume vs 30 s", "img/margin-switch_resume.png"),
    ("R3 any activation: detection to resume vs 90 s", "img/margin-total_resume.png"),
]
PNG_MIN_BYTES = 1000  # an empty figure is larger than this; a stub file is not


def png_ok(path):
    try:
        with open(path, "rb") as f:
            head = f.read(8)
        return head == b"\x89PNG\r\n\x1a\n" and os.path.getsize(path) >= PNG_MIN_BYTES
    except OSError:
        return False


def img_srcs(html):
    return re.findall(r'<img[^>]*\ssrc="([^"]+)"', html)


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().split("\n")[2], file=sys.stderr)
        return 2
    root = sys.argv[1]
    results = []  # (ok, what, why)

    try:
        with open(os.path.join(root, "scenarios.json"), encoding="utf-8") as f:
            runs = json.load(f).get("runs") or []
    except (OSError, ValueError) as e:
        runs = []
        results.append((False, "scenarios.json", str(e)))
    for r in runs:
        base = os.path.basename(r.get("path", ""))
        name = base[:-4] if base.endswith(".scn") else base
        what = "timeline of %s" % name
        page = os.path.join(root, "scenarios", name + ".html")
        if not os.path.isfile(page):
            results.append((False, what, "no scenarios/%s.html" % name))
            continue
        if r.get("crash"):
            # A run that crashed has its page (what killed it, the last trace
            # lines, the replay command), and no timeline to draw.
            with open(page, encoding="utf-8") as f:
                ok = 'id="crash"' in f.read()
            results.append((ok, "crash page of %s" % name, "" if ok else "no crash section"))
            continue
        with open(page, encoding="utf-8") as f:
            srcs = img_srcs(f.read())
        own = [s for s in srcs if s.startswith("../img/%s/" % name)]
        good = [s for s in own if png_ok(os.path.normpath(os.path.join(root, "scenarios", s)))]
        if not good:
            results.append((False, what, "the page shows no picture of its own (%d images)"
                            % len(srcs)))
        else:
            results.append((True, "%s (%d pictures)" % (what, len(good)), ""))

    try:
        with open(os.path.join(root, "index.html"), encoding="utf-8") as f:
            index_srcs = set(img_srcs(f.read()))
    except OSError:
        index_srcs = set()
    for what, png in MARGIN_PLOTS:
        if png not in index_srcs:
            results.append((False, "margin plot " + what, "index.html does not show " + png))
        elif not png_ok(os.path.join(root, png)):
            results.append((False, "margin plot " + what, png + " is not a picture"))
        else:
            results.append((True, "margin plot " + what, ""))

    n_ok = sum(1 for ok, _, _ in results if ok)
    n_bad = len(results) - n_ok
    for ok, what, why in results:
        print("ok %s" % what if ok else "FAIL %s: %s" % (what, why))
    print("complete: %d ok, %d failed" % (n_ok, n_bad))
    return 1 if n_bad or not runs else 0


if __name__ == "__main__":
    sys.exit(main())
