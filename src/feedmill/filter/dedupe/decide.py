"""Are two stories the same news?  A pure decision over two fingerprints.

1. **Alike enough:** the share of words they have in common — Jaccard, or
   containment for a short 快讯 of a long article — reaches the threshold.
2. **No conflicting facts:** a headline number of one that the other never
   mentions in the same unit ("央行开展100亿元逆回购" vs "…300亿元…"), or
   different amounts in a body in the same unit, means different news.
   Rounded and approximate figures agree ("逾120亿元" and "123.6亿元").
   Full dates ("9月20日") count too, for stories published half a day or
   more apart: two that share none are two days' news.  So do stock codes
   in brackets ("天孚通信（300394）"): two that each give some, none in
   common, are about other stocks.
3. **No conflicting names:** if each has a name (a rare word of its title and
   body) that the other never mentions, they are about different companies.

4. **Not one headline template about two subjects:** "宁远电池拟回购股份" and
   "中国平安拟回购股份" — if every word by which the two headlines differ is
   repeated in its own story's body and never mentioned by the other story,
   they are two announcements of one template (names jieba knows as common
   words, like 平安, escape rule 3; this catches them).  A long article
   mentions many words: against one with three times its words, a 快讯's
   own headline words, all repeated in its text, need only not all be in
   the article — when the article's headline repeats in its text a word the
   快讯 never uses (its company) and the two headlines share no name
   ("光明科技：拟1亿元至2亿元回购股份" against 金山电子's article of one
   template).  A 快讯 headlined in its own words ("斩获12亿元储能大单" for
   the article's "签订…采购合同") still names the article's company.
5. **Not one template filled in for others:** texts the same words in the
   same order but for one stretch (a template's slot), each slot naming
   what the other story never mentions: a word of its own headline
   ("贵州茅台公告：控股股东拟增持" and "五粮液：控股股东计划增持公司股份" over
   one notice, whose names jieba knows as common words and whose headlines
   differ by more than the name), or, under one headline, a name in a
   stretch inside the texts ("证监会同意两家企业IPO注册": 中芯国际、华大九天
   in one, 长鑫存储、宁德时代 in the other; "关于收到中国证监会立案告知书的
   公告" of *ST左江 and of *ST美尚).  Rewrites and excerpts of one story
   reword and cut here and there; two outlets' copies differ by the credits
   that open or close them (a reporter's or photographer's credit inside is
   left out with the outlet's furniture), which their headlines do not give.
6. **Not two issuers' notices:** a notice whose headline names its issuer
   ("贵州茅台关于召开…的通知") or whose header gives its 证券简称 or 证券代码
   is not a notice of another issuer, however alike the exchange's template
   makes the two texts (and whatever dates they share).

Stories of fewer than ``MIN_WORDS`` content words are never near-duplicates,
nor are two under different headlines whose texts repeat no word of either
(headlines of three words or more: a paywall's notice, a teaser a site puts
under every headline; its words are not the stories').
The same visible text is the same story — unless it is too short to name one
by itself (a routine notice, word for word the same each day) and the two
were published half a day or more apart; a text that repeats no word of its
headline is hashed with the headline (store.dedupe compares the hashes).

Measured on tests/data/dedupe (335 labelled articles, 689 pairs): see
benchmarks/README.md and tests/test_dedupe.py.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation, localcontext
from difflib import SequenceMatcher
from typing import Protocol

from feedmill import urls
from feedmill.filter.dedupe import DEFAULT_THRESHOLD
from feedmill.filter.dedupe.text import (
    AMOUNT_UNITS,
    CODE_UNIT,
    DATE_UNIT,
    ISSUER_UNIT,
    NOTICE_UNIT,
    STOCK_UNIT,
    YEARS_UNIT,
    Fact,
    Fingerprint,
    fingerprint,
    in_order,
    untold,
    word_id,
)

# Containment counts a third of Jaccard: a two-sentence excerpt that shares
# 55 % of its words with an article is as convincing as two full versions
# sharing 18 %.
CONTAINMENT_WEIGHT = 1 / 3
_RELATIVE_SLACK = Decimal("0.1")  # "逾120亿元" may be up to 10 % off
# Fewer content words than this say too little to tell two stories apart
# ("源1新闻1 正文" and "源2新闻2 正文"); such items merge only as exact copies.
MIN_WORDS = 8


# A copy with this many times the words of the posted story is its fuller
# telling — the article of a 快讯 posted first, one feed's full text of
# another's teaser: it takes the story's post (worker.handle).  Rewrites of
# one article differ in length by far less.
FULLER = 3
# ... if the posted story tells this share of the copy's headline words: a
# digest (财经早餐, 午间公告集锦) holds whole articles, and `decide` finds it a
# copy of each, but its headline is none of theirs (0–14 % of its words in
# one, against 44–100 % for all but 2 of the 26 articles of 快讯 and
# summaries in tests/data/dedupe).  Not 0.4: an article headlined in its own
# words ("9月LPR报价出炉：…品种均维持不变", 3 of its 8 words in the 快讯
# "9月LPR：1年期3.45%…") was taken for a digest, and posted beside its 快讯
# or under it as the two came.
HEADLINE_TOLD = 0.3


def fuller(new: Fingerprint, posted: Fingerprint) -> bool:
    """Is ``new`` the fuller telling of the story ``posted`` tells?"""
    if not new.title or len(new.words) < FULLER * len(posted.words):
        return False
    return len(new.title & posted.words) >= HEADLINE_TOLD * len(new.title)


# A digest's headline says what it is ("东方财富财经早餐 12月5日周四"); one of
# fewer words ("乙的快讯" over a `fulltext` item's article: 快讯) says nothing
# — or what a digest is called ("财经早餐", "早间要闻", "今日要闻"), not what a
# story's article is ("重要公告", "深度解读" over the 快讯 it tells).
DIGEST_TITLE_WORDS = 3
# (Each a word of a headline as jieba cuts it: "早知道" is 早 知道, and of
# "月报" no word is left.  Not 快报 nor 摘要: 业绩快报, 年报摘要 are a
# company's notices.)
DIGEST_WORDS = (
    "早餐", "要闻", "今日要闻", "晨报", "早报", "午报", "晚报", "夜报", "日报", "周报",
    "周刊", "简报", "集锦", "汇总", "速递", "速览", "一览", "必读", "合集", "新闻联播",
    "早班车", "头条",
)  # fmt: skip
DIGEST_NAMES = frozenset(word_id(word) for word in DIGEST_WORDS)


# A headline that names a digest and none of a story's names, nor much of its
# headline ("10月20日晚间公告汇总" over 宁德时代's 快讯), is a digest of it when it
# holds half as many words again of its own: its other headline words say
# little (公告 is in every notice 快讯), and a digest of short notices, sharing
# their every word but the names and figures, holds less than FULLER times a
# 快讯's.
DIGEST_OWN_WORDS = 0.5
# … or whose headline the story's shares more, holding this many figures of
# its own (a roundup of three companies' results: 8, of six: 16; an article
# under a column's name over its 快讯: 3 — 8 where it gives every term's
# rate and cut, and is posted beside the 快讯: two posts of one story rather
# than a roundup's other companies on no page).
DIGEST_OWN_FIGURES = 8
# Facts that are no figure: when and who, not how much.
_NOT_FIGURES = frozenset(
    {
        DATE_UNIT,
        ISSUER_UNIT,
        CODE_UNIT,
        STOCK_UNIT,
        NOTICE_UNIT,
        "年",
        YEARS_UNIT,
        "月",
        "日",
        "号",
        "季度",
        "期",
    }
)


def _figures_of_its_own(long: Fingerprint, short: Fingerprint) -> int:
    """How many of ``long``'s figures (amounts, shares, counts: not dates)
    ``short`` does not give."""
    return sum(
        len(found - short.facts.get(unit, frozenset()))
        for unit, found in long.facts.items()
        if unit not in _NOT_FIGURES
    )


def digest(long: Fingerprint, short: Fingerprint) -> bool:
    """Is ``long`` a digest (财经早餐, 午间公告集锦) that holds ``short``'s story
    among others — of three times its words or more, under a headline of its
    own that ``short`` tells too little of to be its fuller telling?  Held
    back as its copy, the digest's other news would be on no page of the site."""
    if (
        long.title & DIGEST_NAMES
        and not long.title & short.names
        and (
            len(long.title & short.title) < HEADLINE_TOLD * len(short.title)
            or _figures_of_its_own(long, short) >= DIGEST_OWN_FIGURES
        )
    ):
        # (Not "头条｜国有大行下调人民币存款挂牌利率" over "六大行今起下调人民币存款利率":
        # an article under a column's name, its headline the 快讯's, its few
        # figures more the 快讯's; "三季报业绩一览" over "宁德时代发布三季报业绩公告"
        # shares two of its headline's words, and gives five companies' figures.)
        return len(long.words - short.words) >= DIGEST_OWN_WORDS * len(short.words)
    return (
        (len(long.title) >= DIGEST_TITLE_WORDS or bool(long.title & DIGEST_NAMES))
        and len(long.words) >= FULLER * len(short.words)
        and len(long.title & short.words) < HEADLINE_TOLD * len(long.title)
    )


