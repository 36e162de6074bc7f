"""Screenshot of "Compare mistakes" from the real main window's Runs tab (run by hand, offscreen).

    python docs/screenshots_compare_mistakes.py                 # docs/screenshot-compare-mistakes.png and -dark.png
    python docs/screenshots_compare_mistakes.py --themes light  # the light one only

Records two small runs on the bundled sample (a one-epoch Adam run and a three-epoch one-cycle SGD
run), selects both on the Runs tab, clicks Compare mistakes and grabs the window once it has scored them.
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
from resnet_gui.runs.store import RunStore  # noqa: E402
from resnet_gui.settings.config import DataConfig, ModelConfig, RunConfig, TrainConfig  # noqa: E402
from resnet_gui.training.engine import fit  # noqa: E402

OUT = Path(os.environ.get("RESNET_GUI_SHOTS", Path(__file__).resolve().parent))
MODEL = ModelConfig(blocks=(1, 1), channels=16, stem="small")
DATA = DataConfig(dataset="sample", resize=0)
RUNS = (
    ("adam, 1 epoch", TrainConfig(epochs=1, batch_size=64, seed=0)),
    ("one-cycle sgd, 3 epochs", TrainConfig(lr=0.05, batch_size=64, epochs=3, optimizer="sgd", schedule="onecycle")),
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
    parser = argparse.ArgumentParser(description="Screenshot of Compare mistakes.")
    parser.add_argument("--themes", default="light,dark", help="comma-separated: light, dark (default: both)")
    themes = [t for t in parser.parse_args(argv).themes.split(",") if t in ("light", "dark")]
    store = RunStore(os.environ["RESNET_GUI_RUNS"])
    ids = []
    for name, train in RUNS:
        cfg = RunConfig(model=MODEL, data=DATA, train=train)
        run_id = store.create_run(cfg, name)
        fit(cfg, callbacks=[store.recorder(run_id)], checkpoint_dir=store.get(run_id).checkpoint_dir)
        ids.append(run_id)

    app = create_app([])
    guard = collect_garbage_in_gui_thread()  # noqa: F841
    win = MainWindow(settings=None)
    theme.apply_theme(app, themes[0])
    win.resize(1200, 760)
    win.show()
    wait(lambda: win.core.info is not None and not win.core.busy)
    panel = win.runs_panel
    win.tabs.setCurrentWidget(panel)
    wait(lambda: len(panel.runs()) == len(ids) and not panel.busy)
    panel.select_runs(ids)
    dialog = panel.mistakes
    panel.mistakes_button.click()
    wait(lambda: dialog.view.result is not None)
    view = dialog.view
    c = view.result.comparison
    shirt = c.class_names.index("Shirt")
    view.select_cell(shirt, shirt)
    for chosen in themes:
        theme.apply_theme(app, chosen)
        for _ in range(3):
            app.processEvents()
        suffix = "" if chosen == "light" else f"-{chosen}"
        dialog.grab().save(str(OUT / f"screenshot-compare-mistakes{suffix}.png"))
    print("test accuracy A, B:", round(c.accuracy_a(), 3), round(c.accuracy_b(), 3))
    dialog.close()
    win.shutdown()


if __name__ == "__main__":
    sys.exit(main())
