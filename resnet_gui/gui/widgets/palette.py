"""The app's colours, in one place, in a light and a dark theme, and the current theme.

Run and curve colours are Paul Tol's "bright" scheme, which stays distinct for the common forms
of colour blindness, and are the same in both themes; everything else (Qt's palette, plot
backgrounds and axes, the diagram, the confusion matrix, messages, statuses) has a light and a
dark value in a ``Theme``. Views call ``follow`` with a method that re-colours them, and widgets
styled by a sheet get a tone (``set_tone``); both follow ``set_current``. Exports are drawn in
``EXPORT`` (light): a white background is what goes in a paper or on a slide.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QWidget

from ...runs.status import RunStatus
from ..qt_compat import emit

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
TEAL: Rgb = (0, 153, 136)  # from Tol's "vibrant" scheme: stands out on white where cyan does not

# The Training tab's curves and the Data tab's bars (both themes).
EPOCH_LOSS = BLUE
SMOOTHED_LOSS = PURPLE
TRAIN_ACC = RED
TEST_ACC = GREEN
TEST_LOSS = GREEN  # the test set's curves share a colour on both plots
LEARNING_RATE = PURPLE
TRAIN_SPLIT = BLUE
TEST_SPLIT = RED
CROSSHAIR: Rgb = (128, 128, 128)


@dataclass(frozen=True)
class UiColors:
    """Qt's palette: window, fields, buttons, selection, tooltips, links, disabled text."""

    window: str
    window_text: str
    base: str
    alternate_base: str
    text: str
    button: str
    button_text: str
    highlight: str
    highlighted_text: str
    tooltip_base: str
    tooltip_text: str
    link: str
    placeholder: str
    disabled_text: str
    mid: str


@dataclass(frozen=True)
class Box:
    """A message box's tint: background, border and (None: the window's) text."""

    background: str
    border: str
    text: str | None = None


@dataclass(frozen=True)
class DiagramColors:
    """The architecture diagram: the background, box kinds (fill, border), text, edges, selection."""

    background: str
    kinds: Mapping[str, tuple[str, str]]
    text: str
    muted: str
    edge: str
    edge_label: str
    shortcut_label: str
    header: str
    header_text: str
    select: str


@dataclass(frozen=True)
class Theme:
    """Every colour that differs between the light and the dark look."""

    name: str
    ui: UiColors
    muted_text: str
    error_text: str
    link_hover: str
    error_box: Box
    info_box: Box
    warning_box: Box
    image_background: Box
    empty_tile: str
    plot_background: Rgb
    plot_foreground: Rgb
    legend_background: tuple[int, int, int, int]
    raw_batch_loss: Rgb
    raw_batch_alpha: int  # the raw batch losses under a smoothed curve
    heat_low: Rgb  # confusion-matrix cells, shaded from low to high by their share of the row
    heat_high: Rgb
    diverging: tuple[Rgb, Rgb]  # difference matrices: (in run A's favour, in run B's), heat_low between
    accuracy_cell: Rgb
    status: Mapping[RunStatus, Rgb]
    diagram: DiagramColors = field(repr=False)

    @property
    def dark(self) -> bool:
        """True for a dark background."""
        return self.name == "dark"

    def heat(self, share: float) -> Rgb:
        """The colour of a confusion-matrix cell holding ``share`` (0..1) of its row."""
        t = min(max(share, 0.0), 1.0)
        low, high = self.heat_low, self.heat_high
        return (
            round(low[0] + (high[0] - low[0]) * t),
            round(low[1] + (high[1] - low[1]) * t),
            round(low[2] + (high[2] - low[2]) * t),
        )


