"""`mentorbot discord invite`: the URL that adds the bot to a server, printed from the settings."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from adapters.discord.invite import PERMISSIONS, application_id, invite_url, permissions
from bot.cli import app

APP = "900000000000000001"
TOKEN = base64.b64encode(APP.encode()).decode().rstrip("=") + ".GxYzAb.not-a-real-secret"


def test_the_application_id_is_read_from_a_bot_token() -> None:
    assert application_id(TOKEN) == APP
    assert application_id("not a token") is None
    assert application_id("") is None


def test_the_invite_asks_for_both_scopes_and_every_permission_needed() -> None:
    query = parse_qs(urlsplit(invite_url(APP, guild=42)).query)
    assert query["scope"] == ["bot applications.commands"]
    assert query["client_id"] == [APP]
    assert query["guild_id"] == ["42"]
    granted = int(query["permissions"][0])
    assert granted == permissions()
    for name in ("Create Private Threads", "Send Messages in Threads", "Manage Threads"):
        assert granted & PERMISSIONS[name], name
    assert not granted & (1 << 3), "never Administrator"


def test_the_cli_prints_the_invite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.delenv("DISCORD_GUILD_IDS", raising=False)
    result = CliRunner().invoke(app, ["discord", "invite"])
    assert result.exit_code == 0, result.output
    assert f"client_id={APP}" in result.output
    assert TOKEN not in result.output


def test_the_cli_says_what_to_set_without_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.chdir("/")  # no .env here
    result = CliRunner().invoke(app, ["discord", "invite"])
    assert result.exit_code == 2
    assert "DISCORD_TOKEN" in result.output
