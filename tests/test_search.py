"""Chinese full-text search: segmentation, query parsing, ranking, snippets,
filters and upkeep of the index, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import re
import shutil
import sqlite3
import threading
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    delete,
    event,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url

from feedmill.search import marked, normalize, query_tokens, snippet, visible_text
from feedmill.search.tokens import (
    MAX_TEXT,
    MAX_TOKEN,
    IndexTokens,
    Lookup,
    index_tokens,
    located_words,
    lookup,
    pieces,
    words,
)
from feedmill.store import search
from feedmill.store.database import MIGRATIONS, create, open_database
from feedmill.store.schema import entries, feeds, meta
from feedmill.store.search import Hit, SearchDoc, SearchQuery, TokenizedDoc

# Hypothesis: the same examples every run, nothing written to .hypothesis/.
steady = settings(derandomize=True, database=None, deadline=None, max_examples=200)

PBOC = "中国人民银行（央行）决定下调金融机构存款准备金率0.5个百分点，释放长期资金约5000亿元。"
T0 = datetime(2022, 9, 20, 8, 0, tzinfo=UTC)
# Everything FTS5 or tsquery would read as syntax, and then some.
HOSTILE = [
    '"',
    '"央行',
    "央行*",
    "*",
    "央行 OR 降准",
    "NEAR(央行 降准)",
    "NEAR(",
    "^央行",
    "title:央行",
    "{title body}:央行",
    "央行 AND",
    "NOT 央行",
    "(央行",
    "央行)",
    "-",
    "--央行",
    "- -",
    "'; DROP TABLE entries; --",
    "a & b | !c <-> d:*",
    "\\",
    "'",
    "''",
    "\x00央行",
    "央行" * 200,
    "",
    "   ",
]


# -- tokens (pure) -------------------------------------------------------------------------


def test_unicode61_alone_cannot_find_a_chinese_word() -> None:
    """Why we segment: FTS5's own tokenizer takes the whole run for one token."""
    run_on = "中国央行决定下调存款准备金率"
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    db.execute("INSERT INTO t VALUES (?)", (run_on,))
    assert db.execute("SELECT count(*) FROM t WHERE t MATCH '\"央行\"'").fetchone() == (0,)
    db.execute("INSERT INTO t VALUES (?)", (index_tokens(run_on).words,))
    assert db.execute("SELECT count(*) FROM t WHERE t MATCH '\"央行\"'").fetchone() == (1,)


def test_segmentation_finds_the_words_of_a_run_on_sentence() -> None:
    tokens = index_tokens(PBOC)
    stream = tokens.words.split()
    assert {"央行", "下调", "存款", "释放", "长期", "资金"} <= set(stream)
    # A long word is in the words stream as the words it is made of, in order …
    assert stream[:4] == ["中国", "人民", "银行", "央行"]
    assert "金融 机构 存款 准备 金 率" in tokens.words
    # … and in the parts stream whole, with the sub-words its pieces miss.
    held = set(tokens.parts.split())
    assert {"中国人民银行", "人民银行", "金融机构", "准备金率", "准备金"} <= held
    assert "银行" not in held


def test_a_word_is_cut_into_the_words_it_is_made_of() -> None:
    assert pieces("中国人民银行") == ("中国", "人民", "银行")
    assert pieces("上海证券交易所") == ("上海", "证券", "交易", "所")
    assert pieces("交易所") == ("交易", "所")
    assert pieces("麦当劳") == ("麦当劳",)  # no shorter word in it
    assert pieces("央行") == ("央行",)  # two characters: never cut
    # A query word cuts as it does inside a longer word of the text.
    assert pieces("证券") + pieces("交易所") == pieces("上海证券交易所")[1:]


def test_latin_words_and_numbers_are_tokens() -> None:
    tokens = index_tokens("ＧＰＴ－５发布，SZ300024机器人涨停；C++ 与 C# 版本 v1.2，iPhone15")
    assert tokens.words.split()[:3] == ["gpt", "5", "发布"]
    # jieba glues digits and letters: the words stream has their runs.
    assert "sz 300024" in tokens.words and "iphone 15" in tokens.words
    assert {"c++", "c#"} <= set(tokens.words.split())
    assert {"sz300024", "iphone15", "c"} <= set(tokens.parts.split())
    assert pieces("300etf") == ("300", "etf") and pieces("4s店") == ("4", "s", "店")


@steady
@given(
    st.text(
        alphabet=st.sampled_from("央行降准中国人民银行证券交易所 ＧＰＴ-5.c+#，。ａA股\u00df3éの"),
        max_size=40,
    )
)
def test_the_words_stream_is_every_word_as_its_pieces(value: str) -> None:
    tokens = index_tokens(value)
    found = words(normalize(value))
    assert tokens.words.split() == [p for word in found for p in pieces(word)]
    assert all("".join(pieces(word)) == word for word in found)


@steady
@given(
    st.text(
        alphabet=st.sampled_from("央行降准中国人民银行 ＧＰＴ-5.c+#，。ａA\u00df\u3000"),
        max_size=40,
    )
)
def test_located_words_are_the_indexed_words(value: str) -> None:
    norm = normalize(value)
    assert [w for w, _ in located_words(norm)] == words(norm)
    for word, at in located_words(norm):
        assert norm[at : at + len(word)] == word


def test_a_word_too_long_for_the_index_makes_its_term_find_nothing() -> None:
    long_number = "9" * (MAX_TOKEN + 1)
    # The index holds no such word: the term, and so the query, finds nothing …
    assert query_tokens(f"央行{long_number}").empty
    assert query_tokens(f"央行 {long_number}").empty
    assert query_tokens("央行 " + "9" * MAX_TOKEN).include == (("央行",), ("9" * MAX_TOKEN,))
    # … and excluding it excludes nothing.
    assert query_tokens(f"央行 -{long_number}") == query_tokens("央行")


def test_query_terms_are_and_phrases_and_exclusions() -> None:
    terms = query_tokens('央行 降准 "存款 准备金率" -中央 -"行政 机关" GPT-5')
    assert terms.include == (("央行",), ("降", "准"), ("存款", "准备金率"), ("gpt", "5"))
    assert terms.exclude == (("中央",), ("行政", "机关"))
    # Chinese quotation marks quote; a term typed without spaces is a phrase.
    assert query_tokens("“央行降准”").include == query_tokens("央行降准").include
    assert query_tokens("央行降准").include == (("央行", "降", "准"),)


@pytest.mark.parametrize("query", HOSTILE)
def test_query_syntax_in_user_input_is_only_text(query: str) -> None:
    terms = query_tokens(query)
    for phrase in terms.include + terms.exclude:
        for token in phrase:
            assert token.isalnum() or token.rstrip("+#").isalnum()


@pytest.mark.parametrize("depth", [300, 1500, 5000])
def test_visible_text_reads_deeply_nested_markup_to_its_end(depth: int) -> None:
    """libxml2 stopped at depth 256 without a word: the end of such a post
    was never indexed (and a recursive walk would overflow at ~1,000)."""
    html = "<div>开头" + "<div>层" * depth + "结尾段落" + "</div>" * (depth + 1)
    text = visible_text(html)
    assert text.startswith("开头") and text.endswith("结尾段落")


def test_visible_text_reads_on_after_a_pages_end_tags() -> None:
    """As the post shows it: text after </body> or </html> (libxml2 dropped it)."""
    assert visible_text("<p>正文</p></body>阅读原文") == "正文 阅读原文"
    assert visible_text("<p>正文</p></body></html>\n<p>尾声</p>") == "正文 尾声"


def test_visible_text_joins_inline_and_separates_blocks() -> None:
    html = (
        "<p>第三季度</p><p>营收<b>增</b>长&amp;利润</p><!-- 注释 --><script>var 央行;</script>"
        "<p>a<br>b</p><table><tr><td>年份</td><td>金额</td></tr></table>"
        "<ruby>漢<rt>han</rt></ruby>"
    )
    assert visible_text(html) == "第三季度 营收增长&利润 a b 年份 金额 漢"
    assert visible_text("plain  text\n二") == "plain text 二"
    assert visible_text("") == ""


