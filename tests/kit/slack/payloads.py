"""Builders of the interaction payloads Slack sends, shaped like recorded ones (see payloads/)."""

from __future__ import annotations

from typing import Any

from tests.kit.slack.fake_slack import TEAM

Answers = dict[str, Any]


def user(user_id: str) -> dict[str, Any]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": TEAM}


def view_state(view: dict[str, Any], answers: Answers) -> dict[str, Any]:
    """`view.state.values` for `answers`, with each element's type taken from the view itself."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        answer = answers.get(block["block_id"])
        kind = element["type"]
        state: dict[str, Any] = {"type": kind}
        if kind in ("checkboxes", "multi_static_select"):
            state["selected_options"] = [{"value": v} for v in (answer or [])]
        elif kind in ("radio_buttons", "static_select"):
            state["selected_option"] = {"value": answer} if answer else None
        else:
            state["value"] = None if answer is None else str(answer)
        values[block["block_id"]] = {element["action_id"]: state}
    return {"values": values}


def submission(user_id: str, view: dict[str, Any], answers: Answers) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "test"},
        "user": user(user_id),
        "api_app_id": "A0TEST",
        "trigger_id": "999.1.submit",
        "view": {**view, "state": view_state(view, answers), "hash": "1.abc", "team_id": TEAM},
    }


def click(
    user_id: str,
    action: dict[str, Any],
    *,
    container: dict[str, Any],
    trigger: str,
    response_url: str | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "test"},
        "user": user(user_id),
        "api_app_id": "A0TEST",
        "container": container,
        "trigger_id": trigger,
        "actions": [{**action, "action_ts": "1700000000.1"}],
    }
    if container.get("channel_id"):
        payload["channel"] = {"id": container["channel_id"], "name": "x"}
    if response_url:
        payload["response_url"] = response_url
    if message is not None:
        payload["message"] = message
    if view is not None:
        payload["view"] = view
    if state is not None:
        payload["state"] = state
    return payload


def button_action(block: dict[str, Any], label: str) -> dict[str, Any]:
    """The action of clicking the button labelled `label` in an actions block."""
    for element in block["elements"]:
        if element.get("type") == "button" and element["text"]["text"] == label:
            return {**element, "block_id": block["block_id"]}
    raise AssertionError(f"no button {label!r} in {block}")


def find_button(blocks: list[dict[str, Any]], label: str) -> dict[str, Any]:
    for block in blocks:
        if block.get("type") == "actions":
            for element in block["elements"]:
                if element.get("type") == "button" and element["text"]["text"] == label:
                    return {**element, "block_id": block["block_id"]}
    raise AssertionError(f"no button {label!r}")
