"""A pass end to end: idempotent, updates in place, never loses a post."""

from __future__ import annotations

import asyncio
import email.utils
import json
import os
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest

from feedmill import pipeline
from feedmill.config import Config, load_config
from feedmill.publish.sitelock import SiteLock

from support.feeds import Item, rss
from support.server import FeedServer
from support.site import cli, mtimes, posts, stored_before_untracking, write_config

FEEDS = [{"url": "feed.xml", "group": "金融", "source": "证券时报网"}]


def items(n: int, **changes: str) -> list[Item]:
    return [
        Item(
            title=changes.get(f"title{i}", f"第{i}条新闻"),
            guid=f"g-{i}",
            html=changes.get(f"html{i}", f"<p>正文 {i}</p>"),
            pub_date=f"Tue, 20 Sep 2022 1{i % 10}:00:00 GMT",
        )
        for i in range(n)
    ]


def at_links(links: list[str]) -> list[Item]:
    """Stories whose guid is their link (RSSHub's default), each dated and
    with a text of its own."""
    return [
        Item(
            title=f"第{i}条新闻",
            guid=link,
            link=link,
            html=f"<p>第{i}条的正文，各不相同：{'甲乙丙丁'[i] * 30}</p>",
            pub_date=f"Tue, 20 Sep 2022 1{i}:00:00 GMT",
        )
        for i, link in enumerate(links)
    ]


def publish(tmp_path: Path, feed_items: list[Item]) -> str:
    (tmp_path / "feed.xml").write_bytes(rss("证券时报网 - 要闻", feed_items))
    result = cli("run", "-c", str(tmp_path / "feedmill.yml"))
    assert result.code == 0, result.stderr
    return result.stdout


def test_first_run_publishes_every_item(tmp_path: Path) -> None:
    write_config(tmp_path, FEEDS)
    out = publish(tmp_path, items(3))
    assert "feeds: 1 ok, 0 unchanged, 0 failed" in out
    assert "posts: 3 new, 0 updated, 0 unchanged" in out
    assert len(posts(tmp_path)) == 3


def test_second_run_touches_nothing(tmp_path: Path) -> None:
    write_config(tmp_path, FEEDS)
    publish(tmp_path, items(3))
    before, contents = mtimes(tmp_path), posts(tmp_path)
    out = cli("run", "-c", str(tmp_path / "feedmill.yml")).stdout
    assert "posts: 0 new, 0 updated, 3 unchanged" in out
    assert mtimes(tmp_path) == before and posts(tmp_path) == contents


def test_a_document_listing_nothing_does_not_rename_the_feed(tmp_path: Path) -> None:
    # An upstream's error in a feed's shape (a valid document, no items, a
    # title of its own) moved every earlier post to a channel of that title.
    write_config(tmp_path, FEEDS)
    publish(tmp_path, items(3))
    before, contents = mtimes(tmp_path), posts(tmp_path)
    assert all(" - 要闻\n" in text for text in contents.values())
    out = publish_titled(tmp_path, "RSSHub: 出错了", [])
    assert "posts: 0 new, 0 updated, 0 unchanged" in out
    assert mtimes(tmp_path) == before and posts(tmp_path) == contents
    # … and `status` says so: "ok" with 0 items hid a route that broke.
    [row] = json.loads(cli("status", "--json", "-c", str(tmp_path / "feedmill.yml")).stdout)
    assert row["ok"] and row["items"] == 0
    said = "the document lists no items (titled 'RSSHub: 出错了'); it listed 3 before"
    assert row["warning"] == said
    # For as long as it lists none (an error page's date changes every time).
    (tmp_path / "feed.xml").write_bytes(rss("RSSHub: 出错了", []) + b"\n<!-- again -->")
    assert cli("run", "-c", str(tmp_path / "feedmill.yml")).code == 0
    [row] = json.loads(cli("status", "--json", "-c", str(tmp_path / "feedmill.yml")).stdout)
    assert row["warning"] == said
    # A rename with items is the feed's own: its posts follow it.
    out = publish_titled(tmp_path, "证券时报网 - 头条", items(3))
    assert "posts: 0 new, 3 updated, 0 unchanged" in out
    assert all(" - 头条\n" in text for text in posts(tmp_path).values())


def test_a_document_without_a_title_does_not_rename_the_feed(tmp_path: Path) -> None:
    """A fetch whose <title> is empty took every post's channel away, to
    give it back at the next (each post written twice)."""
    write_config(tmp_path, FEEDS)
    publish(tmp_path, items(3))
    before, contents = mtimes(tmp_path), posts(tmp_path)
    for title in ("", "  ", "\u200b", "<b></b>", " - "):
        out = publish_titled(tmp_path, title, items(3))
        assert "posts: 0 new, 0 updated, 3 unchanged" in out
        assert mtimes(tmp_path) == before and posts(tmp_path) == contents


def test_an_ill_formed_document_does_not_rename_the_feed(tmp_path: Path) -> None:
    # An item's start tag missing: the parser's recovery read that item's
    # title as the feed's, and every post moved to a channel of that name,
    # to move back at the next good fetch.
    write_config(tmp_path, FEEDS)
    publish(tmp_path, items(2))
    contents = posts(tmp_path)
    good = rss("证券时报网 - 要闻", items(2))
    start = good.rindex(b"<item>")
    (tmp_path / "feed.xml").write_bytes(good[:start] + good[start + len(b"<item>") :])
    result = cli("run", "-c", str(tmp_path / "feedmill.yml"))
    assert result.code == 0, result.stderr
    assert posts(tmp_path) == contents
    [row] = json.loads(cli("status", "--json", "-c", str(tmp_path / "feedmill.yml")).stdout)
    assert row["title"] == "证券时报网 - 要闻"
    assert "the document is ill-formed: its title" in row["warning"]
    assert "is not taken (the feed's stays" in row["warning"]
    # A well-formed document renames it, as ever.
    out = publish_titled(tmp_path, "证券时报网 - 头条", items(2))
    assert "posts: 0 new, 2 updated, 0 unchanged" in out


def publish_titled(tmp_path: Path, title: str, feed_items: list[Item]) -> str:
    (tmp_path / "feed.xml").write_bytes(rss(title, feed_items))
    result = cli("run", "-c", str(tmp_path / "feedmill.yml"))
    assert result.code == 0, result.stderr
    return result.stdout


