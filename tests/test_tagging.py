"""Hexo tags: A-share stocks from links and a dictionary, and keyword tags."""

from __future__ import annotations

import random
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedmill.publish.categories import hexo_slug
from feedmill.tagging import (
    DEFAULT_STOPWORDS,
    TagPolicy,
    clean_tag,
    load_dictionary,
    load_stopwords,
    market_of,
    stocks,
    tags_for,
)
from feedmill.tagging import keywords as kw
from feedmill.tagging.keywords import StopwordsError
from feedmill.tagging.stocks import DictionaryError, NameMatcher, code_from_url, normalize_code

from conftest import DATA, SAMPLES

STCN = (
    '…数字孪生、智能制造及<a class="trsHotWords" target="_blank"'
    ' href="https://info.stcn.com/dc/stock/?stockcode=SZ300024" code="300024">机器人</a>'
    "等关键技术取得突破…打造上海"
    '<a class="trsHotWords" href="https://info.stcn.com/dc/stock/?stockcode=SZ000516"'
    ' code="000516">国际医学</a>科创中心'
)
PLAIN = TagPolicy()
needs_idf = pytest.mark.skipif(
    kw.idf_path() is None, reason=f"TF-IDF needs jieba's IDF table ({kw.JIEBA_REQUIREMENT})"
)


def link(href: str, text: str = "贵州茅台") -> str:
    return f'<p>消息面上，<a href="{href}">{text}</a>午后拉升。</p>'


# ---- stocks from links ----


def test_the_stcn_example() -> None:
    assert tags_for("上海科技创新", STCN, PLAIN) == ("机器人(300024)", "国际医学(000516)")


def test_every_stock_of_the_stcn_sample_feed() -> None:
    items = ET.parse(SAMPLES / "stcn-yw.xml").getroot().iter("item")
    found = [
        tag for item in items for tag in tags_for("", item.findtext("description") or "", PLAIN)
    ]
    assert set(found) == {
        "机器人(300024)",
        "国际医学(000516)",
        "线上线下(300959)",
        "宁德时代(300750)",
        "比亚迪(002594)",
        "隆基绿能(601012)",
        "贵州茅台(600519)",
        "上港集团(600018)",
    }


@pytest.mark.parametrize(
    ("href", "code"),
    [
        ("https://info.stcn.com/dc/stock/?stockcode=SZ300024", "300024"),
        ("https://quote.eastmoney.com/sz300024.html", "300024"),
        ("http://quote.eastmoney.com/SH600519.html", "600519"),
        ("https://quote.eastmoney.com/kcb/688981.html", "688981"),
        ("https://quote.eastmoney.com/bj/830799.html", "830799"),
        ("https://quote.eastmoney.com/bj/920163.html", "920163"),
        ("//quote.eastmoney.com/unify/r/1.600519", "600519"),
        ("https://quote.eastmoney.com/unify/r/0.300024", "300024"),
        ("https://guba.eastmoney.com/list,300024.html", "300024"),
        (
            "https://emweb.securities.eastmoney.com/PC_HSF10/NewFinanceAnalysis/Index?code=SZ300024",
            "300024",
        ),
        ("https://finance.sina.com.cn/realstock/company/sh600519/nc.shtml", "600519"),
        ("https://finance.sina.com.cn/realstock/company/bj430047/nc.shtml", "430047"),
        (
            "https://vip.stock.finance.sina.com.cn/corp/go.php/vCI_CorpInfo/stockid/600519.phtml",
            "600519",
        ),
        ("http://stockpage.10jqka.com.cn/300024/", "300024"),
        ("https://stockpage.10jqka.com.cn/000001", "000001"),
        ("https://xueqiu.com/S/SH600519", "600519"),
        ("https://gu.qq.com/sh600519/gp", "600519"),
        ("https://www.cls.cn/stock?code=sz300024", "300024"),
        ("http://stock.jrj.com.cn/share,600519.shtml", "600519"),
        ("http://stock.jrj.com.cn/share,600519,ggxw.shtml", "600519"),
        ("https://finance.yahoo.com/quote/600519.SS", "600519"),
        ("https://finance.yahoo.com/quote/300024.SZ/history", "300024"),
        (
            "http://www.cninfo.com.cn/new/disclosure/stock?stockCode=000001&orgId=gssz0000001",
            "000001",
        ),
        ("https://info.stcn.com/dc/stock/?stockcode%3DSZ300024", "300024"),
    ],
)
def test_quote_page_links(href: str, code: str) -> None:
    assert code_from_url(href) == code
    assert tags_for("", link(href), TagPolicy(stock_format="{code}")) == (code,)


@pytest.mark.parametrize(
    "href",
    [
        "https://quote.eastmoney.com/sh000001.html",  # 上证指数, not a stock
        "https://xueqiu.com/S/SZ399001",  # 深证成指
        "https://finance.sina.com.cn/realstock/company/sh000300/nc.shtml",  # 沪深300
        "https://quote.eastmoney.com/bj/899050.html",  # 北证50
        "https://quote.eastmoney.com/sh900901.html",  # a B share
        "https://quote.eastmoney.com/sz159915.html",  # an ETF
        "https://quote.eastmoney.com/unify/r/1.300024",  # 1 is Shanghai; 300024 is Shenzhen
        "https://quote.eastmoney.com/unify/r/90.BK1036",  # a sector board
        "https://stockpage.10jqka.com.cn/1A0001/",  # an index
        "https://stockpage.10jqka.com.cn/spService/300024/Header/realDxjl",
        "https://quote.eastmoney.com/hk/00700.html",
        "https://example.com/reports/300024.pdf",  # a bare code on an unknown site
        "https://example.com/install/600519.sh",  # a script, not 600519.SH
        "https://finance.sina.com.cn/stock/jsy/2022-09-21/doc-imqqsmrp3950417.shtml",
        "https://example.com/ash600519x",
        # A picture's file name: the page it is on tells another story.
        "https://img.example.com/2024/0312/sh600000_1.jpg",
        "https://img.example.com/2024/0312/SH600000.JPG",
        "https://example.com/files/600519.SH.pdf",
        "https://example.com/sh6005190",
        "https://sz300024.example.com/",  # the host is not a code
        "javascript:go('sz300024')",
        "http://[::1/sz300024",  # not a URL at all
        "",
    ],
)
def test_links_that_name_no_stock(href: str) -> None:
    assert code_from_url(href) is None
    assert tags_for("", link(href), TagPolicy(stock_format="{code}")) == ()


def test_the_code_attribute_alone_and_in_conflict() -> None:
    alone = '<a class="trsHotWords" code="300750">宁德时代</a>'
    assert tags_for("", alone, PLAIN) == ("宁德时代(300750)",)
    conflict = '<a href="https://quote.eastmoney.com/sz300750.html" code="002594">比亚迪</a>'
    assert tags_for("", conflict, PLAIN) == ()
    bad = '<a class="trsHotWords" code="399001">深证成指</a><a code="20240512">日期</a>'
    assert tags_for("", bad, PLAIN) == ()
    # stcn's links to indices: the code of a Shenzhen stock, the market of an index.
    index = '<a class="trsHotWords" href="https://info.stcn.com/dc/stock/?stockcode=SH{0}" code="{0}">{1}</a>'
    indices = index.format("000001", "上证指数") + index.format("000300", "沪深300")
    assert tags_for("", indices, PLAIN) == ()


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("贵州茅台", "贵州茅台(600519)"),
        (" 贵州茅台 1689.00 +1.22%", "贵州茅台(600519)"),
        ("贵州茅台(600519)", "贵州茅台(600519)"),
        ("贵州茅台（SH600519）", "贵州茅台(600519)"),
        ("*ST茅台", "＊ST茅台(600519)"),
        ("Ｇ茅台Ａ", "G茅台A(600519)"),
        ("$贵州茅台(SH600519)$", "贵州茅台(600519)"),  # Xueqiu's cashtag
        ("600519", None),  # the code is no name
        ("贵州茅台发布2023年年报", None),  # a headline is no name
        ("点击查看行情 >>", None),  # short names have at most four Chinese characters
        ("https://quote.eastmoney.com/sh600519.html", None),
        # The code with its market is no name either: it was the tag SH(600519).
        ("SH600519", None),
        ("$SH600519$", None),
        ("sh600519", None),
        ("600519.SH", None),
    ],
)
def test_names_from_link_text(text: str, tag: str | None) -> None:
    html = link("https://quote.eastmoney.com/sh600519.html", text)
    assert tags_for("", html, PLAIN) == ((tag,) if tag else ())
    assert tags_for("", html, TagPolicy(stock_format="{code}")) == ("600519",)


