"""Checkpoints in object storage, in the app: File > Open URL... and the status bar's
count of bytes fetched (a remote checkpoint is read in ranges, on demand: the count
shows what a view cost)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from ckpt_gui.core.format.storage import bytes_fetched, is_url
from ckpt_gui.core.formatting import format_bytes

SCHEMES = ("gs://", "s3://", "az://", "abfs://", "abfss://", "https://", "http://")
EXAMPLE = "gs://bucket/run/ckpt-3"
POLL_MS = 500


class OpenUrlDialog(QDialog):
    """One line for a checkpoint URL: a folder, a prefix or one of its files."""

    def __init__(self, parent: QWidget | None = None, text: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Open URL")
        self.edit = QLineEdit(text)
        self.edit.setPlaceholderText(EXAMPLE)
        self.edit.setMinimumWidth(480)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        where = f"A checkpoint folder, prefix or file in object storage or on a web server ({', '.join(SCHEMES)}):"
        layout.addWidget(QLabel(where))
        layout.addWidget(self.edit)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.edit.textChanged.connect(self._check)
        self._check()

    def url(self) -> str:
        return self.edit.text().strip()

    def _check(self) -> None:
        url = self.url()
        fine = is_url(url) and url.lower().startswith(SCHEMES) and len(url.split("://", 1)[1]) > 0
        self.buttons.button(QDialogButtonBox.StandardButton.Open).setEnabled(fine)
        self.problem.setText("" if fine or not url else f"Not a storage URL: start with one of {', '.join(SCHEMES)}")


def ask_url(parent: QWidget, last: str = "") -> str | None:
    dialog = OpenUrlDialog(parent, last)
    return dialog.url() if dialog.exec() == QDialog.DialogCode.Accepted else None


class FetchedBytesLabel(QLabel):
    """ "1.2 MB fetched": what object storage has sent this session; hidden until a URL
    is opened. Polled (a counter read, no signal from the reading threads)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip("Bytes fetched from object storage (checkpoints are read in ranges, as views need them)")
        self.hide()
        self._shown = -1
        self.timer = QTimer(self, interval=POLL_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()

    def refresh(self) -> None:
        fetched = bytes_fetched()
        if fetched != self._shown:
            self._shown = fetched
            self.setText(f"{format_bytes(fetched)} fetched")
            self.setVisible(fetched > 0)
