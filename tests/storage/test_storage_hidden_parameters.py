"""SQL parameters are people's answers: a failing statement never shows them, nor do the logs."""

from __future__ import annotations

import io
import json
import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.logs import configure_logging
from storage.engine import create_engine

ANSWER = "I would like to talk about my burnout"


async def test_a_failing_insert_carries_no_answer_text(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    engine = create_engine(database_url, echo=True)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE people_seen (id INTEGER PRIMARY KEY)"))
            await connection.execute(
                text(
                    "CREATE TABLE answers_seen (id INTEGER PRIMARY KEY, "
                    "person INTEGER NOT NULL REFERENCES people_seen (id), answer TEXT)"
                )
            )
        insert = text(
            "INSERT INTO answers_seen (id, person, answer) VALUES (:id, :person, :answer)"
        )
        with pytest.raises(IntegrityError) as caught:  # no person 99: the insert fails
            async with engine.begin() as connection:
                await connection.execute(insert, {"id": 1, "person": 99, "answer": ANSWER})
        logging.getLogger("mentorbot.test").exception("insert failed", exc_info=caught.value)
    finally:
        await engine.dispose()
    assert "INSERT INTO answers_seen" in caplog.text  # the statement is logged …
    assert ANSWER not in caplog.text  # … its parameters are not
    assert ANSWER not in str(caught.value)


SECRET = "Ana's secret: my manager 'Dee' bullies me"
MULTILINE = "line one of a secret\nline two (of it) already exists."


@pytest.mark.parametrize("fmt", ["text", "json"])
async def test_row_values_in_database_errors_never_reach_the_logs(
    database_url: str, fmt: str
) -> None:
    """PostgreSQL quotes row values in its errors (`DETAIL:  Key (name)=(…)`, `Failing row
    contains (…)`, `invalid input syntax for type integer: "…"`); the log handler hides them."""
    stream = io.StringIO()
    root = logging.getLogger()
    kept_handlers, kept_level = list(root.handlers), root.level
    configure_logging("INFO", fmt, stream=stream)
    log = logging.getLogger("mentorbot.test")
    engine = create_engine(database_url)
    failures: list[BaseException] = []
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "CREATE TABLE secrets_seen (id INTEGER PRIMARY KEY, "
                    "name TEXT UNIQUE, note TEXT CHECK (note <> 'forbidden'), n INTEGER)"
                )
            )
            await connection.execute(
                text("INSERT INTO secrets_seen (id, name, note) VALUES (1, :a, 'x'), (2, :b, 'y')"),
                {"a": SECRET, "b": MULTILINE},
            )
        attempts = [
            ("INSERT INTO secrets_seen (id, name) VALUES (3, :v)", {"v": SECRET}),  # unique
            ("INSERT INTO secrets_seen (id, name) VALUES (4, :v)", {"v": MULTILINE}),
            (
                "INSERT INTO secrets_seen (id, name, note) VALUES (5, :v, 'forbidden')",
                {"v": SECRET},
            ),
        ]
        if engine.dialect.name == "postgresql":  # SQLite stores text in an INTEGER column
            attempts.append(("SELECT CAST(:v AS INTEGER)", {"v": SECRET}))
        for statement, values in attempts:
            try:
                async with engine.begin() as connection:
                    await connection.execute(text(statement), values)
            except Exception as error:  # each is logged as the bot would
                failures.append(error)
                log.exception("could not save an answer")
                log.error("could not save an answer: %s", getattr(error, "orig", error))
    finally:
        await engine.dispose()
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in kept_handlers:
            root.addHandler(handler)
        root.setLevel(kept_level)
    assert len(failures) == len(attempts)
    logged = stream.getvalue()
    assert logged.count("could not save an answer") == 2 * len(attempts)
    if engine.dialect.name == "postgresql":  # the errors did carry the values …
        assert any(SECRET in told for e in failures for told in _chain(e))
        assert "DETAIL" in logged
    for leaked in (SECRET, "my manager", "Dee", "line one", "line two"):  # … the logs do not
        assert leaked not in logged
        assert json.dumps(leaked)[1:-1] not in logged


def _chain(error: BaseException | None) -> list[str]:
    """What each exception in a chain says (asyncpg's own says `DETAIL:  Key (…)=(…)`)."""
    said = []
    while error is not None:
        said.append(str(error))
        error = error.__cause__ or error.__context__
    return said
