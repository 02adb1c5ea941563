"""Which site a server database belongs to: one database, one site.

Two sites pointed at one PostgreSQL database (a feedmill.yml copied with
its `state:` URL) would split each other's posts between their folders
without a word: each pass writes the posts that are pending, wherever
they belong.  The database records the site (host and posts folder) that
used it last; another site on the same host whose first one is still
there is refused.  A site that moved (its old folder gone) or that runs on
another machine takes the database over, and says so.

A SQLite file is checked the same way, under its own key, with the site's
folder written relative to the file's: a site copied or moved with its
database inside it is the site the database knows, and one `state:` path
shared by two sites' configs (a copied feedmill.yml) is refused.  The
folder is recorded as it is too: a file moved away from its site (`state:`
edited to follow it) is still that site's.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Sequence
from urllib.parse import unquote, urlsplit

from sqlalchemy import Connection, text

from feedmill.store import meta
from feedmill.store.database import StoreError

_KEY = "site"
_FILE_KEY = "site_folder"
# The site's folder as it is, beside the one relative to the file: a file
# moved to another folder (`state:` edited to follow it) read its relative
# folder from there, some other folder that exists, and refused its own site.
_FILE_ABSOLUTE_KEY = "site_folder_absolute"
_CLAIM_LOCK = 0x6665_6564_636C  # PostgreSQL's advisory lock key for claims
# The folder (relative to the site) the posts were written to, all of them
# there; and those a changed source_dir's posts were written to while they
# waited to move there, oldest first (JSON): `publish.postsfolder`.
POSTS_FOLDER = "posts_folder"
POSTS_SINCE = "posts_folders_since"


def here(posts_dir: str) -> str:
    return f"{socket.gethostname()}:{os.path.abspath(posts_dir)}"


def claim(
    conn: Connection,
    site: str,
    exists: Callable[[str], bool] = os.path.isdir,
    *,
    key: str = _KEY,
    locate: Callable[[str], str] = str,
    whose: str = "the site whose posts are in",
    earlier: Sequence[str] = (),
) -> str | None:
    """Record ``site`` (`here`) as the database's site.  Returns the site it
    takes the database over from, if another used it; raises StoreError if
    that site is on this host and still there — unless its folder is one of
    ``earlier``, the posts folders this site had (`earlier_posts_folders`:
    Hexo's ``source_dir`` changed since)."""
    if conn.dialect.name == "postgresql":
        # One claim at a time, to the transaction's end: two sites' first
        # runs both read "no site yet", and the second failed on the table's
        # key, in the database's words.  (SQLite: BEGIN IMMEDIATE.)
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CLAIM_LOCK})
    before = meta.get(conn, key)
    if before == site:
        return None
    refusal = _refusal(before, site, exists, locate, whose, earlier)
    if refusal is not None:
        raise StoreError(refusal)
    meta.put(conn, key, site)
    return before


def _refusal(
    before: str | None,
    site: str,
    exists: Callable[[str], bool],
    locate: Callable[[str], str],
    whose: str,
    earlier: Sequence[str] = (),
) -> str | None:
    """Why ``site`` may not take the database ``before`` recorded, if it may not."""
    if before is None or before == site:
        return None
    host, _, folder = before.partition(":")
    if (
        host == site.partition(":")[0]
        and exists(folder)
        and not any(same_folder(folder, other) for other in earlier)
    ):
        return (
            f"the state database belongs to {whose} {locate(folder)};"
            " give each site a database of its own"
        )
    return None


def earlier_posts(conn: Connection, site_dir: str) -> str | None:
    """The posts folder this site had when it last ran (`publish.postsfolder`
    records it, relative to the site), if one is recorded."""
    recorded = meta.get(conn, POSTS_FOLDER)
    return os.path.join(site_dir, recorded) if recorded is not None else None


def posts_since(conn: Connection) -> list[str]:
    """The folders (relative to the site) posts were written to while they
    waited to move from the recorded one, oldest first; none if none."""
    recorded = meta.get(conn, POSTS_SINCE)
    try:
        folders = json.loads(recorded) if recorded else []
    except ValueError:
        return []
    return [str(folder) for folder in folders] if isinstance(folders, list) else []


