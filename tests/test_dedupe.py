"""One story, one post: near-duplicates across feeds.

The evaluation set (tests/data/dedupe, see its README) labels 689 pairs of
335 articles: rewritten, reordered, excerpted and boilerplate-wrapped copies
of one story, and different stories on the same topic and day — templated
flash news whose only difference is a number, a name or a date among them.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from feedmill.filter.dedupe import DEFAULT_THRESHOLD, DedupePolicy
from feedmill.filter.dedupe.decide import DIGEST_WORDS, decide, digest, fuller, similarity, unlike
from feedmill.filter.dedupe.lsh import bands, story_keys
from feedmill.filter.dedupe.text import (
    Fingerprint,
    dump,
    fingerprint,
    load,
    load_words,
    normalize,
    word_id,
)
from feedmill.models import Entry
from feedmill.store.database import open_database, reading
from feedmill.store.schema import dedupe_bands, dedupe_prints, entries, feeds

from support.feeds import Item, rss
from support.site import cli, owe_a_rebuild, posts, write_config

DATA = Path(__file__).parent / "data" / "dedupe"
STORIES = {s["id"]: s for s in map(json.loads, (DATA / "stories.jsonl").open(encoding="utf-8"))}
# Long articles (900–1,100 characters), their 快讯, and 快讯 of other news
# close to them (tests/data/dedupe-long, see its README).
LONG = {
    s["id"]: s
    for s in map(json.loads, (DATA.parent / "dedupe-long" / "stories.jsonl").open(encoding="utf-8"))
}
# ... and five items of two traps: another company's 快讯 of one template, a roundup.
TRAPS = {
    s["id"]: s
    for s in map(json.loads, (DATA.parent / "dedupe-long" / "traps.jsonl").open(encoding="utf-8"))
}
SOURCES = sorted({s["source"] for s in (*STORIES.values(), *LONG.values(), *TRAPS.values())})
PAIRS = [json.loads(line) for line in (DATA / "pairs.jsonl").open(encoding="utf-8")]


def _precision_recall(found: dict[tuple[str, str], bool]) -> tuple[float, float]:
    tp = sum(1 for p in PAIRS if p["duplicate"] and found[p["a"], p["b"]])
    fp = sum(1 for p in PAIRS if not p["duplicate"] and found[p["a"], p["b"]])
    positives = sum(1 for p in PAIRS if p["duplicate"])
    return tp / max(tp + fp, 1), tp / positives


# -- the decision, pair by pair --------------------------------------------------


def test_the_evaluation_set_meets_the_targets_pair_by_pair() -> None:
    prints = {k: fingerprint(s["title"], s["html"]) for k, s in STORIES.items()}
    found = {
        (p["a"], p["b"]): decide(prints[p["a"]], prints[p["b"]], DEFAULT_THRESHOLD).duplicate
        for p in PAIRS
    }
    precision, recall = _precision_recall(found)
    assert precision >= 0.95, precision
    assert recall >= 0.90, recall


def test_lsh_finds_the_candidates_that_the_decision_confirms() -> None:
    """A confirmed pair that shares no LSH band would be lost at scale."""
    keys = {k: set(story_keys(fingerprint(s["title"], s["html"]))) for k, s in STORIES.items()}
    confirmed = [
        p
        for p in PAIRS
        if p["duplicate"]
        and decide(
            fingerprint(STORIES[p["a"]]["title"], STORIES[p["a"]]["html"]),
            fingerprint(STORIES[p["b"]]["title"], STORIES[p["b"]]["html"]),
        ).duplicate
    ]
    missed = [p for p in confirmed if not keys[p["a"]] & keys[p["b"]]]
    assert len(missed) <= 0.02 * len(confirmed), missed


def test_templated_flash_news_with_different_figures_are_different_news() -> None:
    body = "人民银行公告称，为维护银行体系流动性合理充裕，今日以利率招标方式开展了{}亿元7天期逆回购操作，中标利率2.0%。"
    a = fingerprint("央行开展100亿元逆回购", "<p>" + body.format(100) + "</p>")
    b = fingerprint("央行开展300亿元逆回购", "<p>" + body.format(300) + "</p>")
    verdict = decide(a, b)
    assert not verdict.duplicate
    assert "figures differ" in verdict.reason
    # The same figures, reworded: one story.
    c = fingerprint(
        "央行今日开展100亿元7天期逆回购操作",
        "<p>央行今日以利率招标方式开展100亿元7天期逆回购操作，中标利率持平于2.0%，维护银行体系流动性合理充裕。</p>",
    )
    assert decide(a, c).duplicate


@pytest.mark.parametrize(
    ("one", "other"),
    [("杭州", "南京"), ("杭州", "西安"), ("上海", "深圳"), ("成都", "武汉")],
)
def test_one_template_about_two_cities_is_two_stories(one: str, other: str) -> None:
    """A text names its city 杭州市 (one word to jieba), its headline 杭州: the
    two cities were no words of their texts, and each city's 取消限购 was
    merged into the other's (several cities announced it the same day)."""
    body = (
        "<p>{}市住房保障和房产管理局发布通知，自即日起，在本市范围内购买二手住房，不再审核购房"
        "资格。同时，个人住房转让增值税征免年限由5年调整为2年。</p>"
    )
    a = fingerprint(f"{one}：取消限购 购房不再审核购房资格", body.format(one))
    b = fingerprint(f"{other}：取消限购 购房不再审核购房资格", body.format(other))
    assert not decide(a, b).duplicate
    # The same city's news, reworded: one story.
    c = fingerprint(f"{one}全面取消住房限购", body.format(one).replace("自即日起", "即日起"))
    assert decide(a, c).duplicate


def test_the_exact_copy_hash_reads_the_text_as_stored_hashes_do() -> None:
    """Hidden text left out of what is read for dedupe changed the hash that
    finds an exact copy: a copy after the upgrade missed the story stored
    before it, and was posted again."""
    hidden = "<p>央行今日开展逆回购操作<span style='display:none'>本文来源某公众号</span>，中标利率持平。</p>"
    shown = "<p>央行今日开展逆回购操作<span>本文来源某公众号</span>，中标利率持平。</p>"
    assert fingerprint("逆回购", hidden).text_hash == fingerprint("逆回购", shown).text_hash


def test_an_article_headlined_in_its_own_words_is_no_digest_of_its_flash() -> None:
    """3 of the article's 8 headline words are in the 快讯: it was taken for a
    digest that holds the 快讯 among other news, and posted beside it (or
    under it, as the two came)."""
    article = fingerprint(
        "9月LPR报价出炉：1年期和5年期以上品种均维持不变",
        "<p>证券时报网讯，中国人民银行授权全国银行间同业拆借中心公布，2023年9月20日贷款市场报价利率"
        "（LPR）为：1年期LPR为3.45%，5年期以上LPR为4.2%。以上LPR在下一次发布LPR之前有效。</p>"
        "<p>此前，央行9月15日开展的中期借贷便利（MLF）操作利率维持2.5%不变。市场人士表示，MLF利率"
        "不变意味着LPR报价的定价基础没有变化，叠加银行净息差处于历史低位，报价行下调加点的动力不足。"
        "</p><p>民生银行首席经济学家温彬认为，年内仍有降准降息的可能。</p>",
    )
    flash = fingerprint(
        "【快讯】9月LPR：1年期3.45%，5年期以上4.2%",
        "<p>财联社9月20日电，9月1年期LPR为3.45%，5年期以上LPR为4.2%，均与上月持平。</p>",
    )
    assert decide(article, flash).duplicate and decide(flash, article).duplicate
    assert fuller(article, flash) and not digest(article, flash)


def test_two_landfalls_of_one_typhoon_are_two_stories() -> None:
    """海南省文昌市 and 广东省徐闻县 in the texts, 海南文昌 and 广东徐闻 in the
    headlines: the second landfall, six hours on, was held back as a copy."""
    first = fingerprint(
        "台风“摩羯”在海南文昌登陆 登陆时中心附近最大风力17级",
        "<p>据中央气象台消息，今年第11号台风“摩羯”（超强台风级）已于9月6日16时20分前后在海南省"
        "文昌市翁田镇沿海登陆，登陆时中心附近最大风力有17级以上（62米/秒），中心最低气压为915百帕。</p>",
    )
    second = fingerprint(
        "台风“摩羯”在广东徐闻再次登陆 登陆时中心附近最大风力15级",
        "<p>据中央气象台消息，今年第11号台风“摩羯”（超强台风级）已于9月6日22时20分前后在广东省"
        "徐闻县角尾乡沿海再次登陆，登陆时中心附近最大风力有15级以上（58米/秒），中心最低气压为935百帕。</p>",
    )
    flash = fingerprint(
        "超强台风“摩羯”登陆海南文昌",
        "<p>财联社9月6日电，据中央气象台，今年第11号台风“摩羯”于今天16时20分前后在海南文昌沿海"
        "登陆，登陆时中心附近最大风力17级以上，中心最低气压915百帕。</p>",
    )
    assert not decide(first, second, apart=timedelta(hours=6)).duplicate
    assert decide(first, flash).duplicate


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("宁远电池", "云启网络"),
        ("宁德时代", "比亚迪"),
        ("贵州茅台", "五粮液"),
        ("中国平安", "招商银行"),
    ],
)
def test_different_companies_in_the_same_template_are_different_news(one: str, other: str) -> None:
    """Announcements are templated; company names are often common words to jieba."""
    body = "<p>{}发布公告称，公司拟以自有资金回购股份，回购金额不低于1亿元且不超过2亿元，回购价格不超过每股30元，用于员工持股计划。</p>"
    a = fingerprint(f"{one}拟回购股份", body.format(one))
    b = fingerprint(f"{other}拟回购股份", body.format(other))
    assert not decide(a, b).duplicate
    assert decide(a, fingerprint(f"{one}：拟1亿至2亿元回购股份", body.format(one))).duplicate


NOTICE = (
    "公司全年实现营业收入同比增长15.7%，净利润同比增长15.4%，拟每10股派发现金红利276.73元，"
    "董事会同时审议通过了年度利润分配方案。"
)


def test_untitled_flashes_of_two_companies_are_told_by_their_headlines() -> None:
    """An untitled 快讯 is posted under the headline its text opens with;
    compared without it, two companies' notices of one template were one."""
    body = (
        "<p>【{0}：股东拟减持】{0}晚间公告，持股5%以上股东计划自本公告披露之日起15个交易日后的"
        "3个月内，通过集中竞价方式减持公司股份不超过1%。股东减持原因为自身资金需求。</p>"
    )
    midea, gree = fingerprint("", body.format("美的集团")), fingerprint("", body.format("格力电器"))
    assert not decide(midea, gree).duplicate
    assert decide(midea, fingerprint(" ", body.format("美的集团").replace("晚间", ""))).duplicate
    # A headline that ends as an outlet's name does (年报, 电网, 报道) is a headline.
    for end in ("发布2024年年报", "中标国家电网", "回应相关报道", "发布喜报", "中标国网"):
        one, other = (
            f"<p>【{name}{end}】{name}今日公告，{NOTICE}</p>" for name in ("贵州茅台", "五粮液")
        )
        assert not decide(fingerprint("", one), fingerprint("", other)).duplicate, end
    # "X：…" names its subject, though the text says 公司 (or 工行) for it.
    one, other = (f"<p>【{name}：发布年报】公司今日公告，{NOTICE}</p>" for name in ("万科", "格力"))
    assert not decide(fingerprint("", one), fingerprint("", other)).duplicate
    # Opening with an outlet's credit, not a headline: copies of one story.
    story = "央行今日开展5000亿元中期借贷便利操作，期限1年，中标利率2.50%，与上次持平。"
    for credit in ("格隆汇3月15日丨", "【财联社】", "【新华社北京3月15日电】"):
        one, other = f"<p>财联社3月15日电，{story}</p>", f"<p>{credit}{story}</p>"
        assert decide(fingerprint("", one), fingerprint("", other)).duplicate, credit
    # … or with a credit or a column's label in brackets, which the story never names.
    labels = (
        "金十数据",
        "华尔街见闻",
        "证券时报e公司",
        "中国证券报·中证网",
        "重磅消息",
        "盘前必读",
    )
    for one, other in itertools.pairwise(labels):
        pair = (fingerprint("", f"<p>【{label}】{story}</p>") for label in (one, other))
        assert decide(*pair).duplicate, (one, other)


@pytest.mark.parametrize(
    ("amounts", "others"),
    [(("10", "20"), ("10", "20")), (("10", "20"), ("5", "10")), (("5", "10"), ("5", "8"))],
)
def test_one_notice_of_two_companies_whose_amounts_differ_is_two_notices(
    amounts: tuple[str, str], others: tuple[str, str]
) -> None:
    """The README's pair: the texts differ in the name they open with and,
    further on, in the amounts — two stretches, not one."""
    body = (
        "<p>{}公告，公司控股股东计划自本公告披露之日起6个月内，通过集中竞价交易方式增持公司股份，"
        "增持金额不低于{}亿元，不超过{}亿元。本次增持基于对公司未来发展前景的信心。</p>"
    )
    maotai = fingerprint("贵州茅台公告：控股股东拟增持", body.format("贵州茅台", *amounts))
    wuliangye = fingerprint("五粮液：控股股东计划增持公司股份", body.format("五粮液", *others))
    assert not decide(maotai, wuliangye).duplicate
    rewrite = fingerprint(
        f"贵州茅台：控股股东拟增持{amounts[0]}亿至{amounts[1]}亿元",
        body.format("贵州茅台晚间", *amounts).replace("本次增持基于对公司未来发展前景的信心。", ""),
    )
    assert decide(maotai, rewrite).duplicate


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("中际旭创", "比亚迪"),
        ("中际旭创", "新易盛"),
        ("宁德时代", "新易盛"),
        ("立讯精密", "中际旭创"),
    ],
)
def test_names_jieba_cuts_by_their_neighbours_still_tell_two_companies_apart(
    one: str, other: str
) -> None:
    """jieba cuts a name it does not know by what follows: "中际旭创获机构" is
    中际旭 / 创获, "中际旭创今日" 中际旭创 — the headline's name was none of its
    text's words, and two stocks' 龙虎榜 of one template were one story."""
    body = (
        "<p>{}今日涨停，龙虎榜数据显示，三家机构专用席位合计净买入1亿元，"
        "深股通专用席位净卖出2000万元。</p>"
    )
    a = fingerprint(f"龙虎榜：{one}获机构净买入1亿元", body.format(one))
    b = fingerprint(f"龙虎榜：{other}获机构净买入1亿元", body.format(other))
    assert not decide(a, b).duplicate
    rewrite = fingerprint(f"{one}获机构净买入1亿元", body.format(one))
    assert decide(a, rewrite).duplicate


def test_one_headline_over_two_stocks_named_with_their_codes_is_two_stories() -> None:
    """The name opens each text (no stretch inside them differs): the codes
    in brackets tell the stocks apart; the same code written another way
    ("300394.SZ") is the same stock."""
    body = (
        "<p>{}今日涨停，龙虎榜数据显示，三家机构专用席位合计净买入1.2亿元，"
        "深股通专用席位净卖出2000万元。</p>"
    )
    title = "龙虎榜：机构净买入1.2亿元"
    a = fingerprint(title, body.format("天孚通信（300394）"))
    b = fingerprint(title, body.format("光迅科技（002281）"))
    assert decide(a, b).reason == "stock codes differ"
    assert decide(a, fingerprint(title, body.format("天孚通信(300394.SZ)"))).duplicate
    assert decide(a, fingerprint(title, body.format("天孚通信"))).duplicate  # one gives none


_NOTICE = (
    "<p>近日，中国证监会按法定程序同意以下企业科创板首次公开发行股票注册：{}。"
    "上述企业及其承销商将分别与上海证券交易所协商确定发行日程，并陆续刊登招股文件。</p>"
)


@pytest.mark.parametrize(
    ("title", "one", "other"),
    [
        ("证监会同意两家企业IPO注册", "中芯国际、华大九天", "长鑫存储、宁德时代"),
        (
            "证监会同意3家企业科创板IPO注册",
            "杭州芯原微电子股份有限公司、苏州敏芯微电子技术股份有限公司、上海泰坦科技股份有限公司",
            "北京天智航医疗科技股份有限公司、深圳普门科技股份有限公司、江苏北人机器人系统股份有限公司",
        ),
    ],
)
def test_one_headline_over_a_notice_naming_other_companies_is_other_news(
    title: str, one: str, other: str
) -> None:
    """The names are only in the text, and jieba cuts them into common words
    (宁德 时代, 长鑫 存储): the headline and the rest of the text are the same."""
    a, b = fingerprint(title, _NOTICE.format(one)), fingerprint(title, _NOTICE.format(other))
    verdict = decide(a, b)
    assert not verdict.duplicate
    assert verdict.reason == "same headline, different names in the text"
    # The same notice from another outlet — with its own line added, or cut
    # short — is the same news; so is one that names no company.
    assert decide(a, fingerprint(title, _NOTICE.format(one) + "<p>（证券时报网）</p>")).duplicate
    assert decide(a, fingerprint(title, _NOTICE.format(one).split("上述")[0] + "</p>")).duplicate
    assert decide(a, fingerprint(title, _NOTICE.format("两家企业"))).duplicate


_FLASH = (
    "为维护银行体系流动性合理充裕，中国人民银行今日以利率招标方式开展了2000亿元7天期逆回购操作，"
    "中标利率为2.0%，与此前持平。由于今日有20亿元逆回购到期，当日实现净投放1980亿元。"
)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (f"财联社9月20日电，{_FLASH}", f"证券时报e公司讯，{_FLASH}"),
        (f"据证券时报报道，{_FLASH}", f"据第一财经报道，{_FLASH}"),
        (f"{_FLASH}（中国证券报）", f"{_FLASH}（上海证券报）"),
        (f"{_FLASH}本报记者张晓燕报道。分析人士指出，季末流动性需求上升。",
         f"{_FLASH}本报记者王涵报道。分析人士指出，季末流动性需求上升。"),
    ],
)  # fmt: skip
def test_copies_of_one_flash_that_differ_by_their_credits_are_one_story(
    one: str, other: str
) -> None:
    """Two outlets' copies differ where each credits itself — where the text
    opens or closes, or by a reporter's name: no template's slot (rule 5)."""
    title = "央行今日开展2000亿元逆回购操作"
    verdict = decide(fingerprint(title, f"<p>{one}</p>"), fingerprint(title, f"<p>{other}</p>"))
    assert verdict.duplicate, verdict


def test_a_fingerprint_stored_before_names_and_order_were_kept_still_decides() -> None:
    """Stored fingerprints without `rare` and `sequence` load as knowing
    neither: rule 5 never applies to them, everything else decides as before."""
    a = fingerprint("证监会同意两家企业IPO注册", _NOTICE.format("中芯国际、华大九天"))
    b = fingerprint("证监会同意两家企业IPO注册", _NOTICE.format("长鑫存储、宁德时代"))
    raw = json.loads(dump(b))
    del raw["rare"], raw["sequence"]
    old = load(json.dumps(raw))
    assert old == replace(b, shingles=(), rare=frozenset(), sequence=b"")
    assert decide(a, old).duplicate and decide(a, old).reason.startswith("similarity")


def test_made_for_chinese_a_traditional_version_and_an_english_rewrite_stay_apart() -> None:
    """The README's limits: names are told by a Chinese word list, so a story
    in traditional characters is not its simplified version's copy, and an
    English rewrite in other words is not merged (every English word is a
    name) — where the same story reworded in simplified Chinese is."""
    simplified = fingerprint(
        "央行宣布下调存款准备金率0.5个百分点",
        "<p>中国人民银行决定于5月15日下调金融机构存款准备金率0.5个百分点，此次降准将释放长期资金"
        "约1万亿元，有助于保持银行体系流动性合理充裕，支持实体经济发展。</p>",
    )
    reworded = fingerprint(
        "人民银行：5月15日起降准0.5个百分点",
        "<p>此次降准将释放长期资金约1万亿元。中国人民银行决定于5月15日下调金融机构存款准备金率"
        "0.5个百分点，有助于保持银行体系流动性合理充裕、支持实体经济发展。</p>",
    )
    traditional = fingerprint(
        "央行宣佈下調存款準備金率0.5個百分點",
        "<p>中國人民銀行決定於5月15日下調金融機構存款準備金率0.5個百分點，此次降準將釋放長期資金"
        "約1萬億元，有助於保持銀行體系流動性合理充裕，支持實體經濟發展。</p>",
    )
    assert decide(simplified, reworded).duplicate
    assert not decide(simplified, traditional).duplicate
    english = (
        "Fed holds rates steady, signals cuts later this year",
        "<p>The Federal Reserve left its benchmark interest rate unchanged on Wednesday and "
        "signalled it still expects to cut rates later this year as inflation cools, officials "
        "said after a two-day meeting in Washington.</p>",
    )
    rewrite = fingerprint(
        "US central bank leaves borrowing costs alone",
        "<p>America's central bank kept borrowing costs on hold on Wednesday after meeting for "
        "two days in Washington, while policymakers indicated reductions remain likely before "
        "year-end as price pressures ease.</p>",
    )
    assert decide(fingerprint(*english), fingerprint(*english)).duplicate
    assert not decide(fingerprint(*english), rewrite).duplicate


def test_very_short_items_merge_only_as_exact_copies() -> None:
    a = fingerprint("源1新闻1", "<p>正文</p>")
    b = fingerprint("源2新闻2", "<p>正文</p>")
    assert decide(a, b).reason == "too short to compare"
    assert a.text_hash != b.text_hash  # a short body is hashed with its title


def test_a_stored_fingerprint_decides_as_the_computed_one() -> None:
    """Candidates are verified against stored fingerprints (text.dump):
    nothing the decision reads may be lost on the way."""
    prints = {k: fingerprint(s["title"], s["html"]) for k, s in STORIES.items()}
    for print_ in prints.values():
        assert load(dump(print_)) == replace(print_, shingles=(), lead=())
    for pair in PAIRS:
        a, b = prints[pair["a"]], prints[pair["b"]]
        assert decide(load(dump(a)), load(dump(b))) == decide(a, b)


