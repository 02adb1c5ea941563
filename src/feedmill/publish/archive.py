"""Retention: move old posts out of source/_posts, and back on a rebuild.

Hexo reads every file of source/_posts on every build and keeps them all in
memory; a site that never lets go grows slower each day.  Older posts are
moved to an archive folder that Hexo does not read (its name starts with
``_``); nothing is deleted, and the database keeps every entry, so
``feedmill publish --rebuild`` can put them back.

Each move is a rename (across file systems, a whole copy, then the original
removed), and the database records it afterwards: after a
crash the next pass finds the file already moved and only records it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from contextlib import suppress
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine

from feedmill.config import RetentionSettings
from feedmill.publish.writer import move_file
from feedmill.store import meta
from feedmill.store import posts as post_store
from feedmill.store.database import reading
from feedmill.store.site import earlier_posts

# The meta entry naming the folders (relative to the site, as JSON, the
# configured one first) that may hold archived posts: the config's
# `retention.archive` may change, or go, and a move between two may be cut
# short.  Written before any file moves, so that a crash leaves every folder
# holding some known.
FOLDERS = "archive_folders_in_site"
# … as earlier versions recorded them: relative to the posts folder's
# parent's parent (the site only where `source_dir` is one level deep).
# Read once, and recorded again the new way.
_OLD_FOLDERS = "archive_folders"


class ArchiveMissing(OSError):
    """The archive folder is a link to a folder that is not there (a disk
    not mounted): said so, not as "[Errno 17] File exists"."""

    def __str__(self) -> str:
        return str(self.args[0])


def reachable(archive_dir: Path, *, until: str = "no post is archived") -> None:
    """ArchiveMissing where ``archive_dir``, or a folder it is in
    (`_mnt/archive`), is a link to nothing; ``until``: what waits for it."""
    for link in (archive_dir, *archive_dir.parents):
        if link.is_symlink() and not link.exists():
            where = "is" if link == archive_dir else f"is in {link},"
            raise ArchiveMissing(
                f"the archive folder {archive_dir} {where} a link to {os.readlink(link)},"
                f" which is not there (a disk not mounted?): {until} until it is"
            )


def _made(archive_dir: Path) -> None:
    """``archive_dir`` made if it is not there, or ArchiveMissing."""
    try:
        archive_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        reachable(archive_dir)
        raise


def archive_old_posts(
    engine: Engine,
    site: Path,
    posts_dir: Path,
    archive_dir: Path,
    policy: RetentionSettings,
    now: datetime,
) -> int:
    """Move what ``policy`` no longer keeps to ``archive_dir`` (a folder of
    ``site``, whose posts are in ``posts_dir``); returns how many."""
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
    # Recorded before any file moves: a run killed after some knows where.
    known = folders(engine, site, posts_dir, archive_dir)
    with engine.begin() as conn:
        _record(conn, site, known)
    _made(archive_dir)
    moved: list[int] = []
    removed: list[int] = []
    try:
        for entry_id, name in leaving:
            try:
                move_file(posts_dir / name, archive_dir / name)
            except FileNotFoundError:
                # Moved before a crash (only to be recorded; to a folder the
                # config named then, maybe), or deleted by hand: then it is no
                # post on the site, and none in the archive either.
                if not _gather(name, archive_dir, known[1:]):
                    removed.append(entry_id)
                    continue
            moved.append(entry_id)
    finally:
        # Recorded, those moved, when a move fails (the archive's disk full):
        # `status` counted them on the site, as none archived, pass after pass.
        with engine.begin() as conn:
            post_store.set_state(conn, moved, "archived")
            post_store.mark_removed(conn, removed)
    return len(moved)


def _gather(name: str, archive_dir: Path, elsewhere: Sequence[Path]) -> bool:
    """Whether the archived post ``name`` is in ``archive_dir``, moved there
    from another folder that may hold it if need be."""
    if (archive_dir / name).exists():
        # Whole (`move_file` puts a copy in place at once): an original
        # elsewhere is what a move to another disk, killed before it removed
        # it, left in a folder about to be forgotten.  Not the one copy (a
        # folder that is this one by a link); one that cannot go stays.
        for folder in elsewhere:
            with suppress(OSError):
                if not os.path.samefile(folder / name, archive_dir / name):
                    os.unlink(folder / name)
        return True
    for folder in elsewhere:
        with suppress(FileNotFoundError):
            move_file(folder / name, archive_dir / name)
            return True
    return False


def _record(conn: Connection, site: Path, where: Sequence[Path]) -> None:
    # (Relative to the site itself: to the posts folder's parent's parent, as
    # they were, they named other folders once a source_dir of two levels
    # changed, and an archive was left behind, its posts written twice.)
    names = json.dumps([os.path.relpath(folder, site) for folder in where])
    if meta.get(conn, FOLDERS) != names:
        meta.put(conn, FOLDERS, names)
    meta.forget(conn, _OLD_FOLDERS)


def _recorded(conn: Connection, site: Path, posts_dir: Path) -> list[Path]:
    """The folders recorded, as paths (none if none, or unreadable)."""
    recorded = meta.get(conn, FOLDERS)
    bases = [site]
    if recorded is None:
        recorded = meta.get(conn, _OLD_FOLDERS)
        # Written by the last run, against its posts folder (recorded too,
        # unless this pass has moved the posts already) — or this one's.
        last = earlier_posts(conn, str(site))
        bases = [Path(folder).parent.parent for folder in (last, posts_dir) if folder]
    try:
        names = [str(name) for name in json.loads(recorded)] if recorded else []
    except ValueError:
        return []
    found = []
    for name in names:
        # (Of the two old bases, the one where the folder is.)
        paths = [base / name for base in bases]
        found.append(next((path for path in paths if path.is_dir()), paths[-1]))
    return found


def record_anew(engine: Engine, site: Path, posts_dir: Path) -> None:
    """An earlier version's record of the archive folders, recorded against
    the site (once; a pass's first step: what it was recorded against is the
    posts folder of the run before, which the pass may move)."""
    with reading(engine) as conn:
        if meta.get(conn, _OLD_FOLDERS) is None:
            return
    with engine.begin() as conn:
        if meta.get(conn, _OLD_FOLDERS) is not None:
            _record(conn, site, _recorded(conn, site, posts_dir))


def folders(engine: Engine, site: Path, posts_dir: Path, archive_dir: Path) -> list[Path]:
    """Where archived posts may be: the configured folder first, then those
    an earlier config named (or a move cut short left some in).  No other
    folder of the site is looked in: one of its own (a backup of
    source/_posts) holds files named as posts."""
    with reading(engine) as conn:
        earlier = _recorded(conn, site, posts_dir)
    out = [archive_dir]
    for folder in earlier:
        if all(os.path.abspath(folder) != os.path.abspath(f) for f in out):
            out.append(folder)
    return out


def move_archive(engine: Engine, site: Path, posts_dir: Path, archive_dir: Path) -> None:
    """Archived posts moved from the folders an earlier config named to the
    configured one (a folder left behind kept them from a rebuild); the
    configured folder then recorded as the one.  (An archive made before
    folders were recorded is taken to be in the configured folder: one in
    another, the setting changed since, is not found.)"""
    where = folders(engine, site, posts_dir, archive_dir)
    if len(where) > 1:
        with engine.begin() as conn:
            _record(conn, site, where)  # all of them, until every post is moved
        with reading(engine) as conn:
            names = post_store.archived_names(conn, None)
        _made(archive_dir)
        for name in names:
            _gather(name, archive_dir, where[1:])
    with engine.begin() as conn:
        _record(conn, site, where[:1])  # (written only if it differs)


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


def put_back(posts_dir: Path, moved: Iterable[tuple[Path, str]]) -> None:
    """The archived posts a rebuild brought back (`restore_archived`: the
    folder each came from, its name) moved there again, without the
    database: a rebuild that failed."""
    for folder, name in moved:
        with suppress(OSError):
            move_file(posts_dir / name, folder / name)


def restore_archived(archive_dir: Path, posts_dir: Path, names: Iterable[str]) -> list[str]:
    """Move archived posts back before a rebuild rewrites them; returns those moved.

    A rename keeps a file's bytes and time: the rebuild then leaves a post
    that did not change as it was, and retention moves it out again as it
    was (rewriting the whole archive on every rebuild touched every file).
    """
    restored = []
    for name in names:
        if (posts_dir / name).exists():
            continue  # a copy put back by hand: the rebuild rewrites that one
        with suppress(FileNotFoundError):
            move_file(archive_dir / name, posts_dir / name)
            restored.append(name)
    return restored
