"""`feedmill search` on the demo site: what a user types, what they get."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import pytest
from sqlalchemy import text as sql

from feedmill.search.tokens import IndexTokens
from feedmill.store import search as search_store
from feedmill.store.database import open_database
from feedmill.store.search import TokenizedDoc

from support.feeds import Item, rss
from support.site import cli, write_config


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("search") / "demo"
    assert cli("demo", str(site)).code == 0
    return site / "feedmill.yml"


def search(config: Path, *args: str) -> list[dict[str, object]]:
    result = cli("search", *args, "-c", str(config), "--json")
    assert result.code == 0, result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_chinese_words_are_found_inside_run_on_sentences(demo: Path) -> None:
    rows = search(demo, "逆回购")
    assert [r["title"] for r in rows] == ["央行开展300亿元逆回购操作", "央行开展100亿元逆回购操作"]
    assert all("<mark>逆回购</mark>" in str(r["snippet"]) for r in rows)
    assert rows[0]["source"] == "金色财经"
    assert rows[0]["title_html"] == "央行开展300亿元<mark>逆回购</mark>操作"


def test_every_word_must_match(demo: Path) -> None:
    assert [r["title"] for r in search(demo, "逆回购 300亿元")] == ["央行开展300亿元逆回购操作"]
    assert search(demo, "逆回购 比特币") == []


def test_a_phrase_is_found_inside_a_longer_word(demo: Path) -> None:
    # Both LPR stories say it, in "经中国人民银行授权" and "中国人民银行授权全国…".
    rows = search(demo, "人民银行授权", "--all")
    assert {r["source"] for r in rows} == {"证券时报网", "东方财富网"}
    assert all("中国<mark>人民银行授权</mark>" in str(r["snippet"]) for r in rows)


def test_filters_by_group_source_and_date(demo: Path) -> None:
    assert search(demo, "逆回购", "--group", "科技") == []
    assert len(search(demo, "逆回购", "--source", "金色财经")) == 2
    # A name pasted with what shows nothing in it (the config's is read so).
    assert len(search(demo, "逆回购", "--source", "金色财经\u200b")) == 2
    assert [r["title"] for r in search(demo, "逆回购", "--since", "2022-09-21")] == [
        "央行开展300亿元逆回购操作"
    ]
    # --until names the last day: that day is in.
    assert [r["title"] for r in search(demo, "逆回购", "--until", "2022-09-20")] == [
        "央行开展100亿元逆回购操作"
    ]
    one_day = ("--since", "2022-09-21", "--until", "2022-09-21")
    assert [r["title"] for r in search(demo, "逆回购", *one_day)] == ["央行开展300亿元逆回购操作"]
    # A time is in through its last unit written, as a day is: the item shown
    # as 2022-09-21 10:20 is found with --until 2022-09-21T10:20 (it was not).
    assert search(demo, "逆回购", "--until", "2022-09-20T00:00") == []
    assert len(search(demo, "逆回购", "--until", "2022-09-21T10:20")) == 2
    one_minute = ("--since", "2022-09-21T10:20", "--until", "2022-09-21T10:20")
    assert [r["title"] for r in search(demo, "逆回购", *one_minute)] == [
        "央行开展300亿元逆回购操作"
    ]
    assert len(search(demo, "逆回购", "--until", "2022-09-21T10")) == 2
    assert len(search(demo, "逆回购", "--until", "2022-09-21T10:19:59")) == 1
    assert len(search(demo, "逆回购", "--until", "2022-09-21T02:19:59.5+00:00")) == 1
    # A week is in through its Sunday (it was through its Monday); a week's day that day.
    for week in ("2022-W38", "2022W38"):
        assert len(search(demo, "逆回购", "--since", week, "--until", week)) == 2
    assert len(search(demo, "逆回购", "--until", "2022-W38-2")) == 1


def test_a_group_or_source_is_found_in_another_width_or_case(tmp_path: Path) -> None:
    """The config reads ``ＩＴ之家`` and ``IT之家`` as one name (one category
    page): so does `--source`, and `--group` in any case.  A name the config
    has as it was typed is that name alone; another name of the same page
    (`C#` for `C++`) is none."""
    feeds = []
    for index, (group, source) in enumerate(
        [("Tech News", "ＩＴ之家"), ("Tech", "少数派"), ("tech", "爱范儿"), ("掘金", "C++")]
    ):
        item = Item(f"华为发布新机{index}", guid=str(index), html="<p>华为发布新机。</p>")
        (tmp_path / f"{index}.xml").write_bytes(rss(source, [item]))
        feeds.append({"url": f"{index}.xml", "group": group, "source": source})
    config = write_config(tmp_path, feeds, dedupe=False)
    assert cli("run", "-c", str(config)).code == 0

    def sources(*args: str) -> set[object]:
        return {r["source"] for r in search(config, "华为", *args)}

    assert sources("--source", "IT之家") == {"ＩＴ之家"}
    assert sources("--group", "tech news") == sources("--group", "TECH NEWS") == {"ＩＴ之家"}
    assert sources("--source", "c++") == {"C++"}
    assert cli("search", "华为", "--source", "C#", "-c", str(config)).code == 2
    assert sources("--group", "tech") == {"爱范儿"}  # the config's own `tech`
    assert sources("--group", "TECH") == {"少数派", "爱范儿"}
    result = cli("search", "华为", "--source", "IT之家X", "-c", str(config))
    assert result.code == 2 and "no feed in the config has that group / source" in result.stderr


def test_a_feed_written_another_way_keeps_its_group_and_source(tmp_path: Path) -> None:
    """A feed's URL written another way (``./`` before a path, a host in
    capitals) or moved with ``moved_from`` is the same feed, as `status`
    shows it: its items keep their group and source, before the next run."""
    site = tmp_path / "demo"
    assert cli("demo", str(site)).code == 0
    config = site / "feedmill.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("url: feeds/jinse-lives.xml", "url: ./feeds/jinse-lives.xml"),
        encoding="utf-8",
    )
    rows = search(config, "逆回购")
    assert [(r["group"], r["source"]) for r in rows] == [("金融", "金色财经")] * 2
    assert len(search(config, "逆回购", "--source", "金色财经")) == 2


def test_the_posts_of_a_removed_feed_are_found_by_their_group_and_source(
    tmp_path: Path,
) -> None:
    """A feed removed from the config leaves its posts on the site, filed
    under its group and source: `--source`/`--group` found none of them, and
    a hit was "(a feed no longer configured)", null in JSON.  Its source may
    be another configured feed's (新浪财经) or none's any more (金色财经); a
    post of it deleted by hand tells nothing, another does."""
    site = tmp_path / "demo"
    assert cli("demo", str(site)).code == 0
    config = site / "feedmill.yml"
    text = config.read_text(encoding="utf-8")
    for url in ("feeds/sina-gbk.xml", "feeds/jinse-lives.xml"):
        start = text.index(f"- url: {url}")
        text = text[:start] + text[text.index("\n- url:", start) + 1 :]
    config.write_text(text, encoding="utf-8")
    assert cli("run", "-c", str(config)).code == 0
    (deleted,) = (site / "source" / "_posts").glob("*300亿元逆回购*.md")
    deleted.unlink()
    for asked in (("-s", "新浪财经"), ("-g", "金融"), ()):
        rows = search(config, "沪指震荡整理", *asked)
        assert [(r["group"], r["source"]) for r in rows] == [("金融", "新浪财经")], asked
    rows = search(config, "逆回购", "--source", "金色财经")
    assert sorted((r["source"], r["title"]) for r in rows) == [
        ("金色财经", "央行开展100亿元逆回购操作"),
        ("金色财经", "央行开展300亿元逆回购操作"),
    ]
    assert search(config, "沪指震荡整理", "-s", "证券时报网") == []
    shown = cli("search", "沪指震荡整理", "-c", str(config)).stdout
    assert "金融 / 新浪财经 (a feed no longer configured)" in shown


def test_copies_held_back_are_found_with_all(demo: Path) -> None:
    published = search(demo, "LPR")
    everything = search(demo, "LPR", "--all")
    # One post for the story; which copy came first within one pass is a race.
    assert len(published) == 1 and published[0]["source"] in {"证券时报网", "东方财富网"}
    assert {r["source"] for r in everything} == {"证券时报网", "东方财富网"}
    # Each says whether, and why, it is not on the site.
    (post,) = [r for r in everything if r["held_back"] is None]
    (copy,) = [r for r in everything if r["held_back"] is not None]
    held = copy["held_back"]
    assert isinstance(held, dict) and held["as"] == "duplicate"
    assert str(held["reason"]).startswith("similarity ")
    assert held["original"] == {"title": post["title"], "link": post["link"]}
    shown = cli("search", "LPR", "--all", "-c", str(demo)).stdout
    assert f"held back: duplicate of “{post['title']}” ({held['reason']})" in shown


def test_a_post_deleted_by_hand_is_found_and_said_to_be_gone(tmp_path: Path) -> None:
    """Found as if it were on the site, where `status` no longer counts it."""
    site = tmp_path / "demo"
    assert cli("demo", str(site)).code == 0
    config = site / "feedmill.yml"
    (gone,) = (site / "source" / "_posts").glob("*300亿元逆回购*.md")
    gone.unlink()
    rows = {str(r["title"]): r["held_back"] for r in search(config, "逆回购")}
    assert rows == {
        "央行开展300亿元逆回购操作": {
            "as": "deleted",
            "reason": "its post was deleted by hand",
            "original": None,
        },
        "央行开展100亿元逆回购操作": None,
    }
    shown = cli("search", "逆回购", "-c", str(config)).stdout
    assert shown.count("not on the site: its post was deleted by hand") == 1
    # A pass leaves it deleted, and so does the search.
    assert cli("run", "-c", str(config)).code == 0 and not gone.exists()
    assert search(config, "300亿元")[0]["held_back"] is not None


def test_query_syntax_in_user_input_is_harmless(demo: Path) -> None:
    for text in ('"LPR', "LPR*", "LPR OR", "NEAR(LPR", "^LPR", "title:LPR"):
        result = cli("search", text, "-c", str(demo), "--json")
        assert result.code == 0, (text, result.stderr)
    # Nothing to find (only punctuation, only exclusions) is said, not "nothing found".
    # `*`, `:` and emoji are no words: left out, as the README says.
    assert search(demo, "LPR*") == search(demo, "LPR") == search(demo, "LPR", ":", "🚀")
    for text in ("(", "-", "，", '""', "-央行", "*", "🚀"):
        result = cli("search", "-c", str(demo), "--json", "--", text)
        assert result.code == 2 and "nothing to find: give a word to find" in result.stderr
    # A word no index holds (a hash) finds nothing, as the README says: no usage error.
    for args in (["逆回购", "f" * 80], ["--json", "f" * 80]):
        result = cli("search", "-c", str(demo), *args)
        assert result.code == 0, result.stderr
        assert "a word of over 64 characters" in result.stderr or result.stdout == "[]\n"


def test_the_terminal_output_and_nothing_found(demo: Path) -> None:
    result = cli("search", "逆回购", "-c", str(demo))
    assert result.code == 0
    assert "央行开展300亿元逆回购操作" in result.stdout
    assert "金融 / 金色财经 · https://www.jinse.cn/lives/" in result.stdout
    missing = cli("search", "量子纠缠", "-c", str(demo))
    assert (missing.code, missing.stdout) == (0, "")  # no error: exit 0, as with --json
    assert "nothing found" in missing.stderr
    # A query that begins with an exclusion is no option.
    excluding = cli("search", "-央行 逆回购", "-c", str(demo), "--json")
    assert excluding.code == 0 and excluding.stdout.strip() == "[]", excluding.stderr
    assert "央行" not in cli("search", "-央行 金色财经", "-c", str(demo)).stdout
    # After "--", any query.
    gold = cli("search", "-c", str(demo), "--json", "--", "-gold 逆回购")
    assert gold.code == 0 and len(json.loads(gold.stdout)) == 2, gold.stderr
    assert cli("search", "x", "-c", str(demo), "--since", "yesterday").code == 2


def test_words_need_no_quotes(demo: Path) -> None:
    """`feedmill search 央行 逆回购` is the query "央行 逆回购" (click refused the
    second word), an exclusion among them too."""
    quoted = cli("search", "央行 逆回购", "-c", str(demo), "--json")
    unquoted = cli("search", "央行", "逆回购", "-c", str(demo), "--json")
    assert unquoted.code == 0 and unquoted.stdout == quoted.stdout
    assert len(json.loads(unquoted.stdout)) == 2
    excluding = cli("search", "逆回购", "-央行", "-c", str(demo), "--json")
    assert excluding.code == 0 and json.loads(excluding.stdout) == [], excluding.stderr


def test_a_query_of_too_many_terms_is_refused(demo: Path) -> None:
    """~2,500 terms overflowed PostgreSQL's stack (a traceback after seconds)."""
    words = [f"w{n}" for n in range(101)]
    result = cli("search", *words, "-c", str(demo))
    assert result.code == 2
    assert "101 terms: a query has at most 100 (words, or phrases in quotes)" in result.stderr
    assert cli("search", *words[:100], "-c", str(demo)).code == 0
    # One run-together term of 40,000 characters: a phrase of 20,000 words.
    long = cli("search", "央行" * 20000, "-c", str(demo))
    assert long.code == 2 and "the query is 40000 characters long: at most 2000" in long.stderr
    assert cli("search", "央行" * 1000, "-c", str(demo)).code == 0