def test_what_words_alone_rule_out_decide_rejects_too() -> None:
    """Stored candidates are first read in part (words, text hash): those
    `unlike` rules out are never fully read, so `decide` must agree — on the
    labelled pairs and on every other pair of the set's first 120 articles."""
    prints = {k: fingerprint(s["title"], s["html"]) for k, s in STORIES.items()}
    pairs = [(p["a"], p["b"]) for p in PAIRS]
    keys = sorted(prints)[:120]
    pairs += [(x, y) for i, x in enumerate(keys) for y in keys[i + 1 :]]
    ruled_out = 0
    for x, y in pairs:
        a, partial = prints[x], load_words(dump(prints[y]))
        if unlike(a, partial):
            ruled_out += 1
            assert not decide(a, prints[y]).duplicate, (x, y)
    assert ruled_out > len(pairs) // 2  # it does spare most reads


# -- the whole mill: feeds → posts --------------------------------------------------


def _feed_of(stories: list[dict[str, str]]) -> bytes:
    items = [
        Item(
            title=s["title"],
            html=s["html"],
            guid=s["id"],
            link=f"https://news.example/{s['id']}",
            pub_date=format_datetime(datetime.fromisoformat(s["published"]).astimezone(UTC), True),
        )
        for s in stories
    ]
    return rss(stories[0]["source"], items)


def _write_sources(tmp_path: Path, stories: list[dict[str, str]]) -> list[dict[str, str]]:
    by_source: dict[str, list[dict[str, str]]] = defaultdict(list)
    for story in stories:
        by_source[story["source"]].append(story)
    feeds_dir = tmp_path / "feeds"
    feeds_dir.mkdir(parents=True, exist_ok=True)
    specs = []
    for source, items in sorted(by_source.items()):
        number = SOURCES.index(source)  # the same file for a source in every test
        (feeds_dir / f"{number}.xml").write_bytes(_feed_of(items))
        specs.append({"url": f"feeds/{number}.xml", "group": "新闻", "source": source})
    return specs


def _clusters(state: Path) -> dict[str, str]:
    """Item guid → guid of the entry it was merged into (itself when published)."""
    engine = open_database(f"sqlite:///{state}")
    with engine.connect() as conn:
        rows = conn.execute(select(entries.c.id, entries.c.key, entries.c.duplicate_of)).all()
    engine.dispose()
    key_of = {row.id: row.key for row in rows}
    return {row.key: key_of[row.duplicate_of or row.id] for row in rows}


def test_the_evaluation_set_through_the_whole_mill(tmp_path: Path) -> None:
    """Every article in its source's feed, one pass: LSH, the stored index and
    the decision together still meet the targets, and each story is posted once."""
    config = write_config(tmp_path, _write_sources(tmp_path, list(STORIES.values())))
    result = cli("run", "-c", str(config))
    assert result.code == 0, result.stderr
    cluster = _clusters(tmp_path / ".feedmill" / "state.db")
    found = {(p["a"], p["b"]): cluster[p["a"]] == cluster[p["b"]] for p in PAIRS}
    precision, recall = _precision_recall(found)
    assert precision >= 0.95, precision
    assert recall >= 0.90, recall
    published = len(set(cluster.values()))
    assert len(posts(tmp_path)) == published
    # A copy stored before its fuller telling was posted, then gave way to it.
    held = re.search(r"(\d+) duplicates(?: · (\d+) replaced by a fuller copy)?", result.stdout)
    assert held is not None, result.stdout
    assert int(held[1]) + int(held[2] or 0) == len(STORIES) - published


def _flashes_of_articles(kind: str) -> list[tuple[str, str]]:
    """(article, 快讯) of the long set, its 快讯 of ``kind``."""
    return sorted((f"{s['story']}-a", key) for key, s in LONG.items() if s["kind"] == kind)


def test_a_flash_of_a_long_articles_lead_shares_a_band_with_it() -> None:
    """Wholly inside a 1,000-character article, a 快讯 shares a tenth of its
    words: by its words alone, 6 of the 16 pairs share no band key, and were
    never compared.  The article's headline and lead have keys of their own."""
    prints = {k: fingerprint(s["title"], s["html"]) for k, s in LONG.items()}
    pairs = _flashes_of_articles("lead-flash")
    assert len(pairs) == 16
    by_words = [
        p
        for p in pairs
        if not set(bands(prints[p[0]].shingles)) & set(bands(prints[p[1]].shingles))
    ]
    assert len(by_words) == 6, by_words  # what the lead's keys are for
    keys = {k: set(story_keys(p)) for k, p in prints.items()}
    assert all(keys[article] & keys[flash] for article, flash in pairs)
    # A short story's keys are its words'.
    assert all(keys[flash] == set(bands(prints[flash].shingles)) for _, flash in pairs)


def test_a_long_article_and_its_flashes_are_one_post_and_news_near_them_is_not(
    tmp_path: Path,
) -> None:
    """The long set in its sources' feeds, one pass: each article's 快讯 of
    its lead is held back behind it, or gave way to it, whichever came first
    (the article is the post); a 快讯 of a later paragraph too, where the
    decision knows it for the story.  No 快讯 of other news — the same
    company's other announcement, the same template for another company,
    another period — joins an article."""
    config = write_config(tmp_path, _write_sources(tmp_path, list(LONG.values())))
    result = cli("run", "-c", str(config))
    assert result.code == 0, result.stderr
    cluster = _clusters(tmp_path / ".feedmill" / "state.db")
    assert all(cluster[flash] == article for article, flash in _flashes_of_articles("lead-flash"))
    later = _flashes_of_articles("later-flash")
    assert sum(cluster[flash] == article for article, flash in later) >= 3, later
    for key, root in cluster.items():  # one story each
        assert LONG[key]["story"] == LONG[root]["story"], (key, root)
    assert all(cluster[key] == key for key, s in LONG.items() if "near" in s)
    assert len(posts(tmp_path)) == len(set(cluster.values()))


def test_a_fuller_copy_takes_the_posts_of_two_flashes_told_apart(tmp_path: Path) -> None:
    """Two 快讯 of one article — its lead, and an analyst's figures from a
    later paragraph — differ in their figures: two posts.  The article tells
    both fully, and takes both: one post, listing the two."""
    article, lead, later = (LONG[k] for k in ("l16-a", "l16-b", "l16-c"))
    assert not decide(*(fingerprint(s["title"], s["html"]) for s in (lead, later))).duplicate
    config = write_config(tmp_path, _write_sources(tmp_path, [lead, later]))
    assert "posts: 2 new" in cli("run", "-c", str(config)).stdout
    config = write_config(tmp_path, _write_sources(tmp_path, [lead, later, article]))
    result = cli("run", "-c", str(config))
    assert "posts: 1 new" in result.stdout, result.stdout
    post = _one_post_for_both_flashes(tmp_path, result.stdout, "l16-a")
    assert sorted(_also_reported(post)) == sorted([lead["source"], later["source"]])


def _one_post_for_both_flashes(tmp_path: Path, run: str, holder: str) -> str:
    """The one post after l16's article took both 快讯's posts, carried by ``holder``."""
    assert "2 replaced by a fuller copy" in run, run
    (post,) = posts(tmp_path).values()
    assert f"title: '{LONG['l16-a']['title']}'" in post
    cluster = _clusters(tmp_path / ".feedmill" / "state.db")
    assert cluster["l16-b"] == cluster["l16-c"] == holder
    return post


@pytest.mark.parametrize("article", ["t1-a", "l10-a"])
def test_another_companys_flash_and_an_article_are_two_stories(
    tmp_path: Path, article: str
) -> None:
    """光明科技's buyback 快讯, posted, and another company's article: 金山电子's
    buyback, one template and the same figures (jieba knows neither name as a
    name, and the article holds most of the 快讯's words: it took the 快讯's
    post), or 沐辰科技's share sale (its lead shares a band with the 快讯: it
    was held back behind it).  Rule 4 for a 快讯 against a long article: a word
    of the 快讯's own headline, which its text repeats, is not in the article,
    whose headline names what the 快讯 never mentions."""
    flash, story = TRAPS["t2-a"], {**TRAPS, **LONG}[article]
    if article == "t1-a":
        prints = [fingerprint(s["title"], s["html"]) for s in (flash, story)]
        assert decide(*prints).reason == "same headline template, different subjects"
    config = write_config(tmp_path, _write_sources(tmp_path, [flash]))
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    config = write_config(tmp_path, _write_sources(tmp_path, [flash, story]))
    result = cli("run", "-c", str(config))
    assert "posts: 1 new" in result.stdout, result.stdout
    assert "replaced" not in result.stdout and "duplicates" not in result.stdout, result.stdout
    assert len(posts(tmp_path)) == 2


@pytest.mark.parametrize("story", ["t6", "t7", "t8"])
def test_a_flash_headlined_in_its_own_words_is_its_articles_copy(story: str) -> None:
    """A 快讯 headlines in words an article never uses (斩获…大单, 牵手, 拟易主):
    that alone does not make it another company's notice — its headline and
    the article's share a name, or the article's headline says nothing the
    快讯 leaves out."""
    article, flash = TRAPS[f"{story}-a"], TRAPS[f"{story}-b"]
    prints = [fingerprint(s["title"], s["html"]) for s in (flash, article)]
    assert decide(*prints).duplicate, decide(*prints)


@pytest.mark.parametrize("stories", [("t3", "t4", "t5"), ("t9", "t10", "t11")])
def test_a_roundup_of_two_companies_news_takes_one_post_not_both(
    tmp_path: Path, stories: tuple[str, str, str]
) -> None:
    """A roundup tells two companies' 快讯 (each names nothing the other
    names, or the roundup's headline names what each alone names): it takes
    the post of the one most alike, as a fuller copy, and the other
    company's 快讯 stays posted."""
    one, other, roundup = (TRAPS[f"{story}-a"] for story in stories)
    config = write_config(tmp_path, _write_sources(tmp_path, [one, other]))
    assert "posts: 2 new" in cli("run", "-c", str(config)).stdout
    config = write_config(tmp_path, _write_sources(tmp_path, [one, other, roundup]))
    result = cli("run", "-c", str(config))
    assert "1 replaced by a fuller copy" in result.stdout, result.stdout
    assert len(posts(tmp_path)) == 2
    cluster = _clusters(tmp_path / ".feedmill" / "state.db")
    a, b, c = (s["id"] for s in (one, other, roundup))
    assert sorted([cluster[a], cluster[b]]) in (sorted([a, c]), sorted([b, c]))


def test_a_held_back_flash_grown_into_the_article_takes_both_flashes_posts(
    tmp_path: Path,
) -> None:
    """A third feed's copy of the lead's 快讯, held back, grows in place into
    the article: promoted, it takes the posts of both 快讯 it tells, as the
    article coming new does."""
    article, lead, later = (LONG[k] for k in ("l16-a", "l16-b", "l16-c"))
    copy = {**lead, "id": "grows", "source": "东方财富"}
    config = write_config(tmp_path, _write_sources(tmp_path, [lead, later]))
    assert "posts: 2 new" in cli("run", "-c", str(config)).stdout
    config = write_config(tmp_path, _write_sources(tmp_path, [lead, later, copy]))
    assert "1 duplicate " in cli("run", "-c", str(config)).stdout
    grown = {**article, "id": "grows", "source": "东方财富"}
    config = write_config(tmp_path, _write_sources(tmp_path, [lead, later, grown]))
    _one_post_for_both_flashes(tmp_path, cli("run", "-c", str(config)).stdout, "grows")


@pytest.mark.parametrize("deleted", ["l16-b", "l16-c"])
def test_a_fuller_copy_of_two_flashes_one_deleted_by_hand_is_held_back(
    tmp_path: Path, deleted: str
) -> None:
    """Taking both 快讯's posts would bring back the story its owner deleted:
    the article is held back, whichever of the two was deleted."""
    article, lead, later = (LONG[k] for k in ("l16-a", "l16-b", "l16-c"))
    config = write_config(tmp_path, _write_sources(tmp_path, [lead, later]))
    assert cli("run", "-c", str(config)).code == 0
    kept = {
        name: post for name, post in posts(tmp_path).items() if LONG[deleted]["title"] not in post
    }
    (gone,) = set(posts(tmp_path)) - set(kept)
    (tmp_path / "source" / "_posts" / gone).unlink()  # by its owner
    config = write_config(tmp_path, _write_sources(tmp_path, [lead, later, article]))
    result = cli("run", "-c", str(config))
    assert "1 duplicate " in result.stdout and "replaced" not in result.stdout, result.stdout
    assert set(posts(tmp_path)) == set(kept)
    # Its feed edits it: a held-back copy grown fuller is promoted — not this one.
    edited = {**article, "html": article["html"].replace("。", "；", 1)}
    config = write_config(tmp_path, _write_sources(tmp_path, [lead, later, edited]))
    result = cli("run", "-c", str(config))
    assert result.code == 0 and "replaced" not in result.stdout, result.stdout
    assert set(posts(tmp_path)) == set(kept)


LPR = [STORIES[k] for k in ("s001-c", "s001-a", "s001-b", "s001-d")]  # 财联社 first, by time
# LPR[0] is 财联社's 快讯 (21 words); LPR[1] and LPR[3] tell it at 71 words —
# its fuller telling, which takes its post (see test_a_flash_posted_first_…).


def test_later_copies_are_recorded_not_posted_and_the_post_lists_them(tmp_path: Path) -> None:
    first, later = LPR[1], [LPR[0], *LPR[2:]]  # the 快讯 is no fuller telling
    specs = _write_sources(tmp_path, [first])
    config = write_config(tmp_path, specs)
    assert cli("run", "-c", str(config)).code == 0
    (only,) = posts(tmp_path).values()
    assert "also_reported_by" not in only

    # The other outlets publish their versions later, in a second pass.
    specs = _write_sources(tmp_path, LPR)
    config = write_config(tmp_path, specs)
    result = cli("run", "-c", str(config))
    assert result.code == 0
    assert "posts: 0 new, 1 updated" in result.stdout
    assert "held back: 0 blocked, 3 duplicates" in result.stdout
    (post,) = posts(tmp_path).values()
    assert f"title: '{first['title']}'" in post
    front, body = post.split("\n---\n", 1)
    sources = [s["source"] for s in later]  # by date
    assert front.endswith(
        "also_reported_by:\n" + "".join(f" - {s}\n" for s in sources).rstrip("\n")
    )
    line = body.rstrip("\n").rsplit("\n", 1)[1]
    assert line.startswith(
        '<p class="also-reported">同时报道：<a href="https://news.example/s001-c">'
    )
    assert [s for s in sources if s in line] == sources

    status = {r["source"]: r for r in json.loads(cli("status", "-c", str(config), "--json").stdout)}
    assert status[first["source"]]["posts"] == 1
    assert [status[s]["duplicates"] for s in sources] == [1, 1, 1]

    # Nothing changes on the next pass, and nothing is posted twice.
    again = cli("run", "-c", str(config))
    assert "posts: 0 new, 0 updated" in again.stdout
    assert len(posts(tmp_path)) == 1


def _digest(ids: list[str]) -> dict[str, str]:
    """A morning digest (财经早餐) of whole articles, from a source of its own."""
    html = "".join(
        f"<p><strong>{STORIES[i]['title']}</strong></p>{STORIES[i]['html']}" for i in ids
    )
    return {"id": "digest", "source": "金色财经", "published": STORIES[ids[0]]["published"],
            "title": "财经早餐：今日要闻汇总", "html": html}  # fmt: skip


DIGESTED = ["s001-a", "s002-a", "s003-a", "s005-a", "s006-a", "s007-a", "s008-a"]


def test_the_fuller_telling_is_told_apart_from_a_digest_and_a_rewrite() -> None:
    flash, article, rewrite = (fingerprint(s["title"], s["html"]) for s in LPR[:3])
    assert fuller(article, flash)  # 71 words against 21, the headline told
    assert not fuller(flash, article) and not fuller(rewrite, article)
    digest = _digest(DIGESTED)
    digested = fingerprint(digest["title"], digest["html"])
    for story in DIGESTED:
        posted = fingerprint(STORIES[story]["title"], STORIES[story]["html"])
        # Neither the article's fuller telling nor its copy: a story of its own.
        assert not fuller(digested, posted)
        verdict = decide(digested, posted)
        assert not verdict.duplicate and verdict.reason.startswith("a digest"), story
        assert not decide(posted, digested).duplicate


@pytest.mark.parametrize(
    "title", ["财经早餐", "早间要闻", "每日晨报", "今日要闻", "A股要闻", "新闻联播"]
)
def test_a_digest_headlined_by_its_name_alone_is_a_digest_too(title: str) -> None:
    """The headline of a digest is often its name alone, in a word or two:
    held back as the copy of one article it holds, its other news was on no page."""
    digested = fingerprint(title, _digest(DIGESTED)["html"])
    for story in DIGESTED:
        posted = fingerprint(STORIES[story]["title"], STORIES[story]["html"])
        verdict = decide(digested, posted)
        assert not verdict.duplicate and verdict.reason.startswith("a digest"), (story, verdict)


# Evening announcement roundups: companies' notices, each a line and a sentence.
_NOTICES = [
    ("宁德时代", "前三季度营业收入2830.72亿元，同比增长9.28%；净利润490.34亿元，同比增长36.2%。"),
    ("比亚迪", "前三季度营业收入5662.66亿元，同比增长13%；净利润233.33亿元，同比下降7.55%。"),
    ("中国中免", "前三季度营业收入398.62亿元，同比下降6.9%；净利润36.61亿元，同比下降21.8%。"),
    ("恒瑞医药", "前三季度营业收入231.88亿元，同比增长14.9%；净利润57.51亿元，同比增长24.5%。"),
    ("中国石油", "前三季度营业收入2.18万亿元，同比下降3.9%；净利润1262.79亿元，同比下降4.9%。"),
    ("招商银行", "前三季度营业收入2514.2亿元，同比下降0.5%；净利润1137.72亿元，同比增长0.5%。"),
]


@pytest.mark.parametrize(("title", "count"), [("10月20日晚间公告汇总", 5), ("晚间公告汇总", 6)])
def test_an_announcement_roundup_is_a_digest_of_each_flash_it_holds(title: str, count: int) -> None:
    """ "10月20日晚间公告汇总" shares 公告 with every notice 快讯, a third of its
    headline: held back as 宁德时代's 快讯's copy (four companies' news on no
    page), or taking both 快讯's posts as their fuller telling."""
    roundup_html = "".join(
        f"<p>{n + 1}、{name}：{text}</p>" for n, (name, text) in enumerate(_NOTICES[:count])
    )
    roundup = fingerprint(title, roundup_html)
    for name, text in _NOTICES[:2]:
        flash = fingerprint(
            f"{name}：前三季度净利润{text.split('净利润')[1].split('，')[0]}",
            f"<p>财联社10月20日电，{name}公告，{text}</p>",
        )
        verdict = decide(roundup, flash)
        assert not verdict.duplicate and verdict.reason.startswith("a digest"), (name, verdict)
        assert not decide(flash, roundup).duplicate and not fuller(roundup, flash)
    # … also where the 快讯's headline shares the roundup's words: its other
    # companies' figures tell it (held back, their news was on no page).
    (name, text) = _NOTICES[0]
    for flash_title in (f"{name}发布三季报业绩公告", f"{name}晚间公告"):
        flash = fingerprint(flash_title, f"<p>财联社10月20日电，{name}公告，{text}</p>")
        for roundup_title in ("三季报业绩一览", "10月20日晚间公告汇总"):
            verdict = decide(fingerprint(roundup_title, roundup_html), flash)
            assert not verdict.duplicate, (flash_title, roundup_title, verdict)
    # … of three companies too.
    three = "".join(
        f"<p>{n + 1}、{name}：{text}</p>" for n, (name, text) in enumerate(_NOTICES[:3])
    )
    flash = fingerprint(f"{name}发布三季报业绩公告", f"<p>财联社10月20日电，{name}公告，{text}</p>")
    assert not decide(fingerprint("三季报业绩一览", three), flash).duplicate
    # A 快讯 under a roundup's name alone is the 快讯's copy still.
    (name, text) = _NOTICES[0]
    flash = fingerprint(f"{name}：前三季度净利润490.34亿元", f"<p>{name}公告，{text}</p>")
    alone = fingerprint("【晚间公告汇总】", f"<p>1、{name}：{text}</p>")
    assert decide(alone, flash).duplicate


@pytest.mark.parametrize(
    "title",
    [
        "头条｜国有大行下调人民币存款挂牌利率",
        "要闻：国有大行今起下调存款挂牌利率",
        "存款利率再下调 国有大行最新利率一览",
    ],
)
def test_an_article_under_a_columns_name_is_its_flashs_fuller_telling_not_a_digest(
    title: str,
) -> None:
    """A column's name (头条, 要闻, 一览) over an article whose headline is the
    快讯's: one story, not a digest holding it (two posts)."""
    flash = fingerprint(
        "六大行今起下调人民币存款利率",
        "<p>财联社10月20日电，工商银行、农业银行、中国银行、建设银行、交通银行、邮储银行六大国有"
        "银行今日起下调人民币存款挂牌利率。其中，一年期定期存款利率下调10个基点至1.35%，活期存款"
        "利率下调5个基点至0.1%。</p>",
    )
    article_html = (
        "<p>10月20日，工商银行、农业银行、中国银行、建设银行、交通银行、邮储银行等六家国有大行同步"
        "下调人民币存款挂牌利率，这是年内国有大行第三次下调存款利率。</p><p>调整后，一年期定期存款"
        "利率下调10个基点至1.35%，三年期和五年期定期存款利率分别下调25个基点至1.75%和1.8%，活期存款"
        "利率下调5个基点至0.1%。</p><p>业内人士分析认为，此次存款利率下调有助于缓解银行净息差压力，"
        "稳定银行负债成本，为后续贷款市场报价利率下行创造空间。多家股份制银行预计将跟进调整，"
        "中小银行也可能陆续下调存款利率。</p>"
    )
    article = fingerprint(title, article_html)
    assert not digest(article, flash) and decide(article, flash).duplicate


@pytest.mark.parametrize("word", DIGEST_WORDS)
def test_each_name_of_a_digest_is_a_word_of_a_headline(word: str) -> None:
    """A name jieba cuts otherwise ("早知道" is 早 知道) would never be found."""
    assert word_id(word) in fingerprint(word, "<p>正文</p>").title


@pytest.mark.parametrize("title", ["重要公告", "独家专访", "深度解读", "一图读懂", "热点追踪"])
def test_an_article_headlined_in_two_words_of_no_digest_is_its_flashs_copy(title: str) -> None:
    """Not every headline of two words names a digest: an article's over
    its 快讯 ("深度解读") is the fuller telling of it, not a digest."""
    for key in ("l01", "l05", "l16"):
        article, flash = LONG[f"{key}-a"], LONG[f"{key}-b"]
        verdict = decide(
            fingerprint(title, article["html"]), fingerprint(flash["title"], flash["html"])
        )
        assert verdict.duplicate, (key, verdict)


