"""What the window shows of the experiments beside a run history: which there are, and one in full.

An experiment's state comes from its study (trials run against its budget) and from the live
worker processes joined to it (found by their command line, so a window opened again finds the
workers an earlier window started). Everything here reads the storage and the process table: the
window calls it in a background lane. No Qt.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from ..errors import UserError
from ..runs.processes import BACKGROUND_FOLDER
from ..settings.config import RunConfig
from .definition import Sweep
from .processes import SweepLaunch, start_workers, worker_envs
from .results import TrialRow, best_row, importances, trial_rows
from .study import STORAGE_FILE, OpenStudy, default_storage, join_sweep

RUNNING, PAUSED, FINISHED = "running", "paused", "finished"
DONE_STATES = ("complete", "pruned", "failed")


@dataclass(frozen=True)
class ExperimentView:
    """One experiment as the window draws it: its sweep, trials, best trial, importances and workers."""

    name: str
    storage: str
    sweep: Sweep
    rows: tuple[TrialRow, ...]
    workers: tuple[int, ...]
    colors: Mapping[int, str] = field(default_factory=dict)  # run id -> the colour the user chose ("" if none)
    importances: Mapping[str, float] = field(default_factory=dict)
    importance_note: str = ""  # why there are no importances (too few trials)
    best_config: RunConfig | None = None

    @property
    def done(self) -> int:
        """Trials that have ended (complete, pruned or failed)."""
        return sum(r.state in DONE_STATES for r in self.rows)

    @property
    def complete(self) -> int:
        """Trials that ran to their end."""
        return sum(r.state == "complete" for r in self.rows)

    @property
    def best(self) -> TrialRow | None:
        """The complete trial with the best test accuracy."""
        return best_row(list(self.rows))

    @property
    def state(self) -> str:
        """running (workers are live), finished (the budget is spent), else paused (Resume goes on)."""
        if self.workers:
            return RUNNING
        budget = self.sweep.budget
        return FINISHED if budget is not None and self.done >= budget else PAUSED


def experiments_storage(runs_db: str | Path) -> str | None:
    """The storage beside the run history, or None when no experiment was ever made there."""
    file = Path(runs_db).expanduser().resolve().parent / STORAGE_FILE
    return default_storage(runs_db) if file.exists() else None


def _sweep_workers() -> list[tuple[int, list[str]]]:
    """(pid, command line) of every live ``resnet-gui sweep --join`` process."""
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        cmd = proc.info.get("cmdline") or []
        if proc.info.get("status") != psutil.STATUS_ZOMBIE and "sweep" in cmd and "--join" in cmd:
            found.append((proc.pid, cmd))
    return found


def _option(cmd: list[str], option: str) -> str | None:
    i = cmd.index(option) if option in cmd else -1
    return cmd[i + 1] if 0 <= i < len(cmd) - 1 else None


def find_workers(name: str, storage: str, workers: list[tuple[int, list[str]]] | None = None) -> list[int]:
    """The live processes working on the study ``name`` in ``storage`` (``resnet-gui sweep --join``)."""
    procs = _sweep_workers() if workers is None else workers
    return sorted(pid for pid, cmd in procs if _option(cmd, "--join") == name and _option(cmd, "--storage") == storage)


def list_experiments(runs_db: str | Path) -> list[tuple[str, bool]]:
    """The experiments beside the run history, newest first, each with whether workers run it now."""
    storage = experiments_storage(runs_db)
    if storage is None:
        return []
    from .study import open_storage

    studies = open_storage(storage).get_all_studies()
    newest = sorted(studies, key=lambda s: getattr(s, "_study_id", 0), reverse=True)  # ids grow as studies are made
    procs = _sweep_workers()
    return [(s.study_name, bool(find_workers(s.study_name, storage, procs))) for s in newest]


def _colors(runs_db: str | Path, name: str) -> dict[int, str]:
    from ..runs.store import RunStore

    return {r.id: r.color for r in RunStore(runs_db).experiment_runs(name)}


def read_experiment(runs_db: str | Path, name: str, previous: ExperimentView | None = None) -> ExperimentView:
    """The experiment ``name`` beside the run history; importances are computed again only when
    the number of complete trials differs from ``previous``'s (fANOVA takes a moment)."""
    storage = experiments_storage(runs_db)
    if storage is None:
        raise UserError(f"There is no experiment {name!r} beside the run history {runs_db}.")
    opened = join_sweep(name, storage)
    workers = tuple(find_workers(name, storage))
    rows = trial_rows(opened)
    if not workers:  # a trial still marked running has lost its worker
        rows = [r if r.state != "running" else _interrupted(r) for r in rows]
    view = ExperimentView(name, storage, opened.sweep, tuple(rows), workers, _colors(runs_db, name))
    if previous is not None and previous.name == name and previous.complete == view.complete:
        shares, note = dict(previous.importances), previous.importance_note
    else:
        shares, note = _importances(opened, view.complete)
    best = view.best
    best_config = opened.sweep.config_for(best.params) if best is not None else None
    return ExperimentView(name, storage, opened.sweep, view.rows, workers, view.colors, shares, note, best_config)


def _interrupted(row: TrialRow) -> TrialRow:
    return TrialRow(
        row.number, "interrupted", row.params, row.run_id, row.host, row.best_test_acc, row.best_epoch, row.seconds
    )


def _importances(opened: OpenStudy, complete: int) -> tuple[dict[str, float], str]:
    if complete < 2:
        return {}, f"Importances need at least 2 complete trials; there {'is' if complete == 1 else 'are'} {complete}."
    try:
        return importances(opened), ""
    except UserError as e:
        return {}, str(e)


def launch_workers(name: str, storage: str, runs_db: str | Path, workers: int = 1) -> SweepLaunch:
    """Start ``workers`` background workers joining the study ``name`` (to resume it), logs beside the runs."""
    folder = Path(runs_db).expanduser().parent / BACKGROUND_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    envs = worker_envs(workers)
    logs = [folder / f"sweep-{name}-{stamp}-{i}.log" for i in range(len(envs))]
    procs = start_workers(name, storage, runs_db, envs, logs=logs)
    return SweepLaunch(name, storage, tuple(p.pid for p in procs), tuple(logs))


def new_name(sweep: Sweep, taken: list[str]) -> str:
    """A name for a new experiment: the sweep's own, else "experiment-DATE-TIME", never one taken."""
    base = sweep.name or time.strftime("experiment-%Y%m%d-%H%M%S")
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name