def parts_of_one_story(a: Fingerprint, b: Fingerprint, new: Fingerprint) -> bool:
    """Two posted stories that a fuller copy tells both (the decision found
    them two): parts of one story — a 快讯 of an article's lead and one of its
    analyst's figures, each naming what the other names — not two companies'
    news that a roundup (``new``) tells together: its headline names what
    each alone names."""
    if (a.names - b.words) & new.title and (b.names - a.words) & new.title:
        return False
    return bool(a.names & b.words) and bool(b.names & a.words)


@dataclass(frozen=True, slots=True)
class Verdict:
    duplicate: bool
    reason: str
    similarity: float = 0.0


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    if not a.words or not b.words:
        return 0.0
    common = len(a.words & b.words)
    jaccard = common / (len(a.words) + len(b.words) - common)
    containment = common / min(len(a.words), len(b.words))
    return max(jaccard, containment * CONTAINMENT_WEIGHT)


def unlike(a: Fingerprint, b: Fingerprint, threshold: float = DEFAULT_THRESHOLD) -> bool:
    """`decide` would reject ``b`` on words and text hash alone: the rest of
    a stored fingerprint need not be read (`text.load_words`)."""
    if a.text_hash and a.text_hash == b.text_hash:
        return False
    if min(len(a.words), len(b.words)) < MIN_WORDS:
        return True
    return similarity(a, b) < threshold