LIGHT = Theme(
    name="light",
    ui=UiColors(
        window="#efefef",
        window_text="#000000",
        base="#ffffff",
        alternate_base="#f7f7f7",
        text="#000000",
        button="#efefef",
        button_text="#000000",
        highlight="#308cc6",
        highlighted_text="#ffffff",
        tooltip_base="#ffffdc",
        tooltip_text="#000000",
        link="#0000ff",
        placeholder="#808080",
        disabled_text="#9e9e9e",
        mid="#b8b8b8",
    ),
    muted_text="#616161",
    error_text="#c62828",
    link_hover="#1565c0",
    error_box=Box("#fdecea", "#e57373", "#8e1b1b"),
    info_box=Box("#eef4fb", "#9ab8d8", "#1d3b5a"),
    warning_box=Box("#fff4e5", "#f0b35a"),
    image_background=Box("#202020", "#888888"),
    empty_tile="#bbbbbb",
    plot_background=(255, 255, 255),
    plot_foreground=(64, 64, 64),
    legend_background=(255, 255, 255, 210),
    raw_batch_loss=TEAL,
    raw_batch_alpha=230,
    heat_low=(255, 255, 255),
    heat_high=BLUE,
    diverging=((178, 24, 43), (33, 102, 172)),  # Tol's BuRd ends
    accuracy_cell=(236, 236, 236),
    status={
        RunStatus.RUNNING: BLUE,
        RunStatus.FINISHED: GREEN,
        RunStatus.FINISHED_EARLY: GREEN,
        RunStatus.STOPPED: (190, 120, 0),
        RunStatus.FAILED: (200, 40, 40),
        RunStatus.CRASHED: (200, 40, 40),
        RunStatus.PRUNED: (120, 120, 120),
    },
    diagram=DiagramColors(
        background="#ffffff",
        kinds={
            "input": ("#eceff1", "#546e7a"),
            "output": ("#eceff1", "#546e7a"),
            "conv": ("#e3f2fd", "#1e88e5"),
            "norm": ("#f3e5f5", "#8e24aa"),
            "activation": ("#fff8e1", "#f9a825"),
            "pool": ("#e8f5e9", "#43a047"),
            "fc": ("#fff3e0", "#fb8c00"),
            "layer": ("#fafafa", "#757575"),
            "shortcut": ("#e0f7fa", "#00838f"),
            "stage": ("#f5f7fa", "#90a4ae"),
            "stage-collapsed": ("#e8eaf6", "#3949ab"),
            "block": ("#ffffff", "#b0bec5"),
            "add": ("#ffffff", "#37474f"),
            "fork": ("#ffffff", "#37474f"),
        },
        text="#212121",
        muted="#616161",
        edge="#546e7a",
        edge_label="#455a64",
        shortcut_label="#00838f",
        header="#e3e8ee",
        header_text="#37474f",
        select="#ff6f00",
    ),
)

DARK = Theme(
    name="dark",
    ui=UiColors(
        window="#2f2f2f",
        window_text="#e8e8e8",
        base="#1e1e1e",
        alternate_base="#272727",
        text="#e8e8e8",
        button="#3a3a3a",
        button_text="#e8e8e8",
        highlight="#3d7ab8",
        highlighted_text="#ffffff",
        tooltip_base="#3a3a3a",
        tooltip_text="#e8e8e8",
        link="#66ccee",
        placeholder="#8c8c8c",
        disabled_text="#7a7a7a",
        mid="#8a8a8a",
    ),
    muted_text="#a8a8a8",
    error_text="#ff8a80",
    link_hover="#90caf9",
    error_box=Box("#3d1f1f", "#b55050", "#ffcdd2"),
    info_box=Box("#1c2b3a", "#4f7aa6", "#cfe3f7"),
    warning_box=Box("#3a2e14", "#b88a3e"),
    image_background=Box("#000000", "#5a5a5a"),
    empty_tile="#5a5a5a",
    plot_background=(18, 18, 18),  # darker than the fields: purple and blue curves keep a 3:1 contrast
    plot_foreground=(200, 200, 200),
    legend_background=(18, 18, 18, 210),
    raw_batch_loss=CYAN,
    raw_batch_alpha=150,
    heat_low=(30, 30, 30),
    heat_high=(119, 170, 221),  # Tol's light blue: bright against the dark cells
    diverging=((238, 102, 119), (119, 170, 221)),
    accuracy_cell=(56, 56, 56),
    status={
        RunStatus.RUNNING: CYAN,
        RunStatus.FINISHED: (110, 190, 110),
        RunStatus.FINISHED_EARLY: (110, 190, 110),
        RunStatus.STOPPED: (230, 165, 60),
        RunStatus.FAILED: (255, 120, 120),
        RunStatus.CRASHED: (255, 120, 120),
        RunStatus.PRUNED: (165, 165, 165),
    },
    diagram=DiagramColors(
        background="#1e1e1e",
        kinds={
            "input": ("#2c3338", "#90a4ae"),
            "output": ("#2c3338", "#90a4ae"),
            "conv": ("#1a2c3f", "#64b5f6"),
            "norm": ("#2e1f33", "#ce93d8"),
            "activation": ("#332b14", "#ffd54f"),
            "pool": ("#1c2f1f", "#81c784"),
            "fc": ("#35260f", "#ffb74d"),
            "layer": ("#2a2a2a", "#9e9e9e"),
            "shortcut": ("#15302f", "#4dd0e1"),
            "stage": ("#242a30", "#607d8b"),
            "stage-collapsed": ("#232842", "#7986cb"),
            "block": ("#1e1e1e", "#607d8b"),
            "add": ("#1e1e1e", "#cfd8dc"),
            "fork": ("#1e1e1e", "#cfd8dc"),
        },
        text="#e6e6e6",
        muted="#a8a8a8",
        edge="#90a4ae",
        edge_label="#b0bec5",
        shortcut_label="#4dd0e1",
        header="#2f3a44",
        header_text="#cfd8dc",
        select="#ffab40",
    ),
)

