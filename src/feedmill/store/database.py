"""Open the state database and bring its schema up to date.

SQLite (the default) runs in WAL mode, so ``feedmill status`` can read while
a run writes; PostgreSQL works through the same SQLAlchemy Core code.
Alembic owns the schema; it is imported only when a migration is due (a new
database gets the schema at head at once).
"""

from __future__ import annotations

import errno
import logging
import re
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    create_engine,
    event,
    insert,
    inspect,
    text,
)
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DBAPIError,
    NoSuchModuleError,
    OperationalError,
    ProgrammingError,
)

from feedmill.store.schema import HEAD_REVISION, metadata

# psycopg logs what it ignores while it unwinds a failed pipelined statement
# ("error ignored terminating <psycopg.Pipeline …>"), which Python's last-resort
# handler printed above feedmill's own one-line reason for the failure.  Once
# per process (a handler added per engine would pile up in a daemon).
logging.getLogger("psycopg").addHandler(logging.NullHandler())

MIGRATIONS = Path(__file__).with_name("migrations")


class StoreError(Exception):
    pass


class SchemaMissing(RuntimeError):
    """The database lost feedmill's schema under a daemon: a pass fails, and
    the daemon goes on trying (not a StoreError, which ends it)."""


class StoreUnreachable(StoreError):
    """The database could not be reached or was locked: what waiting may fix
    (a server still starting, restarting or away; a lock held past the busy
    timeout), unlike a file that is no database or a schema too new."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, say when transactions begin
    # (see _begin_immediate); sqlite3's own implicit BEGIN breaks SAVEPOINTs.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe with WAL
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(LOCK_TIMEOUT * 1000)}")
    cursor.close()


def _begin_immediate(conn: Any) -> None:
    # Take the write lock at BEGIN: several worker processes write at once,
    # and a read transaction that later writes could otherwise fail with
    # "database is locked" instead of waiting its turn.  Connections from
    # `reading` only read: a deferred BEGIN gives them a snapshot without
    # queueing behind (and blocking) the writers.
    if conn.get_execution_options().get(_READ_ONLY):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


_READ_ONLY = "feedmill_read_only"


def reading(engine: Engine) -> Connection:
    """A connection that only reads (``with reading(engine) as conn:``)."""
    return engine.connect().execution_options(**{_READ_ONLY: True})


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite database URL (None: another database, or memory)."""
    if not url.startswith("sqlite"):
        return None
    # No query, and a URI filename ("file:…?mode=ro") as its path.
    path = url.split("///", 1)[1].partition("?")[0] if "///" in url else ""
    path = path.removeprefix("file:")
    return Path(path) if path and path != ":memory:" else None


def create(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = sqlite_file(url)
        if path is not None:
            folder = path.parent
            blocker = next((p for p in (folder, *folder.parents) if p.is_file()), None)
            if blocker is not None:  # mkdir would say "File exists", of the folder
                raise NotADirectoryError(errno.ENOTDIR, f"{blocker} is a file, not a folder")
            folder.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": LOCK_TIMEOUT})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    # A server that never answers (a host gone, a firewall dropping packets)
    # held a run, and the site's lock, for ever: libpq waits without limit
    # unless the URL says otherwise (…?connect_timeout=30 wins).
    connect_args: dict[str, Any] = (
        {} if "connect_timeout=" in url else {"connect_timeout": CONNECT_TIMEOUT}
    )
    # Text comes and goes as UTF-8 whatever PGCLIENTENCODING says: in an
    # SQL_ASCII one, psycopg returned bytes (SQLAlchemy's first query threw).
    connect_args["client_encoding"] = "utf8"
    # A server gone silent once connected (a network that stops passing
    # traffic, a host frozen) held a pass, and the site's lock, for hours —
    # the kernel's defaults: the connection is probed, and given up after a
    # minute without an answer (unless the URL says otherwise).
    for name, value in _KEEPALIVES.items():
        if f"{name}=" not in url:
            connect_args[name] = value
    engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    event.listen(engine, "connect", _postgresql_lock_timeout)
    return engine


_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 60_000,  # ms: data sent and not acknowledged
}
# … and on the server's side, of a session feedmill left (its machine gone
# mid-pass): its locks held every later pass off for two hours.
_SERVER_SIDE = {
    "tcp_keepalives_idle": "30",
    "tcp_keepalives_interval": "10",
    "tcp_keepalives_count": "3",
    "idle_in_transaction_session_timeout": "600000",  # ms: no pass idles so long in one
}


