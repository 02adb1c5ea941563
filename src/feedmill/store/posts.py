"""Post rows: which files must be (re)written, and what was written."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    Update,
    bindparam,
    case,
    delete,
    func,
    literal,
    select,
    update,
)

from feedmill.models import Entry
from feedmill.store import prepared
from feedmill.store.database import reading
from feedmill.store.schema import entries, entry_from_row, feeds, posts

# A post's state: its file must be written (pending) or rewritten because
# another source reported its story (stale: a worker that rendered it before
# must not mark it written), or its file matches the entry (written).  An
# archived post's file was moved out of source/_posts by retention; a
# removed one was deleted by hand (found gone when it was to be rewritten).
# Passes never rewrite either; a rebuild brings both back.  A retracted
# post was taken back (store.entries.retract): its files are to go, then its
# row (publish.retract).
TO_WRITE = ("pending", "stale")
FROZEN = ("archived", "removed")
RETRACTED = "retracted"
# Not on the site, and never to be written by a pass: a retracted post's row
# waits only for its files to go (a crash in between: the next pass's start).
OFF_SITE = (*FROZEN, RETRACTED)
# … as values written in a prepared statement (not an expanding IN list).
_OFF_SITE = [literal(state) for state in OFF_SITE]
# Posts no "unchanged" of their feed's counts: those taken back.  (An
# archived post, or one deleted by hand, is still counted: a feed read again
# counts its item among the unchanged, and so must a 304 of that feed.)
UNCOUNTED = (RETRACTED,)
_UNCOUNTED = [literal(state) for state in UNCOUNTED]


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
    # (feed URL, link) of each later copy of this story from another feed
    reported_by: tuple[tuple[str, str | None], ...] = ()
    written_at: datetime | None = None  # when its file was last written


def posted_among(conn: Connection, feed_id: int, key_hashes: Sequence[str]) -> int:
    """How many of a feed's entries ``key_hashes`` have a post not taken back."""
    count = 0
    for start in range(0, len(key_hashes), prepared.LONGEST):
        chunk = key_hashes[start : start + prepared.LONGEST]
        count += prepared.run(
            conn, _posted_among, prepared.padded(len(chunk)), {"feed": feed_id}, {"h": chunk}
        ).scalar_one()
    return count


def _posted_among(size: int) -> Select[Any]:
    return (
        select(func.count())
        .select_from(entries.join(posts, posts.c.entry_id == entries.c.id))
        .where(
            entries.c.feed_id == bindparam("feed"),
            entries.c.key_hash.in_(prepared.listed("h", size)),
            posts.c.state.not_in(_UNCOUNTED),
        )
    )


def pending_count(conn: Connection) -> int:
    return conn.execute(select(func.count()).where(posts.c.state.in_(TO_WRITE))).scalar() or 0


def to_write_by_feed_id(conn: Connection) -> dict[int, int]:
    """feed id → how many of its posts are still to write (or to rewrite)."""
    return _to_write_by(conn, feeds.c.id)


def never_written_by_feed_id(conn: Connection) -> dict[int, int]:
    """feed id → how many of its posts are still to write, none written yet
    (not those to rewrite: a copy's line added to one on the site)."""
    return _to_write_by(conn, feeds.c.id, never_written=True)


def pending_by_feed(conn: Connection) -> dict[str, int]:
    """How many posts are still to write, by their feed's URL."""
    return _to_write_by(conn, feeds.c.url)


def _to_write_by(conn: Connection, key: Any, *, never_written: bool = False) -> dict[Any, int]:
    query = (
        select(key, func.count())
        .select_from(posts.join(entries, posts.c.entry_id == entries.c.id).join(feeds))
        .where(posts.c.state.in_(TO_WRITE))
        .group_by(key)
    )
    if never_written:
        query = query.where(posts.c.written_version.is_(None))
    return {value: count for value, count in conn.execute(query)}


def iter_pending(engine: Engine, batch: int = 256) -> Iterator[list[PendingPost]]:
    """Pending posts in date order, ``batch`` at a time (memory stays flat).

    The order is read once, as ids only; each batch is then fetched by id —
    sorting whole rows (with their content) for every batch would not scale.
    A post that stays pending (a failed write) is not read again this pass.
    """
    moment = func.coalesce(entries.c.published_at, entries.c.updated_at, entries.c.first_seen_at)
    order = (
        select(posts.c.entry_id)
        .select_from(posts.join(entries, posts.c.entry_id == entries.c.id))
        .where(posts.c.state.in_(TO_WRITE))
        .order_by(moment, posts.c.entry_id)
    )
    with reading(engine) as conn:
        ids = [row[0] for row in conn.execute(order)]
    details = (
        select(
            posts.c.entry_id,
            posts.c.file_name,
            posts.c.written_version,
            posts.c.written_at,
            feeds.c.url,
            feeds.c.title.label("feed_title"),
            entries,
        )
        .select_from(
            posts.join(entries, posts.c.entry_id == entries.c.id).join(
                feeds, entries.c.feed_id == feeds.c.id
            )
        )
        .where(posts.c.state.in_(TO_WRITE))
    )
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        with reading(engine) as conn:
            rows = {r.entry_id: r for r in conn.execute(details.where(posts.c.entry_id.in_(chunk)))}
            reported = _reported_by(conn, chunk)
        out = []
        for entry_id in chunk:
            r = rows.get(entry_id)
            if r is None:  # written meanwhile (another worker), or gone
                continue
            out.append(
                PendingPost(
                    entry_id=r.entry_id,
                    feed_url=r.url,
                    feed_title=r.feed_title,
                    file_name=r.file_name,
                    first_seen=r.first_seen_at,
                    is_new=r.written_version is None,
                    version=r.version,
                    entry=entry_from_row(r),
                    reported_by=tuple(reported.get(entry_id, ())),
                    written_at=r.written_at,
                )
            )
        if out:
            yield out


