"""Full text: article extraction on the sample pages, the address check, page
decoding, and fetching from real HTTP servers on 127.0.0.1 behind the SSRF guard."""

from __future__ import annotations

import asyncio
import gzip
import importlib.util
import re
import socket
import sys
import threading
import time
import unicodedata
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import ModuleType

import lxml.html
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from feedmill import fulltext
from feedmill.fulltext import (
    Article,
    ArticleOptions,
    address_kind,
    decode_html,
    extract_article,
    fetch_articles,
    is_public_address,
    is_transient,
    read_article,
)
from feedmill.models import Entry
from feedmill.sanitize.clean import first_image, sanitize_html

from support.server import FeedServer, Route, resetting_server

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = Path(__file__).resolve().parent / "data" / "articles"
MiB = 1024 * 1024


def _benchmark() -> ModuleType:
    """benchmarks/extractors.py: it loads the sample pages and scores an
    extractor on them; the tests hold feedmill to floors of the same figures."""
    name = "_feedmill_benchmark_extractors"
    if name not in sys.modules:
        path = ROOT / "benchmarks" / "extractors.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while being made
        spec.loader.exec_module(module)
    return sys.modules[name]


BENCH = _benchmark()
PAGES = {page.name: page for page in BENCH.load_pages(ARTICLES)}
# Sample pages that hold no article: login, error, paywall, a one-line flash.
NOT_ARTICLES = sorted(
    p.stem for p in ARTICLES.glob("*.html") if not p.with_suffix(".expected.txt").exists()
)
# Words of the site: none may be left once the article's own lines are taken out.
BOILERPLATE = (
    "责任编辑", "版权所有", "相关阅读", "相关推荐", "相关新闻", "相关文章", "推荐阅读", "分享到",
    "扫一扫", "二维码", "免责", "声明", "评论", "热点排行", "广告", "登录", "点赞", "热门",
    "Copyright", "All rights reserved", "Advertisement", "Read Next", "Sign up",
)  # fmt: skip
_WS = re.compile(r"\s+")


def key(text: str) -> str:
    return _WS.sub("", unicodedata.normalize("NFKC", text))


# -- extraction -------------------------------------------------------------------------------


def test_every_sample_page_has_expected_text() -> None:
    names = {p.name.removesuffix(".expected.txt") for p in ARTICLES.glob("*.expected.txt")}
    assert names == set(PAGES)
    assert len(PAGES) >= 14
    assert set(NOT_ARTICLES) >= {"login", "notfound", "paywall", "tiny"}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_extracts_the_article(name: str) -> None:
    """The benchmark's figures, per page: at least 95% of the article's lines,
    at most 5% of the output's lines not the article's (none has any now),
    and every image, link, code block, table and ordered list kept."""
    page = PAGES[name]
    article = extract_article(page.html, page.url)
    assert article is not None
    score = BENCH.score(page, article)
    assert score.recall >= 0.95, score.missed_lines
    assert score.precision >= 0.95, score.leaked_lines
    assert score.leaked == 0, score.leaked_lines
    for found, expected in (score.images, score.links, score.code, score.tables):
        assert found == expected
    assert score.ordered_lists[0] == score.ordered_lists[1]
    assert score.inline_as_block == 0

    root = lxml.html.fromstring(article)
    rest = key(root.text_content()).lower()  # the output less the article …
    for line in sorted([*page.required, *page.optional], key=len, reverse=True):
        rest = rest.replace(key(line).lower(), "")
    leaked = [word for word in BOILERPLATE if key(word).lower() in rest]
    assert not leaked, leaked  # … holds none of the site's words
    srcs = [img.get("src") or "" for img in root.iter("img")]
    hrefs = [a.get("href") or "" for a in root.iter("a")]
    assert all(src.startswith(("http://", "https://")) for src in srcs), srcs
    assert all(href.startswith(("http://", "https://", "mailto:")) for href in hrefs), hrefs
    assert not root.xpath("//script | //style | //*[@style] | //*[@id]")
    classes = [el.get("class") for el in root.xpath("//*[@class]")]
    assert all(c.startswith("language-") for c in classes), classes


def test_keeps_inline_code_inline_and_ordered_lists() -> None:
    html = (ARTICLES / "juejin.html").read_text(encoding="utf-8")
    article = extract_article(html, PAGES["juejin"].url)
    assert article is not None
    root = lxml.html.fromstring(article)
    assert not root.xpath("//p//pre")
    assert root.xpath("//p/code[. = 'asyncio.timeout']")
    assert root.xpath("//pre/code[@class = 'language-python']")
    assert len(root.xpath("//ol/li")) == 3


_LINE = "这是一段足够长的正文内容，用来让提取器认为这是文章的主体部分。"


def _article_page(paragraph: str, *, head: str = "", after: str = "") -> str:
    """A page of eight paragraphs, ``paragraph`` formatted with each's number
    and followed by a line long enough to read as an article's."""
    return (
        f"<html><head><title>t</title>{head}</head><body><article>"
        + "".join(f"<p>{paragraph.format(i)}{_LINE}</p>" for i in range(8))
        + f"{after}</article></body></html>"
    )


def test_a_page_with_a_reference_to_a_control_character_is_read() -> None:
    """Its <span>s unwrapped beside a `&#11;` (read into the tree, which lxml
    refuses to join to another text): "the page could not be read", and the
    article never asked again."""
    page = _article_page("<span>记者：张三&#11;李四{}</span>")
    article = extract_article(page, "https://www.example.com/a/1.html")
    assert article is not None and "记者：张三李四0" in article


def test_news_that_begins_as_a_sites_furniture_does_is_kept() -> None:
    """A heading "一、APP下载量排行", a paragraph "下载量最高的APP…", English
    paragraphs "Copyright holders…" and "Advertisement spending…" were
    dropped as the site's lines: a third of the story, without a word."""
    news = [
        "苹果公司周二发布了最新的季度应用商店报告，报告显示中国区的应用生态继续保持增长态势。",
        "下载量最高的APP仍然是微信和抖音，两者合计占据了社交类应用近六成的新增安装量。",
        "分析人士认为，短视频平台的增长正在放缓，而人工智能助手类应用成为增长最快的品类之一。",
        "Copyright holders have sued the AI company, arguing that training on their books is "
        "infringement.",
        "Advertisement spending in China rose 5% in the third quarter, led by short-video "
        "platforms.",
        "业内人士预计，明年应用商店的监管政策将进一步收紧，未成年人保护是重点方向，值得关注。",
        "下载个税APP，查看自己的收入纳税明细，是不少年轻人年初的固定动作。今年的流程更加简化。",
        "下载国家反诈中心APP并开启来电预警功能，可以有效防范电信诈骗。",
        "下载国家反诈中心APP并开启来电预警功能",
        "下载个税APP，查看自己的收入纳税明细，是不少年轻人年初的固定动作。",
        "从全国情况看，下载量增长最快的是政务服务类APP。",
        "第一步，下载个人所得税APP",
        "如需办理，请下载“粤省事”APP。",
        "请下载国家反诈中心APP",
        "下载该APP后即可查看社保缴费记录。",
        "下载国家反诈中心APP，了解更多防骗知识。",
        "如需查看个人纳税记录，请下载个人所得税APP。",
        "请下载个人所得税APP，查看年度汇算具体内容。",
        "如需查询社保缴费等内容，请下载“掌上12333”APP。",
        # Advice whose news has a kind: the railway's, a campaign's.
        "下载铁路12306APP，查看列车正晚点资讯。",
        "下载支付宝APP，领取消费券红包。",
        "下载国家反诈中心APP，查看最新诈骗预警资讯。",
        "下载“学习强国”APP，获取更多学习资讯。",
        "如需了解更多资讯，请下载“i深圳”APP",
        "了解详细行情，请下载券商APP",
    ]
    furniture = [
        "下载新浪财经APP，查看更多资讯",
        "下载第一财经APP，第一时间获取财经资讯",
        "下载新浪财经APP，随时随地看行情！",
        "下载澎湃新闻APP",
        "点击下载新浪财经APP，看更多资讯",
        "更多精彩内容，请下载新浪财经APP",
        "下载每日经济新闻APP，了解更多资讯",
        "下载新浪财经APP，看更多资讯，领现金红包",
        "更多精彩内容：请下载新浪财经APP",
        "请点击下载新浪财经APP，查看更多资讯",
        "【点击下载第一财经APP】",
        "下载澎湃新闻APP >>",
        "海量资讯、精准解读，尽在新浪财经APP",
        "下载财联社APP获取更多资讯",
        "下载看看新闻Knews APP，获取更多精彩资讯",
        "下载 新浪财经 APP，查看更多资讯",
        "点此下载财联社APP",
        "请下载新浪财经APP，查看更多资讯",
        "Copyright © 2024 Example Corp.",
        "Copyright by 第一财经. All rights reserved.",
        "Advertisement",
    ]
    page = (
        "<html><head><title>苹果发布应用商店报告</title></head><body><div class='article'>"
        "<h2>一、APP下载量排行</h2>"
        + "".join(f"<p>{p}</p>" for p in news + furniture)
        + "</div></body></html>"
    )
    article = extract_article(page, "https://www.example.cn/a/1.html")
    assert article is not None
    assert "一、APP下载量排行" in article and all(p in article for p in news), article
    assert not any(f"<p>{line}</p>" in article for line in furniture), article


@pytest.mark.parametrize(
    ("bases", "read_against"),
    [
        ("<base href='http://[x/'>", "https://www.example.com/"),
        # The first is the page's, as a browser reads it (lxml took the last).
        (
            "<base href='https://cdn.example.com/'><base href='http://[x/'>",
            "https://cdn.example.com/",
        ),
        (
            "<base href='http://[x/'><base href='https://cdn.example.com/'>",
            "https://www.example.com/",
        ),
    ],
)
def test_a_page_whose_base_is_no_address_is_read_against_its_own(
    bases: str, read_against: str
) -> None:
    """`<base href="http://[x/">`: "the page could not be read (ValueError)",
    and the feed's summary kept for good; a browser ignores such a base."""
    page = _article_page("{}", head=bases, after='<p><a href="/b.html">下一篇</a></p>')
    article = extract_article(page, "https://www.example.com/a/1.html")
    assert article is not None and f'href="{read_against}b.html"' in article


@pytest.mark.parametrize("name", NOT_ARTICLES)
def test_no_article_on_pages_without_one(name: str) -> None:
    html = (ARTICLES / f"{name}.html").read_text(encoding="utf-8")
    assert extract_article(html, "https://www.example.com/a/1.html") is None


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("login", fulltext.GATED_PAGE),
        ("paywall", fulltext.GATED_PAGE),
        ("notfound", fulltext.ERROR_PAGE),
        ("tiny", fulltext.NO_TEXT),
    ],
)
def test_a_page_without_an_article_says_what_it_is(name: str, reason: str) -> None:
    """All four read "no article text found on the page" in `status`: a
    paywall's pages, told as such, tell the feed's owner to turn full text off."""
    html = (ARTICLES / f"{name}.html").read_text(encoding="utf-8")
    with pytest.raises(fulltext.NoArticle) as refused:
        fulltext.read_article(html, "https://www.example.com/a/1.html")
    assert str(refused.value) == reason


