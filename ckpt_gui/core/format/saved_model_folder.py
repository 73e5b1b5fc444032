"""Folders around SavedModels: TF Serving's numbered versions, a folder holding one.

TF Serving loads ``model/<version>/`` and serves the highest version number; an
export folder (``export/1584391735/``, Estimator's timestamps) is the same layout.
A user who opens ``model/`` means that SavedModel; a folder holding exactly one
SavedModel (``serving_model_dir/`` with ``saved_model/`` inside) means that one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ckpt_gui.core.format import storage

SAVED_MODEL_GRAPHS = ("saved_model.pb", "saved_model.pbtxt")
# Files written beside saved_model.pb: pointing at one means its SavedModel.
SAVED_MODEL_FILES = (*SAVED_MODEL_GRAPHS, "fingerprint.pb", "keras_metadata.pb")


def is_saved_model(directory: str) -> bool:
    return any(storage.isfile(os.path.join(directory, name)) for name in SAVED_MODEL_GRAPHS)


def variables_prefix(saved_model: str) -> str:
    return os.path.join(saved_model, "variables", "variables")


def has_variables(saved_model: str) -> bool:
    return storage.isfile(variables_prefix(saved_model) + ".index")


@dataclass(frozen=True, slots=True)
class SavedModelFolder:
    """The SavedModels found right below a folder: numbered versions, lowest first, or
    the one unnumbered SavedModel subfolder (version None)."""

    versions: tuple[tuple[int | None, str], ...]  # (version, SavedModel folder), with variables
    without_variables: tuple[str, ...]  # numbered SavedModels that have no variables to show


def saved_models_below(directory: str) -> SavedModelFolder:
    """Numbered SavedModel subfolders (TF Serving versions); failing those, the single
    SavedModel subfolder when there is exactly one."""
    try:
        names = sorted(storage.listdir(directory))
    except OSError:
        return SavedModelFolder((), ())
    subfolders = [n for n in names if storage.isdir(os.path.join(directory, n))]
    models = [n for n in subfolders if is_saved_model(os.path.join(directory, n))]
    numbered = sorted((int(n), n) for n in models if n.isdigit())
    if numbered:
        with_vars = [(v, os.path.join(directory, n)) for v, n in numbered if has_variables(os.path.join(directory, n))]
        without = [os.path.join(directory, n) for _v, n in numbered if not has_variables(os.path.join(directory, n))]
        return SavedModelFolder(tuple(with_vars), tuple(without))
    others = [n for n in subfolders if n not in models and _holds_index(os.path.join(directory, n))]
    if len(models) == 1 and not others and has_variables(os.path.join(directory, models[0])):
        return SavedModelFolder(((None, os.path.join(directory, models[0])),), ())
    return SavedModelFolder((), ())


def _holds_index(directory: str) -> bool:
    """A subfolder with checkpoints of its own: then "the one SavedModel" is no answer."""
    return storage.glob_index(directory)
