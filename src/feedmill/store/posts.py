"""Post rows: which files must be (re)written, and what was written."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, and_, bindparam, func, or_, select, type_coerce, update

from feedmill.models import Entry
from feedmill.store.schema import UTCDateTime, entries, feeds, posts


@dataclass(frozen=True, slots=True)
class PendingPost:
    entry_id: int
    feed_url: str
    feed_title: str | None
    file_name: str
    first_seen: datetime
    is_new: bool  # never written before
    version: str
    entry: Entry


def pending_count(conn: Connection) -> int:
    return conn.execute(select(func.count()).where(posts.c.state == "pending")).scalar() or 0


def iter_pending(engine: Engine, batch: int = 256) -> Iterator[list[PendingPost]]:
    """Pending posts in date order, ``batch`` at a time (memory stays flat)."""
    moment = type_coerce(
        func.coalesce(entries.c.published_at, entries.c.updated_at, entries.c.first_seen_at),
        UTCDateTime,
    ).label("moment")
    base = (
        select(
            posts.c.entry_id,
            posts.c.file_name,
            posts.c.written_version,
            feeds.c.url,
            feeds.c.title.label("feed_title"),
            moment,
            entries,
        )
        .select_from(
            posts.join(entries, posts.c.entry_id == entries.c.id).join(
                feeds, entries.c.feed_id == feeds.c.id
            )
        )
        .where(posts.c.state == "pending")
        .order_by(moment, posts.c.entry_id)
    )
    # Keyset pagination: a post that stays pending (a failed write) is not
    # read again in the same pass.
    after: tuple[datetime, int] | None = None
    while True:
        query = base
        if after is not None:
            query = query.where(
                or_(moment > after[0], and_(moment == after[0], posts.c.entry_id > after[1]))
            )
        with engine.connect() as conn:
            rows = conn.execute(query.limit(batch)).all()
        if not rows:
            return
        after = (rows[-1].moment, rows[-1].entry_id)
        out = []
        for r in rows:
            out.append(
                PendingPost(
                    entry_id=r.entry_id,
                    feed_url=r.url,
                    feed_title=r.feed_title,
                    file_name=r.file_name,
                    first_seen=r.first_seen_at,
                    is_new=r.written_version is None,
                    version=r.version,
                    entry=Entry(
                        key=r.key,
                        link=r.link,
                        title=r.title,
                        published=r.published_at,
                        updated=r.updated_at,
                        author=r.author,
                        content=r.content,
                        categories=tuple(json.loads(r.categories)),
                        image=r.image,
                    ),
                )
            )
        yield out


def mark_written(conn: Connection, written: Sequence[tuple[int, str, str]], now: datetime) -> None:
    """Record ``(entry_id, version, file_hash)`` for files now in place."""
    if not written:
        return
    conn.execute(
        update(posts)
        .where(posts.c.entry_id == bindparam("b_id"))
        .values(
            state="written",
            written_version=bindparam("b_version"),
            written_hash=bindparam("b_hash"),
            written_at=now,
        ),
        [{"b_id": i, "b_version": v, "b_hash": h} for i, v, h in written],
    )