@pytest.mark.parametrize(
    "headline",
    [
        "某科技公司致歉：涉事文章已删除",
        "支付宝出错了？官方回应：系统故障已修复",
        "Error 404 in NASA probe",
    ],
)
def test_a_page_titled_with_its_items_headline_is_no_error_page(headline: str) -> None:
    """A short story whose headline reads like an error page's title was
    refused as one: the page of a removed article is not titled with it."""
    body = (
        "<p>据报道，该公司今日发布声明，就此前发布的不实内容向公众致歉，并表示已对相关负责人作出处理，"
        "后续将加强内容审核，避免类似情况再次发生。</p>"
        "<p>公司方面称，相关系统已经恢复正常运行，用户数据未受影响，"
        "此次事件未对公司日常经营产生重大影响，公司将持续关注并及时披露进展。</p>"
    )
    page = (
        f"<html><head><title>{headline}_新浪财经</title></head>"
        f"<body><h1>{headline}</h1>{body}</body></html>"
    )
    assert "公司将持续关注" in fulltext.read_article(page, "https://e.cn/a/1.html", headline)
    with pytest.raises(fulltext.NoArticle, match=re.escape(fulltext.ERROR_PAGE)):
        fulltext.read_article(page, "https://e.cn/a/1.html")
    # A page of another title is told by it still; an item titled as briefly
    # as an error page ("出错了") says nothing of its page.
    for other in ("另一篇文章的标题", "出错了"):
        with pytest.raises(fulltext.NoArticle, match=re.escape(fulltext.ERROR_PAGE)):
            fulltext.read_article(page, "https://e.cn/a/1.html", other)
    error = page.replace(f"<title>{headline}_新浪财经", "<title>出错了").replace(headline, "出错了")
    with pytest.raises(fulltext.NoArticle, match=re.escape(fulltext.ERROR_PAGE)):
        fulltext.read_article(error, "https://e.cn/a/1.html", "出错了")


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("安全验证", "检测到您的网络存在异常访问，请完成下方的滑块验证后继续。"),
        # Told by the title alone: not "an error page" (a removed article).
        ("Just a moment...", "Checking if the site connection is secure"),
        ("Attention Required! | Cloudflare", "Sorry, you have been blocked"),
        ("访问验证", "请稍候"),
        ("Just a moment...", ""),  # its body all script: a check still, not an empty page
    ],
)
def test_a_bot_check_is_told_as_such(title: str, body: str) -> None:
    check = f"<html><head><title>{title}</title></head><body><p>{body}</p></body></html>"
    with pytest.raises(fulltext.NoArticle, match=re.escape(fulltext.GATED_PAGE)):
        fulltext.read_article(check, "https://www.example.com/a/1.html")


@pytest.mark.parametrize(
    "page",
    [
        " \n ",
        "<html><body></body></html>",
        '<?xml version="1.0"?>',
        "<!-- nothing -->",
        "<html><body><div id='app'></div><script>render('新闻正文');</script></body></html>",
        "<html><body><p><img src='/comic/1.jpg'><img src='/comic/2.jpg'></p></body></html>",
    ],
)
def test_a_page_without_any_text_is_an_empty_one(page: str) -> None:
    with pytest.raises(fulltext.NoArticle, match=re.escape(fulltext.EMPTY_PAGE)):
        fulltext.read_article(page, "https://www.example.com/a/1.html")


def short_article_page(title: str, *, extra: str = "") -> str:
    paragraphs = "".join(
        f"<p>第{i}段：某公司公告称，董事会审议通过了回购股份方案，回购资金总额不低于一亿元。</p>"
        for i in range(5)
    )
    links = "".join(
        f'<li><a href="/news/{i}.html">热门新闻标题第{i}条</a></li>' for i in range(200)
    )
    return (
        f"<html><head><title>{title}</title></head><body>"
        f'<div class="nav"><ul>{links}</ul></div><h1>{title}</h1>'
        f'<div class="article-content">{paragraphs}</div>{extra}</body></html>'
    )


@pytest.mark.parametrize(
    ("title", "extra"),
    [
        ("S&P 500 ends higher; 404 Media reports", ""),
        (
            "公司回购股份",
            '<div class="login-dialog" style="display:none"><form><input type="text"><input type="password"></form></div>',
        ),
        ("App已下线多款产品", ""),
        # A title that begins with a number, a comment link, a story about fraud.
        ("500 firms join climate pledge", ""),
        ("公司回购股份", '<a href="/comments">登录后查看全部评论</a>'),
        ("警惕账户异常访问类诈骗", ""),
        # News words a paywall's are made of: a stake's rest, a trade.
        ("公司出售资产", "<p>公司拟再转让所持子公司剩余30%股权。</p>"),
        ("知识付费平台洗牌", "<p>知识付费行业竞争加剧，付费内容的质量成为关键。</p>"),
        ("平台收入结构", "<p>其主要收入来自付费阅读。平台推出的付费阅读、付费问答颇受欢迎。</p>"),
        ("内容平台调查", "<p>其中约70%为付费内容。该应用是一款付费内容平台。</p>"),
        ("尾款", "<p>剩余10%的尾款将于年底支付，剩余60%将分三年支付。</p>"),
        ("积分", "<p>知识付费平台需付费阅读的文章占比下降，用户付费阅读后可获得积分。</p>"),
        # A site's menu or badge on every page, beside a short article.
        ("菜单", '<ul><li><a href="/paid">付费内容</a></li></ul><span>付费文章</span>'),
    ],
)
def test_short_article_is_not_mistaken_for_a_gate(title: str, extra: str) -> None:
    article = extract_article(short_article_page(title, extra=extra), "https://e.example/a")
    assert article is not None and "回购资金总额" in article


@pytest.mark.parametrize(
    "title",
    [
        "404 Not Found",
        "Error 500",
        "页面不存在 - 某网",
        "该内容已被发布者删除",
        "404 | 某网",
        "502",
        "502 Bad Gateway",
        "503 Service Temporarily Unavailable",
        "500 Internal Server Error",
        "504 Gateway Time-out",
        "401 Authorization Required",
        "400 Bad Request",
    ],
)
def test_short_text_on_error_page_is_refused(title: str) -> None:
    assert extract_article(short_article_page(title), "https://e.example/a") is None


@pytest.mark.parametrize(
    "gate",
    [
        "本文为财新网付费内容，订阅用户可阅读。",
        "付费后阅读全文",
        "剩余80%内容，开通会员继续阅读",
        "还剩余 65% 未读",
        "登录后查看全文",
        "试读已结束，阅读剩余 80%",
        "该内容为付费内容",
        "以下为付费内容",
        "付费阅读",
        "此为付费文章",
        "剩余部分需付费阅读",
        "剩余85%",
        "付费阅读本文",
        "付费阅读后可查看全部内容",
        "此文章为付费内容",
        "当前内容为付费内容，开通会员查看",
        "这是一篇付费文章",
        "已阅读15%，剩余85%",
        "试读结束，剩余80%需订阅",
        "付费阅读：9.9元",
    ],
)
def test_short_text_behind_a_paywall_is_refused(gate: str) -> None:
    page = short_article_page("公司回购股份", extra=f"<div class='pay'>{gate}</div>")
    assert extract_article(page, "https://e.example/a") is None


CHECK_PAGES = {
    "bot check": (
        "<html><head><title>访问验证</title></head><body><div class='box'><h3>访问验证</h3>"
        "<p>系统检测到您的网络环境存在异常访问行为，为了保障您的正常使用，请完成下方的安全验证后"
        "继续访问。如果您频繁看到此页面，请检查网络环境是否使用了代理，或者联系网站管理员处理。"
        "</p><div id='captcha'></div></div></body></html>"
    ),
    "browser check": (
        "<html><head><title>Just a moment...</title></head><body><h1>www.example.com</h1>"
        "<p>Checking if the site connection is secure. www.example.com needs to review the"
        " security of your connection before proceeding. Enable JavaScript and cookies.</p>"
        "</body></html>"
    ),
}


@pytest.mark.parametrize("name", CHECK_PAGES)
def test_bot_checks_are_no_article(name: str) -> None:
    assert extract_article(CHECK_PAGES[name], "https://e.example/a") is None


@pytest.mark.parametrize(
    ("title", "extra"),
    [
        ("公司回购股份", "<div class='consent'>We use cookies. Accept all cookies?</div>"),
        ("工信部：规范人机验证与安全验证服务", ""),
    ],
)
def test_an_article_beside_a_cookie_banner_or_about_checks_is_kept(title: str, extra: str) -> None:
    article = extract_article(short_article_page(title, extra=extra), "https://e.example/a")
    assert article is not None and "回购资金总额" in article


def test_a_page_that_says_less_than_the_feed_keeps_the_feeds_text() -> None:
    from feedmill.store.entries import Item
    from feedmill.worker import with_full_text

    def item(link: str, content: str) -> Item:
        return Item.of(Entry(link, link, "标题", None, None, None, content))

    full = "".join(
        f"<p>第{i}段：统计局发布数据，工业增加值同比增长百分之六点二。</p>" for i in range(9)
    )
    teaser = short_article_page("公司回购股份")
    items = (item("https://e.example/1", full), item("https://e.example/2", "<p>摘要。</p>"))
    pages = tuple((i.entry.link, teaser, None, None) for i in items)
    out, note, retry, _ = with_full_text(items, pages)
    assert out[0].entry.content == full  # the feed said more
    assert "回购资金总额" in out[1].entry.content
    assert (
        note
        == "full text: 1 of 2 articles kept the feed's text: the page says less than the feed (1)"
    )
    assert not retry
    # A feed that gives the article and a "阅读原文" line: the page is as good.
    article = extract_article(teaser, "https://e.example/3")
    assert article is not None
    feed = item("https://e.example/3", article + "<p>阅读原文</p>")
    _, note, _, _ = with_full_text((feed,), (("https://e.example/3", teaser, None, None),))
    assert note is None


def test_a_page_that_breaks_extraction_fails_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """One page's surprise (an `<img width>` of 5,000 digits raised in the
    preparation) failed the whole feed as "parser crashed", every pass: the
    other items lost their articles and nothing of the feed was posted."""
    import feedmill.fulltext
    from feedmill.store.entries import Item
    from feedmill.worker import with_full_text

    def item(link: str) -> Item:
        return Item.of(Entry(link, link, "标题", None, None, None, "<p>摘要。</p>"))

    real = feedmill.fulltext.read_article

    def extract(html: str, url: str, headline: str = "") -> str:
        if url.endswith("/bad"):
            raise RuntimeError("a surprise")
        return real(html, url, headline)

    monkeypatch.setattr(feedmill.fulltext, "read_article", extract)
    items = (item("https://e.example/good"), item("https://e.example/bad"))
    page = short_article_page("公司回购股份")
    out, note, retry, refused = with_full_text(
        items, tuple((i.entry.link, page, None, None) for i in items)
    )
    assert "回购资金总额" in out[0].entry.content and out[1] == items[1]
    assert note == (
        "full text: 1 of 2 articles kept the feed's text: the page could not be read (RuntimeError) (1)"
    )
    assert not retry and refused == {"https://e.example/bad"}
    # The surprise that showed it: now a large image, not an error.
    huge = page.replace("</p>", f'<img src="/p.jpg" width="{"9" * 5000}"></p>', 1)
    assert "回购资金总额" in real(huge, "https://e.example/a")


@pytest.mark.parametrize(
    "html",
    ["", "   ", "<html></html>", "<p>短</p>", "\x00\x01binary", '<?xml version="1.0"?><html/>'],
)
def test_no_article_in_junk(html: str) -> None:
    assert extract_article(html, "https://www.example.com/") is None


def test_xml_declaration_and_relative_links() -> None:
    body = "".join(
        f"<p>第{i}段：这是一段足够长的正文内容，用来确认文章可以被正确提取出来。</p>"
        for i in range(6)
    )
    html = (
        '<?xml version="1.0" encoding="utf-8"?>\n<html><head><title>t</title></head><body>'
        f'<div class="nav"><a href="/">首页</a></div><div class="article">{body}'
        '<p><img src="../img/a.png"> <a href="b.html">下一节</a></p></div></body></html>'
    )
    article = extract_article(html, "https://site.example/news/2024/x.html")
    assert article is not None
    assert 'src="https://site.example/news/img/a.png"' in article
    assert 'href="https://site.example/news/2024/b.html"' in article


def _page_with(images: str) -> str:
    body = "".join(
        f"<p>第{i}段：这是一段足够长的正文内容，用来确认文章可以被正确提取出来。</p>"
        for i in range(6)
    )
    return (
        "<html><head><title>t</title></head><body>"
        f'<div class="nav"><a href="/">首页</a></div><div class="article">'
        f"<p>{images}</p>{body}</div></body></html>"
    )


