"""Full text for summary-only feeds: fetch each new item's page, keep the article.

Two halves that work apart:

* :func:`extract_article` — pure: page HTML in, the article's HTML out (or
  ``None``; :func:`read_article` says why none, :class:`NoArticle`).  The
  engine is readability-lxml, chosen by measurement on the sample pages in
  ``tests/data/articles`` (``python -m benchmarks.extractors``).
  Around it feedmill prepares the page (lazy-loaded images, WeChat's hidden
  body, bare styling sections, absolute URLs) and cleans the result (editor,
  copyright, disclaimer and share lines; attributes; a lead figure that sits
  beside the body), and refuses login, paywall and error pages.  The result
  is not sanitized: the caller runs :mod:`feedmill.sanitize` on it.
* :func:`fetch_articles` — fetch pages whose URLs came from feeds, not from
  the user, so they are treated as hostile: only http(s); only globally
  routable addresses, checked by the resolver the connector uses (so DNS
  rebinding cannot slip a private address in between a check and the
  connection) and on every redirect hop; one deadline per page; the body
  capped after decompression by feedmill's bounded decoders; only HTML,
  decoded with GBK/GB18030 in mind.  Every failure is a short reason in
  :attr:`Article.error`; the caller keeps the feed's own content then.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import copy
import functools
import html as htmllib
import re
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence, Set
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import SplitResult, parse_qsl, urldefrag, urljoin

import lxml.etree
import lxml.html
from lxml.html import HtmlElement

from feedmill import urls
from feedmill.fetch.aiohttp_import import load_aiohttp
from feedmill.fetch.client import (
    DEFAULT_USER_AGENT,
    HEADER_LINE_LIMIT,
    _header_text,
    _location,
    _reason,
    _ssl_context,
)
from feedmill.fetch.decompress import BodyError, read_capped
from feedmill.fetch.fence import (
    a_kind,
    address_kind,
    blocked_in,
    is_public_address,
    parse_ip,
    public_only,
)
from feedmill.htmltree import bounded_attributes, html_parser, xml_compatible
from feedmill.models import CONNECTION_LOST, Entry, ParsedFeed
from feedmill.parse.encoding import decode, http_charset
from feedmill.sanitize.clean import image_size, is_tracking_pixel
from feedmill.sanitize.prepass import (
    real_source,
    show_hidden_article,
    show_lazy_players,
    text_chars,
)
from feedmill.schedule import retry_after

if TYPE_CHECKING:
    # aiohttp takes a third of a second to import: only fetching needs it.
    import aiohttp
    from aiohttp.abc import AbstractResolver
    from yarl import URL

__all__ = [
    "Article",
    "ArticleOptions",
    "NoArticle",
    "address_kind",
    "decode_html",
    "extract_article",
    "fetch_articles",
    "is_public_address",
    "led_elsewhere",
    "not_articles",
    "page_key",
    "read_article",
]

MiB: Final = 1024 * 1024
# Under this many characters of text (whitespace not counted) there is no article.
MIN_TEXT_CHARS: Final = 80
# A page that looks like a login, paywall or error page is refused unless what
# was extracted is longer than this: a teaser is not the article.
GATED_MAX_CHARS: Final = 500
# A wall's words make an extract a teaser (and no article) in its last 120
# characters, or as a line of their own: one of 30 characters at most.
_WALL_WORDS: Final = 120
_WALL_LINE: Final = 30

# -- extraction -------------------------------------------------------------------------------

_XML_DECLARATION: Final = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_WS: Final = re.compile(r"\s+")
# lxml refuses strings holding these; browsers ignore them.
_CONTROL_CHARS: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LOGIN_OR_PAYWALL: Final = re.compile(
    # (Not 付费内容 or 剩余30% in a sentence of news: "约70%为付费内容",
    # "收入来自付费阅读", a stake's "剩余30%股权", "剩余60%将分三年支付".)
    r"订阅后(?:阅读|查看)"
    r"|(?:(?:本|此|该|当前|这)(?:篇|文|文章|稿件|内容|篇文章)?|以下|下文)(?:为|是|系)"
    r"[^，,。；;\s]{0,6}付费(?:内容|文章)"
    r"|付费(?:后|即可|才能)?(?:阅读|查看)(?:本文|此文|全文|文章|该篇|完整|剩余)"
    r"|付费阅读后(?:可|即可)?(?:查看|阅读)|付费阅读\s*[:：]\s*[\d¥￥]|需付费(?:阅读|查看)(?!的)"
    # A label of its own (a button, a badge): 付费阅读, 剩余85% — not 付费内容, a
    # menu's link on every page of a site.
    r"|(?:^|\s)(?:付费阅读|还?剩余\s*\d+(?:\.\d+)?%)(?:\s|$)|已阅读\s*\d+(?:\.\d+)?%"
    r"|剩余\s*\d+(?:\.\d+)?%\s*[，,]?\s*(?:需|请|订阅|开通|解锁|购买|付费|继续)"
    r"|(?:开通|购买|成为)(?:会员|VIP)(?:后|即可)(?:阅读|查看)"
    # (Not "登录后查看全部评论": a comment link under an article.)
    r"|登录后?(?:即可|才能)?(?:阅读|查看)(?:全文|完整|全部(?!评论|回复|留言)|剩余)|(?:阅读|查看)全文(?:需|请)"
    r"|(?:阅读|查看|解锁)剩余\s*\d+(?:\.\d+)?%|剩余\s*\d+(?:\.\d+)?%\s*的?(?:内容|未读|正文|文章)"
    r"|subscribe (?:to|now to) (?:continue|read)|to continue reading"
    r"|subscribers only|already a subscriber|sign in to (?:continue|read)"
    r"|create a free account to (?:continue|read)"
    # Bot checks: a page that stands between the reader and the article,
    # with no article behind it for a program.  (A cookie banner is not one:
    # it sits on article pages too; a page that is only a cookie wall says
    # less than the feed, and is refused for that.)
    # (Not "账户异常访问" in a story about fraud: what a check page says of the reader.)
    r"|检测到.{0,12}异常(?:访问|流量|请求)|您的访问(?:出现)?异常|访问过于频繁"
    r"|(?:完成|进行)(?:下方的?)?(?:安全|人机|滑块)?验证后|请(?:输入|完成)验证码"
    r"|checking (?:if the site connection is secure|your browser)|verify you are (?:a )?human",
    re.IGNORECASE,
)
_ERROR_TITLE: Final = re.compile(
    # A status code alone or before a separator ("404 | 网站"), not "500 firms join".
    r"^\W*(?:40[0134]|50[0234])(?:\W*$|\s*[-–—:：|])|\b(?:error|错误)\s*(?:40[0134]|50[0234])\b"
    # ... or before its reason phrase ("502 Bad Gateway").
    r"|^\W*(?:40[0134]|50[0234])\s+(?:bad request|unauthori[sz]ed|authori[sz]ation required"
    r"|internal server error|bad gateway|service (?:temporarily )?unavailable"
    r"|gateway time-?out)\b"
    r"|\b(?:40[0134]|50[0234])\s*(?:error|not found|forbidden|页面|错误)|page not found"
    r"|access denied|页面不存在|页面未找到|找不到(?:该|您要的)?页面"
    r"|(?:页面|文章|内容|链接)(?:已被|已)(?:删除|下线|失效)|内容不存在|出错了"
    r"|该内容已被发布者删除|此内容因违规无法查看",
    re.IGNORECASE,
)
# ... and a bot check's ("Just a moment...", Cloudflare's "Attention Required!").
_CHECK_TITLE: Final = re.compile(
    r"^\W*访问验证\W*$|^just a moment|attention required!|are you a robot", re.IGNORECASE
)
# A password field marks a login page — when the page is little else: article
# pages keep a hidden login dialog in their HTML.
_LOGIN_PAGE_MAX_CHARS: Final = 2000
# A reprint's terms: "未经许可，不得转载", "未经本网书面授权，任何单位和个人不得转载、
# 摘编", "未经授权，禁止任何形式的转载" — the words of reprinting, from the site
# or its author: not a story's "未经许可不得传播", "未经授权不得转发" (a police
# warning), "未经当事人同意…", "不得转载其享有著作权的作品".
_REPRINTS = r"转载|摘编|镜像|建立镜像|转录|复制"
_PARTIES = r"当事人|消费者|权利人|著作权人|原告|被告|批准|监护人|患者|他人"


def _unlicensed(parties: str) -> str:
    """A reprint notice whose leave is not one of ``parties``'."""
    return (
        rf"未经(?:(?!{parties})[^，,。！？!?\s]){{0,8}}?(?:允许|许可|授权|同意)[，,]?\s*"
        r"(?:任何(?:[单位个人媒体网站组织机构]|[和或及、])+[，,]?\s*)?(?:均\s*)?"
        r"(?:不得|禁止|请勿|严禁|谢绝)(?:以?任何(?:形式|方式)的?|私自|擅自|二次)?"
        r"(?:转载|摘编|镜像|转录|使用本|复制(?=[、和及或]\s*(?:转载|摘编)))"
        r"(?!他人|其|该|别人|他|她)"
    )