def test_an_unchanged_pass_leaves_every_byte_of_the_site_as_it_was(tmp_path: Path) -> None:
    """What git sees of a site: no file under source/ changes — not even the
    site lock, whose holder's pid is there only while a pass runs."""
    write_config(tmp_path, FEEDS)
    publish(tmp_path, items(3))

    def site_bytes() -> dict[str, bytes]:
        source = tmp_path / "source"
        return {
            str(p.relative_to(source)): p.read_bytes() for p in source.rglob("*") if p.is_file()
        }

    before = site_bytes()
    assert before["_posts/.feedmill.lock"] == b""
    # A site made by `init` never commits it at all.
    assert cli("init", str(tmp_path / "new")).code == 0
    ignored = (tmp_path / "new" / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "source/_posts/.feedmill.lock" in ignored
    assert "source/_posts/.feedmill-tmp/" in ignored  # staged posts a kill -9 leaves
    assert "0 updated, 3 unchanged" in cli("run", "-c", str(tmp_path / "feedmill.yml")).stdout
    assert site_bytes() == before


def test_rewritten_feed_with_same_items_touches_nothing(tmp_path: Path) -> None:
    write_config(tmp_path, FEEDS)
    publish(tmp_path, items(3))
    before = mtimes(tmp_path)
    # Same items, new bytes (a reordered document): parsed again, no file written.
    out = publish(tmp_path, list(reversed(items(3))))
    assert "posts: 0 new, 0 updated, 3 unchanged" in out
    assert mtimes(tmp_path) == before


def test_changed_item_rewrites_its_own_post_in_place(tmp_path: Path) -> None:
    write_config(tmp_path, FEEDS)
    publish(tmp_path, items(3))
    before = posts(tmp_path)
    out = publish(tmp_path, items(3, title1="第1条新闻（更新）", html2="<p>改过的正文</p>"))
    assert "posts: 0 new, 2 updated, 1 unchanged" in out
    after = posts(tmp_path)
    assert after.keys() == before.keys()  # same file names
    changed = {name for name in after if after[name] != before[name]}
    assert len(changed) == 2
    assert any("第1条新闻（更新）" in after[n] for n in changed)
    assert any("改过的正文" in after[n] for n in changed)


def test_item_that_drops_out_of_the_feed_keeps_its_post(tmp_path: Path) -> None:
    write_config(tmp_path, FEEDS)
    publish(tmp_path, items(3))
    before = posts(tmp_path)
    publish(tmp_path, [*items(3)[1:], Item(title="新的一条", guid="g-new")])
    after = posts(tmp_path)
    assert set(before) < set(after) and len(after) == 4
    assert all(after[name] == text for name, text in before.items())


def _linked(guid: str, count: int = 3, minute: int = 1) -> list[Item]:
    """Articles, each at its own link, under guids that start with ``guid``."""
    return [
        Item(
            title=f"第{i}条新闻",
            guid=f"{guid}{i}",
            link=f"https://www.stcn.com/article/{i}.html",
            html=f"<p>第{i}条的正文，各不相同：{'甲乙丙丁'[i] * 30}</p>",
            pub_date=f"Tue, 20 Sep 2022 0{i}:{minute:02d}:00 GMT",
        )
        for i in range(count)
    ]


@pytest.mark.parametrize("dedupe", [True, False])
def test_a_new_guid_for_the_same_link_updates_the_post_in_place(
    tmp_path: Path, dedupe: bool
) -> None:
    write_config(tmp_path, FEEDS, dedupe=dedupe)
    publish(tmp_path, _linked("https://www.stcn.com/article/?utm=rss&id="))
    before = posts(tmp_path)
    # The CMS now writes guids its own way, and one title was edited meanwhile.
    items_now = _linked("stcn-")
    items_now[1] = replace(items_now[1], title="第1条新闻（更新）")
    out = publish(tmp_path, items_now)
    assert "posts: 0 new, 1 updated, 2 unchanged" in out, out  # each post counted once
    after = posts(tmp_path)
    assert after.keys() == before.keys()
    assert any("第1条新闻（更新）" in text for text in after.values())
    # One guid alone changing: its post counted once, unchanged (it was counted nowhere).
    items_now[2] = replace(items_now[2], guid="other-scheme-2")
    out = publish(tmp_path, items_now)
    assert "posts: 0 new, 0 updated, 3 unchanged" in out, out
    assert posts(tmp_path) == after


def test_new_guids_on_a_route_that_re_dates_its_items_update_the_posts(tmp_path: Path) -> None:
    """RSSHub's guids changed on a route that dates items by "3小时前" (a new
    date each fetch): every item was posted a second time."""
    write_config(tmp_path, FEEDS, dedupe=False)
    publish(tmp_path, _linked("i-g", 4, minute=0))
    before = posts(tmp_path)
    assert "posts: 0 new" in publish(tmp_path, _linked("https://rsshub.app/i/", 4, minute=30))
    assert posts(tmp_path).keys() == before.keys()


@pytest.mark.parametrize("link_moved", [False, True])
def test_new_guids_on_a_re_dating_route_keep_each_posts_first_date(
    tmp_path: Path, link_moved: bool
) -> None:
    """A post's URL holds its date.  Items re-keyed (new guids, their links
    moved to https too or not) on a route that re-dates them on each fetch
    took the new dates, and their posts moved; an item the feed re-dates
    under its own guid keeps its first date, and so must these."""
    write_config(tmp_path, FEEDS, dedupe=False)
    first = _linked("i-g", 3, minute=0)
    if link_moved:
        first = [replace(i, link=(i.link or "").replace("https:", "http:")) for i in first]
    publish(tmp_path, first)

    def dates() -> dict[str, str]:
        return {
            name: text.split("\ndate: ", 1)[1].split("\n", 1)[0]
            for name, text in posts(tmp_path).items()
        }

    before = dates()
    assert "posts: 0 new" in publish(tmp_path, _linked("https://rsshub.app/i/", 3, minute=30))
    assert dates() == before
    # Nothing left to rewrite: the stored item is the feed's, first date and all.
    again = publish(tmp_path, _linked("https://rsshub.app/i/", 3, minute=45))
    assert "posts: 0 new, 0 updated" in again, again
    assert dates() == before


def flash(title: str, minute: int = 20, text: str = "", guid: bool = True) -> Item:
    """A 快讯 without an article, as RSSHub writes it: its guid is its title."""
    return Item(
        title=title,
        guid=title if guid else None,
        html=f"<p>{text or title}</p>",
        pub_date=f"Wed, 21 Sep 2022 01:{minute:02d}:00 GMT",
    )


@pytest.mark.parametrize(("dedupe", "guid"), [(True, True), (False, True), (False, False)])
def test_a_flash_without_link_corrected_is_its_post_corrected(
    tmp_path: Path, dedupe: bool, guid: bool
) -> None:
    # (Without a guid either, it is known by its title and text.)
    write_config(tmp_path, FEEDS, dedupe=dedupe)
    other = flash("【沪指午间收涨0.5%】", minute=10, guid=guid)
    publish(tmp_path, [flash("【央行开展20亿元7天期逆回购操作】", guid=guid), other])
    [wrong] = [name for name in posts(tmp_path) if "20亿元" in name]
    corrected = flash(
        "【央行开展200亿元7天期逆回购操作】", text="央行今日开展200亿元逆回购。", guid=guid
    )
    out = publish(tmp_path, [corrected, other])
    assert "posts: 0 new, 1 updated" in out
    after = posts(tmp_path)
    assert len(after) == 2 and wrong in after  # the post keeps its file
    assert "title: '【央行开展200亿元7天期逆回购操作】'" in after[wrong]


@pytest.mark.parametrize("guid", [True, False])
def test_an_item_whose_link_is_its_titles_slug_retitled_is_its_post_retitled(
    tmp_path: Path, guid: bool
) -> None:
    """Hugo and Jekyll make an article's address of its title: a typo fixed
    in the title moves the link and the guid.  The stored item of that date
    (to the second), no longer listed, with a title alike and a link of the
    same site, is the item retitled: its post is rewritten, not joined by a
    second one."""

    def post(slug: str, title: str) -> Item:
        link = f"https://blog.example.com/post/{slug}/"
        return Item(title=title, html="<p>Same text.</p>", guid=link if guid else None, link=link)

    other = Item("Another story", guid="https://blog.example.com/post/another/" if guid else None,
                 link="https://blog.example.com/post/another/", pub_date="Tue, 20 Sep 2022 17:00:00 GMT")  # fmt: skip
    write_config(tmp_path, FEEDS, dedupe=False)
    publish(tmp_path, [post("bank-annouces-new-policy", "Bank annouces new policy"), other])
    [name] = [n for n in posts(tmp_path) if "annouces" in n]
    out = publish(tmp_path, [post("bank-announces-new-policy", "Bank announces new policy"), other])
    assert "posts: 0 new, 1 updated" in out, out
    after = posts(tmp_path)
    assert len(after) == 2 and "title: 'Bank announces new policy'" in after[name]
    # Another site's address under an alike title is another story.
    moved = Item("Bank announces new policy!", link="https://news.example.org/bank/")
    assert "posts: 1 new" in publish(tmp_path, [moved, other])


@pytest.mark.parametrize(
    ("was", "now"),
    [
        (("Top 5 tools of 2024", "top-5-tools-of-2024"), ("Top 6 tools of 2024", "top-6-tools-of-2024")),
        (("营收增长一成", "%E8%90%A5%E6%94%B6%E5%A2%9E%E9%95%BF%E4%B8%80%E6%88%90"),
         ("营收增长三成", "%E8%90%A5%E6%94%B6%E5%A2%9E%E9%95%BF%E4%B8%89%E6%88%90")),
    ],
)  # fmt: skip
def test_a_title_s_figure_corrected_in_its_slug_is_the_item_retitled(
    tmp_path: Path, was: tuple[str, str], now: tuple[str, str]
) -> None:
    """A slug that differs from the stored one in a figure where the title
    does too (a typo of a number fixed), or in Chinese written as
    percent-escapes, is a title's slug corrected — not an announcement's
    number: the item retitled, one post."""

    def post(title: str, slug: str) -> Item:
        link = f"https://blog.example.com/posts/{slug}/"
        return Item(title=title, html="<p>Same text.</p>", guid=link, link=link)

    write_config(tmp_path, FEEDS, dedupe=False)
    publish(tmp_path, [post(*was)])
    [name] = posts(tmp_path)
    out = publish(tmp_path, [post(*now)])
    assert "posts: 0 new, 1 updated" in out, out
    after = posts(tmp_path)
    assert list(after) == [name] and now[0] in after[name]


def test_stories_of_one_second_headlined_alike_are_told_apart_by_their_text(
    tmp_path: Path,
) -> None:
    """A feed that dates its items by the day (every one 00:00:00), or a busy
    flash feed: a story gone from the feed and another of its second with a
    headline alike are two stories — their texts differ — and the first
    kept its post (it was written over)."""
    day = "Tue, 20 Sep 2022 00:00:00 GMT"
    first = Item("【华东股份：股东拟减持不超过1%股份】", "<p>华东股份公告，股东拟减持不超过1%股份。</p>",
                 "https://www.cls.cn/detail/1001", "https://www.cls.cn/detail/1001", day)  # fmt: skip
    other = Item("【沪指午间收涨0.5%】", "<p>沪指午间收涨。</p>", "https://www.cls.cn/detail/1002",
                 "https://www.cls.cn/detail/1002", day)  # fmt: skip
    second = Item("【华西股份：股东拟减持不超过2%股份】", "<p>华西股份公告，股东拟减持不超过2%股份。</p>",
                  "https://www.cls.cn/detail/1003", "https://www.cls.cn/detail/1003", day)  # fmt: skip
    write_config(tmp_path, FEEDS, dedupe=False)
    publish(tmp_path, [first, other])
    before = posts(tmp_path)
    assert "posts: 1 new, 0 updated" in publish(tmp_path, [other, second])
    after = posts(tmp_path)
    assert len(after) == 3 and all(after[name] == text for name, text in before.items())


@pytest.mark.parametrize(
    ("gone", "new"),
    [
        # An exchange's list of notices: a title alone, dated by the day, its
        # address an announcement's number.
        (
            ("贵州茅台：2022年半年度报告", "https://e.example.cn/notice/600519.html", ""),
            ("五粮液：2022年半年度报告", "https://e.example.cn/notice/000858.html", ""),
        ),
        # A template's text, the same for every notice.
        (
            ("万科A：关于召开股东大会的通知", "https://e.example.cn/n/2022/0920/3301.html",
             "<p>本公司及董事会全体成员保证信息披露内容的真实、准确和完整。</p>"),
            ("万科A：关于召开股东大会的提示", "https://e.example.cn/n/2022/0920/3302.html",
             "<p>本公司及董事会全体成员保证信息披露内容的真实、准确和完整。</p>"),
        ),
        (
            ("万科A：关于召开股东大会的通知", "https://e.example.cn/n/t20220920_3301.html",
             "<p>本公司及董事会全体成员保证信息披露内容的真实、准确和完整。</p>"),
            ("万科A：关于召开股东大会的提示", "https://e.example.cn/n/t20220920_3302.html",
             "<p>本公司及董事会全体成员保证信息披露内容的真实、准确和完整。</p>"),
        ),
        # Numbers within a part: Xinhua's, a regulator's, a code and a date.
        (
            ("贵州茅台：2022年半年度报告", "https://e.example.cn/notice/c_1130140001.htm", ""),
            ("五粮液：2022年半年度报告", "https://e.example.cn/notice/c_1130140002.htm", ""),
        ),
        (
            ("贵州茅台：2022年半年度报告", "https://e.example.cn/x/c7471234/content.shtml", ""),
            ("五粮液：2022年半年度报告", "https://e.example.cn/x/c7471235/content.shtml", ""),
        ),
        (
            ("贵州茅台：2022年半年度报告", "https://e.example.cn/n/600519-20220920.html", ""),
            ("五粮液：2022年半年度报告", "https://e.example.cn/n/000858-20220920.html", ""),
        ),
    ],
)  # fmt: skip
def test_a_new_item_of_the_day_another_left_is_not_that_item_retitled(
    tmp_path: Path, gone: tuple[str, str, str], new: tuple[str, str, str]
) -> None:
    """A rolling list that gains one item and loses one each poll: the new
    item, of the date the gone one had and headlined alike, was taken for it
    retitled — its post, its search entry and its row overwritten, the gone
    item lost.  An address that differs in its numbers alone, or a text that
    says nothing (none), names another item."""
    day = "Tue, 20 Sep 2022 00:00:00 +0800"

    def item(title: str, link: str, text: str) -> Item:
        return Item(title, text, link, link, day)

    other = item("平安银行：2022年半年度报告", "https://e.example.cn/notice/000001.html", "")
    write_config(tmp_path, FEEDS, dedupe=False)
    publish(tmp_path, [item(*gone), other])
    before = posts(tmp_path)
    assert "posts: 1 new, 0 updated" in publish(tmp_path, [item(*new), other])
    after = posts(tmp_path)
    assert len(after) == 3 and all(after[name] == text for name, text in before.items())


def test_an_item_without_a_link_under_a_new_guid_each_fetch_is_left_as_it_is(
    tmp_path: Path,
) -> None:
    """Its placeholder picture's number was its key's: every pass rewrote
    the post ("1 updated") for its picture alone."""
    write_config(tmp_path, FEEDS, dedupe=False)

    def fetched(n: int) -> list[Item]:
        return [Item("【央行开展20亿元逆回购操作】", "<p>央行今日开展20亿元7天期逆回购操作。</p>",
                     guid=f"kd-{n}", pub_date="Tue, 20 Sep 2022 08:20:00 GMT")]  # fmt: skip

    assert "posts: 1 new" in publish(tmp_path, fetched(1))
    before = posts(tmp_path)
    for n in (2, 3):
        assert "posts: 0 new, 0 updated, 1 unchanged" in publish(tmp_path, fetched(n))
    assert posts(tmp_path) == before


def test_an_undated_item_without_a_link_under_a_new_guid_each_fetch_is_posted_once(
    tmp_path: Path,
) -> None:
    """Known by neither its link nor its date: every pass posted it again.
    The stored item of its title and text the document no longer lists is it;
    another item of that title, with another text, is another."""
    write_config(tmp_path, FEEDS, dedupe=False)

    def fetched(n: int, text: str = "某公司发布年报，营收增长。") -> Item:
        return Item(
            "快讯：某公司发布年报", f"<p>{text}</p>", guid=f"kx-{n}-1663689660", pub_date=None
        )

    assert "posts: 1 new" in publish(tmp_path, [fetched(1)])
    before = posts(tmp_path)
    for n in (2, 3):
        assert "posts: 0 new, 0 updated, 1 unchanged" in publish(tmp_path, [fetched(n)])
    assert posts(tmp_path) == before
    assert "posts: 1 new" in publish(tmp_path, [fetched(4), fetched(5, "另一家公司发布年报。")])
    assert len(posts(tmp_path)) == 2


def test_an_undated_flash_under_a_new_guid_each_fetch_beside_stable_items_is_posted_once(
    tmp_path: Path,
) -> None:
    """Items of stable guids beside it do not make it a new item each pass."""
    write_config(tmp_path, FEEDS, dedupe=False)
    stable = Item("公司公告", "<p>公司发布公告。</p>", guid="stable-1", link="https://e.example/1")

    def flash(n: int) -> Item:
        return Item(
            "快讯：沪指午间收涨", "<p>沪指午间收涨0.5%。</p>", guid=f"kx-{n}", pub_date=None
        )

    assert "posts: 2 new" in publish(tmp_path, [flash(1), stable])
    for n in (2, 3):
        assert "posts: 0 new" in publish(tmp_path, [flash(n), stable])
    assert len(posts(tmp_path)) == 2


def test_flashes_without_link_of_one_minute_are_not_taken_for_each_other(tmp_path: Path) -> None:
    # One flash gone from the window and another of the same minute come in:
    # unlike titles, or two of a minute on either side, are different news.
    write_config(tmp_path, FEEDS, dedupe=False)
    publish(tmp_path, [flash("【央行开展20亿元7天期逆回购操作】")])
    assert "posts: 1 new" in publish(tmp_path, [flash("【苹果发布新款手机】")])
    assert "posts: 2 new" in publish(
        tmp_path, [flash("【央行开展20亿元7天期逆回购操作！】"), flash("【央行开展20亿元逆回购】")]
    )
    assert len(posts(tmp_path)) == 4


def test_an_edited_undated_item_is_counted_once_as_updated(tmp_path: Path) -> None:
    """An undated item is rewritten by publish() (dated by when it was first
    seen): the summary said "1 updated, 1 unchanged" of three posts."""
    write_config(tmp_path, FEEDS)
    undated = Item(title="没有日期", guid="u", html="<p>正文</p>", pub_date=None)
    publish(tmp_path, [*items(2), undated])
    out = publish(tmp_path, [*items(2), replace(undated, title="没有日期（改）")])
    assert "posts: 0 new, 1 updated, 2 unchanged" in out, out
    assert len(posts(tmp_path)) == 3


def test_undated_items_keep_the_feeds_order_on_the_site(tmp_path: Path) -> None:
    # Dated by when they are first seen: each a second before the one the
    # feed lists above it (newest first), not all of one second, which a
    # site would order by file name.
    write_config(tmp_path, FEEDS)
    feed = [Item(f"第{n}条", guid=f"g-{n}", pub_date=None) for n in (5, 4, 3, 2, 1)]
    publish(tmp_path, feed)
    dates = {}
    for text in posts(tmp_path).values():
        title = re.search(r"^title: '(.+)'$", text, re.M)
        date = re.search(r"^date: (.+)$", text, re.M)
        assert title and date
        dates[title.group(1)] = email.utils.parsedate_to_datetime(date.group(1))
    newest = dates["第5条"]
    assert [dates[f"第{n}条"] for n in (5, 4, 3, 2, 1)] == [
        newest - timedelta(seconds=s) for s in range(5)
    ]
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:  # and so stored
        stored = [row[0] for row in db.execute("SELECT first_seen_at FROM entries ORDER BY id")]
    assert len(set(stored)) == 5
    assert "posts: 0 new, 0 updated, 5 unchanged" in publish(tmp_path, feed)


def test_a_new_item_at_an_old_items_link_is_a_new_post(tmp_path: Path) -> None:
    # A feed whose one item always links to the same page: a new item each day.
    def today(day: int) -> list[Item]:
        return [
            Item(
                title="今日盘面",
                guid=f"market-{day}",
                link="https://www.example.com/market",
                html=f"<p>{day}日收盘：{'涨跌互现' * day}</p>",
                pub_date=f"Tue, {day} Sep 2022 16:01:00 GMT",
            )
        ]

    write_config(tmp_path, FEEDS, dedupe=False)
    publish(tmp_path, today(20))
    first = posts(tmp_path)
    assert "posts: 1 new" in publish(tmp_path, today(21))
    after = posts(tmp_path)
    assert len(after) == 2 and all(after[name] == text for name, text in first.items())


# A guid made of the fetch (some routes write the time into it): a new key
# for every item on every fetch.
def fetched(n: int, day: int = 20, title: str = "盘中快讯", date: str | None = None) -> Item:
    return Item(
        title=title,
        guid=f"fetch-{n}",
        link="https://live.example.com/today.html",
        html=f"<p>{day}日盘中：{'沪指震荡' * day}</p>",
        pub_date=date if date is not None else f"Tue, {day} Sep 2022 08:00:00 GMT",
    )


@pytest.mark.parametrize("dedupe", [True, False])
def test_a_new_guid_on_every_fetch_never_grows_the_site(tmp_path: Path, dedupe: bool) -> None:
    """Once two stored items shared a link (the same words a day apart, or two
    items of a live page), every pass posted each item again, for good."""
    write_config(tmp_path, FEEDS, dedupe=dedupe)
    publish(tmp_path, [fetched(1)])
    # The route corrects the item's time: the same item (its title and text) …
    corrected = "Tue, 20 Sep 2022 08:05:00 GMT"
    assert "posts: 0 new" in publish(tmp_path, [fetched(2, date=corrected)])
    assert len(posts(tmp_path)) == 1
    # … and the same words a day later: a routine notice again, another item.
    next_day = "Wed, 21 Sep 2022 20:00:00 GMT"
    publish(tmp_path, [fetched(3, date=next_day)])
    assert len(posts(tmp_path)) == 2
    for n in range(4, 7):  # … and from then on the same one, fetch after fetch.
        out = publish(tmp_path, [fetched(n, date=next_day)])
        assert "posts: 0 new" in out, out
    assert len(posts(tmp_path)) == 2
    # Two items of one live page, each under a new guid on every fetch.
    for n in range(6, 10):
        publish(tmp_path, [fetched(10 * n, day=21), fetched(10 * n + 1, day=22)])
    assert len(posts(tmp_path)) == 4
    before = {name: path.stat().st_mtime_ns for name, path in _post_paths(tmp_path).items()}
    publish(tmp_path, [fetched(99, day=21), fetched(98, day=22)])
    after = {name: path.stat().st_mtime_ns for name, path in _post_paths(tmp_path).items()}
    assert after == before  # nor is a post rewritten: its placeholder is its link's


def test_a_new_guid_on_every_fetch_of_an_undated_item_retitled_once(tmp_path: Path) -> None:
    write_config(tmp_path, FEEDS, dedupe=False)
    publish(tmp_path, [fetched(1, date="")])
    publish(tmp_path, [fetched(2, title="盘中快讯（更新）", date="")])  # undated: a new title is
    for n in range(3, 6):  # … another item, once
        publish(tmp_path, [fetched(n, title="盘中快讯（更新）", date="")])
    assert len(posts(tmp_path)) == 2


def test_links_that_gain_a_tracking_query_keep_their_posts(tmp_path: Path) -> None:
    """guid = link (RSSHub's default), then every link gains ?utm_source=rss:
    every story was posted twice."""

    def tracked(query: str) -> list[Item]:
        return at_links([f"https://www.stcn.com/article/{i}.html{query}" for i in range(4)])

    write_config(tmp_path, FEEDS, dedupe=False)
    publish(tmp_path, tracked(""))
    assert "posts: 0 new" in publish(tmp_path, tracked("?utm_source=rss&utm_medium=feed"))
    assert len(posts(tmp_path)) == 4


@pytest.mark.parametrize("guid_is_link", [True, False])
def test_a_tracking_value_new_on_every_fetch_changes_nothing(
    tmp_path: Path, guid_is_link: bool
) -> None:
    """A route whose links carry a token that changes on every fetch
    (``?utm_source=3fa9c1``): with the link for its guid (RSSHub's default)
    every pass posted every item again; with a guid of its own, every pass
    rewrote its post, with another placeholder picture."""

    def fetch(token: str) -> list[Item]:
        stories = at_links(
            [f"https://www.stcn.com/article/{i}.html?utm_source={token}&id={i}" for i in range(3)]
        )
        if guid_is_link:
            return stories
        return [replace(item, guid=f"item-{i}") for i, item in enumerate(stories)]

    write_config(tmp_path, FEEDS, dedupe=False)
    assert "posts: 3 new" in publish(tmp_path, fetch("a1b2c3"))
    before = {name: path.stat().st_mtime_ns for name, path in _post_paths(tmp_path).items()}
    for token in ("d4e5f6", "0719ab", "c0ffee"):
        out = publish(tmp_path, fetch(token))
        assert "posts: 0 new, 0 updated, 3 unchanged" in out, out
    after = {name: path.stat().st_mtime_ns for name, path in _post_paths(tmp_path).items()}
    assert after == before
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        links = sorted(link for (link,) in db.execute("SELECT link FROM entries"))
    # Stored as the page: its own query kept, the tracking parameters gone.
    assert links == [f"https://www.stcn.com/article/{i}.html?id={i}" for i in range(3)]


@pytest.mark.parametrize(
    ("link", "guid", "dated"),
    [
        # No guid: the link, with a cache-buster new on every fetch, is the key.
        ("https://www.example.com/news/100{i}.html?from=rss&t={token}", None, "apart"),
        # … dated by the day, every item of one date; undated.
        ("https://www.example.com/news/100{i}.html?from=rss&t={token}", None, "by the day"),
        ("https://www.example.com/news/100{i}.html?from=rss&t={token}", None, "undated"),
        ("https://www.example.com/news/100{i}.html?sid={token}abcdef12", None, "undated"),
        ("https://www.example.com/news/100{i}.html?r=0.{token}582", None, "apart"),  # Math.random
        # … the guid that link; a fragment new on every fetch.
        ("https://www.example.com/news/100{i}.html?t={token}", "link", "apart"),
        ("https://www.example.com/news/100{i}.html#c{token}", None, "apart"),
        # A guid of its own: the post was rewritten each pass, another picture.
        ("https://www.example.com/news/100{i}.html?t={token}", "own", "apart"),
    ],
)
def test_a_query_or_fragment_new_on_every_fetch_posts_nothing_again(
    tmp_path: Path, link: str, guid: str | None, dated: str
) -> None:
    """Every pass posted every item again: the link (and key) changed, and a
    stored item was looked for by its link, or by a path corrected."""

    def fetch(token: int) -> list[Item]:
        stories = at_links([link.format(i=i, token=token) for i in range(3)])
        return [
            replace(
                item,
                guid={"link": item.link, "own": f"g-{i}"}.get(guid or ""),
                pub_date={"apart": item.pub_date, "undated": None}.get(
                    dated, "Tue, 20 Sep 2022 00:00:00 +0800"
                ),
            )
            for i, item in enumerate(stories)
        ]

    write_config(tmp_path, FEEDS, dedupe=False)
    assert "posts: 3 new" in publish(tmp_path, fetch(1765070000))
    for token in (1765070900, 1765071800, 1765072700):
        out = publish(tmp_path, fetch(token))
        # (Nor a post rewritten: it keeps the link it has, and its picture.)
        assert "posts: 0 new, 0 updated, 3 unchanged" in out, out
    assert len(posts(tmp_path)) == 3
    # An item edited meanwhile: a link told apart by a value new on every
    # fetch is not enough to tell it is the item (a notice list's next
    # notice, its id long, looks so) — another post, once; then that one.
    edited = fetch(1765073600)
    edited[0] = replace(edited[0], html=edited[0].html + "<p>更新：补充一段。</p>")
    publish(tmp_path, edited)
    for token in (1765074500, 1765075400):
        edited = fetch(token)
        edited[0] = replace(edited[0], html=edited[0].html + "<p>更新：补充一段。</p>")
        out = publish(tmp_path, edited)
        assert "posts: 0 new, 0 updated, 3 unchanged" in out, out
    assert len(posts(tmp_path)) <= 4


@pytest.mark.parametrize(
    ("date", "titles", "texts"),
    [
        # Dated by the day: another notice of one title, its own text.
        (
            "Tue, 20 Sep 2022 00:00:00 +0800",
            ("关于召开临时股东大会的通知",) * 2,
            ("甲公司定于10月8日召开。", "乙公司定于10月9日召开，审议重组议案。"),
        ),
        # … of one text (a list's boilerplate), titles alike.
        (
            "Tue, 20 Sep 2022 00:00:00 +0800",
            ("贵州茅台：关于2022年半年度报告的公告", "五粮液：关于2022年半年度报告的公告"),
            ("详见附件。",) * 2,
        ),
        # Undated, and without a text: nothing but its link tells it apart.
        (None, ("关于召开临时股东大会的通知",) * 2, ("", "")),
        # Ids long as a Unix time: their own texts tell them apart.
        (
            "Tue, 20 Sep 2022 00:00:00 +0800",
            ("停电通知",) * 2,
            ("9月20日城东片区停电。", "9月21日城西片区停电。"),
        ),
        (None, ("每日早报",) * 2, ("9月20日：央行降准。", "9月21日：美联储加息。")),
    ],
)
def test_a_notice_under_the_link_of_one_that_left_is_another_item(
    tmp_path: Path, date: str | None, titles: tuple[str, str], texts: tuple[str, str]
) -> None:
    """A rolling list of notices, `detail.jsp?id=1001` leaving as `?id=1002`
    comes: the new notice took the post of the one that left."""

    def notice(number: int, title: str, text: str) -> Item:
        number += 1576543210987653320  # (an id as long as a Unix time: a cache-buster's look)
        link = f"https://www.example.gov.cn/detail.jsp?id={number}"
        html = f"<p>{text}</p>" if text else ""
        return Item(title, guid=link, link=link, html=html, pub_date=date)

    other = Item("其他公告", guid="o", link="https://www.example.gov.cn/o.html", html="<p>其他</p>")
    write_config(tmp_path, FEEDS, dedupe=False)
    publish(tmp_path, [notice(1001, titles[0], texts[0]), other])
    assert "posts: 1 new" in publish(tmp_path, [notice(1002, titles[1], texts[1]), other])
    assert len(posts(tmp_path)) == 3


def test_a_link_corrected_in_its_query_is_taken_up(tmp_path: Path) -> None:
    """`?id=1001` corrected to `?id=2001` under the item's own guid: another
    page, not a cache-buster — the post links to it."""

    def linked(number: int) -> Item:
        link = f"https://www.example.gov.cn/detail.jsp?id={number}"
        return Item(
            "公告", guid="n-7", link=link, html="", pub_date="Tue, 20 Sep 2022 08:00:00 GMT"
        )

    write_config(tmp_path, FEEDS, dedupe=False)
    publish(tmp_path, [linked(1001)])
    assert "posts: 0 new, 1 updated" in publish(tmp_path, [linked(2001)])
    [text] = posts(tmp_path).values()
    assert "detail.jsp?id=2001" in text and "id=1001" not in text


@pytest.mark.parametrize("guid_is_link", [True, False])
def test_an_upgrade_to_links_without_tracking_rewrites_nothing(
    tmp_path: Path, guid_is_link: bool
) -> None:
    """A site an earlier release made, its links stored with ``?utm_source=rss``:
    the items are unchanged (no post rewritten with another placeholder)."""

    def feed(count: int) -> list[Item]:
        stories = at_links(
            [f"https://www.stcn.com/article/{i}.html?utm_source=rss" for i in range(count)]
        )
        if guid_is_link:
            return stories
        return [replace(item, guid=f"item-{i}") for i, item in enumerate(stories)]

    write_config(tmp_path, FEEDS, dedupe=False)
    publish(tmp_path, feed(3))
    stored_before_untracking(tmp_path, (tmp_path / "feed.xml").read_bytes())
    before = {name: path.stat().st_mtime_ns for name, path in _post_paths(tmp_path).items()}
    out = publish(tmp_path, feed(4))  # (read again: a new item)
    assert "posts: 1 new, 0 updated, 3 unchanged" in out, out
    after = {name: path.stat().st_mtime_ns for name, path in _post_paths(tmp_path).items()}
    assert len(after) == 4 and all(after[name] == mtime for name, mtime in before.items())
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        links = sorted(link for (link,) in db.execute("SELECT link FROM entries"))
    assert links == [f"https://www.stcn.com/article/{i}.html" for i in range(4)]  # (0012)


def test_an_upgrade_posts_no_item_of_a_rotating_tracking_value_again(tmp_path: Path) -> None:
    """Stored by an earlier release with the value of its last fetch (its guid
    the link): the first fetch after the upgrade, with another value, matched
    no stored link and posted every item once more."""

    def fetch(token: str) -> list[Item]:
        return at_links(
            [f"https://www.stcn.com/article/{i}.html?utm_source={token}" for i in range(3)]
        )

    write_config(tmp_path, FEEDS, dedupe=False)
    publish(tmp_path, fetch("a1b2c3"))
    stored_before_untracking(tmp_path, (tmp_path / "feed.xml").read_bytes())
    out = publish(tmp_path, fetch("d4e5f6"))
    assert "posts: 0 new" in out, out
    assert len(posts(tmp_path)) == 3
    assert "posts: 0 new, 0 updated, 3 unchanged" in publish(tmp_path, fetch("0719ab"))


def test_a_feed_stored_under_its_url_with_a_trailing_space_keeps_its_posts(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A quoted URL's trailing space is dropped now; a feed a tolerant server
    answered with it is the same feed, not a new one posting everything again."""
    url = feed_server.add("/a.xml", body=rss("证券时报网", items(3)))
    config = write_config(tmp_path, [{**FEEDS[0], "url": url}], dedupe=False)
    assert cli("run", "-c", str(config)).code == 0
    before = posts(tmp_path)
    database = tmp_path / ".feedmill" / "state.db"
    with sqlite3.connect(database) as conn:  # as a version that kept the space stored it
        conn.execute("UPDATE feeds SET url = url || ' '")
    feed_server.add("/a.xml", body=rss("证券时报网", [*items(3), Item("新的一条", guid="g-new")]))
    out = cli("run", "-c", str(config)).stdout
    assert "posts: 1 new" in out, out
    assert len(posts(tmp_path)) == 4 and all(posts(tmp_path)[n] == t for n, t in before.items())
    with sqlite3.connect(database) as conn:
        assert [stored for (stored,) in conn.execute("SELECT url FROM feeds")] == [url]


def _post_paths(site: Path) -> dict[str, Path]:
    return {p.name: p for p in (site / "source" / "_posts").glob("*.md")}


def test_different_items_under_one_guid_are_each_kept(tmp_path: Path) -> None:
    # Some feeds give every item the site's address as its guid.
    def shared(n: int) -> list[Item]:
        return [
            Item(
                title=f"快讯{i}",
                guid="https://www.example.com/",
                link=f"https://www.example.com/{i}",
            )
            for i in range(n)
        ]

    write_config(tmp_path, FEEDS)
    repeated = Item(
        title="快讯0", guid="https://www.example.com/", link="https://www.example.com/0"
    )
    publish(tmp_path, [*shared(3), repeated])  # an item repeated whole counts once
    assert len(posts(tmp_path)) == 3
    before = posts(tmp_path)
    out = publish(tmp_path, shared(4))
    assert "posts: 1 new, 0 updated, 3 unchanged" in out
    assert all(posts(tmp_path)[name] == text for name, text in before.items())
    result = cli("status", "-c", str(tmp_path / "feedmill.yml"), "--json")
    (row,) = json.loads(result.stdout)
    assert "4 items share a guid with different items" in row["warning"]


def _brief(day: int, title: str, dated: bool) -> Item:
    """A day's item of a feed that gives every item its site's address as the guid."""
    return Item(
        title=title,
        guid="http://ex.org/",
        link=f"http://ex.org/brief/{day}",
        html=f"<p>{title}的内容。</p>",
        pub_date=f"Tue, {day} Sep 2022 08:00:00 GMT" if dated else None,
    )


@pytest.mark.parametrize("dated", [True, False])
def test_a_feed_listing_one_item_at_a_time_under_one_guid_keeps_each_day(
    tmp_path: Path, dated: bool
) -> None:
    """Today's item under yesterday's guid (the site's address) is another
    item, not an edit of yesterday's: that post stays."""
    brief = partial(_brief, dated=dated)
    write_config(tmp_path, FEEDS, dedupe=False)
    publish(tmp_path, [brief(19, "周一简报")])
    monday = posts(tmp_path)
    assert "posts: 1 new, 0 updated" in publish(tmp_path, [brief(20, "周二简报")])
    assert "posts: 0 new, 0 updated" in publish(tmp_path, [brief(20, "周二简报")])  # again
    assert "posts: 1 new, 0 updated" in publish(tmp_path, [brief(21, "周三简报")])
    after = posts(tmp_path)
    assert len(after) == 3 and all(after[name] == text for name, text in monday.items())
    result = cli("status", "-c", str(tmp_path / "feedmill.yml"), "--json")
    (row,) = json.loads(result.stdout)
    assert "1 items came under an earlier item's guid" in row["warning"]


@pytest.mark.parametrize(
    ("guid", "links", "dates"),
    [
        # The link moved, the date kept.
        ("g", ("http://ex.org/a", "http://ex.org/b"), ("16:01", "16:01")),
        # A WordPress guid: a retitle moves the slug link and bumps the date.
        ("https://ex.org/?p=123", ("https://ex.org/old", "https://ex.org/new"), ("16:01", "18:30")),
        # A tracking query and the fetch's time as the date.
        ("https://ex.org/a/1", ("https://ex.org/a/1?ts=1", "https://ex.org/a/1?ts=2"),
         ("16:01", "16:11")),
    ],
)  # fmt: skip
def test_an_edit_under_a_story_guid_is_an_edit_whatever_moved(
    tmp_path: Path, guid: str, links: tuple[str, str], dates: tuple[str, str]
) -> None:
    write_config(tmp_path, FEEDS)
    when = [f"Tue, 20 Sep 2022 {d}:00 GMT" for d in dates]
    publish(tmp_path, [Item(title="旧标题", guid=guid, link=links[0], pub_date=when[0])])
    edited = Item(title="新标题", guid=guid, link=links[1], pub_date=when[1])
    assert "posts: 0 new, 1 updated" in publish(tmp_path, [edited])
    (text,) = posts(tmp_path).values()
    assert "新标题" in text


@pytest.mark.parametrize("dedupe", [True, False])
def test_a_feed_moved_to_https_keeps_its_posts(tmp_path: Path, dedupe: bool) -> None:
    """guids and links that only change http to https name the same items."""

    def listed(scheme: str) -> list[Item]:
        return at_links([f"{scheme}://ex.org/{i}" for i in range(3)])

    write_config(tmp_path, FEEDS, dedupe=dedupe)
    publish(tmp_path, listed("http"))
    before = set(posts(tmp_path))
    out = publish(tmp_path, listed("https"))
    assert "posts: 0 new" in out
    assert set(posts(tmp_path)) == before


@pytest.mark.parametrize("dedupe", [True, False])
def test_a_feed_url_written_another_way_is_the_same_feed(tmp_path: Path, dedupe: bool) -> None:
    """`./feed.xml` for `feed.xml` (the config calls them one feed): its
    history, posts and later edits stay with it; nothing is posted twice."""
    write_config(tmp_path, FEEDS, dedupe=dedupe)
    publish(tmp_path, items(3))
    before = posts(tmp_path)
    write_config(tmp_path, [{**FEEDS[0], "url": "./feed.xml", "group": "财经"}], dedupe=dedupe)
    out = publish(tmp_path, items(3, title0="第0条新闻（更新）"))
    assert "posts: 0 new, 3 updated" in out
    after = posts(tmp_path)
    assert set(after) == set(before)
    assert all("\n - 财经\n" in text for text in after.values())
    assert "（更新）" in "".join(after.values())
    (row,) = json.loads(cli("status", "-c", str(tmp_path / "feedmill.yml"), "--json").stdout)
    assert row["url"] == "./feed.xml" and row["posts"] == 3


@pytest.mark.parametrize("dedupe", [True, False])
def test_a_feed_moved_to_another_address_keeps_its_history_with_moved_from(
    tmp_path: Path, dedupe: bool
) -> None:
    """Another RSSHub instance, no redirect ever seen: `moved_from` names the
    old URL, and the feed keeps its row, posts and later edits."""
    old = "rsshub-old/stcn.xml"
    new = "rsshub-new/stcn.xml"
    for folder in ("rsshub-old", "rsshub-new"):
        (tmp_path / folder).mkdir()
    (tmp_path / old).write_bytes(rss("证券时报网 - 要闻", items(3)))
    write_config(tmp_path, [{**FEEDS[0], "url": old}], dedupe=dedupe)
    assert "posts: 3 new" in cli("run", "-c", str(tmp_path / "feedmill.yml")).stdout
    before = posts(tmp_path)
    (tmp_path / new).write_bytes(rss("证券时报网 - 要闻", items(3, title2="第2条新闻（更新）")))
    write_config(tmp_path, [{**FEEDS[0], "url": new, "moved_from": old}], dedupe=dedupe)
    out = cli("run", "-c", str(tmp_path / "feedmill.yml")).stdout
    assert "posts: 0 new, 1 updated" in out
    after = posts(tmp_path)
    assert set(after) == set(before)
    (row,) = json.loads(cli("status", "-c", str(tmp_path / "feedmill.yml"), "--json").stdout)
    assert row["url"] == new and row["posts"] == 3


def test_moved_from_written_after_the_new_url_ran_says_it_is_not_taken_up(
    tmp_path: Path,
) -> None:
    """A move joins a feed to its past on the new URL's first pass: named
    later, it cannot (the new URL has a history of its own by then) — said,
    not silently ignored."""
    old, new = "old.xml", "new.xml"
    (tmp_path / old).write_bytes(rss("证券时报网 - 要闻", items(3)))
    (tmp_path / new).write_bytes(rss("证券时报网 - 要闻", items(3)))
    config = str(write_config(tmp_path, [{**FEEDS[0], "url": old}]))
    assert cli("run", "-c", config).code == 0
    write_config(tmp_path, [{**FEEDS[0], "url": new}])
    assert "not taken up" not in cli("run", "-c", config).stderr
    write_config(tmp_path, [{**FEEDS[0], "url": new, "moved_from": old}])
    said = " ".join(cli("run", "-c", config).stderr.split())
    assert f"note {new}: moved_from {old} is not taken up: this feed has a history of its" in said
    # Named on the new URL's first pass, a move is taken up, and nothing is said.
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / old).write_bytes(rss("证券时报网 - 要闻", items(3)))
    (fresh / new).write_bytes(rss("证券时报网 - 要闻", items(3)))
    config = str(write_config(fresh, [{**FEEDS[0], "url": old}]))
    assert cli("run", "-c", config).code == 0
    write_config(fresh, [{**FEEDS[0], "url": new, "moved_from": old}])
    assert "not taken up" not in cli("run", "-c", config).stderr
    # So is one named once the new URL has a row but nothing of its own yet (a
    # `run --feed` of another feed made the row).
    blank = tmp_path / "blank"
    blank.mkdir()
    for name in (old, new):
        (blank / name).write_bytes(rss("证券时报网 - 要闻", items(3)))
    (blank / "other.xml").write_bytes(
        rss("开源中国 - 资讯", [Item(title=f"资讯{i}", guid=f"o-{i}") for i in range(2)])
    )
    config = str(write_config(blank, [{**FEEDS[0], "url": old}]))
    assert cli("run", "-c", config).code == 0
    other = {"url": "other.xml", "group": "科技", "source": "开源中国"}
    write_config(blank, [{**FEEDS[0], "url": new}, other])
    assert cli("run", "-c", config, "--feed", "other.xml").code == 0
    before = posts(blank)
    assert len(before) == 5
    write_config(blank, [{**FEEDS[0], "url": new, "moved_from": old}, other])
    run = cli("run", "-c", config)
    assert "not taken up" not in run.stderr and "posts: 0 new" in run.stdout
    assert set(posts(blank)) == set(before)


@pytest.mark.parametrize(
    ("feeds", "message"),
    [
        ([{"url": "a.xml", "moved_from": "./a.xml"}], "moved_from: ./a.xml is this feed's url"),
        (
            [{"url": "a.xml"}, {"url": "b.xml", "moved_from": ["old.xml", "a.xml"]}],
            "feeds[1] (b.xml): moved_from: a.xml is also feeds[0]'s url",
        ),
        (
            [{"url": "a.xml", "moved_from": "old.xml"}, {"url": "b.xml", "moved_from": "old.xml"}],
            "feeds[1] (b.xml): moved_from: old.xml is also feeds[0]'s moved_from",
        ),
    ],
)
def test_moved_from_names_no_feed_of_the_config(
    tmp_path: Path, feeds: list[dict[str, object]], message: str
) -> None:
    write_config(tmp_path, [{**feed, "group": "g", "source": "s"} for feed in feeds])
    result = cli("run", "-c", str(tmp_path / "feedmill.yml"))
    assert result.code == 2 and message in result.stderr.replace("\n", " ")


@pytest.mark.parametrize("dedupe", [True, False])
def test_an_item_that_shared_its_guid_stays_itself_when_alone(tmp_path: Path, dedupe: bool) -> None:
    # No links: the items are told apart by their text while they share a guid.
    def flash(name: str) -> Item:
        return Item(title=f"快讯{name}", guid="G", html=f"<p>{name * 40}</p>")

    write_config(tmp_path, FEEDS, dedupe=dedupe)
    publish(tmp_path, [flash("甲"), flash("乙")])
    before = posts(tmp_path)
    assert len(before) == 2
    assert "posts: 0 new, 0 updated" in publish(tmp_path, [flash("甲")])  # alone now
    assert "posts: 1 new, 0 updated" in publish(tmp_path, [flash("丙")])  # not an edit of 甲
    after = posts(tmp_path)
    assert len(after) == 3 and all(after[name] == text for name, text in before.items())


@pytest.mark.parametrize("attribute", ["src", "data-src"])  # (WeChat's lazy pictures)
def test_items_only_their_pictures_tell_apart_are_each_posted(
    tmp_path: Path, attribute: str
) -> None:
    """A 每日一图 of one title and caption, without guid or link: its items
    were one post (the last picture), and the next day's took its place."""

    def picture(day: int) -> Item:
        html = f'<p>今日图片</p><p><img {attribute}="https://img.example/12{day:02}.jpg"></p>'
        return Item(title="每日一图", html=html, pub_date=f"Mon, {day:02} Dec 2026 08:00:00 GMT")

    write_config(tmp_path, FEEDS)
    assert "posts: 3 new, 0 updated" in publish(tmp_path, [picture(d) for d in (7, 6, 5)])
    before = posts(tmp_path)
    shown = {re.search(r"img\.example/(\d+)\.jpg", text)[1] for text in before.values()}  # type: ignore[index]
    assert shown == {"1205", "1206", "1207"}
    assert "posts: 1 new, 0 updated" in publish(tmp_path, [picture(d) for d in (8, 7, 6)])
    after = posts(tmp_path)
    assert len(after) == 4 and all(after[name] == text for name, text in before.items())
    # A feed that lists its latest alone: each day's another item, not an edit.
    for day in (9, 10):
        assert "posts: 1 new, 0 updated" in publish(tmp_path, [picture(day)])
    assert len(posts(tmp_path)) == 6
    # … its pictures named by ids as long as a cache-buster's value.
    for day, file_id in ((11, "1865432101234567890"), (12, "1865777702222222222")):
        html = f'<p>今日图片</p><img {attribute}="https://img.example/d?fileId={file_id}">'
        dated = f"Mon, {day:02} Dec 2026 08:00:00 GMT"
        assert "posts: 1 new" in publish(tmp_path, [Item("每日一图", html, pub_date=dated)])
    assert len(posts(tmp_path)) == 8
    # … or by a version that is its date, at one address.
    for day in (15, 16):
        html = f'<p>今日图片</p><img {attribute}="https://img.example/daily.jpg?v=202612{day}">'
        dated = f"Mon, {day:02} Dec 2026 08:00:00 GMT"
        assert "posts: 1 new" in publish(tmp_path, [Item("每日一图", html, pub_date=dated)])
    # … or by a path with commas in it (a picture service's transformations).
    for day in (13, 14):
        html = f'<p>今日图片</p><img {attribute}="https://res.example/c_fill,w_800/d/{day}.jpg">'
        dated = f"Mon, {day:02} Dec 2026 08:00:00 GMT"
        assert "posts: 1 new" in publish(tmp_path, [Item("每日一图", html, pub_date=dated)])
    assert len(posts(tmp_path)) == 12


def test_items_stored_before_pictures_were_keyed_are_found_again(tmp_path: Path) -> None:
    """Items without guid or link, stored under their title and text alone
    (before their pictures were part of their key), that share a date: each
    was posted again under its new key."""
    import hashlib

    from feedmill.normalize.text import keyed_text
    from feedmill.store.entries import key_hash

    def picture(title: str, day: int) -> Item:
        html = f'<p>{title}说明</p><p><img data-src="https://img.example/12{day:02}.jpg"></p>'
        return Item(title=title, html=html)  # (one date for both)

    write_config(tmp_path, FEEDS)
    pictures = [picture("甲图", 5), picture("乙图", 6)]
    assert "posts: 2 new" in publish(tmp_path, pictures)
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        for entry_id, title, content in db.execute("SELECT id, title, content FROM entries"):
            text = f"{title}\n{keyed_text(content)}"
            key = f"sha256:{hashlib.sha256(text.encode()).hexdigest()}"
            db.execute(
                "UPDATE entries SET key = ?, key_hash = ? WHERE id = ?",
                (key, key_hash(key), entry_id),
            )
    (tmp_path / "feed.xml").write_bytes(rss("证券时报网 - 要闻", pictures) + b"<!-- again -->")
    out = cli("run", "-c", str(tmp_path / "feedmill.yml")).stdout
    assert "posts: 0 new, 0 updated, 2 unchanged" in out
    assert len(posts(tmp_path)) == 2


def _store_guids_escaped(tmp_path: Path, count: int) -> None:
    """The flashes' keys ("kx_{n}&src=7") as a release before stored them,
    reading an ill-formed document: escaped."""
    from feedmill.store.entries import key_hash

    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        for n in range(count):
            escaped = f"kx_{n}&amp;src=7"
            db.execute(
                "UPDATE entries SET key = ?, key_hash = ? WHERE key = ?",
                (escaped, key_hash(escaped), f"kx_{n}&src=7"),
            )


def test_an_ill_formed_feeds_items_keep_their_guids_as_stored_before(tmp_path: Path) -> None:
    """A feed that one item makes ill-formed (a control character) was read
    with its guids' "&" escaped ("kx_1&amp;src=7"): its link-less items,
    stored so, are found by that key, not posted again."""

    flashes = [
        Item(title=f"快讯{n}", guid=f"kx_{n}&src=7", html=f"<p>第{n}条快讯的正文。</p>")
        for n in range(2)
    ]
    broken = [*flashes, Item(title="坏\x08标题", guid="kx_9")]
    write_config(tmp_path, FEEDS)
    assert "posts: 3 new" in publish(tmp_path, broken)
    before = posts(tmp_path)
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        stored = {key for (key,) in db.execute("SELECT key FROM entries")}
        assert stored == {"kx_0&src=7", "kx_1&src=7", "kx_9"}  # (as the fast path reads them)
    _store_guids_escaped(tmp_path, 2)
    # One has gained a picture since (not taken for itself by what it shows,
    # found again by its title and date — its neighbour of that date no
    # longer kept it from that).
    pictured = replace(
        flashes[0], html=flashes[0].html + '<p><img src="https://i.example/a.jpg"></p>'
    )
    again = [pictured, *broken[1:]]
    (tmp_path / "feed.xml").write_bytes(rss("证券时报网 - 要闻", again) + b"<!-- again -->")
    out = cli("run", "-c", str(tmp_path / "feedmill.yml")).stdout
    assert "posts: 0 new, 1 updated, 2 unchanged" in out, out
    assert list(posts(tmp_path)) == list(before)


def test_an_item_stored_before_pictures_were_keyed_is_found_whatever_its_lazy_flag(
    tmp_path: Path,
) -> None:
    """Stored when a link-less item's every lazy value was resolved (its
    flag "true" an address), it showed another picture than this release
    reads, was not taken for itself, and was posted again."""
    import hashlib

    from feedmill.normalize.text import keyed_text
    from feedmill.store.entries import key_hash

    html = (
        '<p><img class="lazy" src="https://img.example/a.jpg" data-original="true"></p>'
        "<p>今日图片：雪后故宫。</p>"
    )
    picture = Item(title="每日一图", html=html, pub_date=None)
    write_config(tmp_path, FEEDS)
    feed = rss("证券时报网 - 要闻", [picture], link="https://news.example.com/")
    (tmp_path / "feed.xml").write_bytes(feed)
    assert "posts: 1 new" in cli("run", "-c", str(tmp_path / "feedmill.yml")).stdout
    before = posts(tmp_path)
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        ((entry_id, title, content),) = db.execute("SELECT id, title, content FROM entries")
        # (Resolved against the channel's link, as that release did.)
        resolved = content.replace('"true"', '"https://news.example.com/true"')
        assert resolved != content
        text = f"{title}\n{keyed_text(resolved)}"
        key = f"sha256:{hashlib.sha256(text.encode()).hexdigest()}"
        db.execute(
            "UPDATE entries SET key = ?, key_hash = ?, content = ? WHERE id = ?",
            (key, key_hash(key), resolved, entry_id),
        )
    (tmp_path / "feed.xml").write_bytes(feed + b"<!-- again -->")
    out = cli("run", "-c", str(tmp_path / "feedmill.yml")).stdout
    assert "posts: 0 new" in out, out
    assert list(posts(tmp_path)) == list(before)


def test_an_item_keyed_by_the_text_the_fast_path_read_keeps_its_key_read_in_full(
    tmp_path: Path,
) -> None:
    """A description of a comment (WordPress's block marks) or a CDATA
    section, then markup, was read by the fast path to the comment's or the
    section's end; read whole now (by the robust path), an item of neither
    guid nor link, keyed by its text, was another item: posted again.  It is
    the item stored under the text read before, updated."""

    def document(*descriptions: str) -> bytes:
        items = "".join(
            f"<item><title>{title}</title><description>{description}</description>{dated}</item>"
            for (title, dated), description in zip(
                [("央行快讯", "<pubDate>Mon, 07 Dec 2026 10:00:00 +0800</pubDate>"), ("WP", "")],
                descriptions,
                strict=True,
            )
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>快讯</title>'
            f"<link>https://news.example.com/</link>{items}</channel></rss>"
        ).encode()

    write_config(tmp_path, FEEDS)
    # What releases before stored: each text to the section's or comment's end.
    (tmp_path / "feed.xml").write_bytes(document("<![CDATA[【央行】]]>", ""))
    assert "posts: 2 new" in cli("run", "-c", str(tmp_path / "feedmill.yml")).stdout
    (tmp_path / "feed.xml").write_bytes(
        document(
            "<![CDATA[【央行】]]><p>央行今日开展1000亿元逆回购操作。</p>",
            "<!-- wp:paragraph --><p>正文第一段</p><!-- /wp:paragraph -->",
        )
    )
    out = cli("run", "-c", str(tmp_path / "feedmill.yml")).stdout
    assert "posts: 0 new, 2 updated" in out, out
    texts = "".join(posts(tmp_path).values())
    assert "央行今日开展1000亿元逆回购操作" in texts and "正文第一段" in texts


@pytest.mark.parametrize(("dated", "listed"), [(True, "all"), (False, "all"), (True, "one")])
def test_items_of_one_title_the_fast_path_read_to_nothing_take_no_post_of_another(
    tmp_path: Path, dated: bool, listed: str
) -> None:
    """A daily digest of one title, neither guid nor link, whose description
    opens with WordPress's block mark: read to nothing before, each day's
    item named the key the first one was stored under, took its post (under
    its date, "updated") and sent that day's story out as new a pass late.
    The stored item is the one of its date — undated, the last listed (the
    oldest) — and takes its key, once; a feed that lists one item at a time
    brings each day's as new."""

    def document(*days: int) -> bytes:
        items = "".join(
            "<item><title>每日早报</title><description><!-- wp:paragraph -->"
            f"<p>{d}日早报：{d}号的新闻内容。</p><!-- /wp:paragraph --></description>"
            + (f"<pubDate>Mon, {d:02} Dec 2026 08:00:00 +0800</pubDate>" if dated else "")
            + "</item>"
            for d in days
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>早报</title>'
            f"<link>https://news.example.com/</link>{items}</channel></rss>"
        ).encode()

    write_config(tmp_path, FEEDS)
    config = str(tmp_path / "feedmill.yml")
    # What releases before stored: the text to the comment (none).
    empty = re.sub(rb"<description>.*?</description>", b"<description></description>", document(7))
    (tmp_path / "feed.xml").write_bytes(empty)
    assert "posts: 1 new" in cli("run", "-c", config).stdout
    (first,) = posts(tmp_path)
    passes = [(8, 7), (9, 8, 7), (10, 9, 8, 7)] if listed == "all" else [(8,), (9,), (10,)]
    for number, days in enumerate(passes):
        listing = document(*days)
        if number == 0:  # (re-dated by its route within the hour: still the stored one)
            listing = listing.replace(b"07 Dec 2026 08:00", b"07 Dec 2026 09:00")
        (tmp_path / "feed.xml").write_bytes(listing)
        out = cli("run", "-c", config).stdout
        # (Listed all, the first pass takes the stored item back: its text, read whole.)
        updated = 1 if listed == "all" and number == 0 else 0
        assert f"posts: 1 new, {updated} updated" in out, out
    written = posts(tmp_path)
    texts = sorted(re.findall(r"(\d+)日早报", "".join(written.values())))
    assert texts == (["10", "7", "8", "9"] if listed == "all" else ["10", "8", "9"])
    # The first post is day 7's still (or as it was, where day 7 was listed no more).
    assert re.findall(r"(\d+)日早报", written[first]) == (["7"] if listed == "all" else [])
    if dated and listed == "all":
        # … known by its own key now: re-dated by its route, it is no new item.
        redated = document(10, 9, 8, 7).replace(b"07 Dec 2026 08:00", b"07 Dec 2026 09:00")
        (tmp_path / "feed.xml").write_bytes(redated)
        assert "posts: 0 new" in cli("run", "-c", config).stdout
        assert len(posts(tmp_path)) == 4


def test_a_twice_daily_digest_read_to_nothing_before_takes_not_the_mornings_post(
    tmp_path: Path,
) -> None:
    """Read to nothing before, the evening's digest (ten hours on) took the
    morning's post, under the morning's date; a route's re-dating is of an
    hour or two."""

    def document(hour: int, text: str) -> bytes:
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>早报</title>'
            "<link>https://news.example.com/</link><item><title>财经早晚报</title>"
            f"<description>{text}</description>"
            f"<pubDate>Mon, 07 Dec 2026 {hour:02}:00:00 +0800</pubDate></item></channel></rss>"
        ).encode()

    write_config(tmp_path, FEEDS)
    config = str(tmp_path / "feedmill.yml")
    (tmp_path / "feed.xml").write_bytes(document(8, ""))  # (as releases before stored it)
    assert "posts: 1 new" in cli("run", "-c", config).stdout
    evening = "<!-- wp:paragraph --><p>晚报：收盘点评。</p><!-- /wp:paragraph -->"
    (tmp_path / "feed.xml").write_bytes(document(18, evening))
    assert "posts: 1 new, 0 updated" in cli("run", "-c", config).stdout
    assert len(posts(tmp_path)) == 2


def test_a_redated_picture_stored_before_pictures_were_keyed_is_found_again(
    tmp_path: Path,
) -> None:
    """A 每日一图 of one caption stored under its title and text alone, its
    route re-dating it on each fetch: its pictures tell it from the next
    day's, whatever its date says now (a date rule posted it twice)."""
    import hashlib

    from feedmill.normalize.text import keyed_text
    from feedmill.store.entries import key_hash

    def picture(day: int, hour: int) -> Item:
        html = f'<p><img src="https://img.example/{day}.jpg"></p><p>每日一图</p>'
        return Item(
            title="每日一图", html=html, pub_date=f"Mon, {day:02} Dec 2026 {hour:02}:00:00 +0800"
        )

    write_config(tmp_path, FEEDS)
    assert "posts: 1 new" in publish(tmp_path, [picture(8, 8)])
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        ((entry_id, title, content),) = db.execute("SELECT id, title, content FROM entries")
        text = f"{title}\n{keyed_text(content)}"
        key = f"sha256:{hashlib.sha256(text.encode()).hexdigest()}"
        db.execute(
            "UPDATE entries SET key = ?, key_hash = ? WHERE id = ?", (key, key_hash(key), entry_id)
        )
    assert "posts: 1 new, 0 updated, 1 unchanged" in publish(
        tmp_path, [picture(9, 9), picture(8, 9)]
    )
    shown = [set(re.findall(r"img\.example/(\d+)\.jpg", text)) for text in posts(tmp_path).values()]
    assert sorted(shown, key=sorted) == [{"8"}, {"9"}]


def test_a_corrected_flash_beside_one_found_under_its_earlier_key_is_found_too(
    tmp_path: Path,
) -> None:
    """Flashes of one list page's link, stored under escaped guids: one found
    under its earlier key kept its entry among those a link matches, the
    other — retitled, a picture added — was matched to it, and posted again."""

    page = "https://www.stcn.com/kuaixun/"
    flashes = [
        Item(title=f"快讯{n}：央行开展逆回购操作", guid=f"kx_{n}&src=7", link=page,
             html=f"<p>第{n}条快讯的正文。</p>")
        for n in range(2)
    ]  # fmt: skip
    broken = [*flashes, Item(title="坏\x08标题", guid="kx_9", link="https://www.stcn.com/kx9")]
    write_config(tmp_path, FEEDS)
    assert "posts: 3 new" in publish(tmp_path, broken)
    _store_guids_escaped(tmp_path, 2)
    fixed = replace(
        flashes[0],
        title="快讯0：央行开展逆回购操作（更正）",
        html=flashes[0].html + '<p><img src="https://i.example/a.jpg"></p>',
    )
    (tmp_path / "feed.xml").write_bytes(rss("证券时报网 - 要闻", [fixed, *broken[1:]]) + b"<!---->")
    out = cli("run", "-c", str(tmp_path / "feedmill.yml")).stdout
    assert "posts: 0 new" in out, out
    assert len(posts(tmp_path)) == 3


def test_items_whose_picture_is_their_enclosure_alone_are_each_posted(tmp_path: Path) -> None:
    """A 每日一图 whose picture is its enclosure (or thumbnail) alone, listed
    a day at a time: each day's took the last one's post."""

    def document(days: list[int]) -> bytes:
        items = "".join(
            f"<item><title>每日一图</title><pubDate>Mon, {d:02} Dec 2026 08:00:00 GMT</pubDate>"
            f"<description>&lt;p&gt;今日图片&lt;/p&gt;</description>"
            f'<enclosure url="https://img.example/12{d:02}.jpg" type="image/jpeg" length="1"/></item>'
            for d in days
        )
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>图</title>{items}</channel></rss>'.encode()

    write_config(tmp_path, FEEDS)
    for days, said in (([5], "1 new"), ([6], "1 new, 0 updated"), ([7, 6], "1 new, 0 updated")):
        (tmp_path / "feed.xml").write_bytes(document(days))
        out = cli("run", "-c", str(tmp_path / "feedmill.yml")).stdout
        assert f"posts: {said}" in out, (days, out)
    assert len(posts(tmp_path)) == 3


def test_undated_items_only_their_pictures_tell_apart_stay_each_itself(tmp_path: Path) -> None:
    """Undated, the oldest dropped: the new day's item took the post of the
    one that left, taken for it edited (one title and text)."""

    def picture(day: int) -> Item:
        html = f'<p>今日图片</p><p><img src="https://img.example/12{day:02}.jpg"></p>'
        return Item(title="每日一图", html=html, pub_date=None)

    write_config(tmp_path, FEEDS)
    assert "posts: 1 new" in publish(tmp_path, [picture(5)])
    assert "posts: 1 new, 0 updated" in publish(tmp_path, [picture(6), picture(5)])
    assert "posts: 1 new, 0 updated" in publish(tmp_path, [picture(7), picture(6)])
    shown = sorted(re.findall(r"img\.example/(\d+)\.jpg", "".join(posts(tmp_path).values())))
    assert sorted(set(shown)) == ["1205", "1206", "1207"]
    # A picture's address a cache-buster or a signature writes anew on each
    # fetch (`&amp;` between its parameters, as markup writes them): the same
    # item (its post rewritten with it, as any edit), not another each time.
    busted = Item(
        title="快讯",
        html='<p>图</p><img src="https://img.example/a.jpg?rnd=483920175&amp;ssig=x1">',
        pub_date=None,
    )
    assert "posts: 1 new" in publish(tmp_path, [busted])
    again = replace(busted, html=busted.html.replace("483920175", "102938475"))
    again = replace(again, html=again.html.replace("x1", "x2"))
    assert "posts: 0 new" in publish(tmp_path, [again])
    assert len(posts(tmp_path)) == 4


def test_config_change_restyles_posts(tmp_path: Path) -> None:
    write_config(tmp_path, FEEDS)
    publish(tmp_path, items(2))
    write_config(tmp_path, [{**FEEDS[0], "channel": "头条"}])
    out = cli("run", "-c", str(tmp_path / "feedmill.yml")).stdout
    assert "posts: 0 new, 2 updated" in out
    assert all("\n - 头条\n" in text for text in posts(tmp_path).values())


def test_config_change_restyles_only_that_feeds_posts(tmp_path: Path) -> None:
    other = {"url": "other.xml", "group": "科技", "source": "开源中国"}
    (tmp_path / "other.xml").write_bytes(
        rss("开源中国 - 资讯", [Item(title=f"资讯{i}", guid=f"o-{i}") for i in range(2)])
    )
    write_config(tmp_path, [*FEEDS, other])
    publish(tmp_path, items(2))
    before = posts(tmp_path)
    write_config(tmp_path, [FEEDS[0], {**other, "channel": "开源"}])
    out = cli("run", "-c", str(tmp_path / "feedmill.yml")).stdout
    # Each post counted once: the restyled two updated, the other feed's two unchanged.
    assert "posts: 0 new, 2 updated, 2 unchanged" in out
    after = posts(tmp_path)
    changed = {name for name in after if after[name] != before[name]}
    assert len(changed) == 2
    assert all("\n - 开源\n" in after[name] for name in changed)


def test_a_restyle_counts_each_post_once_and_no_other_feeds(tmp_path: Path) -> None:
    """A feed that lists fewer items than it has posts (the rest dropped out of
    it): its restyled posts are updated, the other feed's still unchanged."""
    other = {"url": "other.xml", "group": "科技", "source": "开源中国"}
    (tmp_path / "other.xml").write_bytes(
        rss("开源中国 - 资讯", [Item(title=f"资讯{i}", guid=f"o-{i}") for i in range(5)])
    )
    write_config(tmp_path, [*FEEDS, other])
    publish(tmp_path, items(3))
    publish(tmp_path, items(1))  # two of its items drop out; their posts stay
    write_config(tmp_path, [{**FEEDS[0], "source": "证券时报"}, other])
    out = cli("run", "-c", str(tmp_path / "feedmill.yml")).stdout
    assert "posts: 0 new, 3 updated, 5 unchanged" in out


def _lose_database(site: Path) -> None:
    for path in (site / ".feedmill").glob("state.db*"):
        path.unlink()


def test_a_lost_database_does_not_give_a_retitled_item_a_second_file(tmp_path: Path) -> None:
    """The database is gone (a new machine, a CI cache evicted): each item
    finds its post by the key digest its file name ends with, and rewrites
    that file even though its title changed meanwhile."""
    write_config(tmp_path, FEEDS)
    publish(tmp_path, items(3))
    before = set(posts(tmp_path))
    _lose_database(tmp_path)
    out = publish(tmp_path, items(3, title1="第1条新闻改了标题"))
    assert "posts: 0 new, 1 updated, 2 unchanged" in out  # (found again: none new)
    after = posts(tmp_path)
    assert set(after) == before
    assert sum("第1条新闻改了标题" in text for text in after.values()) == 1
    # Known again: the next pass changes nothing.
    assert "posts: 0 new, 0 updated" in publish(tmp_path, items(3, title1="第1条新闻改了标题"))


@pytest.mark.parametrize("dated", [True, False])
def test_a_lost_database_keeps_each_days_post_of_a_feed_listing_one_item_under_one_guid(
    tmp_path: Path, dated: bool
) -> None:
    """A feed that gives every item the site's address as its guid names
    every post's file by that guid — until the store tells the items apart.
    The database lost, today's item finds yesterday's post under the guid:
    another story (another date; undated, another title), it takes a file
    of its own, and an item told apart before finds its own post again."""
    brief = partial(_brief, dated=dated)
    write_config(tmp_path, FEEDS, dedupe=False)
    publish(tmp_path, [brief(19, "周一简报")])
    monday = posts(tmp_path)
    _lose_database(tmp_path)
    assert "posts: 1 new, 0 updated" in publish(tmp_path, [brief(20, "周二简报")])
    both = posts(tmp_path)
    assert len(both) == 2 and all(both[name] == text for name, text in monday.items())
    _lose_database(tmp_path)
    # Tuesday's post is found by its told-apart key: written again as it was.
    assert "posts: 0 new, 0 updated, 1 unchanged" in publish(tmp_path, [brief(20, "周二简报")])
    assert posts(tmp_path) == both
    assert "posts: 0 new, 0 updated" in publish(tmp_path, [brief(20, "周二简报")])
    _lose_database(tmp_path)
    assert "posts: 1 new, 0 updated" in publish(tmp_path, [brief(21, "周三简报")])
    after = posts(tmp_path)
    assert len(after) == 3 and all(after[name] == text for name, text in both.items())


@pytest.mark.parametrize(
    ("change", "files"),
    [
        ("re-dated", 1),  # the same story, dated anew by its feed: its post
        ("retitled", 1),  # its headline corrected: its post
        ("the same title, another text", 2),  # a daily brief of one title: another day's
    ],
)
def test_a_lost_database_tells_a_site_guids_story_by_its_text(
    tmp_path: Path, change: str, files: int
) -> None:
    """Under a site's address as guid, a post of another date was taken for
    another story: the same item re-dated got a second file."""
    text = "<p>央行今日开展1000亿元7天期逆回购操作，中标利率1.8%。当日有200亿元逆回购到期。</p>"
    monday = Item("每日简报", text, "http://ex.org/", "http://ex.org/b/1", "Mon, 19 Sep 2022 08:00:00 GMT")  # fmt: skip
    write_config(tmp_path, FEEDS, dedupe=False)
    publish(tmp_path, [monday])
    _lose_database(tmp_path)
    later = replace(monday, pub_date="Tue, 20 Sep 2022 09:30:00 GMT")
    if change == "retitled":
        later = replace(later, title="每日简报（更正）")
    elif change == "the same title, another text":
        later = replace(later, html="<p>沪指今日收涨0.8%，创业板指涨1.2%，两市成交额9000亿元。</p>")
    publish(tmp_path, [later])
    assert len(posts(tmp_path)) == files


# One story that two feeds carry (the lost-database test below).
STORY = Item(
    title="央行今日开展1000亿元逆回购操作",
    guid="https://www.example.com/news/1.html",
    link="https://www.example.com/news/1.html",
    html="<p>中国人民银行今日以利率招标方式开展了1000亿元7天期逆回购操作，"
    "中标利率为1.80%，与此前持平。当日有200亿元逆回购到期。</p>",
)
TWO_FEEDS = [
    {"url": "x.xml", "group": "财经", "source": "甲站"},
    {"url": "y.xml", "group": "财经", "source": "乙站"},
]


def test_a_lost_database_leaves_posts_a_rule_added_since_would_hold_back_its_feeds(
    tmp_path: Path,
) -> None:
    """Rules judge an item when it first comes: after a lost database, a post
    on the site is no new item (a `max_age` added since, and its items are old
    now).  Held back, its file was left on the site untracked: no edit of its
    item reached it, retention never counted it."""
    write_config(tmp_path, FEEDS)
    publish(tmp_path, items(2))
    before = set(posts(tmp_path))
    _lose_database(tmp_path)
    write_config(tmp_path, FEEDS, rules={"max_age": "1h", "block": [{"title": "第1条"}]})
    out = publish(tmp_path, items(2, title1="第1条新闻（更正）"))
    assert "blocked" not in out and set(posts(tmp_path)) == before
    assert sum("第1条新闻（更正）" in text for text in posts(tmp_path).values()) == 1
    [row] = json.loads(cli("status", "--json", "-c", str(tmp_path / "feedmill.yml")).stdout)
    assert (row["posts"], row["blocked"]) == (2, 0)
    # A new item is judged as ever.
    out = publish(tmp_path, [*items(2, title1="第1条新闻（更正）"), Item("第1条快讯", guid="g-9")])
    assert "1 blocked" in out


def test_a_lost_database_removes_no_post_the_site_had(tmp_path: Path) -> None:
    """Both feeds' posts of a story on the site (posted while dedupe was off):
    the database lost with dedupe on, one copy is held back — and both files
    stay, as they were."""
    (tmp_path / "x.xml").write_bytes(rss("甲站 - 要闻", [STORY]))
    (tmp_path / "y.xml").write_bytes(rss("乙站 - 要闻", [STORY]))
    config = str(write_config(tmp_path, TWO_FEEDS, dedupe=False))
    assert "posts: 2 new" in cli("run", "-c", config).stdout
    before = set(posts(tmp_path))
    write_config(tmp_path, TWO_FEEDS)
    _lose_database(tmp_path)
    assert "1 duplicate " in cli("run", "-c", config).stdout
    assert set(posts(tmp_path)) == before


def test_a_lost_database_counts_the_posts_it_finds_on_the_site_unchanged(
    tmp_path: Path,
) -> None:
    """A site restored without its database: every post found again, as it
    was, was said "N new" — duplicates, to a reader of the summary.  A post
    found under an older form is rewritten: updated."""
    items = [Item(title=f"第{n}条", guid=f"g-{n}", html=f"<p>正文{n}</p>") for n in range(3)]
    (tmp_path / "a.xml").write_bytes(rss("证券时报网 - 要闻", items))
    config = str(write_config(tmp_path, [{"url": "a.xml", "group": "金融", "source": "证券"}]))
    assert "posts: 3 new" in cli("run", "-c", config).stdout
    _lose_database(tmp_path)
    name, text = sorted(posts(tmp_path).items())[0]
    (tmp_path / "source" / "_posts" / name).write_text(
        text.replace("</div>\n", "</div>\n<!-- an older form -->\n"), encoding="utf-8"
    )
    result = cli("run", "-c", config)
    assert "posts: 0 new, 1 updated, 2 unchanged" in result.stdout, result.stdout


@pytest.mark.parametrize("date_style", ["rfc822", "local"])
def test_a_lost_database_keeps_the_dates_the_posts_show(tmp_path: Path, date_style: str) -> None:
    """The posts' URLs hold their dates: an undated item (dated by the day it
    was first seen) and one the feed re-dated since keep those of their posts
    when the database is gone (a CI cache evicted every few days)."""
    write_config(tmp_path, FEEDS, date_style=date_style)
    first = "Tue, 20 Sep 2022 23:50:00 GMT"
    publish(
        tmp_path,
        [Item("降准", guid="g-1", pub_date=first), Item("快讯", guid="g-2", pub_date=None)],
    )
    before = posts(tmp_path)
    _lose_database(tmp_path)
    later = "Wed, 21 Sep 2022 00:20:00 GMT"
    redated = [Item("降准", guid="g-1", pub_date=later), Item("快讯", guid="g-2", pub_date=None)]
    assert "posts: 0 new, 0 updated, 2 unchanged" in publish(tmp_path, redated)
    assert posts(tmp_path) == before
    assert "posts: 0 new, 0 updated" in publish(tmp_path, redated)


def test_post_is_recorded_only_after_its_file_exists(tmp_path: Path) -> None:
    """A pass killed between storing entries and writing files is completed next time."""
    write_config(tmp_path, FEEDS)
    publish(tmp_path, items(2))
    db = sqlite3.connect(tmp_path / ".feedmill" / "state.db")
    # Simulate the crash: the entries are stored, the files were never written.
    db.execute("UPDATE posts SET state = 'pending', written_version = NULL")
    db.commit()
    names = [r[0] for r in db.execute("SELECT file_name FROM posts")]
    db.close()
    for name in names:
        (tmp_path / "source" / "_posts" / name).unlink()
    (tmp_path / "source" / "_posts" / ".feedmill-tmp").mkdir(exist_ok=True)
    (tmp_path / "source" / "_posts" / ".feedmill-tmp" / "999-abc").write_text("half a post")

    out = cli("run", "-c", str(tmp_path / "feedmill.yml")).stdout
    # Two posts, new: not also "2 unchanged" with their unchanged feed.
    assert "posts: 2 new, 0 updated, 0 unchanged" in out
    assert sorted(posts(tmp_path)) == sorted(names)
    leftovers = tmp_path / "source" / "_posts" / ".feedmill-tmp"
    assert not leftovers.exists() or not any(leftovers.iterdir())


def test_a_site_moved_away_mid_pass_is_not_made_again(tmp_path: Path) -> None:
    """What a pass writes into the site makes folders inside it, never the
    site folder itself: one moved away under a daemon came back empty, and
    the daemon's passes posted there for good."""
    from feedmill.publish.writer import write_if_changed

    site = tmp_path / "site"
    posts_dir = site / "source" / "_posts"
    posts_dir.mkdir(parents=True)
    lock = SiteLock(posts_dir, site)
    lock.acquire()
    site.rename(tmp_path / "moved")
    with pytest.raises(FileNotFoundError):
        write_if_changed(posts_dir / "a.md", b"post")
    with pytest.raises(FileNotFoundError, match="the site folder is gone"):
        lock.ensure()
    assert not site.exists()
    lock.release()


@pytest.mark.parametrize("with_site", [False, True])
def test_one_feedmill_at_a_time_per_site(tmp_path: Path, with_site: bool) -> None:
    """The holder's pid is named — also where the site folder's lock, taken
    first (as a real pass holds it), is the one found busy."""
    write_config(tmp_path, FEEDS)
    (tmp_path / "feed.xml").write_bytes(rss("证券时报网 - 要闻", items(2)))
    posts_dir = tmp_path / "source" / "_posts"
    # As a daemon's pass would hold it.
    daemon = SiteLock(posts_dir, tmp_path) if with_site else SiteLock(posts_dir)
    daemon.acquire()
    try:
        for command in ("run", "publish"):
            busy = cli(command, "-c", str(tmp_path / "feedmill.yml"))
            assert busy.code == 75
            assert f"another feedmill (pid {os.getpid()}) is publishing to" in busy.stderr
        assert posts(tmp_path) == {}
    finally:
        daemon.release()
    assert cli("run", "-c", str(tmp_path / "feedmill.yml")).code == 0
    assert len(posts(tmp_path)) == 2


def test_a_pid_left_by_a_killed_run_is_not_named_for_the_sites_holder(tmp_path: Path) -> None:
    """The site's holder writes its pid in its own posts folder (another,
    a `source_dir` read before an edit): this folder's file holds the pid
    of a run killed with -9, which is no holder."""
    import subprocess

    from feedmill.publish.sitelock import SiteBusy

    gone = subprocess.Popen(["true"])
    gone.wait()
    posts_dir = tmp_path / "source" / "_posts"
    posts_dir.mkdir(parents=True)
    (posts_dir / ".feedmill.lock").write_text(f"{gone.pid}\n", encoding="ascii")
    holder = SiteLock(tmp_path / "source" / "_old_posts", tmp_path)
    holder.acquire()
    try:
        with pytest.raises(SiteBusy) as busy:
            SiteLock(posts_dir, tmp_path).acquire()
        assert str(busy.value).startswith(f"another feedmill is publishing to {tmp_path};")
    finally:
        holder.release()


def test_a_posts_folder_made_again_is_locked_again_before_the_next_pass(tmp_path: Path) -> None:
    """A daemon's lock on a file since deleted (the folder removed by hand or
    by a deploy) locked nothing: each pass takes it again on the new file."""
    import shutil

    from feedmill.publish.sitelock import SiteBusy

    posts_dir = tmp_path / "source" / "_posts"
    daemon = SiteLock(posts_dir)
    daemon.acquire()
    try:
        shutil.rmtree(posts_dir)
        daemon.ensure()  # as the daemon's next pass starts
        with pytest.raises(SiteBusy):
            SiteLock(posts_dir).acquire()
        # Another feedmill that took the new folder first keeps it.
        shutil.rmtree(posts_dir)
        other = SiteLock(posts_dir)
        other.acquire()
        with pytest.raises(SiteBusy):
            daemon.ensure()  # this pass fails; the daemon tries again later
        other.release()
        daemon.ensure()
        with pytest.raises(SiteBusy):
            SiteLock(posts_dir).acquire()
    finally:
        daemon.release()


def test_the_sites_own_lock_outlives_its_posts_folder_made_again(tmp_path: Path) -> None:
    """A daemon whose posts folder was made again took the new one and let go
    of the site folder's lock: a run reading an edited `source_dir` then
    locked another posts folder and moved the posts from under it."""
    import shutil

    from feedmill.publish.sitelock import SiteBusy

    posts_dir = tmp_path / "source" / "_posts"
    daemon = SiteLock(posts_dir, tmp_path)
    daemon.acquire()
    try:
        shutil.rmtree(posts_dir)
        daemon.ensure()
        (tmp_path / "src" / "_posts").mkdir(parents=True)
        (tmp_path / "src" / "_posts" / ".feedmill.lock").write_text("4242\n")  # a kill -9's
        with pytest.raises(SiteBusy) as busy:
            SiteLock(tmp_path / "src" / "_posts", tmp_path).acquire()
        # (Its pid is in the other posts folder's lock file: not "pid ?", nor
        # the pid a run killed with -9 left in this one's.)
        assert str(busy.value).startswith(f"another feedmill is publishing to {tmp_path};")
    finally:
        daemon.release()
    # A site that is its own posts folder (`source_dir: ..`) is not refused by itself.
    (tmp_path / "_posts").mkdir()
    alone = SiteLock(tmp_path / "_posts", tmp_path / "_posts")
    alone.acquire()
    alone.release()


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("source/_posts", "src/_posts"),
        (".", "source/_posts"),  # a site that is its own posts folder (`source_dir: ..`)
        ("source/_posts", "."),
    ],
)
def test_a_daemons_lock_passes_to_another_posts_folder_of_its_site_and_back(
    tmp_path: Path, before: str, after: str
) -> None:
    """`source_dir` edited under a daemon: its lock moves to the new posts
    folder (it refused itself where the site is its own posts folder), and
    an edit that cannot be applied gives the old one back whole."""
    from feedmill.publish.sitelock import SiteBusy

    old, new = tmp_path / before, tmp_path / after
    daemon = SiteLock(old, tmp_path)
    daemon.acquire()
    moved = daemon.moved(new, tmp_path)
    for other in (old, new):
        with pytest.raises(SiteBusy):
            SiteLock(other, tmp_path).acquire()
    daemon.restore(moved)  # the edit not applied: as it was
    for other in (old, new):
        with pytest.raises(SiteBusy):
            SiteLock(other, tmp_path).acquire()
    again = daemon.moved(new, tmp_path)
    daemon.release()
    again.release()
    free = SiteLock(old, tmp_path)
    free.acquire()
    free.release()


