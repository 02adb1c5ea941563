"""Small text transforms used while normalizing items."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from functools import partial

from feedmill.normalize.chars import collapse_space, strip_controls
from feedmill.sanitize.policy import DROP_WITH_CONTENT, TAGS

_TAG = re.compile(r"<[^>]*>")
# Every element HTML has or had (or drafted: feedparser's <command>, <m>,
# <event-source> …): a text with one of their tags is HTML. Any
# other "<word>" is text — a plain flash's "<https://…>" or "<Web3>"周报 —
# which, read as a tag, vanished (and the text's line breaks with it).
_ELEMENT_NAMES = (
    TAGS
    | DROP_WITH_CONTENT
    | {
        "basefont", "bgsound", "blink", "body", "content", "dir", "fieldset", "form", "html",
        "image", "input", "isindex", "keygen", "label", "legend", "listing", "marquee", "menu",
        "menuitem", "meter", "multicol", "nextid", "nobr", "optgroup", "output", "plaintext",
        "progress", "rb", "search", "shadow", "spacer", "xmp",
        "command", "datagrid", "event-source", "m", "sound",
    }
)  # fmt: skip
# A tag's start: "<name" or "</name" (a name looked up in those), a comment,
# or a word processor's <o:p> and <st1:chsdate> (a prefix, a colon, a name).
_TAG_START = re.compile(
    r"</?(?:([a-zA-Z][a-zA-Z0-9]*(?:-[a-zA-Z0-9]+)*)|[a-zA-Z][\w-]*:[a-zA-Z][\w-]*)(?=[\s/>])|<!--"
)
# What releases before took for HTML (any "<word" followed by a space, "/"
# or ">"): an item keyed by its text (no guid, no link) keeps the key it
# was stored under only read as then (see `normalize_entry`).
LOOKED_LIKE_HTML = re.compile(r"<(?:[a-zA-Z][\w:-]*[\s/>]|/[a-zA-Z]|!--)")
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_BLANK_LINES = re.compile(r"\n(?:[ \t\u3000]*\n)+")  # (not the next line's indent)


# Full-width ASCII (U+FF01-FF5E) and the ideographic space: the only
# characters NFKC changes in most Chinese text (its punctuation ，：（）).
_WIDE = re.compile("[\uff01-\uff5e\u3000]+")
_NARROW = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, five times faster on Chinese text.

    NFKC decomposes and recomposes the whole string once anything in it
    changes, and nearly every Chinese paragraph has full-width punctuation:
    those are narrowed first (each maps to one ASCII character, as NFKC
    maps it), and the rest is normalized only if the quick check says it
    must be — with the same result (the tests compare the two).
    """
    narrowed = _WIDE.sub(lambda run: run.group().translate(_NARROW), text)
    if unicodedata.is_normalized("NFKC", narrowed):
        return narrowed
    return unicodedata.normalize("NFKC", narrowed)


# HTML elements a title may carry (<em>, <font color=red>, <br/> …: what the
# sanitizer keeps in bodies, and what it drops with its content).  Only
# these are removed, and only where they read as markup (see _title_tags):
# tech titles hold generic types ("List<String>", "Map<K, V>") and name
# elements ("<dialog> 元素") as text.
_HTML_ELEMENTS = TAGS | {"script", "style", "label", "nobr", "blink"}
_VOID = frozenset({"br", "hr", "img", "wbr"})
# Elements that break a line: their text must not run into the neighbour's
# ("…季度</p><p>营收…" is not the word 度营; "rally<br>Dow" not rallyDow).
LINE_BREAKING = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div",
        "dl", "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
        "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
