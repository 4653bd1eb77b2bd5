"""Explanations in words: why a pair was matched, why someone was not.

Sentences are addressed to the mentee ("you") and name the mentor; they come from the pair's
largest components, using option labels from the program.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from core.content import plural_noun
from core.programs.program import Question, QuestionKind, RuleKind

from .model import Candidate
from .scoring import Component

MAX_SENTENCES = 3


def _words(question_id: str) -> str:
    return question_id.replace("_", " ").replace("-", " ")


def _chosen(answer: Any) -> list[str]:
    if isinstance(answer, str):
        return [answer]
    return list(answer) if isinstance(answer, list) else []


def _labels(question: Question, values: list[str]) -> str:
    return ", ".join(question.label_of(v) for v in values)


def format_hours(hours: float) -> str:
    """2.5 → '2 h 30 min'; 1 → '1 h'."""
    minutes = round(hours * 60)
    h, m = divmod(minutes, 60)
    if h and m:
        return f"{h} h {m} min"
    return f"{h} h" if h else f"{m} min"


def _phrase(component: Component, mine: Any, theirs: Any) -> tuple[bool, str] | None:
    """The sentence for one component, as (starts with the mentor's name, the rest)."""
    rule = component.rule
    question = rule.question
    kind = rule.rule.rule
    if kind is RuleKind.OVERLAP:
        asked = _chosen(mine)
        shared = [v for v in asked if v in _chosen(theirs)]
        if not shared:
            return None
        if len(asked) == 1:
            return True, f" offers the topic you asked for: {_labels(question, shared)}"
        if len(shared) < len(asked):
            part = f"{len(shared)} of the {len(asked)} topics"
        else:
            part = "both topics" if len(asked) == 2 else f"all {len(asked)} topics"
        return True, f" offers {part} you asked for: {_labels(question, shared)}"
    if kind is RuleKind.SAME:
        if question.kind.has_options:
            shared = [v for v in _chosen(mine) if v in _chosen(theirs)]
            if "language" in question.id:
                return False, f"You both speak {_labels(question, shared)}"
            return False, f"You both chose {_labels(question, shared)} ({_words(question.id)})"
        return False, f"You gave the same answer for {_words(question.id)}"
    if kind is RuleKind.DIFFERENT:
        return False, f"You come from different {plural_noun(_words(question.id))}"
    if kind is RuleKind.TIMEZONE:
        limit = rule.rule.max_gap_hours or 0.0
        gap = round(limit * (1 - component.value / rule.rule.weight) * 60) / 60
        return False, "You are in the same timezone" if gap == 0 else f"{format_hours(gap)} apart"
    if (
        kind is RuleKind.MIN_GAP
        and isinstance(mine, int | float)
        and isinstance(theirs, int | float)
    ):
        diff = f"{theirs - mine:g}"
        if question.id.startswith("years_"):
            years = "year" if diff == "1" else "years"
            return True, f" has {diff} more {years} of {_words(question.id[6:])} than you"
        return True, f"'s {_words(question.id)} is {diff} above yours"
    return None


def _key(answer: Any) -> Any:
    """An answer as a dictionary key (lists as tuples; the type kept, `1` is not `True`)."""
    return (list, tuple(answer)) if isinstance(answer, list) else (type(answer), answer)


Phrases = dict[tuple[Any, ...], tuple[bool, str] | None]
"""Sentences already phrased in one round, by (rule, answers, value): see `explain_pair`."""


def _sentence(
    component: Component, mentee: Candidate, mentor: Candidate, name: str, memo: Phrases | None
) -> str | None:
    rule = component.rule
    mine = mentee.answers.get(rule.question.id)
    theirs = mentor.answers.get(rule.partner.id)
    if memo is None:
        phrase = _phrase(component, mine, theirs)
    else:
        slot = (id(rule), _key(mine), _key(theirs), component.value)
        try:
            phrase = memo[slot]
        except KeyError:
            phrase = memo[slot] = _phrase(component, mine, theirs)
        except TypeError:  # an answer that cannot be a dictionary key: phrased every time
            phrase = _phrase(component, mine, theirs)
    if phrase is None:
        return None
    named, text = phrase
    return name + text if named else text


def explain_pair(
    components: list[Component],
    mentee: Candidate,
    mentor: Candidate,
    at: Any,
    names: Mapping[str, str] | None = None,
    limit: int = MAX_SENTENCES,
    memo: Phrases | None = None,
) -> list[str]:
    """Up to `limit` sentences from the largest nonzero components (program order on ties).

    A round explains thousands of pairs with the same few answers: pass one `memo` dict for
    all of them (it must not outlive the round's rule tables) and each distinct sentence is
    phrased once.
    """
    name = (names or {}).get(mentor.id, mentor.id)
    ranked = sorted(
        (c for c in components if c.value > 0),
        key=lambda c: -c.value,
    )
    out = []
    for component in ranked:
        sentence = _sentence(component, mentee, mentor, name, memo)
        if sentence:
            out.append(sentence)
        if len(out) == limit:
            break
    return out or ["No shared preferences, but every required rule is met"]


def rule_subject(question: Question) -> str:
    """What a rule is about, in words: `topics_wanted` → 'topics wanted'."""
    return _words(question.id)


def rule_phrase(question: Question, kind: RuleKind) -> str:
    """What a failing required rule means, for unmatched reasons."""
    if kind is RuleKind.OVERLAP:
        return f"offering none of your {_words(question.id)}"
    if kind is RuleKind.SAME:
        if "language" in question.id:
            return "sharing no language with you"
        return f"sharing no {_words(question.id)} with you"
    if kind is RuleKind.DIFFERENT:
        return f"having the same {_words(question.id)} as you"
    if kind is RuleKind.TIMEZONE:
        return "being too many hours away"
    if question.kind in (QuestionKind.NUMBER, QuestionKind.SCALE):
        return f"not enough difference in {_words(question.id)}"
    return f"failing the {kind.value} rule on {_words(question.id)}"


# The sentences above speak to the mentee ("you asked for", "You both speak"); a coordinator
# reads them about the pair. Each pattern is one of the shapes written above, in order.
_ABOUT_PAIR = (
    (re.compile(r"\byou asked for\b"), "{mentee} asked for"),
    (re.compile(r"^You (both|gave|come|are)\b"), r"They \1"),
    (re.compile(r"\bthan you$"), "than {mentee}"),
    (re.compile(r"\babove yours$"), "above {mentee}'s"),
)
# The reasons for not being matched speak to the person left out; a coordinator reads them
# about that person.
_ABOUT_PERSON = (
    (re.compile(r"\bYou are\b"), "{name} is"),
    (re.compile(r"\byou are\b"), "{name} is"),
    (re.compile(r"\bYou have\b"), "{name} has"),
    (re.compile(r"\bYou haven't\b"), "{name} hasn't"),
    (re.compile(r"\byou weren't\b"), "they weren't"),
    (re.compile(r"\bwho fits? you\b"), "who fits {name}"),
    (re.compile(r"\bwith you\b"), "with {name}"),
    (re.compile(r"\b(for|by|than) you\b"), r"\1 {name}"),
    (re.compile(r"\bas you\b"), "as {name}"),
    (re.compile(r"\byour answers\b"), "{name}'s answers"),
    (re.compile(r"\byour\b"), "{name}'s"),
)


def about_pair(sentences: list[str] | tuple[str, ...], mentee: str) -> list[str]:
    """Explanation sentences as a coordinator reads them: the mentee named, the pair 'they'."""
    out = []
    for sentence in sentences:
        for pattern, replacement in _ABOUT_PAIR:
            sentence = _put(pattern, replacement, "{mentee}", mentee, sentence)
        out.append(sentence)
    return out


def reason_about(reason: str, name: str) -> str:
    """A reason for not being matched as a coordinator reads it, about `name`."""
    for pattern, replacement in _ABOUT_PERSON:
        reason = _put(pattern, replacement, "{name}", name, reason)
    return reason


def _put(pattern: re.Pattern[str], template: str, slot: str, name: str, text: str) -> str:
    """`pattern.sub(template)` with `name` put in `slot` as it is (a backslash in a name is
    not a group reference)."""
    return pattern.sub(lambda found: found.expand(template).replace(slot, name), text)
