"""``resnet-gui runs color ID '#rrggbb'|reset``, ``runs repeat ID --seeds N`` and ``train --seeds N``:
a run's colour in every view, and runs repeated with several seeds as grouped background runs."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, TextIO

from ..errors import UserError
from ..runs.comparison import short_name
from ..runs.seeds import MAX_SEEDS, launch_seeds
from ..runs.store import RunStore
from ..settings.config import RunConfig
from ..settings.validation import problems_text, validate

if TYPE_CHECKING:
    from ..runs.processes import Launch


def run_id_or_word(text: str) -> int | str:
    """A run id, or (for ``runs color``) a colour "#rrggbb" or "reset"."""
    if text.strip().lstrip("-").isdigit():
        return int(text)
    if text.startswith("#") or text.lower() == "reset":
        return text
    raise argparse.ArgumentTypeError(f"a run id is a number, not {text!r}")


def cmd_color(store: RunStore, args: argparse.Namespace, out: TextIO) -> int:
    """``runs color ID COLOUR``: give the run its own colour, or ``reset`` it to the palette's."""
    if len(args.ids) != 2 or not isinstance(args.ids[0], int) or not isinstance(args.ids[1], str):
        raise UserError("runs color: give one run id and a colour, e.g. runs color 3 '#ee6677' (or reset)")
    run_id, color = args.ids
    try:
        store.get(run_id)
        store.set_color(run_id, "" if color.lower() == "reset" else color)
    except KeyError as e:
        raise UserError(f"runs color: {e.args[0]} in {store.path}") from None
    except ValueError as e:
        raise UserError(f"runs color: {e}") from None
    run = store.get(run_id)
    if args.json:
        print(json.dumps({"id": run.id, "color": run.color or None}), file=out)
    else:
        print(f"run {run.id} ({run.name}): {run.color or 'the palette colour for its id'}", file=out)
    return 0


def cmd_repeat(store: RunStore, args: argparse.Namespace, out: TextIO) -> int:
    """``runs repeat ID --seeds N``: train the run's settings again with N seeds, in the background."""
    if len(args.ids) != 1 or not isinstance(args.ids[0], int):
        raise UserError("runs repeat: give one run id and --seeds N")
    try:
        run = store.get(args.ids[0])
    except KeyError as e:
        raise UserError(f"runs repeat: {e.args[0]} in {store.path}") from None
    return launch(run.config, args.seeds or 0, store, short_name(run), args.json, out)


def launch(cfg: RunConfig, seeds: int, store: RunStore, name: str, as_json: bool, out: TextIO) -> int:
    """Start ``seeds`` background runs of ``cfg``, one per seed, grouped by a tag; say what was started."""
    if not 2 <= seeds <= MAX_SEEDS:
        raise UserError(f"--seeds: give 2 to {MAX_SEEDS} seeds, not {seeds}")
    problems = validate(cfg)
    if problems:
        raise UserError(problems_text(problems))
    tag, launches = launch_seeds(cfg, seeds, store.path, name)
    if as_json:
        print(json.dumps({"group": tag, "runs": [_launch_json(x) for x in launches]}), file=out)
        return 0
    print(f"started {len(launches)} background runs tagged {tag}:", file=out)
    for x in launches:
        print(f"  {x.name} (pid {x.pid}, log {x.log_file})", file=out)
    print(f"follow them with `resnet-gui runs`; compare them in the window's Runs tab (tag {tag})", file=out)
    return 0


def _launch_json(x: Launch) -> dict[str, object]:
    return {"name": x.name, "pid": x.pid, "log": str(x.log_file)}


def add_seeds_option(p: argparse.ArgumentParser, what: str) -> None:
    """``--seeds N`` on ``train`` or ``runs``."""
    p.add_argument(
        "--seeds",
        type=int,
        metavar="N",
        help=f"{what}: start N background runs identical but for the seed (the settings' seed, then the next "
        "ones; 0, 1, … when it is random), tagged seeds:<group> so that they are compared as one",
    )
