"""The size of the images the settings give: the shape the network sees, each epoch's side when resizing progressively.

The Layers tab and ``resnet-gui summary`` both walk the network over ``input_shape``, so the same
settings give the same table in the window and in the terminal.
"""

from __future__ import annotations

from .config import DataConfig, RunConfig, TrainConfig

# Channels and side of each standard data set's images as stored.
NATIVE: dict[str, tuple[int, int]] = {
    "sample": (1, 28),
    "fashion-mnist": (1, 28),
    "mnist": (1, 28),
    "kmnist": (1, 28),
    "cifar10": (3, 32),
}
# Progressive sizes grow in steps of this many pixels: every new size costs the first batches a
# kernel selection (oneDNN, cuDNN), so a run meets a few sizes rather than one per epoch.
STEP_PX = 4


def input_shape(data: DataConfig) -> tuple[int, int, int]:
    """The shape one image has when it reaches the network: the data set's, after ``data.resize``."""
    channels: int
    if data.dataset == "folder":
        channels, native = data.channels, data.image_size
    else:
        channels, native = NATIVE[data.dataset]
    side = data.resize or native
    return channels, side, side


def epoch_side(train: TrainConfig, full: int, epoch: int) -> int:
    """The side epoch ``epoch`` (from 1) trains and is scored at, for images of side ``full``.

    With ``train.start_size`` set (progressive resizing) the side grows evenly from it at epoch 1 to
    ``full`` at epoch ``train.full_size_epoch``, rounded down to whole steps of ``STEP_PX``; otherwise,
    and from that epoch on, it is ``full``.
    """
    start, until = train.start_size, train.full_size_epoch
    if not start or start >= full or epoch >= until:
        return full
    grown = (full - start) * (epoch - 1) / (until - 1)
    return start + STEP_PX * int(grown // STEP_PX)


def steps_done(train: TrainConfig, full: int, epoch: int, batch: int, batches: int) -> float:
    """Full-size steps' worth of work from the start of a run to ``batch`` of ``epoch`` (of ``batches`` each).

    A step counts by its share of the full size's pixels, so that a remaining time measured on small
    epochs is not taken for the full-size ones (their cost is near, not exactly, in proportion).
    """
    share = [(epoch_side(train, full, e) / full) ** 2 for e in range(1, epoch + 1)]
    return (sum(share[:-1]) + share[-1] * batch / batches) * batches


def epoch_sides(cfg: RunConfig) -> list[int]:
    """The side of every epoch of a run with ``cfg``, first to last."""
    full = input_shape(cfg.data)[1]
    return [epoch_side(cfg.train, full, epoch) for epoch in range(1, cfg.train.epochs + 1)]


def describe_sides(cfg: RunConfig) -> str:
    """The progressive sizes in words, e.g. "epochs 1-5 at 16 px, 6-10 at 20 px, 11-27 at 28 px"; "" without."""
    sides = epoch_sides(cfg)
    if len(set(sides)) < 2:
        return ""
    spans: list[tuple[int, int, int]] = []  # (first epoch, last epoch, side)
    for epoch, side in enumerate(sides, start=1):
        if spans and spans[-1][2] == side:
            spans[-1] = (spans[-1][0], epoch, side)
        else:
            spans.append((epoch, epoch, side))
    words = [f"{a}-{b} at {s} px" if a != b else f"{a} at {s} px" for a, b, s in spans]
    return "epochs " + ", ".join(words)
