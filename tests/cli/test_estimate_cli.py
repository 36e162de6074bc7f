"""``train --dry-run`` says what a run will cost; the next ``train`` records that estimate, ``runs show`` compares."""

import contextlib
import io
import json
import re

import pytest

from resnet_gui.cli.main import main
from resnet_gui.training import estimate, timings

TINY = ["--data", "sample", "--blocks", "1", "--channels", "4", "--resize", "0", "--epochs", "2"]
TINY += ["--batch-size", "500", "--precision", "fp32"]


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESNET_GUI_ESTIMATES", str(tmp_path / "estimates.json"))
    monkeypatch.setattr(estimate, "MIN_TIMED_S", 0.0)
    timings.forget_cached()
    yield
    timings.forget_cached()


def test_dry_run_prints_the_cost_and_train_records_it(tmp_path) -> None:
    db = str(tmp_path / "runs.sqlite")
    code, out, _ = run("train", "--dry-run", *TINY, "--runs-db", db)
    assert code == 0
    line, details = out.splitlines()
    assert "parameters · needs ~" in line and "· about " in line
    # Ends with the device, unless this machine was busy while it was timed (then it says so).
    assert line.endswith("on cpu (fp32)") or re.search(
        r"on cpu \(fp32\), timed while other programs kept the CPU \d+ % busy$", line
    )
    assert "2 epochs × (12.0 training batches" in details and "timed on" in details
    code, out, _ = run("train", "--dry-run", *TINY, "--json")
    doc = json.loads(out)
    assert code == 0 and doc["params"] > 0 and doc["estimate"]["cached"]  # the second comes from the cache
    seconds = doc["estimate"]["seconds"]

    assert run("train", *TINY, "--runs-db", db)[0] == 0
    code, out, _ = run("runs", "show", "1", "--runs-db", db, "--json")
    shown = json.loads(out)
    assert shown["estimated_s"] == pytest.approx(seconds) and shown["duration_s"] > 0
    assert all(e["cpu_percent"] > 0 and e["ram_bytes"] > 0 for e in shown["epochs"])
    code, out, _ = run("runs", "show", "1", "--runs-db", db)
    assert "  took " in out and "(estimated " in out
    assert all("· CPU " in line and " · RAM " in line for line in out.splitlines() if line.startswith("  epoch"))


def test_a_run_without_an_estimate_records_none(tmp_path) -> None:
    db = str(tmp_path / "runs.sqlite")
    assert run("train", *TINY, "--runs-db", db)[0] == 0
    out = run("runs", "show", "1", "--runs-db", db, "--json")[1]
    assert json.loads(out)["estimated_s"] is None
    assert "(estimated" not in run("runs", "show", "1", "--runs-db", db)[1]


def test_dry_run_refuses_resume_and_a_run_that_cannot_fit() -> None:
    code, _, err = run("train", "--dry-run", "--resume", "3")
    assert code == 1 and "leave out --resume" in err
    code, _, err = run("train", "--dry-run", "--preset", "resnet152", "--resize", "512", "--batch-size", "4096")
    assert code == 1 and "Out of memory" in err
