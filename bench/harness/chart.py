"""The PNG: requests/s (top row) and p99 (middle row) of every load scenario per front, and the bottom row's panels
that scenarios declare (scenario.Panel). An absolute goal on a panel's metric shows as a dashed line."""

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .fronts import FRONT_NAMES, FRONTS
from .goals import GOALS
from .runner import Outcome
from .scenario import MainTable, Panel, ScenarioResult

if TYPE_CHECKING:  # matplotlib is imported when drawing: the rest of the harness runs without it
    from matplotlib.axes import Axes

COLORS = {f.name: f.color for f in FRONTS}
OTHER = "#9467bd"


def label(value: float) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:.0f}" if value >= 100 else f"{value:.2f}" if value < 10 else f"{value:.1f}"


def short(row: str) -> str:
    """A row's name under its bar: a front's name, or a scenario's own row up to its first comma."""
    return row.split(",")[0] + (" (control)" if "control" in row else "")


def bars(ax: "Axes", values: Sequence[float], title: str, unit: str, labels: Sequence[str] = FRONT_NAMES,
         colors: Sequence[str] = ()) -> None:
    xs = range(len(labels))
    fill = [COLORS.get(name, c) for name, c in zip(labels, colors or [OTHER] * len(labels), strict=True)]
    drawn = ax.bar(xs, [0 if math.isnan(v) else v for v in values], color=fill)
    ax.set_title(title, fontsize=9)
    ax.set_ylabel(unit, fontsize=8)
    ax.set_xticks(list(xs))
    ax.set_xticklabels([name.replace("morse-proxy", "morse") for name in labels], fontsize=8, rotation=20)
    ax.tick_params(axis="y", labelsize=7)
    top = max([v for v in values if not math.isnan(v)] or [1]) or 1
    ax.set_ylim(0, top * 1.18)  # room for the value above the tallest bar
    for bar, value in zip(drawn, values, strict=True):
        ax.annotate(label(value), (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                    fontsize=7)


def panel(ax: "Axes", result: ScenarioResult, spec: Panel) -> None:
    title = spec.title.format(**result.params)
    if spec.keys:
        bars(ax, [result.single[k] for k in spec.keys], title, spec.unit, labels=spec.keys, colors=spec.colors)
        return
    rows = list(result.runs) or list(FRONT_NAMES)  # the fronts, or a scenario's own rows
    values = [result.median(row, spec.metric) for row in rows]
    bars(ax, values, title, spec.unit, labels=[short(row) for row in rows])
    for goal in GOALS:
        if goal.scenario == result.scenario.name and goal.metric == spec.metric and goal.peer is None:
            ax.axhline(goal.threshold, color="black", lw=0.8, ls="--")  # morse-proxy's bar must stay below it
    tallest = max([v for v in values if not math.isnan(v)] or [0])
    if spec.log_above is not None and tallest > spec.log_above:
        ax.set_yscale("symlog")  # a front without failover fails 10^5 requests, the others 0 to 10
        ax.set_ylim(0, tallest * 5)


def chart(path: Path, outcome: Outcome) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display
    import matplotlib.pyplot as plt

    results = list(outcome.results.values())
    loads = [r for r in results if isinstance(r.scenario.section, MainTable)]
    panels = [(r, p) for r in results if r.runs for p in r.scenario.panels]
    cols = max(len(loads), len(panels), 1)
    rows = 2 + (1 if panels else 0)
    fig, axes = plt.subplots(rows, cols, figsize=(3.1 * cols, 3.3 * rows), squeeze=False)
    for i, result in enumerate(loads):
        title = result.scenario.chart_title(result.params)
        bars(axes[0][i], [result.median(f, "rps") for f in FRONT_NAMES], title, "req/s")
        bars(axes[1][i], [result.median(f, "p99") for f in FRONT_NAMES], title, "p99 ms")
    for j in range(len(loads), cols):
        axes[0][j].axis("off")
        axes[1][j].axis("off")
    for i, (result, spec) in enumerate(panels):
        panel(axes[2][i], result, spec)
    for j in range(len(panels), cols):
        if rows > 2:
            axes[2][j].axis("off")
    handles = [plt.Rectangle((0, 0), 1, 1, color=COLORS[f]) for f in FRONT_NAMES]
    fig.suptitle("Morse cluster: req/s (top row) and p99 (middle row) per front and scenario"
                 + (" — QUICK mode, indicative only" if outcome.settings.quick else ""), y=0.995, fontsize=12)
    fig.legend(handles, FRONT_NAMES, loc="upper center", bbox_to_anchor=(0.5, 0.975), ncol=len(FRONT_NAMES),
               fontsize=10, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    fig.savefig(path, dpi=90)
    plt.close(fig)

