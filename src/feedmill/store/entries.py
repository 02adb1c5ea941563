"""Entry rows: insert what is new, update what changed, leave the rest alone.

An entry that drops out of its feed is never deleted, and its post stays.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, NamedTuple, TypeVar
from urllib.parse import parse_qsl, unquote

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from feedmill import urls
from feedmill.models import Entry
from feedmill.normalize.document import media_in, told_apart_keys
from feedmill.normalize.text import keyed_text, one_story
from feedmill.store import prepared
from feedmill.store.bulk import insert_rows
from feedmill.store.feeds import REMOVED_STYLE, posts_given, posts_taken_back
from feedmill.store.posts import OFF_SITE, RETRACTED, UNCOUNTED
from feedmill.store.schema import (
    dedupe_bands,
    dedupe_prints,
    entries,
    entry_from_row,
    feeds,
    posts,
)

_CHUNK = 500


def key_hash(key: str) -> str:
    return hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def entry_version(entry: Entry) -> str:
    """A hash of everything a post is made of; changes mean a rewrite."""
    digest = hashlib.blake2b(digest_size=16)
    fields = (
        entry.link,
        entry.title,
        entry.author,
        entry.published.isoformat() if entry.published else None,
        entry.updated.isoformat() if entry.updated else None,
        entry.content,
        "\x1f".join(entry.categories),
        entry.image,
    )
    for value in fields:
        # A field's length goes first, so no two field lists hash alike.
        data = b"\x00" if value is None else value.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Item:
    """An entry with the two hashes the store keys and compares it by."""

    entry: Entry
    key_hash: str
    version: str
    # The feed's own text when ``entry`` carries another (its article page's,
    # or the article its post has): the version is still the feed item's.
    feed_text: str | None = None

    @classmethod
    def of(cls, entry: Entry) -> Item:
        return cls(entry, key_hash(entry.key), entry_version(entry))

    def carrying(self, content: str, version: str | None = None) -> Item:
        """This item with ``content`` for its text, its version the feed's (or ``version``)."""
        own = self.entry.content if self.feed_text is None else self.feed_text
        return Item(
            replace(self.entry, content=content),
            self.key_hash,
            self.version if version is None else version,
            own,
        )

    @property
    def _feed_item(self) -> Entry:
        """The entry as its feed gives it (with the feed's text), as versioned."""
        return self.entry if self.feed_text is None else replace(self.entry, content=self.feed_text)

    def stored_as(self, version: str) -> bool:
        """Whether ``version`` (stored) is this feed item's, whatever marks it
        as waiting for its article page — or the one a release that kept
        tracking parameters in links gave it: over its link as the feed
        writes it (`Entry.tracked_link`)."""
        if version[1:] == self.version[1:]:
            return True
        written = self.entry.tracked_link
        if written is None:
            return False
        return version[1:] == entry_version(replace(self._feed_item, link=written))[1:]

    def linked(self, link: str | None) -> Item:
        """This item with ``link``; its version that of the feed's item so linked."""
        version = entry_version(replace(self._feed_item, link=link))
        mark = self.version[:1] if waits_for_page(self.version) else version[:1]
        return Item(
            replace(self.entry, link=link), self.key_hash, mark + version[1:], self.feed_text
        )

    def dated(self, published: datetime | None, updated: datetime | None) -> Item:
        """This item with these dates; its version that of the feed's item so
        dated (one marked as waiting for its article page stays marked)."""
        version = entry_version(replace(self._feed_item, published=published, updated=updated))
        mark = self.version[:1] if waits_for_page(self.version) else version[:1]
        entry = replace(self.entry, published=published, updated=updated)
        return Item(entry, self.key_hash, mark + version[1:], self.feed_text)


def as_stored_before_untracking(
    items: Sequence[Item], known: Mapping[str, Known]
) -> tuple[Item, ...]:
    """Items stored before links lost their tracking parameters, unchanged
    since, with the version they were stored with: the one their link as
    the feed writes it gives.  A feed whose links carry ``?utm_source=rss``
    would otherwise have every post rewritten once (with another placeholder
    picture) and, on a ``fulltext`` feed, every article page asked for again
    (one gone since: the post would lose its article)."""
    return tuple(
        _with_stored_version(item, stored.version)
        if item.entry.tracked_link is not None and (stored := known.get(item.key_hash))
        else item
        for item in items
    )


def _with_stored_version(item: Item, stored: str) -> Item:
    """``item`` with the ``stored`` version, if that is the feed item's (see
    `Item.stored_as`) — not one waiting for its page, which is asked again."""
    if stored != item.version and not waits_for_page(stored) and item.stored_as(stored):
        return replace(item, version=stored)
    return item


def awaiting_page(version: str, *, article_kept: bool = False) -> str:
    """The version stored for an item whose article page failed for now: no
    item has it (versions are hex digits, and keep their length), so the
    next pass finds the item changed, asks for its page again, and rewrites
    the post with the article.  ``article_kept``: the item is an edit of one
    posted with its article, which it keeps meanwhile — not an item posted
    with its feed's text (`holds_feed_text`)."""
    return ("!" if article_kept else "~") + version[1:]


def waits_for_page(version: str) -> bool:
    """Whether a stored version is marked as waiting for its article page (`awaiting_page`)."""
    return version[:1] in ("~", "!")


def holds_feed_text(version: str) -> bool:
    """Whether a stored item was posted with its feed's text, awaiting its page."""
    return version.startswith("~")


@dataclass(frozen=True, slots=True)
class Decision:
    """What becomes of a new entry: published, or stored as blocked or a duplicate."""

    status: str = "active"  # active | blocked | duplicate
    reason: str | None = None
    duplicate_of: int | None = None  # the stored entry it copies
    fingerprint: str | None = None  # hash of the visible text (exact copies)


PUBLISH = Decision()


@dataclass(frozen=True, slots=True)
class Touched:
    """A new or changed entry whose post must be (re)written."""

    entry_id: int
    file_name: str
    index: int  # position in the items given to ingest_entries
    is_new: bool
    was_written: bool = False  # its file was in place once (gone since: deleted by hand)


@dataclass(frozen=True, slots=True)
class Ingested:
    touched: tuple[Touched, ...] = field(default=())
    unchanged: int = 0
    published: dict[int, int] = field(default_factory=dict)  # item index → id, new and active
    stored: dict[int, int] = field(default_factory=dict)  # item index → id, new or changed
    blocked: int = 0
    duplicates: int = 0
    # Of ``stored``, items re-keyed that keep their entry's text (the article
    # its post has) over the one they came with (the feed's, their page down).
    kept_text: frozenset[int] = frozenset()

    @property
    def new(self) -> int:
        return sum(t.is_new for t in self.touched)

    @property
    def changed(self) -> int:
        return sum(not t.is_new for t in self.touched)


def _row(entry: Entry, version: str) -> dict[str, object]:
    return {
        "key": entry.key,
        "link": entry.link,
        "title": entry.title,
        "author": entry.author,
        "published_at": entry.published,
        "updated_at": entry.updated,
        "content": entry.content,
        "categories": json.dumps(list(entry.categories), ensure_ascii=False),
        "image": entry.image,
        "version": version,
    }


def adopt_told_apart_keys(items: tuple[Item, ...], known: Mapping[str, object]) -> tuple[Item, ...]:
    """Items under a bare guid that name no stored entry, but that were stored
    under a told-apart key while other items shared their guid
    (`normalize.document.told_apart_keys`), take that key back: a document holding one
    of them alone must not post it again, nor make another item an edit of it.
    """
    if not known:
        return items
    taken = {item.entry.key for item in items}
    adopted = []
    for item in items:
        if item.key_hash not in known:
            found = {
                key
                for key in told_apart_keys(item.entry)
                if key not in taken and key_hash(key) in known
            }
            if len(found) == 1:
                (key,) = found
                taken.add(key)
                item = Item.of(replace(item.entry, key=key))
        adopted.append(item)
    return tuple(adopted)