def test_traditional_chinese_is_folded_to_simplified_one_character_for_one() -> None:
    assert normalize("中國人民銀行宣佈降準") == "中国人民银行宣布降准"
    assert normalize("香港衞生署") == "香港卫生署"  # (Hong Kong's form of 衛)
    assert normalize("𠮷野家 😀 著名") == "𠮷野家 😀 著名"  # 著 is simplified too
    assert normalize("乾隆") == normalize("干隆")  # (a character for one: 干 finds 乾隆's 乾)
    assert index_tokens("中國人民銀行宣佈降準") == index_tokens("中国人民银行宣布降准")
    text = "一" * 100 + "。香港金管局今日表示，銀行體系穩健。" + "二" * 100
    shown = marked(snippet(text, query_tokens("银行体系").include, width=40))
    assert "[銀行體系]穩健" in shown
    far = "一" * 60_000 + "。香港金管局表示，銀行體系穩健。"  # (past the first scan)
    assert "[銀行體系]穩健" in marked(snippet(far, query_tokens("银行体系").include))
    split = "一" * 60_000 + "。香港金管局表示，銀\u200b行體系穩健。"  # (what shows nothing)
    assert "[銀\u200b行體系]穩健" in marked(snippet(split, query_tokens("银行体系").include))
    # … dropped after the match, NFKC lengthening the text before it (… is ...).
    both = "一" * 60_000 + "……" * 100 + "。香港金管局表示，银行体系稳健。" + "\u200b" * 200 + "完"
    assert "[银行体系]稳健" in marked(snippet(both, query_tokens("银行体系").include))
    # … or what composes after it shortening it (Vietnamese written decomposed).
    composing = unicodedata.normalize("NFD", "越南河内消息：Nguyễn Thị Hồng Lê Văn Việt") * 30
    late = "一" * 60_000 + "……" * 100 + "。香港金管局表示，银行体系稳健。" + composing
    assert "[银行体系]稳健" in marked(snippet(late, query_tokens("银行体系").include))


def test_snippet_marks_the_original_text() -> None:
    text = (
        "一" * 200
        + "。OpenAI 今日发布 ＧＰＴ－５，中国央行表示关注。中央行政机关未回应。"
        + "二" * 200
    )
    segs = snippet(text, query_tokens("gpt-5 央行").include, width=60)
    shown = marked(segs)
    assert "[ＧＰＴ－５]" in shown and "中国[央行]" in shown
    assert "中[央行]政" not in shown  # a substring, not the word
    assert shown.startswith("…OpenAI")  # begins at the sentence
    assert shown.endswith("…")
    assert marked(segs, ("<mark>", "</mark>")).count("<mark>") == 2
    assert [t for t, hit in segs if hit] == ["ＧＰＴ－５", "央行"]


@pytest.mark.parametrize(
    ("text", "query", "found"),
    [
        # ℃ grows by a character where e + ◌́ (composed to é) shrinks by one:
        # equal lengths in all, and every mark was one character off.
        ("气温30℃，Nestle\u0301 宣布", "nestlé", "[Nestle\u0301] 宣布"),
        ("Straße 央行今日宣布 cafe\u0301", "央行", "Straße [央行]今日宣布"),
        ("caf\u0065\u0301 ……", "café", "[cafe\u0301] ……"),
        # Hangul written as jamo composes into syllables.
        (
            "\u1112\u1161\u11ab\u1100\u116e\u11a8 뉴스",
            "한국",
            "[\u1112\u1161\u11ab\u1100\u116e\u11a8] 뉴스",
        ),
    ],
)
def test_marks_fall_on_the_match_whatever_normalizing_does_to_lengths(
    text: str, query: str, found: str
) -> None:
    assert found in marked(snippet(text, query_tokens(query).include))


def test_what_may_compose_is_known_for_every_code_point() -> None:
    """A text is taken one character for one when nothing in it can compose
    with what precedes it: every character whose decomposition begins with a
    combining mark, or with the second half of a canonical pair (Hangul's
    vowels and finals, a Brahmic vowel sign, a kana voicing mark), is one
    that `_MAY_COMPOSE` names."""
    import unicodedata

    from feedmill.search.snippet import _MAY_COMPOSE

    seconds = {chr(c) for c in (*range(0x1161, 0x1176), *range(0x11A8, 0x11C3))}
    for code in range(0x110000):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            first, second = (chr(int(part, 16)) for part in parts)
            if unicodedata.normalize("NFC", first + second) == chr(code):
                seconds.add(second)
    missing = []
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        start = unicodedata.normalize("NFKD", chr(code))[:1]
        if (start in seconds or unicodedata.combining(start)) and not _MAY_COMPOSE.match(chr(code)):
            missing.append(f"U+{code:04X}")
    assert missing == []


def test_a_snippet_cuts_no_word_and_no_emoji_in_two() -> None:
    """ "…entage point" began a snippet; a family emoji cut after its first
    person showed another emoji; a letter lost its accent."""
    english = (
        "The Federal Reserve raised its benchmark rate by a quarter of a percentage point "
        "on Wednesday and signalled that further increases were likely as inflation stays "
        "high across the economy."
    )
    for width in range(30, 90, 7):
        shown = marked(snippet(english, query_tokens("signalled").include, width=width))
        words = shown.strip("…").replace("[", "").replace("]", "").rstrip(".").split()
        assert {words[0], words[-1]} <= set(english.rstrip(".").split()), shown
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    for width in range(4, 12):
        text = "一" * 50 + "家庭" + family + "二" * 50
        shown = marked(snippet(text, query_tokens("家庭").include, width=width))
        assert family in shown or "\U0001f468" not in shown
    accented = "一" * 50 + "央行" + "e\u0301" * 20
    for width in range(3, 12):
        shown = marked(snippet(accented, query_tokens("央行").include, width=width))
        assert not shown.rstrip("…").endswith("e")
    # A flag cut after its first letter: every flag after it another country's.
    flags = "\U0001f1e8\U0001f1f3\U0001f1fa\U0001f1f8\U0001f1ef\U0001f1f5" * 12
    text = flags + " 关键词 " + flags
    for width in range(10, 60, 3):
        shown = marked(snippet(text, query_tokens("关键词").include, width=width)).strip("…")
        before, after = shown[: shown.index(" ")], shown[shown.rindex(" ") + 1 :]
        assert flags.endswith(before) and len(before) % 2 == 0, shown
        assert flags.startswith(after) and len(after) % 2 == 0, shown


def test_a_snippet_cuts_no_number_in_two() -> None:
    """A cut at a number's point or comma showed figures the article does not
    state: 65% of 3.65%, 345 of 12,345."""
    filler = "市场整体运行平稳"
    for number in ("3.65%", "12,345", "1,505.23"):
        text = (
            filler * 25
            + "一年期LPR为"
            + number
            + "亿元"
            + filler * 3
            + "甲乙丙央行今日开展逆回购操作"
        )
        for width in range(20, 70):
            for query in ("央行", "LPR"):
                shown = marked(snippet(text + filler, query_tokens(query).include, width=width))
                assert re.findall(r"[0-9][0-9.,%]*", shown) in ([], [number]), shown


def test_a_match_far_into_a_long_article_is_shown_marked() -> None:
    """The index reads 200,000 characters of an article, a snippet looked at
    the first 50,000: a hit found further in showed the beginning, unmarked."""
    text = "甲乙丙丁。" * 11_000 + "中国人民银行宣布降准。" + "戊己庚辛。" * 1_000
    shown = marked(snippet(text, query_tokens("降准").include, width=40))
    assert "[降准]" in shown and shown.startswith("…")


def test_snippets_mark_decimals_and_what_is_glued_to_them() -> None:
    text = "尺寸1.5x2.5米，3.5mm耳机孔，Qwen2.5模型，LPR为3.45%。"
    for query, shown in (
        ("1.5x2.5", "[1.5x2.5]米"),
        ("x2.5", "1.5[x2.5]米"),
        ("3.5", "[3.5]mm"),
        ("qwen2.5", "[Qwen2.5]模型"),
        ("LPR为3.45%", "[LPR为3.45]%"),
    ):
        assert shown in marked(snippet(text, query_tokens(query).include, width=200)), query


