"""The fast path: fastfeedparser (lxml, with a native extractor).

It reads well-formed RSS, Atom, RDF and JSON Feed about forty times faster
than feedparser.  What it does not keep — the exact text of zone-less dates —
is checked for before it is used (see ``parse/__init__``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from feedmill.models import ParsedFeed, RawEntry
from feedmill.schedule import count

_TTL = re.compile(r"<ttl>\s*([0-9]+)\s*</ttl>", re.IGNORECASE)


def parse(document: bytes, text_for_ttl: str | None = None) -> ParsedFeed:
    """Parse ``document`` (UTF-8 bytes); raise ValueError if it is not a feed."""
    import fastfeedparser

    # Always bytes: given a str that looks like a URL, fastfeedparser fetches it.
    result = fastfeedparser.parse(document, include_media=True, include_enclosures=True)
    feed = result.get("feed") or {}
    entries = tuple(_entry(e) for e in result.get("entries") or ())
    ttl = None
    if text_for_ttl is not None:
        # The channel's, before its items or after them (RSS sets no order),
        # not an item's text.
        head = text_for_ttl[: max(text_for_ttl.find("<item"), 0) or 4096]
        last = text_for_ttl.rfind("</item>")
        match = _TTL.search(head) or (_TTL.search(text_for_ttl, last) if last != -1 else None)
        ttl = count(match.group(1)) if match else None  # bounded later (server_hint)
    return ParsedFeed(
        title=_text(feed.get("title")),
        link=_text(feed.get("link")),
        entries=entries,
        parser="fast",
        ttl_minutes=ttl,
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _entry(item: Mapping[str, Any]) -> RawEntry:
    content, content_is_html = _content(item.get("content"))
    summary = _text(item.get("description"))
    if content is not None and summary is not None and summary == content:
        summary = None
    return RawEntry(
        guid=_text(item.get("id")),
        link=_link(item),
        title=_text(item.get("title")),
        published=_text(item.get("published")),
        updated=_text(item.get("updated")),
        author=_author(item),
        content=content,
        summary=summary,
        content_is_html=content_is_html,
        categories=_tags(item.get("tags")),
        image=_image(item),
        media=playable(item),
    )


def _link(item: Mapping[str, Any]) -> str | None:
    """The entry's page: an Atom link with no rel or rel="alternate", never an enclosure."""
    links = item.get("links") or ()
    others = set()
    for link in links:
        if isinstance(link, Mapping):
            href = _text(link.get("href"))
            if link.get("rel") in (None, "", "alternate") and href:
                return href
            others.add(href)
    # An RSS <link> beside an <atom:link rel="related">; not an enclosure's href.
    fallback = _text(item.get("link"))
    return fallback if fallback not in others else None


def _content(blocks: Sequence[Mapping[str, Any]] | None) -> tuple[str | None, bool]:
    block = content_block(blocks or ())
    if block is None:
        return None, True
    kind = str(block.get("type") or "").lower()
    return str(block["value"]), "html" in kind or kind == ""


