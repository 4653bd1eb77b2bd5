"""A Lagrangian upper bound on the group-mode cohort value.

A cohort is one mentor r with mentees C, low ≤ |C| = s ≤ capacity(r), each of them feasible
with r. Its value is Σ_{e∈C} [score(e, r) + mean peer affinity of e with C \\ {e}]. Every
member of C is feasible with r, so the mean is at most B_r(e, s − 1): the mean of e's best
s − 1 affinities among the *other mentees feasible with r*. Hence

    value ≤ Σ_cohorts Σ_{e∈C} [score(e, r) + B_r(e, s − 1)].

Relaxing "each mentee is in at most one cohort" with prices u ≥ 0 leaves one independent
problem per mentor — the best s members by score + B − u, or no cohort — so for every u ≥ 0

    value ≤ Σ_e u_e + Σ_r max(0, max_s top-s sum of [score(·, r) + B_r(·, s − 1) − u]).

A fixed number of subgradient steps (Polyak step towards the best known value, halved when
the bound stalls) lowers the bound; any u gives a valid one, so the result does not depend on
convergence, and the fixed step count keeps it deterministic and independent of machine speed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BOUND_STEPS = 200
"""Subgradient steps; ~10 ms each on G1 (2,000 participants)."""
STALL_STEPS = 10
"""Halve the step after this many steps without a lower bound."""


@dataclass(frozen=True)
class _Columns:
    """Per mentor, the feasible mentees (padded with -1) and their terms per cohort size."""

    rows: np.ndarray  # int64 (n_mentors, width), -1 for padding
    terms: dict[int, np.ndarray]  # size s -> float64 (n_mentors, width): score + B_r(·, s−1)
    capacity: np.ndarray  # int64 per mentor


def _columns(scores: np.ndarray, peer: np.ndarray, capacity: np.ndarray, low: int) -> _Columns:
    feasible = np.isfinite(scores)
    n_r = scores.shape[1]
    width = max(1, int(feasible.sum(axis=0).max()))
    top = int(capacity.max()) if len(capacity) else 0
    rows = np.full((n_r, width), -1, dtype=np.int64)
    terms = {s: np.full((n_r, width), -np.inf) for s in range(low, top + 1)}
    for r in range(n_r):
        members = np.nonzero(feasible[:, r])[0]
        rows[r, : len(members)] = members
        best = _best_means(peer, members, min(int(capacity[r]), top) - 1)
        for s in range(low, int(capacity[r]) + 1):
            if s - 1 < best.shape[1]:
                terms[s][r, : len(members)] = scores[members, r] + best[:, s - 1]
    return _Columns(rows, terms, capacity)


def _best_means(peer: np.ndarray, members: np.ndarray, most: int) -> np.ndarray:
    """Column m: each member's mean of its best m affinities with the other members (m ≥ 0)."""
    most = min(most, len(members) - 1)
    zero = np.zeros((len(members), 1))
    if most <= 0:
        return zero
    sub = peer[np.ix_(members, members)]
    np.fill_diagonal(sub, -np.inf)
    best = -np.partition(-sub, most - 1, axis=1)[:, :most]
    best = -np.sort(-best, axis=1)
    return np.hstack([zero, np.cumsum(best, axis=1) / np.arange(1, most + 1)])


def _dual(cols: _Columns, u: np.ndarray) -> tuple[float, np.ndarray]:
    """The bound for prices u, and how many chosen cohorts hold each mentee."""
    n_r = cols.rows.shape[0]
    price = np.where(cols.rows >= 0, u[np.maximum(cols.rows, 0)], 0.0)
    best = np.zeros(n_r)
    size = np.zeros(n_r, dtype=np.int64)
    chosen: dict[int, np.ndarray] = {}
    for s, term in cols.terms.items():
        if s > term.shape[1]:
            continue
        reduced = term - price
        pick = np.argpartition(-reduced, s - 1, axis=1)[:, :s]
        value = np.take_along_axis(reduced, pick, axis=1).sum(axis=1)
        better = np.isfinite(value) & (value > best)
        best = np.where(better, value, best)
        size = np.where(better, s, size)
        chosen[s] = pick
    count = np.zeros(len(u))
    for s, pick in chosen.items():
        lead = np.nonzero(size == s)[0]
        np.add.at(count, cols.rows[lead[:, None], pick[lead]].ravel(), 1.0)
    return float(u.sum() + best.sum()), count


def cohort_bound(
    scores: np.ndarray,
    peer: np.ndarray,
    capacity: np.ndarray,
    low: int,
    known: float,
    start: float,
) -> float:
    """An upper bound on the total cohort value (see the module docstring).

    `scores` is mentees × mentors (-inf when infeasible), `capacity` each mentor's most
    mentees, `known` a value already reached (the Polyak target) and `start` the initial
    price of every mentee (e.g. the known value per mentee).
    """
    n_e = scores.shape[0]
    if n_e == 0 or scores.shape[1] == 0:
        return 0.0
    cols = _columns(scores, peer, capacity, low)
    u = np.full(n_e, max(0.0, start))
    bound, alpha, stall = np.inf, 1.0, 0
    for _ in range(BOUND_STEPS):
        value, count = _dual(cols, u)
        if value < bound - 1e-9:
            bound, stall = value, 0
        else:
            stall += 1
            if stall >= STALL_STEPS:
                alpha, stall = alpha / 2, 0
        grad = 1.0 - count
        grad[(u <= 0) & (grad > 0)] = 0.0
        norm = float(grad @ grad)
        if norm == 0.0:
            break
        u = np.maximum(0.0, u - alpha * max(value - known, 1e-6) / norm * grad)
    return bound


__all__ = ["cohort_bound"]