def adopt_earlier_keys(
    conn: Connection, items: tuple[Item, ...], known: Mapping[str, Known]
) -> tuple[Item, ...]:
    """Items stored under a key this release makes otherwise are that
    stored entry (`Entry.stored_as`): stored, it takes their key, once.

    Items without guid or link, stored before their pictures were part of
    their key (`normalize.document.entry_key`: under their title and text
    alone), where the stored item shows their very pictures — one of another
    day's picture (a 每日一图 of one caption) is another item.  Items stored
    under their guid as an ill-formed document's was read before
    ("a&amp;b"; one with a link is found by it, see `_renamed`).  And items
    keyed by a text the fast path read short (`RawEntry.read_before`: to a
    comment, often to nothing) while the stored item holds that text still:
    of several that name one key (each day's digest of one title), the one
    of its date — undated, the last listed, the oldest (the releases before
    took them for one item).  Keyed anew, the entry is named by no other item later:
    under the earlier key, each new day's digest took it.
    """
    if not known:
        return items
    taken = {item.entry.key for item in items}
    used: set[int] = set()
    adopted = []
    for item in reversed(items):  # (a feed lists its newest first)
        entry, before = item.entry, item.entry.earlier_key
        stored = None
        if before is not None and before not in taken and item.key_hash not in known:
            stored = known.get(key_hash(before))
        if stored is not None and stored.id not in used and _is_it(conn, item, stored):
            used.add(stored.id)
            item = replace(item, entry=replace(entry, stored_as=stored.id))
        adopted.append(item)
    return tuple(reversed(adopted))


def _is_it(conn: Connection, item: Item, stored: Known) -> bool:
    """Whether ``stored``, found under ``item``'s earlier key, is ``item``."""
    entry = item.entry
    content = (
        conn.execute(select(entries.c.content).where(entries.c.id == stored.id)).scalar() or ""
    )
    # (As it showed them then, where this release reads them otherwise.)
    if media_in(content) not in (media_in(entry.content), entry.earlier_media):
        return False
    if entry.earlier_content is None:
        return True
    # (Of its date, or re-dated within a route's drift: not the next day's, nor
    # a twice-daily digest's other one.)
    return content == entry.earlier_content and (
        stored.published is None
        or (entry.published is not None and abs(entry.published - stored.published) <= _DRIFT)
    )


_DRIFT = timedelta(hours=2)


def tell_apart_reused_guids(
    conn: Connection, items: tuple[Item, ...], known: Mapping[str, Known]
) -> tuple[tuple[Item, ...], int]:
    """Items whose guid names a stored entry that is another item take their
    told-apart key (`normalize.document.told_apart_keys`); returns them and how many.

    A feed that gives every item the site's address as its guid and lists
    one item at a time brings today's item under yesterday's guid: taken for
    an edit, it would overwrite yesterday's post.  Under such a guid — the
    address of a site, not of a story — an item is another when it has
    another link and another date (or, undated, another title): the converse
    of `_renamed`'s test for one item under a new guid.  Under any other
    guid it is an edit, whatever moved (a retitle that changes a slug link
    and bumps the date, a link with a tracking query and the fetch's time).
    """
    changed = {
        item.key_hash: known[item.key_hash].id
        for item in items
        if item.key_hash in known
        and known[item.key_hash].version != item.version
        and names_a_site(item.entry.key)
    }
    if not changed:
        return items, 0
    stored: dict[int, Any] = {}
    ids = list(changed.values())
    for start in range(0, len(ids), _CHUNK):
        query = select(entries.c.id, entries.c.link, entries.c.published_at, entries.c.title).where(
            entries.c.id.in_(ids[start : start + _CHUNK])
        )
        stored.update((row.id, row) for row in conn.execute(query))
    out, count = [], 0
    for item in items:
        row = stored.get(changed.get(item.key_hash, -1))
        entry = item.entry
        if (
            row is not None
            and entry.link
            and row.link
            and not _same_page(entry.link, row.link)
            and not _same_item(entry, row.published_at, row.title)
        ):
            item = Item.of(replace(entry, key=told_apart_keys(entry)[0]))
            count += 1
        out.append(item)
    return tuple(out), count


def names_a_site(guid: str) -> bool:
    """Whether ``guid`` is the address of a site, not of a story: a feed
    giving it to every item brings each day's item under it."""
    return urls.scheme(guid) in ("http", "https") and not urls.names_a_story(guid)


def _same_page(link: str, other: str) -> bool:
    """Two links to one page: the same but for http/https (a site that moved
    to https rewrites every old link) and tracking parameters (``utm_source=rss``
    added to every link)."""
    return _page(link) == _page(other)


def _page(link: str) -> str:
    plain = urls.with_plain_ampersands(link)
    scheme, sep, rest = urls.without_tracking(plain).partition("://")
    return rest if sep and scheme.lower() in ("http", "https") else link


def _variants(link: str) -> tuple[str, ...]:
    """``link`` as a stored entry of the same page may have it — its query's
    ``&`` escaped too, as stored before links escaped twice were mended."""
    untracked = urls.without_tracking(link)
    found: tuple[str, ...] = (link, _other_scheme(link), untracked, _other_scheme(untracked))
    base, mark, query = link.partition("?")
    if mark and "&" in query and "&amp;" not in query:
        escaped = f"{base}?{query.replace('&', '&amp;')}"
        found += (escaped, _other_scheme(escaped))
    return found


def _other_scheme(link: str) -> str:
    scheme, sep, rest = link.partition("://")
    other = {"http": "https", "https": "http"}.get(scheme.lower())
    return f"{other}://{rest}" if sep and other else link


# How far a route may move an item's date between fetches and it stays the
# item, when its title and text are the same: "3小时前" is re-read each fetch.
# Further apart, the same words are a routine notice again ("央行今日不开展
# 逆回购操作" at a live page's link each day), as dedupe reads them.
REDATED = timedelta(hours=12)


def _near(published: datetime | None, stored: datetime | None) -> bool:
    return published is None or stored is None or abs(published - stored) < REDATED


def _same_item(entry: Entry, published: datetime | None, title: str) -> bool:
    """Whether ``entry`` is the stored item dated ``published`` and titled
    ``title``, going by the date (an edit may retitle) or, undated, by the title."""
    if entry.published and published:
        return entry.published == published
    return entry.title == title


class Known(NamedTuple):
    """What the store has of an entry that the feed lists."""

    id: int
    version: str
    status: str  # active | blocked | duplicate
    published: datetime | None
    updated: datetime | None


def known_versions(conn: Connection, feed_id: int) -> dict[str, Known]:
    """key hash → (id, version, status, dates) of every stored entry of a feed."""
    query = select(
        entries.c.key_hash,
        entries.c.id,
        entries.c.version,
        entries.c.status,
        entries.c.published_at,
        entries.c.updated_at,
    ).where(entries.c.feed_id == feed_id)
    return {h: Known(*known) for h, *known in conn.execute(query)}


def with_first_dates(
    items: Sequence[Item], known: Mapping[str, Known], only: Set[str] | None = None
) -> tuple[Item, ...]:
    """Each stored item with the dates it was first stored with (of ``only``
    these entry keys, if given: after a feed's new time zone, those whose
    dates read alike in any zone, `normalize.document.dated_in_any_zone`).

    A post's URL holds its date (Hexo's ``:year/:month/:day/``): an item the
    feed re-dates — RSSHub's routes that read "3小时前" date it anew on every
    fetch, an Atom entry dated by its last edit — would move its post, and
    every link to it would break.  Edits of its text still reach the post.
    """
    out = []
    for item in items:
        stored = known.get(item.key_hash)
        entry = item.entry
        if (
            stored is None
            or (only is not None and entry.key not in only)
            or (stored.published, stored.updated) == (entry.published, entry.updated)
        ):
            out.append(item)
        else:
            out.append(item.dated(stored.published, stored.updated))
    return tuple(out)


