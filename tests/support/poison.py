"""Jobs for a worker pool that die in the middle of handing back a result."""

from __future__ import annotations

import os
import struct
import sys


def die_while_answering() -> None:
    """Write the first bytes of a result (its length: 1 MB) to the pool's
    result pipe, then die, as a worker killed while it wrote a large result."""
    frame = sys._getframe()
    while frame is not None and "result_queue" not in frame.f_locals:
        frame = frame.f_back
    assert frame is not None, "not in a pool's worker"
    writer = frame.f_locals["result_queue"]._writer
    os.write(writer.fileno(), struct.pack("!i", 1_000_000))
    os._exit(1)


def answer(value: int) -> int:
    return value
