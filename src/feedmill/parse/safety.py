"""Make a feed document safe to hand to an XML parser.

A document type declaration is the only way XML can define entities, read
external files (XXE) or expand exponentially ("billion laughs").  Feeds have
no use for any of it, so the declaration is removed before parsing.  Named
HTML entities that an old RSS 0.91 DTD used to define (``&eacute;``,
``&nbsp;`` …) are turned into character references; any other undefined
entity is escaped and shows as the text it is — it is never expanded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.entities import html5

_DOCTYPE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
# Named references other than the five XML defines.
# A named entity XML does not define (group 1), or an & that starts no
# reference, with the word after it (group 2: "copy" of "&copy 2024").
_AMPERSAND = re.compile(
    r"&(?:(?!(?:amp|lt|gt|quot|apos);)([A-Za-z][A-Za-z0-9._-]*);"
    r"|(?![A-Za-z][A-Za-z0-9._-]*;|#[0-9]+;|#[xX][0-9a-fA-F]+;)([A-Za-z0-9]*))"
)


def _prolog_doctype(text: str) -> re.Match[str] | None:
    """A DOCTYPE in the prolog — before the root element, not in some CDATA."""
    i, n = 0, len(text)
    while i < n:
        start = text.find("<", i)
        if start == -1:
            return None
        if text.startswith("<?", start):
            end = text.find("?>", start)
            i = end + 2 if end != -1 else n
        elif text.startswith("<!--", start):
            end = text.find("-->", start)
            i = end + 3 if end != -1 else n
        else:
            return _DOCTYPE.match(text, start)
    return None


def strip_doctype(text: str) -> tuple[str, bool]:
    """Remove the document type declaration, internal subset included."""
    match = _prolog_doctype(text)
    if not match:
        return text, False
    start = match.start()
    i = match.end()
    depth = 0  # inside the [ … ] internal subset
    quote = ""
    n = len(text)
    while i < n:
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == ">" and depth <= 0:
            return text[:start] + text[i + 1 :], True
        i += 1
    # An unterminated declaration: drop everything up to the first element.
    root = text.find("<", match.end())
    return (text[:start] + text[root:] if root != -1 else text[:start]), True


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    value = html5.get(name + ";")
    if value is None:
        return "&amp;" + name + ";"
    return _char_refs(value)


def _char_refs(text: str) -> str:
    return "".join(f"&#{ord(c)};" for c in text)


def _reference(match: re.Match[str]) -> str:
    if match.group(1):
        return _entity(match)
    word = match.group(2) or ""
    # An entity HTML reads without its ";" ("&copy 2024", "Tom &amp Jerry"):
    # the character, as browsers (and the loose parser) read it.  Not before
    # "=": "?a=1&reg=2" is a URL's query.
    after = match.string[match.end() : match.end() + 1]
    before = match.string[match.start() - 1 : match.start()] if match.start() else ""
    # Nor after a letter or digit: "BTC&ETH" is two coins, not "BTCÐ".
    legacy = html5.get(word) if word and after != "=" and not before.isalnum() else None
    return "&amp;" + word if legacy is None else _char_refs(legacy)


def fix_entities(text: str) -> str:
    """Named HTML entities to character references, and a bare ``&`` (one
    that starts no reference: "S&P 500", "?w=640&h=480") to ``&amp;``,
    outside CDATA sections.  Left as they are, either makes the document
    ill-formed, and the loose parser then reads "S&P 500" as "S&P; 500"."""
    if "&" not in text:
        return text
    out: list[str] = []
    pos = 0
    for start, end in _cdata_sections(text):
        out.append(_AMPERSAND.sub(_reference, text[pos:start]))
        out.append(text[start:end])
        pos = end
    out.append(_AMPERSAND.sub(_reference, text[pos:]))
    return "".join(out)


_UNCLOSED_COUNTED = 8
_TAG_BEFORE = re.compile(r"<([^\s<>/!?]+)(?:\s[^<>]*)?>\s*")


def nested_cdata_closed(text: str) -> str:
    """``text`` with each CDATA section opened inside another (an inline
    script's `/* <![CDATA[ */ … /* ]]> */` guard in an item's HTML, which
    generators other than WordPress write as it is) closed where its own
    ``]]>`` is escaped, ``]]]]><![CDATA[>``: the first ``]]>`` ended the
    item's HTML there, and the rest of it came out as its markup, shown as
    text.  Sections are counted as they open and close; a ``]]>`` that its
    element's closing tag follows ends the element's section all the same
    (a ``<![CDATA[`` in it was text: WordPress's guard, its own ``]]>``
    escaped); one whose count never comes back ends at its first ``]]>``.
    Only a reading — the caller keeps it where it makes the document
    well-formed."""
    if text.count("<![CDATA[") < 2:
        return text
    out: list[str] = []
    done = pos = unclosed = 0
    while (start := text.find("<![CDATA[", pos)) != -1:
        first = text.find("]]>", start + 9)
        if first == -1:
            break
        pos = first + 3
        if text.find("<![CDATA[", start + 9, first) == -1:
            continue  # none opened inside: a section as written
        tag = _TAG_BEFORE.fullmatch(text, max(text.rfind("<", 0, start), 0), start)
        ends = re.compile(rf"\s*</{re.escape(tag[1])}\s*>") if tag else None
        inner = _inner_closes(text, start, ends)
        if inner is None:
            # Never closed as counted (a "<![CDATA[" in it was text, escaped
            # "]]]]><![CDATA[>" after it): its first "]]>" ends it.  Counted
            # to the document's end each time: a few such, then no more.
            unclosed += 1
            if unclosed > _UNCLOSED_COUNTED:
                break
            continue
        closes, pos = inner
        for closing in closes:
            out += [text[done:closing], "]]]]><![CDATA[>"]
            done = closing + 3
    out.append(text[done:])
    return "".join(out)


def _inner_closes(
    text: str, start: int, ends: re.Pattern[str] | None
) -> tuple[list[int], int] | None:
    """The ``]]>`` of the sections opened inside the one at ``start``, and
    where that one ends; None if the count never comes back to it."""
    depth, at = 1, start + 9
    closes: list[int] = []
    # (Each found once, looking on from the last: "<![CDATA[" × 50,000
    # before one "]]>" looked for it through the rest 50,000 times.)
    opening, closing = text.find("<![CDATA[", at), text.find("]]>", at)
    while closing != -1:
        if opening != -1 and opening < closing:
            depth, at = depth + 1, opening + 9
            opening = text.find("<![CDATA[", at)
            continue
        at = closing + 3
        if ends is not None and ends.match(text, at):
            depth = 1  # the element's end: what opened inside was text
        depth -= 1
        if not depth:
            return closes, at
        closes.append(closing)
        closing = text.find("]]>", at)
    return None


def _cdata_sections(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each CDATA section, ``]]>`` included.  Found with
    ``str.find``: a pattern tried every unclosed ``<![CDATA[`` against the
    rest of the document (20,000 of them, 180 KB: 11 s)."""
    pos = 0
    while (start := text.find("<![CDATA[", pos)) != -1:
        end = text.find("]]>", start + 9)
        if end == -1:
            return  # unclosed: no section (nor any after it)
        yield start, end + 3
        pos = end + 3


