"""The README's picture of a run changed as it trains (run by hand, offscreen).

    python docs/screenshots_steer.py                  # docs/screenshot-steer.png and -dark.png
    python docs/screenshots_steer.py --themes light

Trains a small ResNet on the bundled sample through the Train button; after two epochs it asks for the
learning rate ×0.3 from the run controls, after four for 8 epochs instead of 6, and grabs the
Training tab, paused, with both changes marked on the plots and the controls to change it shown.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_tmp = tempfile.mkdtemp(prefix="resnet-gui-shots-")
os.environ["RESNET_GUI_RUNS"] = os.path.join(_tmp, "runs.sqlite")
os.environ["RESNET_GUI_SETTINGS"] = os.path.join(_tmp, "settings.ini")
os.environ["RESNET_GUI_OFFLINE"] = "1"

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402

from resnet_gui.gui import theme  # noqa: E402
from resnet_gui.gui.app import collect_garbage_in_gui_thread, create_app  # noqa: E402
from resnet_gui.gui.main_window import MainWindow  # noqa: E402
from resnet_gui.settings.config import DataConfig, ModelConfig, RunConfig, TrainConfig  # noqa: E402

OUT = Path(os.environ.get("RESNET_GUI_SHOTS", Path(__file__).resolve().parent))
CONFIG = RunConfig(
    model=ModelConfig(blocks=(1, 1), channels=16, stem="small"),
    data=DataConfig(dataset="sample", resize=0),
    train=TrainConfig(lr=0.05, batch_size=128, epochs=6, optimizer="sgd", schedule="cosine", weight_decay=5e-4),
)


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
    parser = argparse.ArgumentParser(description="The README's picture of a run changed as it trains.")
    parser.add_argument("--themes", default="light,dark", help="comma-separated: light, dark (default: both)")
    themes = [t for t in parser.parse_args(argv).themes.split(",") if t in ("light", "dark")]
    app = create_app([])
    guard = collect_garbage_in_gui_thread()  # noqa: F841
    win = MainWindow(settings=None)
    theme.apply_theme(app, themes[0])
    win.resize(1200, 760)
    win.show()
    wait(lambda: win.core.info is not None and not win.core.busy)
    win.form.set_config(CONFIG)
    s, steer = win.session, win.controls.steer
    applied: list[object] = []
    s.steered.connect(applied.append)
    paused: list[int] = []
    s.paused_at.connect(lambda epoch, _b: paused.append(epoch))

    def change_after(epochs: int, ask: object) -> None:
        wait(lambda: len(s.history) >= epochs)
        win.pause_button.click()
        wait(lambda: bool(paused))
        ask()  # type: ignore[operator]
        paused.clear()
        count = len(applied)
        win.pause_button.click()
        wait(lambda: len(applied) > count)

    def slower() -> None:
        steer.lr_mode.setCurrentIndex(steer.lr_mode.findData("lr_scale"))
        steer.lr_value.setText("0.3")
        steer.lr_apply.click()

    def longer() -> None:
        steer.epochs.setValue(8)
        steer.epochs_apply.click()

    win.train_button.click()
    change_after(2, slower)
    change_after(4, longer)
    wait(lambda: len(s.history) >= 5)
    win.pause_button.click()
    wait(lambda: bool(paused))
    win.plots.flush()
    for chosen in themes:
        theme.apply_theme(app, chosen)
        for _ in range(3):
            app.processEvents()
        suffix = "" if chosen == "light" else f"-{chosen}"
        win.grab().save(str(OUT / f"screenshot-steer{suffix}.png"))
    done: list[str] = []
    win.run_finished.connect(done.append)
    win.stop_button.click()
    wait(lambda: bool(done))
    win.close()
    win.shutdown()


if __name__ == "__main__":
    main()
