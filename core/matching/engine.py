"""The entry points: run a round (`match`), suggest mentors to one mentee, explain a pair."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from core.program import Mode, Role

from .explain import explain_pair, rule_phrase
from .model import Candidate, Match, MatchInput, MatchResult, Optimality, Progress, Unmatched
from .scoring import Scorer
from .solve import DEFAULT_K, DEFAULT_KEEP, Assignment, solve_assignment


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


def base_stats(scorer: Scorer, assignment: Assignment) -> dict[str, object]:
    return {
        "mode": scorer.data.program.mode.value,
        "mentees": scorer.n_mentees,
        "mentors": scorer.n_mentors,
        "capacity": int(scorer.capacities.sum()),
        "feasible_pairs": int(assignment.candidates.feasible.sum()),
        "candidate_arcs": assignment.arcs,
        "rounds": assignment.rounds,
        "score_scale": scorer.scale,
        "exact_scaling": scorer.exact,
    }


def _pair_matches(scorer: Scorer, assignment: Assignment) -> list[Match]:
    mentor_of = assignment.solution.mentor_of
    chosen = np.nonzero(mentor_of >= 0)[0]
    parts = scorer.components_many(chosen, mentor_of[chosen])
    out = []
    for e, components in zip(chosen, parts, strict=True):
        r = int(mentor_of[e])
        mentee, mentor = scorer.mentees[e], scorer.mentors[r]
        words = explain_pair(components, mentee, mentor, scorer.data.at, scorer.data.names)
        points = int(assignment.solution.points_of[e])
        out.append(Match((mentor.id,), (mentee.id,), scorer.score(points), tuple(words)))
    out.sort(key=lambda m: (m.mentors, m.mentees))
    return out


def _mentee_reason(scorer: Scorer, excluded: dict[int, int], feasible: int) -> str:
    n_r = scorer.n_mentors
    if n_r == 0:
        return "There is no mentor with free capacity in this round."
    if feasible:
        return (
            f"All {feasible} mentor{'s' if feasible > 1 else ''} who fit your answers are full "
            "this round; you are on the waiting list."
        )
    if excluded:
        worst = max(excluded, key=lambda n: (excluded[n], -n))
        count = excluded[worst]
        if count:
            rule = scorer.rules[worst]
            return (
                f"No mentor passes the required rules: {count} of {n_r} mentors were excluded "
                f"for {rule_phrase(rule.question, rule.rule.rule)}."
            )
    return "Every mentor who fits you was matched with you before or declined; none is left."


def unmatched_reasons(
    scorer: Scorer, mentor_of: np.ndarray, assignment: Assignment | None
) -> list[Unmatched]:
    """A reason for each participant in no match, and for everyone the caller left out."""
    data = scorer.data
    feasible = (
        assignment.candidates.feasible if assignment else np.zeros(scorer.n_mentees, np.int64)
    )
    mentor_feasible = (
        assignment.candidates.mentor_feasible
        if assignment
        else np.zeros(scorer.n_mentors, np.int64)
    )
    lonely = np.nonzero(mentor_of < 0)[0]
    excluded = scorer.exclusions(lonely) if len(lonely) else {}
    reasons: dict[str, str] = {}
    matched_ids = {scorer.mentees[e].id for e in np.nonzero(mentor_of >= 0)[0]}
    matched_ids |= {scorer.mentors[r].id for r in np.unique(mentor_of[mentor_of >= 0])}
    for n, e in enumerate(lonely):
        if scorer.mentees[e].id in matched_ids:
            continue  # matched in their mentor role
        counts = {rule: int(per_mentee[n]) for rule, per_mentee in excluded.items()}
        reasons[scorer.mentees[e].id] = _mentee_reason(scorer, counts, int(feasible[e]))
    load = np.bincount(mentor_of[mentor_of >= 0], minlength=scorer.n_mentors)
    for r, mentor in enumerate(scorer.mentors):
        if load[r] or mentor.id in reasons or mentor.id in matched_ids:
            continue
        if mentor_feasible[r] == 0:
            reasons[mentor.id] = "No mentee in this round passes the required rules with you."
        else:
            reasons[mentor.id] = (
                "Every mentee who fits you was matched with a mentor who fits them better; "
                "you are first in line for the next round."
            )
    for candidate in data.candidates:
        idle = Role.MENTOR in candidate.roles and candidate.capacity <= 0
        if idle and candidate.id not in reasons and candidate.id not in matched_ids:
            reasons[candidate.id] = "You have no mentee capacity this round."
    for person_id, why in data.unavailable.items():
        reasons.setdefault(person_id, why)
    return [Unmatched(pid, reasons[pid]) for pid in sorted(reasons)]


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
