"""OPML export / import and adding feeds to feedmill.yml without disturbing it."""

from __future__ import annotations

import os
import re
import shlex
import stat
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from feedmill.config import (
    ConfigError,
    FeedSpec,
    category_name_problem,
    load_config,
    parse_config,
    resolve_location,
)
from feedmill.feedlist import (
    OPML_NAMESPACE,
    UNCATEGORIZED,
    DuplicateFeedError,
    ImportedFeed,
    OpmlError,
    OpmlImport,
    RefusedFeedError,
    SkippedOutline,
    add_feed_to_file,
    add_feeds,
    add_feeds_to_file,
    export_opml,
    parse_opml,
    read_opml,
)
from feedmill.publish.categories import visible_name
from feedmill.yamlload import load

OPML = Path(__file__).resolve().parent / "data" / "opml"
SAMPLE_CONFIG = (
    Path(__file__).resolve().parents[1] / "src" / "feedmill" / "samples" / "feedmill.yml"
)
CREATED = datetime(2024, 11, 30, 5, 56, 0, tzinfo=UTC)
NS_GROUP = f"{{{OPML_NAMESPACE}}}group"
NS_SOURCE = f"{{{OPML_NAMESPACE}}}source"
NS_CHANNEL = f"{{{OPML_NAMESPACE}}}channel"
# Hypothesis: the same examples every run, nothing written to .hypothesis/.
steady = settings(derandomize=True, database=None, deadline=None)

CONFIG = """\
# comments here
site: .
state: .feedmill/state.db

feeds:
  - url: https://rsshub.example.org/stcn/yw   # a comment after an entry
    group: 金融
    source: 证券时报网
    channel: 要闻            # optional
    timeout: 20
    headers: {Referer: 'https://www.stcn.com/'}
  - {url: 'http://127.0.0.1:1200/jinse/lives', group: 金融, source: 金色财经}   # flow style
  # - url: https://example.org/disabled
  #   group: 停用

# ---- fetch settings ----
fetch:
  timeout: 30   # seconds
"""


def feeds_of(text: str) -> list[tuple[str, str, str, str | None]]:
    """(url, group, source, channel) of every feed, as the config loader sees them."""
    config = parse_config(text, Path("/nonexistent/feedmill.yml"))
    return [(f.url, f.group, f.source, f.channel) for f in config.feeds]


def as_tuples(feeds: list[ImportedFeed]) -> list[tuple[str, str, str, str | None]]:
    return [(f.url, f.group, f.source, f.channel) for f in feeds]


def skipped_of(found: OpmlImport) -> list[tuple[str | None, str | None, str]]:
    return [(s.url, s.name, s.reason) for s in found.skipped]


# -- export ----------------------------------------------------------------

SPECS = [
    FeedSpec(
        url="https://rsshub.example.org/stcn/yw", group="金融", source="证券时报网", channel="要闻"
    ),
    FeedSpec(url="https://a.example/rss?x=1&y=2", group="金融", source='新浪财经 & "国内" 滚动'),
    FeedSpec(url="https://b.example/feed", group="科技", source="It's 开源中国"),
    FeedSpec(url="https://c.example/feed", group="金融", source="证券时报网", channel="快讯"),
    FeedSpec(url="https://d.example/a", group="A/B 组", source="x, y", channel="c/d, e"),
]


def test_export_is_exactly_this() -> None:
    specs = [
        FeedSpec(
            url="https://rsshub.example.org/stcn/yw?a=1&b=2",
            group="金融",
            source="证券时报网",
            channel="要闻",
        ),
        FeedSpec(url="https://www.oschina.net/news/rss", group="科技", source="开源中国"),
        FeedSpec(url="https://hnrss.org/frontpage", group="科技", source="Hacker  News "),
    ]
    assert (
        export_opml(specs, created=CREATED)
        == """\
<?xml version='1.0' encoding='UTF-8'?>
<opml xmlns:feedmill="urn:feedmill:opml" version="2.0">
  <head>
    <title>feedmill</title>
    <dateCreated>Sat, 30 Nov 2024 05:56:00 +0000</dateCreated>
  </head>
  <body>
    <outline text="金融" title="金融">
      <outline text="证券时报网" title="证券时报网">
        <outline type="rss" text="要闻" title="要闻" xmlUrl="https://rsshub.example.org/stcn/yw?a=1&amp;b=2" category="/金融/证券时报网/要闻" feedmill:channel="要闻"/>
      </outline>
    </outline>
    <outline text="科技" title="科技">
      <outline text="开源中国" title="开源中国">
        <outline type="rss" text="开源中国" title="开源中国" xmlUrl="https://www.oschina.net/news/rss" category="/科技/开源中国"/>
      </outline>
      <outline text="Hacker  News " title="Hacker  News ">
        <outline type="rss" text="Hacker  News " title="Hacker  News " xmlUrl="https://hnrss.org/frontpage" category="/科技/Hacker  News " feedmill:source="Hacker  News "/>
      </outline>
    </outline>
  </body>
</opml>
"""
    )