def test_a_number_is_marked_where_it_stands_whole_not_inside_a_longer_one() -> None:
    """The index holds 3130.30 as 3130 and 30: ``30`` finds the decimals,
    and marked the "30" that ends 3130 as well (31[30].[30])."""
    text = "沪指收报3130.30点，同比增长12.2%，iPhone15Pro售价5999元。"
    for query, shown in (
        ("30", "沪指收报3130.[30]点"),
        ("2", "同比增长12.[2]%"),
        ("15", "iPhone[15]Pro"),
        ("pro", "iPhone15[Pro]"),
        ("3130", "沪指收报[3130].30点"),
    ):
        assert shown in marked(snippet(text, query_tokens(query).include, width=200)), query


def test_a_full_width_match_far_into_a_long_article_is_shown_marked() -> None:
    """Past the first 50,000 characters, a query's ``gpt`` was looked for in
    the text as written: ＧＰＴ was not found, and the snippet was the
    article's unmarked beginning."""
    text = "甲乙丙丁。" * 12_000 + "ＧＰＴ模型发布。" + "戊己庚辛。" * 100
    shown = marked(snippet(text, query_tokens("gpt").include, width=40))
    assert "[ＧＰＴ]" in shown and shown.startswith("…")


def test_a_snippet_begins_at_a_chinese_words_start() -> None:
    """ "…场报价利率（LPR）" began inside 市场 (the demo's 东方财富网 story)."""
    text = (
        "东方财富网9月20日讯，中国人民银行授权全国银行间同业拆借中心公布，本月贷款市场报价利率"
        "（LPR）为：1年期LPR为3.65%，5年期以上LPR为4.30%，均与上月持平。 分析人士指出，8月LPR"
        "两个期限品种已分别下调5个基点和15个基点，本月中期借贷便利（MLF）操作利率未变。"
    )
    import rjieba

    starts = {begin for _, begin, _ in rjieba.tokenize(text, "default", False)}
    for width in range(40, 200, 3):
        shown = marked(snippet(text, query_tokens("LPR").include, width=width))
        body = shown.removeprefix("…").replace("[", "").replace("]", "")
        assert text.find(body.rstrip("…")[:12]) in starts, shown


@pytest.mark.parametrize("closing", ["”", "」", "』", "）", "’"])
def test_a_snippet_opens_with_no_quote_closed_before_it(closing: str) -> None:
    """Chinese ends a quoted sentence 。” : the snippet that began after the
    sentence's end opened with the quotation's closing mark."""
    text = (
        "市场人士普遍认为，本轮调整仍有空间，投资者需保持耐心。" * 6
        + f"他表示：“我们将继续加大稳健货币政策实施力度。{closing}"
        + "央行今日宣布下调存款准备金率0.25个百分点，释放长期资金约5000亿元。"
        + "分析师指出后续仍有降息可能。" * 5
    )
    shown = marked(snippet(text, query_tokens("存款准备金率").include, 120))
    assert shown.startswith("…央行今日宣布下调[存款准备金率]"), shown


@pytest.mark.parametrize("cut", range(5))
def test_a_snippet_begun_where_a_quotation_ends_opens_after_it(cut: int) -> None:
    """No sentence's end before the match: the window began on the ” and the
    comma that end a quotation (…力度”，央行…), or a character or two before."""
    lead = "央行今日宣布从下周一起下调金融机构人民币存贷款的平均平均"[cut:]  # 28 characters
    text = (
        "市场人士普遍认为本轮调整仍有空间投资者需保持耐心" * 6
        + "要加大宏观政策调节力度”，"
        + lead
        + "存款准备金率0.25个百分点"
        + "分析师指出后续仍有降息可能" * 5
    )
    shown = marked(snippet(text, query_tokens("存款准备金率").include, 120))
    assert shown.startswith(f"…{lead}[存款准备金率]"), shown


@pytest.mark.parametrize("opening", ["“降准”落地，", "【快讯】", "据《财经》报道，"])
def test_a_snippet_keeps_a_quotation_the_window_holds_whole(opening: str) -> None:
    """A quoted or bracketed term where the window begins (the text's start
    here) is no quotation's end: it went, and the article's first words."""
    text = opening + "央行宣布下调存款准备金率。" + "分析师指出后续仍有降息可能。" * 20
    shown = marked(snippet(text, query_tokens("央行").include, 120))
    assert shown.startswith(opening + "[央行]"), shown


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        (
            '会议结束。"我们将继续下调存款准备金率，"他说。',
            '…"我们将继续下调[存款准备金率]，"他说。',
        ),
        ('他说："我们将继续加大力度。"央行下调存款准备金率。', "…央行下调[存款准备金率]。"),
    ],
)
def test_a_snippet_keeps_the_straight_quote_that_opens_its_sentence(said: str, shown: str) -> None:
    """After a sentence's end a straight quote closes that sentence's
    quotation only where it opened one: else it opens the next, and stays."""
    text = "市场人士普遍认为，本轮调整仍有空间。" * 6 + said + "分析师指出后续仍有降息可能。" * 5
    found = marked(snippet(text, query_tokens("存款准备金率").include, 120))
    assert found.startswith(shown), found


def test_a_text_that_fits_is_shown_whole() -> None:
    """A window begun a quarter of its width before the match started inside
    "8月份" of a 50-character text that fits whole."""
    text = "国家统计局今日发布数据显示，8月份全国规模以上工业增加值同比增长4.2%，比上月加快0.4个百分点。"
    shown = marked(snippet(text, query_tokens("百分点").include))
    assert shown == text.replace("百分点", "[百分点]")


def test_snippet_without_a_match_is_the_beginning() -> None:
    assert marked(snippet("短文本", query_tokens("央行").include)) == "短文本"
    assert marked(snippet("长" * 300, query_tokens("央行").include, width=10)) == "长" * 10 + "…"


def test_snippet_highlights_a_phrase_only_where_its_words_follow_each_other() -> None:
    segs = snippet("gpt 发布了 5 个模型，gpt-5 上线", query_tokens("gpt-5").include)
    assert marked(segs) == "gpt 发布了 5 个模型，[gpt-5] 上线"
    # Punctuation between the words does not break a phrase (the index drops it).
    phrase = query_tokens('"央行 降准"').include
    assert marked(snippet("央行，降准。央行 x 降准", phrase)) == "[央行，降准]。央行 x 降准"


def test_a_chinese_query_word_may_begin_a_longer_indexed_word() -> None:
    # jieba joins what follows: typed 人民币/兑/美元, written 人民币/兑/美元汇率.
    assert words("人民币兑美元汇率") == ["人民币", "兑", "美元汇率"]
    assert lookup(("人民币", "兑", "美元")) == Lookup(("人民", "币", "兑", "美元"), True)
    assert lookup(("锂",)) == Lookup((), False, "锂", True)
    for latin in ("fed", "300", "c++"):
        assert lookup((latin,)) == Lookup((), False, latin, False)
    # Nor does the last piece of a cut word begin another: 交易所 is not in 交易所得税 …
    assert lookup(("交易所",)) == Lookup(("交易", "所"), False, "交易所", True)
    # … but as one word it may begin a longer one (科技股 in 科技股份, held whole).
    stock = query_tokens("科技股").include
    assert marked(snippet("科技股份有限公司", stock)) == "[科技股]份有限公司"
    rmb = query_tokens("人民币兑美元").include
    assert marked(snippet("人民币兑美元汇率中间价报7.1", rmb)) == "[人民币兑美元]汇率中间价报7.1"
    lithium = query_tokens("锂").include
    assert marked(snippet("锂电池扩产，碳酸锂跌价", lithium)) == "[锂]电池扩产，碳酸[锂]跌价"
    assert marked(snippet("中央行政机关", query_tokens("央行").include)) == "中央行政机关"


