"""One fetched document, all the way to its post files — in a worker process.

    parse → normalize → filter (rules; dedupe fingerprints)
          → render new and changed items (staged files)
          → store the feed's items, deciding duplicates (one transaction)
          → move posts into place → record them

The pure stages come first and hold no lock; the database is written only
once everything is rendered, and a post file is put in place only after its
item is committed.  Workers write in parallel (SQLite serializes the short
write transactions; PostgreSQL runs them side by side), so the main process
is left with fetching.
"""

from __future__ import annotations

import html as htmllib
import multiprocessing
import multiprocessing.connection
import os
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from feedmill import urls
from feedmill.filter.dedupe import DedupePolicy
from feedmill.filter.dedupe.decide import copy_tells, fuller
from feedmill.filter.dedupe.decide import decide as same_story
from feedmill.filter.dedupe.text import fingerprint
from feedmill.filter.rules import RuleSet, RuleTooSlow, blocked_by
from feedmill.models import Entry, Fetched
from feedmill.normalize.document import (
    dated_in_any_zone,
    normalize_document,
    told_apart_keys,
)
from feedmill.normalize.text import story_grams, visible_text
from feedmill.parse import ParseError, parse_document
from feedmill.publish.categories import shows_nothing
from feedmill.publish.filenames import key_digest, name_digest, names_on_site, post_filename
from feedmill.publish.render import (
    DEFAULT_TEMPLATE,
    UNTITLED,
    FeedStyle,
    PostInput,
    article_in_post,
    body_in_post,
    context_for,
    date_of_post,
    format_date,
    headline,
    style_hash,
    titled_as,
    written,
)
from feedmill.publish.retract import remove_retracted
from feedmill.publish.writer import place, stage, takes_no_writes, whereabouts
from feedmill.schedule import Policy
from feedmill.store import dedupe as dedupe_store
from feedmill.store import feeds as feed_store
from feedmill.store import search as search_store
from feedmill.store.database import reading
from feedmill.store.entries import (
    FULLER_COPY,
    PUBLISH,
    Decision,
    Heir,
    Ingested,
    Item,
    Known,
    adopt_earlier_keys,
    adopt_told_apart_keys,
    as_stored_before_untracking,
    awaiting_page,
    first_seen_times,
    follow,
    hand_down,
    held_copies,
    holds_feed_text,
    ingest_entries,
    known_versions,
    names_a_site,
    originals_of,
    post_copy,
    promote,
    retract,
    stored_contents,
    tell_apart_reused_guids,
    with_duplicates,
    with_first_dates,
)
from feedmill.store.feeds import FeedState
from feedmill.store.posts import mark_removed, mark_stale, mark_written, posted_among, set_state
from feedmill.store.schema import entries, entry_from_row, posts
from feedmill.store.search import SearchDoc
from feedmill.tracking import after_fetch

_ENGINES: dict[str, Engine] = {}
# How long after an item's date its article page, down for now, makes every
# pass read the feed again to ask for it.
PAGE_RETRY = timedelta(days=2)


class PoolProcess(multiprocessing.context.ForkServerProcess):
    """A worker that ends quietly when its pool went away under it — every
    sibling died while it started, and the pool was given up: Python would
    print its EOFError traceback among feedmill's own messages."""

    def run(self) -> None:
        try:
            super().run()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            raise SystemExit(1) from None


class PoolContext(multiprocessing.context.ForkServerContext):
    """The forkserver context, with `PoolProcess` workers."""

    Process = PoolProcess


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


# An article page of a fulltext feed: (link, page HTML, its final URL, why it failed).
Page = tuple[str, str | None, str | None, str | None]


@dataclass(frozen=True, slots=True)
class FeedJob:
    """Everything a worker needs for one document; nothing it must look up."""

    body: bytes
    content_type: str | None
    location: str  # the document's URL, to resolve relative links
    feed_url: str  # as in feedmill.yml: part of every post's file name
    timezone: str
    style: FeedStyle
    template: Path | str  # the built-in's path, or a user template's text (read_template)
    template_fingerprint: str
    posts_dir: str
    archive_dir: str  # where retention moves posts (a cut-short rebuild leaves them there)
    stage_dir: str
    database_url: str
    state: FeedState  # the feed's row at the start of the pass
    fetched: Fetched  # without its body
    policy: Policy
    now: datetime
    rules: tuple[RuleSet, ...] = ()  # the top-level rules, then the feed's own
    dedupe: DedupePolicy | None = None  # None: no merging across feeds
    search: bool = True  # index new and changed items for `feedmill search`
    fulltext: bool = False  # the feed's items get their article pages
    pages: tuple[Page, ...] = ()  # fulltext feeds: the pages of new and changed items
    pass_id: str = ""  # one per pass: what a worker may cache for the pass
    pass_started: datetime | None = None  # what the next attempt counts from
    # Its zone-less dates are read in a new time zone: stored items take the
    # dates read now (otherwise an item keeps the dates it was first stored with).
    redate: bool = False
    # Archive folders an earlier config named: a rebuild killed while moving
    # posts back may have left some there (`whereabouts`).
    earlier_archives: tuple[str, ...] = ()
    # The posts folders the site's posts wait in to move to a changed source_dir.
    posts_waiting: tuple[str, ...] = ()
    # The secrets of the feed's request headers (`urls.header_secrets`): what
    # the document says of itself (its title, in a warning) may echo one.
    secrets: tuple[str, ...] = ()

    @property
    def builtin_template(self) -> bool:
        """Whether posts are rendered by the built-in template (whose posts
        can be read back: their title, date and article)."""
        return isinstance(self.template, Path) and self.template == DEFAULT_TEMPLATE

    def whereabouts(self, file_name: str) -> str:
        """Where a post of the site is: "posts", "archive" or "gone" (`writer.whereabouts`)."""
        return whereabouts(
            self.posts_dir, self.archive_dir, file_name, self.earlier_archives, self.posts_waiting
        )


@dataclass(frozen=True, slots=True)
class FeedResult:
    error: str | None = None  # the document could not be read
    title: str | None = None
    items: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    blocked: int = 0
    duplicates: int = 0
    replaced: int = 0  # posts of other feeds that gave way to this feed's fuller copies
    replaced_new: int = 0  # … of those, posts new in this pass (counted in another's `new`)


@dataclass(frozen=True, slots=True)
class _Screened:
    """New items, judged before any lock is taken (pure work)."""

    blocked: dict[int, str]  # item index → the rule that blocks it
    stories: dict[int, dedupe_store.Story]  # item index → what dedupe compares
    changed: dict[int, dedupe_store.Story]  # stored items whose text changed: re-indexed
    # Stored items posted with their feed's text, now settled (their article
    # came, or their page failed for good): judged again as if new.
    retract: dict[int, str]  # … that a rule blocks: item index → the rule
    rejudged: dict[int, dedupe_store.Story]  # … that dedupe compares again


