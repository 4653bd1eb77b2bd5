"""`mentorbot match` as a coordinator runs it: wall time from spawn to exit, beside baselines.

The roster is the matching benchmark's B1 (10,000 mentees × 2,000 mentors of capacity 5,
`bench.roster_gen`, seed 1) written as a roster file; the program is the bundled one with
`capacity.maximum` raised to 5 so that capacity is allowed (the bundled maximum is 4). Each
repeat runs, as subprocesses, one after another so they share the machine's load:

* **start-up** — `python -c pass`: the interpreter alone;
* **imports** — `python -c "import bot.cli, bot.match_cli"`: what `match` loads before it reads;
* **match** — `python -m bot match --no-progress`: start-up, imports, roster parsing and
  validation, the engine, JSON writing and exit. Its summary line gives the engine's own time
  ("in … s"), so "outside the engine" is the rest. CPU seconds (user + system) are reported too:
  on a shared machine they move less than wall time.

* **before** — only when `MENTORBOT_BENCH_BEFORE_TREE` names a source tree of an older
  mentorbot (`git archive 9250d30 | tar -x -C DIR`): the same command run from there, in the
  same loop, so both see the same load. Without it the table shows `BEFORE`, what that command
  measured here beside the new code when these speed-ups were made.

Medians of `repeats` runs (default 5). Target: match ≤ 3.5 s wall.
"""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bench.roster_gen import RosterSpec, generate

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "programs" / "default.yaml"
SPEC = RosterSpec(10_000, 2_000, 5, seed=1)
TARGET_S = 3.5
BEFORE = {
    "commit": "9250d30",
    "wall_seconds_median": 6.45,
    "cpu_seconds_median": 4.62,
    "engine_seconds_median": 5.06,
    "note": "2026-12-06, 5 runs interleaved with the new code (6.01 s wall, 4.16 s CPU), "
    "load average 4.9 on 2 CPUs",
}
"""The same command on the code before this work (filled in from an interleaved A/B run)."""

