"""Saving asks about the file that will be written: the suffix is added before the overwrite question."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QMessageBox, QWidget

from resnet_gui.gui.widgets.file_dialogs import ask_save_path


def _type_name(dialog: QFileDialog, name: str) -> None:
    """Type ``name`` into the dialog's file name box, as a user does."""
    edit = dialog.findChild(QLineEdit, "fileNameEdit")
    assert edit is not None
    edit.setText(name)


def _drive(steps: list) -> None:
    """Run each step against the modal widget on top, one after the other, from the event loop."""

    def next_step() -> None:
        widget = QApplication.activeModalWidget()
        if widget is None:
            QTimer.singleShot(50, next_step)
            return
        step = steps.pop(0)
        if steps:  # before the step: a step may open a nested modal (accept() asking to replace a file)
            QTimer.singleShot(50, next_step)
        step(widget)

    QTimer.singleShot(50, next_step)


def test_an_existing_file_with_the_suffix_is_asked_about(qtbot, tmp_path: Path) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    (tmp_path / "report.csv").write_text("keep me")
    asked: list[str] = []

    def type_name_and_save(dialog: QWidget) -> None:
        assert isinstance(dialog, QFileDialog)
        _type_name(dialog, str(tmp_path / "report"))  # typed without the suffix
        dialog.accept()

    def refuse_to_replace(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        asked.append(box.text())
        box.button(QMessageBox.StandardButton.No).click()

    def cancel(dialog: QWidget) -> None:
        assert isinstance(dialog, QFileDialog)
        dialog.reject()

    _drive([type_name_and_save, refuse_to_replace, cancel])
    path = ask_save_path(parent, "Save", tmp_path / "report.csv", "CSV (*.csv)", "csv")
    assert path == "" and asked and "report.csv" in asked[0]
    assert (tmp_path / "report.csv").read_text() == "keep me"


def test_a_new_name_gets_the_suffix(qtbot, tmp_path: Path) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)

    def type_name_and_save(dialog: QWidget) -> None:
        assert isinstance(dialog, QFileDialog)
        _type_name(dialog, str(tmp_path / "fresh"))
        dialog.accept()

    _drive([type_name_and_save])
    assert ask_save_path(parent, "Save", tmp_path / "x.csv", "CSV (*.csv)", "csv") == str(tmp_path / "fresh.csv")
