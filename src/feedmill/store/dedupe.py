"""Near-duplicate lookups in the database: LSH bands by day, exact copies.

Bands are kept only for the days a new story can still be compared with
(the dedupe window); older rows are pruned, so the table's size follows the
number of stories per day, not the age of the site.  Entries themselves
(and their text hash, for exact copies) are kept for ever.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, func, or_, select, text

from feedmill.filter.dedupe import DedupePolicy, Verdict, decide, fingerprint
from feedmill.filter.dedupe.lsh import bands
from feedmill.filter.dedupe.text import Fingerprint
from feedmill.models import Entry
from feedmill.store.bulk import insert_rows
from feedmill.store.schema import dedupe_bands, entries

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def day_of(moment: datetime) -> int:
    return (moment.astimezone(UTC) - EPOCH).days


@dataclass(frozen=True, slots=True)
class Story:
    """A new entry, ready to be compared."""

    fingerprint: Fingerprint
    bands: tuple[int, ...]
    moment: datetime
    link: str | None


def story_of(entry: Entry, now: datetime) -> Story:
    """The fingerprint and LSH bands of a new entry (pure; no database)."""
    print_ = fingerprint(entry.title, entry.content)
    return Story(print_, tuple(bands(print_.shingles)), entry.date or now, entry.link)


# Any constant: the key of PostgreSQL's transaction-scoped advisory lock.
_LOCK_KEY = 0x6665_6564_6D69  # "feedmi"


def lock(conn: Connection) -> None:
    """Serialize dedupe decisions across workers until this transaction ends.

    Two copies of one story reaching two workers at once must not both be
    published.  SQLite's write transactions (BEGIN IMMEDIATE) already run one
    at a time; PostgreSQL runs them side by side, so it takes a lock.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


@dataclass(frozen=True, slots=True)
class Match:
    original_id: int
    verdict: Verdict


MAX_CANDIDATES = 24  # stored stories verified per new story, most alike first
_CACHE: dict[int, tuple[Fingerprint, datetime]] = {}
_CACHE_LIMIT = 20_000


def _stored(conn: Connection, ids: Iterable[int]) -> dict[int, tuple[Fingerprint, datetime]]:
    """Fingerprints of stored, published entries (computed once per process)."""
    wanted = [i for i in ids if i not in _CACHE]
    if wanted:
        moment = func.coalesce(entries.c.published_at, entries.c.first_seen_at)
        query = select(
            entries.c.id, entries.c.title, entries.c.content, moment.label("moment")
        ).where(entries.c.id.in_(wanted))
        if len(_CACHE) > _CACHE_LIMIT:
            _CACHE.clear()
        for row in conn.execute(query):
            stamp = row.moment if row.moment.tzinfo else row.moment.replace(tzinfo=UTC)
            _CACHE[row.id] = (fingerprint(row.title, row.content), stamp)
    return {i: _CACHE[i] for i in ids if i in _CACHE}


def find_original(
    conn: Connection, story: Story, policy: DedupePolicy, own_feed: int
) -> Match | None:
    """The earlier published entry ``story`` is a copy of, if there is one."""
    active = entries.c.status == "active"
    # Verbatim copies and the same article linked from another feed: any age.
    exact = [entries.c.fingerprint == story.fingerprint.text_hash]
    if story.link:
        exact.append(entries.c.link == story.link)
    query = (
        select(entries.c.id)
        .where(active, entries.c.feed_id != own_feed, or_(*exact))
        .order_by(entries.c.id)
        .limit(1)
    )
    found = conn.execute(query).scalar()
    if found is not None:
        return Match(found, Verdict(True, "same article", 1.0))
    if not story.bands:
        return None
    day = day_of(story.moment)
    span = policy.window.days + 1
    # The most alike first (more shared bands: higher Jaccard), and only a
    # few: templated flash news can share bands with hundreds of stories.
    shared = func.count().label("shared")
    candidates = conn.execute(
        select(dedupe_bands.c.entry_id, shared)
        .where(
            dedupe_bands.c.band.in_(story.bands),
            dedupe_bands.c.day.between(day - span, day + span),
        )
        .group_by(dedupe_bands.c.entry_id)
        .order_by(shared.desc(), dedupe_bands.c.entry_id)
        .limit(MAX_CANDIDATES)
    ).scalars()
    best: Match | None = None
    for entry_id, (stored, moment) in sorted(_stored(conn, list(candidates)).items()):
        if abs(moment - story.moment) > policy.window:
            continue
        verdict = decide(story.fingerprint, stored, policy.threshold)
        if verdict.duplicate and (best is None or verdict.similarity > best.verdict.similarity):
            best = Match(entry_id, verdict)
    return best


def add(conn: Connection, rows: Sequence[tuple[int, Story]]) -> None:
    """Index published stories: later copies of them will be found."""
    insert_rows(
        conn,
        dedupe_bands,
        [
            {"band": band, "day": day_of(story.moment), "entry_id": entry_id}
            for entry_id, story in rows
            for band in story.bands
        ],
    )
    for entry_id, story in rows:
        _CACHE[entry_id] = (story.fingerprint, story.moment)


def prune(conn: Connection, policy: DedupePolicy, now: datetime | None = None) -> int:
    """Drop bands too old to match a new story.

    Old by date *and* by the time the story was first seen: a feed that
    brings last year's stories today has them compared with each other.
    """
    moment = now or datetime.now(UTC)
    horizon = moment - policy.window - timedelta(days=2)
    seen_long_ago = select(entries.c.id).where(entries.c.first_seen_at < horizon)
    result = conn.execute(
        delete(dedupe_bands).where(
            dedupe_bands.c.day < day_of(horizon), dedupe_bands.c.entry_id.in_(seen_long_ago)
        )
    )
    return result.rowcount or 0