def _settles(stored: Known, item: Item) -> bool:
    """Whether a stored item, posted with its feed's text while its article
    page was down for now, now has its article (or, its page having failed
    for good, keeps the feed's text for good): the judgement its teaser got
    was provisional."""
    return (
        stored.status == "active"
        and holds_feed_text(stored.version)
        and not holds_feed_text(item.version)
    )


def _screen(
    job: FeedJob,
    items: Sequence[Item],
    known: dict[str, Known],
    posted: frozenset[str] = frozenset(),
) -> _Screened:
    """``posted``: key hashes of items whose posts are on the site, the
    database lost: rules judged them when they came (see README, Rules)."""
    blocked: dict[int, str] = {}
    stories: dict[int, dedupe_store.Story] = {}
    changed: dict[int, dedupe_store.Story] = {}
    retract: dict[int, str] = {}
    rejudged: dict[int, dedupe_store.Story] = {}
    for index, item in enumerate(items):
        stored = known.get(item.key_hash)
        if stored is not None:
            if stored.version == item.version:
                continue
            if job.dedupe is not None:
                changed[index] = dedupe_store.story_of(item.entry, job.now)
            if _settles(stored, item):
                # Judged when it came: only the article is new.
                reason = blocked_by(job.rules, item.entry, job.now, settling=True)
                if reason is not None:
                    retract[index] = reason
                elif index in changed:
                    rejudged[index] = changed[index]
            continue
        # An item posted with its feed's text while its page is down: a keep
        # rule on the content waits for the article (`_settles`); a block rule
        # the feed's text already matches blocks it now.
        pending = holds_feed_text(item.version)
        reason = (
            None
            if item.key_hash in posted
            else blocked_by(job.rules, item.entry, job.now, teaser=pending)
        )
        if reason is not None:
            blocked[index] = reason
        elif job.dedupe is not None:
            stories[index] = dedupe_store.story_of(item.entry, job.now)
    return _Screened(blocked, stories, changed, retract, rejudged)


def _found_on(on_site: dict[str, str], file_name: str) -> bool:
    """Whether the site had ``file_name`` before the pass (``on_site``: its
    listing, made where the database was lost)."""
    digest = name_digest(file_name) if on_site else None
    return digest is not None and on_site.get(digest) == file_name


def _post_name(title: str, feed_url: str, entry: Entry, attempt: int) -> str:
    """A post's file name; attempt > 0 after a collision: a longer digest."""
    return post_filename(title, feed_url, entry.key, 10 + 6 * attempt)


def heir_name(feed_url: str, entry: Entry, attempt: int) -> str:
    """The file name of a copy's post, another feed's (see `hand_down`)."""
    return _post_name(entry.title or headline(entry.content), feed_url, entry, attempt)


def _gives_way(conn: Connection, job: FeedJob, entry_id: int) -> bool:
    """Can the post of ``entry_id`` give way to a fuller copy?  Not one its
    owner deleted (the story stays off the site), nor one retention archived,
    nor a teaser whose article page is still to come (its article, once
    read, is judged again: `retract`)."""
    return _way(conn, job.whereabouts, entry_id) == "gives way"


def _way(conn: Connection, whereabouts: Callable[[str], str], entry_id: int) -> str:
    """What the post of ``entry_id`` does before a fuller copy: "gives way",
    "awaits its page" (a teaser), or "stays off the site" (deleted by hand,
    archived, or no post)."""
    row = conn.execute(
        select(posts.c.state, posts.c.file_name, posts.c.written_version, entries.c.version)
        .select_from(posts.join(entries, entries.c.id == posts.c.entry_id))
        .where(posts.c.entry_id == entry_id)
    ).first()
    if row is None or row.state not in ("pending", "stale", "written"):
        return "stays off the site"
    if holds_feed_text(row.version):
        return "awaits its page"
    if row.written_version is None:
        return "gives way"  # its file is yet to be written (by this pass)
    if whereabouts(row.file_name) == "posts":
        return "gives way"
    return "stays off the site"


def _promotions(
    conn: Connection,
    job: FeedJob,
    screened: _Screened,
    items: Sequence[Item],
    known: dict[str, Known],
    ingested: Ingested,
    verdicts: dict[int, Decision],
) -> dict[int, tuple[int, ...]]:
    """Held-back copies that now tell their story fuller than the post that
    holds them back: copy id → that post's entry, and for a copy its feed
    edited, the other posts of its story it tells fully (see `promote`).

    A copy of this feed that its feed edited into the article (a 快讯 that
    grew in place), and, behind a teaser of this feed that settled on its
    feed's text (its article page failed for good), the earliest copy that
    tells the story fuller — which, the teaser awaiting its page, was held.
    And a copy its feed edited into another story, one no post tells: it
    takes a post of its own, taking none (→ no entries), as an item new
    with that text would have.
    """
    if job.dedupe is None:
        return {}
    out: dict[int, tuple[int, ...]] = {}
    for index, story in screened.changed.items():
        stored = known.get(items[index].key_hash)
        if stored is None or stored.status != "duplicate":
            continue
        original = conn.execute(
            select(entries.c.duplicate_of).where(entries.c.id == stored.id)
        ).scalar()
        # A copy that takes a post is judged by its feed's rules on what it
        # says now (its article come since, an edit): its age was, when it
        # came.  One they block that tells another story now is blocked: the
        # post it followed lists it no more (an edit into an advert was
        # listed under the story it left).
        # (A teaser waiting for its page: a keep rule on the content waits
        # for the article, as it does for a new item.)
        teaser = holds_feed_text(items[index].version)
        reason = blocked_by(job.rules, items[index].entry, job.now, age=False, teaser=teaser)
        if reason is not None:
            if original is not None and (
                (posted := dedupe_store.print_of(conn, original)) is None
                or not same_story(story.fingerprint, posted, job.dedupe.threshold).duplicate
            ):
                retract(conn, {stored.id: Decision("blocked", reason)})
                mark_stale(conn, [original])
            continue
        taken = {entry_id for ids in out.values() for entry_id in ids}
        if original is None or original in taken:
            continue
        posted = dedupe_store.print_of(conn, original)
        if posted is None:
            continue
        same = same_story(story.fingerprint, posted, job.dedupe.threshold).duplicate
        if not same:
            # Still its copy by what else ties them (the same article's
            # link: a teaser held back, its article come since)?
            match = dedupe_store.find_original(conn, story, job.dedupe, job.state.id)
            same = match is not None and match.original_id == original
            if match is None:
                # Another story the feed put under its key: held back, it would
                # be on no page of the site (a story some post tells stays held).
                out[stored.id] = ()
            elif not same:
                # A story another post tells: held back behind that one, which
                # lists it now (the first listed it under a story it left) —
                # or, its fuller telling, it takes that post, as a new item would.
                other = match.original_id
                if (
                    match.fuller
                    and other not in taken
                    and _gives_way(conn, job, other)
                    and (others := _others_told(conn, job, story, other)) is not None
                ):
                    out[stored.id] = (other, *(i for i in others if i not in taken))
                else:
                    follow(conn, stored.id, other)
                    mark_stale(conn, [other])
                mark_stale(conn, [original])
        if same and (
            fuller(story.fingerprint, posted)
            and _gives_way(conn, job, original)
            and (others := _others_told(conn, job, story, original)) is not None
        ):
            out[stored.id] = (original, *(i for i in others if i not in taken))
    for index, story in screened.rejudged.items():
        entry_id = ingested.stored.get(index)
        if entry_id is None or entry_id in verdicts or not _gives_way(conn, job, entry_id):
            continue
        for copy in held_copies(conn, entry_id):
            told = fingerprint(copy.title, copy.content)
            if (
                copy.id not in out
                and fuller(told, story.fingerprint)
                # The teaser's settled text: still the story the copy tells.
                and same_story(told, story.fingerprint, job.dedupe.threshold).duplicate
            ):
                out[copy.id] = (entry_id,)
                break
    return out