def _flashes(folder: Path, *titles: str) -> None:
    """金色财经's feed of 快讯 ``titles``, in ``folder``."""
    items = [Item(title=t, html=f"<p>{t}，详情如下。</p>", guid=t) for t in titles]
    (folder / "jin.xml").write_bytes(rss("金色财经 - 快讯", items))


def _rewritten(config: Path, title: str, html: str, *, first: bool = True) -> None:
    """金色财经's 快讯 of 100亿元 rewritten as ``title`` and ``html`` (its guid
    kept), beside the one of 200亿元 as it was (after it unless ``first``); run."""
    guid, other = "央行开展100亿元逆回购操作", "央行开展200亿元逆回购操作"
    items = [
        Item(title=title, html=html, guid=guid),
        Item(title=other, html=f"<p>{other}，详情如下。</p>", guid=other),
    ]
    (config.parent / "jin.xml").write_bytes(rss("金色财经 - 快讯", items if first else items[::-1]))
    assert "1 updated" in cli("run", "-c", str(config)).stdout


def _unindexed_site(folder: Path, *titles: str) -> Path:
    """A site with `search: false`, run once over 快讯 ``titles``: its config."""
    _flashes(folder, *titles)
    spec = [{"url": "jin.xml", "group": "区块链", "source": "金色财经"}]
    config = write_config(folder, spec, search=False)
    assert cli("run", "-c", str(config)).code == 0
    return config