def _as_stored(
    conn: Connection, items: Sequence[Item], stored_as: Mapping[int, int], *, keep_dates: bool
) -> Sequence[Item]:
    """``items`` with those at the indexes of ``stored_as`` (index → entry id),
    items re-keyed (a new guid, a link moved to https), taken as their
    entries are where they are unchanged.

    ``keep_dates``: dated as their entries are — a route that re-dates its
    items on every fetch would otherwise move their posts (`with_first_dates`
    knows an item by its key only).  And one that is its feed's item as
    stored, but without the article its entry has (its page down, or gone,
    as it was asked for again under its new key), keeps that article and
    its version: a known item's page is not asked for at all.  (One stored
    with the feed's text, waiting for its page, is left as it comes: its
    page gone now, it is settled.)  And one whose link a cache-buster
    changed (`_cache_busted`) keeps its entry's link: its post stays as it
    is, its placeholder picture (chosen by the link) too."""
    stored = {
        row.id: row
        for row in conn.execute(
            select(
                entries.c.id,
                entries.c.published_at,
                entries.c.updated_at,
                entries.c.content,
                entries.c.version,
                entries.c.link,
            ).where(entries.c.id.in_(sorted(set(stored_as.values()))))
        )
    }
    out = list(items)
    for index, entry_id in stored_as.items():
        item, row = items[index], stored[entry_id]
        link = item.entry.link
        if link and row.link and link != row.link and _cache_busted(link, row.link):
            item = item.linked(row.link)
        dates = (row.published_at, row.updated_at)
        if keep_dates and dates != (item.entry.published, item.entry.updated):
            item = item.dated(*dates)
        if (
            item.feed_text is None
            and row.content != item.entry.content
            and item.stored_as(row.version)
        ):
            item = item.carrying(row.content, row.version)
        else:  # (stored by a release before untracking)
            item = _with_stored_version(item, row.version)
        out[index] = item
    return out


def first_seen_times(items: Sequence[Item], now: datetime) -> list[datetime]:
    """When each item is first seen, if new: ``now``, a second earlier for
    each undated item the document lists before an undated one.  Undated
    items take their post's date from it: all of one second, a site would
    show them in the order of their file names, not the feed's (newest
    first)."""
    out, undated = [], 0
    for item in items:
        if item.entry.date is None:
            out.append(now - timedelta(seconds=undated))
            undated += 1
        else:
            out.append(now)
    return out


def stored_contents(conn: Connection, entry_ids: Sequence[int]) -> dict[int, str]:
    """id → stored content of ``entry_ids``."""
    found: dict[int, str] = {}
    for start in range(0, len(entry_ids), _CHUNK):
        chunk = list(entry_ids[start : start + _CHUNK])
        query = select(entries.c.id, entries.c.content).where(entries.c.id.in_(chunk))
        found.update((i, c) for i, c in conn.execute(query))
    return found


def with_duplicates(conn: Connection, entry_ids: Sequence[int]) -> set[int]:
    """Those of ``entry_ids`` that other feeds' copies point at."""
    found: set[int] = set()
    for start in range(0, len(entry_ids), _CHUNK):
        chunk = list(entry_ids[start : start + _CHUNK])
        query = select(entries.c.duplicate_of).where(entries.c.duplicate_of.in_(chunk)).distinct()
        found.update(conn.execute(query).scalars())
    return found


def originals_of(conn: Connection, entry_ids: Sequence[int]) -> set[int]:
    """The entries that those of ``entry_ids`` held back as copies copy."""
    found: set[int] = set()
    for start in range(0, len(entry_ids), _CHUNK):
        chunk = list(entry_ids[start : start + _CHUNK])
        query = select(entries.c.duplicate_of).where(
            entries.c.id.in_(chunk),
            entries.c.status == "duplicate",
            entries.c.duplicate_of.is_not(None),
        )
        found.update(conn.execute(query).scalars())
    return found


def retract(
    conn: Connection, verdicts: Mapping[int, Decision]
) -> dict[int, tuple[str, str | None]]:
    """Hold back entries that were posted before they could be judged (their
    article page was down): each becomes what it would have been had it come
    with its article — blocked, or a duplicate, with no post.  Their posts
    are marked retracted: the files go once this transaction has committed
    (publish.retract).  Their copies are `hand_down`'s.  Every way a post is
    taken back comes here (a fuller copy took it, its article blocked it,
    its feed left the config): the entries are no stories' originals any
    more, and their feeds have that many posts fewer.  Returns their posts
    as they were: entry id → (state, file name if it was ever written).
    """
    if not verdicts:
        return {}
    ids = sorted(verdicts)
    query = select(posts.c.entry_id, posts.c.state, posts.c.file_name, posts.c.written_version)
    before = {
        entry_id: (state, name if written is not None else None)
        for entry_id, state, name, written in conn.execute(query.where(posts.c.entry_id.in_(ids)))
    }
    conn.execute(update(posts).where(posts.c.entry_id.in_(ids)).values(state=RETRACTED))
    posts_taken_back(conn, [i for i, (state, _) in before.items() if state not in UNCOUNTED])
    # No original now: a later copy most like one was held back behind it,
    # unlisted by the post that carries the story (store.dedupe's index rows;
    # a worker's cached fingerprint is read only for ids these rows give).
    conn.execute(delete(dedupe_bands).where(dedupe_bands.c.entry_id.in_(ids)))
    conn.execute(delete(dedupe_prints).where(dedupe_prints.c.entry_id.in_(ids)))
    conn.execute(
        update(entries)
        .where(entries.c.id == bindparam("b_id"))
        .values(
            status=bindparam("b_status"),
            reason=bindparam("b_reason"),
            duplicate_of=bindparam("b_original"),
        ),
        [
            {
                "b_id": i,
                "b_status": verdicts[i].status,
                "b_reason": verdicts[i].reason,
                "b_original": verdicts[i].duplicate_of,
            }
            for i in ids
        ],
    )
    return before


# Why a post was taken back for a fuller copy of its story (the entry's
# reason, as `status` and `search --all` show it).
FULLER_COPY = "a fuller copy of its story took its post"
# A copy whose story passed to another post (`hand_down`), alike to the one before.
PASSED_ON = "a copy of the story its post passed on"
FEED_LEFT = "its feed left feedmill.yml"  # (`hand_over`; `back_in_config` when it is back)
FIRST_TEXT = "its story's first text came again from another feed"  # (`passed_on_and_copied_again`)
# An entry whose feed left, its item come again from another (FIRST_TEXT): no
# longer the left entry that copies take a post back for.
CAME_AGAIN = "its feed left feedmill.yml; its item came again from another feed"


def came_again(conn: Connection, entry_id: int) -> None:
    """``entry_id``, whose feed left, came again from another feed (it took
    the post back): said so, and never taken back for again."""
    conn.execute(update(entries).where(entries.c.id == entry_id).values(reason=CAME_AGAIN))


@dataclass(frozen=True, slots=True)
class Heir:
    """A held-back copy that is posted now (see `hand_down`)."""

    entry_id: int
    feed_id: int
    entry: Entry
    succeeds: int | None = None  # the retracted entry whose story it carries now


def _configured() -> ColumnElement[bool]:
    """A feed still in feedmill.yml (see feeds.set_aside_removed)."""
    return feeds.c.style_hash.is_(None) | (feeds.c.style_hash != REMOVED_STYLE)


