"""A folder's checkpoints listed again while training goes on (review 20 G7).

A CheckpointManager saves ckpt-5 and deletes ckpt-2 while the app shows ckpt-4: the
list made when it opened still named ckpt-2 and not ckpt-5, and "(latest)" sat on
ckpt-4. The app lists the folder again (its picker opening, a pick that failed, the
folder changing); the checkpoint shown stays the selected one. Nothing is opened:
one listing of the folder and the state file, and the last bytes of each index
(``with_unreadable_marked``), as Compare with... lists a folder.
"""

from __future__ import annotations

import dataclasses

from ckpt_gui.core.format import storage
from ckpt_gui.core.format.checkpoint_order import in_order
from ckpt_gui.core.format.discovery import locate
from ckpt_gui.core.format.errors import CheckpointError
from ckpt_gui.core.format.locations import CheckpointRef, Location
from ckpt_gui.core.open_fallback import with_unreadable_marked

RELISTED_KINDS = ("bundle", "keras")  # a folder of saves; a SavedModel's or a V1 file's list does not grow


class Relisting:
    """What a new listing found: the location (its ``selected`` the checkpoint shown)
    and whether the checkpoint shown has left the folder (deleted by max_to_keep)."""

    __slots__ = ("gone", "location")

    def __init__(self, location: Location, gone: bool) -> None:
        self.location, self.gone = location, gone


def can_relist(location: Location) -> bool:
    """Whether ``location``'s folder is listed again: a local folder of saves (a remote
    one is listed when opened only: each listing is a request)."""
    return location.kind in RELISTED_KINDS and not storage.is_url(location.directory)


def relisted(location: Location, shown: CheckpointRef) -> Relisting:
    """``location``'s folder as it is now, ``shown`` selected. When ``shown`` is gone from
    the folder it is kept in the list (it is what the window shows), no longer in the
    state file, among the others by step; when the folder cannot be listed any more
    (moved away), ``location`` as it was."""
    if not can_relist(location):
        return Relisting(location, False)
    try:
        fresh = with_unreadable_marked(locate(shown.prefix))
    except CheckpointError:
        fresh = None
    if fresh is not None:
        ref = next((r for r in fresh.checkpoints if r.prefix == shown.prefix), None)
        if ref is not None:
            return Relisting(dataclasses.replace(fresh, selected=ref), False)
    if location.kind != "bundle":
        return Relisting(location, False)
    try:
        fresh = with_unreadable_marked(locate(location.directory))
    except CheckpointError:
        return Relisting(location, False)
    kept = dataclasses.replace(shown, in_state_file=False)
    listed = [r for r in fresh.checkpoints if r.in_state_file]
    unlisted = [r for r in fresh.checkpoints if not r.in_state_file and r.prefix != shown.prefix]
    checkpoints = in_order(listed, [*unlisted, kept])
    return Relisting(dataclasses.replace(fresh, selected=kept, checkpoints=checkpoints), True)
