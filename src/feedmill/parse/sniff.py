"""What kind of document is this, and if it is not a feed, what is it?"""

from __future__ import annotations

import html
import json
import re

from feedmill.normalize.text import strip_tags

_FIRST_TAG = re.compile(r"<(?!\?|!)([A-Za-z_][\w:.-]*)", re.ASCII)
_TITLE = re.compile(r"<title[^<>]*>", re.IGNORECASE)


_TITLE_END = re.compile(r"</title>", re.IGNORECASE)


def _title(page: str) -> str | None:
    """The text of a page's first closed <title>.  Its opening and its end
    are found apart: one pattern tried each unclosed <title> against the rest
    of the page (3 s)."""
    opening = _TITLE.search(page)
    if opening is None:
        return None
    end = _TITLE_END.search(page, opening.end())
    return page[opening.end() : end.start()] if end else None


_SPACE = re.compile(r"\s+")

FEED_ROOTS = frozenset({"rss", "feed", "rdf:rdf", "rdf", "channel", "redirect"})
# First elements that only an HTML page starts with (a bot check's bare
# "<meta charset=utf-8><title>Just a moment...</title>", say).
_HTML_ROOTS = frozenset(
    ["html", "head", "body", "meta", "title", "script", "noscript", "style", "link", "div"]
)


# First elements of a page of text alone, without <html> (see `describe`).
_HTML_TEXT_FIRST = frozenset(
    {
        "br", "b", "strong", "i", "em", "p", "center", "pre", "span", "font", "hr", "table",
        "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "blockquote", "code", "tt", "a",
    }
)  # fmt: skip
# A space a tag left before punctuation ("<b>Fatal error</b>:", "<b>错误</b>："),
# not before a word's own (".env").
_SPACE_BEFORE_MARK = re.compile(r"\s+(?=[:;,.!?](?:\s|$)|[：；，。！？])")
# A tag's start cut off at the end of what is read (not a "<" of the text's own).
_CUT_TAG = re.compile(r"<[a-zA-Z/!?][^<>]*\Z")


def kind(text: str) -> str:
    """'xml', 'json', 'html', 'empty' or 'text'."""
    head = text.lstrip("\ufeff \t\r\n")
    if not head:
        return "empty"
    if head[0] in "{[":
        return "json"
    if head[0] == "<":
        root = root_name(head)
        if root in _HTML_ROOTS or (root is None and "<html" in head[:2048].lower()):
            return "html"
        return "xml"
    if feed_start(text):
        return "xml"
    return "text"


# A feed after stray markup (a PHP warning written as HTML: "<br />\n<b>Warning</b>:
# …<br />\n<?xml …?><rss>", an RSS 1.0 or a prefixed Atom root, in any case).
_STRAY_FEED_START = re.compile(r"<(?:[\w.-]+:)?(?:rss|feed|rdf|channel)[\s/>]", re.IGNORECASE)
_SNIFFED = 1 << 16  # what is read of a document's start
_JSON_READ = 1 << 20  # a JSON error is small; a larger document may be a JSON Feed


def could_be_a_feed(body: bytes) -> bool:
    """Whether a document may be a feed, as far as its start tells: not if it
    is empty, an HTML page, plain text, XML without a feed's root element
    near its start (an S3 ``<Error>``), JSON that holds no items (an API's
    error), or a known binary file — what the parser refuses.  In doubt
    (bytes not read as UTF-8, UTF-16 say), it may be one."""
    if binary_kind(body) is not None:
        return False
    if body[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in body[:64]:
        return True
    head = body[:_SNIFFED].decode("utf-8", "replace")
    found = kind(head)
    if found == "json":
        if len(body) > _JSON_READ:
            return True
        try:
            data = json.loads(body)
        except ValueError:
            return True  # (the parser says what it is)
        return isinstance(data, dict) and (
            isinstance(data.get("items"), list) or "jsonfeed.org" in str(data.get("version"))
        )
    if found == "xml":  # (an HTML page the parser refuses, whatever it holds: an SVG's RDF)
        root = root_name(head)
        if root is None:  # a prolog (comments, a DOCTYPE) longer than what was read
            return True
        if root.rpartition(":")[2] in FEED_ROOTS:
            return True
        return _STRAY_FEED_START.search(head) is not None
    return False


# A feed's start after a server's stray output ("Warning: session_start(): …"
# from PHP, then the feed): the XML declaration or a feed's root element.
# It must begin a line: "Not Found: <rss> …" is a message, not a feed.
_FEED_START = re.compile(r"\n[ \t]*(<\?xml\s|<(?:rss|feed|rdf:RDF)[\s>])")
_MARKUP_FIRST = re.compile(r"[\ufeff \t\r\n]*(?:<|$)")
STRAY_TEXT_LIMIT = 4096  # a longer preamble is not a feed's


def feed_start(text: str) -> int:
    """Where the feed starts after stray text before it; 0 if there is none."""
    if _MARKUP_FIRST.match(text):  # (every document passes here: no copy of it)
        return 0
    match = _FEED_START.search(text, 0, STRAY_TEXT_LIMIT)
    if match is None or root_name(text[match.start(1) :]) not in FEED_ROOTS:
        return 0
    return match.start(1)


def root_name(text: str) -> str | None:
    """The first element's name, lower-cased, skipping the prolog."""
    i = 0
    n = len(text)
    while i < n:
        start = text.find("<", i)
        if start == -1:
            return None
        if text.startswith("<?", start):
            i = text.find("?>", start) + 2 if text.find("?>", start) != -1 else n
        elif text.startswith("<!--", start):
            end = text.find("-->", start)
            i = end + 3 if end != -1 else n
        elif text.startswith("<!", start):
            end = text.find(">", start)
            i = end + 1 if end != -1 else n
        else:
            match = _FIRST_TAG.match(text, start)
            return match.group(1).lower() if match else None
        if i <= 0:
            return None
    return None


# What a server sends by mistake for a feed: its first bytes say what it is.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data"),
    (b"\x00asm", "WebAssembly"),
)


