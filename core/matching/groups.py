"""Group mode: cohorts of one mentor and several mentees within the program's size bounds.

1. Seed: the optimal one-to-many flow on mentor–mentee scores, with each mentor's capacity
   capped at `group.max − 1` (and 0 when below `group.min − 1`: such a mentor cannot lead a
   cohort); each mentor with mentees starts a cohort.
2. Repair: cohorts below `group.min` take mentees from cohorts above the minimum (or leftover
   mentees) who pass the required rules with their mentor; cohorts that stay too small are
   dissolved and their mentees placed elsewhere or reported unmatched.
3. Improve: simulated annealing over moves (one mentee to another cohort) and swaps (two
   mentees between cohorts), aimed at the cohorts of each mentee's closest peers, with a fixed
   seed and a fixed number of proposals (so the result is deterministic); then first-improvement
   local search over all moves and swaps alternated with giving every cohort its best mentor
   (an assignment of cohorts to all mentors, including those without a cohort yet), until
   neither improves. Everything optimises the cohort value
       Σ_mentees [score(mentee, mentor) + mean peer affinity with the cohort's other mentees],
   where peer affinity applies the program's `same`, `different`, `timezone` rules between two
   mentees' answers, and `overlap` as |A∩B|/|A∪B| of their wishes (min_gap is not meaningful
   between peers). The number of placed mentees never drops, and no cohort exceeds its
   mentor's capacity.
4. Bound: the seed flow's score is optimal for the mentor part (cohorts only add constraints),
   and a mentee in a cohort of at least `low` mentees has a mean peer affinity of at most the
   mean of their best low − 1 affinities, so UB = flow score + the largest `placed` of those
   means. A second, usually much tighter bound couples both parts per mentor (see
   `group_bound`); the reported UB is the smaller one and gap = (UB − value) / UB.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from core.programs.program import RuleKind

from .encode import build_rule
from .explain import explain_pair
from .flow import solve_flow
from .group_bound import cohort_bound
from .model import GroupTooLarge, Match, MatchResult, Optimality, Progress
from .scoring import Scorer
from .solve import solve_assignment
from .stats import base_stats, unmatched_reasons

MAX_PASSES = 30
ANNEAL_STEPS = 100
"""Annealing proposals per mentee."""
ANNEAL_SEED = 20250301
ANNEAL_START, ANNEAL_END = 1.0, 0.01
"""Temperatures in score points: at first a loss of 1 is accepted with probability 1/e."""
NEAR_PEERS = 12
"""Proposals aim at the cohorts of a mentee's closest peers."""
MAX_ALTERNATIONS = 10
"""Rounds of (local search, best mentor per cohort) at most."""
PEER_LIMIT = 8000
"""Peer affinities are a dense mentees × mentees matrix, so a group round has at most this many
mentees (8000² float64 is 512 MB); split larger programs into several rounds."""


@dataclass
class _State:
    cohort_of: np.ndarray  # int64 per mentee, -1 when not placed
    mentor_score: np.ndarray  # float64 (n_mentees, n_cohorts), -inf when infeasible
    peer: np.ndarray  # float64 (n_mentees, n_mentees), zero diagonal
    affinity: np.ndarray  # float64 (n_mentees, n_cohorts): Σ peer with the cohort's mentees
    size: np.ndarray  # mentees per cohort
    low: int  # fewest mentees per cohort
    high: np.ndarray  # most mentees per cohort: its mentor's capacity, at most group.max − 1
    mentor: np.ndarray  # int64 mentor index per cohort, -1 once dissolved
    scores: np.ndarray  # float64 (n_mentees, n_mentors): every mentor–mentee score, -inf if not

    def lead(self, cohort: int, mentor: int, capacity: int) -> None:
        """Give `cohort` to `mentor` (-1: dissolve it, so nobody can join)."""
        self.mentor[cohort] = mentor
        self.high[cohort] = capacity
        self.mentor_score[:, cohort] = self.scores[:, mentor] if mentor >= 0 else -np.inf


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
    """Fill cohorts below the minimum, then dissolve the ones that cannot be filled.

    A cohort whose mentor's capacity is below the minimum cannot be filled without exceeding
    that capacity, so it is dissolved at once.
    """
    for c in np.argsort(state.size, kind="stable"):
        if state.size[c] == 0:
            continue
        while state.low <= state.high[c] and state.size[c] < state.low:
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
            state.lead(int(c), -1, 0)
            for e in members:
                room = np.isfinite(state.mentor_score[e]) & (state.size > 0)
                room &= state.size < state.high
                if room.any():
                    options = np.nonzero(room)[0]
                    _move(state, int(e), int(options[np.argmax(state.mentor_score[e, options])]))


