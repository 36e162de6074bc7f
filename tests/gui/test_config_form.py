"""The form: defaults train, every bad entry is named next to its field and disables Train."""

from __future__ import annotations

import pytest
from gui_helpers import type_into
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel

from resnet_gui.gui.form.config_form import ConfigForm
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.settings.presets import PRESETS

BAD_INPUTS = ("", "0", "-3", "abc", "1e99", "2,,x", "99999999999")

# field -> {typed text: words the message next to the field must contain}
EXPECTED = {
    "model.blocks": {
        "": "e.g. 2,2,2,2",
        "0": "1 to 64 blocks",
        "-3": "1 to 64 blocks",
        "abc": "'abc', not a whole number",
        "1e99": "'1e99', not a whole number",
        "2,,x": "stage 2 is empty",
        "99999999999": "1 to 64 blocks",
    },
    "model.channels": {
        "": "whole number",
        "0": "between 1 and 1024",
        "-3": "between 1 and 1024",
        "abc": "'abc' is not a whole number",
        "1e99": "'1e99' is not a whole number",
        "2,,x": "not a whole number",
        "99999999999": "between 1 and 1024",
    },
    "train.lr": {
        "": "enter a number",
        "0": "greater than 0",
        "-3": "greater than 0",
        "abc": "'abc' is not a number",
        "1e99": "at most 10",
        "2,,x": "not a number",
        "99999999999": "at most 10",
    },
    "train.batch_size": {
        "": "whole number",
        "0": "between 1 and 65536",
        "-3": "between 1 and 65536",
        "abc": "not a whole number",
        "1e99": "not a whole number",
        "2,,x": "not a whole number",
        "99999999999": "between 1 and 65536",
    },
    "train.epochs": {
        "": "whole number",
        "0": "between 1 and 10000",
        "-3": "between 1 and 10000",
        "abc": "not a whole number",
        "1e99": "not a whole number",
        "2,,x": "not a whole number",
        "99999999999": "between 1 and 10000",
    },
    "data.resize": {
        "": "whole number",
        "-3": "between 8 and 512",
        "abc": "not a whole number",
        "1e99": "not a whole number",
        "2,,x": "not a whole number",
        "99999999999": "between 8 and 512",
    },
}


def error_label(form: ConfigForm, key: str) -> QLabel:
    label = form.findChild(QLabel, f"error:{key}")
    assert label is not None
    return label


def test_default_form_is_valid_and_train_enabled(window) -> None:
    assert window.form.is_valid()
    # The seed's recipe, on the bundled sample so it trains offline out of the box.
    assert window.form.config() == with_changes(RunConfig(), data={"dataset": "sample"})
    assert window.form.errors() == {}
    assert window.train_button.isEnabled()
    assert not window.stop_button.isEnabled()
    assert window.form.field("model.blocks").text() == "2,2,2,2"


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_bad_input_names_the_reason_next_to_the_field(qtbot, window, key: str) -> None:
    form = window.form
    edit = form.field(key)
    good = edit.text()
    for text, words in EXPECTED[key].items():
        type_into(qtbot, edit, text)
        label = error_label(form, key)
        assert label.isVisible(), f"{key}={text!r}: no message shown"
        assert words in label.text(), f"{key}={text!r}: {label.text()!r}"
        assert "border" in edit.styleSheet()
        assert not form.is_valid() and form.config() is None
        assert not window.train_button.isEnabled(), f"{key}={text!r}: Train still enabled"
    type_into(qtbot, edit, good)
    assert not error_label(form, key).isVisible()
    assert edit.styleSheet() == ""
    assert window.train_button.isEnabled()


def test_every_field_accepts_any_text_without_raising(qtbot) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    seen: list[object] = []
    form.changed.connect(seen.append)
    for key in EXPECTED:
        original = form.field(key).text()
        for text in (*BAD_INPUTS, "1e999", "nan", "-inf", " 7 ", "9" * 5000, "２"):
            form.field(key).setText(text)
            assert form.is_valid() == (form.config() is not None)
        form.field(key).setText(original)
        assert form.is_valid()
    assert seen and all(item is None or isinstance(item, RunConfig) for item in seen)


def test_several_errors_show_at_once_and_resize_zero_is_fine(qtbot) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    form.show()
    form.field("data.resize").setText("0")
    assert form.is_valid() and form.config().data.resize == 0
    form.field("train.lr").setText("abc")
    form.field("train.epochs").setText("0")
    assert set(form.errors()) == {"train.lr", "train.epochs"}
    assert error_label(form, "train.lr").isVisible() and error_label(form, "train.epochs").isVisible()
    assert not error_label(form, "model.blocks").isVisible()