def test_a_digest_holding_a_posted_article_is_posted_beside_it(tmp_path: Path) -> None:
    """A 财经早餐 holds a posted article among other news: held back as the
    article's copy, its other news was on no page of the site."""
    article = STORIES["s014-a"]  # 26 words; the digest's three articles, 144
    config = write_config(tmp_path, _write_sources(tmp_path, [article]))
    assert cli("run", "-c", str(config)).code == 0
    (name,) = posts(tmp_path)
    digest = _digest(["s014-a", "s001-a", "s003-a"])
    config = write_config(tmp_path, _write_sources(tmp_path, [article, digest]))
    result = cli("run", "-c", str(config))
    assert "posts: 1 new" in result.stdout and "duplicates" not in result.stdout, result.stdout
    assert "replaced" not in result.stdout
    assert name in posts(tmp_path) and len(posts(tmp_path)) == 2


def _status(config: Path) -> dict[str, dict[str, object]]:
    rows = json.loads(cli("status", "-c", str(config), "--json").stdout)
    return {row["source"]: row for row in rows}


def test_a_flash_posted_first_gives_way_to_its_fuller_telling(tmp_path: Path) -> None:
    """A 快讯 comes minutes before the article: posted first, it stood for the
    story, and the article was held back behind it.  The article (three
    times its words) takes the post; the 快讯, and the copies it held back,
    are listed under it."""
    flash, article, rewrite = LPR[:3]
    reworded = {**flash, "id": "flash-2", "source": "金色财经",
                "title": "9月LPR出炉：1年期3.65%，5年期以上4.3%"}  # fmt: skip
    config = write_config(tmp_path, _write_sources(tmp_path, [flash, reworded]))
    first = cli("run", "-c", str(config))
    assert "posts: 1 new" in first.stdout and "1 duplicate " in first.stdout, first.stdout
    (flash_post,) = posts(tmp_path)

    config = write_config(tmp_path, _write_sources(tmp_path, [flash, reworded, article]))
    second = cli("run", "-c", str(config))
    assert second.code == 0, second.stderr
    assert "posts: 1 new, 0 updated, 0 unchanged" in second.stdout, second.stdout
    assert "1 replaced by a fuller copy" in second.stdout
    ((name, post),) = posts(tmp_path).items()
    assert name != flash_post
    assert f"title: '{article['title']}'" in post and f" - {article['source']}\n" in post
    assert sorted(_also_reported(post)) == sorted([flash["source"], "金色财经"])
    status = _status(config)
    assert (status[flash["source"]]["posts"], status[flash["source"]]["duplicates"]) == (0, 1)
    assert (status[article["source"]]["posts"], status[article["source"]]["duplicates"]) == (1, 0)
    cluster = _clusters(tmp_path / ".feedmill" / "state.db")
    assert cluster[flash["id"]] == cluster["flash-2"] == article["id"]
    held = cli("search", "LPR", "--all", "-c", str(config)).stdout
    assert "a fuller copy of its story took its post" in " ".join(held.split())

    # A rewrite of the article's length is held back behind it, as before.
    config = write_config(tmp_path, _write_sources(tmp_path, [flash, reworded, article, rewrite]))
    third = cli("run", "-c", str(config))
    assert "posts: 0 new, 1 updated" in third.stdout and "1 duplicate " in third.stdout
    ((same, post),) = posts(tmp_path).items()
    assert same == name and rewrite["source"] in _also_reported(post)
    # One post unchanged: the 快讯's feed, unchanged since, counts none now.
    fourth = cli("run", "-c", str(config)).stdout
    assert "posts: 0 new, 0 updated, 1 unchanged" in fourth, fourth
    assert list(posts(tmp_path)) == [name]


def test_the_fuller_copys_own_flash_held_back_stays_held_back(tmp_path: Path) -> None:
    """Feed B carries a 快讯 (held back behind A's, the same text) and then
    the article: one post, B's article — B's own 快讯 was posted again, two
    items of one feed being "never merged"."""
    flash, article = LPR[:2]
    b_flash = {**flash, "id": "b-flash", "source": article["source"]}
    config = write_config(tmp_path, _write_sources(tmp_path, [flash]))
    assert cli("run", "-c", str(config)).code == 0
    config = write_config(tmp_path, _write_sources(tmp_path, [flash, b_flash]))
    assert "1 duplicate " in cli("run", "-c", str(config)).stdout
    config = write_config(tmp_path, _write_sources(tmp_path, [flash, b_flash, article]))
    result = cli("run", "-c", str(config))
    assert "posts: 1 new" in result.stdout and "1 replaced" in result.stdout, result.stdout
    (post,) = posts(tmp_path).values()
    assert f"title: '{article['title']}'" in post
    cluster = _clusters(tmp_path / ".feedmill" / "state.db")
    assert cluster[flash["id"]] == cluster["b-flash"] == article["id"]


def test_a_fuller_copy_that_also_copies_another_post_is_held_back_behind_it(
    tmp_path: Path,
) -> None:
    """b (23 words) and c (75) are two posts, their headline figures differ;
    d (147 words) tells b fully and copies c: posted in b's place, d and c
    were two posts of one story."""
    b, c, d = (STORIES[k] for k in ("s055-b", "s055-c", "s055-d"))
    config = write_config(tmp_path, _write_sources(tmp_path, [b, c]))
    assert "posts: 2 new" in cli("run", "-c", str(config)).stdout
    config = write_config(tmp_path, _write_sources(tmp_path, [b, c, d]))
    result = cli("run", "-c", str(config))
    assert "1 duplicate " in result.stdout and "replaced" not in result.stdout, result.stdout
    assert _clusters(tmp_path / ".feedmill" / "state.db")[d["id"]] == c["id"]


def test_a_story_whose_fuller_copys_feed_leaves_passes_to_a_full_copy_not_the_flash(
    tmp_path: Path,
) -> None:
    flash, article, _, rewrite = LPR  # 财联社's 快讯, then two versions of the article
    for stories in ([flash], [flash, article], [flash, article, rewrite]):
        config = write_config(tmp_path, _write_sources(tmp_path, stories))
        assert cli("run", "-c", str(config)).code == 0
    # The article's feed leaves: the rewrite takes the story, not the 快讯.
    config = write_config(tmp_path, _write_sources(tmp_path, [flash, rewrite]))
    assert cli("run", "-c", str(config)).code == 0
    (post,) = posts(tmp_path).values()
    assert f" - {rewrite['source']}\n" in post and _also_reported(post) == [flash["source"]]
    assert _clusters(tmp_path / ".feedmill" / "state.db")[flash["id"]] == rewrite["id"]


def test_a_feed_back_in_the_config_takes_back_the_stories_it_passed_on(tmp_path: Path) -> None:
    """The article took the 快讯's post; its feed left, and the story passed
    back to the 快讯; the feed is added again, as it was: the article takes
    the post again (it stayed held back for good, "its feed left
    feedmill.yml")."""
    flash, article = LPR[:2]
    for stories in ([flash], [flash, article]):
        config = write_config(tmp_path, _write_sources(tmp_path, stories))
        assert cli("run", "-c", str(config)).code == 0
    config = write_config(tmp_path, _write_sources(tmp_path, [flash]))
    assert cli("run", "-c", str(config)).code == 0
    (post,) = posts(tmp_path).values()
    assert f"title: '{flash['title']}'" in post
    config = write_config(tmp_path, _write_sources(tmp_path, [flash, article]))
    result = cli("run", "-c", str(config))
    assert result.code == 0, result.stderr
    assert "in the config again took back their stories' posts: 1" in " ".join(
        result.stderr.split()
    )
    (post,) = posts(tmp_path).values()
    assert f"title: '{article['title']}'" in post and _also_reported(post) == [flash["source"]]
    assert _clusters(tmp_path / ".feedmill" / "state.db")[flash["id"]] == article["id"]
    held = " ".join(cli("search", "LPR", "--all", "-c", str(config)).stdout.split())
    assert "its feed left" not in held
    assert "held back: duplicate of" in held and "a fuller copy of its story took its post" in held
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout


def test_a_feed_back_in_the_config_is_a_copy_of_the_post_its_story_passed_to(
    tmp_path: Path,
) -> None:
    """No fuller telling: its item stays a copy of that post (no URL moves
    twice), and says so — not "its feed left feedmill.yml"."""
    flash, _, rewrite = LPR[:3]
    for stories in ([flash], [flash, rewrite], [rewrite]):
        config = write_config(tmp_path, _write_sources(tmp_path, stories))
        assert cli("run", "-c", str(config)).code == 0
    (name,) = posts(tmp_path)
    config = write_config(tmp_path, _write_sources(tmp_path, [flash, rewrite]))
    result = cli("run", "-c", str(config))
    assert "posts: 0 new" in result.stdout and "took back" not in result.stderr
    assert list(posts(tmp_path)) == [name]
    found = json.loads(cli("search", "LPR", "--all", "--json", "-c", str(config)).stdout)
    (held,) = (hit for hit in found if hit["held_back"])
    assert held["title"] == flash["title"] and held["held_back"]["reason"].startswith("similarity")


def test_a_held_back_flash_its_feed_grows_into_the_article_takes_the_post(
    tmp_path: Path,
) -> None:
    """B's 快讯, held back behind A's, grows in place (same guid) into the
    article: it stayed held back behind the 快讯 for good."""
    flash, article = LPR[:2]
    b_flash = {**flash, "id": "b-item", "source": article["source"],
               "title": "9月LPR出炉：1年期3.65%，5年期以上4.3%"}  # fmt: skip
    config = write_config(tmp_path, _write_sources(tmp_path, [flash]))
    assert cli("run", "-c", str(config)).code == 0
    config = write_config(tmp_path, _write_sources(tmp_path, [flash, b_flash]))
    assert "1 duplicate " in cli("run", "-c", str(config)).stdout
    grown = {**b_flash, "title": article["title"], "html": article["html"]}
    config = write_config(tmp_path, _write_sources(tmp_path, [flash, grown]))
    result = cli("run", "-c", str(config))
    assert "posts: 1 new" in result.stdout and "1 replaced" in result.stdout, result.stdout
    (post,) = posts(tmp_path).values()
    assert f"title: '{article['title']}'" in post and _also_reported(post) == [flash["source"]]
    assert _clusters(tmp_path / ".feedmill" / "state.db")[flash["id"]] == "b-item"
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout


def test_a_held_back_copy_whose_key_now_holds_another_story_takes_a_post_of_its_own(
    tmp_path: Path,
) -> None:
    """B's held-back 快讯 is replaced under its key by another, longer text
    under the article's headline: no fuller telling of A's story (the
    decision says so), A keeps its post — and that other story, which no
    post tells, gets B's own (held back, it was on no page of the site)."""
    flash, article = LPR[:2]
    b_flash = {**flash, "id": "b-item", "source": article["source"],
               "title": "9月LPR出炉：1年期3.65%，5年期以上4.3%"}  # fmt: skip
    config = write_config(tmp_path, _write_sources(tmp_path, [flash]))
    assert cli("run", "-c", str(config)).code == 0
    (name,) = posts(tmp_path)
    config = write_config(tmp_path, _write_sources(tmp_path, [flash, b_flash]))
    assert "1 duplicate " in cli("run", "-c", str(config)).stdout
    other = {**b_flash, "title": article["title"], "html": STORIES["s004-a"]["html"]}
    config = write_config(tmp_path, _write_sources(tmp_path, [flash, other]))
    result = cli("run", "-c", str(config))
    assert "replaced" not in result.stdout, result.stdout
    assert name in posts(tmp_path) and len(posts(tmp_path)) == 2
    (new,) = (post for n, post in posts(tmp_path).items() if n != name)
    assert STORIES["s004-a"]["html"][3:20] in new
    assert "also-reported" not in posts(tmp_path)[name]  # B tells it no more
    assert _clusters(tmp_path / ".feedmill" / "state.db") == {
        flash["id"]: flash["id"],
        "b-item": "b-item",
    }
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout


def test_a_held_back_copy_edited_into_what_its_rules_block_is_listed_no_more(
    tmp_path: Path,
) -> None:
    """B's held-back copy of A's story becomes an advert B's rules block: it
    is blocked, and A's post lists it no more (it linked to the advert)."""
    flash, article = LPR[:2]
    b_flash = {**flash, "id": "b-item", "source": article["source"],
               "title": "9月LPR出炉：1年期3.65%，5年期以上4.3%"}  # fmt: skip

    def config_of(stories: list[dict[str, str]]) -> Path:
        specs = _write_sources(tmp_path, stories)
        for spec in specs:
            if spec["source"] == article["source"]:
                spec["rules"] = {"block": [{"title": "推广", "name": "ads"}]}  # type: ignore[assignment]
        return write_config(tmp_path, specs)

    assert cli("run", "-c", str(config_of([flash]))).code == 0
    (name,) = posts(tmp_path)
    assert "1 duplicate " in cli("run", "-c", str(config_of([flash, b_flash]))).stdout
    assert "also-reported" in posts(tmp_path)[name]
    advert = {**b_flash, "title": "【推广】理财课限时优惠", "html": STORIES["s005-a"]["html"]}
    config = config_of([flash, advert])
    assert cli("run", "-c", str(config)).code == 0
    assert set(posts(tmp_path)) == {name}
    assert "also-reported" not in posts(tmp_path)[name]
    row = _status(config)[article["source"]]
    assert row["blocked"] == 1 and row["duplicates"] == 0, row


def test_a_held_back_copy_edited_into_another_posted_story_stays_held(tmp_path: Path) -> None:
    """B's held-back copy of A's story becomes a copy of C's posted story:
    no post of its own (that story is on the site already)."""
    flash, article = LPR[:2]
    b_flash = {**flash, "id": "b-item", "source": article["source"],
               "title": "9月LPR出炉：1年期3.65%，5年期以上4.3%"}  # fmt: skip
    third = {**STORIES["s004-a"], "source": flash["source"], "id": "c-item"}
    config = write_config(tmp_path, _write_sources(tmp_path, [flash, third]))
    assert cli("run", "-c", str(config)).code == 0
    before = set(posts(tmp_path))
    config = write_config(tmp_path, _write_sources(tmp_path, [flash, third, b_flash]))
    assert "1 duplicate " in cli("run", "-c", str(config)).stdout
    other = {**b_flash, "title": third["title"], "html": third["html"]}
    config = write_config(tmp_path, _write_sources(tmp_path, [flash, third, other]))
    result = cli("run", "-c", str(config))
    assert result.code == 0 and "replaced" not in result.stdout, result.stdout
    assert set(posts(tmp_path)) == before


def test_a_post_edited_into_another_story_lets_its_copies_go(tmp_path: Path) -> None:
    """A's posted story held B's copy back; A's feed then put another story
    under the same key: B's copy, held back behind that, was on no page of
    the site.  The earliest copy takes a post of its own, the later one
    follows it; A's post lists neither."""
    flash, article, rewrite = LPR[:3]
    b_flash = {**flash, "id": "b-item", "source": article["source"],
               "title": "9月LPR出炉：1年期3.65%，5年期以上4.3%"}  # fmt: skip
    config = write_config(tmp_path, _write_sources(tmp_path, [flash]))
    assert cli("run", "-c", str(config)).code == 0
    config = write_config(tmp_path, _write_sources(tmp_path, [flash, b_flash, rewrite]))
    assert "2 duplicates" in cli("run", "-c", str(config)).stdout
    ((name, post),) = posts(tmp_path).items()
    assert sorted(_also_reported(post)) == sorted([article["source"], rewrite["source"]])
    edited = {**flash, "title": STORIES["s004-a"]["title"], "html": STORIES["s004-a"]["html"]}
    config = write_config(tmp_path, _write_sources(tmp_path, [edited, b_flash, rewrite]))
    result = cli("run", "-c", str(config))
    assert result.code == 0 and "posts: 1 new, 1 updated" in result.stdout, result.stdout
    edited_post = posts(tmp_path)[name]
    assert f"title: '{edited['title']}'" in edited_post and "also-reported" not in edited_post
    (released,) = (post for n, post in posts(tmp_path).items() if n != name)
    assert f"title: '{b_flash['title']}'" in released
    assert _also_reported(released) == [rewrite["source"]]
    assert _clusters(tmp_path / ".feedmill" / "state.db") == {
        flash["id"]: flash["id"],
        "b-item": "b-item",
        rewrite["id"]: "b-item",
    }
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout


def test_a_summary_gives_way_to_the_full_text_of_the_same_article(tmp_path: Path) -> None:
    """A site's own feed gives a summary, an RSSHub route of it the whole
    article, under the same link: the summary posted first gave way."""
    story = STORIES["s002-a"]
    summary = re.sub(r"</p>.*", "</p>", story["html"], flags=re.S)  # the first paragraph
    link = "https://news.example/2022/0920/lpr.html"
    (tmp_path / "site.xml").write_bytes(rss("官网", [Item(story["title"], summary, "s", link)]))
    (tmp_path / "route.xml").write_bytes(
        rss("官网 - 全文", [Item(story["title"], story["html"], "r", link)])
    )
    site = {"url": "site.xml", "group": "新闻", "source": "官网"}
    route = {"url": "route.xml", "group": "新闻", "source": "官网全文"}
    config = write_config(tmp_path, [site])
    assert cli("run", "-c", str(config)).code == 0
    config = write_config(tmp_path, [site, route])
    result = cli("run", "-c", str(config))
    assert "1 replaced by a fuller copy" in result.stdout, result.stdout
    (post,) = posts(tmp_path).values()
    assert " - 官网全文\n" in post and _also_reported(post) == ["官网"]


def test_a_flash_deleted_by_hand_keeps_its_story_off_the_site(tmp_path: Path) -> None:
    flash, article = LPR[:2]
    config = write_config(tmp_path, _write_sources(tmp_path, [flash]))
    assert cli("run", "-c", str(config)).code == 0
    (name,) = posts(tmp_path)
    (tmp_path / "source" / "_posts" / name).unlink()  # by its owner
    config = write_config(tmp_path, _write_sources(tmp_path, [flash, article]))
    result = cli("run", "-c", str(config))
    assert "1 duplicate " in result.stdout and "replaced" not in result.stdout, result.stdout
    assert posts(tmp_path) == {}


def test_a_flash_that_retention_archived_keeps_its_place(tmp_path: Path) -> None:
    """Archived, the story's post is off the site by the owner's rule: its
    fuller copy is held back, as any copy, not posted in its place."""
    flash, article = LPR[:2]
    newer = STORIES["s004-a"]  # another story, a day later: the one post kept
    config = write_config(
        tmp_path, _write_sources(tmp_path, [flash, newer]), retention={"max_posts": 1}
    )
    assert "1 archived" in cli("run", "-c", str(config)).stdout
    config = write_config(
        tmp_path, _write_sources(tmp_path, [flash, newer, article]), retention={"max_posts": 1}
    )
    result = cli("run", "-c", str(config))
    assert "1 duplicate " in result.stdout and "replaced" not in result.stdout, result.stdout
    assert _clusters(tmp_path / ".feedmill" / "state.db")[article["id"]] == flash["id"]


@pytest.mark.parametrize("order", ["flash listed first", "article listed first"])
def test_a_flash_and_its_article_in_one_pass_post_the_article(tmp_path: Path, order: str) -> None:
    """Which of the two two workers store first, the site ends with the
    article's post alone: a flash's post taken back before its worker put
    its file in place is removed once the pass's workers are done."""
    flash, article = LPR[:2]
    specs = _write_sources(tmp_path, [flash, article])
    if order == "article listed first":  # (which is stored first, the network orders)
        specs.reverse()
    config = write_config(tmp_path, specs)
    result = cli("run", "-c", str(config), "--workers", "2")
    assert result.code == 0, result.stderr
    assert "posts: 1 new," in result.stdout, result.stdout  # one post, counted once
    ((name, post),) = posts(tmp_path).items()
    assert f"title: '{article['title']}'" in post
    assert _also_reported(post) == [flash["source"]]
    folder = tmp_path / "source" / "_posts"
    leftovers = [
        p for p in folder.rglob("*") if p.is_file() and p.name not in (name, ".feedmill.lock")
    ]
    assert leftovers == []
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout


def test_an_original_and_its_copies_in_one_first_pass_count_as_one_new_post(
    tmp_path: Path,
) -> None:
    """The original's post is rewritten in the same pass to list its copies'
    sources: the summary said "1 new, 1 updated" on a site's first run."""
    result = cli("run", "-c", str(write_config(tmp_path, _write_sources(tmp_path, LPR))))
    assert "posts: 1 new, 0 updated, 0 unchanged" in result.stdout, result.stdout
    assert "held back: 0 blocked, 3 duplicates" in result.stdout
    (post,) = posts(tmp_path).values()
    assert "also_reported_by:" in post


def test_copies_held_back_are_not_counted_unchanged_posts(tmp_path: Path) -> None:
    """The summary counts posts: a feed unchanged since (or whose items are
    as they were) counted its copies held back too — "4 unchanged" on a
    site of one post."""
    copy = LPR[2]
    config = write_config(tmp_path, _write_sources(tmp_path, LPR))
    # One post of the four, whichever feed's item came first: the fuller
    # telling held the others back, or took the 快讯's post once it came.
    first = cli("run", "-c", str(config)).stdout
    assert "3 duplicates" in first or "2 duplicates · 1 replaced by a fuller copy" in first, first
    assert len(posts(tmp_path)) == 1
    assert "posts: 0 new, 0 updated, 1 unchanged" in cli("run", "-c", str(config)).stdout
    # A feed whose other item is new: its copy held back, as it was, is no post.
    extra = {**STORIES["s004-a"], "source": copy["source"]}
    config = write_config(tmp_path, _write_sources(tmp_path, [*LPR, extra]))
    result = cli("run", "-c", str(config))
    assert "posts: 1 new, 0 updated, 1 unchanged" in result.stdout, result.stdout


def test_a_pass_that_completes_a_rebuild_first_counts_its_own_posts(tmp_path: Path) -> None:
    """A rebuild cut short is done again as the next pass begins.  A post it
    rewrote then, that the pass rewrote once more (to list a copy that came
    in it), was taken for one a worker had counted, and counted nowhere."""
    first, copy = LPR[1:3]
    config = write_config(tmp_path, _write_sources(tmp_path, [first]))
    assert cli("run", "-c", str(config)).code == 0
    owe_a_rebuild(tmp_path)
    config = write_config(tmp_path, _write_sources(tmp_path, [first, copy]))
    result = cli("run", "-c", str(config))
    assert "completed a rebuild cut short: 1 post rendered again (0 changed)" in result.stderr
    assert "posts: 0 new, 1 updated, 0 unchanged" in result.stdout, result.stdout
    (post,) = posts(tmp_path).values()
    assert _also_reported(post) == [copy["source"]]


