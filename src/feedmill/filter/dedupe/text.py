"""What a story is made of, for comparing it with others: pure functions.

* **words** — the article's content words (title and visible text, outlet
  boilerplate removed), segmented by jieba's dictionary (rjieba, the Rust
  port: 25× faster than jieba here).  Words beat character n-grams for
  rewritten stories: on the evaluation set, a reworded version shares a
  median 40 % of its words with the original but 21 % of its character
  trigrams.
* **rare words** in both the title and the body: words outside the common
  vocabulary (jieba frequency < 100) — usually the names a story is about.
* **facts** — numbers with their units ("100亿元", "3.65%", "3117点"), and the
  ones in the title.

Two stories with different names or different headline numbers are
different news, however alike their wording (decide.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache

from feedmill.normalize.text import keyed_text, nfkc, visible_text
from feedmill.sanitize.prepass import lazy_source

# Outlet furniture that says nothing about the story.
_BOILERPLATE = re.compile(
    r"[（(]?\s*(?:文章)?来源[:：][^）)。\n]{0,40}[）)]?"
    r"|[（(]?\s*(?:责任编辑|编辑|作者|记者)[:：][^）)。\n]{0,20}[）)]?"
    # A reporter's or photographer's credit: "本报记者张晓燕报道", "（记者 王涵）",
    # "（中新社记者 张三 摄）", "新华社记者李明摄".
    r"|(?:本报|本刊|本台|本网|新华社|中新社|人民日报社|经济日报社|光明日报社|中国日报社)"
    r"记者\s*[\u4e00-\u9fff·]{2,4}?\s*(?:报道|采写|摄)"
    r"|[（(][^（）()。\n]{0,10}记者[^（）()。\n]{1,20}[）)]"
    # A portal's quote links after a stock's name: sina's "（行情600519，诊股）",
    # eastmoney's "[股吧][资金流]".
    r"|[（(]\s*行情\w{1,10}[，,]\s*诊股\s*[）)]|[\[［](?:股吧|资金流|行情|诊股)[\]］]"
    r"|原标题[:：][^。\n]{0,80}"
    # A declaration runs to the end: 【特别声明】, 免责声明：, 【风险提示】….  (Not
    # 特别提示 or 温馨提示: an exchange notice's facts follow 特别提示：, and a
    # weather warning is often one 温馨提示.)
    r"|(?:[【\[]\s*(?:(?:特别|郑重|免责|版权)声明|风险提示)\s*[】\]]"
    r"|(?:(?:特别|郑重|免责|版权)声明|风险提示)[:：]).{0,300}"
    r"|本文(?:来自|来源|转载)[^，。\n]{0,40}[，。]?"
    r"|(?:扫码|扫描二维码|长按识别|下载[^。\n]{0,10}APP)[^。\n]{0,40}。?"
    r"|\(Bloomberg\)\s*--|\((?:Reporting|Editing|Writing) by[^)]*\)"
    # An exchange notice's pledge, the same in every notice of every company
    # ("本公司董事会及全体董事保证本公告内容不存在任何虚假记载、误导性陈述…"):
    # the sentence alone, not the header line before it.
    r"|[^。\s]{0,40}保证[^。\s]{0,60}?虚假记载[、,，]\s*误导性陈述[^。\s]{0,80}。?",
    re.IGNORECASE,
)
_STOPWORDS = frozenset(
    [
        "的",
        "了",
        "在",
        "是",
        "和",
        "与",
        "及",
        "等",
        "也",
        "对",
        "为",
        "将",
        "于",
        "以",
        "从",
        "而",
        "或",
        "其",
        "该",
        "这",
        "那",
        "有",
        "被",
        "由",
        "已",
        "并",
        "但",
        "就",
        "都",
        "还",
        "向",
        "到",
        "中",
        "上",
        "下",
        "个",
        "我们",
        "他们",
        "表示",
        "认为",
        "指出",
        "记者",
        "今日",
        "日前",
        "近日",
        "此外",
        "同时",
        "方面",
        "进行",
        "相关",
        "目前",
        "继续",
        "进一步",
        "公司",
        "发布",
        "宣布",
        "消息",
        "报道",
        "来源",
        "责任编辑",
        "原标题",
        "免责声明",
        "the",
        "a",
        "an",
        "of",
        "to",
        "in",
        "and",
        "for",
        "on",
        "with",
        "is",
        "are",
        "was",
        "were",
        "be",
        "by",
        "as",
        "at",
        "from",
        "that",
        "this",
        "it",
        "its",
    ]
)
_WORD = re.compile(r"[\w]", re.UNICODE)
_NUMBER = re.compile(r"^[\d.,%％]+$")
# A number starts where no digit (or digit and separator) precedes it: else a
# long run of "2.731,2.845,…" without a unit is tried from every digit (quadratic).
_FACT = re.compile(
    r"(?<!\d)(?<!\d[.,])(\d+(?:[.,]\d+)*)\s*(%|％|亿元|亿美元|万元|万美元|亿|万|元|美元|港元|个基点|基点|bp|点|家|只|款|台"
    r"|辆|倍|吨|笔|级|月|日|号|年|季度|期|名|人|个|次)"
)
# An amount written after its currency's sign ("$78.50", "US$1.2", "€3"), as
# English news writes prices: the sign is its unit.
_PRICE = re.compile(r"([$€£¥])\s*(\d+(?:[.,]\d+)*)(?![\d.,]*\d)")
_APPROXIMATE = re.compile(r"(?:逾|超过|超|近|约|接近|将近|不足|不到|多|大约|约合)\s*$")
# Units of amounts and counts: two stories that give different amounts in the
# same unit are about different things.  (Dates and ordinals are not compared
# in bodies: "5日" may be a date or a count of days.)
AMOUNT_UNITS = frozenset(
    [
        "%",
        "％",
        "亿元",
        "亿美元",
        "万元",
        "万美元",
        "亿",
        "万",
        "元",
        "美元",
        "港元",
        "$",
        "€",
        "£",
        "¥",
        "级",
        "个基点",
        "基点",
        "bp",
        "点",
        "家",
        "只",
        "款",
        "台",
        "辆",
        "倍",
        "吨",
        "笔",
    ]
)


@cache
def word_frequencies() -> dict[str, int]:
    """jieba's frequency of every common word (see common_words.txt)."""
    from importlib import resources  # here: only when dedupe first needs the list

    text = (resources.files(__package__) / "common_words.txt").read_text(encoding="utf-8")
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            word, _, frequency = line.partition("\t")
            out[word] = int(frequency)
    return out


