"""One parsed document's items to ``Entry`` values: keys, titles, dates, text.

Pure functions only: the same document always gives the same entries.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from urllib.parse import unquote

from feedmill import urls
from feedmill.htmltree import browser_fragment
from feedmill.models import Entry, ParsedFeed, RawEntry
from feedmill.normalize.chars import collapse_space, strip_controls
from feedmill.normalize.dates import parse_date
from feedmill.normalize.text import (
    LOOKED_LIKE_HTML,
    clean_author,
    clean_title,
    escaped_markup,
    keyed_text,
    looks_like_html,
    plain_title,
    plain_to_html,
    shows_a_picture,
    shows_anything,
    shows_nothing,
    shows_text,
)
from feedmill.sanitize.prepass import prepass, with_article_shown

__all__ = [
    "Normalized",
    "entry_key",
    "media_in",
    "normalize_document",
    "normalize_entry",
    "normalize_feed",
    "parse_date",
    "told_apart_keys",
]


def _key_before_pictures(raw: RawEntry, title: str, content: str) -> str | None:
    """The key an item without guid or link had before its pictures were part
    of it (`entry_key`), where that is another: its title and text alone."""
    if not _pictures_of(raw, content):
        return None
    known_by = "\n".join((title, keyed_text(content)))
    return f"sha256:{hashlib.sha256(known_by.encode()).hexdigest()}"


def entry_key(raw: RawEntry, title: str, content: str) -> str:
    """guid, else link, else a hash of title + content — stable across runs.

    The link is taken as written, not resolved: parsers disagree on whether
    an item without a guid has an id, and on resolving it, but not on this.
    """
    # Without control characters, as every stored text: PostgreSQL refuses NUL.
    guid = collapse_space(strip_controls(raw.guid or ""))
    if guid:
        return guid
    link = collapse_space(strip_controls(raw.link or ""))
    if link:
        return link
    # The visible text, not the markup: parsers (and feeds) reformat markup.
    # And its pictures: a 每日一图 of one caption is another item each day.
    known_by = "\n".join((title, keyed_text(content), *_pictures_of(raw, content)))
    return f"sha256:{hashlib.sha256(known_by.encode()).hexdigest()}"


def _pictures_of(raw: RawEntry, content: str) -> tuple[str, ...]:
    """What an item shows or plays besides its text, as its key knows it: its
    markup's pictures and players, its enclosures' and thumbnail's."""
    enclosed = [raw.image or "", *(url for url, _ in raw.media)]
    return (*media_in(content), *(urls.without_volatile(url) for url in enclosed if url))


def absolute_url(url: str | None, base: str | None) -> str | None:
    return urls.absolute(url, base)


# A src or href that is neither absolute nor a fragment (nor a data: URI);
# spaces before it are no part of it (src=" /a.png" is /a.png to a browser).
# (Possessive: the spaces before a quote and after it were shared out in
# every way there is, "src=" + 30,000 spaces took 9 s.)
_RELATIVE_REFERENCE = re.compile(
    r"""\s(?:src|href|poster|srcset|data-[\w-]+|file|zoomfile)\s*=\s*+(?:["']\s*+)?"""
    r"""(?![a-z][a-z0-9+.-]*:|#|["'>\s,])""",
    re.IGNORECASE,
)


