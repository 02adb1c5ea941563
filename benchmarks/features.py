"""What cross-feed dedupe and the search index cost a cold run: the same
corpus ingested four ways — neither, search only, dedupe only, both (the
defaults) — in alternating rounds, in one run.

    python -m benchmarks.features                 # 200 feeds × 50 items, 2 rounds
    python -m benchmarks.features --feeds 100 --rounds 3

Prints each configuration's cold-run seconds (every round) and its ratio to
the run with neither, by medians.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.corpus import CORPUS_VERSION, generate
from benchmarks.run import CORPORA, DEFAULT_WORK, Server, compile_sources, feed_list, feedmill_site

CONFIGURATIONS: dict[str, dict[str, Any]] = {
    "neither": {"dedupe": False, "search": False},
    "search only": {"dedupe": False},
    "dedupe only": {"search": False},
    "both (defaults)": {},
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    args = parser.parse_args()

    compile_sources()
    corpus = CORPORA / f"corpus-v{CORPUS_VERSION}-{args.feeds}x{args.items}"
    if not (corpus / "manifest.json").is_file():
        generate(corpus, args.feeds, args.items)
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    server = Server(corpus, 50, 0.0)
    seconds: dict[str, list[float]] = {name: [] for name in CONFIGURATIONS}
    try:
        feeds = feed_list(manifest, server)
        for _ in range(args.rounds):
            for name, settings in CONFIGURATIONS.items():
                site = feedmill_site(args.work / "features", feeds, **settings)
                started = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "feedmill", "run"],
                    cwd=site,
                    capture_output=True,
                    check=True,
                )
                seconds[name].append(time.perf_counter() - started)
                shutil.rmtree(site)
    finally:
        server.stop()
    base = statistics.median(seconds["neither"])
    print(f"cold run, {args.feeds} feeds × {args.items} items, {args.rounds} rounds")
    for name, runs in seconds.items():
        shown = " / ".join(f"{s:.1f}" for s in runs)
        print(f"{name:16} {shown:>20} s   {statistics.median(runs) / base:4.1f}×")


if __name__ == "__main__":
    main()
