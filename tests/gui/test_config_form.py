"""The form: defaults train, every bad entry is named next to its field and disables Train."""

from __future__ import annotations

import pytest
from gui_helpers import type_into
from PySide6.QtWidgets import QComboBox, QLabel

from resnet_gui.config import RunConfig, with_changes
from resnet_gui.gui.config_form import ConfigForm

BAD_INPUTS = ("", "0", "-3", "abc", "1e99", "2,,x", "99999999999")

# field -> {typed text: words the message next to the field must contain}
EXPECTED = {
    "model.blocks": {"": "e.g. 2,2,2,2", "0": "1 to 64 blocks", "-3": "1 to 64 blocks",
                     "abc": "'abc', not a whole number", "1e99": "'1e99', not a whole number",
                     "2,,x": "stage 2 is empty", "99999999999": "1 to 64 blocks"},
    "model.channels": {"": "whole number", "0": "between 1 and 1024", "-3": "between 1 and 1024",
                       "abc": "'abc' is not a whole number", "1e99": "'1e99' is not a whole number",
                       "2,,x": "not a whole number", "99999999999": "between 1 and 1024"},
    "train.lr": {"": "enter a number", "0": "greater than 0", "-3": "greater than 0",
                 "abc": "'abc' is not a number", "1e99": "at most 10", "2,,x": "not a number",
                 "99999999999": "at most 10"},
    "train.batch_size": {"": "whole number", "0": "between 1 and 65536", "-3": "between 1 and 65536",
                         "abc": "not a whole number", "1e99": "not a whole number",
                         "2,,x": "not a whole number", "99999999999": "between 1 and 65536"},
    "train.epochs": {"": "whole number", "0": "between 1 and 10000", "-3": "between 1 and 10000",
                     "abc": "not a whole number", "1e99": "not a whole number",
                     "2,,x": "not a whole number", "99999999999": "between 1 and 10000"},
    "data.resize": {"": "whole number", "-3": "between 8 and 512", "abc": "not a whole number",
                    "1e99": "not a whole number", "2,,x": "not a whole number",
                    "99999999999": "between 8 and 512"},
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
        for text in BAD_INPUTS + ("1e999", "nan", "-inf", " 7 ", "9" * 5000, "２"):
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
    cfg = RunConfig.from_dict({"model": {"blocks": [3, 4, 6, 3], "channels": 32},
                               "data": {"dataset": "sample", "resize": 0, "root": "/tmp/x"},
                               "train": {"lr": 0.05, "optimizer": "sgd", "precision": "fp32",
                                         "epochs": 3, "batch_size": 128}})
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
