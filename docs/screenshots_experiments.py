"""A screenshot of the Experiments tab, from the real main window (run by hand, offscreen; about a minute).

    python docs/screenshots_experiments.py                 # docs/screenshot-experiments.png and -dark.png
    python docs/screenshots_experiments.py --themes light  # the light one only

Defines an experiment in the tab as a user would: a small ResNet on the bundled sample, 2 epochs;
the learning rate over a log range, the channels and the optimizer as lists; TPE, 8 trials, median
pruning. Starts it (background workers), waits for it to finish, and grabs the window in each theme.
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


def wait(cond, ms: int = 900_000) -> None:
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


def define(win: MainWindow) -> None:
    """The experiment, typed into the tab."""
    win.form.set_config(
        RunConfig(
            model=ModelConfig(blocks=(1, 1), channels=8),
            data=DataConfig(dataset="sample", resize=0),
            train=TrainConfig(epochs=2, batch_size=256, precision="fp32"),
        )
    )
    definition = win.experiments.definition
    lr = definition.space.rows[0]
    lr.mode.setCurrentIndex(1)
    lr.low.setText("0.0003")
    lr.high.setText("0.1")
    lr.log.setChecked(True)
    definition.space.add_row("model.channels").values.setText("4, 8, 16")
    definition.space.add_row("train.optimizer")  # adam, sgd
    definition.strategy.setCurrentIndex(definition.strategy.findData("tpe"))
    definition.trials.setValue(8)
    definition.pruner.setCurrentIndex(definition.pruner.findData("median"))
    definition.name.setText("lr-width-optimizer")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A screenshot of the Experiments tab.")
    parser.add_argument("--themes", default="light,dark", help="comma-separated: light, dark (default: both)")
    themes = [t for t in parser.parse_args(argv).themes.split(",") if t in ("light", "dark")]
    app = create_app([])
    guard = collect_garbage_in_gui_thread()  # noqa: F841
    win = MainWindow(settings=None)
    theme.apply_theme(app, themes[0])
    win.resize(1280, 900)
    win.show()
    wait(lambda: win.core.info is not None and not win.core.busy)
    win.tabs.setCurrentWidget(win.experiments)
    define(win)
    win.experiments.start()
    session = win.experiments.session
    wait(lambda: session.state == "finished")
    wait(lambda: not session.busy and "running" not in win.experiments.chooser.currentText())
    win.experiments.table.selectRow(0)
    for chosen in themes:
        theme.apply_theme(app, chosen)
        for _ in range(5):
            app.processEvents()
        suffix = "" if chosen == "light" else f"-{chosen}"
        win.grab().save(str(OUT / f"screenshot-experiments{suffix}.png"))
    best = session.view.best
    print(f"best: trial {best.number}, {best.params}, {best.best_test_acc:.4f}")
    win.shutdown()


if __name__ == "__main__":
    sys.exit(main())
