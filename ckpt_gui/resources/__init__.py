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


# The app's id: the .desktop file's name, QGuiApplication.desktopFileName, the icon's name.
APP_ID = "io.github.ckpt_gui.ckpt_gui"


def icon_path() -> str:
    """The window icon (SVG)."""
    return str(files(__name__) / "icons" / "ckpt-gui.svg")


def desktop_file_path() -> str:
    """The .desktop file template: ``ckpt-gui --install-desktop-file`` installs it."""
    return str(files(__name__) / "ckpt-gui.desktop")


def model_script_contract() -> str:
    """The model-script contract as Markdown (the README's section of that name, the
    same text: tests/test_app_help.py checks they agree), for Help > Model-script contract."""
    return (files(__name__) / "model_script_contract.md").read_text(encoding="utf-8")
