"""report_data.py -- what the report reads: hasim's JSON results and traces.

A trace (docs/trace.md) is turned into a small model per session: the
recorders it had and where, its activations (fault, detection, reconnect
window, switches, resume), its 404 windows, its API calls and the files it
opened. The pictures and pages are drawn from that model only, so a trace
from real processes (hasim check) draws the same way as a simulated one.

Times are integer milliseconds of the run's clock, as in the trace.
"""

import json
import os
import re

# ---- small helpers --------------------------------------------------------


def load_json(path):
    """The parsed file, or None when it is absent. A file that exists but is
    not JSON is an error worth stopping for: the report would lie."""
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def fmt_t(ms):
    """Run time for people: M:SS.mmm, or H:MM:SS.mmm past an hour."""
    if ms is None or ms < 0:
        return "-"
    h, rest = divmod(int(ms), 3600000)
    m, rest = divmod(rest, 60000)
    s, milli = divmod(rest, 1000)
    if h:
        return "%d:%02d:%02d.%03d" % (h, m, s, milli)
    return "%d:%02d.%03d" % (m, s, milli)


def fmt_dur(ms):
    """A duration for people: 12.345 s, or 4 min 3.2 s."""
    if ms is None:
        return "-"
    if abs(ms) < 60000:
        return "%.3f s" % (ms / 1000.0)
    sign = "-" if ms < 0 else ""
    m, rest = divmod(abs(int(ms)), 60000)
    return "%s%d min %.1f s" % (sign, m, rest / 1000.0)


SID_RE = re.compile(r"[0-9a-f]{32}")


def abbrev_name(name, limit=52):
    """A file name short enough for a picture: the 32-hex session id becomes
    its first 6 digits and an ellipsis (it is the same in every file of a
    session), then anything still too long loses its middle."""
    short = SID_RE.sub(lambda m: m.group(0)[:6] + "\u2026", name)
    if len(short) > limit:
        keep = limit - 1
        head = keep * 2 // 3
        tail = keep - head
        short = short[:head] + "\u2026" + short[-tail:]
    return short


def slug(text):
    """A file-name-safe slug for pages and images."""
    s = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.")
    return s or "x"


# ---- the trace model ------------------------------------------------------


class Recorder:
    """One recorder process the center started for a session."""

    def __init__(self, rec, sess, srv, uid, bak, t_start, line):
        self.rec = rec
        self.sess = sess
        self.srv = srv
        self.uid = uid
        self.bak = bak
        self.t_start = t_start
        self.line = line
        self.t_ready = None
        self.t_end = None      # when it stopped recording for the session
        self.end_how = None    # kill, crash, fence, flush, failed, exited
        self.resumes = []      # reconnect: (t_resume_cmd, t_ready)
        self.t_fenced = None   # told to stop for good (R9), maybe long after it was let go

    def close(self, t, how):
        if self.t_end is None:
            self.t_end = t
            self.end_how = how


class Activation:
    """One use of the HA mechanism (or the 4th fault, k == 3)."""

    def __init__(self, sess, k, cause, srv, rec, t_detect, until_ms, line):
        self.sess = sess
        self.k = k
        self.cause = cause
        self.srv = srv
        self.rec = rec
        self.t_detect = t_detect
        self.until_ms = until_ms
        self.line = line
        self.t_fault = None
        self.fault = None          # kill | disconnect | crash
        self.t_reconnecting = None
        self.reconnect_until = None
        self.t_reconnected = None
        self.switches = []         # dicts: t, from_srv, srv, rec, uid, attempt
        self.failed = []           # (t, srv, rec)
        self.t_resume = None
        self.resume_srv = None
        self.resume_uid = None
        self.t_give_up = None
        self.give_up_reason = None
        self.t_end = None

    @property
    def t_closed(self):
        """End of the 404 window: resume, or the session's end."""
        if self.t_resume is not None:
            return self.t_resume
        return self.t_end

    @property
    def same_server(self):
        return self.t_resume is not None and self.resume_srv == self.srv