# (A block that begins with it is a blogger's "未经本人允许，禁止转载！"; inside
# one, a story may quote it, or tell of a person's or a user's own leave.)
_UNLICENSED = _unlicensed(_PARTIES)
_UNLICENSED_INSIDE = _unlicensed(f"{_PARTIES}|本人|用户")
# … and, inside a block, its sentence to the end: what else may not be done,
# what follows if it is ("违者必究", "否则将追究法律责任") — not a story's
# "不得复制、发行其作品".
_NOTICE_ENDS = (
    rf"(?:[、，,和或及]\s*(?:{_REPRINTS}|转发|抄袭|使用)"
    r"|(?:或|及)?(?:以|利用)其[他它](?:方式|形式)使用(?:上述作品|本(?:网站|站|网)(?:内容)?)?)*"
    r"(?:本文|本(?:网站|站|网)内容)?"
    r"(?:[，,；;]\s*(?:[违侵]权必究|违者[^。！？!?，,]{0,16}|否则[^。！？!?]{0,20}"
    r"|如需转载[^。！？!?]{0,30}))*\s*[）)】\]]?\s*(?:[。！!；;]|$)"
)
# Blocks that open like this are the site talking, not the article.
_BOILERPLATE_START: Final = re.compile(
    r"^[\s(（【\[]*(?:"
    r"责任编辑|责编|编辑[:：]|校对[:：]|审核[:：]|版面编辑|值班编辑|"
    # (Not a story's "特别声明称…": what a statement said.)
    r"(?:风险提示|免责|特别|郑重|版权|法律|新浪|广告)声明(?![称说指表中里])|声明(?:[:：】\])）]|\s)|风险提示|"
    r"原标题[:：]|文章来源[:：]|来源[:：].{0,30}$|"
    r"本文(?:由.{0,20}原创|来自|来源于|转载|首发于|(?:为|系(?![统列])).{0,30}(?:原创|特供|付费|独家|授权)"
    r"|著作权|版权|经授权|仅代表|不构成)|"
    # (Not a story's "Copyright holders have sued …": the notice gives its
    # sign, its year or its owner.)
    r"©|copyright\s*(?:©|\(c\)|\d{4}|by\b|[:：])|all rights reserved|版权所有(?![者人方])|"
    # (Not a court's "未经许可使用他人肖像…", nor "转载请求被拒绝后…".)
    rf"{_UNLICENSED}|转载请(?!求)|"
    r"(?:相关|推荐|延伸|热门|猜你|更多)(?:阅读|新闻|文章|推荐|喜欢)|"
    # (Not "分享到朋友圈的内容被截图传播…", "扫一扫就能付款的便利背后…".)
    r"分享(?:到|至)\s*(?:[:：]|$|(?:新浪|腾讯|微信|朋友圈|微博|QQ|空间|好友|豆瓣|人人网?|facebook"
    r"|twitter|linkedin|whatsapp|telegram|分享到|分享至|\s)+$)|分享\s*[:：]|一键分享"
    r"|share\s*(?:this|on)?\s*[:：]|扫一扫(?=\W|$|关注|下载|二维码|分享|加入|用手机|在手机|手机)|"
    r"长按(?:识别|扫描)?(?:图中)?二维码|点击上方|关注我们|"
    # A page's own furniture above the article: its reading tools, where it is.
    r"【?字[体号]\s*[:：]\s*(?:[大中小]\s*){2,}|(?:当前|您的|你的|你现在的)位置\s*[:：]|"
    r"[-—–─=]*\s*end\s*[-—–─=]*$|"
    r"(?:reporting|editing|writing|additional reporting) by\b|our standards:|"
    # (Not "Advertisement spending rose …": an ad's label stands alone.  A call
    # to download an app is read in `_is_boilerplate`.)
    r"sign up here|[-–—•·]*\s*advertisement\s*(?:$|[:：|\-–—•·])|"
    r"(?:story|article) continues below(?: this)? advertisement|广告\W*$|"
    r"打开.{0,12}(?:APP|客户端)[，,\s]*(?:阅读|查看|看)(?:全文|更多|原文)|"
    r"市场有风险[，,\s。！!；;]|感谢(?:您的)?(?:阅读|关注|收看)"
    r")",
    re.IGNORECASE,
)
# A call to download the site's app, a line of its own: the call alone
# ("【点击下载第一财经APP】", "下载澎湃新闻APP >>"), or with what any news app
# gives, said as such a line says it — a verb, then news of no kind but
# "more", "the latest" ("下载第一财经APP，第一时间获取财经资讯", "请点击下载新浪财经
# APP，查看更多资讯", "…，看更多资讯，领现金红包") — or after it ("更多精彩内容，请下载
# …APP"), or its slogan ("海量资讯、精准解读，尽在新浪财经APP").  Not a story's
# advice, whose news has a kind ("下载铁路12306APP，查看列车正晚点资讯。", "下载国家反诈
# 中心APP，了解更多防骗知识。", "请下载个人所得税APP，查看年度汇算具体内容。"), a step
# ("第一步，下载个人所得税APP"), "请下载国家反诈中心APP", "如需了解更多资讯，请下载
# “i深圳”APP", "下载该APP后即可查看…", nor "…下载量最高的APP…".
_APP_NAMED = r"下载(?![量次数])(?:(?!该|这款|这个|此)[^，,。！？!?]){0,15}?(?:APP|客户端)"
_NEWS_GIVEN = (
    r"(?:第一时间|随时随地|免费|实时)?(?:查看|阅读|获取|获得|收看|观看|了解|看|领取?|掌握|畅享)"
    r"(?:更多|最新|实时|全部|海量|精彩|独家|第一手|一手|权威|财经|全球|热门|现金)*"
    r"(?:资讯|行情|内容|全文|红包|福利|快讯|新闻|解读|精彩)"
)
_DOWNLOAD_CALL: Final = re.compile(
    rf"^\W*(?:点击|点此|立即|扫码)*{_APP_NAMED}\W*$"
    rf"|^\W*请?(?:点击|点此|立即|扫码)*{_APP_NAMED}[，,：:\s]*{_NEWS_GIVEN}"
    rf"(?:[，,、]\s*{_NEWS_GIVEN})*\W*$"
    rf"|^\W*(?:更多|海量|最新|精彩|(?:阅读|查看|看)全文)[^，,。！？!?：:]{{0,10}}[，,：:]?\s*"
    r"(?:请|立即|点击)*"
    rf"{_APP_NAMED}(?:查看|阅读)?\W*$"
    r"|^[^。！？!?]{0,20}[，,]\s*尽在[^，,。！？!?]{1,15}?(?:APP|客户端)\W*$",
    re.IGNORECASE,
)
# Editorial boilerplate wherever it stands in a block, phrases news prose does not use.
_BOILERPLATE_PHRASE: Final = re.compile(
    r"仅代表作者(?:本人|个人)?(?:观点|立场)|作者独立观点|不代表本(?:站|网|平台|号)"
    rf"|{_UNLICENSED_INSIDE}{_NOTICE_ENDS}"
    r"|转载请(?:注明|联系)|对本稿件有异议|does not constitute investment advice"
    # A Chinese site's footer: its licence number, where to report it.
    # (Not "可拨打12315举报电话投诉", nor a story about the 举报中心: their number
    # or address follows.)
    r"|ICP[备证]\s*\d+号|公网安备\s*\d+号",
    re.IGNORECASE,
)
# Where to report the site: its footer's line (not a notice's sentence that
# gives a hotline: "欢迎…检举揭发…线索。举报电话：…；对举报有功人员…").
_REPORT_LINE: Final = re.compile(r"举报(?:电话|邮箱|专线)\s*(?:[:：]|\s)\s*(?=[0-9A-Za-z])")
_SENTENCE_INSIDE: Final = re.compile(r"[。！？!?](?!\s*$)")
# ... and words that mark a short block (a line, a caption) as the site's.
_BOILERPLATE_ANYWHERE: Final = re.compile(
    # (A 二维码 line is a caption, or asks to scan or follow — not a sentence a
    # story says of one: "个人收款二维码不得用于经营", "切勿扫描陌生人发来的二维码".)
    r"APP\s*下载(?![量次数排榜])|^\W*二维码\W*$"
    r"|(?:微信|公众|官方|客户端|APP|小程序|微博|订阅|服务|视频|抖音|读者|投稿|下载|网|报|社|号)"
    r"[^，,。\s]{0,4}二维码"
    r"|(?:扫描?|长按|识别)(?:下方|上方|下面|上面|图中|文末|左侧|右侧|下图|上图|图片)的?二维码"
    r"|长按识别|二维码(?:关注|下载|加入|添加|进群|订阅)|扫码(?:关注|下载|加入|添加|进群|订阅)"
    # (A footer's line: no sentence of news about the 举报中心 or its numbers.)
    r"|^[^，,。！？!?]{0,24}(?:举报中心|不良信息举报|举报(?:电话|邮箱))[^，,。！？!?]{0,40}$"
    r"|阅读原文|scroll to continue|all rights reserved",
    re.IGNORECASE,
)
# A page's tag line: two tags or more after the label (not a section's
# heading, 关键词：新质生产力, of a year's review).
_TAG_LINE: Final = re.compile(
    r"^\W*(?:标签|关键[词字]|tags?)\s*[:：]\s*[^\s,，、;；|]+(?:[\s,，、;；|]+[^\s,，、;；|]+)+$",
    re.IGNORECASE,
)
_HEADINGS: Final = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# ... and whole blocks that are a button's label.
_BOILERPLATE_WHOLE: Final = re.compile(
    # (Each label atomic: a line of many "评论 " that fails at its end took
    # time doubling with each, every way of splitting its spaces tried.)
    r"^(?>[【\[]?(?:举报|纠错|打印|收藏|分享|点赞|关闭|转发|在看|返回顶部|返回首页|阅读原文"
    r"|查看(?:网友|全部)?评论|发表评论|我要评论|\d+\s*条评论|评论\s*\(?\d*\)?)[】\]]?\s*)+$"
)
_QR_CODE: Final = re.compile(r"二维码|扫一扫|扫码|QR code", re.IGNORECASE)
_BOILERPLATE_MAX_CHARS: Final = 300
_SHORT_BLOCK_CHARS: Final = 60
_BLOCKS: Final = (
    "p",
    "div",
    "section",
    "blockquote",
    "li",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "figcaption",
)
# Blocks holding these are judged by their parts, not as a whole.
_INNER_BLOCKS: Final = (
    "./descendant::*[self::p or self::div or self::section or self::li or self::table]"
)
_KEEP_ATTRS: Final = {
    "a": ("href", "title"),
    "img": ("src", "alt", "title", "width", "height"),
    # Players: the sanitizer keeps those it allows (hosts, http(s) sources).
    "iframe": ("src", "width", "height", "allowfullscreen"),
    "video": ("src", "poster", "controls", "width", "height"),
    "audio": ("src", "controls"),
    "source": ("src", "type"),
    "td": ("colspan", "rowspan"),
    "th": ("colspan", "rowspan", "scope"),
    "ol": ("start",),
    "code": ("class",),
    "pre": ("class",),
}
# An image's size in CSS pixels, kept aside from readability (see _prepare).
_SIZES: Final = {"width": "data-feedmill-width", "height": "data-feedmill-height"}
_ASIDE: Final = frozenset(_SIZES.values())
_HAS_CONTENT: Final = ("img", "table", "pre", "video", "audio", "source", "iframe", "hr")
_TABLE_PARTS: Final = ("thead", "tbody", "tfoot", "tr", "td", "th", "caption", "col", "colgroup")


