"""MinHash LSH band keys (datasketch).

A story's words are MinHashed (128 permutations); the signature is cut into
bands, and each band becomes one 63-bit key.  Two stories share a key with a
probability that rises steeply with the Jaccard similarity of their words:
datasketch picks the bands (51 of 2 values) that best separate similarity
0.15 — low, because a two-sentence 快讯 shares few of a long article's words
(its containment is what is high).  Candidates are verified by decide.py.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

NUM_PERM = 128
LSH_THRESHOLD = 0.15


@cache
def _setup() -> tuple[Any, int, int]:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    return MinHash(num_perm=NUM_PERM), lsh.b, lsh.r


def bands(shingles: tuple[str, ...]) -> list[int]:
    """The LSH band keys of a set of shingles (empty for an empty set)."""
    if not shingles:
        return []
    from datasketch import MinHash

    template, count, rows = _setup()
    minhash = MinHash(num_perm=NUM_PERM, permutations=template.permutations,
                      scheme=template.scheme)  # fmt: skip
    minhash.update_batch([s.encode("utf-8") for s in shingles])
    values = minhash.hashvalues
    keys = []
    for band in range(count):
        chunk = values[band * rows : (band + 1) * rows].tobytes()
        digest = hashlib.blake2b(band.to_bytes(2, "little") + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little") >> 1)  # fits a signed 64-bit column
    return keys
