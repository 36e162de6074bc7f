"""Settings validation: every bad value is reported with the field it belongs to."""

import pytest

from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.settings.parsing import parse_blocks, parse_shape
from resnet_gui.settings.validation import validate


def fields_of(cfg: RunConfig) -> set[str]:
    return {p.field for p in validate(cfg)}


def test_default_is_the_seed_recipe_and_valid() -> None:
    cfg = RunConfig()
    assert validate(cfg) == []
    assert cfg.model.blocks == (2, 2, 2, 2) and cfg.model.channels == 64
    assert (cfg.train.lr, cfg.train.batch_size, cfg.train.epochs, cfg.train.optimizer) == (1e-3, 256, 5, "adam")
    assert cfg.data.resize == 96


@pytest.mark.parametrize(
    "section,changes,field",
    [
        ("train", {"lr": 0.0}, "train.lr"),
        ("train", {"lr": -1.0}, "train.lr"),
        ("train", {"lr": float("nan")}, "train.lr"),
        ("train", {"batch_size": 0}, "train.batch_size"),
        ("train", {"batch_size": 10**9}, "train.batch_size"),
        ("train", {"epochs": -3}, "train.epochs"),
        ("train", {"optimizer": "rmsprop"}, "train.optimizer"),
        ("train", {"warmup_epochs": 9.0}, "train.warmup_epochs"),
        ("model", {"blocks": ()}, "model.blocks"),
        ("model", {"blocks": (2, 0)}, "model.blocks"),
        ("model", {"blocks": (1,) * 7}, "model.blocks"),
        ("model", {"channels": 0}, "model.channels"),
        ("model", {"channels": 512, "blocks": (1,) * 6}, "model.channels"),
        ("data", {"resize": 3}, "data.resize"),
        ("data", {"dataset": "imagenet"}, "data.dataset"),
        ("train", {"augment": "rotate"}, "train.augment"),
        ("train", {"test_flips": "yes"}, "train.test_flips"),
    ],
)
def test_bad_values_name_their_field(section: str, changes: dict, field: str) -> None:
    problems = validate(with_changes(RunConfig(), **{section: changes}))
    assert field in {p.field for p in problems}
    assert all(p.message for p in problems)


def test_all_problems_reported_at_once() -> None:
    cfg = with_changes(RunConfig(), train={"lr": -1.0, "epochs": 0}, model={"channels": 0})
    assert {"train.lr", "train.epochs", "model.channels"} <= fields_of(cfg)


@pytest.mark.parametrize(
    "text,expected",
    [("2,2,2,2", (2, 2, 2, 2)), (" 3, 4,6,3 ", (3, 4, 6, 3)), ("1", (1,)), ("2 2", (2, 2)), ("1,2,", (1, 2))],
)
def test_parse_blocks_accepts(text: str, expected: tuple) -> None:
    assert parse_blocks(text) == expected


@pytest.mark.parametrize(
    "text,reason", [("", "enter"), ("2,,x", "stage 2 is empty"), ("2,x", "'x'"), ("1.5", "not a whole number")]
)
def test_parse_blocks_rejects_with_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_blocks(text)


def test_parse_shape() -> None:
    assert parse_shape("1,96,96") == (1, 96, 96)
    for bad in ("1,96", "a,b,c", "0,4,4"):
        with pytest.raises(ValueError):
            parse_shape(bad)


def test_dict_round_trip() -> None:
    cfg = with_changes(RunConfig(), model={"blocks": (3, 4, 6, 3)}, train={"lr": 0.05})
    assert RunConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="bogus"):
        RunConfig.from_dict({"train": {"bogus": 1}})


def test_runs_saved_when_augmentation_was_on_or_off_load_as_the_same_modes() -> None:
    assert RunConfig.from_dict({"train": {"augment": True}}).train.augment == "crop+flip"
    assert RunConfig.from_dict({"train": {"augment": False}}).train.augment == "none"
    assert RunConfig.from_dict({"train": {"augment": "flip"}}).train.augment == "flip"


def test_blocks_in_a_settings_file_may_be_text_and_a_word_is_refused_by_name() -> None:
    assert RunConfig.from_dict({"model": {"blocks": "3,4,6,3"}}).model.blocks == (3, 4, 6, 3)
    (problem,) = validate(RunConfig.from_dict({"model": {"blocks": "oops"}}))
    assert problem.field == "model.blocks" and "got 'oops'" in problem.message and "[2, 2, 2, 2]" in problem.message
    assert "got o" not in problem.message  # once the string was read as a list of letters
