"""The bot's invite URL: the OAuth2 scopes and permissions mentorbot needs (pure, no SDK).

The application id is the first part of a bot token (base64 of the bot user's id, which for
applications made since 2016 equals the application id), so the URL is printed offline.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlencode

SCOPES = ("bot", "applications.commands")
PERMISSIONS = {
    "Manage Channels": 1 << 4,  # private channels per match (a binding's category)
    "View Channels": 1 << 10,
    "Send Messages": 1 << 11,
    "Embed Links": 1 << 14,
    "Attach Files": 1 << 15,  # exports
    "Read Message History": 1 << 16,
    "Manage Roles": 1 << 28,  # permission overwrites on match channels
    "Manage Threads": 1 << 34,  # archive and lock a match's thread when it ends
    "Create Private Threads": 1 << 36,
    "Send Messages in Threads": 1 << 38,
}
AUTHORIZE = "https://discord.com/oauth2/authorize"


def application_id(token: str) -> str | None:
    """The application id a bot token belongs to, or None when it is not a bot token."""
    head = token.strip().split(".", 1)[0]
    try:
        raw = base64.b64decode(head + "=" * (-len(head) % 4), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return raw if raw.isdigit() and 15 <= len(raw) <= 20 else None


def permissions() -> int:
    total = 0
    for bit in PERMISSIONS.values():
        total |= bit
    return total


def invite_url(client_id: str, guild: int | None = None) -> str:
    """Where a server admin adds the bot (with `/mentor`) to a server."""
    query = {"client_id": client_id, "scope": " ".join(SCOPES), "permissions": str(permissions())}
    if guild:
        query.update(guild_id=str(guild), disable_guild_select="true")
    return f"{AUTHORIZE}?{urlencode(query)}"
