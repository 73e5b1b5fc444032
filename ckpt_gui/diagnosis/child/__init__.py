"""The restore attempt itself, run in a child Python process that imports TensorFlow.

Not imported by ckpt-gui: ``main.py`` runs by path in any interpreter with
TensorFlow (the user's training environment, without ckpt-gui installed) and loads
these modules, and ``ckpt_gui/core/format/conventions.py``, by path (see main.py).
"""
