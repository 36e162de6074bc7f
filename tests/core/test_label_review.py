"""Suspicious labels of an image folder: the exclude list, runs without the excluded images, the review's order."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from resnet_gui.data.datasets import load_dataset
from resnet_gui.data.exclusions import EXCLUDE_FILE, Exclusion, exclude_file, read_exclusion, write_exclusion
from resnet_gui.errors import DataError, UserError
from resnet_gui.inference.label_issues import review_labels
from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import DataConfig, RunConfig, with_changes
from resnet_gui.training.engine import fit
from resnet_gui.training.events import RunStarted

PER_CLASS = 40
# Images drawn as the other class but filed under "bright": the labels a review should doubt.
MISLABELLED = ("bright/wrong 0.png", "bright/wrong 1.png", "bright/wrong 2.png")


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESNET_GUI_CACHE", str(tmp_path / "cache"))


def draw(path: Path, level: int, i: int) -> None:
    """A 16-pixel image of brightness ``level`` with a little texture; ``i`` makes each one unique."""
    rng = np.random.default_rng(i)
    arr = (rng.random((16, 16)) * 40 + level).astype(np.uint8)
    arr[0, 0] = i % 256  # a fingerprint: no two images of the folder are the same
    arr[0, 1] = i // 256
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path)


def make_folder(root: Path) -> Path:
    for i in range(PER_CLASS):
        draw(root / "bright" / f"{i}.png", 190 + i % 20, i)
        draw(root / "dark" / f"{i}.png", 40 - i % 20, 1000 + i)
    for i, name in enumerate(MISLABELLED):
        draw(root / name, 0, 2000 + i)  # darker than any dark one: plainly dark, filed as bright
    return root


def folder_config(root: Path) -> RunConfig:
    return with_changes(
        RunConfig(),
        data={"dataset": "folder", "folder": str(root), "image_size": 16, "resize": 0, "test_fraction": 0.2},
        model={"blocks": (1,), "channels": 8, "stem": "small"},
        train={"epochs": 4, "batch_size": 16, "precision": "fp32", "lr": 0.03, "seed": 0},
    )


def test_the_exclude_list_round_trips(tmp_path: Path) -> None:
    assert read_exclusion(tmp_path) == Exclusion(())
    written = write_exclusion(tmp_path, ["b/2.png", "a/1.png", " a/1.png ", ""])
    assert written.paths == ("a/1.png", "b/2.png") and written.count == 2
    text = exclude_file(tmp_path).read_text()
    assert text.startswith("#") and text.endswith("a/1.png\nb/2.png\n")
    assert read_exclusion(tmp_path) == written
    assert Exclusion(("b/2.png", "a/1.png")).sha256 != written.sha256  # the hash names the sorted list
    assert len(written.sha256) == 16 and written.describe() == f"2 images excluded (list {written.sha256})"
    exclude_file(tmp_path).write_text("# a note\n\nc/3.png\n" + text)  # edited by hand
    assert read_exclusion(tmp_path).paths == ("a/1.png", "b/2.png", "c/3.png")
    assert write_exclusion(tmp_path, []).count == 0 and not (tmp_path / EXCLUDE_FILE).exists()
    assert not list(tmp_path.glob(".*.tmp"))  # written through a temp file, none left


def test_excluded_images_are_absent_from_the_next_runs_training_set(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "photos")
    cfg = folder_config(root)
    before = load_dataset(cfg.data)
    assert set(MISLABELLED) <= set(before.train_files) | set(before.test_files) and before.excluded == ()
    gone = [*[f for f in before.train_files if f.startswith("dark/")][:2], before.test_files[0]]
    write_exclusion(root, [*gone, "bright/no such file.png"])
    after = load_dataset(cfg.data)
    assert after.excluded == tuple(sorted(gone))  # the listed file that is not there is ignored
    assert not set(gone) & (set(after.train_files) | set(after.test_files))
    assert len(after.train_files) == len(before.train_files) - 2 and len(after.test_x) == len(before.test_x) - 1
    assert after.test_files == before.test_files[1:]  # the others keep their split
    fingerprints = {(int(x[0, 0, 0]), int(x[0, 0, 1])) for x in after.train_x.numpy()}
    removed = [before.train_x[before.train_files.index(f)].numpy() for f in gone[:2]]
    assert not {(int(x[0, 0, 0]), int(x[0, 0, 1])) for x in removed} & fingerprints

    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(cfg)
    started: list[RunStarted] = []
    recorder = store.recorder(run_id)
    result = fit(
        with_changes(cfg, train={"epochs": 1}),
        callbacks=[recorder, lambda e: started.append(e) if isinstance(e, RunStarted) else None],
    )
    assert started[0].train_size == len(after.train_y) and started[0].excluded == tuple(sorted(gone))
    assert result.history and store.get(run_id).excluded == tuple(sorted(gone))
    assert store.get(run_id).summary()["excluded"] == 3


def test_an_exclude_list_that_empties_a_class_says_so(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "photos")
    cfg = folder_config(root)
    dark = [f for f in load_dataset(cfg.data).train_files if f.startswith("dark/")]
    write_exclusion(root, dark)
    with pytest.raises(DataError, match="every training image of class dark"):
        load_dataset(cfg.data)


def test_the_review_lists_the_images_by_suspicion_mislabelled_first(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "photos")
    cfg = folder_config(root)
    result = fit(cfg)
    data = load_dataset(cfg.data)
    train_wrong = [f for f in MISLABELLED if f in data.train_files]
    assert train_wrong  # the held-out share took at most some of them
    write_exclusion(root, [train_wrong[0]])
    review = review_labels(result.model, cfg.data, ("bright", "dark"), "train", limit=10)
    assert review.scored == len(data.train_files)  # the excluded image is reviewed too (shown ticked)
    assert len(review.files) == 10 and review.images.shape == (10, 1, 16, 16)
    assert review.excluded == (train_wrong[0],) and review.in_sample
    assert np.all(np.diff(review.given_prob) >= 0)  # the least likely given label first
    assert set(review.files[: len(train_wrong)]) == set(train_wrong)
    assert all(review.given[: len(train_wrong)] == 0) and all(review.predicted[: len(train_wrong)] == 1)
    assert review.flagged[: len(train_wrong)].all() and review.flagged_total >= len(train_wrong)
    assert review.predicted_prob.min() >= 0 and review.predicted_prob.max() <= 1
    test_review = review_labels(result.model, cfg.data, ("bright", "dark"), "test", limit=100)
    assert test_review.scored == len(data.test_files) and not test_review.in_sample


def test_a_standard_data_set_has_no_labels_to_review() -> None:
    from resnet_gui.model.resnet import build_model

    net = build_model(RunConfig().model)
    with pytest.raises(UserError, match="image folder of your own"):
        review_labels(net, DataConfig(dataset="sample"), ())


def test_runs_list_how_many_images_they_left_out(tmp_path: Path) -> None:
    from resnet_gui.cli.main import main

    root = make_folder(tmp_path / "photos")
    write_exclusion(root, ["dark/0.png"])
    db = str(tmp_path / "runs.sqlite")
    out = io.StringIO()
    args = ["train", "--data", "folder", "--folder", str(root), "--image-size", "16", "--resize", "0"]
    args += ["--blocks", "1", "--channels", "8", "--epochs", "1", "--batch-size", "64", "--runs-db", db]
    assert main(args, out=out) == 0
    out = io.StringIO()
    assert main(["runs", "--runs-db", db, "--json"], out=out) == 0
    assert json.loads(out.getvalue())[0]["excluded"] == 1
    out = io.StringIO()
    assert main(["runs", "show", "1", "--runs-db", db], out=out) == 0
    assert "1 image excluded (list " in out.getvalue() and "dark/0.png" in out.getvalue()
    out = io.StringIO()
    assert main(["runs", "show", "1", "--runs-db", db, "--json"], out=out) == 0
    assert json.loads(out.getvalue())["excluded_files"] == ["dark/0.png"]
