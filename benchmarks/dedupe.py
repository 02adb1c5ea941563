"""Near-duplicate detection: quality on the labelled set, and the stored index at scale.

    python -m benchmarks.dedupe                         # quality + 100 k entries
    python -m benchmarks.dedupe --scale 100000 1000000  # the issue's two sizes
    python -m benchmarks.dedupe --baseline-max 100000   # in-memory datasketch LSH up to 100 k

Quality: precision and recall on tests/data/dedupe at the default threshold,
pair by pair (the decision alone) and per kind of pair.

Scale: the band index in a real SQLite file (feedmill's schema), filled
with N entries spread over 90 days, then 1,000 lookups of new stories (half
of them copies of stored ones).  Stored entries get band keys of random
MinHash signatures — the index's cost depends on how many keys it holds,
not on the text they came from; the cost of making a real story's
fingerprint and bands is measured separately, on the labelled articles.
The baseline is what peers do: an in-memory datasketch MinHashLSH, rebuilt
from every stored signature at start-up, then queried the same way.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import random
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import psutil
from sqlalchemy import insert

from feedmill.filter.dedupe.decide import decide
from feedmill.filter.dedupe.lsh import NUM_PERM, _setup, bands, story_keys
from feedmill.filter.dedupe.text import fingerprint
from feedmill.store import dedupe as dedupe_store
from feedmill.store.bulk import insert_rows
from feedmill.store.database import open_database, reading
from feedmill.store.dedupe_upkeep import day_of
from feedmill.store.schema import dedupe_bands, entries, feeds

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "dedupe"
MiB = 1024 * 1024
DAYS = 90


def rss() -> float:
    return psutil.Process().memory_info().rss / MiB


# -- quality ---------------------------------------------------------------------------


def quality() -> None:
    stories = {s["id"]: s for s in map(json.loads, (DATA / "stories.jsonl").open())}
    pairs = [json.loads(line) for line in (DATA / "pairs.jsonl").open()]
    warm = next(iter(stories.values()))
    bands(fingerprint(warm["title"], warm["html"]).shingles)  # imports, dictionaries
    started = time.perf_counter()
    prints = {k: fingerprint(s["title"], s["html"]) for k, s in stories.items()}
    per_story = (time.perf_counter() - started) / len(stories)
    started = time.perf_counter()
    for p in prints.values():
        story_keys(p)
    per_bands = (time.perf_counter() - started) / len(prints)
    by_kind: dict[str, Counter[str]] = {}
    for pair in pairs:
        found = decide(prints[pair["a"]], prints[pair["b"]]).duplicate
        outcome = ("tp" if found else "fn") if pair["duplicate"] else ("fp" if found else "tn")
        by_kind.setdefault(pair["kind"], Counter())[outcome] += 1
    total = sum(by_kind.values(), Counter())
    precision = total["tp"] / max(total["tp"] + total["fp"], 1)
    recall = total["tp"] / max(total["tp"] + total["fn"], 1)
    print(f"labelled set: {len(stories)} articles, {len(pairs)} pairs")
    print(f"  precision {precision:.3f}  recall {recall:.3f}  (targets ≥ 0.95, ≥ 0.90)")
    print(f"  {'kind':28} {'pairs':>5} {'judged alike':>13}")
    for kind, counts in sorted(by_kind.items()):
        alike = counts["tp"] + counts["fp"]
        print(f"  {kind:28} {sum(counts.values()):5} {alike:13}")
    print(
        f"  cost per new story: fingerprint {per_story * 1e3:.2f} ms, "
        f"MinHash bands {per_bands * 1e3:.2f} ms"
    )


# -- scale -----------------------------------------------------------------------------


def band_keys(signature: np.ndarray, count: int, rows: int) -> list[int]:
    """As lsh.bands does it, from a signature instead of shingles."""
    keys = []
    for band in range(count):
        chunk = signature[band * rows : (band + 1) * rows].tobytes()
        digest = hashlib.blake2b(band.to_bytes(2, "little") + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little") >> 1)
    return keys


def signatures(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 2**32 - 1, size=(n, NUM_PERM), dtype=np.uint64)


def copy_of(signature: np.ndarray, rng: random.Random) -> np.ndarray:
    """A near-copy: about 70 % of the MinHash values kept (Jaccard ≈ 0.7)."""
    out = signature.copy()
    for i in range(NUM_PERM):
        if rng.random() > 0.7:
            out[i] = rng.getrandbits(32)
    return out


def scale(n: int, baseline: bool) -> dict[str, float]:
    _, count, rows = _setup()
    start_day = day_of(datetime(2026, 1, 1, tzinfo=UTC))
    with tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as tmp:
        db = Path(tmp) / "state.db"
        engine = open_database(f"sqlite:///{db}")
        with engine.begin() as conn:
            conn.execute(insert(feeds), [{"url": "bench"}])
        sigs = signatures(n, seed=n)
        gc.collect()
        before = rss()
        started = time.perf_counter()
        chunk = 20_000
        for first in range(0, n, chunk):
            last = min(first + chunk, n)
            with engine.begin() as conn:
                insert_rows(
                    conn,
                    entries,
                    [
                        {
                            "id": i + 1,
                            "feed_id": 1,
                            "key_hash": f"{i:032x}",
                            "key": str(i),
                            "title": "",
                            "content": "",
                            "first_seen_at": datetime(2026, 1, 1, tzinfo=UTC),
                            "version": "",
                        }
                        for i in range(first, last)
                    ],
                )
                rows_ = []
                for i in range(first, last):
                    day = start_day + (i * DAYS) // n
                    rows_.extend(
                        {"band": b, "day": day, "entry_id": i + 1}
                        for b in band_keys(sigs[i], count, rows)
                    )
                insert_rows(conn, dedupe_bands, rows_)
        insert_seconds = time.perf_counter() - started

        # Lookups: 1,000 new stories, half of them near-copies of stored ones.
        rng = random.Random(7)
        queries = []
        for q in range(1000):
            if q % 2:
                target = rng.randrange(n)
                signature = copy_of(sigs[target], rng)
                day = start_day + (target * DAYS) // n
            else:
                signature = signatures(1, seed=10_000_000 + q)[0]
                day = start_day + rng.randrange(DAYS)
            queries.append((band_keys(signature, count, rows), day))
        latencies = []
        found = 0
        with reading(engine) as conn:
            for keys, day in queries:
                t = time.perf_counter()
                # The lookup find_original makes (a ±1-day window).
                hits = dedupe_store.candidates(conn, keys, day - 1, day + 1)
                latencies.append(time.perf_counter() - t)
                found += bool(hits)
        engine.dispose()
        result = {
            "n": n,
            "insert_s": insert_seconds,
            "insert_per_s": n / insert_seconds,
            "query_p50_ms": statistics.median(latencies) * 1e3,
            "query_p95_ms": sorted(latencies)[int(len(latencies) * 0.95)] * 1e3,
            "found": found,
            "db_mib": db.stat().st_size / MiB,
            "rss_mib": rss() - before,
        }

    if baseline:
        from datasketch import MinHash, MinHashLSH

        gc.collect()
        before = rss()
        started = time.perf_counter()
        lsh = MinHashLSH(threshold=0.15, num_perm=NUM_PERM)
        for i in range(n):
            lsh.insert(
                i,
                MinHash(num_perm=NUM_PERM, hashvalues=sigs[i], scheme="affine32"),
                check_duplication=False,
            )
        result["baseline_build_s"] = time.perf_counter() - started
        result["baseline_rss_mib"] = rss() - before
        latencies = []
        rng = random.Random(7)
        for q in range(1000):
            signature = (
                copy_of(sigs[rng.randrange(n)], rng)
                if q % 2
                else signatures(1, seed=10_000_000 + q)[0]
            )
            minhash = MinHash(num_perm=NUM_PERM, hashvalues=signature, scheme="affine32")
            t = time.perf_counter()
            lsh.query(minhash)
            latencies.append(time.perf_counter() - t)
        result["baseline_query_p50_ms"] = statistics.median(latencies) * 1e3
        del lsh
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, nargs="*", default=[100_000])
    parser.add_argument("--baseline-max", type=int, default=100_000)
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    if not args.skip_quality:
        quality()
    if not args.scale:
        return
    print()
    print(
        f"{'entries':>9} {'insert s':>9} {'per s':>8} {'query p50':>10} {'p95':>7} "
        f"{'hits':>5} {'db MiB':>7} {'RSS MiB':>8} | {'LSH build s':>11} {'RSS MiB':>8} "
        f"{'query p50':>10} {'start-up ratio':>14}"
    )
    for n in args.scale:
        r = scale(n, baseline=n <= args.baseline_max)
        line = (
            f"{n:9,} {r['insert_s']:9.1f} {r['insert_per_s']:8,.0f} "
            f"{r['query_p50_ms']:8.2f}ms {r['query_p95_ms']:5.2f}ms {r['found']:5} "
            f"{r['db_mib']:7.0f} {r['rss_mib']:8.0f} | "
        )
        if "baseline_build_s" in r:
            line += (
                f"{r['baseline_build_s']:11.1f} {r['baseline_rss_mib']:8.0f} "
                f"{r['baseline_query_p50_ms']:8.2f}ms "
                f"{'rebuild each start':>14}"
            )
        else:
            line += f"{'(skipped)':>11}"
        print(line, flush=True)
    print(
        "\nfeedmill: the index is stored; a restart costs nothing, a lookup is"
        "\nthe newest 40 stories of each of 51 band keys, ±1 day, on one covering index."
        "\nbaseline: datasketch MinHashLSH in memory, rebuilt at every start."
    )


if __name__ == "__main__":
    main()
