"""`feedmill import`, `export` and `add`: the feed list from the command line."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from feedmill.config import load_config
from feedmill.feedlist import parse_opml

from support.site import Result, cli

OPML = Path(__file__).parent / "data" / "opml"

CONFIG = """\
# My news site
site: .
state: .feedmill/state.db

feeds:
  # finance first
  - url: https://rsshub.example.org/stcn/yw
    group: 金融
    source: 证券时报网
    channel: 要闻   # the front page

# fetch settings stay below
interval: 15m
"""


def site(tmp_path: Path) -> Path:
    path = tmp_path / "feedmill.yml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_add_appends_one_feed_and_keeps_every_other_byte(tmp_path: Path) -> None:
    config = site(tmp_path)
    result = cli(
        "add", "https://rsshub.example.org/jinse/lives", "-g", "金融", "-s", "金色财经",
        "--channel", "快讯", "-c", str(config),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert "added https://rsshub.example.org/jinse/lives  (金融 / 金色财经 / 快讯)" in result.stdout
    text = config.read_text(encoding="utf-8")
    assert text == CONFIG.replace(
        "    channel: 要闻   # the front page\n",
        "    channel: 要闻   # the front page\n"
        "  - url: https://rsshub.example.org/jinse/lives\n"
        "    group: 金融\n"
        "    source: 金色财经\n"
        "    channel: 快讯\n",
    )
    assert [f.source for f in load_config(config).feeds] == ["证券时报网", "金色财经"]


@pytest.mark.parametrize("before", ["# my news\nsite: .\n", ""])
def test_add_starts_the_feed_list_of_a_config_that_has_none(tmp_path: Path, before: str) -> None:
    """A config of settings only (or an empty file): `add` was refused with
    "feeds: missing (required)" — the list it was asked to start."""
    config = tmp_path / "feedmill.yml"
    config.write_text(before, encoding="utf-8")
    result = cli(
        "add",
        "https://rsshub.example.org/stcn/yw",
        "-g",
        "金融",
        "-s",
        "证券时报",
        "-c",
        str(config),
    )
    assert result.code == 0, result.stderr
    assert config.read_text(encoding="utf-8") == before + (
        "feeds:\n  - url: https://rsshub.example.org/stcn/yw\n    group: 金融\n    source: 证券时报\n"
    )
    assert [f.url for f in load_config(config).feeds] == ["https://rsshub.example.org/stcn/yw"]
    # And an import.
    config.write_text(before, encoding="utf-8")
    result = cli("import", str(OPML / "feedly.opml"), "-c", str(config))
    assert result.code == 0, result.stderr
    assert len(load_config(config).feeds) == 4


def test_add_takes_a_readers_subscribe_link_as_import_does(tmp_path: Path) -> None:
    """`feed://` (a reader's subscribe link): `import` took it, `add` said
    "unsupported URL scheme 'feed'"."""
    config = site(tmp_path)
    for link, url in (
        ("feed://ex.org/a.xml", "http://ex.org/a.xml"),
        ("feed:https://ex.org/b.xml", "https://ex.org/b.xml"),
    ):
        result = cli("add", link, "-g", "g", "-s", "s", "-c", str(config))
        assert result.code == 0, result.stderr
        assert url in [f.url for f in load_config(config).feeds]


def test_add_refuses_a_feed_that_is_already_there(tmp_path: Path) -> None:
    config = site(tmp_path)
    result = cli(
        "add", "https://rsshub.example.org/stcn/yw", "-g", "x", "-s", "y", "-c", str(config)
    )
    assert result.code == 2
    assert "already has this feed" in result.stderr
    assert config.read_text(encoding="utf-8") == CONFIG


def test_a_feeds_earlier_url_is_that_feed(tmp_path: Path) -> None:
    """An old reader export lists a feed under the URL it moved from: that
    is the feed the config has (`moved_from`), not a config that no longer
    loads — the import went no further before, and `add` said why in the
    config's own terms."""
    config = site(tmp_path)
    config.write_text(
        CONFIG.replace(
            "    channel: 要闻   # the front page\n",
            "    channel: 要闻   # the front page\n"
            "    moved_from: https://old-rsshub.example.org/stcn/yw\n",
        ),
        encoding="utf-8",
    )
    before = config.read_text(encoding="utf-8")
    added = cli(
        "add", "https://old-rsshub.example.org/stcn/yw", "-g", "x", "-s", "y", "-c", str(config)
    )
    assert added.code == 2
    assert "feeds[0] moved from this feed (https://rsshub.example.org/stcn/yw" in added.stderr
    assert config.read_text(encoding="utf-8") == before
    result = import_opml(
        tmp_path,
        '<outline text="金融"><outline type="rss" text="证券时报网"'
        ' xmlUrl="https://old-rsshub.example.org/stcn/yw"/>'
        '<outline type="rss" text="LWN" xmlUrl="https://lwn.net/headlines/rss"/></outline>',
    )
    assert result.code == 0, result.stderr
    assert "already there https://old-rsshub.example.org/stcn/yw" in result.stdout
    assert "1 feed added" in result.stdout
    assert [f.source for f in load_config(config).feeds] == ["证券时报网", "LWN"]


def test_add_says_a_config_that_is_not_utf8_as_every_command_does(tmp_path: Path) -> None:
    config = site(tmp_path)
    config.write_bytes(CONFIG.encode("gbk"))
    result = cli("add", "https://b.example/rss", "-g", "金融", "-s", "新浪", "-c", str(config))
    assert result.code == 2
    line = (
        CONFIG.encode("gbk")
        .split(b"\n")
        .index(next(x for x in CONFIG.encode("gbk").split(b"\n") if not x.isascii()))
    )
    assert f"{config}:{line + 1}: not UTF-8 (byte 0x" in result.stderr
    assert "save the file as UTF-8" in result.stderr
    assert config.read_bytes() == CONFIG.encode("gbk")


def test_add_edits_a_hard_linked_config_under_each_of_its_names(tmp_path: Path) -> None:
    """A rename cut the file loose from its other name: a cron job reading
    that one never saw the feed added."""
    config = site(tmp_path)
    other = tmp_path / "hard.yml"
    os.link(config, other)
    result = cli("add", "https://e.org/a.xml", "-g", "g", "-s", "s", "-c", str(config))
    assert result.code == 0, result.stderr
    assert config.stat().st_ino == other.stat().st_ino and config.stat().st_nlink == 2
    assert "https://e.org/a.xml" in other.read_text(encoding="utf-8")


def test_add_says_which_name_is_not_utf8_and_shows_no_secret(tmp_path: Path) -> None:
    """A group typed in a GBK terminal under a UTF-8 locale (its bytes kept
    as lone surrogates) was a "config error" that printed the feed's URL,
    password and access key with it."""
    config = site(tmp_path)
    before = config.read_bytes()
    url = "http://user:hunter2@127.0.0.1:39102/f1.xml?key=SECRET123"
    gbk = "财经".encode("gbk").decode("utf-8", "surrogateescape")
    result = cli("add", url, "-g", gbk, "-s", "S", "-c", str(config))
    assert result.code == 2 and "-g/--group" in result.stderr
    assert "is not UTF-8 text" in " ".join(result.stderr.split())
    assert "hunter2" not in result.stderr and "SECRET123" not in result.stderr
    # … in its password alone: said so, the password not shown.
    hidden = "https://bob:hun" + "\udcff" + "tr@b.example/feed.xml"
    result = cli("add", hidden, "-g", "g", "-s", "s", "-c", str(config))
    assert result.code == 2 and "password or key is not UTF-8" in " ".join(result.stderr.split())
    assert "hun" not in result.stderr
    assert config.read_bytes() == before
    # … the URL too (a GBK file name): not a locale's fault, not the config's.
    named = f"https://user:hunter2@b.example/{gbk}.xml?token=SECRET123"
    result = cli("add", named, "-g", "g", "-s", "s", "-c", str(config))
    assert result.code == 2 and "URL" in result.stderr and "locale" not in result.stderr
    assert "hunter2" not in result.stderr and "SECRET123" not in result.stderr
    assert config.read_bytes() == before


def test_add_leaves_a_read_only_config_as_it_is(tmp_path: Path) -> None:
    """Made read-only to protect it: the rename that writes it whole went
    round the file's mode."""
    config = site(tmp_path)
    before = config.read_bytes()
    config.chmod(0o444)
    result = cli("add", "https://e.org/a.xml", "-g", "g", "-s", "s", "-c", str(config))
    # Nothing wrong with the config (exit 2 says so): it cannot be written.
    assert result.code == 1 and "read-only" in result.stderr
    assert config.read_bytes() == before and config.stat().st_mode & 0o777 == 0o444
    opml = tmp_path / "list.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline text="x" xmlUrl="https://e.org/b.xml"/></body></opml>'
    )
    result = cli("import", str(opml), "-c", str(config))
    assert result.code == 1 and "read-only" in result.stderr
    assert "config error" not in result.stderr
    assert config.read_bytes() == before