class Session:
    def __init__(self, sess):
        self.sess = sess
        self.sid = ""
        self.cname = ""
        self.mode = ""
        self.uid = 0
        self.users = []
        self.t_start = None
        self.t_started = None
        self.recorders = {}     # rec -> Recorder
        self.activations = []
        self.api = []           # dicts from the api lines, with "line"
        self.playlists = {}     # name -> dict(open, close, bak, uid, track, slices)
        self.mp4 = {}           # bak -> count of MP4 files
        self.slices = 0
        self.slices_lost = 0
        self.callbacks = []
        self.user_events = []   # (t, uid, joined)
        self.uids = []          # (t, uid, why) in the order the session used them
        self.t_end = None
        self.end_reason = None
        self.exit_status = None
        self.fenced = []        # (t, srv, rec)

    def cur_activation(self):
        return self.activations[-1] if self.activations else None

    def windows_404(self):
        """(t0, t1) from each detection to resume or end; t1 None if open."""
        return [(a.t_detect, a.t_closed) for a in self.activations]


class Server:
    def __init__(self, srv):
        self.srv = srv
        self.link_down = []   # [t0, t1 or None]: the world's disconnects
        self.center_down = []  # [t0, t1 or None]: the center's server_down..up
        self.t_crash = None
        self.kills = []       # (t, rec, sess)