def test_search_off_leaves_indexing_to_the_next_search(tmp_path: Path) -> None:
    """`search: false`: runs index nothing; a search indexes what runs stored
    since the last one, and that alone."""

    def feed(*titles: str) -> None:
        _flashes(tmp_path, *titles)

    config = _unindexed_site(tmp_path, "央行开展100亿元逆回购操作")

    def indexed() -> int:
        engine = open_database(f"sqlite:///{tmp_path / '.feedmill' / 'state.db'}")
        with engine.connect() as conn:
            count = conn.execute(sql("SELECT count(*) FROM search_index_tokens")).scalar_one()
        engine.dispose()
        return int(count)

    assert indexed() == 0
    # A bad date or an empty query is said before the index is built (long, on a big site).
    for wrong in (("逆回购", "--since", "garbage"), ("  ",)):
        refused = cli("search", *wrong, "-c", str(config))
        assert refused.code == 2 and "building" not in refused.stderr
    assert indexed() == 0
    result = cli("search", "逆回购", "-c", str(config))
    # (Nothing indexed yet: the index is built.)
    assert result.code == 0 and "building the search index (once)" in result.stderr
    assert "央行开展100亿元逆回购操作" in result.stdout
    assert indexed() == 1
    # A run that stores nothing new leaves the index as it is.
    (tmp_path / "jin.xml").touch()
    assert cli("run", "-c", str(config)).code == 0
    assert "indexing" not in cli("search", "逆回购", "-c", str(config)).stderr
    # One that stores two items has the next search index those two, not all.
    feed("央行开展100亿元逆回购操作", "比特币突破10万美元", "以太坊升级完成")
    assert cli("run", "-c", str(config)).code == 0
    result = cli("search", "比特币", "-c", str(config))
    assert "indexing 2 items stored since the last search" in result.stderr
    assert "building" not in result.stderr
    assert "比特币突破10万美元" in result.stdout
    assert indexed() == 3
    # An item the feed edits is indexed again, by its new text.
    feed("央行开展300亿元逆回购操作", "比特币突破10万美元", "以太坊升级完成")
    assert cli("run", "-c", str(config)).code == 0
    result = cli("search", "300亿元", "-c", str(config))
    assert "indexing 1 item" in result.stderr and "300亿元逆回购" in result.stdout
    assert "nothing found" in cli("search", "100亿元", "-c", str(config)).stderr


