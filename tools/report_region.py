#!/usr/bin/python3
"""report_region.py -- the region scenario's fleet pictures (issue 15).

    tools/report_region.py [REPORTS_DIR]

Reads REPORTS_DIR/region.json (`hasim run --json` of scenarios/region/) and
writes REPORTS_DIR/region.html with two pictures (in REPORTS_DIR/region/,
which tools/report.py leaves alone) of the whole fleet's
failover: a histogram of every activation's resume time after detection
(R3's 90 s bound drawn), and the number of sessions still in their HA
window over time (detected, not yet resumed or ended). Exit 0 written, 1 the
scenario failed (written anyway), 2 no region.json."""
import html
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

BOUND_MS = 90000


def main():
    rep = sys.argv[1] if len(sys.argv) > 1 else "reports"
    path = os.path.join(rep, "region.json")
    if not os.path.exists(path):
        print("report_region: no %s (make run writes it)" % path, file=sys.stderr)
        return 2
    doc = json.load(open(path))
    runs = doc.get("runs") or []
    if not runs:
        print("report_region: %s has no run" % path, file=sys.stderr)
        return 2
    run = runs[0]
    acts = run.get("activations") or []
    os.makedirs(os.path.join(rep, "region"), exist_ok=True)
    resumed = [a for a in acts if a.get("t_resume", -1) >= 0]
    ended = [a for a in acts if a.get("t_resume", -1) < 0 and a.get("t_end", -1) >= 0]
    open_ = [a for a in acts if a.get("t_resume", -1) < 0 and a.get("t_end", -1) < 0]
    waits = sorted((a["t_resume"] - a["t_detect"]) / 1000.0 for a in resumed)

    fig, ax = plt.subplots(figsize=(7.5, 3.2), dpi=100)
    if waits:
        ax.hist(waits, bins=[i * 0.5 for i in range(0, 2 * int(max(waits) + 2))], color="#4e79a7",
                edgecolor="white", lw=0.3, label="resumed (%d)" % len(waits))
    ax.axvline(BOUND_MS / 1000.0, color="#c62828", ls="--", lw=1.2, label="R3: 90 s")
    if ended:
        ax.bar([(a["t_end"] - a["t_detect"]) / 1000.0 for a in ended][:1], [len(ended)], width=0.5,
               color="#e15759", label="ended at the deadline (%d)" % len(ended))
    ax.set_xlabel("resume - detection (s)")
    ax.set_ylabel("activations")
    ax.set_title("Every session of the rack: time to resume")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(rep, "region", "resume.png"))
    plt.close(fig)

    # Sessions in their window over time, 100 ms steps around the fault.
    t0 = min((a["t_detect"] for a in acts), default=0)
    t1 = max([a["t_resume"] for a in resumed] + [a["t_end"] for a in ended] + [t0]) + 5000
    step = 100
    delta = {}
    for a in acts:
        end = a["t_resume"] if a.get("t_resume", -1) >= 0 else a.get("t_end", -1)
        end = end if end >= 0 else t1
        delta[a["t_detect"] // step] = delta.get(a["t_detect"] // step, 0) + 1
        delta[end // step] = delta.get(end // step, 0) - 1
    xs, ys, cur = [], [], 0
    for k in range(t0 // step - 20, t1 // step + 1):
        cur += delta.get(k, 0)
        xs.append((k * step - t0) / 1000.0)
        ys.append(cur)
    fig, ax = plt.subplots(figsize=(7.5, 3.2), dpi=100)
    ax.plot(xs, ys, color="#4e79a7", lw=1.5)
    ax.fill_between(xs, ys, color="#4e79a7", alpha=0.15)
    ax.axvline(BOUND_MS / 1000.0, color="#c62828", ls="--", lw=1.2, label="detection + 90 s")
    ax.set_xlabel("time after the first detection (s)")
    ax.set_ylabel("sessions in their HA window")
    ax.set_title("The fleet's failover: sessions detected, not yet resumed or ended")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(rep, "region", "window.png"))
    plt.close(fig)

    def pct(p):
        return waits[min(len(waits) - 1, int(p * len(waits)))] if waits else float("nan")

    ok = bool(run.get("pass")) and not open_
    rows = [("scenario", html.escape(run.get("title", ""))),
            ("verdict", "PASS" if run.get("pass") else "FAIL (%d violations)" % run.get("violation_count", 0)),
            ("trace lines", "{:,}".format(run.get("trace_lines", 0))),
            ("activations", "%d: %d resumed, %d ended at the deadline, %d open at the end"
             % (len(acts), len(resumed), len(ended), len(open_))),
            ("resume after detection", "median %.2f s, 99th %.2f s, max %.2f s (R3: 90 s)"
             % (pct(0.5), pct(0.99), waits[-1] if waits else float("nan"))),
            ("peak in window", "%d sessions" % max(ys or [0]))]
    page = ["<!doctype html><meta charset=utf-8><title>hasim: the region scenario</title>",
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}td{padding:.2em 1em}"
            "</style><h1>The region scenario</h1><p><a href=index.html>report</a></p><table>"]
    page += ["<tr><td>%s</td><td>%s</td></tr>" % r for r in rows]
    page += ["</table>", "<h2>Resume times of the whole fleet</h2>",
             '<img src="region/resume.png" alt="histogram of resume times">',
             "<h2>Sessions still in their window</h2>",
             '<img src="region/window.png" alt="sessions in their HA window over time">']
    open(os.path.join(rep, "region.html"), "w").write("\n".join(page) + "\n")
    print("report_region: %s: %s, %d activations, resume median %.2f s, max %.2f s"
          % (os.path.join(rep, "region.html"), "pass" if ok else "FAIL", len(acts), pct(0.5),
             waits[-1] if waits else float("nan")))
    return 0 if ok else 1


sys.exit(main())
