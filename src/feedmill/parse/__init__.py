"""Parse stage: a fetched document (bytes) to a ``ParsedFeed``.

    bytes ─▶ decode (encoding.py) ─▶ what is it? (sniff.py)
          ─▶ strip DTDs (safety.py) ─▶ fast path (fast.py) ─┬▶ ParsedFeed
                                     └▶ robust path (robust.py) ┘

The fast path (fastfeedparser) takes well-formed documents — nearly every
real feed — and reads them about forty times faster than feedparser.  The
robust path (feedparser) takes the rest: ill-formed XML (lxml's recovery
loses items and text that feedparser's loose parser keeps), documents the
fast path rejects or finds no items in, and documents with dates that carry
no zone, whose text the fast path would silently read as UTC.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import re
import xml.parsers.expat
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, Literal

from feedmill.models import ParsedFeed, RawEntry
from feedmill.parse import fast, jsonfeed, robust
from feedmill.parse.encoding import Decoded, as_utf8_xml, decode
from feedmill.parse.safety import fix_entities, make_safe, nested_cdata_closed
from feedmill.parse.sniff import FEED_ROOTS, binary_kind, describe, feed_start, kind, root_name

__all__ = ["ParseError", "Prepared", "parse_document", "prepare"]


class ParseError(Exception):
    """The document is not a feed we can read; the message says what it is."""


# A date element's text, with any prefix (dc:, a10:, atom:, dcterms:).  The
# names are those fastfeedparser dates an item by (whatever their case: an
# item's <PubDate> or <lastBuildDate>, read as UTC there, was 8 hours off),
# their casings listed, not matched case-blind: this runs over every
# document, and a case-blind pattern doubled its cost.
# (Factored by first letter, and failing at once on "</", "<!": this runs
# over every document, and the listed casings had doubled its cost.)
_DATE_TAG = re.compile(
    r"<(?=[A-Za-z])(?:[A-Za-z][A-Za-z0-9]{0,9}:)?"
    r"(?:[Pp](?:ub[Dd]ate|ublished)|PUB(?:DATE|LISHED)|[Dd]ate|DATE|[Uu]pdated|UPDATED"
    r"|[Ii]ssued|[Mm]odified|created|(?P<built>[Ll]ast[Bb]uild[Dd]ate|LASTBUILDDATE))"
    r"\b[^<>]{0,200}>"
)
# How far after its tag a date element's text is looked for: a date is short,
# and a pattern that read on (a run of 100,000 spaces, no closing tag) tried
# every way to split the run, for minutes.
_DATE_SPAN = 400


def _element_dates(text: str, *, one_item: bool = False) -> Iterator[str]:
    """The text of each date element (CDATA or not, at most 80 characters
    once stripped) that its closing tag follows — a lastBuildDate an item's
    only (the channel's dates no item, and sent ordinary feeds to the slow
    parser); ``one_item``: ``text`` is an item's."""
    items_start: int | None = 0 if one_item else None
    for tag in _DATE_TAG.finditer(text):
        if tag.group("built"):
            if items_start is None:
                found = _ITEM.search(text)
                items_start = found.start() if found else len(text)
            if tag.start() < items_start:
                continue
        body = text[tag.end() : tag.end() + _DATE_SPAN].lstrip()
        if body.startswith("<![CDATA["):
            body = body[9:]
        stops = [i for i in (body.find("<"), body.find("]")) if i >= 0]
        if not stops:
            continue
        value, after = body[: min(stops)].strip(), body[min(stops) :]
        if after.startswith("]]>"):
            after = after[3:]
        if 1 <= len(value) <= 80 and after.lstrip().startswith("</"):
            yield value