# readability's time grows with the square of a page's elements (link
# density is measured for every candidate): 5 s at 18,000 elements of a
# page made of links, 32 s at 37,000.  Article pages have a few thousand.
MAX_ELEMENTS = 20_000
# … and with the cube of its <div>s' depth (readability turns misused ones
# into paragraphs, level by level): 1 s at 500 levels, 6 s at 1,000, 45 s at
# 2,000 — a page of 22 KB.  Article pages are a few dozen deep, a CMS's page
# of a <div> left open on every line some hundreds.  (Other elements cost
# little: an unclosed <b> on every line, 1,000 deep, 0.4 s.)
MAX_DEPTH = 1000


# A page not asked for: its host's Retry-After holds it (PageSlots).
WAITING: Final = "not asked for"
_TRANSIENT = re.compile(
    rf"^(?:timed out|cannot connect|{CONNECTION_LOST}|bad HTTP response|{WAITING}"
    r"|HTTP (?:408|425|429|5\d\d)\b)"
)


def is_transient(error: str) -> bool:
    """A failure the next attempt may not meet: a timeout, a refused or broken
    connection, "slow down" or a server error (not a 404, a block or a PDF)."""
    return bool(_TRANSIENT.match(error))


class PageTooLarge(ValueError):
    """A page with more elements than an article page has (MAX_ELEMENTS), or
    its <div>s nested deeper (MAX_DEPTH)."""


def not_articles(parsed: ParsedFeed, entries: Sequence[Entry], location: str) -> set[str]:
    """Links of a document that lead to no one item's article: the site's own
    address, a front page, and a page that several items link to (a live-news
    list, a column's index), which would give each of them the same text."""
    keys: dict[str, set[str]] = {}
    for entry in entries:
        if entry.link:
            keys.setdefault(page_key(entry.link), set()).add(entry.key)
    shared = {
        link for link, found in keys.items() if len(found) > 1 or not urls.names_a_story(link)
    }
    if parsed.link:
        shared.add(page_key(urljoin(location, parsed.link.strip())))
    return shared


# The file of a front page, as a redirect of a removed article names it.
_FRONT_PAGE_FILE = re.compile(r"/(?:index|default|home|main)(?:\.[a-z]{2,6})?/?", re.IGNORECASE)


# What a site's redirect of a removed article says in the query of its
# front page (?from=article_removed, ?utm_source=…) — where a CMS names the
# article it serves there (?p=123, ?route=news/article&slug=…) another name.
# (Not ?redirect=/a/7, a login page's: where the reader goes next.)
_NO_PAGE_OF_ITS_OWN: Final = frozenset(
    {"from", "src", "source", "ref", "referer", "referrer", "spm", "reason", "error", "err",
     "msg", "message", "status", "tip", "notice", "removed", "deleted", "lang", "locale"}
)  # fmt: skip
_SAME_SITE: Final = re.compile(r"^(?:www|m|wap|mobile)\.")


