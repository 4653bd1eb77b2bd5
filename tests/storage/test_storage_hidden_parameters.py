"""SQL parameters are people's answers: a failing statement never shows them, nor do the logs."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

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