def _absolute_links(content: str, base: str, *, every_lazy_value: bool = False) -> str:
    """``content`` with relative links made absolute against ``base``.

    For items without a link of their own (flash news, guid-only items):
    the sanitizer resolves against the item's link, and without one
    "/upload/a.jpg" would point into the blog.
    """
    if not _RELATIVE_REFERENCE.search(content):
        return content
    from lxml import etree

    try:
        root = browser_fragment(content)
    except (etree.ParserError, ValueError):
        return content

    def resolved(link: str) -> str:
        stripped = link.strip()
        if not stripped or stripped.startswith("#"):
            return link  # a fragment stays within the post
        return urls.absolute(stripped, base) or link

    root.rewrite_links(resolved, resolve_base_href=False)
    # What lxml does not know for a link: a video's poster, lazy sources,
    # srcset candidates.
    from feedmill.sanitize.prepass import (
        LAZY_ATTRIBUTES,
        SRCSET_ATTRIBUTES,
        inner_html,
        one_address,
        srcset_candidates,
    )

    for element in root.iter("img", "video", "audio", "source", "iframe"):
        poster = element.get("poster")
        if poster and poster.strip():
            element.set("poster", resolved(poster))
        if element.tag == "iframe" and every_lazy_value:
            continue
        for name in LAZY_ATTRIBUTES:
            # Only an address: a flag ("true"), a caption ("图/新华社") or a
            # list resolved became one, and the prepass took it for the picture.
            value = element.get(name) or ""
            address = value if every_lazy_value and value.strip() else one_address(value)
            if address is not None:
                element.set(name, resolved(address))
        for name in SRCSET_ATTRIBUTES:
            value = element.get(name)
            if value:
                element.set(
                    name,
                    ", ".join(
                        f"{resolved(url)} {descriptor}".strip()
                        for url, descriptor in srcset_candidates(value)
                    ),
                )
    return inner_html(root)


def _holds(content: str, address: str) -> bool:
    """Whether an attribute of ``content`` is ``address``, whole: a link to
    ``…/ep2.mp3.html`` or ``…/ep2.mp3?dl=1`` is no player of ``…/ep2.mp3``."""
    return any(
        re.search(rf"""=\s*["']?{re.escape(written)}(?:["'\s>]|$)""", content)
        for written in {address, html.escape(address)}
        if written in content
    )


_HREF = re.compile(r"""\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>]+))""", re.IGNORECASE)
# A player's tag, and its source.
_PLAYER_TAG = re.compile(r"<(?:audio|video|source)\b[^<>]*>", re.IGNORECASE)
_SRC = re.compile(r"""\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>]+))""", re.IGNORECASE)


def _linked(content: str, base: str | None, attribute: re.Pattern[str] = _HREF) -> set[str]:
    """The addresses ``content`` links to (or plays: `_SRC`), resolved and
    percent-decoded: a document linked as `/f/%E5%B9%B4%E6%8A%A5.pdf` is the
    enclosure's `…/年报.pdf`, a video played from `//cdn/a.mp4` its `https://cdn/a.mp4`."""
    found = set()
    for match in attribute.finditer(content):
        href = html.unescape(next(v for v in match.groups() if v is not None)).strip()
        address = absolute_url(href, base) if href else None
        if address:
            found.add(unquote(address.partition("#")[0]))  # (`#page=2`: the same file)
    return found


def _players_kept(content: str, base: str | None) -> set[str]:
    """The addresses the players of ``content`` play once it is sanitized."""
    from feedmill.sanitize.clean import sanitize_html  # (it reads this package)

    clean = sanitize_html(content, base_url=base).html
    return _linked(" ".join(tag.group() for tag in _PLAYER_TAG.finditer(clean)), base, _SRC)


def _players(
    media: tuple[tuple[str, str], ...], content: str, base: str | None, poster: str | None
) -> str:
    """A player for each audio or video enclosure the text does not already hold
    (a podcast's episode was left out of its post: only the show notes); the
    item's picture is the first video's poster.  A link for each document
    (an announcement's PDF was in no post), named by its file."""
    players = []
    linked: set[str] | None = None  # the documents the text links, read once
    played: set[str] | None = None  # … and what it plays, relative or not
    for url, kind in media:
        address = absolute_url(strip_controls(url), base)
        if address is None or (kind == "file" and _holds(content, address)):
            continue
        if linked is None:
            linked = _linked(content, base)
        held = unquote(address.partition("#")[0])
        if held in linked:
            continue  # (a link to the file: its download, or the document)
        if kind != "file":
            if played is None:
                # What the post plays: the players the sanitizer keeps — not an
                # <embed>, a frame, one hidden, commented out or a script's text.
                played = _players_kept(content, base) if _SRC.search(content) else set()
            if held in played:
                continue
        if urls.scheme(address) not in ("http", "https"):
            continue  # the sanitizer would drop its src: an empty player
        source = html.escape(address, quote=True)
        if kind == "file":
            name = unquote(urls.path(address).rstrip("/").rpartition("/")[2]) or address
            players.append(f'<p>📎 <a href="{source}">{html.escape(name)}</a></p>')
            continue
        shown = ""
        if kind == "video" and poster:
            shown = f' poster="{html.escape(poster, quote=True)}"'
            poster = None
        players.append(f'<p><{kind} controls preload="none"{shown} src="{source}"></{kind}></p>')
    return "".join(players)


