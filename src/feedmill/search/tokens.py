"""Words for the full-text index, and the user's query as the same words (pure).

SQLite's ``unicode61`` tokenizer takes a run of Chinese characters for one
token, so ``央行`` is not found in "中国人民银行（央行）决定下调…".  We segment
with jieba (rjieba) and give the index words separated by spaces, in two
streams per field:

* **words** — jieba's precise mode, *without* the HMM, in text order: the
  stream phrase queries run on.  The HMM guesses new words from context, so
  the same characters segment differently in a query and in an article
  ("沪指涨0.85%" → 沪 / 指涨 with it, 沪 / 指 / 涨 without): of 2,000
  phrases taken from the dedupe evaluation articles, a query finds its own
  article for 1,821 with it, for all without (benchmarks/search.py).
* **parts** — what a long word contains: its dictionary sub-words
  (中国人民银行 → 人民银行, 银行, 人民 …) and the letter and digit runs of a
  mixed token (sz300024 → sz, 300024).  They let ``银行`` find 中国人民银行
  without breaking phrase adjacency in ``words``.  Of the 16,246 substring
  hits of the 3,000 commonest dictionary words there, they raise the share
  the index agrees with from 76 % to 92 %; most of the rest are false
  substring hits (央行 in 中央行政, 本市 in 资本市场, 月经 in 8月经济).

The query is segmented the same way: a term typed without spaces is a phrase
of its words, so ``央行降准`` needs the two words side by side, while
``央行 降准`` needs both anywhere.  Segmentation uses jieba's default
dictionary: adding words to it changes both sides, so reindex after doing so
(``index_version()`` records the rjieba version the index was built with).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from lxml import etree

# Bumped when what index_tokens produces changes; stored with the index.
_SCHEME = "1"


@cache
def index_version() -> str:
    """What the index is built with: this scheme and rjieba's version (its dictionary)."""
    try:
        rjieba = version("rjieba")
    except PackageNotFoundError:  # pragma: no cover - installed from source
        rjieba = "unknown"
    return f"{_SCHEME}+rjieba-{rjieba}"


# A token is a run of letters and digits, with a trailing + or # kept for
# C++, C#, F#.  The FTS5 table is declared with ``tokenchars '+#'`` so that
# SQLite splits nothing further: both backends see exactly these tokens.
PIECE = re.compile(r"[^\W_]+[+#]*")
_ALNUM_RUN = re.compile(r"\d+|[^\W\d_]+")
_MAY_HAVE_PARTS = re.compile(r"[^ ]{3,}|[^ ]*[\d+#][^ ]*")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
# Longer tokens are base64, hashes or run-together URLs: noise, and
# PostgreSQL refuses lexemes over 2 kB.
MAX_TOKEN = 64
# Text beyond this is not indexed (a feed that inlines a whole book).
MAX_TEXT = 200_000


def normalize(text: str) -> str:
    """NFKC and casefold: full-width ``ＧＰＴ－５`` is ``gpt-5``, ``Fed`` is ``fed``."""
    return unicodedata.normalize("NFKC", text).casefold()


# -- visible text of the stored HTML -------------------------------------------------------

# Elements whose text is no part of what a reader sees.
_SKIP = frozenset({"script", "style", "noscript", "template", "rp", "rt", "head", "title"})
# Elements that break a line: their text must not run into the neighbour's
# ("…季度</p><p>营收…" is not the word 度营).
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div",
        "dl", "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
        "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
_TAG = re.compile(r"<[^>]*>")


def visible_text(markup: str) -> str:
    """What a reader sees of sanitized HTML, on one line.

    Inline tags join their text to the neighbours' (``<b>央</b>行`` is 央行);
    block elements and ``<br>`` separate.
    """
    if "<" not in markup and "&" not in markup:
        return " ".join(markup.split())
    if not markup.strip():
        return ""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        root = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        import html

        return " ".join(html.unescape(_TAG.sub(" ", markup)).split())
    parts: list[str] = []
    _collect(root, parts)
    return " ".join("".join(parts).split())


