"""Forms that fit the platform: a port declares its `FormLimits`, `split_form` cuts to fit.

Slack modals hold up to 100 blocks with 2000-character labels; Discord modals hold 5 inputs
with 45-character labels and selects of 25 options; Matrix and the shell have no forms at all
(one question at a time). Core builds one `Form` for a questionnaire and splits it here into
steps ("Step 2 of 3"), so every adapter renders a step as it is, and each step's answers are
saved before the next step opens.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from core.content import Form, FormField
from core.markup import shorten
from core.programs.program import QuestionKind


@dataclass(frozen=True, slots=True)
class FormLimits:
    """What one form (modal) of a platform can hold; `text_only`: no forms at all."""

    fields_per_form: int = 10
    label_length: int = 2000
    options_per_select: int = 100
    title_length: int = 24
    text_only: bool = False

    def __post_init__(self) -> None:
        if self.fields_per_form < 1 or self.label_length < 8 or self.options_per_select < 2:
            raise ValueError("form limits must allow a field, a short label and two options")


TEXT_ONLY = FormLimits(text_only=True)


def short_label(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters, with an
    ellipsis."""
    return shorten(" ".join(text.split()), limit)


def fit_field(field: FormField, limits: FormLimits) -> FormField:
    """One field within the limits: a long question moves to the hint under a short label; a
    choice among more options than a select holds becomes typed text (numbers or names)."""
    label, hint, kind = field.label, field.hint, field.kind
    if len(" ".join(label.split())) > limits.label_length:
        hint = f"{label} {hint}" if hint else label
        label = short_label(label, limits.label_length)
    options = field.options
    if kind.has_options and len(options) > limits.options_per_select:
        listed = ", ".join(f"{n}. {c.label}" for n, c in enumerate(options, start=1))
        many = " (several separated by commas)" if kind is QuestionKind.MULTI_CHOICE else ""
        typed = f"Type the numbers or names of your choice{many}: {listed}"
        hint = f"{hint} {typed}" if hint else typed
        kind, options = QuestionKind.TEXT, ()
        initial = field.initial
        if isinstance(initial, list | tuple):
            initial = ", ".join(str(v) for v in initial)
        return dataclasses.replace(
            field, label=label, hint=hint, kind=kind, options=options, initial=initial
        )
    return dataclasses.replace(field, label=label, hint=hint)


def split_form(form: Form, limits: FormLimits) -> list[Form]:
    """The form as steps that each fit the limits, numbered `step` of `steps`.

    Every step keeps the form's id (a submission says which fields it answers), the intro is
    shown on the first step and the form's submit label on the last ("Next" before it).
    """
    fields = tuple(fit_field(f, limits) for f in form.fields)
    size = limits.fields_per_form
    chunks = [fields[i : i + size] for i in range(0, len(fields), size)] or [()]
    title = short_label(form.title, limits.title_length)
    total = len(chunks)
    return [
        dataclasses.replace(
            form,
            title=title,
            fields=chunk,
            intro=form.intro if number == 1 else None,
            submit_label=form.submit_label if number == total else "Next",
            step=number,
            steps=total,
        )
        for number, chunk in enumerate(chunks, start=1)
    ]