# Dates the fast path reads right (checked against normalize.dates): an RFC
# 822 date (its weekday and seconds optional) whose zone is "Z", "+0800",
# GMT/UTC or a US name; an ISO 8601 date (or one with slashes) with an offset,
# "Z", UTC or GMT ("2022-09-20 16:01:00 UTC", Ruby's).  Anything else —
# "+08:00" or "+08" after an RFC 822 date, "GMT+0800", "CST" (China or US
# Central?), "(China Standard Time)", "+0000 UTC" — it misreads or drops; and
# a date it cannot read at all ("2022年09月20日 16:01:00 +0800") it takes
# from the item's guid where that reads as one ("3": the 3rd of this month).
_FAST_READS_ZONE = re.compile(
    r"^(?:[A-Za-z]{2,9}\.?,?\s*)?\d{1,2}[\s-]+[A-Za-z]{3,9}\.?[\s-]+\d{2,4}\s+"
    r"\d{1,2}:\d\d(?::\d\d(?:[.,]\d+)?)?\s*(?:Z|UT|UTC|GMT|[+-]\d{4}|[ECMP]DT|[EMP]ST|[A-IK-Y])\s*$"
    r"|^\d{4}([-/])\d{1,2}\1\d{1,2}[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?"
    r"\s*(?:Z|UTC?|GMT|[+-]\d\d(?::?\d\d)?)\s*$",
    re.IGNORECASE,
)
_ITEM = re.compile(r"<(?:\w+:)?(?:item|entry)[\s>]")
_TITLE = re.compile(r"<(?:\w+:)?title[\s>]", re.IGNORECASE)
# Constructs the fast path reads differently from feedparser (checked on the
# feedparser corpus, tests/test_parser_agreement.py).  Each check is a plain
# substring test or a case-sensitive pattern with a literal start: a 200 KB
# feed is scanned in well under a millisecond.  A tag's attributes are read as
# [^<>]*, never [^>]*: from each of 10,000 "<link " with no ">" after, that
# read to the end of the document (20 s for 117 KB).
_INLINE_XHTML = re.compile(r"""type=["'](?:xhtml|application/xhtml\+xml)["']""")
_MODE = re.compile(r"""mode=["'](?:base64|xml|escaped)["']""")
# (Not <media:content type="image/jpeg">: a picture beside the item, which
# RSSHub writes for every item with one.)
_BINARY_CONTENT = re.compile(
    r"""<(?!media:)(?:\w+:)?(?:content|summary|title)\b[^<>]*\btype=["'](?:application|image|audio|video)/"""
)
_RARE_BODY = re.compile(r"<(?:\w+:)?(?:body|fullitem)[\s/>]")
# An item's text holding elements, not escaped HTML: fastfeedparser keeps only
# the text before the first child ("据报道，<b>央行</b>…" became "据报道，").
# Whatever the element's attributes (RSS `type="html"`, Atom's content), and
# after text; not a CDATA section, an element's end or a self-closed element.
# (fastfeedparser reads an element's text up to its first child: a title
# "合并 <b>重磅</b> 交易额50亿" was "合并".)
# (After a comment or CDATA section too: "<description><!-- wp:paragraph
# --><p>…", "<![CDATA[前言]]><p>正文": read to its first child, text lost.)
# (As releases before read it: a document it misses was the fast path's.)
_NAKED_MARKUP_BEFORE = re.compile(
    r"<(?:title|description|content:encoded|summary|content)(?:\s[^<>]*)?(?<!/)>[^<]*<(?![!/])"
)
_NAKED_MARKUP = re.compile(
    r"<(?:title|description|content:encoded|summary|content)(?:\s[^<>]*)?(?<!/)>"
    r"(?:[^<]++|<!--(?:[^-]++|-(?!->))*+-->|<!\[CDATA\[(?:[^\]]++|\](?!\]>))*+\]\]>)*+<(?![!/])"
)
# An Atom <summary> is plain text unless its type says HTML; the fast path
# reads every summary as HTML ("a &lt;script&gt; tag" would lose its words).
_ATOM_PLAIN_SUMMARY = re.compile(
    r"""<summary(?:>|\s(?![^<>]*\btype=["'](?:text/)?html["'])[^<>]*>)"""
)


# Atom content that is no text of the entry's: empty, or out of line (src=).
_NO_INLINE_CONTENT = re.compile(r"<content\b(?:[^<>]*\bsrc=[^<>]*>|[^<>]*/>|[^<>]*>\s*</content>)")


def _atom_plain_summaries(text: str) -> bool:
    """Atom entries whose text is a plain summary (an entry without content
    of its own: none, an empty one, or one elsewhere)."""
    return (
        "/2005/Atom" in text
        and _ATOM_PLAIN_SUMMARY.search(text) is not None
        and (
            text.count("<content") < text.count("<entry")
            or _NO_INLINE_CONTENT.search(text) is not None
        )
    )


def _empty_content_beside_a_plain_summary(parsed: ParsedFeed, text: str) -> bool:
    """An Atom entry whose content shows nothing and whose summary may be
    plain text: the summary is its text (see `normalize_entry`), and only
    the robust path says of which type (the fast path's is HTML)."""
    from feedmill.normalize.text import shows_anything

    # (The entries first: most have no summary beside their content, and the
    # pattern reads the whole document.)
    return (
        any(
            e.content and e.summary and e.content_is_html and not shows_anything(e.content)
            for e in parsed.entries
        )
        and "/2005/Atom" in text
        and _ATOM_PLAIN_SUMMARY.search(text) is not None
    )


# Atom <content> of type text (no type: text; not one elsewhere, src=): the
# fast path read it as HTML ("用 &lt;script&gt; 加载" lost its code and what
# followed).
_ATOM_PLAIN_CONTENT = re.compile(
    r"""<content(?:>|\s(?![^<>]*\b(?:type=["'](?:text/)?html["']|src=))[^<>]*(?<!/)>)"""
)


