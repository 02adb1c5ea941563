"""Fixes that need the document tree, before sanitizing.

* lazy-loaded images (``data-src``, ``data-original``, ``srcset`` without
  ``src``, Discuz's ``file``, the picture in the ``<noscript>`` after a
  stand-in …) and videos (``data-src``) get a real ``src``, so readers see
  them;
* what the publisher hid (the ``hidden`` attribute: SEO text, "related
  reading" blocks; a style that puts it off the page or clips it away: a
  "未经授权不得转载" planted inside a sentence against copying) is removed,
  as browsers never showed it — the sanitizer drops those styles, which
  would show it;
* iframes from hosts outside the allowlist are removed whole;
* a task list's checkboxes, which the sanitizer drops, become ☑ and ☐.

Most RSSHub bodies need neither, and then the HTML is passed on untouched —
byte for byte, which keeps the seed article identical.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from feedmill import urls
from feedmill.htmltree import browser_fragment

_LAZY = re.compile(
    r"data-(?:src|original|lazy-src|lazy|actualsrc|echo|url|srcset|lazyload|lazy-srcset"
    r"|ks-lazyload)\b|\szoomfile=|<img\b[^<>]*\sfile="
)
LAZY_ATTRIBUTES = (
    "data-src",
    "data-original-src",  # 简书 (its data-original-width is a size, not a picture)
    "data-original",
    "data-lazyload-src",
    "data-ks-lazyload",  # 淘宝, 天猫
    "data-lazy-src",
    "data-actualsrc",
    "data-lazy",
    "data-lazyload",
    "data-echo",
    "data-url",
    "zoomfile",  # Discuz forums: the full-size attachment, then the shown one
    "file",
)
SRCSET_ATTRIBUTES = ("srcset", "data-srcset", "data-lazy-srcset")
PLACEHOLDER = re.compile(
    r"(?:^data:|^about:|blank\.(?:gif|png)|lazy|placeholder|loading\.(?:gif|svg|png)|"
    r"grey\.gif|pixel\.(?:gif|png)|spacer\.gif|none\.gif|1x1)",
    re.IGNORECASE,
)
# An image file that stands in for the real one until a script swaps it.
PLACEHOLDER_FILE = re.compile(
    r"^data:|(?:^|/)(?:blank|spacer|placeholder|loading|lazy|grey|gray|pixel|transparent|t|s|1x1"
    r"|empty|default|none)\.(?:gif|png|svg|jpe?g|webp)(?:[?#]|$)",
    re.IGNORECASE,
)
# The hidden attribute on any element; "until-found" content is only folded.
# ([^<>]*: a scan stops at the next tag, so unclosed "<a<a<a…" stays linear.)
_HIDDEN = re.compile(r"<[a-z][^<>]*[\s/\"']hidden(?:[\s/>]|=(?![\"']?until-found))", re.IGNORECASE)


# A style that shows nothing of an element: off the page (a positioned
# left:-9999px, margin-left:-9999px) or clipped to nothing (a screen reader's
# text: an absolute element clipped to rect(0 0 0 0), or clip-path inset(50%)).
# A shift of less than 999 units may be layout, and shows; a text indent
# moves a first line only, a negative top margin over what stands above.
_FAR = r"\s*:\s*-(?:\d{4,}|999)(?:\.\d*)?(?:[a-z]+|%)?\s*(?:!important\s*)?(?:;|$)"
_OFF_PAGE = re.compile(rf"(?:^|;)\s*margin-left{_FAR}", re.IGNORECASE)
_POSITIONED_OFF_PAGE = re.compile(rf"(?:^|;)\s*(?:left|top|right){_FAR}", re.IGNORECASE)
_POSITIONED = re.compile(r"(?:^|;)\s*position\s*:\s*(?:absolute|fixed|relative)", re.IGNORECASE)
_ABSOLUTE = re.compile(r"(?:^|;)\s*position\s*:\s*(?:absolute|fixed)", re.IGNORECASE)
_NOTHING = r"(?:0|1px)"
_CLIPPED_AWAY = re.compile(
    rf"(?:^|;)\s*clip\s*:\s*rect\(\s*{_NOTHING}(?:\s*,?\s*{_NOTHING}){{3}}\s*\)", re.IGNORECASE
)
_INSET_AWAY = re.compile(r"(?:^|;)\s*clip-path\s*:\s*inset\(\s*(?:50|100)%\s*\)", re.IGNORECASE)
# Not displayed at all (the sanitizer keeps it: the post hides it too) …
_NOT_DISPLAYED = re.compile(
    r"(?:^|;)\s*display\s*:\s*none\s*(?:!important\s*)?(?:;|$)", re.IGNORECASE
)
# … or not visible, unless a child of it is made visible again.
_INVISIBLE = re.compile(
    r"(?:^|;)\s*visibility\s*:\s*(?:hidden|collapse)\s*(?:!important\s*)?(?:;|$)",
    re.IGNORECASE,
)
_VISIBLE_AGAIN = re.compile(r"visibility\s*:\s*visible", re.IGNORECASE)
# … or see-through: nothing of it shows, pictures neither (a tracking
# beacon's), and no child can change that — unless a script fades it in (a
# transition: a lazy picture's), which a post shows (the sanitizer drops
# opacity:0).
_SEE_THROUGH = re.compile(
    r"(?:^|;)\s*opacity\s*:\s*(?:0+(?:\.0*)?|\.0+)%?\s*(?:!important\s*)?(?:;|$)", re.IGNORECASE
)
_MOVES = re.compile(r"transition|animation", re.IGNORECASE)
# Text drawn at no size (an anti-copy watermark inside a sentence): hidden
# but for a child of a size of its own — an absolute one: 1.2em or 120% of
# nothing is nothing — and for the pictures it holds.  (Not text in no colour:
# the sanitizer drops `color: transparent`, with the gradient a heading drew
# its text in.)
_NO_SIZE = re.compile(
    r"(?:^|;)\s*font-size\s*:\s*(?:0+(?:\.0*)?|\.0+)(?:px|pt|r?em|%)?\s*(?:!important\s*)?(?:;|$)",
    re.IGNORECASE,
)
# (A declaration's value, then its sizes: linear, however long the value.)
_FONT_VALUE = re.compile(r"font(?:-size)?\s*:([^;]*)", re.IGNORECASE)
_ABSOLUTE_SIZE = re.compile(
    r"(?<![\d.])(\d+(?:\.\d+)?|\.\d+)(?:px|pt|pc|rem|cm|mm|in|q|vw|vh|vmin|vmax)\b"
    r"|\b(?:xx?x?-)?(?:small|large)\b|\bmedium\b",
    re.IGNORECASE,
)


def _sized(style: str) -> bool:
    """Whether a style gives a font a size of its own, not nothing: an
    absolute one (1.2em or 120% of nothing is nothing)."""
    return any(
        (number := match.group(1)) is None or float(number) > 0
        for value in _FONT_VALUE.findall(style)
        # (Not the line height of `font: 0/16px`.)
        for match in _ABSOLUTE_SIZE.finditer(value.partition("/")[0])
    )


_LAZY_SRCSETS = tuple(
    name for name in SRCSET_ATTRIBUTES if name != "srcset"
)  # (a plain one is no script's)
# A lazy-loading script's class for the pictures it shows: lazy, lazyload,
# lazy-img, lazyImg … (not "skip-lazy", "no-lazy").
_LAZY_CLASS = re.compile(r"(?:^|\s)(?:lazy|b-lazy)", re.IGNORECASE)


def _scripted(element: Any) -> bool:
    """Whether a picture waits for a script of its page to show it: a lazy
    one (its class, its real source in data-src or the like), or one that
    shows itself once loaded (``onload``)."""
    return (
        element.get("onload") is not None
        or bool(_LAZY_CLASS.search(element.get("class") or ""))
        or any(element.get(name) for name in (*LAZY_ATTRIBUTES, *_LAZY_SRCSETS))
    )


_SHOWN_WITHOUT_TEXT = ("img", "picture", "video", "audio", "iframe", "object", "embed", "svg")
# Each style attribute's value (the prepass's cheap test reads them one by one).
# (Of lower-cased markup: without IGNORECASE, a scan of Chinese text is
# twice as fast.)
_STYLE_VALUE = re.compile(r"""\sstyle\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*))""")


def unseen(style: str) -> bool:
    """Whether an inline style keeps its element's text from being seen."""
    # Each pattern only where its property is named: this runs on every
    # style of every article (stcn's stock links say "text-decoration: none").
    low = style.lower()
    return bool(
        ("display" in low and _NOT_DISPLAYED.search(style))
        or ("margin-left" in low and _OFF_PAGE.search(style))
        or (
            "clip" in low
            and (
                _INSET_AWAY.search(style)
                or (_CLIPPED_AWAY.search(style) and _ABSOLUTE.search(style))
            )
        )
        or ("position" in low and _POSITIONED.search(style) and _POSITIONED_OFF_PAGE.search(style))
    )


