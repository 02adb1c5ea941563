"""Traditional Chinese as simplified, a character for one (pure).

Search and rules read text so: ``銀行`` is 银行, ``降準`` is 降准.
"""

from __future__ import annotations

import re
from functools import cache


def simplified(text: str) -> str:
    """``text`` with each traditional Chinese character as its simplified one,
    one character for one: ``中國人民銀行宣佈降準`` is 中国人民银行宣布降准.

    Hong Kong and Taiwan sources write traditional characters, the mainland's
    simplified: a search or a rule written either way finds both, and jieba
    (whose dictionary is simplified) cuts both alike.  A character at a time,
    not OpenCC's phrases, so that offsets stay (a snippet highlights the
    original text) and a query or pattern folds as the text does: ``乾隆`` and
    ``干隆`` are one word to the index, as ``Fed`` and ``fed`` are.
    """
    if _HAN.search(text) is None:  # (no table needed: English, or no text)
        return text
    pattern, table = _traditional()
    if pattern.search(text) is None:  # (a scan: most text holds none)
        return text
    return pattern.sub(lambda run: run[0].translate(table), text)


# Where OpenCC's characters are: the CJK blocks, their extension A, the
# compatibility ideographs, and extensions B to H.
_CJK = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00), (0x20000, 0x323B0))
# … as a regular expression's class ranges.
HAN_RANGES = "".join(f"{chr(start)}-{chr(end - 1)}" for start, end in _CJK)
_HAN = re.compile(f"[{HAN_RANGES}]")


@cache
def _traditional() -> tuple[re.Pattern[str], dict[int, str]]:
    """The characters OpenCC's ``t2s`` writes otherwise (else ``hk2s``: 衞 is
    卫 in Hong Kong's usage only), with what it writes — 5,126 of them in
    OpenCC 1.4 — and a pattern of where they may be.  Built in one call each
    (a line a character: no phrase spans two lines), in 50 ms: when search or
    a rule first needs it, or in the workers' forkserver (``preload``)."""
    import opencc

    chars = [chr(code) for start, end in _CJK for code in range(start, end)]
    lines = "\n".join(chars)
    general = opencc.OpenCC("t2s").convert(lines).split("\n")
    hong_kong = opencc.OpenCC("hk2s").convert(lines).split("\n")
    table: dict[int, str] = {}
    for char, first, second in zip(chars, general, hong_kong, strict=True):
        to = first if first != char else second
        if to != char and len(to) == 1:
            table[ord(char)] = to
    # Those of the BMP each on its own, not as ranges: a bitmap to the regex
    # engine.  Beyond it, a class of many ranges is scanned range by range
    # (1.4 ms a page, where the bitmap takes 9 µs): every run of characters
    # there (extension B on, emoji too) is translated.
    listed = "".join(chr(code) for code in sorted(table) if code < 0x10000)
    return re.compile(f"[{listed}\U00010000-\U0010ffff]+"), table


def simplified_table() -> dict[int, str]:
    """Each traditional character's code point → its simplified character."""
    return _traditional()[1]
