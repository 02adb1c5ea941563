"""One pass of the mill: fetch → parse → normalize → store → publish.

The main process fetches (an event loop, aiohttp) and hands each document to
a pool of worker processes; a worker takes it the rest of the way — parse,
normalize, render, store, publish (worker.py) — so both cores are busy with
the CPU work while the event loop keeps the network busy.  Small passes run
inline.  A feed's items are committed in one transaction; a post is recorded
only once its file is in place, so a crash at any moment leaves a state the
next pass completes.

Feeds that answered "not modified" or failed only change their own row; those
updates are written in batches.  Whatever is left pending at the end — posts
to restyle after a config change, posts of a pass that was killed — is
rendered from the database by ``publish``.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing.context
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Collection, Coroutine, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from feedmill import urls
from feedmill.config import (
    Config,
    DedupeSettings,
    FeedSpec,
    parse_duration,
    parse_size,
    seconds,
)
from feedmill.cpus import available_cpus
from feedmill.fetch import Fetcher, FetchOptions, FetchRequest, in_host_turns
from feedmill.fetch.window import FetchWindow, Ticket
from feedmill.filter.dedupe import DedupePolicy
from feedmill.filter.rules import RULE_FAILURE, RuleSet, blocked_by, compile_rules
from feedmill.models import Fetched, FetchStatus
from feedmill.publish.render import (
    FeedStyle,
    PostInput,
    compose,
    read_template,
    style_hash,
)
from feedmill.publish.retract import remove_retracted
from feedmill.publish.sitelock import SiteLock
from feedmill.publish.tags import TAGS_FAILURE, TagFilesUnreadable, tag_style
from feedmill.publish.writer import (
    TEMP_DIR,
    make_in_site,
    remove_stale_temp_files,
    takes_no_writes,
    whereabouts,
    write_if_changed,
)
from feedmill.sanitize.policy import DEFAULT_IFRAME_HOSTS
from feedmill.sanitize.policy import Policy as SanitizePolicy
from feedmill.schedule import Policy, is_due
from feedmill.stopflag import StopFlag
from feedmill.store import dedupe_upkeep
from feedmill.store import feeds as feed_store
from feedmill.store import meta as meta_store
from feedmill.store.database import check_unchanged, open_database, reading, sqlite_file
from feedmill.store.feeds import FeedState
from feedmill.store.posts import (
    PendingPost,
    iter_pending,
    mark_removed,
    mark_written,
    pending_by_feed,
    pending_count,
    set_state,
)
from feedmill.tracking import CONFIG_CONFLICT, after_fetch

if TYPE_CHECKING:
    # Imported when a document needs handling: a pass of "not modified"
    # answers (the usual one) never loads the parsers, sanitizer or tokenizers.
    from feedmill import worker
    from feedmill.fulltext import ArticleOptions, PageSlots, Pause
    from feedmill.publish.archive import ArchiveMissing
    from feedmill.store.entries import Heir, Item, Known

T = TypeVar("T")
# Below this many documents (or posts) a process pool costs more than it saves.
POOL_THRESHOLD = 16
# Feed records of unchanged or failed fetches are written this many at a time
# (and the rest at the pass's end): a write on the database thread while
# the fetches go on costs both threads their turns at the interpreter — of
# 1,000 unchanged feeds, five writes of 200 took ~60 ms of CPU, one at the end
# ~45.  Not one per pass: a crash loses no more than this many of them (they
# are fetched again, as they were).
OUTCOME_BATCH = 1000
_UNKNOWN = object()  # (a column FeedState does not mirror: always written)
Progress = Callable[[str, int, int | None], None]  # (stage, advance, total)
# Recorded (meta) while a rebuild is under way; the next pass completes it.
REBUILD_OWED = "rebuild_owed"
# The hosts whose article pages wait for a time their Retry-After named (meta:
# {"host:port": ISO time}), from one pass to the next.
PAGE_PAUSES = "page_pauses"
# Where the config's feeds are redirected (meta: {place: the feed URL whose
# redirect has it}), temporary redirects too: two feeds sent to one place
# (`/feed` and `/rss` to `/feed.xml`), the one that had it keeps it from one
# pass to the next — whichever answers first, or is fetched alone (`--feed`).
REDIRECT_CLAIMS = "redirect_claims"
# The last entry whose copies were judged for the stories of feeds no longer in
# the config (meta: an entry id): those stored after it, by a pass killed
# before it judged them too, are judged by the next (`_hand_over_to_new_copies`).
HANDED_OVER_TO = "handed_over_to"
HTTP_GONE = 410
REDIRECTED = "redirected to"  # (`_another_feed`'s word for where redirects went)


@dataclass(frozen=True, slots=True)
class RunOptions:
    only: tuple[str, ...] = ()  # feed URLs as in feedmill.yml, fetched now whatever their schedule
    due_only: bool = False  # only feeds whose next attempt has come (daemon mode)
    workers: int | None = None  # processes for CPU stages; None: one per CPU we may use


def fetch_options(config: Config) -> FetchOptions:
    settings = config.fetch
    defaults = FetchOptions()
    return FetchOptions(
        user_agent=settings.user_agent or defaults.user_agent,
        timeout=seconds(settings.timeout),
        connect_timeout=seconds(settings.connect_timeout),
        max_body=settings.max_body_bytes,
        concurrency=settings.concurrency,
        per_host=settings.per_host,
        headers=tuple(settings.headers.items()),
        proxy=settings.proxy,
        trusted=None if settings.allow_private else named_places(config),
    )


# A URL's scheme and authority, as urlsplit reads them (up to "/", "?" or "#").
_ORIGIN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")


def named_places(config: Config) -> frozenset[tuple[str, int]]:
    """The (host, port) places the config names: its feeds' (and where they
    moved from) and its proxies'; a site's https beside its http.  They may
    be anywhere (an RSSHub on 127.0.0.1:1200) — not the machine's other
    ports."""
    named = [config.fetch.proxy]
    for spec in config.feeds:
        named.extend((spec.url, *spec.earlier_urls, spec.proxy))
    places = set()
    origins = set()
    for url in named:
        # URLs of one scheme and authority (an RSSHub's routes) are one
        # place: parsed once, not for each of a thousand feeds.
        origin = _ORIGIN.match(url) if url else None
        if origin is not None:
            if origin.group() in origins:
                continue
            origins.add(origin.group())
        place = urls.place(url) if url else None
        if place is not None:
            places.add(place)
            if place[1] == 80 and urls.scheme(url) == "http":
                places.add((place[0], 443))  # (the same site, redirected to https)
    return frozenset(places)


def fetch_settings(config: Config) -> dict[str, tuple[Any, ...]]:
    """Feed URL → what one fetch of it is made with (not the pass's limits)."""
    options = replace(fetch_options(config), concurrency=0, per_host=0)
    if options.trusted is not None:  # (a feed added elsewhere changes no feed's fetch)
        options = replace(options, trusted=frozenset())
    return {
        spec.url: (
            options,
            _timeout(spec),
            _connect_timeout(spec),
            tuple(spec.headers.items()),
            spec.proxy,
        )
        for spec in config.feeds
    }


def rule_settings(config: Config) -> dict[str, tuple[Any, ...]]:
    """Feed URL → the rules its items are judged by (the config's and its own)."""
    return {spec.url: (config.rules, spec.rules) for spec in config.feeds}


def _timeout(spec: FeedSpec) -> float | None:
    """A feed's own timeout in seconds (None: fetch's)."""
    return None if spec.timeout is None else seconds(spec.timeout)


def _connect_timeout(spec: FeedSpec) -> float | None:
    """A feed's own connect timeout in seconds (None: fetch's)."""
    return None if spec.connect_timeout is None else seconds(spec.connect_timeout)


def sanitize_policy(config: Config) -> SanitizePolicy:
    settings = config.sanitize
    hosts = settings.iframe_hosts
    return SanitizePolicy(
        # Host names are case-blind (an iframe's is lower-cased), and "a.com." is a.com.
        iframe_hosts=(
            DEFAULT_IFRAME_HOSTS
            if hosts is None
            else frozenset(host.lower().rstrip(".") for host in hosts)
        ),
        image_referrer_policy=settings.image_referrer_policy,
    )


def feed_styles(config: Config) -> dict[str, FeedStyle]:
    """Feed URL → how its posts are written."""
    # (What all feeds share, made once: made for each of a thousand feeds, ~10 ms a start.)
    policy = sanitize_policy(config)
    label = (config.dedupe_settings or DedupeSettings()).label
    tags = tag_style(config)
    return {
        spec.url: FeedStyle(
            group=spec.group,
            source=spec.source,
            channel=spec.channel,
            placeholder_image=config.placeholder_image,
            date_style=config.date_style,
            site_timezone=config.timezone,
            title_max_width=config.title_max_width,
            policy=policy,
            reported_label=label,
            tags=tags,
        )
        for spec in config.feeds
    }


def article_options(config: Config) -> ArticleOptions:
    from feedmill.fulltext import ArticleOptions

    settings = config.fulltext
    return ArticleOptions(
        timeout=seconds(settings.timeout),
        connect_timeout=min(seconds(settings.timeout), seconds(config.fetch.connect_timeout)),
        max_body=parse_size(settings.max_body),
        concurrency=settings.concurrency,
        per_host=settings.per_host,
        user_agent=config.fetch.user_agent or FetchOptions().user_agent,
        allow_private=settings.allow_private,
        extract=False,  # in the worker processes, not on the event loop
    )


def dedupe_policy(config: Config) -> DedupePolicy | None:
    settings = config.dedupe_settings
    if settings is None:
        return None
    return DedupePolicy(
        threshold=settings.threshold, window=parse_duration(settings.window), label=settings.label
    )


def feed_rules(config: Config) -> dict[str, tuple[RuleSet, ...]]:
    """feed URL → the rules its items go through: the top-level ones, then its own."""
    common = compile_rules(config.rules, whose="the top-level")
    out = {}
    for spec in config.feeds:
        own = compile_rules(spec.rules, whose="the feed's")
        out[spec.url] = tuple(r for r in (common, own) if r)
    return out


@dataclass
class RunSummary:
    feeds_skipped: int = 0  # not due yet
    feeds_ok: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    posts_new: int = 0
    posts_updated: int = 0
    posts_unchanged: int = 0
    archived: int = 0  # posts moved out of source/_posts by retention
    restored: int = 0  # archived posts a rebuild brought back that stay (limits raised)
    blocked: int = 0  # new items kept out by rules
    duplicates: int = 0  # new items that another feed reported first
    replaced: int = 0  # posts taken back for a fuller copy of their story
    failures: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    feeds_stopped: int = 0  # selected, but a stop came first: fetched next time
    posts_left: int = 0  # to write, but a stop came first: written next time
    posts_failed: int = 0  # to write, but its template (or the tags' files) failed on them
    posts_failed_for_now: int = 0  # … of those, failed by a tags file edited meanwhile
    # Feed → how many of its posts this pass counted unchanged (a 304: the
    # items it listed; items as they were): publish() rewriting one of those
    # (a restyle) moves it to updated.
    counted_feeds: dict[str, int] = field(default_factory=dict)
    # Feed answered 304 → its id: its posts (`counted_feeds`) were counted
    # unchanged before another feed's item could take one of them back.
    not_modified: dict[str, int] = field(default_factory=dict)


async def all_or_none(coroutines: Iterable[Coroutine[Any, Any, Any]]) -> None:
    """Run ``coroutines`` together; the first to fail cancels the others,
    which are awaited before its exception is raised.  (``gather`` raised at
    once and left them running: a fetch still under way opened a new HTTP
    session after the pass had closed its own, left unclosed.)"""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _file_identity(path: Path | None) -> tuple[int, int] | None:
    """(device, inode) of the file at ``path``; None where there is none."""
    try:
        stat = os.stat(path) if path is not None else None
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino) if stat is not None else None


