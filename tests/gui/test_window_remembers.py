"""What the window remembers between starts, read back by a second window on the same settings file,
and File > Reset settings bringing the defaults back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from gui_helpers import CORE_TIMEOUT_MS, RUN_TIMEOUT_MS, tiny_config
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from resnet_gui.gui import questions, theme
from resnet_gui.gui.form.sections import DEFAULT_CONFIG
from resnet_gui.gui.layout import DEFAULT_SIZE
from resnet_gui.gui.main_window import MainWindow
from resnet_gui.gui.window_settings import REMEMBERED_KEYS
from resnet_gui.settings.config import with_changes

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]

Opener = Callable[[], MainWindow]


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    return tmp_path / "settings.ini"


@pytest.fixture
def open_window(qtbot, settings_file: Path) -> Iterator[Opener]:
    """Opens windows on the same settings file, as two starts of the app would; shuts them all down."""
    opened: list[MainWindow] = []

    def open_one() -> MainWindow:
        win = MainWindow(QSettings(str(settings_file), QSettings.Format.IniFormat))
        qtbot.addWidget(win)
        win.show()
        qtbot.waitUntil(lambda: win.core.info is not None and not win.core.busy, timeout=CORE_TIMEOUT_MS)
        opened.append(win)
        return win

    yield open_one
    for win in opened:
        win.shutdown()
    theme.apply_theme(QApplication.instance(), theme.DEFAULT_CHOICE)


def test_a_second_window_reads_back_what_the_first_remembered(open_window: Opener, tmp_path: Path) -> None:
    first = open_window()
    first.resize(780, 560)  # inside the offscreen platform's 800x600 screen, which geometry is restored onto
    size = (first.width(), first.height())
    assert size != DEFAULT_SIZE and size[1] == 560
    left = first.splitter.sizes()[0]
    first.splitter.moveSplitter(left + 120, 1)
    sizes = first.splitter.sizes()
    first.tabs.setCurrentIndex(3)
    pictures = str(tmp_path / "my pictures")
    cfg = with_changes(tiny_config(lr=0.02), data={"dataset": "folder", "folder": pictures, "root": "/srv/data"})
    first.form.set_config(cfg)
    assert first.close()

    second = open_window()
    assert (second.width(), second.height()) == size
    assert second.splitter.sizes() == sizes
    assert second.tabs.currentIndex() == 3
    assert second.form.config() == cfg
    assert second.form.field("data.folder").text() == pictures  # the last image folder
    assert second.form.field("data.root").text() == "/srv/data"  # and where the standard sets are


def test_reset_settings_brings_the_defaults_back(
    open_window: Opener, settings_file: Path, questions_asked: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    win = open_window()
    win.resize(700, 500)
    win.splitter.moveSplitter(win.splitter.sizes()[0] + 100, 1)
    win.tabs.setCurrentIndex(2)
    win.form.set_config(tiny_config(lr=0.05))
    win.theme_menu.choose("dark")
    win.state.save()
    reset = win.menus.actions["reset_settings"]

    monkeypatch.setattr(questions, "ask_reset_settings", lambda _parent: False)  # Cancel keeps everything
    reset.trigger()
    assert win.form.config() == tiny_config(lr=0.05) and win.tabs.currentIndex() == 2
    assert theme.current_choice() == "dark"

    monkeypatch.setattr(questions, "ask_reset_settings", lambda _parent: questions_asked.append("reset") or True)
    reset.trigger()
    assert questions_asked == ["reset"]
    assert win.form.config() == DEFAULT_CONFIG and win.form.preset() == "seed"
    assert (win.width(), win.height()) == DEFAULT_SIZE and win.tabs.currentIndex() == 0
    assert theme.current_choice() == "system"
    stored = QSettings(str(settings_file), QSettings.Format.IniFormat)
    assert not set(REMEMBERED_KEYS) & set(stored.allKeys())

    win.close()
    again = open_window()  # the defaults, remembered as such
    assert again.form.config() == DEFAULT_CONFIG and again.tabs.currentIndex() == 0
    assert theme.current_choice() == "system"


def test_reset_is_not_offered_while_a_run_trains(qtbot, window) -> None:
    reset = window.menus.actions["reset_settings"]
    assert reset.isEnabled()
    window.form.set_config(tiny_config(epochs=50))
    window.train_button.click()
    assert window.training and not reset.isEnabled()
    with qtbot.waitSignal(window.run_finished, timeout=RUN_TIMEOUT_MS):
        window.request_stop()
    assert reset.isEnabled()
