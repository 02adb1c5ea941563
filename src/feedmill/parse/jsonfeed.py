"""A JSON Feed put in the shape its spec gives, for what fastfeedparser cannot read.

fastfeedparser trusts a JSON Feed's types: one item that is a string, an
``author`` that is a name instead of an object, ``tags: 5`` or a date that
is a number raised AttributeError or TypeError, and the whole feed failed.
Only then is the document read again through `conform`: items that are not
objects are skipped (and counted), fields of the wrong type are left out
(a number as an id is written as text; a number as a date is written as
text where it is a Unix time, in seconds or milliseconds, and else is no
date, as fastfeedparser would read "5" as the 5th of this month; items of
``null`` are none, as Go writes an empty list), the rest is kept.
"""

from __future__ import annotations

import json
from typing import Any

from feedmill.normalize.dates import EPOCH

_TEXT = (
    "id",
    "url",
    "external_url",
    "title",
    "content_html",
    "content_text",
    "summary",
    "image",
    "banner_image",
    "date_published",
    "date_modified",
    "language",
)
_FEED_TEXT = ("version", "title", "home_page_url", "feed_url", "description", "icon", "favicon")


# What a value of `json.loads` is called in JSON's own words, not Python's.
_JSON_TYPES = {
    str: "a string",
    dict: "an object",
    int: "a number",
    float: "a number",
    bool: "true or false",
}


class NotJsonFeed(ValueError):
    pass


def _text_fields(source: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    out = {name: source[name] for name in names if isinstance(source.get(name), str)}
    if isinstance(source.get("id"), int) and not isinstance(source["id"], bool):
        out["id"] = str(source["id"])  # the spec's is text; a number is common
    return out


def _people(value: object) -> list[dict[str, str]]:
    """Authors as objects; a name written as text is the author's name."""
    people = value if isinstance(value, list) else [value]
    return [
        {"name": person}
        if isinstance(person, str)
        else _text_fields(person, ("name", "url", "avatar"))
        for person in people
        if isinstance(person, dict | str)
    ]


def _with_people(out: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    """``out`` with ``source``'s ``authors`` (1.1) and ``author`` (1.0) as objects."""
    if "authors" in source:
        out["authors"] = _people(source["authors"])
    if "author" in source:
        authors = _people(source["author"])
        if authors:
            out["author"] = authors[0]
    return out


def _item(item: dict[str, Any]) -> dict[str, Any]:
    out = _with_people(_text_fields(item, _TEXT), item)
    for name in ("date_published", "date_modified"):
        value = item.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            written = repr(value)  # (a float's repr is its shortest exact text)
            if EPOCH.fullmatch(written):
                out[name] = written
    tags = item.get("tags")
    if isinstance(tags, list):
        out["tags"] = [tag for tag in tags if isinstance(tag, str)]
    attachments = item.get("attachments")
    if isinstance(attachments, list):
        out["attachments"] = [
            _text_fields(attachment, ("url", "mime_type", "title"))
            for attachment in attachments
            if isinstance(attachment, dict) and isinstance(attachment.get("url"), str)
        ]
    return out


def conform(text: str) -> tuple[str, int]:
    """``text`` (a JSON object) in the spec's shape, and how many items were
    not objects; ValueError if it is no JSON object, NotJsonFeed if its
    items are no list."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    feed = _with_people(_text_fields(data, _FEED_TEXT), data)
    items = data.get("items")
    if items is None:  # absent, or null: no items
        items = []
    if not isinstance(items, list):
        raise NotJsonFeed(f"a JSON Feed whose items are {_JSON_TYPES[type(items)]}, not a list")
    kept = [_item(item) for item in items if isinstance(item, dict)]
    feed["items"] = kept
    return json.dumps(feed, ensure_ascii=False), len(items) - len(kept)
