"""One worker at a time takes a trial from a study, so the budget check and Optuna's ask are one step.

SQLite: a file lock beside the database (its workers share one machine). PostgreSQL: an advisory
lock on a connection of its own, which the server lets go of if the worker dies. Other servers get
no lock; a trial taken there past the budget or twice is skipped by the worker instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .study import StudyError, first_line


@contextlib.contextmanager
def _postgres_lock(storage: str, study_name: str) -> Iterator[None]:
    import sqlalchemy
    from sqlalchemy.pool import NullPool

    engine = sqlalchemy.create_engine(storage, poolclass=NullPool)
    key = {"key": f"resnet-gui sweep {study_name}"}
    try:
        try:
            conn = engine.connect()
            conn.execute(sqlalchemy.text("SELECT pg_advisory_lock(hashtext(:key))"), key)
        except sqlalchemy.exc.SQLAlchemyError as e:
            raise StudyError(f"Lost the experiment storage {storage}: {first_line(e)}") from None
        try:
            yield
        finally:
            with contextlib.suppress(sqlalchemy.exc.SQLAlchemyError):  # closing the connection lets go too
                conn.execute(sqlalchemy.text("SELECT pg_advisory_unlock(hashtext(:key))"), key)
            conn.close()
    finally:
        engine.dispose()


def study_lock(storage: str, study_name: str) -> contextlib.AbstractContextManager[Any]:
    """A lock shared by every worker taking trials from ``study_name`` in ``storage``."""
    if storage.startswith("sqlite:///"):
        from filelock import FileLock

        return FileLock(str(Path(storage.removeprefix("sqlite:///")).expanduser()) + ".lock")
    if storage.startswith(("postgresql:", "postgresql+", "postgres:")):
        return _postgres_lock(storage, study_name)
    return contextlib.nullcontext()
