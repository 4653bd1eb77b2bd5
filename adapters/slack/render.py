"""Core content → Block Kit: messages, prompts as buttons/selects, forms as (multi-page) modals.

Pure functions returning the JSON Slack expects. Slack's limits are enforced here: 100 blocks a
view and 50 a message, 24-character modal titles and buttons, 75-character option text and button
labels, 100 options per static select, 10 per checkbox/radio group, 3000 characters per section
and for `private_metadata`. Every mrkdwn text is escaped (`&`, `<`, `>`); plain_text is shown
verbatim by Slack and never parsed for mentions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.slack.text import chunks, clip, escape, mrkdwn
from core.content import Choice, Content, Form, FormField, Prompt, Text, as_text, plain
from core.forms import FormLimits
from core.markup import defuse_mass_mentions, unmark
from core.programs.program import QuestionKind

Block = dict[str, Any]

ACTION_CHOICE = "mentor_choice"  # + ":<n>" on buttons, ":select" on a static select
ACTION_MULTI = "mentor_multi"  # checkboxes / multi-select of a multiple-choice prompt
ACTION_DONE = "mentor_done"  # the button that submits a multiple-choice prompt
ACTION_COMMAND = "mentor_command"  # a button whose value is a command line (`profile edit`)
FORM_CALLBACK = "mentor_form"
RESULT_CALLBACK = "mentor_result"
FIELD_ACTION = "value"

VIEW_BLOCKS = 100
MESSAGE_BLOCKS = 50
TITLE = 24
BUTTON = 75
OPTION_TEXT = 75
OPTION_VALUE = 150
SECTION = 3000
METADATA = 3000
STATIC_OPTIONS = 100
GROUP_OPTIONS = 10  # checkboxes and radio buttons
BUTTONS_MAX = 5  # more single choices than this become a select
FIELDS_PER_PAGE = 10
LABEL = 2000  # input block label
FORM_LIMITS = FormLimits(
    fields_per_form=FIELDS_PER_PAGE,  # 10 inputs (+ their notes) stay well under 100 blocks
    label_length=LABEL,
    options_per_select=STATIC_OPTIONS,
    title_length=TITLE,
)
FALLBACK_TEXT = 3000


def plain_text(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(unmark(text), limit) or " ", "emoji": True}


def sections(markdown: str, block_id: str | None = None) -> list[Block]:
    """Mrkdwn sections of at most 3000 characters each."""
    blocks: list[Block] = []
    for index, piece in enumerate(chunks(mrkdwn(markdown), SECTION)):
        block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": piece or " "}}
        if block_id is not None:
            block["block_id"] = block_id if index == 0 else f"{block_id}#{index}"
        blocks.append(block)
    return blocks


def option(choice: Choice) -> dict[str, Any]:
    return {"text": plain_text(choice.label, OPTION_TEXT), "value": choice.id[:OPTION_VALUE]}


def prompt_blocks(prompt: Prompt) -> list[Block]:
    """A prompt: its question, then buttons (few choices), a select (many) or checkboxes."""
    blocks = sections(prompt.text)
    options = [option(c) for c in prompt.choices[:STATIC_OPTIONS]]
    elements: list[dict[str, Any]]
    if prompt.multiple:
        widget: dict[str, Any] = {"action_id": ACTION_MULTI, "options": options}
        if len(options) <= GROUP_OPTIONS:
            widget["type"] = "checkboxes"
        else:
            widget["type"] = "multi_static_select"
            widget["placeholder"] = plain_text("Choose…", 150)
            if prompt.max_choices:
                widget["max_selected_items"] = prompt.max_choices
        done = {
            "type": "button",
            "action_id": ACTION_DONE,
            "text": plain_text("Done", BUTTON),
            "style": "primary",
        }
        elements = [widget, done]
    elif len(options) <= BUTTONS_MAX:
        elements = [
            {
                "type": "button",
                "action_id": f"{ACTION_CHOICE}:{index}",
                "text": plain_text(choice.label, BUTTON),
                "value": choice.id,
            }
            for index, choice in enumerate(prompt.choices)
        ]
    else:
        elements = [
            {
                "type": "static_select",
                "action_id": f"{ACTION_CHOICE}:select",
                "placeholder": plain_text("Choose…", 150),
                "options": options,
            }
        ]
    blocks.append({"type": "actions", "block_id": prompt.id, "elements": elements})
    if prompt.hint:
        blocks.append(context(prompt.hint, block_id=f"{prompt.id}#hint"))
    return blocks


def context(markdown: str, block_id: str | None = None) -> Block:
    block: Block = {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": clip(mrkdwn(markdown), SECTION)}],
    }
    if block_id is not None:
        block["block_id"] = block_id
    return block


def content_blocks(content: Content) -> list[Block]:
    if isinstance(content, Text):
        return sections(content.body)
    if isinstance(content, Prompt):
        return prompt_blocks(content)
    return sections(as_text(content))


def fallback_text(contents: Sequence[Content]) -> str:
    """The notification text of a message (what a phone shows)."""
    first = next(iter(contents), None)
    text = defuse_mass_mentions(plain(as_text(first))) if first else " "
    return clip(escape(text), FALLBACK_TEXT)


def message(contents: Sequence[Content]) -> dict[str, Any]:
    """`text` and `blocks` of one message showing `contents` (at most 50 blocks)."""
    blocks = [block for content in contents for block in content_blocks(content)]
    if len(blocks) > MESSAGE_BLOCKS:
        blocks = [*blocks[: MESSAGE_BLOCKS - 1], context("(shortened: too long for one message)")]
    return {"text": fallback_text(contents), "blocks": blocks}


def command_button(label: str, command: str, *, style: str | None = None) -> dict[str, Any]:
    """A button that runs `/mentor <command>` for whoever clicks it."""
    button: dict[str, Any] = {
        "type": "button",
        "action_id": f"{ACTION_COMMAND}:{command}"[:255],
        "text": plain_text(label, BUTTON),
        "value": command,
    }
    if style:
        button["style"] = style
    return button


def answered(blocks: Sequence[Block], prompt_id: str, labels: Sequence[str]) -> list[Block]:
    """The message's blocks with the prompt's widgets replaced by what was chosen."""
    chosen = ", ".join(labels) or "answered"
    out: list[Block] = []
    for block in blocks:
        block_id = block.get("block_id", "")
        if block_id == prompt_id:
            out.append(context(f"✓ {chosen}", block_id=f"{prompt_id}#answered"))
        elif block_id != f"{prompt_id}#hint":
            out.append(dict(block))
    return out


# --- forms ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FormMeta:
    """What a modal carries in `private_metadata`: the form, the page, where it was opened."""

    form_id: str
    page: int = 0
    pages: int = 1
    channel: str = ""
    key: str = ""  # the adapter's record of a multi-page form in progress

    def dumps(self) -> str:
        raw = {"f": self.form_id, "p": self.page, "n": self.pages, "c": self.channel, "k": self.key}
        text = json.dumps(raw, separators=(",", ":"))
        if len(text) > METADATA:
            raise ValueError("form metadata too long for Slack's private_metadata")
        return text

    @classmethod
    def loads(cls, text: str) -> FormMeta | None:
        try:
            raw = json.loads(text or "")
            return cls(str(raw["f"]), int(raw["p"]), int(raw["n"]), str(raw["c"]), str(raw["k"]))
        except (ValueError, KeyError, TypeError):
            return None


def pages(form: Form) -> list[tuple[FormField, ...]]:
    """The form's fields in pages of at most ten (each page well under 100 blocks)."""
    fields = form.fields
    if not fields:
        return [()]
    return [fields[i : i + FIELDS_PER_PAGE] for i in range(0, len(fields), FIELDS_PER_PAGE)]


