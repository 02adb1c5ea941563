"""`fulltext: true`: summary-only feeds get the article from its page, through
the whole mill; any failure keeps the feed's own text and shows in status."""

from __future__ import annotations

import contextlib
import json
import shutil
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from support.feeds import Item, rss
from support.server import FeedServer, peak_overlap
from support.site import cli, posts, stored_before_untracking, write_config

PAGES = Path(__file__).parent / "data" / "articles"


def hours_ago(hours: float) -> str:
    """An RSS date some hours before now."""
    return format_datetime(datetime.now(UTC) - timedelta(hours=hours), usegmt=True)


def first_line(name: str) -> str:
    """A line of the article's text that a summary does not have."""
    lines = (PAGES / f"{name}.expected.txt").read_text(encoding="utf-8").splitlines()
    return next(line for line in lines if line and not line.startswith("? ") and len(line) > 30)


def serve(feed_server: FeedServer) -> str:
    html = {"Content-Type": "text/html; charset=utf-8"}
    for name in ("stcn", "sina"):
        feed_server.add(f"/a/{name}.html", body=(PAGES / f"{name}.html").read_bytes(), headers=html)
    items = [
        Item(
            "证券时报文章", html="<p>摘要一句。</p>", guid="1", link=feed_server.url("/a/stcn.html")
        ),
        Item("新浪文章", html="<p>摘要两句。</p>", guid="2", link=feed_server.url("/a/sina.html")),
        Item("失效文章", html="<p>只有摘要。</p>", guid="3", link=feed_server.url("/a/gone.html")),
    ]
    return feed_server.add("/feed", body=rss("摘要源", items))


