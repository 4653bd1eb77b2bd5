"""Program definitions: the YAML a coordinator writes, parsed and validated into pydantic models.

Errors name the file, the question id and what is wrong, so a coordinator can fix the file
without reading a stack trace.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.identity import PlatformUser
from core.markup import shorten
from core.programs.bindings import (
    Binding,
    Bindings,
    CoordinatorId,
    parse_coordinator,
    settings_of,
)


class Role(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"


class Ask(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"
    BOTH = "both"

    def includes(self, role: Role) -> bool:
        return self is Ask.BOTH or self.value == role.value


class QuestionKind(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"
    TEXT = "text"
    SCALE = "scale"
    TIMEZONE = "timezone"
    NUMBER = "number"

    @property
    def has_options(self) -> bool:
        return self in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTI_CHOICE)


class Mode(StrEnum):
    ONE_TO_ONE = "one_to_one"
    ONE_TO_MANY = "one_to_many"
    GROUP = "group"


class RuleKind(StrEnum):
    OVERLAP = "overlap"
    SAME = "same"
    DIFFERENT = "different"
    TIMEZONE = "timezone"
    MIN_GAP = "min_gap"


class ProgramError(ValueError):
    """A program file that cannot be used; the message says where and why."""


_ID = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(
            f"{value!r} is not a valid id: use lowercase letters, digits, '-' or '_', "
            "starting with a letter (at most 64 characters)"
        )
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Model):
    value: str = Field(min_length=1, max_length=75)
    label: str = Field(min_length=1, max_length=75)


def _option(raw: Any) -> Any:
    if isinstance(raw, str | int | float) and not isinstance(raw, bool):
        return {"value": str(raw), "label": str(raw)}
    if isinstance(raw, dict) and "value" in raw and "label" not in raw:
        return {**raw, "label": str(raw["value"])}
    return raw


class MatchRule(_Model):
    rule: RuleKind
    weight: float = 1.0
    required: bool = False
    with_: str | None = Field(default=None, alias="with")
    max_gap_hours: float | None = None
    min_gap: float | None = None

    @field_validator("weight")
    @classmethod
    def _weight(cls, value: float) -> float:
        if not math.isfinite(value) or value <= 0 or value > 1000:
            raise ValueError("weight must be a number greater than 0 and at most 1000")
        return value


class Question(_Model):
    id: str
    ask: Ask
    kind: QuestionKind
    prompt: str = Field(min_length=1, max_length=500)
    # the question as asked of people who join in that role alone ("Which languages do you
    # speak?" to a mentee); `prompt` is for everyone else
    prompt_mentee: str | None = Field(default=None, min_length=1, max_length=500)
    prompt_mentor: str | None = Field(default=None, min_length=1, max_length=500)
    help: str | None = Field(default=None, max_length=500)
    options: tuple[Option, ...] = ()
    max_length: int | None = Field(default=None, ge=1, le=3000)
    max_choices: int | None = Field(default=None, ge=1)
    min: float | None = None
    max: float | None = None
    required: bool = True
    match: MatchRule | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _check_id(value)

    @field_validator("options", mode="before")
    @classmethod
    def _options(cls, raw: Any) -> Any:
        return [_option(item) for item in raw] if isinstance(raw, list) else raw

    def prompt_for(self, roles: frozenset[Role]) -> str:
        """The wording for someone joining in `roles`: a per-role prompt for one role alone."""
        if roles == frozenset({Role.MENTEE}) and self.prompt_mentee:
            return self.prompt_mentee
        if roles == frozenset({Role.MENTOR}) and self.prompt_mentor:
            return self.prompt_mentor
        return self.prompt

    @model_validator(mode="after")
    def _per_role_prompts(self) -> Question:
        for role, text in ((Role.MENTEE, self.prompt_mentee), (Role.MENTOR, self.prompt_mentor)):
            if text is not None and not self.ask.includes(role):
                raise ValueError(
                    f"'prompt_{role.value}' is set but the question is asked of "
                    f"{self.ask.value}s only (ask: {self.ask.value})"
                )
        return self

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.kind.has_options:
            if not self.options:
                raise ValueError(f"a {self.kind} question needs a non-empty 'options' list")
            values = [o.value for o in self.options]
            duplicate = next((v for v in values if values.count(v) > 1), None)
            if duplicate is not None:
                raise ValueError(f"option {duplicate!r} is listed twice")
            if len(self.options) > 100:
                raise ValueError("at most 100 options are allowed")
        elif self.options:
            raise ValueError(f"'options' only applies to choice questions, not {self.kind}")
        if self.max_choices is not None:
            if self.kind is not QuestionKind.MULTI_CHOICE:
                raise ValueError("'max_choices' only applies to multi_choice questions")
            if self.max_choices > len(self.options):
                count = len(self.options)
                only = "is only 1 option" if count == 1 else f"are only {count} options"
                raise ValueError(f"max_choices is {self.max_choices} but there {only}")
        if self.max_length is not None and self.kind is not QuestionKind.TEXT:
            raise ValueError("'max_length' only applies to text questions")
        if (self.min is not None or self.max is not None) and self.kind not in (
            QuestionKind.SCALE,
            QuestionKind.NUMBER,
        ):
            raise ValueError("'min'/'max' only apply to scale and number questions")
        low, high = self.scale_bounds
        if self.kind is QuestionKind.SCALE and high - low > 10:
            raise ValueError("a scale has at most 11 steps")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is greater than max ({self.max:g})")
        return self

    @property
    def scale_bounds(self) -> tuple[int, int]:
        return int(self.min if self.min is not None else 1), int(
            self.max if self.max is not None else 5
        )

    @property
    def text_limit(self) -> int:
        return self.max_length or 500

    def option_values(self) -> list[str]:
        return [o.value for o in self.options]

    def label_of(self, value: str) -> str:
        return next((o.label for o in self.options if o.value == value), value)


class QuietHours(_Model):
    start: int = Field(default=21, ge=0, le=23, description="hour of day quiet time begins")
    end: int = Field(default=8, ge=0, le=23, description="hour of day quiet time ends")


class Cadence(_Model):
    checkin_every_days: int = Field(default=14, ge=1, le=365)
    nudge_after_days: int = Field(default=10, ge=1, le=365)
    request_timeout_days: int = Field(default=5, ge=1, le=60)
    quiet_hours: QuietHours = QuietHours()


class Cycle(_Model):
    length_days: int = Field(default=90, ge=7, le=730)
    archive_spaces: bool = Field(default=True, description="archive a match's space when it ends")


class GroupSize(_Model):
    min: int = Field(default=3, ge=2)
    max: int = Field(default=6, ge=2, le=50)

    @model_validator(mode="after")
    def _bounds(self) -> GroupSize:
        if self.min > self.max:
            raise ValueError(f"group min ({self.min}) is greater than max ({self.max})")
        return self


class Capacity(_Model):
    default: int = Field(default=1, ge=1, le=100)
    maximum: int = Field(default=3, ge=1, le=100)
    question: str | None = Field(
        default=None, description="a mentor number question whose answer is the capacity"
    )

    @model_validator(mode="after")
    def _bounds(self) -> Capacity:
        if self.default > self.maximum:
            raise ValueError(
                f"capacity default ({self.default}) is greater than maximum ({self.maximum})"
            )
        return self


class Program(_Model):
    id: str
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)
    coordinators: tuple[CoordinatorId, ...] = ()
    platforms: Bindings | None = None
    mode: Mode = Mode.ONE_TO_ONE
    allow_both_roles: bool = True
    group: GroupSize | None = None
    cycle: Cycle = Cycle()
    cadence: Cadence = Cadence()
    policy: str = Field(min_length=1, max_length=3000)
    capacity: Capacity = Capacity()
    questions: tuple[Question, ...] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        return _check_id(value)

    @field_validator("coordinators", mode="before")
    @classmethod
    def _coordinators(cls, raw: Any) -> Any:
        if isinstance(raw, str):
            raw = [raw]
        return [parse_coordinator(item) for item in raw] if isinstance(raw, list | tuple) else raw

    @model_validator(mode="after")
    def _cross_checks(self) -> Program:
        problems = _question_problems(self.questions, [q.id for q in self.questions])
        if self.platforms is not None and not self.platforms.platforms:
            problems.append(
                "platforms: names no platform. Remove the key to run the program everywhere, "
                "or bind it, e.g. 'platforms: {slack: {team: T0123ABCD}}'"
            )
        if self.mode is Mode.GROUP and self.group is None:
            problems.append("mode 'group' needs a 'group' section with min and max sizes")
        if self.capacity.question is not None:
            target = next((q for q in self.questions if q.id == self.capacity.question), None)
            if target is None:
                problems.append(
                    f"capacity.question names question {self.capacity.question!r}, "
                    "which does not exist"
                )
            elif target.kind is not QuestionKind.NUMBER or target.ask is not Ask.MENTOR:
                problems.append(
                    f"question {target.id!r}: the capacity question must be a number "
                    "question asked to mentors"
                )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def bindings(self) -> Bindings:
        """The `platforms:` section; empty for a program that applies everywhere."""
        return self.platforms or Bindings()

    @property
    def is_bound(self) -> bool:
        return self.platforms is not None

    def binding(self, platform: str) -> Binding | None:
        """This program's settings on `platform` (`SlackBinding`, `DiscordBinding`, …), if bound."""
        return self.bindings.get(platform)

    def applies_in(self, platform: str, workspace_id: str) -> bool:
        """Unbound: everywhere. Bound: on the listed platforms, in the workspace they name."""
        if self.platforms is None:
            return True
        binding = self.platforms.get(platform)
        return binding is not None and binding.applies_in(workspace_id)

    def lists_coordinator(self, user: PlatformUser) -> bool:
        """Named in `coordinators` with the user's platform (`shell:ana` is not `slack:ana`)."""
        return any(
            c.platform == user.platform and c.user_id == user.user_id for c in self.coordinators
        )

    def question(self, question_id: str) -> Question:
        """The question with that id; KeyError when there is none."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def questions_for(self, roles: frozenset[Role]) -> list[Question]:
        """The questions asked of someone in `roles`, worded for them (`prompt_for`)."""
        return [
            q
            if q.prompt_for(roles) == q.prompt
            else q.model_copy(update={"prompt": q.prompt_for(roles)})
            for q in self.questions
            if any(q.ask.includes(role) for role in roles)
        ]

    def capacity_for(self, answers: dict[str, Any]) -> int:
        """A mentor's capacity: their answer to the capacity question, clamped, or the default."""
        if self.mode is Mode.ONE_TO_ONE:
            return 1
        raw = answers.get(self.capacity.question) if self.capacity.question else None
        if raw is None:
            return self.capacity.default
        return max(1, min(int(raw), self.capacity.maximum))


