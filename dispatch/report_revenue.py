"""The revenue-stack chart: one horizontal bar per stream of :func:`dispatch.revenue
.revenue_stack`, earnings right, costs left, the profit as the last bar.

A plain :class:`matplotlib.figure.Figure` on the Agg canvas (no pyplot state), like
:mod:`dispatch.report`; ``revenue_stack_figure(site, schedule).savefig("stack.png")``.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from dispatch.config import Site
from dispatch.revenue import revenue_stack


def revenue_stack_figure(site: Site, schedule: pd.DataFrame, title: str | None = None) -> Figure:
    """The revenue stack of a plan's (or a backtest's) schedule as a bar chart, USD."""
    stack = revenue_stack(site, schedule)
    stack = stack[stack.abs() >= 0.5]
    values = [*stack.to_numpy(), float(stack.sum())]
    labels = [*(name.replace("_", " ") for name in stack.index), "profit"]
    fig = Figure(figsize=(8, 0.45 * len(values) + 1.2))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    colours = ["#2a9d8f" if v >= 0 else "#e76f51" for v in values[:-1]] + ["#264653"]
    ax.barh(range(len(values)), values, color=colours)
    ax.set_yticks(range(len(values)), labels)
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("USD over the horizon")
    ax.set_title(title or f"{site.name}: revenue stack")
    for k, v in enumerate(values):
        ax.annotate(
            f"{v:,.0f}",
            (v, k),
            ha="left" if v >= 0 else "right",
            va="center",
            fontsize=8,
            xytext=(3 if v >= 0 else -3, 0),
            textcoords="offset points",
        )
    fig.tight_layout()
    return fig
