"""Templates and front matter: categories, channel, images, dates, YAML quoting."""

from __future__ import annotations

import html as htmllib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from feedmill.models import Entry
from feedmill.normalize.chars import joins
from feedmill.publish.categories import derive_channel
from feedmill.publish.render import (
    FeedStyle,
    PostInput,
    _template_link,
    article_in_post,
    compose,
    context_for,
    cut_title,
    display_width,
    format_date,
    load_template,
    render,
    render_default,
    titled_as,
)
from feedmill.publish.yaml_scalars import plain, quote

NOW = datetime(2022, 9, 21, 12, 0, tzinfo=UTC)


def front_matter(text: str) -> dict:
    head = text.split("---\n", 2)[1]
    return YAML(typ="safe", pure=True).load(head)


def make(**fields: object) -> Entry:
    values: dict[str, object] = {
        "key": "k-1",
        "link": "https://news.example.com/a/1.html",
        "title": "标题",
        "published": datetime(2022, 9, 20, 16, 1, tzinfo=UTC),
        "updated": None,
        "author": None,
        "content": "<p>正文</p>",
    }
    values.update(fields)
    return Entry(**values)  # type: ignore[arg-type]


STYLE = FeedStyle(group="金融", source="证券时报网")
FEED = "https://www.stcn.com/rss/yw.xml"


@pytest.mark.parametrize(
    ("title", "source", "channel"),
    [
        ("证券时报网 - 要闻", "证券时报网", "要闻"),
        ("开源中国-最新资讯", "开源中国", "最新资讯"),
        ("掘金 前端", "掘金", "前端"),
        ("金色财经 – 快讯", "金色财经", "快讯"),
        ("金色财经 — 快讯", "金色财经", "快讯"),
        ("金色财经|快讯", "金色财经", "快讯"),
        ("金色财经: 快讯", "金色财经", "快讯"),
        # RSSHub's 新浪财经 routes, and other full-width separators.
        ("新浪财经－国内滚动", "新浪财经", "国内滚动"),
        ("新浪财经－國內", "新浪财经", "國內"),
        ("财联社｜电报", "财联社", "电报"),
        ("华尔街见闻：最新", "华尔街见闻", "最新"),
        ("财新网·经济", "财新网", "经济"),
        ("证券时报网 / 要闻", "证券时报网", "要闻"),
        ("证券时报网／要闻", "证券时报网", "要闻"),
        # Inside the channel, they are its own.
        ("证券时报网 - A/B 股", "证券时报网", "A/B 股"),
        ("别的站点 - 要闻", "证券时报网", "别的站点 - 要闻"),
        ("证券时报网", "证券时报网", None),
        (None, "证券时报网", None),
        ("  ", "证券时报网", None),
        # Nothing but separators after the source: no channel (a "-" category
        # would have an empty URL in Hexo).
        ("证券时报网 - ", "证券时报网", None),
        ("证券时报网-", "证券时报网", None),
        ("证券时报网 - - 要闻", "证券时报网", "要闻"),
        # A channel Hexo could not make a page of: none.
        ("证券时报网 - ???", "证券时报网", None),
        # One too long for a folder name: cut to 200 bytes (whole characters).
        ("源 - " + "频道名称" * 30, "源", "频道名称" * 16 + "频道"),
        # Markup in a feed's title (Hexo's category lists print names as
        # HTML: it ran script on every page) is no part of a name.
        ("<img src=x onerror=alert(1)>", "源", None),
        ("源 - <b>要闻</b>", "源", "要闻"),
        # … nor is a style or script element's code.
        ("<style>h1{color:red}</style>站点", "源", "站点"),
        ("源 - <script>var a = 1;</script>要闻", "源", "要闻"),
        ("源 - Vue <style scoped> 与 </style> 专栏", "源", "Vue 与 专栏"),  # (words, no code)
        ("利率 < 2%", "源", "利率 2%"),
        # Its entities are their characters, as in items' titles.
        ("掘金 &amp; 前端 <em>精选</em>", "掘金", "& 前端 精选"),
        ("源 - a &lt;b&gt; c", "源", "a b c"),
        # An entity's name without its ";" is text, as in a title.
        ("研报&copy2026", "源", "研报&copy2026"),
        ("源 - 研报&copy2026 &amp; 策略", "源", "研报&copy2026 & 策略"),
        # A name every JavaScript object has: Hexo's category pages broke.
        ("constructor", "源", None),
        ("源 - __proto__", "源", None),
        # Characters that show nothing, and another form of one character:
        # each made a category page of its own beside "要闻", shown alike.
        ("证券时报网 - 要闻\u200b", "证券时报网", "要闻"),
        ("证券时\u200b报网 - 要\u00ad闻", "证券时报网", "要闻"),
        ("源 - Cafe\u0301", "源", "Caf\u00e9"),
        # … at its ends; inside, a joiner or a variation selector shapes what
        # is around it (one emoji, not two; a Persian word).
        ("源 - \u200d要闻\u200d", "源", "要闻"),
        ("源 - 👩\u200d💻 程序员", "源", "👩\u200d💻 程序员"),
        ("源 - 🏳\ufe0f\u200d🌈", "源", "🏳\ufe0f\u200d🌈"),
        ("源 - کتاب\u200cها", "源", "کتاب\u200cها"),
        # Separators as WordPress and Chinese sites write them.
        ("某科技博客 &#187; 效率工具", "某科技博客", "效率工具"),
        ("Blog &#8250; Category", "Blog", "Category"),
        ("财新网 丨 最新文章", "财新网", "最新文章"),
        ("证券时报网丨要闻", "证券时报网", "要闻"),
        ("证券时报网_要闻", "证券时报网", "要闻"),
        ("新浪财经 &gt; 国内", "新浪财经", "国内"),
        ("xx丨", "xx丨", None),  # (a source of its own, no channel "xx")
        ("xx丨要闻", "xx丨", "要闻"),
        ("36氪_快讯", "36氪_", "快讯"),
        ("新闻 »", "新闻 »", None),
    ],
)
def test_channel_is_the_feed_title_without_the_source(title, source, channel) -> None:  # type: ignore[no-untyped-def]
    assert derive_channel(title, source) == channel


