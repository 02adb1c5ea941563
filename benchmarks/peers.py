"""The programs feedmill is measured against, writing the same posts.

* ``reader`` — lemon24/reader (feedparser inside), the Python feed library:
  ``update_feeds`` with worker threads, then a post for every new or
  modified entry.
* ``baseline`` — plain requests + feedparser in a loop, a post per entry.

Both render posts with feedmill's own template and write them atomically,
so the comparison is of everything *before* the post: fetching, parsing,
storing, deciding what changed.  ``fetch`` times feedmill's fetch stage alone.

    python -m benchmarks.peers reader  --urls URLS.json --state DIR --out POSTS_DIR
    python -m benchmarks.peers baseline --urls URLS.json --out POSTS_DIR
    python -m benchmarks.peers fetch --urls URLS.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from feedmill.models import Entry
from feedmill.normalize.text import clean_title
from feedmill.publish.filenames import post_filename
from feedmill.publish.render import FeedStyle, PostInput, compose
from feedmill.publish.writer import write_if_changed

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, time.struct_time):
        return datetime(*value[:6], tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def write_post(out: Path, url: str, style: FeedStyle, feed_title: str | None, entry: Entry) -> bool:
    text = compose(PostInput(entry, feed_title, datetime.now(UTC), style, url))
    name = post_filename(entry.title, url, entry.key)
    return write_if_changed(out / name, text.encode("utf-8"))


def run_reader(feeds: list[dict[str, str]], state: Path, out: Path, workers: int) -> dict[str, Any]:
    from reader import make_reader

    state.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    styles = {f["url"]: FeedStyle(group=f["group"], source=f["source"]) for f in feeds}
    reader = make_reader(str(state / "reader.sqlite"))
    known = {feed.url for feed in reader.get_feeds()}
    for feed in feeds:
        if feed["url"] not in known:
            reader.add_feed(feed["url"])
    started = datetime.now(UTC)
    reader.update_feeds(scheduled=False, workers=workers)
    written = 0
    for item in reader.get_entries():
        if item.last_updated < started:
            continue  # unchanged since the last run
        content = next((c.value for c in item.content if c.value), None) or item.summary or ""
        entry = Entry(
            key=item.id,
            link=item.link,
            title=clean_title(item.title),
            published=_aware(item.published),
            updated=_aware(item.updated),
            author=None,
            content=content,
        )
        written += write_post(out, item.feed_url, styles[item.feed_url], item.feed.title, entry)
    reader.close()
    return {"posts_written": written}


def run_baseline(feeds: list[dict[str, str]], out: Path) -> dict[str, Any]:
    import feedparser
    import requests

    out.mkdir(parents=True, exist_ok=True)
    session = requests.Session()
    written = 0
    for feed in feeds:
        response = session.get(feed["url"], timeout=30)
        parsed = feedparser.parse(response.content)
        style = FeedStyle(group=feed["group"], source=feed["source"])
        for item in parsed.entries:
            content = item.get("content", [{}])[0].get("value") or item.get("summary", "")
            entry = Entry(
                key=item.get("id") or item.get("link") or item.get("title", ""),
                link=item.get("link"),
                title=clean_title(item.get("title")),
                published=_aware(item.get("published_parsed")),
                updated=None,
                author=None,
                content=content,
            )
            written += write_post(out, feed["url"], style, parsed.feed.get("title"), entry)
    return {"posts_written": written}


def run_fetch(feeds: list[dict[str, str]], concurrency: int, per_host: int) -> dict[str, Any]:
    from feedmill.fetch import Fetcher, FetchOptions, FetchRequest

    async def go() -> int:
        options = FetchOptions(concurrency=concurrency, per_host=per_host)
        async with Fetcher(options) as fetcher:
            ok = 0
            async for result in fetcher.fetch_many(FetchRequest(f["url"]) for f in feeds):
                ok += result.ok
            return ok

    started = time.perf_counter()
    ok = asyncio.run(go())
    return {"fetched": ok, "fetch_seconds": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("peer", choices=["reader", "baseline", "fetch"])
    parser.add_argument(
        "--urls", type=Path, required=True, help="JSON list of {url, group, source}"
    )
    parser.add_argument("--state", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--per-host", type=int, default=8)
    args = parser.parse_args()
    feeds = json.loads(args.urls.read_text(encoding="utf-8"))
    if args.peer == "reader":
        result = run_reader(feeds, args.state, args.out, args.workers)
    elif args.peer == "baseline":
        result = run_baseline(feeds, args.out)
    else:
        result = run_fetch(feeds, args.concurrency, args.per_host)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
