"""The dedupe index's upkeep on every pass: old bands pruned, stories stored
while dedupe was off indexed.

A module of its own, light to import: a pass of unchanged feeds (the usual
one) runs both and finds nothing to do, and needs none of the fingerprints'
regular expressions and tokenizers that `store.dedupe` imports.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, func, select

from feedmill.filter.dedupe import DedupePolicy
from feedmill.store import meta as store_meta
from feedmill.store.schema import dedupe_bands, dedupe_prints, entries

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def day_of(moment: datetime) -> int:
    return (moment.astimezone(UTC) - EPOCH).days


def prune(conn: Connection, policy: DedupePolicy, now: datetime | None = None) -> int:
    """Drop bands too old to match a new story.

    Old by date *and* by the time the story was first seen: a feed that
    brings last year's stories today has them compared with each other.
    """
    moment = now or datetime.now(UTC)
    horizon = moment - policy.window - timedelta(days=2)
    seen_long_ago = select(entries.c.id).where(entries.c.first_seen_at < horizon)
    old = (dedupe_bands.c.day < day_of(horizon), dedupe_bands.c.entry_id.in_(seen_long_ago))
    result = conn.execute(delete(dedupe_bands).where(*old))
    conn.execute(
        delete(dedupe_prints).where(
            dedupe_prints.c.moment < int(horizon.timestamp()),
            dedupe_prints.c.entry_id.in_(seen_long_ago),
        )
    )
    return result.rowcount or 0


# Stories read per statement by `index_unindexed` (each with its whole text).
_UNINDEXED_BATCH = 500
# The last entry id `index_unindexed` has looked at: entries stored since
# are the only ones that may lack their fingerprint.
_INDEXED_THROUGH = "dedupe_indexed_through"


def last_entry_id(conn: Connection) -> int:
    """The id of the entry stored last (0 for none): entries stored later
    have greater ids."""
    return int(conn.execute(select(func.max(entries.c.id))).scalar() or 0)


def index_unindexed(conn: Connection, policy: DedupePolicy, now: datetime | None = None) -> int:
    """Index the published stories stored while dedupe was off (``dedupe:
    off``, or a database from before it) that a new story could still be
    compared with: turned on again, dedupe missed copies of them — even word
    for word — and posted those again.  A pass that finds no entry stored
    since the last one looked costs one read of the largest id.
    """
    through = int(store_meta.get(conn, _INDEXED_THROUGH) or 0)
    last = last_entry_id(conn)
    if last <= through:
        return 0
    horizon = (now or datetime.now(UTC)) - policy.window - timedelta(days=2)
    done = 0
    while True:
        rows = conn.execute(
            select(
                entries.c.id,
                entries.c.feed_id,
                entries.c.title,
                entries.c.content,
                entries.c.link,
                entries.c.published_at,
                entries.c.updated_at,
                entries.c.first_seen_at,
            )
            .where(
                entries.c.id > through,
                entries.c.id <= last,
                entries.c.fingerprint.is_(None),
                entries.c.status == "active",
                entries.c.first_seen_at >= horizon,
            )
            .order_by(entries.c.id)
            .limit(_UNINDEXED_BATCH)
        ).all()
        if not rows:
            break
        # Here: entries stored with dedupe on were indexed as they came, and
        # a pass that finds none needs no fingerprints.
        from feedmill.store.dedupe import index_rows

        index_rows(conn, rows)
        done += len(rows)
        through = rows[-1].id
    store_meta.put(conn, _INDEXED_THROUGH, str(last))
    return done


# `prune` reads every band row (0.2 s at 50,000 stories, on a pass that may
# have nothing else to do), and an hour's stories are far from the horizon.
PRUNE_EVERY = timedelta(hours=1)
_PRUNED_AT = "dedupe_pruned_at"


def prune_when_due(conn: Connection, policy: DedupePolicy, now: datetime | None = None) -> int:
    """`prune`, unless the last prune was less than PRUNE_EVERY ago."""
    moment = now or datetime.now(UTC)
    last = store_meta.get(conn, _PRUNED_AT)
    # A clock set back (last in the future) prunes rather than waiting for it.
    if last is not None and timedelta(0) <= moment - datetime.fromisoformat(last) < PRUNE_EVERY:
        return 0
    removed = prune(conn, policy, moment)
    store_meta.put(conn, _PRUNED_AT, moment.isoformat())
    return removed