def test_lazy_loaded_images_get_their_real_source() -> None:
    """As in feed HTML (sanitize/prepass.py): a stand-in ``src`` (any name
    the sanitizer knows: lazyload.png, img_loading.gif …) gives way to the
    lazy attribute, and an image with only a ``srcset`` takes its widest
    candidate — not a spinner, not a dropped image."""
    html = _page_with(
        '<img src="/static/lazyload.png" data-original="https://cdn.example/photo-1.jpg">'
        '<img srcset="https://cdn.example/photo-2.jpg 1x, https://cdn.example/photo-2@2x.jpg 2x">'
        '<img src="img_loading.gif" data-srcset="/img/photo-3.jpg 640w, /img/photo-3-big.jpg 1280w">'
        '<img src="data:image/gif;base64,R0lGOD" data-src="data:image/png;base64,iVBOR"'
        ' data-original="/img/photo-4.jpg">'
    )
    article = extract_article(html, "https://site.example/news/x.html")
    assert article is not None
    srcs = [img.get("src") for img in lxml.html.fromstring(article).iter("img")]
    assert srcs == [
        "https://cdn.example/photo-1.jpg",
        "https://cdn.example/photo-2@2x.jpg",
        "https://site.example/img/photo-3-big.jpg",
        "https://site.example/img/photo-4.jpg",
    ]
    clean = sanitize_html(article, base_url="https://site.example/news/x.html").html
    assert first_image(clean) == "https://cdn.example/photo-1.jpg"


def test_a_picture_or_link_to_nowhere_is_no_picture_or_link_of_the_page() -> None:
    """Made absolute, an empty ``src``, a stand-in's ``data:`` SVG or a
    ``javascript:`` one were the page's own URL: a picture of the page, and
    the post's cover; ``javascript:`` and ``#`` links went to the page.  The
    real picture in a stand-in's ``<noscript>`` or ``<picture>`` is taken,
    as in feed HTML (readability drops ``<noscript>``)."""
    page = "https://site.example/news/x.html"
    html = _page_with(
        '<img src="" alt="销量走势"><img src="#"><img src="javascript:void(0)">'
        '<img width="800" height="450" class="lazyload"'
        ' src="data:image/svg+xml,%3Csvg%20xmlns=%27http://www.w3.org/2000/svg%27%3E%3C/svg%3E">'
        '<noscript><img src="/up/chip.jpg"></noscript>'
        '<picture><source type="image/webp" srcset="/up/cpi.webp">'
        '<img src="data:image/gif;base64,R0lGOD"></picture>'
        '<a href="javascript:void(0)">比亚迪</a> <a href="#">宁德时代</a> <a href="#n1">[1]</a>'
        ' <a href="mailto:news@site.example">来信</a>'
    )
    article = extract_article(html, page)
    assert article is not None
    root = lxml.html.fromstring(article)
    srcs = [img.get("src") for img in root.iter("img")]
    assert srcs == ["https://site.example/up/chip.jpg", "https://site.example/up/cpi.webp"]
    assert [a.get("href") for a in root.iter("a")] == ["mailto:news@site.example"]
    assert "比亚迪" in article and "宁德时代" in article and "[1]" in article
    assert page not in article
    clean = sanitize_html(article, base_url=page).html
    assert first_image(clean) == "https://site.example/up/chip.jpg"


def test_open_the_app_lines_are_no_part_of_the_article() -> None:
    """The site's "open our app to read on" lines go; a how-to's steps that
    open an app stay (个税汇算: 打开个人所得税APP，查看…)."""
    steps = (
        "<ol><li>打开个人所得税APP，查看“收入纳税明细查询”，核对收入。</li>"
        "<li>打开个人所得税APP，看首页“综合所得年度汇算”入口。</li></ol>"
    )
    html = _page_with("").replace(
        "</div></body>",
        f"{steps}<p>打开36氪APP，阅读更多精彩内容</p><p>打开APP阅读全文</p>"
        "<p>下载新浪财经APP，获取最新行情</p><p>下载第一财经客户端</p></div></body>",
    )
    article = extract_article(html, "https://site.example/news/x.html")
    assert article is not None and "第5段" in article
    assert "阅读更多" not in article and "阅读全文" not in article
    assert "最新行情" not in article and "第一财经客户端" not in article
    assert "核对收入" in article and "年度汇算" in article


def test_players_and_small_data_tables_reach_the_post() -> None:
    """readability keeps only YouTube and Vimeo players and drops tables with
    little text; the tidying dropped every player's source.  The sanitizer
    decides instead: players of its allowed hosts, http(s) media."""
    html = _page_with(
        '<p><iframe src="https://player.bilibili.com/player.html?bvid=BV1xx" allowfullscreen>'
        "</iframe></p>"
        '<p><iframe src="https://ads.example/frame.html"></iframe></p>'
        '<video src="https://v.example/a.mp4" poster="https://v.example/p.jpg" controls></video>'
        '<p><audio src="https://a.example/a.mp3" controls></audio></p>'
        '<video controls><source src="https://v.example/b.mp4" type="video/mp4"></video>'
        "<table><tr><th>名称</th><th>涨幅</th></tr><tr><td>茅台</td><td>+3.5%</td></tr></table>"
    )
    article = extract_article(html, "https://site.example/news/x.html")
    assert article is not None
    clean = sanitize_html(article, base_url="https://site.example/news/x.html").html
    assert '<iframe src="https://player.bilibili.com/player.html?bvid=BV1xx"' in clean
    assert "ads.example" not in clean  # not an allowed player host
    assert '<video src="https://v.example/a.mp4" poster="https://v.example/p.jpg"' in clean
    assert '<audio src="https://a.example/a.mp3"' in clean
    assert '<source src="https://v.example/b.mp4" type="video/mp4">' in clean
    assert "<td>茅台</td><td>+3.5%</td>" in clean
    # Only for feedmill's own extraction: readability itself is left as it was.
    import readability.readability as engine

    assert not engine.is_video_url("https://ads.example/frame.html")
    # Pages are extracted on threads: every one keeps its player, and readability
    # is left as it was after them all.
    from concurrent.futures import ThreadPoolExecutor

    own = engine.is_video_url
    with ThreadPoolExecutor(8) as threads:
        pages = list(threads.map(lambda _: extract_article(html, "https://s.example/x"), range(40)))
    assert all(page and "player.bilibili.com" in page for page in pages)
    assert engine.is_video_url is own
    # A small table whose class reads as clutter goes, as readability would have it.
    promo = html.replace("<table>", '<table class="promo">')
    article = extract_article(promo, "https://site.example/news/x.html")
    assert article is not None and "茅台" not in article


def test_lazy_players_and_posters_of_a_page_reach_the_post() -> None:
    """WeChat's videos wait for a script (``data-src``): the tidying dropped
    the attribute, and the post held an empty player or none.  A poster,
    which lxml leaves relative, was read against the item's link, not the
    page it was found on (after a redirect, or under a ``<base>``)."""
    html = _page_with(
        '<iframe class="video_iframe" data-src="https://v.qq.com/txp/iframe/player.html?vid=w3"></iframe>'
        '<video data-src="https://v.example/jiedu.mp4" poster="https://v.example/p.jpg"></video>'
        '<audio data-src="https://a.example/a.mp3"></audio>'
        '<video controls><source data-src="https://v.example/b.mp4" type="video/mp4"></video>'
        '<video src="media/v.mp4" poster="media/cover.jpg"></video>'
    )
    page = "https://www.site.example/2024/11/a.html"
    article = extract_article(html, page)
    assert article is not None
    clean = sanitize_html(article, base_url="https://site.example/m/1").html
    assert '<iframe src="https://v.qq.com/txp/iframe/player.html?vid=w3"' in clean
    players = {
        (el.tag, el.get("src"), el.get("poster")) for el in lxml.html.fromstring(clean).iter()
    }
    assert ("video", "https://v.example/jiedu.mp4", "https://v.example/p.jpg") in players
    assert ("audio", "https://a.example/a.mp3", None) in players
    assert ("source", "https://v.example/b.mp4", None) in players
    site = "https://www.site.example/2024/11/media/"
    assert ("video", site + "v.mp4", site + "cover.jpg") in players
    based = html.replace("<head>", '<head><base href="/static/">')
    article = extract_article(based, page)
    assert (
        article is not None
        and 'poster="https://www.site.example/static/media/cover.jpg"' in article
    )


def test_an_article_of_unclosed_tags_is_read_to_its_end() -> None:
    """A CMS's unclosed <b> on every line, 300 deep: libxml2 stops reading at
    depth 256 unless told otherwise, and the post ended at line 251."""
    lines = "".join(
        f"<b>{n}. 第{n}条：这是一条足够长的规定，写明了办理的条件和程序。<br>" for n in range(300)
    )
    html = f"<html><body><div id='zoom'>{lines}<p>（完）</p></div></body></html>"
    article = extract_article(html, "https://gov.example.cn/a.html")
    assert article is not None and "第299条" in article and "（完）" in article


def test_the_pages_headline_above_the_article_is_the_posts_title_not_its_text() -> None:
    html = _page_with("").replace(
        '<div class="article">', '<div class="article"><h1>10月CPI同比上涨0.3%</h1>'
    )
    article = read_article(html, "https://site.example/a.html", "10月CPI同比上涨0.3%")
    assert "<h1>" not in article and "第0段" in article
    # Another heading, or one below the article's first words, stays.
    assert "<h1>" in read_article(html, "https://site.example/a.html", "物价数据发布")
    later = html.replace("<h1>", "<p>导语：统计局发布了十月份的物价数据，涨幅温和。</p><h1>")
    assert "<h1>" in read_article(later, "https://site.example/a.html", "10月CPI同比上涨0.3%")


def test_a_pages_tools_share_bars_tags_and_place_are_no_part_of_the_article() -> None:
    """Inside the article's block, as government and portal pages put them."""
    html = (
        _page_with("")
        .replace(
            '<div class="article">',
            '<div class="article"><p>【字体：大 中 小】【打印】【关闭】</p>'
            "<p>当前位置：首页 &gt; 新闻中心 &gt; 通知公告</p>",
        )
        .replace(
            "</div></body>",
            "<p>分享：微信 微博</p><p>一键分享 微信 微博</p><p>Share: Facebook X LinkedIn</p>"
            "<p>点赞 收藏 分享</p><p>标签：CPI 物价 统计局</p><p>分享至：微信 微博 QQ空间</p>"
            "<p>违法和不良信息举报电话：12377 举报邮箱：jubao@x.cn</p></div></body>",
        )
    )
    article = extract_article(html, "https://site.example/news/x.html")
    assert article is not None and "第5段" in article
    for furniture in ("字体", "当前位置", "分享", "一键", "Share", "点赞", "标签", "12377"):
        assert furniture not in article


def test_a_sites_menu_beside_an_article_of_lines_is_no_part_of_it() -> None:
    """An article of text split by <br> (a government page's): readability
    took the menu beside it for the article's first paragraph."""
    lines = "<br>".join(
        f"第{i}条：这是一条足够长的规定，写明了办理的条件和程序。" for i in range(8)
    )
    menu = "".join(
        f'<a href="/{i}">{name}</a>'
        for i, name in enumerate(("首页", "新闻中心", "政务公开", "办事服务", "互动交流"))
    )
    html = (
        f'<html><body><div class="nav">{menu}</div><h1>关于调整公交线路的通知</h1>'
        f'<div id="zoom">{lines}<p>详见<a href="/a">附件一</a>、<a href="/b">附件二</a>、'
        f'<a href="/c">附件三</a>和<a href="/d">附件四</a>。</p></div></body></html>'
    )
    article = read_article(html, "https://gov.example.cn/a.html", "关于调整公交线路的通知")
    assert "第7条" in article and "首页" not in article and "新闻中心" not in article
    assert "附件四" in article  # (a sentence with links in it is the article's)


