"""Package data: the bundled demo checkpoint and the example model scripts.

Found with importlib.resources so an installed wheel finds them as a source checkout does.
The demo is a folder of real files on disk (the app opens it like any checkpoint), so
this package must be installed unzipped, which pip always does.
"""

from __future__ import annotations

from importlib.resources import files


def demo_path() -> str:
    """The demo checkpoint folder: three CheckpointManager saves of a small Keras CNN."""
    return str(files(__name__) / "demo")


def examples_path() -> str:
    """The example model scripts for the restore doctor (demo_model.py, demo_model_changed.py)."""
    return str(files(__name__) / "examples")
