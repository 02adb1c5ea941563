"""Named values the store keeps about itself (the ``meta`` table): which
tokenizer built the search index, when dedupe bands were last pruned."""

from __future__ import annotations

from sqlalchemy import Connection, Delete, bindparam, delete, insert, select

from feedmill.store import prepared
from feedmill.store.schema import meta


def get(conn: Connection, name: str) -> str | None:
    return conn.execute(select(meta.c.value).where(meta.c.name == name)).scalar()


def put(conn: Connection, name: str, value: str) -> None:
    # Delete and insert: the same statements on SQLite and PostgreSQL.
    forget(conn, name)
    conn.execute(insert(meta).values(name=name, value=value))


def forget(conn: Connection, name: str) -> None:
    prepared.run(conn, _forget, None, {"name": name})  # (every feed's pass, search off)


def _forget(_: None) -> Delete:
    return delete(meta).where(meta.c.name == bindparam("name"))
