"""Screenshots of the Results tab's error-analysis views, from the real main window (run by hand, offscreen).

    python docs/screenshots_results.py                 # docs/screenshot-{scores,top-losses,explain,try,labels}.png
                                                       # and each one's -dark.png, in one pass
    python docs/screenshots_results.py --themes dark   # the dark ones only

Writes a folder of the bundled sample's images (150 a class) with a few filed under the wrong class,
trains a small ResNet on it through the Train button, then grabs the per-class scores, the top
losses, one image inspected (Grad-CAM), Try an image and the suspicious labels found in the folder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import shots  # noqa: F401  (first: it sets up the offscreen app before Qt is imported)
from PIL import Image
from shots import TMP, add_themes_option, chosen_themes, grab, open_window, wait

from resnet_gui.data.datasets import load_sample
from resnet_gui.settings.config import DataConfig, ModelConfig, RunConfig, TrainConfig

PER_CLASS = 150
# (true class, the folder it is wrongly filed under, how many): the label errors to find.
MISFILED = ((1, "Bag", 5), (8, "T-shirt top", 4), (7, "Dress", 3))


def make_folder(root: Path) -> Path:
    """The sample's first ``PER_CLASS`` training images of each class as PNGs, a few misfiled."""
    sample = load_sample()
    names = [n.replace("/", " ") for n in sample.class_names]
    x, y = sample.train_x.numpy()[:, 0], sample.train_y.numpy()
    for k, name in enumerate(names):
        (root / name).mkdir(parents=True, exist_ok=True)
        for n, i in enumerate((y == k).nonzero()[0][:PER_CLASS]):
            Image.fromarray(x[i]).save(root / name / f"{n:03d}.png")
    for k, wrong, count in MISFILED:
        for n, i in enumerate((y == k).nonzero()[0][PER_CLASS : PER_CLASS + count]):
            Image.fromarray(x[i]).save(root / wrong / f"extra {n}.png")
    return root


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Screenshots of the Results tab's error-analysis views.")
    add_themes_option(parser)
    themes = chosen_themes(parser.parse_args(argv))
    folder = make_folder(TMP / "my clothes")

    def shot(name: str) -> None:
        grab(app, win, name, themes)

    app, win, _guard = open_window(themes)
    win.form.set_config(
        RunConfig(
            model=ModelConfig(blocks=(1, 1), channels=16, stem="small"),
            data=DataConfig(dataset="folder", folder=str(folder), resize=0, test_fraction=0.2),
            train=TrainConfig(lr=0.05, batch_size=64, epochs=8, optimizer="sgd", schedule="onecycle", seed=0),
        )
    )
    done: list[str] = []
    win.run_finished.connect(done.append)
    win.train_button.click()
    wait(lambda: bool(done))
    r = win.results
    win.tabs.setCurrentWidget(r)
    wait(lambda: r.model_info is not None)
    r.confusion.scores.sort_by(3)  # by F1, the weakest class first
    shot("scores")

    r.tabs.setCurrentWidget(r.top_losses)
    shot("top-losses")

    worst = r.top_losses.shown_indices()[0]
    r.top_losses.image_clicked.emit(worst)
    wait(lambda: r.feature_maps.cam.overlays[0] is not None and r.feature_maps.tile_count() > 0)
    shot("explain")

    photo = TMP / "sneaker.png"
    sample = load_sample()
    Image.fromarray(sample.test_x[int((sample.test_y == 7).nonzero()[3, 0])][0].numpy()).save(photo)
    r.open_image(photo)
    wait(lambda: r.predict.cam.overlays[0] is not None)
    shot("try")

    r.tabs.setCurrentWidget(r.labels)
    r.labels.find_button.click()
    wait(lambda: r.labels.result is not None)
    grid = r.labels.thumbnails
    grid.setCurrentRow(0)
    grid.chosen.emit(0)
    wait(lambda: r.labels.cam.overlays[0] is not None)
    for i in range(3):
        grid.item(i).setCheckState(grid.item(i).checkState().Checked)
    shot("labels")
    print("test accuracy per epoch:", [round(e.test_acc, 3) for e in win.session.history])
    print("suspicious first:", r.labels.result.review.files[:12])
    win.shutdown()


if __name__ == "__main__":
    sys.exit(main())