def _styles(lower: str) -> Iterator[str]:
    """The value of each style attribute of lower-cased markup (its comments
    left out: see `without_comments`)."""
    return (
        without_comments(next(filter(None, m.groups()), "")) for m in _STYLE_VALUE.finditer(lower)
    )


def without_comments(style: str) -> str:
    """An inline style without its comments, each a space: nothing, to a
    browser (``display:none/*x*/`` hides), but between two words (``no/**/ne``
    is not ``none``).  One left open runs to the end.  (By str.find: a
    pattern would scan the rest of the value from every ``/*``.)"""
    if "/*" not in style:
        return style
    parts = []
    done = 0
    while (start := style.find("/*", done)) != -1:
        parts.append(style[done:start])
        end = style.find("*/", start + 2)
        done = len(style) if end == -1 else end + 2
        parts.append(" ")
    parts.append(style[done:])
    return "".join(parts)


def _some_style_unseen(lower: str) -> bool:
    return any(unseen(style) for style in _styles(lower))


def may_hide(html: str) -> bool:
    """Whether some element of ``html`` may hide itself (`hidden` decides)."""
    return "<" in html and _hides_some(html.lower())


def _hides_some(lower: str) -> bool:
    """Whether lower-cased markup may hide an element: a `hidden` attribute,
    `visibility:hidden`, or an inline style that shows nothing of it
    (substring tests first)."""
    if "hidden" in lower and (
        _HIDDEN.search(lower) or any(_INVISIBLE.search(style) for style in _styles(lower))
    ):
        return True
    if "style" not in lower:
        return False
    if (
        "clip" in lower or ":-" in lower or ": -" in lower or "display" in lower
    ) and _some_style_unseen(lower):
        return True
    return ("font-size" in lower or "opacity" in lower) and any(
        _NO_SIZE.search(style) or _SEE_THROUGH.search(style) for style in _styles(lower)
    )


