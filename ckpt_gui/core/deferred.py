"""numpy and ml_dtypes, imported when first used rather than when a module that uses
them is imported.

Importing numpy costs 0.15 to 0.3 s of CPU, and the app's modules that need it (the
tensor panel, statistics, export...) are all imported at launch, while the first tree
of a checkpoint needs none of it. So those modules write::

    from ckpt_gui.core.deferred import numpy as np

and ``np`` stands for numpy until its first attribute is asked for (``np.float64``):
numpy is imported then, on whichever thread asks (Python's import lock makes a second
thread wait for it), and from then on ``np`` holds numpy's names itself, so a look-up
costs what it costs on numpy. ``sys.modules`` has no "numpy" until then (what
tests/test_app_startup.py checks at the first tree). Annotations (``np.ndarray``)
cost nothing: every module using this has ``from __future__ import annotations``;
an expression run at import (a type alias, a constant) would import numpy at once,
so those spell ``"np.ndarray"`` or the number. import-linter sees no numpy import
through this module: pyproject.toml's contracts name it beside numpy.
"""

from __future__ import annotations

import importlib
import sys
import types


class Deferred(types.ModuleType):
    """Stands for the module named ``name`` until one of its attributes is asked for."""

    def __getattr__(self, attribute: str):
        module = importlib.import_module(self.__name__)
        # From now on the names are found here directly; one numpy makes on demand
        # (numpy.char, numpy.rec...) comes back here and is taken from numpy.
        self.__dict__.update(module.__dict__)
        return getattr(module, attribute)


numpy = Deferred("numpy")
ml_dtypes = Deferred("ml_dtypes")


def ready(name: str) -> bool:
    """Whether module ``name`` is imported, its import finished: asked for now, it costs
    nothing. Not while another thread is importing it (the asking thread would wait for
    that import's lock until it ends, as importlib does for a module still initialising)."""
    module = sys.modules.get(name)
    return module is not None and not getattr(getattr(module, "__spec__", None), "_initializing", False)
