"""The matching worker process gives exactly the result of matching in-process."""

from __future__ import annotations

from datetime import UTC, datetime

from bench.roster_gen import RosterSpec, candidates
from bot.app import matching_executor
from core.matching import MatchInput, match
from core.programs.program import Program
from core.rounds.flow import Pool, run_engine


async def test_the_worker_process_matches_like_the_thread(program: Program) -> None:
    data = MatchInput(
        program=program,
        candidates=candidates(RosterSpec(1_500, 300, 3, seed=7)),  # more than one chunk
        at=datetime(2026, 3, 2, tzinfo=UTC),
    )
    worker = matching_executor()
    try:
        in_worker = await run_engine(Pool(data, {}), worker)
    finally:
        worker.shutdown()
    in_thread = await run_engine(Pool(data, {}))
    assert in_worker.to_json() == in_thread.to_json() == match(data).to_json()
    assert in_worker.matched > 0