def hand_over(
    conn: Connection,
    feed_ids: Sequence[int],
    name_for: Callable[[str, Entry, int], str],
    off_site: Callable[[str], bool],
    *,
    exact_copies_of: Collection[int] | None = None,
    tells: Callable[..., bool] | None = None,
    refused: Callable[[Any], bool] | None = None,
) -> list[Heir]:
    """The stories of feeds that left feedmill.yml that a configured feed
    holds a copy of: each passes to that feed's earliest copy, posted under
    its own categories and following its edits, and the removed feed's post
    is taken back (a copy of the heir now).  Held back behind a feed no
    longer read, the copies' edits never reached the site.  A story whose
    post was deleted by hand (``off_site(file name)`` of a post written)
    stays off the site; one whose post retention archived stays in the
    archive (passed on, its copy was posted, and archived again, under
    another name) — also where its row does not say so yet (``off_site``).
    With ``exact_copies_of``, only those entries' stories, held in copies
    of their very text.  ``tells``, ``refused``: see hand_down.  Returns the
    copies posted."""
    if not feed_ids:
        return []
    copy = entries.alias("copy")
    copied = [copy.c.duplicate_of == entries.c.id, copy.c.status == "duplicate", _configured()]
    chosen = [entries.c.feed_id.in_(feed_ids), entries.c.status == "active"]
    among: list[list[int]] | list[None] = [None]
    if exact_copies_of is not None:
        copied.append(copy.c.fingerprint == entries.c.fingerprint)
        among = list(_chunks(sorted(exact_copies_of)))
    held_back = (
        select(copy.c.id).select_from(copy.join(feeds, copy.c.feed_id == feeds.c.id)).where(*copied)
    ).exists()
    query = (
        select(
            entries.c.id,
            entries.c.fingerprint,
            posts.c.state,
            posts.c.file_name,
            posts.c.written_version,
        )
        .select_from(entries.outerjoin(posts, posts.c.entry_id == entries.c.id))
        .where(*chosen, held_back)
    )
    texts = {
        row.id: row.fingerprint
        for chunk in among
        for row in conn.execute(query if chunk is None else query.where(entries.c.id.in_(chunk)))
        if row.state not in ("removed", "archived")
        and not (row.written_version is not None and row.file_name and off_site(row.file_name))
    }
    heirs = hand_down(
        conn,
        dict.fromkeys(texts),
        name_for,
        same_text=texts if exact_copies_of is not None else None,
        tells=tells,
        refused=refused,
    )
    retract(
        conn,
        {
            heir.succeeds: Decision("duplicate", FEED_LEFT, duplicate_of=heir.entry_id)
            for heir in heirs
            if heir.succeeds is not None
        },
    )
    return heirs


def passed_on_and_copied_again(
    conn: Connection, removed: Collection[int]
) -> list[tuple[Any, list[int]]]:
    """Rows (copy_id, post_id; the post's state, file_name, written_version;
    the copy's and the post's title and content), each with the ids of the
    entries that left with that text, of copies held back behind a
    post that an entry of the ``removed`` feeds passed to another telling as
    its feed left (`hand_over`), where the copy is that very item again — its
    text (fingerprint) and its key or page (a link told apart only by a
    cache-buster or its scheme is one) — from a feed in the config, stored
    after the post: a feed's URL edited while another outlet carried a
    rewording, the story passed to the rewording before the new URL's items
    were in (its first fetch failed, a pass was killed), and they stayed held
    back behind it.  Not where the post carries that text already (another
    copy of it took it).  The earliest such copy of each post."""
    copy, left = entries.alias("copy"), entries.alias("left")
    found: dict[int, Any] = {}
    left_ids: dict[int, set[int]] = {}
    for chunk in _chunks(sorted(removed)):
        query = (
            select(
                copy.c.id.label("copy_id"),
                entries.c.id.label("post_id"),
                left.c.id.label("left_id"),
                left.c.link.label("left_link"),
                left.c.key.label("left_key"),
                copy.c.link.label("copy_link"),
                copy.c.key.label("copy_key"),
                posts.c.state,
                posts.c.file_name,
                posts.c.written_version,
                copy.c.title.label("copy_title"),
                copy.c.content.label("copy_content"),
                entries.c.title.label("post_title"),
                entries.c.content.label("post_content"),
            )
            .select_from(
                left.join(entries, left.c.duplicate_of == entries.c.id)
                .join(copy, copy.c.duplicate_of == entries.c.id)
                .join(feeds, copy.c.feed_id == feeds.c.id)
                .outerjoin(posts, posts.c.entry_id == entries.c.id)
            )
            .where(
                left.c.feed_id.in_(chunk),
                left.c.status == "duplicate",
                left.c.reason == FEED_LEFT,
                entries.c.status == "active",
                entries.c.fingerprint.is_distinct_from(left.c.fingerprint),
                copy.c.status == "duplicate",
                copy.c.id != left.c.id,
                copy.c.fingerprint == left.c.fingerprint,
                # Stored after the post: not a copy that had it before (a
                # feed put back), nor one that was there when the story passed.
                copy.c.id > entries.c.id,
                _configured(),
            )
            .order_by(copy.c.id)
        )
        for row in conn.execute(query):
            if row.copy_key == row.left_key or _one_page(row.copy_link, row.left_link):
                found.setdefault(row.post_id, row)
                left_ids.setdefault(row.post_id, set()).add(row.left_id)
    # (Every entry that left with that text: each has come again — two feeds'
    # of one item, a mirror's — or a later pass took the post back again.)
    return [
        (row, sorted(left_ids[row.post_id]))
        for row in sorted(found.values(), key=lambda row: row.copy_id)
    ]


def _one_page(link: str | None, other: str | None) -> bool:
    """Whether two items' links name one page: equal, told apart only by a
    cache-buster (`_cache_busted`), or one address written two ways."""
    if not link or not other:
        return False
    return (
        urls.one_address(link, other)
        or _cache_busted(link, other)
        or _cache_busted(urls.other_scheme(link) or link, other)  # (both: a site gone https)
    )


def copied_after(conn: Connection, after: int) -> set[int]:
    """The entries that items stored after the entry ``after``
    (`dedupe_upkeep.last_entry_id` then) were held back as copies of.  (By
    id, not by a first-seen time: an undated item's is set back a second for
    each item before it.)"""
    query = select(entries.c.duplicate_of).where(
        entries.c.id > after,
        entries.c.status == "duplicate",
        entries.c.duplicate_of.is_not(None),
    )
    return {original for (original,) in conn.execute(query)}


