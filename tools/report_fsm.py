"""report_fsm.py -- state-machine coverage and rule coverage pages.

State machine: the core counts, for every session state, how often a
session in it was told each event (ha_center_transitions(); `hasim run
--json` and `hasim swarm --json` write the table as "transitions"). A pair
is *taken* (count > 0), *never taken* (0, and nothing says it cannot
happen: a gap in the scenarios and the swarm), or *impossible*: the table
IMPOSSIBLE below says why the core can never count it. A pair marked
impossible that has a count is shown in red: the reasoning (or the core)
is wrong, and the report says so rather than hiding it.

Rules: for each contract rule R1-R14, which scenarios checked it (the
oracle's per-rule `checked` count > 0) and how often the swarm did.
"""

from report_html import badge, esc, link, table

STATES = ["free", "starting", "recording", "failover", "reconnecting", "resuming", "switching",
          "stopping", "ended_normal", "ended_abnormal"]
EVENTS = ["start", "query", "update", "updateLayout", "stop", "deadline", "step", "server_down",
          "server_up", "exit_report", "ready", "failed", "exited", "slice", "user", "stale"]

_LIVE = ["starting", "recording", "failover", "reconnecting", "resuming", "switching", "stopping"]
_ENDED = ["ended_normal", "ended_abnormal"]

# (state, event) -> why the core can never count it. Be conservative: a pair
# is here only with a reason that names the code that rules it out
# (src/ha_api.c, src/ha_center.c, src/ha_session.c).
IMPOSSIBLE = {}


def _why(states, events, reason):
    for st in states:
        for ev in events:
            IMPOSSIBLE[(st, ev)] = reason


# A start is never addressed to a session: api_start() counts every start
# against the FREE row (it then takes a free slot), whatever the outcome.
_why(_LIVE + _ENDED, ["start"],
     "api_start() counts every start in the free row: a start is not addressed to a session")

# Recorder inputs naming a FREE slot are possible: the hostile driver
# (`set hostile on`, sim/drive/liar.c) sends reports and uploads naming a
# session never started, and the core must drop them (the liar checks it
# does). They are counted in the free row, so they are not listed here.
# (This table once said otherwise, and the report showed them in red on a
# green run: the reasoning was wrong, not the core.)
_why(["free"], ["deadline", "step"],
     "a free slot never had a timer armed: ha_session_begin() leaves free before arming")
# server_down()/server_up() in ha_center.c skip FREE slots outright;
# server_down() also skips ended sessions (session_uses_server() is false).
_why(["free"], ["server_down", "server_up"],
     "server_down()/server_up() in ha_center.c skip free slots")
_why(_ENDED, ["server_down"],
     "server_down() only tells sessions that use the server; an ended session uses none")

# Timers: session_timer() drops a timer whose armed flag is off or whose
# generation is stale before the session hears of it. ha_session_end()
# disarms both timers and nothing arms one afterwards; the transitions into
# RECORDING (on_ready: started, resumed()) disarm both; ha_session_stop()
# disarms the step timer when entering STOPPING, and only start_attempt(),
# begin_activation(), on_server_up() and on_server_down() arm it, in states
# other than RECORDING and STOPPING.
_why(_ENDED, ["deadline", "step"],
     "ha_session_end() disarms both session timers and nothing re-arms them after the end")
_why(["recording"], ["deadline", "step"],
     "entering recording (started, resumed()) disarms both timers; none is armed while recording")
_why(["stopping"], ["step"],
     "ha_session_stop() disarms the step timer; only the flush deadline runs while stopping")

# RECONNECTING: the session's only server is the one whose heartbeats timed
# out, and it has no pending recorder. A second server_down for it needs a
# server_up first, and server_up in RECONNECTING (recorder alive: an exit
# report would have switched already) moves the session to RESUMING.
_why(["reconnecting"], ["server_down"],
     "its only server is already down; the next heartbeat (server_up) moves it to resuming "
     "before that server can go down again")

# The activation deadline is detection + 90 s (begin_activation() in
# ha_session.c arms it); reconnecting and resuming are over by detection +
# 69 s: the step timer switches at detection + 60 s (a heartbeat in that very
# millisecond comes first and resumes), a rejoin gets 9 s (on_server_up()),
# and a link that flaps while rejoining (on_server_down()) re-arms the step
# no later than now, so the switch follows in the same millisecond.
_why(["reconnecting", "resuming"], ["deadline"],
     "over by detection + 69 s (60 s window, 9 s rejoin); the deadline is detection + 90 s")

# HA_SEV_STALE counts the timers a session re-armed or disarmed since they
# were set (session_timer() in ha_center.c counts them, then drops them):
# a lazy driver (`set lazy_timers on`) delivers them in every state but free,
# where no timer was ever armed (slots are never freed again).
_why(["free"], ["stale"],
     "a free slot never had a timer armed: ha_session_begin() leaves free before arming")