def _released(conn: Connection, job: FeedJob, original_id: int, story: dedupe_store.Story) -> None:
    """A post its feed edited into another ``story`` (its stored fingerprint
    replaced already): the copies it held back that tell that story no more
    follow another post of theirs, or take a post of their own — the
    earliest of one story; the others of it then follow that one.  Held
    back behind the new story, theirs was on no page of the site (publish
    writes the posts it makes pending)."""
    assert job.dedupe is not None
    for copy in held_copies(conn, original_id):
        told = fingerprint(copy.title, copy.content)
        if same_story(told, story.fingerprint, job.dedupe.threshold).duplicate:
            continue
        copied = dedupe_store.story_of(entry_from_row(copy), job.now)
        match = dedupe_store.find_original(conn, copied, job.dedupe, copy.feed_id)
        if match is not None and match.original_id != original_id:
            follow(conn, copy.id, match.original_id)
            mark_stale(conn, [match.original_id])  # its post lists the copy now
            continue
        # The next copy of its story finds it.
        _index_heirs(conn, job, [post_copy(conn, copy, heir_name)])


def _others_told(
    conn: Connection, job: FeedJob, story: dedupe_store.Story, original: int
) -> tuple[int, ...] | None:
    assert job.dedupe is not None
    return others_told(conn, job.dedupe, job.state.id, job.whereabouts, story, original)


def others_told(
    conn: Connection,
    policy: DedupePolicy,
    own_feed: int,
    whereabouts: Callable[[str], str],
    story: dedupe_store.Story,
    original: int,
) -> tuple[int, ...] | None:
    """The other posts of its story that ``story`` (of the feed ``own_feed``),
    promoted in the place of ``original``'s, tells fully and takes too, as a
    new copy would; None if one of them was deleted by hand or archived
    (promoted, it would put that story back on the site)."""
    match = dedupe_store.find_original(conn, story, policy, own_feed)
    told = (match.original_id, *match.also) if match is not None and match.fuller else ()
    if original not in told:
        return ()
    return _taking(conn, whereabouts, (entry_id for entry_id in told if entry_id != original))


def _taking(
    conn: Connection, whereabouts: Callable[[str], str], entry_ids: Iterable[int]
) -> tuple[int, ...] | None:
    """Of the other posts of its story that a fuller copy tells, those it
    takes too (a teaser awaiting its page is judged by the page); None if
    one was deleted by hand or archived: the copy is held back, and that
    story stays off the site."""
    ways = {entry_id: _way(conn, whereabouts, entry_id) for entry_id in entry_ids}
    if "stays off the site" in ways.values():
        return None
    return tuple(entry_id for entry_id, way in ways.items() if way == "gives way")


def _index_heirs(conn: Connection, job: FeedJob, heirs: Sequence[Heir]) -> None:
    """Held-back copies posted now: later copies of their stories are found in them."""
    if job.dedupe is not None:
        dedupe_store.add_posted(conn, heirs, job.now)


def _early_originals(
    conn: Connection, job: FeedJob, screened: _Screened
) -> tuple[int, dict[int, dedupe_store.Match | None]]:
    """The watermark read, and the original each new (or judged again) story
    copies, if any."""
    if not (screened.stories or screened.rejudged) or job.dedupe is None:
        return 0, {}
    mark = dedupe_store.watermark(conn)
    return mark, {
        index: dedupe_store.find_original(conn, story, job.dedupe, job.state.id)
        for index, story in (*screened.stories.items(), *screened.rejudged.items())
    }


def with_full_text(
    items: tuple[Item, ...], pages: tuple[Page, ...], not_here: frozenset[str] = frozenset()
) -> tuple[tuple[Item, ...], str | None, frozenset[str], frozenset[str]]:
    """Items whose article page gave an article carry it as their content.

    The version stays that of the feed's own item: the next pass, reading
    the same summary, finds the item unchanged instead of "changed back".
    Returns the items, a note on the pages that fell back, for status, the
    links whose pages failed for now (a timeout, a 503): a stored item of
    theirs is better kept as it is until a later pass (`handle`), and the
    links whose pages refused for good but are not gone (a 403, a login
    wall, a bot check): the article a stored item has stays its text.
    ``not_here``: the pages that are no item's article (`not_articles`).
    """
    from feedmill.fulltext import (
        NO_TEXT,
        NoArticle,
        PageTooLarge,
        is_transient,
        led_elsewhere,
        read_article,
    )

    asked = {link for link, *_ in pages}
    feed_text = {i.entry.link: i.entry.content for i in items if i.entry.link in asked}
    titles = {i.entry.link: i.entry.title or "" for i in items if i.entry.link in asked}
    articles: dict[str, str] = {}
    failures: dict[str, str] = {}
    elsewhere = led_elsewhere([(link, final) for link, html, final, _ in pages if html], not_here)
    for link, html, final_url, error in pages:
        if link in elsewhere:
            failures[link] = elsewhere[link]
            continue
        try:
            content = (
                read_article(html, final_url or link, titles.get(link, ""))
                if html is not None
                else None
            )
        except (PageTooLarge, NoArticle) as exc:
            content, error = None, str(exc)
        except Exception as exc:
            # Not the whole feed's: "parser crashed" stopped every item of it, every pass.
            content, error = None, f"the page could not be read ({type(exc).__name__})"
        # A page that says less than the feed (a check page, a cookie wall,
        # a teaser) is not the article the feed summed up.
        if content is not None and says_less(content, feed_text.get(link, "")):
            content, error = None, "the page says less than the feed"
        elif content is not None and strays_from(
            content, titles.get(link, ""), feed_text.get(link, "")
        ):
            content, error = (
                None,
                "the page's text has nothing of the item's (drawn by its script?)",
            )
        if content is not None:
            articles[link] = with_the_feeds_picture(content, feed_text.get(link, ""), link)
        else:
            failures[link] = error or NO_TEXT
    out = tuple(
        i.carrying(articles[i.entry.link]) if i.entry.link in articles else i for i in items
    )
    if not failures:
        return out, None, frozenset(), frozenset()
    reasons = Counter(failures.values())
    listed = "; ".join(f"{reason} ({count})" for reason, count in reasons.most_common())
    if any(_FENCED.search(reason) for reason in reasons):
        # (Items that come after it: a refused link keeps its feed's text, as a 403's does.)
        listed += "; `fulltext.allow_private: true` lets the links of items to come reach them"
    retry = frozenset(link for link, reason in failures.items() if is_transient(reason))
    refused = frozenset(
        link
        for link, reason in failures.items()
        if link not in retry and not reason.startswith(("HTTP 404", "HTTP 410"))
    )
    return (
        out,
        f"{FULL_TEXT_NOTE}{len(failures)} of {len(pages)} articles kept the feed's text: {listed}",
        retry,
        refused,
    )


