"""Aligned terminal columns for `feedmill status` (columns.py)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from feedmill.columns import cell, columns


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
    "error", ["bad XML: [/] unexpected [red] tag \\", "x\\\\", "x\\\\\\", "\\", "a[/b]"]
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