def hand_down(
    conn: Connection,
    retracted: Mapping[int, int | None],
    name_for: Callable[[str, Entry, int], str],
    *,
    feeds_apart: bool = True,
    same_text: Mapping[int, str | None] | None = None,
    tells: Callable[..., bool] | None = None,
    refused: Callable[[Any], bool] | None = None,
) -> list[Heir]:
    """The copies of retracted entries (`retract`: entry id → the story it
    copies, or None when blocked), as they would be had the entry come with
    its article.  A duplicate's copies follow it to that story.  A blocked
    entry's story passes to its earliest copy (by date, then arrival, as a
    post lists its copies) from a feed still configured — posted, with a
    pending post named by ``name_for(feed URL, entry, attempt)`` — and its
    other copies follow it.  Copies from the feed of the story they follow
    are posted too: two items of one feed are never merged — unless not
    ``feeds_apart``: a post that gave way to its fuller telling takes the
    copies it held back there, the fuller copy's feed's own 快讯 among them.
    With ``same_text`` (entry id → its text's fingerprint), a blocked entry's
    story passes only to a copy of its very text, the earliest.  With
    ``tells(copy, post)`` (rows), a blocked entry's copies that do not tell
    its heir's story take posts of their own, the earliest of each story
    first: copies of a fuller telling may be stories apart (two 快讯 of one
    article, with different figures).  A copy ``refused(row)`` (its feed's
    rules now block it) takes no blocked entry's story: the next does.
    Returns the copies posted now, for dedupe to find later copies in.
    """
    heirs: list[Heir] = []
    for retracted_id, original in sorted(retracted.items()):
        query = _held_back_by(retracted_id, _configured().label("configured"))
        copies = conn.execute(query).all()
        if not copies:
            continue
        if original is None:
            # A copy whose post gave way to a fuller one comes last: posted
            # again, the 快讯 would hold that fuller copy back.
            in_turn = sorted(copies, key=lambda c: c.reason == FULLER_COPY)
            if same_text is not None:
                text = same_text.get(retracted_id)
                in_turn = [c for c in in_turn if text is not None and c.fingerprint == text]
            first = next(
                (c for c in in_turn if c.configured and not (refused and refused(c))), None
            )
            if first is None:
                # Only feeds since removed carry it: a post of theirs would
                # wait unwritten, and later copies be held back behind it.
                continue
            heirs.append(replace(post_copy(conn, first, name_for), succeeds=retracted_id))
            original, original_feed = first.id, first.feed_id
            stories = [first]  # the posts its copies may follow, the heir first
        else:
            original_feed = conn.execute(
                select(entries.c.feed_id).where(entries.c.id == original)
            ).scalar_one()
            stories = []  # (the story it copies: its copies follow it there)
        follow: dict[int, list[int]] = {}
        listed: set[tuple[int, str]] | None = None
        for copy in copies:
            if copy.id == original:
                continue
            if copy.feed_id == original_feed and feeds_apart:
                heirs.append(post_copy(conn, copy, name_for))
                continue
            if tells is not None and stories:
                listed = _list_pages(conn, copies) if listed is None else listed
                told = next(
                    (s for s in stories if _follows(copy, s, tells, feeds_apart, listed)), None
                )
                if told is None and copy.configured:
                    heirs.append(post_copy(conn, copy, name_for))
                    stories.append(copy)
                    continue
                follow.setdefault(original if told is None else told.id, []).append(copy.id)
                continue
            follow.setdefault(original, []).append(copy.id)
        for post_id, ids in follow.items():
            conn.execute(
                update(entries)
                .where(entries.c.id.in_(ids))
                .values(
                    duplicate_of=post_id,
                    # (How alike it was is how alike to the post it followed before.)
                    reason=case(
                        (
                            or_(
                                entries.c.reason.like("similarity %"),
                                entries.c.reason.in_(("same text", "same article")),
                            ),
                            PASSED_ON,
                        ),
                        else_=entries.c.reason,
                    ),
                )
            )
    return heirs


def _follows(
    copy: Any,
    post: Any,
    tells: Callable[..., bool],
    feeds_apart: bool,
    listed: Collection[tuple[int, str]],
) -> bool:
    """May ``copy`` be held back behind ``post`` (rows)?  Never behind an
    item of its own feed, unless not ``feeds_apart`` (see hand_down); by
    their link only where neither's feed lists other items under it."""
    if feeds_apart and copy.feed_id == post.feed_id:
        return False
    by_link = (copy.feed_id, copy.link) not in listed and (post.feed_id, post.link) not in listed
    return bool(tells(copy, post, by_link=by_link))


def _list_pages(conn: Connection, rows: Sequence[Any]) -> set[tuple[int, str]]:
    """(feed id, link) of ``rows``' that their feed lists several items
    under (a live-news list page: no one story's address)."""
    links = sorted({row.link for row in rows if row.link})
    if not links:
        return set()
    query = (
        select(entries.c.feed_id, entries.c.link)
        .where(
            entries.c.feed_id.in_(sorted({row.feed_id for row in rows})),
            entries.c.link.in_(links),
        )
        .group_by(entries.c.feed_id, entries.c.link)
        .having(func.count() > 1)
    )
    return {(feed_id, link) for feed_id, link in conn.execute(query)}


def _with_feed_url(*columns: Any) -> Select[Any]:
    """Entries (and ``columns``) with their feed's URL, which names a copy's post."""
    return select(entries, feeds.c.url.label("feed_url"), *columns).select_from(
        entries.join(feeds, entries.c.feed_id == feeds.c.id)
    )


def _held_back_by(entry_id: int, *columns: Any) -> Select[Any]:
    """The copies ``entry_id`` holds back, earliest first."""
    moment = func.coalesce(entries.c.published_at, entries.c.first_seen_at)
    return (
        _with_feed_url(*columns)
        .where(entries.c.duplicate_of == entry_id, entries.c.status == "duplicate")
        .order_by(moment, entries.c.id)
    )


def follow(conn: Connection, copy_id: int, original_id: int) -> None:
    """A held-back copy follows another post of its story (its own changed)."""
    conn.execute(update(entries).where(entries.c.id == copy_id).values(duplicate_of=original_id))


def held_copies(conn: Connection, entry_id: int) -> list[Any]:
    """The copies ``entry_id`` holds back from feeds still configured,
    earliest first (rows with their title and content)."""
    return list(conn.execute(_held_back_by(entry_id).where(_configured())))


def promote(
    conn: Connection,
    copy_id: int,
    original_ids: Sequence[int],
    name_for: Callable[[str, Entry, int], str],
    reason: str = FULLER_COPY,
) -> list[Heir]:
    """A held-back copy that now tells its story fuller than the post that
    holds it back (its feed edited the 快讯 into the article; the teaser
    before it settled on its feed's text) takes that post, and the other
    posts of its story it tells: posted, those taken back (their files go
    after the pass: publish.retract), and the copies they held back follow.
    Returns the copies posted, this one first."""
    row = conn.execute(_with_feed_url().where(entries.c.id == copy_id)).one()
    heir = post_copy(conn, row, name_for)
    given = {original_id: copy_id for original_id in original_ids}
    retract(conn, {i: Decision("duplicate", reason, duplicate_of=copy_id) for i in given})
    return [heir, *hand_down(conn, given, name_for, feeds_apart=False)]


def back_in_config(conn: Connection, feed_ids: Sequence[int]) -> list[Any]:
    """Entries of ``feed_ids`` held back because their feed had left
    feedmill.yml (`hand_over`): rows of the entry (with its feed's URL) and,
    as ``holder_*``, of the post its story passed to — the entry's status,
    title and text, and its post's state, file name and written version."""
    if not feed_ids:
        return []
    holder = entries.alias("holder")
    query = (
        _with_feed_url(
            holder.c.status.label("holder_status"),
            holder.c.title.label("holder_title"),
            holder.c.content.label("holder_content"),
            posts.c.state.label("holder_state"),
            posts.c.file_name.label("holder_file"),
            posts.c.written_version.label("holder_written"),
        )
        .join(holder, holder.c.id == entries.c.duplicate_of)
        .outerjoin(posts, posts.c.entry_id == holder.c.id)
        .where(
            entries.c.feed_id.in_(feed_ids),
            entries.c.status == "duplicate",
            entries.c.reason.in_((FEED_LEFT, CAME_AGAIN)),
        )
    )
    return list(conn.execute(query))


def judged_again(conn: Connection, entry_id: int, reason: str) -> None:
    """A held-back copy's reason, judged again (its feed is back in the config)."""
    conn.execute(update(entries).where(entries.c.id == entry_id).values(reason=reason))


def post_copy(conn: Connection, copy: Any, name_for: Callable[[str, Entry, int], str]) -> Heir:
    """A held-back copy (a row of `hand_down`'s query) posted: active, and a
    pending post — its own retracted one again if it had one whose row a
    crash left (its file, if any, is then rewritten, not left beside)."""
    conn.execute(
        update(entries)
        .where(entries.c.id == copy.id)
        .values(status="active", reason=None, duplicate_of=None)
    )
    entry = entry_from_row(copy)
    posts_given(conn, [copy.id])
    again = conn.execute(
        update(posts).where(posts.c.entry_id == copy.id).values(state="pending")
    ).rowcount
    if not again:
        named = partial(name_for, copy.feed_url)
        _insert_posts(conn, [(copy.id, copy.key_hash)], {copy.key_hash: entry}, named)
    return Heir(copy.id, copy.feed_id, entry)


