"""Compose one post: entry + where it is filed → the text of a Hexo post.

``compose`` is a pure function of its inputs, so it can run in worker
processes and be tested without a database or a disk.
"""

from __future__ import annotations

import functools
import hashlib
import html as htmllib
import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from html.entities import html5 as _NAMED_REFERENCES
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from feedmill import urls
from feedmill.models import Entry
from feedmill.normalize.chars import SHOWS_NOTHING, joins, regional
from feedmill.publish import yaml_scalars
from feedmill.publish.categories import categories as category_chain
from feedmill.publish.categories import derive_channel
from feedmill.publish.filenames import key_digest
from feedmill.publish.hexo_safe import hexo_safe
from feedmill.publish.tags import TagStyle, post_tags
from feedmill.sanitize.policy import Policy

if TYPE_CHECKING:
    from jinja2 import Environment, Template

DEFAULT_TEMPLATE = Path(__file__).with_name("post.md.j2")
# Bump when the output of compose() changes for the same inputs, so that
# every post is rewritten once by the next run.
# 2: ids prefixed, inline styles filtered, newlines as spaces; 3: classes
# prefixed, alt without markup, iframe content dropped, links written so that
# Hexo's external_link filter finds only their own href and rel, URLs that a
# browser cannot read dropped (posts written before are rewritten: safety);
# 4: align kept on paragraphs and headings, the picture of a <picture> and of
# more lazy attributes (简书, 淘宝) found (posts that lost them get them), a
# title cut no longer ends in half an emoji sequence or flag; 5: an item without
# a title is named by its text's headline or first sentence (was "(untitled)").
# 6: hosts with quotes or fillers dropped, other spaces in headimg escaped,
# named link targets dropped (posts written before are rewritten: safety).
# 7: an image's tag writes ' as &#39;, a picture ending in .pdf dropped (safety);
# a title cut after its own "..." ends in three dots, not four; the placeholder's
# {n} is the link's (the key's without one).  8: an untitled item's first
# sentence does not end at "1." or "U.S."; alt text that says nothing ("800",
# "image.png") dropped; an item of a title alone links to its article.
# 9: a channel follows its source after a full-width separator or a slash too
# ("新浪财经－国内滚动" is 国内滚动; its posts are re-filed); text a style hid off
# the page or clipped away is dropped; a lazy picture's <noscript> fallback shown;
# a task list's checkboxes are ☑ and ☐.  10: YouTube's players are sent the
# site's origin (without it they refuse to play); a link to #top is the page's
# top, but where the article has an element of its own so named.  11: an
# emoticon's alt text is its title (landscape captioned each, breaking its
# line); text hidden by a style with a comment stays hidden.  12: a source
# written "\\host" or "/\host" is the host a browser reads ("//host"), held to
# the check of hosts (a '"' in it ran script); a picture that is a YouTube,
# Vimeo or Google Maps page goes; a template's `link` and `html` write
# Markdown's link brackets as references.  13: each heading has an id (a
# theme's table of contents links to it).  14: an article's ids are its post's
# own (a page of whole posts showed one id for each), and a template's `html`
# writes Markdown's other marks as references.  15: the ids' mark is the
# feed's and the item's (two feeds of one source gave one article's two posts
# one mark); a body that shows no text nor picture (a tracking pixel, an
# emoticon) links to the article — after what it shows.  16: text after a
# page's </body> or </html> in an item's HTML stays where the prepass ran.
# 17: a picture drawn in the line of text (an emoticon) is styled inline; a
# figure's alt text that its caption says goes; a frame or a player written
# `<video …/>` ends there (the rest of the article was in it).  18: so do a
# script, an object and the other elements the sanitizer drops, `<x …/>`.
# 19: where the prepass ran, the article is read as a browser reads it
# (`</br>`, a stray `</p>`); a link left open is bounded; a table's bgcolor
# and a flex box's direction stay; a title holds nothing a theme printing it
# as HTML reads as markup.
FORMAT_VERSION = "19"
# What a site's own template is given, beyond FORMAT_VERSION.  1: the body is
# one HTML block (`in_a_block`).
OWN_TEMPLATE_VERSION = "1"


@dataclass(frozen=True, slots=True)
class FeedStyle:
    """How one feed's posts are filed and dressed; part of every post's inputs."""

    group: str
    source: str
    channel: str | None = None  # configured; else derived from the feed title
    placeholder_image: str = "https://picsum.photos/400/300?random={n}"
    date_style: Literal["rfc822", "local"] = "rfc822"
    site_timezone: str = "Asia/Shanghai"
    title_max_width: int = 150
    policy: Policy = field(default_factory=Policy)
    reported_label: str = "同时报道："  # opens the line listing other sources of the story
    tags: TagStyle | None = None  # None: posts have no tags