def test_export_is_opml_2_grouped_by_group_then_source() -> None:
    text = export_opml(SPECS, title="我的 feedmill", created=CREATED)
    assert text.startswith("<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(text.encode("utf-8"))
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "我的 feedmill"
    assert root.findtext("head/dateCreated") == "Sat, 30 Nov 2024 05:56:00 +0000"

    groups = root.findall("body/outline")
    assert [g.get("text") for g in groups] == ["金融", "科技", "A/B 组"]
    finance = groups[0]
    assert [s.get("text") for s in finance] == ["证券时报网", '新浪财经 & "国内" 滚动']
    stcn = finance[0]
    assert [o.get("xmlUrl") for o in stcn] == [
        "https://rsshub.example.org/stcn/yw",
        "https://c.example/feed",
    ]
    feed = stcn[0]
    assert feed.get("type") == "rss"
    assert feed.get("text") == feed.get("title") == "要闻"  # the channel, if any
    assert feed.get("category") == "/金融/证券时报网/要闻"
    assert feed.get(NS_CHANNEL) == "要闻"
    assert feed.get(NS_GROUP) is None and feed.get(NS_SOURCE) is None  # folders say it
    assert root.nsmap == {"feedmill": OPML_NAMESPACE}  # declared: a namespaced extension

    sina = finance[1][0]
    assert sina.get("text") == '新浪财经 & "国内" 滚动'  # else the source
    assert sina.get("xmlUrl") == "https://a.example/rss?x=1&y=2"
    assert sina.get(NS_CHANNEL) is None
    assert "&amp;" in text and "&quot;" in text

    # `/` and `,` cannot be written in a category path: no category, the folders say it.
    odd = groups[2][0][0]
    assert odd.get("category") is None
    assert odd.get(NS_CHANNEL) == "c/d, e"


def test_export_is_deterministic_and_dated() -> None:
    assert export_opml(SPECS, created=CREATED) == export_opml(SPECS, created=CREATED)
    naive = export_opml(SPECS, created=datetime(2024, 11, 30, 5, 56))
    assert naive == export_opml(SPECS, created=CREATED)
    east8 = datetime(2024, 11, 30, 13, 56, tzinfo=timezone(timedelta(hours=8)))
    assert "<dateCreated>Sat, 30 Nov 2024 13:56:00 +0800</dateCreated>" in export_opml(
        SPECS, created=east8
    )
    before = datetime.now(UTC).replace(microsecond=0)
    date = etree.fromstring(export_opml(SPECS).encode()).findtext("head/dateCreated")
    assert date is not None
    assert before <= parsedate_to_datetime(date) <= datetime.now(UTC)


def test_export_without_channels_or_odd_names_declares_no_namespace() -> None:
    text = export_opml([FeedSpec(url="https://a.example/", group="g", source="s")], created=CREATED)
    assert "xmlns" not in text
    assert export_opml([], created=CREATED).count("<body/>") == 1


def test_names_folders_would_not_carry_get_feedmill_attributes() -> None:
    spec = FeedSpec(url="https://a.example/", group=" 金融", source="新浪  财经 滚动")
    root = etree.fromstring(export_opml([spec], created=CREATED).encode())
    (outline,) = [o for o in root.iter("outline") if o.get("xmlUrl")]
    assert outline.get(NS_GROUP) == " 金融"
    assert outline.get(NS_SOURCE) == "新浪  财经 滚动"
    assert outline.get(NS_CHANNEL) is None
    assert parse_opml(etree.tostring(root)) == [
        ImportedFeed("https://a.example/", " 金融", "新浪  财经 滚动")
    ]
    # A folder that reads back as no name: the source is said, not read from
    # the next folder down (the channel's was taken for it).
    spec = FeedSpec(url="https://a.example/", group="\u200b", source="00", channel="0")
    assert parse_opml(export_opml([spec], created=CREATED)) == [
        ImportedFeed("https://a.example/", "\u200b", "00", "0")
    ]


def test_an_outlines_line_breaks_are_spaces() -> None:
    """A name's U+2028 or NEL was kept: its posts filed under 证券 时报, a
    source of another name in the config."""
    opml = (
        '<opml version="2.0"><body><outline text="金融">'
        '<outline text="证券&#x2028;时报" xmlUrl="https://a.example/1"/>'
        '<outline text="证券&#x85;时报" xmlUrl="https://a.example/2"/>'
        '<outline text="证券&#10;&#9;时报" xmlUrl="https://a.example/3"/>'
        "</outline></body></opml>"
    )
    assert {feed.source for feed in parse_opml(opml)} == {"证券 时报"}


def test_export_drops_characters_xml_cannot_carry() -> None:
    spec = FeedSpec(url="https://a.example/", group="g", source="s源")
    text = export_opml([spec], title="t\x00it\x01le", created=CREATED)
    assert "<title>title</title>" in text
    assert parse_opml(text) == [ImportedFeed("https://a.example/", "g", "s源")]
    # (A config's names hold none: a post's front matter writes "g\x01" as "g".)
    with pytest.raises(ValueError, match="control character"):
        FeedSpec(url="https://a.example/", group="g\x01", source="s")


def test_round_trip() -> None:
    back = parse_opml(export_opml(SPECS, created=CREATED))
    # in export order: by group, then by source, then as listed
    assert as_tuples(back) == [
        (s.url, s.group, s.source, s.channel) for s in (SPECS[i] for i in (0, 3, 1, 2, 4))
    ]


def test_round_trip_of_a_config_file() -> None:
    """A config's feeds → OPML → the same url / group / source / channel."""
    text, _, _ = add_feeds(
        CONFIG,
        [
            ImportedFeed("https://rsshub.example.org/36kr/newsflashes", "金融", "36氪", "快讯"),
            ImportedFeed(
                "https://www.ruanyifeng.com/blog/atom.xml", "科技", "科技爱好者周刊", "周刊"
            ),
            ImportedFeed("https://www.oschina.net/news/rss", "科技", "开源中国"),
        ],
    )
    config = parse_config(text, Path("/nonexistent/feedmill.yml"))
    back = parse_opml(export_opml(config.feeds, created=CREATED).encode("utf-8"))
    assert sorted(as_tuples(back)) == sorted(feeds_of(text))


def test_the_bundled_sample_exports_but_its_local_files_are_not_imported() -> None:
    config = parse_config(SAMPLE_CONFIG.read_text(encoding="utf-8"), SAMPLE_CONFIG)
    found = read_opml(export_opml(config.feeds, created=CREATED))
    assert found.feeds == []
    assert {s.url for s in found.skipped} == {f.url for f in config.feeds}
    assert {s.reason for s in found.skipped} == {
        "not an absolute URL; only http(s) feeds are imported"
    }


def test_round_trip_through_a_reader_that_drops_unknown_attributes() -> None:
    """Another reader re-exports without feedmill:channel: category still has the channel."""
    root = etree.fromstring(export_opml(SPECS[:4], created=CREATED).encode())
    for outline in root.iter("outline"):
        if NS_CHANNEL in outline.attrib:
            del outline.attrib[NS_CHANNEL]
    back = parse_opml(etree.tostring(root, encoding="UTF-8", xml_declaration=True))
    assert as_tuples(back) == [
        (s.url, s.group, s.source, s.channel) for s in (SPECS[i] for i in (0, 3, 1, 2))
    ]


# Any name the config accepts, XML can carry and an import takes (not `<`, `>`:
# HTML in a theme's category list): white space at the ends, doubled, new
# lines, `/`, `,`, `&` and quotes, CJK and astral characters.
names = st.text(
    alphabet=st.sampled_from(
        "金融科技证券时报网要闻abcXYZ019 \t\n\r\xa0\u3000&\"'/,:#-?!%\\|{}[]😀\u200b"
    ),
    min_size=1,
    max_size=12,
).filter(lambda s: bool(s.strip()) and category_name_problem(s) is None)
# Any text that can name a Hexo category.
# (As they show: a name with what shows nothing, or in NFD, is read as the
# name it shows — test_cli's test_names_that_show_alike_are_one_category.)
category_names = st.text(min_size=1, max_size=10).filter(
    lambda s: bool(s.strip()) and category_name_problem(s) is None and visible_name(s) == s
)


@settings(steady, max_examples=100, suppress_health_check=[HealthCheck.filter_too_much])
@given(feeds=st.lists(st.tuples(names, names, st.none() | names), min_size=1, max_size=6))
def test_round_trip_any_names(feeds: list[tuple[str, str, str | None]]) -> None:
    specs = [
        FeedSpec(url=f"https://feed.example/{i}?a=1&b=2", group=g, source=s, channel=c)
        for i, (g, s, c) in enumerate(feeds)
    ]
    back = parse_opml(export_opml(specs, created=CREATED))
    assert sorted(as_tuples(back)) == sorted((s.url, s.group, s.source, s.channel) for s in specs)


@settings(steady, max_examples=100)
@given(
    group=st.text(alphabet="金融 科技ab", min_size=1, max_size=6).filter(str.strip),
    source=st.text(alphabet="证券 时报cd", min_size=1, max_size=6).filter(str.strip),
)
def test_without_feedmill_attributes_names_come_back_tidied(group: str, source: str) -> None:
    root = etree.fromstring(
        export_opml([FeedSpec(url="https://a.example/", group=group, source=source)]).encode()
    )
    for outline in root.iter("outline"):
        for name in (NS_GROUP, NS_SOURCE, NS_CHANNEL):
            if name in outline.attrib:
                del outline.attrib[name]
    (feed,) = parse_opml(etree.tostring(root))
    assert (feed.group, feed.source) == (" ".join(group.split()), " ".join(source.split()))


# -- import: real-world shapes ------------------------------------------------


def test_inoreader_folders() -> None:
    found = read_opml((OPML / "inoreader.opml").read_bytes())
    assert as_tuples(found.feeds) == [
        ("https://rsshub.app/stcn/yw", "金融", "证券时报网 - 要闻", None),
        (
            "https://rss.sina.com.cn/roll/finance/hot_roll.xml?a=1&b=2",
            "金融",
            "新浪财经 & 国内",
            None,
        ),
        ("https://www.tomshardware.com/feeds/all", "科技", "Tom's Hardware", None),
        ("https://www.ruanyifeng.com/blog/atom.xml", "科技", "阮一峰的网络日志", None),
        ("https://news.ycombinator.com/rss", UNCATEGORIZED, "Hacker News", None),
    ]
    # the same feed in a second folder (必读) is dropped: the first one wins
    assert skipped_of(found) == [
        (
            "https://rsshub.app/stcn/yw",
            "证券时报网 - 要闻",
            "duplicate: already imported as 金融 / 证券时报网 - 要闻",
        )
    ]


def test_feedly_folders() -> None:
    found = read_opml((OPML / "feedly.opml").read_text(encoding="utf-8"))
    assert as_tuples(found.feeds) == [
        ("https://36kr.com/feed", "财经", "36氪", None),
        ("https://rsshub.app/wallstreetcn/news/global", "财经", "华尔街见闻", None),
        ("https://www.theverge.com/rss/index.xml", "Tech", "The Verge - All Posts", None),
        ("https://sspai.com/feed", "Tech", "少数派", None),
    ]
    assert [s.reason for s in found.skipped] == ["duplicate: already imported as 财经 / 36氪"]


def test_freshrss_scrapers_are_skipped_with_a_reason() -> None:
    found = read_opml((OPML / "freshrss.opml").read_bytes())
    assert as_tuples(found.feeds) == [
        (
            "https://github.com/FreshRSS/FreshRSS/releases.atom",
            "Uncategorized",
            "FreshRSS releases",
            None,
        ),
        ("https://rsshub.example.org/stcn/yw", "金融", "证券时报网 - 要闻", None),
        ("https://rsshub.example.org/jinse/lives", "金融", "金色财经快讯", None),
        # type="JSONFeed" is a real JSON Feed, not a scraper
        (
            "https://rsshub.example.org/36kr/newsflashes?format=json",
            "金融",
            "36氪 JSON Feed",
            None,
        ),
        ("https://www.oschina.net/news/rss", "科技", "开源中国", None),
    ]
    assert skipped_of(found) == [
        (
            "https://www.example.net/page.html",
            "Example scraper",
            "FreshRSS HTML+XPath web scraper, not a feed",
        ),
        (
            "https://www.example.net/sitemap.xml",
            "Sitemap scraper",
            "FreshRSS XML+XPath web scraper, not a feed",
        ),
        (
            "https://api.example.net/news.json",
            "API scraper",
            "FreshRSS JSON+DotNotation web scraper, not a feed",
        ),
        (
            "https://www.example.net/app",
            "Embedded JSON scraper",
            "FreshRSS HTML+XPath+JSON+DotNotation web scraper, not a feed",
        ),
        (
            None,
            "Reading list",
            "FreshRSS dynamic OPML folder (import https://lists.example.org/reading.opml itself)",
        ),
    ]


def test_miniflux_categories() -> None:
    found = read_opml((OPML / "miniflux.opml").read_bytes())
    assert as_tuples(found.feeds) == [
        ("https://hnrss.org/frontpage", "All", "Hacker News: Front Page", None),
        ("https://www.ruanyifeng.com/blog/atom.xml", "科技", "阮一峰的网络日志", None),
        ("https://rsshub.example.org/juejin/category/frontend", "科技", "掘金前端", None),
    ]
    assert found.skipped == []


def test_nested_folders_are_group_source_and_channel() -> None:
    found = read_opml((OPML / "nested-folders.opml").read_bytes())
    assert as_tuples(found.feeds) == [
        # two deep: group → source → feeds
        ("https://rsshub.example.org/stcn/yw", "金融", "证券时报网", None),
        ("https://rsshub.example.org/stcn/kx", "金融", "证券时报网", None),
        ("https://rsshub.example.org/sina/finance/china", "金融", "新浪财经", None),
        # three deep: the third folder is the channel
        ("https://rsshub.example.org/juejin/category/frontend", "科技", "掘金", "前端"),
        ("https://rsshub.example.org/juejin/category/backend", "科技", "掘金", None),
        # an empty-named folder does not count
        ("https://example.org/empty-folder.xml", "科技", "Empty-named folder is skipped", None),
    ]
    # isComment="true" hides its subtree
    assert skipped_of(found) == [
        ("https://example.org/commented.xml", "Commented out", "commented out (isComment)")
    ]


def test_flat_file_with_category_paths() -> None:
    found = read_opml((OPML / "flat-category.opml").read_bytes())
    assert as_tuples(found.feeds) == [
        ("https://rsshub.example.org/stcn/yw", "金融", "证券时报网", None),
        ("https://rsshub.example.org/36kr/newsflashes", "金融", "36氪", "快讯"),
        # "快讯" alone is a tag; the first path is "/金融/金色财经"
        ("https://rsshub.example.org/jinse/lives", "金融", "金色财经", None),
        ("https://rsshub.example.org/sina/finance/china", "金融", "新浪财经", None),  # no slash
        # a one-part path is the group, the feed's own name the source
        ("https://www.oschina.net/news/rss", "科技", "开源中国", None),
        ("https://example.org/tagged.xml", UNCATEGORIZED, "Tagged only", None),
        ("https://example.org/spaces.xml", "科技", "少数派", None),
    ]


def test_feeds_without_folders_are_uncategorized() -> None:
    assert as_tuples(parse_opml((OPML / "no-folders.opml").read_bytes())) == [
        ("https://www.ruanyifeng.com/blog/atom.xml", UNCATEGORIZED, "阮一峰的网络日志", None),
        ("https://www.solidot.org/index.rss", UNCATEGORIZED, "Solidot", None),  # title only
        ("https://hnrss.org/newest", UNCATEGORIZED, "hnrss.org", None),  # no name: the host
    ]


def test_opml_1_0() -> None:
    data = (OPML / "opml-1.0.opml").read_bytes()
    assert b'<opml version="1.0">' in data and b"\r\n" in data
    assert as_tuples(parse_opml(data)) == [
        ("https://www.solidot.org/index.rss", "科技", "Solidot", None),
        ("https://rss.cnbeta.com.tw/", "科技", "cnBeta.COM", None),
        ("https://www.joelonsoftware.com/feed/", UNCATEGORIZED, "Joel on Software", None),
    ]


def test_odd_outlines() -> None:
    found = read_opml((OPML / "odd-outlines.opml").read_bytes())
    assert as_tuples(found.feeds) == [
        # title when there is no text; white space and line breaks tidied, URL trimmed
        ("https://www.oschina.net/news/rss", UNCATEGORIZED, "开源中国 最新资讯", None),
        # neither text nor title: the host
        ("https://www.solidot.org/index.rss", UNCATEGORIZED, "www.solidot.org", None),
        ("http://podcast.example.com/episodes.xml", UNCATEGORIZED, "A podcast", None),  # feed://
        # an rss outline without xmlUrl but with children is a folder
        ("https://example.org/child.xml", "Folder-like rss outline", "Child of it", None),
        ("https://example.org/upper.xml", UNCATEGORIZED, "Shouting", None),  # XMLURL=
    ]
    only = "only http(s) feeds are imported"
    assert skipped_of(found) == [
        (None, None, "no xmlUrl"),
        (None, "Only htmlUrl", "no xmlUrl"),
        ("file:///etc/passwd", "Local", f"a file: URL; {only}"),
        ("feeds/local.xml", "Relative", f"not an absolute URL; {only}"),
        ("https:///feed.xml", "No host", "no host name in the URL"),
        ("https://example.com:99999/feed", "Bad port", "not a valid URL"),
        # A link is no subscription, but said: a reader may have meant its address for one.
        (None, "Not a feed", "no xmlUrl (a link to https://example.com/, not a feed)"),
        (
            "https://www.solidot.org/index.rss",
            "Solidot again",
            "duplicate: already imported as 未分类 / www.solidot.org",
        ),
    ]
    # <outline/> is no subscription: neither imported nor reported


def test_an_address_with_a_byte_of_no_character_is_skipped_not_taken() -> None:
    """UTF-8 but for a stray byte, read past (a name keeps a "�"): in an
    xmlUrl, the feed was added at an address of no one's."""
    names = "".join(
        f'<outline text="财经新闻{i}" xmlUrl="https://a.example/{i}"/>' for i in range(3)
    )
    data = (
        f'<opml version="2.0"><body>{names}'
        '<outline text="cut" xmlUrl="https://a.example/rss?tag=财经"/></body></opml>'
    ).encode()
    data = data.replace('经"/>'.encode(), "经".encode()[:2] + b'"/>')
    found = read_opml(data)
    assert [f.url for f in found.feeds] == [f"https://a.example/{i}" for i in range(3)]
    [(_url, name, reason)] = skipped_of(found)
    assert name == "cut" and "a byte of no character" in reason


def test_outlines_without_a_feed_address_are_said_not_dropped() -> None:
    """An outline of a site's page alone, a link, a blank xmlUrl, with no type:
    skipped with its reason (they were passed over as empty folders); one
    with child outlines is a folder; an outline of a name alone says nothing."""
    found = read_opml(
        '<opml version="2.0"><body><outline text="科技">'
        '<outline text="阮一峰" htmlUrl="https://www.ruanyifeng.com/blog/"/>'
        '<outline text="少数派" type="rss" xmlUrl="https://sspai.com/feed"/>'
        '<outline text="V2EX" url="https://www.v2ex.com/index.xml"/>'
        '<outline text="RSSHub" xmlUrl="  " htmlUrl="https://rsshub.app/"/>'
        '<outline text="私" htmlUrl="https://u:hunter2@site.example/?token=S3"/>'
        '<outline text="链" type="link" url="https://u:hunter2@site.example/x?key=S4"/>'
        '<outline text="动态" xmlns:frss="https://freshrss.org/opml"'
        ' frss:opmlUrl="https://u:hunter2@fr.example/opml.php?token=S5"/>'
        '<outline text="空白" xmlUrl=""/>'
        '<outline text="旧" htmlUrl="https://old.example/" isComment="true"/>'
        '<outline text="站点" htmlUrl="https://site.example/">'
        '<outline text="子" xmlUrl="https://site.example/feed"/></outline>'
        '<outline text="空文件夹"/>'
        "</outline></body></opml>"
    )
    assert as_tuples(found.feeds) == [
        ("https://sspai.com/feed", "科技", "少数派", None),
        ("https://site.example/feed", "科技", "站点", None),
    ]
    assert skipped_of(found) == [
        (None, "阮一峰", "no xmlUrl (only htmlUrl, a web page: https://www.ruanyifeng.com/blog/)"),
        (None, "V2EX", "no xmlUrl (a link to https://www.v2ex.com/index.xml, not a feed)"),
        (None, "RSSHub", "no xmlUrl (only htmlUrl, a web page: https://rsshub.app/)"),
        # (A password, an access key: never shown.)
        (None, "私", "no xmlUrl (only htmlUrl, a web page: https://site.example/?token=…)"),
        (None, "链", "no xmlUrl (a link to https://site.example/x?key=…, not a feed)"),
        (
            None,
            "动态",
            "FreshRSS dynamic OPML folder (import https://fr.example/opml.php?token=… itself)",
        ),
        (None, "空白", "no xmlUrl"),
        (None, "旧", "commented out (isComment)"),
    ]


@pytest.mark.parametrize("name", ["gbk-declared.opml", "gb2312-declared.opml"])
def test_gbk_declared_files(name: str) -> None:
    data = (OPML / name).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    feeds = parse_opml(data)
    # already decoded text keeps its (now wrong) encoding="GBK" declaration
    assert parse_opml(data.decode("gb18030")) == feeds
    # GBK bytes with a declaration that says UTF-8
    declared = data[: data.index(b"?>")]
    assert parse_opml(data.replace(declared, b'<?xml version="1.0" encoding="UTF-8"')) == feeds
    assert parse_opml(data.replace(declared + b"?>", b"")) == feeds
    if name == "gbk-declared.opml":
        assert as_tuples(feeds) == [
            ("http://www.stcn.com/rss/yw.xml", "财经", "证券时报网", None),
            ("http://news.hexun.com/rss/main.xml", "财经", "和讯网", None),
        ]
    else:  # GB2312 declared, GBK-only characters used: read as GB18030
        with pytest.raises(UnicodeDecodeError):
            data.decode("gb2312")
        assert as_tuples(feeds) == [
            ("http://www.example.cn/rss/zhu.xml", "财经", "朱镕基讲话实录", None),
            ("http://www.example.cn/rss/big5.xml", "财经", "證券時報（繁體）", None),
        ]


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_utf8_bytes_under_a_gb_declaration_are_utf8(bom: bytes) -> None:
    """As for feeds (parse/encoding.py): a byte-order mark wins, and bytes that
    are valid, non-ASCII UTF-8 are UTF-8 whatever the declaration says — an
    export re-saved by an editor keeps its old ``encoding="GB2312"``. Read as
    GB18030 they were 璐㈢粡 without a word; with the mark, a refused file."""
    text = (
        '<?xml version="1.0" encoding="GB2312"?>\n<opml version="1.0"><head/><body>'
        '<outline text="财经"><outline text="新浪财经" type="rss" xmlUrl="https://a.example/x"/>'
        "</outline></body></opml>\n"
    )
    assert as_tuples(parse_opml(bom + text.encode("utf-8"))) == [
        ("https://a.example/x", "财经", "新浪财经", None)
    ]


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
@pytest.mark.parametrize("encoding", ["UTF-8", "GBK"])
def test_blank_lines_before_the_xml_declaration_are_skipped(bom: bytes, encoding: str) -> None:
    """Some web exporters write a newline and spaces before ``<?xml``: "bad
    XML … XML declaration allowed only at the start", nothing imported."""
    text = (
        f'\n  <?xml version="1.0" encoding="{encoding}"?>\n<opml version="1.0"><head/><body>'
        '<outline text="财经"><outline text="新浪财经" type="rss" xmlUrl="https://a.example/x"/>'
        "</outline></body></opml>\n"
    )
    data = text.encode("utf-8" if encoding == "UTF-8" else "gbk")
    prefix = bom if encoding == "UTF-8" else b""
    assert as_tuples(parse_opml(prefix + data)) == [
        ("https://a.example/x", "财经", "新浪财经", None)
    ]
    assert as_tuples(parse_opml(text)) == [("https://a.example/x", "财经", "新浪财经", None)]


def test_gbk_without_declaration() -> None:
    data = (OPML / "gbk-undeclared.opml").read_bytes()
    assert not data.startswith(b"<?xml")
    assert as_tuples(parse_opml(data)) == as_tuples(
        parse_opml((OPML / "gb2312-declared.opml").read_bytes())
    )


NAMES = ["证券时报", "新浪财经", "华尔街见闻", "财联社电报", "第一财经", "经济观察网"]


@pytest.mark.parametrize("declaration", [b'<?xml version="1.0" encoding="UTF-8"?>\n', b""])
def test_utf8_with_a_stray_byte_is_read_as_utf8(declaration: bytes) -> None:
    """One title cut inside a character: read as GB18030 (what an old
    Chinese tool writes), every name of the file was nonsense (财经 → 璐㈢粡)."""
    cut = "Cut title …".encode()[:-1]  # (a character of three bytes, cut after two)
    outlines = b"".join(
        f'<outline text="{name}" xmlUrl="https://s{i}.example.org/f"/>'.encode()
        for i, name in enumerate(NAMES)
    )
    data = (
        declaration
        + '<opml version="2.0"><body><outline text="财经新闻">'.encode()
        + outlines
        + b'<outline text="'
        + cut
        + b'" xmlUrl="https://cut.example.org/f"/>'
        + b"</outline></body></opml>"
    )
    assert as_tuples(parse_opml(data)) == [
        *((f"https://s{i}.example.org/f", "财经新闻", name, None) for i, name in enumerate(NAMES)),
        ("https://cut.example.org/f", "财经新闻", "Cut title \ufffd", None),
    ]


@pytest.mark.parametrize(
    ("folder", "name"),
    [
        ("学习", "学习时报"),  # GBK pairs that are UTF-8 too, in part
        ("财经", "文汇报"),
        ("財經", "iThome"),  # traditional characters, in GBK
        ("★ Starred", "Ars Technica — Main"),  # GBK's punctuation alone
    ],
)
def test_undeclared_gbk_is_gbk_whatever_it_looks_like(folder: str, name: str) -> None:
    text = (
        f'<opml version="2.0"><body><outline text="{folder}">'
        f'<outline text="{name}" xmlUrl="https://b.example.org/rss"/></outline></body></opml>'
    )
    assert as_tuples(parse_opml(text.encode("gbk"))) == [
        ("https://b.example.org/rss", folder, name, None)
    ]


def test_big5_without_declaration() -> None:
    """Taiwan's and Hong Kong's old tools write Big5, which GB18030 would read as nonsense."""
    outlines = (
        '<opml version="2.0"><head/><body><outline text="財經">'
        '<outline text="經濟日報" type="rss" xmlUrl="https://money.udn.com/rssfeed/news/1001/5588"/>'
        "</outline></body></opml>"
    )
    assert as_tuples(parse_opml(outlines.encode("big5"))) == [
        ("https://money.udn.com/rssfeed/news/1001/5588", "財經", "經濟日報", None)
    ]


@pytest.mark.parametrize(
    ("folder", "name"),
    [("財經 新聞", "新浪財經"), ("新聞", "聯合報"), ("科技", "數位時代"), ("財經", "經濟日報")],
)
def test_short_big5_that_detection_misreads_is_still_big5(folder: str, name: str) -> None:
    """A file of a few words reads to detection as Shift JIS: GB18030, tried
    first, decoded it too, as nonsense (財經 新聞 → 癩竒 穝籇), imported so."""
    outlines = (
        f'<?xml version="1.0"?><opml version="2.0"><head/><body><outline text="{folder}">'
        f'<outline text="{name}" type="rss" xmlUrl="https://news.example.tw/rss"/>'
        "</outline></body></opml>"
    )
    assert as_tuples(parse_opml(outlines.encode("big5"))) == [
        ("https://news.example.tw/rss", folder, name, None)
    ]
    # Simplified Chinese in GBK, as short, is still GBK.
    gbk = outlines.replace(folder, "财经 新闻").replace(name, "新浪财经")
    assert as_tuples(parse_opml(gbk.encode("gbk"))) == [
        ("https://news.example.tw/rss", "财经 新闻", "新浪财经", None)
    ]


def test_byte_order_mark_and_crlf() -> None:
    data = (OPML / "utf8-bom.opml").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    expected = [("https://www.oschina.net/news/rss", "科技", "开源中国", None)]
    assert as_tuples(parse_opml(data)) == expected
    assert as_tuples(parse_opml(data.decode("utf-8"))) == expected  # "\ufeff" first
    utf16 = data.decode("utf-8-sig").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    assert as_tuples(parse_opml(utf16.encode("utf-16"))) == expected


def test_bare_ampersands_and_html_entities_are_repaired() -> None:
    feeds = parse_opml((OPML / "hand-written.opml").read_bytes())
    assert as_tuples(feeds) == [
        (
            "https://feed.mix.sina.com.cn/api/roll/get?pageid=153&lid=2516&k=&num=50&page=1",
            "金融",
            "新浪财经 滚动",
            None,
        ),
        ("https://example.org/rss?a=1&b=2", "金融", "Café © News", None),
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_is_repaired_as_a_utf8_one_is(encoding: str) -> None:
    """PowerShell 5's ``>`` writes UTF-16: a bare ``&`` or ``&nbsp;`` in such
    a file refused it whole ("bad XML … EntityRef: expecting ';'")."""
    text = (OPML / "hand-written.opml").read_text(encoding="utf-8")
    declared = re.sub(r'encoding="[^"]*"', 'encoding="UTF-16"', text, count=1)
    expected = as_tuples(parse_opml(text.encode("utf-8")))
    assert as_tuples(parse_opml(declared.encode(encoding))) == expected
    # Blank lines before the declaration; a stray byte at the end.
    assert as_tuples(parse_opml(("\r\n" + declared).encode(encoding))) == expected
    assert as_tuples(parse_opml(declared.encode(encoding) + b"\n")) == expected


def test_a_nul_in_a_utf8_file_goes_as_any_raw_control_character() -> None:
    """One NUL in a small UTF-8 file's first 512 bytes made it UTF-16, and
    unreadable ("Char 0x0 out of allowed range"); NULs padding its end too."""
    opml = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0"><head><title>My\x00Feeds'
        b'</title></head><body><outline text="G"><outline text="S" type="rss"'
        b' xmlUrl="http://127.0.0.1:39102/f1.xml"/></outline></body></opml>\n'
    )
    expected = [("http://127.0.0.1:39102/f1.xml", "G", "S", None)]
    assert as_tuples(parse_opml(opml)) == expected
    assert as_tuples(parse_opml(opml.replace(b"\x00", b"") + b"\x00" * 300)) == expected


def test_an_outline_whose_text_shows_nothing_is_named_by_its_title() -> None:
    """A text of a zero-width space: "source: must not be empty", skipped."""
    opml = (
        '<opml version="2.0"><body><outline text="金融"><outline text="&#x200b;"'
        ' title="证券时报网" xmlUrl="https://a.example/x"/></outline></body></opml>'
    )
    assert as_tuples(parse_opml(opml)) == [("https://a.example/x", "金融", "证券时报网", None)]


def test_character_references_xml_forbids_are_dropped() -> None:
    """One ``&#1;`` in a title (a reader's export of a feed that had it) made
    the whole file unreadable; ``&#x1F4C8;`` and ``&#9;`` are characters."""
    opml = (
        '<opml version="2.0"><body><outline text="财&#1;经&#xD800;">'
        '<outline text="行情&#x1F4C8;" xmlUrl="https://a.example/x"/></outline></body></opml>'
    )
    assert as_tuples(parse_opml(opml.encode("utf-8"))) == [
        ("https://a.example/x", "财经", "行情\U0001f4c8", None)
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_raw_control_characters_are_dropped_as_their_references_are(encoding: str) -> None:
    """A vertical tab pasted into a title refused the whole file ("invalid
    character in attribute value"), where ``&#11;`` was dropped."""
    opml = (
        '<opml version="2.0"><body><outline text="财\x0b经">'
        '<outline text="证券\x01时报\x1b" xmlUrl="https://a.example/x"/></outline></body></opml>'
    )
    assert as_tuples(parse_opml(opml.encode(encoding))) == [
        ("https://a.example/x", "财经", "证券时报", None)
    ]


def test_an_iso_2022_jp_file_keeps_its_shifts() -> None:
    """ESC is no stray control character there: it shifts to kanji and back."""
    opml = (
        '<?xml version="1.0" encoding="ISO-2022-JP"?><opml version="2.0"><body>'
        '<outline text="ニュース"><outline text="朝日新聞 & 日経" xmlUrl="https://a.example/x"/>'
        "</outline></body></opml>"
    )
    assert as_tuples(parse_opml(opml.encode("iso2022_jp"))) == [
        ("https://a.example/x", "ニュース", "朝日新聞 & 日経", None)
    ]


def test_folders_nested_too_deep_say_so() -> None:
    opml = '<opml version="2.0"><body>' + "<outline text='x'>" * 300 + "</outline>" * 300
    with pytest.raises(OpmlError, match="folders nested more than 256 deep") as caught:
        parse_opml((opml + "</body></opml>").encode("utf-8"))
    assert "XML_PARSE_HUGE" not in str(caught.value)


def test_an_attribute_of_megabytes_says_so() -> None:
    opml = f'<opml version="2.0"><body><outline text="{"a" * 11_000_000}"/></body></opml>'
    with pytest.raises(OpmlError, match="a text or attribute longer than 10 MB") as caught:
        parse_opml(opml.encode("utf-8"))
    assert "nested" not in str(caught.value) and "XML_PARSE_HUGE" not in str(caught.value)


def test_escaped_ampersands_stay_single() -> None:
    text = '<opml version="2.0"><body><outline text="A &amp;amp; B" xmlUrl="https://a.example/?a=1&amp;b=2&#38;c=3"/></body></opml>'
    assert parse_opml(text) == [
        ImportedFeed("https://a.example/?a=1&b=2&c=3", UNCATEGORIZED, "A &amp; B")
    ]


def test_duplicate_urls_keep_the_first() -> None:
    text = """<opml version="2.0"><head/><body>
      <outline text="一"><outline text="源一" xmlUrl="https://a.example/feed"/></outline>
      <outline text="二"><outline text="源二" xmlUrl="https://a.example/feed"/>
        <outline text="源三" xmlUrl=" https://a.example/feed "/>
        <outline text="源四" xmlUrl="https://a.example/feed/"/></outline>
    </body></opml>"""
    found = read_opml(text)
    assert as_tuples(found.feeds) == [
        ("https://a.example/feed", "一", "源一", None),
        ("https://a.example/feed/", "二", "源四", None),  # a different URL string
    ]
    assert [s.name for s in found.skipped] == ["源二", "源三"]
    assert parse_opml(text) == found.feeds


@pytest.mark.parametrize("path", sorted(OPML.glob("*.opml")), ids=lambda p: p.name)
def test_parse_opml_is_read_opml_feeds(path: Path) -> None:
    data = path.read_bytes()
    try:
        found = read_opml(data)
    except OpmlError:
        with pytest.raises(OpmlError):
            parse_opml(data)
        return
    assert parse_opml(data) == found.feeds
    assert len({f.url for f in found.feeds}) == len(found.feeds)
    assert all(isinstance(s, SkippedOutline) and s.reason for s in found.skipped)


def test_category_rules() -> None:
    def one(attrs: str, folders: tuple[str, ...] = ()) -> tuple[str, str, str | None]:
        inner = f'<outline text="本身" title="标题" xmlUrl="https://a.example/" {attrs}/>'
        for name in reversed(folders):
            inner = f'<outline text="{name}">{inner}</outline>'
        (feed,) = parse_opml(f'<opml version="2.0"><body>{inner}</body></opml>')
        return feed.group, feed.source, feed.channel

    assert one('category="/金融/证券时报网/要闻"') == ("金融", "证券时报网", "要闻")
    assert one('category="金融/证券时报网"') == ("金融", "证券时报网", None)
    assert one('category=" / 金融 / 证券时报网 / 要闻 / 更深 "') == ("金融", "证券时报网", "要闻")
    assert one('category="/金融/证券时报网,/科技/掘金"') == ("金融", "证券时报网", None)
    # a one-part path is a group when there is no folder
    assert one('category="/金融"') == ("金融", "本身", None)
    assert one('category="/金融"', ("科技", "掘金")) == ("科技", "掘金", None)
    assert one('category="tag"') == (UNCATEGORIZED, "本身", None)
    # a category path beats the folders, all of them: no channel from a third folder
    assert one('category="/金融/证券时报网"', ("a", "b", "c")) == ("金融", "证券时报网", None)
    assert one("", ("a", "b", "c", "d")) == ("a", "b", "c")
    # feedmill's own attributes win, each on its own
    ns = f'xmlns:feedmill="{OPML_NAMESPACE}"'
    assert one(f'category="/金融/证券时报网/要闻" {ns} feedmill:channel="头条"') == (
        "金融",
        "证券时报网",
        "头条",
    )
    assert one(f'{ns} feedmill:group=" 组 " feedmill:source="源"', ("a", "b", "c")) == (
        " 组 ",
        "源",
        "c",
    )
    assert one(f'{ns} feedmill:group="  " feedmill:channel=""', ("a", "b")) == ("a", "b", None)
    # the same local name in another namespace means nothing to us
    assert one('xmlns:x="urn:other" x:channel="头条"', ("金融", "证券时报网")) == (
        "金融",
        "证券时报网",
        None,
    )
    assert one("", ("金融",)) == ("金融", "本身", None)
    assert one("") == (UNCATEGORIZED, "本身", None)


def test_upper_case_type_and_attribute_names_and_default_namespace() -> None:
    text = """<opml version="2.0" xmlns="http://opml.org/spec2"><body>
      <outline TEXT="组"><outline type="RSS" TEXT="源" XMLURL="HTTPS://A.example/Feed"/></outline>
    </body></opml>"""
    assert as_tuples(parse_opml(text)) == [("HTTPS://A.example/Feed", "组", "源", None)]


def test_feed_scheme() -> None:
    text = """<opml version="2.0"><body>
      <outline text="a" xmlUrl="feed://a.example/rss"/>
      <outline text="b" xmlUrl="feed:https://b.example/rss"/>
      <outline text="c" xmlUrl="FEED:HTTP://c.example/rss"/>
      <outline text="d" xmlUrl="javascript:alert(1)"/>
    </body></opml>"""
    found = read_opml(text)
    assert [f.url for f in found.feeds] == [
        "http://a.example/rss",
        "https://b.example/rss",
        "HTTP://c.example/rss",
    ]
    assert skipped_of(found) == [
        ("javascript:alert(1)", "d", "a javascript: URL; only http(s) feeds are imported")
    ]


def test_outlines_outside_body_are_ignored() -> None:
    text = """<opml version="2.0"><head><outline text="h" xmlUrl="https://h.example/"/></head>
      <body><outline text="b" xmlUrl="https://b.example/"/></body></opml>"""
    assert [f.url for f in parse_opml(text)] == ["https://b.example/"]


def test_empty_body_is_an_empty_list() -> None:
    assert read_opml('<opml version="2.0"><head/><body/></opml>') == OpmlImport([], [])


def test_a_large_file_is_quick() -> None:
    body = "".join(
        f'<outline text="组{i % 50}"><outline text="源{i}" xmlUrl="https://f.example/{i}"/></outline>'
        for i in range(10_000)
    )
    start = time.perf_counter()
    feeds = parse_opml(f'<opml version="2.0"><body>{body}</body></opml>'.encode())
    assert len(feeds) == 10_000 and feeds[-1] == ImportedFeed(
        "https://f.example/9999", "组49", "源9999"
    )
    assert time.perf_counter() - start < 5


# -- import: refused input -----------------------------------------------------


def test_entity_bomb_is_refused_before_expansion() -> None:
    start = time.perf_counter()
    with pytest.raises(OpmlError, match="DOCTYPE"):
        parse_opml((OPML / "doctype-bomb.opml").read_bytes())
    assert time.perf_counter() - start < 1


@pytest.mark.parametrize("name", ["xxe.opml", "xxe-parameter.opml"])
def test_external_entities_are_refused(name: str) -> None:
    with pytest.raises(OpmlError, match="DOCTYPE") as caught:
        parse_opml((OPML / name).read_bytes())
    assert "root:" not in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        '<!DOCTYPE opml SYSTEM "http://127.0.0.1:9/opml.dtd"><opml><body/></opml>',
        '<?xml version="1.0"?>\n<!-- c -->\n<!DOCTYPE opml><opml><body/></opml>',
        '\ufeff<!DOCTYPE opml [<!ENTITY a "b">]><opml><body>&a;</body></opml>',
        # the repaired second attempt is refused too
        '<!DOCTYPE opml [<!ENTITY a "b">]><opml><body><outline xmlUrl="https://a/?x=1&y=2"/></body></opml>',
    ],
)
def test_any_doctype_is_refused(text: str) -> None:
    with pytest.raises(OpmlError, match="DOCTYPE"):
        parse_opml(text)
    with pytest.raises(OpmlError, match="DOCTYPE"):
        parse_opml(text.encode("utf-8"))


