"""Hexo tags on posts: A-share stocks from quote links and the user's dictionary,
then keywords — and a tag page per stock in the built site."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml
from test_golden import seed_article

from feedmill import tagging as tagging_module
from feedmill.publish import tags as tags_module

from support import hexo
from support.feeds import Item, rss
from support.site import cli, posts, write_config

FEEDS = [{"url": "stcn.xml", "group": "金融", "source": "证券时报网"}]


def write_seed_feed(site: Path) -> None:
    title, pub_date, body = seed_article()
    item = Item(title=title, html=body, guid="681592", pub_date=pub_date)
    (site / "stcn.xml").write_bytes(rss("证券时报网 - 要闻", [item]))


def front_tags(text: str) -> list[str]:
    front = text.split("\n---\n", 1)[0]
    match = re.search(r"^tags:\n((?: - .*\n?)+)", front + "\n", re.M)
    return [line[3:] for line in match.group(1).splitlines()] if match else []


def only_post(site: Path) -> str:
    (text,) = posts(site).values()
    return text


def test_without_tags_settings_posts_have_no_tags(tmp_path: Path) -> None:
    write_seed_feed(tmp_path)
    cli("run", "-c", str(write_config(tmp_path, FEEDS)))
    assert "\ntags:" not in only_post(tmp_path)


def test_stock_links_become_tags_in_the_default_format(tmp_path: Path) -> None:
    write_seed_feed(tmp_path)
    cli("run", "-c", str(write_config(tmp_path, FEEDS, tags=True)))
    text = only_post(tmp_path)
    # The article links 机器人, 国际医学 and 线上线下 to their quote pages.
    assert front_tags(text) == ["机器人(300024)", "国际医学(000516)", "线上线下(300959)"]
    # Tags come right after the categories; the rest of the seed format is unchanged.
    assert (
        "\n - 要闻\ntags:\n - 机器人(300024)\n - 国际医学(000516)\n - 线上线下(300959)\nheadimg: "
        in text
    )


def test_a_dictionary_names_stocks_and_finds_them_in_the_text(tmp_path: Path) -> None:
    write_seed_feed(tmp_path)
    (tmp_path / "stocks.txt").write_text(
        "# name, code\n国际医学,000516\n上海机电,SH600835\n", encoding="utf-8"
    )
    (tmp_path / "stcn.xml").write_bytes(
        rss(
            "证券时报网 - 要闻",
            [Item("上海机电公告", html="<p>上海机电今日公告，与国际医学合作。</p>", guid="1")],
        )
    )
    tags = {"dictionary": "stocks.txt", "stock_format": "{market}{code} {name}"}
    cli("run", "-c", str(write_config(tmp_path, FEEDS, tags=tags)))
    assert front_tags(only_post(tmp_path)) == ["SH600835 上海机电", "SZ000516 国际医学"]

    # Editing the dictionary rewrites the posts that depend on it.
    (tmp_path / "stocks.txt").write_text("国际医学,000516\n", encoding="utf-8")
    result = cli("run", "-c", str(write_config(tmp_path, FEEDS, tags=tags)))
    assert "1 updated" in result.stdout
    assert front_tags(only_post(tmp_path)) == ["SZ000516 国际医学"]


def test_new_tagging_rules_rewrite_the_posts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_seed_feed(tmp_path)
    config = str(write_config(tmp_path, FEEDS, tags=True))
    cli("run", "-c", config)
    before = front_tags(only_post(tmp_path))
    monkeypatch.setattr(tagging_module, "tags_for", lambda *_: ("新规则",))
    cli("run", "-c", config)
    assert front_tags(only_post(tmp_path)) == before  # nothing says the rules changed
    monkeypatch.setattr(tagging_module, "RULES_VERSION", "next")
    assert "1 updated" in cli("run", "-c", config).stdout
    assert front_tags(only_post(tmp_path)) == ["新规则"]


def test_keyword_tags_follow_the_stocks(tmp_path: Path) -> None:
    write_seed_feed(tmp_path)
    (tmp_path / "stop.txt").write_text("# never a tag\n科技\n", encoding="utf-8")
    tags = {"keywords": 3, "method": "textrank", "stopwords": "stop.txt"}
    cli("run", "-c", str(write_config(tmp_path, FEEDS, tags=tags)))
    found = front_tags(only_post(tmp_path))
    assert found[:3] == ["机器人(300024)", "国际医学(000516)", "线上线下(300959)"]
    assert len(found) == 6
    assert "科技" not in found


def test_a_stopwords_file_replaces_the_built_in_list(tmp_path: Path) -> None:
    """`tags.stopwords` names a whole list (the common Chinese ones are such
    files): its words, not the built-in ones, are never keywords."""
    from feedmill.tagging import DEFAULT_STOPWORDS

    (tmp_path / "stop.txt").write_text("# mine\n科技\n", encoding="utf-8")
    style = tags_module.TagStyle(stopwords=str(tmp_path / "stop.txt"), keywords=3)
    assert tags_module.policy_for(style).stopwords == {"科技"}
    assert "记者" in DEFAULT_STOPWORDS
    assert tags_module.policy_for(tags_module.TagStyle(keywords=3)).stopwords == DEFAULT_STOPWORDS


def test_a_dictionary_read_as_it_is_rewritten_is_not_taken(tmp_path: Path) -> None:
    """A worker reading the file as an editor rewrote it (emptied, then
    written) took an empty dictionary for the config's, and every post it
    wrote after had no stock tags: the file read must be the one the config
    read, or the feed waits, as for one that no longer reads."""
    from feedmill.config import parse_config

    (tmp_path / "stocks.txt").write_text("贵州茅台,600519\n", encoding="utf-8")
    config = parse_config("tags: {dictionary: stocks.txt}\nfeeds: []\n", tmp_path / "feedmill.yml")
    style = tags_module.tag_style(config)
    assert style is not None
    (tmp_path / "stocks.txt").write_text("", encoding="utf-8")  # caught half-way
    with pytest.raises(tags_module.TagFilesUnreadable, match="changed since the config"):
        tags_module.policy_for(style)
    (tmp_path / "stocks.txt").write_text("贵州茅台,600519\n", encoding="utf-8")
    assert tags_module.policy_for(style).dictionary == {"贵州茅台": "600519"}


def test_a_feed_failed_by_a_tags_file_saved_during_a_run_is_tried_by_the_next(
    tmp_path: Path,
) -> None:
    """A dictionary saved while a cron `run` read it fails that run's feeds
    ("changed since the config was read (tried again once the config is read
    again)"); the next `run --due` reads the config again, but the feeds
    waited out a failure's backoff (16 minutes and more), failing in `status`."""
    import sqlite3
    from datetime import UTC, datetime, timedelta

    write_seed_feed(tmp_path)
    (tmp_path / "stocks.txt").write_text("贵州茅台,600519\n", encoding="utf-8")
    config = write_config(tmp_path, FEEDS, tags={"dictionary": "stocks.txt"})
    assert "1 ok" in cli("run", "-c", str(config)).stdout
    # The run's end, as the race leaves it (its files were read whole since).
    later = (datetime.now(UTC) + timedelta(minutes=16)).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        db.execute(
            "UPDATE feeds SET error_streak = 1, next_attempt_at = ?, last_error = ?",
            (later, f"tags: {tmp_path / 'stocks.txt'} changed since the config was read"
             " (tried again once the config is read again)"),
        )  # fmt: skip
    again = cli("run", "--due", "-c", str(config))
    assert "feeds: 1 ok" in again.stdout or "1 unchanged" in again.stdout, again.stdout
    assert "not due" not in again.stdout
    assert "changed since" not in cli("status", "-c", str(config)).stdout


