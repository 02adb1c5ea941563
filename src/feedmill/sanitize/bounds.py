"""``bounded``: an item's markup within what the HTML5 parser reads in linear time.

html5ever (nh3's parser, with a browser's rules) reads any markup, but some
in time or output that grows with its square: elements nested 100,000 deep
(0.5 MB took 53 s), formatting left open and reopened in every later
paragraph (60 KB made a post of 14 MB), a tag of 100,000 attributes
(`htmltree.bounded_attributes`).  ``bounded`` drops the tags (never the
text) that would take the parser past bounds no article comes near.

Each bound reads the markup as HTML's tokenizer does (a tag is where its
quotes say it ends; a comment, a script's or a title's text holds no tags)
and, where only the tree builder knows — a ``<style>`` is raw text in HTML
and markup in SVG; an end tag inside a table closes nothing outside it —
counts what costs more.  The copies of links left open are asked of the
parser itself.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from feedmill.htmltree import bounded_attributes
from feedmill.normalize.text import UNQUOTED_LAST

__all__ = ["MAX_DEPTH", "MAX_REOPENED_BYTES", "bounded", "flattened_deep_nesting", "unformatted"]

# Browsers stop nesting at 512 elements; no article comes near this.
MAX_DEPTH = 256
# What the parser may add by reopening formatting elements left open: each
# is reopened at every later paragraph, so the cost is its markup's length
# times the tags after it.  (An article's bold bleeding into the rest, as a
# browser shows it too, is a few bytes a paragraph.)
MAX_REOPENED_BYTES = 2_000_000

_SPACE = "\t\n\f\r "  # (HTML's five: U+3000, a no-break space, is a name's or a value's)
# The rest of a tag after its name, as the tokenizer reads it: attributes,
# each a name (which may begin with "=" or a quote, and hold a "<") and
# perhaps "=" and a value, which a quote opens only there (what it quotes, a
# ">" or a "<", is the value's); a value unquoted runs to a space or a ">".
# It ends at ">", or at the text's end (where the tokenizer drops it): nothing
# is tried twice, and no tag is tried past another's end (each "<a" of
# "<a x<a x…" tried to the text's end took quadratic time).
_TAG_REST = (
    rf"(?:[{_SPACE}/]++|[^{_SPACE}/>][^{_SPACE}/>=]*+"
    rf"""(?:[{_SPACE}]*+=[{_SPACE}]*+(?:"[^"]*+"?|'[^']*+'?|[^{_SPACE}>]*+))?+)*+(?:>|\Z)"""
)
_NAME_END = rf"(?=[{_SPACE}/>]|\Z)"
_NAME = rf"[A-Za-z][^{_SPACE}/>]*+"
# What holds no tags: a comment (`<!-->` and `<!--->` are empty ones), a bogus
# comment (a doctype, `<?xml …?>`), an end tag of no name (`</ 1>`).
# (A CDATA section is bogus in HTML, to its first ">", and one in SVG, to its
# "]]>": read by the rules in force, see _cdata.)
_NO_TAGS = (
    r"<!--(?:-?>|.*?(?:--!?>|\Z))"
    r"|<(?:!(?!\[CDATA\[)|\?)[^>]*+(?:>|\Z)"
    r"|</(?:>|[^A-Za-z>][^>]*+(?:>|\Z))"
)
_NO_TAG = r"<(?!/?[A-Za-z]|!\[CDATA\[)"  # (a "<" that begins none: text)
# Elements whose content the tokenizer reads as text, in HTML: not in SVG or
# MathML.  (nh3's parser runs with scripting: a <noscript>'s is text.)
_RAW = (
    *("iframe", "noembed", "noframes", "noscript", "plaintext", "script", "style", "textarea"),
    *("title", "xmp"),
)
_START_TAG = re.compile(rf"<({_NAME}){_TAG_REST}", re.IGNORECASE | re.DOTALL)