def test_configured_channel_wins_and_no_channel_means_two_levels() -> None:
    post = PostInput(
        make(), "证券时报网 - 要闻", NOW, FeedStyle("金融", "证券时报网", "头条"), FEED
    )
    assert front_matter(compose(post))["categories"] == ["金融", "证券时报网", "头条"]
    post = PostInput(make(), None, NOW, STYLE, FEED)
    assert front_matter(compose(post))["categories"] == ["金融", "证券时报网"]


def test_first_image_becomes_headimg_and_thumbnail() -> None:
    body = '<p><img src="/i/1x1.gif" width="1" height="1"><img src="pics/a.jpg"></p>'
    meta = front_matter(compose(PostInput(make(content=body), None, NOW, STYLE, FEED)))
    assert meta["headimg"] == meta["thumbnail"] == "https://news.example.com/a/pics/a.jpg"


def test_enclosure_image_is_used_when_the_body_has_none() -> None:
    entry = make(image="https://img.example.com/cover.jpg")
    meta = front_matter(compose(PostInput(entry, None, NOW, STYLE, FEED)))
    assert meta["headimg"] == "https://img.example.com/cover.jpg"


@pytest.mark.parametrize(
    ("image", "headimg"),
    [
        ("javascript:alert(document.cookie)", None),  # not a picture: the placeholder
        ("data:image/svg+xml,<svg onload=alert(1)>", None),
        (
            'https://img.example/a.jpg" onerror="alert(1)',
            "https://img.example/a.jpg%22%20onerror=%22alert%281%29",
        ),
        ("https://img.example/it's (1).jpg", "https://img.example/it%27s%20%281%29.jpg"),
        # Any other space: the front matter's one-line scalars made it " ",
        # which ends an attribute a theme writes without quotes.
        (
            "https://img.example/a.jpg\u00a0onerror=alert(1)\u2028x\u3000y\x85z",
            "https://img.example/a.jpg%C2%A0onerror=alert%281%29%E2%80%A8x%E3%80%80y%C2%85z",
        ),
        # Not an address a browser reads: Hexo's open_graph threw on it and
        # wrote the page empty.
        ("https://[x/a.jpg", None),
        ("https://[::1]x/a.jpg", None),  # urlsplit's host is ::1; new URL throws
        # A "\\" is read as "/" by browsers, as in the body's <img>: "%5C"
        # named another file, or no host at all.
        (
            "https://img.example.gov.cn\\uploads\\2022\\a.jpg",
            "https://img.example.gov.cn/uploads/2022/a.jpg",
        ),
        # … in the path: "?sign=ab\\cd" is another address than "?sign=ab/cd".
        (
            "https://img.example.cn/a.jpg?sign=ab\\cd#x\\y",
            "https://img.example.cn/a.jpg?sign=ab%5Ccd#x%5Cy",
        ),
        ("https://img\u3164.example.com/a.jpg", None),
        ('https://x"onerror="alert(1).com/a.jpg', None),
    ],
)
def test_a_feeds_own_image_url_cannot_break_out_of_a_theme(image: str, headimg: str | None) -> None:
    style = FeedStyle("g", "s", placeholder_image="/images/placeholder.png")
    meta = front_matter(compose(PostInput(make(image=image), None, NOW, style, FEED)))
    assert meta["headimg"] == meta["thumbnail"] == (headimg or "/images/placeholder.png")


@pytest.mark.parametrize(
    ("image", "headimg"),
    [
        (  # a quote and a parenthesis to a theme's style="background: url('…')"
            "https://img.example/a.jpg&#39;&#41;;position:fixed;z-index:9&#x27;",
            "https://img.example/a.jpg%26#39;%26#41;;position:fixed;z-index:9%26#x27;",
        ),
        (
            "https://img.example/a.jpg?x=&apos;&rpar;&quot)",
            "https://img.example/a.jpg?x=%26apos;%26rpar;%26quot%29",
        ),
        # A query is a query: no reference before "=" or a letter (as browsers read it).
        (
            "https://img.example/a.jpg?w=1&h=2&copy=3&notit=4&amp",
            "https://img.example/a.jpg?w=1&h=2&copy=3&notit=4%26amp",
        ),
    ],
)
def test_character_references_in_a_picture_url_stay_characters(image: str, headimg: str) -> None:
    """A theme writing headimg into a style attribute read `&#39;` as a quote
    and `&#41;` as a parenthesis: the URL ended its CSS string, and the rest
    laid a full-page overlay over the site."""
    for meta in (
        front_matter(compose(PostInput(make(image=image), None, NOW, STYLE, FEED))),
        front_matter(
            compose(
                PostInput(
                    make(content=f'<p><img src="{htmllib.escape(image)}" width="600"></p>'),
                    None,
                    NOW,
                    STYLE,
                    FEED,
                )
            )
        ),
    ):
        assert meta["headimg"] == meta["thumbnail"] == headimg
        assert not {"'", '"', "(", ")"} & set(htmllib.unescape(headimg))