def tags_by_title(site: Path) -> dict[str, list[str]]:
    """Each post's tags as Hexo reads them (YAML), by title."""
    found = {}
    for text in posts(site).values():
        front = yaml.safe_load(text.split("---\n")[1])
        found[front["title"]] = front.get("tags", [])
    return found


def test_stock_tags_as_outlets_write_them(tmp_path: Path) -> None:
    quote = "http://quote.eastmoney.com/sh600519.html"
    items = [
        # Xueqiu's own markup: a cashtag linked to the quote page.
        Item(
            "雪球：白酒怎么看",
            html='<p>看好 <a href="https://xueqiu.com/S/SH600519">$贵州茅台(SH600519)$</a> 和 '
            '<a href="https://xueqiu.com/S/SZ300750">$宁德时代(SZ300750)$</a></p>',
            guid="xq",
        ),
        # A link to the quote page before the one that names the stock.
        Item(
            "白酒板块午后拉升",
            html=f'<p>白酒板块午后拉升（<a href="{quote}">查看行情</a>），'
            f'<a href="{quote}">贵州茅台</a>涨3%。</p>',
            guid="em",
        ),
        # Dictionary names inside longer words, in a byline, as ordinary words.
        Item(
            "中国银行业净息差持续收窄",
            html="<p>东方财富网讯：工业机器人产量增长，中国银行业协会发布报告。</p>",
            guid="bank",
        ),
        Item("东方财富：2023年净利润增长", html="<p>中国银行业绩快报</p>", guid="em2"),
    ]
    (tmp_path / "stcn.xml").write_bytes(rss("证券时报网 - 要闻", items))
    (tmp_path / "stocks.txt").write_text(
        "中国银行,601988\n东方财富,300059\n机器人,300024\n", encoding="utf-8"
    )
    config = write_config(tmp_path, FEEDS, tags={"dictionary": "stocks.txt"})
    assert cli("run", "-c", str(config)).code == 0
    assert tags_by_title(tmp_path) == {
        "雪球：白酒怎么看": ["贵州茅台(600519)", "宁德时代(300750)"],
        "白酒板块午后拉升": ["贵州茅台(600519)"],
        "中国银行业净息差持续收窄": [],
        "东方财富：2023年净利润增长": ["东方财富(300059)", "中国银行(601988)"],
    }


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({"stock_format": "{name}/{code}"}, "'/' cannot be part of a Hexo tag"),
        ({"stock_format": "{ticker}"}, "unknown placeholder {ticker}"),
        ({"keywords": -1}, "tags.keywords: must be 0"),
        ({"dictionary": "missing.txt"}, "tags.dictionary: cannot read missing.txt"),
        ({"dictionary": "bad.txt"}, "bad.txt:2: 'SH000001' is not an A-share stock code"),
        # (Not "cannot read : Is a directory": the config's own folder.)
        ({"dictionary": ""}, "tags.dictionary: must not be empty"),
        ({"stopwords": " "}, "tags.stopwords: must not be empty"),
    ],
)
def test_bad_tag_settings_stop_before_anything_is_fetched(
    tmp_path: Path, tags: dict[str, object], message: str
) -> None:
    (tmp_path / "bad.txt").write_text("茅台,600519\n上证指数,SH000001\n", encoding="utf-8")
    write_seed_feed(tmp_path)
    result = cli("run", "-c", str(write_config(tmp_path, FEEDS, tags=tags)))
    assert result.code == 2
    assert message in result.stderr
    assert not (tmp_path / "source").exists()