_FORMATTING = frozenset(
    {"b", "i", "u", "s", "em", "strong", "font", "span", "small", "big", "mark", "strike"}
)
_ATTRIBUTE = re.compile(r"\s[\w:-]+\s*=")
# Elements that do nothing bare and unclosed (a picture without src, a span
# or font without attributes): named in a title ("HTML <img> 标签"), not markup.
_INERT_BARE = frozenset({"img", "span", "font"})
# What follows a tag's name is attributes, with names of ASCII letters: in
# "满足 a<b 且 b>c 的三元组计数", "<b 且 b>" is no tag.
# (A quoted value may hold ">"; an unquoted one "=", as URLs do; after a
# quoted value the next name may follow without a space, as browsers read it.)
_ATTRIBUTE_SYNTAX = r"""[A-Za-z_:@][-A-Za-z0-9_:.@]*(?:\s*=\s*(?:"[^"<]*"|'[^'<]*'|[^\s"'<>`]+))?"""
_ATTRIBUTES = rf"(?:\s+{_ATTRIBUTE_SYNTAX}|(?<=[\"']){_ATTRIBUTE_SYNTAX})*"
_ELEMENT_TAG = rf"</?([A-Za-z][A-Za-z0-9]*)(?=[\s/>]){_ATTRIBUTES}\s*/?\s*>"
_TITLE_TAG = re.compile(rf"<!--.*?-->|{_ELEMENT_TAG}", re.S)
# After the last "-->" no comment can end: there each "<!--" was tried
# against the rest of the title ("<!--" × 50,000: 36 s).
_TITLE_TAG_AFTER_COMMENTS = re.compile(_ELEMENT_TAG)


_CLOSING_TAG = re.compile(r"</([A-Za-z][A-Za-z0-9]*)\s*>")
_BARE_TAG = re.compile(r"<([A-Za-z][A-Za-z0-9]*)>")


def _set_apart(match: re.Match[str], *, cjk: bool = False) -> bool:
    """Whether a tag stands between spaces (or at an end) like a word.

    ``cjk``: a Chinese character beside it sets it apart too, as Chinese
    writes words without spaces ("HTML中<b>和<strong>的区别") — though not
    at the title's start ("<b>快讯" is text formatting left open)."""
    text, start, end = match.string, match.start(), match.end()
    before = start == 0 or text[start - 1].isspace() or (cjk and _is_cjk(text[start - 1]))
    after = end == len(text) or text[end].isspace() or (cjk and start > 0 and _is_cjk(text[end]))
    return before and after


def _is_cjk(character: str) -> bool:
    # CJK punctuation, kana, ideographs (U+2E80-U+9FFF), full-width forms.
    return "\u2e80" <= character <= "\u9fff" or "\uff00" <= character <= "\uffef"


def _type_parameter(match: re.Match[str]) -> bool:
    """``IList<U>``, ``From<S>``, ``<B> 类型参数``: one capital letter after a
    name or set apart is a generic's type parameter, not <u> or <s>."""
    name, text, start = match.group(1), match.string, match.start()
    return (
        len(name) == 1
        and name.isupper()
        and match.group(0) == f"<{name}>"
        and (
            (start > 0 and text[start - 1].isascii() and text[start - 1].isalnum())
            or _set_apart(match)
        )
    )


