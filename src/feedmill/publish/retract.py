"""The files of retracted posts go, then their rows.

A post taken back (``store.entries.retract``: its article, read at last,
blocks it or shows it a copy) keeps its row, marked retracted, in the
transaction that judges it; its files are removed once that has committed,
and the row last.  A crash in between leaves the row: the next pass removes
the files then.  (Removed first, a transaction that then did not commit left
a post row with no file, and a post the next judgment keeps was taken for
one deleted by hand.)
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from contextlib import suppress

from sqlalchemy import Engine

from feedmill.store.database import reading
from feedmill.store.posts import forget_retracted, retracted


def remove_retracted(
    engine: Engine,
    posts_dir: str,
    archive_dir: str,
    entry_ids: Iterable[int] | None = None,
    *,
    waiting: Sequence[str] = (),
) -> list[tuple[str, OSError]]:
    """Remove the files of retracted posts (all, or those of ``entry_ids``),
    from the site, the folders posts wait in to move to it (``waiting``) and
    the archive, then their rows.  Returns the files that could not be
    removed, with why: their rows stay, for the next pass."""
    with reading(engine) as conn:
        found = retracted(conn, entry_ids)
    removed: list[int] = []
    failed: list[tuple[str, OSError]] = []
    for entry_id, name in found:
        try:
            for folder in (posts_dir, *waiting, archive_dir):
                with suppress(FileNotFoundError):
                    os.unlink(os.path.join(folder, name))
        except OSError as exc:
            failed.append((name, exc))
        else:
            removed.append(entry_id)
    if removed:
        with engine.begin() as conn:
            forget_retracted(conn, removed)
    return failed