def test_a_search_while_a_pass_holds_the_write_lock_finds_what_is_indexed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`search: false`: items a pass stored wait to be indexed; a search that
    cannot take the write lock finds the others, and says so."""
    import sqlite3

    from feedmill.store import database

    def feed(*titles: str) -> None:
        _flashes(tmp_path, *titles)

    config = _unindexed_site(tmp_path, "央行开展100亿元逆回购操作")
    assert "逆回购" in cli("search", "逆回购", "-c", str(config)).stdout
    feed("央行开展100亿元逆回购操作", "央行开展200亿元逆回购操作")
    assert cli("run", "-c", str(config)).code == 0
    monkeypatch.setattr(database, "LOCK_TIMEOUT", 0.2)  # this process's; 30 s otherwise
    writer = sqlite3.connect(tmp_path / ".feedmill" / "state.db", timeout=0)
    writer.execute("BEGIN IMMEDIATE")  # what a pass storing a feed's items holds
    try:
        result = cli("search", "逆回购", "-c", str(config))
    finally:
        writer.rollback()
        writer.close()
    assert result.code == 75  # found what is indexed; ask again for the rest
    assert "busy" in result.stderr
    assert "1 item not indexed yet, not searched this time: database is locked" in result.stderr
    assert "100亿元" in result.stdout and "200亿元" not in result.stdout
    result = cli("search", "逆回购", "-c", str(config))
    assert "indexing 1 item" in result.stderr and "200亿元" in result.stdout
    # An item rewritten since it was indexed is no hit under words it no
    # longer has (it was, counted "not searched" the while), nor under new ones.
    _rewritten(config, "美联储宣布加息75个基点", "<p>美联储宣布加息75个基点。</p>")
    writer = sqlite3.connect(tmp_path / ".feedmill" / "state.db", timeout=0)
    writer.execute("BEGIN IMMEDIATE")
    try:
        stale = cli("search", "100亿元", "-c", str(config))
        new = cli("search", "美联储", "-c", str(config))
        # A page of one is filled by the next hit, not left empty.
        page = cli("search", "逆回购", "-n", "1", "-c", str(config))
    finally:
        writer.rollback()
        writer.close()
    assert stale.code == 75 and "1 item not indexed yet" in stale.stderr
    assert "美联储" not in stale.stdout and "nothing found" in stale.stdout + stale.stderr
    assert new.code == 75 and "美联储" not in new.stdout
    assert page.code == 75 and "200亿元" in page.stdout
    assert "美联储宣布加息" in cli("search", "美联储", "-c", str(config)).stdout


def test_an_item_waiting_to_be_indexed_again_is_judged_by_its_words_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its exclusions too (it was listed under `-加息` with 加息 in its
    snippet), and a page it is dropped from is filled from the next hits."""
    import sqlite3

    from feedmill.store import database

    # (Stored second, the first ranked of two alike.)
    config = _unindexed_site(tmp_path, "央行开展200亿元逆回购操作", "央行开展100亿元逆回购操作")
    assert "逆回购" in cli("search", "逆回购", "-c", str(config)).stdout
    said = "<p>央行开展100亿元逆回购操作，同时宣布加息。</p>"
    _rewritten(config, "央行开展100亿元逆回购操作", said, first=False)
    monkeypatch.setattr(database, "LOCK_TIMEOUT", 0.2)
    writer = sqlite3.connect(tmp_path / ".feedmill" / "state.db", timeout=0)
    writer.execute("BEGIN IMMEDIATE")
    try:
        result = cli("search", "逆回购 -加息", "-n", "1", "-c", str(config))
    finally:
        writer.rollback()
        writer.close()
    assert result.code == 75 and "1 item not indexed yet" in result.stderr
    assert "200亿元" in result.stdout and "100亿元" not in result.stdout


def _indexed_by_an_older_scheme(
    tmp_path: Path, item: Item, scheme: int, title: IndexTokens, body: IndexTokens
) -> Path:
    """A site of ``item``, its index holding ``title`` and ``body`` for it as
    an index of ``scheme`` did: its config."""
    (tmp_path / "a.xml").write_bytes(rss("t", [item]))
    config = write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    engine = open_database(f"sqlite:///{tmp_path / '.feedmill' / 'state.db'}")
    with engine.begin() as conn:
        entry_id = conn.execute(sql("SELECT id FROM entries")).scalar_one()
        search_store.index(conn, [TokenizedDoc(entry_id, title, body)])
        older = f"{scheme}+rjieba-{version('rjieba')}"
        conn.execute(sql("UPDATE meta SET value = :v WHERE name = 'search_index'"), {"v": older})
    engine.dispose()
    return config


