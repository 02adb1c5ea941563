"""Feed lists in and out: OPML export and import, and adding feeds to ``feedmill.yml``.

* :func:`export_opml` writes an OPML 2.0 subscription list: one folder per group,
  inside it one folder per source, inside that the feeds.  Every feed also
  carries ``category="/group/source[/channel]"`` (OPML 2.0's own attribute) and,
  when it has a channel, ``feedmill:channel`` in feedmill's namespace — OPML 2.0
  allows attributes it does not describe only if they are namespaced, and the
  namespaced copy survives names that contain ``/`` or ``,`` (where ``category``
  is left out because it has no escaping).  ``feedmill:group`` and
  ``feedmill:source`` are added for names that folder titles would not carry
  exactly (leading, trailing or repeated white space).
* :func:`read_opml` / :func:`parse_opml` read what feed readers export
  (Inoreader, Feedly, FreshRSS, Miniflux, …) into :class:`ImportedFeed` records;
  :func:`read_opml` also says which outlines were left out and why.  No DTD is
  ever read: a DOCTYPE is refused before its entities are even declared.
* :func:`add_feeds` appends entries to the ``feeds:`` list of a config *text*.
  ruamel.yaml (round-trip) finds the list and renders the new entries; they are
  spliced into the original text, so every byte outside the insertion — comments,
  quoting, blank lines, flow-style entries, line endings — stays as it was.  (A
  full round-trip dump re-wraps lines longer than 80 columns and puts new entries
  after the comments that trail the list, such as the next section's heading.)
* :func:`add_feeds_to_file` / :func:`add_feed_to_file` do that to a file,
  validated and written atomically.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import os
import re
import stat
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html.entities import name2codepoint
from pathlib import Path
from typing import Any, cast

import msgspec
from lxml import etree
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError as RuamelYAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from feedmill import urls
from feedmill.config import (
    Config,
    ConfigError,
    ConfigUnwritable,
    FeedSpec,
    check_feeds,
    feed_entry,
    no_config,
    not_utf8,
    parse_config,
    resolve_location,
)
from feedmill.publish.categories import category_name_problem, visible_name

__all__ = [
    "OPML_NAMESPACE",
    "UNCATEGORIZED",
    "DuplicateFeedError",
    "ImportedFeed",
    "OpmlError",
    "OpmlImport",
    "RefusedFeedError",
    "SkippedOutline",
    "add_feed_to_file",
    "add_feeds",
    "add_feeds_to_file",
    "export_opml",
    "import_feeds_to_file",
    "parse_opml",
    "read_opml",
]

# Namespace of feedmill's own OPML attributes (group, source, channel).  A name,
# not an address: nothing is ever fetched from it.  Changing it orphans the
# attributes in files already exported (``category`` and the folders still
# carry the names).
OPML_NAMESPACE = "urn:feedmill:opml"
UNCATEGORIZED = "未分类"  # group of a feed that sits in no folder and has no category

_GROUP = f"{{{OPML_NAMESPACE}}}group"
_SOURCE = f"{{{OPML_NAMESPACE}}}source"
_CHANNEL = f"{{{OPML_NAMESPACE}}}channel"
_FRESHRSS = "{https://freshrss.org/opml}"
# FreshRSS "feeds" that are web pages scraped with XPath / JSON paths, not feeds.
# (Its "JSONFeed" type is a real JSON Feed and is kept.)
_SCRAPER_TYPES = frozenset(
    {"html+xpath", "xml+xpath", "json+dotnotation", "html+xpath+json+dotnotation"}
)
# Outline types that promise an xmlUrl.
_FEED_TYPES = frozenset({"rss", "atom", "feed", "jsonfeed"})
# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# (Not U+3000: CJK names use it.)  What YAML and a post's front matter read as
# white space or a line's end.
_SPACES = re.compile("[ \t\r\n\v\f\xa0\x85\u2028\u2029]+")
# Declared encodings that are in practice GBK (or GB18030) text: GB2312 files
# from Chinese tools routinely contain GBK-only characters (镕, 喆, …).
_GB_FAMILY = frozenset({b"gb2312", b"gbk", b"cp936", b"xgbk", b"gb231280", b"euccn", b"xeuccn"})


class OpmlError(ValueError):
    """The input is not an OPML subscription list we can read; the message says why."""


class DuplicateFeedError(ConfigError):
    """The feed to add is already in the config (:func:`add_feed_to_file`)."""


class RefusedFeedError(ConfigError):
    """A feed to add that the config would refuse (an empty group, a name that
    shares another's category page); the message names the feed, not a line
    of a file that does not have it yet."""

    def __init__(self, path: Path, feed: ImportedFeed, reason: str) -> None:
        super().__init__(
            f"{path}: the new feed ({urls.shown(feed.url)}): {reason}; nothing was added"
        )
        self.feed = feed
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ImportedFeed:
    """One feed read from an OPML file (or given on the command line)."""

    url: str
    group: str
    source: str
    channel: str | None = None
    # Folders (or category path parts) below the third: a post has three
    # levels of categories, and these are not among them.
    left_out: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class SkippedOutline:
    """An outline that looked like a subscription but was not imported."""

    url: str | None  # its xmlUrl as written (None if it has none)
    name: str | None  # its text or title
    reason: str  # why, for people: "FreshRSS HTML+XPath scraper, not a feed"
    # Where it is a feed listed again (in another folder): that listing, one
    # `import_feeds_to_file` may take where the config refuses the first.
    again: ImportedFeed | None = None


@dataclass(frozen=True, slots=True)
class OpmlImport:
    """What :func:`read_opml` found: the feeds, and what was left out."""

    feeds: list[ImportedFeed]
    skipped: list[SkippedOutline]


# -- export ----------------------------------------------------------------


def export_opml(
    feeds: Sequence[FeedSpec], title: str = "feedmill", created: datetime | None = None
) -> str:
    """OPML 2.0 text (UTF-8, with XML declaration) of ``feeds``: group / source / feed.

    Groups, sources and feeds keep the order of ``feeds`` (first appearance).
    ``title`` is the document's ``<title>``; ``created`` (default: now) is its
    ``dateCreated``, a naive datetime is taken as UTC.  Every feed is exported,
    but :func:`parse_opml` reads back only http(s) URLs.
    """
    when = created if created is not None else datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    nsmap = {"feedmill": OPML_NAMESPACE} if any(_needs_namespace(f) for f in feeds) else None
    root = etree.Element("opml", nsmap=nsmap)
    root.set("version", "2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = _xml(title)
    etree.SubElement(head, "dateCreated").text = format_datetime(when)
    body = etree.SubElement(root, "body")

    tree: dict[str, dict[str, list[FeedSpec]]] = {}
    for feed in feeds:
        tree.setdefault(feed.group, {}).setdefault(feed.source, []).append(feed)
    for group, sources in tree.items():
        group_outline = _outline(body, text=group, title=group)
        for source, members in sources.items():
            source_outline = _outline(group_outline, text=source, title=source)
            for feed in members:
                name = feed.channel or source
                path = [group, source] + ([feed.channel] if feed.channel else [])
                attrs = {"type": "rss", "text": name, "title": name, "xmlUrl": feed.url}
                if not any("/" in part or "," in part for part in path):
                    attrs["category"] = "/" + "/".join(path)
                outline = _outline(source_outline, **attrs)
                if not _survives(group):
                    outline.set(_GROUP, _xml(group))
                # (A group folder that reads back as no name, "\u200b": the
                # source folder was read as the group's, the feed's as the source's.)
                if not (_survives(source) and _survives(group)):
                    outline.set(_SOURCE, _xml(source))
                if feed.channel:
                    outline.set(_CHANNEL, _xml(feed.channel))
    data: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)
    return data.decode("utf-8")


def _survives(name: str) -> bool:
    """Whether a folder titled ``name`` reads back as ``name`` (white space is normalized)."""
    return _clean(name) == name


def _needs_namespace(feed: FeedSpec) -> bool:
    return bool(feed.channel) or not (_survives(feed.group) and _survives(feed.source))


def _outline(parent: etree._Element, **attrs: str) -> etree._Element:
    outline = etree.SubElement(parent, "outline")
    for key, value in attrs.items():
        outline.set(key, _xml(value))
    return outline


def _xml(text: str) -> str:
    """``text`` without the control characters XML 1.0 cannot represent."""
    return _NOT_XML.sub("", text)


# -- import ----------------------------------------------------------------


@dataclass(slots=True)
class _Outline:
    """A subscription-like outline as found: its attributes and the folders around it."""

    url: str
    text: str | None
    title: str | None
    category: str | None
    group: str | None  # feedmill:group, feedmill:source, feedmill:channel
    source: str | None
    channel: str | None
    folders: tuple[str, ...]
    reason: str | None = None  # why it is skipped whatever its URL
    folder: bool = False  # it had child outlines after all: a folder, not a feed


@dataclass(slots=True)
class _Frame:
    folder: str | None  # name if this element is a folder outline
    commented: bool
    body: bool  # inside <body>
    pending: _Outline | None = None  # a feed-typed outline without xmlUrl


@dataclass
class _Reader:
    """lxml parser target: collects feed outlines as the document streams by."""

    found: list[_Outline] = field(default_factory=list)
    stack: list[_Frame] = field(default_factory=list)
    saw_body: bool = False

    def doctype(self, name: str | None, public_id: str | None, system_id: str | None) -> None:
        # Called before the internal subset is read: no entity is ever declared.
        if (name or "").lower() == "html":
            raise OpmlError("this is an HTML page, not an OPML file")
        raise OpmlError(
            "the file has a DOCTYPE declaration; OPML does not use DTDs and they are "
            "refused (entity expansion and external entities are unsafe): delete its"
            " <!DOCTYPE …> declaration and import it again"
        )

    def start(self, tag: str, attrib: Mapping[str, str]) -> None:
        local = tag.rpartition("}")[2]
        if not self.stack:
            _check_root(local)
            self.stack.append(_Frame(None, False, False))
            return
        parent = self.stack[-1]
        if len(self.stack) == 1 and local == "body":
            self.saw_body = True
            self.stack.append(_Frame(None, False, True))
            return
        if not parent.body or local != "outline":
            self.stack.append(_Frame(None, parent.commented, parent.body))
            return
        if parent.pending is not None:  # "feed" without xmlUrl that has children
            parent.pending.folder = True
            parent.pending = None
        plain = {key.lower(): value for key, value in attrib.items() if not key.startswith("{")}
        commented = parent.commented or plain.get("iscomment", "").strip().lower() == "true"
        url = urls.without_invisible_ends(plain.get("xmlurl", ""))
        kind = plain.get("type", "").strip()
        name = _clean(plain.get("text")) or _clean(plain.get("title"))
        if not url and not (kind.lower() in _FEED_TYPES or attrib.get(_FRESHRSS + "opmlUrl")):
            frame = _Frame(name, commented, True)  # a folder (or a link, …)
            page, link = _clean(plain.get("htmlurl")), _clean(plain.get("url"))
            if page or link or "xmlurl" in plain:
                # A site's page, a link outline, a blank xmlUrl: no feed, said
                # (unless it has child outlines, a folder after all).
                outline = _Outline(
                    url="",
                    text=_clean(plain.get("text")),
                    title=_clean(plain.get("title")),
                    category=None,
                    group=None,
                    source=None,
                    channel=None,
                    folders=(),
                    reason="commented out (isComment)"
                    if commented
                    else f"no xmlUrl (a link to {urls.shown(link)}, not a feed)"
                    if link
                    else f"no xmlUrl (only htmlUrl, a web page: {urls.shown(page)})"
                    if page
                    else "no xmlUrl",
                )
                frame.pending = outline
                self.found.append(outline)
            self.stack.append(frame)
            return
        outline = _Outline(
            url=url,
            text=_clean(plain.get("text")),
            title=_clean(plain.get("title")),
            category=plain.get("category"),
            group=_own(attrib.get(_GROUP)),
            source=_own(attrib.get(_SOURCE)),
            channel=_own(attrib.get(_CHANNEL)),
            folders=tuple(frame.folder for frame in self.stack if frame.folder),
        )
        frame = _Frame(None, commented, True)  # a feed is not a folder
        if commented:
            outline.reason = "commented out (isComment)"
        elif kind.lower() in _SCRAPER_TYPES:
            outline.reason = f"FreshRSS {kind} web scraper, not a feed"
        elif not url:
            dynamic = attrib.get(_FRESHRSS + "opmlUrl")
            outline.reason = (
                f"FreshRSS dynamic OPML folder (import {urls.shown(dynamic.strip())} itself)"
                if dynamic
                else "no xmlUrl"
            )
            frame = _Frame(name, commented, True, pending=outline)  # unless it has children
        self.found.append(outline)
        self.stack.append(frame)

    def end(self, tag: str) -> None:
        self.stack.pop()

    def data(self, data: str) -> None:
        pass

    def comment(self, text: str) -> None:
        pass

    def close(self) -> list[_Outline]:
        return self.found


def _check_root(local: str) -> None:
    name = local.lower()
    if name == "opml":
        return
    if name == "html":
        raise OpmlError("this is an HTML page, not an OPML file")
    if name in ("rss", "feed", "rdf"):
        raise OpmlError(f"this is a feed (<{local}>), not an OPML list of feeds")
    raise OpmlError(f"not an OPML file: the root element is <{local}>, not <opml>")


def parse_opml(text: str | bytes) -> list[ImportedFeed]:
    """The feeds of an OPML document (``text``: its bytes or decoded text).

    Same as ``read_opml(text).feeds``; see :func:`read_opml`.
    """
    return read_opml(text).feeds


def read_opml(text: str | bytes) -> OpmlImport:
    """The feeds of an OPML document, in document order, each URL once, and what was skipped.

    ``text`` is the file's bytes (the encoding comes from its BOM or declaration;
    UTF-8 but for a stray byte among ten characters of several bytes is UTF-8,
    other undeclared non-UTF-8 is read as GB18030 or Big5) or already decoded text.

    Every ``<outline>`` with an ``xmlUrl`` is a feed, except commented-out ones
    and FreshRSS XPath / JSON scrapers; only http(s) URLs are kept (``feed://``
    is read as ``http://``).  Group, source and channel come from the first
    ``category`` path with at least two parts (``/group/source[/channel]``),
    else from the enclosing folders (group, source, channel), else one folder
    (or a one-part category) is the group and the feed's own name the source,
    else the group is ``未分类``.  ``feedmill:group``, ``feedmill:source`` and
    ``feedmill:channel`` win over all of these.  Raises :class:`OpmlError` for
    anything that is not OPML.
    """
    if isinstance(text, str):
        try:
            data, encoding = text.lstrip("\ufeff").encode("utf-8"), "utf-8"
        except UnicodeEncodeError as exc:
            raise OpmlError(f"the text cannot be encoded: {exc}") from None
    else:
        data, encoding = bytes(text), None
    if not data.removeprefix(codecs.BOM_UTF8).strip():
        raise OpmlError("the file is empty")
    reader = _read(_declaration_first(data), encoding)
    if not reader.saw_body:
        raise OpmlError("not an OPML subscription list: <opml> has no <body>")

    feeds: list[ImportedFeed] = []
    skipped: list[SkippedOutline] = []
    seen: dict[str, ImportedFeed] = {}
    for outline in reader.found:
        if outline.folder:
            continue
        name = outline.text or outline.title
        if outline.reason is not None:
            skipped.append(SkippedOutline(outline.url or None, name, outline.reason))
            continue
        feed, reason = _imported(outline)
        key = urls.identity(feed.url) if feed is not None else ""
        if feed is not None and key in seen:
            first = seen[key]
            reason = f"duplicate: already imported as {first.group} / {first.source}"
            skipped.append(SkippedOutline(outline.url, name, reason, again=feed))
        elif feed is None:
            skipped.append(SkippedOutline(outline.url, name, reason))
        else:
            seen[key] = feed
            feeds.append(feed)
    return OpmlImport(feeds, skipped)


def _read(data: bytes, encoding: str | None) -> _Reader:
    """Parse with the safe parser; if no reading works, the error of the one
    that read furthest is reported: a bare "&" a later reading mends, or
    bytes of an encoding a later one reads, are no fault to give before the
    file's own (the first reading's, where two read as far)."""
    furthest: etree.XMLSyntaxError | None = None
    for candidate, candidate_encoding in _attempts(data, encoding):
        reader = _Reader()
        parser = etree.XMLParser(
            target=cast("etree.ParserTarget", reader),  # lxml passes str, the stubs say AnyStr
            encoding=candidate_encoding,
            # No resolve_entities=False: with a parser target it turns "&amp;" in
            # attributes into "&#38;".  Nothing to resolve anyway: entities need a
            # DOCTYPE, which _Reader.doctype refuses before any is declared.
            no_network=True,
            load_dtd=False,
            huge_tree=False,
        )
        try:
            etree.fromstring(candidate, parser)
        except etree.XMLSyntaxError as exc:
            # (By line: a reading in another encoding counts a line's
            # characters otherwise; on one line, a fault of the file's own
            # over its bytes, and the first reading that finds it.)
            if furthest is None or (exc.position[0], _not_bytes(exc)) > (
                furthest.position[0],
                _not_bytes(furthest),
            ):
                furthest = exc
            continue
        return reader
    assert furthest is not None
    raise OpmlError(_describe(furthest, data)) from None


def _not_bytes(exc: etree.XMLSyntaxError) -> bool:
    """Whether the error is of the markup, not of bytes its encoding refuses."""
    return "encoding" not in (exc.msg or "").lower()


def _attempts(data: bytes, encoding: str | None) -> Iterator[tuple[bytes, str | None]]:
    """As is; with bare ``&`` and HTML entities fixed; as GB18030 (or Big5) if not
    UTF-8 after all.

    A declared GB2312 / GBK is read as GB18030 from the start: a superset, and
    files that say GB2312 routinely hold GBK-only characters.  As for feeds
    (`feedmill.parse.encoding`), a UTF-8 byte-order mark, or bytes that are
    valid UTF-8 and not all ASCII, are UTF-8 whatever the declaration says.
    """
    if encoding is None and _declared(data) not in (None, b"utf8"):
        if data.startswith(codecs.BOM_UTF8) or (not data.isascii() and _decodes(data, "utf-8")):
            encoding = "utf-8"
        elif _declared(data) in _GB_FAMILY:
            encoding = "gb18030"
    yield data, encoding
    repaired = _repair(data)
    if repaired != data:
        yield repaired, encoding
    if encoding is None and _undeclared_non_utf8(data):
        if _mostly_utf8(data):
            # UTF-8 but for a stray byte or two (a title cut inside a
            # character), as the feed decoder judges it: read as GB18030,
            # every name of the file was nonsense (财经 → 璐㈢粡).  (GBK's
            # pairs are seldom valid UTF-8: nine in ten of them never are.)
            for candidate in dict.fromkeys((data, repaired)):
                yield candidate.decode("utf-8", errors="replace").encode("utf-8"), "utf-8"
        for legacy in _legacy_chinese(data):
            for candidate in dict.fromkeys((data, repaired)):
                if _decodes(candidate, legacy):
                    yield candidate, legacy


def _legacy_chinese(data: bytes) -> tuple[str, str]:
    """The two encodings old Chinese tools write, likelier first: GB18030,
    unless detection reads Big5 (Taiwan, Hong Kong), which GB18030 would
    decode too, as nonsense (財經 → 癩竒).  Detection alone is no guide for
    GBK: short GBK text reads to it as Korean."""
    from feedmill.parse.encoding import _detect, common_share

    # Short text misleads detection (a few words of Big5 read as Shift JIS):
    # the decoding whose characters are its encoding's common ones wins.
    gb, big5 = common_share(data, "gb18030"), common_share(data, "big5")
    if abs(gb - big5) >= 0.3:
        return ("big5", "gb18030") if big5 > gb else ("gb18030", "big5")
    if _detect(data) in ("big5", "big5hkscs", "cp950"):
        return "big5", "gb18030"
    return "gb18030", "big5"


_BARE_AMP = re.compile(rb"&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9._-]*;)")
_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]*);")
_XML_ENTITIES = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})


_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
# A control character XML 1.0 forbids, written as itself (a vertical tab
# pasted into a title), as its reference is (`_xml_char_ref`).  No byte of a
# character of several bytes is one, in UTF-8, GBK or Big5; in ISO-2022 (JP,
# KR, CN) ESC, SO and SI shift between character sets.
_RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_RAW_CONTROL_BUT_SHIFTS = re.compile(rb"[\x00-\x08\x0b\x0c\x10-\x1a\x1c-\x1f]")


def _xml_char_ref(match: re.Match[bytes]) -> bytes:
    """A character reference XML 1.0 forbids (``&#1;``, a lone surrogate) goes:
    one stray control character in a title is no reason to refuse a file."""
    digits = match.group(1) or match.group(2)
    code = int(digits, 16 if match.group(1) else 10)
    allowed = (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )
    return match.group(0) if allowed else b""


def _declaration_first(data: bytes) -> bytes:
    """``data`` without the blank lines some exporters write before the XML
    declaration, which XML allows only at the very start."""
    bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
    rest = data[len(bom) :]
    stripped = rest.lstrip(b" \t\r\n")
    return bom + stripped if stripped is not rest and stripped.startswith(b"<?xml") else data


# A UTF-16 document without its byte-order mark: a "<" (after blanks), each a
# character of two bytes.  (Not any NUL near the start: one stray in a UTF-8
# file made it UTF-16, and unreadable.)
_UTF16_START = re.compile(rb"(?:[\t\n\r ]\x00)*<\x00|(?:\x00[\t\n\r ])*\x00<")


def _repair(data: bytes) -> bytes:
    """``a=1&b=2`` → ``a=1&amp;b=2``, ``&nbsp;`` → ``&#160;``, ``&#1;`` and a
    raw control character → nothing (a UTF-16 file — what PowerShell 5's
    ``>`` writes — as UTF-8)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _UTF16_START.match(data):
        utf8 = _utf16_as_utf8(data)
        return data if utf8 is None else _repair(utf8)
    data = _CHAR_REF.sub(_xml_char_ref, data)
    shifts = (_declared(data) or b"").startswith(b"iso2022")
    data = (_RAW_CONTROL_BUT_SHIFTS if shifts else _RAW_CONTROL).sub(b"", data)

    def entity(match: re.Match[bytes]) -> bytes:
        name = match.group(1)
        if name in _XML_ENTITIES:
            return match.group(0)
        codepoint = name2codepoint.get(name.decode("ascii"))
        return b"&#%d;" % codepoint if codepoint else b"&amp;" + name + b";"

    return _ENTITY.sub(entity, _BARE_AMP.sub(b"&amp;", data))


def _utf16_as_utf8(data: bytes) -> bytes | None:
    """A UTF-16 document (by its byte-order mark, else by where its NULs
    are) as UTF-8, its declaration saying so; None if it is not one."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
    if len(data) % 2:  # (a stray byte at the end: a new line an editor added)
        data = data[:-1]
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    from feedmill.parse.encoding import as_utf8_xml  # here: feedlist loads no parser

    return as_utf8_xml(text.lstrip("\ufeff \t\r\n"))  # (blank lines before the declaration)


_DECLARED = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']+)[\"']")


def _declared(data: bytes) -> bytes | None:
    """The encoding the XML declaration names, lower case without ``-`` / ``_``."""
    match = _DECLARED.match(data)
    if match is None:
        return None
    return match.group(1).strip().lower().replace(b"-", b"").replace(b"_", b"")


def _undeclared_non_utf8(data: bytes) -> bool:
    """Not UTF-8 although nothing (or UTF-8) is declared: old Chinese tools write GBK."""
    declared = _declared(data)
    if declared is not None and declared != b"utf8":
        return False
    return not _decodes(data, "utf-8")


def _decodes(data: bytes, encoding: str) -> bool:
    from feedmill.parse.encoding import decodes  # here: feedlist loads no parser

    return decodes(data, encoding)


def _mostly_utf8(data: bytes) -> bool:
    from feedmill.parse.encoding import mostly_utf8  # here: feedlist loads no parser

    return mostly_utf8(data)


_POSITION = re.compile(r",? line \d+, column \d+$")


def _describe(exc: etree.XMLSyntaxError, data: bytes) -> str:
    head = data[:4096].lower()
    if re.search(rb"<(?:!doctype\s+html|html)[\s>]", head):
        return "this is an HTML page, not an OPML file"
    message = _POSITION.sub("", exc.msg or str(exc)).strip()
    # libxml2's limits: its advice (XML_PARSE_HUGE) is for programmers.
    if "Excessive depth" in message:
        message = "folders nested more than 256 deep"
    elif "XML_PARSE_HUGE" in message:  # a text or attribute of over 10 MB
        message = "a text or attribute longer than 10 MB (no feed list has one)"
    line, column = exc.position
    said = f"cannot read the OPML file: bad XML at line {line}, column {column}: {message}"
    if "encoding" in message.lower() and _undeclared_non_utf8(data) and not _mostly_utf8(data):
        # (GB18030 and Big5 were tried: what else it is, only its writer knows.)
        name_it = (
            ": name its own in its first line"
            ' (<?xml version="1.0" encoding="windows-1252"?>, say) or save it as UTF-8'
        )
        if data.startswith(codecs.BOM_UTF8):
            said += (
                "; the file begins with a UTF-8 byte-order mark and is not UTF-8: save it"
                " as UTF-8, or remove the mark and name its encoding in its first line"
            )
        elif _declared(data) is None:
            said += "; the file is not UTF-8 and names no encoding" + name_it
        else:
            said += "; the file says it is UTF-8, and is not" + name_it
    return said


def _clean(value: str | None) -> str | None:
    """Whitespace runs (new lines too) as one space, trimmed, as it shows (a
    text of a zero-width space is none: the title, or the host, names the
    feed); None if nothing is left."""
    if value is None:
        return None
    return visible_name(_SPACES.sub(" ", value)) or None


def _one_line(name: str | None) -> str:
    """A name typed to `add`, trimmed, its runs of white space one space
    (``-s $'证券\\t时报'``: its posts were filed under 证券 时报)."""
    return _SPACES.sub(" ", name or "").strip()


def _own(value: str | None) -> str | None:
    """A ``feedmill:`` attribute exactly as written; None if missing or blank."""
    return value if value is not None and value.strip() else None


def from_feed_scheme(url: str) -> str:
    """``url`` less the ``feed:`` of a reader's subscribe link (feed://host/x
    is http://host/x, feed:https://host/x is https://host/x)."""
    rest = url[5:] if url.lower().startswith("feed:") else ""
    if rest.lower().startswith(("http://", "https://")):
        return rest
    return "http:" + rest if rest.startswith("//") and len(rest) > 2 else url


def _imported(outline: _Outline) -> tuple[ImportedFeed | None, str]:
    """The feed ``outline`` describes, or None and why not."""
    url = from_feed_scheme(outline.url)
    if "\ufffd" in url:  # (read as UTF-8 but for a stray byte: here, in the address)
        return None, "its address holds a byte of no character (the file is cut or mixed)"
    parts = urls.split(url)
    scheme = parts.scheme.lower() if parts is not None else ""
    if parts is None:
        return None, "not a valid URL"
    if scheme not in ("http", "https"):
        what = f"a {scheme}: URL" if scheme else "not an absolute URL"
        return None, f"{what}; only http(s) feeds are imported"
    if not parts.hostname:
        return None, "no host name in the URL"
    own = outline.text or outline.title or parts.hostname
    path = _category_path(outline.category)
    levels = path if len(path) >= 2 else (outline.folders or path)
    group = outline.group or (levels[0] if levels else UNCATEGORIZED)
    source = outline.source or (levels[1] if len(levels) >= 2 else own)
    channel = outline.channel or (levels[2] if len(levels) >= 3 else None)
    for level, name in (("group", group), ("source", source), ("channel", channel)):
        problem = None if name is None else category_name_problem(name)
        if problem:
            return None, f"its {level} {problem}"
    left_out = levels[3:] if not outline.channel else ()
    return ImportedFeed(url, group, source, channel, left_out), ""


def _category_path(category: str | None) -> tuple[str, ...]:
    """The parts of the first slash-delimited path in ``category`` (tags are skipped)."""
    for entry in (category or "").split(","):
        if "/" in entry:
            parts = tuple(p for p in (_clean(s) for s in entry.split("/")) if p)
            if parts:
                return parts
    return ()


# -- adding to feedmill.yml ------------------------------------------------


def add_feeds(
    config_text: str, feeds: Sequence[ImportedFeed]
) -> tuple[str, list[ImportedFeed], list[ImportedFeed]]:
    """Append ``feeds`` to the ``feeds:`` list of ``config_text``.

    Returns (new text, added, skipped): a feed whose exact URL is already in the
    list (or earlier in ``feeds``) is skipped.  New entries are block mappings
    indented like the list's last entry (or flow mappings in a flow list), with
    ``channel`` only when set; the rest of the text is unchanged byte for byte.
    A missing or empty (``feeds:``, ``~``, ``[]``) list becomes a block list.
    Line endings follow the text (CRLF if it has any).  Raises ConfigError if
    the text is not YAML, ``feeds:`` is not a list, or the result would not read
    back as the old entries followed by the new ones.  The result is not
    validated as a config: use :func:`add_feeds_to_file` or ``parse_config``.
    """
    try:
        # ruamel refuses tabs that YAML allows as separation (`site: .\t# …`,
        # `url:\thttps://…`) and the loader takes; a space for each keeps every
        # index, and only the structure is read here.
        root = YAML().compose(config_text.replace("\t", " "))
    except RuamelYAMLError as exc:
        raise ConfigError(f"YAML error: {exc}") from None
    if root is not None and (not isinstance(root, MappingNode) or root.flow_style):
        raise ConfigError("the top level must be a block mapping of keys (site, feeds, …)")
    key, value = _feeds_entry(root)

    seen = _urls(value)
    added: list[ImportedFeed] = []
    skipped: list[ImportedFeed] = []
    for feed in feeds:
        if feed.url in seen:
            skipped.append(feed)
        else:
            seen.add(feed.url)
            added.append(feed)
    if not added:
        return config_text, added, skipped

    newline = "\r\n" if "\r\n" in config_text else "\n"
    entries = [_entry(feed) for feed in added]
    text = config_text
    if key is None:  # no `feeds:` at all: a new key at the end
        indent = root.start_mark.column if root is not None else 0
        lead = "" if not text or text.endswith("\n") else newline
        block = _block(entries, indent + 2, indent + 4, newline)
        new_text = f"{text}{lead}{' ' * indent}feeds:{newline}{block}"
        before = 0
    elif isinstance(value, SequenceNode) and value.flow_style and value.value:
        new_text = _append_flow(text, value, entries, newline)
        before = len(value.value)
    elif isinstance(value, SequenceNode) and not value.flow_style:
        last = value.value[-1]
        dash = _dash_column(text, last, value)
        columns = [item.start_mark.column for item in value.value if _is_block_mapping(item)]
        block = _block(entries, dash, max([*columns[-1:], dash + 2]), newline)
        at = _after_own_comments(text, _line_end(text, _end_index(last, text)), dash)
        lead = "" if text[:at].endswith("\n") else newline
        new_text = text[:at] + lead + block + text[at:]
        before = len(value.value)
    elif (isinstance(value, SequenceNode) and value.flow_style) or _is_null(text, value):
        # `feeds: []`, `feeds: ~` or `feeds:` (entries commented out): the list starts
        # on the next line; the `[]` / `~` goes.
        assert value is not None
        start, end = value.start_mark.index, value.end_mark.index
        if start == end:  # implicit null: its mark is the next token, not the colon
            start = end = key.end_mark.index
        at = _line_end(text, end)
        if not text[end:at].strip():  # nothing else on the line: no trailing blanks
            start = len(text[:start].rstrip(" \t"))
        column = key.start_mark.column
        block = _block(entries, column + 2, column + 4, newline)
        lead = "" if text[:at].endswith("\n") else newline
        # Comments inside an empty `[ … ]` (`# 财经源待补充`): kept, above the
        # entries.  (Nothing else is there: every "#" begins one.)
        kept = "".join(
            f"{' ' * (column + 2)}{comment.rstrip()}{newline}"
            for comment in re.findall(
                r"#[^\r\n]*", text[value.start_mark.index : value.end_mark.index]
            )
        )
        new_text = text[:start] + text[end:at] + lead + kept + block + text[at:]
        before = 0
    else:
        line = key.start_mark.line + 1
        raise ConfigError(f"line {line}: feeds: must be a list of feeds")
    _verify(new_text, before, entries)
    return new_text, added, skipped


def _feeds_entry(root: Node | None) -> tuple[Node | None, Node | None]:
    """The ``feeds`` key node and its value node (None, None if absent)."""
    if root is None:
        return None, None
    for key, value in root.value:
        if isinstance(key, ScalarNode) and key.tag == MERGE_TAG and _merges_feeds(value):
            # A `feeds:` of the file's own would override the merged list: the
            # feeds it brought in were dropped from the config, without a word.
            raise ConfigError(
                f"line {key.start_mark.line + 1}: feeds: comes through a merge key (<<:); "
                "add feeds to the merged list by hand"
            )
        if isinstance(key, ScalarNode) and key.value == "feeds":
            if value.start_mark.index < key.end_mark.index:
                raise ConfigError(
                    f"line {key.start_mark.line + 1}: feeds: is an alias (*name); "
                    "add feeds to the anchored list by hand"
                )
            return key, value
    return None, None


MERGE_TAG = "tag:yaml.org,2002:merge"


def _merges_feeds(value: Node, depth: int = 0) -> bool:
    """Whether a merge key's mapping (or list of them) holds ``feeds``, itself
    or through a merge key of its own."""
    mappings = value.value if isinstance(value, SequenceNode) else [value]
    for mapping in mappings:
        if not isinstance(mapping, MappingNode):
            continue
        for key, inner in mapping.value:
            if not isinstance(key, ScalarNode):
                continue
            if key.value == "feeds" and key.tag != MERGE_TAG:
                return True
            # (Depth-capped: an alias may name its own mapping's ancestor.)
            if key.tag == MERGE_TAG and depth < 32 and _merges_feeds(inner, depth + 1):
                return True
    return False


def _urls(value: Node | None) -> set[str]:
    found: set[str] = set()
    if isinstance(value, SequenceNode):
        for item in value.value:
            if isinstance(item, MappingNode):
                for key, node in item.value:
                    if key.value == "url" and isinstance(node, ScalarNode):
                        found.add(str(node.value))
    return found


def _is_block_mapping(node: Node) -> bool:
    return isinstance(node, MappingNode) and not node.flow_style


def _is_null(text: str, node: Node | None) -> bool:
    if not isinstance(node, ScalarNode) or node.style:
        return False
    return text[node.start_mark.index : node.end_mark.index] in ("", "~", "null", "Null", "NULL")


def _is_empty(node: Node) -> bool:
    """An implicit null (``key:`` with nothing after it): its marks are the next token's."""
    return isinstance(node, ScalarNode) and node.start_mark.index == node.end_mark.index


def _dash_column(text: str, item: Node, sequence: Node) -> int:
    """Column of the ``-`` in front of ``item`` (the sequence's own mark may be an anchor)."""
    index: int = item.start_mark.index
    while index > 0 and text[index - 1] in " \t\r\n":
        index -= 1
    if index > 0 and text[index - 1] == "-":
        return index - 1 - (text.rfind("\n", 0, index - 1) + 1)
    return int(sequence.start_mark.column)


def _end_index(node: Node, text: str) -> int:
    """Where ``node`` ends: the end of its last scalar (or of a flow collection).

    A trailing empty value (``channel:``) ends at its key: the null's own mark
    is the next token, which may be lines further down, past comments.  A
    trailing alias (``rules: *ads``, ``- *ads``, ``<<: *base``) ends at its
    ``*name``: the node it stands for is marked where its anchor is.
    """
    floor = int(node.start_mark.index)  # how far the text is read: an alias is behind it
    while isinstance(node, MappingNode | SequenceNode) and not node.flow_style and node.value:
        end = int(node.end_mark.index)
        last = node.value[-1]
        if isinstance(last, tuple):
            key, node = last
            if _is_empty(node):
                return int(key.end_mark.index)
            floor = int(key.end_mark.index)
        else:
            for item in node.value[:-1]:  # (an alias among them too)
                floor = _past(text, item, floor, end)
            node = last
        if node.start_mark.index < floor:  # (an alias)
            return _alias_end(text, node, floor, end)
        floor = int(node.start_mark.index)
    return int(node.end_mark.index)


def _past(text: str, node: Node, floor: int, end: int) -> int:
    """Where ``node``, read at or after ``floor``, ends in ``text``."""
    if node.start_mark.index >= floor:
        return int(node.end_mark.index)
    return _alias_end(text, node, floor, end)


def _alias_end(text: str, node: Node, start: int, end: int) -> int:
    """The end of the first alias of ``node``'s anchor in ``text[start:end]``
    that is no comment's."""
    name = getattr(node, "anchor", None)
    if not isinstance(name, str):
        return start
    token = re.compile(rf"#[^\n]*|\*{re.escape(name)}(?=[\s,\]}}]|$)")
    for found in token.finditer(text, start, end):
        if found.group().startswith("*"):
            return found.end()
    return start


_COMMENT_LINE = re.compile(r"([ \t]*)#[^\n]*(?:\n|$)")


def _after_own_comments(text: str, at: int, dash: int) -> int:
    """Past the comment lines right after an entry that are indented under it
    (``# fulltext: true`` to uncomment later): they stay with their entry."""
    while at < len(text):
        line = _COMMENT_LINE.match(text, at)
        if line is None or len(line.group(1).expandtabs()) <= dash:
            break
        at = line.end()
    return at


def _line_end(text: str, index: int) -> int:
    """Index just after the line break that ends the line holding ``index - 1``."""
    if index > 0 and text[index - 1] == "\n":
        return index
    found = text.find("\n", index)
    return len(text) if found < 0 else found + 1


def _entry(feed: ImportedFeed) -> dict[str, str]:
    entry = {"url": feed.url, "group": feed.group, "source": feed.source}
    if feed.channel is not None:
        entry["channel"] = feed.channel
    return entry


def _dumper(flow: bool) -> YAML:
    yaml = YAML()
    yaml.default_flow_style = flow
    yaml.width = 1 << 16  # never fold a long value
    return yaml


def _render(entry: dict[str, str], yaml: YAML) -> str:
    """``entry`` as YAML that feedmill's loader (YAML 1.1) reads back as the same strings.

    ruamel writes YAML 1.2, where ``yes``, ``on`` or ``0777`` are plain strings; the
    config loader would read them as booleans and numbers, so such values are
    double-quoted (and so are values with line breaks, which stay on one line).
    """
    from feedmill.yamlload import YAMLError, load

    data: dict[str, str] = {
        k: DoubleQuotedScalarString(v) if _LINE_BREAK.search(v) else v for k, v in entry.items()
    }
    for _ in range(2):
        out = io.StringIO()
        yaml.dump(data, out)
        rendered = out.getvalue()
        try:
            back = load(rendered)
        except YAMLError:
            back = None
        wrong = [k for k, v in entry.items() if not isinstance(back, dict) or back.get(k) != v]
        if not wrong:
            return rendered.rstrip("\n")
        for name in wrong:
            data[name] = DoubleQuotedScalarString(entry[name])
    shown = {k: urls.shown(v) if k == "url" else v for k, v in entry.items()}
    raise ConfigError(f"cannot write {shown!r} as YAML")


# Line breaks for YAML 1.1 (the config loader) or 1.2 (ruamel).
_LINE_BREAK = re.compile("[\r\n\x85\u2028\u2029]")


def _block(entries: list[dict[str, str]], dash: int, key: int, newline: str) -> str:
    """Block-sequence items: ``-`` at column ``dash``, the keys at column ``key``."""
    yaml = _dumper(flow=False)
    lines: list[str] = []
    for entry in entries:
        for number, line in enumerate(_render(entry, yaml).split("\n")):
            if number == 0:
                lines.append(" " * dash + "-" + " " * (key - dash - 1) + line)
            else:
                lines.append(" " * key + line if line else line)
    return newline.join(lines) + newline


# What may follow a flow list's last item on its line: a comma, a comment.
_FLOW_LINE_REST = re.compile(r"[ \t]*,?[ \t]*(?:#[^\n]*)?\r?\n?")


def _append_flow(text: str, value: Node, entries: list[dict[str, str]], newline: str) -> str:
    """``[a, b]`` → ``[a, b, {new}]``: the list stays in flow style.

    When the last item starts a line of its own, so does each new one, after
    that line's comma and comment (which stay with their item); otherwise the
    new items go right after the last one.
    """
    if text[value.end_mark.index - 1] != "]":
        raise ConfigError(f"line {value.start_mark.line + 1}: feeds: cannot find the closing ]")
    last = value.value[-1]
    at = int(last.end_mark.index)
    line_start = text.rfind("\n", 0, last.start_mark.index) + 1
    own_line = (
        last.start_mark.line > value.start_mark.line
        and not text[line_start : last.start_mark.index].strip()
    )
    yaml = _dumper(flow=True)
    rest = text[at : _line_end(text, at)]
    if own_line and _FLOW_LINE_REST.fullmatch(rest):
        # Each new item on a line of its own, after the last line's comma and
        # comment (``{a},  # one``): the comment stays with its item.
        indent = text[line_start : last.start_mark.index]
        trailing = rest.lstrip(" \t").startswith(",")
        rendered = [indent + _render(entry, yaml) for entry in entries]
        items = ("," + newline).join(rendered) + ("," if trailing else "")
        end = at + len(rest)
        lead = "" if rest.endswith("\n") else newline
        head = text[:at] if trailing else text[:at] + ","
        return head + text[at:end] + lead + items + newline + text[end:]
    sep = "," + newline + text[line_start : last.start_mark.index] if own_line else ", "
    items = "".join(sep + _render(entry, yaml) for entry in entries)
    return text[:at] + items + text[at:]


def _verify(new_text: str, before: int, entries: list[dict[str, str]]) -> None:
    """The config loader reads ``new_text`` as the old feeds followed by ``entries``."""
    from feedmill.yamlload import YAMLError, load

    try:
        data: Any = load(new_text)
    except YAMLError as exc:
        raise ConfigError(
            "cannot add feeds to this `feeds:` list automatically (unusual layout; "
            f"the result would not be valid YAML: {exc}); add them by hand"
        ) from None
    feeds = data.get("feeds") if isinstance(data, dict) else None
    if (
        not isinstance(feeds, list)
        or len(feeds) != before + len(entries)
        or [dict(item) if isinstance(item, dict) else item for item in feeds[before:]] != entries
    ):
        raise ConfigError(
            "cannot add feeds to this `feeds:` list automatically (unusual layout); "
            "add them by hand"
        )


def add_feeds_to_file(
    path: Path,
    feeds: Sequence[ImportedFeed],
    *,
    dry_run: bool = False,
    refused: list[tuple[ImportedFeed, str]] | None = None,
) -> tuple[list[ImportedFeed], list[ImportedFeed]]:
    """Add ``feeds`` to the config file at ``path``; returns (added, skipped).
    With ``dry_run``, the same answer, and the file is left as it is.  Given a
    ``refused`` list, the feeds the config would refuse go there, with the
    reason, and the others are added.

    A feed is skipped when the config already has its URL (the same location as
    the config loader sees it, so ``a.xml`` and ``./a.xml`` are one feed, and a
    feed's ``moved_from`` URL is that feed) or an earlier feed in ``feeds`` has
    it.  The file must be a valid config before (without a ``feeds:`` list, or
    empty, it gets one), and the result is validated
    with the config loader before anything is written (ConfigError otherwise,
    file untouched).  The new text replaces the file atomically (temporary
    file in the same directory, then ``os.replace``),
    keeping its permissions; a symlinked config is written through the link.
    Nothing is written when nothing is added.
    """
    path = Path(path)
    with _editing(path):
        return _add_feeds_to_file(path, feeds, dry_run=dry_run, refused=refused)


@contextlib.contextmanager
def _editing(path: Path) -> Iterator[None]:
    """Hold the config file's lock (the kernel's, as the site's: a killed
    command drops it) while it is read and replaced: two `add`s at once each
    said "added" and the second wrote over the first's feed.  The file is
    replaced by a rename, so the lock taken must still be on the file the path
    names; a file that cannot be opened is left to the reading to report, and
    one on a file system that takes no such lock (ENOLCK; NFS's, which takes
    one only on a file open for writing) is edited without it, as it was
    before there was one: tried again, the lock was refused for ever."""
    import fcntl

    while True:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            locks = False
        else:
            locks = True
        if not locks:
            os.close(fd)
            yield
            return
        try:
            held = os.path.samestat(os.fstat(fd), os.stat(path))
        except OSError:
            held = False  # gone meanwhile: open whatever the path names now
        try:
            if held:
                yield
                return
        finally:
            os.close(fd)


def _add_feeds_to_file(
    path: Path,
    feeds: Sequence[ImportedFeed],
    *,
    dry_run: bool,
    refused: list[tuple[ImportedFeed, str]] | None,
) -> tuple[list[ImportedFeed], list[ImportedFeed]]:
    text = _read_config(path)
    config = parse_config(text, path, feeds_optional=True)  # the list may start here
    known = {config.feed_key(feed) for feed in config.feeds}
    # A feed's earlier URL (moved_from) is that feed: an old export has it.
    known.update(
        urls.identity(_location(url, config.base_dir))
        for feed in config.feeds
        for url in feed.earlier_urls
    )
    fresh: list[ImportedFeed] = []
    skipped: list[ImportedFeed] = []
    for feed in feeds:
        where = urls.identity(_location(feed.url, config.base_dir))
        if where in known:
            skipped.append(feed)
        else:
            known.add(where)
            fresh.append(feed)
    if refused is not None:
        fresh = _screened(path, config, fresh, refused)
    try:
        new_text, added, more = add_feeds(text, fresh)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if added:
        try:
            parse_config(new_text, path)
        except ConfigError as exc:
            error = _entry_error(exc, path)
            index = error[0] - len(config.feeds) if error else -1
            if error and 0 <= index < len(added):
                raise RefusedFeedError(path, added[index], error[1]) from None
            raise
        if not dry_run:
            write_atomically(path, new_text)
    return added, skipped + more


# "12: feeds[3] (https://…): group: must not be empty", after the file's name.
_ENTRY_ERROR = re.compile(r"\d+: feeds\[(\d+)\](?: \([^\n]*?\))?: (.*)", re.DOTALL)


def _screened(
    path: Path,
    config: Config,
    feeds: list[ImportedFeed],
    refused: list[tuple[ImportedFeed, str]],
) -> list[ImportedFeed]:
    """``feeds`` but those the config would refuse, which go to ``refused``.

    Checked on the parsed config, not by validating the whole file again per
    refusal: that took a minute for 40 refusals among 1,600 feeds.  The file
    is still validated whole before it is written.
    """
    entries = [_entry(feed) for feed in feeds]
    specs: dict[int, FeedSpec] = {}
    for index, entry in enumerate(entries):
        try:
            specs[index] = feed_entry(entry, path)
        except ConfigError as exc:
            error = _entry_error(exc, path)
            refused.append((feeds[index], error[1] if error else str(exc)))
    known = [{"url": feed.url} for feed in config.feeds]
    while specs:
        kept = list(specs)
        candidate = msgspec.structs.replace(
            config, feeds=(*config.feeds, *(specs[i] for i in kept))
        )
        try:
            check_feeds(candidate, {"feeds": [*known, *(entries[i] for i in kept)]}, path)
        except ConfigError as exc:
            error = _entry_error(exc, path)
            index = error[0] - len(config.feeds) if error else -1
            if error is None or not 0 <= index < len(kept):
                break  # not a new feed's fault: the whole file's validation says what
            refused.append((feeds[kept[index]], error[1]))
            del specs[kept[index]]
        else:
            break
    return [feeds[i] for i in specs]


def _entry_error(exc: ConfigError, path: Path) -> tuple[int, str] | None:
    """The ``feeds`` index ``exc`` is about and what it says of that entry."""
    found = _ENTRY_ERROR.match(str(exc).removeprefix(f"{path}:"))
    return (int(found.group(1)), found.group(2)) if found else None


def import_feeds_to_file(
    path: Path,
    feeds: Sequence[ImportedFeed],
    *,
    dry_run: bool = False,
    again: Sequence[ImportedFeed] = (),
) -> tuple[list[ImportedFeed], list[ImportedFeed], list[tuple[ImportedFeed, str]]]:
    """:func:`add_feeds_to_file`, leaving out each feed the config would refuse.

    Returns (added, skipped, refused with the reason): one feed an OPML file's
    folders name badly does not keep the others out.  A feed refused where
    it is first listed is imported where it is listed ``again`` (Feedly lists
    a feed in each of its folders), if the config takes it there.
    """
    others: dict[str, list[ImportedFeed]] = {}
    for feed in again:
        others.setdefault(urls.identity(feed.url), []).append(feed)
    listing = list(feeds)
    passed_over: list[tuple[ImportedFeed, str]] = []  # refused where another listing was taken
    settled = not others
    while True:
        pending = list(listing)
        refused: list[tuple[ImportedFeed, str]] = []
        while True:
            try:
                # (A trial first, while another listing may yet replace a refused one.)
                trial = dry_run or not settled
                added, skipped = add_feeds_to_file(path, pending, dry_run=trial, refused=refused)
            except RefusedFeedError as exc:
                refused.append((exc.feed, exc.reason))
                pending.remove(exc.feed)
            else:
                break
        if settled:
            return added, skipped, passed_over + refused
        gone: list[ImportedFeed] = []  # (by identity: a folder may list a feed twice alike)
        for feed, reason in refused:
            listed = others.get(urls.identity(feed.url))
            if listed:
                gone.append(feed)
                passed_over.append((feed, reason))
                # Last: a listing taken in another's place never costs a feed
                # the config took its own place.
                listing.append(listed.pop(0))
        out = {id(feed) for feed in gone}
        listing = [feed for feed in listing if id(feed) not in out]
        settled = not gone
        if settled and dry_run:
            return added, skipped, passed_over + refused


def add_feed_to_file(
    path: Path, url: str, group: str, source: str, channel: str | None = None
) -> ImportedFeed:
    """Add one feed to the config file at ``path``, as :func:`add_feeds_to_file` does.

    Returns the feed as added.  ``url`` and the names are trimmed (``-g "金融 "``
    would be another group's category page), a name's line breaks and tabs
    spaces, as `import` makes them; an empty ``channel`` means none.  Raises
    :class:`DuplicateFeedError` (a ConfigError) naming the entry when the config
    already has ``url``, ConfigError for anything else wrong; the file is
    untouched then.
    """
    path = Path(path)
    url = url.strip()
    feed = ImportedFeed(url, _one_line(group), _one_line(source), _one_line(channel) or None)
    added, _ = add_feeds_to_file(path, [feed])
    if added:
        return added[0]
    text = _read_config(path)
    config = parse_config(text, path)
    where = urls.identity(_location(feed.url, config.base_dir))

    def earlier(spec: FeedSpec) -> set[str]:
        return {urls.identity(_location(u, config.base_dir)) for u in spec.earlier_urls}

    index = next((i for i, f in enumerate(config.feeds) if config.feed_key(f) == where), None)
    moved = index is None
    if moved:
        index = next((i for i, f in enumerate(config.feeds) if where in earlier(f)), None)
    if index is None:  # cannot happen: skipped means a feed with this location exists
        raise DuplicateFeedError(
            f"{path}: already has the feed {urls.shown(url)}; nothing was added"
        )
    old = config.feeds[index]
    has = "moved from this feed" if moved else "already has this feed"
    raise DuplicateFeedError(
        f"{path}:{_line_of_feed(text, index)}: feeds[{index}] {has} "
        f"({urls.shown(old.url)}, group {old.group}, source {old.source}"
        f"{f', channel {old.channel}' if old.channel else ''}); nothing was added"
    )


def _location(url: str, base_dir: Path) -> str:
    """Where the config loader fetches ``url`` from (``url`` itself if it is malformed:
    the loader then says what is wrong with it)."""
    try:
        return resolve_location(url, base_dir)
    except ValueError:
        return url


def _line_of_feed(text: str, index: int) -> int:
    from feedmill.yamlload import line_of, load

    return int(line_of(load(text), ("feeds", index)))


def _read_config(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")  # bytes: keep \r\n as it is
    except FileNotFoundError:
        raise ConfigError(no_config(path)) from None
    except UnicodeDecodeError as exc:  # as every other command says it
        raise not_utf8(path, exc) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def _umasked(mode: int) -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mode & ~mask


def _why(exc: OSError, target: Path) -> str:
    """What went wrong, without the temporary file's name that errno messages carry."""
    if isinstance(exc, FileNotFoundError) and not target.parent.is_dir():
        return f"no such folder {target.parent}"
    return exc.strerror or str(exc)


def _write_in_place(target: Path, text: str) -> None:
    """``text`` written over the file at ``target`` itself, where no copy can
    replace it.  Its room is taken first: a full disk fails the write before
    a byte of the file changes (a config cut off in an entry stopped every
    command).  The new text is written whole, then the file cut to it."""
    data = text.encode("utf-8")
    with open(target, "r+b") as handle:
        size = os.fstat(handle.fileno()).st_size
        try:
            os.posix_fallocate(handle.fileno(), 0, len(data))
        except OSError as exc:
            # What it took before it failed is the file's, as zeros (ext4;
            # glibc's stand-in, on file systems without it, writes them):
            # given back, or the config ended in NULs no command could read.
            os.ftruncate(handle.fileno(), size)
            if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                raise  # (a file system that cannot: written all the same)
        handle.write(data)
        handle.truncate()
        handle.flush()
        os.fsync(handle.fileno())


def write_atomically(path: Path, text: str) -> None:
    """``text`` replaces the file at ``path`` whole or not at all (a temporary
    file beside it, then a rename), keeping its permissions and, where it may,
    its owner; a symlink is written through.  A file no rename may replace
    (mounted on its own, on a read-only file system too), or that other hard
    links name, is written in place (`_write_in_place`).  ConfigError if it
    cannot be written, or is read-only."""
    try:
        target = path.resolve()
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a directory")
        # A new file gets what open() would give it.
        old = target.stat() if target.exists() else None
        if old and not old.st_mode & 0o222:
            # Made read-only to keep it as it is: a rename would go round
            # that (and root's writes would too).
            raise PermissionError(errno.EACCES, "the file is read-only (chmod u+w to allow it)")
        mode = stat.S_IMODE(old.st_mode) if old else _umasked(0o666)
        if old and old.st_nlink > 1:
            # A file of other names too (a hard link a cron job or a service
            # reads it by): a rename would cut this one loose, and they would
            # never see the edit.  Written in place, as vim does there.
            _write_in_place(target, text)
            return
    except OSError as exc:
        raise ConfigUnwritable(f"{path}: cannot write: {_why(exc, target)}") from None
    try:
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        if old and exc.errno == errno.EROFS and os.access(target, os.W_OK):
            # A read-only file system, the file itself on another that takes
            # writes: one mounted on its own (`docker run --read-only -v …`).
            # (A folder the user may not write is said so: see below.)
            try:
                _write_in_place(target, text)
            except OSError as failed:
                raise ConfigUnwritable(f"{path}: cannot write: {_why(failed, target)}") from None
            return
        why = _why(exc, target)
        if not isinstance(exc, FileNotFoundError):
            # The file itself may be writable: the copy that replaces it whole
            # is made in its folder.
            why = (
                f"its folder {target.parent} takes no new file ({why}), and the copy that"
                " replaces it whole is written there"
            )
        raise ConfigUnwritable(f"{path}: cannot write: {why}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        if old and (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
            # The daemon's user must still read a config that root edited.  Only
            # root may give a file away: anyone else keeps what they can.
            with contextlib.suppress(PermissionError):
                os.chown(temp, old.st_uid, old.st_gid)
        os.chmod(temp, mode)
        try:
            os.replace(temp, target)
        except OSError as exc:
            if exc.errno not in (errno.EBUSY, errno.EXDEV):
                raise
            # A file mounted on its own (`docker run -v ./feedmill.yml:…`)
            # is no name a rename may take: written in place, as an editor
            # does there.
            os.unlink(temp)
            _write_in_place(target, text)
            return
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise ConfigUnwritable(f"{path}: cannot write: {_why(exc, target)}") from None
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable (POSIX)
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
