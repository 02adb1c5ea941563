"""What the libraries feedmill builds on cost alone, against feedmill, per item.

    python -m benchmarks.floor                 # the 200 × 50 corpus, 10,000 items
    python -m benchmarks.floor --feeds 100

In one process, on the same generated documents: fastfeedparser's parse, nh3's
default clean of each item's body, an SQLite insert of each item (a commit per
feed, WAL), a file written and renamed per item — then `feedmill run --workers 1`
(everything in one process; dedupe and search off) over the same documents as
local files (its start — imports, the config — counted in). Prints
microseconds of CPU per item for each, and feedmill's multiple of the
libraries' sum: what feedmill's own work around them costs.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import CORPUS_VERSION, generate

CORPORA = Path(__file__).resolve().parent / ".work"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=200, help="documents to read (≤ 200)")
    parser.add_argument(
        "--work",
        type=Path,
        default=Path("/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()),
    )
    args = parser.parse_args()

    import fastfeedparser
    import nh3

    corpus = CORPORA / f"corpus-v{CORPUS_VERSION}-200x50"
    if not (corpus / "manifest.json").is_file():
        generate(corpus, 200, 50)
    paths = sorted(corpus.glob("feed*.xml"))[: args.feeds]
    documents = [p.read_bytes() for p in paths]
    work = Path(tempfile.mkdtemp(prefix="feedmill-floor-", dir=args.work))
    try:
        spent = dict.fromkeys(("parse", "sanitize", "store", "files"), 0.0)
        items = 0
        db = sqlite3.connect(work / "floor.db", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE e(id INTEGER PRIMARY KEY, feed TEXT, guid TEXT, title TEXT,"
                   " link TEXT, content TEXT, UNIQUE(feed, guid))")  # fmt: skip
        (work / "posts").mkdir()
        for number, document in enumerate(documents):
            start = _cpu()
            entries = fastfeedparser.parse(document).entries
            spent["parse"] += _cpu() - start
            start = _cpu()
            bodies = [
                nh3.clean(
                    e["content"][0]["value"] if e.get("content") else e.get("description", "")
                )
                for e in entries
            ]
            spent["sanitize"] += _cpu() - start
            start = _cpu()
            rows = [
                (str(number), e.get("id") or e.get("link"), e.get("title"), e.get("link"), body)
                for e, body in zip(entries, bodies, strict=True)
            ]
            db.execute("BEGIN")
            db.executemany(
                "INSERT INTO e(feed, guid, title, link, content) VALUES (?,?,?,?,?)", rows
            )
            db.execute("COMMIT")
            spent["store"] += _cpu() - start
            start = _cpu()
            for index, body in enumerate(bodies):
                target = work / "posts" / f"{number}-{index}.md"
                temporary = target.with_suffix(".tmp")
                temporary.write_text(body, encoding="utf-8")
                os.replace(temporary, target)
            spent["files"] += _cpu() - start
            items += len(entries)
        db.close()

        site = work / "site"
        site.mkdir()
        feeds = "".join(
            f"  - {{url: '{path}', group: g, source: s{n}}}\n" for n, path in enumerate(paths)
        )
        (site / "feedmill.yml").write_text(
            f"site: .\ndedupe: off\nsearch: false\nfeeds:\n{feeds}", encoding="utf-8"
        )
        command = [sys.executable, "-m", "feedmill", "run", "--workers", "1"]
        before, started = _children_cpu(), time.perf_counter()
        done = subprocess.run(command, cwd=site, capture_output=True, text=True)
        feedmill, wall = _children_cpu() - before, time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"feedmill run failed:\n{done.stdout}{done.stderr}")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def per_item(seconds: float) -> float:
        return seconds * 1e6 / items

    print(f"{len(documents)} documents, {items} items; CPU per item, µs:")
    for name, label in (
        ("parse", "fastfeedparser.parse"),
        ("sanitize", "nh3.clean (its defaults)"),
        ("store", "SQLite insert, a commit a feed"),
        ("files", "a file written and renamed"),
    ):
        print(f"  {label:34} {per_item(spent[name]):7.1f}")
    floor = per_item(sum(spent.values()))
    print(f"  {'the libraries alone':34} {floor:7.1f}")
    print(f"  {'feedmill run --workers 1':34} {per_item(feedmill):7.1f}   ({wall:.1f} s wall)")
    print(f"feedmill costs {per_item(feedmill) / floor:.1f}× the libraries alone")


if __name__ == "__main__":
    main()
