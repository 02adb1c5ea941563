"""The posts follow the site's posts folder when Hexo's ``source_dir`` changes.

A site whose ``_config.yml`` names another ``source_dir`` (``source`` →
``src``) has its posts read from ``src/_posts`` from then on.  The posts
written to the old folder were left there, where Hexo no longer reads
them, and an edit of one of their items took it for a post deleted by hand
(its file missing from the new folder): left alone for good.  The database
records the folder (relative to the site) its posts were written to; when
the site's is another, the posts it knows there are moved, one rename each
(a run killed midway finds the rest where they were), and the new folder is
recorded once all are.

A move cut short (the new folder's disk full) leaves posts in the old
folder while new ones, and edits, are written to the new one; the database
lists that folder too before a post goes there, so that a ``source_dir``
changed again (back, or to a third folder) before the move ends still
gathers every post.  Where two folders hold a post, the copy written last
(by its time: a move keeps it) is the post.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Engine, select

from feedmill.publish.writer import make_in_site, move_file, takes_no_writes
from feedmill.store import meta
from feedmill.store.database import reading
from feedmill.store.posts import on_site
from feedmill.store.schema import posts
from feedmill.store.site import POSTS_FOLDER, POSTS_SINCE, posts_since


class Followed(NamedTuple):
    """Posts moved from the folders ``was`` (relative to the site, as said:
    ``source/_posts and src/_posts``): ``moved`` of them, and whether that was
    all (``done``), or the rest wait in ``waiting`` (absolute) for a pass
    that can move them (``why`` not)."""

    was: str
    moved: int
    done: bool = True
    why: str = ""
    waiting: tuple[str, ...] = ()


def follow(engine: Engine, posts_dir: Path, site_dir: Path) -> Followed | None:
    """Move the site's posts from the folders the database recorded to
    ``posts_dir``; returns what moved, if they were others that are still
    there."""
    here = os.path.relpath(posts_dir, site_dir)
    with reading(engine) as conn:
        recorded = meta.get(conn, POSTS_FOLDER)
        since = posts_since(conn)
    if recorded is None or (recorded == here and not since):
        if recorded is None:
            with engine.begin() as conn:
                meta.put(conn, POSTS_FOLDER, here)
        return None
    folders = [
        site_dir / folder
        for folder in dict.fromkeys([recorded, *since])
        if (site_dir / folder).is_dir() and not _same_dir(site_dir / folder, posts_dir)
    ]
    moved: Followed | None = None
    if folders:
        was = " and ".join(os.path.relpath(folder, site_dir) for folder in folders)
        if here != recorded and here not in since:
            # Listed before a post is written there: a source_dir changed
            # again before the move ends looks there too.
            with engine.begin() as conn:
                meta.put(conn, POSTS_SINCE, json.dumps([*since, here], ensure_ascii=False))
        with reading(engine) as conn:
            names = [
                name for (name,) in conn.execute(select(posts.c.file_name).where(on_site())) if name
            ]
        try:
            make_in_site(posts_dir, site_dir)
            count = _gather(names, folders, posts_dir)
        except _CutShort as short:
            # The new folder takes no writes (yet): the feeds are stored all
            # the same, the rest moved by a later pass (nothing recorded).
            why = short.error.strerror or str(short.error)
            return Followed(was, short.moved, done=False, why=why, waiting=tuple(map(str, folders)))
        except OSError as exc:
            if not takes_no_writes(exc):
                raise
            why = exc.strerror or str(exc)
            return Followed(was, 0, done=False, why=why, waiting=tuple(map(str, folders)))
        moved = Followed(was, count)
    with engine.begin() as conn:
        meta.put(conn, POSTS_FOLDER, here)
        meta.forget(conn, POSTS_SINCE)
    return moved


class _CutShort(Exception):
    def __init__(self, error: OSError, moved: int) -> None:
        super().__init__(error)
        self.error, self.moved = error, moved


def _gather(names: list[str], folders: list[Path], posts_dir: Path) -> int:
    """Put in ``posts_dir`` the last written copy of each post of ``names``
    found in ``folders`` (or in it), the others dropped; how many moved."""
    present = [set(os.listdir(folder)) for folder in folders]
    count = 0
    for name in names:
        copies = [
            folder / name for folder, listed in zip(folders, present, strict=True) if name in listed
        ]
        if not copies:
            continue
        target = posts_dir / name
        # (Of two written in one tick, the one in place.)
        last = max(
            [*copies, *([target] if target.exists() else [])],
            key=lambda path: (os.stat(path).st_mtime_ns, path == target),
        )
        try:
            if last != target:
                move_file(last, target)
                count += 1
            for copy in copies:
                # (Not the file itself, seen through a link to the folder.)
                if copy != last and os.path.lexists(copy) and not os.path.samefile(copy, target):
                    os.unlink(copy)
        except OSError as exc:
            if not takes_no_writes(exc):
                raise
            raise _CutShort(exc, count) from exc
    return count


def _same_dir(folder: Path, other: Path) -> bool:
    """Whether two paths name one folder (a link to it, say)."""
    try:
        return os.path.samefile(folder, other)
    except OSError:
        return os.path.abspath(folder) == os.path.abspath(other)