class Trace:
    """A parsed trace file."""

    def __init__(self, path):
        self.path = path
        self.name = os.path.splitext(os.path.basename(path))[0]
        self.lines = []        # raw text, for excerpts (line n is lines[n-1])
        self.run = {}
        self.sessions = {}
        self.servers = {}
        self.t_end = 0
        self.provision_fail = []  # (t, count)
        self.errors = []       # lines that did not parse
        self._parse()

    # -- lookups
    def server(self, srv):
        if srv not in self.servers:
            self.servers[srv] = Server(srv)
        return self.servers[srv]

    def session(self, sess):
        if sess not in self.sessions:
            self.sessions[sess] = Session(sess)
        return self.sessions[sess]

    def utc0(self):
        return self.run.get("utc0_ms", 0)

    # -- parsing
    def _parse(self):
        with open(self.path, encoding="utf-8", errors="replace") as f:
            self.lines = f.read().splitlines()
        for n, text in enumerate(self.lines, 1):
            try:
                ev = json.loads(text)
            except ValueError:
                self.errors.append(n)
                continue
            if not isinstance(ev, dict):
                self.errors.append(n)
                continue
            t = ev.get("t_ms", 0)
            if isinstance(t, int):
                self.t_end = max(self.t_end, t)
            handler = getattr(self, "_ev_" + str(ev.get("kind")), None)
            if handler is not None:
                try:
                    handler(ev, t, n)
                except (KeyError, TypeError, AttributeError):
                    self.errors.append(n)
        for s in self.sessions.values():
            end = s.t_end if s.t_end is not None else self.t_end
            for r in s.recorders.values():
                if r.t_end is None and r.t_ready is not None:
                    # still recording when the run (or session) ended
                    r.t_end = end if s.t_end is None else max(s.t_end, r.t_ready)
                    r.end_how = r.end_how or "run end"
        for sv in self.servers.values():
            for iv in sv.link_down + sv.center_down:
                if iv[1] is None:
                    iv[1] = self.t_end

    def _ev_run(self, ev, t, n):
        self.run = ev

    def _ev_session(self, ev, t, n):
        s = self.session(ev["sess"])
        s.sid = ev.get("sid", "")
        s.cname = ev.get("cname", "")
        s.mode = ev.get("mode", "")
        s.uid = ev.get("uid", 0)
        s.users = list(ev.get("users", []))
        s.t_start = t
        s.uids.append((t, s.uid, "start"))

    def _ev_api(self, ev, t, n):
        sess = ev.get("sess", 0)
        d = dict(ev)
        d["line"] = n
        self.session(sess).api.append(d)

    def _ev_fault(self, ev, t, n):
        kind = ev.get("fault")
        srv = ev.get("srv", 0)
        if kind == "kill":
            if srv:
                self.server(srv).kills.append((t, ev.get("rec", 0), ev.get("sess", 0)))
                s = self.sessions.get(ev.get("sess", 0))
                if s is not None and ev.get("rec", 0) in s.recorders:
                    s.recorders[ev["rec"]].close(t, "kill")
        elif kind == "disconnect":
            sv = self.server(srv)
            if not sv.link_down or sv.link_down[-1][1] is not None:
                heal = ev.get("heal_ms", -1)
                sv.link_down.append([t, heal if heal is not None and heal >= 0 else None])
                if heal is not None and heal >= 0:
                    sv.link_down[-1].append("planned")
        elif kind == "heal":
            sv = self.server(srv)
            if sv.link_down and (sv.link_down[-1][1] is None or len(sv.link_down[-1]) > 2):
                sv.link_down[-1] = [sv.link_down[-1][0], t]
        elif kind == "crash":
            sv = self.server(srv)
            sv.t_crash = t
            for s in self.sessions.values():
                for r in s.recorders.values():
                    if r.srv == srv and r.t_end is None:
                        r.close(t, "crash")
        elif kind == "provision_fail":
            self.provision_fail.append((t, ev.get("count", 0)))

    def _ev_exit_report(self, ev, t, n):
        pass

    def _ev_user(self, ev, t, n):
        self.session(ev["sess"]).user_events.append((t, ev.get("uid"), ev.get("joined")))

    def _ev_detect(self, ev, t, n):
        s = self.session(ev["sess"])
        a = Activation(s.sess, ev.get("activation", len(s.activations)), ev.get("cause"),
                       ev.get("srv"), ev.get("rec"), t, ev.get("until_ms"), n)
        sv = self.server(ev.get("srv", 0))
        # The world's fault behind it: the latest kill of that recorder, or
        # the latest disconnect/crash of that server, before detection.
        cands = []
        for (tk, rec, _sess) in sv.kills:
            if rec == a.rec and tk <= t:
                cands.append((tk, "kill"))
        for iv in sv.link_down:
            if iv[0] <= t:
                cands.append((iv[0], "disconnect"))
        if sv.t_crash is not None and sv.t_crash <= t:
            cands.append((sv.t_crash, "crash"))
        prev = s.activations[-1].t_detect if s.activations else -1
        cands = [c for c in cands if c[0] >= prev]
        if cands:
            a.t_fault, a.fault = max(cands)
        s.activations.append(a)

    def _ev_server_down(self, ev, t, n):
        self.server(ev["srv"]).center_down.append([t, None])

    def _ev_server_up(self, ev, t, n):
        sv = self.server(ev["srv"])
        if sv.center_down and sv.center_down[-1][1] is None:
            sv.center_down[-1][1] = t

    def _ev_reconnecting(self, ev, t, n):
        a = self.session(ev["sess"]).cur_activation()
        if a is not None:
            a.t_reconnecting = t
            a.reconnect_until = ev.get("until_ms")

    def _ev_reconnected(self, ev, t, n):
        a = self.session(ev["sess"]).cur_activation()
        if a is not None:
            a.t_reconnected = t

    def _ev_switch(self, ev, t, n):
        s = self.session(ev["sess"])
        a = s.cur_activation()
        sw = {"t": t, "from_srv": ev.get("from_srv"), "srv": ev.get("srv"), "rec": ev.get("rec"),
              "uid": ev.get("uid"), "attempt": ev.get("attempt"), "line": n}
        # Retries of the first recorder carry no from_srv; they are no
        # activation's business.
        if a is not None and a.t_closed is None and ev.get("from_srv") is not None:
            a.switches.append(sw)
            s.uids.append((t, ev.get("uid"), "switch, activation %d" % a.k))
            # The session leaves the failed recorder for good (R9): it no
            # longer records for it, whether or not it is still running.
            r = s.recorders.get(a.rec)
            if r is not None:
                r.close(t, "let go")

    def _ev_attempt_failed(self, ev, t, n):
        s = self.session(ev["sess"])
        a = s.cur_activation()
        if a is not None and a.t_closed is None and s.t_started is not None:
            a.failed.append((t, ev.get("srv"), ev.get("rec")))
        r = s.recorders.get(ev.get("rec"))
        if r is not None:
            r.close(t, "failed")

    def _ev_recorder_start(self, ev, t, n):
        s = self.session(ev["sess"])
        s.recorders[ev["rec"]] = Recorder(ev["rec"], s.sess, ev.get("srv"), ev.get("uid"),
                                          ev.get("bak", -1), t, n)

    def _ev_recorder_resume(self, ev, t, n):
        r = self.session(ev["sess"]).recorders.get(ev.get("rec"))
        if r is not None:
            r.resumes.append([t, None])

    def _ev_recorder_ready(self, ev, t, n):
        r = self.session(ev["sess"]).recorders.get(ev.get("rec"))
        if r is None:
            return
        if r.t_ready is None:
            r.t_ready = t
        elif r.resumes and r.resumes[-1][1] is None:
            r.resumes[-1][1] = t

    def _ev_recorder_failed(self, ev, t, n):
        r = self.session(ev["sess"]).recorders.get(ev.get("rec"))
        if r is not None:
            r.close(t, "failed")

    def _ev_recorder_stop(self, ev, t, n):
        r = self.session(ev["sess"]).recorders.get(ev.get("rec"))
        if r is not None and ev.get("how") == "fence":
            r.close(t, "fence")

    def _ev_recorder_exited(self, ev, t, n):
        r = self.session(ev["sess"]).recorders.get(ev.get("rec"))
        if r is not None:
            r.close(t, "exited")

    def _ev_started(self, ev, t, n):
        self.session(ev["sess"]).t_started = t

    def _ev_resume(self, ev, t, n):
        s = self.session(ev["sess"])
        a = s.cur_activation()
        if a is not None and a.t_resume is None:
            a.t_resume = t
            a.resume_srv = ev.get("srv")
            a.resume_uid = ev.get("uid")

    def _ev_slice_done(self, ev, t, n):
        pass

    def _ev_slice_lost(self, ev, t, n):
        self.session(ev["sess"]).slices_lost += 1

    def _ev_playlist_open(self, ev, t, n):
        s = self.session(ev["sess"])
        s.playlists[ev["playlist"]] = {"open": t, "close": None, "bak": ev.get("bak", -1),
                                       "uid": ev.get("uid", 0), "track": ev.get("track", ""),
                                       "slices": 0, "line": n}

    def _ev_slice(self, ev, t, n):
        s = self.session(ev["sess"])
        s.slices += 1
        pl = ev.get("playlist")
        if pl is not None and pl in s.playlists:
            s.playlists[pl]["slices"] += 1
        elif pl is None:
            s.mp4[ev.get("bak", -1)] = s.mp4.get(ev.get("bak", -1), 0) + 1

    def _ev_playlist_close(self, ev, t, n):
        s = self.session(ev["sess"])
        p = s.playlists.get(ev.get("playlist"))
        if p is not None and p["close"] is None:
            p["close"] = t

    def _ev_callback(self, ev, t, n):
        d = dict(ev)
        d["line"] = n
        self.session(ev["sess"]).callbacks.append(d)

    def _ev_fenced(self, ev, t, n):
        s = self.session(ev["sess"])
        s.fenced.append((t, ev.get("srv"), ev.get("rec")))
        r = s.recorders.get(ev.get("rec"))
        if r is not None:
            r.close(t, "fence")
            if r.t_fenced is None:
                r.t_fenced = t

    def _ev_give_up(self, ev, t, n):
        a = self.session(ev["sess"]).cur_activation()
        if a is not None:
            a.t_give_up = t
            a.give_up_reason = ev.get("reason")

    def _ev_end(self, ev, t, n):
        s = self.session(ev["sess"])
        s.t_end = t
        s.end_reason = ev.get("reason")
        s.exit_status = ev.get("exit_status")
        a = s.cur_activation()
        if a is not None and a.t_closed is None:
            a.t_end = t
        for r in s.recorders.values():
            if r.t_end is None and r.t_start <= t:
                r.close(t, "session end")

    def _ev_run_end(self, ev, t, n):
        pass

    # -- queries
    def line_time(self, n):
        """t_ms of trace line n (1-based), or None."""
        if 1 <= n <= len(self.lines):
            try:
                return json.loads(self.lines[n - 1]).get("t_ms")
            except ValueError:
                return None
        return None


