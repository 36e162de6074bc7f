"""The items of the architecture diagram: boxes, stage frames, labelled edges, and their styles.

``architecture_scene`` places them: top to bottom along one main column, input, the stem's layers,
each stage as a container of its blocks (or one box while collapsed), global average pooling, fc,
output. Inside a block the convolutions run down the main column and the shortcut runs down a side
column, either a plain line ("identity") or a 1×1 convolution, joining the main path at an add
node. Every edge is labelled with the shape (C×H×W) of the tensor it carries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsScene,
    QStyleOptionGraphicsItem,
    QWidget,
)

from ...widgets import palette
from ...widgets.palette import DiagramColors

# Geometry (scene units = pixels at 100 %).
TOP_W, BOX_W, SHORT_W = 250.0, 210.0, 160.0
BOX_H, ONE_LINE_H = 38.0, 26.0
GAP = 34.0  # between consecutive boxes: room for an edge label
SHORT_X = 232.0  # centre of the shortcut column
BLOCK_LEFT, BLOCK_RIGHT = -305.0, 325.0
STAGE_LEFT, STAGE_RIGHT = -320.0, 340.0
HEADER_H = 44.0
BLOCK_TITLE_H = 40.0
ADD_R = 11.0
_fonts: dict[str, QFont] = {}


def font(role: str) -> QFont:
    """The diagram's fonts: "title" (bold), "text" and "small" (edge labels)."""
    if role not in _fonts:
        f = QFont()
        f.setPointSizeF({"title": 9.0, "text": 8.5, "small": 8.0}[role])
        f.setBold(role == "title")
        _fonts[role] = f
    return _fonts[role]


class DiagramScene(QGraphicsScene):
    """The diagram's scene: its items paint in ``theme``'s colours (an export switches to the light theme)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.theme = palette.current()


def colors_of(item: QGraphicsItem) -> DiagramColors:
    """The diagram colours ``item`` paints in: its scene's theme, else the current one."""
    scene = item.scene()
    return (scene.theme if isinstance(scene, DiagramScene) else palette.current()).diagram


def shape_text(shape: Sequence[int]) -> str:
    """A tensor shape without its batch dimension: (1, 64, 24, 24) -> "64×24×24"."""
    return "×".join(str(d) for d in tuple(shape)[1:]) or "scalar"


class DiagramBox(QGraphicsItem):
    """A rounded box (or a circle) with up to three lines of text; selectable when it has a name."""

    def __init__(
        self,
        rect: QRectF,
        kind: str,
        lines: Sequence[str],
        name: str = "",
        align_left: bool = False,
        dashed: bool = False,
        circle: bool = False,
        plain: bool = False,
    ) -> None:
        super().__init__()
        self.rect = rect
        self.kind = kind
        self.lines = tuple(lines)
        self.name = name
        self._align_left = align_left
        self._dashed = dashed
        self._circle = circle
        self._plain = plain
        if name:
            self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
            self.setToolTip(name)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton if name else Qt.MouseButton.NoButton)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        """The box plus room for the selection outline."""
        return self.rect.adjusted(-3, -3, 3, 3)

    def text(self) -> str:
        """Every line of the box, joined by newlines."""
        return "\n".join(self.lines)

    def colors(self) -> tuple[QColor, QColor]:
        """The box's fill and border in the theme it paints in."""
        kinds = colors_of(self).kinds
        fill, border = kinds.get(self.kind, kinds["layer"])
        return QColor(fill), QColor(border)

    def _outline(self, colors: DiagramColors) -> tuple[QPen, QBrush]:
        """The pen (the selection's when selected) and the brush of the box."""
        fill, border = self.colors()
        if self.isSelected():
            return QPen(QColor(colors.select), 2.6), QBrush(fill)
        return QPen(border, 1.2, Qt.PenStyle.DashLine if self._dashed else Qt.PenStyle.SolidLine), QBrush(fill)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        """Draw the outline, the fill and the text."""
        colors = colors_of(self)
        if self._plain:
            painter.setPen(QColor(colors.muted))
            painter.setFont(font("small"))
            painter.drawText(self.rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, self.text())
            return
        pen, brush = self._outline(colors)
        painter.setPen(pen)
        painter.setBrush(brush)
        if self._circle:
            painter.drawEllipse(self.rect)
        else:
            painter.drawRoundedRect(self.rect, 5, 5)
        self._paint_text(painter, colors)

    def _paint_text(self, painter: QPainter, colors: DiagramColors) -> None:
        painter.setPen(QColor(colors.text))
        if self._circle:
            painter.setFont(font("title"))
            painter.drawText(self.rect, Qt.AlignmentFlag.AlignCenter, self.lines[0] if self.lines else "")
            return
        if self._align_left:
            self.paint_lines(painter, self.rect.adjusted(8, 5, -8, -4), Qt.AlignmentFlag.AlignLeft)
        else:
            self.paint_lines(painter, self.rect.adjusted(4, 3, -4, -3), Qt.AlignmentFlag.AlignHCenter)

    def paint_lines(self, painter: QPainter, area: QRectF, align: Qt.AlignmentFlag) -> None:
        """The first line bold, the rest plain, stacked from the top of ``area`` (centred vertically
        when the box is not left-aligned)."""
        heights = [15.0 if i == 0 else 13.0 for i in range(len(self.lines))]
        y = area.top() if self._align_left else area.center().y() - sum(heights) / 2
        for i, (line, h) in enumerate(zip(self.lines, heights, strict=False)):
            f = font("title" if i == 0 else "text")
            painter.setFont(f)
            text = QFontMetricsF(f).elidedText(line, Qt.TextElideMode.ElideRight, area.width())
            painter.drawText(QRectF(area.left(), y, area.width(), h), align | Qt.AlignmentFlag.AlignVCenter, text)
            y += h