def test_a_sections_heading_of_its_key_word_is_no_tag_line() -> None:
    """关键词：新质生产力 heads a year's review's section; a tag line lists tags."""
    sections = "".join(
        f"<h3>关键词：{word}</h3><p>{word}是今年经济工作的重点之一，各地出台了一系列政策措施。</p>"
        for word in ("新质生产力", "扩大内需", "安全发展")
    )
    html = _page_with("").replace("</div></body>", f"{sections}<p>标签：经济 盘点</p></div></body>")
    article = extract_article(html, "https://site.example/news/x.html")
    assert article is not None and article.count("<h3>关键词：") == 3
    assert "标签" not in article


def test_a_line_of_many_buttons_that_is_no_line_of_buttons_is_read_at_once() -> None:
    """Each "评论 " of a line that failed at its end doubled the time taken."""
    html = _page_with("").replace("</div></body>", "<p>" + "评论 " * 30 + "。</p></div></body>")
    article = extract_article(html, "https://site.example/news/x.html")
    assert article is not None and "评论 评论" in article


def test_a_notices_sentence_giving_a_hotline_is_the_article_not_the_sites_footer() -> None:
    notice = (
        "<p>欢迎广大人民群众积极检举揭发电信网络诈骗违法犯罪线索。举报电话：0571-87280110；"
        "举报邮箱：fzzx@hzga.gov.cn。对举报有功人员，公安机关将给予奖励并严格保密。</p>"
    )
    html = _page_with("").replace("</div></body>", f"{notice}</div></body>")
    article = extract_article(html, "https://site.example/news/x.html")
    assert article is not None and "对举报有功人员" in article


def test_a_page_laid_out_with_tables_is_not_kept_whole() -> None:
    from feedmill.fulltext import _data_table

    def table(markup: str) -> lxml.html.HtmlElement:
        return lxml.html.fragment_fromstring(markup)

    assert _data_table(table("<table><tr><td>名称</td></tr><tr><td>茅台</td></tr></table>"))
    assert not _data_table(table("<table><tr><td>只有一行</td></tr></table>"))
    nav = "".join(f'<tr><td><a href="/{i}">栏目{i}</a></td></tr>' for i in range(5))
    assert not _data_table(table(f"<table>{nav}</table>"))  # a menu
    layout = (
        "<table><tr><td><table><tr><td>x</td></tr></table></td></tr><tr><td>y</td></tr></table>"
    )
    assert not _data_table(table(layout))
    prose = "<table><tr><td>" + "正文" * 100 + "</td></tr><tr><td>页脚</td></tr></table>"
    assert not _data_table(table(prose))


def test_pixels_and_hidden_images_are_dropped_and_icons_keep_their_size() -> None:
    """readability strips ``width``, ``height`` and ``style``: sized before
    it runs, a tracking pixel or an image the page hid is dropped, and an
    icon or emoticon keeps its size — so none of them becomes the post's
    head image (``first_image``), as in feed HTML."""
    html = _page_with(
        '<img src="https://stat.example.com/c.gif?id=9" width="1" height="1">'
        '<img src="https://stat.example.com/p.png" style="width:1px;height:1px">'
        '<img src="https://site.example/hidden.jpg" style="display: none">'
        '<img src="https://site.example/wx.png" width="16" height="16">'
        '<img src="https://site.example/smile.png" style="height: 1em">'
        '<img src="https://cdn.example/photo.jpg" width="640" height="360">'
    )
    article = extract_article(html, "https://site.example/news/x.html")
    assert article is not None
    images = [dict(img.attrib) for img in lxml.html.fromstring(article).iter("img")]
    assert images == [
        {"src": "https://site.example/wx.png", "width": "16", "height": "16"},
        {"src": "https://site.example/smile.png", "height": "16"},
        {"src": "https://cdn.example/photo.jpg", "width": "640", "height": "360"},
    ]
    clean = sanitize_html(article, base_url="https://site.example/news/x.html").html
    assert first_image(clean) == "https://cdn.example/photo.jpg"


# -- addresses --------------------------------------------------------------------------------

PUBLIC = [
    "93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "[2606:4700:4700::1111]",
    "::ffff:8.8.8.8", "64:ff9b::808:808",  # IPv4-mapped and NAT64 forms of a public address
]  # fmt: skip
NOT_PUBLIC = [
    "127.0.0.1", "127.0.0.2", "10.0.0.5", "172.16.0.1", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "0.0.0.0", "0.1.2.3", "224.0.0.1", "255.255.255.255", "240.0.0.1",
    "192.0.2.1", "::1", "::", "fe80::1", "fe80::1%eth0", "fc00::1", "fd12:3456::1", "ff02::1",
    "fec0::1", "::ffff:127.0.0.1", "::ffff:10.0.0.5", "::ffff:169.254.169.254",
    "64:ff9b::7f00:1", "2002:7f00:1::1", "::127.0.0.1",
    "localhost", "example.com", "", "not an address",
]  # fmt: skip


@pytest.mark.parametrize("host", PUBLIC)
def test_public_addresses(host: str) -> None:
    assert is_public_address(host)


@pytest.mark.parametrize("host", NOT_PUBLIC)
def test_not_public_addresses(host: str) -> None:
    assert not is_public_address(host)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.9.9.9", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.5", "private"),
        ("172.16.3.4", "private"),
        ("192.168.1.1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("100.64.0.1", "shared (CGNAT)"),
        ("0.1.2.3", "this-network"),
        ("fec0::1", "site-local"),
        ("192.0.2.1", "private"),  # documentation
        ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
        ("::ffff:10.0.0.5", "IPv4-mapped private"),
        ("::ffff:169.254.169.254", "IPv4-mapped link-local"),
        ("64:ff9b::a00:5", "NAT64 private"),
        ("2002:a00:5::1", "6to4 private"),
        ("::127.0.0.1", "reserved"),  # IPv4-compatible, deprecated
    ],
)
def test_non_public_addresses(address: str, kind: str) -> None:
    ip = fulltext.parse_ip(address)
    assert ip is not None
    assert address_kind(ip) == kind


# -- decoding ---------------------------------------------------------------------------------

CHINESE = "朱镕基在会上讲话，𠮷野家开店。" * 20  # 镕: GBK not GB2312; 𠮷: GB18030 only


def test_decode_gbk_labels_as_gb18030() -> None:
    body = f"<html><body><p>{CHINESE}</p></body></html>".encode("gb18030")
    assert CHINESE in decode_html(body, "GBK")
    assert CHINESE in decode_html(body, "gb2312")
    meta = b'<html><head><meta charset="gb2312"></head>' + body
    assert CHINESE in decode_html(meta)
    equiv = b'<meta http-equiv="Content-Type" content="text/html; charset=GBK">' + body
    assert CHINESE in decode_html(equiv)


def test_decode_evidence_order() -> None:
    utf8 = f"<meta charset='gbk'><p>{CHINESE}</p>".encode()
    assert CHINESE in decode_html(utf8, "utf-8")
    assert CHINESE in decode_html(utf8, "gbk")  # valid UTF-8 beats a label
    assert CHINESE in decode_html(utf8)  # meta is wrong: bytes are UTF-8
    assert CHINESE in decode_html(b"\xef\xbb\xbf" + utf8, "gbk")  # BOM first
    assert CHINESE in decode_html(f"<p>{CHINESE}</p>".encode("gb18030"))  # detected
    assert CHINESE in decode_html(f"<p>{CHINESE}</p>".encode("gb18030"), "utf-8")  # label wrong
    assert decode_html(b"caf\xe9", "iso-8859-1") == "café"


def test_an_unlabelled_gbk_page_with_a_stray_byte_loses_that_byte_only() -> None:
    """A truncation that cut a character in half: neither valid GBK nor UTF-8,
    and too damaged for detection; the reading that loses least wins."""
    said = [
        "朱镕基同志在讲话中指出，要坚定不移地推进改革开放，进一步扩大内需，保持经济平稳较快发展。",
        "会议强调，各地区各部门要认真贯彻落实中央经济工作会议精神，切实做好稳增长、调结构各项工作。",
        "据统计，今年前三季度全国规模以上工业增加值同比增长百分之六点五，社会消费品零售总额稳步增长。",
    ]
    text = "".join(f"<p>{line}</p>" for line in said) + "<div>相关：央行宣布降准</div>"
    cut = text.encode("gbk").replace("准".encode("gbk"), "准".encode("gbk")[:1])
    page = decode_html(b"<html><body>" + cut + b"</body></html>", "")
    assert all(line in page for line in said) and page.count("\ufffd") == 1
    # UTF-8 with a stray byte stays UTF-8, wherever the byte is, labelled or not.
    # UTF-8 with a stray byte stays UTF-8: GB18030 reads almost any bytes,
    # with fewer replacements than UTF-8's one, as nonsense.
    from feedmill.parse.encoding import decode

    para = "<p>中国人民银行决定下调金融机构存款准备金率0.5个百分点，释放长期资金约1万亿元。</p>"
    for paragraphs in (1, 10):
        utf8 = f"<html><head><title>新闻</title></head><body>{para * paragraphs}</body></html>"
        raw = utf8.encode()
        middle = len(raw) // 2
        for label in ("text/html; charset=utf-8", None):
            read = decode(raw[:middle] + b"\xff" + raw[middle:], label)
            assert read.encoding == "utf-8" and "中国人民银行决定" in read.text, (paragraphs, label)


@pytest.mark.parametrize("label", [None, "ISO-8859-1"])
@pytest.mark.parametrize("script_kb", [10, 20, 60])
def test_inline_script_does_not_drown_an_unlabelled_gbk_pages_chinese(
    label: str | None, script_kb: int
) -> None:
    """A GBK page without a charset (or under a server's default Latin-1) with
    10 KB of inline script or more was read as Korean or Latin: the ASCII of
    the script outweighed its Chinese for charset detection."""
    script = (
        "<script>" + "var config = {track: true, id: 12345};\n" * (script_kb * 26) + "</script>"
    )
    said = "中国人民银行今日宣布下调存款准备金率，释放长期资金约一万亿元，支持实体经济发展。"
    page = f"<html><head>{script}<style>p {{ color: red }}</style></head><body>"
    page += "".join(f"<p>{said}</p>" for _ in range(6)) + "</body></html>"
    assert said in decode_html(page.encode("gbk"), label)


@pytest.mark.parametrize("label", [None, "ISO-8859-1"])
@pytest.mark.parametrize("labels_in_script", [20, 100, 400])
def test_a_short_article_beside_a_script_with_some_chinese(
    label: str | None, labels_in_script: int
) -> None:
    """10 KB of code holding a menu's Chinese labels beside one paragraph:
    read whole, or by where most of its Chinese is, the page came out cp1250."""
    labels = "".join(f'm["k{i}"]="{"北向资金科技"[i % 6]}";\n' for i in range(labels_in_script))
    script = "<script>" + "var config = {track: true, id: 12345};\n" * 260 + labels + "</script>"
    said = "中国人民银行今日宣布下调存款准备金率，释放长期资金约一万亿元，支持实体经济发展。"
    page = f"<html><head>{script}</head><body><p>{said}</p></body></html>"
    assert said in decode_html(page.encode("gbk"), label)


def test_an_app_page_whose_words_are_in_its_script_is_read_from_the_script() -> None:
    """A two-word title beside `window.__STATE__ = {…}` holding the Chinese:
    read without its scripts, the page gave charset detection four characters
    and came out Korean (꼿쒔 for 财经)."""
    import json

    state = json.dumps(
        {
            "list": [{"t": "北向资金净流入", "b": "沪深两市成交额突破万亿元，科技板块领涨。" * 3}]
            * 10
        },
        ensure_ascii=False,
    )
    page = (
        f"<html><head><title>财经</title></head><body><div id=app>财经频道</div>"
        f"<script>window.__STATE__={state}</script></body></html>"
    )
    assert decode_html(page.encode("gbk")) == page


