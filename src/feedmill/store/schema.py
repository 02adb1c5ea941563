"""The database schema (SQLAlchemy Core), shared by SQLite and PostgreSQL.

Alembic migrations under ``store/migrations`` create exactly these tables;
a test compares the two.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateIndex
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.types import TypeDecorator

from feedmill.models import Entry

# The newest migration; the store checks it before importing Alembic at all.
HEAD_REVISION = "0014"


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


naming = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=naming)

# An index's info key: hashed on PostgreSQL (see _create_index_on_postgresql).
_HASHED_ON_POSTGRESQL = "hashed_on_postgresql"

meta = Table(
    "meta",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

feeds = Table(
    "feeds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, nullable=False, unique=True),  # as written in feedmill.yml
    Column("fetch_url", Text),  # where it lives now, after permanent redirects
    Column("title", Text),
    Column("link", Text),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("body_hash", String(64)),
    Column("http_status", Integer),
    Column("last_attempt_at", UTCDateTime),
    Column("last_success_at", UTCDateTime),
    Column("last_error", Text),
    Column("error_streak", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime),
    Column("item_count", Integer),
    Column("style_hash", String(32)),  # what its posts were rendered with
    # A permanent redirect seen on consecutive fetches; after 3, fetch_url moves.
    Column("redirect_url", Text),
    Column("redirect_streak", Integer, nullable=False, server_default="0"),
    Column("parser", String(16)),  # which parser read the last document
    Column("warning", Text),  # something odd but not fatal (e.g. a wrong charset label)
    # The <ttl> of the document read last: a 304 keeps honouring it.
    Column("ttl_minutes", Integer),
    # Until when the server asked not to be polled (ttl, max-age, Retry-After):
    # a shortened interval brings the next attempt forward, never past this.
    Column("hint_until", UTCDateTime),
    # Consecutive 404/410 answers where the feed had moved (fetch_url): after
    # MOVE_AFTER of them, the next attempt is at the configured URL again.
    Column("gone_streak", Integer, nullable=False, server_default="0"),
    # Of the items the document read last lists, those with a post on the
    # site: what a 304 counts unchanged (item_count holds copies held back).
    Column("posted_count", Integer),
)

entries = Table(
    "entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("feed_id", Integer, ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    Column("key_hash", String(32), nullable=False),
    Column("key", Text, nullable=False),
    Column("link", Text),
    Column("title", Text, nullable=False),
    Column("author", Text),
    Column("published_at", UTCDateTime),
    Column("updated_at", UTCDateTime),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("content", Text, nullable=False),
    Column("categories", Text, nullable=False, server_default="[]"),  # JSON list
    Column("image", Text),
    Column("version", String(32), nullable=False),  # hash of every field above
    # active: published (or to be); duplicate: the same story as duplicate_of,
    # reported earlier by another feed; blocked: a rule keeps it out.  Rows are
    # never deleted: a feed that repeats an old item finds it here.
    Column("status", String(16), nullable=False, server_default="active"),
    Column("duplicate_of", Integer, ForeignKey("entries.id", ondelete="SET NULL")),
    Column("reason", Text),  # why it is a duplicate or blocked
    Column("fingerprint", String(32)),  # hash of the visible text: exact copies
    UniqueConstraint("feed_id", "key_hash"),
    # Hashed on PostgreSQL: a btree key holds ~2.7 KB, and links can be longer.
    Index(None, "link", info={_HASHED_ON_POSTGRESQL: True}),
    Index(None, "fingerprint"),
    Index(None, "duplicate_of"),
)


@compiles(CreateIndex, "postgresql")
def _create_index_on_postgresql(create: CreateIndex, compiler: DDLCompiler, **kw: Any) -> str:
    """``USING hash`` for the indexes marked so: what ``postgresql_using="hash"``
    writes, without that option's import of the PostgreSQL dialect at the
    start of every run (~35 ms, SQLite's runs included)."""
    sql: str = compiler.visit_create_index(create, **kw)  # type: ignore[no-untyped-call]
    index = create.element
    if index.info.get(_HASHED_ON_POSTGRESQL) and index.table is not None:
        table = compiler.preparer.format_table(index.table)
        head, on, columns = sql.partition(f" ON {table} ")
        assert on and columns.startswith("("), sql
        sql = f"{head}{on}USING hash {columns}"
    return sql


# MinHash LSH bands of each entry's text, for near-duplicate candidates: an
# index lookup per band, bucketed by day, so a query costs the same at a
# hundred thousand entries as at ten.
dedupe_bands = Table(
    "dedupe_bands",
    metadata,
    Column("band", BigInteger, nullable=False),
    Column("day", Integer, nullable=False),  # days since 1970-01-01 of the entry's date
    Column("entry_id", Integer, ForeignKey("entries.id", ondelete="CASCADE"), nullable=False),
    # Covers the lookup: the newest stories with a band key (store/dedupe.py).
    Index(None, "band", "day", "entry_id"),
    Index(None, "entry_id"),
)

# What the duplicate decision needs of a published story (text.dump), kept
# as long as its bands: verifying a candidate then costs a read, not a
# re-segmentation of its text (and another worker's stories are no dearer).
dedupe_prints = Table(
    "dedupe_prints",
    metadata,
    Column("entry_id", Integer, ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True),
    Column("moment", BigInteger, nullable=False),  # the story's time, Unix seconds
    Column("data", Text, nullable=False),
)

# Entries stored without being indexed for search (`search: false`), or
# changed since: `feedmill search` indexes these, not everything again.
search_pending = Table(
    "search_pending",
    metadata,
    Column("entry_id", Integer, ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True),
)

posts = Table(
    "posts",
    metadata,
    Column("entry_id", Integer, ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True),
    Column("file_name", Text, nullable=False, unique=True),
    # pending: the file must be (re)written; written: the file matches the entry.
    Column("state", String(16), nullable=False, server_default="pending"),
    Column("written_version", String(32)),  # entries.version the file was made from
    Column("written_at", UTCDateTime),
    Index(None, "state"),
)


def entry_from_row(row: Any) -> Entry:
    """The Entry an ``entries`` row holds (a row selected with all its columns)."""
    return Entry(
        key=row.key,
        link=row.link,
        title=row.title,
        published=row.published_at,
        updated=row.updated_at,
        author=row.author,
        content=row.content,
        categories=tuple(json.loads(row.categories)),
        image=row.image,
    )
