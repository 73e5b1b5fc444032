"""Text the user reads says "1 variable" and "3 variables", never "variable(s)": every
string the package writes (docstrings and comments aside) is checked here, since the
notes that carry counts are built in many places (doctor, repair, CLI, app)."""

from __future__ import annotations

import ast
import contextlib
import io
import re
from pathlib import Path

import pytest

import ckpt_gui
from ckpt_gui.core.formatting import counted, one_or_many
from ckpt_gui.diagnosis.binding_notes import unused_optimizer_note
from ckpt_gui.repair.notes import outcome_notes
from ckpt_gui.repair.plan import Action, PlanEntry, RepairPlan

PACKAGE = Path(ckpt_gui.__file__).parent
# "word(s)", "word(es)": a count the text did not bother to agree with.
HEDGED_PLURAL = re.compile(r"[a-z]\((s|es)\)")
# saved_model_cli's own words, repeated line for line so its users recognise them.
VERBATIM = {("core/views/graph_view.py", "contains the following input(s):"),
            ("core/views/graph_view.py", "contains the following output(s):")}  # fmt: skip


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def hedged_plurals(files) -> list[str]:
    """Each string literal (f-strings' text included) of ``files`` that hedges a plural."""
    found = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        name = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                hit = HEDGED_PLURAL.search(node.value)
                if hit and not any(name == f and text in node.value for f, text in VERBATIM):
                    found.append(f"{name}:{node.lineno}: {node.value.strip()}")
    return found


def test_counted_words_agree_with_their_number():
    assert counted(1, "variable") == "1 variable" and counted(3, "variable") == "3 variables"
    assert counted(1_200, "entry", "entries") == "1,200 entries"
    assert [one_or_many(n, "is", "are") for n in (0, 1, 2)] == ["are", "is", "are"]


def test_no_text_outside_the_format_layer_hedges_a_plural():
    files = [p for p in PACKAGE.rglob("*.py") if "core/format/" not in p.relative_to(PACKAGE).as_posix()]
    assert len(files) > 100
    assert hedged_plurals(files) == []


def test_no_text_of_the_format_layer_hedges_a_plural():
    assert hedged_plurals(sorted((PACKAGE / "core" / "format").rglob("*.py"))) == []


@pytest.mark.parametrize("dropped", [1, 3])
def test_the_repair_note_agrees_with_the_number_of_optimizer_values_dropped(dropped):
    entries = tuple(
        PlanEntry(f"optimizer/m/{i}/.ATTRIBUTES/VARIABLE_VALUE", Action.DROP, None, "not in the model")
        for i in range(dropped)
    )
    (note,) = outcome_notes(RepairPlan("/ckpt/ckpt-1", "/model.py", "object", entries, ()))
    if dropped == 1:
        assert "1 optimizer value (e.g. " in note and ") is not in the new checkpoint" in note and "keep it," in note
    else:
        assert "3 optimizer values (e.g. " in note and ") are not in the new checkpoint" in note
        assert "keep them," in note


def test_the_unused_optimizer_note_agrees_with_its_count():
    assert unused_optimizer_note(1, True).startswith("optimizer state unmatched (1 value): ")
    assert "has no place for it " in unused_optimizer_note(1, True)
    assert unused_optimizer_note(22, False).startswith("optimizer state unmatched (22 values): expected")


def test_the_clis_listing_says_one_tensor_and_one_value(tmp_path):
    """A checkpoint of one scalar: "1 variable, 1 value", not "1 variables, 1 values"."""
    import struct

    from ckpt_gui.__main__ import main
    from tools.bundle_writer import write_bundle

    write_bundle(str(tmp_path / "one"), [("step", "float32", (), struct.pack("<f", 1.0))])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["inspect", str(tmp_path / "one")]) == 0
    assert ", 1 variable, 1 value, " in out.getvalue()
