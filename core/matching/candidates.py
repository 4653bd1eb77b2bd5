"""The first scoring pass: each mentee's best mentors, each mentor's best mentees, counts.

Rows (mentees × every mentor) give each mentee's store; then columns (mentors × every mentee,
scored the same way with the tables transposed) give each mentor's. Ties are broken by index
(lower first) on both sides, so the candidate sets are deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import Progress
from .scoring import Scorer


@dataclass
class Candidates:
    """Per mentee: the best stored mentors and points, and how many mentors are feasible.

    Per mentor: the best few mentees (`mentor_index`), so the first flow can fill every mentor
    even when many mentees' favourites are the same popular few.
    """

    index: np.ndarray  # int64 (n_mentees, keep), -1 past the feasible ones
    points: np.ndarray  # int64 (n_mentees, keep), -1 past the feasible ones
    feasible: np.ndarray  # int64 per mentee
    mentor_feasible: np.ndarray  # int64 per mentor
    lowest: np.ndarray  # int64 per mentee: lowest stored points, -1 when the store is complete
    mentor_index: np.ndarray  # int64 (per_mentor, n_mentors), -1 where infeasible


def _keys(block: np.ndarray, tiebreak: np.ndarray, span: int) -> np.ndarray:
    """points × span + tiebreak: distinct per row/column, in a type numpy partitions fast."""
    wide = np.int32 if (int(block.max(initial=0)) + 2) * span < np.iinfo(np.int32).max else np.int64
    key = block.astype(wide)
    key *= span
    key += tiebreak.astype(wide)
    return key


SPREAD = 2654435761
"""Multiplier of the tie-break rotation (Knuth's multiplicative hash)."""


def rotation(first: int, n: int) -> int:
    """The column a block whose first row is `first` prefers among equal points.

    Scores take few distinct values, so a mentee has many equally good mentors. Breaking every
    tie towards the lowest column would send every similar mentee to the same few mentors and
    leave the first flow far from a full matching; rotating the preference per block spreads
    them, deterministically.
    """
    return (first * SPREAD) % n if n else 0


def top_per_row(block: np.ndarray, keep: int, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Best `keep` columns of each row, by points desc, then columns from `start` on, cyclically.

    -1 past a row's feasible columns.
    """
    n = block.shape[1]
    key = _keys(block, n - (np.arange(n) - start) % n, n + 1)
    if keep < n:
        part = np.argpartition(key, n - keep, axis=1)[:, n - keep :]
    else:
        part = np.broadcast_to(np.arange(n), block.shape)
    order = np.argsort(-np.take_along_axis(key, part, axis=1), axis=1)
    index = np.take_along_axis(part, order, axis=1).astype(np.int64)
    points = np.take_along_axis(block, index, axis=1).astype(np.int64)
    index[points < 0] = -1
    points[points < 0] = -1
    return index, points


def collect_candidates(
    scorer: Scorer, keep: int, per_mentor: int, progress: Progress | None
) -> Candidates:
    """One pass over every pair: the stores above and the feasible counts of both sides."""
    n_e, n_r = scorer.n_mentees, scorer.n_mentors
    keep = max(1, min(keep, n_r)) if n_r else 1
    per_mentor = max(1, min(per_mentor, n_e))
    index = np.full((n_e, keep), -1, dtype=np.int64)
    points = np.full((n_e, keep), -1, dtype=np.int64)
    feasible = np.zeros(n_e, dtype=np.int64)
    mentor_feasible = np.zeros(n_r, dtype=np.int64)
    mentor_index = np.full((per_mentor, n_r), -1, dtype=np.int64)
    done = 0
    if n_r and n_e:
        for rows, block in scorer.blocks():
            feasible[rows] = np.count_nonzero(block >= 0, axis=1)
            index[rows], points[rows] = top_per_row(block, keep, rotation(int(rows[0]), n_r))
            done += len(rows)
            if progress:
                progress("scoring", done, n_e + n_r)
        for cols, block in scorer.column_blocks():
            mentor_feasible[cols] = np.count_nonzero(block >= 0, axis=1)
            top = top_per_row(block, per_mentor, rotation(int(cols[0]), n_e))[0]
            mentor_index[:, cols] = top.T
            done += len(cols)
            if progress:
                progress("scoring", done, n_e + n_r)
    lowest = np.where(feasible > keep, points[:, -1], -1)
    return Candidates(index, points, feasible, mentor_feasible, lowest, mentor_index)