def test_snippet_marks_a_phrase_inside_a_longer_word() -> None:
    def shown(text: str, query: str) -> str:
        return marked(snippet(text, query_tokens(query).include))

    assert shown("上海证券交易所发布公告", "证券交易所") == "上海[证券交易所]发布公告"
    assert shown("经中国人民银行授权，", "人民银行授权") == "经中国[人民银行授权]，"
    assert shown("沪深300ETF成交额创新高", "沪深300") == "[沪深300]ETF成交额创新高"
    assert shown("华为Mate60Pro开售", "mate60") == "华为[Mate60]Pro开售"
    assert shown("个人交易所得税", "交易所") == "个人交易所得税"


# -- the database, on both backends --------------------------------------------------------


@pytest.fixture(scope="module")
def migrated() -> dict[str, str]:
    """Migrated template databases by backend, each made once, when first
    needed: a copy per test is much faster than migrating anew."""
    return {}


def _template(kind: str, made: dict[str, str], request: pytest.FixtureRequest) -> str:
    # The PostgreSQL server starts only if a PostgreSQL test runs.
    if kind not in made:
        if kind == "sqlite":
            base = request.getfixturevalue("tmp_path_factory").mktemp("template")
            made[kind] = f"sqlite:///{base / 'state.db'}"
        else:
            from support.postgres import new_database

            made[kind] = new_database(request.getfixturevalue("postgres_url"))
        open_database(made[kind]).dispose()
    return made[kind]


def _copy(template: str, tmp_path: Path) -> str:
    if template.startswith("sqlite"):
        shutil.copyfile(template.split("///", 1)[1], tmp_path / "state.db")
        return f"sqlite:///{tmp_path / 'state.db'}"
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = make_url(template)
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{url.database}"'))
    server.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, migrated: dict[str, str], tmp_path: Path
) -> Iterator[Engine]:
    engine = open_database(_copy(_template(request.param, migrated, request), tmp_path))
    with engine.begin() as conn:
        conn.execute(insert(feeds), [{"id": i, "url": f"https://feed{i}.example/"} for i in (1, 2)])
    try:
        yield engine
    finally:
        engine.dispose()


def add(
    conn: Connection,
    entry_id: int,
    title: str,
    html: str,
    *,
    feed_id: int = 1,
    published: datetime | None = T0,
    status: str = "active",
    link: str | None = None,
    indexed: bool = True,
) -> None:
    conn.execute(
        insert(entries).values(
            id=entry_id,
            feed_id=feed_id,
            key_hash=f"k{entry_id}",
            key=f"k{entry_id}",
            link=link or f"https://news.example.cn/{entry_id}.html",
            title=title,
            content=html,
            published_at=published,
            first_seen_at=T0 + timedelta(days=30),
            version="v",
            status=status,
        )
    )
    if indexed:
        search.index(conn, [SearchDoc.of(entry_id, title, html)])


def find(engine: Engine, text_: str, **options: Any) -> list[Hit]:
    with engine.connect() as conn:
        return search.search(conn, SearchQuery(text_, **options))


def ids(hits: list[Hit]) -> list[int]:
    return [h.entry_id for h in hits]


NEWS = [
    (1, "央行降准0.5个百分点", f"<p>{PBOC}</p>"),
    (2, "国务院机构改革方案公布", "<p>方案涉及多个<b>中央行政</b>机关的职能调整。</p>"),
    (3, "OpenAI 发布 GPT-5", "<p>OpenAI 今日发布 GPT-5 模型，国内多家公司跟进。</p>"),
    (4, "机器人板块走强", '<p>机器人（<a href="https://x.example/">300024</a>）涨停。</p>'),
    (5, "市场综述", "<p>分析人士认为，降准释放流动性，利好银行股。央行此前已多次表态。</p>"),
]


@pytest.fixture
def news(engine: Engine) -> Engine:
    with engine.begin() as conn:
        for entry_id, title, html in NEWS:
            add(conn, entry_id, title, html)
    return engine


def test_a_chinese_word_is_found_inside_a_run_on_sentence(news: Engine) -> None:
    hits = find(news, "央行")
    assert set(ids(hits)) == {1, 5}  # not 2: 中央行政 holds 央行 only as a substring
    assert ids(find(news, "人民银行")) == [1]  # a dictionary word inside 中国人民银行


def test_terms_are_anded_and_a_run_is_a_phrase(news: Engine) -> None:
    assert set(ids(find(news, "央行 降准"))) == {1, 5}
    assert ids(find(news, "降准 银行股")) == [5]
    assert ids(find(news, "央行降准")) == [1]  # side by side only in 1's title
    assert ids(find(news, '"释放 长期 资金"')) == [1]
    assert find(news, '"资金 长期"') == []
    assert ids(find(news, "央行 -银行股")) == [1]
    assert find(news, "央行 -降准") == []
    assert find(news, "-央行") == []  # nothing to look for


def test_traditional_and_simplified_chinese_find_each_other(engine: Engine) -> None:
    # A Hong Kong or Taiwan source writes 中國人民銀行; a reader types 人民银行,
    # or the other way round: one word to the index, either way typed.
    with engine.begin() as conn:
        add(conn, 1, "人行宣佈降準", "<p>中國人民銀行宣佈下調存款準備金率，銀行股走強。</p>")
        add(conn, 2, "央行宣布降准", "<p>中国人民银行宣布下调存款准备金率，银行股走强。</p>")
        add(conn, 3, "衞生署公告", "<p>香港衞生署今日公佈數字。</p>")
    for query in ("人民银行", "人民銀行", "降准", "降準", "存款准备金率", "銀行股 -衞生"):
        assert set(ids(find(engine, query))) == {1, 2}, query
    assert ids(find(engine, "卫生署")) == [3]  # (衞: Hong Kong's way of writing 卫)
    hits = {h.entry_id: h for h in find(engine, "人民银行")}
    assert "中國[人民銀行]宣佈" in marked(hits[1].snippet_segments)  # its own characters
    titled = {h.entry_id: h for h in find(engine, "降准")}
    assert titled[1].title_segments == (("人行宣佈", False), ("降準", True))


def test_a_chinese_word_typed_may_begin_a_longer_word(engine: Engine) -> None:
    with engine.begin() as conn:
        add(conn, 1, "汇率", "<p>周一人民币兑美元汇率中间价报7.1。</p>")
        add(conn, 2, "电池", "<p>锂电池产能扩张。</p>")
        add(conn, 3, "Rates", "<p>The Federal Reserve held rates; stock 300024 rose.</p>")
        add(conn, 4, "兑换", "<p>美元兑人民币。</p>")
    assert ids(find(engine, "人民币兑美元")) == [1]
    assert ids(find(engine, "美元 -人民币兑美元")) == [4]
    assert ids(find(engine, "锂")) == [2]
    assert ids(find(engine, "锂电")) == [2]
    assert find(engine, "fed") == []  # Latin words stay whole: not "federal"
    assert find(engine, "300") == []  # numbers too


def test_latin_words_and_numbers(news: Engine) -> None:
    assert ids(find(news, "GPT-5")) == [3]
    assert ids(find(news, "ｇｐｔ－５")) == [3]
    assert ids(find(news, "openai")) == [3]
    assert ids(find(news, "300024")) == [4]
    assert ids(find(news, "0.5")) == [1]
    assert find(news, "gpt-4") == []


def test_query_syntax_in_user_input_is_harmless(news: Engine) -> None:
    for query in HOSTILE:
        hits = find(news, query)
        assert all(h.entry_id in {1, 2, 3, 4, 5} for h in hits), query
        with news.connect() as conn:
            assert search.count(conn, SearchQuery(query)) == len(hits), query
    assert ids(find(news, "央行*")) == ids(find(news, "央行"))
    assert ids(find(news, "NEAR(央行 降准)")) == ids(find(news, "near 央行 降准")) == []


