"""A screenshot of the Find a learning rate window, from the real main window (run by hand, offscreen).

    python docs/screenshots_lr_find.py                 # docs/screenshot-lr-find.png and -dark.png
    python docs/screenshots_lr_find.py --themes light  # the light one only

Sets a small ResNet on the bundled sample in the form, opens the window with Find… beside the
learning rate, runs 60 batches of the range test and clicks a point of the curve.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_tmp = Path(tempfile.mkdtemp(prefix="resnet-gui-shots-"))
os.environ["RESNET_GUI_RUNS"] = str(_tmp / "runs.sqlite")
os.environ["RESNET_GUI_SETTINGS"] = str(_tmp / "settings.ini")
os.environ["RESNET_GUI_OFFLINE"] = "1"

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402

from resnet_gui.gui import theme  # noqa: E402
from resnet_gui.gui.app import collect_garbage_in_gui_thread, create_app  # noqa: E402
from resnet_gui.gui.main_window import MainWindow  # noqa: E402
from resnet_gui.settings.config import DataConfig, ModelConfig, RunConfig, TrainConfig  # noqa: E402

OUT = Path(os.environ.get("RESNET_GUI_SHOTS", Path(__file__).resolve().parent))


def wait(cond, ms: int = 600_000) -> None:
    """Run the event loop until ``cond()`` holds."""
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: cond() and loop.quit())
    timer.start(50)
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    timer.stop()
    if not cond():
        raise TimeoutError("the window did not get there in time")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A screenshot of the Find a learning rate window.")
    parser.add_argument("--themes", default="light,dark", help="comma-separated: light, dark (default: both)")
    themes = [t for t in parser.parse_args(argv).themes.split(",") if t in ("light", "dark")]
    app = create_app([])
    guard = collect_garbage_in_gui_thread()  # noqa: F841
    win = MainWindow(settings=None)
    theme.apply_theme(app, themes[0])
    win.show()
    wait(lambda: win.core.info is not None and not win.core.busy)
    win.form.set_config(
        RunConfig(
            model=ModelConfig(blocks=(1, 1), channels=16, stem="small"),
            data=DataConfig(dataset="sample", resize=0),
            train=TrainConfig(batch_size=128, seed=0),
        )
    )
    win.form.find_lr_button.click()
    dialog = win.lr_finder
    dialog.steps_edit.setText("60")
    dialog.run_button.click()
    wait(lambda: dialog.last_result is not None)
    result = dialog.last_result
    assert result is not None and result.suggested_lr is not None
    for _ in range(5):
        app.processEvents()
    # A user's click a little left of the primary suggestion.
    dialog.choose(result.lrs[max(0, dialog.plot.nearest(result.suggested_lr) - 3)])
    for chosen in themes:
        theme.apply_theme(app, chosen)
        for _ in range(3):
            app.processEvents()
        suffix = "" if chosen == "light" else f"-{chosen}"
        dialog.grab().save(str(OUT / f"screenshot-lr-find{suffix}.png"))
    print("suggestions:", {rule: f"{lr:.3g}" for rule, lr in result.suggestions.items()})
    win.shutdown()


if __name__ == "__main__":
    sys.exit(main())