# ---- timing samples from activations -------------------------------------

# The bounds of the contract, for the margin plots (src/CONTRACT.md; the
# oracle keeps its own copy, so does the report).
BOUNDS = [
    # key in swarm histograms, rule, what, bound ms, hard: the bound applies
    # to the plotted quantity itself. R2 bounds when the link is back (60 s
    # after detection), and the recorder rejoins after that, so detection
    # to resume of a reconnect may pass 60 s legitimately: the line is a
    # reference there, and R3's 90 s is the hard bound.
    ("kill_resume_ms", "R1", "kill: detection to resume", 30000, True),
    ("reconnect_resume_ms", "R2", "disconnect, same server: detection to resume", 60000, False),
    ("switch_resume_ms", "R2", "disconnect, switched: switch to resume", 30000, True),
    ("total_resume_ms", "R3", "any activation: detection to resume", 90000, True),
]


def activation_samples(act):
    """Timing samples of one activation record of `hasim run --json`
    (keys as in BOUNDS, plus window_404_ms and detect_ms)."""
    out = {}
    td, tr = act.get("t_detect", -1), act.get("t_resume", -1)
    tf, ts = act.get("t_fault", -1), act.get("t_switch", -1)
    if tf is not None and tf >= 0 and td is not None and td >= 0:
        out["detect_ms"] = td - tf
    w = act.get("window_404_ms", -1)
    if w is not None and w >= 0:
        out["window_404_ms"] = w
    if tr is None or tr < 0 or td is None or td < 0:
        return out
    out["total_resume_ms"] = tr - td
    if act.get("cause") == "kill":
        out["kill_resume_ms"] = tr - td
    elif act.get("same_server"):
        out["reconnect_resume_ms"] = tr - td  # as the swarm counts it (sim/search/swarm.c)
    elif ts is not None and ts >= 0:
        out["switch_resume_ms"] = tr - ts
    return out


def hist_values(h):
    """(bucket_ms, counts) of a swarm histogram, tolerant of absence."""
    if not isinstance(h, dict):
        return 500, []
    return int(h.get("bucket_ms", 500) or 500), [int(c) for c in h.get("counts", [])]


def hist_stats(h):
    """n, and the upper edge of the highest non-empty bucket (worst case,
    rounded up to the bucket), and the bucket edges of the median and p99."""
    bucket, counts = hist_values(h)
    n = sum(counts)
    if n == 0:
        return {"n": 0}
    worst = max(i for i, c in enumerate(counts) if c) + 1
    acc, p50, p99 = 0, None, None
    for i, c in enumerate(counts):
        acc += c
        if p50 is None and acc * 2 >= n:
            p50 = i + 1
        if p99 is None and acc * 100 >= n * 99:
            p99 = i + 1
    return {"n": n, "worst_ms": worst * bucket, "p50_ms": p50 * bucket, "p99_ms": p99 * bucket}