class StageFrame(DiagramBox):
    """A stage's container: a header strip (arrow, name, block count, output shape) over its blocks.

    A click on the header calls ``on_toggle(name)``; the view redraws the stage expanded or
    collapsed.
    """

    def __init__(
        self, rect: QRectF, name: str, lines: Sequence[str], expanded: bool, on_toggle: Callable[[str], None]
    ) -> None:
        super().__init__(rect, "stage", lines, name, align_left=True)
        self.expanded = expanded
        self.header = QRectF(rect.left(), rect.top(), rect.width(), HEADER_H)
        self._on_toggle = on_toggle
        self.setToolTip(f"{name}: click the header to {'collapse' if expanded else 'expand'}")

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        """The frame, a shaded header strip with a toggle arrow, and the header text."""
        colors = colors_of(self)
        pen, brush = self._outline(colors)
        painter.setPen(pen)
        painter.setBrush(brush)
        painter.drawRoundedRect(self.rect, 7, 7)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colors.header))
        painter.drawRoundedRect(self.header.adjusted(1.5, 1.5, -1.5, 0), 6, 6)
        painter.setPen(QColor(colors.header_text))
        painter.setFont(font("title"))
        arrow = QRectF(self.header.left() + 6, self.header.top() + 4, 16, 18)
        painter.drawText(arrow, Qt.AlignmentFlag.AlignCenter, "▾" if self.expanded else "▸")
        painter.setPen(QColor(colors.text))
        # The text keeps to the left of the main column, which runs through the header at x = 0.
        text_area = QRectF(self.header.left() + 24, self.header.top() + 4, -10 - self.header.left() - 24, HEADER_H - 6)
        self.paint_lines(painter, text_area, Qt.AlignmentFlag.AlignLeft)

    def mousePressEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        """Select the stage; a press on the header also toggles it."""
        super().mousePressEvent(event)
        if self.header.contains(event.pos()):
            self._on_toggle(self.name)


class DiagramEdge(QGraphicsItem):
    """A polyline with an arrowhead at its end and an optional shape label beside it."""

    def __init__(
        self,
        points: Sequence[QPointF],
        label: str = "",
        label_at: QPointF | None = None,
        dashed: bool = False,
        arrow: bool = True,
        shortcut: bool = False,
    ) -> None:
        super().__init__()
        self.points = list(points)
        self.label = label
        self._label_at = label_at
        self._arrow = arrow
        self._style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
        self._shortcut = shortcut
        self.setZValue(3)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        path = QPainterPath(self.points[0])
        for p in self.points[1:]:
            path.lineTo(p)
        self._path = path
        rect = path.boundingRect().adjusted(-6, -6, 6, 6)
        if label and label_at is not None:
            width = QFontMetricsF(font("small")).horizontalAdvance(label) + 4
            self._label_rect = QRectF(label_at.x(), label_at.y() - 8, width, 16)
            rect = rect.united(self._label_rect)
        else:
            self._label_rect = QRectF()
        self._bounds = rect

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        """The line, the arrowhead and the label."""
        return self._bounds

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        """Draw the line, its arrowhead and its label."""
        colors = colors_of(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(colors.edge), 1.3, self._style))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        if self._arrow and len(self.points) >= 2:
            self._paint_arrow(painter, self.points[-2], self.points[-1], QColor(colors.edge))
        if not self._label_rect.isNull():
            painter.setPen(QColor(colors.shortcut_label if self._shortcut else colors.edge_label))
            painter.setFont(font("small"))
            painter.drawText(self._label_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.label)

    def _paint_arrow(self, painter: QPainter, a: QPointF, b: QPointF, color: QColor) -> None:
        dx, dy = b.x() - a.x(), b.y() - a.y()
        length = max((dx * dx + dy * dy) ** 0.5, 1e-6)
        ux, uy = dx / length, dy / length
        size = 6.0
        left = QPointF(b.x() - ux * size - uy * size * 0.6, b.y() - uy * size + ux * size * 0.6)
        right = QPointF(b.x() - ux * size + uy * size * 0.6, b.y() - uy * size - ux * size * 0.6)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawPolygon(QPolygonF([b, left, right]))


@dataclass
class Diagram:
    """What a layout put in the scene, by name, for selection and for tests."""

    boxes: list[DiagramBox] = field(default_factory=list)
    edges: list[DiagramEdge] = field(default_factory=list)
    named: dict[str, DiagramBox] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # a part drawn inside another's box
    stages: dict[str, StageFrame] = field(default_factory=dict)
