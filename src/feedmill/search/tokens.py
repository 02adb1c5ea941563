"""Words for the full-text index, and the user's query as the same words (pure).

SQLite's ``unicode61`` tokenizer takes a run of Chinese characters for one
token, so ``央行`` is not found in "中国人民银行（央行）决定下调…".  We segment
with jieba (rjieba) and give the index words separated by spaces, in two
streams per field:

* **words** — jieba's precise mode, *without* the HMM, in text order, each
  word as the pieces it is made of (``pieces``): 中国人民银行 as 中国 人民
  银行, 300ETF as 300 etf.  Phrase queries run on this stream, the query cut
  the same way, so a phrase is found wherever its pieces follow each other —
  inside a longer word too: 证券交易所 (证券 交易 所) in 上海证券交易所,
  人民银行决定 in 中国人民银行决定, 沪深300 in 沪深300ETF.  Whole words would
  not line up: the phrase 证券 交易所 is no part of the one token
  上海证券交易所.  The HMM guesses new words from context, so the same
  characters segment differently in a query and in an article ("沪指涨0.85%"
  → 沪 / 指涨 with it, 沪 / 指 / 涨 without): of 2,000 phrases taken from the
  dedupe evaluation articles, a query finds its own article for 1,821 with
  it, for all without (benchmarks/search.py).
* **parts** — what else a word holds, for queries of one word: the word
  whole if it was cut into pieces (its prefixes stay searchable: 锂电 finds
  锂电池), the dictionary sub-words its pieces miss (人民银行 in
  中国人民银行) and the bare name of c++ / c#.  Of the 16,246 substring hits
  of the 3,000 commonest dictionary words there, the two streams find 92 %
  (whole words alone: 76 %); most of the rest are false substring hits
  (央行 in 中央行政, 本市 in 资本市场, 月经 in 8月经济).

The query is segmented the same way: a term typed without spaces is a phrase
of its words, so ``央行降准`` needs the two words side by side, while
``央行 降准`` needs both anywhere (``lookup`` says how each is found).
Segmentation uses jieba's default dictionary: adding words to it changes
both sides, so reindex after doing so (``index_version()`` records the
rjieba version the index was built with, and OpenCC's, whose characters
fold traditional Chinese to simplified on both sides).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, NamedTuple

from feedmill.htmltree import fragment
from feedmill.normalize.chars import SHOWS_NOTHING
from feedmill.normalize.chinese import simplified
from feedmill.normalize.text import LINE_BREAKING as _BLOCK
from feedmill.normalize.text import nfkc, strip_tags
from feedmill.sanitize.clean import in_the_line, says_nothing
from feedmill.sanitize.policy import DROP_WITH_CONTENT
from feedmill.sanitize.prepass import hidden

if TYPE_CHECKING:
    from lxml import etree

# Bumped when what index_tokens produces changes; stored with the index, so
# that `feedmill search` rebuilds an index made by an older scheme once.  (4:
# one made before may hold a `fulltext` item re-keyed while its page failed
# by the feed's teaser, not by the article its post shows.  5: text the post
# does not show — hidden, or in what the sanitizer drops — is not indexed.
# 6: a decimal number is one token, 2.1, not 2 and 1.  7: its digits in the
# words stream again, the decimal whole in the parts; display:none hidden.
# 8: a word a zero-width character splits is one; a picture's alt text, which
# themes show as its caption; an untitled item's title is the one its post shows.
# 9: not an alt text the post drops ("image.png", "图片"), nor what a frame,
# video or audio holds.  10: nor an emoticon's, which the post makes its title.
# 11: text after a page's </body> or </html> in an item's HTML.  12:
# traditional Chinese characters as simplified.)
_SCHEME = "12"


@cache
def index_version() -> str:
    """What the index is built with: this scheme and rjieba's version (its dictionary)."""
    return f"{_SCHEME}+rjieba-{_version('rjieba')}+opencc-{_version('opencc')}"


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:  # pragma: no cover - installed from source
        return "unknown"