def test_add_trims_the_names_it_is_given(tmp_path: Path) -> None:
    """``-g "金融 "`` (a stray space from a script) is the group 金融, not a
    second group that every later ``-g 金融`` would be refused beside."""
    config = site(tmp_path)
    result = cli(
        "add", "https://rsshub.example.org/jinse/lives", "-g", "金融 ", "-s", " 金色财经",
        "--channel", " ", "-c", str(config),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    (_, feed) = load_config(config).feeds
    assert (feed.group, feed.source, feed.channel) == ("金融", "金色财经", None)
    assert "group: 金融\n    source: 金色财经\n" in config.read_text(encoding="utf-8")


def test_add_writes_a_name_on_one_line_and_a_config_holds_it_so(tmp_path: Path) -> None:
    """``-s $'证券\\t时报'`` and ``$'证券\\n时报'`` were two sources, every post of
    both filed under 证券 时报 (and the piped `status` row broken in two)."""
    config = site(tmp_path)
    result = cli(
        "add", "https://a.example/rss", "-g", "金融", "-s", "证券\t时报", "-c", str(config)
    )
    assert result.code == 0, result.stderr
    assert load_config(config).feeds[-1].source == "证券 时报"
    for n, name in enumerate(("证券\n时报", "证券\u2028时报", "证券\x85时报")):
        again = cli("add", f"https://b.example/{n}", "-g", "金融", "-s", name, "-c", str(config))
        assert again.code == 0, again.stderr
    assert {f.source for f in load_config(config).feeds[-4:]} == {"证券 时报"}
    # A control character no one reads as a space: refused, the file as it was.
    before = config.read_bytes()
    refused = cli(
        "add", "https://c.example/", "-g", "金融", "-s", "证券\x7f时报", "-c", str(config)
    )
    assert refused.code == 2 and "control character" in refused.stderr
    assert config.read_bytes() == before
    # Written into feedmill.yml by hand, such a name is a config error.
    text = config.read_text(encoding="utf-8").replace(
        "source: 证券 时报", 'source: "证券\\t时报"', 1
    )
    config.write_text(text, encoding="utf-8")
    refused = cli("run", "-c", str(config))
    assert refused.code == 2
    assert "holds a line break, a tab or another control character" in refused.stderr


def test_add_refuses_a_url_without_a_host(tmp_path: Path) -> None:
    config = site(tmp_path)
    result = cli("add", "https:///rss/feed", "-g", "金融", "-s", "空", "-c", str(config))
    assert result.code == 2
    assert "no host name in 'https:///rss/feed'" in result.stderr
    assert config.read_text(encoding="utf-8") == CONFIG
    # An empty URL (an unset shell variable) is no "no such file: <this folder>".
    empty = cli("add", "", "-g", "金融", "-s", "空", "-c", str(config))
    assert empty.code == 2 and "the feed's URL is empty" in empty.stderr
    assert config.read_text(encoding="utf-8") == CONFIG


@pytest.mark.parametrize(
    ("url", "said"),
    [
        # $'…\n…' in a shell: fetched as "%0A", a feed of no one's.
        ("https://x.example.org/a\nb", "holds a control character (a line break?)"),
        ("https://x.example.org/a\u0085b", "holds a control character (a line break?)"),
        ("https://x.example.org/a\u2028b", "holds a control character (a line break?)"),
        # Copied with the address: fetched as "%E2%80%8B", a 404 on every pass.
        ("https://e.com/feed\u200b", "holds an invisible character (U+200B ZERO WIDTH SPACE"),
        ("\ufeffhttps://e.com/feed", "holds an invisible character (U+FEFF ZERO WIDTH NO-BREAK"),
        ("https://e.com/\u200efeed", "copied with it?): https://e.com/feed"),
        ("http\u200b://e.com/feed", "holds an invisible character (U+200B ZERO WIDTH SPACE"),
        # (A traceback, before the config's check was asked.)
        ("http://[::1", "url: not a URL: Invalid IPv6 URL"),
        ("file://[::1/x", "url: not a URL: Invalid IPv6 URL"),
    ],
)
def test_add_refuses_a_url_that_cannot_be_meant(tmp_path: Path, url: str, said: str) -> None:
    config = site(tmp_path)
    result = cli("add", url, "-g", "金融", "-s", "源", "-c", str(config))
    assert result.code == 2
    assert said in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2  # "error", then one line
    assert config.read_text(encoding="utf-8") == CONFIG


@pytest.mark.parametrize(
    ("url", "said"),
    [
        # Each fetch failed "invalid URL" or "host name not found", and the
        # feed was tried again, backing off, for ever.
        ("https://a..b.com/x", "'a..b.com' is no host name (an empty part"),
        ("http://.example.com/x", "'.example.com' is no host name (an empty part"),
        ("https://a." + "b" * 64 + ".com/x", "or a part over 63 characters"),
        ("http://1.2.3.4.5/x", "'1.2.3.4.5' is no host name or IPv4 address"),
        ("https://exa mple.com/rss", "'exa mple.com' is no host name or address"),
        ("https://host:0/x", "'host' at port 0: no server answers on it"),
        ("http://999.1.1.1/x", "'999.1.1.1' is no host name or IPv4 address"),
        # Forms of an address no request takes ("not a canonical IPv4 address").
        ("http://127.1:1200/x", "'127.1' is no host name or IPv4 address"),
        ("http://2130706433/x", "'2130706433' is no host name or IPv4 address"),
        ("http://0177.0.0.1/x", "'0177.0.0.1' is no host name or IPv4 address"),
        ("http://example.com../rss", "'example.com..' is no host name (an empty part"),
        # Text beside an IPv6 address's brackets: urlsplit reads the address alone.
        ("http://[::1]x/feed", "'::1' has text beside its IPv6 address's brackets"),
        ("http://a[::1]:1200/feed", "'::1' has text beside its IPv6 address's brackets"),
        # Read as a path relative to the config's folder.
        ("ht!tp://x.example/rss", "'ht!tp' is no scheme (use http, https, file or a path)"),
    ],
)
def test_add_and_import_refuse_a_host_no_fetch_can_reach(
    tmp_path: Path, url: str, said: str
) -> None:
    config = site(tmp_path)
    result = cli("add", url, "-g", "金融", "-s", "源", "-c", str(config))
    assert result.code == 2
    assert said in " ".join(result.stderr.split())
    assert config.read_text(encoding="utf-8") == CONFIG
    opml = tmp_path / "feeds.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline text="g">'
        f'<outline text="a" xmlUrl="{url}"/></outline></body></opml>',
        encoding="utf-8",
    )
    imported = cli("import", str(opml), "-c", str(config))
    assert "1 outline skipped" in imported.stdout
    assert f"skipped {url}: " in imported.stderr  # (not a web address: said so)
    assert said in imported.stderr or "ht!tp" in url
    assert config.read_text(encoding="utf-8") == CONFIG


