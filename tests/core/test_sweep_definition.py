"""A sweep's definition: read from TOML, typed by the settings' descriptions, refused naming the key and file."""

from dataclasses import replace
from pathlib import Path

import optuna
import pytest

from resnet_gui.errors import ConfigError
from resnet_gui.experiments.definition import load_sweep, parse_sweep
from resnet_gui.experiments.processes import gpu_ids, worker_envs
from resnet_gui.experiments.study import StudyError, create_sweep, join_sweep, study_names
from resnet_gui.experiments.trial import suggest
from resnet_gui.settings.presets import get_preset

HEADER = (
    'base = {data = {dataset = "sample", resize = 0}, model = {blocks = [1], channels = 4}, train = {epochs = 1}}\n'
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sweep.toml"
    path.write_text(HEADER + text, encoding="utf-8")
    return path


def test_a_grid_of_values_reads_every_kind_of_setting(tmp_path: Path) -> None:
    sweep = load_sweep(
        write(
            tmp_path,
            """
[space.train.lr]
values = [0.01, 1]
[space."model.blocks"]
values = [[1], "1,1"]
[space."train.optimizer"]
values = ["adam", "sgd"]
""",
        )
    )
    assert sweep.strategy == "grid" and sweep.budget == 8
    assert sweep.base.model.channels == 4 and sweep.base.data.dataset == "sample"
    grid = sweep.grid()
    assert grid[0] == {"train.lr": 0.01, "model.blocks": "1", "train.optimizer": "adam"}
    assert grid[-1] == {"train.lr": 1.0, "model.blocks": "1,1", "train.optimizer": "sgd"}
    cfg = sweep.config_for(grid[-1])
    assert cfg.model.blocks == (1, 1) and cfg.train.lr == 1.0 and cfg.train.optimizer == "sgd"
    # The definition kept with a study reads back to the same sweep.
    assert parse_sweep(sweep.to_dict(), "the study") == sweep


def test_a_range_is_drawn_as_the_settings_type(tmp_path: Path) -> None:
    sweep = load_sweep(
        write(
            tmp_path,
            """
strategy = "random"
trials = 3
seed = 1
[space."train.lr"]
low = 1e-4
high = 0.1
log = true
[space."model.channels"]
low = 4
high = 16
""",
        )
    )
    trial = optuna.create_study(direction="maximize").ask()
    drawn = suggest(trial, sweep.params)
    assert isinstance(drawn["model.channels"], int) and 4 <= drawn["model.channels"] <= 16
    assert isinstance(drawn["train.lr"], float) and 1e-4 <= drawn["train.lr"] <= 0.1


def test_a_preset_or_a_settings_file_is_a_base(tmp_path: Path) -> None:
    (tmp_path / "run.toml").write_text('[train]\nlr = 0.5\nseed = "random"\n', encoding="utf-8")
    space = '\n[space."train.epochs"]\nvalues = [1, 2]\n'
    path = tmp_path / "a.toml"
    path.write_text('base = "fast-cpu"' + space, encoding="utf-8")
    assert load_sweep(path).base == get_preset("fast-cpu")
    path.write_text('base = "run.toml"' + space, encoding="utf-8")
    assert load_sweep(path).base.train.lr == 0.5 and load_sweep(path).base.train.seed is None
    path.write_text('[base]\npreset = "fast-cpu"\n[base.train]\nepochs = 3\n' + space, encoding="utf-8")
    base = load_sweep(path).base
    assert base.train.epochs == 3 and base.model == get_preset("fast-cpu").model


@pytest.mark.parametrize(
    "text,expected",
    [
        ('[space."train.lrr"]\nvalues = [0.1]', "space.train.lrr: not a setting"),
        ('[space."train.lr"]\nvalues = [0.1, -1]', "space.train.lr.values: must be greater than 0.0"),
        ('[space."train.lr"]\nlow = 0.1\nhigh = 0.01\nlog = true', "space.train.lr: low (0.1) must be below high"),
        ('[space."model.channels"]\nlow = 4.5\nhigh = 8', "space.model.channels.low: must be a whole number"),
        ('[space."train.optimizer"]\nlow = 1\nhigh = 2', "space.train.optimizer: a choice setting needs values"),
        ('strategy = "grid"\n[space."train.lr"]\nlow = 0.01\nhigh = 0.1', "space.train.lr: a grid needs values"),
        ('strategy = "tpe"\n[space."train.lr"]\nlow = 0.01\nhigh = 0.1', "trials: a tpe search needs"),
        ('strategy = "bayes"\n[space."train.lr"]\nvalues = [0.1]', "strategy: must be one of grid, random, tpe"),
        ('pruner = "hyperband"\n[space."train.lr"]\nvalues = [0.1]', "pruner: must be one of none, median"),
        ('trials = 0\n[space."train.lr"]\nvalues = [0.1]', "trials: must be a whole number above 0"),
        ('[space."model.num_classes"]\nvalues = [3]', "comes from the data set"),
        ('[space."train.lr"]\nvalue = [0.1]', "space.train.lr: unknown key(s) value"),
        ("", "space: name at least one setting to vary"),
    ],
)
def test_problems_name_the_key_and_the_file(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_sweep(path)
    assert str(err.value).startswith(f"{path}: ") and expected in str(err.value)


def test_a_bad_base_is_named(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('[base.train]\nlr = -1\n[space."train.epochs"]\nvalues = [1]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"base\.train\.lr: must be greater than 0"):
        load_sweep(path)


def test_a_study_keeps_its_sweep_for_joiners(tmp_path: Path) -> None:
    sweep = load_sweep(write(tmp_path, '[space."train.lr"]\nvalues = [0.01, 0.1]\n'))
    storage = f"sqlite:///{tmp_path / 'exp.sqlite'}"
    made = create_sweep(sweep, "lr", storage)
    waiting = made.study.get_trials(states=(optuna.trial.TrialState.WAITING,))
    assert [t.system_attrs["fixed_params"] for t in waiting] == sweep.grid()
    joined = join_sweep("lr", storage)
    assert joined.sweep == replace(sweep, name="lr") and joined.name == "lr" and study_names(storage) == ["lr"]
    create_sweep(sweep, "lr", storage)  # the same sweep again continues it: nothing queued twice
    assert len(joined.study.get_trials()) == 2
    other = load_sweep(write(tmp_path, '[space."train.lr"]\nvalues = [0.5]\n'))
    with pytest.raises(StudyError, match="already holds another sweep"):
        create_sweep(other, "lr", storage)
    with pytest.raises(StudyError, match=r"no study 'nope'.*it holds lr"):
        join_sweep("nope", storage)


def test_one_worker_per_gpu_sees_only_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    assert gpu_ids("0, 2") == ["0", "2"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3,5")
    assert gpu_ids("all") == ["3", "5"]
    assert [e["CUDA_VISIBLE_DEVICES"] for e in worker_envs(1, ["3", "5"])] == ["3", "5"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    with pytest.raises(Exception, match="no CUDA GPU is visible"):
        gpu_ids("all")
    with pytest.raises(Exception, match="--gpus: give all"):
        gpu_ids("first")
