"""group → source → channel: the category chain of every post."""

from __future__ import annotations

import re

# Separators between a source name and the channel in a feed title, e.g.
# "证券时报网 - 要闻", "开源中国-最新资讯", "掘金 前端", "Foo | Bar", "Foo: Bar".
_SEPARATOR = r"(?:\s*[-–—|:]\s*|\s+)"
_SEPARATOR_CHARACTERS = " -–—|:"

# What hexo-util's slugize turns into separators (and then trims): a name of
# these alone has an empty slug, and its category page would overwrite its
# parent's.  Hexo makes a folder of each name: at most 255 bytes on most disks.
_SLUG_SEPARATORS = frozenset(" \t\n\r~`!@#$%^&*()-_+=[]{}|\\;:\"'<>,.?/")
LONGEST_NAME_BYTES = 200


_SLUG_RUN = re.compile("[" + re.escape("".join(sorted(_SLUG_SEPARATORS))) + "]+")
_CONTROL = re.compile(r"[\x00-\x1f]")


# Hexo looks a category's name up in `category_map` as in a plain object: a
# name that every JavaScript object has (`constructor`) finds a function
# there, and no category page of the site is built.
_OBJECT_PROPERTIES = frozenset(
    {
        "constructor",
        "hasOwnProperty",
        "isPrototypeOf",
        "propertyIsEnumerable",
        "toLocaleString",
        "toString",
        "valueOf",
        "__proto__",
        "__defineGetter__",
        "__defineSetter__",
        "__lookupGetter__",
        "__lookupSetter__",
    }
)
# Hexo's list_categories helper (every theme's category list) writes a name
# as HTML, unescaped: a name from a feed or a file holds no markup (one in
# feedmill.yml is the site owner's own).
_MARKUP = re.compile(r"[<>]")
_TAG = re.compile(r"<[^<>]*>")


def category_name_problem(value: str) -> str | None:
    """Why ``value`` cannot be a group, source or channel (a Hexo category), or None."""
    if value in _OBJECT_PROPERTIES:
        return f"{value!r} is a name every JavaScript object has: Hexo's category pages break on it"
    if not hexo_slug(value):
        return f"{value!r} has no letter or digit (Hexo could not name its page)"
    size = len(value.encode())
    if size > LONGEST_NAME_BYTES:
        return f"is {size} bytes in UTF-8; at most {LONGEST_NAME_BYTES} (Hexo makes a folder of it)"
    return None


def markup_problem(value: str) -> str | None:
    """Why a name from someone else's file (an OPML export) is refused: one
    with ``<`` or ``>`` would be HTML in the theme's category list."""
    if _MARKUP.search(value):
        return f"{value!r} holds < or >: Hexo's category lists would show it as HTML"
    return None


def hexo_slug(name: str) -> str:
    """The name of a category's page as hexo-util's slugize makes it, less
    what it merges besides (accents folded, every Unicode space a separator):
    control characters go, runs of separators become one "-", trimmed ("C++"
    and "C#" are both "C").  Two names with one slug here have one in Hexo."""
    return _SLUG_RUN.sub("-", _CONTROL.sub("", name)).strip("-")


def _fitting(name: str) -> str | None:
    """A derived channel as a category Hexo can make: cut to the longest name
    a folder may have (a long feed title stopped the whole site's build with
    ENAMETOOLONG), None if it has no letter or digit."""
    if category_name_problem(name) is None:
        return name
    cut = name.encode()[:LONGEST_NAME_BYTES].decode("utf-8", "ignore").strip(_SEPARATOR_CHARACTERS)
    return cut if cut and category_name_problem(cut) is None else None


def derive_channel(feed_title: str | None, source: str) -> str | None:
    """The feed's title without a leading source name and separator.

    ``证券时报网 - 要闻`` → ``要闻``; a title without that prefix stays whole
    (``新浪财经－国內``); no title, or nothing after the prefix, gives None.
    """
    # Separators left at either end say nothing ("证券时报网 - " has no channel,
    # and a category "-" has an empty URL in Hexo); a feed's markup is no name.
    plain = _MARKUP.sub(" ", _TAG.sub(" ", feed_title or ""))
    title = " ".join(plain.split()).strip(_SEPARATOR_CHARACTERS)
    if not title or title == source:
        return None
    match = re.match(re.escape(source) + _SEPARATOR + r"(.+)$", title)
    if match:
        title = match.group(1).strip(_SEPARATOR_CHARACTERS)
    return _fitting(title) if title else None


def categories(group: str, source: str, channel: str | None) -> tuple[str, ...]:
    return (group, source, channel) if channel else (group, source)
