"""The readable names of a repair plan's source keys: the doctor's own (diagnosis/value_names.py),
so that the report, the plan's notes and the Repair dialog name a value alike (review 12, 8)."""

from ckpt_gui.diagnosis.value_names import source_names, source_paths

__all__ = ["source_names", "source_paths"]