NAME_MAX_FREQUENCY = 100


def is_rare(word: str) -> bool:
    return word_frequencies().get(word, 0) < NAME_MAX_FREQUENCY and not _NUMBER.match(word)


# Every _BOILERPLATE alternative holds one of these: without them (most
# stories) the slow scan, tried at every position, is skipped.
_BOILERPLATE_MARKS = (
    "来源", "编辑", "作者", "记者", "原标题", "声明", "风险提示", "本文", "扫码", "扫描",
    "股吧", "资金流", "诊股", "[行情]", "［行情］",
    "长按", "下载", "bloomberg", "reporting", "editing", "writing", "虚假记载",
)  # fmt: skip
# Sentences of outlet furniture without a heading, known by a stock phrase:
# risk warnings, copyright and reprint terms, "follow our account" lines.
# A site puts them under every story, often long enough to make two of
# its stories alike.  The whole sentence goes (see `_without_furniture`).
_FURNITURE = re.compile(
    r"不构成[^。，\n]{0,4}投资建议|投资需谨慎|入市需谨慎|风险自[负担]|不得(?:转载|转发|复制|摘编)"
    r"|转载请|版权归[^。，\n]{0,20}所有|版权所有|关注[^。\n]{0,20}公众号|获取授权"
)
_FURNITURE_MARKS = ("投资", "谨慎", "风险自", "不得", "转载", "版权", "公众号", "授权")
_SENTENCE_END = re.compile(r"[。！？!?]")
_SENTENCE = 120  # furthest a furniture sentence reaches from its stock phrase


