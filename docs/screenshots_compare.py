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

import shots  # noqa: F401  (first: it sets up the offscreen app before Qt is imported)
from shots import add_themes_option, chosen_themes, grab, open_window, wait

from resnet_gui.runs.seeds import new_group_tag, seed_configs
from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import DataConfig, ModelConfig, RunConfig, TrainConfig
from resnet_gui.training.engine import fit

BASE = RunConfig(
    model=ModelConfig(blocks=(1,), channels=8, stem="small"),
    data=DataConfig(dataset="sample", resize=0),
    train=TrainConfig(lr=0.05, batch_size=256, epochs=6, optimizer="sgd", schedule="onecycle", seed=0),
)


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
    add_themes_option(parser)
    themes = chosen_themes(parser.parse_args(argv))
    ids = make_runs(RunStore(os.environ["RESNET_GUI_RUNS"]))

    app, win, _guard = open_window(themes)
    panel = win.runs_panel
    win.tabs.setCurrentWidget(panel)
    wait(lambda: len(panel.runs()) == len(ids))
    panel.compare.band.setCurrentIndex(panel.compare.band.findData("std"))
    panel.select_runs(ids)
    wait(lambda: not panel.busy and len(panel.compare.entries) == 3)
    grab(app, win, "compare", themes)
    win.close()


if __name__ == "__main__":
    main()
