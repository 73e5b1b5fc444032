"""The doctor's tree narrower than its first split, in a desktop's 10 pt font (the gtk3
theme's, dark or not): after a comparison closed to show the report, the tree was 430 px
wide at 1024x640 and read "moving…riance" (review 11) while DType, a column the README
lets give way, stayed whole beside it. A name below the root (a layer's leaf) now reads
whole while DType can give way for it; only the root's long outlier
(``_CHECKPOINTABLE_OBJECT_GRAPH``) is cut in the middle."""

from __future__ import annotations

from ckpt_gui.app.models.tree_model import DTYPE
from tests.test_app_doctor_columns import _cut_nested_names, desktop_font  # noqa: F401 (a fixture)
from tests.test_app_doctor_review3 import doctor  # noqa: F401 (a fixture)


def _tree_at(qtbot, window, width: int) -> None:
    total = sum(window.main_splitter.sizes())
    window.main_splitter.setSizes([width, total - width])
    qtbot.wait(1)  # the splitter's layout
    window.tree_panel.fit_columns()


def test_a_leaf_below_the_root_is_not_cut_while_dtype_stays_beside_it(qtbot, doctor):  # noqa: F811
    panel = doctor.tree_panel
    first = doctor.main_splitter.sizes()[0]
    _tree_at(qtbot, doctor, 430)  # review 11's width, after a comparison closed
    assert doctor.main_splitter.sizes()[0] == 430
    assert not _cut_nested_names(panel.view) or panel.view.isColumnHidden(DTYPE), _cut_nested_names(panel.view)
    assert "moving_variance" not in _cut_nested_names(panel.view)  # it fits once DType is gone
    for width in range(panel.minimumWidth(), first + 1, 10):  # and at every width up to the first split's
        _tree_at(qtbot, doctor, width)
        cut = _cut_nested_names(panel.view)
        assert not cut or panel.view.isColumnHidden(DTYPE), (width, cut)
