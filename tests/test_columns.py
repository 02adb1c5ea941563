"""Aligned terminal columns for `feedmill status` (columns.py)."""

from __future__ import annotations

import io

import pytest
from rich.cells import cell_len
from rich.console import Console

from feedmill.columns import blocks, cell, columns, fit, fitted


def plain(markup: str) -> str:
    console = Console(file=io.StringIO(), width=500, color_system=None, highlight=False)
    console.print(markup, soft_wrap=True)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(out, str)
    return out


def test_columns_align_by_display_width_chinese_counting_two() -> None:
    text = columns(
        ("feed", "HTTP", "error"),
        [
            [cell("基准 / 证券时报网"), cell("304"), cell("")],
            [cell("ab"), cell("500"), cell("HTTP 500", "red")],
        ],
    )
    assert plain(text).splitlines() == [
        "feed               HTTP  error",
        "基准 / 证券时报网  304",
        "ab                 500   HTTP 500",
    ]


def test_a_cell_of_several_lines_makes_its_row_that_high() -> None:
    text = columns(
        ("feed", "note"),
        [[[("a", ""), ("moved permanently to https://b/", "yellow")], cell("boom", "red")]],
    )
    assert plain(text).splitlines() == [
        "feed                             note",
        "a                                boom",
        "moved permanently to https://b/",
    ]


@pytest.mark.parametrize(
    "error",
    [
        "bad XML: [/] unexpected [red] tag \\",
        "x\\\\",
        "x\\\\\\",
        "\\",
        "a[/b]",
        # A backslash before a "[" that opens no tag: rich took it for an escape.
        "?filter=\\[categor",
        "ANSI \\[1m bold",
        "a\\\\[ c \\[x] \\[",
    ],
)
def test_text_that_looks_like_markup_is_shown_as_it_is(error: str) -> None:
    text = columns(("error",), [[cell(error, "red")]])
    assert plain(text).splitlines()[1] == error


def test_a_name_ending_in_a_backslash_shows_once_and_keeps_the_columns_aligned() -> None:
    text = columns(("feed", "ok"), [[cell("g / a\\"), cell("yes")], [cell("g / bb"), cell("no")]])
    assert plain(text).splitlines() == ["feed    ok", "g / a\\  yes", "g / bb  no"]


def test_styles_reach_the_terminal() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, color_system="standard")
    console.print(columns(("x",), [[cell("boom", "red")]]), soft_wrap=True)
    assert "\x1b[31mboom" in console.file.getvalue()  # type: ignore[attr-defined]


def test_the_table_where_it_fits_blocks_where_it_does_not_and_always_without_a_terminal() -> None:
    header = ("feed", "HTTP", "error")
    rows = [
        [cell("基准 / 证券时报网"), cell("304"), cell("")],
        [cell("ab"), cell("500"), cell("HTTP 500: Internal Server Error", "red")],
    ]
    table = columns(header, rows)
    widest = max(cell_len(line) for line in plain(table).splitlines())
    assert widest == 17 + 2 + 4 + 2 + 31
    assert fit(header, rows, None) == fit(header, rows, widest) == table
    # Too narrow for the error to have 30 columns of its own: blocks.
    narrow = 17 + 2 + 4 + 2 + 29
    assert fit(header, rows, narrow) == blocks(header, rows, narrow) != table


def test_a_long_last_column_is_folded_in_its_place_not_made_blocks() -> None:
    """One failing feed's 300-character error put every feed of the table
    in blocks, three lines each, in a terminal of 300 columns."""
    header = ("feed", "HTTP", "error / warning")
    error = "HTTP 500 Internal Server Error: got text: " + "upstream 错误 timeout " * 16
    rows = [
        [cell("金融 / 证券时报网"), cell("304"), cell("")],
        [cell("ab"), cell("500"), cell(error, "red")],
        [cell("cd"), cell("200"), cell("declared GBK but the bytes are UTF-8", "yellow")],
    ]
    shown = plain(fit(header, rows, 80)).splitlines()
    assert shown[0] == "feed               HTTP  error / warning"
    assert shown[1] == "金融 / 证券时报网  304"
    assert all(cell_len(line) <= 80 for line in shown)
    start = 17 + 2 + 4 + 2  # where the last column begins (rows ab, cd: a column a character)
    assert shown[2].startswith("ab                 500   HTTP 500 Internal")
    assert all(line[:start].isspace() for line in shown[3:-1])
    # Folded at spaces: the lines, joined by one, are the error.
    assert " ".join(line[start:].strip() for line in shown[2:-1]) == error.strip()
    assert shown[-1].startswith("cd") and shown[-1].endswith("declared GBK but the bytes are UTF-8")


