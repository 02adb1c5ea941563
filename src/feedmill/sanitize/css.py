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
# A picture in a value: url(…), image-set(…) (-webkit- too), image(…).
_PICTURE = re.compile(r"(?:-[a-z]+-)?(?:url|image-set|image)\s*\(", re.IGNORECASE)
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
        "color", "background", "background-color", "background-image", "opacity",
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
        # A flex box's direction and alignment: 秀米's and 135editor's stacked,
        # centred sections stood side by side with display:flex alone.
        "flex", "flex-direction", "flex-flow", "flex-wrap", "flex-grow", "flex-shrink",
        "flex-basis", "justify-content", "align-items", "align-self", "align-content",
        "gap", "row-gap", "column-gap",
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
    if _PICTURE.search(value):
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


_BACKGROUNDS = frozenset({"background", "background-color", "background-image"})
# What a background may hold besides a picture and a colour: where it sits,
# how it repeats, its size and box — a layer of only these paints nothing.
_NO_PAINT_WORDS = frozenset(
    {"no-repeat", "repeat", "repeat-x", "repeat-y", "space", "round", "center", "top",
     "bottom", "left", "right", "cover", "contain", "auto", "fixed", "scroll", "local",
     "border-box", "padding-box", "content-box", "text", "none", "transparent", "initial",
     "inherit", "unset", "revert", "/", "!important"}
)  # fmt: skip
_LENGTH = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[a-z]+|%)?", re.IGNORECASE)
_WORDS = re.compile(r"[^\s,/]+|/")


def _paints(value: str) -> bool:
    """Whether a background value holds anything but where and how it sits
    (a colour, a gradient): word by word, not a pattern that backtracks."""
    if _NO_COLOUR.search(value):  # (transparent, rgba(0,0,0,0))
        return False
    return any(
        word.lower() not in _NO_PAINT_WORDS and not _LENGTH.fullmatch(word)
        for word in _WORDS.findall(value)
    )


_LIGHT = 0.6  # relative luminance: over it, text shows poorly on a white page
# CSS's named colours of that luminance.
_NAMED_LIGHT = frozenset(
    {"white", "snow", "ivory", "ghostwhite", "whitesmoke", "floralwhite", "mintcream", "azure",
     "aliceblue", "seashell", "honeydew", "linen", "oldlace", "lightyellow", "lemonchiffon",
     "cornsilk", "beige", "lavenderblush", "gainsboro", "lightgray", "lightgrey",
     "yellow", "aqua", "cyan", "lightcyan", "lavender", "lightgoldenrodyellow", "papayawhip",
     "blanchedalmond", "mistyrose", "antiquewhite", "bisque", "moccasin", "peachpuff", "wheat",
     "palegoldenrod", "khaki", "paleturquoise", "powderblue", "lightblue", "palegreen",
     "lightgreen", "aquamarine", "pink", "gold",
     "greenyellow", "chartreuse", "lime", "springgreen", "navajowhite", "lawngreen",
     "mediumspringgreen"}
)  # fmt: skip
_HEX = re.compile(r"#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})", re.IGNORECASE)
_RGB = re.compile(r"rgba?\(\s*([\d.]+)(%?)[\s,]+([\d.]+)(%?)[\s,]+([\d.]+)(%?)", re.IGNORECASE)
_HSL = re.compile(r"hsla?\(\s*([\d.]+)(?:deg)?[\s,]+([\d.]+)%[\s,]+([\d.]+)%", re.IGNORECASE)


def _without_pictures(value: str) -> str:
    """A ``background`` value less its pictures, and less the layers that were
    a picture alone ("url(a.png), #fff" is "#fff")."""
    layers: list[str] = []
    layer: list[str] = []
    at = 0
    depth, quote = 0, ""
    while at < len(value):
        found = _PICTURE.match(value, at) if not depth and not quote else None
        if found:  # skipped to its closing parenthesis
            inner, at = 1, found.end()
            while at < len(value) and inner:
                char = value[at]
                if quote:
                    quote = "" if char == quote else quote
                elif char in "\"'":
                    quote = char
                else:
                    inner += {"(": 1, ")": -1}.get(char, 0)
                at += 1
            continue
        char = value[at]
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "," and not depth:  # a layer ends
            layers.append("".join(layer))
            layer = []
            at += 1
            continue
        layer.append(char)
        at += 1
    layers.append("".join(layer))
    return ", ".join(" ".join(kept.split()) for kept in layers if kept.strip())


def _light(colour: str) -> bool:
    """Whether a text colour reads poorly on the theme's white page (white, #f0f0f0)."""
    colour = colour.replace("!important", "").strip().lower()
    if colour in _NAMED_LIGHT:
        return True
    if hexed := _HEX.fullmatch(colour):
        digits = hexed.group(1)
        if len(digits) <= 4:
            digits = "".join(d * 2 for d in digits)
        channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    elif rgb := _RGB.match(colour):
        numbers = rgb.groups()
        channels = [
            min(float(numbers[i]) / (100 if numbers[i + 1] else 255), 1.0) for i in (0, 2, 4)
        ]
    elif hsl := _HSL.match(colour):
        import colorsys

        hue, saturation, lightness = (float(n) for n in hsl.groups())
        channels = list(
            colorsys.hls_to_rgb(
                hue % 360 / 360, min(lightness, 100) / 100, min(saturation, 100) / 100
            )
        )
    else:
        return False
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2] > _LIGHT


@lru_cache(maxsize=4096)  # short values only (see safe_style): bounded memory
def _safe_style(value: str) -> str | None:
    if _OBSCURE.search(value) or _BAD.search(value):
        return None
    kept: list[tuple[str, str]] = []  # (name, declaration as written)
    dropped = False
    lost_picture = False  # a background's picture went
    for declaration in value.split(";"):
        name, colon, rest = declaration.partition(":")
        name = name.strip().lower()
        if not name and not rest.strip():
            continue  # "a:b;;" or a trailing ";"
        if colon and _allowed(name, rest):
            kept.append((name, declaration.strip()))  # as written: nothing to decode twice
            continue
        dropped = True
        if colon and name in ("background", "background-image") and _PICTURE.search(rest):
            lost_picture = True
            # The rest of a shorthand stays: its colour is what the text was
            # written against, where the picture is not shown.
            rest = _without_pictures(rest)
            if _paints(rest) and _allowed(name, rest):
                kept.append((name, f"{name}: {rest}"))
    if not dropped:
        return value if kept else None
    if lost_picture and not any(
        n in _BACKGROUNDS and _paints(d.partition(":")[2]) for n, d in kept
    ):
        # White text on a picture that is gone is white on the white page:
        # it takes the page's colour (a colour that reads on white stays).
        kept = [(n, d) for n, d in kept if n != "color" or not _light(d.partition(":")[2])]
    return ";".join(d for _, d in kept) or None