def test_placeholder_when_there_is_no_image() -> None:
    style = FeedStyle("g", "s", placeholder_image="https://img.example/{n}.png")
    from feedmill.publish.render import placeholder_number

    # By the item's link: the same when a feed writes a new guid on every fetch.
    link = "https://e.example/a.html"
    for key in ("abc", "fetch-2"):
        meta = front_matter(compose(PostInput(make(key=key, link=link), None, NOW, style, FEED)))
        assert meta["headimg"] == f"https://img.example/{placeholder_number(link)}.png"
    # Without one, by its title: the same when its guid is new on every fetch
    # (a post rewritten each pass for its picture alone), and untitled, by its key.
    for key in ("abc", "fetch-2"):
        entry = make(key=key, link=None, title="央行开展逆回购操作")
        meta = front_matter(compose(PostInput(entry, None, NOW, style, FEED)))
        assert (
            meta["headimg"] == f"https://img.example/{placeholder_number('央行开展逆回购操作')}.png"
        )
    meta = front_matter(
        compose(PostInput(make(key="abc", link=None, title=""), None, NOW, style, FEED))
    )
    assert meta["headimg"] == f"https://img.example/{placeholder_number('abc')}.png"


def test_date_falls_back_to_updated_then_first_seen() -> None:
    updated = datetime(2022, 9, 1, 1, 2, 3, tzinfo=UTC)
    text = compose(PostInput(make(published=None, updated=updated), None, NOW, STYLE, FEED))
    assert "\ndate: Thu, 01 Sep 2022 01:02:03 GMT\n" in text
    text = compose(PostInput(make(published=None), None, NOW, STYLE, FEED))
    assert "\ndate: Wed, 21 Sep 2022 12:00:00 GMT\n" in text


def test_date_styles() -> None:
    moment = datetime(2022, 9, 20, 16, 1, tzinfo=UTC)
    assert format_date(moment, "rfc822", "Asia/Shanghai") == "Tue, 20 Sep 2022 16:01:00 GMT"
    assert format_date(moment, "local", "Asia/Shanghai") == "2022-09-21 00:01:00"


@given(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=8)), timezone(-timedelta(hours=5))]
        ),
    )
)
def test_rfc822_dates_are_the_standard_librarys(moment: datetime) -> None:
    expected = format_datetime(moment.astimezone(UTC), usegmt=True)
    assert format_date(moment, "rfc822", "Asia/Shanghai") == expected


def test_author_is_the_source() -> None:
    meta = front_matter(compose(PostInput(make(author="某记者"), None, NOW, STYLE, FEED)))
    assert meta["author"] == "证券时报网"
    assert meta["comments"] is False


def test_users_can_supply_their_own_template(tmp_path: Path) -> None:
    template = tmp_path / "mine.md.j2"
    template.write_text("---\ntitle: {{ title | yaml_quote }}\nlink: {{ link }}\n---\n{{ body }}\n")
    text = render(context_for(PostInput(make(), None, NOW, STYLE, FEED)), load_template(template))
    assert text == "---\ntitle: '标题'\nlink: https://news.example.com/a/1.html\n---\n<p>正文</p>\n"


def test_a_field_that_is_none_writes_nothing(tmp_path: Path) -> None:
    """`{{ link }}` of an item without a link wrote "None" into the post."""
    template = tmp_path / "mine.md.j2"
    template.write_text("---\nlink: {{ link }}\n---\n<a href='{{ link }}'>{{ body }}</a>\n")
    text = render(
        context_for(PostInput(make(link=None), None, NOW, STYLE, FEED)), load_template(template)
    )
    assert text == "---\nlink: \n---\n<a href=''><p>正文</p></a>\n"


def test_the_template_rendered_with_is_the_one_the_config_checked(tmp_path: Path) -> None:
    """Read once: an edit saved between the config's check and the pass (or a
    new worker's first post) was rendered unchecked, and failed every feed."""
    from feedmill.config import load_config
    from feedmill.publish.render import read_template

    from support.site import write_config

    template = tmp_path / "mine.md.j2"
    template.write_text("---\ntitle: {{ title | yaml_quote }}\n---\nONE {{ body }}\n")
    config = load_config(write_config(tmp_path, [], post_template="mine.md.j2"))
    template.write_text("---\n{% if title %}\ntitle: {{ title }}\n---\n")  # broken
    text, fingerprint = read_template(config.template_path)
    assert isinstance(text, str) and "ONE {{ body }}" in text
    post = PostInput(make(), None, NOW, STYLE, FEED)
    assert "ONE <p>正文</p>" in compose(post, text, fingerprint)