@pytest.mark.parametrize(
    "url",
    [
        "http://rsshub:1200/stcn/yw",  # a container's name
        "http://my_rsshub:1200/stcn/yw",
        "http://[::1]:1200/stcn/yw",
        "https://rsshub.app./stcn/yw",
        "https://中文.com/rss",
        "https://ÖBB.at/rss",  # capitals beyond ASCII: IDNA maps them
        "https://موقع.وزارة-الاتصالات.مصر/rss",  # right to left
        "https://xn--4gbrim.xn----ymcbaaajlc6dj7bxne2c.xn--wgbh1c/rss",
        "http://127.0.0.1:1200/x",
        "http://0x7f.0.0.1:1200/x",  # (an address in hex: fetched all the same)
        "https://rsshub.app/weibo/keyword/热点?limit=10",
    ],
)
def test_add_takes_every_host_a_fetch_can_reach(tmp_path: Path, url: str) -> None:
    config = site(tmp_path)
    result = cli("add", url, "-g", "g", "-s", "s", "-c", str(config))
    assert result.code == 0, result.stderr


def test_add_reads_a_file_url_without_a_path_of_its_own_from_the_configs_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`file:a.xml` (no URL's: no "/"): the config reads it from its folder, and
    `add` looked for it here — adding one the run could not read, and refusing
    one it could."""
    config = site(tmp_path)
    here = tmp_path / "work"
    here.mkdir()
    monkeypatch.chdir(here)
    (here / "a.xml").write_text("<rss/>", encoding="utf-8")
    assert cli("add", "file:a.xml", "-g", "g", "-s", "s", "-c", str(config)).code == 2
    (tmp_path / "b.xml").write_text("<rss/>", encoding="utf-8")
    assert cli("add", "file:b.xml", "-g", "g", "-s", "s", "-c", str(config)).code == 0


@pytest.mark.parametrize("form", ["file://", "file:"])  # (RFC 8089's shortest form: one slash)
def test_add_refuses_a_file_url_of_no_file(tmp_path: Path, form: str) -> None:
    config = site(tmp_path)
    missing = form + (tmp_path / "nope.xml").as_uri().removeprefix("file://")
    result = cli("add", missing, "-g", "g", "-s", "s", "-c", str(config))
    assert result.code == 2 and f"no such file: {tmp_path / 'nope.xml'}" in result.stderr
    assert config.read_text(encoding="utf-8") == CONFIG
    (tmp_path / "nope.xml").write_text("<rss/>", encoding="utf-8")
    assert cli("add", missing, "-g", "g", "-s", "s", "-c", str(config)).code == 0


def test_add_refuses_what_would_break_the_config(tmp_path: Path) -> None:
    config = site(tmp_path)
    result = cli("add", "ftp://example.org/feed", "-g", "g", "-s", "s", "-c", str(config))
    assert result.code == 2
    assert config.read_text(encoding="utf-8") == CONFIG
    # The reason names the new feed, not a line the file does not have.
    result = cli("add", "https://a.example/y", "-g", "", "-s", "s", "-c", str(config))
    assert result.code == 2
    assert (
        f"{config}: the new feed (https://a.example/y): group: must not be empty; nothing was added"
        in result.stderr
    )


@pytest.mark.parametrize(
    "merged",
    [
        "<<: {feeds: [{url: 'https://a.example/rss', group: 金融, source: 证券}]}\n",
        "<<: [{site: .}, {feeds: [{url: 'https://a.example/rss', group: 金融, source: 证券}]}]\n",
        # … through a merge key of the merged mapping.
        "<<: {<<: {feeds: [{url: 'https://a.example/rss', group: 金融, source: 证券}]}, site: .}\n",
    ],
)
def test_add_refuses_a_feed_list_that_comes_through_a_merge_key(
    tmp_path: Path, merged: str
) -> None:
    """A `feeds:` of the file's own overrides the merged one: `add` reported
    "1 feed added" and the merged feeds were gone from the config."""
    (tmp_path / "_config.yml").write_text("title: t\n", encoding="utf-8")
    config = tmp_path / "feedmill.yml"
    config.write_text(merged, encoding="utf-8")
    result = cli("add", "https://b.example/rss", "-g", "金融", "-s", "新浪", "-c", str(config))
    assert result.code == 2
    assert "feeds: comes through a merge key (<<:); add feeds to the merged list by hand" in (
        result.stderr
    )
    assert config.read_text(encoding="utf-8") == merged


def test_add_reads_a_typed_path_from_where_the_command_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from feedmill.config import load_config as load

    (tmp_path / "site" / "feeds").mkdir(parents=True)
    config = site(tmp_path / "site")
    (tmp_path / "site" / "feeds" / "mine.xml").write_text("<rss/>", encoding="utf-8")
    (tmp_path / "elsewhere.xml").write_text("<rss/>", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert cli("add", "site/feeds/mine.xml", "-g", "g", "-s", "a", "-c", str(config)).code == 0
    assert cli("add", "./elsewhere.xml", "-g", "g", "-s", "b", "-c", str(config)).code == 0
    added = load(config).feeds[1:]
    assert [f.url for f in added] == ["feeds/mine.xml", str(tmp_path / "elsewhere.xml")]
    assert all(Path(load(config).location(f).removeprefix("file://")).is_file() for f in added)
    # A path that is not there, or a web address without its scheme: refused.
    missing = cli("add", "nope.xml", "-g", "g", "-s", "c", "-c", str(config))
    assert missing.code == 2 and "no such file" in missing.stderr
    # A "~" of no user's home: a traceback ("Could not determine home directory").
    nobody = cli("add", "~nosuchuser/feed.xml", "-g", "g", "-s", "c", "-c", str(config))
    assert nobody.code == 2 and "no such file" in nobody.stderr
    web = cli("add", "rsshub.app/stcn/yw", "-g", "g", "-s", "d", "-c", str(config))
    assert web.code == 2 and "https://rsshub.app/stcn/yw" in web.stderr
    folder = cli("add", "exports.v2/feed.xml", "-g", "g", "-s", "e", "-c", str(config))
    assert folder.code == 2 and "no such file" in folder.stderr and "https://" not in folder.stderr
    slash = cli("add", "https:/rsshub.app/stcn/yw", "-g", "g", "-s", "f", "-c", str(config))
    said = slash.stderr.replace("\n", "")
    assert slash.code == 2 and "https://rsshub.app/stcn/yw: a scheme needs ://" in said
    quoted = cli("add", "“https://rsshub.app/stcn/yw”", "-g", "g", "-s", "g", "-c", str(config))
    said = quoted.stderr.replace("\n", "")
    assert quoted.code == 2 and "input method?): https://rsshub.app/stcn/yw" in said
    for typo in ("https//rsshub.app/stcn/yw", "https：//rsshub.app/stcn/yw"):
        typed = cli("add", typo, "-g", "g", "-s", "h", "-c", str(config))
        said = typed.stderr.replace("\n", "")
        assert typed.code == 2 and "(a feed on the web? https://rsshub.app/stcn/yw)" in said
    assert len(load(config).feeds) == 3  # nothing added
    (tmp_path / "~h.xml").write_text("<rss/>", encoding="utf-8")  # a file named so
    tilde = cli("add", "./~h.xml", "-g", "g", "-s", "h", "-c", str(config))
    assert tilde.code == 0, tilde.stderr
    assert load(config).feeds[-1].url == str(tmp_path / "~h.xml")


def test_add_names_a_link_to_a_feed_file_not_the_file_it_points_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A link re-pointed to each month's file (or a mounted ConfigMap's, whose
    dated folder the next update removes) stays the feed: what it pointed to
    at `add` failed "no such file" once it was gone."""
    from feedmill.config import load_config as load

    feeds = tmp_path / "site" / "feeds"
    feeds.mkdir(parents=True)
    config = site(tmp_path / "site")
    (feeds / "2026-12.xml").write_text("<rss/>", encoding="utf-8")
    (feeds / "latest.xml").symlink_to("2026-12.xml")
    monkeypatch.chdir(feeds)
    added = cli("add", "latest.xml", "-g", "g", "-s", "a", "-c", str(config))
    assert added.code == 0, added.stderr
    assert "feeds/latest.xml" in added.stdout
    assert load(config).feeds[-1].url == "feeds/latest.xml"
    # A site reached through a link: named relative to it all the same.
    (tmp_path / "srv").symlink_to(tmp_path / "site")
    monkeypatch.chdir(tmp_path)
    (feeds / "b.xml").write_text("<rss/>", encoding="utf-8")
    linked = str(tmp_path / "srv" / "feedmill.yml")
    assert cli("add", "srv/feeds/b.xml", "-g", "g", "-s", "b", "-c", linked).code == 0
    assert load(config).feeds[-1].url == "feeds/b.xml"
    # "sub/.." is where the link "sub" leads, as the shell lists it.
    (tmp_path / "elsewhere" / "sub").mkdir(parents=True)
    (tmp_path / "elsewhere" / "x.xml").write_text("<rss/>", encoding="utf-8")
    (tmp_path / "sub").symlink_to(tmp_path / "elsewhere" / "sub")
    assert cli("add", "sub/../x.xml", "-g", "g", "-s", "x", "-c", str(config)).code == 0
    assert load(config).feeds[-1].url == str(tmp_path / "elsewhere" / "x.xml")
    # A folder of the site that is a link to a disk: named as the site names it.
    (tmp_path / "nas").mkdir()
    (tmp_path / "nas" / "c.xml").write_text("<rss/>", encoding="utf-8")
    (tmp_path / "site" / "disk").symlink_to(tmp_path / "nas")
    monkeypatch.chdir(tmp_path / "site")
    assert cli("add", "disk/c.xml", "-g", "g", "-s", "c", "-c", str(config)).code == 0
    assert load(config).feeds[-1].url == "disk/c.xml"


def test_import_adds_the_feeds_of_an_opml_file_by_folder(tmp_path: Path) -> None:
    config = site(tmp_path)
    result = cli("import", str(OPML / "nested-folders.opml"), "-c", str(config))
    assert result.code == 0, result.stderr
    listed = parse_opml((OPML / "nested-folders.opml").read_bytes())
    expected = [f for f in listed if f.url != "https://rsshub.example.org/stcn/yw"]
    assert len(expected) == len(listed) - 1  # that one is in the config already
    assert "1 already there" in result.stdout
    feeds = load_config(config).feeds
    assert [(f.url, f.group, f.source, f.channel) for f in feeds[1:]] == [
        (f.url, f.group, f.source, f.channel) for f in expected
    ]
    assert config.read_text(encoding="utf-8").startswith(CONFIG.split("\n# fetch")[0])
    assert "# fetch settings stay below\ninterval: 15m\n" in config.read_text(encoding="utf-8")
    # Importing again adds nothing.
    again = cli("import", str(OPML / "nested-folders.opml"), "-c", str(config))
    assert f"0 feeds added to {config}, {len(listed)} already there" in again.stdout


def test_a_path_may_hold_a_character_that_shows_nothing(tmp_path: Path) -> None:
    """A file's name as it is on disk (a soft hyphen in it): no web address
    copied with a stray character, and not refused as one."""
    from support.feeds import Item, rss

    config = site(tmp_path)
    (tmp_path / "Nach\u00adrichten.xml").write_bytes(rss("源", [Item("t", "<p>x</p>", "g")]))
    path = str(tmp_path / "Nach\u00adrichten.xml")
    result = cli("add", path, "-g", "g", "-s", "s", "-c", str(config))
    assert result.code == 0, result.stderr
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    # Around a name, one is a copy's: said, the character named (the name shown
    # with it was the existing file's, to the eye).
    (tmp_path / "feed.xml").write_bytes(rss("源", [Item("t", "<p>x</p>", "g")]))
    typed = cli("add", str(tmp_path / "feed.xml\u200b"), "-g", "g", "-s", "s2", "-c", str(config))
    assert typed.code == 2
    assert "feed.xml\\u200b (it holds an invisible character, U+200B" in typed.stderr
    url = f"file://{tmp_path / 'feed.xml'}\u200b"
    as_url = cli("add", url, "-g", "g", "-s", "s2", "-c", str(config))
    assert as_url.code == 2 and "feed.xml\\u200b (it holds an invisible character" in as_url.stderr
    spaced = cli("add", str(tmp_path / "feed.xml") + " ", "-g", "g", "-s", "s2", "-c", str(config))
    assert "(it has white space around it:" in spaced.stderr
    host = cli("add", "rsshub.app/stcn/yw\u200b", "-g", "g", "-s", "s2", "-c", str(config))
    assert "invisible character" in host.stderr and "a feed on the web?" not in host.stderr
    other = tmp_path / "other.yml"
    other.write_text(
        'feeds:\n  - {url: "feed.xml\\u200b", group: g, source: s}\n', encoding="utf-8"
    )
    refused = cli("status", "-c", str(other))
    assert refused.code == 2 and "holds an invisible character (U+200B" in refused.stderr
    # The name meant keeps a soft hyphen inside it (the file's own).
    other.write_text('feeds:\n  - {url: "\\u200bNach\\u00adrichten.xml", group: g, source: s}\n')
    said = " ".join(cli("status", "-c", str(other)).stderr.split())
    assert said.endswith("copied with it?): Nach\u00adrichten.xml")


def test_import_trims_invisible_characters_around_an_address(tmp_path: Path) -> None:
    """A zero-width space or BOM around an xmlUrl (copied from a page) goes,
    as white space does; one inside it is said, and the feed skipped."""
    config = site(tmp_path)
    opml = tmp_path / "zw.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline text="g">'
        '<outline text="a" xmlUrl="&#xFEFF;https://e.com/a&#x200B; "/>'
        '<outline text="b" xmlUrl="https://e.com/b&#x200B;x"/>'
        "</outline></body></opml>",
        encoding="utf-8",
    )
    result = cli("import", str(opml), "-c", str(config))
    assert result.code == 0, result.stderr
    assert [f.url for f in load_config(config).feeds][-1] == "https://e.com/a"
    assert "holds an invisible character (U+200B" in " ".join(result.stderr.split())
    assert "1 feed added" in result.stdout and "1 outline skipped" in result.stdout


