"""The robust path: feedparser, for what the fast path rejects or would misread.

feedparser's loose parser reads ill-formed XML that lxml gives up on, and it
keeps the text of every date, so zone-less dates can be read in the feed's
own time zone.  It is slow, which is why it is the fallback.
"""

from __future__ import annotations

import calendar
import dataclasses
import html
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from feedmill import urls
from feedmill.models import ParsedFeed, RawEntry
from feedmill.parse.fast import _author, _tags, _text, content_block, media_image, playable
from feedmill.schedule import count


class NotAFeed(ValueError):
    pass


_BASES_KEPT = False  # (see `_keep_relative_bases`)


# feedparser reads a second description of an item (a picture's caption in
# <media:description>, a <dc:description>, <itunes:summary>) as the item's
# content: a post would be "图片说明" instead of its article.  Where an item
# has its own body, those are renamed to elements feedparser ignores.
_ITEM_START = re.compile(rb"<(?:item|entry)\b")
# (An empty body is none: a podcast's <description></description> beside its
# <itunes:summary> would hide the episode's only text.)
_OWN_BODY = re.compile(
    rb"<(?:description|content:encoded|content|summary)(?:\s[^<>]*)?(?<!/)>"
    rb"(?!\s*(?:</|<!\[CDATA\[\s*\]\]>\s*</))"
)
_SECOND_DESCRIPTION = re.compile(rb"<(/?)(media:description|dc:description|itunes:summary)\b")


def set_descriptions_aside(document: bytes) -> bytes:
    """``document`` with items' second descriptions out of feedparser's way.

    An item is read from its start to the next one's (not to its end tag:
    in an ill-formed document with unclosed items, looking for each one's
    end tag made this quadratic)."""
    if b"description" not in document and b"itunes:summary" not in document:
        return document
    starts = [match.start() for match in _ITEM_START.finditer(document)]
    if not starts:
        return document
    parts = [document[: starts[0]]]
    for start, end in zip(starts, [*starts[1:], len(document)], strict=True):
        item = document[start:end]
        if _OWN_BODY.search(item):
            item = _SECOND_DESCRIPTION.sub(rb"<\1\2-aside", item)
        parts.append(item)
    return b"".join(parts)


# feedparser leaves an item's xml:base in force for the items after it when
# the document's root has none (its base stack skips empty bases): a root
# given the neutral base "./" has each item's base end with the item.
_ROOT_TAG = re.compile(rb"<(?:rss|feed|rdf:RDF)\b[^>]*>")
NEUTRAL_BASE = "./"


def _root_base(document: bytes) -> bytes:
    if b"xml:base=" not in document:
        return document
    root = _ROOT_TAG.search(document)
    if root is None or b"xml:base=" in root.group(0):
        return document
    end = root.end() - (2 if root.group(0).endswith(b"/>") else 1)
    return document[:end] + b' xml:base="' + NEUTRAL_BASE.encode() + b'"' + document[end:]


# feedparser's loose parser (the one for ill-formed XML) decodes &quot; and
# &#34; (and &apos;, &#39;) in an item's HTML, whether it came in CDATA or
# escaped: the quote then ended the attribute it was in (alt="董事长 &quot;王某
# &quot;" became alt="董事长 ").  &#x22; and &#x27; — the same characters to
# an HTML reader — it leaves as they are.  In CDATA the HTML's references are
# written as they are; elsewhere escaped (&amp;quot;), where a bare &quot; is
# the XML's own, which the parser reads right.
_CDATA = re.compile(rb"<!\[CDATA\[.*?\]\]>", re.DOTALL)
_IN_CDATA = re.compile(rb"&(?:(quot|#0*34)|apos|#0*39);")
_ESCAPED = re.compile(rb"&amp;(?:(quot|#0*34)|apos|#0*39);")


def _kept(escaped: bool) -> Callable[[re.Match[bytes]], bytes]:
    start = b"&amp;#x" if escaped else b"&#x"
    return lambda m: start + (b"22;" if m[1] else b"27;")


def _quotes_kept(document: bytes) -> bytes:
    if b"&" not in document:
        return document
    parts = []
    done = 0
    for section in _CDATA.finditer(document):
        parts.append(_ESCAPED.sub(_kept(True), document[done : section.start()]))
        parts.append(_IN_CDATA.sub(_kept(False), section.group()))
        done = section.end()
    parts.append(_ESCAPED.sub(_kept(True), document[done:]))
    return b"".join(parts)


def _keep_relative_bases() -> None:
    """Have feedparser join an xml:base to a relative one in force.

    Without the document's URL (it is resolved later, against the feed's),
    every base in force is relative, and feedparser kept only bases that its
    join made absolute: an entry's `xml:base="sub/"` under the root's
    `/blog/` was dropped, its pictures and link resolved against /blog/ (or
    the item's link) instead of /blog/sub/.  A join that is absolute is
    feedparser's own (a `javascript:` base stays refused)."""
    import feedparser.mixin
    import feedparser.urls

    safe = feedparser.urls.make_safe_absolute_uri

    def joined(base: str, rel: str | None = None) -> str:
        found: str = safe(base, rel)
        if found or not base or not rel or urls.scheme(base):
            return found
        if rel is base:  # (an element without a base of its own is given the one in force)
            return base
        relative: str = feedparser.urls._urljoin(base, rel)
        return "" if urls.scheme(relative) else relative

    feedparser.mixin.make_safe_absolute_uri = joined  # (the one name the base stack calls)