def _in_atom(word: str, pattern: re.Pattern[str]) -> Callable[[str], bool]:
    """A check that ``pattern`` is found in an Atom document (``word``, a
    substring it needs, tried before the pattern)."""

    def check(text: str) -> bool:
        return _is_atom(text) and word in text and bool(pattern.search(text))

    return check


def _is_atom(text: str) -> bool:
    """Whether the document's root is Atom's <feed>: found where it stands,
    near the start (a search for "<feed" read all of an RSS document)."""
    root = _ROOT.search(text)
    while root is not None and text.rfind("<!--", 0, root.start()) > text.rfind(
        "-->", 0, root.start()
    ):  # (in a comment before the root: "<!-- an <rss> example -->")
        end = text.find("-->", root.start())
        root = _ROOT.search(text, end) if end >= 0 else None
    return (
        root is not None
        and root.group() == "<feed"
        and _ATOM_ROOT.match(text, root.start()) is not None
    )


_atom_plain_content = _in_atom("<content", _ATOM_PLAIN_CONTENT)


_ROOT = re.compile(r"<(?:rss|feed|(?:\w+:)?RDF)\b")
_ATOM_ENCLOSURE = re.compile(r"""<link\b[^<>]*\brel=["']enclosure["']""")


# (Not an RSS item's <atom:link rel="enclosure"> beside its own <enclosure>:
# the fast path's reading, tests/data/parse/rss-item-atom-links.xml.)
_atom_enclosures = _in_atom("enclosure", _ATOM_ENCLOSURE)


# A comment beside an element's text or CDATA (not one between elements),
# read with each CDATA section as a letter (`_without_cdata`).
_COMMENT_IN_TEXT = re.compile(r"[^>\s]\s*<!--|-->\s*[^<\s]")


def _comments_inside(text: str) -> bool:
    if "<!--" not in text:
        return False
    root = _ROOT.search(text)
    if root is None or "<!--" not in text[root.end() :]:
        return False
    return _COMMENT_IN_TEXT.search(_without_cdata(text[root.end() :])) is not None


_SPACED_GUID = re.compile(r"<guid\b[^<>]*>\s+https?://")


# An <atom:link> of no rel, or rel="alternate": a page.
_ATOM_PAGE_LINK = re.compile(
    r"""<atom:link\b(?:(?!\brel\s*=)[^<>])*+(?:\brel\s*=\s*["']alternate["'][^<>]*+)?>"""
)


def _items_own_atom_links(text: str) -> bool:
    first = text.find("<item")
    return first >= 0 and _ATOM_PAGE_LINK.search(text, first) is not None


def _without_cdata(text: str) -> str:
    """``text`` with each CDATA section as "C": a comment in one is text (an
    article's own "<!-- more -->"), and one beside one is beside text."""
    pieces, at = [], 0
    while (start := text.find("<![CDATA[", at)) >= 0:
        end = text.find("]]>", start + 9)
        pieces.append(text[at:start] + "C")
        if end < 0:  # (unclosed: CDATA to the end)
            return "".join(pieces)
        at = end + 3
    pieces.append(text[at:])
    return "".join(pieces)


# An Atom title of type text (no type: text) holding what reads as markup or
# an entity once the XML is read ("&lt;b&gt;", "&amp;amp;", a CDATA section
# with "<" or "&"): characters, which only the robust path can tell from HTML.
# (Atom documents only: RSSHub's RSS names the Atom namespace too.)
_ATOM_ROOT = re.compile(r"<feed\b[^<>]*/2005/Atom")
_ATOM_TEXT_TITLE_MARKUP = re.compile(
    r"""<title(?:\s+type=["']text["'])?\s*>"""
    r"(?:[^<]*&(?:lt;|amp;(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z]\w*);)|\s*<!\[CDATA\[[^\]]*[<&])"
)


_atom_text_titles_with_markup = _in_atom("<feed", _ATOM_TEXT_TITLE_MARKUP)


_EMPTY_DESCRIPTION = re.compile(
    r"<description(?:\s[^<>]*)?(?:/>|>\s*(?:<!\[CDATA\[\s*\]\]>\s*)?</description>)"
)


def _empty_beside_itunes_summary(text: str) -> bool:
    return "<itunes:summary" in text and _EMPTY_DESCRIPTION.search(text) is not None


# An element of another namespace named as one of the item's own, before it:
# fastfeedparser keeps the first of each name whatever its namespace — an
# <atom:link rel="related"> (no text) took the place of the <link> after it,
# the item keyed by its text, a new post at each edit; a <media:title> or
# <itunes:title> that of the <title>.  (Not the item's own prefix: an Atom
# document written <atom:entry><atom:title>.)
_OTHER_NAMESPACES = re.compile(r":(?:link|title|guid)[\s/>]")  # (one scan: ~40 µs a feed)
_NAMED_ELEMENT = re.compile(r"<(?:(\w+):)?(link|title|guid)[\s/>]")
# (An item's opening tag and its prefix; _ITEM_TAG, below, finds closing ones too.)
_ITEM_OPENING = re.compile(r"<(?:(\w+):)?(?:item|entry)[\s>]")


