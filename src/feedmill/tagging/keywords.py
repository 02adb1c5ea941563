"""Keyword tags: the terms an article is about, by TF-IDF or TextRank.

Words and their parts of speech come from rjieba (jieba's dictionary and
HMM in Rust, already used for duplicate detection): 0.1 ms for an article,
where ``jieba.analyse`` needs 3–12 ms and a second copy of the dictionary in
memory (about a second to load).  The two rankings are jieba's own:

* **tfidf** — count × inverse document frequency from the IDF table that
  ships inside the ``jieba`` package (``jieba/analyse/idf.txt``, MIT); a word
  it does not list gets the median, as in jieba.  The table is read once
  (~0.3 s), without importing jieba.
* **textrank** — PageRank over words that occur within five tokens of each
  other (jieba's window, damping 0.85, ten rounds); needs no table.

Only nouns and names are terms (jieba tags n, nz, nt, ns, j and Latin words
with a capital or a digit: PMI, Linux, 5G); numbers, single characters,
punctuation and stop-words never are.  Ties go to the word mentioned first,
so the result depends on the text alone.
"""

from __future__ import annotations

import importlib.util
import os
import re
import unicodedata
from collections.abc import Collection
from functools import cache
from pathlib import Path
from typing import Literal

from feedmill.normalize.text import nfkc

Method = Literal["tfidf", "textrank"]
METHODS: tuple[Method, ...] = ("tfidf", "textrank")

# jieba's part-of-speech tags of the words worth a tag: common nouns (n),
# other proper nouns (nz), organisations (nt), places (ns), abbreviations
# (j: 证监会, 光伏) and Latin words (eng).  Person names (nr) are left out:
# jieba tags too many ordinary words as names (归母, 冷启动, 郑重声明).
TERM_POS = frozenset({"n", "nz", "nt", "ns", "j", "eng"})

# Written for feedmill: the outlets' furniture, words every finance story
# uses, and English function words (jieba's own English list included).
DEFAULT_STOPWORDS = frozenset(
    """
    责任编辑 编辑 记者 作者 来源 原标题 本文 文章 图片 视频 资料图 图源 快讯 消息 报道 财经报道
    声明 郑重声明 免责声明 风险提示 提示 公告 发布公告 全网 客户端 网站 新闻 专题 栏目 内容 信息
    公司 有限公司 股份有限公司 股份 集团 企业 行业 市场 情况 问题 方面 工作 时间 数据 方式 水平
    能力 领域 部分 程度 原因 结果 过程 目标 体系 机制 措施 政策 经济 项目 平台 产品 业务 服务
    人士 分析人士 业内人士 专家 投资者 机构 人员 人们 大家 地方 单位 部门 中心 地区 全国 国内 国际
    同比 环比 三大 中小 年期 天期 万元 亿元 百分点 个百分点 比例 规模 总额 金额 价格
    两市 早盘 午盘 尾盘 盘中 收盘报 现报 官网 扫码 本报记者 本报讯 时称 人士处 中国
    choice wind ifind
    今日 今天 昨日 明日 日内 本周 上周 下周 本月 上月 当日 当天 当月 日前 近日 目前 此前 未来 全年
    年度 季度 一季度 二季度 三季度 四季度 上半年 下半年 前三季度 年初 年底 月份 时期 阶段 期间
    a about after all also an and are as at be been before but by can could did do does for from
    had has have he her his if in into is it its more most new not of on one or our over said says
    she than that the their them then there these they this those to under up was we were what
    when where which who will with would you your
    monday tuesday wednesday thursday friday saturday sunday january february march april
    june july august september october november december may however meanwhile
    """.split()  # noqa: SIM905 - a word list reads better as text
)


class KeywordsUnavailable(RuntimeError):
    """TF-IDF was asked for, but jieba's IDF table is not installed."""


JIEBA_REQUIREMENT = "jieba>=0.42.1"


def idf_path() -> Path | None:
    """Where jieba's IDF table is, found without importing jieba (that loads its dictionary)."""
    try:
        spec = importlib.util.find_spec("jieba")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "analyse" / "idf.txt"
        if path.is_file():
            return path
    return None


def unavailable(method: str) -> str | None:
    """Why ``method`` cannot run here, or None."""
    if method == "tfidf" and idf_path() is None:
        return (
            f"keyword_method 'tfidf' needs jieba's IDF table: pip install '{JIEBA_REQUIREMENT}'"
            " (or use keyword_method 'textrank')"
        )
    return None


