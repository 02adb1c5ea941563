"""Snippets and highlights in the original text (pure).

The index holds normalized, segmented tokens, useless to show.  Snippets are
made afterwards, in Python, from the stored text of the page of hits only
(twenty entries, not the ten thousand that matched): the text is segmented
again exactly as the index segmented it, so a highlight marks what the index
matched — 央行 in 中国央行, not in 中央行政 — and offsets are mapped back
through normalization to the characters as written (ＧＰＴ－５, Fed).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterator, Sequence

from feedmill.normalize.chars import joins
from feedmill.search.tokens import (
    ALNUM_RUN,
    HAN,
    MAX_TEXT,
    PIECE,
    SHOWS_NOTHING_RE,
    Lookup,
    Phrase,
    located_words,
    lookup,
    matches,
    normalize,
    parts,
    pieces,
)

Segment = tuple[str, bool]  # (text, is it a match)
Span = tuple[int, int]  # [start, end) in the original text

_RUN = re.compile(r"[\w+#&.%-]+")
_RUN_CHAR = re.compile(r"[\w+#&.%-]")
# Where a snippet would rather begin than mid-sentence.
_SENTENCE_END = frozenset("。！？；!?;…")
# What closes a quotation or an aside after its sentence's end (他说：“….”).
_CLOSING = frozenset("”’」』）)》〉】］]")
_OPENING = frozenset("“‘「『（(《〈【［[")
_QUOTES = frozenset("\"'")
_PAUSES = frozenset("，、,；;：:")
ELLIPSIS = "…"
# Only this much of a long article is searched for a snippet.
SNIPPET_SCAN = 50_000


def _normalized(text: str) -> tuple[str, list[Span] | None]:
    """normalize(text), and the span of the original each of its characters
    comes from (None: they are the same, character for character)."""
    whole = normalize(text)
    if (
        len(whole) == len(text)
        and not _MAY_COMPOSE.search(text)
        and not SHOWS_NOTHING_RE.search(text)
    ):
        # Nothing shrank (only composing does, and what shows nothing is
        # dropped), so nothing grew: one for one.
        return whole, None
    # NFKC or case folding changed lengths (ß → ss, ℃ → °c, e + ◌́ → é): a
    # cluster at a time — a character and what composes with it — as the
    # index normalizes the whole text.  A length kept in all was no proof of
    # one for one (℃ grows where é shrinks): highlights were shifted.
    out: list[str] = []
    origin: list[Span] = []
    for start, end in _clusters(text):
        mapped = normalize(text[start:end])
        out.append(mapped)
        origin.extend([(start, end)] * len(mapped))
    return "".join(out), origin


# What NFKC may compose with the character before it, shortening a text:
# combining marks, kana voicing marks (half-width too), Hangul vowel and
# final jamo (compatibility and half-width ones too), the vowel signs of
# Brahmic scripts (some compose though they combine with nothing) — whole
# blocks at a time; tests/test_search.py checks it against every code point.
# A text without any is normalized one character for one, or made longer.
_MAY_COMPOSE = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    "\u06d6-\u06ed\u0711\u0730-\u074a\u07eb-\u07fd\u0816-\u082d\u0859-\u085b"
    "\u0898-\u08ff\u0900-\u0dff\u0e31-\u0e4e\u0eb1-\u0ece\u0f18-\u0fc6\u1000-\u109f"
    "\u1161-\u11ff\u135d-\u135f\u1712-\u1734\u17b4-\u17dd\u18a9\u1920-\u193b"
    "\u1a17-\u1a7f\u1ab0-\u1aff\u1b00-\u1b73\u1b80-\u1bf3\u1c24-\u1c37\u1cd0-\u1cf9"
    "\u1dc0-\u1dff\u20d0-\u20f0\u2cef-\u2cf1\u2d7f\u2de0-\u2dff\u302a-\u302f"
    "\u3099\u309a\u3131-\u318e\ua66f-\ua69f\ua6f0\ua6f1\ua802-\ua82c\ua880-\ua8ff"
    "\ua926-\ua953\ua980-\ua9c0\uaa29-\uaa4d\uaab0-\uaac1\uaaeb-\uaaf6\uabe3-\uabed"
    "\ufb1e\ufe20-\ufe2f\uff9e\uff9f\uffa0-\uffdc"
    "\U000101fd\U000102e0\U00010376-\U0001037a\U00010a01-\U00010a3f\U00010ae5\U00010ae6"
    "\U00010d24-\U00010d27\U00010eab\U00010eac\U00010f46-\U00010f85\U00011000-\U00011fff"
    "\U00016af0-\U00016af4\U00016b30-\U00016b36\U00016f4f-\U00016ff1\U0001bc9d\U0001bc9e"
    "\U0001d165-\U0001d244\U0001e000-\U0001e02a\U0001e130-\U0001e136\U0001e2ae-\U0001e2ef"
    "\U0001e8d0-\U0001e8d6\U0001e944-\U0001e94a]"
)


def _clusters(text: str) -> Iterator[Span]:
    """A character with what may compose with it after it (`_MAY_COMPOSE`)."""
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or not _composes_back(text[index]):
            yield start, index
            start = index


def _composes_back(char: str) -> bool:
    return _MAY_COMPOSE.match(char) is not None


def match_spans(text: str, phrases: Collection[Phrase]) -> list[Span]:
    """Where the index finds the query's ``phrases`` in ``text``, as original offsets.

    As ``tokens.lookup`` says: where a phrase's pieces follow each other,
    inside longer words too (证券交易所 in 上海证券交易所); a one-word phrase
    also wherever the index holds its word (人民银行 in 中国人民银行).
    """
    if not text or not phrases:
        return []
    norm, origin = _normalized(text)
    lookups = [lookup(phrase) for phrase in phrases]
    if not any(_may_be_in(norm, found) for found in lookups):
        return []
    pattern = "|".join(map(re.escape, sorted(_wanted(phrases, lookups), key=len, reverse=True)))
    # jieba never puts a word across a space or punctuation (other than
    # + # & . _ % -): only the runs between them that hold a query token
    # (``_wanted``) need segmenting, and each segments as it does in the
    # whole text.
    # Between two such runs, any word at all is a stand-in no phrase crosses.
    tokens: list[tuple[str, int]] = []
    end = 0
    for hit in re.finditer(pattern, norm):
        if hit.start() < end:
            continue  # in the run just segmented
        start = hit.start()
        while start > 0 and _RUN_CHAR.match(norm, start - 1):
            start -= 1
        if tokens and PIECE.search(norm, end, start):
            tokens.append(("", -1))
        run = _RUN.match(norm, start)
        assert run is not None
        end = run.end()
        tokens.extend((value, start + at) for value, at in located_words(run.group()))
    found = _phrase_spans(tokens, lookups) + _word_spans(tokens, lookups)
    if origin is not None:
        found = [(origin[s][0], origin[e - 1][1]) for s, e in found]
    return _merge(found)


def _wanted(phrases: Collection[Phrase], lookups: Sequence[Lookup]) -> set[str]:
    """The tokens whose runs are segmented: the query's, and the pieces of
    its cut words — but of one character only where there is no longer one
    (新 of 新能源 is in most runs).  Only a phrase split by punctuation right
    there, 新，能源, then goes unmarked; nothing is marked falsely."""
    wanted = {token for phrase in phrases for token in phrase}
    for found in lookups:
        longer = {piece for piece in found.pieces if len(piece) > 1}
        wanted |= longer or set(found.pieces)
    return wanted


def _may_be_in(norm: str, found: Lookup) -> bool:
    """Could the text hold the phrase at all (every token of a way to find it)?"""
    whole = found.word is not None and found.word in norm
    return whole or (bool(found.pieces) and all(p in norm for p in found.pieces))


def _cut(tokens: Sequence[tuple[str, int]]) -> Iterator[tuple[str, int]]:
    """The words stream of located words: each word as its pieces, at their offsets."""
    for value, at in tokens:
        if not value:
            yield value, at  # the stand-in between runs
            continue
        start, offset = at, 0
        for piece in pieces(value):
            # (A decimal's pieces skip its points: 3.45 → 3 at 0, 45 at 2.)
            offset = value.find(piece, offset)
            yield piece, start + offset
            offset += len(piece)


def _phrase_spans(tokens: Sequence[tuple[str, int]], lookups: Sequence[Lookup]) -> list[Span]:
    """Where a phrase's pieces follow each other in the words stream."""
    starts: dict[str, list[Lookup]] = {}
    for want in lookups:
        if want.pieces:  # two pieces or more: only the last may be a prefix
            starts.setdefault(want.pieces[0], []).append(want)
    if not starts:
        return []
    stream = list(_cut(tokens))
    found: list[Span] = []
    for index, (piece, at) in enumerate(stream):
        for want in starts.get(piece, ()):
            window = stream[index : index + len(want.pieces)]
            if _follows(window, want):
                found.append((at, window[-1][1] + len(want.pieces[-1])))
    return found