def _namespaced_before_own(text: str) -> bool:
    first = _ITEM_OPENING.search(text)
    if first is None or _OTHER_NAMESPACES.search(text, first.start()) is None:
        return False  # (RSSHub's <atom:link rel="self"> is the channel's)
    items = list(_ITEM_OPENING.finditer(text, first.start()))
    starts = [item.start() for item in items]
    # One pass: each name's first element in an item, its own or another's.
    current, prefix, seen, foreign = -1, None, set[str](), set[str]()
    for found in _NAMED_ELEMENT.finditer(text, first.start()):
        index = bisect.bisect_right(starts, found.start()) - 1
        if index != current:
            current, prefix, seen, foreign = index, items[index].group(1), set(), set()
        other, name = found.groups()
        if name in seen:
            continue
        if other is None or other == prefix:
            if name in foreign:
                return True  # (where an item has none of its own, both read the same)
            seen.add(name)
        elif not (other == "dc" and name == "title"):  # (read as the title by both)
            foreign.add(name)
    return False


# An item's own <media:thumbnail> beside a <media:content> that is no picture
# (a video and its picture): fastfeedparser reads an item's thumbnails only
# where it has no media:content, and the post's headimg was the placeholder.
# (Not one inside the media:content: it reads that one; and where a
# media:content is a picture, that one is the headimg.)
_MEDIA_PICTURE = re.compile(r"""\b(?:medium=["']image["']|type=["']image/)""")


def _thumbnail_beside_content(text: str) -> bool:
    if "<media:thumbnail" not in text or "<media:content" not in text:
        return False
    return any(_item_thumbnail_beside_content(item) for item in _ITEM.split(text)[1:])


def _item_thumbnail_beside_content(item: str) -> bool:
    if "<media:thumbnail" not in item or "<media:content" not in item:
        return False
    outside: list[str] = []
    at, contents, closings = 0, 0, True
    while (start := item.find("<media:content", at)) >= 0:
        outside.append(item[at:start])
        close = item.find(">", start)
        if close < 0:
            return False
        at = close + 1
        if item[start + 14 : start + 15] not in (" ", "\t", "\n", "\r", "/", ">"):
            continue  # (<media:contents>: another element)
        contents += 1
        if _MEDIA_PICTURE.search(item, start, close):
            return False
        if item[close - 1] != "/" and closings:
            end = item.find("</media:content", close)
            if end < 0:
                closings = False  # (none after this one: none looked for again)
            else:
                at = end + 15
    outside.append(item[at:])
    return contents > 0 and any("<media:thumbnail" in part for part in outside)


_NAKED_REASON = "unescaped markup in titles or descriptions"
# Reasons releases before had not: a document routed by one alone was read
# by the fast path then.
_NEW_REASONS = frozenset(
    {"an item's own atom:link", "guids of web addresses with spaces before them"}
)
_MISREADS: tuple[tuple[str, Callable[[str], object]], ...] = (
    ("Atom 0.3", lambda t: "purl.org/atom/ns#" in t),
    ("RSS 0.90", lambda t: "my.netscape.com/rdf/simple/0.9" in t),
    ("RSS 1.0 with content:encoded", lambda t: "content:encoded" in t and "<rdf:RDF" in t),
    ("xml:base", lambda t: "xml:base=" in t),  # relative links resolve against it
    ("inline XHTML content", lambda t: "xhtml" in t and _INLINE_XHTML.search(t)),
    ("base64 or escaped content", lambda t: "mode=" in t and _MODE.search(t)),
    ("binary content types", _BINARY_CONTENT.search),
    ("<body> or <fullitem> elements", _RARE_BODY.search),
    ("XHTML inside escaped HTML", lambda t: '<div xmlns="http://www.w3.org/1999/xhtml"' in t),
    (_NAKED_REASON, _NAKED_MARKUP.search),
    ("Atom summaries in plain text", _atom_plain_summaries),
    ("Atom content in plain text", _atom_plain_content),
    # fastfeedparser reads an element's text up to a comment in it (a title
    # "央行宣布降准<!-- hot -->0.5个百分点" was "央行宣布降准"); one before the
    # root element (feedparser's own test files open with one) or between
    # elements is harmless.
    ("comments inside an element's text", _comments_inside),
    # fastfeedparser reads no <media:group> (YouTube's thumbnail and
    # description) and no Atom <link rel="enclosure"> (a podcast's audio).
    ("media:group", lambda t: "<media:group" in t),
    # … nor an RSS item's own <atom:link rel="alternate"> beside a guid; and
    # it takes a guid that is a web address for no link where spaces are
    # around it (a template's "<guid>\n  https://…\n</guid>").
    ("an item's own atom:link", _items_own_atom_links),
    ("guids of web addresses with spaces before them", _SPACED_GUID.search),
    ("another namespace's link, title or guid before an item's own", _namespaced_before_own),
    ("an item's media:thumbnail beside its media:content", _thumbnail_beside_content),
    ("Atom enclosure links", _atom_enclosures),
    ("Atom titles of plain text that hold markup", _atom_text_titles_with_markup),
    # An empty <description> beside <itunes:summary>: fastfeedparser reads no text.
    ("an empty description beside itunes:summary", _empty_beside_itunes_summary),
    (
        "Atom entries without an id",  # the fast path would make one from a link
        lambda t: "/2005/Atom" in t and t.count("<entry") > t.count("<id>"),
    ),
)


