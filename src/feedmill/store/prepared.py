"""The statements every feed runs, compiled once and run as the driver's SQL.

``conn.execute(select(…))`` builds the statement, computes its cache key and
processes every parameter through SQLAlchemy's layers on each call: ~1.2 ms
for a lookup of a feed's fifty key hashes, against ~0.1 ms for the same SQL
given to the driver — and a feed runs a dozen such statements.  Here a
statement is still written in SQLAlchemy Core (one text for SQLite and
PostgreSQL), by a function of a hashable *shape* (how many values an ``IN``
lists, which columns an ``UPDATE`` sets); it is compiled once per shape and
dialect, and each call passes its values through their columns' own bind
processors (the conversions SQLAlchemy applies) to ``exec_driver_sql``.

``IN`` lists are padded to a few sizes by repeating their last value (the
same set of rows), so that a statement has a handful of compiled forms.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, Connection, CursorResult, Executable, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import StatementError

# The sizes an IN list is padded to; a longer list is the caller's to chunk.
_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 500)
LONGEST = _SIZES[-1]


def listed(name: str, size: int) -> list[BindParameter[Any]]:
    """The parameters of an ``IN`` list of ``size`` values, for a builder:
    ``column.in_(listed("h", size))``; `run` fills them from its ``lists``
    as the driver takes them (ids, key hashes, links: no conversion)."""
    return [bindparam(f"{name}{i}") for i in range(size)]


def padded(count: int) -> int:
    """The size an ``IN`` list of ``count`` values is compiled for."""
    for size in _SIZES:
        if count <= size:
            return size
    raise ValueError(f"an IN list of {count} values (at most {LONGEST}: chunk it)")


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    # The parameters in the driver's order (positional), else None (named).
    order: tuple[str, ...] | None
    constants: Mapping[str, Any]  # the values written in the statement
    required: frozenset[str]  # … and those each call gives
    processors: Mapping[str, Callable[[Any], Any]]
    # A selected column's conversion of what the driver gives (a date kept
    # as text by SQLite), by position; empty where none needs one.
    results: tuple[Callable[[Any], Any] | None, ...]


@lru_cache(maxsize=256)
def _compiled(build: Callable[[Any], Executable], shape: Hashable, dialect: Dialect) -> _Compiled:
    statement = build(shape)
    compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    binds = {name: parameter for parameter, name in compiled.bind_names.items()}
    processors = {}
    for name, parameter in binds.items():
        processor = parameter.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors[name] = processor
    results = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in getattr(statement, "selected_columns", ())
    )
    return _Compiled(
        compiled.string,
        tuple(compiled.positiontup) if dialect.positional else None,
        {name: p.value for name, p in binds.items() if not p.required},
        frozenset(name for name, p in binds.items() if p.required),
        processors,
        results if any(results) else (),
    )


def run(
    conn: Connection,
    build: Callable[[Any], Executable],
    shape: Hashable,
    values: Mapping[str, Any],
    lists: Mapping[str, Sequence[Any]] | None = None,
) -> CursorResult[*tuple[Any, ...]]:
    """Run ``build(shape)`` with ``values`` (by parameter name) and ``lists``
    (a name given to `listed` → its values; the shape lists ``padded(len)``
    of them); the rows come as the driver gives them (`rows` converts them)."""
    return _run(conn, _compiled(build, shape, conn.dialect), values, lists)


def run_many(
    conn: Connection,
    build: Callable[[Any], Executable],
    shape: Hashable,
    many: Sequence[Mapping[str, Any]],
) -> None:
    """Run ``build(shape)`` once for each of ``many`` (values by parameter
    name, no ``IN`` lists) as one executemany of the driver's."""
    if not many:
        return
    compiled = _compiled(build, shape, conn.dialect)
    each = [_params(compiled, values, None) for values in many]
    if compiled.order is not None:
        order = compiled.order
        conn.exec_driver_sql(compiled.sql, [tuple(p[name] for name in order) for p in each])
    else:
        conn.exec_driver_sql(compiled.sql, each)


def rows(
    conn: Connection,
    build: Callable[[Any], Executable],
    shape: Hashable,
    values: Mapping[str, Any],
    lists: Mapping[str, Sequence[Any]] | None = None,
) -> list[tuple[Any, ...]]:
    """The rows of a select `run` runs, each value as its column's type reads it."""
    compiled = _compiled(build, shape, conn.dialect)
    result = _run(conn, compiled, values, lists)
    if not compiled.results:
        return [tuple(row) for row in result]
    converts = compiled.results
    return [
        tuple(f(value) if f else value for f, value in zip(converts, row, strict=True))
        for row in result
    ]


def _run(
    conn: Connection,
    compiled: _Compiled,
    values: Mapping[str, Any],
    lists: Mapping[str, Sequence[Any]] | None,
) -> CursorResult[*tuple[Any, ...]]:
    params = _params(compiled, values, lists)
    if compiled.order is not None:
        return conn.exec_driver_sql(compiled.sql, tuple(params[name] for name in compiled.order))
    return conn.exec_driver_sql(compiled.sql, params)


def _params(
    compiled: _Compiled,
    values: Mapping[str, Any],
    lists: Mapping[str, Sequence[Any]] | None,
) -> dict[str, Any]:
    """Every parameter of ``compiled`` by name, as the driver takes it."""
    params = {**compiled.constants, **values}
    for name, items in (lists or {}).items():
        if not items:
            raise ValueError(f"an empty IN list ({name})")
        size = padded(len(items))
        if f"{name}{size - 1}" not in compiled.required or f"{name}{size}" in compiled.required:
            raise ValueError(f"{name}: the statement's shape lists other than {size} values")
        last = len(items) - 1
        for i in range(size):
            params[f"{name}{i}"] = items[min(i, last)]
    if not compiled.required <= params.keys():
        raise ValueError(f"no value for {sorted(compiled.required - params.keys())}")
    for name, processor in compiled.processors.items():
        try:
            params[name] = processor(params[name])
        except Exception as exc:  # a naive datetime: a SQLAlchemyError, as conn.execute raises it
            raise StatementError(str(exc), compiled.sql, params, exc) from exc
    return params
