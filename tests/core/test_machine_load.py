"""The machine's load while training: sampled by the engine, carried by its events, kept in the run history."""

from types import SimpleNamespace

import psutil
import torch

from resnet_gui.runs.store import RunStore
from resnet_gui.settings.config import RunConfig, with_changes
from resnet_gui.training import machine_load
from resnet_gui.training.engine import fit
from resnet_gui.training.events import BatchEnd, EpochEnd
from resnet_gui.training.machine_load import LoadMeter

TINY = with_changes(
    RunConfig(),
    data={"dataset": "sample", "resize": 0},
    model={"blocks": (1,), "channels": 8},
    train={"epochs": 2, "batch_size": 500, "precision": "fp32"},
)


def test_each_epoch_and_report_carries_plausible_cpu_and_memory_figures(tmp_path) -> None:
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run(TINY)
    events: list = []
    fit(TINY, callbacks=[events.append, store.recorder(run_id)], report_every_s=0)
    rss = psutil.Process().memory_info().rss
    epochs = [e for e in events if isinstance(e, EpochEnd)]
    batches = [e for e in events if isinstance(e, BatchEnd)]
    for e in epochs + batches:
        assert e.cpu_percent is not None and 0 < e.cpu_percent <= 100  # training keeps a core busy
        # This process's resident memory: torch and the data set are in it, and it is this process's.
        assert e.ram_bytes is not None and 50e6 < e.ram_bytes <= 2 * rss
        assert e.gpu_percent is None and e.gpu_bytes is None  # no GPU in a CPU run
    assert [e.epoch for e in store.epochs(run_id)] == [1, 2]
    recorded = store.epochs(run_id)
    assert [(r.cpu_percent, r.ram_bytes) for r in recorded] == [(e.cpu_percent, e.ram_bytes) for e in epochs]


def test_an_epochs_cpu_figure_is_the_time_weighted_mean_of_its_readings(monkeypatch) -> None:
    readings = iter([0.0, 50.0, 100.0])  # the first only starts psutil's interval
    clock = iter([0.0, 1.0, 4.0, 4.0])  # the epoch's start, then readings after 1 s and 3 s more
    monkeypatch.setattr(machine_load, "time", SimpleNamespace(perf_counter=lambda: next(clock)))
    monkeypatch.setattr(machine_load.psutil, "cpu_percent", lambda interval=None: next(readings, 0.0))
    meter = LoadMeter(torch.device("cpu"))
    assert meter.now()["cpu_percent"] == 50.0
    assert meter.now()["cpu_percent"] == 100.0
    load = meter.epoch()  # the closing reading covers no time
    assert load["cpu_percent"] == round((50 * 1 + 100 * 3) / 4, 1)
    assert load["ram_bytes"] is not None and load["ram_bytes"] > 0