def _check_encoding(engine: Engine) -> None:
    """A StoreError for a PostgreSQL database that cannot hold any text a
    feed has (LATIN1: each feed failed, "parser crashed: UnicodeEncodeError";
    SQL_ASCII: stores bytes, which no comparison or search reads as text)."""
    if engine.dialect.name != "postgresql":
        return
    with reading(engine) as conn:
        encoding = conn.execute(text("SHOW server_encoding")).scalar()
    if encoding != "UTF8":
        raise StoreError(
            f"its encoding is {encoding}; feedmill needs a UTF8 database (created with"
            " `createdb -E UTF8 -T template0 NAME`, or `CREATE DATABASE … ENCODING 'UTF8'"
            " TEMPLATE template0`; `pg_dump OLD | psql NAME` moves what it holds)"
        )


def _postgresql_lock_timeout(dbapi_connection: Any, _record: Any) -> None:
    """A lock another program holds (a psql session left in a transaction)
    is waited for as long as SQLite waits for a busy file, then the pass
    fails and says so: it held the run, and the site, for ever.  Set after
    connecting, not as a startup option (PgBouncer refuses those, and one
    would replace PGOPTIONS), and only where nothing set one: a role's
    ``ALTER ROLE … SET lock_timeout``, PGOPTIONS or the URL's ``options``."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True  # no transaction left open by it
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            row = cursor.fetchone()
            if row is not None and row[0] == "0":
                cursor.execute(f"SET lock_timeout = {int(LOCK_TIMEOUT * 1000)}")
            # (Where no one set them: the server's configuration, a role's.
            # Tuning, not needed: a role that may not read pg_settings goes on.)
            try:
                cursor.execute(
                    "SELECT name FROM pg_settings WHERE source = 'default' AND name = ANY(%s)",
                    (list(_SERVER_SIDE),),
                )
                unset = [name for (name,) in cursor.fetchall()]
            except dbapi_connection.Error:
                unset = []
            for name in unset:
                cursor.execute(f"SET {name} = {_SERVER_SIDE[name]}")
    finally:
        dbapi_connection.autocommit = autocommit


CONNECT_TIMEOUT = 10  # seconds to reach a PostgreSQL server
LOCK_TIMEOUT = 30  # seconds to wait for a lock, on PostgreSQL as on SQLite


def current_revision(engine: Engine) -> str | None:
    """The schema's Alembic revision; None for a database without one.

    A server that cannot be reached is an error here, not "no schema yet":
    `migrate` would have waited for it a second time.
    """
    with reading(engine) as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except (OperationalError, ProgrammingError):  # a table of that name, not Alembic's
            return None


def check_unchanged(engine: Engine) -> None:
    """A StoreError if the schema is no longer the one this feedmill knows:
    a newer feedmill upgraded it since it was opened (a daemon's later passes
    wrote to tables it did not know).  Read as it is — a lock held on the
    table, or the server away, raises as any query does (a pass that fails,
    retried), not read as "no schema" as `current_revision` reads it; an
    empty table is no revision to compare."""
    with reading(engine) as conn:
        if not inspect(conn).has_table("alembic_version"):
            # (A PostgreSQL database dropped and made again under a daemon, a
            # restore begun: not built again here — a restore's tables would
            # then collide with the new ones and load nothing.)
            raise SchemaMissing(
                "the state database holds no schema (dropped and made again, or being"
                " restored?): passes wait for it — restore it, or restart feedmill to"
                " begin a new one"
            )
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if revision is not None and revision != HEAD_REVISION:
        raise StoreError(
            f"its schema changed under this feedmill (to {revision}; this feedmill's is"
            f" {HEAD_REVISION}): a newer feedmill upgraded it — run that one"
        )


_MIGRATION_LOCK = 0x6665_6564_6D6D  # any constant: PostgreSQL's advisory lock key


def migrate(engine: Engine) -> None:
    """Bring the schema up to head: made at once in a new database, else by
    Alembic's migrations (Alembic is imported only then)."""
    if current_revision(engine) == HEAD_REVISION:
        return
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it and dropping the old one;
            # with foreign keys on, that DROP deleted every row that refers
            # to it (ON DELETE CASCADE: all of `posts` when 0004 rebuilt
            # `entries`).  The pragma is ignored inside a transaction, so it
            # goes to the driver before one begins.
            _foreign_keys(connection, on=False)
        try:
            with connection.begin():
                if not sqlite:
                    # One migration at a time: PostgreSQL would run two side by
                    # side (a daemon and a cron run after an upgrade, several
                    # first runs), and the second fails creating what the first
                    # creates.  Once it has the lock, the second finds the
                    # schema at head and does nothing.  (SQLite: BEGIN IMMEDIATE.)
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                    )
                if inspect(connection).get_table_names():
                    _upgrade(connection, sqlite)
                else:
                    _create_at_head(connection)
        finally:
            if sqlite:
                _foreign_keys(connection, on=True)


