"""What each setting is, said once: its type, default, range, choices, label and help.

The dataclasses in ``config`` declare their fields with ``setting(...)``; validation, the form,
the command line's options and help, and TOML files all read the description from here, so a
label, a limit or a default is never written twice.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Union

Dataset = Literal["sample", "fashion-mnist", "mnist", "kmnist", "cifar10", "folder"]
Optimizer = Literal["adam", "sgd", "muon"]
Device = Literal["auto", "cpu", "cuda", "mps"]
Precision = Literal["auto", "fp32", "bf16"]
Schedule = Literal["constant", "cosine", "onecycle"]
Augmentation = Literal["none", "flip", "crop+flip", "flip+erase"]  # per batch, on the device (data/batching.py)
Stem = Literal["d2l", "small"]
Block = Literal["basic", "bottleneck"]
BlockStyle = Literal["d2l", "torchvision"]
ColourChannels = Literal[1, 3]


@dataclass(frozen=True)
class Spec:
    """The description of one setting; ``key`` is its dotted name, e.g. ``train.lr``.

    ``low``/``high`` bound numbers, and each stage of ``blocks`` (``low_open``: ``low`` itself is
    not allowed); ``choices`` come
    from a ``Literal`` type and ``choice_labels`` say them in words; ``only_when`` names the
    (setting, value) without which this one is ignored (momentum only with SGD), the value
    a tuple or a range where any of several will do, or a test of the value; ``option`` is the
    command-line option when it is not ``--`` plus the field name with dashes.
    """

    label: str
    help: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choice_labels: Mapping[Any, str] = field(default_factory=dict)
    only_when: tuple[str, Any] | None = None
    option: str | None = None
    zero_ok: bool = False  # 0 is allowed besides low..high (a resize of 0 keeps the stored size)
    hint: str = ""  # the text beside an on/off box
    key: str = ""
    kind: str = ""  # int, float, bool, str, choice, blocks; filled in by ``describe``
    choices: tuple[Any, ...] = ()
    optional: bool = False  # None is allowed (a data root left empty, a random seed)
    default: Any = None

    def used_with(self, value: Any) -> bool:
        """False when the setting ``only_when`` names has ``value`` and this one is then ignored."""
        if self.only_when is None:
            return True
        wanted = self.only_when[1]
        if callable(wanted):
            return bool(wanted(value))
        return value in wanted if isinstance(wanted, (tuple, range)) else value == wanted

    def choice_label(self, value: Any) -> str:
        """``value`` in words, as the form's box shows it."""
        return self.choice_labels.get(value, str(value))

    @property
    def cli_option(self) -> str:
        """The option of ``resnet-gui train``, e.g. ``--batch-size``."""
        return self.option or "--" + self.key.split(".")[1].replace("_", "-")


def setting(default: Any, label: str, help: str, **spec: Any) -> Any:
    """A dataclass field carrying its ``Spec`` (see ``Spec`` for the keywords)."""
    return field(default=default, metadata={"spec": Spec(label, help, **spec)})


def _kind(tp: Any) -> tuple[str, tuple[Any, ...], bool]:
    """(kind, choices, optional) of a resolved type annotation."""
    optional = False
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        optional, tp = True, args[0]
        origin = typing.get_origin(tp)
    if origin is Literal:
        return "choice", typing.get_args(tp), optional
    if origin is tuple:
        return "blocks", (), optional
    return {bool: "bool", int: "int", float: "float", str: "str"}[tp], (), optional


def describe(section: str, cls: type) -> dict[str, Spec]:
    """Every field of the settings dataclass ``cls`` as a complete Spec, keyed by dotted name."""
    hints = typing.get_type_hints(cls)
    out: dict[str, Spec] = {}
    for f in dataclasses.fields(cls):
        spec: Spec = f.metadata["spec"]
        kind, choices, optional = _kind(hints[f.name])
        out[f"{section}.{f.name}"] = dataclasses.replace(
            spec, key=f"{section}.{f.name}", kind=kind, choices=choices, optional=optional, default=f.default
        )
    return out


def format_value(value: Any) -> str:
    """A value as the form and the help show it: 0.001, 2,2,2,2, "" for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)
