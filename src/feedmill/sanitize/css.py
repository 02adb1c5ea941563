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
# Comments and escapes are read by a browser in ways a declaration split is
# not ("/*" inside a string, "\\5c 75rl(" decoded twice): a style with either
# goes whole.  Feeds' inline styles have neither.
_OBSCURE = re.compile(r"/\*|\\")
# A value of plain lengths and keywords: no minus, no calc(-…) or calc(x*-1).
_PLAIN = re.compile(r"^[\s\w.%!]*$")
_URL = re.compile(r"url\s*\(|image-set\s*\(|image\s*\(", re.IGNORECASE)
# A text size that overflows its box far enough (4000px at line-height 0)
# lays the item over the page: sizes are bounded.
_NEGATIVE = re.compile(r"(?<![\w-])-\s*\.?\d")
# A number as CSS writes it (1e4px is 10000px), then its unit.
# (Not digits inside a word: an unquoted family such as HYQiHei-65S.)
_SIZE = re.compile(r"(?<![\w-])(\d*\.?\d+(?:e[+-]?\d+)?)([a-z%]*)", re.IGNORECASE)
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")  # font family names: no sizes in them
_VIEWPORT = ("vw", "vh", "vi", "vb", "vmin", "vmax")
_LARGEST = {
    "px": 120, "pt": 90, "pc": 8, "em": 8, "rem": 8, "ex": 16, "ch": 16, "%": 800,
    "in": 1.5, "cm": 4, "mm": 40, "q": 160, "": 8,
    "lh": 8, "rlh": 8, "cap": 16, "ic": 16, "rex": 16, "rch": 16, "rcap": 16, "ric": 16,
    **{f"{kind}{unit}": 10 for unit in _VIEWPORT for kind in ("", "s", "l", "d")},
    **{f"cq{unit[1:]}": 10 for unit in _VIEWPORT},
}  # fmt: skip
# A unitless number in `font` may be its weight (font: 700 14px/1.5 …).
_WEIGHTS = frozenset(str(w) for w in range(100, 1000, 100))
LONGEST_STYLE = 2048  # characters: beyond, not an article's layout

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
# Allowed with plain lengths only (no negative value, no calc()).
_PLAIN_ONLY = frozenset(
    [*(f"margin{side}" for side in _SIDES), "text-indent", "letter-spacing", "word-spacing"]
)
# Allowed with modest sizes only.
_SIZED = frozenset(["font", "font-size", "line-height"])


def _modest(name: str, value: str) -> bool:
    if "(" in value or _NEGATIVE.search(value):
        return False
    for number, unit in _SIZE.findall(_QUOTED.sub("", value) if name == "font" else value):
        if name == "font" and not unit and number in _WEIGHTS:
            continue
        limit = _LARGEST.get(unit.lower())
        # A unit with no bound here (a new one) is not taken on trust.
        if limit is None or float(number) > limit:
            return False
    return True


# A see-through element the prepass left (a picture, or what a script fades
# in: a lazy image's transition) is shown: no script of its page runs in a post.
_SEE_THROUGH = re.compile(r"\s*(?:0+(?:\.0*)?|\.0+)%?\s*(?:!important\s*)?", re.IGNORECASE)
# Text in no colour: a gradient heading's (its `background-clip: text`, which
# drew the text, is dropped) or a watermark's — shown in the text's colour, as
# rules, search and dedupe read it.
# (An alpha of 0: the fourth of rgba()'s or hsla()'s numbers, or the one after
# "/"; not rgb(255, 0, 0), red.)
_ALPHA_ZERO = r"\s*(?:0+(?:\.0*)?|\.0+)%?\s*\)"
_NO_COLOUR = re.compile(
    r"^\s*(?:transparent"
    rf"|(?:rgb|hsl)a?\((?:[^,()/]*,){{3}}{_ALPHA_ZERO}"
    rf"|(?:rgb|hsl)a?\([^,()/]*/{_ALPHA_ZERO}"
    r"|#[0-9a-f]{3}0|#[0-9a-f]{6}00)\s*(?:!important\s*)?$",
    re.IGNORECASE,
)


def _allowed(name: str, value: str) -> bool:
    if _URL.search(value):
        return False
    if name == "opacity":
        return not _SEE_THROUGH.fullmatch(value)
    if name == "color":
        return not _NO_COLOUR.search(value)
    if name in _PLAIN_ONLY:
        return bool(_PLAIN.match(value))
    if name in _SIZED:
        return _modest(name, value)
    return name in ALLOWED


def safe_style(value: str) -> str | None:
    """``value`` if every declaration is allowed; else the allowed ones
    (``None`` when none is left)."""
    if len(value) > LONGEST_STYLE:
        return None
    return _safe_style(value)


@lru_cache(maxsize=4096)  # short values only (see safe_style): bounded memory
def _safe_style(value: str) -> str | None:
    if _OBSCURE.search(value) or _BAD.search(value):
        return None
    kept: list[str] = []
    dropped = False
    for declaration in value.split(";"):
        name, colon, rest = declaration.partition(":")
        name = name.strip().lower()
        if not name and not rest.strip():
            continue  # "a:b;;" or a trailing ";"
        if colon and _allowed(name, rest):
            kept.append(declaration.strip())  # as written: nothing to decode twice
        else:
            dropped = True
    if not dropped:
        return value if kept else None
    return ";".join(kept) or None
