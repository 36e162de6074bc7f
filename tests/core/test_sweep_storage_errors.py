"""A sweep worker whose storage keeps failing stops with one line saying so, not a traceback."""

import optuna
import pytest

from resnet_gui.experiments import worker
from resnet_gui.experiments.study import StudyError


def test_storage_errors_are_retried_then_said_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker.time, "sleep", lambda _s: None)
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise optuna.exceptions.StorageInternalError("database is locked")
        return "done"

    assert worker._retry(flaky) == "done" and len(calls) == 3  # another worker held the database a while

    def gone() -> None:
        raise optuna.exceptions.StorageInternalError("server closed the connection unexpectedly\nmore")

    with pytest.raises(StudyError, match=r"^Lost the experiment storage: server closed the connection unexpectedly$"):
        worker._retry(gone)