def test_xueqiu_cashtag_links() -> None:
    html = (
        '<p>长期看好 <a href="https://xueqiu.com/S/SH600519">$贵州茅台(SH600519)$</a> 和 '
        '<a href="https://xueqiu.com/S/SZ300750" target="_blank">$宁德时代(SZ300750)$</a></p>'
    )
    assert tags_for("雪球：白酒怎么看", html, PLAIN) == ("贵州茅台(600519)", "宁德时代(300750)")


QUOTE = "http://quote.eastmoney.com/sh600519.html"


@pytest.mark.parametrize(
    "text",
    [
        "查看行情",
        "行情",
        "股吧",
        "个股资料",
        "资金流向",
        "公告",
        "研报",
        "K线",
        "点击查看",
        "茅台股吧",
        "More",
    ],
)
def test_link_text_that_names_the_page_is_no_name(text: str) -> None:
    assert tags_for("", link(QUOTE, text), PLAIN) == ()
    assert tags_for("", link(QUOTE, text), TagPolicy(stock_format="{code}")) == ("600519",)
    # The stock's name in a later link is its name, wherever the page links come.
    after = f'<p>（<a href="{QUOTE}">{text}</a>）<a href="{QUOTE}">贵州茅台</a>涨3%</p>'
    assert tags_for("", after, PLAIN) == ("贵州茅台(600519)",)


def test_the_name_most_links_give_a_stock() -> None:
    moutai = f'<a href="{QUOTE}">贵州茅台</a>'
    html = f'<p><a href="{QUOTE}">白酒龙头</a>{moutai}</p><p>{moutai}</p>'
    assert tags_for("", html, PLAIN) == ("贵州茅台(600519)",)
    # Of names given equally often, the first.
    html = f'<p><a href="{QUOTE}">茅台</a>{moutai}</p>'
    assert tags_for("", html, PLAIN) == ("茅台(600519)",)


def test_link_text_that_is_another_stocks_name_is_not_this_ones() -> None:
    policy = TagPolicy(dictionary={"宁德时代": "300750"})
    html = f'<p><a href="{QUOTE}">宁德时代</a>与<a href="{QUOTE}">贵州茅台</a></p>'
    assert tags_for("", html, policy) == ("贵州茅台(600519)", "宁德时代(300750)")


def test_a_latin_alias_of_several_words_is_found_as_written() -> None:
    """The dictionary's spaces were dropped (KweichowMoutai), the text's kept:
    never found, and its words became keyword tags instead."""
    policy = TagPolicy(dictionary={"贵州茅台": "600519", "Kweichow  Moutai": "600519"})
    html = "<p>Kweichow Moutai shares rose today.</p>"
    assert tags_for("", html, policy) == ("贵州茅台(600519)",)
    # … beside punctuation too, and from a dictionary file's line of spaces
    names = {"China Vanke Co. Ltd": "000002", "BYD Co., Ltd": "002594", "万 科A": "000002"}
    policy = TagPolicy(dictionary=names)
    html = "<p>China Vanke Co. Ltd and BYD Co., Ltd reported; 万科A跌停.</p>"
    assert tags_for("", html, policy) == ("China Vanke Co. Ltd(000002)", "BYD Co., Ltd(002594)")
    assert stocks._entry("Kweichow Moutai 600519") == ("Kweichow Moutai", "600519")
    assert stocks._entry("万  科Ａ 000002") == ("万科A", "000002")


def test_one_tag_per_stock_in_order_of_first_mention() -> None:
    moutai = '<a href="https://quote.eastmoney.com/sh600519.html">贵州茅台</a>'
    catl = '<a class="trsHotWords" code="300750">宁德时代</a>'
    html = f"<p>{moutai}、{catl}</p>" + f"<p>{moutai}</p>" * 4 + f"<p>{catl}{moutai}</p>"
    assert tags_for("", html, PLAIN) == ("贵州茅台(600519)", "宁德时代(300750)")
    # A stock named in the title comes first.
    policy = TagPolicy(dictionary={"宁德时代": "300750"})
    assert tags_for("宁德时代涨超3%", html, policy) == ("宁德时代(300750)", "贵州茅台(600519)")


# ---- formats ----


@pytest.mark.parametrize(
    ("fmt", "tags"),
    [
        ("{name}", ("机器人", "国际医学")),
        ("{code}", ("300024", "000516")),
        ("{market}{code}", ("SZ300024", "SZ000516")),
        ("{code}.{market}", ("300024.SZ", "000516.SZ")),
        ("{name}（{market}:{code}）", ("机器人（SZ:300024）", "国际医学（SZ:000516）")),
        ("{{{name}}}", ("{机器人}", "{国际医学}")),
    ],
)
def test_stock_formats(fmt: str, tags: tuple[str, ...]) -> None:
    assert tags_for("", STCN, TagPolicy(stock_format=fmt)) == tags


def test_markets() -> None:
    assert [market_of(c) for c in ("600519", "688981", "000001", "300750", "430047", "920163")] == [
        "SH",
        "SH",
        "SZ",
        "SZ",
        "BJ",
        "BJ",
    ]
    assert [
        market_of(c) for c in ("399001", "900901", "159915", "899050", "12345", "６００５１９")
    ] == [None] * 6
    assert normalize_code("sh600519") == normalize_code("600519.SS") == "600519"
    assert normalize_code("SZ600519") is None  # 600519 is in Shanghai


@pytest.mark.parametrize(
    ("fmt", "message"),
    [
        ("{nam}", r"unknown placeholder \{nam\}; use \{name\}, \{code\} and \{market\}"),
        ("{}", r"unknown placeholder \{\}"),
        ("{0}", r"unknown placeholder \{0\}"),
        ("{name.upper}", r"unknown placeholder"),
        ("{code!r}", r"write \{code\} plainly"),
        ("{code:>8}", r"write \{code\} plainly"),
        ("{name", r"stock_format '\{name'"),
        ("name}", r"stock_format 'name\}'"),
        ("{market}", r"neither \{name\} nor \{code\}"),
        ("股票", r"neither \{name\} nor \{code\}"),
        ("{name}/{code}", r"'/' cannot be part of a Hexo tag"),
        ("#{name}", r"'#' cannot be part of a Hexo tag"),
        ("{name}?", r"'\?' cannot be part of a Hexo tag"),
        ("{name}\n{code}", r"control character"),
    ],
)
def test_bad_formats_are_value_errors(fmt: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TagPolicy(stock_format=fmt)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"keywords": -1}, "keywords must be 0"),
        ({"keywords": 2.5}, "keywords must be a whole number"),
        ({"max_tags": 0}, "max_tags must be 1 or more"),
        ({"keyword_method": "lda"}, "keyword_method must be 'tfidf' or 'textrank'"),
        ({"dictionary": {"茅台": "000001.SH"}}, r"'000001.SH' is not an A-share stock code"),
        ({"dictionary": {"茅": "600519"}}, "too short"),
        ({"dictionary": {"国际医学": 334}}, r"the code must be text, not 334 \(quote it in YAML"),
        ({"dictionary": {"茅台": "600519", "茅 台": "000001"}}, "'茅台' is both 600519 and 000001"),
    ],
)
def test_bad_policies_are_value_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TagPolicy(**kwargs)  # type: ignore[arg-type]


