"""Core content as Discord messages, components and modals, within Discord's limits (pure).

Built from discord.py's own `ui` classes, so discord.py's checks apply too (a view holds five
rows of five, a modal five inputs: it refuses a sixth). Views are never registered with the
client: every click reaches the adapter by its `custom_id` (`adapters.discord.ids`), which is
how a button keeps working after a restart.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import discord

from adapters.discord import ids
from adapters.discord.render import escape, render
from core.content import Choice, Content, File, Form, FormField, Prompt, Text, form_as_text
from core.forms import FormLimits, short_label
from core.programs.program import QuestionKind

CONTENT = 2000  # characters in a message
LABEL = 45  # a modal's title and an input's label
BUTTON_LABEL = 80
OPTION_LABEL = 100
PLACEHOLDER = 150
PLACEHOLDER_INPUT = 100  # a text input's placeholder
PER_ROW = 5
ROWS = 5
OPTIONS = 25
INPUT = 4000  # characters in a text input
FORM_LIMITS = FormLimits(
    fields_per_form=4,  # four selects and a row of buttons fit one message; five inputs a modal
    label_length=LABEL,
    options_per_select=OPTIONS,
    title_length=LABEL,
)
_MENTION = re.compile(r"(?<!\\)<@!?(\d{1,20})>")


@dataclass(slots=True)
class Message:
    """What one Discord message shows: text (≤ 2000 characters), components, a file."""

    content: str = ""
    view: discord.ui.View | None = None
    file: File | None = None
    mentions: tuple[int, ...] = ()

    @property
    def allowed_mentions(self) -> discord.AllowedMentions:
        """Only the people core itself mentions; never @everyone, @here or a role."""
        return discord.AllowedMentions(
            everyone=False,
            roles=False,
            replied_user=False,
            users=[discord.Object(id=user) for user in self.mentions],
        )

    def discord_file(self) -> discord.File | None:
        if self.file is None:
            return None
        return discord.File(io.BytesIO(self.file.data), filename=self.file.name)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text_of(markup: str) -> tuple[str, tuple[int, ...]]:
    """Discord markdown of core's markup, and the user ids it mentions."""
    rendered = render(markup)
    return rendered, tuple(dict.fromkeys(int(m) for m in _MENTION.findall(rendered)))


def view() -> discord.ui.View:
    return discord.ui.View(timeout=None)


def prompt_view(prompt: Prompt) -> discord.ui.View:
    """Buttons for a single choice (up to 25, custom_ids that fit), else select menus."""
    made = view()
    custom = [ids.button(prompt.id, c.id) for c in prompt.choices]
    if not prompt.multiple and len(prompt.choices) <= PER_ROW * ROWS and all(custom):
        for number, (choice, custom_id) in enumerate(zip(prompt.choices, custom, strict=True)):
            made.add_item(
                discord.ui.Button(
                    label=clip(choice.label, BUTTON_LABEL),
                    custom_id=custom_id,
                    style=discord.ButtonStyle.primary
                    if number == 0
                    else discord.ButtonStyle.secondary,
                    row=number // PER_ROW,
                )
            )
        return made
    chunks = [prompt.choices[i : i + OPTIONS] for i in range(0, len(prompt.choices), OPTIONS)]
    for part, chunk in enumerate(chunks[:ROWS]):
        most = (prompt.max_choices or len(chunk)) if prompt.multiple else 1
        placeholder = "Pick one or more" if prompt.multiple else "Pick one"
        if len(chunks) > 1:
            placeholder += f" ({chunk[0].label[:30]} … {chunk[-1].label[:30]})"
        made.add_item(
            discord.ui.Select(
                custom_id=ids.select(prompt.id, part if len(chunks) > 1 else None),
                placeholder=clip(placeholder, PLACEHOLDER),
                min_values=1,
                max_values=min(most, len(chunk)),
                options=[_option(choice) for choice in chunk],
                row=part,
            )
        )
    return made


def _option(choice: Choice, selected: bool = False) -> discord.SelectOption:
    return discord.SelectOption(
        label=clip(choice.label, OPTION_LABEL), value=choice.id[:OPTION_LABEL], default=selected
    )


def message(content: Content) -> Message:
    """One content as one message (a form outside an interaction shows as text)."""
    if isinstance(content, Text):
        text, mentions = text_of(content.body)
        return Message(clip(text, CONTENT), mentions=mentions)
    if isinstance(content, Prompt):
        text, mentions = text_of(content.text)
        if content.hint:
            text += "\n" + render(content.hint)
        return Message(clip(text, CONTENT), prompt_view(content), mentions=mentions)
    if isinstance(content, File):
        return Message(escape(content.alt_text)[:CONTENT] if content.alt_text else "", file=content)
    text, mentions = text_of(form_as_text(content))
    return Message(clip(text, CONTENT), mentions=mentions)


