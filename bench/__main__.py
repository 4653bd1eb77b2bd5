"""`python -m bench [--only matching] [--out FILE] [--large] [--repeats N]`: run benchmarks."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    coordinator,
    discord_ack,
    match_cli,
    matching,
    matrix_rooms,
    privacy,
    reminders,
    roster_import,
    slack_ack,
)

SUITES = {
    "coordinator": coordinator,
    "discord_ack": discord_ack,
    "matching": matching,
    "privacy": privacy,
    "match_cli": match_cli,
    "matrix": matrix_rooms,
    "reminders": reminders,
    "roster_import": roster_import,
    "slack_ack": slack_ack,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", choices=sorted(SUITES), action="append")
    parser.add_argument("--out", type=Path, default=Path("bench-results.json"))
    parser.add_argument("--large", action="store_true", help="also run B2 (100,000 × 20,000)")
    parser.add_argument("--repeats", type=int, default=None, help="runs per method (median)")
    args = parser.parse_args(argv)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "suites": {},
    }
    for name in args.only or sorted(SUITES):
        results = SUITES[name].run(args.large, args.repeats, log)
        report["suites"][name] = results
        print(SUITES[name].table(results))
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