def test_tfidf_without_jieba_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kw, "idf_path", lambda: None)
    with pytest.raises(ValueError, match=r"pip install 'jieba>=0\.42\.1'"):
        TagPolicy(keywords=3)
    TagPolicy(keywords=0)  # keywords off: jieba is not needed
    TagPolicy(keywords=3, keyword_method="textrank")  # nor for TextRank


# ---- dictionary names in text ----

DICTIONARY = {
    "中国平安": "601318",
    "平安银行": "000001",
    "平安集团": "601318",
    "平安": "601318",
    "TCL科技": "000100",
    "TCL": "000100",
    "京东方A": "000725",
}
NAMES = TagPolicy(dictionary=DICTIONARY)


@pytest.mark.parametrize(
    ("html", "tags"),
    [
        ("<p>中国平安与平安银行同日公告</p>", ("中国平安(601318)", "平安银行(000001)")),
        ("<p>平安银行，平安集团</p>", ("平安银行(000001)", "中国平安(601318)")),  # alias
        ("<p>中国<b>平安</b>上涨</p>", ("中国平安(601318)",)),  # inline markup
        ("<p>中国&#24179;安上涨</p>", ("中国平安(601318)",)),  # character references
        ("<p>TCL科技</p><p>XTCL科技</p>", ("TCL科技(000100)",)),
        ("<p>XTCL科技, 3TCL科技</p>", ()),  # Latin names are words
        ("<p>TCLX, TCL5G</p>", ()),
        # … but a Chinese name's share class before a date is its end.
        ("<p>京东方A9月20日晚间公告</p>", ("京东方A(000725)",)),
        ("<p>京东方A2024年净利润增长</p>", ("京东方A(000725)",)),
        ("<p>京东方AB</p>", ()),
        ('<a href="https://example.com/s?q=中国平安">新闻</a>', ()),
        ('<img alt="中国平安" src="a.png"><p title="平安银行">x</p>', ()),
        ("<p>详见 https://example.com/TCL科技/ 页面</p>", ()),
        ("<p>中国</p><p>平安夜</p>", ()),  # 平安 in 平安夜 is no word
        ("<p>中国</p><p>银行</p>", ()),
        ("<script>中国平安</script><style>.平安银行{}</style><!-- 中国平安 -->", ()),
    ],
)
def test_dictionary_names(html: str, tags: tuple[str, ...]) -> None:
    assert tags_for("", html, NAMES) == tags


def test_longest_name_wins() -> None:
    matcher = NameMatcher({"平安": "601318", "中国平安": "601318", "中国": "600000"})
    assert list(matcher.find("中国平安、中国、平安")) == [
        (0, "中国平安", "601318", True),
        (5, "中国", "600000", True),
        (8, "平安", "601318", False),  # an ordinary word (safe): see below
    ]
    # A longer name cut short by the end of the text is no match of it.
    assert list(NameMatcher({"平安银行": "000001", "平安": "601318"}).find("平安")) == [
        (0, "平安", "601318", False)
    ]


def test_institutions_named_after_a_bank_are_not_the_bank() -> None:
    matcher = NameMatcher({"中国银行": "601988"})
    text = "中国银行保险监督管理委员会、中国银行业协会、中国银行间市场交易商协会与中国银行"
    assert list(matcher.find(text)) == [(len(text) - 4, "中国银行", "601988", True)]
    for headline in ("中国银行业绩快报", "中国银行业务收入增长", "中国银行保险箱服务暂停"):
        assert [found.name for found in matcher.find(headline)] == ["中国银行"], headline
    # Nor are their leftovers keyword tags ("业协会", "保险监督管理委员会").
    policy = TagPolicy(dictionary={"中国银行": "601988"}, keywords=5)
    tags = tags_for("中国银行业协会发布年度报告", "<p>中国银行业协会发布报告。</p>", policy)
    assert "中国银行(601988)" not in tags and "业协会" not in tags


@pytest.mark.parametrize(
    ("name", "code", "text"),
    [
        # Shibor, in every money-market report; any bank's name before 间.
        ("上海银行", "601229", "上海银行间同业拆放利率（Shibor）隔夜品种上行12个基点。"),
        ("北京银行", "601169", "北京银行间市场资金面宽松。"),
        ("北京银行", "601169", "北京银行间债券市场成交活跃，北京银行间资金面宽松。"),
        ("中国移动", "600941", "《2024中国移动互联网年度大报告》称，中国移动支付市场扩大。"),
        ("中国电信", "601728", "中国电信诈骗案件数量下降，中国电信网络诈骗手法翻新。"),
        ("中国卫星", "600118", "中国卫星导航与位置服务产业协会发布白皮书。"),
        ("中国黄金", "600916", "中国黄金储备报7280万盎司，中国黄金协会数据显示消费下降。"),
        ("中国卫星", "600118", "中国卫星导航系统管理办公室发布公告。"),
        ("上海电力", "600021", "上海电力交易中心发布公告。"),
        ("广州发展", "600098", "广州发展改革委印发方案。"),
        ("上海临港", "600848", "上海临港新片区管委会发布政策。"),
    ],
)
def test_terms_that_begin_with_a_companys_name_are_not_the_company(
    name: str, code: str, text: str
) -> None:
    policy = TagPolicy(dictionary={name: code}, keywords=0)
    assert tags_for("", f"<p>{text}</p>", policy) == ()
    # The company itself, beside one of them, still is.
    assert tags_for("", f"<p>{text}{name}公告称业绩增长。</p>", policy) == (f"{name}({code})",)


@pytest.mark.parametrize(
    ("name", "code", "text"),
    [
        ("上海银行", "601229", "上海银行间接持有该公司5%股份。"),  # indirectly
        ("建设银行", "601939", "工商银行和建设银行间的合作加深。"),  # between
        ("中国移动", "600941", "中国移动支付了1000万元罚款。"),  # paid
        ("中国移动", "600941", "中国移动支付用户流量补贴2亿元。"),  # pays users
        ("建设银行", "601939", "工商银行和建设银行间资金往来增加。"),  # between
    ],
)
def test_the_companys_own_sentences_that_begin_as_such_a_term_does_name_it(
    name: str, code: str, text: str
) -> None:
    policy = TagPolicy(dictionary={name: code}, keywords=0)
    assert tags_for("", f"<p>{text}</p>", policy) == (f"{name}({code})",)


def test_a_keyword_is_written_without_its_accents_as_hexo_names_its_page() -> None:
    """Hexo gives Hermès and Hermes one page (/tags/Hermes/), which listed
    the posts of one of the two spellings: each is written Hermes."""
    policy = TagPolicy(keywords=5)
    accented = tags_for("", "<p>爱马仕Hermès发布财报，Hermès营收增长。</p>", policy)
    plain = tags_for("", "<p>爱马仕Hermes发布财报，Hermes营收增长。</p>", policy)
    assert accented == plain and "Hermes" in plain
    # A stop word is one in either spelling.
    for stop in ("Hermes", "Hermès"):
        quiet = TagPolicy(keywords=5, stopwords=frozenset({stop}))
        for text in ("Hermès", "Hermes"):
            tags = tags_for("", f"<p>爱马仕{text}发布财报，{text}营收增长。</p>", quiet)
            assert "Hermes" not in tags and "Hermès" not in tags, (stop, text, tags)


