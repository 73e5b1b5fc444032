"""TensorFlow's naming conventions: the names that say what a checkpoint value is.

The one place for them: the object graph, the trees and the restore doctor (in the
parent and in its child process) all ask here whether a name is an optimizer's, a
catch-all list's, a TF1 slot's, a counter's or a moving average's.

The doctor's child loads this file by path inside the user's own interpreter, which
may not have ckpt-gui installed: standard library only, no package imports, and
Python 3.8 syntax.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# -- keys and attributes ---------------------------------------------------------------

OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"  # the TF2 object graph's own bundle entry
VARIABLE_VALUE = "VARIABLE_VALUE"  # the attribute name of a variable's value
ATTRIBUTES = "/.ATTRIBUTES"  # between an object's path and its attribute in a TF2 key
VARIABLE_VALUE_SUFFIX = ATTRIBUTES + "/" + VARIABLE_VALUE
OPTIMIZER_SLOT = ".OPTIMIZER_SLOT"  # between a variable's path and its slot's in a TF2 key

# -- optimizers --------------------------------------------------------------------------

# An edge named like this leads to an optimizer (``optimizer``, ``optimiser``, ``opt_optimizer``).
_OPTIMIZER_NAME = re.compile(r"optimi[sz]er", re.IGNORECASE)
# An object with two of these children is an optimizer, whatever its edge is called.
OPTIMIZER_STATE_CHILDREN = frozenset({"_iterations", "iter", "iterations", "_learning_rate", "learning_rate"})
# Lists that hold every variable again under a number: a path through one names a
# value worse than its own attribute path (or than an optimizer's ``_momentums/3``).
CATCH_ALL_LISTS = frozenset({"_variables", "_trainable_variables", "_non_trainable_variables", "_all_variables"})
# A Keras 3 optimizer's list of the model's trainable variables (``_momentums[i]``
# belongs to ``_trainable_variables[i]``).
OPTIMIZER_TRAINABLE_LIST = "_trainable_variables"
# Keras 3 optimizers' own lists, next to their per-variable slot lists (``_momentums``...).
KERAS_OPTIMIZER_LISTS = frozenset({"_variables", OPTIMIZER_TRAINABLE_LIST, "_trainable_variables_indices"})


def keras_slot_name(list_name: str) -> str:
    """The slot a Keras 3 optimizer's per-variable list holds, one name everywhere (the
    tree's ``momentum (slot)``, ``diff``'s ``.../_kernel/momentum``, the doctor's and the
    Repair dialog's): ``_momentums`` -> ``momentum``, ``_velocities`` -> ``velocity``, the
    name Keras gives each slot variable (``dense_kernel_momentum``). The doctor had said
    ``momentums`` (review 15, 11)."""
    name = list_name.lstrip("_")
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


# TF1 optimizers save their slots as ``<variable>/<optimizer name>[_<n>]`` with these
# built-in names (Adam's m and v: ``Adam`` and ``Adam_1``).
_TF1_OPTIMIZER_SLOT = re.compile(r"^(Adam|Momentum|RMSProp|Adagrad|AdagradDA|ProximalAdagrad|Adadelta|Ftrl)(_\d+)?$")
# TF1 optimizer state that is no slot of a variable (Adam's powers of its betas). Not
# global_step: the training loop's step counter, harmless as save_counter is, with no
# moments to lose (review 12, 6: it was called optimizer state, with Keras advice).
TF1_OPTIMIZER_VALUES = frozenset({"beta1_power", "beta2_power"})
TF1_STEP = "global_step"
# A TF1 partitioned variable's parts: ``<variable>/part_<n>``. Older TensorFlow's
# slot_creator named a part's slot after the part and saved it so, one key per part
# (``<variable>/part_0/Ftrl``: an Estimator of TF 1.14 in the corpus); TF 2's gives the
# slot its primary's slicing and saves it as one key, ``<variable>/Ftrl`` (review 17, B).
_TF1_PART = re.compile(r"^part_\d+$")

# -- counters and averages -------------------------------------------------------------------

# Counters and bookkeeping an inference restore leaves unused without harm.
COUNTER_NAMES = ("save_counter", "global_step", "beta1_power", "beta2_power", "keras_api/metrics")
# tf.train.ExponentialMovingAverage's shadow of a weight; in TF1, ``<variable>/ExponentialMovingAverage``.
EMA_SLOT = "ExponentialMovingAverage"
AVERAGE_NAMES = (EMA_SLOT, "moving_average")
INTEGER_DTYPES = frozenset({"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"})


def is_optimizer_name(name: str) -> bool:
    """Whether an edge or a path names an optimizer (either spelling, any case)."""
    return _OPTIMIZER_NAME.search(name) is not None


def is_optimizer_object(child_names, has_slot_variables: bool) -> bool:
    """Whether an object of the graph is an optimizer by what it holds: legacy slot
    variables, or at least two of an optimizer's own state values (step, learning rate)."""
    return has_slot_variables or len(OPTIMIZER_STATE_CHILDREN.intersection(child_names)) >= 2


def is_tf1_optimizer_slot(name: str) -> bool:
    """Whether the last part of a TF1 name is a built-in optimizer's slot (``Adam_1``)."""
    return _TF1_OPTIMIZER_SLOT.match(name) is not None


def is_tf1_slot(name: str) -> bool:
    """Whether the last part of a TF1 name is a value hanging off a variable: an
    optimizer's slot or a moving average."""
    return name == EMA_SLOT or is_tf1_optimizer_slot(name)


def tf1_slot_owner(names: tuple[str, ...], is_path: Callable[[str], bool]) -> str | None:
    """The variable a TF1 slot's key (its names) belongs to, or None when it is no
    slot's. ``<var>/Adam`` is ``<var>``'s, and so is ``<scope>/<var>/Adam``: TensorFlow's
    slot_creator names a slot ``<var>/<slot>`` inside the variable scope the optimizer
    runs in, so a second optimizer built in scope ``model`` gives ``model/embed`` the
    slot ``model/model/embed/Adam`` (review 22 #8). Older TensorFlow's slot of a
    partitioned variable's part (``weights/part_0/Ftrl``) is the variable's.
    ``is_path``: whether a path is a variable's."""
    if len(names) < 2 or not names[-1][:1].isupper() or not is_tf1_slot(names[-1]):
        return None
    for start in range(len(names) - 1):  # the variable itself first, then under ever fewer scopes
        owner = names[start:-1]
        if is_path("/".join(owner)):
            return "/".join(owner)
        if len(owner) > 1 and is_tf1_part(owner[-1]) and is_path("/".join(owner[:-1])):
            return "/".join(owner[:-1])
    return None


def is_tf1_part(name: str) -> bool:
    """Whether a TF1 name is a partitioned variable's part (``part_0``)."""
    return _TF1_PART.match(name) is not None


def is_tf1_optimizer_key(key: str) -> bool:
    """Whether a TF1 checkpoint key holds optimizer state: a slot or a training counter."""
    return key in TF1_OPTIMIZER_VALUES or is_tf1_optimizer_slot(key.rsplit("/", 1)[-1])


def has_counter_name(name: str) -> bool:
    return any(counter in name for counter in COUNTER_NAMES)


def has_average_name(name: str) -> bool:
    return any(average in name for average in AVERAGE_NAMES)


def without_attributes(name: str) -> str:
    """``save_counter/.ATTRIBUTES/VARIABLE_VALUE`` -> ``save_counter``."""
    return name.split(ATTRIBUTES)[0]