def _without_furniture(text: str) -> str:
    spans: list[tuple[int, int]] = []
    for match in _FURNITURE.finditer(text):
        if spans and match.start() < spans[-1][1]:
            continue  # inside the sentence just removed
        before = text[max(0, match.start() - _SENTENCE) : match.start()]
        ends = list(_SENTENCE_END.finditer(before))
        start = match.start() - len(before) + (ends[-1].end() if ends else 0)
        after = _SENTENCE_END.search(text, match.end(), match.end() + _SENTENCE)
        spans.append((start, after.end() if after else min(len(text), match.end() + _SENTENCE)))
    if not spans:
        return text
    kept, last = [], 0
    for start, end in spans:
        kept.append(text[last:start])
        last = end
    kept.append(text[last:])
    return " ".join(kept)


def normalize(text: str) -> str:
    lowered = text.lower()
    if any(mark in lowered for mark in _BOILERPLATE_MARKS):
        text = _BOILERPLATE.sub(" ", text)
    if any(mark in text for mark in _FURNITURE_MARKS):
        text = _without_furniture(text)
    return nfkc(text).casefold()


# A name of a word and one letter or digit ("Model Y", "Model 3", "Beta 2"):
# not a number's first digit ("Linux 6.1", "to 2.25%"), not an English word
# ("for a", "backed a car"), nor after one ("rose by 3 points").  (The word is
# checked apart: in the pattern, the list tried at every character of a
# Chinese text cost 46 µs a story, a fifth of its fingerprint.)
# (From a word's start, its letters taken whole: tried at each letter of a
# long run of them, and given back one by one, 150 KB of letters took 94 s.)
_NAME_AND_MARK = re.compile(r"(?<![a-z])([a-z]{2,}+) ([b-hj-np-z0-9])(?![a-z0-9]|[.,:/-]\d| [a-z])")
_NOT_A_NAME = frozenset(
    [
        "to", "by", "of", "for", "in", "on", "at", "is", "as", "and", "or", "the", "with",
        "from", "than", "over", "under", "about", "after", "before", "up", "down", "into",
        "vs", "per", "top", "no", "nr", "nos", "are", "was", "were", "be", "rose", "fell",
        "rise", "fall", "grew", "cut", "hit", "out",
    ]
)  # fmt: skip


def words(text: str) -> list[str]:
    """Content words of normalized text: no punctuation, stopwords or single
    CJK characters — nor single letters or digits, but where they end a name
    ("model y" beside "model": Model Y and Model 3 are other cars)."""
    import rjieba

    # One comprehension, and the pattern only when the first character is
    # no letter or digit (what \w matches): twice as fast as a loop.
    found = [
        word
        for word in map(str.strip, rjieba.cut(text))
        if len(word) > 1 and word not in _STOPWORDS and (word[0].isalnum() or _WORD.search(word))
    ]
    found.extend(f"{m[1]} {m[2]}" for m in _NAME_AND_MARK.finditer(text) if m[1] not in _NOT_A_NAME)
    return found


Fact = tuple[str, bool]  # (number as written, approximate: "逾120亿元")


# A full date ("9月20日"): unlike a bare "20日", never a count of days.  Two
# daily notices alike to the word ("央行开展20亿元逆回购") differ by it.
DATE_UNIT = "月日"
_DATE = re.compile(r"(?<!\d)(\d{1,2})月(\d{1,2})日")
# Years counted ("1年期", "近5年"), not a calendar's ("2024年"): a headline
# dated 2024年 and one of LPR's 1年期 and 5年期 rates differed in "年".
YEARS_UNIT = "年数"


