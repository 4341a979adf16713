"""report_plots.py -- distributions of the failover timings against their bounds.

The swarm gives histograms (bucket_ms wide buckets, counts); the scenario
library gives exact values (one per activation). Both go on one picture per
bound: the swarm as bars, the library as ticks under the axis, the bound as
a dashed line with everything past it shaded. Activations during which an
environment assumption broke (A1-A4: no capacity, provisioning failures, a
late rejoin, ...) are not the rule's to answer for; they are drawn apart,
in their own colour and legend entry (bars stacked on top, ticks above the
others), so nothing past a bound in the rule's colour goes unexplained.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from report_data import hist_values  # noqa: E402

C_BAR = "#4e79a7"
C_RUG = "#e15759"
C_BOUND = "#c62828"
C_APART = "#f28e2b"  # an assumption broke: the environment's timing, not the rule's
C_APART_RUG = "#b07aa1"


def _bars(ax, hist, hist_apart):
    """The swarm's bars, those with a broken assumption stacked on top; the
    right end of what was drawn, in ms."""
    bucket, counts = hist_values(hist)
    _, apart = hist_values(hist_apart)
    n = max(len(counts), len(apart))
    counts = counts + [0] * (n - len(counts))
    apart = apart + [0] * (n - len(apart))
    total = [a + b for a, b in zip(counts, apart)]
    if not total or not sum(total):
        return 0
    last = max(i for i, c in enumerate(total) if c) + 1
    xs = [i * bucket / 1000.0 for i in range(last)]
    w = bucket / 1000.0
    if sum(counts):
        ax.bar(xs, counts[:last], width=w, align="edge", color=C_BAR, edgecolor="white", lw=0.3,
               label="swarm, assumptions held (%d)" % sum(counts))
    if sum(apart):
        ax.bar(xs, apart[:last], width=w, align="edge", bottom=counts[:last], color=C_APART,
               edgecolor="white", lw=0.3, label="swarm, an assumption broke (%d)" % sum(apart))
    nz = [c for c in total if c]
    if max(nz) > 50 * min(nz):
        ax.set_yscale("log")
        ax.set_ylim(0.7, max(nz) * 1.6)
    return last * bucket


def distribution(out_png, title, hist, values, bound_ms=None, bound_label=None, xlabel=None,
                 hist_apart=None, values_apart=None):
    """hist: a swarm histogram or None; values: exact ms values (library);
    the *_apart ones: the same of activations where an assumption broke."""
    values_apart = values_apart or []
    counts = hist_values(hist)[1] + hist_values(hist_apart)[1]
    fig, ax = plt.subplots(figsize=(6.3, 3.1), dpi=100)
    top = _bars(ax, hist, hist_apart)
    if values or values_apart:
        if not top:
            ax.set_ylim(0, 1)
            ax.set_yticks([])
        for v in values:
            ax.axvline(v / 1000.0, ymin=0, ymax=0.12, color=C_RUG, lw=1.2, alpha=0.8)
        for v in values_apart:
            ax.axvline(v / 1000.0, ymin=0.12, ymax=0.24, color=C_APART_RUG, lw=1.2, alpha=0.9)
        if values:
            ax.plot([], [], color=C_RUG, lw=1.2, label="library, assumptions held (%d)"
                    % len(values))
        if values_apart:
            ax.plot([], [], color=C_APART_RUG, lw=1.2, label="library, an assumption broke (%d)"
                    % len(values_apart))
        top = max([top] + values + values_apart)
        values = values + values_apart
    xmax = top
    if bound_ms is not None:
        xmax = max(xmax, bound_ms)
        ax.axvline(bound_ms / 1000.0, color=C_BOUND, ls="--", lw=1.4,
                   label=bound_label or "bound")
    xmax = max(xmax * 1.08, 1000)
    if bound_ms is not None:
        ax.axvspan(bound_ms / 1000.0, xmax / 1000.0, color=C_BOUND, alpha=0.07, lw=0)
    ax.set_xlim(0, xmax / 1000.0)
    ax.set_xlabel(xlabel or "seconds", fontsize=8.5)
    ax.set_ylabel("runs" if top and counts else "", fontsize=8.5)
    ax.tick_params(labelsize=8)
    ax.set_title(title, fontsize=9.5, loc="left")
    if not counts and not values:
        ax.text(0.5, 0.5, "no samples", transform=ax.transAxes, ha="center", va="center",
                color="#888888")
    else:
        ax.legend(fontsize=7.5, frameon=False, loc="upper right")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    fig.savefig(out_png, metadata={"Software": None})
    plt.close(fig)
