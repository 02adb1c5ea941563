"""One story, one post: near-duplicates across feeds.

The same news reaches 证券时报网, 新浪财经 and 东方财富 within minutes, reworded
a little.  The first copy is published; later ones are stored as duplicates
of it (never posted), and its post lists them as "also reported by".

* ``text.fingerprint`` — words, names and figures of a story (pure);
* ``lsh.bands`` — MinHash (datasketch) LSH band keys of its words, so that
  candidates are found by index lookups, not by comparing with everything;
* ``decide.decide`` — the verdict on a candidate pair (pure);
* ``store/dedupe.py`` — the bands in the database, by day, so the index
  survives restarts and stays the same size however long feedmill runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

# This module imports none of the stage's others: a run that takes nothing in
# (all "not modified") needs the policy alone, not their regular expressions.

__all__ = ["DEFAULT_THRESHOLD", "DedupePolicy"]

DEFAULT_THRESHOLD = 0.18  # (see decide.similarity)


@dataclass(frozen=True, slots=True)
class DedupePolicy:
    threshold: float = DEFAULT_THRESHOLD
    # Copies of one story arrive within minutes; two alike stories days apart
    # are templated news (a daily 逆回购 notice), not copies.
    window: timedelta = timedelta(hours=24)
    label: str = "同时报道："  # the body line that lists the other sources
