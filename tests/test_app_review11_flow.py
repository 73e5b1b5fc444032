"""Review 11's findings on a comparison closed by the app (a real window): the banner said
"File > Compare with... (Ctrl+K) compares again" and the dialog proposed the folder's
newest other checkpoint (3); two scripts dropped, "Not used: ..." took the place of the
note that the comparison closed (4); browse came back on its old selection, not the
variable selected in the comparison (5). Offscreen; drops as tests/test_app_review10_flow.py
makes them."""

from __future__ import annotations

import os

import pytest
from PySide6.QtWidgets import QDialog

from ckpt_gui.app.widgets import compare_dialog
from ckpt_gui.diagnosis import runner
from ckpt_gui.resources import demo_path, examples_path
from tests.test_app_desktop import WAIT_MS
from tests.test_app_review10_flow import _drop, _report

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _demo(step: int) -> str:
    return os.path.join(demo_path(), f"ckpt-{step}")


def _compared(qtbot, window, first: int, second: int) -> None:
    """The demo's ckpt-``first`` (A, shown) compared with ckpt-``second`` (B), dropped."""
    with qtbot.waitSignal(window.compare_done, timeout=WAIT_MS):
        _drop(window, _demo(first) + ".index", _demo(second) + ".index")
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)


@pytest.fixture()
def no_tensorflow(monkeypatch):
    """An attempt that ends at once with a report, no TensorFlow child."""
    monkeypatch.setattr(runner.Diagnoser, "warm_up", lambda *_args: None)
    monkeypatch.setattr(runner.Diagnoser, "run", lambda self, *args: None)
    monkeypatch.setattr("ckpt_gui.app.controllers.doctor.build_report",
                        lambda request, _result, *_rest: _report(request.checkpoint, request.script))  # fmt: skip


def _drop_scripts(qtbot, window, *names: str) -> None:
    with qtbot.waitSignal(window.doctor.done, timeout=WAIT_MS):
        _drop(window, *(os.path.join(examples_path(), name) for name in names))
    qtbot.waitUntil(lambda: not window.busy, timeout=WAIT_MS)


def _proposed(window, monkeypatch) -> tuple[str, str]:
    """(A, B) as Compare with... (Ctrl+K) proposes them, the dialog cancelled."""
    monkeypatch.setattr(compare_dialog.CompareDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    window.compare.choose()
    return tuple(map(os.path.realpath, window.compare.dialog.order()))


def _real(*steps: int) -> tuple[str, ...]:
    return tuple(os.path.realpath(_demo(step)) for step in steps)


# -- 3. Compare with... proposes the comparison closed -------------------------------------------


def test_after_a_script_closed_it_compare_with_proposes_the_comparison_again(qtbot, window, monkeypatch, no_tensorflow):
    _compared(qtbot, window, 300, 100)  # dropped in this order: A is the newer, against the dialog's rule
    _drop_scripts(qtbot, window, "demo_model.py")
    assert window.left_stack.currentWidget() is window.tree_panel
    assert "Ctrl+K" in window.banner.text and "again" in window.banner.text, window.banner.text
    # Not ckpt-200, the folder's newest checkpoint but the one shown; in the closed one's order.
    assert _proposed(window, monkeypatch) == _real(300, 100)


def test_another_checkpoint_shown_promises_compare_again_only_for_one_of_the_two(qtbot, window, monkeypatch):
    _compared(qtbot, window, 100, 300)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(_demo(200))  # neither A nor B
    said = window.banner.text
    assert "closed" in said and "Ctrl+K" in said and "again" not in said, said
    assert _proposed(window, monkeypatch) != _real(100, 300)  # nothing to compare "again" from here
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(_demo(300))  # B of the comparison closed
    assert _proposed(window, monkeypatch) == _real(100, 300)


def test_the_comparison_shown_from_b_is_proposed_again_from_b(qtbot, window, monkeypatch):
    _compared(qtbot, window, 100, 300)
    with qtbot.waitSignal(window.loaded, timeout=WAIT_MS):
        window.browse.open_path(_demo(300))  # the picker's way to B: the comparison closes for it
    said = window.banner.text
    assert "compares them again" in said and "Ctrl+K" in said, said
    assert _proposed(window, monkeypatch) == _real(100, 300)


# -- 4. two scripts dropped on a comparison ------------------------------------------------------


def test_two_scripts_dropped_on_a_comparison_say_both_the_close_and_the_script_not_used(qtbot, window, no_tensorflow):
    _compared(qtbot, window, 100, 200)
    _drop_scripts(qtbot, window, "demo_model.py", "demo_model_changed.py")
    said = window.banner.text
    assert "Comparison closed" in said and "Compare with" in said, said
    assert "Not used" in said and "demo_model_changed.py" in said, said


# -- 5. browse comes back on the comparison's selection ------------------------------------------


def test_browse_selects_the_variable_selected_in_the_comparison_a_script_closed(
    qtbot, window, monkeypatch, no_tensorflow
):
    _compared(qtbot, window, 100, 200)
    trees = window.compare_trees
    before = window.compare.browse_key()  # browse's selection the comparison opened on
    chosen = next(p for p in window.compare.diff.pairs if p.a is not None and p.b is not None and p.key != before)
    assert trees.select_pair(chosen)
    _drop_scripts(qtbot, window, "demo_model.py")
    node = window.tree_panel.selected_node()
    assert node is not None and node.variable is not None and node.variable.key == chosen.a.key
    assert window.compare.browse_key() == chosen.a.key  # Ctrl+K's comparison opens on it too


def test_close_comparison_leaves_browse_on_the_variable_selected_in_it(qtbot, window):
    """Ctrl+Shift+K likewise: a comparison opens on browse's selection, and closes on its own."""
    _compared(qtbot, window, 100, 200)
    before = window.compare.browse_key()
    chosen = next(p for p in window.compare.diff.pairs if p.a is not None and p.b is not None and p.key != before)
    assert window.compare_trees.select_pair(chosen)
    window.close_compare_action.trigger()
    assert window.left_stack.currentWidget() is window.tree_panel
    node = window.tree_panel.selected_node()
    assert node is not None and node.variable is not None and node.variable.key == chosen.a.key
