"""report_timeline.py -- the timeline picture of one session, from its trace.

Lanes, top to bottom: the API calls and their answers (the scenario's as
diamonds, the polling client's as dots), the HA center's decisions
(detection, the reconnect window, switches, resume, the end), one lane per
server the session touched (its recorders as bars labelled with their UID,
the link down hatched, kills and crashes marked), and the files the
session opened. The 404 windows are shaded across every lane.

Two scales: the whole run in minutes (readable for a 4 h recording: faults
are numbered A0, A1, ... there), and one picture per activation in seconds
from its detection, with the contract's bounds drawn as dashed lines.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from report_data import abbrev_name, fmt_dur  # noqa: E402

C_404 = "#f4c7c3"
C_LINK = "#f0a030"
C_CENTER_DOWN = "#b0b0b0"
C_CRASH = "#555555"
C_KILL = "#c62828"
C_DISC = "#ef6c00"
C_SWITCH = "#1565c0"
C_RESUME = "#2e7d32"
C_BOUND = "#6a1b9a"
C_MARK = "#d81b60"
UID_COLORS = ["#4e79a7", "#59a14f", "#9c755f", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
              "#bab0ac", "#86bcb6", "#8cd17d"]
BAK_COLORS = ["#9e9e9e", "#4e79a7", "#59a14f", "#b07aa1"]  # ordinary, bak0, bak1, bak2

MAX_SERVER_LANES = 10
FIG_W_IN = 12.5
AX_LEFT, AX_RIGHT = 0.075, 0.985
CHAR_IN = 0.058  # width of a character at 7.5 pt, inches (DejaVu Sans, roughly)


def _prefix(bak):
    return "bak%d_" % bak if bak >= 0 else "ordinary names"


def http_color(http):
    if http is None:
        return "#777777"
    if 200 <= http < 300:
        return "#2e7d32"
    if http == 404:
        return "#c62828"
    return "#ef6c00"


class Lanes:
    """y positions of lanes: lane i is centred at -i (top lane first)."""

    def __init__(self, names):
        self.names = names
        self.index = {n: i for i, n in enumerate(names)}

    def y(self, name):
        return -self.index[name]


def _servers_of(trace, sess, t0, t1):
    s = trace.sessions[sess]
    used = []
    for r in sorted(s.recorders.values(), key=lambda r: r.t_start):
        if r.srv not in used:
            used.append(r.srv)
    for a in s.activations:
        if a.srv not in used:
            used.append(a.srv)
    if len(used) > MAX_SERVER_LANES:
        # Keep the ones with something inside the window, in first-use order.
        inside = [v for v in used
                  if any(r.srv == v and r.t_start <= t1 and (r.t_end or t1) >= t0
                         for r in s.recorders.values())]
        used = inside[:MAX_SERVER_LANES]
    return sorted(used)


def _lane_name(srv):
    return "server %d" % srv


def draw_session(trace, sess, out_png, t0=None, t1=None, detail=False, ref_ms=0,
                 bounds=(), marks=(), title=None):
    """Draws session sess of trace into out_png.

    t0, t1: the window (default: the whole run). detail: seconds from ref_ms
    on the axis, every event labelled; otherwise minutes from 0. bounds:
    (t_ms, label) dashed lines. marks: (t_ms, label) magenta lines, for a
    violation and the trace lines it cites."""
    s = trace.sessions[sess]
    if t0 is None:
        t0 = 0
    if t1 is None:
        t1 = max(trace.t_end, 1)
    scale = 1000.0 if detail else 60000.0
    ref = ref_ms if detail else 0

    def X(t):
        return (t - ref) / scale

    servers = _servers_of(trace, sess, t0, t1)
    names = ["API", "HA center"] + [_lane_name(v) for v in servers] + ["files"]
    has_users = bool(s.user_events)
    if has_users:
        names.insert(2, "channel")
    lanes = Lanes(names)
    lanes_in = 0.42 * len(names)
    height = lanes_in + (0.35 if title else 0.12) + 0.5 + 0.62
    fig = plt.figure(figsize=(FIG_W_IN, height), dpi=100)
    ax = fig.add_axes([AX_LEFT, (0.5 + 0.62) / height, AX_RIGHT - AX_LEFT, lanes_in / height])
    xmin, xmax = X(t0), X(t1)
    span = max(xmax - xmin, 1e-9)
    char_w = span * CHAR_IN / (FIG_W_IN * (AX_RIGHT - AX_LEFT))
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(-len(names) + 0.45, 0.6)
    ax.set_yticks([-i for i in range(len(names))])
    ax.set_yticklabels(names, fontsize=9)
    for i in range(len(names)):
        ax.axhline(-i - 0.5, color="#dddddd", lw=0.6, zorder=0)
    ax.set_xlabel("seconds after detection" if detail and ref else
                  ("seconds" if detail else "minutes since the run began"), fontsize=9)
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", color="#eeeeee", lw=0.6, zorder=0)

    def visible(t):
        return t is not None and t0 <= t <= t1

    placed = []  # (y, x0, x1) of labels drawn, to keep them apart

    def text(x, y, msg, room=None, alt=(), **kw):
        """A label at x. Flipped to end at x when it would run off the right
        edge; dropped when room (data units) is given and it does not fit;
        moved to the first of the alternative heights alt where it overlaps
        no label already drawn (else the least crowded one)."""
        size = kw.setdefault("fontsize", 7.5)
        kw.setdefault("clip_on", True)
        w = len(msg) * char_w * size / 7.5
        if room is not None and w > room:
            return False
        ha = kw.get("ha", "left")
        if ha == "left" and x + w > xmax:
            ha = kw["ha"] = "right"
            msg = msg.strip() + " "
        x0 = x if ha == "left" else (x - w if ha == "right" else x - w / 2)
        x1 = x0 + w

        def clashes(yy):
            return sum(1 for (py, px0, px1) in placed
                       if abs(py - yy) < 0.17 and px0 < x1 and x0 < px1)

        best = min([y] + list(alt), key=lambda yy: (clashes(yy) > 0, clashes(yy)))
        if clashes(y) == 0:
            best = y
        placed.append((best, x0, x1))
        ax.text(x, best, msg, **kw)
        return True

    # -- 404 windows, under everything
    for a in s.activations:
        end = a.t_closed if a.t_closed is not None else trace.t_end
        if end < t0 or a.t_detect > t1:
            continue
        ax.axvspan(X(max(a.t_detect, t0)), X(min(end, t1)), color=C_404, alpha=0.55, lw=0,
                   zorder=0.5)
        if detail:
            text(X(max(a.t_detect, t0)) + span * 0.003, -len(names) + 0.52,
                 "404 window %s" % fmt_dur(end - a.t_detect), alt=(0.36,), color="#b71c1c",
                 fontsize=7.5)

    # -- server lanes: link, crash, kills, recorders
    uid_color = {}
    for uid in [u for (_t, u, _w) in s.uids]:
        if uid not in uid_color:
            uid_color[uid] = UID_COLORS[len(uid_color) % len(UID_COLORS)]
    recs = sorted(s.recorders.values(), key=lambda r: r.t_start)
    for r in recs:
        if r.srv not in servers:
            continue
        y = lanes.y(_lane_name(r.srv))
        end = r.t_end if r.t_end is not None else trace.t_end
        if end < t0 or r.t_start > t1:
            continue
        color = uid_color.get(r.uid, "#888888")
        ready = r.t_ready if r.t_ready is not None else end
        # starting: hatched outline; recording: solid
        a_, b_ = max(r.t_start, t0), min(ready, t1)
        if a_ <= b_:
            ax.barh(y, max(X(b_) - X(a_), span * 0.002), left=X(a_), height=0.42,
                    color="white", edgecolor=color, hatch="...", lw=0.8, zorder=2)
        if r.t_ready is not None:
            a_, b_ = max(r.t_ready, t0), min(end, t1)
            if a_ <= b_:
                ax.barh(y, max(X(b_) - X(a_), span * 0.002), left=X(a_), height=0.42,
                        color=color, lw=0, zorder=2)
        label = "rec %d  uid %d" % (r.rec, r.uid)
        if r.bak is not None and r.bak >= 0:
            label += "  bak%d_" % r.bak
        lx = X(max(r.t_start, t0))
        bar_w = X(min(end, t1)) - lx
        if not text(lx + span * 0.003, y + 0.22, label, room=None if detail else bar_w,
                    color="#222222", va="bottom"):
            text(lx + span * 0.003, y + 0.22, "uid %d" % r.uid, room=bar_w,
                 color="#222222", va="bottom")
        if detail and r.t_end is not None and visible(r.t_end) and \
                r.end_how not in ("run end", "kill", "crash"):
            text(X(r.t_end), y - 0.42, r.end_how, color="#444444", fontsize=7, ha="center")
        if r.end_how == "let go" and r.t_fenced is not None and r.t_fenced > r.t_end:
            # Let go at the switch, fenced only when its server came back:
            # still running out there, writing nothing that counts (R9).
            a_, b_ = max(r.t_end, t0), min(r.t_fenced, t1)
            if a_ < b_:
                ax.barh(y, X(b_) - X(a_), left=X(a_), height=0.18, color="#bdbdbd", lw=0,
                        zorder=2)
            if visible(r.t_fenced):
                ax.plot([X(r.t_fenced)], [y], marker="|", color="black", ms=10, mew=1.5,
                        zorder=4)
                if detail:
                    text(X(r.t_fenced), y - 0.42, "fenced", color="#444444", fontsize=7,
                         ha="center")
        for (tr, tready) in r.resumes:
            if visible(tr):
                ax.plot([X(tr)], [y], marker="|", color=C_RESUME, ms=12, mew=2, zorder=4)
                if detail:
                    text(X(tr), y - 0.42, "resume cmd", color=C_RESUME, ha="center", fontsize=7)

    for v in servers:
        y = lanes.y(_lane_name(v))
        sv = trace.servers.get(v)
        if sv is None:
            continue
        for iv in sv.link_down:
            a_, b_ = max(iv[0], t0), min(iv[1], t1)
            if a_ < b_:
                ax.barh(y, X(b_) - X(a_), left=X(a_), height=0.86, color="none",
                        edgecolor=C_LINK, hatch="////", lw=0, zorder=1)
        for iv in sv.center_down:
            a_, b_ = max(iv[0], t0), min(iv[1], t1)
            if a_ < b_:
                ax.barh(y - 0.36, X(b_) - X(a_), left=X(a_), height=0.1, color=C_CENTER_DOWN,
                        lw=0, zorder=1)
        if sv.t_crash is not None and sv.t_crash <= t1:
            a_ = max(sv.t_crash, t0)
            ax.barh(y, X(t1) - X(a_), left=X(a_), height=0.86, color=C_CRASH, alpha=0.25, lw=0,
                    zorder=1)
            text(X(a_), y + 0.3, " host crashed", alt=(y - 0.42,), color=C_CRASH, fontsize=7)
        for (tk, rec, ksess) in sv.kills:
            if visible(tk) and (ksess in (0, sess)):
                ax.plot([X(tk)], [y], marker="X", color=C_KILL, ms=9, zorder=5, mec="white",
                        mew=0.6)
                if detail:
                    text(X(tk), y + 0.3, " kill rec %d" % rec, alt=(y - 0.42,), color=C_KILL)

    # -- the center's lane
    yc = lanes.y("HA center")
    # Heights a label of the center's lane may take, best first; the last
    # borrows the bottom of the API lane, which is mostly empty.
    rows_c = (yc + 0.26, yc - 0.42, yc + 0.05, yc - 0.19, yc + 0.47)

    def alt_c(first):
        return tuple(r for r in rows_c if r != first)
    if s.t_start is not None and visible(s.t_start):
        ax.plot([X(s.t_start)], [yc], marker="o", color="#777777", ms=5, zorder=4)
    if s.t_started is not None and visible(s.t_started) and detail:
        text(X(s.t_started), yc + 0.26, " started", alt=alt_c(yc + 0.26), color="#555555")
    for a in s.activations:
        col = C_KILL if a.cause == "kill" else C_DISC
        if a.t_reconnecting is not None:
            until = a.reconnect_until or a.t_reconnecting
            stop = until
            if a.t_reconnected is not None:
                stop = min(stop, a.t_reconnected)
            if a.switches:
                stop = min(stop, a.switches[0]["t"])
            if a.t_end is not None:
                stop = min(stop, a.t_end)
            lo, hi = max(a.t_reconnecting, t0), min(stop, t1)
            if lo < hi:
                ax.barh(yc, X(hi) - X(lo), left=X(lo), height=0.5, color=C_DISC, alpha=0.35,
                        lw=0, zorder=2)
                if detail:
                    text(X(lo) + span * 0.004, yc - 0.12, "reconnecting", color="#8a4b00",
                         va="center")
            if detail and visible(until):
                ax.plot([X(until)] * 2, [yc - 0.3, yc + 0.3], color=C_DISC, ls=":", lw=1.2)
        if visible(a.t_detect):
            ax.plot([X(a.t_detect)], [yc], marker="v", color=col, ms=9, zorder=5, mec="white",
                    mew=0.6)
            lbl = "A%d %s" % (a.k, a.cause) if not detail else \
                "detect (%s, activation %d)" % (a.cause, a.k)
            text(X(a.t_detect), yc + 0.26, lbl, alt=alt_c(yc + 0.26), color=col, fontsize=8 if not detail else 7.5,
                 fontweight="bold")
        if detail and a.t_fault is not None and visible(a.t_fault) and a.fault == "disconnect":
            y = lanes.y(_lane_name(a.srv)) if a.srv in servers else yc
            ax.plot([X(a.t_fault)], [y], marker="P", color=C_DISC, ms=8, zorder=5)
            text(X(a.t_fault), y - 0.42, " link lost", color=C_DISC)
        if detail and a.t_reconnected is not None and visible(a.t_reconnected):
            ax.plot([X(a.t_reconnected)], [yc], marker="^", color=C_RESUME, ms=7, zorder=5)
            text(X(a.t_reconnected), yc - 0.42, "reconnected", alt=alt_c(yc - 0.42), color=C_RESUME, fontsize=7,
                 ha="center")
        for sw in a.switches:
            if not visible(sw["t"]):
                continue
            ax.plot([X(sw["t"])], [yc], marker=">", color=C_SWITCH, ms=7, zorder=5)
            if detail and sw["srv"] in servers:
                ys = lanes.y(_lane_name(sw["srv"]))
                ax.annotate("", xy=(X(sw["t"]), ys + 0.22), xytext=(X(sw["t"]), yc - 0.2),
                            arrowprops=dict(arrowstyle="->", color=C_SWITCH, lw=1.0),
                            annotation_clip=True)
                text(X(sw["t"]), yc - 0.42,
                     " switch \u2192 srv %s, uid %s" % (sw["srv"], sw["uid"]),
                     alt=alt_c(yc - 0.42), color=C_SWITCH, fontsize=7)
        for (tf, fsrv, frec) in a.failed:
            if visible(tf):
                ax.plot([X(tf)], [yc], marker="x", color=C_KILL, ms=7, zorder=5)
                if detail:
                    text(X(tf), yc + 0.05, " attempt failed (srv %s)" % fsrv, alt=alt_c(yc + 0.05), color=C_KILL,
                         fontsize=7)
        if a.t_resume is not None and visible(a.t_resume):
            ax.plot([X(a.t_resume)], [yc], marker="o", color=C_RESUME, ms=7, zorder=5,
                    mec="white", mew=0.6)
            if detail:
                text(X(a.t_resume), yc + 0.26, " resume %s after detection"
                     % fmt_dur(a.t_resume - a.t_detect), alt=alt_c(yc + 0.26),
                     color=C_RESUME, fontweight="bold")
        if a.t_give_up is not None and visible(a.t_give_up):
            ax.plot([X(a.t_give_up)], [yc], marker="X", color="black", ms=9, zorder=6)
            if detail:
                text(X(a.t_give_up), yc + 0.05, " give up (%s)" % a.give_up_reason, alt=alt_c(yc + 0.05),
                     color="black", fontsize=7.5)
    if s.t_end is not None and visible(s.t_end):
        ok = s.exit_status == 0
        ax.plot([X(s.t_end)], [yc], marker="s", color=C_RESUME if ok else "black", ms=7,
                zorder=6)
        text(X(s.t_end), yc - 0.42, " end: %s, exit %s" % (s.end_reason, s.exit_status),
             alt=alt_c(yc - 0.42), fontsize=7.5, color="#222222")

    # -- API lane
    ya = lanes.y("API")
    scn_calls = []
    for c in s.api:
        t = c.get("t_ms", 0)
        if not visible(t):
            continue
        if c.get("by") == "poller":
            ax.plot([X(t)], [ya - 0.22], marker="o", ms=3.2, color=http_color(c.get("http")),
                    lw=0, zorder=4, alpha=0.85)
        else:
            scn_calls.append(c)
    for c in scn_calls:
        t = c["t_ms"]
        miss = c.get("expect") is not None and c.get("expect") != c.get("http")
        ax.plot([X(t)], [ya + 0.08], marker="D", ms=6.5, color=http_color(c.get("http")),
                mec="black" if miss else "white", mew=1.6 if miss else 0.5, zorder=5)
        if detail or len(scn_calls) <= 12:
            lbl = "%s %s" % (c.get("call"), c.get("http"))
            if miss:
                lbl += " (expected %s)" % c.get("expect")
            text(X(t), ya + 0.28, " " + lbl, alt=(ya - 0.12,), fontsize=7, color="#222222")

    # -- channel lane (users joining / leaving)
    if has_users:
        yu = lanes.y("channel")
        for (t, uid, joined) in s.user_events:
            if visible(t):
                ax.plot([X(t)], [yu], marker="^" if joined else "v", ms=6,
                        color="#00897b" if joined else "#6d4c41", zorder=4)
                text(X(t), yu + 0.18, " %s%s" % ("+" if joined else "-", uid), fontsize=7)

    # -- files lane: playlists grouped by bak
    yf = lanes.y("files")
    groups = {}
    for name, p in s.playlists.items():
        groups.setdefault(p["bak"], []).append((p["open"], name, p))
    for bak in sorted(groups):
        items = sorted(groups[bak])
        g0 = items[0][0]
        g1 = max((p["close"] if p["close"] is not None else (s.t_end or trace.t_end))
                 for (_o, _n, p) in items)
        lo, hi = max(g0, t0), min(g1, t1)
        col = BAK_COLORS[(bak + 1) % len(BAK_COLORS)]
        if lo <= hi:
            ax.barh(yf, max(X(hi) - X(lo), span * 0.002), left=X(lo), height=0.36, color=col,
                    alpha=0.55, lw=0, zorder=2)
            more = " +%d more" % (len(items) - 1) if len(items) > 1 else ""
            room = None if detail else X(hi) - X(lo)
            for label in (abbrev_name(items[0][1]) + more,
                          "%s\u2026 (%d files)" % (_prefix(bak), len(items)), _prefix(bak)):
                if text(X(lo) + span * 0.003, yf + 0.2, label, room=room, fontsize=7,
                        color="#222222", va="bottom"):
                    break
        if detail:
            for (topen, _name, _p) in items:
                if visible(topen):
                    ax.plot([X(topen)], [yf], marker="|", ms=10, color=col, mew=1.4, zorder=3)

    # -- bounds and marks
    for (tb, label) in bounds:
        if visible(tb):
            ax.axvline(X(tb), color=C_BOUND, ls="--", lw=1.1, zorder=6)
            text(X(tb), -len(names) + 0.5, " " + label, color=C_BOUND, fontsize=7.5,
                 va="bottom", fontweight="bold")
    for (tm, label) in marks:
        if visible(tm):
            ax.axvline(X(tm), color=C_MARK, ls="-", lw=1.3, zorder=6, alpha=0.8)
            if label:
                text(X(tm), 0.45, " " + label, color=C_MARK, fontsize=7.5, va="top",
                     fontweight="bold")

    if title:
        ax.set_title(title, fontsize=10, loc="left")
    legend = [
        Patch(facecolor=C_404, label="404 window"),
        Patch(facecolor="white", edgecolor=C_LINK, hatch="////", label="link down"),
        Patch(facecolor=C_CENTER_DOWN, label="center: server down"),
        Patch(facecolor="white", edgecolor="#4e79a7", hatch="...", label="recorder starting"),
        Patch(facecolor="#4e79a7", label="recording (colour = UID)"),
        Patch(facecolor="#bdbdbd", label="let go, not yet fenced"),
        Line2D([], [], marker="X", color=C_KILL, lw=0, label="kill"),
        Line2D([], [], marker="v", color=C_DISC, lw=0, label="detection"),
        Line2D([], [], marker=">", color=C_SWITCH, lw=0, label="switch"),
        Line2D([], [], marker="o", color=C_RESUME, lw=0, label="resume"),
        Line2D([], [], marker="D", color="#2e7d32", lw=0, label="API 2xx"),
        Line2D([], [], marker="D", color="#c62828", lw=0, label="API 404"),
        Line2D([], [], marker="o", ms=3, color="#777777", lw=0, label="poller"),
    ]
    fig.legend(handles=legend, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=7,
               fontsize=7.5, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.savefig(out_png, metadata={"Software": None})
    plt.close(fig)


def activation_window(trace, act):
    """The window of an activation's picture and the bounds to draw:
    from shortly before the fault to after resume (or the end), wide enough
    to show the bound that applies."""
    start = act.t_fault if act.t_fault is not None else act.t_detect
    stop = act.t_closed if act.t_closed is not None else trace.t_end
    d = act.t_detect
    bounds = []
    if act.t_resume is None and act.t_end is not None and act.t_end - d < 1000:
        # Gave up at once (R5: the 4th fault): no bound to show.
        lo = start - 10000
        return max(lo, 0), max(act.t_end, d) + 20000, bounds
    if act.cause == "kill":
        bounds.append((d + 30000, "R1: 30 s"))
    else:
        bounds.append((d + 60000, "R2: reconnect 60 s"))
        if act.switches:
            bounds.append((act.switches[0]["t"] + 30000, "R2: switch + 30 s"))
    bounds.append((d + 90000, "R3: 90 s"))
    # Show the first bound, and any later one the activation got close to.
    horizon = max(stop, bounds[0][0])
    for (tb, _l) in bounds[1:]:
        if stop > tb - 15000:
            horizon = max(horizon, tb)
    lo = start - max(5000, (horizon - start) // 12)
    # Room on the right: resume, switch and the first new files cluster
    # there, and their labels read left to right.
    hi = horizon + max(10000, (horizon - start) // 4)
    return max(lo, 0), min(hi, max(trace.t_end, hi)), bounds