def test_a_file_of_no_encoding_it_names_says_how_to_name_one() -> None:
    """Not UTF-8, no declaration, and not GB18030 or Big5 either (tried):
    libxml2's "Invalid bytes in character encoding" alone named no way out."""
    data = '<opml version="2.0"><body><outline text="Café" xmlUrl="https://a.example/x"/>'
    with pytest.raises(OpmlError) as caught:
        parse_opml((data + "</body></opml>").encode("cp1252"))
    assert "Invalid bytes in character encoding; the file is not UTF-8 and names no" in str(
        caught.value
    )
    assert 'encoding="windows-1252"?>, say) or save it as UTF-8' in str(caught.value)
    # Declared, it is read so.
    declared = '<?xml version="1.0" encoding="windows-1252"?>' + data + "</body></opml>"
    assert parse_opml(declared.encode("cp1252"))[0].source == "Café"
    # Said to be UTF-8: not "names no encoding".
    with pytest.raises(OpmlError, match="the file says it is UTF-8, and is not: name its own"):
        parse_opml(declared.replace("windows-1252", "UTF-8").encode("cp1252"))
    # A byte-order mark says UTF-8: said so, not "names no encoding".
    with pytest.raises(OpmlError, match="begins with a UTF-8 byte-order mark and is not UTF-8"):
        parse_opml(b"\xef\xbb\xbf" + (data + "</body></opml>").encode("cp1252"))
    # UTF-8 but for a stray byte (a character cut), and another fault: that fault
    # is what is said, not an encoding to name.
    cut = ('<opml version="2.0"><body><outline text="财经新闻要闻快讯" xmlUrl="https://a.example/x"/>'
           '<outline text="科技前沿人工智能" xmlUrl="https://a.example/y"></body></opml>').encode()  # fmt: skip
    cut = cut.replace("闻".encode(), "闻".encode()[:2], 1)
    with pytest.raises(OpmlError) as mixed:
        parse_opml(cut)
    assert "encoding" not in str(mixed.value) and "mismatch" in str(mixed.value)
    # ... at its place in the UTF-8 reading (GB18030's counts the line otherwise).
    assert "line 1, column 143:" in str(mixed.value), str(mixed.value)  # (as whole)
    # GBK read as such, with a fault of its own: that fault is said, not the encoding.
    broken = ('<opml version="2.0"><body>\n<outline text="财经新闻">\n'
              '<outline text="证券时报" xmlUrl="https://a.example/x"/>\n</body></opml>')  # fmt: skip
    with pytest.raises(OpmlError, match="mismatch") as gbk:
        parse_opml(broken.encode("gbk"))
    assert "encoding" not in str(gbk.value)
    # A bare "&" first (which a retry mends): the encoding is what is said.
    amp = (
        '<opml version="2.0"><body>\n<outline text="a" xmlUrl="https://a.example/x?a=1&b=2"/>\n'
        '<outline text="Café" xmlUrl="https://a.example/y"/>\n</body></opml>'
    )
    with pytest.raises(OpmlError, match=r"at line 3, .* names no encoding"):
        parse_opml(amp.encode("cp1252"))