def test_set_config_round_trips_and_choices_reach_the_config(qtbot) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    cfg = RunConfig.from_dict(
        {
            "model": {"blocks": [3, 4, 6, 3], "channels": 32},
            "data": {"dataset": "sample", "resize": 0, "root": "/tmp/x"},
            "train": {"lr": 0.05, "optimizer": "sgd", "precision": "fp32", "epochs": 3, "batch_size": 128},
        }
    )
    form.set_config(cfg)
    assert form.config() == cfg
    assert form.field("model.blocks").text() == "3,4,6,3"
    precision = form.field("train.precision")
    assert isinstance(precision, QComboBox)
    precision.setCurrentIndex(precision.findData("bf16"))
    assert form.config().train.precision == "bf16"


def test_devices_from_the_core_are_offered(qtbot) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    form.set_devices(["auto", "cpu", "cuda"], "cuda, bf16")
    combo = form.field("train.device")
    assert [combo.itemData(i) for i in range(combo.count())] == ["auto", "cpu", "cuda"]
    assert combo.itemText(0) == "auto (cuda, bf16)"
    combo.setCurrentIndex(2)
    assert form.config().train.device == "cuda"
    form.set_devices(["auto", "cpu"])
    assert form.config().train.device == "auto"


# --- presets, sections and the newer fields -------------------------------------------------


def combo_value(form: ConfigForm, key: str) -> object:
    combo = form.field(key)
    assert isinstance(combo, QComboBox)
    return combo.currentData()


def choose(form: ConfigForm, key: str, value: str) -> None:
    combo = form.field(key)
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo.findData(value))


def test_preset_chooser_offers_recipes_and_models_with_descriptions(qtbot) -> None:
    from resnet_gui.settings.presets import MODEL_PRESETS, PRESET_DESCRIPTIONS, PRESETS

    form = ConfigForm()
    qtbot.addWidget(form)
    combo = form.field("preset")
    names = [combo.itemData(i) for i in range(combo.count()) if combo.itemData(i)]
    assert names == ["custom", *PRESETS, *MODEL_PRESETS]
    assert form.preset() == "seed"  # the default form is the chapter's recipe (on the bundled sample)
    seed = combo.findData("seed")
    assert combo.itemData(seed, Qt.ItemDataRole.ToolTipRole) == PRESET_DESCRIPTIONS["seed"]
    assert "3,4,6,3" in combo.itemData(combo.findData("resnet50"), Qt.ItemDataRole.ToolTipRole)


def test_seed_recipe_fills_the_form_and_keeps_the_data_folder(qtbot) -> None:
    from resnet_gui.settings.presets import PRESETS

    form = ConfigForm()
    qtbot.addWidget(form)
    form.field("data.root").setText("/tmp/my-data")
    form.set_preset("fast-cpu")
    form.set_preset("seed")
    assert form.preset() == "seed"
    assert form.field("data.resize").text() == "96"
    assert combo_value(form, "train.optimizer") == "adam"
    assert form.field("train.lr").text() == "0.001"
    assert form.field("train.batch_size").text() == "256"
    assert combo_value(form, "train.precision") == "fp32"
    assert combo_value(form, "data.dataset") == "sample"  # a recipe never switches the data set
    assert form.field("data.root").text() == "/tmp/my-data"
    expected = PRESETS["seed"]
    assert form.config() == with_changes(expected, data={"root": "/tmp/my-data", "dataset": "sample"})


def test_fast_cpu_recipe_sets_the_new_fields(qtbot) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    form.set_preset("fast-cpu")
    assert form.field("model.blocks").text() == "1,1,1"
    assert combo_value(form, "model.stem") == "small"
    assert form.field("model.stem_pool").isChecked() and form.field("model.stem_pool").isEnabled()
    assert combo_value(form, "train.schedule") == "onecycle"
    assert form.field("train.momentum").text() == "0.9" and form.field("train.momentum").isEnabled()
    assert form.field("train.weight_decay").text() == "0.0005"
    assert form.field("train.label_smoothing").text() == "0.1"
    assert combo_value(form, "train.augment") == "flip" and form.field("train.test_flips").isChecked()
    assert form.field("data.resize").text() == "0"
    assert form.config() is not None and form.config().train == PRESETS["fast-cpu"].train