def _places(figure: str, value: Decimal) -> int:
    return -value.as_tuple().exponent if "." in figure else 0  # type: ignore[operator]


def _same_number(x: Fact, y: Fact) -> bool:
    (a, a_approx), (b, b_approx) = x, y
    if a == b:
        return True
    try:
        da, db = Decimal(a), Decimal(b)
    except InvalidOperation:
        return False
    if da == db:
        return True
    # The more precise figure, rounded like the other: 3171.47 ~ 3171, 53.0 ~ 53.
    places_a, places_b = _places(a, da), _places(b, db)
    coarse, fine, places = (da, db, places_a) if places_a < places_b else (db, da, places_b)
    with localcontext() as context:
        # Digits enough for the rounded figure: past the default 28, round()
        # raised InvalidOperation (and the feed failed on every pass).
        context.prec = max(context.prec, len(a) + len(b))
        if round(fine, places) == coarse:
            return True
    biggest = max(abs(da), abs(db))
    return (a_approx or b_approx) and biggest > 0 and abs(da - db) / biggest <= _RELATIVE_SLACK


# Pairs of figures compared one by one below this; above (two outlets' fund
# tables of thousands of values), each figure is compared only with those
# near it: quadratic, one story pair took 12 s at 1,000 figures.
_PAIRWISE = 64
_NEAR = Decimal("0.12")  # > slack / (1 - slack): how far an approximate figure may be