def test_title_cut_counts_cjk_as_two() -> None:
    assert cut_title("a" * 10, 10) == "a" * 10
    assert cut_title("a" * 11, 10) == "a" * 10 + "..."
    assert cut_title("中" * 6, 10) == "中" * 5 + "..."
    assert cut_title("中" * 6, 0) == "中" * 6


def test_a_title_cut_before_gets_one_ellipsis() -> None:
    """RSSHub cuts long titles itself, ending them "...": cut again, the
    dots it kept and ours made four."""
    assert cut_title("A" + "中" * 74 + "...", 150) == "A" + "中" * 74 + "..."
    assert cut_title("中" * 80 + "…", 150) == "中" * 75 + "..."
    assert cut_title("中" * 74 + " ...", 150) == "中" * 74 + "..."
    assert cut_title("A" + "中" * 70 + "...", 150) == "A" + "中" * 70 + "..."  # not cut


def test_a_title_cut_leaves_no_half_emoji_or_flag() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 👨‍👩‍👧: three joined, 2 wide
    assert cut_title("a" * 8 + family + " 家庭", 12) == "a" * 8 + family + "..."
    assert cut_title("a" * 8 + family + " 家庭", 9) == "a" * 8 + "..."  # not its father
    assert cut_title("汉" * 73 + family * 5, 150) == "汉" * 73 + family * 2 + "..."
    thumb = "\U0001f44d\U0001f3fd"  # 👍🏽: a skin tone is not cut off
    assert cut_title("汉" * 74 + thumb * 2, 150) == "汉" * 74 + thumb + "..."
    assert cut_title("汉" * 74 + thumb, 150) == "汉" * 74 + thumb  # it fits: no cut
    china = "\U0001f1e8\U0001f1f3"  # 🇨🇳: two flag letters
    assert cut_title("a" * 8 + china + " 中国", 9) == "a" * 8 + "..."
    assert cut_title("a" * 8 + china + " 中国", 10) == "a" * 8 + china + "..."
    assert cut_title("a" * 8 + china * 2 + " 中国", 11) == "a" * 8 + china + "..."
    # Emoji are drawn 2 wide: a flag, one by its selector (❤️), a keycap (1️⃣).
    for emoji in (china, "\u2764\ufe0f", "1\ufe0f\u20e3"):
        assert cut_title(emoji * 100, 150) == emoji * 75 + "..."
    # A joiner between Chinese characters (some sites put one there) joins nothing.
    assert cut_title("汉\u200d" * 120, 150) == "汉\u200d" * 74 + "汉..."
    assert cut_title("\u200d\U0001f600" + "中" * 100, 150) == "\u200d\U0001f600" + "中" * 74 + "..."
    assert cut_title("a\ufe0f" * 100, 150) == "a\ufe0f" * 100  # (no emoji: 1 wide, it fits)
    fire = "\u2764\ufe0f\u200d\U0001f525"  # ❤️‍🔥: a heart on fire, one symbol
    assert cut_title("a" * 8 + fire + "b", 10) == "a" * 8 + fire + "..."
    heart = "\u2764\ufe0f"  # ❤️: the selector ends the character, it stays
    assert cut_title("I " + heart + " NY and more text", 4) == "I " + heart + "..."


_CLUSTER_PARTS = st.sampled_from(
    [
        "\u200d",
        "\ufe0f",
        "\ufe0e",
        "\u20e3",
        "\U0001f3fd",
        "\U0001f468",
        "\U0001f1e8",
        "汉",
        "a",
        "1",
    ]
)


@settings(max_examples=500)
@given(
    st.one_of(
        st.lists(_CLUSTER_PARTS, max_size=40).map("".join),
        st.text(st.one_of(_CLUSTER_PARTS, st.characters())),
    ),
    st.integers(1, 60),
)
def test_any_title_is_cut_without_failing(title: str, width: int) -> None:
    # A joiner or a selector anywhere (first, last, twice) is text a feed can send.
    cut = cut_title(title, width)
    assert cut == title or (cut.endswith("...") and len(cut) - 3 <= len(title))
    assert all(isinstance(joins(title, i), bool) for i in range(-1, len(title) + 1))


@pytest.mark.parametrize(
    ("body", "title"),
    [
        # A flash (快讯) opens with its headline in brackets.
        ("<p>【比特币突破10万美元】金色财经报道，今日凌晨…</p>", "比特币突破10万美元"),
        # Else the first sentence, without its full stop…
        ("<p>央行今日开展逆回购操作。规模为1000亿元。</p>", "央行今日开展逆回购操作"),
        ("<p>Rust 1.80 released! Notes follow.</p>", "Rust 1.80 released!"),
        ("<p><b>Hello</b> world. Second one.</p>", "Hello world"),
        # (A full stop after a number or a capital ends no sentence.)
        (
            "<p>据The Block数据显示：</p><p>1. BTC 今日上涨。2. ETH 下跌。</p>",
            "据The Block数据显示： 1. BTC 今日上涨",
        ),
        (
            "<p>据U.S. News消息，美联储维持利率不变。其后…</p>",
            "据U.S. News消息，美联储维持利率不变",
        ),
        # …unless it is a word or too long for a headline: the text's start, cut.
        ("<p>好。然后是一段说明文字</p>", "好。然后是一段说明文字"),
        ("<p>" + "没有句号的长段落" * 10 + "</p>", "没有句号的长段落" * 3 + "没有句号的长..."),
        # Scripts and markup are not text; a picture alone has none, nor do
        # characters that show nothing.
        ("<script>var a;</script><p>正文在此</p>", "正文在此"),
        ('<p><img src="https://img.example.com/a.jpg"></p>', "(untitled)"),
        ("<p>&#8203;\u200e&nbsp;</p>", "(untitled)"),
        # Tags inside a line leave no gap, as on the page.
        (
            '<p>据<a href="/x">新华社</a>报道，<b>央行</b>今日降准。</p>',
            "据新华社报道，央行今日降准",
        ),
        ("<p>Hel<b>lo</b> wor<i>ld</i>. More.</p>", "Hello world"),
        # Only the start of a long text is looked at.
        ("<p>" + "a.b" * 500_000 + "</p>", "a.b" * 20 + "..."),
    ],
)
def test_an_item_without_a_title_is_named_by_its_text(body: str, title: str) -> None:
    meta = front_matter(compose(PostInput(make(title="", content=body), None, NOW, STYLE, FEED)))
    assert meta["title"] == title


