"""Round statistics and the reasons people were left unmatched, shared by pair and group mode."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from core.content import plural
from core.programs.program import Role

from .explain import rule_phrase, rule_subject
from .model import Unmatched
from .scoring import Scorer
from .solve import Assignment


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


_FITS, _SELF, _EARLIER, _DECLINED = -4, -3, -2, -1
"""Why a (mentee, mentor) pair cannot be matched; a required rule is its index in `rules`."""


def _first_causes(
    scorer: Scorer, rows: np.ndarray, cols: np.ndarray
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(mentee rows, causes) blocks: for each pair of `rows` × `cols`, the first reason it
    cannot be matched — the same person, an earlier match, a declined request, then the
    required rules in program order — or `_FITS`. One cause per pair, so counts add up."""
    data = scorer.data
    forbidden = [
        (_DECLINED, data.declined),
        (_EARLIER, data.history),
        (_SELF, {(pid, pid) for pid in scorer.mentee_index if pid in scorer.mentor_index}),
    ]
    indexed = [
        (
            cause,
            [
                (scorer.mentee_index[e], scorer.mentor_index[r])
                for e, r in pairs
                if e in scorer.mentee_index and r in scorer.mentor_index
            ],
        )
        for cause, pairs in forbidden
    ]
    column = np.full(scorer.n_mentors, -1, dtype=np.int64)
    column[cols] = np.arange(len(cols))
    step = max(1, scorer.block_cells // max(1, len(cols)))
    for start in range(0, len(rows), step):
        chunk = rows[start : start + step]
        row = {int(e): n for n, e in enumerate(chunk)}
        causes = np.full((len(chunk), len(cols)), _FITS, dtype=np.int16)
        # Later assignments win, so the causes are written from the last to the first.
        for n in reversed(range(len(scorer.rules))):
            rule = scorer.rules[n]
            if not rule.rule.required:
                continue
            unique, inverse = np.unique(rule.mentee.codes[chunk], return_inverse=True)
            fails = (rule.block(unique) < 0)[inverse.reshape(-1)]
            causes[fails[:, rule.mentor.codes[cols]]] = n
        for cause, pairs in indexed:
            for e, r in pairs:
                if e in row and column[r] >= 0:
                    causes[row[e], column[r]] = cause
        yield chunk, causes


def _tally(causes: np.ndarray) -> dict[int, int]:
    values, counts = np.unique(causes, return_counts=True)
    return {int(v): int(c) for v, c in zip(values, counts, strict=True)}


def _breakdown(
    lead_rules: str, lead_other: str, noun: str, tally: dict[int, int], phrases: dict[int, str]
) -> str:
    """'<lead>: 1 of 1 mentor was excluded for …' or '<lead>: of 3 mentors, 2 were … and 1 …'.
    `phrases` maps a cause to its words ('{be}' is 'was' or 'were'); each pair has one cause."""
    parts = [(cause, tally[cause]) for cause in sorted(tally) if cause in phrases and tally[cause]]
    total = sum(count for _, count in parts)
    lead = lead_rules if all(cause >= 0 for cause, _ in parts) else lead_other
    said = [
        phrases[cause].replace("{be}", "was" if count == 1 else "were") for cause, count in parts
    ]
    if len(parts) == 1:
        return f"{lead}: {total} of {plural(total, noun)} {said[0]}."
    listed = [f"{count} {words}" for (_, count), words in zip(parts, said, strict=True)]
    return f"{lead}: of {plural(total, noun)}, {', '.join(listed[:-1])} and {listed[-1]}."


def _mentee_reason(scorer: Scorer, tally: dict[int, int], feasible: int, others: int) -> str:
    if others == 0:
        alone = " other than you" if tally.get(_SELF) else ""
        return f"There is no mentor with free capacity in this round{alone}."
    if feasible:
        return (
            f"All {feasible} mentors who fit your answers are full this round; "
            "you are on the waiting list."
            if feasible > 1
            else "The one mentor who fits your answers is full this round; "
            "you are on the waiting list."
        )
    phrases = {_EARLIER: "{be} matched with you before", _DECLINED: "declined your request before"}
    for n, rule in enumerate(scorer.rules):
        phrases[n] = "{be} excluded for " + rule_phrase(rule.question, rule.rule.rule)
    return _breakdown(
        "No mentor passes the required rules", "No mentor is left for you", "mentor", tally, phrases
    )


def _mentor_reason(scorer: Scorer, tally: dict[int, int], feasible: int, others: int) -> str:
    if others == 0:
        alone = " other than you" if tally.get(_SELF) else ""
        return f"There is no mentee in this round{alone}."
    if feasible:
        return (
            "Every mentee who fits you was matched with a mentor who fits them better; "
            "you are first in line for the next round."
        )
    phrases = {_EARLIER: "{be} matched with you before", _DECLINED: "{be} declined by you before"}
    for n, rule in enumerate(scorer.rules):
        phrases[n] = "{be} excluded by the rule on " + rule_subject(rule.question)
    return _breakdown(
        "No mentee in this round passes the required rules with you",
        "No mentee is left for you",
        "mentee",
        tally,
        phrases,
    )


def unmatched_reasons(
    scorer: Scorer, mentor_of: np.ndarray, assignment: Assignment | None
) -> list[Unmatched]:
    """A reason for each participant in no match, and for everyone the caller left out.

    A mentee no mentor can take is told every cause, one per mentor (see `_first_causes`),
    and so is a mentor no mentee fits; someone enrolled in both roles and matched in neither
    is told both."""
    data = scorer.data
    n_e, n_r = scorer.n_mentees, scorer.n_mentors
    feasible = assignment.candidates.feasible if assignment else np.zeros(n_e, np.int64)
    mentor_feasible = (
        assignment.candidates.mentor_feasible if assignment else np.zeros(n_r, np.int64)
    )
    matched_ids = {scorer.mentees[e].id for e in np.nonzero(mentor_of >= 0)[0]}
    matched_ids |= {scorer.mentors[r].id for r in np.unique(mentor_of[mentor_of >= 0])}
    every_mentor, every_mentee = np.arange(n_r), np.arange(n_e)

    lonely = [e for e in np.nonzero(mentor_of < 0)[0] if scorer.mentees[e].id not in matched_ids]
    as_mentee: dict[str, str] = {}
    blocked = np.array([e for e in lonely if not feasible[e]], dtype=np.int64)
    tallies: dict[int, dict[int, int]] = {}
    for chunk, causes in _first_causes(scorer, blocked, every_mentor):
        for n, e in enumerate(chunk):
            tallies[int(e)] = _tally(causes[n])
    for e in lonely:
        mentee = scorer.mentees[e]
        others = n_r - (mentee.id in scorer.mentor_index)
        tally = tallies.get(int(e), {_SELF: 1} if mentee.id in scorer.mentor_index else {})
        as_mentee[mentee.id] = _mentee_reason(scorer, tally, int(feasible[e]), others)

    load = np.bincount(mentor_of[mentor_of >= 0], minlength=n_r)
    idle = [r for r in range(n_r) if not load[r] and scorer.mentors[r].id not in matched_ids]
    unfit = np.array([r for r in idle if not mentor_feasible[r]], dtype=np.int64)
    mentor_tally: dict[int, dict[int, int]] = {int(r): {} for r in unfit}
    if len(unfit):
        for _, causes in _first_causes(scorer, every_mentee, unfit):
            for j, r in enumerate(unfit):
                for cause, count in _tally(causes[:, j]).items():
                    mentor_tally[int(r)][cause] = mentor_tally[int(r)].get(cause, 0) + count
    as_mentor: dict[str, str] = {}
    for r in idle:
        mentor = scorer.mentors[r]
        others = n_e - (mentor.id in scorer.mentee_index)
        tally = mentor_tally.get(r, {})
        as_mentor[mentor.id] = _mentor_reason(scorer, tally, int(mentor_feasible[r]), others)
    for candidate in data.candidates:
        idle_mentor = Role.MENTOR in candidate.roles and candidate.capacity <= 0
        if idle_mentor and candidate.id not in matched_ids:
            as_mentor[candidate.id] = "You have no mentee capacity this round."

    reasons: dict[str, str] = {}
    for person_id in as_mentee.keys() | as_mentor.keys():
        mentee_why, mentor_why = as_mentee.get(person_id), as_mentor.get(person_id)
        if mentee_why and mentor_why:
            reasons[person_id] = f"As a mentee: {mentee_why} As a mentor: {mentor_why}"
        else:
            reasons[person_id] = mentee_why or mentor_why or ""
    for person_id, why in data.unavailable.items():
        reasons.setdefault(person_id, why)
    return [Unmatched(pid, reasons[pid]) for pid in sorted(reasons)]
