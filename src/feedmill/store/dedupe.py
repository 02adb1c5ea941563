"""Near-duplicate lookups in the database: LSH bands by day, exact copies.

Bands are kept only for the days a new story can still be compared with
(the dedupe window); older rows are pruned, so the table's size follows the
number of stories per day, not the age of the site.  Entries themselves
(and their text hash, for exact copies) are kept for ever.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    TextClause,
    bindparam,
    delete,
    func,
    select,
    text,
    update,
)

from feedmill import urls
from feedmill.filter.dedupe import DedupePolicy
from feedmill.filter.dedupe.decide import (
    FULLER,
    Verdict,
    again,
    decide,
    fuller,
    parts_of_one_story,
    unlike,
)
from feedmill.filter.dedupe.lsh import story_keys
from feedmill.filter.dedupe.text import Fingerprint, dump, fingerprint, load, load_words
from feedmill.models import Entry
from feedmill.store import prepared
from feedmill.store.bulk import insert_values
from feedmill.store.dedupe_upkeep import day_of
from feedmill.store.schema import dedupe_bands, dedupe_prints, entries

if TYPE_CHECKING:
    from feedmill.store.entries import Heir


@dataclass(frozen=True, slots=True)
class Story:
    """A new entry, ready to be compared."""

    fingerprint: Fingerprint
    bands: tuple[int, ...]
    moment: datetime
    link: str | None
    stored: str = ""  # the fingerprint as dedupe_prints keeps it (text.dump)


def story_of(entry: Entry, now: datetime) -> Story:
    """The fingerprint and LSH bands of a new entry (pure; no database).

    The shingles go once the bands are made: nothing else reads them, and a
    feed's stories are all held until its transaction (one document of
    12,000 items: 20 MB less at its peak)."""
    return _story(entry.title, entry.content, entry.date or now, entry.link)


def _story(title: str, content: str, moment: datetime, link: str | None) -> Story:
    print_ = fingerprint(title, content)
    kept = replace(print_, shingles=(), lead=())
    # Dumped here, before the write lock is taken, not inside it (see add).
    return Story(kept, story_keys(print_), moment, link, dump(kept))


# Any constant: the key of PostgreSQL's transaction-scoped advisory lock.
_LOCK_KEY = 0x6665_6564_6D69  # "feedmi"


def lock(conn: Connection) -> None:
    """Serialize dedupe decisions across workers until this transaction ends.

    Two copies of one story reaching two workers at once must not both be
    published.  SQLite's write transactions (BEGIN IMMEDIATE) already run one
    at a time; PostgreSQL runs them side by side, so it takes a lock — before
    inserting any new entry, which keeps ids in commit order (`Arrivals`).
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


@dataclass(frozen=True, slots=True)
class Match:
    original_id: int
    verdict: Verdict
    fuller: bool = False  # the new story is the stored one's fuller telling (`decide.fuller`)
    # Of a fuller telling, the other stored stories it tells fuller that are
    # parts of its story (`parts_of_one_story`), most alike first: a 快讯 of
    # its lead and one of a later paragraph, which the decision finds two
    # stories, are both this article's copies.
    also: tuple[int, ...] = ()


MAX_CANDIDATES = 24  # stored stories verified per new story, most alike first
# Newest stories read per band key.  A key shared by hundreds of stories in a
# few days comes from templated text and says little; reading all of them
# made a lookup cost grow with the site (on templated text a cold run of
# 1,000 stories took 16 s, 2 s without dedupe; of 5,000, 446 s); this bounds
# it at PER_BAND × bands rows.
PER_BAND = 40
_CACHE_LIMIT = 2_000  # fingerprints kept per database; emptied when full
# Fingerprints already read, per database: entry ids are only unique within
# one (two sites mapped in one process both have an entry 1).  A stored one
# is first read in part (`load_words`), with its dump kept for the rest.
_Cached = tuple[Fingerprint, datetime, str | None, int]  # print, moment, dump if in part, feed
_CACHES: WeakKeyDictionary[Engine, dict[int, _Cached]] = WeakKeyDictionary()


def _cache(conn: Connection) -> dict[int, _Cached]:
    return _CACHES.setdefault(conn.engine, {})


def _remember(cached: dict[int, _Cached], entry_id: int, value: _Cached) -> _Cached:
    if len(cached) >= _CACHE_LIMIT:
        cached.clear()  # cheaper than keeping an order, and refilled in a few stories
    cached[entry_id] = value
    return value