def test_model_preset_sets_only_the_network(qtbot) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    form.field("train.lr").setText("0.05")
    form.field("model.channels").setText("32")
    form.set_preset("resnet50")
    assert form.preset() == "resnet50"
    assert form.field("model.blocks").text() == "3,4,6,3"
    assert combo_value(form, "model.block") == "bottleneck"
    assert form.field("model.channels").text() == "64"
    assert form.field("train.lr").text() == "0.05"
    cfg = form.config()
    assert cfg.model.blocks == (3, 4, 6, 3) and cfg.model.block == "bottleneck" and cfg.train.lr == 0.05


@pytest.mark.parametrize("edit", ["text", "combo", "check"])
def test_editing_after_a_preset_turns_it_custom(qtbot, edit: str) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    form.show()
    form.set_preset("seed")
    assert form.preset() == "seed"
    if edit == "text":
        type_into(qtbot, form.field("train.epochs"), "7")
    elif edit == "combo":
        choose(form, "train.schedule", "cosine")
    else:
        form.field("train.test_flips").setChecked(True)  # (how it runs, e.g. torch.compile, is not the recipe)
    assert form.preset() == "custom"
    assert form.field("preset").currentText() == "custom"


def test_set_config_shows_a_matching_recipe(qtbot) -> None:
    from resnet_gui.settings.presets import PRESETS

    form = ConfigForm()
    qtbot.addWidget(form)
    form.set_config(PRESETS["fast-gpu"])
    assert form.preset() == "fast-gpu"
    form.set_config(with_changes(PRESETS["fast-gpu"], data={"dataset": "sample"}, train={"precision": "bf16"}))
    assert form.preset() == "fast-gpu"  # the data set and how it runs do not make another recipe
    form.set_config(RunConfig())
    assert form.preset() == "seed"
    form.set_config(with_changes(RunConfig(), train={"lr": 0.01}))
    assert form.preset() == "custom"


def test_new_fields_round_trip_through_set_config(qtbot) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    cfg = RunConfig.from_dict(
        {
            "model": {
                "blocks": [1, 1],
                "channels": 16,
                "stem": "small",
                "stem_pool": False,
                "block": "bottleneck",
                "block_style": "torchvision",
            },
            "data": {"dataset": "sample", "resize": 0},
            "train": {
                "optimizer": "sgd",
                "momentum": 0.8,
                "weight_decay": 1e-4,
                "schedule": "cosine",
                "warmup_epochs": 0.5,
                "label_smoothing": 0.05,
                "augment": "flip",
                "seed": None,
                "compile": True,
                "precision": "bf16",
                "test_flips": True,
            },
        }
    )
    form.set_config(cfg)
    assert form.config() == cfg
    assert form.field("train.seed").text() == ""
    assert form.field("train.seed").placeholderText() == "random"
    assert form.field("train.compile").isChecked() and form.field("train.test_flips").isChecked()
    assert combo_value(form, "model.block_style") == "torchvision"


# field -> {typed text: words the message next to the field must contain}
NEW_EXPECTED = {
    "train.momentum": {
        "": "enter a number",
        "abc": "'abc' is not a number",
        "1.5": "at most 0.999",
        "-0.1": "at least 0.0",
    },
    "train.weight_decay": {"x": "'x' is not a number", "2": "at most 1.0", "-1": "at least 0.0"},
    "train.warmup_epochs": {"": "enter a number", "-1": "at least 0.0", "6": "must not exceed the number of epochs"},
    "train.label_smoothing": {"nan": "not a finite number", "1": "at most 0.99", "-0.5": "at least 0.0"},
    "train.seed": {"abc": "'abc' is not a whole number", "-1": "between 0 and 4294967295", "1.5": "not a whole number"},
}


@pytest.mark.parametrize("key", sorted(NEW_EXPECTED))
def test_new_fields_name_the_reason_and_disable_train(qtbot, window, key: str) -> None:
    form = window.form
    choose(form, "train.optimizer", "sgd")
    edit = form.field(key)
    good = edit.text()
    for text, words in NEW_EXPECTED[key].items():
        type_into(qtbot, edit, text)
        label = error_label(form, key)
        assert label.isVisible(), f"{key}={text!r}: no message shown"
        assert words in label.text(), f"{key}={text!r}: {label.text()!r}"
        assert "border" in edit.styleSheet()
        assert not window.train_button.isEnabled()
    type_into(qtbot, edit, good)
    assert not error_label(form, key).isVisible()
    assert window.train_button.isEnabled()