def test_import_says_the_folders_below_the_third_it_does_not_keep(tmp_path: Path) -> None:
    """科技 > 掘金 > 前端 > Vue: a post has three levels of categories, so
    the Vue and React feeds are both filed under 前端 — said, not done silently."""
    config = site(tmp_path)
    opml = tmp_path / "deep.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline text="科技"><outline text="掘金">'
        '<outline text="前端"><outline text="Vue">'
        '<outline text="vue" xmlUrl="https://rsshub.example.org/juejin/vue"/></outline>'
        '<outline text="React"><outline text="Hooks">'
        '<outline text="hooks" xmlUrl="https://rsshub.example.org/juejin/hooks"/>'
        "</outline></outline></outline>"
        '<outline text="后端" xmlUrl="https://rsshub.example.org/juejin/backend"/>'
        "</outline></outline>"
        '<outline text="c" category="/科技/掘金/前端/Svelte"'
        ' xmlUrl="https://rsshub.example.org/juejin/svelte"/>'
        "</body></opml>",
        encoding="utf-8",
    )
    result = cli("import", str(opml), "-c", str(config))
    assert result.code == 0, result.stderr
    said = " ".join(result.stdout.split())
    three = "not kept: a post has three levels of categories"
    assert f"juejin/vue (科技 / 掘金 / 前端; its folder below that, Vue, {three})" in said
    assert (
        f"juejin/hooks (科技 / 掘金 / 前端; its folders below that, React / Hooks, {three})" in said
    )
    assert f"juejin/svelte (科技 / 掘金 / 前端; its folder below that, Svelte, {three})" in said
    assert "juejin/backend (科技 / 掘金)" in said  # (three levels or fewer: nothing to say)
    assert said.count("not kept") == 3


