"""Round statistics and the reasons people were left unmatched, shared by pair and group mode."""

from __future__ import annotations

import numpy as np

from core.programs.program import Role

from .explain import rule_phrase
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


def _mentee_reason(scorer: Scorer, excluded: dict[int, int], feasible: int) -> str:
    n_r = scorer.n_mentors
    if n_r == 0:
        return "There is no mentor with free capacity in this round."
    if feasible:
        return (
            f"All {feasible} mentors who fit your answers are full this round; "
            "you are on the waiting list."
            if feasible > 1
            else "The one mentor who fits your answers is full this round; "
            "you are on the waiting list."
        )
    if excluded:
        worst = max(excluded, key=lambda n: (excluded[n], -n))
        count = excluded[worst]
        if count:
            rule = scorer.rules[worst]
            were = "mentor was" if n_r == 1 else "mentors were"
            return (
                f"No mentor passes the required rules: {count} of {n_r} {were} excluded "
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
