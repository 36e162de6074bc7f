"""The layout of the architecture diagram: one summary's layers, stages and blocks placed as items.

The layout runs top to bottom along one main column: input, the stem's layers, each stage as a
container of its blocks (or one box while collapsed), global average pooling, fc, output. Inside a
block the convolutions run down the main column and the shortcut runs down a side column, either
a plain line ("identity") or a 1×1 convolution, joining the main path at an add node.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QGraphicsScene

from .diagram_items import (
    ADD_R,
    BLOCK_LEFT,
    BLOCK_RIGHT,
    BLOCK_TITLE_H,
    BOX_H,
    BOX_W,
    GAP,
    HEADER_H,
    ONE_LINE_H,
    SHORT_W,
    SHORT_X,
    STAGE_LEFT,
    STAGE_RIGHT,
    TOP_W,
    Diagram,
    DiagramBox,
    DiagramEdge,
    StageFrame,
    shape_text,
)


def _kind_of(type_name: str) -> str:
    if "Conv" in type_name:
        return "conv"
    if "Norm" in type_name:
        return "norm"
    if type_name in ("ReLU", "GELU", "SiLU", "Sigmoid", "Tanh"):
        return "activation"
    if "Pool" in type_name:
        return "pool"
    if type_name == "Linear":
        return "fc"
    return "layer"


def _describe(row: Any) -> str:
    """The second line of a top-level layer's box."""
    if row.type == "Conv2d":
        return f"{row.kernel} conv, stride {row.stride} · {row.output_shape[1]} ch"
    if row.kernel:
        return f"{row.type} {row.kernel}, stride {row.stride}"
    if row.params:
        return f"{row.type} · {row.params:,} params"
    return row.type


def _conv_lines(conv: Any, extras: Sequence[str]) -> list[str]:
    """A convolution's box: "conv1 · 3×3 conv" over "stride 2 · 128 ch + bn1, ReLU"."""
    after = " + " + ", ".join(extras) if extras else ""
    return [f"{conv.name} · {conv.kernel} conv", f"stride {conv.stride} · {conv.output_shape[1]} ch{after}"]


