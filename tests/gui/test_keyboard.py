"""The keyboard: Run and Go menus with shortcuts in step with the buttons, Help listing the shortcuts
and the versions, and the question before quitting mid-run."""

from __future__ import annotations

import pytest
import torch
from gui_helpers import RUN_TIMEOUT_MS, long_config, tiny_config
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from resnet_gui.gui import questions
from resnet_gui.gui.help_menu import plain, shortcut_rows
from resnet_gui.gui.main_window import MainWindow
from resnet_gui.gui.menus import FALLBACK_KEYS

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]


def press(qtbot, window: MainWindow, keys: str) -> None:
    """Type a shortcut into the window as a user would (the focus in the form)."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    window.form.field("train.lr").setFocus()
    sequence = QKeySequence(keys)[0]
    qtbot.keyClick(QApplication.focusWidget(), sequence.key(), sequence.keyboardModifiers())


def wait_for_first_batch(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: len(window.plots.batch_loss.x) > 0, timeout=RUN_TIMEOUT_MS)


def test_the_run_shortcuts_train_pause_resume_and_stop(qtbot, window) -> None:
    run = window.run_menu.actions
    assert [a.shortcut().toString() for a in run.values()] == ["Ctrl+Return", "Ctrl+Shift+P", "Ctrl+."]
    window.form.set_config(long_config())
    assert run["train"].isEnabled() and not run["pause"].isEnabled() and not run["stop"].isEnabled()
    press(qtbot, window, "Ctrl+Return")
    assert window.training and not run["train"].isEnabled() and window.tabs.currentIndex() == 0
    wait_for_first_batch(qtbot, window)
    assert run["pause"].isEnabled() and run["stop"].isEnabled()
    with qtbot.waitSignal(window.session.paused_at, timeout=RUN_TIMEOUT_MS):
        press(qtbot, window, "Ctrl+Shift+P")
    assert window.session.paused and run["pause"].text() == "&Resume"
    press(qtbot, window, "Ctrl+Shift+P")
    assert not window.session.paused and run["pause"].text() == "&Pause"
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        press(qtbot, window, "Ctrl+.")
    assert finished.args == ["stopped"]
    assert run["train"].isEnabled() and not run["pause"].isEnabled() and not run["stop"].isEnabled()


def test_train_follows_the_form_and_the_background_box(qtbot, window) -> None:
    train = window.run_menu.actions["train"]
    window.form.field("train.lr").setText("abc")
    assert not train.isEnabled() and not window.train_button.isEnabled()
    train.trigger()
    assert not window.training  # a disabled entry does nothing, as the button would
    window.form.set_config(tiny_config(batch_size=63))
    assert train.isEnabled()
    window.background_controls.check.setChecked(True)
    window.background_controls.processes.setValue(2)  # 63 is not divisible by 2: Train is off
    assert not window.train_button.isEnabled() and not train.isEnabled()
    window.background_controls.check.setChecked(False)
    assert train.isEnabled()
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        train.trigger()
    assert finished.args == ["finished"]


def test_the_tab_shortcuts(qtbot, window) -> None:
    press(qtbot, window, "Ctrl+3")
    assert window.tabs.currentWidget() is window.layer_table
    press(qtbot, window, "Ctrl+6")
    assert window.tabs.currentWidget() is window.results
    next_tab, previous_tab = window.go_menu.actions["next"], window.go_menu.actions["previous"]
    assert next_tab.shortcuts() == QKeySequence.keyBindings(QKeySequence.StandardKey.NextChild)
    assert previous_tab.shortcuts() == QKeySequence.keyBindings(QKeySequence.StandardKey.PreviousChild)
    press(qtbot, window, "Ctrl+7")
    assert window.tabs.currentWidget() is window.experiments
    next_tab.trigger()
    assert window.tabs.currentIndex() == 0  # round to the first
    previous_tab.trigger()
    assert window.tabs.currentWidget() is window.experiments
    press(qtbot, window, "Ctrl+1")
    assert window.tabs.currentIndex() == 0


def test_the_file_shortcuts_follow_the_platform(window) -> None:
    actions = window.menus.actions
    for key, standard in (
        ("open_settings", QKeySequence.StandardKey.Open),
        ("save_settings", QKeySequence.StandardKey.Save),
        ("save_settings_as", QKeySequence.StandardKey.SaveAs),
        ("quit", QKeySequence.StandardKey.Quit),
    ):
        platform = QKeySequence.keyBindings(standard)  # where the platform has none: Ctrl+Q, Ctrl+Shift+S
        assert actions[key].shortcuts() == (platform or [QKeySequence(FALLBACK_KEYS[standard])]), key


def test_save_writes_to_the_file_last_opened_or_saved(window, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from resnet_gui.gui import menus

    asked: list[str] = []
    monkeypatch.setattr(menus, "ask_save_path", lambda *args: asked.append("asked") or str(tmp_path / "a.toml"))
    window.form.set_config(tiny_config(lr=0.03))
    window.menus.actions["save_settings"].trigger()  # no file yet: asks
    assert asked == ["asked"] and "lr = 0.03" in (tmp_path / "a.toml").read_text()
    window.form.set_config(tiny_config(lr=0.04))
    window.menus.actions["save_settings"].trigger()  # then saves there without asking
    assert asked == ["asked"] and "lr = 0.04" in (tmp_path / "a.toml").read_text()
    window.menus.actions["save_settings_as"].trigger()  # Save as always asks
    assert asked == ["asked", "asked"]


def test_help_lists_every_shortcut_of_the_menus(qtbot, window) -> None:
    press(qtbot, window, QKeySequence(QKeySequence.StandardKey.HelpContents).toString())
    dialog = window.help_menu.shortcuts_dialog
    assert dialog is not None and dialog.isVisible()
    rows = dialog.rows()
    assert rows == [tuple(r) for r in shortcut_rows(window)]
    listed = {(menu, entry) for menu, entry, _keys in rows}
    expected = {
        ("File", "Open settings (TOML)"),
        ("File", "Save settings (TOML)"),
        ("File", "Save settings as"),
        ("File", "Quit"),
        ("Run", "Train"),
        ("Run", "Pause"),
        ("Run", "Stop"),
        ("Go", "Training tab"),
        ("Go", "Results tab"),
        ("Go", "Next tab"),
        ("Go", "Previous tab"),
        ("Help", "Keyboard shortcuts"),
    }
    assert expected <= listed
    keys = {entry: k for menu, entry, k in rows if menu == "Run"}
    native = QKeySequence.SequenceFormat.NativeText
    assert keys["Train"] == ", ".join(QKeySequence(k).toString(native) for k in ("Ctrl+Return", "Ctrl+Enter"))
    entries = {entry for _menu, entry in listed}
    for menu in window.menuBar().actions():  # nothing with a shortcut is left out (an entry in two menus once)
        for action in menu.menu().actions():
            if action.shortcuts():
                assert plain(action.text()) in entries, action.text()
    dialog.close()


def test_about_says_the_versions_and_the_device(window) -> None:
    window.help_menu.actions["about"].trigger()
    box = window.help_menu.about_box
    assert box is not None and box.isVisible()
    text = box.text()
    assert torch.__version__ in text and qVersion() in text and "resnet-gui" in text
    assert "PySide6" in text and "torchvision" in text and "Python" in text
    assert "cpu" in text  # the device auto trains on here
    box.close()


def test_quitting_mid_run_asks_and_cancel_keeps_training(qtbot, window, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[bool] = []
    monkeypatch.setattr(questions, "ask_stop_and_quit", lambda _parent: asked.append(True) and False)
    window.form.set_config(long_config())
    window.train_button.click()
    wait_for_first_batch(qtbot, window)
    press(qtbot, window, window.menus.actions["quit"].shortcut().toString())
    assert asked == [True]
    assert window.isVisible() and window.training  # Cancel: still training
    monkeypatch.setattr(questions, "ask_stop_and_quit", lambda _parent: asked.append(True) or True)
    assert not window.close()  # Quit: the run stops first, then the window closes
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=RUN_TIMEOUT_MS)
    assert asked == [True, True] and window.session.last_status == "stopped"


def test_closing_when_idle_or_by_a_signal_does_not_ask(qtbot, window, questions_asked: list[str]) -> None:
    window.form.set_config(long_config())
    window.train_button.click()
    wait_for_first_batch(qtbot, window)
    window.closing.close_without_asking()  # what Ctrl-C and SIGTERM do
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=RUN_TIMEOUT_MS)
    assert questions_asked == [] and window.session.last_status == "stopped"


def test_closing_an_idle_window_does_not_ask(qtbot, window, questions_asked: list[str]) -> None:
    assert window.close()
    assert questions_asked == []