def _with_picture(content: str, image: str | None) -> str:
    """``content`` with the item's own picture (an image enclosure, its
    media:content, a JSON Feed image) above it when it shows none: a picture
    item's post showed no picture (most themes never draw ``headimg``) —
    also where its text held only a tracking pixel, a share icon or an
    emoticon.  Not a picture no browser can load (``https://[x/1.jpg``): the
    sanitizer drops its address, and the post led with an empty picture."""
    if (
        not image
        or urls.scheme(image) not in ("http", "https")
        or not urls.usable(image.strip())
        or shows_a_picture(content)
    ):
        return content
    return f'<p><img src="{html.escape(image, quote=True)}"></p>{content}'


# Dates outside these bounds are a feed's placeholder (Go's zero time, the Unix
# epoch) or a typo (2999): the item counts as undated, and its post takes the
# day it was first seen. Before the first feeds, or past tomorrow.
EARLIEST_DATE = datetime(1995, 1, 1, tzinfo=UTC)
LATEST_AHEAD = timedelta(days=1)


def _plausible(moment: datetime | None, now: datetime | None) -> datetime | None:
    if moment is None or moment < EARLIEST_DATE:
        return None
    if now is not None and moment > now + LATEST_AHEAD:
        return None
    return moment


# A <noscript> and what it holds, which the sanitizer drops (after the
# prepass has given a lazy picture its fallback's); one left open, to the end.
_NOSCRIPT = re.compile(r"<noscript\b.*?(?:</noscript\s*>|\Z)", re.IGNORECASE | re.DOTALL)


def _shows_a_picture_sanitized(html: str) -> bool:
    """Whether ``html`` shows a picture once sanitized: its lazy pictures
    given theirs by the sanitizer's own prepass (a stand-in's `<noscript>`
    fallback, a `data-src`), every `<noscript>` then dropped."""
    return shows_a_picture(_NOSCRIPT.sub("", prepass(html, base=None, iframe_hosts=frozenset())))


def _as_read_before(text: str, is_html: bool) -> str:
    """``text`` (an item's content) as releases before made it HTML: by
    `LOOKED_LIKE_HTML`, and never HTML escaped twice."""
    if text and (not is_html or not LOOKED_LIKE_HTML.search(text)):
        if is_html and "&" in text:
            text = html.unescape(text)
        text = plain_to_html(text)
    return text


def _without_cdata(text: str | None) -> str | None:
    """``text`` without the CDATA section marks wrapping it whole, as a
    template writes them around a field that has its own
    (`<title><![CDATA[<![CDATA[标题]]>]]></title>`) or escapes them
    (`&lt;![CDATA[标题]]&gt;`): the parser leaves the inner pair as text."""
    while text is not None:
        inner = text.strip()
        if not (inner.startswith("<![CDATA[") and inner.endswith("]]>")):
            return text
        inner = inner[len("<![CDATA[") : -len("]]>")]
        if "]]>" in inner:  # (two sections, not one wrapped)
            return text
        text = inner
    return text


def normalize_entry(
    raw: RawEntry, *, base_url: str | None, zone: tzinfo, now: datetime | None = None
) -> Entry:
    entry = _unwrapped(raw, base_url=base_url, zone=zone, now=now)
    if raw.read_before is not None and entry.key.startswith("sha256:"):
        # Keyed by its text as releases before read it, it is found by that.
        then = _unwrapped(raw.read_before, base_url=base_url, zone=zone, now=now)
        if then.key != entry.key:
            entry = replace(
                entry,
                earlier_key=then.key,
                earlier_media=media_in(then.content),
                earlier_content=then.content,
            )
    return entry