def test_an_error_in_a_folded_section_unfolds_it(qtbot) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    form.show()
    advanced = form.section("Advanced")
    assert not advanced.is_expanded()
    form.field("train.seed").setText("abc")
    assert advanced.is_expanded()
    assert error_label(form, "train.seed").isVisible()


def test_momentum_is_not_for_adam(qtbot) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    momentum = form.field("train.momentum")
    assert combo_value(form, "train.optimizer") == "adam"
    assert not momentum.isEnabled()
    choose(form, "train.optimizer", "sgd")
    assert momentum.isEnabled()
    momentum.setText("5")
    assert "at most 0.999" in form.error_text("train.momentum")
    choose(form, "train.optimizer", "adam")
    assert not momentum.isEnabled()
    assert form.error_text("train.momentum") == "" and form.is_valid()
    assert form.config().train.momentum == 0.9


def test_norm_and_bias_decay_only_with_weight_decay(qtbot) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    box, decay = form.field("train.decay_norms"), form.field("train.weight_decay")
    assert decay.text() == "0" and box.isChecked() and not box.isEnabled()
    decay.setText("5e-4")
    assert box.isEnabled()
    box.setChecked(False)
    assert form.config().train.decay_norms is False
    decay.setText("x")  # while the decay does not parse, the box waits greyed out
    assert not box.isEnabled()
    decay.setText("0.001")
    assert box.isEnabled() and not box.isChecked()


def test_stem_pool_only_for_the_small_stem(qtbot) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    pool, first = form.field("model.stem_pool"), form.field("model.pool_first")
    assert combo_value(form, "model.stem") == "d2l" and not pool.isEnabled() and not first.isEnabled()
    choose(form, "model.stem", "small")
    assert pool.isEnabled() and first.isEnabled() and not first.isChecked()
    first.setChecked(True)
    assert form.config().model.pool_first is True
    pool.setChecked(False)
    assert form.config().model.stem == "small" and form.config().model.stem_pool is False


def test_muon_learning_rate_only_with_muon_and_momentum_with_sgd_or_muon(qtbot) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    muon_lr, momentum = form.field("train.muon_lr"), form.field("train.momentum")
    assert combo_value(form, "train.optimizer") == "adam" and not muon_lr.isEnabled() and not momentum.isEnabled()
    choose(form, "train.optimizer", "muon")
    assert muon_lr.isEnabled() and momentum.isEnabled() and muon_lr.text() == "0.04"
    type_into(qtbot, muon_lr, "0.02")
    assert form.config().train.optimizer == "muon" and form.config().train.muon_lr == 0.02
    choose(form, "train.optimizer", "sgd")
    assert momentum.isEnabled() and not muon_lr.isEnabled()


def test_empty_seed_means_random(qtbot) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    assert form.field("train.seed").text() == "0"
    form.field("train.seed").setText("")
    assert form.is_valid() and form.config().train.seed is None
    form.field("train.seed").setText("42")
    assert form.config().train.seed == 42


def test_auto_precision_says_what_it_resolves_to(qtbot) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    precision = form.field("train.precision")
    assert precision.itemText(precision.findData("auto")) == "auto"
    form.set_devices(["auto", "cpu", "cuda"], "cuda, bf16")
    assert precision.itemText(precision.findData("auto")) == "auto (bf16)"
    form.set_devices(["auto", "cpu"], "cpu, fp32")
    assert precision.itemText(precision.findData("auto")) == "auto (fp32)"
    assert form.config().train.precision == "auto"


def test_auto_precision_label_in_the_window_matches_this_machine(window) -> None:
    from resnet_gui.training.devices import describe_auto

    precision = window.form.field("train.precision")
    resolved = describe_auto().split(", ")[-1]
    assert precision.itemText(precision.findData("auto")) == f"auto ({resolved})"


def test_devices_arriving_do_not_turn_a_preset_custom(qtbot) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    form.set_preset("seed")
    form.set_devices(["auto", "cpu"], "cpu, fp32")
    assert form.preset() == "seed"


def test_form_fits_the_left_pane_without_scrolling_sideways(window) -> None:
    assert window.form.minimumSizeHint().width() <= 340