def ingest_entries(
    conn: Connection,
    feed_id: int,
    items: Sequence[Item],
    *,
    now: datetime,
    name_for: Callable[[Entry, int], str],
    decide: Callable[[int, Item], Decision] | None = None,
    keep_first_dates: bool = True,
) -> Ingested:
    """Upsert ``items`` of one feed; new entries get a pending post named by ``name_for``.

    ``name_for(entry, attempt)`` returns a file name; attempt > 0 asks for a
    longer, still deterministic, name after a collision.  ``decide(index,
    item)`` is asked about each new item, in order, within the transaction:
    blocked items and duplicates are stored without a post (a tombstone: the
    feed repeating them later finds them here and they stay out).
    ``keep_first_dates``: an item found under a new key keeps the dates its
    entry was stored with, as `with_first_dates` keeps an item's own.
    """
    positions = {item.key_hash: index for index, item in enumerate(items)}
    seen = first_seen_times(items, now)
    existing: dict[str, tuple[int, str, str | None]] = {}
    written_before: set[int] = set()
    hashes = list(positions)
    for chunk in _chunks(hashes):
        query = prepared.run(
            conn, _stored_versions, prepared.padded(len(chunk)), {"feed": feed_id}, {"h": chunk}
        )
        for h, i, v, name, state, written_version in query:
            # An archived or removed post stays as it is, whatever its item becomes.
            existing[h] = (i, v, None if state in OFF_SITE else name)
            if written_version is not None:
                written_before.add(i)

    items = _links_kept(conn, items, positions, existing)
    # Items found under the key they had before (`adopt_earlier_keys`) first.
    adopted = {
        item.key_hash: entry_id
        for item in items
        if (entry_id := item.entry.stored_as) is not None and item.key_hash not in existing
    }
    # (Not new to `_renamed`, their entries taken: matched to another's entry,
    # that one was posted again.)
    found = {digest: (entry_id, "", None) for digest, entry_id in adopted.items()}
    renamed = (
        _renamed(conn, feed_id, items, positions, existing | found, set(adopted.values())) | adopted
    )
    kept_text: frozenset[int] = frozenset()
    if renamed:
        stored_as = {positions[d]: i for d, i in renamed.items()}
        came = items
        items = _as_stored(conn, items, stored_as, keep_dates=keep_first_dates)
        kept_text = frozenset(
            i for i in stored_as if items[i].entry.content != came[i].entry.content
        )
    new_rows, changed_rows, rekeyed_rows, touched = [], [], [], []
    changed_ids: dict[int, int] = {}
    decisions: dict[str, Decision] = {}
    for digest, index in positions.items():
        item = items[index]
        if digest in renamed:
            # Its post is rewritten by publish(), which lists the copies of it
            # that other feeds brought (the worker's render does not).
            row = _row(item.entry, item.version)
            row.update(b_id=renamed[digest], key_hash=digest)
            rekeyed_rows.append(row)
            changed_ids[index] = renamed[digest]
        elif digest not in existing:
            decision = decide(index, item) if decide else PUBLISH
            decisions[digest] = decision
            row = _row(item.entry, item.version)
            row.update(
                feed_id=feed_id,
                key_hash=digest,
                first_seen_at=seen[index],
                status=decision.status,
                reason=decision.reason,
                duplicate_of=decision.duplicate_of,
                fingerprint=decision.fingerprint,
            )
            new_rows.append(row)
        elif existing[digest][1] != item.version:
            entry_id, _, file_name = existing[digest]
            row = _row(item.entry, item.version)
            row["b_id"] = entry_id
            changed_rows.append(row)
            changed_ids[index] = entry_id
            if file_name:
                was_written = entry_id in written_before
                touched.append(Touched(entry_id, file_name, index, False, was_written))

    # A post rekeyed (its guid changed, its link and date not) is rewritten by
    # publish(): counted unchanged with its feed until then, as a restyle's.
    rekeyed_posted = 0
    if rekeyed_rows:
        rekeyed_posted = conn.execute(
            select(func.count()).where(
                posts.c.entry_id.in_([r["b_id"] for r in rekeyed_rows]),
                posts.c.state.not_in(OFF_SITE),
            )
        ).scalar_one()
    for rows in (changed_rows, rekeyed_rows):
        if not rows:
            continue
        params: dict[str, Any] = {k: bindparam(k) for k in rows[0] if k != "b_id"}
        conn.execute(update(entries).where(entries.c.id == bindparam("b_id")).values(params), rows)
        conn.execute(
            update(posts)
            # (!= each: an IN list cannot be used in an executemany)
            .where(posts.c.entry_id == bindparam("b_id"), *(posts.c.state != s for s in OFF_SITE))
            .values(state="pending"),
            [{"b_id": r["b_id"]} for r in rows],
        )

    ids: list[tuple[int, str]] = []  # (id, key hash) of the new entries
    published: list[tuple[int, str]] = []  # … of those with a post
    if new_rows:
        # A plain executemany, then one query for the ids: RETURNING would
        # make SQLite insert row by row.
        insert_rows(conn, entries, new_rows)
        new_hashes = [str(r["key_hash"]) for r in new_rows]
        for chunk in _chunks(new_hashes):
            query = prepared.run(
                conn, _ids_of, prepared.padded(len(chunk)), {"feed": feed_id}, {"h": chunk}
            )
            ids.extend((row[0], row[1]) for row in query)
        published = [(i, d) for i, d in ids if decisions[d].status == "active"]
        by_hash = {digest: items[positions[digest]].entry for _, digest in published}
        names = _insert_posts(conn, published, by_hash, name_for)
        touched.extend(
            Touched(entry_id, names[entry_id], positions[digest], is_new=True)
            for entry_id, digest in published
        )

    statuses = [d.status for d in decisions.values()]
    return Ingested(
        tuple(touched),
        unchanged=len(items)
        - len(new_rows)
        - len(changed_rows)
        - len(rekeyed_rows)
        + rekeyed_posted,
        published={positions[digest]: entry_id for entry_id, digest in published},
        stored={
            **{positions[digest]: entry_id for entry_id, digest in ids},
            **changed_ids,
        },
        blocked=statuses.count("blocked"),
        duplicates=statuses.count("duplicate"),
        kept_text=kept_text,
    )


_T = TypeVar("_T")


def _chunks(values: list[_T]) -> Iterator[list[_T]]:
    for start in range(0, len(values), prepared.LONGEST):
        yield values[start : start + prepared.LONGEST]


def _stored_versions(size: int) -> Select[Any]:
    """Of a feed's entries by key hash: each one's id and version, and its post's
    file name, state and written version (none where it has no post)."""
    return (
        select(
            entries.c.key_hash,
            entries.c.id,
            entries.c.version,
            posts.c.file_name,
            posts.c.state,
            posts.c.written_version,
        )
        .select_from(entries.join(posts, posts.c.entry_id == entries.c.id, isouter=True))
        .where(
            entries.c.feed_id == bindparam("feed"),
            entries.c.key_hash.in_(prepared.listed("h", size)),
        )
    )


def _ids_of(size: int) -> Select[Any]:
    return select(entries.c.id, entries.c.key_hash).where(
        entries.c.feed_id == bindparam("feed"), entries.c.key_hash.in_(prepared.listed("h", size))
    )


class _Linked(NamedTuple):
    link: str
    id: int
    key_hash: str
    published_at: datetime | None
    title: str
    content: str
    updated_at: datetime | None
    version: str


def _stored_links(size: int) -> Select[Any]:
    """A feed's entries of the links asked, with what tells whether one is an item renamed."""
    return select(*(entries.c[name] for name in _Linked._fields)).where(
        entries.c.feed_id == bindparam("feed"), entries.c.link.in_(prepared.listed("link", size))
    )


