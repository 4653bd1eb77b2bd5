"""Pricing: find the pairs outside the flow whose reduced cost is positive, or prove none is.

A pair (i, j) outside the flow can improve the solution only if points_ij − v_j > u_i (v: the
mentor prices, u: the mentee utilities minus the bonus, see `flow`). Re-scoring every pair each
round is what a large pool cannot afford, so each row first gets an upper bound on
max_j (points_ij − v_j) and only rows whose bound reaches their utility are re-scored.

The bound (`RowBound`) is exact apart from forbidden pairs (earlier or declined pairs), which it
ignores, so it never skips a row that has a positive reduced cost. It uses the fused tables
(`fused`): points_ij = O[a_i, α_j] + I[b_i, β_j], with O one fused table (the "outer" one) and
I the sum of the others. Grouping mentors by their outer code α,

    max_j (points_ij − v_j) = max_α (O[a_i, α] + M[b_i, α]),
    M[b, α] = max_{j: α_j = α} (I[b, β_j] − v_j),

so a round costs (distinct inner mentee codes) × mentors + (distinct mentee signatures) ×
(distinct α) instead of mentees × mentors. Infeasible table entries become −∞ (a large negative
int64).

A row is re-scored when its bound exceeds u_i, i.e. when it may hold a positive reduced cost.
(Every matched row has a pair at reduced cost 0, its own, so the slack that anticipates price
changes only applies within re-scored rows.)

Without tables for every rule (very large answer grids) the bound falls back to the stored
candidates: unstored pairs have at most the lowest stored points, and prices are ≥ min(v).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .candidates import SPREAD, Candidates
from .fused import FusedTable, Joint, joint_codes
from .model import Progress
from .scoring import Scorer

INFEASIBLE = -(1 << 50)
BOUND_CELLS = 1 << 21
"""Cells of one temporary array while computing the bound (16 MiB as int64)."""


@dataclass(frozen=True)
class Pricing:
    new_e: np.ndarray
    new_r: np.ndarray
    violations: int  # pairs with positive reduced cost: 0 proves optimality
    gap_points: int  # dual bound − objective, in points
    rescored: int  # mentee rows re-scored against every mentor


def _wide(table: FusedTable) -> np.ndarray:
    return np.where(table.points >= 0, table.points.astype(np.int64), INFEASIBLE)


class RowBound:
    """Per mentee, max over mentors of (points − price), from the fused tables (module doc)."""

    def __init__(self, scorer: Scorer) -> None:
        tables = scorer.fused
        n_e = scorer.n_mentees
        outer = min(range(len(tables)), key=lambda n: self._cost(scorer, n)) if tables else None
        self._outer = None if outer is None else _wide(tables[outer])
        self._alpha = (
            np.zeros(scorer.n_mentors, dtype=np.int64)
            if outer is None
            else tables[outer].mentor.codes
        )
        a_codes = np.zeros(n_e, dtype=np.int64) if outer is None else tables[outer].mentee.codes
        self._inner = [t for n, t in enumerate(tables) if n != outer]
        self._inner_wide = [_wide(t) for t in self._inner]
        self._b = self._inner_joint(n_e)
        n_a = 1 if self._outer is None else len(self._outer)
        self._sig = joint_codes([a_codes, self._b.codes], [n_a, self._b.size])
        self._order = np.argsort(self._alpha, kind="stable")
        self._inner_by_alpha = [t.mentor.codes[self._order] for t in self._inner]
        """The inner tables' mentor codes with mentors sorted by outer code, as `reduceat` wants."""
        n_alpha = 1 if self._outer is None else self._outer.shape[1]
        self._present = np.bincount(self._alpha, minlength=n_alpha) > 0
        starts = np.searchsorted(self._alpha[self._order], np.arange(n_alpha))
        self._starts = starts[self._present]  # strictly increasing: one segment per class

    def _inner_joint(self, n_e: int) -> Joint:
        if not self._inner:
            return Joint(np.zeros(n_e, dtype=np.int64), np.zeros((1, 0), dtype=np.int64))
        return joint_codes(
            [t.mentee.codes for t in self._inner], [t.mentee.size for t in self._inner]
        )

    @staticmethod
    def _cost(scorer: Scorer, outer: int) -> int:
        """Cells touched per round with table `outer` as the outer one (an estimate)."""
        tables = scorer.fused
        inner = [t for n, t in enumerate(tables) if n != outer]
        n_b = 1
        for t in inner:
            n_b *= t.mentee.size
        n_b = min(n_b, scorer.n_mentees)
        return n_b * scorer.n_mentors + scorer.n_mentees * tables[outer].mentor.size

    def row_max(self, prices: np.ndarray) -> np.ndarray:
        """int64 per mentee: an upper bound on max_j (points_ij − v_j) over feasible pairs."""
        best_by_alpha = self._inner_max(prices.astype(np.int64))
        sig = self._sig.parts
        out = np.empty(len(sig), dtype=np.int64)
        step = max(1, BOUND_CELLS // max(1, best_by_alpha.shape[1]))
        for start in range(0, len(sig), step):
            a, b = sig[start : start + step, 0], sig[start : start + step, 1]
            total = best_by_alpha[b]
            if self._outer is not None:
                total += self._outer[a]
            out[start : start + step] = total.max(axis=1)
        return out[self._sig.codes]

    def _inner_max(self, prices: np.ndarray) -> np.ndarray:
        """M[b, α] = max over mentors j with outer code α of (I[b, β_j] − v_j)."""
        parts = self._b.parts
        n_r = len(prices)
        out = np.full((len(parts), len(self._present)), INFEASIBLE, dtype=np.int64)
        step = max(1, BOUND_CELLS // max(1, n_r))
        for start in range(0, len(parts), step):
            chunk = parts[start : start + step]
            values = np.broadcast_to(-prices[self._order], (len(chunk), n_r)).copy()
            for n, (codes, wide) in enumerate(
                zip(self._inner_by_alpha, self._inner_wide, strict=True)
            ):
                values += np.take(wide[chunk[:, n]], codes, axis=1)
            best = np.maximum.reduceat(values, self._starts, axis=1)
            out[start : start + step, self._present] = best
        return out


def _violators(
    rows: np.ndarray, index: np.ndarray | None, reduced: np.ndarray, limit: int
) -> tuple[np.ndarray, np.ndarray]:
    """The `limit` most violating pairs per row among reduced > 0, as (mentee, mentor) arrays.

    `index` maps the columns of `reduced` to mentors (stored candidates); None: columns are
    mentors already.
    """
    if reduced.shape[1] > limit:
        part = np.argpartition(-reduced, limit - 1, axis=1)[:, :limit]
    else:
        part = np.broadcast_to(np.arange(reduced.shape[1]), reduced.shape)
    best = np.take_along_axis(reduced, part, axis=1)
    cols = part if index is None else np.take_along_axis(index, part, axis=1)
    ok = best > 0
    return np.broadcast_to(rows[:, None], part.shape)[ok], cols[ok]


def _best_per_row(
    rows: np.ndarray, cols: np.ndarray, reduced: np.ndarray, limit: int, n_cols: int
) -> tuple[np.ndarray, np.ndarray]:
    """At most `limit` pairs per row, the largest reduced costs first.

    Ties go to the columns from the row's own rotation on (see `candidates.rotation`), so rows
    that price alike do not all add the same mentors.
    """
    turned = (cols - rows * SPREAD % n_cols) % n_cols
    order = np.lexsort((turned, -reduced, rows))
    rows, cols = rows[order], cols[order]
    start = np.searchsorted(rows, rows, side="left")
    keep = np.arange(len(rows)) - start < limit
    return rows[keep], cols[keep]


@dataclass(frozen=True)
class _Round:
    """The inputs every pricing step of one round shares."""

    prices: np.ndarray
    u_hat: np.ndarray
    k: int
    slack: int
    bonus: int


def price(
    scorer: Scorer,
    cands: Candidates,
    bound: RowBound | None,
    prices: np.ndarray,
    u_hat: np.ndarray,
    k: int,
    slack: int,
    bonus: int,
    progress: Progress | None = None,
) -> Pricing:
    """Find pairs with reduced cost > −slack (best k per mentee) and count those > 0.

    Adding nearly-violating pairs too (slack > 0) anticipates the price changes of the next
    solve and saves rounds; only strictly positive reduced costs block the proof.
    """
    state = _Round(prices, u_hat, k, slack, bonus)
    if bound is not None:
        rows = np.nonzero(bound.row_max(prices) > u_hat)[0]
        return _rescore(scorer, state, rows, (np.zeros(0, np.int64),) * 2, 0, 0, progress)
    return _price_by_stores(scorer, cands, state, progress)


def _price_by_stores(
    scorer: Scorer, cands: Candidates, state: _Round, progress: Progress | None
) -> Pricing:
    """The fallback: check stored pairs directly, re-score rows whose store cannot rule out."""
    prices, u_hat, slack, bonus = state.prices, state.u_hat, state.slack, state.bonus
    stored_ok = cands.index >= 0
    stored_reduced = np.where(
        stored_ok, cands.points - prices[np.maximum(cands.index, 0)] - u_hat[:, None], -bonus
    )
    floor = int(prices.min()) if len(prices) else 0
    incomplete = cands.lowest >= 0
    rescore = np.nonzero(incomplete & (cands.lowest - floor > u_hat - slack))[0]
    skip = np.ones(len(u_hat), dtype=bool)
    skip[rescore] = False
    stored_best = stored_reduced.max(axis=1, initial=-bonus)
    rows = np.nonzero(skip & (stored_best > -slack))[0]
    found = _violators(rows, cands.index[rows], stored_reduced[rows] + slack, state.k)
    violations = int((stored_reduced[rows] > 0).sum())
    gap = int(np.maximum(stored_best[rows], 0).sum())
    return _rescore(scorer, state, rescore, found, violations, gap, progress)


def _rescore(
    scorer: Scorer,
    state: _Round,
    rescore: np.ndarray,
    found: tuple[np.ndarray, np.ndarray],
    violations: int,
    gap: int,
    progress: Progress | None,
) -> Pricing:
    """Re-score the rows `rescore` against every mentor; add to what the caller `found`."""
    u_hat, slack, k = state.u_hat, state.slack, state.k
    parts_e, parts_r = [found[0]], [found[1]]
    done = 0
    wide = np.int32 if 4 * (state.bonus + scorer.max_points) < np.iinfo(np.int32).max else np.int64
    low = np.iinfo(wide).min // 2
    prices_w = state.prices.astype(wide)
    for block_rows, block in scorer.blocks(rescore):
        value = np.where(block >= 0, block.astype(wide) - prices_w, low)
        excess = value.max(axis=1).astype(np.int64) - u_hat[block_rows]
        gap += int(np.maximum(excess, 0).sum())
        hot = np.nonzero(excess > -slack)[0]
        if len(hot):
            sub = value[hot]
            threshold = (u_hat[block_rows[hot]] - slack).astype(wide)
            r, c = np.nonzero(sub > threshold[:, None])
            reduced = sub[r, c].astype(np.int64) - u_hat[block_rows[hot[r]]]
            violations += int((reduced > 0).sum())
            e, j = _best_per_row(block_rows[hot[r]], c, reduced, k, scorer.n_mentors)
            parts_e.append(e)
            parts_r.append(j)
        done += len(block_rows)
        if progress:
            progress("pricing", done, len(rescore))
    return Pricing(np.concatenate(parts_e), np.concatenate(parts_r), violations, gap, len(rescore))