def test_a_copy_edited_into_the_fuller_telling_of_another_post_takes_it(tmp_path: Path) -> None:
    """A held-back copy its feed edited into the article that another post's
    快讯 tells: it followed that 快讯, its article on no page of the site; a
    new item of that text would have taken the post."""
    when = "2022-09-21T00:35:00+08:00"
    lpr, copy = ({**STORIES[k], "published": when} for k in ("s001-a", "s001-b"))
    flash = {**LONG["l16-b"], "published": when}
    first = write_config(tmp_path, _write_sources(tmp_path, [lpr, flash]))
    assert cli("run", "-c", str(first)).code == 0
    config = write_config(tmp_path, _write_sources(tmp_path, [lpr, flash, copy]))
    assert "1 duplicate " in cli("run", "-c", str(config)).stdout
    _write_sources(tmp_path, [{**LONG["l16-a"], "id": copy["id"], "source": copy["source"],
                               "published": when}])  # fmt: skip
    result = cli("run", "-c", str(config))
    assert "1 replaced by a fuller copy" in result.stdout, result.stdout
    by_title = {re.search(r"^title: '(.*)'$", p, re.M)[1]: p for p in posts(tmp_path).values()}  # type: ignore[index]
    assert sorted(by_title) == sorted([lpr["title"], LONG["l16-a"]["title"]])
    assert "also-reported" not in by_title[lpr["title"]]
    assert _also_reported(by_title[LONG["l16-a"]["title"]]) == [flash["source"]]
    assert "posts: 0 new, 0 updated" in cli("publish", "--rebuild", "-c", str(config)).stdout


def test_a_copy_edited_into_a_story_another_post_tells_is_listed_under_that_one(
    tmp_path: Path,
) -> None:
    """A held-back copy its feed edited (same guid) into another story that a
    post tells: it stayed listed under the post it no longer copies, its
    link an article about something else, and the other post did not list it."""
    lpr, meeting, copy = STORIES["s001-a"], STORIES["s004-a"], STORIES["s001-b"]
    first = write_config(tmp_path, _write_sources(tmp_path, [lpr, meeting]))
    assert cli("run", "-c", str(first)).code == 0
    config = write_config(tmp_path, _write_sources(tmp_path, [lpr, meeting, copy]))
    assert "1 duplicate " in cli("run", "-c", str(config)).stdout
    by_title = {re.search(r"^title: '(.*)'$", p, re.M)[1]: p for p in posts(tmp_path).values()}  # type: ignore[index]
    assert _also_reported(by_title[lpr["title"]]) == [copy["source"]]
    edited = {**STORIES["s004-c"], "id": copy["id"]}  # (its guid and link)
    _write_sources(tmp_path, [edited])
    assert "posts: 0 new, 2 updated" in cli("run", "-c", str(config)).stdout
    by_title = {re.search(r"^title: '(.*)'$", p, re.M)[1]: p for p in posts(tmp_path).values()}  # type: ignore[index]
    assert "also-reported" not in by_title[lpr["title"]]
    assert _also_reported(by_title[meeting["title"]]) == [copy["source"]]
    assert "posts: 0 new, 0 updated" in cli("publish", "--rebuild", "-c", str(config)).stdout


@pytest.mark.parametrize("guid_too", [False, True])
def test_a_copy_whose_link_changed_is_listed_with_its_new_link(
    tmp_path: Path, guid_too: bool
) -> None:
    """The original's post links each copy held back: a copy's new link (a
    site that renamed its article) reaches that line on the next pass — its
    guid changed with it too (a feed moving to https), a copy of its own,
    the source's latest."""
    first, copy = LPR[1:3]
    config = write_config(tmp_path, _write_sources(tmp_path, [first]))
    assert cli("run", "-c", str(config)).code == 0
    config = write_config(tmp_path, _write_sources(tmp_path, [first, copy]))
    assert "1 duplicate " in cli("run", "-c", str(config)).stdout
    (post,) = posts(tmp_path).values()
    assert f'href="https://news.example/{copy["id"]}"' in post

    feed = tmp_path / "feeds" / f"{SOURCES.index(copy['source'])}.xml"
    data = feed.read_bytes().replace(
        f"https://news.example/{copy['id']}".encode(), b"https://news.example/renamed"
    )
    if guid_too:
        data = data.replace(f">{copy['id']}<".encode(), b">renamed-guid<")
    feed.write_bytes(data)
    result = cli("run", "-c", str(config))
    assert "posts: 0 new, 1 updated" in result.stdout, result.stdout
    (post,) = posts(tmp_path).values()
    assert 'href="https://news.example/renamed"' in post
    assert f'href="https://news.example/{copy["id"]}"' not in post


def _also_reported(post: str) -> list[str]:
    line = post.rstrip("\n").rsplit("\n", 1)[1]
    assert line.startswith('<p class="also-reported">')
    return re.findall(r">([^<>]+)</a>", line)


def test_a_renamed_or_removed_source_leaves_the_others_posts(tmp_path: Path) -> None:
    """The "also reported by" line names sources as configured now."""
    specs = _write_sources(tmp_path, LPR)
    config = write_config(tmp_path, specs)
    assert cli("run", "-c", str(config)).code == 0
    (post,) = posts(tmp_path).values()
    copier, *others = _also_reported(post)
    renamed = [dict(s, source="改名后的来源") if s["source"] == copier else s for s in specs]
    config = write_config(tmp_path, renamed)
    assert "posts: 0 new, 1 updated" in cli("run", "-c", str(config)).stdout
    (post,) = posts(tmp_path).values()
    assert _also_reported(post) == ["改名后的来源", *others]
    # A source taken out of feedmill.yml is no longer listed; once is enough.
    config = write_config(tmp_path, [s for s in renamed if s["source"] != "改名后的来源"])
    assert "posts: 0 new, 1 updated" in cli("run", "-c", str(config)).stdout
    (post,) = posts(tmp_path).values()
    assert _also_reported(post) == others
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout


@pytest.mark.parametrize("command", [["run"], ["publish"], ["publish", "--rebuild"]])
def test_a_story_whose_feed_left_the_config_passes_to_a_feed_that_carries_it(
    tmp_path: Path, command: list[str]
) -> None:
    """The same route added twice, then the wrong one removed: the stories
    stayed filed under the removed feed's names, and the edits of the feed
    that carries them never reached the site.  (`publish` fetches nothing:
    the story passes, and the removed feed's post goes, all the same.)"""
    specs = _write_sources(tmp_path, LPR[:2])
    config = write_config(tmp_path, specs)
    assert cli("run", "-c", str(config)).code == 0
    (before,) = posts(tmp_path)
    status = {r["source"]: r for r in json.loads(cli("status", "-c", str(config), "--json").stdout)}
    # (Which of the two is posted depends on which the pass stored first.)
    copy = next(s for s in LPR[:2] if status[s["source"]]["duplicates"] == 1)
    kept = [spec for spec in specs if spec["source"] == copy["source"]]
    config = write_config(tmp_path, kept)
    result = cli(*command, "-c", str(config))
    assert result.code == 0
    assert "stories of feeds no longer in the config that other feeds carry too: 1," in " ".join(
        result.stderr.split()
    )
    ((name, post),) = posts(tmp_path).items()
    assert name != before and f" - {copy['source']}\n" in post  # its categories
    assert "also_reported_by" not in post
    status = {r["source"]: r for r in json.loads(cli("status", "-c", str(config), "--json").stdout)}
    assert status[copy["source"]]["posts"] == 1 and status[copy["source"]]["duplicates"] == 0

    # Its edits reach its post; nothing comes back twice.
    feed = tmp_path / kept[0]["url"]
    feed.write_bytes(feed.read_bytes().replace(copy["title"].encode(), "【更正】标题".encode()))
    assert "posts: 0 new, 1 updated" in cli("run", "-c", str(config)).stdout
    assert "【更正】标题" in posts(tmp_path)[name]
    # The removed feed back: its item, the article (the fuller telling of
    # the 快讯 kept), takes the post back, as it would coming now.
    removed = next(s for s in LPR[:2] if s is not copy)
    assert removed is LPR[1]
    config = write_config(tmp_path, specs)
    back_again = cli("run", "-c", str(config)).stdout
    assert "posts: 1 new, 0 updated, 0 unchanged" in back_again, back_again
    ((back, post),) = posts(tmp_path).items()
    assert back != name and f" - {removed['source']}\n" in post
    held = " ".join(cli("search", "LPR", "--all", "-c", str(config)).stdout.split())
    assert "held back: duplicate of" in held and "its feed left" not in held
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout


def test_a_copy_that_follows_a_story_passed_on_says_no_similarity_it_was_not_measured_by(
    tmp_path: Path,
) -> None:
    """Three tellings, the post's feed removed: the story passed to another
    copy, and the third, filed under it, still said its similarity to the
    post that went (0.73 shown, 0.42 against the one it follows)."""
    specs = _write_sources(tmp_path, LPR[1:4])
    config = write_config(tmp_path, specs)
    assert cli("run", "-c", str(config)).code == 0
    status = {r["source"]: r for r in json.loads(cli("status", "-c", str(config), "--json").stdout)}
    posted = next(s for s in specs if status[s["source"]]["posts"] == 1)
    config = write_config(tmp_path, [s for s in specs if s is not posted])
    assert cli("run", "-c", str(config)).code == 0
    found = json.loads(cli("search", "LPR", "--all", "--json", "-c", str(config)).stdout)
    held = [r["held_back"]["reason"] for r in found if r["held_back"] is not None]
    # (The removed feed's item says its feed left.)
    assert sorted(held) == ["a copy of the story its post passed on", "its feed left feedmill.yml"]


def test_a_story_whose_feed_left_passes_to_no_copy_its_own_feeds_rules_block(
    tmp_path: Path,
) -> None:
    """The story of a feed removed from the config passed to the earliest
    copy held back — one its own feed's rules block now (a rule added since):
    a post the user's rule keeps out appeared. It passes to the next copy."""
    first, later = LPR[1], [LPR[0], *LPR[2:]]  # later: by date
    config = write_config(tmp_path, _write_sources(tmp_path, [first]))
    assert cli("run", "-c", str(config)).code == 0
    specs = _write_sources(tmp_path, LPR)
    config = write_config(tmp_path, specs)
    assert "held back: 0 blocked, 3 duplicates" in cli("run", "-c", str(config)).stdout
    (kept,) = posts(tmp_path)

    earliest = later[0]
    rule = {"block": [{"keywords": [earliest["title"]], "in": ["title"], "name": "不要"}]}
    left = [
        {**spec, "rules": rule} if spec["source"] == earliest["source"] else spec
        for spec in specs
        if spec["source"] != first["source"]
    ]
    config = write_config(tmp_path, left)
    result = cli("run", "-c", str(config))
    assert "passed to those feeds" in " ".join(result.stderr.split()), result.stderr
    ((name, post),) = posts(tmp_path).items()
    assert name != kept and f"\nauthor: {later[1]['source']}\n" in post, post
    assert cli("run", "-c", str(config)).code == 0
    assert list(posts(tmp_path)) == [name]


@pytest.mark.parametrize(("dated", "killed"), [(True, False), (False, False), (True, True)])
def test_a_feed_whose_url_was_edited_takes_its_stories_back_from_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dated: bool, killed: bool
) -> None:
    """A route's URL edited in feedmill.yml without `moved_from`: the old feed
    left the config before the new one held a copy, so its items, coming
    from the new URL, were held back behind the old feed's posts for good —
    and their edits never reached the site.  (Undated items too, whose
    first-seen times are set back a second for each item before them; and
    items a pass killed before they took the stories had stored: the next
    pass, its fetch the same document, stores nothing again.)"""
    stories = [STORIES["s001-a"], STORIES["s014-a"]]
    old = _feed_of(stories)
    if not dated:
        old = re.sub(rb"<pubDate>[^<]*</pubDate>", b"", old)
    (tmp_path / "old.xml").write_bytes(old)
    spec = {"group": "新闻", "source": stories[0]["source"]}
    assert cli("run", "-c", str(write_config(tmp_path, [{"url": "old.xml", **spec}]))).code == 0
    before = set(posts(tmp_path))
    assert len(before) == 2
    (tmp_path / "new.xml").write_bytes(old)
    config = write_config(tmp_path, [{"url": "new.xml", **spec}])
    if killed:
        _a_pass_killed_at(monkeypatch, config, "_hand_over_to_new_copies")
    moved = cli("run", "-c", str(config))
    # (Held back by their worker, they took the stories: none is held back.)
    assert "posts: 2 new" in moved.stdout and "held back" not in moved.stdout, moved.stdout
    said = " ".join(moved.stderr.split())
    assert "stories of feeds no longer in the config that other feeds carry too: 2," in said
    assert len(posts(tmp_path)) == 2 and not set(posts(tmp_path)) & before  # (new names)
    assert [row["posts"] for row in _status(config).values()] == [2]
    # The new feed's edits reach the posts; nothing is posted twice.
    edited = old.replace(stories[1]["title"].encode(), "【更正】标题".encode())
    (tmp_path / "new.xml").write_bytes(edited)
    assert "posts: 0 new, 1 updated" in cli("run", "-c", str(config)).stdout
    assert sum("【更正】标题" in post for post in posts(tmp_path).values()) == 1
    assert len(posts(tmp_path)) == 2


def _a_pass_killed_at(monkeypatch: pytest.MonkeyPatch, config: Path, step: str) -> None:
    """A pass that dies at ``step`` (a method of the pipeline's Mill), as a
    kill there leaves it: what it stored before stays, nothing after is done."""
    from feedmill.config import load_config
    from feedmill.pipeline import Mill

    def killed(*args: object) -> None:
        raise RuntimeError("killed")

    monkeypatch.setattr(Mill, step, killed)
    with Mill(load_config(config)) as mill, pytest.raises(RuntimeError):
        mill.run()
    monkeypatch.undo()


def _a_rewording_held_back(site: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, str]]:  # fmt: skip
    """A story posted from old.xml, its rewording (another outlet's, minutes
    later) from other.xml held back as its copy: (the story, the rewording,
    the old feed, the other feed)."""
    mine, theirs = STORIES["s001-a"], STORIES["s001-b"]
    (site / "old.xml").write_bytes(_feed_of([mine]))
    (site / "other.xml").write_bytes(_feed_of([theirs]))
    old = {"url": "old.xml", "group": "新闻", "source": mine["source"]}
    other = {"url": "other.xml", "group": "财经", "source": theirs["source"]}
    assert cli("run", "-c", str(write_config(site, [old]))).code == 0
    then = cli("run", "-c", str(write_config(site, [old, other])))
    assert "posts: 0 new" in then.stdout and "1 duplicate " in then.stdout, then.stdout
    return mine, theirs, old, other


def test_a_feed_whose_url_was_edited_takes_its_stories_before_another_telling_does(
    tmp_path: Path,
) -> None:
    """The URL edited while another feed carries a rewording of a story: the
    story passed to that rewording when the old feed left, before the new
    URL was read — and its items, the post's very text, stayed held back
    behind the other outlet's text, the source's category empty.  They take
    it back."""
    mine, theirs, old, other = _a_rewording_held_back(tmp_path)
    spec = {"group": old["group"], "source": old["source"]}
    (tmp_path / "new.xml").write_bytes(_feed_of([mine]))
    config = write_config(tmp_path, [{"url": "new.xml", **spec}, other])
    moved = cli("run", "-c", str(config))
    assert moved.code == 0, moved.stderr
    ((name, post),) = posts(tmp_path).items()
    assert f"categories:\n - 新闻\n - {mine['source']}\n" in post, post
    assert mine["title"] in post
    rows = _status(config)
    assert (rows[mine["source"]]["posts"], rows[theirs["source"]]["posts"]) == (1, 0)
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout
    assert list(posts(tmp_path)) == [name]


@pytest.mark.parametrize(
    "late",
    [
        "its first fetch failed",
        "another feed was run alone",
        "a pass was killed",
        "the rewording is dated first",
    ],
)
def test_an_edited_urls_items_coming_late_take_back_what_passed_to_a_rewording(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, late: str
) -> None:
    """The story passed to another outlet's rewording as the old URL left,
    before the new one's items were in (its first fetch failed, or a pass
    ran another feed alone, or one was killed after storing them): they take
    it back when they come — the post's first text — and a story the new URL
    no longer lists stays with the rewording."""
    rewording = STORIES["s001-b"]
    if late == "the rewording is dated first":  # (the earliest copy, a date alone can't tell)
        rewording = {**rewording, "published": "2022-09-20T09:10:00+08:00"}
    (tmp_path / "old.xml").write_bytes(_feed_of([STORIES["s001-a"], STORIES["s002-a"]]))
    (tmp_path / "other.xml").write_bytes(_feed_of([rewording, STORIES["s002-b"]]))
    spec = {"group": "新闻", "source": STORIES["s001-a"]["source"]}
    other = {"url": "other.xml", "group": "财经", "source": STORIES["s001-b"]["source"]}
    assert cli("run", "-c", str(write_config(tmp_path, [{"url": "old.xml", **spec}]))).code == 0
    then = cli("run", "-c", str(write_config(tmp_path, [{"url": "old.xml", **spec}, other])))
    assert "posts: 0 new" in then.stdout and "2 duplicates" in then.stdout, then.stdout
    config = write_config(tmp_path, [{"url": "new.xml", **spec}, other])
    if late in ("its first fetch failed", "the rewording is dated first"):
        assert "failed" in cli("run", "-c", str(config)).stdout
    else:
        (tmp_path / "new.xml").write_bytes(b"")
        assert cli("run", "--feed", "other.xml", "-c", str(config)).code == 0
    passed = _status(config)
    assert (passed[spec["source"]]["posts"], passed[other["source"]]["posts"]) == (0, 2)

    (tmp_path / "new.xml").write_bytes(_feed_of([STORIES["s001-a"]]))  # (one item now)
    if late == "a pass was killed":  # (after its workers stored the new URL's items)
        _a_pass_killed_at(monkeypatch, config, "_take_back_first_texts")
        (tmp_path / "new.xml").write_bytes(b"")  # (the next pass reads nothing of it)
    came = cli("run", "-c", str(config))
    assert "took them back: 1" in " ".join(came.stderr.split()), came.stderr
    rows = _status(config)
    assert (rows[spec["source"]]["posts"], rows[other["source"]]["posts"]) == (1, 1)
    mine = [p for p in posts(tmp_path).values() if STORIES["s001-a"]["title"] in p]
    assert len(mine) == 1 and f" - {spec['source']}\n" in mine[0]
    assert len(posts(tmp_path)) == 2
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout


def test_a_post_deleted_by_hand_is_taken_back_by_no_item_that_comes_again(
    tmp_path: Path,
) -> None:
    """The post the story passed to, deleted by hand: the item that left,
    coming again from an edited URL, does not put the story back on the site."""
    mine, _, old, other = _a_rewording_held_back(tmp_path)
    edited = write_config(tmp_path, [{**old, "url": "new.xml"}, other])
    assert "failed" in cli("run", "-c", str(edited)).stdout  # (passed to the rewording)
    (name,) = posts(tmp_path)
    (tmp_path / "source" / "_posts" / name).unlink()
    (tmp_path / "new.xml").write_bytes(_feed_of([mine]))
    came = cli("run", "-c", str(edited))
    assert "took them back" not in came.stderr
    assert posts(tmp_path) == {}


