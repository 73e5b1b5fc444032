"""Repair: from a diagnosis to a checkpoint that restores. A plan (plan.py) proposed
from the doctor's findings (planner.py, pairing.py), written by TensorFlow in the
doctor's child from the user's own objects, then verified (writer.py)."""
