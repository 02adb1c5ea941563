"""A-share stocks an article mentions: links to quote pages, and dictionary names.

Two sources, both explicit:

* **links** — 证券时报网 wraps stock names in ``<a class="trsHotWords"
  code="300024" href="…?stockcode=SZ300024">``; other outlets link quote
  pages (东方财富 ``quote.eastmoney.com/sz300024.html``, 新浪 ``…/realstock/
  company/sh600519/nc.shtml``, 同花顺 ``stockpage.10jqka.com.cn/300024/`` …).
  A link says which stock is meant, whatever its text.
* **names** from a user dictionary, found in the visible text (never in
  attributes or URLs), longest first so 中国平安 wins over 平安, and only
  as whole words (NameMatcher).

Bare six-digit numbers in text are never taken for codes: "300024元" is an
amount, "202409" a month.  Every code is checked against the A-share ranges
of its market, which also turns away indices that share the digits
(``sh000001`` is the 上证指数, ``sz399001`` the 深证成指).
"""

from __future__ import annotations

import functools
import html as htmllib
import os
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, NamedTuple
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

from feedmill.normalize.text import nfkc

Market = Literal["SH", "SZ", "BJ"]

# A-share code ranges.  SH: 60xxxx main board, 68xxxx STAR (688/689).
# SZ: 00xxxx main board, 30xxxx ChiNext.  BJ: 43/83/87/88xxxx and the 920xxx
# codes the Beijing exchange has issued since 2024.  Not A-shares: B shares
# (900/200), funds and bonds (1xx/5xx), indices (SH 000xxx, SZ 399xxx, BJ
# 899xxx), the old third board's 400/420xxx.
_RANGES: tuple[tuple[str, Market], ...] = (
    ("60", "SH"),
    ("68", "SH"),
    ("00", "SZ"),
    ("30", "SZ"),
    ("43", "BJ"),
    ("83", "BJ"),
    ("87", "BJ"),
    ("88", "BJ"),
    ("920", "BJ"),
)
RANGES_HELP = "SH 60xxxx/68xxxx, SZ 00xxxx/30xxxx, BJ 43/83/87/88xxxx or 920xxx"


def market_of(code: str) -> Market | None:
    """The market of a six-digit A-share code, or None when it is not one."""
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    for prefix, market in _RANGES:
        if code.startswith(prefix):
            return market
    return None


_CODE_FORMS = re.compile(
    r"(?:(?P<pre>sh|sz|bj)(?P<a>[0-9]{6})|(?P<b>[0-9]{6})(?:\.(?P<suf>sh|sz|bj|ss))?)",
    re.IGNORECASE,
)


def normalize_code(text: str) -> str | None:
    """``300024``, ``SZ300024``, ``sz300024`` or ``300024.SZ`` as ``300024``.

    None unless it is an A-share code whose market agrees with a written
    prefix or suffix (``.SS`` is Yahoo's name for Shanghai).
    """
    match = _CODE_FORMS.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if not match:
        return None
    code = match["a"] or match["b"]
    written = (match["pre"] or match["suf"] or "").upper().replace("SS", "SH")
    market = market_of(code)
    if market is None or (written and written != market):
        return None
    return code


def normalize_name(name: str) -> str:
    """A name as it is matched: NFKC (全角 Ａ → A), no whitespace beside a
    Chinese character (万 科A → 万科A, TCL 科技 → TCL科技), one space elsewhere,
    as a text writes it (Kweichow Moutai, BYD Co., Ltd: without their spaces
    they were never found)."""
    pieces = unicodedata.normalize("NFKC", name).split()
    joined = pieces[:1]
    for piece in pieces[1:]:
        spaced = not (_wide(joined[-1][-1]) or _wide(piece[0]))
        joined.append((" " if spaced else "") + piece)
    return "".join(joined)


def _wide(char: str) -> bool:
    """Whether ``char`` is written wide, as Chinese is (a space beside it is none)."""
    return unicodedata.east_asian_width(char) in ("W", "F")


# --- visible text and links -------------------------------------------------

# A regex tokenizer, not an HTML parser: the input is the sanitizer's
# well-formed output, and html.parser raises AssertionError on some markup
# ("<![foo["), which a pure function over any input must not.
_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)"  # comment
    r"|<(?P<skip>script|style|template|noscript)\b.*?(?:</(?P=skip)\s*>|\Z)"
    r"|<(?P<end>/?)(?P<tag>[A-Za-z][A-Za-z0-9:-]*)(?P<attrs>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)>"
    r"|<[!?][^>]*>",  # doctype, processing instruction
    re.DOTALL | re.IGNORECASE,
)
_ATTR = re.compile(r"([^\s\"'<>/=]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=<>`]+)))?")
# Elements that end a line for a reader: a name never spans them.
_BLOCK = re.compile(
    r"address|article|aside|blockquote|br|caption|d[dlt]|div|fig(?:caption|ure)|footer|h[1-6r]"
    r"|header|img|li|main|nav|ol|p|pre|section|t(?:able|body|d|foot|h|head|r)|ul"
)
# URLs written out in the text: a name inside one is not a mention.
_URL = re.compile(r"(?:https?|ftp)://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+|www\.[A-Za-z0-9.-]+")


# Control characters and line separators end a word; invisible format
# characters (zero-width space, bidi marks, soft hyphen, BOM), lone
# surrogates and private-use characters are dropped.
_BLANK = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_DROP = re.compile(
    "[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ud800-\udfff\ue000-\uf8ff]"
)


def plain(text: str) -> str:
    """Text as it is matched: NFKC, URLs and control characters blanked."""
    text = nfkc(_DROP.sub("", text))
    return _BLANK.sub(" ", _URL.sub(" ", text))


@dataclass(frozen=True, slots=True)
class Link:
    start: int  # offset of the link text in Page.text
    end: int
    attrs: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Page:
    text: str  # what a reader sees (see plain()); blocks separated by "\n"
    links: tuple[Link, ...]
    code: tuple[tuple[int, int], ...] = ()  # where <pre> and <code> text is: no keywords


