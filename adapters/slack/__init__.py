"""The Slack adapter: slash commands, Block Kit modals and buttons, App Home, a channel per match.

Built on slack-bolt's `AsyncApp`. Pure functions turn payloads into core events (`parse`) and core
content into Block Kit (`render`, `home`); `port` is the `ChatPort` on slack-sdk's
`AsyncWebClient`; `app` wires Bolt (HTTP or Socket Mode) to `MentorBot.handle`.
"""