def _dated_by_elements(parsed: ParsedFeed, text: str) -> ParsedFeed | None:
    """``parsed`` with only the dates the items' own elements give; None if
    its entries cannot be matched with the document's items.

    fastfeedparser dates an undated item by its guid when the guid reads as a
    date: "12" becomes the 12th of this month, "1663641000" epoch seconds.
    """
    if not any(
        entry.published and entry.guid and not entry.guid.startswith(("http://", "https://"))
        for entry in parsed.entries
    ):
        return parsed  # (fastfeedparser reads no date from a URL)
    items = _ITEM.split(text)[1:]
    if all(_has_date(item) for item in items):
        return parsed
    if len(items) != len(parsed.entries):
        return None
    entries = tuple(
        entry if _has_date(item) else dataclasses.replace(entry, published=None, updated=None)
        for entry, item in zip(parsed.entries, items, strict=True)
    )
    return dataclasses.replace(parsed, entries=entries)


_JSON_DATE = re.compile(r'"date_(?:published|modified)"\s*:\s*"([^"]{1,80})"')


def _json_items(parsed: ParsedFeed, text: str) -> list[Any] | None:
    """The JSON Feed's items, one for each of ``parsed``'s entries (None if
    they are not: the entries are then left as the parser read them)."""
    try:
        items = json.loads(text).get("items")
    except (ValueError, AttributeError):
        return None
    return items if isinstance(items, list) and len(items) == len(parsed.entries) else None


def _json_dates(parsed: ParsedFeed, text: str) -> ParsedFeed:
    """``parsed`` with the dates as the JSON Feed writes them, where one names
    no zone: fastfeedparser reads it as UTC, normalize in the feed's zone."""
    if all(_FAST_READS_ZONE.search(m.group(1)) for m in _JSON_DATE.finditer(text)):
        return parsed  # every date read right: no second pass over the JSON
    items = _json_items(parsed, text)
    if items is None:
        return parsed
    entries = []
    for entry, item in zip(parsed.entries, items, strict=True):
        if isinstance(item, dict):
            published, updated = item.get("date_published"), item.get("date_modified")
            entry = dataclasses.replace(
                entry,
                published=published if isinstance(published, str) else None,
                updated=updated if isinstance(updated, str) else None,
            )
        entries.append(entry)
    return dataclasses.replace(parsed, entries=tuple(entries))


def _json_texts(parsed: ParsedFeed, text: str) -> ParsedFeed:
    """``parsed`` with an item's content_text as its summary (plain text)
    where its content_html shows nothing ("<p></p>"): fastfeedparser keeps
    only the HTML of the two, and a summary stands in for an empty content
    (see `normalize_entry`)."""
    from feedmill.normalize.text import shows_anything

    def empty(entry: RawEntry) -> bool:
        return bool(entry.content and entry.content_is_html and not shows_anything(entry.content))

    if not any(map(empty, parsed.entries)):
        return parsed
    items = _json_items(parsed, text)
    if items is None:
        return parsed
    entries = []
    for entry, item in zip(parsed.entries, items, strict=True):
        if empty(entry) and isinstance(item, dict):
            plain = item.get("content_text")
            if isinstance(plain, str) and plain.strip():
                entry = dataclasses.replace(entry, summary=plain, summary_is_html=False)
        entries.append(entry)
    return dataclasses.replace(parsed, entries=tuple(entries))


def _conformed_json(text: str, content_type: str | None) -> tuple[str, int]:
    """``text`` in the JSON Feed spec's shape, and how many items it skipped."""
    try:
        return jsonfeed.conform(text)
    except jsonfeed.NotJsonFeed as exc:
        raise ParseError(str(exc)) from None
    except ValueError:
        raise ParseError(describe(text, content_type)) from None


def well_formed(document: bytes) -> str | None:
    """None if ``document`` is well-formed XML, else expat's complaint."""
    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(document, True)
    except xml.parsers.expat.ExpatError as exc:
        return str(exc)
    return None


def _has_date(item: str) -> bool:
    # (The item's own: the last one's text runs on past its end, to the
    # channel's lastBuildDate after the items.)
    end = _ITEM_END.search(item)
    own = item[: end.start()] if end else item
    return next(_element_dates(own, one_item=True), None) is not None


