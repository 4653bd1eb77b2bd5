"""Scores of (mentee, mentor) pairs, computed block by block from the rule tables.

A block is `rows` mentees × every mentor, as integers (`scale` × the score of
docs/architecture.md). A negative entry means the pair is infeasible: a required rule fails
(its table entry is `neg`, below minus the largest possible score, so the sum stays
negative), the pair was matched in an earlier cycle, someone declined it, or it would match a
person with themself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from core.programs.program import Mode, Role

from .encode import RuleTable, build_rule, choose_scale, matched_rules, points_dtype
from .fused import FUSED_LIMIT, FusedTable, fuse, plan
from .model import Candidate, MatchInput

FORBIDDEN = -1
DEFAULT_BLOCK_CELLS = 1 << 21
"""About 2M pairs per block: a few MiB per temporary array, whatever the pool size."""
DEFAULT_CACHE_BYTES = 64 << 20
"""The whole score matrix is kept after the first full pass when it fits in this many bytes
(10,000 × 2,000 int16 is 40 MB); larger pools are re-scored block by block instead."""


class Component(NamedTuple):
    """One rule's contribution to a pair, for explanations (a tuple: a round makes 60,000)."""

    rule: RuleTable
    value: float
    feasible: bool


class Scorer:
    """Pair scores for one matching round. Mentees are rows, mentors with capacity are columns."""

    def __init__(
        self,
        data: MatchInput,
        *,
        block_cells: int = DEFAULT_BLOCK_CELLS,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        fused_cells: int = FUSED_LIMIT,
    ) -> None:
        program = data.program
        people = sorted(data.candidates, key=lambda c: c.id)
        self.data = data
        self.mentees: list[Candidate] = [c for c in people if Role.MENTEE in c.roles]
        self.mentors: list[Candidate] = [
            c for c in people if Role.MENTOR in c.roles and c.capacity > 0
        ]
        self.capacities = np.array([c.capacity for c in self.mentors], dtype=np.int64)
        if program.mode is Mode.ONE_TO_ONE:
            self.capacities = np.minimum(self.capacities, 1)
        self.mentee_index = {c.id: n for n, c in enumerate(self.mentees)}
        self.mentor_index = {c.id: n for n, c in enumerate(self.mentors)}
        self.scale, self.exact = choose_scale(program)
        specs = matched_rules(program)
        self.max_points = sum(round(rule.weight * self.scale) for _, _, rule in specs)
        required = sum(1 for _, _, rule in specs if rule.required)
        self.dtype = points_dtype(self.max_points, required)
        self.neg = -(self.max_points + 1)
        self.rules: list[RuleTable] = [
            build_rule(q, p, r, self.mentees, self.mentors, data.at, self.scale, self.neg)
            for q, p, r in specs
        ]
        self.fused: list[FusedTable] = [
            fuse(self.rules, self.dtype, group) for group in plan(self.rules, fused_cells)
        ]
        self._mentor_codes = [table.mentor.codes.astype(np.intp) for table in self.fused]
        self._loose = [rule for rule in self.rules if rule.points is None]
        """Rules whose distinct × distinct grid is too large for a table, scored per block."""
        self._points = [
            None if rule.points is None else rule.points.astype(self.dtype) for rule in self.rules
        ]
        self.block_cells = block_cells
        self.block_rows = max(1, block_cells // max(1, len(self.mentors)))
        self._forbidden_e, self._forbidden_r = self._forbidden_pairs()
        cells = len(self.mentees) * len(self.mentors)
        self._cache_ok = cells * np.dtype(self.dtype).itemsize <= cache_bytes
        self._cache: np.ndarray | None = None

    @property
    def loose(self) -> bool:
        """Some rule has no table (its answer grid is too large), so no fused bound exists."""
        return bool(self._loose)

    @property
    def n_mentees(self) -> int:
        return len(self.mentees)

    @property
    def n_mentors(self) -> int:
        return len(self.mentors)

    def _forbidden_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        pairs: set[tuple[int, int]] = set()
        for mentee_id, mentor_id in self.data.history | self.data.declined:
            e, r = self.mentee_index.get(mentee_id), self.mentor_index.get(mentor_id)
            if e is not None and r is not None:
                pairs.add((e, r))
        for person_id, e in self.mentee_index.items():
            r = self.mentor_index.get(person_id)
            if r is not None:
                pairs.add((e, r))
        if not pairs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        ordered = np.array(sorted(pairs), dtype=np.int64)
        return ordered[:, 0], ordered[:, 1]

    def block(self, rows: np.ndarray) -> np.ndarray:
        """Scores of the mentees `rows` (sorted indices) against every mentor."""
        out = np.zeros((len(rows), self.n_mentors), dtype=self.dtype)
        for table, mentor_codes in zip(self.fused, self._mentor_codes, strict=True):
            out += np.take(table.points[table.mentee.codes[rows]], mentor_codes, axis=1)
        for rule in self._loose:
            part = rule.block(rule.mentee.codes[rows]).astype(self.dtype)
            out += part[:, rule.mentor.codes]
        if len(self._forbidden_e):
            position = np.full(self.n_mentees, -1, dtype=np.int64)
            position[rows] = np.arange(len(rows))
            where = position[self._forbidden_e]
            hit = where >= 0
            out[where[hit], self._forbidden_r[hit]] = FORBIDDEN
        return out

    def column_block(self, cols: np.ndarray) -> np.ndarray:
        """Scores of every mentee against the mentors `cols` (sorted), one row per mentor."""
        if self._cache is not None:
            return np.ascontiguousarray(self._cache[:, cols].T)
        out = np.zeros((len(cols), self.n_mentees), dtype=self.dtype)
        for table in self.fused:
            part = table.points[:, table.mentor.codes[cols]].T
            out += np.take(part, table.mentee.codes, axis=1)
        for rule in self._loose:
            part = rule.column_block(rule.mentor.codes[cols]).astype(self.dtype).T
            out += np.take(part, rule.mentee.codes, axis=1)
        if len(self._forbidden_r):
            position = np.full(self.n_mentors, -1, dtype=np.int64)
            position[cols] = np.arange(len(cols))
            where = position[self._forbidden_r]
            hit = where >= 0
            out[where[hit], self._forbidden_e[hit]] = FORBIDDEN
        return out

    def column_blocks(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(mentor indices, scores) over every mentor, a bounded block of columns at a time."""
        step = max(1, self.block_cells // max(1, self.n_mentees))
        for start in range(0, self.n_mentors, step):
            cols = np.arange(start, min(start + step, self.n_mentors))
            yield cols, self.column_block(cols)

    def blocks(self, rows: np.ndarray | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(row indices, scores) for `rows` (default: every mentee), a bounded block at a time."""
        todo = np.arange(self.n_mentees) if rows is None else np.asarray(rows, dtype=np.int64)
        cache = self._cache
        filling = cache is None and rows is None and self._cache_ok
        fill = np.empty((self.n_mentees, self.n_mentors), dtype=self.dtype) if filling else None
        for start in range(0, len(todo), self.block_rows):
            chunk = todo[start : start + self.block_rows]
            if cache is not None:
                yield chunk, cache[chunk]
                continue
            block = self.block(chunk)
            if fill is not None:
                fill[chunk] = block
            yield chunk, block
        if fill is not None:
            self._cache = fill

    def pair_points(self, mentees: np.ndarray, mentors: np.ndarray) -> np.ndarray:
        """Scores of aligned (mentee, mentor) index pairs, as int64 (negative: infeasible)."""
        total = np.zeros(len(mentees), dtype=np.int64)
        for rule, points in zip(self.rules, self._points, strict=True):
            e, r = rule.mentee.codes[mentees], rule.mentor.codes[mentors]
            if points is not None:
                total += points[e, r]
            else:
                values, feasible = rule.pair_values(e, r)
                part = np.rint(values * self.scale).astype(np.int64)
                part[~feasible] = self.neg
                total += part
        if len(self._forbidden_e):
            key = self._forbidden_e * self.n_mentors + self._forbidden_r
            total[np.isin(np.asarray(mentees) * self.n_mentors + mentors, key)] = FORBIDDEN
        return total

    def components(self, mentee: int, mentor: int) -> list[Component]:
        """Each rule's value for one pair, in program order."""
        return self.components_many(np.array([mentee]), np.array([mentor]))[0]

    def components_many(self, mentees: np.ndarray, mentors: np.ndarray) -> list[list[Component]]:
        """Components of aligned (mentee, mentor) index pairs, one table lookup per rule."""
        columns = []
        for rule in self.rules:
            values, feasible = rule.pair_values(
                rule.mentee.codes[mentees], rule.mentor.codes[mentors]
            )
            columns.append((rule, values.tolist(), feasible.tolist()))
        return [
            [Component(rule, values[n], feasible[n]) for rule, values, feasible in columns]
            for n in range(len(mentees))
        ]

    def exclusions(self, mentees: np.ndarray) -> dict[int, np.ndarray]:
        """For each required rule (by position), how many mentors it excludes per mentee."""
        out: dict[int, np.ndarray] = {}
        for n, rule in enumerate(self.rules):
            if not rule.rule.required:
                continue
            counts = np.bincount(rule.mentor.codes, minlength=rule.mentor.size)
            codes = rule.mentee.codes[mentees]
            unique, inverse = np.unique(codes, return_inverse=True)
            excluded = (rule.block(unique) < 0).astype(np.int64) @ counts
            out[n] = excluded[inverse.reshape(-1)]
        return out

    def score(self, points: int | np.integer) -> float:
        """Scaled integer points back to a score (docs/architecture.md)."""
        return float(points) / self.scale
