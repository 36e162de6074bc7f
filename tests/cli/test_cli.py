"""The headless command line: summary and train, with clear one-line errors."""

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from resnet_gui.cli.main import main
from resnet_gui.cli.options import build_parser

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stderr(err):  # argparse writes its errors to sys.stderr
            code = main(list(args), out=out, err=err)
    except SystemExit as e:  # argparse exits on bad arguments
        code = int(e.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_summary_prints_the_seed_shape_walk() -> None:
    code, out, _ = run("summary", "--input", "1,224,224")
    assert code == 0
    assert "(1, 64, 112, 112)" in out and "(1, 512, 7, 7)" in out and "(1, 10)" in out
    assert "total parameters: 11,178,378" in out


def test_summary_json() -> None:
    code, out, _ = run(
        "summary", "--blocks", "3,4,6,3", "--channels", "64", "--input", "3,224,224", "--classes", "1000", "--json"
    )
    doc = json.loads(out)
    assert code == 0 and doc["total_params"] == sum(layer["params"] for layer in doc["layers"])
    assert [layer["output_shape"] for layer in doc["layers"]][-1] == [1, 1000]
    assert len(next(layer for layer in doc["layers"] if layer["name"] == "resnet_block3")["blocks"]) == 6
    assert doc["total_macs"] > 3e9


@pytest.mark.parametrize(
    "args,reason",
    [
        (("summary", "--blocks", "2,,x"), "stage 2 is empty"),
        (("summary", "--channels", "0"), "--channels"),
        (("summary", "--input", "1,96"), "C,H,W"),
        (("train", "--lr", "-1"), "train.lr"),
        (("train", "--epochs", "abc"), "invalid int value"),
        (("train", "--optimizer", "lbfgs"), "invalid choice"),
        (("train", "--augment", "rotate"), "invalid choice"),
        (("train", "--batch-size", "0", "--data", "sample"), "train.batch_size"),
        (("train", "--data", "sample", "--resize", "0", "--start-size", "32", "--full-size-epoch", "3"), "28 px"),
    ],
)
def test_bad_arguments_exit_non_zero_with_one_line(args: tuple, reason: str) -> None:
    code, _, err = run(*args)
    assert code != 0
    assert reason in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args,mode",
    [
        ((), "none"),
        (("--augment",), "crop+flip"),
        (("--augment", "flip"), "flip"),
        (("--preset", "fast-gpu", "--no-augment"), "none"),
    ],
)
def test_augmentation_modes_from_the_command_line(args: tuple, mode: str) -> None:
    from resnet_gui.cli.options import build_parser, config_from_args

    assert config_from_args(build_parser().parse_args(["train", *args])).train.augment == mode


@pytest.mark.parametrize(
    "args,flips", [((), False), (("--test-flips",), True), (("--preset", "fast-cpu", "--no-test-flips"), False)]
)
def test_test_time_flips_from_the_command_line(args: tuple, flips: bool) -> None:
    from resnet_gui.cli.options import build_parser, config_from_args

    assert config_from_args(build_parser().parse_args(["train", *args])).train.test_flips is flips


def test_offline_without_data_suggests_the_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESNET_GUI_OFFLINE", "1")
    code, _, err = run("train", "--data-root", str(tmp_path))
    assert code == 1 and "--data sample" in err and "Traceback" not in err


def test_train_json_lines_on_the_sample() -> None:
    code, out, _ = run(
        "train",
        "--data",
        "sample",
        "--resize",
        "0",
        "--blocks",
        "1",
        "--channels",
        "8",
        "--epochs",
        "2",
        "--batch-size",
        "500",
        "--json",
    )
    lines = [json.loads(line) for line in out.strip().splitlines()]
    assert code == 0 and [d["epoch"] for d in lines] == [1, 2]
    seed_line = {"epoch", "loss", "train_acc", "test_acc", "seconds", "images_per_s"}
    assert seed_line | {"lr", "test_loss", "cpu_percent", "ram_bytes"} <= set(lines[0])
    assert 0 < lines[1]["test_acc"] <= 1 and 0 < lines[1]["test_loss"] < 5


