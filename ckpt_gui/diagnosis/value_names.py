"""What each checkpoint value of a repair plan is, in the checkpoint's own object
graph: a key such as ``optimizer/_trainable_variables/4/.ATTRIBUTES/VARIABLE_VALUE``
says little; the object path it belongs to (``model/_functional/_operations/4/gamma``),
or the variable a Keras 3 optimizer slot belongs to (its lists are by position in
``_trainable_variables``), says what it is. The one name of an optimizer value in the
doctor's report, the repair's notes and the Repair dialog, its key beside it (review 12,
8: one value had four names).

Pure Python: no TensorFlow, no Qt.
"""

from __future__ import annotations

import re

from ckpt_gui.core.format.conventions import (
    KERAS_OPTIMIZER_LISTS,
    OPTIMIZER_SLOT,
    OPTIMIZER_TRAINABLE_LIST,
    keras_slot_name,
    without_attributes,
)

_LIST_ENTRY = re.compile(r"^(?P<root>(?:.*/)?)(?P<list>_?[A-Za-z]\w*)/(?P<index>\d+)$")


def source_names(variables) -> dict[str, str]:
    """``{key: what it is}`` for the keys whose object path says more than the key
    (``variables``: a checkpoint's Variable rows, with their object paths)."""
    names = {}
    for key, path, slot in _sources(variables):
        if slot is not None:
            names[key] = f"optimizer slot {slot} of {path}"
        elif path != without_attributes(key):
            names[key] = path
    return names


def source_paths(variables) -> dict[str, str]:
    """``{key: its readable path}`` for every key: the object path it belongs to
    (``model/_functional/_operations/1/_kernel``), an optimizer slot under its variable's
    (``.../1/_kernel/momentum``, as the object view places it and names the slot), else the key without
    ``/.ATTRIBUTES/VARIABLE_VALUE``. A column of keys cut to fit read
    "…/_trainable_variables/7/…" (review 6): which weight it was took a click."""
    paths = {variable.key: without_attributes(variable.key) for variable in variables}
    for key, path, slot in _sources(variables):
        paths[key] = path if slot is None else f"{path}/{slot}"
    return paths


def with_value_names(findings: list, names: dict[str, str]) -> list:
    """The findings, each optimizer value that ``names`` (source_paths) places under a
    model variable named so (``model/dense1/_kernel/momentum``): its readable name, as
    the Repair dialog and the tree place it, rather than ``optimizer/_momentums/0``."""
    from dataclasses import replace  # noqa: PLC0415 - findings stay this module's callers' type

    named = []
    for finding in findings:
        name = names.get(finding.checkpoint_key or "")
        if finding.optimizer and name and name != finding.label and name != without_attributes(finding.checkpoint_key):
            finding = replace(finding, checkpoint_name=name)
        named.append(finding)
    return named


def _sources(variables):
    """(key, object path, None) of each key with an object path; (key, its variable's
    object path, slot name) of an optimizer slot: a Keras 3 optimizer's, or a legacy
    optimizer's (saved under ``<variable>/.OPTIMIZER_SLOT/<optimizer>/<slot>``, named by
    its variable as the tree names it, ObjectGraph.slot_names: the doctor named it by
    that path, ``.OPTIMIZER_SLOT`` and all, where the tree, inspect and export said
    ``.../kernel/m``)."""
    trainable: dict[tuple[str, int], str] = {}  # (optimizer root, position) -> the variable's path
    preferred: dict[str, str] = {}  # an object path -> the variable's first (the tree's)
    for variable in variables:
        for path in variable.object_paths:
            preferred.setdefault(path, variable.object_paths[0])
    for variable in variables:
        for path in variable.object_paths:
            entry = _LIST_ENTRY.match(path)
            if entry and entry["list"] == OPTIMIZER_TRAINABLE_LIST and variable.object_paths[0] != path:
                trainable[(entry["root"], int(entry["index"]))] = variable.object_paths[0]
    for variable in variables:
        if not variable.object_paths:
            continue
        path = variable.object_paths[0]
        owner, slot_mark, slot_path = path.partition(f"/{OPTIMIZER_SLOT}/")
        if slot_mark and "/" in slot_path:  # <optimizer's path>/<slot name>
            yield variable.key, preferred.get(owner, owner), slot_path.rsplit("/", 1)[1]
            continue
        entry = _LIST_ENTRY.match(path)
        owner = trainable.get((entry["root"], int(entry["index"]))) if entry else None
        if owner is not None and entry["list"] not in KERAS_OPTIMIZER_LISTS:
            yield variable.key, owner, keras_slot_name(entry["list"])
        else:
            yield variable.key, path, None
