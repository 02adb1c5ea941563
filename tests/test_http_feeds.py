"""Feeds served by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import base64
import errno
import json
import sqlite3
import subprocess
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from support.feeds import Item, rss
from support.server import FeedServer, Route
from support.site import cli, posts, write_config

ITEMS = [Item(title="好新闻", guid="ok-1"), Item(title="又一条", guid="ok-2")]
GOOD = rss("证券时报网 - 要闻", ITEMS)


def test_feed_over_http_publishes(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.add("/stcn/yw", body=GOOD, headers={"Content-Type": "application/rss+xml"})
    config = write_config(tmp_path, [{"url": url, "group": "金融", "source": "证券时报网"}])
    result = cli("run", "-c", str(config))
    assert result.code == 0
    assert len(posts(tmp_path)) == 2
    assert feed_server.hits["/stcn/yw"] == 1


@pytest.mark.parametrize(
    "header",
    [
        ("Last-Modified", "Mon, 99999999999999999999 Jan 2024 00:00:00 GMT"),
        ("Expires", "Thu, 01 Jan 2024 00:00:00 +99999999999999999999"),
        ("Expires", "Sun Nov  6 08:49:37 99999999999999999999"),
    ],
)
def test_a_date_header_too_big_to_read_is_no_date(
    tmp_path: Path, feed_server: FeedServer, header: tuple[str, str]
) -> None:
    """A number too big for a date failed the feed for good ("internal error:
    OverflowError"), its items never posted: such a header is ignored, as
    one that does not parse is."""
    url = feed_server.add("/odd", body=GOOD, headers=dict([header]))
    config = write_config(tmp_path, [{"url": url, "group": "金融", "source": "证券时报网"}])
    result = cli("run", "-c", str(config))
    assert result.code == 0 and "feeds: 1 ok" in result.stdout, result.stdout + result.stderr
    assert len(posts(tmp_path)) == 2


def test_a_retry_after_too_big_to_read_leaves_the_503_said(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.add(
        "/busy", status=503, headers={"Retry-After": "Sun Nov  6 08:49:37 99999999999999999999"}
    )
    config = write_config(tmp_path, [{"url": url, "group": "金融", "source": "证券时报网"}])
    assert cli("run", "-c", str(config)).code == 0
    (row,) = json.loads(cli("status", "--json", "-c", str(config)).stdout)
    assert row["last_error"].startswith("HTTP 503"), row["last_error"]


def test_a_url_folded_over_lines_in_the_config_is_fetched(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """`url: >` on a long route ends in a line break: still a feed (a check
    for what PostgreSQL cannot store refused it once, and no run started)."""
    url = feed_server.add("/feed.xml", body=rss("源", [Item("新闻", guid="1")]))
    (tmp_path / "feedmill.yml").write_text(
        f"site: .\nfeeds:\n  - url: >\n      {url}\n    group: g\n    source: s\n",
        encoding="utf-8",
    )
    result = cli("run", "-c", str(tmp_path / "feedmill.yml"))
    assert result.code == 0 and "1 ok" in result.stdout, result.stdout + result.stderr
    assert len(posts(tmp_path)) == 1


def test_publish_writes_what_is_pending_and_fetches_nothing(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.add("/stcn/yw", body=GOOD, headers={"Content-Type": "application/rss+xml"})
    config = write_config(tmp_path, [{"url": url, "group": "金融", "source": "证券时报网"}])
    assert cli("run", "-c", str(config)).code == 0
    # A new group for the feed: its posts are to be rewritten.
    config = write_config(tmp_path, [{"url": url, "group": "财经", "source": "证券时报网"}])
    result = cli("publish", "-c", str(config))
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("posts: 0 new, 2 updated")  # no "feeds: 0 ok": none fetched
    assert all("- 财经" in text for text in posts(tmp_path).values())
    assert feed_server.hits["/stcn/yw"] == 1


def test_broken_feeds_are_reported_while_the_others_publish(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    good = feed_server.add("/good", body=GOOD, headers={"Content-Type": "application/xml"})
    missing = feed_server.url("/nothing-here")  # the server answers 404
    broken = feed_server.add("/boom", status=500, body=b"oops")
    slow = feed_server.add("/slow", body=GOOD, delay=5)
    page = feed_server.add(
        "/page",
        body=b"<!doctype html><html><head><title>Just a moment...</title></head>"
        b"<body>x</body></html>",
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    feeds = [
        {"url": u, "group": "g", "source": f"s{i}"}
        for i, u in enumerate([good, missing, broken, slow, page])
    ]
    feeds[3]["timeout"] = 0.5
    config = write_config(tmp_path, feeds)

    result = cli("run", "-c", str(config))

    assert result.code == 0  # the pass completed; failures are reported
    assert "feeds: 1 ok, 0 unchanged, 4 failed" in result.stdout
    assert len(posts(tmp_path)) == 2
    rows = {r["url"]: r for r in json.loads(cli("status", "-c", str(config), "--json").stdout)}
    assert rows[good]["last_error"] is None
    assert rows[missing]["last_error"] == "HTTP 404 Not Found"
    assert rows[missing]["http_status"] == 404
    assert rows[broken]["last_error"] == "HTTP 500 Internal Server Error: got text: oops"
    assert rows[slow]["last_error"] == "timed out after 0.5 s"
    assert rows[page]["last_error"] == "got text/html: <title>Just a moment...</title>"
    for url in (missing, broken, slow, page):
        assert url in result.stderr  # each failure is named in the run's output


def test_a_failure_never_deletes_earlier_posts(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.add("/feed", body=GOOD)
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    before = posts(tmp_path)
    feed_server.add("/feed", Route(status=503, body=b"down"))
    assert cli("run", "-c", str(config)).code == 0
    assert posts(tmp_path) == before
    feed_server.add("/feed", Route(body=b"<html><title>Maintenance</title></html>"))
    assert cli("run", "-c", str(config)).code == 0
    assert posts(tmp_path) == before


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_a_document_cut_inside_a_character_is_still_read_in_its_encoding(
    tmp_path: Path, feed_server: FeedServer, encoding: str
) -> None:
    """Cut one byte into a Chinese character, the bytes decoded in no codec
    whole: detection read them as ptcp154, and the earlier items were posted
    as Cyrillic, under file names that never came right."""
    items = [
        Item(title=f"标题{n}", guid=f"n{n}", html=f"<p>正文{n}，很长的一段话。</p>") for n in (1, 2)
    ]
    whole = rss("快讯", items, encoding=encoding)
    last = whole.rindex(b"<item>")
    cut = whole.index("很长".encode(encoding), last) + 1
    url = feed_server.add("/flash", body=whole[:cut])
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    result = cli("run", "-c", str(config))
    assert "posts: 1 new" in result.stdout, result.stdout
    (name,) = posts(tmp_path)
    assert name.startswith("标题1-"), name
    assert "title: '标题1'" in (tmp_path / "source" / "_posts" / name).read_text("utf-8")
    (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert "the document ends inside a character" in row["warning"], row["warning"]
    assert "ptcp154" not in row["warning"]


def test_a_document_cut_inside_an_item_changes_no_post_and_adds_none(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A dropped connection (a close-delimited body) or a file read while
    still being written: the item it ends in — half a body, no body, half a
    title — is left for the next fetch, never stored over the whole one."""
    items = [
        Item(title=f"第{n}条", guid=f"n{n}", html=f"<p>第{n}条的正文，很长的一段话。</p>")
        for n in range(1, 4)
    ]
    whole = rss("快讯", items)
    url = feed_server.add("/flash", body=whole)
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    before = posts(tmp_path)
    assert len(before) == 3
    last = whole.rindex(b"<item>")
    cuts = [
        whole.index(b"</pubDate>", last) + len(b"</pubDate>"),  # before its body
        whole.index("很长".encode(), last),  # inside its body
        whole.index(b"<title>", last) + len(b"<title>") + 2,  # inside its title
    ]
    for cut in cuts:
        feed_server.add("/flash", body=whole[:cut])
        result = cli("run", "-c", str(config))
        assert "posts: 0 new, 0 updated, 2 unchanged" in result.stdout, result.stdout
        assert posts(tmp_path) == before
        (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
        assert "the document ends inside an item (cut short?)" in row["warning"]
    # A new item cut off: not posted until it comes whole.
    newer = rss("快讯", [Item(title="第4条", guid="n4", html="<p>第4条的正文</p>"), *items])
    feed_server.add("/flash", body=newer[: newer.index("第4条的正文".encode())])
    assert "posts: 0 new" in cli("run", "-c", str(config)).stdout
    feed_server.add("/flash", body=newer)
    assert "posts: 1 new, 0 updated, 3 unchanged" in cli("run", "-c", str(config)).stdout


@pytest.mark.parametrize("where", ["inside-an-item", "between-items"])
def test_a_document_cut_short_keeps_no_validator_so_the_next_fetch_brings_it_whole(
    tmp_path: Path, feed_server: FeedServer, where: str
) -> None:
    """The server's ETag is the whole document's: kept for one cut short, the
    next fetch was "304 Not Modified" and the item left "for the next fetch"
    (or cut off whole, after the last one that came) never came while the
    feed stayed as it was."""
    whole = rss("快讯", [Item(title=f"第{n}条", guid=f"n{n}") for n in range(1, 4)])
    if where == "inside-an-item":
        cut = whole.index("第3条".encode())
    else:
        cut = whole.index(b"</item>", whole.index("第2条".encode())) + len(b"</item>")
    url = feed_server.add("/flash", body=whole[:cut], etag='"v1"')
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert "posts: 2 new" in cli("run", "-c", str(config)).stdout
    feed_server.add("/flash", body=whole, etag='"v1"')  # the same document, whole
    result = cli("run", "-c", str(config))
    assert "posts: 1 new, 0 updated, 2 unchanged" in result.stdout, result.stdout
    assert "If-None-Match" not in feed_server.requests[-1][1]
    (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert row["warning"] is None
    # Whole, its validators are kept again: the next fetch is a 304.
    assert "1 unchanged" in cli("run", "-c", str(config)).stdout
    assert feed_server.requests[-1][1].get("If-None-Match") == '"v1"'


@pytest.mark.parametrize(
    "after",
    [
        b"\n<br />\n<b>Warning</b>: Undefined variable $x in feed.php on line 9<br />\n",
        b"\n<script>var _hmt = _hmt || [];</script>\n",
        "\ufeff".encode(),
        b"\x1a",
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>',
        b"<item><title>after the end</title></item> trailing text",
    ],
)
def test_a_whole_document_with_junk_after_its_end_keeps_every_item(after: bytes) -> None:
    """Junk after the root (a PHP notice, a host's statistics script, a second
    document, even a stray item) makes a document ill-formed, not cut off."""
    from feedmill.parse import parse_document

    whole = rss("快讯", [Item(title=f"第{n}条", guid=f"n{n}") for n in range(1, 4)])
    parsed = parse_document(whole + after, "application/rss+xml")
    assert [e.title for e in parsed.entries][:3] == ["第1条", "第2条", "第3条"]
    assert not any("cut short" in w for w in parsed.warnings)


def test_a_document_cut_short_publishes_its_whole_items_and_no_empty_post(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    whole = rss("快讯", [Item(title=f"第{n}条", guid=f"n{n}") for n in range(1, 4)])
    # The connection dropped inside the third item: the parser's recovery makes
    # an item of "<item><ti", which was posted as an empty "(untitled)" page.
    cut = whole.index(b"<item>", whole.index(b"n2")) + len(b"<item><ti")
    url = feed_server.add("/flash", body=whole[:cut])
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    titles = sorted(text.split("\n")[1] for text in posts(tmp_path).values())
    assert titles == ["title: '第1条'", "title: '第2条'"]
    (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert row["last_error"] is None
    assert "the document ends inside an item (cut short?)" in row["warning"]
    # Whole again: the third item comes, and nothing else.
    feed_server.add("/flash", body=whole)
    assert cli("run", "-c", str(config)).code == 0
    assert len(posts(tmp_path)) == 3
    # Cut inside its first item, a document has nothing to publish: a failure
    # (retried later), not a pass that found no news.
    feed_server.add("/flash", body=whole[: whole.index(b"<item>") + len(b"<item><ti")])
    assert "1 failed" in cli("run", "-c", str(config)).stdout
    (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert "no whole item in it — cut short?" in row["last_error"]
    assert cli("status", "-c", str(config)).stdout.rstrip().endswith("1 feed: 0 ok, 1 failing")
    assert len(posts(tmp_path)) == 3


def test_a_feed_gone_for_good_is_said_so_and_backs_off_to_the_cap(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    from datetime import UTC, datetime, timedelta

    url = feed_server.add("/feed", body=GOOD)
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    feed_server.add("/feed", Route(status=410, body=b"gone"))
    before = datetime.now(UTC)

    assert cli("run", "-c", str(config)).code == 0

    (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert row["last_error"].startswith("HTTP 410 Gone (removed for good, says the server")
    assert row["error_streak"] == 1 and row["posts"] == 2  # never disabled, nothing deleted
    # The first failure of another kind waits 15 minutes at most (the interval).
    assert datetime.fromisoformat(row["next_attempt"]) - before >= timedelta(hours=12)
    assert len(posts(tmp_path)) == 2


def test_a_fifth_of_feeds_failing_in_different_ways(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """20 % of feeds fail, each differently: every good feed still publishes everything."""
    import socket
    from datetime import UTC, datetime

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    good = []
    for i in range(20):
        items = [Item(title=f"源{i}新闻{j}", guid=f"{i}-{j}") for j in range(3)]
        good.append(feed_server.add(f"/good{i}", body=rss(f"源{i} - 频道", items)))
    bad = {
        feed_server.url("/gone"): "HTTP 404 Not Found",
        feed_server.add(
            "/busy", status=503, headers={"Retry-After": "120"}
        ): "HTTP 503 Service Unavailable",
        feed_server.add("/slow", body=GOOD, delay=3): "timed out after 0.5 s",
        feed_server.add(
            "/login",
            body=b"<html><title>Login</title></html>",
            headers={"Content-Type": "text/html"},
        ): "got text/html: <title>Login</title>",
        f"http://127.0.0.1:{closed_port}/feed": "cannot connect: connection refused",
    }
    feeds = [{"url": u, "group": "g", "source": f"s{i}"} for i, u in enumerate(good + list(bad))]
    for feed in feeds:
        if feed["url"].endswith("/slow"):
            feed["timeout"] = "500ms"  # (a duration, as `interval` takes one)
    config = write_config(tmp_path, feeds)
    before = datetime.now(UTC)

    result = cli("run", "-c", str(config))

    assert result.code == 0
    assert "feeds: 20 ok, 0 unchanged, 5 failed" in result.stdout
    assert len(posts(tmp_path)) == 60
    rows = {r["url"]: r for r in json.loads(cli("status", "-c", str(config), "--json").stdout)}
    for url in good:
        assert rows[url]["posts"] == 3 and rows[url]["last_error"] is None
    for url, reason in bad.items():
        row = rows[url]
        assert row["last_error"] == reason
        assert row["error_streak"] == 1 and not row["ok"]
        assert datetime.fromisoformat(row["next_attempt"]) > before


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_error_quoting_a_servers_nul_or_lone_surrogate_is_recorded(
    tmp_path: Path, feed_server: FeedServer, request: pytest.FixtureRequest, backend: str
) -> None:
    """An error quotes what came back: a picture's bytes, a JSON error with
    \\u0000 or \\ud800.  PostgreSQL refused the NUL, and neither database
    could encode the surrogate: the pass failed (exit 1) every time, the
    feed's failure was never recorded, and other feeds' outcomes written with
    it were lost."""
    state = ".feedmill/state.db"
    if backend == "postgresql":
        from support.postgres import new_database

        state = new_database(request.getfixturevalue("postgres_url"))
    png = feed_server.add(
        "/png", body=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", headers={"Content-Type": "image/png"}
    )
    nul = feed_server.add(
        "/nul",
        body=b'{"error": "route failed\\u0000"}',
        headers={"Content-Type": "application/json"},
    )
    lone = feed_server.add(
        "/lone",
        body=b'{"error": "route failed \\ud800 here"}',
        headers={"Content-Type": "application/json"},
    )
    good = feed_server.add("/good", Route(body=GOOD, etag='"v1"'))
    feeds = [
        {"url": u, "group": "g", "source": f"s{i}"} for i, u in enumerate([png, nul, lone, good])
    ]
    config = write_config(tmp_path, feeds, state=state)
    for _ in range(2):  # the second pass: the good feed's 304 is recorded with the failures
        result = cli("run", "-c", str(config))
        assert result.code == 0, result.stderr
        assert "3 failed" in result.stdout
    rows = {r["url"]: r for r in json.loads(cli("status", "-c", str(config), "--json").stdout)}
    assert rows[png]["last_error"].startswith("got image/png")
    assert "\u2400" in rows[nul]["last_error"] and "\x00" not in rows[nul]["last_error"]
    assert "\ufffd" in rows[lone]["last_error"]
    assert all(rows[u]["error_streak"] == 2 for u in (png, nul, lone))
    assert rows[good]["ok"] and rows[good]["http_status"] == 304


# Run as `feedmill run`, then name the heavy modules the pass loaded.
_LOADED_BY_A_PASS = """
import sys
from feedmill.cli import main
sys.argv = ["feedmill", "run", "-c", sys.argv[1]]
try:
    main()
except SystemExit:
    pass
heavy = ("feedmill.worker", "feedmill.parse", "feedmill.store.search", "feedmill.fulltext",
         "feedmill.normalize.document", "feedmill.normalize.text", "feedmill.sanitize.clean",
         "feedmill.store.dedupe", "feedmill.filter.dedupe.decide",
         "lxml", "nh3", "jinja2", "rjieba", "feedparser", "feedmill.tagging",
         "sqlalchemy.dialects.postgresql")
print("loaded:", sorted(m for m in heavy if m in sys.modules))
"""


def test_a_pass_of_unchanged_feeds_loads_no_parser(tmp_path: Path, feed_server: FeedServer) -> None:
    """Every feed answering 304 is the usual pass: it starts without importing
    the parsers, sanitizer, templates or tokenizers (a third of start-up), nor
    the tagger (tags are off) or PostgreSQL's dialect (the state is SQLite)."""
    url = feed_server.add("/stcn/yw", Route(body=GOOD, etag='"v1"'))
    config = write_config(tmp_path, [{"url": url, "group": "金融", "source": "证券时报网"}])

    def run() -> str:
        command = [sys.executable, "-c", _LOADED_BY_A_PASS, str(config)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
        return done.stdout

    first = run()
    assert "1 ok" in first and "feedmill.worker" in first  # a document: the worker was needed
    second = run()
    assert "1 unchanged" in second
    assert "loaded: []" in second


RELATIVE = rss(
    "证券时报网 - 要闻",
    [
        Item(
            title="相对链接",
            guid="r-1",
            link="1.html",
            html='<p><a href="2.html">下一篇</a><img src="img/a.png"></p>',
        )
    ],
    link="/",  # no absolute site link: links resolve against the document's URL
)


def test_relative_links_resolve_where_the_document_was_found(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.add("/blog/news/feed.xml", body=RELATIVE)
    moved = feed_server.add("/feed", status=302, headers={"Location": "/blog/news/feed.xml"})
    config = write_config(tmp_path, [{"url": moved, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    (text,) = posts(tmp_path).values()
    base = feed_server.url("/blog/news/")
    assert f'href="{base}2.html"' in text and f'src="{base}img/a.png"' in text
    assert f"headimg: '{base}img/a.png'" in text


def test_a_password_in_the_feed_url_is_never_written(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.add("/blog/news/feed.xml", body=RELATIVE)
    with_password = url.replace("http://", "http://reader:s3cret@")
    config = write_config(tmp_path, [{"url": with_password, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    (text,) = posts(tmp_path).values()
    assert "s3cret" not in text and "reader@" not in text
    assert f'href="{feed_server.url("/blog/news/2.html")}"' in text
    # The server was asked with the credentials, as configured.
    assert feed_server.requests[-1][1]["Authorization"].startswith("Basic ")


@pytest.mark.parametrize("location", ["absolute", "relative"])
def test_a_password_in_the_feed_url_follows_a_redirect_on_its_host(
    tmp_path: Path, feed_server: FeedServer, location: str
) -> None:
    """nginx writes its redirects absolute (a trailing slash): aiohttp sends a
    URL's own user and password only, and the feed failed with a 401."""
    expected = "Basic " + base64.b64encode(b"reader:s3cret").decode()

    def guarded(handler: BaseHTTPRequestHandler) -> Route:
        if handler.headers.get("Authorization") != expected:
            return Route(status=401, body=b"login required")
        return Route(body=RELATIVE)

    feed_server.add("/blog/news/feed.xml", handler=guarded)
    target = feed_server.url("/blog/news/feed.xml") if location == "absolute" else "news/feed.xml"
    start = feed_server.add("/blog/feed", status=301, headers={"Location": target})
    with_password = start.replace("http://", "http://reader:s3cret@")
    config = write_config(tmp_path, [{"url": with_password, "group": "g", "source": "s"}])
    result = cli("run", "-c", str(config))
    assert "feeds: 1 ok" in result.stdout, result.stderr
    assert len(posts(tmp_path)) == 1


def test_a_failing_feeds_password_is_not_in_the_run_or_status_output(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    # What cron mails: "failed http://reader:s3cret@…: HTTP 401 Unauthorized".
    url = feed_server.add("/private.xml", status=401, body=b"no")
    with_password = url.replace("http://", "http://reader:s3cret@")
    config = write_config(tmp_path, [{"url": with_password, "group": "g", "source": "s"}])
    result = cli("run", "-c", str(config))
    assert f"failed {url}: HTTP 401" in result.stderr
    assert "s3cret" not in result.stdout + result.stderr
    table = cli("status", "-c", str(config)).stdout
    assert "s3cret" not in table
    assert url in table  # the one feed of its category: named all the same, as failing


def test_a_failing_feeds_access_key_is_not_in_the_run_or_status_output(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """RSSHub's access control puts its key in the query (`?key=…`): cron's
    mail and the status table showed it."""
    url = feed_server.add("/stcn/yw?key=s3cretkey&limit=20", status=403, body=b"denied")
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    result = cli("run", "-c", str(config))
    masked = url.replace("s3cretkey", "…")
    assert f"failed {masked}: HTTP 403" in result.stderr, result.stderr
    table = cli("status", "-c", str(config)).stdout
    assert "s3cretkey" not in result.stdout + result.stderr + table
    assert masked in "".join(table.split())
    # Nor in `--json`, whose rows name feeds as the table does; `--feed` takes
    # that name (a script's way from a failing row to fetching it again).
    [row] = json.loads(cli("status", "--json", "-c", str(config)).stdout)
    assert row["url"] == masked and "s3cretkey" not in json.dumps(row)
    feed_server.add("/stcn/yw?key=s3cretkey&limit=20", body=rss("源", [Item("一", guid="1")]))
    again = cli("run", "-c", str(config), "--feed", masked)
    assert again.code == 0 and "posts: 1 new" in again.stdout, again.stderr
    # So spelt another way, as the whole URL may be (a scheme in capitals).
    respelt = cli("run", "-c", str(config), "--feed", masked.replace("http://", "HTTP://"))
    assert respelt.code == 0 and "1 unchanged, 0 failed" in respelt.stdout, respelt.stderr


def test_an_access_key_stays_in_links_made_from_the_feeds_url(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Only output hides the key: a link resolved against the feed's URL
    (`#item-1`) is that URL, key and all — it was written with `key=…`."""
    body = rss("源", [Item(title="新闻", guid="1", link="#item-1")], link="")
    url = feed_server.add("/route?key=s3cret", body=body)
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    (hit,) = json.loads(cli("search", "新闻", "--json", "-c", str(config)).stdout)
    assert hit["link"] == f"{url}#item-1"


def test_a_new_time_zone_re_dates_what_the_feed_still_lists(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    body = rss("源 - 频道", [Item(title="无时区的新闻", guid="z1", pub_date="2022-09-21 00:30:00")])
    url = feed_server.add("/z", body=body, etag='"v1"')
    feed = {"url": url, "group": "g", "source": "源", "timezone": "UTC"}
    config = write_config(tmp_path, [feed])
    assert cli("run", "-c", str(config)).code == 0
    (post,) = posts(tmp_path).values()
    assert "date: Wed, 21 Sep 2022 00:30:00 GMT" in post
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout  # a 304
    write_config(tmp_path, [{**feed, "timezone": "Asia/Shanghai"}])
    result = cli("run", "-c", str(config))
    assert "posts: 0 new, 1 updated" in result.stdout  # read again, not a 304
    (post,) = posts(tmp_path).values()
    assert "date: Tue, 20 Sep 2022 16:30:00 GMT" in post
    assert "If-None-Match" not in feed_server.requests[-1][1]
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout


def test_a_new_time_zone_leaves_the_dates_that_name_their_zone(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A feed that re-dates its items (by their last edit) keeps each post's
    first date; a new `timezone` re-dated every item it listed, one whose
    date says "+0800" too — its post moved to another day's URL.  (One that
    says "CST", China's or US Central time by the zone, is re-dated.)"""
    cst = Item(title="中部时间", guid="c", pub_date="Wed Sep 21 14:30:00 CST 2022")

    def feed_dated(date: str) -> bytes:
        return rss("源", [Item(title="有时区的新闻", guid="z", pub_date=date), cst])

    url = feed_server.add("/z", body=feed_dated("Wed, 21 Sep 2022 23:00:00 +0800"))
    feed = {"url": url, "group": "g", "source": "源", "timezone": "Asia/Shanghai"}
    config = write_config(tmp_path, [feed])
    assert cli("run", "-c", str(config)).code == 0
    feed_server.add("/z", body=feed_dated("Thu, 22 Sep 2022 02:00:00 +0800"))
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout  # its first date
    write_config(tmp_path, [{**feed, "timezone": "UTC"}])
    assert cli("run", "-c", str(config)).code == 0
    dates = sorted(
        line for post in posts(tmp_path).values() for line in post.splitlines() if "date:" in line
    )
    assert dates == [
        "date: Wed, 21 Sep 2022 15:00:00 GMT",  # +0800, as first read
        "date: Wed, 21 Sep 2022 20:30:00 GMT",  # CST, now US Central's
    ], dates


def test_a_feeds_own_connect_timeout_overrides_the_fetch_setting(tmp_path: Path) -> None:
    """A host that is slow to accept (far away, behind a congested link) may
    be given longer, or a host known to be down shorter, than every other:
    ``connect_timeout`` per feed, as ``timeout``."""
    import socket

    with socket.socket() as listener:
        # A full backlog drops further SYNs, as a host that is down does.
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        address = listener.getsockname()
        fillers = [socket.socket() for _ in range(4)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(address)
        try:
            base = f"http://127.0.0.1:{address[1]}"
            own, inherited = f"{base}/own", f"{base}/inherited"
            feeds = [
                {"url": own, "group": "g", "source": "a", "connect_timeout": "300ms"},
                {"url": inherited, "group": "g", "source": "b"},
            ]
            config = write_config(tmp_path, feeds, fetch={"connect_timeout": 0.6})
            result = cli("run", "-c", str(config))
        finally:
            for filler in fillers:
                filler.close()
    assert result.code == 0, result.stderr
    rows = _status(config)
    assert rows[own]["last_error"] == "cannot connect: timed out after 0.3 s"
    assert rows[inherited]["last_error"] == "cannot connect: timed out after 0.6 s"


def _status(config: Path) -> dict[str, dict]:
    rows = json.loads(cli("status", "-c", str(config), "--json").stdout)
    return {row["url"]: row for row in rows}


@pytest.mark.parametrize(
    ("status", "headers"), [(410, {}), (503, {"Retry-After": "3600"}), (500, {})]
)
def test_a_failing_feed_pointed_elsewhere_with_moved_from_is_tried_at_once(
    tmp_path: Path, feed_server: FeedServer, status: int, headers: dict[str, str]
) -> None:
    """The old URL answered 410 (or asked for an hour, or failed): its error
    says to fix the URL, and `moved_from` keeps the feed's history — which
    kept the old place's backoff too: `run --due` (cron's) left the new URL
    for up to a day, status showing the old place's 410 against it."""
    old = feed_server.add("/old", body=GOOD)
    config = write_config(tmp_path, [{"url": old, "group": "g", "source": "s"}], interval="15m")
    assert "posts: 2 new" in cli("run", "-c", str(config)).stdout
    feed_server.add("/old", status=status, headers=headers)
    assert "1 failed" in cli("run", "-c", str(config)).stdout
    assert "1 failed" in cli("run", "-c", str(config)).stdout  # a run of failures there
    new = feed_server.add("/new", status=503)
    feeds = [{"url": new, "group": "g", "source": "s", "moved_from": old}]
    write_config(tmp_path, feeds, interval="15m")
    (row,) = _status(config).values()
    assert row["error_streak"] == 0 and row["last_error"] is None  # not the new place's
    assert "1 failed" in cli("run", "--due", "-c", str(config)).stdout
    (row,) = _status(config).values()
    assert row["error_streak"] == 1  # a first failure there, its backoff a first one's
    feed_server.add("/new", body=GOOD)
    assert "0 failed" in cli("run", "--all", "-c", str(config)).stdout
    result = cli("run", "--due", "-c", str(config))
    assert "1 not due" in result.stdout, result.stdout  # its interval, as any feed's
    assert feed_server.hits["/new"] == 2 and len(posts(tmp_path)) == 2
    row = _status(config)[new]
    assert row["error_streak"] == 0 and row["http_status"] == 200


@pytest.mark.parametrize("validator", ["etag", "last_modified"])
def test_a_feed_pointed_elsewhere_with_moved_from_asks_the_new_place_afresh(
    tmp_path: Path, feed_server: FeedServer, validator: str
) -> None:
    """The old place's ETag and date were sent to the new one, which answered
    304 (its file no newer): the items only it lists were never posted, and
    status said all was well."""
    kept = {validator: "v1" if validator == "etag" else "Tue, 20 Sep 2022 08:00:00 GMT"}
    old = feed_server.add("/old", body=GOOD, **kept)  # type: ignore[arg-type]
    config = write_config(tmp_path, [{"url": old, "group": "g", "source": "s"}])
    assert "posts: 2 new" in cli("run", "-c", str(config)).stdout
    more = [*ITEMS, Item(title="只在新址的一条", html="<p>新址独有</p>", guid="new-1")]
    new = feed_server.add("/new", body=rss("证券时报网 - 要闻", more), **kept)  # type: ignore[arg-type]
    write_config(tmp_path, [{"url": new, "group": "g", "source": "s", "moved_from": old}])
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    asked = dict(next(headers for path, headers in feed_server.requests if path == "/new"))
    assert "If-None-Match" not in asked and "If-Modified-Since" not in asked
    assert len(posts(tmp_path)) == 3


def test_a_feed_that_never_worked_pointed_elsewhere_is_not_fetched_yet(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Its URL only ever failed; mended with `moved_from`, the new URL was
    counted "ok" by the tally — never asked for, never a success — while
    `--json` said `"ok": false`."""
    old = feed_server.add("/old", status=404)
    config = write_config(tmp_path, [{"url": old, "group": "g", "source": "s"}])
    assert "1 failed" in cli("run", "-c", str(config)).stdout
    new = feed_server.add("/new", body=GOOD)
    write_config(tmp_path, [{"url": new, "group": "g", "source": "s", "moved_from": old}])
    assert "1 feed: 0 ok, 0 failing, 1 not fetched yet" in cli("status", "-c", str(config)).stdout
    assert _status(config)[new]["ok"] is False
    assert "posts: 2 new" in cli("run", "-c", str(config)).stdout
    assert "1 feed: 1 ok, 0 failing" in cli("status", "-c", str(config)).stdout


def test_the_workers_start_loading_early_only_for_feeds_never_read(
    tmp_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Feeds never read are parsed whatever they answer: the workers'
    forkserver starts loading at the pass's start.  Feeds read before may
    all answer 304 (a cron pass every 15 minutes): it started for nothing,
    a second of CPU and 100 MB each pass."""
    import feedmill.poolwatch

    started: list[None] = []
    real = feedmill.poolwatch.start_forkserver
    monkeypatch.setattr(feedmill.poolwatch, "start_forkserver", lambda: started.append(real()))
    feeds = [
        {"url": feed_server.add(f"/f{i}", body=rss(f"源{i}", [Item(f"新闻{i}", guid=str(i))])),
         "group": "g", "source": f"s{i}"}
        for i in range(20)
    ]  # fmt: skip
    config = write_config(tmp_path, feeds)
    assert "feeds: 20 ok" in cli("run", "--workers", "2", "-c", str(config)).stdout
    assert len(started) == 1
    assert "feeds: 0 ok, 20 unchanged" in cli("run", "--workers", "2", "-c", str(config)).stdout
    assert len(started) == 1


def test_a_redirect_chain_through_another_feed_at_a_later_hop_is_not_posted_twice(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A → 301 → X → 301 → B, where B is another feed of the config: the
    first hop names no feed, the second does — A's items are B's all the same."""
    a = feed_server.add("/a", status=301, headers={"Location": "/x"})
    feed_server.add("/x", status=301, headers={"Location": "/b"})
    b = feed_server.add("/b", body=GOOD)
    config = write_config(
        tmp_path,
        [{"url": a, "group": "g", "source": "甲"}, {"url": b, "group": "g", "source": "乙"}],
        dedupe=False,  # A's items would be held back as B's copies: counted here
    )
    expected = (
        f"redirected to {b}, the URL of feeds[1] (g / 乙) in feedmill.yml: remove one of the two"
    )
    for _ in range(3):  # as many as adopt a permanent move
        result = cli("run", "-c", str(config))
        assert result.code == 0 and " 1 failed" in result.stdout
        assert f"{a}: {expected}" in result.stderr.replace("\n", "")
        assert len(posts(tmp_path)) == 2  # B's two items, once
    row = _status(config)[a]
    assert row["fetch_url"] is None  # never adopted: A is not fetched as B each pass
    assert row["last_error"] == expected
    assert row["http_status"] == 301  # what A answered, not B's 200
    assert feed_server.hits["/a"] == 3 and feed_server.hits["/b"] == 6


def test_a_feed_that_failed_as_another_feeds_url_waits_its_interval_and_an_edit_not_at_all(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """ "Remove one of the two" is the config's failure, not the server's: it
    backed off as an outage does (up to a day), and a daemon whose config
    the user fixed as told still skipped the feed left, status showing an
    error that was no longer so."""
    from datetime import datetime, timedelta

    from feedmill.config import load_config
    from feedmill.pipeline import Mill

    a = feed_server.add("/a", status=301, headers={"Location": "/b"})
    b = feed_server.add("/b", body=GOOD)
    both = [{"url": a, "group": "g", "source": "甲"}, {"url": b, "group": "g", "source": "乙"}]
    config = write_config(tmp_path, both, interval="15m")
    with Mill(load_config(config)) as mill:
        for _ in range(3):
            assert mill.run().feeds_failed == 1
        row = _status(config)[a]
        assert row["error_streak"] == 3 and "remove one of the two" in row["last_error"]
        attempt = datetime.fromisoformat(row["last_attempt"])
        assert datetime.fromisoformat(row["next_attempt"]) - attempt <= timedelta(minutes=15)
        write_config(tmp_path, both[:1], interval="15m")  # as the error says
        mill.reconfigure(load_config(config))
        summary = mill.run()
    assert summary.feeds_ok == 1 and summary.feeds_failed == 0
    assert _status(config)[a]["error_streak"] == 0


def test_feeds_sent_to_one_login_page_are_each_told_what_came_back(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A site-wide sign-in page (a parking page, a home page every /rss/*
    goes to): only the feed there first was told what came back; the others
    were told to remove one another from a config that is right."""
    pages = {
        "text/html": (
            b"<!DOCTYPE html><html><head><title>Sign in - Example</title></head></html>",
            "got text/html: <title>Sign in - Example</title>",
        ),
        "text/plain": (b"Please sign in", "got text/plain: Please sign in"),
        "application/json": (
            b'{"code": 401, "message": "login required"}',
            "got application/json error: login required",
        ),
        "application/xml": (
            b'<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>',
            "got application/xml",
        ),
    }
    feeds = []
    for i, (content_type, (body, _)) in enumerate(pages.items()):
        feed_server.add(f"/login{i}", body=body, headers={"Content-Type": content_type})
        feeds += [
            {"url": feed_server.add(f"/private/{i}{name}", status=302,
                                    headers={"Location": f"/login{i}"}),
             "group": "g", "source": f"{i}{name}"}
            for name in "abc"
        ]  # fmt: skip
    config = write_config(tmp_path, feeds)
    result = cli("run", "-c", str(config))
    assert result.code == 0 and "12 failed" in result.stdout
    assert "remove one of the two" not in result.stdout + result.stderr
    rows = _status(config)
    for i, (_, said) in enumerate(pages.values()):
        for name in "abc":
            error = rows[feed_server.url(f"/private/{i}{name}")]["last_error"]
            assert error.startswith(said), error


def test_two_feeds_sent_for_good_to_one_url_are_not_posted_twice(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Two URLs of one blog (`/feed` and `/rss`) redirected to its `/feed.xml`,
    which the config does not name: the one sent there second fails, naming
    the other, every pass — and never adopts the move — while the first
    posts the items once and moves there for good."""
    feed = feed_server.add("/feed", status=301, headers={"Location": "/feed.xml"})
    rss_ = feed_server.add("/rss", status=301, headers={"Location": "/feed.xml"})
    target = feed_server.add("/feed.xml", body=GOOD)
    feeds = [
        {"url": feed, "group": "g", "source": "甲"},
        {"url": rss_, "group": "g", "source": "乙"},
    ]
    config = write_config(tmp_path, feeds, dedupe=False)  # else held back as copies
    failing = set()
    for run in range(1, 5):  # past the three fetches that adopt a permanent move
        result = cli("run", "-c", str(config))
        assert result.code == 0 and " 1 failed" in result.stdout, result.stdout
        assert len(posts(tmp_path)) == len(ITEMS)  # once
        assert feed_server.hits["/feed.xml"] == 2 * run  # both redirects followed
        rows = _status(config)
        failing |= {url for url, row in rows.items() if row["last_error"]}
    (loser,) = failing  # the same feed every pass
    ((index, winner),) = [(i, f) for i, f in enumerate(feeds) if f["url"] != loser]
    assert rows[loser]["last_error"] == (
        f"redirected to {target}, where feeds[{index}] (g / {winner['source']}) goes too:"
        " remove one of the two"
    )
    assert rows[loser]["fetch_url"] is None
    assert rows[winner["url"]]["fetch_url"] == target
    # Once moved, the first is fetched there: the second still fails.
    assert " 1 failed" in cli("run", "-c", str(config)).stdout
    assert _status(config)[loser]["last_error"] == rows[loser]["last_error"]
    assert len(posts(tmp_path)) == len(ITEMS)


def test_two_feeds_sent_for_now_to_one_url_keep_one_winner_from_pass_to_pass(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Redirected for now (302), no move is stored: whichever feed answered
    first in a pass took the place — the other's posts came in another pass,
    each item twice — and `--feed` of the second alone, or a pass where the
    first failed, posted them all again. The feed that had the place keeps it."""
    feed = feed_server.add("/feed", status=302, headers={"Location": "/feed.xml"})
    rss_ = feed_server.add("/rss", status=302, headers={"Location": "/feed.xml"})
    feed_server.add("/feed.xml", body=GOOD)
    feeds = [
        {"url": feed, "group": "g", "source": "甲"},
        {"url": rss_, "group": "g", "source": "乙"},
    ]
    config = write_config(tmp_path, feeds, dedupe=False)  # else held back as copies
    assert " 1 failed" in cli("run", "-c", str(config)).stdout
    (loser,) = [url for url, row in _status(config).items() if row["last_error"]]
    winner = feed if loser == rss_ else rss_
    alone = cli("run", "-c", str(config), "--feed", loser)
    assert " 1 failed" in alone.stdout and "goes too" in alone.stderr, alone.stdout
    # The winner fails for now: the other is still refused the place.
    route = feed_server.routes[urlsplit(winner).path]
    feed_server.add(urlsplit(winner).path, status=502)
    assert " 2 failed" in cli("run", "-c", str(config)).stdout
    feed_server.routes[urlsplit(winner).path] = route
    for _ in range(2):
        assert " 1 failed" in cli("run", "-c", str(config)).stdout
        assert _status(config)[loser]["last_error"]
    assert len(posts(tmp_path)) == len(ITEMS)  # once
    # A maintenance page at its own URL (a 200 of HTML) frees it not either …
    feed_server.add(urlsplit(winner).path, body=b"<html><title>Maintenance</title></html>",
                    headers={"Content-Type": "text/html"})  # fmt: skip
    assert " 2 failed" in cli("run", "-c", str(config)).stdout
    feed_server.routes[urlsplit(winner).path] = route
    assert len(posts(tmp_path)) == len(ITEMS)
    # … nor an empty answer …
    feed_server.add(urlsplit(winner).path, status=204, body=b"")
    cli("run", "-c", str(config))
    feed_server.routes[urlsplit(winner).path] = route
    assert len(posts(tmp_path)) == len(ITEMS)
    # … nor a 404 for now (a redeploy).
    feed_server.add(urlsplit(winner).path, status=404)
    assert " 2 failed" in cli("run", "-c", str(config)).stdout
    feed_server.routes[urlsplit(winner).path] = route
    assert " 1 failed" in cli("run", "-c", str(config)).stdout
    assert "goes too" in _status(config)[loser]["last_error"]
    assert len(posts(tmp_path)) == len(ITEMS)
    # Gone from its URL (410), it is sent there no more: the other has the place.
    feed_server.add(urlsplit(winner).path, status=410)
    for _ in range(2):  # (in the pass it is fetched after the other, the next)
        cli("run", "-c", str(config))
    rows = _status(config)
    assert rows[loser]["last_error"] is None and "410" in rows[winner]["last_error"], rows


def test_a_place_a_feed_is_redirected_to_stays_its_own_after_its_url_is_edited(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """The feed holding the place edited to a new URL (`moved_from`), sent
    there too: the same feed — the other, fetched alone, posted every item
    again under its own names."""
    feed = feed_server.add("/feed", status=302, headers={"Location": "/feed.xml"})
    rss_ = feed_server.add("/rss", status=302, headers={"Location": "/feed.xml"})
    blog = feed_server.add("/blog/feed", status=302, headers={"Location": "/feed.xml"})
    feed_server.add("/feed.xml", body=GOOD)
    first = {"url": feed, "group": "g", "source": "甲"}
    config = write_config(tmp_path, [first], dedupe=False)
    assert cli("run", "-c", str(config)).code == 0
    other = {"url": rss_, "group": "g", "source": "乙"}
    config = write_config(tmp_path, [first, other], dedupe=False)
    assert " 1 failed" in cli("run", "-c", str(config)).stdout
    moved = {**first, "url": blog, "moved_from": feed}
    config = write_config(tmp_path, [moved, other], dedupe=False)
    alone = cli("run", "-c", str(config), "--feed", rss_)
    assert " 1 failed" in alone.stdout and "goes too" in alone.stderr, alone.stdout
    assert " 1 failed" in cli("run", "-c", str(config)).stdout
    assert _status(config)[rss_]["last_error"]
    assert len(posts(tmp_path)) == len(ITEMS)


def test_a_feed_whose_adopted_move_is_another_feed_is_not_fetched_twice_with_dedupe_on(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """The move was adopted, then the new place added as a feed of its own
    (the old entry kept), dedupe on: the old entry fails, naming the other
    feed; the new one's items are its copies, and its next item is posted
    once, under the new feed alone."""
    old = feed_server.add("/old", status=301, headers={"Location": "/new"})
    new = feed_server.add("/new", body=GOOD)
    config = write_config(tmp_path, [{"url": old, "group": "g", "source": "s"}])
    for _ in range(3):  # as many as adopt a permanent move
        assert cli("run", "-c", str(config)).code == 0
    assert _status(config)[old]["fetch_url"] == new
    feeds = [{"url": old, "group": "g", "source": "s"}, {"url": new, "group": "g", "source": "新"}]
    write_config(tmp_path, feeds, dedupe=True)
    expected = (
        f"moved to {new}, the URL of feeds[1] (g / 新) in feedmill.yml: remove one of the two"
    )
    for run in range(3):
        hits = feed_server.hits["/new"]
        result = cli("run", "-c", str(config))
        assert result.code == 0 and " 1 failed" in result.stdout
        assert f"{old}: {expected}" in result.stderr.replace("\n", "")
        assert feed_server.hits["/new"] == hits + 1  # fetched once a pass, not twice
        # The new feed's items are copies of the old entry's posts: held back.
        assert f"posts: 0 new, {2 if run == 0 else 0} updated" in result.stdout
        if run == 0:
            assert "2 duplicates" in result.stdout
    assert len(posts(tmp_path)) == 2
    assert all("同时报道：新" in text for text in posts(tmp_path).values())
    # A new item at the new place: one post, the new feed's, reported by no other.
    fresh = Item(title="第三条新闻来了", guid="ok-3", html="<p>一条全新的消息，内容完全不同。</p>")
    feed_server.add("/new", body=rss("证券时报网 - 要闻", [fresh, *ITEMS]))
    result = cli("run", "-c", str(config))
    assert result.code == 0 and " 1 failed" in result.stdout
    assert "posts: 1 new, 0 updated" in result.stdout
    (text,) = [t for t in posts(tmp_path).values() if "第三条新闻来了" in t]
    assert "\nauthor: 新\n" in text
    assert "also_reported_by" not in text and "同时报道" not in text
    assert _status(config)[old]["last_error"] == expected


def test_a_failure_after_the_document_was_stored_breaks_a_run_of_redirects(
    tmp_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three answers in a row at the end of one permanent redirect adopt the
    move; a failure breaks the run and drops what the server asked (its
    max-age) — also one after the feed's row was stored with the document
    (a folder where its post's file goes): two answers after it adopt
    nothing, the third does."""
    old = feed_server.add("/old", body=GOOD)
    config = write_config(tmp_path, [{"url": old, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    fresh = Item(title="第三条新闻", guid="ok-3")
    new = feed_server.add(
        "/new",
        body=rss("证券时报网 - 要闻", [fresh, *ITEMS]),
        headers={"Cache-Control": "max-age=7200"},
    )
    feed_server.add("/old", status=301, headers={"Location": "/new"})

    def a_folder_there(_staged: object, path: object) -> None:
        raise IsADirectoryError(errno.EISDIR, "Is a directory", path)

    import feedmill.worker

    with monkeypatch.context() as patched:
        patched.setattr(feedmill.worker, "place", a_folder_there)
        result = cli("run", "-c", str(config))
    assert " 1 failed" in result.stdout
    row = _status(config)[old]
    assert (row["error_streak"], row["redirect_url"], row["redirect_streak"]) == (1, None, 0)
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        assert db.execute("select hint_until from feeds").fetchone() == (None,)
    for streak in (1, 2):
        assert cli("run", "-c", str(config)).code == 0
        row = _status(config)[old]
        assert (row["fetch_url"], row["redirect_streak"]) == (None, streak)
    assert cli("run", "-c", str(config)).code == 0
    assert _status(config)[old]["fetch_url"] == new


@pytest.mark.parametrize(
    ("body", "could"),
    [
        (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', True),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>', True),
        (b'<atom:feed xmlns:atom="http://www.w3.org/2005/Atom"></atom:feed>', True),
        (b'<rdf:RDF xmlns:rdf="x"></rdf:RDF>', True),
        (b'Warning: session_start()\n<?xml version="1.0"?><rss></rss>', True),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', True),
        # Keys sorted, a long description first.
        (b'{"description": "' + b"x" * 6000 + b'", "items": [], "version": "1"}', True),
        # A PHP warning written as HTML before the feed.
        (
            b"<br />\n<b>Warning</b>: x on line <b>5</b><br />\n<?xml version='1.0'?><rss></rss>",
            True,
        ),
        ("<rss></rss>".encode("utf-16"), True),
        (b'<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>', False),
        (b'{"code": 401, "message": "login required"}', False),
        (b"Please sign in", False),
        (b"<!DOCTYPE html><html></html>", False),
        (b"[1, 2]", False),
        # A long comment or DOCTYPE before the root.
        (b"<?xml version='1.0'?><!--" + b"x" * 5000 + b"--><rss></rss>", True),
        (b"<!DOCTYPE rss [" + b"<!ENTITY a 'b'>" * 400 + b"]><rss></rss>", True),
        # An API's error with a version of its own; a page with an SVG logo's RDF.
        (b'{"error": "login required", "version": "2.3"}', False),
        (
            b"<html><title>Sign in</title><svg><metadata>\n  <rdf:RDF></rdf:RDF></metadata></svg>",
            False,
        ),
        (b"<!DOCTYPE html>\n<html><div>\n<?xml version='1.0'?>\n<svg></svg></div></html>", False),
        # After a PHP warning: RSS 1.0, a prefixed Atom root, RSS in capitals, no new line.
        (b"<br />\n<b>Warning</b>: x<br />\n<rdf:RDF xmlns:rdf='r'></rdf:RDF>", True),
        (b"<br />\n<b>Warning</b>: x<br />\n<atom:feed xmlns:atom='a'></atom:feed>", True),
        (b"<br />\n<b>Warning</b>: x<br />\n<RSS version='2.0'></RSS>", True),
        (b"<br /><b>Warning</b>: x on line <b>3</b><br /><?xml version='1.0'?><rss></rss>", True),
        (b"", False),
        (b"\x89PNG\r\n\x1a\n....", False),
    ],
)
def test_what_could_be_a_feed(body: bytes, could: bool) -> None:
    """What a redirect led to is claimed against other feeds' (two feeds,
    one document) only if it may be a feed; a feed is never mistaken for
    something else (it would be posted twice)."""
    from feedmill.parse import ParseError, parse_document
    from feedmill.parse.sniff import could_be_a_feed

    assert could_be_a_feed(body) is could
    if not could:  # (what the parser says is tested elsewhere)
        with pytest.raises(ParseError):
            parse_document(body, None)
