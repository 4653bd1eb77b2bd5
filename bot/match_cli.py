"""`mentorbot match --program FILE --roster FILE --out FILE`: offline matching of a roster file.

A plain function so the typer CLI (and tests) can call it; exit codes: 0 done, 2 bad input.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from core.matching import MatchInput, MatchResult, RosterError, load_roster, match
from core.matching.model import GroupTooLarge
from core.programs.program import ProgramError, load_program

if TYPE_CHECKING:
    from rich.console import Console

PROGRESS_FROM = 2000
"""Rosters with at least this many participants get a progress bar (when asked for)."""


def _stderr() -> Console:
    """rich is imported only to draw a bar or print an error: a plain run does without it."""
    from rich.console import Console

    return Console(stderr=True)


def _with_bar(data: MatchInput, err: Console) -> MatchResult:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description:>8}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        tasks: dict[str, int] = {}

        def report(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        return match(data, progress=report)


def run_match(
    program_path: Path,
    roster_path: Path,
    out_path: Path,
    *,
    show_progress: bool,
    at: datetime | None = None,
    timings: bool = False,
) -> int:
    """Match a roster, write the result JSON to `out_path`, print a one-line summary.

    `at` fixes the moment timezone offsets are taken at (default: now); `timings` adds
    per-phase seconds to `stats` (off by default so the same input gives the same file).
    """
    try:
        program = load_program(program_path)
        roster = load_roster(roster_path, program)
    except (ProgramError, RosterError) as error:
        from rich.markup import escape

        _stderr().print(f"[red]error:[/red] {escape(str(error))}", highlight=False, soft_wrap=True)
        return 2
    data = MatchInput(
        program=program,
        candidates=roster.candidates,
        at=at or datetime.now(UTC),
        history=roster.history,
        declined=roster.declined,
    )
    try:
        if show_progress and len(roster.candidates) >= PROGRESS_FROM:
            result = _with_bar(data, _stderr())
        else:
            result = match(data)
    except GroupTooLarge as error:
        _stderr().print(f"error: {error}", markup=False, highlight=False)
        return 2
    try:
        out_path.write_text(result.to_json(timings=timings), encoding="utf-8")
    except OSError as error:
        _stderr().print(f"error: cannot write {out_path} ({error.strerror})", markup=False)
        return 2
    proof = "proven optimal" if result.optimality.proven else f"gap {result.optimality.gap:.4%}"
    seconds = result.timings.get("total", 0.0)
    print(
        f"{result.matched} matched, {len(result.unmatched)} unmatched, total score "
        f"{result.total_score:.2f} ({proof}) in {seconds:.2f} s → {out_path}",
        file=sys.stdout,
    )
    return 0