def _title_tags(title: str) -> str:
    closed = set(_CLOSING_TAG.findall(title))
    closed_blind = {name.lower() for name in closed if len(name) > 1}
    bare = set(_BARE_TAG.findall(title)) if "/>" in title else set()  # (once: "<br/> " × 10⁵)

    def tag(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:  # a comment
            return ""
        text = match.group(0)
        if (
            not closed  # a title with markup in it ("<b>快讯</b> <span>…") is markup
            and name.islower()  # an old CMS writes its markup in capitals
            and _ATTRIBUTE.search(text) is None
            and not text.endswith("/>")
            and (name in _INERT_BARE or _set_apart(match, cjk=name not in _VOID))
        ):
            # "HTML <img> 标签", "<span> 和 <div>", "不要用 <br> 换行",
            # "<b> 和 <strong> 的区别", "HTML中<b>和<strong>的区别": an
            # element named, not markup ("降准<br>释放" is a line break).
            return text
        if (
            not closed
            and text == f"<{name}/>"
            and _set_apart(match, cjk=name in _INERT_BARE)
            and (name in _INERT_BARE or name in bare)
        ):
            # "为什么 <img/> 标签不需要闭合" (a picture without a source shows
            # nothing), "<br> 和 <br/> 的区别" — named too; "降准 <br/> 释放" is
            # a line break.
            return text
        if name not in closed and name.lower() not in closed and _type_parameter(match):
            return text
        # <em>…</em>, <B>快讯</B> and <font color=red>快讯 are markup;
        # "Vue 中 <script setup> 的用法" and Function<A, B> are not.  An
        # opening tag is one where its element is closed (<font>…</FONT>
        # too), where it is empty (<br>, <img …/>), where it sets an
        # attribute, where it is text formatting (often left open), or in
        # an old CMS's capitals.
        markup = (
            text.startswith("</")
            or name in closed
            or name.lower() in closed_blind
            or name.lower() in _VOID
            or name.lower() in _FORMATTING
            or text.endswith("/>")
            or _ATTRIBUTE.search(text) is not None
            or (len(name) > 1 and name.isupper())
        )
        if not markup or name.lower() not in _HTML_ELEMENTS:
            return match.group(0)
        return _BREAK if name.lower() in LINE_BREAKING else ""

    end = title.rfind("-->") + 3 if "-->" in title else 0
    # (Line breaks are marked: what they part is known once entities are
    # decoded — "降准&#12290;<br>释放".)
    return _TITLE_TAG.sub(tag, title[:end]) + _TITLE_TAG_AFTER_COMMENTS.sub(tag, title[end:])


# A line break (<br>, a block's edge) in a title: a space between words
# ("Markets rally<br>Dow gains" ran together as "rallyDow"), nothing between
# Chinese or Japanese characters and their punctuation, which no space parts
# ("央行降准<br>释放流动性", "“降准”<br>释放").  Korean spaces its words.
_BREAK = "\x00"  # (a control: any in the title itself is removed after)
_BREAKS = re.compile(_BREAK + "+")
_UNSPACED_PUNCTUATION = frozenset("“”‘’…—·")


def _line_break(match: re.Match[str], *, chinese_title: bool) -> str:
    text, start, end = match.string, match.start(), match.end()
    if start == 0 or end == len(text):
        return " "
    before, after = text[start - 1], text[end]
    # Punctuation on both sides ("“Hello”<br>“World”") is Chinese's only in
    # a title of Chinese ("公布“GDP”<br>“CPI”数据").
    if (
        _unspaced(before)
        and _unspaced(after)
        and (_chinese(before) or _chinese(after) or chinese_title)
    ):
        return ""
    return " "


def _unspaced(character: str) -> bool:
    return character in _UNSPACED_PUNCTUATION or _chinese(character)


def _chinese(character: str) -> bool:
    """A wide character of a script that spaces no words (Hangul does)."""
    if not character or "\uac00" <= character <= "\ud7a3" or "\u1100" <= character <= "\u11ff":
        return False
    return unicodedata.east_asian_width(character) in ("W", "F")


# A script or style element with code in it: what it holds is no title's
# text ("<script>document.write('x')</script>央行宣布降准" was titled, and its
# file named, "document.write('x')央行宣布降准").  Code by its marks — a
# call's parentheses, a rule's braces, an assignment, a statement's end — not
# words ("理解 <script> 和 </script> 标签", "How <script> works</script>"),
# nor one closed at once ("在 <script></script> 中") or never ("<script setup>").
_CODE_TAGS = {
    name: (re.compile(rf"<{name}\b[^<>]*>", re.I), re.compile(rf"</{name}\s*>", re.I))
    for name in ("script", "style")
}
_CODE_MARK = re.compile(r"[(){};=]")


def without_code(title: str) -> str:
    """``title`` without the script and style elements with code in them."""
    lowered = title.lower()
    for name, (opening, closing) in _CODE_TAGS.items():
        if f"</{name}" in lowered and f"<{name}" in lowered:
            title = _without_elements_of_code(title, opening, closing)
            lowered = title.lower()
    return title


def _without_elements_of_code(
    title: str, opening: re.Pattern[str], closing: re.Pattern[str]
) -> str:
    # Each opening tag's closing one, and the code mark after it, looked for
    # on from the last found, not again through the rest of the title for
    # each ("<script>x" × 10⁵ before one "</script>": quadratic).
    out: list[str] = []
    done = 0
    close: re.Match[str] | None = None
    mark = -1
    for start in opening.finditer(title):
        if start.start() < done:
            continue  # inside an element taken out
        if close is None or close.start() < start.end():
            close = closing.search(title, start.end())
            if close is None:
                break
        if mark < start.end():
            found = _CODE_MARK.search(title, start.end())
            mark = found.start() if found else len(title)
        if mark < close.start():
            out.append(title[done : start.start()])
            done = close.end()
    out.append(title[done:])
    return "".join(out)


def clean_title(title: str | None) -> str:
    """A title as plain text on one line: HTML tags removed, entities decoded."""
    if not title:
        return ""
    if "<" in title:
        title = with_entities_decoded(_title_tags(without_code(title)))
        if _BREAK in title:
            # (Whether the title is Chinese: asked once, not at each break.)
            chinese_title = any(map(_chinese, title))
            title = _BREAKS.sub(partial(_line_break, chinese_title=chinese_title), title)
        return collapse_space(strip_controls(title))
    return collapse_space(strip_controls(with_entities_decoded(title)))


def plain_title(title: str | None) -> str:
    """A title that is plain text (an Atom title of type text) on one line:
    its "<" and "&" are characters."""
    return collapse_space(strip_controls(title or ""))


_DRAWN_AS_NOTHING = frozenset(("Zs", "Zl", "Zp", "Cc", "Cf"))
# Letters drawn as nothing (Hangul fillers, the blank Braille pattern).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def shows_nothing(text: str) -> bool:
    """Whether ``text`` is only spaces, format characters (zero-width, direction
    marks, soft hyphens) and letters drawn blank: what a reader sees as nothing."""
    # (Not a character this Python's Unicode does not know yet, Cn, nor a
    # private one, Co: a new emoji, a font's icon — drawn all the same.)
    return all(unicodedata.category(ch) in _DRAWN_AS_NOTHING or ch in _BLANK_LETTERS for ch in text)


def with_entities_decoded(text: str) -> str:
    """``text`` with the entities written whole (with their ";") decoded:
    "研报&copy2026 &amp; 策略" is "研报&copy2026 & 策略", not "研报©2026 & 策略"."""
    return _ENTITY.sub(lambda m: html.unescape(m.group()), text) if "&" in text else text


_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_NAME_EMAIL = re.compile(rf"^(.*?)\s*(?:\(\s*{_EMAIL}\s*\)|<\s*{_EMAIL}\s*>)$")
_EMAIL_NAME = re.compile(rf"^{_EMAIL}\s*\((.+)\)$")


def clean_author(author: str | None) -> str | None:
    """An author's name, without the e-mail address RSS likes to add."""
    text = collapse_space(strip_controls(author or ""))
    match = _NAME_EMAIL.match(text) or _EMAIL_NAME.match(text)
    if match and match.group(1).strip():
        text = match.group(1).strip()
    return text or None


# Elements whose content no reader sees: scripts, styles, templates (one
# left open hides the rest, as in a browser) …
_RAW_TEXT = ("script", "style", "noscript", "template")
# … and what the sanitizer drops with its content (a <button>'s label, an
# <svg>'s text, a <select>'s options): an <svg/> or <math/> (foreign content
# closes so) is its tag alone; one never closed drops what follows up to
# the end of the element around it (as an HTML parser reads it: the next
# closing tag), not the rest of the text.
_DROPPED = (
    "svg", "math", "object", "applet", "select", "textarea", "button", "noembed", "noframes",
    "datalist", "canvas", "dialog", "title",
)  # fmt: skip
_UNSEEN = re.compile(rf"<({'|'.join(_RAW_TEXT + _DROPPED)})(?=[\s/>])[^<>]*>?", re.I)
# … and, as a reader reads the text (`reading_text`), as search does: what a
# frame holds (the sanitizer empties it) and a player's fallback
# ("您的浏览器不支持视频播放": no browser of today shows it) …
_UNREAD_TOO = ("iframe", "video", "audio")
_UNREAD = re.compile(rf"<({'|'.join(_RAW_TEXT + _DROPPED + _UNREAD_TOO)})(?=[\s/>])[^<>]*>?", re.I)
# Foreign content: closed by "/>", and left by the parser at the next HTML
# element (<p>, <div>, <b>…) — one left open is its tag alone here.
_FOREIGN = frozenset({"svg", "math"})
# Left open, these hold the rest of the text as their own (raw text to an
# HTML parser), as scripts and styles do.
_HOLDS_THE_REST = frozenset({*_RAW_TEXT, "textarea", "title", "noembed", "noframes", "iframe"})
_ANY_CLOSING = re.compile(r"</[a-zA-Z]")
# (A case-blind search of the text itself: offsets into text.lower() drift
# after characters whose lower case is longer, such as "İ".)
_CLOSING = {
    name: re.compile(rf"</{name}\b[^>]*>?", re.I) for name in _RAW_TEXT + _DROPPED + _UNREAD_TOO
}
# … and ruby's notes over a word, with no gap where they were (广<rt>guang</rt>告
# reads 广告): a note — or a container of notes, <rtc> — to its end tag, or
# where an HTML parser ends it without one (the next note, the ruby's end);
# a note is short (one left open with none of these ends in 300 characters
# is read).
_RUBY_NOTE = re.compile(
    r"<rtc(?=[\s>])[^<>]*>(?s:.{0,600}?)(?:</rtc\s*>|(?=<rb[\s>]|</ruby\s*>))"
    r"|<(r[tp])(?=[\s>])[^<>]*>(?s:.{0,300}?)"
    r"(?:</\1\s*>|(?=<r[btp][\s>]|<rtc[\s>]|</ruby\s*>|</rtc\s*>))",
    re.I,
)
_RUBY_NOTE_START = re.compile(r"<r(?:[tp]|tc)(?=[\s>])", re.I)
# Those the sanitizer ends at "/>" (`sanitize.clean._SELF_CLOSED`): written as
# XML (an Atom entry's XHTML), each held the rest of the article.
SLASH_ENDS = frozenset({*_RAW_TEXT, *_DROPPED, *_UNREAD_TOO} - _FOREIGN)
# … not where an unquoted value takes the "/" as its own (`src=a.mp4/>`).
UNQUOTED_LAST = re.compile(r"""=\s*[^\s"'=<>`]+\Z""")
# What `keyed_text` leaves out, as it always has: its hash is a stored key.
_KEYED_UNSEEN = re.compile(r"<(script|style|noscript|template)\b", re.I)


def _without_invisible(markup: str, unseen: re.Pattern[str] = _UNSEEN) -> str:
    """``markup`` less its scripts, styles and templates, and the elements
    the sanitizer drops with their content (``unseen``: those it looks for).

    A scan, not one regex: a backreferencing pattern rescans to the end of
    the text for every unclosed <script> (seconds for a 200 KB body).
    """
    match = unseen.search(markup)
    if match is None:
        return markup
    kept, start = [], 0
    # Names with no closing tag past where one was last looked for: none is
    # looked for again (each search ran to the end: quadratic in their number).
    unclosed: set[str] = set()
    while match is not None:
        kept.append(markup[start : match.start()])
        name = match.group(1).lower()
        if (name in _FOREIGN or (unseen is not _KEYED_UNSEEN and name in SLASH_ENDS)) and (
            match.group().endswith("/>") and not UNQUOTED_LAST.search(match.group()[:-2])
        ):
            # (Written as XML: closed so, as the sanitizer reads it — not
            # for `keyed_text`, whose hash is a stored key.)
            start = match.end()
        else:
            closing = None if name in unclosed else _CLOSING[name].search(markup, match.end())
            if closing is None:
                unclosed.add(name)
                if name in _HOLDS_THE_REST:
                    return " ".join(kept)
                if name in _FOREIGN:
                    start = match.end()
                    match = unseen.search(markup, start)
                    continue
                closing = _ANY_CLOSING.search(markup, match.end())
                if closing is None:  # nothing closes what holds it: the rest is in it
                    return " ".join(kept)
                start = closing.start()
            else:
                start = closing.end()
        match = unseen.search(markup, start)
    kept.append(markup[start:])
    return " ".join(kept)


def strip_tags(markup: str, between: str = " ") -> str:
    """``markup`` with each tag (``<`` to the next ``>``) replaced by ``between``.

    A ``<`` that no ``>`` follows is text: the regex alone tried each such
    ``<`` against the rest of the text (``'<a ' * 100_000`` took 9 s); after
    the last ``>`` there is no tag to find."""
    last = markup.rfind(">")
    return _TAG.sub(between, markup[: last + 1]) + markup[last + 1 :]


def keyed_text(markup: str) -> str:
    """The text an item without guid or link is known by (its key's hash):
    tags, scripts, styles and templates gone, one line.  Never to change —
    unlike `visible_text`, which follows what posts show — or every such
    stored item would come back under a new key, and be posted again."""
    text = strip_tags(_without_invisible(markup, _KEYED_UNSEEN))
    return collapse_space(html.unescape(text))


def visible_text(markup: str) -> str:
    """Roughly what a reader sees of some HTML: tags and scripts gone, one
    line; without what the post leaves out (a `hidden` element, one styled
    off the page)."""
    from feedmill.sanitize.prepass import without_hidden  # (it imports this module)

    text = strip_tags(_without_invisible(without_comments(without_hidden(markup))))
    return collapse_space(html.unescape(text))


# A tag to its end: a quoted value may hold ">".  (Linear: each character is
# read one way only — inside quotes or out; "\s*" beside a class that also
# reads spaces took exponential time on a tag left open.)
_TAG_TO_ITS_END = re.compile(r"""<[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*>""")


_COMMENT_END = re.compile(r"--!?>")  # (a browser ends one at "--!>" too)


def without_comments(markup: str) -> str:
    """``markup`` less its comments, which a reader sees nothing of, not even
    a gap: "推<!-- x -->广" reads 推广 (a Word paste is full of
    ``<!--[if !supportLists]-->``).  Only outside tags, as `strip_tags` reads
    them (``<img alt="<!--">`` opens none); one left open runs to the end,
    as in a browser.  A scan: no comment or tag is looked for twice."""
    if "<!--" not in markup:
        return markup
    kept, at = [], 0
    start = markup.find("<")
    while start >= 0:
        if not markup.startswith("<!--", start):
            following = markup[start + 1 : start + 2]
            if not (following.isascii() and following.isalpha()) and following not in "/!?":
                start = markup.find("<", start + 1)  # text: "a < b"
                continue
            # A tag: to the ">" outside its quoted values ("a>b<!--" is an alt's).
            tag = _TAG_TO_ITS_END.match(markup, start)
            close = tag.end() - 1 if tag else markup.find(">", start + 1)
            if close < 0:
                break
            start = markup.find("<", close + 1)
            continue
        kept.append(markup[at:start])
        if markup.startswith((">", "->"), start + 4):  # <!--> and <!---> end at once
            at = markup.index(">", start + 4) + 1
        else:
            end = _COMMENT_END.search(markup, start + 4)  # (one search: linear)
            if end is None:
                return "".join(kept)
            at = end.end()
        start = markup.find("<", at)
    kept.append(markup[at:])
    return "".join(kept)


# Tags within a line of text: a reader sees no gap where they are ("据<a>新华社</a>报道";
# a word break opportunity, 推<wbr>广, is none either).
_INLINE_TAG = re.compile(
    r"</?(?:a|abbr|b|bdi|bdo|cite|code|del|dfn|em|font|i|ins|kbd|mark|q|s|samp|small|span"
    r"|rb|ruby|strong|sub|sup|time|u|var|wbr)(?=[\s/>])[^<>]*>",
    re.IGNORECASE,
)


def reading_text(markup: str) -> str:
    """The text as it reads: like `visible_text`, but a word that inline
    markup splits (stcn's stock links, a bold word) stays whole — 贵州茅台发布公告,
    not 贵州茅台 发布公告."""
    from feedmill.sanitize.prepass import without_hidden  # (it imports this module)

    # What shows first, then inline tags go: removed first, a </b> they held
    # no longer ended an unclosed <button>, and rules read what search did not.
    text = _without_invisible(without_comments(without_hidden(markup)), _UNREAD)
    return visible_text(_INLINE_TAG.sub("", _RUBY_NOTE.sub("", text)))


# A character of text (by strip_tags' reading: a tag ends at its first ">"),
# before any "&": not part of an entity, so it shows as itself.
_SHOWN_CHARACTER = re.compile(r"(?:^|>)[^<&]*?[^\s<&]")
# A "<" inside a tag: removing an inline tag after it can make a new tag of
# what was text ("<<b>x>").
_OPEN_BRACKET_IN_TAG = re.compile(r"<[^>]*<")


def _may_hide(markup: str) -> bool:
    """Whether an element of ``markup`` may hide itself (`without_hidden` decides)."""
    from feedmill.sanitize.prepass import may_hide  # (it imports this module)

    return may_hide(markup)


def shows_text(markup: str) -> bool:
    """Whether ``reading_text(markup)`` has anything in it: the same answer,
    most often from the first paragraph, not the text of the whole body.

    What comes after the first character found cannot hide it: only an
    invisible element or a stray "<" before it can."""
    found = _SHOWN_CHARACTER.search(markup)
    if (
        found is not None
        and not _UNREAD.search(markup, 0, found.end())
        and not _RUBY_NOTE_START.search(markup, 0, found.end())
        and not _may_hide(markup[: found.end()])
        and not _OPEN_BRACKET_IN_TAG.search(markup, 0, found.end())
    ):
        return True
    return bool(reading_text(markup))


def looks_like_html(text: str) -> bool:
    tag = _TAG_START.search(text)
    while tag is not None:  # (most texts: their first tag, a <p>)
        name = tag.group(1)
        if name is None or name in _ELEMENT_NAMES or name.lower() in _ELEMENT_NAMES:
            return True
        tag = _TAG_START.search(text, tag.end())
    return False


# HTML escaped once more than its field says (a CMS that escapes its own
# HTML before the feed's writer does): read once, it is markup as text —
# "<p>第一段</p><img src=…>" shown, no picture. Taken for markup only when it
# is that from end to end, as such a field is: a text that begins with a
# tag's name ("<div> 标签的用法") does not also end in a tag.
_LAST_TAG = re.compile(r"</([a-zA-Z][a-zA-Z0-9]*)\s*>\s*|<(?i:img|br|hr)(?=[\s/>])[^<>]*>\s*")


def escaped_markup(text: str) -> bool:
    """Whether ``text`` (a field's text, its entities decoded) is HTML from
    its start to its end: one escaped twice by its feed."""
    first = _TAG_START.match(text, len(text) - len(text.lstrip()))
    if first is None or (first.group(1) or "").lower() not in _ELEMENT_NAMES:
        return False
    last = _LAST_TAG.fullmatch(text, text.rfind("<"))
    # (Its group 1 is a closing tag's name; a picture or a line break has none.)
    return last is not None and (last.group(1) is None or last.group(1).lower() in _ELEMENT_NAMES)


# What a reader sees besides text and pictures: a player, a frame.
_SHOWN_ELEMENT = re.compile(r"<(?i:video|audio|iframe|embed|object)(?=[\s/>])")


def shows_anything(markup: str) -> bool:
    """Whether HTML ``markup`` shows its reader anything: text, a picture or a
    player — not `<p></p>`, `<p>&nbsp;</p>`, `<br>` or an editor's comments,
    which some feeds put where an item's article goes, its text elsewhere,
    nor only a tracking pixel, a loading spinner, an icon or an emoticon, an
    image without a source or a hidden one (`shows_a_picture`).
    (Asked of the feed's own text: without its control characters, which
    the reading of hidden elements refuses.)"""
    if _SHOWN_ELEMENT.search(markup) is not None:
        return True
    markup = strip_controls(markup)
    return shows_text(markup) or shows_a_picture(markup)


_PLAYED_OR_PICTURED = re.compile(r"<(?i:picture|video)(?=[\s/>])")
_IMG = re.compile(r"<img\b([^<>]*)>", re.IGNORECASE)
# An attribute as written: quoted either way, unquoted, or a bare name ("hidden").
_ATTRIBUTE_WRITTEN = re.compile(
    r"""([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>]+)))?"""
)


def shows_a_picture(markup: str) -> bool:
    """Whether HTML ``markup`` shows a picture (or a video): not only a
    tracking pixel (a feed service's 1×1 beacon), an icon, an emoticon, an
    empty ``src`` or an image hidden by its style or an element around it
    (`sanitize.clean.a_picture`)."""
    from feedmill.sanitize.clean import a_picture  # (it imports this module)

    return _shows(markup, a_picture)


def shows_an_image(markup: str) -> bool:
    """Whether HTML ``markup`` holds an image a browser draws, of any kind —
    an icon, an emoticon, a formula, a spinner too — or a video: not only a
    tracking pixel, or an image hidden or without a source
    (`sanitize.clean.an_image_shown`)."""
    from feedmill.sanitize.clean import an_image_shown  # (it imports this module)

    return _shows(markup, an_image_shown)


def _shows(markup: str, shown: Callable[[dict[str, str]], bool]) -> bool:
    """Whether ``markup`` holds a <picture>, a <video> or an image that is
    ``shown`` by its attributes, outside what hides it (a hidden element
    around it, a comment)."""
    if _PLAYED_OR_PICTURED.search(markup):
        return True
    if _IMG.search(markup) is None:
        return False
    if _may_hide(markup):
        from feedmill.sanitize.prepass import without_hidden

        markup = without_hidden(markup)
    return any(
        shown(
            {
                name.lower(): html.unescape(double or single or bare)
                for name, double, single, bare in _ATTRIBUTE_WRITTEN.findall(tag.group(1))
            }
        )
        for tag in _IMG.finditer(without_comments(markup))
    )


def plain_to_html(text: str) -> str:
    """Plain text (flash news) as escaped paragraphs, line breaks kept, and a
    paragraph's indent of full-width spaces ("　　第一段"), which a browser
    shows, as written."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return ""
    paragraphs = _BLANK_LINES.split(text)
    out = []
    for paragraph in paragraphs:
        lines = [html.escape(_indented(line), quote=False) for line in paragraph.split("\n")]
        if any(lines):
            out.append("<p>" + "<br>".join(line for line in lines if line) + "</p>")
    return "".join(out)


def _indented(line: str) -> str:
    body = line.strip()
    return "\u3000" * line[: len(line) - len(line.lstrip())].count("\u3000") + body if body else ""


# Other words stop where Chinese begins: "3月开展5000亿元MLF操作" is 3, 月开展,
# 5000, 亿元, mlf and 操作 — one word of it all shared nothing with a page
# that writes "5000亿元" and "MLF" apart.
_GRAMS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[^\W_\u3400-\u9fff\uf900-\ufaff]{2,}")


def story_grams(text: str) -> set[str]:
    """Pairs of Chinese characters, and other words: what two texts of one
    story share however each phrases it."""
    grams: set[str] = set()
    for run in _GRAMS.findall(text.casefold()):
        if "\u3400" <= run[0] <= "\ufaff":
            grams.update(run[i : i + 2] for i in range(max(1, len(run) - 1)))
        else:
            grams.add(run)
    return grams


def one_story(text: str, other: str) -> bool:
    """Whether two articles (HTML) are one story, one edited into the other:
    they share at least half their words (two different stories among the
    sample article pages share at most 7 %)."""
    ours, theirs = story_grams(visible_text(text)), story_grams(visible_text(other))
    return bool(ours) and 2 * len(ours & theirs) >= len(ours | theirs)
