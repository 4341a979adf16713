#!/usr/bin/python3
"""report.py -- reports/index.html from what hasim wrote (make report).

Reads, each when it exists (all paths under --reports, default reports/):
  scenarios.json      hasim run --json: verdicts, violations, activations,
                      per-rule checked/violated, the state x event table
  traces/*.jsonl      the scenarios' traces (and any other trace put there)
  swarm.json          hasim swarm --json: histograms, poller, checked, failing, goals
  coverage.json       tools/coverage.sh: line and branch percentages
  bench.json          make bench: {"benchmarks": [...]}
  provenance.json     tools/run.sh: the run's commit, date, command, machine
and writes index.html, state-machine.html, rules.html, scenarios/*.html,
violations/*.html and img/**.png. Plain HTML and PNG, nothing external.

Run with Debian's Python (/usr/bin/python3: matplotlib, Agg backend).
Exit status: 0 written, 2 an input file is unreadable.
"""

import argparse
import glob
import json
import multiprocessing
import os
import shutil
import sys
import time

os.environ.setdefault("MPLBACKEND", "Agg")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from report_data import (BOUNDS, Trace, activation_samples, fmt_dur, fmt_t,  # noqa: E402
                         hist_stats, load_json, slug)
from report_fsm import RULE_TEXT, fsm_page, fsm_summary, rules_page  # noqa: E402
from report_html import badge, esc, img, link, page, set_provenance, table, write  # noqa: E402
from provenance import provenance  # noqa: E402
from report_goals import goals_card, goals_section  # noqa: E402

MAX_SESSIONS_DRAWN = 6   # per scenario; the rest are listed in a table
MAX_VIOLATION_PAGES = 20  # per scenario
EXCERPT_CONTEXT = 4       # trace lines before and after a cited line


# ---- one scenario (runs in a worker process) -----------------------------


def _bound_of(a):
    """(what, value ms, bound ms, rule) of an activation's main timing."""
    if a.t_resume is None:
        return None
    if a.cause == "kill":
        return ("detection \u2192 resume", a.t_resume - a.t_detect, 30000, "R1")
    if a.same_server:
        if a.t_reconnected is not None:
            return ("detection \u2192 link back", a.t_reconnected - a.t_detect, 60000, "R2")
        return ("detection \u2192 resume (reconnect)", a.t_resume - a.t_detect, 90000, "R3")
    if a.switches:
        return ("switch \u2192 resume", a.t_resume - a.switches[0]["t"], 30000, "R2")
    return ("detection \u2192 resume", a.t_resume - a.t_detect, 90000, "R3")


def _act_row(a, zoom_href):
    b = _bound_of(a)
    servers = "%s" % a.srv
    if a.t_resume is not None:
        servers += " \u2192 %s" % a.resume_srv
    tot = a.t_resume - a.t_detect if a.t_resume is not None else None
    if b is not None:
        margin = b[2] - b[1]
        mcell = '<span class="%s">%s</span>' % ("pass" if margin >= 0 else "fail", fmt_dur(margin))
        bcell = "%s %s &le; %s (%s)" % (esc(b[0]), fmt_dur(b[1]), fmt_dur(b[2]), b[3])
    else:
        mcell = '<span class="warn">%s</span>' % esc(a.give_up_reason or "no resume")
        bcell = "-"
    end404 = a.t_closed
    fault = "%s %s" % (a.fault, fmt_t(a.t_fault)) if a.t_fault is not None else "-"
    return [link(zoom_href, "A%d" % a.k), esc(a.cause), esc(fault), fmt_t(a.t_detect),
            fmt_dur(a.t_detect - a.t_fault) if a.t_fault is not None else "-",
            fmt_t(a.switches[0]["t"]) if a.switches else "-", fmt_t(a.t_resume), bcell, mcell,
            fmt_dur(tot) if tot is not None else "-",
            fmt_dur(end404 - a.t_detect) if end404 is not None else "open", servers,
            str(len(a.switches)), str(len(a.failed))]


def _model_activations(tr):
    """Activation records like `hasim run --json`'s, from a trace alone."""
    out = []
    for s in tr.sessions.values():
        for a in s.activations:
            out.append({"sess": s.sess, "k": a.k, "cause": a.cause,
                        "t_fault": a.t_fault if a.t_fault is not None else -1,
                        "t_detect": a.t_detect,
                        "t_switch": a.switches[0]["t"] if a.switches else -1,
                        "t_resume": a.t_resume if a.t_resume is not None else -1,
                        "same_server": a.same_server,
                        "window_404_ms": (a.t_closed - a.t_detect) if a.t_closed is not None
                        else -1})
    return out


def _excerpt(tr, lines):
    """The cited trace lines with context, cited ones highlighted."""
    cited = sorted(set(n for n in lines if n))
    if not cited:
        return '<p class="muted">No trace lines cited.</p>'
    ranges = []
    for n in cited:
        lo, hi = max(1, n - EXCERPT_CONTEXT), min(len(tr.lines), n + EXCERPT_CONTEXT)
        if ranges and lo <= ranges[-1][1] + 1:
            ranges[-1][1] = max(ranges[-1][1], hi)
        else:
            ranges.append([lo, hi])
    out = ['<pre class="excerpt">']
    for i, (lo, hi) in enumerate(ranges):
        if i:
            out.append('<span class="ln">   ...</span>\n')
        for n in range(lo, hi + 1):
            text = '<span class="ln">%6d  </span>%s' % (n, esc(tr.lines[n - 1]))
            if n in cited:
                out.append('<span class="cited">%s</span>' % text)
            else:
                out.append(text + "\n")
    out.append("</pre>")
    return "".join(out)


