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
from dataclasses import replace
from pathlib import Path

import numpy as np
import shots  # noqa: F401  (first: it sets up the offscreen app before Qt is imported)
from shots import grab, open_window, wait

from resnet_gui.settings.config import DataConfig, ModelConfig, RunConfig, TrainConfig
from resnet_gui.settings.presets import PRESETS


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
        grab(app, win, name, themes)

    app, win, _guard = open_window(themes)
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