def test_a_title_wins_over_the_text() -> None:
    entry = make(title="标题", content="<p>【另一标题】正文</p>")
    assert front_matter(compose(PostInput(entry, None, NOW, STYLE, FEED)))["title"] == "标题"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_quoted_scalars_read_back_as_the_cleaned_text(text: str) -> None:
    from feedmill.normalize.chars import collapse_space, strip_controls

    loaded = YAML(typ="safe", pure=True).load(f"v: {quote(text)}\n")["v"]
    assert loaded == collapse_space(strip_controls(text))


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_plain_scalars_read_back_as_strings(text: str) -> None:
    from feedmill.normalize.chars import collapse_space, strip_controls

    loaded = YAML(typ="safe", pure=True).load(f"v: {plain(text)}\n")["v"]
    assert loaded == collapse_space(strip_controls(text))


@pytest.mark.parametrize(
    "name",
    [
        "金融",
        "证券时报网",
        "36氪",
        "null",
        "yes",
        "010",
        "[x]",
        "a: b",
        "#tag",
        "- item",
        "C++",
        "it's",
        "",
        "True",
    ],
)
def test_plain_quotes_only_when_needed(name: str) -> None:
    out = plain(name)
    if name in ("金融", "证券时报网", "C++"):
        assert out == name
    else:
        assert out.startswith("'")


@given(
    title=st.text(),
    categories=st.lists(st.text(min_size=1), min_size=2, max_size=3),
    author=st.text(min_size=1),
    image=st.text(),
    body=st.text(),
    tags=st.lists(st.text(min_size=1), max_size=3),
    reported=st.lists(st.text(min_size=1), max_size=3),
)
def test_the_fast_default_renderer_equals_the_shipped_template(
    title: str,
    categories: list[str],
    author: str,
    image: str,
    body: str,
    tags: list[str],
    reported: list[str],
) -> None:
    from feedmill.publish.render import DEFAULT_TEMPLATE, PostContext

    context = PostContext(
        title=title,
        categories=tuple(categories),
        group=categories[0],
        source=categories[1],
        channel=categories[2] if len(categories) > 2 else None,
        headimg=image,
        thumbnail=image,
        author=author,
        date="Tue, 20 Sep 2022 16:01:00 GMT",
        date_iso="2022-09-20T16:01:00+00:00",
        link=None,
        body=body,
        tags=tuple(tags),
        also_reported_by=tuple(reported),
        also_reported_html="<p>同时报道：…</p>" if reported else "",
    )
    assert render_default(context) == render(context, load_template(DEFAULT_TEMPLATE), own=False)


def test_bodies_are_one_line_whose_newlines_render_as_before() -> None:
    from feedmill.publish.hexo_safe import one_line

    html = (
        "<p>第一行\n第二行</p>\n<pre>x = 1\n\n    y = 2</pre>\n"
        '<div style="white-space: pre-wrap">甲\n<b>乙\n丙</b></div><img alt="a\nb"><br/>\nz'
    )
    assert one_line(html) == (
        "<p>第一行 第二行</p> <pre>x = 1&#10;&#10;    y = 2</pre> "
        '<div style="white-space: pre-wrap">甲&#10;<b>乙&#10;丙</b></div><img alt="a&#10;b"><br/> z'
    )


def test_no_comment_reaches_hexo() -> None:
    """A "<!-- more -->" is where Hexo cuts a page's excerpt: none is left to
    open, should sanitizing ever keep one in raw text."""
    from feedmill.publish.hexo_safe import hexo_safe

    assert hexo_safe("<p>a</p><!-- more --><p>b</p>") == "<p>a</p>&lt;!-- more --><p>b</p>"


def test_no_placeholder_of_hexos_reaches_it() -> None:
    """Hexo puts back what it parked as <!--code￼N--> (escaped or not) and stops
    the site's build on a number it did not park: U+FFFC goes as a reference."""
    from feedmill.publish.hexo_safe import hexo_safe

    assert hexo_safe("<p>a &lt;!--code\ufffc0--&gt; b</p>") == (
        "<p>a &lt;!--code&#xFFFC;0--&gt; b</p>"
    )


