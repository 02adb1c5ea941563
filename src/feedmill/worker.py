"""One fetched document, all the way to its post files — in a worker process.

    parse → normalize → render new and changed items (staged files)
          → store the feed's items (one transaction) → move posts into place
          → record them

The pure stages come first and hold no lock; the database is written only
once everything is rendered, and a post file is put in place only after its
item is committed.  Workers write in parallel (SQLite serializes the short
write transactions; PostgreSQL runs them side by side), so the main process
is left with fetching.
"""

from __future__ import annotations

import os
import uuid
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from feedmill.models import Entry, Fetched
from feedmill.normalize import normalize_feed
from feedmill.parse import ParseError, parse_document
from feedmill.publish.filenames import post_filename
from feedmill.publish.render import FeedStyle, PostInput, compose, style_hash
from feedmill.publish.writer import place, stage
from feedmill.schedule import Policy
from feedmill.store import feeds as feed_store
from feedmill.store.entries import Item, ingest_entries, known_versions
from feedmill.store.feeds import FeedState
from feedmill.store.posts import mark_written
from feedmill.tracking import after_fetch

_ENGINES: dict[str, Engine] = {}


def engine_for(url: str) -> Engine:
    """This process's engine for ``url`` (one per process, made on first use)."""
    engine = _ENGINES.get(url)
    if engine is None:
        from feedmill.store.database import create

        engine = _ENGINES[url] = create(url)
    return engine


def adopt_engine(url: str, engine: Engine) -> None:
    """Let inline work in the main process use the engine it already has."""
    _ENGINES[url] = engine


def forget_engines() -> None:
    while _ENGINES:
        _ENGINES.popitem()[1].dispose()


@dataclass(frozen=True, slots=True)
class FeedJob:
    """Everything a worker needs for one document; nothing it must look up."""

    body: bytes
    content_type: str | None
    location: str  # the document's URL, to resolve relative links
    feed_url: str  # as in feedmill.yml: part of every post's file name
    timezone: str
    style: FeedStyle
    template: Path
    template_fingerprint: str
    posts_dir: str
    stage_dir: str
    database_url: str
    state: FeedState  # the feed's row at the start of the pass
    fetched: Fetched  # without its body
    policy: Policy
    now: datetime


@dataclass(frozen=True, slots=True)
class FeedResult:
    error: str | None = None  # the document could not be read
    title: str | None = None
    items: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0


def handle(job: FeedJob) -> FeedResult:
    """Parse, store and publish one document; a ParseError comes back as ``error``."""
    try:
        parsed = parse_document(job.body, job.content_type)
    except ParseError as exc:
        return FeedResult(error=str(exc))
    entries = normalize_feed(parsed, feed_url=job.location, zone=ZoneInfo(job.timezone))
    items = tuple(Item.of(entry) for entry in entries)
    engine = engine_for(job.database_url)

    # Render what is new or changed before taking any lock.
    known: dict[str, str] = {}
    if job.state.last_success_at is not None or job.state.item_count:
        with engine.connect() as conn:
            known = known_versions(conn, job.state.id)
    staged: list[str | None] = []
    batch = uuid.uuid4().hex[:12]
    for index, item in enumerate(items):
        stored = known.get(item.key_hash)
        if stored == item.version or (stored is not None and item.entry.date is None):
            # Unchanged, or changed but dated by its stored first-seen time:
            # left to publish(), which reads that time from the database.
            staged.append(None)
            continue
        text = compose(PostInput(item.entry, parsed.title, job.now, job.style), job.template)
        staged.append(stage(job.stage_dir, f"{batch}-{index}", text.encode("utf-8")))

    def name_for(entry: Entry, attempt: int) -> str:
        return post_filename(entry.title, job.feed_url, entry.key, 10 + 6 * attempt)

    try:
        with engine.begin() as conn:
            ingested = ingest_entries(conn, job.state.id, items, now=job.now, name_for=name_for)
            wanted = style_hash(job.style, parsed.title, job.template_fingerprint)
            if wanted != job.state.style_hash:
                feed_store.set_style(conn, job.state.id, wanted)
            values = after_fetch(
                job.state, job.fetched, job.now, job.policy, ttl_minutes=parsed.ttl_minutes
            )
            feed_store.record(
                conn,
                job.state.id,
                **values,
                title=parsed.title,
                link=parsed.link,
                item_count=len(items),
                parser=parsed.parser,
                warning="; ".join(parsed.warnings) or None,
            )
        # Committed: the staged posts can go into place, then be recorded.
        new = updated = unchanged = 0
        placed: list[int] = []
        for touched in ingested.touched:
            path = staged[touched.index]
            if path is None:
                continue
            staged[touched.index] = None
            changed = place(path, os.path.join(job.posts_dir, touched.file_name))
            placed.append(touched.entry_id)
            if touched.is_new:
                new += 1
            elif changed:
                updated += 1
            else:
                unchanged += 1
        if placed:
            with engine.begin() as conn:
                mark_written(conn, placed, datetime.now(UTC))
    finally:
        for path in staged:  # rendered but not needed (or the store failed)
            if path is not None:
                with suppress(FileNotFoundError):
                    os.unlink(path)
    return FeedResult(
        title=parsed.title,
        items=len(items),
        new=new,
        updated=updated,
        unchanged=unchanged + ingested.unchanged,
    )
