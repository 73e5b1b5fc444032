"""The headless commands. Thin: parse arguments, call core, print.

Every CheckpointError becomes one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys

from ckpt_gui.cli.documents import listing_warnings, versioned, write_inspect_json
from ckpt_gui.cli.fetch_progress import fetch_progress
from ckpt_gui.cli.repair_command import add_attempt_options, add_repair_parser, attempt_request, write_proposed_plan
from ckpt_gui.cli.text_table import nothing_pairs_note, print_diff_table, print_inspect_table, same_checkpoint_note
from ckpt_gui.cli.unreadable_lines import unreadable_pair_lines
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format import storage
from ckpt_gui.core.format.errors import CheckpointError, one_line, shown_path
from ckpt_gui.core.format.incomplete_checkpoints import incomplete_warning
from ckpt_gui.core.format.locations import series_apart_note
from ckpt_gui.core.formatting import counted
from ckpt_gui.core.open_fallback import compared_instead, fallback_notes, open_readable

EXIT_OK = 0
# inspect: listed, but no object paths (graph unreadable) or, with --stats, a tensor unreadable;
# diff: they differ, or some pair's values cannot be read (never "identical" then)
EXIT_INCOMPLETE = 1
EXIT_ERROR = 2


def run(argv: list[str]) -> int:
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # said with the command's own usage, not the top level's (review 10: `inspect --bogus X`)
        args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    # A one-shot process that builds large acyclic structures (20,000 variables make
    # millions of small objects): cyclic collection only costs time, a third of it.
    gc.disable()
    try:
        with fetch_progress():  # on a terminal's stderr, for URLs: bytes fetched so far
            return args.handler(args)
    except CheckpointError as exc:
        _error(str(exc))
    except KeyboardInterrupt:
        _error("interrupted")
    except BrokenPipeError:  # e.g. `ckpt-gui inspect ... | head`
        sys.stderr.close()
        return EXIT_OK
    return EXIT_ERROR


def _print_json(document: dict) -> None:
    # json.dumps, not json.dump: dump streams through the pure-Python encoder, 20x
    # slower on a 20,000-variable report. Compact for the same reason (3 MB vs 4.4 MB).
    document = versioned(document)
    sys.stdout.write(json.dumps(document, separators=(",", ":"), allow_nan=False))
    sys.stdout.write("\n")


def _error(message: str) -> None:
    print(f"ckpt-gui: error: {message}", file=sys.stderr)


def _warn(warnings) -> None:
    for warning in warnings:
        print(f"ckpt-gui: warning: {one_line(warning)}", file=sys.stderr)


CHECKPOINT_FORMS = (
    "a folder, a prefix (ckpt-300), an .index or .data file, the 'checkpoint' state file, a SavedModel folder, "
    "a Keras weights file (.weights.h5, .keras, legacy .h5), or a gs://, s3://, az://, abfs:// or https:// URL "
    "of one of these"
)
LOCAL_CHECKPOINT_FORMS = (
    "a folder, a prefix (ckpt-300), an .index or .data file, the 'checkpoint' state file, a SavedModel folder or "
    "a Keras weights file (.weights.h5, .keras, legacy .h5); a local path (TensorFlow reads it): no URL"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ckpt-gui", description="Look inside TensorFlow checkpoints.")
    commands = parser.add_subparsers(dest="command", required=True)

    inspect = commands.add_parser("inspect", help="list the variables of a checkpoint")
    inspect.add_argument("path", help=f"the checkpoint: {CHECKPOINT_FORMS}")
    inspect.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    inspect.add_argument("--stats", action="store_true", help="also read every value and give exact statistics")
    inspect.set_defaults(handler=_inspect)

    export = commands.add_parser("export", help="write one tensor to a .npy file")
    export.add_argument("path", help=f"the checkpoint: {CHECKPOINT_FORMS}")
    export.add_argument(
        "key",
        help="the tensor: its checkpoint key, an object path, or an optimizer slot's name by its variable "
        "(model/.../1/_kernel/momentum), as inspect, diff and diagnose print them",
    )
    export.add_argument(
        "-o",
        "--output",
        required=True,
        help="the .npy file to write (.npy is appended when missing); strings that .npy cannot hold exactly "
        "(trailing NUL bytes) go to .npz, as does any tensor with -o FILE.npz",
    )
    export.set_defaults(handler=_export)

    diagnose = commands.add_parser("diagnose", help="try restoring the checkpoint into a model script's objects")
    diagnose.add_argument("path", help=f"the checkpoint: {LOCAL_CHECKPOINT_FORMS}")
    diagnose.add_argument("--model", required=True, help="the Python script that defines the model")
    diagnose.add_argument("--json", action="store_true", help="print the report as one JSON object")
    diagnose.add_argument("--plan", metavar="PLAN.json", help="also write the proposed repair plan (see repair)")
    add_attempt_options(diagnose)
    diagnose.set_defaults(handler=_diagnose)
    add_repair_parser(commands)

    diff = commands.add_parser("diff", help="compare two checkpoints variable by variable")
    diff.add_argument("a", help=f"the first checkpoint (before): {CHECKPOINT_FORMS}")
    diff.add_argument("b", help="the second checkpoint (after), in any of those forms")
    diff.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    diff.set_defaults(handler=_diff)
    for name, command in commands.choices.items():
        command.set_defaults(command_parser=command)
        command.epilog = EXIT_CODES[name]
        command.formatter_class = argparse.RawDescriptionHelpFormatter  # the epilog's lines as written
    return parser


# Each command's exit codes, at the end of its --help (as the README gives them: a script
# tests them, and `diff --help` did not say that 1 means "they differ", review 10).
EXIT_CODES = {
    "inspect": "exit codes: 0 listed; 1 listed, but not whole: the keys without their object paths (the\n"
    "object graph's data shard is missing), or with --stats some tensor's values cannot be read (its\n"
    'row has no statistics; --json: "stats": null and its "error"); 2 error, nothing listed',
    "export": "exit codes: 0 written; 2 error",
    "diagnose": "exit codes: 0 everything the model needs restored; 1 conflicts, missing or deferred\n"
    "variables; 2 the script or the attempt failed, or another error",
    "repair": "exit codes: 0 written and verified; 1 written but the verification failed; 2 the plan,\n"
    "the folder or the writing failed, or another error",
    "diff": "exit codes: 0 the checkpoints hold identical values; 1 they differ, or some pair's values\n"
    'cannot be read (listed as unreadable, every other pair compared; --json: its "error"); 2 error,\n'
    "nothing listed",
}


# The checkpoint a listing opened, kept until the process ends: ``python -m ckpt_gui``
# then exits without freeing its objects one by one (a million at a million entries).
KEPT_TO_EXIT: list = []


def _inspect(args: argparse.Namespace) -> int:
    # A listing makes a few objects per variable and no cycles, then exits: the cyclic
    # collector (which walks every object already made, again and again as they
    # pile up) has nothing to find. Reference counting still frees everything.
    gc.disable()
    ckpt = open_readable(args.path)  # a folder whose newest checkpoint is broken: the newest readable, as the app
    _warn(listing_warnings(ckpt))  # an object graph that cannot be read among them: listed by key
    stats, unreadable = None, {}
    if args.stats:
        # Statistics need numpy, which listing a checkpoint must not import.
        from ckpt_gui.core.views.readable_stats import stats_skipping_unreadable  # noqa: PLC0415

        # A tensor that cannot be read (its checksum fails, its data file is gone) is
        # listed without statistics, with why: the rest of the listing still serves.
        keys = [v.key for v in ckpt.variables if v.dtype.is_numeric]
        stats, unreadable = stats_skipping_unreadable(ckpt, keys)
        _warn(_unreadable_warnings(unreadable))
    if args.json:
        write_inspect_json(ckpt, stats, sys.stdout.write, unreadable)
        sys.stdout.write("\n")
    else:
        print_inspect_table(ckpt, stats, unreadable=unreadable)
    KEPT_TO_EXIT[:] = [ckpt]  # freed by the process's end (see __main__), not here
    # Listed as tf.train.list_variables lists it, but without the object paths promised,
    # or without the statistics asked for of some tensor: a script must not take that
    # for a complete answer (nor for a failure: the listing is there, exit 2 prints none).
    return EXIT_INCOMPLETE if ckpt.graph_error is not None or unreadable else EXIT_OK


def _unreadable_warnings(unreadable: dict[str, str]) -> list[str]:
    """One line per reason: a missing data file's tensors share theirs (hundreds of
    lines saying the same), and so do a truncated shard's (shards.shared_cause; the JSON
    keeps each tensor's own); a corrupt tensor's names it."""
    from ckpt_gui.core.format.shards import shared_cause  # noqa: PLC0415 - only when a value could not be read

    by_reason: dict[str, int] = {}
    for reason in map(shared_cause, unreadable.values()):
        by_reason[reason] = by_reason.get(reason, 0) + 1
    return [f"no statistics for {counted(count, 'tensor')}: {reason}" for reason, count in by_reason.items()]


def _diagnose(args: argparse.Namespace) -> int:
    from ckpt_gui.cli.doctor_text import print_report
    from ckpt_gui.diagnosis.checkpoint_choice import checkpoint_choice, keras_file_choice
    from ckpt_gui.diagnosis.child.keras_kind import keras_file_kind
    from ckpt_gui.diagnosis.keras_causes import SHARDED_NOT_DIAGNOSED
    from ckpt_gui.diagnosis.other_series import with_other_series
    from ckpt_gui.diagnosis.report import build_report, exit_code
    from ckpt_gui.diagnosis.runner import Diagnoser
    from ckpt_gui.diagnosis.value_names import source_paths

    if storage.is_url(args.path):
        raise CheckpointError(args.path, storage.DOCTOR_NEEDS_LOCAL)
    # A Keras weights file (.weights.h5, .keras, Keras 2 .h5): model.load_weights(FILE).
    keras_file = keras_file_kind(args.path) is not None
    # A folder whose newest checkpoint is broken: the newest readable, as the app's doctor and inspect (review 13 #5a).
    ckpt = None if keras_file else open_readable(args.path)
    # For a plan a Keras file is opened too: the plan's keys are its HDF5 paths, and its folder is protected.
    opened = ckpt if ckpt is not None or not args.plan else Checkpoint.open(args.path)
    notes = [] if ckpt is None else list(fallback_notes(ckpt.location).values())
    choice = checkpoint_choice(args.path, ckpt.location) if ckpt is not None else keras_file_choice(args.path)
    if args.json and notes:  # the report's text says it, once (review 14: three times, whole, with the path)
        warning = choice.warning()  # with its fix, as the report's text says it
        _warn([warning] if warning else choice.skipped_warnings("diagnosed"))
    script = os.path.abspath(args.model)
    if not os.path.isfile(script):
        raise CheckpointError(script, "model script not found")
    if ckpt is not None and ckpt.keras is not None:  # what the doctor's loaders do not take (sharded .weights.json)
        raise CheckpointError(ckpt.prefix, SHARDED_NOT_DIAGNOSED)
    if ckpt is not None:
        # A restore needs every value: say now, and plainly, if a file is missing or cut short.
        ckpt.shards.check_all_present()
    prefix = ckpt.prefix if ckpt is not None else os.path.abspath(args.path)
    request = attempt_request(args, prefix, script)
    quiet = args.json

    def on_phase(phase: str) -> None:
        if not quiet:
            print(f"  ... {phase}", file=sys.stderr, flush=True)

    diagnoser = Diagnoser(keep_warm=False)
    try:
        result = diagnoser.run(request, on_phase)
    finally:
        diagnoser.close()
    names = source_paths(ckpt.variables) if ckpt is not None and ckpt.keras is None else None
    report = build_report(request, result, choice, names)
    if ckpt is not None:  # another series of the folder the model fits better, said first (review 24 #1)
        report = with_other_series(report, ckpt.location, ckpt.ref)
    if args.json:
        _print_json(report.to_json() | {"warnings": notes})
    else:
        print_report(report)
    if args.plan:
        write_proposed_plan(report, opened, args.plan)
    return exit_code(report)


def _diff(args: argparse.Namespace) -> int:
    # Comparing values needs numpy, which listing a checkpoint must not import.
    from ckpt_gui.core.analysis.value_comparison import compare_all  # noqa: PLC0415
    from ckpt_gui.core.analysis.variable_pairing import find_renames, pair_variables  # noqa: PLC0415
    from ckpt_gui.core.views.pair_paths import PairPaths, shown_path_of  # noqa: PLC0415

    a, b = open_readable(args.a), open_readable(args.b)  # as inspect and the app open a folder
    # Which checkpoint of a folder was compared, when not its newest, and why, in one
    # sentence ("comparing ckpt-4", not browse's "showing"); the folder's other notes.
    notes, incomplete = [], []
    for side, ckpt in (("A", a), ("B", b)):
        instead = compared_instead(ckpt.location)
        notes += [f"{side}: {instead}"] if instead else []
        for note in ckpt.location.warnings[len(ckpt.location.broken) :]:
            # Browse's "only its index can be shown" waits for the comparison: the lines
            # below name the missing file with what it costs a comparison.
            if not ckpt.location.selected.complete and note == incomplete_warning(ckpt.location.selected):
                incomplete.append((side, ckpt, note))
            else:
                notes.append(f"{side}: {note}")
    _warn(notes)
    apart = series_apart_note(a.location, a.ref, b.location, b.ref)  # the text's heading says it (text_table)
    notes += [apart] if apart else []
    diff = pair_variables(a, b)
    compare_all(diff)
    find_renames(diff)
    unpaired = nothing_pairs_note(diff)  # the text's heading says it (text_table); the JSON's warnings
    notes += [unpaired] if unpaired else []
    notes += [diff.unpaired_names] if diff.unpaired_names else []  # why names did not pair (the heading too)
    same = same_checkpoint_note(diff)  # as the app warns (review 23 #17): the heading, stderr, the JSON's warnings
    _warn([same] if same else [])
    notes[:0] = [same] if same else []
    path_of = shown_path_of(diff)  # as the app names pairs: an optimizer slot under its variable
    # A pair whose value cannot be read is listed "unreadable" and the others compared
    # (review 14), and an object graph that cannot be read pairs by key (review 15 M2):
    # why, on stderr and in the JSON's warnings, one line per file's problem (review 16 #6).
    unreadable = unreadable_pair_lines(diff.pairs, path_of, diff)
    unreadable[:0] = [f"{side}: {note}" for side, ckpt, note in incomplete if not _told(ckpt, side, unreadable)]
    _warn(unreadable)
    notes += unreadable
    if args.json:
        document = diff.to_json() | {"warnings": notes}
        places = PairPaths(diff).of  # the place path_of gives, and whether it is an optimizer slot
        for row, pair in zip(document["variables"], diff.pairs, strict=True):
            row["path"], _name, slot = places(pair)
            if slot:  # an optimizer's, not a parameter of the model: as the app's tree marks it
                row["slot"] = True
        _print_json(document)
    else:
        print_diff_table(diff, path_of=path_of)
    return EXIT_OK if diff.identical else EXIT_INCOMPLETE


def _told(ckpt: Checkpoint, side: str, lines: list[str]) -> bool:
    """Whether ``lines`` name each file missing from ``side``'s checkpoint (a line per
    file's problem starts with the side and the file's path)."""
    missing = ckpt.location.selected.missing_files
    return all(any(side in line.partition(":")[0] and shown_path(path) in line for line in lines) for path in missing)


def _export(args: argparse.Namespace) -> int:
    # Writing a .npy needs numpy, which listing a checkpoint must not import.
    from ckpt_gui.core.export import export_npy, resolve_key  # noqa: PLC0415

    ckpt = open_readable(args.path)  # as inspect and the app open a folder
    _warn(ckpt.location.warnings)  # which checkpoint of the folder the tensor came from, when not its newest
    key = resolve_key(ckpt, args.key)
    written, note = export_npy(ckpt, key, args.output)
    if note:
        print(f"ckpt-gui: note: {one_line(note)}", file=sys.stderr)
    print(os.path.abspath(written))
    return EXIT_OK
