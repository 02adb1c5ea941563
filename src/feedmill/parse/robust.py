"""The robust path: feedparser, for what the fast path rejects or would misread.

feedparser's loose parser reads ill-formed XML that lxml gives up on, and it
keeps the text of every date, so zone-less dates can be read in the feed's
own time zone.  It is slow, which is why it is the fallback.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from feedmill.models import ParsedFeed, RawEntry
from feedmill.parse.fast import _author, _tags, _text


class NotAFeed(ValueError):
    pass


def parse(document: bytes) -> ParsedFeed:
    import feedparser

    result = feedparser.parse(
        document,
        sanitize_html=False,  # nh3 sanitizes, later, with our own policy
        resolve_relative_uris=False,  # resolved against the item link, later
        response_headers={"content-type": "application/xml; charset=utf-8"},
    )
    feed_data = result.get("feed") or {}
    if not result.get("version") and not result.get("entries") and not feed_data.get("title"):
        reason = result.get("bozo_exception")
        raise NotAFeed(f"not a feed: {reason}" if reason else "not a feed")
    feed = result.get("feed") or {}
    warnings: tuple[str, ...] = ()
    if result.get("bozo") and result.get("bozo_exception") is not None:
        warnings = (f"ill-formed: {result['bozo_exception']}",)
    ttl = _int(feed.get("ttl"))
    return ParsedFeed(
        title=_text(feed.get("title")),
        link=_text(feed.get("link")),
        entries=tuple(_entry(e) for e in result.get("entries") or ()),
        parser="robust",
        ttl_minutes=ttl,
        warnings=warnings,
    )


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _date(entry: dict[str, Any], name: str) -> str | None:
    """The date's own text; feedparser's UTC reading if the text is missing."""
    # dict.get: FeedParserDict.get("updated") falls back to "published", with a warning.
    text = _text(dict.get(entry, name))
    if text:
        return text
    parsed = dict.get(entry, f"{name}_parsed")
    if parsed:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC).isoformat()
    return None


def _first_author(item: Mapping[str, Any]) -> str | None:
    """The first author's name (feedparser's "author" is the last, with e-mail)."""
    for person in item.get("authors") or ():
        name = _text(person.get("name")) if isinstance(person, Mapping) else None
        if name:
            return name
    detail = item.get("author_detail") or {}
    return _text(detail.get("name")) or _author(item)


def _entry(item: Mapping[str, Any]) -> RawEntry:
    content = None
    content_is_html = True
    for block in item.get("content") or ():
        value = block.get("value")
        if value and str(value).strip():
            content = str(value)
            content_is_html = "plain" not in str(block.get("type") or "")
            if "html" in str(block.get("type") or ""):
                break
    summary = _text(item.get("summary"))
    summary_type = str((item.get("summary_detail") or {}).get("type") or "")
    if content is None and summary is not None:
        content, summary = summary, None
        content_is_html = "plain" not in summary_type
    elif summary == content:
        summary = None
    image = None
    for media in item.get("media_thumbnail") or ():
        image = _text(media.get("url"))
        if image:
            break
    if image is None:
        for enclosure in item.get("enclosures") or ():
            if "image" in str(enclosure.get("type") or ""):
                image = _text(enclosure.get("href"))
                if image:
                    break
    return RawEntry(
        guid=_text(item.get("id")),
        link=_text(item.get("link")),
        title=_text(item.get("title")),
        published=_date(dict(item), "published"),
        updated=_date(dict(item), "updated"),
        author=_first_author(item),
        content=content,
        summary=summary,
        content_is_html=content_is_html,
        categories=_tags(item.get("tags")),
        image=image,
    )
