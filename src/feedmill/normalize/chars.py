"""Characters text is read without: a module of its own, with few and small
regular expressions, for the modules that need it on every run (config's
category names, rules, YAML scalars) — normalize.text takes ~10 ms to load."""

from __future__ import annotations

import re
import unicodedata

# Characters drawn as nothing inside a word: soft hyphens, zero-width
# spaces and joiners, direction marks, variation selectors, Hangul fillers.
# A word split by one reads as the word ("推\u200b广" is 推广) to rules and search.
SHOWS_NOTHING = "".join(
    map(
        chr,
        [
            0xAD, 0x34F, 0x61C, 0x115F, 0x1160, *range(0x180B, 0x1810), 0x3164, 0xFFA0,
            *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2070),
            *range(0xFE00, 0xFE10), 0xFEFF,
        ],
    )
)  # fmt: skip


# What YAML (and XML) cannot carry: C0/C1 controls other than tab, LF and CR,
# DEL, lone surrogates, U+FFFE/U+FFFF and the BOM.
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufeff\ufffe\uffff]"
)


_C1 = re.compile("[\x80-\x84\x86-\x9f]")  # not U+0085 (NEL), a line break
_ANY_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")


def _cp1252(match: re.Match[str]) -> str:
    try:
        return bytes([ord(match.group(0))]).decode("cp1252")
    except UnicodeDecodeError:
        return ""


def strip_controls(text: str) -> str:
    """Remove the characters YAML cannot carry; keep bidi marks and joiners.

    C1 controls in feed text are nearly always windows-1252 punctuation read
    as latin-1 (0x92 for ’); they are mapped back as browsers do.
    """
    if not _ANY_BAD.search(text):
        return text
    if _C1.search(text):
        text = _C1.sub(_cp1252, text)
    return _UNPRINTABLE.sub("", text)


def collapse_space(text: str) -> str:
    return " ".join(text.split())


def joins(text: str, index: int) -> bool:
    """Does ``text[index]`` belong to the character before it, one symbol on
    the screen: a combining mark or variation selector, a skin tone, a joiner
    or what one joins (👨‍👩‍👧 is one), an emoji flag's tags, a flag's second
    letter?  A cut there shows another symbol (a man for a family)."""
    if index <= 0 or index >= len(text):
        return False
    char, before = text[index], text[index - 1]
    # (Variation selectors are marks too.)
    if unicodedata.category(char)[0] == "M":
        return True
    # A joiner joins emoji (👨‍👩): between two Chinese characters, as some
    # sites put it, it joins nothing.
    if char == "\u200d":
        return index + 1 < len(text) and pictographic(text[index + 1])
    if before == "\u200d":
        joined = text[index - 2] if index >= 2 else ""
        return bool(joined) and pictographic(char) and (joined == "\ufe0f" or pictographic(joined))
    if "\U0001f3fb" <= char <= "\U0001f3ff" or "\U000e0020" <= char <= "\U000e007f":
        return True  # a skin tone; an emoji flag's tags
    if regional(char) and regional(before):
        # A flag is a pair of letters: cut after an odd count, each later one is another.
        run = index - 1
        while run > 0 and regional(text[run - 1]):
            run -= 1
        return (index - run) % 2 == 1
    return False


def pictographic(char: str) -> bool:
    """An emoji or pictograph, roughly Unicode's Extended_Pictographic: what a
    zero-width joiner joins into one symbol."""
    code = ord(char)
    return 0x1F000 <= code <= 0x1FAFF or 0x2190 <= code <= 0x2BFF or code in (0x00A9, 0x00AE)


def regional(char: str) -> bool:
    """A flag's letter (two make a flag: 🇨 🇳 is 🇨🇳)."""
    return "\U0001f1e6" <= char <= "\U0001f1ff"