@pytest.mark.hexo
@pytest.mark.slow
def test_hexo_makes_a_tag_page_per_stock(tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert cli("init", str(site)).code == 0
    write_seed_feed(site)
    cli("run", "-c", str(write_config(site, FEEDS, tags=True)))
    result = hexo.generate(site)
    assert result.returncode == 0, result.stderr
    tag_pages = {
        unquote(p.parent.relative_to(site / "public").as_posix())
        for p in (site / "public" / "tags").rglob("index.html")
    }
    assert tag_pages == {"tags/机器人-300024", "tags/国际医学-000516", "tags/线上线下-300959"}
    (page,) = hexo.post_pages(site).values()
    links = hexo.links_under(page.parent)
    assert "/tags/机器人-300024/" in links


@pytest.mark.hexo
@pytest.mark.slow
def test_hexo_gives_keywords_that_differ_in_symbols_their_own_pages(tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert cli("init", str(site)).code == 0
    items = [
        Item("C#与.NET 8新特性解读", html="<p>C#是微软推出的语言。C#开发者。</p>", guid="cs"),
        Item("C++20协程入门", html="<p>C++20引入了协程，C++开发者应当学习。</p>", guid="cpp"),
    ]
    (site / "stcn.xml").write_bytes(rss("掘金 后端", items))
    tags = {"keywords": 1, "method": "textrank"}
    cli("run", "-c", str(write_config(site, FEEDS, tags=tags)))
    assert sorted(tags_by_title(site).values()) == [["C＃"], ["C＋＋"]]
    result = hexo.generate(site)
    assert result.returncode == 0, result.stderr
    # Each tag's page lists its own post (landscape's archive list); with
    # C# and C++ written as such, both would be tags/C/, listing one of them.
    listed = {
        unquote(page.parent.name): re.findall(
            r'class="archive-article-title"[^>]*>([^<]+)<', page.read_text()
        )
        for page in (site / "public" / "tags").glob("*/index.html")
    }
    assert listed == {"C＃": ["C#与.NET 8新特性解读"], "C＋＋": ["C++20协程入门"]}


def _jwt() -> str:
    import base64
    import json

    claims = {"sub": "1234567890", "name": "John Doe", "email": "john.doe@example.com",
              "roles": ["admin", "editor", "viewer"], "iat": 1516239022, "exp": 1516242622,
              "iss": "https://auth.example.com", "aud": "api.example.com", "scope": "read"}  # fmt: skip
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{payload}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQ"


@pytest.mark.hexo
@pytest.mark.slow
def test_a_token_quoted_in_an_article_is_no_tag_hexo_cannot_make(tmp_path: Path) -> None:
    """jieba keeps a JWT whole (`.`, `-`, `_` do not split it): quoted twice
    in a 掘金 post it was its top keyword, a tag of ~400 bytes, and Hexo's
    `mkdir public/tags/eyJ…` (ENAMETOOLONG) stopped the whole site's build."""
    site = tmp_path / "site"
    assert cli("init", str(site)).code == 0
    token = _jwt()
    body = f"<p>请求头示例：Authorization: Bearer {token}</p><p>服务端校验 {token} 的签名。</p>"
    (site / "juejin.xml").write_bytes(rss("掘金 前端", [Item("JWT 鉴权入门", html=body, guid="j")]))
    config = write_config(site, [{"url": "juejin.xml", "group": "技术", "source": "掘金"}],
                          tags={"keywords": 3})  # fmt: skip
    assert cli("run", "-c", str(config)).code == 0
    tags = front_tags(only_post(site))
    assert tags and all(len(tag) <= 32 for tag in tags), tags
    result = hexo.generate(site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(hexo.post_pages(site)) == 1
