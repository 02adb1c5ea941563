"""Category names and the pages Hexo makes of them."""

from __future__ import annotations

import random

import pytest

from feedmill.publish.categories import hexo_slug, visible_name

from support import hexo

# Letters hexo-util folds (accented, full-width, circled), white space that
# JavaScript and Python disagree on, separators, controls, CJK and emoji.
_POOL = (
    "aZ09 -_.+#/\\|:;'\"<>?~`!@$%^&*()[]{}=,"
    "ÀÁÂÃÄÅàáâãäåÆæÇçÈÉèéÑñÖöØøÜüßĀāĞğİıŁłŒœŠšŽžǅǲ"
    "ＡＢＣａｂｃ０１２ⒶⓐꜲ"
    "\t\n\r\v\f\x00\x1b\x1c\x1f\x7f\x85\u00a0\u1680\u2000\u200a\u200b\u2028\u2029\u202f\u205f"
    "\u3000\ufeff"
    "证券时报网要闻开源中国掘金前端ＩＴ之家，。、《》！？"
    "😀🇨🇳"
)


@pytest.mark.hexo  # hexo-util's own slugize, run in Node
def test_hexo_slug_is_hexo_utils_slugize() -> None:
    """A collision check is only as good as its copy of Hexo's rule: the
    names of feeds, OPML folders and tags are slugged as Hexo 8 slugs them."""
    rng = random.Random(20261201)
    names = [
        *_POOL,  # each character alone
        "Café",
        "ＩＴ之家",
        "C++",
        "C#",
        "要闻\u3000快讯",
        "a\tb",
        *("".join(rng.choices(_POOL, k=rng.randint(1, 12))) for _ in range(3000)),
    ]
    expected = hexo.slugize(names)
    differ = [
        (n, hexo_slug(n), e) for n, e in zip(names, expected, strict=True) if hexo_slug(n) != e
    ]
    assert differ == []
    assert expected[len(_POOL) : len(_POOL) + 6] == ["Cafe", "IT之家", "C", "C", "要闻-快讯", "ab"]


def test_a_name_is_refused_for_a_tag_not_for_a_bare_angle_bracket() -> None:
    from feedmill.publish.categories import category_name_problem

    for name in ("C<T>", "<img src=x onerror=alert(1)>", "a</b", "x<!--", "<?php"):
        assert "holds an HTML tag" in (category_name_problem(name) or ""), name
    for name in ("A > B", "x < 5", "≥ < 5", "估值<10倍"):  # shown as written
        assert category_name_problem(name) is None, name


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("金融\u200b", "金融"),
        ("\ufeff要闻", "要闻"),
        ("Cafe\u0301", "Café"),
        ("金融\u200d ", "金融"),  # (a joiner at the end, once the space is gone)
        (" \ufe0f金融", "金融"),
        ("👩\u200d💻", "👩\u200d💻"),  # a joiner inside shapes the name
        ("\u1820\u180b\u1821", "\u1820\u180b\u1821"),  # so does a Mongolian selector
    ],
)
def test_a_name_as_it_shows(name: str, shown: str) -> None:
    assert visible_name(name) == shown