def _unwrapped(
    raw: RawEntry, *, base_url: str | None, zone: tzinfo, now: datetime | None = None
) -> Entry:
    title, content, summary = map(_without_cdata, (raw.title, raw.content, raw.summary))
    if title is raw.title and content is raw.content and summary is raw.summary:
        return _normalized(raw, base_url=base_url, zone=zone, now=now)
    unwrapped = replace(raw, title=title, content=content, summary=summary)
    entry = _normalized(unwrapped, base_url=base_url, zone=zone, now=now)
    if entry.key.startswith("sha256:"):
        # Keyed by its text: by the text as releases before read it.
        before = _normalized(raw, base_url=base_url, zone=zone, now=now)
        entry = replace(
            entry,
            key=before.key,
            earlier_key=before.earlier_key,
            earlier_media=before.earlier_media,
        )
    return entry


def _normalized(
    raw: RawEntry, *, base_url: str | None, zone: tzinfo, now: datetime | None
) -> Entry:
    link = absolute_url(strip_controls(raw.link) if raw.link else None, base_url)
    link = urls.with_plain_ampersands(link) if link else link
    # Without tracking parameters (``utm_source=…``, ``spm=…``): they name who
    # sent the reader, not the page, and a route that writes a new value on
    # every fetch made every item look edited (its post rewritten each pass)
    # or, its guid the link, new (posted again each pass).
    written = link
    link = (urls.without_tracking(link) or None) if link else link  # (None: "?utm_source=x")
    title = clean_title(raw.title) if raw.title_is_html else plain_title(raw.title)
    content = raw.content or raw.summary or ""
    is_html = raw.content_is_html if raw.content else raw.summary_is_html
    # A content that shows nothing (`<p></p>`, `<p>&nbsp;</p>`, an editor's
    # empty block) beside a description that shows the text: the text.
    empty_content = bool(
        raw.content
        and raw.summary
        and raw.content_is_html
        and not shows_anything(raw.content)
        and (shows_anything(raw.summary) if raw.summary_is_html else raw.summary.strip())
    )
    # A content that shows a picture and no text (a cover in content:encoded)
    # beside a description that shows the text: the post was the picture
    # alone, its text lost to it, to search and to rules.  Both, picture first.
    picture_beside_the_text = bool(
        not empty_content
        and raw.content
        and raw.summary
        and raw.content_is_html
        and not shows_text(strip_controls(raw.content))  # (see `shows_anything`)
        and (
            shows_text(strip_controls(raw.summary)) if raw.summary_is_html else raw.summary.strip()
        )
    )
    # The content as releases before read it, where this one reads it
    # otherwise: an item keyed by its text (no guid, no link) keeps its key.
    read_before = (
        _as_read_before(raw.content or "", is_html)
        if empty_content or picture_beside_the_text
        else None
    )
    if empty_content or picture_beside_the_text:
        content, is_html = raw.summary or "", raw.summary_is_html
    if content and (not is_html or not looks_like_html(content)):
        if is_html and read_before is None and LOOKED_LIKE_HTML.search(content):
            read_before = content  # (HTML to them: "<Web3>周报", "详情见<https://…>")
        escaped_twice = False
        if is_html and "&" in content:
            # HTML without a tag ("他说&ldquo;你好&rdquo;"): its entities are
            # characters, not text to escape once more — unless they make
            # HTML from end to end, which its feed escaped twice.
            content = html.unescape(content)
            escaped_twice = escaped_markup(content)
        if escaped_twice:
            read_before = read_before if read_before is not None else plain_to_html(content)
        else:
            content = plain_to_html(content)
    content = strip_controls(content)
    if picture_beside_the_text and not _shows_a_picture_sanitized(content):
        content = strip_controls(raw.content or "") + content
    # xml:base says what the content's relative links are relative to; else
    # the sanitizer resolves them against the item's link (or, without one,
    # against the document's URL, here).
    content_base = absolute_url(raw.content_base, base_url) if raw.content_base else None
    resolve_against: str | None = None
    if content_base and content_base != link:
        resolve_against = content_base
    elif link is None and base_url:
        resolve_against = base_url
    keyed = content
    if read_before is not None:  # (read as then, resolved as then: its markup as then)
        keyed = strip_controls(read_before)
    if resolve_against:
        # (The key's as releases before resolved it: every lazy value.)
        keyed = _absolute_links(keyed, resolve_against, every_lazy_value=True)
        content = _absolute_links(content, resolve_against)
    key = entry_key(raw, title, keyed)  # (before the players: keys stay as they were)
    earlier_key = _key_before_pictures(raw, title, keyed) if key.startswith("sha256:") else None
    if raw.guid_read_before and raw.guid and key == collapse_space(strip_controls(raw.guid)):
        earlier_key = collapse_space(strip_controls(raw.guid_read_before))
    earlier_media = None
    if earlier_key is not None and keyed != content:
        shown_then = media_in(keyed)
        earlier_media = shown_then if shown_then != media_in(content) else None
    if shows_nothing(title):
        # A title of a zero-width space is none: the item is named by its text,
        # not posted under a title no reader can see, or click in a list.
        title = ""
    content = with_article_shown(content)
    image = absolute_url(strip_controls(raw.image) if raw.image else None, link or base_url)
    if raw.media:
        content += _players(raw.media, content, link or base_url, image)
    content = _with_picture(content, image)
    author = clean_author(raw.author)
    categories = tuple(
        dict.fromkeys(c for c in (collapse_space(strip_controls(x)) for x in raw.categories) if c)
    )
    updated = _plausible(parse_date(raw.updated, zone), now)
    # Parsers disagree on whether dc:date is "published" or "updated"; the
    # entry's date is the first of the two either way.
    published = _plausible(parse_date(raw.published, zone), now) or updated
    return Entry(
        key=key,
        link=link,
        title=title,
        published=published,
        # Some parsers copy an RSS pubDate into "updated"; it adds nothing.
        updated=None if updated == published else updated,
        author=author,
        content=content,
        categories=categories,
        image=image,
        tracked_link=written if written != link else None,
        earlier_key=earlier_key,
        earlier_media=earlier_media,
    )