# A page refused for where it is (`fulltext.address_kind`): loopback, private …
_FENCED = re.compile(r"^blocked: .* address$")


# How a feed's warning tells what its last article pages gave (always its
# last part: the note lists reasons separated by "; " too).
FULL_TEXT_NOTE = "full text: "


def with_the_feeds_picture(article: str, feed_text: str, link: str) -> str:
    """``article``, led by the feed's first picture where it shows none: a
    cover that the page keeps in its header, which extraction leaves out, was
    lost for the post (its headimg a placeholder).  Both as their posts would
    show them (sanitized: no picture of a comment or a script's string, lazy
    ones by what they load)."""
    from feedmill.sanitize.clean import sanitize_html

    try:
        if sanitize_html(article, base_url=link).image is not None:
            return article
        picture = sanitize_html(feed_text, base_url=link).image
    except Exception:  # (a surprise in either text loses no article, nor the feed)
        return article
    if picture is None:
        return article
    return f'<p><img src="{htmllib.escape(picture)}"></p>\n{article}'


def says_less(article: str, feed_text: str) -> bool:
    """Whether a page's article says clearly less than the feed's own text
    (a tenth less: a feed that carries the article plus a "阅读原文" line is
    not worth a warning)."""
    return 10 * len(visible_text(article)) < 9 * len(visible_text(feed_text))


def strays_from(article: str, title: str, feed_text: str) -> bool:
    """Whether a page's article has next to nothing of the item's title and
    of the feed's text: a page whose script draws the article (36kr) left
    its menus and footer to extract, posted in the summary's place.  Judged
    only where the item gives enough to compare: a title of four grams or
    more, a feed's text of twelve (a teaser, "详见原文", says nothing of it)."""
    judged = False
    shown: set[str] | None = None
    for own, enough in ((title, 4), (visible_text(feed_text)[:1000], 12)):
        grams = story_grams(own)
        if len(grams) < enough:
            continue
        if shown is None:
            shown = story_grams(visible_text(article))
        if 5 * len(grams & shown) >= len(grams):  # a fifth of either is there
            return False
        judged = True
    return judged


def _awaiting_pages(
    items: Sequence[Item], known: dict[str, Known], retry: frozenset[str]
) -> tuple[set[str], set[str], dict[str, int]]:
    """Items whose article page failed for now, by what becomes of them.

    * waiting: stored, and the feed's item is as it was when posted: left as
      it is (its page is asked for again next pass);
    * pending: new, or stored with the feed's text and edited by the feed
      since: posted with the feed's text, awaiting the page;
    * edited: stored with its article (or with the feed's text, its page
      having failed for good before), edited by the feed since (key hash →
      entry id): the feed's title and fields now, a stored article kept until
      the page answers again.
    """
    waiting: set[str] = set()
    pending: set[str] = set()
    edited: dict[str, int] = {}
    for item in items:
        if item.entry.link not in retry:
            continue
        stored = known.get(item.key_hash)
        if stored is None:
            pending.add(item.key_hash)
        elif stored.version in (
            item.version,
            awaiting_page(item.version),
            awaiting_page(item.version, article_kept=True),
        ):
            waiting.add(item.key_hash)
        elif holds_feed_text(stored.version):
            pending.add(item.key_hash)
        else:
            edited[item.key_hash] = stored.id
    return waiting, pending, edited


def _stored_article(item: Item, stored: str | None) -> str | None:
    """The ``stored`` content if that is an article: it says more than the
    feed's text (a post whose page failed for good before holds the feed's
    old text, not an article)."""
    if stored is None or not says_less(item.entry.content, stored):
        return None
    return stored


def _awaiting(item: Item, stored: str | None) -> Item:
    """``item`` under a version no feed item has, so that the next pass finds
    it changed and asks for its page again; with the ``stored`` article, if
    it has one."""
    article = _stored_article(item, stored)
    if article is not None:
        return item.carrying(article, awaiting_page(item.version, article_kept=True))
    return replace(item, version=awaiting_page(item.version))


def _keeping(item: Item, stored: str) -> Item:
    """``item`` with the ``stored`` article, if it has one, under the feed's
    version: settled."""
    article = _stored_article(item, stored)
    return item if article is None else item.carrying(article)


def _keyed_as_posted(
    items: tuple[Item, ...], job: FeedJob, on_site: dict[str, str]
) -> tuple[tuple[Item, ...], int]:
    """``items`` keyed as their posts on the site are (the database was lost),
    and how many were told apart from another story's post.

    `adopt_told_apart_keys` and `tell_apart_reused_guids` for a feed the
    store does not know: an item under a bare guid takes the told-apart key
    its post's file name holds; one under a site's address whose post there
    is another story's (`_another_story_posted`) takes a key of its own —
    else it would be written over that post."""
    taken = {item.entry.key for item in items}
    out, apart = [], 0
    for item in items:
        entry = item.entry
        name = on_site.get(key_digest(job.feed_url, entry.key))
        another = (
            name is not None and names_a_site(entry.key) and _another_story_posted(entry, job, name)
        )
        if name is None or another:
            found = {
                key
                for key in told_apart_keys(entry)
                if key not in taken and key_digest(job.feed_url, key) in on_site
            }
            if len(found) == 1:
                (key,) = found
            elif another:
                key = told_apart_keys(entry)[0]
                apart += 1
            else:
                key = entry.key
            if key != entry.key:
                taken.add(key)
                item = Item.of(replace(entry, key=key))
        out.append(item)
    return tuple(out), apart