def test_only_the_item_that_left_takes_its_post_back_and_only_once(tmp_path: Path) -> None:
    """The take-back is the item that left, come again (its text, and its
    link or key): not from the article that took the 快讯's post since (its
    fuller telling); not a reprint of the text under another address; not
    from another copy of the very text, which carries it already (the post
    went back and forth on every pass); not by an item that had the post and
    lost it (its feed removed, then back: no URL moves twice)."""
    flash, article = LPR[0], LPR[1]
    reworded = {**flash, "id": "flash-2", "source": "金色财经",
                "title": "9月LPR出炉：1年期3.65%，5年期以上4.3%"}  # fmt: skip
    (tmp_path / "old.xml").write_bytes(_feed_of([flash]))
    (tmp_path / "b.xml").write_bytes(_feed_of([reworded]))
    spec = {"group": "快讯", "source": flash["source"]}
    b = {"url": "b.xml", "group": "快讯", "source": "金色财经"}
    assert cli("run", "-c", str(write_config(tmp_path, [{"url": "old.xml", **spec}]))).code == 0
    assert (
        "1 duplicate "
        in cli("run", "-c", str(write_config(tmp_path, [{"url": "old.xml", **spec}, b]))).stdout
    )
    # The URL edited, its first fetch failing: the story passes to the rewording;
    # then the article comes, and takes the post as its fuller telling.
    edited = [{"url": "new.xml", **spec}, b]
    assert "failed" in cli("run", "-c", str(write_config(tmp_path, edited))).stdout
    (tmp_path / "art.xml").write_bytes(_feed_of([article]))
    art = {"url": "art.xml", "group": "新闻", "source": article["source"]}
    config = write_config(tmp_path, [*edited, art])
    assert "1 replaced by a fuller copy" in cli("run", "-c", str(config)).stdout
    (post,) = posts(tmp_path).values()
    assert article["title"] in post
    # The 快讯 from the new URL: a copy of the article, which keeps its post.
    (tmp_path / "new.xml").write_bytes(_feed_of([flash]))
    came = cli("run", "-c", str(config))
    assert "took them back" not in came.stderr
    (post,) = posts(tmp_path).values()
    assert article["title"] in post

    # A reprint of the text that left, from another feed, under its own address.
    site = tmp_path / "second"
    site.mkdir()
    mine, theirs, old, other = _a_rewording_held_back(site)
    cli("run", "-c", str(write_config(site, [other])))
    reprint = {**mine, "id": "reprint-1"}
    (site / "third.xml").write_bytes(_feed_of([reprint]))
    third = {"url": "third.xml", "group": "转载", "source": "每日转载"}
    later = cli("run", "-c", str(write_config(site, [other, third])))
    assert "took them back" not in later.stderr
    (post,) = posts(site).values()
    assert f" - {theirs['source']}\n" in post

    # A mirror of the feed (the same items) under other categories: the post
    # went to it as the old URL left; the new URL's copy leaves it there.
    site = tmp_path / "third"
    site.mkdir()
    (site / "old.xml").write_bytes(_feed_of([mine]))
    (site / "mirror.xml").write_bytes(_feed_of([mine]))
    mirror = {"url": "mirror.xml", "group": "要闻", "source": mine["source"], "channel": "要闻"}
    cli("run", "-c", str(write_config(site, [old])))
    cli("run", "-c", str(write_config(site, [old, mirror])))
    (site / "new.xml").write_bytes(_feed_of([mine]))
    config = write_config(site, [{**old, "url": "new.xml"}, mirror])
    for _ in range(3):
        again = cli("run", "-c", str(config))
        assert "took them back" not in again.stderr
    names = set(posts(site))
    assert len(names) == 1 and "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout
    assert set(posts(site)) == names

    # Links told apart by a cache-buster: one page, the item come again.
    site = tmp_path / "busted"
    site.mkdir()

    def busted(value: str) -> bytes:
        item = Item(mine["title"], mine["html"], link=f"https://news.example/s001-a.html?t={value}",
                    pub_date=format_datetime(datetime.fromisoformat(mine["published"]).astimezone(UTC), True))  # fmt: skip
        return rss(mine["source"], [item])

    (site / "old.xml").write_bytes(busted("1765070000"))
    (site / "other.xml").write_bytes(_feed_of([theirs]))
    cli("run", "-c", str(write_config(site, [old])))
    cli("run", "-c", str(write_config(site, [old, other])))
    (site / "new.xml").write_bytes(busted("1765070001").replace(b"https://", b"http://"))
    moved = cli("run", "-c", str(write_config(site, [{**old, "url": "new.xml"}, other])))
    assert "took them back: 1" in " ".join(moved.stderr.split()), moved.stderr
    (post,) = posts(site).values()
    assert f" - {mine['source']}\n" in post

    # A mirror that took the post as its feed left, itself removed, then back: a
    # copy of the post its story passed to (no URL moves twice).
    site = tmp_path / "mirrored"
    site.mkdir()
    for name, story in (("a.xml", mine), ("m.xml", mine), ("b.xml", theirs)):
        (site / name).write_bytes(_feed_of([story]))
    a, m = {**old, "url": "a.xml"}, {**mirror, "url": "m.xml"}
    b = {**other, "url": "b.xml"}
    for listed in ([a], [a, m], [a, m, b], [m, b], [b]):
        cli("run", "-c", str(write_config(site, listed)))
    back = cli("run", "-c", str(write_config(site, [m, b])))
    assert "took them back" not in back.stderr
    (post,) = posts(site).values()
    assert f" - {theirs['source']}\n" in post
    # Both that left with the text have come again when one copy takes it back:
    # the new URL removed and put back takes nothing a second time.
    (site / "new.xml").write_bytes(_feed_of([mine]))
    n = {**old, "url": "new.xml"}
    said = [cli("run", "-c", str(write_config(site, f))).stderr for f in ([b], [n, b], [b], [n, b])]
    assert ["took them back" in " ".join(x.split()) for x in said] == [False, True, False, False]

    # The new URL's item took the post back; its feed removed, then back: a copy.
    site = tmp_path / "fourth"
    site.mkdir()
    (site / "old.xml").write_bytes(_feed_of([mine]))
    (site / "other.xml").write_bytes(_feed_of([theirs]))
    cli("run", "-c", str(write_config(site, [old])))
    cli("run", "-c", str(write_config(site, [old, other])))
    edited = [{**old, "url": "new.xml"}, other]
    assert "failed" in cli("run", "-c", str(write_config(site, edited))).stdout
    (site / "new.xml").write_bytes(_feed_of([mine]))
    assert "took them back: 1" in " ".join(
        cli("run", "-c", str(write_config(site, edited))).stderr.split()
    )
    cli("run", "-c", str(write_config(site, [other])))
    back = cli("run", "-c", str(write_config(site, edited)))
    assert "took them back" not in back.stderr
    (post,) = posts(site).values()
    assert f" - {theirs['source']}\n" in post
    # The old URL back too: its item judged a copy again, not "its feed left".
    config = write_config(site, [old, *edited])
    assert cli("run", "-c", str(config)).code == 0
    held = " ".join(cli("search", "LPR", "--all", "-c", str(config)).stdout.split())
    assert "its feed left" not in held and "held back: duplicate of" in held


def test_copies_told_apart_stay_apart_when_the_article_they_followed_leaves(
    tmp_path: Path,
) -> None:
    """Two 快讯 posted each (their figures differ), then an article that
    tells both took their posts; its feed removed, the story passed to the
    first 快讯 and the other followed it, on no page of the site.  Each
    takes a post of its own again."""
    flash, estimate, article = LONG["l16-b"], LONG["l16-c"], LONG["l16-a"]
    flashes = _write_sources(tmp_path, [flash, estimate])
    assert "posts: 2 new" in cli("run", "-c", str(write_config(tmp_path, flashes))).stdout
    config = write_config(tmp_path, flashes + _write_sources(tmp_path, [article]))
    assert "2 replaced by a fuller copy" in cli("run", "-c", str(config)).stdout
    assert len(posts(tmp_path)) == 1
    config = write_config(tmp_path, flashes)
    said = " ".join(cli("run", "-c", str(config)).stderr.split())
    assert "other feeds carry too: 1, passed" in said, said
    titles = sorted(re.findall(r"^title: (.*)$", "".join(posts(tmp_path).values()), re.M))
    assert titles == sorted(f"'{s['title']}'" for s in (flash, estimate)), titles
    assert [row["posts"] for row in _status(config).values()] == [1, 1]
    assert "also-reported" not in "".join(posts(tmp_path).values())
    assert "posts: 0 new, 0 updated" in cli("publish", "--rebuild", "-c", str(config)).stdout
    # The article's feed back: it takes both posts again, as it did coming
    # (it took the first 快讯's alone, and the story was in two posts).
    config = write_config(tmp_path, flashes + _write_sources(tmp_path, [article]))
    result = cli("run", "-c", str(config))
    assert "took back their stories' posts: 1" in " ".join(result.stderr.split())
    post = _one_post_for_both_flashes(tmp_path, "2 replaced by a fuller copy", "l16-a")
    assert sorted(_also_reported(post)) == sorted([flash["source"], estimate["source"]])
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout


@pytest.mark.parametrize("linked", [True, False])
def test_copies_of_one_page_stay_one_story_when_the_article_leaves(
    tmp_path: Path, linked: bool
) -> None:
    """A headline alone and another copy of the article: linking the same
    page, one post when the article's feed leaves, the other listed under
    it; the article's text under a link of its own, which a headline alone
    cannot be compared with, takes a post of its own — held back behind the
    headline, the story's only text was on no page of the site."""
    article = STORIES["s001-a"]
    page = "https://www.example.cn/news/2022/lpr-0920.html"
    at = datetime.fromisoformat(article["published"]).astimezone(UTC)
    other = (
        Item("LPR报价出炉", "<p>详见原文</p>", "c", page)
        if linked
        else Item(STORIES["s001-b"]["title"], STORIES["s001-b"]["html"], "c", page + "?b")
    )
    feeds = {
        "甲": [Item(article["title"], article["html"], "a", page)],
        "乙": [Item("快讯：9月LPR公布", "", "b", page)],
        "丙": [other],
    }
    for minutes, (source, items) in enumerate(feeds.items()):
        dated = format_datetime(at + timedelta(minutes=10 * minutes), True)
        (tmp_path / f"{minutes}.xml").write_bytes(
            rss(source, [replace(item, pub_date=dated) for item in items])
        )
    specs = [
        {"url": f"{i}.xml", "group": "新闻", "source": source} for i, source in enumerate(feeds)
    ]
    assert cli("run", "-c", str(write_config(tmp_path, specs[:1]))).code == 0
    assert "2 duplicates" in cli("run", "-c", str(write_config(tmp_path, specs))).stdout
    config = write_config(tmp_path, specs[1:])
    assert f"posts: {1 if linked else 2} new" in cli("run", "-c", str(config)).stdout
    if linked:
        (post,) = posts(tmp_path).values()
        assert "title: '快讯：9月LPR公布'" in post and _also_reported(post) == ["丙"]
    else:
        texts = "".join(posts(tmp_path).values())
        assert STORIES["s001-b"]["title"] in texts and "also-reported" not in texts


def test_copies_sharing_a_list_page_are_not_one_story_by_it(tmp_path: Path) -> None:
    """Two live-news feeds link every item to their list page: 快讯 told
    apart (their figures differ), each held back behind the article that
    told both, were merged by that link when the article's feed left."""
    telegraph = "https://live.example.cn/telegraph"
    listed = {"财联社": ("l16-b", "l01-b"), "华尔街见闻": ("l16-c", "l02-b")}
    picked = [LONG[k] for keys in listed.values() for k in keys]
    feeds_dir = tmp_path / "feeds"
    feeds_dir.mkdir()
    specs = []
    for source, keys in listed.items():
        items = [
            Item(s["title"], s["html"], s["id"], telegraph,
                 format_datetime(datetime.fromisoformat(s["published"]).astimezone(UTC), True))
            for s in (LONG[k] for k in keys)
        ]  # fmt: skip
        (feeds_dir / f"{source}.xml").write_bytes(rss(source, items))
        specs.append({"url": f"feeds/{source}.xml", "group": "新闻", "source": source})
    assert "posts: 4 new" in cli("run", "-c", str(write_config(tmp_path, specs))).stdout
    article = _write_sources(tmp_path, [LONG["l16-a"]])
    with_article = cli("run", "-c", str(write_config(tmp_path, specs + article))).stdout
    assert "2 replaced by a fuller copy" in with_article, with_article
    config = write_config(tmp_path, specs)
    assert "posts: 2 new" in cli("run", "-c", str(config)).stdout
    titles = "".join(posts(tmp_path).values())
    assert all(s["title"] in titles for s in picked)


def test_a_removed_feeds_article_keeps_its_post_from_a_later_flash_of_it(tmp_path: Path) -> None:
    """A copy coming after its original's feed left takes the story only when
    it is the original's very text (a URL edited): a 快讯 of the article
    took its post, and the article's text was on no page of the site."""
    article, flash = LONG["l01-a"], LONG["l01-b"]
    specs = _write_sources(tmp_path, [article])
    assert cli("run", "-c", str(write_config(tmp_path, specs))).code == 0
    (name,) = posts(tmp_path)
    config = write_config(tmp_path, _write_sources(tmp_path, [flash]))
    later = cli("run", "-c", str(config))
    assert "1 duplicate " in later.stdout and "passed to those feeds" not in later.stderr
    assert list(posts(tmp_path)) == [name]


def test_a_removed_feeds_story_passes_to_its_very_text_not_an_earlier_flash(
    tmp_path: Path,
) -> None:
    """The article's feed removed, its 快讯 from another feed held back behind
    it; then the article's feed back at a new URL: the story passes to the
    copy of its very text, not to the 快讯 (the earliest copy)."""
    article, flash = LONG["l01-a"], LONG["l01-b"]
    (tmp_path / "old.xml").write_bytes(_feed_of([article]))
    spec = {"group": "新闻", "source": article["source"]}
    assert cli("run", "-c", str(write_config(tmp_path, [{"url": "old.xml", **spec}]))).code == 0
    flashes = _write_sources(tmp_path, [flash])
    assert "1 duplicate " in cli("run", "-c", str(write_config(tmp_path, flashes))).stdout
    (tmp_path / "new.xml").write_bytes(_feed_of([article]))
    config = write_config(tmp_path, [*flashes, {"url": "new.xml", **spec}])
    moved = " ".join(cli("run", "-c", str(config)).stderr.split())
    assert "other feeds carry too: 1, passed" in moved, moved
    (post,) = posts(tmp_path).values()
    assert f" - {article['source']}\n" in post and article["title"] in post
    assert _status(config)[flash["source"]]["duplicates"] == 1


def test_a_copy_after_a_story_passed_to_another_feed_is_listed_under_its_post(
    tmp_path: Path,
) -> None:
    """The removed feed's entry is no original any more: a later copy most
    like it was held back behind it, and the post that carries the story
    did not list it."""
    specs = _write_sources(tmp_path, LPR[1:3])
    config = write_config(tmp_path, specs)
    assert cli("run", "-c", str(config)).code == 0
    status = _status(config)
    posted = next(s for s in LPR[1:3] if status[s["source"]]["duplicates"] == 0)
    heir = next(s for s in LPR[1:3] if s is not posted)
    kept = [spec for spec in specs if spec["source"] == heir["source"]]
    config = write_config(tmp_path, kept)
    assert cli("run", "-c", str(config)).code == 0
    # A lightly edited copy of the removed feed's version, from a third source.
    edited = {**posted, "id": "edited", "source": LPR[0]["source"],
              "title": posted["title"] + "（更新）", "html": posted["html"].replace("。", "！", 1)}  # fmt: skip
    config = write_config(tmp_path, kept + _write_sources(tmp_path, [edited]))
    assert "1 duplicate " in cli("run", "-c", str(config)).stdout
    (post,) = posts(tmp_path).values()
    assert _also_reported(post) == [LPR[0]["source"]]


def test_a_feed_a_story_passed_to_counts_its_post_unchanged(tmp_path: Path) -> None:
    specs = _write_sources(tmp_path, LPR[1:3])
    config = write_config(tmp_path, specs)
    assert cli("run", "-c", str(config)).code == 0
    status = _status(config)
    heir = next(s for s in LPR[1:3] if status[s["source"]]["duplicates"] == 1)
    config = write_config(tmp_path, [s for s in specs if s["source"] == heir["source"]])
    assert cli("run", "-c", str(config)).code == 0
    # Its document unchanged since: the post it carries now counts (it said 0).
    again = cli("run", "-c", str(config)).stdout
    assert "posts: 0 new, 0 updated, 1 unchanged" in again, again


def test_a_story_passed_to_an_unchanged_feed_counts_its_other_posts_unchanged(
    tmp_path: Path,
) -> None:
    """The heir's feed answered 304: the post it was given is new, and its
    own post still unchanged (it said "0 unchanged" of a site of two)."""
    lpr, other, copy = STORIES["s001-a"], STORIES["s002-b"], STORIES["s001-b"]
    first = write_config(tmp_path, _write_sources(tmp_path, [lpr, other]))
    assert cli("run", "-c", str(first)).code == 0
    config = write_config(tmp_path, _write_sources(tmp_path, [lpr, other, copy]))
    assert "1 duplicate " in cli("run", "-c", str(config)).stdout
    kept = _write_sources(tmp_path, [other, copy])
    result = cli("run", "-c", str(write_config(tmp_path, kept))).stdout
    assert "posts: 1 new, 0 updated, 1 unchanged" in result, result
    assert len(posts(tmp_path)) == 2


def test_a_story_deleted_by_hand_stays_off_when_its_feed_leaves_the_config(
    tmp_path: Path,
) -> None:
    specs = _write_sources(tmp_path, LPR[:2])
    config = write_config(tmp_path, specs)
    assert cli("run", "-c", str(config)).code == 0
    status = {r["source"]: r for r in json.loads(cli("status", "-c", str(config), "--json").stdout)}
    copy = next(s for s in LPR[:2] if status[s["source"]]["duplicates"] == 1)
    (posted,) = posts(tmp_path)
    (tmp_path / "source" / "_posts" / posted).unlink()  # by its owner
    config = write_config(tmp_path, [s for s in specs if s["source"] == copy["source"]])
    result = cli("run", "-c", str(config))
    assert result.code == 0 and "no longer in the config" not in result.stderr
    assert posts(tmp_path) == {}


def test_a_story_archived_stays_archived_when_its_feed_leaves_the_config(
    tmp_path: Path,
) -> None:
    """Retention archived the story's post: its copy from a feed still
    configured was posted into source/_posts under another name, the archived
    file deleted, and archived again in the same pass ("1 new, 1 archived")."""
    specs = _write_sources(tmp_path, LPR[:2])
    config = write_config(tmp_path, specs, retention={"days": 1})
    assert "1 archived" in cli("run", "-c", str(config)).stdout
    archive = tmp_path / "source" / "_archive"
    before = {p.name: p.read_bytes() for p in archive.glob("*.md")}
    assert len(before) == 1 and posts(tmp_path) == {}
    copy = next(s for s in LPR[:2] if _status(config)[s["source"]]["duplicates"] == 1)
    config = write_config(
        tmp_path, [s for s in specs if s["source"] == copy["source"]], retention={"days": 1}
    )
    result = cli("run", "-c", str(config))
    assert result.code == 0 and "no longer in the config" not in result.stderr
    assert "posts: 0 new" in result.stdout and "archived" not in result.stdout, result.stdout
    assert {p.name: p.read_bytes() for p in archive.glob("*.md")} == before
    assert posts(tmp_path) == {}


@pytest.mark.parametrize("recorded", ["written", "pending"])
def test_a_story_in_the_archive_stays_there_though_a_kill_left_it_unrecorded(
    tmp_path: Path, recorded: str
) -> None:
    """Retention killed after its moves, before it recorded them (or a
    rebuild killed once it had queued every post): the post's row said
    written (or pending) while its file was in the archive.  A feed removed
    then passed the story on, and the archived file was deleted."""
    import sqlite3

    specs = _write_sources(tmp_path, LPR[:2])
    config = write_config(tmp_path, specs, retention={"days": 1})
    assert "1 archived" in cli("run", "-c", str(config)).stdout
    archive = tmp_path / "source" / "_archive"
    before = {p.name: p.read_bytes() for p in archive.glob("*.md")}
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        assert db.execute(
            "UPDATE posts SET state = ? WHERE state = 'archived'", (recorded,)
        ).rowcount
    copy = next(s for s in LPR[:2] if _status(config)[s["source"]]["duplicates"] == 1)
    config = write_config(
        tmp_path, [s for s in specs if s["source"] == copy["source"]], retention={"days": 1}
    )
    result = cli("run", "-c", str(config))
    assert result.code == 0 and "no longer in the config" not in result.stderr
    assert {p.name: p.read_bytes() for p in archive.glob("*.md")} == before
    assert posts(tmp_path) == {}


def test_a_story_in_the_archive_while_a_rebuild_is_owed_passes_on(tmp_path: Path) -> None:
    """A rebuild killed once it had queued every post owes the rest: the
    posts in the archive come back with it.  Taken for archived, the story of
    a feed removed meanwhile stayed its, posted back under a source the
    config no longer has, its copy held back for good."""
    import sqlite3

    specs = _write_sources(tmp_path, LPR[:2])
    config = write_config(tmp_path, specs, retention={"days": 1})
    assert "1 archived" in cli("run", "-c", str(config)).stdout
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        db.execute("UPDATE posts SET state = 'pending' WHERE state = 'archived'")
        db.execute("INSERT INTO meta (name, value) VALUES ('rebuild_owed', '1')")
    copy = next(s for s in LPR[:2] if _status(config)[s["source"]]["duplicates"] == 1)
    config = write_config(tmp_path, [s for s in specs if s["source"] == copy["source"]])
    result = cli("run", "-c", str(config))
    assert result.code == 0 and "no longer in the config" in " ".join(result.stderr.split())
    ((_, post),) = posts(tmp_path).items()
    assert f" - {copy['source']}\n" in post
    assert not list((tmp_path / "source" / "_archive").glob("*.md"))


def test_copies_in_one_pass_across_worker_processes_post_once(tmp_path: Path) -> None:
    """20 feeds in the worker pool carry the same story at once: one post."""
    story = STORIES["s002-a"]
    specs = []
    for number in range(20):
        copy = {**story, "id": f"copy-{number}", "source": f"来源{number}"}
        (tmp_path / f"{number}.xml").write_bytes(_feed_of([copy]))
        specs.append({"url": f"{number}.xml", "group": "新闻", "source": f"来源{number}"})
    config = write_config(tmp_path, specs)
    result = cli("run", "-c", str(config), "--workers", "2")
    assert result.code == 0
    assert len(posts(tmp_path)) == 1
    assert "19 duplicates" in result.stdout


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("https://news.example/a", "https://news.example/a"),
        # One page written two ways is one address.
        ("http://news.example/a", "https://news.example/a"),
        ("https://news.example/a", "http://news.example/a"),
        ("https://news.example/a", "https://news.example/a?utm_source=rss"),
    ],
)
def test_the_same_link_from_two_feeds_merges_however_short(
    tmp_path: Path, first: str, second: str
) -> None:
    item = Item(title="快讯", html="<p>详见原文</p>", guid="x", link=first)
    (tmp_path / "a.xml").write_bytes(rss("甲", [item]))
    (tmp_path / "b.xml").write_bytes(
        rss("乙", [Item(title="快讯（更新）", html="", guid="y", link=second)])
    )
    config = write_config(
        tmp_path,
        [
            {"url": "a.xml", "group": "g", "source": "甲"},
            {"url": "b.xml", "group": "g", "source": "乙"},
        ],
    )
    assert cli("run", "-c", str(config), "--feed", "a.xml").code == 0
    assert "1 duplicate " in cli("run", "-c", str(config)).stdout
    assert len(posts(tmp_path)) == 1


def test_a_story_whose_text_changed_is_matched_by_its_new_text(tmp_path: Path) -> None:
    # A flash item that later became the full article; another feed then
    # carries that article: copies of the story, not stories of their own.
    full, other = STORIES["s001-a"], STORIES["s001-c"]
    flash = {**full, "html": "<p>快讯：详情稍后更新。</p>"}
    (tmp_path / "a.xml").write_bytes(_feed_of([flash]))
    specs = [
        {"url": "a.xml", "group": "g", "source": full["source"]},
        {"url": "b.xml", "group": "g", "source": other["source"]},
    ]
    config = write_config(tmp_path, specs)
    assert cli("run", "-c", str(config), "--feed", "a.xml").code == 0
    (tmp_path / "a.xml").write_bytes(_feed_of([full]))
    assert "1 updated" in cli("run", "-c", str(config), "--feed", "a.xml").stdout
    # Its own rewrite of the article (found through the bands), and a verbatim copy.
    (tmp_path / "b.xml").write_bytes(_feed_of([other, {**full, "id": "verbatim"}]))
    assert "2 duplicates" in cli("run", "-c", str(config), "--feed", "b.xml").stdout
    assert len(posts(tmp_path)) == 1


def test_templated_news_on_different_days_are_both_posted(tmp_path: Path) -> None:
    specs = _write_sources(tmp_path, [STORIES[k] for k in ("s070-a", "s071-b", "s072-a", "s069-b")])
    config = write_config(tmp_path, specs)
    assert cli("run", "-c", str(config)).code == 0
    assert len(posts(tmp_path)) == 4


