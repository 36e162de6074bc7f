"""Settings are described once: validation, TOML files and the command line all read the same description."""

from __future__ import annotations

from pathlib import Path

import pytest

from resnet_gui.cli.options import TRAIN_KEYS, build_parser
from resnet_gui.errors import ConfigError
from resnet_gui.settings.config import SPECS, RunConfig, get_field
from resnet_gui.settings.fields import format_value
from resnet_gui.settings.toml_io import load_toml, to_toml
from resnet_gui.settings.validation import validate


def test_every_field_is_described_with_its_default() -> None:
    cfg = RunConfig()
    for key, spec in SPECS.items():
        assert spec.label and spec.help and spec.kind, key
        assert spec.default == get_field(cfg, key), key
        if spec.kind == "choice":
            assert get_field(cfg, key) in spec.choices, key


def test_the_command_line_help_says_each_setting_s_help_and_default() -> None:
    train = next(a for a in build_parser()._actions if getattr(a, "choices", None) and "train" in a.choices)
    options = {a.option_strings[0]: a for a in train.choices["train"]._actions if a.option_strings}
    for key in TRAIN_KEYS:
        spec = SPECS[key]
        action = options[spec.cli_option]
        assert action.dest == key
        assert spec.cli_option in action.option_strings, key
        assert spec.help.replace("%", "%%") in action.help, key  # escaped for argparse
        default = format_value(spec.default)
        if default:
            assert f"(default: {default})" in action.help, key


@pytest.mark.parametrize(
    "toml, field, words",
    [
        ("train = 5", "", "the train section must be a table"),
        ("[data]\nchannels = true", "data.channels", "must be 1 (grayscale) or 3 (colour), got True"),
        ("[data]\nroot = 5", "data.root", "must be text"),
        ('[model]\nstem_pool = "no"', "model.stem_pool", "must be true or false"),
        ('[train]\ncompile = "yes"', "train.compile", "must be true or false"),
        ('[model]\nblocks = "oops"', "model.blocks", "must be the blocks of each stage"),
        ("[model]\nblocks = [2, 2.5]", "model.blocks", "stage 2 must have 1 to 64 blocks, got 2.5"),
        ("[train]\nepochs = 2.0", "train.epochs", "must be a whole number"),
    ],
)
def test_toml_types_are_checked_strictly_naming_the_field(tmp_path: Path, toml: str, field: str, words: str) -> None:
    path = tmp_path / "run.toml"
    path.write_text(toml + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_toml(path)
    message = str(err.value)
    assert words in message and field in message and "run.toml" in message


def test_a_whole_number_is_a_fine_float_and_the_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text("[train]\nlr = 1\nweight_decay = 0\n", encoding="utf-8")
    cfg = load_toml(path)
    assert cfg.train.lr == 1.0 and isinstance(cfg.train.lr, float) and validate(cfg) == []
    path.write_text(to_toml(cfg), encoding="utf-8")
    assert load_toml(path) == cfg
