"""Alembic environment for mentorbot.

There is no alembic.ini: `storage.migrate` builds the configuration in code and passes an open
connection in `config.attributes["connection"]`, which is what lets an in-memory SQLite database
(one connection) be migrated and keeps the async engine in charge of the connection. Offline mode
(`--sql`) renders SQL for the URL in the `sqlalchemy.url` option.
"""

from __future__ import annotations

from alembic import context

from storage.tables import metadata


def _common() -> dict[str, object]:
    return {
        "target_metadata": metadata,
        # SQLite cannot ALTER most things; batch mode recreates the table instead.
        "render_as_batch": True,
        "compare_type": True,
    }


def run_offline() -> None:
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **_common(),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "run mentorbot's migrations through storage.migrate (or `mentorbot db upgrade`), "
            "which passes the database connection in"
        )
    context.configure(connection=connection, **_common())
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