def test_import_reports_what_it_skips_and_dry_run_changes_nothing(tmp_path: Path) -> None:
    config = site(tmp_path)
    result = cli("import", str(OPML / "freshrss.opml"), "-c", str(config), "--dry-run")
    assert result.code == 0
    assert "web scraper, not a feed" in result.stderr
    assert "would add" in result.stdout
    assert config.read_text(encoding="utf-8") == CONFIG


def test_a_dry_run_says_what_the_import_would_do(tmp_path: Path) -> None:
    config = site(tmp_path)
    opml = OPML / "nested-folders.opml"
    assert cli("import", str(opml), "-c", str(config)).code == 0
    # Already there: a dry run says so, as the import itself does.
    dry = cli("import", str(opml), "-c", str(config), "--dry-run")
    assert "would add" not in dry.stdout and "0 feeds would be added" in dry.stdout
    again = cli("import", str(opml), "-c", str(config))
    assert dry.stdout.split(", ", 1)[1] == again.stdout.split(", ", 1)[1]


def test_import_refuses_a_hostile_or_broken_file(tmp_path: Path) -> None:
    config = site(tmp_path)
    for name in ("xxe.opml", "doctype-bomb.opml", "malformed.opml"):
        result = cli("import", str(OPML / name), "-c", str(config))
        assert result.code == 2, name
        assert name in result.stderr
    assert cli("import", str(tmp_path / "missing.opml"), "-c", str(config)).code == 2
    assert config.read_text(encoding="utf-8") == CONFIG