def render_scenario(job):
    """Draws one scenario's pictures and writes its pages. Returns a summary
    for the index. Runs in a worker: everything it needs is in job."""
    from report_timeline import activation_window, draw_session  # matplotlib per process

    rep, name, run, trace_path = job["reports"], job["name"], job["run"], job["trace"]
    page_rel = "scenarios/%s.html" % name
    img_dir = os.path.join(rep, "img", name)
    os.makedirs(img_dir, exist_ok=True)
    summary = {"name": name, "href": page_rel, "run": run, "title": (run or {}).get("title", ""),
               "pass": (run or {}).get("pass"), "violations": [], "pictures": 0,
               "poller": [0, 0], "activations": [], "sessions": 0, "trace": trace_path,
               "errors": []}
    tr = None
    if trace_path and os.path.exists(trace_path):
        try:
            tr = Trace(trace_path)
        except OSError as e:
            summary["errors"].append("cannot read %s: %s" % (trace_path, e))
    if tr is not None:
        if not summary["title"]:
            summary["title"] = tr.run.get("title", "")
        summary["sessions"] = len([s for s in tr.sessions.values() if s.sess])
        for s in tr.sessions.values():
            for c in s.api:
                if c.get("by") == "poller":
                    summary["poller"][0] += 1
                    summary["poller"][1] += c.get("http") == 404
        if tr.errors:
            summary["errors"].append("%d trace lines did not parse (first: line %d)"
                                     % (len(tr.errors), tr.errors[0]))
    summary["activations"] = (run or {}).get("activations") if run else \
        (_model_activations(tr) if tr else [])

    body = []
    verdict = ""
    if run is not None:
        verdict = badge(run.get("pass"), "PASS", "FAIL")
    body.append("<h1>%s %s</h1>" % (esc(name), verdict))
    if summary["title"]:
        body.append("<p><i>%s</i></p>" % esc(summary["title"]))
    facts = []
    if run is not None:
        facts.append(("scenario", "<code>%s</code>" % esc(run.get("path"))))
        facts.append(("seed", esc(run.get("seed"))))
        facts.append(("trace fingerprint", "<code>%s</code>" % esc(run.get("fingerprint"))))
        facts.append(("replay", "<code>hasim run %s --seed %s --trace t.jsonl</code>"
                      % (esc(run.get("path")), esc(run.get("seed")))))
    if tr is not None:
        rel = os.path.relpath(trace_path, os.path.join(rep, "scenarios"))
        facts.append(("trace", "%s (%d lines)" % (link(rel, os.path.basename(trace_path)),
                                                  len(tr.lines))))
        facts.append(("world", "%s servers, capacity %s, %s session(s)"
                      % (esc(tr.run.get("servers")), esc(tr.run.get("capacity")),
                         esc(tr.run.get("sessions")))))
        facts.append(("run length", fmt_t(tr.t_end)))
    body.append(table(["", ""], [["<b>%s</b>" % k, v] for (k, v) in facts]))
    for e in summary["errors"]:
        body.append('<p class="warn">%s</p>' % esc(e))
    if run is not None and run.get("expect_failures"):
        body.append('<h3>Expectations not met</h3><pre>%s</pre>' % esc(run["expect_failures"]))
    if run is not None and run.get("crash"):
        c = run["crash"]
        body.append('<h2 class="fail" id="crash">The run crashed: %s</h2>' % esc(c.get("what")))
        if c.get("message"):
            body.append("<pre>%s</pre>" % esc(c["message"]))
        body.append("<p>The last trace lines before it (a trace file of the run, if any, ends "
                    "where its last write did):</p><pre>%s</pre>" % esc(c.get("last_trace_lines")))
        body.append("<p>Replay: <code>%s</code> (with <code>--no-fork</code> it crashes in the "
                    "process, for a debugger).</p>" % esc(c.get("replay")))

    # violations: one page each
    viols = (run or {}).get("violations") or []
    if viols:
        rows = []
        for i, v in enumerate(viols):
            href = None
            if i < MAX_VIOLATION_PAGES:
                href = "../violations/%s-%d.html" % (name, i + 1)
                _violation_page(rep, name, i + 1, v, run, tr, draw_session, activation_window)
                summary["violations"].append({"rule": v.get("rule"), "msg": v.get("msg"),
                                              "href": "violations/%s-%d.html" % (name, i + 1)})
            rows.append([link(href, v.get("rule")) if href else esc(v.get("rule")),
                         esc(v.get("sess")), fmt_t(v.get("t_ms")), esc(v.get("msg")),
                         ", ".join(str(n) for n in v.get("lines") or [])])
        body.append("<h2>Violations (%d)</h2>" % run.get("violation_count", len(viols)))
        body.append(table(["rule", "session", "at", "what", "trace lines"], rows))
    notes = (run or {}).get("notes") or []
    if notes:
        body.append("<h2>Assumptions that did not hold</h2>")
        body.append(table(["assumption", "session", "at", "what", "trace lines"],
                          [[esc(n.get("assumption")), esc(n.get("sess")), fmt_t(n.get("t_ms")),
                            esc(n.get("msg")), ", ".join(str(x) for x in n.get("lines") or [])]
                           for n in notes]))

    if tr is None:
        body.append('<p class="warn">No trace for this scenario (run it with '
                    '<code>--trace-dir reports/traces</code>), so no timeline.</p>')
    else:
        viol_sess = {v.get("sess") for v in viols}
        order = sorted((s for s in tr.sessions.values() if s.sess),
                       key=lambda s: (s.sess not in viol_sess, not s.activations, s.sess))
        drawn = order[:MAX_SESSIONS_DRAWN]
        if not drawn:
            body.append('<p class="warn">The trace has no session.</p>')
        for s in sorted(drawn, key=lambda s: s.sess):
            body.append(_session_section(rep, name, tr, s, draw_session, activation_window,
                                         summary))
        rest = order[MAX_SESSIONS_DRAWN:]
        if rest:
            body.append("<h2>Other sessions (%d, not drawn)</h2>" % len(rest))
            rest = sorted(rest, key=lambda s: (not s.activations, s.sess))
            body.append(table(["session", "activations", "end", "exit"],
                              [[esc(s.sess), esc(len(s.activations)), esc(s.end_reason or "-"),
                                esc(s.exit_status if s.exit_status is not None else "-")]
                               for s in rest[:300]],
                              num_cols=(0, 1)))
            if len(rest) > 300:
                body.append("<p>&hellip; and %d more sessions.</p>" % (len(rest) - 300))
    write(os.path.join(rep, page_rel), page("%s: hasim scenario" % name, "\n".join(body), 1))
    summary["run"] = None  # the parent has it
    return summary


