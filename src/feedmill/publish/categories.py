"""group → source → channel: the category chain of every post."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

from feedmill.normalize.chars import SHOWS_NOTHING
from feedmill.publish.yaml_scalars import as_written

# Separators between a source name and the channel in a feed title, e.g.
# "证券时报网 - 要闻", "开源中国-最新资讯", "掘金 前端", "Foo | Bar", "Foo: Bar",
# "Foo / Bar", and their full-width forms: "新浪财经－国内滚动", "财新网·经济".
# (WordPress writes "Blog » Category"; Chinese sites "财新网丨最新文章", and
# "证券时报网_要闻" — an "_" only between the two: `__proto__` is a name.)
_SEPARATOR_CHARACTERS = " -–—|:/－｜：／·・•»›丨"
_SEPARATOR = r"(?:\s*[-–—|:/－｜：／·・•»›丨_]\s*|\s+)"

# What hexo-util's slugize turns into separators (and then trims): a name of
# these alone has an empty slug, and its category page would overwrite its
# parent's.  Its white space is JavaScript's `\s`, which is not Python's.
# Hexo makes a folder of each name: at most 255 bytes on most disks.
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_SLUG_RUN = re.compile("[" + _JS_SPACE + re.escape("~`!@#$%^&*()-_+=[]{}|\\;:\"'<>,.?/") + "]+")
_CONTROL = re.compile(r"[\x00-\x1f]")  # (hexo-util's, in a slug)
# Control characters (C0, DEL, C1) and the line and paragraph separators.
_CONTROL_OR_BREAK = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
LONGEST_NAME_BYTES = 200


@functools.cache
def _diacritics() -> dict[int, str]:
    """hexo-util's escapeDiacritic as a `str.translate` table (read once)."""
    table: dict[int, str] = {}
    text = resources.files(__package__).joinpath("hexo_diacritics.txt").read_text("utf-8")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            base, letters = line.split("\t")
            table.update(dict.fromkeys(map(ord, letters), base))
    return table


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
# as HTML, unescaped: no name holds what opens a tag ("C<T>" showed as "C";
# "A > B" and "x < 5" show as they are).
_MARKUP = re.compile(r"[<>]")
# Joiners and variation selectors shape what is around them (👩\u200d💻 is one
# picture, a Persian word keeps its ZWNJ): kept inside a name, dropped at its
# ends; what else shows nothing is dropped wherever it is.
_SHAPING = "\u200c\u200d\u180b\u180c\u180d\u180f" + "".join(map(chr, range(0xFE00, 0xFE10)))
_INVISIBLE = dict.fromkeys(ord(ch) for ch in SHOWS_NOTHING if ch not in _SHAPING)


def visible_name(name: str) -> str:
    """``name`` as it shows: without characters that show nothing (joiners
    and variation selectors kept inside it), in NFC ("e" + U+0301 is é).
    Two names that show alike were two category pages, both shown so."""
    shown = unicodedata.normalize("NFC", name.translate(_INVISIBLE))
    while (trimmed := shown.strip().strip(_SHAPING)) != shown:  # ("金融\u200d ": 金融)
        shown = trimmed
    return shown


_TAG_OPENING = re.compile(r"<[A-Za-z/!?]")
_TAG = re.compile(r"<[^<>]*>")


def category_name_problem(value: str) -> str | None:
    """Why ``value`` cannot be a group, source or channel (a Hexo category), or None."""
    if value in _OBJECT_PROPERTIES:
        return f"{value!r} is a name every JavaScript object has: Hexo's category pages break on it"
    if "\0" in value:  # (a config refuses it anywhere: `add` and `import` too)
        return "holds a NUL character (\\0)"
    if _CONTROL_OR_BREAK.search(value):
        # A post's front matter writes "a\tb" as "a b" (and "a\x7fb" as "ab"):
        # another name, and another page, than the one checked against the others.
        return f"{value!r} holds a line break, a tab or another control character: one line"
    if not hexo_slug(value):
        return f"{value!r} has no letter or digit (Hexo could not name its page)"
    if _TAG_OPENING.search(value):
        return f"{value!r} holds an HTML tag: Hexo's category lists would show it as HTML"
    size = len(value.encode())
    if size > LONGEST_NAME_BYTES:
        return f"is {size} bytes in UTF-8; at most {LONGEST_NAME_BYTES} (Hexo makes a folder of it)"
    return None


def without_diacritics(name: str) -> str:
    """``name`` with its accents and full-width letters folded, as Hexo's slugs fold them."""
    return name.translate(_diacritics())


