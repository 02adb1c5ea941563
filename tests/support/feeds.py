"""Build small feed documents for tests."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Item:
    title: str
    html: str = "<p>正文</p>"
    guid: str | None = None
    link: str | None = None
    pub_date: str | None = "Tue, 20 Sep 2022 16:01:00 GMT"
    categories: tuple[str, ...] = ()


def rss(
    title: str,
    items: list[Item] | tuple[Item, ...],
    *,
    link: str = "https://example.com/",
    encoding: str = "utf-8",
) -> bytes:
    parts = [
        f'<?xml version="1.0" encoding="{encoding}"?>',
        '<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>{escape(link)}</link>",
    ]
    for item in items:
        parts.append("<item>")
        parts.append(f"<title>{escape(item.title)}</title>")
        if item.link:
            parts.append(f"<link>{escape(item.link)}</link>")
        if item.guid:
            parts.append(f'<guid isPermaLink="false">{escape(item.guid)}</guid>')
        if item.pub_date:
            parts.append(f"<pubDate>{item.pub_date}</pubDate>")
        for category in item.categories:
            parts.append(f"<category>{escape(category)}</category>")
        parts.append(f"<description><![CDATA[{item.html}]]></description>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode(encoding)
