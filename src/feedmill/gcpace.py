"""The garbage collector's pace: lazy while a command starts, Python's own
for a daemon's life; what the start loaded left out of its collections.

Python's young generation of 700 objects had a command's start collect ~300
times as it imported SQLAlchemy and aiohttp (objects that live as long as the
process): 0.11 s of an unchanged 1,000-feed rerun's 1.1 s.  A young generation
of 100,000 leaves garbage in cycles a little longer (a one-shot run's peak
memory is the same); over a daemon's passes it reached the oldest generation
and stayed there longer (the soak benchmark's main process grew 1.9 MiB of PSS
per 100 passes, not 0.5): a daemon goes back to Python's pace after its
first pass.

What a command has loaded when its first pass begins (SQLAlchemy's modules
and the store's, the config) lives as long as the process: scanned by every
older-generation collection all the same, ~40 ms of that rerun.  Frozen for
the pass (`gc.freeze`), it is left out; a daemon thaws it with Python's pace
(its config is read again, and the old one must go), a command as it ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

START_YOUNG = 100_000
_before_start: tuple[int, ...] | None = None  # what for_start changed


def for_start() -> None:
    global _before_start
    found = gc.get_threshold()
    if _before_start is None or found[0] != START_YOUNG:  # (not our own pace, saved again)
        _before_start = found
    gc.set_threshold(START_YOUNG, *_before_start[1:])


_frozen = False  # by loaded_left_alone, not yet thawed


@contextmanager
def loaded_left_alone() -> Iterator[None]:
    """What is alive now frozen until the block ends (or `for_long_life`).
    A program that runs a command in its own process and froze its objects
    itself keeps its freeze (freezes do not nest: a thaw thaws them all)."""
    global _frozen
    ours = gc.get_freeze_count() == 0
    if ours:
        gc.freeze()
        _frozen = True
    try:
        yield
    finally:
        if ours:
            _thaw()


def _thaw() -> None:
    global _frozen
    if _frozen:
        _frozen = False
        gc.unfreeze()


def for_long_life() -> None:
    """Python's pace again (as for_start found it: a program that runs a
    daemon in its own process keeps its own), and nothing frozen of ours."""
    global _before_start
    _thaw()
    if _before_start is not None:
        gc.set_threshold(*_before_start)
        _before_start = None
