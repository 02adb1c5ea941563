"""The garbage collector's pace: lazy while a command starts, Python's own
for a daemon's life.

Python's young generation of 700 objects had a command's start collect ~300
times as it imported SQLAlchemy and aiohttp (objects that live as long as the
process): 0.11 s of an unchanged 1,000-feed rerun's 1.1 s.  A young generation
of 100,000 leaves garbage in cycles a little longer (a one-shot run's peak
memory is the same); over a daemon's passes it reached the oldest generation
and stayed there longer (the soak benchmark's main process grew 1.9 MiB of PSS
per 100 passes, not 0.5): a daemon goes back to Python's pace after its
first pass.
"""

from __future__ import annotations

import gc

START_YOUNG = 100_000
_PYTHONS = gc.get_threshold()


def for_start() -> None:
    gc.set_threshold(START_YOUNG, *_PYTHONS[1:])


def for_long_life() -> None:
    gc.set_threshold(*_PYTHONS)
