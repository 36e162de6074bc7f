"""A damaged run history shows in the banner, and the window stays usable."""

from __future__ import annotations

from gui_helpers import CORE_TIMEOUT_MS

from resnet_gui.gui.main_window import MainWindow


def test_a_damaged_run_history_is_shown_in_the_banner(qtbot, tmp_path, monkeypatch) -> None:
    damaged = tmp_path / "runs.sqlite"
    damaged.write_bytes(b"garbage" * 500)
    monkeypatch.setenv("RESNET_GUI_RUNS", str(damaged))
    win = MainWindow(settings=None)
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.core.info is not None, timeout=CORE_TIMEOUT_MS)
        qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=CORE_TIMEOUT_MS)
        assert "damaged" in win.banner.message() and "Traceback" not in win.banner.message()
        assert "damaged" in win.runs_panel.status_label.text()
        assert win.train_button.isEnabled()
    finally:
        win.shutdown()
