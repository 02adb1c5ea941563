"""HTML fragments as lxml trees — whole, or not at all.

libxml2's HTML parser stops at nesting depth 256 and drops the rest without
an error: a sloppy CMS's unclosed ``<b>`` tags, 300 deep, cut a post short
after its lazy images were fixed, and hid its end from search.  With
``huge_tree`` the limit is 2,048; deeper markup raises ValueError, which
every caller already handles as markup lxml cannot read (and keeps it as
it is).
"""

from __future__ import annotations

import re
import threading
from itertools import islice
from typing import Any

MAX_DEPTH = 2048  # libxml2's, with huge_tree
_LOCAL = threading.local()  # a parser per thread: parsers are not thread-safe

# libxml2's parsers (and nh3's) take time square in the attributes of one
# element: one tag of 100,000 attributes in an item (1.9 MB) held its pass
# for a minute, a 15 MiB feed's for most of an hour.  No element of an
# article has more than a few dozen.
MAX_ATTRIBUTES = 256
# A tag of over a thousand characters outside its quoted values (a data: URI
# is one quoted value): checked at each tag's start, it stops at the tag's
# end — 3 µs an article, 0.2 ms a feed of 50.
_LONG_TAG = re.compile(r"""<[A-Za-z](?=(?:[^>"']|"[^"]*"|'[^']*'){1024})""")
_TAG = re.compile(r"""<([A-Za-z][^\s/>"']*)((?:[^>"']|"[^"]*"|'[^']*')*)""")
_ATTRIBUTE = re.compile(r"""\s*[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>=`]+))?""")


def bounded_attributes(markup: str) -> str:
    """``markup`` (HTML or XML) with no tag of more than MAX_ATTRIBUTES
    attributes: the first are kept, the rest dropped."""
    if _LONG_TAG.search(markup) is None:
        return markup

    def bounded(tag: re.Match[str]) -> str:
        kept = list(islice(_ATTRIBUTE.finditer(tag[2]), MAX_ATTRIBUTES + 1))
        if len(kept) <= MAX_ATTRIBUTES:
            return tag[0]
        return f"<{tag[1]}{tag[2][: kept[MAX_ATTRIBUTES - 1].end()]}"

    return _TAG.sub(bounded, markup)


def fragment(markup: str) -> Any:
    """``markup`` parsed inside a ``<div>`` (lxml.html's fragment_fromstring)."""
    import lxml.html

    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = _LOCAL.parser = lxml.html.HTMLParser(huge_tree=True)
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
