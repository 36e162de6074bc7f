"""The command-line grammar, built from the settings' own descriptions (one source for help and defaults)."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any, NoReturn

from ..settings.config import SPECS, ModelConfig, RunConfig, with_values
from ..settings.fields import Spec, format_value
from ..settings.parsing import parse_blocks, parse_shape
from ..settings.presets import MODEL_PRESETS, PRESETS, get_preset, model_preset
from .explain import add_explain_parser
from .seeds import add_seeds_option, run_id_or_word
from .steer import add_steer_options
from .sweep import add_sweep_parser

# Settings a run takes from its data set, so ``train`` has no option for them.
FROM_THE_DATA = ("model.in_channels", "model.num_classes")
TRAIN_KEYS = tuple(k for k in SPECS if k not in FROM_THE_DATA)
DATA_KEYS = tuple(k for k in SPECS if k.startswith("data.") and k != "data.resize")
SUMMARY_KEYS = (
    "model.blocks",
    "model.channels",
    "model.stem",
    "model.stem_pool",
    "model.pool_first",
    "model.block",
    "model.block_style",
)
# The data settings that decide the input shape ``summary`` walks the network over.
SUMMARY_DATA_KEYS = ("data.dataset", "data.resize", "data.image_size", "data.channels")
# The training settings ``summary --batch-size`` estimates memory for.
MEMORY_KEYS = ("train.batch_size", "train.precision", "train.optimizer", "train.device")
RUNS_DB_HELP = "run history database (env RESNET_GUI_RUNS, else the user data folder)"


class Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument on one line instead of a usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parse_with(parse: Any) -> Any:
    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    return convert


def _seed(text: str) -> int | None:
    return None if text.strip().lower() in ("random", "none") else int(text)


def _help(spec: Spec) -> str:
    default = format_value(spec.default)
    text = f"{spec.help} (default: {default})" if default else spec.help
    return text.replace("%", "%%")  # argparse formats help with %, and a setting's help may say "33 %"


def add_setting(p: argparse.ArgumentParser, key: str) -> None:
    """An option for setting ``key`` with its type, choices and help; unset options stay None."""
    spec = SPECS[key]
    kwargs: dict[str, Any] = {"dest": key, "default": None, "help": _help(spec)}
    if spec.kind == "bool":
        kwargs["action"] = argparse.BooleanOptionalAction
    elif spec.kind == "choice":
        kwargs.update(choices=spec.choices, type=type(spec.choices[0]))
    elif spec.kind == "blocks":
        kwargs.update(type=_parse_with(parse_blocks), metavar="N,N,...")
    elif key == "train.seed":
        kwargs.update(type=_seed, metavar="N|random")
    else:
        kwargs["type"] = {"int": int, "float": float, "str": str}[spec.kind]
        kwargs["metavar"] = {"int": "N", "float": "X", "str": "PATH"}[spec.kind]
    if key == "train.augment":  # --augment alone means crop+flip, and --no-augment means none
        kwargs.update(nargs="?", const="crop+flip", metavar="{" + ",".join(spec.choices) + "}")
    p.add_argument(spec.cli_option, **kwargs)
    if key == "train.augment":
        p.add_argument("--no-augment", dest=key, action="store_const", const="none", help="same as --augment none")


def _summary_parser(sub: Any) -> None:
    s = sub.add_parser("summary", help="print the layer-shape table and totals")
    s.add_argument("--preset", choices=MODEL_PRESETS, help="ResNet-18 ... 152 (sets blocks and block type)")
    for key in SUMMARY_KEYS:
        add_setting(s, key)
    for key in SUMMARY_DATA_KEYS:
        add_setting(s, key)
    s.add_argument(
        "--input",
        type=_parse_with(parse_shape),
        help="input shape C,H,W (default: the data set's images after --resize, as the window's Layers tab: "
        "1,96,96 for the default settings)",
    )
    s.add_argument("--classes", type=int, default=ModelConfig().num_classes, help="number of classes (default: 10)")
    s.add_argument("--blocks-detail", action="store_true", help="list every residual block too")
    s.add_argument(
        "--batch-size",
        dest="train.batch_size",
        type=int,
        metavar="N",
        help="also estimate the memory training needs at this batch size (for images of --input)",
    )
    s.add_argument(
        "--precision",
        dest="train.precision",
        choices=SPECS["train.precision"].choices,
        help="number format of that estimate (default: auto, as training picks it for --device)",
    )
    s.add_argument(
        "--optimizer",
        dest="train.optimizer",
        choices=SPECS["train.optimizer"].choices,
        help="optimizer of that estimate: adam keeps 2 tensors per parameter, sgd 1 (default: adam)",
    )
    s.add_argument(
        "--device",
        dest="train.device",
        choices=SPECS["train.device"].choices,
        help="device of that estimate (default: auto)",
    )
    s.add_argument("--json", action="store_true", help="print one JSON document")


def add_run_options(p: argparse.ArgumentParser) -> None:
    """The options describing a run: a preset or a TOML file, then every setting on top (see ``config_from_args``)."""
    p.add_argument(
        "--preset",
        choices=[*PRESETS, *MODEL_PRESETS],
        help=f"a named recipe ({', '.join(PRESETS)}) or a model (resnet18 ... resnet152)",
    )
    p.add_argument("--config", metavar="FILE.toml", help="start from settings saved as TOML (options still apply)")
    for key in TRAIN_KEYS:
        add_setting(p, key)


def _lr_find_parser(sub: Any) -> None:
    f = sub.add_parser("lr-find", help="the learning-rate range test: loss against a rising rate, and a suggestion")
    add_run_options(f)
    f.add_argument(
        "--steps",
        type=int,
        metavar="N",
        help="batches to train (default: as many as fit in about 45 s here, 6 to 100; the seed's network at "
        "batch 256 gets only a few on a CPU: a smaller --batch-size gives more, for that batch size)",
    )
    f.add_argument("--start-lr", type=float, default=1e-7, metavar="X", help="the first rate (default: 1e-7)")
    f.add_argument("--end-lr", type=float, default=10.0, metavar="X", help="the last rate (default: 10)")
    f.add_argument("--resume", metavar="RUN_ID_OR_CHECKPOINT", help="start from a run's last checkpoint")
    f.add_argument("--runs-db", help=RUNS_DB_HELP)
    f.add_argument("--json", action="store_true", help="print one JSON document (suggested_lr, rule, lrs, losses)")


def _train_parser(sub: Any) -> None:
    t = sub.add_parser("train", help="train headless, printing the seed's epoch line")
    add_run_options(t)
    t.add_argument("--json", action="store_true", help="one JSON object per epoch per line")
    t.add_argument("--name", help="a name for the run in the run history (default: its network, lr and data)")
    t.add_argument("--tags", metavar="A,B", help="tags for the run in the run history, separated by commas")
    add_seeds_option(t, "train")
    t.add_argument(
        "--resume", metavar="RUN_ID_OR_CHECKPOINT", help="continue a stopped or crashed run from its last checkpoint"
    )
    t.add_argument("--runs-db", help=RUNS_DB_HELP)
    t.add_argument("--tensorboard", metavar="LOGDIR", help="also log to TensorBoard (needs the tensorboard package)")
    t.add_argument(
        "--dry-run",
        action="store_true",
        help="train nothing: print the parameters, memory and estimated duration (timed over a few batches here, "
        "then cached; a later train with the same settings records the estimate with its run)",
    )
    t.add_argument("--fresh", action="store_true", help="with --dry-run: time again even when an estimate is cached")


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    parser = Parser(
        prog="resnet-gui",
        description="Train and inspect residual networks "
        "(the d2l ResNet chapter). With no command, opens the desktop app.",
    )
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    sub.add_parser("gui", help="open the desktop app (the default)")
    _summary_parser(sub)
    _train_parser(sub)
    _lr_find_parser(sub)

    r = sub.add_parser("runs", help="list, show, compare, tag or export recorded runs")
    r.add_argument(
        "action",
        nargs="?",
        default="list",
        choices=(
            "list",
            "show",
            "compare",
            "compare-mistakes",
            "score-together",
            "tag",
            "export",
            "color",
            "repeat",
            "steer",
        ),
        help="list (default); show ID; color ID '#rrggbb'|reset; repeat ID --seeds N; "
        "compare ID ID...; compare-mistakes A B (test images one gets right, "
        "the other wrong); score-together ID ID... (their networks' answers averaged); "
        "tag ID... --tags A,B (or --add, --remove); "
        "export ID --out FILE.csv|.json|.toml; steer ID --lr X | --lr-scale X | --epochs N | --stop-after-epoch",
    )
    r.add_argument("ids", nargs="*", type=run_id_or_word, metavar="ID")
    r.add_argument("--out", help="file to export to: .csv or .json metrics, .toml settings")
    r.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    r.add_argument("--tags", metavar="A,B", help="tag: replace the runs' tags with these ('' removes them all)")
    r.add_argument("--add", metavar="A,B", help="tag: add these tags to the runs")
    r.add_argument("--remove", metavar="A,B", help="tag: remove these tags from the runs")
    add_seeds_option(r, "repeat")
    add_steer_options(r)
    r.add_argument("--runs-db", help=RUNS_DB_HELP)
    r.add_argument("--json", action="store_true", help="print JSON")

    d = sub.add_parser("data", help="describe a data set: classes, counts, image size, skipped files")
    for key in DATA_KEYS:
        add_setting(d, key)
    d.set_defaults(**{"data.dataset": "sample"})
    d.add_argument("--json", action="store_true", help="print one JSON document")

    v = sub.add_parser("eval", help="test accuracy and confusion matrix of a checkpoint, or of several as an ensemble")
    v.add_argument(
        "checkpoint",
        nargs="+",
        help="a checkpoint; several are scored as one ensemble (their class probabilities averaged)",
    )
    v.add_argument("--data", choices=SPECS["data.dataset"].choices, help="data set (default: the one it trained on)")
    v.add_argument("--data-root", metavar="PATH", help=SPECS["data.root"].help)
    v.add_argument("--folder", metavar="PATH", help=SPECS["data.folder"].help)
    v.add_argument("--device", choices=SPECS["train.device"].choices, default="auto")
    for key in ("train.test_flips", "train.test_shifts"):
        label = SPECS[key].label.lower()
        v.add_argument(
            SPECS[key].cli_option,
            action=argparse.BooleanOptionalAction,
            help=f"score with {label} or without (default: as its run scored its last epoch)",
        )
    v.add_argument("--json", action="store_true", help="print one JSON document")

    e = sub.add_parser("export", help="export a checkpoint's model as TorchScript or ONNX")
    e.add_argument("checkpoint")
    e.add_argument("--format", choices=("torchscript", "onnx"), default="torchscript")
    e.add_argument("--out", help="output file (default: beside the checkpoint, named after it)")
    e.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    add_explain_parser(sub)
    add_sweep_parser(sub, RUNS_DB_HELP)
    return parser


def given(args: argparse.Namespace, keys: tuple[str, ...]) -> dict[str, Any]:
    """The settings among ``keys`` given on the command line, by dotted name."""
    return {k: getattr(args, k) for k in keys if getattr(args, k, None) is not None}


def config_from_args(args: argparse.Namespace) -> RunConfig:
    """The TOML file, else the preset, else the default, with every given option applied on top."""
    if args.config:
        from ..settings.toml_io import load_toml

        cfg = load_toml(args.config)
    elif args.preset in MODEL_PRESETS:
        cfg = replace(RunConfig(), model=model_preset(args.preset))
    elif args.preset:
        cfg = get_preset(args.preset)
    else:
        cfg = RunConfig()
    return with_values(cfg, given(args, TRAIN_KEYS))