def test_an_index_built_by_an_older_tokenizer_is_rebuilt_once(tmp_path: Path) -> None:
    item = Item(title="上海证券交易所发布公告", html="<p>正文</p>", guid="1")
    # The index as scheme 1 left it: whole words, where no phrase lines up.
    old = IndexTokens("上海证券交易所 发布公告", "上海 证券 交易 交易所 发布 公告")
    config = _indexed_by_an_older_scheme(tmp_path, item, 1, old, IndexTokens("正文", ""))
    result = cli("search", "证券交易所", "-c", str(config))
    assert "building the search index" in result.stderr
    assert "上海证券交易所发布公告" in result.stdout
    again = cli("search", "证券交易所", "-c", str(config))
    assert "building" not in again.stderr and "上海证券交易所发布公告" in again.stdout


def test_an_index_an_upgrade_emptied_is_built_not_said_to_be_new_items(tmp_path: Path) -> None:
    """A migration that indexes text differently empties the index and lists
    every entry as waiting (`start_over`): the first search said "indexing N
    items stored since the last search", of items stored long before."""
    (tmp_path / "a.xml").write_bytes(rss("t", [Item(title="央行降准", html="<p>正文</p>")]))
    config = write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    engine = open_database(f"sqlite:///{tmp_path / '.feedmill' / 'state.db'}")
    with engine.begin() as conn:
        search_store.start_over(conn)  # as migration 0014 does
    engine.dispose()
    # A run (the daemon's) indexes a new item before the first search.
    (tmp_path / "a.xml").write_bytes(
        rss("t", [Item(title="央行降准", html="<p>正文</p>"), Item(title="新股申购", guid="2")])
    )
    assert cli("run", "-c", str(config)).code == 0
    result = cli("search", "降准", "-c", str(config))
    assert "building the search index (once)" in result.stderr
    assert "stored since the last search" not in result.stderr
    assert "央行降准" in result.stdout
    again = cli("search", "降准", "-c", str(config))
    assert "building" not in again.stderr and "indexing" not in again.stderr


def test_an_older_index_that_a_pass_keeps_from_rebuilding_still_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass holding the write lock past the timeout: the search printed
    nothing at all and exited 75; it answers from the index as it is, as a
    catch-up that cannot write does, and the next search rebuilds it."""
    import sqlite3

    from feedmill.search.tokens import index_tokens
    from feedmill.store import database

    item = Item(title="央行降准", html="<p>正文</p>", guid="1")
    # (An older scheme read these words as this one does.)
    title, body = index_tokens("央行降准"), index_tokens("正文")
    config = _indexed_by_an_older_scheme(tmp_path, item, 7, title, body)
    monkeypatch.setattr(database, "LOCK_TIMEOUT", 0.2)  # this process's; 30 s otherwise
    writer = sqlite3.connect(tmp_path / ".feedmill" / "state.db", timeout=0)
    writer.execute("BEGIN IMMEDIATE")
    try:
        result = cli("search", "降准", "-c", str(config))
    finally:
        writer.rollback()
        writer.close()
    assert result.code == 75
    assert "cannot build the search index now: database is locked; answering from the index" in (
        result.stderr
    )
    assert "央行降准" in result.stdout
    again = cli("search", "降准", "-c", str(config))
    assert again.code == 0 and "building the search index" in again.stderr
    assert "央行降准" in again.stdout


def test_an_index_of_scheme_3_is_rebuilt_from_the_text_stored(tmp_path: Path) -> None:
    """Scheme 3 indexed a `fulltext` item re-keyed while its page failed by the
    feed's teaser, its post keeping the article: such an index is built again."""
    item = Item(title="银行下调存款利率", html="<p>净息差持续承压。</p>", guid="1")
    teaser = IndexTokens("摘要", "")
    config = _indexed_by_an_older_scheme(tmp_path, item, 3, IndexTokens("银行", ""), teaser)
    result = cli("search", "净息差", "-c", str(config))
    assert "building the search index" in result.stderr
    assert "银行下调存款利率" in result.stdout


def test_an_older_index_in_a_database_that_takes_no_writes_says_why(tmp_path: Path) -> None:
    """A read-only file whose index an older feedmill built: the index cannot
    be built from here — said as such, not as a failure of the file."""
    item = Item(title="央行降准", html="<p>正文</p>", guid="1")
    _indexed_by_an_older_scheme(
        tmp_path, item, 1, IndexTokens("央行 降准", ""), IndexTokens("", "")
    )
    database = tmp_path / ".feedmill" / "state.db"
    read_only = f"sqlite:///file:{database}?mode=ro&uri=true"
    config = write_config(
        tmp_path, [{"url": "a.xml", "group": "g", "source": "s"}], state=read_only
    )
    result = cli("search", "央行", "-c", str(config))
    assert result.code == 1
    assert "the search index is an older feedmill's and must be built again" in result.stderr
    assert "a `feedmill search` that may write it builds it once" in result.stderr
    assert "Traceback" not in result.stderr


def test_status_and_search_answer_while_a_pass_holds_the_write_lock(demo: Path) -> None:
    import sqlite3

    database = demo.parent / ".feedmill" / "state.db"
    writer = sqlite3.connect(database, timeout=0)
    writer.execute("BEGIN IMMEDIATE")  # what a pass storing a feed's items holds
    try:
        status = cli("status", "-c", str(demo), "--json")
        assert status.code == 0 and all(row["ok"] for row in json.loads(status.stdout))
        assert search(demo, "逆回购")
    finally:
        writer.rollback()
        writer.close()


