"""Files the command line writes: never over their own input, an existing file only with --force."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest

from resnet_gui.cli.main import main
from resnet_gui.inference.model_export import default_export_path


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("runs")
    db = folder / "runs.sqlite"
    code, _, err = run(
        "train",
        "--data",
        "sample",
        "--resize",
        "0",
        "--blocks",
        "1",
        "--channels",
        "4",
        "--epochs",
        "1",
        "--batch-size",
        "2000",
        "--runs-db",
        str(db),
    )
    assert code == 0, err
    return db, next(folder.rglob("last.pt"))


def test_the_default_export_name_changes_only_the_file_s_suffix() -> None:
    assert default_export_path("ck/a.b/ckpt", "torchscript") == Path("ck/a.b/ckpt.ts.pt")
    assert default_export_path("runs/7/best.pt", "onnx") == Path("runs/7/best.onnx")


def test_export_refuses_to_overwrite_its_checkpoint_and_asks_for_force(trained, tmp_path: Path) -> None:
    _, ckpt = trained
    copy = tmp_path / "model.pt"
    shutil.copy(ckpt, copy)
    before = copy.read_bytes()
    code, _, err = run("export", str(copy), "--out", str(copy))
    assert code == 1 and "over its own checkpoint" in err and copy.read_bytes() == before
    code, _, err = run("export", str(copy), "--out", str(copy), "--force")
    assert code == 1 and copy.read_bytes() == before  # not even with --force
    target = tmp_path / "model.ts"
    target.write_text("keep me")
    code, _, err = run("export", str(copy), "--out", str(target))
    assert code == 1 and "--force" in err and target.read_text() == "keep me"
    assert run("export", str(copy), "--out", str(target), "--force")[0] == 0
    assert target.read_bytes()[:2] == b"PK"  # a TorchScript archive now


def test_runs_export_asks_before_overwriting_and_includes_the_notes(trained, tmp_path: Path) -> None:
    import json

    from resnet_gui.runs.store import RunStore

    db, _ = trained
    RunStore(db).set_notes(1, "a note")
    target = tmp_path / "m.json"
    target.write_text("{}")
    code, _, err = run("runs", "export", "1", "--out", str(target), "--runs-db", str(db))
    assert code == 1 and "--force" in err and target.read_text() == "{}"
    assert run("runs", "export", "1", "--out", str(target), "--runs-db", str(db), "--force")[0] == 0
    doc = json.loads(target.read_text())
    assert doc["notes"] == "a note" and doc["run"]["id"] == 1 and len(doc["epochs"]) == 1
