"""The entry points: run a round (`match`), suggest mentors to one mentee, explain a pair."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from core.programs.program import Mode

from .explain import Phrases, explain_pair
from .model import Candidate, Match, MatchInput, MatchResult, Optimality, Progress
from .scoring import Scorer
from .solve import DEFAULT_K, DEFAULT_KEEP, Assignment, solve_assignment
from .stats import base_stats, unmatched_reasons


@dataclass(frozen=True)
class Suggestion:
    mentor_id: str
    score: float
    explanation: tuple[str, ...]


def match(
    data: MatchInput,
    *,
    progress: Progress | None = None,
    k: int = DEFAULT_K,
    keep: int = DEFAULT_KEEP,
) -> MatchResult:
    """Run one matching round on `data` (preview and commit use the same result)."""
    started = time.perf_counter()
    scorer = Scorer(data)
    encoded = time.perf_counter() - started
    if data.program.mode is Mode.GROUP:
        from .groups import match_groups

        result = match_groups(scorer, progress=progress, k=k, keep=keep)
        result.timings["encode"] = encoded
        result.timings["total"] = time.perf_counter() - started
        return result
    assignment = solve_assignment(scorer, k=k, keep=keep, progress=progress)
    t0 = time.perf_counter()
    matches = _pair_matches(scorer, assignment)
    unmatched = unmatched_reasons(scorer, assignment.solution.mentor_of, assignment)
    timings = {"encode": encoded, **assignment.timings}
    if "first_solution" in timings:  # seconds since match() started, like "total"
        timings["first_solution"] += encoded
    timings["explain"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - started
    total = scorer.score(int(assignment.solution.points_of.sum()))
    return MatchResult(
        matches=tuple(matches),
        unmatched=tuple(unmatched),
        matched=len(matches),
        total_score=total,
        optimality=Optimality(assignment.proven, assignment.gap),
        stats=base_stats(scorer, assignment),
        timings=timings,
    )


def _pair_matches(scorer: Scorer, assignment: Assignment) -> list[Match]:
    mentor_of = assignment.solution.mentor_of
    chosen = np.nonzero(mentor_of >= 0)[0]
    parts = scorer.components_many(chosen, mentor_of[chosen])
    out = []
    memo: Phrases = {}
    for e, components in zip(chosen, parts, strict=True):
        r = int(mentor_of[e])
        mentee, mentor = scorer.mentees[e], scorer.mentors[r]
        words = explain_pair(
            components, mentee, mentor, scorer.data.at, scorer.data.names, memo=memo
        )
        points = int(assignment.solution.points_of[e])
        out.append(Match((mentor.id,), (mentee.id,), scorer.score(points), tuple(words)))
    out.sort(key=lambda m: (m.mentors, m.mentees))
    return out


def suggest(data: MatchInput, mentee_id: str, *, limit: int = 3) -> list[Suggestion]:
    """The best `limit` feasible mentors for one mentee (mentee requests).

    Candidates' `capacity` should be their remaining capacity; mentors with none are skipped.
    """
    scorer = Scorer(data)
    e = scorer.mentee_index.get(mentee_id)
    if e is None or scorer.n_mentors == 0:
        return []
    row = scorer.block(np.array([e]))[0].astype(np.int64)
    order = np.lexsort((np.arange(len(row)), -row))
    out = []
    for r in order[:limit]:
        if row[r] < 0:
            break
        mentor = scorer.mentors[int(r)]
        words = explain_pair(
            scorer.components(e, int(r)), scorer.mentees[e], mentor, data.at, data.names
        )
        out.append(Suggestion(mentor.id, scorer.score(int(row[r])), tuple(words)))
    return out


def explain(data: MatchInput, mentee: Candidate, mentor: Candidate) -> tuple[float, list[str]]:
    """Score and explanation of one pair, whatever the rest of the pool (score < 0: infeasible)."""
    pair = MatchInput(data.program, [mentee, mentor], data.at, names=data.names)
    scorer = Scorer(pair)
    e, r = scorer.mentee_index.get(mentee.id), scorer.mentor_index.get(mentor.id)
    if e is None or r is None:
        return -1.0, []
    points = int(scorer.pair_points(np.array([e]), np.array([r]))[0])
    words = explain_pair(scorer.components(e, r), mentee, mentor, data.at, data.names)
    return (scorer.score(points) if points >= 0 else -1.0), words
