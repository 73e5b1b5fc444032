"""The report's record of another series in the diagnosed checkpoint's folder that
holds more of the script's model than the checkpoint diagnosed (other_series.py finds
it), and its words: the report's first line in the CLI, the app and the Markdown."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BetterSeries:
    prefix: str  # the other series' latest checkpoint
    matched: int  # the model's variables it holds, by key (object path or name), shape and dtype
    total: int  # the model's variables the child reported
    diagnosed_matched: int  # those the checkpoint diagnosed holds, counted alike
    diagnosed: str  # the checkpoint diagnosed (its prefix)
    state_named: bool = False  # the diagnosed one is what the folder's state file names
    by: str = "object path"  # what the keys were matched by ("name" for a TF1 Saver's restore)
    unbuilt: bool = False  # the model is not built yet: only the variables it made so far were matched

    @property
    def name(self) -> str:
        return os.path.basename(self.prefix)

    def sentence(self) -> str:
        """ "This script's model matches ckpt-2, another series in this folder: 7 of 7 model
        variables by object path, shape and dtype (checkpoints_custom_names-2, which the
        state file names, has 1 of 7). Diagnose ckpt-2 instead." """
        diagnosed = os.path.basename(self.diagnosed)
        which = ", which the state file names," if self.state_named else ", the one diagnosed,"
        # Not built, the layers' weights do not exist yet: the count is of what there is.
        if self.unbuilt:  # its weights are checked once it is built: said here, no note beside
            whose = "The variables this script's model has made so far (it is not built yet)"
            match, fit = "match", "fit"
        else:
            whose, match, fit = "This script's model", "matches", "fits"
        fits = (
            f"{match} {self.name}, another series in this folder:"
            if self.matched == self.total
            else f"{fit} {self.name}, another series in this folder, better:"
        )
        return (
            f"{whose} {fits} {self.matched:,} of {self.total:,} model variables by {self.by}, shape "
            f"and dtype ({diagnosed}{which} has {self.diagnosed_matched:,} of {self.total:,}). "
            f"Diagnose {self.name} instead."
        )

    def row_hint(self) -> str:
        """What a variable the other series holds and the diagnosed one lacks says, in
        place of "a layer or variable added since it was saved"."""
        diagnosed = os.path.basename(self.diagnosed)
        return (
            f"{self.name}, another series in this folder, has it with this {self.by}, shape and dtype: "
            f"{diagnosed} seems to be another model's checkpoint"
        )

    def to_json(self) -> dict:
        return {
            "prefix": self.prefix,
            "matched": self.matched,
            "total": self.total,
            "diagnosed_matched": self.diagnosed_matched,
            **({"unbuilt": True} if self.unbuilt else {}),
        }
