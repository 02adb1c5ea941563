"""Inline ``style`` of feed HTML: what may style the article, nothing that
reaches outside it (pure).

Feeds style their text inline (stcn's blue stock links, centred images,
indented Chinese paragraphs, WeChat editors' boxes), so ``style`` is kept —
but only with properties that lay out the article itself.  ``position``,
``z-index``, offsets and transforms are dropped: with them one item could lay
a link over the whole blog page.  So are ``url()`` (a tracking request no
``referrerpolicy`` covers), negative margins, which pull an item over the
theme's header, and shadows and outlines, which paint outside the item's
box.  A style whose declarations are all allowed is kept byte for byte.
"""

from __future__ import annotations

import re
from functools import lru_cache

_BAD = re.compile(r"expression|javascript|vbscript|behaviou?r|-moz-binding|@import", re.IGNORECASE)
_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.DOTALL)
_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})\s?|(.))", re.DOTALL)
# A margin of plain lengths and keywords: no minus, no calc(-…) or calc(x*-1).
_PLAIN_MARGIN = re.compile(r"^[\s\w.%!]*$")
_URL = re.compile(r"url\s*\(|image-set\s*\(|image\s*\(", re.IGNORECASE)

_SIDES = ("", "-top", "-right", "-bottom", "-left")
_BORDER = (
    [f"border{side}" for side in _SIDES]
    + [f"border{side}-{part}" for side in _SIDES for part in ("color", "style", "width")]
    + [
        "border-collapse", "border-spacing", "border-radius", "border-top-left-radius",
        "border-top-right-radius", "border-bottom-left-radius", "border-bottom-right-radius",
    ]
)  # fmt: skip
ALLOWED = frozenset(
    [
        "color", "background", "background-color", "opacity",
        "font", "font-family", "font-size", "font-style", "font-weight", "font-variant",
        "line-height", "letter-spacing", "word-spacing", "white-space", "word-break",
        "word-wrap", "overflow-wrap", "text-align", "text-align-last", "text-indent",
        "text-transform", "text-decoration", "text-decoration-line",
        "text-decoration-color", "text-decoration-style", "text-underline-offset",
        "vertical-align", "direction", "unicode-bidi", "writing-mode",
        "list-style", "list-style-type", "list-style-position",
        "display", "visibility", "float", "clear", "box-sizing",
        "overflow", "overflow-x", "overflow-y",
        "width", "min-width", "max-width", "height", "min-height", "max-height",
        "caption-side", "table-layout", "empty-cells", "object-fit",
        *(f"padding{side}" for side in _SIDES),
        *_BORDER,
    ]
)  # fmt: skip
# Allowed, but not with a negative length.
_NO_NEGATIVE = frozenset(f"margin{side}" for side in _SIDES)


def _unescape(match: re.Match[str]) -> str:
    if match.group(1):
        code = int(match.group(1), 16)
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else ""
    return match.group(2)


def decoded(value: str) -> str:
    """The style as a browser reads it: comments gone, escapes resolved
    (so that "exp/**/ression" or "\\65 xpression" cannot hide a keyword)."""
    return _ESCAPE.sub(_unescape, _COMMENT.sub("", value))


def _allowed(name: str, value: str) -> bool:
    if _URL.search(value):
        return False
    if name in _NO_NEGATIVE:
        return bool(_PLAIN_MARGIN.match(value))
    return name in ALLOWED


@lru_cache(maxsize=4096)
def safe_style(value: str) -> str | None:
    """``value`` if every declaration is allowed; else the allowed ones
    (``None`` when none is left)."""
    plain = decoded(value)
    if _BAD.search(plain):
        return None
    kept: list[str] = []
    dropped = False
    for declaration in plain.split(";"):
        name, colon, rest = declaration.partition(":")
        name = name.strip().lower()
        if not name and not rest.strip():
            continue  # "a:b;;" or a trailing ";"
        if colon and _allowed(name, rest):
            kept.append(f"{name}:{rest.strip()}")
        else:
            dropped = True
    if not dropped:
        return value if kept else None
    return ";".join(kept) or None
