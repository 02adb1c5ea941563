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

import dataclasses
import re
import xml.parsers.expat

from feedmill.models import ParsedFeed
from feedmill.parse import fast, robust
from feedmill.parse.encoding import as_utf8_xml, decode
from feedmill.parse.safety import fix_entities, make_safe
from feedmill.parse.sniff import FEED_ROOTS, describe, kind, root_name

__all__ = ["ParseError", "parse_document"]


class ParseError(Exception):
    """The document is not a feed we can read; the message says what it is."""


_ENTRY_DATE = re.compile(
    r"<(?:pubDate|dc:date|published|updated|issued|modified|created)>\s*"
    r"(?:<!\[CDATA\[)?\s*([^<\]]{1,80}?)\s*(?:\]\]>)?\s*</",
)
_HAS_ZONE = re.compile(
    r"\d:\d\d(?::\d\d(?:[.,]\d+)?)?\s*"
    r"(?:Z|[+-]\d\d(?::?\d\d)?|(?:UTC?|GMT|[ECMP][SD]T|[A-IK-Z])(?:\s*[+-]\d\d:?\d\d)?)\s*$",
    re.IGNORECASE,
)
_ITEM = re.compile(r"<(?:\w+:)?(?:item|entry)[\s>]")


def well_formed(document: bytes) -> str | None:
    """None if ``document`` is well-formed XML, else expat's complaint."""
    parser = xml.parsers.expat.ParserCreate()
    try:
        parser.Parse(document, True)
    except xml.parsers.expat.ExpatError as exc:
        return str(exc)
    return None


def has_zoneless_dates(text: str) -> bool:
    return any(not _HAS_ZONE.search(m.group(1)) for m in _ENTRY_DATE.finditer(text))


def parse_document(body: bytes, content_type: str | None = None) -> ParsedFeed:
    """Parse one document; raise ParseError with a readable reason."""
    decoded = decode(body, content_type)
    text = decoded.text
    what = kind(text)
    if what in ("empty", "html", "text"):
        raise ParseError(describe(text, content_type))

    notes = (decoded.note,) if decoded.note else ()
    if what == "json":
        try:
            parsed = fast.parse(text.encode("utf-8"))
        except ValueError:
            raise ParseError(describe(text, content_type)) from None
        if not parsed.entries and '"version"' not in text[:4096]:
            raise ParseError(describe(text, content_type))
        return dataclasses.replace(parsed, encoding=decoded.encoding, warnings=notes)

    safe = make_safe(text)
    document = as_utf8_xml(safe)
    problem = well_formed(document)
    if problem and "undefined entity" in problem:
        # HTML entities (&nbsp; …) without a DTD: character references fix it.
        safe = fix_entities(safe)
        document = as_utf8_xml(safe)
        problem = well_formed(document)
    why_robust = None
    if problem:
        why_robust = f"ill-formed XML ({problem})"
    elif has_zoneless_dates(safe):
        why_robust = "dates without a time zone"
    else:
        try:
            parsed = fast.parse(document, safe)
        except ValueError as exc:
            why_robust = f"fast parser: {exc}"
        else:
            if parsed.entries or not _ITEM.search(safe):
                return dataclasses.replace(parsed, encoding=decoded.encoding, warnings=notes)
            why_robust = "fast parser found no items"
    try:
        parsed = robust.parse(document)
    except robust.NotAFeed as exc:
        if root_name(safe) not in FEED_ROOTS:
            raise ParseError(describe(text, content_type)) from None
        raise ParseError(f"{exc} ({why_robust})") from None
    return dataclasses.replace(parsed, encoding=decoded.encoding, warnings=notes + parsed.warnings)