def test_train_with_muon_reports_the_learning_rate_and_checks_the_muon_rate() -> None:
    args = ("--data", "sample", "--resize", "0", "--blocks", "1", "--channels", "8", "--batch-size", "500")
    code, out, err = run("train", *args, "--epochs", "2", "--optimizer", "muon", "--muon-lr", "0.03", "--json")
    assert code == 0, err
    epochs = [json.loads(line) for line in out.strip().splitlines()]
    assert [d["epoch"] for d in epochs] == [1, 2] and epochs[0]["lr"] == 1e-3  # the SGD groups' rate, not Muon's
    assert 0 < epochs[1]["test_acc"] <= 1
    code, _, err = run("train", *args, "--optimizer", "muon", "--muon-lr", "3")
    assert code == 1 and "train.muon_lr: must be greater than 0.0 and at most 1.0, got 3.0" in err


def test_train_says_which_epochs_train_at_which_size_when_resizing_progressively() -> None:
    args = ("--data", "sample", "--resize", "0", "--blocks", "1", "--channels", "8", "--batch-size", "1000")
    code, out, err = run("train", *args, "--epochs", "3", "--start-size", "16", "--full-size-epoch", "3")
    assert code == 0, err
    lines = out.splitlines()
    said = lines.index("progressive resizing: epochs 1 at 16 px, 2 at 20 px, 3 at 28 px")
    assert said < min(i for i, line in enumerate(lines) if line.startswith("epoch"))
    assert [line.split(",")[0] for line in lines if line.startswith("epoch")] == ["epoch 1", "epoch 2", "epoch 3"]


def test_python_dash_m_prints_the_seed_epoch_line() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "resnet_gui",
            "train",
            "--data",
            "sample",
            "--resize",
            "0",
            "--blocks",
            "1",
            "--channels",
            "8",
            "--epochs",
            "1",
            "--batch-size",
            "1000",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("training on cpu")
    assert "epoch 1, loss " in proc.stdout and ", test acc " in proc.stdout and " sec" in proc.stdout


