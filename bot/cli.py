"""The `mentorbot` command line.

Only typer is imported up front: each command imports what it uses when it runs, so `--help`
is instant and a command that runs no adapter never loads a platform SDK (or the solver).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.settings import Settings
    from core.onboarding.roster_import import ImportSummary
    from core.programs.program import Program

T = TypeVar("T")
BUNDLED_PROGRAM = Path(__file__).resolve().parent.parent / "programs" / "default.yaml"

app = typer.Typer(
    help="mentorbot — an open-source e-mentoring bot for Slack, Discord, Matrix and the shell.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database migrations (Alembic).", no_args_is_help=True)
program_app = typer.Typer(help="Check and inspect program definitions.", no_args_is_help=True)
roster_app = typer.Typer(help="Enrol participants from a roster file.", no_args_is_help=True)
discord_app = typer.Typer(help="Set up the Discord bot.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(discord_app, name="discord")
app.add_typer(program_app, name="program")
app.add_typer(roster_app, name="roster")


@cache
def _console(stderr: bool) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, soft_wrap=True)


def _print(*what: Any, stderr: bool = False, **options: Any) -> None:
    _console(stderr).print(*what, **options)


def _plain(text: object) -> str:
    """Text from files or people, safe to put inside rich markup: `[/]` prints as itself."""
    from rich.markup import escape

    return escape(str(text))


def _fail(message: str, code: int = 2) -> typer.Exit:
    """Print `message` (plain text, never markup) as an error; the Exit to raise."""
    _print(f"[red]error:[/red] {_plain(message)}", stderr=True, markup=True, highlight=False)
    return typer.Exit(code)


def _settings(aliases: dict[str, str] | None = None, **overrides: object) -> Settings:
    """Settings from the environment; `aliases` as if set there (validated alike)."""
    from pydantic import ValidationError

    from bot.settings import Settings

    try:
        settings = Settings(**(aliases or {}))
    except UnicodeDecodeError as error:
        from core.programs.program import not_utf8

        raise _fail(f".env: {not_utf8(error)}") from None
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: "
            f"{e['msg'].removeprefix('Value error, ')}"
            for e in error.errors()
        )
        raise _fail(f"bad settings — {problems}") from None
    return settings.model_copy(update=overrides) if overrides else settings


def _run_async(make: Callable[[], Awaitable[T]]) -> T:
    import asyncio

    from bot.runtime import AdapterUnavailable
    from core.programs.program import ProgramError
    from storage.engine import DatabaseUnreachable, UnsupportedDatabaseURL
    from storage.migrate import MigrationError

    try:
        return asyncio.run(make())
    except (
        ProgramError,
        AdapterUnavailable,
        UnsupportedDatabaseURL,
        DatabaseUnreachable,
        MigrationError,
    ) as error:
        raise _fail(str(error)) from None


@app.command("run")
def run_command(
    adapters: Annotated[
        str | None,
        typer.Option(
            help="Comma list of adapters run side by side, e.g. shell,slack "
            "(default: MENTORBOT_ADAPTERS, else those with credentials, else the shell).",
        ),
    ] = None,
) -> None:
    """Run the bot on the selected adapters until Ctrl-C (or end of input in the shell).

    An adapter that cannot start is reported and the others keep serving; network failures are
    retried. Exits with code 2 when no adapter can run. The clock is the real one unless
    MENTORBOT_CLOCK=manual (then the shell's /advance moves it).
    """
    from bot.logs import configure_logging
    from bot.runtime import run

    settings = _settings({"MENTORBOT_ADAPTERS": adapters} if adapters else None)
    secrets = settings.secret_values()
    configure_logging(settings.log_level, settings.log_format, secrets, file=settings.log_file)
    raise typer.Exit(_run_async(lambda: run(settings)))


@discord_app.command("invite")
def discord_invite(
    client_id: Annotated[
        str | None, typer.Option(help="The application id (default: read from DISCORD_TOKEN).")
    ] = None,
) -> None:
    """Print the URL that adds the bot to a server, with the scopes and permissions it needs."""
    from adapters.discord.invite import PERMISSIONS, application_id, invite_url

    settings = _settings()
    token = settings.discord_token.get_secret_value() if settings.discord_token else ""
    found = client_id or application_id(token)
    if not found:
        raise _fail(
            "set DISCORD_TOKEN (Developer Portal → Bot → Reset Token) or pass --client-id "
            "(Developer Portal → General Information → Application ID)"
        )
    guilds = settings.discord_guild_ids
    _print(invite_url(found, guilds[0] if len(guilds) == 1 else None), markup=False)
    _print(f"Permissions: {', '.join(PERMISSIONS)}", markup=False, stderr=True)


@app.command("demo")
def demo_command() -> None:
    """Play the guided tour on the shell with the bundled program and a throw-away SQLite file.

    Runs on a demo clock that starts on a Monday morning; /advance moves it.
    """
    import tempfile
    from datetime import UTC, datetime

    from bot.logs import configure_logging
    from bot.platforms import Terminal
    from bot.runtime import run
    from bot.tour import TOUR
    from core.clock import ManualClock

    with tempfile.TemporaryDirectory(prefix="mentorbot-demo-") as folder:
        settings = _settings(
            adapters=["shell"],
            programs=[BUNDLED_PROGRAM],
            database_url=f"sqlite:///{Path(folder) / 'demo.db'}",
            clock="manual",
        )
        configure_logging("WARNING", settings.log_format, settings.secret_values())
        # the tour starts on a Monday morning, so its check-ins land in waking hours
        clock = ManualClock(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
        terminal = Terminal(tour=TOUR)
        raise typer.Exit(_run_async(lambda: run(settings, clock=clock, terminal=terminal)))


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from storage.migrate import upgrade

    _with_engine(lambda engine: upgrade(engine, revision))
    _print(f"database upgraded to {revision}")


@db_app.command("downgrade", context_settings={"ignore_unknown_options": True})
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. -1 or base.")],
) -> None:
    """Revert migrations down to REVISION (`base` removes every table)."""
    from storage.migrate import downgrade

    _with_engine(lambda engine: downgrade(engine, revision))
    _print(f"database downgraded to {revision}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's current revision."""
    from storage.migrate import current

    revision = _with_engine(current)
    _print(revision or "empty (no migrations applied)")


def _with_engine(work: Callable[..., Awaitable[T]]) -> T:
    from storage.engine import create_engine

    settings = _settings()

    async def main() -> T:
        engine = create_engine(settings.database_url)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return _run_async(main)


@program_app.command("validate")
def program_validate(
    files: Annotated[list[Path], typer.Argument(help="Program YAML files.", exists=False)],
) -> None:
    """Check program files; print every problem with its file and question (exit 2 if any)."""
    from core.content import plural
    from core.programs.program import ProgramError, load_program

    failed = False
    for file in files:
        try:
            program = load_program(file)
        except ProgramError as error:
            failed = True
            _print(f"[red]✗[/red] {_plain(error)}", stderr=True, markup=True, highlight=False)
            continue
        _print(
            f"✓ {file}: program {program.id!r} with {plural(len(program.questions), 'question')}",
            markup=False,
        )
    if failed:
        raise typer.Exit(2)


@program_app.command("show")
def program_show(program_id: Annotated[str, typer.Argument(help="The program's id.")]) -> None:
    """Show a program from MENTORBOT_PROGRAMS: settings, cadence and questions."""
    from rich.table import Table

    from core.content import plural

    program = _program(program_id)
    _print(f"[bold]{_plain(program.name)}[/bold] ({program.id}) — mode {program.mode.value}")
    if program.description:
        _print(program.description, markup=False)
    _print(f"runs in: {_where_it_runs(program)}", markup=False)
    _print(
        f"coordinators: {', '.join(map(str, program.coordinators)) or 'platform admins'}",
        markup=False,
    )
    cadence = program.cadence
    _print(
        f"cycle {plural(program.cycle.length_days, 'day')} · check-in every "
        f"{plural(cadence.checkin_every_days, 'day')} · nudge after "
        f"{plural(cadence.nudge_after_days, 'day')} quiet · quiet hours "
        f"{cadence.quiet_hours.start}:00–{cadence.quiet_hours.end}:00 · capacity default "
        f"{program.capacity.default}, max {program.capacity.maximum}"
    )
    from rich.text import Text

    table = Table("id", "asked", "kind", "prompt", "match")
    for question in program.questions:
        rule = question.match
        table.add_row(
            question.id,
            question.ask.value,
            question.kind.value,
            Text(question.prompt),
            f"{rule.rule.value} ×{rule.weight:g}{' required' if rule.required else ''}"
            if rule
            else "",
        )
    _print(table)


def _program(program_id: str) -> Program:
    """The program `program_id` of MENTORBOT_PROGRAMS; exits with the known ids if none."""
    from core.programs.program import ProgramError, load_programs

    try:
        programs = {p.id: p for p in load_programs(_settings().programs)}
    except ProgramError as error:
        raise _fail(str(error)) from None
    if program_id not in programs:
        raise _fail(f"no program {program_id!r}; known: {', '.join(sorted(programs))}")
    return programs[program_id]


def _where_it_runs(program: Program) -> str:
    if not program.is_bound:
        return "every workspace of every platform"
    places = []
    for platform in program.bindings.platforms:
        binding = program.binding(platform)
        named = sorted(binding.workspaces) if binding else []
        places.append(f"{platform} {' / '.join(named)}" if named else f"{platform} (everywhere)")
    return ", ".join(places)


@app.command("match")
def match_command(
    program: Annotated[Path, typer.Option(help="The program YAML file.")],
    roster: Annotated[Path, typer.Option(help="Roster: JSON, or CSV with a column per question.")],
    out: Annotated[Path, typer.Option(help="Where to write the result JSON.")],
    progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr.")] = True,
) -> None:
    """Match a roster offline and write matches, reasons and the optimality proof as JSON."""
    import gc

    from bot.match_cli import run_match

    code = run_match(program, roster, out, show_progress=progress)
    # The process ends here: freezing skips the interpreter's final collection over the roster,
    # the result and the solver's objects (0.1-0.3 s at 10,000 x 2,000); the OS takes the memory.
    gc.freeze()
    raise typer.Exit(code)


@roster_app.command("import")
def roster_import(
    program: Annotated[str, typer.Option(help="The program id (from MENTORBOT_PROGRAMS).")],
    roster: Annotated[Path, typer.Option(help="Roster: JSON, or CSV with a column per question.")],
    platform: Annotated[str, typer.Option(help="Platform the people are on.")] = "shell",
    workspace: Annotated[str, typer.Option(help="Workspace id on that platform.")] = "local",
) -> None:
    """Enrol everyone in a roster (ids are platform user ids; in the shell, `/as` names).

    A bad row is reported and nothing is imported; importing again updates people.
    """
    from core.clock import SystemClock
    from core.content import plural
    from core.matching import RosterError, load_roster
    from core.onboarding.roster_import import import_roster, target_problem
    from storage.migrate import upgrade
    from storage.store import SqlStore

    problem = target_problem(platform, workspace)
    if problem:
        raise _fail(problem)
    chosen = _program(program)
    if not chosen.applies_in(platform, workspace):
        raise _fail(
            f"program {program!r} does not run in {platform} workspace {workspace!r} "
            f"(its platforms: {_where_it_runs(chosen)}); pick --platform and "
            "--workspace where it does, or change its `platforms` key"
        )
    try:
        parsed = load_roster(roster, chosen)
    except RosterError as error:
        raise _fail(str(error)) from None

    async def work(engine: AsyncEngine) -> ImportSummary:
        await upgrade(engine)
        return await import_roster(
            SqlStore(engine),
            chosen,
            parsed,
            platform=platform,
            workspace=workspace,
            now=SystemClock().now(),
        )

    summary = _with_engine(work)
    _print(
        f"imported {plural(summary.created + summary.updated, 'participant')} into {program!r} "
        f"({summary.created} new, {summary.updated} updated; "
        f"{plural(summary.history, 'earlier pair')})",
        markup=False,
    )


@app.command("export")
def export_command(
    program: Annotated[str, typer.Option(help="The program id (from MENTORBOT_PROGRAMS).")],
    out: Annotated[Path, typer.Option(help="Where to write the zip of CSV files.")],
    anonymised: Annotated[
        bool, typer.Option("--anonymised", help="Pseudonyms for people; no names or free text.")
    ] = False,
    platform: Annotated[str, typer.Option(help="Platform the program runs on.")] = "shell",
    workspace: Annotated[str, typer.Option(help="Workspace id on that platform.")] = "local",
) -> None:
    """Write a program's data (participants, matches, check-ins, goals, feedback, audit log)
    as a zip of CSV files, like `admin export` in chat."""
    import getpass

    from core.clock import SystemClock
    from core.content import plural
    from core.coordinator.export import export_from
    from core.identity import PlatformUser
    from storage.migrate import upgrade
    from storage.store import SqlStore

    chosen = _program(program)
    if out.is_dir():
        raise _fail(f"{out} is a folder; give the path of the zip file to write")
    if not out.parent.is_dir():
        raise _fail(f"{out.parent} does not exist; create the folder first")
    by = PlatformUser("cli", "local", getpass.getuser())

    async def work(engine: AsyncEngine) -> Any:
        await upgrade(engine)
        return await export_from(
            SqlStore(engine),
            chosen,
            platform=platform,
            workspace=workspace,
            anonymised=anonymised,
            by=by,
            now=SystemClock().now(),
        )

    built = _with_engine(work)
    if built is None:
        raise _fail(
            f"program {program!r} has no data in {platform} workspace {workspace!r} yet; "
            "check --platform and --workspace"
        )
    try:
        out.write_bytes(built.data)
    except OSError as error:
        raise _fail(f"{out}: cannot write the file ({error.strerror})") from None
    kind = "anonymised export" if anonymised else "export"
    _print(
        f"wrote the {kind} of {program!r} to {out}: {plural(built.participants, 'participant')}, "
        f"{plural(built.matches, 'match', 'matches')}",
        markup=False,
    )


def main() -> None:
    app()