def test_a_gbk_page_under_a_default_latin_1_label_or_late_meta_is_read_as_chinese() -> None:
    page = f"<p>{CHINESE}</p>".encode("gb18030")
    meta = b'<html><head><meta charset="gbk">'
    # Tomcat's and Apache's default header, with the page's own meta …
    assert CHINESE in decode_html(meta + b"</head><body>" + page, "ISO-8859-1")
    # … or without it: the bytes say what they are.
    assert CHINESE in decode_html(b"<html><body>" + page * 3, "ISO-8859-1")
    # The meta after 60 KB of inline script, and no charset in the header.
    script = b"<script>" + b"var x = 1;\n" * 6000 + b"</script>"
    late = b"<html><head>" + script + b'<meta charset="gbk"></head><body>' + page
    assert CHINESE in decode_html(late)
    # European Latin-1 stays Latin-1.
    assert decode_html("<p>Économie: café crème à Genève</p>".encode("latin-1"), "ISO-8859-1") == (
        "<p>Économie: café crème à Genève</p>"
    )


# -- fetching ---------------------------------------------------------------------------------

PARAGRAPH = "央行公开市场今日开展了逆回购操作，市场流动性保持合理充裕，短端利率小幅下行。"
PAGE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>要闻</title></head><body>"
    "<div class='nav'><a href='/'>首页</a></div><div class='article'>"
    + "".join(f"<p>{PARAGRAPH}第{i}段。</p>" for i in range(6))
    + "<p><img src='/img/chart.png' alt='走势'></p></div></body></html>"
)
HTML = {"Content-Type": "text/html; charset=utf-8"}
PRIVATE = ArticleOptions(allow_private=True)


def run(links: list[str], options: ArticleOptions = PRIVATE) -> dict[str, Article]:
    return asyncio.run(fetch_articles(links, options))


def one(link: str, options: ArticleOptions = PRIVATE) -> Article:
    return run([link], options)[link]


def test_fetches_and_extracts(feed_server: FeedServer) -> None:
    url = feed_server.add("/a", body=PAGE.encode(), headers=HTML)
    article = one(url)
    assert article.ok and article.error is None
    assert article.final_url == url
    assert article.html is not None and "<title>要闻</title>" in article.html
    assert article.content is not None
    assert f"{PARAGRAPH}第5段" in article.content
    assert f'src="{feed_server.url("/img/chart.png")}"' in article.content
    assert "首页" not in article.content
    _, headers = feed_server.requests[-1]
    assert headers["User-Agent"].startswith("feedmill/")
    assert "text/html" in headers["Accept"]


def test_without_extraction(feed_server: FeedServer) -> None:
    url = feed_server.add("/a", body=PAGE.encode(), headers=HTML)
    article = one(url, ArticleOptions(allow_private=True, extract=False))
    assert article.ok and article.html is not None and article.content is None


def test_page_without_an_article(feed_server: FeedServer) -> None:
    url = feed_server.add("/login", body=(ARTICLES / "login.html").read_bytes(), headers=HTML)
    article = one(url)
    assert article.error == "a login, paywall or bot-check page"
    assert article.html is not None  # the page itself is still there


def test_duplicate_links_are_fetched_once(feed_server: FeedServer) -> None:
    url = feed_server.add("/a", body=PAGE.encode(), headers=HTML)
    result = run([url, url, url])
    assert list(result) == [url]
    assert feed_server.hits["/a"] == 1
    assert run([]) == {}


def test_relative_redirects_are_followed(feed_server: FeedServer) -> None:
    feed_server.add("/old", status=301, headers={"Location": "/mid"})
    feed_server.add("/mid", status=302, headers={"Location": "new?x=1"})
    feed_server.add("/new?x=1", body=PAGE.encode(), headers=HTML)
    article = one(feed_server.url("/old"))
    assert article.ok, article.error
    assert article.url == feed_server.url("/old")
    assert article.final_url == feed_server.url("/new?x=1")


def test_a_page_that_sends_its_reader_on_at_once_is_followed(feed_server: FeedServer) -> None:
    """A stub in a redirect's place (`<meta http-equiv="refresh" content="0;
    url=…">`) was "a page without any text": it is followed as a redirect is
    (its hops counted, a loop told); a page that reloads itself is read."""
    stub = '<html><head><meta http-equiv="refresh" content="0; url=/news/a.html"></head></html>'
    feed_server.add("/stub", body=stub.encode(), headers=HTML)
    feed_server.add("/news/a.html", body=PAGE.encode(), headers=HTML)
    loop = '<meta content="0;URL=/loop" http-equiv="Refresh">'
    feed_server.add("/loop", body=loop.encode(), headers=HTML)
    reloads = PAGE.replace("<head>", '<head><meta http-equiv="refresh" content="300">')
    feed_server.add("/live", body=reloads.encode(), headers=HTML)
    # One no browser acts on: in a comment, a script's text, a <noscript>.
    unseen = (
        '<!-- <meta http-equiv="refresh" content="0; url=/old/"> -->'
        '<script>if (m) document.write(\'<meta http-equiv="refresh" content="0;url=/m/">\')</script>'
        '<noscript><meta http-equiv="refresh" content="0; url=/nojs.html"></noscript>'
    )
    feed_server.add("/kept", body=PAGE.replace("<head>", f"<head>{unseen}").encode(), headers=HTML)
    # … where the page has an article to read; a link stub's <noscript> (its
    # script sends readers on; feedmill runs none) is followed.
    stub = (
        "<html><head><script>location.replace('/news/a.html')</script><!-->"
        '<noscript><META http-equiv="refresh" content="0;URL=\'/news/a.html\'"></noscript>'
        "</head><body></body></html>"
    )
    feed_server.add("/link", body=stub.encode(), headers=HTML)
    # (A stub's long title or style is no text to read; an article behind a
    # large script at its top is.)
    titled = stub.replace(
        "<head>", f"<head><title>{'https://t.example/' * 8}</title><style>a{{}}</style>"
    )
    feed_server.add("/titled", body=titled.encode(), headers=HTML)
    script = f"<script>var state = {{{'1' * 70_000}}};</script>"
    behind = PAGE.replace("<head>", f"<head>{unseen}{script}")
    feed_server.add("/behind", body=behind.encode(), headers=HTML)
    paths = ("/stub", "/loop", "/live", "/kept", "/link", "/titled", "/behind")
    result = run([feed_server.url(p) for p in paths], ArticleOptions(allow_private=True))
    assert result[feed_server.url("/kept")].final_url == feed_server.url("/kept")
    assert result[feed_server.url("/link")].final_url == feed_server.url("/news/a.html")
    assert result[feed_server.url("/titled")].final_url == feed_server.url("/news/a.html")
    assert result[feed_server.url("/behind")].final_url == feed_server.url("/behind")
    article = result[feed_server.url("/stub")]
    assert article.ok, article.error
    assert article.final_url == feed_server.url("/news/a.html")
    assert result[feed_server.url("/loop")].error == (
        f"redirect loop: {feed_server.url('/loop')} → {feed_server.url('/loop')}"
    )
    assert result[feed_server.url("/live")].ok


def test_redirect_limits(feed_server: FeedServer) -> None:
    for i in range(8):
        feed_server.add(f"/r{i}", status=302, headers={"Location": f"/r{i + 1}"})
    feed_server.add("/r8", body=PAGE.encode(), headers=HTML)
    feed_server.add("/loop1", status=302, headers={"Location": "/loop2"})
    feed_server.add("/loop2", status=307, headers={"Location": "/loop1"})
    feed_server.add("/nowhere", status=302)
    feed_server.add("/ftp", status=302, headers={"Location": "ftp://example.com/a"})
    options = ArticleOptions(allow_private=True, max_redirects=5)
    result = run(
        [feed_server.url(p) for p in ("/r0", "/r3", "/loop1", "/nowhere", "/ftp")], options
    )
    assert result[feed_server.url("/r0")].error == "too many redirects (more than 5)"
    assert result[feed_server.url("/r3")].ok  # five hops exactly
    assert result[feed_server.url("/loop1")].error == (
        f"redirect loop: {feed_server.url('/loop1')} → {feed_server.url('/loop2')}"
        f" → {feed_server.url('/loop1')}"
    )
    assert result[feed_server.url("/nowhere")].error == "HTTP 302 without a Location header"
    assert result[feed_server.url("/ftp")].error == "blocked: not an http or https URL (ftp)"


def test_http_errors(feed_server: FeedServer) -> None:
    feed_server.add("/gone", status=410, body=b"gone", headers=HTML)
    result = run([feed_server.url("/missing"), feed_server.url("/gone")])
    assert result[feed_server.url("/missing")].error == "HTTP 404 Not Found"
    assert result[feed_server.url("/gone")].error == "HTTP 410 Gone"