@pytest.mark.hexo  # parse5, from Hexo's dependencies, run in Node
@pytest.mark.parametrize(
    "pre",
    ["<pre>\n\ncode\n</pre>", "<pre>code\n\nmore</pre>", '<pre class="x">\n\n\nx</pre>'],
)
def test_a_pre_keeps_its_text_to_the_first_blank_line(pre: str) -> None:
    """A newline right after <pre>'s tag is not content to a browser — nor a
    &#10; in its place: a leading blank line needs a second one."""
    from feedmill.publish.hexo_safe import hexo_safe
    from feedmill.sanitize.clean import sanitize_html

    from support import hexo

    written = hexo_safe(sanitize_html(pre, base_url=None).html)
    assert "\n" not in written
    assert hexo.pre_texts(written) == hexo.pre_texts(pre)


def test_a_post_written_before_titles_held_no_markup_is_still_the_items() -> None:
    """Posts of post format 18 and before show a title's quotes and brackets
    as they came: after a lost database, one was taken for another story's
    (an article's post overwritten by its teaser; a re-dated item posted again)."""
    title = '多家银行下调存款利率 存款"降息潮"再度来袭'
    text = compose(PostInput(make(title=title), None, NOW, STYLE, FEED))
    older = text.replace("存款＂降息潮＂再度来袭", '存款"降息潮"再度来袭', 1)
    assert older != text
    for post in (text, older):
        assert titled_as(post, title, 150) and article_in_post(post, title, 150)
    assert not titled_as(older, "多家银行下调存款利率", 150)


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        ("HTML中<b>和<strong>的区别", "HTML中＜b＞和＜strong＞的区别"),
        (
            "</script><script>alert(document.domain)</script> 转义",
            "＜/script＞＜script＞alert(document.domain)＜/script＞ 转义",
        ),
        ("满足 a<b 且 b>c 的三元组计数", "满足 a＜b 且 b＞c 的三元组计数"),
        ("央行'降准' onmouseover='alert(9)", "央行’降准’ onmouseover=’alert(9)"),
        ('苹果发布27" 显示器与"全新"MacBook', "苹果发布27＂ 显示器与＂全新＂MacBook"),
        ("AT&T 季度财报", "AT&T 季度财报"),
    ],
)
def test_a_title_holds_nothing_a_theme_printing_it_as_html_reads_as_markup(
    title: str, shown: str
) -> None:
    """NexT, Butterfly, Icarus, AnZhiYu and Volantis write a post's title into
    their pages unescaped (Volantis inside single-quoted attributes): a feed's
    `<script>` in a title ran on the site, a `<b>` made the page bold."""
    context = context_for(PostInput(make(title=title), None, NOW, FeedStyle("g", "s"), FEED))
    assert context.title == shown
    assert f"title: {quote(shown)}\n" in render_default(context)


def test_an_untitled_items_title_is_cut_in_the_forms_it_shows() -> None:
    """Its quotes became two columns wide after the cut: past `title_max_width`."""
    text = '<p>会议强调"稳"字当头、"进"字为先，"立"与"破"统筹兼顾，推动经济持续回升向好</p>'
    style = FeedStyle("g", "s", title_max_width=40)
    untitled = context_for(PostInput(make(title="", content=text), None, NOW, style, FEED)).title
    titled = context_for(PostInput(make(title=text[3:-4], content=text), None, NOW, style, FEED))
    assert untitled == titled.title and display_width(untitled) <= 43  # (40, and "...")


def test_a_template_writes_the_link_and_plain_fields_into_html_safely(tmp_path: Path) -> None:
    """`href="{{ link }}"` holds the link (a web address, or none) and
    `{{ title | html }}` is text: neither opens a tag, ends an attribute or
    starts a Nunjucks tag (which stopped the whole site's build)."""
    template = tmp_path / "t.md.j2"
    template.write_text(
        "---\ntitle: {{ title | yaml_quote }}\n---\n"
        '<div>{{ body }}{% if link %}<a href="{{ link }}">{{ source | html }}</a>{% endif %}'
        "<p>{{ title | html }}</p></div>\n",
        encoding="utf-8",
    )
    loaded = load_template(template)
    style = FeedStyle("g", '<b>源</b> & "{{x}}"')

    def rendered(**fields: object) -> str:
        return render(context_for(PostInput(make(**fields), None, NOW, style, FEED)), loaded)

    hostile = 'https://news.example.com/"autofocus onfocus="alert(1)/{% foo %}'
    text = rendered(link=hostile, title="<script> 与 {{ 7*7 }}")
    assert (
        '<a href="https://news.example.com/%22autofocus%20onfocus=%22alert%281%29/%7B%%20foo%20%%7D">'
        in text
    )
    assert "&lt;b&gt;源&lt;/b&gt; &amp; &quot;&#123;{x}}&quot;</a>" in text
    assert "<p>＜script＞ 与 &#123;{ 7&#42;7 }}</p>" in text  # (no markup in a title: see render)
    assert "<a " not in rendered(link="javascript:alert(document.domain)")
    assert "<a " not in rendered(link="https://[x/a.html")
    # A field that is none writes nothing, through the filter too.
    assert "<p>原文：</p>" in render(
        context_for(PostInput(make(link=None), None, NOW, style, FEED)),
        load_template(_written(tmp_path / "n.md.j2", "---\n---\n<p>原文：{{ link | html }}</p>\n")),
    )