def facts(text: str) -> dict[str, frozenset[Fact]]:
    """Numbers with units in normalized text, by unit; full dates as DATE_UNIT."""
    found: dict[str, set[Fact]] = {}
    for match in _FACT.finditer(text):
        value, unit = match.group(1).replace(",", ""), match.group(2)
        approximate = bool(_APPROXIMATE.search(text[max(0, match.start() - 4) : match.start()]))
        if unit == "年" and len(value) != 4:
            unit = YEARS_UNIT
        found.setdefault(unit, set()).add((value, approximate))
    for match in _PRICE.finditer(text):
        approximate = bool(_APPROXIMATE.search(text[max(0, match.start() - 4) : match.start()]))
        found.setdefault(match.group(1), set()).add((match.group(2).replace(",", ""), approximate))
    for match in _DATE.finditer(text):
        # "9-20", not a number: 9月20日 and 9月2日 must not read as equal.
        found.setdefault(DATE_UNIT, set()).add((f"{int(match[1])}-{int(match[2])}", False))
    return {unit: frozenset(values) for unit, values in found.items()}


# A stock's code in brackets after its name, as news writes it
# ("天孚通信（300394）", "腾讯控股(00700.HK)"; brackets narrowed by NFKC):
# two stories that each give some, none in common, are about other stocks
# (two 龙虎榜 of one template and one headline, the name opening each text).
STOCK_UNIT = "股票代码"
_STOCK_CODE = re.compile(r"\((?:(?:sh|sz|bj)\.?)?(\d{6}|\d{5}(?=\.hk))(?:\.(?:sh|sz|bj|hk))?\)")


def stock_codes(text: str) -> dict[str, frozenset[Fact]]:
    """The codes in brackets that normalized text gives, as STOCK_UNIT."""
    if "(" not in text:
        return {}
    codes = frozenset((m[1], False) for m in _STOCK_CODE.finditer(text))
    return {STOCK_UNIT: codes} if codes else {}


# Who issued a notice (rule 6 of decide.py): the company its headline names
# before 关于 ("贵州茅台关于召开…的通知"), and the 证券简称 and 证券代码 its
# header gives ("证券代码：600519 证券简称：贵州茅台 公告编号：临2026-001").
# Kept with the facts, as names and codes, never compared as numbers.
ISSUER_UNIT = "发行人"
CODE_UNIT = "证券代码"
_NOTICE_TITLE = re.compile(
    r"^(?:【[^】]*】\s*)?([^\s:,，。;；【】]{2,24}?)\s*:?\s*关于.*(?:公告|通知|公示|函|报告|决议)$"
)
_HEADER = 300  # characters: a notice's header opens its text
_HEADER_CODE = re.compile(r"(?:证券|股票|股份)(?:代码|代号)\s*:?\s*(\d{5,6})(?!\d)")
_HEADER_NAME = re.compile(
    r"(?:证券|股票|股份)简称\s*:?\s*([^\s:,，。;；]{2,12}?)(?=\s|公告|编号|债券|$|[:,，。;；])"
)
_ISSUER_SUFFIX = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|集团|公司)$")
# A notice's own number in its header ("编号：临2025-041", "公告编号：2025-042"):
# one company's two notices of a day differ in it, an outlet's copy does not.
NOTICE_UNIT = "公告编号"
_HEADER_NUMBER = re.compile(
    r"编号\s*:?\s*[\u4e00-\u9fff]{0,2}\s*(\d{4})\s*[-—－]\s*(\d{1,4})(?!\d)"
)


