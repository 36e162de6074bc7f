"""``resnet-gui lr-find``: the suggestion with its rule and the curve, as text or JSON; bad ranges refused."""

import contextlib
import io
import json

from resnet_gui.cli.main import main

TINY = ["--data", "sample", "--blocks", "1,1", "--channels", "8", "--resize", "0", "--seed", "0"]
TINY += ["--batch-size", "128", "--precision", "fp32"]


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_json_has_the_suggestion_its_rule_and_the_curve() -> None:
    code, out, err = run("lr-find", *TINY, "--steps", "20", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert {"suggested_lr", "rule", "suggestions", "lrs", "losses"} <= set(doc)
    assert doc["rule"] == "valley" and doc["suggested_lr"] == doc["suggestions"]["valley"]
    assert set(doc["suggestions"]) == {"valley", "steepest"}
    assert len(doc["lrs"]) == len(doc["losses"]) > 10
    assert doc["lrs"][0] == 1e-7 and doc["batch_size"] == 128


def test_text_names_the_rule_the_other_rule_and_draws_the_curve() -> None:
    code, out, _ = run("lr-find", *TINY, "--steps", "12", "--start-lr", "1e-5", "--end-lr", "1")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("lr-find: ") and "batches of 128 on cpu (fp32)" in lines[0]
    assert lines[1].startswith("suggested_lr: ") and "(valley: " in lines[1]
    assert lines[2].startswith("other rule: ") and "(steepest: " in lines[2]
    curve = lines[lines.index("") + 1 :]
    assert curve[0].split() == ["lr", "loss", "smoothed"]
    assert curve[1].split()[0] == "1.00e-05" and "█" in curve[1]
    assert any(line.endswith("← valley") or "valley" in line.split("←")[-1] for line in curve[1:])


def test_a_range_that_makes_no_curve_is_refused() -> None:
    code, out, err = run("lr-find", *TINY, "--start-lr", "1", "--end-lr", "0.1")
    assert code == 1 and out == ""
    assert "The end rate 0.1 must be larger than the start rate 1" in err


def test_resume_starts_from_the_runs_trained_weights(tmp_path) -> None:
    db = str(tmp_path / "runs.sqlite")
    code, out, err = run("train", *TINY, "--epochs", "2", "--lr", "0.01", "--runs-db", db, "--json")
    assert code == 0, err
    code, out, err = run("lr-find", "--resume", "1", "--runs-db", db, "--steps", "8", "--end-lr", "1e-3", "--json")
    assert code == 0, err
    trained = json.loads(out)["losses"][0]
    code, out, err = run("lr-find", *TINY, "--steps", "8", "--end-lr", "1e-3", "--json")
    fresh = json.loads(out)["losses"][0]
    assert trained < 0.7 * fresh  # two epochs of training show in the first batch's loss