def _question_problems(questions: Sequence[Question], ids: Sequence[str]) -> list[str]:
    """What is wrong between questions: ids used twice, match rules naming the wrong question.

    `questions` are the valid ones, `ids` the ids of every question in the file (valid or not),
    so a rule pointing at a question with problems of its own is not reported twice.
    """
    problems = []
    seen: set[str] = set()
    for qid in ids:
        if qid in seen:
            problems.append(f"question {qid!r}: id is used by two questions")
        seen.add(qid)
    by_id: dict[str, Question] = {}
    for question in questions:
        by_id.setdefault(question.id, question)
    for question in questions:
        if question.match is not None:
            problem = _rule_problem(question, question.match, by_id, set(ids))
            if problem:
                problems.append(f"question {question.id!r}: {problem}")
    return list(dict.fromkeys(problems))


def _rule_problem(
    question: Question, rule: MatchRule, by_id: dict[str, Question], ids: set[str]
) -> str | None:
    if rule.rule is RuleKind.OVERLAP:
        if rule.with_ is None:
            return "an 'overlap' rule needs 'with': the mentor question to compare against"
        other = by_id.get(rule.with_)
        if other is None:
            if rule.with_ in ids:  # it exists but has problems of its own, reported there
                return None
            return f"match rule 'overlap' names question {rule.with_!r}, which does not exist"
        if not question.ask.includes(Role.MENTEE):
            return "an 'overlap' rule belongs on a question asked to mentees"
        if not other.ask.includes(Role.MENTOR):
            return f"an 'overlap' rule compares with a mentor question; {other.id!r} is not one"
        if not (question.kind.has_options and other.kind.has_options):
            return "an 'overlap' rule compares two choice questions"
        return None
    if rule.with_ is not None:
        return f"'with' only applies to 'overlap' rules, not {rule.rule!r}"
    if question.ask is not Ask.BOTH:
        return f"a {rule.rule.value!r} rule compares both roles' answers, so 'ask' must be 'both'"
    if rule.rule is RuleKind.TIMEZONE:
        if question.kind is not QuestionKind.TIMEZONE:
            return "a 'timezone' rule belongs on a timezone question"
        if rule.max_gap_hours is None or not 0 < rule.max_gap_hours <= 12:
            return "a 'timezone' rule needs max_gap_hours between 0 and 12"
    elif rule.rule is RuleKind.MIN_GAP:
        if question.kind not in (QuestionKind.NUMBER, QuestionKind.SCALE):
            return "a 'min_gap' rule belongs on a number or scale question"
        if rule.min_gap is None or not math.isfinite(rule.min_gap):
            return "a 'min_gap' rule needs a numeric 'min_gap'"
    elif question.kind in (QuestionKind.TEXT,):
        return f"a {rule.rule.value!r} rule cannot compare free text"
    if rule.rule is not RuleKind.TIMEZONE and rule.max_gap_hours is not None:
        return "'max_gap_hours' only applies to 'timezone' rules"
    if rule.rule is not RuleKind.MIN_GAP and rule.min_gap is not None:
        return "'min_gap' only applies to 'min_gap' rules"
    return None


