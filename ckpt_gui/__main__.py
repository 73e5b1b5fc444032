"""Entry point: ``ckpt-gui [PATH]`` opens the app, ``ckpt-gui COMMAND ...`` runs headless.

Only argparse runs at start-up; the CLI imports no Qt and the GUI is imported
only when the window is asked for, so ``ckpt-gui inspect`` starts fast.
"""

from __future__ import annotations

import os
import sys

from ckpt_gui import __version__

COMMANDS = ("inspect", "export", "diagnose", "diff", "repair")
EXIT_ERROR = 2


def main(argv: list[str] | None = None) -> int:
    """The ``ckpt-gui`` command (the console script, and ``python -m ckpt_gui``); with
    ``argv``, a caller's own run (tests) that returns its exit code."""
    code = _main(argv)
    if argv is None and sys.argv[1:2] == ["inspect"]:
        _end_now(code)
    return code


def _end_now(code: int) -> None:
    """End the process without the interpreter's teardown: what a large listing made is
    still alive (commands.KEPT_TO_EXIT), and freeing it object by object costs a tenth
    of a second at 200,000 variables. Everything written is flushed first."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # a reader gone, or stdout closed: nothing left to say
        pass
    os._exit(code)


def _main(argv: list[str] | None) -> int:
    try:
        try:
            return _dispatch(sys.argv[1:] if argv is None else argv)
        finally:
            # Flushed here, where a reader that went away (`ckpt-gui --help | head -1`)
            # can be handled, not at exit, where Python prints a BrokenPipeError.
            if sys.stdout is not None:
                sys.stdout.flush()
    except BrokenPipeError:
        # Whatever is still buffered has nowhere to go: send it to /dev/null so the
        # interpreter's own flush at exit stays quiet too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _dispatch(argv: list[str]) -> int:
    if argv and argv[0] in COMMANDS:
        from ckpt_gui.cli.commands import run

        return run(argv)
    if argv and argv[0] in ("-h", "--help"):
        print(_USAGE)
        return 0
    if argv and argv[0] == "--version":
        print(f"ckpt-gui {__version__}")
        return 0
    if argv and argv[0] == "--install-desktop-file":
        from ckpt_gui.app.desktop_entry import install_desktop_file

        return install_desktop_file()
    mistyped = _near_miss(argv[0]) if argv else None
    if mistyped is not None:
        print(
            f"ckpt-gui: error: unknown command {argv[0]!r} (did you mean {mistyped!r}?)\n"
            "Run 'ckpt-gui --help' for the commands; 'ckpt-gui PATH' opens PATH in the app.",
            file=sys.stderr,
        )
        return EXIT_ERROR
    # Checked before Qt is imported: a missing library or display gives what to install,
    # not Qt's abort (which blames the wrong library).
    from ckpt_gui.app.qt_platform import platform_problem

    problem = platform_problem()
    if problem is not None:
        print(problem, file=sys.stderr)
        return EXIT_ERROR
    # Qt is imported only here: the headless commands never load it.
    from ckpt_gui.app.launch import run_gui

    return run_gui(argv)


def _near_miss(word: str) -> str | None:
    """The command ``word`` is a typo of, if it is one. ``ckpt-gui PATH`` opens PATH in
    the app, so only a word that names no file and looks like a command counts."""
    if word.startswith("-") or os.sep in word or "." in word or os.path.lexists(word):
        return None  # an option, or a path (model.ckpt-100, ./inspect): the app says if it is missing
    import difflib  # only here: every command's start-up would pay for it

    close = difflib.get_close_matches(word.lower(), COMMANDS, n=1, cutoff=0.6)
    return close[0] if close else None


_USAGE = """\
usage: ckpt-gui [PATH] [--compare B] [--model SCRIPT] [--screenshot FILE.png] [--size WxH]
                                       open the app (the bundled demo when no PATH)
       ckpt-gui inspect PATH [--json] [--stats]
       ckpt-gui export PATH KEY -o FILE.npy
       ckpt-gui diagnose PATH --model SCRIPT [--json] [--timeout S] [--python EXE] [--plan PLAN.json]
       ckpt-gui repair PATH --model SCRIPT --plan PLAN.json -o OUTDIR [--json] [--force]
       ckpt-gui diff A B [--json]
       ckpt-gui --version
       ckpt-gui --install-desktop-file     add ckpt-gui to the desktop's application menu

PATH is a checkpoint folder, a prefix (ckpt-3, model.ckpt-1000), an .index or
.data-* file, the 'checkpoint' state file, a SavedModel folder, a Keras weights
file (.weights.h5, .keras, a legacy .h5), or a URL (s3://, gs://, az://, https://).
Run 'ckpt-gui COMMAND --help' for the options of a command."""


if __name__ == "__main__":
    sys.exit(main())