# As Alembic makes it, so that its later migrations find what they expect.
_alembic_version = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


def _create_at_head(connection: Connection) -> None:
    """A new database's schema as the migrations would leave it, made at once:
    nine migrations in turn, and Alembic itself, cost a first run ~0.3 s and
    ~11 MiB.  (A test compares the two, table by table.)"""
    from feedmill.store import search

    metadata.create_all(connection)
    search.create_empty(connection)
    _alembic_version.create(connection)
    connection.execute(insert(_alembic_version).values(version_num=HEAD_REVISION))


def _upgrade(connection: Connection, sqlite: bool) -> None:
    from alembic import command
    from alembic.config import Config as AlembicConfig
    from alembic.util.exc import CommandError

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    # References broken before (an edit by hand, with foreign keys off)
    # are not the upgrade's doing: only new ones stop it.
    broken_before = _broken_references(connection) if sqlite else 0
    try:
        command.upgrade(config, "head")
    except CommandError as exc:  # a revision this feedmill does not know
        raise StoreError(
            f"its schema is not one this feedmill knows ({exc}): made by a newer"
            " feedmill, or not feedmill's"
        ) from None
    if sqlite and (broken := _broken_references(connection)) > broken_before:
        raise StoreError(  # rolls the upgrade back
            f"upgrading the schema would break {broken - broken_before} references;"
            " the database is left as it was"
        )


def _broken_references(connection: Connection) -> int:
    return len(connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall())


def _foreign_keys(connection: Connection, *, on: bool) -> None:
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    cursor.close()


def for_now(exc: BaseException) -> bool:
    """Whether waiting may end ``exc``: a server that cannot be reached (not
    up yet, restarting, refusing more connections, its database not made
    yet) or a SQLite file locked past the busy timeout — not a read-only or
    corrupt file, nor a user without the rights."""
    if isinstance(exc, StoreUnreachable):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    # An error the server named: of a connection, of its resources (too many
    # connections, a full disk), of its operator (shut down, starting up, a
    # statement cancelled: a timeout met waiting for another session's lock),
    # a transaction rolled back, a lock not had, a standby not promoted yet
    # (psycopg's InternalError) — not a limit a row passes (an upgrade that
    # failed on one failed every run), nor a statement it refuses.
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate:
        return sqlstate[:2] in _WAITING_CLASSES or sqlstate == "25006"
    if not isinstance(exc, OperationalError):
        return False
    if isinstance(exc.orig, sqlite3.Error):
        return "locked" in str(exc.orig)
    # psycopg gives no SQLSTATE for a refused connection: its text tells a
    # role without CONNECT (or LOGIN) on the database, a wrong password or a
    # role that does not exist (no wait mends these) from a server away.
    return not _REFUSED_FOR_GOOD.search(str(exc.orig))