def _where(loc: tuple[int | str, ...], raw: Any) -> str:
    """Turn a pydantic error location into words: `question 'bio': max_length`."""
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        questions = raw.get("questions") if isinstance(raw, dict) else None
        item = questions[loc[1]] if isinstance(questions, list) and loc[1] < len(questions) else {}
        name = item.get("id") if isinstance(item, dict) else None
        label = f"question {name!r}" if name else f"question #{loc[1] + 1}"
        rest = ".".join(map(_part, loc[2:]))
        return f"{label}: {rest}" if rest else label
    return ".".join(map(_part, loc))


def _part(part: int | str) -> str:
    """One step of a location; a key with spaces or control characters is quoted."""
    text = str(part)
    return text if text and text.isprintable() and " " not in text else repr(text)


def _message(item: Any) -> str:
    """pydantic's complaint in plain words (and the platforms a `platforms:` section may name)."""
    loc = tuple(item["loc"])
    kind = item["type"]
    ctx = item.get("ctx") or {}
    if kind == "extra_forbidden" and loc[:1] == ("platforms",):
        if len(loc) == 2:
            return "unknown platform: use slack, discord, matrix or shell"
        takes = settings_of(str(loc[1]))
        return "unknown setting; " + (
            f"{loc[1]} takes {', '.join(takes)}" if takes else f"{loc[1]} takes no settings"
        )
    plain = _PLAIN.get(kind)
    if plain is not None:
        try:
            return plain.format(**ctx, input=_shown(item.get("input")))
        except (KeyError, IndexError, ValueError, TypeError):
            pass
    return str(item["msg"]).removeprefix("Value error, ")


