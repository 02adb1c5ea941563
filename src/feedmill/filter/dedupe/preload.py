"""Imported by the workers' forkserver when dedupe is on (see `Mill.pool`).

Workers are forked from the forkserver, so what it has loaded they share,
copy-on-write, instead of each loading its own: datasketch imports scipy
(~55 MiB and over a second per process) and jieba's dictionary takes ~33 MiB.
"""

from __future__ import annotations

from contextlib import suppress

from feedmill.filter.dedupe.lsh import bands
from feedmill.filter.dedupe.text import fingerprint

_SAMPLE = "央行今日开展逆回购操作"

# Only a head start: a worker that finds nothing loaded loads it itself.
with suppress(Exception):
    bands(fingerprint(_SAMPLE, f"<p>{_SAMPLE}</p>").shingles)