def _matrix(tr):
    """{(state, event): count} from a "transitions" object, or {}."""
    out = {}
    if not isinstance(tr, dict):
        return out
    states, events, counts = tr.get("states", []), tr.get("events", []), tr.get("counts", [])
    for i, st in enumerate(states):
        row = counts[i] if i < len(counts) else []
        for j, ev in enumerate(events):
            out[(st, ev)] = out.get((st, ev), 0) + (row[j] if j < len(row) else 0)
    return out


def fsm_summary(scn_tr, swarm_tr):
    """Counts of taken / never / impossible / impossible-but-taken cells."""
    a, b = _matrix(scn_tr), _matrix(swarm_tr)
    states, events = _axes(a, b)
    res = {"taken": 0, "never": 0, "impossible": 0, "bad": 0, "cells": 0}
    for st in states:
        for ev in events:
            n = a.get((st, ev), 0) + b.get((st, ev), 0)
            res["cells"] += 1
            imp = (st, ev) in IMPOSSIBLE
            if imp and n:
                res["bad"] += 1
            elif imp:
                res["impossible"] += 1
            elif n:
                res["taken"] += 1
            else:
                res["never"] += 1
    return res


def _axes(a, b):
    states = list(STATES)
    events = list(EVENTS)
    for (st, ev) in list(a) + list(b):
        if st not in states:
            states.append(st)
        if ev not in events:
            events.append(ev)
    return states, events


def fsm_page(scn_tr, swarm_tr):
    """The body of state-machine.html."""
    a, b = _matrix(scn_tr), _matrix(swarm_tr)
    states, events = _axes(a, b)
    s = fsm_summary(scn_tr, swarm_tr)
    possible = s["taken"] + s["never"]
    out = ["<h1>State-machine coverage</h1>",
           "<p>How often a session in each state (rows) of the HA core was told each event "
           "(columns), summed over the scenario library and the swarm. Each cell shows "
           "<b>scenarios&nbsp;/&nbsp;swarm</b>. <span class=\"badge pass\">taken</span> "
           "<span class=\"badge warn\">never taken</span> (a gap: no scenario or swarm run "
           "reached it) <span class=\"badge\" style=\"background:#eceff1\">impossible</span> "
           "(the core cannot count it: the reason is in the list below and in "
           "<code>tools/report_fsm.py</code>).</p>"]
    if not a and not b:
        out.append('<p class="note">No transitions table: run <code>make run</code> '
                   '(needs <code>reports/scenarios.json</code> or <code>reports/swarm.json</code>).'
                   '</p>')
    out.append('<div class="cards"><div class="card"><div class="big">%d / %d</div>possible pairs '
               'taken</div><div class="card"><div class="big">%d</div>never taken</div>'
               '<div class="card"><div class="big">%d</div>impossible</div>%s</div>'
               % (s["taken"], possible, s["never"], s["impossible"],
                  '<div class="card"><div class="big fail">%d</div>impossible but taken</div>'
                  % s["bad"] if s["bad"] else ""))
    rows = ['<table class="fsm"><tr><th>state \\ event</th>']
    for ev in events:
        rows.append('<th class="ev">%s</th>' % esc(ev))
    rows.append("</tr>")
    notes = []
    for st in states:
        rows.append("<tr><th>%s</th>" % esc(st))
        for ev in events:
            na, nb = a.get((st, ev), 0), b.get((st, ev), 0)
            why = IMPOSSIBLE.get((st, ev))
            if why and (na or nb):
                cls, txt = "bad", "%d / %d" % (na, nb)
                tip = "marked impossible but taken: " + why
            elif why:
                if why not in notes:
                    notes.append(why)
                cls, txt = "impossible", "&ndash;<sup>%d</sup>" % (notes.index(why) + 1)
                tip = why
            elif na or nb:
                cls, txt, tip = "taken", "%d / %d" % (na, nb), "taken"
            else:
                cls, txt, tip = "never", "0", "never taken"
            rows.append('<td class="%s" title="%s: %s">%s</td>'
                        % (cls, esc(st + " x " + ev), esc(tip), txt))
        rows.append("</tr>")
    rows.append("</table>")
    out.append("".join(rows))
    out.append("<h2>Why the impossible pairs are impossible</h2><ol>")
    for why in notes:
        out.append("<li>%s</li>" % esc(why))
    out.append("</ol>")
    gaps = [(st, ev) for st in states for ev in events
            if (st, ev) not in IMPOSSIBLE and not a.get((st, ev)) and not b.get((st, ev))]
    out.append("<h2>Never taken (%d)</h2>" % len(gaps))
    if gaps:
        out.append("<p>" + ", ".join("<code>%s &times; %s</code>" % (esc(st), esc(ev))
                                     for (st, ev) in gaps) + "</p>")
    else:
        out.append("<p>None: every possible pair was reached.</p>")
    return "\n".join(out)


