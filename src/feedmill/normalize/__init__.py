"""Normalize stage: raw parsed items to stable, typed ``Entry`` values.

Pure functions only: the same document always gives the same entries.
"""

from __future__ import annotations

import hashlib
from datetime import tzinfo

from feedmill import urls
from feedmill.models import Entry, ParsedFeed, RawEntry
from feedmill.normalize.dates import parse_date
from feedmill.normalize.text import (
    clean_author,
    clean_title,
    collapse_space,
    looks_like_html,
    plain_to_html,
    strip_controls,
    visible_text,
)

__all__ = ["entry_key", "normalize_entry", "normalize_feed", "parse_date"]


def entry_key(raw: RawEntry, title: str, content: str) -> str:
    """guid, else link, else a hash of title + content — stable across runs.

    The link is taken as written, not resolved: parsers disagree on whether
    an item without a guid has an id, and on resolving it, but not on this.
    """
    guid = collapse_space(raw.guid or "")
    if guid:
        return guid
    link = collapse_space(raw.link or "")
    if link:
        return link
    # The visible text, not the markup: parsers (and feeds) reformat markup.
    digest = hashlib.sha256(f"{title}\n{visible_text(content)}".encode()).hexdigest()
    return f"sha256:{digest}"


def absolute_url(url: str | None, base: str | None) -> str | None:
    return urls.absolute(url, base)


def normalize_entry(raw: RawEntry, *, base_url: str | None, zone: tzinfo) -> Entry:
    link = absolute_url(raw.link, base_url)
    title = clean_title(raw.title)
    content = raw.content or raw.summary or ""
    is_html = raw.content_is_html if raw.content else True
    if content and (not is_html or not looks_like_html(content)):
        content = plain_to_html(content)
    content = strip_controls(content)
    author = clean_author(raw.author)
    categories = tuple(
        dict.fromkeys(c for c in (collapse_space(strip_controls(x)) for x in raw.categories) if c)
    )
    updated = parse_date(raw.updated, zone)
    # Parsers disagree on whether dc:date is "published" or "updated"; the
    # entry's date is the first of the two either way.
    published = parse_date(raw.published, zone) or updated
    return Entry(
        key=entry_key(raw, title, content),
        link=link,
        title=title,
        published=published,
        # Some parsers copy an RSS pubDate into "updated"; it adds nothing.
        updated=None if updated == published else updated,
        author=author,
        content=content,
        categories=categories,
        image=absolute_url(raw.image, link or base_url),
    )


def normalize_feed(parsed: ParsedFeed, *, feed_url: str, zone: tzinfo) -> list[Entry]:
    """Every item of ``parsed``, once: later duplicates of a key are dropped."""
    base = parsed.link if urls.scheme(parsed.link) in ("http", "https") else feed_url
    seen: set[str] = set()
    entries = []
    for raw in parsed.entries:
        entry = normalize_entry(raw, base_url=base, zone=zone)
        if entry.key in seen:
            continue
        seen.add(entry.key)
        entries.append(entry)
    return entries
