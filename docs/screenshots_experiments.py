"""A screenshot of the Experiments tab, from the real main window (run by hand, offscreen; about a minute).

    python docs/screenshots_experiments.py                 # docs/screenshot-experiments.png and -dark.png
    python docs/screenshots_experiments.py --themes light  # the light one only

Defines an experiment in the tab as a user would: a small ResNet on the bundled sample, 2 epochs;
the learning rate over a log range, the channels and the optimizer as lists; TPE, 8 trials, median
pruning. Starts it (background workers), waits for it to finish, and grabs the window in each theme.
"""

from __future__ import annotations

import argparse
import sys

import shots  # noqa: F401  (first: it sets up the offscreen app before Qt is imported)
from shots import add_themes_option, chosen_themes, grab, open_window, wait

from resnet_gui.gui.main_window import MainWindow
from resnet_gui.settings.config import DataConfig, ModelConfig, RunConfig, TrainConfig


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
    add_themes_option(parser)
    themes = chosen_themes(parser.parse_args(argv))
    app, win, _guard = open_window(themes, (1280, 900))
    win.tabs.setCurrentWidget(win.experiments)
    define(win)
    win.experiments.start()
    session = win.experiments.session
    wait(lambda: session.state == "finished")
    wait(lambda: not session.busy and "running" not in win.experiments.chooser.currentText())
    win.experiments.table.selectRow(0)
    grab(app, win, "experiments", themes, settle=5)
    best = session.view.best
    print(f"best: trial {best.number}, {best.params}, {best.best_test_acc:.4f}")
    win.shutdown()


if __name__ == "__main__":
    sys.exit(main())