def test_one_headline_over_other_companies_from_two_feeds_is_posted_twice(
    tmp_path: Path,
) -> None:
    """The approvals of different companies under one headline, from two
    sources: one was held back as the other's copy and never reached the blog."""
    title = "证监会同意两家企业IPO注册"
    for name, companies in (("a", "中芯国际、华大九天"), ("b", "长鑫存储、宁德时代")):
        item = Item(title, guid=name, html=_NOTICE.format(companies))
        (tmp_path / f"{name}.xml").write_bytes(rss(name, [item]))
    feeds = [{"url": f"{n}.xml", "group": "金融", "source": n} for n in ("a", "b")]
    result = cli("run", "-c", str(write_config(tmp_path, feeds)))
    assert "2 new" in result.stdout and "duplicates" not in result.stdout
    assert len(posts(tmp_path)) == 2


def test_dedupe_off_posts_every_copy(tmp_path: Path) -> None:
    config = write_config(tmp_path, _write_sources(tmp_path, LPR), dedupe=False)
    result = cli("run", "-c", str(config))
    assert len(posts(tmp_path)) == 4
    assert "held back" not in result.stdout


def test_stories_stored_with_dedupe_off_are_found_once_it_is_on(tmp_path: Path) -> None:
    """Stored while `dedupe: off`, a story had no fingerprint: turned on
    again, dedupe posted its copies again, a rewrite or word for word."""
    first, rewrite, other = LPR[1:]  # (not the 快讯: the article would take its post)
    word_for_word = {**first, "id": "word-for-word", "source": other["source"]}
    config = write_config(tmp_path, _write_sources(tmp_path, [first]), dedupe=False)
    assert cli("run", "-c", str(config)).code == 0
    config = write_config(tmp_path, _write_sources(tmp_path, [first, rewrite, word_for_word]))
    result = cli("run", "-c", str(config))
    assert "held back: 0 blocked, 2 duplicates" in result.stdout, result.stdout
    cluster = _clusters(tmp_path / ".feedmill" / "state.db")
    assert cluster[rewrite["id"]] == cluster["word-for-word"] == first["id"]
    assert len(posts(tmp_path)) == 1
    # Looked at once: a pass with nothing stored since reads no story again.
    assert "0 new" in cli("run", "-c", str(config)).stdout


def test_a_stricter_threshold_keeps_rewrites_apart(tmp_path: Path) -> None:
    pair = [STORIES["s001-a"], STORIES["s001-b"]]  # reworded
    loose = write_config(tmp_path / "loose", _write_sources(tmp_path / "loose", pair))
    strict = write_config(
        tmp_path / "strict", _write_sources(tmp_path / "strict", pair), dedupe={"threshold": 0.9}
    )
    cli("run", "-c", str(loose))
    cli("run", "-c", str(strict))
    assert len(posts(tmp_path / "loose")) == 1
    assert len(posts(tmp_path / "strict")) == 2


def test_window_and_label_come_from_the_config(tmp_path: Path) -> None:
    """`dedupe: {window: 5m, label: …}`: a rewrite 2 minutes after the first
    merges under the given label (the first, a 快讯, gives way to its fuller
    telling); one 8 minutes after is posted."""
    # The fourth version is a verbatim copy of `close`: exact copies merge at
    # any distance, so it would merge with whichever of the two is nearer.
    first, close, later = LPR[:3]  # 09:13, 09:15, 09:21
    settings = {"window": "5m", "label": "另见："}
    config = write_config(tmp_path, _write_sources(tmp_path, [first]), dedupe=settings)
    assert cli("run", "-c", str(config)).code == 0
    config = write_config(tmp_path, _write_sources(tmp_path, LPR[:3]), dedupe=settings)
    result = cli("run", "-c", str(config))
    assert result.code == 0, result.stderr
    assert "1 replaced by a fuller copy" in result.stdout, result.stdout
    cluster = _clusters(tmp_path / ".feedmill" / "state.db")
    assert cluster[first["id"]] == close["id"]
    assert cluster[later["id"]] == later["id"]
    assert len(posts(tmp_path)) == 2
    assert sum('<p class="also-reported">另见：' in post for post in posts(tmp_path).values()) == 1


def test_the_index_is_stored_and_old_days_are_pruned(tmp_path: Path) -> None:
    """Bands live in the database (a restart does not rebuild them) and only
    for the days a new story can still be compared with."""
    from feedmill.store import dedupe_upkeep

    specs = _write_sources(tmp_path, [STORIES["s004-a"]])
    config = write_config(tmp_path, specs)
    assert cli("run", "-c", str(config)).code == 0
    engine = open_database(f"sqlite:///{tmp_path / '.feedmill' / 'state.db'}")
    published = datetime.fromisoformat(STORIES["s004-a"]["published"])
    with engine.begin() as conn:
        days = set(conn.execute(select(dedupe_bands.c.day)).scalars())
        assert days == {dedupe_upkeep.day_of(published)}
        assert len(conn.execute(select(dedupe_prints.c.entry_id)).all()) == 1
        policy, now = DedupePolicy(), datetime.now(UTC)
        # An old story first seen today is still compared with tomorrow's copies …
        assert dedupe_upkeep.prune(conn, policy, now=now + timedelta(hours=12)) == 0
        # … but no longer once the window has passed.
        assert dedupe_upkeep.prune(conn, policy, now=now + timedelta(days=5)) > 0
        assert conn.execute(select(dedupe_bands.c.day)).first() is None
        assert conn.execute(select(dedupe_prints.c.entry_id)).first() is None
        assert conn.execute(select(feeds.c.id)).first() is not None
    engine.dispose()


def test_a_pass_prunes_at_most_hourly(tmp_path: Path) -> None:
    """Pruning reads every band row, so passes prune once an hour at most
    (and at once when the clock was set back)."""
    from feedmill.store import dedupe as dedupe_store
    from feedmill.store.dedupe_upkeep import prune_when_due

    story = STORIES["s004-a"]
    config = write_config(tmp_path, _write_sources(tmp_path, [story]))
    assert cli("run", "-c", str(config)).code == 0
    engine = open_database(f"sqlite:///{tmp_path / '.feedmill' / 'state.db'}")
    policy, first = DedupePolicy(), datetime.now(UTC) + timedelta(days=5)  # past the horizon
    indexed = [(1, dedupe_store.story_of(_entry(story), first))]
    with engine.begin() as conn:
        assert prune_when_due(conn, policy, now=first) > 0
        dedupe_store.add(conn, 1, indexed)
        assert prune_when_due(conn, policy, now=first + timedelta(minutes=59)) == 0
        assert prune_when_due(conn, policy, now=first + timedelta(minutes=61)) > 0
        dedupe_store.add(conn, 1, indexed)
        assert prune_when_due(conn, policy, now=first - timedelta(hours=1)) > 0
    engine.dispose()


def _entry(story: dict[str, str]) -> Entry:
    published = datetime.fromisoformat(story["published"]).astimezone(UTC)
    link = f"https://elsewhere.example/{story['id']}"
    return Entry(story["id"], link, story["title"], published, None, None, story["html"])


def test_a_copy_stored_by_another_worker_meanwhile_is_found_under_the_lock(
    tmp_path: Path,
) -> None:
    """A worker looks for originals before it takes the write lock; under the
    lock it checks only the stories stored after what it saw (Arrivals)."""
    from feedmill.store import dedupe as dedupe_store

    original, copy = LPR[0], LPR[1]
    config = write_config(tmp_path, _write_sources(tmp_path, [original]))
    assert cli("run", "-c", str(config)).code == 0
    engine = open_database(f"sqlite:///{tmp_path / '.feedmill' / 'state.db'}")
    story = dedupe_store.story_of(_entry(copy), datetime.now(UTC))
    policy, elsewhere = DedupePolicy(), -1
    with reading(engine) as conn:
        stored = dedupe_store.watermark(conn)
        match = dedupe_store.find_original(conn, story, policy, elsewhere)
        assert match is not None
        # Stored after the watermark: only the lock-side check sees it.
        late = dedupe_store.Arrivals.since(conn, stored - 1)
        assert late.find_original(conn, story, policy, elsewhere) == match
        assert (
            dedupe_store.Arrivals.since(conn, stored).find_original(conn, story, policy, elsewhere)
            is None
        )
        # The same article linked from another feed: an exact copy, whatever its text.
        linked = replace(_entry(LPR[3]), link=f"https://news.example/{original['id']}")
        found = late.find_original(
            conn, dedupe_store.story_of(linked, datetime.now(UTC)), policy, elsewhere
        )
        assert found is not None and found.verdict.reason == "same article"
    engine.dispose()


def test_a_flood_of_templated_items_neither_merges_nor_hides_other_copies(
    tmp_path: Path,
) -> None:
    """Sixty 逆回购 notices of one day share most LSH bands; each lookup reads
    only the newest stories per band, and every notice (its own figures) and
    the rewritten LPR story still come out right."""
    first, copy = LPR[1], LPR[2]
    day = datetime.fromisoformat(first["published"])
    body = "<p>人民银行公告称，为维护银行体系流动性合理充裕，{}以利率招标方式开展了{}亿元7天期逆回购操作，中标利率2.0%。</p>"
    flood = [
        {
            "id": f"flash-{n}",
            "source": "金色财经",
            "published": (day + timedelta(minutes=n)).isoformat(),
            "title": f"央行开展{100 + 10 * n}亿元逆回购",
            "html": body.format(f"第{n}次", 100 + 10 * n),
        }
        for n in range(60)
    ]
    config = write_config(tmp_path, _write_sources(tmp_path, [first, *flood]))
    assert cli("run", "-c", str(config)).code == 0
    config = write_config(tmp_path, _write_sources(tmp_path, [first, copy, *flood]))
    result = cli("run", "-c", str(config))
    assert result.code == 0, result.stderr
    assert len(posts(tmp_path)) == 61
    assert "1 duplicate " in result.stdout
    cluster = _clusters(tmp_path / ".feedmill" / "state.db")
    assert cluster[copy["id"]] == first["id"]


def test_stories_indexed_before_fingerprints_were_stored_are_still_compared(
    tmp_path: Path,
) -> None:
    """A database from before migration 0006 has bands but no stored
    fingerprints: candidates are then fingerprinted from their text."""
    from sqlalchemy import delete

    first, copy = LPR[1], LPR[2]
    config = write_config(tmp_path, _write_sources(tmp_path, [first]))
    assert cli("run", "-c", str(config)).code == 0
    state = tmp_path / ".feedmill" / "state.db"
    engine = open_database(f"sqlite:///{state}")
    with engine.begin() as conn:
        assert conn.execute(delete(dedupe_prints)).rowcount == 1
    engine.dispose()  # the next run reads through a new engine: nothing remembered
    config = write_config(tmp_path, _write_sources(tmp_path, [first, copy]))
    result = cli("run", "-c", str(config))
    assert result.code == 0, result.stderr
    assert "1 duplicate " in result.stdout
    assert _clusters(state)[copy["id"]] == first["id"]


def test_two_databases_in_one_process_do_not_share_fingerprints(tmp_path: Path) -> None:
    """Entry ids are unique only within a database: what one site stored as
    entry 1 must not stand in for another site's entry 1."""
    from feedmill.store import dedupe as dedupe_store

    lpr, other = LPR[0], STORIES["s004-a"]
    for site, story in (("a", lpr), ("b", other)):
        config = write_config(tmp_path / site, _write_sources(tmp_path / site, [story]))
        assert cli("run", "-c", str(config)).code == 0
    first, second = (
        open_database(f"sqlite:///{tmp_path / site / '.feedmill' / 'state.db'}") for site in "ab"
    )
    now, policy = datetime.now(UTC), DedupePolicy()
    with second.connect() as conn:  # its story again, from another feed: entry 1
        match = dedupe_store.find_original(
            conn, dedupe_store.story_of(_entry(other), now), policy, own_feed=0
        )
        assert match is not None and match.original_id == 1
    with first.connect() as conn:  # a rewrite of the LPR story: its entry 1
        match = dedupe_store.find_original(
            conn, dedupe_store.story_of(_entry(LPR[1]), now), policy, own_feed=0
        )
        assert match is not None and match.original_id == 1
    first.dispose()
    second.dispose()


def test_reads_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    """Workers read (known items, candidates) while another one writes:
    a reading connection must not queue for SQLite's write lock."""
    engine = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    with engine.begin() as writer:
        writer.execute(insert(feeds).values(url="https://a.example/feed"))
        with reading(engine) as conn:
            # Not yet committed: a snapshot without the row, at once.
            assert conn.execute(select(feeds.c.id)).first() is None
    with reading(engine) as conn:
        assert conn.execute(select(feeds.c.url)).scalar_one() == "https://a.example/feed"
    engine.dispose()


@pytest.mark.slow
def test_copies_merge_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    from support.postgres import new_database

    url = new_database(postgres_url)
    config = write_config(tmp_path, _write_sources(tmp_path, LPR), state=url)
    result = cli("run", "-c", str(config))
    assert result.code == 0, result.stderr
    (post,) = posts(tmp_path).values()
    assert len(_also_reported(post)) == 3
    # Held back, or posted first by a worker and replaced by the fuller copy
    # (the workers' order decides; SQLite's writers take turns, these do not).
    held = re.search(r"(\d+) duplicates(?: · (\d+) replaced by a fuller copy)?", result.stdout)
    assert held is not None, result.stdout
    assert int(held.group(1)) + int(held.group(2) or 0) == 3, result.stdout


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("净买入52.3亿元", {"亿元": {("52.3", False)}}),
        ("数据显示,5%的公司", {"%": {("5", False)}}),
        ("逾1,200亿元", {"亿元": {("1200", True)}}),
        # A series without a unit is no figure; its last number with one is.
        ("收益率2.731,2.845,2.9%", {"%": {("2.731,2.845,2.9".replace(",", ""), False)}}),
    ],
)
def test_figures_are_read_with_their_units(text: str, found: dict[str, set[object]]) -> None:
    from feedmill.filter.dedupe.text import facts

    assert {unit: set(values) for unit, values in facts(text).items()} == found


def test_a_long_series_of_numbers_is_read_in_one_pass() -> None:
    # 16,000 yields joined by commas: tried from every digit, this took minutes.
    series = ",".join(f"{2.5 + (i % 500) / 1000:.3f}" for i in range(16_000))
    story = fingerprint("国债收益率走势", f"<p>10年期国债收益率：{series}。</p>")
    assert story.facts == {"年数": frozenset({("10", False)})} and story.words


def test_the_next_days_routine_notice_in_another_outlets_words_is_news_again() -> None:
    """The central bank's daily notice, its figures the same for weeks, as
    another outlet words it the next day: held back under yesterday's post
    (the day's own notice posted nowhere if yesterday's outlet skipped it) —
    the rule for the same words, kept for other words."""
    yesterday = fingerprint(
        "央行今日开展20亿元7天期逆回购操作",
        "<p>证券时报网讯，央行公告称，为维护银行体系流动性合理充裕，人民银行今日以利率招标方式开展"
        "了20亿元7天期逆回购操作，中标利率1.8%。因今日有20亿元逆回购到期，当日实现零投放零回笼。</p>",
    )
    today = fingerprint(
        "央行开展20亿元7天期逆回购 中标利率1.8%",
        "<p>新浪财经讯 人民银行今日以利率招标方式开展20亿元7天期逆回购操作，中标利率持平于1.8%。"
        "Wind数据显示，今日有20亿元逆回购到期，因此当日实现零投放零回笼。</p>",
    )
    verdict = decide(yesterday, today, apart=timedelta(hours=23, minutes=25))
    assert not verdict.duplicate and verdict.reason == "a routine notice again, on another day"
    # The same day's copies are copies.
    assert decide(yesterday, today, apart=timedelta(minutes=5)).duplicate
    short = [
        fingerprint(title, f"<p>{body}</p>")
        for title, body in (
            (
                "央行今日开展20亿元7天期逆回购操作",
                "央行公告称，今日以利率招标方式开展20亿元7天期逆回购操作，中标利率1.8%。",
            ),
            (
                "央行今日开展20亿元7天期逆回购 中标利率1.8%",
                "央行公告，今日以利率招标方式开展20亿元7天期逆回购操作，中标利率1.8%。",
            ),
        )
    ]
    # (A flash too short to name its story is a copy at any distance: a one-off
    # story's, reworded by a slower outlet, cannot be told from the next day's.)
    assert not short[0].identifying
    assert decide(*short, apart=timedelta(hours=23)).duplicate
    # … and so is a one-off story's flash, worded otherwise by a slower outlet.
    flash = fingerprint(
        "宁德时代拟在匈牙利投资73亿欧元建设电池工厂",
        "<p>宁德时代公告，拟在匈牙利投资73亿欧元建设电池工厂。</p>",
    )
    late = fingerprint(
        "宁德时代将在匈牙利投资73亿欧元建电池厂",
        "<p>宁德时代宣布，拟投资73亿欧元在匈牙利建设电池工厂。</p>",
    )
    assert decide(flash, late, apart=timedelta(hours=22)).duplicate


def test_a_headlines_year_is_no_other_headlines_term_in_years() -> None:
    """ "2024年2月LPR出炉" and "2月LPR：1年期3.45%，5年期以上降至3.95%": 2024年 and
    1年期 and 5年期 were one unit, "headline figures differ (年)" — two posts of
    one LPR release whenever the other story's text leaves the year out."""
    dated = fingerprint(
        "2024年2月LPR出炉",
        "<p>中国人民银行授权全国银行间同业拆借中心公布，2024年2月20日贷款市场报价利率（LPR）为："
        "1年期LPR为3.45%，5年期以上LPR为3.95%。5年期以上LPR较上月下调25个基点。</p>",
    )
    terms = fingerprint(
        "2月LPR：1年期3.45%，5年期以上降至3.95%",
        "<p>财联社2月20日电，中国人民银行授权全国银行间同业拆借中心公布，2月20日贷款市场报价利率"
        "（LPR）为：1年期LPR为3.45%，5年期以上LPR为3.95%，较上月下降25个基点。以上LPR在下一次"
        "发布LPR之前有效。</p>",
    )
    assert decide(dated, terms).duplicate and decide(terms, dated).duplicate
    # Terms are still compared with terms: 1年期 and 10年期 bonds are two stories.
    one = fingerprint("1年期国债收益率下行", "<p>今日1年期国债收益率下行3个基点至1.05%。</p>")
    ten = fingerprint("10年期国债收益率下行", "<p>今日10年期国债收益率下行3个基点至1.65%。</p>")
    assert not decide(one, ten).duplicate


def _two_feeds(tmp_path: Path, first: list[Item], second: list[Item]) -> int:
    """Feed 甲 runs first, then 乙: how many posts there are."""
    (tmp_path / "a.xml").write_bytes(rss("甲", first))
    (tmp_path / "b.xml").write_bytes(rss("乙", second))
    specs = [
        {"url": "a.xml", "group": "g", "source": "甲"},
        {"url": "b.xml", "group": "g", "source": "乙"},
    ]
    config = write_config(tmp_path, specs)
    assert cli("run", "-c", str(config), "--feed", "a.xml").code == 0
    assert cli("run", "-c", str(config), "--feed", "b.xml").code == 0
    return len(posts(tmp_path))


FOOTER = (
    "<p>本文为财讯网原创内容，版权归财讯网所有，未经书面授权，任何单位及个人不得转载、摘编或以其它"
    "方式使用。已经授权使用的，应在授权范围内使用，并注明来源：财讯网。违反上述声明者，本网将追究"
    "其相关法律责任。本文内容仅供参考，不构成投资建议，投资者据此操作，风险自担。</p>"
)


def test_two_items_of_one_feed_are_two_stories_whatever_they_share(tmp_path: Path) -> None:
    """A site's long footer under two short items: alike by it alone, and
    never one story when one feed lists both (a copy comes from elsewhere)."""
    a = Item(
        "国常会：加快推进基础设施项目建设",
        "<p>国务院常务会议部署加快推进基础设施项目建设，推动有效投资。</p>" + FOOTER,
        "f1",
    )
    b = Item(
        "央行：保持流动性合理充裕",
        "<p>央行表示，下阶段将保持流动性合理充裕，加大对实体经济支持力度。</p>" + FOOTER,
        "f2",
    )
    assert (
        similarity(fingerprint(a.title, a.html), fingerprint(b.title, b.html)) > DEFAULT_THRESHOLD
    )
    (tmp_path / "a.xml").write_bytes(rss("财讯网", [a]))
    config = write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "财讯网"}])
    assert cli("run", "-c", str(config)).code == 0
    (tmp_path / "a.xml").write_bytes(rss("财讯网", [b, a]))
    result = cli("run", "-c", str(config))
    assert "posts: 1 new" in result.stdout and "held back" not in result.stdout
    assert len(posts(tmp_path)) == 2


def test_picture_posts_with_one_title_are_told_apart_by_their_pictures(tmp_path: Path) -> None:
    def picture(n: int, day: int) -> Item:
        html = f'<p><img src="https://img.example/{n}.jpg"></p>'
        return Item("分享图片", html, guid=f"p{n}", pub_date=f"Tue, {day} Sep 2022 08:00:00 GMT")

    assert _two_feeds(tmp_path, [picture(1, 20)], [picture(2, 20), picture(3, 21)]) == 3


def test_the_same_picture_post_from_two_feeds_is_one_post(tmp_path: Path) -> None:
    html = '<p><img src="https://img.example/1.jpg"></p>'
    assert _two_feeds(tmp_path, [Item("分享图片", html, "a")], [Item("分享图片", html, "b")]) == 1


def test_a_recurring_short_notice_is_news_again_outside_the_window(tmp_path: Path) -> None:
    notice = "<p>央行今日不开展逆回购操作。</p>"

    def on(day: int, guid: str) -> Item:
        return Item(
            "央行今日不开展逆回购操作", notice, guid, pub_date=f"Thu, {day} Sep 2022 01:00:00 GMT"
        )

    # The same day from two feeds: one story; nine days later: another.
    assert _two_feeds(tmp_path, [on(1, "a1")], [on(1, "b1"), on(10, "b10")]) == 2


def test_a_link_shared_by_a_feeds_items_or_a_front_page_names_no_story(tmp_path: Path) -> None:
    def flash(title: str, guid: str, link: str) -> Item:
        return Item(title, f"<p>{title}。</p>", guid, link=link)

    front = "https://www.jin10.com/"
    listing = "https://news.example/telegraph"
    first = [flash("美联储宣布加息75个基点", "a1", front), flash("欧洲央行按兵不动", "a2", listing),
             flash("澳洲联储加息25个基点", "a3", listing)]  # fmt: skip
    second = [
        flash("日本央行维持利率不变", "b1", front),
        flash("英国央行加息50个基点", "b2", listing),
    ]
    assert _two_feeds(tmp_path, first, second) == 5