def hidden(element: Any) -> bool:
    """Whether an element shows nothing, by its `hidden` attribute or its
    inline style: the prepass drops it, and the text a post shows (search,
    rules, dedupe) has none of it."""
    mark = element.get("hidden")
    if mark is not None and mark.strip().lower() != "until-found":
        return True
    style = element.get("style")
    if style is None:
        return False
    style = without_comments(style)
    if unseen(style):
        return True
    # A transition fades it in, a lazy picture's script shows it: the post
    # shows it (the sanitizer drops opacity:0) — unless it is hidden besides.
    if _SEE_THROUGH.search(style) and not (
        _MOVES.search(style) or (element.tag in _SHOWN_WITHOUT_TEXT and _scripted(element))
    ):
        return True
    if _INVISIBLE.search(style) and not _any_within(
        element, lambda e: bool(_VISIBLE_AGAIN.search(e.get("style") or "")), past=False
    ):
        return True
    if element.tag in _SHOWN_WITHOUT_TEXT or not _NO_SIZE.search(style):
        return False
    return not _any_within(
        element,
        lambda e: (
            e.tag in _SHOWN_WITHOUT_TEXT
            # (Sized and holding something: an empty one shows nothing.)
            or ((bool(e.text and e.text.strip()) or len(e) > 0) and _sized(e.get("style") or ""))
            or (e.tag == "font" and e.get("size") is not None)
        ),
        past=True,
    )


