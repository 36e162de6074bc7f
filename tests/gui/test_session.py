"""The run session: the one owner of a run's state; ``run_ended`` once per run, whatever the ending."""

from __future__ import annotations

import pytest
from gui_helpers import RUN_TIMEOUT_MS, long_config, tiny_config

from resnet_gui.gui.jobs import Jobs
from resnet_gui.gui.session.run_session import RunSession
from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import with_changes


@pytest.fixture
def session(qtbot, tmp_path):
    jobs = Jobs()
    s = RunSession(jobs, tmp_path / "runs.sqlite")
    yield s
    s.shutdown()
    jobs.shutdown()


def ended_runs(session: RunSession) -> list[tuple[str, str]]:
    ends: list[tuple[str, str]] = []
    session.run_ended.connect(lambda status, message, _offer: ends.append((status, message)))
    return ends


def test_a_finished_run_ends_once_and_its_history_is_the_store_s(qtbot, session: RunSession) -> None:
    ends, states = ended_runs(session), []
    session.state_changed.connect(states.append)
    assert session.start(tiny_config())
    assert not session.start(tiny_config())  # one run at a time
    qtbot.waitUntil(lambda: bool(ends), timeout=RUN_TIMEOUT_MS)
    qtbot.wait(200)
    assert ends == [("finished", "")] and session.state == "idle"
    assert states[0] == "preparing" and "training" in states and states[-1] == "idle"
    stored = RunStore(session.runs_db).get(session.run_id)
    assert stored.status == "finished" and [e.epoch for e in session.history] == [1, 2]


def test_a_stopped_run_ends_once_as_stopped(qtbot, session: RunSession) -> None:
    ends = ended_runs(session)
    batches: list[object] = []
    session.batch_end.connect(batches.append)
    session.start(long_config())
    qtbot.waitUntil(lambda: bool(batches), timeout=RUN_TIMEOUT_MS)
    session.stop()
    session.stop()  # a second press changes nothing
    assert session.state == "stopping"
    qtbot.waitUntil(lambda: bool(ends), timeout=RUN_TIMEOUT_MS)
    qtbot.wait(200)
    assert ends == [("stopped", "")]
    assert RunStore(session.runs_db).get(session.run_id).status == "stopped"


def test_a_failed_run_ends_once_with_its_message_and_the_banner_signal(qtbot, session: RunSession, tmp_path) -> None:
    ends = ended_runs(session)
    errors: list[tuple[str, bool]] = []
    session.error.connect(lambda message, offer: errors.append((message, offer)))
    session.start(with_changes(tiny_config(), data={"dataset": "fashion-mnist", "root": str(tmp_path / "none")}))
    qtbot.waitUntil(lambda: bool(ends), timeout=RUN_TIMEOUT_MS)
    qtbot.wait(200)
    assert len(ends) == 1 and ends[0][0] == "failed" and "Fashion-MNIST" in ends[0][1]
    assert errors == [(ends[0][1], True)]
    assert RunStore(session.runs_db).get(session.run_id).status == "failed"


def test_a_run_store_that_fails_still_ends_the_run(qtbot, session: RunSession, monkeypatch) -> None:
    from resnet_gui.runs import store as store_module

    def broken_finish(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store_module.RunStore, "finish", broken_finish)
    ends = ended_runs(session)
    session.start(with_changes(tiny_config(), data={"dataset": "folder", "folder": "/nowhere/at/all"}))
    qtbot.waitUntil(lambda: bool(ends), timeout=RUN_TIMEOUT_MS)
    assert ends[0][0] == "failed" and "could not record it" in ends[0][1] and session.state == "idle"


def test_pause_holds_and_resume_continues(qtbot, session: RunSession) -> None:
    ends = ended_runs(session)
    epochs: list[object] = []
    session.epoch_end.connect(epochs.append)
    session.start(tiny_config(epochs=3, batch_size=64))
    qtbot.waitUntil(lambda: session.state == "training", timeout=RUN_TIMEOUT_MS)
    with qtbot.waitSignal(session.paused_at, timeout=RUN_TIMEOUT_MS):
        session.set_paused(True)
        assert session.paused
    held = len(epochs)
    qtbot.wait(800)
    assert len(epochs) == held and not ends
    session.set_paused(False)
    qtbot.waitUntil(lambda: bool(ends), timeout=RUN_TIMEOUT_MS)
    assert ends == [("finished", "")] and len(session.history) == 3