def test_a_phrase_is_found_inside_a_longer_word(engine: Engine) -> None:
    with engine.begin() as conn:
        add(conn, 1, "上海证券交易所发布公告", "<p>正文</p>")
        add(conn, 2, "中共中央政治局会议分析经济形势", "<p>正文</p>")
        add(conn, 3, "中国人民银行决定下调存款准备金率", "<p>正文</p>")
        add(conn, 4, "美国联邦储备委员会维持利率不变", "<p>正文</p>")
        add(conn, 5, "宁德时代新能源科技股份有限公司回购股份", "<p>正文</p>")
        add(conn, 6, "个税", "<p>个人交易所得税新规公布。</p>")
    assert ids(find(engine, "证券交易所")) == [1]
    assert ids(find(engine, "政治局会议")) == [2]
    assert ids(find(engine, "人民银行决定")) == [3]
    assert ids(find(engine, "联邦储备")) == [4]
    assert ids(find(engine, "股份有限公司")) == [5]
    assert ids(find(engine, "能源科技股份")) == [5]
    assert ids(find(engine, "科技股")) == [5]
    assert ids(find(engine, "中国人民")) == [3]
    # Excluded the same way.
    assert find(engine, "公告 -证券交易所") == []
    # Not where the last piece begins another word: 个人 交易 所得税 (所得 税).
    assert ids(find(engine, "交易所")) == [1]
    assert find(engine, "交易所新规") == []


def test_a_number_glued_to_letters_is_found_in_a_phrase(engine: Engine) -> None:
    with engine.begin() as conn:
        add(conn, 1, "沪深300ETF成交额创新高", "<p>正文</p>")
        add(conn, 2, "科创50ETF净流入超10亿元", "<p>正文</p>")
        add(conn, 3, "华为Mate60Pro开售即售罄", "<p>正文</p>")
    assert ids(find(engine, "沪深300")) == [1]
    assert ids(find(engine, "科创50")) == [2]
    assert ids(find(engine, "Mate60")) == ids(find(engine, "华为Mate60")) == [3]
    assert ids(find(engine, "300")) == [1]
    assert find(engine, "沪深30") == [] and find(engine, "mate6") == []


def test_a_word_too_long_for_the_index_finds_nothing(news: Engine) -> None:
    assert find(news, "央行" + "9" * 999) == [] and find(news, "央行 " + "9" * 999) == []
    assert set(ids(find(news, "央行 -" + "9" * 999))) == {1, 5}


def test_title_matches_rank_first(engine: Engine) -> None:
    body = "<p>" + "市场人士认为，相关举措有助于稳定预期。" * 5 + "{}</p>"
    with engine.begin() as conn:
        add(conn, 1, "股市收评", body.format("北向资金净买入。"))
        add(conn, 2, "北向资金净流入超百亿", body.format(""))
        add(conn, 3, "午间综述", body.format("北向资金午后加速流入，北向资金全天净买入。"))
    assert ids(find(engine, "北向资金")) == [2, 3, 1]
    hits = find(engine, "北向资金")
    assert hits[0].score > hits[1].score > hits[2].score


def test_a_title_match_outranks_mentions_in_a_short_body(engine: Engine) -> None:
    """However long the body of the story the title names, and however short
    the flash that mentions it in passing."""
    article = "<p>" + "公司在发布会上介绍了新产品的技术细节和量产计划，多家机构参会。" * 30 + "</p>"
    flash = "<p>创业板指午间收涨，宁德时代涨2%，宁德时代成交额居首。</p>"
    with engine.begin() as conn:
        add(conn, 1, "午间快讯", flash)
        add(conn, 2, "宁德时代发布新一代麒麟电池", article)
        for i in range(3, 23):  # other news: 宁德时代 is a rare word
            add(conn, i, f"快讯{i}", f"<p>央行开展{i}亿元逆回购操作。</p>")
    assert ids(find(engine, "宁德时代")) == [2, 1]


def test_a_title_match_outranks_short_bodies_and_a_word_left_out_keeps_the_scores(
    engine: Engine,
) -> None:
    """On PostgreSQL one ts_rank over the whole entry, normalized by its
    length, put three short items above the article the title names; ranked
    with its `-word` part, every score was about 1e-21 (shown as 0.0)."""
    article = (
        "<p>" + "科技公司在发布会上介绍了新产品的细节和量产计划，多家机构参会。" * 4 + "</p>"
        + "<p>" + "分析人士认为，这将改变行业的竞争格局。" * 20 + "</p>"
    )  # fmt: skip
    with engine.begin() as conn:
        add(conn, 1, "科技巨头发布新一代芯片", article)
        for i in (2, 3, 4):
            add(conn, i, f"周刊第{i}期", "<p>本周科技要闻。</p>")
        add(conn, 5, "汽车科技", "<p>汽车。</p>")
    assert ids(find(engine, "科技"))[0] == 1
    left_out = find(engine, "科技 -汽车")
    assert ids(left_out) == [i for i in ids(find(engine, "科技")) if i != 5]
    assert all(hit.score > 1e-6 for hit in left_out)


def test_a_title_holding_one_of_the_words_outranks_bodies_holding_both(engine: Engine) -> None:
    """PostgreSQL ranked the `&` of all the words at once: where only the
    title's positions count, a title with one of them scored nothing."""
    with engine.begin() as conn:
        add(
            conn,
            1,
            "央行发布公告",
            "<p>" + "市场人士认为，相关举措有助于稳定预期。" * 20 + "降准。</p>",
        )
        add(conn, 2, "普通快讯", "<p>" + "央行降准，" * 30 + "</p>")
        for i in range(3, 13):  # other news: both words are rare
            add(conn, i, f"快讯{i}", f"<p>今日开展{i}亿元逆回购操作。</p>")
    assert ids(find(engine, "央行 降准")) == [1, 2]


def test_a_title_match_ranks_first_where_a_longer_word_begins_with_the_phrases_last(
    engine: Engine,
) -> None:
    """A phrase's last word is looked for as a prefix too; PostgreSQL's
    ts_rank of a prefix that more than one word of the entry begins with (外汇
    of 外汇管理局) kept one of their positions, and the title that said 我国外汇
    scored nothing, below a text that mentioned it."""
    with engine.begin() as conn:
        add(conn, 1, "我国外汇收支保持平衡", "<p>国家外汇管理局数据显示，外汇储备规模稳定。</p>")
        add(
            conn,
            2,
            "国际收支数据发布",
            "<p>数据显示我国外汇收支保持基本平衡，我国外汇市场运行平稳。</p>",
        )
        for i in range(3, 13):  # other news: the words are rare
            add(conn, i, f"快讯{i}", f"<p>今日开展{i}亿元逆回购操作。</p>")
    hits = find(engine, "我国外汇")
    assert ids(hits) == [1, 2]
    assert hits[0].score > 10 * hits[1].score


def test_a_phrase_scattered_in_a_title_is_no_title_match(engine: Engine) -> None:
    """PostgreSQL's ts_rank reads neither `<->` nor a lexeme's weights: a
    title holding 央行 and 降准 apart ranked as one that says 央行降准 (10× any
    body), over the items saying it three times, and once, in their text; and
    the mentions of a phrase in a text were worth no more than one."""
    with engine.begin() as conn:
        add(
            conn, 1, "降准？央行回应：暂无计划", "<p>有传闻称央行降准，记者就此采访了多位专家。</p>"
        )
        add(
            conn,
            2,
            "市场综述",
            "<p>央行降准释放流动性。分析称央行降准利好银行。央行降准后市场回暖。</p>",
        )
        add(conn, 3, "午间快讯", "<p>央行降准0.25个百分点。</p>")
        add(conn, 4, "央行降准0.5个百分点", "<p>释放长期资金约5000亿元。</p>")
        for i in range(5, 15):  # other news: the words are rare
            add(conn, i, f"快讯{i}", f"<p>今日开展{i}亿元逆回购操作。</p>")
    hits = find(engine, "央行降准")
    assert ids(hits)[:2] == [4, 2]  # the title that says it, then three mentions
    by_id = {h.entry_id: h for h in hits}
    assert by_id[1].score <= by_id[3].score < by_id[2].score < by_id[4].score
    assert by_id[4].score > 10 * by_id[2].score  # a title match: 10× any body
    assert not any(match for _, match in by_id[1].title_segments)


