"""The two parsing paths side by side: fastfeedparser (well-formed documents)
against feedparser (the fallback), on the same generated feeds, in one run.

    python -m benchmarks.parsers                 # 40 feeds of the 200 × 50 corpus
    python -m benchmarks.parsers --feeds 100

Each parser reads every document three times; the best of the three counts.
Prints seconds per parser and their ratio.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.corpus import CORPUS_VERSION, generate

CORPORA = Path(__file__).resolve().parent / ".work"


def best_of(parse: Callable[[bytes], Any], documents: list[bytes], rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for document in documents:
            parse(document)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=40, help="documents to parse (≤ 200)")
    args = parser.parse_args()

    import fastfeedparser
    import feedparser

    corpus = CORPORA / f"corpus-v{CORPUS_VERSION}-200x50"
    if not (corpus / "manifest.json").is_file():
        generate(corpus, 200, 50)
    # The UTF-8 documents: GBK ones take feedmill's decoding first either way.
    paths = sorted(p for p in corpus.glob("*.xml") if b"gbk" not in p.read_bytes()[:64].lower())
    documents = [p.read_bytes() for p in paths[: args.feeds]]
    size = sum(map(len, documents)) / len(documents) / 1024
    slow = best_of(feedparser.parse, documents)
    fast = best_of(fastfeedparser.parse, documents)
    print(f"{len(documents)} documents of 50 items, {size:.0f} KiB on average")
    print(f"feedparser      {slow:7.3f} s")
    print(f"fastfeedparser  {fast:7.3f} s   {slow / fast:.0f}× faster")


if __name__ == "__main__":
    main()