def _initial_option(field: FormField, value: Any) -> dict[str, Any] | None:
    chosen = next((c for c in field.options if c.id == value), None)
    return option(chosen) if chosen else None


def field_element(field: FormField) -> dict[str, Any]:
    """The input element of one form field, prefilled with its current value."""
    initial = field.initial
    element: dict[str, Any] = {"action_id": FIELD_ACTION}
    kind = field.kind
    if kind is QuestionKind.SINGLE_CHOICE:
        options = [option(c) for c in field.options[:STATIC_OPTIONS]]
        element["type"] = "radio_buttons" if len(options) <= GROUP_OPTIONS else "static_select"
        element["options"] = options
        if element["type"] == "static_select":
            element["placeholder"] = plain_text("Choose…", 150)
        start = _initial_option(field, initial)
        if start:
            element["initial_option"] = start
    elif kind is QuestionKind.MULTI_CHOICE:
        options = [option(c) for c in field.options[:STATIC_OPTIONS]]
        if len(options) <= GROUP_OPTIONS:
            element["type"] = "checkboxes"
        else:
            element["type"] = "multi_static_select"
            element["placeholder"] = plain_text("Choose…", 150)
            if field.max_choices:
                element["max_selected_items"] = field.max_choices
        element["options"] = options
        values = initial if isinstance(initial, list | tuple) else []
        starts = [o for o in (_initial_option(field, v) for v in values) if o]
        if starts:
            element["initial_options"] = starts
    elif kind in (QuestionKind.NUMBER, QuestionKind.SCALE):
        element["type"] = "number_input"
        element["is_decimal_allowed"] = kind is QuestionKind.NUMBER
        if initial is not None and not isinstance(initial, bool):
            element["initial_value"] = (
                f"{initial:g}" if isinstance(initial, float) else str(initial)
            )
    else:
        element["type"] = "plain_text_input"
        limit = field.max_length or (64 if kind is QuestionKind.TIMEZONE else 3000)
        element["max_length"] = min(limit, 3000)
        element["multiline"] = kind is QuestionKind.TEXT and limit > 150
        if kind is QuestionKind.TIMEZONE:
            element["placeholder"] = plain_text("Europe/Berlin, or +05:30", 150)
        if isinstance(initial, str) and initial:
            element["initial_value"] = initial[: element["max_length"]]
    return element