_WAITING_CLASSES = frozenset({"08", "53", "57", "40", "55"})
_REFUSED_FOR_GOOD = re.compile(
    "permission denied|not permitted to log in|password authentication failed"
    '|role ".*" does not exist'
    # No password given where one is needed; pg_hba.conf turning the role away.
    "|no password supplied|pg_hba.conf rejects|no pg_hba.conf entry"
    # libpq's reading of the URL itself (`sslmode=requir`), and the server's of
    # its `options` (`-c lock_timout=10s`).
    "|invalid [a-z_]+ value|invalid connection option|invalid URI|invalid sslmode"
    "|unrecognized configuration parameter|invalid value for parameter"
)


def open_database(url: str, *, build: bool = True) -> Engine:
    """The database at ``url``, its schema brought up to date; a StoreError
    (StoreUnreachable: worth waiting for) says why it cannot be used.
    ``build``: make a schema where there is none (not where a daemon's own
    database lost it under it: SchemaMissing, as `check_unchanged` says)."""
    engine: Engine | None = None
    try:
        engine = create(url)
        _check_encoding(engine)
        if not build and current_revision(engine) is None:
            check_unchanged(engine)  # (raises SchemaMissing where the table is gone)
        migrate(engine)
    except BaseException as exc:
        # Its connections closed now, not by the collector: a daemon waiting
        # for its database tries again and again.
        if engine is not None:
            engine.dispose()
        refusal = _refusal(url, exc)
        if refusal is None:
            raise
        raise refusal from None
    return engine


def open_to_read(url: str) -> tuple[Engine, str | None]:
    """The database at ``url`` for a look that writes nothing (`status`), and
    None — or, for a SQLite file that `open_database` cannot open for want of
    room or of the right to write beside it (a full disk: the moment `status`
    is asked why runs fail; a user who may only read the daemon's files), the
    file opened read-only, and a note that says so."""
    try:
        return open_database(url), None
    except StoreUnreachable:
        raise
    except StoreError as exc:
        path = sqlite_file(url)
        if path is None or not path.is_file():
            raise
        # Read-only through its write-ahead log (its -shm there to read); else
        # the file alone, as it stands on disk: without the log's writes.
        for query in ("mode=ro", "immutable=1"):
            engine = _read_only(path, query)
            try:
                if current_revision(engine) == HEAD_REVISION:
                    break
            except DatabaseError:
                pass
            engine.dispose()
        else:
            raise exc from None
        log = path.with_name(path.name + "-wal")
        missing = (
            f"; the writes still in {log.name} are not shown"
            if query == "immutable=1" and log.is_file() and log.stat().st_size
            else ""
        )
        return engine, f"{exc}; what follows is read from it read-only{missing}"


def _read_only(path: Path, query: str) -> Engine:
    uri = f"{path.resolve().as_uri()}?{query}"
    engine = create_engine(
        f"sqlite:///{path}",
        creator=lambda: sqlite3.connect(uri, uri=True, timeout=LOCK_TIMEOUT),
    )

    def pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA query_only=ON")

    event.listen(engine, "connect", pragmas)
    event.listen(engine, "begin", _begin_immediate)
    return engine


_DENIED_SCHEMA = re.compile(r'permission denied for schema "?([^\s"]+)"?')


