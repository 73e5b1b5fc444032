"""``ckpt-gui repair`` and ``diagnose --plan``: from a diagnosis to a checkpoint that
restores (issue 13). Thin: parse, call ckpt_gui.repair, print."""

from __future__ import annotations

import argparse
import json
import os
import sys

from ckpt_gui.cli.documents import versioned
from ckpt_gui.core.checkpoint import Checkpoint
from ckpt_gui.core.format import storage
from ckpt_gui.core.format.errors import CheckpointError, one_line
from ckpt_gui.core.open_fallback import fallback_notes, open_readable
from ckpt_gui.core.write_guard import Protected, write_file

EXIT_OK = 0
EXIT_UNVERIFIED = 1  # written, but the verification did not pass
EXIT_ERROR = 2
PLAN_MISMATCH = "PlanMismatch"  # the writing child's error when the plan does not fit the objects


def add_attempt_options(parser: argparse.ArgumentParser) -> None:
    """The doctor's options, shared by diagnose and repair."""
    parser.add_argument(
        "--timeout", type=float, default=120.0, metavar="SECONDS",
        help="how long an attempt may run before it is stopped (default: %(default)g)",
    )  # fmt: skip
    parser.add_argument("--python", default=sys.executable, help="the interpreter (with TensorFlow) to use")
    parser.add_argument(
        "--memory-limit",
        type=float,
        metavar="GB",
        help="stop the attempt when its processes use more memory than this (default: half the machine's; 0: none)",
    )
    parser.add_argument(
        "--allow-gpu", action="store_true", help="let TensorFlow see the GPUs (hidden by default: a restore needs none)"
    )


def add_repair_parser(commands) -> None:
    repair = commands.add_parser(
        "repair", help="write a repaired copy of a checkpoint by a plan (diagnose --plan), then verify it"
    )
    repair.add_argument("path", help="the source checkpoint: a local folder, prefix or file, or a Keras weights file")
    repair.add_argument("--model", required=True, help="the Python script that defines the model")
    repair.add_argument("--plan", required=True, help="the repair plan (JSON, from diagnose --plan)")
    repair.add_argument("-o", "--output", required=True,
                        help="the folder to write the new checkpoint into (outside the source's folder)")  # fmt: skip
    repair.add_argument("--force", action="store_true", help="write even if the folder already holds a checkpoint")
    repair.add_argument("--json", action="store_true", help="print the outcome as one JSON object")
    add_attempt_options(repair)
    repair.set_defaults(handler=run_repair_command)


def attempt_request(args: argparse.Namespace, prefix: str, script: str):
    from ckpt_gui.diagnosis.runner import DiagnosisRequest

    request = DiagnosisRequest(prefix, script, args.timeout, args.python, allow_gpu=args.allow_gpu)
    if args.memory_limit is not None:
        request = DiagnosisRequest(prefix, script, args.timeout, args.python, max(args.memory_limit, 0.0),
                                   args.allow_gpu)  # fmt: skip
    return request


def write_proposed_plan(report, ckpt: Checkpoint, path: str) -> None:
    """``diagnose --plan``: the plan the diagnosis proposes, as JSON (never into the checkpoint's folder)."""
    from ckpt_gui.repair.plan import named
    from ckpt_gui.repair.planner import propose_plan
    from ckpt_gui.repair.source_names import source_paths

    if report.error is not None:
        print(f"ckpt-gui: warning: {path}: no plan written: the attempt failed", file=sys.stderr)
        return
    from ckpt_gui.repair.overlap_ties import with_tie_notes

    plan = named(propose_plan(report), source_paths(ckpt.variables))  # each key's readable name beside it
    plan = with_tie_notes(plan)  # the lines one resize ties, for a copy-overlap chosen by hand (review 20, G9)
    text = json.dumps(plan.to_json(), indent=1).encode("utf-8") + b"\n"
    written = write_file(path, Protected.of(ckpt), lambda f: f.write(text))
    print(f"ckpt-gui: repair plan written to {written}", file=sys.stderr)


def run_repair_command(args: argparse.Namespace) -> int:
    from ckpt_gui.repair.plan import PlanError, read_plan
    from ckpt_gui.repair.writer import RepairRequest, check_sources, run_repair

    if storage.is_url(args.path):  # TensorFlow, which writes the repair, reads files by path
        raise CheckpointError(args.path, storage.DOCTOR_NEEDS_LOCAL)
    ckpt = open_readable(args.path)  # a folder whose newest checkpoint is broken: as diagnose and the app
    notes = list(fallback_notes(ckpt.location).values())  # the JSON's warnings: the banner's, whole
    if notes:  # stderr: one short sentence each, as diagnose says it (review 14: the banner's note, whole)
        from ckpt_gui.diagnosis.checkpoint_choice import checkpoint_choice

        for said in checkpoint_choice(args.path, ckpt.location).skipped_warnings("repairing"):
            print(f"ckpt-gui: warning: {one_line(said)}", file=sys.stderr)
    script = os.path.abspath(args.model)
    if not os.path.isfile(script):
        raise CheckpointError(script, "model script not found")
    ckpt.shards.check_all_present()
    plan = read_plan(args.plan)
    check_sources(ckpt, plan, args.plan)
    if plan.source and os.path.realpath(plan.source) != os.path.realpath(ckpt.prefix):
        print(f"ckpt-gui: warning: {args.plan}: made for {plan.source}, applied to {ckpt.prefix}", file=sys.stderr)

    def on_phase(phase: str) -> None:
        if not args.json:
            print(f"  ... {phase}", file=sys.stderr, flush=True)

    request = RepairRequest(ckpt, script, plan, args.output, args.force, attempt_request(args, ckpt.prefix, script))
    outcome = run_repair(request, on_phase)
    if outcome.error is not None and outcome.error.kind == PLAN_MISMATCH:
        raise PlanError(args.plan, outcome.error.message)  # the plan does not fit the script's objects
    if args.json:
        sys.stdout.write(json.dumps(versioned(outcome.to_json() | {"warnings": notes}), allow_nan=False) + "\n")
    else:
        _print_outcome(outcome)
    if outcome.error is not None:
        return EXIT_ERROR
    return EXIT_OK if outcome.ok else EXIT_UNVERIFIED


def _print_outcome(outcome) -> None:
    from ckpt_gui.repair.notes import overlap_copies, restore_verdict, target_named, value_counts

    counts = ", ".join(f"{n} {action}" for action, n in outcome.plan.counts().items() if n)
    print(f"plan: {counts}")
    if outcome.error is not None:
        print(f"ckpt-gui: error: writing failed: {outcome.error.kind}: {one_line(outcome.error.message)}",
              file=sys.stderr)  # fmt: skip
        if outcome.error.traceback:
            print(outcome.error.traceback, file=sys.stderr)
        return
    print(f"written: {outcome.written}")
    print(f"values: {value_counts(outcome.checks)}")
    targets = {e.target: target_named(e) for e in outcome.plan.entries if e.target}  # a slot by its variable
    for check in outcome.checks:
        if check.result not in ("equal", "overlap"):
            print(f"  {check.result}: {check.source_key} -> {targets.get(check.target, check.target)}")
    for block in overlap_copies(outcome.plan):  # which block, as the repair dialog says it (review 14)
        print(f"  {block}")
    for label in outcome.unconsumed:
        print(f"  not restored from the new checkpoint: {label}")
    print(f"record: {outcome.record}")
    lead, said = restore_verdict(outcome.plan)
    print(f"{lead.lower()}{said}" if outcome.ok else "NOT verified")
    for note in outcome.notes():
        print(f"note: {note}")
