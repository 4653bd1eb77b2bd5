"""App Home: the person's profile, status and matches, buttons, and the coordinator's controls.

The texts come from core itself (the `status`, `profile` and `admin status` replies), so the Home
tab always says what the commands say; this module only lays them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adapters.slack.render import (
    VIEW_BLOCKS,
    Block,
    command_button,
    content_blocks,
    context,
    plain_text,
)
from core.content import Content

HEADER = 150


@dataclass(frozen=True, slots=True)
class HomeData:
    status: Sequence[Content]
    profile: Sequence[Content] = ()
    coordinator: Sequence[Content] | None = None  # None: not a coordinator
    command: str = "/mentor"


def header(text: str) -> Block:
    return {"type": "header", "text": plain_text(text, HEADER)}


def actions(block_id: str, buttons: Sequence[dict[str, Any]]) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(buttons)}


def commit_button() -> dict[str, Any]:
    button = command_button("Commit round", "admin match commit", style="danger")
    button["confirm"] = {
        "title": plain_text("Commit the round?", 100),
        "text": plain_text(
            "This creates the matches, a private channel for each and tells everyone.", 300
        ),
        "confirm": plain_text("Commit", 30),
        "deny": plain_text("Not yet", 30),
    }
    return button


def home_view(data: HomeData) -> dict[str, Any]:
    """The Home tab of one person."""
    blocks: list[Block] = [header("Mentoring")]
    for content in data.status:
        blocks.extend(content_blocks(content))
    blocks.append(
        actions(
            "home_participant",
            [
                command_button("Join", "join", style="primary"),
                command_button("Edit profile", "profile edit"),
                command_button("Pause", "pause"),
                command_button("Resume", "resume"),
                command_button("Request a mentor", "request"),
            ],
        )
    )
    if data.profile:
        blocks.append({"type": "divider"})
        for content in data.profile:
            blocks.extend(content_blocks(content))
    if data.coordinator is not None:
        blocks.append({"type": "divider"})
        blocks.append(header("Coordinator"))
        for content in data.coordinator:
            blocks.extend(content_blocks(content))
        blocks.append(
            actions(
                "home_coordinator",
                [
                    command_button("Refresh status", "admin status"),
                    command_button("Open enrolment", "admin open"),
                    command_button("Close enrolment", "admin close"),
                    command_button("Preview round", "admin match preview", style="primary"),
                    commit_button(),
                ],
            )
        )
    blocks.append(context(f"Everything here also works as `{data.command} help` in any channel."))
    if len(blocks) > VIEW_BLOCKS:
        blocks = [*blocks[: VIEW_BLOCKS - 1], context("(shortened)")]
    return {"type": "home", "blocks": blocks}