def _refusal(url: str, exc: BaseException) -> StoreError | None:
    """The StoreError that ``exc`` opening ``url`` amounts to (None: a bug, as it is)."""
    shown = redacted(url)
    if isinstance(exc, StoreError):
        return StoreError(f"cannot use the state database {shown}: {exc}")
    if isinstance(exc, DatabaseError):  # no server, locked, read-only, not a database at all …
        if for_now(exc):
            return StoreUnreachable(
                f"cannot open the state database {shown}: {reason_of(exc.orig)}"
            )
        # PostgreSQL: a user granted reads and writes only, on a schema that
        # needs the new version's migration ("must be owner of index …").
        denied = getattr(exc.orig, "sqlstate", None) == "42501"
        hint = ""
        if denied and "must be owner" in str(exc.orig):
            hint = (
                " (the schema needs upgrading, which its owner may do: run feedmill once as the"
                " database user that owns it)"
            )
        elif denied and (schema := _DENIED_SCHEMA.search(str(exc.orig))) is not None:
            # A new database's tables, or an old one's upgrade: the role may make none.
            owner = "make it the database's owner, or " if schema[1] == "public" else ""
            hint = (
                f" (the role may not create tables there: {owner}GRANT CREATE ON SCHEMA"
                f" {schema[1]} TO it; a schema feedmill made before needs upgrading: run"
                " feedmill once as the database user that owns it)"
            )
        return StoreError(f"cannot open the state database {shown}: {reason_of(exc.orig)}{hint}")
    if isinstance(exc, OSError):  # its folder cannot be made
        return StoreError(f"cannot open the state database {shown}: {exc}")
    if isinstance(exc, (ImportError, NoSuchModuleError, ArgumentError)):  # no driver installed
        hint = ""
        if "psycopg2" in url:  # feedmill[postgres] installs psycopg 3, not this one
            hint = " (feedmill uses psycopg 3: write postgresql+psycopg://)"
        elif "postgres" in url:
            hint = " (PostgreSQL needs: pip install 'feedmill[postgres]')"
        return StoreError(f"cannot open the state database {shown}: {exc}{hint}")
    return None


def reason_of(orig: object) -> str:
    """A database's complaint on one line, without the statement PostgreSQL
    quotes under it (``LINE 1: … ^``): it broke a feed's row in `status`."""
    lines = (line.strip() for line in str(orig).splitlines())
    kept = [line for line in lines if line and not line.startswith("LINE ") and set(line) != {"^"}]
    return " ".join(" ".join(kept).split())


# PostgreSQL's SQLSTATEs of what is no feed's doing: the server gone or
# going (08…, 57…), out of room or connections (53…), its own I/O (58…), a
# lock another session holds past the timeout, a deadlock, a role without the
# right, a read-only transaction.
_SERVER_STATE_CLASSES = frozenset({"08", "53", "57", "58"})
_SERVER_STATES = frozenset({"55P03", "40P01", "40001", "42501", "25006"})


def server_trouble(exc: BaseException) -> bool:
    """Whether ``exc`` (from SQLAlchemy) is the PostgreSQL server's trouble,
    not a feed's: the pass fails as a whole (a daemon retries it), rather
    than the feed stored then failing and backing off for it."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError) or not type(exc.orig).__module__.startswith("psycopg"):
        return False  # (SQLite's are read by their words: pipeline.cannot_write)
    if exc.connection_invalidated:
        return True
    state = getattr(exc.orig, "sqlstate", None)
    if state is None:  # psycopg says no SQLSTATE when the connection broke
        return isinstance(exc, OperationalError)
    if state == "57014":  # a statement_timeout: that feed's statements were too slow
        return False
    return state[:2] in _SERVER_STATE_CLASSES or state in _SERVER_STATES


def may_not_write(exc: BaseException) -> bool:
    """Whether ``exc`` says this user may not write the database (a role
    granted reads only, a read-only file), not that it is busy or broken."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) in ("42501", "25006"):
        return True
    return "readonly database" in str(orig).lower()


def redacted(url: str) -> str:
    """A database URL as it may be shown: without its password."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return "(database URL)"
    # libpq takes a password as a query parameter too (?password=…).
    secret = {k: "***" for k in parsed.query if k.lower() in ("password", "sslpassword")}
    shown = parsed.update_query_dict(secret).render_as_string(hide_password=True)
    return shown.replace("=%2A%2A%2A", "=***")


__all__ = [
    "StoreError",
    "create",
    "migrate",
    "open_database",
    "reading",
    "redacted",
    "sqlite_file",
]
