"""Slack on loopback: the fake Web API (`FakeSlack`), signed requests (`SlackClient`), payloads."""

from tests.kit.slack.client import BOT_TOKEN, SECRET, USERS, Sent, SlackClient, sign
from tests.kit.slack.fake_slack import BOT_USER, TEAM, Call, Channel, FakeSlack

__all__ = [
    "BOT_TOKEN",
    "BOT_USER",
    "SECRET",
    "TEAM",
    "USERS",
    "Call",
    "Channel",
    "FakeSlack",
    "Sent",
    "SlackClient",
    "sign",
]
