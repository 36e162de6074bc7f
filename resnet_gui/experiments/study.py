"""A sweep as an Optuna study: its storage, sampler and pruner, and its definition kept with it.

Optuna's storage keeps trials but not the sampler or the pruner, so the sweep's definition is
stored as the study's user attribute ``sweep``: a worker that joins needs only the study's name and
the storage URL. By default studies live in ``experiments.sqlite`` beside the run history; any
SQLAlchemy URL (``postgresql://user@host/db``) shares one study between machines.

A grid is put in the study's queue when the study is made (``enqueue_trial``): each worker takes
the next waiting combination, and the storage hands each to one worker only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError, UserError
from .definition import Sweep, parse_sweep

if TYPE_CHECKING:
    import optuna

STORAGE_FILE = "experiments.sqlite"
SWEEP_ATTR = "sweep"
SQLITE_TIMEOUT_S = 60  # several workers write one SQLite file: wait for each other's writes


class StudyError(UserError):
    """A study that cannot be made, found or joined; the message says what to do."""


@dataclass(frozen=True)
class OpenStudy:
    """A study with its sweep and the storage URL it lives in."""

    study: optuna.Study
    sweep: Sweep
    storage: str

    @property
    def name(self) -> str:
        """The study's name (the experiment's name in the run history)."""
        return self.study.study_name


def default_storage(runs_db: str | Path) -> str:
    """The SQLite file beside the run history, as a storage URL."""
    return f"sqlite:///{Path(runs_db).expanduser().resolve().parent / STORAGE_FILE}"


def quiet_optuna() -> None:
    """Optuna logs each trial at INFO; the CLI and the window say it in their own words."""
    import optuna

    optuna.logging.set_verbosity(logging.WARNING)


def open_storage(url: str) -> optuna.storages.RDBStorage:
    """Optuna's RDB storage at ``url``; StudyError saying what is wrong when it cannot be opened."""
    import optuna
    import sqlalchemy.exc

    quiet_optuna()
    kwargs = {"connect_args": {"timeout": SQLITE_TIMEOUT_S}} if url.startswith("sqlite") else {}
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
    try:
        return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)
    except (ImportError, ModuleNotFoundError) as e:
        raise StudyError(
            f"The storage {url} needs a database driver that is not installed ({e}); for PostgreSQL: "
            "pip install 'resnet-gui[postgres]'"
        ) from None
    except (sqlalchemy.exc.SQLAlchemyError, ValueError, optuna.exceptions.StorageInternalError) as e:
        raise StudyError(f"Cannot open the experiment storage {url}: {first_line(e)}") from None


def first_line(e: BaseException) -> str:
    """The first line of an error's message (its cause's, when it has one)."""
    cause = e.__cause__ or e
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]


def sampler_for(sweep: Sweep) -> optuna.samplers.BaseSampler:
    """The sampler of the sweep's strategy (a grid's trials come from the queue)."""
    import optuna

    if sweep.strategy == "tpe":
        return optuna.samplers.TPESampler(seed=sweep.seed)
    return optuna.samplers.RandomSampler(seed=sweep.seed)


def pruner_for(sweep: Sweep) -> optuna.pruners.BasePruner:
    """The pruner: stop a trial whose test accuracy at an epoch trails the others'."""
    import optuna

    if sweep.pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0)
    if sweep.pruner == "halving":
        return optuna.pruners.SuccessiveHalvingPruner()
    return optuna.pruners.NopPruner()


def create_sweep(sweep: Sweep, name: str, storage: str) -> OpenStudy:
    """Make the study ``name`` for ``sweep`` (its grid queued), or continue it if it exists with the same sweep."""
    import optuna

    backend = open_storage(storage)
    try:
        study = optuna.create_study(
            study_name=name,
            storage=backend,
            direction="maximize",
            sampler=sampler_for(sweep),
            pruner=pruner_for(sweep),
            load_if_exists=True,
        )
    except optuna.exceptions.StorageInternalError as e:
        raise StudyError(f"Cannot make the study {name!r} in {storage}: {first_line(e)}") from None
    stored = study.user_attrs.get(SWEEP_ATTR)
    definition = sweep.to_dict() | {"name": name}
    if stored is None:
        if sweep.strategy == "grid":
            for params in sweep.grid()[: sweep.budget]:
                study.enqueue_trial(params)
        study.set_user_attr(SWEEP_ATTR, definition)  # last: a joiner finds the whole queue
    elif stored != definition:
        raise StudyError(
            f"The study {name!r} in {storage} already holds another sweep; choose another name (--name), "
            f"or join it with: resnet-gui sweep --join {name} --storage {storage}"
        )
    return OpenStudy(study, sweep, storage)


def join_sweep(name: str, storage: str) -> OpenStudy:
    """The study ``name`` and its sweep, for a worker joining it."""
    import optuna

    backend = open_storage(storage)
    try:
        study = optuna.load_study(study_name=name, storage=backend)
    except KeyError:
        names = optuna.get_all_study_names(backend)
        known = f"; it holds {', '.join(sorted(names))}" if names else "; it holds none yet"
        raise StudyError(f"There is no study {name!r} in {storage}{known}.") from None
    stored = study.user_attrs.get(SWEEP_ATTR)
    if not isinstance(stored, dict):
        raise StudyError(f"The study {name!r} in {storage} was not made by resnet-gui sweep: it has no sweep.")
    try:
        sweep = parse_sweep(stored, f"the study {name!r}")
    except ConfigError as e:
        raise StudyError(f"{e} (made by another version of resnet-gui?)") from None
    study.sampler, study.pruner = sampler_for(sweep), pruner_for(sweep)
    return OpenStudy(study, sweep, storage)


def study_names(storage: str) -> list[str]:
    """The names of the studies in ``storage``, sorted."""
    import optuna

    return sorted(optuna.get_all_study_names(open_storage(storage)))