@pytest.mark.parametrize(
    ("link", "written"),
    [
        ("https://e.example.com/a_(1)[x].html", "https://e.example.com/a_%281%29%5Bx%5D.html"),
        # A user name before the host ends a Markdown link as the path would.
        ("https://x)(a@e.example.com/a(b)", "https://x%29%28a@e.example.com/a%28b%29"),
        # A host's brackets are an IPv6 address's.
        ("https://u:p@[::1]:8080/a(b)", "https://u:p@[::1]:8080/a%28b%29"),
        # A "\" is a "/" to a browser (it ends the host), and "\%" an escape
        # to Markdown: "/", and in the query %5C.
        ("https://e.example.com\\a)[x](y)", "https://e.example.com/a%29%5Bx%5D%28y%29"),
        ("https://e.example.com\\(x)?q=\\(1)", "https://e.example.com/%28x%29?q=%5C%281%29"),
        # An "&" a browser reads as a character reference ("&not_read" is
        # "¬_read") is "&amp;"; one before "=" or a letter is none.
        (
            "https://e.example.com/a?id=1&not_read=1&copy",
            "https://e.example.com/a?id=1&amp;not_read=1&amp;copy",
        ),
        (  # (in a text, "&reg=cn" is "®=cn"; "&ne" wants its ";")
            "https://e.example.com/a?id=1&reg=cn&ne=3",
            "https://e.example.com/a?id=1&amp;reg=cn&ne=3",
        ),
    ],
)
def test_a_templates_link_ends_no_markdown_link_but_its_own(link: str, written: str) -> None:
    """`[原文]({{ link }})` is a line Hexo reads as Markdown: a ")" or "[" of the
    link's own ended it and began another (a `javascript:` one)."""
    assert _template_link(link) == written


def test_a_templates_link_is_written_as_it_is_where_no_browser_reads_references() -> None:
    """`&amp;` is for an attribute and a Markdown link: front matter, a
    share link's urlencode, and the html filter's escaping take the link as
    it is (its YAML value was no longer the URL)."""
    from feedmill.publish.render import _environment

    link = _template_link("https://e.example.com/show.php?id=1&not_read=1&copy")
    template = _environment().from_string(
        "link: {{ link | yaml_quote }}\n{{ link | urlencode }}\n{{ link | tojson }}\n"
        "{{ link | e }}\n{{ link }}"
    )
    front, shared, json_ld, escaped, plain = template.render(link=link).split("\n")
    assert front == "link: 'https://e.example.com/show.php?id=1&not_read=1&copy'"
    assert shared == "https%3A//e.example.com/show.php%3Fid%3D1%26not_read%3D1%26copy"
    assert json.loads(json_ld) == "https://e.example.com/show.php?id=1&not_read=1&copy"
    assert escaped == plain == "https://e.example.com/show.php?id=1&amp;not_read=1&amp;copy"
    # What is not a link is as it was — a tuple a tuple —, and no link nothing.
    others = _environment().from_string(
        "{{ c | e }}|{{ n | e }}|{{ n | urlencode }}|{{ n | urlize }}|{{ n | tojson }}"
        "|{{ n | yaml_quote }}|{{ n | yaml_plain }}"
    )
    assert others.render(c=("A", "B"), n=None) == "(&#39;A&#39;, &#39;B&#39;)||||null|''|''"
    # urlize writes its link and text by HTML's rules itself: one "&amp;", not two.
    linked = _environment().from_string("{{ link | urlize }}").render(link=link)
    assert 'href="https://e.example.com/show.php?id=1&amp;not_read=1&amp;copy"' in linked
    assert "&amp;amp;" not in linked
    # JSON-LD's idiom: the link inside a mapping, and tojson's own arguments.
    json_ld = _environment().from_string('{{ {"url": link} | tojson(indent=2) }}')
    assert json.loads(json_ld.render(link=link)) == {
        "url": "https://e.example.com/show.php?id=1&not_read=1&copy"
    }


def _written(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("image", "kept"),
    [
        # A Weibo status of one emoticon, a thumbnail, YouTube's default
        # picture, a formula, an inline image, a loading spinner: each kept
        # (the post showed the link alone), and the way to the article after it.
        (
            '<img alt="[doge]" src="https://face.t.sinajs.cn/t4/2018new_doge02_org.png"'
            ' style="width:1em; height:1em;">',
            "2018new_doge02_org.png",
        ),
        ('<p><img src="https://img.example.com/t.jpg" width="48" height="48"></p>', "/t.jpg"),
        ('<p><img src="https://i.ytimg.com/vi/abc/default.jpg"></p>', "default.jpg"),
        ('<p><img src="https://latex.codecogs.com/svg.image?E=mc^2"></p>', "codecogs"),
        ('<p><img src="data:image/png;base64,iVBORw0KGgo="></p>', "data:image/png"),
        ('<p><img src="https://e.example.com/static/loading.gif"></p>', "loading.gif"),
    ],
)
def test_an_item_of_an_icon_or_a_thumbnail_alone_keeps_it_and_links_to_its_article(
    image: str, kept: str
) -> None:
    text = compose(PostInput(make(content=image), None, NOW, STYLE, FEED))
    link = make().link
    assert kept in text
    assert text.endswith(f'<p><a href="{link}">{link}</a></p>\n</div>\n')


