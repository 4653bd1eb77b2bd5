"""Alembic migrations of mentorbot's database; run them through `storage.migrate`."""
