"""Prepared statements (store.prepared): the driver's SQL of a Core statement
gives what SQLAlchemy's own execution of it gives, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Select, Update, bindparam, insert, literal, select, update
from sqlalchemy.exc import CompileError, StatementError

from feedmill.store import feeds as feed_store
from feedmill.store import prepared
from feedmill.store.database import open_database
from feedmill.store.posts import mark_written
from feedmill.store.schema import entries, feeds

MOMENT = datetime(2024, 3, 5, 1, 2, 3, 456789, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'state.db'}"
    else:
        from support.postgres import new_database

        url = new_database(request.getfixturevalue("postgres_url"))
    engine = open_database(url)
    with engine.begin() as conn:
        conn.execute(insert(feeds), [{"id": 1, "url": "https://a/"}, {"id": 2, "url": "b"}])
        conn.execute(
            insert(entries),
            [
                {
                    "feed_id": 1 + i % 2,
                    "key_hash": f"h{i}",
                    "key": f"k{i}",
                    "link": f"https://a/{i}",
                    "title": f"标题 {i}",
                    "published_at": MOMENT + timedelta(hours=i) if i % 3 else None,
                    "first_seen_at": MOMENT,
                    "content": "<p>正文</p>",
                    "version": "v",
                }
                for i in range(600)
            ],
        )
    yield engine
    engine.dispose()


def _of_feed(size: int) -> Select[Any]:
    return select(entries.c.key_hash, entries.c.published_at, entries.c.title).where(
        entries.c.feed_id == bindparam("feed"),
        entries.c.key_hash.in_(prepared.listed("h", size)),
        entries.c.title.not_in([literal("标题 0"), literal("标题 4")]),  # constants
    )


@pytest.mark.parametrize("count", [2, 3, 64, 65, 500])
def test_a_select_reads_what_sqlalchemy_reads(engine: Engine, count: int) -> None:
    asked = [f"h{i}" for i in range(count)]
    core = (
        select(entries.c.key_hash, entries.c.published_at, entries.c.title)
        .where(entries.c.feed_id == 1, entries.c.key_hash.in_(asked))
        .where(entries.c.title.not_in(["标题 0", "标题 4"]))
    )
    with engine.connect() as conn:
        expected = sorted(tuple(row) for row in conn.execute(core))
        # The list padded to a compiled size repeats its last value: no row twice.
        shape = prepared.padded(count)
        found = prepared.rows(conn, _of_feed, shape, {"feed": 1}, {"h": asked})
    assert sorted(found) == expected
    assert len(found) == sum(1 for i in range(count) if i % 2 == 0 and i not in (0, 4))
    dated = [row[1] for row in found if row[1] is not None]
    assert all(moment.tzinfo is not None for moment in dated)  # as UTCDateTime gives them


def _record(columns: tuple[str, ...]) -> Update:
    return (
        update(feeds)
        .where(feeds.c.id == bindparam("b_id"))
        .values({name: bindparam(name, type_=feeds.c[name].type) for name in columns})
    )


def test_an_update_converts_values_as_their_columns_do(engine: Engine) -> None:
    later = MOMENT.astimezone(UTC) + timedelta(days=1)
    with engine.begin() as conn:
        result = prepared.run(
            conn,
            _record,
            ("title", "next_attempt_at", "error_streak"),
            {"title": "新浪财经", "next_attempt_at": later, "error_streak": 2, "b_id": 2},
        )
        assert result.rowcount == 1
    with engine.connect() as conn:
        row = conn.execute(
            select(feeds.c.title, feeds.c.next_attempt_at, feeds.c.error_streak).where(
                feeds.c.id == 2
            )
        ).one()
        untouched = conn.execute(select(feeds.c.title).where(feeds.c.id == 1)).scalar()
    assert tuple(row) == ("新浪财经", later, 2)
    assert untouched is None


def test_what_a_statement_cannot_run_with_is_refused(engine: Engine) -> None:
    with engine.connect() as conn:
        with pytest.raises(ValueError, match=r"no value for \['feed'\]"):
            prepared.run(conn, _of_feed, 1, {}, {"h": ["h1"]})
        with pytest.raises(ValueError, match="empty IN list"):
            prepared.run(conn, _of_feed, 1, {"feed": 1}, {"h": []})
        with pytest.raises(ValueError, match="other than 4 values"):
            prepared.run(conn, _of_feed, 2, {"feed": 1}, {"h": ["h1", "h2", "h3"]})
    with pytest.raises(ValueError, match="chunk it"):
        prepared.padded(prepared.LONGEST + 1)


def test_a_value_its_column_refuses_is_a_database_error(engine: Engine) -> None:
    """As conn.execute raises it: a daemon's pass retries on SQLAlchemyError."""
    naive = datetime(2024, 3, 5, 1, 2, 3)
    with engine.begin() as conn:
        with pytest.raises(StatementError, match="naive datetime"):
            feed_store.record(conn, 1, last_attempt_at=naive)
        with pytest.raises(StatementError, match="naive datetime"):
            mark_written(conn, [1], naive)
        with pytest.raises(CompileError, match="Unconsumed column names: nonexistent"):
            feed_store.record(conn, 1, nonexistent=1)


def test_many_feeds_restyled_at_once_all_take_their_style(engine: Engine) -> None:
    with engine.begin() as conn:
        feed_store.set_styles(conn, [(1, None, "a" * 32), (2, None, "b" * 32)])
        feed_store.set_styles(conn, [(2, "b" * 32, "c" * 32)])
        styles = dict(conn.execute(select(feeds.c.id, feeds.c.style_hash)).all())
    assert styles == {1: "a" * 32, 2: "c" * 32}


def test_many_feeds_recorded_at_once_each_take_their_own_values(engine: Engine) -> None:
    """A pass's outcomes: one executemany per set of columns, each value
    converted as its column does (a moment, a NUL in an error)."""
    later = MOMENT.astimezone(UTC) + timedelta(days=1)
    with engine.begin() as conn:
        feed_store.record_many(
            conn,
            [
                (1, {"next_attempt_at": later, "error_streak": 3, "last_error": "bad\x00byte"}),
                (2, {"next_attempt_at": MOMENT, "http_status": 304}),
                (1, {}),  # (nothing changed: nothing written)
            ],
        )
    with engine.connect() as conn:
        rows = {
            row.id: tuple(row)[1:]
            for row in conn.execute(
                select(
                    feeds.c.id,
                    feeds.c.next_attempt_at,
                    feeds.c.error_streak,
                    feeds.c.last_error,
                    feeds.c.http_status,
                )
            )
        }
    assert rows == {1: (later, 3, "bad\u2400byte", None), 2: (MOMENT, 0, None, 304)}


def test_an_executemany_refuses_a_value_its_column_refuses(engine: Engine) -> None:
    naive = datetime(2024, 3, 5, 1, 2, 3)
    with engine.begin() as conn:
        with pytest.raises(StatementError, match="naive datetime"):
            prepared.run_many(
                conn, _record, ("last_attempt_at",), [{"last_attempt_at": naive, "b_id": 1}]
            )
        with pytest.raises(ValueError, match=r"no value for \['b_id'\]"):
            prepared.run_many(conn, _record, ("error_streak",), [{"error_streak": 1}])
        prepared.run_many(conn, _record, ("error_streak",), [])  # (none: nothing run)