def match_groups(
    scorer: Scorer, *, progress: Progress | None, k: int, keep: int, seconds: float = 20.0
) -> MatchResult:

    started = time.perf_counter()
    if scorer.n_mentees > PEER_LIMIT:
        raise GroupTooLarge(
            f"group mode matches at most {PEER_LIMIT} mentees per round "
            f"({scorer.n_mentees} given); split the program into smaller rounds"
        )
    program = scorer.data.program
    assert program.group is not None
    low, high = max(1, program.group.min - 1), program.group.max - 1
    capped = replace_capacities(scorer, _leading_capacities(scorer.capacities, low, high))
    assignment = solve_assignment(capped, k=k, keep=keep, progress=progress)
    seed_time = time.perf_counter() - started
    state = _seed(capped, assignment.solution.mentor_of, low)
    seed_mentor, seed_peer = _value(state)
    _repair(state)
    repaired = sum(_value(state))
    search = _improve(state, capped, started + seconds)
    final_mentor, final_peer = _value(state)
    placed = int((state.cohort_of >= 0).sum())
    flow_total = scorer.score(int(assignment.solution.points_of.sum()))
    value = final_mentor + final_peer
    simple_bound = flow_total + _peer_bound(state.peer, placed, low)
    bound = min(simple_bound, _lagrangian_bound(state, capped, value))
    gap = max(0.0, (bound - value) / bound) if bound > 0 else 0.0
    matches = _cohorts(scorer, state)
    member_of = np.full(scorer.n_mentees, -1, dtype=np.int64)
    placed_rows = np.nonzero(state.cohort_of >= 0)[0]
    member_of[placed_rows] = state.mentor[state.cohort_of[placed_rows]]
    unmatched = unmatched_reasons(scorer, member_of, assignment)
    stats = base_stats(scorer, assignment)
    stats["groups"] = {
        "cohorts": len(matches),
        "seed_score": round(seed_mentor + seed_peer, 4),
        "repaired_seed_score": round(repaired, 4),
        "score": round(value, 4),
        "mentor_score": round(final_mentor, 4),
        "peer_score": round(final_peer, 4),
        "improvement": round((value / (seed_mentor + seed_peer) - 1) if seed_mentor else 0.0, 6),
        "upper_bound": round(bound, 4),
        "simple_upper_bound": round(simple_bound, 4),
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


def _seed(capped: Scorer, mentor_of: np.ndarray, low: int) -> _State:
    """One cohort per mentor the flow gave mentees to, holding those mentees."""
    leaders = np.unique(mentor_of[mentor_of >= 0])
    scores = np.full((capped.n_mentees, capped.n_mentors), -np.inf)
    for rows, block in capped.blocks():
        scores[rows] = np.where(block >= 0, block / capped.scale, -np.inf)
    n_e, n_c = capped.n_mentees, len(leaders)
    state = _State(
        cohort_of=np.full(n_e, -1, dtype=np.int64),
        mentor_score=scores[:, leaders].copy(),
        peer=peer_matrix(capped),
        affinity=np.zeros((n_e, n_c)),
        size=np.zeros(n_c, dtype=np.int64),
        low=low,
        high=capped.capacities[leaders].copy(),
        mentor=leaders.astype(np.int64),
        scores=scores,
    )
    column = {int(r): n for n, r in enumerate(leaders)}
    for e in np.nonzero(mentor_of >= 0)[0]:
        _move(state, int(e), column[int(mentor_of[e])])
    return state


def _improve(state: _State, capped: Scorer, deadline: float) -> dict[str, int]:
    """Annealing, then local search and the best mentor for every cohort until neither helps."""
    totals = {"moves": 0, "swaps": 0, "passes": 0, "mentor_changes": 0}
    totals["annealing_accepted"] = _anneal(state, ANNEAL_STEPS * len(state.cohort_of), deadline)
    for _ in range(MAX_ALTERNATIONS):
        for name, count in _search(state, deadline).items():
            totals[name] += count
        changed = _reassign(state, capped)
        totals["mentor_changes"] += changed
        if not changed or time.perf_counter() > deadline:
            break
    return totals


def _pv(pair_sum: float, size: int) -> float:
    return 2.0 * pair_sum / (size - 1) if size >= 2 else 0.0


def _anneal(state: _State, steps: int, deadline: float) -> int:
    """Simulated annealing over moves and swaps, aimed at the cohorts of each mentee's peers.

    A proposal takes a random placed mentee and a target cohort (usually one holding one of
    its closest peers), then moves it there, or swaps it with a random member when the target
    is full. Improvements are always accepted, a loss d with probability exp(d / T), T cooling
    geometrically to almost 0, so the search ends in a local optimum. The random generator has
    a fixed seed: the same input gives the same cohorts. Returns the accepted proposals.
    """
    placed = np.nonzero(state.cohort_of >= 0)[0]
    if len(placed) < 2 or steps <= 0:
        return 0
    rng = np.random.default_rng(ANNEAL_SEED)
    near = min(NEAR_PEERS, len(state.peer) - 1)
    peers = np.argpartition(-state.peer, near - 1, axis=1)[:, :near]
    sums = _pair_sums(state)
    picks = placed[rng.integers(0, len(placed), steps)]
    choices = rng.integers(0, near, steps)
    coins = rng.random(steps)
    t0, t1 = ANNEAL_START, ANNEAL_END
    accepted = 0
    for step in range(steps):
        if step % 4096 == 0 and time.perf_counter() > deadline:
            break
        e = int(picks[step])
        c1 = int(state.cohort_of[e])
        c2 = int(state.cohort_of[peers[e, choices[step]]])
        if c2 < 0 or c2 == c1:
            continue
        temperature = t0 * (t1 / t0) ** (step / steps)
        if state.size[c2] < state.high[c2] and state.size[c1] > state.low:
            delta = _move_gain(state, sums, e, c1, c2)
            if delta > 0 or coins[step] < np.exp(delta / temperature):
                _shift(state, sums, e, c2)
                accepted += 1
            continue
        members = np.nonzero(state.cohort_of == c2)[0]
        f = int(members[int(coins[step] * 1e6) % len(members)])
        delta = _swap_gain(state, sums, e, f, c1, c2)
        if delta > 0 or coins[step] < np.exp(delta / temperature):
            _shift(state, sums, e, c2)
            _shift(state, sums, f, c1)
            accepted += 1
    return accepted


def _move_gain(state: _State, sums: np.ndarray, e: int, c1: int, c2: int) -> float:
    score = state.mentor_score
    if not np.isfinite(score[e, c2]):
        return -np.inf
    n1, n2 = int(state.size[c1]), int(state.size[c2])
    a1, a2 = state.affinity[e, c1], state.affinity[e, c2]
    return float(
        score[e, c2]
        - score[e, c1]
        + _pv(sums[c1] - a1, n1 - 1)
        - _pv(sums[c1], n1)
        + _pv(sums[c2] + a2, n2 + 1)
        - _pv(sums[c2], n2)
    )


def _swap_gain(state: _State, sums: np.ndarray, e: int, f: int, c1: int, c2: int) -> float:
    score, aff = state.mentor_score, state.affinity
    mentor = score[e, c2] + score[f, c1] - score[e, c1] - score[f, c2]
    if not np.isfinite(mentor):
        return -np.inf
    pef = state.peer[e, f]
    q1 = sums[c1] - aff[e, c1] + aff[f, c1] - pef
    q2 = sums[c2] - aff[f, c2] + aff[e, c2] - pef
    n1, n2 = int(state.size[c1]), int(state.size[c2])
    return float(mentor + _pv(q1, n1) - _pv(sums[c1], n1) + _pv(q2, n2) - _pv(sums[c2], n2))


def _shift(state: _State, sums: np.ndarray, e: int, target: int) -> None:
    """`_move`, keeping the cohorts' pair sums up to date."""
    source = int(state.cohort_of[e])
    sums[source] -= state.affinity[e, source]
    sums[target] += state.affinity[e, target]
    _move(state, e, target)


def _reassign(state: _State, capped: Scorer) -> int:
    """Give every cohort the mentor that maximises the total mentor score (an assignment).

    Cohorts keep their mentees; a mentor can lead a cohort when every member passes the
    required rules with them and the cohort fits their capacity. Returns how many cohorts
    changed mentor (0 when the current mentors are already optimal).
    """
    live = np.nonzero(state.size > 0)[0]
    if not len(live):
        return 0
    members = np.nonzero(state.cohort_of >= 0)[0]
    members = members[np.argsort(state.cohort_of[members], kind="stable")]
    starts = np.searchsorted(state.cohort_of[members], live)
    finite = np.isfinite(state.scores[members])
    total = np.add.reduceat(np.where(finite, state.scores[members], 0.0), starts, axis=0)
    fits = np.add.reduceat(finite.astype(np.int64), starts, axis=0) == state.size[live, None]
    fits &= capped.capacities[None, :] >= state.size[live, None]
    points = np.rint(total * capped.scale).astype(np.int64)
    arc_c, arc_r = np.nonzero(fits)
    found = solve_flow(
        len(live), np.ones(capped.n_mentors, dtype=np.int64), arc_c, arc_r, points[arc_c, arc_r]
    )
    current = points[np.arange(len(live)), state.mentor[live]]
    if int(found.points_of.sum()) <= int(current.sum()):
        return 0
    changed = 0
    for n, c in enumerate(live):
        mentor = int(found.mentor_of[n])
        if mentor != state.mentor[c]:
            state.lead(int(c), mentor, int(capped.capacities[mentor]))
            changed += 1
    return changed


def _peer_bound(peer: np.ndarray, placed: int, low: int) -> float:
    """Σ over the `placed` best mentees of the most mean peer affinity each can have.

    A placed mentee shares a cohort with at least low − 1 others (smaller cohorts are
    dissolved), and the mean of m ≥ low − 1 affinities is at most the mean of the best low − 1.
    """
    if not placed or len(peer) < 2:
        return 0.0
    others = max(1, min(low - 1, len(peer) - 1))
    best = -np.partition(-peer, others - 1, axis=1)[:, :others].mean(axis=1)
    return float(np.sort(best)[::-1][:placed].sum())


def _leading_capacities(capacities: np.ndarray, low: int, high: int) -> np.ndarray:
    """Mentees each mentor can lead in a cohort: at most `high`, and none below `low`.

    A mentor whose capacity is below the fewest mentees of a cohort cannot lead one without
    exceeding it, so the seed flow (and every later step) gives them nobody.
    """
    capped = np.minimum(capacities, high)
    return np.where(capped >= low, capped, 0)


def _lagrangian_bound(state: _State, capped: Scorer, value: float) -> float:
    """The cohort bound of `group_bound` (valid for every solution, whatever its size)."""
    placed = max(1, int((state.cohort_of >= 0).sum()))
    return cohort_bound(
        state.scores, state.peer, capped.capacities, state.low, value, value / placed
    )


def replace_capacities(scorer: Scorer, capacities: np.ndarray) -> Scorer:
    """A shallow copy of `scorer` with other mentor capacities (same columns)."""
    clone = object.__new__(Scorer)
    clone.__dict__.update(scorer.__dict__)
    clone.capacities = capacities.astype(np.int64)
    return clone


def _cohorts(scorer: Scorer, state: _State) -> list[Match]:
    sums = _pair_sums(state)
    out = []
    for c, r in enumerate(state.mentor):
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
