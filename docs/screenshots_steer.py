"""The README's picture of a run changed as it trains (run by hand, offscreen).

    python docs/screenshots_steer.py                  # docs/screenshot-steer.png and -dark.png
    python docs/screenshots_steer.py --themes light

Trains a small ResNet on the bundled sample through the Train button; after two epochs it asks for the
learning rate ×0.3 from the run controls, after four for 8 epochs instead of 6, and grabs the
Training tab, paused, with both changes marked on the plots and the controls to change it shown.
"""

from __future__ import annotations

import argparse

import shots  # noqa: F401  (first: it sets up the offscreen app before Qt is imported)
from shots import add_themes_option, chosen_themes, grab, open_window, wait

from resnet_gui.settings.config import DataConfig, ModelConfig, RunConfig, TrainConfig

CONFIG = RunConfig(
    model=ModelConfig(blocks=(1, 1), channels=16, stem="small"),
    data=DataConfig(dataset="sample", resize=0),
    train=TrainConfig(lr=0.05, batch_size=128, epochs=6, optimizer="sgd", schedule="cosine", weight_decay=5e-4),
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The README's picture of a run changed as it trains.")
    add_themes_option(parser)
    themes = chosen_themes(parser.parse_args(argv))
    app, win, _guard = open_window(themes)
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
    grab(app, win, "steer", themes)
    done: list[str] = []
    win.run_finished.connect(done.append)
    win.stop_button.click()
    wait(lambda: bool(done))
    win.close()
    win.shutdown()


if __name__ == "__main__":
    main()