def test_malformed_file_says_where() -> None:
    with pytest.raises(OpmlError) as caught:
        parse_opml((OPML / "malformed.opml").read_bytes())
    message = str(caught.value)
    assert message.startswith("cannot read the OPML file: bad XML at line 10, column 1: ")
    assert "<string>" not in message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ((OPML / "html-page.opml").read_bytes(), "HTML page"),
        (b"<html><head><title>x</title></head><body><p>x<br></body></html>", "HTML page"),
        (b"<HTML><BODY><P>not closed</BODY></HTML>", "HTML page"),
        (b"", "empty"),
        (b"\xef\xbb\xbf \n\t", "empty"),
        ("", "empty"),
        ('<?xml version="1.0"?><opml version="2.0"><head/></opml>', "no <body>"),
        ('<rss version="2.0"><channel/></rss>', "a feed"),
        ('<feed xmlns="http://www.w3.org/2005/Atom"/>', "a feed"),
        ("<outlines/>", "root element is <outlines>"),
        ("https://a.example/feed\nhttps://b.example/feed\n", "bad XML at line 1, column 1"),
        ('{"feeds": []}', "bad XML"),
        ('<opml version="2.0"><body><outline text="x"></body></opml>', "bad XML"),
        (b'<?xml version="1.0" encoding="x-nope"?><opml/>', "Unsupported encoding"),
        ("<opml><body/></opml>\ud800", "cannot be encoded"),
    ],
)
def test_not_opml(text: str | bytes, message: str) -> None:
    with pytest.raises(OpmlError, match=message):
        parse_opml(text)


