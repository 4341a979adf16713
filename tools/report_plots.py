"""report_plots.py -- distributions of the failover timings against their bounds.

The swarm gives histograms (bucket_ms wide buckets, counts); the scenario
library gives exact values (one per activation). Both go on one picture per
bound: the swarm as bars, the library as ticks under the axis, the bound as
a dashed line with everything past it shaded.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from report_data import hist_values  # noqa: E402

C_BAR = "#4e79a7"
C_RUG = "#e15759"
C_BOUND = "#c62828"


def distribution(out_png, title, hist, values, bound_ms=None, bound_label=None, xlabel=None):
    """hist: a swarm histogram or None; values: exact ms values (library)."""
    bucket, counts = hist_values(hist)
    fig, ax = plt.subplots(figsize=(6.3, 3.1), dpi=100)
    top = 0
    if counts and sum(counts):
        last = max(i for i, c in enumerate(counts) if c) + 1
        xs = [i * bucket / 1000.0 for i in range(last)]
        ax.bar(xs, counts[:last], width=bucket / 1000.0, align="edge", color=C_BAR,
               edgecolor="white", lw=0.3, label="swarm runs (%d)" % sum(counts))
        top = last * bucket
        nz = [c for c in counts if c]
        if max(nz) > 50 * min(nz):
            ax.set_yscale("log")
            ax.set_ylim(0.7, max(nz) * 1.6)
    if values:
        if not top:
            ax.set_ylim(0, 1)
            ax.set_yticks([])
        for v in values:
            ax.axvline(v / 1000.0, ymin=0, ymax=0.12, color=C_RUG, lw=1.2, alpha=0.8)
        ax.plot([], [], color=C_RUG, lw=1.2, label="scenario library (%d)" % len(values))
        top = max(top, max(values))
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