# The most elements inside one that `_any_within` looks at: nested deep, each
# level looked through all of the rest (2,000 levels: seconds).
_MOST_WITHIN = 500


def _any_within(element: Any, found: Callable[[Any], bool], *, past: bool) -> bool:
    """Whether something inside ``element`` is ``found``; ``past``: the answer
    when there is too much inside to look through (what the rule did before
    it looked inside: hidden for `visibility`, shown for a size of 0)."""
    for count, inside in enumerate(element.iterdescendants()):
        if count >= _MOST_WITHIN:
            return past
        if found(inside):
            return True
    return False


# What a page's script undoes to show an element: its `hidden` attribute, or
# a style that does not display it, makes it invisible or see-through
# (WeChat's article: `visibility: hidden; opacity: 0`, faded in).
_SCRIPT_HIDES = re.compile(
    r"(?:^|(?<=;))\s*(?:display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)"
    r"|opacity\s*:\s*(?:0+(?:\.0*)?|\.0+)%?)\s*(?:!important\s*)?(?:;|$)",
    re.IGNORECASE,
)


# The most hidden elements shown on an article page: each one shown is
# measured through again (a page of 2,000 nested, each holding the article).
_MOST_SHOWN = 64


def show_hidden_article(root: Any) -> bool:
    """Show WeChat's hidden article (`show_wechat_article`) on an article
    page's ``root``, and any hidden element that holds half of its text, as
    the page's script does.  Whether one was shown."""
    shown = show_wechat_article(root)
    total = text_chars(root)
    if not total:
        return shown
    # The outermost hidden elements, each measured once (they hold no other);
    # inside one shown, its own.
    stack = list(root)[::-1]
    left = _MOST_SHOWN
    while stack and left:
        element = stack.pop()
        if not isinstance(element.tag, str):
            continue
        if not _hides_itself(element):
            stack.extend(list(element)[::-1])
        elif text_chars(element) * 2 >= total:
            _show(element)
            shown = True
            left -= 1
            stack.extend(list(element)[::-1])
    return shown


def _hides_itself(element: Any) -> bool:
    """Hidden as a script undoes: by its `hidden` attribute or its style."""
    return element.get("hidden") is not None or bool(
        _SCRIPT_HIDES.search(without_comments(element.get("style") or ""))
    )


def _show(element: Any) -> None:
    element.attrib.pop("hidden", None)
    style = element.get("style")
    if style:
        element.set("style", _SCRIPT_HIDES.sub("", without_comments(style)))


def text_chars(element: Any) -> int:
    """The characters of an element's text, spaces left out."""
    return len("".join(element.text_content().split()))


# WeChat's article, by its id and class: what its page's script shows.
_WECHAT_ARTICLE = ("js_content", "rich_media_content")


