"""Checkpoints: atomic, safe to load, refused for another architecture; runs resume exactly."""

import contextlib
import io
import threading
from pathlib import Path
from typing import Any

import pytest
import torch

from resnet_gui.data.datasets import DataSet, load_sample
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.training.checkpoint import (
    BEST,
    FORMAT,
    LAST,
    VERSION,
    CheckpointError,
    atomic_save,
    load_checkpoint,
    load_last_checkpoint,
)
from resnet_gui.training.engine import FitResult, fit
from resnet_gui.training.events import BatchEnd

CFG = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 0},
    model={"blocks": (1,), "channels": 8},
    train={
        "epochs": 3,
        "batch_size": 500,
        "precision": "fp32",
        "augment": "crop+flip",
        "optimizer": "sgd",
        "lr": 0.05,
        "schedule": "cosine",
    },
)


@pytest.fixture(scope="module")
def sample() -> DataSet:
    ds = load_sample()
    # A third of the sample keeps these runs short.
    return type(ds)("sample", ds.train_x[::3], ds.train_y[::3], ds.test_x, ds.test_y, ds.class_names)


def stop_at(epoch: int, batch: int, stop: threading.Event):
    def cb(e: object) -> None:
        if isinstance(e, BatchEnd) and (e.epoch, e.batch) == (epoch, batch):
            stop.set()

    return cb


def test_epoch_checkpoints_keep_last_and_best(tmp_path: Path, sample) -> None:
    result = fit(CFG, data=sample, checkpoint_dir=tmp_path)
    last, best = load_checkpoint(tmp_path / LAST), load_checkpoint(tmp_path / BEST)
    assert last["epoch"] == 3 and len(last["history"]) == 3
    accs = [e.test_acc for e in result.history]
    assert best["history"][-1]["test_acc"] == max(accs)
    assert result.last_checkpoint == str(tmp_path / LAST)
    assert not list(tmp_path.glob("*.tmp"))
    assert last["class_names"][0] == "T-shirt/top" and last["image_shape"] == [1, 28, 28]


@pytest.fixture(scope="module")
def whole(sample: DataSet) -> FitResult:
    """The run trained from start to end without a stop: what a stopped and resumed run must equal."""
    return fit(CFG, data=sample, report_every_s=0)


@pytest.mark.parametrize("stop_epoch,stop_batch", [(2, 2), (2, 1)])
def test_resume_after_stop_continues_exactly(
    tmp_path: Path, sample: DataSet, whole: FitResult, stop_epoch: int, stop_batch: int
) -> None:
    stop = threading.Event()
    first = fit(
        CFG,
        data=sample,
        report_every_s=0,
        stop=stop,
        callbacks=[stop_at(stop_epoch, stop_batch, stop)],
        checkpoint_dir=tmp_path,
    )
    assert first.status == "stopped" and len(first.history) == stop_epoch - 1
    seen: list = []
    resumed = fit(
        CFG,
        data=sample,
        report_every_s=0,
        callbacks=[seen.append],
        checkpoint_dir=tmp_path,
        resume=load_checkpoint(tmp_path / LAST),
    )
    assert resumed.status == "finished"
    assert [e.loss for e in resumed.history] == [e.loss for e in whole.history]
    assert [e.test_acc for e in resumed.history] == [e.test_acc for e in whole.history]
    assert seen[0].start_epoch == stop_epoch


def test_other_architecture_is_refused_by_name(tmp_path: Path, sample) -> None:
    fit(with_changes(CFG, train={"epochs": 1}), data=sample, checkpoint_dir=tmp_path)
    with pytest.raises(CheckpointError, match="channels 8 in the checkpoint vs 16 here"):
        fit(with_changes(CFG, model={"channels": 16}), data=sample, resume=load_checkpoint(tmp_path / LAST))


def test_a_write_that_fails_part_way_leaves_the_previous_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / LAST
    atomic_save({"format": FORMAT, "version": VERSION, "epoch": 1, "model": {"w": torch.ones(1000)}}, path)
    real_save = torch.save

    def disk_full_half_way(obj: Any, f: Any, *args: Any, **kwargs: Any) -> None:
        buffer = io.BytesIO()
        real_save(obj, buffer, *args, **kwargs)
        half = buffer.getvalue()[: len(buffer.getvalue()) // 2]
        if isinstance(f, (str, Path)):
            Path(f).write_bytes(half)
        else:
            f.write(half)
            f.flush()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", disk_full_half_way)
    with pytest.raises(OSError, match="No space left"):
        atomic_save({"format": FORMAT, "version": VERSION, "epoch": 2, "model": {"w": torch.zeros(1000)}}, path)
    monkeypatch.undo()
    previous = load_checkpoint(path)
    assert previous["epoch"] == 1 and torch.equal(previous["model"]["w"], torch.ones(1000))
    assert [p.name for p in tmp_path.iterdir()] == [LAST]  # and no half-written temp file beside it


class Exploit:
    def __reduce__(self):
        return (Path.touch, (Path(self.target),))


def test_malicious_pickle_runs_no_code(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = Exploit()
    evil.target = str(marker)
    path = tmp_path / "evil.pt"
    torch.save({"format": "resnet-gui-checkpoint", "model": evil}, path)
    with pytest.raises(CheckpointError, match="could run code"):
        load_checkpoint(path)
    assert not marker.exists()
    # Sanity: plain pickle would have run it.
    with open(path, "rb") as f, contextlib.suppress(Exception):  # whatever the exploit's return value breaks
        torch.load(f, weights_only=False)
    assert marker.exists()


def test_unreadable_files_are_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_checkpoint(bad)
    with pytest.raises(CheckpointError, match="No checkpoint"):
        load_checkpoint(tmp_path / "missing.pt")
    atomic_save({"format": "other"}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="not a resnet-gui checkpoint"):
        load_checkpoint(tmp_path / "other.pt")


def test_a_run_without_a_checkpoint_says_so_and_what_to_do(tmp_path: Path) -> None:
    from resnet_gui.errors import UserError
    from resnet_gui.runs.store import RunStore

    store = RunStore(tmp_path / "runs.sqlite")
    run = store.get(store.create_run(RunConfig()))
    with pytest.raises(UserError, match=r"^Run 1 has no checkpoint yet .*: train it again instead\.$"):
        load_last_checkpoint(run, "train it again instead")
