"""Fetching against a real loopback server: robust, polite and bounded."""

from __future__ import annotations

import asyncio
import codecs
import gzip
import json
import os
import re
import socket
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import brotli
import pytest
import trustme

import feedmill
from feedmill import urls
from feedmill.fetch import Fetcher, FetchOptions, FetchRequest, in_host_turns
from feedmill.fetch import client as fetch_client
from feedmill.fetch.client import keeps_credentials
from feedmill.models import FetchStatus

from support.feeds import Item, rss
from support.server import FeedServer, Route, peak_overlap, resetting_server
from support.site import cli, posts, write_config

ENCODINGS = Path(__file__).parent / "data" / "encoding"
FEED = rss("证券时报网 - 要闻", [Item(title="第一条", guid="a"), Item(title="第二条", guid="b")])
MiB = 1024 * 1024


def fetch(request: FetchRequest, **options: object) -> object:
    async def go() -> object:
        async with Fetcher(FetchOptions(**options)) as fetcher:  # type: ignore[arg-type]
            return await fetcher.fetch(request)

    return asyncio.run(go())


def fetch_all(requests: list[FetchRequest], **options: object) -> list:
    async def go() -> list:
        async with Fetcher(FetchOptions(**options)) as fetcher:  # type: ignore[arg-type]
            return list(await asyncio.gather(*(fetcher.fetch(r) for r in requests)))

    return asyncio.run(go())


def status(config: Path) -> dict[str, dict]:
    rows = json.loads(cli("status", "-c", str(config), "--json").stdout)
    return {row["url"]: row for row in rows}


def status_after_a_run(site: Path, feeds: list[dict[str, Any]]) -> dict[str, dict]:
    """`status` by URL after one run of a config of ``feeds``."""
    config = write_config(site, feeds)
    assert cli("run", "-c", str(config)).code == 0
    return status(config)


def error_of_one(tmp_path: Path, feed_server: FeedServer, **route: Any) -> str | None:
    """The error `status` gives after a run of a config of one feed, which
    the server answers with ``route``."""
    url = feed_server.add("/x", **route)
    feeds = [{"url": url, "group": "g", "source": "s"}]
    return status_after_a_run(tmp_path, feeds)[url]["last_error"]


# -- conditional GET and unchanged bodies -------------------------------------