def forkserver_preload(*, dedupe: bool, search: bool, rules: bool) -> list[str]:
    """The modules the workers' forkserver imports before it forks them
    (Ctrl-C ignored first: `feedmill.forkserver_signals`).

    Loaded there once, they are shared by every worker: the worker's own
    modules, what its first document would load (`feedmill.preload`), and the
    libraries and dictionaries dedupe and search need (~90 MiB), and the
    table by which rules read traditional Chinese; the GC is frozen last, so
    that what is loaded stays shared.
    """
    preload = ["feedmill.forkserver_signals", "feedmill.worker", "feedmill.preload"]
    if dedupe:
        preload.append("feedmill.filter.dedupe.preload")
    if search:
        preload.append("feedmill.search.preload")  # (the table too)
    elif rules:
        preload.append("feedmill.filter.preload")
    return [*preload, "feedmill.freeze_gc"]


def _wants_page(known: Known | None, item: Item, rules: Sequence[RuleSet], now: datetime) -> bool:
    """Whether a new or changed item may use its article: neither a tombstone
    nor a copy is posted, and a new item the rules keep out whatever its
    article says never will be — but a copy held back while its page was
    down for now is judged on its article when that comes (it may tell the
    story fuller than the post, and take it): its page is asked for again."""
    if known is None:
        return blocked_by(rules, item.entry, now, content_unknown=True) is None
    if known.version == item.version:
        return False
    from feedmill.store.entries import waits_for_page

    return known.status == "active" or (
        known.status == "duplicate" and waits_for_page(known.version)
    )


def _could_be_a_feed(body: bytes) -> bool:
    from feedmill.parse.sniff import could_be_a_feed

    return could_be_a_feed(body)


@dataclass(frozen=True, slots=True)
class PostFailed:
    """A post its template could not render (a site's own template that
    reads ``categories[2]`` of a feed without a channel): the post stays to
    write, and the others are written."""

    reason: str


def compose_many(
    posts: Sequence[PostInput], template: Any, template_fp: str
) -> list[str | PostFailed]:
    out: list[str | PostFailed] = []
    for post in posts:
        try:
            out.append(compose(post, template, template_fp))
        except TagFilesUnreadable as exc:
            out.append(PostFailed(str(exc)))
        except Exception as exc:  # a template's error on this post's data alone
            out.append(PostFailed(f"the post template failed: {type(exc).__name__}: {exc}"))
    return out