def messages(contents: Iterable[Content]) -> list[Message]:
    """Replies as few messages as they fit in: texts joined, a prompt or file on its own."""
    out: list[Message] = []
    for content in contents:
        made = message(content)
        last = out[-1] if out else None
        joinable = last is not None and last.view is None and last.file is None
        fits = last is not None and len(last.content) + 2 + len(made.content) <= CONTENT
        if isinstance(content, Text) and joinable and fits and last is not None:
            last.content = f"{last.content}\n\n{made.content}"
            last.mentions = tuple(dict.fromkeys((*last.mentions, *made.mentions)))
            continue
        out.append(made)
    return out


def answered(text: str, labels: Sequence[str]) -> str:
    """A clicked prompt, shown with its answer and without its buttons."""
    return clip(f"{text}\n✓ {escape(', '.join(labels))}", CONTENT)


# --- forms ------------------------------------------------------------------------------------


@dataclass(slots=True)
class FormState:
    """A form step shown to a person: the form, what they picked so far, what to fix."""

    form: Form
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def selects(self) -> tuple[FormField, ...]:
        return tuple(f for f in self.form.fields if f.kind.has_options)

    @property
    def inputs(self) -> tuple[FormField, ...]:
        return tuple(f for f in self.form.fields if not f.kind.has_options)

    def value(self, item: FormField) -> Any:
        return self.values.get(item.id, item.initial)

    def merged(self) -> dict[str, Any]:
        return {f.id: self.value(f) for f in self.form.fields}


def _chosen(value: Any) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, list | tuple | set):
        return {str(v) for v in value}
    return {str(value)}


def form_message(state: FormState, key: str, *, back: bool = False) -> Message:
    """A step of a form as an ephemeral message: selects for choices, and a button that
    opens a modal for the typed answers (or sends the step when there are none); with
    `back`, a button that shows the step before again."""
    form = state.form
    step = f" (step {form.step} of {form.steps})" if form.steps > 1 else ""
    lines = [f"**{escape(form.title)}**{step}"]
    if form.intro:
        lines.append(render(form.intro))
    for message_text in state.errors.values():
        lines.append(f"⚠️ {render(message_text)}")
    for item in state.form.fields:  # hints longer than a placeholder are read here
        if item.hint and (item.kind.has_options or len(item.hint) > PLACEHOLDER_INPUT):
            lines.append(f"**{escape(item.label)}** — {render(item.hint)}")
    if state.inputs:
        names = ", ".join(escape(f.label) for f in state.inputs)
        lines.append(f"Press **{_continue(state)}** to type: {names}.")
    made = view()
    for row, item in enumerate(state.selects):
        chosen = _chosen(state.value(item))
        multi = item.kind is QuestionKind.MULTI_CHOICE
        options = item.options[:OPTIONS]
        made.add_item(
            discord.ui.Select(
                custom_id=ids.form(key, f"f:{item.id}"),
                placeholder=clip(
                    item.label + ("" if item.required else " (optional)"), PLACEHOLDER
                ),
                min_values=0 if not item.required else 1,
                max_values=min(item.max_choices or len(options), len(options)) if multi else 1,
                options=[_option(c, c.id in chosen) for c in options],
                row=row,
            )
        )
    row = min(len(state.selects), ROWS - 1)
    if back:
        made.add_item(
            discord.ui.Button(
                label="Back",
                custom_id=ids.form(key, "back"),
                style=discord.ButtonStyle.secondary,
                row=row,
            )
        )
    made.add_item(
        discord.ui.Button(
            label=_continue(state),
            custom_id=ids.form(key, "next"),
            style=discord.ButtonStyle.primary,
            row=row,
        )
    )
    return Message(clip("\n".join(lines), CONTENT), made)


def _continue(state: FormState) -> str:
    return "Continue" if state.inputs else clip(state.form.submit_label, BUTTON_LABEL)


def form_modal(state: FormState, key: str) -> discord.ui.Modal:
    """The typed answers of a step as a modal (≤ 5 inputs, 45-character labels)."""
    form = state.form
    step = f" ({form.step}/{form.steps})" if form.steps > 1 else ""
    modal = discord.ui.Modal(
        title=clip(short_label(form.title, LABEL - len(step)) + step, LABEL),
        custom_id=ids.form(key, "modal"),
        timeout=None,
    )
    for item in state.inputs:
        value = state.value(item)
        long = item.kind is QuestionKind.TEXT and (item.max_length or 0) > 200
        hint = item.hint or state.errors.get(item.id)
        modal.add_item(
            discord.ui.TextInput(
                label=short_label(item.label, LABEL),
                custom_id=item.id[: ids.MAX],
                style=discord.TextStyle.paragraph if long else discord.TextStyle.short,
                placeholder=clip(" ".join(hint.split()), PLACEHOLDER_INPUT) if hint else None,
                default=None if value is None else clip(str(value), INPUT),
                required=item.required,
                max_length=min(item.max_length or INPUT, INPUT),
            )
        )
    return modal


def modal_values(components: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A submitted modal's inputs: {field id: text or None when left empty}."""
    values: dict[str, Any] = {}
    for row in components:
        for item in row.get("components") or [row.get("component") or {}]:
            if "custom_id" in item:
                raw = str(item.get("value") or "").strip()
                values[str(item["custom_id"])] = raw or None
    return values