class _Sorted:
    """Figures of one unit by value — apart by decimal places and by being
    approximate, which set how far a figure may be from another and still
    be the same number — to find those near a figure by bisection."""

    def __init__(self, facts: frozenset[Fact]) -> None:
        groups: dict[tuple[int, bool], list[tuple[Decimal, Fact]]] = {}
        self.unreadable: set[str] = set()
        for fact in facts:
            try:
                value = Decimal(fact[0])
            except InvalidOperation:
                self.unreadable.add(fact[0])
                continue
            groups.setdefault((_places(fact[0], value), fact[1]), []).append((value, fact))
        self.groups = []
        for (places, approximate), pairs in groups.items():
            pairs.sort(key=lambda pair: pair[0])
            values = [value for value, _ in pairs]
            self.groups.append((places, approximate, values, [fact for _, fact in pairs]))

    def has_same(self, fact: Fact) -> bool:
        try:
            value = Decimal(fact[0])
        except InvalidOperation:
            return fact[0] in self.unreadable
        mine = _places(fact[0], value)
        with localcontext() as context:
            # The bounds to the last place (past 28 digits, "…678901.5 ± 0.05"
            # was rounded to "…679000", and the same figure not reached).
            context.prec = max(context.prec, len(fact[0]) + 2)
            for places, approximate, values, facts in self.groups:
                # Rounded to the coarser of the two, a figure is off by half its last place.
                reach = Decimal(5).scaleb(-min(mine, places) - 1)
                if fact[1] or approximate:
                    reach = max(reach, abs(value) * _NEAR)
                low, high = bisect_left(values, value - reach), bisect_right(values, value + reach)
                if any(_same_number(fact, other) for other in facts[low:high]):
                    return True
        return False


def _matched(fewer: frozenset[Fact], more: frozenset[Fact]) -> Iterator[bool]:
    """For each figure of ``fewer``, whether ``more`` gives the same number."""
    if len(fewer) * len(more) <= _PAIRWISE:
        return (any(_same_number(x, y) for y in more) for x in fewer)
    near = _Sorted(more)
    return (near.has_same(x) for x in fewer)


def _overlap(xs: frozenset[Fact], ys: frozenset[Fact]) -> bool:
    fewer, more = (xs, ys) if len(xs) <= len(ys) else (ys, xs)
    return any(_matched(fewer, more))


def _agree(xs: frozenset[Fact], ys: frozenset[Fact]) -> bool:
    """Figures of one unit that two versions of a story can both give: one in
    common, and when the sparer version gives three or more, most of them —
    a rewrite picks some of the figures; the next day's report of the same
    template shares one by chance ("0.5%" again) and differs in the rest."""
    fewer, more = (xs, ys) if len(xs) <= len(ys) else (ys, xs)
    found = sum(_matched(fewer, more))
    return found > 0 and (len(fewer) < 3 or 2 * found >= len(fewer))


def _days_apart(x: str, y: str) -> int | None:
    """Days between two "month-day" dates of an unknown year (the nearer way
    round the year's end), or None if one is no date."""
    try:
        a, b = (date(2000, *map(int, d.split("-"))) for d in (x, y))
    except ValueError:
        return None
    days = abs((a - b).days)
    return min(days, 366 - days)


def _dates_conflict(xs: frozenset[Fact], ys: frozenset[Fact], far_apart: bool) -> bool:
    """No date in common; and, for stories published close together, none
    even a day apart (one event is dated by two time zones, not by two days)."""
    if {d for d, _ in xs} & {d for d, _ in ys}:
        return False
    if far_apart:
        return True
    # Two versions of one story may each give one date of their own (the
    # day of an operation, the day it matures): a notice that gives two or
    # more (the meeting, the record date), none near the other's, is another.
    if len(xs) < 2 or len(ys) < 2:
        return False
    gaps = [gap for x, _ in xs for y, _ in ys if (gap := _days_apart(x, y)) is not None]
    return bool(gaps) and min(gaps) > 1


# Full dates are compared only for stories published this far apart: copies
# hours apart may date one event a day apart (a Fed decision is the 21st in
# Washington, the 22nd in Beijing); daily notices come a day apart.
DATES_APART = timedelta(hours=12)
# The next day's notice of a daily routine: its copies come within the day.
NEXT_DAY = timedelta(hours=20)


