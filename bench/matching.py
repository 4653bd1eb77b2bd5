"""Matching benchmarks: mentorbot vs a greedy baseline vs scipy on replicated mentor slots.

Each (roster, method, repeat) runs in a fresh Python process (`python -m bench.worker`), so
"peak RSS" is that process's own high-water mark (`resource.getrusage(...).ru_maxrss`, which
includes the interpreter, numpy and OR-Tools, about 60–100 MiB). "Δ RSS" is the peak minus the
RSS after imports and roster generation, i.e. what the method itself added. Roster generation is
not timed. "first" is when mentorbot had its first feasible assignment (encoding, scoring and the
first flow), before the pricing rounds prove it optimal.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bench.roster_gen import RosterSpec, candidates, group_program

AT = datetime(2025, 3, 1, 12, tzinfo=UTC)
DEFAULT_PROGRAM = Path(__file__).resolve().parent.parent / "programs" / "default.yaml"
SCIPY_BUDGET_BYTES = 4 << 30
"""The scipy baseline is skipped when its dense slot matrix would exceed this."""


@dataclass(frozen=True)
class Case:
    name: str
    spec: RosterSpec
    group: bool = False
    methods: tuple[str, ...] = ("mentorbot", "greedy", "scipy")
    repeats: int = 3
    large: bool = False


CASES = [
    Case("small 500x100", RosterSpec(500, 100, 5, seed=11)),
    Case("B1 10000x2000", RosterSpec(10_000, 2_000, 5, seed=1)),
    Case("G1 group 2000", RosterSpec(1_600, 400, 5, seed=3), group=True, methods=("mentorbot",)),
    Case(
        "B2 100000x20000",
        RosterSpec(100_000, 20_000, 5, seed=2),
        methods=("mentorbot",),
        repeats=1,
        large=True,
    ),
]


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mib() -> float:
    with open("/proc/self/statm", encoding="ascii") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / (1 << 20)


def _data(case: Case) -> Any:
    from core.matching import MatchInput
    from core.programs.program import load_program

    program = load_program(DEFAULT_PROGRAM)
    if case.group:
        program = group_program(program, 4, 6)
    return MatchInput(program=program, candidates=candidates(case.spec), at=AT)


def _mentorbot(data: Any) -> dict[str, Any]:
    from core.matching import match

    started = time.perf_counter()
    result = match(data)
    seconds = time.perf_counter() - started
    stats = result.stats
    out: dict[str, Any] = {
        "seconds": seconds,
        "phases": {k: round(v, 4) for k, v in result.timings.items()},
        "matched": result.matched,
        "total_score": result.total_score,
        "proven": result.optimality.proven,
        "gap": result.optimality.gap,
        "rounds": len(stats.get("rounds", [])),
        "candidate_arcs": stats.get("candidate_arcs"),
        "feasible_mentees": None,
    }
    if "groups" in stats:
        out["groups"] = stats["groups"]
    return out


def _pairs(scorer: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All feasible pairs (mentee, mentor, points) and the per-mentee feasible counts."""
    es, rs, ps = [], [], []
    feasible = np.zeros(scorer.n_mentees, dtype=np.int64)
    for rows, block in scorer.blocks():
        ok = block >= 0
        feasible[rows] = ok.sum(axis=1)
        r, c = np.nonzero(ok)
        es.append(rows[r])
        rs.append(c)
        ps.append(block[r, c].astype(np.int32))
    return np.concatenate(es), np.concatenate(rs), np.concatenate(ps), feasible


def _greedy(data: Any) -> dict[str, Any]:
    from core.matching.scoring import Scorer

    started = time.perf_counter()
    scorer = Scorer(data)
    e, r, p, feasible = _pairs(scorer)
    scored = time.perf_counter()
    order = np.lexsort((r, e, -p.astype(np.int64)))
    left = scorer.capacities.copy()
    taken = np.zeros(scorer.n_mentees, dtype=bool)
    total = matched = 0
    need = int((feasible > 0).sum())
    room = int(left.sum())
    for i in order.tolist():
        mentee, mentor = e[i], r[i]
        if taken[mentee] or left[mentor] == 0:
            continue
        taken[mentee] = True
        left[mentor] -= 1
        total += int(p[i])
        matched += 1
        if matched in (need, room):
            break
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "phases": {
            "scoring": round(scored - started, 4),
            "solve": round(seconds - scored + started, 4),
        },
        "matched": matched,
        "total_score": scorer.score(total),
        "feasible_mentees": need,
    }


def _scipy(data: Any) -> dict[str, Any]:
    from scipy.optimize import linear_sum_assignment

    from core.matching.flow import match_bonus
    from core.matching.scoring import Scorer

    started = time.perf_counter()
    scorer = Scorer(data)
    slots = np.repeat(np.arange(scorer.n_mentors), scorer.capacities)
    size = scorer.n_mentees * len(slots) * 8
    if size > SCIPY_BUDGET_BYTES:
        return {"skipped": f"dense slot matrix would need {size / 2**30:.1f} GiB"}
    bonus = match_bonus(scorer.max_points, scorer.n_mentees, len(slots))
    weights = np.empty((scorer.n_mentees, len(slots)))
    for rows, block in scorer.blocks():
        wide = block[:, slots].astype(np.float64)
        weights[rows] = np.where(wide >= 0, bonus + wide, 0.0)
    scored = time.perf_counter()
    rows, cols = linear_sum_assignment(weights, maximize=True)
    chosen = weights[rows, cols] > 0
    total = int((weights[rows, cols][chosen] - bonus).sum())
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "phases": {
            "scoring": round(scored - started, 4),
            "solve": round(seconds - scored + started, 4),
        },
        "matched": int(chosen.sum()),
        "total_score": scorer.score(total),
    }


