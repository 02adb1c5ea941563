"""Which site a server database belongs to: one database, one site.

Two sites pointed at one PostgreSQL database (a feedmill.yml copied with
its `state:` URL) would split each other's posts between their folders
without a word: each pass writes the posts that are pending, wherever
they belong.  The database records the site (host and posts folder) that
used it last; another site on the same host whose first one is still
there is refused.  A site that moved (its old folder gone) or that runs on
another machine takes the database over, and says so.  A SQLite database
lives in its site's folder and goes where it goes: it is not checked.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

from sqlalchemy import Connection

from feedmill.store import meta
from feedmill.store.database import StoreError

_KEY = "site"


def here(posts_dir: str) -> str:
    return f"{socket.gethostname()}:{os.path.abspath(posts_dir)}"


def claim(conn: Connection, site: str, exists: Callable[[str], bool] = os.path.isdir) -> str | None:
    """Record ``site`` (`here`) as the database's site.  Returns the site it
    takes the database over from, if another used it; raises StoreError if
    that site is on this host and still there."""
    before = meta.get(conn, _KEY)
    if before == site:
        return None
    if before is not None:
        host, _, folder = before.partition(":")
        if host == site.partition(":")[0] and exists(folder):
            raise StoreError(
                f"the state database belongs to the site whose posts are in {folder};"
                " give each site a database of its own"
            )
    meta.put(conn, _KEY, site)
    return before