def read_page(markup: str) -> Page:
    """The visible text of some HTML, and where each ``<a>`` sits in it."""
    parts: list[str] = []
    size = 0
    links: list[Link] = []
    open_link: tuple[int, dict[str, str]] | None = None
    code: list[tuple[int, int]] = []
    code_depth = code_start = 0

    def add(text: str) -> None:
        nonlocal size
        if text:
            parts.append(text)
            size += len(text)

    def close_link() -> None:
        nonlocal open_link
        if open_link is not None:
            links.append(Link(open_link[0], size, open_link[1]))
            open_link = None

    position = 0
    for token in _TOKEN.finditer(markup):
        add(plain(htmllib.unescape(markup[position : token.start()])))
        position = token.end()
        tag = (token["tag"] or "").lower()
        if not tag:
            continue
        if tag in ("pre", "code"):
            if not token["end"]:
                code_start = size if not code_depth else code_start
                code_depth += 1
            elif code_depth:
                code_depth -= 1
                if not code_depth:
                    code.append((code_start, size))
        if tag == "a":
            close_link()  # <a> never nests: a new one ends the last
            if not token["end"]:
                open_link = (size, _attributes(token["attrs"] or ""))
        elif _BLOCK.fullmatch(tag):
            close_link()
            add("\n")
    add(plain(htmllib.unescape(markup[position:])))
    close_link()
    if code_depth:
        code.append((code_start, size))
    return Page("".join(parts), tuple(links), tuple(code))


