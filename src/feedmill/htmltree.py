"""HTML fragments as lxml trees — whole, or not at all.

libxml2's HTML parser stops at nesting depth 256 and drops the rest without
an error: a sloppy CMS's unclosed ``<b>`` tags, 300 deep, cut a post short
after its lazy images were fixed, and hid its end from search.  With
``huge_tree`` the limit is 2,048; deeper markup raises ValueError, which
every caller already handles as markup lxml cannot read (and keeps it as
it is).
"""

from __future__ import annotations

import threading
from typing import Any

MAX_DEPTH = 2048  # libxml2's, with huge_tree
_LOCAL = threading.local()  # a parser per thread: parsers are not thread-safe


def fragment(markup: str) -> Any:
    """``markup`` parsed inside a ``<div>`` (lxml.html's fragment_fromstring)."""
    import lxml.html

    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = _LOCAL.parser = lxml.html.HTMLParser(huge_tree=True)
    root = lxml.html.fragment_fromstring(markup, create_parent="div", parser=parser)
    # Deeper than MAX_DEPTH takes more tags than that: most markup is spared
    # reading the parser's log (its log holds this parse's errors only).
    if markup.count("<") > MAX_DEPTH and any(
        error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log
    ):
        raise ValueError("HTML nested deeper than the parser reads")
    return root
