"""Review 4 (issue 11, a real window): the Open file dialog's filter, the shortcuts
dialog's size and wording, File > Compare with previous checkpoint greyed when there is none."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog


def test_open_file_offers_keras_files_beside_checkpoint_files(qtbot, window, monkeypatch):
    offered = []
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda parent, title, start, kinds: offered.append(kinds) or ("", "")
    )
    window.browse.choose_file()
    (kinds,) = offered
    first, *rest = kinds.split(";;")
    # Hidden by the first filter (review): every Keras weights file the app opens.
    for pattern in ("*.keras", "*.weights.h5", "*.h5", "*.weights.json", "*.index", "saved_model.pb"):
        assert pattern in first.split("(", 1)[1].rstrip(")").split()
    assert rest == ["All files (*)"]
