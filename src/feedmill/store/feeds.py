"""Feed rows: what we remember about each configured feed."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    Update,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import CompileError

from feedmill.store import prepared
from feedmill.store.posts import on_site
from feedmill.store.schema import entries, feeds, posts


@dataclass(frozen=True, slots=True)
class FeedState:
    id: int
    url: str
    fetch_url: str | None
    title: str | None
    link: str | None
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    http_status: int | None
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    error_streak: int
    next_attempt_at: datetime | None
    item_count: int | None
    style_hash: str | None
    redirect_url: str | None
    redirect_streak: int
    parser: str | None
    warning: str | None
    ttl_minutes: int | None
    hint_until: datetime | None
    gone_streak: int
    posted_count: int | None = None


_COLUMNS = [feeds.c[f.name] for f in fields(FeedState)]


def _state(row: Any) -> FeedState:
    """A row selected as ``_COLUMNS``: the fields in their order."""
    return FeedState(*row)  # (not by name: read for every feed, each pass)


def _moves(
    known: dict[str, FeedState],
    urls: Sequence[str],
    identity: Callable[[str], str],
    earlier: Mapping[str, Sequence[str]],
) -> dict[str, FeedState]:
    """Feeds no longer configured, by the configured URL that is theirs now:
    where they moved for good (or were being sent for good when last
    fetched), their URL written another way (``identity``: ``./a.xml`` for
    ``a.xml``, ``HTTPS://Host:443/`` for ``https://host/``), or a URL the
    config says the feed had before (``earlier``: its ``moved_from``)."""
    wanted = set(urls)
    gone = [state for state in known.values() if state.url not in wanted]
    targets = {identity(s.redirect_url): s for s in gone if s.redirect_url}
    # An adopted move wins over a pending one, whichever feed has it.
    targets.update({identity(s.fetch_url): s for s in gone if s.fetch_url})
    # Where it moved, written any way the config calls one feed.
    moves = {
        url: targets[identity(url)] for url in urls if url not in known and identity(url) in targets
    }
    # A URL with a row but no history yet (never fetched, or never with
    # success: a `run --feed` of another feed made it) takes a move as a new one.
    new = [url for url in urls if (url not in known or _blank(known[url])) and url not in moves]
    if new and gone:
        by_key: dict[str, list[FeedState]] = {}
        for state in gone:
            by_key.setdefault(identity(state.url), []).append(state)
        # Only a move that a configured URL claims: one to anywhere else
        # leaves the feed to its respelt URL or `moved_from`.
        taken = {id(state) for state in moves.values()}
        for url in new:
            for was in (url, *earlier.get(url, ())):
                found = [s for s in by_key.get(identity(was), []) if id(s) not in taken]
                if len(found) == 1:
                    moves[url] = found[0]
                    taken.add(id(found[0]))
                    break
    return moves


GONE = 410  # HTTP status: the feed is gone for good


def _taken_over(state: FeedState, url: str, identity: Callable[[str], str]) -> dict[str, Any]:
    """What changes of ``state`` when the configured ``url`` takes it over
    (see `_moves`): its URL, and — unless ``url`` is only its URL written
    another way — the move it was adopting or had adopted, which ``url`` is."""
    if identity(url) == identity(state.url):
        # The feed fetched where it moved still: its old place may be gone.
        return {"url": url}
    changes: dict[str, Any] = {
        "url": url,
        "fetch_url": None,
        "redirect_url": None,
        "redirect_streak": 0,
    }
    if not state.fetch_url or identity(url) != identity(state.fetch_url):
        # The place it was fetched at failing — what it said (when to ask
        # again, that the feed is gone there: 410), its run of failures and
        # the backoff they set — is not the new place's: a feed pointed
        # elsewhere is tried at once, by the next pass (a daemon's, a `run
        # --due`), and a first failure there waits as a first one does.
        changes.update(
            hint_until=None,
            next_attempt_at=None,
            error_streak=0,
            gone_streak=0,
            last_error=None,
            http_status=None,
            # Nor are its validators: the new place answered 304 to the old
            # one's date (a file older there), and its own items never came.
            # (The body's hash stays: the same document is the same anywhere.)
            etag=None,
            last_modified=None,
        )
    return changes


def _blank(state: FeedState) -> bool:
    """A feed row with nothing of its own yet: no success, no items, no posts."""
    return state.last_success_at is None and not state.item_count and state.style_hash is None


def sync_feeds(
    conn: Connection,
    urls: Iterable[str],
    identity: Callable[[str], str] = str,
    earlier: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, FeedState]:
    """A row for every configured feed URL (created if new), by URL.

    A new URL that an existing feed was permanently redirected to takes over
    that feed (its items and posts), so following a move in feedmill.yml does
    not publish everything again — also before the move was adopted (after
    one 301, say); so does the URL of a feed no longer configured, written
    another way, or named by the new one's ``moved_from`` (see `_moves`).
    """
    urls = list(dict.fromkeys(urls))
    known = _all(conn)
    moved = _moves(known, urls, identity, earlier or {})
    for url in [u for u in urls if u in moved]:
        old = moved[url]
        if url in known:  # a blank row of its own (see `_moves`): the move's row takes its place
            conn.execute(delete(feeds).where(feeds.c.id == known.pop(url).id))
        record(conn, old.id, **_taken_over(old, url, identity))
        known.pop(old.url)
        known[url] = get_feed(conn, old.id)
    missing = [u for u in urls if u not in known]
    if missing:
        conn.execute(insert(feeds), [{"url": u} for u in missing])
        rows = conn.execute(select(*_COLUMNS).where(feeds.c.url.in_(missing)))
        known.update({row.url: _state(row) for row in rows})
    return {u: known[u] for u in urls}


def moves_not_taken(
    conn: Connection,
    urls: Iterable[str],
    identity: Callable[[str], str],
    earlier: Mapping[str, Sequence[str]],
) -> list[tuple[str, str]]:
    """(configured URL, the earlier feed's URL) for each ``moved_from`` that
    names a feed with a history of its own still: a move joins a feed to its
    past only while the new URL's row has nothing of its own (see `_moves`)."""
    configured = set(urls)
    others = {
        identity(url): url for (url,) in conn.execute(select(feeds.c.url)) if url not in configured
    }
    return [
        (url, others[identity(was)])
        for url, olds in earlier.items()
        for was in olds
        if identity(was) in others
    ]


def get_feed(conn: Connection, feed_id: int) -> FeedState:
    return _state(conn.execute(select(*_COLUMNS).where(feeds.c.id == feed_id)).one())


def posted_counts(conn: Connection, feed_ids: Sequence[int]) -> dict[int, int]:
    """Feed id → its ``posted_count``, of those of ``feed_ids`` that keep one."""
    found: dict[int, int] = {}
    for start in range(0, len(feed_ids), prepared.LONGEST):
        chunk = feed_ids[start : start + prepared.LONGEST]
        query = select(feeds.c.id, feeds.c.posted_count).where(
            feeds.c.id.in_(chunk), feeds.c.posted_count.is_not(None)
        )
        found.update((feed_id, count) for feed_id, count in conn.execute(query))
    return found


def posts_taken_back(conn: Connection, entry_ids: Iterable[int]) -> None:
    """The feeds of ``entry_ids``, whose posts were taken back (`entries.retract`),
    have that many posts fewer among their items (``posted_count``, what a
    304 of theirs counts unchanged until they are read again)."""
    _count_posts(conn, entry_ids, -1)


def posts_given(conn: Connection, entry_ids: Iterable[int]) -> None:
    """The feeds of ``entry_ids``, held-back copies posted now (a story passed
    to them: `entries.hand_down`, `entries.promote`), have that many posts
    more among their items."""
    _count_posts(conn, entry_ids, 1)


def _count_posts(conn: Connection, entry_ids: Iterable[int], sign: int) -> None:
    ids = sorted(entry_ids)
    if not ids:
        return
    query = (
        select(entries.c.feed_id, func.count())
        .where(entries.c.id.in_(ids))
        .group_by(entries.c.feed_id)
    )
    posted = feeds.c.posted_count
    for feed_id, count in conn.execute(query).all():
        conn.execute(
            update(feeds)
            .where(feeds.c.id == feed_id, posted.is_not(None))
            .values(posted_count=case((posted + sign * count > 0, posted + sign * count), else_=0))
        )


def record(conn: Connection, feed_id: int, **values: Any) -> None:
    prepared.run(conn, _record, tuple(values), {**storable(values), "b_id": feed_id})


def record_many(conn: Connection, changes: Iterable[tuple[int, dict[str, Any]]]) -> None:
    """`record` for many feeds at once: one executemany per set of columns
    changed (a pass's unchanged feeds all change the same few)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for feed_id, values in changes:
        if values:
            groups.setdefault(tuple(sorted(values)), []).append(
                {**storable(values), "b_id": feed_id}
            )
    for columns, many in groups.items():
        prepared.run_many(conn, _record, columns, many)


def _record(columns: tuple[str, ...]) -> Update:
    unknown = [name for name in columns if name not in feeds.c]
    if unknown:  # (as SQLAlchemy's own compiler would say it)
        raise CompileError(f"Unconsumed column names: {', '.join(unknown)}")
    return (
        update(feeds)
        .where(feeds.c.id == bindparam("b_id"))
        .values({name: bindparam(name, type_=feeds.c[name].type) for name in columns})
    )


# A NUL (PostgreSQL's text refuses it) and a surrogate without its pair
# (no encoding writes it): what a server's answer may put in an error.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` whose text every database takes: a NUL is shown as ␀, a lone
    surrogate as �.  An error quoting a server's answer — an image's bytes, a
    JSON error holding \u0000 or \ud800 — failed the whole pass, every pass,
    and the feed's failure was never recorded."""
    return {
        name: _UNSTORABLE.sub(_shown, value) if isinstance(value, str) else value
        for name, value in values.items()
    }


def _shown(match: re.Match[str]) -> str:
    return "\u2400" if match.group() == "\x00" else "\ufffd"


def any_failing_with(conn: Connection, error_start: str) -> bool:
    """Is a feed failing with an error that begins with ``error_start``?"""
    query = select(feeds.c.id).where(
        feeds.c.error_streak > 0, feeds.c.last_error.startswith(error_start)
    )
    return conn.execute(query.limit(1)).first() is not None


def retry_now(
    conn: Connection,
    urls: Sequence[str],
    now: datetime,
    *,
    failed_with: str | None = None,
    ending: str | None = None,
) -> int:
    """Make those of ``urls`` that are failing due at once — unless their
    server said when to ask again (a Retry-After not yet past) or that the
    feed is gone (410); with ``failed_with``, only those whose last error
    begins so, with ``ending``, ends so; returns how many."""
    if not urls:
        return 0
    result = conn.execute(
        update(feeds)
        .where(
            feeds.c.url.in_(list(urls)),
            feeds.c.error_streak > 0,
            feeds.c.http_status.is_(None) | (feeds.c.http_status != GONE),
            feeds.c.hint_until.is_(None) | (feeds.c.hint_until <= now),
            *(() if failed_with is None else (feeds.c.last_error.startswith(failed_with),)),
            *(() if ending is None else (feeds.c.last_error.endswith(ending),)),
        )
        .values(next_attempt_at=None)
    )
    return result.rowcount or 0


def set_style(conn: Connection, feed_id: int, style_hash: str) -> int:
    """Store a feed's style; if it changed, queue every written post for rewrite.

    Returns how many posts were queued.
    """
    current = prepared.run(conn, _style_of, None, {"feed": feed_id}).scalar()
    if current == style_hash:
        return 0
    return set_styles(conn, [(feed_id, current, style_hash)])


def _style_of(_: None) -> Select[Any]:
    return select(feeds.c.style_hash).where(feeds.c.id == bindparam("feed"))


def _set_style(_: None) -> Update:
    return (
        update(feeds).where(feeds.c.id == bindparam("feed")).values(style_hash=bindparam("style"))
    )


REMOVED_STYLE = "removed"  # a feed no longer in feedmill.yml (never a style_hash)


def set_aside_removed(conn: Connection, urls: Iterable[str]) -> list[int]:
    """Mark the feeds that left feedmill.yml since the last pass; their ids.

    Their posts stay; the posts that list them among the other sources of a
    story are to be rewritten without them (see `restyle_originals`).  Marked
    once: a later pass does nothing for them.  One that comes back is
    restyled like any feed whose settings changed.
    """
    wanted = set(urls)
    styled = select(feeds.c.id, feeds.c.url).where(
        feeds.c.style_hash.is_not(None), feeds.c.style_hash != REMOVED_STYLE
    )  # (two columns: every pass runs this over every feed)
    gone = [feed_id for feed_id, url in conn.execute(styled) if url not in wanted]
    if gone:
        conn.execute(update(feeds).where(feeds.c.id.in_(gone)).values(style_hash=REMOVED_STYLE))
    return gone


def removed_ids(conn: Connection) -> list[int]:
    """Ids of the feeds no longer in feedmill.yml (see set_aside_removed)."""
    query = select(feeds.c.id).where(feeds.c.style_hash == REMOVED_STYLE)
    return [feed_id for (feed_id,) in conn.execute(query)]


def removed_on_site(conn: Connection) -> dict[str, list[str]]:
    """The post file names of each feed no longer in feedmill.yml with posts
    on the site still, by its url: what they are filed under is in their
    files (any one of them: some may have been deleted by hand)."""
    query = (
        select(feeds.c.url, posts.c.file_name)
        .select_from(feeds.join(entries, entries.c.feed_id == feeds.c.id))
        .join(posts, posts.c.entry_id == entries.c.id)
        .where(feeds.c.style_hash == REMOVED_STYLE, on_site())
        .order_by(feeds.c.url, posts.c.file_name)
    )
    found: dict[str, list[str]] = {}
    for url, name in conn.execute(query):
        found.setdefault(url, []).append(name)
    return found


def restyle_originals(conn: Connection, feed_ids: Sequence[int]) -> None:
    """Queue the posts whose "also reported by" line names one of these feeds.

    (The line shows each feed's source as configured: renamed or removed,
    it is out of date.)"""
    if not feed_ids:
        return
    copied = (
        select(entries.c.duplicate_of)
        .where(entries.c.feed_id.in_(feed_ids), entries.c.status == "duplicate")
        .scalar_subquery()
    )
    conn.execute(
        update(posts)
        .where(posts.c.entry_id.in_(copied), posts.c.state == "written")
        .values(state="stale")
    )


STYLE_PART = 24  # hex digits of a fingerprint that are the posts' style


def fingerprint(style: str, timezone: str) -> str:
    """What a feed's ``style_hash`` column holds (32 characters): its posts'
    style, then how its document is read — the time zone of dates that name
    none, which are stored already converted."""
    reading = hashlib.blake2b(timezone.encode(), digest_size=4).hexdigest()
    return style[:STYLE_PART] + reading


def rereads(old: str | None, new: str) -> bool:
    """Whether the feed must be read again: its items were read otherwise
    (not known of a feed put back in the config: its items keep their dates)."""
    return old not in (None, REMOVED_STYLE) and old[STYLE_PART:] != new[STYLE_PART:]


def set_styles(conn: Connection, changes: Sequence[tuple[int, str | None, str]]) -> int:
    """Store new fingerprints, given as (feed id, stored now, new).

    One statement for all the feeds: a first run over a thousand feeds, or a
    template edit, restyles every one of them.  Feeds that had a style get
    their written posts queued for rewrite when it changed, and their
    validators cleared when their items are to be read again (a new time
    zone re-dates what the feed still lists); returns how many posts were queued.
    """
    changes = [change for change in changes if change[1] != change[2]]
    if not changes:
        return 0
    if len(changes) == 1:  # a worker's feed: a prepared statement
        prepared.run(conn, _set_style, None, {"feed": changes[0][0], "style": changes[0][2]})
    else:  # a first run, a template edit: one executemany (a round trip each would add up)
        conn.execute(
            _set_style(None), [{"feed": feed_id, "style": new} for feed_id, _, new in changes]
        )
    reread = [feed_id for feed_id, old, new in changes if rereads(old, new)]
    if reread:
        conn.execute(
            update(feeds)
            .where(feeds.c.id.in_(reread))
            .values(etag=None, last_modified=None, body_hash=None)
        )
    restyled = [
        feed_id
        for feed_id, old, new in changes
        if old is not None and old[:STYLE_PART] != new[:STYLE_PART]
    ]
    if not restyled:
        return 0
    restyle_originals(conn, restyled)  # a renamed source is named in other feeds' posts
    result = conn.execute(
        update(posts)
        .where(posts.c.state == "written")
        .where(posts.c.entry_id.in_(select(entries.c.id).where(entries.c.feed_id.in_(restyled))))
        .values(state="pending")
    )
    return result.rowcount or 0


def _all(conn: Connection) -> dict[str, FeedState]:
    return {row.url: _state(row) for row in conn.execute(select(*_COLUMNS))}


def states(conn: Connection, urls: Sequence[str]) -> dict[str, FeedState]:
    """The stored state of each of ``urls`` that has a row, by URL (read only)."""
    # All rows, filtered here: a thousand URLs would overflow an IN list of
    # SQLite's older builds (999 variables).
    wanted = set(urls)
    return {url: state for url, state in _all(conn).items() if url in wanted}


def adopted_moves(conn: Connection) -> list[tuple[str, str]]:
    """(URL, where it moved for good) of each feed whose move was adopted."""
    rows = conn.execute(
        select(feeds.c.url, feeds.c.fetch_url).where(feeds.c.fetch_url.is_not(None))
    )
    return [(url, fetch_url) for url, fetch_url in rows]


def blank(url: str) -> FeedState:
    """The state of a configured feed that has no row yet (never fetched)."""
    empty: dict[str, Any] = {f.name: None for f in fields(FeedState)}
    return FeedState(
        **{**empty, "id": 0, "url": url, "error_streak": 0, "redirect_streak": 0, "gone_streak": 0}
    )


def view(
    conn: Connection,
    urls: Sequence[str],
    identity: Callable[[str], str] = str,
    earlier: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, FeedState]:
    """What `sync_feeds` would give, read only (for `status`, which must not
    wait for a running pass's write lock): a new URL is `blank`, a URL a feed
    moved to shows that feed."""
    known = _all(conn)
    moved = _moves(known, urls, identity, earlier or {})
    out = {}
    for url in urls:
        state = known.get(url)
        if state is None and url in moved:
            state = replace(moved[url], **_taken_over(moved[url], url, identity))
        out[url] = state or blank(url)
    return out


def post_counts(
    conn: Connection, files: Collection[str] | None = None, archive: Collection[str] | None = None
) -> dict[int, tuple[int, int]]:
    """feed id → (posts on the site, posts retention moved to the archive).

    On the site as retention counts them (`posts.on_site`): one waiting to
    be rewritten (a restyle, a rebuild cut short) is on the site still.
    Given the names of the ``files`` in the posts folder and in the
    ``archive``, only posts whose file is there count: one deleted by hand
    is known to be gone only when an edit of its item would rewrite it."""
    kind = case((posts.c.state == "archived", "archived"), else_="written")
    counted: Counter[tuple[int, str]] = Counter()
    rows = conn.execute(
        select(entries.c.feed_id, kind, posts.c.file_name)
        .select_from(posts.join(entries, posts.c.entry_id == entries.c.id))
        .where(on_site() | (posts.c.state == "archived"))
    )
    for feed_id, where, name in rows:
        there = files if where == "written" else archive
        if there is None or name in there:
            counted[feed_id, where] += 1
    return _two_counts(((f, k, n) for (f, k), n in counted.items()), "written")


def held_back(conn: Connection) -> dict[int, tuple[int, int]]:
    """feed id → (blocked, duplicates): its items stored but never posted."""
    query = (
        select(entries.c.feed_id, entries.c.status, func.count())
        .where(entries.c.status.in_(("blocked", "duplicate")))
        .group_by(entries.c.feed_id, entries.c.status)
    )
    return _two_counts(conn.execute(query), "blocked")


def _two_counts(rows: Iterable[Any], first: str) -> dict[int, tuple[int, int]]:
    """(feed id, kind, count) rows of two kinds → feed id → (count of ``first``, of the other)."""
    out: dict[int, tuple[int, int]] = {}
    for feed_id, kind, count in rows:
        mine, other = out.get(feed_id, (0, 0))
        out[feed_id] = (count, other) if kind == first else (mine, count)
    return out