def _reported_by(conn: Connection, ids: Sequence[int]) -> dict[int, list[tuple[str, str | None]]]:
    """original id → (feed URL, link) of its copies, by their date (then arrival)."""
    moment = func.coalesce(entries.c.published_at, entries.c.first_seen_at)
    query = (
        select(entries.c.duplicate_of, feeds.c.url, entries.c.link)
        .select_from(entries.join(feeds, entries.c.feed_id == feeds.c.id))
        .where(entries.c.duplicate_of.in_(ids), entries.c.status == "duplicate")
        .order_by(moment, entries.c.id)
    )
    out: dict[int, list[tuple[str, str | None]]] = {}
    for original, url, link in conn.execute(query):
        out.setdefault(original, []).append((url, link))
    return out


def mark_stale(conn: Connection, entry_ids: Iterable[int]) -> None:
    """Have the posts of ``entry_ids`` rewritten: another source reported their story."""
    ids = sorted(entry_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        conn.execute(
            update(posts)
            .where(posts.c.entry_id.in_(chunk), posts.c.state.not_in(OFF_SITE))
            .values(state="stale")
        )


def mark_written(
    conn: Connection,
    entry_ids: Sequence[int],
    now: datetime,
    *,
    states: Sequence[str] = TO_WRITE,
) -> None:
    """Record that the posts of ``entry_ids`` are in place, made from their current version.

    Only posts in one of ``states`` become written: a worker passes
    ``("pending",)``, so that a post marked stale meanwhile is redone.
    """
    for start in range(0, len(entry_ids), prepared.LONGEST):
        chunk = entry_ids[start : start + prepared.LONGEST]
        prepared.run(
            conn,
            _mark_written,
            (prepared.padded(len(chunk)), tuple(states)),
            {"now": now},
            {"id": chunk},
        )


def _mark_written(shape: tuple[int, tuple[str, ...]]) -> Update:
    size, states = shape
    version = select(entries.c.version).where(entries.c.id == posts.c.entry_id).scalar_subquery()
    written = posts.c.state.in_([literal(state) for state in states])
    return (
        update(posts)
        .where(posts.c.entry_id.in_(prepared.listed("id", size)))
        .values(
            state=case((written, "written"), else_=posts.c.state),
            written_version=version,
            written_at=bindparam("now", type_=posts.c.written_at.type),
        )
    )


def retracted(conn: Connection, entry_ids: Iterable[int] | None = None) -> list[tuple[int, str]]:
    """(entry id, file name) of the posts retracted whose rows are still there."""
    query = select(posts.c.entry_id, posts.c.file_name).where(posts.c.state == RETRACTED)
    if entry_ids is None:
        return [(row.entry_id, row.file_name) for row in conn.execute(query)]
    ids = list(entry_ids)
    found: list[tuple[int, str]] = []
    for start in range(0, len(ids), 500):
        chunk = query.where(posts.c.entry_id.in_(ids[start : start + 500]))
        found.extend((row.entry_id, row.file_name) for row in conn.execute(chunk))
    return found


def forget_retracted(conn: Connection, entry_ids: Sequence[int]) -> None:
    """Drop the rows of retracted posts whose files are gone."""
    for start in range(0, len(entry_ids), 500):
        chunk = list(entry_ids[start : start + 500])
        conn.execute(delete(posts).where(posts.c.entry_id.in_(chunk), posts.c.state == RETRACTED))


def mark_removed(conn: Connection, entry_ids: Sequence[int]) -> None:
    """Record that the posts of ``entry_ids`` were deleted by hand: left alone from now on."""
    for start in range(0, len(entry_ids), 500):
        chunk = list(entry_ids[start : start + 500])
        conn.execute(update(posts).where(posts.c.entry_id.in_(chunk)).values(state="removed"))


def _moment() -> Any:
    return func.coalesce(entries.c.published_at, entries.c.updated_at, entries.c.first_seen_at)


def on_site() -> ColumnElement[bool]:
    """Posts on the site: written once, and neither archived nor removed
    since — a post waiting to be rewritten is there too (one of a feed
    removed from the config, whose later copy from another feed marked it
    stale, waits for good)."""
    return posts.c.written_version.is_not(None) & posts.c.state.not_in(OFF_SITE)


def deleted_among(
    conn: Connection,
    entry_ids: Sequence[int],
    files: Collection[str] | None,
    archive: Collection[str] | None,
) -> set[int]:
    """Those of ``entry_ids`` whose post was deleted by hand: found gone
    already (removed), or not among the ``files`` of the posts folder (the
    ``archive``'s, for one retention moved there) — None: not looked at."""
    ids = sorted(set(entry_ids))
    rows = (
        row
        for start in range(0, len(ids), 500)  # (PostgreSQL: 65,535 parameters at most)
        for row in conn.execute(
            select(posts.c.entry_id, posts.c.file_name, posts.c.state).where(
                posts.c.entry_id.in_(ids[start : start + 500]),
                on_site() | posts.c.state.in_(FROZEN),
            )
        )
    )
    gone = set()
    for entry_id, name, state in rows:
        there = archive if state == "archived" else files
        if state == "removed" or (there is not None and name not in there):
            gone.add(entry_id)
    return gone


def on_site_names(conn: Connection, feed_ids: Sequence[int]) -> list[str]:
    """The file names of the posts of the feeds ``feed_ids`` on the site (see `on_site`)."""
    query = (
        select(posts.c.file_name)
        .select_from(posts.join(entries, entries.c.id == posts.c.entry_id))
        .where(on_site(), entries.c.feed_id.in_(list(feed_ids)))
    )
    return [name for (name,) in conn.execute(query) if name]


def on_site_count(conn: Connection, feed_ids: Sequence[int]) -> int:
    """How many posts of the feeds ``feed_ids`` are on the site (see `on_site`)."""
    query = (
        select(func.count())
        .select_from(posts.join(entries, entries.c.id == posts.c.entry_id))
        .where(on_site(), entries.c.feed_id.in_(list(feed_ids)))
    )
    return int(conn.execute(query).scalar_one())


def to_archive(
    conn: Connection,
    *,
    older_than: datetime | None,
    keep: int | None,
    present: Callable[[], Collection[str]] | None = None,
) -> list[tuple[int, str]]:
    """(entry id, file name) of posts on the site (`on_site`) that retention
    moves out: dated before ``older_than``, or beyond the newest ``keep``.

    ``present`` gives the names of the files in source/_posts, asked only
    when there are more than ``keep`` posts: a post whose file is not there
    (deleted by hand, or moved before a crash) takes none of the ``keep``
    places and is returned too, to be recorded as it is.  Without it, the
    newest ``keep`` rows are kept whatever their files."""
    written = on_site()
    joined = posts.join(entries, posts.c.entry_id == entries.c.id)
    found: dict[int, str] = {}
    if older_than is not None:
        query = (
            select(posts.c.entry_id, posts.c.file_name)
            .select_from(joined)
            .where(written, _moment() < older_than)
        )
        found.update((i, n) for i, n in conn.execute(query))
    if keep is not None:
        count = conn.execute(select(func.count()).where(written)).scalar() or 0
        if count > keep:  # the usual pass: nothing to sort
            query = (
                select(posts.c.entry_id, posts.c.file_name)
                .select_from(joined)
                .where(written)
                .order_by(_moment().desc(), posts.c.entry_id.desc())
            )
            if present is None:
                found.update((i, n) for i, n in conn.execute(query.offset(keep)))
            else:
                names = present()
                kept = 0
                for entry_id, name in conn.execute(query):
                    if name in names:
                        kept += 1
                        if kept <= keep:
                            continue
                    found[entry_id] = name
    return sorted(found.items())


def set_state(conn: Connection, entry_ids: Sequence[int], state: str) -> None:
    for start in range(0, len(entry_ids), 500):
        chunk = list(entry_ids[start : start + 500])
        conn.execute(update(posts).where(posts.c.entry_id.in_(chunk)).values(state=state))


def archived_names(conn: Connection, feed_ids: Sequence[int] | None) -> list[str]:
    """File names of these feeds' posts (None: every feed's) that retention
    moved to the archive."""
    return [name for _, name in archived(conn, feed_ids)]


def archived(
    conn: Connection, feed_ids: Sequence[int] | None, state: str = "archived"
) -> list[tuple[int, str]]:
    """(entry id, file name) of these feeds' posts (None: every feed's) that
    retention moved to the archive — or, written once, in another ``state``."""
    query = select(posts.c.entry_id, posts.c.file_name).where(
        posts.c.state == state, posts.c.written_version.is_not(None)
    )
    if feed_ids is not None:
        of_feeds = select(entries.c.id).where(entries.c.feed_id.in_(feed_ids))
        query = query.where(posts.c.entry_id.in_(of_feeds))
    return [(entry_id, name) for entry_id, name in conn.execute(query) if name]


def queue_all(conn: Connection, feed_ids: Sequence[int]) -> int:
    """Every post of these feeds back to pending (a rebuild), removed ones
    included; not a retracted one."""
    result = conn.execute(
        update(posts)
        .where(posts.c.entry_id.in_(select(entries.c.id).where(entries.c.feed_id.in_(feed_ids))))
        .where(posts.c.state != RETRACTED)
        .values(state="pending")
    )
    return result.rowcount or 0
