"""`.env.example` documents every setting, and only settings that exist."""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_lists_every_setting_with_a_comment() -> None:
    lines = (ROOT / ".env.example").read_text().splitlines()
    names = [line.split("=", 1)[0] for line in lines if line and not line.startswith("#")]
    aliases = [field.validation_alias for field in Settings.model_fields.values()]
    assert sorted(names) == sorted(aliases)
    for index, line in enumerate(lines):
        if line and not line.startswith("#"):
            above = index - 1
            while above >= 0 and lines[above] and not lines[above].startswith("#"):
                above -= 1  # settings grouped under one comment
            assert above >= 0, f"{line} has no comment"
            assert lines[above].startswith("#"), f"{line} has no comment"