def _front_page(parts: SplitResult, link: str) -> bool:
    """Whether a page a link was redirected to is the site's front page:
    ``/index.html``, or ``/`` or it with a query that names no article
    (``/?from=article_removed``) on the link's own site (``www.`` or not), where the link
    named a page of its own."""
    front = parts.path in ("", "/") or _FRONT_PAGE_FILE.fullmatch(parts.path) is not None
    if not front or not parts.query:
        return front
    own = urls.split(link)
    names = {name.lower() for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return (
        own is not None
        and _SAME_SITE.sub("", own.hostname or "") == _SAME_SITE.sub("", parts.hostname or "")
        and own.path.strip("/") != ""
        and _FRONT_PAGE_FILE.fullmatch(own.path) is None
        and bool(names)
        and all(name in _NO_PAGE_OF_ITS_OWN or name.startswith("utm_") for name in names)
    )


def led_elsewhere(pages: Sequence[tuple[str, str | None]], not_here: Set[str]) -> dict[str, str]:
    """Article pages whose link was redirected to no article of its own
    (link → why), from ``(link, final URL)`` pairs: to the site's front page
    (what many sites answer for an article they removed), to a page
    ``not_here`` names (`not_articles`: the feed's own address), or to a page
    another item's link was redirected to as well — each would take that
    page's text for its own, the front page's headlines posted as the
    article, and dedupe hold one story back as a copy of another."""
    moved = [
        (link, final, page_key(final))
        for link, final in pages
        if final and page_key(final) != page_key(link)
    ]
    landings = Counter(key for _, _, key in moved)
    out: dict[str, str] = {}
    for link, final, key in moved:
        parts = urls.split(key)
        if (
            key in not_here
            or not urls.names_a_story(key)
            or (parts is not None and _front_page(parts, link))
        ):
            out[link] = f"the link led to the site's front page ({urls.shown(final)})"
        elif landings[key] > 1:
            out[link] = f"the link led to a page other items' links led to ({urls.shown(final)})"
    return out


def page_key(link: str) -> str:
    """The page a link fetches: ``live.html#1`` and ``live.html#2`` are one,
    as are ``https://E.example`` and ``https://e.example/``."""
    page = urls.identity(urldefrag(link).url)
    parts = urls.split(page)
    return parts._replace(path="/").geturl() if parts and parts.netloc and not parts.path else page


# Why a page gave no article (`NoArticle`): few, so that `status` counts the
# pages of each (a site's teasers, a paywall's pages).
NO_TEXT: Final = "no article text found on the page"
EMPTY_PAGE: Final = "a page without any text"
ERROR_PAGE: Final = "an error page, by its title"
GATED_PAGE: Final = "a login, paywall or bot-check page"


class NoArticle(ValueError):
    """A page without an article (its reason: one of the constants above)."""


def extract_article(html: str, url: str) -> str | None:
    """The main content of an article page as HTML, or ``None`` (see
    :func:`read_article`, which says why)."""
    try:
        return read_article(html, url)
    except NoArticle:
        return None


def read_article(html: str, url: str, headline: str = "") -> str:
    """The main content of an article page as HTML, else NoArticle.

    Kept: paragraphs, headings, lists, tables, images (lazy-loaded ones too,
    with absolute ``src``), links (absolute ``href``), ``pre``/``code``.
    Dropped: navigation, comments, related links, share bars, editor,
    copyright and disclaimer lines, attributes other than those that carry
    content.  NoArticle when nothing convincing is found: under
    :data:`MIN_TEXT_CHARS` characters of text (`NO_TEXT`), or under
    :data:`GATED_MAX_CHARS` on a page that looks like an error page
    (`ERROR_PAGE`) or a login, paywall or bot check (`GATED_PAGE`).
    ``url`` is the page's URL after redirects (see :attr:`Article.final_url`):
    relative links resolve against it.  ``headline``: the item's title — a
    page titled with it is its article whatever the title says (a story
    headlined "某公司致歉：涉事文章已删除" is no error page).

    The result is tidy, not safe: sanitize it like any feed HTML.
    """
    doc = _prepare(html, url)
    if doc is None:  # (nothing lxml reads as a page: blank, a comment, an XML declaration)
        raise NoArticle(EMPTY_PAGE)
    elements, depth = _size_and_depth(doc)
    if elements > MAX_ELEMENTS:
        raise PageTooLarge(f"page too large to extract ({elements} elements)")
    if depth > MAX_DEPTH:
        raise PageTooLarge(f"page too deep to extract ({depth} levels of <div>)")
    words = _visible_text(doc)
    gated = _gate(doc, words, headline)
    if not words.strip():  # (one its script would fill; a bot check's, by its title)
        raise NoArticle(gated or EMPTY_PAGE)
    # Readability works on a copy: it only drops hidden elements from ``doc``,
    # as it did before computing the XPaths it marks its result with.
    article = _finish(_readability(doc, url), url, doc, headline)
    if article is None:
        raise NoArticle(gated or NO_TEXT)
    if gated:
        extracted = lxml.html.fromstring(article, parser=html_parser())
        if text_chars(extracted) < GATED_MAX_CHARS or (gated == GATED_PAGE and _walled(extracted)):
            raise NoArticle(gated)
    return article


def _size_and_depth(doc: HtmlElement) -> tuple[int, int]:
    """How many elements ``doc`` has, and how deep its <div>s nest."""
    size = depth = deepest = 0
    for event, element in lxml.etree.iterwalk(doc, events=("start", "end")):
        if event == "start":
            size += 1
        if element.tag == "div":
            depth += 1 if event == "start" else -1
            deepest = max(deepest, depth)
    return size, deepest


def _readability(doc: HtmlElement, url: str) -> str | None:
    import readability.readability as engine  # slow to import: only when needed

    # readability keeps the players of YouTube and Vimeo only (is_video_url,
    # called by name inside Document.sanitize): for this call, every http(s)
    # player passes, and the sanitizer keeps those of the site's allowed hosts.
    with _ENGINE_LOCK:  # pages are extracted on threads: one swap at a time
        own = engine.is_video_url
        engine.is_video_url = _any_player
        try:
            summary: str = _engine()(doc, url=url, xpath=True).summary(html_partial=True)
        except Exception:  # heuristics on hostile input: no article, whatever went wrong
            return None
        finally:
            engine.is_video_url = own
    return summary


# (readability is pure Python: threads holding the GIL would not run it faster.)
_ENGINE_LOCK = threading.Lock()


def _any_player(url: str) -> bool:
    return urls.scheme(url) in ("http", "https")


@functools.cache
def _engine() -> type[Any]:
    """readability's Document, keeping small data tables (a two-row quote
    table has too little text for it), unless their class reads as clutter."""
    import readability.readability as engine

    class Document(engine.Document):  # type: ignore[misc]
        def get_preserved_elements(self, node: HtmlElement) -> dict[HtmlElement, bool]:
            kept: dict[HtmlElement, bool] = super().get_preserved_elements(node)
            kept.update(
                (table, True)
                for table in node.iter("table")
                if _data_table(table) and self.class_weight(table) >= 0
            )
            return kept

    return Document


def _data_table(table: HtmlElement) -> bool:
    """A table of figures, not a page laid out with one: rows of short cells,
    nothing nested, few links."""
    if table.find(".//table") is not None or table.find(".//form") is not None:
        return False
    rows = table.findall(".//tr")
    text = _WS.sub("", table.text_content())
    if len(rows) < 2 or not text or len(text) > 60 * len(rows):
        return False
    linked = sum(len(_WS.sub("", a.text_content())) for a in table.iter("a"))
    return linked * 2 < len(text)


def _prepare(html: str, url: str) -> HtmlElement | None:
    """Parse the page and undo what its scripts would do in a browser."""
    html = xml_compatible(_CONTROL_CHARS.sub("", _XML_DECLARATION.sub("", html, count=1)))
    if not html.strip():
        return None
    html = bounded_attributes(html)  # (a page's element of 100,000 attributes: 18 s)
    try:
        # (Past depth 256, where libxml2 stops reading by default: a CMS's
        # unclosed <b> on every line cut the article short.)
        doc = lxml.html.document_fromstring(html, parser=html_parser())
    except (lxml.etree.ParserError, ValueError):
        return None
    if not isinstance(doc, HtmlElement):
        return None
    for img in _elements(doc.iter("img")):
        real = real_source(img)  # as feed HTML's lazy pictures (readability drops <noscript>)
        if real is not None:
            img.set("src", real)
        if _no_address(img.get("src")):
            # (Made absolute, "", "#", a stand-in's data: URI or javascript:
            # were the page's own URL: a picture of the page, and the cover.)
            del img.attrib["src"]
        # readability strips width, height and style, by which the head
        # image skips pixels and icons: pixels go, sizes are kept aside.
        if is_tracking_pixel(img.attrib):
            _drop(img)
            continue
        for name, size in zip(_SIZES, image_size(img.attrib), strict=True):
            if size is not None:
                img.set(_SIZES[name], str(size))
    _unhide_body(doc)
    show_lazy_players(doc)  # (as in feed HTML: _tidy keeps no data-src)
    # An advertisement inside the article's block: its text stayed in the
    # post and its banner became the post's picture.
    for el in _elements(doc.xpath("//body//*[@class or @id]")):
        if el.tag not in ("article", "main") and _is_ad(el):
            _drop(el)

    # A picture alone in a bare block (stcn's <div class="detail-img">,
    # Toutiao's <div class="pgc-img"> beside an empty caption, a wrapper's
    # wrapper) is a short block to readability, dropped: as a paragraph it
    # stays — the outermost such block, what it holds besides unwrapped.
    def picture_alone(block: HtmlElement) -> bool:
        return (
            block.tag in ("div", "section")
            and len(block.xpath(".//img")) == 1
            and not block.xpath(".//table")
            and not block.text_content().strip()
        )

    for block in _elements(doc.xpath("//*[self::div or self::section][.//img]")):
        parent = block.getparent()
        if picture_alone(block) and not (isinstance(parent, HtmlElement) and picture_alone(parent)):
            block.tag = "p"
            for inner in _elements(block.xpath(".//p | .//div | .//section")):
                inner.drop_tag()  # (an empty caption, a wrapper: no block in a paragraph)
    # Editors (WeChat's above all) wrap every paragraph and heading in a bare
    # <section> for styling; readability judges each such section on its own
    # and drops the short ones — headings, images.  Sections that say what
    # they are (class, id) stay: a "comments" class is a signal — but not in
    # a WeChat article's body, nor an editor's own (135editor's "_135editor").
    editors = "//section[not(@class) and not(@id)] | //*[@id='js_content']//section"
    editors += " | //section[contains(@class, '135editor') or contains(@class, '96editor')]"
    for section in _elements(doc.xpath(editors)):
        section.drop_tag()
    for link in _elements(doc.iter("a")):
        if _no_address(link.get("href")) and not (
            link.get("href") or ""
        ).strip().lower().startswith("mailto:"):
            del link.attrib["href"]  # (the page's own URL, made absolute: the words stay)
    if url:
        # The first <base> with an address, as a browser reads it (lxml takes
        # the last, and raised on one that is no address: "http://[x/").
        base, read = url, False
        for element in list(doc.iter("base")):
            href = (element.get("href") or "").strip()
            if href and not read:
                read = True
                with contextlib.suppress(ValueError):
                    base = urljoin(url, href)
            element.drop_tree()
        for video in _elements(doc.iter("video")):
            poster = (video.get("poster") or "").strip()
            if poster:  # (lxml leaves it: the sanitizer read it against the item's link)
                try:
                    video.set("poster", urljoin(base, poster))
                except ValueError:  # ("http://[x": no address a browser reads)
                    del video.attrib["poster"]
        doc.make_links_absolute(base, resolve_base_href=False, handle_failures="discard")
    return doc


_SCHEME: Final = re.compile(r"^\s*([a-z][a-z0-9+.-]*):", re.IGNORECASE)


def _no_address(value: str | None) -> bool:
    """Whether an ``href`` or ``src`` (present) is no address to go to: empty,
    a fragment, a scheme other than http(s) (javascript:, data:) — which
    `make_links_absolute` would make the page's own URL."""
    if value is None:
        return False
    value = value.strip()
    scheme = _SCHEME.match(value)
    return (
        not value
        or value.startswith("#")
        or (scheme is not None and scheme[1].lower() not in ("http", "https"))
    )


# Class and id words of advertisements: whole words, or what an "ad-" name
# begins with (sina's "sinaads" and "adv-box" too).
_AD_WORDS: Final = frozenset(
    {"ad", "ads", "adv", "advert", "adverts", "advertisement", "adsbygoogle", "sponsor",
     "sponsored", "sinaads", "google-ad", "banner-ad", "td-a-rec"}  # (tagDiv's themes')
)  # fmt: skip
_AD_PREFIXES: Final = ("ad-", "ad_", "ads-", "ads_", "adv-", "adv_", "advert")


def _is_ad(el: HtmlElement) -> bool:
    words = f"{el.get('class') or ''} {el.get('id') or ''}".lower().split()
    return any(word in _AD_WORDS or word.startswith(_AD_PREFIXES) for word in words)


def _unhide_body(doc: HtmlElement) -> None:
    """WeChat (and others) hide the article until a script shows it."""
    body = doc.find("body")
    if isinstance(body, HtmlElement):
        show_hidden_article(body)


def _visible_text(doc: HtmlElement) -> str:
    """The text of the page's body, not its scripts' or styles'."""
    texts = doc.xpath("//body//text()[not(ancestor::script or ancestor::style)]")
    return " ".join(str(t) for t in texts) if isinstance(texts, list) else ""


def _gate(doc: HtmlElement, words: str, headline: str = "") -> str | None:
    """What the page looks like if it may stand in an article's place: an
    error page by its title (`ERROR_PAGE`) — not one titled with the item's
    ``headline`` —, a login, paywall or bot check by its title, its
    ``words`` (`_visible_text`) or a password field on a page of little
    text (`GATED_PAGE`)."""
    titles = [el.text_content().strip() for el in _elements(doc.iter("title", "h1"))]
    if any(_CHECK_TITLE.search(title) for title in titles):
        return GATED_PAGE
    own = _bare(headline)
    if len(own) < _HEADLINE_MIN_CHARS:
        own = ""  # ("出错了" as an item's title says nothing of its page)
    if any(_ERROR_TITLE.search(title) and not (own and own in _bare(title)) for title in titles):
        return ERROR_PAGE
    if _LOGIN_OR_PAYWALL.search(words):
        return GATED_PAGE
    password = "//input[translate(@type, 'PASSWORD', 'password') = 'password']"
    if _elements(doc.xpath(password)) and len(_WS.sub("", words)) < _LOGIN_PAGE_MAX_CHARS:
        return GATED_PAGE
    return None


_HEADLINE_MIN_CHARS: Final = 6
_NOT_A_WORD: Final = re.compile(r"[\W_]+")


def _bare(title: str) -> str:
    """A title's words, run together and case-folded: "某公司致歉：涉事文章已删除"
    in "某公司致歉:涉事文章已删除_新浪财经"."""
    return _NOT_A_WORD.sub("", title).casefold()


def _finish(
    summary: str | None, url: str, original: HtmlElement | None = None, headline: str = ""
) -> str | None:
    """Clean the engine's HTML: boilerplate blocks, attributes, empty
    elements, the page's headline (the item's ``headline``) above it;
    ``None`` if too little text is left."""
    if not summary or not summary.strip():
        return None
    try:
        root = lxml.html.fromstring(summary, parser=html_parser())
    except (lxml.etree.ParserError, ValueError):
        return None
    if not isinstance(root, HtmlElement):
        return None
    if original is not None:
        _add_lead_figure(root, original)
    if url:
        root.make_links_absolute(url, handle_failures="discard")
    for el in _elements(root.iter(*_BLOCKS)):
        if el is root or el.getparent() is None or not _is_boilerplate(el):
            continue
        before = el.getprevious()
        if (
            _QR_CODE.search(el.text_content())
            and isinstance(before, HtmlElement)
            and text_chars(before) == 0
            and (before.tag == "img" or before.find(".//img") is not None)
        ):
            before.drop_tree()  # the QR code the line asks to scan
        _keep_credited_media(el)
        el.drop_tree()
    for node in list(root.iter(lxml.etree.Comment, lxml.etree.ProcessingInstruction)):
        _drop(node)
    for link in _elements(root.iter("a")):
        if _BACK_TO_SITE.fullmatch(link.text_content().strip()):
            _drop(link)  # (Sohu's "返回搜狐，查看更多", in the last paragraph of every article)
    _drop_headline(root, headline)
    for el in _elements(root.iter()):
        _tidy(el)
    for el in _elements(root.iter("span", "font")):
        el.drop_tag()  # styling only, and their attributes are gone
    for el in reversed(_elements(root.iter())):
        if el is not root and el.getparent() is not None and _is_empty(el):
            el.drop_tree()
    if text_chars(root) < MIN_TEXT_CHARS:
        return None
    result = lxml.html.tostring(root, encoding="unicode", method="html")
    return str(result).strip()


# A picture's credit: "来源：国家统计局", "© Reuters", "Copyright 2024 Getty Images".
_CREDIT: Final = re.compile(r"^\W*(?:(?:图片|图|照片)?来源\s*[:：]|©|copyright\b)", re.IGNORECASE)
_MEDIA: Final = ("img", "picture", "video", "audio", "iframe")


def _keep_credited_media(block: HtmlElement) -> None:
    """Before ``block`` (a credit line, to be dropped): the pictures and
    players in it, which its credit names — a chart with "来源：国家统计局"
    under it in one paragraph went with the line."""
    text = block.text_content()
    if not _CREDIT.match(text) or _QR_CODE.search(text):
        return
    media = [
        el
        for el in _elements(block.iter(*_MEDIA))
        # (Not a picture's <img> or a player's fallback: moved with it.)
        if next(el.iterancestors(*_MEDIA), None) is None
    ]
    if not media:
        return
    kept = lxml.html.Element("p")
    for el in media:
        el.tail = None
        kept.append(el)
    block.addprevious(kept)


def _walled(extract: Any) -> bool:
    """Whether an extract is a teaser before a wall: the wall's words
    (订阅后阅读全文) end it, or stand as a line of their own (the site's
    pitch after them) — not in an article's sentence that tells of a wall."""
    text = str(extract.xpath("string()")).strip()
    if _LOGIN_OR_PAYWALL.search(text[-_WALL_WORDS:]):
        return True
    lines = extract.xpath("//p | //li | //div[not(.//p or .//div)]")
    return any(
        len(own) <= _WALL_LINE and _LOGIN_OR_PAYWALL.search(own)
        for own in (str(line.xpath("string()")).strip() for line in lines)
    )


# A site's link back to itself, inside the article's last paragraph.
_BACK_TO_SITE: Final = re.compile(r"返回\S{1,8}?[，,]?\s*(?:查看|阅读|浏览)更多(?:内容|资讯|精彩)?")


def _drop_headline(root: HtmlElement, headline: str) -> None:
    """Drop the heading that opens the article when it is the item's title:
    the post's title says it, and a theme showed it twice."""
    own = _bare(headline)
    heading = next(root.iter("h1", "h2", "h3"), None)
    if len(own) < _HEADLINE_MIN_CHARS or heading is None or _bare(heading.text_content()) != own:
        return
    if any(str(text).strip() for text in heading.xpath("preceding::text()")):
        return  # (not the article's top: words before it)
    if heading.xpath("preceding::img") or heading.find(".//img") is not None:
        return  # (nor a picture: above it, or in it, where it would go too)
    _drop(heading)


def _elements(nodes: object) -> list[HtmlElement]:
    """The elements among what ``iter()`` or ``xpath()`` gave, in a list, so
    that the tree can change while we walk it."""
    if not isinstance(nodes, Iterable):
        return []
    return [node for node in nodes if isinstance(node, HtmlElement)]


def _drop(node: lxml.etree._Element) -> None:
    """Remove any node (comments too), keeping the text that follows it."""
    parent = node.getparent()
    if parent is None:
        return
    if node.tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)


