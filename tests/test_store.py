"""The state database: migrations build exactly the schema the code uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from feedmill.store.database import MIGRATIONS, current_revision, migrate, open_database
from feedmill.store.schema import HEAD_REVISION, metadata


def _not_search_index(name: str | None, type_: str, parent_names: object) -> bool:
    # The full-text index (migration 0005, store/search.py) is deliberately
    # not in schema.metadata: on SQLite it is an FTS5 virtual table with five
    # shadow tables (search_index_data, _idx, _content, _docsize, _config),
    # which SQLAlchemy cannot describe.  Everything else is compared.
    return not (type_ == "table" and name is not None and name.startswith("search_index"))


def _context(conn: Connection) -> MigrationContext:
    return MigrationContext.configure(conn, opts={"include_name": _not_search_index})


def _migrated(url: str, revision: str = "head", *statements: str) -> Engine:
    """A new database brought to ``revision`` by the migrations one by one, as
    an older database gets there (``open_database`` makes a new one at once),
    holding the rows that ``statements`` insert."""
    from alembic import command

    from feedmill.store.database import create

    engine = create(url)
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        for statement in statements:
            conn.execute(text(statement))
    return engine


def _shape(engine: Engine) -> dict[str, object]:
    """Everything of a schema that code or a later migration could tell
    apart: each table's columns, indexes and constraints, the full-text
    index's definition, and the rows the schema comes with."""
    with engine.connect() as conn:
        shape: dict[str, object] = {}
        if conn.dialect.name == "sqlite":
            master = conn.exec_driver_sql(
                "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            ).all()
            for kind, name, sql in master:
                if kind != "table" or (sql or "").startswith("CREATE VIRTUAL"):
                    shape[f"{kind} {name}"] = sql
                    continue
                pragma = conn.exec_driver_sql
                indexes = []
                for index in pragma(f"PRAGMA index_list('{name}')").all():
                    columns = [c[2] for c in pragma(f"PRAGMA index_info('{index[1]}')").all()]
                    indexes.append((*index[1:], tuple(columns)))
                shape[f"table {name}"] = (
                    sorted(tuple(c[1:]) for c in pragma(f"PRAGMA table_xinfo('{name}')").all()),
                    sorted(indexes),
                    sorted(
                        tuple(f[2:]) for f in pragma(f"PRAGMA foreign_key_list('{name}')").all()
                    ),
                )
        else:
            public = "table_schema = 'public'"
            shape["columns"] = sorted(
                tuple(row)
                for row in conn.execute(
                    text(
                        "SELECT table_name, column_name, data_type, is_nullable, column_default"
                        f" FROM information_schema.columns WHERE {public}"
                    )
                )
            )
            shape["indexes"] = sorted(
                tuple(row)
                for row in conn.execute(
                    text("SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'")
                )
            )
            shape["constraints"] = sorted(
                tuple(row)
                for row in conn.execute(
                    text(
                        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(c.oid)"
                        " FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace"
                        " WHERE n.nspname = 'public'"
                    )
                )
            )
        shape["meta"] = sorted(tuple(r) for r in conn.execute(text("SELECT * FROM meta")))
        shape["version"] = conn.execute(text("SELECT * FROM alembic_version")).all()
    engine.dispose()
    return shape


def test_a_new_database_is_made_as_the_migrations_make_it(tmp_path: Path) -> None:
    made = _shape(open_database(f"sqlite:///{tmp_path / 'new.db'}"))
    migrated = _shape(_migrated(f"sqlite:///{tmp_path / 'migrated.db'}"))
    assert made == migrated
    assert "table feeds" in made and "table search_index" in made  # it looked


def test_a_new_postgresql_database_is_made_as_the_migrations_make_it(
    postgres_url: str,
) -> None:
    from support.postgres import new_database

    made = _shape(open_database(new_database(postgres_url)))
    migrated = _shape(_migrated(new_database(postgres_url)))
    assert made == migrated
    assert made["constraints"] and made["indexes"]  # it looked


def test_migrations_create_the_schema_in_schema_py(tmp_path: Path) -> None:
    engine = _migrated(f"sqlite:///{tmp_path / 'state.db'}")
    with engine.connect() as conn:
        assert compare_metadata(_context(conn), metadata) == []
    engine.dispose()


def test_a_new_database_has_the_schema_in_schema_py(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    with engine.connect() as conn:
        assert compare_metadata(_context(conn), metadata) == []
    engine.dispose()


def test_head_revision_constant_matches_the_migrations(tmp_path: Path) -> None:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION
    engine = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    assert current_revision(engine) == HEAD_REVISION
    engine.dispose()


def _at_revision(tmp_path: Path, revision: str, *statements: str) -> Engine:
    """A SQLite state database migrated only up to ``revision``, holding the
    rows that ``statements`` insert: what an older feedmill left behind."""
    return _migrated(f"sqlite:///{tmp_path / 'state.db'}", revision, *statements)


def test_upgrading_an_old_database_keeps_its_posts(tmp_path: Path) -> None:
    # 0004 rebuilds `entries` (SQLite copies the table and drops the old one):
    # with foreign keys on, the DROP emptied `posts` by ON DELETE CASCADE.
    engine = _at_revision(
        tmp_path,
        "0003",
        "INSERT INTO feeds (id, url, error_streak, redirect_streak) VALUES (1, 'f', 0, 0)",
        "INSERT INTO entries (id, feed_id, key_hash, key, title, first_seen_at, content, version)"
        " VALUES (1, 1, 'k', 'k', 't', '2024-01-01 00:00:00', 'c', 'v1')",
        "INSERT INTO posts (entry_id, file_name, state, written_version)"
        " VALUES (1, 'a.md', 'written', 'v1')",
    )
    migrate(engine)
    assert current_revision(engine) == HEAD_REVISION
    with engine.connect() as conn:
        assert conn.execute(text("SELECT entry_id, file_name, state FROM posts")).all() == [
            (1, "a.md", "written")
        ]
        # Foreign keys are enforced again on the connections that follow.
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_references_broken_before_an_upgrade_do_not_stop_it(tmp_path: Path) -> None:
    import sqlite3

    engine = _at_revision(tmp_path, "0003")
    engine.dispose()
    # A post whose entry was deleted by hand, foreign keys off (sqlite3's default).
    with sqlite3.connect(tmp_path / "state.db") as conn:
        conn.execute(
            "INSERT INTO posts (entry_id, file_name, state, written_version)"
            " VALUES (99, 'gone.md', 'written', 'v')"
        )
    migrate(engine)
    assert current_revision(engine) == HEAD_REVISION
    engine.dispose()


def test_upgrading_to_0008_keeps_the_next_attempts_a_server_asked_for(tmp_path: Path) -> None:
    engine = _at_revision(
        tmp_path,
        "0007",
        "INSERT INTO feeds (url, error_streak, redirect_streak, next_attempt_at) VALUES "
        "('ok', 0, 0, '2026-01-01 14:00:00.000000'), "
        "('failing', 3, 0, '2026-01-01 15:00:00.000000')",
    )
    migrate(engine)
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT url, hint_until FROM feeds")).all())
    engine.dispose()
    assert rows == {"ok": "2026-01-01 14:00:00.000000", "failing": None}


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_opening_twice_is_a_no_op(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    open_database(url).dispose()
    engine = open_database(url)
    assert current_revision(engine) == HEAD_REVISION
    engine.dispose()


def test_schema_creates_and_works_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    """The same migrations and a whole pass on PostgreSQL."""
    from support.feeds import Item, rss
    from support.site import cli, posts, write_config

    engine = open_database(postgres_url)
    with engine.connect() as conn:
        assert compare_metadata(_context(conn), metadata) == []
    engine.dispose()

    (tmp_path / "feed.xml").write_bytes(
        rss("证券时报网 - 要闻", [Item("一", guid="1"), Item("二", guid="2")])
    )
    config = write_config(
        tmp_path, [{"url": "feed.xml", "group": "金融", "source": "证券时报网"}], state=postgres_url
    )
    assert cli("run", "-c", str(config)).code == 0
    assert len(posts(tmp_path)) == 2
    again = cli("run", "-c", str(config))
    assert "posts: 0 new, 0 updated, 2 unchanged" in again.stdout

    # NUL, which PostgreSQL refuses in text: in a feed's title and link, an
    # item's guid and link, a JSON Feed item's image.
    nul = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>t&#0;x</title><link>https://e.example/h&#0;</link>"
        "<item><title>三</title><guid>g&#0;3</guid><link>https://e.example/a&#0;b</link>"
        "<description>x</description></item></channel></rss>"
    )
    (tmp_path / "nul.xml").write_text(nul, encoding="utf-8")
    item = {
        "id": "4",
        "title": "四",
        "content_html": "<p>x</p>",
        "image": "https://e.example/i\u0000.jpg",
    }
    document = {"version": "https://jsonfeed.org/version/1.1", "title": "j", "items": [item]}
    (tmp_path / "nul.json").write_text(json.dumps(document), encoding="utf-8")
    feeds = [
        {"url": "nul.xml", "group": "金融", "source": "空字符"},
        {"url": "nul.json", "group": "金融", "source": "空字符二"},
    ]
    config = write_config(tmp_path, feeds, state=postgres_url)
    result = cli("run", "-c", str(config))
    assert "2 ok" in result.stdout, result.stdout
    assert len(posts(tmp_path)) == 4


def test_a_feed_that_moved_for_good_wins_over_one_only_sent_there(tmp_path: Path) -> None:
    from feedmill.store import feeds as feed_store

    engine = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    with engine.begin() as conn:
        states = feed_store.sync_feeds(conn, ["https://a.example/feed", "https://b.example/feed"])
        moved, sent = states["https://a.example/feed"], states["https://b.example/feed"]
        target = "https://new.example/feed"
        feed_store.record(conn, moved.id, fetch_url=target)  # three 301s: adopted
        feed_store.record(conn, sent.id, redirect_url=target, redirect_streak=1)  # one 301
        # feedmill.yml now names only the new URL: the adopted move's feed takes over.
        (taken,) = feed_store.sync_feeds(conn, [target]).values()
    engine.dispose()
    assert taken.id == moved.id and taken.fetch_url is None


@pytest.mark.parametrize("move", ["fetch_url", "redirect_url"])
def test_a_move_no_configured_url_claims_leaves_moved_from_and_respelling_working(
    tmp_path: Path, move: str
) -> None:
    """A feed that moved for good (or was sent on once) and is then pointed
    elsewhere by hand — `moved_from`, or its URL written another way — is
    still that feed: its move names no configured URL, so it claims none."""
    from feedmill.store import feeds as feed_store

    old, elsewhere = "https://a.example/feed", "https://c.example/feed"
    engine = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    with engine.begin() as conn:
        (state,) = feed_store.sync_feeds(conn, [old]).values()
        feed_store.record(conn, state.id, **{move: "https://b.example/feed"})
        (moved,) = feed_store.sync_feeds(conn, [elsewhere], earlier={elsewhere: [old]}).values()
        (respelt,) = feed_store.sync_feeds(
            conn, ["HTTPS://C.example:443/feed"], identity=lambda u: u.lower().replace(":443", "")
        ).values()
    engine.dispose()
    assert moved.id == state.id and respelt.id == state.id


def test_following_a_move_with_its_url_written_another_way_keeps_the_feed(
    tmp_path: Path,
) -> None:
    from feedmill.store import feeds as feed_store

    engine = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    with engine.begin() as conn:
        (state,) = feed_store.sync_feeds(conn, ["https://a.example/feed"]).values()
        feed_store.record(conn, state.id, fetch_url="https://b.example/feed")
        (taken,) = feed_store.sync_feeds(
            conn, ["HTTPS://B.EXAMPLE/feed"], identity=lambda u: u.lower()
        ).values()
    engine.dispose()
    assert taken.id == state.id and taken.fetch_url is None


def test_processes_opening_a_new_postgresql_database_at_once_take_turns(
    postgres_url: str,
) -> None:
    """Four `status` (or a daemon and a cron run after an upgrade) on an
    empty database: each migrates or finds it migrated, none fails."""
    import subprocess
    import sys

    from support.postgres import new_database

    url = new_database(postgres_url)
    script = (
        "import sys; from feedmill.store.database import open_database;"
        " open_database(sys.argv[1]).dispose()"
    )
    runs = [
        subprocess.Popen([sys.executable, "-c", script, url], stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    errors = [run.communicate(timeout=120)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0, 0], errors
    engine = open_database(url)
    assert current_revision(engine) == HEAD_REVISION
    engine.dispose()


def test_a_second_site_on_one_postgresql_database_is_refused(
    postgres_url: str, tmp_path: Path
) -> None:
    """A feedmill.yml copied with its state: URL would split both sites'
    posts between their folders, silently. A site that moved takes over."""
    import shutil

    from support.feeds import Item, rss
    from support.postgres import new_database
    from support.site import cli, posts, write_config

    url = new_database(postgres_url)
    sites = [tmp_path / "a", tmp_path / "b"]
    for site in sites:
        site.mkdir()
        (site / "_config.yml").write_text("title: site\n")  # a Hexo site: no note of its own
        (site / "feed.xml").write_bytes(rss("源", [Item("一", guid="1")]))
        write_config(site, [{"url": "feed.xml", "group": "g", "source": "s"}], state=url)
    assert cli("run", "-c", str(sites[0] / "feedmill.yml")).code == 0
    refused = cli("run", "-c", str(sites[1] / "feedmill.yml"))
    assert refused.code == 1 and not posts(sites[1])
    assert "belongs to the site whose posts are in" in refused.stderr.replace("\n", "")
    assert str(sites[0] / "source" / "_posts") in refused.stderr.replace("\n", "")
    looked = cli("status", "-c", str(sites[1] / "feedmill.yml"))
    assert looked.code == 1 and "belongs to the site whose posts are in" in looked.stderr
    assert cli("status", "-c", str(sites[0] / "feedmill.yml")).code == 0
    # The first site moved away (its folder gone): the second takes over.
    shutil.rmtree(sites[0])
    taken = cli("run", "-c", str(sites[1] / "feedmill.yml"))
    assert taken.code == 0 and "this site takes it over" in taken.stderr.replace("\n", "")
    # Its posts were the other folder's: said, with what writes them here.
    again = cli("run", "-c", str(sites[1] / "feedmill.yml")).stderr.replace("\n", " ")
    assert "held none of the 1 post on record" in again and "--rebuild" in again
    assert cli("publish", "--rebuild", "-c", str(sites[1] / "feedmill.yml")).code == 0
    assert len(posts(sites[1])) == 1
    assert cli("run", "-c", str(sites[1] / "feedmill.yml")).stderr == ""


def test_a_daemon_whose_database_another_machine_took_over_stops_posting(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A daemon on machine A, another started on machine B with the same
    `state:` (its site copied there): B took the database over, saying so,
    and A never learnt it — each posted the items it read first, and
    neither site got the other's."""
    import socket

    from feedmill.config import load_config
    from feedmill.pipeline import Mill
    from feedmill.store.database import StoreError

    from support.feeds import Item, rss
    from support.postgres import new_database
    from support.site import cli, write_config

    url = new_database(postgres_url)
    sites = [tmp_path / "a", tmp_path / "b"]
    for site in sites:
        site.mkdir()
        (site / "_config.yml").write_text("title: site\n")
        (site / "feed.xml").write_bytes(rss("源", [Item("一", guid="1")]))
        write_config(site, [{"url": "feed.xml", "group": "g", "source": "s"}], state=url)
    with Mill(load_config(sites[0] / "feedmill.yml")) as daemon:
        assert daemon.run().feeds_ok == 1
        real = socket.gethostname
        # Its own machine renamed under it (DHCP, cloud-init): still its database.
        with monkeypatch.context() as renamed:
            renamed.setattr(socket, "gethostname", lambda: f"{real()}-renamed")
            daemon.run()
        with monkeypatch.context() as elsewhere:
            elsewhere.setattr(socket, "gethostname", lambda: f"{real()}-b")
            taken = cli("run", "-c", str(sites[1] / "feedmill.yml"))
        assert taken.code == 0 and "this site takes it over" in taken.stderr.replace("\n", "")
        with pytest.raises(StoreError, match=r"took this state database over since this"):
            daemon.run()


def test_a_daemons_pass_after_the_database_was_read_only_for_a_while_succeeds(
    postgres_url: str, tmp_path: Path
) -> None:
    """PostgreSQL read-only for a while (a replica taking over: 25006): the
    daemon's passes failed, as they should, then went on failing once the
    server took writes again — each reused the session that had opened
    read-only — until the daemon was restarted."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from feedmill.cli import _daemon_pass
    from feedmill.config import load_config
    from feedmill.pipeline import Mill

    from support.feeds import Item, rss
    from support.postgres import new_database
    from support.site import posts, write_config

    url = new_database(postgres_url)
    name = make_url(url).database
    (tmp_path / "_config.yml").write_text("title: site\n")
    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss("源", [Item("一", guid="1")]))
    write_config(tmp_path, [{"url": "feed.xml", "group": "g", "source": "s"}], state=url)
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")

    def read_only(on: bool) -> None:
        with admin.connect() as conn:
            conn.execute(
                text(
                    f'ALTER DATABASE "{name}" SET default_transaction_read_only = {"on" if on else "off"}'
                )
            )
            if on:  # (a setting a session takes when it starts)
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )

    try:
        with Mill(load_config(tmp_path / "feedmill.yml")) as mill:
            assert _daemon_pass(mill, 0) == 0
            read_only(True)
            feed.write_bytes(rss("源", [Item("一", guid="1"), Item("二", guid="2")]))
            assert _daemon_pass(mill, 0) == 1  # failed, said, tried again later
            read_only(False)
            assert _daemon_pass(mill, 1) == 0
        assert len(posts(tmp_path)) == 2
    finally:
        read_only(False)
        admin.dispose()


def test_a_second_site_on_one_sqlite_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two configs naming one state file (a feedmill.yml copied) split every
    new item between the two sites, silently; a site copied or moved with
    its database inside it is still that database's site."""
    import shutil
    import socket

    from support.feeds import Item, rss
    from support.site import cli, posts, write_config

    shared = tmp_path / "shared" / "state.db"
    sites = [tmp_path / "a", tmp_path / "b"]
    for site in sites:
        site.mkdir()
        (site / "feed.xml").write_bytes(rss("源", [Item("一", guid="1")]))
        write_config(site, [{"url": "feed.xml", "group": "g", "source": "s"}], state=str(shared))
    assert cli("run", "-c", str(sites[0] / "feedmill.yml")).code == 0
    refused = cli("run", "-c", str(sites[1] / "feedmill.yml"))
    assert refused.code == 1 and not posts(sites[1])
    said = refused.stderr.replace("\n", "")
    assert f"belongs to the site in {sites[0]};" in said
    # … and `status` shows no other site's feeds as this one's, nor `search`
    # its items (it answered, and indexed into the other site's database).
    for args in (("status",), ("status", "--json"), ("search", "一"), ("search", "一", "--json")):
        looked = cli(*args, "-c", str(sites[1] / "feedmill.yml"))
        assert looked.code == 1 and not looked.stdout, args
        assert f"belongs to the site in {sites[0]};" in looked.stderr.replace("\n", "")
    assert cli("status", "-c", str(sites[0] / "feedmill.yml")).code == 0
    # `site:` mistyped in the first site's config: said as `run` says it — a
    # config error, exit 2 (it was 1 here) — not as the database belonging
    # to the site (its own, as it is spelt right).
    config = sites[0] / "feedmill.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('"site": "."', '"site": "nonexist"'), encoding="utf-8")
    for args in (("status",), ("search", "一"), ("run",)):
        looked = cli(*args, "-c", str(config))
        said = looked.stderr.replace("\n", "")
        assert looked.code == 2 and "config error" in said, said
        assert "site: " in said and "is no folder" in said, said
        assert "belongs to" not in said
    config.write_text(text, encoding="utf-8")
    shutil.rmtree(sites[0])  # the first site is gone: the second takes over
    taken = cli("run", "-c", str(sites[1] / "feedmill.yml"))
    assert taken.code == 0 and "this site takes it over" in taken.stderr.replace("\n", "")

    # The usual layout: the database inside the site.  A copy runs beside
    # the original, and a moved site is the same site.
    own = tmp_path / "own"
    own.mkdir()
    (own / "_config.yml").write_text("title: site\n")  # a Hexo site: no note of its own
    (own / "feed.xml").write_bytes(rss("源", [Item("一", guid="1")]))
    write_config(own, [{"url": "feed.xml", "group": "g", "source": "s"}])
    assert cli("run", "-c", str(own / "feedmill.yml")).code == 0
    shutil.copytree(own, tmp_path / "copy")
    for site in (own, tmp_path / "copy"):
        again = cli("run", "-c", str(site / "feedmill.yml"))
        assert again.code == 0 and again.stderr == "", again.stderr
    own.rename(tmp_path / "moved")
    moved = cli("run", "-c", str(tmp_path / "moved" / "feedmill.yml"))
    assert moved.code == 0 and moved.stderr == "", moved.stderr
    # … and a container's new host name on every run is no other site.
    with monkeypatch.context() as patch:
        patch.setattr(socket, "gethostname", lambda: "container-b7c1")
        again = cli("run", "-c", str(tmp_path / "moved" / "feedmill.yml"))
    assert again.code == 0 and again.stderr == "", again.stderr
    # The database alone moved to another folder, `state:` edited to follow
    # it: the folder it records relative to itself is some other one now
    # (here the one above the site), and the site was refused for good.
    site = tmp_path / "moved"
    (tmp_path / "state").mkdir()
    (site / ".feedmill" / "state.db").rename(tmp_path / "state" / "state.db")
    write_config(
        site, [{"url": "feed.xml", "group": "g", "source": "s"}], state="../state/state.db"
    )
    for args in (("status",), ("run",), ("run",)):
        looked = cli(*args, "-c", str(site / "feedmill.yml"))
        assert looked.code == 0 and looked.stderr == "", (args, looked.stderr)
    assert len(posts(site)) == 1


@pytest.mark.parametrize(
    "state", ["sqlite://", "sqlite:///:memory:", "sqlite:///file:x?mode=memory&uri=true"]
)
def test_an_in_memory_database_is_refused(tmp_path: Path, state: str) -> None:
    from support.site import cli, write_config

    config = write_config(tmp_path, [], state=state)
    result = cli("run", "-c", str(config))
    assert result.code == 2 and "in-memory database keeps nothing" in result.stderr


def test_a_failing_feed_is_made_due_at_once_unless_its_server_said_when(tmp_path: Path) -> None:
    """A daemon's reload retries a failing feed whose settings were edited —
    not one whose server asked for a wait (Retry-After) or said it is gone."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from feedmill.store import feeds as feed_store
    from feedmill.store.schema import feeds

    engine = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    now = datetime.now(UTC)
    later = now + timedelta(hours=1)
    statuses = {"a": 500, "b": 429, "c": 410, "d": None, "e": 503, "f": 503, "g": 429}
    # b and e asked for an hour (Retry-After); g asked for a minute, gone by now;
    # f is a 503 that said nothing of when.
    asked = {"b": later, "e": later, "g": now - timedelta(seconds=1)}
    with engine.begin() as conn:
        feed_store.sync_feeds(conn, list(statuses))
        for url, status in statuses.items():
            conn.execute(
                update(feeds)
                .where(feeds.c.url == url)
                .values(
                    error_streak=2,
                    http_status=status,
                    next_attempt_at=later,
                    hint_until=asked.get(url),
                )
            )
        assert feed_store.retry_now(conn, list(statuses), now) == 4
        states = feed_store.states(conn, list(statuses))
    engine.dispose()
    assert {url for url, s in states.items() if s.next_attempt_at is None} == {"a", "d", "f", "g"}


def test_a_postgresql_database_holding_a_link_too_long_for_a_btree_is_upgraded(
    postgres_url: str,
) -> None:
    """A btree key holds ~2.7 KB: the upgrade that first indexed links failed
    on a database holding a longer one (a tracking query string), every run
    (and a daemon waited on it for good)."""
    from support.postgres import new_database

    url = new_database(postgres_url)
    import base64
    import random

    # (Random: PostgreSQL compresses a key before it is measured.)
    token = base64.urlsafe_b64encode(random.Random(1).randbytes(3000)).decode()
    link = "https://news.example.com/a.html?q=" + token
    _migrated(
        url,
        "0003",
        "INSERT INTO feeds (id, url, error_streak, redirect_streak) VALUES (1, 'f', 0, 0)",
        "INSERT INTO entries (id, feed_id, key_hash, key, title, first_seen_at, content,"
        f" version, link) VALUES (1, 1, 'k', 'k', 't', now(), 'c', 'v1', '{link}')",
    ).dispose()
    engine = open_database(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT link FROM entries WHERE link = :l"), {"l": link}).all()
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("revision", "may_create", "said"),
    [
        # An index a migration alters: "must be owner of index ix_entries_link",
        # with no word of what to do.
        ("0009", True, "must be owner"),
        # PostgreSQL 15 grants no CREATE on `public` to others than its owner: a
        # migration that makes a table said "permission denied for schema public".
        ("0012", False, "permission denied for schema"),
        # A new, empty database in such a schema: no upgrade, tables it may not make.
        ("", False, "permission denied for schema"),
    ],
)
def test_a_user_that_cannot_upgrade_the_schema_is_told_who_can(
    postgres_url: str, revision: str, may_create: bool, said: str
) -> None:
    """A PostgreSQL user granted reads and writes only, on a database a new
    version must migrate."""
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from feedmill.store.database import StoreError

    from support.postgres import new_database

    url = new_database(postgres_url)
    if revision:
        _migrated(url, revision).dispose()
    writer = f"w_{uuid.uuid4().hex[:8]}"
    owner = create_engine(url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(text(f"CREATE ROLE {writer} LOGIN"))
        if not may_create:
            conn.execute(text(f"REVOKE CREATE ON SCHEMA public FROM PUBLIC, {writer}"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {writer}"))
        conn.execute(
            text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {writer}")
        )
        conn.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {writer}"))
    owner.dispose()
    as_writer = make_url(url).set(username=writer).render_as_string(hide_password=False)
    with pytest.raises(StoreError, match=said) as raised:
        open_database(as_writer)
    assert "run feedmill once as the database user that owns it" in str(raised.value)
    if not may_create:
        assert "GRANT CREATE ON SCHEMA public" in str(raised.value)
    assert "LINE" not in str(raised.value)  # (the statement PostgreSQL quotes)


def test_a_role_that_may_not_create_in_its_own_schema_is_told_which(postgres_url: str) -> None:
    """Its search_path names a schema of its own (not `public`): the hint
    named `public`, and owning the database, neither of which helps."""
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from feedmill.store.database import StoreError

    from support.postgres import new_database

    url = new_database(postgres_url)
    role = f"w_{uuid.uuid4().hex[:8]}"
    owner = create_engine(url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(text("CREATE SCHEMA news"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA news TO {role}"))
    owner.dispose()
    as_role = make_url(url).set(username=role).update_query_dict({"options": "-csearch_path=news"})
    with pytest.raises(StoreError) as raised:
        open_database(as_role.render_as_string(hide_password=False))
    said = str(raised.value)
    assert "permission denied for schema news" in said
    assert "GRANT CREATE ON SCHEMA news TO it" in said and "owner, or" not in said


def test_a_password_given_as_a_query_parameter_is_not_shown() -> None:
    from feedmill.store.database import redacted

    shown = redacted("postgresql+psycopg://fm@db.example/news?password=S3cret&sslmode=require")
    assert "S3cret" not in shown and "password=***" in shown and "sslmode=require" in shown
    assert redacted("postgresql+psycopg://fm:S3cret@db.example/news") == (
        "postgresql+psycopg://fm:***@db.example/news"
    )


def test_a_postgresql_lock_held_elsewhere_ends_the_pass_as_sqlites_busy_file_does(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A psql session left in a transaction over the feeds table held a run
    (and the site's lock, so every cron run after it) for ever; SQLite gives
    up after its busy timeout. PostgreSQL waits as long, then the pass fails."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from feedmill.store import database

    from support.feeds import Item, rss
    from support.postgres import new_database
    from support.site import cli, posts, write_config

    url = new_database(postgres_url)
    engine = open_database(url)
    with engine.connect() as conn:
        assert conn.execute(text("SHOW lock_timeout")).scalar() == "30s"
        # A session of a machine gone mid-pass ends in minutes, not hours,
        # with its locks (and a server gone silent is given up client-side).
        assert conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar() == "10min"
        parameters = conn.connection.dbapi_connection.info.get_parameters()  # type: ignore[union-attr]
        assert parameters["tcp_user_timeout"] == "60000" and parameters["keepalives_idle"] == "30"
    engine.dispose()
    # They are tuning: a role that may not read pg_settings (where they are
    # looked up) opens its database all the same — it could open none.
    # (Here, not in a test of its own: the revoke is the whole server's.)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    server = make_url(url)
    role = f"r_{server.database}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(text(f'GRANT ALL ON DATABASE "{server.database}" TO "{role}"'))
        conn.execute(text(f'GRANT ALL ON SCHEMA public TO "{role}"'))
        conn.execute(text(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{role}"'))
        conn.execute(text(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{role}"'))
        conn.execute(text("REVOKE SELECT ON pg_settings FROM PUBLIC"))
    try:
        limited = open_database(server.set(username=role).render_as_string(hide_password=False))
        with limited.connect() as conn:
            assert conn.execute(text("SHOW lock_timeout")).scalar() == "30s"
        limited.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text("GRANT SELECT ON pg_settings TO PUBLIC"))
        admin.dispose()
    # One the user set (here the URL's options; a role's or PGOPTIONS alike) stays,
    # and is set after connecting: a startup option PgBouncer would refuse.
    separator = "&" if "?" in url else "?"
    own = open_database(f"{url}{separator}options=-c%20lock_timeout%3D5000")
    with own.connect() as conn:
        assert conn.execute(text("SHOW lock_timeout")).scalar() == "5s"
    own.dispose()
    with monkeypatch.context() as environment:  # libpq reads PGOPTIONS as it connects
        environment.setenv("PGOPTIONS", "-c lock_timeout=7000")
        own = open_database(url)
        with own.connect() as conn:
            assert conn.execute(text("SHOW lock_timeout")).scalar() == "7s"
        own.dispose()
    (tmp_path / "feed.xml").write_bytes(rss("源", [Item("一", guid="1")]))
    config = write_config(tmp_path, [{"url": "feed.xml", "group": "g", "source": "s"}], state=url)
    assert cli("run", "-c", str(config)).code == 0
    monkeypatch.setattr(database, "LOCK_TIMEOUT", 1)  # this process's; 30 s otherwise
    other = create_engine(url)
    with other.connect() as held:
        held.execute(text("LOCK TABLE feeds IN ACCESS EXCLUSIVE MODE"))
        result = cli("run", "-c", str(config), "--all")
        held.rollback()
    other.dispose()
    assert result.code == 1
    assert "the state database" in result.stderr and "lock timeout" in result.stderr
    assert len(posts(tmp_path)) == 1
    assert cli("run", "-c", str(config), "--all").code == 0  # the lock let go


def test_a_postgresql_lock_met_while_a_feed_is_stored_fails_the_pass_not_the_feed(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lock met by a worker storing a feed (here dedupe's table) failed that
    feed — "could not store: LockNotAvailable … LINE 1: …", exit 0, the feed
    backing off for the server's trouble — where SQLite's fails the pass."""
    import json

    from sqlalchemy import create_engine

    from feedmill.store import database

    from support.feeds import Item, rss
    from support.postgres import new_database
    from support.site import cli, posts, write_config

    url = new_database(postgres_url)
    (tmp_path / "feed.xml").write_bytes(rss("源", [Item("一", guid="1")]))
    config = write_config(tmp_path, [{"url": "feed.xml", "group": "g", "source": "s"}], state=url)
    assert cli("run", "-c", str(config)).code == 0
    (tmp_path / "feed.xml").write_bytes(rss("源", [Item("一", guid="1"), Item("二", guid="2")]))
    monkeypatch.setattr(database, "LOCK_TIMEOUT", 1)  # this process's; 30 s otherwise
    other = create_engine(url)
    with other.connect() as held:
        held.execute(text("LOCK TABLE dedupe_bands IN ACCESS EXCLUSIVE MODE"))
        result = cli("run", "-c", str(config), "--all", "--workers", "1")
        held.rollback()
    other.dispose()
    assert result.code == 1, result.stdout + result.stderr
    assert "lock timeout" in result.stderr and "LINE 1" not in result.stderr
    [row] = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert row["last_error"] is None and row["error_streak"] == 0
    assert cli("run", "-c", str(config), "--all").code == 0  # the lock let go
    assert len(posts(tmp_path)) == 2


def test_a_postgresql_server_that_never_answers_is_waited_for_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reading the schema's revision took "cannot connect" for "no schema
    yet", and the migration connected again: twice the documented wait."""
    import socket
    import threading

    from feedmill.store import database

    monkeypatch.setattr(database, "CONNECT_TIMEOUT", 1)  # libpq waits 2 s at least
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        accepted: list[socket.socket] = []

        def accept() -> None:
            while True:
                try:
                    accepted.append(listener.accept()[0])
                except OSError:
                    return

        threading.Thread(target=accept, daemon=True).start()
        port = listener.getsockname()[1]
        with pytest.raises(database.StoreError, match="connection timeout expired"):
            open_database(f"postgresql+psycopg://u@127.0.0.1:{port}/x")
        assert len(accepted) == 1
        for connection in accepted:
            connection.close()


def test_two_sites_claiming_a_new_postgresql_database_at_once_hear_why(
    postgres_url: str, tmp_path: Path
) -> None:
    """Both first runs read "no site yet" and both wrote theirs: the second
    failed on the table's key, in the database's words. One claim at a time:
    the second is told whose database it is, as on SQLite."""
    import subprocess
    import sys
    import time

    from sqlalchemy import create_engine

    from support.feeds import Item, rss
    from support.postgres import new_database
    from support.site import write_config

    url = new_database(postgres_url)
    open_database(url).dispose()
    sites = [tmp_path / "a", tmp_path / "b"]
    for site in sites:
        site.mkdir()
        (site / "feed.xml").write_bytes(rss("源", [Item("一", guid="1")]))
        write_config(site, [{"url": "feed.xml", "group": "g", "source": "s"}], state=url)
    other = create_engine(url)
    with other.connect() as held, other.connect() as watch:
        held.execute(text("LOCK TABLE meta IN ACCESS EXCLUSIVE MODE"))  # both runs line up
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "feedmill", "run", "-c", str(site / "feedmill.yml")],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for site in sites
        ]
        waiting = 0
        for _ in range(600):
            waiting = watch.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            ).scalar_one()
            watch.rollback()
            if waiting >= 2:
                break
            time.sleep(0.1)
        held.rollback()
    other.dispose()
    outputs = [run.communicate(timeout=120) for run in runs]
    results = [(run.returncode, *output) for run, output in zip(runs, outputs, strict=True)]
    assert waiting >= 2, results
    assert sorted(code for code, _, _ in results) == [0, 1], results
    (refused,) = [err for code, _, err in results if code == 1]
    assert "the state database belongs to the site whose posts are in" in refused.replace("\n", "")
    assert "pk_meta" not in refused


def test_a_driver_that_is_not_installed_is_named_with_the_one_to_write() -> None:
    # "pip install 'feedmill[postgres]'" was the advice: it installs psycopg 3.
    import importlib.util

    from feedmill.store.database import StoreError

    if importlib.util.find_spec("psycopg2") is not None:
        pytest.skip("psycopg2 is installed here")
    with pytest.raises(StoreError, match=r"psycopg2.*write postgresql\+psycopg://"):
        open_database("postgresql+psycopg2://u@127.0.0.1:1/x")


def test_what_a_waiting_daemon_waits_for_on_sqlite(tmp_path: Path) -> None:
    """`for_now`, on SQLite's own errors: a lock held past the busy timeout is
    worth waiting for; a read-only file or one that is no database is not."""
    import sqlite3

    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError

    from feedmill.store.database import StoreError, for_now

    path = tmp_path / "state.db"
    open_database(f"sqlite:///{path}").dispose()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:  # (no busy timeout: SQLite's own error at once, not after 30 s)
        locked = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
        with pytest.raises(OperationalError) as waited, locked.begin() as conn:
            conn.execute(text("CREATE TABLE t (x)"))
        locked.dispose()
    finally:
        holder.rollback()
        holder.close()
    assert "locked" in str(waited.value) and for_now(waited.value)

    sqlite3.connect(tmp_path / "empty.db").close()  # a file its schema must be written to
    with pytest.raises(StoreError) as read_only:
        open_database(f"sqlite:///file:{tmp_path / 'empty.db'}?mode=ro&uri=true")
    assert "readonly" in str(read_only.value) and not for_now(read_only.value)
    (tmp_path / "junk.db").write_bytes(b"not a database, not at all" * 100)
    with pytest.raises(StoreError) as junk:
        open_database(f"sqlite:///{tmp_path / 'junk.db'}")
    assert "not a database" in str(junk.value) and not for_now(junk.value)


def test_what_no_wait_mends_is_not_waited_for() -> None:
    """A daemon waits for a server away, not for a password or a role that
    cannot be right later (psycopg gives these no SQLSTATE: their words)."""
    from sqlalchemy.exc import OperationalError

    from feedmill.store.database import for_now

    def refused(said: str) -> OperationalError:
        return OperationalError("connect", {}, Exception(said))

    assert for_now(refused("connection failed: connection refused"))
    assert for_now(refused('connection failed: FATAL:  database "news" does not exist'))
    for said in (
        'connection failed: FATAL:  password authentication failed for user "fm"',
        'connection failed: FATAL:  role "fm" does not exist',
        'connection failed: FATAL:  permission denied for database "news"',
        'connection failed: FATAL:  role "fm" is not permitted to log in',
        # A password left out where one is needed; pg_hba.conf turning the role away.
        "connection failed: fe_sendauth: no password supplied",
        'connection failed: FATAL:  pg_hba.conf rejects connection for host "[local]", user "fm"',
        'connection failed: FATAL:  no pg_hba.conf entry for host "10.0.0.5", user "fm"',
        # libpq's reading of the URL (`sslmode=requir`): a daemon waited on it for good.
        'connection is bad: invalid sslmode value: "requir"',
        'connection is bad: invalid target_session_attrs value: "rw"',
        'invalid connection option "sslmod"',
    ):
        assert not for_now(refused(said)), said

    # What the server names by its SQLSTATE: waited for where a wait may mend it.
    class ServerError(Exception):
        def __init__(self, sqlstate: str) -> None:
            super().__init__(sqlstate)
            self.sqlstate = sqlstate

    def named(sqlstate: str) -> OperationalError:
        return OperationalError("SELECT 1", {}, ServerError(sqlstate))

    # (A statement timeout too: one met waiting for another session's lock.)
    for sqlstate in ("08006", "53300", "53100", "57P01", "57P03", "57014", "40P01", "55P03"):
        assert for_now(named(sqlstate)), sqlstate
    # A row past an index's limit (an upgrade failed on it every run), a bug, a table gone.
    for sqlstate in ("54000", "XX000", "42P01"):
        assert not for_now(named(sqlstate)), sqlstate
    # The server refusing the URL's `options` (no SQLSTATE at connect).
    for said in (
        'connection failed: FATAL:  unrecognized configuration parameter "lock_timout"',
        'connection failed: FATAL:  invalid value for parameter "statement_timeout": "abc"',
    ):
        assert not for_now(refused(said)), said


def test_a_standby_not_promoted_yet_is_waited_for() -> None:
    """psycopg raises a read-only transaction's 25006 (a standby a failover
    has not promoted yet) as an InternalError: a daemon started then ended."""
    import psycopg.errors
    from sqlalchemy.exc import InternalError

    from feedmill.store.database import for_now

    read_only = psycopg.errors.ReadOnlySqlTransaction(
        "cannot execute CREATE TABLE in a read-only transaction"
    )
    assert read_only.sqlstate == "25006"
    assert for_now(InternalError("CREATE TABLE feeds", {}, read_only))


def test_a_role_granted_reads_only_searches_what_is_indexed(
    postgres_url: str, tmp_path: Path
) -> None:
    """Items stored unindexed (`search: false`) and a role that may only read:
    `search` failed (exit 1, "permission denied") instead of answering."""
    import json
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from support.feeds import Item, rss
    from support.postgres import new_database
    from support.site import cli, write_config

    url = new_database(postgres_url)
    (tmp_path / "feed.xml").write_bytes(rss("源", [Item("央行降准", guid="1")]))
    feeds = [{"url": "feed.xml", "group": "g", "source": "s"}]
    config = write_config(tmp_path, feeds, state=url)
    assert cli("run", "-c", str(config)).code == 0  # indexed as it is stored
    (tmp_path / "feed.xml").write_bytes(
        rss("源", [Item("央行降准", guid="1"), Item("央行加息", guid="2")])
    )
    config = write_config(tmp_path, feeds, state=url, search=False)
    assert cli("run", "-c", str(config)).code == 0  # stored, waiting for the index
    reader = f"r_{uuid.uuid4().hex[:8]}"
    owner = create_engine(url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(text(f"CREATE ROLE {reader} LOGIN"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {reader}"))
        conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {reader}"))
    owner.dispose()
    as_reader = make_url(url).set(username=reader).render_as_string(hide_password=False)
    config = write_config(tmp_path, feeds, state=as_reader, search=False)
    found = cli("search", "央行", "-c", str(config), "--json")
    assert found.code == 0, found.stderr
    assert [row["title"] for row in json.loads(found.stdout)] == ["央行降准"]
    assert "1 item not indexed yet, not searched" in found.stderr
    # An index an older feedmill built: it must be built again, which this
    # role may not do — said so ("permission denied" came as another error).
    with owner.connect() as conn:
        conn.execute(text("UPDATE meta SET value = '1+old' WHERE name = 'search_index'"))
    owner.dispose()
    older = cli("search", "央行", "-c", str(config))
    assert older.code == 1
    assert "the search index is an older feedmill's and must be built again" in older.stderr