def _renamed(
    conn: Connection,
    feed_id: int,
    items: Sequence[Item],
    positions: dict[str, int],
    existing: dict[str, tuple[int, str, str | None]],
    taken: Set[int] = frozenset(),
) -> dict[str, int]:
    """New keys of stored entries: key hash → id of the entry it now names.

    A feed that changes how it writes guids (a tracking parameter dropped, a
    new CMS, a guid made of the fetch time) sends its old items under new
    keys.  An item with a new key is a stored entry of the feed when it has
    that entry's link (or that link moved to https, or gained tracking
    parameters) — one the document no longer holds under its old key — and
    its date (or, undated, its title): a feed whose one item always links to
    the same page ("today's market") brings a new item every day.  Or, dated
    otherwise but within `REDATED`, its title and text (a route that dates
    its items by "3小时前" re-dates them on every fetch) — the feed's text:
    an entry holding an article is matched by its version, which is the
    feed's item's, where the item brings no article now (its page down, or
    gone) or one that is that article edited.  Several
    items and entries may share a page: each entry names one item at most,
    the one with its title first.  Items retitled under a new link, or
    without a link: see `_retitled`.
    """
    new = {d: items[i].entry for d, i in positions.items() if d not in existing}

    def same_text(digest: str, row: _Linked) -> bool:
        """Whether ``row`` holds the item's text: its own, or its feed's
        where it carries its article now (a post made while its page was
        down); or, dated as ``row``, the item is the feed's item ``row``
        holds with its article, and brings none now (its page down, or
        gone) or that article edited (a page that now tells another story
        under the same link, title and teaser is another item)."""
        item = items[positions[digest]]
        if row.content and row.content in (item.entry.content, item.feed_text):
            return True
        dated = item.dated(row.published_at, row.updated_at)
        return dated.stored_as(row.version) and (
            item.feed_text is None or one_story(item.entry.content, row.content)
        )

    by_link: dict[str, list[str]] = {}  # page (see _page) → new key hashes
    for digest, entry in new.items():
        if entry.link:
            by_link.setdefault(_page(entry.link), []).append(digest)
    links = [new[digests[0]].link or "" for digests in by_link.values()]
    # (The stored link as it was before tracking parameters were added to it.)
    asked = list(dict.fromkeys(variant for link in links for variant in _variants(link)))
    stored: dict[str, list[_Linked]] = {}
    for chunk in _chunks(asked):
        found = prepared.rows(
            conn, _stored_links, prepared.padded(len(chunk)), {"feed": feed_id}, {"link": chunk}
        )
        for row in map(_Linked._make, found):
            # (Not one the document lists under its own key, nor one taken.)
            if row.key_hash not in positions and row.id not in taken:
                stored.setdefault(_page(row.link), []).append(row)
    renamed: dict[str, int] = {}
    for page, digests in by_link.items():
        free = stored.get(page)
        if not free:
            continue
        # The title and date first, then the date alone (an edit may retitle),
        # then the title and text alone (re-dated); of entries alike (posted
        # twice before), the newest.
        for rule in ("title and date", "date", "title and text"):
            for digest in digests:
                if digest in renamed:
                    continue
                entry = new[digest]
                alike = [
                    row
                    for row in free
                    if (
                        _same_item(entry, row.published_at, row.title)
                        and (rule == "date" or row.title == entry.title)
                    )
                    or (
                        rule == "title and text"
                        and row.title == entry.title
                        and _near(entry.published, row.published_at)
                        and same_text(digest, row)
                    )
                ]
                if alike:
                    row = max(alike, key=lambda r: r.id)
                    renamed[digest] = row.id
                    free.remove(row)
    unmatched = {digest: entry for digest, entry in new.items() if digest not in renamed}
    claimed = set(renamed.values()) | taken  # (and those `taken` by items found otherwise)
    # Stored entries the document no longer lists, and no new key names yet:
    # none (a feed's first read, one that only grows) costs one count, not
    # a lookup by date built for each feed.
    listed_ids = {entry_id for entry_id, _, _ in existing.values()}
    if unmatched and _size(conn, feed_id) > len(listed_ids | claimed):
        renamed.update(_retitled(conn, feed_id, unmatched, positions.keys(), claimed))
        left = {d: e for d, e in unmatched.items() if d not in renamed}
        claimed = set(renamed.values()) | taken
        renamed.update(_undated_again(conn, feed_id, left, positions.keys(), claimed))
    return renamed


def _undated_again(
    conn: Connection,
    feed_id: int,
    new: Mapping[str, Entry],
    listed: Collection[str],
    claimed: Collection[int],
) -> dict[str, int]:
    """Of the ``new`` keys, those of stored items without a date under a new
    guid (one made of the fetch time), or a link a cache-buster changed
    (`_cache_busted`): the stored one of the same title and text that the
    document no longer lists.  Neither `_renamed` (no link, or another) nor
    `_retitled` (no date) looked for them: each pass posted the item again.
    (A notice of that title and text published again, undated and unlinked,
    is the same post: nothing tells them apart but when they were seen.)"""
    by_title: dict[str, list[str]] = {}
    for digest, entry in new.items():
        if entry.published is None and entry.title:
            by_title.setdefault(entry.title, []).append(digest)
    renamed: dict[str, int] = {}
    titles = list(by_title)
    for start in range(0, len(titles), _CHUNK):
        query = select(
            entries.c.id, entries.c.key_hash, entries.c.title, entries.c.content, entries.c.link
        ).where(
            entries.c.feed_id == feed_id,
            entries.c.published_at.is_(None),
            entries.c.title.in_(titles[start : start + _CHUNK]),
        )
        for row in conn.execute(query.order_by(entries.c.id.desc())):
            if row.key_hash in listed or row.id in claimed or row.id in renamed.values():
                continue
            text = keyed_text(row.content or "")
            for digest in by_title[row.title]:
                link = new[digest].link
                if (
                    digest not in renamed
                    # (Linked, a text to tell it by: two notices of one title
                    # alone may differ in their long ids alone.)
                    and (_cache_busted(link, row.link) and bool(text) if link else row.link is None)
                    and keyed_text(new[digest].content) == text
                    # (… and its pictures: a 每日一图 of one caption is another each day.)
                    and media_in(new[digest].content) == media_in(row.content or "")
                ):
                    renamed[digest] = row.id
                    break
    return renamed


def _size(conn: Connection, feed_id: int) -> int:
    """How many entries the feed ``feed_id`` has stored."""
    return int(prepared.run(conn, _feed_size, 0, {"feed": feed_id}).scalar_one())


def _feed_size(_: object) -> Select[Any]:
    return select(func.count()).select_from(entries).where(entries.c.feed_id == bindparam("feed"))


# How alike two titles must be (difflib's ratio) for an item without a link
# under a new key to be a stored one corrected: "央行开展20亿元逆回购" and
# "央行开展200亿元逆回购" are 0.97 alike, two flashes of one minute seldom 0.3.
_CORRECTED_TITLE = 0.6


def _retitled(
    conn: Connection,
    feed_id: int,
    new: Mapping[str, Entry],
    listed: Collection[str],
    claimed: Collection[int],
) -> dict[str, int]:
    """Of the ``new`` keys (key hash → entry), those of stored entries
    retitled under a new key: key hash → entry id.

    RSSHub writes an item's guid as its link, else its title: a flash
    without an article (a 快讯) comes back under a new guid when its headline
    is corrected.  Hugo and Jekyll make an article's link (and guid) of its
    title: a typo fixed moves both.  It is the stored entry of its date (to
    the second) that the document no longer holds (no key of ``listed``),
    without a link as the item, or with one of the item's site and the
    item's text, when that date has one such entry and one such new item,
    and their titles are alike.  (A feed that dates its items by the day
    lists many of one second: two stories headlined alike, "沪指高开" and
    "沪指高收", are told apart by their text.)  (``claimed``: entries other
    new keys were found to name.)
    """
    by_date: dict[datetime, list[str]] = {}
    for digest, entry in new.items():
        if entry.published and entry.title:
            by_date.setdefault(entry.published, []).append(digest)
    if not by_date:
        return {}
    gone: dict[datetime, list[Any]] = {}
    dates = list(by_date)
    for start in range(0, len(dates), _CHUNK):
        query = select(
            entries.c.id, entries.c.key_hash, entries.c.published_at, entries.c.title,
            entries.c.link, entries.c.content,
        ).where(
            entries.c.feed_id == feed_id,
            entries.c.published_at.in_(dates[start : start + _CHUNK]),
        )  # fmt: skip
        for row in conn.execute(query):
            if row.key_hash not in listed and row.id not in claimed:
                gone.setdefault(row.published_at, []).append(row)
    renamed: dict[str, int] = {}
    for date, digests in by_date.items():
        if len(digests) != 1:
            renamed.update(_requeried(new, digests, gone.get(date, [])))
            continue
        entry = new[digests[0]]
        rows = [row for row in gone.get(date, []) if _same_site(entry.link, row.link)]
        if len(rows) != 1:
            # (Two of its date stored: a copy an edit made, say — the one of
            # its text, if one is.)
            renamed.update(_requeried(new, digests, rows))
            continue
        row = rows[0]
        if entry.link and not _retitled_link(entry, row.link, row.content or "", row.title):
            continue
        if _alike(entry.title, row.title):
            renamed[digests[0]] = row.id
    return renamed