@pytest.mark.parametrize(
    "content",
    [
        "",
        "<p></p>",
        "<p> &nbsp;</p>",
        "<br>",
        '<p><img src="https://feeds.example.com/~r/a/~4/x" width="1" height="1"></p>',
        '<p><img src="https://img.example.com/a.jpg" style="display:none"></p>',
    ],
)
def test_an_item_of_a_title_alone_links_to_its_article(content: str) -> None:
    """A post of a title alone was a dead end: no text, and no way to the
    article — nor was one of a tracking pixel or a hidden picture more."""
    text = compose(PostInput(make(content=content), None, NOW, STYLE, FEED))
    link = make().link
    assert text.endswith(f'<div>\n<p><a href="{link}">{link}</a></p>\n</div>\n')


def test_an_item_that_shows_something_or_has_no_web_link_keeps_its_body() -> None:
    picture = '<p><img src="https://img.example.com/a.jpg"></p>'
    assert "<a href" not in compose(PostInput(make(content=picture), None, NOW, STYLE, FEED))
    for link in (None, "ftp://files.example.com/a"):
        text = compose(PostInput(make(content="", link=link), None, NOW, STYLE, FEED))
        assert text.endswith("<div>\n\n</div>\n")


ARTICLES = Path(__file__).parent / "data" / "articles"


@pytest.mark.parametrize("page", sorted(ARTICLES.glob("*.html")), ids=lambda p: p.stem)
def test_the_article_read_back_from_a_post_makes_the_same_post(page: Path) -> None:
    """After a lost database, an article whose page fails now is read back
    from its post: posted again, it must give the post byte for byte."""
    post = PostInput(
        make(content=page.read_text(encoding="utf-8")),
        None,
        NOW,
        STYLE,
        FEED,
        reported_by=(("新浪财经", "https://finance.sina.com.cn/a.html"),),
    )
    text = compose(post)
    assert (
        article_in_post(text, "标题（更新）", 150) is None
    )  # another title: maybe another story's
    article = article_in_post(text, "标题", 150)
    assert article and "\n" not in article
    assert compose(replace(post, entry=make(content=article))) == text


@pytest.mark.parametrize(
    "text",
    [
        "---\ntitle: 't'\n---\n\n<p>by hand</p>\n",
        "---\ntitle: 't'\n---\n\n<div>\n<p>a</p>\n<p>b</p>\n</div>\n",
        "---\r\ntitle: 't'\r\n---\r\n\r\n<div>\r\n<p>a</p>\r\n</div>\r\n",
        "---\ntitle: 't'\n---\n\n<div>\n<p>a</p>\n</div>\n<p>a footer of my own</p>\n",
        "<div>\n<p>a</p>\n</div>\n",
    ],
)
def test_no_article_is_read_back_from_a_post_of_another_shape(text: str) -> None:
    assert article_in_post(text, "t", 150) is None
    assert article_in_post("---\ntitle: 't'\n---\n\n<div>\n<p>a</p>\n</div>\n", "t", 150)


def test_each_posts_ids_are_its_own() -> None:
    """A page that shows several whole posts (landscape's index) had every
    article's `fm-s1` and `fm-note1`: a footnote's link led to the first
    post's note.  Each post's ids, names and links to them are its own — and
    the same on every rendering of the post.  Two feeds of one source (a
    site's 要闻 and 公司 lists) give an article of one guid two posts."""
    import re

    article = (
        '<h2>前言</h2><p>正文<a href="#note1">[1]</a></p>'
        '<p><a name="ref">甲</a><a href="#ref">乙</a></p><p id="note1">注释</p>'
    )
    companies = "https://www.stcn.com/rss/gs.xml"
    bodies = [
        context_for(PostInput(make(key=key, content=article), None, NOW, STYLE, feed)).body
        for feed, key in ((FEED, "k-1"), (FEED, "k-2"), (companies, "k-1"), (FEED, "k-1"))
    ]
    assert bodies[0] == bodies[3]
    named = [set(re.findall(r'\s(?:id|name)="([^"]+)"', body)) for body in bodies[:3]]
    linked = [set(re.findall(r'href="#([^"]+)"', body)) for body in bodies[:3]]
    assert not named[0] & named[1] and not named[0] & named[2] and not named[1] & named[2]
    for names, links in zip(named, linked, strict=True):
        assert links <= names and len(names) == 3
        assert all(name.startswith("fm-") for name in names)
    # What is no id of the article is as it was: a class, the page's top, a
    # text that reads like one (nh3 writes a text's '"' as it is).
    quoted = context_for(
        PostInput(
            make(content='<p>写作 id="fm-x" 的代码<a id="n">甲</a></p>'), None, NOW, STYLE, FEED
        )
    ).body
    assert 'id="fm-x" 的代码' in quoted and 'id="fm-x"' in quoted.replace('id="fm-n"', "")
    assert quoted.count('id="fm-') == 2 and 'id="fm-n"' not in quoted
    body = context_for(
        PostInput(
            make(content='<p class="x" id="a"><a href="#top">顶部</a></p>'), None, NOW, STYLE, FEED
        )
    ).body
    assert 'class="fm-x"' in body and 'href="#top"' in body and 'id="fm-a"' not in body