_ITEM_END = re.compile(r"</(?:\w+:)?(?:item|entry)\s*>")


def has_zoneless_dates(text: str) -> bool:
    """Whether a date names no zone, or one the fast path would misread."""
    return any(not _FAST_READS_ZONE.search(value) for value in _element_dates(text))


def fast_path_misreads(text: str) -> str | None:
    """Why the fast path would read this (well-formed) document wrong, if it would."""
    if has_zoneless_dates(text):
        return "dates without a time zone (or one written unusually)"
    for reason, check in _MISREADS:
        if check(text):
            return reason
    return None


@dataclasses.dataclass(frozen=True, slots=True)
class Prepared:
    """A document decoded, made safe and re-encoded as UTF-8 for the parsers."""

    decoded: Decoded
    kind: str  # see sniff.kind
    safe: str = ""  # the text without a DTD (XML only)
    document: bytes = b""  # ``safe`` as UTF-8 (XML only)
    problem: str | None = None  # why it is not well-formed XML, if it is not


def prepare(body: bytes, content_type: str | None = None) -> Prepared:
    decoded = decode(body, content_type)
    what = kind(decoded.text)
    if what != "xml":
        return Prepared(decoded, what)
    start = feed_start(decoded.text)
    if start:
        stray = " ".join(decoded.text[:start].split())
        note = f"ignored text before the feed: {stray[:80]!r}"
        notes = f"{decoded.note}; {note}" if decoded.note else note
        decoded = dataclasses.replace(decoded, text=decoded.text[start:], note=notes)
    elif decoded.text[:1].isspace() and decoded.text.lstrip(" \t\r\n").startswith("<?xml"):
        # Blank lines before the XML declaration (a PHP file's newline after
        # its "?>"): no XML may start so, and every fetch went to the slow
        # parser with a warning over whitespace.
        decoded = dataclasses.replace(decoded, text=decoded.text.lstrip(" \t\r\n"))
    safe = make_safe(decoded.text)
    document = as_utf8_xml(safe)
    problem = well_formed(document)
    if problem and "&" in safe:
        # HTML entities (&nbsp; …) without a DTD, or a bare & ("AT&T"): a
        # character reference, or &amp;, fixes it.
        fixed = fix_entities(safe)
        if fixed != safe:
            safe, document = fixed, as_utf8_xml(fixed)
            problem = well_formed(document)
    if problem and "<![CDATA[" in safe:
        mended = nested_cdata_closed(safe)
        if mended != safe and well_formed(as_utf8_xml(mended)) is None:
            safe, document, problem = mended, as_utf8_xml(mended), None
    return Prepared(decoded, what, safe, document, problem)


def parse_document(body: bytes, content_type: str | None = None) -> ParsedFeed:
    """Parse one document; raise ParseError with a readable reason."""
    if body[:2] == b"\x1f\x8b":  # gzip's magic: what is left once Content-Encoding was undone
        raise ParseError(
            "got a gzip-compressed body (compressed twice, or without its Content-Encoding)"
        )
    binary = binary_kind(body)
    if binary is not None:
        mime = (content_type or "").split(";")[0].strip().lower()
        raise ParseError(f"got {f'{mime}: ' if mime else ''}{binary}, not a feed")
    prepared = prepare(body, content_type)
    decoded, what = prepared.decoded, prepared.kind
    text = decoded.text
    if what in ("empty", "html", "text"):
        raise ParseError(describe(text, content_type))

    notes = (decoded.note,) if decoded.note else ()
    if what == "json":
        read = text  # the JSON the parser read: the document, or it in the spec's shape
        try:
            parsed = fast.parse(text.encode("utf-8"))
        except (ValueError, RecursionError):  # (RecursionError: objects a thousand deep)
            raise ParseError(describe(text, content_type)) from None
        except (AttributeError, TypeError, KeyError):  # a field of another type than the spec's
            read, skipped = _conformed_json(text, content_type)
            try:
                parsed = fast.parse(read.encode("utf-8"))
            except (ValueError, AttributeError, TypeError, KeyError) as exc:
                raise ParseError(f"a JSON Feed the parser cannot read ({exc})") from None
            if skipped:
                some = (
                    "1 item that is not a JSON object"
                    if skipped == 1
                    else f"{skipped} items that are not JSON objects"
                )
                notes = (*notes, f"skipped {some}")
        if not parsed.entries and '"version"' not in text[:4096]:
            raise ParseError(describe(text, content_type))
        parsed = _json_texts(_json_dates(parsed, read), read)
        return dataclasses.replace(parsed, encoding=decoded.encoding, warnings=notes)

    safe, document, problem = prepared.safe, prepared.document, prepared.problem
    why_robust = f"ill-formed XML ({problem})" if problem else fast_path_misreads(safe)
    if why_robust is None:
        try:
            parsed = fast.parse(document, safe)
        except ValueError as exc:
            why_robust = f"fast parser: {exc}"
        else:
            dated = _dated_by_elements(parsed, safe)
            if parsed.title is None and _TITLE.search(safe):
                why_robust = "fast parser found no feed title"
            elif dated is None:
                why_robust = "undated items the fast parser did not all find"
            elif _empty_content_beside_a_plain_summary(parsed, safe):
                why_robust = "an empty content beside an Atom summary of plain text"
            elif dated.entries or not _ITEM.search(safe):
                return dataclasses.replace(dated, encoding=decoded.encoding, warnings=notes)
            else:
                why_robust = "fast parser found no items"
    try:
        try:
            parsed = robust.parse(document, ill_formed=problem is not None)
        except robust.NotAFeed:
            raise
        except Exception as exc:  # the loose parser's own bugs
            # feedparser's loose parser crashed on a broken stretch (an end tag
            # cut in a category: KeyError 'tags'); the whole feed failed, every
            # pass.  Its items are read one by one, the one it crashes on left
            # out.  (Not libxml2's recovery: past its first error it drops
            # every "&amp;" and "&lt;", and cuts a long text short.)
            parsed = _item_by_item(safe, f"{why_robust}; {type(exc).__name__}")
    except robust.NotAFeed as exc:
        if root_name(safe) not in FEED_ROOTS:
            raise ParseError(describe(text, content_type)) from None
        raise ParseError(f"{exc} ({why_robust})") from None
    if problem or parsed.warnings:
        parsed = _without_broken_items(parsed, safe, problem)
    if why_robust == _NAKED_REASON and _fast_before(safe):
        parsed = _with_fast_readings(parsed, document, safe)
    return dataclasses.replace(
        parsed,
        encoding=decoded.encoding,
        warnings=notes + parsed.warnings,
        ill_formed=problem is not None,
    )