def issuers(title_text: str, body_text: str) -> dict[str, frozenset[Fact]]:
    """The issuer's names and codes a notice gives (normalized text), by unit."""
    found: dict[str, frozenset[Fact]] = {}
    names = {m[1] for m in _HEADER_NAME.finditer(body_text, 0, _HEADER)}
    if (headline := _NOTICE_TITLE.match(title_text)) is not None:
        names.add(headline[1])
    names = {short for name in names if len(short := _ISSUER_SUFFIX.sub("", name)) >= 2}
    if names:
        found[ISSUER_UNIT] = frozenset((name, False) for name in names)
    codes = {m[1] for m in _HEADER_CODE.finditer(body_text, 0, _HEADER)}
    if codes:
        found[CODE_UNIT] = frozenset((code, False) for code in codes)
    # As one number however written: "临 2025 - 041", "2025-41" are 2025-41.
    numbers = {f"{m[1]}-{int(m[2])}" for m in _HEADER_NUMBER.finditer(body_text, 0, _HEADER)}
    if numbers:
        found[NOTICE_UNIT] = frozenset((number, False) for number in numbers)
    return found


@lru_cache(maxsize=1 << 16)
def word_id(word: str) -> int:
    """A stable 32-bit id for a word (stored fingerprints are arrays of these)."""
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """Everything the duplicate decision needs about one story."""

    words: frozenset[int]  # word ids of title + body
    names: frozenset[int]  # rare words found in both the title and the body
    title: frozenset[int] = frozenset()  # word ids of the title, numbers left out
    subject: frozenset[int] = frozenset()  # title words that the body repeats
    facts: dict[str, frozenset[Fact]] = field(default_factory=dict)
    title_facts: dict[str, frozenset[Fact]] = field(default_factory=dict)
    text_hash: str = ""  # the exact visible text, for verbatim copies
    identifying: bool = True  # the text alone names the story (long enough, tells its headline)
    daily: bool = (
        False  # a short text that speaks of its own day ("今日"): the next day's may say it again
    )
    shingles: tuple[str, ...] = ()  # what MinHash sees: words less the most common ones
    # ... and of a long story, its headline and lead (`LEAD_WORDS`), indexed too.
    lead: tuple[str, ...] = ()
    # For a short body (MAX_SEQUENCE words), what rule 5 of decide.py reads:
    # the rare words of title and body (the names it mentions), and the
    # body's word ids in order, packed (`in_order` reads them; as ints, 2,000
    # cached fingerprints took 30 MB).  Empty for a longer body.
    rare: frozenset[int] = frozenset()
    sequence: bytes = b""

    @property
    def empty(self) -> bool:
        return not self.words


# MinHash ignores words this common (jieba frequency): they make unrelated
# stories look alike and flood the LSH buckets.
MINHASH_MAX_FREQUENCY = 5000


# A 快讯 retells an article's lead: a two-sentence flash wholly inside a
# 1,500-character article shares under a tenth of its words (Jaccard), and
# the two seldom share an LSH band, so they were never compared.  A body
# longer than LEAD_LONG words is indexed by its headline and its first
# LEAD_WORDS words as well: a flash of that lead shares a band with them.
LEAD_WORDS = 60
LEAD_LONG = 2 * LEAD_WORDS


# Below this many characters a body says too little ("详情见原文", an empty
# <description>) to identify a story by itself: the title is hashed with it.
# So is a longer one that does not tell its headline (`untold`).
MIN_IDENTIFYING_BODY = 80

# A headline of this many words or more says what its story is: a text that
# repeats none of them is not that story (a paywall's notice, a teaser a
# site puts under every headline).  A shorter one ("快讯", "图说") may say
# nothing, and its text is the story.
HEADLINE_WORDS = 3


def untold(title: frozenset[int], subject: frozenset[int]) -> bool:
    """Is a story's text silent on its headline (`Fingerprint.title`, `.subject`)?"""
    return len(title) >= HEADLINE_WORDS and not subject