def test_opml_error_is_a_value_error() -> None:
    assert issubclass(OpmlError, ValueError)


# -- add_feeds ----------------------------------------------------------------

NEW = [
    ImportedFeed("https://rsshub.example.org/sina/finance/china", "金融", "新浪财经"),
    ImportedFeed("https://rsshub.example.org/36kr/newsflashes", "金融", "36氪", "快讯"),
]


def test_add_feeds_appends_after_the_last_entry_and_keeps_every_byte() -> None:
    text, added, skipped = add_feeds(CONFIG, NEW)
    assert added == NEW and skipped == []
    cut = CONFIG.index("  # - url: https://example.org/disabled")
    inserted = (
        "  - url: https://rsshub.example.org/sina/finance/china\n"
        "    group: 金融\n"
        "    source: 新浪财经\n"
        "  - url: https://rsshub.example.org/36kr/newsflashes\n"
        "    group: 金融\n"
        "    source: 36氪\n"
        "    channel: 快讯\n"
    )
    assert text == CONFIG[:cut] + inserted + CONFIG[cut:]
    assert feeds_of(text) == feeds_of(CONFIG) + as_tuples(NEW)
    assert parse_config(text, Path("feedmill.yml")).feeds[0].headers == {
        "Referer": "https://www.stcn.com/"
    }


def test_comments_under_the_last_entry_stay_with_it() -> None:
    """Options commented out under an entry are that entry's: a new feed goes
    after them (a commented-out entry at the dash's column stays last)."""
    config = (
        "feeds:\n"
        "  - url: https://rsshub.example.org/stcn/yw\n"
        "    group: 金融\n"
        "    source: 证券时报网\n"
        "    # fulltext: true   # uncomment when the feed is summary-only\n"
        "      # timeout: 60\n"
        "  # - url: https://example.org/disabled\n"
        "\n"
        "fetch:\n"
        "  timeout: 30\n"
    )
    text, _, _ = add_feeds(config, NEW[:1])
    cut = config.index("  # - url:")
    inserted = "  - url: https://rsshub.example.org/sina/finance/china\n    group: 金融\n    source: 新浪财经\n"
    assert text == config[:cut] + inserted + config[cut:]
    flow = "feeds: [\n  {url: a.xml, group: g, source: s},  # 证券时报网\n  {url: b.xml, group: g, source: t}  # 新浪\n]\n"
    text, _, _ = add_feeds(flow, NEW[:1])
    assert text == (
        "feeds: [\n  {url: a.xml, group: g, source: s},  # 证券时报网\n"
        "  {url: b.xml, group: g, source: t},  # 新浪\n"
        "  {url: https://rsshub.example.org/sina/finance/china, group: 金融, source: 新浪财经}\n]\n"
    )


def test_add_feeds_to_the_bundled_sample_config() -> None:
    original = SAMPLE_CONFIG.read_text(encoding="utf-8")
    text, added, skipped = add_feeds(original, [*NEW, ImportedFeed("stcn-yw.xml", "x", "y")])
    assert added == NEW and [f.url for f in skipped] == ["stcn-yw.xml"]
    assert text.startswith(original)  # the last entry is the last line
    assert text[len(original) :].startswith("  - url: https://rsshub.example.org/sina")
    assert feeds_of(text)[-2:] == as_tuples(NEW)


def test_imported_opml_goes_into_the_config() -> None:
    found = read_opml((OPML / "nested-folders.opml").read_bytes())
    text, added, skipped = add_feeds(CONFIG, found.feeds)
    # stcn/yw is in the config already
    assert [f.url for f in skipped] == ["https://rsshub.example.org/stcn/yw"]
    assert added == found.feeds[1:]
    assert feeds_of(text) == feeds_of(CONFIG) + as_tuples(found.feeds[1:])
    # importing the same file again adds nothing and changes nothing
    again, added, skipped = add_feeds(text, found.feeds)
    assert again is text and added == [] and skipped == found.feeds


def test_duplicates_are_skipped() -> None:
    again = [
        ImportedFeed("https://rsshub.example.org/stcn/yw", "别的", "组"),  # in the file
        ImportedFeed("http://127.0.0.1:1200/jinse/lives", "金融", "金色财经"),  # flow entry
        NEW[0],
        ImportedFeed(NEW[0].url, "金融", "重复"),  # twice in the batch
        ImportedFeed("https://rsshub.example.org/stcn/yw/", "金融", "证券时报网"),  # other string
    ]
    text, added, skipped = add_feeds(CONFIG, again)
    assert added == [again[2], again[4]]
    assert skipped == [again[0], again[1], again[3]]
    assert [f[0] for f in feeds_of(text)].count("https://rsshub.example.org/stcn/yw") == 1

    same, added, skipped = add_feeds(CONFIG, again[:2])
    assert same is CONFIG and added == [] and len(skipped) == 2


def test_a_quoted_url_with_escapes_is_a_duplicate() -> None:
    text = 'feeds:\n  - url: "https://a.example/\\x66eed"\n    group: g\n    source: s\n'
    same, added, skipped = add_feeds(text, [ImportedFeed("https://a.example/feed", "g", "t")])
    assert same is text and added == [] and len(skipped) == 1


def test_nothing_to_add() -> None:
    assert add_feeds(CONFIG, []) == (CONFIG, [], [])


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # every entry commented out: `feeds:` is null
        (
            "site: .\nfeeds:\n  # - url: https://old.example/\n  #   group: g\n\nfetch:\n  timeout: 3\n",
            "site: .\nfeeds:\n{new}  # - url: https://old.example/\n  #   group: g\n\nfetch:\n  timeout: 3\n",
        ),
        ("feeds:   # none yet\nsite: .\n", "feeds:   # none yet\n{new}site: .\n"),
        ("feeds: ~\nsite: .\n", "feeds:\n{new}site: .\n"),
        ("feeds: null  # later\n", "feeds:   # later\n{new}"),
        ("feeds: []\n", "feeds:\n{new}"),
        ("feeds: [ ]", "feeds:\n{new}"),
        ("feeds: []  # none yet\n", "feeds:   # none yet\n{new}"),
        # comments inside the empty brackets: kept, above the entries
        ("feeds: [\n  # 财经源待补充\n]\n", "feeds:\n  # 财经源待补充\n{new}"),
        ("feeds: [ # a\n    # b\n] # c\nsite: .\n", "feeds:  # c\n  # a\n  # b\n{new}site: .\n"),
        ("site: .\nfeeds:", "site: .\nfeeds:\n{new}"),
        # no `feeds:` at all
        ("# 只有设置\nsite: .\n", "# 只有设置\nsite: .\nfeeds:\n{new}"),
        ("site: .", "site: .\nfeeds:\n{new}"),
        ("", "feeds:\n{new}"),
        ("# nothing yet\n", "# nothing yet\nfeeds:\n{new}"),
    ],
)
def test_empty_or_missing_feeds_become_a_list(before: str, after: str) -> None:
    feed = ImportedFeed("https://a.example/feed", "金融", "证券时报网")
    new = "  - url: https://a.example/feed\n    group: 金融\n    source: 证券时报网\n"
    text, added, _ = add_feeds(before, [feed])
    assert added == [feed]
    assert text == after.format(new=new)
    assert feeds_of(text) == as_tuples([feed])