def dated_in_any_zone(
    parsed: ParsedFeed, *, feed_url: str, now: datetime | None = None
) -> frozenset[str]:
    """The keys of the items whose dates read the same in any zone (they
    name theirs, or there are none): read a day apart, those of dates that
    name none differ — and China's zone among them, those that say "CST"
    (read by the zone: China's or US Central).  What a feed's new time zone
    does not re-date."""
    first, *others = (
        {
            entry.key: (entry.published, entry.updated)
            for entry in normalize_document(
                parsed, feed_url=feed_url, zone=timezone(timedelta(hours=hours)), now=now
            ).entries
        }
        for hours in (14, 8, -12)
    )
    return frozenset(
        key for key, dates in first.items() if all(other.get(key) == dates for other in others)
    )


@dataclass(frozen=True, slots=True)
class Normalized:
    entries: list[Entry]
    warnings: tuple[str, ...] = ()
    title: str | None = None  # the feed's own, as stored (no control characters)
    link: str | None = None


def normalize_document(
    parsed: ParsedFeed, *, feed_url: str, zone: tzinfo, now: datetime | None = None
) -> Normalized:
    """Every item of ``parsed``, once.

    An item repeated whole is kept once.  Different items under one guid
    (feeds that give every item the site's address as its guid) are each
    kept, told apart by their link — or, when links do not tell them apart,
    by their text — and a warning says so: dropping all but the first would
    lose them without a word.
    """
    base = parsed.link if urls.scheme(parsed.link) in ("http", "https") else feed_url
    normalized: list[Entry] = []
    unreadable: Counter[str] = Counter()
    for raw in parsed.entries:
        try:
            normalized.append(normalize_entry(raw, base_url=base, zone=zone, now=now))
        except Exception as exc:
            # One item's surprise (markup no rule foresaw) is that item's: the
            # rest of the feed is posted, and status says what was left out.
            unreadable[type(exc).__name__] += 1
    groups: dict[str, list[Entry]] = {}
    for entry in normalized:
        groups.setdefault(entry.key, []).append(entry)
    # Per shared guid, once: whether links tell its different items apart.
    by_link: dict[str, bool] = {}
    shared = 0
    # Texts that only pictures, players or enclosures tell apart (a 每日一图
    # of one title and caption, a podcast's episodes): by those too.
    by_media: set[str] = set()
    keyless = 0
    for key, group in groups.items():
        if len(group) > 1:
            identities = {(e.link, e.title, keyed_text(e.content), _media(e)) for e in group}
            if len(identities) > 1:
                links = [link for link, _, _, _ in identities]
                by_link[key] = all(links) and len(set(links)) == len(links)
                texts = Counter((link, title, text) for link, title, text, _ in identities)
                if not by_link[key] and max(texts.values()) > 1:
                    by_media.add(key)
                if key.startswith("sha256:"):
                    keyless += len(group)
                else:
                    shared += len(group)
    seen: set[str] = set()
    entries = []
    for entry in normalized:
        if entry.key in by_link:
            link_key, text_key, media_key = told_apart_keys(entry)
            told_apart = media_key if entry.key in by_media else text_key
            entry = replace(entry, key=link_key if by_link[entry.key] else told_apart)
        if entry.key in seen:
            continue  # an item repeated whole
        seen.add(entry.key)
        entries.append(entry)
    warnings: tuple[str, ...] = ()
    if shared:
        warnings = (
            f"{shared} items share a guid with different items: told apart by link or text",
        )
    if keyless:
        warnings += (
            f"{keyless} items without guid or link share a title and text: told apart by"
            " their pictures or enclosures",
        )
    if unreadable:
        count = sum(unreadable.values())
        why = ", ".join(f"{name} ×{n}" if n > 1 else name for name, n in unreadable.items())
        warnings += (f"{count} item{'s' if count > 1 else ''} could not be read ({why}): left out",)
    title = strip_controls(parsed.title) if parsed.title is not None else None
    link = strip_controls(parsed.link) if parsed.link is not None else None
    return Normalized(entries, warnings, title, link)