def hexo_slug(name: str) -> str:
    """The name of a category's (or tag's) page as hexo-util's slugize makes
    it: accents and full-width letters folded (``Café`` → ``Cafe``, ``ＩＴ`` →
    ``IT``), control characters dropped, runs of separators one "-", trimmed
    ("C++" and "C#" are both "C").  Two names with one slug have one page."""
    folded = without_diacritics(name)
    return _SLUG_RUN.sub("-", _CONTROL.sub("", folded)).strip("-")


@dataclass(frozen=True, slots=True)
class SharedPage:
    """A name whose category page is another name's: Hexo builds one page per
    path of slugs, and it lists the posts of one of the two names only."""

    index: int  # of the chain that came second
    depth: int  # 0 group, 1 source, 2 channel
    name: str
    other: str  # the name that has the page
    other_index: int
    path: str  # /categories/…/, relative to the category folder


def shared_pages(
    chains: Sequence[Sequence[str]], renamed: Mapping[str, str] | None = None, case: int = 0
) -> list[SharedPage]:
    """Each chain (group, source[, channel]) with a level whose page a name
    of an earlier chain already has ("C++" and "C#" under 掘金: …/掘金/C/).
    ``renamed`` is the site's `category_map`, Hexo's own cure for such names;
    ``case`` its `filename_case` (1: slugs in lower case, 2: upper)."""
    renamed = renamed or {}
    folded = {1: str.lower, 2: str.upper}.get(case, str)
    named: dict[tuple[str, ...], tuple[str, int]] = {}  # slug path → (name, chain)
    shared: list[SharedPage] = []
    for index, chain in enumerate(chains):
        slugs: tuple[str, ...] = ()
        for depth, name in enumerate(chain):
            slugs += (folded(hexo_slug(renamed.get(name, name))),)
            other, other_index = named.setdefault(slugs, (name, index))
            # As a post writes them: "金融 " is 金融.
            if as_written(other) != as_written(name):
                path = f"/categories/{'/'.join(slugs)}/"
                shared.append(SharedPage(index, depth, name, other, other_index, path))
                break
    return shared


def _fitting(name: str) -> str | None:
    """A derived channel as a category Hexo can make: cut to the longest name
    a folder may have (a long feed title stopped the whole site's build with
    ENAMETOOLONG), None if it has no letter or digit."""
    if category_name_problem(name) is None:
        return name
    cut = name.encode()[:LONGEST_NAME_BYTES].decode("utf-8", "ignore").strip(_SEPARATOR_CHARACTERS)
    return cut if cut and category_name_problem(cut) is None else None


def _shown_title(feed_title: str | None) -> str:
    """A feed's title as it shows: its markup no part of it, its entities
    their characters, without what shows nothing, on one line."""
    # (Not loaded by config.)
    from feedmill.normalize.text import with_entities_decoded, without_code

    tagless = _TAG.sub(" ", without_code(feed_title or ""))
    plain = _MARKUP.sub(" ", with_entities_decoded(tagless))
    # Nor are characters that show nothing, or a spelling of another form
    # (NFD's "e" + U+0301): "要闻\u200b" was a category page of its own
    # beside "要闻", both shown as 要闻.
    return " ".join(visible_name(plain).split())


def shows_nothing(feed_title: str | None) -> bool:
    """Whether a feed's title says nothing (none, blanks, a zero-width
    space, empty markup, separators alone: " - ")."""
    return not _shown_title(feed_title).strip(_SEPARATOR_CHARACTERS + _SHAPING)


@functools.lru_cache(maxsize=1024)  # every post of a feed asks it again (~11 µs)
def derive_channel(feed_title: str | None, source: str) -> str | None:
    """The feed's title without a leading source name and separator.

    ``证券时报网 - 要闻`` → ``要闻``; a title without that prefix stays whole
    (``新浪财经－国內``); no title, or nothing after the prefix, gives None.
    """
    # Separators left at either end say nothing ("证券时报网 - " has no channel,
    # and a category "-" has an empty URL in Hexo); a feed's markup is no name,
    # and its entities are their characters, as in items' titles ("&amp;" was
    # a category "&amp; 前端").
    shown = _shown_title(feed_title)
    title = shown.strip(_SEPARATOR_CHARACTERS + _SHAPING)
    if not title or source in (title, shown):  # (a source "xx丨" is no "xx")
        return None
    # (A source that ends in a separator, "36氪_", needs none after it.)
    between = r"\s*" if source[-1:] in _SEPARATOR_CHARACTERS + "_" else _SEPARATOR
    match = re.match(re.escape(source) + between + r"(.+)$", title)
    if match:
        title = match.group(1).strip(_SEPARATOR_CHARACTERS + _SHAPING)
    return _fitting(title) if title else None


def categories(group: str, source: str, channel: str | None) -> tuple[str, ...]:
    return (group, source, channel) if channel else (group, source)
