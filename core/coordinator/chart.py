"""The `admin stats` chart: matches by health per week of the cycle, and the check-in
response rate, as a PNG readable at chat size.

matplotlib is imported when a chart is drawn (never at import time) and drawn with the Agg
backend on a figure of its own, so it needs no display and keeps no global state between calls.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from core.domain import Health

if TYPE_CHECKING:
    from core.coordinator.stats import CycleStats

COLOURS = {Health.ACTIVE: "#2e7d32", Health.QUIET: "#f9a825", Health.AT_RISK: "#c62828"}
RATE_COLOUR = "#1565c0"


def health_chart(program_name: str, stats: CycleStats) -> bytes:
    """A PNG (800 × 450 px): stacked bars of matches by health per week, the response rate
    as a line on a 0–100 % axis on the right."""
    from matplotlib.figure import Figure  # Figure + Agg canvas: no pyplot, no global state

    figure = Figure(figsize=(8, 4.5), dpi=100, layout="constrained")
    bars = figure.add_subplot()
    weeks = [point.week for point in stats.weeks]
    bottom = [0] * len(weeks)
    for health in Health:
        counts = [point.health[health] for point in stats.weeks]
        bars.bar(weeks, counts, bottom=bottom, color=COLOURS[health], label=health.value,
                 width=0.7)  # fmt: skip
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    bars.set_xlabel("Week of the cycle", fontsize=12)
    bars.set_ylabel("Matches", fontsize=12)
    bars.set_xticks(weeks)
    bars.set_ylim(0, max([*bottom, 1]) * 1.05)
    bars.yaxis.get_major_locator().set_params(integer=True)
    bars.tick_params(labelsize=11)
    rate = bars.twinx()
    shown = [(p.week, p.response_rate * 100) for p in stats.weeks if p.response_rate is not None]
    if shown:
        rate.plot(*zip(*shown, strict=True), color=RATE_COLOUR, marker="o", linewidth=2.5,
                  label="check-in response rate")  # fmt: skip
    rate.set_ylim(0, 105)
    rate.set_ylabel("Check-in response rate (%)", fontsize=12, color=RATE_COLOUR)
    rate.tick_params(labelsize=11, colors=RATE_COLOUR)
    handles = bars.get_legend_handles_labels()
    lines = rate.get_legend_handles_labels()
    figure.legend(
        handles[0] + lines[0],
        handles[1] + lines[1],
        loc="outside lower center",  # below the axes: never over a bar or the line
        fontsize=11,
        ncols=4,
        frameon=False,
    )
    bars.set_title(
        f"{program_name} — cycle {stats.number}: matches by health and check-in response",
        fontsize=13,
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