def with_article_shown(html: str) -> str:
    """``html`` with WeChat's article shown, if it came hidden (some
    WeChat-to-RSS tools pass on the page's ``<div id="js_content"
    style="visibility: hidden;">``, which its script shows): dropped as
    hidden, the post lost all of it, pictures and all; kept, it showed only a
    part made visible again.  Another hidden element stays hidden, however
    much of the text it holds (a "related reading" block)."""
    if "js_content" not in html and "rich_media_content" not in html:  # (on every item)
        return html
    from lxml import etree

    try:
        root = browser_fragment(html)
    except (etree.ParserError, ValueError):
        return html
    return inner_html(root) if show_wechat_article(root) else html


def show_wechat_article(root: Any) -> bool:
    """Show WeChat's article under ``root``, if it is hidden; whether it was."""
    shown = False
    for element in root.iter():
        if (
            isinstance(element.tag, str)
            and (
                element.get("id") == _WECHAT_ARTICLE[0]
                or _WECHAT_ARTICLE[1] in (element.get("class") or "").split()
            )
            and _hides_itself(element)
        ):
            _show(element)
            shown = True
    return shown


def without_hidden(html: str) -> str:
    """``html`` less the elements `hidden` says show nothing (as is, if none)."""
    if "<" not in html or not _hides_some(html.lower()):
        return html
    from lxml import etree

    try:
        root = browser_fragment(html)
    except (etree.ParserError, ValueError):
        return html
    gone = _drop_hidden(root)
    return inner_html(root) if gone else html


def _drop_hidden(root: Any) -> bool:
    """Drop the elements of ``root`` that `hidden` says show nothing (what is
    inside one is not looked at); whether any was."""
    dropped = False
    stack = list(root)[::-1]
    while stack:
        element = stack.pop()
        if isinstance(element.tag, str) and hidden(element):
            element.drop_tree()  # its tail is the next element's text: kept
            dropped = True
        else:
            stack.extend(list(element)[::-1])
    return dropped


def needs_prepass(html: str) -> bool:
    # Substring tests first: this runs on every article.
    if "<" not in html:
        return False
    lower = html.lower()
    if "srcset" in lower or "<iframe" in lower or ("<noscript" in lower and "<img" in lower):
        return True
    if "<input" in lower and "checkbox" in lower:
        return True
    if "<xmp" in lower or "<listing" in lower:
        return True
    if _hides_some(lower):
        return True
    return ("data-" in lower or "file=" in lower) and bool(_LAZY.search(lower))


_SPACE = " \t\n\r\f"


def srcset_candidates(srcset: str) -> list[tuple[str, str]]:
    """(URL, descriptor) pairs of a srcset, read as the HTML standard says: a URL
    runs to the next space, so a comma inside one (``resize,w_800``, Aliyun's
    and Cloudinary's image URLs) does not split it."""
    out: list[tuple[str, str]] = []
    pos, end = 0, len(srcset)
    while True:
        while pos < end and (srcset[pos] in _SPACE or srcset[pos] == ","):
            pos += 1
        if pos >= end:
            return out
        start = pos
        while pos < end and srcset[pos] not in _SPACE:
            pos += 1
        url = srcset[start:pos]
        descriptor = ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            depth, start = 0, pos  # a descriptor ends at a comma outside parentheses
            while pos < end:
                char = srcset[pos]
                if char == "(":
                    depth += 1
                elif char == ")" and depth:
                    depth -= 1
                elif char == "," and not depth:
                    break
                pos += 1
            descriptor = " ".join(srcset[start:pos].split())
        if url:
            out.append((url, descriptor))


def _size(descriptor: str) -> float:
    """A candidate's width ("800w"), or its density ("2x") as a large width."""
    for token in descriptor.split():
        number, unit = token[:-1], token[-1:].lower()
        try:
            value = float(number)
        except ValueError:
            continue
        if unit == "w":
            return value
        if unit == "x":
            return value * 1000
    return 0.0


def best_from_srcset(srcset: str) -> str | None:
    """The widest candidate of a srcset (the first, if none says its width)."""
    best: tuple[float, str] | None = None
    for url, descriptor in srcset_candidates(srcset):
        size = _size(descriptor)
        if best is None or size > best[0]:
            best = (size, url)
    return best[1] if best else None


