"""A screenshot of the Find a learning rate window, from the real main window (run by hand, offscreen).

    python docs/screenshots_lr_find.py                 # docs/screenshot-lr-find.png and -dark.png
    python docs/screenshots_lr_find.py --themes light  # the light one only

Sets a small ResNet on the bundled sample in the form, opens the window with Find… beside the
learning rate, runs 60 batches of the range test and clicks a point of the curve.
"""

from __future__ import annotations

import argparse
import sys

import shots  # noqa: F401  (first: it sets up the offscreen app before Qt is imported)
from shots import add_themes_option, chosen_themes, grab, open_window, wait

from resnet_gui.settings.config import DataConfig, ModelConfig, RunConfig, TrainConfig


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A screenshot of the Find a learning rate window.")
    add_themes_option(parser)
    themes = chosen_themes(parser.parse_args(argv))
    app, win, _guard = open_window(themes, None)
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
    grab(app, dialog, "lr-find", themes)
    print("suggestions:", {rule: f"{lr:.3g}" for rule, lr in result.suggestions.items()})
    win.shutdown()


if __name__ == "__main__":
    sys.exit(main())