def test_a_lock_file_deleted_under_a_run_keeps_the_site_locked(tmp_path: Path) -> None:
    """`git clean -fdX` in the site (the lock file is in its .gitignore) under
    a daemon: a second feedmill locked a new file and wrote beside it."""
    from feedmill.publish.sitelock import LOCK_NAME, SiteBusy

    posts_dir = tmp_path / "source" / "_posts"
    daemon = SiteLock(posts_dir)
    daemon.acquire()
    try:
        (posts_dir / LOCK_NAME).unlink()
        with pytest.raises(SiteBusy, match=r"another feedmill is publishing"):
            SiteLock(posts_dir).acquire()
        daemon.ensure()  # the next pass: the file made again, with the pid
        assert (posts_dir / LOCK_NAME).read_text() == f"{os.getpid()}\n"
        with pytest.raises(SiteBusy, match=f"pid {os.getpid()}"):
            SiteLock(posts_dir).acquire()
    finally:
        daemon.release()
    again = SiteLock(posts_dir)
    again.acquire()  # released: free
    again.release()


def test_a_full_disk_at_the_lock_holds_the_lock_all_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock's pid cannot be written on a full disk: the lock is held all
    the same (the pass then stores the feeds before it fails on the posts,
    rather than storing nothing), and another feedmill is kept out."""
    import errno

    from feedmill.publish.sitelock import SiteBusy

    posts_dir = tmp_path / "source" / "_posts"
    posts_dir.mkdir(parents=True)

    def full(*_args: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "pwrite", full)
    held = SiteLock(posts_dir)
    held.acquire()
    monkeypatch.undo()
    with pytest.raises(SiteBusy):
        SiteLock(posts_dir).acquire()
    held.release()
    lock = SiteLock(posts_dir)  # let go of
    lock.acquire()
    lock.release()


def test_a_killed_run_leaves_no_lock_behind(tmp_path: Path) -> None:
    write_config(tmp_path, FEEDS)
    (tmp_path / "feed.xml").write_bytes(rss("证券时报网 - 要闻", items(2)))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_AND_WAIT, str(tmp_path / "source" / "_posts")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    assert cli("run", "-c", str(tmp_path / "feedmill.yml")).code == 75
    holder.kill()
    holder.wait()
    assert cli("run", "-c", str(tmp_path / "feedmill.yml")).code == 0


def test_a_mill_that_fails_to_start_leaves_the_site_free(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(write_config(tmp_path, FEEDS))

    def unreadable(_: Path | None) -> tuple[Path, str]:
        raise OSError("template unreadable")

    with monkeypatch.context() as patched:
        patched.setattr(pipeline, "read_template", unreadable)
        with pytest.raises(OSError):
            pipeline.Mill(config)
    with pipeline.Mill(config):  # the lock was released, not leaked with the failure
        pass


HOLD_AND_WAIT = """
import sys, time
from pathlib import Path
from feedmill.publish.sitelock import SiteLock
SiteLock(Path(sys.argv[1])).acquire()
print("locked", flush=True)
time.sleep(60)
"""


def test_status_reports_every_feed(tmp_path: Path) -> None:
    write_config(tmp_path, [*FEEDS, {"url": "missing.xml", "group": "g", "source": "s"}])
    out = publish(tmp_path, items(2))
    assert "1 failed" in out
    result = cli("status", "-c", str(tmp_path / "feedmill.yml"), "--json")
    assert result.code == 0
    rows = {row["url"]: row for row in json.loads(result.stdout)}
    good, bad = rows["feed.xml"], rows["missing.xml"]
    assert good["items"] == 2 and good["posts"] == 2 and good["last_error"] is None
    assert good["last_success"] and good["last_attempt"]
    assert bad["posts"] == 0 and bad["last_success"] is None
    assert "no such file" in bad["last_error"] and bad["error_streak"] == 1
    table = cli("status", "-c", str(tmp_path / "feedmill.yml"))
    assert table.code == 0 and "no such file" in table.stdout
    assert table.stdout.rstrip().endswith("2 feeds: 1 ok, 1 failing")


def test_status_tells_when_nothing_has_polled_the_feeds_for_long(tmp_path: Path) -> None:
    """A dead daemon or cron job: feeds long past their due time are
    overdue, in the table, the tally and --json (for a monitor)."""
    write_config(tmp_path, [*FEEDS, {"url": "other.xml", "group": "g", "source": "s"}])
    (tmp_path / "other.xml").write_bytes(rss("其他", items(1)))
    publish(tmp_path, items(2))
    config = str(tmp_path / "feedmill.yml")
    assert "overdue" not in cli("status", "-c", config).stdout
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:  # three days later
        db.execute(
            "UPDATE feeds SET last_attempt_at = datetime(last_attempt_at, '-3 days'),"
            " next_attempt_at = datetime(next_attempt_at, '-3 days') WHERE url = 'feed.xml'"
        )
    rows = {row["url"]: row for row in json.loads(cli("status", "-c", config, "--json").stdout)}
    assert rows["feed.xml"]["overdue"] is True and rows["other.xml"]["overdue"] is False
    table = cli("status", "-c", config).stdout
    assert "overdue 2d" in table
    # One line, whatever the width (cron's mail, `status | tail -1`): it was
    # folded at 80 columns.
    assert table.splitlines()[-1] == (
        "2 feeds: 2 ok, 0 failing, 1 overdue (is a daemon or cron job running `feedmill run`?)"
    )


def test_status_shows_a_last_attempt_ahead_of_the_clock_as_such(tmp_path: Path) -> None:
    """The clock set back since a run (a machine whose clock ran ahead, put
    right): its times are no "0s ago", and the feed is due at once."""
    write_config(tmp_path, FEEDS)
    publish(tmp_path, items(2))
    config = str(tmp_path / "feedmill.yml")
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        db.execute(
            "UPDATE feeds SET last_attempt_at = datetime('now', '+3 hours', '+630 seconds'),"
            " last_success_at = datetime('now', '+3 hours', '+630 seconds'),"
            " next_attempt_at = datetime('now', '+4 hours')"
        )
    table = cli("status", "-c", config).stdout
    assert table.count("3h10m ahead of the clock") == 2, table
    assert "0s ago" not in table
    assert "feeds: 0 ok, 1 unchanged, 0 failed ·" in cli("run", "-c", config, "--due").stdout


def test_status_cuts_a_long_url_as_it_cuts_a_long_category(tmp_path: Path) -> None:
    """A failing feed's row names its URL: one of 218 characters (an RSSHub
    route with its filters) set the first column's width, and every row of
    the table wrapped."""
    route = (
        "http://127.0.0.1:9/weibo/keyword/%E5%A4%AE%E8%A1%8C%E9%99%8D%E5%87%86%E9%99%8D%E6%81%AF"
        "%E8%B4%A7%E5%B8%81%E6%94%BF%E7%AD%96?filter_title=%E5%A4%AE%E8%A1%8C%7C%E9%99%8D%E5%87"
        "%86%7C%E9%99%8D%E6%81%AF%7CLPR%7CMLF&limit=50"
    )
    write_config(tmp_path, [*FEEDS, {"url": route, "group": "金融", "source": "微博"}])
    (tmp_path / "feed.xml").write_bytes(rss("证券时报网 - 要闻", items(2)))
    config = str(tmp_path / "feedmill.yml")
    assert cli("run", "-c", config).code == 0
    table = cli("status", "-c", config).stdout
    lines = table.splitlines()
    [shown] = [line.strip() for line in lines if line.strip().startswith("http://127.0.0.1:9/")]
    assert shown.startswith("http://127.0.0.1:9/weibo/keyword/") and shown.endswith("MLF&limit=50")
    assert "…" in shown and len(shown) == 60
    # The columns start where a 60-column name column ends, not past the URL.
    assert lines[0].index("last attempt") <= 62, table


def _status_on_a_full_disk(site: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """`status` (or ``command``) where no file may grow past 4 KiB: SQLite
    cannot size the shared memory its write-ahead log needs (32 KiB), as on
    a full disk (where it says the same "disk I/O error")."""

    def no_room() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    return subprocess.run(
        [sys.executable, "-B", "-m", "feedmill", *(command or ("status",)), "-c", str(site)],
        capture_output=True,
        text=True,
        preexec_fn=no_room,
        timeout=120,
    )


def test_status_reads_the_database_read_only_when_it_cannot_be_opened_to_write(
    tmp_path: Path,
) -> None:
    """A full disk is when `status` is asked why the runs fail: it said
    "cannot open the state database …: disk I/O error" and showed nothing."""
    write_config(tmp_path, FEEDS)
    publish(tmp_path, items(2))
    shown = _status_on_a_full_disk(tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "金融 / 证券时报网 / 要闻" in shown.stdout and "1 feed: 1 ok" in shown.stdout
    assert "disk I/O error; what follows is read from it read-only" in shown.stderr
    assert "not shown" not in shown.stderr  # nothing was left in its log
    # Its database left as it was: the next run, with room, goes on from it.
    assert "posts: 0 new, 0 updated, 2 unchanged" in cli("run", "-c", str(tmp_path)).stdout


def test_search_reads_the_database_read_only_when_it_cannot_be_opened_to_write(
    tmp_path: Path,
) -> None:
    """As `status`: `search` said "cannot open the state database …" and
    found nothing where the database could be read."""
    write_config(tmp_path, FEEDS)
    publish(tmp_path, items(2))
    assert cli("search", "-c", str(tmp_path), "新闻").code == 0  # (the index built)
    shown = _status_on_a_full_disk(tmp_path, "search", "--json", "新闻")
    assert shown.returncode == 0, shown.stderr
    assert len(json.loads(shown.stdout)) == 2
    assert "what follows is read from it read-only" in shown.stderr


def test_status_read_only_says_when_writes_still_in_the_log_are_not_shown(
    tmp_path: Path,
) -> None:
    write_config(tmp_path, FEEDS)
    publish(tmp_path, items(2))
    state = tmp_path / ".feedmill" / "state.db"
    copy = tmp_path / "copy"
    (copy / ".feedmill").mkdir(parents=True)
    shutil.copy(tmp_path / "feedmill.yml", copy)
    shutil.copytree(tmp_path / "source", copy / "source")
    db = sqlite3.connect(state)
    try:  # a write still in the log, not in the file: a pass killed, say
        db.execute("PRAGMA wal_autocheckpoint=0")
        db.execute("UPDATE feeds SET last_error = 'later' ")
        db.commit()
        for name in ("state.db", "state.db-wal"):
            shutil.copy(state.with_name(name), copy / ".feedmill" / name)
    finally:
        db.close()
    shown = _status_on_a_full_disk(copy)
    assert shown.returncode == 0, shown.stderr
    assert "1 feed: 1 ok, 0 failing" in shown.stdout  # as the file alone has it
    assert "the writes still in state.db-wal are not shown" in shown.stderr


def test_status_can_list_only_the_failing_feeds(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        [
            *FEEDS,
            {"url": "missing.xml", "group": "g", "source": "s"},
            {"url": "later.xml", "group": "g", "source": "s"},
        ],
    )
    (tmp_path / "feed.xml").write_bytes(rss("证券时报网 - 要闻", items(2)))
    config = str(tmp_path / "feedmill.yml")
    assert cli("run", "-c", config, "--feed", "feed.xml", "--feed", "missing.xml").code == 0
    rows = json.loads(cli("status", "-c", config, "--json", "--failing").stdout)
    assert [row["url"] for row in rows] == ["missing.xml"]
    table = cli("status", "-c", config, "--failing").stdout
    assert "missing.xml" in table and "feed.xml" not in table
    # The tally still counts every feed.
    assert table.rstrip().endswith("3 feeds: 1 ok, 1 failing, 1 not fetched yet")


@pytest.mark.parametrize(
    ("dedupe", "search", "rules", "extra"),
    [
        (True, True, True, ["feedmill.filter.dedupe.preload", "feedmill.search.preload"]),
        (False, True, False, ["feedmill.search.preload"]),
        (False, False, True, ["feedmill.filter.preload"]),
        (False, False, False, []),
    ],
)
def test_the_forkserver_preloads_what_its_workers_will_need(
    dedupe: bool, search: bool, rules: bool, extra: list[str]
) -> None:
    """Only what the config turns on, Ctrl-C ignored first, and the GC frozen last."""
    from feedmill.pipeline import forkserver_preload

    wanted = [
        "feedmill.forkserver_signals",
        "feedmill.worker",
        "feedmill.preload",
        *extra,
        "feedmill.freeze_gc",
    ]
    assert forkserver_preload(dedupe=dedupe, search=search, rules=rules) == wanted


def test_the_forkserver_ignores_ctrl_c_while_it_loads() -> None:
    """A terminal's Ctrl-C reaches the forkserver too: while it imported the
    libraries it preloads, that was a KeyboardInterrupt and a traceback."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import signal, feedmill.forkserver_signals; "
            "print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN, "
            "signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.split() == ["True", "True"], done.stderr