def test_status_says_what_the_pages_without_an_article_were(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A paywall's pages and a removed article's error page each read "no
    article text found on the page": the owner of a feed behind a paywall
    could not tell that full text will never work for it."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    items = []
    check = b"<html><head><title>Just a moment...</title></head><body>Checking</body></html>"
    for number, name in enumerate(("paywall", "paywall", "notfound", "tiny", "check")):
        path = f"/a/{number}.html"
        page = check if name == "check" else (PAGES / f"{name}.html").read_bytes()
        feed_server.add(path, body=page, headers=html)
        link = feed_server.url(path)
        items.append(Item(f"文章{number}", html=f"<p>摘要{number}。</p>", guid=path, link=link))
    url = feed_server.add("/feed", body=rss("摘要源", items))
    feeds = [{"url": url, "group": "g", "source": "摘要源", "fulltext": True}]
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    assert cli("run", "-c", str(config)).code == 0
    written = "".join(posts(tmp_path).values())
    assert all(f"摘要{n}" in written for n in range(5))
    (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert row["warning"] == (
        "full text: 5 of 5 articles kept the feed's text: a login, paywall or bot-check page"
        " (3); an error page, by its title (1); no article text found on the page (1)"
    )


def test_summary_only_items_get_their_article(tmp_path: Path, feed_server: FeedServer) -> None:
    url = serve(feed_server)
    feeds = [{"url": url, "group": "g", "source": "摘要源", "fulltext": True}]
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    result = cli("run", "-c", str(config))
    assert result.code == 0, result.stderr
    by_title = {t.split("title: '", 1)[1].split("'", 1)[0]: t for t in posts(tmp_path).values()}
    assert first_line("stcn") in by_title["证券时报文章"]
    assert "摘要一句" not in by_title["证券时报文章"]
    assert first_line("sina") in by_title["新浪文章"]
    # The page that failed: the feed's own text, and the reason in status.
    assert "只有摘要" in by_title["失效文章"]
    (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert row["ok"]
    assert (
        row["warning"] == "full text: 1 of 3 articles kept the feed's text: HTTP 404 Not Found (1)"
    )
    assert "kept the feed's text" in cli("status", "-c", str(config)).stdout

    # The next pass finds the items unchanged and fetches no page again.
    hits = feed_server.hits["/a/stcn.html"]
    feed_server.add("/feed", body=feed_server.routes["/feed"].body)  # no ETag: a full fetch
    again = cli("run", "-c", str(config))
    assert "posts: 0 new, 0 updated" in again.stdout
    assert feed_server.hits["/a/stcn.html"] == hits
    assert first_line("stcn") in "".join(posts(tmp_path).values())
    # A new item without a page to ask for: what the last pages gave still shows.
    item = "<item><title>快讯</title><guid>4</guid><description>无链接</description></item>"
    body = feed_server.routes["/feed"].body.replace(b"</channel>", item.encode() + b"</channel>")
    feed_server.add("/feed", body=body)
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert (
        row["warning"] == "full text: 1 of 3 articles kept the feed's text: HTTP 404 Not Found (1)"
    )


def test_an_article_without_a_picture_keeps_the_feeds(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A cover the page keeps in its header (which extraction leaves out) was
    lost: the post a placeholder for its picture.  Not added to an article
    that shows its own."""
    paragraph = "央行宣布下调金融机构存款准备金率0.5个百分点，释放长期资金约1万亿元，市场人士认为此举有助于稳定经济增长。"
    html = {"Content-Type": "text/html; charset=utf-8"}
    body = "".join(f"<p>第{i}段：{paragraph}</p>" for i in range(8))
    plain = f"<html><body><div class='content'><h1>央行降准</h1>{body}</div></body></html>"
    shown = plain.replace("<h1>", '<p><img src="/img/own.jpg" width="800" height="450"></p><h1>')
    feed_server.add("/a/1.html", body=plain.encode(), headers=html)
    feed_server.add("/a/2.html", body=shown.encode(), headers=html)
    # (What the feed's post would show: no picture of a comment, single quotes read.)
    lead = (
        '<!-- <img src="/img/banner.jpg"> --><p><img src=\'/img/lead.jpg\' width="640"'
        ' height="360"></p><p>摘要。</p>'
    )
    items = [
        Item("央行降准", html=lead, guid="1", link=feed_server.url("/a/1.html")),
        Item("央行再降准", html=lead, guid="2", link=feed_server.url("/a/2.html")),
    ]
    url = feed_server.add("/feed", body=rss("摘要源", items))
    feeds = [{"url": url, "group": "g", "source": "摘要源", "fulltext": True}]
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    assert cli("run", "-c", str(config)).code == 0
    by_title = {t.split("title: '", 1)[1].split("'", 1)[0]: t for t in posts(tmp_path).values()}
    lead_url = feed_server.url("/img/lead.jpg")
    first, second = by_title["央行降准"], by_title["央行再降准"]
    assert "第7段" in first and "摘要" not in first.split("---", 2)[2]
    assert "banner.jpg" not in first
    assert f"headimg: '{lead_url}'" in first and f'<img src="{lead_url}"' in first
    assert "第7段" in second and "lead.jpg" not in second
    assert f"headimg: '{feed_server.url('/img/own.jpg')}'" in second


def test_article_links_to_private_addresses_are_refused(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Links come from feeds: by default nothing on loopback is fetched for them."""
    url = serve(feed_server)
    feeds = [{"url": url, "group": "g", "source": "摘要源", "fulltext": True}]
    config = write_config(tmp_path, feeds)
    assert cli("run", "-c", str(config)).code == 0
    assert feed_server.hits["/a/stcn.html"] == 0
    text = "".join(posts(tmp_path).values())
    assert "摘要一句" in text and "摘要两句" in text
    (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert row["warning"].startswith("full text: 3 of 3 articles kept the feed's text: blocked: ")
    assert "127.0.0.1, a loopback address" in row["warning"] or "loopback" in row["warning"]
    # … and names the setting that lets them (a site's own intranet news).
    assert row["warning"].endswith(
        "`fulltext.allow_private: true` lets the links of items to come reach them"
    )
    # Set since, the warning of that pass says so, not the same advice again.
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert row["warning"].endswith(
        "`fulltext.allow_private` is on now: the links of items to come reach them"
    )
    assert "blocked: " in row["warning"]


def test_feeds_without_fulltext_fetch_no_pages(tmp_path: Path, feed_server: FeedServer) -> None:
    url = serve(feed_server)
    config = write_config(
        tmp_path, [{"url": url, "group": "g", "source": "s"}], fulltext={"allow_private": True}
    )
    cli("run", "-c", str(config))
    assert feed_server.hits["/a/stcn.html"] == 0
    assert "摘要一句" in "".join(posts(tmp_path).values())


def test_page_limits_hold_for_the_whole_pass(tmp_path: Path, feed_server: FeedServer) -> None:
    """`fulltext.per_host` bounds the pages in flight at a host across all the
    fulltext feeds of a pass (it held per feed: six feeds sent twelve at once)."""
    pages = FeedServer().start()  # the articles' host, apart from the feeds'
    try:
        html = {"Content-Type": "text/html; charset=utf-8"}
        body = (PAGES / "stcn.html").read_bytes()
        feeds = []
        for f in range(6):
            items = []
            for i in range(2):
                link = pages.add(f"/a/{f}-{i}.html", body=body, headers=html, delay=0.3)
                items.append(Item(f"文章{f}-{i}", html="<p>摘要。</p>", guid=str(i), link=link))
            url = feed_server.add(f"/feed{f}", body=rss(f"源{f}", items))
            feeds.append({"url": url, "group": "g", "source": f"源{f}", "fulltext": True})
        settings = {"allow_private": True, "per_host": 2, "concurrency": 8}
        config = write_config(tmp_path, feeds, fulltext=settings, dedupe=False)
        assert cli("run", "-c", str(config)).code == 0
        assert sum(pages.hits.values()) == 12
        assert peak_overlap(pages.spans) <= 2
    finally:
        pages.stop()


def test_the_fulltext_settings_reach_the_page_fetcher(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """`fulltext.timeout`, `max_body`, `per_host` and `concurrency` from
    feedmill.yml, none of them at its default, hold for the pages a run asks
    for, with `fetch.user_agent` (`fetch.headers` are the feeds')."""
    pages = FeedServer().start()
    try:
        body = (PAGES / "stcn.html").read_bytes()
        links = [pages.add(f"/a/{i}.html", body=body, headers=HTML, delay=0.2) for i in range(3)]
        links.append(pages.add("/a/big.html", body=b"<p>" + b"x" * 40_000, headers=HTML))
        links.append(pages.add("/a/slow.html", body=body, headers=HTML, delay=3))
        items = [
            Item(f"文章{i}", f"<p>摘要{i}。</p>", str(i), link) for i, link in enumerate(links)
        ]
        url = feed_server.add("/feed", body=rss("源", items))
        feeds = [{"url": url, "group": "g", "source": "源", "fulltext": True}]
        settings = {
            "allow_private": True,
            "timeout": 1.5,
            "max_body": "32KiB",
            "per_host": 1,
            "concurrency": 1,
        }
        # The fetch settings that apply to pages: the user agent; not the
        # headers (a feed's cookie is no article host's business).
        fetch = {"user_agent": "news-bot/2", "headers": {"Cookie": "feed=1"}}
        config = write_config(tmp_path, feeds, fulltext=settings, fetch=fetch)
        assert cli("run", "-c", str(config)).code == 0
        assert peak_overlap(pages.spans) == 1
        assert {h.get("User-Agent") for _, h in pages.requests} == {"news-bot/2"}
        assert not any("Cookie" in h for _, h in pages.requests)
        assert all(h.get("Cookie") == "feed=1" for _, h in feed_server.requests)
        (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
        assert "timed out after 1.5 s (1)" in row["warning"]
        assert (
            "body larger than 32 KiB (Content-Length 40003; fulltext.max_body) (1)"
            in row["warning"]
        )
    finally:
        pages.stop()


def test_pages_that_are_no_one_items_article_are_not_fetched(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A list page several items link to, the site's own address, and the
    pages of items the rules block whatever their article says."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    page = (PAGES / "stcn.html").read_bytes()
    live = feed_server.add("/live.html", body=page, headers=html)
    home = feed_server.add("/", body=page, headers=html)
    ad = feed_server.add("/a/ad.html", body=page, headers=html)
    old = feed_server.add("/a/old.html", body=page, headers=html)
    mention = feed_server.add("/a/mention.html", body=page, headers=html)
    items = [
        Item("快讯一", "<p>第一条快讯。</p>", "1", live + "#1", hours_ago(1)),
        Item("快讯二", "<p>第二条快讯。</p>", "2", live + "#2", hours_ago(1)),
        Item("首页", "<p>首页摘要。</p>", "3", home, hours_ago(1)),
        # A front page, by another name than the channel's link.
        Item(
            "快讯三",
            "<p>第三条快讯。</p>",
            "7",
            home.replace("127.0.0.1", "localhost"),
            hours_ago(1),
        ),
        Item("【广告】理财课", "<p>摘要。</p>", "4", ad, hours_ago(1)),
        Item("旧闻", "<p>摘要。</p>", "5", old, hours_ago(24 * 30)),
        Item("正文提到", "<p>摘要。</p>", "6", mention, hours_ago(1)),
    ]
    url = feed_server.add("/feed", body=rss("源", items, link=home))
    feeds = [{"url": url, "group": "g", "source": "源", "fulltext": True}]
    rules = {"block": [{"title": "广告"}, {"content": "本报讯"}], "max_age": "7d"}
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True}, rules=rules)
    result = cli("run", "-c", str(config)).stdout
    assert "posts: 5 new" in result and "2 blocked" in result
    assert [feed_server.hits[p] for p in ("/live.html", "/", "/a/ad.html", "/a/old.html")] == [
        0,
        0,
        0,
        0,
    ]
    # A rule on the content needs the article: that page is read.
    assert feed_server.hits["/a/mention.html"] == 1
    texts = "".join(posts(tmp_path).values())
    assert "第一条快讯" in texts and "第二条快讯" in texts and "首页摘要" in texts


def test_a_link_redirected_to_the_front_page_keeps_the_feeds_text(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Many sites answer for an article they removed with a redirect to their
    front page: its headlines were posted as each such item's article — and
    dedupe, finding the same text twice, held one story back for good."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    page = (PAGES / "stcn.html").read_bytes()  # a page an article is extracted from
    feed_server.add("/index.html", body=page, headers=html)
    feed_server.add("/", body=page, headers=html)
    feed_server.add("/news/list.html", body=page, headers=html)
    feed_server.add("/a/sina.html", body=(PAGES / "sina.html").read_bytes(), headers=html)
    moved = {
        "/a/0.html": "/index.html",
        "/a/1.html": "/",
        "/a/2.html": "/news/list.html",  # (where two links went)
        "/a/3.html": "/news/list.html",
        "/a/4.html": "/a/sina.html",  # an article that moved: its page
    }
    for path, to in moved.items():
        feed_server.add(path, status=302, headers={"Location": feed_server.url(to)})
    items = [
        Item(f"新闻{i}", f"<p>第{i}条的摘要。</p>", str(i), feed_server.url(path), hours_ago(1))
        for i, path in enumerate(moved)
    ]
    url = feed_server.add("/feed", body=rss("源", items))
    feeds = [{"url": url, "group": "g", "source": "源", "fulltext": True}]
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    assert "posts: 5 new" in cli("run", "-c", str(config)).stdout  # none held back
    by_title = {t.split("title: '", 1)[1].split("'", 1)[0]: t for t in posts(tmp_path).values()}
    for i in range(4):
        assert f"第{i}条的摘要" in by_title[f"新闻{i}"]
        assert first_line("stcn") not in by_title[f"新闻{i}"]
    assert first_line("sina") in by_title["新闻4"]
    (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
    front, shared = feed_server.url("/"), feed_server.url("/news/list.html")
    assert row["warning"] == (
        "full text: 4 of 5 articles kept the feed's text:"
        f" the link led to a page other items' links led to ({shared}) (2);"
        f" the link led to the site's front page ({front}index.html) (1);"
        f" the link led to the site's front page ({front}) (1)"
    )


def test_a_page_too_large_to_extract_keeps_the_feeds_text(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    from feedmill.fulltext import MAX_ELEMENTS

    unit = "<a href='/x'>链接</a>" * 20 + "<p>一段正文。</p>"
    page = f"<html><body><div>{unit * (MAX_ELEMENTS // 20)}</div></body></html>"
    link = feed_server.add(
        "/a/big.html", body=page.encode(), headers={"Content-Type": "text/html; charset=utf-8"}
    )
    url = feed_server.add("/feed", body=rss("源", [Item("大页面", "<p>摘要。</p>", "1", link)]))
    feeds = [{"url": url, "group": "g", "source": "源", "fulltext": True}]
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    assert cli("run", "-c", str(config)).code == 0
    assert "摘要" in "".join(posts(tmp_path).values())
    (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert "page too large to extract" in row["warning"]


def test_a_page_down_for_now_never_replaces_the_article_a_post_has(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    html = {"Content-Type": "text/html; charset=utf-8"}
    link = feed_server.add("/a/stcn.html", body=(PAGES / "stcn.html").read_bytes(), headers=html)
    url = feed_server.add(
        "/feed", body=rss("源", [Item("文章", "<p>摘要。</p>", "1", link, hours_ago(1))])
    )
    feeds = [{"url": url, "group": "g", "source": "源", "fulltext": True}]
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    assert cli("run", "-c", str(config)).code == 0
    assert first_line("stcn") in "".join(posts(tmp_path).values())
    # The feed edits the item's summary while the site answers 503.
    feed_server.add("/a/stcn.html", status=503, body=b"busy", headers=html)
    feed_server.add(
        "/feed", body=rss("源", [Item("文章", "<p>摘要（更新）。</p>", "1", link, hours_ago(1))])
    )
    assert cli("run", "-c", str(config)).code == 0
    assert first_line("stcn") in "".join(posts(tmp_path).values())
    # Back up: the edited item is read again, page and all.
    feed_server.add("/a/stcn.html", body=(PAGES / "stcn.html").read_bytes(), headers=html)
    hits = feed_server.hits["/a/stcn.html"]
    assert cli("run", "-c", str(config)).code == 0
    assert feed_server.hits["/a/stcn.html"] == hits + 1
    assert first_line("stcn") in "".join(posts(tmp_path).values())


@pytest.mark.parametrize(("status", "dated"), [(403, True), (503, True), (403, False)])
def test_a_lost_database_leaves_the_article_a_post_has_when_its_page_now_fails(
    tmp_path: Path, feed_server: FeedServer, status: int, dated: bool
) -> None:
    """The database lost, the item is new to it: its page refusing now (a 403,
    for good) or down (a 503) wrote the feed's teaser over the article the
    post held, and for good nothing brought the article back.  The article is
    read back from the post, where the post is the item's as it is now (an
    undated item takes its post's date)."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    link = feed_server.add("/a/stcn.html", body=(PAGES / "stcn.html").read_bytes(), headers=html)
    when = hours_ago(1) if dated else None
    url = feed_server.add("/feed", body=rss("源", [Item("文章", "<p>摘要。</p>", "1", link, when)]))
    config = _fulltext_config(tmp_path, url)
    assert cli("run", "-c", str(config)).code == 0
    before = posts(tmp_path)
    assert first_line("stcn") in "".join(before.values())
    shutil.rmtree(tmp_path / ".feedmill")
    feed_server.add("/a/stcn.html", status=status, body=b"no", headers=html)
    assert cli("run", "-c", str(config)).code == 0
    assert posts(tmp_path) == before
    hits = feed_server.hits["/a/stcn.html"]
    assert cli("run", "-c", str(config)).code == 0
    assert posts(tmp_path) == before
    # A page refusing is not asked again; one that was down is, until it answers.
    assert feed_server.hits["/a/stcn.html"] == hits + (status == 503)


def test_a_lost_database_gives_no_item_another_storys_article(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A feed that gives every item its site's address as the guid: after a
    lost database, today's item finds yesterday's post under that guid.  Its
    article is not today's, though its page refuses now."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    site = feed_server.url("/")
    one = feed_server.add("/b/1.html", body=(PAGES / "stcn.html").read_bytes(), headers=html)
    two = feed_server.add("/b/2.html", body=(PAGES / "sina.html").read_bytes(), headers=html)
    daily = [Item("日报一", "<p>摘要一。</p>", site, one, hours_ago(30))]
    url = feed_server.add("/feed", body=rss("源", daily))
    config = _fulltext_config(tmp_path, url)
    assert cli("run", "-c", str(config)).code == 0
    feed_server.add(
        "/feed", body=rss("源", [Item("日报二", "<p>摘要二。</p>", site, two, hours_ago(2))])
    )
    assert cli("run", "-c", str(config)).code == 0
    shutil.rmtree(tmp_path / ".feedmill")
    feed_server.add("/b/2.html", status=403, body=b"no", headers=html)
    assert cli("run", "-c", str(config)).code == 0
    for text in posts(tmp_path).values():
        assert not ("title: '日报二'" in text and first_line("stcn") in text)


def test_a_lost_database_takes_no_article_from_a_post_of_another_template(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A site's own template may lay a post out in any way: nothing is read
    back from it as the article (the feed's text is posted, as before)."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    link = feed_server.add("/a/stcn.html", body=(PAGES / "stcn.html").read_bytes(), headers=html)
    url = feed_server.add(
        "/feed", body=rss("源", [Item("文章", "<p>摘要。</p>", "1", link, hours_ago(1))])
    )
    template = tmp_path / "post.md.j2"
    template.write_text(
        "---\ntitle: {{ title | yaml_quote }}\ndate: {{ date }}\n---\n\n<div>\n{{ body }}\n</div>\n",
        encoding="utf-8",
    )
    feeds = [{"url": url, "group": "g", "source": "源", "fulltext": True}]
    config = write_config(
        tmp_path, feeds, fulltext={"allow_private": True}, post_template=str(template)
    )
    assert cli("run", "-c", str(config)).code == 0
    assert first_line("stcn") in "".join(posts(tmp_path).values())
    shutil.rmtree(tmp_path / ".feedmill")
    feed_server.add("/a/stcn.html", status=403, body=b"no", headers=html)
    assert cli("run", "-c", str(config)).code == 0
    (after,) = posts(tmp_path).values()
    assert "摘要" in after and first_line("stcn") not in after


def _serve_one_item(
    feed_server: FeedServer, link: str, guid: str, hours: float, *more: Item
) -> str:
    """The feed of one item linking to ``link``, under ``guid``, dated
    ``hours`` before a fixed moment (a route re-keys and re-dates it so);
    then ``more``.  Its URL."""
    pub_date = format_datetime(datetime(2026, 11, 20, 8, tzinfo=UTC) - timedelta(hours=hours))
    item = Item("文章", "<p>摘要。</p>", guid, link, pub_date)
    return feed_server.add("/feed", body=rss("源", [item, *more]))


def _fulltext_config(tmp_path: Path, url: str) -> Path:
    feeds = [{"url": url, "group": "g", "source": "源", "fulltext": True}]
    return write_config(tmp_path, feeds, fulltext={"allow_private": True})


def test_an_item_re_keyed_and_re_dated_keeps_its_article_and_is_not_read_again(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A route gave its items new guids and new dates ("3小时前" read anew):
    each keeps its post, its first date and its article.  Its stored
    version was that of the article, not of the feed's item: the next pass
    found every such item changed, asked for its page again, and, the page
    gone, put the feed's summary in place of the article."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    link = feed_server.add("/a/stcn.html", body=(PAGES / "stcn.html").read_bytes(), headers=html)

    config = _fulltext_config(tmp_path, _serve_one_item(feed_server, link, "a-1", 5))
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    before = posts(tmp_path)
    _serve_one_item(feed_server, link, "b-1", 4)  # re-keyed, an hour later
    assert "posts: 0 new" in cli("run", "-c", str(config)).stdout
    assert posts(tmp_path).keys() == before.keys()
    assert first_line("stcn") in "".join(posts(tmp_path).values())
    # The page gone, the same item again (beside a new one without a page):
    # nothing to read, nothing to rewrite.
    feed_server.add("/a/stcn.html", status=404, body=b"gone", headers=html)
    hits = feed_server.hits["/a/stcn.html"]
    _serve_one_item(
        feed_server, link, "b-1", 4, Item("快讯", "<p>快讯一则。</p>", "c-1", None, hours_ago(1))
    )
    again = cli("run", "-c", str(config))
    assert "posts: 1 new, 0 updated" in again.stdout, again.stdout
    assert feed_server.hits["/a/stcn.html"] == hits
    assert {name: posts(tmp_path)[name] for name in before} == before


def _upgraded_with_its_page_gone(
    tmp_path: Path, feed_server: FeedServer
) -> tuple[str, Path, dict[str, str]]:
    """A fulltext feed's item "文章" (guid a-1) at a link with ``?utm_source=rss``,
    posted with its article, as a release that kept tracking parameters in
    links stored it; its page now gone (404).  (Its link, the config, the posts.)"""
    html = {"Content-Type": "text/html; charset=utf-8"}
    page = feed_server.add("/a/stcn.html", body=(PAGES / "stcn.html").read_bytes(), headers=html)
    link = f"{page}?utm_source=rss"
    config = _fulltext_config(tmp_path, _serve_one_item(feed_server, link, "a-1", 5))
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    stored_before_untracking(tmp_path, feed_server.routes["/feed"].body)
    feed_server.add("/a/stcn.html", status=404, body=b"gone", headers=html)
    return link, config, posts(tmp_path)


def test_an_upgrade_asks_no_page_again_for_a_link_that_loses_its_tracking_query(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Stored by a release that kept ``?utm_source=rss`` in links: the item is
    unchanged, its page not asked for again — one gone since put the feed's
    summary in place of the article."""
    link, config, before = _upgraded_with_its_page_gone(tmp_path, feed_server)
    hits = feed_server.hits["/a/stcn.html"]
    flash = Item("快讯", "<p>快讯一则。</p>", "c-1", None, hours_ago(1))
    _serve_one_item(feed_server, link, "a-1", 5, flash)  # read again: a new item
    again = cli("run", "-c", str(config))
    assert "posts: 1 new, 0 updated" in again.stdout, again.stdout
    assert feed_server.hits["/a/stcn.html"] == hits
    assert {name: posts(tmp_path)[name] for name in before} == before
    assert first_line("stcn") in "".join(before.values())


@pytest.mark.parametrize("re_dated", [False, True])
def test_an_upgrade_keeps_the_article_of_an_item_its_route_re_keys(
    tmp_path: Path, feed_server: FeedServer, re_dated: bool
) -> None:
    """Stored by a release that kept ``?utm_source=rss`` in links, then
    re-keyed by its route (and maybe re-dated), its page gone: matched by its
    link, the version it was stored with is the one over the link as its
    feed writes it — it was taken for an edit, and the post lost its article
    (re-dated: a second post, with the feed's summary)."""
    link, config, before = _upgraded_with_its_page_gone(tmp_path, feed_server)
    _serve_one_item(feed_server, link, "b-1", 5 - re_dated / 3600)  # (a second later)
    again = cli("run", "-c", str(config))
    assert "posts: 0 new, 0 updated" in again.stdout, again.stdout
    assert posts(tmp_path) == before


@pytest.mark.parametrize(
    ("page", "re_dated"),
    [("down", False), ("down", True), ("gone", False), ("gone", True), ("edited", False),
     ("edited", True)],
)  # fmt: skip
def test_an_item_re_keyed_while_its_page_is_down_or_edited_keeps_its_post_and_article(
    tmp_path: Path, feed_server: FeedServer, page: str, re_dated: bool
) -> None:
    """A route gave its item a new guid (and a new date) as its page was down
    (503), gone (404) or changed a little: it was taken for a new item (its
    text, the feed's, was compared with the article the post has) — a second
    post — or, matched, its post lost the article for the feed's summary.
    (Its page telling another story, it is another item: see the next test.)"""
    html = {"Content-Type": "text/html; charset=utf-8"}
    article = (PAGES / "stcn.html").read_bytes()
    link = feed_server.add("/a/stcn.html", body=article, headers=html)

    config = _fulltext_config(tmp_path, _serve_one_item(feed_server, link, "a-1", 5))
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    ((name, before),) = posts(tmp_path).items()
    if page == "edited":
        edited = article.replace(b"</p>", "又及：一句补充。</p>".encode(), 1)
        feed_server.add("/a/stcn.html", body=edited, headers=html)
    else:
        status = 503 if page == "down" else 404
        feed_server.add("/a/stcn.html", status=status, body=b"no", headers=html)
    _serve_one_item(feed_server, link, "b-1", 4 if re_dated else 5)
    result = cli("run", "-c", str(config))
    assert "posts: 0 new" in result.stdout, result.stdout
    ((again, after),) = posts(tmp_path).items()
    assert again == name
    assert first_line("stcn") in after
    if page == "edited":
        assert "又及" in after
    else:
        assert after == before
    date = before.split("\ndate: ")[1].split("\n")[0]
    assert f"\ndate: {date}\n" in after
    hits = feed_server.hits["/a/stcn.html"]
    feed_server.add("/feed", body=feed_server.routes["/feed"].body)  # no ETag: a full fetch
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout
    assert feed_server.hits["/a/stcn.html"] == hits
    assert posts(tmp_path) == {name: after}


@pytest.mark.parametrize("status", [503, 404])
def test_an_item_re_keyed_while_its_page_fails_is_still_found_by_its_articles_words(
    tmp_path: Path, feed_server: FeedServer, status: int
) -> None:
    """Its post keeps the article; its search words were replaced by those
    of the teaser it came with (built before the article was put back)."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    link = feed_server.add("/a/stcn.html", body=(PAGES / "stcn.html").read_bytes(), headers=html)
    config = _fulltext_config(tmp_path, _serve_one_item(feed_server, link, "a-1", 5))
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout

    def found() -> list[str]:
        result = cli("search", "净息差", "--json", "-c", str(config))
        assert result.code == 0, result.stderr
        return [hit["title"] for hit in json.loads(result.stdout)]

    assert found() == ["文章"]
    feed_server.add("/a/stcn.html", status=status, body=b"no", headers=html)
    _serve_one_item(feed_server, link, "b-1", 5)
    assert "posts: 0 new" in cli("run", "-c", str(config)).stdout
    assert first_line("stcn") in "".join(posts(tmp_path).values())
    assert found() == ["文章"]


def test_a_new_story_under_a_reused_link_title_and_teaser_is_its_own_post(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A summary-only feed whose page at one link tells a new story, under a
    new guid and a new date, with the same title and teaser: the article
    tells the two apart — two posts, each with its own article and date."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    page = (PAGES / "stcn.html").read_bytes()
    link = feed_server.add("/a/live.html", body=page, headers=html)
    config = _fulltext_config(tmp_path, _serve_one_item(feed_server, link, "a-1", 10))
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    feed_server.add("/a/live.html", body=(PAGES / "sina.html").read_bytes(), headers=html)
    _serve_one_item(feed_server, link, "b-1", 1)
    assert "posts: 1 new, 0 updated" in cli("run", "-c", str(config)).stdout
    texts = sorted(posts(tmp_path).values())
    assert len(texts) == 2
    assert [first_line("stcn") in t for t in texts].count(True) == 1
    assert [first_line("sina") in t for t in texts].count(True) == 1


def test_a_post_waiting_for_its_page_re_keyed_as_the_page_is_gone_is_settled(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Posted with the feed's text while its page was down, then re-keyed
    and re-dated as the page is gone (404): it stayed marked as waiting for
    its page (no rule nor dedupe judged it again, none asked for the page)."""
    import sqlite3

    html = {"Content-Type": "text/html; charset=utf-8"}
    link = feed_server.add("/a/stcn.html", status=503, body=b"busy", headers=html)
    config = _fulltext_config(tmp_path, _serve_one_item(feed_server, link, "a-1", 5))
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    before = posts(tmp_path)
    feed_server.add("/a/stcn.html", status=404, body=b"gone", headers=html)
    _serve_one_item(feed_server, link, "b-1", 4)
    assert "posts: 0 new" in cli("run", "-c", str(config)).stdout
    assert posts(tmp_path) == before
    with contextlib.closing(sqlite3.connect(tmp_path / ".feedmill" / "state.db")) as db:
        (version,) = db.execute("select version from entries").fetchone()
    assert not version.startswith("~")


def test_the_feeds_corrections_reach_posts_whose_pages_are_down(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    html = {"Content-Type": "text/html; charset=utf-8"}
    link = feed_server.add("/a/stcn.html", body=(PAGES / "stcn.html").read_bytes(), headers=html)
    down = feed_server.add("/a/down.html", status=503, body=b"busy", headers=html)
    items = [
        Item("中小银行下调存款利率", "<p>摘要。</p>", "1", link, hours_ago(1)),
        Item("死链新闻", "<p>第一版摘要。</p>", "2", down, hours_ago(1)),
    ]
    url = feed_server.add("/feed", body=rss("源", items))
    feeds = [{"url": url, "group": "g", "source": "源", "fulltext": True}]
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    assert "posts: 2 new" in cli("run", "-c", str(config)).stdout
    # Both pages down now, and the feed corrects both items.
    feed_server.add("/a/stcn.html", status=503, body=b"busy", headers=html)
    items = [
        Item(
            "更正：多家中小银行再度下调存款利率", "<p>摘要（更正）。</p>", "1", link, hours_ago(1)
        ),
        Item("死链新闻（更正）", "<p>第二版摘要。</p>", "2", down, hours_ago(1)),
    ]
    feed_server.add("/feed", body=rss("源", items))
    assert "posts: 0 new, 2 updated" in cli("run", "-c", str(config)).stdout
    texts = list(posts(tmp_path).values())
    (article,) = [t for t in texts if "更正：多家中小银行再度下调存款利率" in t.split("\n", 2)[1]]
    assert first_line("stcn") in article  # the article it had, under the new title
    (summary,) = [t for t in texts if "死链新闻（更正）" in t.split("\n", 2)[1]]
    assert "第二版摘要" in summary and "第一版摘要" not in summary
    # Still down: nothing to change; back up: the page is read once more (the
    # post already shows its article), and then the item is settled.
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout
    feed_server.add("/a/stcn.html", body=(PAGES / "stcn.html").read_bytes(), headers=html)
    hits = feed_server.hits["/a/stcn.html"]
    assert cli("run", "-c", str(config)).code == 0
    assert feed_server.hits["/a/stcn.html"] == hits + 1
    feed_server.add("/feed", body=feed_server.routes["/feed"].body)  # no ETag: a full fetch
    assert cli("run", "-c", str(config)).code == 0
    assert feed_server.hits["/a/stcn.html"] == hits + 1
    texts = list(posts(tmp_path).values())
    assert len(texts) == 2 and first_line("stcn") in "".join(texts)


HTML = {"Content-Type": "text/html; charset=utf-8"}


def _gone_page_site(tmp_path: Path, feed_server: FeedServer, summary: str) -> tuple[str, Path]:
    """A fulltext feed of one item "新闻" whose page answers 404: (page URL, config)."""
    page = feed_server.add("/a/x.html", status=404, body=b"gone", headers=HTML)
    items = [Item("新闻", summary, "1", page, hours_ago(1))]
    url = feed_server.add("/feed", body=rss("源", items))
    feeds = [{"url": url, "group": "g", "source": "源", "fulltext": True}]
    return page, write_config(tmp_path, feeds, fulltext={"allow_private": True})


def test_a_correction_reaches_a_post_whose_page_failed_for_good_then_for_now(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Its post holds the feed's old text, not an article: the corrected
    text replaces it (no stored text is kept over the feed's own)."""
    page, config = _gone_page_site(tmp_path, feed_server, "<p>第一版摘要。</p>")
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    feed_server.add("/a/x.html", status=503, body=b"busy", headers=HTML)
    corrected = [Item("新闻（更正）", "<p>第二版摘要（更正）。</p>", "1", page, hours_ago(1))]
    feed_server.add("/feed", body=rss("源", corrected))
    assert "posts: 0 new, 1 updated" in cli("run", "-c", str(config)).stdout
    (text,) = posts(tmp_path).values()
    assert "新闻（更正）" in text and "第二版摘要" in text and "第一版摘要" not in text


@pytest.mark.parametrize(
    ("status", "page"),
    [(403, b"forbidden"), (200, (PAGES / "login.html").read_bytes())],
    ids=["403", "login page"],
)
def test_an_edit_keeps_the_article_when_its_page_now_refuses(
    tmp_path: Path, feed_server: FeedServer, status: int, page: bytes
) -> None:
    """The feed retitles an item posted with its article, and its page now
    refuses (403, a login wall): the post takes the new title and keeps its
    article — nothing says the article changed, and the feed's teaser is not
    it. (A page gone — 404, 410 — leaves the feed's text: see above.)"""
    link = feed_server.add("/a/stcn.html", body=(PAGES / "stcn.html").read_bytes(), headers=HTML)
    items = [Item("降准", "<p>摘要。</p>", "1", link, hours_ago(1))]
    url = feed_server.add("/feed", body=rss("源", items))
    feeds = [{"url": url, "group": "g", "source": "源", "fulltext": True}]
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    feed_server.add("/a/stcn.html", status=status, body=page, headers=HTML)
    items = [Item("降准（更新）", "<p>摘要（更新）。</p>", "1", link, hours_ago(1))]
    feed_server.add("/feed", body=rss("源", items))
    assert "posts: 0 new, 1 updated" in cli("run", "-c", str(config)).stdout
    edited = posts(tmp_path)
    (text,) = edited.values()
    assert "降准（更新）" in text and first_line("stcn") in text and "摘要" not in text
    # Settled: the next pass changes nothing and asks for no page.
    hits = feed_server.hits["/a/stcn.html"]
    feed_server.add("/feed", body=feed_server.routes["/feed"].body)  # no ETag: a full fetch
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout
    assert feed_server.hits["/a/stcn.html"] == hits
    assert posts(tmp_path) == edited


def test_the_full_text_note_goes_when_full_text_is_turned_off(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    page, config = _gone_page_site(tmp_path, feed_server, "<p>摘要。</p>")
    assert cli("run", "-c", str(config)).code == 0
    (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert row["warning"].startswith("full text: ")
    url = feed_server.url("/feed")
    spec = {"url": url, "group": "g", "source": "源", "fulltext": False}
    config = write_config(tmp_path, [spec], fulltext={"allow_private": True})
    items = [
        Item("新闻", "<p>摘要。</p>", "1", page, hours_ago(1)),
        Item("新闻二", "<p>二。</p>", "2"),
    ]
    feed_server.add("/feed", body=rss("源", items))
    assert cli("run", "-c", str(config)).code == 0
    (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert row["warning"] is None


def test_a_new_item_whose_page_is_down_for_now_gets_its_article_later(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    html = {"Content-Type": "text/html; charset=utf-8"}
    link = feed_server.add("/a/stcn.html", status=503, body=b"busy", headers=html)
    url = feed_server.add(
        "/feed", body=rss("源", [Item("文章", "<p>摘要。</p>", "1", link, hours_ago(1))])
    )
    feeds = [{"url": url, "group": "g", "source": "源", "fulltext": True}]
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    first = cli("run", "-c", str(config))
    assert "posts: 1 new" in first.stdout
    (name,) = posts(tmp_path)
    assert "摘要" in posts(tmp_path)[name]  # posted now, with the feed's text
    (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert "HTTP 503" in row["warning"]
    # Still down: the post stays as it is, and the page is asked for again;
    # the item is counted all the same.
    hits = feed_server.hits["/a/stcn.html"]
    assert "posts: 0 new, 0 updated, 1 unchanged" in cli("run", "-c", str(config)).stdout
    assert feed_server.hits["/a/stcn.html"] > hits
    (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert row["items"] == 1
    # Back up: the same post gets the article; then the item is settled.
    feed_server.add("/a/stcn.html", body=(PAGES / "stcn.html").read_bytes(), headers=html)
    assert "posts: 0 new, 1 updated" in cli("run", "-c", str(config)).stdout
    assert list(posts(tmp_path)) == [name]
    assert first_line("stcn") in posts(tmp_path)[name]
    hits = feed_server.hits["/a/stcn.html"]
    feed_server.add("/feed", body=feed_server.routes["/feed"].body)  # no ETag: a full fetch
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout
    assert feed_server.hits["/a/stcn.html"] == hits


def test_a_site_that_asks_to_wait_is_left_alone_until_then(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A 429 with Retry-After: the host's other pages of the pass, and every
    page of it in the passes before the time it named, are not asked for (each
    pass asked again at once) — the posts keep the feed's text meanwhile."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    busy = {**html, "Retry-After": "3600"}
    links = [
        feed_server.add(f"/a/{i}.html", status=429, body=b"slow down", headers=busy)
        for i in range(3)
    ]
    items = [
        Item(f"文章{i}", "<p>摘要。</p>", str(i), link, hours_ago(1))
        for i, link in enumerate(links)
    ]
    url = feed_server.add("/feed", body=rss("源", items))
    feeds = [{"url": url, "group": "g", "source": "源", "fulltext": True}]
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True, "per_host": 1})
    assert "posts: 3 new" in cli("run", "-c", str(config)).stdout
    asked = sum(feed_server.hits[f"/a/{i}.html"] for i in range(3))
    assert asked == 1
    (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert "HTTP 429 Too Many Requests: its pages are left alone until" in row["warning"]
    assert "not asked for: 127.0.0.1 asked to be left alone until" in row["warning"]
    feed_server.add("/feed", body=feed_server.routes["/feed"].body)  # no ETag: a full fetch
    assert "posts: 0 new, 0 updated, 3 unchanged" in cli("run", "-c", str(config)).stdout
    assert sum(feed_server.hits[f"/a/{i}.html"] for i in range(3)) == asked
    import sqlite3

    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        (stored,) = db.execute("SELECT value FROM meta WHERE name = 'page_pauses'").fetchone()
        ((host, (made, until)),) = json.loads(stored).items()
        # A wait as releases before stored it (its time alone) still holds.
        db.execute(
            "UPDATE meta SET value = ? WHERE name = 'page_pauses'", (json.dumps({host: until}),)
        )
    feed_server.add("/feed", body=feed_server.routes["/feed"].body)
    assert "posts: 0 new, 0 updated, 3 unchanged" in cli("run", "-c", str(config)).stdout
    assert sum(feed_server.hits[f"/a/{i}.html"] for i in range(3)) == asked

    # A wait asked for while the clock ran ahead (8 hours: one kept in Beijing
    # time, read as UTC), set right since, is no wait: the pages are asked
    # for, and answer — as when the time comes.
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        ahead = [
            (datetime.fromisoformat(t) + timedelta(hours=8)).isoformat() for t in (made, until)
        ]
        db.execute(
            "UPDATE meta SET value = ? WHERE name = 'page_pauses'", (json.dumps({host: ahead}),)
        )
    for i in range(3):
        feed_server.add(f"/a/{i}.html", body=(PAGES / "stcn.html").read_bytes(), headers=html)
    feed_server.add("/feed", body=feed_server.routes["/feed"].body)
    assert "posts: 0 new, 3 updated" in cli("run", "-c", str(config)).stdout


def test_an_item_waiting_for_its_page_re_keyed_as_the_page_answers_keeps_its_post(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Posted with the feed's text while its page was down; then, in the pass
    its page answers, the route gives it a new guid and a new date: it was
    matched to its post by title and text, and the text compared was the
    article's, not the feed's — a second post."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    link = feed_server.add("/a/stcn.html", status=503, body=b"busy", headers=html)

    config = _fulltext_config(tmp_path, _serve_one_item(feed_server, link, "a-1", 5))
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    before = posts(tmp_path)
    feed_server.add("/a/stcn.html", body=(PAGES / "stcn.html").read_bytes(), headers=html)
    _serve_one_item(feed_server, link, "b-1", 4)
    assert "posts: 0 new, 1 updated" in cli("run", "-c", str(config)).stdout
    after = posts(tmp_path)
    assert after.keys() == before.keys()
    (name,) = after
    assert first_line("stcn") in after[name]
    assert after[name].split("\ndate: ")[1][:40] == before[name].split("\ndate: ")[1][:40]
    hits = feed_server.hits["/a/stcn.html"]
    feed_server.add("/feed", body=feed_server.routes["/feed"].body)  # no ETag: a full fetch
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout
    assert feed_server.hits["/a/stcn.html"] == hits


def test_an_old_item_whose_page_is_down_waits_for_the_feed_to_change(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    html = {"Content-Type": "text/html; charset=utf-8"}
    link = feed_server.add("/a/stcn.html", status=503, body=b"busy", headers=html)
    undated = feed_server.add("/a/undated.html", status=503, body=b"busy", headers=html)
    items = [
        Item("旧文", "<p>摘要。</p>", "1", link, hours_ago(24 * 3)),
        Item("无日期", "<p>摘要二。</p>", "2", undated, None),
    ]
    feed_server.add("/feed", body=rss("源", items))
    url = feed_server.url("/feed")
    feeds = [{"url": url, "group": "g", "source": "源", "fulltext": True}]
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    assert "posts: 2 new" in cli("run", "-c", str(config)).stdout
    hits = feed_server.hits["/a/stcn.html"]
    # Three days old, or undated: the same document is not read again for the pages...
    assert "1 unchanged" in cli("run", "-c", str(config)).stdout
    assert feed_server.hits["/a/stcn.html"] == hits
    # ...until the feed changes; then the pages are asked for, and the posts get them.
    feed_server.add("/a/stcn.html", body=(PAGES / "stcn.html").read_bytes(), headers=html)
    feed_server.add("/a/undated.html", body=(PAGES / "sina.html").read_bytes(), headers=html)
    feed_server.add("/feed", body=rss("源", [*items, Item("新文", "<p>另一篇。</p>", "3")]))
    assert "posts: 1 new, 2 updated" in cli("run", "-c", str(config)).stdout
    assert first_line("stcn") in "".join(posts(tmp_path).values())
    assert first_line("sina") in "".join(posts(tmp_path).values())


# -- an item posted with its feed's text is judged again on its article --------------------


def _down_then_up(feed_server: FeedServer, *names: str) -> tuple[list[str], object]:
    """Article pages that answer 503 until the returned ``up()`` is called."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    links = [feed_server.add(f"/a/{n}.html", status=503, body=b"busy", headers=html) for n in names]

    def up() -> None:
        for name in names:
            body = (PAGES / f"{name}.html").read_bytes()
            feed_server.add(f"/a/{name}.html", body=body, headers=html)

    return links, up


def test_content_rules_judge_the_article_once_it_comes(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A content rule cannot judge a teaser: an item whose page is down for
    now is posted with the feed's text (as without rules) and judged when
    its article comes — kept, or its post taken down and held back as
    blocked, as if its article had come at once. Judged on the teaser, a
    keep rule held the first item back for good (its page never asked for
    again), and a block rule let the second one's article be posted."""
    (deposits, banks, monetary, code), up = _down_then_up(
        feed_server, "stcn", "caixin", "sina", "juejin"
    )
    kept = [
        Item("存款利率", "<p>摘要一。</p>", "1", deposits, hours_ago(1)),
        Item("银行", "<p>摘要二。</p>", "2", banks, hours_ago(1)),
    ]
    blocked = [
        Item("货币政策", "<p>摘要三。</p>", "3", monetary, hours_ago(1)),
        Item("掘金", "<p>摘要四。</p>", "4", code, hours_ago(1)),
    ]
    feeds = [
        {
            "url": feed_server.add("/keep.xml", body=rss("甲", kept)),
            "group": "g", "source": "甲", "fulltext": True,
            "rules": {"keep": [{"content": "净息差"}]},
        },
        {
            "url": feed_server.add("/block.xml", body=rss("乙", blocked)),
            "group": "g", "source": "乙", "fulltext": True,
            "rules": {"block": [{"content": "货币政策执行报告"}]},
        },
    ]  # fmt: skip
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    first = cli("run", "-c", str(config))
    assert "posts: 4 new" in first.stdout, first.stdout
    assert all("摘要" in text for text in posts(tmp_path).values())

    up()
    second = cli("run", "-c", str(config))
    assert "posts: 0 new, 2 updated" in second.stdout, second.stdout
    assert "held back: 2 blocked" in second.stdout
    left = posts(tmp_path)
    assert sorted(t.split("title: '", 1)[1].split("'", 1)[0] for t in left.values()) == [
        "存款利率",
        "掘金",
    ]
    assert all("摘要" not in text for text in left.values())
    rows = {r["source"]: r for r in json.loads(cli("status", "-c", str(config), "--json").stdout)}
    assert rows["甲"]["blocked"] == 1 and rows["乙"]["blocked"] == 1
    assert rows["甲"]["posts"] == 1 and rows["乙"]["posts"] == 1

    # Settled: nothing comes back, on the next pass or a rebuild.
    feed_server.add("/keep.xml", body=feed_server.routes["/keep.xml"].body)  # no ETag
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout
    assert cli("publish", "-c", str(config), "--rebuild").code == 0
    assert posts(tmp_path) == left
    hits = cli("search", "利率", "-c", str(config), "--json").stdout
    assert "存款利率" in hits


def test_a_copy_found_when_its_article_comes_is_merged_into_the_story_posted(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Feed A's teaser matched nothing, so it was posted; when its article
    comes, it is the story feed B posted meanwhile: A's post is taken down,
    held back as a duplicate, and B's post lists A as also reporting it —
    one story, one post, as if A's page had answered at once."""
    (link,), up = _down_then_up(feed_server, "stcn")
    lines = (PAGES / "stcn.expected.txt").read_text(encoding="utf-8").splitlines()
    article = "".join(f"<p>{line}</p>" for line in lines if line and not line.startswith("? "))
    a = feed_server.add("/a.xml", body=rss("甲", [Item("存款利率", "<p>详见正文。</p>", "1", link, hours_ago(2))]))  # fmt: skip
    b = feed_server.add("/b.xml", body=rss("乙", [Item("中小银行下调存款利率", article, "9", "https://b.example/9", hours_ago(1))]))  # fmt: skip
    feeds = [
        {"url": a, "group": "g", "source": "甲", "fulltext": True},
        {"url": b, "group": "g", "source": "乙"},
    ]
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    assert "posts: 2 new" in cli("run", "-c", str(config)).stdout

    up()
    second = cli("run", "-c", str(config))
    assert "held back: 0 blocked, 1 duplicate " in second.stdout, second.stdout
    (text,) = posts(tmp_path).values()
    assert "title: 中小银行下调存款利率" in text or "title: '中小银行下调存款利率'" in text
    assert "同时报道" in text and "甲" in text
    rows = {r["source"]: r for r in json.loads(cli("status", "-c", str(config), "--json").stdout)}
    assert rows["甲"]["duplicates"] == 1 and rows["甲"]["posts"] == 0
    feed_server.add("/a.xml", body=feed_server.routes["/a.xml"].body)  # no ETag
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout
    assert len(posts(tmp_path)) == 1


def test_an_article_come_late_takes_the_post_of_a_flash_that_tells_less(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Feed B's one-line 快讯 was posted; then feed A's teaser of the same
    story, its page down for now; then A's article came, telling the story
    at many times the words: it was held back behind the 快讯, its post taken
    down — had its page answered at once, it would have taken the 快讯's post
    (as it does now), the 快讯 listed under it."""
    (link,), up = _down_then_up(feed_server, "stcn")
    lines = (PAGES / "stcn.expected.txt").read_text(encoding="utf-8").splitlines()
    flash = [Item("多家中小银行再度下调存款挂牌利率", f"<p>{lines[0]}</p>", "9", "https://b.example/9", hours_ago(3))]  # fmt: skip
    b = {"url": feed_server.add("/b.xml", body=rss("乙", flash)), "group": "g", "source": "乙"}
    config = write_config(tmp_path, [b], fulltext={"allow_private": True})
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    teaser = [Item("银行负债成本压降仍将延续", "<p>本报记者调查。</p>", "1", link, hours_ago(2))]  # fmt: skip
    a = {"url": feed_server.add("/a.xml", body=rss("甲", teaser)), "group": "g", "source": "甲", "fulltext": True}  # fmt: skip
    config = write_config(tmp_path, [b, a], fulltext={"allow_private": True})
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    assert len(posts(tmp_path)) == 2

    up()
    third = cli("run", "-c", str(config)).stdout
    assert "1 replaced by a fuller copy" in third, third
    (text,) = posts(tmp_path).values()
    assert "author: 甲" in text and first_line("stcn") in text, text
    assert "同时报道" in text and "乙" in text.split("同时报道", 1)[1], text
    rows = {r["source"]: r for r in json.loads(cli("status", "-c", str(config), "--json").stdout)}
    assert rows["甲"]["posts"] == 1 and rows["乙"]["posts"] == 0 and rows["乙"]["duplicates"] == 1
    feed_server.add("/a.xml", body=feed_server.routes["/a.xml"].body)  # no ETag
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout
    assert cli("publish", "-c", str(config), "--rebuild").code == 0
    assert len(posts(tmp_path)) == 1


def test_a_story_whose_posted_copy_its_article_then_blocks_passes_to_the_copy_held_back(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Feed A's teaser was posted; feed B's whole article, the same story,
    was held back as its copy; then A's article came, and A's rule blocks
    it. Had A's page answered at once, A's item would have been blocked and
    B's posted: B's is posted now. It was held back for good — the story
    left the site, a rebuild did not bring it back."""
    (link,), up = _down_then_up(feed_server, "sina")
    lines = (PAGES / "sina.expected.txt").read_text(encoding="utf-8").splitlines()
    lines = [line for line in lines if line and not line.startswith("? ")]
    article = "".join(f"<p>{line}</p>" for line in lines)
    a_items = [
        Item("央行发布一季度货币政策执行报告", f"<p>{lines[0]}</p>", "1", link, hours_ago(3))
    ]
    a = feed_server.add("/a.xml", body=rss("甲", a_items))
    b_items = [Item("货币政策执行报告：保持流动性合理充裕", article, "9", "https://b.example/9", hours_ago(2))]  # fmt: skip
    b = feed_server.add("/b.xml", body=rss("乙", b_items))
    c_items = [Item("一季度货币政策执行报告全文", article, "7", "https://c.example/7", hours_ago(1))]  # fmt: skip
    c = feed_server.add("/c.xml", body=rss("丙", c_items))
    blocks = {"block": [{"content": "社会融资规模存量", "name": "甲的规则"}]}
    fa = {"url": a, "group": "g", "source": "甲", "fulltext": True, "rules": blocks}
    config = write_config(tmp_path, [fa], fulltext={"allow_private": True})
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    both = [fa, {"url": b, "group": "g", "source": "乙"}, {"url": c, "group": "g", "source": "丙"}]
    config = write_config(tmp_path, both, fulltext={"allow_private": True})
    second = cli("run", "-c", str(config)).stdout
    assert "held back: 0 blocked, 2 duplicates" in second, second

    up()
    third = cli("run", "-c", str(config)).stdout
    assert "posts: 1 new" in third and "held back: 1 blocked" in third, third
    (text,) = posts(tmp_path).values()
    assert "货币政策执行报告：保持流动性合理充裕" in text  # B's, the earlier copy
    assert "同时报道" in text and "丙" in text  # C follows it
    rows = {r["source"]: r for r in json.loads(cli("status", "-c", str(config), "--json").stdout)}
    assert (rows["甲"]["posts"], rows["甲"]["blocked"]) == (0, 1)
    assert (rows["乙"]["posts"], rows["乙"]["duplicates"]) == (1, 0)
    assert (rows["丙"]["posts"], rows["丙"]["duplicates"]) == (0, 1)
    # Settled, and a copy arriving later finds the story in B's post.
    d_items = [Item("货币政策执行报告发布", article, "5", "https://d.example/5", hours_ago(1))]
    d = feed_server.add("/d.xml", body=rss("丁", d_items))
    config = write_config(
        tmp_path,
        [*both, {"url": d, "group": "g", "source": "丁"}],
        fulltext={"allow_private": True},
    )
    last = cli("run", "-c", str(config)).stdout
    assert "posts: 0 new" in last and "1 duplicate " in last, last
    assert cli("publish", "-c", str(config), "--rebuild").code == 0
    (again,) = posts(tmp_path).values()
    assert "丁" in again


def _story_posted_by_a_teaser(
    tmp_path: Path, feed_server: FeedServer, copies: dict[str, list[Item]]
) -> tuple[list[dict[str, object]], object]:
    """Feed 甲's teaser posted while its page is down; then feeds carrying
    the whole article (``copies``: source → items) held back as its copies.
    Returns the feed list and up(), after which 甲's rule blocks its article."""
    (link,), up = _down_then_up(feed_server, "sina")
    a_items = [
        Item("央行发布一季度货币政策执行报告", f"<p>{_SINA[0]}</p>", "1", link, hours_ago(3))
    ]
    blocks = {"block": [{"content": "社会融资规模存量"}]}
    feeds: list[dict[str, object]] = [
        {"url": feed_server.add("/a.xml", body=rss("甲", a_items)), "group": "g",
         "source": "甲", "fulltext": True, "rules": blocks},
    ]  # fmt: skip
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    for n, (source, items) in enumerate(copies.items()):
        url = feed_server.add(f"/copy{n}.xml", body=rss(source, items))
        feeds.append({"url": url, "group": "g", "source": source})
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    held = sum(len(items) for items in copies.values())
    second = cli("run", "-c", str(config)).stdout
    copies_held = f"{held} duplicate" if held == 1 else f"{held} duplicates"
    assert f"held back: 0 blocked, {copies_held}" in second, second
    return feeds, up


_SINA = [
    line
    for line in (PAGES / "sina.expected.txt").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("? ")
]
_ARTICLE = "".join(f"<p>{line}</p>" for line in _SINA)


def _titles(site: Path) -> list[str]:
    return sorted(
        text.split("\ntitle: ", 1)[1].split("\n", 1)[0].strip("'") for text in posts(site).values()
    )


def test_a_teaser_whose_page_fails_for_good_gives_way_to_a_fuller_copy(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Behind a teaser waiting for its page, the whole article of another
    feed is held back (the page decides); the page gone for good, the
    teaser stood for the story for ever."""
    items = [Item("货币政策执行报告：保持流动性合理充裕", _ARTICLE, "9", "https://b.example/9", hours_ago(2))]  # fmt: skip
    feeds, _ = _story_posted_by_a_teaser(tmp_path, feed_server, {"乙": items})
    feed_server.add("/a/sina.html", status=404, body=b"gone")
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    result = cli("run", "-c", str(config))
    assert "1 replaced by a fuller copy" in result.stdout, result.stdout
    # (The teaser's post taken back is no post "unchanged".)
    assert "posts: 1 new, 0 updated, 0 unchanged" in result.stdout, result.stdout
    assert _titles(tmp_path) == ["货币政策执行报告：保持流动性合理充裕"]
    rows = {r["source"]: r for r in json.loads(cli("status", "-c", str(config), "--json").stdout)}
    assert (rows["甲"]["posts"], rows["甲"]["duplicates"]) == (0, 1)
    assert (rows["乙"]["posts"], rows["乙"]["duplicates"]) == (1, 0)
    again = cli("run", "-c", str(config)).stdout
    assert "posts: 0 new, 0 updated, 1 unchanged" in again, again  # 乙's post now


def test_a_held_back_teaser_edited_while_its_page_is_down_waits_for_its_article(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A fulltext feed's teaser, held back as a copy of another feed's post,
    is edited into another story while its page is down: a keep rule on the
    content waits for the article, as for a new item.  Judged on the teaser
    it was blocked for good, its page never asked for again."""
    (link,), _ = _down_then_up(feed_server, "stcn")
    posted = [
        Item("央行发布一季度货币政策执行报告", _ARTICLE, "1", "https://b.example/1", hours_ago(3))
    ]
    teaser = [Item("央行发布一季度货币政策执行报告", f"<p>{_SINA[0]}</p>", "9", link, hours_ago(2))]
    feeds: list[dict[str, object]] = [
        {"url": feed_server.add("/a.xml", body=rss("甲", posted)), "group": "g", "source": "甲"},
        {"url": feed_server.add("/b.xml", body=rss("乙", teaser)), "group": "g", "source": "乙",
         "fulltext": True, "rules": {"keep": [{"content": "存款挂牌利率"}]}},
    ]  # fmt: skip
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    assert "held back: 0 blocked, 1 duplicate" in cli("run", "-c", str(config)).stdout
    edited = [Item("多家中小银行再度下调存款利率", "<p>多家中小银行宣布下调存款利率。</p>", "9", link, hours_ago(2))]  # fmt: skip
    feed_server.add("/b.xml", body=rss("乙", edited))
    assert cli("run", "-c", str(config)).code == 0
    rows = {r["source"]: r for r in json.loads(cli("status", "-c", str(config), "--json").stdout)}
    assert rows["乙"]["blocked"] == 0, rows["乙"]


def test_a_copy_held_back_while_its_page_is_down_is_judged_on_its_article(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A fulltext feed's item held back as a copy of another feed's summary
    of the same link, its page down for now: the page was never asked for
    again, and the article lost — as the page that answers at once takes the
    summary's post."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    link = feed_server.add("/a/sina.html", status=503, body=b"busy")
    summary = [Item("央行报告", "<p>摘要一句。</p>", "1", link, hours_ago(2))]
    teaser = [Item("央行报告", "<p>详见原文。</p>", "1", link, hours_ago(2))]
    feeds = [
        {"url": feed_server.add("/a.xml", body=rss("甲", summary)), "group": "g", "source": "甲"}
    ]
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    b_url = feed_server.add("/b.xml", body=rss("乙", teaser))
    feeds.append({"url": b_url, "group": "g", "source": "乙", "fulltext": True})
    write_config(tmp_path, feeds, fulltext={"allow_private": True})
    assert "1 duplicate" in cli("run", "-c", str(config)).stdout
    feed_server.add("/a/sina.html", body=(PAGES / "sina.html").read_bytes(), headers=html)
    result = cli("run", "-c", str(config)).stdout
    assert "1 replaced by a fuller copy" in result, result
    (text,) = posts(tmp_path).values()
    assert first_line("sina") in text and "\nauthor: 乙\n" in text
    rows = {r["source"]: r for r in json.loads(cli("status", "-c", str(config), "--json").stdout)}
    assert rows["乙"]["posts"] == 1 and rows["乙"]["warning"] is None
    assert feed_server.hits["/a/sina.html"] == 2


@pytest.mark.parametrize(
    "rules",
    [{"block": [{"content": "货币政策执行报告"}]}, {"keep": [{"content": "这个词不在文章里"}]}],
)
def test_a_copy_whose_article_its_rules_refuse_takes_no_post(
    tmp_path: Path, feed_server: FeedServer, rules: dict[str, list[dict[str, str]]]
) -> None:
    """The article a copy held back waited for, once come, is judged by its
    feed's rules before it takes a post (as it is when the page answers at
    once): a blocked article took 甲's post down."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    link = feed_server.add("/a/sina.html", status=503, body=b"busy")
    summary = [Item("央行报告", "<p>摘要一句。</p>", "1", link, hours_ago(2))]
    teaser = [Item("央行报告", "<p>详见原文。</p>", "1", link, hours_ago(2))]
    a_url = feed_server.add("/a.xml", body=rss("甲", summary))
    b_url = feed_server.add("/b.xml", body=rss("乙", teaser))
    feeds = [
        {"url": a_url, "group": "g", "source": "甲"},
        {"url": b_url, "group": "g", "source": "乙", "fulltext": True, "rules": rules},
    ]
    config = write_config(tmp_path, feeds[:1], fulltext={"allow_private": True})
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    write_config(tmp_path, feeds, fulltext={"allow_private": True})
    assert "1 duplicate" in cli("run", "-c", str(config)).stdout
    feed_server.add("/a/sina.html", body=(PAGES / "sina.html").read_bytes(), headers=html)
    result = cli("run", "-c", str(config)).stdout
    assert "replaced" not in result, result
    (text,) = posts(tmp_path).values()
    assert "\nauthor: 甲\n" in text and "摘要一句" in text


def test_copies_from_one_feed_are_both_posted_when_the_story_passes_to_them(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Two items of one feed are never merged: when the story passes to the
    first, the second was hidden as its duplicate and listed nowhere."""
    items = [
        Item("货币政策执行报告：保持流动性合理充裕", _ARTICLE, "9", "https://b.example/9", hours_ago(2)),
        Item("一季度货币政策执行报告全文", _ARTICLE + "<p>（转载）</p>", "10", "https://b.example/10", hours_ago(1)),
    ]  # fmt: skip
    feeds, up = _story_posted_by_a_teaser(tmp_path, feed_server, {"乙": items})
    up()
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    assert "posts: 2 new" in cli("run", "-c", str(config)).stdout
    assert _titles(tmp_path) == [
        "一季度货币政策执行报告全文",
        "货币政策执行报告：保持流动性合理充裕",
    ]


def test_the_story_passes_to_a_copy_whose_feed_is_still_configured(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """The earliest copy's feed had left the config: its post waited for
    ever (publish writes only configured feeds' posts), the later copy from
    a configured feed stayed held back, and the story had no post."""
    copies = {
        "乙": [Item("货币政策执行报告：保持流动性合理充裕", _ARTICLE, "9", "https://b.example/9", hours_ago(2))],
        "丙": [Item("一季度货币政策执行报告全文", _ARTICLE, "7", "https://c.example/7", hours_ago(1))],
    }  # fmt: skip
    feeds, up = _story_posted_by_a_teaser(tmp_path, feed_server, copies)
    up()
    config = write_config(tmp_path, [feeds[0], feeds[2]], fulltext={"allow_private": True})
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    assert _titles(tmp_path) == ["一季度货币政策执行报告全文"]
    assert cli("publish", "-c", str(config), "--rebuild").code == 0
    assert _titles(tmp_path) == ["一季度货币政策执行报告全文"]


def test_a_story_only_removed_feeds_copied_leaves_the_way_to_the_next_copy(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Its one copy's feed had left the config: nothing to post it under. A
    post given to that copy anyway waited unwritten, and a configured feed's
    copy coming later was held back behind it: the story left the site."""
    copies = {
        "乙": [Item("货币政策执行报告全文", _ARTICLE, "9", "https://b.example/9", hours_ago(2))]
    }
    feeds, up = _story_posted_by_a_teaser(tmp_path, feed_server, copies)
    up()
    config = write_config(tmp_path, feeds[:1], fulltext={"allow_private": True})
    assert "held back: 1 blocked" in cli("run", "-c", str(config)).stdout
    assert posts(tmp_path) == {}
    c_items = [Item("一季度货币政策执行报告", _ARTICLE, "7", "https://c.example/7", hours_ago(1))]
    c = {"url": feed_server.add("/c.xml", body=rss("丙", c_items)), "group": "g", "source": "丙"}
    config = write_config(tmp_path, [feeds[0], c], fulltext={"allow_private": True})
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    assert _titles(tmp_path) == ["一季度货币政策执行报告"]


def test_a_story_whose_post_was_deleted_by_hand_stays_off_the_site(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Yours to delete: the story did not come back under another source."""
    copies = {"乙": [Item("货币政策执行报告", _ARTICLE, "9", "https://b.example/9", hours_ago(2))]}
    feeds, up = _story_posted_by_a_teaser(tmp_path, feed_server, copies)
    for post in (tmp_path / "source" / "_posts").glob("*.md"):
        post.unlink()
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    feed_server.add("/a.xml", body=feed_server.routes["/a.xml"].body)  # no ETag: read again
    cli("run", "-c", str(config))  # finds the post gone
    up()
    last = cli("run", "-c", str(config)).stdout
    assert "held back: 1 blocked" in last and "posts: 0 new" in last, last
    assert posts(tmp_path) == {}


def test_a_copy_whose_retracted_post_a_crash_left_takes_the_story_when_it_passes_to_it(
    tmp_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """乙's teaser post, retracted as a copy of 甲's story, left its row and
    file behind (a kill after the commit). When 甲's article was then blocked
    and the story passed to 乙, its new post collided with that row: 甲's
    feed failed as "parser crashed: no free file name", for a pass."""
    import feedmill.pipeline as pipeline
    import feedmill.worker as worker

    page = (PAGES / "sina.html").read_bytes()
    x = feed_server.add("/a/x.html", status=503, body=b"busy", headers=HTML)
    y = feed_server.add("/a/y.html", status=503, body=b"busy", headers=HTML)
    a_items = [Item("央行发布一季度货币政策执行报告", f"<p>{_SINA[0]}</p>", "1", x, hours_ago(3))]
    b_items = [Item("乙的快讯", "<p>乙：详见原文。</p>", "2", y, hours_ago(2))]
    feeds = [
        {"url": feed_server.add("/a.xml", body=rss("甲", a_items)), "group": "g", "source": "甲",
         "fulltext": True, "rules": {"block": [{"content": "社会融资规模存量"}]}},
        {"url": feed_server.add("/b.xml", body=rss("乙", b_items)), "group": "g", "source": "乙",
         "fulltext": True},
    ]  # fmt: skip
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    assert "posts: 2 new" in cli("run", "-c", str(config)).stdout
    feed_server.add("/a/y.html", body=page, headers=HTML)
    with monkeypatch.context() as crashed:  # nothing removed after the commit
        crashed.setattr(worker, "remove_retracted", lambda *args, **kwargs: [])
        crashed.setattr(pipeline, "remove_retracted", lambda *args, **kwargs: [])
        second = cli("run", "-c", str(config)).stdout
    assert "1 duplicate " in second, second
    assert len(posts(tmp_path)) == 2  # 乙's file left behind

    feed_server.add("/a/x.html", body=page, headers=HTML)
    third = cli("run", "-c", str(config))
    assert third.code == 0 and "0 failed" in third.stdout, third.stdout + third.stderr
    assert "held back: 1 blocked" in third.stdout
    (text,) = posts(tmp_path).values()  # 乙's post, in the file it had
    assert "乙的快讯" in text and _SINA[1] in text


def test_a_copy_that_found_its_original_before_the_lock_asks_again_if_it_was_taken_back(
    tmp_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker finds a new item's original before it takes the write lock;
    meanwhile another worker blocks that original (its article came). The
    copy was stored as a duplicate of a blocked item: a story with no post."""
    import sqlite3

    import feedmill.worker as worker

    a_items = [Item("央行发布一季度货币政策执行报告", _ARTICLE, "1", "https://a.example/1", hours_ago(3))]  # fmt: skip
    a = {"url": feed_server.add("/a.xml", body=rss("甲", a_items)), "group": "g", "source": "甲"}
    config = write_config(tmp_path, [a])
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    found = worker._early_originals

    def taken_back_meanwhile(*args: object) -> object:
        mark, early = found(*args)  # type: ignore[arg-type]
        assert [m.original_id for m in early.values() if m is not None] == [1]
        with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:  # another worker
            db.execute("UPDATE entries SET status = 'blocked' WHERE id = 1")
            db.execute("DELETE FROM dedupe_bands WHERE entry_id = 1")  # as retract does
            db.execute("DELETE FROM dedupe_prints WHERE entry_id = 1")
        return mark, early

    monkeypatch.setattr(worker, "_early_originals", taken_back_meanwhile)
    b_items = [Item("货币政策执行报告全文", _ARTICLE, "9", "https://b.example/9", hours_ago(2))]
    b = {"url": feed_server.add("/b.xml", body=rss("乙", b_items)), "group": "g", "source": "乙"}
    config = write_config(tmp_path, [a, b])
    second = cli("run", "-c", str(config)).stdout
    assert "posts: 1 new" in second and "duplicates" not in second, second
    assert "货币政策执行报告全文" in "".join(posts(tmp_path).values())


def test_a_block_rule_the_feeds_own_text_matches_blocks_while_the_page_is_down(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """The article says what its summary says: posting the item until its
    page answers would publish what the rule keeps out."""
    (link,), _ = _down_then_up(feed_server, "stcn")
    items = [Item("广告", "<p>赌场广告，点击领取。</p>", "1", link, hours_ago(1))]
    url = feed_server.add("/feed", body=rss("源", items))
    feeds = [{"url": url, "group": "g", "source": "源", "fulltext": True}]
    rules = {"block": [{"content": "赌场广告"}]}
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True}, rules=rules)
    first = cli("run", "-c", str(config))
    assert "posts: 0 new" in first.stdout and "held back: 1 blocked" in first.stdout


def test_a_rule_added_since_on_the_title_takes_no_teaser_down_as_its_article_comes(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Judged again when its article comes, a teaser is judged on what the
    article may change — its content — not by a rule on its title, link or
    author added since it was posted: that one takes the post down when the
    page answers (rules are not retroactive). A rule added since on the
    content is asked, as for an edit: the text is new."""
    (first, second), up = _down_then_up(feed_server, "stcn", "sina")
    items = [
        Item("存款利率", "<p>摘要一。</p>", "1", first, hours_ago(1)),
        Item("货币政策", "<p>摘要二。</p>", "2", second, hours_ago(1)),
    ]
    url = feed_server.add("/feed.xml", body=rss("源", items))
    feeds = [{"url": url, "group": "g", "source": "源", "fulltext": True}]
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    assert "posts: 2 new" in cli("run", "-c", str(config)).stdout

    rules = {
        "keep": [{"title": "央行|货币", "name": "只要央行"}],
        "block": [{"link": "stcn", "name": "链接"}, {"content": "货币政策执行报告"}],
    }
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True}, rules=rules)
    up()
    out = cli("run", "-c", str(config)).stdout
    assert "posts: 0 new, 1 updated" in out and "held back: 1 blocked" in out, out
    (text,) = posts(tmp_path).values()
    assert "存款利率" in text and first_line("stcn") in text


def test_an_edit_of_a_post_that_has_its_article_is_not_judged_again(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Rules are not retroactive, edits included (see test_rules.py): an item
    posted with its article, edited while its page is down, keeps its post
    when the page answers again — it is not an item posted with a teaser."""
    link = feed_server.add("/a/stcn.html", body=(PAGES / "stcn.html").read_bytes(), headers=HTML)
    url = feed_server.add("/feed", body=rss("源", [Item("降准", "<p>摘要。</p>", "1", link, hours_ago(1))]))  # fmt: skip
    feeds = [{"url": url, "group": "g", "source": "源", "fulltext": True}]
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    # A rule added since, that the article matches; the feed edits the item
    # while its page is down; then the page answers.
    rules = {"block": [{"content": "净息差"}]}
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True}, rules=rules)
    feed_server.add("/a/stcn.html", status=503, body=b"busy", headers=HTML)
    feed_server.add("/feed", body=rss("源", [Item("降准（更新）", "<p>摘要。</p>", "1", link, hours_ago(1))]))  # fmt: skip
    assert "posts: 0 new, 1 updated" in cli("run", "-c", str(config)).stdout
    feed_server.add("/a/stcn.html", body=(PAGES / "stcn.html").read_bytes(), headers=HTML)
    feed_server.add("/feed", body=feed_server.routes["/feed"].body)  # no ETag: a full fetch
    last = cli("run", "-c", str(config)).stdout
    assert "blocked" not in last
    (text,) = posts(tmp_path).values()
    assert "降准（更新）" in text and first_line("stcn") in text


def _teaser_posted_then_blocked(
    tmp_path: Path, feed_server: FeedServer
) -> tuple[Path, object, str]:
    """A teaser posted while its page is down, under a block rule its
    article (once up) matches: (config, up(), the post's file name)."""
    (link,), up = _down_then_up(feed_server, "sina")
    items = [Item("货币政策", "<p>摘要三。</p>", "1", link, hours_ago(1))]
    url = feed_server.add("/feed.xml", body=rss("乙", items))
    feeds = [
        {
            "url": url, "group": "g", "source": "乙", "fulltext": True,
            "rules": {"block": [{"content": "货币政策执行报告"}]},
        }
    ]  # fmt: skip
    config = write_config(tmp_path, feeds, fulltext={"allow_private": True})
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    (name,) = posts(tmp_path)
    return config, up, name


def test_a_retraction_that_does_not_commit_leaves_the_post_it_would_take_down(
    tmp_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The post's file went before the transaction that retracts it had
    committed: when it then failed, and the next judgment kept the item (the
    rule gone), its post was taken for one deleted by hand and never came back."""
    import feedmill.worker as worker

    config, up, name = _teaser_posted_then_blocked(tmp_path, feed_server)
    up()

    def failing(*args: object) -> None:
        raise RuntimeError("the transaction fails after the retraction")

    monkeypatch.setattr(worker, "mark_stale", failing)
    failed = cli("run", "-c", str(config))
    assert "1 failed" in failed.stdout
    assert name in posts(tmp_path)  # rolled back: the post stays

    monkeypatch.undo()
    feeds = json.loads(config.read_text(encoding="utf-8"))
    del feeds["feeds"][0]["rules"]
    config.write_text(json.dumps(feeds, ensure_ascii=False), encoding="utf-8")
    kept = cli("run", "-c", str(config))
    assert "posts: 0 new, 1 updated" in kept.stdout, kept.stdout
    assert "摘要" not in posts(tmp_path)[name]  # the article, in the same post


def test_files_a_worker_could_not_remove_after_retracting_go_in_the_same_pass(
    tmp_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Committed, the feed is judged: the files are removed by the main
    process after the feeds, before retention could move them."""
    import errno

    import feedmill.worker as worker

    config, up, _ = _teaser_posted_then_blocked(tmp_path, feed_server)
    up()

    def refused(*args: object, **kwargs: object) -> list[tuple[str, OSError]]:
        return [("?", PermissionError(errno.EACCES, "Permission denied"))]  # and left them

    monkeypatch.setattr(worker, "remove_retracted", refused)
    second = cli("run", "-c", str(config))
    assert "0 failed" in second.stdout and "held back: 1 blocked" in second.stdout
    assert posts(tmp_path) == {}


def _left_retracted(site: Path) -> None:
    """What a worker killed between the commit that retracts the site's post
    and its files leaves (written here: a kill cannot be timed there)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{site / '.feedmill' / 'state.db'}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE posts SET state = 'retracted'"))
        conn.execute(text("UPDATE entries SET status = 'blocked', reason = 'content'"))
    engine.dispose()


@pytest.mark.parametrize("command", [("run",), ("publish",), ("publish", "--rebuild")])
def test_a_pass_finishes_a_retraction_a_crash_left(
    tmp_path: Path, feed_server: FeedServer, command: tuple[str, ...]
) -> None:
    """Killed between the commit that retracts a post and its files: the
    next pass removes them first (a rebuild would have posted it again)."""
    config, _, name = _teaser_posted_then_blocked(tmp_path, feed_server)
    _left_retracted(tmp_path)
    assert cli(*command, "-c", str(config)).code == 0
    assert posts(tmp_path) == {}
    assert not list((tmp_path / "source").rglob(name))
    (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert row["posts"] == 0 and row["archived"] == 0 and row["blocked"] == 1


def test_a_retracted_post_whose_file_cannot_be_removed_is_said_and_the_pass_goes_on(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    config, _, name = _teaser_posted_then_blocked(tmp_path, feed_server)
    _left_retracted(tmp_path)
    post = tmp_path / "source" / "_posts" / name
    post.unlink()
    (post / "in the way").mkdir(parents=True)  # a file that cannot be unlinked
    result = cli("run", "-c", str(config))
    assert result.code == 0 and "1 ok" in result.stdout  # the pass went on
    assert result.stderr.count(f"{name}, a post taken back, could not be removed") == 1

    shutil.rmtree(post)
    again = cli("run", "-c", str(config))
    assert again.code == 0 and "could not be removed" not in again.stderr


def test_a_retracted_post_is_never_requeued_marked_stale_or_archived(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Its row waits only for its files to go: nothing may bring it back meanwhile."""
    from sqlalchemy import text

    from feedmill.store.database import open_database
    from feedmill.store.posts import mark_stale, queue_all, to_archive

    _teaser_posted_then_blocked(tmp_path, feed_server)
    _left_retracted(tmp_path)
    engine = open_database(f"sqlite:///{tmp_path / '.feedmill' / 'state.db'}")
    with engine.begin() as conn:
        entry_id, feed_id = conn.execute(text("SELECT id, feed_id FROM entries")).one()
        queue_all(conn, [feed_id])  # a rebuild
        mark_stale(conn, [entry_id])  # a copy reported its story
        assert to_archive(conn, older_than=None, keep=0) == []  # retention
        assert conn.execute(text("SELECT state FROM posts")).scalar_one() == "retracted"
    engine.dispose()