METHODS = {"mentorbot": _mentorbot, "greedy": _greedy, "scipy": _scipy}


def run_in_process(case_name: str, method: str) -> dict[str, Any]:
    """Called by `bench.worker` in a fresh process."""
    case = next(c for c in CASES if c.name == case_name)
    data = _data(case)
    import scipy.optimize  # noqa: F401

    import core.matching.engine  # noqa: F401  (imports are not part of the measurement)

    before = _current_rss_mib()
    out = METHODS[method](data)
    peak = _rss_mib()
    out["peak_rss_mib"] = round(peak, 1)
    out["delta_rss_mib"] = round(peak - before, 1)
    return out


def _spawn(case: Case, method: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.worker", case.name, method]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in runs if "seconds" in r]
    if not ok:
        return runs[0]
    middle = sorted(ok, key=lambda r: r["seconds"])[len(ok) // 2]
    out = dict(middle)
    out["seconds_median"] = statistics.median(r["seconds"] for r in ok)
    out["seconds_all"] = [round(r["seconds"], 3) for r in ok]
    out["peak_rss_mib_max"] = max(r["peak_rss_mib"] for r in ok)
    return out


def run(large: bool, repeats: int | None, log: Any) -> list[dict[str, Any]]:
    results = []
    for case in CASES:
        if case.large and not large:
            continue
        row: dict[str, Any] = {"roster": case.name, "spec": asdict(case.spec), "methods": {}}
        for method in case.methods:
            count = 1 if method == "scipy" else (repeats or case.repeats)
            runs = []
            for n in range(count):
                log(f"{case.name}: {method} run {n + 1}/{count} …")
                runs.append(_spawn(case, method))
            row["methods"][method] = _median(runs)
        _relate(row)
        results.append(row)
    return results


def _relate(row: dict[str, Any]) -> None:
    """Add % of the proven optimum, speed-ups and feasible-coverage to a roster's results."""
    methods = row["methods"]
    best = methods.get("mentorbot", {})
    feasible = methods.get("greedy", {}).get("feasible_mentees")
    for result in methods.values():
        if "total_score" in result and best.get("proven") and best.get("total_score"):
            result["pct_of_optimum"] = round(100 * result["total_score"] / best["total_score"], 3)
        if feasible:
            result["pct_feasible_matched"] = round(100 * result["matched"] / feasible, 3)
    if "seconds_median" in best:
        for name, result in methods.items():
            if name != "mentorbot" and "seconds_median" in result:
                result["mentorbot_speedup"] = round(
                    result["seconds_median"] / best["seconds_median"], 1
                )
        greedy = methods.get("greedy", {})
        if greedy.get("total_score"):
            best["score_vs_greedy_pct"] = round(
                100 * (best["total_score"] / greedy["total_score"] - 1), 3
            )


def table(results: list[dict[str, Any]]) -> str:
    head = (
        f"{'roster':<17} {'method':<10} {'time s':>8} {'scoring':>8} {'first':>7} {'solve':>7} "
        f"{'proof':>7} "
        f"{'peak MiB':>9} {'Δ MiB':>7} {'matched':>8} {'total score':>12} {'% opt':>8} {'notes'}"
    )
    lines = [head, "-" * len(head)]
    for row in results:
        for method, r in row["methods"].items():
            if "seconds_median" not in r:
                note = r.get("skipped") or r.get("error", "")
                lines.append(f"{row['roster']:<17} {method:<10} {'—':>8}  {note}")
                continue
            phases = r.get("phases", {})
            notes = []
            if method == "mentorbot":
                notes.append("proven" if r.get("proven") else f"gap {r.get('gap', 0):.2%}")
                if r.get("rounds"):
                    notes.append(f"{r['rounds']} rounds")
                if "score_vs_greedy_pct" in r:
                    notes.append(f"+{r['score_vs_greedy_pct']:.2f}% vs greedy")
                if "groups" in r:
                    g = r["groups"]
                    notes.append(f"+{100 * g['improvement']:.1f}% vs seed")
                    ceiling = g["upper_bound"] / g["seed_score"] - 1 if g["seed_score"] else 0.0
                    notes.append(f"bound {g['upper_bound']:.0f} (≤ +{100 * ceiling:.1f}%)")
            if "mentorbot_speedup" in r:
                notes.append(f"mentorbot {r['mentorbot_speedup']}× faster")
            if "pct_feasible_matched" in r:
                notes.append(f"{r['pct_feasible_matched']:.2f}% of feasible matched")
            pct = r.get("pct_of_optimum")
            scoring = phases.get("scoring", phases.get("seed", 0))
            lines.append(
                f"{row['roster']:<17} {method:<10} {r['seconds_median']:>8.3f} "
                f"{scoring:>8.3f} {phases.get('first_solution', 0):>7.3f} "
                f"{phases.get('solve', 0):>7.3f} "
                f"{phases.get('proof', 0):>7.3f} {r['peak_rss_mib_max']:>9.1f} "
                f"{r['delta_rss_mib']:>7.1f} {r['matched']:>8} {r['total_score']:>12.2f} "
                f"{(f'{pct:.3f}' if pct is not None else '—'):>8} {', '.join(notes)}"
            )
    return "\n".join(lines)