def test_runs_show_compare_export_and_config(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.sqlite")
    base = (
        "train",
        "--data",
        "sample",
        "--resize",
        "0",
        "--blocks",
        "1",
        "--channels",
        "8",
        "--epochs",
        "1",
        "--batch-size",
        "1000",
        "--runs-db",
        db,
    )
    assert run(*base, "--name", "a")[0] == 0
    assert run(*base, "--name", "b", "--lr", "0.01")[0] == 0
    code, out, _ = run("runs", "compare", "1", "2", "--runs-db", db, "--json")
    assert code == 0 and json.loads(out)["differences"] == {"train.lr": [0.001, 0.01]}
    code, out, _ = run("runs", "show", "2", "--runs-db", db, "--json")
    assert json.loads(out)["name"] == "b" and len(json.loads(out)["epochs"]) == 1
    toml = tmp_path / "b.toml"
    assert run("runs", "export", "2", "--out", str(toml), "--runs-db", db)[0] == 0
    assert run("train", "--config", str(toml), "--runs-db", db, "--name", "c")[0] == 0
    code, out, _ = run("runs", "compare", "2", "3", "--runs-db", db, "--json")
    assert json.loads(out)["differences"] == {}
    code, _, err = run("runs", "show", "99", "--runs-db", db)
    assert code == 1 and "no run with id 99" in err
    code, out, _ = run(
        "export",
        json.loads(run("runs", "--runs-db", db, "--json")[1])[0]["checkpoint"],
        "--out",
        str(tmp_path / "m.ts"),
    )
    assert code == 0 and (tmp_path / "m.ts").is_file()


def test_tensorboard_logging(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    code, _, err = run(
        "train",
        "--data",
        "sample",
        "--resize",
        "0",
        "--blocks",
        "1",
        "--channels",
        "8",
        "--epochs",
        "2",
        "--batch-size",
        "1000",
        "--runs-db",
        str(tmp_path / "r.sqlite"),
        "--tensorboard",
        str(tmp_path / "tb"),
    )
    assert code == 0, err
    acc = EventAccumulator(str(next((tmp_path / "tb").iterdir())))
    acc.Reload()
    assert [s.step for s in acc.Scalars("epoch/test_acc")] == [1, 2]
    steps = [s.step for s in acc.Scalars("loss/batch")]
    assert steps == sorted(steps) and steps[-1] == 12  # throttled to about two a second, always the last


def test_summary_presets_and_block_styles() -> None:
    code, out, _ = run(
        "summary",
        "--preset",
        "resnet50",
        "--block-style",
        "torchvision",
        "--input",
        "3,224,224",
        "--classes",
        "1000",
        "--json",
    )
    doc = json.loads(out)
    assert code == 0 and doc["total_params"] == 25_557_032
    assert doc["layers"][-1]["output_shape"] == [1, 1000]
    assert json.loads(run("summary", "--preset", "resnet18", "--json")[1])["total_params"] == 11_178_378


def test_eval_reports_the_trained_accuracy_and_confusion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = str(tmp_path / "runs.sqlite")
    code, out, _ = run(
        "train",
        "--data",
        "sample",
        "--resize",
        "0",
        "--blocks",
        "1",
        "--channels",
        "8",
        "--epochs",
        "1",
        "--batch-size",
        "1000",
        "--runs-db",
        db,
        "--json",
    )
    trained = json.loads(out.splitlines()[0])["test_acc"]
    ckpt = json.loads(run("runs", "--runs-db", db, "--json")[1])[0]["checkpoint"]
    code, out, _ = run("eval", ckpt, "--json")
    doc = json.loads(out)
    assert code == 0 and doc["test_acc"] == pytest.approx(trained, abs=0.01)
    assert sum(map(sum, doc["confusion"])) == 1000 and len(doc["per_class_acc"]) == 10
    code, out, _ = run("eval", ckpt)
    assert "test accuracy:" in out and "Ankle boot" in out
    # Scored with other views than its run's (one): each image, its mirror image, both moved a pixel four ways.
    from resnet_gui.inference import predictions

    scored: list[tuple[bool, bool]] = []
    real = predictions.test_set_predictions

    def spy(*args, **kwargs):
        scored.append((kwargs["flips"], kwargs["shifts"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(predictions, "test_set_predictions", spy)
    views = []
    for options in ((), ("--test-flips", "--test-shifts"), ("--no-test-flips", "--test-shifts"), ("--test-flips",)):
        code, out, _ = run("eval", ckpt, *options, "--json")
        assert code == 0 and 0 <= json.loads(out)["test_acc"] <= 1
        views.append(json.loads(out)["views"])
    assert scored == [(False, False), (True, True), (False, True), (True, False)]
    assert views == [1, 10, 5, 2]
    code, out, _ = run("eval", ckpt, "--test-flips", "--test-shifts")
    assert code == 0 and "on 1,000 images, 10 views of each averaged" in out.splitlines()[0]
    code, _, err = run("eval", str(tmp_path / "missing.pt"))
    assert code == 1 and "No checkpoint" in err


def test_folder_data_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    monkeypatch.setenv("RESNET_GUI_CACHE", str(tmp_path / "cache"))
    for k, name in enumerate(("dark", "bright")):
        (tmp_path / "imgs" / name).mkdir(parents=True)
        for i in range(10):
            Image.new("RGB", (30 + i, 20), (k * 255, k * 200, 0)).save(tmp_path / "imgs" / name / f"{i}.png")
    (tmp_path / "imgs" / "dark" / "bad.jpg").write_bytes(b"nope")
    code, out, _ = run("data", "--data", "folder", "--folder", str(tmp_path / "imgs"), "--json")
    doc = json.loads(out)
    assert code == 0 and doc["classes"] == ["bright", "dark"] and sum(doc["test_counts"]) == 4
    assert len(doc["skipped"]) == 1
    code, out, err = run(
        "train",
        "--data",
        "folder",
        "--folder",
        str(tmp_path / "imgs"),
        "--image-size",
        "16",
        "--channels-in",
        "3",
        "--resize",
        "0",
        "--blocks",
        "1",
        "--channels",
        "8",
        "--epochs",
        "1",
        "--batch-size",
        "8",
        "--runs-db",
        str(tmp_path / "r.sqlite"),
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["epoch"] == 1
    code, _, err = run("train", "--data", "folder", "--runs-db", str(tmp_path / "r.sqlite"))
    assert code == 1 and "data.folder" in err


def test_live_progress_bar_on_a_terminal() -> None:
    from resnet_gui.cli.progress import RunPrinter
    from resnet_gui.training.events import BatchEnd, DataProgress, EpochEnd

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out, err = io.StringIO(), Terminal()
    printer = RunPrinter(False, out, err)
    printer(DataProgress("decoding images", 50, 200))
    printer(BatchEnd(2, 12, 24, 0.5, 1234.0, 3.0, 20.0))
    text = err.getvalue()
    assert "decoding images" in text and "50/200" in text
    assert "epoch 2" in text and "12/24" in text and "1,234 img/s" in text and "ETA 20 s" in text
    printer(EpochEnd(2, 0.5, 0.8, 0.79, 3.0, 1234.0, 0.001))
    assert out.getvalue().startswith("epoch 2, loss 0.5000") and "\x1b" not in out.getvalue()


def test_no_progress_bar_when_stderr_is_not_a_terminal() -> None:
    from resnet_gui.cli.progress import RunPrinter
    from resnet_gui.training.events import BatchEnd

    err = io.StringIO()
    RunPrinter(False, io.StringIO(), err)(BatchEnd(1, 1, 2, 0.5, 10.0, 1.0, 1.0))
    assert err.getvalue() == ""


def test_runs_piped_to_a_closed_reader_exits_quietly(tmp_path: Path) -> None:
    from resnet_gui.runs.store import RunStore
    from resnet_gui.settings.config import RunConfig

    env = {**os.environ, "PYTHONPATH": str(ROOT), "RESNET_GUI_RUNS": str(tmp_path / "r.sqlite")}
    store = RunStore(tmp_path / "r.sqlite")
    for i in range(1500):  # far more output than a pipe holds, so the write meets the closed pipe
        store.finish(store.create_run(RunConfig(), f"run number {i}"), "stopped")
    for args, first in (("runs", "id"), ("runs --json", "[")):
        proc = subprocess.run(
            f"{sys.executable} -m resnet_gui {args} | head -1",
            shell=True,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert proc.stdout.strip().startswith(first) and "Traceback" not in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    ("options", "shape"),
    [
        ((), "(1, 1, 96, 96)"),  # the default settings: the seed's 96 px, as the window's Layers tab
        (("--preset", "resnet50"), "(1, 1, 96, 96)"),
        (("--data", "cifar10", "--resize", "0"), "(1, 3, 32, 32)"),
        (("--data", "folder", "--image-size", "64", "--channels-in", "3", "--resize", "0"), "(1, 3, 64, 64)"),
        (("--data", "cifar10", "--input", "3,224,224"), "(1, 3, 224, 224)"),
    ],
)
def test_summary_walks_the_data_settings_input_like_the_window(options: tuple[str, ...], shape: str) -> None:
    from resnet_gui.settings.config import DataConfig
    from resnet_gui.settings.image_sizes import input_shape

    code, out, _ = run("summary", *options)
    assert code == 0 and out.splitlines()[0] == f"input shape: {shape}"
    assert input_shape(DataConfig(dataset="sample", resize=96)) == (1, 96, 96)


def _parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += _parsers(sub)
    return found


def test_every_command_prints_its_help() -> None:
    parsers = _parsers(build_parser())
    assert len(parsers) > 10
    for parser in parsers:
        text = parser.format_help()  # a % in a setting's help used to crash `train --help`
        assert parser.prog in text
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):  # argparse prints help to sys.stdout
        code, _, _ = run("train", "--help")
    text = " ".join(stdout.getvalue().split())
    assert code == 0 and "--augment" in text and "33 % of the image" in text