def _follows(window: Sequence[tuple[str, int]], want: Lookup) -> bool:
    """Are these pieces the phrase's, the last perhaps the start of a longer one?"""
    if len(window) != len(want.pieces):
        return False
    *head, (last, _) = window
    return [t for t, _ in head] == list(want.pieces[:-1]) and matches(
        last, want.pieces[-1], want.prefix
    )


def _word_spans(tokens: Sequence[tuple[str, int]], lookups: Sequence[Lookup]) -> list[Span]:
    """Where a one-word phrase's word is any token the index holds for a word."""
    single = [(want.word, want.word_prefix) for want in lookups if want.word is not None]
    found: list[Span] = []
    for value, at in tokens if single else ():
        # Whatever the index holds for a word is part of it.
        if not any(word in value for word, _ in single):
            continue
        for held, offset in _held(value):
            for word, prefix in single:
                if matches(held, word, prefix):
                    found.append((at + offset, at + offset + len(word)))
    return found


def _held(value: str) -> Iterator[tuple[str, int]]:
    """Every token the index holds for the word ``value``, at its offsets in it:
    the word, its pieces, each occurrence of each of its parts."""
    if not value:
        return
    yield value, 0
    offset = 0
    for piece in pieces(value):
        offset = value.find(piece, offset)  # (past a decimal's point)
        yield piece, offset
        offset += len(piece)
    runs: set[tuple[int, str]] = set()
    for sub in parts(value):
        # A run of digits or letters is a part where it is one whole: the "30"
        # of 3130.30 is its decimals, not the end of 3130.  (A Chinese word
        # is one wherever it stands in the token.)
        whole = not HAN.search(sub)
        if whole and not runs:
            runs = {(run.start(), run[0]) for run in ALNUM_RUN.finditer(value)}
        offset = value.find(sub)
        while offset >= 0:
            if not whole or (offset, sub) in runs:
                yield sub, offset
            offset = value.find(sub, offset + 1)


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def segments(text: str, spans: Sequence[Span]) -> tuple[Segment, ...]:
    """``text`` cut into plain and matched segments."""
    out: list[Segment] = []
    at = 0
    for start, end in spans:
        if start > at:
            out.append((text[at:start], False))
        out.append((text[start:end], True))
        at = end
    if at < len(text):
        out.append((text[at:], False))
    return tuple(out)


