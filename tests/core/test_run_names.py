"""Runs in a few words: default names that say what a run is, the network and data set as the Runs table shows them."""

import time
from pathlib import Path

from resnet_gui.runs.describe import describe_data, describe_network, network_details, run_name
from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.settings.presets import PRESETS, apply_depth

SMALL = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 0},
    model={"blocks": (1, 1), "channels": 16, "stem": "small"},
    train={"lr": 0.05},
)


def test_a_run_is_named_after_its_recipe_or_network_learning_rate_and_data() -> None:
    assert run_name(SMALL) == "resnet 1,1 · lr 0.05 · sample"
    assert run_name(PRESETS["fast-cpu"]) == "fast-cpu · fashion-mnist"
    sample_seed = with_changes(PRESETS["seed"], data={"dataset": "sample"})
    assert run_name(sample_seed) == "seed · sample"  # a recipe on another data set is still that recipe
    deep = with_changes(apply_depth(SMALL, "resnet50"), train={"lr": 0.1})
    assert run_name(deep) == "resnet50 · lr 0.1 · sample"


def test_the_network_and_the_data_set_in_words() -> None:
    assert describe_network(RunConfig()) == "ResNet 2,2,2,2 · 64 ch · basic"
    assert describe_network(with_changes(SMALL, model={"block_style": "torchvision"})) == (
        "ResNet 1,1 · 16 ch · basic (torchvision)"
    )
    details = network_details(RunConfig(), 11_170_000).splitlines()
    assert details[0] == "ResNet 2,2,2,2 · 64 ch · basic (ResNet-18)"
    assert "stem: 7×7 conv, stride 2 + 3×3 max-pool" in details and details[-1] == "11,170,000 parameters"
    assert "stem: 3×3 conv, stride 1 + 2×2 max-pool" in network_details(SMALL).splitlines()
    pooled_first = with_changes(SMALL, model={"pool_first": True})
    assert "stem: 3×3 conv, stride 1 + 2×2 max-pool before BN and ReLU" in network_details(pooled_first)
    folder = with_changes(SMALL, data={"dataset": "folder", "folder": "/data/flowers/"})
    assert describe_data(folder) == "folder: flowers"
    assert describe_data(with_changes(SMALL, data={"dataset": "cifar10"})) == "cifar10"


def test_find_looks_only_at_runs_created_since_a_time(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    old = store.create_run(SMALL, run_name(SMALL))
    since = time.time()
    assert store.find(run_name(SMALL)) == old
    assert store.find(run_name(SMALL), since) is None  # an earlier run of the same name is not the one launched
    new = store.create_run(SMALL, run_name(SMALL))
    assert store.find(run_name(SMALL), since) == new
