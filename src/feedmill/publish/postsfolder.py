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
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Engine, select

from feedmill.publish.writer import make_in_site, move_file, takes_no_writes
from feedmill.store import meta
from feedmill.store.database import reading
from feedmill.store.posts import on_site
from feedmill.store.schema import posts

# The meta entry naming the folder (relative to the site) of the posts
# (read by `store.site.earlier_posts` too).
POSTS_FOLDER = "posts_folder"


class Followed(NamedTuple):
    """Posts moved from the folder ``was`` (relative to the site): ``moved``
    of them, and whether that was all (``done``), or the rest wait for a
    pass that can move them (``why`` not)."""

    was: str
    moved: int
    done: bool = True
    why: str = ""


def follow(engine: Engine, posts_dir: Path, site_dir: Path) -> Followed | None:
    """Move the site's posts from the folder the database recorded to
    ``posts_dir``; returns what moved, if it was another one that is still
    there."""
    here = os.path.relpath(posts_dir, site_dir)
    with reading(engine) as conn:
        recorded = meta.get(conn, POSTS_FOLDER)
    if recorded == here:
        return None
    moved: Followed | None = None
    earlier = site_dir / recorded if recorded is not None else None
    if (
        recorded is not None
        and earlier is not None
        and earlier.is_dir()
        and os.path.abspath(earlier) != os.path.abspath(posts_dir)
    ):
        with reading(engine) as conn:
            names = [
                name for (name,) in conn.execute(select(posts.c.file_name).where(on_site())) if name
            ]
        count = 0
        try:
            present = set(os.listdir(earlier))
            make_in_site(posts_dir, site_dir)
            for name in names:
                if name not in present:
                    continue
                if (posts_dir / name).exists():
                    # Written anew there while the rest waited (an edit): the
                    # copy left behind is the post as it was.  (Not the file
                    # itself, seen through a link to the folder.)
                    if not os.path.samefile(earlier / name, posts_dir / name):
                        os.unlink(earlier / name)
                    continue
                move_file(earlier / name, posts_dir / name)
                count += 1
        except OSError as exc:
            # The new folder takes no writes (yet): the feeds are stored all
            # the same, the rest moved by a later pass (nothing recorded).
            if not takes_no_writes(exc):
                raise
            return Followed(recorded, count, done=False, why=exc.strerror or str(exc))
        moved = Followed(recorded, count)
    with engine.begin() as conn:
        meta.put(conn, POSTS_FOLDER, here)
    return moved
