"""Write a feedmill.yml for a test and run the real CLI in-process."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from feedmill.cli import app


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def write_config(directory: Path, feeds: list[dict[str, Any]], **top: Any) -> Path:
    """feedmill.yml in ``directory`` (JSON is YAML) with ``site: .``."""
    directory.mkdir(parents=True, exist_ok=True)
    data = {"site": ".", "state": ".feedmill/state.db", **top, "feeds": feeds}
    path = directory / "feedmill.yml"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def cli(*args: str) -> Result:
    runner = CliRunner()
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return Result(result.exit_code, result.stdout, result.stderr)


def posts(directory: Path) -> dict[str, str]:
    """File name → text of every post under ``directory``/source/_posts."""
    folder = directory / "source" / "_posts"
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md"))}


def mtimes(directory: Path) -> dict[str, int]:
    folder = directory / "source" / "_posts"
    return {p.name: p.stat().st_mtime_ns for p in sorted(folder.glob("*.md"))}


def owe_a_rebuild(directory: Path) -> None:
    """What a `publish --rebuild` killed at once commits: every post queued
    again, the rebuild recorded as owed (the site's SQLite database)."""
    from sqlalchemy import select

    from feedmill.pipeline import REBUILD_OWED
    from feedmill.store import meta
    from feedmill.store.database import open_database
    from feedmill.store.posts import queue_all
    from feedmill.store.schema import feeds

    engine = open_database(f"sqlite:///{directory / '.feedmill' / 'state.db'}")
    with engine.begin() as conn:
        queue_all(conn, list(conn.execute(select(feeds.c.id)).scalars()))
        meta.put(conn, REBUILD_OWED, "1")
    engine.dispose()


def stored_before_untracking(directory: Path, document: bytes) -> None:
    """The site as a release that kept tracking parameters in links left it,
    for the items of ``document`` (an RSS feed it had read last): in the
    database, their links as the feed writes them, versions made over those
    links, the schema one revision back (0011, before links lost them); in
    their posts, the placeholder picture that link gave (where they show one)."""
    import sqlite3
    from dataclasses import replace
    from zoneinfo import ZoneInfo

    from feedmill.normalize.document import normalize_document
    from feedmill.parse import parse_document
    from feedmill.publish.render import placeholder_number
    from feedmill.store.entries import entry_version, key_hash

    parsed = parse_document(document, "application/rss+xml")
    normalized = normalize_document(parsed, feed_url="", zone=ZoneInfo("Asia/Shanghai"))
    with sqlite3.connect(directory / ".feedmill" / "state.db") as db:
        for entry in normalized.entries:
            if entry.tracked_link is None:
                continue
            (version,) = db.execute(
                "SELECT version FROM entries WHERE key_hash = ?", (key_hash(entry.key),)
            ).fetchone()
            assert version == entry_version(entry), "stored with the dates the feed gives"
            before = entry_version(replace(entry, link=entry.tracked_link))
            db.execute(
                "UPDATE entries SET link = ?, version = ? WHERE key_hash = ?",
                (entry.tracked_link, before, key_hash(entry.key)),
            )
            db.execute(
                "UPDATE posts SET written_version = ? WHERE entry_id ="
                " (SELECT id FROM entries WHERE key_hash = ?)",
                (before, key_hash(entry.key)),
            )
            (name,) = db.execute(
                "SELECT file_name FROM posts JOIN entries ON entries.id = posts.entry_id"
                " WHERE key_hash = ?",
                (key_hash(entry.key),),
            ).fetchone()
            post = directory / "source" / "_posts" / name
            now, then = (
                f"?random={placeholder_number(link)}'"
                for link in (entry.link or "", entry.tracked_link)
            )
            post.write_text(post.read_text(encoding="utf-8").replace(now, then), encoding="utf-8")
        db.execute("DROP TABLE search_pending")  # (0013's)
        db.execute("UPDATE alembic_version SET version_num = '0011'")


def fill_the_disk_after(monkeypatch: Any, moves: int) -> None:
    """Posts moving to a changed source_dir: the new folder's disk is full
    after ``moves`` of them (``monkeypatch`` undoes it)."""
    import errno

    from feedmill.publish import postsfolder

    real_move, done = postsfolder.move_file, []

    def move_until_full(source: Path, target: Path) -> None:
        if len(done) >= moves:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_move(source, target)
        done.append(source)

    monkeypatch.setattr(postsfolder, "move_file", move_until_full)