def lazy_source(img: Any) -> str | None:
    """The picture a script would put in an ``<img>`` (an lxml element): its
    lazy attribute, else the widest ``srcset`` candidate; ``None`` when its
    ``src`` is already a real picture, or there is nothing better.  Data URIs
    in lazy attributes are stand-ins too.  A picture a lazy-loading script
    shows (its class: ``lazy``, ``lazyload`` …; not once it has run) takes
    the address in its lazy attribute whatever its ``src`` (a spinner of a
    name no pattern knows, ``loading-1.gif``, became the post's header
    picture)."""
    src = (img.get("src") or "").strip()
    if src and not PLACEHOLDER.search(src) and not PLACEHOLDER_FILE.search(src):
        classes = img.get("class") or ""
        if not _LAZY_CLASS.search(classes) or _SCRIPT_RAN.search(classes):
            return None
        lazy = _lazy_address(img, _NOT_SCRIPTS)
        return lazy if lazy and lazy != src else None
    lazy = _lazy_address(img, frozenset())
    if lazy is None:
        srcset = next((img.get(a) for a in SRCSET_ATTRIBUTES if img.get(a)), None)
        lazy = best_from_srcset(srcset) if srcset else None
    return lazy if lazy and lazy != src else None


# A lazy script's picture once the script has run: its class says so
# (lazysizes' `lazyloaded`), its src is the picture.
_SCRIPT_RAN = re.compile(r"lazyloaded|lazyautosizes", re.IGNORECASE)
# Lazy attributes that hold no picture of a lazy script's, nor a player's: a
# page's link (data-url), a forum's attachment (file, zoomfile).
_NOT_SCRIPTS = frozenset({"data-url", "file", "zoomfile"})
# A value that is a web address, or a path (not a flag, "true"; a number;
# a srcset's list; about:blank, javascript:, mailto: …).
_ADDRESS = re.compile(
    r"^(?:https?:)?//.+$|^(?![a-z][a-z0-9+.-]*:)[^:]*/.*$"
    r"|^[^:/]+\.(?:jpe?g|png|gif|webp|avif|bmp|mp4|webm|m4v|mp3|m4a|m3u8)(?:[?#].*)?$"
    r"|^[^:/?#\s]+\.[a-z0-9]{2,5}[?#].*$",  # (a script's: "thumb.php?f=a.jpg")
    re.IGNORECASE,
)
# A value that names one picture, not a list of them ("a.jpg 1x, b.jpg 2x",
# "a.jpg, b.jpg", "/a.jpg,/b.jpg", one a line) nor a caption ("AP Photo/Andy
# Wong", "图/新华社": a last part of words, no file's) — a space in a file's
# name is the file's ("Screen Shot 2024.png").
_LISTED = re.compile(
    r"\s\d+(?:\.\d+)?[wxh](?=\s*(?:,|$))"
    # (Not Sohu's "q_70,c_zoom,w_640/…", nor an image service's "resize,w_800".)
    r"|\.(?:jpe?g|png|gif|webp|avif|bmp)(?:[?#][^,\s]*)?\s*,\s*"
    r"(?:https?:|/|[^,\s/]+\.(?:jpe?g|png|gif|webp|avif|bmp)\b)",
    re.IGNORECASE,
)
# (A caption is words, not an address: "/uploads/微信图片_20240101" is one.)
_CAPTION = re.compile(r"^(?!(?:https?:)?/)[^/]*/[^/.?#]*(?:\s|[^\x00-\x7f])[^/.?#]*$")
_LINE_BREAKS = re.compile(r"[\t\n\r]+")
# One address a line: each whole, a picture's or a player's (a URL broken
# over two lines is one).
_WHOLE = re.compile(
    r"^(?:(?:https?:)?//|/)\S*\.(?:jpe?g|png|gif|webp|avif|bmp|mp4|webm|m3u8)(?:[?#]\S*)?$",
    re.IGNORECASE,
)