def binary_kind(body: bytes) -> str | None:
    """What a body that no feed begins as is ("a PNG image"), or None.

    By its first bytes only: whether other bytes are text is the decoder's
    to say (UTF-16 without a BOM, ISO-2022, EBCDIC all look like noise).
    """
    for magic, name in _MAGIC:
        if body.startswith(magic):
            return name
    if body[4:12] in (b"WEBPVP8 ", b"WEBPVP8L", b"WEBPVP8X") and body.startswith(b"RIFF"):
        return "a WebP image"
    return None


# Characters that no text holds many of: controls, what no decoding gave,
# private use.  Not ESC, BEL and backspace: a terminal's escapes in a server's
# text are quoted (as pictures), not taken for binary.
_NOISE = re.compile(r"[\x00-\x06\x0b\x0e-\x1a\x1c-\x1f\ufffd\ue000-\uf8ff]")


def _noise(text: str) -> bool:
    """Whether ``text``, decoded from a body that is no feed, is bytes of no
    text: its line in `status` would be noise (one in twenty such characters
    in a body of some length; random bytes read as GB18030 give one in nine)."""
    head = text[:1000]
    return len(head) >= 64 and len(_NOISE.findall(head)) * 20 > len(head)


def describe(text: str, content_type: str | None) -> str:
    """A one-line account of a document that is not a feed."""
    mime = (content_type or "").split(";")[0].strip().lower() or None
    what = kind(text)
    if what == "empty":
        return f"empty body{f' ({mime})' if mime else ''}"
    if what == "html":
        found = _title(text[:65536])
        label = mime or "text/html"
        if found is not None:
            title = _SPACE.sub(" ", html.unescape(strip_tags(found, ""))).strip()
            return f"got {label}: <title>{_clip(title, 120)}</title>"
        return f"got {label}: an HTML page, not a feed"
    if what == "json":
        label = mime or "JSON"
        try:
            data = json.loads(text)
        except ValueError:
            return f"got {label} that is not valid JSON: {_clip(_flat(text), 120)}"
        except RecursionError:  # (objects in objects a thousand deep)
            return f"got {label} nested too deep to read: {_clip(_flat(text), 120)}"
        message = _json_error(data)
        if message:  # (one line: a message may hold a stack trace)
            return f"got {label} error: {_clip(_flat(message), 160)}"
        return f"got {label} that is not a JSON Feed: {_clip(_flat(text), 120)}"
    if what == "xml":
        root = root_name(text)
        if root is None:
            return f"got {mime or 'XML'} without any element, not a feed"
        if root in _HTML_TEXT_FIRST:
            # A page of text with no <html> around it: PHP's error ("<br />
            # <b>Fatal error</b>: …"), WordPress's "<h1>Error establishing a
            # database connection</h1>", nginx's <center>: what it says.
            # (Still XML to `kind`: a feed may follow a PHP warning.)
            from feedmill.normalize.text import visible_text

            # (Scripts and styles left out; a tag cut at the end too.)
            head = text[:_SNIFFED]
            if len(text) > _SNIFFED and (cut := _CUT_TAG.search(head)) is not None:
                head = head[: cut.start()]
            said = _SPACE_BEFORE_MARK.sub("", visible_text(head))
            if said:
                return f"got {mime or 'text/html'}: {_clip(said, 160)}"
        return f"got {mime or 'XML'} whose root element is <{root}>, not a feed"
    if _noise(text):
        return f"got {mime + ': ' if mime else ''}binary data, not a feed"
    return f"got {mime or 'text'}: {_clip(_flat(text), 120)}"


# RSSHub's error page: the message in a <code class="… details">.
_RSSHUB_MESSAGE = re.compile(
    r"<code\b[^<>]*\bclass=\"[^\"<>]*\bdetails\b[^\"<>]*\"[^<>]*>(.*?)</code>", re.DOTALL
)


def describe_error(text: str, content_type: str | None) -> str | None:
    """A one-line account of an HTTP error's page: RSSHub's message, else
    what `describe` says of it; None if it holds nothing to say."""
    found = _RSSHUB_MESSAGE.search(text[:65536])
    if found is not None:
        message = _flat(html.unescape(strip_tags(found.group(1), " ")))
        if message:
            return f"RSSHub says: {_clip(message, 200)}"
    said = describe(text, content_type)
    if said.startswith("empty body") or said.endswith("not a feed"):
        return None  # (an HTML page without a title, XML of another kind: nothing said)
    return said


def _json_error(data: object) -> str | None:
    if isinstance(data, dict):
        for key in ("error", "message", "msg", "detail", "errors"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, dict):
                inner = _json_error(value)
                if inner:
                    return inner
            if isinstance(value, list) and value:
                inner = _json_error(value[0]) if isinstance(value[0], dict) else str(value[0])
                if inner:
                    return inner
    return None


def _flat(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
