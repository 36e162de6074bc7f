"""The layer table's rows as plain text and numbers, and its CSV, Markdown and tab-separated forms.

No Qt here: the table, the clipboard and the exports all read these rows, so what a user sees
on screen and what lands in a file agree.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

COLUMNS = (
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
)
COL_LAYER, COL_TYPE, COL_KERNEL, COL_STRIDE, COL_SHAPE, COL_PARAMS, COL_PERCENT, COL_MACS, COL_MEMORY, COL_TRAINABLE = (
    range(len(COLUMNS))
)
NUMERIC_COLUMNS = (COL_PARAMS, COL_PERCENT, COL_MACS, COL_MEMORY)
CSV_HEADER = (
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
)
TOTAL_NAME = "Total"


def format_shape(shape: tuple[int, ...]) -> str:
    """(1, 64, 112, 112) -> "1×64×112×112"."""
    return "×".join(str(d) for d in shape)


def format_count(n: int) -> str:
    """A short multiply-add count: 0.57 G, 42.47 M, 5.12 K."""
    for scale, unit in ((1e9, "G"), (1e6, "M"), (1e3, "K")):
        if n >= scale / 10:
            return f"{n / scale:.2f} {unit}"
    return str(n)


def format_totals(total_params: int, total_macs: int) -> str:
    """E.g. "11,178,378 parameters · 0.32 G multiply-adds"."""
    return f"{total_params:,} parameters · {format_count(total_macs)} multiply-adds"


def format_bytes(n: int) -> str:
    """A memory size in binary units: 40 B, 144.0 KB, 2.25 MB."""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024**2:.2f} MB"


def format_percent(part: int, total: int) -> str:
    """Share of the total, e.g. "75.11 %"; "0.00 %" for an empty network."""
    return f"{100 * part / total:.2f} %" if total else "0.00 %"


def trainable_text(params: int, trainable: int) -> str:
    """yes, no or partial as torchinfo says it; "—" for a layer without parameters."""
    if params == 0:
        return "—"
    if trainable == params:
        return "yes"
    return "no" if trainable == 0 else "partial"


@dataclass(frozen=True)
class TableRow:
    """One row of the layer table: a top-level layer (depth 0), a block (1) or a block's part (2)."""

    name: str  # unique and dotted: "3", "resnet_block2.1", "resnet_block2.1.conv1"
    label: str  # what the Layer column shows
    parent: str | None
    depth: int
    type: str
    kernel: str
    stride: str
    output_shape: tuple[int, ...]
    params: int
    macs: int
    activation_bytes: int
    trainable: str

    def texts(self, total_params: int) -> list[str]:
        """The column texts as the table shows them."""
        return [
            self.label,
            self.type,
            self.kernel,
            self.stride,
            format_shape(self.output_shape),
            f"{self.params:,}",
            format_percent(self.params, total_params),
            format_count(self.macs),
            format_bytes(self.activation_bytes),
            self.trainable,
        ]


def table_rows(summary: Any) -> list[TableRow]:
    """Every row of a ``resnet_gui.model.summary.Summary``: layers, their blocks and each block's parts."""
    rows: list[TableRow] = []
    for r in summary.rows:
        rows.append(
            TableRow(
                r.name,
                r.name,
                r.parent,
                r.depth,
                r.type,
                r.kernel,
                r.stride,
                tuple(r.output_shape),
                r.params,
                r.macs,
                r.activation_bytes,
                trainable_text(r.params, r.trainable),
            )
        )
        block_trainable = trainable_text(r.params, r.trainable)
        for part in r.parts:
            numel = 1
            for d in part.output_shape:
                numel *= d
            rows.append(
                TableRow(
                    f"{r.name}.{part.name}",
                    part.name,
                    r.name,
                    r.depth + 1,
                    part.type,
                    part.kernel,
                    part.stride,
                    tuple(part.output_shape),
                    part.params,
                    part.macs,
                    numel * 4,
                    "—" if part.params == 0 else block_trainable,
                )
            )
    return rows


def _total_texts(summary: Any) -> list[str]:
    return [
        TOTAL_NAME,
        "",
        "",
        "",
        "",
        f"{summary.total_params:,}",
        format_percent(summary.total_params, summary.total_params),
        format_count(summary.total_macs),
        "",
        "",
    ]


def to_csv(summary: Any) -> str:
    """Every row, numbers unformatted, with the parent and depth of each; a Total row last."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    total = summary.total_params
    for row in table_rows(summary):
        writer.writerow(
            [
                row.name,
                row.parent or "",
                row.depth,
                row.type,
                row.kernel,
                row.stride,
                format_shape(row.output_shape),
                row.params,
                f"{100 * row.params / total:.4f}" if total else "0",
                row.macs,
                row.activation_bytes,
                row.trainable,
            ]
        )
    writer.writerow(
        [TOTAL_NAME, "", "", "", "", "", "", total, "100.0000" if total else "0", summary.total_macs, "", ""]
    )
    return out.getvalue()


def to_markdown(summary: Any) -> str:
    """A GitHub table of the layers and their blocks (as ``summary --blocks-detail``) with totals."""
    c, h, w = summary.input_shape
    align = ["---:" if i in NUMERIC_COLUMNS else ":---" for i in range(len(COLUMNS))]
    lines = [
        f"Input: {format_shape((1, c, h, w))}",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "| " + " | ".join(align) + " |",
    ]
    for row in table_rows(summary):
        if row.depth <= 1:
            texts = row.texts(summary.total_params)
            texts[COL_LAYER] = ("&nbsp;&nbsp;" * row.depth) + texts[COL_LAYER]
            lines.append("| " + " | ".join(texts) + " |")
    totals = [f"**{t}**" if t else "" for t in _total_texts(summary)]
    lines.append("| " + " | ".join(totals) + " |")
    lines += ["", format_totals(summary.total_params, summary.total_macs) + f" ({summary.total_macs:,})"]
    return "\n".join(lines) + "\n"


def to_tsv(summary: Any) -> str:
    """Every row as the table shows it, tab-separated (pastes into spreadsheets and text)."""
    lines = ["\t".join(COLUMNS)]
    for row in table_rows(summary):
        texts = row.texts(summary.total_params)
        texts[COL_LAYER] = row.name
        lines.append("\t".join(texts))
    lines.append("\t".join(_total_texts(summary)))
    return "\n".join(lines) + "\n"