@dataclass(frozen=True, slots=True)
class PostInput:
    entry: Entry
    feed_title: str | None
    first_seen: datetime
    style: FeedStyle
    feed_url: str  # with the entry's key, what tells the post from every other
    # (source, link to its copy) of each other source that reported the story
    reported_by: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True, slots=True)
class PostContext:
    """What a template sees."""

    title: str
    categories: tuple[str, ...]
    group: str
    source: str
    channel: str | None
    headimg: str
    thumbnail: str
    author: str
    date: str
    date_iso: str
    link: str | None
    body: str
    tags: tuple[str, ...] = ()
    also_reported_by: tuple[str, ...] = ()  # other sources of the story, first come first
    also_reported_html: str = ""  # the line that lists them under the article, or ""


@functools.lru_cache(maxsize=4096)
def _style_text(style: FeedStyle) -> str:
    def plain(value: Any) -> Any:
        if isinstance(value, frozenset | set):
            return sorted(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    return json.dumps(plain(asdict(style)), ensure_ascii=False, sort_keys=True, default=str)


def style_hash(style: FeedStyle, feed_title: str | None, template_fingerprint: str) -> str:
    """Everything besides the entry that shapes a feed's posts: when it changes,
    the feed's posts are rewritten."""
    title = feed_title if style.channel is None else None
    text = json.dumps([_style_text(style), title, template_fingerprint], ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def placeholder_number(key: str) -> int:
    """0–9999, derived from the entry's link or key: stable across runs and machines."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") % 10000


def display_width(text: str) -> int:
    """Columns ``text`` takes: CJK and emoji 2, a symbol joined to the one
    before it (a skin tone, 👩 of 👨‍👩) nothing."""
    return sum(_width(text, i) for i in range(len(text)))


def _width(text: str, index: int) -> int:
    char = text[index]
    if joins(text, index) or char in SHOWS_NOTHING:
        return 0
    if unicodedata.east_asian_width(char) in "WF" or regional(char):
        return 2
    # An emoji by its selector (❤️) or a keycap (1️⃣, 1⃣): drawn 2 wide.
    following = text[index + 1 : index + 3]
    if following[:1] == "\u20e3" or following == "\ufe0f\u20e3":
        return 2
    return 2 if following[:1] == "\ufe0f" and not char.isascii() else 1


def cut_title(title: str, max_width: int) -> str:
    """Cut to ``max_width`` display units (CJK counts 2) plus ``...``, between
    the symbols a reader sees (a family emoji is not cut to its father)."""
    # (A character is at most 2 wide: most titles need no count.)
    if max_width <= 0 or 2 * len(title) <= max_width:
        return title
    kept, width = 0, 0
    for index in range(len(title)):
        width += _width(title, index)
        if width > max_width:
            break
        kept = index + 1
    else:
        return title
    # An ellipsis of the title's own (RSSHub cuts titles too) is not doubled.
    return title[:kept].rstrip().rstrip("\u200d").rstrip(".…").rstrip() + "..."


# Many themes (NexT, Butterfly, Icarus, AnZhiYu, Volantis) write a post's
# title into their pages as HTML, unescaped — a feed's `<script>` in one ran
# on the site, a `<b>` of `HTML中<b>和<strong>的区别` made the rest of the page
# bold — and Volantis inside single-quoted attributes: what would be markup
# or end an attribute is written in a form no browser reads so, as alt
# text's is (full-width brackets; quotes typographic, opening and closing).
_TITLE_MARKUP = str.maketrans({"<": "＜", ">": "＞", '"': "＂", "'": "’"})


def shown_title(title: str, max_width: int) -> str:
    """``title`` as a post shows it: in forms no theme reads as markup
    (`no_markup`), cut to ``max_width`` columns (the full-width forms counted so)."""
    return cut_title(no_markup(title), max_width)


def no_markup(title: str) -> str:
    """``title`` with what a theme printing it as HTML would read as markup
    in forms it does not (see ``_TITLE_MARKUP``)."""
    return title.translate(_TITLE_MARKUP)


def titled_as(text: str, title: str, max_width: int) -> bool:
    """Whether a post of the built-in template is titled as the item of
    ``title`` shows it — now, or as posts written before post format 19
    showed it (its quotes and brackets as they came)."""
    return titled(text, shown_title(title, max_width)) or titled(text, cut_title(title, max_width))


UNTITLED = "(untitled)"
# A name made from an item's text is a headline's length, not a title's.
HEADLINE_WIDTH = 60
SHORTEST_HEADLINE = 4
# "【标题】正文…": how Chinese flash news (快讯) writes its headline.
_BRACKETED = re.compile(r"【([^【】]+)】")
# A full stop after a digit or a capital ends no sentence: "1. BTC…", "U.S. News".
_SENTENCE = re.compile(r"[^。！？!?]*?(?:[。！？]|(?:[!?]|(?<![\dA-Z])\.)(?=\s|$))")


def title_from_text(body: str, max_width: int, *, shown: bool = False) -> str:
    """A title for an item that has none (a microblog status, a channel's
    message): the bracketed headline a flash opens with, else its first
    sentence, else the start of its text, as a reader sees it (``shown``:
    as a post shows it, `no_markup`, cut so)."""
    from feedmill.normalize.text import reading_text, shows_nothing

    text = reading_text(body)
    if shown:
        text = no_markup(text)
    if shows_nothing(text):
        return UNTITLED
    width = min(max_width, HEADLINE_WIDTH) if max_width > 0 else HEADLINE_WIDTH
    text = text[: 4 * width]  # enough for the cut (a character is at least 1 wide)
    bracketed = _BRACKETED.match(text)
    if bracketed and bracketed.group(1).strip():
        return cut_title(bracketed.group(1).strip(), width)
    sentence = _SENTENCE.match(text)
    if sentence and display_width(sentence.group(0)) <= width:
        first = sentence.group(0).rstrip("。.").strip()
        if len(first) >= SHORTEST_HEADLINE:  # not "好。" or "Yes."
            return first
    return cut_title(text, width)


def headline(body: str) -> str:
    """An untitled item's title wherever it is named by its text — its post's
    file name, `search`, rules — at a headline's width; "" when it has no text
    (its post shows UNTITLED)."""
    title = title_from_text(body, HEADLINE_WIDTH)
    return "" if title == UNTITLED else title


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date(moment: datetime, style: str, site_timezone: str) -> str:
    if style == "local":
        return moment.astimezone(ZoneInfo(site_timezone)).strftime("%Y-%m-%d %H:%M:%S")
    # RFC 822 in GMT, as email.utils.format_datetime(…, usegmt=True) writes it
    # (a test holds them equal) at a third of its cost.
    t = moment.astimezone(UTC)
    return (
        f"{_DAYS[t.weekday()]}, {t.day:02d} {_MONTHS[t.month - 1]} {t.year:04d} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} GMT"
    )


_DATE_LINE = re.compile(r"^date: *(.+?)[ \t\r]*$", re.MULTILINE)


def date_of_post(text: str, site_timezone: str) -> datetime | None:
    """The date in a post's front matter, as `format_date` wrote it in either
    style (None if it has none, or one in another form: a template of the
    site's own)."""
    end = text.find("\n---", 3)
    if not text.startswith("---") or end < 0:
        return None
    match = _DATE_LINE.search(text, 0, end)
    if match is None:
        return None
    value = match.group(1).strip("'\"")
    try:
        return parsedate_to_datetime(value).astimezone(UTC)
    except (ValueError, TypeError):
        pass
    try:
        moment = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return moment.replace(tzinfo=ZoneInfo(site_timezone)).astimezone(UTC)


_REPORTED_AFTER = '\n\n<p class="also-reported">'


def titled(text: str, title: str) -> bool:
    """Whether a post of the built-in template is titled ``title``."""
    return text.startswith(f"---\ntitle: {yaml_scalars.quote(title)}\n")


def article_in_post(text: str, title: str, max_width: int) -> str | None:
    """The article a post of the built-in template titled as the item of
    ``title`` shows it (`titled_as`) holds — its ``<div>``'s one line, as
    sanitized and made Hexo-safe, which both leave as it is when it passes
    through them again — or None for a post of another title or shape (a
    template of the site's own, an edit by hand)."""
    return body_in_post(text) if titled_as(text, title, max_width) else None


def body_in_post(text: str) -> str | None:
    """The article a post of the built-in template holds, whatever its title
    (see `article_in_post`); None for a post of another shape."""
    end = text.find("\n---\n", 3)
    if not text.startswith("---\ntitle: ") or end < 0:
        return None
    rest = text[end + 5 :]
    if not rest.startswith("\n<div>\n"):
        return None
    body, closed, after = rest[7:].partition("\n</div>\n")
    if not closed or "\n" in body:
        return None
    if after and not ("\n" + after).startswith(_REPORTED_AFTER):
        return None
    return body


def categories_in(text: str) -> tuple[str, ...] | None:
    """The ``categories`` of a post's front matter (None if it has none that
    reads as a list of names: a template of the site's own)."""
    from feedmill.yamlload import YAMLError, load

    end = text.find("\n---", 3)
    if not text.startswith("---") or end < 0:
        return None
    try:
        matter = load(text[3:end])
    except (YAMLError, ValueError):  # (edited by hand: anything)
        return None
    names = matter.get("categories") if isinstance(matter, dict) else None
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        return None
    return tuple(names) or None


def categories_of_file(post: Path) -> tuple[str, ...] | None:
    """`categories_in` a post file's first 64 KiB (None: unreadable, or none)."""
    try:
        with open(post, encoding="utf-8", errors="replace") as file:
            return categories_in(file.read(65536))
    except OSError:
        return None


# Themes print headimg and thumbnail into HTML attributes (some quoted with
# ', some with ", some not at all) and CSS url(): none of these may end one.
_ATTRIBUTE_SAFE = str.maketrans(
    {'"': "%22", "'": "%27", "<": "%3C", ">": "%3E", "\\": "%5C", "`": "%60", " ": "%20",
     "(": "%28", ")": "%29"}
)  # fmt: skip
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
# Every other space (U+00A0, U+2028, U+3000…): the front matter's one-line
# scalars fold them into " ", which ends an unquoted attribute.
_SPACES = re.compile(r"\s")


def _escaped(url: str, unsafe: dict[int, str]) -> str:
    """``url`` without controls, ``unsafe`` characters and any space
    percent-encoded."""
    url = _CONTROLS.sub("", url.strip()).translate(unsafe)
    return url if url.isascii() else _SPACES.sub(lambda m: quote(m.group()), url)


_LONGEST_REFERENCE = max(map(len, _NAMED_REFERENCES))
_NUMERIC_REFERENCE = re.compile(r"#(?:\d|[xX][0-9a-fA-F])")


def _starts_a_reference(after: str) -> bool:
    """Whether a browser reads "&" followed by ``after`` as a character
    reference in an attribute value: ``&#39;`` is a quote to the CSS or script
    of a style or event attribute the value is written into, and ends its
    string.  A name without its ";" counts as browsers count it: not before
    "=" or a letter or digit (``?a=1&copy=2`` stays a query)."""
    if _NUMERIC_REFERENCE.match(after):
        return True
    for size in range(min(len(after), _LONGEST_REFERENCE), 0, -1):
        name = after[:size]
        if name in _NAMED_REFERENCES:
            following = after[size : size + 1]
            return name.endswith(";") or not (
                following == "=" or (following.isascii() and following.isalnum())
            )
    return False


def _without_references(
    url: str, ampersand: str = "%26", starts: Callable[[str], bool] = _starts_a_reference
) -> str:
    """``url`` with each "&" that would start a character reference (by
    ``starts``: in an attribute, by default) written as ``ampersand``
    (percent-encoded, or "&amp;"): it reaches the page as the characters written."""
    if "&" not in url:
        return url
    out: list[str] = []
    start = 0
    at = url.find("&")
    while at >= 0:
        if starts(url[at + 1 : at + 2 + _LONGEST_REFERENCE]):
            out += (url[start:at], ampersand)
            start = at + 1
        at = url.find("&", at + 1)
    return "".join(out) + url[start:]


def _image_url(url: str) -> str:
    return _without_references(_escaped(url, _ATTRIBUTE_SAFE))


def _picture(url: str | None) -> str | None:
    """An article's picture for headimg, if it is a web address a browser
    reads (Hexo's page helpers throw on others, and write the page empty):
    the feed's own (an enclosure, media:thumbnail) is not sanitized like the
    body's images.  A ``\\`` is a ``/`` to browsers (and to `usable`): the
    body's ``img.example.cn\\uploads\\a.jpg`` is read as ``…/uploads/a.jpg``,
    where ``%5C`` would name another file, or no host at all."""
    if not url or not urls.usable(url.strip()):
        return None
    return _image_url(urls.slashed(url))


# A link that a template may write into an attribute (href="{{ link }}") or
# a line of its own: what would end the attribute, open a tag or start a
# Nunjucks tag ("{%" stopped the whole site's build) is percent-encoded —
# and, but in its host, what ends a Markdown link's address or text: in a
# line Hexo reads as Markdown ("[原文]({{ link }})"), ")[点此](javascript:…)"
# in an item's link made a link of its own.  (A host's brackets are IPv6's;
# its end a "\" too, to a browser and to `urls.usable`: written "/" first.)
_LINK_SAFE = str.maketrans(
    {'"': "%22", "'": "%27", "<": "%3C", ">": "%3E", "`": "%60", "{": "%7B", "}": "%7D",
     " ": "%20"}
)  # fmt: skip
_LINK_MARKDOWN_SAFE = str.maketrans({"(": "%28", ")": "%29", "[": "%5B", "]": "%5D"})
_AFTER_HOST = re.compile(r"[^:/?#]*:?//[^/?#]*")


class TemplateLink(str):
    """A template's ``link``: written as an HTML attribute, a Markdown link
    and a text read it — an "&" a browser would read as a character
    reference ("&not_read=1" is "¬_read=1", "…&copy" ends in "©", and in a
    text "&reg=cn" is "®=cn") as "&amp;" — and ``raw``, without those, for
    the filters that write it elsewhere (YAML, JSON, a query's urlencode,
    the html filter's own escaping).  (Percent-encoding the reference's
    first letter instead, one URL everywhere, is undone by Hexo's Markdown
    renderer, which decodes a link's %-escapes.)"""

    raw: str


def _template_link(link: str | None) -> TemplateLink | None:
    """The item's link for templates: a web address a browser reads, else none
    (``javascript:…``)."""
    if not link or not urls.usable(link.strip()):
        return None
    # (Markdown takes "\%" for an escaped "%", dropping the "\".)
    safe = urls.slashed(_escaped(link, _LINK_SAFE), "%5C")
    host = _AFTER_HOST.match(safe)
    cut = host.end() if host else 0
    # (A user name or password before the host is no host: "https://x)(a@e.com/".)
    at = safe.rfind("@", 0, cut) + 1
    raw = (
        safe[:at].translate(_LINK_MARKDOWN_SAFE)
        + safe[at:cut]
        + safe[cut:].translate(_LINK_MARKDOWN_SAFE)
    )
    # ("&amp;" by a text's rule, which in an attribute is right too.)
    written = TemplateLink(_without_references(raw, "&amp;", _starts_a_reference_in_text))
    written.raw = raw
    return written


def _starts_a_reference_in_text(after: str) -> bool:
    """Whether a browser reads "&" followed by ``after`` as a character
    reference in a text: a number, or a name with or without its ";" whatever
    follows ("&reg=cn" is "®=cn" there, not in an attribute)."""
    return bool(_NUMERIC_REFERENCE.match(after)) or any(
        after[:size] in _NAMED_REFERENCES for size in range(len(after), 1, -1)
    )


_ITS_OWN = object()  # (a filter that writes a none as it sees fit)


def _as_written(apply: Callable[..., Any], none: object = _ITS_OWN) -> Callable[..., Any]:
    """A filter given a template's link as it is (`TemplateLink.raw`), also
    inside a mapping or a list (JSON-LD's ``{"url": link} | tojson``); a
    field that is none (an item's link), ``none`` if given: Jinja's own
    filters wrote "None" of it (``href="{{ link | e }}"``), not nothing."""
    passed = getattr(apply, "jinja_pass_arg", None)  # (given the context first)
    if passed is None:

        def filtered(value: object, *args: Any, **kwargs: Any) -> Any:
            if value is None and none is not _ITS_OWN:
                return none
            return apply(_raw(value), *args, **kwargs)

        return filtered

    def filtered_in(context: object, value: object, *args: Any, **kwargs: Any) -> Any:
        if value is None and none is not _ITS_OWN:
            return none
        return apply(context, _raw(value), *args, **kwargs)

    filtered_in.jinja_pass_arg = passed  # type: ignore[attr-defined]
    return filtered_in


def _raw(value: object) -> object:
    if isinstance(value, TemplateLink):
        return value.raw
    if isinstance(value, dict):
        return {key: _raw(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_raw(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_raw(item) for item in value)
    return value


# Markdown's link and image brackets, as references: a title written into a
# line Hexo reads as Markdown ("## {{ title | html }}") made a link of
# "[点此](javascript:…)" (Hexo's Markdown renderer keeps such addresses) —
# and its emphasis, code and strike marks and escapes too: "*ST康美与*ST长生"
# lost both asterisks to italics, "a\_b" its backslash.
_MARKDOWN_MARKS = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;",  # (as html.escape)
     "[": "&#91;", "]": "&#93;", "*": "&#42;", "_": "&#95;", "`": "&#96;", "~": "&#126;",
     "\\": "&#92;", "#": "&#35;", "@": "&#64;"}
)  # fmt: skip
# Hexo's SmartyPants makes dashes of "--" and "---", and "…" of "...": each
# of a run, as a reference.
_MARK_RUN = re.compile(r"-{2,}|\.{3,}")
# What GitHub's Markdown makes a link of by itself ("详见https://…",
# "www.sse.com.cn"; an e-mail address: its "@" above): its ":" or ".".
_AUTOLINK = re.compile(r"(?i)(?:https?|ftp):(?=//)|www\.")
# What opens a list at a line's start ("1. 央行宣布降准", "- 快讯"): its mark.
_LIST_MARK = re.compile(r"^(\s*(?:\d{1,9}(?=[.)])|(?=[-+])))([-+.)])(?=\s|$)")
_REFERENCE_OF = {"-": "&#45;", ".": "&#46;", "+": "&#43;", ")": "&#41;", ":": "&#58;"}


def as_html(value: object) -> str:
    """The ``html`` filter of templates: a plain-text field (a title, a
    source) written into the body, escaped as HTML and made Hexo-proof —
    in an HTML block or a line of Markdown."""
    if value is None:
        return ""
    escaped = str(value).translate(_MARKDOWN_MARKS)
    if "--" in escaped or "..." in escaped:
        escaped = _MARK_RUN.sub(lambda m: _REFERENCE_OF[m[0][0]] * len(m[0]), escaped)
    escaped = _LIST_MARK.sub(lambda m: m[1] + _REFERENCE_OF[m[2]], escaped, count=1)
    if "//" in escaped or "ww." in escaped.lower():
        escaped = _AUTOLINK.sub(lambda m: m[0][:-1] + _REFERENCE_OF[m[0][-1]], escaped)
    return hexo_safe(escaped)


def reported_line(label: str, reporters: Sequence[tuple[str, str | None]]) -> str:
    """``<p class="also-reported">同时报道：<a …>新浪财经</a>、…</p>`` (Hexo-safe)."""
    names = []
    for source, link in reporters:
        name = htmllib.escape(source, quote=False)
        if link and urls.scheme(link) in ("http", "https"):
            name = f'<a href="{htmllib.escape(link)}">{name}</a>'
        names.append(name)
    return hexo_safe(
        f'<p class="also-reported">{htmllib.escape(label, quote=False)}{"、".join(names)}</p>'
    )


def _other_sources(
    own: str, reporters: Sequence[tuple[str, str | None]]
) -> tuple[tuple[str, str | None], ...]:
    """Each source once, in the order it first reported, with the link of its
    latest copy (a feed that moved its links and guids at once — to https —
    gave a copy under the new ones: the line kept the old link); the post's
    own source left out."""
    latest: dict[str, str | None] = {}
    for source, link in reporters:
        if source != own:
            latest[source] = link or latest.get(source)
    return tuple(latest.items())


def context_for(post: PostInput) -> PostContext:
    # Here, not at the top: a run of "not modified" answers composes nothing
    # and so does not load the sanitizer (~10 ms of regular expressions).
    from feedmill.sanitize.clean import ids_of_its_own, sanitize_html

    entry, style = post.entry, post.style
    clean = sanitize_html(entry.content, base_url=entry.link, policy=style.policy)
    image = _picture(clean.image) or _picture(entry.image)
    if not image:  # the configured placeholder, which may be a path on the site
        # By the link where there is one, else the title: a feed that writes a
        # new guid on every fetch (its time) keeps its pictures, and its posts
        # their bytes (a post without a link was rewritten every pass).
        number = placeholder_number(entry.link or entry.title or entry.key)
        placeholder = style.placeholder_image.replace("{n}", str(number))
        image = _image_url(placeholder)
    channel = style.channel or derive_channel(post.feed_title, style.source)
    moment = entry.date or post.first_seen
    if entry.title:
        title = shown_title(entry.title, style.title_max_width)
    else:
        title = title_from_text(clean.html, style.title_max_width, shown=True)
    reporters = _other_sources(style.source, post.reported_by)
    return PostContext(
        title=title,
        categories=category_chain(style.group, style.source, channel),
        group=style.group,
        source=style.source,
        channel=channel,
        headimg=image,
        thumbnail=image,
        author=style.source,
        date=format_date(moment, style.date_style, style.site_timezone),
        date_iso=moment.astimezone(UTC).isoformat(),
        link=entry.link,
        body=hexo_safe(
            _with_a_way_to_the_article(
                ids_of_its_own(clean.html, _id_marker(post.feed_url, entry.key)),
                entry.link,
                style.policy,
            )
        ),
        tags=post_tags(style.tags, entry.title, clean.html),
        also_reported_by=tuple(source for source, _ in reporters),
        also_reported_html=reported_line(style.reported_label, reporters) if reporters else "",
    )


def _id_marker(feed_url: str, key: str) -> str:
    """What makes a post's ids its own (`ids_of_its_own`): the same on every
    rendering of the post, another post's on a page that shows both — by
    the feed, not its source: two feeds of one source (a site's 要闻 and 公司
    lists) give one article, or two of one guid, two posts.  The start of
    the post's file name's digest (`filenames.key_digest`)."""
    return key_digest(feed_url, key, 6)


_SHOWN_WITHOUT_TEXT = re.compile(r"<(?:video|audio|iframe|svg|object|embed)\b")


def _with_a_way_to_the_article(body: str, link: str | None, policy: Policy) -> str:
    """``body``, or where it shows no text nor picture a link to its article:
    the post was a title no reader could follow.  After what the body does
    show (an emoticon, an icon, a thumbnail, a formula: kept); in place of
    what shows nothing (`<p></p>`, a tracking pixel, a hidden image)."""
    if not link or urls.scheme(link) not in ("http", "https"):
        return body
    from feedmill.normalize.text import shows_a_picture, shows_an_image, shows_text

    if shows_text(body) or _SHOWN_WITHOUT_TEXT.search(body) or shows_a_picture(body):
        return body
    from feedmill.sanitize.clean import sanitize_html

    shown = htmllib.escape(link)
    # (Sanitized as a body is: a link's URL is hardened against Hexo's filters.)
    way = sanitize_html(f'<p><a href="{shown}">{shown}</a></p>', base_url=None, policy=policy).html
    return body + way if shows_an_image(body) else way


_ENVIRONMENT: Environment | None = None


def _environment() -> Environment:
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        # (Only user templates need Jinja.)
        from jinja2 import Environment, StrictUndefined

        env = Environment(
            autoescape=False,
            keep_trailing_newline=True,
            undefined=StrictUndefined,
            # A field that is none (an item's link) writes nothing, not "None".
            finalize=lambda value: "" if value is None else value,
        )
        env.filters["yaml_quote"] = _as_written(yaml_scalars.quote)
        env.filters["yaml_plain"] = _as_written(yaml_scalars.plain)
        env.filters["html"] = _as_written(as_html)
        for name in ("urlencode", "urlize", "e", "escape", "forceescape"):
            env.filters[name] = _as_written(env.filters[name], none="")
        env.filters["tojson"] = _as_written(env.filters["tojson"])  # (null: a value)
        _ENVIRONMENT = env
    return _ENVIRONMENT


@lru_cache(maxsize=4)
def load_template(template: Path | str = DEFAULT_TEMPLATE, fingerprint: str = "") -> Template:
    """The compiled template: at a path, or its text (`read_template`);
    ``fingerprint`` (`template_fingerprint`) is part of the cache key, so
    that a daemon (and its workers) whose template was edited between passes
    compiles the new one."""
    env = _environment()
    if isinstance(template, Path):
        return env.from_string(template.read_text(encoding="utf-8"))
    return env.from_string(template)


def read_template(path: Path | None) -> tuple[Path | str, str]:
    """The post template to render with — the built-in's path, or a user
    template's text, read once — and its fingerprint.  The text, not the
    path, goes to the workers, and it is the text the config's check read
    (`template_problem`): a daemon that refused an edit of the file (it does
    not compile) renders with the template it validated, not with whatever
    the file holds when a new worker first reads it, or when the pass starts."""
    if path is None or path == DEFAULT_TEMPLATE:
        return DEFAULT_TEMPLATE, template_fingerprint(DEFAULT_TEMPLATE)
    validated = _VALIDATED.get(path)
    if validated is not None:  # not read again: an edit saved since is unchecked
        return validated
    data = path.read_bytes()
    return data.decode("utf-8"), _fingerprint(data)


# Path → (text, fingerprint) of the template `template_problem` found good
# last: what a config loaded then renders with (`read_template`).
_VALIDATED: dict[Path, tuple[str, str]] = {}


def template_problem(path: Path) -> str | None:
    """What is wrong with a user's post template, or None: it is compiled and
    tried on a sample post (with and without the optional fields), so that a
    typo is a config error rather than every feed failing at its first item."""
    from jinja2 import TemplateError, TemplateSyntaxError

    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
        template = _environment().from_string(text)
    except TemplateSyntaxError as exc:
        return f"{path}:{exc.lineno}: {exc.message}"
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot read {path}: {exc}"
    except TemplateError as exc:
        return f"{path}: {exc.message or exc}"
    sample = PostContext(
        title="标题",
        categories=("分组", "来源", "频道"),
        group="分组",
        source="来源",
        channel="频道",
        headimg="https://example.com/a.jpg",
        thumbnail="https://example.com/a.jpg",
        author="来源",
        date="Tue, 20 Sep 2022 16:01:00 GMT",
        date_iso="2022-09-20T16:01:00+00:00",
        link="https://example.com/a.html",
        body="<p>正文</p>",
    )
    filled = replace(
        sample, tags=("标签",), also_reported_by=("另一来源",), also_reported_html="<p>同时报道</p>"
    )
    # (Not a sample filed under two categories, as a feed without a channel —
    # none in the config, no title of its own — is: most templates that read
    # categories[2] serve feeds that have one; a post it fails waits, said.)
    for context in (sample, filled, replace(sample, channel=None, link=None)):
        try:
            render(context, template)
        except TemplateError as exc:
            return f"{path}: {type(exc).__name__}: {exc.message or exc}"
        except Exception as exc:  # a filter given the wrong type, say
            return f"{path}: {type(exc).__name__}: {exc}"
    _VALIDATED[path] = (text, _fingerprint(data))
    return None


def template_fingerprint(path: Path = DEFAULT_TEMPLATE) -> str:
    return _fingerprint(path.read_bytes(), own=path != DEFAULT_TEMPLATE)


def _fingerprint(data: bytes, *, own: bool = True) -> str:
    digest = hashlib.sha256(data)
    digest.update(FORMAT_VERSION.encode())
    if own:  # (what a site's own template is given: its posts written anew)
        digest.update(OWN_TEMPLATE_VERSION.encode())
    return digest.hexdigest()[:16]


def render(context: PostContext, template: Template, *, own: bool = True) -> str:
    """``context`` through a site's ``own`` template (or the built-in one, as
    `render_default` writes it).  (The link only templates see is made safe
    here: the built-in layout has none; and a body is given a site's own as
    one HTML block, wherever it puts it — the built-in's is in a <div>.)"""
    fields = {name: getattr(context, name) for name in context.__dataclass_fields__}
    fields["link"] = _template_link(context.link)
    if own:
        fields["body"] = in_a_block(context.body)
    return template.render(**fields)


# The tags that open an HTML block of CommonMark's sixth kind: a line that
# begins with one is HTML to Markdown, whatever follows on it.
_OPENS_A_BLOCK = re.compile(
    r"<(?:address|article|aside|blockquote|details|dialog|dd|div|dl|dt|fieldset|figcaption"
    r"|figure|footer|form|h[1-6]|header|hr|li|main|nav|ol|p|section|table|ul|pre)[\s/>]",
    re.IGNORECASE,
)


def in_a_block(body: str) -> str:
    """``body`` (one line, `hexo_safe`) as a line Markdown leaves alone where
    a template writes it on a line of its own: a body that begins with text
    or an inline tag (a weibo's "转发微博 …<br><img>") was a paragraph of
    Markdown — "[点此](javascript:…)" in its text a link, "*ST康美" italics."""
    return body if not body or _OPENS_A_BLOCK.match(body) else f"<div>{body}</div>"


def render_default(context: PostContext) -> str:
    """``post.md.j2`` without Jinja: the same bytes (a test holds them equal),
    a tenth of the time — rendering is on every new post's path."""
    quote, plain = yaml_scalars.quote, yaml_scalars.plain
    categories = "".join(f"\n - {plain(name)}" for name in context.categories)
    tags = "".join(f"\n - {plain(name)}" for name in context.tags)
    reported = "".join(f"\n - {plain(name)}" for name in context.also_reported_by)
    return (
        f"---\ntitle: {quote(context.title)}\ncategories:{categories}\n"
        + (f"tags:{tags}\n" if tags else "")
        + f"headimg: {quote(context.headimg)}\nauthor: {plain(context.author)}\n"
        f"comments: false\ndate: {context.date}\nthumbnail: {quote(context.thumbnail)}\n"
        + (f"also_reported_by:{reported}\n" if reported else "")
        + f"---\n\n<div>\n{context.body}\n</div>\n"
        + (f"\n{context.also_reported_html}\n" if context.also_reported_html else "")
    )


def compose(post: PostInput, template: Path | str = DEFAULT_TEMPLATE, template_fp: str = "") -> str:
    """A post's text; ``template`` as `read_template` gives it, ``template_fp``
    its fingerprint."""
    return composed(post, template, template_fp)[0]


def composed(
    post: PostInput, template: Path | str = DEFAULT_TEMPLATE, template_fp: str = ""
) -> tuple[str, str]:
    """A post's text, and the title it shows (an untitled item's, from its text)."""
    context = context_for(post)
    return written(context, template, template_fp), context.title


def written(
    context: PostContext, template: Path | str = DEFAULT_TEMPLATE, template_fp: str = ""
) -> str:
    """A post's text from its context: a site's own template may fail on it."""
    if template == DEFAULT_TEMPLATE:
        return render_default(context)
    return render(context, load_template(template, template_fp))