# Plain SQL, compiled once per size of its list (`prepared`): built with
# SQLAlchemy constructs on every story, or with an expanding list, these
# cost more than running them.
@cache
def _prints(size: int) -> TextClause:
    listed = ", ".join(f":id{i}" for i in range(size))
    return text(
        "SELECT p.entry_id, p.moment, p.data, e.feed_id FROM dedupe_prints AS p"
        f" JOIN entries AS e ON e.id = p.entry_id WHERE p.entry_id IN ({listed})"
    )


def _stored(
    conn: Connection, ids: Iterable[int], story: Story, window: timedelta, own_feed: int
) -> dict[int, _Cached]:
    """Fingerprints of the stored stories ``ids`` within ``window`` of
    ``story``, less those of the feed ``own_feed``."""
    out: dict[int, _Cached] = {}
    wanted = []
    cached = _cache(conn)
    for i in ids:
        if i in cached:
            if cached[i][3] != own_feed and abs(cached[i][1] - story.moment) <= window:
                out[i] = cached[i]
        else:
            wanted.append(i)
    if not wanted:
        return out
    found = set()
    read = [
        row
        for start in range(0, len(wanted), prepared.LONGEST)
        for chunk in [wanted[start : start + prepared.LONGEST]]
        for row in prepared.run(conn, _prints, prepared.padded(len(chunk)), {}, {"id": chunk})
    ]
    for entry_id, seconds, data, feed_id in read:
        found.add(entry_id)
        moment = datetime.fromtimestamp(seconds, UTC)
        if feed_id != own_feed and abs(moment - story.moment) <= window:  # else not worth parsing
            out[entry_id] = _remember(cached, entry_id, (load_words(data), moment, data, feed_id))
    # Indexed before fingerprints were stored: computed from the text.
    missing = [i for i in wanted if i not in found]
    if missing:
        moment_ = func.coalesce(entries.c.published_at, entries.c.first_seen_at)
        query = select(
            entries.c.id, entries.c.title, entries.c.content, moment_.label("moment"),
            entries.c.feed_id,
        ).where(entries.c.id.in_(missing))  # fmt: skip
        for row in conn.execute(query):
            stamp = row.moment if row.moment.tzinfo else row.moment.replace(tzinfo=UTC)
            print_ = replace(fingerprint(row.title, row.content), shingles=(), lead=())
            value = _remember(cached, row.id, (print_, stamp, None, row.feed_id))
            if row.feed_id != own_feed and abs(stamp - story.moment) <= window:
                out[row.id] = value
    return out