def test_import_of_a_web_address_says_it_reads_a_file(tmp_path: Path) -> None:
    """As a path, the address read "cannot read https:/example.com/subs.opml:
    No such file or directory" — its "//" made one "/", its key shown."""
    config = site(tmp_path)
    result = cli("import", "https://example.com/subs.opml?key=s3cret", "-c", str(config))
    assert result.code == 2
    assert result.stderr.startswith(
        "error https://example.com/subs.opml?key=… is a web address: import reads a file"
    )
    assert "s3cret" not in result.stderr
    assert config.read_text(encoding="utf-8") == CONFIG


def test_a_skipped_outlines_url_is_shown_as_written(tmp_path: Path) -> None:
    opml = tmp_path / "a.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline text="x">'
        '<outline text="y" xmlUrl="ftp://h.example.org/?tag=[news]"/></outline></body></opml>',
        encoding="utf-8",
    )
    result = cli("import", str(opml), "-c", str(site(tmp_path)))
    assert "skipped ftp://h.example.org/?tag=[news]: a ftp: URL" in result.stderr


def test_a_refused_url_with_a_line_break_is_shown_on_one_line(tmp_path: Path) -> None:
    opml = tmp_path / "a.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline text="x">'
        '<outline text="y" xmlUrl="https://a.example.org/r&#10;ss?key=SECRET"/>'
        "</outline></body></opml>",
        encoding="utf-8",
    )
    result = cli("import", str(opml), "-c", str(site(tmp_path)))
    refused = [line for line in result.stderr.splitlines() if "a.example.org" in line]
    assert refused and refused[0].startswith("skipped https://a.example.org/r␊ss?key=…: url:")
    assert "SECRET" not in result.stderr


def test_export_then_import_gives_the_same_feed_list(tmp_path: Path) -> None:
    config = site(tmp_path)
    cli("import", str(OPML / "nested-folders.opml"), "-c", str(config))
    exported = tmp_path / "feeds.opml"
    assert cli("export", "-c", str(config), "-o", str(exported)).code == 0
    assert cli("export", "-c", str(config)).stdout.startswith("<?xml")
    dash = cli("export", "-c", str(config), "-o", "-")  # stdout, as the convention is

    def undated(opml: str) -> str:  # (two exports may be a second apart)
        return re.sub(r"<dateCreated>[^<]*</dateCreated>", "", opml)

    assert undated(dash.stdout) == undated(exported.read_text(encoding="utf-8"))
    assert not Path("-").exists()

    other = tmp_path / "other"
    other.mkdir()
    fresh = other / "feedmill.yml"
    fresh.write_text("site: .\nfeeds: []\n", encoding="utf-8")
    assert cli("import", str(exported), "-c", str(fresh)).code == 0
    before = [(f.url, f.group, f.source, f.channel) for f in load_config(config).feeds]
    after = [(f.url, f.group, f.source, f.channel) for f in load_config(fresh).feeds]
    assert after == before


def import_opml(tmp_path: Path, outlines: str, *options: str) -> Result:
    """`feedmill import` of an OPML file holding ``outlines``, into site(tmp_path)'s config."""
    opml = tmp_path / "export.opml"
    opml.write_text(
        f'<?xml version="1.0"?><opml version="2.0"><head/><body>{outlines}</body></opml>',
        encoding="utf-8",
    )
    return cli("import", str(opml), "-c", str(tmp_path / "feedmill.yml"), *options)


def test_an_outline_whose_folder_cannot_name_a_category_is_skipped(tmp_path: Path) -> None:
    site(tmp_path)
    result = import_opml(
        tmp_path,
        '<outline text="?"><outline text="ok" type="rss" xmlUrl="https://a.example/1.xml"/>'
        '</outline><outline text="金融">'
        '<outline text="新浪" type="rss" xmlUrl="https://a.example/2.xml"/></outline>',
    )
    assert result.code == 0
    assert "https://a.example/1.xml: its group '?' has no letter or digit" in result.stderr
    assert "1 feed added" in result.stdout


def test_an_outline_named_with_markup_or_like_a_javascript_property_is_skipped(
    tmp_path: Path,
) -> None:
    """Someone else's file names no category with HTML (the theme's category
    list prints it as such) or as `constructor` (Hexo's category pages break)."""
    site(tmp_path)
    result = import_opml(
        tmp_path,
        '<outline text="金融"><outline text="&lt;img src=x onerror=alert(1)&gt;" type="rss"'
        ' xmlUrl="https://a.example/1.xml"/><outline text="constructor" type="rss"'
        ' xmlUrl="https://a.example/2.xml"/>'
        '<outline text="新浪" type="rss" xmlUrl="https://a.example/3.xml"/></outline>',
    )
    assert result.code == 0, result.stderr
    assert "1.xml: its source '<img src=x onerror=alert(1)>' holds an HTML tag" in result.stderr
    assert "2.xml: its source 'constructor' is a name every JavaScript object has" in (
        result.stderr
    )
    assert "1 feed added" in result.stdout