class DiagramBuilder:
    """Places the items of one summary in a scene; ``expanded(stage)`` says which stages show blocks."""

    def __init__(
        self, scene: QGraphicsScene, expanded: Callable[[str], bool], on_toggle: Callable[[str], None]
    ) -> None:
        self._scene = scene
        self._expanded = expanded
        self._on_toggle = on_toggle
        self.diagram = Diagram()

    def _box(
        self, rect: QRectF, kind: str, lines: Sequence[str], name: str = "", z: float = 5, **options: Any
    ) -> DiagramBox:
        box = DiagramBox(rect, kind, lines, name, **options)
        box.setZValue(z)
        self._scene.addItem(box)
        self.diagram.boxes.append(box)
        if name:
            self.diagram.named[name] = box
        return box

    def _edge(
        self, points: Sequence[QPointF], label: str = "", label_at: QPointF | None = None, **options: Any
    ) -> DiagramEdge:
        edge = DiagramEdge(points, label, label_at, **options)
        self._scene.addItem(edge)
        self.diagram.edges.append(edge)
        return edge

    def _flow_edge(self, y_from: float, y_to: float, label: str, label_y: float | None = None) -> None:
        """A downward edge on the main column, its label beside the line."""
        ly = (y_from + y_to) / 2 if label_y is None else label_y
        self._edge([QPointF(0, y_from), QPointF(0, y_to)], label, QPointF(7, ly))

    def build(self, summary: Any) -> Diagram:
        """Lay out ``summary`` (a ``resnet_gui.model.summary.Summary``) from y = 0 downwards."""
        c, h, w = summary.input_shape
        self._box(QRectF(-TOP_W / 2, 0, TOP_W, BOX_H), "input", ["input", f"{c}×{h}×{w} image"], "input")
        exit_y = bottom = BOX_H
        current = f"{c}×{h}×{w}"
        for row in summary.top_level:
            blocks = summary.children(row.name)
            if blocks:
                exit_y, bottom = self._stage(row, blocks, exit_y, bottom, current)
            else:
                top = bottom + GAP
                self._flow_edge(exit_y, top, current, bottom + GAP / 2)
                kind = "fc" if row.name == "fc" else _kind_of(row.type)
                self._box(QRectF(-TOP_W / 2, top, TOP_W, BOX_H), kind, [row.name, _describe(row)], row.name)
                exit_y = bottom = top + BOX_H
            current = shape_text(row.output_shape)
        top = bottom + GAP
        self._flow_edge(exit_y, top, current, bottom + GAP / 2)
        classes = summary.rows[-1].output_shape[-1] if summary.rows else 0
        self._box(QRectF(-TOP_W / 2, top, TOP_W, ONE_LINE_H), "output", [f"output · {classes} class scores"])
        return self.diagram

    def _stage(
        self, row: Any, blocks: Sequence[Any], exit_y: float, above: float, incoming: str
    ) -> tuple[float, float]:
        """Draw a stage below ``above``, fed from ``exit_y``; returns (its output's y, its bottom)."""
        top = above + GAP
        expanded = self._expanded(row.name)
        kinds = "/".join(sorted({b.type for b in blocks}))
        lines = [f"{row.name} · {row.params:,} params", f"{len(blocks)} × {kinds} → {shape_text(row.output_shape)}"]
        inner = top + HEADER_H + 8
        if expanded:
            label_y = above + GAP / 2
            block_top = inner
            for i, block in enumerate(blocks):
                label = incoming if i == 0 else shape_text(blocks[i - 1].output_shape)
                exit_y, bottom = self._block(block, block_top, exit_y, label, label_y)
                label_y = bottom + GAP / 2
                block_top = bottom + GAP
            stage_bottom = bottom + 10
        else:
            self._flow_edge(exit_y, inner, incoming, above + GAP / 2)
            self._box(
                QRectF(-BOX_W / 2, inner, BOX_W, BOX_H),
                "stage-collapsed",
                [f"{len(blocks)} blocks (collapsed)", f"output {shape_text(row.output_shape)}"],
                f"{row.name}:collapsed",
            )
            self.diagram.named[f"{row.name}:collapsed"].setToolTip(f"{row.name}: click its header to expand")
            self.diagram.aliases[f"{row.name}:collapsed"] = row.name
            exit_y = inner + BOX_H
            stage_bottom = exit_y + 10
        frame = StageFrame(
            QRectF(STAGE_LEFT, top, STAGE_RIGHT - STAGE_LEFT, stage_bottom - top),
            row.name,
            lines,
            expanded,
            self._on_toggle,
        )
        frame.setZValue(1)
        self._scene.addItem(frame)
        self.diagram.boxes.append(frame)
        self.diagram.named[row.name] = frame
        self.diagram.stages[row.name] = frame
        return exit_y, stage_bottom

    def _block(self, block: Any, top: float, edge_from: float, label: str, label_y: float) -> tuple[float, float]:
        """Draw one residual block at ``top``, fed from ``edge_from``; returns (its output's y, its bottom)."""
        parts = list(block.parts)
        convs = [i for i, p in enumerate(parts) if p.type == "Conv2d"]
        projection = convs[-1] if block.shortcut and block.shortcut != "identity" and convs else None
        main = parts[:projection] if projection is not None else parts
        side = parts[projection:] if projection is not None else []

        fork_y = top + 14
        y = top + BLOCK_TITLE_H
        self._edge([QPointF(0, edge_from), QPointF(0, y)], label, QPointF(7, label_y))
        self._box(QRectF(-3.5, fork_y - 3.5, 7, 7), "fork", [], circle=True, z=6)
        main_convs = [i for i, p in enumerate(main) if p.type == "Conv2d"]
        for n, i in enumerate(main_convs):
            conv = main[i]
            follow = main[i + 1 : (main_convs[n + 1] if n + 1 < len(main_convs) else len(main))]
            extras = [p.name for p in follow]
            if n + 1 < len(main_convs):
                extras.append("ReLU")
            name = f"{block.name}.{conv.name}"
            self._box(QRectF(-BOX_W / 2, y, BOX_W, BOX_H), "conv", _conv_lines(conv, extras), name)
            for p in follow:
                self.diagram.aliases[f"{block.name}.{p.name}"] = name
            y += BOX_H
            if n + 1 < len(main_convs):
                self._flow_edge(y, y + GAP, shape_text(conv.output_shape))
                y += GAP
        add_y = y + GAP * 0.75 + ADD_R
        self._edge([QPointF(0, y), QPointF(0, add_y - ADD_R)])
        self._box(QRectF(-ADD_R, add_y - ADD_R, 2 * ADD_R, 2 * ADD_R), "add", ["+"], circle=True, z=6)
        self._box(QRectF(-BOX_W / 2, add_y - 8, BOX_W / 2 - ADD_R - 6, 16), "note", ["add, then ReLU"], plain=True)
        self._shortcut(block, side, fork_y, add_y)
        bottom = add_y + ADD_R + 12
        frame = DiagramBox(
            QRectF(BLOCK_LEFT, top, BLOCK_RIGHT - BLOCK_LEFT, bottom - top),
            "block",
            [block.name, block.type],
            block.name,
            align_left=True,
            dashed=True,
        )
        frame.setZValue(2)
        frame.setToolTip(f"{block.name}: {block.type}, shortcut {block.shortcut}, {block.params:,} params")
        self._scene.addItem(frame)
        self.diagram.boxes.append(frame)
        self.diagram.named[block.name] = frame
        return add_y + ADD_R, bottom

    def _shortcut(self, block: Any, side: Sequence[Any], fork_y: float, add_y: float) -> None:
        """The skip path: right from the fork, down the side column, left into the add node."""
        x = SHORT_X
        if not side:
            mid = (fork_y + add_y) / 2
            self._edge(
                [QPointF(0, fork_y), QPointF(x, fork_y), QPointF(x, add_y), QPointF(ADD_R, add_y)],
                "identity",
                QPointF(x + 6, mid),
                dashed=True,
                shortcut=True,
            )
            return
        conv = side[0]
        name = f"{block.name}.{conv.name}"
        extras = [p.name for p in side[1:]]
        lines = _conv_lines(conv, extras)
        box_top = (fork_y + add_y) / 2 - BOX_H / 2
        self._edge([QPointF(0, fork_y), QPointF(x, fork_y), QPointF(x, box_top)])
        self._box(QRectF(x - SHORT_W / 2, box_top, SHORT_W, BOX_H), "shortcut", lines, name)
        for p in side[1:]:
            self.diagram.aliases[f"{block.name}.{p.name}"] = name
        self._edge(
            [QPointF(x, box_top + BOX_H), QPointF(x, add_y), QPointF(ADD_R, add_y)],
            shape_text(conv.output_shape),
            QPointF(x + 6, (box_top + BOX_H + add_y) / 2),
        )