def test_a_phrase_past_a_words_256th_place_is_missed_on_postgresql_only(engine: Engine) -> None:
    """The limit the README states: a tsvector keeps 256 places of a word."""
    body = "<p>" + "我们的目标是建设美好的家园。" * 200 + "这是发展的新机遇。</p>"
    with engine.begin() as conn:
        add(conn, 1, "长文", body)
    found = ids(find(engine, "发展的新机遇"))
    assert found == ([] if engine.dialect.name == "postgresql" else [1])
    assert ids(find(engine, "机遇")) == [1]  # a single word, anywhere


def test_words_of_other_spaced_scripts_are_found_anywhere_in_a_long_article(
    engine: Engine,
) -> None:
    # jieba yields each letter outside ASCII and Chinese on its own: every
    # Russian word, and "café", was a phrase of letters, and PostgreSQL keeps
    # 256 places of a token ("о"), so the end of a long article was unfound.
    russian = (
        "<p>" + "Центральный банк сохранил ключевую ставку. " * 100 + "Акции Газпрома выросли.</p>"
    )
    french = "<p>" + "La Bourse de Francfort a ouvert en légère hausse. " * 100 + "Un café.</p>"
    with engine.begin() as conn:
        add(conn, 1, "Рынок", russian)
        add(conn, 2, "Marchés", french)
        add(conn, 3, "咖啡", "<p>caf é 与 Газ прома 分开写。</p>")
    assert ids(find(engine, "Газпрома")) == [1]
    assert ids(find(engine, "café")) == [2]
    assert ids(find(engine, "ГАЗПРОМА выросли")) == [1]
    # A word of an inflecting language typed last may begin the text's form of
    # it (as it matched inside it as letters before); a Latin word may not.
    assert ids(find(engine, "Газпром")) == [1]
    assert ids(find(engine, "акции газпром")) == [1]
    assert ids(find(engine, "ставк")) == [1]
    assert ids(find(engine, "caf")) == [3] and find(engine, "Franc") == []  # not 2's café
    (hit,) = find(engine, "légère")
    assert "[légère]" in hit.snippet


@pytest.mark.parametrize(
    ("text", "typed", "begins"),
    [
        ("Η Εθνική Τράπεζα ανακοίνωσε κέρδη.", "Τράπεζα", "Τράπεζ"),
        ("בנק ישראל הותיר את הריבית ללא שינוי.", "הריבית", "הריב"),
        ("أعلن البنك المركزي عن خفض الفائدة.", "المركزي", "المركز"),
    ],
)
def test_greek_hebrew_and_arabic_words_are_whole_and_may_be_begun(
    engine: Engine, text: str, typed: str, begins: str
) -> None:
    with engine.begin() as conn:
        add(conn, 1, "市场", f"<p>{'其他新闻。' * 50}{text}</p>")
        add(conn, 2, "其他", "<p>没有这个词。</p>")
    assert words(normalize(typed)) == [normalize(typed)]  # one word, not letters
    assert ids(find(engine, typed)) == [1]
    assert ids(find(engine, begins)) == [1]  # typed last: the start of a longer form
    assert find(engine, f"{begins} 其他新闻") != []
    assert find(engine, typed[1:]) == []  # a word's end alone is no word of it


