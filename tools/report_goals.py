"""report_goals.py -- the swarm's goals ("sometimes" assertions) in the report.

swarm.json's "goals" (hasim swarm, docs/swarm.md) counts, for every goal, the
runs that reached it and the first run that did. A goal missed is not a
failure: it says what the swarm has not tested yet (or, for a state-machine
pair, perhaps what no driver can make happen), so it is shown in amber, never
in red.
"""

from report_html import badge, esc, table


def _parts(goals):
    """(named, bounds, fsm) lists of names, in the JSON's order."""
    names = list((goals.get("runs") or {}).keys())
    named = [n for n in names if not n.startswith(("bound.", "fsm."))]
    bounds = [n for n in names if n.startswith("bound.")]
    fsm = [n for n in names if n.startswith("fsm.")]
    return named, bounds, fsm


def goals_card(swarm):
    """The first screen's card: goals reached, or "" without goals."""
    goals = (swarm or {}).get("goals")
    if not isinstance(goals, dict) or not goals.get("runs"):
        return ""
    runs = goals["runs"]
    parts = _parts(goals)
    got = [sum(1 for n in p if runs.get(n)) for p in parts]
    return ('<div class="card"><b><a href="#goals">goals</a></b><div class="big">%d / %d</div>'
            'reached: named %d/%d, bounds %d/%d, state machine %d/%d</div>'
            % (sum(got), sum(len(p) for p in parts), got[0], len(parts[0]), got[1],
               len(parts[1]), got[2], len(parts[2])))


def goals_section(swarm):
    """The "Goals" section of index.html."""
    out = ['<h2 id="goals">Goals</h2>']
    goals = (swarm or {}).get("goals")
    if not isinstance(goals, dict) or not goals.get("runs"):
        out.append('<p class="muted">No goals in <code>reports/swarm.json</code> (a swarm of an '
                   'older hasim, or no swarm).</p>')
        return "\n".join(out)
    runs, first, what = goals["runs"], goals.get("first") or {}, goals.get("what") or {}
    total = max(1, swarm.get("runs") or 1)
    guided = swarm.get("guided")
    how = ("guided: %s generations of %s runs, %s runs kept in its corpus"
           % (esc(guided.get("generations")), esc(guided.get("batch")), esc(guided.get("corpus")))
           if isinstance(guided, dict) else "blind")
    out.append("<p>Situations worth reaching, recognised from each run's trace: a goal only has "
               "to happen on some run. %s of %s goals reached in %s runs (%s). A goal missed is "
               "what the swarm has not tested yet, not a failure "
               "(<code>hasim swarm --guided</code> steers towards them; docs/swarm.md).</p>"
               % (esc(goals.get("reached")), esc(goals.get("count")), esc(swarm.get("runs")),
                  how))
    named, bounds, fsm = _parts(goals)
    rows = []
    for n in named + bounds:
        r = runs.get(n, 0)
        rows.append([esc(n), esc(what.get(n, "")),
                     badge(True, "reached") if r else badge(False, no="missed", warn=True),
                     "%d (%.2f%%)" % (r, 100.0 * r / total),
                     esc(first.get(n)) if r else ""])
    out.append(table(["goal", "what", "", "runs that reached it", "first run"], rows,
                     num_cols=(3, 4)))
    missed = [n[len("fsm."):] for n in fsm if not runs.get(n)]
    out.append("<p>State machine: %d of %d possible (state, event) pairs reached by some run "
               "(counts on the <a href=\"state-machine.html\">state-machine page</a>).%s</p>"
               % (len(fsm) - len(missed), len(fsm),
                  ' Missed: <span class="warn">%s</span>.' % esc(", ".join(missed))
                  if missed else ""))
    return "\n".join(out)