def test_control_characters_in_an_item_print_as_text(tmp_path: Path) -> None:
    # U+0001 once marked the end of a match: it broke the terminal markup.
    # U+202E (right-to-left override) showed the rest of its line reversed.
    body = "<p>央行宣布降准&#1;，释放长期资金[/b]约1万亿元。</p>"
    title = "降准\u202e公告"
    (tmp_path / "a.xml").write_bytes(rss("t", [Item(title=title, html=body, guid="1")]))
    config = write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    result = cli("search", "降准", "-c", str(config))
    assert result.code == 0, result.stderr
    assert "释放长期资金[/b]约1万亿元" in result.stdout
    assert "\u202e" not in result.stdout and "\ufffd公告" in result.stdout


def test_a_link_no_browser_reads_as_a_page_is_not_shown(tmp_path: Path) -> None:
    """The post shows no ``javascript:`` link; search printed it, and gave it
    in --json beside HTML a page of results would be built of."""
    items = [
        Item(title="降准公告", guid="1", link="javascript:alert(1)"),
        Item(title="降准解读", guid="2", link="https://news.example/2"),
    ]
    (tmp_path / "a.xml").write_bytes(rss("t", items))
    config = write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    assert {r["title"]: r["link"] for r in search(config, "降准")} == {
        "降准公告": None,
        "降准解读": "https://news.example/2",
    }
    printed = cli("search", "降准", "-c", str(config)).stdout
    assert "javascript" not in printed and "https://news.example/2" in printed


def test_a_huge_title_is_cut_on_the_terminal_and_whole_in_json(tmp_path: Path) -> None:
    """A feed's 10,000-character title printed whole filled the terminal;
    a line shows its first 200 characters (a match among them marked)."""
    title = "降准" + "长" * 10_000
    (tmp_path / "a.xml").write_bytes(rss("t", [Item(title=title, html="<p>降准</p>", guid="1")]))
    config = write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    result = cli("search", "降准", "-c", str(config))
    assert result.code == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first == "降准" + "长" * 198 + "…"
    assert len(result.stdout) < 1000
    assert search(config, "降准")[0]["title"] == title


def test_a_title_is_cut_between_characters_not_inside_one(tmp_path: Path) -> None:
    """A family emoji is seven code points: cut after its first person, the
    line showed another emoji."""
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
    title = "降准" + "长" * 194 + family + "长" * 100
    (tmp_path / "a.xml").write_bytes(rss("t", [Item(title=title, html="<p>降准</p>", guid="1")]))
    config = write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    result = cli("search", "降准", "-c", str(config))
    assert result.stdout.splitlines()[0] == "降准" + "长" * 194 + "…"


def test_dates_are_the_sites_days(tmp_path: Path) -> None:
    # 07:30 in Shanghai on the 21st is the 20th in UTC: the site shows the 21st.
    item = Item(
        title="降准",
        html="<p>央行宣布降准。</p>",
        guid="1",
        pub_date="Wed, 21 Sep 2022 07:30:00 +0800",
    )
    (tmp_path / "a.xml").write_bytes(rss("t", [item]))
    config = write_config(
        tmp_path, [{"url": "a.xml", "group": "g", "source": "s"}], timezone="Asia/Shanghai"
    )
    assert cli("run", "-c", str(config)).code == 0
    assert len(search(config, "降准", "--since", "2022-09-21")) == 1
    assert search(config, "降准", "--until", "2022-09-20") == []
    assert len(search(config, "降准", "--until", "2022-09-21")) == 1
    assert "2022-09-21 07:30" in cli("search", "降准", "-c", str(config)).stdout


def test_an_item_without_a_title_is_found_under_its_posts_title(tmp_path: Path) -> None:
    body = "<p>【央行开展逆回购】规模1000亿元。</p>"
    (tmp_path / "a.xml").write_bytes(rss("t", [Item(title="", html=body, guid="1")]))
    config = write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    [hit] = search(config, "逆回购")
    assert hit["title"] == "央行开展逆回购"
    assert hit["title_html"] == "央行开展<mark>逆回购</mark>"
    (post,) = (tmp_path / "source" / "_posts").glob("*.md")
    assert "title: '央行开展逆回购'\n" in post.read_text(encoding="utf-8")


def test_a_copy_of_an_untitled_story_names_it_as_its_post_does(tmp_path: Path) -> None:
    text = "国家统计局今日发布数据显示，8月份全国规模以上工业增加值同比增长4.2%，比上月加快0.4个百分点。"
    untitled = {"id": "x1", "url": "https://x.example/1", "content_html": f"<p>{text}</p>",
                "date_published": "2022-09-20T08:00:00Z"}  # fmt: skip
    titled = {**untitled, "id": "y1", "url": "https://y.example/1", "title": "8月工业增加值增长4.2%",
              "date_published": "2022-09-20T09:00:00Z"}  # fmt: skip
    for name, item in (("x.json", untitled), ("y.json", titled)):
        feed = {"version": "https://jsonfeed.org/version/1.1", "title": name, "items": [item]}
        (tmp_path / name).write_text(json.dumps(feed, ensure_ascii=False), encoding="utf-8")
    config = write_config(
        tmp_path,
        [{"url": "x.json", "group": "G", "source": "X"}],
    )
    assert cli("run", "-c", str(config)).code == 0
    config = write_config(
        tmp_path,
        [
            {"url": "x.json", "group": "G", "source": "X"},
            {"url": "y.json", "group": "G", "source": "Y"},
        ],
    )
    assert cli("run", "-c", str(config)).code == 0
    rows = search(config, "工业增加值", "--all")
    (post,) = [r for r in rows if r["held_back"] is None]
    (copy,) = [r for r in rows if r["held_back"] is not None]
    assert post["title"].startswith("国家统计局今日发布数据显示")  # type: ignore[union-attr]
    assert copy["held_back"]["original"]["title"] == post["title"]  # type: ignore[index]
    shown = cli("search", "工业增加值", "--all", "-c", str(config)).stdout
    assert f"held back: duplicate of “{post['title']}”" in shown


