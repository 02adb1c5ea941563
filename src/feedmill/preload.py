"""Imported by the workers' forkserver (see `Mill.pool`), before it forks them.

A worker loads most of what it uses on its first document: the parsers
(fastfeedparser with lxml and dateutil), the sanitizer (nh3), SQLite's
dialect, the regular expressions compiled on first use.  Loaded in each
worker, that is a private copy per worker (~5 MiB each); loaded here, by
taking one small document through the same steps, it is loaded once and
shared copy-on-write.  No list of modules to keep in step with the code: what
a document's path imports is what gets loaded.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

# GBK, as a tenth of Chinese feeds are: decoding it loads the GB18030 codec.
_SAMPLE = (
    '<?xml version="1.0" encoding="gbk"?><rss version="2.0"><channel><title>样例</title>'
    "<link>https://example.com/</link><item><title>央行今日开展逆回购操作</title>"
    "<link>https://example.com/a/1.html</link><guid>https://example.com/a/1.html</guid>"
    "<pubDate>Tue, 20 Sep 2022 16:01:00 GMT</pubDate><description><![CDATA["
    '<p>央行<b>今日</b>开展<a href="/b">逆回购</a>操作。</p><img src="/c.png">'
    "<table><tr><td>1</td></tr></table>]]></description></item></channel></rss>"
).encode("gb18030")


def _warm() -> None:
    from feedmill.normalize.document import normalize_document
    from feedmill.parse import parse_document
    from feedmill.publish.render import FeedStyle, PostInput, compose
    from feedmill.store.database import create

    now = datetime(2022, 9, 21, tzinfo=UTC)
    parsed = parse_document(_SAMPLE, "application/rss+xml")
    normalized = normalize_document(
        parsed, feed_url="https://example.com/feed", zone=ZoneInfo("Asia/Shanghai"), now=now
    )
    style = FeedStyle(group="样例", source="样例")
    for entry in normalized.entries:
        compose(PostInput(entry, normalized.title, now, style, "https://example.com/feed"))
    # Each worker makes its own engine; the driver and dialect are loaded here.
    engine = create("sqlite://")
    with engine.connect():
        pass
    engine.dispose()


# Only a head start: a worker that finds nothing loaded loads it itself.
with suppress(Exception):
    _warm()
