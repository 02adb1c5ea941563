"""``sanitize_html``: one item's HTML, cleaned by the policy (see the package).

And what else reads an item's pictures and lines as a post shows them: its
first real picture, a picture's size, a tracking pixel, an inline emoticon.
"""

from __future__ import annotations

import html as htmllib
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from feedmill import urls
from feedmill.normalize.chars import strip_controls
from feedmill.normalize.text import SLASH_ENDS, UNQUOTED_LAST
from feedmill.sanitize import policy as P
from feedmill.sanitize.bounds import MAX_REOPENED_BYTES, bounded, unformatted
from feedmill.sanitize.css import safe_style
from feedmill.sanitize.policy import Policy
from feedmill.sanitize.prepass import (
    LAZY_ATTRIBUTES,
    PLACEHOLDER_FILE,
    SRCSET_ATTRIBUTES,
    host_allowed,
    prepass,
)

__all__ = ["Policy", "Sanitized", "first_image", "sanitize_html", "says_nothing"]

_DATA_IMAGE = re.compile(
    r"^data:image/(?:png|gif|jpe?g|webp|avif|bmp);base64,[A-Za-z0-9+/=\s]*$", re.IGNORECASE
)
# rel values that are safe to keep; "opener" would re-enable reverse tabnabbing.
_REL_KEEP = frozenset(
    [
        "nofollow",
        "noopener",
        "noreferrer",
        "external",
        "ugc",
        "sponsored",
        "tag",
        "license",
        "author",
        "bookmark",
        "help",
        "alternate",
        "me",
        "next",
        "prev",
    ]
)


@dataclass(frozen=True, slots=True)
class Sanitized:
    html: str
    image: str | None  # the first image a reader would call the article's picture


# The item link that relative URLs resolve against, for the sanitize_html
# call under way in this thread: one Cleaner then serves every article.
_CURRENT = threading.local()


_URL_ATTRIBUTES = frozenset({"src", "href", "poster", "cite"})
_ANCHORS = frozenset({"id", "name"})
_WATCHED = _URL_ATTRIBUTES | _ANCHORS | {"style", "rel", "class", "alt", "allow", "target"}
# What a player's iframe may be allowed: playing, not the reader's camera,
# microphone, location or payments.
_PLAYER_FEATURES = frozenset(
    {
        "autoplay",
        "fullscreen",
        "encrypted-media",
        "picture-in-picture",
        "accelerometer",
        "gyroscope",
        "clipboard-write",
        "web-share",
    }
)
# An article's ids get this prefix, and its links to them too: a theme styles
# its own #header, #banner or #main, and an item's would take that style.
# So do its classes: a theme's own (landscape's "fancybox-container" is a
# fixed, page-sized layer) would turn an item's link into an overlay.
ID_PREFIX = "fm-"
# Classes that stay as they are: 证券时报网's stock links (the seed article
# keeps them byte for byte) and a code block's language.
_OWN_CLASSES = frozenset({"trsHotWords"})


def _own_id(value: str) -> str:
    return value if value.startswith(ID_PREFIX) else ID_PREFIX + value


def _own_classes(value: str) -> str:
    return " ".join(
        name
        if name in _OWN_CLASSES or name.startswith(("language-", ID_PREFIX))
        else ID_PREFIX + name
        for name in value.split()
    )


