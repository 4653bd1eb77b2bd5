"""Storage: SQLModel tables, repositories, the unit of work and Alembic migrations.

The composition root builds it; nothing here runs at import time::

    engine = create_engine(settings.database_url)   # storage.engine
    await upgrade(engine)                           # storage.migrate
    store = SqlStore(engine)                        # storage.store — core's Store port
    ...
    await engine.dispose()
"""

from storage.engine import UnsupportedDatabaseURL, create_engine, normalize_url
from storage.migrate import current, downgrade, head_revision, upgrade
from storage.store import SqlStore, SqlUnitOfWork

__all__ = [
    "SqlStore",
    "SqlUnitOfWork",
    "UnsupportedDatabaseURL",
    "create_engine",
    "current",
    "downgrade",
    "head_revision",
    "normalize_url",
    "upgrade",
]