def _shown(value: Any) -> str:
    text = repr(value)
    return shorten(text, 40)


_PLAIN: dict[str, str] = {
    "missing": "this field is missing; add it",
    "extra_forbidden": "unknown field; remove it or check its spelling",
    "enum": "{input} is not allowed; use {expected}",
    "literal_error": "{input} is not allowed; use {expected}",
    "string_type": "expected text, got {input}",
    "string_too_short": "must not be empty",
    "string_too_long": "is too long: at most {max_length} characters",
    "int_type": "expected a whole number, got {input}",
    "int_parsing": "expected a whole number, got {input}",
    "int_from_float": "expected a whole number, got {input}",
    "float_type": "expected a number, got {input}",
    "float_parsing": "expected a number, got {input}",
    "bool_type": "expected true or false, got {input}",
    "bool_parsing": "expected true or false, got {input}",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be greater than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "too_short": "must list at least {min_length}",
    "too_long": "must list at most {max_length}",
    "model_type": "expected a section of 'key: value' lines, got {input}",
    "model_attributes_type": "expected a section of 'key: value' lines, got {input}",
    "dict_type": "expected a section of 'key: value' lines, got {input}",
    "list_type": "expected a list ('- item' lines), got {input}",
    "tuple_type": "expected a list ('- item' lines), got {input}",
}
"""pydantic error types → what a coordinator reads; `{input}` is the value they wrote."""