def test_the_next_days_notice_of_the_same_figures_is_news_again(tmp_path: Path) -> None:
    def notice(day: int, guid: str, hour: str) -> Item:
        html = (
            f"<p>为维护银行体系流动性合理充裕，中国人民银行9月{day}日以利率招标方式开展了"
            "20亿元7天期逆回购操作，中标利率2.00%，与此前持平。当日有20亿元逆回购到期，"
            "实现零投放零回笼。市场人士认为，季末资金需求上升，央行或加大投放力度。</p>"
        )
        when = f"{'Tue' if day == 20 else 'Wed'}, {day} Sep 2022 {hour} +0800"
        return Item("央行开展20亿元7天期逆回购操作", html, guid, pub_date=when)

    # 23 h 55 min apart, within the 24 h window, alike to the word but the date.
    assert _two_feeds(tmp_path, [notice(20, "a", "09:20:00")], [notice(21, "b", "09:15:00")]) == 2


def test_dates_a_day_apart_in_copies_hours_apart_do_not_part_them() -> None:
    # The Fed's decision: the 21st in Washington, the 22nd in Beijing.
    a = fingerprint(
        "美联储加息75个基点",
        "<p>美联储9月21日宣布加息75个基点，" + "利率区间上调至3%至3.25%。" * 3 + "</p>",
    )
    b = fingerprint(
        "美联储加息75个基点",
        "<p>北京时间9月22日凌晨，美联储宣布加息75个基点，"
        + "利率区间上调至3%至3.25%。" * 3
        + "</p>",
    )
    assert decide(a, b, apart=timedelta(hours=3)).duplicate
    assert not decide(a, b, apart=timedelta(hours=20)).duplicate


def _meeting(company: str, full_name: str, day: int, agenda: str, *, named: bool) -> Fingerprint:
    title = f"{company + '：' if named else ''}关于召开2022年第三次临时股东大会的通知"
    html = (
        f"<p>{full_name}董事会决定于2022年10月{day}日召开2022年第三次临时股东大会，审议{agenda}。"
        f"股权登记日为2022年9月{day + 18}日。会议采取现场投票与网络投票相结合的方式。</p>"
    )
    return fingerprint(title, html)


@pytest.mark.parametrize("named", [False, True])
def test_two_companies_notices_of_one_template_are_told_apart_by_their_dates(named: bool) -> None:
    """Exchange notices under one headline (or one that differs by a name
    jieba cuts otherwise in the body), published an hour apart."""
    a = _meeting(
        "中国平安", "中国平安保险（集团）股份有限公司", 10, "关于变更注册资本的议案", named=named
    )
    b = _meeting("中国银行", "中国银行股份有限公司", 12, "关于选举董事的议案", named=named)
    verdict = decide(a, b, apart=timedelta(hours=1))
    assert not verdict.duplicate and verdict.reason == "dates differ"


def _exchange_notice(title: str, header: str, place: str, opening: str = "") -> Fingerprint:
    """An exchange's template, filled in: meeting on the same day, the
    issuer named only by its headline or its header."""
    return fingerprint(
        title,
        f"<p>{header}</p><p>{opening}本公司董事会及全体董事保证本公告内容不存在任何虚假记载、误导性"
        "陈述或者重大遗漏，并对其内容的真实性、准确性和完整性承担法律责任。</p><p>重要内容提示："
        "股东大会召开日期：2026年12月18日。本次股东大会采用的网络投票系统：上海证券交易所股东大会"
        "网络投票系统。</p><p>一、召开会议的基本情况：股东大会类型和届次：2026年第一次临时股东大会；"
        "召集人：董事会；投票方式：现场投票和网络投票相结合；现场会议召开的日期、时间和地点："
        f"2026年12月18日 14点30分，召开地点：{place}。</p>",
    )


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (  # named by the headline (the body says 本公司)
            ("贵州茅台关于召开2026年第一次临时股东大会的通知", "", "贵州省仁怀市茅台镇公司会议室"),
            ("五粮液关于召开2026年第一次临时股东大会的通知", "", "四川省宜宾市翠屏区公司会议室"),
        ),
        (  # one headline, named by the header
            (
                "关于召开2026年第一次临时股东大会的通知",
                "证券代码：600519 证券简称：贵州茅台 公告编号：临2026-031",
                "贵州省仁怀市茅台镇公司会议室",
            ),
            (
                "关于召开2026年第一次临时股东大会的通知",
                "证券代码：601318 证券简称：中国平安 公告编号：临2026-044",
                "深圳市福田区平安金融中心",
            ),
        ),
    ],
    ids=["headlines", "headers"],
)
def test_two_issuers_notices_on_one_day_stay_apart(
    one: tuple[str, str, str], other: tuple[str, str, str]
) -> None:
    """五粮液's notice was held back as a copy of 贵州茅台's (similarity 0.82):
    one exchange template, one meeting day, nothing else to tell them by."""
    verdict = decide(_exchange_notice(*one), _exchange_notice(*other), apart=timedelta(minutes=10))
    # (Numbered in their headers, they are told apart by their numbers first.)
    told = "notice numbers differ" if one[1] else "notices of different issuers"
    assert not verdict.duplicate and verdict.reason == told


def test_one_issuers_two_notices_of_a_day_are_told_apart_by_their_numbers() -> None:
    """贵州茅台's notice of a share buyback and of a results call, each opening
    with the exchange's pledge and closing 特此公告 …董事会: the second was held
    back as a copy of the first.  The pledge is no one story's text, and a
    notice's number is its own; an outlet's copy keeps it."""
    pledge = (
        "本公司董事会及全体董事保证本公告内容不存在任何虚假记载、误导性陈述或者重大遗漏，"
        "并对其内容的真实性、准确性和完整性承担法律责任。"
    )

    def notice(title: str, number: str, body: str) -> Fingerprint:
        return fingerprint(
            title,
            f"<p>证券代码：600519 证券简称：贵州茅台 编号：临2025-{number}</p><p>{pledge}</p>"
            f"<p>{body}</p><p>特此公告。</p><p>贵州茅台酒股份有限公司董事会</p><p>2025年11月3日</p>",
        )

    buyback = notice(
        "贵州茅台：关于回购股份进展的公告",
        "041",
        "截至2025年10月31日，公司已累计回购股份152.3万股，支付的资金总额为23.5亿元。",
    )
    call = notice(
        "贵州茅台：关于召开2025年第三季度业绩说明会的公告",
        "042",
        "公司计划于2025年11月12日下午举行2025年第三季度业绩说明会。",
    )
    copy = notice(
        "贵州茅台关于召开业绩说明会的公告",
        "042",
        "公司计划于2025年11月12日下午举行业绩说明会，投资者可提问。",
    )
    verdict = decide(buyback, call)
    assert not verdict.duplicate and verdict.reason == "notice numbers differ"
    assert decide(call, copy).duplicate
    # One number however written: spaced (a PDF's text), its zeros, its prefix.
    for written in ("临 2025 - 042", "2025-42", "临2025—042"):
        spaced = fingerprint(
            "贵州茅台关于召开业绩说明会的公告",
            f"<p>证券代码：600519 证券简称：贵州茅台 编号：{written}</p><p>{pledge}</p>"
            "<p>公司计划于2025年11月12日下午举行业绩说明会，投资者可提问。</p><p>特此公告。</p>",
        )
        assert decide(copy, spaced).duplicate, written
    assert "虚假记载" not in normalize(pledge) and "证券代码" in normalize(f"证券代码：1 {pledge}")


def test_a_word_and_the_letter_or_digit_that_ends_it_are_a_name() -> None:
    from feedmill.filter.dedupe.text import words

    assert "model y" in words(normalize("特斯拉Model Y降价")) and "beta 2" in words(
        "ios beta 2 发布"
    )
    # Not a number's first digit, an English word, a word's last letter.
    for text in ("linux 6.1 发布", "rates rose to 2.25%", "backed a rise", "half a point, says"):
        assert not [w for w in words(normalize(text)) if " " in w], text


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("特斯拉中国推出Model Y长续航后轮驱动版", "特斯拉中国推出Model 3长续航后驱版"),
        ("苹果向开发者推送iOS 26.2 Beta 2", "苹果向开发者推送iOS 26.2 Beta 3"),
    ],
)
def test_names_that_differ_by_one_letter_or_digit_are_other_news(one: str, other: str) -> None:
    """Single letters and digits are no words: "Model Y" and "Model 3" read as
    one headline, and the second car's news was held back as the first's."""

    def story(title: str, lead: str) -> Fingerprint:
        name = title.removeprefix("特斯拉中国推出").removeprefix("苹果向开发者推送")
        return fingerprint(
            title,
            f"<p>{lead}{name}，售价26.35万元，续航里程688公里，首批预计12月交付，"
            "新版本提供免息金融方案，百公里加速5.9秒。</p>",
        )

    verdict = decide(
        story(one, "IT之家11月3日消息，今日推出"), story(other, "新浪科技讯，今日发布")
    )
    assert not verdict.duplicate and verdict.reason == "about different names"
    # The same car's news from two outlets is one story still.
    assert decide(
        story(one, "IT之家11月3日消息，今日推出"), story(one, "新浪科技讯，今日发布")
    ).duplicate


def test_copies_of_one_issuers_notice_are_one_story() -> None:
    header = "证券代码：600519 证券简称：贵州茅台 公告编号：临2026-031"
    place = "贵州省仁怀市茅台镇公司会议室"
    copies = [
        _exchange_notice("贵州茅台关于召开2026年第一次临时股东大会的通知", "", place),
        _exchange_notice("茅台：关于召开2026年第一次临时股东大会的通知", header, place, "据公告，"),
        _exchange_notice(
            "贵州茅台酒股份有限公司关于召开2026年第一次临时股东大会的通知",
            header,
            place,
            "公告称，",
        ),
    ]
    for a, b in ((copies[0], copies[1]), (copies[0], copies[2]), (copies[1], copies[2])):
        assert decide(a, b, apart=timedelta(minutes=10)).duplicate


@pytest.mark.parametrize(
    ("title", "one", "other"),
    [
        (
            "央行开展2000亿元7天期逆回购操作",
            "<p>10月8日，为维护银行体系流动性合理充裕，中国人民银行以利率招标方式开展了2000亿元"
            "7天期逆回购操作，中标利率1.5%，与此前持平。当日有500亿元逆回购到期，实现净投放1500亿元。</p>",
            "<p>为维护银行体系流动性合理充裕，中国人民银行今日以利率招标方式开展了2000亿元7天期"
            "逆回购操作，中标利率1.5%，与此前持平。本次操作将于10月15日到期，当日有500亿元逆回购"
            "到期，实现净投放1500亿元。</p>",
        ),
        (
            "贵州茅台：前三季度净利润同比增长15%",
            "<p>贵州茅台10月23日晚间披露三季报，公司前三季度实现营业收入1200亿元，同比增长16%；"
            "实现归母净利润600亿元，同比增长15%。其中第三季度营收380亿元，净利润190亿元。</p>",
            "<p>贵州茅台发布三季报，截至9月30日，公司前三季度实现营业收入1200亿元，同比增长16%；"
            "实现归母净利润600亿元，同比增长15%。其中第三季度营收380亿元，净利润190亿元。</p>",
        ),
    ],
)
def test_copies_an_hour_apart_that_each_date_something_else_are_one_story(
    title: str, one: str, other: str
) -> None:
    assert decide(
        fingerprint(title, one), fingerprint(title, other), apart=timedelta(hours=1)
    ).duplicate


def test_the_next_days_close_sharing_a_figure_by_chance_is_news_again() -> None:
    def close(turnover: str, figures: tuple[str, str, str]) -> Fingerprint:
        sh, sz, cy = figures
        return fingerprint(
            f"收评：A股三大指数集体收涨 两市成交额{turnover}亿元",
            f"<p>A股三大指数今日集体收涨，沪指涨{sh}%，深成指涨{sz}%，创业板指涨{cy}%。"
            f"两市成交额{turnover}亿元，北向资金净买入，板块方面，半导体、券商板块涨幅居前，"
            "煤炭、石油板块跌幅居前，个股涨多跌少，市场情绪回暖。</p>",
        )

    # "超8000亿元" and "8300亿元" may be one figure; 0.5% comes back by chance.
    today, tomorrow = close("超8000", ("0.5", "1.2", "1.8")), close("8300", ("0.5", "0.3", "0.7"))
    verdict = decide(today, tomorrow, apart=timedelta(hours=23, minutes=56))
    assert not verdict.duplicate and verdict.reason == "figures differ (%)"
    # A version that gives most of the same figures is the same story.
    assert decide(today, close("8000", ("0.5", "1.2", "1.9"))).duplicate


def test_a_headline_that_rounds_the_figure_is_the_same_story() -> None:
    a = fingerprint(
        "北向资金今日净买入52.3亿元",
        "<p>Wind数据显示，北向资金今日净买入52.3亿元，其中沪股通净买入30.1亿元，"
        "深股通净买入22.2亿元。贵州茅台、宁德时代获大幅加仓。</p>",
    )
    b = fingerprint(
        "北向资金净买入超52亿元",
        "<p>今日北向资金全天净买入超52亿元，沪股通净买入30.1亿元，深股通净买入22.2亿元；"
        "个股方面，贵州茅台、宁德时代获加仓居前。</p>",
    )
    assert decide(a, b).duplicate
    # A different figure is still different news.
    c = fingerprint(
        "北向资金净买入超80亿元",
        "<p>今日北向资金全天净买入超80亿元，沪股通净买入50.1亿元，深股通净买入30.2亿元；"
        "个股方面，贵州茅台、宁德时代获加仓居前。</p>",
    )
    assert not decide(a, c).duplicate


@pytest.mark.parametrize(
    ("one", "other"),
    [("美元兑日元升破150关口", "美元兑日元升破151关口"), ("苹果发布iOS 18.2", "苹果发布iOS 18.3")],
)
def test_headlines_apart_by_a_bare_number_are_different_news(one: str, other: str) -> None:
    def story(title: str) -> str:
        return (
            f"<p>{title}。"
            + "市场人士认为，后续走势仍取决于美联储政策路径与日本央行的干预意愿。" * 2
            + "</p>"
        )

    assert not decide(fingerprint(one, story(one)), fingerprint(other, story(other))).duplicate


def test_unclosed_image_tags_are_read_in_one_pass() -> None:
    # 20,000 "<img " in a comment of a picture post: tried from every tag, minutes.
    story = fingerprint("分享图片", "<p>分享图片</p><!--" + "<img " * 20_000 + "-->")
    assert story.text_hash


_FIGURE = st.builds(
    lambda whole, fraction, approximate: (
        f"{whole}.{fraction}" if fraction is not None else str(whole),
        approximate,
    ),
    st.integers(0, 3000),
    st.one_of(st.none(), st.integers(0, 99).map(lambda n: f"{n:02d}"), st.just("5")),
    st.booleans(),
)


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(st.frozensets(_FIGURE, max_size=40), st.frozensets(_FIGURE, min_size=1, max_size=40))
def test_figures_compared_by_bisection_agree_with_every_pair(
    xs: frozenset[tuple[str, bool]], ys: frozenset[tuple[str, bool]]
) -> None:
    """Large sets of figures (two outlets' fund tables) are compared with the
    figures near each one only: the same answers as comparing every pair."""
    from feedmill.filter.dedupe.decide import _agree, _overlap, _same_number, _Sorted

    fewer, more = (xs, ys) if len(xs) <= len(ys) else (ys, xs)
    pairwise = [any(_same_number(x, y) for y in more) for x in fewer]
    near = _Sorted(more)
    assert [near.has_same(x) for x in fewer] == pairwise
    found = sum(pairwise)
    expected = found > 0 and (len(fewer) < 3 or 2 * found >= len(fewer))
    assert _agree(xs, ys) is expected
    assert _overlap(xs, ys) is (found > 0)


@pytest.mark.parametrize(
    ("x", "y", "same"),
    [
        ("1234567890123456789012345678901.5", "1234567890123456789012345678902", True),
        ("1234567890123456789012345678901.5", "1234567890123456789012345678788", False),
        ("1.1234567890123456789012345678", "1.12345678901234567890123456781", True),
        ("1.1234567890123456789012345678", "1.12345678901234567890123456889", False),
    ],
)
def test_figures_longer_than_decimals_default_precision_are_compared(
    x: str, y: str, same: bool
) -> None:
    """Two tellings giving a figure of 29 digits or more ("测算值为1.1234…%"):
    rounding the finer to the coarser raised InvalidOperation past 28
    digits, and the feed failed on every pass ("parser crashed")."""
    from feedmill.filter.dedupe.decide import _overlap, _same_number

    assert _same_number((x, False), (y, False)) is same
    assert _same_number((y, False), (x, False)) is same
    # So are they among more figures than are compared pair by pair.
    many = frozenset({(y, False), *((f"{n}.25", False) for n in range(100))})
    assert _overlap(frozenset({(x, False)}), many) is same


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_item_with_a_very_long_link_is_stored(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A PostgreSQL btree key holds ~2.7 KB: a link with a 3,200-character
    tracking query failed its whole feed's transaction, every pass."""
    import random

    state = {}
    if backend == "postgresql":
        from support.postgres import new_database

        state = {"state": new_database(request.getfixturevalue("postgres_url"))}
    noise = "".join(random.Random(7).choices("abcdefghijklmnopqrstuvwxyz0123456789", k=3200))
    items = [
        Item("央行开展逆回购操作", guid="1", link="https://e.example/1"),
        Item("沪深两市成交额突破万亿", guid="2", link=f"https://e.example/a?t={noise}"),
    ]
    (tmp_path / "a.xml").write_bytes(rss("甲", items))
    config = write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "甲"}], **state)
    result = cli("run", "-c", str(config))
    assert result.code == 0 and "1 ok" in result.stdout, result.stdout + result.stderr
    assert len(posts(tmp_path)) == 2
    again = cli("run", "-c", str(config))
    assert "posts: 0 new, 0 updated" in again.stdout


