"""A screenshot of the Runs tab comparing runs honestly, from the real main window (run by hand, offscreen).

    python docs/screenshots_compare.py                 # docs/screenshot-compare.png and -dark.png
    python docs/screenshots_compare.py --themes light  # the light one only

Trains five small ResNets on the bundled sample (in this process, recorded in a fresh run history):
two learning rates, and a third setting repeated with three seeds; gives one run a colour of the
user's own; then shows the five selected on the Runs tab: each run in its colour, the legend naming
the settings that differ, the seed group as its mean with a ±1 std band, best @ epoch beside last.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_tmp = Path(tempfile.mkdtemp(prefix="resnet-gui-shots-"))
os.environ["RESNET_GUI_RUNS"] = str(_tmp / "runs.sqlite")
os.environ["RESNET_GUI_SETTINGS"] = str(_tmp / "settings.ini")
os.environ["RESNET_GUI_CACHE"] = str(_tmp / "cache")
os.environ["RESNET_GUI_OFFLINE"] = "1"

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402

from resnet_gui.gui import theme  # noqa: E402
from resnet_gui.gui.app import collect_garbage_in_gui_thread, create_app  # noqa: E402
from resnet_gui.gui.main_window import MainWindow  # noqa: E402
from resnet_gui.runs.seeds import new_group_tag, seed_configs  # noqa: E402
from resnet_gui.runs.store import RunStore  # noqa: E402
from resnet_gui.settings.config import DataConfig, ModelConfig, RunConfig, TrainConfig  # noqa: E402
from resnet_gui.training.engine import fit  # noqa: E402

OUT = Path(os.environ.get("RESNET_GUI_SHOTS", Path(__file__).resolve().parent))
BASE = RunConfig(
    model=ModelConfig(blocks=(1,), channels=8, stem="small"),
    data=DataConfig(dataset="sample", resize=0),
    train=TrainConfig(lr=0.05, batch_size=256, epochs=6, optimizer="sgd", schedule="onecycle", seed=0),
)


def wait(cond, ms: int = 300_000) -> None:
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


def record(store: RunStore, cfg: RunConfig, name: str, tags: tuple[str, ...] = ()) -> int:
    """Train ``cfg`` to the end, recorded in ``store``."""
    run_id = store.create_run(cfg, name)
    fit(cfg, callbacks=[store.recorder(run_id)], report_every_s=0, checkpoint_dir=store.get(run_id).checkpoint_dir)
    store.set_tags(run_id, tags)
    print(f"trained {name}", flush=True)
    return run_id


def make_runs(store: RunStore) -> list[int]:
    """Two learning rates, then a smaller batch repeated with three seeds; the second run in a colour of its own."""
    ids = [record(store, BASE, "baseline")]
    slow = record(store, RunConfig(BASE.model, BASE.data, TrainConfig(**{**vars(BASE.train), "lr": 0.01})), "slow lr")
    store.set_color(slow, "#ee7733")  # chosen by the user (Tol's vibrant orange)
    ids.append(slow)
    tag = new_group_tag()
    small_batch = RunConfig(BASE.model, BASE.data, TrainConfig(**{**vars(BASE.train), "batch_size": 128}))
    ids += [record(store, c, f"batch 128 · seed {c.train.seed}", (tag,)) for c in seed_configs(small_batch, 3)]
    return ids


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A screenshot of the Runs tab comparing runs.")
    parser.add_argument("--themes", default="light,dark", help="comma-separated: light, dark (default: both)")
    themes = [t for t in parser.parse_args(argv).themes.split(",") if t in ("light", "dark")]
    ids = make_runs(RunStore(os.environ["RESNET_GUI_RUNS"]))

    app = create_app([])
    guard = collect_garbage_in_gui_thread()  # noqa: F841
    win = MainWindow(settings=None)
    theme.apply_theme(app, themes[0])
    win.resize(1200, 760)
    win.show()
    wait(lambda: win.core.info is not None and not win.core.busy)
    panel = win.runs_panel
    win.tabs.setCurrentWidget(panel)
    wait(lambda: len(panel.runs()) == len(ids))
    panel.compare.band.setCurrentIndex(panel.compare.band.findData("std"))
    panel.select_runs(ids)
    wait(lambda: not panel.busy and len(panel.compare.entries) == 3)
    for chosen in themes:
        theme.apply_theme(app, chosen)
        for _ in range(3):
            app.processEvents()
        suffix = "" if chosen == "light" else f"-{chosen}"
        win.grab().save(str(OUT / f"screenshot-compare{suffix}.png"))
    win.close()


if __name__ == "__main__":
    main()