def test_a_feed_the_config_would_refuse_is_skipped_and_the_rest_imported(
    tmp_path: Path,
) -> None:
    config = site(tmp_path)
    result = import_opml(
        tmp_path,
        '<outline text="Dev"><outline type="rss" text="C++" xmlUrl="https://isocpp.org/blog/rss"/>'
        '<outline type="rss" text="C#" xmlUrl="https://devblogs.microsoft.com/dotnet/feed/"/>'
        '<outline type="rss" text="LWN" xmlUrl="https://lwn.net/headlines/rss"/></outline>',
    )
    assert result.code == 0, result.stderr
    assert "skipped https://devblogs.microsoft.com/dotnet/feed/: source: 'C#' and 'C++'" in (
        result.stderr
    )
    assert "2 feeds added" in result.stdout and "1 outline skipped" in result.stdout
    assert [f.source for f in load_config(config).feeds] == ["证券时报网", "C++", "LWN"]


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_feed_refused_in_one_folder_is_imported_from_another(
    tmp_path: Path, dry_run: bool
) -> None:
    """Feedly lists a feed in each of its folders: the first refused ('C#'
    shares a category page with 'C++'), the feed was dropped — "duplicate:
    already imported as C# / Feed X", said of a listing no one imported."""
    config = site(tmp_path)
    result = import_opml(
        tmp_path,
        '<outline text="C++"><outline text="isocpp" xmlUrl="https://isocpp.org/blog/rss"/></outline>'
        '<outline text="C#"><outline text="Feed X" xmlUrl="https://x.example.org/feed"/></outline>'
        '<outline text="编程"><outline text="Feed X" xmlUrl="https://x.example.org/feed"/></outline>'
        '<outline text="其他"><outline text="X" xmlUrl="https://x.example.org/feed"/></outline>',
        *(["--dry-run"] if dry_run else []),
    )
    assert result.code == 0, result.stderr
    skipped = sorted(line for line in result.stderr.splitlines() if line.startswith("skipped"))
    assert skipped == [
        "skipped https://x.example.org/feed: duplicate: imported as 编程 / Feed X",
        "skipped https://x.example.org/feed: group: 'C#' and 'C++' (feeds[1]) would share"
        " one Hexo category page, /categories/C/ (it would list the posts of one only):"
        " rename one; imported as 编程 / Feed X",
    ]
    verb = "would add" if dry_run else "added"
    assert f"{verb} https://x.example.org/feed  (编程 / Feed X)" in result.stdout
    assert "2 outlines skipped" in result.stdout
    if not dry_run:
        assert [(f.group, f.url) for f in load_config(config).feeds][1:] == [
            ("C++", "https://isocpp.org/blog/rss"),
            ("编程", "https://x.example.org/feed"),
        ]


def _listed(folder: str, name: str, url: str) -> str:
    return f'<outline text="{folder}"><outline text="{name}" xmlUrl="{url}"/></outline>'


ISO, A, B = "https://isocpp.org/rss", "https://a.example.org/feed", "https://b.example.org/feed"


@pytest.mark.parametrize(
    ("outlines", "added", "skipped"),
    [
        # A listing taken in another's place costs no feed the config took.
        (
            _listed("C++", "iso", ISO)
            + _listed("C#", "A", A)
            + _listed("D+", "B", B)
            + _listed("D#", "A", A),
            [("C++", ISO), ("D+", B)],
            [(A, "group: 'C#' and 'C++'"), (A, "group: 'D#' and 'D+'")],
        ),
        # Every listing refused: each said once, none "already imported".
        (
            _listed("C++", "iso", ISO) + _listed("C#", "A", A) + _listed("C!", "A", A),
            [("C++", ISO)],
            [(A, "group: 'C#' and 'C++'"), (A, "group: 'C!' and 'C++'")],
        ),
        # Said with the channel it went to.
        (
            '<outline text="iso" category="/科技/源/C++" xmlUrl="https://isocpp.org/rss"/>'
            '<outline text="C#" category="/科技/源/C#" xmlUrl="https://a.example.org/feed"/>'
            '<outline text="新闻" category="/科技/源/新闻" xmlUrl="https://a.example.org/feed"/>'
            '<outline text="C!" category="/科技/源/C%" xmlUrl="https://a.example.org/feed"/>',
            [("科技", ISO), ("科技", A)],
            [(A, "duplicate: imported as 科技 / 源 / 新闻"), (A, "channel: 'C#' and 'C++'")],
        ),
        # One folder listing a feed twice alike: the second is a duplicate.
        (
            '<outline text="编程"><outline text="A" xmlUrl="https://a.example.org/feed"/>'
            '<outline text="A" xmlUrl="https://a.example.org/feed"/></outline>',
            [("编程", A)],
            [(A, "duplicate: imported as 编程 / A")],
        ),
    ],
)
def test_what_an_import_of_a_feed_listed_again_says_and_takes(
    tmp_path: Path, outlines: str, added: list[tuple[str, str]], skipped: list[tuple[str, str]]
) -> None:
    config = site(tmp_path)
    result = import_opml(tmp_path, outlines)
    assert result.code == 0, result.stderr
    said = [line for line in result.stderr.splitlines() if line.startswith("skipped")]
    assert len(said) == len(skipped), said
    in_order = sorted(said, key=lambda line: "duplicate" not in line)
    for (url, reason), line in zip(skipped, in_order, strict=True):
        assert line.startswith(f"skipped {url}: {reason}"), (line, said)
    outlines_skipped = f"{len(skipped)} outline{'' if len(skipped) == 1 else 's'} skipped"
    assert outlines_skipped in result.stdout
    assert [(f.group, f.url) for f in load_config(config).feeds][1:] == added