def _collect(element: etree._Element, out: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag and tag not in _SKIP:
        block = tag in _BLOCK
        if block:
            out.append("\n")
        if element.text:
            out.append(element.text)
        for child in element:
            _collect(child, out)
        if block:
            out.append("\n")
    if element.tail:
        out.append(element.tail)


# -- the index side ------------------------------------------------------------------------


class IndexTokens(NamedTuple):
    """One field as the index stores it: space-separated tokens."""

    words: str  # in text order, for phrases
    parts: str  # sub-words of long words, for single-word queries


def words(text: str) -> list[str]:
    """The tokens of normalized ``text``, in order (jieba precise mode, no HMM)."""
    import rjieba  # here: loading its dictionary takes most of a second

    # One regex pass over the words joined by spaces (no piece spans a space):
    # a Python loop over every word would cost three times jieba's own time.
    found = PIECE.findall(" ".join(rjieba.cut(text, False)))
    return [piece for piece in found if len(piece) <= MAX_TOKEN]


def located_words(text: str) -> Iterator[tuple[str, int]]:
    """The tokens of normalized ``text`` with their offsets: the same as ``words``."""
    import rjieba

    for word, start, _ in rjieba.tokenize(text, "default", False):
        for match in PIECE.finditer(word):
            piece = match.group()
            if len(piece) <= MAX_TOKEN:
                yield piece, start + match.start()


@lru_cache(maxsize=1 << 16)
def parts(token: str) -> tuple[str, ...]:
    """What a token contains that a query may ask for on its own.

    Dictionary words inside a Chinese word (中国人民银行 → 中国, 人民, 银行,
    人民银行 …), the letter and digit runs of a mixed token (iphone15 →
    iphone, 15) and the bare name of c++ / c#.
    """
    import rjieba

    found: list[str] = []
    bare = token.rstrip("+#")
    if bare != token:
        found.append(bare)
    runs = _ALNUM_RUN.findall(bare)
    if len(runs) > 1:
        found.extend(runs)
    n = len(bare)
    if n > 2 and _CJK.search(bare):
        for start in range(n - 1):
            for end in range(start + 2, n + 1):
                if end - start < n and rjieba.has_word(bare[start:end]):
                    found.append(bare[start:end])
    return tuple(dict.fromkeys(found))


def index_tokens(text: str) -> IndexTokens:
    """``text`` (plain text, any case or width) as the index stores it."""
    joined = " ".join(words(normalize(text[:MAX_TEXT])))
    # Only tokens of three characters or more, or with a digit, + or #, can
    # have parts: found by one regex pass rather than a test of every token.
    sub = [p for t in _MAY_HAVE_PARTS.findall(joined) for p in parts(t)]
    return IndexTokens(joined, " ".join(sub))


# -- the query side ------------------------------------------------------------------------

Phrase = tuple[str, ...]  # tokens that must follow each other; one token: anywhere


def open_ended(phrase: Phrase) -> bool:
    """Does the phrase's last token also match the start of a longer indexed word?

    Yes when it ends in a Chinese character.  jieba joins what follows a
    typed term into longer words: 人民币兑美元 is 人民币/兑/美元 typed, but
    人民币/兑/美元汇率 in "人民币兑美元汇率中间价", and 锂 is inside 锂电池.
    A Chinese word is the start of such a compound; a Latin one is not
    (``fed`` must not find "federal"), nor a number (``300`` not 300024).
    """
    return bool(phrase) and bool(_CJK.match(phrase[-1][-1]))


def matches(indexed: str, token: str, prefix: bool) -> bool:
    """Does the indexed word ``indexed`` answer the query's ``token``?"""
    return indexed == token or (prefix and indexed.startswith(token))


# Chinese and full-width quotation marks count as quotes too.
_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "『": '"', "』": '"'})
_TERM = re.compile(r'(-?)(?:"([^"]*)(?:"|$)|([^\s"]+))')


@dataclass(frozen=True, slots=True)
class QueryTerms:
    """A parsed query: every ``include`` phrase must match, no ``exclude`` phrase may."""

    include: tuple[Phrase, ...] = ()
    exclude: tuple[Phrase, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing to look for (an empty query, or only exclusions or punctuation)."""
        return not self.include

    @property
    def words(self) -> frozenset[str]:
        """Every token the query looks for."""
        return frozenset(token for phrase in self.include for token in phrase)


def query_tokens(query: str) -> QueryTerms:
    """Parse what the user typed.

    * terms separated by spaces must all match;
    * a term is a phrase of its words: ``央行降准`` needs 央行 right before 降准;
    * ``"央行 降准"`` (also “…” or 「…」) is one phrase, spaces and all;
    * a phrase's last word, if Chinese, also matches the start of a longer
      word (see ``open_ended``);
    * ``-term`` or ``-"a phrase"`` excludes.

    Everything else — ``*``, ``^``, ``OR``, ``NEAR(``, ``col:`` — is text:
    punctuation is dropped and words become plain tokens, so no input is
    query syntax to the database.
    """
    include: list[Phrase] = []
    exclude: list[Phrase] = []
    for match in _TERM.finditer(normalize(query).translate(_QUOTES)):
        sign, quoted, bare = match.groups()
        phrase = tuple(words(quoted if quoted is not None else bare))
        if not phrase:
            continue
        target = exclude if sign else include
        if phrase not in target:
            target.append(phrase)
    return QueryTerms(tuple(include), tuple(exclude))