@pytest.mark.slow
def test_workers_share_the_parsers_the_forkserver_loaded(tmp_path: Path) -> None:
    """The libraries a document's path loads (lxml, fastfeedparser, nh3,
    SQLite's dialect) are imported once, by the forkserver — not once per
    worker, where each copy is private memory (~5 MiB a worker)."""
    for i in range(pipeline.POOL_THRESHOLD):  # enough feeds for the pool
        items = [Item(f"第{i}条{n}", guid=f"{i}-{n}", html="<p><b>内容</b></p>") for n in range(3)]
        (tmp_path / f"f{i}.xml").write_bytes(rss("证券时报网 - 要闻", items))
    feeds = [
        {"url": f"f{i}.xml", "group": "g", "source": f"s{i}"}
        for i in range(pipeline.POOL_THRESHOLD)
    ]
    write_config(tmp_path, feeds, dedupe=False, search=False)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "feedmill", "run", "--workers", "2"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "posts: 48 new" in done.stdout
    # Every process of the run writes its imports to the one stderr: the
    # forkserver imports each of these once, the main process only SQLite.
    imported = re.findall(r"^import time:.*\| *([\w.]+)$", done.stderr, re.MULTILINE)
    counts = {m: imported.count(m) for m in ("lxml.etree", "fastfeedparser", "nh3", "sqlite3")}
    assert counts == {"lxml.etree": 1, "fastfeedparser": 1, "nh3": 1, "sqlite3": 2}


