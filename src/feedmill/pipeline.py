"""One pass of the mill: fetch → parse → normalize → store → publish.

I/O lives at the edges: the event loop fetches, a process pool runs the
pure CPU stages (parse, normalize, sanitize, render), one thread talks to
the database, and the main thread writes post files.  A feed's items are
committed in one transaction; a post is recorded only once its file is in
place, so a crash at any moment leaves a state the next pass completes.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from feedmill.config import Config, FeedSpec, parse_duration
from feedmill.fetch import Fetcher, FetchOptions, FetchRequest
from feedmill.models import Entry, Fetched, FetchStatus
from feedmill.normalize import normalize_feed
from feedmill.parse import ParseError, parse_document
from feedmill.publish.filenames import post_filename
from feedmill.publish.render import (
    DEFAULT_TEMPLATE,
    FeedStyle,
    PostInput,
    compose,
    template_fingerprint,
)
from feedmill.publish.writer import content_hash, remove_stale_temp_files, write_if_changed
from feedmill.schedule import Policy, is_due
from feedmill.store import feeds as feed_store
from feedmill.store.database import open_database
from feedmill.store.entries import IngestCounts, ingest_entries
from feedmill.store.feeds import FeedState
from feedmill.store.posts import PendingPost, iter_pending, mark_written, pending_count
from feedmill.tracking import after_fetch

T = TypeVar("T")
# Below this many documents (or posts) a process pool costs more than it saves.
POOL_THRESHOLD = 16
Progress = Callable[[str, int, int | None], None]  # (stage, advance, total)


@dataclass(frozen=True, slots=True)
class RunOptions:
    only: tuple[str, ...] = ()  # feed URLs as in feedmill.yml, fetched now whatever their schedule
    due_only: bool = False  # only feeds whose next attempt has come (daemon mode)
    workers: int | None = None  # processes for CPU stages; None = CPU count


def fetch_options(config: Config) -> FetchOptions:
    settings = config.fetch
    defaults = FetchOptions()
    return FetchOptions(
        user_agent=settings.user_agent or defaults.user_agent,
        timeout=settings.timeout,
        connect_timeout=settings.connect_timeout,
        max_body=settings.max_body_bytes,
        concurrency=settings.concurrency,
        per_host=settings.per_host,
        headers=tuple(settings.headers.items()),
        proxy=settings.proxy,
    )


@dataclass(frozen=True, slots=True)
class Processed:
    """A parsed and normalized document, as a worker process returns it."""

    title: str | None
    link: str | None
    ttl_minutes: int | None
    parser: str
    warnings: tuple[str, ...]
    entries: tuple[Entry, ...]


@dataclass
class RunSummary:
    feeds_skipped: int = 0  # not due yet
    feeds_ok: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    posts_new: int = 0
    posts_updated: int = 0
    posts_unchanged: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def feeds_total(self) -> int:
        return self.feeds_ok + self.feeds_not_modified + self.feeds_failed


# -- pure helpers ---------------------------------------------------------


def feed_style(config: Config, spec: FeedSpec) -> FeedStyle:
    return FeedStyle(
        group=spec.group,
        source=spec.source,
        channel=spec.channel,
        placeholder_image=config.placeholder_image,
        date_style=config.date_style,
        site_timezone=config.timezone,
    )


def style_hash(style: FeedStyle, feed_title: str | None, template_fp: str) -> str:
    """Everything besides the entry that shapes a feed's posts."""

    def plain(value: Any) -> Any:
        if isinstance(value, frozenset | set):
            return sorted(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    payload = {
        "style": plain(asdict(style)),
        "title": feed_title if style.channel is None else None,
        "template": template_fp,
    }
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def process_document(
    body: bytes, content_type: str | None, feed_url: str, timezone: str
) -> Processed:
    """Parse and normalize one document (runs in a worker process)."""
    parsed = parse_document(body, content_type)
    entries = normalize_feed(parsed, feed_url=feed_url, zone=ZoneInfo(timezone))
    return Processed(
        title=parsed.title,
        link=parsed.link,
        ttl_minutes=parsed.ttl_minutes,
        parser=parsed.parser,
        warnings=parsed.warnings,
        entries=tuple(entries),
    )


def compose_many(posts: Sequence[PostInput], template: Path) -> list[str]:
    return [compose(p, template) for p in posts]


# -- the pass -------------------------------------------------------------


class Mill:
    """Runs passes for one config.  Not thread-safe; one pass at a time."""

    def __init__(self, config: Config, options: RunOptions | None = None) -> None:
        self.config = config
        self.options = options or RunOptions()
        self.engine: Engine = open_database(config.database_url)
        self.template = config.template_path or DEFAULT_TEMPLATE
        self.template_fp = template_fingerprint(self.template)
        self.fetch_options = fetch_options(config)
        self.stopping = threading.Event()
        self._pool: ProcessPoolExecutor | None = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        self.engine.dispose()

    def __enter__(self) -> Mill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- pool ---------------------------------------------------------

    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            import multiprocessing

            workers = self.options.workers or os.cpu_count() or 1
            # forkserver: no fork of a process that runs threads (event loop,
            # database thread), and workers start from a clean interpreter.
            context = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        return self._pool

    def _executor(self, amount: int) -> Executor | None:
        if (self.options.workers or os.cpu_count() or 1) <= 1 or amount < POOL_THRESHOLD:
            return None
        return self.pool()

    # -- run ----------------------------------------------------------

    def run(self, progress: Progress | None = None) -> RunSummary:
        started = time.monotonic()
        summary = RunSummary()
        states = self._sync()
        specs = self._selected(states, datetime.now(UTC))
        summary.feeds_skipped = len(self.config.feeds) - len(specs)
        asyncio.run(self._ingest(specs, states, summary, progress))
        self.publish(summary, progress)
        summary.seconds = time.monotonic() - started
        return summary

    def stop(self) -> None:
        """Finish what is being written, start nothing new (safe from a signal handler)."""
        self.stopping.set()

    def _selected(self, states: dict[str, FeedState], now: datetime) -> list[FeedSpec]:
        if self.options.only:
            wanted = set(self.options.only)
            return [f for f in self.config.feeds if f.url in wanted]
        if self.options.due_only:
            return [f for f in self.config.feeds if is_due(states[f.url].next_attempt_at, now)]
        return list(self.config.feeds)

    def _sync(self) -> dict[str, FeedState]:
        with self.engine.begin() as conn:
            states = feed_store.sync_feeds(conn, [s.url for s in self.config.feeds])
            # Config or template changes since last time re-render the feed's posts.
            for spec in self.config.feeds:
                state = states[spec.url]
                wanted = style_hash(feed_style(self.config, spec), state.title, self.template_fp)
                feed_store.set_style(conn, state.id, wanted)
        return states

    def next_due(self) -> datetime | None:
        """The earliest next attempt among the configured feeds."""
        with self.engine.connect() as conn:
            return feed_store.earliest_attempt(conn, [f.url for f in self.config.feeds])

    async def _ingest(
        self,
        specs: Sequence[FeedSpec],
        states: dict[str, FeedState],
        summary: RunSummary,
        progress: Progress | None,
    ) -> None:
        if not specs:
            return
        loop = asyncio.get_running_loop()
        executor = self._executor(len(specs))
        db = ThreadPoolExecutor(1, thread_name_prefix="feedmill-db")
        # Bodies held in memory at once: fetched, not yet stored.
        in_flight = asyncio.Semaphore(max(4, self.fetch_options.concurrency))
        if progress:
            progress("fetch", 0, len(specs))

        async def one(spec: FeedSpec) -> None:
            try:
                async with in_flight:
                    if not self.stopping.is_set():
                        await self._one_feed(spec, states[spec.url], fetcher, executor, db, summary)
            except Exception as exc:  # a bug must cost one feed, never the pass
                message = f"internal error: {type(exc).__name__}: {exc}"
                summary.feeds_failed += 1
                summary.failures.append((spec.url, message))
                failed = Fetched(url=spec.url, status=FetchStatus.FAILED, error=message)
                with suppress(Exception):
                    await loop.run_in_executor(
                        db, self._store_outcome, spec, states[spec.url], failed, datetime.now(UTC)
                    )
            if progress:
                progress("fetch", 1, None)

        try:
            async with Fetcher(self.fetch_options) as fetcher:
                await asyncio.gather(*(one(spec) for spec in specs))
        finally:
            db.shutdown(wait=True)

    async def _one_feed(
        self,
        spec: FeedSpec,
        state: FeedState,
        fetcher: Fetcher,
        executor: Executor | None,
        db: Executor,
        summary: RunSummary,
    ) -> None:
        loop = asyncio.get_running_loop()
        location = state.fetch_url or self.config.location(spec)
        request = FetchRequest(
            url=location,
            etag=state.etag,
            last_modified=state.last_modified,
            body_hash=state.body_hash,
            timeout=spec.timeout,
            headers=tuple(spec.headers.items()),
            proxy=spec.proxy,
        )
        fetched = await fetcher.fetch(request)
        now = datetime.now(UTC)
        if fetched.status is FetchStatus.OK:
            assert fetched.body is not None
            args = (fetched.body, fetched.content_type, location, self.config.feed_timezone(spec))
            try:
                processed = await self._process(executor, args)
            except ParseError as exc:
                fetched = _failed(fetched, str(exc))
            except Exception as exc:  # parsers are third-party code fed hostile input
                fetched = _failed(fetched, f"parser crashed: {type(exc).__name__}: {exc}")
            else:
                counts = await loop.run_in_executor(
                    db, self._store_success, spec, state, fetched, processed, now
                )
                summary.feeds_ok += 1
                summary.posts_unchanged += counts.unchanged
                return
        await loop.run_in_executor(db, self._store_outcome, spec, state, fetched, now)
        if fetched.status is FetchStatus.NOT_MODIFIED:
            summary.feeds_not_modified += 1
            summary.posts_unchanged += state.item_count or 0
        else:
            summary.feeds_failed += 1
            summary.failures.append((spec.url, fetched.error or "failed"))

    async def _process(
        self, executor: Executor | None, args: tuple[bytes, str | None, str, str]
    ) -> Processed:
        """Parse in the pool; a worker that dies is replaced and the document retried once."""
        if executor is None:
            return process_document(*args)
        loop = asyncio.get_running_loop()
        for _attempt in range(2):
            pool = self.pool()
            try:
                return await loop.run_in_executor(pool, process_document, *args)
            except BrokenProcessPool:
                if self._pool is pool:  # other feeds may have replaced it already
                    self._pool = None
                    pool.shutdown(wait=False, cancel_futures=True)
        raise ParseError("parser crashed (its worker process died)")

    # -- storing (database thread) -----------------------------------

    def _policy(self, spec: FeedSpec) -> Policy:
        return Policy(
            interval=self.config.feed_interval(spec),
            backoff_cap=parse_duration(self.config.backoff_cap),
        )

    def _store_success(
        self,
        spec: FeedSpec,
        state: FeedState,
        fetched: Fetched,
        processed: Processed,
        now: datetime,
    ) -> IngestCounts:
        def name_for(entry: Entry, attempt: int) -> str:
            return post_filename(entry.title, spec.url, entry.key, 10 + 6 * attempt)

        with self.engine.begin() as conn:
            counts = ingest_entries(conn, state.id, processed.entries, now=now, name_for=name_for)
            wanted = style_hash(feed_style(self.config, spec), processed.title, self.template_fp)
            feed_store.set_style(conn, state.id, wanted)
            values = after_fetch(
                state, fetched, now, self._policy(spec), ttl_minutes=processed.ttl_minutes
            )
            feed_store.record(
                conn,
                state.id,
                **values,
                title=processed.title,
                link=processed.link,
                item_count=len(processed.entries),
                parser=processed.parser,
                warning="; ".join(processed.warnings) or None,
            )
        return counts

    def _store_outcome(
        self, spec: FeedSpec, state: FeedState, fetched: Fetched, now: datetime
    ) -> None:
        """A fetch that brought nothing to parse: unchanged, or failed."""
        with self.engine.begin() as conn:
            current = feed_store.get_feed(conn, state.id)  # the streak may have moved on
            feed_store.record(
                conn, state.id, **after_fetch(current, fetched, now, self._policy(spec))
            )

    # -- publishing ----------------------------------------------------

    def publish(self, summary: RunSummary, progress: Progress | None = None) -> None:
        """Write every pending post; a post is recorded only once its file exists."""
        posts_dir = self.config.posts_dir
        posts_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temp_files(posts_dir)
        styles = {spec.url: feed_style(self.config, spec) for spec in self.config.feeds}
        with self.engine.connect() as conn:
            total = pending_count(conn)
        if progress:
            progress("publish", 0, total)
        executor = self._executor(total // 64)
        for batch in iter_pending(self.engine):
            if self.stopping.is_set():
                break
            ready = [p for p in batch if p.feed_url in styles]
            texts = self._compose(ready, styles, executor)
            written: list[tuple[int, str, str]] = []
            for post, text in zip(ready, texts, strict=True):
                data = text.encode("utf-8")
                changed = write_if_changed(posts_dir / post.file_name, data)
                written.append((post.entry_id, post.version, content_hash(data)))
                if post.is_new:
                    summary.posts_new += 1
                elif changed:
                    summary.posts_updated += 1
                else:
                    summary.posts_unchanged += 1
            with self.engine.begin() as conn:
                mark_written(conn, written, datetime.now(UTC))
            if progress:
                progress("publish", len(batch), None)

    def _compose(
        self,
        batch: Sequence[PendingPost],
        styles: dict[str, FeedStyle],
        executor: Executor | None,
    ) -> list[str]:
        inputs = [PostInput(p.entry, p.feed_title, p.first_seen, styles[p.feed_url]) for p in batch]
        if executor is None or len(inputs) < 8:
            return compose_many(inputs, self.template)
        chunks = list(
            _chunks(
                inputs, max(8, len(inputs) // (2 * (self.options.workers or os.cpu_count() or 1)))
            )
        )
        results = executor.map(compose_many, chunks, [self.template] * len(chunks))
        return [text for chunk in results for text in chunk]


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _failed(fetched: Fetched, error: str) -> Fetched:
    from dataclasses import replace

    return replace(fetched, status=FetchStatus.FAILED, body=None, error=error)


@contextmanager
def mill(config: Config, options: RunOptions | None = None) -> Iterator[Mill]:
    instance = Mill(config, options)
    try:
        yield instance
    finally:
        instance.close()