def _fast_before(text: str) -> bool:
    """Whether a document routed for its markup after a comment or CDATA
    section (`_NAKED_MARKUP`) took the fast path in releases before."""
    if _NAKED_MARKUP_BEFORE.search(text):
        return False
    # (The reasons before it were none: it was the first found.)
    later = [reason for reason, _ in _MISREADS].index(_NAKED_REASON) + 1
    return not any(check(text) for reason, check in _MISREADS[later:] if reason not in _NEW_REASONS)


def _with_fast_readings(parsed: ParsedFeed, document: bytes, text: str) -> ParsedFeed:
    """``parsed`` with each item of neither guid nor link given the fast
    path's reading of it (`RawEntry.read_before`): it is keyed by its text,
    which the fast path read to the comment or CDATA section, and the item
    stored so is found by it (posted again, else)."""
    if not any(entry.guid is None and entry.link is None for entry in parsed.entries):
        return parsed
    try:
        fast_read = fast.parse(document, text).entries
    except ValueError:
        return parsed
    if len(fast_read) != len(parsed.entries):
        return parsed
    entries = tuple(
        dataclasses.replace(entry, read_before=then)
        if entry.guid is None and entry.link is None and then.guid is None and then.link is None
        else entry
        for entry, then in zip(parsed.entries, fast_read, strict=True)
    )
    return dataclasses.replace(parsed, entries=entries)


# An item's start or end tag — not one inside a CDATA section or a comment,
# which are skipped whole (read once: an unclosed one runs to the end).
_ITEM_TAG_OUTSIDE = re.compile(
    r"<!\[CDATA\[.*?(?:\]\]>|\Z)|<!--.*?(?:-->|\Z)|<(/?)(?:[\w.-]+:)?(?:item|entry)(?=[\s/>])",
    re.DOTALL,
)
_START_TAG = re.compile(r"<(?![?!/])[^<>]*>")
_TAG_NAME = re.compile(r"<([^\s/<>]+)")
_COMMENT_OR_CDATA = re.compile(r"<!--.*?(?:-->|\Z)|<!\[CDATA\[.*?(?:\]\]>|\Z)", re.DOTALL)
_CHANNEL_START = re.compile(r"<(?:[\w.-]+:)?channel(?=[\s>])[^<>]*>")
_CHANNEL_END = re.compile(r"</(?:[\w.-]+:)?channel\s*>")