RULES = ["R%d" % i for i in range(1, 15)]
RULE_TEXT = {
    "R1": "Kill: resumes on a different server within 30 000 ms of detection.",
    "R2": "Disconnect: reconnect to the same server (same UID) if the link is back within "
          "60 000 ms of detection; else switch at 60 000 ms and resume within a further 30 000 ms.",
    "R3": "Every activation resumes within 90 000 ms of its detection, or the session ends "
          "abnormally at that deadline.",
    "R4": "Naming: activation k opens bak<k>_ playlists and slices; slices before the first "
          "activation have no prefix; no entries in a playlist once a later activation began.",
    "R5": "At most 3 activations: the 4th fault gives up (no bak3_, exit 1, later calls 404).",
    "R6": "404 window: query/update/updateLayout/stop get 404 from detection until resume and "
          "after the end; normal answers otherwise.",
    "R7": "New UID on a switch (fresh, random, unused, event 12 announces it); a reconnect keeps "
          "the UID.",
    "R8": "No data lost: every finished slice listed in exactly one playlist, in time order.",
    "R9": "One recorder: a server switched away from never writes for the session again "
          "(fencing).",
    "R10": "Giving up cleanly at the 90 s deadline: event 11 exit 1, nothing lost, later 404.",
    "R11": "A fault of a replacement before it resumed is not a new activation.",
    "R12": "Stop outside an HA window ends normally and closes every playlist; inside it gets "
           "404 and changes nothing.",
    "EXPECT": "The scenario's own expectation (an API call's expect, or an expect line) was not "
              "met.",
    "NCS": "Callback integrity: per-session sequence numbers in order, notice ids unique.",
    "TRACE": "The trace contradicts itself (an unknown session, recorder, ...).",
}


def rules_page(runs, swarm, scn_href):
    """The body of rules.html. runs: `hasim run --json` runs; swarm: swarm.json
    or None; scn_href(run) -> link to the scenario's page."""
    sw_checked = (swarm or {}).get("checked", {}) or {}
    sw_violated = (swarm or {}).get("violated", {}) or {}
    extra = []
    for r in runs:
        for k in (r.get("checked") or {}):
            if k not in RULES and k not in extra:
                extra.append(k)
    out = ["<h1>Rule coverage</h1>",
           "<p>For each rule of the contract (<code>src/CONTRACT.md</code>), the scenarios that "
           "checked it (the oracle's <code>checked</code> count &gt; 0: the rule's condition "
           "arose and was judged) and the swarm's total. A rule nobody checked is a hole in the "
           "tests, flagged red.</p>"]
    rows = []
    never = []
    for rule in RULES + extra:
        who = [(r, (r.get("checked") or {}).get(rule, 0)) for r in runs]
        who = [(r, n) for (r, n) in who if n]
        total = sum(n for (_r, n) in who)
        viol = sum((r.get("violated") or {}).get(rule, 0) for r in runs)
        swn = sw_checked.get(rule, 0) if swarm else None
        swv = sw_violated.get(rule, 0) if swarm else None
        checked_any = total > 0 or (swn or 0) > 0
        if rule in RULES and not checked_any:
            never.append(rule)
        names = ", ".join(link(scn_href(r), _scn_name(r)) + '<span class="muted">&nbsp;(%d)</span>'
                          % n for (r, n) in who[:40])
        if len(who) > 40:
            names += " &hellip; and %d more" % (len(who) - 40)
        rows.append([
            "<b>%s</b>" % esc(rule),
            esc(RULE_TEXT.get(rule, "oracle's own check")),
            str(len(who)), str(total),
            ('<span class="fail">%d</span>' % viol) if viol else "0",
            "-" if swn is None else str(swn),
            "-" if swv is None else (('<span class="fail">%d</span>' % swv) if swv else "0"),
            badge(checked_any, "checked", "NEVER CHECKED") if rule in RULES else "",
            names or '<span class="muted">none</span>'])
    if never:
        out.append('<p class="fail">Never checked: %s</p>' % esc(", ".join(never)))
    else:
        out.append('<p class="pass">Every rule R1-R14 was checked at least once.</p>')
    out.append(table(["rule", "what", "scenarios", "checks (scenarios)", "violated (scenarios)",
                      "checks (swarm)", "violated (swarm)", "", "scenarios that checked it "
                      "(checks)"], rows, num_cols=(2, 3, 4, 5, 6)))
    if not swarm:
        out.append('<p class="muted">No <code>reports/swarm.json</code>: swarm columns empty.</p>')
    return "\n".join(out), never


def _scn_name(run):
    p = run.get("path", "")
    b = p.rsplit("/", 1)[-1]
    return b[:-4] if b.endswith(".scn") else b