def test_a_search_before_the_first_run_makes_no_database(tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"url": "x.xml", "group": "G", "source": "X"}])
    result = cli("search", "央行", "-c", str(config))
    assert result.code == 0 and "nothing is stored yet" in result.stderr
    assert cli("search", "央行", "-c", str(config), "--json").stdout == "[]\n"
    assert not (tmp_path / ".feedmill").exists()


def test_a_search_of_a_database_no_pass_stored_in_says_so(
    tmp_path: Path, postgres_url: str
) -> None:
    """A PostgreSQL database gets its tables from the first look (`status`);
    a SQLite one from a pass whose feeds all failed: nothing stored, all the
    same, not "nothing found" after building an index of nothing."""
    from support.postgres import new_database

    feeds = [{"url": "x.xml", "group": "G", "source": "X"}]
    for state in (new_database(postgres_url), ".feedmill/state.db"):
        config = write_config(tmp_path, feeds, state=state)
        assert cli("run" if state.endswith(".db") else "status", "-c", str(config)).code == 0
        result = cli("search", "央行", "-c", str(config))
        assert result.code == 0, result.stderr
        assert (
            result.stderr
            == "nothing found: nothing is stored yet (`feedmill run` fetches the feeds)\n"
        )
        assert cli("search", "央行", "-c", str(config), "--json").stdout == "[]\n"


def test_bounds_beyond_any_date_are_no_bounds(demo: Path) -> None:
    """`--until 9999-12-31` (its next day) and `--since 0001-01-01` (in UTC)
    cannot be written as dates: a traceback, now no bound; so is `-n` past
    what SQL's LIMIT takes."""
    everything = search(demo, "逆回购")
    assert len(everything) == 2
    assert search(demo, "逆回购", "--until", "9999-12-31") == everything
    assert search(demo, "逆回购", "--since", "0001-01-01") == everything
    # ... and bounds that leave everything out do.
    assert search(demo, "逆回购", "--until", "0001-01-01T05:00") == []
    assert search(demo, "逆回购", "--since", "9999-12-31T23:00-05:00") == []
    assert search(demo, "逆回购", "-n", "99999999999999999999") == everything


def test_scores_keep_their_order_for_a_word_most_items_have(demo: Path) -> None:
    """FTS5 gives a word in more than half the items an IDF of ~1e-6: scores
    rounded to four decimals were all 0.0."""
    scores = [float(r["score"]) for r in search(demo, "的")]  # type: ignore[arg-type]
    assert len(scores) > 2 and all(s > 0 for s in scores)
    assert scores == sorted(scores, reverse=True)


class _PgError(Exception):
    def __init__(self, message: str, sqlstate: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("orig", "busy"),
    [
        (Exception("database is locked"), True),
        (_PgError("canceling statement due to lock timeout", "55P03"), True),
        (_PgError("deadlock detected", "40P01"), True),
        # Not another writer's doing: said as an error (exit 1), not "busy" (75),
        # which a script would retry for ever.
        (Exception("database or disk is full"), False),
        (Exception("disk I/O error"), False),
        (_PgError("string is too long for tsvector", "54000"), False),
    ],
)
def test_only_a_lock_waited_for_makes_building_the_index_busy(orig: Exception, busy: bool) -> None:
    from sqlalchemy.exc import OperationalError

    from feedmill.cli import _waited_for_a_lock

    assert _waited_for_a_lock(OperationalError("INSERT …", {}, orig)) is busy


def test_a_query_in_another_encoding_is_a_usage_error(demo: Path) -> None:
    """央行 typed in a GBK terminal reaches Python as undecodable bytes: it
    said "run feedmill under a UTF-8 locale" (exit 1) under one."""
    import os
    import subprocess
    import sys

    query = "央行".encode("gbk")
    done = subprocess.run(
        [sys.executable, "-m", "feedmill", "search", query, "-c", str(demo)],
        capture_output=True,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert b"not UTF-8 text" in done.stderr


@pytest.mark.parametrize("typo", [["--jsno"], ["--limt", "1"], ["--grop", "金融"]])
def test_a_mistyped_option_is_no_query_word(demo: Path, typo: list[str]) -> None:
    """Unknown options are words (-央行 excludes), so `--jsno` was searched for
    and the command said nothing of the typo (exit 0)."""
    result = cli("search", "央行", *typo, "-c", str(demo))
    assert result.code == 2
    assert "No such option" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        # An exclusion that begins with an option's letter is no option, before
        # or after the options: -conflux is not "-c onflux", -gold not "-g old".
        ["上海", "科技", "-conflux", "-c", "{demo}"],
        ["-c", "{demo}", "上海", "科技", "-conflux"],
        ["-conflux", "上海", "科技", "--config", "{demo}", "-n5"],
        ["上海", "-gold", "科技", "-conflux", "-s", "证券时报网", "-c", "{demo}", "--limit=5"],
        ["-c", "{demo}", "--", "上海", "科技", "-conflux"],
    ],
)
def test_an_exclusion_may_begin_with_an_options_letter_anywhere(
    demo: Path, args: list[str]
) -> None:
    # The one story of 上海 科技 names Conflux: excluded, nothing is found.
    assert "上海科技" in cli("search", "上海", "科技", "-c", str(demo)).stdout
    result = cli("search", "--json", *(a.replace("{demo}", str(demo)) for a in args))
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_search_help_and_an_option_without_its_value(demo: Path) -> None:
    assert "Usage: feedmill search" in cli("search", "-h").stdout
    assert "Usage: feedmill search" in cli("search", "央行", "--help").stdout
    missing = cli("search", "央行", "-c")
    assert missing.code == 2 and "Option '-c' requires an argument" in missing.stderr