def conflicting_fact(a: Fingerprint, b: Fingerprint, apart: timedelta | None = None) -> str | None:
    for unit in a.title_facts.keys() & b.title_facts.keys():
        mine, theirs = a.title_facts[unit], b.title_facts[unit]
        if _overlap(mine, theirs):
            continue
        if not _overlap(mine, b.facts.get(unit, frozenset())) or not _overlap(
            theirs, a.facts.get(unit, frozenset())
        ):
            return f"headline figures differ ({unit})"
    for unit in (a.facts.keys() & b.facts.keys()) & AMOUNT_UNITS:
        if not _agree(a.facts[unit], b.facts[unit]):
            return f"figures differ ({unit})"
    codes_a, codes_b = a.facts.get(STOCK_UNIT), b.facts.get(STOCK_UNIT)
    if codes_a and codes_b and not codes_a & codes_b:
        return "stock codes differ"
    numbers_a, numbers_b = a.facts.get(NOTICE_UNIT), b.facts.get(NOTICE_UNIT)
    if numbers_a and numbers_b and not numbers_a & numbers_b:
        return "notice numbers differ"
    dates_a, dates_b = a.facts.get(DATE_UNIT), b.facts.get(DATE_UNIT)
    far_apart = apart is not None and apart >= DATES_APART
    # Published close together, two stories may date different things (an
    # event, a policy's term); under one headline, two notices of a template
    # ("关于召开临时股东大会的通知") are told apart by their dates.
    template = far_apart or _one_template(a, b)
    if dates_a and dates_b and template and _dates_conflict(dates_a, dates_b, far_apart):
        return "dates differ"
    return None


def _one_template(a: Fingerprint, b: Fingerprint) -> bool:
    """One headline, or one that differs only by words (a company's name)
    the other story never mentions."""
    mine, theirs = a.title - b.title, b.title - a.title
    return bool(a.title & b.title) and not mine & b.words and not theirs & a.words


def other_issuers(a: Fingerprint, b: Fingerprint) -> bool:
    """Rule 6: each a notice of a named issuer, and not of one issuer — no code
    in common, or no name within the other ("茅台" is 贵州茅台's)."""
    codes_a, codes_b = a.facts.get(CODE_UNIT), b.facts.get(CODE_UNIT)
    if codes_a and codes_b:
        return not codes_a & codes_b
    names_a, names_b = a.facts.get(ISSUER_UNIT), b.facts.get(ISSUER_UNIT)
    if not names_a or not names_b:
        return False
    return not any(x in y or y in x for x, _ in names_a for y, _ in names_b)


def conflicting_names(a: Fingerprint, b: Fingerprint) -> bool:
    return bool(a.names - b.words) and bool(b.names - a.words)


def conflicting_subjects(a: Fingerprint, b: Fingerprint) -> bool:
    """Rule 4: the headlines share words, and differ only in words of their own."""
    if not a.title & b.title:
        return False
    short, long = (a, b) if len(a.words) <= len(b.words) else (b, a)
    if len(long.words) >= FULLER * len(short.words):
        # The 快讯's own headline words, one of them not in the article (not
        # all: a long article mentions many words); the article's headline
        # names what the 快讯 never mentions (its company); no name shared.
        own = short.title - long.title
        theirs = (long.title - short.title) & long.subject
        return (
            bool(own)
            and own <= short.subject
            and bool(own - long.words)
            and bool(theirs - short.words)
            and not (a.title & b.title & (a.names | b.names))
        )
    mine, theirs = a.title - b.title, b.title - a.title
    return (
        bool(mine and theirs)
        and mine <= a.subject
        and theirs <= b.subject
        and not mine & b.words
        and not theirs & a.words
    )


# Rule 5: texts that begin and end alike over at least this share of the
# longer one's words are one template, filled in where they differ.
TEMPLATE_SHARE = 0.5
# Names of its own that each filling must give there, when the headline is
# the same: one is enough ("*ST左江公告，…" / "*ST美尚公告，…"); a reporter's
# credit ("本报记者张三报道" / "…李四报道") is outlet furniture, not a filling
# (text._BOILERPLATE).
SLOT_NAMES = 1


