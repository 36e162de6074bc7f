"""The Layers and Architecture tabs follow the core's layer summaries and show the same layer selected."""

from __future__ import annotations

from .session.core import CoreLoader
from .tabs.architecture.architecture_view import ArchitectureView
from .tabs.layers.layer_table import LayerTable


def layer_views(core: CoreLoader) -> tuple[LayerTable, ArchitectureView]:
    """The Layers tab's table fed by the summaries ``core`` computes, and the Architecture tab fed by the table."""
    layer_table, architecture = LayerTable(), ArchitectureView()
    core.summary_ready.connect(layer_table.show_summary)
    core.memory_ready.connect(layer_table.show_memory)
    core.summary_failed.connect(
        lambda message: layer_table.show_invalid(f"could not summarise these settings: {message}")
    )
    layer_table.summary_changed.connect(architecture.show_summary)
    layer_table.layer_selected.connect(architecture.select_layer)
    architecture.layer_selected.connect(layer_table.select_layer)
    return layer_table, architecture