STOCKS = TagPolicy(
    dictionary={
        "中国银行": "601988",
        "东方财富": "300059",
        "机器人": "300024",
        "老百姓": "603883",
        "人民网": "603000",
        "新华网": "603888",
        "同花顺": "300033",
        "贵州茅台": "600519",
        "茅台": "600519",
        "宁德时代": "300750",
        "国际医学": "000516",
        "工商银行": "601398",
        "五粮液": "000858",
        "紫金矿业": "601899",
    }
)


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("工商银行行长刘珺表示", "工商银行(601398)"),  # jieba joins 银行行长
        ("中国银行行长出席论坛", "中国银行(601988)"),
        ("五粮液集团发布公告", "五粮液(000858)"),
        ("紫金矿业集团年报", "紫金矿业(601899)"),
        ("贵州茅台酒股份有限公司公告", "贵州茅台(600519)"),  # the company's legal name
    ],
)
def test_a_name_followed_by_its_own_people_or_group_is_found(text: str, tag: str) -> None:
    assert tags_for("", f"<p>{text}</p>", STOCKS) == (tag,)


@pytest.mark.parametrize(
    "text",
    [
        "中国银行业净息差持续收窄",  # 中国|银行业
        "中国银行业理财市场年度报告发布",
        "东方财富网9月20日讯，A股三大指数集体收涨",  # 东方|财富网
        "打造国际医学中心",  # 国际|医学中心
        "茅台酒价格回落，茅台镇酒企",
    ],
)
def test_names_inside_longer_words_are_not_found(text: str) -> None:
    assert tags_for("", f"<p>{text}</p>", STOCKS) == ()


@pytest.mark.parametrize(
    "text",
    [
        "东方财富网讯：A股三大指数集体收涨",  # eastmoney's first line
        "人民网讯 近日",
        "同花顺财经讯",
        "据新华网报道，",
        "来源：同花顺",
        "新华网北京9月20日电 记者从央行获悉",  # a dateline
        "新华网上海9月20日电 上交所发布新规。",
        "据新华网消息，央行降准。",
        "据同花顺财经报道，",
        "请下载东方财富APP",  # its product
        "东方财富Choice数据显示，",
        "同花顺iFinD数据显示，",
        "据同花顺统计，",
        "据东方财富统计，",
        "来源 | 新华网",
        "来源丨新华网",
        "本文来自新华网",
        "新华网报道，央行降准。",
        "新华网客户端消息",
        # A data vendor cited for its figures: the vendor, not its stock.
        "同花顺数据显示，今日北向资金净买入52亿元。",
        "据东方财富数据，两市成交额1.2万亿元。",
        "据同花顺iFinD统计，",
        "东方财富Level-2数据显示，",
        "同花顺 iFinD 数据显示，",
        "东方财富Choice统计数据显示，",
        "据同花顺数据中心统计，",
        "同花顺的数据显示，",
        # … one of several: each was credited only next to 来源 or 数据显示.
        "数据来源：Wind、同花顺iFinD",
        "数据来源：同花顺iFinD、东方财富Choice",
        "据东方财富、同花顺统计，今年以来",
        "同花顺、东方财富数据显示，北向资金",
        "来源：公司公告、同花顺",
        "本文来源：东方财富",
        "消息来源：同花顺",
        "本文来源：同花顺、东方财富",
        "转载来源：同花顺",
        "参考来源：东方财富、同花顺",
        "2024年05月01日来源：同花顺",  # (a page's date and credit, joined)
        "封面来源：同花顺",
        "新闻稿来源：同花顺",
    ],
)
def test_an_outlets_byline_is_no_mention_of_its_stock(text: str) -> None:
    assert tags_for("", f"<p>{text}</p>", STOCKS) == ()


def test_a_list_of_names_is_no_list_of_sources_unless_credited() -> None:
    both = ("同花顺(300033)", "东方财富(300059)")
    policy = TagPolicy(dictionary={"同花顺": "300033", "东方财富": "300059", "中国平安": "601318"})
    assert tags_for("", "<p>同花顺、东方财富股价大涨。</p>", policy) == both
    assert tags_for("", "<p>据悉，同花顺、东方财富涨停。</p>", policy) == both
    for text in (
        "资金来源：自有资金，中国平安认购。",
        "主要收入来源、中国平安的贡献。",
        # Sources of what is no page's: customers, money.
        "订单来源：中国移动、中国平安。",
        "资金来源：北向资金、中国平安等险资",
        "资金来源：中国平安",
        "收入主要来源：中国平安",
        "收入的来源：中国平安。",
        "公司业务来源：中国平安、中国人寿。",
        "融资来源：中国平安",
        "投资来源：中国平安",
        "保费来源：中国平安",
    ):
        assert tags_for("", f"<p>{text}</p>", policy) == ("中国平安(601318)",), text
    assert tags_for("", "<p>图片来源：视觉中国、同花顺</p>", policy) == ()


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("贵州茅台发布公告", "贵州茅台(600519)"),
        ("宁德时代：2023年净利润增长", "宁德时代(300750)"),
        ("贵州茅台（600519）午后拉升", "贵州茅台(600519)"),
        ("中国银行业绩快报", "中国银行(601988)"),
        ("东方财富发布2023年年报", "东方财富(300059)"),
        ("新华网发布公告", "新华网(603888)"),
        ("上海国际医学园区", "国际医学(000516)"),
    ],
)
def test_names_that_stand_as_words_are_found(text: str, tag: str) -> None:
    assert tags_for("", f"<p>{text}</p>", STOCKS) == (tag,)


@pytest.mark.parametrize(
    "text",
    ["工业机器人产量增长", "让老百姓的钱袋子鼓起来", "据人民网报道", "人民网评论", "茅台批价回落"],
)
def test_names_that_are_ordinary_words_alone_are_not_the_stock(text: str) -> None:
    assert tags_for("", f"<p>{text}</p>", STOCKS) == ()


@pytest.mark.parametrize(
    ("html", "tag"),
    [
        ("<p>老百姓(603883)涨停</p>", "老百姓(603883)"),
        ("<p>老百姓（SH603883）</p>", "老百姓(603883)"),
        ("<p>机器人：关于回购股份的公告</p>", "机器人(300024)"),
        ("<p>茅台股价创新高</p>", "贵州茅台(600519)"),
        ("<p>白酒股午后拉升，茅台涨超3%</p>", "贵州茅台(600519)"),
        ("<p>人民网发布公告</p>", "人民网(603000)"),
        # The stock mentioned surely elsewhere: by a link, or another of its names.
        ('<p><a href="https://xueqiu.com/S/SZ300024">机器人</a>，工业机器人</p>', "机器人(300024)"),
        ("<p>茅台批价回落，贵州茅台</p>", "贵州茅台(600519)"),
    ],
)
def test_names_that_are_ordinary_words_with_a_sign_of_the_stock(html: str, tag: str) -> None:
    assert tags_for("", html, STOCKS) == (tag,)


def test_an_ordinary_word_with_another_code_is_not_the_stock() -> None:
    assert tags_for("", "<p>老百姓(600519)</p>", STOCKS) == ()


def test_ordinary_words_that_are_no_stock_may_be_keywords() -> None:
    policy = TagPolicy(dictionary={"机器人": "300024"}, keywords=3, keyword_method="textrank")
    html = "<p>工业机器人产量增长，机器人密度提高，机器人产业链受益。</p>"
    tags = tags_for("工业机器人产量增长", html, policy)
    assert "机器人(300024)" not in tags and "机器人" in tags