def _slots(a: Fingerprint, b: Fingerprint) -> tuple[set[int], set[int], bool] | None:
    """The stretch by which two texts of one template differ — the same
    words in the same order but there — on each side, and whether it lies
    inside the texts (neither their start nor their end); None if the texts
    are not one template."""
    x, y = in_order(a.sequence), in_order(b.sequence)
    shortest = min(len(x), len(y))
    head = next((i for i in range(shortest) if x[i] != y[i]), shortest)
    tail = next((i for i in range(shortest - head) if x[-1 - i] != y[-1 - i]), shortest - head)
    if head + tail < TEMPLATE_SHARE * max(len(x), len(y)):
        return None
    return set(x[head : len(x) - tail]), set(y[head : len(y) - tail]), bool(head and tail)


def _unmatched(a: Fingerprint, b: Fingerprint) -> tuple[set[int], set[int]] | None:
    """The words by which two texts of one template differ, in as many
    stretches as they do (the company it opens with, the amounts further
    on: "…不低于10亿元，不超过20亿元" against "…5亿元…10亿元"); None if the
    words they share in order are under TEMPLATE_SHARE of the longer's."""
    x, y = in_order(a.sequence), in_order(b.sequence)
    blocks = SequenceMatcher(None, x, y, autojunk=False).get_matching_blocks()
    if sum(block.size for block in blocks) < TEMPLATE_SHARE * max(len(x), len(y)):
        return None
    shared_x = {i for block in blocks for i in range(block.a, block.a + block.size)}
    shared_y = {i for block in blocks for i in range(block.b, block.b + block.size)}
    return (
        {w for i, w in enumerate(x) if i not in shared_x},
        {w for i, w in enumerate(y) if i not in shared_y},
    )


def other_fillings(a: Fingerprint, b: Fingerprint) -> str | None:
    """Rule 5: two fillings of one template, each about what the other story
    never mentions — named by its own headline (the company an outlet's
    headline and its text name), or, under the same headline, by names in a
    stretch inside the text (a rewrite rewords here and there, and
    two outlets' copies differ by their credits, which open or close the
    text, or name no word of the headline).  The reason, or None."""
    if not a.sequence or not b.sequence:
        return None
    # Most pairs: neither can hold, and the texts need not be unpacked.
    headlines = a.title - b.words and b.title - a.words
    same_headline = a.title and a.title == b.title and a.rare - b.words and b.rare - a.words
    if not (headlines or same_headline):
        return None
    # (Also where each text opens with its own headline: "【上海启动防汛四级应急
    # 响应】…" and "【广州防汛应急响应提升】…" over one notice are two cities'.
    # Two outlets' copies that each open with a headline of their own are
    # then two stories too: the words cannot tell them from those.)
    unmatched = _unmatched(a, b) if headlines else None
    if unmatched is not None:
        mine, theirs = unmatched
        if (mine & a.title) - b.words and (theirs & b.title) - a.words:
            return "one template, each about what its headline names"
    slots = _slots(a, b)
    if slots is None:
        return None
    mine, theirs, inside = slots
    if (
        same_headline
        and inside
        and len((mine & a.rare) - b.words) >= SLOT_NAMES
        and len((theirs & b.rare) - a.words) >= SLOT_NAMES
    ):
        return "same headline, different names in the text"
    return None


def teaser(a: Fingerprint, b: Fingerprint) -> bool:
    """Texts silent on two different headlines: a paywall's notice, a teaser
    a site puts under every headline ("贵州茅台一季度净利润同比增长" and
    "贵州茅台宣布上调出厂价格" over one "订阅后阅读全文") — not one story.  A
    text silent on one headline only is a story told under a headline that
    sums it up ("A股三大指数集体收涨" over the indexes' figures), and is
    compared as any other."""
    return untold(a.title, a.subject) and untold(b.title, b.subject) and a.title != b.title