def _requeried(
    new: Mapping[str, Entry], digests: Sequence[str], rows: Sequence[Any]
) -> dict[str, int]:
    """Of ``digests`` (new keys of one date: a feed dated by the day), those
    of stored ``rows`` of that date under the link a cache-buster changed
    (`_cache_busted`), the same title and the same text (a notice list's
    next notice, its id long, has its own) — each naming one row, and one
    row named by one only."""
    found: dict[str, list[Any]] = {}
    for digest in digests:
        entry = new[digest]
        link, text = entry.link, keyed_text(entry.content)
        if link and text:
            found[digest] = [
                row
                for row in rows
                if row.title == entry.title
                and _cache_busted(link, row.link)
                and keyed_text(row.content or "") == text
            ]
    named = [row.id for matches in found.values() for row in matches]
    return {
        digest: matches[0].id
        for digest, matches in found.items()
        if len(matches) == 1 and named.count(matches[0].id) == 1
    }


def _links_kept(
    conn: Connection,
    items: Sequence[Item],
    positions: Mapping[str, int],
    existing: Mapping[str, tuple[int, str, str | None]],
) -> Sequence[Item]:
    """``items`` with the links their entries have, where a known item (its
    own guid) comes under a link a cache-buster changed (`_cache_busted`):
    each pass rewrote its post, with another placeholder picture.  Asked
    only of items whose version changed."""
    changed = {
        existing[digest][0]: index
        for digest, index in positions.items()
        if digest in existing
        and existing[digest][1] != items[index].version
        and items[index].entry.link
    }
    if not changed:
        return items
    out = list(items)
    ids = sorted(changed)
    for start in range(0, len(ids), _CHUNK):
        query = select(entries.c.id, entries.c.link).where(
            entries.c.id.in_(ids[start : start + _CHUNK])
        )
        for entry_id, stored in conn.execute(query):
            item = out[changed[entry_id]]
            link = item.entry.link
            if stored and link and _cache_busted(link, stored):
                out[changed[entry_id]] = item.linked(stored)
    return out


def _cache_busted(link: str, other: str | None) -> bool:
    """Whether two links name one page, told apart only by a value new on
    every fetch (`?from=rss&t=1765070000`, a session) or by a fragment that
    is no route (`#c2`, not `#/news/12`): a cache-buster."""
    one, two = urls.split(link), urls.split(other) if other else None
    if (
        one is None
        or two is None
        or one == two
        or (one.scheme.lower(), one.netloc.lower(), one.path)
        != (two.scheme.lower(), two.netloc.lower(), two.path)
    ):
        return False
    if one.query != two.query:
        first = parse_qsl(one.query, keep_blank_values=True)
        second = parse_qsl(two.query, keep_blank_values=True)
        if [name for name, _ in first] != [name for name, _ in second]:
            return False
        for (_, value), (_, again) in zip(first, second, strict=True):
            if value != again and not (
                urls.VOLATILE.fullmatch(value) and urls.VOLATILE.fullmatch(again)
            ):
                return False
    return "/" not in one.fragment and "/" not in two.fragment


# The longest strings `_alike` compares: difflib takes time as their lengths'
# product (a feed's 50,000-character title or link: seconds a pass).
_LONGEST_COMPARED = 1000


def _alike(one: str, other: str) -> bool:
    """Whether two titles (or slugs) are alike, as a corrected one is."""
    if len(one) > _LONGEST_COMPARED or len(other) > _LONGEST_COMPARED:
        return False
    return difflib.SequenceMatcher(None, one, other).ratio() >= _CORRECTED_TITLE


def _retitled_link(entry: Entry, link: str, content: str, title: str) -> bool:
    """Whether ``entry`` may be the stored item of ``link``, ``content`` and
    ``title`` whose title (and the link made of it) was corrected: the same
    text, one that says something — a title-only notice's names no item —
    and a path that differs as a slug corrected does (`_slug_corrected`); or
    of the same title, under the link a cache-buster changed (`_cache_busted`)."""
    text = keyed_text(entry.content)
    if not text or text != keyed_text(content):
        return False
    if entry.link and _cache_busted(entry.link, link):
        # The same page, told apart by a value new on every fetch — of the
        # same title too (a notice list's "贵州茅台：…公告" and "五粮液：…公告",
        # their text one line of boilerplate, their ids long, are two).
        return entry.title == title
    figures = _DIGITS.sub("0", entry.title) == _DIGITS.sub("0", title)
    return _slug_corrected(urls.path(entry.link), urls.path(link), figures=figures)


def _slug_corrected(path: str, other: str, *, figures: bool) -> bool:
    """Whether two paths differ as a title's slug corrected does: in parts
    alike (Chinese read from its escapes); or in their figures alone where
    the titles differ in theirs alone (``figures``: "Top 5 tools" corrected
    to "Top 6 tools").  Parts that differ in their figures alone, under
    titles that differ in words, are an announcement's or an article's
    number (`c_1130140001.htm`, `t20220920_3301.html`): a rolling list of
    notices had its new item take the post of the one that left it."""
    one, two = unquote(path).split("/"), unquote(other).split("/")
    pairs = (
        list(zip(one, two, strict=True))
        if len(one) == len(two)
        else [("/".join(one), "/".join(two))]
    )
    changed = [(a, b) for a, b in pairs if a != b]
    for a, b in changed:
        if _DIGITS.sub("0", a) == _DIGITS.sub("0", b):
            if not figures:
                return False
        elif not _alike(a, b):
            return False
    return bool(changed)


_DIGITS = re.compile(r"\d+")


def _same_site(link: str | None, other: str | None) -> bool:
    """Both without a link, or both links of one host."""
    if not link or not other:
        return not link and not other
    return urls.host(link) != "" and urls.host(link) == urls.host(other)


def _insert_posts(
    conn: Connection,
    ids: Sequence[tuple[int, str]],
    by_hash: dict[str, Entry],
    name_for: Callable[[Entry, int], str],
) -> dict[int, str]:
    """A pending post per new entry; returns entry id → file name."""
    if not ids:
        return {}
    names = {entry_id: name_for(by_hash[digest], 0) for entry_id, digest in ids}
    savepoint = conn.begin_nested()
    try:
        insert_rows(conn, posts, [{"entry_id": i, "file_name": n} for i, n in names.items()])
        savepoint.commit()
        return names
    except IntegrityError:
        savepoint.rollback()
    # A file name is taken (practically only by a crafted collision): insert
    # one by one, lengthening the name until it is free.
    for entry_id, digest in ids:
        for attempt in range(8):
            name = name_for(by_hash[digest], attempt)
            savepoint = conn.begin_nested()
            try:
                conn.execute(insert(posts), {"entry_id": entry_id, "file_name": name})
                savepoint.commit()
                names[entry_id] = name
                break
            except IntegrityError:
                savepoint.rollback()
        else:  # pragma: no cover - 8 lengths of sha256 all taken
            raise RuntimeError(f"no free file name for entry {entry_id}")
    return names