def test_dictionary_and_link_give_one_tag_with_the_dictionary_name() -> None:
    html = link("https://quote.eastmoney.com/sh600519.html", "茅台") + "<p>贵州茅台收涨</p>"
    policy = TagPolicy(dictionary={"贵州茅台": "600519"})
    assert tags_for("", html, policy) == ("贵州茅台(600519)",)
    assert tags_for("", html, PLAIN) == ("茅台(600519)",)


def test_a_five_thousand_name_dictionary() -> None:
    rng = random.Random(5)
    han = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
    names = {"".join(rng.choices(han, k=rng.randint(2, 4))): "" for _ in range(5000)}
    codes = (f"{p}{n:04d}" for n in range(10000) for p in ("60", "00", "30"))
    dictionary = dict(zip(names, codes, strict=False))
    chosen = rng.sample(sorted(dictionary), 20)
    text = "，".join(f"{n}涨停" for n in chosen)
    tags = tags_for(
        "", f"<p>{text}</p>", TagPolicy(stock_format="{name}", dictionary=dictionary, max_tags=50)
    )
    assert set(chosen) <= set(tags)


@pytest.mark.parametrize(
    "html",
    [
        "<p>公司拟以300024元购买，2024年营收600519万元，股价报688981点。</p>",
        "<p>编号 300024、SZ 300024、sz 300024、证券代码：300024</p>",
        "<p>日期 20240512，单号 sh6005190</p>",
        '<a href="https://example.com/news/300024.html">新闻</a>',
        '<a href="https://example.com/" title="sz300024" data-code="300024">新闻</a>',
    ],
)
def test_numbers_in_text_are_not_stocks(html: str) -> None:
    assert tags_for("300024元", html, TagPolicy(stock_format="{code}")) == ()


# ---- the dictionary file ----


def test_the_dictionary_file_format() -> None:
    assert load_dictionary(DATA / "tagging" / "dictionary.txt") == {
        "贵州茅台": "600519",
        "茅台": "600519",
        "中国平安": "601318",
        "平安银行": "000001",
        "万科A": "000002",
        "宁德时代": "300750",
        "TCL科技": "000100",
        "寒武纪-U": "688256",
        "方大新材": "920163",
    }


def test_a_dictionary_a_spreadsheet_wrote_with_quotes(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text('"贵州茅台",600519\n"五粮液","000858"\n“平安银行”,000001\n', encoding="utf-8")
    assert load_dictionary(path) == {"贵州茅台": "600519", "五粮液": "000858", "平安银行": "000001"}


def test_a_dictionary_file_with_a_bom_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes("\ufeff贵州茅台,600519\r\n\r\n   \r\n#x\r\n".encode())
    assert load_dictionary(path) == {"贵州茅台": "600519"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("贵州茅台 60051", "expected a name and a six-digit stock code"),
        ("贵州茅台", "expected a name and a six-digit stock code"),
        ("贵州茅台,茅台", "neither field is a six-digit stock code"),
        ("贵州茅台,600519,白酒", "expected two fields, a name and a stock code; found 3"),
        ("上证指数,SH000001", r"'SH000001' is not an A-share stock code \(SH 60xxxx"),
        ("某B股 900901", "'900901' is not an A-share stock code"),
        ("茅,600519", "too short"),
        ("600519 600519", "neither field is a six-digit stock code|has no letters"),
        ("平安银行,000001", r"'平安银行' is 601318 on line 2"),
    ],
)
def test_bad_dictionary_lines_name_the_file_and_line(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "stocks.txt"
    path.write_text(f"# stocks\n平安银行 601318\n{line}\n", encoding="utf-8")
    with pytest.raises(DictionaryError, match=message) as caught:
        load_dictionary(path)
    assert str(caught.value).startswith(f"{path}:3: ")
    assert line in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_a_dictionary_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes("贵州茅台,600519\n".encode("gbk"))
    with pytest.raises(DictionaryError, match=rf"^{re.escape(str(path))}: not UTF-8 text"):
        load_dictionary(path)


# ---- stop-words and keywords ----

ARTICLE = (
    "<p>央行今日开展逆回购操作，利率维持不变。分析人士指出，货币政策保持稳健，"
    "流动性合理充裕，利率中枢稳定。央行公开市场操作投放流动性，逆回购利率不变，"
    "市场利率小幅波动，流动性充裕，汇率保持稳定。</p><p>责任编辑：刘洋</p>"
)
TITLE = "央行开展逆回购操作 利率维持不变"
METHODS = [pytest.param("tfidf", marks=needs_idf), "textrank"]


@pytest.mark.parametrize("method", METHODS)
def test_keyword_tags_are_terms_top_k_and_deterministic(method: kw.Method) -> None:
    policy = TagPolicy(keywords=3, keyword_method=method)
    tags = tags_for(TITLE, ARTICLE, policy)
    assert len(tags) == 3
    assert "利率" in tags
    assert tags_for(TITLE, ARTICLE, TagPolicy(keywords=3, keyword_method=method)) == tags
    more = tags_for(TITLE, ARTICLE, TagPolicy(keywords=6, keyword_method=method))
    assert more[:3] == tags and len(more) == 6
    for tag in more:  # no numbers, single characters, punctuation or furniture
        assert len(tag) >= 2 and not tag.isdigit() and re.search(r"\w", tag)
        assert tag.casefold() not in DEFAULT_STOPWORDS
    assert "责任编辑" not in more


@pytest.mark.parametrize(
    "text",
    [
        "比亚迪股份(01211.HK)午后涨超5%。",
        "比亚迪股份（01211）公布9月销量。",
        "比亚迪（BYDDY.US）盘前走高。",
        "中国平安(02318.HK)发布公告。",
        "中国平安-H(HK02318)股价",
        # Said in words, or linked to the other market's quote page.
        "港股比亚迪股份今日涨5%。",
        "美股方面，比亚迪ADR涨5%。",
        "比亚迪H股午后走强。",
        '<a href="https://quote.eastmoney.com/hk/02318.html">中国平安</a>港股涨2%。',
        '<a href="https://quote.eastmoney.com/us/BYDDY.html">比亚迪</a>盘前走高。',
        '<a href="https://stock.finance.sina.com.cn/hkstock/quotes/01211.html">比亚迪股份</a>',
        '<a href="https://stock.finance.sina.com.cn/usstock/quotes/BYDDY.html">比亚迪</a>',
        '<a href="https://quote.eastmoney.com/unify/r/116.02318">中国平安</a>涨2%。',
        '<a href="https://quote.eastmoney.com/unify/r/105.BYDDY">比亚迪</a>涨2%。',
        '<a href="https://xueqiu.com/S/02318">中国平安</a>涨2%。',
        '<a href="https://www.futunn.com/stock/02318-HK">中国平安</a>涨2%。',
        '<a href="https://www.laohu8.com/stock/02318">中国平安</a>涨2%。',
        '<a href="https://xueqiu.com/S/BYDDY">比亚迪</a>涨2%。',
    ],
)
def test_a_listing_on_another_market_is_not_the_a_share(text: str) -> None:
    """A Hong Kong or US share of a company is not its A-share: 比亚迪股份
    (01211.HK) was tagged 比亚迪(002594)."""
    policy = TagPolicy(dictionary={"比亚迪": "002594", "中国平安": "601318"})
    assert tags_for("", f"<p>{text}</p>", policy) == ()
    # Its A-share named beside it still is.
    both = f"<p>{text}比亚迪（002594）、中国平安（601318）同步上涨。</p>"
    assert tags_for("", both, policy) == ("比亚迪(002594)", "中国平安(601318)")


def test_a_name_after_another_market_in_its_clause_is_that_listing() -> None:
    policy = TagPolicy(dictionary={"中国平安": "601318"})
    body = '<p><a href="https://quote.eastmoney.com/hk/02318.html">中国平安</a>港股涨5%。</p>'
    assert tags_for("港股收评：中国平安大涨5%", body, policy) == ()
    assert tags_for("中国平安(601318)与港股同涨", body, policy) == ("中国平安(601318)",)
    # A post that links its H share beside the A-share's news keeps the A-share.
    annual = (
        "<p>中国平安发布2024年年报，归母净利润1266亿元。"
        '其H股（<a href="https://xueqiu.com/S/02318">中国平安</a>）今日涨3%。</p>'
    )
    assert tags_for("中国平安发布年报：净利润增长47.8%", annual, policy) == ("中国平安(601318)",)
    assert tags_for("", "<p>A股方面，中国平安涨1%。</p>", policy) == ("中国平安(601318)",)
    assert tags_for("港股收评：中国平安(601318)大涨5%", "", policy) == ("中国平安(601318)",)
    # A line that opens as a Hong Kong report is of Hong Kong listings to its end …
    report = "<p>港股收评：恒指收涨1.2%，中国平安大涨5%，科技股走强。</p>"
    assert tags_for("港股收评：中国平安大涨5%", report, policy) == ()
    # … until the A-shares come in; the next line is its own.
    assert tags_for("", "<p>港股收评：恒指收涨1.2%。A股方面，中国平安大涨5%。</p>", policy) == (
        "中国平安(601318)",
    )
    assert tags_for("", "<p>港股收评：恒指收涨。</p><p>中国平安大涨5%。</p>", policy) == (
        "中国平安(601318)",
    )
    for a_shares in ("上证指数收涨0.8%，", "两市成交额1.2万亿元，", "沪市", "今日上证综指涨0.8%，"):
        text = f"<p>港股收评：恒指收涨1.2%。{a_shares}中国平安涨3%。</p>"
        assert tags_for("", text, policy) == ("中国平安(601318)",), a_shares
    # … not inside Hong Kong's terms: the southbound connect, an index, an outlet.
    for a_shares in ("上证综合指数涨0.5%，", "深证成份指数涨0.5%，", "科创综指涨1%，"):
        text = f"<p>港股收评：恒指收涨1.2%。{a_shares}中国平安涨3%。</p>"
        assert tags_for("", text, policy) == ("中国平安(601318)",), a_shares
    for hong_kong in (
        "沪市港股通净买入30亿港元，",
        "沪深港通南向资金净买入30亿港元，",
        "南向资金通过沪深港股通净买入30亿港元，",
        "恒生科技指数涨2%，科创企业受捧，",
        "中证香港100指数涨1%，",
        "据上证报记者统计，",
    ):
        text = f"<p>港股收评：恒指收涨1.2%。{hong_kong}中国平安涨3%。</p>"
        assert tags_for("", text, policy) == (), hong_kong
    for said in ("A+H股上市公司中国平安今日公告", "受美股科技股大跌影响中国平安盘中跌3%"):
        assert tags_for("", f"<p>{said}</p>", policy) == ("中国平安(601318)",), said
    assert tags_for("", "<p>港股中国平安涨3%</p>", policy) == ()
    # 恒生 of an A-share's name (恒生电子) is no market.
    assert tags_for("", "<p>恒生电子携手东方财富推出新产品</p>", STOCKS) == ("东方财富(300059)",)
    both = '<p>港股<a href="https://www.futunn.com/stock/02318-HK">中国平安</a>涨3%，A股中国平安涨1%。</p>'
    assert tags_for("", both, policy) == ("中国平安(601318)",)


def test_a_vendor_followed_by_a_run_of_spaces_is_read_at_once() -> None:
    # Five optional runs of spaces side by side backtracked: 38 s on 100 empty cells.
    cells = "<table><tr><td>东方财富</td>" + "<td></td>" * 300 + "<td>x</td></tr></table>"
    assert tags_for("", cells, STOCKS) == ("东方财富(300059)",)
    assert tags_for("", "<p>同花顺" + " " * 100_000 + "x</p>", STOCKS) == ("同花顺(300033)",)


def test_a_story_about_a_data_vendor_tags_it() -> None:
    assert tags_for("同花顺数据泄露事件调查", "<p>同花顺数据泄露事件引发关注。</p>", STOCKS) == (
        "同花顺(300033)",
    )


@pytest.mark.parametrize(
    "text", ["比亚迪（2023）年度报告发布。", "比亚迪(2024)年报", "比亚迪【2023】"]
)
def test_a_year_in_brackets_after_a_name_is_no_other_market(text: str) -> None:
    policy = TagPolicy(dictionary={"比亚迪": "002594"})
    assert tags_for("", f"<p>{text}</p>", policy) == ("比亚迪(002594)",)


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("比亚迪9月20日电动车销量创新高。", "比亚迪(002594)"),  # 电动车: no dateline
        ("中国平安8月23日电话会议透露，寿险新业务价值增长。", "中国平安(601318)"),
        ("据比亚迪消息，其新车型将于下月上市。", "比亚迪(002594)"),  # the company's own news
        ("比亚迪App全新上线。", "比亚迪(002594)"),  # its own app is its news
        ("东方财富APP月活用户突破1亿。", "东方财富(300059)"),
    ],
)
def test_a_companys_own_news_is_no_outlets_credit(text: str, tag: str) -> None:
    policy = TagPolicy(dictionary={"比亚迪": "002594", "中国平安": "601318", "东方财富": "300059"})
    assert tags_for("", f"<p>{text}</p>", policy) == (tag,)