def test_folder_fields_show_only_for_an_image_folder(qtbot) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    form.show()
    size = form.field("data.image_size")
    assert not size.isVisible()
    form.field("data.image_size").setText("abc")  # hidden: ignored, not blocking Train
    assert form.is_valid()
    choose(form, "data.dataset", "folder")
    assert size.isVisible() and form.field("data.test_fraction").isVisible()
    assert "not a whole number" in form.error_text("data.image_size")
    assert "choose the folder" in form.error_text("data.folder")
    form.field("data.image_size").setText("40")
    choose(form, "data.channels", 3)
    form.field("data.folder").setText("/tmp/pictures")
    form.field("data.resize").setText("0")
    assert form.is_valid()
    assert form.config().data.channels == 3 and form.config().data.image_size == 40
    model, shape = form.summary_input()
    assert shape == (3, 40, 40) and model.in_channels == 3


def test_summary_input_follows_the_data_set(qtbot) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    form.field("data.resize").setText("0")
    assert form.summary_input()[1] == (1, 28, 28)
    choose(form, "data.dataset", "cifar10")
    assert form.summary_input()[1] == (3, 32, 32)


def test_a_preset_says_what_it_changed_and_keeps_the_data_set(qtbot) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    form.show()
    note = form.findChild(QLabel, "preset-note")
    assert not note.isVisible()
    form.set_preset("fast-cpu")
    assert note.isVisible() and "Blocks per stage 2,2,2,2 → 1,1,1" in note.text()
    assert "data set stays" in note.text() and combo_value(form, "data.dataset") == "sample"
    form.set_preset("resnet152")
    assert combo_value(form, "model.stem") == "d2l" and form.field("model.blocks").text() == "3,8,36,3"
    assert "Stem small → d2l" in note.text()
    type_into(qtbot, form.field("train.epochs"), "3")
    assert not note.isVisible()


def test_a_batch_larger_than_the_training_set_is_pointed_out_but_allowed(qtbot) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    form.show()
    form.field("train.batch_size").setText("8000")
    label = error_label(form, "train.batch_size")
    assert label.isVisible() and "more than the 6,000 training images" in label.text()
    assert form.is_valid() and form.errors() == {}
    form.field("train.batch_size").setText("256")
    assert not label.isVisible()


def test_a_standard_set_after_an_image_folder_is_read_from_the_data_location(
    qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    """Issue 15: after an image folder, Fashion-MNIST was looked for inside it, not at RESNET_GUI_DATA."""
    from resnet_gui.data.datasets import resolve_root

    monkeypatch.setenv("RESNET_GUI_DATA", str(tmp_path / "env"))
    form = ConfigForm()
    qtbot.addWidget(form)
    form.show()
    pictures = str(tmp_path / "pictures")
    choose(form, "data.dataset", "folder")
    assert form.field("data.folder").isVisible() and not form.field("data.root").isVisible()
    type_into(qtbot, form.field("data.folder"), pictures)
    assert form.is_valid()
    choose(form, "data.dataset", "fashion-mnist")
    data = form.config().data
    assert resolve_root(data.root) == tmp_path / "env"
    assert form.field("data.root").isVisible() and not form.field("data.folder").isVisible()
    type_into(qtbot, form.field("data.root"), "/srv/datasets")
    choose(form, "data.dataset", "folder")  # each keeps its own value
    data = form.config().data
    assert (data.folder, data.root) == (pictures, "/srv/datasets")


def test_progressive_resizing_says_its_plan_under_the_field_and_refuses_a_size_too_large(qtbot) -> None:
    form = ConfigForm()
    qtbot.addWidget(form)
    form.show()
    form.set_config(with_changes(RunConfig(), data={"dataset": "sample", "resize": 0}, train={"epochs": 6}))
    form.field("train.start_size").setText("16")
    assert "2 or more" in form.error_text("train.full_size_epoch") and not form.is_valid()
    form.field("train.full_size_epoch").setText("4")
    plan = error_label(form, "train.full_size_epoch")
    assert form.is_valid() and plan.isVisible()
    assert plan.text() == "epochs 1 at 16 px, 2 at 20 px, 3 at 24 px, 4-6 at 28 px"
    cfg = form.config()
    assert cfg is not None and (cfg.train.start_size, cfg.train.full_size_epoch) == (16, 4)
    form.field("train.start_size").setText("28")
    assert "smaller than the images' 28 px" in form.error_text("train.start_size") and not form.is_valid()
    form.field("train.start_size").setText("0")
    assert form.is_valid() and not plan.isVisible()
    assert not form.field("train.full_size_epoch").isEnabled()  # greyed out without a start size, as momentum with Adam
    form.field("train.start_size").setText("20")
    assert form.field("train.full_size_epoch").isEnabled()