def _another_story_posted(entry: Entry, job: FeedJob, name: str) -> bool:
    """Whether the post ``name`` shows another story than ``entry``: dated
    otherwise (or ``entry`` undated), and neither its text under its title
    nor the same text under another (`_ALIKE_TEXT`, `_SAME_TEXT`) — or,
    where the text cannot be told (a template of the site's own, a
    `fulltext` feed's article against the feed's teaser), titled otherwise.
    A post does not show its link (`store.entries._same_item` goes by it):
    a feed re-dates an item, or corrects its headline, and a site's daily
    brief keeps its title.  Unknown (an untitled item, no date to read) is
    no."""
    text = _post_text(job, name)
    if text is None:
        return False
    if entry.date is not None:
        style, zone = job.style.date_style, job.style.site_timezone
        posted = date_of_post(text, zone)
        if posted is None or format_date(entry.date, style, zone) == format_date(
            posted, style, zone
        ):
            return False
    builtin = job.builtin_template
    same_title = (
        builtin and bool(entry.title) and titled_as(text, entry.title, job.style.title_max_width)
    )
    body = body_in_post(text) if builtin and not job.fulltext else None
    if body is not None:
        # Its text alike under its title (re-dated), or the same text under
        # another (its headline corrected).
        alike = _alike(visible_text(body), visible_text(entry.content))
        return not (alike >= _SAME_TEXT or (same_title and alike >= _ALIKE_TEXT))
    if not entry.title or not builtin:
        return False
    return not same_title


# How alike two texts must be (difflib's ratio over their first 1,000
# characters) to be one item's, under its title and under another: the
# sanitizer and the Hexo-safe pass leave a post's text a little other than
# the feed's, and two flashes of a brief apart by a figure are two.
_ALIKE_TEXT = 0.8
_SAME_TEXT = 0.95


def _alike(posted: str, item: str) -> float:
    import difflib

    posted, item = posted[:1000], item[:1000]
    if posted == item:
        return 1.0
    alike = difflib.SequenceMatcher(None, posted, item, autojunk=False)
    # (quick_ratio bounds ratio from above, in linear time.)
    return alike.ratio() if alike.quick_ratio() >= _ALIKE_TEXT else 0.0


def _dated_as_posted(item: Item, job: FeedJob, on_site: dict[str, str]) -> Item:
    """``item`` dated as the post of it on the site shows (a custom template's
    date, or none, leaves it as it is)."""
    name = on_site.get(key_digest(job.feed_url, item.entry.key))
    if name is None:
        return item
    head = _post_text(job, name, _FRONT_MATTER_BYTES)
    if head is None:
        return item
    style, zone = job.style.date_style, job.style.site_timezone
    posted = date_of_post(head, zone)
    if posted is None:
        return item
    # Shown alike (the same second; a local hour the clocks went back over):
    # the item's own date is kept.
    if item.entry.date and format_date(item.entry.date, style, zone) == format_date(
        posted, style, zone
    ):
        return item
    return item.dated(posted, None)


def _post_text(job: FeedJob, name: str, limit: int = -1) -> str | None:
    """The text of the post named ``name``, in the posts or the archive (its
    first ``limit`` characters); None if it cannot be read."""
    where = whereabouts(job.posts_dir, job.archive_dir, name)
    folder = job.posts_dir if where == "posts" else job.archive_dir
    try:
        with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as post:
            return post.read(limit)
    except OSError:
        return None


def _articles_on_site(
    items: Sequence[Item],
    job: FeedJob,
    on_site: dict[str, str],
    failed: frozenset[str],
    redated: frozenset[str],
) -> dict[str, str]:
    """Key hash → the article the site's post of an item holds, for the items
    whose page failed now (``failed``: their links) and whose posts the
    database does not know (it was lost): what the store would have kept,
    read back from the post — where the post is the item's as it is now, by
    its title and date.  A post of another title or date may be another
    story's: a feed that gives every item its site's address as the guid
    names one file for each (``redated``: items whose post shows another
    date); an item retitled since keeps the feed's text, as before."""
    if not job.builtin_template:
        return {}  # a template of the site's own: no telling the article from the rest
    found: dict[str, str] = {}
    for item in items:
        if item.entry.link not in failed or item.key_hash in redated or not item.entry.title:
            continue
        name = on_site.get(key_digest(job.feed_url, item.entry.key))
        text = _post_text(job, name) if name is not None else None
        width = job.style.title_max_width
        article = article_in_post(text, item.entry.title, width) if text is not None else None
        if article:
            found[item.key_hash] = article
    return found


# Where a post's front matter ends at the latest (a picture's signed URL can be
# kilobytes long).
_FRONT_MATTER_BYTES = 256 * 1024


NO_ITEMS = "the document lists no items"
_NO_ITEMS_SAID = re.compile(re.escape(NO_ITEMS) + r".*?; it listed \d+ before")


def _lists_nothing(job: FeedJob, title: str | None) -> list[str]:
    """Said in `status` of a document without items, where the feed listed
    some (a route that broke answers in a feed's shape: "ok" with 0 items),
    for as long as it lists none."""
    if job.state.item_count:
        said = f" (titled {title!r})" if title and title != job.state.title else ""
        return [f"{NO_ITEMS}{said}; it listed {job.state.item_count} before"]
    before = _NO_ITEMS_SAID.search(job.state.warning or "")
    return [before.group()] if before else []


def _shown(job: FeedJob, text: str) -> str:
    """What the document said, as `status` may show it: without the feed's
    secrets (its URL's access key, its headers' token) echoed back."""
    return urls.text_shown(text, job.feed_url, job.location, secrets=job.secrets)


