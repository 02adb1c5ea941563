"""Bytes to text: which encoding is a feed really in?

Order of evidence:

1. a byte-order mark;
2. the XML spec's autodetection of UTF-16/32 without a BOM;
3. valid UTF-8 — declarations that contradict bytes which are valid, non-ASCII
   UTF-8 are far more often wrong than the bytes (a random GBK text is almost
   never valid UTF-8);
4. the HTTP charset and the XML declaration, each tried strictly — a
   multi-byte CJK claim before a single-byte one, which decodes any bytes:
   servers (Tomcat, many Apache setups) label everything ISO-8859-1;
5. where none decodes them whole: UTF-8 valid but for a few bytes (a stray
   byte), those bytes replaced; detection with charset-normalizer where it
   names an encoding of several bytes a character; a CJK claim the bytes
   nearly fit, where its text reads as its language (CJK encodings read
   nearly any pairs of high bytes); detection of any kind;
6. detection too when the only claim is Latin-1 and the bytes are a CJK
   encoding.

A UTF-8 byte-order mark before bytes that are GBK (or another CJK encoding)
is a false one.

GBK and GB2312 are read as GB18030, their superset: servers label GB18030
text as GB2312 all the time, and the superset decodes both.
"""

from __future__ import annotations

import codecs
import functools
import itertools
import re
from dataclasses import dataclass