def test_304_costs_no_parse_and_no_write(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.add(
        "/f", body=FEED, etag='"v1"', last_modified="Tue, 20 Sep 2022 16:00:00 GMT"
    )
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert "2 new" in cli("run", "-c", str(config)).stdout
    result = cli("run", "-c", str(config))
    assert "feeds: 0 ok, 1 unchanged" in result.stdout
    _, headers = feed_server.requests[-1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Tue, 20 Sep 2022 16:00:00 GMT"
    assert status(config)[url]["http_status"] == 304


def test_a_last_modified_later_than_the_response_is_not_sent_back(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A site that dates its feed by its newest item, one scheduled for 2099
    (Rails' `fresh_when`), answers "304" to every If-Modified-Since of that
    date: sent back, it hid every item that came later."""
    future = "Mon, 02 Jun 2099 10:00:00 GMT"
    url = feed_server.add("/f", body=FEED, last_modified=future)
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert "2 new" in cli("run", "-c", str(config)).stdout
    items = [Item(title="第一条", guid="a"), Item(title="第二条", guid="b")]
    more = rss("证券时报网 - 要闻", [*items, Item(title="第三条", guid="c")])
    feed_server.add("/f", body=more, last_modified=future)
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    _, headers = feed_server.requests[-1]
    assert "If-Modified-Since" not in headers
    with closing(sqlite3.connect(tmp_path / ".feedmill" / "state.db")) as db, db:
        assert db.execute("SELECT last_modified FROM feeds").fetchall() == [(None,)]
        # One an earlier release stored is not sent either.
        db.execute("UPDATE feeds SET last_modified = ?", (future,))
    assert "posts: 0 new, 0 updated" in cli("run", "-c", str(config)).stdout
    _, headers = feed_server.requests[-1]
    assert "If-Modified-Since" not in headers
    assert len(posts(tmp_path)) == 3


def test_unchanged_200_body_is_not_parsed_again(
    tmp_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = feed_server.add("/f", body=FEED)  # no validators: always 200
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    import feedmill.worker

    def no_parse(*args: object) -> None:
        raise AssertionError("an unchanged body was parsed")

    monkeypatch.setattr(feedmill.worker, "parse_document", no_parse)
    result = cli("run", "-c", str(config))
    assert "feeds: 0 ok, 1 unchanged" in result.stdout
    assert feed_server.hits["/f"] == 2


def test_a_charset_label_fixed_in_the_header_reads_the_same_bytes_anew(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """The same bytes under another Content-Type are another reading: the
    wrong label's warning stayed in `status` until the feed itself changed."""
    body = (ENCODINGS / "http-charset-contradicts.xml").read_bytes()
    # (With validators too: the server answers "not modified" to the same bytes.)
    url = feed_server.add(
        "/e", body=body, headers={"Content-Type": "text/xml; charset=gbk"}, etag='"v1"'
    )
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    assert status(config)[url]["warning"] == "declared gbk but the bytes are UTF-8"
    written = posts(tmp_path)
    assert "feeds: 0 ok, 1 unchanged" in cli("run", "-c", str(config)).stdout
    feed_server.add(
        "/e", body=body, headers={"Content-Type": "text/xml; charset=utf-8"}, etag='"v1"'
    )
    assert "feeds: 1 ok, 0 unchanged" in cli("run", "-c", str(config)).stdout
    assert status(config)[url]["warning"] is None
    assert posts(tmp_path) == written
    # Its label right, it is asked "if none match" again: not modified.
    assert "feeds: 0 ok, 1 unchanged" in cli("run", "-c", str(config)).stdout
    assert feed_server.requests[-1][1].get("If-None-Match") == '"v1"'


# -- content encodings and caps -------------------------------------------------


@pytest.mark.parametrize("coding", ["gzip", "deflate", "deflate-raw", "br"])
def test_compressed_bodies(feed_server: FeedServer, coding: str) -> None:
    if coding == "gzip":
        body = gzip.compress(FEED)
    elif coding == "deflate":
        body = zlib.compress(FEED)
    elif coding == "deflate-raw":
        compressor = zlib.compressobj(wbits=-15)
        body = compressor.compress(FEED) + compressor.flush()
    else:
        body = brotli.compress(FEED)
    header = coding.split("-")[0]
    url = feed_server.add("/c", body=body, headers={"Content-Encoding": header})
    result = fetch(FetchRequest(url))
    assert result.status is FetchStatus.OK and result.body == FEED
    _, headers = feed_server.requests[-1]
    assert headers["Accept-Encoding"] == "gzip, deflate, br"


def test_codings_on_two_header_lines_are_undone_in_turn(feed_server: FeedServer) -> None:
    """``Content-Encoding: gzip`` then ``Content-Encoding: br`` is one list (RFC
    9110): only gzip was undone ("corrupt compressed body")."""
    body = brotli.compress(gzip.compress(FEED))
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nContent-Encoding: gzip\r\n"
    raw = head.encode() + b"Content-Encoding: br\r\nConnection: close\r\n\r\n" + body
    result = fetch(FetchRequest(feed_server.add("/two", raw=raw)))
    assert result.status is FetchStatus.OK and result.body == FEED, result.error
    # One coding on both lines: a proxy that repeated the header (read so before).
    body = gzip.compress(FEED)
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nContent-Encoding: gzip\r\n"
    raw = head.encode() + b"Content-Encoding: gzip\r\nConnection: close\r\n\r\n" + body
    result = fetch(FetchRequest(feed_server.add("/repeated", raw=raw)))
    assert result.status is FetchStatus.OK and result.body == FEED, result.error


def test_a_charset_sent_as_content_encoding_reads_the_body_as_sent(feed_server: FeedServer) -> None:
    url = feed_server.add("/u", body=FEED, headers={"Content-Encoding": "utf-8"})
    result = fetch(FetchRequest(url))
    assert result.status is FetchStatus.OK and result.body == FEED
    zstd = feed_server.add("/z", body=b"(zstd frames)", headers={"Content-Encoding": "zstd"})
    refused = fetch(FetchRequest(zstd))
    assert refused.status is FetchStatus.FAILED and "unsupported Content-Encoding 'zstd'" in str(
        refused.error
    )


def _bomb(coding: str, size: int) -> bytes:
    """``size`` bytes of zeros, compressed with ``coding`` into a few hundred KiB."""
    zeros = b"\0" * MiB
    if coding == "br":
        brotli_compressor = brotli.Compressor(quality=1)
        parts = [brotli_compressor.process(zeros) for _ in range(size // MiB)]
        return b"".join(parts) + brotli_compressor.finish()
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31 if coding == "gzip" else 15)
    parts = [compressor.compress(zeros) for _ in range(size // MiB)]
    return b"".join(parts) + compressor.flush()


def test_urls_with_chinese_and_spaces_are_sent_percent_encoded(feed_server: FeedServer) -> None:
    # RSSHub routes as users paste them from its docs.
    feed_server.add("/weibo/keyword/%E7%83%AD%E7%82%B9", body=FEED)
    feed_server.add(
        "/weibo/keyword/%E7%83%AD%E7%82%B9?%E6%A0%87%E7%AD%BE=%E6%96%B0%E9%97%BB", body=FEED
    )
    feed_server.add("/search/a%20b", body=FEED)
    for written in (
        "/weibo/keyword/热点?标签=新闻",
        "/weibo/keyword/%E7%83%AD%E7%82%B9",
        "/search/a b",
    ):
        result = fetch(FetchRequest(feed_server.url(written)))
        assert result.status is FetchStatus.OK, (written, result.error)
    sent = [path for path, _ in feed_server.requests]
    assert sent == [
        "/weibo/keyword/%E7%83%AD%E7%82%B9?%E6%A0%87%E7%AD%BE=%E6%96%B0%E9%97%BB",
        "/weibo/keyword/%E7%83%AD%E7%82%B9",  # already encoded: not encoded twice
        "/search/a%20b",
    ]


@pytest.mark.parametrize(
    ("written", "sent"),
    [
        # Already valid: sent exactly as written (signed query strings …).
        (
            "https://s3.example/k?Sig=ab%2Bcd&x=a+b&y=c=d",
            "https://s3.example/k?Sig=ab%2Bcd&x=a+b&y=c=d",
        ),
        (
            "https://ex.example/热点?q=降准 利率",
            "https://ex.example/%E7%83%AD%E7%82%B9?q=%E9%99%8D%E5%87%86%20%E5%88%A9%E7%8E%87",
        ),
        ("https://ex.example/%E7%83%AD 热", "https://ex.example/%E7%83%AD%20%E7%83%AD"),
        ("https://ex.example/热?", "https://ex.example/%E7%83%AD?"),
        ("http://[::1]:8080/路径", "http://[::1]:8080/%E8%B7%AF%E5%BE%84"),
        # International host names as browsers send them (IDNA 2008, UTS 46).
        ("https://straße.example/feed", "https://xn--strae-oqa.example/feed"),
        ("http://例子.测试/", "http://xn--fsqu00a.xn--0zwm56d/"),
    ],
)
def test_what_goes_on_the_wire(written: str, sent: str) -> None:
    from feedmill.urls import for_request, without_userinfo

    assert for_request(written) == sent
    assert without_userinfo("http://user:p%40ss@host.example/热") == "http://host.example/热"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://rsshub.example/stcn/yw?key=abc123", "https://rsshub.example/stcn/yw?key=…"),
        (
            "https://rsshub.example/x?limit=5&code=0123456789abcdef0123456789ABCDEF",
            "https://rsshub.example/x?limit=5&code=…",
        ),
        ("https://a.example/quote?code=600519", "https://a.example/quote?code=600519"),
        (
            "https://u:pw@a.example/f?access_token=t&x=1#k",
            "https://a.example/f?access_token=…&x=1#k",
        ),
        ("https://a.example/f?monkey=1&API_KEY=z", "https://a.example/f?monkey=1&API_KEY=…"),
        # A name that ends in a secret's word (GitLab's private feeds, signed URLs).
        (
            "https://gitlab.example/u.atom?feed_token=glft-abc&x=1",
            "https://gitlab.example/u.atom?feed_token=…&x=1",
        ),
        (
            "https://a.example/f?auth_token=a;private_token=b&access-token=c&apiKey=d",
            "https://a.example/f?auth_token=…;private_token=…&access-token=…&apiKey=…",
        ),
        (
            "https://s3.example/f.xml?X-Amz-Credential=AK%2F1&X-Amz-Signature=ff&X-Amz-Expires=60",
            "https://s3.example/f.xml?X-Amz-Credential=…&X-Amz-Signature=…&X-Amz-Expires=60",
        ),
        (
            "https://a.example/f?client_secret=s&sort_key=k",
            "https://a.example/f?client_secret=…&sort_key=…",
        ),
        (
            "https://a.example/f?keyword=央行&tokens_only=1",
            "https://a.example/f?keyword=央行&tokens_only=1",
        ),
        (
            "https://pt.example/torrentrss.php?passkey=p&rsskey=r&authkey=a&sesskey=s",
            "https://pt.example/torrentrss.php?passkey=…&rsskey=…&authkey=…&sesskey=…",
        ),
    ],
)
def test_a_url_is_shown_without_its_secrets(url: str, expected: str) -> None:
    from feedmill.urls import shown

    assert shown(url) == expected


def test_a_compressed_body_cut_off_fails_and_publishes_nothing(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    whole = gzip.compress(FEED)
    url = feed_server.add(
        "/cut", body=whole[: len(whole) // 2], headers={"Content-Encoding": "gzip"}
    )
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    assert status(config)[url]["last_error"] == "truncated compressed body: the stream ends early"
    assert not posts(tmp_path)


@pytest.mark.parametrize(("coding", "size"), [("gzip", 512), ("deflate", 128), ("br", 128)])
def test_compression_bomb_ends_with_a_clear_error_and_bounded_memory(
    feed_server: FeedServer, coding: str, size: int
) -> None:
    bomb = _bomb(coding, size * MiB)  # 512 MiB of gzip is ~500 KiB on the wire
    url = feed_server.add("/bomb", body=bomb, headers={"Content-Encoding": coding})
    tracemalloc.start()
    try:
        result = fetch(FetchRequest(url), max_body=15 * MiB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.status is FetchStatus.FAILED
    assert result.error == "body larger than 15 MiB after decompression (fetch.max_body)"
    assert peak < 40 * MiB  # the cap plus small slices, never the inflated body


def test_oversize_body_is_refused(feed_server: FeedServer, tmp_path: Path) -> None:
    url = feed_server.add("/big", body=b"x" * (2 * MiB))
    result = fetch(FetchRequest(url), max_body=1 * MiB)
    assert result.status is FetchStatus.FAILED
    assert result.error == "body larger than 1 MiB (Content-Length 2097152; fetch.max_body)"
    # Sent as it is, without a length: no decompression to speak of.
    raw = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"x" * (2 * MiB)
    unsized = fetch(FetchRequest(feed_server.add("/unsized", raw=raw)), max_body=1 * MiB)
    assert unsized.error == "body larger than 1 MiB (fetch.max_body)"
    # A coding that is none ("Identity"): nothing was decompressed either.
    for coding in (b"Identity", b"none, binary"):
        named = raw.replace(b"close\r\n", b"close\r\nContent-Encoding: " + coding + b"\r\n", 1)
        identity = fetch(FetchRequest(feed_server.add("/named", raw=named)), max_body=1 * MiB)
        assert identity.error == "body larger than 1 MiB (fetch.max_body)", coding
    local = tmp_path / "big.xml"
    local.write_bytes(b"x" * (2 * MiB))
    from_disk = fetch(FetchRequest(local.as_uri()), max_body=1 * MiB)
    assert from_disk.error == "file larger than 1 MiB (fetch.max_body)"


# -- timeouts and connections -----------------------------------------------------


def test_slowloris_ends_at_the_deadline(feed_server: FeedServer) -> None:
    url = feed_server.add("/slow", body=FEED, trickle=0.05)  # ~40 s for the whole body
    result = fetch(FetchRequest(url, timeout=1.0))  # a whole body would have been "ok"
    assert result.status is FetchStatus.FAILED and result.error == "timed out after 1 s"


def test_the_deadline_starts_when_the_request_is_sent_not_while_queued(
    feed_server: FeedServer,
) -> None:
    # Six answers of 0.5 s, two at a time: the last starts after ~1 s of
    # queueing and still has its whole 1.2 s.
    urls = [feed_server.add(f"/q{i}", body=FEED, delay=0.5) for i in range(6)]
    results = fetch_all([FetchRequest(u, timeout=1.2) for u in urls], per_host=2)
    assert [r.status for r in results] == [FetchStatus.OK] * 6
    assert feed_server.peak == 2


def test_a_redirect_hop_waiting_for_its_slot_is_not_timed(feed_server: FeedServer) -> None:
    # /moved answers at once, then its next hop queues behind three slow feeds.
    moved = feed_server.add("/moved", status=301, headers={"Location": "/here"})
    feed_server.add("/here", body=FEED)
    slow = [feed_server.add(f"/slow{i}", body=FEED, delay=0.5) for i in range(3)]
    results = fetch_all([FetchRequest(u, timeout=1.0) for u in [moved, *slow]], per_host=1)
    assert [r.status for r in results] == [FetchStatus.OK] * 4


@pytest.mark.parametrize("own_timeout", [None, 60.0])
def test_a_host_that_never_accepts_ends_at_the_connect_timeout(own_timeout: float | None) -> None:
    """A listener whose backlog is full drops further SYNs, like a host that
    is down: the connect timeout ends it, and the error says so — for a feed
    with its own timeout and for one with the default."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        address = listener.getsockname()
        fillers = [socket.socket() for _ in range(4)]  # never accepted: the backlog fills
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(address)
        try:
            url = f"http://127.0.0.1:{address[1]}/feed"
            result = fetch(FetchRequest(url, timeout=own_timeout), connect_timeout=0.5)
        finally:
            for filler in fillers:
                filler.close()
    assert result.status is FetchStatus.FAILED
    assert result.error == "cannot connect: timed out after 0.5 s"


def test_a_stuck_name_lookup_ends_at_the_connect_timeout(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aiohttp.connector

    resolver = aiohttp.connector.DefaultResolver
    real = resolver.resolve

    async def slow(self, host, port=0, family=socket.AF_INET):  # type: ignore[no-untyped-def]
        await asyncio.sleep(5)
        return await real(self, "127.0.0.1", port, family)

    monkeypatch.setattr(resolver, "resolve", slow)
    url = feed_server.add("/feed", body=FEED).replace("127.0.0.1", "slow-dns.example")
    result = fetch(FetchRequest(url), connect_timeout=0.5, timeout=30)
    assert result.status is FetchStatus.FAILED
    assert result.error == "cannot connect: timed out after 0.5 s"


def test_a_server_that_sends_nothing_ends_at_the_read_timeout(feed_server: FeedServer) -> None:
    """`timeout` is a whole request and its longest silence; a feed's own
    `timeout` (a slow RSSHub route says nothing until it has the page) is both."""
    url = feed_server.add("/silent", body=FEED, delay=2)
    timed_out = ("read timed out (server sent nothing for {} s)", "timed out after {} s")
    result = fetch(FetchRequest(url), timeout=0.5)
    assert result.status is FetchStatus.FAILED
    assert result.error in [message.format("0.5") for message in timed_out]
    assert fetch(FetchRequest(url, timeout=10.0), timeout=0.5).status is FetchStatus.OK
    result = fetch(FetchRequest(url, timeout=1.0), timeout=30.0)
    assert result.status is FetchStatus.FAILED
    assert result.error in [message.format("1") for message in timed_out]


def test_a_304_to_a_request_without_validators_is_a_failure(feed_server: FeedServer) -> None:
    url = feed_server.add("/not-modified", status=304)
    result = fetch(FetchRequest(url))  # asks for nothing a 304 could answer
    assert result.status is FetchStatus.FAILED
    assert result.error == "HTTP 304 Not Modified to a request without validators"


def test_a_206_to_a_request_for_the_whole_document_is_a_failure(
    feed_server: FeedServer,
) -> None:
    """Its first bytes only: read as a feed cut off, it was "ok" with the
    items that fitted."""
    url = feed_server.add(
        "/part", status=206, body=FEED[:100], headers={"Content-Range": f"bytes 0-99/{len(FEED)}"}
    )
    result = fetch(FetchRequest(url))
    assert result.status is FetchStatus.FAILED
    assert result.error == "HTTP 206 Partial Content to a request for the whole document"


def test_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = fetch(FetchRequest(f"http://127.0.0.1:{port}/feed"))
    assert result.status is FetchStatus.FAILED
    assert result.error == "cannot connect: connection refused"


def test_a_connection_reset_says_so() -> None:
    with resetting_server() as base:
        result = fetch(FetchRequest(f"{base}/feed"))
    assert result.status is FetchStatus.FAILED
    assert result.error == "connection lost: connection reset"


# -- redirects ------------------------------------------------------------------


def test_a_failure_where_a_redirect_led_names_that_place(feed_server: FeedServer) -> None:
    """The feed's own URL answered (a redirect): "connection refused" alone
    sent the user to check a host that works."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = feed_server.add(
        "/r?key=s3cret", status=302, headers={"Location": f"http://127.0.0.1:{port}/x?key=s3cret"}
    )
    result = fetch(FetchRequest(url))
    assert result.status is FetchStatus.FAILED and result.http_status is None
    assert result.error == (
        f"cannot connect: connection refused (at http://127.0.0.1:{port}/x?key=…,"
        " where the feed's URL redirected)"
    )
    # An HTTP error there, or a body over the cap, the same.
    feed_server.add("/gone", status=404, body=b"no")
    result = fetch(
        FetchRequest(feed_server.add("/r404", status=301, headers={"Location": "/gone"}))
    )
    assert result.http_status == 404 and result.error == (
        f"HTTP 404 Not Found: got text: no (at {feed_server.url('/gone')}, where the feed's URL"
        " redirected)"
    )
    feed_server.add("/big", body=b"x" * 2000)
    rbig = feed_server.add("/rbig", status=302, headers={"Location": "/big"})
    result = fetch(FetchRequest(rbig), max_body=1000)
    assert result.error is not None
    assert result.error.endswith(f"(at {feed_server.url('/big')}, where the feed's URL redirected)")


def test_redirect_loop_is_an_error(feed_server: FeedServer) -> None:
    a = feed_server.add("/a", status=302, headers={"Location": "/b"})
    feed_server.add("/b", status=301, headers={"Location": "/a"})
    result = fetch(FetchRequest(a))
    assert result.status is FetchStatus.FAILED
    assert result.error.startswith("redirect loop: ")
    assert result.error.endswith("/b → " + a)


def test_a_redirect_to_a_bad_port_says_it_was_the_redirect(feed_server: FeedServer) -> None:
    moved = feed_server.add("/m", status=301, headers={"Location": "http://127.0.0.1:99999/x"})
    result = fetch(FetchRequest(moved))
    assert result.status is FetchStatus.FAILED and result.http_status == 301
    assert result.error == (
        "redirect to an unusable URL: 'http://127.0.0.1:99999/x' (Port out of range 0-65535)"
    )


@pytest.mark.parametrize(
    ("host", "why"),
    [
        ("a..b", "is no host name (an empty part"),
        ("x" * 64 + ".example", "is no host name (an empty part"),
        # aiohttp refuses these at the request, in its own words ("not a
        # canonical IPv4 address"), as the config refuses them in a feed's URL.
        ("127.1", "is no host name or IPv4 address"),
        ("2130706433", "is no host name or IPv4 address"),
        ("exa mple.com", "is no host name or address"),
    ],
)
def test_a_redirect_to_a_host_no_request_reaches_says_it_was_the_redirect(
    feed_server: FeedServer, host: str, why: str
) -> None:
    """It read as the configured URL's fault: `invalid URL: encoding with 'idna'
    codec failed`, for a URL that was fine."""
    moved = feed_server.add("/m", status=301, headers={"Location": f"http://{host}/x"})
    result = fetch(FetchRequest(moved))
    assert result.status is FetchStatus.FAILED and result.http_status == 301
    assert result.error is not None
    assert result.error.startswith(f"redirect to an unusable URL: 'http://{host}/x' (")
    assert why in result.error


def test_a_redirect_to_port_0_says_it_was_the_redirect(feed_server: FeedServer) -> None:
    moved = feed_server.add("/m", status=302, headers={"Location": "http://127.0.0.1:0/x"})
    result = fetch(FetchRequest(moved))
    assert result.error == (
        "redirect to an unusable URL: 'http://127.0.0.1:0/x'"
        " ('127.0.0.1' at port 0: no server answers on it)"
    )


def test_a_redirect_to_an_unusable_url_names_it_without_its_key(feed_server: FeedServer) -> None:
    moved = feed_server.add(
        "/m", status=301, headers={"Location": "http://127.0.0.1:99999/x?key=s3cret"}
    )
    result = fetch(FetchRequest(moved))
    assert result.error == (
        "redirect to an unusable URL: 'http://127.0.0.1:99999/x?key=…' (Port out of range 0-65535)"
    )


def test_too_many_redirects(feed_server: FeedServer) -> None:
    for i in range(12):
        feed_server.add(f"/r{i}", status=302, headers={"Location": f"/r{i + 1}"})
    feed_server.add("/r12", body=FEED)
    result = fetch(FetchRequest(feed_server.url("/r0")))
    assert result.error == "too many redirects (more than 10)"
    ok = fetch(FetchRequest(feed_server.url("/r3")))  # 9 hops
    assert ok.status is FetchStatus.OK


def _moving_feed(tmp_path: Path, feed_server: FeedServer) -> tuple[str, str, Path]:
    """A feed at /old that answers 301 to /new: (old URL, new URL, its config)."""
    old = feed_server.add("/old", status=301, headers={"Location": "/new"})
    new = feed_server.add("/new", body=FEED)
    return old, new, write_config(tmp_path, [{"url": old, "group": "g", "source": "s"}])


def _moved_feed(tmp_path: Path, feed_server: FeedServer) -> tuple[str, str, Path]:
    """`_moving_feed` after the three runs that adopt its move."""
    old, new, config = _moving_feed(tmp_path, feed_server)
    for _ in range(3):
        assert cli("run", "-c", str(config)).code == 0
    assert status(config)[old]["fetch_url"] == new
    return old, new, config


def test_a_move_back_to_the_configured_url_as_it_goes_out_is_no_move(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A route written in Chinese (`/weibo/热点`) goes out percent-encoded, and
    a redirect back names it so: `status` called the feed "moved" to itself."""
    wire = "/weibo/%E7%83%AD%E7%82%B9"
    feed_server.add(wire, status=301, headers={"Location": "/new"})
    new = feed_server.add("/new", body=FEED)
    old = feed_server.url("/weibo/热点")
    config = write_config(tmp_path, [{"url": old, "group": "g", "source": "s"}])
    for _ in range(3):
        assert cli("run", "-c", str(config)).code == 0
    assert status(config)[old]["fetch_url"] == new
    feed_server.add(wire, body=FEED)
    feed_server.add("/new", status=301, headers={"Location": wire})
    for _ in range(3):
        assert cli("run", "-c", str(config)).code == 0
    row = status(config)[old]
    assert row["fetch_url"] is None and row["redirect_url"] is None
    text = cli("status", "-c", str(config)).stdout
    assert "moved" not in text and "1 feed: 1 ok" in text


def test_permanent_redirect_seen_three_times_moves_the_stored_url(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    old, new, config = _moving_feed(tmp_path, feed_server)
    for attempt in (1, 2):
        assert cli("run", "-c", str(config)).code == 0
        row = status(config)[old]
        assert row["fetch_url"] is None and row["redirect_streak"] == attempt
    assert cli("run", "-c", str(config)).code == 0
    row = status(config)[old]
    assert row["fetch_url"] == new
    assert "moved permanently to " + new in cli("status", "-c", str(config)).stdout
    assert cli("run", "-c", str(config)).code == 0
    assert feed_server.hits["/old"] == 3  # the fourth run went straight to /new
    # The feed is named as `status` shows it: where it moved.
    now = cli("run", "-c", str(config), "--feed", new)
    assert now.code == 0 and "1 unchanged" in now.stdout, now.stderr
    assert feed_server.hits["/old"] == 3
    assert len(posts(tmp_path)) == 2
    # Following the move in feedmill.yml keeps the feed (no second set of posts).
    write_config(tmp_path, [{"url": new, "group": "g", "source": "s"}])
    result = cli("run", "-c", str(config))
    assert "0 new" in result.stdout and len(posts(tmp_path)) == 2


def test_a_moved_feed_whose_url_is_written_another_way_keeps_its_move(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """The old URL in capitals is the same feed — and the same move: its old
    place, gone since, is not fetched again."""
    old, new, config = _moved_feed(tmp_path, feed_server)
    feed_server.add("/old", status=404, body=b"not found")
    respelt = old.replace("http://", "HTTP://")
    write_config(tmp_path, [{"url": respelt, "group": "g", "source": "s"}])
    assert "moved permanently to " + new in cli("status", "-c", str(config)).stdout
    result = cli("run", "-c", str(config))
    assert "1 unchanged, 0 failed" in result.stdout, result.stdout
    row = status(config)[respelt]
    assert row["fetch_url"] == new and row["last_error"] is None
    assert feed_server.hits["/old"] == 3 and len(posts(tmp_path)) == 2


def test_following_a_move_before_it_is_adopted_keeps_the_feed(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    old, new, config = _moving_feed(tmp_path, feed_server)
    assert cli("run", "-c", str(config)).code == 0
    assert status(config)[old]["redirect_streak"] == 1  # one 301 so far
    write_config(tmp_path, [{"url": new, "group": "g", "source": "s"}])
    result = cli("run", "-c", str(config))
    assert "0 new" in result.stdout and len(posts(tmp_path)) == 2
    row = status(config)[new]
    assert row["posts"] == 2 and row["duplicates"] == 0 and row["redirect_url"] is None


def test_a_move_back_to_the_configured_url_is_no_move(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    old, _, config = _moved_feed(tmp_path, feed_server)
    feed_server.add("/old", body=FEED)
    feed_server.add("/new", status=301, headers={"Location": old})
    for _ in range(3):
        assert cli("run", "-c", str(config)).code == 0
    row = status(config)[old]
    assert row["fetch_url"] is None and row["redirect_url"] is None
    assert "moved" not in cli("status", "-c", str(config)).stdout


def test_a_move_whose_new_place_has_no_feed_any_more_goes_back_to_the_config(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    old, new, config = _moved_feed(tmp_path, feed_server)
    # The new place is gone; the URL in feedmill.yml serves the feed again.
    feed_server.add("/new", status=404, body=b"not found")
    feed_server.add("/old", body=FEED)
    for _ in range(2):  # one bad answer, or two, is no reason to lose a move
        assert cli("run", "-c", str(config)).code == 0
        assert status(config)[old]["fetch_url"] == new
    feed_server.add("/new", status=410, body=b"gone")
    assert cli("run", "-c", str(config)).code == 0
    row = status(config)[old]
    assert row["fetch_url"] is None
    assert row["last_error"] == (
        f"HTTP 410 Gone at {new}, where it had moved; next attempt at the URL in feedmill.yml"
    )
    # Gone from where it moved, not from where the config says: the usual backoff
    # (streak 3: at most an hour at the 15-minute interval), not the day of a 410.
    wait = datetime.fromisoformat(row["next_attempt"]) - datetime.now(UTC)
    assert wait < timedelta(hours=1, minutes=1)
    assert cli("run", "-c", str(config), "--feed", old).code == 0
    row = status(config)[old]
    assert row["last_error"] is None and feed_server.hits["/old"] == 4
    assert len(posts(tmp_path)) == 2
    # A failure that says nothing of the place (a 503) keeps the move.
    feed_server.add("/old", status=301, headers={"Location": new})
    feed_server.add("/new", body=FEED)
    for _ in range(3):
        assert cli("run", "-c", str(config)).code == 0
    feed_server.add("/new", status=503, body=b"busy")
    assert cli("run", "-c", str(config), "--feed", old).code == 0
    assert status(config)[old]["fetch_url"] == new


# A second loopback server plays another site on the internet: a redirect to
# it passes the fence that keeps feeds' redirects off this machine's ports.
PLAYS_PUBLIC = {"allow_private": True}


def test_a_move_whose_new_host_is_gone_goes_back_to_the_config(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Its new host gone (connections refused: never a 404), a moved feed is
    tried at the URL in feedmill.yml after six failures running; the failure
    lines say where it was fetched."""
    elsewhere = FeedServer().start()
    new = elsewhere.add("/new", body=FEED)
    old = feed_server.add("/old", status=301, headers={"Location": new})
    feeds = [{"url": old, "group": "g", "source": "s"}]
    config = write_config(tmp_path, feeds, fetch=PLAYS_PUBLIC)
    for _ in range(3):
        assert cli("run", "-c", str(config)).code == 0
    assert status(config)[old]["fetch_url"] == new
    elsewhere.stop()  # the host it moved to is gone
    feed_server.add("/old", body=FEED)  # the feed's own URL serves it again
    for _ in range(5):
        result = cli("run", "-c", str(config))
        assert f"failed {old}: cannot connect" in result.stderr
        assert f"(at {new}, where it moved)" in result.stderr
        assert status(config)[old]["fetch_url"] == new
    assert cli("run", "-c", str(config)).code == 0
    row = status(config)[old]
    assert row["fetch_url"] is None
    assert "(6 times running at " + new in row["last_error"]
    hits = feed_server.hits["/old"]
    result = cli("run", "-c", str(config))
    assert " 0 failed" in result.stdout and feed_server.hits["/old"] == hits + 1
    assert status(config)[old]["last_error"] is None
    assert len(posts(tmp_path)) == 2


def test_a_feed_redirected_to_another_feed_of_the_config_is_not_posted_twice(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    # Feed A now redirects to B, which the config also has: A's items are B's.
    a = feed_server.add("/a", status=301, headers={"Location": "/b"})
    b = feed_server.add("/b", body=FEED)
    config = write_config(
        tmp_path,
        [{"url": a, "group": "g", "source": "甲"}, {"url": b, "group": "g", "source": "乙"}],
        dedupe=False,
    )
    for _ in range(3):
        result = cli("run", "-c", str(config))
        assert result.code == 0 and " 1 failed" in result.stdout
    assert len(posts(tmp_path)) == 2  # B's two items, once
    row = status(config)[a]
    assert row["fetch_url"] is None  # never adopted: A is not fetched as B each pass
    assert row["last_error"] == (
        f"redirected to {b}, the URL of feeds[1] (g / 乙) in feedmill.yml: remove one of the two"
    )
    # B's URL redirecting in turn (to https, a slash …) hides nothing.
    feed_server.add("/b", status=301, headers={"Location": "/b/"})
    feed_server.add("/b/", body=FEED)
    assert " 1 failed" in cli("run", "-c", str(config)).stdout
    assert len(posts(tmp_path)) == 2
    assert status(config)[a]["last_error"].startswith(f"redirected to {b}, the URL of feeds[1]")


def test_a_feed_whose_adopted_move_is_another_feed_of_the_config_is_not_fetched_twice(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """The move was adopted (no redirect left to see), then the new place was
    added as a feed of its own, the old entry kept: the old entry fails."""
    old, new, config = _moved_feed(tmp_path, feed_server)
    write_config(
        tmp_path,
        [{"url": old, "group": "g", "source": "s"}, {"url": new, "group": "g", "source": "新"}],
        dedupe=False,
    )
    for run in range(8):  # also past the runs that give up a move whose host is gone
        hits = feed_server.hits["/new"]
        result = cli("run", "-c", str(config))
        assert result.code == 0 and " 1 failed" in result.stdout
        assert feed_server.hits["/new"] == hits + 1  # fetched once a pass, not twice
        # The old entry's posts stay; the new one posts the items once (dedupe off).
        assert f"posts: {2 if run == 0 else 0} new, 0 updated" in result.stdout
        assert len(posts(tmp_path)) == 4
    assert status(config)[old]["last_error"] == (
        f"moved to {new}, the URL of feeds[1] (g / 新) in feedmill.yml: remove one of the two"
    )


def test_status_never_shows_the_password_of_a_moved_feed(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.add("/oldp", status=301, headers={"Location": "/newp"})
    feed_server.add("/newp", body=FEED)
    url = feed_server.url("/oldp").replace("http://", "http://user:s3cret@")
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    shown = feed_server.url("/oldp")  # the feed's row, as `status --json` names it
    assert "s3cret" not in (status(config)[shown]["redirect_url"] or "")
    for _ in range(2):
        assert cli("run", "-c", str(config)).code == 0
    row = status(config)[shown]
    assert row["fetch_url"] == feed_server.url("/newp")
    text = cli("status", "-c", str(config)).stdout
    assert "moved permanently to" in text and "s3cret" not in text
    assert "s3cret" not in cli("status", "--json", "-c", str(config)).stdout


def test_status_never_shows_the_access_key_of_a_moved_feed_gone_there(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Moved for good to a URL with its key, then 404 there: the error that
    sends it back to the configured URL named the key."""
    url = feed_server.add("/a?key=s3cret", status=301, headers={"Location": "/b?key=s3cret"})
    feed_server.add("/b?key=s3cret", body=FEED)
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    for _ in range(3):
        assert cli("run", "-c", str(config)).code == 0
    shown = feed_server.url("/a?key=…")
    assert status(config)[shown]["fetch_url"] == feed_server.url("/b?key=…")
    feed_server.add("/b?key=s3cret", status=404, body=b"gone")
    for _ in range(3):
        result = cli("run", "-c", str(config), "--all")
        assert "s3cret" not in result.stdout + result.stderr
    text = cli("status", "-c", str(config)).stdout
    assert "where it had moved" in " ".join(text.split()) and "s3cret" not in text
    assert "s3cret" not in cli("status", "--json", "-c", str(config)).stdout


def test_permanent_redirect_to_a_page_that_is_not_a_feed_keeps_the_url(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    # A site that drops its feed often sends it to the home page for good.
    old = feed_server.add("/gone", status=301, headers={"Location": "/"})
    feed_server.add(
        "/", body=b"<html><title>Home</title></html>", headers={"Content-Type": "text/html"}
    )
    config = write_config(tmp_path, [{"url": old, "group": "g", "source": "s"}])
    for _ in range(4):
        assert cli("run", "-c", str(config), "--all").code == 0
    row = status(config)[old]
    assert row["fetch_url"] is None and row["redirect_streak"] == 0
    # Naming where the page came from: the feed's own URL answered with a redirect.
    home = feed_server.url("/")
    assert row["last_error"] == f"got text/html: <title>Home</title> (redirected to {home})"
    assert feed_server.hits["/gone"] == 4


def test_temporary_redirects_do_not_move_the_url(tmp_path: Path, feed_server: FeedServer) -> None:
    old = feed_server.add("/tmp", status=302, headers={"Location": "/there"})
    feed_server.add("/there", body=FEED)
    config = write_config(tmp_path, [{"url": old, "group": "g", "source": "s"}])
    for _ in range(4):
        assert cli("run", "-c", str(config)).code == 0
    assert status(config)[old]["fetch_url"] is None
    assert feed_server.hits["/tmp"] == 4


# -- headers, user agent, proxy -----------------------------------------------------


def test_user_agent_extra_headers_and_per_feed_headers(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.add("/h", body=FEED)
    config = write_config(
        tmp_path,
        [{"url": url, "group": "g", "source": "s", "headers": {"Cookie": "session=abc"}}],
        fetch={"user_agent": "my-reader/2.0", "headers": {"X-Token": "t0k"}},
    )
    assert cli("run", "-c", str(config)).code == 0
    _, headers = feed_server.requests[-1]
    assert headers["User-Agent"] == "my-reader/2.0"
    assert headers["X-Token"] == "t0k" and headers["Cookie"] == "session=abc"
    # Unset, it is feedmill's own, as the README gives it: no page that is not there.
    write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    _, headers = feed_server.requests[-1]
    assert headers["User-Agent"] == f"feedmill/{feedmill.__version__}"


def test_credentials_stay_with_their_host_across_redirects(
    tmp_path: Path, feed_server: FeedServer, start_server: Callable[[], FeedServer]
) -> None:
    elsewhere = start_server()
    moved = elsewhere.add("/feed", body=FEED)
    feed_server.add("/here", body=rss("b", [Item(title="本站", guid="h")]))
    away = feed_server.add("/away", status=302, headers={"Location": moved})
    home = feed_server.add("/home", status=302, headers={"Location": "/here"})
    secret = {
        "Cookie": "session=SECRET",
        "Authorization": "Bearer T",
        # Headers named as secrets, as `status` leaves their values out.
        "X-Api-Key": "SECRETAPIKEY-abc123",
        "X-Auth-Token": "SECRET-token-456",
        "X-Feed": "1",
        # A site's name for its address (a way round a poisoned DNS): the next
        # host was asked for the first one's site, and answered 404.
        "Host": "news.example.com",
    }
    feeds = [
        {"url": url, "group": "g", "source": name, "headers": secret}
        for url, name in ((away, "a"), (home, "b"))
    ]
    config = write_config(tmp_path, feeds, fetch=PLAYS_PUBLIC)
    assert "feeds: 2 ok" in cli("run", "-c", str(config)).stdout
    [(_, other_host)] = elsewhere.requests
    for name in ("Cookie", "Authorization", "X-Api-Key", "X-Auth-Token"):
        assert name not in other_host
    assert other_host["X-Feed"] == "1"  # only secrets are held back, and the Host
    assert other_host["Host"] == urlsplit(moved).netloc
    same_host = dict(feed_server.requests)["/here"]
    assert same_host["Cookie"] == "session=SECRET" and same_host["Authorization"] == "Bearer T"
    assert same_host["Host"] == "news.example.com"
    assert same_host["X-Api-Key"] == "SECRETAPIKEY-abc123"


def test_credentials_stay_with_their_host_after_the_feed_moved(
    tmp_path: Path, feed_server: FeedServer, start_server: Callable[[], FeedServer]
) -> None:
    elsewhere = start_server()
    target = elsewhere.add("/feed", body=FEED)
    old = feed_server.add("/old", status=301, headers={"Location": target})
    secret = {"Cookie": "session=SECRET"}
    feeds = [{"url": old, "group": "g", "source": "s", "headers": secret}]
    config = write_config(tmp_path, feeds, fetch=PLAYS_PUBLIC)
    for _ in range(4):  # three redirects move the stored URL; the fourth goes there
        assert cli("run", "-c", str(config), "--all").code == 0
    assert status(config)[old]["fetch_url"] == target
    assert feed_server.hits["/old"] == 3 and elsewhere.hits["/feed"] == 4
    assert all("Cookie" not in headers for _, headers in elsewhere.requests)


@pytest.mark.parametrize(
    ("configured", "hop", "keeps"),
    [
        ("https://rsshub.app/a", "https://rsshub.app/b?x=1", True),
        ("http://rsshub.app/a", "https://rsshub.app/a", True),  # upgrade, default ports
        ("https://rsshub.app/a", "http://rsshub.app/a", False),  # downgrade
        ("https://rsshub.app/a", "https://rsshub.app:8443/a", False),
        ("https://rsshub.app/a", "https://evil.example/a", False),
        ("https://rsshub.app/a", "https://sub.rsshub.app/a", False),
        ("https://rsshub.app/a", "https://[bad/", False),
        # One host, as configured and as the server names it (IDNA): the same host.
        ("http://例子.测试/a", "http://xn--fsqu00a.xn--0zwm56d/b", True),
        ("http://XN--FSQU00A.xn--0zwm56d/a", "http://例子.测试/b", True),
        ("http://例子.测试/a", "http://例子.网络/b", False),
    ],
)
def test_which_redirect_hops_keep_credentials(configured: str, hop: str, keeps: bool) -> None:
    assert keeps_credentials(configured, hop) is keeps


# -- TLS ---------------------------------------------------------------------
# A certificate for 127.0.0.1 that a public CA signed cannot be had offline: the
# server's comes from a test CA, which ``trusted`` puts in place of the CA bundle.


@pytest.fixture
def test_ca() -> trustme.CA:
    return trustme.CA()


@contextmanager
def serving_tls(ca: trustme.CA, **validity: datetime) -> Iterator[FeedServer]:
    """An https server on 127.0.0.1, its certificate from ``ca``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", **validity).configure_cert(context)
    server = FeedServer(tls=context).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def tls_server(test_ca: trustme.CA) -> Iterator[FeedServer]:
    with serving_tls(test_ca) as server:
        yield server


@pytest.fixture
def trusted(test_ca: trustme.CA, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The test CA as the only one trusted; counts the requests that asked for TLS."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    test_ca.configure_trust(context)
    asked: list[int] = []

    def ssl_context() -> ssl.SSLContext:
        asked.append(1)
        return context

    monkeypatch.setattr(fetch_client, "_ssl_context", ssl_context)
    return asked


def test_an_https_feed_is_fetched_over_a_checked_certificate(
    tls_server: FeedServer, trusted: list[int]
) -> None:
    url = tls_server.add("/f", body=FEED)
    result = fetch(FetchRequest(url=url))
    assert (result.status, result.body) == (FetchStatus.OK, FEED)
    # The certificate names the host: another name for it is refused.
    other = fetch(FetchRequest(url=url.replace("127.0.0.1", "localhost")))
    assert other.error == (
        "cannot connect: TLS certificate rejected: "
        "Hostname mismatch, certificate is not valid for 'localhost'."
    )


def test_an_expired_certificate_is_refused_with_the_reason(
    test_ca: trustme.CA, trusted: list[int]
) -> None:
    lapsed = datetime(2020, 1, 1, tzinfo=UTC)
    validity = {"not_before": lapsed - timedelta(days=30), "not_after": lapsed}
    with serving_tls(test_ca, **validity) as server:
        result = fetch(FetchRequest(url=server.add("/f", body=FEED)))
    assert result.error == "cannot connect: TLS certificate rejected: certificate has expired"


def test_a_redirect_from_http_to_https_is_followed(
    feed_server: FeedServer, tls_server: FeedServer, trusted: list[int]
) -> None:
    secure = tls_server.add("/f", body=FEED)
    url = feed_server.add("/f", status=301, headers={"Location": secure})
    result = fetch(FetchRequest(url=url))
    assert (result.status, result.final_url, result.body) == (FetchStatus.OK, secure, FEED)
    assert result.redirects == ((301, secure),)


def test_plain_http_never_loads_the_ca_bundle(
    feed_server: FeedServer, tls_server: FeedServer, trusted: list[int]
) -> None:
    plain = [feed_server.add(f"/{i}", body=FEED) for i in range(3)]
    assert {r.status for r in fetch_all([FetchRequest(url=u) for u in plain])} == {FetchStatus.OK}
    assert trusted == []
    assert fetch(FetchRequest(url=tls_server.add("/f", body=FEED))).status is FetchStatus.OK
    assert trusted == [1]


def _run_python(script: str, *, path: Path | None = None) -> Any:
    """What ``script`` prints (JSON), run by a fresh interpreter with the
    feedmill under test, the tests' support modules and ``path`` first."""
    tests = Path(__file__).parent
    first = [str(path)] if path else []
    found = [*first, str(Path(feedmill.__file__).parents[1]), str(tests)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(found))
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _system_bundle_size() -> int:
    size = ssl.create_default_context().cert_store_stats()["x509_ca"]
    if not size:
        pytest.skip("this system has no CA bundle file to load")
    return size


def test_aiohttp_is_imported_without_loading_the_system_ca_bundle() -> None:
    # aiohttp's import makes two contexts of its own that feedmill never uses
    # (its requests bring certifi's): a rerun over http pays for no CA bundle.
    bundle = _system_bundle_size()
    loaded = _run_python(
        "import json, ssl\n"
        "from feedmill.fetch.aiohttp_import import load_aiohttp\n"
        "aiohttp = load_aiohttp()\n"
        "from aiohttp import connector\n"
        "print(json.dumps([\n"
        "    connector._SSL_CONTEXT_VERIFIED.cert_store_stats()['x509_ca'],\n"
        "    ssl.create_default_context().cert_store_stats()['x509_ca'],\n"
        "    'set_default_verify_paths' in vars(ssl.SSLContext),\n"
        "    load_aiohttp() is aiohttp,\n"
        "]))\n"
    )
    # aiohttp's own: no CA (it would refuse every certificate); ssl's as before.
    assert loaded == [0, bundle, False, True]


def test_only_aiohttp_s_import_skips_the_ca_bundle_not_another_thread(tmp_path: Path) -> None:
    # A stand-in for aiohttp that makes a context on the importing thread and
    # on another one while it is imported.
    bundle = _system_bundle_size()
    (tmp_path / "aiohttp").mkdir()
    (tmp_path / "aiohttp" / "__init__.py").write_text(
        "import ssl, threading\n"
        "def size(): return ssl.create_default_context().cert_store_stats()['x509_ca']\n"
        "MINE, OTHERS = size(), []\n"
        "thread = threading.Thread(target=lambda: OTHERS.append(size()))\n"
        "thread.start(); thread.join()\n"
    )
    loaded = _run_python(
        "import json\n"
        "from feedmill.fetch.aiohttp_import import load_aiohttp\n"
        "fake = load_aiohttp()\n"
        "print(json.dumps([fake.MINE, fake.OTHERS]))\n",
        path=tmp_path,
    )
    assert loaded == [0, [bundle]]


def test_an_https_feed_is_fetched_by_an_aiohttp_imported_without_the_bundle() -> None:
    # In a fresh interpreter, where load_aiohttp makes the first import (in the
    # suite, another test's module may have imported aiohttp already): every
    # request brings certifi's context (here the test CA's), never aiohttp's own.
    loaded = _run_python(
        "import asyncio, json, ssl, sys, trustme\n"
        "from feedmill.fetch import Fetcher, FetchRequest\n"
        "from feedmill.fetch import client\n"
        "from support.server import FeedServer\n"
        "assert 'aiohttp' not in sys.modules\n"
        "ca = trustme.CA()\n"
        "served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)\n"
        "ca.issue_cert('127.0.0.1').configure_cert(served)\n"
        "trusted = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)\n"
        "ca.configure_trust(trusted)\n"
        "client._ssl_context = lambda: trusted\n"
        "tls, plain = FeedServer(tls=served).start(), FeedServer().start()\n"
        "secure = tls.add('/f', body=b'<rss/>')\n"
        "moved = plain.add('/f', status=301, headers={'Location': secure})\n"
        "async def fetch(url):\n"
        "    async with Fetcher() as fetcher:\n"
        "        return await fetcher.fetch(FetchRequest(url=url))\n"
        "got = [asyncio.run(fetch(u)) for u in (secure, moved)]\n"
        "from aiohttp import connector\n"
        "print(json.dumps([[r.status.name for r in got],\n"
        "    connector._SSL_CONTEXT_VERIFIED.cert_store_stats()['x509_ca']]))\n"
        "tls.stop(); plain.stop()\n"
    )
    assert loaded == [["OK", "OK"], 0]


@pytest.mark.parametrize(
    "server, message",
    [
        (
            "tls_server",  # a certificate no CA of the bundle signed
            "cannot connect: TLS certificate rejected: unable to get local issuer certificate",
        ),
        (
            "feed_server",  # https:// to a server of plain http
            "cannot connect: TLS failed: the server does not speak TLS there "
            "(WRONG_VERSION_NUMBER)",
        ),
    ],
)
def test_a_feed_whose_tls_fails_says_why_and_the_others_publish(
    tmp_path: Path,
    feed_server: FeedServer,
    server: str,
    message: str,
    request: pytest.FixtureRequest,
) -> None:
    failing: FeedServer = request.getfixturevalue(server)
    bad = failing.add("/bad", body=FEED).replace("http://", "https://")
    good = feed_server.add("/good", body=FEED)
    feeds = [
        {"url": bad, "group": "g", "source": "tls"},
        {"url": good, "group": "g", "source": "ok"},
    ]
    rows = status_after_a_run(tmp_path, feeds)
    assert rows[bad]["last_error"] == message
    assert rows[good]["last_error"] is None and len(posts(tmp_path)) == 2


def test_proxy_global_and_per_feed(
    tmp_path: Path, feed_server: FeedServer, start_server: Callable[[], FeedServer]
) -> None:
    proxy, own = start_server(), start_server()
    # A proxy sees the absolute URL in the request line.
    proxy.add("http://feeds.invalid/a", body=FEED)
    own.add("http://feeds.invalid/b", body=rss("b", [Item(title="经代理", guid="p")]))
    direct = feed_server.add("/direct", body=rss("c", [Item(title="直连", guid="d")]))
    config = write_config(
        tmp_path,
        [
            {"url": "http://feeds.invalid/a", "group": "g", "source": "a"},
            {
                "url": "http://feeds.invalid/b",
                "group": "g",
                "source": "b",
                "proxy": own.url(""),
            },
            {"url": direct, "group": "g", "source": "c", "proxy": "direct"},
        ],
        fetch={"proxy": proxy.url(""), "headers": {"Proxy-Authorization": "Basic cHJveHk6cHc="}},
    )
    result = cli("run", "-c", str(config))
    assert "feeds: 3 ok" in result.stdout
    assert proxy.hits == {"http://feeds.invalid/a": 1}  # the feed's own proxy wins
    assert own.hits == {"http://feeds.invalid/b": 1}
    assert feed_server.hits["/direct"] == 1  # `proxy: direct` bypasses both
    # The global proxy's Proxy-Authorization goes to it alone: not to a feed's
    # own proxy (another's password), never to a site.
    assert proxy.requests[-1][1]["Proxy-Authorization"] == "Basic cHJveHk6cHc="
    assert "Proxy-Authorization" not in own.requests[-1][1]
    assert "Proxy-Authorization" not in feed_server.requests[-1][1]
    # The global proxy named by a feed in another spelling is the global proxy;
    # without a global proxy, the header is the feeds' proxies' own.
    spelled = proxy.url("").upper().replace("HTTP://", "http://") + "/"
    for feeds, top in (
        ([{"url": "http://feeds.invalid/a", "group": "g", "source": "a", "proxy": spelled}],
         {"proxy": proxy.url(""), "headers": {"Proxy-Authorization": "Basic cHJveHk6cHc="}}),
        ([{"url": "http://feeds.invalid/a", "group": "g", "source": "a", "proxy": proxy.url("")}],
         {"headers": {"Proxy-Authorization": "Basic cHJveHk6cHc="}}),
    ):  # fmt: skip
        config = write_config(tmp_path, feeds, fetch=top)
        assert " 0 failed" in cli("run", "--all", "-c", str(config)).stdout
        assert proxy.requests[-1][1]["Proxy-Authorization"] == "Basic cHJveHk6cHc="


def test_a_proxy_refusing_the_tunnel_is_named(feed_server: FeedServer) -> None:
    # An https feed goes through the proxy's CONNECT; this one refuses it.
    asked: list[bytes] = []

    def refuse(listener: socket.socket) -> None:
        with suppress(OSError):
            while True:
                conn, _ = listener.accept()
                with conn:
                    asked.append(conn.recv(65536))
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        threading.Thread(target=refuse, args=(listener,), daemon=True).start()
        proxy = f"http://127.0.0.1:{listener.getsockname()[1]}"
        headers = (("Proxy-Authorization", "Basic cHJveHk6cHc="),)
        result = fetch(FetchRequest("https://feeds.invalid/a", proxy=proxy, headers=headers))
    assert result.status is FetchStatus.FAILED
    assert result.error == "proxy refused the tunnel: HTTP 403 Forbidden"
    # The proxy's credentials in the CONNECT (in the tunnel, the site had them).
    assert asked[0].startswith(b"CONNECT feeds.invalid:443")
    assert b"Proxy-Authorization: Basic cHJveHk6cHc=" in asked[0]


def test_the_environments_proxy_variables_are_not_read(
    feed_server: FeedServer,
    start_server: Callable[[], FeedServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A cron job and a shell fetch alike: only the config names a proxy."""
    proxy = start_server()
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(name, proxy.url(""))
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    url = feed_server.add("/env", body=FEED)
    result = fetch(FetchRequest(url))
    assert result.status is FetchStatus.OK and proxy.hits == {}


# -- politeness -------------------------------------------------------------------


def test_per_host_limit_is_honoured(
    tmp_path: Path, feed_server: FeedServer, start_server: Callable[[], FeedServer]
) -> None:
    other = start_server()
    feeds = []
    for i in range(12):
        for server, name in ((feed_server, "a"), (other, "b")):
            url = server.add(
                f"/{name}{i}",
                body=rss("t", [Item(title=f"{name}{i}", guid=f"{name}{i}")]),
                delay=0.2,
            )
            feeds.append({"url": url, "group": "g", "source": name})
    config = write_config(tmp_path, feeds, fetch={"per_host": 3, "concurrency": 64})
    assert "feeds: 24 ok" in cli("run", "-c", str(config)).stdout
    assert feed_server.peak == 3 and other.peak == 3
    # The two hosts were fetched side by side: some requests overlapped.
    assert any(
        a_start < b_end and b_start < a_end
        for a_start, a_end in feed_server.spans
        for b_start, b_end in other.spans
    )


def test_global_limit_is_honoured_across_hosts(
    feed_server: FeedServer, start_server: Callable[[], FeedServer]
) -> None:
    other = start_server()
    urls = [
        server.add(f"/g{i}", body=FEED, delay=0.2)
        for i in range(6)
        for server in (feed_server, other)
    ]
    results = fetch_all([FetchRequest(u) for u in urls], concurrency=3, per_host=8)
    assert all(r.status is FetchStatus.OK for r in results)
    assert peak_overlap(feed_server.spans + other.spans) == 3


def test_a_busy_host_does_not_hold_back_the_others(
    feed_server: FeedServer, start_server: Callable[[], FeedServer]
) -> None:
    # One host with a queue (RSSHub serving many routes), then another host:
    # waiting for its host's slot, a feed holds no global slot.
    other = start_server()
    busy = [feed_server.add(f"/busy{i}", body=FEED, delay=0.3) for i in range(5)]
    quick = other.add("/quick", body=FEED)
    requests = [FetchRequest(u) for u in [*busy, quick]]
    assert all(r.status is FetchStatus.OK for r in fetch_all(requests, concurrency=2, per_host=1))
    [(quick_start, _)] = other.spans
    first_busy_end = min(end for _, end in feed_server.spans)
    assert quick_start < first_busy_end


def test_a_pass_starts_feeds_with_their_hosts_taking_turns(
    tmp_path: Path, feed_server: FeedServer, start_server: Callable[[], FeedServer]
) -> None:
    # Listed host by host, the busy host's queue would take every place
    # among the bodies in flight (at least 4) before the other host's feed.
    other = start_server()
    feeds = [
        {"url": feed_server.add(f"/busy{i}", body=FEED, delay=0.3), "group": "g", "source": "a"}
        for i in range(6)
    ]
    feeds.append({"url": other.add("/quick", body=FEED), "group": "g", "source": "b"})
    config = write_config(tmp_path, feeds, fetch={"concurrency": 2, "per_host": 1})
    assert "feeds: 7 ok" in cli("run", "-c", str(config)).stdout
    [(quick_start, _)] = other.spans
    assert quick_start < min(end for _, end in feed_server.spans)


def test_host_turns_keep_each_hosts_order() -> None:
    listed = ["http://a/1", "http://a/2", "http://a/3", "https://b/1", "http://a:81/1", "[bad"]
    turns = in_host_turns(listed, str)
    assert turns == [
        "http://a/1",
        "https://b/1",
        "http://a:81/1",
        "[bad",
        "http://a/2",
        "http://a/3",
    ]


def test_retry_after_pauses_only_that_feed_url(tmp_path: Path, feed_server: FeedServer) -> None:
    limited = feed_server.add("/limited", status=429, headers={"Retry-After": "3600"})
    fine = feed_server.add("/fine", body=FEED)
    config = write_config(
        tmp_path,
        [{"url": limited, "group": "g", "source": "a"}, {"url": fine, "group": "g", "source": "b"}],
        interval="1s",
    )
    before = datetime.now(UTC)
    assert cli("run", "-c", str(config)).code == 0
    rows = status(config)
    paused_until = datetime.fromisoformat(rows[limited]["next_attempt"])
    assert paused_until >= before + timedelta(seconds=3599)
    assert rows[limited]["last_error"] == "HTTP 429 Too Many Requests"
    assert datetime.fromisoformat(rows[fine]["next_attempt"]) < before + timedelta(seconds=10)
    time.sleep(1.2)
    result = cli("run", "-c", str(config), "--due")
    assert "1 not due" in result.stdout
    assert feed_server.hits["/fine"] == 2 and feed_server.hits["/limited"] == 1
    # --feed forces a paused feed now.
    cli("run", "-c", str(config), "--feed", limited)
    assert feed_server.hits["/limited"] == 2


RSSHUB_ERROR = (
    b"<!DOCTYPE html><html><head><title>RSSHub</title></head><body><div>"
    b'<h1>Looks like something went wrong</h1><p class="message">Error Message:<br/>'
    b'<code class="mt-2 block max-h-28 overflow-auto bg-zinc-100 align-bottom w-fit details">'
    b"ConfigNotFoundError: Route requires STCN_COOKIE &amp; a proxy</code></p>"
    b'<p class="message">Route: <code class="ml-2 bg-zinc-100">/stcn/:id?</code></p>'
    b"</div></body></html>"
)


@pytest.mark.parametrize(
    ("status_code", "content_type", "body", "error"),
    [
        (
            503,
            "text/html; charset=utf-8",
            RSSHUB_ERROR,
            "HTTP 503 Service Unavailable: RSSHub says: ConfigNotFoundError: Route requires"
            " STCN_COOKIE & a proxy",
        ),
        (
            403,
            "text/html; charset=utf-8",
            b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body/></html>",
            "HTTP 403 Forbidden: got text/html: <title>Just a moment...</title>",
        ),
        (
            500,
            "application/json",
            b'{"error": {"message": "upstream timeout: sina.com.cn"}}',
            "HTTP 500 Internal Server Error: got application/json error: upstream timeout:"
            " sina.com.cn",
        ),
        (
            403,
            "text/html; charset=gbk",
            "<html><head><title>安全验证</title></head></html>".encode("gbk"),
            "HTTP 403 Forbidden: got text/html: <title>安全验证</title>",
        ),
        (
            404,
            "application/json",
            b'{"error": "podcast 14041 was unpublished"}',
            "HTTP 404 Not Found: got application/json error: podcast 14041 was unpublished",
        ),
        (  # a stack trace, on one line; a secret in a URL it names, left out
            500,
            "application/json",
            b'{"error": "Traceback:\\n  File app.py\\nFetchError:'
            b' https://api.example/v3?key=AIzaSyREAL0000 403"}',
            "HTTP 500 Internal Server Error: got application/json error: Traceback: File app.py"
            " FetchError: https://api.example/v3?key=… 403",
        ),
        # What says no more than the status line is not repeated.
        (404, "text/html", b"<html><title>404 Not Found</title></html>", "HTTP 404 Not Found"),
        (
            503,
            "text/html",
            b"<title>Error 503: Service Unavailable</title>",
            "HTTP 503 Service Unavailable",
        ),
        (502, "text/plain", b"Bad Gateway\n", "HTTP 502 Bad Gateway"),
        (  # Python's own http.server: the first test a user makes, often
            404,
            "text/html;charset=utf-8",
            b'<!DOCTYPE HTML>\n<html lang="en">\n<head><meta charset="utf-8">\n'
            b"<title>Error response</title></head><body><h1>Error response</h1>\n"
            b"<p>Error code: 404</p><p>Message: File not found.</p></body></html>\n",
            "HTTP 404 Not Found",
        ),
        (500, "text/html", b"<html><body>oops</body></html>", "HTTP 500 Internal Server Error"),
        (500, "text/html", b"", "HTTP 500 Internal Server Error"),
        # A page of text alone: PHP's error, WordPress's, nginx's (no more than the status).
        (
            500,
            "text/html; charset=UTF-8",
            b"<br />\n<b>Fatal error</b>:  Uncaught PDOException: SQLSTATE[HY000] [2002]"
            b" Connection refused in /var/www/html/wp-includes/feed.php:12<br />",
            "HTTP 500 Internal Server Error: got text/html: Fatal error: Uncaught PDOException:"
            " SQLSTATE[HY000] [2002] Connection refused in /var/www/html/wp-includes/feed.php:12",
        ),
        (
            500,
            "text/html",
            b"<h1>Error establishing a database connection</h1>",
            "HTTP 500 Internal Server Error: got text/html: Error establishing a database"
            " connection",
        ),
        (502, "text/html", b"<center><h1>502 Bad Gateway</h1></center>", "HTTP 502 Bad Gateway"),
    ],
)
def test_an_http_error_says_what_its_page_says(
    tmp_path: Path,
    feed_server: FeedServer,
    status_code: int,
    content_type: str,
    body: bytes,
    error: str,
) -> None:
    """Every RSSHub route that fails answers with an error page whose message
    says why (a cookie it needs, the site's 403); a bot check answers 403 with
    its own page: the status line alone told none of them apart."""
    headers = {"Content-Type": content_type}
    assert (
        error_of_one(tmp_path, feed_server, status=status_code, body=body, headers=headers) == error
    )


@pytest.mark.parametrize(
    ("path", "status_code", "body", "error"),
    [
        (
            "/api/feed?access_token=abc123SECRETdef",
            401,
            b'{"error": "invalid access_token abc123SECRETdef for /api/feed"}',
            "HTTP 401 Unauthorized: got application/json error: invalid access_token … for"
            " /api/feed",
        ),
        (  # a 200 that is no feed
            "/rss?key=s3cr3tKEY",
            200,
            b'{"message": "route not found for key s3cr3tKEY"}',
            "got application/json error: route not found for key …",
        ),
    ],
)
def test_a_secret_a_page_echoes_back_is_left_out(
    tmp_path: Path, feed_server: FeedServer, path: str, status_code: int, body: bytes, error: str
) -> None:
    headers = {"Content-Type": "application/json"}
    url = feed_server.add(path, status=status_code, body=body, headers=headers)
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    result = cli("run", "-c", str(config))
    secret = path.rpartition("=")[2]
    assert result.code == 0 and secret not in result.stdout + result.stderr
    (row,) = status(config).values()  # (under its URL as shown: the key left out)
    assert row["last_error"] == error


@pytest.mark.parametrize(
    ("headers", "secret"),
    [
        ({"X-Token": "SECRETTOKEN12345"}, "SECRETTOKEN12345"),
        ({"Cookie": "SESSDATA=abcdef0123456789abcdef"}, "abcdef0123456789abcdef"),
        ({"Authorization": "Bearer BEARERSECRET999"}, "BEARERSECRET999"),
    ],
)
def test_a_header_secret_a_200_that_is_no_feed_echoes_back_is_left_out(
    tmp_path: Path, feed_server: FeedServer, headers: dict[str, str], secret: str
) -> None:
    """A 200 whose JSON is an error (Chinese APIs answer so) is the worker's
    to tell, and it said the feed's header secrets as the server echoed them;
    an error page's were left out."""
    body = json.dumps({"error": f"invalid credentials: {secret}"}).encode()
    url = feed_server.add("/api", body=body, headers={"Content-Type": "application/json"})
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s", "headers": headers}])
    result = cli("run", "-c", str(config))
    status_json = cli("status", "-c", str(config), "--json").stdout
    assert result.code == 0 and "invalid credentials: …" in result.stdout + result.stderr
    assert secret not in result.stdout + result.stderr + status_json


def test_a_secret_an_empty_feeds_title_echoes_back_is_left_out_of_status(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """An upstream's error in a feed's shape, its title echoing the feed's
    token or key: said in `status` as the document's title ("lists no items
    (titled 'invalid token: …')"), secret and all."""
    url = feed_server.add("/rss?key=s3cr3tKEYvalue", body=rss("源", [Item("新闻", guid="1")]))
    headers = {"X-Token": "SECRETTOKEN12345"}
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s", "headers": headers}])
    assert "posts: 1 new" in cli("run", "-c", str(config)).stdout
    echo = rss("invalid token: SECRETTOKEN12345 for key s3cr3tKEYvalue", [])
    feed_server.add("/rss?key=s3cr3tKEYvalue", body=echo)
    result = cli("run", "-c", str(config))
    shown = (
        cli("status", "-c", str(config)).stdout + cli("status", "-c", str(config), "--json").stdout
    )
    assert "lists no items" in shown and "invalid token: … for key …" in shown
    for secret in ("SECRETTOKEN12345", "s3cr3tKEYvalue"):
        assert secret not in result.stdout + result.stderr + shown


KEY = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
KEY = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


@pytest.mark.parametrize(
    ("text", "asked", "secrets", "shown"),
    [
        # Clipped inside the key, as a long message is.
        (f"failed: the key was {KEY[:21]}…", f"https://r.example/a?key={KEY}", (), "failed: the key was …"),
        # In a redirect's ?next=, percent-encoded.
        (f"(at https://r.example/signin?next=%2Fa%3Fkey%3D{KEY})", f"https://r.example/a?key={KEY}", (),
         "(at https://r.example/signin?next=%2Fa%3Fkey%3D…)"),
        # Echoed decoded.
        ("invalid token abc+def/ghi==", "https://r.example/a?token=abc%2Bdef%2Fghi%3D%3D", (), "invalid token …"),
        # A header's.
        ("invalid bearer token HdrSecret987654", "https://r.example/a", ("HdrSecret987654",),
         "invalid bearer token …"),
        # A short one only as a word of its own.
        ("updated routes are listed by date", "https://r.example/a?sort_key=date", (),
         "updated routes are listed by …"),
    ],
)  # fmt: skip
def test_the_feeds_secrets_are_left_out_of_what_a_server_says(
    text: str, asked: str, secrets: tuple[str, ...], shown: str
) -> None:
    assert urls.text_shown(text, asked, secrets=secrets) == shown


def test_a_feeds_key_in_a_redirects_url_is_left_out(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A login page's ?next= holds the feed's URL, key and all, percent-encoded."""
    feed = feed_server.add(
        f"/login?key={KEY}",
        status=302,
        headers={"Location": f"/signin?next=%2Flogin%3Fkey%3D{KEY}"},
    )
    feed_server.add(f"/signin?next=%2Flogin%3Fkey%3D{KEY}", status=403)
    config = write_config(tmp_path, [{"url": feed, "group": "g", "source": "s"}])
    result = cli("run", "-c", str(config))
    status_json = cli("status", "-c", str(config), "--json").stdout
    assert KEY not in result.stdout + result.stderr + status_json
    assert KEY[:8] not in result.stdout + result.stderr + status_json


def test_the_secrets_of_a_feeds_headers() -> None:
    headers = [
        ("Authorization", "Bearer HdrSecret987654"),
        # A session's id and a long value; not a language or a yes.
        ("Cookie", "session=s3ss; lang=zh-CN; logged_in=true; uid=0123456789abcdef0"),
        ("X-Api-Key", "k3yVALUE99"),
        ("User-Agent", "my-reader/2.0"),
    ]
    assert urls.header_secrets(headers) == [
        "HdrSecret987654", "s3ss", "0123456789abcdef0", "k3yVALUE99",
    ]  # fmt: skip


def test_an_error_page_that_trickles_keeps_its_status_and_retry_after(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """The page is read for a moment at most: a 503 whose page never ends is a
    503, paused as its Retry-After says, not a timeout."""
    url = feed_server.add(
        "/maint",
        status=503,
        body=b"<html><title>maintenance</title>" + b" " * 200,
        headers={"Retry-After": "3600", "Content-Type": "text/html"},
        trickle=0.2,
    )
    config = write_config(
        tmp_path, [{"url": url, "group": "g", "source": "s"}], fetch={"timeout": 10}
    )
    before = datetime.now(UTC)
    assert cli("run", "-c", str(config)).code == 0
    row = status(config)[url]
    assert row["last_error"] == "HTTP 503 Service Unavailable"
    assert datetime.fromisoformat(row["next_attempt"]) >= before + timedelta(seconds=3599)


def test_a_redirect_may_not_lead_a_feed_to_a_private_address(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A feed's server redirecting to the machine's own services or a cloud's
    metadata had what answered there fetched, and published if it read as a
    feed.  The hosts the config names may be anywhere (an RSSHub on
    127.0.0.1); a redirect elsewhere must lead to a public address."""
    port = urlsplit(feed_server.url("/")).port
    feed_server.add("/internal.xml", body=FEED)
    to_name = feed_server.add(
        "/to-name", status=302, headers={"Location": f"http://localhost:{port}/internal.xml"}
    )
    to_metadata = feed_server.add(
        "/to-metadata",
        status=302,
        headers={"Location": "http://169.254.169.254/latest/meta-data/"},
    )
    same_host = feed_server.add("/same", status=301, headers={"Location": "/internal.xml"})
    feeds = [
        {"url": to_name, "group": "g", "source": "a"},
        {"url": to_metadata, "group": "g", "source": "b"},
        {"url": same_host, "group": "g", "source": "c"},
    ]
    rows = status_after_a_run(tmp_path, feeds)
    hint = "(a redirect from the configured host; `fetch.allow_private: true` lets feeds reach"
    error = rows[to_name]["last_error"]
    assert error.startswith("blocked: localhost resolves to ") and "loopback address" in error
    assert hint in error and error.endswith("where the feed's URL redirected)")
    assert rows[to_metadata]["last_error"].startswith(
        f"blocked: 169.254.169.254 is a link-local address {hint}"
    )
    assert rows[same_host]["last_error"] is None and rows[same_host]["posts"]
    assert feed_server.hits["/internal.xml"] == 1  # by the feed that stays on its host
    # A host the config names may be reached by a redirect too ...
    feed_server.add("/other.xml", body=FEED)
    feeds.append({"url": f"http://localhost:{port}/other.xml", "group": "g", "source": "d"})
    config = write_config(tmp_path, feeds)
    assert cli("run", "-c", str(config), "--feed", to_name).code == 0
    assert status(config)[to_name]["last_error"] is None
    # ... and anywhere, where the config says so.
    feed_server.add("/to-name", status=302, headers={"Location": f"http://localhost:{port}/x"})
    feed_server.add("/x", body=FEED)
    config = write_config(tmp_path, feeds[:1], fetch={"allow_private": True})
    assert cli("run", "-c", str(config)).code == 0
    assert status(config)[to_name]["last_error"] is None and feed_server.hits["/x"] == 1


@pytest.mark.parametrize("host", ["127。0。0。2", "１２７．０．０．２", "169｡254｡169｡254"])
def test_a_redirect_to_an_address_written_with_other_dots_is_blocked_too(
    tmp_path: Path, host: str
) -> None:
    """IDNA reads "。", "．" and "｡" as dots: the URL went on the wire as the
    address, past both checks (no name to resolve, no address to read)."""

    def serve(listener: socket.socket) -> None:
        with suppress(OSError):
            while True:
                conn, _ = listener.accept()
                with conn:
                    conn.recv(65536)
                    conn.sendall(
                        b"HTTP/1.1 301 Moved Permanently\r\nContent-Length: 0\r\n"
                        b"Location: http://" + host.encode() + b"/admin/feed\r\n\r\n"
                    )

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        threading.Thread(target=serve, args=(listener,), daemon=True).start()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/feed"
        config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
        assert cli("run", "-c", str(config)).code == 0
    address = host.translate(str.maketrans("。．｡１２７０", "...1270"))
    assert status(config)[url]["last_error"].startswith(f"blocked: {address} is a ")


def test_the_places_a_config_names_are_named_as_a_resolver_is_asked(tmp_path: Path) -> None:
    """Host (as it goes on the wire: IDNA 2008, lower case, no final dot) and
    port: a config naming an RSSHub on 127.0.0.1:1200 opens no other port of
    the machine to a feed's redirects.  A site's https beside its http."""
    from feedmill.config import parse_config
    from feedmill.pipeline import fetch_options

    text = """
fetch: {proxy: 'http://Proxy.LAN:3128'}
feeds:
  - {url: 'http://LocalHost.:1200/stcn/yw', group: g, source: a, moved_from: 'http://old.lan/x'}
  - {url: 'http://例子.测试/feed', group: g, source: b, proxy: 'http://10.0.0.2:1080'}
  - {url: 'https://straße.lan/feed', group: g, source: c}
  - {url: 'feeds/a.xml', group: g, source: d}
"""
    config = parse_config(text, tmp_path / "feedmill.yml")
    assert fetch_options(config).trusted == {
        ("proxy.lan", 3128), ("localhost", 1200), ("old.lan", 80), ("old.lan", 443),
        ("xn--fsqu00a.xn--0zwm56d", 80), ("xn--fsqu00a.xn--0zwm56d", 443), ("10.0.0.2", 1080),
        ("xn--strae-oqa.lan", 443),
    }  # fmt: skip
    allowed = parse_config("fetch: {allow_private: true}\nfeeds: []\n", tmp_path / "f.yml")
    assert fetch_options(allowed).trusted is None


def test_a_redirect_to_another_port_of_a_named_host_is_blocked(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """The config names an RSSHub on 127.0.0.1: another feed's redirect to
    another port of the machine (an admin service) is not the RSSHub."""
    port = urlsplit(feed_server.url("/")).port
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        elsewhere = other.getsockname()[1]
    feed_server.add("/rsshub/route", body=FEED)
    jump = feed_server.add(
        "/jump", status=302, headers={"Location": f"http://127.0.0.1:{elsewhere}/admin.xml"}
    )
    named = f"http://localhost:{port}/rsshub/route"
    feeds = [
        {"url": named, "group": "g", "source": "a"},
        {"url": jump, "group": "g", "source": "b"},
    ]
    rows = status_after_a_run(tmp_path, feeds)
    assert rows[named]["last_error"] is None
    assert rows[jump]["last_error"].startswith("blocked: 127.0.0.1 is a loopback address")


def test_a_feeds_ttl_is_honoured_after_a_304_too(tmp_path: Path, feed_server: FeedServer) -> None:
    body = FEED.replace(b"<link>", b"<ttl>120</ttl><link>", 1)
    url = feed_server.add("/ttl", body=body, etag='"v1"')
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}], interval="15m")
    waits = []
    for _ in range(2):  # a 200 with the document, then a 304
        start = datetime.now(UTC)
        assert cli("run", "-c", str(config), "--all").code == 0
        waits.append(datetime.fromisoformat(status(config)[url]["next_attempt"]) - start)
    assert feed_server.requests[-1][1]["If-None-Match"] == '"v1"'
    for wait in waits:
        assert timedelta(minutes=119) < wait <= timedelta(minutes=120, seconds=5)


@pytest.mark.parametrize("ttl", ["1000000", "9" * 5000])
def test_a_huge_ttl_is_capped_not_ignored(
    tmp_path: Path, feed_server: FeedServer, ttl: str
) -> None:
    body = FEED.replace(b"<link>", f"<ttl>{ttl}</ttl><link>".encode(), 1)
    url = feed_server.add("/ttl", body=body)
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}], interval="15m")
    start = datetime.now(UTC)
    assert cli("run", "-c", str(config)).code == 0
    row = status(config)[url]
    assert row["last_error"] is None
    wait = datetime.fromisoformat(row["next_attempt"]) - start
    assert timedelta(hours=11, minutes=59) < wait <= timedelta(hours=12, seconds=5)


def test_an_endless_cache_header_fails_nothing(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.add("/cc", body=FEED, headers={"Cache-Control": "max-age=" + "9" * 5000})
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    assert status(config)[url]["last_error"] is None and len(posts(tmp_path)) == 2


def test_cache_control_over_two_header_lines_is_one_list(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    # nginx's add_header beside the upstream's own: two lines, one list.
    # (Two spellings of the name: the test server sends each as its own line.)
    headers = {"Cache-Control": "public", "cache-control": "max-age=3600"}
    url = feed_server.add("/two", body=FEED, headers=headers)
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}], interval="10m")
    before = datetime.now(UTC)
    assert cli("run", "-c", str(config)).code == 0
    assert datetime.fromisoformat(status(config)[url]["next_attempt"]) > before + timedelta(
        minutes=59
    )


def test_a_shortened_interval_takes_effect_without_waiting_out_the_old_one(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    plain = feed_server.add("/plain", body=FEED)
    hinted = feed_server.add("/hinted", body=FEED, headers={"Cache-Control": "max-age=3600"})
    feeds = [
        {"url": plain, "group": "g", "source": "a"},
        {"url": hinted, "group": "g", "source": "b"},
    ]
    config = write_config(tmp_path, feeds, interval="12h")
    assert cli("run", "-c", str(config)).code == 0
    write_config(tmp_path, feeds, interval="1s")
    time.sleep(1.2)
    before = datetime.now(UTC)
    rows = status(config)
    assert datetime.fromisoformat(rows[plain]["next_attempt"]) <= before
    assert datetime.fromisoformat(rows[hinted]["next_attempt"]) > before + timedelta(minutes=59)
    result = cli("run", "-c", str(config), "--due")
    # The plain feed is due by its new interval; the other still by its server's word.
    assert "1 not due" in result.stdout
    assert feed_server.hits["/plain"] == 2 and feed_server.hits["/hinted"] == 1


def test_retry_after_as_an_http_date_on_a_503(tmp_path: Path, feed_server: FeedServer) -> None:
    when = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    url = feed_server.add(
        "/maint", status=503, headers={"Retry-After": format_datetime(when, usegmt=True)}
    )
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}], interval="1m")
    assert cli("run", "-c", str(config)).code == 0
    row = status(config)[url]
    assert row["last_error"] == "HTTP 503 Service Unavailable"
    assert abs(datetime.fromisoformat(row["next_attempt"]) - when) < timedelta(seconds=2)
    # The table says the wait in two units: "in 1h", for 1h59m, misled.
    table = cli("status", "-c", str(config)).stdout
    assert re.search(r" in 1h59m ", table), table


def test_failing_feed_backs_off_and_is_never_disabled(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.add("/down", status=503, body=b"down")
    config = write_config(
        tmp_path, [{"url": url, "group": "g", "source": "s"}], interval="10m", backoff_cap="1h"
    )
    waits = []
    for streak in range(1, 7):
        assert cli("run", "-c", str(config), "--all").code == 0
        row = status(config)[url]
        assert row["error_streak"] == streak
        # From the attempt itself, not from a clock read here before the run:
        # the machine's clock may be set back meanwhile (599.2 s "after" it, once).
        attempted = datetime.fromisoformat(row["last_attempt"])
        waits.append(datetime.fromisoformat(row["next_attempt"]) - attempted)
    # Never sooner than a healthy feed would be asked again; spread upward.
    assert timedelta(minutes=10) <= waits[0] <= timedelta(minutes=12.5, seconds=1)
    assert waits[2] > waits[0]  # grows …
    assert all(w <= timedelta(hours=1, seconds=1) for w in waits)  # … up to the cap
    assert waits[-1] >= timedelta(minutes=30)  # still scheduled: never disabled


# -- what came back ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (
            b"<html><head><title>Error 502</title></head></html>",
            "text/html",
            "got text/html: <title>Error 502</title>",
        ),
        (
            b'{"error": {"message": "Route not found"}}',
            "application/json",
            "got application/json error: Route not found",
        ),
        (
            b'<meta charset="utf-8"><title>Just a moment...</title><p>Checking your browser',
            "text/html; charset=utf-8",
            "got text/html: <title>Just a moment...</title>",
        ),
        (b"", "application/rss+xml", "empty body (application/rss+xml)"),
        (b"   \n", None, "empty body"),
        (
            b"<?xml version='1.0'?><error>quota</error>",
            "text/xml",
            "got text/xml whose root element is <error>, not a feed",
        ),
        # A message that names a feed's element is still a message.
        (
            b"Not Found: <rss> for this route",
            "text/plain",
            "got text/plain: Not Found: <rss> for this route",
        ),
    ],
)
def test_not_a_feed_says_what_came_back(
    tmp_path: Path, feed_server: FeedServer, body: bytes, content_type: str | None, message: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    assert error_of_one(tmp_path, feed_server, body=body, headers=headers) == message


def test_a_stray_byte_in_a_servers_headers_fails_only_its_feed(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Header bytes that are not UTF-8 (a French server's Latin-1 "é") read as Latin-1:
    as they came they could not be stored, and failed the whole batch of feed
    records — the pass with them."""
    busy = feed_server.add("/busy", status=503, reason="Service indisponible, réessayez")
    odd = feed_server.add(
        "/odd",
        body=b"<html><head><title>Erreur</title></head></html>",
        headers={"Content-Type": "text/h\xe9ml"},
    )
    good = feed_server.add("/good", body=FEED)
    feeds = [
        {"url": u, "group": "g", "source": s} for u, s in ((busy, "a"), (odd, "b"), (good, "c"))
    ]
    rows = status_after_a_run(tmp_path, feeds)
    assert rows[busy]["last_error"] == "HTTP 503 Service indisponible, réessayez"
    assert rows[odd]["last_error"] == "got text/h\xe9ml: <title>Erreur</title>"
    assert rows[good]["last_error"] is None and len(posts(tmp_path)) == 2


@pytest.mark.parametrize(
    "validator",
    [
        {"ETag": '"v\xff\xfe"'},
        {"Last-Modified": "Tue, 20 Sep 2022 \xa0\xff GMT"},
        # What aiohttp refuses to send back (a header injection): stored, it
        # failed every later fetch of the feed before its request left.
        {"ETag": '"v1\x7f"'},
        {"Last-Modified": "Tue, 20 Sep 2022\x0b00:00:00 GMT"},
    ],
    ids=["etag", "last-modified", "etag-control", "last-modified-control"],
)
def test_a_validator_that_cannot_be_stored_is_dropped_and_the_feed_published(
    tmp_path: Path, feed_server: FeedServer, validator: dict[str, str]
) -> None:
    url = feed_server.add("/f", body=FEED, headers=validator)
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    assert status(config)[url]["last_error"] is None and len(posts(tmp_path)) == 2
    # Without it, the body's hash still tells the document unchanged.
    assert "1 unchanged" in cli("run", "-c", str(config)).stdout
    sent = feed_server.requests[-1][1]
    assert "If-None-Match" not in sent and "If-Modified-Since" not in sent


def test_a_stored_validator_that_cannot_be_sent_is_not_sent(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """One stored before such validators were refused (an older version): the
    feed fetched again, not failed for good as "invalid URL"."""
    import sqlite3

    url = feed_server.add("/f", body=rss("源", [Item("一", guid="1")]), etag='"v1"')
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        db.execute("UPDATE feeds SET etag = ?", ('"v1\x7f"',))
    feed_server.add("/f", body=rss("源", [Item("一", guid="1"), Item("二", guid="2")]))
    result = cli("run", "-c", str(config))
    assert result.code == 0 and "posts: 1 new" in result.stdout, result.stderr
    assert status(config)[url]["last_error"] is None
    assert "If-None-Match" not in feed_server.requests[-1][1]


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n<rss></rss>",
            "the body is longer than its Content-Length said",
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n<rss></rss>",
            "a body longer than its Content-Length said, or a server that sends no HTTP headers",
        ),
        (b'<?xml version="1.0"?><rss></rss>', "a server that sends no HTTP headers"),
    ],
    ids=["longer-then-close", "longer-kept-alive", "no-headers"],
)
def test_a_body_longer_than_its_length_is_named(
    feed_server: FeedServer, raw: bytes, detail: str
) -> None:
    """aiohttp quoted the surplus bytes as a bad status line, or as "data after
    Connection: close": the server's Content-Length is named."""
    result = fetch(FetchRequest(url=feed_server.add("/x", raw=raw)))
    assert result.error is not None and result.error.startswith("bad HTTP response: ")
    assert detail in result.error and "b'" not in result.error


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (b"HTTX/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "HTTX/1.1 200 OK"),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nhello\r\n0\r\n\r\n",
            "chunk size: b'ZZ'",
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n<rss>",
            "received 5 of 100 bytes",
        ),
    ],
    ids=["status-line", "chunk-size", "cut-short"],
)
def test_a_broken_response_says_what_was_wrong_on_one_line(
    feed_server: FeedServer, raw: bytes, detail: str
) -> None:
    """aiohttp's parser puts what was wrong on the lines after "Bad status
    line:", and wraps a body cut short as "400, message=…" (no server sent a
    400): the account is on the one line `status` shows."""
    result = fetch(FetchRequest(url=feed_server.add("/x", raw=raw)))
    assert result.error is not None and result.error.startswith("bad HTTP response: ")
    assert detail in result.error
    assert "\n" not in result.error and "400" not in result.error and "^" not in result.error


def test_a_body_compressed_twice_says_so(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.add("/f", body=gzip.compress(FEED), gzip=True)
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    assert status(config)[url]["last_error"] == (
        "got a gzip-compressed body (compressed twice, or without its Content-Encoding)"
    )


def test_a_header_line_longer_than_8_kib_is_read(feed_server: FeedServer) -> None:
    """A CDN's long Set-Cookie before the feed: browsers and curl read it."""
    url = feed_server.add("/f", body=FEED, headers={"Set-Cookie": "c=" + "x" * 20_000})
    assert fetch(FetchRequest(url=url)).status is FetchStatus.OK


def test_a_redirect_to_a_location_with_a_stray_byte_is_followed_percent_encoded(
    feed_server: FeedServer,
) -> None:
    feed_server.add("/caf%E9", body=FEED)
    url = feed_server.add("/old", status=302, headers={"Location": "/caf\xe9"})
    result = fetch(FetchRequest(url=url))
    assert (result.status, result.final_url) == (FetchStatus.OK, feed_server.url("/caf%E9"))


def test_what_a_server_sends_cannot_drive_the_operators_terminal(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """ESC and CSI from a server (an error page's text, a reason phrase) show
    as pictures in `run` and `status`: obeyed, they retitle the terminal,
    clear the screen, colour what follows."""
    page = feed_server.add(
        "/page",
        body=b"Error \x1b]0;PWNED\x07\x1b[2J\x1b[31mRED\x1b[0m",
        headers={"Content-Type": "text/plain"},
    )
    busy = feed_server.add("/busy", status=503, reason="Busy \x1b[31mred\x9b2J")
    feeds = [{"url": page, "group": "g", "source": "a"}, {"url": busy, "group": "g", "source": "b"}]
    config = write_config(tmp_path, feeds)
    run = cli("run", "-c", str(config))
    table = cli("status", "-c", str(config)).stdout
    for shown in (run.stderr, table):
        assert "Error ␛]0;PWNED␇␛[2J␛[31mRED␛[0m" in shown
        assert "HTTP 503 Busy ␛[31mred\ufffd2J" in shown
        assert not any(c in shown for c in "\x1b\x07\x9b")


def test_a_feed_after_a_servers_stray_output_is_read_and_the_output_noted(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    body = (
        b"Warning: session_start(): Cannot send session cookie - headers already sent"
        b" in /var/www/rss.php on line 3\n" + rss("中文 - 要闻", [Item(title="央行降准", guid="1")])
    )
    url = feed_server.add("/php", body=body, headers={"Content-Type": "text/xml"})
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    row = status(config)[url]
    assert row["last_error"] is None and row["posts"] == 1
    assert "ignored text before the feed: 'Warning: session_start()" in row["warning"]


def test_blank_lines_before_the_xml_declaration_are_no_fault_of_the_feed(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A PHP file's newline after its ``?>``: no XML may start with it, and the
    feed went to the slow parser with an "ill-formed" warning on every fetch."""
    body = b"\n\r\n  " + rss("中文 - 要闻", [Item(title="央行降准", guid="1")])
    assert body.lstrip().startswith(b"<?xml")
    url = feed_server.add("/php", body=body, headers={"Content-Type": "text/xml"})
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    row = status(config)[url]
    assert row["last_error"] is None and row["posts"] == 1
    assert row["warning"] is None and row["parser"] == "fast"


@pytest.mark.parametrize(
    ("name", "content_type", "title"),
    [
        ("gbk.xml", None, "沪指震荡整理 券商板块拉升"),
        ("gb2312.xml", "application/xml; charset=gb2312", "央行开展逆回购操作"),
        ("gb18030.xml", None, "𠮷野家与㉿符号€价格"),
        ("utf8-bom.xml", None, "字节顺序标记"),
        ("declares-utf8-is-gbk.xml", "application/rss+xml", "声明UTF8实为GBK的新闻标题"),
        ("http-charset-contradicts.xml", "application/xml; charset=gbk", "HTTP头说GBK但内容是UTF8"),
        ("http-utf8-declares-gbk.xml", "text/xml; charset=utf-8", "声明GBK内容GBK头部UTF8"),
        ("utf16-bom.xml", None, "十六位编码"),
        ("http-latin1-declares-gb2312.xml", "text/xml; charset=ISO-8859-1", "服务器默认拉丁字符集"),
        ("http-latin1-undeclared-gbk.xml", "text/xml; charset=ISO-8859-1", "未声明编码的国标新闻"),
        ("http-gbk-declares-big5.xml", "text/xml; charset=gbk", "臺灣股市收盤上漲加權指數站上新高"),
        ("big5-declares-gb2312.xml", None, "香港恆生指數收盤上漲科技股領漲"),
        ("http-gbk-undeclared-big5.xml", "text/xml; charset=gbk", "央行理監事會決議利率維持不變"),
        (
            "http-cp1251-declares-cp1251-gbk.xml",
            "text/xml; charset=windows-1251",
            "西里尔字母标签的国标新闻",
        ),
    ],
)
def test_encodings(
    tmp_path: Path, feed_server: FeedServer, name: str, content_type: str | None, title: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    url = feed_server.add("/e", body=(ENCODINGS / name).read_bytes(), headers=headers)
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    (text,) = posts(tmp_path).values()
    assert f"title: '{title}'" in text
    assert f"{title}：正文" in text
    row = status(config)[url]
    assert row["parser"] == "fast"
    if name == "http-charset-contradicts.xml":  # the wrong label is reported, not fatal
        assert row["warning"] == "declared gbk but the bytes are UTF-8"
    if name.startswith("http-latin1"):  # Latin-1 decodes anything: never believed over GBK
        assert row["warning"] == "declared ISO-8859-1 but the bytes are gb18030"
    if name == "http-gbk-declares-big5.xml":  # GB18030 reads Big5 without an error
        assert row["warning"] == "declared gbk but the bytes are big5"
    if name == "big5-declares-gb2312.xml":  # a lone GB label: read by its characters
        assert row["warning"] == "declared gb2312 but the bytes are big5"
    if name == "http-gbk-undeclared-big5.xml":
        assert row["warning"] == "declared gbk but the bytes are big5"
    if name in ("gbk.xml", "gb2312.xml", "gb18030.xml"):
        assert row["warning"] is None
    if name.startswith("http-cp1251"):  # as any single-byte codec: believed over nothing
        assert row["warning"] == "declared windows-1251 but the bytes are gb18030"


@pytest.mark.parametrize(
    "words", ["環保局", "環保產品發布", "監獄管理 現金", "獅", "台積電 財報 營收 創新高 " * 2]
)
def test_a_short_gbk_feed_of_traditional_characters_stays_gbk(words: str) -> None:
    """A few Traditional characters in GBK read as common Big5 characters by
    chance: too few to tell GB from Big5 by, they are what the label says."""
    from feedmill.parse.encoding import decode

    document = (
        f'<?xml version="1.0" encoding="gbk"?><rss version="2.0"><channel><title>T</title>'
        f"<item><title>{words} notice</title><description>From the {words}.</description>"
        "</item></channel></rss>"
    ).encode("gbk")
    decoded = decode(document)
    assert decoded.encoding == "gb18030" and decoded.note is None
    assert f"<title>{words} notice</title>" in decoded.text


@pytest.mark.parametrize(
    ("title", "channel", "label"),
    [
        # A Latin-1 label (Tomcat's default) over a few GBK headlines.
        ("停牌公告", "公告", "ISO-8859-1"),
        ("央行降准", "要闻", "ISO-8859-1"),
        ("Python 3.11 RC2 发布，正式版即将到来", "Tech News", "ISO-8859-1"),
        ("2024年 半年度 报告", "公司公告", "ISO-8859-1"),
        # Detected as Shift_JIS (ｻｦﾖｸﾊﾕﾕﾇ), under a UTF-8 label or none.
        ("沪指收涨1.2% 创业板指涨2%", "新闻", "utf-8"),
        ("沪指收涨1.2% 创业板指涨2%", "新闻", None),
    ],
)
def test_a_short_gbk_feed_under_a_latin_1_label_or_taken_for_shift_jis_is_gbk(
    title: str, channel: str, label: str | None
) -> None:
    """Read as Latin-1, or detected as Shift_JIS, a few GBK headlines were
    garbled. Read whole as common Chinese, a short text is GB18030 there (a
    longer one detection reads surely either way). (Detected as Korean, it
    stays so: EUC-KR's syllables and Hanja are GB2312's common characters
    byte for byte — nothing in a few headlines tells them apart.)"""
    from feedmill.parse.encoding import decode

    declaration = f'<?xml version="1.0" encoding="{label}"?>' if label else ""
    document = (
        f'{declaration}<rss version="2.0"><channel><title>{channel}</title><item>'
        f'<title>{title}</title><description>&lt;a href="x.pdf"&gt;PDF&lt;/a&gt;</description>'
        "</item></channel></rss>"
    ).encode("gbk")
    decoded = decode(document)
    assert decoded.encoding == "gb18030", decoded
    assert f"<title>{title}</title>" in decoded.text


@pytest.mark.parametrize("label", ["utf-8", "ISO-8859-1", None])
@pytest.mark.parametrize(
    "titles",
    [
        ["韓美 정상회담 개최"],  # (Hanja, as headlines abbreviate: GB's private use)
        ["北核 협상 재개", "國會 본회의"],
        ["삼성전자가 올해 3분기 실적을 발표했다. 영업이익은 전년 대비 크게 늘었다. " * 6],
    ],
)
def test_a_korean_feed_with_hanja_or_a_long_one_under_a_wrong_label_stays_korean(
    titles: list[str], label: str | None
) -> None:
    """Detected as Korean, a feed stays Korean (a few GBK headlines would
    too: see above); under a Latin-1 label the Korean is detected first."""
    from feedmill.parse.encoding import decode

    declaration = f'<?xml version="1.0" encoding="{label}"?>' if label else ""
    items = "".join(f"<item><title>{title}</title></item>" for title in titles)
    document = f'{declaration}<rss version="2.0"><channel><title>뉴스</title>{items}</channel></rss>'  # fmt: skip
    decoded = decode(document.encode("euc_kr"))
    assert decoded.encoding in ("euc_kr", "cp949"), decoded
    assert all(f"<title>{title}</title>" in decoded.text for title in titles)


@pytest.mark.parametrize("label", ["utf-8", "ISO-8859-1", None])
def test_short_euc_jp_of_kanji_alone_stays_japanese(label: str | None) -> None:
    """EUC-JP's kanji are GB2312's common characters byte for byte: detection
    is believed, as it was (a Shift_JIS reading alone is overruled)."""
    from feedmill.parse.encoding import decode

    declaration = f'<?xml version="1.0" encoding="{label}"?>' if label else ""
    titles = ["地震速報", "気象庁発表"]
    items = "".join(f"<item><title>{title}</title></item>" for title in titles)
    document = f'{declaration}<rss version="2.0"><channel><title>社説</title>{items}</channel></rss>'  # fmt: skip
    decoded = decode(document.encode("euc_jp"))
    assert all(f"<title>{title}</title>" in decoded.text for title in titles), decoded


@pytest.mark.parametrize("title", ["ATENÇÃO: PROMOÇÃO", "GRÖßE: XL", "EDUCAÇÃO"])
def test_latin_1_under_its_label_whose_capitals_pair_as_gb_is_latin_1(title: str) -> None:
    """Ç Ã, Ö ß are pairs of GB's common characters (ATEN敲O): one at a time,
    between Latin letters, not Chinese."""
    from feedmill.parse.encoding import decode

    document = f'<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>Loja</title><item><title>{title}</title></item></channel></rss>'  # fmt: skip
    decoded = decode(document.encode("latin-1"), "text/xml; charset=ISO-8859-1")
    assert decoded.encoding == "cp1252" and decoded.note is None, decoded
    assert f"<title>{title}</title>" in decoded.text


def test_big5_under_a_gb_label_is_read_with_windows_and_hong_kong_characters() -> None:
    """恒 (恒生, Hang Seng), 裏 and € are cp950's, not plain Big5's: one of them
    sent a whole Hong Kong feed under a GB label back to nonsense."""
    from feedmill.parse.encoding import decode

    text = "恒生指數今日收市上升三百點，科技股領漲，成交金額約一千億港元，市場氣氛好轉。"
    document = (
        f'<?xml version="1.0" encoding="gb2312"?><rss version="2.0"><channel><title>港股</title>'
        f"<item><title>{text[:12]}</title><description>{text}</description></item>"
        "</channel></rss>"
    ).encode("cp950")
    decoded = decode(document)
    assert decoded.note == "declared gb2312 but the bytes are big5"
    assert f"<title>{text[:12]}</title>" in decoded.text


def _juejin_as_gbk() -> bytes:
    """The bundled 掘金 sample (mostly ASCII: markup, code, English words)
    re-encoded as GBK under a GBK label."""
    text = (Path(feedmill.__file__).parent / "samples" / "juejin-frontend.xml").read_text("utf-8")
    return re.sub(r'encoding="[^"]+"', 'encoding="gbk"', text, count=1).encode("gb18030")


@pytest.mark.parametrize("stray", [b"\x80", "—".encode()], ids=["cp936-euro", "utf8-dash"])
def test_a_gbk_feed_with_a_stray_byte_is_gbk_with_that_byte_replaced(stray: bytes) -> None:
    """Detection, asked about bytes that GB18030 failed at one place, named a
    single-byte codec (iso8859-16, cp874): every title and post file name of
    the feed came out as nonsense, for good."""
    from feedmill.parse.encoding import decode

    body = _juejin_as_gbk()
    at = body.index(b"<description>") + len(b"<description>")
    decoded = decode(body[:at] + stray + body[at:])
    assert decoded.encoding == "gb18030"
    assert decoded.note == "bytes are not valid gb18030; undecodable bytes replaced"
    assert decoded.text.count("\ufffd") <= 1
    assert "TypeScript 4.8 新特性" in decoded.text and "掘金 前端" in decoded.text


@pytest.mark.parametrize(
    ("text", "encoding", "label", "shown"),
    [
        # UTF-8 under a GB label: GB18030 also reads it with one byte failing.
        (
            "<title>央行宣布降准</title><p>央行今日宣布下调存款准备金率。</p>",
            "utf-8",
            "gb2312",
            "央行宣布降准",
        ),
        # Shift_JIS under a GBK label: GB18030 reads its pairs as nonsense.
        (
            "<title>日経平均</title><p>東京株式市場は続伸した。日経平均株価は上昇した。</p>",
            "shift_jis",
            "gbk",
            "東京株式市場",
        ),
        # … nor Latin-1 accents before letters.
        (
            "<title>Größere Änderungen für Bürger</title><p>Überraschende Wende.</p>",
            "cp1252",
            "gbk",
            "Größere Änderungen",
        ),
        # UTF-8 and Latin-1 under a Shift_JIS label: Shift_JIS reads their pairs too.
        (
            "<title>首相が所信表明演説、経済対策を強調</title>",
            "utf-8",
            "shift_jis",
            "首相が所信表明演説",
        ),
        (
            "<title>Élections régionales : les résultats définitifs</title>",
            "cp1252",
            "shift_jis",
            "résultats définitifs",
        ),
        # A short UTF-8 document under its own label: four accents read, one byte not.
        (
            "<title>Café opens</title><p>Crème brûlée at the café</p>",
            "utf-8",
            "utf-8",
            "Crème brûlée",
        ),
    ],
)
def test_a_stray_byte_in_another_encoding_than_the_label_is_that_encoding(
    text: str, encoding: str, label: str, shown: str
) -> None:
    """A stray byte where the label is wrong: the bytes' own encoding, as
    detection reads it, not the label's, which reads them with one failure."""
    from feedmill.parse.encoding import decode

    body = f'<?xml version="1.0" encoding="{label}"?><rss>{text}\x00</rss>'.encode(encoding)
    decoded = decode(body.replace(b"\x00", b"\xff" if encoding == "utf-8" else b"\x80"))
    assert shown in decoded.text


def test_latin_text_under_a_shift_jis_label_is_no_windows_31j() -> None:
    """Windows-31J read its "’s" as a common kanji (Spain痴): the share of
    common kanji said Japanese."""
    from feedmill.parse.encoding import decode

    titles = "<title>Spain’s Martínez says it’s time to act</title><title>Núñez: won’t stop</title>"
    body = f'<?xml version="1.0" encoding="shift_jis"?><rss>{titles}</rss>'
    decoded = decode(body.encode("cp1252"))
    # (Detection's reading, as before: windows-1250 of the two.)
    assert "Spain’s Martínez says it’s" in decoded.text and decoded.note is not None
    # Its signs read as half-width katakana (£ as ｣) are no Japanese either.
    titles = (
        "<title>FTSE 100 closes up 0.5% as BP gains £2bn</title><title>Pound falls to $1.21 – "
        "Bank of England’s rate call</title><title>House prices up £3,000 in a year</title>"
    )
    body = f'<?xml version="1.0" encoding="shift_jis"?><rss>{titles}</rss>'
    assert "gains £2bn" in decode(body.encode("cp1252")).text


def test_gb_text_under_a_big5_label_is_no_big5_hkscs() -> None:
    """Big5-HKSCS reads nearly any GB bytes, as rare characters: a short GBK
    feed labelled big5 was posted as 奻漆肮奀ェ芛…, without a word."""
    from feedmill.parse.encoding import decode

    text = "上海同时牵头获得国家科技三大奖。2021年，上海同时牵头获得国家科技“三大奖”高等级奖项。"
    body = f'<?xml version="1.0" encoding="big5"?><rss><title>{text}</title></rss>'
    decoded = decode(body.encode("gbk"))
    assert text in decoded.text and decoded.encoding == "gb18030"


@pytest.mark.parametrize(
    ("label", "text", "encoding", "read_as"),
    [
        # Labels browsers read that Python knows not: the text was detected,
        # garbled where it was short ("央行降準" read as cp932).
        ("cn-big5", "央行降準 股市大漲 油價下調", "big5", "big5"),
        ("x-x-big5", "央行降準", "big5", "big5"),
        ("csgb2312", "央行宣布降准", "gbk", "gb18030"),
        ("gb_2312", "降准", "gbk", "gb18030"),
        ("x-sjis", "日銀が金融緩和", "shift_jis", "shift_jis"),
        ("windows-31j", "日銀が金融緩和", "shift_jis", "shift_jis"),
        ("ks_c_5601-1989", "한국은행 기준금리", "euc_kr", "euc_kr"),
        # Characters of the encoding browsers read the label as: no "declared
        # big5 but the bytes are big5hkscs" (and the feed fetched whole each pass).
        (
            "big5",
            "恒生指數今日上升，市場氣氛良好，投資者信心增強，成交額明顯擴大",
            "big5hkscs",
            "big5hkscs",
        ),
        # … short, the wider set's characters much of it.
        ("big5", "恒生指數 裏面", "big5hkscs", "big5hkscs"),
        ("big5", "港股：恒指高開", "big5hkscs", "big5hkscs"),
        ("big5", "滙豐控股業績", "big5hkscs", "big5hkscs"),
        ("big5", "沙田禾輋邨重建", "big5hkscs", "big5hkscs"),
        ("shift_jis", "①決算", "cp932", "cp932"),  # (kanji, no kana)
        ("shift_jis", "KDDI株価急落①", "cp932", "cp932"),  # (… after Latin letters)
        ("shift_jis", "NTT株価反発② 三菱UFJ銀行", "cp932", "cp932"),
        ("shift_jis", "①銀 150円 (-2円)", "cp932", "cp932"),  # (one kanji between figures)
        ("shift_jis", "㈱東芝 決算発表", "cp932", "cp932"),
        ("shift_jis", "髙島屋 第Ⅲ四半期", "cp932", "cp932"),
        ("shift_jis", "①首相の演説～経済対策", "cp932", "cp932"),
        ("euc-kr", "똠방각하 기준금리", "cp949", "cp949"),
    ],
)
def test_a_label_is_read_as_browsers_read_it(
    label: str, text: str, encoding: str, read_as: str
) -> None:
    from feedmill.parse.encoding import decode

    body = f'<?xml version="1.0" encoding="{label}"?><rss><title>{text}</title></rss>'
    decoded = decode(body.encode(encoding))
    assert (text in decoded.text, decoded.encoding, decoded.note) == (True, read_as, None)


def test_utf8_under_a_gb_label_with_a_gb_character_in_it_is_utf8() -> None:
    """GB18030 read the UTF-8 with one failure, UTF-8 failed at the GBK "　"'s
    two bytes: fewest failures chose GB nonsense."""
    from feedmill.parse.encoding import decode

    text = "東京都は本日、新型ウイルスの感染状況について発表した"
    body = (
        f'<?xml version="1.0" encoding="gbk"?><rss><channel><item><title>{text} 0\x00</title>'
        f"<description>{text}。日本銀行は金融政策決定会合で現状維持を決めた</description>"
        "</item></channel></rss>"
    )
    decoded = decode(body.encode("utf-8").replace(b"\x00", "　".encode("gbk")))
    assert text in decoded.text and decoded.encoding == "utf-8"


def test_one_latin_letter_under_a_utf8_label_is_no_utf8_with_a_stray_byte() -> None:
    from feedmill.parse.encoding import decode

    body = '<?xml version="1.0" encoding="utf-8"?><rss><title>Café opens</title></rss>'
    assert "Café opens" in decode(body.encode("cp1252")).text


def test_a_utf8_byte_order_mark_before_gbk_bytes_is_false(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A PHP file saved "with BOM" prints its mark before the site's GBK: the
    mark was believed and every Chinese character became "?", silently."""
    body = codecs.BOM_UTF8 + _juejin_as_gbk()
    url = feed_server.add("/bom", body=body, headers={"Content-Type": "text/xml"})
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    texts = "".join(posts(tmp_path).values())
    assert "新特性" in texts and "\ufffd" not in texts
    assert status(config)[url]["warning"] == "a UTF-8 byte-order mark before gb18030 bytes"


def test_a_utf8_byte_order_mark_before_latin_bytes_stays_utf8() -> None:
    """Any bytes read as some single-byte codec: after a UTF-8 mark, a Latin
    byte or two are replaced, the rest is UTF-8 (feedparser's own case)."""
    from feedmill.parse.encoding import decode

    body = codecs.BOM_UTF8 + "<rss><title>Valid: Ш Invalid: Espa".encode() + b"\xf1a</title></rss>"
    decoded = decode(body)
    assert decoded.encoding == "utf-8" and "Valid: Ш Invalid: Espa\ufffda" in decoded.text


def test_a_single_byte_label_that_is_right_is_believed(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Checking a windows-1251 label against the bytes leaves Russian Russian."""
    body = (ENCODINGS / "cp1251.xml").read_bytes()
    url = feed_server.add(
        "/ru", body=body, headers={"Content-Type": "text/xml; charset=windows-1251"}
    )
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    (text,) = posts(tmp_path).values()
    assert "title: 'Центробанк снизил ключевую ставку'" in text
    assert status(config)[url]["warning"] is None


# -- XML safety -------------------------------------------------------------------


def test_xxe_reads_no_file_and_fetches_nothing(tmp_path: Path, feed_server: FeedServer) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    dtd = feed_server.add("/evil.dtd", body=b'<!ENTITY leak "LEAKED">')
    remote = feed_server.add("/remote.txt", body=b"REMOTE-VALUE")
    body = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rss SYSTEM "{dtd}" [<!ENTITY xxe SYSTEM "{secret.as_uri()}">'
        f'<!ENTITY remote SYSTEM "{remote}">]>\n'
        '<rss version="2.0"><channel><title>XXE - 测试</title>'
        "<item><title>读文件 &xxe;</title><guid>x</guid><description>&remote; 正文</description></item>"
        "</channel></rss>"
    ).encode()
    url = feed_server.add("/xxe", body=body)
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config)).code == 0
    (text,) = posts(tmp_path).values()
    assert "TOP-SECRET-VALUE" not in text and "REMOTE-VALUE" not in text
    assert "读文件" in text
    assert feed_server.hits["/evil.dtd"] == 0 and feed_server.hits["/remote.txt"] == 0


def test_billion_laughs_is_not_expanded(tmp_path: Path, feed_server: FeedServer) -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]>'
        '<rss version="2.0"><channel><title>Laughs - 测试</title>'
        "<item><title>哈哈 &lol9;</title><guid>l</guid><description>&lol9;</description></item>"
        "</channel></rss>"
    ).encode()
    url = feed_server.add("/lol", body=body)
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    tracemalloc.start()
    try:
        assert cli("run", "-c", str(config)).code == 0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    (text,) = posts(tmp_path).values()
    assert "lollol" not in text
    assert peak < 100 * MiB


def _not_modified_and_then_some(request: BaseHTTPRequestHandler) -> Route | None:
    """A 304 to the validator "v1", and a body after it all the same."""
    if request.headers.get("If-None-Match") == '"v1"':
        head = b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 5\r\n\r\n'
        return Route(raw=head + b"hello")
    return None


def test_a_304_with_a_body_is_asked_for_again_without_validators(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A feed script that sets 304 and still writes the feed (PHP that
    forgets to exit): the body read as the next response ("Bad status line")
    failed every conditional fetch, for good — every feed of the host that
    answered so.  Asked for again whole, once: unchanged, as it is."""

    urls = [
        feed_server.add(
            f"/php{n}", Route(body=FEED, etag='"v1"', handler=_not_modified_and_then_some)
        )
        for n in range(3)
    ]
    feeds = [{"url": url, "group": "g", "source": f"s{n}"} for n, url in enumerate(urls)]
    config = write_config(tmp_path, feeds, dedupe=False)
    assert "feeds: 3 ok" in cli("run", "-c", str(config)).stdout
    for _ in range(2):
        result = cli("run", "-c", str(config))
        assert "feeds: 0 ok, 3 unchanged, 0 failed" in result.stdout, result.stdout + result.stderr
    assert all(feed_server.hits[f"/php{n}"] == 5 for n in range(3)), feed_server.hits
    assert len(posts(tmp_path)) == 6


def test_a_304_with_a_body_behind_a_busy_host_is_asked_for_again(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """The time a fetch waits for its host's slot is not its own: a feed
    queued behind slow ones found its deadline spent, and was not asked
    for again."""

    slow = [
        feed_server.add(f"/slow{n}", Route(body=FEED, etag=f'"s{n}"', delay=0.5)) for n in range(4)
    ]
    php = feed_server.add(
        "/php", Route(body=FEED, etag='"v1"', handler=_not_modified_and_then_some)
    )
    feeds = [{"url": u, "group": "g", "source": f"s{n}"} for n, u in enumerate([*slow, php])]
    config = write_config(tmp_path, feeds, dedupe=False, fetch={"per_host": 1, "timeout": 1.5})
    assert "0 failed" in cli("run", "-c", str(config)).stdout
    result = cli("run", "-c", str(config))
    assert "feeds: 0 ok, 5 unchanged, 0 failed" in result.stdout, result.stdout + result.stderr


def test_a_304_whose_body_comes_late_spoils_no_other_fetch(tmp_path: Path) -> None:
    """The body after a 304 sent a moment later: aiohttp had finished the
    response and pooled its connection, and the next feed's request on it
    read "hello" for a status line — one feed of the host failed every pass."""

    def serve(listener: socket.socket) -> None:
        def one(conn: socket.socket) -> None:
            with conn, suppress(OSError):
                pending = b""
                while True:
                    while b"\r\n\r\n" not in pending:
                        data = conn.recv(65536)
                        if not data:
                            return
                        pending += data
                    head, _, pending = pending.partition(b"\r\n\r\n")
                    if b"if-none-match" in head.lower():
                        conn.sendall(
                            b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 5\r\n\r\n'
                        )
                        time.sleep(0.02)
                        conn.sendall(b"hello")
                    else:
                        conn.sendall(
                            b'HTTP/1.1 200 OK\r\nETag: "v1"\r\nContent-Type: application/rss+xml\r\n'
                            + f"Content-Length: {len(FEED)}\r\n\r\n".encode()
                            + FEED
                        )

        with suppress(OSError):
            while True:
                conn, _ = listener.accept()
                threading.Thread(target=one, args=(conn,), daemon=True).start()

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        threading.Thread(target=serve, args=(listener,), daemon=True).start()
        base = f"http://127.0.0.1:{listener.getsockname()[1]}"
        feeds = [{"url": f"{base}/{n}", "group": "g", "source": f"s{n}"} for n in range(3)]
        config = write_config(tmp_path, feeds, dedupe=False, fetch={"per_host": 1})
        assert "feeds: 3 ok" in cli("run", "-c", str(config)).stdout
        for _ in range(3):
            result = cli("run", "-c", str(config))
            assert "feeds: 0 ok, 3 unchanged, 0 failed" in result.stdout, result.stderr