def _is_boilerplate(el: HtmlElement) -> bool:
    if el.xpath(_INNER_BLOCKS):
        return False
    text = _WS.sub(" ", el.text_content()).strip()
    if not text or len(text) > _BOILERPLATE_MAX_CHARS:
        return False
    if _is_menu(el, text):
        return True
    if _BOILERPLATE_START.search(text) or _BOILERPLATE_PHRASE.search(text):
        return True
    if _REPORT_LINE.search(text) and not _SENTENCE_INSIDE.search(text):
        return True
    if el.tag not in _HEADINGS and len(text) <= _SHORT_BLOCK_CHARS and _TAG_LINE.match(text):
        return True
    if _BOILERPLATE_WHOLE.match(text):
        return True
    if len(text) <= _SHORT_BLOCK_CHARS and _DOWNLOAD_CALL.match(text):
        return True
    return len(text) <= _SHORT_BLOCK_CHARS and _BOILERPLATE_ANYWHERE.search(text) is not None


_MENU_LINKS = 4  # a menu's links at least …
_MENU_WORD_CHARS = 10  # … each a word or two
_SENTENCE_MARK = re.compile(r"[。！？；，!?;]")


def _is_menu(el: HtmlElement, text: str) -> bool:
    """Whether a block is a site's menu: links of a word or two and nothing
    else (a `<div class="nav">` readability turned into the article's first
    paragraph) — not a sentence with links in it, nor a list of articles."""
    if el.find(".//img") is not None:
        return False
    links = [
        _WS.sub("", a.text_content())
        for a in el.iter("a")
        if (a.get("href") or "").startswith(("http://", "https://"))  # (made absolute)
    ]
    if len(links) < _MENU_LINKS or any(len(link) > _MENU_WORD_CHARS for link in links):
        return False
    linked = sum(len(link) for link in links)
    return not _SENTENCE_MARK.search(text) and linked * 10 >= 9 * len(_WS.sub("", text))