def test_export_to_a_file_keeps_its_mode_and_reports_what_it_cannot_write(
    tmp_path: Path,
) -> None:
    import os
    import stat

    config = site(tmp_path)
    shared = tmp_path / "shared.opml"
    shared.write_text("old", encoding="utf-8")
    shared.chmod(0o644)
    assert cli("export", "-c", str(config), "-o", str(shared)).code == 0
    assert shared.read_text(encoding="utf-8").startswith("<?xml")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644
    fresh = tmp_path / "fresh.opml"
    assert cli("export", "-c", str(config), "-o", str(fresh)).code == 0
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~mask
    for bad, why in (
        (tmp_path / "missing" / "x.opml", f"no such folder {tmp_path / 'missing'}"),
        (tmp_path, "is a directory"),
    ):
        result = cli("export", "-c", str(config), "-o", str(bad))
        assert result.code == 1 and f"{bad}: cannot write: {why}" in result.stderr
        assert "Traceback" not in result.stderr and ".tmp" not in result.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left
    # -o mixed up with -c: the config is not replaced by its own feed list.
    before = config.read_bytes()
    result = cli("export", "-c", str(config), "-o", str(config))
    assert result.code == 2 and "is the config itself" in result.stderr
    assert config.read_bytes() == before
    # … nor through another hard link to it (written in place, as such a file is).
    other = tmp_path / "elsewhere" / "feedmill.yml"
    other.parent.mkdir()
    os.link(config, other)
    result = cli("export", "-c", str(config), "-o", str(other))
    assert result.code == 2 and "is the config itself" in result.stderr
    assert config.read_bytes() == before


def test_import_reads_standard_input_as_export_writes_it(tmp_path: Path) -> None:
    """`export -c a | import - -c b`: "-" was a file named so ("cannot read -")."""
    from click.testing import CliRunner

    from feedmill.cli import app

    exported = cli("export", "-c", str(site(tmp_path)))
    assert exported.code == 0
    other = tmp_path / "other" / "feedmill.yml"
    other.parent.mkdir()
    other.write_text("site: .\nfeeds: []\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["import", "-", "-c", str(other)], input=exported.stdout.encode("utf-8")
    )
    assert result.exit_code == 0, result.stderr
    assert [f.url for f in load_config(other).feeds] == ["https://rsshub.example.org/stcn/yw"]


def test_export_writes_into_a_pipe_as_a_shell_would(tmp_path: Path) -> None:
    """`-o` naming a FIFO a program reads, or /dev/stdout: the rename that
    replaces a file whole put a file in the FIFO's place (and, as root, in
    /dev/null's), the reader left waiting; /dev/stdout was "no such file"."""
    import os
    import stat
    import subprocess
    import sys
    import threading

    config = site(tmp_path)
    fifo = tmp_path / "feeds.fifo"
    os.mkfifo(fifo)
    read: list[bytes] = []
    reader = threading.Thread(target=lambda: read.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = cli("export", "-c", str(config), "-o", str(fifo))
    reader.join(10)
    assert result.code == 0, result.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert (
        read and read[0].startswith(b"<?xml") and b"https://rsshub.example.org/stcn/yw" in read[0]
    )
    piped = subprocess.run(
        [sys.executable, "-m", "feedmill", "export", "-c", str(config), "-o", "/dev/stdout"],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert piped.returncode == 0, piped.stderr
    assert (
        piped.stdout.startswith(b"<?xml") and b"https://rsshub.example.org/stcn/yw" in piped.stdout
    )
    # /dev/stdout a file opened to append (`>> log`): appended to, not replaced.
    log = tmp_path / "export.log"
    log.write_bytes(b"before\n")
    with log.open("ab") as appended:
        done = subprocess.run(
            [sys.executable, "-m", "feedmill", "export", "-c", str(config), "-o", "/dev/stdout"],
            stdout=appended,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
    assert done.returncode == 0, done.stderr
    assert log.read_bytes().startswith(b"before\n<?xml")
    # … and /dev/fd/N, a descriptor the caller opened (`3>>log`), the same way.
    export = [sys.executable, "-m", "feedmill", "export", "-c", str(config)]
    with log.open("ab") as appended:
        done = subprocess.run(
            [*export, "-o", f"/dev/fd/{appended.fileno()}"],
            pass_fds=(appended.fileno(),),
            capture_output=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
    assert done.returncode == 0, done.stderr
    assert log.read_bytes().count(b"<?xml") == 2 and log.read_bytes().startswith(b"before\n")


def test_export_never_writes_over_a_file_feedmill_reads(tmp_path: Path) -> None:
    """Only the config was guarded: `-o state.db` (a typo, a tab completed
    too far) replaced the state database with the feed list — every item's
    record lost."""
    from support.feeds import Item, rss
    from support.site import write_config

    (tmp_path / "a.xml").write_bytes(rss("源", [Item("新闻", guid="1")]))
    (tmp_path / "post.md.j2").write_text("---\ntitle: {{ title }}\n---\n{{ body }}\n")
    config = write_config(
        tmp_path, [{"url": "a.xml", "group": "g", "source": "s"}], post_template="post.md.j2"
    )
    assert cli("run", "-c", str(config)).code == 0
    (post,) = (tmp_path / "source" / "_posts").glob("*.md")
    archive = tmp_path / "source" / "_archive"
    archive.mkdir()
    archived = archive / "old.md"
    archived.write_text("---\ntitle: old\n---\n", encoding="utf-8")
    for target, said in (
        (tmp_path / ".feedmill" / "state.db", "is the state database"),
        # … and its log, where a killed pass's last transactions may be alone.
        (tmp_path / ".feedmill" / "state.db-wal", "is the state database"),
        (tmp_path / ".feedmill" / "state.db-shm", "is the state database"),
        (tmp_path / "a.xml", "is the feed a.xml"),
        (tmp_path / "post.md.j2", "is a file the config names"),
        (post, "is in the folder of the posts"),
        (archived, "is in the folder of the archive"),
        # Not there yet: the OPML would be a post, and the next run's database no database.
        (post.parent / "feeds.opml", "is in the folder of the posts"),
    ):
        before = target.read_bytes() if target.exists() else None
        result = cli("export", "-c", str(config), "-o", str(target))
        assert result.code == 2 and said in result.stderr, result.stderr
        assert (target.read_bytes() if target.exists() else None) == before
    fresh = write_config(tmp_path / "new", [{"url": "a.xml", "group": "g", "source": "s"}])
    result = cli("export", "-c", str(fresh), "-o", str(tmp_path / "new" / ".feedmill" / "state.db"))
    assert result.code == 2 and "is the state database" in result.stderr
    assert cli("export", "-c", str(config), "-o", str(tmp_path / "feeds.opml")).code == 0
