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
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Sequence

from feedmill.search.tokens import PIECE, Phrase, located_words, matches, open_ended, parts

Segment = tuple[str, bool]  # (text, is it a match)
Span = tuple[int, int]  # [start, end) in the original text

_RUN = re.compile(r"[\w+#&.%-]+")
_RUN_CHAR = re.compile(r"[\w+#&.%-]")
# Where a snippet would rather begin than mid-sentence.
_SENTENCE_END = frozenset("。！？；!?;…")
ELLIPSIS = "…"
# Only this much of a long article is searched for a snippet.
SNIPPET_SCAN = 50_000


def _normalized(text: str) -> tuple[str, list[int] | None]:
    """normalize(text), and the original index of each of its characters
    (None: they are the same, character for character)."""
    whole = unicodedata.normalize("NFKC", text).casefold()
    if len(whole) == len(text):
        return whole, None
    # NFKC or casefolding changed lengths (ß → ss, ㈱ → (株)): one character at a time.
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        mapped = unicodedata.normalize("NFKC", char).casefold()
        out.append(mapped)
        origin.extend([index] * len(mapped))
    return "".join(out), origin


def match_spans(text: str, phrases: Collection[Phrase]) -> list[Span]:
    """Where the index finds the query's ``phrases`` in ``text``, as original offsets.

    A one-word phrase is marked wherever the index has it, inside a longer
    word too (银行 in 中国人民银行); a longer one only where its words follow
    each other.
    """
    if not text or not phrases:
        return []
    norm, origin = _normalized(text)
    if not any(all(token in norm for token in phrase) for phrase in phrases):
        return []
    # A one-word phrase: its word, and whether it is open-ended (see tokens.open_ended).
    single = {phrase[0]: open_ended(phrase) for phrase in phrases if len(phrase) == 1}
    longer: dict[str, list[Phrase]] = {}
    for phrase in phrases:
        if len(phrase) > 1:
            longer.setdefault(phrase[0], []).append(phrase)
    wanted = sorted({token for phrase in phrases for token in phrase}, key=len, reverse=True)
    # jieba never puts a word across a space or punctuation (other than
    # + # & . _ % -): only the runs between them that hold a query token
    # need segmenting, and each segments as it does in the whole text.
    # Between two such runs, any word at all is a stand-in no phrase crosses.
    tokens: list[tuple[str, int]] = []
    end = 0
    for hit in re.finditer("|".join(map(re.escape, wanted)), norm):
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
    found: list[Span] = []
    for index, (value, at) in enumerate(tokens):
        for phrase in longer.get(value, ()):
            following = tokens[index : index + len(phrase)]
            if len(following) == len(phrase) and _follows(following, phrase):
                found.append((at, following[-1][1] + len(phrase[-1])))
        word = _single_hit(value, single)
        if word:
            found.append((at, at + len(word)))
            continue
        for sub in parts(value) if value else ():
            word = _single_hit(sub, single)
            if word:
                offset = value.find(sub)
                while offset >= 0:
                    found.append((at + offset, at + offset + len(word)))
                    offset = value.find(sub, offset + 1)
    if origin is not None:
        found = [(origin[s], origin[e - 1] + 1) for s, e in found]
    return _merge(found)


def _follows(tokens: Sequence[tuple[str, int]], phrase: Phrase) -> bool:
    """Are ``tokens`` the phrase, its last word perhaps the start of a longer one?"""
    *head, (last, _) = tokens
    return [t for t, _ in head] == list(phrase[:-1]) and matches(
        last, phrase[-1], open_ended(phrase)
    )


def _single_hit(value: str, single: dict[str, bool]) -> str | None:
    """The one-word phrase the indexed word ``value`` answers, if any."""
    if value in single:
        return value
    for token, prefix in single.items():
        if prefix and value.startswith(token):
            return token
    return None


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
    text = text[:SNIPPET_SCAN]
    spans = match_spans(text, phrases)
    if not spans:
        return _clip(text, 0, width, [])
    lead = width // 4
    starts = [s for s, _ in spans]
    best: tuple[int, int, int] | None = None  # (-distinct, -count, start)
    for anchor in starts:
        start = max(0, anchor - lead)
        window = spans[bisect_left(starts, start) : bisect_right(starts, start + width)]
        inside = [(s, e) for s, e in window if e <= start + width]
        distinct = len({text[s:e].casefold() for s, e in inside})
        key = (-distinct, -len(inside), start)
        if best is None or key < best:
            best = key
    assert best is not None
    start = best[2]
    first = next(s for s, _ in spans if s >= start)
    # Begin after the last sentence end before the first match, if there is one.
    for index in range(first - 1, start - 1, -1):
        if text[index] in _SENTENCE_END:
            start = index + 1
            break
    return _clip(text, start, width, spans)


def _clip(text: str, start: int, width: int, spans: Sequence[Span]) -> tuple[Segment, ...]:
    end = min(len(text), start + width)
    # Never cut a match in two.
    for s, e in spans:
        if s < end < e:
            end = e
    while start < end and text[start].isspace():
        start += 1
    inside = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
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