def _days(story: Story, policy: DedupePolicy) -> tuple[int, int]:
    """The band days a story within the window of ``story`` can have."""
    span = -(-policy.window // timedelta(days=1))  # whole days, rounded up
    day = day_of(story.moment)
    return day - span, day + span


def _most_alike(counts: Counter[int]) -> list[int]:
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return [entry_id for entry_id, _ in ranked[:MAX_CANDIDATES]]


def _verify(
    conn: Connection, story: Story, policy: DedupePolicy, candidates: list[int], own_feed: int
) -> Match | None:
    best: Match | None = None
    told_fuller: dict[int, tuple[Match, Fingerprint]] = {}
    # Two items of one feed are two stories (the same one again comes under
    # its own key): boilerplate they share (a site's footer, a daily
    # template) must not make one a copy of the other — `_stored` leaves
    # the story's own feed out.
    found = _stored(conn, candidates, story, policy.window, own_feed)
    for entry_id, (stored, moment, dumped, feed_id) in sorted(found.items()):
        # The same text was judged by `_exact_copy`, which knows the links.
        if stored.text_hash == story.fingerprint.text_hash:
            continue
        # Most candidates share a band by chance: their words alone rule them out.
        if unlike(story.fingerprint, stored, policy.threshold):
            continue
        if dumped is not None:
            stored = load(dumped)
            _remember(_cache(conn), entry_id, (stored, moment, None, feed_id))
        verdict = decide(
            story.fingerprint, stored, policy.threshold, apart=abs(moment - story.moment)
        )
        if not verdict.duplicate:
            continue
        match = Match(entry_id, verdict, fuller(story.fingerprint, stored))
        if match.fuller:
            told_fuller[entry_id] = (match, stored)
        # The most alike — but first one it is no fuller telling of: posted
        # in another's place, it would copy that one, on the site too.
        if best is None or _rank(match) < _rank(best):
            best = match
    if best is None or not best.fuller or len(told_fuller) < 2:
        return best
    told = told_fuller[best.original_id][1]
    others = sorted(
        (
            m
            for m, print_ in told_fuller.values()
            if m is not best and parts_of_one_story(told, print_, story.fingerprint)
        ),
        key=_rank,
    )
    return replace(best, also=tuple(m.original_id for m in others))


def _rank(match: Match) -> tuple[bool, float]:
    return match.fuller, -match.verdict.similarity


# The newest first: a short notice that recurs daily shares its text with
# hundreds of entries, of which only the latest can be its copy.
_EXACT_SQL = (
    "SELECT id, feed_id, fingerprint, link, published_at, first_seen_at FROM entries"
    " WHERE status = 'active' AND ({}) ORDER BY id DESC LIMIT 50"
)
_EXACT_COLUMNS = (
    entries.c.id,
    entries.c.feed_id,
    entries.c.fingerprint,
    entries.c.link,
    entries.c.published_at,
    entries.c.first_seen_at,
)
# Plain SQL: building these with SQLAlchemy constructs cost more than running them.
_EXACT = text(_EXACT_SQL.format("fingerprint = :hash")).columns(*_EXACT_COLUMNS)
_EXACT_BY_LINK = text(
    _EXACT_SQL.format("fingerprint = :hash OR link = :link OR link = :other")
).columns(*_EXACT_COLUMNS)
_Exact = tuple[int, int, str | None, str | None, datetime]  # id, feed, hash, link, moment


def _moment(published: datetime | None, first_seen: datetime) -> datetime:
    moment = published or first_seen
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _exact_copy(
    rows: Sequence[_Exact], story: Story, policy: DedupePolicy, own_feed: int
) -> int | None:
    """Of ``rows`` (stored entries with the story's text hash or link), the
    one published nearest to ``story`` that is the same article.

    The same text is the same article at any age when the text says enough
    by itself — less than 20 hours apart if it is a notice that speaks of
    its own day.  A short one ("央行今日不开展逆回购操作") is a copy only
    within the window and less than half a day apart: a routine notice
    comes back word for word the next day (`decide.again`).  Nor is it a
    copy from another address on the same site: per-company feeds of one
    exchange site list notices by a title that names no company
    ("2026年第三季度报告").  The same link is the same article, unless
    several entries of one feed share it: then it is a list page.
    """
    per_feed = Counter(feed for _, feed, _, link, _ in rows if urls.one_address(link, story.link))
    shared_link = any(count > 1 for count in per_feed.values())
    mine = story.fingerprint
    found: list[tuple[timedelta, int]] = []
    for entry_id, feed_id, text_hash, link, moment in rows:
        if feed_id == own_feed:
            continue
        apart = abs(moment - story.moment)
        same_link = (
            urls.one_address(link, story.link) and urls.names_a_story(link) and not shared_link
        )
        same_text = (
            text_hash == mine.text_hash
            and not again(mine, apart)
            and (mine.identifying or (apart <= policy.window and not _elsewhere(link, story)))
        )
        if same_link or same_text:
            found.append((apart, entry_id))
    return min(found)[1] if found else None


def _elsewhere(link: str | None, story: Story) -> bool:
    """Is ``link`` another article of the site that ``story`` links to?  Not
    the same page written another way: over http and https, or with a
    tracking query (``utm_source=…``, ``spm=…``) added."""
    return (
        urls.names_a_story(link)
        and urls.names_a_story(story.link)
        and urls.host(link) == urls.host(story.link)
        and _page(link) != _page(story.link)
    )


def _page(link: str | None) -> str:
    """A link as the page it names: without its scheme, tracking parameters
    and fragment — unless the fragment is a route (``#/notice/600519``, a
    single-page site's article)."""
    parts = urls.split(link) if link else None
    if parts is None:
        return link or ""
    query = urls.without_tracking(f"?{parts.query}").removeprefix("?")
    route = parts.fragment if parts.fragment.startswith(("/", "!")) else ""
    return f"{(parts.hostname or '').lower()}{parts.path or '/'}?{query}#{route}"


@cache
def _per_band_query(count: int) -> TextClause:
    # Plain SQL, built once per band count: the same statement made with
    # SQLAlchemy constructs cost more to build than to run.
    part = (
        "SELECT entry_id FROM (SELECT entry_id FROM dedupe_bands"
        " WHERE band = :b{i} AND day BETWEEN :first AND :last"
        f" ORDER BY day DESC, entry_id DESC LIMIT {PER_BAND}) AS p{{i}}"
    )
    hits = " UNION ALL ".join(part.format(i=i) for i in range(count))
    # The most alike first: more shared band keys, higher Jaccard.
    return text(
        f"SELECT entry_id FROM ({hits}) AS hits GROUP BY entry_id"
        f" ORDER BY count(*) DESC, entry_id LIMIT {MAX_CANDIDATES}"
    )


_PRINT_OF = text("SELECT data FROM dedupe_prints WHERE entry_id = :id")


def _tells_more(conn: Connection, story: Story, entry_id: int) -> bool:
    """Whether ``story`` tells the stored story ``entry_id`` (the same article,
    by its link) at FULLER times its words: one feed's full text of another
    feed's summary.  Unknown (no stored print) is no."""
    if len(story.fingerprint.words) < FULLER:
        return False
    data = conn.execute(_PRINT_OF, {"id": entry_id}).scalar()
    return data is not None and len(story.fingerprint.words) >= FULLER * len(load_words(data).words)


def print_of(conn: Connection, entry_id: int) -> Fingerprint | None:
    """The stored fingerprint of a published story, if it has one."""
    data = conn.execute(_PRINT_OF, {"id": entry_id}).scalar()
    return None if data is None else load(data)


def published(conn: Connection, entry_ids: Iterable[int]) -> set[int]:
    """Those of ``entry_ids`` that are stories' originals still."""
    ids = sorted(entry_ids)
    return set(
        conn.execute(
            select(entries.c.id).where(entries.c.id.in_(ids), entries.c.status == "active")
        ).scalars()
    )


def watermark(conn: Connection) -> int:
    """The newest entry id: what `find_original` saw, for `Arrivals` to go on from."""
    return conn.execute(select(func.max(entries.c.id))).scalar() or 0


def find_original(
    conn: Connection, story: Story, policy: DedupePolicy, own_feed: int
) -> Match | None:
    """The earlier published entry ``story`` is a copy of, if there is one.

    A read: workers call it before taking the write lock, then ask
    `Arrivals` about what was stored in between.
    """
    # Verbatim copies and the same article linked from another feed (see _exact_copy).
    by_link = urls.names_a_story(story.link)
    rows = [
        (r.id, r.feed_id, r.fingerprint, r.link, _moment(r.published_at, r.first_seen_at))
        for r in conn.execute(
            _EXACT_BY_LINK if by_link else _EXACT,
            {
                "hash": story.fingerprint.text_hash,
                "link": story.link,
                "other": urls.other_scheme(story.link),
            },
        )
    ]
    found = _exact_copy(rows, story, policy, own_feed)
    if found is not None:
        return Match(found, Verdict(True, "same article", 1.0), _tells_more(conn, story, found))
    if not story.bands:
        return None
    first, last = _days(story, policy)
    return _verify(conn, story, policy, candidates(conn, story.bands, first, last), own_feed)


def candidates(conn: Connection, keys: Sequence[int], first: int, last: int) -> list[int]:
    """Stored stories that share band keys with ``keys`` (days first…last),
    the most alike first: at most MAX_CANDIDATES, from the newest PER_BAND
    stories of each key."""
    params: dict[str, int] = {"first": first, "last": last}
    params.update((f"b{i}", band) for i, band in enumerate(keys))
    # (The driver's SQL: SQLAlchemy's execution of it cost half again.)
    return list(prepared.run(conn, _per_band_query, len(keys), params).scalars())


@dataclass(frozen=True, slots=True)
class Arrivals:
    """Stories stored after a `watermark`: read inside the write transaction.

    New entries are inserted only under the dedupe lock (see `lock`), so ids
    grow in commit order and everything at or below the watermark was seen
    by `find_original`.
    """

    exact: tuple[_Exact, ...]
    bands: dict[int, tuple[tuple[int, int], ...]]  # band → (entry id, day)

    @classmethod
    def since(cls, conn: Connection, mark: int) -> Arrivals:
        rows = conn.execute(
            select(*_EXACT_COLUMNS)
            .where(entries.c.id > mark, entries.c.status == "active")
            .order_by(entries.c.id)
        )
        exact = tuple(
            (r.id, r.feed_id, r.fingerprint, r.link, _moment(r.published_at, r.first_seen_at))
            for r in rows
        )
        by_band: dict[int, list[tuple[int, int]]] = {}
        if exact:
            for band, entry_id, day in conn.execute(
                select(dedupe_bands.c.band, dedupe_bands.c.entry_id, dedupe_bands.c.day).where(
                    dedupe_bands.c.entry_id > mark
                )
            ):
                by_band.setdefault(band, []).append((entry_id, day))
        return cls(exact, {band: tuple(hits) for band, hits in by_band.items()})

    def find_original(
        self, conn: Connection, story: Story, policy: DedupePolicy, own_feed: int
    ) -> Match | None:
        same = [
            row
            for row in self.exact
            if row[2] == story.fingerprint.text_hash or urls.one_address(row[3], story.link)
        ]
        found = _exact_copy(same, story, policy, own_feed) if same else None
        if found is not None:
            return Match(found, Verdict(True, "same article", 1.0), _tells_more(conn, story, found))
        first, last = _days(story, policy)
        counts: Counter[int] = Counter(
            entry_id
            for band in story.bands
            for entry_id, day in self.bands.get(band, ())
            if first <= day <= last
        )
        return _verify(conn, story, policy, _most_alike(counts), own_feed) if counts else None


# Stories whose band rows go in one INSERT: a row is a dict of three until the
# driver has it, and one 5,000-item document's 255,000 of them at once were a
# fifth of its pass's peak memory.
STORIES_PER_INSERT = 500


def add_posted(conn: Connection, posted: Iterable[Heir], now: datetime) -> None:
    """Index held-back copies posted now in another's place (`Heir`s): later
    copies of their stories are found in them."""
    for heir in posted:
        add(conn, heir.feed_id, [(heir.entry_id, story_of(heir.entry, now))])


def add(conn: Connection, feed_id: int, rows: Sequence[tuple[int, Story]]) -> None:
    """Index published stories of the feed ``feed_id``: later copies of them will be found."""
    for start in range(0, len(rows), STORIES_PER_INSERT):
        chunk = rows[start : start + STORIES_PER_INSERT]
        days = [day_of(story.moment) for _, story in chunk]
        # In key order: each index page is then visited once, not at random.
        keys = sorted(
            (band, day, entry_id)
            for (entry_id, story), day in zip(chunk, days, strict=True)
            for band in story.bands
        )
        insert_values(conn, dedupe_bands, ("band", "day", "entry_id"), keys)
    insert_values(
        conn,
        dedupe_prints,
        ("entry_id", "moment", "data"),
        [
            (entry_id, int(story.moment.timestamp()), story.stored or dump(story.fingerprint))
            for entry_id, story in rows
            if story.bands
        ],
    )
    cached = _cache(conn)
    for entry_id, story in rows:
        # Without its shingles: only its bands needed them, and they are its bulk.
        print_ = replace(story.fingerprint, shingles=(), lead=())
        _remember(cached, entry_id, (print_, story.moment, None, feed_id))


def replace_stories(conn: Connection, feed_id: int, rows: Sequence[tuple[int, Story]]) -> None:
    """Index stored entries again after their text changed (a flash item that
    became a full article): their bands, print and exact-copy hash follow the
    new text — else a copy of the new text from another feed would be posted,
    and one of the old text still found.  Only published stories are indexed.

    Other workers' caches may hold the old print until they are emptied; at
    worst one copy there is judged against the old text.
    """
    if not rows:
        return
    ids = [entry_id for entry_id, _ in rows]
    conn.execute(delete(dedupe_bands).where(dedupe_bands.c.entry_id.in_(ids)))
    conn.execute(delete(dedupe_prints).where(dedupe_prints.c.entry_id.in_(ids)))
    _set_text_hashes(conn, rows)
    published = set(
        conn.execute(
            select(entries.c.id).where(entries.c.id.in_(ids), entries.c.status == "active")
        ).scalars()
    )
    cached = _cache(conn)
    for entry_id in ids:
        cached.pop(entry_id, None)
    add(conn, feed_id, [(entry_id, story) for entry_id, story in rows if entry_id in published])


def _set_text_hashes(conn: Connection, rows: Sequence[tuple[int, Story]]) -> None:
    """Each entry's exact-copy hash: its story's text hash."""
    conn.execute(
        update(entries)
        .where(entries.c.id == bindparam("b_id"))
        .values(fingerprint=bindparam("b_hash")),
        [{"b_id": entry_id, "b_hash": story.fingerprint.text_hash} for entry_id, story in rows],
    )


def index_rows(conn: Connection, rows: Sequence[Row[*tuple[Any, ...]]]) -> None:
    """Index stored entries (`dedupe_upkeep.index_unindexed`'s rows): their
    fingerprints, text hashes and bands."""
    by_feed: dict[int, list[tuple[int, Story]]] = {}
    for row in rows:
        dated = row.published_at or row.updated_at or row.first_seen_at
        story = _story(row.title, row.content, dated, row.link)
        by_feed.setdefault(row.feed_id, []).append((row.id, story))
    for feed_id, indexed in by_feed.items():
        _set_text_hashes(conn, indexed)
        add(conn, feed_id, indexed)