_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?\?>", re.IGNORECASE)
_DECL_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""", re.IGNORECASE)
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_NO_BOM_UTF = (
    (b"\x3c\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00\x3c", "utf-32-be"),
    (b"\x3c\x00\x3f\x00", "utf-16-le"),
    (b"\x00\x3c\x00\x3f", "utf-16-be"),
    # No declaration either: "<r" of <rss>. No ASCII-based encoding starts so.
    (b"\x3c\x00", "utf-16-le"),
    (b"\x00\x3c", "utf-16-be"),
)
_SUPERSETS = {
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
    # Browsers read latin-1 labels as windows-1252, a superset.
    "iso8859-1": "cp1252",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
}


# Multi-byte encodings (codecs' names): bytes in another encoding rarely
# decode in these, so a claim of one that decodes strictly is believed first.
_CJK_MULTIBYTE = frozenset(
    [
        "gb18030",
        "gbk",
        "gb2312",
        "big5",
        "big5hkscs",
        "cp950",
        "shift_jis",
        "cp932",
        "shift_jis_2004",
        "shift_jisx0213",
        "euc_jp",
        "euc_jis_2004",
        "euc_jisx0213",
        "euc_kr",
        "cp949",
        "johab",
    ]
)
_LATIN_1 = "cp1252"


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str  # what the text was decoded from
    declared: str | None  # what the document or server claimed, if anything
    note: str | None = None  # set when the claim and the bytes disagreed


# Labels whose WHATWG reading is not the XML one: "utf-16" without a BOM is
# big-endian to XML, little-endian to a browser; the two others are no codec.
_NOT_AS_BROWSERS = frozenset({"utf-16le", "utf-16be", "replacement", "x-user-defined"})
# The encodings browsers read big5, shift_jis and euc-kr as (HKSCS,
# Windows-31J, Windows-949): text so labelled uses their characters (恒, ①,
# 똠), which the standard codecs refuse.  Tried where the standard one
# fails, not first: they read more byte pairs, and a wrong label's bytes
# (UTF-8 or Latin-1 under shift_jis) failed the standard codec somewhere.
_WIDER = {"big5": "big5hkscs", "shift_jis": "cp932", "euc_kr": "cp949"}
_BY_BROWSERS = {wider: base for base, wider in _WIDER.items()}
# What a wider codec reads bytes that are no character as: C1 controls
# (cp932's 0x80), the private-use area (its 0xA0, 0xFD-0xFF, user-defined
# rows) — never a news text's.
_NO_TEXT = re.compile("[\x80-\x9f\ue000-\uf8ff]")


def canonical(name: str | None) -> str | None:
    """A codec name Python knows, widened to its superset; None if unknown.

    A label Python does not know is read as browsers read it (the WHATWG
    Encoding Standard's labels, by webencodings): "cn-big5", "x-sjis",
    "windows-31j" or "csgb2312" was no label, and such a feed's text was
    detected, garbled where it was short."""
    if not name:
        return None
    name = name.strip().strip("'\"").lower()
    if name in _SUPERSETS:
        return _SUPERSETS[name]
    try:
        info = codecs.lookup(name)
    except LookupError:
        import webencodings

        web = webencodings.lookup(name)
        if web is None or web.name in _NOT_AS_BROWSERS:
            return None
        codec = codecs.lookup(web.codec_info.name).name
        codec = _BY_BROWSERS.get(codec, codec)  # (the standard codec first, as for "big5")
        return _SUPERSETS.get(codec, codec)
    # codecs.lookup normalises aliases (gb2312 -> gb2312, latin1 -> iso8859-1 …)
    for alias in (name, info.name, info.name.replace("_", "-")):
        if alias in _SUPERSETS:
            return _SUPERSETS[alias]
    return info.name


def http_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _CHARSET.search(content_type)
    return match.group(1) if match else None


def xml_declared(body: bytes) -> str | None:
    head = _XML_DECL.match(body[:512])
    if not head:
        return None
    match = _DECL_ENCODING.search(head.group(0))
    return match.group(1).decode("ascii") if match else None


def decode(
    body: bytes, content_type: str | None = None, document_label: str | None = None
) -> Decoded:
    """``body`` as text.  Evidence in order: a byte-order mark (or UTF-16/32 by
    its first bytes); valid UTF-8; the HTTP charset and the document's own label
    (its XML declaration, or ``document_label``: an HTML page's ``<meta>``), a
    CJK one first, a Latin-1 one overruled by bytes that are CJK; detection."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            rest = body[len(bom) :]
            if encoding == "utf-8" and not mostly_utf8(rest):
                # A UTF-8 mark before GBK bytes: a PHP file saved "with BOM"
                # by an editor, its output in the site's own charset.  The
                # mark alone turned every Chinese character into "?".
                # (Latin-1 bytes after the mark stay replaced: any bytes
                # read as some single-byte codec.)
                found = decode(rest, content_type, document_label)
                if found.encoding in _CJK_MULTIBYTE:
                    false_mark = f"a UTF-8 byte-order mark before {found.encoding} bytes"
                    return Decoded(found.text, found.encoding, found.declared, false_mark)
            return Decoded(rest.decode(encoding, errors="replace"), encoding, None)
    for prefix, encoding in _NO_BOM_UTF:
        if body.startswith(prefix):
            return Decoded(body.decode(encoding, errors="replace"), encoding, None)

    from_http = http_charset(content_type)
    from_xml = document_label or xml_declared(body)
    declared = from_http or from_xml
    claims = [c for c in (canonical(from_http), canonical(from_xml)) if c]

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        cut = _cut_inside_a_character(body, "utf-8")
        if cut is not None and not cut.isascii():
            # (Characters of several bytes, valid UTF-8: UTF-8, as whole
            # documents are.  Not "caf\xe9" in Latin-1, which ends in what
            # begins one.)
            return Decoded(cut, "utf-8", declared, CUT_CHARACTER)
    else:
        if b"\x1b" in body and text.isascii():
            # 7-bit ISO-2022 text (Japanese mail and news) is valid UTF-8 too:
            # its escapes, under its label, say what it is.
            for claim in claims:
                if claim.startswith("iso2022") and (wide := _decoded(body, claim)) is not None:
                    return Decoded(wide, claim, declared)
        note = None
        if claims and claims[0] != "utf-8" and not text.isascii():
            note = f"declared {declared} but the bytes are UTF-8"
        return Decoded(text, "utf-8", declared, note)

    asked: list[str | None] = []  # charset-normalizer's answer: it is slow, ask once

    def detected_once() -> str | None:
        if not asked:
            asked.append(_chinese_over_japanese(body, _detect(body)))
        return asked[0]

    tried = [c for c in dict.fromkeys(claims) if not c.startswith(("utf-16", "utf-32"))]
    # (UTF-16/32 without a BOM or an autodetected prefix: that claim is false.)
    tried.sort(key=lambda c: c not in _CJK_MULTIBYTE)  # stable: else HTTP first
    if len([c for c in tried if c in _CJK_MULTIBYTE]) > 1:
        # Two CJK claims (a server's gbk, the document's big5): GB18030 reads
        # Big5 bytes without an error, as nonsense.  Of those that decode,
        # the one detection reads the bytes as is tried first.
        decodable = [c for c in tried if c in _CJK_MULTIBYTE and decodes(body, c)]
        detected = detected_once() if len(decodable) > 1 else None
        if detected in decodable:
            tried.remove(detected)
            tried.insert(0, detected)
    for encoding in tried:
        if encoding == _LATIN_1 or _single_byte(encoding):
            # Latin-1 decodes any bytes: a default label on CJK text is common.
            # So does any single-byte codec (windows-1251 …): a label is no
            # evidence against the bytes.
            detected = detected_once()
            if detected in _CJK_MULTIBYTE:
                note = f"declared {declared} but the bytes are {detected}"
                return Decoded(body.decode(detected, errors="replace"), detected, declared, note)
            # A few GBK headlines detection reads as nothing sure: Latin-1 text
            # is no pairs of high bytes of GB's common characters.  (Not
            # another single-byte label: Cyrillic in windows-1251 is.)
            chinese = _common_gb(body, in_runs=True) if encoding == _LATIN_1 else None
            if chinese is not None and not _NOT_CHINESE.search(chinese):
                note = f"declared {declared} but the bytes are gb18030"
                return Decoded(chinese, "gb18030", declared, note)
        note = None
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            wider = _as_browsers_read(body, encoding)
            if wider is not None:
                return Decoded(wider, _WIDER[encoding], declared)
            shorter = _cut_inside_a_character(body, encoding)
            if shorter is None:
                continue
            text, note = shorter, CUT_CHARACTER
        if encoding == "gb18030" and not text.isascii():
            big5 = _big5_after_all(body, text)
            if big5 is not None:
                return Decoded(
                    big5, "big5", declared, f"declared {declared} but the bytes are big5"
                )
        if encoding != claims[0]:
            note = f"declared {declared} but the bytes are {encoding}"
        return Decoded(text, encoding, declared, note)

    # No claim decodes the bytes whole.  A claim they fail in a place or two
    # (a stray byte, a pasted "—" in UTF-8) is still the document's encoding:
    # detection, asked about GBK that GB18030 failed at one byte, named
    # iso8859-16, and every title came out as nonsense.  But the CJK
    # encodings read nearly any pairs of high bytes (each other's, UTF-8,
    # Latin-1 accents before letters) with as few failures: their claims are
    # weighed after valid UTF-8 and after detection — GB and Big5 only where
    # their text is their common Chinese.  (Each weighed on the first bytes:
    # a 15 MB feed was read whole, twice.)
    def replaced(encoding: str, text: str) -> Decoded:
        note = f"bytes are not valid {encoding}; undecodable bytes replaced"
        return Decoded(text, encoding, declared, note)

    if mostly_utf8(body[:_SAMPLE]):
        return replaced("utf-8", body.decode("utf-8", errors="replace"))
    nearly = _nearly(body, [c for c in tried if c == "utf-8"])  # (a few accents, one byte off)
    if nearly is not None:
        return replaced(*nearly)
    detected = detected_once()
    if detected and (detected == "utf-8" or detected in _CJK_MULTIBYTE):
        note = f"declared {declared} but the bytes are {detected}" if declared else None
        return Decoded(body.decode(detected, errors="replace"), detected, declared, note)
    for claim in (c for c in tried if c in _CJK_MULTIBYTE):
        nearly = _nearly(body, [claim])
        if nearly is not None and _reads_as_its_language(claim, nearly[1]):
            return replaced(*nearly)
    if detected:
        note = f"declared {declared} but the bytes are {detected}" if declared else None
        return Decoded(body.decode(detected, errors="replace"), detected, declared, note)
    # Nothing decodes cleanly and detection gave up (a byte cut off by a
    # truncation, say): the reading that replaces fewest bytes.  (Text that
    # is UTF-8 but for a few bytes was taken for UTF-8 above; single-byte
    # labels never get here: they decode any bytes.)
    candidates = [*dict.fromkeys([*tried, "utf-8", "gb18030"])]
    fallback = min(candidates, key=lambda c: body.decode(c, errors="replace").count("\ufffd"))
    return Decoded(
        body.decode(fallback, errors="replace"),
        fallback,
        declared,
        f"bytes are not valid {fallback}; undecodable bytes replaced",
    )


CUT_CHARACTER = "the document ends inside a character (cut off): its last bytes dropped"


def _as_browsers_read(body: bytes, encoding: str) -> str | None:
    """``body`` in the wider encoding browsers read ``encoding`` as, if it
    decodes there whole, and what ``encoding`` itself reads of it is text
    of its language (see `_WIDER`): Big5-HKSCS reads nearly any GB bytes,
    as rare characters, where the label is wrong.  (Asked of the standard
    reading, the characters it fails left out: a headline's one 恒 or ①
    is most of what a short text has of the wider set.)"""
    wider = _WIDER.get(encoding)
    if wider is None:
        return None
    try:
        text = body.decode(wider)
    except UnicodeDecodeError:
        return None
    if _NO_TEXT.search(text):
        return None
    standard = body[: 4 * _SCAN].decode(encoding, errors=_PAIR_REPLACED)
    if _reads_as_its_language(encoding, standard):
        return text
    if encoding == "big5":
        # A short headline with a place's rare character (沙田禾輋邨) is
        # under the share of common ones Chinese text has: Big5 still, where
        # it reads more commonly so than as GB, which a wrong label is.
        as_gb = _decoded(body, "gb18030")
        gb = _share_of_common(as_gb[:_SCAN], "gb18030", _SHARE_SAMPLE)[0] if as_gb else 0.0
        if _share_of_common(standard, "big5", _SHARE_SAMPLE)[0] > gb:
            return text
    return None


def _pair_replaced(exc: UnicodeError) -> tuple[str, int]:
    """A character of two bytes the codec fails, replaced whole: "replace"
    takes its second byte for the next character's first, and what follows
    is nonsense (港股：恒指 read as 港股：�瓻�)."""
    assert isinstance(exc, UnicodeDecodeError)
    return "\ufffd", min(exc.start + 2, len(exc.object))


_PAIR_REPLACED = "feedmill-pair-replaced"
codecs.register_error(_PAIR_REPLACED, _pair_replaced)


# Characters enough to tell GB from Big5 by (`_big5_after_all`).
_SHARE_SAMPLE = 500


def _big5_after_all(body: bytes, as_gb: str) -> str | None:
    """``body`` as Big5, where its GB label is wrong: GB18030 decodes nearly
    any Big5 bytes without an error, as rare characters (財經 → 癩竒), and the
    feed was posted as nonsense without a word.  GB text is mostly GB2312's
    commonest characters; only where it is not is Big5 tried — and only on
    enough characters to tell (GBK's 環保局 reads as common Big5 by chance)."""
    gb, seen = _share_of_common(as_gb[:_SCAN], "gb18030", _SHARE_SAMPLE)
    if gb >= _COMMON_ENOUGH or not seen:
        return None
    # Big5 as Windows and Hong Kong write it: cp950 has 恒 (恒生, Hang Seng),
    # 裏 and €, big5hkscs Hong Kong's own characters; plain big5 has neither.
    text = next((t for c in ("cp950", "big5hkscs") if (t := _decoded(body, c)) is not None), None)
    if text is None:
        return None
    big5, seen = _share_of_common(text[:_SCAN], "big5", _SHARE_SAMPLE)
    # (Each reading of the other's text comes out 0.4-0.8: a share is told
    # by being common enough and clearly ahead.)
    return text if seen >= _FEWEST and big5 >= _COMMON_ENOUGH and big5 - gb >= 0.15 else None


def _decoded(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except UnicodeDecodeError:
        return None


# Characters of a document looked at, and Chinese ones needed, to tell GB
# from Big5: a 15 MB feed of ASCII and two Chinese words was read whole.
_SCAN = 200_000
_FEWEST = 32


# The lead bytes of the characters in common use: GB2312's first level (its
# 3,755 commonest), Big5's 常用字 (5,401).  Big5 read as GB18030 gives rare
# characters or none of Chinese; GBK read as Big5, Big5's rarer ones.
_COMMON = {
    "gb18030": ("gb2312", range(0xB0, 0xD8)),
    "big5": ("big5", range(0xA4, 0xC7)),
    "shift_jis": ("shift_jis", range(0x88, 0x99)),  # JIS X 0208's first level of kanji
}
# Either's own text's share, measured: 0.97-1.0 in news.
_COMMON_ENOUGH = 0.9


def common_share(data: bytes, encoding: str) -> float:
    """The share of Chinese characters in ``data`` read as ``encoding`` that
    are among its common ones (0 if it does not decode, or holds none)."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return 0.0
    return _share_of_common(text, encoding, 20_000)[0]


def _share_of_common(text: str, encoding: str, most: int) -> tuple[float, int]:
    """`common_share` of ``text``'s first ``most`` Chinese characters, and
    how many there were."""
    table, leads = _COMMON[encoding]
    han = list(itertools.islice((ch for ch in text if "\u3400" <= ch <= "\u9fff"), most))
    if not han:
        return 0.0, 0
    common = 0
    for ch in han:
        try:
            code = ch.encode(table)
        except UnicodeEncodeError:
            continue
        common += len(code) == 2 and code[0] in leads
    return common / len(han), len(han)


def _cut_inside_a_character(body: bytes, encoding: str) -> str | None:
    """``body`` in ``encoding`` but for an incomplete character at its end (a
    connection dropped, a file read while written) — which fails a strict
    decoding, and sent a Chinese feed cut there to detection, which read it
    as ptcp154; None if other bytes are wrong too."""
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
        text = decoder.decode(body, final=False)
    except (UnicodeDecodeError, LookupError):
        return None
    return text if decoder.getstate()[0] else None


@functools.cache
def _single_byte(encoding: str) -> bool:
    """Whether ``encoding`` reads each byte as a character of its own
    (windows-1251, koi8-r, iso8859-5 …), as no CJK codec or UTF does."""
    if encoding.startswith("utf") or encoding in _CJK_MULTIBYTE:
        return False
    try:
        return len(bytes(range(128, 256)).decode(encoding, errors="replace")) == 128
    except LookupError:
        return False


def _nearly(body: bytes, encodings: list[str]) -> tuple[str, str] | None:
    """Of ``encodings``, the one that reads ``body`` (its first bytes) with
    fewest bytes replaced, and all of its text, where those are at most one
    in a hundred (and one) of the characters outside ASCII, and those it
    reads three times as many: one "é" in Latin-1 under a UTF-8 label is no
    UTF-8 with a stray byte.  None if none reads it so."""
    best: tuple[int, int, str] | None = None
    for encoding in encodings:
        sample = codecs.getincrementaldecoder(encoding)("replace").decode(body[:_SAMPLE])
        bad = sample.count("\ufffd")
        wide = len(sample) - len(sample.encode("ascii", "ignore")) - bad
        if best is None or bad < best[0]:
            best = (bad, wide, encoding)
    if best is None:
        return None
    bad, wide, encoding = best
    if bad <= 1 + wide // 100 and wide >= 3 * bad:
        return encoding, body.decode(encoding, errors="replace")
    return None


# How much of a document the near-fit tests read (detection reads 200 kB).
_SAMPLE = 256 * 1024


def _common_chinese(text: str, table: str) -> bool:
    """Whether the Chinese of ``text`` read as GB (or Big5: ``table``) is
    mostly that table's commonest characters, as Chinese text is (Latin-1
    accents or Shift_JIS read as GB18030 are rare characters)."""
    share, seen = _share_of_common(text[:_SCAN], table, _SHARE_SAMPLE)
    return seen > 0 and share >= _COMMON_ENOUGH


def _reads_as_its_language(encoding: str, text: str) -> bool:
    """Whether ``text`` read as ``encoding`` looks like its language: GB's or
    Big5's common Chinese, Japanese with its kana, Korean with its syllables
    (Latin-1 read as Shift_JIS is half-width katakana and rare kanji)."""
    sample = text[:_SCAN]
    if encoding == "gb18030":
        return _common_chinese(sample, "gb18030")
    if encoding in _BIG5:
        return _common_chinese(sample, "big5")
    if encoding in _JAPANESE:
        # Kana, or kanji of JIS's first level (a headline of kanji alone,
        # "決算発表"): Latin-1 or GB read as Shift_JIS is half-width
        # katakana and the second level's rare kanji.
        # (Kanji standing alone beside Latin letters are Latin-1 read as
        # Shift_JIS: "’s" is 痴, "Spain’s" Spain痴; a Japanese text's stand
        # in runs, "KDDI株価急落", or beside figures, "150円".)
        return _HIRAGANA.search(sample) is not None or (
            _common_chinese(sample, "shift_jis") and not _mostly_alone(sample)
        )
    return _HANGUL.search(sample) is not None  # EUC-KR and its kin


_BIG5 = frozenset({"big5", "big5hkscs", "cp950"})
_JAPANESE = frozenset(
    {"shift_jis", "cp932", "shift_jis_2004", "shift_jisx0213", "euc_jp", "euc_jis_2004",
     "euc_jisx0213"}
)  # fmt: skip
_HIRAGANA = re.compile("[\u3041-\u3096]")
_WIDE_RUN = re.compile("[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef\u2460-\u24ff\u3200-\u33ff]+")


def _mostly_alone(text: str) -> bool:
    """Whether most of ``text``'s kanji stand alone beside a Latin letter
    ("Spain痴 Mart匤ez"), no wide character beside them — not after a figure
    ("150円") or a space ("銀 150円").  (Kanji only: Latin-1's signs read
    as half-width katakana, "£2bn" as ｣2bn, are no evidence either way.)"""
    alone = total = 0
    for run in _WIDE_RUN.finditer(text):
        total += sum(1 for ch in run[0] if "\u3400" <= ch <= "\u9fff")
        if len(run[0]) == 1 and "\u3400" <= run[0] <= "\u9fff":
            around = text[run.start() - 1 : run.start()] + text[run.end() : run.end() + 1]
            alone += any(ch.isascii() and ch.isalpha() for ch in around)
    return alone * 2 > total


_HANGUL = re.compile("[\uac00-\ud7a3]")


def decodes(body: bytes, encoding: str) -> bool:
    """Whether ``body`` is valid ``encoding`` throughout."""
    return _decoded(body, encoding) is not None


def mostly_utf8(body: bytes) -> bool:
    """At most one character in ten that is not ASCII fails to decode as UTF-8."""
    text = codecs.getincrementaldecoder("utf-8")("replace").decode(body)  # (a cut end: no fault)
    bad = text.count("\ufffd")
    wide = len(text) - len(text.encode("ascii", "ignore"))  # (the replaced ones too)
    return wide > 0 and 10 * bad <= wide


_BLOCK = re.compile(rb"<(?:(script|style)\b|!--)")  # searched in lower case
# Runs of what may be double-byte characters (a lead byte, then a trail byte
# that may be ASCII: GBK's second byte can be 0x40-0x7E).
_WIDE_RUNS = re.compile(rb"(?:[\x80-\xff][\x40-\xff])+")


def _text_sample(body: bytes, size: int) -> bytes:
    """Up to ``size`` bytes of ``body`` to guess its charset from: its text,
    and of its scripts, styles and comments only the runs of non-ASCII bytes
    (the Chinese of an app's `window.__STATE__ = {…}`, a menu's labels).  The
    ASCII of code outweighed a page's Chinese, and charset-normalizer then
    guessed a single-byte encoding (10 KB of inline script before six GBK
    paragraphs did); without the scripts' own Chinese, a two-word title alone
    came out Korean."""
    lowered = body.lower()  # ASCII letters only: every index stays
    pieces: list[bytes] = []
    kept = position = 0
    while kept < size and position < len(body):
        found = _BLOCK.search(lowered, position)
        end = len(body) if found is None else found.start()
        pieces.append(body[position:end])
        kept += end - position
        if found is None:
            break
        closer = b"-->" if found.group(1) is None else b"</" + found.group(1)
        close = lowered.find(closer, found.end())
        close = len(body) if close == -1 else close  # unclosed: code to the end
        code = _WIDE_RUNS.findall(body, found.end(), close)
        pieces.extend(code)
        kept += sum(map(len, code))
        position = close + len(closer)
    return b" ".join(pieces)[:size]


# As many characters as a few headlines: detection reads more surely past them.
_SHORT_CJK = 100


def _chinese_over_japanese(body: bytes, detected: str | None) -> str | None:
    """``detected``, unless it is Shift_JIS for a short text that GB18030
    reads whole as common Chinese: detection named a few GBK headlines
    Shift_JIS (沪指收涨 as ｻｦﾖｸﾊﾕﾕﾇ), whose Japanese GB reads as its rare
    characters.  Not where GB reads a character of its private use, nor
    kana.  (EUC-JP and EUC-KR are left as detection reads them: their kanji,
    syllables and Hanja are GB2312's common characters byte for byte —
    nothing in a few headlines tells them apart.  A longer text detection
    reads surely.)"""
    if detected not in _SHIFT_JIS:
        return detected
    chinese = _common_gb(body)
    if chinese is None or sum(1 for ch in chinese if ord(ch) > 0x2E7F) > _SHORT_CJK:
        return detected
    return detected if _NOT_CHINESE.search(chinese) else "gb18030"


_SHIFT_JIS = frozenset({"shift_jis", "cp932", "shift_jis_2004", "shift_jisx0213"})
_NOT_CHINESE = re.compile("[\ue000-\uf8ff\u3041-\u30ff]")


def _common_gb(body: bytes, *, in_runs: bool = False) -> str | None:
    """``body`` read as GB18030, if it decodes whole as common Chinese; with
    ``in_runs``, where its Chinese stands two characters or more together
    (Latin-1's accented capitals pair as common GB characters, one at a
    time: ATENÇÃO as ATEN敲O)."""
    text = _decoded(body, "gb18030")
    if text is None or text.isascii() or not _reads_as_its_language("gb18030", text):
        return None
    if in_runs and not _CHINESE_RUN.search(text):
        return None
    return text


_CHINESE_RUN = re.compile("[\u4e00-\u9fff]{2}")


def _detect(body: bytes) -> str | None:
    """charset-normalizer's best guess for ``body`` (the text of its first
    200 kB: `_text_sample`), widened."""
    from charset_normalizer import from_bytes

    best = from_bytes(_text_sample(body, 200_000)).best()
    if best is None:
        return None
    return canonical(best.encoding)


def as_utf8_xml(text: str) -> bytes:
    """``text`` as UTF-8 bytes whose XML declaration, if any, says so."""
    data = text.encode("utf-8")
    head = _XML_DECL.match(data[:512])
    if head and _DECL_ENCODING.search(head.group(0)):
        fixed = _DECL_ENCODING.sub(b'encoding="utf-8"', head.group(0), count=1)
        data = fixed + data[head.end() :]
    return data
