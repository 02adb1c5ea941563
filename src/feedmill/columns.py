"""Aligned columns for the terminal, as rich markup (pure).

rich's Table measures and folds every cell: 1.3 s for the 1,000 rows of a
big site's ``status``.  This aligns by display width (CJK counts 2) and lets
the terminal wrap long lines: 0.07 s.  A terminal narrower than the table
gets each row as a block instead (`blocks`): wrapped, a row of ~190 columns
ran over three lines of an 80-column one, under a header that no longer
lined up with anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.cells import cell_len
from rich.markup import escape

from feedmill.normalize.chars import joins

Line = tuple[str, str]  # (text, rich style or "")
Cell = Sequence[Line]  # one line or more, stacked
GAP = "  "


# Control characters other than tab and line feed, C1 ones included: what a
# server sent (a reason phrase, an error page's text) reaches `status` and the
# run's messages, and ESC or CSI there would move the cursor, clear the
# screen or retitle the operator's terminal.
# Bidirectional embeddings, overrides and isolates too: U+202E in a title
# showed the rest of its line reversed.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # its Control Picture: ESC shows as ␛
    return "\u2421" if code == 0x7F else "\ufffd"


def visible(text: str) -> str:
    """``text`` with its control characters shown, never obeyed, by a terminal."""
    return _CONTROLS.sub(_picture, text) if _CONTROLS.search(text) else text


def cell(text: str, style: str = "") -> Cell:
    """A one-line cell (an empty text is an empty cell)."""
    return ((visible(text), style),) if text else ()


# Backslashes before a "[" that opens no tag: rich reads the last one as
# escaping it ("a\\[1m" showed "a[1m"), where `escape` takes only those
# before a tag.  One more keeps them all.
_BEFORE_AN_OPENING = re.compile(r"(\\+)(?=\[)(?!\[[a-z#/@][^\[]*?\])")


def plain(text: str) -> str:
    """``text`` as markup that shows it as written, whatever follows it.

    rich's ``escape`` doubles a trailing backslash, lest it escape a tag that
    follows; before anything else both would show (and before a "[" that
    opens no tag, one: `_BEFORE_AN_OPENING`).  Doubled and followed by
    an empty tag, a backslash shows once in every place.  Control characters
    show as pictures (see ``visible``).
    """
    text = visible(text)
    if "\\[" in text:
        text = _BEFORE_AN_OPENING.sub(r"\1\\", text)
    body = text.rstrip("\\")
    if body == text:
        return escape(text)
    return escape(body) + "\\" * 2 * (len(text) - len(body)) + "[dim][/dim]"


def _styled(text: str, style: str) -> str:
    if not (style and text):
        return plain(text)
    return f"[{style}]{plain(text)}[/{style}]"


def _widths(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> list[int]:
    widths = [cell_len(name) for name in header]
    for row in rows:
        for index, stacked in enumerate(row):
            for text, _ in stacked:
                widths[index] = max(widths[index], cell_len(text))
    return widths


# The least room the last column (errors, warnings) is folded into, rather
# than the table giving way to blocks.
LAST_ROOM = 30


def fit(header: Sequence[str], rows: Sequence[Sequence[Cell]], width: int | None) -> str:
    """`columns`, or where the table is wider than ``width`` (None: no
    terminal, a pipe: the table whatever its width), the table with its last
    column folded into the room the others leave it — `blocks` where that is
    under `LAST_ROOM` columns: one failing feed's long error put a whole
    site's table in blocks, three lines a feed, in a terminal of 300."""
    widths = _widths(header, rows)
    if width is None or _table_width(widths) <= width:
        return _columns(header, rows, widths)
    room = width - _table_width(widths[:-1]) - len(GAP)
    if room < min(widths[-1], LAST_ROOM):
        return blocks(header, rows, width)
    folded = [[*row[:-1], _folded(row[-1], room)] for row in rows]
    return _columns(header, folded, [*widths[:-1], room])


def _folded(stacked: Cell, width: int) -> Cell:
    """Each line of a cell folded to ``width`` columns, at a space where one
    is in the line's second half."""
    out: list[Line] = []
    for text, style in stacked:
        while cell_len(text) > width:
            head = _head(text, width) or _symbols(text)[0]
            space = head.rfind(" ")
            if space > len(head) // 2:
                head = head[:space]
            out.append((head.rstrip(), style))
            text = text[len(head) :].lstrip(" ")
        if text or not out:
            out.append((text, style))
    return tuple(out)


