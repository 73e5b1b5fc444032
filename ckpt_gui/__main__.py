"""Entry point: ``ckpt-gui [PATH]`` opens the app, ``ckpt-gui COMMAND ...`` runs headless.

Only argparse runs at start-up; the CLI imports no Qt and the GUI is imported
only when the window is asked for, so ``ckpt-gui inspect`` starts fast.
"""

from __future__ import annotations

import sys

COMMANDS = ("inspect", "export", "diagnose", "diff")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in COMMANDS:
        from ckpt_gui.cli.commands import run

        return run(argv)
    if argv and argv[0] in ("-h", "--help"):
        print(_USAGE)
        return 0
    # Qt is imported only here: the headless commands never load it.
    from ckpt_gui.app.launch import run_gui

    return run_gui(argv)


_USAGE = """\
usage: ckpt-gui [PATH] [--compare B] [--model SCRIPT] [--screenshot FILE.png]
                                       open the app (the bundled demo when no PATH)
       ckpt-gui inspect PATH [--json] [--stats]
       ckpt-gui export PATH KEY -o FILE.npy
       ckpt-gui diagnose PATH --model SCRIPT [--json] [--timeout S] [--python EXE]
       ckpt-gui diff A B [--json]

PATH is a checkpoint folder, a prefix (ckpt-3, model.ckpt-1000), an .index or
.data-* file, the 'checkpoint' state file, or a SavedModel folder.
Run 'ckpt-gui COMMAND --help' for the options of a command."""


if __name__ == "__main__":
    sys.exit(main())
