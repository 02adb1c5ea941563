"""Hexo tags for a post: the A-share stocks it mentions, then its keywords.

``tags_for(title, html, policy)`` is pure: the same input gives the same
tags in the same order, and no input makes it raise.

* **Stocks** first, in order of first mention (the title comes before the
  body), one tag per stock however often it is linked or named: from links
  to quote pages (stocks.py) and from names in ``policy.dictionary``.
* **Keywords** next, best first, when ``policy.keywords`` > 0 (keywords.py).
  A keyword that is the name of a tagged stock is left out.
* At most ``policy.max_tags`` in all.

A stock's name in its tag is the dictionary's — the first name listed for
its code — and otherwise the name its links' text gives most often (of
equals, the first).  The dictionary wins because Hexo files posts under the
exact tag text, and link text varies by outlet (茅台; 贵州茅台 1689.00
+1.22%; the word stcn happened to link), while the user's dictionary spells
a stock the same in every post.  A stock without a name (links whose text
is a code, a headline or a word for the page, 行情 or 股吧, and no
dictionary entry) gets no tag when the format uses ``{name}``.

Hexo safety: a tag is one line of text without ``/ \\ ? " ' < >`` or
backquotes (``/`` and ``\\`` become ``-``) and without control characters,
and has a letter or digit.  ``# + & % *`` are written full-width (``C＃``,
``C＋＋``, ``AT＆T``, ``＊ST金科``): Hexo names a tag's page by its slug, which
drops them, so C#, C++ and C would share one page, and *ST金科 ST金科's (a
stock gains and loses the prefix: one post's page would list the other's).
A tag may still hold ``(``, ``)`` or ``:``, or be all digits (format
``{code}``), so it must be written as a quoted YAML string.  Hexo's slugs
turn other punctuation into ``-``: of tags that would share a page
(``A.B`` and ``A-B``) a post keeps the first.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from feedmill.publish.categories import LONGEST_NAME_BYTES, hexo_slug, without_diacritics
from feedmill.tagging import keywords as _keywords
from feedmill.tagging import stocks as _stocks
from feedmill.tagging.keywords import DEFAULT_STOPWORDS, Method, StopwordsError, load_stopwords
from feedmill.tagging.stocks import DictionaryError, Market, load_dictionary, market_of

__all__ = [
    "DEFAULT_STOPWORDS",
    "RULES_VERSION",
    "DictionaryError",
    "Market",
    "Method",
    "StopwordsError",
    "TagPolicy",
    "clean_tag",
    "load_dictionary",
    "load_stopwords",
    "market_of",
    "tags_for",
]

FORMAT_FIELDS = ("name", "code", "market")
# Bumped when the same title, text and settings get other tags than before:
# posts with tags are rewritten with the tags they get now.  2: names as
# whole words, ordinary words and bylines, link words, # + & % full-width.
# 3: * full-width; datelines, 据<outlet>消息 and 请下载<outlet>APP are no mention
# of its stock; no keyword from a byline.  4: a data vendor cited, Futu's and
# Tiger's quote pages, a name linked to its other listing; no keyword from
# code, report periods or a linked name said again.  5: a keyword without its
# accents; a name at the start of a longer term (上海银行间, 中国黄金储备) no mention.
RULES_VERSION = "5"
# Refused in a stock_format's own text, dropped from names and keywords
# (# % & are written full-width first: _SLUG_PROOF).
_UNSAFE = re.compile(r"[#?%&\"'<>`]")
_SLASHES = re.compile(r"[/\\]")
# Separators to Hexo's slug, trimmed at its ends (C#, C++ and C: "C");
# their full-width forms are kept in it, and read the same.
_SLUG_PROOF = str.maketrans({"#": "＃", "+": "＋", "&": "＆", "%": "％", "*": "＊"})


@dataclass(frozen=True)
class TagPolicy:
    """How tags are made.  Checked when made: a bad policy is a ValueError."""

    # {name}, {code} (300024) and {market} (SH, SZ or BJ); {{ }} for braces.
    stock_format: str = "{name}({code})"
    # Stock name -> code (300024, SZ300024 or 300024.SZ); see load_dictionary.
    dictionary: Mapping[str, str] = field(default_factory=dict, hash=False)
    keywords: int = 0  # how many keyword tags at most; 0: none
    keyword_method: Method = "tfidf"
    # Compared case-blind.  A custom list replaces this one; to extend it:
    # DEFAULT_STOPWORDS | load_stopwords(path).
    stopwords: frozenset[str] = DEFAULT_STOPWORDS
    max_tags: int = 10  # stocks and keywords together

    _matcher: _stocks.NameMatcher = field(init=False, repr=False, compare=False)
    _names: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _folded_stopwords: frozenset[str] = field(init=False, repr=False, compare=False)
    _needs_name: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fields = _format_fields(self.stock_format)
        for name in ("keywords", "max_tags"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"{name} must be a whole number, not {value!r}")
        if self.keywords < 0:
            raise ValueError(f"keywords must be 0 (none) or more, not {self.keywords}")
        if self.max_tags < 1:
            raise ValueError(f"max_tags must be 1 or more, not {self.max_tags}")
        if self.keyword_method not in _keywords.METHODS:
            raise ValueError(
                f"keyword_method must be 'tfidf' or 'textrank', not {self.keyword_method!r}"
            )
        if self.keywords:
            problem = _keywords.unavailable(self.keyword_method)
            if problem:
                raise ValueError(problem)
        codes = _dictionary(self.dictionary)
        names: dict[str, list[str]] = {}
        for name, code in codes.items():
            names.setdefault(code, []).append(name)
        set_ = object.__setattr__
        set_(self, "dictionary", MappingProxyType(dict(self.dictionary)))
        set_(self, "_matcher", _stocks.NameMatcher(codes))
        set_(self, "_names", {code: tuple(found) for code, found in names.items()})
        set_(
            self,
            "_folded_stopwords",
            # Each also without its accents: a keyword is written so (see tags_for).
            frozenset(
                form
                for w in self.stopwords
                for form in _stopword_forms(unicodedata.normalize("NFKC", w).strip().casefold())
            ),
        )
        set_(self, "_needs_name", "name" in fields)


def _stopword_forms(word: str) -> tuple[str, ...]:
    return (word, without_diacritics(word))


def _format_fields(text: str) -> set[str]:
    """The placeholders of a stock format; ValueError when it cannot make good tags."""
    use = "use {name}, {code} and {market}"
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        raise ValueError(
            f"stock_format {text!r}: {error}; {use}, and {{{{ }}}} for braces"
        ) from None
    found: set[str] = set()
    for literal, name, spec, conversion in parsed:
        bad = _UNSAFE.search(literal) or _SLASHES.search(literal)
        if bad or any(unicodedata.category(ch)[0] == "C" for ch in literal):
            shown = repr(bad[0]) if bad else "a control character"
            raise ValueError(f"stock_format {text!r}: {shown} cannot be part of a Hexo tag")
        if name is None:
            continue
        if name not in FORMAT_FIELDS:
            raise ValueError(f"stock_format {text!r}: unknown placeholder {{{name}}}; {use}")
        if spec or conversion:
            raise ValueError(
                f"stock_format {text!r}: write {{{name}}} plainly, without '!' or ':'; {use}"
            )
        found.add(name)
    if not found & {"name", "code"}:
        raise ValueError(
            f"stock_format {text!r} has neither {{name}} nor {{code}}: every stock would get"
            f" the same tag; {use}"
        )
    return found


def _dictionary(dictionary: Mapping[str, str]) -> dict[str, str]:
    """Normalized name -> six-digit code; ValueError on a bad entry."""
    out: dict[str, str] = {}
    for raw_name, raw_code in dictionary.items():
        name = _stocks.normalize_name(str(raw_name))
        problem = _stocks.name_problem(name)
        if problem:
            raise ValueError(f"dictionary: {problem}")
        if not isinstance(raw_code, str):
            # YAML reads 000516 as a number (334: octal), so a number is never trusted.
            raise ValueError(
                f"dictionary: {raw_name!r}: the code must be text, not {raw_code!r}"
                " (quote it in YAML: '000516')"
            )
        code = _stocks.normalize_code(raw_code)
        if code is None:
            raise ValueError(
                f"dictionary: {raw_name!r}: {raw_code!r} is not an A-share stock code"
                f" ({_stocks.RANGES_HELP})"
            )
        if out.setdefault(name, code) != code:
            raise ValueError(f"dictionary: {name!r} is both {out[name]} and {code}")
    return out


def clean_tag(text: str) -> str:
    """``text`` as a Hexo-safe tag (see the module's doc), or "" when nothing is left."""
    text = _UNSAFE.sub("", _SLASHES.sub("-", text).translate(_SLUG_PROOF))
    text = "".join(ch if unicodedata.category(ch) != "Cc" else " " for ch in text)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = " ".join(text.split()).strip(" -")
    return text if any(ch.isalnum() for ch in text) else ""


class _Mention(NamedTuple):
    start: int
    end: int
    code: str
    name: str | None  # the name the link text or the dictionary gives
    sure: bool  # False: an ordinary word that counts only with a sure mention


def tags_for(title: str, html: str, policy: TagPolicy) -> tuple[str, ...]:
    """The tags of one post: stocks by first mention, then keywords by weight."""
    head = _stocks.plain(title)
    page = _stocks.read_page(html)
    text = head + "\n" + page.text
    shift = len(head) + 1
    found: list[_Mention] = []
    elsewhere: list[tuple[int, int]] = []  # links to another market's quote pages
    for link in page.links:
        code = _stocks.code_from_link(link.attrs)
        if not code and _stocks.other_market_page(link.attrs.get("href")):
            elsewhere.append((link.start + shift, link.end + shift))
        if code:
            start, end = link.start + shift, link.end + shift
            name = _stocks.name_from_link_text(text[start:end])
            if name and policy._matcher.code_of(name) not in (None, code):
                name = None  # the dictionary's name of another stock
            found.append(_Mention(start, end, code, name, True))
    for at in policy._matcher.find(text):
        if any(start <= at.start < end for start, end in elsewhere):
            continue  # 中国平安 linked to its Hong Kong quote: not the A-share
        if _stocks.another_market_before(text, at.start, at.start + len(at.name)):
            continue  # "港股收评：中国平安大涨5%"
        found.append(_Mention(at.start, at.start + len(at.name), at.code, at.name, at.sure))
    sure = {mention.code for mention in found if mention.sure}
    mentions = sorted((m for m in found if m.code in sure), key=lambda mention: mention.start)
    named = _stock_names(mentions, policy)

    tags: list[str] = []
    seen: set[str] = set()

    def add(tag: str) -> bool:
        # One Hexo page per slug: a tag whose page another one has is left out.
        # Hexo makes a folder of it: a name no disk takes stops the whole build.
        slug = hexo_slug(tag).casefold()
        if not tag or slug in seen or len(tags) >= policy.max_tags:
            return False
        if len(slug.encode()) > LONGEST_NAME_BYTES:
            return False
        seen.add(slug)
        tags.append(tag)
        return True

    for code, name in named.items():
        if name is None and policy._needs_name:
            continue
        add(
            clean_tag(
                policy.stock_format.format(name=name or "", code=code, market=market_of(code))
            )
        )
    if policy.keywords and len(tags) < policy.max_tags:
        # Stock names are tags already, and jieba cuts the ones it does not
        # know into ordinary words (宁德时代 -> 宁德, 时代): keywords skip them.
        taken = {m.name.casefold() for m in mentions if m.name}
        taken.update(n.casefold() for code in named for n in policy._names.get(code, ()))
        bylines = _stocks.credit_spans(text)
        listings = [(start + shift, end + shift) for start, end in page.code]
        # The name again where no link or dictionary marks it (stcn links its
        # first mention only): jieba would cut it into keywords (时代, 年报).
        again = [
            (found.start(), found.end())
            for name in sorted(taken, key=len, reverse=True)
            if len(name) >= 2
            for found in re.finditer(re.escape(name), text, re.IGNORECASE)
        ]
        spans = [(m.start, m.end) for m in mentions] + bylines + listings + again
        rest = _without(text, sorted(spans))
        wanted = len(tags) + policy.keywords
        for word in _keywords.rank(rest, policy.keyword_method, policy._folded_stopwords):
            if len(tags) >= min(wanted, policy.max_tags):
                break
            # Without its accents, as Hexo names its page: another post's
            # Hermes and this one's Hermès had one page, listing one of them.
            # (A stop word so spelt is one still: Hermes of Hermès.)
            written = without_diacritics(word)
            if word.casefold() not in taken and written.casefold() not in policy._folded_stopwords:
                add(clean_tag(written))
    return tuple(tags)


def _stock_names(mentions: list[_Mention], policy: TagPolicy) -> dict[str, str | None]:
    """Code -> name, in order of first mention: the dictionary's first name
    for the code, else the name most links give it (of equals, the first)."""
    given: dict[str, Counter[str]] = {}
    for mention in mentions:
        votes = given.setdefault(mention.code, Counter())
        if mention.name:
            votes[mention.name] += 1
    named: dict[str, str | None] = {}
    for code, votes in given.items():
        listed = policy._names.get(code)
        named[code] = listed[0] if listed else max(votes, key=votes.__getitem__, default=None)
    return named


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the (sorted, maybe overlapping) spans cut out, a line break for each."""
    pieces: list[str] = []
    position = 0
    for start, end in spans:
        if start >= position:
            pieces.append(text[position:start])
        position = max(position, end)
    pieces.append(text[position:])
    return "\n".join(pieces)
