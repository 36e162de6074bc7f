"""The Architecture tab: the network as a diagram of boxes, stages folding to one box each.

It redraws from the same Summary as the layer table. Selecting a box emits ``layer_selected``
with the layer's name ("3", "resnet_block2", "resnet_block2.0.conv1"), and ``select_layer``
highlights a box from outside, so the diagram and the table follow each other. The diagram
exports to PNG and SVG.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QShowEvent, QWheelEvent
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ...qt_compat import emit
from ...widgets import palette
from ...widgets.buttons import tool_button
from ...widgets.file_dialogs import ask_save_path
from .architecture_scene import DiagramBuilder
from .diagram_items import Diagram, DiagramBox, DiagramScene, font

# Networks with at most this many blocks start with every stage expanded; bigger ones collapsed.
EXPAND_BLOCK_LIMIT = 8
EXPORT_MARGIN = 16.0
PNG_SCALE = 2.0
ZOOM_STEP = 1.2
INVALID_TEXT = "The settings cannot be summarised: fix the network fields marked in red."


class _DiagramView(QGraphicsView):
    """A graphics view that zooms with Ctrl + wheel."""

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        """Ctrl + wheel zooms around the pointer; the plain wheel scrolls."""
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            factor = ZOOM_STEP if event.angleDelta().y() > 0 else 1 / ZOOM_STEP
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
            self.scale(factor, factor)
            event.accept()
        else:
            super().wheelEvent(event)


class ArchitectureView(QWidget):
    """The diagram with Expand all, Collapse all, zoom and export buttons above it."""

    layer_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scene = DiagramScene(self)
        self._scene.setItemIndexMethod(DiagramScene.ItemIndexMethod.NoIndex)
        self._scene.selectionChanged.connect(self._on_scene_selection_changed)
        self._view = _DiagramView(self._scene)
        self._view.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self._view.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self._view.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)

        self._caption = QLabel("loading the layer summary…")
        self._caption.setObjectName("architecture-caption")
        self._caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._status = QLabel()
        palette.set_tone(self._status, "muted")
        self.expand_button = tool_button("Expand all", "Show every block of every stage", self._on_expand_all)
        self.collapse_button = tool_button("Collapse all", "Show each stage as one box", self._on_collapse_all)
        self.zoom_out_button = tool_button("−", "Zoom out (Ctrl + wheel)", self._on_zoom_out)
        self.zoom_in_button = tool_button("+", "Zoom in (Ctrl + wheel)", self._on_zoom_in)
        self.fit_button = tool_button("Fit", "Fit the whole diagram in the view", self._on_fit)
        self.png_button = tool_button("Export PNG…", "Save the diagram as a PNG image", self._on_export_png)
        self.svg_button = tool_button("Export SVG…", "Save the diagram as an SVG drawing", self._on_export_svg)
        for b in (self.zoom_out_button, self.zoom_in_button):
            b.setFixedWidth(32)
        self._buttons = (
            self.expand_button,
            self.collapse_button,
            self.zoom_out_button,
            self.zoom_in_button,
            self.fit_button,
            self.png_button,
            self.svg_button,
        )

        top = QHBoxLayout()
        for b in self._buttons:
            top.addWidget(b)
            if b in (self.collapse_button, self.fit_button):
                top.addSpacing(12)
        top.addStretch(1)
        hint = QLabel("Click a stage's header to fold it; click a box to find it in the Layers tab.")
        palette.set_tone(hint, "muted")
        hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bottom = QHBoxLayout()
        bottom.addWidget(self._caption, 1)
        bottom.addWidget(self._status)
        self._view.setToolTip(hint.text())
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self._view, 1)
        layout.addLayout(bottom)
        layout.addWidget(hint)

        self._summary: Any = None
        self._diagram = Diagram()
        self._dirty = False
        self._syncing = False
        self._selected = ""
        self._overrides: dict[str, tuple[bool, int]] = {}  # stage -> (expanded, its block count)
        self._fit_scale: float | None = None  # the zoom Fit chose, while the user has not zoomed since
        self._update_buttons()
        palette.follow(self._apply_theme)

    # -- public API --------------------------------------------------------------------------

    @property
    def scene(self) -> DiagramScene:
        """The scene holding the diagram."""
        return self._scene

    @property
    def view(self) -> QGraphicsView:
        """The graphics view (for tests: mapping scene points to clicks)."""
        return self._view

    @property
    def summary(self) -> Any:
        """The summary drawn, or None."""
        return self._summary

    def show_summary(self, summary: Any) -> None:
        """Draw ``summary`` (a ``resnet_gui.model.summary.Summary``), or a note when it is None.

        A hidden view only remembers it and draws when it is next shown (or asked about).
        """
        self._summary = summary
        self._dirty = True
        if summary is None:
            self._caption.setText("")
        else:
            c, h, w = summary.input_shape
            blocks = sum(1 for r in summary.rows if r.depth == 1)
            stages = sum(1 for r in summary.top_level if summary.children(r.name))
            self._caption.setText(
                f"Input {c}×{h}×{w} · {stages} stages · {blocks} blocks · {summary.total_params:,} parameters"
            )
        self._update_buttons()
        if self.isVisible():
            self.redraw()

    def redraw(self) -> None:
        """Rebuild the scene from the current summary now."""
        self._dirty = False
        first = not self._diagram.boxes
        self._syncing = True
        try:
            self._scene.clear()
            self._diagram = Diagram()
            if self._summary is None:
                note = QGraphicsSimpleTextItem(INVALID_TEXT)
                note.setFont(font("text"))
                note.setBrush(QColor(self._scene.theme.error_text))
                self._scene.addItem(note)
            else:
                builder = DiagramBuilder(self._scene, self.is_stage_expanded, self._on_stage_toggled)
                self._diagram = builder.build(self._summary)
                box = self._find(self._selected)
                if box is not None:
                    box.setSelected(True)
            self._scene.setSceneRect(self._scene.itemsBoundingRect().adjusted(-20, -20, 20, 20))
        finally:
            self._syncing = False
        if first:
            bar = self._view.verticalScrollBar()
            bar.setValue(bar.minimum())

    def is_stage_expanded(self, name: str) -> bool:
        """Whether stage ``name`` shows its blocks: the user's choice, else by the network's size."""
        count = len(self._summary.children(name)) if self._summary is not None else 0
        choice = self._overrides.get(name)
        if choice is not None and choice[1] == count:
            return choice[0]
        total = sum(1 for r in self._summary.rows if r.depth == 1) if self._summary is not None else 0
        return total <= EXPAND_BLOCK_LIMIT

    def set_stage_expanded(self, name: str, expanded: bool) -> None:
        """Expand or collapse one stage and redraw."""
        count = len(self._summary.children(name)) if self._summary is not None else 0
        self._overrides[name] = (expanded, count)
        self._dirty = True
        self._ensure_drawn()

    def set_all_expanded(self, expanded: bool) -> None:
        """Expand or collapse every stage and redraw."""
        if self._summary is None:
            return
        for row in self._summary.top_level:
            blocks = self._summary.children(row.name)
            if blocks:
                self._overrides[row.name] = (expanded, len(blocks))
        self._dirty = True
        self._ensure_drawn()

    def stage_names(self) -> list[str]:
        """The stages drawn, in order."""
        self._ensure_drawn()
        return list(self._diagram.stages)

    def boxes(self, kind: str | None = None) -> list[DiagramBox]:
        """The drawn boxes, all or of one kind ("conv", "shortcut", "block", "stage", "stage-collapsed", ...)."""
        self._ensure_drawn()
        return [b for b in self._diagram.boxes if kind is None or b.kind == kind]

    def box(self, name: str) -> DiagramBox | None:
        """The box of layer ``name`` (or the one it is drawn inside), or None."""
        self._ensure_drawn()
        return self._find(name)

    def edge_labels(self) -> list[str]:
        """The labels of the drawn edges, top to bottom (unlabelled edges left out)."""
        self._ensure_drawn()
        return [e.label for e in self._diagram.edges if e.label]

    def selected_layer(self) -> str:
        """The name of the selected box ("" when none)."""
        return self._selected

    def select_layer(self, name: str) -> None:
        """Highlight the box of ``name`` (or of the nearest drawn layer containing it) silently."""
        self._selected = name
        if self._dirty:
            return  # drawn with this selection when next shown
        self._syncing = True
        try:
            self._scene.clearSelection()
            box = self._find(name)
            if box is not None:
                box.setSelected(True)
                self._view.ensureVisible(box.boundingRect(), 40, 40)
        finally:
            self._syncing = False

    def export_png(self, path: str | Path, scale: float = PNG_SCALE) -> Path:
        """Render the whole diagram (every stage as currently shown) to a PNG at ``scale``."""
        source = self._export_rect()
        size = QSize(max(1, round(source.width() * scale)), max(1, round(source.height() * scale)))
        image = QImage(size, QImage.Format.Format_ARGB32)
        image.fill(QColor(palette.EXPORT.diagram.background))
        painter = QPainter(image)
        painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self._render(painter, QRectF(0, 0, size.width(), size.height()), source)
        painter.end()
        target = Path(path)
        if not image.save(str(target), "PNG"):  # type: ignore[call-overload]  # stubs say bytes; PySide wants str
            raise OSError(f"could not write {target}")
        self._status.setText(f"saved {target.name}")
        return target

    def export_svg(self, path: str | Path) -> Path:
        """Write the whole diagram as an SVG drawing (text stays text)."""
        source = self._export_rect()
        target = Path(path)
        generator = QSvgGenerator()
        generator.setFileName(str(target))
        generator.setSize(QSize(round(source.width()), round(source.height())))
        generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
        generator.setTitle("resnet-gui architecture")
        generator.setDescription(self._caption.text())
        painter = QPainter()
        if not painter.begin(generator):
            raise OSError(f"could not write {target}")
        painter.fillRect(QRectF(0, 0, source.width(), source.height()), QColor(palette.EXPORT.diagram.background))
        self._render(painter, QRectF(0, 0, source.width(), source.height()), source)
        painter.end()
        self._status.setText(f"saved {target.name}")
        return target

    # -- internals ---------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        """Draw a summary that arrived while hidden."""
        super().showEvent(event)
        self._ensure_drawn()

    def _ensure_drawn(self) -> None:
        if self._dirty:
            self.redraw()

    def _find(self, name: str) -> DiagramBox | None:
        if not name:
            return None
        named, aliases = self._diagram.named, self._diagram.aliases
        while name:
            if name in named:
                return named[name]
            if name in aliases:
                return named.get(aliases[name])
            name = name.rpartition(".")[0]
        return None

    def _export_rect(self) -> QRectF:
        self._ensure_drawn()
        if self._summary is None:
            raise ValueError("there is no diagram to export: fix the settings first")
        return self._scene.itemsBoundingRect().adjusted(-EXPORT_MARGIN, -EXPORT_MARGIN, EXPORT_MARGIN, EXPORT_MARGIN)

    def _render(self, painter: QPainter, target: QRectF, source: QRectF) -> None:
        """Render for an export: in the export (light) theme, without the selection highlight."""
        selected = [item for item in self._scene.selectedItems()]
        self._syncing = True
        self._scene.theme = palette.EXPORT
        try:
            self._scene.clearSelection()
            self._scene.render(painter, target, source)
            for item in selected:
                item.setSelected(True)
        finally:
            self._scene.theme = palette.current()
            self._syncing = False

    def _apply_theme(self, theme: palette.Theme) -> None:
        self._scene.theme = theme
        self._view.setBackgroundBrush(QColor(theme.diagram.background))
        for item in self._scene.items():
            if isinstance(item, QGraphicsSimpleTextItem):  # the note shown instead of a diagram
                item.setBrush(QColor(theme.error_text))
        self._scene.update()

    def _on_stage_toggled(self, name: str) -> None:
        # Deferred: the click arrives inside the frame's own event handler, which a redraw deletes.
        expanded = not self.is_stage_expanded(name)
        QTimer.singleShot(0, lambda: self.set_stage_expanded(name, expanded))

    def _on_scene_selection_changed(self) -> None:
        if self._syncing:
            return
        items = self._scene.selectedItems()
        box = items[0] if items else None
        name = box.name if isinstance(box, DiagramBox) else ""
        name = self._diagram.aliases.get(name, name)
        self._selected = name
        emit(self.layer_selected, name)

    def _on_expand_all(self) -> None:
        self.set_all_expanded(True)
        self._refit_if_fitted()

    def _on_collapse_all(self) -> None:
        self.set_all_expanded(False)
        self._refit_if_fitted()

    def _on_zoom_in(self) -> None:
        self._view.scale(ZOOM_STEP, ZOOM_STEP)

    def _on_zoom_out(self) -> None:
        self._view.scale(1 / ZOOM_STEP, 1 / ZOOM_STEP)

    def _on_fit(self) -> None:
        self._ensure_drawn()
        self._view.fitInView(self._scene.itemsBoundingRect(), Qt.AspectRatioMode.KeepAspectRatio)
        if self._view.transform().m11() > 1.0:  # a small diagram is fitted at its natural size, not blown up
            self._view.resetTransform()
        self._fit_scale = self._view.transform().m11()

    def _refit_if_fitted(self) -> None:
        """After expanding or collapsing, a diagram the user fitted (and did not zoom since) is fitted again."""
        if self._fit_scale is not None and abs(self._view.transform().m11() - self._fit_scale) < 1e-9:
            self._on_fit()

    def _on_export_png(self) -> None:
        self._export_with_dialog("Export the diagram as PNG", "architecture.png", "PNG images (*.png)", self.export_png)

    def _on_export_svg(self) -> None:
        self._export_with_dialog(
            "Export the diagram as SVG", "architecture.svg", "SVG drawings (*.svg)", self.export_svg
        )

    def _export_with_dialog(self, title: str, default: str, filters: str, export: Any) -> None:
        path = ask_save_path(self, title, default, filters, Path(default).suffix)
        if not path:
            return
        try:
            export(path)
        except (OSError, ValueError) as exc:
            self._status.setText(f"could not save: {exc}")

    def _update_buttons(self) -> None:
        for b in self._buttons:
            b.setEnabled(self._summary is not None)