@pytest.mark.parametrize("method", METHODS)
def test_a_byline_or_dateline_gives_no_keyword(method: kw.Method) -> None:
    policy = TagPolicy(keywords=3, keyword_method=method)
    for byline in (
        "证券时报网讯，",
        "东方财富网讯，",
        "新华网北京9月20日电 ",
        "金色财经报道，",
        "证券时报记者张一帆报道，",
        "本报记者 ",
        # (These gave 证券时报, 新华网, 财富, 联社, 智通 and 世纪.)
        "证券时报e公司讯，",
        "据新华网消息，",
        "据东方财富统计，",
        "【财联社】",
        "【财联社9月20日电】",
        "财联社电，",
        "智通财经APP获悉，",
        "格隆汇APP获悉，",
        "【人民网】",
        "【新华网】",
        "【证券时报】",
        "【中国证券报】",
        "据东方财富网数据显示，",
        "据财联社数据，",
        "据证券时报数据宝统计，",
        "21世纪经济报道记者 王五 北京报道 ",
        # (These gave AI, 中证网, 证券报, 央视网, 央视, 新闻报道, 新闻记者, 券商,
        # 界面, 环球网, App and 媒体.)
        "每经AI快讯，",
        "（中国证券报·中证网 记者 王五）",
        "央视网消息：",
        "据央视新闻报道，",
        "澎湃新闻记者 王五 ",
        "券商中国记者 王五 ",
        "界面新闻记者 | 张三 ",
        "【环球网财经综合报道】",
        "钛媒体App 9月20日消息，",
        "界面快讯：",
        "华尔街见闻快讯，",
        "中新经纬快讯：",
        "上证快讯：",
        "（证券时报·e公司记者 王五）",
        "（21世纪经济报道记者 王五）",
    ):
        tags = tags_for(
            "", f"<p>{byline}央行今日开展2000亿元逆回购操作，中标利率持平。</p>", policy
        )
        unwanted = {"网讯", "财富", "新华网", "北京", "金色", "证券时报", "本报记者", "张一帆"}
        unwanted |= {"联社", "财联社", "智通", "APP", "世纪", "王五", "东方财富", "格隆汇"}
        unwanted |= {"人民网", "证券报", "中国证券报", "财富网", "数据宝"}
        unwanted |= {"AI", "中证网", "央视网", "央视", "新闻报道", "新闻记者", "券商", "界面"}
        unwanted |= {"环球网", "App", "媒体", "每经", "澎湃", "张三", "快讯"}
        unwanted |= {"华尔街", "见闻", "经纬", "上证", "公司"}
        assert not unwanted & set(tags), (byline, tags)
        assert "利率" in tags
    # A story's own words stay: a clause that says where money comes from, an
    # agency's figures, the sector before a data vendor's name, a bracketed
    # headline, an app a reporter heard from.  (TF-IDF: TextRank finds no
    # words in some of these short texts at all.)
    for text, wanted in (
        ()
        if method == "textrank"
        else (
            ("公司表示，此次募集资金来源：定向增发和银行贷款，用于锂电池产线。", "银行贷款"),
            ("半导体行业Wind数据显示，半导体设备营收增长，芯片需求旺盛。", "半导体"),
            ("据海关总署统计，稀土出口量增长。", "海关总署"),
            ("【小米集团发布年报】小米汽车交付量创新高。", "小米"),
            ("【特高压电网】特高压电网建设提速。", "特高压"),
            ("【农民专业合作社】农民专业合作社数量增长。", "农民"),
            ("记者从滴滴出行App获悉，滴滴将上线新功能。", "滴滴"),
            ("据宁德时代年报数据，宁德时代储能电池出货量增长。", "年报"),
            ("【国家管网】西气东输四线管道建设提速，国家管网投资增长。", "管网"),
            ("【宁德时代中报】宁德时代净利润增长，储能业务亮眼。", "时代"),
            ("电池降价。消息来源：知情人士称宁德时代将降价", "知情"),
            # A topic's 快讯 and a story's reporters are no outlet's byline.
            ("光伏快讯：硅料价格连续三周上涨，组件排产回升。", "光伏"),
            ("（多名记者 实地走访 调查）组件排产回升，需求旺盛。", "实地"),
        )
    ):
        assert wanted in tags_for(
            "", f"<p>{text}</p>", TagPolicy(keywords=6, keyword_method=method)
        ), text
    # Nor of a credit, wherever it is.
    for credit in (
        "<p>来源丨新华网</p>",
        "<p>（文章来源：证券时报）</p>",
        "据同花顺iFinD数据，",
        "<p>利率持平。来源：新华网</p>",  # at a sentence's end
        "<p>来源：中国证券报·中证网 2024年05月01日 10:30:15</p>",
        "<p>责任编辑：李四 来源：新华网</p>",  # after the editor's, on its line
    ):
        tags = tags_for(
            "", f"<p>央行今日开展2000亿元逆回购操作，中标利率持平。</p>{credit}", policy
        )
        assert not {"新华网", "证券时报", "同花顺", "iFinD", "中证网", "证券报"} & set(tags), (
            credit,
            tags,
        )
        assert "利率" in tags
    # A clause that ends in 讯 is no byline: 喜讯 and 通讯 are words of the story.
    good_news = tags_for("", "<p>宁德时代传来喜讯，电池技术再突破，储能电池需求旺盛。</p>", policy)
    assert "喜讯" in good_news