@pytest.mark.parametrize(
    ("content_type", "body", "error"),
    [
        ("application/pdf", b"%PDF-1.7", "not an HTML page (application/pdf)"),
        ("application/json; charset=utf-8", b"{}", "not an HTML page (application/json)"),
        ("image/png", b"\x89PNG", "not an HTML page (image/png)"),
        (None, b"\x89PNG\r\n", "not an HTML page (no Content-Type, and no markup)"),
        # Labelled HTML, but not: its bytes read as text were the post.
        (
            "text/html; charset=utf-8",
            gzip.compress(
                b"<html><body><p>" + "正文".encode() * 200 + b"</p></body></html>", mtime=0
            ),
            "not an HTML page (text/html, but gzip-compressed with no Content-Encoding)",
        ),
        (
            "text/html",
            b"<p>" + bytes(range(256)) * 40,
            "not an HTML page (text/html, but binary data)",
        ),
    ],
)
def test_only_html(
    feed_server: FeedServer, content_type: str | None, body: bytes, error: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    url = feed_server.add("/x", body=body, headers=headers)
    assert one(url).error == error


def test_pages_of_nul_bytes_that_are_pages_are_read(feed_server: FeedServer) -> None:
    """UTF-16 without a BOM (its charset in the header, or in its <meta>),
    and a page with a stray NUL in its title: text, not "binary data"."""
    meta = PAGE.replace("<meta charset='utf-8'>", '<meta charset="utf-16le">', 1)
    assert meta != PAGE
    pages = [
        feed_server.add("/h", body=PAGE.encode("utf-16-le"),
                        headers={"Content-Type": "text/html; charset=utf-16le"}),
        feed_server.add("/m", body=meta.encode("utf-16-le"), headers=HTML),
        feed_server.add("/n", body=PAGE.replace("<title>", "<title>\x00", 1).encode(),
                        headers=HTML),
        feed_server.add("/b", body=PAGE.encode("utf-32"), headers={"Content-Type": "text/html"}),
        feed_server.add("/u", body=PAGE.encode("utf-16-le"),
                        headers={"Content-Type": "text/html; charset=unicode"}),
    ]  # fmt: skip
    result = run(pages)
    assert all(result[page].ok for page in pages), {p: result[p].error for p in pages}


def test_xhtml_and_untyped_html_are_accepted(feed_server: FeedServer) -> None:
    xhtml = feed_server.add(
        "/x", body=PAGE.encode(), headers={"Content-Type": "application/xhtml+xml"}
    )
    untyped = feed_server.add("/u", body=PAGE.encode())
    result = run([xhtml, untyped])
    assert result[xhtml].ok and result[untyped].ok


def test_body_cap(feed_server: FeedServer) -> None:
    big = feed_server.add("/big", body=b"<p>" + b"x" * 4096, headers=HTML)
    # A small gzip body that inflates past the cap: stopped while inflating.
    bomb = feed_server.add("/bomb", body=b"<p>" + b"0" * (64 * 1024), headers=HTML, gzip=True)
    result = run([big, bomb], ArticleOptions(allow_private=True, max_body=2048))
    assert result[big].error == "body larger than 2 KiB (Content-Length 4099; fulltext.max_body)"
    assert result[bomb].error == "body larger than 2 KiB after decompression (fulltext.max_body)"
    assert run([big], ArticleOptions(allow_private=True, extract=False))[big].ok


def test_compressed_page_is_decoded(feed_server: FeedServer) -> None:
    url = feed_server.add("/gz", body=PAGE.encode(), headers=HTML, gzip=True)
    article = one(url)
    assert article.ok and article.html is not None and PARAGRAPH in article.html


def test_deadline(feed_server: FeedServer) -> None:
    slow = feed_server.add("/slow", body=PAGE.encode(), headers=HTML, delay=5)
    trickle = feed_server.add("/trickle", body=PAGE.encode(), headers=HTML, trickle=0.05)
    result = run([slow, trickle], ArticleOptions(allow_private=True, timeout=0.3))
    assert result[slow].error == "timed out after 0.3 s"
    assert result[trickle].error == "timed out after 0.3 s"


def test_connection_refused() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    article = one(f"http://127.0.0.1:{port}/a")
    assert article.error == "cannot connect: connection refused"


def test_a_connection_reset_is_asked_again() -> None:
    """A page whose connection was reset (a firewall, a proxy cutting it) is
    asked for again, as a refused or timed-out one is: said as
    "ClientOSError: …", it counted as a page that failed for good, and the
    post kept its feed's teaser for good."""
    with resetting_server() as base:
        article = one(f"{base}/a")
    assert article.error == "connection lost: connection reset"
    assert is_transient(article.error)


def test_a_sites_wait_is_held_to_a_day() -> None:
    """A Retry-After of a week (or of years) leaves a host's pages alone a day
    at most, as a failing feed's wait is capped; a longer one stored stays."""
    from datetime import UTC, datetime, timedelta

    from yarl import URL

    from feedmill.fulltext import LONGEST_PAGE_WAIT, PageSlots

    slots = PageSlots(PRIVATE)
    before = datetime.now(UTC)
    until = slots.pause(URL("https://site.example/a.html"), timedelta(days=7))
    assert before + LONGEST_PAGE_WAIT <= until <= datetime.now(UTC) + LONGEST_PAGE_WAIT
    assert timedelta(hours=24) == LONGEST_PAGE_WAIT
    # A shorter wait asked for later does not shorten it.
    assert slots.pause(URL("https://site.example/b.html"), timedelta(seconds=5)) == until
    assert list(slots.paused) == ["site.example:443"]


def test_a_sites_wait_holds_from_when_it_was_asked_for_until_its_time() -> None:
    """Not before it was asked for: a wait stored while the clock ran ahead
    (hours, or a year), set right since, held the site's pages off that long."""
    from datetime import UTC, datetime, timedelta

    from feedmill.fulltext import Pause

    now = datetime.now(UTC)
    assert Pause(now - timedelta(minutes=1), now + timedelta(hours=1)).holds(now)
    assert not Pause(now - timedelta(hours=2), now - timedelta(hours=1)).holds(now)  # past
    assert not Pause(now + timedelta(hours=8), now + timedelta(hours=9)).holds(now)
    assert not Pause(now - timedelta(days=1), now + timedelta(days=365)).holds(now)


@pytest.mark.parametrize(
    ("link", "error"),
    [
        ("file:///etc/passwd", "blocked: not an http or https URL (file)"),
        ("javascript:alert(1)", "blocked: not an http or https URL (javascript)"),
        ("/relative/only", "blocked: not an http or https URL (no scheme)"),
        ("http:///nohost", "invalid URL: no host"),
        ("http://example.com:99999/", "invalid URL: Port out of range 0-65535"),
        # (Said "unexpected error: UnicodeError: encoding with 'idna' codec failed".)
        ("https://a..b.com/x", "invalid URL: 'a..b.com' is no host name (an empty part"),
    ],
)
def test_unusable_links(link: str, error: str) -> None:
    assert (one(link).error or "").startswith(error)


# -- pages in GBK and friends ----------------------------------------------------------------

TEXT = PAGE.replace("<meta charset='utf-8'>", "")


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"Content-Type": "text/html; charset=GBK"}, TEXT.encode("gbk")),
        ({"Content-Type": "text/html; charset=gb2312"}, TEXT.encode("gb18030")),
        (
            {"Content-Type": "text/html"},
            TEXT.replace("<head>", '<head><meta charset="gbk">').encode("gbk"),
        ),
        (
            {"Content-Type": "text/html"},
            TEXT.replace(
                "<head>",
                '<head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
            ).encode("gb18030"),
        ),
        ({"Content-Type": "text/html"}, TEXT.encode("gb18030")),  # no label at all
        ({"Content-Type": "text/html; charset=gbk"}, TEXT.encode("utf-8")),  # a wrong label
        ({"Content-Type": "text/html"}, b"\xef\xbb\xbf" + TEXT.encode("utf-8")),
    ],
    ids=["http-gbk", "http-gb2312", "meta-charset", "meta-http-equiv", "detected", "utf8", "bom"],
)
def test_page_encodings(feed_server: FeedServer, headers: dict[str, str], body: bytes) -> None:
    url = feed_server.add("/p", body=body, headers=headers)
    article = one(url)
    assert article.ok, article.error
    assert article.html is not None and PARAGRAPH in article.html
    assert article.content is not None and PARAGRAPH in article.content


# -- the SSRF guard, end to end ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "error"),
    [
        ("127.0.0.1", "blocked: 127.0.0.1 is a loopback address"),
        ("[::1]", "blocked: ::1 is a loopback address"),
        ("10.0.0.5", "blocked: 10.0.0.5 is a private address"),
        ("169.254.169.254", "blocked: 169.254.169.254 is a link-local address"),
        ("[::ffff:127.0.0.1]", "blocked: ::ffff:7f00:1 is an IPv4-mapped loopback address"),
        ("0.0.0.0", "blocked: 0.0.0.0 is an unspecified address"),
        ("127.1", "blocked: 127.1 is not a canonical IP address"),
        ("2130706433", "blocked: 2130706433 is not a canonical IP address"),
    ],
)
def test_guard_refuses_address_literals(feed_server: FeedServer, host: str, error: str) -> None:
    article = one(f"http://{host}:{feed_server.port}/a", ArticleOptions())
    assert article.error == error
    assert feed_server.hits["/a"] == 0


def test_guard_refuses_a_name_that_resolves_to_loopback(feed_server: FeedServer) -> None:
    feed_server.add("/a", body=PAGE.encode(), headers=HTML)
    article = one(f"http://localhost:{feed_server.port}/a", ArticleOptions())
    assert article.error is not None
    assert article.error.startswith("blocked: localhost resolves to ")
    assert article.error.endswith(" a loopback address")
    assert feed_server.hits["/a"] == 0


def test_private_addresses_allowed_on_request(feed_server: FeedServer) -> None:
    url = feed_server.add("/a", body=PAGE.encode(), headers=HTML)
    by_name = f"http://localhost:{feed_server.port}/a"
    result = run([url, by_name], ArticleOptions(allow_private=True))
    assert result[url].ok and result[by_name].ok


class FakeDNS(AbstractResolver):
    """Answers from a table; a list of answers is used up one lookup at a time."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.lookups: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.lookups.append(host)
        answers = self.table[host]
        address = answers.pop(0) if len(answers) > 1 else answers[0]
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        pass


@pytest.fixture
def loopback_is_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test server plays a public site: 127.0.0.1 (only) counts as public."""
    from feedmill.fetch import fence

    real = fence.address_kind

    def kind(ip: fulltext.IPAddress) -> str | None:
        return None if str(ip) == "127.0.0.1" else real(ip)

    monkeypatch.setattr(fulltext, "address_kind", kind)  # addresses written as such
    monkeypatch.setattr(fence, "address_kind", kind)  # the resolver's answers


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDNS]:
    fake = FakeDNS({})
    monkeypatch.setattr(fulltext, "_base_resolver", lambda: fake)
    yield fake


@pytest.mark.usefixtures("loopback_is_public")
@pytest.mark.parametrize(
    ("location", "error"),
    [
        ("http://10.0.0.5/admin", "blocked: 10.0.0.5 is a private address"),
        (
            "http://169.254.169.254/latest/meta-data/",
            "blocked: 169.254.169.254 is a link-local address",
        ),
        ("http://[::1]:8080/", "blocked: ::1 is a loopback address"),
        (
            "http://intranet.example/wiki",
            "blocked: intranet.example resolves to 10.1.2.3, a private address",
        ),
        (
            "http://metadata.example/",
            "blocked: metadata.example resolves to fd00::1, a private address",
        ),
        ("gopher://127.0.0.1:6379/_FLUSHALL", "blocked: not an http or https URL (gopher)"),
    ],
)
def test_guard_checks_every_redirect_hop(
    feed_server: FeedServer, dns: FakeDNS, location: str, error: str
) -> None:
    dns.table.update({"intranet.example": ["10.1.2.3"], "metadata.example": ["fd00::1"]})
    url = feed_server.add("/start", status=302, headers={"Location": location})
    article = one(url, ArticleOptions())
    assert article.error == error
    assert feed_server.hits["/start"] == 1  # the public first hop was fetched


@pytest.mark.usefixtures("loopback_is_public")
def test_guard_checks_the_address_connected_to(feed_server: FeedServer, dns: FakeDNS) -> None:
    """DNS rebinding: a name that answered with a public address once and a
    private one the next time is refused the next time — the check is on the
    answer the connector uses, not on an earlier lookup of its own."""
    dns.table["news.example"] = ["127.0.0.1", "10.0.0.7"]
    feed_server.add("/a", body=PAGE.encode(), headers=HTML)
    link = f"http://news.example:{feed_server.port}/a"
    assert one(link, ArticleOptions()).ok
    second = one(link, ArticleOptions())
    assert second.error == "blocked: news.example resolves to 10.0.0.7, a private address"
    assert feed_server.hits["/a"] == 1
    assert dns.lookups == ["news.example", "news.example"]