@pytest.mark.parametrize("given", ["--json=true", "--all=yes", "--json="])
def test_a_flag_given_a_value_says_it_takes_none(demo: Path, given: str) -> None:
    """It said "No such option '--json'. (Did you mean one of: '--json', …)"."""
    result = cli("search", "央行", given, "-c", str(demo))
    name = given.split("=")[0]
    assert result.code == 2
    assert f"Option '{name}' does not take a value." in result.stderr


def test_an_item_of_a_title_alone_prints_no_empty_snippet_line(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(rss("t", [Item(title="仅有标题的快讯", html="", guid="1")]))
    config = write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    result = cli("search", "快讯", "-c", str(config))
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and "仅有标题的快讯" in lines[0], lines


def test_after_dash_dash_every_word_is_a_query_word(demo: Path) -> None:
    """`--` is the way to search for a word that begins with dashes."""
    result = cli("search", "-c", str(demo), "--json", "--", "--force-ipv6", "逆回购")
    assert result.code == 0, result.stderr  # (a leading "-" excludes: "-force-ipv6")
    assert len(json.loads(result.stdout)) == 2
    found = cli("search", "-c", str(demo), "--json", "--", "逆回购", "-央行")
    assert found.code == 0 and json.loads(found.stdout) == []


def test_search_finds_what_the_post_shows_and_nothing_it_leaves_out(tmp_path: Path) -> None:
    """Text hidden by its publisher (off the page, `hidden`) or in what the
    sanitizer drops (a button's label, an svg's text) was indexed and shown
    in snippets, and it split the sentence the post shows: 存款准备金率 was
    not found."""
    html = (
        '<p>中国人民银行决定下调金融机构存款<span style="position:absolute;left:-9999px">'
        "未经授权不得转载</span>准备金率0.25个百分点。</p><p hidden>相关阅读：比特币暴涨</p>"
        "<button>点击关注</button><svg><text>图表标注</text></svg>"
        '<p>央行<span style="font-size:0">防伪水印甲</span>开展<span style="opacity:0">'
        "防伪水印乙</span>逆回购。</p>"
    )
    (tmp_path / "a.xml").write_bytes(rss("证券时报", [Item("防转载测试", html=html, guid="1")]))
    config = write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    for query in ("存款准备金率", '"下调金融机构存款准备金率"'):
        [row] = search(config, query)
        assert "未经授权" not in str(row["snippet"]) and "比特币" not in str(row["snippet"])
    assert len(search(config, '"央行开展逆回购"')) == 1
    for hidden in ("不得转载", "比特币", "点击关注", "图表标注", "防伪水印甲", "水印乙"):
        assert search(config, hidden) == [], hidden


def test_a_decimal_is_found_whole_and_holds_no_other_number(tmp_path: Path) -> None:
    """1.8 found the 1-8 of 1-8月 (cumulative figures, everywhere in finance
    news): the index had 1.8 as 1 and 8.  A decimal glued to letters (3.5mm,
    Qwen2.5) is found too, and a phrase with one in it."""
    stories = [
        Item("工业利润", html="<p>今年1-8月，全国规模以上工业企业利润下降2.1%。</p>", guid="1"),
        Item("CPI", html="<p>8月CPI同比上涨1.8%，环比持平。</p>", guid="2"),
        Item("利率", html="<p>一年期LPR为2.5%，五年期为3.85%，价格500.5元。</p>", guid="3"),
        Item("手机", html="<p>新机搭载3.5mm耳机孔，内置Qwen2.5模型。</p>", guid="4"),
    ]
    (tmp_path / "a.xml").write_bytes(rss("证券时报", stories))
    config = write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    [cpi] = search(config, "1.8")
    assert cpi["title"] == "CPI" and "<mark>1.8</mark>%" in str(cpi["snippet"])
    assert [r["title"] for r in search(config, "1.8%")] == ["CPI"]
    assert [r["title"] for r in search(config, "3.85%")] == ["利率"]
    assert [r["title"] for r in search(config, "2.1")] == ["工业利润"]
    assert [r["title"] for r in search(config, "1-8月")] == ["工业利润"]
    assert [r["title"] for r in search(config, "LPR为2.5%")] == ["利率"]
    [phone] = search(config, "3.5")
    assert phone["title"] == "手机" and "<mark>3.5</mark>mm" in str(phone["snippet"])
    assert sorted(r["title"] for r in search(config, "2.5")) == ["利率", "手机"]
    assert [r["title"] for r in search(config, "qwen2.5")] == ["手机"]
    # A whole number typed alone finds a decimal's digits (the README says so):
    # a phrase such as 利率3.85 is found by them side by side.
    assert [r["title"] for r in search(config, "85")] == ["利率"]