def snippet(text: str, phrases: Collection[Phrase], width: int = 120) -> tuple[Segment, ...]:
    """About ``width`` characters of ``text`` around the most query phrases.

    The window holding the most distinct words wins (then the most matches,
    then the earliest); it starts at a sentence start when one is near, and
    "…" marks text left out on either side.  No match: the text's beginning.
    """
    spans = match_spans(text[:SNIPPET_SCAN], phrases)
    if not spans and len(text) > SNIPPET_SCAN:
        # Further in (the index reads up to MAX_TEXT), or the hit showed its
        # beginning, unmarked: from the first mention of a query word on,
        # window after window — a phrase may come much later than its first
        # word does (央行 in the first line, 央行降准 at the end).  Each
        # window takes in the last one's end: no match is cut at an edge.
        at = _first_mention(text, phrases)
        base = len(text) if at is None else max(at, SNIPPET_SCAN) - width
        while not spans and base < min(len(text), MAX_TEXT):
            found = match_spans(text[base : base + SNIPPET_SCAN], phrases)
            spans = [(s + base, e + base) for s, e in found]
            base += SNIPPET_SCAN - width
    if not spans or len(text) <= width:  # all of it fits: from its first word
        return _clip(text, 0, width, spans)
    lead = width // 4
    starts = [s for s, _ in spans]
    best: tuple[int, int, int] | None = None  # (-distinct, -count, start)
    for anchor in starts:
        start = max(0, anchor - lead)
        window = spans[bisect_left(starts, start) : bisect_right(starts, start + width)]
        inside = [(s, e) for s, e in window if e <= start + width]
        distinct = len({normalize(text[s:e]) for s, e in inside})  # (as the index reads them)
        key = (-distinct, -len(inside), start)
        if best is None or key < best:
            best = key
    assert best is not None
    start = best[2]
    first = next(s for s, _ in spans if s >= start)
    # Begin after the last sentence end before the first match, if there is one
    # — and after what closes that sentence's quotation (。” , ." ): no snippet
    # opens with it; where there is none, after a quotation or an aside that
    # ends near where the window begins (…力度”，).
    closing = _CLOSING
    for index in range(first - 1, start - 1, -1):
        if text[index] in _SENTENCE_END:
            begun = start
            start = index + 1
            if start < first and text[start] in _QUOTES:
                # A straight quote after an end closes the sentence's quotation
                # where that sentence opened one (an odd count), else it opens
                # the next.
                said = text[max(0, begun - width) : index]
                ends = [said.rfind(mark) for mark in _SENTENCE_END]
                if said[max(ends) + 1 :].count(text[start]) % 2:
                    start += 1
            break
    else:
        # (Only one whose opening is before the window: not 【快讯】 or “降准”
        # the window holds whole; nothing at the text's start.)
        reach = min(first, start + _QUOTE_REACH)
        ended = max((i for i in range(start, reach) if text[i] in _CLOSING), default=None)
        if ended is not None and start > 0 and not _OPENING.intersection(text[start:ended]):
            start, closing = ended + 1, _CLOSING | _PAUSES
        elif start == 0:
            closing = frozenset()
    while start < first and text[start] in closing:
        start += 1
    return _clip(text, start, width, spans)