def _attributes(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for match in _ATTR.finditer(text):
        name = match[1].lower()
        value = next((v for v in match.groups()[1:] if v is not None), "")
        out.setdefault(name, htmllib.unescape(value))
    return out


# --- codes in links ---------------------------------------------------------

# A market prefix glued to the code, anywhere in the path or query:
# stcn ?stockcode=SZ300024, eastmoney /sz300024.html, sina
# /realstock/company/sh600519/nc.shtml, xueqiu /S/SH600519, qq /sh600519,
# cls ?code=sh600519.
# (Not followed by a letter or _: sh600000_1 names a file, not a stock.)
_PREFIXED = re.compile(r"(?<![A-Za-z0-9])(sh|sz|bj)([0-9]{6})(?![0-9A-Za-z_])", re.IGNORECASE)
# A market suffix, as Yahoo (600519.SS) and tushare (600519.SH) write it;
# upper case only, so that a script named 600519.sh is not a stock.
_SUFFIXED = re.compile(r"(?<![A-Za-z0-9])([0-9]{6})\.(SS|SH|SZ|BJ)(?![A-Za-z0-9])")
# Quote pages that name the bare code: (host suffix, pattern the path starts with).
_BARE: tuple[tuple[str, re.Pattern[str]], ...] = (
    # eastmoney: STAR and Beijing boards, /unify/r/<1 = SH, 0 = SZ or BJ>.<code>
    ("quote.eastmoney.com", re.compile(r"/(?:kcb|bj)/([0-9]{6})\.html")),
    ("quote.eastmoney.com", re.compile(r"/unify/r/([01])\.([0-9]{6})(?![0-9])")),
    ("guba.eastmoney.com", re.compile(r"/list,([0-9]{6})(?![0-9])")),  # the stock's forum
    ("stockpage.10jqka.com.cn", re.compile(r"/([0-9]{6})(?:/|$)")),
    ("stock.jrj.com.cn", re.compile(r"/share,([0-9]{6})(?![0-9])")),
    # sina's company pages: /corp/go.php/vCI_CorpInfo/stockid/600519.phtml
    ("finance.sina.com.cn", re.compile(r"/corp/go\.php/\w+/stockid/([0-9]{6})(?![0-9])")),
)
_UNIFY_MARKETS: dict[str, tuple[Market, ...]] = {"1": ("SH",), "0": ("SZ", "BJ")}


def code_from_link(attrs: Mapping[str, str]) -> str | None:
    """The A-share code a link points at, from its ``code`` attribute or its URL.

    When both name a code and they differ, the link is not trusted.
    """
    href = attrs.get("href")
    from_url = code_from_url(href)
    if from_url is None and _names_a_security(href):
        # stcn's link to 上证指数: stockcode=SH000001, code="000001" — the
        # code of 平安银行 (SZ000001) without its market.
        return None
    codes = {c for c in (_code_attribute(attrs.get("code")), from_url) if c}
    return codes.pop() if len(codes) == 1 else None


def _code_attribute(value: str | None) -> str | None:
    return normalize_code(value) if value else None


# A picture, a video, a document: its file name may hold a code of its own
# (img.example.com/2024/0312/sh600000_1.jpg), the page it is on another story.
_MEDIA = re.compile(
    r"\.(?:jpe?g|png|gif|webp|avif|bmp|svg|ico|tiff?|mp[34]|m4[av]|mov|webm|avi|flv|pdf"
    r"|docx?|xlsx?|pptx?|zip|rar)$",
    re.IGNORECASE,
)


def _split(url: str | None) -> tuple[str, SplitResult] | None:
    """A link's host and parts, for a web page's (None for others)."""
    if not url or len(url) > 2000:
        return None
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:  # "http://[::1" and the like
        return None
    if parts.scheme.lower() not in ("http", "https", "") or _MEDIA.search(parts.path):
        return None
    return host, parts


def _names_a_security(url: str | None) -> bool:
    """Whether ``url`` names a security by its market and code (an index,
    a fund, a B share, or an A-share stock)."""
    split = _split(url)
    if split is None:
        return False
    rest = _path_and_query(split[1])
    return bool(_PREFIXED.search(rest) or _SUFFIXED.search(rest))


def _path_and_query(parts: SplitResult) -> str:
    return unquote(parts.path) + "?" + unquote(parts.query)


def code_from_url(url: str | None) -> str | None:
    """The A-share code in the path or query of a quote-page URL, or None."""
    split = _split(url)
    if split is None:
        return None
    host, parts = split
    rest = _path_and_query(parts)
    for match in _PREFIXED.finditer(rest):
        if market_of(match[2]) == match[1].upper():
            return match[2]
    for match in _SUFFIXED.finditer(rest):
        if normalize_code(match[0]):
            return match[1]
    for suffix, pattern in _BARE:
        if host == suffix or host.endswith("." + suffix):
            bare = pattern.match(parts.path)
            if bare:
                *hint, code = bare.groups()
                market = market_of(code)
                if market and (not hint or market in _UNIFY_MARKETS[hint[0]]):
                    return code
    if host == "cninfo.com.cn" or host.endswith(".cninfo.com.cn"):
        for key, value in parse_qsl(parts.query):
            if key.lower() == "stockcode" and market_of(value):
                return value
    return None


# A stock's short name as link text: 贵州茅台, *ST金科, 万科A, TCL科技,
# 中芯国际-U.  Exchanges allow short names of at most four Chinese
# characters.  What may follow the name is a price ("贵州茅台 1689.00
# +1.22%") or the code ("贵州茅台(600519)"), never more words: "贵州茅台发布
# 年报" is a headline, not a name.
_LINK_NAME = re.compile(
    r"\*?[A-Za-z\u3400-\u9fff\uf900-\ufaff][A-Za-z\u3400-\u9fff\uf900-\ufaff·]*(?:-[A-Z]{1,2})?"
)
_CODE_IN_TEXT = re.compile(r"(?:sh|sz|bj)?[0-9]{6}(?:\.(?:sh|sz|bj|ss))?", re.IGNORECASE)
_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
MAX_LINK_NAME = 10
MAX_LINK_NAME_HAN = 4

# Link text that names the page linked, not the stock: outlets put 行情,
# 股吧 or 资金流向 links beside a stock's name, sometimes before it.  No
# A-share is called one of these words, begins with one of the verbs, or
# ends with one of the endings.
LINK_WORDS = frozenset(
    word.casefold()
    for word in """
    行情 实时行情 行情图 行情中心 股吧 个股 个股资料 资料 公司资料 概况 公司概况 简况 资金 资金流
    资金流向 主力 公告 研报 新闻 资讯 财务 财务分析 财报 年报 季报 业绩 诊股 分时 日K K线 走势
    走势图 股价 股票 报价 盘口 大单 龙虎榜 估值 股东 融资融券 讨论 评论 互动 问董秘 数据 图表
    详情 更多 原文 链接 自选 加自选 买入 卖出 交易 下载 Quote Quotes Chart More News
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_LINK_WORD_PARTS = re.compile(
    r"^(?:查看|点击|进入|更多|详见|加入|添加|打开|访问)"
    r"|(?:行情|股吧|资料|概况|简况|资金流向|公告|研报|诊股|走势图?|详情)$"
)


def name_from_link_text(text: str) -> str | None:
    """The stock name a link's text starts with, or None when it is no name."""
    # Xueqiu marks a stock up as a cashtag: $贵州茅台(SH600519)$.
    text = text.strip().strip("$").strip()
    if _CODE_IN_TEXT.fullmatch(text):  # SH600519: its market's letters are no name
        return None
    match = _LINK_NAME.match(text)
    if not match or not 2 <= len(match[0]) <= MAX_LINK_NAME:
        return None
    name = match[0]
    if len(_HAN.findall(name)) > MAX_LINK_NAME_HAN or is_link_word(name):
        return None
    rest = _CODE_IN_TEXT.sub("", text[match.end() :])
    return None if any(ch.isalpha() for ch in rest) else name


def is_link_word(text: str) -> bool:
    """Whether link text is a word for the page linked (行情, 查看行情), not a name."""
    return text.casefold() in LINK_WORDS or bool(_LINK_WORD_PARTS.search(text))


# --- dictionary names in text -----------------------------------------------


# Names and terms that begin with a listed company's name but are not the
# company: the banking regulator (2018–2023) and its newspaper, the banking
# association and the interbank market's dealers' association all begin with
# 中国银行 (601988); China's gold reserves and its gold association with 中国黄金,
# its satellite navigation system's office and society with 中国卫星, its mobile
# internet and mobile payment market with 中国移动, telecom fraud with 中国电信, a power
# exchange, a planning commission, a free-trade zone with a city's company.
# jieba keeps the company's name a word in them.  Found as the longer match,
# they hide the name inside them; whole terms only, so 中国银行业绩 (its
# results) is still 中国银行 — and none that the company's own sentences begin
# (中国移动支付了罚款: China Mobile paid a fine).  (And the interbank market
# after any bank's name: `_INTERBANK`.)
NOT_NAMES = frozenset(
    {
        "中国银行保险监督管理委员会",
        "中国银行保险报",
        "中国银行业协会",
        "中国银行间市场",
        "中国黄金储备",
        "中国黄金协会",
        "中国卫星导航系统",
        "中国卫星导航定位",
        "中国卫星导航学术",
        "中国卫星导航与位置服务",
        "中国移动互联网",
        "中国移动支付市场",
        "中国移动支付行业",
        "中国移动支付产业",
        "中国电信诈骗",
        "中国电信网络诈骗",
        "上海电力交易中心",
        "广州发展改革",
        "上海临港新片区",
    }
)
# 银行间 + what the interbank market deals in: 上海银行间同业拆放利率 (Shibor), in
# every money-market report, is no mention of 上海银行 (601229) — but 上海银行
# 间接持有 (indirectly holds) is, and 工商银行和建设银行间 (between) names both.
_INTERBANK_DEALS = (
    "市场", "同业", "债券", "拆借", "回购", "质押",
    "流动性", "利率", "外汇", "资金面", "货币市场", "票据市场",
)  # fmt: skip
_INTERBANK = tuple(f"间{deal}" for deal in _INTERBANK_DEALS)


class Found(NamedTuple):
    """A dictionary name in text."""

    start: int
    name: str
    code: str
    # False for an ordinary word (机器人, 老百姓) with no sign beside it
    # that the stock is meant: see is_ordinary_word().
    sure: bool


class NameMatcher:
    """Finds dictionary names in text, leftmost then longest, without overlaps.

    For each character that starts some name, the text is looked up at each
    length such names have, longest first: ~0.6 ms for 3,000 characters
    against 5,000 names, five to ten times faster than one regex alternation
    of the names (measured; see the module's tests).  A name is found only
    as a whole word (whole_word()), and not in an outlet's byline.
    """

    __slots__ = ("_lengths", "_names", "_starts")

    def __init__(self, names: Mapping[str, str]) -> None:
        self._names = dict(names)  # normalized name -> code
        skipped = [word for word in NOT_NAMES if any(map(word.startswith, self._names))]
        skipped.extend(
            name + market for name in names if name.endswith("银行") for market in _INTERBANK
        )
        for word in skipped:
            self._names.setdefault(word, "")  # found, and skipped
        lengths: dict[str, set[int]] = {}
        for name in self._names:
            lengths.setdefault(name[0], set()).add(len(name))
        self._lengths = {ch: sorted(found, reverse=True) for ch, found in lengths.items()}
        self._starts = (
            re.compile("[" + "".join(re.escape(ch) for ch in sorted(lengths)) + "]")
            if lengths
            else None
        )

    def __bool__(self) -> bool:
        return bool(self._names)

    def code_of(self, name: str) -> str | None:
        """The code of a normalized name, or None when the dictionary has no such name."""
        return self._names.get(name) or None

    def find(self, text: str) -> Iterator[Found]:
        """Each mention, in text order."""
        if self._starts is None:
            return
        after = 0
        for start in self._starts.finditer(text):
            i = start.start()
            if i < after:
                continue
            for length in self._lengths[text[i]]:
                end = i + length
                name = text[i:end]
                if len(name) < length or name not in self._names or not _bounded(text, i, end):
                    continue
                code = self._names[name]
                if code:
                    if (
                        _credited(text, i, end)
                        or _elsewhere(text, i, end)
                        or not whole_word(text, i, end)
                    ):
                        continue  # a shorter name may start here
                    sure = not is_ordinary_word(name) or _signed(text, end, code)
                    yield Found(i, name, code, sure)
                after = end
                break


def _bounded(text: str, start: int, end: int) -> bool:
    """Latin names are words: TCL is not found in TCLX.  A Chinese name's
    share class is no word's start: 万科A is in "万科A10月10日晚间公告"."""
    if _ascii_alnum(text[start]) and start > 0 and _ascii_alnum(text[start - 1]):
        return False
    if not (_ascii_alnum(text[end - 1]) and end < len(text) and _ascii_alnum(text[end])):
        return True
    return text[end].isdigit() and any(_is_han(ch) for ch in text[start:end])


# Characters of text jieba segments on either side of a name: enough for
# the words that decide whether it cuts the text at the name's ends.
CONTEXT = 8


def whole_word(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] stands as a word, not inside a longer one.

    Chinese has no spaces, so where a name meets another Chinese character
    jieba's segmentation says where words end: 中国银行 is a word in
    中国银行|业绩 but not in 中国|银行业, 东方财富 not in 东方|财富网, 平安
    not in 平安夜.  A name jieba does not know may be cut inside (贵州|茅台):
    only its two ends are asked.
    """
    at_start = start > 0 and _is_han(text[start - 1]) and _is_han(text[start])
    at_end = end < len(text) and _is_han(text[end - 1]) and _is_han(text[end])
    if at_end and _OWN_WORDS.match(text, end):
        at_end = False  # 工商银行行长, 五粮液集团: jieba joins 银行行长, the name stands
    if not (at_start or at_end):
        return True
    low = max(0, start - CONTEXT)
    cuts = _cuts(text[low : end + CONTEXT])
    return (not at_start or start - low in cuts) and (not at_end or end - low in cuts)


# Words that follow a company's name as its own (its people, its group, its
# full legal name): jieba may join them to the name's last characters.
_OWN_WORDS = re.compile(
    r"行长|董事长|董事会|总裁|总经理|副总|高管|股东|集团|股份|控股|公司|有限|旗下|酒股份|酒业"
)


def _cuts(text: str) -> set[int]:
    """Where jieba's words of ``text`` begin (precise mode, no HMM)."""
    import rjieba  # here: loading its dictionary takes a fifth of a second

    return {start for _, start, _ in rjieba.tokenize(text, "default", False)}


def _is_han(ch: str) -> bool:
    return bool(_HAN.match(ch))


# jieba's parts of speech for names: of people, places, organisations and
# other things (nr, ns, nt, nz …), abbreviations (j) and Latin words.
_PROPER = frozenset({"nr", "nrfg", "nrt", "ns", "nt", "nz", "j", "eng"})


@functools.lru_cache(maxsize=1 << 14)
def is_ordinary_word(name: str) -> bool:
    """Whether jieba's dictionary has ``name`` as one word that is no name.

    Some stocks are called by ordinary words — 机器人 (robot), 老百姓
    (ordinary people), 太阳能, 农产品, 人民网 — which mostly mean just that.
    Such a name counts only with a sign that the stock is meant (_SIGN), or
    when the post mentions the stock surely elsewhere: a link, or another
    of its names (贵州茅台 makes 茅台 count).
    """
    import rjieba

    tagged = rjieba.tag(name, False)
    return len(tagged) == 1 and tagged[0][1] not in _PROPER


# Signs that a name is the stock: its code after it (老百姓(603883)), a
# colon as in an announcement's headline (机器人:), or what a market report
# puts right after a company (五粮液涨停, 茅台股价).
_SIGN = re.compile(
    r"\s*[(（\[【]\s*(?:sh|sz|bj)?(?P<code>[0-9]{6})(?:\.(?:sh|sz|bj|ss))?\s*[)）\]】]"
    r"|\s*[:：]"
    r"|[涨跌](?:停|超|逾|幅|近|[0-9])|大涨|大跌|收涨|收跌|高开|低开|股价|股份|市值|发布公告|公告"
    r"|回购|增持|减持|停牌|复牌|年报|半年报|季报|营收|净利|股东|董事会|集团|董事长|总裁",
    re.IGNORECASE,
)


# The company's listing on another market, named after it: 比亚迪股份(01211.HK),
# 腾讯控股（00700）, 比亚迪（BYDDY.US）, 阿里巴巴-SW(09988) — a Hong Kong or US
# share, not the A-share of that name.  (An A-share code there is `_SIGN`'s; four
# bare digits are a year, 比亚迪（2023）年报, not a Hong Kong code.)
_ELSEWHERE = re.compile(
    r"(?:股份|控股|集团)?(?:-[A-Z]{1,3})?\s*[(（\[【]\s*"
    r"(?:[0-9]{5}|[0-9]{4,5}\.HK|HK[0-9]{4,5}|[A-Z]{1,5}\.(?:US|N|O|OQ))\s*[)）\]】]"
    # … or said in words: 比亚迪H股, 比亚迪ADR, 比亚迪港股
    r"|(?:股份)?\s*(?:H股|港股|美股|ADRs?)(?![A-Za-z])",
    re.IGNORECASE,
)
# A name right after the market it is listed on there: 港股比亚迪股份, 美股阿里巴巴.
_ELSEWHERE_BEFORE = ("港股", "美股", "H股")


def _elsewhere(text: str, start: int, end: int) -> bool:
    """Whether the name at text[start:end] is the company's listing on
    another market (not the A-share)."""
    return bool(_ELSEWHERE.match(text, end)) or text[max(0, start - 2) : start] in (
        _ELSEWHERE_BEFORE
    )


# The quote page of a listing on another market: a name linked to it
# (中国平安 to quote.eastmoney.com/hk/02318.html) is not the A-share's.
# Sina's /hkstock/ and /usstock/ pages; eastmoney's unify/r/116.02318 (its
# markets 116 and 128: Hong Kong; 105, 106, 107: the US exchanges).
_OTHER_MARKET_PAGE = re.compile(
    r"/(?:hk|us)/|/(?:hk|us)stock/|\bhk\d{4,5}\b|\b\d{4,5}\.hk\b|/unify/r/(?:116|128|105|106|107)\."
    # Futu's /stock/02318-HK and /stock/BYDDY-US.
    r"|/stock/[0-9A-Za-z.]+-(?:hk|us)\b",
    re.IGNORECASE,
)
# Xueqiu names an A-share SH600519; a Hong Kong share by its digits alone
# (/S/02318), a US one by its ticker (/S/BYDDY).
_XUEQIU_OTHER_MARKET = re.compile(r"/S/(?:\d{4,5}|[A-Za-z][A-Za-z.]{0,6})/?$")
# … and Tiger's, /stock/02318 and /stock/BYDDY (an A-share: /stock/600519).
_TIGER_OTHER_MARKET = re.compile(r"/stock/(?:\d{4,5}|[A-Za-z][A-Za-z.]{0,6})/?$")


def other_market_page(url: str | None) -> bool:
    """Whether ``url`` (of a link that names no A-share: `code_from_link`)
    is another market's quote page."""
    if not url or len(url) > 2000:
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    path = unquote(parts.path)
    host = parts.hostname or ""
    if host.endswith("xueqiu.com") and _XUEQIU_OTHER_MARKET.search(path):
        return True
    if host.endswith("laohu8.com") and _TIGER_OTHER_MARKET.search(path):
        return True
    return bool(_OTHER_MARKET_PAGE.search(path + "?" + unquote(parts.query)))


# Another market named before a name in its clause: "港股收评：中国平安大涨5%",
# "美股中概股阿里巴巴" — not "港股涨3%，A股中国平安涨1%" (another clause).
# Another market right before a name, or heading its line: "港股中国平安",
# "港股收评：中国平安大涨5%" — not "A+H股上市公司中国平安", "恒生电子携手东方财富"
# (an A-share's name), "受美股大跌影响比亚迪…" (the A-share, moved by it).
_MARKET_BEFORE = re.compile(
    r"(?:(?<![A+＋和、])(?:港股|美股|H股|中概股)|恒指|恒生指数)(?:[\u4e00-\u9fff]{0,3}[：:]\s*)?$"
)


# A line that opens as another market's report (港股收评:, 美股收盘:, 恒指午评:) is
# of that market's listings to its end, unless the A-shares come in ("A股方面"):
# "港股收评:恒指收涨1.2%,中国平安大涨5%" — far from the line's start.
_OTHER_MARKET_REPORT = re.compile(
    r"\s*[【\[]?(?:港股|美股|中概股|恒指|恒生指数)[\u4e00-\u9fff]{0,4}[:：]"
)
# The A-shares named in such a line — not inside a Hong Kong term (沪市港股通,
# the southbound connect; 中证香港100; the outlet 上证报).
_A_SHARES = re.compile(
    r"A股|沪深(?!港)|沪指|[沪深]市(?!港股通)|两市|上证(?!报)|深证|深成指"
    r"|创业板|科创(?:板|50|100|200|综指)|北交所|北证|中证(?:500|800|1000|2000|A50|A500|全指)"
)


def another_market_before(text: str, start: int, end: int) -> bool:
    """Whether another market is named right before a name at text[start:end],
    or heads its line (and not the A-share's own code after it)."""
    if _MARKET_BEFORE.search(text, max(0, start - 10), start) is None:
        line = text.rfind("\n", 0, start) + 1
        if not _OTHER_MARKET_REPORT.match(text, line) or _A_SHARES.search(text, line, start):
            return False
    sign = _SIGN.match(text, end)
    return sign is None or sign["code"] is None


def _signed(text: str, end: int, code: str) -> bool:
    """Whether a sign of the stock ``code`` follows a name ending at ``end``."""
    sign = _SIGN.match(text, end)
    return sign is not None and sign["code"] in (None, code)


# An outlet signing or credited with a story is no news of its stock:
# 东方财富网讯, 人民网9月20日讯, 同花顺财经讯, 据新华网报道, 来源: 同花顺.
# After an outlet's name: its byline (东方财富网讯), its dateline (新华网北京9月20日电,
# not 比亚迪9月20日电动车) or its data (东方财富Choice数据): the outlet, not its stock.
_BYLINE = re.compile(
    "(?:网|财经)?(?:[0-9]{1,2}月[0-9]{1,2}日)?讯(?![\u3400-\u9fff])"
    "|(?:网|财经|社)?[\u3400-\u9fff]{0,4}[0-9]{1,2}月[0-9]{1,2}日电(?![\u3400-\u9fff])"
    "|(?:网|财经)?(?:Choice|iFinD|Wind)数据"
)
# 据新华网报道, 据同花顺财经报道, 据新华网消息, 据东方财富统计 — not 据比亚迪消息 (the
# company's own news).
_REPORTED = re.compile("(?:网|财经)?(?:报道|统计)|(?:网|财经)消息")
# After an outlet's name (新华网, 新华社, 证券时报): its report, its app.
_OUTLET_SAYS = re.compile("报道|(?:APP|App|app|客户端)")
_OUTLET_NEWS = "消息"  # after a name that is an outlet's (新华网, 新华社, 证券时报)
# Before a name: what a reader is asked to do with the outlet's app (请下载东方财富APP).
_APP = re.compile(r"(?:下载|打开|登录|安装)\s*$")
_APP_AFTER = re.compile("(?:网|财经)?(?:APP|App|app|客户端)")
# An outlet's name ends so: 新华网, 证券时报, 财联社, 新浪财经 — not 电网 or 互联网, 年报
# or 快报, 合作社 or 出版社 (words of a story).
_OUTLET_END = (
    r"(?:(?<!电)(?<!联)(?<!管)网|(?<![年中季月周快简预警情汇通公财])报"
    r"|(?<!合作)(?<!出版)(?<!旅行)社|财经)"
)
# A paragraph that opens with a byline or dateline (证券时报网讯，证券时报e公司讯，
# 新华网北京9月20日电, 财联社电, 【财联社】, 【人民网】, 智通财经APP获悉, 格隆汇APP获悉,
# 21世纪经济报道记者 王五 北京报道): no keyword comes of it (网讯, 财富, 联社, 世纪).
# Not a bracketed headline (【小米集团发布年报】, 【特高压电网】, 【农民专业合作社】),
# nor an app a reporter heard from (记者从美团App获悉).
LEADING_BYLINE = re.compile(
    r"(?m)^[ \t]*(?:"
    rf"【[^】\n]{{1,6}}?{_OUTLET_END}(?:[0-9]{{1,2}}月[0-9]{{1,2}}日[电讯]?)?】"
    r"|(?!记者)[^\n，,。:：\s从]{2,8}?(?:APP|App|app|客户端)获悉(?=[\s，,：:。（(]|$)"
    r"|[^\n，,。:：\s]{2,16}?"
    r"(?:(?:网|社|报|财经)(?:[A-Za-z]{1,3}[\u3400-\u9fff]{1,3})?(?:[0-9]{1,2}月[0-9]{1,2}日)?"
    r"(?:讯|报道|电)"
    r"|[0-9]{1,2}月[0-9]{1,2}日[电讯]"
    r"|(?:网|社|报|财经)记者[^\n，,。:：\s]{2,4}?(?:报道)?)"
    r"(?=[\s，,：:。（(]|$)"
    r"|[^\n，,。:：]{2,16}?记者[ \t]+[^\n，,。:：\s]{2,4}[ \t]+[^\n，,。:：\s]{0,4}报道"
    r")"
)
# … and anywhere: an outlet reporting (据新华网消息, 据东方财富统计 — not 据海关总署统计,
# an agency's figures, nor 据宁德时代年报数据), a data vendor's figures (同花顺iFinD数据,
# not the 半导体行业 before "Wind数据"), a credit that is a line, a bracket or a
# sentence's end of its own (来源丨新华网, （文章来源：证券时报）, …持平。来源：新华网 —
# not 资金来源：定向增发).
_CREDITED_ANYWHERE = re.compile(
    rf"据(?:[^\n，,。:：\s]{{1,10}}?{_OUTLET_END}|东方财富|同花顺|万得)(?:报道|统计|消息|数据)"
    r"|(?:同花顺|东方财富|万得)?(?:网|财经)?(?:Choice|iFinD|Wind)数据"
    r"|(?:^[ \t]*|[（(][ \t]*"
    # … or after an editor's credit on its line (责任编辑：李四 来源：新华网)
    r"|^[ \t]*(?:责任编辑|编辑|作者|记者|撰文|校对|审核|审校)[ \t]*[:：|丨｜][^\n]{1,40}?[ \t])"
    r"(?:文章|本文|新闻|消息|图片)?(?:来源|稿源|转自|转载自|本文来自)"
    r"[ \t]*[:：|丨｜][ \t]*[^\n，,。;；)）\]】]{1,40}(?=[)）]|[ \t]*$)"
    # (At a sentence's end, only an outlet's name: not "消息来源：知情人士称…".)
    r"|(?<=[。！？!?；;])[ \t]*(?:文章|本文|新闻|图片)?(?:来源|稿源|转自|转载自|本文来自)"
    rf"[ \t]*[:：|丨｜][ \t]*[^\n，,。;；)）\]】]{{1,16}}?{_OUTLET_END}"
    r"(?:[·・ \t][^\n，,。;；)）\]】]{0,24})?(?=[)）]|[ \t]*$)",
    re.MULTILINE,
)


# More of outlets' own lines, whatever their names end in (每经, 央视新闻, 钛媒体,
# 券商中国): "每经AI快讯，", "央视网消息：", "钛媒体App 9月20日消息，",
# "澎湃新闻记者 王五", "界面新闻记者 | 张三", "【环球网财经综合报道】" at a
# paragraph's start; "（中国证券报·中证网 记者 王五）", "据央视新闻报道" anywhere.
# Not "记者从滴滴出行App获悉" (an app a reporter heard from), nor a bracketed
# headline's words (【小米集团发布年报】), nor a topic's 快讯 (光伏快讯：…) or
# reporters of a story (多名记者 实地走访): only an outlet's.
# Outlets whose names end otherwise (界面快讯, 华尔街见闻快讯, 证券时报·e公司记者).
_NAMED_OUTLETS = (
    "界面|华尔街见闻|中新经纬|上证|每经|金十|格隆汇|智通财经|e公司|澎湃|央视|新华|中证"
    "|和讯|同花顺|36氪|钛媒体|虎嗅|雪球|财新|路透|彭博|经济观察|券商中国|21世纪经济报道"
)
_REPORTERS_OUTLET = rf"(?:{_OUTLET_END}|新闻|中国|{_NAMED_OUTLETS})"
_OUTLETS_OWN_LINES = re.compile(
    r"(?m)^[ \t]*(?:"
    rf"[^\n，,。:：\s【]{{0,10}}?(?:AI|{_OUTLET_END}|{_NAMED_OUTLETS})快讯(?=[，,：:])"
    rf"|[^\n，,。:：\s【]{{1,10}}?{_OUTLET_END}消息(?=[，,：:])"
    r"|[^\n，,。:：\s从【]{2,8}?(?:APP|App|app|客户端)[ \t]*[0-9]{1,2}月[0-9]{1,2}日(?:消息|讯|电)"
    rf"|[^\n，,。:：\s【]{{0,8}}?{_REPORTERS_OUTLET}记者(?:[ \t]+|[ \t]*[|丨｜][ \t]*)"
    r"[\u3400-\u9fff]{2,4}(?=[\s，,：:。（(]|$)"
    rf"|【[^】\n]{{1,6}}?{_OUTLET_END}[\u3400-\u9fff]{{0,4}}?(?:综合)?(?:报道|讯|消息)】"
    r")"
    rf"|[（(][^）)\n，,。]{{0,20}}?{_REPORTERS_OUTLET}[ \t]*记者"
    r"(?:[ \t]+[\u3400-\u9fff]{2,4}){1,3}[ \t]*[）)]"
    r"|据[\u3400-\u9fff]{1,6}?(?:新闻|日报|晚报|时报|卫视|电视台|客户端)(?:报道|消息)"
)


def credit_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` (a Page's) gives an outlet's byline, dateline or credit:
    no keyword comes of one (`tags_for`)."""
    return [
        (found.start(), found.end())
        for pattern in (LEADING_BYLINE, _CREDITED_ANYWHERE, _OUTLETS_OWN_LINES)
        for found in pattern.finditer(text)
    ]


# What is credited: 来源 alone (来源：新华网), after what a page credits (本文来源：,
# 转载来源：, 图片来源：) or after a page's date joined to it (2024年05月01日来源：);
# 转自, 本文来自.  Not a company's customers, money or supplies (订单来源：中国移动、
# 中国联通, 资金来源：中国平安, 芯片来源：中芯国际): their names are news.
_CREDITOR = r"(?:来源|稿源|转自|转载自|本文来自)"
_CREDITED = (
    "本文", "文章", "原文", "全文", "转载", "参考", "引用", "出处", "消息", "新闻", "新闻稿",
    "资讯", "稿件", "内容", "信息", "数据", "资料", "图片", "图文", "图表", "图", "封面",
    "视频", "音频", "素材", "文字", "行情", "编辑", "作者",
)  # fmt: skip
_CREDIT = re.compile(_CREDITOR + r"\s*[:：|丨｜]?\s*$")


# Listed companies whose data news cites (同花顺数据显示, 据东方财富数据, 同花顺iFinD统计):
# the vendor, not its stock.
_DATA_VENDORS = frozenset({"同花顺", "东方财富", "大智慧"})
# (Each part once, a space or two before it: runs of optional spaces side by
# side backtracked without end on a table's empty cells after the name.)
_VENDOR_SOURCE = r"(?:\s{0,2}(?:的|网|财经|iFinD|Choice|Level-?2|行情|财务|统计)){0,4}\s{0,2}"
# Sources named in a list (Wind、同花顺iFinD; 东方财富、同花顺): each is
# credited as the list is — after 来源: or 据, or before 数据显示 (the one
# next to it alone was).  A source is a word of at most a dozen letters.
_SOURCE = r"[0-9A-Za-z\u4e00-\u9fff]"
# (Not a comma: "资金来源:自有资金,中国平安…" lists no sources.)
_AND = r"\s{0,2}[、/和及与]\s{0,2}"
# The vendor's own words, then those of the others listed after it, if any.
_VENDORS_SOURCE = rf"{_VENDOR_SOURCE}(?:{_AND}{_SOURCE}{{1,10}}?{_VENDOR_SOURCE}){{0,3}}"
_VENDOR_DATA = re.compile(
    _VENDORS_SOURCE + r"(?:数据|统计)(?:中心)?\s*(?:显示|表明|统计|来看)", re.IGNORECASE
)
# … and after 据 (据同花顺数据，据东方财富iFinD统计): not 同花顺数据泄露.
_VENDOR_CITED = re.compile(
    _VENDORS_SOURCE + r"(?:数据|统计)(?:中心)?(?:统计)?(?![\u4e00-\u9fff])", re.IGNORECASE
)
_CREDITED_LIST = re.compile(_CREDITOR + rf"\s*[:：|丨｜]\s*(?:{_SOURCE}{{1,12}}{_AND}){{1,4}}$")
_CITED_LIST = re.compile(rf"据(?:{_SOURCE}{{1,12}}?{_AND}){{1,3}}$")


def _credited(text: str, start: int, end: int) -> bool:
    """Whether the name at text[start:end] is an outlet's byline or credit."""
    if _BYLINE.match(text, end):
        return True
    if text[start:end] in _DATA_VENDORS:
        window = text[max(0, start - 60) : start]
        cited = text[max(0, start - 1) : start] == "据" or _CITED_LIST.search(window)
        if _VENDOR_DATA.match(text, end) or (cited and _VENDOR_CITED.match(text, end)):
            return True
    listed = _CREDITED_LIST.search(text, max(0, start - 80), start)
    if listed and _credits(text, listed.start()):
        return True
    before = text[max(0, start - 8) : start]
    if _APP.search(before) and _APP_AFTER.match(text, end):
        return True
    if text[end - 1] in "网社报" and _OUTLET_SAYS.match(text, end):
        return True
    if before.endswith("据"):
        if _REPORTED.match(text, end):
            return True
        if text.startswith(_OUTLET_NEWS, end) and text[end - 1] in "网社报":
            return True
    credit = _CREDIT.search(text, max(0, start - 8), start)
    return credit is not None and _credits(text, credit.start())


def _credits(text: str, at: int) -> bool:
    """Whether the 来源 (稿源, 转自 …) at ``at`` credits a source (see `_CREDITED`)."""
    if not text.startswith(("来源", "稿源"), at):
        return True  # 转自, 转载自, 本文来自
    before = text[max(0, at - 3) : at]
    last = before[-1:]
    return not last or not _is_han(last) or last in "年月日" or before.endswith(_CREDITED)


def _ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


# --- the dictionary file ----------------------------------------------------


class DictionaryError(ValueError):
    """A bad line in a stock dictionary file: ``file:line: what — 'the line'``."""


class _BadLine(Exception):
    pass


_FIELD_SEPARATORS = re.compile(r"[,，\t]")
_CODE_SHAPE = re.compile(r"(?:sh|sz|bj)?[0-9]{6}(?:\.(?:sh|sz|bj|ss))?", re.IGNORECASE)


def load_dictionary(path: str | os.PathLike[str]) -> dict[str, str]:
    """Read a stock dictionary: name → six-digit code, in file order.

    UTF-8 text, one stock per line: a name and a code, separated by a comma
    or a tab, or by spaces (then the code comes first or last); spaces in a
    name are as `normalize_name` keeps them (``万  科Ａ 000002`` is 万科A,
    ``Kweichow Moutai 600519`` keeps its space).  Codes may carry the
    market: ``SZ300024``, ``sz300024``, ``300024.SZ``.  ``#`` starts a
    comment; blank lines are skipped.  Several names may share a code: the
    first one is the name tags use, later ones are aliases found in text.
    """
    shown = os.fspath(path)
    try:
        with open(path, encoding="utf-8-sig") as source:
            lines = source.read().splitlines()
    except UnicodeDecodeError as error:
        raise DictionaryError(f"{shown}: not UTF-8 text ({error.reason})") from None
    out: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            name, code = _entry(text)
            if name in out and out[name] != code:
                raise _BadLine(f"{name!r} is {out[name]} on line {first_line[name]}")
        except _BadLine as error:
            raise DictionaryError(f"{shown}:{number}: {error} — {line.strip()!r}") from None
        out.setdefault(name, code)
        first_line.setdefault(name, number)
    return out


def _entry(text: str) -> tuple[str, str]:
    """(normalized name, code) of one dictionary line without its comment."""
    text = unicodedata.normalize("NFKC", text)
    # (A spreadsheet's CSV quotes its fields: "贵州茅台","600519".)
    fields = [_unquoted(f.strip()) for f in _FIELD_SEPARATORS.split(text)]
    if len(fields) == 1:  # separated by spaces: the code is first or last
        fields = text.split()
        if len(fields) >= 2 and _CODE_SHAPE.fullmatch(fields[-1]):
            fields = [" ".join(fields[:-1]), fields[-1]]  # (normalize_name joins them)
        elif len(fields) >= 2 and _CODE_SHAPE.fullmatch(fields[0]):
            fields = [" ".join(fields[1:]), fields[0]]
        else:
            raise _BadLine("expected a name and a six-digit stock code, such as '贵州茅台,600519'")
    if len(fields) != 2:
        raise _BadLine(f"expected two fields, a name and a stock code; found {len(fields)}")
    name, code_text = fields
    if not _CODE_SHAPE.fullmatch(code_text):
        name, code_text = code_text, name
    if not _CODE_SHAPE.fullmatch(code_text):
        raise _BadLine("neither field is a six-digit stock code, such as '600519' or 'SH600519'")
    code = normalize_code(code_text)
    if code is None:
        raise _BadLine(f"{code_text!r} is not an A-share stock code ({RANGES_HELP})")
    name = normalize_name(name)
    problem = name_problem(name)
    if problem:
        raise _BadLine(problem)
    return name, code


def _unquoted(field: str) -> str:
    if len(field) >= 2 and (field[0], field[-1]) in (('"', '"'), ("'", "'"), ("“", "”")):
        return field[1:-1].strip()
    return field


MAX_NAME = 40


def name_problem(name: str) -> str | None:
    """Why a dictionary name cannot be used, or None.  Expects normalize_name()."""
    if len(name) < 2:
        return f"the name {name!r} is too short: a single character is found everywhere"
    if len(name) > MAX_NAME:
        return f"the name {name[:20]!r}… is longer than {MAX_NAME} characters"
    if not any(ch.isalpha() for ch in name):
        return f"the name {name!r} has no letters"
    if any(unicodedata.category(ch)[0] == "C" for ch in name):
        return f"the name {name!r} has control or unassigned characters"
    return None