@pytest.mark.parametrize("method", METHODS)
def test_a_listings_code_is_no_keyword(method: kw.Method) -> None:
    # Beside the stock's own tag, "600519.SH" said it again; an index's code
    # (000001.SH, the dictionary's 平安银行) and a Hong Kong code are no words.
    policy = TagPolicy(keywords=6, keyword_method=method)
    text = (
        "<p>贵州茅台（600519.SH）年报营收增长，上证指数（000001.SH）收涨，深证成指（399001.SZ）"
        "走强，腾讯控股（00700.HK）与苹果（AAPL.O）上涨，白酒白酒白酒。</p>"
    )
    tags = tags_for("", text, policy)
    assert not [t for t in tags if any(ch.isdigit() for ch in t) or t.endswith(".O")], tags
    assert "白酒" in tags


@pytest.mark.parametrize("method", METHODS)
def test_a_linked_stocks_name_again_gives_no_keyword(method: kw.Method) -> None:
    """stcn links a stock's first mention only: the name again, unmarked, was
    cut by jieba into keywords (宁德时代 → 时代)."""
    html = (
        '<p><a class="trsHotWords" code="300750" href="https://info.stcn.com/dc/stock/'
        '?stockcode=SZ300750">宁德时代</a>发布年报。宁德时代全年营收增长，宁德时代称储能业务'
        "增长迅速，宁德时代海外工厂投产。</p>"
    )
    tags = tags_for("宁德时代发布年报", html, TagPolicy(keywords=3, keyword_method=method))
    assert tags[0] == "宁德时代(300750)"
    assert not {"时代", "宁德"} & set(tags)


@pytest.mark.parametrize("method", METHODS)
def test_code_and_report_periods_give_no_keyword(method: kw.Method) -> None:
    html = (
        "<p>2024Q3半导体行业营收环比改善，3Q24毛利率回升，H1 订单饱满。"
        "半导体设备订单增长，半导体材料需求回升，半导体企业扩产。</p>"
        "<pre><code>&lt;groupId&gt;org.example&lt;/groupId&gt;\n"
        "&lt;artifactId&gt;GreeterService&lt;/artifactId&gt;</code></pre>"
        "<p>示例中 <code>toDisplayString</code> 渲染文本。</p>"
    )
    tags = tags_for("半导体行业复苏", html, TagPolicy(keywords=10, keyword_method=method))
    assert not {"2024Q3", "3Q24", "H1", "groupId", "artifactId", "GreeterService"} & set(tags)
    assert "toDisplayString" not in tags and "半导体" in tags


@pytest.mark.parametrize("method", METHODS)
def test_a_word_only_jiebas_guess_makes_is_no_keyword(method: kw.Method) -> None:
    """The HMM's guesses from the words around them were tags: 股通净 (of
    沪股通净买入), 成指 (of 深成指); so were weekdays.  (联会 of 乘联会 is a
    word of jieba's dictionary: still one.)"""
    policy = TagPolicy(keywords=8, keyword_method=method)
    text = (
        "<p>北向资金全天净买入52亿元，其中沪股通净买入30亿元，深股通净买入22亿元。"
        "乘联会数据显示，新能源车销量增长；深成指收涨1.2%，创业板指走强。"
        "On Tuesday, Tesla shares rose. 新能源车 新能源车 光伏 光伏。</p>"
    )
    tags = tags_for("", text, policy)
    assert not {"股通净", "成指", "Tuesday"} & set(tags), tags
    assert "光伏" in tags
    # A code or name of Latin letters is no dictionary word, and stays a term.
    drug = tags_for("", "<p>KH-1021获批上市，KH-1021用于肺癌治疗。肺癌 靶向药。</p>", policy)
    assert "KH-1021" in drug, drug


@pytest.mark.parametrize("method", METHODS)
def test_stopwords_remove_keywords(method: kw.Method, tmp_path: Path) -> None:
    before = tags_for(TITLE, ARTICLE, TagPolicy(keywords=3, keyword_method=method))
    path = tmp_path / "stop.txt"
    path.write_text(f"# mine\n{before[0]}\n\n  LPR  \n", encoding="utf-8")
    stopwords = DEFAULT_STOPWORDS | load_stopwords(path)
    after = tags_for(
        TITLE, ARTICLE, TagPolicy(keywords=3, keyword_method=method, stopwords=stopwords)
    )
    assert before[0] not in after and after[:2] == before[1:]
    assert load_stopwords(path) == {before[0], "LPR"}
    # Stop-words are case-blind.
    english = "<p>Linux Linux Linux Kernel Kernel</p>"
    assert "Linux" not in tags_for(
        "", english, TagPolicy(keywords=2, keyword_method=method, stopwords=frozenset({"LINUX"}))
    )