def input_block(field: FormField) -> Block:
    block: Block = {
        "type": "input",
        "block_id": field.id,
        "label": plain_text(field.label, 2000),
        "optional": not field.required,
        "element": field_element(field),
    }
    if field.hint:
        block["hint"] = plain_text(plain(field.hint), 2000)
    return block


def modal_title(title: str, page: int = 0, pages: int = 1) -> dict[str, Any]:
    suffix = f" {page + 1}/{pages}" if pages > 1 else ""
    return plain_text(clip(title, TITLE - len(suffix)) + suffix, TITLE)


def form_view(
    form: Form,
    meta: FormMeta,
    *,
    intro: Sequence[str] = (),
    notes: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Page `meta.page` of the form as a modal; `notes` shows an error under a field."""
    fields = pages(form)[meta.page]
    blocks: list[Block] = []
    for text in (*intro, *([form.intro] if form.intro and meta.page == 0 else [])):
        blocks.extend(sections(text))
    page, total = meta.page, meta.pages
    if total == 1 and form.steps > 1:  # core cut the questionnaire into steps
        page, total = form.step - 1, form.steps
        blocks.append(context(f"Step {form.step} of {form.steps}"))
    for field in fields:
        blocks.append(input_block(field))
        if notes and field.id in notes:
            blocks.append(context(f"⚠️ {notes[field.id]}"))
    last = meta.page == meta.pages - 1
    blocks = blocks[:VIEW_BLOCKS]
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "title": modal_title(form.title, page, total),
        "submit": plain_text(form.submit_label if last else "Next", TITLE),
        "close": plain_text("Cancel", TITLE),
        "private_metadata": meta.dumps(),
        "blocks": blocks or sections(" "),
    }


def result_view(title: str, contents: Sequence[Content]) -> dict[str, Any]:
    """A modal page showing core's reply (e.g. the policy prompt after the questionnaire)."""
    blocks = [block for content in contents for block in content_blocks(content)]
    if len(blocks) > VIEW_BLOCKS:
        blocks = [*blocks[: VIEW_BLOCKS - 1], context("(shortened)")]
    return {
        "type": "modal",
        "callback_id": RESULT_CALLBACK,
        "title": modal_title(title),
        "close": plain_text("Close", TITLE),
        "blocks": blocks or sections("Done."),
    }


def working_view(title: str) -> dict[str, Any]:
    return result_view(title, [Text("⏳ Saving your answers — I'll message you in a moment.")])


def page_errors(form_errors: Mapping[str, str], field_ids: Sequence[str]) -> dict[str, str]:
    """Core's errors for the fields on this page, as `response_action: errors` wants them."""
    return {fid: clip(msg, 300) for fid, msg in form_errors.items() if fid in field_ids}