def again(a: Fingerprint, apart: timedelta | None) -> bool:
    """The same text as ``a``, published ``apart`` from it, is the next
    occurrence of a routine notice, not a copy: a text too short to name a
    story ("央行今日开展1200亿元7天期逆回购操作"), or one that speaks of its
    own day (`Fingerprint.daily`), comes back the next day word for word;
    copies come within hours (a day's evening roundup: half a day)."""
    if apart is None:
        return False
    return apart >= DATES_APART if not a.identifying else a.daily and apart >= NEXT_DAY


def again_reworded(a: Fingerprint, b: Fingerprint, apart: timedelta | None) -> bool:
    """Two outlets' words for a routine notice that speaks of its own day
    ("人民银行今日开展20亿元7天期逆回购操作"), published a day apart: the next
    day's notice (its figures the same for weeks), not a copy — as `again`
    holds of the same words.  (Not a flash too short to name its story: a
    one-off story's, "今日" in it, that a slower outlet words otherwise is a
    copy, however late — from its words alone the two cannot be told apart.)"""
    return apart is not None and apart >= NEXT_DAY and a.daily and b.daily


def decide(
    a: Fingerprint,
    b: Fingerprint,
    threshold: float = DEFAULT_THRESHOLD,
    apart: timedelta | None = None,
) -> Verdict:
    """``apart``: how far apart the two were published, if known."""
    if a.text_hash and a.text_hash == b.text_hash:
        if again(a, apart):
            return Verdict(False, "the same routine text again, on another day", 1.0)
        return Verdict(True, "same text", 1.0)
    if min(len(a.words), len(b.words)) < MIN_WORDS:
        return Verdict(False, "too short to compare")
    if teaser(a, b):
        return Verdict(False, "one text under two headlines it tells neither of (a teaser)")
    score = similarity(a, b)
    if score < threshold:
        return Verdict(False, f"similarity {score:.2f} below {threshold:.2f}", score)
    if digest(a, b) or digest(b, a):
        return Verdict(False, "a digest that holds the other story among others", score)
    conflict = conflicting_fact(a, b, apart)
    if conflict:
        return Verdict(False, conflict, score)
    if other_issuers(a, b):
        return Verdict(False, "notices of different issuers", score)
    if conflicting_names(a, b):
        return Verdict(False, "about different names", score)
    if conflicting_subjects(a, b):
        return Verdict(False, "same headline template, different subjects", score)
    filled = other_fillings(a, b)
    if filled:
        return Verdict(False, filled, score)
    if again_reworded(a, b, apart):
        return Verdict(False, "a routine notice again, on another day", score)
    return Verdict(True, f"similarity {score:.2f}", score)


class _Stored(Protocol):
    """A stored entry's row, as much as a verdict reads of it."""

    title: str
    content: str
    link: str | None
    fingerprint: str | None  # its text's hash
    published_at: datetime | None
    first_seen_at: datetime


def copy_tells(threshold: float) -> Callable[..., bool]:
    """Does a held-back copy (a stored entry's row) tell the story of another
    stored entry (``post``)?  For copies a story passes on (`store.entries.
    hand_down`): two 快讯 with different figures, each a copy of the article
    that told both, are two stories once the article is gone.  As a new
    copy is judged: the same page (`urls.one_address`; not ``by_link`` where
    a feed lists several items under it, a live-news list page), the same
    text, or alike.  (A headline alone is no copy of another telling: it
    would hold back the only text of the story, as a new one would not.)"""

    def tells(copy: _Stored, post: _Stored, *, by_link: bool = True) -> bool:
        if (
            by_link
            and copy.link
            and urls.names_a_story(copy.link)
            and urls.one_address(copy.link, post.link)
        ):
            return True
        a, b = (fingerprint(row.title or "", row.content or "") for row in (copy, post))
        apart = abs(_moment(copy) - _moment(post))
        if copy.fingerprint and copy.fingerprint == post.fingerprint and not again(a, apart):
            return True
        return decide(a, b, threshold, apart=apart).duplicate

    return tells


def _moment(row: _Stored) -> datetime:
    return row.published_at or row.first_seen_at