def test_a_bad_stopword_line(tmp_path: Path) -> None:
    path = tmp_path / "stop.txt"
    path.write_text("的\n两个 词\n", encoding="utf-8")
    with pytest.raises(StopwordsError, match=rf"^{re.escape(str(path))}:2: one word per line"):
        load_stopwords(path)


@pytest.mark.parametrize("method", METHODS)
def test_stocks_first_and_never_again_as_keywords(method: kw.Method) -> None:
    html = (
        '<p>权重股<a class="trsHotWords" code="300750">宁德时代</a>涨逾3%，宁德时代、宁德时代'
        "锂电池板块走强，锂电池、储能、光伏板块涨幅居前，锂电池储能需求旺盛。</p>"
    )
    policy = TagPolicy(keywords=4, keyword_method=method, dictionary={"宁德时代": "300750"})
    tags = tags_for("宁德时代领涨锂电池板块", html, policy)
    assert tags[0] == "宁德时代(300750)" and "锂电池" in tags
    assert not {"宁德时代", "宁德", "时代"} & set(tags)
    assert tags_for("", html, TagPolicy(keywords=4, keyword_method=method, max_tags=2)) == tags[:2]


def test_keywords_off_needs_no_segmenter(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_: object) -> None:
        raise AssertionError("rank() called")

    monkeypatch.setattr(kw, "rank", boom)
    assert tags_for(TITLE, ARTICLE + STCN, PLAIN) == ("机器人(300024)", "国际医学(000516)")


def test_importing_and_tagging_without_keywords_loads_no_segmenter() -> None:
    code = (
        "import sys; from feedmill.tagging import TagPolicy, tags_for;"
        f"assert tags_for('', {STCN!r}, TagPolicy()) == ('机器人(300024)', '国际医学(000516)');"
        "assert not {'rjieba', 'jieba'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_max_tags() -> None:
    many = "".join(f'<a code="60{n:04d}">股票{chr(0x4E00 + n)}</a>' for n in range(30))
    assert len(tags_for("", many, PLAIN)) == 10
    assert len(tags_for("", many, TagPolicy(max_tags=25))) == 25


# ---- Hexo safety ----


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("A/B#C?D\nE", "A-B＃CD E"),
        ("  机器人\t(300024) ", "机器人 (300024)"),
        ('"<x>" & 100%', "x ＆ 100％"),
        ("C#", "C＃"),
        ("C++", "C＋＋"),
        ("AT&T", "AT＆T"),
        ("\x00\u200b\ufeff云计算", "云计算"),
        ("-/-", ""),
        ("###", ""),
    ],
)
def test_clean_tags(text: str, tag: str) -> None:
    assert clean_tag(text) == tag


def test_names_with_unsafe_characters_are_cleaned() -> None:
    policy = TagPolicy(dictionary={"A/B股份": "600001", "C#科技": "600002"}, stock_format="{name}")
    assert tags_for("A/B股份与C#科技", "", policy) == ("A-B股份", "C＃科技")


def test_distinct_tags_get_distinct_hexo_pages() -> None:
    # Hexo's slug of C#, C++ and C is "C": one page, listing one of them.
    tags = [clean_tag(t) for t in ("C", "C#", "C++", "F#", "AT&T", "AT-T", "Notepad++")]
    assert len({hexo_slug(t) for t in tags}) == len(tags)


def test_tags_that_would_share_a_hexo_page_are_one_tag() -> None:
    policy = TagPolicy(dictionary={"A.B科技": "000656", "A-B科技": "000002"}, stock_format="{name}")
    assert tags_for("", "<p>A.B科技，A-B科技</p>", policy) == ("A.B科技",)


def test_a_stock_under_special_treatment_has_a_page_of_its_own() -> None:
    """*ST金科 in one post, ST金科 in another (a stock gains and loses the
    prefix): Hexo's slug dropped the * and gave both one page, which listed
    only one of the two posts while both linked to it."""
    tags = [clean_tag(name) for name in ("*ST金科(000656)", "ST金科(000656)")]
    assert tags == ["＊ST金科(000656)", "ST金科(000656)"]
    assert hexo_slug(tags[0]) != hexo_slug(tags[1])


html_bits = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<br>",
        "<b>",
        "</b>",
        "</a>",
        '<a class="trsHotWords" code="300024" href="https://info.stcn.com/dc/stock/?stockcode=SZ300024">',
        '<a href="https://quote.eastmoney.com/sh600519.html">',
        '<a href="http://[::1">',
        '<a code="600519',
        "<![foo[",
        "<!--",
        "<script>",
        "&#0;",
        "&amp;",
        "&#x110000;",
        "中国平安",
        "平安",
        "机器人",
        "300024元",
        "利率",
        "Linux",
        "#?/\\\n",
        "\x00",
        "\ud800",
    ]
)
htmls = st.lists(st.one_of(html_bits, st.text(max_size=20)), max_size=30).map("".join)
policies = st.builds(
    TagPolicy,
    stock_format=st.sampled_from(["{name}({code})", "{code}", "{name}", "{market}{code}"]),
    dictionary=st.just(DICTIONARY),
    keywords=st.integers(0, 5),
    keyword_method=st.sampled_from(["textrank", "tfidf"] if kw.idf_path() else ["textrank"]),
    max_tags=st.integers(1, 12),
)
steady = settings(derandomize=True, database=None, deadline=None)


@settings(steady, max_examples=300)
@given(title=st.text(max_size=40), html=htmls, policy=policies)
def test_any_input_gives_unique_clean_tags(title: str, html: str, policy: TagPolicy) -> None:
    tags = tags_for(title, html, policy)
    assert isinstance(tags, tuple) and len(tags) <= policy.max_tags
    assert len({hexo_slug(t).casefold() for t in tags}) == len(tags)
    for tag in tags:
        assert tag == clean_tag(tag) and tag
    assert tags_for(title, html, policy) == tags


def test_a_tag_whose_hexo_page_name_is_too_long_is_left_out() -> None:
    """Hexo makes a folder of each tag: past 200 bytes (a long stock_format
    around a name) no disk takes it, and the whole site's build stopped."""
    html = '<a href="https://quote.eastmoney.com/sh600519.html">贵州茅台</a>'
    long_format = TagPolicy(stock_format="{name}" + "长" * 80 + "({code})")
    assert tags_for("", html, long_format) == ()
    short_format = TagPolicy(stock_format="{name}" + "长" * 10 + "({code})")
    assert tags_for("", html, short_format) == ("贵州茅台" + "长" * 10 + "(600519)",)


@pytest.mark.parametrize("method", METHODS)
def test_a_latin_word_with_a_letter_outside_ascii_is_tagged_whole(method: kw.Method) -> None:
    """rjieba cuts a Latin word at é, è or ß: its pieces were tags ("Herm",
    "Nestl", "Cr"); and "May" of a dateline was one, as no other month is."""
    policy = TagPolicy(keywords=6, keyword_method=method)
    tags = tags_for(
        "",
        "<p>Hermès 爱马仕公布三季度业绩，Hermès 营收增长11%。Nestlé 雀巢与 Crédit Suisse 合作。</p>"
        "<p>SINGAPORE, May 14 (Reuters) - However, shares rose.</p>",
        policy,
    )
    assert "Hermes" in tags and "Nestle" in tags  # (whole; without accents: see below)
    assert not {"Herm", "Nestl", "Cr", "dit", "May", "However"} & set(tags), tags
    # Kana and Hangul, a character at a time from rjieba, are not put together
    # (a Japanese sentence, particles and all, was one word).
    for text in (
        "ソニーとパナソニックが新しいテレビを発表した。",
        "삼성전자와 LG전자가 신제품을 발표했다.",
    ):
        tags = tags_for("", f"<p>{text}</p>", policy)
        assert not [t for t in tags if len(t) > 2 and not t.isascii()], tags
