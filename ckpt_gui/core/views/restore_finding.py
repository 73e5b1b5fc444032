"""What the variable tree reads of a restore finding (the doctor's verdict on one
variable). A Protocol, so the core needs nothing of the doctor (which sits above
it): ``ckpt_gui.diagnosis.findings.RestoreFinding`` has these attributes."""

from __future__ import annotations

from typing import Protocol

from ckpt_gui.core.statuses import RestoreStatus


class TreeFinding(Protocol):
    @property
    def status(self) -> RestoreStatus: ...

    @property
    def checkpoint_key(self) -> str | None: ...

    @property
    def model_path(self) -> str | None: ...

    @property
    def model_dtype(self) -> str | None: ...

    @property
    def checkpoint_shape(self) -> tuple[int, ...] | None: ...

    @property
    def model_shape(self) -> tuple[int, ...] | None: ...

    @property
    def checkpoint_dtype(self) -> str | None: ...

    @property
    def suggestions(self) -> tuple[str, ...]: ...

    @property
    def readable_name(self) -> str:
        """Its name as people read it: a variable only the model has is placed in the
        tree at this path (a Keras file's ``dense_3/kernel``, not ``layers/dense_3/vars/0``)."""
        ...

    @property
    def slot_name(self) -> str | None:
        """An optimizer slot only the model has, by its variable's path and slot
        (``model/.../3/_kernel/momentum``): the object view places it there."""
        ...
