"""Entry rows: insert what is new, update what changed, leave the rest alone.

An entry that drops out of its feed is never deleted, and its post stays.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from feedmill.models import Entry
from feedmill.store.schema import entries, posts

_CHUNK = 500


def key_hash(key: str) -> str:
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def entry_version(entry: Entry) -> str:
    """A hash of everything a post is made of; changes mean a rewrite."""
    fields = [
        entry.link,
        entry.title,
        entry.author,
        entry.published.isoformat() if entry.published else None,
        entry.updated.isoformat() if entry.updated else None,
        entry.content,
        list(entry.categories),
        entry.image,
    ]
    payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class IngestCounts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0


def _row(entry: Entry, version: str) -> dict[str, object]:
    return {
        "key": entry.key,
        "link": entry.link,
        "title": entry.title,
        "author": entry.author,
        "published_at": entry.published,
        "updated_at": entry.updated,
        "content": entry.content,
        "categories": json.dumps(list(entry.categories), ensure_ascii=False),
        "image": entry.image,
        "version": version,
    }


def ingest_entries(
    conn: Connection,
    feed_id: int,
    items: Sequence[Entry],
    *,
    now: datetime,
    name_for: Callable[[Entry, int], str],
) -> IngestCounts:
    """Upsert ``items`` of one feed; new entries get a pending post named by ``name_for``.

    ``name_for(entry, attempt)`` returns a file name; attempt > 0 asks for a
    longer, still deterministic, name after a collision.
    """
    by_hash = {key_hash(e.key): e for e in items}
    existing: dict[str, tuple[int, str]] = {}
    hashes = list(by_hash)
    for start in range(0, len(hashes), _CHUNK):
        chunk = hashes[start : start + _CHUNK]
        query = select(entries.c.key_hash, entries.c.id, entries.c.version).where(
            entries.c.feed_id == feed_id, entries.c.key_hash.in_(chunk)
        )
        existing.update({h: (i, v) for h, i, v in conn.execute(query)})

    new_rows, changed_rows = [], []
    for digest, entry in by_hash.items():
        version = entry_version(entry)
        if digest not in existing:
            row = _row(entry, version)
            row.update(feed_id=feed_id, key_hash=digest, first_seen_at=now)
            new_rows.append(row)
        elif existing[digest][1] != version:
            row = _row(entry, version)
            row["b_id"] = existing[digest][0]
            changed_rows.append(row)

    if changed_rows:
        params: dict[str, Any] = {k: bindparam(k) for k in changed_rows[0] if k != "b_id"}
        conn.execute(
            update(entries).where(entries.c.id == bindparam("b_id")).values(params), changed_rows
        )
        conn.execute(
            update(posts).where(posts.c.entry_id == bindparam("b_id")).values(state="pending"),
            [{"b_id": r["b_id"]} for r in changed_rows],
        )

    if new_rows:
        ids = conn.execute(
            insert(entries).returning(
                entries.c.id, entries.c.key_hash, sort_by_parameter_order=True
            ),
            new_rows,
        ).all()
        post_rows = [
            {"entry_id": entry_id, "file_name": name_for(by_hash[digest], 0)}
            for entry_id, digest in ids
        ]
        _insert_posts(conn, post_rows, ids, by_hash, name_for)

    return IngestCounts(
        new=len(new_rows),
        changed=len(changed_rows),
        unchanged=len(by_hash) - len(new_rows) - len(changed_rows),
    )


def _insert_posts(
    conn: Connection,
    rows: list[dict[str, object]],
    ids: Sequence[tuple[int, str]],
    by_hash: dict[str, Entry],
    name_for: Callable[[Entry, int], str],
) -> None:
    savepoint = conn.begin_nested()
    try:
        conn.execute(insert(posts), rows)
        savepoint.commit()
        return
    except IntegrityError:
        savepoint.rollback()
    # A file name is taken (practically only by a crafted collision): insert
    # one by one, lengthening the name until it is free.
    for entry_id, digest in ids:
        for attempt in range(8):
            savepoint = conn.begin_nested()
            try:
                conn.execute(
                    insert(posts),
                    {"entry_id": entry_id, "file_name": name_for(by_hash[digest], attempt)},
                )
                savepoint.commit()
                break
            except IntegrityError:
                savepoint.rollback()
        else:  # pragma: no cover - 8 lengths of sha256 all taken
            raise RuntimeError(f"no free file name for entry {entry_id}")