# A token is a run of letters and digits, with a trailing + or # kept for
# C++, C#, F#, or a decimal (a query's, and the parts stream's).  The FTS5
# table is declared with ``tokenchars '+#.'`` so that SQLite splits nothing
# further: both backends see exactly these tokens.
PIECE = re.compile(r"\d+(?:\.\d+)+|[^\W_]+[+#]*")
# A number with a decimal point typed alone is looked for whole: 1.8 is not
# the 1 and 8 of 1-8月 (jieba cuts both 1 / . / 8).  The index holds each
# decimal of a text whole in its parts stream (2.5 of 2.5%, 3.5mm, Qwen2.5),
# its digits in the words stream as before (a phrase 利率3.45 is found as
# 利率 3 45).  (FTS5 keeps "." in a token: its tokenchars.)
_DECIMAL = re.compile(r"\d+(?:\.\d+)+")
# Its pieces side by side, as jieba leaves them joined by spaces (a space of
# the text would be a token of its own: two spaces or more).
_DECIMAL_CUT = re.compile(r"(?<![^ ])\d+(?: \. \d+)+(?![^ ])")
ALNUM_RUN = re.compile(r"\d+|[^\W\d_]+")
_HAN = r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
HAN = re.compile(_HAN)
_LATIN = rf"(?:(?!{_HAN})[^\W\d_])"  # a letter of any other script
# A token's runs of digits, of Chinese characters, of other letters.
_RUN = re.compile(rf"\d+|{_HAN}+|{_LATIN}+")
# The tokens that may have pieces or parts, among tokens separated by spaces:
# three characters or more, or a digit, + or #.  (jieba never joins Chinese
# to a Latin letter in fewer: a股 is a / 股.)
_MAY_HAVE_PARTS = re.compile(r"[^ ]{3,}|[^ ]*[\d+#][^ ]*")
# Longer tokens are base64, hashes or run-together URLs: noise, and
# PostgreSQL refuses lexemes over 2 kB.
MAX_TOKEN = 64
# Text beyond this is not indexed (a feed that inlines a whole book).
MAX_TEXT = 200_000


def normalize(text: str) -> str:
    """NFKC and casefold: full-width ``ＧＰＴ－５`` is ``gpt-5``, ``Fed`` is ``fed``;
    traditional Chinese as simplified (``銀行`` is 银行: ``chinese.simplified``);
    without what shows nothing (``推\u200b广`` is 推广, as the post shows it)."""
    folded = simplified(nfkc(text).casefold())
    if SHOWS_NOTHING_RE.search(folded) is None:  # (a scan: translate costs 20× more)
        return folded
    return SHOWS_NOTHING_RE.sub("", folded)


SHOWS_NOTHING_RE = re.compile(f"[{SHOWS_NOTHING}]")


# -- visible text of the stored HTML -------------------------------------------------------

# Elements whose text is no part of what a reader sees: what the sanitizer
# drops with its content (a <button>'s label, an <svg>'s text), ruby's notes,
# what a frame holds (the sanitizer empties it) and a player's fallback
# ("您的浏览器不支持视频播放": no browser of today shows it).
_SKIP = DROP_WITH_CONTENT | {"rp", "rt", "iframe", "video", "audio"}


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

    try:
        root = fragment(markup)
    except (etree.ParserError, ValueError):
        import html

        return " ".join(html.unescape(strip_tags(markup)).split())
    parts: list[str] = []
    _collect(root, parts)
    return " ".join("".join(parts).split())


def _collect(root: etree._Element, out: list[str]) -> None:
    """The text of ``root``'s tree in document order, blocks set apart by
    newlines; a loop, not recursion (markup may nest 2,048 deep)."""
    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    while stack:
        element, closing = stack.pop()
        tag = element.tag if isinstance(element.tag, str) else ""
        if closing:
            if tag in _BLOCK:
                out.append("\n")
            if element.tail and element is not root:
                out.append(element.tail)
            continue
        if not tag or tag in _SKIP or hidden(element):
            # (Hidden by its `hidden` attribute or its style: the post has none of it.)
            if element.tail and element is not root:
                out.append(element.tail)
            continue
        if tag in _BLOCK:
            out.append("\n")
        elif (
            tag == "img"
            and (alt := element.get("alt"))
            and not says_nothing(alt)
            and not in_the_line({str(k): str(v) for k, v in element.attrib.items()})
        ):
            # A caption, as themes show it (landscape does); not one the
            # post drops ("image.png", 掘金's every picture; "图片"), nor an
            # emoticon's, which the post makes its title ("[哈哈]").
            out.append(f"\n{alt}\n")
        if element.text:
            out.append(element.text)
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))