def _session_section(rep, name, tr, s, draw_session, activation_window, summary):
    out = ["<h2 id=\"s%d\">Session %d</h2>" % (s.sess, s.sess)]
    out.append("<p>sid <code>%s</code>, channel <code>%s</code>, %s mode, first UID %s, "
               "users %s. %s</p>"
               % (esc(s.sid), esc(s.cname), esc(s.mode), esc(s.uid),
                  esc(", ".join(str(u) for u in s.users)) or "none",
                  ("Ended at %s: %s, exit status %s." % (fmt_t(s.t_end), esc(s.end_reason),
                                                          esc(s.exit_status)))
                  if s.t_end is not None else "Still live when the run ended."))
    png = "s%d.png" % s.sess
    draw_session(tr, s.sess, os.path.join(rep, "img", name, png),
                 title="%s, session %d: the whole run" % (name, s.sess))
    summary["pictures"] += 1
    out.append(img("../img/%s/%s" % (name, png), "timeline of session %d" % s.sess,
                   "The whole run, in minutes. Lanes: API calls (diamonds: the scenario's, "
                   "dots: the polling client's; green 2xx, red 404), the HA center's decisions, "
                   "one lane per server (bars: recorders, coloured by UID), files opened. "
                   "Shaded red: the 404 windows. A<i>k</i>: activation <i>k</i>, drawn below "
                   "in seconds."))
    if s.activations:
        rows = []
        for a in s.activations:
            rows.append(_act_row(a, "#s%da%d" % (s.sess, a.k)))
        out.append("<h3>Activations</h3>")
        out.append(table(["", "cause", "fault", "detected", "detection delay", "switch",
                          "resumed", "bound", "margin", "detection \u2192 resume",
                          "404 window", "server", "switches", "failed attempts"], rows))
        for a in s.activations:
            lo, hi, bounds = activation_window(tr, a)
            png = "s%d-a%d.png" % (s.sess, a.k)
            draw_session(tr, s.sess, os.path.join(rep, "img", name, png), t0=lo, t1=hi,
                         detail=True, ref_ms=a.t_detect, bounds=bounds,
                         title="session %d, activation %d (%s), detected at %s"
                         % (s.sess, a.k, a.cause, fmt_t(a.t_detect)))
            summary["pictures"] += 1
            out.append('<div id="s%da%d">' % (s.sess, a.k))
            out.append(img("../img/%s/%s" % (name, png), "activation %d" % a.k,
                           "Activation %d, in seconds from its detection; dashed: the bounds."
                           % a.k))
            out.append("</div>")
    # UIDs
    out.append("<h3>UIDs</h3>")
    out.append(table(["at", "UID", "why"], [[fmt_t(t), esc(u), esc(w)] for (t, u, w) in s.uids]
                     + [[fmt_t(t), esc(u), "user %s" % ("joined" if j else "left")]
                        for (t, u, j) in s.user_events]))
    # files
    pls = sorted(s.playlists.items(), key=lambda kv: (kv[1]["open"], kv[0]))
    out.append("<h3>Files (%d playlists, %d slices listed%s%s)</h3>"
               % (len(pls), s.slices,
                  ", %d MP4" % sum(s.mp4.values()) if s.mp4 else "",
                  ", %d slice%s cut by faults" % (s.slices_lost, "s" if s.slices_lost > 1 else "")
                  if s.slices_lost else ""))
    rows = [["<code>%s</code>" % esc(n), esc(p["bak"]), esc(p["uid"] or "mix"), esc(p["track"]),
             fmt_t(p["open"]), fmt_t(p["close"]), esc(p["slices"])] for (n, p) in pls]
    tbl = table(["playlist", "bak", "uid", "track", "opened", "closed", "slices"], rows,
                num_cols=(1, 6))
    if len(rows) > 12:
        tbl = "<details><summary>%d playlists</summary>%s</details>" % (len(rows), tbl)
    out.append(tbl)
    # API calls
    scn_calls = [c for c in s.api if c.get("by") != "poller"]
    poll = [c for c in s.api if c.get("by") == "poller"]
    out.append("<h3>API calls</h3>")
    if scn_calls:
        rows = []
        for c in scn_calls:
            miss = c.get("expect") is not None and c.get("expect") != c.get("http")
            ans = "%s%s%s" % (c.get("http"), " code %s" % c["code"] if c.get("code") else "",
                              " status %s" % c["status"] if "status" in c else "")
            rows.append([fmt_t(c.get("t_ms")), esc(c.get("call")), esc(ans),
                         esc(c.get("msg", "")),
                         ('<span class="fail">expected %s</span>' % esc(c["expect"])) if miss
                         else esc(c.get("expect", "")), esc(c.get("line"))])
        out.append(table(["at", "call", "answer", "message", "expect", "trace line"], rows,
                         num_cols=(5,)))
    n404 = sum(1 for c in poll if c.get("http") == 404)
    out.append("<p>The polling client made %d queries; %d got 404.</p>" % (len(poll), n404))
    return "\n".join(out)