# An <img> tag up to the next tag (so unclosed "<img <img …" stays linear), and its attributes.
_IMAGE = re.compile(r"<img\b[^<>]*", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""\s([\w:-]+)\s*=\s*["']?([^"'\s>]+)""")


def _pictures(html: str) -> list[str]:
    """The picture each image shows a reader, as the sanitizer's prepass
    reads it: a lazy image's is in data-src (or the like), its src a stand-in
    that all of a site's lazy images share."""
    out = []
    for tag in _IMAGE.finditer(html):
        attributes: dict[str, str] = {}
        for name, value in _ATTRIBUTE.findall(tag[0]):
            attributes.setdefault(name.lower(), value)
        picture = lazy_source(attributes) or attributes.get("src")
        if picture:
            out.append(picture)
    return out


# Words of the day a text is published, which the next day's notice of the
# same routine ("人民银行今日以利率招标方式开展了20亿元7天期逆回购操作 … 当日
# 实现零投放零回笼") repeats word for word about another day — a notice of a few
# sentences; a longer text word for word the same is a copy.
DAILY_MAX_CHARS = 200
_OWN_DAY = re.compile(
    r"今日|今天|今晨|今晚|昨日|昨天|明日|明天|当日|\b(?:today|yesterday|tonight|tomorrow)\b"
)


def identifies(body_text: str, silent: bool = False) -> bool:
    """Does the body say enough to be a story's identity by itself (and is it
    not ``silent`` on its headline)?"""
    return not silent and len(" ".join(body_text.split())) >= MIN_IDENTIFYING_BODY


def _text_hash(title_text: str, body_text: str, content_html: str, identifying: bool) -> str:
    body = " ".join(body_text.split())
    if not identifying:
        # A picture post ("分享图片" and an image) is its picture.
        pictures = " ".join(_pictures(content_html))
        body = " ".join(title_text.split()) + "\n" + body + ("\n" + pictures if pictures else "")
    return hashlib.blake2b(body.encode(), digest_size=16).hexdigest()


# Text beyond this says nothing more about which story it is (a feed that
# inlines a book, a table of thousands of figures).
MAX_TEXT = 100_000


# Notices filled into a template are short: a longer body's order and rare
# words are not kept (memory: each worker caches 2,000 fingerprints).
MAX_SEQUENCE = 200


# Names jieba does not know are cut by their neighbours: "中际旭创获机构净买入"
# gives 中际旭 / 创获, where "中际旭创今日涨停" gives 中际旭创.  A headline is
# cut around the rare words of this length that its text holds whole (two
# companies' 龙虎榜 of one template merged: each headline's name was none of
# its text's words).
_WHOLE_NAME = 3


def _chinese_name(word: str) -> bool:
    """Long enough, rare, in Chinese characters alone (a figure such as
    "256tops" the text cuts as 256 / tops is no name)."""
    return (
        len(word) >= _WHOLE_NAME
        and all("\u4e00" <= ch <= "\u9fff" for ch in word)
        and is_rare(word)
    )


def _title_words(title_text: str, body_words: Collection[str]) -> list[str]:
    """The headline's words, a name the body holds whole kept whole."""
    cut = words(title_text)
    whole = {w for w in body_words if w in title_text and w not in cut and _chinese_name(w)}
    if not whole:
        return cut
    # Longest first; of one length, in one order in every process (a set's
    # isn't), so that a story's fingerprint is the same wherever it is made.
    pattern = "|".join(map(re.escape, sorted(whole, key=lambda w: (-len(w), w))))
    out: list[str] = []
    for index, piece in enumerate(re.split(f"({pattern})", title_text)):
        if index % 2:
            out.append(piece)
        elif piece:
            out.extend(words(piece))
    return out


# A place as a text names it (杭州市, 海南省, 徐闻县) and as a headline does
# (杭州, 海南, 徐闻): the two cities of one template ("杭州：取消限购" and
# "南京：取消限购") were one story, each headline's city none of its words.
_PLACE_SUFFIXES = "省市县区镇乡"
# What jieba tags the name alone: a place, or a name it does not know as a
# place (文昌, 徐闻: nr) — not an ordinary word (开发 of 开发区: v).
_NAME_TAGS = frozenset({"ns", "nr", "nrt", "nz", "nt", "j"})


@lru_cache(maxsize=1 << 14)
def _place_name(word: str) -> str | None:
    """杭州 of 杭州市; None for a word that is no place so named."""
    if len(word) < 3 or word[-1] not in _PLACE_SUFFIXES:
        return None
    import rjieba

    tagged = rjieba.tag(word[:-1], hmm=False)
    return word[:-1] if len(tagged) == 1 and tagged[0][1] in _NAME_TAGS else None


_BRACKETED = re.compile(r"\s*【([^【】\n]{2,60})】")
_DATELINE = re.compile(r"\d{1,2}月\d{1,2}日[电讯]$")
_NAMED_HEADLINE = re.compile(r"[^：:]{2,16}[：:].{2,}")


def _bracketed_headline(body_text: str) -> str:
    """The headline an untitled item's text opens with in brackets: one that
    names its subject before a colon (【万科：发布年报】公司今日公告…), or whose
    subject the text names again (【美的集团股东拟减持】美的集团晚间公告…) —
    not an outlet's credit or a column's label (【金十数据】, 【华尔街见闻】,
    【重磅消息】), which the story never speaks of: two outlets' copies of one
    story would read as two stories."""
    found = _BRACKETED.match(body_text)
    if found is None or _DATELINE.search(found[1]):
        return ""
    if _NAMED_HEADLINE.match(found[1]):
        return found[1]  # "X：…", a 快讯's headline (the text may say 公司, 工行 for X)
    rest = body_text[found.end() :]
    frequencies = word_frequencies()
    # (In the text's words or inside them: 小米 of 小米集团.)
    told = [
        w for w in words(found[1]) if frequencies.get(w, 0) < MINHASH_MAX_FREQUENCY and w in rest
    ]
    return found[1] if told else ""


def fingerprint(title: str, content_html: str) -> Fingerprint:
    body_text = normalize(visible_text(content_html)[:MAX_TEXT])
    if not title.strip():
        # An untitled 快讯 that opens with its headline in brackets
        # (【美的集团：股东拟减持】…) is told by it: without one, nothing told
        # two companies' notices of one template apart.  (Not its first
        # sentence: "财联社3月15日电，…" and "格隆汇3月15日丨…" open one story.)
        title = _bracketed_headline(body_text)
    title_text = normalize(title)
    body_words = words(body_text)
    body_set = set(body_words)
    body_set |= {name for w in body_set if (name := _place_name(w)) is not None}
    title_words = _title_words(title_text, body_set)
    everything = set(title_words) | body_set
    frequencies = word_frequencies()
    title_facts = facts(title_text)
    figures = {value for found in title_facts.values() for value, _ in found}
    rare = {w for w in everything if is_rare(w)}
    names = rare & set(title_words) & body_set
    short = len(body_words) <= MAX_SEQUENCE
    title_ids = frozenset(word_id(w) for w in title_words if w not in figures)
    subject = frozenset(word_id(w) for w in set(title_words) & body_set if w not in figures)
    all_facts = {
        **facts(title_text + "。" + body_text),
        **issuers(title_text, body_text),
        **stock_codes(title_text + "。" + body_text),
    }
    identifying = identifies(body_text, untold(title_ids, subject))
    return Fingerprint(
        words=frozenset(word_id(w) for w in everything),
        names=frozenset(word_id(w) for w in names),
        # Without the figures (numbers with a unit): they are compared as facts,
        # with their rounding ("52.3亿元" and "超52亿元" are one figure, not two
        # subjects); a bare number ("升破150关口", "iOS 18.2") stays a word.
        title=title_ids,
        subject=subject,
        facts=all_facts,
        title_facts=title_facts,
        # Of the text as stored hashes read it (hidden text and all): a copy
        # must find the story stored before visible text left that out.
        text_hash=_text_hash(
            title_text, normalize(keyed_text(content_html)[:MAX_TEXT]), content_html, identifying
        ),
        identifying=identifying,
        daily=identifying
        and len(body_text) <= DAILY_MAX_CHARS
        and bool(_OWN_DAY.search(title_text + "。" + body_text)),
        shingles=_shingles(everything, frequencies),
        lead=(
            _shingles({*title_words, *body_words[:LEAD_WORDS]}, frequencies)
            if len(body_words) > LEAD_LONG
            else ()
        ),
        rare=frozenset(word_id(w) for w in rare) if short else frozenset(),
        sequence=_packed(map(word_id, body_words)) if short else b"",
    )


def _shingles(words: Iterable[str], frequencies: dict[str, int]) -> tuple[str, ...]:
    return tuple(sorted(w for w in words if frequencies.get(w, 0) < MINHASH_MAX_FREQUENCY))


def ids(values: Iterable[int]) -> bytes:
    """Word ids as bytes, for storage."""
    return b"".join(v.to_bytes(4, "little") for v in sorted(values))


def from_ids(data: bytes) -> frozenset[int]:
    return frozenset(struct.unpack(f"<{len(data) // 4}I", data))


def _packed(values: Iterable[int]) -> bytes:
    return b"".join(v.to_bytes(4, "little") for v in values)


def in_order(data: bytes) -> tuple[int, ...]:
    """The word ids of a packed `Fingerprint.sequence`."""
    return struct.unpack(f"<{len(data) // 4}I", data)


def _facts_out(facts: dict[str, frozenset[Fact]]) -> dict[str, list[list[object]]]:
    return {
        unit: sorted([value, approx] for value, approx in found) for unit, found in facts.items()
    }


def _facts_in(data: dict[str, list[list[object]]]) -> dict[str, frozenset[Fact]]:
    return {unit: frozenset((str(v), bool(a)) for v, a in found) for unit, found in data.items()}


def dump(print_: Fingerprint) -> str:
    """A fingerprint as compact JSON, for storage (shingles left out: only
    the LSH bands need them, and those are stored already)."""
    packed = {
        "words": ids(print_.words),
        "names": ids(print_.names),
        "title": ids(print_.title),
        "subject": ids(print_.subject),
        "rare": ids(print_.rare),
        "sequence": print_.sequence,
    }
    return json.dumps(
        {
            **{key: base64.b64encode(value).decode("ascii") for key, value in packed.items()},
            "facts": _facts_out(print_.facts),
            "title_facts": _facts_out(print_.title_facts),
            "text_hash": print_.text_hash,
            **({} if print_.identifying else {"identifying": False}),
            **({"daily": True} if print_.daily else {}),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def load(data: str) -> Fingerprint:
    """The fingerprint `dump` wrote."""
    raw = json.loads(data)
    words, names, title, subject = (
        from_ids(base64.b64decode(raw[key])) for key in ("words", "names", "title", "subject")
    )
    return Fingerprint(
        words=words,
        names=names,
        title=title,
        subject=subject,
        facts=_facts_in(raw["facts"]),
        title_facts=_facts_in(raw["title_facts"]),
        text_hash=raw["text_hash"],
        identifying=raw.get("identifying", True),
        daily=raw.get("daily", False),
        # Stored before rare words and order were: none known, no decision made on them.
        rare=from_ids(base64.b64decode(raw.get("rare", ""))),
        sequence=base64.b64decode(raw.get("sequence", "")),
    )


def load_words(data: str) -> Fingerprint:
    """Only the words and text hash of what `dump` wrote: all `decide.unlike`
    reads, at a tenth of the cost of `load`."""
    raw = json.loads(data)
    return Fingerprint(
        words=from_ids(base64.b64decode(raw["words"])),
        names=frozenset(),
        text_hash=raw["text_hash"],
    )