# -- the index side ------------------------------------------------------------------------


class IndexTokens(NamedTuple):
    """One field as the index stores it: space-separated tokens."""

    words: str  # the words' pieces in text order, for phrases
    parts: str  # what else the words hold, for single-word queries


def words(text: str) -> list[str]:
    """The tokens of normalized ``text``, in order (jieba precise mode, no HMM)."""
    return [piece for piece in _tokens(text) if len(piece) <= MAX_TOKEN]


def _tokens(text: str, *, decimals: bool = False) -> list[str]:
    """``words``, long ones too; with ``decimals``, a number's digits and
    points as one token (2.5, not 2 and 5: a query's)."""
    import rjieba  # here: loading its dictionary takes most of a second

    cut: list[str] = rjieba.cut(text, False)
    if _ACCENTED.search(text):
        cut = _rejoined(cut)
    # One regex pass over the words joined by spaces (no piece spans a space):
    # a Python loop over every word would cost three times jieba's own time.
    joined = " ".join(cut)
    if decimals and "." in text:
        joined = _DECIMAL_CUT.sub(_decimal, joined)
    found: list[str] = PIECE.findall(joined)
    return found


def _decimal(cut: re.Match[str]) -> str:
    return cut.group().replace(" . ", ".")


# jieba keeps runs of ASCII letters and digits whole, and yields every other
# character outside Chinese on its own: "café" came as caf / é, "Газпрома" as
# eight letters, each word a phrase of letters — and PostgreSQL keeps 256
# positions of a token, so a word late in a long Russian article was not
# found there.  Words of the scripts that space their words (Latin, Greek,
# Cyrillic, Armenian, Hebrew, Arabic, Georgian) are rejoined; kana, Hangul
# and Thai stay cut as jieba cuts them (Korean particles join their word:
# 한국은행 is found in 한국은행이 as a phrase of its letters).
_SPACED_LETTERS = (
    "\u00c0-\u024f"  # Latin-1 and Latin Extended (é, ñ, ß, ł)
    "\u0370-\u03ff\u0400-\u052f"  # Greek, Cyrillic
    "\u0531-\u0587\u05d0-\u05ea\u0620-\u064a"  # Armenian, Hebrew, Arabic
    "\u10a0-\u10ff\u1e00-\u1fff"  # Georgian, Latin and Greek Extended
)
_ACCENTED = re.compile(f"[{_SPACED_LETTERS}]")
# Scripts of languages that inflect a word's ending (Russian, Greek, Hebrew,
# Arabic …): a word typed may begin the form the text has.  Not Latin: "fed"
# must not find "federal".
_INFLECTED = re.compile(
    "[\u0370-\u03ff\u0400-\u052f\u0531-\u0587\u05d0-\u05ea\u0620-\u064a\u10a0-\u10ff\u1f00-\u1fff]"
)
_SPACED_WORD = re.compile(f"[0-9a-z{_SPACED_LETTERS}]+")


def _rejoined(cut: list[str]) -> list[str]:
    """jieba's tokens with neighbours of a word of a spaced script joined
    (caf + é → café; ktv + bar stays two: what jieba made of ASCII alone)."""
    out: list[str] = []
    joins_next = False
    for token in cut:
        joins = _SPACED_WORD.fullmatch(token) is not None
        if joins and joins_next and (_ACCENTED.search(token) or _ACCENTED.search(out[-1])):
            out[-1] += token
        else:
            out.append(token)
        joins_next = joins
    return out


def located_words(text: str) -> Iterator[tuple[str, int]]:
    """The tokens of normalized ``text`` with their offsets: the same as ``words``."""
    import rjieba

    found: list[tuple[str, int, int]] = rjieba.tokenize(text, "default", False)
    if _ACCENTED.search(text):
        found = _rejoined_located(found)
    if "." in text:
        found = _decimals_located(text, found)
    for word, start, _ in found:
        for match in PIECE.finditer(word):
            piece = match.group()
            if len(piece) <= MAX_TOKEN:
                yield piece, start + match.start()