# How far into a window a quotation's end is looked for where no sentence
# ends before the match (the window begins a character or two before it).
_QUOTE_REACH = 6


# How far a cut moves to keep a Latin word (or a character's marks, an emoji
# sequence) whole.
_WORD_REACH = 20


def continues(text: str, index: int) -> bool:
    """Does ``text[index]`` belong with the character before it: a combining
    mark, a variation selector, a skin tone, a joiner or what one joins (a
    family emoji cut there showed another), a flag's second letter, the rest
    of a Latin word or of a number (3.65%, 12,345)?"""
    if index <= 0 or index >= len(text):
        return False
    if joins(text, index):
        return True
    char, before = text[index], text[index - 1]
    if before.isascii() and char.isascii() and before.isalnum() and char.isalnum():
        return True
    # A number whole: 3.65 cut at its point showed 65, 12,345 showed 345.
    if char in _NUMBER_MARKS and _digit(before):
        return char in "%‰" or (index + 1 < len(text) and _digit(text[index + 1]))
    return _digit(char) and before in _NUMBER_MARKS and index >= 2 and _digit(text[index - 2])


_NUMBER_MARKS = frozenset(".,%‰")


def _digit(char: str) -> bool:
    return "0" <= char <= "9"


def _first_mention(text: str, phrases: Collection[Phrase]) -> int | None:
    """About where a phrase's first word first occurs in ``text`` (case-blind),
    if it does: no later than there."""
    # As the query is (`normalize`): NFKC, case-folded (gpt finds ＧＰＴ),
    # simplified (银行 finds 銀行), without what shows nothing (银\u200b行 is
    # 银行) — which moves places either way (… is ..., e + ◌́ is é, what shows
    # nothing goes).  Found in the whole text normalized, then looked for
    # where the text normalized piece by piece reaches that far: a piece's
    # end parts what would compose across it, so the pieces are never
    # shorter than the whole — the place found is never later.
    folded = normalize(text)
    found = [at for phrase in phrases if phrase and (at := folded.find(phrase[0])) >= 0]
    if not found:
        return None
    reach, start = min(found), 0
    while start < len(text) and len(piece := normalize(text[start : start + _PIECE])) <= reach:
        reach -= len(piece)
        start += _PIECE
    low, high = start, min(start + _PIECE, len(text))  # (by halves within the piece)
    while low < high:
        middle = (low + high) // 2
        if len(normalize(text[start:middle])) > reach:
            high = middle
        else:
            low = middle + 1
    return max(0, low - 1)


_PIECE = 4096


_HAN_CHAR = re.compile("[\u3400-\u9fff\uf900-\ufaff]")


def _word_start(text: str, start: int) -> int:
    """``start``, or the start of the Chinese word it falls inside, as jieba
    cuts the text around it: "…场报价利率" began a snippet inside 市场."""
    if not 0 < start < len(text) or not (
        _HAN_CHAR.match(text, start - 1) and _HAN_CHAR.match(text, start)
    ):
        return start
    import rjieba

    base = max(0, start - 8)
    for _, begin, end in rjieba.tokenize(text[base : start + 8], "default", False):
        if base + begin < start < base + end:
            return base + begin
    return start


def _clip(text: str, start: int, width: int, spans: Sequence[Span]) -> tuple[Segment, ...]:
    end = min(len(text), start + width)
    # Never cut a match in two — unless matches run on (a run of 我的天 × 60,000
    # merged into one made a snippet of the whole article): then the part shown
    # of it is marked.
    for s, e in spans:
        if s < end < e and e - end <= width // 2:
            end = e
    # Nor a word, a character and its marks or an emoji sequence, if one ends near.
    stop = min(len(text), end + _WORD_REACH)
    while end < stop and continues(text, end):
        end += 1
    reach = max(0, start - _WORD_REACH)
    while start > reach and continues(text, start):
        start -= 1
    start = _word_start(text, start)
    while start < end and text[start].isspace():
        start += 1
    inside = [
        (max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start
    ]
    out = list(segments(text[start:end].rstrip(), inside))
    if start > 0:
        out.insert(0, (ELLIPSIS, False))
    if end < len(text):
        out.append((ELLIPSIS, False))
    return tuple(out)


def marked(segs: Sequence[Segment], markers: tuple[str, str] = ("[", "]")) -> str:
    """Segments as one string, matches between ``markers``."""
    before, after = markers
    return "".join(f"{before}{t}{after}" if hit else t for t, hit in segs)
