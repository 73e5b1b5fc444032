"""The restore report's line above its table when another series of the checkpoint's
folder fits the script's model better (diagnosis/other_series.py), with the button
that diagnoses that one: the rows below it are about what is likely another model's
checkpoint (review 24 #1)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from ckpt_gui.app.widgets.banner import banner_colours
from ckpt_gui.diagnosis.findings import RestoreReport


class OtherSeriesLine(QFrame):
    """Hidden unless the report shown names a better series."""

    diagnose_requested = Signal(str)  # the other series' checkpoint, to diagnose with the same script

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("otherSeriesLine")
        self.prefix = ""
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton()
        self.button.setToolTip("Open that checkpoint and diagnose its restore with the same script")
        self.button.clicked.connect(lambda: self.diagnose_requested.emit(self.prefix))
        row = QHBoxLayout()  # the button under the text, at its left: the pane may be narrow
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.text)
        layout.addLayout(row)
        self.follow_palette()
        self.hide()

    def show_for(self, report: RestoreReport | None) -> None:
        better = report.better_series if report is not None and report.error is None else None
        if better is None:
            self.prefix = ""
            self.hide()
            return
        self.prefix = better.prefix
        self.text.setText(better.sentence())
        self.button.setText(f"Diagnose {better.name}")
        self.show()

    def follow_palette(self) -> None:
        """A warning's tint and readable text, in light and dark themes (as the banner's)."""
        background, text, border = banner_colours("warning", self.palette())
        self.setStyleSheet(
            f"QFrame#otherSeriesLine {{ background: {background.name()}; border: 1px solid {border.name()}; "
            f"border-radius: 3px; }} QFrame#otherSeriesLine QLabel {{ color: {text.name()}; }}"
        )