_HAS_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
# A reference a browser reads as a host and its path: two slashes, either
# way ("\\" too, in http(s) pages).  Left relative where an item had no
# http(s) link to resolve it against, its host escaped the check of hosts
# (a '"' in it ran script in landscape's '<a href="' + this.src + '">').
_HOST_FOLLOWS = re.compile(r"[/\\]{2}")
# What a browser drops from a URL before reading it: tabs and new lines
# anywhere ("da\tta:" is "data:"), controls and spaces at either end.
_URL_NOISE = re.compile(r"[\t\n\r]")
_URL_ENDS = urls.URL_ENDS
# A theme's script that builds a caption from an image's alt text as HTML
# (landscape's: '<span class="caption">' + alt + '</span>').
# (And fancybox shows data-caption, decoded, as HTML: "&lt;" would be "<".)
_ALT_MARKUP = str.maketrans({"<": "＜", ">": "＞", '"': "＂", "&": "＆"})
# Alt text that says nothing, which a theme shows as the picture's caption
# (landscape does): a CMS's height ("800"), an upload's file name
# ("image.png", 掘金's every picture), a bare "image" or "图片".
_EMPTY_ALT = re.compile(
    r"\s*(?:\d+|[^\s/\\]*\.(?:png|jpe?g|gif|webp|bmp|svg|avif|heic|tiff?)|image|img|图片|图像)\s*",
    re.IGNORECASE,
)
# Elements whose URL is a picture or a player's media: an http(s) address (or,
# for an image, a data: URI). landscape wraps each image in
# '<a href="' + this.src + '">', and a tel: or mailto: src keeps its '"'.
_MEDIA = frozenset({"img", "video", "audio", "source", "track", "iframe"})
# landscape opens each picture in fancybox, which shows an address ending
# ".pdf" (its path, query or fragment) in an iframe without a sandbox: the
# feed's page over the site, script and all.  No browser shows a PDF as a
# picture.  (fancybox's own pattern.)
_LIGHTBOX_PDF = re.compile(r"\.pdf(?:[?#].*)?$", re.IGNORECASE)
# So does its media helper an address without a picture's (or a video's)
# extension that names a YouTube video, a Vimeo one or a Google map
# anywhere in it — loading YouTube's script into the site's page too.
# fancybox's own patterns nest ".*" (a long address of many "google.com/"
# took seconds): these take a little more than they do, in one pass.
_LIGHTBOX_SHOWN = re.compile(
    r"\.(?:jp(?:e|g|eg)|gif|png|bmp|webp|svg|ico|mp4|mov|ogv|webm)(?:[?#].*)?$",
    re.IGNORECASE | re.ASCII,  # (not ".ſvg": a browser encodes it, fancybox then plays the rest)
)
_LIGHTBOX_MEDIA = re.compile(
    r"(?:youtube\.com|youtu\.be|youtube-nocookie\.com)/(?:watch\?|v/|u/|embed|videoseries|\?listType=|[\w-]{11})"
    r"|google\.[a-z]{2,3}(?:\.[a-z]{2})?/(?:maps/|\?ll=)",
    re.IGNORECASE,
)
# nh3 holds href and src to the allowed schemes, not cite (<q>, <blockquote>,
# <del>, <ins>): what no browser follows must still not carry javascript:.
_SCHEMES = frozenset({"", *P.URL_SCHEMES})


def says_nothing(alt: str) -> bool:
    """Whether a picture's alt text is one the sanitizer drops (see _EMPTY_ALT)."""
    return _EMPTY_ALT.fullmatch(alt) is not None