def _tidy(el: HtmlElement) -> None:
    tag = str(el.tag)
    keep = _KEEP_ATTRS.get(tag, ())
    for name in list(el.attrib):
        if name not in keep and name not in _ASIDE:
            del el.attrib[name]
    if tag in ("code", "pre"):
        classes = [c for c in (el.get("class") or "").split() if c.startswith("language-")]
        if classes:
            el.set("class", " ".join(classes))
        else:
            el.attrib.pop("class", None)
    elif tag == "a":
        href = (el.get("href") or "").strip().lower()
        if not href.startswith(("http://", "https://", "mailto:")):
            el.drop_tag()  # javascript:, fragments, nothing: keep the words only
    elif tag == "img":
        for name, aside in _SIZES.items():
            if aside in el.attrib:
                el.set(name, el.attrib.pop(aside))
        src = (el.get("src") or "").strip().lower()
        if not src.startswith(("http://", "https://")):
            el.drop_tree()


def _is_empty(el: HtmlElement) -> bool:
    if el.tag in _HAS_CONTENT or el.tag in _TABLE_PARTS or el.tag == "br":
        return False
    return text_chars(el) == 0 and not _elements(el.iter(*_HAS_CONTENT))


def _add_lead_figure(root: HtmlElement, original: HtmlElement) -> None:
    """Put back a lead ``<figure>`` that the page keeps beside the article
    body (Reuters and many English sites): readability scores text, so it
    takes the body and leaves the figure.  With ``xpath=True`` it marks each
    element it returns with its XPath in the page (attribute ``x``)."""
    if root.find(".//img") is not None:
        return
    marked = next((el for el in _elements(root.iter()) if el.get("x")), None)
    if marked is None:
        return
    try:
        found = _elements(original.xpath(marked.get("x") or ""))
    except lxml.etree.XPathError:  # a path through oddly named (XML, namespaced) tags
        return
    if not found or (found[0].tag != marked.tag and marked.tag != "p"):  # divs come back as p
        return
    node: HtmlElement | None = found[0]
    for _ in range(2):  # the body's siblings, then its parent's
        if node is None or node.tag in ("body", "html"):
            return
        for sibling in _elements(node.itersiblings(preceding=True))[:3]:
            figure = sibling if sibling.tag == "figure" else sibling.find(".//figure")
            if isinstance(figure, HtmlElement) and figure.find(".//img") is not None:
                marked.addprevious(copy.deepcopy(figure))
                return
        parent = node.getparent()
        node = parent if isinstance(parent, HtmlElement) else None


# -- addresses: the SSRF guard (fetch.fence) ------------------------------------------------


def _base_resolver() -> AbstractResolver:
    """aiohttp's own resolver (getaddrinfo in a thread, or aiodns if installed)."""
    load_aiohttp()
    import aiohttp

    return aiohttp.DefaultResolver()


def _target(url: str, allow_private: bool) -> URL:
    """``url`` as aiohttp will request it, or a :class:`_Failure` if it may not be.

    aiohttp does not resolve what looks like an address (a host with a colon,
    or of digits and dots only): it connects to it as written, past the
    resolver, so such hosts are checked here — and must be canonical, since
    getaddrinfo turns ``127.1`` or ``2130706433`` into 127.0.0.1.  Names are
    the resolver's to check.
    """
    from yarl import URL

    try:
        target = URL(url.strip())
        host = target.raw_host
        target.port  # noqa: B018 - a bad port raises only when read
    except (ValueError, TypeError) as exc:
        raise _Failure(f"invalid URL: {exc}") from None
    scheme = target.scheme.lower()
    if scheme not in ("http", "https"):
        raise _Failure(f"blocked: not an http or https URL ({scheme or 'no scheme'})")
    if not host:
        raise _Failure("invalid URL: no host")
    if not (":" in host or host.replace(".", "").isdigit()):  # a name (addresses: below)
        why = urls.unreachable(str(target))
        if why is not None:  # ("a..b.com": the request failed "UnicodeError: … label empty")
            raise _Failure(f"invalid URL: {host!r} {why}")
        return target
    if allow_private:
        return target
    ip = parse_ip(host)
    if ip is None:
        raise _Failure(f"blocked: {host} is not a canonical IP address")
    kind = address_kind(ip)
    if kind is not None:
        raise _Failure(f"blocked: {ip} is {a_kind(kind)} address")
    return target