def _violation_page(rep, name, idx, v, run, tr, draw_session, activation_window):
    rule = v.get("rule", "?")
    body = ["<h1>%s violated in %s</h1>" % (esc(rule), link("../scenarios/%s.html" % name, name))]
    body.append('<p><b>The rule:</b> %s</p>' % esc(RULE_TEXT.get(rule, "oracle check " + rule)))
    body.append('<p class="note"><b>What happened:</b> %s</p>' % esc(v.get("msg")))
    body.append("<p>Session %s, at %s (t_ms %s); trace lines %s. Scenario <code>%s</code>, "
                "seed %s.</p>" % (esc(v.get("sess")), fmt_t(v.get("t_ms")), esc(v.get("t_ms")),
                                  esc(", ".join(str(n) for n in v.get("lines") or [])),
                                  esc(run.get("path")), esc(run.get("seed"))))
    if tr is not None:
        sess = v.get("sess") or (min(tr.sessions) if tr.sessions else 0)
        if sess in tr.sessions and sess:
            times = [v.get("t_ms", 0)] + [t for t in (tr.line_time(n) for n in v.get("lines") or [])
                                          if t is not None]
            lo, hi = min(times), max(times)
            bounds = []
            ref = lo
            for a in tr.sessions[sess].activations:
                end = a.t_closed if a.t_closed is not None else tr.t_end
                if (a.t_fault or a.t_detect) - 5000 <= v.get("t_ms", 0) <= end + 30000:
                    alo, ahi, bounds = activation_window(tr, a)
                    lo, hi, ref = min(lo, alo), max(hi, ahi), a.t_detect
                    break
            pad = max(5000, (hi - lo) // 10)
            lo, hi = max(0, lo - pad), hi + pad
            marks = [(v.get("t_ms", 0), "%s violated" % rule)]
            marks += [(t, "") for t in (tr.line_time(n) for n in v.get("lines") or [])
                      if t is not None]
            png = "v%d.png" % idx
            draw_session(tr, sess, os.path.join(rep, "img", name, png), t0=lo, t1=hi,
                         detail=True, ref_ms=ref, bounds=bounds, marks=marks,
                         title="%s: %s violated at %s (session %d)"
                         % (name, rule, fmt_t(v.get("t_ms")), sess))
            body.append(img("../img/%s/%s" % (name, png), "the violation",
                            "Magenta: the moment of the violation and the trace lines it cites."))
        body.append("<h2>Trace excerpt</h2>")
        body.append(_excerpt(tr, v.get("lines") or []))
        rel = os.path.relpath(tr.path, os.path.join(rep, "violations"))
        body.append("<p>Whole trace: %s</p>" % link(rel, os.path.basename(tr.path)))
    else:
        body.append('<p class="warn">No trace to draw from.</p>')
    write(os.path.join(rep, "violations", "%s-%d.html" % (name, idx)),
          page("%s in %s" % (rule, name), "\n".join(body), 1))


# ---- the index -----------------------------------------------------------


def _pct(x):
    return "-" if x is None else "%.1f%%" % x


def _coverage_section(rep, cov, stale=None):
    out = ['<h2 id="coverage">Code coverage of the core (src/)</h2>']
    if not cov:
        out.append('<p class="muted">No <code>reports/coverage.json</code>: run '
                   '<code>make coverage</code>.</p>')
        return "\n".join(out)
    if stale:
        out.append('<p class="stale" id="coverage-stale">Not this run\'s: %s.</p>' % esc(stale))
    cards = []
    for key, what in (("unit", "unit tests alone"), ("sim", "scenarios + swarm")):
        c = cov.get(key) or {}
        href = "coverage/%s/index.html" % key
        lnk = link(href, "HTML") if os.path.exists(os.path.join(rep, href)) else \
            '<span class="muted">no HTML</span>'
        cards.append('<div class="card"><b>%s</b><div class="big">%s</div>lines &middot; '
                     '<b>%s</b> branches<br>%s</div>'
                     % (esc(what), _pct(c.get("lines")), _pct(c.get("branches")), lnk))
    out.append('<div class="cards">%s</div>' % "".join(cards))
    th = cov.get("threshold")
    if th:
        ok = th.get("ok")
        out.append("<p>Threshold for scenarios + swarm: lines &ge; %s%%, branches &ge; %s%%: %s</p>"
                   % (esc(th.get("lines_min")), esc(th.get("branches_min")),
                      badge(ok, "met", "NOT MET")))
        miss = (cov.get("sim") or {})
        ml, mb = miss.get("missing_lines") or [], miss.get("missing_branches") or []
        if ml or mb:
            rows = [["<code>%s:%s</code>" % (esc(m.get("file")), esc(m.get("line"))), "line",
                     "<code>%s</code>" % esc(m.get("source", ""))] for m in ml[:60]]
            rows += [["<code>%s:%s</code>" % (esc(m.get("file")), esc(m.get("line"))),
                      esc(m.get("what", "branch")), "<code>%s</code>" % esc(m.get("source", ""))]
                     for m in mb[:60]]
            out.append("<details><summary>%d lines never run, %d branches never taken</summary>"
                       "%s</details>" % (len(ml), len(mb), table(["where", "what", "source"],
                                                                  rows)))
    if cov.get("swarm"):
        out.append('<p class="muted">Sim coverage swarm: %s</p>' % esc(cov.get("swarm")))
    return "\n".join(out)


def _bench_section(bench, stale=None):
    out = ['<h2 id="bench">Benchmarks</h2>']
    items = (bench or {}).get("benchmarks") if isinstance(bench, dict) else None
    if not items:
        out.append('<p class="muted">No <code>reports/bench.json</code>: run <code>make bench'
                   '</code>.</p>')
        return "\n".join(out)
    if stale:
        out.append('<p class="stale" id="bench-stale">Not this run\'s: %s.</p>' % esc(stale))
    cols = ["name", "metric", "value", "unit", "floor", "ok"]
    for b in items:
        for k in b:
            if k not in cols:
                cols.append(k)
    rows = []
    for b in items:
        row = []
        for k in cols:
            v = b.get(k, "")
            if k == "ok":
                row.append(badge(bool(v), "ok", "BELOW FLOOR") if k in b else "")
            elif isinstance(v, float):
                row.append("%.4g" % v)
            else:
                row.append(esc(v if not isinstance(v, (dict, list)) else json.dumps(v)))
        rows.append(row)
    out.append(table([esc(c) for c in cols], rows,
                     num_cols=tuple(i for i, c in enumerate(cols) if c in ("value", "floor"))))
    return "\n".join(out)


def _margin_cell(bound, worst, viol, hard):
    if worst is None:
        return "-"
    m = bound - worst
    # Past the bound with no violation among runs whose assumptions held:
    # for R2's reconnect a reference line, not the rule's bound (the rule
    # bounds the link's return; the rejoin comes after it: * below, not a
    # warning); past a hard bound it would want a look (dagger).
    mark = ""
    if m >= 0:
        cls = "pass"
    elif viol:
        cls = "fail"
    elif not hard:
        cls, mark = "muted", "&nbsp;*"
    else:
        cls, mark = "warn", "&nbsp;&dagger;"
    return '<span class="%s">%s</span>%s' % (cls, fmt_dur(m), mark)


def _worst(h, vals):
    """n and worst of a swarm histogram and library values together."""
    st = hist_stats(h)
    n = st["n"] + len(vals)
    worsts = [w for w in (st.get("worst_ms"), max(vals) if vals else None) if w is not None]
    return n, (max(worsts) if worsts else None)


def _timing_section(rep, swarm, samples, samples_apart, runs):
    """One picture per bound, and the margins: the rule's (runs whose
    environment assumptions held) apart from those of runs where one broke."""
    from report_plots import distribution
    out = ['<h2 id="timing">Timing against the bounds</h2>',
           "<p>Each picture: the swarm's runs as bars (%s), the scenario library's activations "
           "as ticks under the axis, the bound as a dashed red line; past it is shaded. "
           "Margin = bound &minus; the worst value seen (the swarm's is rounded up to its "
           "bucket). <span class=\"assumption\">Activations during which an environment "
           "assumption broke (A1-A4) are drawn apart -- orange bars stacked on top, purple "
           "ticks above the others -- and their margins are given apart: the contract does "
           "not bound them (R10 applies instead), so they say nothing of the rule.</span></p>"
           % ("%d runs" % swarm.get("runs", 0) if swarm else "no swarm yet")]
    hists = (swarm or {}).get("histograms") or {}
    hists_apart = (swarm or {}).get("histograms_assumption") or {}
    os.makedirs(os.path.join(rep, "img"), exist_ok=True)
    rows, figs = [], []
    for (key, rule, what, bound, hard) in BOUNDS:
        vals, apart = samples.get(key, []), samples_apart.get(key, [])
        h = hists.get(key)
        png = "img/margin-%s.png" % key.replace("_ms", "")
        distribution(os.path.join(rep, png), "%s  %s vs %d s" % (rule, what, bound // 1000), h,
                     vals, bound, "%s %s %d s" % (rule, "bound" if hard else "link back by",
                                                  bound // 1000),
                     hist_apart=hists_apart.get(key), values_apart=apart)
        figs.append(img(png, "%s %s" % (rule, what)))
        st = hist_stats(h)
        sw_viol = ((swarm or {}).get("violated") or {}).get(rule, 0)
        lib_viol = sum((r.get("violated") or {}).get(rule, 0) for r in runs)
        cells = [esc(rule), esc(what), "%d s" % (bound // 1000)]
        for (n, worst, viol) in ((st["n"] if swarm else None, st.get("worst_ms"), sw_viol),
                                 (len(vals), max(vals) if vals else None, lib_viol)):
            if n is None:
                cells += ["-", "-", "-"]
                continue
            cells += [str(n), fmt_dur(worst) if worst is not None else "-",
                      _margin_cell(bound, worst, viol, hard)]
        cells.append(('<span class="fail">%d</span>' % (sw_viol + lib_viol))
                     if sw_viol + lib_viol else "0")
        n_apart, worst_apart = _worst(hists_apart.get(key), apart)
        cells += ['<span class="assumption">%d</span>' % n_apart,
                  '<span class="assumption">%s</span>' % (fmt_dur(worst_apart)
                                                          if worst_apart is not None else "-"),
                  '<span class="assumption">%s</span>' % (fmt_dur(bound - worst_apart)
                                                          if worst_apart is not None else "-")]
        rows.append(cells)
    out.append(table(["rule", "what", "bound", "swarm n", "swarm worst (&le;)", "swarm margin",
                      "library n", "library worst", "library margin", "violations",
                      "assumption broke: n", "worst", "margin (not judged)"], rows,
                     num_cols=(3, 4, 5, 6, 7, 8, 9, 10, 11, 12)))
    notes = (swarm or {}).get("notes") or {}
    out.append('<p class="muted">The rule\'s margins count only activations whose environment '
               'assumptions held. &dagger; Past the bound with no violation even so: the oracle '
               'found the run outside what the rule bounds; see its notes. * R2 bounds when the '
               'link is back (60 s after detection); the recorder rejoins after that, so a '
               'reconnect may resume a little past 60 s and still keep the rule (each scenario '
               'page checks the link-back time itself). R3\'s 90 s is the hard bound for it. %s'
               '</p>' % ("Swarm notes (assumptions that broke): %s."
                         % esc(", ".join("%s %s" % (k, v) for k, v in sorted(notes.items()) if v))
                         if any(notes.values()) else ""))
    out.append('<div class="grid2">%s</div>' % "".join(figs))

    out.append('<h2 id="window404">404 windows and the polling client</h2>')
    figs = []
    for key, title, bound, xl in (
            ("window_404_ms", "404 window: detection to resume (or end)", 90000,
             "seconds of 404 answers"),
            ("detect_ms", "detection delay: fault to detection", None, "seconds")):
        png = "img/dist-%s.png" % key.replace("_ms", "")
        distribution(os.path.join(rep, png), title, hists.get(key), samples.get(key, []), bound,
                     "R3 90 s" if bound else None, xl, hist_apart=hists_apart.get(key),
                     values_apart=samples_apart.get(key, []))
        figs.append(img(png, title))
    out.append('<div class="grid2">%s</div>' % "".join(figs))
    return "\n".join(out)


def _poller_table(swarm, summaries):
    rows = []
    if swarm and isinstance(swarm.get("poller"), dict):
        p = swarm["poller"]
        q, n4 = p.get("queries", 0), p.get("answers_404", 0)
        rows.append(["swarm (%s runs)" % esc(swarm.get("runs")), str(q), str(n4),
                     "%.2f%%" % (100.0 * n4 / q) if q else "-"])
    q = sum(s["poller"][0] for s in summaries)
    n4 = sum(s["poller"][1] for s in summaries)
    rows.append(["scenario library (%d traces)" % len(summaries), str(q), str(n4),
                 "%.2f%%" % (100.0 * n4 / q) if q else "-"])
    return ("<p>What the polling client (a customer querying every few seconds, backing off "
            "on 404) saw:</p>" + table(["", "queries", "404 answers", "share"], rows,
                                       num_cols=(1, 2, 3)))


def _swarm_section(swarm):
    out = ['<h2 id="swarm">Swarm</h2>']
    if not swarm:
        out.append('<p class="muted">No <code>reports/swarm.json</code> (the swarm did not run, '
                   'or this hasim has no swarm yet).</p>')
        return "\n".join(out)
    f = swarm.get("failures", 0)
    out.append("<p>%s runs from seed %s (%s jobs, shard %s) in %s: %s</p>"
               % (esc(swarm.get("runs")), esc(swarm.get("seed")), esc(swarm.get("jobs")),
                  esc(swarm.get("shard")), fmt_dur(swarm.get("elapsed_ms")),
                  badge(not f, "no failure", "%s failed" % f)))
    failing = swarm.get("failing") or []
    if failing:
        out.append(table(["run", "seed", "rule", "what", "replay"],
                         [[esc(x.get("run")), esc(x.get("seed")), esc(x.get("rule")),
                           esc(x.get("msg")), "<code>%s</code>" % esc(x.get("replay"))]
                          for x in failing[:200]]))
        if len(failing) > 200:
            out.append("<p>&hellip; and %d more in swarm.json</p>" % (len(failing) - 200))
    notes = swarm.get("notes") or {}
    if any(notes.values()):
        out.append("<p>Environment assumptions that did not hold (runs reported, not judged): %s"
                   "</p>" % esc(", ".join("%s: %s" % (k, v) for k, v in sorted(notes.items()) if v)))
    return "\n".join(out)


def _artifacts(rep):
    items = []
    for pat, what in (("junit*.xml", "JUnit XML"), ("scenarios.json", "scenario results"),
                      ("swarm.json", "swarm results"), ("coverage.json", "coverage numbers"),
                      ("bench.json", "benchmarks")):
        for p in sorted(glob.glob(os.path.join(rep, pat))):
            rel = os.path.relpath(p, rep)
            items.append("<li>%s: %s</li>" % (esc(what), link(rel, rel)))
    for key in ("unit", "sim"):
        href = "coverage/%s/index.html" % key
        if os.path.exists(os.path.join(rep, href)):
            items.append("<li>coverage HTML (%s): %s</li>"
                         % ("unit tests alone" if key == "unit" else "scenarios + swarm",
                            link(href, href)))
    items.append("<li>%s, %s</li>" % (link("state-machine.html", "state-machine coverage"),
                                      link("rules.html", "rule coverage")))
    return '<h2 id="files">Files</h2><ul>%s</ul>' % "".join(items)


# ---- where the results come from, and the verdict -----------------------


def _prov_words(p):
    """'commit abc (clean), date, `command`, on machine' as safe HTML."""
    if not p.get("commit"):
        commit = "no git commit"
    else:
        commit = "commit <code>%s</code> (%s)" % (
            esc(p.get("commit_short") or p["commit"][:12]),
            "with uncommitted changes" if p.get("dirty") else "clean"
            if p.get("dirty") is not None else "dirty or not unknown")
    return "%s, %s, <code>%s</code>, on %s" % (commit, esc(p.get("date")), esc(p.get("command")),
                                              esc(p.get("machine")))


def _provenance_header(run_prov, now):
    """The line at the top of every page: the results' origin, and the
    report's own when it differs."""
    if run_prov is None:
        return ('Results: <span class="stale">origin not recorded</span> (no provenance.json: '
                'not written by make run). Report drawn from %s.' % _prov_words(now))
    out = "Results of %s." % _prov_words(run_prov)
    if now.get("commit") != run_prov.get("commit"):
        out += (' <span class="stale">The checkout is now at commit %s: the results are of '
                'other code.</span>' % esc(now.get("commit_short") or "none"))
    return out + " Report drawn %s." % esc(now.get("date"))


def _stale(what, p_file, p_run):
    """Why a figure (coverage, bench) may not be of the run's code, or None."""
    if not isinstance(p_file, dict) or not p_file.get("commit"):
        return "%s: of an unknown commit (no provenance recorded): maybe other code" % what
    ref = p_run or {}
    if ref.get("commit") and p_file["commit"] != ref["commit"]:
        return "%s: from commit %s of %s, not this run's %s" % (
            what, p_file.get("commit_short") or p_file["commit"][:12], p_file.get("date"),
            ref.get("commit_short") or ref["commit"][:12])
    if p_file.get("dirty") or ref.get("dirty"):
        return ("%s: commit %s with uncommitted changes (%s): the code may differ from this "
                "run's" % (what, p_file.get("commit_short"), p_file.get("date")))
    return None


def _first_problem(runs, summaries, malformed, swarm):
    """(what broke first, as safe HTML) or None: a malformed file, then the
    first failing scenario in library order, then the swarm's first run."""
    if malformed:
        m = malformed[0]
        return "<code>%s</code> did not parse: %s" % (esc(m.get("path")), esc(m.get("error")))
    for s in summaries:
        r = s["run"]
        if r is None or r.get("pass"):
            continue
        where = link(s["href"], s["name"])
        if r.get("crash"):
            c = r["crash"]
            return "%s crashed: %s. <code>%s</code>" % (where, esc(c.get("what")),
                                                        esc(c.get("replay")))
        v = (r.get("violations") or [None])[0]
        if v is not None:
            vl = s["violations"][0]["href"] if s["violations"] else s["href"]
            return "%s: %s (session %s, at %s) %s" % (where, esc(v.get("msg")), esc(v.get("sess")),
                                                    fmt_t(v.get("t_ms")), link(vl, "details"))
        first = (r.get("expect_failures") or "").strip().split("\n")[0]
        return "%s: %s" % (where, esc(first or "failed"))
    failing = (swarm or {}).get("failing") or []
    if failing:
        f = failing[0]
        return "swarm run %s: %s <code>%s</code>" % (esc(f.get("run")), esc(f.get("msg")),
                                                    esc(f.get("replay")))
    return None


def _verdict(runs, summaries, malformed, swarm, cov):
    """The first screen: did it pass, and if not, what broke first."""
    n_fail = sum(1 for r in runs if not r.get("pass"))
    crashed = sum(1 for r in runs if r.get("crash"))
    sw_fail = (swarm or {}).get("failures", 0)
    parts = ["%d of %d scenarios passed" % (len(runs) - n_fail, len(runs))]
    if crashed:
        parts.append("%d crashed" % crashed)
    if malformed:
        parts.append("%d file%s did not parse" % (len(malformed), "" if len(malformed) == 1
                                                  else "s"))
    if swarm:
        parts.append("swarm: %s of %s runs failed" % (sw_fail, swarm.get("runs")))
    ok = not n_fail and not malformed and not sw_fail and (runs or swarm)
    out = ['<div class="verdict %s" id="verdict"><span class="big">%s</span>%s'
           % ("pass" if ok else "fail", "PASS" if ok else "FAIL" if runs or swarm else "NO RESULTS",
              esc("; ".join(parts)) if runs or swarm else " run <code>make run</code>")]
    first = _first_problem(runs, summaries, malformed, swarm)
    if first:
        out.append('<div class="first"><b>What broke first:</b> %s</div>' % first)
    th = (cov or {}).get("threshold") or {}
    if cov and not th.get("ok", True):
        out.append('<div class="first">Coverage is below its threshold (shown in the report; '
                   '<code>make run</code> counts it only with RUN_COVERAGE_STRICT=1).</div>')
    out.append("</div>")
    return "".join(out)


def build(rep, jobs, quiet=False):
    t_begin = time.time()
    try:
        scn = load_json(os.path.join(rep, "scenarios.json"))
        swarm = load_json(os.path.join(rep, "swarm.json"))
        cov = load_json(os.path.join(rep, "coverage.json"))
        bench = load_json(os.path.join(rep, "bench.json"))
        run_prov = load_json(os.path.join(rep, "provenance.json"))
    except (ValueError, OSError) as e:
        print("report: error: %s" % e, file=sys.stderr)
        return 2
    runs = (scn or {}).get("runs") or []
    malformed = (scn or {}).get("malformed") or []
    now = provenance(" ".join(["tools/report.py"] + sys.argv[1:]))
    set_provenance(_provenance_header(run_prov, now), (run_prov or {}).get("commit"))
    stale = {"coverage": _stale("coverage", (cov or {}).get("provenance"), run_prov or now)
             if cov else None,
             "bench": _stale("benchmarks", (bench or {}).get("provenance"), run_prov or now)
             if isinstance(bench, dict) else None}

    # Which trace goes with which run; traces nobody ran get a page too.
    jobs_list, names = [], set()
    for r in runs:
        base = os.path.basename(r.get("path", "run"))
        name = slug(base[:-4] if base.endswith(".scn") else base)
        while name in names:
            name += "_"
        names.add(name)
        tp = r.get("trace")
        if not tp or not os.path.exists(tp):
            cand = os.path.join(rep, "traces", name + ".jsonl")
            tp = cand if os.path.exists(cand) else None
        jobs_list.append({"reports": rep, "name": name, "run": r, "trace": tp})
    seen = {os.path.abspath(j["trace"]) for j in jobs_list if j["trace"]}
    for tp in sorted(glob.glob(os.path.join(rep, "traces", "*.jsonl"))):
        if os.path.abspath(tp) in seen:
            continue
        name = slug(os.path.basename(tp)[:-6])
        while name in names:
            name += "_"
        names.add(name)
        jobs_list.append({"reports": rep, "name": name, "run": None, "trace": tp})

    for d in ("img", "scenarios", "violations"):
        shutil.rmtree(os.path.join(rep, d), ignore_errors=True)
    os.makedirs(os.path.join(rep, "img"), exist_ok=True)

    if jobs > 1 and len(jobs_list) > 1:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            summaries = pool.map(render_scenario, jobs_list, chunksize=1)
    else:
        summaries = [render_scenario(j) for j in jobs_list]
    for s, j in zip(summaries, jobs_list):
        s["run"] = j["run"]

    # timing samples of the library, from the oracle's activation records;
    # those during which an environment assumption broke apart
    samples, samples_apart = {}, {}
    for s in summaries:
        for act in s["activations"] or []:
            into = samples_apart if act.get("assumptions") else samples
            for k, v in activation_samples(act).items():
                into.setdefault(k, []).append(v)

    def scn_href(run):
        for s in summaries:
            if s["run"] is run:
                return s["href"]
        return "index.html"

    rules_body, never = rules_page(runs, swarm, scn_href)
    write(os.path.join(rep, "rules.html"), page("hasim: rule coverage", rules_body))
    scn_tr = (scn or {}).get("transitions")
    sw_tr = (swarm or {}).get("transitions")
    write(os.path.join(rep, "state-machine.html"),
          page("hasim: state-machine coverage", fsm_page(scn_tr, sw_tr)))
    fs = fsm_summary(scn_tr, sw_tr)

    # ---- index
    n_pass = sum(1 for r in runs if r.get("pass"))
    n_fail = len(runs) - n_pass
    body = ["<h1>hasim report</h1>", _verdict(runs, summaries, malformed, swarm, cov)]
    if malformed:
        body.append('<p class="fail">Files that did not parse (the others ran):</p>' +
                    table(["file", "error"], [["<code>%s</code>" % esc(m.get("path")),
                                              esc(m.get("error"))] for m in malformed]))
    cards = []
    if scn is not None:
        cards.append('<div class="card"><b>scenarios</b><div class="big %s">%d / %d</div>passed'
                     '</div>' % ("pass" if not n_fail else "fail", n_pass, len(runs)))
    else:
        body.append('<p class="note">No <code>reports/scenarios.json</code> yet: run <code>make '
                    'run</code> (scenario library, swarm, coverage and this report).</p>')
    if swarm:
        f = swarm.get("failures", 0)
        cards.append('<div class="card"><b>swarm</b><div class="big %s">%s</div>failures in %s '
                     'runs</div>' % ("pass" if not f else "fail", esc(f), esc(swarm.get("runs"))))
    if cov:
        c = cov.get("sim") or {}
        ok = (cov.get("threshold") or {}).get("ok", True)
        cards.append('<div class="card"><b>%s</b><div class="big %s">%s</div>lines, %s branches'
                     '%s</div>' % (link("#coverage", "coverage (sim)"),
                                   "stale" if stale["coverage"] else "pass" if ok else "fail",
                                   _pct(c.get("lines")), _pct(c.get("branches")),
                                   '<br><span class="stale">%s</span>' % esc(stale["coverage"])
                                   if stale["coverage"] else ""))
    if goals_card(swarm):
        cards.append(goals_card(swarm))
    cards.append('<div class="card"><b>%s</b><div class="big">%d / %d</div>possible pairs taken'
                 '%s</div>' % (link("state-machine.html", "state machine"), fs["taken"],
                               fs["taken"] + fs["never"],
                               '<br><span class="fail">%d impossible but taken</span>' % fs["bad"]
                               if fs["bad"] else ""))
    cards.append('<div class="card"><b>%s</b><div class="big %s">%d / 12</div>rules checked</div>'
                 % (link("rules.html", "rules"), "pass" if not never else "fail", 12 - len(never)))
    nviol = sum(len(s["violations"]) for s in summaries)
    cards.append('<div class="card"><b>violations</b><div class="big %s">%d</div>pages below'
                 '</div>' % ("fail" if nviol else "pass", nviol))
    body.append('<div class="cards">%s</div>' % "".join(cards))

    if os.path.exists(os.path.join(rep, "region.html")):
        body.append('<p>The region scenario (100 000 sessions, a rack of 20 hosts lost): '
                    '<a href="region.html">the whole fleet\'s resume times</a>.</p>')
    body.append(_timing_section(rep, swarm, samples, samples_apart, runs))
    body.append(_poller_table(swarm, summaries))

    body.append('<h2 id="scenarios">Scenarios (%d)</h2>' % len(summaries))
    rows = []
    for s in summaries:
        r = s["run"] or {}
        verdict = badge(r.get("pass"), "pass", "CRASH" if r.get("crash") else "FAIL") \
            if s["run"] is not None else '<span class="muted">trace only</span>'
        nv = r.get("violation_count", 0) if s["run"] is not None else 0
        rows.append([link(s["href"], s["name"]), esc(s["title"]), verdict,
                     str(len(s["activations"] or [])),
                     ('<span class="fail">%d</span>' % nv) if nv else "0",
                     "%d / %d" % tuple(s["poller"]), str(s["pictures"]),
                     esc(r.get("seed", "")),
                     '<span class="warn">%s</span>' % esc("; ".join(s["errors"])) if s["errors"]
                     else ""])
    if rows:
        body.append(table(["scenario", "title", "verdict", "activations", "violations",
                           "poller queries / 404", "pictures", "seed", ""], rows,
                          num_cols=(3, 4, 6, 7)))
    else:
        body.append('<p class="muted">No scenario results and no traces.</p>')

    body.append('<h2 id="violations">Violations</h2>')
    vrows = []
    for s in summaries:
        for v in s["violations"]:
            vrows.append([link(v["href"], v["rule"]), link(s["href"], s["name"]),
                          esc(v["msg"])])
    body.append(table(["rule", "scenario", "what"], vrows) if vrows else
                '<p class="pass">None in the scenario library.</p>')
    body.append(_swarm_section(swarm))
    body.append(goals_section(swarm))
    body.append(_coverage_section(rep, cov, stale["coverage"]))
    body.append(_bench_section(bench, stale["bench"]))
    body.append(_artifacts(rep))
    write(os.path.join(rep, "index.html"), page("hasim report", "\n".join(body)))
    if not quiet:
        print("report: %d scenario pages, %d violation pages, %d pictures in %.1f s -> %s"
              % (len(summaries), nviol, sum(s["pictures"] for s in summaries),
                 time.time() - t_begin, os.path.join(rep, "index.html")))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reports", default=os.environ.get("REPORTS") or "reports",
                    help="directory to read and write (default: $REPORTS, else reports)")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                    help="worker processes drawing scenarios")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args()
    return build(a.reports, max(1, a.jobs), a.quiet)


if __name__ == "__main__":
    sys.exit(main())
