"""Full-text search over every stored entry: SQLite FTS5 or PostgreSQL tsvector.

One index row per entry (whatever its status; ``search`` filters), holding
the jieba-segmented tokens of ``feedmill.search.tokens`` in four fields:
title words, body words, title parts, body parts.  Both backends are given
the tokens ready-made and match exactly those, as ``tokens.lookup`` says
(phrases in the words fields only), so they agree:

* SQLite: the contentless FTS5 table ``search_index`` (rowid = entries.id),
  its ``unicode61`` tokenizer only splitting at the spaces we put in; ranked
  by bm25, the title scored apart from the body (see ``_sqlite_score``).
  The tokens given to it are kept zlib-compressed in
  ``search_index_tokens``, as FTS5 needs them to forget a row: a quarter to
  a third smaller than FTS5 keeping its own copy.
* PostgreSQL: ``search_index(entry_id, document tsvector)`` with a GIN index;
  the tsvector and the tsquery are written here, position by position, not
  by PostgreSQL's parser (which would split "c++" and read tsquery syntax
  in user input); weights A–D tell title words, title parts, body words and
  body parts apart, for ranking them (see ``_pg_score``).

Neither table is in ``schema.metadata``: migration 0005 creates them.
Snippets come from the original text of the page of hits only
(``feedmill.search.snippet``).  ``index`` is meant to run inside the ingest
transaction, for new and changed entries.
"""

from __future__ import annotations

import zlib
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Integer,
    LargeBinary,
    Row,
    Select,
    bindparam,
    case,
    cast,
    column,
    delete,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.sql.expression import ColumnClause

from feedmill.search.snippet import Segment, marked, match_spans, segments, snippet
from feedmill.search.tokens import (
    IndexTokens,
    Lookup,
    Phrase,
    QueryTerms,
    index_tokens,
    index_version,
    lookup,
    query_tokens,
    visible_text,
)
from feedmill.store import meta as store_meta
from feedmill.store.database import reading
from feedmill.store.posts import on_site
from feedmill.store.schema import entries, feeds, posts, search_pending
from feedmill.urls import usable

TABLE = "search_index"
# SQLite only: the tokens each entry was indexed with, zlib-compressed.
TOKENS_TABLE = "search_index_tokens"
# FTS5 columns, in order; phrases are looked up in the first two only.
COLUMNS = ("title", "body", "title_parts", "body_parts")
# bm25 weights of the columns for the body's score: words over parts.
BODY_WEIGHTS = (0.0, 1.0, 0.0, 0.5)
# ... and for the title's: so high that one match saturates bm25 (see _sqlite_score).
TITLE_WEIGHTS = (1e6, 0.0, 1e6, 0.0)
# A title match is worth this many times the most that body matches can add.
TITLE_FACTOR = 10.0
# ts_rank_cd's weights, in PostgreSQL's order
# {D, C, B, A}: body parts, body words, title parts, title words — for the
# title's score and the body's, as on SQLite (see _pg_score).
TS_TITLE_WEIGHTS = "{0,0,1,1}"
TS_BODY_WEIGHTS = "{0.5,1,0,0}"
# ts_rank_cd's normalization 32: rank / (rank + 1).
_RANK_OVER_RANK_PLUS_ONE = 32
# The tokenizer FTS5 runs over our space-separated tokens: '+' and '#' are
# part of tokens (c++, c#), as in tokens.PIECE; no diacritics folding, as
# PostgreSQL has none either.
FTS5_TOKENIZE = "unicode61 remove_diacritics 0 tokenchars '+#.'"  # (2.1, C++, C#)
_MAX_POSITION = 16383  # PostgreSQL's; later positions are clamped to it
_MAX_POSITIONS = 256  # a lexeme's positions PostgreSQL keeps; it drops the others
_MAX_TSVECTOR = 1_000_000  # bytes of lexemes and positions; PostgreSQL's limit is 1 MiB - 1
_CHUNK = 500
_META_KEY = "search_index"
# Set while an index emptied to be made again (`start_over`) is being
# filled: runs index new items meanwhile, so the index is not empty, and the
# next search still builds it — not "items stored since the last search".
_REBUILDING_KEY = "search_index_rebuilding"
# Entries below which reindex_all does not start worker processes.
_PARALLEL_THRESHOLD = 5000

_fts = table(TABLE, column("rowid", Integer))
_tokens = table(TOKENS_TABLE, column("entry_id", Integer), column("tokens", LargeBinary))
_fts_match: ColumnClause[Any] = literal_column(TABLE)
_pg = table(TABLE, column("entry_id", Integer), column("document"))
# The entry's date: when it was published, or first seen if it does not say.
entry_date = func.coalesce(entries.c.published_at, entries.c.first_seen_at)


