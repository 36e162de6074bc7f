"""The Layers tab as torchinfo shows it: kernel, stride, shares, memory, parts; copy and exports."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from gui_helpers import CORE_TIMEOUT_MS
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from resnet_gui.cli.main import main as cli_main
from resnet_gui.gui.tabs.layers.layer_rows import COLUMNS, format_bytes
from resnet_gui.gui.tabs.layers.layer_table import LayerTable
from resnet_gui.model.summary import summarize
from resnet_gui.settings.config import ModelConfig


@pytest.fixture(scope="module")
def resnet18():
    return summarize(ModelConfig(), (1, 96, 96))


@pytest.fixture
def table(qtbot, resnet18) -> LayerTable:
    t = LayerTable()
    qtbot.addWidget(t)
    t.show_summary(resnet18)
    return t


def column(name: str) -> int:
    return COLUMNS.index(name)


def test_columns_like_torchinfo(table) -> None:
    header = table.tree.headerItem()
    assert [header.text(i) for i in range(table.tree.columnCount())] == [
        "Layer",
        "Type",
        "Kernel",
        "Stride",
        "Output shape",
        "Params",
        "% of params",
        "Multiply-adds",
        "Activation memory",
        "Trainable",
    ]
    stem = table.row_texts("0")
    assert stem[column("Kernel")] == "7×7" and stem[column("Stride")] == "2"
    assert stem[column("Output shape")] == "1×64×48×48"
    # One image's float32 output: 64 × 48 × 48 × 4 bytes = 576 KB.
    assert stem[column("Activation memory")] == "576.0 KB"
    assert stem[column("Trainable")] == "yes"
    assert table.row_texts("2")[column("Trainable")] == "—"  # ReLU has no parameters
    assert table.row_texts("resnet_block4")[column("% of params")] == "75.10 %"  # 8,395,264 of 11,178,378
    assert table.row_texts("resnet_block1")[column("Multiply-adds")] == "84.93 M"


def test_blocks_expand_to_their_layers(table) -> None:
    block = table.item("resnet_block2.0")
    assert block.parent().text(0) == "resnet_block2"
    parts = [block.child(i).text(0) for i in range(block.childCount())]
    assert parts == ["conv1", "bn1", "conv2", "bn2", "conv3"]
    conv3 = table.row_texts("resnet_block2.0.conv3")
    assert conv3[column("Kernel")] == "1×1" and conv3[column("Stride")] == "2"
    assert conv3[column("Params")] == "8,320"  # 64 × 128 weights + 128 biases


def test_percent_column_sums_to_100(table) -> None:
    top = table.tree
    shares = [
        float(top.topLevelItem(i).text(column("% of params")).rstrip(" %")) for i in range(top.topLevelItemCount())
    ]
    assert sum(shares) == pytest.approx(100, abs=0.05)


def test_csv_export(tmp_path: Path, table) -> None:
    path = table.export_csv(tmp_path / "layers.csv")
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert list(rows[0]) == [
        "Layer",
        "Parent",
        "Depth",
        "Type",
        "Kernel",
        "Stride",
        "Output shape",
        "Params",
        "% of params",
        "Multiply-adds",
        "Activation bytes",
        "Trainable",
    ]
    total = rows[-1]
    assert total["Layer"] == "Total" and total["Params"] == "11178378"
    top = [r for r in rows if r["Depth"] == "0"]
    assert [r["Layer"] for r in top][-2:] == ["global_avg_pool", "fc"]
    assert sum(float(r["% of params"]) for r in top) == pytest.approx(100, abs=0.01)
    assert sum(int(r["Params"]) for r in top) == 11178378
    conv = next(r for r in rows if r["Layer"] == "resnet_block2.0.conv1")
    assert conv["Parent"] == "resnet_block2.0" and conv["Depth"] == "2" and conv["Kernel"] == "3×3"
    assert "exported" in table.status_text() or "saved" in table.status_text()


def test_markdown_export(tmp_path: Path, table) -> None:
    path = table.export_markdown(tmp_path / "layers.md")
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "Input: 1×1×96×96"
    assert "| Layer | Type | Kernel | Stride | Output shape | Params | % of params |" in text
    assert any(line.startswith("| resnet_block4 |") and "8,395,264" in line for line in lines)
    assert any(line.startswith("| &nbsp;&nbsp;resnet_block4.1 |") for line in lines)
    total = next(line for line in lines if line.startswith("| **Total**"))
    assert "**11,178,378**" in total and "**100.00 %**" in total
    assert "11,178,378 parameters" in text


def test_copy_puts_the_table_on_the_clipboard(qtbot, table) -> None:
    qtbot.mouseClick(table.copy_button, Qt.MouseButton.LeftButton)
    text = QGuiApplication.clipboard().text()
    assert text.splitlines()[0].split("\t") == list(COLUMNS)
    assert "resnet_block2.0.conv3\tConv2d\t1×1\t2" in text
    assert text.splitlines()[-1].startswith("Total\t")


def test_exports_refuse_without_a_summary(tmp_path: Path, table) -> None:
    table.show_invalid("invalid settings")
    assert not table.csv_button.isEnabled()
    with pytest.raises(ValueError):
        table.export_csv(tmp_path / "x.csv")


def test_format_bytes() -> None:
    assert format_bytes(40) == "40 B"
    assert format_bytes(147456) == "144.0 KB"
    assert format_bytes(2359296) == "2.25 MB"


def test_resnet50_preset_total_matches_the_cli(qtbot, window) -> None:
    qtbot.waitUntil(lambda: "11,178,378" in window.layer_table.totals_text(), timeout=CORE_TIMEOUT_MS)
    window.form.set_preset("resnet50")
    out = io.StringIO()
    assert cli_main(["summary", "--preset", "resnet50", "--input", "1,96,96"], out=out) == 0
    total = next(line for line in out.getvalue().splitlines() if line.startswith("total parameters:"))
    expected = total.split(":")[1].strip()
    qtbot.waitUntil(lambda: f"{expected} parameters" in window.layer_table.totals_text(), timeout=CORE_TIMEOUT_MS)
    assert window.form.field("model.blocks").text() == "3,4,6,3"
    assert window.layer_table.row_texts("resnet_block1.0")[column("Type")] == "Bottleneck"