def handle(job: FeedJob) -> FeedResult:
    """Parse, store and publish one document; a ParseError comes back as ``error``."""
    try:
        parsed = parse_document(job.body, job.content_type)
    except ParseError as exc:  # (what came may echo the feed's access key back)
        return FeedResult(error=_shown(job, str(exc)))
    normalized = normalize_document(
        parsed, feed_url=job.location, zone=ZoneInfo(job.timezone), now=job.now
    )
    items = tuple(Item.of(entry) for entry in normalized.entries)
    warnings = [*parsed.warnings, *normalized.warnings]
    feed_title = normalized.title
    if not items and job.state.title is not None:
        # A document that lists nothing (an upstream's error in a feed's
        # shape, titled "RSSHub: …") does not rename the feed: the channel
        # of its posts comes from its title.
        feed_title = job.state.title
    elif job.state.title is not None and shows_nothing(feed_title):
        # Nor does a fetch that names none (`<title></title>` for a while):
        # every post lost its channel, to take it back at the next.
        feed_title = job.state.title
    elif parsed.ill_formed and job.state.title is not None and feed_title != job.state.title:
        # The parser's recovery may have read an item's title as the feed's
        # (its <item> tag missing): one broken fetch would re-file every post
        # under it, and the next good one back.
        feed_title = job.state.title
        given = f"its title {normalized.title!r} is not taken" if normalized.title else "no title"
        warnings.append(
            f"the document is ill-formed: {given} (the feed's stays, until a well-formed"
            " document gives another)"
        )
    if not items:
        warnings.extend(_lists_nothing(job, normalized.title))
    engine = engine_for(job.database_url)

    # The feed's items as the store knows them (their keys, their first
    # dates), versioned by the feed's own text before any article replaces it.
    with reading(engine) as conn:
        known: dict[str, Known] = {}
        if job.state.last_success_at is not None or job.state.item_count:
            known = known_versions(conn, job.state.id)
        items = adopt_told_apart_keys(items, known)
        items = adopt_earlier_keys(conn, items, known)
        items, reused = tell_apart_reused_guids(conn, items, known)
    if not job.redate:
        items = with_first_dates(items, known)
    else:
        # A new time zone re-dates what it reads otherwise: a date that
        # names its zone ("+08:00") keeps the first its post took.
        zoned = dated_in_any_zone(parsed, feed_url=job.location, now=job.now)
        items = with_first_dates(items, known, only=zoned)
    items = as_stored_before_untracking(items, known)
    # A feed the database does not know may have posts on the site already
    # (the database was lost): an item keeps its file, even retitled since,
    # and the date its post shows (its URL holds it).
    on_site = names_on_site(job.posts_dir, job.archive_dir, job.pass_id) if not known else {}
    redated: frozenset[str] = frozenset()
    if on_site:
        items, apart = _keyed_as_posted(items, job, on_site)
        reused += apart
        dated = tuple(_dated_as_posted(item, job, on_site) for item in items)
        # (An undated item takes its post's date: no sign of another story.)
        redated = frozenset(
            a.key_hash
            for a, b in zip(items, dated, strict=True)
            if a is not b and a.entry.date is not None
        )
        items = dated
    if reused:
        warnings.append(f"{reused} items came under an earlier item's guid: told apart by link")
    retry: frozenset[str] = frozenset()
    refused: frozenset[str] = frozenset()
    if job.pages:
        from feedmill.fulltext import not_articles

        not_here = frozenset(not_articles(parsed, normalized.entries, job.location))
        items, note, retry, refused = with_full_text(items, job.pages, not_here)
        if note:
            warnings.append(note)
    elif job.fulltext and job.state.warning and FULL_TEXT_NOTE in job.state.warning:
        # No page asked for this time: what the last pages gave still holds.
        warnings.append(job.state.warning[job.state.warning.index(FULL_TEXT_NOTE) :])
    # The database lost, a post's page failing now: its article is on the
    # site, not in the store; the feed's teaser would be written over it (for
    # good where the page refuses).
    on_site_articles = (
        _articles_on_site(items, job, on_site, retry | refused, redated) if on_site else {}
    )

    # Judge and render what is new or changed before taking any lock; look
    # for the originals of new stories too (under the lock, only what other
    # workers stored meanwhile is left to check: Arrivals).
    with reading(engine) as conn:
        waiting, pending, edited = _awaiting_pages(items, known, retry)
        # For all three the feed is read again (not "304") while they are
        # recent; later, and for an undated item at all, only when the feed
        # changes: not every pass for as long as a slow feed lists them.
        awaiting = waiting | pending | edited.keys()
        read_again = any(
            i.key_hash in awaiting
            and i.entry.date is not None
            and job.now - i.entry.date <= PAGE_RETRY
            for i in items
        )
        # Edited by the feed, its page now refusing: the article stays.
        refusing = {
            i.key_hash: stored.id
            for i in items
            if i.entry.link in refused
            and (stored := known.get(i.key_hash)) is not None
            and stored.version != i.version
            and not holds_feed_text(stored.version)
        }
        ids = [*edited.values(), *refusing.values()]
        kept = stored_contents(conn, ids) if ids else {}
        # (on_site_articles: only where the database knew none of the feed's
        # items, so none is edited or refusing.)
        items = tuple(
            _awaiting(
                i,
                kept[edited[i.key_hash]]
                if i.key_hash in edited
                else on_site_articles.get(i.key_hash),
            )
            if i.key_hash in pending or i.key_hash in edited
            else _keeping(i, kept[refusing[i.key_hash]])
            if i.key_hash in refusing
            else _keeping(i, on_site_articles[i.key_hash])
            if i.key_hash in on_site_articles
            else i
            for i in items
            if i.key_hash not in waiting
        )
        # Posted before the database was lost: a rule added since (`max_age`
        # above all: they are old now) leaves their posts as they are — held
        # back, they were left on the site untracked.
        posted = (
            frozenset(i.key_hash for i in items if key_digest(job.feed_url, i.entry.key) in on_site)
            if on_site  # (a lost database only: a cold run digests no key for it)
            else frozenset()
        )
        try:
            screened = _screen(job, items, known, posted)
        except RuleTooSlow as exc:  # nothing stored: the items wait for the rule's fix
            return FeedResult(error=str(exc))
        changed = [
            known[item.key_hash][0]
            for item in items
            if item.key_hash in known and known[item.key_hash][1] != item.version
        ]
        # Their posts list other sources: publish() renders them with those.
        reported = with_duplicates(conn, changed) if changed else set()
        mark, early = _early_originals(conn, job, screened)
    # Search tokens of what is new or changed (entry ids are filled in later).
    docs = {
        index: SearchDoc.of(0, item.entry.title, item.entry.content).tokenized()
        for index, item in enumerate(items)
        if job.search and known.get(item.key_hash, (0, ""))[1] != item.version
    }
    held_as_they_were = sum(
        1
        for item in items
        if (stored := known.get(item.key_hash)) is not None
        and stored.version == item.version
        and stored.status != "active"
    )
    staged: list[str | None] = []
    # The site takes no writes (a full disk, a folder made read-only) while
    # the database does: the items are stored all the same, their posts
    # left to publish() — which fails the pass until the site takes them.
    # Failing here, before the store, lost the items a feed drops meanwhile.
    site_refuses = False

    def _staged(job: FeedJob, name: str, text: str) -> str | None:
        nonlocal site_refuses
        try:
            return stage(job.stage_dir, name, text.encode("utf-8"))
        except OSError as exc:
            # (The posts folder deleted during the pass: no feed's fault
            # either — each was failed "parser crashed", and backed off.)
            if not takes_no_writes(exc) and not isinstance(exc, FileNotFoundError):
                raise
            site_refuses = True
            return None

    seen = first_seen_times(items, job.now)  # as ingest_entries stores them
    # Untitled items are named by their text, in the post and in its file name.
    shown_titles: dict[str, str] = {}
    batch = uuid.uuid4().hex[:12]
    for index, item in enumerate(items):
        stored = known.get(item.key_hash)
        if (
            index in screened.blocked
            or index in screened.retract
            or (stored is not None and stored[1] == item.version)
            or (stored is not None and (item.entry.date is None or stored[0] in reported))
        ):
            # Blocked, unchanged, or changed but dated by its stored first-seen
            # time or listing other sources: left to publish(), which reads
            # those from the database.
            staged.append(None)
            continue
        context = context_for(
            PostInput(item.entry, feed_title, seen[index], job.style, job.feed_url)
        )
        if not item.entry.title and context.title != UNTITLED:
            shown_titles[item.entry.key] = context.title
        try:
            text = written(context, job.template, job.template_fingerprint)
        except Exception:
            # A site's own template that fails on this item's data: stored all
            # the same, its post left to publish(), which says why.
            staged.append(None)
            continue
        staged.append(None if site_refuses else _staged(job, f"{batch}-{index}", text))

    def name_for(entry: Entry, attempt: int) -> str:
        if attempt == 0 and on_site:
            found = on_site.get(key_digest(job.feed_url, entry.key))
            if found is not None:
                return found
        title = entry.title or shown_titles.get(entry.key, "")
        return _post_name(title, job.feed_url, entry, attempt)

    originals: set[int] = set()  # stored entries that new items turned out to copy
    # New items that tell a posted story at FULLER times its words: item
    # index → the entries whose posts give way to theirs.
    fuller_copies: dict[int, tuple[int, ...]] = {}
    giving_way: set[int] = set()  # … all those entries
    replaced_new = 0  # … of those taken back, posts that this pass counts new
    promoted = 0  # held-back copies that took their story's post (`_promotions`)
    gave_way: set[int] = set()  # … the entries whose posts those took

    try:
        with engine.begin() as conn:
            arrivals: dedupe_store.Arrivals | None = None

            def decide(index: int, item: Item) -> Decision:
                nonlocal arrivals
                reason = screened.blocked.get(index) or screened.retract.get(index)
                if reason is not None:
                    return Decision("blocked", reason)
                story = screened.stories.get(index) or screened.rejudged.get(index)
                if story is None or job.dedupe is None:
                    return PUBLISH
                match = early.get(index)
                if match is None:
                    if arrivals is None:
                        arrivals = dedupe_store.Arrivals.since(conn, mark)
                    match = arrivals.find_original(conn, story, job.dedupe, job.state.id)
                if match is None:
                    return Decision(fingerprint=story.fingerprint.text_hash)
                # (A teaser's article come since too: as had it come at once.)
                if (
                    match.fuller
                    and (index in screened.stories or index in screened.rejudged)
                    and match.original_id not in giving_way
                    and _gives_way(conn, job, match.original_id)
                ):
                    taken = _taking(
                        conn, job.whereabouts, (i for i in match.also if i not in giving_way)
                    )
                    if taken is not None:
                        fuller_copies[index] = (match.original_id, *taken)
                        giving_way.update(fuller_copies[index])
                        return Decision(fingerprint=story.fingerprint.text_hash)
                originals.add(match.original_id)
                return Decision(
                    "duplicate",
                    match.verdict.reason,
                    duplicate_of=match.original_id,
                    fingerprint=story.fingerprint.text_hash,
                )

            if screened.stories or screened.blocked or screened.retract or screened.rejudged:
                dedupe_store.lock(conn)  # one dedupe decision at a time across workers
            # An original found before the lock may since have been taken
            # back (its article blocked, or found a copy itself): asked again
            # — and a fuller telling's, which may tell a post stored since too.
            found = {i for m in early.values() if m is not None for i in (m.original_id, *m.also)}
            if found and job.dedupe is not None:
                live = dedupe_store.published(conn, found)
                for index, match in early.items():
                    if match is not None and (
                        match.fuller or not live.issuperset((match.original_id, *match.also))
                    ):
                        story = screened.stories.get(index) or screened.rejudged[index]
                        early[index] = dedupe_store.find_original(
                            conn, story, job.dedupe, job.state.id
                        )
            ingested = ingest_entries(
                conn,
                job.state.id,
                items,
                now=job.now,
                name_for=name_for,
                decide=decide,
                keep_first_dates=not job.redate,
            )
            # Posted with their feed's text, held back on their article.
            verdicts = {
                ingested.stored[index]: verdict
                for index in (*screened.retract, *screened.rejudged)
                if index in ingested.stored
                and (verdict := decide(index, items[index])).status != "active"
            }
            # Their files go once this has committed (see publish.retract).
            taken_back = retract(conn, verdicts)
            # A story whose post was deleted by hand stays off the site.
            deleted_by_hand = {
                entry_id
                for entry_id, (state, name) in taken_back.items()
                if state == "removed" or (name is not None and job.whereabouts(name) == "gone")
            }
            retracted = {
                entry_id: verdict.duplicate_of
                for entry_id, verdict in verdicts.items()
                if verdict.duplicate_of is not None or entry_id not in deleted_by_hand
            }
            if retracted:
                tells = copy_tells(job.dedupe.threshold) if job.dedupe else None
                _index_heirs(conn, job, hand_down(conn, retracted, heir_name, tells=tells))
            # Posts that give way to fuller copies: taken back, their files
            # removed by the main process once every worker's pass is done (a
            # post another worker stored may not be in place yet); their
            # copies follow the story to its new post, which lists them.
            replaced = {
                original: ingested.published.get(index) or ingested.stored[index]
                for index, taken in fuller_copies.items()
                if index in ingested.published or index in ingested.stored
                for original in taken
            }
            if replaced:
                retract(
                    conn,
                    {
                        original: Decision("duplicate", FULLER_COPY, duplicate_of=entry_id)
                        for original, entry_id in replaced.items()
                    },
                )
                _index_heirs(conn, job, hand_down(conn, replaced, heir_name, feeds_apart=False))
                originals.update(replaced.values())
                if job.pass_started is not None:
                    # Stored by this pass too: their workers count them new.
                    replaced_new = conn.execute(
                        select(func.count()).where(
                            entries.c.id.in_(list(replaced)),
                            entries.c.first_seen_at >= job.pass_started,
                        )
                    ).scalar_one()
            # Held-back copies that now tell their story fuller than its post.
            for copy_id, taken in _promotions(
                conn, job, screened, items, known, ingested, verdicts
            ).items():
                if not taken:  # another story now: its original's post lists it no more
                    originals |= originals_of(conn, [copy_id])
                _index_heirs(conn, job, promote(conn, copy_id, taken, heir_name))
                promoted += len(taken)
                gave_way.update(taken)
            if screened.stories:
                dedupe_store.add(
                    conn,
                    job.state.id,
                    [
                        (entry_id, screened.stories[index])
                        for index, entry_id in ingested.published.items()
                        if index in screened.stories
                    ],
                )
            mark_stale(conn, originals)
            if screened.changed:
                dedupe_store.replace_stories(
                    conn,
                    job.state.id,
                    [
                        (ingested.stored[index], story)
                        for index, story in screened.changed.items()
                        if index in ingested.stored
                    ],
                )
                # Posts edited into another story let the copies they held go.
                rewritten = [
                    (stored.id, story)
                    for index, story in screened.changed.items()
                    if index in ingested.stored
                    and (stored := known.get(items[index].key_hash)) is not None
                    and stored.status == "active"
                    and stored.id in reported  # (those that hold copies)
                    and stored.id not in verdicts
                ]
                if rewritten and job.dedupe is not None:
                    dedupe_store.lock(conn)
                    for entry_id, story in rewritten:
                        _released(conn, job, entry_id, story)
            # (Not the text an item re-keyed came with where its entry keeps
            # its own: that one is indexed already.)
            texts = {i: e for i, e in ingested.stored.items() if i not in ingested.kept_text}
            if job.search:
                search_store.index(
                    conn, [replace(docs[index], entry_id=e) for index, e in texts.items()]
                )
            else:  # indexed when `feedmill search` is next asked
                search_store.mark_pending(conn, texts.values())
            if changed:
                # A copy of a changed entry stored since `reported` was read:
                # its post, rendered without that source, is redone by publish().
                # And a copy held back that changed (its link, say): the post
                # of its original lists it.
                mark_stale(
                    conn, (with_duplicates(conn, changed) - reported) | originals_of(conn, changed)
                )
            wanted = feed_store.fingerprint(
                style_hash(job.style, feed_title, job.template_fingerprint), job.timezone
            )
            if wanted != job.state.style_hash:
                feed_store.set_style(conn, job.state.id, wanted)
            values = after_fetch(
                job.state,
                job.fetched,
                job.now,
                job.policy,
                ttl_minutes=parsed.ttl_minutes,
                pass_started=job.pass_started,
            )
            if read_again or parsed.incomplete:
                # Validators of the whole document: what came was not all of it.
                values.update(etag=None, last_modified=None, body_hash=None)
            feed_store.record(
                conn,
                job.state.id,
                **values,
                title=feed_title,
                link=normalized.link,
                item_count=len(items) + len(waiting),  # the document lists them all
                posted_count=posted_among(conn, job.state.id, [i.key_hash for i in items]),
                parser=parsed.parser,
                warning=_shown(job, "; ".join(warnings)) or None,
            )
        # Committed: retracted posts' files go, the staged posts go into
        # place, then are recorded.
        if verdicts:
            # What cannot go now the main process removes after the feeds.
            with suppress(SQLAlchemyError):
                remove_retracted(
                    engine, job.posts_dir, job.archive_dir, verdicts, waiting=job.posts_waiting
                )
        new = updated = unchanged = 0

        def _placed(path: str, target: str) -> bool | None:
            """`place`, or None where the site refuses it: left to publish()."""
            nonlocal site_refuses
            if not site_refuses:
                try:
                    return place(path, target)
                except OSError as exc:
                    if not takes_no_writes(exc):
                        raise
                    site_refuses = True
            with suppress(OSError):
                os.unlink(path)
            return None

        placed: list[int] = []
        taken_down: list[int] = []
        archived: list[int] = []
        found_archived: list[int] = []  # rewritten in the archive (the database lost)
        for touched in ingested.touched:
            path = staged[touched.index]
            if touched.entry_id in verdicts or touched.entry_id in gave_way:
                continue  # (held back now: no post to count)
            if path is None:
                # Changed, left to publish() (undated, or listing other
                # sources): counted unchanged with its feed, as a restyle's
                # posts are, and turned into "updated" there if it changed.
                unchanged += not touched.is_new
                continue
            if touched.was_written:
                where = job.whereabouts(touched.file_name)
                if where != "posts":
                    (taken_down if where == "gone" else archived).append(touched.entry_id)
                    continue
            elif (
                on_site  # (a new item's file is there only if the database was lost)
                and touched.is_new
                and whereabouts(job.posts_dir, job.archive_dir, touched.file_name) == "archive"
            ):
                # Retention had moved its post out before the database was
                # lost: it is rewritten there, and stays (written back into
                # the posts, it was in both folders, and no `max_posts` of
                # the new database's counted it out again).
                staged[touched.index] = None
                changed_file = _placed(path, os.path.join(job.archive_dir, touched.file_name))
                if changed_file is None:
                    continue
                found_archived.append(touched.entry_id)
                # (Found: counted as it was, as one found in the posts is.)
                updated += changed_file
                unchanged += not changed_file
                continue
            staged[touched.index] = None
            changed_file = _placed(path, os.path.join(job.posts_dir, touched.file_name))
            if changed_file is None:
                continue
            placed.append(touched.entry_id)
            # (New to a lost database, its post found on the site: no new post.)
            if touched.is_new and changed_file and not _found_on(on_site, touched.file_name):
                new += 1
            elif changed_file:
                updated += 1
            else:
                unchanged += 1
        if placed or taken_down or archived or found_archived:
            with engine.begin() as conn:
                # Written, as those placed in the posts: an archived post
                # without its version is none that a move of the archive or
                # a rebuild looks for.
                mark_written(conn, placed + found_archived, datetime.now(UTC), states=("pending",))
                mark_removed(conn, taken_down)
                set_state(conn, archived + found_archived, "archived")
    finally:
        for path in staged:  # rendered but not needed (or the store failed)
            if path is not None:
                with suppress(FileNotFoundError):
                    os.unlink(path)
    return FeedResult(
        title=feed_title,
        items=len(items) + len(waiting),
        new=new,
        updated=updated,
        # Items as they were, less those held back: posts are counted.
        unchanged=unchanged + ingested.unchanged - held_as_they_were + len(waiting),
        blocked=ingested.blocked + sum(v.status == "blocked" for v in verdicts.values()),
        duplicates=ingested.duplicates + sum(v.status == "duplicate" for v in verdicts.values()),
        replaced=len(replaced) + promoted,
        replaced_new=replaced_new,
    )