OLD = "https://old.example/"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # the list's own indentation: none ...
        (
            f"feeds:\n- url: {OLD}\n  group: g\n  source: s\n",
            f"feeds:\n- url: {OLD}\n  group: g\n  source: s\n"
            "- url: https://a.example/\n  group: 组\n  source: 源\n",
        ),
        # ... four spaces, and keys further right
        (
            f"fetch:\n    timeout: 3\nfeeds:\n    -   url: {OLD}\n        group: g\n        source: s\n",
            f"fetch:\n    timeout: 3\nfeeds:\n    -   url: {OLD}\n        group: g\n        source: s\n"
            "    -   url: https://a.example/\n        group: 组\n        source: 源\n",
        ),
        # no newline at the end of the file
        (
            f"feeds:\n  - url: {OLD}\n    group: g\n    source: s",
            f"feeds:\n  - url: {OLD}\n    group: g\n    source: s\n"
            "  - url: https://a.example/\n    group: 组\n    source: 源\n",
        ),
        # a block scalar last: after it, not inside it
        (
            f"feeds:\n  - url: {OLD}\n    group: g\n    source: s\n    headers:\n      X-Note: |\n        two\n        lines\n\n# end\n",
            f"feeds:\n  - url: {OLD}\n    group: g\n    source: s\n    headers:\n      X-Note: |\n        two\n        lines\n\n"
            "  - url: https://a.example/\n    group: 组\n    source: 源\n# end\n",
        ),
        # an empty value last, comments after it: right after its line
        (
            f"feeds:\n  - url: {OLD}\n    group: g\n    source: s\n    channel:\n\n# later\n\nsite: .\n",
            f"feeds:\n  - url: {OLD}\n    group: g\n    source: s\n    channel:\n"
            "  - url: https://a.example/\n    group: 组\n    source: 源\n\n# later\n\nsite: .\n",
        ),
        (
            f"feeds:\n  - url: {OLD}\n    group: g\n    source: s\n    headers:   # none\n# c\nsite: .\n",
            f"feeds:\n  - url: {OLD}\n    group: g\n    source: s\n    headers:   # none\n"
            "  - url: https://a.example/\n    group: 组\n    source: 源\n# c\nsite: .\n",
        ),
        # an anchored or tagged list: the dashes say where entries go
        (
            f"feeds: &all\n  - url: {OLD}\n    group: g\n    source: s\n",
            f"feeds: &all\n  - url: {OLD}\n    group: g\n    source: s\n"
            "  - url: https://a.example/\n    group: 组\n    source: 源\n",
        ),
        (
            f"feeds: !!seq\n- url: {OLD}\n  group: g\n  source: s\n",
            f"feeds: !!seq\n- url: {OLD}\n  group: g\n  source: s\n"
            "- url: https://a.example/\n  group: 组\n  source: 源\n",
        ),
        # an alias last (the anchored node is marked in an earlier entry): after its line
        (
            f"feeds:\n  - url: {OLD}\n    group: g\n    source: s\n    rules: &ads\n      block: [广告]\n"
            "  - url: https://b.example/\n    group: g\n    source: t\n    rules: *ads\n# end\n",
            f"feeds:\n  - url: {OLD}\n    group: g\n    source: s\n    rules: &ads\n      block: [广告]\n"
            "  - url: https://b.example/\n    group: g\n    source: t\n    rules: *ads\n"
            "  - url: https://a.example/\n    group: 组\n    source: 源\n# end\n",
        ),
        (
            f"base: &fin\n  group: g\n  source: s\nfeeds:\n  - url: {OLD}\n    <<: *fin\n",
            f"base: &fin\n  group: g\n  source: s\nfeeds:\n  - url: {OLD}\n    <<: *fin\n"
            "  - url: https://a.example/\n    group: 组\n    source: 源\n",
        ),
        # ... an alias as a list's last item, or on the line after its key
        (
            f"feeds:\n  - url: {OLD}\n    group: g\n    source: s\n    rules: {{block: [&ads {{title: 广告}}]}}\n"
            "  - url: https://b.example/\n    group: g\n    source: t\n    rules:\n      block:\n        - *ads\n",
            f"feeds:\n  - url: {OLD}\n    group: g\n    source: s\n    rules: {{block: [&ads {{title: 广告}}]}}\n"
            "  - url: https://b.example/\n    group: g\n    source: t\n    rules:\n      block:\n        - *ads\n"
            "  - url: https://a.example/\n    group: 组\n    source: 源\n",
        ),
        (
            f"feeds:\n  - &first\n    url: {OLD}\n    group: g\n    source: s\n"
            "  - url: https://b.example/\n    <<:\n      - *first\n",
            f"feeds:\n  - &first\n    url: {OLD}\n    group: g\n    source: s\n"
            "  - url: https://b.example/\n    <<:\n      - *first\n"
            "  - url: https://a.example/\n    group: 组\n    source: 源\n",
        ),
        (
            f"feeds:\n  - url: {OLD}\n    group: g\n    source: s\n    rules: &r\n      block: [{{title: x}}]\n"
            "  - url: https://b.example/\n    group: g\n    source: t\n    rules:\n      *r\n# tail\n",
            f"feeds:\n  - url: {OLD}\n    group: g\n    source: s\n    rules: &r\n      block: [{{title: x}}]\n"
            "  - url: https://b.example/\n    group: g\n    source: t\n    rules:\n      *r\n"
            "  - url: https://a.example/\n    group: 组\n    source: 源\n# tail\n",
        ),
        # ... aliases as the last items, the later anchored first; a comment naming one after
        (
            f"feeds:\n  - url: {OLD}\n    group: g\n    source: s\n    rules:\n      block:\n"
            "        - &ads {title: 广告}\n        - &live {title: 直播}\n"
            "  - url: https://b.example/\n    group: g\n    source: t\n    rules:\n      block:\n"
            "        - *ads\n        - *live\n\n# Reuse *live on new feeds.\n# fetch:\ninterval: 15m\n",
            f"feeds:\n  - url: {OLD}\n    group: g\n    source: s\n    rules:\n      block:\n"
            "        - &ads {title: 广告}\n        - &live {title: 直播}\n"
            "  - url: https://b.example/\n    group: g\n    source: t\n    rules:\n      block:\n"
            "        - *ads\n        - *live\n"
            "  - url: https://a.example/\n    group: 组\n    source: 源\n"
            "\n# Reuse *live on new feeds.\n# fetch:\ninterval: 15m\n",
        ),
        # a flow entry last: a block entry after it
        (
            f"feeds:\n  - {{url: '{OLD}', group: g, source: s}}  # flow\n",
            f"feeds:\n  - {{url: '{OLD}', group: g, source: s}}  # flow\n"
            "  - url: https://a.example/\n    group: 组\n    source: 源\n",
        ),
        # a flow list stays a flow list
        (
            f"feeds: [{{url: '{OLD}', group: g, source: s}}]  # one\n",
            f"feeds: [{{url: '{OLD}', group: g, source: s}}, {{url: https://a.example/, group: 组, source: 源}}]  # one\n",
        ),
        (
            f"feeds: [{{url: '{OLD}', group: g, source: s}},]\n",
            f"feeds: [{{url: '{OLD}', group: g, source: s}}, {{url: https://a.example/, group: 组, source: 源}},]\n",
        ),
        # ... one entry a line if it was so, trailing comma and comments kept
        (
            f"feeds: [\n  {{url: '{OLD}', group: g, source: s}},  # first\n]\n",
            f"feeds: [\n  {{url: '{OLD}', group: g, source: s}},  # first\n  {{url: https://a.example/, group: 组, source: 源}},\n]\n",
        ),
        (
            f"feeds: [\n    {{url: '{OLD}', group: g, source: s}}\n  ]\nsite: .\n",
            f"feeds: [\n    {{url: '{OLD}', group: g, source: s}},\n    {{url: https://a.example/, group: 组, source: 源}}\n  ]\nsite: .\n",
        ),
        # a document start marker, an indented top level
        (
            f"---\nfeeds:\n  - url: {OLD}\n    group: g\n    source: s\n...\n",
            f"---\nfeeds:\n  - url: {OLD}\n    group: g\n    source: s\n"
            "  - url: https://a.example/\n    group: 组\n    source: 源\n...\n",
        ),
        (
            f"  feeds:\n    - url: {OLD}\n      group: g\n      source: s\n",
            f"  feeds:\n    - url: {OLD}\n      group: g\n      source: s\n"
            "    - url: https://a.example/\n      group: 组\n      source: 源\n",
        ),
    ],
)
def test_layouts(before: str, after: str) -> None:
    text, _, _ = add_feeds(before, [ImportedFeed("https://a.example/", "组", "源")])
    assert text == after
    assert load(text)["feeds"][-1] == {"url": "https://a.example/", "group": "组", "source": "源"}


def test_existing_quoting_is_kept() -> None:
    before = (
        "feeds:\n"
        "  - url: 'https://a.example/?a=1&b=2'\n"
        '    group: "金融"\n'
        "    source: 'It''s'\n"
        '    channel: "yes"\n'
    )
    feed = ImportedFeed("https://b.example/", "no", "It's", "0777")
    text, _, _ = add_feeds(before, [feed])
    # the old entry as it was; new values quoted only where YAML 1.1 needs it
    assert text == before + (
        "  - url: https://b.example/\n    group: \"no\"\n    source: It's\n    channel: '0777'\n"
    )
    assert feeds_of(text) == [
        ("https://a.example/?a=1&b=2", "金融", "It's", "yes"),
        ("https://b.example/", "no", "It's", "0777"),
    ]


def test_crlf_and_byte_order_mark_are_kept() -> None:
    original = "\ufeff" + CONFIG.replace("\n", "\r\n")
    text, _, _ = add_feeds(original, NEW)
    assert text.startswith("\ufeff# comments here\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert text.replace("\r\n", "\n") == add_feeds("\ufeff" + CONFIG, NEW)[0]
    assert feeds_of(text[1:]) == feeds_of(CONFIG) + as_tuples(NEW)


@pytest.mark.parametrize(
    "before",
    [
        "feeds: []\r\nsite: .\r\n",
        "feeds:\r\n  - url: https://old.example/\r\n    group: g\r\n    source: s\r\n",
        "feeds: [{url: 'https://old.example/', group: g, source: s}]\r\n",
        "site: .\r\n",
    ],
)
def test_crlf_layouts(before: str) -> None:
    text, _, _ = add_feeds(before, NEW)
    assert "\n" not in text.replace("\r\n", "")
    assert text.replace("\r\n", "\n") == add_feeds(before.replace("\r\n", "\n"), NEW)[0]


@pytest.mark.parametrize(
    "before",
    [
        "site: .\t# the site\nfeeds:\n  - url: https://old.example/\n    group: g\n    source: s\n",
        "feeds:\t# the list\n  - url:\thttps://old.example/\n    group: g\t\n    source: s\n",
        "feeds: [{url:\t'https://old.example/', group: g, source: s}]\t\n",
    ],
)
def test_tabs_the_loader_takes_are_no_reason_to_refuse(before: str) -> None:
    """A tab-aligned comment, or a tab after `key:`, is YAML that the config
    loader reads; the editor's own parser refused it, so `add` and `import`
    said "YAML error" on a config that runs."""
    text, added, _ = add_feeds(before, NEW)
    assert added == NEW and text.startswith(before.rstrip("]\t\n"))
    assert feeds_of(text) == feeds_of(before) + as_tuples(NEW)


@pytest.mark.parametrize(
    "value",
    ["yes", "No", "on", "OFF", "y", "~", "null", "123", "0777", "1_000", "3.5", "1e3", ".inf",
     "2024-01-01", "12:30", "a: b", "#hash", "- dash", "[x]", "{x}", "'q'", '"q"', "x #y",
     "*alias", "&anchor", "!tag", "%pct", "@at", "`tick", "|", ">", "?", " lead", "trail ",
     "a\nb", "tab\tin", "\\back", "金融 & 科技", "\x85nel", "line\u2028sep", "\ufeffbom"],
)  # fmt: skip
def test_values_that_yaml_would_misread_are_quoted(value: str) -> None:
    feed = ImportedFeed("https://a.example/?q=1&r=#frag", value, value, value)
    for before in (CONFIG, "feeds: [{url: 'https://old.example/', group: g, source: s}]\n"):
        text, _, _ = add_feeds(before, [feed])
        assert dict(load(text)["feeds"][-1]) == {
            "url": feed.url,
            "group": value,
            "source": value,
            "channel": value,
        }
        # one line per key: nothing folded
        assert text.count("\n") - before.count("\n") in (0, 4)


@settings(steady, max_examples=120)
@given(value=st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=30))
def test_any_string_survives(value: str) -> None:
    feed = ImportedFeed(f"https://a.example/{value}", value, value, value)
    text, _, _ = add_feeds(CONFIG, [feed])
    assert text.startswith(CONFIG[: CONFIG.index("  # - url")])
    assert text.endswith(CONFIG[CONFIG.index("  # - url") :])
    assert dict(load(text)["feeds"][-1]) == {
        "url": feed.url,
        "group": value,
        "source": value,
        "channel": value,
    }


@settings(steady, max_examples=50)
@given(
    feeds=st.lists(
        st.builds(
            ImportedFeed,
            url=st.from_regex(r"https://[a-z]{1,8}\.example/[a-z0-9/?=&%-]{0,20}", fullmatch=True),
            group=category_names,
            source=category_names,
            channel=st.none() | category_names,
        ),
        min_size=1,
        max_size=5,
        unique_by=lambda f: f.url,
    ),
    layout=st.sampled_from(
        [
            CONFIG,
            "feeds:\n",
            "feeds: []\n",
            "site: .\n",
            "feeds: [{url: 'https://old.example/', group: g, source: s}]\n",
        ]
    ),
)
def test_added_feeds_are_read_back_by_the_config_loader(
    feeds: list[ImportedFeed], layout: str
) -> None:
    text, added, skipped = add_feeds(layout, feeds)
    assert added == feeds and skipped == []
    old = feeds_of(layout) if "url" in layout else []
    assert feeds_of(text) == old + as_tuples(feeds)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("feeds: [unclosed\n", "YAML error"),
        ("feeds:\n  url: https://a.example/\n", "feeds: must be a list"),
        ("feeds: some text\n", "feeds: must be a list"),
        ("feeds: ''\n", "feeds: must be a list"),
        ("- a\n- b\n", "top level must be a block mapping"),
        ("{feeds: []}\n", "top level must be a block mapping"),
        ("lists:\n  x: &all\n    - url: https://a.example/\nfeeds: *all\n", "alias"),
        ("a: 1\n---\nb: 2\n", "YAML error"),
    ],
)
def test_add_feeds_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        add_feeds(text, NEW)