def test_the_preload_modules_load_what_workers_share() -> None:
    """Imported (in a fresh interpreter, as the forkserver does), they load
    datasketch and its LSH parameters and freeze the GC."""
    code = (
        "import gc, sys\n"
        "import feedmill.filter.dedupe.preload, feedmill.search.preload, feedmill.freeze_gc\n"
        "from feedmill.filter.dedupe.lsh import _setup\n"
        "print('datasketch' in sys.modules, _setup.cache_info().currsize, gc.get_freeze_count() > 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["True", "1", "True"]


def test_only_what_a_fetch_is_made_with_counts_as_a_feeds_fetch_settings(tmp_path: Path) -> None:
    """A daemon's reload retries a failing feed at once when these changed:
    not for its channel, nor for the pass's limits (per_host, concurrency)."""
    from feedmill.config import parse_config

    def settings(feed: str, fetch: str = "") -> tuple[object, ...]:
        text = f"{fetch}feeds:\n  - {{url: a.xml, group: g, source: s{feed}}}\n"
        return pipeline.fetch_settings(parse_config(text, tmp_path / "feedmill.yml"))["a.xml"]

    plain = settings("")
    assert settings(", channel: c") == plain
    assert settings("", "fetch: {per_host: 1, concurrency: 2}\n") == plain
    assert settings(", timeout: 60") != plain
    assert settings(", connect_timeout: 3") != plain
    assert settings(", headers: {Cookie: a=1}") != plain
    assert settings("", "fetch: {user_agent: x}\n") != plain


def test_the_places_a_config_names_are_its_feeds_hosts_and_proxies(tmp_path: Path) -> None:
    """What fetch may reach though private (an RSSHub on 127.0.0.1:1200):
    each URL's host and port as it connects, however the URL is written —
    one host's many routes read once."""
    from feedmill import urls
    from feedmill.config import parse_config

    feeds = [
        "http://127.0.0.1:1200/cls/telegraph",
        "http://127.0.0.1:1200/jin10?x=1",
        "http://127.0.0.1:1201/another",  # the same host, another port
        "http://127.0.0.1/plain",
        "HTTP://Example.COM/a.xml",  # scheme and host in capitals
        "http://example.com./b.xml",  # (the final dot)
        "https://[::1]:8443/feed",
        "http://user:pw@10.0.0.5/rss",
        "http://中文.例子/feed",  # IDNA
        "http://新闻.例子/路径/热点",
        "https://h.example:443/x",
        "http://127.0.0.1:1200#frag",
        "http://example.com:80/c.xml",
        "local/feed.xml",
    ]
    entries = "".join(
        f"  - {{url: '{url}', group: g, source: s{i}, proxy: 'http://proxy.lan:3128'}}\n"
        if i == 3
        else f"  - {{url: '{url}', group: g, source: s{i}, moved_from: 'https://old.host/r'}}\n"
        if i == 5
        else f"  - {{url: '{url}', group: g, source: s{i}}}\n"
        for i, url in enumerate(feeds)
    )
    text = f"fetch: {{proxy: 'http://10.1.1.1:1080'}}\nfeeds:\n{entries}"
    config = parse_config(text, tmp_path / "feedmill.yml")
    # Each URL on its own, as the places were found before they were grouped.
    expected = set()
    for url in [*feeds, "http://proxy.lan:3128", "http://10.1.1.1:1080", "https://old.host/r"]:
        place = urls.place(url)
        if place is not None:
            expected.add(place)
            if place[1] == 80 and urls.scheme(url) == "http":
                expected.add((place[0], 443))
    assert pipeline.named_places(config) == expected
    assert {("127.0.0.1", 1200), ("127.0.0.1", 1201), ("127.0.0.1", 80)} <= expected
    assert {("example.com", 80), ("example.com", 443)} <= expected
    assert ("::1", 8443) in expected and ("xn--fiq228c.xn--fsqu00a", 80) in expected


def test_timeouts_may_be_written_as_durations(tmp_path: Path) -> None:
    """``timeout: 30s`` as ``interval: 15m`` is written: a number alone is
    seconds, as before; what is neither is refused with the field named."""
    from feedmill.config import ConfigError, parse_config

    def config(feed: str, sections: str = "") -> Config:
        text = f"{sections}feeds:\n  - {{url: a.xml, group: g, source: s{feed}}}\n"
        return parse_config(text, tmp_path / "feedmill.yml")

    written = config(
        ", timeout: 45s, connect_timeout: 250ms",
        "fetch: {timeout: 1m30s, connect_timeout: 500ms}\nfulltext: {timeout: 2m}\n",
    )
    options = pipeline.fetch_options(written)
    assert (options.timeout, options.connect_timeout) == (90.0, 0.5)
    articles = pipeline.article_options(written)
    assert (articles.timeout, articles.connect_timeout) == (120.0, 0.5)
    assert pipeline.fetch_settings(written)["a.xml"][1:3] == (45.0, 0.25)
    # The same settings as numbers: a daemon's reload sees no change.
    assert pipeline.fetch_settings(written) == pipeline.fetch_settings(
        config(
            ", timeout: 45, connect_timeout: 0.25", "fetch: {timeout: 90, connect_timeout: 0.5}\n"
        )
    )
    for feed, sections, field in [
        (", timeout: soon", "", "timeout"),
        (", connect_timeout: -1", "", "connect_timeout"),
        ("", "fetch: {connect_timeout: 0s}\n", "connect_timeout"),
        ("", "fulltext: {timeout: -3}\n", "timeout"),
    ]:
        with pytest.raises(ConfigError) as error:
            config(feed, sections)
        assert field in str(error.value), error.value


def test_a_job_whose_pool_is_dropped_under_it_counts_as_a_dead_pool(tmp_path: Path) -> None:
    """Another feed's job finds the pool dead and drops it, cancelling the jobs
    it still held (a Ctrl-C reaching the workers' forkserver while it loads).
    Theirs is a dead pool too — retried — not a cancelled pass: that ended
    the run in a CancelledError traceback, exit 1; and a job submitted after
    the drop was recorded as its feed's parser crashing."""
    import asyncio
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    held: list[Future[object]] = []
    down: list[bool] = []

    class Pool:
        def submit(self, fn: object, *args: object) -> Future[object]:
            if down:  # as ProcessPoolExecutor says it
                raise RuntimeError("cannot schedule new futures after shutdown")
            held.append(Future())
            return held[-1]

        def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
            down.append(True)
            for future in held:
                future.cancel()

    with pipeline.Mill(load_config(write_config(tmp_path, FEEDS))) as mill:
        pool = Pool()
        mill._pool = pool  # type: ignore[assignment]

        async def drop_it_under_a_job() -> None:
            job = asyncio.ensure_future(mill._submit(len, "x"))
            while not held:
                await asyncio.sleep(0.01)
            mill._drop_pool(pool)  # type: ignore[arg-type]
            with pytest.raises(BrokenProcessPool):
                await job
            # A job submitted to it after: the same (it was "parser crashed").
            mill._pool = pool  # type: ignore[assignment]
            with pytest.raises(BrokenProcessPool):
                await mill._submit(len, "y")
            mill._pool = None

        asyncio.run(drop_it_under_a_job())


def test_an_untitled_post_of_an_older_format_is_retitled_in_place(tmp_path: Path) -> None:
    """Post format 5 names a title-less item by its text: a site written
    before (its posts "(untitled)", its style of format 4) is retitled on the
    next run, each post in the file it had."""
    write_config(tmp_path, FEEDS)
    publish(tmp_path, [Item("", guid="g-1", html="<p>【央行开展逆回购】规模1000亿元。</p>")])
    [(name, text)] = posts(tmp_path).items()
    assert re.fullmatch(r"央行开展逆回购-[0-9a-f]{10}\.md", name)  # named as it is titled
    assert "title: '央行开展逆回购'\n" in text
    # As format 4 left it: named by the key's hash alone, the old title, and a
    # style of another format.
    old_name = name.rpartition("-")[2]
    folder = tmp_path / "source" / "_posts"
    (folder / name).unlink()
    (folder / old_name).write_text(
        text.replace("title: '央行开展逆回购'", "title: '(untitled)'"), encoding="utf-8"
    )
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        db.execute("UPDATE feeds SET style_hash = 'format-4'")
        db.execute("UPDATE posts SET file_name = ?", (old_name,))
    out = cli("run", "-c", str(tmp_path / "feedmill.yml")).stdout
    assert "posts: 0 new, 1 updated" in out
    assert posts(tmp_path) == {old_name: text}


def test_an_untitled_item_without_text_is_named_by_its_key_alone(tmp_path: Path) -> None:
    """No words to name it by: "(untitled)" is no slug for every such post."""
    write_config(tmp_path, FEEDS)
    publish(tmp_path, [Item("", guid="g-1", html='<p><img src="https://e.org/a.jpg"></p>')])
    [name] = posts(tmp_path)
    assert re.fullmatch(r"[0-9a-f]{10}\.md", name)


def test_a_post_keeps_the_date_its_item_was_first_published_with(tmp_path: Path) -> None:
    """A post's URL holds its date: a feed that re-dates an item (RSSHub's
    "3小时前" routes date it anew on every fetch; an Atom entry is dated by
    its last edit) would move the post and break every link to it."""
    write_config(tmp_path, FEEDS)
    first = "Tue, 20 Sep 2022 23:50:00 GMT"
    publish(tmp_path, [Item("降准", guid="g-1", html="<p>第一版</p>", pub_date=first)])
    [(name, text)] = posts(tmp_path).items()
    assert f"date: {first}\n" in text
    before = mtimes(tmp_path)
    # Re-dated, past midnight: nothing to write.
    later = "Wed, 21 Sep 2022 00:20:00 GMT"
    out = publish(tmp_path, [Item("降准", guid="g-1", html="<p>第一版</p>", pub_date=later)])
    assert "posts: 0 new, 0 updated, 1 unchanged" in out
    assert posts(tmp_path) == {name: text} and mtimes(tmp_path) == before
    # Edited and re-dated: the edit reaches the post, under its first date.
    out = publish(
        tmp_path, [Item("降准（更正）", guid="g-1", html="<p>第二版</p>", pub_date=later)]
    )
    assert "posts: 0 new, 1 updated" in out
    [(same, text)] = posts(tmp_path).items()
    assert same == name and "第二版" in text and "降准（更正）" in text
    assert f"date: {first}\n" in text
    # An item first listed without a date keeps the day it was first seen.
    publish(tmp_path, [Item("快讯", guid="g-2", pub_date=None)])
    [undated] = [t for t in posts(tmp_path).values() if "快讯" in t]
    publish(tmp_path, [Item("快讯", guid="g-2", pub_date=first)])
    assert [t for t in posts(tmp_path).values() if "快讯" in t] == [undated]


def test_a_new_time_zone_re_dates_the_feed_when_it_is_next_read_whatever_comes_between(
    tmp_path: Path,
) -> None:
    """The zone of a feed's zone-less dates, changed in the config, is taken
    up when the feed is next read — also after a failed read, or a run that
    had it not due — and then the items' first dates hold again."""
    feed = {**FEEDS[0], "timezone": "Asia/Shanghai"}
    write_config(tmp_path, [feed])
    body = rss("证券时报网 - 要闻", [Item("降准", guid="g-1", pub_date="2022-09-20 16:01:00")])
    (tmp_path / "feed.xml").write_bytes(body)
    assert cli("run", "-c", str(tmp_path / "feedmill.yml")).code == 0
    [(name, text)] = posts(tmp_path).items()
    assert "date: Tue, 20 Sep 2022 08:01:00 GMT\n" in text
    config = write_config(tmp_path, [{**feed, "timezone": "UTC"}])
    (tmp_path / "feed.xml").unlink()  # the next read fails
    assert "1 failed" in cli("run", "-c", str(config)).stdout
    assert "1 not due" in cli("run", "--due", "-c", str(config)).stdout
    (tmp_path / "feed.xml").write_bytes(body)
    assert "posts: 0 new, 1 updated" in cli("run", "-c", str(config)).stdout
    assert "date: Tue, 20 Sep 2022 16:01:00 GMT\n" in posts(tmp_path)[name]
    # Taken up: the item keeps its date again when the feed re-dates it.
    redated = rss("证券时报网 - 要闻", [Item("降准", guid="g-1", pub_date="2022-09-21 09:00:00")])
    (tmp_path / "feed.xml").write_bytes(redated)
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout
    assert "date: Tue, 20 Sep 2022 16:01:00 GMT\n" in posts(tmp_path)[name]


def test_a_feed_put_back_in_the_config_keeps_its_posts_dates(tmp_path: Path) -> None:
    write_config(tmp_path, FEEDS)
    first = "Tue, 20 Sep 2022 23:50:00 GMT"
    publish(tmp_path, [Item("降准", guid="g-1", pub_date=first)])
    before = posts(tmp_path)
    write_config(tmp_path, [])
    assert cli("run", "-c", str(tmp_path / "feedmill.yml")).code == 0
    write_config(tmp_path, FEEDS)
    publish(tmp_path, [Item("降准", guid="g-1", pub_date="Wed, 21 Sep 2022 00:20:00 GMT")])
    assert posts(tmp_path) == before


def test_a_lost_database_reads_a_long_front_matter_and_either_date_style(
    tmp_path: Path,
) -> None:
    """A picture's signed URL can be kilobytes long; a post written before
    `date_style` was changed shows its date in the other style."""
    picture = "https://img.example.com/a.jpg?sig=" + "x" * 5000
    html = f'<p><img src="{picture}">正文</p>'
    write_config(tmp_path, FEEDS)
    first = "Tue, 20 Sep 2022 23:50:00 GMT"
    publish(tmp_path, [Item("降准", guid="g-1", html=html, pub_date=first)])
    [(name, text)] = posts(tmp_path).items()
    assert picture in text and text.index(picture) < text.index("\ndate: ")
    _lose_database(tmp_path)
    write_config(tmp_path, FEEDS, date_style="local")
    later = "Wed, 21 Sep 2022 00:20:00 GMT"
    publish(tmp_path, [Item("降准", guid="g-1", html=html, pub_date=later)])
    # 23:50 GMT is 07:50 the next morning in the site's zone (Asia/Shanghai).
    assert "\ndate: 2022-09-21 07:50:00\n" in posts(tmp_path)[name]


def test_a_lost_database_keeps_an_items_own_date_where_the_post_shows_it_alike(
    tmp_path: Path,
) -> None:
    """The second 01:30 of the night the clocks go back prints as the first:
    the item's own date is kept, not read back an hour early."""
    write_config(tmp_path, FEEDS, date_style="local", timezone="America/New_York")
    second = "Sun, 06 Nov 2022 06:30:00 GMT"  # 01:30 EST, after 01:30 EDT
    publish(tmp_path, [Item("降准", guid="g-1", pub_date=second)])
    _lose_database(tmp_path)
    publish(tmp_path, [Item("降准", guid="g-1", pub_date=second)])
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        [(stored,)] = db.execute("SELECT published_at FROM entries").fetchall()
    assert stored.startswith("2022-11-06 06:30:00")


def test_a_pass_that_fails_stops_its_other_fetches_before_it_closes() -> None:
    """The first feed to fail a pass cancels the others, and they end before
    the pass closes its HTTP session: left running, one opened a new session
    that nothing closed ("Unclosed client session" in a daemon's log)."""
    ended: list[str] = []

    async def fails() -> None:
        await asyncio.sleep(0.01)
        raise PermissionError("posts folder read-only")

    async def slow() -> None:
        try:
            await asyncio.sleep(30)
        finally:
            ended.append("slow")

    async def go() -> None:
        with pytest.raises(PermissionError):
            await pipeline.all_or_none([fails(), slow()])
        assert ended == ["slow"]  # already over when the failure is raised

    asyncio.run(go())


def test_a_worker_killed_while_it_answers_breaks_the_pool_not_the_pass() -> None:
    """A worker killed in the middle of writing its result (a SIGTERM to the
    whole group while it handed back 90 KB of rendered posts): CPython's pool
    waited for the rest of it for good, and the pass with it, holding the
    site's lock.  The pool is broken instead, and each caller falls back."""
    import multiprocessing
    from concurrent.futures.process import BrokenProcessPool

    from feedmill.poolwatch import watched_pool

    from support import poison

    pool = watched_pool(max_workers=2, mp_context=multiprocessing.get_context("forkserver"))
    try:
        assert pool.submit(poison.answer, 1).result(timeout=60) == 1  # the workers started
        doomed = pool.submit(poison.die_while_answering)
        with pytest.raises(BrokenProcessPool):
            doomed.result(timeout=30)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def test_links_escaped_twice_mended_since_leave_items_sharing_a_guid_as_they_were(
    tmp_path: Path,
) -> None:
    """Items that share one guid are known by their links; a feed escaping
    its links' queries twice had them stored with `&amp;`.  Mended since,
    the links (and so the keys) changed: each item was posted again."""
    from feedmill.store.entries import key_hash

    def notice(n: int) -> Item:
        return Item(
            title=f"公告{n}",
            guid="http://example.com/",
            link=f"https://e.com/show?id={n}&amp;page=1",  # &amp;amp; in the XML
            html=f"<p>公告正文{n}</p>",
            pub_date=f"Tue, 20 Sep 2022 1{n}:00:00 GMT",
        )

    write_config(tmp_path, FEEDS)
    (tmp_path / "feed.xml").write_bytes(rss("证券时报网 - 要闻", [notice(1), notice(2)]))
    assert "posts: 2 new" in cli("run", "-c", str(tmp_path / "feedmill.yml")).stdout
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:  # as stored before
        rows = db.execute("SELECT id, key FROM entries").fetchall()
        assert all("&page=1" in key for _, key in rows)
        for entry_id, key in rows:
            old = key.replace("&", "&amp;")
            db.execute(
                "UPDATE entries SET key = ?, key_hash = ?, link = replace(link, '&', '&amp;')"
                " WHERE id = ?",
                (old, key_hash(old), entry_id),
            )
    (tmp_path / "feed.xml").write_bytes(rss("证券时报网 - 要闻", [notice(1), notice(2), notice(3)]))
    result = cli("run", "-c", str(tmp_path / "feedmill.yml"))
    assert "posts: 1 new" in result.stdout, result.stdout
    assert sorted(t.split("title: '", 1)[1].split("'", 1)[0] for t in posts(tmp_path).values()) == [
        "公告1",
        "公告2",
        "公告3",
    ]


@pytest.mark.parametrize(
    ("hides", "shown_again"),
    [
        ("color: #333; visibility: hidden;", ""),
        (
            "color: #333; visibility: hidden;",
            '<section style="visibility: visible;">编者按</section>',
        ),
        # WeChat's own page: its script fades the article in as well.
        ("visibility: hidden; opacity: 0; ", ""),
        ("visibility: hidden; /* fade */ opacity: 0;", ""),
    ],
)
def test_an_article_a_script_of_its_page_would_show_is_shown(
    tmp_path: Path, hides: str, shown_again: str
) -> None:
    """WeChat hides its article until a script shows it; some WeChat-to-RSS
    tools pass the hidden wrapper on whole.  Dropped as hidden, the post held
    a link alone; kept, it showed only a part made visible again."""
    body = (
        f'<div class="rich_media_content" id="js_content" style="{hides}">'
        f"{shown_again}<p>货币政策委员会第三季度例会于9月20日召开。</p>"
        '<p><img data-src="https://mmbiz.qpic.cn/mmbiz_jpg/abc/640?wx_fmt=jpeg"></p>'
        '<p>会议认为……</p><p style="display:none">阅读原文</p></div>'
    )
    item = Item("央行：三季度货币政策例会召开", body, link="https://mp.weixin.qq.com/s/AbCdEf")
    (tmp_path / "feed.xml").write_bytes(rss("公众号", [item]))
    config = write_config(tmp_path, [{"url": "feed.xml", "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    (text,) = posts(tmp_path).values()
    assert "headimg: 'https://mmbiz.qpic.cn/mmbiz_jpg/abc/640?wx_fmt=jpeg'" in text
    assert "<p>货币政策委员会第三季度例会于9月20日召开。</p>" in text and "会议认为" in text
    assert "hidden" not in text and "阅读原文" not in text  # (what it hid itself stays hidden)
    found = cli("search", "-c", str(config), "例会于9月20日召开")
    assert "央行：三季度货币政策例会召开" in found.stdout, found.stdout


def test_an_emoticon_is_no_caption_and_no_word_search_finds(tmp_path: Path) -> None:
    """Weibo's emoticons: alt text as title in the post (landscape captions
    alt text), and not in what search indexes; the sentence around it is."""
    face = "https://face.t.sinajs.cn/t4/appstyle/expression/ext/normal/8f/2018new_haha_org.png"
    body = f'<p>今天天气真好<img alt="[哈哈]" src="{face}" style="width:1em;height:1em;">我们去公园</p>'
    (tmp_path / "feed.xml").write_bytes(rss("微博", [Item("出游", body, guid="w1")]))
    config = write_config(tmp_path, [{"url": "feed.xml", "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    (text,) = posts(tmp_path).values()
    assert 'title="[哈哈]"' in text and 'alt="[哈哈]"' not in text
    assert "出游" in cli("search", "-c", str(config), "天气真好").stdout
    assert "出游" not in cli("search", "-c", str(config), "哈哈").stdout


def test_a_wechat_article_of_pictures_is_shown_and_other_hidden_text_stays_hidden() -> None:
    """Pictures are most of a photo story: its article is shown all the same.
    Another hidden block stays hidden, however much of the text it holds."""
    from zoneinfo import ZoneInfo

    from feedmill.models import RawEntry
    from feedmill.normalize.document import normalize_entry
    from feedmill.normalize.text import visible_text

    picture = '<p><img data-src="https://mmbiz.qpic.cn/mmbiz_jpg/p{}/640?wx_fmt=jpeg"></p>'
    photos = (
        '<h1>周末去哪儿｜秋日银杏大道全攻略</h1><div id="meta_content">城市旅行指南 2025-11-03 08:00</div>'
        '<div id="js_content" style="visibility: hidden;"><p>银杏正黄，美图奉上。</p>'
        + "".join(picture.format(i) for i in range(12))
        + "<p>（图/小编）</p></div>"
    )
    related = (
        "<p>央行今日开展100亿元7天期逆回购操作，中标利率1.5%。</p><div hidden><p>相关阅读：</p>"
        "<a href='https://e.example/1'>央行上周净投放资金1200亿元 流动性维持合理充裕</a>"
        "<a href='https://e.example/2'>券商：四季度降准仍有空间</a></div>"
    )
    zone = ZoneInfo("Asia/Shanghai")
    shown = normalize_entry(RawEntry(title="t", content=photos), base_url=None, zone=zone)
    assert "visibility" not in shown.content and shown.content.count("<img") == 12
    kept = normalize_entry(RawEntry(title="t", content=related), base_url=None, zone=zone)
    assert kept.content == related and "相关阅读" not in visible_text(kept.content)


def test_a_posts_folder_deleted_whole_is_said_and_a_rebuild_brings_it_back(
    tmp_path: Path,
) -> None:
    """`rm -rf source/_posts`: a pass said "3 unchanged" of posts no longer
    there and nothing else; a post deleted by hand stays deleted (that is how
    one is taken off the site), so the note names what writes them again."""
    (tmp_path / "a.xml").write_bytes(
        rss("源", [Item(f"新闻{i}", f"<p>正文{i}</p>", f"g{i}") for i in range(3)])
    )
    config = write_config(tmp_path, [{"url": "a.xml", "group": "组", "source": "源"}])
    assert cli("run", "-c", str(config)).code == 0
    folder = tmp_path / "source" / "_posts"
    shutil.rmtree(folder)
    again = cli("run", "-c", str(config))
    assert again.code == 0 and "3 unchanged" in again.stdout
    assert f"{folder} held none of the 3 posts on record" in again.stderr.replace("\n", " ")
    assert "`feedmill publish --rebuild` writes them again" in again.stderr.replace("\n", " ")
    assert cli("publish", "-c", str(config), "--rebuild").code == 0
    assert len(posts(tmp_path)) == 3
    # One post deleted by hand is no folder gone: nothing said.
    next(folder.glob("*.md")).unlink()
    quiet = cli("run", "-c", str(config))
    assert quiet.code == 0 and "held none" not in quiet.stderr
    # Posts retention moved to the archive are not missing (2022's items) …
    from datetime import UTC, datetime

    yesterday = email.utils.format_datetime(datetime.now(UTC) - timedelta(days=1))
    (tmp_path / "a.xml").write_bytes(
        rss(
            "源",
            [Item(f"新闻{i}", f"<p>正文{i}</p>", f"g{i}") for i in range(3)]
            + [Item(f"新{i}", f"<p>新正文{i}</p>", f"n{i}", pub_date=yesterday) for i in range(2)],
        )
    )
    config = write_config(
        tmp_path, [{"url": "a.xml", "group": "组", "source": "源"}], retention={"days": 30}
    )
    for _ in range(2):
        archived = cli("run", "-c", str(config))
        assert archived.code == 0 and "held none" not in archived.stderr, archived.stderr
    assert len(list(folder.glob("*.md"))) == 2
    # … while those on the site are, archive or not.
    shutil.rmtree(folder)
    gone = cli("run", "-c", str(config)).stderr.replace("\n", " ")
    assert "held none of the 2 posts on record" in gone, gone


def test_a_posts_folder_deleted_whole_is_said_in_a_pass_that_writes_posts(
    tmp_path: Path,
) -> None:
    """Seen as the pass begins: the feed's new item (and an edited one,
    whose missing file the pass takes for one deleted by hand) hid it, and
    every later pass found a post in the folder and said nothing."""
    feed = tmp_path / "a.xml"
    feed.write_bytes(rss("源", [Item(f"新闻{i}", f"<p>正文{i}</p>", f"g{i}") for i in range(3)]))
    config = write_config(tmp_path, [{"url": "a.xml", "group": "组", "source": "源"}])
    assert cli("run", "-c", str(config)).code == 0
    folder = tmp_path / "source" / "_posts"
    shutil.rmtree(folder)
    texts = ["<p>正文0，更正</p>", "<p>正文1</p>", "<p>正文2</p>", "<p>正文3</p>"]
    feed.write_bytes(rss("源", [Item(f"新闻{i}", text, f"g{i}") for i, text in enumerate(texts)]))
    said = cli("run", "-c", str(config))
    assert said.code == 0 and "1 new" in said.stdout, said.stdout
    assert f"{folder} held none of the 3 posts on record" in said.stderr.replace("\n", " ")
    assert "held none" not in cli("run", "-c", str(config)).stderr  # (once: it holds posts now)
    assert cli("publish", "-c", str(config), "--rebuild").code == 0
    assert (
        sorted(text for post in posts(tmp_path).values() for text in texts if text in post) == texts
    )


def test_the_posts_gone_note_counts_the_posts_a_rebuild_writes(tmp_path: Path) -> None:
    """Not a feed's that left the config: a rebuild does not write them."""
    for name, count in (("a", 3), ("b", 4)):
        (tmp_path / f"{name}.xml").write_bytes(
            rss(
                name,
                [Item(f"{name}{i}", f"<p>{name}正文{i}</p>", f"{name}{i}") for i in range(count)],
            )
        )
    both = [{"url": f"{n}.xml", "group": "组", "source": n} for n in ("a", "b")]
    assert cli("run", "-c", str(write_config(tmp_path, both))).code == 0
    config = write_config(tmp_path, both[:1])
    assert cli("run", "-c", str(config)).code == 0
    shutil.rmtree(tmp_path / "source" / "_posts")
    said = cli("run", "-c", str(config)).stderr.replace("\n", " ")
    assert "held none of the 3 posts on record" in said, said
    assert cli("publish", "--rebuild", "-c", str(config)).code == 0
    assert len(posts(tmp_path)) == 3
