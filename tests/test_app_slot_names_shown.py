"""Review 21 #8 in the app: the tree places a Keras 3 optimizer slot under its variable
(``model/_functional/_operations/2/_kernel/momentum``), but the Details title named it
``optimizer/_momentums/2`` and the banner of a slot failing its CRC32C check named its key
``optimizer/_variables/6/.ATTRIBUTES/VARIABLE_VALUE``: the user could not tell which row
either meant. Each now names it as the tree does; Details still gives the key and the
object paths. The plots' titles and the file name an export offers follow. Offscreen."""

from __future__ import annotations

from ckpt_gui.core.export import export_name
from ckpt_gui.core.views.tree import SLOT
from tests.test_app_group_slot_crc import _corrupt_slot
from tests.test_app_names_first import REAL_WINDOW
from tests.test_app_review_more import WAIT_MS, open_path

WINDOW_SIZE = REAL_WINDOW  # the window fixture's size


def test_a_corrupt_slot_is_named_as_the_tree_places_it(qtbot, tmp_path, window):
    prefix, bad = _corrupt_slot(str(tmp_path / "corrupt"))
    open_path(qtbot, window, prefix)
    panel, details = window.tree_panel, window.details
    leaf = panel.tree.by_key[bad]
    assert leaf.kind == SLOT and leaf.path.endswith("/momentum")
    assert panel.select_node(leaf)
    qtbot.waitUntil(lambda: "CRC32C" in window.banner.text and not window.busy, timeout=WAIT_MS)
    assert f"tensor '{leaf.path}'" in window.banner.text and bad not in window.banner.text
    assert details.title.text() == leaf.path  # it read optimizer/_momentums/N
    facts = dict(details.facts_shown())
    assert facts["Key"] == bad  # the key and the optimizer's path stay reachable
    assert any(path.startswith("optimizer/_momentums/") for path in facts["Object paths"].split("\n"))


def test_a_slot_selected_is_titled_and_offered_for_export_by_its_name(qtbot, tmp_path, window, monkeypatch):
    open_path(qtbot, window, prefix := _corrupt_slot(str(tmp_path / "corrupt"))[0])
    panel, browse = window.tree_panel, window.browse
    slot = next(node for node in panel.tree.by_key.values() if node.kind == SLOT and "_momentums" in
                node.variable.display_path and node.variable.num_elements < 1000)  # fmt: skip
    assert panel.select_node(slot)
    qtbot.waitUntil(lambda: window.histogram._title is not None and not window.busy, timeout=WAIT_MS)
    assert window.details.title.text() == slot.path
    assert window.histogram._title[0] == slot.path and window.tensor.title == slot.path
    offered = []
    monkeypatch.setattr(browse, "ask_save_path", lambda _title, name, *_rest: offered.append(name) or "")
    browse.export_tensor()
    browse.export_histogram()
    # By the slot's name (model_functional_operations_1_kernel_momentum.npy), not optimizer_momentums_0.npy.
    assert offered == [export_name(slot.path), export_name(slot.path, "_histogram.png")], (offered, prefix)
    assert "momentum" in offered[0] and "momentums" not in offered[0]