# -- fetching ---------------------------------------------------------------------------------

_ACCEPT: Final = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
_HTML_TYPES: Final = frozenset({"text/html", "application/xhtml+xml"})
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class ArticleOptions:
    """How article pages are fetched.  The sites are news sites, not our
    RSSHub: few pages at a time, two per host, as a reader's browser would."""

    timeout: float = 20.0  # seconds a page may take: every hop and the whole body
    connect_timeout: float = 10.0
    max_body: int = 5 * MiB  # after decompression
    max_redirects: int = 5
    concurrency: int = 8  # pages in flight
    per_host: int = 2  # pages in flight per host and port
    user_agent: str = DEFAULT_USER_AGENT
    # Let links reach loopback, private and other non-public addresses: for an
    # intranet, and for tests.  Off, a link in a feed cannot reach them.
    allow_private: bool = False
    extract: bool = True  # also extract each article (Article.content)


@dataclass(frozen=True, slots=True)
class Article:
    """What came of one link.  ``error`` is None exactly when it worked."""

    url: str  # the link as given
    final_url: str | None = None  # after redirects: the base of the page's links
    html: str | None = None  # the page, decoded
    content: str | None = None  # the article in it (extract_article), not sanitized
    error: str | None = None  # why not: short, for a log line or `feedmill status`

    @property
    def ok(self) -> bool:
        return self.error is None


class _Failure(Exception):
    """Ends one link, ``str(self)`` being its error."""


class _AskedToWait(_Failure):
    """A 429 or 503 with a Retry-After: the host's pages wait (`PageSlots.pause`)."""

    def __init__(self, said: str, wait: timedelta) -> None:
        super().__init__(said)
        self.wait = wait


async def fetch_articles(
    links: Sequence[str], options: ArticleOptions | None = None, slots: PageSlots | None = None
) -> dict[str, Article]:
    """Fetch the pages at ``links`` concurrently, and extract their articles.

    Never raises for a link: each comes back as an :class:`Article`, whose
    ``error`` says what went wrong ("blocked: 10.0.0.5 is a private address",
    "HTTP 404 Not Found", "timed out after 20 s", "body larger than 5 MiB …",
    "not an HTML page (application/pdf)", "no article text found on the
    page" …).  Duplicate links are fetched once: one entry per distinct link.
    """
    options = options or ArticleOptions()
    unique = list(dict.fromkeys(links))
    if not unique:
        return {}
    slots = slots or PageSlots(options)
    async with _session(options) as session:
        articles = await asyncio.gather(
            *(_article(session, link, options, slots) for link in unique)
        )
    return {article.url: article for article in articles}


# The longest wait a site's Retry-After holds its article pages to (a feed's
# is its backoff cap): a day, as a failing feed's default cap.
LONGEST_PAGE_WAIT = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Pause:
    """A host's wait: asked for at ``made``, until ``until``."""

    made: datetime
    until: datetime

    def holds(self, now: datetime) -> bool:
        """Whether it holds at ``now`` — not where it was made after ``now``: a
        clock that ran ahead when the site asked (one kept in Beijing time,
        read as UTC), set right since, held its pages off as long as it had
        been ahead."""
        return self.made <= now < self.until <= now + LONGEST_PAGE_WAIT


class PageSlots:
    """The limits on pages in flight: in all, and per host and port; and the
    hosts that asked to be left alone until a time (a 429's or 503's
    Retry-After), which ``paused`` carries from one pass to the next."""

    def __init__(self, options: ArticleOptions, paused: Mapping[str, Pause] | None = None) -> None:
        self._all = asyncio.Semaphore(options.concurrency)
        self._per_host = options.per_host
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self.paused: dict[str, Pause] = dict(paused or {})

    @staticmethod
    def key(target: URL) -> str:
        return f"{target.raw_host}:{target.port}"

    def pause(self, target: URL, wait: timedelta) -> datetime:
        """Leave ``target``'s host alone for ``wait`` (at most a day); until when."""
        now = datetime.now(UTC)
        asked = Pause(now, now + min(wait, LONGEST_PAGE_WAIT))
        key = self.key(target)
        earlier = self.paused.get(key)
        if earlier is None or earlier.until < asked.until:
            self.paused[key] = asked
        return self.paused[key].until

    @asynccontextmanager
    async def hold(self, target: URL) -> AsyncIterator[None]:
        key = self.key(target)
        host = self._hosts.setdefault(key, asyncio.Semaphore(self._per_host))
        # The host's slot first: a link queued for a busy host holds no other.
        async with host, self._all:
            pause = self.paused.get(key)
            if pause is not None and pause.holds(datetime.now(UTC)):
                # (Said as the answer was: a transient failure, asked again later.)
                raise _Failure(
                    f"{WAITING}: {target.raw_host} asked to be left alone until"
                    f" {pause.until:%Y-%m-%d %H:%M} UTC (Retry-After)"
                )
            yield


@asynccontextmanager
async def _session(options: ArticleOptions) -> AsyncIterator[aiohttp.ClientSession]:
    load_aiohttp()
    import aiohttp

    inner = _base_resolver()
    resolver = inner if options.allow_private else public_only(inner)
    connector = aiohttp.TCPConnector(
        limit=options.concurrency,
        limit_per_host=options.per_host,
        ssl=_ssl_context(),
        resolver=resolver,
    )
    session = aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=options.connect_timeout),
        # Bodies are decoded by feedmill's bounded decoders (fetch/decompress.py).
        auto_decompress=False,
        # No proxy from the environment: a proxy resolves names where the
        # guard cannot see them.
        trust_env=False,
        # One site's cookies must not follow us to another.
        cookie_jar=aiohttp.DummyCookieJar(),
        headers={
            "User-Agent": options.user_agent,
            "Accept": _ACCEPT,
            "Accept-Encoding": "gzip, deflate, br",
            "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8",
        },
        max_line_size=HEADER_LINE_LIMIT,
        max_field_size=HEADER_LINE_LIMIT,
    )
    try:
        yield session
    finally:
        await session.close()
        await resolver.close()


async def _article(
    session: aiohttp.ClientSession, link: str, options: ArticleOptions, slots: PageSlots
) -> Article:
    try:
        final_url, html = await _follow(session, link, options, slots)
    except _Failure as failure:
        return Article(url=link, error=str(failure))
    except Exception as exc:  # unattended runs: one odd page must not end the batch
        return Article(url=link, error=f"unexpected error: {type(exc).__name__}: {exc}")
    if not options.extract:
        return Article(url=link, final_url=final_url, html=html)
    error: str | None = None
    content: str | None = None
    try:
        # Milliseconds of CPU a page: off the event loop, which has sockets to serve.
        content = await asyncio.to_thread(read_article, html, final_url)
    except (PageTooLarge, NoArticle) as exc:
        error = str(exc)
    except Exception as exc:
        error = f"extraction failed: {type(exc).__name__}: {exc}"
    return Article(url=link, final_url=final_url, html=html, content=content, error=error)


async def _follow(
    session: aiohttp.ClientSession, link: str, options: ArticleOptions, slots: PageSlots
) -> tuple[str, str]:
    """(final URL, page text).  Redirects are followed here, not by aiohttp,
    so that each hop is checked, counted and held to the page's deadline."""
    loop = asyncio.get_running_loop()
    budget = options.timeout  # spent while holding a slot, not while queued for one
    url = link
    seen = [link]
    while True:
        target = _target(url, options.allow_private)
        async with slots.hold(target):
            started = loop.time()
            deadline = asyncio.timeout(budget)
            try:
                async with deadline:
                    location, html = await _get(session, target, options)
            except _AskedToWait as asked:
                until = slots.pause(target, asked.wait)
                raise _Failure(
                    f"{asked}: its pages are left alone until {until:%Y-%m-%d %H:%M} UTC"
                    " (Retry-After)"
                ) from None
            except TimeoutError:
                if deadline.expired():
                    raise _Failure(f"timed out after {options.timeout:g} s") from None
                raise _Failure("cannot connect: connection timed out") from None
            finally:
                budget -= loop.time() - started
        if html is not None:
            location = _refreshed_to(html)
            if location is None:
                return url, html
        assert location is not None
        nxt = urls.join(url, location)
        if nxt is None:
            raise _Failure(f"redirect to an unusable URL: {location!r}")
        if nxt in seen:
            raise _Failure("redirect loop: " + " → ".join([*seen, nxt]))
        if len(seen) > options.max_redirects:
            raise _Failure(f"too many redirects (more than {options.max_redirects})")
        seen.append(nxt)
        url = nxt