def one_address(value: str) -> str | None:
    """``value`` as the one address it holds (tabs and line breaks are no
    part of it, to a browser), if it is one."""
    lines = [line.strip() for line in value.splitlines() if line.strip()]
    if len(lines) > 1 and all(_WHOLE.match(line) for line in lines):
        return None  # (an address a line)
    value = _LINE_BREAKS.sub("", value).strip()
    if not value or not _ADDRESS.match(value) or _LISTED.search(value):
        return None
    return None if _CAPTION.search(value) else value


def _lazy_address(element: Any, but: frozenset[str]) -> str | None:
    """The first lazy attribute of ``element`` (but those of ``but``) that
    holds a web address or a path."""
    return next(
        (
            value
            for name in LAZY_ATTRIBUTES
            if name not in but and (value := one_address(element.get(name) or ""))
        ),
        None,
    )


# Picture formats every current browser shows (not JPEG XL, Safari's alone),
# as CMSs spell them too (image/jpg).
_SHOWN_TYPES = frozenset(
    {
        "",
        "image/jpeg",
        "image/jpg",
        "image/pjpeg",
        "image/png",
        "image/apng",
        "image/gif",
        "image/webp",
        "image/avif",
        "image/bmp",
        "image/svg+xml",
        "image/x-icon",
    }
)


def real_source(img: Any) -> str | None:
    """The picture an ``<img>`` (an lxml element) shows in a browser where its
    ``src`` is none or a stand-in: its lazy attribute or srcset
    (`lazy_source`), its ``<picture>``'s source, or the one in the
    ``<noscript>`` after it; ``None`` if its ``src`` is that, or none is."""
    return lazy_source(img) or _picture_source(img) or _noscript_source(img)


def _noscript_source(img: Any) -> str | None:
    """For an ``<img>`` with no picture of its own (or a stand-in) followed by
    a ``<noscript>`` that holds the real one (lazy-loading plugins write the
    picture there for browsers without scripts; the sanitizer drops
    ``noscript`` with its content): that picture."""
    after = img.getnext()
    src = (img.get("src") or "").strip()
    if (
        after is None
        or after.tag != "noscript"
        or (src and not PLACEHOLDER.search(src) and not PLACEHOLDER_FILE.search(src))
    ):
        return None
    for real in after.iter("img"):
        candidate = (real.get("src") or "").strip()
        if candidate and not PLACEHOLDER_FILE.search(candidate) and candidate != src:
            return candidate
    return None


def _picture_source(img: Any) -> str | None:
    """For an ``<img>`` with no picture of its own (or a stand-in) inside a
    ``<picture>``: the one its ``<source>`` elements offer a browser (the first
    of a format all show, without a media condition if one has none), whose
    ``srcset`` the sanitizer does not keep."""
    # (The HTML parser nests what follows a <source> inside it: an ancestor.)
    picture = next(img.iterancestors("picture"), None)
    src = (img.get("src") or "").strip()
    if picture is None or (
        src and not PLACEHOLDER.search(src) and not PLACEHOLDER_FILE.search(src)
    ):
        return None
    offers = [s for s in picture.iter("source") if (s.get("srcset") or "").strip()]
    # Formats all browsers show first (a type's parameters aside), then sources
    # without a media condition.
    offers.sort(
        key=lambda source: (
            (source.get("type") or "").partition(";")[0].strip().lower() not in _SHOWN_TYPES,
            bool((source.get("media") or "").strip()),
        )
    )
    return best_from_srcset(offers[0].get("srcset")) if offers else None


_UNCLEAR_URL = re.compile(r"[\\@\s\x00-\x1f]")