@pytest.mark.usefixtures("loopback_is_public")
def test_one_private_answer_among_public_ones_is_refused(
    feed_server: FeedServer, dns: FakeDNS, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def both(
        host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            {
                "hostname": host,
                "host": a,
                "port": port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": 0,
            }
            for a in ("127.0.0.1", "192.168.0.1")
        ]

    monkeypatch.setattr(dns, "resolve", both)
    feed_server.add("/a", body=PAGE.encode(), headers=HTML)
    article = one(f"http://mixed.example:{feed_server.port}/a", ArticleOptions())
    assert article.error == "blocked: mixed.example resolves to 192.168.0.1, a private address"
    assert feed_server.hits["/a"] == 0


# -- politeness -------------------------------------------------------------------------------


class Gauge:
    """Counts requests in progress across servers and keeps the peak."""

    def __init__(self, hold: float) -> None:
        self.hold = hold
        self.active = 0
        self.peak = 0
        self.lock = threading.Lock()

    def __call__(self, request: BaseHTTPRequestHandler) -> Route | None:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        time.sleep(self.hold)
        with self.lock:
            self.active -= 1
        return None


@pytest.mark.parametrize(("concurrency", "per_host"), [(3, 2), (8, 2), (2, 8)])
def test_concurrency_limits(concurrency: int, per_host: int) -> None:
    gauge = Gauge(hold=0.03)
    servers = [FeedServer().start() for _ in range(3)]
    try:
        links = []
        for server in servers:
            for i in range(4):
                links.append(
                    server.add(f"/{i}", Route(body=PAGE.encode(), headers=HTML, handler=gauge))
                )
        options = ArticleOptions(allow_private=True, concurrency=concurrency, per_host=per_host)
        result = run(links, options)
    finally:
        for server in servers:
            server.stop()
    assert all(article.ok for article in result.values())
    assert all(server.peak <= per_host for server in servers)
    assert gauge.peak <= concurrency


def test_default_options() -> None:
    options = ArticleOptions()
    assert (options.timeout, options.max_body, options.concurrency, options.per_host) == (
        20.0,
        5 * MiB,
        8,
        2,
    )
    assert options.allow_private is False


def test_a_page_far_larger_than_an_article_is_refused_before_extraction() -> None:
    from feedmill.fulltext import MAX_ELEMENTS, PageTooLarge, extract_article

    # A page of links: extraction time grows with the square of its elements.
    unit = "<a href='/x'>链接</a>" * 20 + f"<p>{PARAGRAPH}</p>"
    page = f"<html><body><div>{unit * (MAX_ELEMENTS // 20)}</div></body></html>"
    with pytest.raises(PageTooLarge, match="page too large to extract"):
        extract_article(page, "https://news.example/a.html")


def test_a_page_nested_far_deeper_than_an_article_is_refused_before_extraction() -> None:
    """2,000 nested <div>s (22 KB) held a pass for 45 s in readability."""
    from feedmill.fulltext import MAX_DEPTH, PageTooLarge, extract_article

    page = f"<html><body>{'<div>' * 2000}<p>{PARAGRAPH}</p>{'</div>' * 2000}</body></html>"
    with pytest.raises(PageTooLarge, match="page too deep to extract"):
        extract_article(page, "https://news.example/a.html")
    # An article's few dozen levels are read; so is a CMS's <div> left open on each line.
    text = f"<p>{PARAGRAPH}</p>" * 5
    shallow = f"<html><body>{'<div>' * 40}{text}{'</div>' * 40}</body></html>"
    assert MAX_DEPTH > 40 and extract_article(shallow, "https://news.example/a.html")
    lines = "".join(f"<div>{n}. {PARAGRAPH}" for n in range(300))
    article = extract_article(f"<html><body>{lines}</body></html>", "https://news.example/a.html")
    assert article is not None and "299. " in article


def test_unclosed_meta_tags_are_scanned_in_one_pass() -> None:
    # 80,000 "<meta " without ">": tried from each, quadratic in the 512 KiB scanned.
    assert decode_html(b"<meta " * 80_000).startswith("<meta ")


# A page whose script draws the article (36kr): what is left is menus and a footer.
SCRIPT_DRAWN = """<html><head><title>比亚迪海外工厂投产-36氪</title></head><body>
<div id="app"><div class="header"><a href="/">首页</a><a href="/newsflashes">快讯</a></div>
<div class="loading">加载中...</div>
<div class="footer"><div class="about"><p>36氪是一家以科技创新为核心的综合服务平台，
为创业者、投资人、企业及科技爱好者提供全方位的信息、数据与社区服务，覆盖前沿科技、
新消费、出海、企业服务等多个领域，帮助用户发现机会、连接资源、做出更好的决策。</p>
<p>关于36氪 | 城市合作 | 寻求报道 | 我要入驻 | 投资者关系 | 商务合作 | 联系我们 | 加入我们</p>
<p>京ICP备12031756号-6 京公网安备11010502036099号 违法和不良信息举报电话：010-89650707</p>
</div></div></div>
<script>window.initialState={"articleDetail":{"content":"<p>比亚迪泰国工厂今日投产……</p>"}}</script>
</body></html>"""


def test_a_page_whose_script_draws_the_article_keeps_the_feeds_text() -> None:
    from feedmill.store.entries import Item
    from feedmill.worker import with_full_text

    summary = "<p>比亚迪泰国工厂正式投产，年产能十五万辆，成为其在东南亚的首个整车生产基地。</p>"
    link = "https://36kr.example/p/3301"
    item = Item.of(
        Entry(link, link, "比亚迪海外工厂投产，东南亚布局提速", None, None, None, summary)
    )
    out, note, retry, _ = with_full_text((item,), ((link, SCRIPT_DRAWN, None, None),))
    assert out[0].entry.content == summary
    assert note == (
        "full text: 1 of 1 articles kept the feed's text:"
        " the page's text has nothing of the item's (drawn by its script?) (1)"
    )
    assert not retry


def test_a_teaser_says_too_little_to_judge_a_page_by() -> None:
    from feedmill.worker import strays_from

    article = "<p>统计局发布数据，一季度工业增加值同比增长百分之六点二，增速较上年加快。</p>"
    assert not strays_from(article, "快讯", "<p>详见原文。</p>")  # nothing to judge by
    assert not strays_from(article, "一季度工业增加值增长6.2%", "")  # the title is in it
    assert strays_from(article, "比亚迪海外工厂投产", "")
    assert strays_from(article, "", "<p>" + "比亚迪泰国工厂正式投产，年产能十五万辆。" + "</p>")


def test_a_title_with_figures_is_judged_by_its_words() -> None:
    """Letters and digits stopped at no Chinese: "2024年一季度GDP同比增长5"
    was one word of the title, which no page shares, and a real article
    was taken for one its script draws."""
    from feedmill.normalize.text import story_grams
    from feedmill.worker import strays_from

    grams = story_grams("央行3月开展5000亿元MLF操作")
    assert grams == {"央行", "月开", "开展", "5000", "亿元", "mlf", "操作"}
    article = (
        "<p>国家统计局发布数据，初步核算，一季度国内生产总值同比增长5.3%，"
        "比上年四季度环比增长1.6%。</p>"
    )
    assert not strays_from(article, "深度解读：2024年一季度GDP同比增长5.3%", "<p>开局良好。</p>")
    assert not strays_from(article, "一文读懂：A股2024年一季度数据", "")
    assert strays_from(article, "深度解读：2024年新能源车出口", "")


@pytest.mark.parametrize(
    "paragraph",
    [
        "个人收款二维码原则上不得用于经营活动。",
        "消费者可拨打12315举报电话进行投诉。",
        "声明还表示，公司将保留追究相关方法律责任的权利。",
        "中央网信办违法和不良信息举报中心指导全国各级网信举报工作部门、"
        "各主要网站平台受理处置违法和不良信息举报1.8亿件，环比增长3.2%。",
        "中央网信办违法和不良信息举报中心公布了10起典型案例。",
        "市场监管总局提醒，消费者可拨打举报电话12315或登录全国12315平台进行投诉举报。",
        "警方提醒，切勿扫描陌生人发来的二维码，以免财产受损。",
        "监管部门关注到，部分商户的收款二维码被篡改。",
        "二维码支付安全问题引发关注。",
        "图为某超市收银台张贴的收款二维码",
        # A court's reasoning, a rule's terms, what a statement said.
        "法院审理认为，被告未经许可，擅自使用原告出镜的视频制作换脸模板，侵害了原告的个人信息权益。"
        "依据相关规定，未经授权不得使用他人人脸信息，被告应承担相应的侵权责任。",
        "未经许可使用他人肖像进行商业活动，是近年来网络侵权纠纷中的高发类型。",
        "条例规定，未经许可，不得使用无人机拍摄军事设施。",
        "特别声明称，公司不存在应披露而未披露的重大事项。",
        "版权所有者可以向平台发起投诉，平台应在24小时内处理。",
        "转载请求被拒绝后，该作者将平台诉至法院。",
        "分享到朋友圈的内容被截图传播，当事人报警。",
        "扫一扫就能付款的便利背后，是支付安全的隐忧。",
        "市场有风险偏好回升的迹象，成交额连续三日过万亿元。",
        "根据著作权法规定，未经著作权人许可，任何人不得复制、发行其作品，否则将承担侵权责任。",
        "《规定》明确，未经用户同意，不得复制、转发用户的聊天记录，违者将被依法处罚。",
        "法院审理认为，未经权利人许可，不得转载其享有著作权的作品，被告的行为构成侵权。",
        "办法要求，平台未经作者授权，不得转载、摘编其发布的原创内容，违者将被约谈。",
        "教育部提醒，考试试题在启用前属于国家秘密，未经许可不得传播。",
        "法院判决指出，涉案作品未经授权不得改编。",
        "公安机关提醒广大网民，涉案视频涉及未成年人隐私，未经授权，任何单位和个人不得传播。",
        "专家表示，个人健康信息属于敏感信息，未经同意不得传播；违者将承担法律责任。",
        "公安机关提醒，相关视频涉及当事人隐私，未经授权不得转发，否则将依法追究法律责任。",
        "该条例明确，涉及个人隐私的信息，未经当事人同意，不得转发。",
        "考试院提醒，考试试题属于国家秘密，启用前未经许可不得复制，违者将依法追究刑事责任。",
        "《条例》第十二条规定，未经权利人许可，不得复制。",
        "教育部提醒，高考试题在启用前属于国家秘密，任何单位和个人未经批准同意，不得复制，"
        "否则将追究刑事责任。",
        "本文系统梳理了公共数据授权运营的主要模式，并提出了政策建议。",
        "本文系列数据显示，一季度居民消费支出增长，其中服务消费增长较快。",
        "她表示，自己在每篇文章末尾都注明了版权：未经本人允许，禁止转载！但仍有平台照搬。",
        "教育部提醒，考生的个人信息，未经本人同意，不得复制、转载，违者将依法追究责任。",
    ],
)
def test_news_that_says_what_boilerplate_says_is_kept(paragraph: str) -> None:
    body = _RRR.format(1) + f"<p>{paragraph}</p>" + _RRR.format(2) + _RRR.format(3)
    page = f"<html><body><div class='article-content'>{body}</div></body></html>"
    article = extract_article(page, "https://www.stcn.com/a.html")
    assert article is not None and paragraph in article


@pytest.mark.parametrize(
    "line",
    [
        "扫描下方二维码关注我们",
        "长按识别二维码",
        "—END—",
        "— END —",
        "违法和不良信息举报电话：010-12345678",
        "免责声明：本文仅供参考。",
        "声明：本文不构成投资建议。",
        "中国证券报微信二维码",
        "【声明】本文转载自网络，如有侵权请联系删除",
        "举报电话 12377",
        "扫描文末二维码，关注我们",
        "扫描上面的二维码",
        "官方公众号二维码",
        "举报邮箱 jubao@example.com",
        "中国互联网举报中心",
        "声明 本文不构成投资建议",
        "第一财经APP二维码",
        "二维码",
        "官方微博二维码",
        "财新网二维码",
        "举报电话12377",
        "公众号二维码 抖音号二维码 视频号",
        "未经许可，不得转载",
        "未经本网书面授权，禁止以任何形式转载、摘编",
        "版权所有，未经许可不得转载",
        "分享到 微信 微博",
        "扫一扫，关注我们",
        "市场有风险，投资需谨慎",
        "- Advertisement -",
        "Story continues below advertisement",
        "【广告】",
        "未经授权，任何单位和个人不得转载、摘编或以其他方式使用。",
        "未经许可，任何单位、个人不得转载。",
        "未经授权，禁止任何形式的转载。",
        "本文为原创内容，未经授权，禁止转载。",
        "扫一扫在手机打开当前页",
        "分享到新浪微博",
        "分享到 新浪微博 腾讯微博 QQ空间",
        "分享到 Facebook Twitter",
        "市场有风险！投资需谨慎！",
        "阅读全文，请下载第一财经APP",
        "精彩内容，请下载澎湃新闻APP",
        "— Advertisement —",
        "未经正式授权严禁转载本文，侵权必究。",
        "本文系作者原创，未经授权不得转载，违者必究。",
        "原创文章，未经授权禁止转载，否则追究法律责任。",
        "文章版权归作者所有，未经作者许可，禁止转载，违者将追究法律责任。",
        "*未经允许，禁止转载，侵权必究",
        "未经新浪财经书面许可，不得转载。",
        "版权归财经早知道所有，未经授权，不得转载、摘编或以其它方式使用。",
        "版权归财经早知道所有，未经授权，不得转载、摘编或以其他方式使用本网站内容。",
        "（本文系证券时报独家稿件，未经许可禁止转载）",
        "本文系原创，未经授权，严禁转载、抄袭，违者必究。",
        "本文系作者授权发布，未经许可禁止二次转载。",
        "未经本人允许，禁止转载！",
        "未经授权，不得复制、转载。",
        "未经用户许可，禁止转载。",
        "凡本网注明“来源：中国经济网”的所有作品，版权均属于中国经济网，"
        "未经本网授权不得转载、摘编或利用其它方式使用上述作品。",
        "刊用本网站稿件，务经书面授权。未经授权禁止转载、摘编、复制及建立镜像，违者将依法追究法律责任。",
    ],
)
def test_the_sites_own_lines_are_still_dropped(line: str) -> None:
    body = _RRR.format(1) + _RRR.format(2) + f"<p>{line}</p>" + _RRR.format(3)
    page = f"<html><body><div class='article-content'>{body}</div></body></html>"
    article = extract_article(page, "https://www.stcn.com/a.html")
    assert article is not None and "第3段" in article and line not in article


def test_a_chinese_sites_licence_and_report_lines_are_no_article() -> None:
    article = extract_article(SCRIPT_DRAWN, "https://36kr.example/p/3301")
    assert article is not None and "综合服务平台" in article
    assert "ICP" not in article and "举报" not in article


_RRR = "<p>第{}段：央行决定下调金融机构存款准备金率0.5个百分点，释放长期流动性约1万亿元，支持实体经济。</p>"


@pytest.mark.parametrize(
    "ad",
    [
        "<div class='ad'><a href='https://ad.example/x'><img src='https://ad.example/banner.jpg'>"
        "</a>开户即送万元体验金，点击领取</div>",
        "<div class='adv-box' id='ad_1'><a href='https://ad.example/x'>"
        "<img src='https://ad.example/banner.jpg' width='640' height='100'></a></div>",
        "<div class='sinaads'><a href='https://ad.example/x'>"
        "<img src='https://ad.example/banner.jpg'></a></div>",
    ],
)
def test_an_advertisement_inside_the_article_is_no_part_of_it(ad: str) -> None:
    # Its words stayed in the post, and its banner became the post's picture.
    body = _RRR.format(1) + _RRR.format(2) + ad + _RRR.format(3) + _RRR.format(4)
    page = f"<html><body><div class='article-content'>{body}"
    page += "<p><img src='https://www.stcn.com/news.jpg'></p></div></body></html>"
    article = extract_article(page, "https://www.stcn.com/a.html")
    assert article is not None and "第4段" in article
    assert "ad.example" not in article and "体验金" not in article
    assert "https://www.stcn.com/news.jpg" in article


@pytest.mark.parametrize(
    "credit", ["<br>来源：国家统计局", "<br>© Reuters", " Copyright 2024 Getty Images"]
)
def test_a_picture_in_the_block_of_its_credit_is_kept(credit: str) -> None:
    """The block went as the site's line, and the chart with it."""
    picture = f'<p><img src="https://www.stcn.com/gdp.jpg" width="640">{credit}</p>'
    body = _RRR.format(1) + picture + _RRR.format(2) + _RRR.format(3)
    page = f"<html><body><div class='article-content'>{body}</div></body></html>"
    article = extract_article(page, "https://www.stcn.com/a.html")
    assert article is not None and 'src="https://www.stcn.com/gdp.jpg"' in article
    assert credit.strip("<br> ") not in article


def test_an_ad_of_a_tagdiv_theme_is_no_part_of_the_article() -> None:
    ad = (
        "<div class='td-a-rec td-a-rec-id-content_inline'><span class='td-adspot-title'>"
        "- Advertisement -</span><a href='https://ad.example/x'>"
        "<img src='https://ad.example/banner.jpg'></a></div>"
    )
    body = _RRR.format(1) + ad + _RRR.format(2) + _RRR.format(3)
    page = f"<html><body><div class='article-content'>{body}</div></body></html>"
    article = extract_article(page, "https://www.stcn.com/a.html")
    assert article is not None and "第3段" in article
    assert "ad.example" not in article and "Advertisement" not in article


def test_a_picture_alone_in_a_bare_block_is_kept() -> None:
    # stcn's <div class="detail-img">: a short block to readability, dropped.
    picture = (
        '<div class="detail-img"><img src="https://static.stcn.com/a.jpg" alt="储能电站"></div>'
    )
    body = _RRR.format(1) + picture + _RRR.format(2) + _RRR.format(3)
    page = f"<html><body><div class='detail-content'>{body}</div></body></html>"
    article = extract_article(page, "https://www.stcn.com/a.html")
    assert article is not None and 'src="https://static.stcn.com/a.jpg"' in article


@pytest.mark.parametrize(
    "picture",
    [
        # Toutiao's, beside an empty caption; other sites' wrappers of wrappers.
        '<div class="pgc-img"><img src="https://p3.example/a.jpeg"><p class="pgc-img-caption"></p></div>',
        '<div class="img-box"><img src="https://p3.example/a.jpeg"><div class="img-desc"></div></div>',
        '<div class="pic"><div><img src="https://p3.example/a.jpeg"></div></div>',
        '<section class="img"><img src="https://p3.example/a.jpeg"></section>',
    ],
)
def test_a_picture_in_blocks_of_nothing_else_is_kept(picture: str) -> None:
    """Its wrapper's empty caption made it a block of more than a picture:
    readability dropped it as saying nothing, every Toutiao picture with it."""
    body = _RRR.format(1) + picture + _RRR.format(2) + _RRR.format(3)
    page = f"<html><body><article class='syl-article-base'>{body}</article></body></html>"
    article = extract_article(page, "https://www.toutiao.com/article/1/")
    assert article is not None and 'src="https://p3.example/a.jpeg"' in article


def test_a_wechat_editors_sections_keep_their_headings_and_pictures() -> None:
    """135editor's sections say `class="_135editor"`: each judged on its own,
    every subheading and picture of the article went."""
    section = '<section class="_135editor" data-tools="135编辑器">{}</section>'
    body = (
        section.format("<p><strong>01 税优怎么算</strong></p>")
        + _RRR.format(1)
        + _RRR.format(2)
        + section.format(
            '<img data-src="https://mmbiz.qpic.cn/x/640" src="data:image/gif;base64,R0l">'
        )
    )
    page = f'<html><body><div id="js_content" style="visibility:hidden">{body}</div></body></html>'
    article = read_article(page, "https://mp.weixin.qq.com/s/x")
    assert "税优怎么算" in article and 'src="https://mmbiz.qpic.cn/x/640"' in article


def test_a_paywall_after_a_long_teaser_is_no_article() -> None:
    """A teaser past 500 characters, then the wall: posted as the article,
    the wall's "订阅后阅读全文 … 立即订阅" its last lines, status silent."""
    teaser = "".join(_RRR.format(i) for i in range(6))
    wall = (
        '<div class="cx-paywall" id="chargeWall"><div class="title">本文为财新通付费内容</div>'
        '<p>订阅后阅读全文，尊享全站付费内容</p><a href="/subscribe/">立即订阅</a></div>'
    )
    page = f'<html><body><div id="the_content"><div class="text">{teaser}</div>{wall}</div></body></html>'
    with pytest.raises(fulltext.NoArticle, match="paywall"):
        read_article(page, "https://finance.example.com/a.html")
    # … a long one, the wall's line before the site's pitch.
    pitch = (
        "<p>会员全年498元，畅读全部付费文章、周刊电子版及往期杂志；数据通会员另享财经数据库、"
        "研报及专属行业简报服务；新用户首月仅需1元，可随时取消。</p><p>已是会员？请登录。</p>"
    )
    teaser = (
        "".join(_RRR.format(i) for i in range(12)) + "<p>（本文剩余80%内容，订阅后阅读全文）</p>"
    )
    page = f'<html><body><div id="the_content"><div class="text">{teaser}{pitch}</div></div></body></html>'
    with pytest.raises(fulltext.NoArticle, match="paywall"):
        read_article(page, "https://finance.example.com/a.html")


@pytest.mark.parametrize("at", [0, 8])
def test_an_article_telling_of_a_wall_is_no_wall(at: int) -> None:
    """News about a login wall or a paywall says the wall's words in a
    sentence of its own: the whole article was refused as a paywall page."""
    said = "<p>业内人士表示，新闻快讯仍可免费浏览，但深度调查、独家专访和研究报告则需订阅后阅读全文。</p>"
    paragraphs = [_RRR.format(i) for i in range(12)]
    body = "".join([*paragraphs[:at], said, *paragraphs[at:]])
    page = (
        "<html><head><title>又一财经媒体推出付费墙 - 新闻网</title></head>"
        f'<body><div class="article-content">{body}</div></body></html>'
    )
    assert "第11段" in read_article(page, "https://www.example.com/a.html")


def test_a_sites_link_back_to_itself_ends_no_article() -> None:
    """Sohu ends the last paragraph of every article with a link home."""
    back = (
        '<a href="//www.sohu.com/?strategyid=00001 " id="backsohucom"><span class="backword">'
        '<i class="backsohu"></i>返回搜狐，查看更多</span></a>'
    )
    body = _RRR.format(1) + _RRR.format(2) + f"<p>物价将保持温和回升。{back}</p>"
    page = f'<html><body><article class="article" id="mp-editor">{body}</article></body></html>'
    article = read_article(page, "https://www.sohu.com/a/1_2")
    assert "物价将保持温和回升" in article and "返回搜狐" not in article


def test_a_page_whose_item_the_worker_reads_otherwise_is_judged_without_it() -> None:
    # The main process asks for pages by the links it read; the worker's own
    # reading of the document may not list one of them the same way.
    from feedmill.worker import with_full_text

    link = "https://36kr.example/p/3301"
    out, note, _, _ = with_full_text((), ((link, SCRIPT_DRAWN, None, None),))
    assert out == () and note is None


@pytest.mark.parametrize("menus", [0, 70])
@pytest.mark.parametrize("marked", [True, False])
def test_a_hidden_article_is_shown_behind_any_number_of_hidden_menus(
    menus: int, marked: bool
) -> None:
    """WeChat's article page hides the article until its script shows it; an
    article page hides its menus too.  Only the first 64 hidden elements were
    looked at: behind 70 menus, the article was lost — WeChat's own too."""
    paragraph = "<p>" + "银行间市场流动性总体平稳，央行公开市场操作保持灵活。" * 6 + "</p>"
    names = 'id="js_content" class="rich_media_content" ' if marked else ""
    page = (
        "<html><head><title>央行：流动性总体平稳</title></head><body>"
        + '<ul style="display:none"><li><a href="/m">菜单</a></li></ul>' * menus
        + f'<div {names}style="visibility: hidden;">{paragraph * 30}</div></body></html>'
    )
    article = extract_article(page, "https://mp.weixin.qq.com/s/abc")
    assert article is not None and "银行间市场流动性总体平稳" in article
    assert "菜单" not in article


def test_links_led_to_no_article_of_their_own() -> None:
    """Where a link's redirects ended, told apart from an article: the front
    page (`/`, `/index.html`, `/default.aspx`), the feed's own address, a page
    two links ended at; not an article that moved, nor https or www."""
    from feedmill.fulltext import led_elsewhere

    own = {"https://e.example/news/"}  # the feed's <link> (`not_articles`)
    pages = [
        ("https://e.example/a/1", "https://e.example/"),
        ("https://e.example/a/2", "https://e.example/index.html"),
        ("https://e.example/a/3", "https://e.example/default.aspx"),
        ("https://e.example/a/4", "https://e.example/news/"),
        ("https://e.example/a/5", "https://e.example/list.html"),
        ("https://e.example/a/6", "https://e.example/list.html"),
        ("https://e.example/a/7", "https://e.example/2024/a/7.html"),  # moved: its page
        ("http://e.example/a/8", "https://www.e.example/a/8"),
        ("https://e.example/a/9", None),  # not redirected
        ("https://e.example/news/index.html?id=10", "https://e.example/news/index.html?id=10"),
        # The front page with a query that names no article: a removed one's.
        ("https://e.example/a/11", "https://e.example/?from=article_removed"),
        ("https://e.example/a/12", "https://e.example/index.shtml?src=deleted"),
        # … but an article's own: a CMS's numbered page, WordPress's ?p=.
        ("https://e.example/a/13", "https://e.example/index.php?m=content&a=show&id=13"),
        ("https://e.example/?p=14", "https://e.example/?p=14&lang=zh"),
        ("https://e.example/a/15", "https://e.example/index.php?route=news/article&slug=a-15"),
        ("https://short.example/abc", "https://e.example/?name=my-first-post"),
        ("https://e.example/a/16", "https://www.e.example/?from=article_removed"),
        ("https://e.example/a/17", "https://e.example/?redirect=%2Fa%2F17"),  # a login's
    ]
    found = led_elsewhere(pages, own)
    assert set(found) == {f"https://e.example/a/{i}" for i in [*range(1, 7), 11, 12, 16]}
    assert found["https://e.example/a/4"].startswith("the link led to the site's front page")
    assert found["https://e.example/a/5"].startswith(
        "the link led to a page other items' links led to"
    )