def test_more_hits_than_a_statement_takes_are_read_in_chunks(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`search -n 70000` on PostgreSQL read its hits with one IN list of 70,000
    parameters, over the 65,535 a statement takes: in chunks (of 2 here)."""
    with engine.begin() as conn:
        for n in range(1, 6):
            add(conn, n, f"央行公告{n}", "<p>央行" + "开展逆回购操作，" * n + "</p>")
    whole = ids(find(engine, "逆回购"))
    monkeypatch.setattr(search, "_CHUNK", 2)
    listed: list[int] = []  # how many ids each read of the hits' rows lists

    def count(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if " AS copied" in statement:
            listed.append(len(parameters) if isinstance(parameters, (tuple, list, dict)) else 0)

    event.listen(engine, "before_cursor_execute", count)
    try:
        hits = find(engine, "逆回购")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert ids(hits) == whole and sorted(whole) == [1, 2, 3, 4, 5]
    assert all("逆回购" in h.snippet for h in hits)
    assert listed == [2, 2, 1]


def test_text_past_its_200000th_character_is_not_indexed(engine: Engine) -> None:
    """A feed that inlines a whole book: the index stops at MAX_TEXT."""
    assert MAX_TEXT == 200_000
    filler = "央行" * (MAX_TEXT // 2 - 10)  # the item's text fills to just before the end
    with engine.begin() as conn:
        add(conn, 1, "长文", f"<p>{filler}zebra</p>")
        add(conn, 2, "更长", f"<p>{filler}{'。' * 20}zebra</p>")
    # (One word: PostgreSQL finds no phrase that far into a text, see above.)
    assert ids(find(engine, "zebra")) == [1]


def test_rejoined_words_keep_their_places_in_the_text() -> None:
    text = normalize("Zürich的央行与ñandú、Газпром和 ktvbar")
    assert words(text) == ["zürich", "的", "央行", "与", "ñandú", "газпром", "和", "ktvbar"]
    assert [(w, text[at : at + len(w)]) for w, at in located_words(text)] == [
        (w, w) for w in words(text)
    ]
    # Kana and Hangul stay as jieba cuts them: Korean particles join words.
    assert words(normalize("한국은행이")) == ["한", "국", "은", "행", "이"]


def test_what_the_post_shows_is_what_is_found(engine: Engine) -> None:
    """A word a zero-width space or soft hyphen splits is the word (rules read
    it so; search found neither half); a picture's alt text, which themes show
    as its caption, is searched; an untitled item's title is the one its post
    shows, made from its text, and weighs as a title."""
    with engine.begin() as conn:
        add(conn, 1, "新品推\u200b广会召开", "<p>称in\u00adflation压力可控。</p>")
        add(
            conn,
            2,
            "大会开幕",
            '<p>开幕。</p><p><img src="https://i.example/a.jpg" alt="董事长曾毓群致辞"></p>',
        )
        add(conn, 3, "", "<p>【稀土永磁板块午后拉升】北方稀土涨超5%。</p>")
        add(conn, 4, "午后市场综述", "<p>" + "稀土永磁走强。" * 3 + "</p>")
    (hit,) = find(engine, "推广")
    assert hit.title_segments == (("新品", False), ("推\u200b广", True), ("会召开", False))
    assert ids(find(engine, "inflation")) == [1]
    (caption,) = find(engine, "曾毓群")
    assert "[曾毓群]" in caption.snippet
    assert ids(find(engine, "稀土永磁")) == [3, 4]
    assert find(engine, "稀土永磁")[0].title == "稀土永磁板块午后拉升"


def test_what_the_post_leaves_out_or_no_browser_shows_is_not_found(engine: Engine) -> None:
    """An alt text the post drops (掘金's "image.png" on every picture, WeChat's
    "图片", a CMS's height) or makes an emoticon's title, what a frame holds (the post empties it) and a
    player's fallback text: every screenshot's post was found by "image"."""
    with engine.begin() as conn:
        add(
            conn,
            1,
            "Vue 3.5 响应式系统重构解析",
            '<p>本文分析响应式系统。</p><p><img src="https://p3.example/a.png" alt="image.png">'
            '<img src="https://mmbiz.example/b" alt="图片"><img src="https://i.example/c" alt="800">'
            '<img src="https://i.example/d" alt="图 2：营收构成"></p>'
            # An emoticon's alt text, as the post writes it: its title.
            '<p>真好<img src="https://face.example/h.png" title="[哈哈]" style="width:1em">！</p>'
            '<iframe src="https://ads.example/x">点击领取免费荐股内参</iframe>'
            '<video src="https://v.example/a.mp4">您的浏览器不支持视频播放</video>'
            '<audio src="https://v.example/a.mp3"><p>不支持音频</p></audio><p>结尾。</p>',
        )
    for query in ("image", "png", "图片", "800", "荐股", "浏览器", "音频", "哈哈"):
        assert find(engine, query) == [], query
    assert ids(find(engine, "营收构成")) == [1]  # (an alt text that says something)
    (hit,) = find(engine, "结尾")
    assert "image" not in hit.snippet and "浏览器" not in hit.snippet


def test_highlights_stay_in_place_beside_what_shows_nothing() -> None:
    """A dropped zero-width space and a grown ㎡ (m2) kept the text's length:
    taken for one character for one, the highlight marked the spaces."""
    from feedmill.search.snippet import match_spans

    assert match_spans("\u200b央行宣布降准1000㎡", query_tokens("央行").include) == [(1, 3)]
    shown = marked(
        snippet("资金\u200b\u200b央行宣布降准，释放长期资金…", query_tokens("央行").include)
    )
    assert "[央行]" in shown


@pytest.mark.parametrize("gap", [2_200, 7_000])
def test_a_phrase_far_into_a_long_text_is_shown_where_it_is(gap: int) -> None:
    """Past the snippet's first 50,000 characters it looked only around the
    first mention of the phrase's first word: 央行 in the first line, 央行降准
    80,000 characters on, and the hit showed its opening, nothing marked."""
    filler = "".join(f"第{n}部分：市场人士认为，后续货币政策仍有空间。" for n in range(gap))
    text = f"央行今日发布报告。{filler}报告指出，央行降准空间依然存在。"
    assert 50_000 < len(text) < MAX_TEXT  # (what the index reads)
    shown = marked(snippet(text, query_tokens("央行降准").include))
    assert "[央行降准]" in shown and "报告指出" in shown


@pytest.mark.parametrize("run", ["我的天" * 60_000, "哈" * 400])
def test_a_snippet_of_matches_that_run_on_is_still_a_snippet(run: str) -> None:
    """Adjacent matches merged into one, which the snippet would not cut: one
    hit printed 150 KB."""
    segs = snippet(f"<{run}>", query_tokens(run[:3] if run[0] == "我" else "哈").include)
    shown = "".join(t for t, _ in segs)
    assert len(shown) <= 120 + 2 + 20 and any(hit for _, hit in segs)


def test_hits_carry_the_entry_and_a_marked_snippet(news: Engine) -> None:
    (hit,) = find(news, "gpt-5")
    assert (hit.entry_id, hit.feed_id, hit.title) == (3, 1, "OpenAI 发布 GPT-5")
    assert hit.link == "https://news.example.cn/3.html"
    assert hit.date == T0 and hit.date.tzinfo is not None
    assert hit.snippet == "OpenAI 今日发布 [GPT-5] 模型，国内多家公司跟进。"
    assert hit.title_segments == (("OpenAI 发布 ", False), ("GPT-5", True))
    with news.connect() as conn:
        (custom,) = search.search(conn, SearchQuery("模型"), markers=("<mark>", "</mark>"))
    assert "<mark>模型</mark>" in custom.snippet
    assert ("模型", True) in custom.snippet_segments


def test_filters_feed_dates_and_statuses(engine: Engine) -> None:
    with engine.begin() as conn:
        add(conn, 1, "央行公开市场操作", "<p>一</p>", feed_id=1, published=T0)
        add(conn, 2, "央行公开市场操作", "<p>二</p>", feed_id=2, published=T0 + timedelta(days=1))
        add(conn, 3, "央行公开市场操作", "<p>三</p>", feed_id=2, published=None)  # first seen
        add(conn, 4, "央行公开市场操作", "<p>四</p>", status="duplicate")
        add(conn, 5, "央行公开市场操作", "<p>五</p>", status="blocked")
    assert set(ids(find(engine, "央行"))) == {1, 2, 3}
    assert set(ids(find(engine, "央行", feed_ids=[2]))) == {2, 3}
    assert find(engine, "央行", feed_ids=[]) == []
    assert set(ids(find(engine, "央行", since=T0 + timedelta(hours=1)))) == {2, 3}
    assert set(ids(find(engine, "央行", until=T0 + timedelta(days=1)))) == {1}
    assert set(ids(find(engine, "央行", statuses=("duplicate", "blocked")))) == {4, 5}
    assert set(ids(find(engine, "央行", statuses=None))) == {1, 2, 3, 4, 5}
    (first_seen,) = find(engine, "三")
    assert first_seen.date == T0 + timedelta(days=30)


def test_limit_offset_and_count(engine: Engine) -> None:
    with engine.begin() as conn:
        for i in range(1, 8):
            add(
                conn,
                i,
                f"第{i}期 逆回购操作",
                "<p>央行开展逆回购操作。</p>",
                published=T0 + timedelta(i),
            )
    with engine.connect() as conn:
        assert search.count(conn, SearchQuery("逆回购")) == 7
    first, second = find(engine, "逆回购", limit=4), find(engine, "逆回购", limit=4, offset=4)
    assert len(first) == 4 and len(second) == 3
    assert sorted(ids(first + second)) == list(range(1, 8))
    # Equal scores: newest first.
    assert ids(first) == [7, 6, 5, 4]


def test_a_changed_entry_replaces_its_old_text(news: Engine) -> None:
    with news.begin() as conn:
        search.index(conn, [SearchDoc(3, "OpenAI 发布 GPT-6", "新模型今日上线。")])
    assert find(news, "gpt-5") == []
    assert ids(find(news, "gpt-6")) == [3]
    with news.begin() as conn:
        search.remove(conn, [3, 4])
    assert find(news, "gpt-6") == [] and find(news, "300024") == []
    with news.begin() as conn:
        search.remove(conn, [1, 2, 5])
        assert indexed_terms(conn) == 0


def test_an_item_too_large_for_a_tsvector_is_indexed_in_part(engine: Engine) -> None:
    """An item of 200,000 rare characters and random words made more than
    PostgreSQL's 1 MiB of lexemes and positions: the insert failed, and with
    it the feed's every item, every pass.  It is indexed as far as the limit
    allows (here: 90,000 distinct words, ~1.4 MB, as the segmenter gives them)."""
    distinct = " ".join(f"w{n:011d}" for n in range(90_000))
    title = IndexTokens(words="超长 条目 " + distinct, parts="")
    body = IndexTokens(words="央行 宣布 降准 " + distinct, parts="")
    with engine.begin() as conn:
        add(conn, 1, "央行降准", f"<p>{PBOC}</p>", indexed=False)
        add(conn, 2, "超长条目", "<p>央行宣布降准</p>", indexed=False)
        first = SearchDoc.of(1, "央行降准", f"<p>{PBOC}</p>").tokenized()
        search.index(conn, [first, TokenizedDoc(2, title, body)])
    assert sorted(ids(find(engine, "央行"))) == [1, 2]
    assert ids(find(engine, "超长")) == [2]
    assert ids(find(engine, "w00000000001")) == [2]


def test_documents_can_be_segmented_before_the_transaction(engine: Engine) -> None:
    prepared = SearchDoc.of(0, "央行降准", f"<p>{PBOC}</p>").tokenized()  # id not known yet
    with engine.begin() as conn:
        add(conn, 7, "央行降准", f"<p>{PBOC}</p>", indexed=False)
        search.index(conn, [replace(prepared, entry_id=7)])
    assert ids(find(engine, "人民银行")) == [7]


def test_reindex_all_rebuilds_from_the_entries(engine: Engine) -> None:
    with engine.begin() as conn:
        for entry_id, title, html in NEWS:
            add(conn, entry_id, title, html, indexed=False)
        search.index(conn, [SearchDoc(1, "旧标题", "旧内容")])
    assert find(engine, "央行") == [] and ids(find(engine, "旧内容")) == [1]
    with engine.begin() as conn:
        assert search.reindex_all(conn, batch=2) == len(NEWS)
        assert search.is_current(conn)
    assert set(ids(find(engine, "央行"))) == {1, 5}
    assert find(engine, "旧内容") == []
    with engine.begin() as conn:
        conn.execute(delete(meta).where(meta.c.name == "search_index"))
        assert not search.is_current(conn)


def test_a_rebuild_waits_for_a_pass_storing_unindexed_entries(engine: Engine) -> None:
    # A pass with `search: false` stores an entry and marks it waiting; a
    # `feedmill search` rebuilding meanwhile (a new tokenizer) must not clear
    # that mark without indexing the entry.
    with engine.begin() as conn:
        add(conn, 1, "旧闻", "<p>旧闻</p>")
        conn.execute(delete(meta).where(meta.c.name == "search_index"))
    done: list[int] = []

    def rebuild() -> None:
        with engine.begin() as conn:
            if not search.is_current(conn):
                done.append(search.reindex_all(conn))

    def store(writer: Connection) -> None:
        add(writer, 2, "央行降准", f"<p>{PBOC}</p>", indexed=False)
        search.mark_pending(writer, [2])

    _while_a_pass_writes(engine, store, rebuild)
    assert done == [2]
    with engine.connect() as conn:
        assert search.is_current(conn) and search.waiting(conn) == 0
    assert ids(find(engine, "央行")) == [2]


def test_a_catch_up_indexes_the_waiting_entries_alone(engine: Engine) -> None:
    with engine.begin() as conn:
        for entry_id, title, html in NEWS:
            add(conn, entry_id, title, html)
        # Indexed by other words than its text: a rebuild would lose them.
        search.index(conn, [SearchDoc(3, "索引里的标题", "索引里的正文")])
        add(conn, 6, "比特币突破10万美元", "<p>比特币价格再创新高。</p>", indexed=False)
        conn.execute(update(entries).where(entries.c.id == 1).values(title="央行宣布降息"))
        search.mark_pending(conn, [6, 1, 6])
        assert search.waiting(conn) == 2
    assert search.catch_up(engine, batch=1) == 2
    with engine.connect() as conn:
        assert search.waiting(conn) == 0
    assert ids(find(engine, "比特币")) == [6]
    assert ids(find(engine, "降息")) == [1]
    assert ids(find(engine, "索引里的正文")) == [3]  # not indexed again
    assert search.catch_up(engine) == 0


def test_an_entry_changed_while_it_is_segmented_waits_for_its_new_text(engine: Engine) -> None:
    with engine.begin() as conn:
        add(conn, 1, "央行开展逆回购操作", "<p>央行开展100亿元逆回购操作。</p>", indexed=False)
        search.mark_pending(conn, [1])
    with engine.connect() as conn:
        rows = search.waiting_batch(conn, 0, 10)
    docs = [SearchDoc.of(*row).tokenized() for row in rows]
    stored: list[int] = []

    def write() -> None:
        with engine.begin() as conn:
            stored.append(search.index_unchanged(conn, rows, docs))

    def edit(writer: Connection) -> None:
        new = "<p>央行开展300亿元逆回购操作。</p>"
        writer.execute(update(entries).where(entries.c.id == 1).values(content=new))
        search.mark_pending(writer, [1])

    # A pass stores the item's edit (its text, then its mark) while the
    # catch-up writes: the catch-up waits for it (PostgreSQL: the row's
    # lock; SQLite: one writer at a time), then sees the text changed.
    _while_a_pass_writes(engine, edit, write)
    assert stored == [0]
    with engine.connect() as conn:
        assert search.waiting(conn) == 1
    assert find(engine, "100亿元") == []
    assert search.catch_up(engine) == 1
    assert ids(find(engine, "300亿元")) == [1] and find(engine, "100亿元") == []


def test_starting_over_empties_the_index_and_lists_every_entry(news: Engine) -> None:
    """A new tokenizer: the index is emptied at once and built again by
    ``catch_up``, batch by batch, not in one long write transaction."""
    with news.begin() as conn:
        conn.execute(delete(meta).where(meta.c.name == "search_index"))
        assert search.start_over(conn) == len(NEWS)
        assert search.is_current(conn) and search.waiting(conn) == len(NEWS)
        assert indexed_terms(conn) == 0
    assert find(news, "央行") == []
    assert search.catch_up(news, batch=2) == len(NEWS)
    assert set(ids(find(news, "央行"))) == {1, 5}


def test_a_catch_up_with_worker_processes(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "_PARALLEL_THRESHOLD", 0)
    with engine.begin() as conn:
        for entry_id, title, html in NEWS:
            add(conn, entry_id, title, html, indexed=False)
        search.mark_pending(conn, [entry_id for entry_id, _, _ in NEWS])
    assert search.catch_up(engine, batch=2, workers=2) == len(NEWS)
    assert set(ids(find(engine, "央行"))) == {1, 5}


def _while_a_pass_writes(
    engine: Engine, write: Callable[[Connection], None], other: Callable[[], None]
) -> None:
    """``other`` run in a thread while a transaction that ran ``write`` is
    open: SQLite's other writer cannot even begin before it commits (one at a
    time); PostgreSQL's is seen waiting for a lock first."""
    with engine.connect() as writer:
        with writer.begin():
            write(writer)
            thread = threading.Thread(target=other)
            thread.start()
            while engine.dialect.name == "postgresql" and thread.is_alive():
                if _waiting_for_a_lock(engine):
                    break
                thread.join(0.05)
        thread.join(60)
    assert not thread.is_alive()


def _waiting_for_a_lock(engine: Engine) -> bool:
    query = (
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    with engine.connect() as conn:
        return bool(conn.execute(text(query)).scalar_one())


def test_reindex_all_with_worker_processes(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "_PARALLEL_THRESHOLD", 0)
    with engine.begin() as conn:
        for entry_id, title, html in NEWS:
            add(conn, entry_id, title, html, indexed=False)
        assert search.reindex_all(conn, batch=2, workers=2) == len(NEWS)
    assert set(ids(find(engine, "央行"))) == {1, 5}
    assert ids(find(engine, "300024")) == [4]


def test_deleted_entries_are_never_found_and_their_ids_reindex_cleanly(news: Engine) -> None:
    with news.begin() as conn:
        conn.execute(delete(feeds).where(feeds.c.id == 1))  # entries cascade
    assert find(news, "央行") == []
    with news.begin() as conn:  # SQLite may hand out a deleted id again
        conn.execute(insert(feeds).values(id=1, url="https://feed1.example/"))
        add(conn, 1, "新的条目", "<p>比特币</p>")
    assert find(news, "央行") == [] and ids(find(news, "比特币")) == [1]
    with news.begin() as conn:
        search.remove(conn, range(1, 6))
        search.remove(conn, [1, 99])  # again, and one never indexed: nothing happens
    assert find(news, "比特币") == []
    with news.connect() as conn:
        # Every token of every version is gone: the deletes matched the inserts.
        assert indexed_terms(conn) == 0


def indexed_terms(conn: Connection) -> int:
    """How many distinct tokens the index holds."""
    if conn.dialect.name == "sqlite":
        conn.execute(
            text(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.v USING fts5vocab(main, search_index, row)"
            )
        )
        return int(conn.execute(text("SELECT count(*) FROM temp.v")).scalar_one())
    query = "SELECT count(*) FROM ts_stat('SELECT document FROM search_index')"
    return int(conn.execute(text(query)).scalar_one())


def test_the_migration_indexes_existing_entries(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    engine = create(url)
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0004")
        conn.execute(insert(feeds).values(id=1, url="https://feed1.example/"))
        for entry_id, title, html in NEWS:
            add(conn, entry_id, title, html, indexed=False)
    engine.dispose()
    engine = open_database(url)  # migrates to head
    # 0005 indexed them; 0014 made the index again, to be filled batch by
    # batch by the next search (its tokenizer changed): all of them wait.
    with engine.connect() as conn:
        assert search.is_current(conn)
        assert search.waiting(conn) == len(NEWS)
    assert search.catch_up(engine) == len(NEWS)
    assert set(ids(find(engine, "央行"))) == {1, 5}
    with engine.connect() as conn:
        assert search.waiting(conn) == 0
        assert conn.execute(select(entries.c.id)).all()
    engine.dispose()