def _scanner(passed: str = "") -> re.Pattern[str]:
    """Each tag the parser sees (a raw text element's start tag, not its
    text), but those of ``passed`` names, passed over in the regex engine:
    no Python for each of the thousands of tags of a long article."""
    run = rf"[^<]++|{_NO_TAGS}|{_NO_TAG}" + (rf"|</?{passed}{_TAG_REST}" if passed else "")
    return re.compile(
        rf"(?:{run})*+(?:(?P<cdata><!\[CDATA\[)|<(?P<end>/?)(?P<name>{_NAME}){_TAG_REST}|\Z)",
        re.IGNORECASE | re.DOTALL,
    )


_TAGS = _scanner()


def _one_of(names: Iterable[str]) -> str:
    """A pattern of ``names`` as a tree of their letters: the regex engine
    tries a few letters where it would try each name (a tenth of a
    microsecond a tag, in articles of thousands)."""
    tree: dict[str, dict[str, Any]] = {}
    for name in names:
        node = tree
        for letter in name:
            node = node.setdefault(letter, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        branches = [
            re.escape(letter) + pattern(rest) for letter, rest in sorted(node.items()) if letter
        ]
        if not branches:
            return ""
        either = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        if "" not in node:
            return either
        return f"(?:{either})?" if len(branches) == 1 and len(either) > 1 else f"{either}?"

    return pattern(tree)


@dataclass(frozen=True)
class _Region:
    """Text that may be markup: a raw text element's where the count cannot
    tell HTML's rules from SVG's, a CDATA section's.  Its start tags are
    counted, its end tags are not: either way, no more is counted closed
    than the parser closes."""

    start: int
    end: int


def _raw_end(html: str, start: int, name: str) -> int:
    """Where the raw text of a ``name`` element that begins at ``start``
    ends: at its end tag (`</script` and a space, "/" or ">"), else at the
    text's end.  A script's text may hide its end tag in a comment that
    holds a `<script` (HTML's "double escaped" script data)."""
    if name == "plaintext":
        return len(html)
    found = _RAW_END_TAGS[name].search(html, start)
    end = found.start() if found else len(html)
    if name == "script" and html.find("<!--", start, end) >= 0:
        return _script_end(html, start)
    return end


_RAW_END_TAGS = {name: re.compile(rf"</{name}[{_SPACE}/>]", re.IGNORECASE) for name in _RAW}


_SCRIPT_MARKS = re.compile(
    rf"(<!--)|(-->)|(</script)[{_SPACE}/>]|(<script)[{_SPACE}/>]", re.IGNORECASE
)
_CLOSED_AT_ONCE = re.compile(r"-*>")  # (`<!-->`, `<!--->`: escaped and back at once)


def _script_end(html: str, start: int) -> int:
    """Where a script's text that begins at ``start`` ends, by the
    tokenizer's script data states."""
    escaped = double = False
    for mark in _SCRIPT_MARKS.finditer(html, start):
        if mark[1]:
            if not escaped and not _CLOSED_AT_ONCE.match(html, mark.end()):
                escaped = True
        elif mark[2]:
            escaped = double = False
        elif mark[3]:
            if not double:
                return mark.start()
            double = False
        elif escaped:
            double = True
    return len(html)


def _cdata(html: str, start: int, html_rules: bool | None) -> _Region:
    """What a CDATA section beginning at ``start`` holds: in HTML a bogus
    comment, to its first ">"; in SVG or MathML text, to its "]]>"; where
    the count cannot tell, a _Region to the later of the two."""
    # (Only the end the reading needs is looked for: each "]]>" looked for to
    # the text's end from each of 100,000 `<![CDATA[>` took quadratic time.)
    ends = []
    if html_rules is not False:
        first = html.find(">", start)
        ends.append(len(html) if first < 0 else first + 1)
    if html_rules is not True:
        cdata = html.find("]]>", start)
        ends.append(len(html) if cdata < 0 else cdata + 3)
    end = max(ends)
    return _Region(start, end) if html_rules is None else _Region(end, end)


# A tag: where it starts and ends, its name (in lower case), whether it is an
# end tag, whether it stands in a _Region (whose end tags are not told).
_Tag = tuple[int, int, str, bool, bool]


def _tags(
    html: str,
    raw_text: _RawText,
    scanner: re.Pattern[str] = _TAGS,
    names: frozenset[str] | None = None,
) -> Iterator[_Tag]:
    """Each tag the parser sees (of those ``scanner`` tells, of ``names`` if
    given).  ``raw_text`` says, after a raw text element's start tag,
    whether its content is text (True), markup (False) or either (None)."""
    position = 0
    while True:
        region = None
        for token in scanner.finditer(html, position):
            closing, name = token.group("end", "name")
            if name is not None:
                name = name.lower()
                if names is None or name in names:
                    yield token.start("end") - 1, token.end(), name, bool(closing), False
                if closing or name not in _RAW:
                    continue
                text = raw_text.answer()
                if text is False:
                    continue
                end = _raw_end(html, token.end(), name)
                region = _Region(token.end(), end) if text is None else _Region(end, end)
            elif token["cdata"]:
                region = _cdata(html, token.end(), raw_text.answer())
            else:
                return
            break
        else:
            return
        for start_tag in _START_TAG.finditer(html, region.start, region.end):
            name = start_tag[1].lower()
            if names is None or name in names:
                yield start_tag.start(), start_tag.end(), name, False, True
        position = region.end


class _RawText:
    """Whether HTML's rules read the markup (True) — a raw text element's
    content is text, a CDATA section a bogus comment — or SVG's or MathML's
    (False), asked as the count goes.  Here: HTML's where no SVG or MathML
    element is, else either (None)."""

    def __init__(self, html: str) -> None:
        self.html_rules = _FOREIGN.search(html) is None

    def answer(self) -> bool | None:
        return True if self.html_rules else None


_FOREIGN = re.compile(rf"<(?:svg|math){_NAME_END}", re.IGNORECASE)


# Elements without content, and those the parser closes by itself at the next
# of their kind (an article of unclosed <p>s is not 500 levels deep).
_NOT_NESTING = frozenset(
    {
        *("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"),
        *("param", "source", "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th"),
        *("option", "optgroup", "thead", "tbody", "tfoot", "colgroup", "caption"),
        *("rb", "rt", "rp", "rtc"),
    }
)
# Where a link's start no longer closes one left open before (HTML5's markers
# in the list of formatting elements; a table to be safe; SVG and MathML,
# whose <a> is theirs): a link there nests.
_LINK_SCOPES = frozenset(
    {"applet", "caption", "marquee", "math", "object", "svg", "table", "td", "template", "th"}
)
# Tags that end SVG or MathML content (the parser leaves it for HTML's)…
_BREAKING_OUT = frozenset(
    {
        *("b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt"),
        *("em", "embed", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li"),
        *("listing", "menu", "meta", "nobr", "ol", "p", "pre", "ruby", "s", "small", "span"),
        *("strong", "strike", "sub", "sup", "table", "tt", "u", "ul", "var"),
    }
)
_FONT_BREAKS_OUT = re.compile(rf"[{_SPACE}/](?:color|face|size)[{_SPACE}/=>]", re.IGNORECASE)
# … and those whose content is HTML's within it.
_INTEGRATION_POINTS = frozenset(
    {"foreignobject", "desc", "title", "mi", "mo", "mn", "ms", "mtext", "annotation-xml"}
)


class _Foreign(_RawText):
    """Whether the markup is SVG's or MathML's (``depth``: of their elements
    open; ``names``: of each name), as far as the count can follow: inside
    an element of theirs that holds HTML (a <foreignObject>'s), until it is
    seen closed with all it held (or their outermost element closes), it is
    ``unsure``."""

    def __init__(self) -> None:
        self.depth = 0
        self.names: Counter[str] = Counter()
        self.unsure = False
        # An element that may hold HTML, just opened, and the depth before it;
        # the one that made the count unsure.
        self.point: tuple[str, int] | None = None
        self.held: tuple[str, int] | None = None

    def answer(self) -> bool | None:
        return None if self.unsure else not self.depth

    def leave(self) -> None:
        self.depth = 0
        self.names.clear()

    def read(self, html: str, start: int, end: int, name: str, closing: bool, depth: int) -> None:
        if self.point is not None and not (closing and name == self.point[0]):
            self.unsure, self.held = True, self.point
        self.point = None
        if self.unsure:
            return
        if (name in _BREAKING_OUT and (not closing or name in ("br", "p"))) or (
            name == "font" and not closing and _FONT_BREAKS_OUT.search(html, start, end)
        ):
            self.leave()
        elif name in _INTEGRATION_POINTS and not closing and not _closes_itself(html, start, end):
            self.point = (name, depth)

    def closed(self, name: str, depth: int) -> None:
        """An end tag counted closing: the element that held HTML, all it
        held closed, or the outermost element, makes the count sure again."""
        if self.unsure and (self.held == (name, depth) or not self.depth):
            self.unsure, self.held = False, None


# Elements no end tag of an element opened before them reaches past, while
# they are open: scope's bounds (a table, a template, an object, a marquee,
# an applet, a select; SVG's and MathML's elements that hold HTML).
_WALLED_IN = frozenset(
    {"applet", "marquee", "object", "select", "table", "template", *_INTEGRATION_POINTS}
)


def _closes_itself(html: str, start: int, end: int) -> bool:
    """Whether the tag at ``start``…``end`` ends with "/>" (not a value's "/")."""
    return html.endswith("/>", start, end) and not UNQUOTED_LAST.search(html, start, end - 2)


# (Where neither is, no tag leaves them: those that do not nest are passed over.)
_NESTING_TAGS = _scanner(rf"(?:{_one_of(_NOT_NESTING)}){_NAME_END}")


def flattened_deep_nesting(html: str) -> str:
    """``html`` without the tags of elements nested deeper than MAX_DEPTH
    (their text stays).  The HTML parser's work grew faster than the square
    of the depth: 100,000 `<div>`s in one 0.5 MB item took nh3 53 s, and the
    item was sanitized again at every render.

    The depth is counted as the parser nests elements: an end tag with none
    of its kind open closes nothing, a link's start closes the link left
    open; in SVG and MathML (`_Foreign`) a tag that closes itself
    (`<path/>`) and a link in a link do not nest; in HTML they do, and raw
    text holds no tags.  Where the count cannot follow, it counts deeper."""
    if html.count("<") <= MAX_DEPTH:
        return html
    foreign = _Foreign()
    depth = wall = 0
    link_open = False
    # Each name's elements open, as counted: how many walls (see _WALLED_IN)
    # were open when each was opened.
    levels: dict[str, list[int]] = {}
    kept: list[str] = []
    position = 0
    scanner = _TAGS if _FOREIGN.search(html) else _NESTING_TAGS
    for start, end, name, closing, in_region in _tags(html, foreign, scanner):
        if foreign.depth or foreign.point is not None:
            foreign.read(html, start, end, name, closing, depth)
        sure = not foreign.unsure
        if name in _NOT_NESTING:
            continue
        stack = levels.setdefault(name, [])
        if closing:
            if in_region or not stack:
                continue  # (an end tag with none of its kind open: the parser ignores it)
            if foreign.depth and sure:
                if foreign.names[name]:
                    foreign.names[name] -= 1
                else:
                    foreign.leave()  # (an HTML element's end: the parser leaves SVG for it)
            if stack[-1] < wall - (name in _WALLED_IN):
                continue  # (a table, a template… opened since: no end tag reaches past it)
            stack.pop()
            if name in _WALLED_IN:
                wall -= 1
            if name in ("svg", "math") and foreign.depth:
                foreign.depth -= 1
        else:
            if _closes_itself(html, start, end):
                # SVG's and MathML's own close so (`<path/>`); in HTML, an
                # XHTML writer's `<span/>` opens a <span> the parser closes at
                # the paragraph's end, which the count does not follow: taken
                # as closed, rather than as an element open for good (an
                # article's every tag past its 256th paragraph went).
                continue
            if name == "a" and link_open and sure:
                continue  # (a link's start closes the one left open: no deeper)
            if name in _LINK_SCOPES:
                link_open = False  # (… but not one outside a cell: counted again)
            if foreign.depth and sure:
                foreign.names[name] += 1
            if name in ("svg", "math"):
                foreign.depth += 1
            stack.append(wall)
            if name in _WALLED_IN:
                wall += 1
        deep = depth > MAX_DEPTH if closing else depth >= MAX_DEPTH
        depth += -1 if closing else 1  # (an end tag counted closes one counted open)
        if closing and foreign.unsure:
            foreign.closed(name, depth)
        if name == "a" and not deep:
            link_open = not closing and not foreign.depth
        if deep:
            kept.append(html[position:start])
            # A link's start closes the link left open: without it, that
            # one went on over this one's text, to the wrong address.
            kept.append("</a>" if name == "a" and not closing else "")
            position = end
    if not kept:
        return html
    kept.append(html[position:])
    return "".join(kept)


def bounded(html: str, base: str | None = None) -> str:
    """``html`` in the bounds an HTML5 parser reads in linear time: an
    element's attributes (`bounded_attributes`), the depth
    (`flattened_deep_nesting`), what formatting left open reopens
    (`_closing_runaway_formatting`)."""
    # (What each copy of a link may grow by: its address made absolute
    # against ``base``, the attributes the sanitizer gives links.)
    grows = len(base or "") + 64
    return _closing_runaway_formatting(flattened_deep_nesting(bounded_attributes(html)), grows)


# Formatting elements, which the HTML5 parser reopens in every later block
# while they are open (its "active formatting elements") — a link too (a
# 20 KB address left open before 5,000 paragraphs made a post of 100 MB).
_FORMATTING = (
    *("a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong"),
    *("tt", "u"),
)
# Elements an end tag inside of closes no formatting element outside (those
# no end tag reaches past: a table's cells too).
_WALLS = _WALLED_IN
# A table's cells and rows: a cell's end closes what was left open in it.
_CELLS = ("caption", "td", "th", "tr")
_TOLD = frozenset((*_FORMATTING, *_WALLS, *_CELLS))
_TOLD_TAGS = _scanner(rf"(?!(?:{_one_of({*_TOLD, *_RAW})}){_NAME_END}){_NAME}")
_ESCAPED = ('"', "&", "<", ">", "\xa0")  # (each written out as a reference: "&quot;")


def _written_length(tag: str) -> int:
    """What a copy of ``tag`` may take written out: its values quoted, what
    they hold escaped (a '"' that quotes a value is no escape)."""
    escaped = sum(map(tag.count, _ESCAPED)) - 2 * tag.count('="')
    return len(tag) + 5 * max(escaped, 0) + 2 * tag.count("=")


def _reopening(html: str, grows: int) -> tuple[Counter[str], dict[str, list[tuple[int, int]]]]:
    """Each formatting name's cost, and its tags' places.  The cost: what
    the parser's reopening of its elements left open adds, counted tag by
    tag: each element's copy at each later tag and text while it is open, as
    long as its tag written out (its address made absolute, a quote as
    "&quot;"), three alike at most (HTML5's "Noah's Ark": an old
    CMS's <font face="宋体"> left open in each paragraph is three, not
    hundreds).  An end tag closes the last of its name open — not one opened
    outside the table (or object…) it stands in, which the parser keeps
    open; a table cell's end closes what was left open in it — and what
    stays open until a late end tag is counted all along
    (it was reopened all along).  A link too: left open, its start tags
    are then asked of the parser (`_links_bounded`)."""
    # (One function of local names: it reads every formatting tag of long articles.)
    count = html.count
    tags = count("<")
    # (Ticks: one at each tag.  The parser copies an element where it reopens
    # it after something closed it — a tag, or a block's start — so once a tag
    # at most, whatever the text between.)
    ticks = position = 0
    open_walls: list[str] = []  # (see _WALLS), in the order opened…
    wall = 0  # … and how many
    open_: Counter[str] = Counter()  # each tag written alike: its elements open
    stacks: dict[str, list[tuple[str, int, int]]] = {}  # each name's open: tag, walls, serial
    alive: set[int] = set()  # the serials of those open
    # Each table open: the walls open with it, and what was opened in its cell
    # open (None: no cell open), which the cell's end closes (the parser's marker).
    tables: list[tuple[int, list[tuple[str, str, int]] | None]] = []
    # Whether the count follows the parser's tables: an element it moves out
    # of a table (what stands in one outside its cells, `<table><marquee>`)
    # may end it, where the count does not see it end (no cell's end closes
    # anything after that).
    trusted = True
    since: dict[str, int] = {}  # when each tag's cost was last counted
    weight: dict[str, int] = {}
    name_of: dict[str, str] = {}
    cost: Counter[str] = Counter()  # each name's
    tags_of: dict[str, list[tuple[int, int]]] = {}  # each name's tags' places

    def counted(written: str, name: str, change: int) -> None:
        alike = open_[written]
        if alike:
            cost[name] += min(alike, 3) * weight[written] * (ticks - since[written])
        since[written] = ticks
        open_[written] = alike + change

    def cell_ends() -> None:
        # (Newest first: each at its name's top, found at once.)
        for written, name, serial in reversed((tables[-1][1] or ()) if trusted else ()):
            if serial in alive:
                alive.discard(serial)
                counted(written, name, -1)
                stack = stacks[name]
                stack.pop(next(i for i in range(len(stack) - 1, -1, -1) if stack[i][2] == serial))
        tables[-1] = (tables[-1][0], None)

    for serial, (start, end, name, closing, in_region) in enumerate(
        _tags(html, _RawText(html), _TOLD_TAGS, _TOLD)
    ):
        ticks += count("<", position, start)
        position = start
        if name in _CELLS:
            if tables and tables[-1][0] == wall and not in_region:
                cell_ends()
                if not closing and name != "tr":
                    tables[-1] = (wall, [])
            continue
        if name in _WALLS:
            if closing:
                if name == "template" and "template" in open_walls:
                    while open_walls.pop() != "template":
                        pass  # (what the template holds ends with it)
                elif open_walls and open_walls[-1] == name:
                    open_walls.pop()
                else:
                    continue  # (another wall opened since stands between: the parser ignores it)
                wall = len(open_walls)
                while tables and tables[-1][0] > wall:
                    cell_ends()
                    tables.pop()
                trusted = trusted or not tables
                continue
            if name != "table" and tables and tables[-1][1] is None:
                trusted = False
            in_a_table = tables and tables[-1][0] == wall and tables[-1][1] is None
            if name == "table" and not in_region and in_a_table:
                # (A table in a table, not in a cell: the parser ends the one open first.)
                cell_ends()
                tables.pop()
                open_walls.pop()
            open_walls.append(name)
            wall = len(open_walls)
            if name == "table" and not in_region:
                tables.append((wall, None))
            continue
        tags_of.setdefault(name, []).append((start, end))
        stack = stacks.setdefault(name, [])
        if closing:
            if not stack or stack[-1][1] < wall or in_region:
                continue
            written, _, opened = stack.pop()
            alive.discard(opened)
            counted(written, name, -1)
        else:
            written = html[start:end]
            if written not in weight:
                weight[written] = _written_length(written) + (grows if name == "a" else 0)
                name_of[written] = name
            stack.append((written, wall, serial))
            alive.add(serial)
            if tables and tables[-1][0] == wall and tables[-1][1] is not None:
                tables[-1][1].append((written, name, serial))
            counted(written, name, 1)
    ticks = tags + 1
    for written, alike in open_.items():
        if alike:
            cost[name_of[written]] += min(alike, 3) * weight[written] * (ticks - since[written])
    return cost, tags_of


_FORMATTING_START = re.compile(rf"<({_one_of(_FORMATTING)}){_NAME_END}", re.IGNORECASE)
_REST = re.compile(_TAG_REST, re.DOTALL)


def _fits_anyway(html: str, grows: int) -> bool:
    """Whether reopening could not take the parser past MAX_REOPENED_BYTES
    even were each formatting start tag written anywhere (in a comment, a
    quoted value too) a tag, each left open to the end: most articles, told
    so without reading their tags one by one.  (Reads a tag's text only while
    what it has read keeps within the bound: linear, whatever hides in it.)"""
    tags = html.count("<")
    # (At once for a short article: its tags, which do not overlap, could
    # not cost more were all of them links.)
    if (6 * len(html) + grows * tags) * (tags + 1) <= MAX_REOPENED_BYTES:
        return True
    room = MAX_REOPENED_BYTES
    before = position = 0  # (tags before ``position``)
    for start in _FORMATTING_START.finditer(html):
        before += html.count("<", position, start.start())
        position = start.start()
        end = _REST.match(html, start.end())
        written = _written_length(html[position : end.end() if end else len(html)])
        room -= (written + (grows if start[1] in "aA" else 0)) * (tags - before + 1)
        if room < 0:
            return False
    return True


def _closing_runaway_formatting(html: str, grows: int) -> str:
    """``html`` without the tags of the formatting elements left open that
    cost most (by name), until what reopening them adds stays within
    MAX_REOPENED_BYTES: each reopened in every later paragraph, they made the
    parser's work and its output grow with the square of the markup (a
    <font color=…> of its own colour per paragraph, never closed: 60 KB became
    14 MB, 400 KB took 5 GB; 60 each of <b>, <i>, <u> and <s>: 131 KB became
    68 MB).  Their text, links and images stay; one left open near the end
    (an editor's line) costs nothing and keeps the article's formatting.
    Links, then, by what the parser does (`_links_bounded`)."""
    if _fits_anyway(html, grows):
        return html
    costs, tags_of = _reopening(html, grows)
    links = costs.pop("a", 0)  # (links go one by one, as the parser says: see below)
    total = sum(costs.values())
    runaway: list[tuple[int, int]] = []
    for name, cost in costs.most_common():
        if total <= MAX_REOPENED_BYTES:
            break
        runaway += tags_of[name]
        total -= cost
    if runaway:
        html = _replaced(html, sorted(runaway), "")
    if total + links > MAX_REOPENED_BYTES:
        html = _links_bounded(html, MAX_REOPENED_BYTES - total, grows)
    return html


_LINK_START = re.compile(rf"<a{_NAME_END}{_TAG_REST}", re.IGNORECASE)
_NUMBERED_LINK = re.compile(r'<a title="(\d+)"')


def _links_bounded(html: str, room: int, grows: int) -> str:
    """``html`` without the start tags of the links whose reopening costs
    most, until what it adds fits in ``room``.  When a link's block ends
    before the link does (``<p><a …>链接</p>``), the parser reopens the link
    in each later block until a link's tag closes it — but not after a
    ``</a>`` in a comment, not in a table's cell, not inside an element that
    held it whole: what it does is asked of the parser itself, on the markup
    with each link's tag a short numbered one, and each reopening costs that
    link's tag."""
    import nh3

    spans: list[tuple[int, int]] = []

    def numbered(match: re.Match[str]) -> str:
        spans.append(match.span())
        return f'<a title="{len(spans) - 1}">'

    skeleton = _LINK_START.sub(numbered, html)
    copies = Counter(int(n) for n in _NUMBERED_LINK.findall(nh3.clean(skeleton)))
    costs = sorted(
        (
            ((_written_length(html[start:end]) + grows) * (copies[index] - 1), (start, end))
            for index, (start, end) in enumerate(spans)
            if copies[index] > 1
        ),
        reverse=True,
    )
    total = sum(cost for cost, _ in costs)
    dropped: list[tuple[int, int]] = []
    for cost, span in costs:
        if total <= room:
            break
        dropped.append(span)
        total -= cost
    # Each as a link's end: it closed the link left open before it, which
    # would otherwise go on over its text (the copies asked of the parser
    # are those of markup where it did).
    return _replaced(html, sorted(dropped), "</a>") if dropped else html


def _replaced(html: str, spans: list[tuple[int, int]], by: str) -> str:
    """``html`` with ``by`` in place of each of the (ordered, separate) ``spans``."""
    kept, position = [], 0
    for start, end in spans:
        kept.append(html[position:start])
        kept.append(by)
        position = end
    kept.append(html[position:])
    return "".join(kept)


_ANY_FORMATTING = re.compile(
    rf"</?(?:{'|'.join(_FORMATTING[1:])}){_NAME_END}{_TAG_REST}|</a{_NAME_END}{_TAG_REST}",
    re.IGNORECASE,
)


def unformatted(html: str) -> str:
    """``html`` without the tags of formatting elements, each link's start a
    link's end: markup in which the parser reopens nothing, however it reads
    it.  (Each tag goes as a space: no "<" and what follows a tag join into one.)"""
    return _LINK_START.sub("</a>", _ANY_FORMATTING.sub(" ", html))
