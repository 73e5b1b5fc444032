"""The pair a finished comparison opens on: its largest change among the model's own
variables, not an optimizer's state or a step counter.

An Estimator's two checkpoints (tfx-est-2019/2022, review 10) differ most in an
Adagrad accumulator of shape [1] (Rel. L2 78, a value that only grows): opened there,
the plots had one bar and the heatmap nothing to show, while the layers' weights, what
a user compares checkpoints for, were further down; the model's own largest change was
its logits' [1] bias, as empty a start. The flat list keeps its order (largest change
first, whatever the variable): only the first selection prefers a weight with values to plot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ckpt_gui.core.analysis.diff import Pair
from ckpt_gui.core.checkpoint import Variable
from ckpt_gui.core.format.conventions import (
    COUNTER_NAMES,
    OPTIMIZER_SLOT,
    OPTIMIZER_STATE_CHILDREN,
    is_optimizer_name,
    is_tf1_optimizer_slot,
    without_attributes,
)
from ckpt_gui.core.views.pair_statuses import change_of


def opening_pair(pairs: Iterable[Pair], order: Callable[[Pair], Any]) -> Pair | None:
    """The changed pair with the largest change (change_of: Rel. L2, NaN/Inf first) among
    the model's own variables of more than one value (a [1] bias has no histogram or
    heatmap to show: the plots stayed empty),
    else among the model's own, else among all changed pairs; ties go to the first in
    ``order`` (the tree's, as the flat list breaks them). None when nothing changed."""
    changed = [p for p in pairs if p.status == "changed" and p.values is not None]
    own = [p for p in changed if is_model_own(p.a) and is_model_own(p.b)]
    plotted = [p for p in own if _elements(p) > 1]
    pool = plotted or own or changed
    if not pool:
        return None
    largest = max(_rel_l2(p) for p in pool)
    return min((p for p in pool if _rel_l2(p) == largest), key=order)


def is_model_own(variable: Variable | None) -> bool:
    """Whether a variable is one of the model's own values rather than training state:
    not an optimizer's slot or its own values (``.OPTIMIZER_SLOT``, a path through an
    optimizer, TF1's ``kernel/Adam_1`` or an Estimator's ``training/Adagrad/...``), not
    a counter (``global_step``, ``save_counter``, any integer or non-number value)."""
    if variable is None:
        return True  # the other side decides
    if not variable.dtype.is_floating and not variable.dtype.is_complex:
        return False  # steps, counters, tables of ids and strings: not weights
    if OPTIMIZER_SLOT in variable.key:
        return False
    # Where the variable sits in the model, not its key: Keras 3 saves a kernel under
    # ``optimizer/_trainable_variables/0`` when the optimizer tracks it (review 12: every
    # weight was the optimizer's, so --compare opened on optimizer/_iterations).
    path = without_attributes(variable.display_path)
    if OPTIMIZER_SLOT in path or any(path == c or path.startswith(c + "/") for c in COUNTER_NAMES):
        return False
    names = path.split("/")
    if names[-1] in OPTIMIZER_STATE_CHILDREN:
        return False  # an optimizer's learning rate, its step
    return not any(is_optimizer_name(name) or is_tf1_optimizer_slot(name) for name in names)


def _elements(pair: Pair) -> int:
    return min(v.num_elements for v in (pair.a, pair.b) if v is not None)


def _rel_l2(pair: Pair) -> float:
    return change_of(pair, pair.status)  # as the flat list ranks it (NaN/Inf first; A all zeros by max |B-A|)
