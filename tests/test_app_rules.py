"""The app's layout rules, checked on its source: the window composes, controllers
decide when work runs and never know each other, widgets and models only draw."""

from __future__ import annotations

import ast
from pathlib import Path

import ckpt_gui.app

APP = Path(ckpt_gui.app.__file__).parent
CONTROLLERS = sorted(p for p in (APP / "controllers").glob("*.py") if p.stem not in ("__init__", "base"))
DRAWING = sorted([*(APP / "widgets").glob("*.py"), *(APP / "models").glob("*.py")])


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def calls(path: Path) -> set[str]:
    """The names of the methods and functions ``path`` calls."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            found.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return found


def test_there_are_five_controllers():
    """Browse, compare, doctor, graph (reading the graph file for the Graph tab), and
    repair (writing a repair plan from the doctor's diagnosis)."""
    assert [p.stem for p in CONTROLLERS] == ["browse", "compare", "doctor", "graph", "repair"]


def test_controllers_never_import_each_other_nor_the_window():
    for path in CONTROLLERS:
        others = {f"ckpt_gui.app.controllers.{p.stem}" for p in CONTROLLERS if p != path}
        assert not imports(path) & (others | {"ckpt_gui.app.window"}), path.name


def test_controllers_do_not_compute():
    """What a computation does is the core's: a controller handles no arrays."""
    for path in CONTROLLERS:
        assert not {m for m in imports(path) if m.split(".")[0] in ("numpy", "pyqtgraph")}, path.name


def test_widgets_and_models_only_draw():
    """No jobs, threads or controllers below the controllers."""
    forbidden = ("ckpt_gui.app.job", "ckpt_gui.app.controllers", "ckpt_gui.app.window", "threading", "concurrent")
    for path in DRAWING:
        found = {m for m in imports(path) if m.startswith(forbidden) or m.endswith("QThreadPool")}
        assert not found, (path.name, found)
        assert "submit" not in calls(path), path.name


def test_the_window_only_composes():
    """The window starts no work of its own and reads no checkpoint values."""
    window = APP / "window.py"
    assert "submit" not in calls(window)
    assert not {m for m in imports(window) if m.startswith(("ckpt_gui.core.analysis", "ckpt_gui.core.values"))}
