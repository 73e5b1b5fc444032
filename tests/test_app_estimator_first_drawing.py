"""Review 21 #13: in the key view of damon-est-2019 (a TF 1.14 Estimator's linear model,
real-world corpus), ``linear/linear_model/bias_weights`` was first drawn unlike its 12
like, the 12 ``weights`` rows. What the index holds (TensorFlow lists it): ``bias_weights``
is one unpartitioned [1] variable, and its two Ftrl slots are keyed under a part it does
not have, ``bias_weights/part_0/Ftrl`` and ``.../Ftrl_1`` (the linear model made it
through a partitioner of one part; the slots were made for that part), exactly as each
``<feature>/weights`` is saved. The difference was the view's: ``bias_weights`` sits one
level up, beside the groups ``Age``, ``Sex``..., and the first drawing opened that level's
rows, so that it alone showed its slots' group ``part_0`` ("2 variables 8 B") and read as
a group among groups while the 12 ``weights`` stayed closed. A variable holding slots on a
level of groups now opens with the next level, where its like are: all 13 are drawn alike,
a variable's row each, from the first paint on, and stay so. Offscreen; skipped without
the corpus."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QTimer

from ckpt_gui.app.models.tree_model import BYTES, DTYPE, NAME, SHAPE
from ckpt_gui.core.formatting import format_bytes, format_shape
from tests.test_app_review_more import WAIT_MS

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "realworld" / "corpus"
DAMON = CORPUS / "damon-est-2019"
BIAS = "linear/linear_model/bias_weights"


def _rows(window, parent: QModelIndex | None = None):
    """(node, texts of its columns, whether it is open) of every row the tree hands the view."""
    model, view = window.tree_panel.model, window.tree_panel.view
    parent = parent or QModelIndex()
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        node = model.node(index)
        texts = tuple(model.data(model.index(row, column, parent)) for column in range(model.columnCount(parent)))
        yield node, texts, view.isExpanded(index)
        if view.isExpanded(index):
            yield from _rows(window, index)


def test_bias_weights_is_drawn_as_its_like_from_the_first_paint(qtbot, tmp_path, tf, scanning_window):
    if not DAMON.is_dir():
        pytest.skip(f"the real-world corpus is not at {CORPUS} (a clone without ../shared/realworld)")
    folder = shutil.copytree(DAMON, tmp_path / "damon-est-2019")
    listed = dict(tf.train.list_variables(str(folder)))
    # What really is there: the variable whole, its slots under a part_0 that is no key of its own.
    assert listed[BIAS] == [1] and f"{BIAS}/part_0" not in listed
    assert listed[f"{BIAS}/part_0/Ftrl"] == listed[f"{BIAS}/part_0/Ftrl_1"] == [1]
    holders = {key.rsplit("/part_0/", 1)[0] for key in listed if key.endswith("/part_0/Ftrl")}
    assert BIAS in holders and len(holders) == 13  # bias_weights and the 12 features' weights

    window = scanning_window
    drawn: dict[str, set] = {}  # each holder's row as drawn, over the whole open

    def look() -> None:
        for node, texts, opened in _rows(window):
            if node is not None and node.variable is not None and node.variable.key in holders:
                drawn.setdefault(node.variable.key, set()).add((texts, opened))

    timer = QTimer()
    timer.timeout.connect(look)
    timer.start(2)  # every event-loop turn, from the first paint on
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(str(folder))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    look()
    panel = window.tree_panel
    assert panel.select_key(BIAS)  # "after a click"
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)
    look()
    timer.stop()

    assert set(drawn) == holders  # every one drawn (the tree's first levels are open)
    for key, seen in drawn.items():
        shape = format_shape(tuple(listed[key]))
        assert len(seen) == 1, (key, seen)  # the same from the first paint, through the scan and the click
        ((texts, opened),) = seen
        said = (texts[NAME], texts[DTYPE], texts[SHAPE], texts[BYTES])
        assert said == (key.rsplit("/", 1)[-1], "float32", shape, format_bytes(4 * math.prod(listed[key]))), texts
        assert not opened, key  # closed, as its like: its slots a click away