@dataclass(frozen=True, slots=True)
class SearchDoc:
    """What is indexed of an entry: its title and its visible text (not HTML)."""

    entry_id: int
    title: str
    text: str

    @classmethod
    def of(cls, entry_id: int, title: str, content_html: str) -> SearchDoc:
        """From a stored entry's title and (sanitized HTML) content; an untitled
        entry's title is the one its post shows, made from its text."""
        if not title:
            from feedmill.publish.render import headline

            title = headline(content_html) or ""
        return cls(entry_id, title, visible_text(content_html))

    def tokenized(self) -> TokenizedDoc:
        title, body = index_tokens(self.title), index_tokens(self.text)
        return TokenizedDoc(self.entry_id, title, body, _pack(_fields(title, body)))


@dataclass(frozen=True, slots=True)
class TokenizedDoc:
    """A SearchDoc segmented already.

    Segmenting costs about half a millisecond per thousand characters: done
    before the ingest transaction begins (``dataclasses.replace`` sets the
    entry id once known), it keeps SQLite's write lock short.
    """

    entry_id: int
    title: IndexTokens
    body: IndexTokens
    packed: bytes = b""  # the tokens as search_index_tokens keeps them (_pack)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A search: ``text`` as typed (see ``tokens.query_tokens``) and filters.

    ``feed_ids``: only these feeds (the caller maps groups and sources to
    them); ``since`` <= entry date < ``until``; ``statuses``: entry statuses
    to include, None for all.
    """

    text: str
    feed_ids: Collection[int] | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 20
    offset: int = 0
    statuses: Collection[str] | None = ("active",)


@dataclass(frozen=True, slots=True)
class Hit:
    """One result.  ``score``: higher is more relevant (comparable within one search only)."""

    entry_id: int
    feed_id: int
    title: str
    link: str | None
    date: datetime  # published, else first seen; aware UTC
    snippet: str  # an excerpt of the visible text, matches between the markers
    score: float
    # The same excerpt, and the whole title, as (text, is a match) segments:
    # for rendering without parsing markers (terminal colour, escaped HTML).
    snippet_segments: tuple[Segment, ...] = ()
    title_segments: tuple[Segment, ...] = ()
    # Held back (found with ``held_back=True``): "duplicate" or "blocked", why,
    # and for a copy the story it copies, as (title, link).
    status: str = "active"
    reason: str | None = None
    original: tuple[str, str | None] | None = None


def _dialect(conn: Connection) -> str:
    name = conn.dialect.name
    if name not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"full-text search does not support {name}")
    return name


# -- writing the index ---------------------------------------------------------------------


def index(conn: Connection, docs: Sequence[SearchDoc | TokenizedDoc]) -> None:
    """Index ``docs``, replacing what was indexed for their entries before."""
    if not docs:
        return
    latest = {doc.entry_id: doc for doc in docs}  # the last of one entry wins
    tokenized = [
        doc if isinstance(doc, TokenizedDoc) else doc.tokenized() for doc in latest.values()
    ]
    if _dialect(conn) == "sqlite":
        _sqlite_forget(conn, list(latest))
        _executemany(
            conn,
            f"INSERT INTO {TABLE} (rowid, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?)",
            [(d.entry_id, *_fields(d.title, d.body)) for d in tokenized],
        )
        _executemany(
            conn,
            f"INSERT INTO {TOKENS_TABLE} (entry_id, tokens) VALUES (?, ?)",
            [(d.entry_id, d.packed or _pack(_fields(d.title, d.body))) for d in tokenized],
        )
    else:
        conn.execute(
            text(
                f"INSERT INTO {TABLE} (entry_id, document) VALUES (:id, CAST(:doc AS tsvector)) "
                "ON CONFLICT (entry_id) DO UPDATE SET document = EXCLUDED.document"
            ),
            [{"id": d.entry_id, "doc": _tsvector(d.title, d.body)} for d in tokenized],
        )


def _fields(title: IndexTokens, body: IndexTokens) -> tuple[str, str, str, str]:
    """An entry's four FTS5 columns (COLUMNS' order)."""
    return title.words, body.words, title.parts, body.parts


def _executemany(conn: Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    if rows:
        conn.exec_driver_sql(sql, rows)


def _pack(fields: Sequence[str]) -> bytes:
    return zlib.compress("\x1f".join(fields).encode())


def _unpack(data: bytes) -> list[str]:
    return zlib.decompress(data).decode().split("\x1f")


def _sqlite_forget(conn: Connection, entry_ids: Sequence[int]) -> None:
    """Take entries out of the FTS5 table and the copy of their tokens.

    The FTS5 table is contentless (its own copy would be larger than its
    index), so it can only forget a row when told the exact tokens it was
    given: those are kept, compressed, in ``search_index_tokens``.
    """
    for start in range(0, len(entry_ids), _CHUNK):
        chunk = list(entry_ids[start : start + _CHUNK])
        old = conn.execute(
            select(_tokens.c.entry_id, _tokens.c.tokens).where(_tokens.c.entry_id.in_(chunk))
        ).all()
        if not old:
            continue
        _executemany(
            conn,
            f"INSERT INTO {TABLE} ({TABLE}, rowid, {', '.join(COLUMNS)}) "
            "VALUES ('delete', ?, ?, ?, ?, ?)",
            [(entry_id, *_unpack(data)) for entry_id, data in old],
        )
        conn.execute(delete(_tokens).where(_tokens.c.entry_id.in_([r[0] for r in old])))


def _lexeme(token: str) -> str:
    """A token as a quoted tsvector / tsquery lexeme."""
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _tsvector(title: IndexTokens, body: IndexTokens) -> str:
    """The tsvector literal of an entry: every token with its position and weight.

    A position is skipped between fields, so no phrase spans two of them.
    PostgreSQL refuses a tsvector literal whose tokens take more than 1 MiB,
    counted once per occurrence, or whose distinct lexemes and their positions
    do ("string is too long for tsvector"): one item of 200,000 rare
    characters failed its whole feed, every pass.  Both are counted here, and
    past ``_MAX_TSVECTOR`` bytes a token is left out (body parts, the lowest
    weight, come last).
    """
    fields = ((title.words, "A"), (body.words, "C"), (title.parts, "B"), (body.parts, "D"))
    # At most its bytes and 5 a token (an alignment byte, a count, a position):
    # nearly every document is far below the limit, and written straight.
    streams = [stream for stream, _ in fields]
    if sum(len(x.encode()) + 5 * (x.count(" ") + 1) for x in streams) <= _MAX_TSVECTOR:
        return _tsvector_whole(fields)
    out: list[str] = []
    position = 1
    written = 0  # bytes of the tokens written
    stored = 0  # bytes of the distinct lexemes and their positions
    # Per lexeme: how many positions PostgreSQL keeps of it (at most 256,
    # distinct once clamped to 16383), and the last one.
    kept: dict[str, tuple[int, int]] = {}
    for stream, weight in fields:
        for token in stream.split():
            at = min(position, _MAX_POSITION)
            position += 1
            length = len(token.encode())
            if written + length > _MAX_TSVECTOR:
                continue
            count, last = kept.get(token, (0, 0))
            if not count:
                # The lexeme, aligned to 2 bytes, its count of positions, the first one.
                cost = ((length + 1) & ~1) + 4
                if stored + cost > _MAX_TSVECTOR:
                    continue
                stored += cost
                kept[token] = (1, at)
            elif at != last and count < _MAX_POSITIONS:
                stored += 2
                kept[token] = (count + 1, at)
            written += length
            out.append(f"{_lexeme(token)}:{at}{weight}")
        position += 1
    return " ".join(out)


def _tsvector_whole(fields: Sequence[tuple[str, str]]) -> str:
    out: list[str] = []
    position = 1
    for stream, weight in fields:
        for token in stream.split():
            out.append(f"{_lexeme(token)}:{min(position, _MAX_POSITION)}{weight}")
            position += 1
        position += 1
    return " ".join(out)


def remove(conn: Connection, entry_ids: Iterable[int]) -> None:
    """Take entries out of the index."""
    ids = list(entry_ids)
    if _dialect(conn) == "sqlite":
        _sqlite_forget(conn, ids)
        return
    for start in range(0, len(ids), _CHUNK):
        conn.execute(delete(_pg).where(_pg.c.entry_id.in_(ids[start : start + _CHUNK])))


def create_empty(conn: Connection) -> None:
    """The index of a new database, as migrations up to head leave it (none to fill).

    A test compares a database made this way with one the migrations made.
    """
    if _dialect(conn) == "sqlite":
        conn.execute(
            text(
                f"CREATE VIRTUAL TABLE {TABLE} USING fts5("
                "title, body, title_parts, body_parts, "
                f"content='', tokenize=\"{FTS5_TOKENIZE}\")"
            )
        )
        conn.execute(
            text(
                f"CREATE TABLE {TOKENS_TABLE} (entry_id INTEGER NOT NULL, tokens BLOB NOT NULL,"
                f" CONSTRAINT pk_{TOKENS_TABLE} PRIMARY KEY (entry_id))"
            )
        )
    else:
        conn.execute(
            text(
                f"CREATE TABLE {TABLE} (entry_id INTEGER NOT NULL, document TSVECTOR NOT NULL,"
                f" CONSTRAINT pk_{TABLE} PRIMARY KEY (entry_id),"
                f" CONSTRAINT fk_{TABLE}_entry_id_entries FOREIGN KEY(entry_id)"
                " REFERENCES entries (id) ON DELETE CASCADE)"
            )
        )
        conn.execute(text(f"CREATE INDEX ix_{TABLE}_document ON {TABLE} USING gin (document)"))
    store_meta.put(conn, _META_KEY, index_version())


def reindex_all(
    conn: Connection, *, batch: int = 500, workers: int = 1, pending_table: bool = True
) -> int:
    """Rebuild the whole index from the entries table; returns the entries indexed.

    For existing databases (migration 0005) and after a change of tokenizer
    (``is_current``).  Reads in id order, ``batch`` entries at a time; with
    ``workers`` > 1, processes segment the text (most of the cost) while this
    one writes — if there are enough entries to pay for starting them.
    ``pending_table``: whether ``search_pending`` exists yet (not at 0005).
    """
    sqlite = _dialect(conn) == "sqlite"
    if not sqlite:
        # As SQLite's one writer at a time does: a pass that stores entries
        # unindexed (search: false) and commits while this reads would have
        # its entries' waiting marks cleared by this index, which lacks them.
        # SHARE waits for the transactions writing entries and holds off new ones.
        conn.execute(text(f"LOCK TABLE {entries.name} IN SHARE MODE"))
    if sqlite:
        conn.execute(text(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('delete-all')"))
        conn.execute(delete(_tokens))
    else:
        conn.execute(delete(_pg))
    if pending_table:
        conn.execute(delete(search_pending))
    stored = conn.execute(select(func.count()).select_from(entries)).scalar_one()
    total = 0
    many = stored > _PARALLEL_THRESHOLD
    for _rows, docs in _tokenized(_entry_batches(conn, batch), workers if many else 1):
        index(conn, docs)
        total += len(docs)
    if sqlite:
        # Merge the b-trees written batch by batch: a smaller, faster index.
        conn.execute(text(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('optimize')"))
    store_meta.put(conn, _META_KEY, index_version())
    return total


def start_over(conn: Connection) -> int:
    """Empty the index and list every entry as waiting for ``catch_up`` (the
    tokenizer changed); returns how many.  Quick, where ``reindex_all`` holds
    the write lock for as long as the whole index takes to build."""
    sqlite = _dialect(conn) == "sqlite"
    if sqlite:
        conn.execute(text(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('delete-all')"))
        conn.execute(delete(_tokens))
    else:
        # Waits for the passes writing entries, holds off new ones: none
        # stores an entry that neither the index nor the list below has.
        conn.execute(text(f"LOCK TABLE {entries.name} IN SHARE MODE"))
        conn.execute(delete(_pg))
    conn.execute(delete(search_pending))
    conn.execute(search_pending.insert().from_select(["entry_id"], select(entries.c.id)))
    store_meta.put(conn, _META_KEY, index_version())
    count = waiting(conn)  # (rowcount: -1 on PostgreSQL, for an INSERT … SELECT)
    if count:  # (a database made new by the migrations has nothing to build)
        store_meta.put(conn, _REBUILDING_KEY, "1")
    return count


# An entry as the index reads it: (id, title, content HTML).
_Row = tuple[int, str, str]


def _entry_batches(conn: Connection, size: int) -> Iterator[list[_Row]]:
    return _in_batches(lambda after: _rows_after(conn, after, size))


def _in_batches(read: Callable[[int], list[_Row]]) -> Iterator[list[_Row]]:
    """``read(after)`` from id 0 on, each time after the last id it gave, until none."""
    last = 0
    while rows := read(last):
        yield rows
        last = rows[-1][0]


def _rows_after(conn: Connection, after: int, size: int, *, waiting: bool = False) -> list[_Row]:
    """Up to ``size`` entries with ids above ``after``, in id order (``waiting``:
    only those waiting to be indexed)."""
    query = select(entries.c.id, entries.c.title, entries.c.content)
    if waiting:
        query = query.join(search_pending, search_pending.c.entry_id == entries.c.id)
    query = query.where(entries.c.id > after).order_by(entries.c.id).limit(size)
    return [(row.id, row.title, row.content) for row in conn.execute(query)]


def _tokenized(
    batches: Iterable[list[_Row]], workers: int
) -> Iterator[tuple[list[_Row], list[TokenizedDoc]]]:
    """Each batch with its documents; with ``workers`` > 1, segmented in
    processes a few batches ahead of the caller, who writes meanwhile."""
    if workers <= 1:
        for rows in batches:
            yield rows, _tokenize(rows)
        return
    import multiprocessing
    from concurrent.futures import Future

    from feedmill.parentwatch import init_worker
    from feedmill.poolwatch import watched_pool

    # As the pipeline does: no fork of a process that may run threads;
    # workers that end with this process (a search killed with -9); a worker
    # killed while it answers breaks the pool, which would wait for good.
    context = multiprocessing.get_context("forkserver")
    ahead: deque[tuple[list[_Row], Future[list[TokenizedDoc]]]] = deque()
    with watched_pool(max_workers=workers, mp_context=context, initializer=init_worker) as pool:
        for rows in batches:
            ahead.append((rows, pool.submit(_tokenize, rows)))
            if len(ahead) > 2 * workers:
                done, future = ahead.popleft()
                yield done, future.result()
        while ahead:
            done, future = ahead.popleft()
            yield done, future.result()


def _tokenize(rows: Sequence[_Row]) -> list[TokenizedDoc]:
    """Stored entries (id, title, HTML) as index tokens; runs in worker processes too."""
    return [SearchDoc.of(entry_id, title, html).tokenized() for entry_id, title, html in rows]


def mark_pending(conn: Connection, entry_ids: Iterable[int]) -> None:
    """Entries stored (or changed) without being indexed: ``catch_up`` indexes them.

    Called after the entries' rows are written, in the same transaction: on
    PostgreSQL a catch-up that locks those rows then waits for it to commit.
    """
    ids = sorted(set(entry_ids))
    if ids:
        conn.execute(
            text(
                f"INSERT INTO {search_pending.name} (entry_id) VALUES (:id)"
                " ON CONFLICT (entry_id) DO NOTHING"
            ),
            [{"id": entry_id} for entry_id in ids],
        )


def waiting(conn: Connection) -> int:
    """How many entries wait to be indexed (``mark_pending``)."""
    return int(conn.execute(select(func.count()).select_from(search_pending)).scalar_one())


def stores_nothing(conn: Connection) -> bool:
    """Whether no pass has stored an item yet."""
    return conn.execute(select(entries.c.id).limit(1)).first() is None


def holds_nothing(conn: Connection) -> bool:
    """Whether no entry is indexed yet (runs with `search: false` since the
    start, or the index emptied to be built again: an upgrade's migration)."""
    indexed = _tokens if _dialect(conn) == "sqlite" else _pg
    return conn.execute(select(indexed.c.entry_id).limit(1)).first() is None


def waiting_batch(conn: Connection, after: int, size: int) -> list[_Row]:
    """Up to ``size`` entries waiting to be indexed, with ids above ``after``, in id order."""
    return _rows_after(conn, after, size, waiting=True)


def index_unchanged(conn: Connection, rows: Sequence[_Row], docs: Sequence[TokenizedDoc]) -> int:
    """In a write transaction: index ``docs`` (``rows`` tokenized, read in an
    earlier transaction) of the entries whose title and text are still those
    of ``rows``; those wait no more.  An entry that changed since waits on,
    for its new text.  Returns how many were indexed."""
    ids = [row[0] for row in rows]
    # FOR UPDATE (PostgreSQL): a pass storing one of these entries has
    # written its row before marking it; this waits for that pass, then
    # reads what it stored.  (SQLite has one writer at a time.)
    query = (
        select(entries.c.id, entries.c.title, entries.c.content)
        .where(entries.c.id.in_(ids))
        .with_for_update()
    )
    now = {row.id: (row.title, row.content) for row in conn.execute(query)}
    fresh = [
        doc
        for (entry_id, title, content), doc in zip(rows, docs, strict=True)
        if now.get(entry_id) == (title, content)
    ]
    index(conn, fresh)
    conn.execute(
        delete(search_pending).where(search_pending.c.entry_id.in_([d.entry_id for d in fresh]))
    )
    return len(fresh)


def catch_up(engine: Engine, *, batch: int = _CHUNK, workers: int = 1) -> int:
    """Index the entries waiting (``mark_pending``); returns how many.

    ``batch`` entries at a time, each batch written in a transaction of its
    own: a pass storing entries meanwhile waits for one batch at most, where
    rebuilding everything held the write lock for a minute on a large site.
    Entries that change while being segmented are read again (a few rounds
    at most; what is left waits for the next search).
    """

    def read(after: int) -> list[_Row]:  # (each batch in a read transaction of its own)
        with reading(engine) as conn:
            return waiting_batch(conn, after, batch)

    with reading(engine) as conn:
        many = waiting(conn) > _PARALLEL_THRESHOLD
    total = 0
    for _round in range(3):
        changed = False
        for rows, docs in _tokenized(_in_batches(read), workers if many else 1):
            with engine.begin() as conn:
                done = index_unchanged(conn, rows, docs)
            total += done
            changed = changed or done < len(rows)
        if not changed:
            break
        many = False
    with reading(engine) as conn:
        built = rebuilding(conn) and waiting(conn) == 0
    if built:
        with engine.begin() as conn:
            store_meta.forget(conn, _REBUILDING_KEY)
    return total


def rebuilding(conn: Connection) -> bool:
    """Whether the index is being made again (`start_over`) and not done yet."""
    return store_meta.get(conn, _REBUILDING_KEY) is not None


def is_current(conn: Connection) -> bool:
    """Was the index built by this tokenizer?  If not, queries may miss: ``reindex_all``."""
    return store_meta.get(conn, _META_KEY) == index_version()


# -- searching -----------------------------------------------------------------------------


def _fts5_query(terms: QueryTerms) -> str:
    """FTS5 query syntax for parsed terms: every token quoted, so none is an
    operator; ``*`` after a phrase makes its last token a prefix; a column
    filter keeps phrases to the words columns, where tokens are in order."""

    def quoted(tokens: Sequence[str], prefix: bool) -> str:
        phrase = '"' + " ".join(tokens).replace('"', '""') + '"'
        return f"{phrase} *" if prefix else phrase

    def phrase(found: Lookup) -> str:
        ways = []
        if found.word is not None:
            ways.append(quoted([found.word], found.word_prefix))
        if found.pieces:
            ways.append(f"{{{' '.join(COLUMNS[:2])}}} : {quoted(found.pieces, found.prefix)}")
        return ways[0] if len(ways) == 1 else f"({' OR '.join(ways)})"

    query = " AND ".join(phrase(lookup(p)) for p in terms.include)
    if terms.exclude:
        excluded = " OR ".join(phrase(lookup(p)) for p in terms.exclude)
        query = f"({query}) NOT ({excluded})"
    return query


def _tsquery(terms: QueryTerms, *, title: bool = False) -> str:
    """A tsquery literal for parsed terms: quoted lexemes, ``<->`` for phrases,
    ``:*`` for a prefix, and weights A and C (the words) on a phrase's lexemes.
    ``title``: found in the title alone (weights A and B; a phrase in A)."""
    word_weights, piece_weights = ("AB", "A") if title else ("", "AC")

    def phrase(found: Lookup) -> str:
        ways = []
        if found.word is not None:
            mark = ("*" if found.word_prefix else "") + word_weights
            ways.append(_lexeme(found.word) + (f":{mark}" if mark else ""))
        if found.pieces:
            marks = [piece_weights] * (len(found.pieces) - 1)
            marks.append(("*" if found.prefix else "") + piece_weights)
            lexemes = (f"{_lexeme(p)}:{m}" for p, m in zip(found.pieces, marks, strict=True))
            ways.append(" <-> ".join(lexemes))
        return "(" + " | ".join(ways) + ")"

    query = " & ".join(phrase(lookup(p)) for p in terms.include)
    if terms.exclude:
        query = f"({query}) & !({' | '.join(phrase(lookup(p)) for p in terms.exclude)})"
    return query


def _filters(query: SearchQuery) -> list[ColumnElement[bool]] | None:
    """Conditions on the entry; None: nothing can match."""
    out: list[ColumnElement[bool]] = []
    if query.statuses is not None:
        if not query.statuses:
            return None
        out.append(entries.c.status.in_(sorted(query.statuses)))
    if query.feed_ids is not None:
        if not query.feed_ids:
            return None
        out.append(entries.c.feed_id.in_(sorted(query.feed_ids)))
    if query.since is not None:
        out.append(entry_date >= query.since)
    if query.until is not None:
        out.append(entry_date < query.until)
    return out


def _matching(
    conn: Connection, terms: QueryTerms, filters: list[ColumnElement[bool]], *columns: Any
) -> tuple[Select[Any], ColumnElement[Any]]:
    """SELECT ``columns`` (and the score) of the entries matching; the score, for ordering."""
    if _dialect(conn) == "sqlite":
        source = _fts.join(entries, entries.c.id == _fts.c.rowid)
        match = _fts_match.op("MATCH")(bindparam("fts", _fts5_query(terms)))
        return select(*columns).select_from(source).where(match, *filters), _sqlite_score()
    from sqlalchemy.dialects.postgresql import TSQUERY  # only here: ~35 ms to import

    tsquery = cast(bindparam("tsq", _tsquery(terms)), TSQUERY)
    source = _pg.join(entries, entries.c.id == _pg.c.entry_id)
    match = _pg.c.document.op("@@")(tsquery)
    return select(*columns).select_from(source).where(match, *filters), _pg_score(terms)


def _pg_score(terms: QueryTerms) -> ColumnElement[Any]:
    """`_sqlite_score` on PostgreSQL: the title and the body ranked apart,
    the title's worth ``TITLE_FACTOR`` times.  One ts_rank over the whole
    entry, normalized by its length, let three short flashes outrank an
    article with the word in its title.  What is ranked leaves out the
    ``-word`` part: ranked with it, every score was about 1e-21.  Each
    phrase is ranked by itself and the ranks added, as bm25 adds its terms':
    ts_rank of the ``&`` of all of them scores a field only where all occur,
    so a title holding one of two words scored nothing.

    ts_rank reads neither ``<->`` nor the weights a lexeme is asked in: a
    title holding a phrase's words apart (降准？央行回应) ranked as a title
    match.  So the title's rank counts only where the title itself matches
    the phrase (``@@``, which reads both, of the title's weights alone); and
    the body is ranked by ts_rank_cd, which reads both too and counts every
    mention of a phrase (ts_rank's rank of a phrase is ~1 however often it
    occurs), as x / (x + 1): below 1, so that a title match is still worth
    ``TITLE_FACTOR`` times any number of body matches.  The title is ranked
    so too, doubled (at least 1): ts_rank of a phrase whose last word,
    looked for as a prefix, begins more than one word of the entry (外汇 of
    外汇管理局) keeps one of their positions, and the title that said 我国外汇
    scored 0.  (No length normalization: dividing by the length let a short
    mention outrank two.)"""

    def mentions(weights: str, ranked: ColumnElement[Any]) -> ColumnElement[Any]:
        array: ColumnClause[Any] = literal_column(f"'{weights}'::float4[]")
        return func.ts_rank_cd(array, _pg.c.document, ranked, _RANK_OVER_RANK_PLUS_ONE)

    from sqlalchemy.dialects.postgresql import TSQUERY

    total: ColumnElement[Any] | None = None
    for index, phrase in enumerate(terms.include):
        alone = QueryTerms(include=(phrase,))
        ranked = cast(bindparam(f"tsr{index}", _tsquery(alone)), TSQUERY)
        in_title = cast(bindparam(f"tst{index}", _tsquery(alone, title=True)), TSQUERY)
        title = case(
            (_pg.c.document.op("@@")(in_title), 2 * mentions(TS_TITLE_WEIGHTS, ranked)), else_=0
        )
        score = TITLE_FACTOR * title + mentions(TS_BODY_WEIGHTS, ranked)
        total = score if total is None else total + score
    assert total is not None  # a query with nothing to include is not searched
    return total


def _sqlite_score() -> ColumnElement[Any]:
    """Title and body scored apart, the title's worth ``TITLE_FACTOR`` times.

    FTS5's bm25() adds the columns' weighted counts before it saturates them
    and divides by the length of the whole row: a title weight alone is
    mostly lost, and an entry's long body makes its title match count for
    less than two mentions in a short flash.  So the title has a score of
    its own, its weight so high that a match saturates: each phrase in the
    title counts its full bm25 worth, whatever the body's length — the most
    any number of body matches can add.
    """
    title = -func.bm25(_fts_match, *TITLE_WEIGHTS)
    body = -func.bm25(_fts_match, *BODY_WEIGHTS)
    return TITLE_FACTOR * title + body


def search(
    conn: Connection,
    query: SearchQuery,
    *,
    markers: tuple[str, str] = ("[", "]"),
    snippet_chars: int = 120,
) -> list[Hit]:
    """The best matches for ``query``, most relevant first, with snippets.

    Two steps: the ranked ids of one page, then the stored text of those
    entries only, for snippets made in Python from the original text.
    """
    terms = query_tokens(query.text)
    filters = _filters(query)
    if terms.empty or filters is None or query.limit <= 0:
        return []
    base, score = _matching(conn, terms, filters, entries.c.id)
    ordered = base.add_columns(score.label("score")).order_by(
        score.desc(), entry_date.desc(), entries.c.id.desc()
    )
    hits: list[Hit] = []
    offset = max(0, query.offset)
    # (More than one page only where entries waiting to be indexed again
    # were no hits: the page is filled from the next ones.)
    while len(hits) < query.limit:
        wanted = query.limit - len(hits)
        ranked = conn.execute(ordered.limit(wanted).offset(offset)).all()
        hits += _hits(conn, ranked, terms, markers, snippet_chars)
        if len(ranked) < wanted:
            break
        offset += len(ranked)
    return hits


def _shown(link: str | None) -> str | None:
    """A link as its post shows it: a web address a browser reads, else none
    (``javascript:…``, which a page built of the results would run)."""
    return link if link and usable(link.strip()) else None


def _hits(
    conn: Connection,
    ranked: Sequence[Row[int, float]],
    terms: QueryTerms,
    markers: tuple[str, str],
    snippet_chars: int,
) -> list[Hit]:
    """The hits of ``ranked`` (id, score) rows, with their snippets."""
    if not ranked:
        return []
    copied = entries.alias("copied")
    ids = [r.id for r in ranked]
    rows = {
        row.id: row
        # In chunks: PostgreSQL takes at most 65,535 parameters a statement (`-n 70000`).
        for start in range(0, len(ids), _CHUNK)
        for row in conn.execute(
            select(
                entries.c.id,
                entries.c.feed_id,
                entries.c.title,
                entries.c.link,
                entry_date.label("date"),
                entries.c.content,
                entries.c.status,
                entries.c.reason,
                copied.c.id.label("original_id"),
                copied.c.title.label("original_title"),
                copied.c.content.label("original_content"),
                copied.c.link.label("original_link"),
            )
            .select_from(entries.outerjoin(copied, copied.c.id == entries.c.duplicate_of))
            .where(entries.c.id.in_(ids[start : start + _CHUNK]))
        )
    }
    # An entry waiting to be indexed again (a search that could not catch up)
    # is found by what it said before: a hit only if it says it still.
    waiting = {
        entry_id
        for start in range(0, len(ids), _CHUNK)
        for entry_id in conn.execute(
            select(search_pending.c.entry_id).where(
                search_pending.c.entry_id.in_(ids[start : start + _CHUNK])
            )
        ).scalars()
    }
    hits = []
    for entry_id, value in ranked:
        row = rows[entry_id]
        text = visible_text(row.content)
        title = row.title or _title_from_text(row.content)
        if entry_id in waiting and not _says(title, text, terms):
            continue
        excerpt = snippet(text, terms.include, snippet_chars)
        hits.append(
            Hit(
                entry_id=entry_id,
                feed_id=row.feed_id,
                title=title,
                link=_shown(row.link),
                date=row.date,
                snippet=marked(excerpt, markers),
                score=float(value),
                snippet_segments=excerpt,
                title_segments=segments(title, match_spans(title, terms.include)),
                status=row.status,
                reason=row.reason if row.status != "active" else None,
                # An untitled story is named as its post names it.
                original=(
                    row.original_title or _title_from_text(row.original_content),
                    _shown(row.original_link),
                )
                if row.status == "duplicate" and row.original_id is not None
                else None,
            )
        )
    return hits


def _says(title: str, text: str, terms: QueryTerms) -> bool:
    """Whether an entry's title and text, as they are now, match ``terms``."""

    def said(phrase: Phrase) -> bool:
        return bool(match_spans(title, (phrase,)) or match_spans(text, (phrase,)))

    return all(map(said, terms.include)) and not any(map(said, terms.exclude))


def _title_from_text(content: str) -> str:
    """The title a title-less item's post shows (made from its text)."""
    from feedmill.publish.render import UNTITLED, headline

    return headline(content) or UNTITLED


def filed_posts(conn: Connection, configured: Collection[int | None]) -> dict[int, list[str]]:
    """The post file names of each feed not among ``configured`` (one removed
    from the config) with posts on the site or in the archive, by feed id —
    those on the site first (retention does not rewrite an archived post: it
    may be filed as the feed was before an edit).  No group nor source of such
    a feed is kept but in its posts' files (`search` reads one)."""
    known = set(configured)
    others = [feed_id for (feed_id,) in conn.execute(select(feeds.c.id)) if feed_id not in known]
    found: dict[int, list[str]] = {}
    for start in range(0, len(others), _CHUNK):
        rows = conn.execute(
            select(entries.c.feed_id, posts.c.file_name)
            .select_from(posts.join(entries, entries.c.id == posts.c.entry_id))
            .where(
                entries.c.feed_id.in_(others[start : start + _CHUNK]),
                on_site() | (posts.c.state == "archived"),
            )
            .order_by(entries.c.feed_id, posts.c.state == "archived", posts.c.file_name)
        )
        for feed_id, name in rows:
            found.setdefault(feed_id, []).append(name)
    return found


def count(conn: Connection, query: SearchQuery) -> int:
    """How many entries match ``query`` (``limit`` and ``offset`` aside)."""
    terms = query_tokens(query.text)
    filters = _filters(query)
    if terms.empty or filters is None:
        return 0
    base, _ = _matching(conn, terms, filters, func.count())
    return int(conn.execute(base).scalar_one())


def matching_ids(conn: Connection, query: SearchQuery) -> list[int]:
    """Every entry matching ``query``, unranked, in id order (for tools and benchmarks)."""
    terms = query_tokens(query.text)
    filters = _filters(query)
    if terms.empty or filters is None:
        return []
    base, _ = _matching(conn, terms, filters, entries.c.id)
    return list(conn.execute(base.order_by(entries.c.id)).scalars())
