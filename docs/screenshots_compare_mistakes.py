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

import shots  # noqa: F401  (first: it sets up the offscreen app before Qt is imported)
from shots import add_themes_option, chosen_themes, grab, open_window, wait

from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import DataConfig, ModelConfig, RunConfig, TrainConfig
from resnet_gui.training.engine import fit

MODEL = ModelConfig(blocks=(1, 1), channels=16, stem="small")
DATA = DataConfig(dataset="sample", resize=0)
RUNS = (
    ("adam, 1 epoch", TrainConfig(epochs=1, batch_size=64, seed=0)),
    ("one-cycle sgd, 3 epochs", TrainConfig(lr=0.05, batch_size=64, epochs=3, optimizer="sgd", schedule="onecycle")),
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Screenshot of Compare mistakes.")
    add_themes_option(parser)
    themes = chosen_themes(parser.parse_args(argv))
    store = RunStore(os.environ["RESNET_GUI_RUNS"])
    ids = []
    for name, train in RUNS:
        cfg = RunConfig(model=MODEL, data=DATA, train=train)
        run_id = store.create_run(cfg, name)
        fit(cfg, callbacks=[store.recorder(run_id)], checkpoint_dir=store.get(run_id).checkpoint_dir)
        ids.append(run_id)

    app, win, _guard = open_window(themes)
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
    grab(app, dialog, "compare-mistakes", themes)
    print("test accuracy A, B:", round(c.accuracy_a(), 3), round(c.accuracy_b(), 3))
    dialog.close()
    win.shutdown()


if __name__ == "__main__":
    sys.exit(main())