def test_a_long_name_is_cut_at_its_end_a_url_in_its_middle() -> None:
    """As `status`' table cuts them at 60 columns and its blocks at the width."""
    assert fitted("科技 / s / Crazy " + "x" * 60, 20) == "科技 / s / Crazy xx…"
    url = "https://rsshub.example.org/cls/telegraph/red?limit=50&key=1"
    assert fitted(url, 30, middle=True) == "https://rsshub.exam…t=50&key=1"
    assert fitted(url, len(url)) == url


HEADER = ("feed", "last attempt", "next", "items", "posts", "error / warning")


def test_a_narrow_terminal_gets_a_block_per_row_its_facts_named_and_folded() -> None:
    rows = [
        [
            cell("金融 / 证券时报网 / 要闻"),
            cell("5s ago"),
            cell("in 14m"),
            cell("5"),
            cell("5"),
            (),
        ],
        [
            [("金融 / 证券时报网 / 快讯", ""), ("http://127.0.0.1:9/kuaixun", "dim")],
            cell("1s ago"),
            cell("overdue 3h", "yellow"),
            (),  # never read: no item count, left out
            cell("0"),
            [("cannot connect: connection refused", "red"), ("a warning", "yellow")],
        ],
    ]
    assert plain(blocks(HEADER, rows, 40)).splitlines() == [
        "金融 / 证券时报网 / 要闻",
        "  last attempt 5s ago · next in 14m",
        "  items 5 · posts 5",
        "金融 / 证券时报网 / 快讯",
        "  http://127.0.0.1:9/kuaixun",
        "  last attempt 1s ago · next overdue 3h",
        "  posts 0",
        "  cannot connect: connection refused",
        "  a warning",
    ]
    # As many facts to a line as the width holds (Chinese counting two).
    assert plain(blocks(HEADER, rows[:1], 200)).splitlines()[1] == (
        "  last attempt 5s ago · next in 14m · items 5 · posts 5"
    )
    # Narrower than a fact: one to a line, none lost.
    assert len(plain(blocks(HEADER, rows[:1], 5)).splitlines()) == 5
    # A heading's lines are cut to the width (the table cuts them at 60); a
    # URL in its middle: its end tells one RSSHub route from another.
    assert plain(blocks(HEADER, rows[1:], 20)).splitlines()[:2] == [
        "金融 / 证券时报网 /…",
        "  http://127.…uaixun",
    ]


@pytest.mark.parametrize(
    ("text", "width", "cut"),
    [
        ("x🇨🇳🇯🇵y", 3, "x…"),  # not a flag's lone letter
        ("👨\u200d👩\u200d👧 family", 4, "👨\u200d👩\u200d👧…"),  # two columns, not its father
        ("❤️❤️❤️❤️", 5, "❤️❤️…"),  # each two columns with its presentation selector
        ("金融 / 证券时报网", 0, ""),
    ],
)
def test_a_heading_is_cut_between_the_symbols_a_reader_sees(
    text: str, width: int, cut: str
) -> None:
    rows = [[cell(text), cell("1s ago"), (), (), (), ()]]
    assert plain(blocks(HEADER, rows, width)).splitlines()[0] == cut


def test_a_blocks_heading_is_bold_and_its_styles_reach_the_terminal() -> None:
    rows = [[cell("g / a"), cell("1s ago"), cell("overdue 3h", "yellow"), (), (), cell("x", "red")]]
    console = Console(
        file=io.StringIO(), force_terminal=True, color_system="standard", highlight=False
    )
    console.print(blocks(HEADER, rows, 80), soft_wrap=True)
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b[1mg / a" in shown and "\x1b[33mnext overdue 3h" in shown
    assert "\x1b[31mx" in shown


@pytest.mark.parametrize("text", ["bad [red] tag \\", "a[/b]", "\\"])
def test_a_blocks_text_that_looks_like_markup_is_shown_as_it_is(text: str) -> None:
    rows = [[cell(text), cell(text), (), (), (), cell(text, "red")]]
    assert plain(blocks(HEADER, rows, 80)).splitlines() == [
        text,
        f"  last attempt {text}",
        f"  {text}",
    ]
