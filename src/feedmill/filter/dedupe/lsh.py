"""MinHash LSH band keys (datasketch).

A story's words are MinHashed (128 permutations); the signature is cut into
bands, and each band becomes one 63-bit key.  Two stories share a key with a
probability that rises steeply with the Jaccard similarity of their words:
datasketch picks the bands (51 of 2 values) that best separate similarity
0.15 — low, because a two-sentence 快讯 shares few of a long article's words
(its containment is what is high).  That reaches an article of a few
paragraphs, not a long one: its headline and lead are MinHashed too, and
their keys stored with the story's (`story_keys`).  Candidates are verified
by decide.py.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from feedmill.filter.dedupe.text import Fingerprint

NUM_PERM = 128
LSH_THRESHOLD = 0.15


@cache
def _setup() -> tuple[Any, int, int]:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    return MinHash(num_perm=NUM_PERM), lsh.b, lsh.r


def _minhash() -> Any:
    template, _, _ = _setup()
    return template.copy()  # (the permutations are the template's, not made again)


def _keys(values: Any) -> list[int]:
    """The band keys of a MinHash signature (its ``hashvalues``)."""
    _, count, rows = _setup()
    signature = values.tobytes()  # (one bytes object: slicing numpy per band cost more)
    width = rows * values.itemsize
    return [
        # Shifted: fits a signed 64-bit column.
        int.from_bytes(
            hashlib.blake2b(
                band.to_bytes(2, "little") + signature[band * width : (band + 1) * width],
                digest_size=8,
            ).digest(),
            "little",
        )
        >> 1
        for band in range(count)
    ]


def bands(shingles: tuple[str, ...]) -> list[int]:
    """The LSH band keys of a set of shingles (empty for an empty set)."""
    if not shingles:
        return []
    minhash = _minhash()
    minhash.update_batch([s.encode("utf-8") for s in shingles])
    return _keys(minhash.hashvalues)


def story_keys(print_: Fingerprint) -> tuple[int, ...]:
    """A story's band keys: of its words and, for a long story, of its
    headline and lead too (`text.LEAD_WORDS`: a 快讯 of the lead shares a
    band with those); a key of both is kept once."""
    if not print_.lead:
        return tuple(bands(print_.shingles))
    # The lead's words are the story's: its MinHash, updated with the rest,
    # is the story's — each word hashed once.
    minhash = _minhash()
    minhash.update_batch([s.encode("utf-8") for s in print_.lead])
    lead = _keys(minhash.hashvalues)
    rest = set(print_.shingles).difference(print_.lead)
    if rest:
        minhash.update_batch([s.encode("utf-8") for s in rest])
    return tuple(dict.fromkeys([*_keys(minhash.hashvalues), *lead]))