# -- add_feeds_to_file / add_feed_to_file -------------------------------------


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "feedmill.yml"
    path.write_bytes(CONFIG.encode("utf-8"))
    path.chmod(0o640)
    return path


def test_add_feed_to_file(config_file: Path) -> None:
    feed = add_feed_to_file(config_file, NEW[1].url, "金融", "36氪", "快讯")
    assert feed == NEW[1]
    text = config_file.read_text(encoding="utf-8")
    assert text == add_feeds(CONFIG, [NEW[1]])[0]
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o640
    assert sorted(p.name for p in config_file.parent.iterdir()) == ["feedmill.yml"]
    assert feeds_of(text)[-1] == (NEW[1].url, "金融", "36氪", "快讯")


def test_an_empty_channel_is_none(config_file: Path) -> None:
    assert add_feed_to_file(config_file, NEW[0].url, "金融", "新浪财经", "") == NEW[0]
    assert "channel" not in config_file.read_text(encoding="utf-8").split(NEW[0].url)[1]


def test_a_duplicate_url_is_refused_with_the_entry_named(config_file: Path) -> None:
    add_feed_to_file(config_file, NEW[1].url, "金融", "36氪", "快讯")
    before = config_file.read_bytes()
    mtime = config_file.stat().st_mtime_ns
    with pytest.raises(DuplicateFeedError) as caught:
        add_feed_to_file(config_file, NEW[1].url, "别的", "名字", "")
    assert str(caught.value) == (
        f"{config_file}:13: feeds[2] already has this feed "
        f"({NEW[1].url}, group 金融, source 36氪, channel 快讯); nothing was added"
    )
    assert isinstance(caught.value, ConfigError)
    assert config_file.read_bytes() == before
    assert config_file.stat().st_mtime_ns == mtime
    # the flow-style entry too
    with pytest.raises(DuplicateFeedError, match=r":12: feeds\[1\] already has this feed"):
        add_feed_to_file(config_file, "http://127.0.0.1:1200/jinse/lives", "g", "s")


def test_same_location_under_another_spelling_is_a_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "feedmill.yml"
    path.write_text("feeds:\n  - url: feeds/a.xml\n    group: g\n    source: s\n", encoding="utf-8")
    with pytest.raises(DuplicateFeedError, match=r"feeds\[0\] already has this feed \(feeds/a.xml"):
        add_feed_to_file(path, "./feeds/a.xml", "g", "s", None)
    added, skipped = add_feeds_to_file(path, [ImportedFeed("feeds/../feeds/a.xml", "g", "s")])
    assert added == [] and len(skipped) == 1


def test_a_file_written_as_a_path_or_a_file_url_any_way_is_one_feed(tmp_path: Path) -> None:
    """Its name in letters or escaped, a space in it, `localhost`: a file URL
    was the feed as written, and the path's file three feeds more, each
    posting every item."""
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    for name in ("要闻.xml", "my feed.xml"):
        (feeds / name).write_bytes(b"<rss/>")
    path = tmp_path / "feedmill.yml"
    path.write_text(
        "feeds:\n  - {url: feeds/要闻.xml, group: g, source: s}\n"
        "  - {url: 'feeds/my feed.xml', group: g, source: t}\n",
        encoding="utf-8",
    )
    where = feeds.resolve()
    for spelling in (
        f"file://{where}/要闻.xml",
        f"file://localhost{where}/要闻.xml",
        (where / "要闻.xml").as_uri(),
        f"file://{where}/my feed.xml",
        f"file://{where}/my%20feed.xml",
    ):
        with pytest.raises(DuplicateFeedError, match=r"already has this feed"):
            add_feed_to_file(path, spelling, "g", "s", None)
    # RFC 8089's shortest form, without "//": read as a path, it named a
    # file "file:" in the config's folder.
    with pytest.raises(DuplicateFeedError, match=r"already has this feed"):
        add_feed_to_file(path, f"file:{where}/要闻.xml", "g", "s", None)
    assert resolve_location("FILE:a.xml", tmp_path) == (tmp_path / "a.xml").resolve().as_uri()
    # (A NUL in one is no file's: the feed fails as it did, the config loads.)
    listed = path.read_text(encoding="utf-8")
    path.write_text(listed + "  - {url: 'file:///x/b%00.xml', group: g, source: n}\n", "utf-8")
    assert len(load_config(path).feeds) == 3
    text = listed + f"  - {{url: 'file://{where}/要闻.xml', group: g, source: u}}\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"feeds\[2\]"):
        load_config(path)


def test_the_same_url_in_other_case_or_with_its_default_port_is_a_duplicate(
    tmp_path: Path,
) -> None:
    path = tmp_path / "feedmill.yml"
    path.write_text(
        "feeds:\n  - {url: 'https://e.org/Feed', group: g, source: s}\n", encoding="utf-8"
    )
    for spelling in ("HTTPS://E.ORG/Feed", "https://e.org:443/Feed"):
        with pytest.raises(DuplicateFeedError, match=r"feeds\[0\] already has this feed"):
            add_feed_to_file(path, spelling, "g", "s", None)
    # The path is the server's to read case by case: another feed.
    assert add_feed_to_file(path, "https://e.org/feed", "g", "s", None).url.endswith("/feed")
    found = read_opml(
        b'<opml version="2.0"><body><outline text="a" xmlUrl="https://x.org/a"/>'
        b'<outline text="b" xmlUrl="HTTPS://X.ORG/a"/></body></opml>'
    )
    assert [f.url for f in found.feeds] == ["https://x.org/a"]
    assert found.skipped[0].reason.startswith("duplicate")


def test_a_host_without_a_path_is_the_same_feed_as_its_root(tmp_path: Path) -> None:
    """`http://h` goes out as `GET /`: with `http://h/` beside it the feed was
    fetched twice and its post said another source also reported it."""
    path = tmp_path / "feedmill.yml"
    path.write_text("feeds:\n  - {url: 'http://e.org', group: g, source: s}\n", encoding="utf-8")
    for spelling in ("http://e.org/", "HTTP://E.ORG:80/#top"):
        with pytest.raises(DuplicateFeedError, match=r"feeds\[0\] already has this feed"):
            add_feed_to_file(path, spelling, "g", "s2", None)
    path.write_text("feeds:\n  - {url: 'http://e.org/?x', group: g, source: s}\n", encoding="utf-8")
    with pytest.raises(DuplicateFeedError):
        add_feed_to_file(path, "http://e.org?x", "g", "s2", None)
    found = read_opml(
        b'<opml version="2.0"><body><outline text="a" xmlUrl="https://x.org"/>'
        b'<outline text="b" xmlUrl="https://X.ORG:443/#top"/></body></opml>'
    )
    assert [f.url for f in found.feeds] == ["https://x.org"]
    with pytest.raises(ConfigError, match=r"feeds\[1\] \(http://e.org/\): url: duplicate of"):
        parse_config(
            "feeds:\n  - {url: 'http://e.org', group: g, source: s}\n"
            "  - {url: 'http://e.org/', group: g, source: t}\n",
            tmp_path / "c.yml",
        )


def test_add_feeds_to_file(config_file: Path) -> None:
    found = read_opml((OPML / "inoreader.opml").read_bytes())
    batch = [*found.feeds, ImportedFeed("https://rsshub.example.org/stcn/yw", "x", "y")]
    added, skipped = add_feeds_to_file(config_file, batch)
    assert added == found.feeds
    assert [f.url for f in skipped] == ["https://rsshub.example.org/stcn/yw"]
    text = config_file.read_text(encoding="utf-8")
    assert text == add_feeds(CONFIG, found.feeds)[0]
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o640

    mtime = config_file.stat().st_mtime_ns
    assert add_feeds_to_file(config_file, found.feeds) == ([], found.feeds)
    assert config_file.stat().st_mtime_ns == mtime  # nothing added: not written