def content_block(blocks: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The content block an item's text is (both paths choose so): the first
    HTML block that shows something, else the first other non-empty block (a
    JSON Feed's content_text beside a content_html of "<p></p>"), else the
    first HTML block that shows nothing.  (Of one block, what it shows
    chooses nothing: not asked.)"""
    filled = [b for b in blocks if b.get("value") and str(b["value"]).strip()]
    is_html = ["html" in str(b.get("type") or "").lower() for b in filled]
    html = [b for b, h in zip(filled, is_html, strict=True) if h]
    other = (b for b, h in zip(filled, is_html, strict=True) if not h)
    shown = (b for b in html if len(filled) == 1 or _shows_anything(str(b["value"])))
    return next(shown, None) or next(other, None) or next(iter(html), None)


def _shows_anything(markup: str) -> bool:
    from feedmill.normalize.text import shows_anything  # (asked of items of several blocks)

    return shows_anything(markup)


def _author(item: Mapping[str, Any]) -> str | None:
    author = _text(item.get("author"))
    if author:
        return author
    for person in item.get("authors") or ():
        name = _text(person.get("name")) if isinstance(person, Mapping) else _text(person)
        if name:
            return name
    return None


def _tags(tags: Sequence[Any] | None) -> tuple[str, ...]:
    out: dict[str, None] = {}  # (in order, each once: a list's test took 28 s for 50,000)
    for tag in tags or ():
        term = tag.get("term") if isinstance(tag, Mapping) else tag
        term = _text(term)
        if term:
            out.setdefault(term)
    return tuple(out)


# Players, and document links, an item's post gets at most (each): one item
# of a hostile feed listed 20,000 enclosures.
MOST_ENCLOSURES = 20


def playable(item: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """An item's audio and video: its enclosures (a podcast's episode,
    RSSHub's videos), and its <media:content> (a video site's feed names its
    video so; a post showed its thumbnail alone); and the documents its
    enclosures attach ("file": an announcement's PDF), to download."""
    found: dict[str, str] = {}  # URL → kind, the first of a URL (a feed may list thousands)
    counts = {"file": 0, "played": 0}
    for enclosure in enclosures(item):
        played = _played(enclosure) or _attached(enclosure)
        if played is None or played[0] in found:
            continue
        counted = "file" if played[1] == "file" else "played"
        if counts[counted] < MOST_ENCLOSURES:
            found[played[0]] = played[1]
            counts[counted] += 1
    if counts["played"]:  # (a media:content beside them is one of them)
        return tuple(found.items())
    # The renditions of one video (a media:group's 360p, 720p …): its first.
    for media in item.get("media_content") or ():
        played = _played(media, medium=True)
        if played:
            return (played, *found.items())
    return tuple(found.items())


def enclosures(item: Mapping[str, Any]) -> list[Any]:
    """An item's enclosures, and its links of rel="enclosure" (an RSS item's
    <atom:link rel="enclosure">, which feedparser counts among them and
    fastfeedparser does not: the robust path played what the fast one left out)."""
    found = item.get("enclosures") or ()
    linked = [
        link
        for link in item.get("links") or ()
        if isinstance(link, Mapping) and link.get("rel") == "enclosure"
    ]
    if not linked:  # (most items: a page link alone)
        return list(found)
    listed = {_text(e.get("url") or e.get("href")) for e in found if isinstance(e, Mapping)}
    return [*found, *(link for link in linked if _text(link.get("href")) not in listed)]


def _played(media: Any, *, medium: bool = False) -> tuple[str, str] | None:
    """(URL, "audio" or "video") of an enclosure or a media:content a player
    plays, by its type — or, without one, by its ``medium`` for a file a
    player plays (a medium="video" is a video site's page as often)."""
    if not isinstance(media, Mapping):
        return None
    written = str(media.get("type") or "").strip().lower()
    kind = written.split("/", 1)[0]
    url = _text(media.get("url") or media.get("href"))
    if medium and not kind and url and _MEDIA_FILE.search(url):
        kind = str(media.get("medium") or "").strip().lower()
    elif not medium and written in _GENERIC_TYPES and url:
        # An episode served as a download ("application/octet-stream", or
        # no type at all): its file's name says what it is.
        named = _file_named(url, written)
        kind = (
            "audio" if _AUDIO_FILE.search(named) else "video" if _VIDEO_FILE.search(named) else ""
        )
    return (url, kind) if url and kind in ("audio", "video") else None


def _file_named(url: str, kind: str) -> str:
    """What of ``url`` names the file an enclosure of a generic type
    (``kind``) is: its path — and its query, where its type says it is a
    file (octet-stream: "download.php?file=ep1.mp3"), not where it may be a
    page ("player.html?src=ep1.mp3" with no type, or feedparser's text/html)."""
    return url if kind and kind != "text/html" else _path_of(url)


def _path_of(url: str) -> str:
    return url.split("#", 1)[0].split("?", 1)[0]


# Types that say only "a file": what it is, its name says.  (An Atom
# enclosure link without a type is "text/html" to feedparser.)
_GENERIC_TYPES = frozenset(
    {"", "application/octet-stream", "application/force-download", "binary/octet-stream",
     "text/html"}
)  # fmt: skip


# A document an enclosure attaches (an announcement's PDF, a report's
# spreadsheet): by its type, else by its file's name.
_DOCUMENT_TYPE = re.compile(
    r"application/(?:pdf|msword|vnd\.|zip|x-zip|x-rar|x-7z|epub|rtf)|text/(?:csv|plain)",
    re.IGNORECASE,
)
_DOCUMENT_FILE = re.compile(
    r"\.(?:pdf|docx?|xlsx?|pptx?|csv|txt|zip|rar|7z|epub|rtf|odt|ods|odp)(?:$|[?#])", re.IGNORECASE
)


def _attached(enclosure: Any) -> tuple[str, str] | None:
    """(URL, "file") of an enclosure that attaches a document to download."""
    if not isinstance(enclosure, Mapping):
        return None
    url = _text(enclosure.get("url") or enclosure.get("href"))
    kind = str(enclosure.get("type") or "").strip()
    generic = kind.lower() in _GENERIC_TYPES
    if url and (
        _DOCUMENT_TYPE.match(kind) or (generic and _DOCUMENT_FILE.search(_file_named(url, kind)))
    ):
        return url, "file"
    return None


_AUDIO_FILE = re.compile(r"\.(?:mp3|m4a|aac|ogg|oga|opus|wav|flac)(?:$|[?#])", re.IGNORECASE)
_VIDEO_FILE = re.compile(r"\.(?:mp4|m4v|webm|ogv|mov)(?:$|[?#])", re.IGNORECASE)
_MEDIA_FILE = re.compile(f"{_AUDIO_FILE.pattern}|{_VIDEO_FILE.pattern}", re.IGNORECASE)


def _image(item: Mapping[str, Any]) -> str | None:
    # A JSON Feed's image, else its banner image (shown above the article).
    return _text(item.get("image")) or _text(item.get("banner_image")) or media_image(item)


# An enclosure without a type whose file says it is a picture.
_PICTURE_FILE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:$|[?#])", re.IGNORECASE)


def _is_picture(enclosure: Mapping[str, Any], url: str) -> bool:
    kind = str(enclosure.get("type") or "").strip()
    if kind and kind.lower() not in _GENERIC_TYPES:
        return "image" in kind
    # (Its query too where it has no type, as before: "img.php?f=a.jpg".)
    named = _path_of(url) if kind.lower() == "text/html" else url
    return _PICTURE_FILE.search(named) is not None


def media_image(item: Mapping[str, Any]) -> str | None:
    """A thumbnail, a picture among the media, an image enclosure."""
    for key in ("media_thumbnail", "media_content"):
        for media in item.get(key) or ():
            url = _text(media.get("url")) if isinstance(media, Mapping) else None
            medium = str(media.get("medium") or media.get("type") or "") if media else ""
            if url and (key == "media_thumbnail" or "image" in medium):
                return url
    for media in item.get("media_content") or ():
        # A video's own thumbnail (fastfeedparser's reading of a nested
        # <media:thumbnail>; feedparser lists it among media_thumbnail).
        thumbnail = _text(media.get("thumbnail_url")) if isinstance(media, Mapping) else None
        if thumbnail:
            return thumbnail
    for enclosure in enclosures(item):
        if isinstance(enclosure, Mapping):
            url = _text(enclosure.get("href") or enclosure.get("url"))
            if url and _is_picture(enclosure, url):
                return url
    return None