_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
# Could be a reference to a UTF-16 half (D800–DFFF, 55296–57343) or past the
# last character (10FFFF, 1114111): a scan in C that spares most documents
# the callback for every character reference.
_MAYBE_HALF = re.compile(
    r"&#(?:[xX]0*(?:[dD][89a-fA-F][0-9a-fA-F]{2}|[0-9a-fA-F]{6,})|0*(?:5[5-7][0-9]{3}|[0-9]{7,}));"
)


def fix_surrogate_refs(text: str) -> str:
    """Character references to UTF-16 halves (``&#55357;&#56832;``, how some
    generators write an emoji) as the character they make, a lone half — and
    a number past the last character (``&#x110000;``) — as U+FFFD: XML
    allows none, and the loose parser crashes on them — the whole feed
    failed for one emoji."""
    if "&#" not in text or not _MAYBE_HALF.search(text):
        return text
    found = False

    def halves(match: re.Match[str]) -> str:
        nonlocal found
        digits = (match[1] or match[2]).lstrip("0")
        if len(digits) > 8:
            found = True
            return "\ufffd"  # (past 8 digits no character: not made a number at all)
        code = int(digits or "0", 16 if match[1] else 10)
        if code > 0x10FFFF:
            found = True
            return "\ufffd"
        if 0xD800 <= code <= 0xDFFF:
            found = True
            return chr(code)
        return match[0]

    out = _CHAR_REF.sub(halves, text)
    if not found:
        return text
    # The halves, now characters, pair up; a lone one becomes U+FFFD.
    return out.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def make_safe(text: str) -> str:
    text, stripped = strip_doctype(text)
    text = fix_surrogate_refs(text)
    return fix_entities(text) if stripped else text