def _item_by_item(safe: str, why: str) -> ParsedFeed:
    """A document feedparser's loose parser crashes on, item by item: each in
    its document's frame (its root's and channel's start tags, and their end
    tags), those it crashes on left out and said; the feed's own title and
    link read once, from the document without its items."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for tag in _ITEM_TAG_OUTSIDE.finditer(safe):
        if tag.group(1) is None:
            continue  # a CDATA section or a comment
        if not tag.group(1):
            if start is not None:  # (the item before never closed)
                spans.append((start, tag.start()))
            start = tag.start()
        elif start is not None:
            end = safe.find(">", tag.end())
            spans.append((start, end + 1 if end >= 0 else len(safe)))
            start = None
    if start is not None:
        spans.append((start, len(safe)))
    if not spans:
        raise ParseError(f"a document no parser reads ({why})")
    head, tail = safe[: spans[0][0]], safe[spans[-1][1] :]
    # (A tag in a comment or a CDATA section — "write </channel>" in the
    # channel's description — is none.)
    bare = _COMMENT_OR_CDATA.sub("", head)
    root = _START_TAG.search(bare)
    channel = _CHANNEL_START.search(bare)
    frame = root.group(0) if root else ""
    # (RSS 1.0 closes its channel before its items: they are the root's.)
    if (
        channel is not None
        and channel.start() != (root.start() if root else -1)
        and not _CHANNEL_END.search(bare, channel.end())
    ):
        frame += channel.group(0)
    # Closed by the end tags of what it opened, not by what follows the last
    # item (a channel's long description may come after its items).
    closing = "".join(f"</{name}>" for name in reversed(_TAG_NAME.findall(frame)))
    try:
        feed = robust.parse(as_utf8_xml(head + tail), ill_formed=True)
    except Exception:  # (its own metadata broken too: the items may still be read)
        feed = ParsedFeed(title=None, link=None, entries=(), parser="robust")
    entries: list[RawEntry] = []
    left_out = 0
    for begin, end in spans:
        try:
            read = robust.parse(as_utf8_xml(frame + safe[begin:end] + closing), ill_formed=True)
        except Exception:  # (the item it crashes on, alone)
            left_out += 1
            continue
        entries.extend(read.entries)
    if not entries and left_out:
        raise ParseError(f"a document no parser reads ({why})")
    items = "1 item" if left_out == 1 else f"{left_out} items"
    said = f"{why}: read item by item, {items} the parser cannot read left out"
    return dataclasses.replace(feed, entries=tuple(entries), warnings=(said,))


# The tags an item starts and ends with (Atom's entry; any prefix), and
# those that end a channel or a document (the feedparser corpus has "</rss").
_ITEM_TAG = re.compile(r"<(/?)(?:[\w.-]+:)?(?:item|entry)(?=[\s/>])")
_END_TAG = re.compile(r"</(?:[\w.-]+:)?(?:rss|feed|rdf|channel)\b", re.IGNORECASE)


def _cut_after_items(safe: str) -> Literal["inside an item", "after an item"] | None:
    """Where the document stops, if it stops among its items: inside the last
    item it opens (never closed, nor the channel or the document after it),
    or after one it closes, its channel and root never closed (items after it
    may have been cut off).  None for a whole document with junk after its
    end, or one whose items are never closed but its channel is."""
    last = deque(_ITEM_TAG.finditer(safe), maxlen=1)  # the last only, in one scan
    if not last or _END_TAG.search(safe, last[0].end()):
        return None
    return "after an item" if last[0].group(1) else "inside an item"


def _nothing_in(raw: RawEntry) -> bool:
    texts = (raw.guid, raw.link, raw.title, raw.published, raw.updated, raw.author)
    return not (
        any(t and t.strip() for t in texts)
        or (raw.content and raw.content.strip())
        or (raw.summary and raw.summary.strip())
        or raw.categories
        or raw.image
        or raw.media
    )


def _without_broken_items(parsed: ParsedFeed, safe: str, problem: str | None) -> ParsedFeed:
    """An ill-formed document without the items its parser's recovery made
    of what came: the one it stops inside (the connection dropped, a file
    read while still being written), whose half or empty body would replace
    the stored item's, and any made of nothing (``<item><ti``) — each would
    otherwise be posted as a page that no later fetch replaces.  The whole
    document, fetched again, brings them.  Nothing but such items: a failure
    (retried), not an empty pass."""
    entries, notes = parsed.entries, []
    # What came is not all of the document: its validators are not kept.
    cut = _cut_after_items(safe) if problem and entries else None
    if cut == "inside an item":
        entries = entries[:-1]
        notes.append(
            "the document ends inside an item (cut short?): that item is left for the next fetch"
        )
    kept = tuple(raw for raw in entries if not _nothing_in(raw))
    if len(kept) < len(entries):
        skipped = len(entries) - len(kept)
        notes.append(f"{skipped} empty items skipped (the document is ill-formed: cut short?)")
    if not notes:  # (cut after an item: its items are whole, nothing to say of them)
        return dataclasses.replace(parsed, incomplete=True) if cut else parsed
    if not kept:
        reason = problem or parsed.warnings[0]
        raise ParseError(f"ill-formed XML ({reason}): no whole item in it — cut short?")
    return dataclasses.replace(
        parsed, entries=kept, warnings=(*parsed.warnings, *notes), incomplete=cut is not None
    )
