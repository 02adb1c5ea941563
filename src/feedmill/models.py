"""The data that flows through the pipeline, stage by stage.

Every stage takes and returns frozen dataclasses, so a stage is a pure
function that can be tested with nothing but data:

    FeedSpec ──fetch──▶ Fetched ──parse──▶ ParsedFeed(RawEntry…)
             ──normalize──▶ Entry ──store──▶ (rows) ──publish──▶ Post file
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

# How the error of a fetch that reached no server starts (refused, no such
# host, no answer to the connection): no answer of the feed's.
CANNOT_CONNECT = "cannot connect"
# … and of one whose connection broke once connected (reset mid-request).
CONNECTION_LOST = "connection lost"


class FetchStatus(enum.Enum):
    """How a fetch ended."""

    OK = "ok"  # a body to parse
    NOT_MODIFIED = "not_modified"  # 304, or a 200 whose body is unchanged
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Fetched:
    """What came back for one feed URL."""

    url: str
    status: FetchStatus
    final_url: str | None = None
    http_status: int | None = None
    body: bytes | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    error: str | None = None
    # Response headers that scheduling reads (lower-cased names).
    cache_headers: tuple[tuple[str, str], ...] = ()
    # (status, location) of every redirect followed, in order.
    redirects: tuple[tuple[int, str], ...] = ()

    @property
    def ok(self) -> bool:
        return self.status is not FetchStatus.FAILED


@dataclass(frozen=True, slots=True)
class RawEntry:
    """One item as the parser found it; strings are the document's own.

    Dates stay strings here: only normalization knows the feed's time zone,
    which zone-less dates must be read in.
    """

    guid: str | None = None
    link: str | None = None
    title: str | None = None
    published: str | None = None
    updated: str | None = None
    author: str | None = None
    content: str | None = None  # full content (content:encoded, atom content …)
    summary: str | None = None  # description / summary
    content_is_html: bool = True
    summary_is_html: bool = True  # False for an Atom summary of type text (the robust path's)
    # False for an Atom title of type text (Atom's default): its "<" and "&"
    # are characters ("Use <b> or <strong>?"), not markup to remove or decode.
    title_is_html: bool = True
    categories: tuple[str, ...] = ()
    image: str | None = None  # enclosure / media:thumbnail / JSON Feed image
    # (URL, "audio", "video" or "file"): enclosures to play, or to download
    media: tuple[tuple[str, str], ...] = ()
    content_base: str | None = None  # the content's xml:base, where the document set one
    # The guid as releases before read it, where this one reads it otherwise
    # (an ill-formed document's "&amp;"): an item stored under it is found by it.
    guid_read_before: str | None = None
    # The item as releases before read it, where this one reads its text
    # otherwise (an item of neither guid nor link is keyed by its text).
    read_before: RawEntry | None = None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed document: the feed's own metadata and its items."""

    title: str | None
    link: str | None
    entries: tuple[RawEntry, ...]
    parser: str  # "fast" or "robust": which parser produced it
    encoding: str = "utf-8"
    ttl_minutes: int | None = None
    warnings: tuple[str, ...] = ()
    # Items were left out of what came (a document cut short): the next fetch
    # must bring the whole document, not "304 Not Modified".
    incomplete: bool = False
    # Not well-formed XML: read by the parser's recovery, which may take an
    # item's title for the feed's (an item's start tag missing).
    ill_formed: bool = False


@dataclass(frozen=True, slots=True)
class Entry:
    """A normalized item, ready to be stored and published."""

    key: str  # stable within its feed: guid, else link, else content hash
    link: str | None
    title: str
    published: datetime | None  # timezone-aware, UTC
    updated: datetime | None  # timezone-aware, UTC
    author: str | None
    content: str  # HTML (full content preferred over summary)
    categories: tuple[str, ...] = field(default=())
    image: str | None = None
    # The link as the feed wrote it, where ``link`` is that without tracking
    # parameters (None: it had none): an item stored before links lost them
    # is known unchanged by it (`store.entries.as_stored_before_untracking`).
    tracked_link: str | None = None
    # The key it had before: without guid or link, before its pictures were
    # part of it; its guid as an ill-formed document's was read (None: the
    # same), by which one stored then is found (`store.entries`).
    earlier_key: str | None = None
    # What the item stored under ``earlier_key`` showed, where this release
    # reads its markup otherwise (a link-less item's lazy "true" is no longer
    # resolved to an address): how it is known (None: what ``content`` shows).
    earlier_media: tuple[str, ...] | None = None
    # What it held when it was read otherwise (`RawEntry.read_before`): the
    # stored item is it while it holds that still.
    earlier_content: str | None = None
    # The stored entry it is, found under ``earlier_key``
    # (`store.entries.adopt_earlier_keys`): stored, it takes this key.
    stored_as: int | None = None

    @property
    def date(self) -> datetime | None:
        return self.published or self.updated