def normalize_feed(
    parsed: ParsedFeed, *, feed_url: str, zone: tzinfo, now: datetime | None = None
) -> list[Entry]:
    return normalize_document(parsed, feed_url=feed_url, zone=zone, now=now).entries


def told_apart_keys(entry: Entry) -> tuple[str, str, str]:
    """The keys ``entry`` has when other items share its guid: by link, by
    text, by text and what it shows or plays (`_media`).

    A document holding it alone gives it the bare guid; the store then looks
    these up (`store.entries.adopt_told_apart_keys`) so that it stays itself.
    """
    text = f"{entry.title}\n{keyed_text(entry.content)}"
    by_text = f"{entry.key} sha256:{hashlib.sha256(text.encode()).hexdigest()}"
    media = "\n".join((text, *_media(entry)))
    by_media = f"{entry.key} sha256:{hashlib.sha256(media.encode()).hexdigest()}"
    return (f"{entry.key} {entry.link}" if entry.link else by_text), by_text, by_media


# The address of a picture, a player or a source in an item's markup, its
# lazy one too (WeChat's data-src, a srcset's first candidate).
_MEDIA_SOURCE = re.compile(
    r"""\s(?:src|srcset|data-[\w-]*src(?:set)?|data-original|poster)\s*=\s*["']?([^"'\s>]+)""",
    re.IGNORECASE,
)


def media_in(content: str) -> tuple[str, ...]:
    """The addresses of the pictures and players ``content`` shows, in order,
    less what a cache-buster writes anew on every fetch (`?t=1765070000`)."""
    if "=" not in content:
        return ()
    return tuple(urls.without_volatile(found) for found in _MEDIA_SOURCE.findall(content))


def _media(entry: Entry) -> tuple[str, ...]:
    """What ``entry`` shows or plays besides its text: its pictures' and
    players' addresses (those of its enclosures too), in order."""
    found = media_in(entry.content)
    return tuple(dict.fromkeys([*found, *([entry.image] if entry.image else [])]))