def host_allowed(src: str, base: str | None, hosts: frozenset[str]) -> bool:
    """Is ``src`` on an allowed host — as a browser, not just Python, would read it?"""
    src = src.strip()
    # Browsers read "\" as "/" and honour user-info: "https://evil\@youtube.com/"
    # goes to evil.  A player URL has no business with either.
    if _UNCLEAR_URL.search(src):
        return False
    absolute = urls.absolute(src, base)
    return urls.scheme(absolute) in ("http", "https") and urls.host(absolute) in hosts


def prepass(html: str, *, base: str | None, iframe_hosts: frozenset[str]) -> str:
    if not needs_prepass(html):
        return html
    from lxml import etree

    try:
        root = browser_fragment(html)
    except (etree.ParserError, ValueError):
        return html
    changed = _drop_hidden(root)
    for img in root.iter("img"):
        real = real_source(img)
        if real is not None:
            img.set("src", real)
            changed = True
    for box in list(root.iter("input")):
        if (box.get("type") or "").strip().lower() == "checkbox":
            # A task list's box (掘金's Markdown): the sanitizer drops form
            # controls, and done and open items read alike.
            mark = "☑" if box.get("checked") is not None else "☐"
            tail = box.tail or ""
            box.tail = mark + ("" if tail[:1].isspace() else " ") + tail
            box.drop_tree()  # (its tail kept)
            changed = True
    for block in root.iter("xmp", "listing"):
        # Obsolete, shown as <pre> is (xmp's markup as text): the sanitizer
        # drops both tags, keeping their text, and their lines ran together.
        block.tag = "pre"
        changed = True
    changed = show_lazy_players(root) or changed
    for iframe in list(root.iter("iframe")):
        src = iframe.get("src") or ""
        if not src or not host_allowed(src, base, iframe_hosts):
            iframe.drop_tree()
            changed = True
    if not changed:
        return html
    return inner_html(root)


# A player's stand-in until a script gives it its own (WP Rocket's
# about:blank, a data: URI of an empty video).
_PLAYER_STAND_IN = re.compile(r"^(?:about:|data:)", re.IGNORECASE)


def show_lazy_players(root: Any) -> bool:
    """Give each player a script would start (``<video>``, ``<audio>``, their
    ``<source>``, ``<iframe>``: WeChat's videos, WordPress's lazy embeds)
    where it has none, or a stand-in, its lazy attribute (``data-src``,
    ``data-lazy-src`` …), else the player in the ``<noscript>`` after it, as
    ``src``; whether one changed."""
    changed = False
    for media in root.iter("video", "audio", "source", "iframe"):
        src = (media.get("src") or "").strip()
        if src and not _PLAYER_STAND_IN.match(src):
            continue
        if media.tag in ("video", "audio") and any(
            (source.get("src") or source.get("data-src") or "").strip()
            for source in media.iter("source")
        ):
            continue  # (its <source> plays: a src of its own would stop it)
        lazy = _lazy_address(media, _NOT_SCRIPTS)
        if lazy is None and media.tag == "iframe":
            lazy = _noscript_player(media)
        if lazy is not None and lazy != src:
            media.set("src", lazy)
            changed = True
    return changed


def _noscript_player(frame: Any) -> str | None:
    """The player a ``<noscript>`` after a lazy ``<iframe>`` holds for
    browsers without scripts (the sanitizer drops ``noscript``)."""
    after = frame.getnext()
    if after is None or after.tag != "noscript":
        return None
    for real in after.iter("iframe"):
        candidate = (real.get("src") or "").strip()
        if candidate and not _PLAYER_STAND_IN.match(candidate):
            return str(candidate)
    return None


def inner_html(root: Any) -> str:
    """The markup inside ``root`` (a fragment's wrapper), its leading text escaped."""
    import html

    import lxml.html

    parts = [html.escape(root.text or "", quote=False)]
    parts.extend(lxml.html.tostring(child, encoding="unicode") for child in root)
    return "".join(parts)
