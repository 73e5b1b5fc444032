"""Filtering for optimizer slots (review 14 #9): a TF1 checkpoint's `kernel/Adagrad`
is shown under its variable, so a filter matching the slots shows the variables
holding them too, and the groups count those rows ("dnn 4 of 4"). The count above
the tree said only the matches ("2 of 5"), disagreeing with the groups: it now says
the rows shown beside them."""

from __future__ import annotations

from ckpt_gui.app.controllers.browse import on_a_thread
from ckpt_gui.app.models.tree_model import SHAPE
from ckpt_gui.app.widgets.tree_panel import TreePanel
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.views.tree import object_tree
from tests.test_app_desktop import WAIT_MS
from tools.bundle_writer import write_bundle

KEYS = ["dnn/h0/bias", "dnn/h0/bias/Adagrad", "dnn/h0/kernel", "dnn/h0/kernel/Adagrad", "global_step"]


def _panel(qtbot, tmp_path):
    write_bundle(str(tmp_path / "model.ckpt-1"), ((key, "float32", (2,), bytes(8)) for key in KEYS))
    panel = TreePanel()
    panel.run_in_background = on_a_thread
    qtbot.addWidget(panel)
    panel.resize(700, 400)
    panel.show()
    tree = object_tree(Checkpoint.open(str(tmp_path / "model.ckpt-1")))
    panel.set_trees({"objects": tree, "keys": tree})
    return panel, tree


def _filtered(qtbot, panel, text):
    panel.search.clear()
    qtbot.keyClicks(panel.search, text)
    qtbot.waitUntil(lambda: not panel.count_label.text().startswith("filtering"), timeout=WAIT_MS)


def test_a_filter_on_slots_says_the_variables_shown_with_them(qtbot, tmp_path):
    panel, tree = _panel(qtbot, tmp_path)
    _filtered(qtbot, panel, "adagrad")
    dnn = next(node for node in tree.root.children if node.name == "dnn")
    assert panel.model.index_of(dnn, SHAPE).data() == "4 of 4"  # the slots and the variables holding them
    assert panel.count_label.text() == "2 of 5 (4 shown)"


def test_a_filter_on_variables_alone_says_only_its_matches(qtbot, tmp_path):
    panel, _tree = _panel(qtbot, tmp_path)
    _filtered(qtbot, panel, "global")
    assert panel.count_label.text() == "1 of 5"
    _filtered(qtbot, panel, "kernel")  # the kernel and its slot: both chosen, nothing shown besides
    assert panel.count_label.text() == "2 of 5"