def test_an_import_refuses_each_bad_feed_with_the_reason_an_add_gives(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import feedmill.feedlist as feedlist
    from feedmill.feedlist import RefusedFeedError, import_feeds_to_file

    good = [ImportedFeed(f"https://rsshub.example.org/new/{i}", "科技", f"源{i}") for i in range(3)]
    good.append(ImportedFeed("https://a.example/2", "科技", "C++"))
    bad = [
        ImportedFeed("ftp://a.example/feed", "科技", "源x"),  # wrong on its own
        ImportedFeed("https://a.example/1", "金融", "证券时报网", "要闻!"),  # 要闻's page
        ImportedFeed("https://a.example/3", "科技", "C#"),  # the page of C++, a new feed
        ImportedFeed("https://a.example/4", "科技", "源0", "  "),  # an empty channel
    ]
    # What adding each bad feed says, the whole file validated (C# after C++).
    alone = {}
    for feed in bad:
        text = config_file.read_text(encoding="utf-8")
        with pytest.raises(RefusedFeedError) as refusal:
            add_feeds_to_file(config_file, [good[3], feed] if feed.source == "C#" else [feed])
        alone[feed.url] = refusal.value.reason
        assert config_file.read_text(encoding="utf-8") == text
    validations = []
    real = feedlist.parse_config
    monkeypatch.setattr(
        feedlist, "parse_config", lambda *a, **k: validations.append(1) or real(*a, **k)
    )

    added, skipped, refused = import_feeds_to_file(config_file, [*good, *bad])

    assert added == good and skipped == []

    def unnumbered(reason: str) -> str:  # the other feed's index differs: more come first
        return re.sub(r" \(feeds\[\d+\]\)", "", reason)

    assert {feed.url: unnumbered(why) for feed, why in refused} == {
        url: unnumbered(why) for url, why in alone.items()
    }
    assert "'C#' and 'C++'" in alone["https://a.example/3"]
    # Not the whole file validated again per refused feed (a minute for 40
    # refusals among 1,600 feeds): once before, once with the new feeds.
    assert len(validations) == 2
    assert [f.source for f in parse_config(config_file.read_text("utf-8"), config_file).feeds][
        2:
    ] == ["源0", "源1", "源2", "C++"]


@pytest.mark.parametrize(
    ("url", "group", "source", "channel", "message"),
    [
        ("https://a.example/", "", "源", None, "group: must not be empty"),
        ("https://a.example/", "组", "  ", None, "source: must not be empty"),
        ("ftp://a.example/feed", "组", "源", None, "unsupported URL scheme"),
        # An unset shell variable: "https://$HOST/rss".
        ("https:///rss/feed", "组", "源", None, "no host name in 'https:///rss/feed'"),
        ("https://", "组", "源", None, "no host name"),
        # A folder taken for a host: /stcn-yw.xml was read.
        (
            "file://feeds/stcn-yw.xml",
            "组",
            "源",
            None,
            "'file://feeds/stcn-yw.xml' names the host 'feeds': a file's URL is file:///…"
            " \\(three slashes\\), or write its path: feeds/stcn-yw.xml",
        ),
        ("./feeds/../feeds/x.xml", "组", "源", "?", "channel: '.' has no letter or digit"),
        (
            "https://a.example/",
            "<img src=x onerror=alert(1)>",
            "源",
            None,
            "group: .* holds an HTML tag",
        ),
    ],
)
def test_an_invalid_result_leaves_the_file_alone(
    config_file: Path, url: str, group: str, source: str, channel: str | None, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        add_feed_to_file(config_file, url, group, source, channel)
    assert config_file.read_bytes() == CONFIG.encode("utf-8")
    assert sorted(p.name for p in config_file.parent.iterdir()) == ["feedmill.yml"]


def test_a_malformed_url_is_a_config_error(config_file: Path) -> None:
    with pytest.raises(ConfigError, match=r"Invalid IPv6 URL"):
        add_feed_to_file(config_file, "http://[oops/", "组", "源")
    assert config_file.read_bytes() == CONFIG.encode("utf-8")


def test_the_url_is_trimmed(config_file: Path) -> None:
    feed = add_feed_to_file(config_file, "  https://a.example/feed\n", "组", "源")
    assert feed == ImportedFeed("https://a.example/feed", "组", "源")
    assert feeds_of(config_file.read_text(encoding="utf-8"))[-1] == (feed.url, "组", "源", None)
    with pytest.raises(DuplicateFeedError):
        add_feed_to_file(config_file, " https://a.example/feed ", "组", "源")


def test_a_failed_write_leaves_the_file_alone(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(ConfigError, match="cannot write: disk full"):
        add_feed_to_file(config_file, NEW[0].url, "金融", "新浪财经")
    assert config_file.read_bytes() == CONFIG.encode("utf-8")
    assert sorted(p.name for p in config_file.parent.iterdir()) == ["feedmill.yml"]


def test_an_unwritable_directory_is_a_config_error(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    # The file may be writable, its folder not (a user's config in root's
    # folder): the folder is named, not the file blamed alone.
    with pytest.raises(ConfigError) as caught:
        add_feed_to_file(config_file, NEW[0].url, "金融", "新浪财经")
    said = str(caught.value)
    assert f"cannot write: its folder {config_file.parent.resolve()} takes no new file" in said
    assert "Permission denied" in said
    assert config_file.read_bytes() == CONFIG.encode("utf-8")


def test_an_invalid_config_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "feedmill.yml"
    bad = "timezone: Mars/Olympus\nfeeds:\n"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown time zone"):
        add_feed_to_file(path, "https://a.example/", "g", "s", None)
    assert path.read_text(encoding="utf-8") == bad
    with pytest.raises(ConfigError, match="no such file"):
        add_feed_to_file(tmp_path / "missing.yml", "https://a.example/", "g", "s", None)
    path.write_bytes(b"feeds: [\xff]\n")
    with pytest.raises(ConfigError, match=r"feedmill.yml:1: not UTF-8 \(byte 0xff\)"):
        add_feed_to_file(path, "https://a.example/", "g", "s", None)
    unusual = "feeds: [\n  {url: 'https://old.example/', group: g, source: s}  # c ]\n]\n"
    path.write_text(unusual, encoding="utf-8")
    add_feed_to_file(path, "https://a.example/", "g", "s")  # the comment is no trap
    assert feeds_of(path.read_text(encoding="utf-8"))[-1] == ("https://a.example/", "g", "s", None)


def test_crlf_file_and_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real" / "feedmill.yml"
    real.parent.mkdir()
    original = CONFIG.replace("\n", "\r\n").encode("utf-8")
    real.write_bytes(original)
    link = tmp_path / "feedmill.yml"
    link.symlink_to(real)
    assert add_feed_to_file(link, NEW[0].url, "金融", "新浪财经") == NEW[0]
    assert link.is_symlink()
    data = real.read_bytes()
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert data == add_feeds(original.decode("utf-8"), [NEW[0]])[0].encode("utf-8")
    assert b"  - url: https://rsshub.example.org/sina/finance/china\r\n" in data
    assert sorted(os.listdir(real.parent)) == ["feedmill.yml"]


def _add_one(args: tuple[Path, int]) -> str:
    path, index = args
    return add_feed_to_file(path, f"https://c{index}.example/feed", "科技", f"源{index}").url


def test_commands_adding_at_once_each_keep_their_feed(tmp_path: Path) -> None:
    """Each `add` read the file, added its feed and renamed its text over the
    file: run at once, each said "added" and the last one's text won."""
    import multiprocessing

    path = tmp_path / "feedmill.yml"
    path.write_text("site: .\nfeeds: []\n", encoding="utf-8")
    with multiprocessing.get_context("fork").Pool(8) as pool:
        added = pool.map(_add_one, [(path, i) for i in range(16)])
    assert len(added) == 16
    config = parse_config(path.read_text(encoding="utf-8"), path)
    assert sorted(f.url for f in config.feeds) == sorted(added)


def test_a_file_system_without_locks_is_edited_without_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server without lockd takes no lock (ENOLCK; NFS none on a file
    opened to read, EBADF): the lock was asked for again and again, at full
    speed, for ever."""
    import errno
    import fcntl

    asked: list[int] = []

    def refuse(fd: int, operation: int) -> None:
        asked.append(operation)
        if len(asked) > 3:
            raise AssertionError("asked again and again")
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", refuse)
    path = tmp_path / "feedmill.yml"
    path.write_text("site: .\nfeeds: []\n", encoding="utf-8")
    add_feed_to_file(path, "https://a.example/feed", "科技", "甲")
    assert "https://a.example/feed" in path.read_text(encoding="utf-8")
    assert len(asked) == 1


def _in_a_mount_namespace(script: str) -> subprocess.CompletedProcess[str]:
    """``script`` run by sh in a mount namespace of its own (skipped where
    making one needs privileges this machine does not give)."""
    if subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode:
        pytest.skip("no mount namespace here (unshare -m needs privileges)")
    return subprocess.run(["unshare", "-m", "sh", "-ec", script], capture_output=True, text=True)


def _add_command(config: Path) -> str:
    add = [sys.executable, "-m", "feedmill", "add", "https://a.example/feed", "-g", "科技"]
    return shlex.join([*add, "-s", "甲", "-c", str(config)])


@pytest.mark.parametrize("folder", ["writable", "read-only"])
def test_a_config_mounted_on_its_own_is_written_in_place(tmp_path: Path, folder: str) -> None:
    """`docker run -v ./feedmill.yml:/site/feedmill.yml`: a mount point is no
    name a rename may replace ("Device or resource busy"); the config is
    written in place, and the file outside the container has the feed — in
    a read-only folder too (`docker run --read-only`), where no copy can be
    made beside it."""
    outside = tmp_path / "outside.yml"
    outside.write_text("site: .\nfeeds: []  # the list\n", encoding="utf-8")
    site = tmp_path / "site"
    site.mkdir()
    (site / "feedmill.yml").touch()
    q = {name: shlex.quote(str(value)) for name, value in (("out", outside), ("site", site))}
    read_only = f"mount --bind {q['site']} {q['site']}; mount -o remount,bind,ro {q['site']}\n"
    done = _in_a_mount_namespace(
        (read_only if folder == "read-only" else "")
        + f"mount --bind {q['out']} {q['site']}/feedmill.yml\n"
        + _add_command(site / "feedmill.yml")
    )
    assert done.returncode == 0, done.stderr
    text = outside.read_text(encoding="utf-8")
    assert text.startswith("site: .\nfeeds:")
    assert "# the list" in text
    assert [f.url for f in parse_config(text, outside).feeds] == ["https://a.example/feed"]
    assert [p.name for p in site.iterdir()] == ["feedmill.yml"]  # no copy left


@pytest.mark.parametrize("kind", ["tmpfs", "ext4"])
def test_a_config_written_in_place_on_a_full_disk_is_left_whole(tmp_path: Path, kind: str) -> None:
    """Written in place, the new text ran out of room half-way: the config
    ended in "  - url: " and no command could read it; its room taken first,
    it ended in the zeros a failed fallocate left (ext4)."""
    feeds = "".join(
        f"  - {{url: 'https://f{i}.example/rss', group: g, source: s{i}}}\n" for i in range(60)
    )
    before = "site: .\nfeeds:\n" + feeds
    before += "#" * (4080 - len(before.encode()) - 1) + "\n"  # a page of the disk, nearly
    (tmp_path / "before.yml").write_text(before, encoding="utf-8")
    disk, site = tmp_path / "disk", tmp_path / "site"
    disk.mkdir()
    site.mkdir()
    (site / "feedmill.yml").touch()
    q = {n: shlex.quote(str(v)) for n, v in (("disk", disk), ("site", site), ("tmp", tmp_path))}
    if kind == "tmpfs":
        mount = f"mount -t tmpfs -o size=16k tmpfs {q['disk']}\n"
    else:  # (ext4 keeps what a failed fallocate took: the file grew by zeros)
        image = tmp_path / "disk.img"
        with image.open("wb") as handle:
            handle.truncate(4 << 20)
        made = subprocess.run(
            ["mke2fs", "-q", "-t", kind, "-b", "4096", str(image)], capture_output=True
        )
        if made.returncode:
            pytest.skip(f"no {kind} here: {made.stderr.decode().strip()}")
        mount = (
            f"mount -o loop {shlex.quote(str(image))} {q['disk']} || {{ echo no-loop; exit; }}\n"
        )
    done = _in_a_mount_namespace(
        mount + f"cp {q['tmp']}/before.yml {q['disk']}/feedmill.yml\n"
        f"dd if=/dev/zero of={q['disk']}/fill bs=4k 2>/dev/null || true\n"
        f"mount --bind {q['disk']}/feedmill.yml {q['site']}/feedmill.yml\n"
        f"{_add_command(site / 'feedmill.yml')} || echo exit=$?\n"
        f"cp {q['disk']}/feedmill.yml {q['tmp']}/after.yml\n"
    )
    if "no-loop" in done.stdout:
        pytest.skip(f"no loop device here: {done.stderr.strip()}")
    assert "exit=1" in done.stdout, done.stdout + done.stderr
    assert "No space left on device" in done.stderr
    assert (tmp_path / "after.yml").read_text(encoding="utf-8") == before


def test_an_edited_config_keeps_its_owner(tmp_path: Path) -> None:
    """Root adding a feed to the daemon user's 0600 config gave it to root:
    the daemon could no longer read it."""
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another user")
    path = tmp_path / "feedmill.yml"
    path.write_text("site: .\nfeeds: []\n", encoding="utf-8")
    os.chown(path, 65534, 65534)
    path.chmod(0o600)
    add_feed_to_file(path, "https://a.example/feed", "科技", "甲")
    done = path.stat()
    assert (done.st_uid, done.st_gid, stat.S_IMODE(done.st_mode)) == (65534, 65534, 0o600)
    assert "https://a.example/feed" in path.read_text(encoding="utf-8")


def test_a_feed_urls_password_is_not_in_config_errors(tmp_path: Path) -> None:
    path = tmp_path / "feedmill.yml"
    text = (
        "feeds:\n  - {url: 'https://alice:s3cret@a.example/f', group: g, source: s}\n"
        "  - {url: 'https://alice:s3cret@A.example/f', group: g, source: t}\n"
    )
    with pytest.raises(ConfigError, match=r"feeds\[1\] \(https://A.example/f\): url: dup") as e:
        parse_config(text, path)
    path.write_text(text.split("\n  - {url: 'https://alice:s3cret@A")[0] + "\n", encoding="utf-8")
    with pytest.raises(DuplicateFeedError, match=r"already has this feed \(https://a.exa") as d:
        add_feed_to_file(path, "https://alice:s3cret@A.example/f", "g", "s2")
    with pytest.raises(RefusedFeedError, match=r"the new feed \(https://b.example/f\)") as r:
        add_feed_to_file(path, "https://bob:pw@b.example/f", " ", "s2")
    for caught in (e, d, r):
        assert "s3cret" not in str(caught.value) and "pw@" not in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "feeds:\n  - {url: 'https://bob:s3cret@host.example:99999/rss', group: g, source: s}\n",
        "feeds:\n  - {url: 'https://bob:s3cret@[::1/rss', group: g, source: s}\n",
        "feeds:\n  - {url: 'https://bob:s3cret@/rss', group: g, source: s}\n",
        "feeds:\n  - {url: 'https:bob:s3cret@host.example/rss', group: g, source: s}\n",
        "fetch: {proxy: 'http://alice:s3cret@:8080'}\nfeeds: []\n",
    ],
)
def test_a_password_in_a_url_too_malformed_to_parse_is_not_shown(tmp_path: Path, text: str) -> None:
    """The URLs a config error is about are those that do not parse: the
    password was shown in just those."""
    with pytest.raises(ConfigError) as caught:
        parse_config(text, tmp_path / "feedmill.yml")
    assert "s3cret" not in str(caught.value) and "bob" not in str(caught.value)
