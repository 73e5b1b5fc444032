"""The variable tree's context menu: copy what identifies a row (key, object path,
TF name, a small tensor's value), export it, limit the tree to its subtree; and the
comparison's. Every item has a mnemonic, as the menu bar's, none twice in a menu: a
keyboard user opening one with Shift+F10 had only the arrows (review 17)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QWidget

from ckpt_gui.core.checkpoint import Checkpoint, shown_name
from ckpt_gui.core.format.errors import shown_path
from ckpt_gui.core.views.describe import numbers_text
from ckpt_gui.core.views.tree import TreeNode

COPY_VALUE_ELEMENTS = 4096  # "Copy value" for tensors up to this many elements (read on the spot)


def escaped(text: str) -> str:
    """``text`` (a name, a path) shown as is in a menu item: an ``&`` in it is no mnemonic."""
    return text.replace("&", "&&")


def copy(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


def tf_name(ckpt: Checkpoint, key: str) -> str | None:
    """The name TF1 code gave the variable (the object graph keeps it), if any."""
    graph = ckpt.object_graph if ckpt.graph_decoded else None  # not waiting for it while it is decoded
    return (graph.tf_name(key) or None) if graph is not None else None


def value_text(ckpt: Checkpoint, key: str) -> str:
    """A small tensor's values as a nested list (what Python or NumPy reads back)."""
    value = ckpt.read(key)
    if value.dtype == object:  # strings: bytes decoded where they are text
        value = value.astype(str) if all(_is_text(b) for b in value.reshape(-1)) else value
        return repr(value.tolist())
    return numbers_text(value)  # float32 in float32's digits


def _is_text(raw) -> bool:
    try:
        raw.decode("utf-8")
    except (AttributeError, UnicodeDecodeError):
        return False
    return True


def row_menu(
    parent: QWidget, ckpt: Checkpoint, node: TreeNode, export: Callable[[], None], filter_to,
    said: Callable[[str], None] = lambda _text: None, compare: tuple[str, Callable[[], None]] | None = None,
    in_key_view: bool = False,
) -> QMenu:  # fmt: skip
    """The menu for one row (``filter_to(node)`` limits the tree to its subtree; ``said``
    puts what was copied in the status bar; ``compare``: the text and action of
    "Compare this variable" (its mnemonic M), None when there is nothing to compare it with;
    ``in_key_view``: the tree shows checkpoint keys, a group's path is a key prefix)."""
    menu = QMenu(parent)
    variable = node.variable

    def copied(what: str, text: Callable[[], str]) -> Callable[[], None]:
        def act() -> None:
            copy(text())
            said(f"Copied {what} to the clipboard")

        return act

    if variable is not None:
        key = variable.key
        shown = shown_name(ckpt, variable)  # a slot under its variable, as the tree names it
        menu.addAction("&Copy key", copied(f"the key of {shown}", lambda: key))
        paths = variable.object_paths
        path = node.path if node.path in paths else (paths[0] if paths else None)
        menu.addAction("Copy &object path", copied(f"the object path of {shown}", lambda: path)).setEnabled(
            path is not None
        )
        name = tf_name(ckpt, key)
        menu.addAction("Copy &TF name", copied(f"the TF name of {shown}", lambda: name)).setEnabled(name is not None)
        small = variable.num_elements <= COPY_VALUE_ELEMENTS and not variable.is_object_graph
        # A data file missing: nothing to read; one cut short still holds the values before the cut.
        readable = (variable.dtype.is_numeric or variable.dtype.is_string) and not ckpt.ref.missing_files
        count = f"{variable.num_elements:,} value{'s' if variable.num_elements != 1 else ''}"
        value = copied(f"the value of {shown} ({count})", lambda: value_text(ckpt, key))
        copy_value = menu.addAction("Copy &value", value)
        copy_value.setEnabled(small and readable)
        menu.addSeparator()
        menu.addAction("&Export as .npy...", export).setEnabled(readable and not variable.is_object_graph)
        if not variable.is_object_graph:
            text, act = compare or ("Co&mpare this variable", lambda: None)
            menu.addAction(text, act).setEnabled(compare is not None)
    else:
        # Named as a variable's are: a group of the object view has an object path (it
        # said "Copy path" beside a variable's "Copy object path"), one of the key view a key prefix.
        # One letter per command across row kinds: "Copy &object path" as on a variable (a
        # group's took C, a variable's Copy key, review 19 F14); a key prefix C, as a key.
        what = "key prefix" if in_key_view else "object path"
        text = "&Copy key prefix" if in_key_view else "Copy &object path"
        menu.addAction(text, copied(f"the {what} {node.path}", lambda: node.path))
    menu.addSeparator()
    menu.addAction("&Filter to this subtree", lambda: filter_to(node)).setEnabled(node.has_children())
    return menu


def pair_menu(
    parent: QWidget, pair, tree_path: str, said: Callable[[str], None] = lambda _text: None,
    export: Callable[[str], None] | None = None,
) -> QMenu:  # fmt: skip
    """The menu for a comparison's row: copy A's key, B's key, the path shown (a
    group's path when ``pair`` is None); ``export(side)`` writes A's or B's value of
    the pair to a file (both are offered whichever tree the menu opened on)."""
    menu = QMenu(parent)

    def copied(what: str, text: str) -> Callable[[], None]:
        def act() -> None:
            copy(text)
            said(f"Copied {what} to the clipboard")

        return act

    if pair is not None:
        for side, variable in (("A", pair.a), ("B", pair.b)):
            key = variable.key if variable is not None else ""
            action = menu.addAction(f"Copy &{side} key", copied(f"{side}'s key of {tree_path}", key))
            action.setEnabled(variable is not None)
        paths = [v.display_path for v in (pair.a, pair.b) if v is not None]
        both = "\n".join(dict.fromkeys(paths))  # one line when A and B share the path
        menu.addAction("Copy &paths" if len(set(paths)) > 1 else "Copy &path", copied(f"the path of {tree_path}", both))
        if export is not None:
            menu.addSeparator()
            menu.setToolTipsVisible(True)  # a greyed Export says why
            failing = {found.side: found for found in pair.unreadable}
            for side, variable, text in (("A", pair.a, "&Export A's"), ("B", pair.b, "E&xport B's")):
                action = menu.addAction(f"{text} value as .npy...", lambda s=side: export(s))
                # A side that cannot be read is greyed with its reason: it was offered,
                # and failed only after Save (review 19 F10).
                found = failing.get(side)
                why = f"{side}'s value cannot be read: {shown_path(found.file)}: {found.problem}" if found else ""
                action.setEnabled(_exportable(variable) and not why)
                if why:
                    action.setToolTip(why)
                    action.setStatusTip(why)
    else:
        menu.addAction("Copy &path", copied(f"the path {tree_path}", tree_path))
    return menu


def _exportable(variable) -> bool:
    """A value a ``.npy`` holds (numbers, strings), not the object graph's bytes."""
    return (
        variable is not None
        and (variable.dtype.is_numeric or variable.dtype.is_string)
        and not variable.is_object_graph
    )


def pair_key(pair, side: str) -> str:
    """What Ctrl+C copies from a comparison's row on ``side`` ("A" or "B"): that side's
    key, the other's when the variable is only in the other."""
    first, other = (pair.a, pair.b) if side == "A" else (pair.b, pair.a)
    return (first or other).key
