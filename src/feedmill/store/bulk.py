"""Bulk inserts without per-row SQLAlchemy overhead.

``conn.execute(insert(table), rows)`` runs SQLAlchemy's parameter machinery
for every row (~20 µs each): for a feed's fifty items that is most of the
cost of storing them.  Here the statement is compiled once per dialect and
the rows go to the driver's ``executemany`` as plain tuples or dicts, each
value passed through its column type's own bind processor — the same
conversions SQLAlchemy would apply, once per value instead of per layer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.engine import Dialect


@lru_cache(maxsize=64)
def _compiled(
    table: Table, columns: tuple[str, ...], dialect: Dialect
) -> tuple[str, tuple[str, ...], tuple[Callable[[Any], Any] | None, ...], bool]:
    # inline(): no RETURNING of generated keys, one plain statement.
    compiled = insert(table).inline().compile(dialect=dialect, column_keys=list(columns))
    order = tuple(compiled.positiontup or columns) if dialect.positional else columns
    processors = tuple(
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order
    )
    return compiled.string, order, processors, dialect.positional


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT ``rows`` (all with the same keys) in one driver-level executemany."""
    if not rows:
        return
    columns = tuple(rows[0])
    sql, order, processors, positional = _compiled(table, columns, conn.dialect)
    pairs = list(zip(order, processors, strict=True))
    if positional:
        params: list[Any] = [
            tuple(p(row[name]) if p else row[name] for name, p in pairs) for row in rows
        ]
    else:
        params = [{name: (p(row[name]) if p else row[name]) for name, p in pairs} for row in rows]
    conn.exec_driver_sql(sql, params)


def insert_values(
    conn: Connection, table: Table, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]]
) -> None:
    """INSERT ``rows`` — tuples of values the driver takes as they are (ints,
    text), in ``columns`` order — with no row built as a dict first: for
    rows by the hundred thousand (dedupe's band keys) the dicts were the
    larger part of the cost."""
    if not rows:
        return
    sql, order, _, positional = _compiled(table, columns, conn.dialect)
    if positional:
        position = [columns.index(name) for name in order]
        params: list[Any] = (
            list(rows)
            if position == list(range(len(columns)))
            else [tuple(r[i] for i in position) for r in rows]
        )
    else:
        params = [dict(zip(columns, row, strict=True)) for row in rows]
    conn.exec_driver_sql(sql, params)
