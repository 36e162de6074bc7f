"""The File and Export menus: settings as TOML both ways, metrics, plots and models written to files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from gui_helpers import RUN_TIMEOUT_MS, tiny_config
from runs_helpers import record_run, refreshed, runs_db, window

from resnet_gui.runs.store import RunStore

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def run_id(qtbot, window, runs_db: Path) -> int:
    """A finished tiny run, selected in the Runs tab."""
    run = record_run(RunStore(runs_db), name="exported")
    refreshed(qtbot, window.runs_panel)
    window.runs_panel.select_runs([run])
    return run


def exported(qtbot, window, start) -> str:
    """Start an export and return the path it reports when done."""
    with qtbot.waitSignal(window.menus.export_finished, timeout=RUN_TIMEOUT_MS) as done:
        assert start()
    return done.args[0]


def test_the_menu_bar_offers_settings_and_exports(window) -> None:
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles[:4] == ["&File", "&Run", "&Go", "&Export"] and titles[-1] == "&Help"
    texts = {a.text() for a in window.menus.actions.values()}
    assert {
        "&Open settings (TOML)…",
        "&Save settings (TOML)",
        "Save settings &as…",
        "&Reset settings…",
        "Metrics as &CSV…",
        "Metrics as &JSON…",
        "Loss plot as PNG…",
        "Accuracy plot as SVG…",
        "Model as &TorchScript…",
        "Model as &ONNX…",
    } <= texts


def test_settings_round_trip_through_toml(window, tmp_path: Path) -> None:
    cfg = tiny_config(lr=0.02, epochs=4, batch_size=128)
    window.form.set_config(cfg)
    path = tmp_path / "settings.toml"
    assert window.menus.save_settings_file(path)
    assert "lr = 0.02" in path.read_text()
    window.form.set_config(tiny_config())
    assert window.menus.open_settings_file(path)
    loaded = window.form.config()
    assert (loaded.train.lr, loaded.train.epochs, loaded.train.batch_size) == (0.02, 4, 128)
    assert not window.banner.isVisible()


@pytest.mark.parametrize(
    "text, problem",
    [
        ("[train]\nlr = -1\n", "train.lr"),
        ("[train\nlr = 0.1\n", "not valid TOML"),
        ("[optimizer]\nlr = 0.1\n", "unknown section"),
    ],
)
def test_a_bad_settings_file_is_explained_and_the_form_kept(window, tmp_path: Path, text: str, problem: str) -> None:
    window.form.set_config(tiny_config(lr=0.005))
    before = window.form.config()
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert not window.menus.open_settings_file(path)
    assert window.banner.isVisible()
    assert "bad.toml" in window.banner.message() and problem in window.banner.message()
    assert window.form.config() == before


def test_metrics_export_as_csv_and_json(qtbot, window, run_id: int, tmp_path: Path) -> None:
    path = exported(qtbot, window, lambda: window.menus.export_metrics(tmp_path / "m.csv"))
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["1", "2"] and "test_acc" in rows[0]
    path = exported(qtbot, window, lambda: window.menus.export_metrics(tmp_path / "m.json"))
    doc = json.loads(Path(path).read_text())
    assert [e["epoch"] for e in doc["epochs"]] == [1, 2]
    assert doc["run"]["name"] == "exported" and doc["config"]["train"]["lr"] == 0.001
    assert window.statusBar().currentMessage() == f"Saved {path}"


def test_model_export_as_torchscript_and_onnx(qtbot, window, run_id: int, tmp_path: Path) -> None:
    import onnx
    import torch

    path = exported(qtbot, window, lambda: window.menus.export_model(tmp_path / "model.pt", "torchscript"))
    net = torch.jit.load(path)
    assert net(torch.rand(2, 1, 28, 28)).shape == (2, 10)
    path = exported(qtbot, window, lambda: window.menus.export_model(tmp_path / "model.onnx", "onnx"))
    onnx.checker.check_model(onnx.load(path))


def test_plots_export_as_png_and_svg(qtbot, window, tmp_path: Path) -> None:
    assert window.menus.export_plot("loss", tmp_path / "loss.png")
    assert (tmp_path / "loss.png").read_bytes()[:4] == b"\x89PNG"
    assert window.menus.export_plot("accuracy", tmp_path / "accuracy.svg")
    assert "<svg" in (tmp_path / "accuracy.svg").read_text()


def test_exports_without_a_run_or_checkpoint_say_why(qtbot, window, runs_db: Path, tmp_path: Path) -> None:
    with qtbot.waitSignal(window.menus.export_failed, timeout=5000) as failed:
        window.menus.export_metrics(tmp_path / "m.csv")
    assert "No run to export" in failed.args[0] and window.banner.isVisible()

    store = RunStore(runs_db)
    bare = store.create_run(tiny_config())
    store.finish(bare, "stopped")
    with qtbot.waitSignal(window.menus.export_failed, timeout=RUN_TIMEOUT_MS) as failed:
        window.menus.export_model(tmp_path / "model.pt", "torchscript", run_id=bare)
    assert "no checkpoint" in failed.args[0] and "no checkpoint" in window.banner.message()
    assert not (tmp_path / "model.pt").exists()