class Mill:
    """Runs passes for one config.  Not thread-safe; one pass at a time."""

    def __init__(self, config: Config, options: RunOptions | None = None) -> None:
        self.config = config
        self.options = options or RunOptions()
        self.stopping = StopFlag()  # kept across reconfigure: a stop holds; set by signals
        self.notices: list[str] = []  # for the command to say (see take_notices)
        self.site_lock = SiteLock(config.posts_dir, config.site_dir)
        self.site_lock.acquire()
        try:
            self._prepare(config)
        except BaseException:
            self.site_lock.release()  # a descriptor: no collector would close it
            engine = getattr(self, "engine", None)
            if engine is not None:  # (a claim refused: its connection goes too)
                engine.dispose()
            raise

    def _prepare(self, config: Config) -> None:
        self.pass_id = uuid.uuid4().hex  # a new one per pass (see FeedJob.pass_id)
        self.pass_started: datetime | None = None
        # The config's moves, checked on its first pass (a daemon's later
        # passes would say the same again).
        self._moves_checked = not config.moves
        self._pages_checked = False
        # Feeds whose URL an edit changed (moved_from, a redirect's new
        # address): failing, they are tried at once, once their rows are
        # found under the new URL (`_sync`).
        self._retry_renamed: list[str] = []
        # (Resolved once: every feed's job names it.)  An edit's reopening of
        # the same server database builds no schema it lost: a restore's
        # tables would collide with one (`check_unchanged`).
        same = getattr(self, "database_url", None) == config.database_url
        self.database_url = config.database_url
        built = not same or sqlite_file(self.database_url) is not None
        self.engine: Engine = open_database(self.database_url, build=built)
        self._database_file = _file_identity(sqlite_file(self.database_url))
        self.template, self.template_fp = read_template(config.template_path)
        self.fetch_options = fetch_options(config)
        self._feed_keys: dict[str, int] | None = None  # feed_key → index, when first needed
        # Where feeds go by redirect or a move (`urls.identity` → the index of
        # the feed that went there first): see `_another_feed`.
        self._claims: dict[str, int] = {}
        self._claims_stored: dict[str, str] = {}  # (REDIRECT_CLAIMS as this pass began)
        self._redirected: dict[int, set[str]] = {}  # feed index → where this pass sent it
        self._holders: set[int] = set()  # the feeds a stored claim names (indexes)
        self.styles = feed_styles(config)
        self.rules = feed_rules(config)
        self.dedupe = dedupe_policy(config)
        # Read once: `config.posts_dir` reads the site's _config.yml again on
        # each use, and a `source_dir` edited under a daemon must not split a
        # pass between two folders (it is taken up as a config edit is).
        self.posts_dir = str(config.posts_dir)
        self._claim_database(config)
        self.archive_dir = str(config.archive_dir)  # also when retention was turned off since
        self._earlier: tuple[str, ...] = ()  # archive folders an earlier config named (_sync)
        self.stage_dir = os.path.join(self.posts_dir, TEMP_DIR)
        self._loop: asyncio.AbstractEventLoop | None = None  # while a pass fetches
        self._fetches: set[asyncio.Future[Any]] = set()
        self._page_slots: PageSlots | None = None  # a pass's limits on article pages
        self._page_pauses: dict[str, Pause] = {}  # as stored when the pass began
        # The folders posts still wait in to move to a changed source_dir (`_sync`).
        self._waiting: tuple[str, ...] = ()
        self._pool: ProcessPoolExecutor | None = None
        self._dropped: list[threading.Thread] = []  # of broken pools, not yet joined
        # Feeds whose zone-less dates are read in another time zone than their
        # items were stored in: those items take their new dates (see _sync).
        self._rezoned: set[int] = set()
        self._copying: set[int] = set()  # feeds whose items this pass held back as copies
        self._posts_moved = False  # a feed's posts passed to another's at a pass's start
        self._tags_read = False  # feeds failed by an edit of a tags file: tried again
        self._last_entry = 0  # the entry stored last before this pass (`copied_after`)
        self._retries: asyncio.Lock | None = None  # a pass's retries after a worker died
        self._pool_slots: asyncio.Semaphore | None = None  # a pass's documents in the pool
        self._outcomes: list[tuple[int, dict[str, Any]]] = []
        self._outcome_writes: list[asyncio.Future[None]] = []
        self._worker: ModuleType | None = None

    def close(self) -> None:
        try:
            self._teardown()
        finally:
            self.site_lock.release()

    def renew_connections(self) -> None:
        """The database's sessions given up, the workers' too (their pool
        ends; the next pass starts another): after a pass the database failed
        — one read-only while a replica took over kept its session read-only
        for every pass after, the server writable again."""
        self._teardown()

    def _teardown(self) -> None:
        had_pool = self._pool is not None or bool(self._dropped)
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        self._join_dropped()
        if had_pool:
            # What workers killed mid-feed had staged (SIGTERM to the whole
            # group): no process of ours is left to place it.
            self._remove_stale_temp_files()
        if self._worker is not None:
            self._worker.forget_engines()
        self.engine.dispose()

    def _remove_retracted(self) -> None:
        """What retractions left (a crash, a worker that could not): one file
        that cannot go is said and kept for later, never a pass stopped."""
        for name, exc in remove_retracted(
            self.engine, self.posts_dir, self.archive_dir, waiting=self._waiting
        ):
            # (One file the user may not remove is said, as any other.)
            if cannot_write(exc) and not isinstance(exc, PermissionError):
                raise exc
            self.notices.append(
                f"{name}, a post taken back, could not be removed: {exc.strerror or exc}"
                " (tried again next pass)"
            )

    def take_notices(self) -> list[str]:
        """What setting up (or reconfiguring) found worth saying, once."""
        notices, self.notices = self.notices, []
        return notices

    def _claim_database(self, config: Config) -> None:
        """One database, one site (see store.site)."""
        from feedmill.store import site as site_store

        database = self.engine.url.database if self.engine.dialect.name == "sqlite" else None
        # (As recorded now: the machine's name may change under a daemon.)
        self._claimed = site_store.claimed_as(self.posts_dir, str(config.site_dir), database)
        with self.engine.begin() as conn:
            if database is None:
                here = self._claimed[1]  # (site_store.here)
                earlier = site_store.earlier_posts_folders(conn, str(config.site_dir))
                before = site_store.claim(conn, here, earlier=earlier)
                if before is not None:
                    host, _, folder = before.partition(":")
                    if host == here.partition(":")[0] and any(
                        site_store.same_folder(folder, other) for other in earlier
                    ):
                        before = None  # this site's posts folder changed: said as the posts move
            else:
                before = site_store.claim_file(conn, str(config.site_dir), database)
        if before is not None:
            self.notices.append(
                f"the state database was last used by the site at {before}; this site takes it over"
            )

    def _check_claim(self) -> None:
        """A StoreError if another site claimed the database since this mill
        did (a daemon on another machine, given the same `state:`): each
        posted what it read first, and neither said so."""
        from feedmill.store import site as site_store
        from feedmill.store.database import StoreError

        with reading(self.engine) as conn:
            other = site_store.taken_over(conn, self._claimed)
        if other is not None:
            raise StoreError(
                f"the site at {other} took this state database over since this feedmill"
                " started (one database, one site: two split the posts between them) —"
                " stop one, or give each site a database of its own"
            )

    def database_replaced(self) -> bool:
        """Whether the SQLite file opened is no longer the one at its path
        (deleted, or another put there): this mill's writes would go to a
        file no later command reads."""
        path = sqlite_file(self.database_url)
        return path is not None and _file_identity(path) != self._database_file

    def reconfigure(self, config: Config) -> None:
        """Take up an edited config between passes (a daemon's feedmill.yml).

        Workers, database engine and styles start afresh from ``config``; the
        site stays locked throughout (a new site's lock is taken first).
        """
        # A failing feed whose settings were edited (a longer timeout, a
        # cookie, a proxy; its rules — one too slow failed it) is tried at
        # once, not when its backoff ends: a daemon holds the site, so `run
        # --feed` cannot force it meanwhile.
        before = fetch_settings(self.config)
        before_database = self.config.database_url
        before_feeds = [self.config.feed_key(f) for f in self.config.feeds]
        judged = rule_settings(self.config)
        edited = [
            url
            for url, settings in fetch_settings(config).items()
            if url in before and settings != before[url]
        ]
        # (Of those, only the feeds a rule failed: a top-level rule's edit is
        # every feed's, and a server's failure is no rule's.)
        rules_edited = [
            url
            for url, rules in rule_settings(config).items()
            if url in judged and rules != judged[url]
        ]
        # Compared with the folder the lock holds: a refused edit left this
        # mill's own `posts_dir` behind it once (the lock taken, the rest not).
        lock = self.site_lock
        if config.posts_dir != lock.path.parent:
            lock = self.site_lock.moved(config.posts_dir, config.site_dir)
        try:
            self._teardown()
            self.config = config
            self._prepare(config)
        except BaseException:
            if lock is not self.site_lock:
                self.site_lock.restore(lock)  # (the caller goes back to the config it had)
            raise
        if lock is not self.site_lock:
            self.site_lock.release()
            self.site_lock = lock
        if config.database_url == before_database:
            with self.engine.begin() as conn:
                feed_store.retry_now(conn, edited, datetime.now(UTC))
                feed_store.retry_now(
                    conn, rules_edited, datetime.now(UTC), failed_with=RULE_FAILURE
                )
                # The tags' files read again (what failed those feeds): tried now.
                feed_store.retry_now(
                    conn, [f.url for f in config.feeds], datetime.now(UTC), failed_with=TAGS_FAILURE
                )
                # Feeds added, removed or moved in the list: one that was sent
                # to another's URL may be alone there now (done as its error said).
                if [config.feed_key(f) for f in config.feeds] != before_feeds:
                    feed_store.retry_now(
                        conn,
                        [f.url for f in config.feeds],
                        datetime.now(UTC),
                        ending=CONFIG_CONFLICT,
                    )
            self._retry_renamed = [url for url in fetch_settings(config) if url not in before]

    def worker_module(self) -> ModuleType:
        """feedmill.worker, imported on first use; inline work shares our engine."""
        if self._worker is None:
            from feedmill import worker

            worker.adopt_engine(self.config.database_url, self.engine)
            self._worker = worker
        return self._worker

    def __enter__(self) -> Mill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- pool ---------------------------------------------------------

    @property
    def workers(self) -> int:
        return self.options.workers or available_cpus()

    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            from feedmill.parentwatch import init_worker
            from feedmill.poolwatch import watched_pool

            self._pool = watched_pool(
                max_workers=self.workers, mp_context=self._pool_context(), initializer=init_worker
            )
        return self._pool

    def _pool_context(self) -> multiprocessing.context.ForkServerContext:
        # forkserver: no fork of a process that runs threads (event loop,
        # database thread), and workers start from a clean interpreter
        # that has already imported the worker's modules.
        context: multiprocessing.context.ForkServerContext = self.worker_module().PoolContext()
        context.set_forkserver_preload(
            forkserver_preload(
                dedupe=self.dedupe is not None,
                search=self.config.search,
                rules=any(r.block or r.keep for sets in self.rules.values() for r in sets),
            )
        )
        return context

    def _start_workers_loading(self) -> None:
        """The workers' forkserver started loading their modules (~0.4 s of
        a core) while this process syncs the feeds and fetches the first:
        started by the first job, it kept that job, and the pass, waiting."""
        from feedmill.poolwatch import start_forkserver

        self._pool_context()
        start_forkserver()

    def _use_pool(self, amount: int) -> bool:
        return self.workers > 1 and amount >= POOL_THRESHOLD

    # -- run ----------------------------------------------------------

    def run(self, progress: Progress | None = None) -> RunSummary:
        started = time.monotonic()
        summary = RunSummary()
        self.site_lock.ensure()
        check_unchanged(self.engine)  # (a newer feedmill's upgrade ends a daemon)
        self._check_claim()
        self.pass_id = uuid.uuid4().hex
        self.pass_started = datetime.now(UTC)
        self._copying = set()
        self._posts_moved = False
        self._last_entry = 0
        self._join_dropped()  # those of the last pass of a daemon
        self._remove_stale_temp_files()
        try:
            make_in_site(self.stage_dir, self.config.site_dir)
        except OSError as exc:
            # The site takes no writes: the feeds are stored all the same
            # (their posts wait), and publish() fails the pass.
            if not takes_no_writes(exc):
                raise
        states = self._sync()
        # What a rebuild completed now wrote is not this pass's (publish counts from then).
        owed = self._complete_owed_rebuild(progress, states, waits=True)
        counted_since = datetime.now(UTC) if owed is True else None
        # Seen before this pass writes: its new posts would hide an emptied
        # folder, and its workers take each changed post found missing for
        # one deleted by hand.
        gone = self._posts_gone(states)
        self._take_up_restored()
        folder = _file_identity(self.posts_folder)
        if self.dedupe is not None:
            with reading(self.engine) as conn:
                self._last_entry = dedupe_upkeep.last_entry_id(conn)
            with self.engine.begin() as conn:
                dedupe_upkeep.prune_when_due(conn, self.dedupe)
                dedupe_upkeep.index_unindexed(conn, self.dedupe)
        candidates = self._named()
        specs = self._selected(candidates, states, datetime.now(UTC))
        summary.feeds_skipped = len(candidates) - len(specs)
        # Feeds never read are parsed whatever they answer (no validators, no
        # stored body to be the same as): enough of them, and the workers'
        # forkserver starts loading now.  Not for feeds read before, which may
        # all answer 304 — a cron pass paid a second of CPU for nothing.
        unread = sum(1 for spec in specs if states[spec.url].body_hash is None)
        if self._pool is None and self._use_pool(unread):
            self._start_workers_loading()
        # (Only a pass that may fetch article pages reads their waits.)
        fulltext = any(spec.fulltext for spec in specs)
        self._page_pauses = self._stored_page_pauses() if fulltext else {}
        asyncio.run(self._ingest(specs, states, summary, progress))
        self._store_page_pauses()
        self._store_claims()
        if self.dedupe is not None:
            with reading(self.engine) as conn:
                removed = feed_store.removed_ids(conn)
            if removed:  # (every pass: what reads entries is loaded only where some left)
                self._hand_over_to_new_copies(summary, removed)
                self._take_back_first_texts(removed)
        # What a worker could not remove after its commit (or a crash left),
        # before retention could move the files.
        self._remove_retracted()
        if summary.not_modified and (summary.feeds_ok or self._posts_moved):
            self._recount_not_modified(summary)
        if self.stopping.is_set():
            reached = summary.feeds_ok + summary.feeds_not_modified + summary.feeds_failed
            summary.feeds_stopped = len(specs) - reached
        if not isinstance(owed, bool):  # (ArchiveMissing)
            # Every post pending, the archived ones too: written now, they
            # would be the whole archive on the site.  The new items' posts
            # are placed (by the workers); the rebuild waits for the disk.
            raise owed
        self.publish(summary, progress, counted_since=counted_since or self.pass_started)
        self.retain(summary)
        self._say_posts_gone(gone)
        if folder is not None and _file_identity(self.posts_folder) != folder:
            self._say_posts_folder_replaced(states)
        summary.seconds = time.monotonic() - started
        return summary

    def publish_pending(self, progress: Progress | None = None) -> RunSummary:
        """Write the posts still to be written (a pass cut short, a changed
        template), fetching nothing; then apply retention."""
        started = time.monotonic()
        summary = RunSummary()
        self._remove_stale_temp_files()
        states = self._sync()
        # Left by a crash, or taken back just now (a feed that left the config).
        self._remove_retracted()
        self._complete_owed_rebuild(progress, states)
        gone = self._posts_gone(states)
        self._take_up_restored()
        self.publish(summary, progress)
        self.retain(summary)
        self._say_posts_gone(gone)
        summary.seconds = time.monotonic() - started
        return summary

    def _posts_gone(self, states: dict[str, FeedState]) -> int:
        """How many posts of the config's feeds (``states``) are on the site
        by the record while the posts folder holds none (a folder deleted, a
        site restored without it); 0 while it holds any, or they wait in the
        folder they were in to move to it."""
        if self._waiting:
            return 0
        try:
            with os.scandir(self.posts_folder) as found:
                if any(entry.name.endswith(".md") for entry in found):
                    return 0
        except FileNotFoundError:
            pass
        except OSError:
            return 0  # (unreadable: the pass says so where it matters)
        # (Not those retention moved to the archive, nor a removed feed's,
        # which a rebuild does not write.)
        from feedmill.store.posts import on_site_count

        with reading(self.engine) as conn:
            return on_site_count(conn, [state.id for state in states.values()])

    def _take_up_restored(self) -> None:
        """Posts deleted by hand whose files are back in the posts folder
        (moved back, restored from a backup) are on the site again: counted,
        archived by retention, rewritten with their feed's edits.  Found
        gone once, they had stayed gone to feedmill for good — a folder of
        more posts than `max_posts`, the post "deleted by hand" to search.
        Written again (as any pass writes a post, only if its text changed):
        the file put back is as it was when it went, without the item's
        edits and the other sources of its story since (that of a feed
        since removed from the config is kept as it is)."""
        from feedmill.store.posts import archived as posts_in_state
        from feedmill.store.posts import set_state

        with reading(self.engine) as conn:
            removed = posts_in_state(conn, None, "removed")
            if not removed:
                return
            # A feed no longer in the config has no style to write its posts
            # with: one of those is on the site as it is (pending, it waited
            # for good).
            left = posts_in_state(conn, feed_store.removed_ids(conn), "removed")
        folder = self.posts_folder
        back = {entry_id for entry_id, name in removed if (folder / name).is_file()}
        if not back:
            return
        as_it_is = back & {entry_id for entry_id, _ in left}
        with self.engine.begin() as conn:
            set_state(conn, sorted(back - as_it_is), "pending")
            set_state(conn, sorted(as_it_is), "written")
        many = len(back) != 1
        self.notices.append(
            f"{len(back)} post{'s' if many else ''} deleted by hand {'are' if many else 'is'}"
            f" back in {folder}: on the site again"
        )

    def _say_posts_folder_replaced(self, states: dict[str, FeedState]) -> None:
        """The note for a posts folder deleted during the pass: its new posts
        went to a new one, and the posts on record that it lacks were lost
        without a word (the next pass found the folder holding posts)."""
        from feedmill.store.posts import on_site_names

        try:
            there = set(os.listdir(self.posts_folder))
        except OSError:
            return
        with reading(self.engine) as conn:
            names = on_site_names(conn, [state.id for state in states.values()])
        missing = sum(1 for name in names if name not in there)
        if missing:
            self.notices.append(
                f"{self.posts_folder} was deleted during the pass: {missing} post"
                f"{'' if missing == 1 else 's'} on record {'is' if missing == 1 else 'are'}"
                " not in the new one: `feedmill publish --rebuild` writes them again"
            )

    def _say_posts_gone(self, count: int) -> None:
        """The note for a posts folder found without its ``count`` posts:
        "unchanged" said nothing of it, and a post deleted by hand is not
        written again (that is how one is taken off the site)."""
        if not count:
            return
        self.notices.append(
            f"{self.posts_folder} held none of the {count} post{'' if count == 1 else 's'}"
            " on record (the folder deleted?): `feedmill publish --rebuild` writes them"
            " again — a post deleted by hand is not, that is how one is taken off the site"
        )

    def rebuild(self, progress: Progress | None = None) -> RunSummary:
        """Rewrite every post from the database, archived ones included; then
        apply retention again (so raising its limits brings posts back)."""
        started = time.monotonic()
        summary = RunSummary()
        self.site_lock.ensure()
        self._remove_stale_temp_files()
        states = self._sync()
        self._remove_retracted()  # left by a crash, or taken back just now
        if not self.stopping.is_set():  # (a stop before it began: nothing moved)
            self._rebuild_all(summary, progress, states, owed=self._rebuild_owed())
        summary.seconds = time.monotonic() - started
        return summary

    def _rebuild_all(
        self,
        summary: RunSummary,
        progress: Progress | None,
        states: dict[str, FeedState],
        *,
        owed: bool,
    ) -> None:
        """Every post queued and written again; ``owed``: completing one cut short."""
        from feedmill.publish.archive import put_back, restore_archived
        from feedmill.store.posts import archived as archived_posts
        from feedmill.store.posts import archived_names, queue_all, set_state

        feed_ids = [state.id for state in states.values()]
        # The archive the config names, and one an earlier config named.
        archives = self._archives_reachable()
        # Owed before any file moves: a rebuild killed while it brought a
        # removed feed's archive back left those posts on the site, recorded
        # as archived — and no run completed it.
        with self.engine.begin() as conn:
            meta_store.put(conn, REBUILD_OWED, "1")
        if self._waiting:
            # Not while posts wait to move to a changed source_dir: the
            # archive back in the posts folder would stay there (retention
            # waits for the move).  Owed, it is done by the pass that ends it.
            self.notices.append(_REBUILD_WAITS)
            return
        # A removed feed's archived posts come back as they are (no config
        # says how to write them again); retention then weighs them again.
        # So do those a rebuild cut short had queued while it was configured.
        with reading(self.engine) as conn:
            removed = feed_store.removed_ids(conn)
            orphans = archived_posts(conn, removed)
            queued = archived_posts(conn, removed, "pending") if owed else []
        back, gone, waiting = [], [], {entry_id for entry_id, _ in queued}
        moved: list[tuple[Path, str]] = []  # (the folder it came from, the post) this call
        try:
            for entry_id, name in orphans + queued:
                if (Path(self.posts_dir) / name).exists():  # (put back before a crash)
                    back.append(entry_id)
                    continue
                came = next(
                    (f for f in archives if restore_archived(f, Path(self.posts_dir), [name])), None
                )
                if came is not None:
                    moved.append((came, name))
                    back.append(entry_id)
                elif entry_id in waiting:
                    gone.append(entry_id)  # deleted by hand, as a rebuild's publish finds it
            # Those of a rebuild killed before it moved them back (pending since) too.
            archived = self._left_archived(feed_ids) if owed else []
            with self.engine.begin() as conn:
                set_state(conn, back, "written")
                mark_removed(conn, gone)
                archived += archived_names(conn, feed_ids)
                queue_all(conn, feed_ids)
                # Until it ends, the rebuild is owed (above): once the posts are
                # pending, nothing else tells an archived post to come back from
                # one that retention keeps there (see _complete_owed_rebuild).
        except Exception:
            # Failed (a full disk): what came back goes back, recorded as it
            # is still archived — or every `hexo generate` until the next
            # pass builds it.  (That pass completes the rebuild.)
            put_back(self.posts_folder, moved)
            raise
        self._finish_rebuild(summary, progress, feed_ids, archived, came_back=moved)

    def _archives_reachable(self) -> list[Path]:
        """The archive folders (the config's, and one an earlier config
        named), or ArchiveMissing: one of them on a disk not mounted.  A
        rebuild then could not move its posts back, and wrote them anew into
        the posts — the whole archive built by the next `hexo generate`."""
        from feedmill.publish.archive import folders, reachable

        archives = folders(
            self.engine, self.config.site_dir, self.posts_folder, self.config.archive_dir
        )
        for folder in archives:
            reachable(folder, until="no post is rebuilt")
        return archives

    def _rebuild_owed(self) -> bool:
        with reading(self.engine) as conn:
            return meta_store.get(conn, REBUILD_OWED) is not None

    def _complete_owed_rebuild(
        self, progress: Progress | None, states: dict[str, FeedState], *, waits: bool = False
    ) -> bool | ArchiveMissing:
        """A pass's start, after a rebuild killed or stopped before its end:
        that rebuild done again first.  The pass alone would have taken the
        archived posts it had not moved back yet for archived by retention,
        and left the site at whatever mix the kill left; only what was still
        pending would not do either: a stop's retention has put the archive
        back as it was, and taken a post deleted by hand for removed.
        Whether it did — or, with ``waits``, why it waits: an archive folder
        on a disk not mounted (a pass posts its new items meanwhile)."""
        if self.stopping.is_set() or not self._rebuild_owed():
            return False
        if self._waiting:  # (until the posts have moved: see _rebuild_all)
            self.notices.append(_REBUILD_WAITS)
            return False
        if waits:
            from feedmill.publish.archive import ArchiveMissing

            try:
                self._archives_reachable()
            except ArchiveMissing as away:
                return away
        done = RunSummary()  # not the pass's own
        self._rebuild_all(done, progress, states, owed=True)
        if not self.stopping.is_set():
            written = done.posts_new + done.posts_updated + done.posts_unchanged
            moved = f", {done.archived} archived again" if done.archived else ""
            self.notices.append(
                f"completed a rebuild cut short: {written} post{'' if written == 1 else 's'} "
                f"rendered again ({done.posts_updated} changed){moved}"
            )
        return True

    def _left_archived(self, feed_ids: list[int]) -> list[str]:
        """The posts of a rebuild cut short that are in an archive folder:
        archived ones it had not moved back yet (pending since), and those its
        retention moved before it could record them (written).  Not moved
        back, the latter stayed in the folder they were in when the archive
        moved elsewhere, and were there twice."""
        from feedmill.publish.archive import folders
        from feedmill.store.posts import archived as archived_posts

        with reading(self.engine) as conn:
            waiting = {
                name
                for state in ("pending", "written")
                for _, name in archived_posts(conn, feed_ids, state)
            }
        left: set[str] = set()
        for folder in folders(
            self.engine, self.config.site_dir, self.posts_folder, self.config.archive_dir
        ):
            with suppress(FileNotFoundError):
                left |= waiting & set(os.listdir(folder))
        return sorted(left)

    def _finish_rebuild(
        self,
        summary: RunSummary,
        progress: Progress | None,
        feed_ids: list[int],
        archived: list[str],
        *,
        came_back: Sequence[tuple[Path, str]] = (),
    ) -> None:
        """A rebuild's work once every post is pending: the ``archived``
        posts moved back, every post written, retention applied again.
        ``came_back``: removed feeds' posts moved back before (counted too)."""
        from feedmill.publish.archive import (
            drop_archived_copies,
            folders,
            put_back,
            restore_archived,
        )

        archives = folders(
            self.engine, self.config.site_dir, self.posts_folder, self.config.archive_dir
        )
        make_in_site(self.posts_dir, self.config.site_dir)
        written: set[str] = set()
        moved: list[tuple[Path, str]] = []  # (the folder it came from, the post)
        try:
            for folder in archives:
                moved += [
                    (folder, n) for n in restore_archived(folder, self.posts_folder, archived)
                ]
            self.publish(summary, progress, written=written)
            # Every post written, unless a stop came first: one that comes
            # while retention runs ends a rebuild that is done (it was owed
            # again, and the next pass rendered every post once more).
            written_all = not self.stopping.is_set()
        except Exception:
            # Failed (a full disk) as when stopped — moving the archive back
            # too: the archive goes back, or every `hexo generate` until a
            # pass succeeds builds all of it.  Retention reads the database
            # first: with the database away or locked (what failed the
            # rebuild, often), what came back goes back by name.
            try:
                self.retain(summary)
            except Exception:
                put_back(self.posts_folder, moved)
            raise
        # A second copy goes: in the configured folder any post written now,
        # elsewhere only an archived post's (a folder of the site's own, such
        # as a backup of source/_posts, keeps its files).
        drop_archived_copies(archives[0], written)
        for folder in archives[1:]:
            drop_archived_copies(folder, written & set(archived))
        self.retain(summary)
        # Said: a rebuild after the limits were raised printed only "unchanged".
        summary.restored += sum(
            1 for _, name in (*came_back, *moved) if (self.posts_folder / name).exists()
        )
        if summary.posts_failed_for_now:
            # (Retention put them back in the archive as they were: they
            # would stay so.)  Not for a template failing on a post, which
            # would rebuild the site on every pass.
            self.notices.append(
                "the rebuild is not complete: a tags file was edited while it ran — the next"
                " `feedmill run` or `publish` completes it"
            )
        elif written_all:
            with self.engine.begin() as conn:
                meta_store.forget(conn, REBUILD_OWED)

    def retain(self, summary: RunSummary) -> None:
        # Also after a stop: a rebuild cut short had put the whole archive
        # back in the posts folder, for the next `hexo generate` to build.
        # (Only renames; a second signal stops at once.)
        retention = self.config.retention
        # Not while some posts wait in the folder the site's were in before
        # (`_sync`): counted gone from the site, the newest of them were taken
        # for posts deleted by hand, and left there for good.
        if retention is None or self._waiting:
            return
        from feedmill.publish.archive import archive_old_posts, move_archive

        summary.archived += archive_old_posts(
            self.engine,
            self.config.site_dir,
            self.posts_folder,
            self.config.archive_dir,
            retention,
            datetime.now(UTC),
        )
        # The rest moved where the config now says (nothing to do, nearly
        # always) — after: a post archived by a run cut short before it was
        # recorded is found in the folder it went to, which this forgets.
        move_archive(self.engine, self.config.site_dir, self.posts_folder, self.config.archive_dir)

    def stop(self) -> None:
        """Finish what is being written, start nothing new (safe from a signal handler).

        Fetches under way are cancelled: a slow server must not hold a stop
        for up to the request timeout. Their feeds are fetched next time.
        """
        self.stopping.set()
        loop = self._loop
        if loop is not None:
            with suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._cancel_fetches)

    def _cancel_fetches(self) -> None:
        for fetch in list(self._fetches):
            fetch.cancel()

    def _named(self) -> list[FeedSpec]:
        """The feeds this run is about: those given with --feed, else all."""
        if self.options.only:
            wanted = set(self.options.only)
            return [f for f in self.config.feeds if f.url in wanted]
        return list(self.config.feeds)

    def _selected(
        self, feeds: list[FeedSpec], states: dict[str, FeedState], now: datetime
    ) -> list[FeedSpec]:
        if self.options.due_only:
            due = self.config.feed_due
            return [f for f in feeds if is_due(due(f, states[f.url], now), now)]
        return feeds

    @property
    def posts_folder(self) -> Path:
        """The folder this mill writes posts to (`posts_dir`, as a Path)."""
        return Path(self.posts_dir)

    def _remove_stale_temp_files(self) -> None:
        """What a killed pass (or a full disk) left staged: in the posts folder,
        and in the archive's, where a move to another disk stages its copy."""
        remove_stale_temp_files(self.posts_folder)
        remove_stale_temp_files(Path(self.archive_dir))

    def _whereabouts(self, file_name: str) -> str:
        """Where a post of the site is: "posts", "archive" or "gone" (`writer.whereabouts`)."""
        return whereabouts(
            self.posts_dir, self.archive_dir, file_name, self._earlier, self._waiting
        )

    def _sync(self) -> dict[str, FeedState]:
        from feedmill.publish.archive import folders, record_anew
        from feedmill.publish.postsfolder import follow

        # An earlier version's record of the archive folders is read against
        # the posts folder the last run had — before `follow` records this one.
        record_anew(self.engine, self.config.site_dir, self.posts_folder)
        # Hexo's source_dir changed: the posts go where the site now reads them.
        followed = follow(self.engine, self.posts_folder, self.config.site_dir)
        self._waiting = followed.waiting if followed is not None else ()
        if followed is not None:
            was, count = followed.was, followed.moved
            here = os.path.relpath(self.posts_folder, self.config.site_dir)
            self.notices.append(
                f"the site's posts folder is {here} now (Hexo's source_dir): {count}"
                f" post{'' if count == 1 else 's'} moved there from {was}"
                + (
                    ""
                    if followed.done
                    else f"; the rest wait for a pass that can move them ({followed.why}),"
                    " and no post is archived until then"
                )
            )

        # (A rebuild killed while moving posts back from one leaves some there.)
        earlier = folders(
            self.engine, self.config.site_dir, self.posts_folder, self.config.archive_dir
        )[1:]
        self._earlier = tuple(map(str, earlier))
        with self.engine.begin() as conn:
            urls = [s.url for s in self.config.feeds]
            states = feed_store.sync_feeds(conn, urls, self.config.url_key, self.config.moves)
            renamed, self._retry_renamed = self._retry_renamed, []
            # A failing feed's row, found under its new URL: due at once.
            retried = feed_store.retry_now(conn, renamed, datetime.now(UTC)) if renamed else 0
            if not self._tags_read:
                # Feeds a tags file edited under the last run failed (read as
                # it was being saved): the config, read again now, reads them
                # as they are — as a daemon's does, taking the edit up.
                self._tags_read = True
                if feed_store.any_failing_with(conn, TAGS_FAILURE):  # (no write, nearly always)
                    retried += feed_store.retry_now(
                        conn, urls, datetime.now(UTC), failed_with=TAGS_FAILURE
                    )
            if retried:
                states = feed_store.sync_feeds(conn, urls, self.config.url_key, self.config.moves)
            # Config or template changes since last time re-render the feed's posts.
            changes = []
            returned = []  # feeds back in the config
            self._rezoned = set()
            for spec in self.config.feeds:
                state = states[spec.url]
                old = state.style_hash
                if old == feed_store.REMOVED_STYLE:
                    returned.append(state.id)
                if old is None:
                    # Never read: no post to restyle.  Its first read stores the
                    # style with the feed's title, which is not known before.
                    continue
                wanted = feed_store.fingerprint(
                    style_hash(self.styles[spec.url], state.title, self.template_fp),
                    self.config.feed_timezone(spec),
                )
                if wanted == old:
                    continue
                # A new time zone is stored by the worker that reads the feed in
                # it: until then (a failed fetch, a feed not due, another run)
                # every pass reads it whole and re-dates what it lists.
                rezoned = feed_store.rereads(old, wanted)
                part = feed_store.STYLE_PART
                styled = wanted[:part] + old[part:] if rezoned else wanted
                changes.append((state.id, old, styled))
                state = replace(state, style_hash=styled)
                if rezoned:  # not a 304 this time
                    state = replace(state, etag=None, last_modified=None, body_hash=None)
                    self._rezoned.add(state.id)
                states[spec.url] = state
            feed_store.set_styles(conn, changes)
            removed = feed_store.set_aside_removed(conn, states)
            feed_store.restyle_originals(conn, removed)
            if removed:
                self._hand_over(conn, removed)
            if returned:
                self._take_back(conn, returned)
            if not self._moves_checked:
                self._moves_checked = True
                for url, old in feed_store.moves_not_taken(
                    conn, states, self.config.url_key, self.config.moves
                ):
                    self.notices.append(
                        f"{url}: moved_from {old} is not taken up: this feed has a history of"
                        " its own already (fetched at its new url before moved_from named the"
                        " old one, or joined to another earlier url), and each keeps its own"
                        " (with dedupe on, the old feed's posts pass to this feed's copies of"
                        " their text, under new names; without it, both stay)"
                    )
        if not self._pages_checked:  # (post files read: not under the write lock)
            self._pages_checked = True
            with reading(self.engine) as conn:
                self.notices += self._pages_shared_with_removed(conn, states)
        return states

    def _hand_over(
        self,
        conn: Connection,
        removed: Sequence[int],
        exact_copies_of: Collection[int] | None = None,
    ) -> list[Heir]:
        """Stories of the feeds that left the config, whose copies other feeds
        hold, pass to those feeds (`hand_over`): posted now, the removed
        feeds' posts of them taken back.  Returns those copies."""
        self._posts_moved = True
        from feedmill.filter.dedupe.decide import copy_tells
        from feedmill.store.entries import hand_over

        owed = meta_store.get(conn, REBUILD_OWED) is not None

        def off(name: str) -> bool:
            # Deleted by hand, or in the archive: retention killed before its
            # row said so — a story passed on then had its archived file
            # deleted.  (Not while a rebuild is owed: it brings it back.)
            where = self._whereabouts(name)
            return where == "gone" or (where == "archive" and not owed)

        heirs = hand_over(
            conn,
            removed,
            self.worker_module().heir_name,
            off,
            exact_copies_of=exact_copies_of,
            tells=copy_tells(self.dedupe.threshold) if self.dedupe else None,
            refused=self._refused_by_its_rules,
        )
        self._index_in_dedupe(conn, heirs)
        passed = sum(heir.succeeds is not None for heir in heirs)
        if passed:
            self.notices.append(
                f"stories of feeds no longer in the config that other feeds carry too: {passed},"
                " passed to those feeds (the posts are theirs now)"
            )
        return heirs

    def _refused_by_its_rules(self, copy: Any) -> bool:
        """Would its feed's rules block a held-back copy (a stored row) taking
        a post now?  Judged on what it says now; its age was, when it came (as
        a copy that takes a post otherwise: worker._promotions)."""
        from feedmill.store.schema import entry_from_row

        rules = self.rules.get(copy.feed_url, ())
        now = datetime.now(UTC)
        return bool(rules) and blocked_by(rules, entry_from_row(copy), now, age=False) is not None

    def _hand_over_to_new_copies(self, summary: RunSummary, removed: Sequence[int]) -> None:
        """Copies this pass held back behind the posts of feeds no longer in
        the config, of their very text, take those stories (`_hand_over`): a
        route whose URL was edited without `moved_from` left before its new
        URL brought its items again, and they stayed behind the old feed's
        posts for good, their edits off the site.  (Not another telling: a
        快讯 would take the post of the article it tells.)  So are those stored
        since the last pass that judged them (`HANDED_OVER_TO`): one killed
        after storing them, or that failed as a whole then, left them behind for
        good (the next fetch brings the same document: nothing is stored again).
        ``removed``: the feeds that left the config."""
        from feedmill.store.entries import copied_after

        with self.engine.begin() as conn:
            judged = meta_store.get(conn, HANDED_OVER_TO)
            after = min(self._last_entry, int(judged)) if judged else 0
            last = dedupe_upkeep.last_entry_id(conn)
            originals = copied_after(conn, after)
            if str(last) != judged:
                meta_store.put(conn, HANDED_OVER_TO, str(last))
            if originals:
                heirs = self._hand_over(conn, removed, exact_copies_of=originals)
                # Counted held back by their workers: posted now, they are not.
                held_this_pass = sum(
                    heir.entry_id > self._last_entry and heir.feed_id in self._copying
                    for heir in heirs
                )
                summary.duplicates = max(0, summary.duplicates - held_this_pass)

    def _take_back_first_texts(self, removed: Sequence[int]) -> None:
        """Copies held back behind a post that passed to another telling when
        its feed left, of the very item that left (its text, and its key or
        page), take it back (`passed_on_and_copied_again`): a URL edited without
        moved_from while another outlet carried a rewording — the story went
        to the rewording as the old URL left, and the new URL's items, however
        late they came (its first fetch failed, a pass was killed after
        storing them), stayed behind it for good, its category empty.  Not
        where that post is off the site, nor where it tells the story fuller
        (an article that took the post since).  ``removed``: the feeds that
        left the config."""
        from feedmill.store.entries import (
            FIRST_TEXT,
            came_again,
            passed_on_and_copied_again,
            promote,
        )
        from feedmill.store.posts import OFF_SITE

        with reading(self.engine) as conn:
            rows = passed_on_and_copied_again(conn, removed)
        if not rows:
            return
        from feedmill.filter.dedupe.decide import fuller
        from feedmill.filter.dedupe.text import fingerprint

        taking = [
            (row, left_ids)
            for row, left_ids in rows
            if row.state is not None
            and row.state not in OFF_SITE
            # (Deleted by hand, archived: it stays so.)
            and (row.written_version is None or self._whereabouts(row.file_name) == "posts")
            and not fuller(
                fingerprint(row.post_title, row.post_content),
                fingerprint(row.copy_title, row.copy_content),
            )
        ]
        if not taking:
            return
        heirs: list[Heir] = []
        with self.engine.begin() as conn:
            for row, left_ids in taking:
                name_for = self.worker_module().heir_name
                heirs += promote(conn, row.copy_id, [row.post_id], name_for, FIRST_TEXT)
                for left_id in left_ids:
                    came_again(conn, left_id)
            self._index_in_dedupe(conn, heirs)
        self._posts_moved = True
        self.notices.append(
            "copies of the very text of posts that had passed to another feed's telling"
            f" when their feed left took them back: {len(taking)} (a feed's URL edited?)"
        )

    def _take_back(self, conn: Connection, returned: Sequence[int]) -> None:
        """Feeds back in the config: their items held back because they had
        left, the stories passed to another feed's copy (`hand_over`), are
        judged again as copies of those posts.  The fuller telling of one
        (the article that had taken its 快讯's post) takes it back, as it
        would coming now — unless that post is off the site (deleted by
        hand, archived); the others are copies, said so, not "its feed
        left feedmill.yml"."""
        self._posts_moved = True
        from feedmill.filter.dedupe.decide import decide, fuller
        from feedmill.filter.dedupe.text import fingerprint
        from feedmill.store.entries import FULLER_COPY, back_in_config, judged_again, promote
        from feedmill.store.posts import OFF_SITE

        if self.dedupe is None:
            return
        heirs: list[Heir] = []
        for row in back_in_config(conn, returned):
            mine = fingerprint(row.title, row.content)
            theirs = fingerprint(row.holder_title, row.holder_content)
            on_site = (
                row.holder_status == "active"
                and row.holder_state is not None
                and row.holder_state not in OFF_SITE
                and (row.holder_written is None or self._whereabouts(row.holder_file) == "posts")
            )
            # The other posts it had taken too (a 快讯 of a later paragraph, its
            # post again since): as it would coming now, none deleted by hand.
            others = self._others_told(conn, row) if on_site and fuller(mine, theirs) else None
            if others is not None:
                heirs += promote(
                    conn,
                    row.id,
                    [row.duplicate_of, *others],
                    self.worker_module().heir_name,
                    FULLER_COPY,
                )
                continue
            verdict = decide(mine, theirs, self.dedupe.threshold)
            if verdict.duplicate:
                judged_again(conn, row.id, verdict.reason)
        self._index_in_dedupe(conn, heirs)
        if heirs:
            self.notices.append(
                f"fuller copies of feeds in the config again took back their stories' posts:"
                f" {len(heirs)}"
            )

    def _others_told(self, conn: Connection, row: Any) -> tuple[int, ...] | None:
        """The other posts of its story that a copy back in the config (a row
        of `back_in_config`) takes with the one that held it back; None if one
        of them is off the site (`worker.others_told`)."""
        from feedmill.store import dedupe as dedupe_store
        from feedmill.store.schema import entry_from_row

        assert self.dedupe is not None
        story = dedupe_store.story_of(entry_from_row(row), row.first_seen_at)
        told: tuple[int, ...] | None = self.worker_module().others_told(
            conn, self.dedupe, row.feed_id, self._whereabouts, story, row.duplicate_of
        )
        return told

    def _index_in_dedupe(self, conn: Connection, heirs: Sequence[Heir]) -> None:
        """Copies posted now: later copies of their stories are found in them."""
        if heirs and self.dedupe is not None:
            from feedmill.store import dedupe as dedupe_store

            dedupe_store.add_posted(conn, heirs, datetime.now(UTC))

    def _pages_shared_with_removed(
        self, conn: Connection, states: dict[str, FeedState]
    ) -> list[str]:
        """A configured name whose Hexo category page a removed feed's posts
        have too (the config alone refuses two configured ones): that page
        lists the posts of one only."""
        from feedmill.config import category_naming
        from feedmill.publish.categories import categories, derive_channel, shared_pages
        from feedmill.publish.render import categories_of_file

        if self.config.template_path is not None:
            return []  # the site's own template may file posts otherwise
        removed = feed_store.removed_on_site(conn)
        if not removed:
            return []
        configured = [
            (spec.url, categories(style.group, style.source, style.channel or derived))
            for spec in self.config.feeds
            for style in (self.styles[spec.url],)
            for derived in (derive_channel(states[spec.url].title, style.source),)
        ]
        filed = [
            (url, chain)
            for url, names in removed.items()
            if (
                chain := next(
                    filter(None, (categories_of_file(Path(self.posts_dir) / n) for n in names)),
                    None,
                )
            )
            is not None
        ]
        chains = [chain for _, chain in configured + filed]
        notes = []
        for clash in shared_pages(chains, *category_naming(self.config.site_dir)):
            if clash.index >= len(configured) > clash.other_index:
                url, _ = filed[clash.index - len(configured)]
                notes.append(
                    f"the posts of {urls.shown(url)}, a feed no longer in the config, "
                    f"are filed under {clash.name!r}, which shares Hexo's category page "
                    f"{clash.path} with {clash.other!r} of "
                    f"{urls.shown(configured[clash.other_index][0])}: that page "
                    "lists the posts of one only (rename one, or map it in _config.yml's "
                    "category_map)"
                )
        return notes

    def next_due(self) -> datetime | None:
        """The earliest next attempt among the feeds this run is about."""
        named = self._named()
        with reading(self.engine) as conn:
            states = feed_store.states(conn, [f.url for f in named])
        now = datetime.now(UTC)
        times = [self.config.feed_due(f, states[f.url], now) for f in named if f.url in states]
        return min((t for t in times if t is not None), default=None)

    def _policy(self, spec: FeedSpec) -> Policy:
        return self.config.feed_policy(spec)

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
        use_pool = self._use_pool(len(specs))
        # The main process's own database work (batched feed records, and
        # inline documents when there is no pool) runs on one thread.
        db = ThreadPoolExecutor(1, thread_name_prefix="feedmill-db")
        # Feeds fetching or holding a document no worker has taken yet: with
        # workers, a window that opens as far as that costs no memory; without,
        # fetch.concurrency feeds at once from the start.
        concurrency = max(4, self.fetch_options.concurrency)
        window = FetchWindow(2 * self.workers if use_pool else concurrency, concurrency)
        if progress:
            progress("fetch", 0, len(specs))

        async def one(spec: FeedSpec) -> None:
            try:
                ticket = await window.enter()
                try:
                    if not self.stopping.is_set():
                        await self._one_feed(
                            spec, states[spec.url], fetcher, db, summary, ticket, use_pool
                        )
                finally:
                    ticket.leave(widen=True)  # (a no-op once its document was handed over)
            except Exception as exc:  # a bug must cost one feed, never the pass
                if cannot_write(exc):
                    raise
                message = f"internal error: {type(exc).__name__}: {exc}"
                summary.feeds_failed += 1
                summary.failures.append((spec.url, message))
                failed = Fetched(url=spec.url, status=FetchStatus.FAILED, error=message)
                with suppress(Exception):
                    self._queue_outcome(
                        db, spec, states[spec.url], failed, datetime.now(UTC), whole=True
                    )
            if progress:
                progress("fetch", 1, None)

        def where(spec: FeedSpec) -> str:
            return self._location(spec, states[spec.url])

        self._claims = self._places_taken(states)
        self._claims_stored = self._stored_claims()
        self._redirected = {}
        self._holders = set()
        for place, url in self._claims_stored.items():
            index = self._claim_holder(url)
            if index is not None:
                self._claims.setdefault(place, index)
                self._holders.add(index)
        self._loop = loop
        self._page_slots = None  # bound to this pass's event loop
        self._retries = None  # likewise
        self._pool_slots = None  # likewise
        try:
            async with Fetcher(self.fetch_options) as fetcher:
                await all_or_none(one(spec) for spec in in_host_turns(specs, where))
        finally:
            self._loop = None
            self._write_outcomes(db)
            writes, self._outcome_writes = self._outcome_writes, []
            results = await asyncio.gather(*writes, return_exceptions=True)
            db.shutdown(wait=True)
        # A batch that could not be written leaves its feeds as they were
        # (fetched again next time), and the pass fails: a database that
        # refuses writes (read-only, locked, full disk) must not look like a
        # good pass.
        for result in results:
            if isinstance(result, BaseException):
                raise result

    def _stored_page_pauses(self) -> dict[str, Pause]:
        """The hosts whose article pages wait (PAGE_PAUSES), those that still
        hold (`Pause.holds`: not past, nor made ahead of the clock)."""
        from feedmill.fulltext import LONGEST_PAGE_WAIT, Pause

        with reading(self.engine) as conn:
            stored = meta_store.get(conn, PAGE_PAUSES)
        now = datetime.now(UTC)
        pauses: dict[str, Pause] = {}
        try:
            for key, value in json.loads(stored or "{}").items():
                # (Its time alone, as stored before: made a day before at most.)
                if isinstance(value, str):
                    until = datetime.fromisoformat(value)
                    pauses[key] = Pause(until - LONGEST_PAGE_WAIT, until)
                else:
                    made, until = map(datetime.fromisoformat, value)
                    pauses[key] = Pause(made, until)
        except (ValueError, TypeError, AttributeError):  # (edited by hand: none then)
            return {}
        return {
            key: pause
            for key, pause in pauses.items()
            if pause.made.tzinfo and pause.until.tzinfo and pause.holds(now)
        }

    def _store_page_pauses(self) -> None:
        """This pass's waits for article pages, for the passes after it."""
        if self._page_slots is None:
            return
        now = datetime.now(UTC)
        pauses = {key: p for key, p in self._page_slots.paused.items() if p.holds(now)}
        if pauses == self._page_pauses:
            return
        with self.engine.begin() as conn:
            if pauses:
                value = {
                    key: [p.made.isoformat(), p.until.isoformat()]
                    for key, p in sorted(pauses.items())
                }
                meta_store.put(conn, PAGE_PAUSES, json.dumps(value))
            else:
                meta_store.forget(conn, PAGE_PAUSES)

    def _stored_claims(self) -> dict[str, str]:
        """REDIRECT_CLAIMS as stored (none, where edited by hand into another shape)."""
        with reading(self.engine) as conn:
            stored = meta_store.get(conn, REDIRECT_CLAIMS)
        try:
            claims = json.loads(stored or "{}")
        except ValueError:
            return {}
        if not isinstance(claims, dict):
            return {}
        return {p: u for p, u in claims.items() if isinstance(p, str) and isinstance(u, str)}

    def _claim_holder(self, url: str) -> int | None:
        """The index of the feed a stored claim names: by its URL, or by one
        its `moved_from` names (the feed edited to a new URL is the same)."""
        index = self._keys().get(self.config.url_key(url))
        if index is None:
            moved = {
                self.config.url_key(earlier): i
                for i, feed in enumerate(self.config.feeds)
                for earlier in feed.earlier_urls
            }
            index = moved.get(self.config.url_key(url))
        return index

    def _store_claims(self) -> None:
        """Where this pass's feeds were sent, for the passes after it: a feed
        fetched whole keeps the places it was sent to, and gives up those it
        no longer is (nor is one kept whose feed left the config)."""
        claims = {
            place: self.config.feeds[index].url
            for place, url in self._claims_stored.items()
            if (index := self._claim_holder(url)) is not None
            and place in self._redirected.get(index, {place})
        }
        for index, places in self._redirected.items():
            for place in places:
                claims.setdefault(place, self.config.feeds[index].url)
        if claims == self._claims_stored:
            return
        with self.engine.begin() as conn:
            if claims:
                meta_store.put(conn, REDIRECT_CLAIMS, json.dumps(claims, sort_keys=True))
            else:
                meta_store.forget(conn, REDIRECT_CLAIMS)

    def _keys(self) -> dict[str, int]:
        if self._feed_keys is None:
            self._feed_keys = {self.config.feed_key(f): i for i, f in enumerate(self.config.feeds)}
        return self._feed_keys

    def _places_taken(self, states: dict[str, FeedState]) -> dict[str, int]:
        """Where the config's feeds moved or are being redirected for good, as
        stored (the first feed of the config keeps a place two share)."""
        taken: dict[str, int] = {}
        for index, spec in enumerate(self.config.feeds):
            state = states.get(spec.url)
            for place in (state.fetch_url, state.redirect_url) if state else ():
                if place:
                    taken.setdefault(urls.identity(place), index)
        return taken

    def _another_feed(self, spec: FeedSpec, targets: Iterable[str], how: str) -> str | None:
        """The error of a feed fetched through ``targets`` (where its redirects
        went, where it moved for good) if one is the URL of another feed of the
        config, or where another one goes too (two URLs of a blog, `/feed` and
        `/rss`, sent to one `/feed.xml`): each of its items would be posted
        twice, under both feeds (or held back as the other's copies), and the
        document fetched twice a pass — what the config refuses when two
        entries name one URL.  Else ``targets`` are the feed's from now on: a
        feed sent there later this pass is the one that fails."""
        keys = self._keys()
        own_index = keys[self.config.feed_key(spec)]
        # Any hop: the other feed's URL may redirect in turn (to https, a slash).
        targets = list(targets)
        places = [urls.identity(target) for target in targets]
        for place in places:
            index = keys.get(place, own_index)
            if index != own_index:
                other = self.config.feeds[index]
                return (
                    f"{how} {urls.shown(other.url)}, the URL of {self._feed_named(index)}"
                    f" in feedmill.yml: {CONFIG_CONFLICT}"
                )
        for target, place in zip(targets, places, strict=True):
            index = self._claims.get(place, own_index)
            if index != own_index and place not in self._redirected.get(index, {place}):
                index = self._claims[place] = own_index  # its feed was sent elsewhere this pass
            if index != own_index:
                return (
                    f"{how} {urls.shown(target)}, where {self._feed_named(index)} goes too:"
                    f" {CONFIG_CONFLICT}"
                )
        for place in places:
            self._claims.setdefault(place, own_index)
        if how == REDIRECTED:  # (where it moved is its own: no claim to give up)
            self._redirected[own_index] = set(places)
        return None

    def _sent_nowhere(self, spec: FeedSpec, state: FeedState, fetched: Fetched) -> None:
        """A feed holding a redirect's place, fetched without a redirect:
        answered where it is fetched, or gone from it (410), it gives its
        places up — but where it moved for good (a failure for now — a 502,
        a 404 of a redeploy, a maintenance page, an empty answer — keeps
        them all)."""
        index = self._keys()[self.config.feed_key(spec)]
        if index not in self._holders:
            return
        answered = fetched.status is FetchStatus.NOT_MODIFIED or (
            fetched.ok and _could_be_a_feed(fetched.body or b"")
        )
        if answered or fetched.http_status == HTTP_GONE:
            moved = {urls.identity(state.fetch_url)} if state.fetch_url else set()
            self._redirected[index] = moved

    def _feed_named(self, index: int) -> str:
        feed = self.config.feeds[index]
        return f"feeds[{index}] ({feed.group} / {feed.source})"

    def _location(self, spec: FeedSpec, state: FeedState) -> str:
        """Where the feed is fetched: where it moved for good, else as configured."""
        return state.fetch_url or self.config.location(spec)

    async def _one_feed(
        self,
        spec: FeedSpec,
        state: FeedState,
        fetcher: Fetcher,
        db: Executor,
        summary: RunSummary,
        ticket: Ticket,
        use_pool: bool,
    ) -> None:
        loop = asyncio.get_running_loop()
        location = self._location(spec, state)
        # A wrong charset label said: asked for the whole document, not "not
        # modified" — a server that fixes its label sends the same bytes (the
        # same validators), and the warning stayed for as long.
        asks = not _WRONG_LABEL.search(state.warning or "")
        request = FetchRequest(
            url=location,
            origin=self.config.location(spec),
            etag=state.etag if asks else None,
            last_modified=state.last_modified if asks else None,
            body_hash=state.body_hash,
            timeout=_timeout(spec),
            connect_timeout=_connect_timeout(spec),
            headers=tuple(spec.headers.items()),
            proxy=spec.proxy,
        )
        # A move adopted before the config named its new place as a feed too.
        taken = self._another_feed(spec, [state.fetch_url], "moved to") if state.fetch_url else None
        if taken is not None:
            fetched: Fetched | None = Fetched(url=location, status=FetchStatus.FAILED, error=taken)
        else:
            with ticket.waiting():
                fetched = await self._stoppable(fetcher.fetch(request))
        if fetched is None:
            return  # stopped mid-fetch (see stop)
        # (Feeds sent to one login or parking page are each told what came
        # back, not to remove one another.)
        if self._holders and not fetched.redirects:  # (a feed holding a stored claim: few)
            self._sent_nowhere(spec, state, fetched)
        if fetched.redirects and fetched.ok and _could_be_a_feed(fetched.body or b"<"):
            taken = self._another_feed(spec, (to for _, to in fetched.redirects), REDIRECTED)
            if taken is not None:
                # The status the feed's own URL answered (301, …), not the
                # other feed's 200: the failure is that redirect.
                first = fetched.redirects[0][0]
                fetched = replace(
                    fetched, status=FetchStatus.FAILED, body=None, error=taken, http_status=first
                )
        now = datetime.now(UTC)
        # A document for a worker, whose row it may write before it fails:
        # the failure then writes all it decides (see _queue_outcome).
        handed = fetched.status is FetchStatus.OK
        if fetched.status is FetchStatus.OK:
            assert fetched.body is not None
            if self.stopping.is_set():
                # Fetched, not yet handed over: a stop starts no more parsing
                # (the documents the fetch window holds wait here).  The feed is
                # left as it was, and fetched again next time.
                return
            handler = self.worker_module()
            secrets = tuple(urls.header_secrets((*self.fetch_options.headers, *request.headers)))
            # Relative links resolve against where the document was found (the
            # end of any redirects), never with the feed URL's password in them.
            document_url = urls.without_userinfo(fetched.final_url or location)
            pages: tuple[worker.Page, ...] = ()
            if spec.fulltext:
                # Cancelled by a stop like the feed's own fetch.
                read = await self._stoppable(
                    self._article_pages(spec, state, fetched, document_url, now)
                )
                if read is None:
                    return
                pages = read
            job = handler.FeedJob(
                body=fetched.body,
                content_type=fetched.content_type,
                location=document_url,
                feed_url=spec.url,
                timezone=self.config.feed_timezone(spec),
                style=self.styles[spec.url],
                template=self.template,
                template_fingerprint=self.template_fp,
                posts_dir=self.posts_dir,
                archive_dir=self.archive_dir,
                earlier_archives=self._earlier,
                posts_waiting=self._waiting,
                stage_dir=self.stage_dir,
                database_url=self.database_url,
                state=state,
                fetched=replace(fetched, body=None),
                policy=self._policy(spec),
                now=now,
                rules=self.rules[spec.url],
                dedupe=self.dedupe,
                search=self.config.search,
                fulltext=spec.fulltext,
                pages=pages,
                pass_id=self.pass_id,
                pass_started=self.pass_started,
                redate=state.id in self._rezoned,
                secrets=secrets,
            )
            fetched = job.fetched
            try:
                if use_pool:
                    result = await self._in_pool(job, ticket)
                else:
                    result = await loop.run_in_executor(
                        db, self._unless_stopped, handler.handle, job
                    )
            except _Stopped:
                return  # not started before a stop: fetched again next time
            except Exception as exc:  # parsers are third-party code fed hostile input
                if cannot_write(exc):  # not this feed's fault: the pass fails as a whole
                    raise
                if isinstance(exc, SQLAlchemyError):  # its reason, not its SQL and parameters
                    from feedmill.store.database import reason_of

                    reason = getattr(exc, "orig", None) or exc
                    error = f"could not store: {type(reason).__name__}: {reason_of(reason)}"
                elif isinstance(exc, TagFilesUnreadable):
                    error = str(exc)
                else:
                    error = f"parser crashed: {type(exc).__name__}: {exc}"
                result = handler.FeedResult(error=error)
            if result.error is None:
                summary.feeds_ok += 1
                summary.posts_new += result.new
                summary.posts_updated += result.updated
                summary.posts_unchanged += result.unchanged
                summary.counted_feeds[spec.url] = result.unchanged
                summary.blocked += result.blocked
                summary.duplicates += result.duplicates
                if result.duplicates:
                    self._copying.add(state.id)
                summary.replaced += result.replaced
                summary.posts_new -= result.replaced_new  # one post, not two
                return
            # What the document said may echo the feed's header secrets (a
            # 200 whose JSON says "invalid token: …"), as a failed fetch's may.
            error = urls.text_shown(result.error, secrets=secrets) if secrets else result.error
            if fetched.redirects and document_url not in error:
                # What came back came from elsewhere ("got text/html": whose?).
                error += f" (redirected to {urls.shown(document_url)})"
            fetched = replace(fetched, status=FetchStatus.FAILED, error=error)
        self._queue_outcome(db, spec, state, fetched, now, whole=handed)
        if fetched.status is FetchStatus.NOT_MODIFIED:
            summary.feeds_not_modified += 1
            # Its posts as they were (a database from before posted_count: its items).
            posted = state.item_count if state.posted_count is None else state.posted_count
            summary.posts_unchanged += posted or 0
            summary.counted_feeds[spec.url] = posted or 0
            summary.not_modified[spec.url] = state.id
        else:
            summary.feeds_failed += 1
            error = fetched.error or "failed"
            if state.fetch_url and fetched.url == state.fetch_url and state.fetch_url not in error:
                error += f" (at {urls.shown(state.fetch_url)}, where it moved)"
            summary.failures.append((spec.url, error))

    async def _stoppable(self, work: Coroutine[Any, Any, T]) -> T | None:
        """``work``, or None if a stop cancelled it (see stop)."""
        task = asyncio.ensure_future(work)
        self._fetches.add(task)
        try:
            return await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if task.cancelled() and current is not None and not current.cancelling():
                return None
            raise
        finally:
            self._fetches.discard(task)

    async def _article_pages(
        self, spec: FeedSpec, state: FeedState, fetched: Fetched, location: str, now: datetime
    ) -> tuple[worker.Page, ...]:
        """The article pages of a fulltext feed's new and changed items."""
        from feedmill.fulltext import PageSlots, fetch_articles

        try:
            links = await asyncio.to_thread(
                self._links_to_complete, spec, state, fetched, location, now
            )
        except Exception:  # an unreadable document: the worker reports it
            return ()
        if not links:
            return ()
        options = article_options(self.config)
        if self._page_slots is None:  # one set of limits for every feed of the pass
            self._page_slots = PageSlots(options, self._page_pauses)
        articles = await fetch_articles(links, options, self._page_slots)
        return tuple((a.url, a.html, a.final_url, a.error) for a in articles.values())

    def _links_to_complete(
        self, spec: FeedSpec, state: FeedState, fetched: Fetched, location: str, now: datetime
    ) -> list[str]:
        from zoneinfo import ZoneInfo

        from feedmill.fulltext import not_articles, page_key
        from feedmill.normalize.document import dated_in_any_zone, normalize_feed
        from feedmill.parse import parse_document
        from feedmill.store.entries import (
            Item,
            as_stored_before_untracking,
            known_versions,
            with_first_dates,
        )

        assert fetched.body is not None
        parsed = parse_document(fetched.body, fetched.content_type)
        zone = ZoneInfo(self.config.feed_timezone(spec))
        entries = normalize_feed(parsed, feed_url=location, zone=zone, now=now)
        items = tuple(Item.of(e) for e in entries)
        with reading(self.engine) as conn:
            known = known_versions(conn, state.id)
        if state.id not in self._rezoned:  # as the worker will see them
            items = with_first_dates(items, known)
        else:
            zoned = dated_in_any_zone(parsed, feed_url=location, now=now)
            items = with_first_dates(items, known, only=zoned)
        items = as_stored_before_untracking(items, known)
        rules = self.rules[spec.url]
        shared = not_articles(parsed, entries, location)
        return [
            item.entry.link
            for item in items
            if item.entry.link
            and urls.scheme(item.entry.link) in ("http", "https")
            and page_key(item.entry.link) not in shared
            and _wants_page(known.get(item.key_hash), item, rules, now)
        ]

    def _unless_stopped(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)``, unless a stop came while it waited for its thread."""
        if self.stopping.is_set():
            raise _Stopped
        return fn(*args)

    async def _in_pool(self, job: worker.FeedJob, ticket: Ticket) -> worker.FeedResult:
        """Run ``job`` in the pool; a worker that dies is replaced and the job retried once.

        Retries run one at a time: the document that killed a worker kills
        the next one too, and only the jobs in flight beside it then, not
        the other feeds' second chances.
        """
        handler = self.worker_module()
        if self._pool_slots is None:
            # Each worker busy and one more document waiting for it: no more
            # in the pool's queue, where a stop could not take them back
            # (cancelling a future there races with a pool that breaks:
            # CPython gh-107219).
            self._pool_slots = asyncio.Semaphore(2 * self.workers)
        if self._retries is None:
            self._retries = asyncio.Lock()
        for turn in (self._pool_slots, self._retries):  # the first try, then the retry
            idle = not turn.locked()
            async with turn:
                ticket.leave(widen=idle)  # handed over: the window widens if it took no wait
                # No new pool after a stop either: a signal to the whole
                # process group (systemd, Ctrl-C) ended the workers too.
                if self.stopping.is_set():
                    raise _Stopped
                try:
                    return await self._submit(handler.handle, job)
                except _POOL_DIED:
                    if self.stopping.is_set():  # ended by the stop's own signal
                        raise _Stopped from None
        failed: worker.FeedResult = handler.FeedResult(
            error="parser crashed (its worker process died)"
        )
        return failed

    async def _submit(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in the pool.  Submitted from a thread: the first
        submit starts the workers, which waits for the forkserver to load
        their modules (seconds on a busy machine), and the event loop must
        not stop fetching meanwhile (requests in flight would time out)."""
        loop = asyncio.get_running_loop()
        pool = self.pool()
        future = None
        try:
            future = await loop.run_in_executor(None, pool.submit, fn, *args)
            return await asyncio.wrap_future(future)
        except _POOL_DIED:
            self._drop_pool(pool)
            raise
        except RuntimeError as exc:  # submitted after another job dropped the pool
            if "cannot schedule new futures" not in str(exc):
                raise
            self._drop_pool(pool)
            raise BrokenProcessPool("the pool was dropped before this job") from None
        except asyncio.CancelledError:
            # Cancelled by `_drop_pool` (another job found the pool dead), not
            # by a stop of this task: the pool died under this job too.
            task = asyncio.current_task()
            if future is not None and future.cancelled() and task and not task.cancelling():
                raise BrokenProcessPool("the pool was dropped under this job") from None
            raise

    def _drop_pool(self, pool: ProcessPoolExecutor) -> None:
        if self._pool is pool:  # other feeds may have replaced it already
            self._pool = None
            # shutdown(wait=False) forgets the pool's thread (a later
            # shutdown(wait=True) joins nothing): kept here to be joined.
            thread = getattr(pool, "_executor_manager_thread", None)
            workers = getattr(pool, "_processes", None)  # shutdown forgets them too
            pool.shutdown(wait=False, cancel_futures=True)
            if workers is not None and getattr(pool, "_broken", False):
                # A broken pool ends the workers it knows of, but not one
                # still starting when its sibling died (CPython 3.11's
                # ProcessPoolExecutor registers a worker once it has
                # started): that one takes a job, then waits for the next for
                # good, and the pool's thread and the interpreter's exit wait
                # for it. shutdown() took the pool's lock, so a worker being
                # started then is registered now.
                for process in list(workers.values()):
                    process.kill()
            if thread is not None:
                self._dropped.append(thread)

    def _join_dropped(self) -> None:
        """Wait for the threads of the pools given up: one still winding down
        when Python exits made its exit hook write to a closed pipe (a
        traceback after a stop whose signal had ended the workers)."""
        dropped, self._dropped = self._dropped, []
        for thread in dropped:
            thread.join()

    # -- feed records (database thread) ------------------------------

    def _queue_outcome(
        self,
        db: Executor,
        spec: FeedSpec,
        state: FeedState,
        fetched: Fetched,
        now: datetime,
        *,
        whole: bool = False,
    ) -> None:
        """A fetch that brought nothing to store: unchanged, or failed.

        Recorded in batches on the database thread: one hop there per feed
        cost more than the rest of a 304 (a pass of 1,000 unchanged feeds).
        Only what changed since ``state`` was read — unless ``whole``: the
        row may have been written since (a worker's, before it failed).
        """
        outcome = after_fetch(
            state, fetched, now, self._policy(spec), pass_started=self.pass_started
        )
        if not whole:
            # A 304 changes its times, not its nine other columns: a third of
            # the writing of an unchanged pass.  The attempt's time always changes.
            outcome = {
                name: value
                for name, value in outcome.items()
                if name == "last_attempt_at" or getattr(state, name, _UNKNOWN) != value
            }
        self._outcomes.append((state.id, outcome))
        if len(self._outcomes) >= OUTCOME_BATCH:
            self._write_outcomes(db)

    def _write_outcomes(self, db: Executor) -> None:
        outcomes, self._outcomes = self._outcomes, []
        if outcomes:
            loop = asyncio.get_running_loop()
            self._outcome_writes.append(loop.run_in_executor(db, self._record, outcomes))

    def _record(self, outcomes: list[tuple[int, dict[str, Any]]]) -> None:
        with self.engine.begin() as conn:
            feed_store.record_many(conn, outcomes)

    # -- publishing ----------------------------------------------------

    def publish(
        self,
        summary: RunSummary,
        progress: Progress | None = None,
        *,
        written: set[str] | None = None,
        counted_since: datetime | None = None,
    ) -> None:
        """Write every post still pending; a post is recorded only once its file exists.

        A post written before whose file is gone was deleted by hand: it is
        recorded as removed and left out — but for a rebuild (``written``
        given), which collects the file names written and brings it back.
        A post written since ``counted_since`` (this pass's workers wrote it,
        and the summary counts it) is not counted again: the original of a
        copy that came in the same pass, rewritten to list the copy's source,
        is one new post, not a new and an updated one."""
        make_in_site(self.posts_dir, self.config.site_dir)
        with reading(self.engine) as conn:
            total = pending_count(conn)
        if not total:
            return
        if progress:
            progress("publish", 0, total)
        use_pool = self._use_pool(total // 64)
        failed: dict[str, list[str]] = {}  # reason → the posts it failed
        for batch in iter_pending(self.engine):
            if self.stopping.is_set():
                self._left_pending(summary)
                break
            ready = [p for p in batch if p.feed_url in self.styles]
            taken_down: list[int] = []
            archived: list[int] = []
            # New to the database, its post in the archive: the database was
            # lost, and a worker could not rewrite it there (the site took no
            # writes then) — rewritten there, as the worker does.
            found_archived: set[int] = set()
            if written is None:
                where = {p.entry_id: self._whereabouts(p.file_name) for p in ready if not p.is_new}
                taken_down = sorted(i for i, w in where.items() if w == "gone")
                archived = sorted(i for i, w in where.items() if w == "archive")
                ready = [p for p in ready if where.get(p.entry_id, "posts") == "posts"]
                found_archived = {
                    p.entry_id
                    for p in ready
                    if p.is_new
                    and not os.path.exists(os.path.join(self.posts_dir, p.file_name))
                    and os.path.exists(os.path.join(self.archive_dir, p.file_name))
                }
            texts = self._compose(ready, use_pool)
            done = []
            for post, text in zip(ready, texts, strict=True):
                if isinstance(text, PostFailed):
                    failed.setdefault(text.reason, []).append(post.file_name)
                    if summary.counted_feeds.get(post.feed_url, 0) > 0:
                        # Counted unchanged with its feed: not written, not unchanged.
                        summary.counted_feeds[post.feed_url] -= 1
                        summary.posts_unchanged -= 1
                    continue
                done.append(post.entry_id)
                if post.entry_id in found_archived:
                    write_if_changed(
                        os.path.join(self.archive_dir, post.file_name), text.encode("utf-8")
                    )
                    continue
                path = os.path.join(self.posts_dir, post.file_name)
                # (A new item's file there already: the database lost, or a
                # pass cut short after placing it — no new post.)
                found = post.is_new and os.path.exists(path)
                changed = write_if_changed(path, text.encode("utf-8"))
                if written is not None:
                    written.add(post.file_name)
                if found and not changed:
                    if summary.counted_feeds.get(post.feed_url, 0) > 0:
                        summary.counted_feeds[post.feed_url] -= 1  # (counted so already)
                    else:
                        summary.posts_unchanged += 1
                elif found:  # rewritten
                    summary.posts_updated += 1
                    if summary.counted_feeds.get(post.feed_url, 0) > 0:
                        summary.counted_feeds[post.feed_url] -= 1
                        summary.posts_unchanged -= 1
                elif post.is_new:
                    summary.posts_new += 1
                    if summary.counted_feeds.get(post.feed_url, 0) > 0:
                        # Stored by a pass cut short, its feed unchanged since:
                        # counted unchanged with it, and new now — one post.
                        summary.counted_feeds[post.feed_url] -= 1
                        summary.posts_unchanged -= 1
                elif (
                    counted_since is not None
                    and post.written_at is not None
                    and post.written_at >= counted_since
                ):
                    pass  # counted by the worker that wrote it
                elif summary.counted_feeds.get(post.feed_url, 0) > 0:
                    # Counted unchanged with its feed already: one post, once.
                    summary.counted_feeds[post.feed_url] -= 1
                    if changed:
                        summary.posts_updated += 1
                        summary.posts_unchanged -= 1
                elif changed:
                    summary.posts_updated += 1
                else:
                    summary.posts_unchanged += 1
            with self.engine.begin() as conn:
                mark_written(conn, done, datetime.now(UTC))
                mark_removed(conn, taken_down)
                set_state(conn, [*archived, *found_archived], "archived")
            if progress:
                progress("publish", len(batch), None)
        for reason, names in failed.items():
            summary.posts_failed += len(names)
            if reason.startswith(TAGS_FAILURE):
                summary.posts_failed_for_now += len(names)
            self.notices.append(
                f"{len(names)} {'post' if len(names) == 1 else 'posts'} not written"
                f" ({names[0]}{', …' if len(names) > 1 else ''}): {reason} — left to write,"
                " tried again each pass"
            )

    def _recount_not_modified(self, summary: RunSummary) -> None:
        """Feeds counted unchanged by a 304 whose posts changed hands since
        their state was read.  Posts another feed's item took back (a fuller
        copy of the story; a feed back in the config taking its story back)
        are no longer theirs, nor unchanged — the site has one post, not two.
        Posts given to them (a story passed on) are new: publish counts each
        so and takes it off its feed's unchanged count, which never held it."""
        with reading(self.engine) as conn:
            now = feed_store.posted_counts(conn, list(summary.not_modified.values()))
        for url, feed_id in summary.not_modified.items():
            counted = summary.counted_feeds[url]  # (as the 304 counted them: nothing since)
            more = max(now.get(feed_id, counted), 0) - counted
            summary.counted_feeds[url] = counted + more
            summary.posts_unchanged += more

    def _left_pending(self, summary: RunSummary) -> None:
        """A stop before every post was written: those left are said so, not
        counted unchanged with their feeds (a restyle's posts not yet
        rewritten were "unchanged", then "updated" by the next pass)."""
        with reading(self.engine) as conn:
            left = pending_by_feed(conn)
        for url, count in left.items():
            counted = min(count, summary.counted_feeds.get(url, 0))
            if counted:
                summary.counted_feeds[url] -= counted
                summary.posts_unchanged -= counted
            summary.posts_left += count

    def _compose(self, batch: Sequence[PendingPost], use_pool: bool) -> list[str | PostFailed]:
        inputs = [
            PostInput(
                p.entry,
                p.feed_title,
                p.first_seen,
                self.styles[p.feed_url],
                p.feed_url,
                reported_by=tuple(
                    (self.styles[url].source, link)
                    for url, link in p.reported_by
                    if url in self.styles  # a feed since removed from feedmill.yml
                ),
            )
            for p in batch
        ]
        if not use_pool or len(inputs) < 8:
            return compose_many(inputs, self.template, self.template_fp)
        size = max(8, len(inputs) // (2 * self.workers))
        chunks = list(_chunks(inputs, size))
        pool = self.pool()
        try:
            results = pool.map(
                compose_many,
                chunks,
                [self.template] * len(chunks),
                [self.template_fp] * len(chunks),
            )
            return [text for chunk in results for text in chunk]
        except _POOL_DIED:
            # Workers gone (SIGTERM to the process group, a crash): rendering
            # is pure, so this batch is finished here and the writes go on.
            self._drop_pool(pool)
            return compose_many(inputs, self.template, self.template_fp)


_DATABASE_FULL = (
    "database or disk is full",
    "disk i/o error",
    "no space left",
    "read-only",
    "readonly database",
    "database is locked",
)


# The warning `parse.encoding` gives a document whose label its bytes deny.
_WRONG_LABEL = re.compile(r"(?:^|; )declared \S+ but the bytes are ")


def cannot_write(exc: BaseException) -> bool:
    """Whether ``exc`` says the site or the database takes no writes now (a
    full disk, a read-only file system): no feed's fault, so the pass fails
    as a whole (exit 1; a daemon retries it) rather than every feed failing
    and backing off for it."""
    if takes_no_writes(exc):
        return True
    if isinstance(exc, SQLAlchemyError):
        from feedmill.store.database import server_trouble

        reason = str(getattr(exc, "orig", None) or exc).lower()
        return any(words in reason for words in _DATABASE_FULL) or server_trouble(exc)
    return False


_REBUILD_WAITS = (
    "the rebuild waits for the posts to move to the site's new posts folder;"
    " the pass that moves them does it"
)

# How a pool says its workers are gone: a worker died (BrokenProcessPool), or
# the forkserver did before it could start one (EOFError, a broken pipe).
_POOL_DIED = (BrokenProcessPool, EOFError, ConnectionError)


class _Stopped(Exception):
    """A document not handed to a worker before a stop: fetched next time."""


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