def _rejoined_located(found: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """`_rejoined` of (token, start, end) as rjieba.tokenize gives them."""
    words = _rejoined([token for token, _, _ in found])
    out: list[tuple[str, int, int]] = []
    at = 0
    for word in words:
        start = found[at][1]
        end = start + len(word)
        out.append((word, start, end))
        while at < len(found) and found[at][1] < end:
            at += 1
    return out


def _decimals_located(text: str, found: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """(token, start, end) with each decimal of ``text`` one token (2 . 5mm →
    2.5, mm; qwen2 . 5 → qwen, 2.5), as the index's parts hold it."""
    spans = [m.span() for m in _DECIMAL.finditer(text)]
    if not spans:
        return found
    out: list[tuple[str, int, int]] = []
    at = 0
    for index, (begin, end) in enumerate(spans):
        following = spans[index + 1][0] if index + 1 < len(spans) else len(text)
        while at < len(found) and found[at][2] <= begin:
            out.append(found[at])
            at += 1
        if at < len(found) and found[at][1] < begin:  # "qwen" of qwen2
            out.append((text[found[at][1] : begin], found[at][1], begin))
        out.append((text[begin:end], begin, end))
        while at < len(found) and found[at][1] < end:
            if found[at][2] > end:  # "mm" of 5mm; "x" of 1.5x2.5 (its 2 is the next's)
                stop = min(found[at][2], following)
                out.append((text[end:stop], end, stop))
            at += 1
    out.extend(found[at:])
    return out


@lru_cache(maxsize=1 << 16)
def pieces(token: str) -> tuple[str, ...]:
    """What a token is made of, in order: what the words stream holds for it.

    A Chinese word is cut into the dictionary words it is made of, down to
    words no shorter one makes up (中国人民银行 → 中国, 人民, 银行; 交易所 →
    交易, 所; 麦当劳 stays whole); a mixed token into its runs of digits and
    letters (300etf → 300, etf; iphone15pro → iphone, 15, pro).  c++ and c#
    stay whole: a name, not a letter; so do tokens the index takes whole
    (two characters, no digit).
    """
    if token.endswith(("+", "#")) or not _MAY_HAVE_PARTS.fullmatch(token):
        return (token,)
    out: list[str] = []
    for run in _RUN.findall(token):
        out.extend(_compound(run) if HAN.match(run) else (run,))
    return tuple(out)


@lru_cache(maxsize=1 << 16)
def _compound(word: str) -> tuple[str, ...]:
    """A Chinese word as the shortest dictionary words it is made of.

    Of the ways to cut it into shorter dictionary words and single
    characters, the one that leaves fewest characters single, then has
    fewest pieces, then the longest first piece; each piece cut again.  A
    word that holds no shorter word of two characters or more stays whole.
    The cut depends on the word alone, so a query word cuts as it does
    inside a longer word of the text.
    """
    import rjieba

    n = len(word)
    if n < 3:
        return (word,)
    # best[i]: (characters in pieces of two or more, -pieces, pieces) for word[i:]
    best: list[tuple[int, int, tuple[str, ...]]] = [(0, 0, ())] * (n + 1)
    for start in range(n - 1, -1, -1):
        options = []
        for end in range(n, start, -1):  # longest first: max() keeps the first of equals
            size = end - start
            if size == 1 or (size < n and rjieba.has_word(word[start:end])):
                covered, count, rest = best[end]
                covered += size if size > 1 else 0
                options.append((covered, count - 1, (word[start:end], *rest)))
        best[start] = max(options, key=lambda option: option[:2])
    covered, _, cut = best[0]
    if not covered:
        return (word,)
    return tuple(piece for part in cut for piece in _compound(part))


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
    runs = ALNUM_RUN.findall(bare)
    if len(runs) > 1:
        found.extend(runs)
    n = len(bare)
    if n > 2 and HAN.search(bare):
        for start in range(n - 1):
            for end in range(start + 2, n + 1):
                if end - start < n and rjieba.has_word(bare[start:end]):
                    found.append(bare[start:end])
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=1 << 16)
def _streams(token: str) -> tuple[str, tuple[str, ...]]:
    """What the words and the parts streams hold for a token: its pieces;
    the token whole if cut, and its sub-words that are none of its pieces.
    Nothing for a token longer than ``MAX_TOKEN``."""
    if len(token) > MAX_TOKEN:
        return "", ()
    cut = pieces(token)
    whole = (token,) if cut != (token,) else ()
    return " ".join(cut), whole + tuple(p for p in parts(token) if p not in cut)


def index_tokens(text: str) -> IndexTokens:
    """``text`` (plain text, any case or width) as the index stores it."""
    held: list[str] = []

    def cut(token: re.Match[str]) -> str:
        stream, extra = _streams(token.group())
        held.extend(extra)
        return stream

    # Only tokens of three characters or more, or with a digit, + or #, can
    # have pieces or parts (or be too long): found and replaced by one regex
    # pass rather than a test of every token.
    normalized = normalize(text[:MAX_TEXT])
    joined = " ".join(_tokens(normalized))
    words_stream = _MAY_HAVE_PARTS.sub(cut, joined)
    if "." in normalized:  # each decimal whole, for a query of one (see _DECIMAL)
        held.extend(d for d in dict.fromkeys(_DECIMAL.findall(normalized)) if len(d) <= MAX_TOKEN)
    return IndexTokens(words_stream, " ".join(held))


# -- the query side ------------------------------------------------------------------------

Phrase = tuple[str, ...]  # tokens that must follow each other; one token: anywhere


class Lookup(NamedTuple):
    """How the index finds a phrase; both backends and the snippets follow it.

    Its ``pieces`` side by side in a words stream (title or body), the last
    perhaps only the start of a longer piece (``prefix``) — or, for a phrase
    of one word, that ``word`` as any token of any stream, or the start of
    one (``word_prefix``).  No ``pieces``: the word is its only piece, and
    looking it up says it all.
    """

    pieces: tuple[str, ...]
    prefix: bool
    word: str | None = None
    word_prefix: bool = False


def lookup(phrase: Phrase) -> Lookup:
    """How the index finds ``phrase`` (a non-empty tuple of query tokens).

    A Chinese word typed last may also begin a longer word, as jieba joins
    what follows a typed term into longer words: 锂 is in 锂电池 (锂电 池),
    人民币兑美 in 人民币兑美元.  A Latin word is no such start (``fed`` must
    not find "federal"), nor a number (``300`` not 300024), nor the last
    piece of a word cut into pieces: 交易所 (交易 所) must not find
    交易所得税 (交易 所得 税), where 所 begins another word — though a query
    of that one word finds it at the start of a longer word through the
    parts stream (科技股 in 科技股份).
    """
    last = phrase[-1]
    if len(phrase) == 1 and _DECIMAL.fullmatch(last):
        # Whole, as the parts stream holds it: not its digits side by side
        # (1.8 is not the 1-8 of 1-8月).
        return Lookup((), False, last, False)
    chinese = bool(HAN.match(last[-1]))
    # A word of a language that inflects its words, typed last, may begin
    # the form the text has: Газпром in Газпрома, Ελλάδ in Ελλάδα.
    inflected = last.isalpha() and _INFLECTED.search(last) is not None
    cut = tuple(piece for token in phrase for piece in pieces(token))
    prefix = (chinese and pieces(last) == (last,)) or inflected
    if len(phrase) > 1:
        return Lookup(cut, prefix)
    if cut == phrase:
        return Lookup((), False, last, chinese or inflected)
    return Lookup(cut, prefix, last, chinese or inflected)


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
    unindexed: bool = False  # a term held a word no index holds: nothing can match

    @property
    def empty(self) -> bool:
        """Nothing to look for: an empty query, only exclusions or
        punctuation, or a word the index cannot hold (see ``query_tokens``)."""
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
      word (see ``lookup``);
    * ``-term`` or ``-"a phrase"`` excludes.

    Everything else — ``*``, ``^``, ``OR``, ``NEAR(``, ``col:`` — is text:
    punctuation is dropped and words become plain tokens, so no input is
    query syntax to the database.  A word longer than ``MAX_TOKEN`` is in no
    index: a term that holds one finds nothing, so neither does the query;
    excluded, it excludes nothing.
    """
    include: list[Phrase] = []
    exclude: list[Phrase] = []
    for match in _TERM.finditer(normalize(query).translate(_QUOTES)):
        sign, quoted, bare = match.groups()
        phrase = tuple(_tokens(quoted if quoted is not None else bare, decimals=True))
        if any(len(token) > MAX_TOKEN for token in phrase):
            if sign:
                continue
            return QueryTerms(unindexed=True)
        target = exclude if sign else include
        if phrase and phrase not in target:
            target.append(phrase)
    return QueryTerms(tuple(include), tuple(exclude))
