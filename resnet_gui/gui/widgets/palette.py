"""The app's colours, in one place: run and curve colours, statuses, messages.

Run and curve colours are Paul Tol's "bright" scheme, which stays distinct for the common forms
of colour blindness; the rest are the text and background tints of messages and states.
"""

from __future__ import annotations

from ...runs.status import RunStatus

Rgb = tuple[int, int, int]

# Paul Tol's colour-blind-safe "bright" qualitative scheme (https://personal.sron.nl/~pault/).
BLUE: Rgb = (68, 119, 170)
CYAN: Rgb = (102, 204, 238)
GREEN: Rgb = (34, 136, 51)
YELLOW: Rgb = (204, 187, 68)
RED: Rgb = (238, 102, 119)
PURPLE: Rgb = (170, 51, 119)
GREY: Rgb = (187, 187, 187)
RUN_COLORS: tuple[Rgb, ...] = (BLUE, RED, GREEN, YELLOW, CYAN, PURPLE, GREY)

# The Training tab's curves and the Data tab's bars.
EPOCH_LOSS = BLUE
RAW_BATCH_LOSS = CYAN
SMOOTHED_LOSS = PURPLE
TRAIN_ACC = RED
TEST_ACC = GREEN
TRAIN_SPLIT = BLUE
TEST_SPLIT = RED
CROSSHAIR: Rgb = (128, 128, 128)
HEAT: Rgb = BLUE  # confusion-matrix cells, shaded by their share of the row

STATUS_COLORS: dict[RunStatus, Rgb] = {
    RunStatus.RUNNING: BLUE,
    RunStatus.FINISHED: GREEN,
    RunStatus.STOPPED: (190, 120, 0),
    RunStatus.FAILED: (200, 40, 40),
    RunStatus.CRASHED: (200, 40, 40),
}

ERROR_TEXT = "#c62828"
MUTED_TEXT = "#616161"
ERROR_STYLE = f"color: {ERROR_TEXT};"
ERROR_BORDER = f"QLineEdit, QComboBox {{ border: 1px solid {ERROR_TEXT}; border-radius: 2px; }}"
ERROR_BOX = "background: #fdecea; border: 1px solid #e57373; color: #8e1b1b;"
INFO_BOX = "background: #eef4fb; border: 1px solid #9ab8d8; color: #1d3b5a;"
WARNING_BOX = "background: #fff4e5; border: 1px solid #f0b35a;"
IMAGE_BACKGROUND = "background: #202020; border: 1px solid #888;"


def run_color(index: int) -> Rgb:
    """The colour of the ``index``-th run of a comparison."""
    return RUN_COLORS[index % len(RUN_COLORS)]


def hex_color(rgb: Rgb) -> str:
    """(68, 119, 170) -> "#4477aa"."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)
