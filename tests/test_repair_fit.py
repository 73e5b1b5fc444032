"""The repair's one rule of what may be written where (ckpt_gui/repair/fit.py): the plan
check, the planner and the doctor's child (which writes, with the values themselves)
say the same thing in the same words. Review 12 #2: the app's dialog let a retarget to
a wider variable through to TensorFlow, which refused it 5 s later. No TensorFlow here:
the child's module runs with numpy and stand-in variables."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from ckpt_gui.diagnosis.child_process import CHILD_SCRIPT
from ckpt_gui.repair.plan import Action, PlanEntry, PlanError, RepairPlan, check_plan, entry_misfit, placed

KERNEL = "model/dense2/_kernel/.ATTRIBUTES/VARIABLE_VALUE"
CASES = [  # (action, source shape, source dtype, target shape, target dtype)
    ("map", (16, 10), "float32", (32, 10), "float32"),  # review 12: dense2 renamed out and widened
    ("map", (16, 10), "float32", (16, 10), "float64"),
    ("map", (16, 10), "float32", (16, 10), "float32"),
    ("copy-overlap", (16, 10), "float32", (32, 10), "float32"),
    ("copy-overlap", (16, 10), "float32", (160,), "float32"),
    ("copy-overlap", (3,), "int64", (3,), "int32"),
]


def _entry(action, shape, dtype, target_shape, target_dtype) -> PlanEntry:
    return PlanEntry(KERNEL, Action(action), "model/out/_kernel", "", shape, target_shape, dtype, target_dtype)


# The child's _assign, as child/main.py loads it, on stand-ins for the user's variables.
CHILD = """
import importlib, json, sys
import numpy as np
sys.path.insert(0, CHILD_DIR)
main = importlib.import_module("main")
main.load_package()
write = importlib.import_module(main.PACKAGE + ".repair_write")

class Variable:
    def __init__(self, shape, dtype):
        self.value = np.zeros(shape, dtype)
        self.shape, self.dtype = self.value.shape, self.value.dtype
    def numpy(self):
        return self.value
    def assign(self, value):
        self.value = value

said = []
for action, shape, dtype, target_shape, target_dtype in CASES:
    entry = {"action": action, "source_key": KEY, "target": "model/out/_kernel"}
    variables = {"model/out/_kernel": Variable(target_shape, target_dtype)}
    try:
        write._assign(entry, variables, np.ones(shape, dtype), None)
        said.append(None)
    except write.PlanMismatch as exc:
        said.append(str(exc))
print(json.dumps(said))
"""


def test_the_child_refuses_with_the_plan_checks_own_words():
    import os

    program = textwrap.dedent(CHILD).replace("CHILD_DIR", repr(os.path.dirname(CHILD_SCRIPT)))
    program = program.replace("CASES", repr(CASES)).replace("KEY", repr(KERNEL))
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    said = json.loads(result.stdout)
    expected = [entry_misfit(_entry(*case)) for case in CASES]
    assert said == expected
    assert [s is None for s in said] == [False, False, True, True, False, False]  # the rule bites where it should
    assert "a repair never reshapes" in said[0] and "[16, 10]" in said[0] and "[32, 10]" in said[0]


def test_the_plan_check_refuses_what_the_writer_would_naming_the_value():
    for case in CASES:
        entry = _entry(*case)
        plan = RepairPlan("/src/ckpt-5", "/m.py", "object", (entry,), ())
        problem = entry_misfit(entry)
        if problem is None:
            check_plan(plan, "the plan")
            continue
        with pytest.raises(PlanError, match="never|ranks differ") as refused:
            check_plan(plan, "the plan")
        assert KERNEL in str(refused.value) and problem in str(refused.value)


def test_placing_a_value_maps_it_when_it_fits_else_keeps_the_initial_value_saying_why():
    dropped = PlanEntry(KERNEL, Action.DROP, None, "nothing in the model claims it", (16, 10), None, "float32")
    fitting = placed(dropped, "model/out/_kernel", (16, 10), "float32", "chosen by you")
    assert (fitting.action, fitting.target, fitting.reason) == (Action.MAP, "model/out/_kernel", "chosen by you")
    assert fitting.target_shape == (16, 10) and fitting.target_dtype == "float32"
    wider = placed(dropped, "model/out/_kernel", (32, 10), "float32", "chosen by you")
    assert wider.action == Action.KEEP_INITIAL and wider.target_shape == (32, 10)
    assert wider.reason.startswith("chosen by you; shape conflict") and "[16, 10]" in wider.reason
    assert "[32, 10]" in wider.reason and "copy-overlap" in wider.reason
    flat = placed(dropped, "model/flat/_kernel", (160,), "float32", "chosen by you")
    assert flat.action == Action.KEEP_INITIAL and "the ranks differ: no block can be copied" in flat.reason
    cast = placed(dropped, "model/out/_kernel", (16, 10), "float16", "chosen by you")
    assert cast.action == Action.KEEP_INITIAL and "dtype conflict" in cast.reason