Log = Callable[[str], None]
_ENGINE_TIME = re.compile(r" in (\d+\.\d+) s ")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(
    command: list[str], tree: Path = ROOT
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(wall s, CPU s, the finished process) of one subprocess run on the source `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=tree, env=env)
    return time.perf_counter() - started, _children_cpu() - cpu, done


def _inputs(folder: Path) -> tuple[Path, Path]:
    """The roster file and the program file (capacity.maximum 5) in `folder`."""
    rows = generate(SPEC)
    for row in rows:  # the bundled question allows 1-4; the row's capacity field says 5
        if "mentee_capacity" in row["answers"]:
            row["answers"]["mentee_capacity"] = min(4, row["answers"]["mentee_capacity"])
    roster = folder / "roster.json"
    roster.write_text(json.dumps({"participants": rows}), encoding="utf-8")
    raw = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))
    raw["capacity"]["maximum"] = SPEC.capacity
    program = folder / "program.yaml"
    program.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return roster, program


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def run(large: bool, repeats: int | None, log: Log) -> dict[str, Any]:
    count = repeats or 5
    python = sys.executable
    before = os.environ.get("MENTORBOT_BENCH_BEFORE_TREE")
    trees = {"startup": ROOT, "imports": ROOT, "match": ROOT}
    if before:
        trees["before"] = Path(before).resolve()
    runs: dict[str, dict[str, list[float]]] = {name: {"wall": [], "cpu": []} for name in trees}
    engine: dict[str, list[float]] = {"match": [], "before": []}
    with tempfile.TemporaryDirectory(prefix="mentorbot-bench-") as name:
        folder = Path(name)
        roster, program = _inputs(folder)
        out = folder / "out.json"
        commands = {
            "startup": [python, "-c", "pass"],
            "imports": [python, "-c", "import bot.cli, bot.match_cli"],
            "match": [python, "-m", "bot", "match", "--program", str(program), "--roster",
                      str(roster), "--out", str(out), "--no-progress"],
        }  # fmt: skip
        match = commands["match"]
        commands["before"] = [*match[: match.index("--out") + 1], str(folder / "before.json"),
                              "--no-progress"]  # fmt: skip
        for n in range(count):
            log(f"match CLI {SPEC.mentees}x{SPEC.mentors}: run {n + 1}/{count} …")
            for what, tree in trees.items():
                wall, cpu, done = _timed(commands[what], tree)
                if done.returncode != 0:
                    return {"error": f"{what}: " + (done.stderr.strip().splitlines() or ["?"])[-1]}
                runs[what]["wall"].append(wall)
                runs[what]["cpu"].append(cpu)
                if what in engine:
                    found = _ENGINE_TIME.search(done.stdout)
                    engine[what].append(float(found.group(1)) if found else float("nan"))
        result = json.loads(out.read_text(encoding="utf-8"))
        size = out.stat().st_size
        same = (folder / "before.json").read_bytes() == out.read_bytes() if before else None
    wall = statistics.median(runs["match"]["wall"])
    return {
        "roster": f"{SPEC.mentees}x{SPEC.mentors}",
        "repeats": count,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "matched": result["objective"]["matched"],
        "proven": result["optimality"]["proven"],
        "out_bytes": size,
        **{
            f"{what}_{kind}_seconds_median": _median(values)
            for what, kinds in runs.items()
            for kind, values in kinds.items()
        },
        "match_wall_seconds": [round(s, 3) for s in runs["match"]["wall"]],
        "engine_seconds_median": _median(engine["match"]),
        "outside_engine_seconds_median": round(wall - statistics.median(engine["match"]), 3),
        "meets_target": wall <= TARGET_S,
        "before": _before(runs, engine["before"], before) if before else BEFORE,
        "same_output_as_before": same,
    }


def _before(
    runs: dict[str, dict[str, list[float]]], engine: list[float], tree: str
) -> dict[str, Any]:
    return {
        "commit": f"tree {tree}",
        "wall_seconds_median": _median(runs["before"]["wall"]),
        "cpu_seconds_median": _median(runs["before"]["cpu"]),
        "engine_seconds_median": _median(engine),
        "note": "measured in this run",
    }


def _runs(count: int) -> str:
    return "median of 1 run" if count == 1 else f"medians of {count} runs"


def table(results: dict[str, Any]) -> str:
    title = (
        f"`mentorbot match` {SPEC.mentees:,} × {SPEC.mentors:,}, end to end "
        f"(target ≤ {TARGET_S} s wall); {_runs(results.get('repeats', 0))}"
    )
    if "load_average_1min" in results:
        title += f", load average {results['load_average_1min']:.1f} on {os.cpu_count()} CPUs"
    if "error" in results:
        return f"{title}\n    error: {results['error']}"
    r = results
    lines = [
        title,
        f"{'':<26}{'wall s':>8}{'CPU s':>8}",
        f"{'python -c pass':<26}{r['startup_wall_seconds_median']:>8.2f}"
        f"{r['startup_cpu_seconds_median']:>8.2f}",
        f"{'imports of match':<26}{r['imports_wall_seconds_median']:>8.2f}"
        f"{r['imports_cpu_seconds_median']:>8.2f}",
        f"{'mentorbot match':<26}{r['match_wall_seconds_median']:>8.2f}"
        f"{r['match_cpu_seconds_median']:>8.2f}   engine {r['engine_seconds_median']:.2f} s, "
        f"outside it {r['outside_engine_seconds_median']:.2f} s; runs "
        + ", ".join(f"{s:.2f}" for s in r["match_wall_seconds"]),
    ]
    before = r["before"]
    if before.get("wall_seconds_median") is not None:
        lines.append(
            f"{'before (' + before['commit'] + ')':<26}{before['wall_seconds_median']:>8.2f}"
            f"{before['cpu_seconds_median']:>8.2f}   engine "
            f"{before['engine_seconds_median']:.2f} s; {before['note']}"
        )
    if r.get("same_output_as_before") is not None:
        lines.append(f"    same output file as before: {r['same_output_as_before']}")
    verdict = "meets" if r["meets_target"] else "misses"
    lines.append(f"    {r['matched']:,} matched, proven {r['proven']}; {verdict} the target")
    return "\n".join(lines)