def parse(document: bytes, *, ill_formed: bool = False) -> ParsedFeed:
    """``ill_formed``: expat refused the document (feedparser reads it with
    its loose parser)."""
    import feedparser

    global _BASES_KEPT
    if not _BASES_KEPT:
        _keep_relative_bases()
        _BASES_KEPT = True

    if ill_formed:
        document = _quotes_kept(document)
    result = feedparser.parse(
        _root_base(set_descriptions_aside(document)),
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
    ttl = count(str(feed.get("ttl") or "").strip())
    atom = str(result.get("version") or "").startswith("atom")
    entries = tuple(_entry(e, atom=atom) for e in result.get("entries") or ())
    link = _text(feed.get("link"))
    if ill_formed:
        entries = tuple(map(_loose_fields_unescaped, entries))
        link = html.unescape(link) if link else link
    return ParsedFeed(
        title=_text(feed.get("title")),
        link=link,
        entries=entries,
        parser="robust",
        ttl_minutes=ttl,
        warnings=warnings,
    )


def _loose_fields_unescaped(entry: RawEntry) -> RawEntry:
    """``entry`` with what feedparser's loose parser leaves escaped read:
    its guid, author and categories ("R&amp;D"; the channel's link too).
    A rule on `category: R&D` let the item by whenever one other item made
    the document ill-formed, and its guid was another key."""

    def unescaped(text: str | None) -> str | None:
        return html.unescape(text) if text and "&" in text else text

    guid = unescaped(entry.guid)
    return dataclasses.replace(
        entry,
        guid=guid,
        guid_read_before=entry.guid if guid != entry.guid else None,
        author=unescaped(entry.author),
        categories=tuple(html.unescape(c) if "&" in c else c for c in entry.categories),
    )


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


# feedparser writes an element of inline XHTML or unescaped markup back as
# start and end tag: <br/> becomes <br></br>, which HTML reads as two breaks.
_VOID_CLOSED = re.compile(
    r"(<(?:area|br|col|embed|hr|img|source|track|wbr)\b[^<>]*>)</(?:area|br|col|embed|hr|img|source|track|wbr)>",
    re.IGNORECASE,
)


def _markup(value: str) -> str:
    return _VOID_CLOSED.sub(r"\1", value) if "</" in value else value


def _link(item: Mapping[str, Any], *, atom: bool) -> str | None:
    """The item's <link>; without one, an RSS item's guid if that is a web
    address, as the fast path reads them.  (feedparser makes any permalink
    guid the link: "kx-2" became a page of the feed's site that does not
    exist; and an Atom entry's id.)"""
    guid = _text(item.get("id"))
    link = _text(item.get("link"))
    if atom:  # its page: a link of no rel or rel="alternate", never its id
        return next(
            (
                href
                for found in item.get("links") or ()
                if isinstance(found, Mapping)
                and found.get("rel") in (None, "", "alternate")
                and (href := _text(found.get("href")))
            ),
            None,
        )
    # Made of the guid: no link element of its own (Atom's <link> is one); or
    # no link at all beside an RSS guid (False: isPermaLink="false"; not an
    # RSS 1.0 item's rdf:about, which leaves it unset).
    # (An enclosure is a link of feedparser's too: the episode's audio is no page.)
    pages = [
        found
        for found in item.get("links") or ()
        if isinstance(found, Mapping) and found.get("rel") in (None, "", "alternate")
    ]
    of_the_guid = item.get("guidislink") and not pages
    if of_the_guid or (link is None and item.get("guidislink") is False):
        return guid if guid and urls.scheme(guid) in ("http", "https") else None
    return link


def _entry(item: Mapping[str, Any], *, atom: bool = False) -> RawEntry:
    content = None
    content_is_html = True
    base = None
    block = content_block(item.get("content") or ())
    if block is not None:
        content = str(block["value"])
        content_is_html = "plain" not in str(block.get("type") or "")
        base = _text(block.get("base"))
    summary = _text(item.get("summary"))
    summary_detail = item.get("summary_detail") or {}
    summary_is_html = "plain" not in str(summary_detail.get("type") or "")
    if content is None and summary is not None:
        content, summary = summary, None
        content_is_html = summary_is_html
        base = _text(summary_detail.get("base"))
    elif summary == content:
        summary = None
    if content is not None and content_is_html:
        content = _markup(content)
    # As the fast path reads them (feedparser's "image" is an itunes:image mapping).
    image = media_image(item)
    return RawEntry(
        guid=_text(item.get("id")),
        link=_link(item, atom=atom),
        title=_text(item.get("title")),
        # (An RSS title is text/plain to feedparser too, but RSS has no way to
        # say so, and feeds write HTML there: only Atom's type is taken at its word.)
        title_is_html=not (atom and "plain" in str((item.get("title_detail") or {}).get("type"))),
        published=_date(dict(item), "published"),
        updated=_date(dict(item), "updated"),
        author=_first_author(item),
        content=content,
        summary=summary,
        content_is_html=content_is_html,
        summary_is_html=summary_is_html,
        categories=_tags(item.get("tags")),
        image=image,
        media=playable(item),
        # The xml:base in force, as feedparser resolved it (a relative one stays relative).
        content_base=None if base == NEUTRAL_BASE else base,
    )
