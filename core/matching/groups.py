"""Group mode: cohorts of one mentor and several mentees within the program's size bounds.

1. Seed: the optimal one-to-many flow on mentor–mentee scores, with each mentor's capacity
   capped at `group.max − 1`; each mentor with mentees starts a cohort.
2. Repair: cohorts below `group.min` take mentees from cohorts above the minimum (or leftover
   mentees) who pass the required rules with their mentor; cohorts that stay too small are
   dissolved and their mentees placed elsewhere or reported unmatched.
3. Improve: first-improvement local search over moves (one mentee to another cohort) and swaps
   (two mentees between cohorts) on the cohort value
       Σ_mentees [score(mentee, mentor) + mean peer affinity with the cohort's other mentees],
   where peer affinity applies the program's `same`, `different`, `timezone` rules between two
   mentees' answers, and `overlap` as |A∩B|/|A∪B| of their wishes (min_gap is not meaningful
   between peers). The number of placed mentees never drops during the search.
4. Bound: the seed flow's score is optimal for the mentor part (cohorts only add constraints),
   and a mentee's mean peer affinity is at most their best affinity with anyone, so
   UB = flow score + the largest `placed` best-affinities; gap = (UB − value) / UB.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from core.program import RuleKind

from .encode import build_rule
from .explain import explain_pair
from .model import Match, MatchResult, Optimality, Progress
from .scoring import Scorer
from .solve import solve_assignment

MAX_PASSES = 30
PEER_LIMIT = 8000
"""Peer affinities are a dense mentees × mentees matrix, so a group round has at most this many
mentees (8000² float64 is 512 MB); split larger programs into several rounds."""


class GroupTooLarge(ValueError):
    """More mentees than group mode handles in one round."""


@dataclass
class _State:
    cohort_of: np.ndarray  # int64 per mentee, -1 when not placed
    mentor_score: np.ndarray  # float64 (n_mentees, n_cohorts), -inf when infeasible
    peer: np.ndarray  # float64 (n_mentees, n_mentees), zero diagonal
    affinity: np.ndarray  # float64 (n_mentees, n_cohorts): Σ peer with the cohort's mentees
    size: np.ndarray  # mentees per cohort
    low: int  # fewest mentees per cohort
    high: int  # most mentees per cohort


def peer_matrix(scorer: Scorer) -> np.ndarray:
    mentees = scorer.mentees
    out = np.zeros((len(mentees), len(mentees)))
    for rule in scorer.rules:
        kind = rule.rule.rule
        if kind is RuleKind.MIN_GAP:
            continue
        question = rule.question
        table = build_rule(
            question, question, rule.rule, mentees, mentees, scorer.data.at, 1, 0, peer=True
        )
        if table.values is None:
            continue
        codes = table.mentee.codes
        out += table.values[codes][:, codes]
    np.fill_diagonal(out, 0.0)
    return out


def _peer_value(pair_sum: np.ndarray | float, size: np.ndarray | int) -> np.ndarray:
    size = np.asarray(size, dtype=np.float64)
    return np.where(size >= 2, 2.0 * np.asarray(pair_sum) / np.maximum(size - 1, 1), 0.0)


def _pair_sums(state: _State) -> np.ndarray:
    n_c = state.mentor_score.shape[1]
    sums = np.zeros(n_c)
    placed = state.cohort_of >= 0
    np.add.at(sums, state.cohort_of[placed], state.affinity[placed, state.cohort_of[placed]])
    return sums / 2


def _value(state: _State) -> tuple[float, float]:
    placed = np.nonzero(state.cohort_of >= 0)[0]
    mentor = float(state.mentor_score[placed, state.cohort_of[placed]].sum())
    peer = float(_peer_value(_pair_sums(state), state.size).sum())
    return mentor, peer


def _move(state: _State, e: int, target: int) -> None:
    source = int(state.cohort_of[e])
    if source >= 0:
        state.affinity[:, source] -= state.peer[:, e]
        state.size[source] -= 1
    state.affinity[:, target] += state.peer[:, e]
    state.size[target] += 1
    state.cohort_of[e] = target


def _best_move(state: _State, e: int, sums: np.ndarray) -> tuple[float, int]:
    c1 = int(state.cohort_of[e])
    n1 = state.size[c1]
    if n1 - 1 < state.low:
        return 0.0, -1
    gain1 = _peer_value(sums[c1] - state.affinity[e, c1], n1 - 1) - _peer_value(sums[c1], n1)
    gain2 = _peer_value(sums + state.affinity[e], state.size + 1) - _peer_value(sums, state.size)
    delta = state.mentor_score[e] - state.mentor_score[e, c1] + gain1 + gain2
    delta[c1] = -np.inf
    delta[state.size + 1 > state.high] = -np.inf
    best = int(np.argmax(delta))
    return float(delta[best]), best


def _best_swap(state: _State, e: int, sums: np.ndarray) -> tuple[float, int]:
    c1 = int(state.cohort_of[e])
    others = np.nonzero((state.cohort_of >= 0) & (state.cohort_of != c1))[0]
    if not len(others):
        return 0.0, -1
    c2 = state.cohort_of[others]
    pe = state.peer[e, others]
    q1 = sums[c1] - state.affinity[e, c1] + state.affinity[others, c1] - pe
    q2 = sums[c2] - state.affinity[others, c2] + state.affinity[e, c2] - pe
    n1, n2 = state.size[c1], state.size[c2]
    mentor = (
        state.mentor_score[e, c2]
        + state.mentor_score[others, c1]
        - state.mentor_score[e, c1]
        - state.mentor_score[others, c2]
    )
    peer = (
        _peer_value(q1, n1)
        - _peer_value(sums[c1], n1)
        + _peer_value(q2, n2)
        - _peer_value(sums[c2], n2)
    )
    delta = np.where(np.isfinite(mentor), mentor + peer, -np.inf)
    best = int(np.argmax(delta))
    return float(delta[best]), int(others[best])


def _search(state: _State, deadline: float) -> dict[str, int]:
    moves = swaps = passes = 0
    eps = 1e-9
    for number in range(1, MAX_PASSES + 1):
        passes = number
        improved = False
        for e in np.nonzero(state.cohort_of >= 0)[0]:
            sums = _pair_sums(state)
            gain, target = _best_move(state, int(e), sums)
            if gain > eps:
                _move(state, int(e), target)
                moves += 1
                improved = True
                continue
            gain, other = _best_swap(state, int(e), sums)
            if gain > eps:
                c1, c2 = int(state.cohort_of[e]), int(state.cohort_of[other])
                _move(state, int(e), c2)
                _move(state, other, c1)
                swaps += 1
                improved = True
        if not improved or time.perf_counter() > deadline:
            break
    return {"moves": moves, "swaps": swaps, "passes": passes}


def _repair(state: _State) -> None:
    """Fill cohorts below the minimum, then dissolve the ones that cannot be filled."""
    for c in np.argsort(state.size, kind="stable"):
        if state.size[c] == 0:
            continue
        while state.size[c] < state.low:
            feasible = np.isfinite(state.mentor_score[:, c])
            donors = feasible & (
                (state.cohort_of < 0)
                | (
                    (state.cohort_of >= 0)
                    & (state.size[np.maximum(state.cohort_of, 0)] > state.low)
                )
            )
            donors &= state.cohort_of != c
            if not donors.any():
                break
            pick = np.nonzero(donors)[0]
            best = int(pick[np.argmax(state.mentor_score[pick, c])])
            _move(state, best, int(c))
        if state.size[c] < state.low:
            members = np.nonzero(state.cohort_of == c)[0]
            for e in members:
                state.affinity[:, c] -= state.peer[:, e]
                state.cohort_of[e] = -1
            state.size[c] = 0
            state.mentor_score[:, c] = -np.inf
            for e in members:
                room = np.isfinite(state.mentor_score[e]) & (state.size > 0)
                room &= state.size < state.high
                if room.any():
                    options = np.nonzero(room)[0]
                    _move(state, int(e), int(options[np.argmax(state.mentor_score[e, options])]))


def match_groups(
    scorer: Scorer, *, progress: Progress | None, k: int, keep: int, seconds: float = 20.0
) -> MatchResult:
    from .engine import base_stats, unmatched_reasons

    started = time.perf_counter()
    if scorer.n_mentees > PEER_LIMIT:
        raise GroupTooLarge(
            f"group mode matches at most {PEER_LIMIT} mentees per round "
            f"({scorer.n_mentees} given); split the program into smaller rounds"
        )
    program = scorer.data.program
    assert program.group is not None
    low, high = max(1, program.group.min - 1), program.group.max - 1
    capped = replace_capacities(scorer, np.minimum(scorer.capacities, high))
    assignment = solve_assignment(capped, k=k, keep=keep, progress=progress)
    seed_time = time.perf_counter() - started
    mentor_of = assignment.solution.mentor_of
    leaders = np.unique(mentor_of[mentor_of >= 0])
    column = {int(r): n for n, r in enumerate(leaders)}
    mentor_score = np.full((scorer.n_mentees, len(leaders)), -np.inf)
    for rows, block in capped.blocks():
        part = block[:, leaders]
        mentor_score[rows] = np.where(part >= 0, part / scorer.scale, -np.inf)
    peer = peer_matrix(scorer)
    cohort_of = np.array([column.get(int(r), -1) for r in mentor_of], dtype=np.int64)
    state = _State(
        cohort_of=np.full(scorer.n_mentees, -1, dtype=np.int64),
        mentor_score=mentor_score,
        peer=peer,
        affinity=np.zeros((scorer.n_mentees, len(leaders))),
        size=np.zeros(len(leaders), dtype=np.int64),
        low=low,
        high=high,
    )
    for e in np.nonzero(cohort_of >= 0)[0]:
        _move(state, int(e), int(cohort_of[e]))
    seed_mentor, seed_peer = _value(state)
    _repair(state)
    search = _search(state, started + seconds)
    final_mentor, final_peer = _value(state)
    placed = int((state.cohort_of >= 0).sum())
    flow_total = scorer.score(int(assignment.solution.points_of.sum()))
    best_peer = np.sort(state.peer.max(axis=1, initial=0.0))[::-1][:placed] if placed else []
    bound = flow_total + float(np.sum(best_peer))
    value = final_mentor + final_peer
    gap = max(0.0, (bound - value) / bound) if bound > 0 else 0.0
    matches = _cohorts(scorer, state, leaders)
    member_of = np.full(scorer.n_mentees, -1, dtype=np.int64)
    placed_rows = np.nonzero(state.cohort_of >= 0)[0]
    member_of[placed_rows] = leaders[state.cohort_of[placed_rows]]
    unmatched = unmatched_reasons(scorer, member_of, assignment)
    stats = base_stats(scorer, assignment)
    stats["groups"] = {
        "cohorts": len(matches),
        "seed_score": round(seed_mentor + seed_peer, 4),
        "score": round(value, 4),
        "mentor_score": round(final_mentor, 4),
        "peer_score": round(final_peer, 4),
        "improvement": round((value / (seed_mentor + seed_peer) - 1) if seed_mentor else 0.0, 6),
        "upper_bound": round(bound, 4),
        **search,
    }
    if progress:
        progress("groups", 1, 1)
    return MatchResult(
        matches=tuple(matches),
        unmatched=tuple(unmatched),
        matched=placed,
        total_score=value,
        optimality=Optimality(gap == 0.0, gap),
        stats=stats,
        timings={"seed": seed_time, "groups": time.perf_counter() - started - seed_time},
    )


def replace_capacities(scorer: Scorer, capacities: np.ndarray) -> Scorer:
    """A shallow copy of `scorer` with other mentor capacities (same columns)."""
    clone = object.__new__(Scorer)
    clone.__dict__.update(scorer.__dict__)
    clone.capacities = capacities.astype(np.int64)
    return clone


def _cohorts(scorer: Scorer, state: _State, leaders: np.ndarray) -> list[Match]:
    sums = _pair_sums(state)
    out = []
    for c, r in enumerate(leaders):
        members = np.nonzero(state.cohort_of == c)[0]
        if not len(members):
            continue
        mentor = scorer.mentors[int(r)]
        value = float(state.mentor_score[members, c].sum() + _peer_value(sums[c], len(members)))
        parts = scorer.components_many(members, np.full(len(members), int(r)))
        words = []
        for e, components in zip(members, parts, strict=True):
            mentee = scorer.mentees[int(e)]
            first = explain_pair(components, mentee, mentor, scorer.data.at, scorer.data.names, 1)
            words.append(f"{mentee.id}: {first[0]}")
        ids = tuple(sorted(scorer.mentees[int(e)].id for e in members))
        out.append(Match((mentor.id,), ids, value, tuple(words)))
    out.sort(key=lambda m: m.mentors)
    return out


__all__ = ["GroupTooLarge", "match_groups", "peer_matrix"]