_META_TAG: Final = re.compile(r"<meta\b[^<>]*>", re.IGNORECASE)
_REFRESH: Final = re.compile(r"""http-equiv\s*=\s*["']?\s*refresh\b""", re.IGNORECASE)
_REFRESH_TO: Final = re.compile(
    r"""\bcontent\s*=\s*(["'])\s*(\d+(?:\.\d*)?)\s*[;,]?\s*(?:url\s*=\s*)?(['"]?)([^"'<>]*)""",
    re.IGNORECASE,
)
_REFRESH_SCAN: Final = 64 * 1024  # (a stub's head, not a page's body)


def _comments_and(*names: str) -> re.Pattern[str]:
    """Comments (`<!-->` an empty one, as to a browser) and the elements
    ``names`` with what they hold (to the end, where one is left open)."""
    return re.compile(
        rf"<!--(?:-?>|.*?(?:-->|$))|<({'|'.join(names)})\b.*?(?:</\1\s*>|$)",
        re.IGNORECASE | re.DOTALL,
    )


# What no reader acts on; what runs for readers without scripts; what shows
# no reader text.
_NOT_ACTED_ON: Final = _comments_and("script", "template")
_NOSCRIPT: Final = _comments_and("noscript")
_NO_TEXT: Final = _comments_and("script", "style", "title", "noscript", "template", "svg")
_ANY_MARKUP: Final = re.compile(r"<[^<>]*>|\s+")


def _shows_text(html: str) -> bool:
    """Whether a page (all of it) shows some text besides its scripts, styles,
    title and <noscript>: an article's, not a link stub's."""
    return len(_ANY_MARKUP.sub("", _NO_TEXT.sub(" ", html))) >= MIN_TEXT_CHARS


_REFRESH_AT_ONCE: Final = 5  # seconds: a stub that sends its reader on, not a page's reload


def _refreshed_to(html: str) -> str | None:
    """Where a page's ``<meta http-equiv="refresh" content="0; url=…">`` sends
    its reader at once (a stub in a redirect's place; a page that reloads
    itself sends none), else None."""
    head = html[:_REFRESH_SCAN]
    if "refresh" not in head.lower():
        return None
    # (Not one in a comment or a script's text.  One in a <noscript> is for
    # readers without scripts, as feedmill is — where the page has nothing
    # else to read: a link stub's, whose script sends the others on; not an
    # article's "turn scripts on" page.)
    head = _NOT_ACTED_ON.sub(" ", head)
    if _shows_text(html):
        head = _NOSCRIPT.sub(" ", head)
    for tag in _META_TAG.finditer(head):
        if not _REFRESH.search(tag.group()):
            continue
        found = _REFRESH_TO.search(tag.group())
        if found is None or float(found.group(2)) > _REFRESH_AT_ONCE:
            return None
        target = htmllib.unescape(found.group(4)).strip()
        return target or None
    return None


async def _get(
    session: aiohttp.ClientSession, target: URL, options: ArticleOptions
) -> tuple[str | None, str | None]:
    """One request: ``(location, None)`` for a redirect, else ``(None, page)``."""
    import aiohttp

    try:
        async with session.get(target, allow_redirects=False) as resp:
            status = resp.status
            if status in _REDIRECTS:
                location = (_location(resp.headers.get("Location")) or "").strip()
                if not location:
                    raise _Failure(f"HTTP {status} without a Location header")
                return location, None
            if not 200 <= status < 300:
                said = f"HTTP {status} {_header_text(resp.reason) or ''}".rstrip()
                wait = (
                    retry_after(resp.headers.items(), datetime.now(UTC))
                    if status in (429, 503)
                    else None
                )
                if wait is not None and wait > timedelta(0):
                    raise _AskedToWait(said, wait)
                raise _Failure(said)
            content_type = _header_text(resp.headers.get("Content-Type"))
            mime = (content_type or "").split(";", 1)[0].strip().lower()
            if mime and mime not in _HTML_TYPES:
                raise _Failure(f"not an HTML page ({mime})")
            body = await _read_body(resp, options.max_body)
    except aiohttp.ClientConnectorError as exc:
        blocked = blocked_in(exc)
        if blocked is not None:
            raise _Failure(str(blocked)) from None
        raise _Failure(f"cannot connect: {_reason(exc)}") from None
    except aiohttp.ServerTimeoutError:  # only sock_connect is set
        raise _Failure("cannot connect: connection timed out") from None
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as exc:
        raise _Failure(f"bad HTTP response: {_reason(exc)}") from None
    except aiohttp.ClientResponseError as exc:  # a malformed status line or headers
        raise _Failure(f"bad HTTP response: {exc.message or exc}") from None
    except aiohttp.InvalidURL as exc:
        raise _Failure(f"invalid URL: {exc}") from None
    except aiohttp.ClientOSError as exc:  # (after ClientConnectorError, one of them)
        raise _Failure(f"{CONNECTION_LOST}: {_reason(exc)}") from None
    except aiohttp.ClientError as exc:
        raise _Failure(f"{type(exc).__name__}: {_reason(exc)}") from None
    if not mime and not body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise _Failure("not an HTML page (no Content-Type, and no markup)")
    binary = _binary(body, content_type)
    if binary:  # labelled HTML all the same: its bytes read as text were the post
        raise _Failure(f"not an HTML page ({mime or 'no Content-Type'}, but {binary})")
    return None, decode_html(body, http_charset(content_type))


# What a file that is no page begins with.
_FILE_STARTS = (
    (b"\x1f\x8b", "gzip-compressed with no Content-Encoding"),
    (b"%PDF-", "a PDF"),
    (b"PK\x03\x04", "a zip file"),
    (b"\x89PNG", "a PNG picture"),
    (b"\xff\xd8\xff", "a JPEG picture"),
    (b"GIF8", "a GIF picture"),
)


def _binary(body: bytes, content_type: str | None) -> str | None:
    """What ``body`` is, if it is no text: a known file's start, or control
    bytes a page has none of (a twentieth of its start: a stray NUL in a
    title is a page still) — unless it says it is UTF-16 or UTF-32, whose
    text is NULs for a half (by its BOM, its header, or its <meta>)."""
    for start, what in _FILE_STARTS:
        if body.startswith(start):
            return what
    head = body[:4096]
    controls = sum(head.count(bytes([byte])) for byte in _CONTROL_BYTES)
    if not head or controls * 20 < len(head):
        return None
    said = ((content_type or "").encode("latin-1", "replace") + head.replace(b"\x00", b"")).lower()
    if body.startswith(_WIDE_BOMS) or any(name in said for name in _WIDE_CHARSETS):
        return None
    return "binary data"


_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Labels of UTF-16 and UTF-32 (WHATWG's "unicode" and "ucs-2" among them).
_WIDE_CHARSETS = (b"utf-16", b"utf16", b"utf-32", b"utf32", b"unicode", b"ucs-2", b"ucs2")


# (Not tab, line feed, form feed, carriage return, nor ESC: ISO-2022 text.)
_CONTROL_BYTES = (*range(0, 9), 11, 14, *range(15, 27), *range(28, 32))


async def _read_body(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    try:
        return await read_capped(resp, limit, "fulltext.max_body")
    except BodyError as exc:
        raise _Failure(str(exc)) from None


# -- decoding ---------------------------------------------------------------------------------

_META_SCAN: Final = 512 * 1024
_META_CHARSET: Final = re.compile(
    rb"""<meta\s[^<>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)


def decode_html(body: bytes, charset: str | None = None) -> str:
    """The text of an HTML page; ``charset`` is the HTTP header's label.

    Read by the rules a feed is (:func:`feedmill.parse.encoding.decode`), with
    the page's ``<meta charset>`` (or ``http-equiv``) in the first 512 KiB as
    its own label: a byte-order mark; valid UTF-8; the labels, a CJK one first,
    a Latin-1 one overruled by CJK bytes; charset-normalizer's guess.
    """
    # Browsers switch to a <meta charset> wherever it stands in <head>:
    # pages with 60 KB of inline script before it are common.
    meta = _META_CHARSET.search(body[:_META_SCAN])
    label = meta.group(1).decode("ascii") if meta else None
    header = f"text/html; charset={charset}" if charset else None
    return decode(body, header, label).text
