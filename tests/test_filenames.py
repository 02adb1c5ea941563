"""Post file names: stable, unique, ≤ 255 bytes and safe for Hexo — for any title."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from feedmill.publish.filenames import MAX_NAME_BYTES, post_filename, slugify

titles = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=400)
keys = st.text(min_size=1, max_size=200)


@settings(max_examples=400)
@given(title=titles, key=keys)
def test_any_title_gives_a_hexo_safe_name(title: str, key: str) -> None:
    name = post_filename(title, "https://feed.example/x", key)
    assert name.endswith(".md")
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert not name.startswith(("_", ".", "-"))
    assert not any(ch in name for ch in "?#%/\\:*\"<>|'\x00 \t\n")
    assert name == post_filename(title, "https://feed.example/x", key)  # stable


@given(title=titles, a=keys, b=keys)
def test_different_items_get_different_names(title: str, a: str, b: str) -> None:
    if a != b:
        assert post_filename(title, "f", a) != post_filename(title, "f", b)


def test_readable_slugs() -> None:
    assert slugify("上海科技创新实力迈上新台阶 全球影响力显著提升") == (
        "上海科技创新实力迈上新台阶-全球影响力显著提升"
    )
    assert slugify("What's new in Python 3.11?") == "what-s-new-in-python-3-11"
    assert slugify("#1 _hidden_ .dotted") == "1-hidden-dotted"
    assert slugify("🚀🚀") == ""


def test_what_shows_nothing_does_not_break_a_slug() -> None:
    """A zero-width space, joiner or soft hyphen inside a word split the
    word in the post's file name, and its URL: "零-宽-字符-…"."""
    assert slugify("零\u200b宽\u200d字\ufeff符") == "零宽字符"
    assert slugify("Bundes\u00adliga news") == "bundesliga-news"


def test_long_titles_are_cut_at_a_character_boundary() -> None:
    name = post_filename("中" * 300, "f", "k")
    assert len(name.encode()) <= MAX_NAME_BYTES
    name.encode("utf-8").decode("utf-8")


def test_empty_title_still_names_a_file() -> None:
    assert post_filename("", "f", "k") == post_filename("!!!", "f", "k")
    assert len(post_filename("", "f", "k")) == len("0123456789.md")
