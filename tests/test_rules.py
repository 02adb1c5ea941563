"""Block and keep rules, global and per feed: blocked items are recorded, never posted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from feedmill.config import ConfigError, RulesSpec, load_config
from feedmill.filter import rules as filter_rules
from feedmill.filter.rules import (
    RuleTooSlow,
    blocked_by,
    compile_rules,
)
from feedmill.models import Entry

from support.feeds import Item, rss
from support.site import cli, posts, write_config

NOW = datetime(2022, 9, 21, tzinfo=UTC)


def entry(title: str = "标题", content: str = "<p>正文</p>", **fields: object) -> Entry:
    values: dict[str, object] = {
        "key": title,
        "link": "https://news.example/a",
        "title": title,
        "published": NOW - timedelta(hours=1),
        "updated": None,
        "author": None,
        "content": content,
    }
    values.update(fields)
    return Entry(**values)  # type: ignore[arg-type]


def rules(**spec: object) -> tuple:  # type: ignore[type-arg]
    return (compile_rules(msgspec.convert(spec, RulesSpec)),)


def test_a_block_rule_matches_a_regex_case_blind() -> None:
    block = rules(block=[{"title": r"广告|推广", "name": "ads"}])
    assert blocked_by(block, entry("【推广】理财课"), NOW) == "blocked by ads"
    assert blocked_by(block, entry("央行降准"), NOW) is None
    sponsored = rules(block=[{"title": "sponsored"}])
    assert blocked_by(sponsored, entry("SPONSORED: a deal"), NOW) == "blocked by block rule 1"


def test_full_width_letters_and_digits_match_as_ascii() -> None:
    block = rules(block=[{"title": "AI|ETF|2024年"}, {"keywords": ["直播AI"]}])
    for title in (
        "ＡＩ大模型发布会",
        "ＥＴＦ规模创新高",
        "今晚直播ＡＩ",
        "２０２４年报",
        "ａｉ芯片",
    ):
        assert blocked_by(block, entry(title), NOW) is not None, title
    full_width = rules(block=[{"title": "ＡＩ（推广）"}])
    assert blocked_by(full_width, entry("AI（推广）课程"), NOW) is not None
    # Full-width punctuation stays itself: （ is a bracket in the text, no group.
    assert blocked_by(full_width, entry("AI推广课程"), NOW) is None


def test_traditional_chinese_matches_as_simplified() -> None:
    """A Hong Kong or Taiwan source writes 廣告 and 薦股: a rule written either way reads both."""
    block = rules(
        block=[{"title": "广告|推广", "name": "ads"}, {"keywords": ["荐股"]}, {"content": "加微信"}]
    )
    assert blocked_by(block, entry("【廣告】理財課"), NOW) == "blocked by ads"
    assert blocked_by(block, entry("免費薦股"), NOW) == "blocked by block rule 2"
    assert blocked_by(block, entry("x", "<p>加<b>微信</b>領取</p>"), NOW) is not None
    written_traditional = rules(block=[{"title": "[廣推]告", "name": "ads"}])
    assert blocked_by(written_traditional, entry("广告"), NOW) == "blocked by ads"
    assert blocked_by(written_traditional, entry("中國人民銀行宣佈降準"), NOW) is None
    kept = rules(keep=[{"title": "银行"}])
    assert blocked_by(kept, entry("中國人民銀行宣佈降準"), NOW) is None
    # A class takes in the forms of what it takes in, as the engine reads its
    # ranges and hyphens (a range's ends as written: [乾-亂] folded is reversed).
    ranged = rules(block=[{"title": "^[乾-亂]+$"}, {"title": r"^[一-龥]{2}$", "name": "two"}])
    assert blocked_by(ranged, entry("亂"), NOW) == "blocked by block rule 1"
    assert blocked_by(ranged, entry("銀行"), NOW) == "blocked by two"
    for written, title in (
        ("[0-9-號八]+風球", "天文台改發八號風球"),  # (the "-" after a range is itself)
        ("[0-9-號八]+风球", "天文台发出3号风球"),
        (r"[\d-號]", "號"),
        ("[廣-廣]告", "廣告"),
        ("[a-zA-Z0-9-廣]+告", "廣告"),
        (r"[\u5EE0-\u5EE9]告", "廣告"),
    ):
        assert blocked_by(rules(block=[{"title": written}]), entry(title), NOW), written
    # … and takes in no more: nothing joins a range of its own.
    for written in ("[廣+--]", r"[廣\\-]"):
        assert not blocked_by(rules(block=[{"title": written}]), entry("Apple 央行"), NOW)
    # Negated, it leaves out the forms of what it leaves out — all along a repeat.
    negated = rules(block=[{"title": "^[^廣]+$"}])
    assert not blocked_by(negated, entry("广"), NOW)
    assert not blocked_by(negated, entry("政府推广计划"), NOW)
    assert blocked_by(negated, entry("政府推动计划"), NOW)
    with pytest.raises(Exception, match="bad character range"):  # (as before)
        rules(block=[{"title": "[廣-亂]"}])
    with pytest.raises(msgspec.ValidationError, match="not a regular expression"):
        rules(block=[{"title": r"\N{KEYCAP DIGIT ONE}"}])  # (a sequence: no traceback)
    # A class of all Chinese, of ASCII punctuation, stays as written (the
    # forms of what it spans made it fifty times slower to match); a comment
    # of the verbose mode is no class, a group's # is no comment; a
    # conditional's lookahead folds.
    for written in (r"[\u4e00-\u9fa5]{4,}", r"^[!-\/:-@\[-`{-~]", r"^[\t-\r ]*$"):
        assert filter_rules.compile_pattern(written).pattern == written
    hashtag = rules(block=[{"title": "(?x:广告)#熱搜#"}])
    assert blocked_by(hashtag, entry("广告#熱搜#"), NOW) is not None
    # The verbose mode from where its flag stands, (?x-i) too.
    for written, title in (
        ("#熱搜#.*(?x) 廣告 | 推廣", "推广"),
        ("(?x-i) 推廣 # 見 [註\n| 廣告", "广告"),
    ):
        assert blocked_by(rules(block=[{"title": written}]), entry(title), NOW), written
    verbose = "(?x) ^ (?: 廣告  # 標題以 [廣告] 或 [ 推廣 開頭\n | 推廣 )"
    conditional = r"^(?(?=.*廣告).*推廣|.*贊助)"
    for written, title in ((verbose, "推廣：理財課"), (conditional, "廣告推廣")):
        assert blocked_by(rules(block=[{"title": written}]), entry(title), NOW) is not None
    escaped = rules(block=[{"title": r"\u5EE3告"}, {"title": r"\廣\告"}])
    assert blocked_by(escaped, entry("廣告：新品"), NOW) is not None
    coded = rules(
        block=[{"title": r"[\u5EE0-\u5EE9]告"}, {"title": r"\N{CJK UNIFIED IDEOGRAPH-5EE3}"}]
    )
    assert blocked_by(coded, entry("广告"), NOW) is not None
    # "No 广告 in it" keeps 廣告 out too, written either way; a config says so.
    for written in ("^(?!.*广告)", "^(?!.*廣告)", "^(?:(?!廣告).)*$"):
        kept_clean = rules(keep=[{"title": written}])
        assert blocked_by(kept_clean, entry("【廣告】理財課"), NOW) is not None, written
        assert blocked_by(kept_clean, entry("【广告】理财课"), NOW) is not None, written
        assert blocked_by(kept_clean, entry("央行降準"), NOW) is None, written
    for every in ("(?!.*廣告)", "(?<!廣告)", "廣告|推廣|"):
        with pytest.raises(msgspec.ValidationError, match="matches every text"):
            msgspec.convert({"block": [{"title": every}]}, RulesSpec)


def test_characters_that_show_nothing_hide_no_word_from_a_rule() -> None:
    """A zero-width space, a soft hyphen, a byte-order mark or a direction
    mark inside a word: the reader sees 推广, and so does the rule."""
    block = rules(block=[{"title": "推广"}, {"content": "加微信"}, {"keywords": ["荐股"]}])
    for title in (
        "推\u200b广：某基金",
        "推\u00ad广",
        "推\ufeff广",
        "\u200e推\u2060广",
        "推\u061c广",  # the Arabic letter mark, a direction mark too
        "推\u3164广",  # a Hangul filler, which shows nothing
        "推\ufe0f广",  # a variation selector
    ):
        assert blocked_by(block, entry(title), NOW) == "blocked by block rule 1", title
    assert blocked_by(block, entry("x", "<p>加&shy;微&#8203;信领取</p>"), NOW) is not None
    assert blocked_by(block, entry("免费荐\u200d股"), NOW) == "blocked by block rule 3"
    # A pattern (or keyword) written with one matches without it too.
    spelled = rules(block=[{"title": "推\u200b广"}])
    assert blocked_by(spelled, entry("推广课程"), NOW) is not None
    assert blocked_by(block, entry("推销广告"), NOW) is None


def test_content_rules_read_only_what_the_post_shows() -> None:
    """Hidden text (off the page, `hidden`) and what the sanitizer drops with
    its content (a button's label) are in no post: a rule does not see them,
    and they split no word of the text around them."""
    block = rules(block=[{"content": "不得转载|比特币|点击关注"}])
    html = (
        '<p>存款<span style="position:absolute;left:-9999px">未经授权不得转载</span>准备金率'
        "</p><p hidden>比特币暴涨</p><button>点击关注</button>"
    )
    assert blocked_by(block, entry("x", html), NOW) is None
    assert blocked_by(rules(block=[{"content": "存款准备金率"}]), entry("x", html), NOW)


def test_a_pattern_that_backtracks_without_end_fails_its_feed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(filter_rules, "MATCH_SECONDS", 0.05)
    slow = rules(block=[{"title": r"(抽|抽抽)+广告$", "name": "ads"}])
    with pytest.raises(
        RuleTooSlow, match=r"rule 'ads': its title pattern ran past the 0\.05 s the rules have"
    ):
        blocked_by(slow, entry("抽" * 40 + "课"), NOW)

    items = [Item("抽" * 40 + "课", guid="1"), Item("央行降准", guid="2")]
    (tmp_path / "a.xml").write_bytes(rss("甲", items))
    feeds = [{"url": "a.xml", "group": "g", "source": "甲"}]
    rule = {"title": r"(抽|抽抽)+广告$", "name": "ads"}
    config = write_config(tmp_path, feeds, rules={"block": [rule]})
    result = cli("run", "-c", str(config))
    assert "1 failed" in result.stdout
    assert posts(tmp_path) == {}  # nothing stored: the items wait for the rule's fix
    (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert "rule 'ads': its title pattern ran past" in row["last_error"]
    # Mended with an atomic group (the regex module has them): both posted.
    rule["title"] = r"(?>抽|抽抽)+广告$"
    config = write_config(tmp_path, feeds, rules={"block": [rule]})
    assert "posts: 2 new" in cli("run", "-c", str(config), "--all").stdout


def test_an_items_rules_share_one_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each pattern had its own second on each field: four slow rules took
    4 s an item. Each search has what the item's searches before it left."""
    clock = [100.0]
    given: list[float] = []

    class Slow:  # a pattern that takes 0.3 s of the clock, whatever it is given
        def search(self, text: str, timeout: float) -> None:
            given.append(round(timeout, 3))
            clock[0] += 0.3
            if clock[0] > 100.0 + 1.0:
                raise TimeoutError

    monkeypatch.setattr(filter_rules.time, "monotonic", lambda: clock[0])
    slow = tuple(
        filter_rules.Rule(f"r{n}", patterns=(("title", Slow()),))  # type: ignore[arg-type]
        for n in range(4)
    )
    with pytest.raises(RuleTooSlow, match=r"rule 'r3': its title pattern ran past the 1 s"):
        blocked_by((filter_rules.RuleSet(block=slow),), entry("x"), NOW)
    assert given == [1.0, 0.7, 0.4, 0.1]


def test_a_rule_that_took_most_of_the_time_is_named_beside_the_one_that_ran_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two rules of one item each under the limit alone: the second ran out
    of the time the first left it, and was named alone — "simplify it", of
    a pattern no slower than the first. Both are named now, with their time."""
    clock = [100.0]

    class Taking:  # a pattern that takes ``seconds`` of the clock
        def __init__(self, seconds: float) -> None:
            self.seconds = seconds

        def search(self, text: str, timeout: float) -> None:
            clock[0] += min(self.seconds, timeout)
            if self.seconds > timeout:
                raise TimeoutError

    monkeypatch.setattr(filter_rules.time, "monotonic", lambda: clock[0])
    first = filter_rules.Rule("红包A", patterns=(("content", Taking(0.7)),))  # type: ignore[arg-type]
    second = filter_rules.Rule("红包B", patterns=(("content", Taking(0.6)),))  # type: ignore[arg-type]
    together = (filter_rules.RuleSet(block=(first, second)),)
    with pytest.raises(
        RuleTooSlow,
        match=r"^rule '红包A' \(0\.70 s\) and rule '红包B' \(0\.30 s\) together ran past the 1 s",
    ):
        blocked_by(together, entry("x"), NOW)
    clock[0] = 100.0  # the one that ran out took most of the time: named alone
    slower = filter_rules.Rule("红包C", patterns=(("content", Taking(2.0)),))  # type: ignore[arg-type]
    quick = filter_rules.Rule("红包D", patterns=(("content", Taking(0.1)),))  # type: ignore[arg-type]
    with pytest.raises(RuleTooSlow, match=r"^rule '红包C': its content pattern ran past"):
        blocked_by((filter_rules.RuleSet(block=(quick, slower)),), entry("x"), NOW)


def test_a_teasers_article_is_judged_by_the_rules_that_read_it() -> None:
    """Its article come (or its page failed for good), an item posted with
    its feed's text is judged again on what the article may change: block
    rules on the content, and a keep list with a rule on the content (any of
    that list's rules keeps it). A rule on its title, link or author, or its
    age, judged it when it came — and one added since does not judge it:
    rules are not retroactive."""
    article = entry("存款利率", "<p>银行净息差收窄。</p>", published=NOW - timedelta(days=9))
    since = rules(
        block=[{"link": "example"}, {"author": "x", "content": "净息差"}],
        keep=[{"title": "央行"}],
        max_age="1d",
    )
    assert blocked_by(since, article, NOW) is not None  # new: every rule asked
    assert blocked_by(since, article, NOW, settling=True) is None
    on_content = rules(block=[{"content": "净息差", "name": "息差"}])
    assert blocked_by(on_content, article, NOW, settling=True) == "blocked by 息差"
    # A block rule's keywords, in the title and the content, are looked for in the content.
    words = rules(block=[{"keywords": ["存款"], "name": "词"}])
    assert blocked_by(words, article, NOW) == "blocked by 词"
    assert blocked_by(words, article, NOW, settling=True) is None
    words = rules(block=[{"keywords": ["存款", "息差"], "name": "词"}])
    assert blocked_by(words, article, NOW, settling=True) == "blocked by 词"
    keep = rules(keep=[{"content": "降准"}, {"title": "利率"}])
    assert blocked_by(keep, article, NOW, settling=True) is None
    keep = rules(keep=[{"content": "降准"}, {"title": "央行"}])
    assert blocked_by(keep, article, NOW, settling=True) == "matches no keep rule"
    # An untitled item's title is its text's headline: rules on it read the article.
    flash = entry("", "<p>【降准】央行宣布降准。</p>")
    assert blocked_by(rules(keep=[{"title": "利率"}]), flash, NOW, settling=True) is not None


def test_an_item_must_match_the_top_level_keep_rules_and_its_feeds_and_is_told_which(
    tmp_path: Path,
) -> None:
    """Both sets of rules apply: an item that matches its feed's keep rule
    but none of the top-level ones is held back — "matches no keep rule"
    said not which list it missed."""
    items = [Item("证监会发布新规", guid="1"), Item("央行降准", guid="2"), Item("体育", guid="3")]
    (tmp_path / "a.xml").write_bytes(rss("甲", items))
    feeds = [
        {
            "url": "a.xml", "group": "g", "source": "甲",
            "rules": {"keep": [{"title": "证监会|降准", "name": "证监会新闻"}]},
        }
    ]  # fmt: skip
    config = write_config(tmp_path, feeds, rules={"keep": [{"title": "央行"}]})
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    held = cli("search", "--all", "-c", str(config), "--json", "证监会").stdout
    assert "matches none of the top-level keep rules" in held, held
    held = cli("search", "--all", "-c", str(config), "--json", "体育").stdout
    assert "matches none of the top-level keep rules" in held, held
    feeds[0]["rules"] = {"keep": [{"title": "证监会", "name": "证监会新闻"}]}
    (tmp_path / "b.xml").write_bytes(rss("乙", [Item("央行开展逆回购", guid="9")]))
    feeds.append({**feeds[0], "url": "b.xml", "source": "乙"})
    config = write_config(tmp_path, feeds, rules={"keep": [{"title": "央行"}]})
    cli("run", "-c", str(config))
    held = cli("search", "--all", "-c", str(config), "--json", "逆回购").stdout
    assert "matches none of the feed's keep rules" in held, held


def test_every_condition_of_a_rule_must_match() -> None:
    both = rules(block=[{"title": "早报", "author": "^机器人$"}])
    assert blocked_by(both, entry("早报", author="机器人"), NOW) is not None
    assert blocked_by(both, entry("早报", author="记者"), NOW) is None


def test_rules_read_the_visible_text_of_the_content_not_its_markup() -> None:
    block = rules(block=[{"content": "font"}])
    assert blocked_by(block, entry(content='<p><font color="red">红字</font></p>'), NOW) is None
    assert blocked_by(block, entry(content="<p>font 字体</p>"), NOW) is not None


@pytest.mark.parametrize(
    "split", ["<!-- x -->", "<!--[if !supportLists]--><!--[endif]-->", "<wbr>"]
)
def test_a_word_split_by_what_shows_nothing_is_read_whole(split: str) -> None:
    """A comment (a Word paste's) or a word break opportunity inside a word:
    the post reads 推广, and the rule read 推 广."""
    content = rules(block=[{"content": "推广内容"}])
    assert blocked_by(content, entry(content=f"<p>推{split}广内容在此</p>"), NOW) is not None
    # A "<!--" inside a tag opens no comment (a ">" before it in a quoted
    # value ends no tag), and "--!>" ends one: what follows stays read.
    for hostile in (
        '<p>限时<img alt="<!--" src="a.png">推广理财课程<img alt="-->" src="b.png">，报名</p>',
        '<p><img src="x.jpg" alt="a>b<!--">推广内容，扫码领取</p>',
        "<p>限时<!--x--!>推广理财课程</p>",
    ):
        assert blocked_by(rules(block=[{"keywords": ["推广"]}]), entry(content=hostile), NOW)
    # An untitled item's title is its text's headline: 【推广三号】.
    title = rules(block=[{"title": "推广"}])
    assert blocked_by(title, entry("", content=f"<p>【推{split}广三号】正文</p>"), NOW) is not None


def test_keywords_match_any_of_them_in_the_chosen_fields() -> None:
    block = rules(block=[{"keywords": ["直播", "抽奖"], "in": ["title"]}])
    assert blocked_by(block, entry("今晚直播"), NOW) is not None
    assert blocked_by(block, entry("新闻", content="<p>抽奖</p>"), NOW) is None
    anywhere = rules(block=[{"keywords": ["抽奖"]}])
    assert blocked_by(anywhere, entry("新闻", content="<p>抽奖</p>"), NOW) is not None


def test_category_and_link_rules() -> None:
    block = rules(block=[{"category": "^广告$"}, {"link": r"/ad/"}])
    assert blocked_by(block, entry(categories=("财经", "广告")), NOW) is not None
    assert blocked_by(block, entry(link="https://x.example/ad/1"), NOW) is not None
    assert blocked_by(block, entry(categories=("广告位招租",)), NOW) is None


def test_keep_rules_post_only_what_matches_one_of_them() -> None:
    keep = rules(keep=[{"title": "央行|证监会"}, {"keywords": ["A股"]}])
    assert blocked_by(keep, entry("央行降准"), NOW) is None
    assert blocked_by(keep, entry("今日A股收评"), NOW) is None
    assert blocked_by(keep, entry("娱乐新闻"), NOW) == "matches no keep rule"


def test_an_untitled_item_is_judged_by_the_title_it_is_posted_under() -> None:
    """A microblog status or 快讯 has no <title>: its post (and `search`) show
    the headline its text opens with. A keep rule on 央行 saw an empty title
    and held every such item back for good."""
    flash = entry("", content="<p>【央行开展2000亿元逆回购操作】央行今日开展逆回购。</p>")
    keep = rules(keep=[{"title": "央行|证监会"}])
    assert blocked_by(keep, flash, NOW) is None
    assert blocked_by(rules(block=[{"title": "逆回购"}]), flash, NOW) is not None
    nothing = entry("", content="<p>\u200b</p>")
    assert blocked_by(keep, nothing, NOW) == "matches no keep rule"


def test_content_is_read_as_a_reader_reads_it_inline_markup_splits_no_word() -> None:
    """stcn links a stock's name, an editor bolds a word: the reader sees
    贵州茅台发布公告 and 赞助内容 whole, and so do rules."""
    stock = entry(content='<p><a class="trsHotWords" href="#">贵州茅台</a>发布公告</p>')
    assert blocked_by(rules(block=[{"content": "贵州茅台发布公告"}]), stock, NOW) is not None
    sponsored = entry(content="<p>本文为<b>赞助</b>内容</p>")
    assert blocked_by(rules(block=[{"keywords": ["赞助内容"]}]), sponsored, NOW) is not None
    # Paragraphs stay apart: no word is made across them.
    apart = entry(content="<p>赞助</p><p>内容</p>")
    assert blocked_by(rules(block=[{"keywords": ["赞助内容"]}]), apart, NOW) is None


def test_max_age_keeps_out_old_items() -> None:
    old = rules(max_age="2d")
    assert blocked_by(old, entry(published=NOW - timedelta(days=3)), NOW) == "older than 2d"
    assert blocked_by(old, entry(published=NOW - timedelta(days=1)), NOW) is None
    assert blocked_by(old, entry(published=None), NOW) is None  # undated: first seen now


def test_what_is_blocked_whatever_its_article_says() -> None:
    """Full text asks before fetching an item's page: only rules that do not
    read the content (and age) can settle it without the article."""

    def decided(rule_sets: tuple, entry: Entry, now: datetime) -> bool:  # type: ignore[type-arg]
        return blocked_by(rule_sets, entry, now, content_unknown=True) is not None

    by_title = rules(block=[{"title": "广告"}], max_age="7d")
    assert decided(by_title, entry("【广告】理财"), NOW)
    assert decided(by_title, entry("旧闻", published=NOW - timedelta(days=8)), NOW)
    assert not decided(by_title, entry("央行降准"), NOW)
    # A rule on the content may match the article, not the summary, or the
    # other way round: that takes the article.
    by_content = rules(block=[{"content": "广告"}, {"keywords": ["推广"]}])
    assert not decided(by_content, entry("标题", "<p>广告</p>"), NOW)
    assert not decided(by_content, entry("推广"), NOW)
    assert not decided(rules(keep=[{"content": "芯片"}]), entry("标题"), NOW)
    keep_titles = rules(keep=[{"title": "芯片"}, {"keywords": ["半导体"], "in": ["title"]}])
    assert decided(keep_titles, entry("央行降准"), NOW)
    assert not decided(keep_titles, entry("半导体周报"), NOW)
    assert not decided((), entry("【广告】"), NOW)
    # An untitled item's title is its text's headline: the article's, to come.
    # Judged without it, a keep rule on the title never asked for the page.
    untitled = entry("", "<p>【央行发布一季度货币政策执行报告】摘要一句。</p>")
    assert not decided(rules(keep=[{"title": "央行"}]), untitled, NOW)
    assert not decided(rules(block=[{"title": "央行"}]), untitled, NOW)
    assert not decided(rules(keep=[{"keywords": ["央行"], "in": ["title"]}]), untitled, NOW)
    teaser = blocked_by(rules(keep=[{"title": "证监会"}]), untitled, NOW, teaser=True)
    assert teaser is None  # the article's headline may name it: it waits


def test_judged_again_without_its_age_or_on_a_teaser() -> None:
    """An item judged again when its article comes was judged by its age when
    it came; a teaser (the feed's summary while the page is down) blocks by
    what it says, and keeps waiting for the article."""
    old = rules(max_age="2d")
    stale = entry(published=NOW - timedelta(days=3))
    assert blocked_by(old, stale, NOW, age=False) is None
    by_content = rules(block=[{"content": "广告"}])
    assert blocked_by(by_content, entry("标题", "<p>广告</p>"), NOW, teaser=True) is not None
    keep = rules(keep=[{"content": "芯片"}])
    assert blocked_by(keep, entry("标题", "<p>摘要</p>"), NOW, teaser=True) is None
    assert blocked_by(keep, entry("标题", "<p>摘要</p>"), NOW) == "matches no keep rule"


def test_global_and_feed_rules_both_apply() -> None:
    both = rules(block=[{"title": "广告"}]) + rules(keep=[{"title": "央行"}])
    assert blocked_by(both, entry("央行广告"), NOW) is not None
    assert blocked_by(both, entry("央行降准"), NOW) is None
    assert blocked_by(both, entry("证监会"), NOW) is not None


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"block": [{"title": "("}]}, "title: not a regular expression"),
        ({"block": [{"name": "empty"}]}, "needs a condition"),
        ({"block": [{"keywords": ["x"], "in": ["body"]}]}, "'body' is not one of"),
        # Every item blocked for good (tombstones), or a rule that can never match.
        ({"block": [{"title": ""}]}, "title: an empty pattern matches every item"),
        ({"block": [{"keywords": ["广告", ""]}]}, "keywords: an empty keyword matches every item"),
        ({"block": [{"keywords": ["广告"], "in": []}]}, "in: names no field"),
        # Characters that show nothing are nothing to rules: empty all the same.
        ({"block": [{"keywords": ["\u200b"]}]}, "keywords: an empty keyword matches every item"),
        ({"block": [{"title": "\u00ad"}]}, "title: an empty pattern matches every item"),
        # … and a pattern that matches an empty text: a "|" too many, "?" or "*".
        ({"block": [{"title": "广告|推广|"}]}, "title: '广告|推广|' matches every text"),
        ({"block": [{"content": "(广告)?"}]}, "content: '(广告)?' matches every text"),
        ({"keep": [{"author": "\\s*"}]}, "author: '\\\\s*' matches every text"),
        # … a lookaround too, with an empty alternative.
        ({"block": [{"link": "^(?!x)|"}]}, "link: '^(?!x)|' matches every text"),
        # … or unanchored, where it holds at the end of every text ("no 央行
        # follows" holds there): every item blocked for good.
        (
            {"block": [{"title": "(?!.*央行)"}]},
            "title: '(?!.*央行)' matches every text (at its end, where nothing follows):"
            " anchor it, as in ^(?!.*广告)",
        ),
        # … and a lookbehind alone, where it holds at the start of every text
        # (nothing precedes it there), "not after .html" — blocked for good.
        (
            {"block": [{"link": "(?<!\\.html)"}]},
            "link: '(?<!\\\\.html)' matches every text (at its start, where nothing"
            " precedes): anchor it at the end, as in (?<!\\.html)$",
        ),
        ({"block": [{"title": "(?<=^)"}]}, "title: '(?<=^)' matches every text"),
        ({"block": [{"title": "(?<!推广).*"}]}, "title: '(?<!推广).*' matches every text"),
        ({"block": [{"title": ".*(?<!zzz)"}]}, "title: '.*(?<!zzz)' matches every text"),
        ({"block": [{"title": "(?<!x)[^\\n]*"}]}, "matches every text (at its start"),
        # … beside a lookahead, in the regex module's own syntax, or one with a `|`.
        ({"block": [{"link": "(?<!\\.html)(?!\\?)"}]}, "matches every text (at its start"),
        ({"block": [{"title": "(?<!\\p{P})"}]}, "matches every text (at its start"),
        ({"block": [{"title": "(?<!不)(涨停|跌停)?"}]}, "matches every text (at its start"),
        ({"block": [{"link": "(?<!\\.html)$|\\.html$"}]}, "matches every text (each ends"),
        ({"block": [{"title": "((?<!不)涨停)?"}]}, "matches every text, as an empty pattern"),
        # "Not .html or not .htm": no text ends in both — every item blocked.
        (
            {"block": [{"link": "(?<!\\.html)$|(?<!\\.htm)$"}]},
            "matches every text (each ends without one lookbehind's text or the other's):"
            " for neither, write them side by side, as in ^.*(?<!\\.html)(?<!\\.htm)$",
        ),
        # A flag the rules' own flags refuse: named, with the field.
        (
            {"block": [{"title": "(?V1)[[a-z]--[aeiou]]"}]},
            "title: '(?V1)[[a-z]--[aeiou]]': patterns run as the regex module's version 0",
        ),
        # A pattern that backtracks without end on a short text: checking it
        # hung the config's load (and a daemon's passes) for ever.
        (
            {"block": [{"title": "^.{0,2}$|(.|..)+\\d$"}]},
            "takes seconds on a short text (it backtracks without end)",
        ),
        # … though it finds no match in the empty text, the first one tried.
        (
            {"block": [{"title": "(.|..)+\\d$"}]},
            "takes seconds on a short text (it backtracks without end)",
        ),
        # A lookahead's "all but" that leaves its $ out: it holds of "广告…" too.
        ({"block": [{"content": "^(?:(?!广告).)*"}]}, "matches every text"),
        ({"block": [{"content": "^(?!.*广告)?"}]}, "matches every text"),
        # As long as the longest text a rule reads: every text.
        ({"block": [{"content": "(?s)^.{0,30000}$"}]}, "matches every text"),
        # A "?" too many, slow on the samples' words made long: every short item.
        (
            {"block": [{"title": "(.*\\d+.*元.*红包)?"}]},
            "matches every short text and runs for seconds on one of an article's length",
        ),
        ({"max_age": "soon"}, "not a duration"),
        ({"drop": []}, "drop"),
    ],
)
def test_a_bad_rule_stops_with_the_file_and_the_field(
    tmp_path: Path, rule: dict[str, object], message: str
) -> None:
    config = write_config(tmp_path, [{"url": "f.xml", "group": "g", "source": "s", "rules": rule}])
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert message in str(caught.value)
    assert "feedmill.yml" in str(caught.value)
    result = cli("run", "-c", str(config))
    assert result.code == 2
    assert not (tmp_path / "source").exists()


def test_a_pattern_of_spaces_is_no_empty_pattern(tmp_path: Path) -> None:
    """ " " is in a title that has a space (an English item in a Chinese feed):
    refused as "an empty pattern" with the empty one."""
    rule = {
        "block": [
            {"title": " "},
            {"keywords": ["  "]},
            {"author": "^$"},
            {"title": "广告?"},
            # All but the news: it matches no link of the news.
            {"link": r"^(?!https://ex\.com/news/)"},
            {"link": r"^(?!https?://(?:www\.)?ex\.com/(news|tech)/\d+)"},
            {"title": r"^(?!.*\bAI\b)"},
            {"title": r"^(?![【\[]广告)"},
            {"title": r"^.{0,50}$"},  # short titles
            # Longer than every short sample, not every text: too short an article.
            {"content": r"(?s)^.{0,200}$"},
            {"content": r"^[\s\S]{0,300}$"},
            {"content": r"^.{0,10000}$"},
            # … counted in Chinese characters, sentences, commas, digits.
            {"content": r"(?s)^[^\u4e00-\u9fff]*(?:[\u4e00-\u9fff][^\u4e00-\u9fff]*){0,2000}$"},
            {"content": r"(?s)^(?:[^。]*。){0,100}[^。]*$"},
            {"content": r"(?s)^(?:[^，]*，){0,200}[^，]*$"},
            {"content": r"(?s)^(?:[^\d]*\d){0,500}\D*$"},
            {"content": r"^\S*(?:\s+\S+){0,50}\s*$"},  # … or English words
            {"content": r"(?i)^[^a-z]*(?:[a-z][^a-z]*){0,10000}$"},
            {"content": r"^\S*(?:\s+\S+){0,3000}\s*$"},
            {"content": r"(?s)^\P{Han}*(?:\p{Han}\P{Han}*){0,20000}$"},
            {"title": r"^\P{Han}*$"},  # no Chinese
            {"title": r"^[^【]*$"},  # no bracketed headline
            {"title": r"^(?:(?!广告).)*$"},  # no 广告 in it
            # What does not end so: its end is each text's own.
            {"link": r"(?<!\.html)$"},
            {"link": r"^.*(?<!\.html)$"},
            {"link": r".*(?<!\.html)$"},
            {"link": r"^.*(?<!\.(?:html|htm))$"},  # (a group inside)
            {"link": r"^[^?#]*(?<!\.(?:html|htm))(?:[?#].*)?$"},
            {"link": r"(?s)^.*(?<![.]html)$"},  # (a set, an escape)
            {"link": r"(?s)^.*(?<!\d)$"},
            {"link": r"^.*(?<!\.pdf)(?<!\.(?:jpg|png))$"},
            {"title": r"^.*(?<![)）])$"},
            {"link": r"^.*(?<!\.html)(?<!\.htm)$"},
            {"title": r"(?<!(不|未))(涨停|跌停).*\2"},  # (a group in it, referred to)
            {"title": r"^(?:(?!(?<!不)广告).)*$"},  # (in a lookahead: no 广告 but 不广告)
            {"title": r"^(?!.*(?<=\d)%)"},
            {"title": r"(?<!^)"},  # (not the empty text)
            {"link": r".*(?<!\.html)(?=$)"},
            {"title": r"(?<!\p{Han})AI"},  # (the regex module's own syntax)
            {"title": r"(?<!ＰＤＦ)$"},  # (full-width, read as ASCII)
            {"link": r"(?x) (?<! \.html ) $"},  # (verbose)
            {"title": r"^(?!.*(?<!不)涨停)"},
            {"title": r"(?<!^)\s*"},
            {"author": r"(?<!\p{Han})$"},  # (unread by the standard library: not judged)
            {"title": r"(?<![[:digit:]])$"},
            {"title": r"^(?<scheme>https?)?.*(?<!\.pdf)$"},
            {"title": r"^.*(?<!\.pdf)(?<!\p{N})$"},
            {"title": r"(?<!不)涨停"},
            {"link": r"$(?<!\?)"},
            {"author": r"(?<!编辑)$"},
        ]
    }
    config = write_config(tmp_path, [{"url": "f.xml", "group": "g", "source": "s", "rules": rule}])
    assert load_config(config).feeds[0].rules is not None  # (^$: an item without an author)


def test_blocked_items_are_recorded_counted_and_never_posted(tmp_path: Path) -> None:
    items = [
        Item("央行降准0.25个百分点", guid="1"),
        Item("【广告】炒股课程限时优惠", guid="2"),
        Item("证监会发布新规", guid="3"),
        Item("明星八卦", guid="4"),
    ]
    (tmp_path / "a.xml").write_bytes(rss("甲", items))
    (tmp_path / "b.xml").write_bytes(rss("乙", [Item("明星八卦", guid="b1", html="<p>娱乐</p>")]))
    feeds = [
        {
            "url": "a.xml",
            "group": "g",
            "source": "甲",
            "rules": {"keep": [{"title": "央行|证监会|广告"}]},
        },
        {"url": "b.xml", "group": "g", "source": "乙"},
    ]
    config = write_config(tmp_path, feeds, rules={"block": [{"title": "广告", "name": "ads"}]})
    result = cli("run", "-c", str(config))
    assert result.code == 0
    assert "held back: 2 blocked, 0 duplicates" in result.stdout
    titles = sorted(
        text.split("title: '", 1)[1].split("'", 1)[0] for text in posts(tmp_path).values()
    )
    assert titles == ["央行降准0.25个百分点", "明星八卦", "证监会发布新规"]
    status = {r["source"]: r for r in json.loads(cli("status", "-c", str(config), "--json").stdout)}
    assert (status["甲"]["items"], status["甲"]["posts"], status["甲"]["blocked"]) == (4, 2, 2)
    assert status["乙"]["blocked"] == 0
    table = cli("status", "-c", str(config)).stdout
    assert "blocked" in table

    # A tombstone: without the rules, the feed repeating the items brings none back.
    config = write_config(tmp_path, [{k: v for k, v in f.items() if k != "rules"} for f in feeds])
    again = cli("run", "-c", str(config))
    assert "posts: 0 new" in again.stdout
    assert len(posts(tmp_path)) == 3


def test_rules_are_not_retroactive(tmp_path: Path) -> None:
    """A rule judges an item when it first comes: a rule added later, or a
    feed's edit of an item already posted that a rule now matches, takes no
    post down (the post a reader may have linked stays)."""
    feeds = [{"url": "f.xml", "group": "g", "source": "s"}]
    (tmp_path / "f.xml").write_bytes(
        rss("源", [Item("理财产品介绍", guid="1", html="<p>介绍</p>"), Item("央行降准", guid="2")])
    )
    assert "posts: 2 new" in cli("run", "-c", str(write_config(tmp_path, feeds))).stdout
    config = write_config(tmp_path, feeds, rules={"block": [{"title": "推广|央行"}]})
    (tmp_path / "f.xml").write_bytes(
        rss(
            "源",
            [
                Item("推广：理财产品介绍", guid="1", html="<p>介绍</p>"),
                Item("央行降准", guid="2"),
                Item("推广：新课", guid="3"),
            ],
        )
    )
    result = cli("run", "-c", str(config))
    assert "posts: 0 new, 1 updated, 1 unchanged" in result.stdout, result.stdout
    assert "held back: 1 blocked" in result.stdout  # the new item alone
    titles = sorted(t.split("title: '", 1)[1].split("'", 1)[0] for t in posts(tmp_path).values())
    assert titles == ["央行降准", "推广：理财产品介绍"]
