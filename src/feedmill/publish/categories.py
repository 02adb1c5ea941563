"""group → source → channel: the category chain of every post."""

from __future__ import annotations

import re

# Separators between a source name and the channel in a feed title, e.g.
# "证券时报网 - 要闻", "开源中国-最新资讯", "掘金 前端", "Foo | Bar", "Foo: Bar".
_SEPARATOR = r"(?:\s*[-–—|:]\s*|\s+)"
_SEPARATOR_CHARACTERS = " -–—|:"


def derive_channel(feed_title: str | None, source: str) -> str | None:
    """The feed's title without a leading source name and separator.

    ``证券时报网 - 要闻`` → ``要闻``; a title without that prefix stays whole
    (``新浪财经－国內``); no title, or nothing after the prefix, gives None.
    """
    # Separators left at either end say nothing ("证券时报网 - " has no channel,
    # and a category "-" has an empty URL in Hexo).
    title = " ".join((feed_title or "").split()).strip(_SEPARATOR_CHARACTERS)
    if not title or title == source:
        return None
    match = re.match(re.escape(source) + _SEPARATOR + r"(.+)$", title)
    if match:
        return match.group(1).strip(_SEPARATOR_CHARACTERS) or None
    return title


def categories(group: str, source: str, channel: str | None) -> tuple[str, ...]:
    return (group, source, channel) if channel else (group, source)
