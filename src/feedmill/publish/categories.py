"""group → source → channel: the category chain of every post."""

from __future__ import annotations

import re

# Separators between a source name and the channel in a feed title, e.g.
# "证券时报网 - 要闻", "开源中国-最新资讯", "掘金 前端", "Foo | Bar", "Foo: Bar".
_SEPARATOR = r"(?:\s*[-–—|:]\s*|\s+)"


def derive_channel(feed_title: str | None, source: str) -> str | None:
    """The feed's title without a leading source name and separator.

    ``证券时报网 - 要闻`` → ``要闻``; a title without that prefix stays whole
    (``新浪财经－国內``); no title, or nothing after the prefix, gives None.
    """
    title = " ".join((feed_title or "").split())
    if not title:
        return None
    match = re.match(re.escape(source) + _SEPARATOR + r"(.+)$", title)
    if match:
        rest = match.group(1).strip()
        return rest or None
    if title == source:
        return None
    return title


def categories(group: str, source: str, channel: str | None) -> tuple[str, ...]:
    return (group, source, channel) if channel else (group, source)
