"""The shell adapter from the settings."""

from __future__ import annotations

from adapters.shell.adapter import ShellAdapter, ShellConfig
from bot.platforms import AdapterContext
from bot.settings import Settings


def create(settings: Settings, context: AdapterContext) -> ShellAdapter:
    terminal = context.terminal
    config = ShellConfig(
        command=settings.command,
        tour=terminal.tour,
        interactive=terminal.interactive,
        files_dir=settings.files_dir,
    )
    return ShellAdapter(terminal.write, config, terminal.stdin)