def earlier_posts_folders(conn: Connection, site_dir: str) -> list[str]:
    """Every folder this site's posts may be in from earlier runs: the one
    recorded (`earlier_posts`), then those a move still waits to empty."""
    earlier = earlier_posts(conn, site_dir)
    return [
        *([earlier] if earlier is not None else []),
        *(os.path.join(site_dir, folder) for folder in posts_since(conn)),
    ]


def same_folder(folder: str, other: str | None) -> bool:
    return other is not None and os.path.abspath(folder) == os.path.abspath(other)


def _as_file(site_dir: str, database: str) -> tuple[str, Callable[[str], str]]:
    """The site as a SQLite ``database`` file records it — its folder
    relative to the file's — and how to locate a folder so recorded."""
    if database.startswith("file:"):  # a URI filename (sqlite:///file:/x/state.db?mode=ro)
        database = unquote(urlsplit(database).path)
    base = os.path.dirname(os.path.abspath(database))

    def locate(folder: str) -> str:
        return os.path.normpath(os.path.join(base, folder))

    # No host name: a file is where it is (a container's name changes on
    # every run, and the same site would be taken over each time).
    return f":{os.path.relpath(os.path.abspath(site_dir), base)}", locate


def claim_file(conn: Connection, site_dir: str, database: str) -> str | None:
    """`claim` for a SQLite ``database`` file: the site's folder recorded
    relative to the file's own.  Returns the folder of the site it takes
    the database over from, if another used it."""
    site, locate = _as_file(site_dir, database)
    absolute = os.path.abspath(site_dir)
    if meta.get(conn, _FILE_ABSOLUTE_KEY) == absolute:  # the file alone moved, if anything
        if meta.get(conn, _FILE_KEY) != site:
            meta.put(conn, _FILE_KEY, site)
        return None
    before = claim(
        conn,
        site,
        lambda folder: os.path.isdir(locate(folder)),
        key=_FILE_KEY,
        locate=locate,
        whose="the site in",
    )
    meta.put(conn, _FILE_ABSOLUTE_KEY, absolute)
    return None if before is None else locate(before.partition(":")[2])


def claimed_as(posts_dir: str, site_dir: str, database: str | None) -> tuple[str, str]:
    """What `claim` (``database`` None) or `claim_file` records of a site
    now: the key and its value — read back by `taken_over`."""
    if database is None:
        return _KEY, here(posts_dir)
    return _FILE_ABSOLUTE_KEY, os.path.abspath(site_dir)


def taken_over(conn: Connection, claimed: tuple[str, str]) -> str | None:
    """The site that claimed the database since this one did (``claimed``,
    `claimed_as` then: another machine's daemon), if one did: where both
    write, each posts the items it reads first, and the other's site never
    gets them.  Reads only."""
    key, site = claimed
    holder = meta.get(conn, key)
    return holder if holder is not None and holder != site else None


def another_sites(conn: Connection, posts_dir: str, site_dir: str, database: str | None) -> None:
    """Raise StoreError where a run of this site would be refused the
    database (`claim`, `claim_file`): another site's state is not this
    one's, to show (`status`).  Reads only."""
    if database is None:
        before, site = meta.get(conn, _KEY), here(posts_dir)
        earlier = earlier_posts_folders(conn, site_dir)
        refusal = _refusal(before, site, os.path.isdir, str, "the site whose posts are in", earlier)
    elif meta.get(conn, _FILE_ABSOLUTE_KEY) == os.path.abspath(site_dir):
        refusal = None  # this site's (its file moved, if anything)
    else:
        site, locate = _as_file(site_dir, database)
        refusal = _refusal(
            meta.get(conn, _FILE_KEY),
            site,
            lambda folder: os.path.isdir(locate(folder)),
            locate,
            "the site in",
        )
    if refusal is not None:
        raise StoreError(refusal)
