"""The Architecture tab: the network drawn as boxes, stages folding, selection shared with the table."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from gui_helpers import CORE_TIMEOUT_MS
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage

from resnet_gui.gui.tabs.architecture.architecture_view import ArchitectureView
from resnet_gui.model.summary import summarize
from resnet_gui.settings.config import ModelConfig
from resnet_gui.settings.presets import model_preset


@pytest.fixture(scope="module")
def resnet18():
    return summarize(ModelConfig(), (1, 96, 96))


@pytest.fixture(scope="module")
def resnet152():
    return summarize(model_preset("resnet152"), (1, 224, 224))


@pytest.fixture
def view(qtbot) -> ArchitectureView:
    v = ArchitectureView()
    qtbot.addWidget(v)
    v.resize(900, 700)
    v.show()
    return v


def click_scene_point(qtbot, view: ArchitectureView, point: QPointF) -> None:
    view.view.ensureVisible(point.x() - 5, point.y() - 5, 10, 10, 20, 20)
    pos = view.view.mapFromScene(point)
    qtbot.mouseClick(view.view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_resnet18_draws_its_stages_blocks_and_shortcuts(view, resnet18) -> None:
    view.show_summary(resnet18)
    assert view.stage_names() == ["resnet_block1", "resnet_block2", "resnet_block3", "resnet_block4"]
    assert [b.name for b in view.boxes("block")] == [f"resnet_block{s}.{i}" for s in range(1, 5) for i in range(2)]
    # The 1x1 projection shortcut: the first block of stages 2-4; every other block is identity.
    shortcuts = view.boxes("shortcut")
    assert [b.name for b in shortcuts] == ["resnet_block2.0.conv3", "resnet_block3.0.conv3", "resnet_block4.0.conv3"]
    assert "1×1 conv" in shortcuts[0].text() and "stride 2" in shortcuts[0].text()
    assert view.edge_labels().count("identity") == 5
    assert len(view.boxes("conv")) == 16 + 1  # two per block, plus the stem's 7x7
    conv1 = view.box("resnet_block2.0.conv1")
    assert conv1 is not None and "3×3 conv" in conv1.text() and "stride 2" in conv1.text()
    assert "128 ch" in conv1.text()
    assert len(view.boxes("add")) == 8 and len(view.boxes("fork")) == 8
    for name in ("input", "0", "1", "2", "3", "global_avg_pool", "fc"):
        assert view.box(name) is not None, name


def test_edges_carry_the_tensor_shapes(view, resnet18) -> None:
    view.show_summary(resnet18)
    labels = view.edge_labels()
    assert labels[0] == "1×96×96"
    assert "64×48×48" in labels  # after the 7x7 stride-2 conv
    # resnet_block4's output feeds global average pooling; that pools to 512×1×1 for fc.
    assert "512×3×3" in labels
    assert labels[-2:] == ["512×1×1", "10"]


def test_stages_collapse_and_expand_from_their_header(qtbot, view, resnet18) -> None:
    view.show_summary(resnet18)
    assert view.is_stage_expanded("resnet_block3")
    frame = view.box("resnet_block3")
    click_scene_point(qtbot, view, QPointF(frame.header.left() + 60, frame.header.center().y()))
    qtbot.waitUntil(lambda: not view.is_stage_expanded("resnet_block3"), timeout=2000)
    assert [b.name for b in view.boxes("block")] == [
        n for n in (f"resnet_block{s}.{i}" for s in (1, 2, 4) for i in range(2))
    ]
    collapsed = view.boxes("stage-collapsed")
    assert len(collapsed) == 1
    assert "2 blocks" in collapsed[0].text() and "256×6×6" in collapsed[0].text()
    frame = view.box("resnet_block3")
    click_scene_point(qtbot, view, QPointF(frame.header.left() + 60, frame.header.center().y()))
    qtbot.waitUntil(lambda: view.is_stage_expanded("resnet_block3"), timeout=2000)
    assert len(view.boxes("block")) == 8 and not view.boxes("stage-collapsed")


def test_collapse_all_and_expand_all(qtbot, view, resnet18) -> None:
    view.show_summary(resnet18)
    qtbot.mouseClick(view.collapse_button, Qt.MouseButton.LeftButton)
    assert view.boxes("block") == [] and len(view.boxes("stage-collapsed")) == 4
    qtbot.mouseClick(view.expand_button, Qt.MouseButton.LeftButton)
    assert len(view.boxes("block")) == 8


def test_collapse_all_after_fit_on_an_expanded_resnet152_fits_again(qtbot, view, resnet152) -> None:
    view.show_summary(resnet152)
    qtbot.mouseClick(view.expand_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.fit_button, Qt.MouseButton.LeftButton)
    tiny = view.view.transform().m11()
    assert tiny < 0.2  # 50 blocks in 700 px
    qtbot.mouseClick(view.collapse_button, Qt.MouseButton.LeftButton)
    zoom = view.view.transform().m11()
    assert zoom > 3 * tiny, "the collapsed diagram was left at the expanded one's tiny zoom"
    drawn = view.view.mapFromScene(view.scene.itemsBoundingRect()).boundingRect()
    assert drawn.height() <= view.view.viewport().height() + 2  # and it fits
    view.view.scale(1.25, 1.25)  # the user zooms: expanding again keeps their zoom
    qtbot.mouseClick(view.expand_button, Qt.MouseButton.LeftButton)
    assert view.view.transform().m11() == pytest.approx(1.25 * zoom)


def test_resnet152_redraws_collapsed_within_200_ms(view, resnet152) -> None:
    view.show_summary(None)
    start = time.perf_counter()
    view.show_summary(resnet152)
    view.view.viewport().repaint()
    elapsed = time.perf_counter() - start
    assert elapsed < 0.2, f"{elapsed * 1000:.0f} ms"
    assert len(view.boxes("stage-collapsed")) == 4 and not view.boxes("block")
    collapsed = view.boxes("stage-collapsed")[2]
    assert "36 blocks" in collapsed.text() and "1024×14×14" in collapsed.text()
    start = time.perf_counter()
    view.set_stage_expanded("resnet_block3", True)
    view.view.viewport().repaint()
    elapsed = time.perf_counter() - start
    assert len(view.boxes("block")) == 36
    assert elapsed < 2.0, f"expanding 36 blocks took {elapsed * 1000:.0f} ms"


def test_png_and_svg_exports(tmp_path: Path, view, resnet18) -> None:
    view.show_summary(resnet18)
    png = view.export_png(tmp_path / "net.png")
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 100 and image.height() > 100
    assert png.stat().st_size > 10_000
    svg = view.export_svg(tmp_path / "net.svg")
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    text = svg.read_text(encoding="utf-8")
    assert "resnet_block1" in text and "64×24×24" in text


def test_invalid_settings_are_said_and_exports_refuse(tmp_path: Path, view, resnet18) -> None:
    view.show_summary(resnet18)
    view.show_summary(None)
    assert view.boxes() == [] and not view.png_button.isEnabled()
    with pytest.raises(ValueError, match="fix the settings"):
        view.export_png(tmp_path / "x.png")


def wait_for_diagram(qtbot, window, params: str = "11,178,378") -> None:
    qtbot.waitUntil(lambda: params in window.layer_table.totals_text(), timeout=CORE_TIMEOUT_MS)


def test_window_has_an_architecture_tab_following_the_form(qtbot, window) -> None:
    wait_for_diagram(qtbot, window)
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert "Architecture" in tabs
    window.tabs.setCurrentWidget(window.architecture)
    assert len(window.architecture.boxes("block")) == 8
    window.form.set_preset("resnet50")
    qtbot.waitUntil(
        lambda: (
            window.architecture.summary is not None
            and window.architecture.summary.total_params == window.layer_table.summary.total_params
            and len(window.architecture.stage_names()) == 4
            and "Bottleneck" in window.architecture.box("resnet_block1").text()
        ),
        timeout=CORE_TIMEOUT_MS,
    )
    # 16 blocks: too many to show at once, so the stages start folded.
    assert window.architecture.boxes("block") == []


def test_selecting_a_box_selects_the_table_row(qtbot, window) -> None:
    wait_for_diagram(qtbot, window)
    arch = window.architecture
    window.tabs.setCurrentWidget(arch)
    box = arch.box("resnet_block2.0.conv3")
    click_scene_point(qtbot, arch, box.rect.center())
    assert arch.selected_layer() == "resnet_block2.0.conv3"
    assert window.layer_table.selected_layer() == "resnet_block2.0.conv3"
    item = window.layer_table.item("resnet_block2.0.conv3")
    assert item.isSelected() and item.parent().isExpanded()


def test_selecting_a_table_row_highlights_the_box(qtbot, window) -> None:
    wait_for_diagram(qtbot, window)
    table, arch = window.layer_table, window.architecture
    window.tabs.setCurrentWidget(table)
    table.tree.setCurrentItem(table.item("resnet_block3.1"))
    assert arch.selected_layer() == "resnet_block3.1"
    window.tabs.setCurrentWidget(arch)
    assert arch.box("resnet_block3.1").isSelected()
    # A BatchNorm is drawn inside its convolution's box.
    table.tree.setCurrentItem(table.item("resnet_block1.0.bn1"))
    assert arch.box("resnet_block1.0.conv1").isSelected()
    assert not arch.box("resnet_block3.1").isSelected()
