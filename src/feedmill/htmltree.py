"""HTML fragments as lxml trees — whole, or not at all.

libxml2's HTML parser stops at nesting depth 256 and drops the rest without
an error: a sloppy CMS's unclosed ``<b>`` tags, 300 deep, cut a post short
after its lazy images were fixed, and hid its end from search.  With
``huge_tree`` the limit is 2,048; deeper markup raises ValueError, which
every caller already handles as markup lxml cannot read (and keeps it as
it is).
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any

MAX_DEPTH = 2048  # libxml2's, with huge_tree
_LOCAL = threading.local()  # a parser per thread: parsers are not thread-safe

# libxml2's parsers (and nh3's) take time square in the attributes of one
# element: one tag of 100,000 attributes in an item (1.9 MB) held its pass
# for a minute, a 15 MiB feed's for most of an hour.  No element of an
# article has more than a few dozen.
MAX_ATTRIBUTES = 256
# An attribute as HTML's tokenizer reads one: after white space or a "/"
# (or right after a quoted value), a name, and a value quoted either way or
# running to white space, "<" or ">".  Possessive, and read from a tag's
# start as far as its 257th attribute only: linear in the markup, whatever
# hides in quoted values (2.5 µs an article).
_ATTRIBUTE = r"""(?:[\s/]++|(?<=["']))[^\s/<>="']++(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|[^\s<>]++))?+"""
_CROWDED_TAG = re.compile(
    r"""(<[^\s/<>!?="'][^\s/<>="']*+(?:"""
    + _ATTRIBUTE
    + r"){"
    + str(MAX_ATTRIBUTES)
    + r"})(?="
    + _ATTRIBUTE
    + r")"
)


def bounded_attributes(html: str) -> str:
    """``html`` with no tag of more than MAX_ATTRIBUTES attributes: the tag is
    closed after them, the rest left as text — nothing removed (a script's
    text that reads like a crowded tag keeps its "</script>").  HTML only:
    in XML the ">" would open an element that closed itself.  (A tag the
    pattern reads otherwise than a browser — a name with a quote or "=" in
    it — is left as it is.)"""
    return _CROWDED_TAG.sub(r"\1>", html)


# A whole page's end tags in an item's HTML (a CMS's full document, a pixel
# or "阅读原文" link after it): libxml2 drops what follows them; browsers,
# and the sanitizer, read on in the body.
_PAGE_END = re.compile(r"</(?:body|html)\s*>", re.IGNORECASE)


# A numeric character reference (the ";" is optional to HTML), all its
# digits: "&#0000000000011;" is one.
_REFERENCE = re.compile(r"&#(?:[xX]0*([0-9a-fA-F]+)|0*([0-9]+));?")
# What an lxml tree cannot hold: C0 controls but tab, LF and CR; surrogates;
# U+FFFE and U+FFFF.
_UNCARRIED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_compatible(markup: str) -> str:
    """``markup`` without the characters an lxml tree cannot hold, written
    as they are or as references (``&#11;``, which the parser reads into the
    tree): lxml refuses any edit that joins such a text to another (a hidden
    element dropped beside it), and one item of a feed failed the whole feed.
    Browsers show none of them; what they show for NUL, a surrogate or a
    code point past Unicode (U+FFFD) is kept."""
    if "&#" in markup:
        markup = _REFERENCE.sub(_carried, markup)
    if _UNCARRIED.search(markup):
        markup = _UNCARRIED.sub("", markup)
    return markup


def _carried(reference: re.Match[str]) -> str:
    digits = reference[1] or reference[2] or "0"
    if len(digits) > 8:  # (past Unicode, however many: no int of a megabyte)
        return "\ufffd"
    code = int(digits, 16) if reference[1] else int(digits)
    if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        return "\ufffd"
    if (code < 0x20 and code not in (0x9, 0xA, 0xD)) or code in (0xFFFE, 0xFFFF):
        return ""
    return reference[0]


def html_parser() -> Any:
    """This thread's lxml HTML parser, reading past depth 256 (see above)."""
    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        import lxml.html

        parser = _LOCAL.parser = lxml.html.HTMLParser(huge_tree=True)
    return parser


def as_a_browser_reads(markup: str) -> str:
    """``markup`` as an HTML5 parser (a browser's, nh3's) builds it, written
    out again — every element and attribute kept — for libxml2 to read: its
    older rules read `</br>` as nothing (a browser: a line break), a stray
    `</p>` as nothing (an empty paragraph), `<h2>…</h3>` as a heading running
    on into the text; what the prepass wrote back was its reading.  (Bounded
    first, as the sanitizer bounds it: html5ever's time and output grow with
    the square of an element's attributes, of the depth, of formatting left open.)"""
    if "<" not in markup:
        return markup
    from feedmill.sanitize.bounds import (  # (it imports this module)
        MAX_REOPENED_BYTES,
        bounded,
        unformatted,
    )

    markup = bounded(markup)
    names = _ALWAYS | {name.translate(_ASCII_LOWER) for name in _TAG_NAME.findall(markup)}
    read = str(_as_written(frozenset(names)).clean(markup))
    if len(read) > 2 * len(markup) + MAX_REOPENED_BYTES:
        # (Markup the bounds misread, reopened past them all the same: read
        # without formatting, which nothing reopens, as the sanitizer does.)
        read = str(_as_written(frozenset(names)).clean(unformatted(markup)))
    return read


# As HTML's tokenizer names a tag (an end tag's too: `</br>` is a <br>).
_TAG_NAME = re.compile(r"</?([A-Za-z][^\s/>]*)")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# What the HTML5 parser makes of other tags: `<image>` is an <img>, a row a
# table holds is in a <tbody>.
_ALWAYS = frozenset({"img", "tbody"})


@functools.lru_cache(maxsize=64)
def _as_written(names: frozenset[str]) -> Any:
    import nh3

    from feedmill.sanitize.policy import URL_SCHEMES

    return nh3.Cleaner(
        tags=set(names),
        clean_content_tags=set(),
        attributes={},
        generic_attribute_prefixes={""},  # (every attribute)
        strip_comments=False,
        link_rel=None,
        # (Those the sanitizer keeps, and a lazy picture's stand-ins.)
        url_schemes={*URL_SCHEMES, "data", "about"},
    )


def browser_fragment(markup: str) -> Any:
    """`fragment` of markup from a feed, read as a browser reads it
    (`as_a_browser_reads`)."""
    return fragment(as_a_browser_reads(markup))


def fragment(markup: str) -> Any:
    """``markup`` parsed inside a ``<div>`` (lxml.html's fragment_fromstring),
    text after a ``</body>`` or ``</html>`` too."""
    import lxml.html

    parser = html_parser()
    markup = xml_compatible(markup)
    if "</" in markup:
        markup = _PAGE_END.sub("", markup)
    root = lxml.html.fragment_fromstring(
        bounded_attributes(markup), create_parent="div", parser=parser
    )
    # Deeper than MAX_DEPTH takes more tags than that: most markup is spared
    # reading the parser's log (its log holds this parse's errors only).
    if markup.count("<") > MAX_DEPTH and any(
        error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log
    ):
        raise ValueError("HTML nested deeper than the parser reads")
    return root