def parse_program(raw: Any, source: str) -> Program:
    """A Program from parsed YAML; a ProgramError listing every problem, one per line."""
    if not isinstance(raw, dict):
        raise ProgramError(f"{source}: expected a mapping at the top level of the program")
    try:
        return Program.model_validate(raw)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            where = _where(tuple(item["loc"]), raw)
            for message in _message(item).splitlines():
                problems.append(f"{source}: {where + ': ' if where else ''}{message}")
        if not any(not item["loc"] for item in error.errors()):
            # field errors stop pydantic before the cross-question checks; run them on what
            # is valid, so one run reports everything
            problems += [f"{source}: {problem}" for problem in _raw_question_problems(raw)]
        raise ProgramError("\n".join(dict.fromkeys(problems))) from None


def _raw_question_problems(raw: dict[str, Any]) -> list[str]:
    items = raw.get("questions")
    if not isinstance(items, list):
        return []
    ids = [
        item["id"] for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)
    ]
    valid = []
    for item in items:
        try:
            valid.append(Question.model_validate(item))
        except ValidationError:
            continue
    return _question_problems(valid, ids)


def load_program(path: Path) -> Program:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ProgramError(f"{path}: cannot read the file ({error.strerror})") from None
    except UnicodeDecodeError as error:
        raise ProgramError(f"{path}: {not_utf8(error)}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ProgramError(f"{path}: not valid YAML{where}") from None
    return parse_program(raw, str(path))


def not_utf8(error: UnicodeDecodeError) -> str:
    """Why a file could not be read as text, and what to do about it."""
    return (
        f"the file is not UTF-8 text (byte 0x{error.object[error.start]:02x} at position "
        f"{error.start}); save it as UTF-8 and try again"
    )


def load_programs(paths: list[Path]) -> list[Program]:
    """Load program files and directories of `*.yaml`; ids must be unique across them."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        elif not path.exists():
            raise ProgramError(
                f"{path}: no such file or folder (from {path.absolute().parent}); set "
                "MENTORBOT_PROGRAMS to your program files or their folder"
            )
        else:
            files.append(path)
    programs: list[Program] = []
    seen: dict[str, Path] = {}
    for file in files:
        program = load_program(file)
        if program.id in seen:
            raise ProgramError(
                f"{file}: program id {program.id!r} is already used by {seen[program.id]}"
            )
        seen[program.id] = file
        programs.append(program)
    if not programs:
        raise ProgramError(f"no program files found in {', '.join(map(str, paths))}")
    return programs


__all__ = [
    "Ask",
    "Binding",
    "Bindings",
    "Cadence",
    "Capacity",
    "CoordinatorId",
    "Cycle",
    "GroupSize",
    "MatchRule",
    "Mode",
    "Option",
    "Program",
    "ProgramError",
    "Question",
    "QuestionKind",
    "QuietHours",
    "Role",
    "RuleKind",
    "load_program",
    "load_programs",
    "not_utf8",
    "parse_program",
]
