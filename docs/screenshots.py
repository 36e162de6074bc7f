"""Regenerate the README's screenshots from the real main window (run by hand, offscreen).

    python docs/screenshots.py --data-root ../shared/datasets   # docs/screenshot-*.png and *-dark.png
    python docs/screenshots.py --sample                          # quick: a small network on the sample
    RESNET_GUI_SHOTS=/tmp/shots python docs/screenshots.py --themes dark   # elsewhere, dark only

Trains the fast-cpu preset on the full Fashion-MNIST through the Train button (the app's real job:
about 0.94 in a few minutes on a CPU), then grabs the Training, Layers, Architecture, Data and
Results tabs as a user would see them at 1200x760, each in every theme asked for (the light shot is
``screenshot-NAME.png``, the dark one ``screenshot-NAME-dark.png``); then trains a second run with
another learning rate and grabs the Runs tab comparing the two.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_tmp = tempfile.mkdtemp(prefix="resnet-gui-shots-")
os.environ["RESNET_GUI_RUNS"] = os.path.join(_tmp, "runs.sqlite")
os.environ["RESNET_GUI_SETTINGS"] = os.path.join(_tmp, "settings.ini")
os.environ["RESNET_GUI_OFFLINE"] = "1"

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402

from resnet_gui.gui import theme  # noqa: E402
from resnet_gui.gui.app import collect_garbage_in_gui_thread, create_app  # noqa: E402
from resnet_gui.gui.main_window import MainWindow  # noqa: E402
from resnet_gui.settings.config import DataConfig, ModelConfig, RunConfig, TrainConfig  # noqa: E402
from resnet_gui.settings.presets import PRESETS  # noqa: E402

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


def sample_config() -> RunConfig:
    """A small network on the bundled sample: the quick variant (``--sample``)."""
    return RunConfig(
        model=ModelConfig(blocks=(1, 1), channels=16, stem="small"),
        data=DataConfig(dataset="sample", resize=0),
        train=TrainConfig(
            lr=0.05,
            batch_size=256,
            epochs=5,
            optimizer="sgd",
            schedule="onecycle",
            augment="flip",
            label_smoothing=0.1,
            weight_decay=5e-4,
        ),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Regenerate the README's screenshots.")
    parser.add_argument("--themes", default="light,dark", help="comma-separated: light, dark (default: both, one pass)")
    parser.add_argument(
        "--data-root",
        default=os.environ.get("RESNET_GUI_DATA", "../shared/datasets"),
        help="where Fashion-MNIST is (default: $RESNET_GUI_DATA or ../shared/datasets)",
    )
    parser.add_argument("--sample", action="store_true", help="a small network on the bundled sample (quick)")
    args = parser.parse_args(argv)
    themes = [t for t in args.themes.split(",") if t in ("light", "dark")]
    os.environ["RESNET_GUI_DATA"] = str(Path(args.data_root).resolve())  # the standard sets' location

    def shot(name: str) -> None:
        for chosen in themes:
            theme.apply_theme(app, chosen)
            for _ in range(3):
                app.processEvents()
            suffix = "" if chosen == "light" else f"-{chosen}"
            win.grab().save(str(OUT / f"screenshot-{name}{suffix}.png"))

    app = create_app([])
    guard = collect_garbage_in_gui_thread()  # noqa: F841
    win = MainWindow(settings=None)
    theme.apply_theme(app, themes[0])
    win.resize(1200, 760)
    win.show()
    wait(lambda: win.core.info is not None and not win.core.busy)
    win.form.set_config(sample_config() if args.sample else PRESETS["fast-cpu"])
    done: list[str] = []
    win.run_finished.connect(done.append)
    win.train_button.click()
    wait(lambda: bool(done))
    app.processEvents()
    shot("main")
    win.tabs.setCurrentWidget(win.layer_table)
    app.processEvents()
    shot("layers")
    win.tabs.setCurrentWidget(win.architecture)
    app.processEvents()
    shot("architecture")
    win.tabs.setCurrentWidget(win.data_preview)
    if not args.sample:
        win.data_preview.preview_button.click()  # a set not bundled is previewed when asked (it may need a download)
    wait(lambda: win.data_preview.preview is not None and not win.data_preview.busy)
    app.processEvents()
    shot("data")
    win.tabs.setCurrentWidget(win.results)
    r = win.results
    wait(lambda: r.model_info is not None)
    counts = r.confusion.predictions.confusion()
    np.fill_diagonal(counts, -1)
    t, k = np.unravel_index(counts.argmax(), counts.shape)
    r.confusion.select_cell(int(t), int(k))
    app.processEvents()
    shot("results")
    print("test accuracy per epoch:", [round(e.test_acc, 3) for e in win.session.history])

    # A second run with another learning rate, then both compared on the Runs tab.
    first = win.runs_panel.last_run_id
    cfg = win.form.config()
    win.form.set_config(replace(cfg, train=replace(cfg.train, lr=cfg.train.lr / 4)))
    done.clear()
    win.train_button.click()
    wait(lambda: bool(done))
    panel = win.runs_panel
    win.tabs.setCurrentWidget(panel)
    panel.refresh()
    wait(lambda: len(panel.runs()) == 2 and not panel.busy)
    panel.select_runs([first, panel.last_run_id])
    wait(lambda: not panel.busy)
    app.processEvents()
    shot("runs")
    win.shutdown()


if __name__ == "__main__":
    sys.exit(main())
