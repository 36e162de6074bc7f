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
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_tmp = Path(tempfile.mkdtemp(prefix="resnet-gui-shots-"))
os.environ["RESNET_GUI_RUNS"] = str(_tmp / "runs.sqlite")
os.environ["RESNET_GUI_SETTINGS"] = str(_tmp / "settings.ini")
os.environ["RESNET_GUI_CACHE"] = str(_tmp / "cache")
os.environ["RESNET_GUI_OFFLINE"] = "1"

from PIL import Image  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402

from resnet_gui.data.datasets import load_sample  # noqa: E402
from resnet_gui.gui import theme  # noqa: E402
from resnet_gui.gui.app import collect_garbage_in_gui_thread, create_app  # noqa: E402
from resnet_gui.gui.main_window import MainWindow  # noqa: E402
from resnet_gui.settings.config import DataConfig, ModelConfig, RunConfig, TrainConfig  # noqa: E402

OUT = Path(os.environ.get("RESNET_GUI_SHOTS", Path(__file__).resolve().parent))
PER_CLASS = 150
# (true class, the folder it is wrongly filed under, how many): the label errors to find.
MISFILED = ((1, "Bag", 5), (8, "T-shirt top", 4), (7, "Dress", 3))


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
    parser.add_argument("--themes", default="light,dark", help="comma-separated: light, dark (default: both)")
    themes = [t for t in parser.parse_args(argv).themes.split(",") if t in ("light", "dark")]
    folder = make_folder(_tmp / "my clothes")

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

    photo = _tmp / "sneaker.png"
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