def _table_width(widths: Sequence[int]) -> int:
    """The width of `columns`' widest line, its columns ``widths`` wide."""
    return sum(widths) + len(GAP) * (len(widths) - 1)


def columns(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    """``rows`` under ``header``, each column as wide as its widest line.

    A cell of several lines makes its row as many lines high; the last
    column is not padded, and no line ends in spaces.
    """
    return _columns(header, rows, _widths(header, rows))


def _columns(header: Sequence[str], rows: Sequence[Sequence[Cell]], widths: list[int]) -> str:
    last = len(header) - 1

    def line(parts: Sequence[Line]) -> str:
        out = []
        for index, (text, style) in enumerate(parts):
            pad = "" if index == last else " " * (widths[index] - cell_len(text))
            out.append(_styled(text, style) + pad)
        return GAP.join(out).rstrip()

    out = [line([(name, "bold") for name in header])]
    for row in rows:
        height = max((len(stacked) for stacked in row), default=0)
        for depth in range(max(height, 1)):
            out.append(line([c[depth] if depth < len(c) else ("", "") for c in row]))
    return "\n".join(out)


INDENT = "  "
SEPARATOR = " · "


def blocks(header: Sequence[str], rows: Sequence[Sequence[Cell]], width: int) -> str:
    """``rows`` one after another, for a terminal ``width`` columns wide: the
    first cell's lines (its first in bold) head a row's block, cut to the
    width; the cells between, each named by its column (``items 5``; an
    empty one left out), follow, as many to a line as ``width`` holds; the
    last cell's lines close it, each on its own (a long error is wrapped by
    the terminal, never cut)."""
    room = max(width - len(INDENT), 1)
    out: list[str] = []
    for row in rows:
        first, *middle, last = row
        for depth, (text, style) in enumerate(first):
            if depth == 0:
                out.append(_styled(fitted(text, width), f"bold {style}".strip()))
            else:  # a URL: its host and its end tell it from the others
                out.append(INDENT + _styled(fitted(text, room, middle=True), style))
        facts = [
            (f"{name} {' '.join(text for text, _ in stacked)}", stacked[0][1])
            for name, stacked in zip(header[1:-1], middle, strict=True)
            if stacked
        ]
        line: list[str] = []
        used = 0
        for fact, style in facts:
            size = cell_len(fact) + (cell_len(SEPARATOR) if line else 0)
            if line and used + size > room:
                out.append(INDENT + SEPARATOR.join(line))
                line, used = [], 0
                size = cell_len(fact)
            line.append(_styled(fact, style))
            used += size
        if line:
            out.append(INDENT + SEPARATOR.join(line))
        out.extend(INDENT + _styled(text, style) for text, style in last)
    return "\n".join(out)


def fitted(text: str, width: int, *, middle: bool = False) -> str:
    """``text`` cut to ``width`` columns with "…" at its end (with ``middle``,
    in its middle), between the symbols a reader sees (a flag is not cut to
    one of its letters)."""
    if cell_len(text) <= width:
        return text
    if width <= 0:
        return ""
    room = width - 1
    if not middle:
        return _head(text, room) + "…"
    head = _head(text, room * 2 // 3)
    return f"{head}…{_tail(text, room - cell_len(head))}"


def _symbols(text: str) -> list[str]:
    """``text`` as the symbols a reader sees: a flag, a family of emoji, a
    letter and its marks, an emoji and its presentation selector, each one."""
    out: list[str] = []
    for index, char in enumerate(text):
        if out and joins(text, index):
            out[-1] += char
        else:
            out.append(char)
    return out


def _head(text: str, width: int) -> str:
    """The longest start of ``text`` at most ``width`` columns wide (each
    symbol measured whole: "❤️" is 2, a family of three emoji 2)."""
    kept, used = [], 0
    for symbol in _symbols(text):
        size = cell_len(symbol)
        if used + size > width:
            break
        kept.append(symbol)
        used += size
    return "".join(kept).rstrip()


def _tail(text: str, width: int) -> str:
    """The longest end of ``text`` at most ``width`` columns wide."""
    kept: list[str] = []
    used = 0
    for symbol in reversed(_symbols(text)):
        size = cell_len(symbol)
        if used + size > width:
            break
        kept.append(symbol)
        used += size
    return "".join(reversed(kept))
