"""Retention: move old posts out of source/_posts, and back on a rebuild.

Hexo reads every file of source/_posts on every build and keeps them all in
memory; a site that never lets go grows slower each day.  Older posts are
moved to an archive folder that Hexo does not read (its name starts with
``_``); nothing is deleted, and the database keeps every entry, so
``feedmill publish --rebuild`` can put them back.

Each move is a rename, and the database records it afterwards: after a
crash the next pass finds the file already moved and only records it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import suppress
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine

from feedmill.config import RetentionSettings
from feedmill.store import meta
from feedmill.store import posts as post_store
from feedmill.store.database import reading

# The meta entry naming the folder (relative to the site) that holds the
# archived posts: the config's `retention.archive` may change, or go.
FOLDER = "archive_folder"


def archive_old_posts(
    engine: Engine, posts_dir: Path, archive_dir: Path, policy: RetentionSettings, now: datetime
) -> int:
    """Move what ``policy`` no longer keeps to ``archive_dir``; returns how many."""
    older_than = now - timedelta(days=policy.days) if policy.days else None

    def present() -> set[str]:
        try:
            return set(os.listdir(posts_dir))
        except FileNotFoundError:
            return set()

    with reading(engine) as conn:
        leaving = post_store.to_archive(
            conn, older_than=older_than, keep=policy.max_posts, present=present
        )
    if not leaving:
        return 0
    archive_dir.mkdir(parents=True, exist_ok=True)
    moved: list[int] = []
    removed: list[int] = []
    for entry_id, name in leaving:
        try:
            os.replace(posts_dir / name, archive_dir / name)
        except FileNotFoundError:
            # Moved before a crash (only to be recorded), or deleted by hand:
            # then it is no post on the site, and none in the archive either.
            if not (archive_dir / name).exists():
                removed.append(entry_id)
                continue
        moved.append(entry_id)
    with engine.begin() as conn:
        post_store.set_state(conn, moved, "archived")
        post_store.mark_removed(conn, removed)
        if moved:
            _record(conn, posts_dir, archive_dir)
    return len(moved)


def _site(posts_dir: Path) -> Path:
    return posts_dir.parent.parent  # <site>/source/_posts


def _record(conn: Connection, posts_dir: Path, archive_dir: Path) -> None:
    folder = os.path.relpath(archive_dir, _site(posts_dir))
    if meta.get(conn, FOLDER) != folder:
        meta.put(conn, FOLDER, folder)


def folders(engine: Engine, posts_dir: Path, archive_dir: Path) -> list[Path]:
    """Where archived posts may be: the configured folder, and the one they
    were moved to before the config named another (or dropped retention)."""
    with reading(engine) as conn:
        recorded = meta.get(conn, FOLDER)
    earlier = _site(posts_dir) / recorded if recorded is not None else None
    if earlier is None or os.path.abspath(earlier) == os.path.abspath(archive_dir):
        return [archive_dir]
    return [archive_dir, earlier]


def move_archive(engine: Engine, posts_dir: Path, archive_dir: Path) -> int:
    """Archived posts moved from the folder an earlier config named to the
    configured one (a second folder left behind kept them from a rebuild)."""
    where = folders(engine, posts_dir, archive_dir)
    if len(where) == 1:
        return 0
    with reading(engine) as conn:
        names = post_store.archived_names(conn, None)
    moved = 0
    for name in names:
        if (archive_dir / name).exists():
            continue
        if moved == 0:
            archive_dir.mkdir(parents=True, exist_ok=True)
        with suppress(FileNotFoundError):
            os.replace(where[1] / name, archive_dir / name)
            moved += 1
    with engine.begin() as conn:
        _record(conn, posts_dir, archive_dir)
    return moved


def drop_archived_copies(archive_dir: Path, names: set[str]) -> int:
    """After a rebuild has written ``names`` into source/_posts again: no second copy."""
    try:
        present = set(os.listdir(archive_dir))
    except FileNotFoundError:
        return 0
    dropped = 0
    for name in present & names:
        os.unlink(archive_dir / name)
        dropped += 1
    return dropped


def restore_archived(archive_dir: Path, posts_dir: Path, names: Iterable[str]) -> int:
    """Move archived posts back before a rebuild rewrites them.

    A rename keeps a file's bytes and time: the rebuild then leaves a post
    that did not change as it was, and retention moves it out again as it
    was (rewriting the whole archive on every rebuild touched every file).
    """
    restored = 0
    for name in names:
        if (posts_dir / name).exists():
            continue  # a copy put back by hand: the rebuild rewrites that one
        with suppress(FileNotFoundError):
            os.replace(archive_dir / name, posts_dir / name)
            restored += 1
    return restored
