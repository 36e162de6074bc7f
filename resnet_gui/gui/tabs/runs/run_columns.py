"""The Runs table's columns: each one's title, cell text, sort key, tooltip and width, and what search matches."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ....runs.describe import describe_data, describe_network, network_details
from ....settings.config import SPECS
from ..training.progress_panel import format_duration


def run_duration(run: Any, now: float | None = None) -> float:
    """Seconds the run took, or has taken so far while it runs."""
    end = run.ended_at if run.ended_at is not None else (now or time.time())
    return max(0.0, end - run.created_at)


def tags_text(run: Any) -> str:
    """The run's tags as the table shows and edits them: "lr, sweep"."""
    return ", ".join(run.tags)


def _date(run: Any) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(run.created_at))


def _data_tip(run: Any) -> str:
    d = run.config.data
    label = SPECS["data.dataset"].choice_labels.get(d.dataset, d.dataset)
    where = d.folder if d.dataset == "folder" and d.folder else ""
    size = f"resized to {d.resize} px" if d.resize else "at its stored size"
    return "\n".join(x for x in (label, where, f"images {size}") if x)


def _name_tip(run: Any) -> str:
    notes = f"\n{run.notes}" if run.notes else ""
    return f"{run.name}\nrun {run.id}, started {_date(run)}{notes}\nDouble-click to rename"


def _tags_tip(run: Any) -> str:
    return (f"{tags_text(run)}\n" if run.tags else "") + "Double-click to edit the tags, separated by commas"


def _status_tip(run: Any) -> str:
    if run.error:
        return f"{run.status}: {run.error}"
    return {"crashed": "The process recording this run ended without saying how (killed, or the machine stopped)"}.get(
        str(run.status), ""
    )


def _best(run: Any) -> str:
    if run.best_test_acc is None:
        return "—"
    return f"{run.best_test_acc:.3f}" + (f" @ {run.best_epoch}" if run.best_epoch is not None else "")


def _last(run: Any) -> str:
    return "—" if run.last_test_acc is None else f"{run.last_test_acc:.3f}"


@dataclass(frozen=True)
class Column:
    """One column: its title, the cell's text, sort key and tooltip of a run, width and alignment."""

    title: str
    text: Callable[[Any], str]
    sort: Callable[[Any], Any]
    width: int
    tip: Callable[[Any], str] | None = None
    right: bool = False
    header_tip: str = ""


# What a user scans first comes first: what the run is and how it did; its date and training
# settings follow (the settings that differ between selected runs are listed beside the plots).
COLUMNS: tuple[Column, ...] = (
    Column("Name", lambda r: r.name, lambda r: r.name.lower(), 160, _name_tip),
    Column("Status", lambda r: str(r.status), lambda r: str(r.status), 66, _status_tip),
    Column("Data set", lambda r: describe_data(r.config), lambda r: describe_data(r.config).lower(), 100, _data_tip),
    Column(
        "Model",
        lambda r: describe_network(r.config),
        lambda r: describe_network(r.config),
        160,
        lambda r: network_details(r.config, r.params),
    ),
    Column("Tags", tags_text, lambda r: tags_text(r).lower(), 80, _tags_tip),
    Column(
        "Best acc",
        _best,
        lambda r: -1.0 if r.best_test_acc is None else r.best_test_acc,
        84,
        right=True,
        header_tip="The best test accuracy of the run's epochs @ the epoch it came at",
    ),
    Column(
        "Last acc",
        _last,
        lambda r: -1.0 if r.last_test_acc is None else r.last_test_acc,
        62,
        right=True,
        header_tip="The test accuracy of the run's last epoch",
    ),
    Column("Epochs", lambda r: f"{r.epochs_done}/{r.epochs_planned}", lambda r: r.epochs_done, 54, right=True),
    Column("Duration", lambda r: format_duration(run_duration(r)), run_duration, 64, right=True),
    Column("Date", _date, lambda r: r.created_at, 118),
    Column("LR", lambda r: f"{r.config.train.lr:g}", lambda r: r.config.train.lr, 56, right=True),
    Column("Batch", lambda r: str(r.config.train.batch_size), lambda r: r.config.train.batch_size, 48, right=True),
    Column("Optimizer", lambda r: r.config.train.optimizer, lambda r: r.config.train.optimizer, 70),
)
TITLES = tuple(c.title for c in COLUMNS)
NAME_COLUMN = TITLES.index("Name")
TAGS_COLUMN = TITLES.index("Tags")
STATUS_COLUMN = TITLES.index("Status")
DATE_COLUMN = TITLES.index("Date")
# What the search box looks in, besides the columns' texts.
SEARCHED_COLUMNS = ("Name", "Data set", "Model", "Tags", "Status", "Optimizer")


def search_text(run: Any) -> str:
    """Everything the search box matches for a run, lower-cased: name, tags, notes, data set, model, status."""
    parts = [COLUMNS[TITLES.index(t)].text(run) for t in SEARCHED_COLUMNS]
    parts += [run.notes, run.config.data.dataset, run.config.data.folder or "", run.error]
    return "\n".join(parts).lower()