def _attribute_filter(iframe_hosts: frozenset[str]) -> Callable[[str, str, str], str | None]:
    # Called by nh3 for every attribute of every allowed tag: cheap checks first.
    def check(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in _WATCHED:
            return value
        if attribute in _URL_ATTRIBUTES:
            if "\t" in value or "\n" in value or "\r" in value:
                value = _URL_NOISE.sub("", value)
            stripped = value.strip(_URL_ENDS)
            if _HOST_FOLLOWS.match(stripped):
                # "\\host/a.png", "/\host": "//host" to a browser, whatever the
                # page's address — a host of its own, held to the same test.
                value = stripped = "https:" + urls.slashed(stripped)
            if stripped[:5].lower() == "data:":
                return stripped if tag == "img" and _DATA_IMAGE.match(stripped) else None
            base: str | None = getattr(_CURRENT, "base", None)
            if tag == "iframe" and attribute == "src":
                allowed = host_allowed(stripped, base, iframe_hosts)
                return _readable(urls.absolute(stripped, base)) if allowed else None
            if stripped.startswith("#"):
                if stripped[1:].lower() == "top":  # (the page's top, to a browser: 返回顶部)
                    return stripped
                return "#" + _own_id(stripped[1:]) if len(stripped) > 1 else stripped
            if base and not _HAS_SCHEME.match(stripped):
                value = urls.absolute(stripped, base) or value
            if tag in _MEDIA and urls.scheme(value) not in ("", "http", "https"):
                return None
            read = value.strip(_URL_ENDS)  # as a browser reads it
            if tag == "img" and attribute == "src" and _opens_a_frame(read):
                return None
            if urls.scheme(read) not in _SCHEMES:  # ("\x01javascript:")
                return None
            return _readable(value)
        if attribute in _ANCHORS:
            return _own_id(value) if attribute == "id" or tag == "a" else value
        if attribute == "class":
            return value if value in _OWN_CLASSES else (_own_classes(value) or None)
        if attribute == "alt":
            return None if says_nothing(value) else value.translate(_ALT_MARKUP)
        if attribute == "allow":
            kept = [
                feature.strip()
                for feature in value.split(";")
                if feature.strip().split(" ", 1)[0].lower() in _PLAYER_FEATURES
            ]
            return "; ".join(kept) or None
        if attribute == "style":
            return safe_style(value)
        if attribute == "rel":
            kept = [t for t in value.split() if t.lower() in _REL_KEEP]
            return " ".join(kept) or None
        if attribute == "target":
            # A named window ("news") is opened with the opener, which its
            # page may send elsewhere (reverse tabnabbing); Hexo's
            # external_link leaves a link with a target as it is.  A new tab
            # (_blank) has none; the others keep the reader's own.
            return "_blank" if value.strip().lower() == "_blank" else None
        return value

    return check


def _opens_a_frame(src: str) -> bool:
    """Whether fancybox opens a picture of ``src`` in an iframe (see _LIGHTBOX_PDF)."""
    if _LIGHTBOX_PDF.search(src):
        return True
    lower = src.lower()  # (substrings first: most addresses name none of them)
    if not ("youtu" in lower or "vimeo.com/" in lower or "google." in lower):
        return False
    if _LIGHTBOX_SHOWN.search(src):
        return False  # (fancybox goes by the extension first)
    vimeo = lower.find("vimeo.com/")
    if vimeo > 0 and any(c.isdigit() for c in lower[vimeo:]):
        return True  # (a video's number after it: fancybox's "^.+vimeo.com/(.*/)?(\d+)")
    return _LIGHTBOX_MEDIA.search(src) is not None


def _readable(url: str | None) -> str | None:
    """``url``, unless it is an http(s) URL a browser cannot read: Hexo's
    page helpers throw on one (``https://[x``) and write the page empty."""
    if url is None or urls.scheme(url) not in ("http", "https"):
        return url
    return url if urls.usable(url.strip()) else None


@lru_cache(maxsize=8)
def _cleaner(policy: Policy) -> Any:
    import nh3

    attributes = {tag: set(names) for tag, names in P.ATTRIBUTES.items()}
    attributes["*"] = set(P.GENERIC_ATTRIBUTES)
    forced: dict[str, dict[str, str]] = {
        "iframe": {"sandbox": policy.iframe_sandbox},
        # autoplay is not kept, so a player without controls could never start.
        "video": {"controls": ""},
        "audio": {"controls": ""},
    }
    if policy.image_referrer_policy:
        attributes["img"].discard("referrerpolicy")
        attributes["iframe"].discard("referrerpolicy")
        forced["img"] = {"referrerpolicy": policy.image_referrer_policy}
        forced["iframe"]["referrerpolicy"] = policy.image_referrer_policy
    return nh3.Cleaner(
        tags=set(P.TAGS),
        clean_content_tags=set(P.DROP_WITH_CONTENT),
        attributes=attributes,
        url_schemes=set(P.URL_SCHEMES),
        strip_comments=True,
        link_rel=None,
        set_tag_attribute_values=forced,
        attribute_filter=_attribute_filter(policy.iframe_hosts),
        url_relative="pass_through",  # resolved by the filter, against the item link
    )


DEFAULT_POLICY = Policy()


# What making relative addresses absolute may add to a post, at most.
_MOST_RESOLVED = 8_000_000
# A relative address in an attribute that holds one, or may be made the one a
# picture shows (`src=x`, `<img/src=x>`, `href=" /a"`, `data-original="x"`,
# `file="x"`): counted generously, so that none goes uncounted.
_RELATIVE = re.compile(
    r"""[\s/"'](?:src|href|poster|cite|srcset|file|zoomfile|data-[\w-]+)\s*=\s*["']?\s*"""
    r"""(?![a-z][a-z0-9+.-]*:|#|["'>])""",
    re.IGNORECASE,
)


def _resolving(html: str, base: str) -> str | None:
    """What ``html``'s relative addresses resolve against: ``base``, the
    item's link — unless each made as long would pass _MOST_RESOLVED (a link
    of 2,000 characters and 90,000 pictures made a post of 186 MB): then its
    site's root (no password in it), or, were even that too long, nothing."""
    relative = len(_RELATIVE.findall(html))
    if relative * len(base) <= _MOST_RESOLVED:
        return base
    parts = urls.split(base)
    if parts is None or not parts.hostname:
        return None
    root = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/"
    return root if relative * len(root) <= _MOST_RESOLVED else None


def sanitize_html(html: str, *, base_url: str | None, policy: Policy = DEFAULT_POLICY) -> Sanitized:
    """Sanitize one article body; relative URLs resolve against ``base_url``."""
    base = base_url if urls.scheme(base_url) in ("http", "https") else None
    if base and "@" in base:
        base = urls.without_userinfo(base)  # (a password in an item's link: no post shows it)
    if base and len(base) * html.count("=") > _MOST_RESOLVED:
        base = _resolving(html, base)
    clean = _sanitized(html, base, policy)
    # The bounds read the markup as the parser does, as far as counting can
    # tell: where markup they misread made the parser reopen formatting past
    # them all the same, the article goes without formatting and links (nothing
    # is reopened), its text, pictures and paragraphs kept.
    if len(clean) > 2 * len(html) + MAX_REOPENED_BYTES:
        clean = _sanitized(unformatted(html), base, policy)
    return Sanitized(html=clean, image=first_image(clean, base))


def _sanitized(html: str, base: str | None, policy: Policy) -> str:
    # The parser decodes "&#1;" and "&#xFFFF;" to characters that no XML may
    # carry: one in a post's first 140 characters broke the site's atom.xml.
    references = "&#" in html
    html = bounded(html, base)
    if "/>" in html:
        html = _SELF_CLOSED.sub(_closed, html)
    html = prepass(html, base=base, iframe_hosts=policy.iframe_hosts)
    _CURRENT.base = base
    try:
        clean = _harden(_cleaner(policy).clean(html))
    finally:
        _CURRENT.base = None
    if 'href="#' in clean and ('id="fm-' in clean or 'name="fm-' in clean):
        clean = _top_of_its_own(clean)  # (an element of the article's own named)
    clean = _headings_named(clean)
    return strip_controls(clean) if references else clean


# (nh3 writes tags in lower case, attributes double-quoted.)
_HEADING = re.compile(r"<h([1-6])((?:\s[^<>]*)?)>")
_ID = re.compile(r'\sid="([^"]*)"')
# Names a link may go to (an <a name> too), and those it goes to: a link
# whose element was dropped went nowhere, and must not go to a heading.
_NAMED = re.compile(r'\s(?:id|name)="([^"]*)"|\shref="#([^"]*)"')
HEADING_ID = ID_PREFIX + "s"


def _headings_named(clean: str) -> str:
    """Each heading without an id gets one (``fm-s1``, ``fm-s2`` … where the
    article holds no id so named): the tables of contents of themes that
    draw one (NexT, Butterfly, Redefine: Hexo's `toc` helper) link to the
    headings by their ids, and without one an entry went nowhere (NexT and
    Butterfly threw an error on its click)."""
    if _HEADING.search(clean) is None:
        return clean
    taken = {name or link for name, link in _NAMED.findall(clean)}
    number = 0

    def named(found: re.Match[str]) -> str:
        nonlocal number
        attributes = found[2]
        own = _ID.search(attributes)
        if own and own[1][len(ID_PREFIX) :].strip():
            return found[0]
        if own:  # id="" (made "fm-"), id=" ": no name, and one all such headings shared
            attributes = attributes[: own.start()] + attributes[own.end() :]
        number += 1
        while f"{HEADING_ID}{number}" in taken:
            number += 1
        return f'<h{found[1]} id="{HEADING_ID}{number}"{attributes}>'

    return _HEADING.sub(named, clean)


_TOP_LINK = re.compile(r' href="#(top)"', re.IGNORECASE)
# An element's id or name, in its tag (not text that reads so: "<p>id=…</p>").
_NAMED_TOP = re.compile(r'<[a-z][a-z0-9]*\s[^<>]*?\b(?:id|name)="fm-(top)"', re.IGNORECASE)


def _top_of_its_own(clean: str) -> str:
    """Links to "#top" go to the article's own element so named, where it has
    one ("目录" to <h2 id="top">): the filter left them the page's top."""
    named = {found[1] for found in _NAMED_TOP.finditer(clean)}
    if not named:
        return clean

    def fix(tag: str) -> str:
        link = _TOP_LINK.search(tag)
        if link is None or link[1] not in named:
            return tag
        return f'{tag[: link.start()]} href="#{ID_PREFIX}{link[1]}"{tag[link.end() :]}'

    return _each_tag(clean, "<a ", fix)


# An id of the article's, a link's name, and a link to either, as the filter writes them.
_OWN_NAMES = re.compile(r'(\s(?:id|name)="|\s[a-z-]+="#)' + ID_PREFIX)


def ids_of_its_own(clean: str, marker: str) -> str:
    """``clean`` (`sanitize_html`'s) with its ids, names and the links to
    them made one post's own (``fm-note1`` → ``fm-<marker>-note1``): a page
    that shows several whole posts (landscape's index) had every article's
    ``fm-s1``, and a footnote's link led to the first post's note."""
    if 'id="fm-' not in clean and 'name="fm-' not in clean:
        return clean  # (a link to "#fm-…" goes nowhere here: left as it is)
    own = f"{ID_PREFIX}{marker}-"

    def made_own(found: re.Match[str]) -> str:
        at = found.start()
        if clean.rfind("<", 0, at) < clean.rfind(">", 0, at):
            return found[0]  # text that reads so (nh3 writes a text's '"' as it is)
        # Its post's own already: an article read back from its post (the
        # database lost) makes the post byte for byte.
        if clean.startswith(marker + "-", found.end()):
            return found[0]
        return found[1] + own

    # (One pass over the article, not one per tag: ~60 µs an article with headings.)
    return _OWN_NAMES.sub(made_own, clean)


# (nh3 writes tag names in lower case; a case-blind pattern is slow on CJK text.)
_IFRAME_CONTENT = re.compile(r"(<iframe\b[^<>]*>).*?(</iframe>)", re.DOTALL)
_QUOTED = re.compile(r'(\s[^\s="]+)="([^"]*)"')


def _harden(clean: str) -> str:
    """Safe HTML made safe from what Hexo and themes do to it afterwards.

    * An iframe's content is what browsers without frames show: nh3 keeps it
      as raw text, comments and all, and Hexo cut a page's excerpt at a
      ``<!-- more -->`` there, leaving the iframe open over the rest.
    * Hexo's external_link filter (on in every new site) adds its attributes
      before the first ``href=`` of a link's tag and rewrites its first
      ``rel="…"`` or ``rel='…'`` — wherever they are: in a title
      (``title="href=x onfocus=…"``) or a URL, they opened the tag to script.
      In a link's tag, ``=`` in other attributes is written ``&#61;`` and
      ``'`` in its URL ``%27``.
    * Hexo's open_graph helper (every page of landscape) takes an image's
      URL from the *last* ``src='…'`` or ``src="…"`` of its tag, wherever it
      is (``class="src='https://[x'"``), and writes it into the page's head
      unescaped, or throws on it and writes the page empty: in an image's
      tag, ``'`` is written ``&#39;`` (the same value to a browser).
    """
    if "<iframe" in clean:
        clean = _IFRAME_CONTENT.sub(r"\1\2", clean)
        clean = _each_tag(clean, "<iframe ", _forced_in_order)
    if "<img " in clean:
        clean = _each_tag(clean, "<img ", _in_its_line)
    if "<figcaption" in clean and ' alt="' in clean:
        clean = _FIGURE.sub(_alt_not_its_caption, clean)
    if "<img " in clean and "'" in clean:
        clean = _each_tag(clean, "<img ", _without_single_quotes)
    return _each_tag(clean, "<a ", _harden_link) if "<a " in clean else clean


# What nh3 adds to a frame, from a hash map: in either order, by the process.
_FORCED_ON_FRAMES = re.compile(r' (sandbox|referrerpolicy)="[^"]*"')


def _forced_in_order(tag: str) -> str:
    """An iframe's tag with the attributes nh3 adds in one order: a post
    rendered by another process (a rebuild, another worker) was another file.
    A player that needs the site's origin to play has it sent."""
    found = {m[1]: m[0] for m in _FORCED_ON_FRAMES.finditer(tag)}
    if _needs_origin(tag):  # (whatever the policy, or the article's own, says)
        found["referrerpolicy"] = f' referrerpolicy="{_ORIGIN_POLICY}"'
    elif len(found) < 2:
        return tag
    rest = _FORCED_ON_FRAMES.sub("", tag)
    return f"{rest[:-1]}{found.get('sandbox', '')}{found['referrerpolicy']}{rest[-1:]}"


# YouTube's players refuse to play without the embedding site's address
# ("Error 153: video player configuration error", since 2025): they are sent
# the site's origin — not the page's path — whatever the pictures' policy
# (and over the site's <meta name="referrer">, scripts/feedmill-referrer.js).
_NEEDS_ORIGIN = frozenset(
    {
        "www.youtube.com",
        "youtube.com",
        "m.youtube.com",
        "www.youtube-nocookie.com",
        "youtube-nocookie.com",
    }
)
_ORIGIN_POLICY = "strict-origin-when-cross-origin"
_FRAME_SOURCE = re.compile(r' src="([^"]*)"')


def _needs_origin(tag: str) -> bool:
    source = _FRAME_SOURCE.search(tag)
    return source is not None and urls.host(htmllib.unescape(source[1])) in _NEEDS_ORIGIN


def _each_tag(markup: str, opening: str, fix: Callable[[str], str]) -> str:
    """``markup`` with each tag that begins with ``opening`` (``"<a "``) fixed."""
    # str.find, not a pattern: a scan of CJK text by re costs more than the rest.
    parts: list[str] = []
    done = 0
    start = markup.find(opening)
    while start != -1:
        end = markup.find(">", start)  # nh3 escapes ">" in values
        if end == -1:
            break
        tag = markup[start : end + 1]
        fixed = fix(tag)
        if fixed != tag:
            parts.extend((markup[done:start], fixed))
            done = end + 1
        start = markup.find(opening, end)
    return "".join((*parts, markup[done:])) if parts else markup


_ALT = re.compile(r' alt="([^"]*)"')  # (nh3 writes a value's '"' as "&quot;")


def _in_its_line(tag: str) -> str:
    """An image's tag drawn in the line of text (`in_the_line`: an emoticon,
    an icon) as one: themes draw each picture as a block of its own line
    (landscape, `display: block`), and make a caption of its alt text, a
    block under it — every one of Weibo's emoticons (alt "[哈哈]") broke its
    sentence into lines. Its alt text is its title."""
    attributes = dict(_ATTR.findall(tag))
    if not in_the_line(attributes):
        return tag
    style = _STYLE.search(tag)
    if style is None:
        tag = f'{tag[:-1].rstrip("/").rstrip()} style="display:inline">'
    elif not _DISPLAY.search(style[1]):
        own = style[1].rstrip().rstrip(";")
        inline = f"{own};display:inline" if own else "display:inline"
        tag = f'{tag[: style.start()]} style="{inline}"{tag[style.end() :]}'
    alt = _ALT.search(tag)
    if alt is None:
        return tag
    if "title" in attributes:  # (not " title=" in the alt's own text)
        return tag[: alt.start()] + tag[alt.end() :]
    return f"{tag[: alt.start()]} title={tag[alt.start() + 5 :]}"


_FIGURE = re.compile(r"<figure\b[^>]*>.*?</figure>", re.DOTALL)
_FIGCAPTION = re.compile(r"<figcaption\b[^>]*>(.*?)</figcaption>", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_ALT_AS_WRITTEN = {ord(wide): ascii for ascii, wide in zip('<>"&', "＜＞＂＆", strict=True)}


def _alt_not_its_caption(figure: re.Match[str]) -> str:
    """A figure whose pictures' alt text its caption says: landscape makes a
    caption of each alt text, and "会议现场" showed twice, one under the other
    (a CMS's, WordPress's figures). The caption says it."""

    def said(markup: str) -> str:
        text = htmllib.unescape(_TAG.sub("", markup)).translate(_ALT_AS_WRITTEN)
        return " ".join(text.split())

    caption = " ".join(said(inner) for inner in _FIGCAPTION.findall(figure[0]))

    def not_said_twice(tag: str) -> str:
        alt = _ALT.search(tag)
        if alt is None or not (text := said(alt[1])) or text not in caption:
            return tag
        return tag[: alt.start()] + tag[alt.end() :]

    return _each_tag(figure[0], "<img ", not_said_twice) if caption else figure[0]


_STYLE = re.compile(r' style="([^"]*)"')
# (An editor's own `display` stays: `inline-block`, `inline-flex` are in the line too.)
_DISPLAY = re.compile(r"(?:^|;)\s*display\s*:", re.IGNORECASE)


def _without_single_quotes(tag: str) -> str:
    # nh3 quotes every value with '"': a "'" is inside one.
    return tag.replace("'", "&#39;")


def _harden_link(tag: str) -> str:
    # Each "href=" and "rel=" (in any case: the filter's patterns ignore it)
    # an attribute's own, which nh3 writes ' href="' (a value cannot hold a
    # bare '"'): the filter finds the link's own. Nearly every link.
    lowered = tag.lower()
    if lowered.count("href=") == tag.count(' href="') and lowered.count("rel=") == tag.count(
        ' rel="'
    ):
        return tag

    def attribute(found: re.Match[str]) -> str:
        name, value = found.group(1), found.group(2)
        if name.strip().lower() == "href":
            value = value.replace("'", "%27")
        else:
            value = value.replace("=", "&#61;")
        return f'{name}="{value}"'

    return _QUOTED.sub(attribute, tag)


# A frame, a player, a script or an object written as XML writes an empty
# element (`<iframe …/>`, an Atom entry's XHTML): an HTML parser takes no
# "/>" for its end, and the rest of the article was the frame's raw text
# (dropped), the player's fallback (never shown) or the object's (dropped
# with it).  (The names rules and search read so, normalize.text's.)
_SELF_CLOSED = re.compile(rf"<({'|'.join(sorted(SLASH_ENDS))})(\s[^<>]*?)?\s*/>", re.IGNORECASE)


def _closed(tag: re.Match[str]) -> str:
    name, attributes = tag[1], tag[2] or ""
    # (`src=a.mp4 />`: a space ends the value, and the "/" is the tag's.)
    if attributes and tag.string[tag.end(2)] == "/" and UNQUOTED_LAST.search(attributes):
        return tag[0]
    return f"<{name}{attributes}></{name}>"


_IMG = re.compile(r"<img\b([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r'([\w:-]+)="([^"]*)"')
_ICON = re.compile(
    r"(?:favicon|/emoji|/icons?/|[-_/.]icon[-_.]|\.ico(?:$|\?)|\.svg(?:$|\?))", re.IGNORECASE
)


# Larger than any picture: what an absurd size (`width="999…9"`, 5,000 digits,
# past what int() converts; a float that is infinity) counts as.
_HUGE = 10**9


def _dimension(value: str | None) -> int | None:
    """A width or height attribute in pixels (None: none, or a share of the
    column — HTML 4's ``width="30%"`` is no 30 px icon)."""
    if not value:
        return None
    digits = re.match(r"\s*(\d+)(?:\.\d*)?\s*(%?)", value)
    if not digits or digits.group(2):
        return None
    return int(digits.group(1)) if len(digits.group(1)) <= 9 else _HUGE


# A length in px or em — or a zero, which CSS lets go without a unit
# (``width:0;height:0``: a tracking pixel).
_STYLE_SIZE = re.compile(
    r"(?:^|;)\s*(width|height)\s*:\s*(?:(\d+(?:\.\d+)?|\.\d+)\s*(px|r?em)\b"
    r"|0+(?:\.0*)?\s*(?:!important\s*)?(?=;|$))",
    re.IGNORECASE,
)
_STYLE_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# A formula drawn as a picture (Zhihu's `equation?tex=`, CodeCogs, GitHub's
# math): part of a sentence, not the article's picture.
_FORMULA = re.compile(
    r"/equation\?|[?&](?:tex|latex)=|latex\.codecogs\.com/|/render/math\b", re.IGNORECASE
)


def image_size(attributes: Mapping[str, str]) -> tuple[int | None, int | None]:
    """Width and height in CSS pixels, from the style (which wins) or the attributes;
    an emoticon sized ``1em`` counts as 16 px."""
    sizes = {
        "width": _dimension(attributes.get("width")),
        "height": _dimension(attributes.get("height")),
    }
    for name, number, unit in _STYLE_SIZE.findall(attributes.get("style", "")):
        factor = 1 if unit.lower() == "px" else 16
        sizes[name.lower()] = int(min(float(number or 0) * factor, _HUGE))
    return sizes["width"], sizes["height"]


def in_the_line(attributes: Mapping[str, str]) -> bool:
    """An image drawn in the line of text, an emoticon's or an icon's size:
    48 px or less across (or, its width not given, high)."""
    width, height = image_size(attributes)
    if width is not None:
        return width <= _LINE_HIGH and (height is None or height <= _LINE_HIGH)
    return height is not None and height <= _LINE_HIGH


_LINE_HIGH = 48


def is_tracking_pixel(attributes: Mapping[str, str]) -> bool:
    """An image 2 px or less across, by its attributes or style."""
    width, height = image_size(attributes)
    return (width is not None and width <= 2) or (height is not None and height <= 2)


def an_image_shown(attributes: Mapping[str, str]) -> bool:
    """Whether an image, by its attributes (names in lower case, values
    unescaped), shows its reader anything — a picture, an icon, an emoticon,
    a formula alike: not hidden, not a tracking pixel, and with a source (a
    lazy-loading script's attribute, a srcset, a src — a data: URI only as
    the sanitizer keeps one: an image's, in base64)."""
    if "hidden" in attributes or _STYLE_HIDDEN.search(attributes.get("style", "")):
        return False
    if is_tracking_pixel(attributes):
        return False
    if any(attributes.get(name, "").strip() for name in LAZY_ATTRIBUTES):
        return True
    sources = [attributes.get("src", "")]
    sources += (_first_candidate(attributes.get(name, "")) for name in SRCSET_ATTRIBUTES)
    return any(
        src and (src[:5].lower() != "data:" or _DATA_IMAGE.match(src))
        for src in map(str.strip, sources)
    )


def a_picture(attributes: Mapping[str, str]) -> bool:
    """Whether an image, by its attributes (names in lower case, values
    unescaped), shows a picture: not hidden, a tracking pixel, an icon or an
    emoticon (`in_the_line`), nor a data: URI or a lazy-loading script's
    stand-in — unless the script's attribute names the picture it loads."""
    if "hidden" in attributes or _STYLE_HIDDEN.search(attributes.get("style", "")):
        return False
    if is_tracking_pixel(attributes) or in_the_line(attributes):
        return False
    if _FORMULA.search(attributes.get("src", "")):
        return False
    if any(attributes.get(name, "").strip() for name in LAZY_ATTRIBUTES):
        return True
    # A srcset's first picture (the sanitizer makes it the src), else the src.
    sources = (_first_candidate(attributes.get(name, "")) for name in SRCSET_ATTRIBUTES)
    if any(_a_source(source) for source in sources):
        return True
    return _a_source(attributes.get("src", "").strip())


def _first_candidate(srcset: str) -> str:
    return next((found.split()[0] for found in srcset.split(",") if found.strip()), "")


def _a_source(src: str) -> bool:
    """A picture's address, not a data: URI or a lazy-loading script's stand-in."""
    return bool(src) and src[:5].lower() != "data:" and not PLACEHOLDER_FILE.search(urls.path(src))


def first_image(clean_html: str, base: str | None = None) -> str | None:
    """The first real picture of sanitized HTML: not a pixel, icon, emoticon,
    placeholder, hidden image or data URI."""
    for match in _IMG.finditer(clean_html):
        attributes = {k.lower(): htmllib.unescape(v) for k, v in _ATTR.findall(match.group(1))}
        src = attributes.get("src", "").strip()
        if not src or src[:5].lower() == "data:":
            continue
        if not src.startswith(("http://", "https://")):
            src = urls.absolute(src, base) or ""
            if urls.scheme(src) not in ("http", "https"):
                continue
        if not a_picture(attributes):
            continue
        classes = attributes.get("class", "").lower()
        path = urls.path(src)
        if "emoji" in classes or "icon" in classes or _ICON.search(path):
            continue
        if PLACEHOLDER_FILE.search(path):
            continue
        return src
    return None