THEMES: dict[str, Theme] = {LIGHT.name: LIGHT, DARK.name: DARK}
EXPORT = LIGHT  # plots and diagrams are saved in the light theme whatever the window shows


def run_color(run_id: int, chosen: str = "") -> Rgb:
    """A run's one colour in every view: ``chosen`` (its stored "#rrggbb") if the user chose one, else the palette's."""
    r, g, b = bytes.fromhex(chosen[1:]) if chosen else RUN_COLORS[(run_id - 1) % len(RUN_COLORS)]
    return (r, g, b)


def hex_color(rgb: Rgb) -> str:
    """(68, 119, 170) -> "#4477aa"."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def text_on(rgb: Rgb) -> Rgb:
    """Black or white, whichever reads better on a background of ``rgb``."""
    luminance = (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255
    return (0, 0, 0) if luminance > 0.45 else (255, 255, 255)


# --- the current theme and who follows it ---------------------------------------------------


class _Signals(QObject):
    changed = Signal(object)  # Theme


_current = LIGHT
_signals: _Signals | None = None


def _notifier() -> _Signals:
    global _signals
    if _signals is None:
        _signals = _Signals()
    return _signals


def current() -> Theme:
    """The theme the window shows now."""
    return _current


def status_color(status: RunStatus) -> Rgb | None:
    """The text colour of a run status in the current theme (None: the table's own)."""
    return _current.status.get(status)


def follow(apply: Callable[[Theme], None]) -> None:
    """Call ``apply`` with the current theme now and with every new one.

    ``apply`` must be a method of a QObject: the connection then ends with the object.
    """
    apply(_current)
    _notifier().changed.connect(apply)


def set_current(theme: Theme) -> None:
    """Make ``theme`` the current one: toned widgets are restyled and followers called."""
    global _current
    if theme == _current:
        return
    _current = theme
    app = QApplication.instance()
    if isinstance(app, QApplication):
        for widget in app.allWidgets():
            tone = widget.property(TONE_PROPERTY)
            if tone:
                widget.setStyleSheet(tone_style(theme, str(tone)))
    emit(_notifier().changed, theme)


# --- tones: widgets styled by a sheet --------------------------------------------------------

TONE_PROPERTY = "tone"


def _box_rule(box: Box, extra: str = "") -> str:
    text = f" color: {box.text};" if box.text else ""
    return f"background: {box.background}; border: 1px solid {box.border};{text}{extra}"


def tone_style(theme: Theme, tone: str) -> str:
    """The style sheet of a widget of ``tone`` in ``theme``; its rules match that widget, not its children.

    Tones: "error" and "muted" text, "error-field" (a red border round an input), "error-box",
    "info-box", "warning-box" and "banner" (tinted boxes), "image" (the dark well behind an image),
    "empty-tile" (a dashed square), "section" (a section header with a hover colour).
    """
    me = f'*[{TONE_PROPERTY}="{tone}"]'
    rules = {
        "error": f"{me} {{ color: {theme.error_text}; }}",
        "muted": f"{me} {{ color: {theme.muted_text}; }}",
        "error-field": f"QLineEdit{me}, QComboBox{me} {{ border: 1px solid {theme.error_text}; border-radius: 2px; }}",
        "error-box": f"{me} {{ {_box_rule(theme.error_box, ' padding: 6px;')} }}",
        "info-box": f"{me} {{ {_box_rule(theme.info_box, ' padding: 6px;')} }}",
        "warning-box": f"{me} {{ {_box_rule(theme.warning_box, ' border-radius: 4px;')} }}",
        "banner": (
            f"{me} {{ background: {theme.error_box.background}; border: 1px solid {theme.error_box.border}; "
            f"border-radius: 4px; }} {me} QLabel {{ color: {theme.error_box.text}; }}"
        ),
        "image": f"{me} {{ {_box_rule(theme.image_background)} }}",
        "empty-tile": f"{me} {{ border: 1px dashed {theme.empty_tile}; }}",
        "section": (
            f"{me} {{ border: none; font-weight: bold; padding: 4px 0px; text-align: left; }}"
            f"{me}:hover {{ color: {theme.link_hover}; }}"
        ),
    }
    if tone not in rules:
        raise ValueError(f"unknown tone {tone!r}")
    return rules[tone]


def set_tone(widget: QWidget, tone: str) -> None:
    """Style ``widget`` as ``tone`` in the current theme and in every later one ("" for no style)."""
    widget.setProperty(TONE_PROPERTY, tone)
    widget.setStyleSheet(tone_style(_current, tone) if tone else "")
