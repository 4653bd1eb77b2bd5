"""One min-cost flow on a restricted set of candidate arcs, and the duals that certify it.

Network: source → mentee (capacity 1), mentee → mentor (capacity 1, cost −points), mentor →
sink (capacity = mentor capacity); a maximum flow of minimum cost is the lexicographic optimum.
Equivalently, every match earns the bonus M = max_points × (most possible matches) + 1, which
is larger than any difference in total points two matchings can have, so with weights
w = M + points one more match always beats any gain in score and maximising Σw is the same
lexicographic objective as one linear program, exactly, in int64 arithmetic. The duals below
are those of that weighted program.

Duals: with mentor prices v ≥ 0 and mentee utilities u ≥ 0, the solution is optimal for *all*
pairs when u_i + v_j ≥ M + points_ij for every feasible pair (LP duality; the b-matching
polytope is integral). `mentor_prices` computes the smallest prices consistent with the
restricted optimum (a longest-path fixpoint, Bellman-Ford style over mentors); small prices
leave mentees the largest utilities, which lets the pricing step skip most rows by a bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

UNMATCHED = -1


class FlowError(RuntimeError):
    """The solver or the dual certificate failed; a bug, never a property of the roster."""


@dataclass(frozen=True)
class FlowSolution:
    mentor_of: np.ndarray  # int64 per mentee, UNMATCHED when unmatched
    points_of: np.ndarray  # int64 points of each mentee's match (0 when unmatched)
    load: np.ndarray  # int64 mentees per mentor


def match_bonus(max_points: int, n_mentees: int, total_capacity: int) -> int:
    return max_points * max(1, min(n_mentees, total_capacity)) + 1


def solve_flow(
    n_mentees: int,
    capacities: np.ndarray,
    arc_e: np.ndarray,
    arc_r: np.ndarray,
    arc_points: np.ndarray,
) -> FlowSolution:
    """The lexicographic optimum (most matches, then most points) on the given arcs.

    OR-Tools' max-flow-with-min-cost computes exactly that objective without the bonus in the
    costs, which keeps the cost range small (cost scaling runs in O(log(n·C)) phases); the
    bonus only appears in the duals.
    """
    n_mentors = len(capacities)
    source, sink = n_mentees + n_mentors, n_mentees + n_mentors + 1
    used = np.unique(arc_e)
    n_arcs = len(arc_e)
    tails = np.concatenate(
        [np.full(len(used), source), arc_e, n_mentees + np.arange(n_mentors)]
    ).astype(np.int32)
    heads = np.concatenate([used, n_mentees + arc_r, np.full(n_mentors, sink)]).astype(np.int32)
    caps = np.concatenate([np.ones(len(used)), np.ones(n_arcs), capacities]).astype(np.int64)
    costs = np.concatenate([np.zeros(len(used)), -arc_points, np.zeros(n_mentors)])
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs.astype(np.int64))
    supplies = np.zeros(n_mentees + n_mentors + 2, dtype=np.int64)
    supplies[source], supplies[sink] = n_mentees, -n_mentees
    flow.set_nodes_supplies(np.arange(len(supplies), dtype=np.int32), supplies)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise FlowError(f"min-cost flow ended with status {status}")
    first = len(used)
    chosen = flow.flows(np.arange(first, first + n_arcs, dtype=np.int32)) > 0
    mentor_of = np.full(n_mentees, UNMATCHED, dtype=np.int64)
    points_of = np.zeros(n_mentees, dtype=np.int64)
    mentor_of[arc_e[chosen]] = arc_r[chosen]
    points_of[arc_e[chosen]] = arc_points[chosen]
    load = np.bincount(arc_r[chosen], minlength=n_mentors).astype(np.int64)
    return FlowSolution(mentor_of, points_of, load)


def mentor_prices(
    solution: FlowSolution,
    capacities: np.ndarray,
    arc_e: np.ndarray,
    arc_r: np.ndarray,
    arc_points: np.ndarray,
    bonus: int,
) -> np.ndarray:
    """The least mentor prices v (int64) that, with u, certify the restricted optimum.

    Constraints (w = bonus + points): v ≥ 0; an unmatched mentee i needs v_j ≥ w_ij on its
    arcs; a matched mentee i (mentor m) needs v_j ≥ v_m + w_ij − w_im. Iterating
    v_dst = max(v_dst, v_src + delta) from v = 0 reaches the least fixpoint in at most
    (#mentors + 1) rounds when the flow is optimal; a longer run means a positive cycle.
    """
    n_mentors = len(capacities)
    mine = solution.mentor_of[arc_e]
    free = mine == UNMATCHED
    prices = np.zeros(n_mentors, dtype=np.int64)
    np.maximum.at(prices, arc_r[free], bonus + arc_points[free])
    alt = ~free & (arc_r != mine)
    src = mine[alt]
    dst = arc_r[alt]
    delta = arc_points[alt] - solution.points_of[arc_e[alt]]
    order = np.argsort(src, kind="stable")
    src, dst, delta = src[order], dst[order], delta[order]
    indptr = np.searchsorted(src, np.arange(n_mentors + 1))
    frontier = np.unique(src)
    for _ in range(n_mentors + 2):
        if frontier.size == 0:
            break
        starts, ends = indptr[frontier], indptr[frontier + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        if total == 0:
            break
        offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        idx = offsets + np.arange(total)
        candidate = prices[src[idx]] + delta[idx]
        target = dst[idx]
        better = candidate > prices[target]
        if not better.any():
            break
        np.maximum.at(prices, target[better], candidate[better])
        frontier = np.unique(target[better])
    else:
        raise FlowError("dual prices do not converge: the restricted flow is not optimal")
    matched = solution.mentor_of != UNMATCHED
    mentors = solution.mentor_of[matched]
    if np.any(prices[mentors] > bonus + solution.points_of[matched]):
        raise FlowError("dual check failed: a mentee utility would be negative")
    if np.any(prices[solution.load < capacities] != 0):
        raise FlowError("dual check failed: a mentor with room has a positive price")
    return prices


def utilities(solution: FlowSolution, prices: np.ndarray, bonus: int) -> np.ndarray:
    """u − bonus per mentee: points_im − v_m when matched, −bonus when unmatched (u = 0)."""
    out = np.full(len(solution.mentor_of), -bonus, dtype=np.int64)
    matched = solution.mentor_of != UNMATCHED
    out[matched] = solution.points_of[matched] - prices[solution.mentor_of[matched]]
    return out