@cache
def idf_table() -> tuple[dict[str, float], float]:
    """jieba's IDF of each word, and the median IDF for words it does not list."""
    path = idf_path()
    if path is None:
        raise KeywordsUnavailable(unavailable("tfidf"))
    # Lines are "word idf": 270,000 of them, 34 MiB in memory.
    with path.open(encoding="utf-8") as lines:
        table = {f[0]: float(f[1]) for f in map(str.split, lines) if len(f) == 2}
    values = sorted(table.values())
    return table, values[len(values) // 2] if values else 0.0


# No name is this long; a token that is — a JWT or a hash quoted in a
# 掘金 post, which jieba keeps whole — would be a tag page Hexo cannot create.
LONGEST_TERM = 32


def is_term(word: str, pos: str, stopwords: Collection[str]) -> bool:
    """A word worth a tag.  ``stopwords`` must be casefolded."""
    if pos not in TERM_POS or not 2 <= len(word) <= LONGEST_TERM:
        return False
    if word.casefold() in stopwords:
        return False
    if not any(ch.isalpha() for ch in word):
        return False
    if _HAN.search(word) and not _known(word):
        # A word jieba's HMM guessed from around it (股通净 of 沪股通净买入,
        # 成指 of 深成指, 联会 of 乘联会): a fragment more often than a
        # name, and a tag page of its own.
        return False
    if _SECURITY_CODE.fullmatch(word):  # 600519.SH beside the stock's tag; an index's code
        return False
    if _PERIOD.fullmatch(word):  # 2024Q3, 3Q24, H1: a report's period, no subject
        return False
    # Latin words: names and acronyms (Linux, PMI, 5G), not running English.
    return not (pos == "eng" and word.islower())


_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_PERIOD = re.compile(r"(?:\d{2}|\d{4})?[QH][1-4]|[1-4][QH](?:\d{2}|\d{4})", re.IGNORECASE)


def _known(word: str) -> bool:
    import rjieba

    return bool(rjieba.has_word(word))


# A listing's code as quotes write it: 600519.SH, 00700.HK, SZ000001, AAPL.O.
_SECURITY_CODE = re.compile(
    r"(?:[A-Za-z]{2})?\d{4,6}(?:\.[A-Za-z]{1,4})?|[A-Za-z]{1,5}\.(?:O|N|OQ|US|HK)", re.IGNORECASE
)
_SURROGATES = re.compile("[\ud800-\udfff]")  # rjieba takes UTF-8, which cannot hold them


def _tokens(text: str) -> list[tuple[str, str]]:
    """rjieba's words and their parts of speech — a Latin word it cut at a
    letter outside ASCII (Herm|è|s, Cr|é|dit, Stra|ß|e) made whole again:
    its pieces were tags ("Herm", "Nestl")."""
    import rjieba

    tokens: list[tuple[str, str]] = []
    for word, pos in rjieba.tag(text, hmm=True):
        if tokens and _latin(word) and _latin(tokens[-1][0]):
            tokens[-1] = (tokens[-1][0] + word, "eng")
        else:
            tokens.append((word, pos))
    return [(word.strip(), pos) for word, pos in tokens]


def _latin(word: str) -> bool:
    """Latin letters (é, ß) and digits only: part of a Latin word — not kana
    or Hangul, which rjieba gives a character at a time (a Japanese
    sentence was one "word")."""
    return word.isalnum() and all(ch.isascii() or _latin_letter(ch) for ch in word)


@cache
def _latin_letter(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("LATIN ")


def rank(text: str, method: Method, stopwords: Collection[str]) -> list[str]:
    """Every term of ``text``, best first.  ``stopwords`` must be casefolded."""
    text = nfkc(_SURROGATES.sub("", text))
    tokens = _tokens(text)
    terms = [is_term(word, pos, stopwords) for word, pos in tokens]
    scores = _textrank(tokens, terms) if method == "textrank" else _tfidf(tokens, terms)
    first: dict[str, int] = {}
    for index, (word, _) in enumerate(tokens):
        first.setdefault(word, index)
    return sorted(scores, key=lambda word: (-scores[word], first[word]))


def _tfidf(tokens: list[tuple[str, str]], terms: list[bool]) -> dict[str, float]:
    idf, median = idf_table()
    counts: dict[str, int] = {}
    for (word, _), term in zip(tokens, terms, strict=True):
        if term:
            counts[word] = counts.get(word, 0) + 1
    return {word: count * idf.get(word, median) for word, count in counts.items()}


WINDOW = 5  # jieba's TextRank span: a word and the four tokens after it
DAMPING = 0.85
ROUNDS = 10


def _textrank(tokens: list[tuple[str, str]], terms: list[bool]) -> dict[str, float]:
    """jieba.analyse.TextRank's weighted PageRank, with the same window and rounds."""
    edges: dict[str, dict[str, float]] = {}
    for i, term in enumerate(terms):
        if not term:
            continue
        for j in range(i + 1, min(i + WINDOW, len(tokens))):
            if terms[j]:
                a, b = tokens[i][0], tokens[j][0]
                edges.setdefault(a, {})
                edges.setdefault(b, {})
                edges[a][b] = edges[a].get(b, 0.0) + 1.0
                edges[b][a] = edges[b].get(a, 0.0) + 1.0
    if not edges:
        return {}
    out_weight = {word: sum(links.values()) for word, links in edges.items()}
    score = dict.fromkeys(edges, 1.0 / len(edges))
    order = sorted(edges)
    for _ in range(ROUNDS):
        for word in order:
            total = sum(w / out_weight[other] * score[other] for other, w in edges[word].items())
            score[word] = (1 - DAMPING) + DAMPING * total
    return score


class StopwordsError(ValueError):
    """A bad line in a stop-word file: ``file:line: what``."""


def load_stopwords(path: str | os.PathLike[str]) -> frozenset[str]:
    """Read a stop-word file: UTF-8, one word per line, ``#`` comment lines.

    The format of the common Chinese stop-word lists (one word a line), so
    they can be used as they are.  Words are compared case-blind.  The file
    replaces the built-in list; to extend it, use
    ``DEFAULT_STOPWORDS | load_stopwords(path)``.
    """
    shown = os.fspath(path)
    try:
        with open(path, encoding="utf-8-sig") as source:
            lines = source.read().splitlines()
    except UnicodeDecodeError as error:
        raise StopwordsError(f"{shown}: not UTF-8 text ({error.reason})") from None
    words = set()
    for number, line in enumerate(lines, 1):
        word = unicodedata.normalize("NFKC", line).strip()
        if not word or word.startswith("#"):
            continue
        if len(word.split()) > 1:
            raise StopwordsError(f"{shown}:{number}: one word per line — {line.strip()!r}")
        words.add(word)
    return frozenset(words)