@pytest.mark.slow
def test_a_postgresql_role_that_may_not_write_gets_one_line(
    postgres_url: str, tmp_path: Path
) -> None:
    """The reason, exit 1, and nothing from psycopg's own logging (an "error
    ignored terminating <psycopg.Pipeline …>" line came first)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from support.postgres import new_database

    url = new_database(postgres_url)
    config = write_config(tmp_path, _write_sources(tmp_path, LPR), state=url)
    assert cli("run", "-c", str(config)).code == 0
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE ROLE reader LOGIN"))
        conn.execute(text("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader"))
    admin.dispose()
    reader = make_url(url).set(username="reader").render_as_string(hide_password=False)
    more = [{"url": f"new{i}.xml", "group": "g", "source": f"新{i}"} for i in range(3)]
    config = write_config(tmp_path, [*_write_sources(tmp_path, LPR), *more], state=reader)
    (tmp_path / "_config.yml").write_text("title: site\n")  # a Hexo site: no note of its own
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "feedmill", "run", "-c", str(config)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "permission denied" in done.stderr
    assert "<psycopg" not in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1


def test_a_big_documents_stories_are_indexed_in_batches_each_on_its_day(tmp_path: Path) -> None:
    """Band rows go in per 500 stories (a 5,000-item document's 255,000 rows
    at once were a fifth of its pass's peak memory): every story is indexed,
    each under its own day."""
    from feedmill.store import dedupe as dedupe_store
    from feedmill.store import dedupe_upkeep

    engine = open_database(f"sqlite:///{tmp_path / 'state.db'}")
    base = datetime(2022, 9, 20, tzinfo=UTC)
    count = 2 * dedupe_store.STORIES_PER_INSERT + 7
    stories = [
        dedupe_store.story_of(
            Entry(f"k{i}", None, f"第{i}条新闻", base - timedelta(days=i % 3), None, None,
                  f"<p>第{i}条：某公司公告称，董事会审议通过了第{i}期回购方案。</p>"),
            base,
        )
        for i in range(count)
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(feeds).values(id=1, url="https://a.example/feed"))
        conn.execute(
            insert(entries),
            [
                {"id": i, "feed_id": 1, "key_hash": f"k{i}", "key": f"k{i}", "title": "t",
                 "first_seen_at": base, "content": "", "version": "v"}
                for i in range(1, count + 1)
            ],
        )  # fmt: skip
        dedupe_store.add(conn, 1, list(enumerate(stories, start=1)))
        rows = conn.execute(select(dedupe_bands.c.entry_id, dedupe_bands.c.day)).all()
    engine.dispose()
    assert len(rows) == sum(len(story.bands) for story in stories)
    days = {entry_id: day for entry_id, day in rows}
    assert len(days) == count
    assert all(days[i + 1] == dedupe_upkeep.day_of(stories[i].moment) for i in range(count))


def test_title_only_notices_of_one_site_at_two_addresses_are_two_stories(tmp_path: Path) -> None:
    """Per-company feeds of one exchange site list each notice by a title
    that names no company and no text ("2026年第三季度报告"): two addresses
    on that site are two companies' notices, not one notice twice."""

    def notice(code: str, number: int) -> Item:
        link = f"https://www.cninfo.example/detail?stockCode={code}&announcementId={number}"
        return Item("2026年第三季度报告", "", f"n{number}", link=link)

    assert _two_feeds(tmp_path, [notice("600519", 1)], [notice("000858", 9)]) == 2


def _daily(day: int, minute: int, guid: str) -> Item:
    return Item(
        "央行今日开展1200亿元7天期逆回购操作",
        "<p>央行今日开展1200亿元7天期逆回购操作，中标利率1.50%。</p>",
        guid,
        link=f"https://{guid[0]}.example/{guid}",
        pub_date=f"{'Tue' if day == 1 else 'Wed'}, 0{day} Dec 2026 01:{minute:02d}:00 GMT",
    )


def test_the_next_days_short_notice_is_its_own_story_or_a_copy_of_that_days(
    tmp_path: Path,
) -> None:
    """A short routine notice, word for word the same each day, 23 h 55 min
    apart (inside the window): the next day's is news again, and its copy
    from another feed is a copy of that day's notice, not of yesterday's."""
    first = [_daily(1, 20, "a1"), _daily(2, 15, "a2")]
    assert _two_feeds(tmp_path, first, [_daily(1, 25, "b1"), _daily(2, 18, "b2")]) == 2
    cluster = _clusters(tmp_path / ".feedmill" / "state.db")
    assert (cluster["b1"], cluster["b2"]) == ("a1", "a2")
    # Only the second feed carries the next day's: posted.
    (tmp_path / "one").mkdir()
    assert _two_feeds(tmp_path / "one", first[:1], [_daily(1, 25, "b1"), _daily(2, 18, "b2")]) == 2


def test_a_short_text_again_half_a_day_later_is_not_the_same_story() -> None:
    title, html = _daily(1, 20, "a1").title, _daily(1, 20, "a1").html
    a, b = fingerprint(title, html), fingerprint(title, html)
    assert not a.identifying
    assert decide(a, b, apart=timedelta(hours=1)).duplicate
    verdict = decide(a, b, apart=timedelta(hours=23, minutes=55))
    assert not verdict.duplicate, verdict


_PAYWALL = (
    "<p>本文为财新网付费内容。财新通订阅用户登录后即可阅读全文，财新通提供财新网全部付费内容、"
    "财新周刊电子版及财新数据通等服务，首月仅需1元，随时可以取消订阅，详情请访问财新网订阅页面了解更多。</p>"
)


def test_one_teaser_under_two_headlines_is_two_stories(tmp_path: Path) -> None:
    """A paywall's notice in place of the article (80 characters and more)
    repeats no word of its headline: it says nothing of which story it is,
    the headline does — on the same day or two days apart."""
    a = fingerprint("地方债发行提速 11月新增专项债超6000亿元", _PAYWALL)
    b = fingerprint("多家银行下调大额存单利率 三年期跌破2%", _PAYWALL)
    assert not a.identifying and a.text_hash != b.text_hash
    assert not decide(a, b, apart=timedelta(hours=1)).duplicate

    def teaser(title: str, guid: str, day: int) -> Item:
        when = f"{'Mon' if day == 30 else 'Wed'}, {day} {'Nov' if day == 30 else 'Dec'} 2026"
        return Item(title, _PAYWALL, guid, pub_date=f"{when} 09:00:00 GMT")

    first = [teaser("地方债发行提速 11月新增专项债超6000亿元", "a1", 30)]
    second = [
        teaser("多家银行下调大额存单利率 三年期跌破2%", "b1", 2),
        teaser("地方债发行提速 11月新增专项债超6000亿元", "b2", 30),  # the same item: a copy
    ]
    assert _two_feeds(tmp_path, first, second) == 2
    assert _clusters(tmp_path / ".feedmill" / "state.db")["b2"] == "a1"
    # A headline that says nothing ("快讯") over the story: the text is the story.
    flash = "<p>" + _FLASH + "</p>"
    assert decide(fingerprint("快讯", flash), fingerprint("【突发】", flash)).duplicate
    assert fingerprint("快讯", flash).identifying


_REPO = (
    "<p>为维护银行体系流动性合理充裕，人民银行今日以利率招标方式开展了20亿元7天期逆回购操作，中标利率1.70%，"
    "与此前持平。因今日有20亿元逆回购到期，当日实现零投放零回笼。</p>"
)


def test_a_daily_notice_long_enough_to_name_a_story_is_news_again_the_next_day(
    tmp_path: Path,
) -> None:
    """The central bank's routine notice, word for word the same two days
    apart from two feeds: it speaks of its own day (今日), so the later one
    is that day's news — a copy only within half a day."""
    title = "央行今日开展20亿元7天期逆回购操作"
    a = fingerprint(title, _REPO)
    assert a.identifying and a.daily
    assert decide(a, a, apart=timedelta(hours=2)).duplicate
    assert not decide(a, a, apart=timedelta(days=2)).duplicate
    first = [Item(title, _REPO, "a1", link="https://a.example/n/1")]
    later = "Thu, 22 Sep 2022 16:01:00 GMT"
    second = [
        Item(title, _REPO, "b1", link="https://b.example/n/2", pub_date=later),
        Item(title, _REPO, "b2", link="https://b.example/n/3"),  # that day's copy
    ]
    assert _two_feeds(tmp_path, first, second) == 2
    assert _clusters(tmp_path / ".feedmill" / "state.db")["b2"] == "a1"
    # Without a word of its day, the same text is the same article at any age.
    assert not fingerprint(
        "央行开展逆回购操作", _REPO.replace("今日", "").replace("当日", "")
    ).daily


_CPI = (
    "<p>记者今日从国家统计局获悉，10月份全国居民消费价格指数（CPI）同比上涨0.3%，环比下降0.1%。其中，"
    "城市上涨0.3%，农村上涨0.2%；食品价格上涨2.9%，非食品价格下降0.3%；服务价格上涨0.5%。国家统计局"
    "城市司首席统计师董莉娟表示，10月份受季节性因素影响，CPI环比由上月持平转为下降。</p>"
)
_MARKET_CLOSE = (
    "<p>11月3日，A股三大指数集体高开高走，截至收盘，沪指涨1.2%报3310.5点，深成指涨1.8%，创业板指涨2.5%。"
    "两市成交额达1.5万亿元，较上个交易日放量2000亿元。板块方面，券商、半导体、软件开发板块涨幅居前，超4000只"
    "个股上涨。北向资金全天净买入85亿元。分析人士认为，政策面持续释放积极信号，市场风险偏好明显回升。</p>"
)


def test_a_copy_that_speaks_of_its_day_or_tells_little_of_its_headline_is_still_a_copy() -> None:
    """The same story word for word in the evening roundup (今日, 13 h later),
    and a market close under two headlines of its own (the text tells one
    word of each, and gives figures): copies, not a routine notice again or
    a teaser."""
    cpi = fingerprint("国家统计局：10月份CPI同比上涨0.3%", _CPI)
    assert decide(cpi, cpi, apart=timedelta(hours=13)).duplicate
    close = fingerprint("大盘放量大涨 牛市氛围渐浓", _MARKET_CLOSE)
    assert close.identifying
    assert decide(
        close, fingerprint("周一A股迎来开门红", _MARKET_CLOSE), apart=timedelta(hours=1)
    ).duplicate
    assert decide(close, close, apart=timedelta(hours=13)).duplicate
    # A 快讯 word for word under two headlines of its own, telling a word of each.
    flash = (
        "<p>截至今日收盘，沪指大涨2.15%，两市成交额达1.52万亿元，较上个交易日放量逾3000亿元，"
        "券商、半导体板块领涨。</p>"
    )
    assert decide(
        fingerprint("大盘放量大涨 牛市氛围渐浓", flash),
        fingerprint("A股午后强势拉升 券商股集体走高", flash),
        apart=timedelta(hours=1),
    ).duplicate
    # A text of more than a notice's 200 characters that says 今日 is a copy
    # days later too: a report, not a routine.
    long = "<p>" + _CPI[3:-4] * 2 + "</p>"
    report = fingerprint("国家统计局：10月份CPI同比上涨0.3%", long)
    assert report.identifying and not report.daily
    assert decide(report, report, apart=timedelta(days=2)).duplicate
    # A daily notice's copy later the same day is a copy too.
    repo = fingerprint("央行今日开展20亿元7天期逆回购操作", _REPO)
    assert decide(repo, repo, apart=timedelta(hours=13)).duplicate


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            (
                "Oil prices rise as Middle East tensions escalate",
                "Oil prices rose on Tuesday as tensions in the Middle East escalated, raising concerns"
                " about supply disruptions. Brent crude futures rose 1.2% to $78.50 a barrel, while"
                " U.S. West Texas Intermediate crude rose 1.1% to $74.20.",
            ),
            (
                "Oil prices fall as Middle East tensions ease",
                "Oil prices fell on Wednesday as tensions in the Middle East eased, easing concerns"
                " about supply disruptions. Brent crude futures fell 1.2% to $77.50 a barrel, while"
                " U.S. West Texas Intermediate crude fell 1.1% to $73.40.",
            ),
        ),
        (
            ("腾讯控股回购股份", "腾讯控股斥资4亿港元回购股份，回购价格为每股385.2港元。"),
            ("腾讯控股回购股份", "腾讯控股斥资4亿港元回购股份，回购价格为每股371.6港元。"),
        ),
        (
            (
                "新疆和田地区发生地震",
                "中国地震台网正式测定：新疆和田地区皮山县发生5.1级地震，震源深度10千米。",
            ),
            (
                "新疆和田地区发生地震",
                "中国地震台网正式测定：新疆和田地区皮山县发生4.3级地震，震源深度10千米。",
            ),
        ),
    ],
)
def test_prices_after_their_sign_and_magnitudes_are_figures(
    first: tuple[str, str], second: tuple[str, str]
) -> None:
    """Two days' oil reports of one template differ in their prices ($78.50,
    $77.50), two quakes in their magnitude: figures, which differ."""
    a, b = (fingerprint(title, f"<p>{text}</p>") for title, text in (first, second))
    verdict = decide(a, b, apart=timedelta(hours=6))
    assert not verdict.duplicate and "figures differ" in verdict.reason, verdict


_DECLARATION = (
    "【特别声明】以上内容仅供参考，不构成任何投资建议。市场有风险，投资需谨慎。本平台所载文章、数据仅供参考，"
    "使用前请核实，风险自负。未经授权，任何单位和个人不得转载、摘编或以其他方式使用本网站内容。如需转载，"
    "请联系本网站获取授权。关注财经早知道微信公众号，获取更多实时资讯与深度解读，每日早八点准时推送宏观政策、"
    "行业动态、个股公告和机构观点。"
)
_FURNITURE = (
    "市场有风险，投资需谨慎。本文仅供参考，不构成任何投资建议，据此操作风险自担。版权归财经早知道所有，"
    "未经书面授权，任何单位和个人不得转载、摘编或以其他方式使用。欢迎关注财经早知道微信公众号，获取更多"
    "实时资讯与深度解读，每日早八点准时推送宏观政策、行业动态、个股公告和机构观点。"
)


_RRR = (
    "中国人民银行决定于12月5日下调金融机构存款准备金率0.5个百分点。本次下调后，金融机构加权"
    "平均存款准备金率约为6.2%。此次降准共计释放长期流动性约1万亿元。"
)


@pytest.mark.parametrize("footer", [_DECLARATION, _FURNITURE])
def test_a_publishers_long_footer_does_not_make_two_stories_one(footer: str) -> None:
    """One publisher's two channels put the same long footer — a declaration,
    copyright and follow-us lines — under unrelated stories: outlet furniture."""
    a = fingerprint("央行宣布降准0.5个百分点", f"<p>{_RRR}</p><p>{footer}</p>")
    b = fingerprint(
        "国常会部署稳就业举措",
        "<p>国务院常务会议部署进一步做好稳就业工作，要求加大对高校毕业生、农民工等重点群体就业帮扶"
        f"力度，落实好社保补贴、稳岗返还等政策，支持中小微企业吸纳就业。</p><p>{footer}</p>",
    )
    verdict = decide(a, b)
    assert not verdict.duplicate, verdict
    # The story with and without the footer is one story.
    bare = fingerprint("央行宣布降准0.5个百分点", f"<p>{_RRR}</p>")
    assert decide(a, bare).duplicate and a.words == bare.words


_STAND_IN = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


@pytest.mark.parametrize(
    "image",
    [
        '<img data-src="https://mmbiz.example/{}.jpg" src="' + _STAND_IN + '">',
        "<img src='/static/loading.gif' data-original='https://img.example/{}.png'>",
    ],
)
def test_lazy_picture_posts_are_told_apart_by_their_pictures(image: str) -> None:
    """Lazy images: the picture is in data-src (or the like); the src all of
    a site's images share is a stand-in until a script swaps it."""
    a, b = (fingerprint("图说", f"<p>{image.format(n)}</p>") for n in ("a1", "b7"))
    assert a.text_hash != b.text_hash
    assert fingerprint("图说", f"<p>{image.format('a1')}</p>").text_hash == a.text_hash
    # The same picture shown at once, without a stand-in: the same post.
    shown = image.format("a1").split('"' if '"' in image else "'")
    url = next(part for part in shown if part.startswith(("https://", "http://")))
    assert fingerprint("图说", f'<p><img src="{url}"></p>').text_hash == a.text_hash


@pytest.mark.parametrize(
    ("one", "other", "body"),
    [
        (
            ("贵州茅台", "贵州茅台公告：控股股东拟增持"),
            ("五粮液", "五粮液：控股股东计划增持公司股份"),
            "<p>{}公告，公司控股股东计划自即日起通过集中竞价方式增持公司股份，增持资金来源为自有资金。"
            "本次增持基于对公司未来发展前景的信心和长期投资价值的认可。</p>",
        ),
        (
            ("格力电器", "格力电器：前三季度净利润同比增长15%"),
            ("美的集团", "美的集团三季报：净利润增长15%"),
            "<p>{}发布三季报，公司前三季度实现营业收入同比增长10%，归属于上市公司股东的净利润同比增长"
            "15%，经营活动现金流明显改善。公司表示，业绩增长主要受益于主营产品销量提升及成本下降。</p>",
        ),
        (
            ("中国平安", "中国平安：拟回购公司股份"),
            ("美的集团", "美的集团公告：拟回购公司股份"),
            "<p>{}公告，公司拟以自有资金回购公司股份，回购金额不低于10亿元且不超过20亿元，"
            "回购价格不超过每股80元，回购股份将用于员工持股计划。</p>",
        ),
    ],
)
def test_one_template_about_two_companies_named_in_their_headlines_is_two_stories(
    one: tuple[str, str], other: tuple[str, str], body: str
) -> None:
    """Headlines that differ by more than the name ("公告", "三季报"), over
    one text that names each its own company — names jieba knows as common
    words (五粮液, 美的, 平安) among them."""
    (name_a, title_a), (name_b, title_b) = one, other
    a, b = fingerprint(title_a, body.format(name_a)), fingerprint(title_b, body.format(name_b))
    verdict = decide(a, b, apart=timedelta(minutes=30))
    assert not verdict.duplicate, verdict
    # One company's, under another outlet's headline: one story.
    again = fingerprint(title_b.replace(name_b, name_a), body.format(name_a))
    assert decide(a, again).duplicate


_CASE = (
    "<p>{}公告，公司于近日收到中国证监会出具的《立案告知书》，因公司涉嫌信息披露违法违规，根据相关"
    "法律法规，中国证监会决定对公司立案。立案调查期间，公司将积极配合中国证监会的调查工作，并严格按照"
    "监管要求履行信息披露义务。</p>"
)


def test_one_notice_of_two_companies_named_only_in_the_text_is_two_stories() -> None:
    """Exchange notices under one headline that names no company: the text
    names it once, in one place of a template otherwise word for word the same."""
    title = "关于收到中国证监会立案告知书的公告"
    a, b = fingerprint(title, _CASE.format("*ST左江")), fingerprint(title, _CASE.format("*ST美尚"))
    verdict = decide(a, b, apart=timedelta(hours=1))
    assert not verdict.duplicate, verdict
    assert verdict.reason == "same headline, different names in the text"
    assert decide(a, fingerprint(title, _CASE.format("*ST左江"))).duplicate


_ZHUHAI = (
    "<p>第十五届中国国际航空航天博览会5日在广东珠海开幕，本届航展共有来自47个国家和地区的1022家"
    "企业参展，展出各型飞机260余架。</p>{}<p>据介绍，本届航展首次开设无人机和低空经济专区，多款新型"
    "装备首次公开亮相，现场签约项目总金额超过2000亿元。</p>"
)
_MOUTAI = (
    "{}公告，控股股东茅台集团计划自公告之日起6个月内通过上海证券交易所交易系统以集中竞价方式增持"
    "公司股份，增持金额不低于30亿元，不超过60亿元，资金来源为自有资金，本次增持计划不设价格区间。"
)
_CLOSE = (
    "截至收盘，沪指涨0.52%报3150.12点，深成指涨1.03%报10250.33点，创业板指涨1.21%报2050.66点，"
    "两市成交额超9000亿元，北向资金净买入50亿元。"
)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        # A headline that sums up over a text of figures, which repeats none of its words.
        (
            ("A股三大指数集体收涨", f"<p>{_CLOSE}</p>"),
            ("收评：三大指数集体上涨 北向资金净买入50亿元", f"<p>{_CLOSE}</p>"),
        ),
        # An exchange notice's facts follow 特别提示：, a weather warning is one 温馨提示.
        (
            (
                "宁德时代：限售股份12345.6万股1月5日上市流通",
                "<p>宁德时代公告，特别提示：1.本次解除限售股份数量为123,456,000股，占公司总股本的2.81%；"
                "2.本次解除限售股份上市流通日期为2026年1月5日；3.本次申请解除限售的股东共计5名。</p>",
            ),
            (
                "宁德时代1.23亿股限售股1月5日解禁",
                "<p>宁德时代发布公告称，特别提示：1.本次解除限售股份数量为123,456,000股，占公司总股本"
                "的2.81%；2.本次解除限售股份上市流通日期为2026年1月5日；3.本次申请解除限售的股东共计5名。</p>",
            ),
        ),
        (
            (
                "北京明起大风降温 最低气温零下10℃",
                "<p>温馨提示：受强冷空气影响，明天起北京将迎来大风降温天气，阵风可达七八级，最低气温降至零下"
                "10℃，请市民注意防寒保暖，减少户外活动，驾车出行注意安全。</p>",
            ),
            (
                "寒潮来袭！北京大风降温 最低零下10℃",
                "<p>温馨提示：受强冷空气影响，明天起北京将迎来大风降温天气，阵风可达七八级，最低气温降至零下"
                "10℃。请市民注意防寒保暖，减少户外活动，驾车出行注意安全。</p>",
            ),
        ),
        # Each outlet's own photographer's credit inside one text.
        (
            ("第十五届珠海航展开幕", _ZHUHAI.format("<p>（中新社记者 张三 摄）</p>")),
            ("第十五届珠海航展开幕", _ZHUHAI.format("<p>（新华社记者 李明 摄）</p>")),
        ),
        # A portal's quote links after the company's name.
        (
            (
                "贵州茅台：控股股东拟增持30亿至60亿元",
                f"<p>{_MOUTAI.format('贵州茅台（行情600519，诊股）')}</p>",
            ),
            (
                "贵州茅台：控股股东拟增持30亿至60亿元",
                f"<p>{_MOUTAI.format('贵州茅台(600519)[股吧][资金流]')}</p>",
            ),
        ),
        # A 财联社 flash opening with its 【headline】, and a copy under the same one.
        (
            (
                "茅台大股东出手增持",
                f"<p>【茅台大股东出手增持】财联社1月5日电，{_MOUTAI.format('贵州茅台')}</p>",
            ),
            ("茅台大股东出手增持", f"<p>{_MOUTAI.format('贵州茅台')}</p>"),
        ),
    ],
)
def test_two_outlets_copies_of_one_story_are_one(
    one: tuple[str, str], other: tuple[str, str]
) -> None:
    """True copies that the rules against templates, teasers and outlet
    furniture must leave alone."""
    verdict = decide(fingerprint(*one), fingerprint(*other), apart=timedelta(minutes=20))
    assert verdict.duplicate, verdict


@pytest.mark.parametrize(
    ("stored", "new"),
    [
        (
            "http://www.stcn.com/article/detail/1234.html",
            "https://www.stcn.com/article/detail/1234.html",
        ),
        (
            "https://www.cls.cn/detail/1234567",
            "https://www.cls.cn/detail/1234567?utm_source=rsshub",
        ),
        ("https://www.cls.cn/detail/1234567?spm=a.b", "https://www.cls.cn/detail/1234567"),
    ],
)
def test_a_short_flash_at_one_page_spelt_two_ways_is_one(stored: str, new: str) -> None:
    """Short texts from another page of the same site are other items (per-
    company notice feeds); the same page over http and https, or with a
    tracking query, is not another page."""
    from feedmill.store.dedupe import Story, _exact_copy

    moment = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    print_ = fingerprint(
        "央行开展1000亿元逆回购操作", "<p>央行今日开展1000亿元7天期逆回购操作。</p>"
    )
    assert not print_.identifying
    story = Story(print_, (), moment + timedelta(minutes=3), new)
    rows = [(7, 1, print_.text_hash, stored, moment)]
    assert _exact_copy(rows, story, DedupePolicy(), own_feed=2) == 7
    elsewhere = [(7, 1, print_.text_hash, "https://www.cls.cn/detail/7654321", moment)]
    assert (
        _exact_copy(
            elsewhere,
            replace(story, link="https://www.cls.cn/detail/1234567"),
            DedupePolicy(),
            own_feed=2,
        )
        is None
    )


_PAYWALL = "<p>本文为付费内容，订阅会员后可阅读全文。会员可畅读全部深度报道、研究报告与数据服务，首月仅需1元。</p>"
_FLOOD = "<p>【{}】财联社7月5日电，市防汛指挥部决定，自今日12时起启动防汛防台四级应急响应，各区各部门按照预案做好防御工作。</p>"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        # One paywall notice under two headlines that share a word (贵州茅台, 央行).
        (("贵州茅台一季度净利润同比增长", _PAYWALL), ("贵州茅台宣布上调出厂价格", _PAYWALL)),
        (("央行宣布全面降准0.5个百分点", _PAYWALL), ("央行今日开展公开市场逆回购操作", _PAYWALL)),
        # One template, each text opening with its own city's headline.
        (
            ("上海启动防汛四级应急响应", _FLOOD.format("上海启动防汛四级应急响应")),
            ("广州防汛应急响应提升", _FLOOD.format("广州防汛应急响应提升")),
        ),
    ],
)
def test_different_news_over_one_text_stays_apart(
    one: tuple[str, str], other: tuple[str, str]
) -> None:
    verdict = decide(fingerprint(*one), fingerprint(*other), apart=timedelta(minutes=20))
    assert not verdict.duplicate, verdict


def test_a_single_page_sites_routes_are_other_pages() -> None:
    """A site whose articles are routes after "#/": two of its short notices
    at two routes are two items, not one page spelt two ways."""
    from feedmill.store.dedupe import Story, _exact_copy

    moment = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    print_ = fingerprint("2026年第三季度报告", "")
    story = Story(print_, (), moment, "https://m.example.cn/h5/index.html#/notice/600519")
    rows = [(7, 1, print_.text_hash, "https://m.example.cn/h5/index.html#/notice/000001", moment)]
    assert _exact_copy(rows, story, DedupePolicy(), own_feed=2) is None
    same = [(7, 1, print_.text_hash, "http://m.example.cn/h5/index.html#/notice/600519", moment)]
    assert _exact_copy(same, story, DedupePolicy(), own_feed=2) == 7
