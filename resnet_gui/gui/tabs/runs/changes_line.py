"""The changes asked of the selected runs while they trained (learning rate, epochs, stop after the
epoch), one line per run under the Runs tab's comparison; hidden when none was changed."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from ...widgets.palette import set_tone


class ChangesLine(QLabel):
    """ "run 3 (name) was changed while training: lr ×0.5 at epoch 2, batch 40; epochs 12 at …"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("run-changes")
        self.setWordWrap(True)
        set_tone(self, "muted")
        self.hide()

    def show_changes(self, runs: list[Any], changes: dict[int, list[Any]]) -> None:
        """``changes`` maps a run's id to its ``AskedChange`` list (runs without any are left out)."""
        lines = [
            f"Run {run.id} ({run.name}) was changed while training: " + "; ".join(c.describe() for c in changes[run.id])
            for run in runs
            if changes.get(run.id)
        ]
        self.setText("\n".join(lines))
        self.setVisible(bool(lines))
