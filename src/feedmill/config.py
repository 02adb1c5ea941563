"""Load and validate ``feedmill.yml``.

A bad config stops the run before anything is fetched or written, with a
message that names the file, the line, the entry and the field.  The schema
is a set of frozen msgspec Structs (typed, immutable records, validated in
well under a millisecond for a thousand feeds); the YAML is read with
libyaml and keeps line numbers for the messages (yamlload.py).
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import unicodedata
import zoneinfo
from datetime import datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import SplitResult, urlsplit

import msgspec

from feedmill import urls
from feedmill.publish.categories import category_name_problem
from feedmill.schedule import LONGEST_SECONDS, Policy, due_at

if TYPE_CHECKING:  # the store imports SQLAlchemy: not for reading a config
    from collections.abc import Callable, Collection, Sequence

    from feedmill.store.feeds import FeedState

DEFAULT_PLACEHOLDER = "https://picsum.photos/400/300?random={n}"
DEFAULT_STATE = ".feedmill/state.db"
DEFAULT_TIMEZONE = "Asia/Shanghai"
CONFIG_NAME = "feedmill.yml"


class ConfigError(Exception):
    """The config file cannot be used; the message says where and why."""


class ConfigUnwritable(ConfigError):
    """A config that may be fine cannot be written (`add`, `import`): a
    read-only file, a full disk — no error in the config (exit 1, not 2)."""


class _Invalid(ValueError):
    """A field's value is wrong; raised from __post_init__ with the field's name."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")


# -- value parsers ---------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2,
          "mib": 1024**2, "g": 1024**3, "gb": 1024**3, "gib": 1024**3}  # fmt: skip
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|d|h|m|s)", re.IGNORECASE)  # ms before m
_DURATION_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_size(value: int | str) -> int:
    """``15 MiB``, ``512k`` or a number of bytes."""
    if isinstance(value, int):
        size = value
    else:
        match = _SIZE.match(str(value))
        if not match:
            raise ValueError(f"not a size: {value!r} (try 15MiB or 512k)")
        size = int(float(match.group(1)) * _UNITS[(match.group(2) or "").lower()])
    if size <= 0:
        raise ValueError("must be positive")
    if size > LARGEST_SIZE:  # (99999999999999999999G failed every feed, every pass)
        raise ValueError("at most 1GiB")
    return size


LARGEST_SIZE = 1 << 30


@functools.lru_cache(maxsize=256)  # asked per feed, per pass, of a few distinct values
def parse_duration(value: int | float | str) -> timedelta:
    """``15m``, ``1h30m``, ``2d``, ``45s`` or a number of seconds."""
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = str(value).strip().replace(" ", "")
        if re.fullmatch(r"\d+(?:\.\d+)?", text):
            seconds = float(text)
        else:
            parts = _DURATION.findall(text)
            if not parts or "".join(n + u for n, u in parts).lower() != text.lower():
                raise ValueError(f"not a duration: {value!r} (try 15m, 1h30m or 2d)")
            seconds = sum(float(n) * _DURATION_UNITS[u.lower()] for n, u in parts)
    if not seconds > 0:  # (NaN too: `.nan` in YAML)
        raise ValueError("must be positive")
    if seconds > LONGEST_SECONDS:
        raise ValueError(f"{value!r} is longer than ten years")
    return timedelta(seconds=seconds)


# A pass takes about as long itself: an interval below it had a daemon's
# passes run back to back, its feeds asked at every one.
SHORTEST_INTERVAL = timedelta(seconds=1)


def parse_interval(value: int | float | str) -> timedelta:
    """`parse_duration` of how often to poll: a second at least."""
    interval = parse_duration(value)
    if interval < SHORTEST_INTERVAL:
        raise ValueError(f"{value!r} is less than a second (feeds are asked at most every second)")
    return interval


def _check(field: str, check: Any, value: Any) -> None:
    try:
        check(value)
    except ValueError as exc:
        raise _Invalid(field, str(exc)) from None


def _timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name such as Asia/Shanghai)"
        ) from None


LONGEST_URL_BYTES = 2048


def _storable_url(url: str) -> None:
    """A feed's URL is its key in the database: PostgreSQL refuses a NUL in
    text and a unique key past ~2.7 KB (SQLite took both), and either stopped
    every feed's pass, not only this one's.  (Other control characters are
    stored, and the fetch says what is wrong: a folded `url: >` ends in a
    line break that the request drops.)"""
    if "\x00" in url:
        raise ValueError(f"{_shown(url)!r} holds a NUL character")
    if len(url.encode("utf-8", "surrogatepass")) > LONGEST_URL_BYTES:
        raise ValueError(f"longer than {LONGEST_URL_BYTES} bytes")


_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")  # RFC 9110's token


# What aiohttp refuses to send in a header value.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")


def _headers(value: dict[str, str]) -> None:
    """Said here, not as every fetch failing with "invalid URL" (aiohttp's
    words for a line break in a header it refuses to send)."""
    for name, text in value.items():
        if not _HEADER_NAME.match(name):
            raise ValueError(f"{name!r} is not a header name (letters, digits, '-')")
        try:
            _header_value(text)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None


def _header_value(text: str) -> None:
    if any(ch in text for ch in "\r\n"):
        raise ValueError("a value cannot hold a line break")
    control = _CONTROL.search(text)
    if control is not None:  # (a tab is sent as it is)
        raise ValueError(f"a value cannot hold a control character (U+{ord(control[0]):04X})")


def _positive(value: float) -> None:
    if not 0 < value < math.inf:  # NaN too
        raise ValueError("must be a positive number")


def seconds(value: float | str) -> float:
    """A timeout as written — a number of seconds, or a duration as
    ``interval`` takes it (``30s``, ``2m``, ``1m30s``) — in seconds."""
    if isinstance(value, int | float):
        _positive(value)
        return float(value)
    return parse_duration(value).total_seconds()


DIRECT = "direct"  # a feed's `proxy: direct` bypasses fetch.proxy


def _proxy(value: str) -> None:
    if value == DIRECT:
        return
    if value.strip().lower() in ("off", "no", "none", "false", "disabled", "null", ""):
        raise ValueError(
            f"{_shown(value)!r} is not a proxy URL: for none, write direct (a feed's proxy,"
            " whatever fetch.proxy says), or leave fetch.proxy out"
        )
    parts = urlsplit(value) if "://" in value else None
    if parts is None or not parts.hostname:
        raise ValueError(f"{_shown(value)!r} is not a proxy URL (e.g. http://127.0.0.1:7890)")
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"{parts.scheme} proxies are not supported: use an http:// proxy")
    # (Accepted, these failed every feed on every pass: "invalid URL".)
    try:
        parts.port  # noqa: B018 - read for its check: a port out of range, or not a number
    except ValueError as exc:
        raise ValueError(f"{_shown(value)!r} is not a proxy URL: {exc}") from None
    if parts.port == 0:
        raise ValueError(f"{_shown(value)!r} is not a proxy URL: port 0")
    if not urls.bracket_ends_host(parts.netloc):
        raise ValueError(f"{_shown(value)!r} is not a proxy URL: text beside its IPv6 address")


def _not_empty(field: str, value: str) -> None:
    if not value.strip():
        raise _Invalid(field, "must not be empty")


def _category_name(field: str, value: str) -> None:
    _not_empty(field, value)
    problem = category_name_problem(value)
    if problem:
        raise _Invalid(field, problem)


_SQLITE_SHORT = re.compile(r"^sqlite(?:\+\w+)?:(?!//)", re.IGNORECASE)


def _state(value: str) -> None:
    _not_empty("state", value)  # (" " made a SQLite file named so)
    short = _SQLITE_SHORT.match(value)
    if short:  # ("sqlite:state.db": a file named so beside the config)
        path = value[short.end() :].split("?", 1)[0]
        if path in ("", "/") or path.endswith(":memory:"):
            raise _Invalid(
                "state", "an in-memory database keeps nothing from one run to the next: name a file"
            )
        slashes = "" if path.startswith("/") else " (three slashes)"
        raise _Invalid(
            "state", f"{value!r} is no URL: write sqlite:///{path}{slashes}, or just {path}"
        )
    if "://" not in value:
        return
    dialect = value.split("://", 1)[0].split("+", 1)[0].lower()
    if dialect == "postgres":
        raise _Invalid("state", "write postgresql:// (SQLAlchemy's name), not postgres://")
    if dialect not in ("sqlite", "postgresql"):
        raise _Invalid(
            "state", f"{dialect}:// is not supported: a SQLite path, or a postgresql:// URL"
        )
    if dialect == "sqlite":
        path = value.split("://", 1)[1].split("?", 1)[0]
        if path in ("", "/") or path.endswith(":memory:") or "mode=memory" in value:
            raise _Invalid(
                "state", "an in-memory database keeps nothing from one run to the next: name a file"
            )
        if not path.startswith("/"):
            # ("sqlite://state.db": SQLAlchemy reads state.db as a host.)
            raise _Invalid(
                "state",
                f"{value!r} names no file: write sqlite:///{path} (three slashes), or just {path}",
            )
    if dialect == "postgresql":
        from sqlalchemy.engine import make_url

        # A password with an "@" or ":" as it is splits the URL elsewhere: the
        # host, port or user read wrong.  The URL itself is not shown (it
        # holds the password).
        hint = "percent-encode @ : / in the user name and password (%40 %3A %2F)"
        try:
            url = make_url(value)
        except ValueError:
            # The host is what follows the last "@" (a password may hold "/"):
            # nothing of the user name or password is ever quoted.
            userinfo, _, rest = value.split("://", 1)[1].rpartition("@")
            host = rest.split("/", 1)[0].split("?", 1)[0]
            after_host = host.rpartition("]")[2] if host.startswith("[") else host  # [::1]:5432
            port = after_host.rpartition(":")[2] if ":" in after_host else ""
            if port and not port.isdigit() and "@" not in userinfo:
                raise _Invalid("state", f"the port {port!r} is not a number") from None
            raise _Invalid("state", f"not a database URL that can be read: {hint}") from None
        if "@" in (url.host or "") or "@" in (url.database or ""):
            raise _Invalid("state", f"the host or database name holds an '@': {hint}")


# -- the schema ------------------------------------------------------------


class FetchSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``fetch:`` — how feeds are downloaded (per-feed keys override some)."""

    timeout: float | str = 30.0  # seconds for the whole request (or 30s, 1m: `seconds`)
    connect_timeout: float | str = 10.0
    max_body: int | str = "15MiB"  # after decompression
    concurrency: int = 64  # requests in flight
    per_host: int = 8  # requests in flight to one host
    user_agent: str | None = None
    headers: dict[str, str] = {}
    proxy: str | None = None
    # The hosts feeds name may be anywhere (an RSSHub on 127.0.0.1); a
    # redirect may not lead elsewhere than a public address unless this is
    # true: a feed's server could have the machine's own services, or a
    # cloud's metadata, fetched and published.
    allow_private: bool = False

    def __post_init__(self) -> None:
        _check("timeout", seconds, self.timeout)
        _check("connect_timeout", seconds, self.connect_timeout)
        _check("max_body", parse_size, self.max_body)
        _check("headers", _headers, self.headers)
        if self.user_agent is not None:  # a header too
            _check("user_agent", _header_value, self.user_agent)
        if self.proxy is not None:
            _check("proxy", _proxy, self.proxy)
        for name in ("concurrency", "per_host"):
            if getattr(self, name) < 1:
                raise _Invalid(name, "must be at least 1")

    @property
    def max_body_bytes(self) -> int:
        return parse_size(self.max_body)


class SanitizeSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``sanitize:`` — what article HTML may keep."""

    # Hosts whose <iframe> players are kept (sandboxed); None = the built-in list.
    iframe_hosts: tuple[str, ...] | None = None
    # Referrer policy forced on <img> (Chinese CDNs refuse foreign Referers);
    # null keeps whatever the article says.
    image_referrer_policy: str | None = "no-referrer"

    def __post_init__(self) -> None:
        allowed = (
            "no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
            "same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url",
        )  # fmt: skip
        if self.image_referrer_policy is not None and self.image_referrer_policy not in allowed:
            raise _Invalid(
                "image_referrer_policy",
                f"{self.image_referrer_policy!r} is not a referrer policy ({', '.join(allowed)})",
            )
        for host in self.iframe_hosts or ():
            # (Matched as written, they kept no player, without a word.)
            if "*" in host:
                raise _Invalid(
                    "iframe_hosts", f"{host!r}: no wildcards; name each host (player.bilibili.com)"
                )
            if not host or "/" in host or ":" in host or host != "".join(host.split()):
                raise _Invalid("iframe_hosts", f"{host!r} is not a host name")


RULE_FIELDS = ("title", "content", "author", "category", "link")


class DedupeSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``dedupe:`` — one story, one post (``dedupe: off`` turns it off)."""

    threshold: float = 0.18  # word similarity (see filter/dedupe/decide.py)
    window: str | int | float = "24h"  # copies further apart than this are different news
    label: str = "同时报道："  # the body line listing the other sources

    def __post_init__(self) -> None:
        if not 0 < self.threshold <= 1:
            raise _Invalid("threshold", "must be between 0 and 1")
        _check("window", parse_duration, self.window)
        _check("window", _window_meant, self.window)


class FulltextSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``fulltext:`` — fetching article pages for feeds with ``fulltext: true``."""

    timeout: float | str = 20.0  # seconds per page, redirects included
    max_body: int | str = "5MiB"  # per page, after decompression
    concurrency: int = 8  # pages in flight in a pass, all fulltext feeds together
    per_host: int = 2
    # Article links come from feeds, not from you: pages on loopback, private
    # or link-local addresses are refused unless this is true (an intranet).
    allow_private: bool = False

    def __post_init__(self) -> None:
        _check("timeout", seconds, self.timeout)
        _check("max_body", parse_size, self.max_body)
        for name in ("concurrency", "per_host"):
            if getattr(self, name) < 1:
                raise _Invalid(name, "must be at least 1")


class TagsSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``tags:`` — Hexo tags: the A-share stocks a post mentions, then keywords."""

    stock_format: str = "{name}({code})"  # {name}, {code}, {market}
    dictionary: str | None = None  # file of stock names and codes, relative to feedmill.yml
    keywords: int = 0  # up to this many keyword tags (jieba TF-IDF / TextRank); 0 = none
    method: Literal["tfidf", "textrank"] = "tfidf"
    stopwords: str | None = None  # file of words never to use as keywords (replaces the default)
    max_tags: int = 10

    def __post_init__(self) -> None:
        from feedmill.tagging import TagPolicy

        for name in ("dictionary", "stopwords"):  # ("cannot read : Is a directory")
            value = getattr(self, name)
            if value is not None:
                _not_empty(name, value)
        try:
            TagPolicy(
                stock_format=self.stock_format,
                keywords=self.keywords,
                keyword_method=self.method,
                max_tags=self.max_tags,
            )
        except ValueError as exc:  # it names its field first ("max_tags must be …")
            said = str(exc)
            name, _, rest = said.partition(" ")
            if name in ("stock_format", "keywords", "max_tags") and rest:
                raise _Invalid(name, rest) from None  # (the error's line is its key's)
            raise ValueError(said) from None


LONGEST_DAYS = 36_500  # a century: beyond, dates overflow


class RetentionSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``retention:`` — how many posts stay in source/_posts; the rest are archived."""

    days: int | None = None  # posts dated longer ago than this are archived
    max_posts: int | None = None  # beyond this many (newest kept), posts are archived
    archive: str = "source/_archive"  # where, relative to the site; Hexo skips "_" folders

    def __post_init__(self) -> None:
        for name in ("days", "max_posts"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise _Invalid(name, "must be 1 or more (leave it out to keep everything)")
        if self.days is not None and self.days > LONGEST_DAYS:
            raise _Invalid("days", f"at most {LONGEST_DAYS} (leave it out to keep everything)")
        _not_empty("archive", self.archive)
        if Path(self.archive).is_absolute() or ".." in Path(self.archive).parts:
            raise _Invalid("archive", "must be a folder inside the site")
        if self.archive.startswith("~"):  # the home folder elsewhere in feedmill.yml
            raise _Invalid("archive", "must be a folder inside the site, named from it (no ~)")
        # Where it may not be within the site's own folders: `archive_problem`,
        # once the site's _config.yml is known.


def archive_problem(archive: str, site: Path) -> str | None:
    """Why the folder ``archive`` (relative to ``site``) cannot hold archived
    posts, if it cannot: Hexo would build, load or delete what is there.  Its
    folders as the site's _config.yml names them (a `source_dir: src` site
    builds `src/_posts/old`, and publishes `src/news` as pages) — and where
    links lead, the archive's or those folders' own: `_arch` linked to
    `source/_posts` is that folder (a rebuild wrote the posts there, then
    dropped them as archived copies), whether `_posts` is a link (to a
    tmpfs) or not."""
    folder = site / archive
    if folder.exists() and not folder.is_dir():
        return "names a file, not a folder"
    source = source_folder(site)
    public_dir = site_folder(site, site_setting(site, "public_dir"), "public")
    shown = source.relative_to(site).as_posix() if source.is_relative_to(site) else str(source)
    shown_public = Path(os.path.relpath(public_dir, site)).as_posix()
    # Folder → what is wrong with a place in it: the first that holds it says.
    refused = [
        (source / "_posts", f"must not be inside {shown}/_posts"),
        # built with `render_drafts` or `--draft`
        (source / "_drafts", f"must not be inside {shown}/_drafts (Hexo can build drafts)"),
        # Hexo loads every file there as site data
        (source / "_data", f"must not be inside {shown}/_data (Hexo reads it)"),
        (public_dir, f"must not be inside {shown_public}/ (Hexo's own folder)"),  # `hexo clean`
        # A theme's source/ is built; Hexo runs every file in scripts/ as a plugin.
        *((site / name, f"must not be inside {name}/ (Hexo's own folder)") for name in _HEXOS),
        *((site / name, f"must not be inside {name}/ (git's)") for name in (".git", ".deploy_git")),
    ]
    written = _placement_problem(os.path.abspath, folder, site, source, refused, shown)
    if written is not None:
        return written
    real = Path(os.path.realpath(folder))  # (a link's target, there or not)
    led = _placement_problem(os.path.realpath, folder, site, source, refused, shown)
    return None if led is None else f"leads to {real} (a link there): {led}"


_HEXOS = ("themes", "scaffolds", "node_modules", "scripts")


def _placement_problem(
    path: Callable[[Path], str],
    folder: Path,
    site: Path,
    source: Path,
    refused: list[tuple[Path, str]],
    shown: str,
) -> str | None:
    """Why ``folder`` is no place for archived posts, each folder read by
    ``path`` (as written, or where its links lead)."""
    place = Path(path(folder))
    if place == Path(path(site)):
        return "must be a folder of its own, not the site's (_archive, say)"
    for where, problem in refused:
        if place.is_relative_to(path(where)):
            return problem
    if place.is_relative_to(path(source)):
        inside = place.relative_to(path(source)).parts
        if not any(p.startswith(("_", ".")) for p in inside):
            # Hexo renders every other folder of its source as pages of the site.
            return (
                f"a folder in {shown}/ must start with _ ({shown}/_archive), or Hexo publishes it"
            )
    return None


# Characters in one rule's pattern: a long list of words belongs in keywords.
MAX_RULE_PATTERN = 20_000


def _as_read(text: str) -> str:
    """A rule's pattern or keyword as rules read it: characters that show
    nothing (a zero-width space, a soft hyphen) are nothing."""
    from feedmill.filter.rules import as_read  # (it imports this module)

    return as_read(text)


# Texts that no pattern a rule means matches all of: a pattern that does
# matches every text — unless it is "all but …" (`_ALL_BUT`).
_ANY_TEXTS = (
    "",
    "zq",
    "\n",
    "央行宣布下调存款准备金率0.25个百分点，释放长期资金约5000亿元。" * 4,
    "【快讯】《证券时报》：贵州茅台（600519）涨5%，#话题# @用户 [图片] “引号” — 完"
    " https://news.example.com/a/20260101/1.html?a=1&b=2 AI",
)
# The longest text a rule reads (an article's first `rules.MAX_TEXT`
# characters): a length limit under it (``(?s)^.{0,200}$``, "too short") is
# not every text, though it holds of every short sample.
_LONG_TEXT_CHARS = 30_000
# A lookaround: "all but the news" (``^(?!https://ex\.com/news/)``), "no 广告
# in it" (``^(?:(?!广告).)*$``) match those texts — not every text — unless an
# empty alternative lets every text through ("^(?!x)|").
_LOOKS_AROUND = re.compile(r"\(\?<?[=!]")
_LOOKS_BEHIND = re.compile(r"\(\?<[=!]")
_LOOKS_AHEAD = re.compile(r"\(\?[=!]")
_EMPTY_ALTERNATIVE = re.compile(r"^\||(?<!\\)\|$|(?<!\\)\|\||\(\||(?<!\\)\|\)")


# Seconds a pattern may take on one of those texts: they are short, and one
# that takes longer backtracks without end (checking it hung the config's
# load, and a daemon's passes, for ever).
_SAMPLE_SECONDS = 0.25


def _every_text_said(pattern: str, why: str) -> str:
    """Why ``pattern`` matches every text, as `_matches_every_text` found it
    (``why``: where it matches), and what to write instead."""
    if why == "start":
        return (
            f"{pattern!r} matches every text (at its start, where nothing precedes): anchor"
            " it at the end, as in (?<!\\.html)$"
        )
    if why == "branches":
        return (
            f"{pattern!r} matches every text (each ends without one lookbehind's text or the"
            " other's): for neither, write them side by side, as in ^.*(?<!\\.html)(?<!\\.htm)$"
        )
    if why == "end":
        return (
            f"{pattern!r} matches every text (at its end, where nothing follows): anchor"
            " it, as in ^(?!.*广告)"
        )
    if why == "long":
        return (
            f"{pattern!r} matches every short text and runs for seconds on one of an"
            " article's length: it would take nearly every item, or stop its feed on a long"
            " one (a ? too many, or a repeat inside a repeat?)"
        )
    return f"{pattern!r} matches every text, as an empty pattern"


class _SlowWhenLong(Exception):
    """A pattern that holds of every short sample ran too long on a long one."""


def _holds_of_every(search: Callable[[str], object], texts: Sequence[str]) -> bool:
    """Whether ``search`` finds a match in each of the short ``texts`` and in
    each made long (`_long`); TimeoutError if one of the short texts takes it
    too long, _SlowWhenLong if all match and a long one takes it too long
    (``(.*\\d+.*元.*红包)?``, a "?" too many: it would take every short item).

    Each short text is tried, whatever the others give: stopping at the first
    miss (the empty text, for nearly every pattern) left a pattern that
    backtracks without end on a longer sample untimed.
    """
    if not all([search(text) for text in texts]):
        return False
    try:
        return all(search(long) for text in texts if text for long in _long(text))
    except TimeoutError:
        raise _SlowWhenLong from None


def _long(text: str) -> tuple[str, str]:
    """``text`` after an article's worth of news — in Chinese, then in
    English: characters, words, sentences, digits as news has them, so that a
    limit counted in any of them is under one of the two —, as long as the
    longest text a rule reads; its end kept (a lookbehind's ending)."""
    room = max(0, _LONG_TEXT_CHARS - len(text))

    def made_long(line: str) -> str:
        return (line * (room // len(line) + 1))[:room] + text

    return made_long(_ANY_TEXTS[3]), made_long(_ENGLISH)


_ENGLISH = " The central bank cut the reserve ratio by 0.25 points, releasing 500 billion yuan. "


def _matches_every_text(pattern: str, compiled: Any) -> str | None:
    """Where ``pattern`` matches every text — "start", "end", "branches" (a
    lookbehind's or another's, `|` between), "anywhere", or "long" (every
    short text, and too long to say on a long one) — or None if it does not;
    TimeoutError if it takes too long to say on a short one."""
    try:
        return _where_it_matches_every_text(pattern, compiled)
    except _SlowWhenLong:
        return "long"


class _AsRead:
    """A rule's compiled pattern searching a text as rules read it: its
    traditional Chinese simplified (the pattern's is: `compile_pattern`), so
    that what a lookaround names (`(?!.*廣告)`) is in the samples made of it."""

    def __init__(self, compiled: Any) -> None:
        self.compiled = compiled

    def search(self, text: str, *args: Any, **kwargs: Any) -> Any:
        from feedmill.normalize.chinese import simplified

        return self.compiled.search(simplified(text), *args, **kwargs)


def _where_it_matches_every_text(pattern: str, compiled: Any) -> str | None:
    compiled = _AsRead(compiled)
    if not _LOOKS_AROUND.search(pattern) or _EMPTY_ALTERNATIVE.search(pattern):
        every = _holds_of_every(
            lambda text: compiled.search(text, timeout=_SAMPLE_SECONDS), _ANY_TEXTS
        )
        return "anywhere" if every else None
    from feedmill.filter.rules import as_pattern_reads, compile_pattern  # (it imports this module)

    read = as_pattern_reads(pattern)
    # At each text's start, where nothing precedes: `(?<!\.html)`,
    # `(?<!推广).*`, `(?<!\.html)(?!\?)` hold there, in any text.
    at_start = _lookbehinds_at_start(read)
    if at_start is not None:
        try:
            held = _AsRead(compile_pattern(at_start))
        except Exception:  # (not judged so)
            held = None
        if held is not None and _holds_of_every(
            lambda text: held.search(text, timeout=_SAMPLE_SECONDS), _ANY_TEXTS
        ):
            return "start"
    # A lookaround "all but …" (`^(?!https://ex\.com/news/)`) matches every
    # sample; judged where it holds of any text: at each text's end, where
    # nothing follows (`(?!.*央行)` matches there); there a lookbehind
    # holds where its text does not precede — `(?<!\.html)$` at the end of
    # every sample, but of no text that ends in ".html": the samples are
    # tried ending in what each lookbehind names too.
    endings = _lookbehind_endings(read)
    if endings is None:
        return None  # (not read: no guess refuses a rule)
    texts = [*_ANY_TEXTS, *(text + end for text in _ANY_TEXTS for end in endings)]
    if _LOOKS_AHEAD.search(pattern):
        every = _holds_of_every(
            lambda text: compiled.search(text, len(text), timeout=_SAMPLE_SECONDS), texts
        )
        if every:
            return "end"
        # Anywhere, in texts that also begin with what each lookahead names:
        # `^(?:(?!广告).)*` (its $ left out) holds of "广告…" as of any text,
        # `^(?!https://ex\.com/news/)` not of the news.
        aheads = _lookaround_examples(read, ("(?!", "(?="))
        if not aheads:
            return None
        starting = [*texts, *(ahead + text for ahead in aheads for text in _ANY_TEXTS)]
        search = compiled.search
        every = _holds_of_every(lambda text: search(text, timeout=_SAMPLE_SECONDS), starting)
        return "anywhere" if every else None
    # (Without a lookahead, anywhere: `(?<!\.html)$|\.html$` ends every text.)
    if _holds_of_every(lambda text: compiled.search(text, timeout=_SAMPLE_SECONDS), texts):
        return "branches" if "|" in _outside_groups(read) else "anywhere"
    return None


def _lookbehind_endings(pattern: str) -> list[str] | None:
    r"""A text each lookbehind of ``pattern`` matches (one of each of its
    alternatives: `(?<!\.html|\.htm)`), or None where one cannot be read —
    the regex module's own syntax (`\p{Han}`, `[[:digit:]]`): not judged."""
    return _lookaround_examples(pattern, ("(?<!", "(?<="))


def _lookaround_examples(pattern: str, opens: tuple[str, str]) -> list[str] | None:
    """A text each lookaround of ``pattern`` that ``opens`` so matches (see
    `_lookbehind_endings`)."""
    import re._parser as sre  # type: ignore[import-not-found]  # (the standard library's)
    import warnings

    import regex

    flags = _LEADING_FLAGS.match(pattern)
    lead = flags[0] if flags else ""
    endings: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith(opens, i):
            end = _group_end(pattern, i)
            if end is None:
                return None
            body = lead + pattern[i + len(opens[0]) : end - 1]
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # (re's FutureWarning on "[[")
                    tree = sre.parse(body)
                branches = tree[0][1][1] if len(tree) == 1 and tree[0][0] == sre.BRANCH else [tree]
                examples = [_example(branch) for branch in branches]
                # Read as the rules run it, or not at all.
                flags_run = regex.V0 | regex.IGNORECASE
                if not all(
                    regex.fullmatch(body, example, flags_run, timeout=1) for example in examples
                ):
                    return None
            except Exception:
                return None
            endings.extend(examples)
            i = end
            continue
        i = _token_end(pattern, i)
    return endings


# Flags that open a pattern and hold throughout it: `(?x)`, `(?si)`.
_LEADING_FLAGS = re.compile(r"(?:\(\?[a-zA-Z]+\))+")


_CATEGORY_EXAMPLES = {
    "CATEGORY_DIGIT": "0",
    "CATEGORY_NOT_DIGIT": "a",
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": "a",
    "CATEGORY_WORD": "a",
    "CATEGORY_NOT_WORD": " ",
}


def _example(tree: Any) -> str:
    """A text the parsed pattern ``tree`` matches (as far as it needs to be
    one: a negated set gives "a"); ValueError for what is not read."""
    import re._parser as sre

    out = []
    for op, arg in tree:
        if op == sre.LITERAL:
            out.append(chr(arg))
        elif op in (sre.NOT_LITERAL, sre.ANY):
            out.append("b" if op == sre.NOT_LITERAL and arg == ord("a") else "a")
        elif op == sre.IN:
            kind, value = arg[0]
            if kind == sre.LITERAL:
                out.append(chr(value))
            elif kind == sre.RANGE:
                out.append(chr(value[0]))
            elif kind == sre.CATEGORY:
                out.append(_CATEGORY_EXAMPLES[str(value)])
            else:  # NEGATE
                out.append("a")
        elif op == sre.CATEGORY:
            out.append(_CATEGORY_EXAMPLES[str(arg)])
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
            low, _, sub = arg
            out.append(_example(sub) * max(low, 1))
        elif op == sre.SUBPATTERN:
            out.append(_example(arg[-1]))
        elif op == getattr(sre, "ATOMIC_GROUP", None):
            out.append(_example(arg))
        elif op == sre.BRANCH:
            out.append(_example(arg[1][0]))
        elif op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT, sre.GROUPREF):
            continue
        else:
            raise ValueError(f"not read: {op}")
    return "".join(out)


# Where nothing precedes: the text's start.  What never holds.
_NOTHING_BEFORE = r"(?<![\s\S])"
_NEVER = r"(?!)"


def _outside_groups(pattern: str) -> str:
    """``pattern`` less its groups and sets: its own "|"s show."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern[i] == "(":
            end = _group_end(pattern, i)
            if end is None:
                return pattern
            i = end
            continue
        step = _token_end(pattern, i)
        if pattern[i] not in "[\\":
            out.append(pattern[i:step])
        i = step
    return "".join(out)


def _lookbehinds_at_start(pattern: str) -> str | None:
    """``pattern`` with each lookbehind outside any group held to the text's
    start — where a negative one holds unless its text can be empty
    (`(?<!^)`), a positive one only if it can — or None where it has none,
    a group does not close or a lookbehind cannot be read alone."""
    import regex

    out: list[str] = []
    i = 0
    depth = 0
    held = False
    while i < len(pattern):
        if depth == 0 and pattern.startswith(("(?<!", "(?<="), i):
            held = True
            end = _group_end(pattern, i)
            if end is None:
                return None
            try:
                body = pattern[i + 4 : end - 1]
                empty = regex.fullmatch(body, "", timeout=_SAMPLE_SECONDS) is not None
            except Exception:  # (a group of the pattern's, referred to: not read alone)
                return None
            negative = pattern[i + 3] == "!"
            out.append(_NEVER if negative == empty else _NOTHING_BEFORE)
            i = end
            continue
        if pattern[i] == "(":
            depth += 1
        elif pattern[i] == ")":
            depth -= 1
        step = _token_end(pattern, i)
        out.append(pattern[i:step])
        i = step
    return "".join(out) if held else None


def _token_end(pattern: str, i: int) -> int:
    """Where the token at ``i`` ends: an escape, a set (``[)]`` is no group's
    end), or one character."""
    if pattern[i] == "\\":
        return min(i + 2, len(pattern))
    if pattern[i] != "[":
        return i + 1
    j = i + 1
    if pattern.startswith("^", j):
        j += 1
    if pattern.startswith("]", j):
        j += 1
    while j < len(pattern) and pattern[j] != "]":
        j += 2 if pattern[j] == "\\" else 1
    return min(j + 1, len(pattern))


def _group_end(pattern: str, start: int) -> int | None:
    """Where the group opening at ``start`` closes (past its ")"), or None."""
    depth = 0
    i = start
    while i < len(pattern):
        if pattern[i] == "(":
            depth += 1
        elif pattern[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i = _token_end(pattern, i)
    return None


class RuleSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One block or keep rule: every condition given must match."""

    name: str | None = None
    title: str | None = None  # regular expressions, searched case-blind
    content: str | None = None  # (the article's visible text)
    author: str | None = None
    category: str | None = None
    link: str | None = None
    keywords: tuple[str, ...] = ()  # any of these words …
    in_: tuple[str, ...] = msgspec.field(default=("title", "content"), name="in")  # … in these

    def __post_init__(self) -> None:
        import regex

        from feedmill.filter.rules import compile_pattern  # (it imports this module)

        for name in RULE_FIELDS:
            pattern = getattr(self, name)
            if pattern is not None:
                if not _as_read(pattern):
                    # Found in every text: every item blocked, for good (tombstones).
                    raise _Invalid(name, "an empty pattern matches every item")
                if len(pattern) > MAX_RULE_PATTERN:
                    # Compiling takes ~300 MB and 6 s a megabyte of pattern.
                    raise _Invalid(
                        name,
                        f"a pattern of {len(pattern):,} characters (at most "
                        f"{MAX_RULE_PATTERN:,}): list words under keywords instead",
                    )
                try:
                    compiled = compile_pattern(pattern)
                except regex.error as exc:
                    raise _Invalid(name, f"not a regular expression: {exc}") from None
                except ValueError:  # (?V1): the flags compile_pattern sets refuse it
                    raise _Invalid(
                        name,
                        f"{pattern!r}: patterns run as the regex module's version 0;"
                        " version 1's syntax (?V1), set operations among it, is not read",
                    ) from None
                except RecursionError:
                    raise _Invalid(name, "groups nested hundreds deep") from None
                except TypeError as exc:  # (the engine's, on \N{…} naming several characters)
                    raise _Invalid(name, f"not a regular expression: {exc}") from None
                try:
                    every = _matches_every_text(pattern, compiled)
                except TimeoutError:
                    raise _Invalid(
                        name,
                        f"{pattern!r} takes seconds on a short text (it backtracks without"
                        " end): write it without a repeat inside a repeat, such as (.|..)+",
                    ) from None
                if every is not None:
                    # '广告|推广|' (a "|" too many), '(广告)?': as an empty one;
                    # a lookahead that fails at the start only, '(?!.*广告)'.
                    raise _Invalid(name, _every_text_said(pattern, every))
        for name in self.in_:
            if name not in RULE_FIELDS:
                raise _Invalid("in", f"{name!r} is not one of {', '.join(RULE_FIELDS)}")
        if any(not _as_read(word) for word in self.keywords):
            raise _Invalid("keywords", "an empty keyword matches every item")
        if self.keywords and not self.in_:
            raise _Invalid("in", f"names no field: one or more of {', '.join(RULE_FIELDS)}")
        if not self.keywords and all(getattr(self, n) is None for n in RULE_FIELDS):
            raise _Invalid("rule", f"needs a condition: {', '.join(RULE_FIELDS)} or keywords")


class RulesSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``rules:`` — globally or per feed."""

    block: tuple[RuleSpec, ...] = ()
    keep: tuple[RuleSpec, ...] = ()  # when given, only items matching one are posted
    max_age: str | int | float | None = None  # items older than this are not posted

    def __post_init__(self) -> None:
        if self.max_age is not None:
            _check("max_age", parse_duration, self.max_age)
            _check("max_age", _max_age_meant, self.max_age)


def _max_age_meant(value: int | float | str) -> None:
    """A bare number under an hour is seconds no one means for an item's age
    ("max_age: 7" for a week): every item held back, for good — a rule taken
    out later does not bring an item back."""
    _hours_meant(value, "every item older would be held back for good", ("d", "days", "h", "hours"))


def _window_meant(value: int | float | str) -> None:
    """A bare number under an hour is seconds no one means for dedupe's
    window ("window: 24" for a day): copies of one story come minutes apart."""
    units = ("h", "hours", "d", "days")
    _hours_meant(value, "copies of one story further apart would be posted each", units)


def _hours_meant(value: int | float | str, consequence: str, units: tuple[str, ...]) -> None:
    bare = isinstance(value, int | float) or re.fullmatch(r"\s*\d+(?:\.\d+)?\s*", value)
    if bare and parse_duration(value) < timedelta(hours=1):
        n = f"{float(value):g}"
        first, first_name, second, second_name = units
        raise ValueError(
            f"{n} is {n} seconds: {consequence}; write {n}{first} for {first_name},"
            f" {n}{second} for {second_name} ({n}s if seconds are meant)"
        )


class FeedSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One ``feeds:`` entry: where to read and how to file what is read."""

    url: str
    group: str
    source: str
    channel: str | None = None
    timezone: str | None = None  # zone for dates that carry none; default: top level
    timeout: float | str | None = None  # seconds; default: fetch.timeout
    connect_timeout: float | str | None = None  # seconds; default: fetch.connect_timeout
    headers: dict[str, str] = {}  # added to fetch.headers
    proxy: str | None = None  # default: fetch.proxy; "direct": none
    interval: str | int | float | None = None  # how often to poll; default: top-level interval
    rules: RulesSpec | None = None  # in addition to the top-level rules
    fulltext: bool = False  # fetch each new item's page and extract the article
    # Earlier URLs of this feed (another RSSHub instance, a new address, no
    # redirect seen): the feed stored under one of them is this feed.
    moved_from: str | tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _not_empty("url", self.url)
        _check_url("url", self.url)
        _check("headers", _headers, self.headers)
        for name in ("group", "source"):
            _category_name(name, getattr(self, name))
        if self.channel is not None:
            _category_name("channel", self.channel)
        if self.timezone is not None:
            _check("timezone", _timezone, self.timezone)
        if self.timeout is not None:
            _check("timeout", seconds, self.timeout)
        if self.connect_timeout is not None:
            _check("connect_timeout", seconds, self.connect_timeout)
        if self.proxy is not None:
            _check("proxy", _proxy, self.proxy)
        if self.interval is not None:
            _check("interval", parse_interval, self.interval)
        for earlier in self.earlier_urls:
            # (Checked as the url is: a typo here stored the feed as new,
            # its posts held back as copies of its own, and the fixed
            # moved_from then found a feed with a history of its own.)
            _not_empty("moved_from", earlier)
            _check_url("moved_from", earlier)

    @property
    def earlier_urls(self) -> tuple[str, ...]:
        return (self.moved_from,) if isinstance(self.moved_from, str) else self.moved_from


# C0 and C1 controls, and Unicode's line and paragraph separators.
_URL_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _check_url(field: str, url: str) -> None:
    """A feed's URL (or an earlier one, ``moved_from``) as one: a path, or a
    URL of a scheme feedmill fetches, with a host."""
    _check(field, _storable_url, url)
    meant = meant_url(url)
    if meant is not None and meant == url.strip():
        raise _Invalid(field, f"{_shown(url)!r} has spaces around it: {_shown(meant)}")
    if meant is not None:
        raise _Invalid(
            field,
            f"{_shown(url)!r} is not a URL (quotes, or full-width letters or colon,"
            f" from an input method?): {_shown(meant)}",
        )
    if "://" not in url and _SCHEME_TYPO.match(url):
        raise _Invalid(field, f"{_shown(url)!r} is not a URL (a scheme needs ://)")
    if _URL_CONTROL.search(url.strip()):
        # ($'…\n…' typed to `add`: fetched as "%0A", a feed of no one's.)
        raise _Invalid(field, f"{_shown(url)!r} holds a control character (a line break?)")
    # (A path names a file as it is named on disk: a soft hyphen may be in
    # it, but not around it.)
    invisible = urls.INVISIBLE.search(url if _is_web(url) else url.strip()[:1] + url.strip()[-1:])
    if invisible is not None:
        char = invisible.group()
        # (A path keeps those inside its name: "Nach\u00adrichten.xml".)
        meant = urls.INVISIBLE.sub("", url) if _is_web(url) else url
        raise _Invalid(
            field,
            f"{_shown(url)!r} holds an invisible character (U+{ord(char):04X}"
            f" {unicodedata.name(char, '')}, copied with it?):"
            f" {_shown(urls.without_invisible_ends(meant))}",
        )
    try:
        parts = urlsplit(url) if "://" in url else None
        if parts is not None:
            parts.port  # noqa: B018 - a bad port raises only when read
    except ValueError as exc:  # "https://[::1", a port past 65535
        raise _Invalid(field, f"not a URL: {exc}") from None
    scheme = parts.scheme.lower() if parts is not None else ""
    if parts is not None and not scheme:
        # "ht!tp://x": no scheme to urlsplit, and read as a file's path.
        raise _Invalid(
            field,
            f"{_shown(url)!r} is not a URL: {_shown(url.partition('://')[0])!r} is no scheme"
            " (use http, https, file or a path)",
        )
    if scheme and scheme not in ("http", "https", "file"):
        raise _Invalid(
            field, f"unsupported URL scheme {scheme!r} (use http, https, file or a path)"
        )
    if parts is not None and scheme in ("http", "https") and not parts.hostname:
        # "https://$HOST/rss" with HOST unset: every fetch would fail.
        raise _Invalid(field, f"no host name in {_shown(url)!r}")
    if parts is not None and scheme in ("http", "https"):
        problem = _host_problem(url, parts)
        if problem is not None:
            raise _Invalid(field, f"{_shown(url)!r}: {problem}")
    if parts is not None and scheme == "file" and parts.netloc.lower() not in ("", "localhost"):
        # "file://feeds/a.xml": the folder taken for a host, and /a.xml read.
        raise _Invalid(
            field,
            f"{_shown(url)!r} names the host {_shown(parts.netloc)!r}: a file's URL is"
            f" file:///… (three slashes), or write its path: {_shown(parts.netloc + parts.path)}",
        )


def _is_web(url: str) -> bool:
    """Whether ``url`` is written as an http(s) URL (its scheme in any case)."""
    return urls.INVISIBLE.sub("", url).strip().lower().startswith(("http://", "https://"))


def _host_problem(url: str, parts: SplitResult) -> str | None:
    """Why no fetch can reach the host of ``url`` (an http(s) URL with one),
    if none can: each fetch failed "invalid URL" or "host name not found",
    and the feed was tried again, backing off, for ever."""
    why = urls.unreachable(url)
    return f"{_shown(parts.hostname or '')!r} {why}" if why else None


class Config(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The whole file, plus where it was read from (``path``)."""

    feeds: tuple[FeedSpec, ...]
    site: str = "."
    state: str = DEFAULT_STATE
    placeholder_image: str = DEFAULT_PLACEHOLDER
    post_template: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    date_style: Literal["rfc822", "local"] = "rfc822"
    fetch: FetchSettings = msgspec.field(default_factory=FetchSettings)
    sanitize: SanitizeSettings = msgspec.field(default_factory=SanitizeSettings)
    rules: RulesSpec = msgspec.field(default_factory=RulesSpec)
    dedupe: DedupeSettings | bool = True
    # false: runs do not index items for `feedmill search`, which then indexes
    # everything when asked (segmenting for the index is costly on a cold run).
    search: bool = True
    retention: RetentionSettings | None = None  # None: every post stays in source/_posts
    tags: TagsSettings | bool = False  # true: stock tags with the defaults
    fulltext: FulltextSettings = msgspec.field(default_factory=FulltextSettings)
    title_max_width: int = 150  # display columns (CJK = 2) before a title is cut; 0 = never
    interval: str | int | float = "15m"  # default poll interval of every feed
    backoff_cap: str | int | float = "24h"  # longest wait after repeated failures
    path: str = CONFIG_NAME  # set by the loader, not by the file
    # … and as it was named, links kept: what a daemon watches and reads again
    # (a link re-pointed to another version of the file is an edit).
    named: str = ""

    def __post_init__(self) -> None:
        _check("timezone", _timezone, self.timezone)
        _state(self.state)
        _not_empty("placeholder_image", self.placeholder_image)
        for name in _PLACEHOLDER.findall(self.placeholder_image):
            if name != "n":  # it was written as it stands: "…/{m}" in every post
                raise _Invalid(
                    "placeholder_image", f"unknown placeholder {{{name}}}; use {{n}} (0–9999)"
                )
        _check("interval", parse_interval, self.interval)
        _check("backoff_cap", parse_duration, self.backoff_cap)  # (never below the interval)
        if self.title_max_width < 0:
            raise _Invalid("title_max_width", "must be 0 (never cut) or more")

    # -- derived locations ---------------------------------------------------

    @property
    def base_dir(self) -> Path:
        return Path(self.path).parent

    @property
    def site_dir(self) -> Path:
        return _resolved(self.base_dir / home_expanded(self.site))

    @property
    def posts_dir(self) -> Path:
        return source_folder(self.site_dir) / "_posts"

    @property
    def tags_settings(self) -> TagsSettings | None:
        if self.tags is True:
            return TagsSettings()
        return self.tags or None

    def relative(self, name: str) -> Path:
        """A file named in feedmill.yml, relative to it."""
        return (self.base_dir / home_expanded(name)).resolve()

    @property
    def archive_dir(self) -> Path:
        folder = self.retention.archive if self.retention else RetentionSettings().archive
        return self.site_dir / folder

    @property
    def database_url(self) -> str:
        """``state:`` as a SQLAlchemy URL; a plain path is a SQLite file.

        A relative path is the config's folder's, in a ``sqlite:///`` URL too
        (SQLAlchemy would take the working directory's: another database for
        every place a cron job or a shell runs feedmill from).
        """
        scheme, slashes, rest = self.state.partition(":///")
        if slashes and scheme.split("+")[0].lower() == "sqlite":  # sqlite+pysqlite:/// too
            path, mark, query = rest.partition("?")
            if path and not path.startswith(("/", "file:")) and path != ":memory:":
                return f"{scheme}:///{self.relative(path)}{mark}{query}"
        if "://" in self.state:
            return self.state
        return f"sqlite:///{self.relative(self.state)}"

    @property
    def template_path(self) -> Path | None:
        return self.relative(self.post_template) if self.post_template else None

    def location(self, feed: FeedSpec) -> str:
        """The URL to fetch for ``feed``: http(s) as given, anything else a file URL."""
        return self.location_of(feed.url)

    def location_of(self, url: str) -> str:
        """`location` of a feed ``url`` as written in this config."""
        if url.startswith(("http://", "https://")):  # asked per feed, several times a pass
            return url
        return resolve_location(url, self.base_dir)

    def feed_key(self, feed: FeedSpec) -> str:
        """What makes two entries one feed: the same location, whatever the
        case of its scheme and host or a default port (see ``urls.identity``)."""
        return self.url_key(feed.url)

    @property
    def moves(self) -> dict[str, tuple[str, ...]]:
        """Feed URL → the earlier URLs its ``moved_from`` names."""
        return {feed.url: feed.earlier_urls for feed in self.feeds if feed.moved_from}

    def url_key(self, url: str) -> str:
        """`feed_key` of a feed ``url`` as written in this config."""
        from feedmill import urls

        return urls.identity(self.location_of(url))

    def feed_timezone(self, feed: FeedSpec) -> str:
        return feed.timezone or self.timezone

    @property
    def dedupe_settings(self) -> DedupeSettings | None:
        if self.dedupe is True:
            return DedupeSettings()
        return self.dedupe or None

    def feed_interval(self, feed: FeedSpec) -> timedelta:
        return parse_duration(feed.interval if feed.interval is not None else self.interval)

    def feed_policy(self, feed: FeedSpec) -> Policy:
        interval = self.feed_interval(feed)
        # A cap below the interval would have a failing feed asked more often
        # than a working one: backing off never goes below the feed's pace.
        return Policy(
            interval=interval, backoff_cap=max(parse_duration(self.backoff_cap), interval)
        )

    def feed_due(self, feed: FeedSpec, state: FeedState, now: datetime) -> datetime | None:
        """When ``feed`` is next due (see schedule.due_at), given its stored state."""
        return due_at(
            state.next_attempt_at,
            self.feed_policy(feed),
            last_attempt=state.last_attempt_at,
            error_streak=state.error_streak,
            hint_until=state.hint_until,
            now=now,
            gone=state.http_status == HTTPStatus.GONE,
        )


@functools.lru_cache(maxsize=64)
def _resolved(path: Path) -> Path:
    return path.resolve()


def resolve_location(url: str, base_dir: Path) -> str:
    scheme = urlsplit(url).scheme.lower() if "://" in url or is_bare_file_url(url) else ""
    if scheme in ("http", "https"):
        return url
    if scheme == "file":
        # A file of this machine as a path reads it: one URI however written
        # (`file:///…/要闻.xml`, `file://localhost/…`, `%E8%A6%81…`), as one
        # written as a path is — three spellings of a file were three feeds.
        parts = urlsplit(url)
        if parts.netloc.lower() not in ("", "localhost") or parts.query or parts.fragment:
            return url
        from urllib.request import url2pathname

        path = url2pathname(parts.path)
        if "\0" in path:  # (no file's: the fetch says so, as it did)
            return url
        return (base_dir / path).resolve().as_uri()  # ("file:a.xml": no URL's, the config's)
    return (base_dir / home_expanded(url)).resolve().as_uri()


def is_bare_file_url(url: str) -> bool:
    """Whether ``url`` is a file URL without "//" (``file:/srv/news/a.xml``,
    RFC 8089's shortest form): read as a path, it named a file "file:" in
    the config's folder."""
    return url[:5].lower() == "file:" and url[5:7] != "//"


def home_expanded(name: str) -> Path:
    """A path of feedmill.yml, ``~`` its writer's home: "~/news" made a
    folder named "~" beside the config."""
    path = Path(name)
    if not name.startswith("~"):
        return path
    try:
        return path.expanduser()
    except RuntimeError:  # no home to be found: the name as written
        return path


# -- loading ---------------------------------------------------------------


# Config's fields the loader sets, not the file: refused there, never suggested.
_SET_BY_THE_LOADER = ("path", "named")


def load_config(path: str | Path, *, feeds_optional: bool = False) -> Config:
    """Read, validate and return the config at ``path``; raise ConfigError
    (``feeds_optional``: see `parse_config`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if path.is_symlink():  # (a link whose file is gone: no `init` makes that)
            raise ConfigError(
                f"{path}: a link to {os.readlink(path)}, which is not there"
            ) from None
        raise ConfigError(no_config(path)) from None
    except UnicodeDecodeError as exc:
        raise not_utf8(path, exc) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse_config(text, path, feeds_optional=feeds_optional)


def no_config(path: Path) -> str:
    """What to say of a config ``path`` that is not there: the one beside it
    by another name (feedmill.yaml), else how to make one."""
    for other in (path.with_suffix(".yaml"), path.with_suffix(".yml")):
        if other != path and other.is_file():
            return f"{path}: no such file (there is {other}: `-c {other}`, or rename it)"
    # A command run in a folder of the site (source/_posts): `init` there,
    # as the message said, made a second site that Hexo published — the
    # config too, with its feeds' keys.
    for folder in Path(os.path.abspath(path)).parents[1:]:
        for name in (CONFIG_NAME, Path(CONFIG_NAME).with_suffix(".yaml").name):
            found = folder / name
            if found.is_file():
                there = os.path.relpath(found)  # (-c takes a folder for its feedmill.yml)
                flag = os.path.relpath(folder) if name == CONFIG_NAME else there
                return f"{path}: no such file (there is {there}: `-c {flag}`)"
    return f"{path}: no such file (create one with `feedmill init DIR`)"


def _link_by_link(path: Path, most: int = 40) -> list[Path]:
    """``path`` (absolute), then as each link on its way leads, one at a time."""
    ways = [path]
    for _ in range(most):
        parts = path.parts
        for i in range(2, len(parts) + 1):
            prefix = Path(*parts[:i])
            if prefix.is_symlink():
                target = Path(os.path.normpath(prefix.parent / os.readlink(prefix)))
                path = target.joinpath(*parts[i:])
                ways.append(path)
                break
        else:
            return ways
    return ways


def enclosing_site(directory: Path) -> tuple[Path, str] | None:
    """The Hexo site whose source, public or scripts folder (or its theme's)
    ``directory`` is in, and which; None if none is: a site made there is
    published by the site around it (its feedmill.yml, with the feeds' keys,
    as a page), or run by it (each file of its scripts folder, as JavaScript)."""
    # As written, resolved, and each way between (a link resolved at a time):
    # the folder may be reached through a link to the site's source
    # (linksrc/news), the site's source be a link to another disk
    # (site/source/news, resolved, is not in the site) — or both.
    written, resolved = Path(os.path.abspath(directory)), directory.resolve()
    for inside in dict.fromkeys((*_link_by_link(written), resolved)):
        # Every site around it, the nearest first (a folder of the site's
        # source may hold a _config.yml of another tool's), and every theme's
        # folder, a _config.yml of its own or not (Hexo needs none).
        for site in inside.parents:
            if (
                site.parent.name == "themes"
                or (site.parent.name == "node_modules" and site.name.startswith("hexo-theme-"))
            ) and hexo_config_file(site.parent.parent) is not None:
                # The site publishes a theme's source and runs its scripts.
                theme, site = site, site.parent.parent
                folders = [(theme / "source", "source"), (theme / "scripts", "scripts")]
                whose = f" of the theme {theme.name.removeprefix('hexo-theme-')}"
            elif hexo_config_file(site) is not None:
                settings = site_settings(site, "source_dir", "public_dir")
                # (Hexo runs each file of its scripts folder: feedmill.yml, as JavaScript.)
                folders = [
                    (site_folder(site, settings.get(key), default), default)
                    for key, default in (("source_dir", "source"), ("public_dir", "public"))
                ] + [(site / "scripts", "scripts")]
                whose = ""
            else:
                continue
            for folder, default in folders:
                for place, its in ((inside, folder), (resolved, folder.resolve())):
                    if place == its or place.is_relative_to(its):
                        return site, f"{default} folder{whose}"
    return None


def not_utf8(path: Path, exc: UnicodeDecodeError) -> ConfigError:
    """The error of a config that is not UTF-8, at the line of its first wrong byte."""
    line = exc.object[: exc.start].count(b"\n") + 1
    return ConfigError(
        f"{path}:{line}: not UTF-8 (byte 0x{exc.object[exc.start]:02x}): save the file as UTF-8"
    )


def _tab_at(text: str, line: int, column: int) -> bool:
    lines = text.splitlines()
    return line < len(lines) and lines[line][column : column + 1] == "\t"


# What YAML 1.1 cannot hold, even quoted: controls but tab and line ends, DEL,
# C1 controls but NEL, surrogates, U+FFFE and U+FFFF.  Compiled when a config
# fails to load: as the complement of what YAML can hold, as it was written,
# it took ~5 ms of every start.
_UNPRINTABLE = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]"


# What a Chinese input method types where YAML needs ASCII: a key's
# full-width colon ("group： 金融"), full-width spaces as indentation.
# (Keys are ASCII: a list's `- A股：停牌` is a word of it, no key.)
_FULL_WIDTH_COLON = re.compile(r"^[ \t]*(?:-[ \t]+)?[A-Za-z_][A-Za-z0-9_.-]*[ \t]*：", re.MULTILINE)
_FULL_WIDTH_INDENT = re.compile(r"^[ \t]*\u3000", re.MULTILINE)
# "－ url: …": a list item's full-width dash (U+FF0D), which YAML reads as
# a word of the key's ("mapping values are not allowed").
_FULL_WIDTH_DASH = re.compile(
    r"^[ \t\u3000]*－[ \t\u3000]*[A-Za-z_][\w.-]*[ \t]*[:：]", re.MULTILINE
)
_FULL_WIDTH_INDENT_SAID = (
    "a full-width space (U+3000) in the indentation: YAML indents with ASCII spaces"
)
# `site:.`, `- url:http://…`: a key's colon with no space after it (not a
# URL's own `http://` on a line of its own).
_COLON_WITHOUT_SPACE = re.compile(
    r"^[ \t]*(?:-[ \t]+)?[A-Za-z_][\w.-]*:(?=[^\s:])(?!//)", re.MULTILINE
)

# `source: 新浪: 财经`: a plain value holding ": ", which YAML reads as the
# start of another key ("mapping values are not allowed").
# (A comment begins at a "#" after a space: `C#: x` and `a#b` are the value's.)
_VALUE_WITH_COLON = re.compile(
    r"^[ \t]*(?:-[ \t]+)?([A-Za-z_][\w.-]*):[ \t]+"
    r"([^'\"\s#{\[&*!|>%@`](?:[^ \t\n]|[ \t]+(?!#))*?)[ \t]*(?:[ \t]#.*)?$"
)
# `site .`: a key without its colon, which YAML reads with the next line as
# one word, and stumbles on that line's colon — also after a list item's dash
# (`- url https://…`; a list's word, `- source code`, is no key of its list:
# see `_keys_around`).  Its value may hold a colon, not ": " (YAML would have
# read a key there); a comment after it is tried without.
_KEY_WITHOUT_COLON = re.compile(r"\ufeff?([ \t]*)(-[ \t]+)?([A-Za-z_][\w.-]*)[ \t]+(?![\s#])(.*)")
_COMMENT_AFTER = re.compile(r"[ \t]#")


@functools.cache
def _key_names() -> frozenset[str]:
    """Every key feedmill.yml may hold, at any level."""
    structs = [
        v for v in globals().values() if isinstance(v, type) and issubclass(v, msgspec.Struct)
    ]
    return frozenset(
        f.encode_name
        for s in structs
        for f in msgspec.structs.fields(s)
        if f.name not in _SET_BY_THE_LOADER
    )


def _typed_by_input_method(text: str, up_to: int | None) -> tuple[int, str] | None:
    """(line, what is wrong) for the first full-width colon after a key or
    full-width space in an indentation at or before line ``up_to``, or a
    key's colon without a space after it on that line or the one before
    (further up, `- re:Invent` is a word of a list, and the error another's)."""
    found = []
    for pattern, problem in (
        (_FULL_WIDTH_COLON, "a full-width colon ： after a key: YAML needs ':' (an ASCII colon)"),
        (_FULL_WIDTH_INDENT, _FULL_WIDTH_INDENT_SAID),
        (_FULL_WIDTH_DASH, "a full-width dash － before a list item: YAML needs '-' "
         "(an ASCII hyphen)"),
    ):  # fmt: skip
        for match in pattern.finditer(text):
            if pattern is _FULL_WIDTH_COLON and match[0].strip(" \t-：") not in _key_names():
                continue  # a word of a list (`- AI：大模型`), not a key
            line = text.count("\n", 0, match.start()) + 1
            if up_to is not None and line > up_to:
                break
            # YAML stumbles on it there or a line or two on: one further up
            # (a list's word `- AI：大模型`) is not what it stumbled on.
            if up_to is None or line >= up_to - 2:
                found.append((line, problem))
                break
    if up_to is not None:
        for match in _COLON_WITHOUT_SPACE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            if line > up_to:
                break
            if line >= up_to - 1:
                key = match.group().strip().lstrip("-").strip()  # "url:" of "  - url:"
                found.append((line, f"no space after `{key}`: YAML needs one (`{key} …`)"))
                break
    return min(found) if found else None


# `channel: *ST金科`, `source: @证券时报`: a plain value YAML reads as
# something else by its first character (an alias, an anchor, a tag, a flow
# list, a block text, a reserved character) — an error of YAML's own words.
_INDICATOR_VALUE = re.compile(
    r"^[ \t]*(?:-[ \t]+)?([A-Za-z_][\w.-]*):[ \t]+([*&!@`%|>\[{](?:[^ \t\n]|[ \t]+(?!#))*)"
)


def _text_after_brackets(value: str) -> bool:
    """Whether ``value``'s brackets close on its line with text after them
    (`[港股] 新闻`: a text that begins with a bracket)."""
    depth, quote, before = 0, "", ""  # (before: the last character not a space)
    at = 0
    while at < len(value):
        char = value[at]
        at += 1
        if quote:
            if char == "\\" and quote == '"':
                at += 1  # (an escape: `\"` ends nothing)
            elif char == quote and quote == "'" and value[at : at + 1] == "'":
                at += 1  # (`''`: a quote inside the string)
            elif char == quote:
                quote, before = "", char
            continue
        if char in "\"'" and before in ("[", "{", ",", ":"):
            quote = char  # (a quote opens a string only where a flow value begins)
        if not char.isspace():
            before = char
        depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(char, 0)
        if depth == 0:
            return bool(value[at:].strip())
    return False


def _closed_too_often(value: str) -> str | None:
    """The bracket ``value`` (a flow list or mapping) closes once more than
    it opens, outside its quoted strings; None if none."""
    depth, quote, before = 0, "", ""  # (before: the last character not a space)
    for char in value:
        if quote:
            quote, before = ("", char) if char == quote else (quote, before)
            continue
        if char in "\"'" and before in ("[", "{", ",", ":"):
            quote = char  # (a quote opens a string only where a flow value begins: not `Moody's`)
            continue
        if not char.isspace():
            before = char
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth < 0:
                return char
    return None


def _value_to_quote(
    text: str, lines: list[int], problem: str, stumbled: int
) -> tuple[int, str] | None:
    """(line, what is wrong) for the first of ``lines`` whose key's value
    begins with a character YAML reads otherwise than as text, where that is
    what YAML stumbled on (``problem``, at line ``stumbled``): an alias of no
    anchor, a tag of no type, or text that, quoted, mends the syntax as far as
    there — not a list written `[]`, nor a `!!int` meant as one."""
    numbered = text.splitlines()
    for line in lines:
        found = _INDICATOR_VALUE.match(numbered[line - 1]) if 0 < line <= len(numbered) else None
        if found is None or found.group(1) not in _key_names():
            continue
        key, value = found.group(1), found.group(2).rstrip()
        quoted = "'" + value.replace("'", "''") + "'"
        said = f"a value beginning with '{value[0]}' must be quoted: `{key}: {quoted}`"
        if "undefined alias" in problem:  # (`*ST`: an alias, to YAML)
            alias = re.match(r"\*([^\s,\[\]{}]+)$", value)
            if alias is None:
                continue
            return (
                line,
                f"`{value}` is read as an alias of an anchor `&{alias[1]}`, not there; {said}",
            )
        if "could not determine a constructor" in problem:  # (`!重要`: a tag, to YAML)
            if value.startswith("!!"):
                continue
            return line, said
        if _syntax_error(numbered, stumbled) is None:
            continue  # (no syntax error: a value of the wrong type for its tag, say)
        if value[0] in "[{" and not _text_after_brackets(value):
            continue  # a list or mapping left open (`feeds: [{url: …}`): no text to quote
        extra = _closed_too_often(value)
        if extra is not None:
            # (`{keep: [{title: 央行}]}}`: quoted, a text where a mapping belongs.)
            return line, f"`{value}` closes one `{extra}` more than it opens: remove it"
        mended = [
            *numbered[: line - 1],
            numbered[line - 1].replace(value, quoted, 1),
            *numbered[line:],
        ]
        failed = _syntax_error(mended, stumbled)
        if failed is None or failed[1] > stumbled:
            return line, said
    return None


def _colon_misplaced(text: str, line: int) -> tuple[int, str] | None:
    """(line, what is wrong) where YAML found "mapping values are not allowed"
    on ``line``: a value there holding ": " unquoted, or a key without its
    colon on the line before."""
    lines = text.splitlines()
    here = _VALUE_WITH_COLON.match(lines[line - 1]) if 0 < line <= len(lines) else None
    if here is not None and here.group(1) in _key_names() and re.search(":[ \t]", here.group(2)):
        key, value = here.group(1), here.group(2)
        keys = [k for k in _KEYS_AFTER_COMMAS.findall(value) if k in _key_names()]
        if keys:
            # Several keys on one line (`- url: …, group: …`): a mapping in
            # braces, or a key a line — not a text to quote (quoted, the
            # value was all of them, and the other keys missing).
            item = re.match(r"^([ \t]*-[ \t]+)(.*?)(?:([ \t]+#.*))?$", lines[line - 1])
            if item is not None:
                braced = f"{item.group(1)}{{{item.group(2).rstrip()}}}{item.group(3) or ''}"
                if _syntax_error(
                    [*lines[: line - 1], braced, *lines[line:]], len(lines)
                ) is None and _keys_only(f"{{{item.group(2).rstrip()}}}"):
                    return line, (
                        "keys on one line need braces around them:"
                        f" `{braced.strip()}` (or one key a line)"
                    )
            return line, f"`{key}: …` holds the key `{keys[0]}` too: write one key a line"
        quoted = "'" + value.replace("'", "''") + "'"
        return line, f"a value holding ': ' must be quoted: `{key}: {quoted}`"
    return _no_colon(lines, line - 1, line)


def _keys_only(mapping: str) -> bool:
    """Whether a flow mapping reads as config keys and their values alone (a
    URL's comma, `…&type=8-K,10-K`, made a key of its rest in braces)."""
    import yaml

    from feedmill.yamlload import Base

    try:
        read = yaml.load(mapping, Loader=Base)  # (feedmill's safe loader)
    except yaml.YAMLError:
        return False
    return isinstance(read, dict) and all(str(key) in _key_names() for key in read)


# (A full-width comma too, an input method's: `url: …，group: 金融`.)
_KEYS_AFTER_COMMAS = re.compile(r"[,，][ \t]*([A-Za-z_][\w-]*)[:：][ \t]?")


def _no_colon(lines: list[str], line: int, stumbled: int) -> tuple[int, str] | None:
    """(line, what is wrong) if ``line`` is a config key and a value without
    the colon between them (`site .`, `group 财经`) — the first of a run of
    such lines — and the colon mends what YAML stumbled on at line
    ``stumbled`` (not a line of a longer text that reads so, `in https://…`,
    which it would not)."""
    mended = list(lines)
    at = line
    for _ in range(_MOST_MENDED):
        walk = None
        for key, text in _with_colon(mended, at):
            trial = [*mended[: at - 1], text, *mended[at:]]
            failed = _syntax_error(trial, stumbled)
            if failed is None or failed[1] > stumbled:  # (read past it: another mistake)
                return at, f"no colon after `{key}`: YAML needs one (`{key}: …`)"
            # Stumbling still on this line or above: a run of them (`timeout 5`
            # over `proxy x`), YAML having read the one above with this one.
            if failed[0] <= at and walk is None:
                walk = trial, min(failed[0], at - 1)
        if walk is None:
            return None
        mended, at = walk
        while at > 1 and _says_nothing(mended[at - 1]):
            at -= 1  # (blank lines and comments in the run)
    return None


_MOST_MENDED = 8  # keys without their colons in a run, read back to the first


def _says_nothing(line: str) -> bool:
    """A blank line or a comment's."""
    body = line.lstrip(" \t\r\ufeff")
    return not body or body.startswith("#")


def _with_colon(lines: list[str], line: int) -> list[tuple[str, str]]:
    """(key, the line with a colon after it) for each way ``line`` reads as a
    config key and its value without the colon: without a comment after it,
    or as written (a " #" in quotes: `source "频道 #1"`) — its value going on
    below it, if it does (`[广告,` …) — and with the value `''` (one YAML
    would refuse, `@证券时报`: not what is to be told)."""
    if not 0 < line <= len(lines):
        return []
    written = lines[line - 1].rstrip(" \t\r")
    found = [
        match.groups()
        for text in dict.fromkeys((_COMMENT_AFTER.split(written, maxsplit=1)[0].rstrip(), written))
        if (match := _KEY_WITHOUT_COLON.fullmatch(text))
        and not re.search(r":(?:[ \t]|$)", match.group(4))
    ]
    if not found:
        return []
    # (The comment is at the line's end: its indent, dash and key are the same both ways.)
    indent, dash, key, _ = found[0]
    keys = _keys_around(lines, line, len(indent) + len(dash or ""))
    if key not in (_key_names() if keys is None else keys):
        return []
    start = f"{indent}{dash or ''}{key}: "
    return [(key, text) for text in dict.fromkeys([*(start + f[3] for f in found), start + "''"])]


def _syntax_error(lines: list[str], up_to: int) -> tuple[int, int] | None:
    """Where YAML stumbles first reading ``lines`` up to line ``up_to`` — (the
    line it names: a key's own line for one without its colon; the line it
    stumbled on) — else None.  Read as far as that line only, and not built:
    a duplicate key further up is no syntax error."""
    import yaml

    from feedmill.yamlload import Base

    text = "\n".join(lines)
    try:
        for event in yaml.parse(text, Loader=Base):
            if event.start_mark.line + 1 > up_to:
                return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if mark is None:
            return up_to, up_to
        problem = mark.line + 1
        if exc.context_mark and str(exc.context).startswith("while scanning a simple key"):
            mark = exc.context_mark
        return (mark.line + 1, problem) if mark.line + 1 <= up_to else None
    except yaml.reader.ReaderError as exc:  # (a character read ahead, further on perhaps)
        where = text.encode("utf-8", "replace")[: exc.position].count(b"\n") + 1
        return (where, where) if where <= up_to else None
    except yaml.YAMLError:
        return up_to, up_to
    return None


_DASH = re.compile(r"-(?:[ \t]+|$)")
_MERGE_KEY = "<<"


def _keys_around(lines: list[str], line: int, column: int) -> list[str] | None:
    """The keys the mapping that a key at ``column`` of ``line`` is written in
    may hold, by the keys above it written less deep (a list's dash is no
    level: its items are the list's; nor a merge, `<<: *defaults`); None
    where a line there is no key (a flow list's second line)."""
    path: list[str] = []
    for above in reversed(lines[: line - 1]):
        text = above.lstrip("\ufeff")
        body = _COMMENT_AFTER.split(text.lstrip(" \t"), maxsplit=1)[0].rstrip()
        if not body or body.startswith("#"):
            continue
        dash = _DASH.match(body)
        depth = len(text) - len(text.lstrip(" \t"))
        own = depth + (len(dash.group()) if dash else 0)
        if own >= column:
            continue  # (a key beside it, or in a mapping further in)
        column = own
        key = body[len(dash.group()) if dash else 0 :]
        if dash and not key:  # a bare dash: its item's keys on the lines below
            continue
        if ":" not in key:
            return None
        name = key.split(":", 1)[0].strip().strip("'\"")  # (`"fetch":` is fetch)
        if name != _MERGE_KEY:
            path.append(name)
        if column == 0:
            break  # (the top level: nothing above holds it)
    return _keys_at(path[::-1])


# Sections that are all defaults when left empty (every key commented out).
_SECTIONS_WITH_DEFAULTS = ("fetch", "sanitize", "rules", "fulltext", "dedupe")


# Keys every Hexo _config.yml has (hexo-starter's), and no feedmill.yml.
_HEXO_KEYS = frozenset({"title", "permalink", "theme"})


def parse_config(text: str, path: Path, *, feeds_optional: bool = False) -> Config:
    """The config in ``text`` (the file at ``path``), checked; ConfigError if
    it is not one.  ``feeds_optional``: a file without a `feeds:` list is one
    with an empty list (what `add` and `import` start from)."""
    from feedmill.urls import text_shown
    from feedmill.yamlload import MarkedYAMLError, YAMLError, load

    try:
        data = load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark and (
            "end of stream" in str(exc.problem)
            or str(exc.context).startswith(("while scanning a simple key", "while parsing a flow"))
        ):
            # A quote or bracket left open, a key without its colon: where
            # it begins, not the next line or the file's end.
            mark = exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        if mark and _tab_at(text, mark.line, mark.column):  # libyaml does not name it
            problem = "a tab: YAML indents with spaces only"
        typed = _typed_by_input_method(text, mark.line + 1 if mark else None)
        if typed is None and mark and "mapping values are not allowed" in str(exc.problem):
            typed = _colon_misplaced(text, mark.line + 1)
        stumbled = exc.problem_mark.line + 1 if exc.problem_mark else None
        if (
            typed is None
            and mark
            and stumbled
            and "could not find expected ':'" in str(exc.problem)
        ):
            # A key without its colon among a mapping's keys: on its line.
            typed = _no_colon(text.splitlines(), mark.line + 1, stumbled)
        if typed is None and stumbled and "expected '-' indicator" in str(exc.problem):
            # … a feed's first key, a comment after it: YAML read the item as
            # one text, and the next key as misplaced.
            typed = _no_colon(text.splitlines(), stumbled - 1, stumbled)
        if typed is None and mark:
            # (Where YAML says it began, and where it stumbled: an alias's
            # name is read to the line's end, an anchor's value on the next.)
            near = (mark.line + 1, stumbled or mark.line + 1)
            typed = _value_to_quote(
                text, sorted(set(near)), str(exc.problem), stumbled or mark.line + 1
            )
        if typed is not None:
            line, problem = typed
            where = f"{path}:{line}"
        # (A hint quotes the line: a feed's URL in it, without its secrets.)
        raise ConfigError(f"{where}: YAML error: {text_shown(problem)}") from None
    except YAMLError as exc:
        # A character YAML allows nowhere.  (libyaml's position counts bytes
        # of UTF-8, not characters: the text is searched instead.)
        found = re.search(_UNPRINTABLE, text)
        if found is not None:
            line = text.count("\n", 0, found.start()) + 1
            raise ConfigError(
                f"{path}:{line}: YAML error: a control character "
                f"(U+{ord(found.group()):04X}) — YAML allows none; remove it"
            ) from None
        raise ConfigError(f"{path}: YAML error: {exc}") from None
    if data is None and feeds_optional:
        data = {}
    if data is None:
        raise ConfigError(f"{path}: the file is empty; it needs at least a `feeds:` list")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys (site, feeds, …)")
    if "feeds" not in data and data.keys() >= _HEXO_KEYS:
        # (`-c _config.yml`: "title: unknown key" read as a slip in feedmill's.)
        raise ConfigError(
            f"{path}: Hexo's site config, not feedmill's: feedmill's is {CONFIG_NAME}"
            " (`feedmill init` writes one beside it)"
        )
    indented = _key_indented_full_width(data, ()) if "\u3000" in text else None
    if indented is not None:
        # YAML took "\u3000 source: x" for a key of its own, somewhere else:
        # its words ("source: missing", "unknown key") would point elsewhere.
        raise ConfigError(f"{path}:{_line(data, indented)}: YAML error: {_FULL_WIDTH_INDENT_SAID}")
    for internal in _SET_BY_THE_LOADER:
        if internal in data:
            raise ConfigError(f"{path}:{_line(data, (internal,))}: {internal}: unknown key")
    if "feeds" in data and data["feeds"] is None:
        data["feeds"] = []  # `feeds:` with every entry commented out
    for section in _SECTIONS_WITH_DEFAULTS:
        if section in data and data[section] is None:
            del data[section]  # `fetch:` with every key commented out: the defaults
    if "tags" in data and data["tags"] is None:
        data["tags"] = True  # `tags:` with every key commented out: on, as it comes
    listed = data["feeds"] if isinstance(data.get("feeds"), list) else []
    for rules in (data.get("rules"), *(f.get("rules") for f in listed if isinstance(f, dict))):
        for kind in ("block", "keep"):
            if isinstance(rules, dict) and kind in rules and rules[kind] is None:
                rules[kind] = []  # `block:` with every rule commented out: none
    if feeds_optional:
        data.setdefault("feeds", [])
    _check_no_nul(data, path)
    _trim_urls(data)
    _visible_names(data)

    try:
        config = msgspec.convert(data, Config, str_keys=True)
    except msgspec.ValidationError as exc:
        raise ConfigError(_describe(str(exc), data, path)) from None
    config = msgspec.structs.replace(config, path=str(path.resolve()), named=os.path.abspath(path))

    check_feeds(config, data, path)
    if config.retention is not None:
        refusal = archive_problem(config.retention.archive, config.site_dir)
        if refusal is not None:
            line = _line(data, ("retention", "archive"))
            raise ConfigError(f"{path}:{line}: retention.archive: {refusal}")
    _check_tag_files(config, data, path)
    if config.post_template and not (config.template_path and config.template_path.is_file()):
        raise ConfigError(
            f"{path}:{_line(data, ('post_template',))}: post_template: "
            f"no such file {config.template_path}"
        )
    if config.template_path:
        from feedmill.publish.render import template_problem

        broken = template_problem(config.template_path)
        if broken:
            raise ConfigError(f"{path}:{_line(data, ('post_template',))}: post_template: {broken}")
    return config


def _key_indented_full_width(node: Any, loc: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """Where in ``node`` the first key begins with a full-width space (an
    indentation typed by an input method), or None."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and key.lstrip(" \t").startswith("\u3000"):
                return (*loc, key)
            found = _key_indented_full_width(value, (*loc, key))
            if found is not None:
                return found
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found = _key_indented_full_width(item, (*loc, index))
            if found is not None:
                return found
    return None


def _trim_urls(data: Any) -> None:
    """A feed's URL (and its earlier ones) without the spaces a quoted value
    keeps at its end ("https://…/yw.xml "): browsers drop them; kept, it was
    another feed, asked for at ".../yw.xml%20" (a 404).  (A leading space is
    left as it was: a feed written so keeps the name its posts carry.)"""
    feeds = data.get("feeds") if isinstance(data, dict) else None
    for entry in feeds if isinstance(feeds, list) else ():
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("url"), str):
            entry["url"] = entry["url"].rstrip()
        earlier = entry.get("moved_from")
        if isinstance(earlier, str):
            entry["moved_from"] = earlier.rstrip()
        elif isinstance(earlier, list):
            for index, url in enumerate(earlier):  # in place: the list knows its lines
                if isinstance(url, str):
                    earlier[index] = url.rstrip()


def _visible_names(data: Any) -> None:
    """A feed's group, source and channel as they show: a zero-width space
    copied from a web page (or an NFD accent) made a second category page,
    shown under the same name as the first, each holding some of the posts."""
    from feedmill.publish.categories import visible_name

    feeds = data.get("feeds") if isinstance(data, dict) else None
    for entry in feeds if isinstance(feeds, list) else ():
        if not isinstance(entry, dict):
            continue
        for key in ("group", "source", "channel"):
            if isinstance(entry.get(key), str):
                entry[key] = visible_name(entry[key])


def _check_no_nul(data: Any, path: Path) -> None:
    """A NUL ("\\0" in a quoted string) is in no name, address or path: the
    OS refuses such a path (a traceback), and one in `retention.archive`
    failed every feed, every pass."""
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    seen: set[int] = set()  # an alias repeats its node: walked once (an alias bomb)
    while stack:
        loc, node = stack.pop()
        if isinstance(node, dict | list):
            if id(node) in seen:
                continue
            seen.add(id(node))
        if isinstance(node, str):
            if "\0" in node:
                raise ConfigError(
                    f"{path}:{_line(data, loc)}: {_name(loc, data)}: holds a NUL character (\\0)"
                )
        elif isinstance(node, dict):
            for key in node:
                if isinstance(key, str) and "\0" in key:
                    raise ConfigError(f"{path}:{_line(data, loc)}: a key holds a NUL character")
            stack.extend(((*loc, key), value) for key, value in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend(((*loc, i), value) for i, value in reversed(list(enumerate(node))))


def check_feeds(config: Config, data: Any, path: Path) -> None:
    """What no single ``feeds:`` entry shows: duplicates, names sharing a
    category page, paths that read as web addresses.  ``data`` is the document
    (for line numbers; any mapping with a ``feeds`` list will do)."""
    _check_duplicates(config, data, path)
    _check_category_pages(config, data, path)
    _check_paths_named_like_hosts(config, data, path)
    _check_tilde_folders_left(config, data, path)
    _check_state_is_no_folder(config, data, path)


def feed_entry(entry: dict[str, Any], path: Path) -> FeedSpec:
    """One ``feeds:`` entry on its own, refused as :func:`parse_config` would
    refuse it as the first entry of ``path``."""
    data = {"feeds": [entry]}
    _trim_urls(data)
    _visible_names(data)
    try:
        return msgspec.convert(data, _FeedsOnly, str_keys=True).feeds[0]
    except msgspec.ValidationError as exc:
        raise ConfigError(_describe(str(exc), data, path)) from None


class _FeedsOnly(msgspec.Struct, frozen=True):
    """A config's ``feeds`` alone: its errors read as the whole config's."""

    feeds: list[FeedSpec]


def _check_tag_files(config: Config, data: Any, path: Path) -> None:
    """The dictionary and stop-word files must exist and read cleanly, now."""
    settings = config.tags_settings
    if settings is None:
        return
    from feedmill.tagging import load_dictionary, load_stopwords

    for name, loader in (("dictionary", load_dictionary), ("stopwords", load_stopwords)):
        value = getattr(settings, name)
        if value is None:
            continue
        where = f"{path}:{_line(data, ('tags', name))}: tags.{name}"
        try:
            loader(config.relative(value))
        except OSError as exc:
            raise ConfigError(f"{where}: cannot read {value}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None


_WHERE = re.compile(r" - at (`key` in )?`\$((?:\.[^.\[`]+|\[\d+\]|\[\.\.\.\])*)`$")
_STEP = re.compile(r"\[\.\.\.\]|\.([^.\[]+)|\[(\d+)\]")  # [...]: any key of a mapping
# Fields written as sizes (the others that take "15m" are durations).
_SIZES = frozenset({"max_body"})
# The values of fields that take one of a few words.
_CHOICES = {"date_style": "rfc822 or local", "method": "tfidf or textrank"}
_FIELD = re.compile(
    r"^Object missing required field `([^`]+)`|^Object contains unknown field `([^`]+)`"
)


def _describe(message: str, data: Any, path: Path) -> str:
    """msgspec's "Expected `str`, got `int` - at `$.feeds[1].group`" as feedmill says it."""
    match = _WHERE.search(message)
    text = message[: match.start()] if match else message
    loc: list[Any] = []
    if match:
        loc = [int(i) if i else key for key, i in _STEP.findall(match.group(2)) if key or i]
        if match.group(2).endswith("[...]"):  # a value of a mapping: msgspec names no key
            loc += _first_wrong_key(data, loc)
    if match and match.group(1):  # a key that is no text (`1: x`, `true: 1`)
        key = _first_key_not_text(data, loc)
        return (
            f"{path}:{_line(data, (*loc, key))}: {_name(tuple(loc), data)}: "
            f"{json.dumps(key, default=str)} is no key: keys are names (put it in quotes,"
            " if it is one)"
        )
    field = _FIELD.match(text)
    if field:
        name = field.group(1) or field.group(2)
        given = _value_at(data, loc)
        keys_given = set(given) if isinstance(given, dict) else set()
        text = (
            "missing (required)"
            if field.group(1)
            else "unknown key" + _suggestion(loc, name, keys_given)
        )
        loc.append(name)
    elif ": " in text and re.match(r"^\w+: ", text):  # "group: must not be empty"
        name, text = text.split(": ", 1)
        loc.append(name)
    last = loc[-1] if loc and isinstance(loc[-1], str) else ""
    if text.startswith("Invalid enum value") and last in _CHOICES:
        text = f"{text[len('Invalid enum value ') :]} is not one of {_CHOICES[last]}"
    text = _TYPE.sub(lambda m: _TYPES.get(m.group(1), m.group(1)), text)
    text = text.replace("Expected ", "expected ")
    written = _value_at(data, loc)
    if last == "proxy" and written is False:  # `proxy: off`: YAML's false, no proxy meant
        text += (
            " (no proxy for this feed, whatever fetch.proxy says: `proxy: direct`)"
            if loc[0] == "feeds"
            else " (no proxy: leave `proxy` out)"
        )
    elif text.startswith("expected a string, got ") and not text.endswith(("a list", "a mapping")):
        text += " (put it in quotes)"  # "group: 2024", "source: yes"
    if loc == ["fulltext"] and isinstance(written, bool):
        text += (
            " (`fulltext: true` goes on each feed whose articles' pages are to be fetched;"
            " this section holds how they are: timeout, max_body, concurrency, per_host,"
            " allow_private)"
        )
    if (
        text.startswith("expected an integer, got a string")
        and isinstance(written, str)
        and re.fullmatch(r"[-+]?0[0-9]+", written)
    ):
        # (yamlload: a number with a leading zero is text, not octal.)
        text += f" ({written}: a leading zero makes a number text; write {int(written)})"
    elif (
        text.startswith("expected an integer, got a string")
        and last == "days"
        and isinstance(written, str)
        and (days := re.fullmatch(r"\s*(\d+)\s*(?:d|days?|天)\s*", written, re.IGNORECASE))
    ):
        text += f" (a number of days: write {days[1]})"  # "days: 90d"
    elif "a mapping, got a string" in text and isinstance(written, str):
        # `fetch:` over `  timeout 30`: YAML read the section as one text.
        first = written.split()[0] if written.split() else ""
        keys = [str(step) for step in loc if isinstance(step, str)]
        if first in _keys_at(keys) and first != written.strip():
            where = (
                f"after its dash (`- {first}: …`)"
                if loc and isinstance(loc[-1], int)  # a list's item (`- url x`)
                else f"on a line of its own under `{last}:`"
            )
            text += f" (`{written}`: `{first}` and its value? Write `{first}: …` {where})"
    if last in _SIZES:
        text = text.replace("a text such as 15m", "a text such as 15MiB")
    return f"{path}:{_line(data, tuple(loc))}: {_name(tuple(loc), data)}: {text}"


def _value_at(data: Any, loc: list[Any]) -> Any:
    """The value at ``loc`` in the loaded document, if there is one."""
    node = data
    for step in loc:
        try:
            node = node[step]
        except (IndexError, KeyError, TypeError):
            return None
    return node


def _first_key_not_text(data: Any, loc: list[Any]) -> Any:
    node = _value_at(data, loc)
    return (
        next((k for k in node if not isinstance(k, str)), None) if isinstance(node, dict) else None
    )


def _first_wrong_key(data: Any, loc: list[Any]) -> list[str]:
    """The key of the first value in the mapping at ``loc`` that is not text
    (`headers: {X-Token: true}`), as a step of the path; none if none is."""
    node = data
    for step in loc:
        try:
            node = node[step]
        except (IndexError, KeyError, TypeError):
            return []
    if not isinstance(node, dict):
        return []
    wrong = next((key for key, value in node.items() if not isinstance(value, str)), None)
    return [] if wrong is None else [str(wrong)]


# What a feed's address is called elsewhere (OPML's xmlUrl, a feed's own link).
_FEED_URL_NAMES = frozenset({"link", "href", "xmlurl", "feed", "feed_url", "rss", "address"})


def _suggestion(loc: list[Any], name: str, given: Collection[object] = ()) -> str:
    """ " (did you mean interval?)" for a key misspelt, " (it goes under
    fetch:)" for one at the wrong level; "" when nothing fits — a key the
    mapping has already is no guess (`link:` beside its `url:`)."""
    import difflib

    keys = _keys_at([step for step in loc if isinstance(step, str)])
    close = difflib.get_close_matches(name, keys, n=1, cutoff=0.75)
    close += [key for key in keys if key.lower() == name.lower()]  # "URL", "Group"
    path = [step for step in loc if isinstance(step, str)]
    if path == ["feeds"] and name.lower() in _FEED_URL_NAMES:
        close.append("url")  # (the other names a feed's address goes by)
    close = [key for key in close if key not in given]
    if close:
        return f" (did you mean {close[0]}?)"
    if not path:  # a section's key at the top level: "concurrency: 5"
        # A setting for every feed (timeout: fetch's) before a feed's own.
        for section in sorted(keys, key=lambda key: key == "feeds"):
            if name in _keys_at([section]):
                return f" (it goes under {section}:)"
    if len(path) == 1 and path[0] != "feeds":  # `fulltext: {connect_timeout: 5}` (fetch's)
        for section in _keys_at([]):
            if section not in ("feeds", path[0]) and name in _keys_at([section]):
                return f" (it goes under {section}:)"
    if path == ["feeds"]:  # a feed's "max_age: 7d" (its rules:), "user_agent" (fetch:)
        if name in _keys_at(["feeds", "rules"]):
            return " (it goes under the feed's rules:)"
        for section in _keys_at([]):
            if section != "feeds" and name in _keys_at([section]):
                return f" (it goes under {section}: at the top level)"
    # A top-level key in a section or a feed: `fetch: {interval: 5m}`, a feed's `dedupe:`.
    if len(path) == 1 and name != path[0] and name in _keys_at([]):
        if path[0] != "feeds" and name in _keys_at(["feeds"]):
            # (`fulltext: true` is a feed's; the top level's is a section of settings.)
            if _keys_at([name]):
                return " (it goes in a feed, or as a section at the top level)"
            return " (it goes at the top level, or in a feed)"
        return " (it goes at the top level)"
    return ""


def _keys_at(path: list[str]) -> list[str]:
    """The keys a mapping at ``path`` (["fetch"], ["feeds"] …) may hold."""
    struct: Any = Config
    for step in path:
        fields = {f.encode_name: f.type for f in msgspec.structs.fields(struct)}
        struct = _struct_in(fields.get(step))
        if struct is None:
            return []
    return [
        f.encode_name for f in msgspec.structs.fields(struct) if f.name not in _SET_BY_THE_LOADER
    ]


def _struct_in(kind: Any) -> Any:
    """The msgspec Struct a field's type holds (``FeedSpec`` in ``tuple[FeedSpec, ...]``)."""
    import typing

    if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
        return kind
    for part in typing.get_args(kind):
        found = _struct_in(part)
        if found is not None:
            return found
    return None


_TYPE = re.compile(r"`([^`]+)`")
_TYPES = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "array": "a list",
    "array | null": "a list",
    "object": "a mapping",
    "null": "nothing",
    "str | null": "a string",
    "int | str": "a whole number or a text such as 15m",
    "int | float | str": "a number of seconds or a text such as 15m",
    "int | float | str | null": "a number of seconds or a text such as 15m",
    "float | null": "a number",
    "int | str | null": "a whole number or a text such as 15m",
    "bool | object": "true, false or a mapping",
    "float | str": "a number of seconds or a text such as 30s",
    "float | str | null": "a number of seconds or a text such as 30s",
    "object | null": "a mapping",
    "int | null": "an integer",
    "str | array": "a string or a list",
}


def _name(loc: tuple[Any, ...], data: Any) -> str:
    """``feeds[2] (https://…): group`` — the entry and the field."""
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int) and parts:
            parts[-1] += f"[{step}]"
            try:
                node = node[step]
            except (IndexError, KeyError, TypeError):
                node = None
            url = node.get("url") if isinstance(node, dict) else None
            if url:
                parts[-1] += f" ({_shown(url)})"
        else:
            parts.append(str(step))
            node = node.get(step) if isinstance(node, dict) else None
    if not parts:
        return "(top level)"
    return ": ".join(parts) if len(parts) > 1 and "[" in parts[0] else ".".join(parts)


def _line(data: Any, loc: tuple[Any, ...]) -> int:
    from feedmill.yamlload import line_of

    return line_of(data, loc)


# "rsshub.app/stcn/yw": a path to a feed file, or a web address without its scheme?
_HOST_LIKE = re.compile(r"^[\w-]+(?:\.[\w-]+)+(?::\d+)?(?:/|$)")
# A host no folder is named like: an IPv4 address or localhost (a port or not),
# or a one-word name with a port (a Docker service: rsshub:1200).
_SURELY_HOST = re.compile(
    r"^(?:(?:\d{1,3}(?:\.\d{1,3}){3}|localhost)(?::\d+)?|[A-Za-z][\w-]*:\d{2,5})(?:/|$)", re.I
)
_PORT = re.compile(r"^[^/]*:(\d+)(?:/|$)")
# "https:/rsshub.app/x", "http:rsshub.app": a scheme with a slash short.
_SCHEME_TYPO = re.compile(r"^https?:(?!//)", re.IGNORECASE)
# What an input method types around or into a URL: curly and corner quotes,
# and full-width forms ("ｈｔｔｐ：//", narrowed by NFKC).
_QUOTES = "‘’“”「」『』'\"`"
_WEB_URL = re.compile(r"^https?://", re.IGNORECASE)
_COLON_MISSING = re.compile(r"^(https?)//", re.IGNORECASE)


def meant_url(url: str) -> str | None:
    """The http(s) URL that ``url`` was typed as, if it is not one itself:
    ``‘http://a/b’``, ``http：//a/b``, ``ｈｔｔｐ://a/b``, ``https//a/b``."""
    if _WEB_URL.match(url):
        return None  # full-width characters in its path are its own
    from feedmill.normalize.text import nfkc  # (here: most URLs are written well)

    meant = _COLON_MISSING.sub(r"\1://", nfkc(url).strip().strip(_QUOTES).strip())
    return meant if _WEB_URL.match(meant) else None


# Folder names that end like these are folders, not hosts.
_FILE_ENDINGS = frozenset(
    {"xml", "rss", "atom", "json", "txt", "html", "htm", "feed", "old", "bak"}
)


def _shown(url: object) -> str:
    """A feed URL as an error may show it: a password in it is not written."""
    from feedmill.urls import shown

    text = shown(url) if isinstance(url, str) else str(url)
    # (A URL of megabytes was written whole into the message.)
    return text if len(text) <= 200 else f"{text[:150]}…{text[-40:]}"


def looks_like_host(text: str) -> bool:
    """Whether a path reads as a web address without its scheme: a host whose
    last label reads as a top-level domain ("exports.v2/" is a folder, "a.xml"
    a file name)."""
    if "://" in text:
        return False
    if _SURELY_HOST.match(text):
        return True
    if not _HOST_LIKE.match(text):
        return False
    top = text.split("/", 1)[0].split(":", 1)[0].rsplit(".", 1)[-1].lower()
    return top.isalpha() and top.isascii() and top not in _FILE_ENDINGS


def web_scheme(host_like: str) -> str:
    """The scheme a scheme-less address most likely lacks: a local RSSHub
    (127.0.0.1:1200, localhost, rsshub:1200, any host with a port but 443)
    speaks http, a site on the web https."""
    port = _PORT.match(host_like)
    if port:
        return "https" if port.group(1) == "443" else "http"
    return "http" if _SURELY_HOST.match(host_like) else "https"


def _check_tilde_folders_left(config: Config, data: Any, path: Path) -> None:
    """Before ``~`` was the home folder, "state: ~/news/state.db" made a
    folder named "~" beside the config: a database (or site) left there is
    said, not replaced by an empty one in the home folder without a word."""
    scheme, slashes, rest = config.state.partition(":///")
    sqlite = slashes and scheme.split("+")[0].lower() == "sqlite"
    state = rest.partition("?")[0] if sqlite else config.state
    for field, name in (("site", config.site), ("state", state)):
        if not name.startswith("~") or "://" in name:
            continue
        old, new = config.base_dir / name, config.base_dir / home_expanded(name)
        if old.exists() and not new.exists():
            raise ConfigError(
                f"{path}:{_line(data, (field,))}: {field}: {name} is the home folder's now;"
                f" an earlier feedmill kept it in {old}: move it to {new}, or write that path"
            )


def _in_folder(state: str, name: str) -> str:
    """``state`` (a folder's path, or URL with a query) naming file ``name`` in that folder."""
    where, mark, query = state.partition("?")
    return f"{where.rstrip('/')}/{name}{mark}{query}"


def _check_state_is_no_folder(config: Config, data: Any, path: Path) -> None:
    """`state:` naming a folder (the site's, `.feedmill`): every command
    failed with SQLite's "unable to open database file", exit 1."""
    # (As store.database.sqlite_file reads the URL, which would load SQLAlchemy
    # for every config read: `add`, `import` and `export` need none.)
    url = config.database_url
    if not url.lower().startswith("sqlite") or ":///" not in url:
        return
    database = url.partition(":///")[2].partition("?")[0].removeprefix("file:")
    if database and database != ":memory:" and Path(database).is_dir():
        raise ConfigError(
            f"{path}:{_line(data, ('state',))}: state: {config.state} is a folder: name the"
            f" database file in it (`state: {_in_folder(config.state, 'state.db')}`)"
        )


def _check_paths_named_like_hosts(config: Config, data: Any, path: Path) -> None:
    """A feed path that names no file and reads as a web address is the
    scheme forgotten: said now, rather than as a missing file at every run."""
    for index, feed in enumerate(config.feeds):
        for field, url in (("url", feed.url), *(("moved_from", e) for e in feed.earlier_urls)):
            # (A protocol-relative "//host/feed", as a page's links are written.)
            host = url[2:] if url.startswith("//") else url
            if not looks_like_host(host) or (config.base_dir / home_expanded(url)).exists():
                continue
            if field == "moved_from" and not (
                url.startswith("//") or _SURELY_HOST.match(host) or _host_and_page(host)
            ):
                # (A file a feed moved from is gone, as often as not: feed.rdf,
                # feeds.d/a.xml; a host and a path, rsshub.app/…, is a URL
                # without its scheme.)
                continue
            raise ConfigError(
                f"{path}:{_line(data, ('feeds', index, field))}: feeds[{index}]"
                f" ({_shown(feed.url)}): {field}: no such file (a feed on the web?"
                f" {web_scheme(host)}://{_shown(host)})"
            )


# What names a file a feed was read from, at the end of a path.
_FEED_FILE_ENDINGS = _FILE_ENDINGS | {"rdf", "gz", "bz2", "xz", "zip", "gbk"}


def _host_and_page(host_like: str) -> bool:
    """Whether a host-like path goes on to a page, not to a file: ``rsshub.app/
    bilibili/user/video/2267573``, not ``feeds.d/example.xml``."""
    rest = host_like.strip("/")
    if "/" not in rest:
        return False
    last = rest.rsplit("/", 1)[1]
    return last.rpartition(".")[2].lower() not in _FEED_FILE_ENDINGS or "." not in last


def _check_duplicates(config: Config, data: Any, path: Path) -> None:
    seen: dict[str, int] = {}
    for index, feed in enumerate(config.feeds):
        where = config.feed_key(feed)
        if where in seen:
            raise ConfigError(
                f"{path}:{_line(data, ('feeds', index))}: feeds[{index}] ({_shown(feed.url)}): "
                f"url: duplicate of feeds[{seen[where]}]"
            )
        seen[where] = index
    # An earlier URL is no feed's now, and only one feed's earlier URL.
    earlier: dict[str, int] = {}
    for index, feed in enumerate(config.feeds):
        for url in feed.earlier_urls:
            where = config.url_key(url)
            other = seen.get(where, earlier.get(where))
            if other is not None:
                field = "url" if where in seen else "moved_from"
                whose = "this feed's" if other == index else f"also feeds[{other}]'s"
                raise ConfigError(
                    f"{path}:{_line(data, ('feeds', index, 'moved_from'))}: feeds[{index}] "
                    f"({_shown(feed.url)}): moved_from: {_shown(url)} is {whose} {field}"
                )
            earlier[where] = index


def hexo_config_file(site: Path) -> Path | None:
    """The file Hexo reads a site's settings from: ``_config.yml``, else the
    first of the folder's names that is ``_config`` with any extension
    (``_config.yaml``, ``_config.json``), as Hexo looks for it; None if the
    folder has none (no Hexo site)."""
    main = site / "_config.yml"
    try:
        if main.is_file():
            return main
        names = sorted(entry.name for entry in site.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:  # (a folder it may not read: not ours to say; a pass reports it)
        return main
    for name in names:
        path = site / name
        if Path(name).stem == "_config" and path.is_file():
            return path
    return None


def site_setting(site: Path, key: str) -> Any:
    """One setting of a Hexo site's config (`hexo_config_file`), or None (no
    file, no such key, unreadable): the site's settings are Hexo's, read only
    to agree."""
    return site_settings(site, key).get(key)


def site_settings(site: Path, *keys: str) -> dict[str, Any]:
    """Those of ``keys`` that the site's config sets, read at once."""
    path = hexo_config_file(site)
    if path is None or path.suffix.lower() not in (".yml", ".yaml", ".json"):
        return {}
    try:
        text = path.read_text(encoding="utf-8-sig")  # (Hexo reads past a BOM)
    except (OSError, UnicodeDecodeError):
        return {}
    if not any(key in text for key in keys):  # most sites: no need to parse the file
        return {}
    import yaml

    if path.suffix.lower() != ".json":
        # Hexo's YAML renderer reads tabs that indent a line as two spaces
        # each (hexo-front-matter's escape), and js-yaml the others (after a
        # key's colon, before a comment) as spaces: PyYAML refuses them.
        text = _INDENTING_TABS.sub(lambda m: "\n" + "  " * len(m[1]), text).replace("\t", " ")
        # A line or paragraph separator (or NEL) pasted into a subtitle is a
        # character to js-yaml, a line break to PyYAML.
        text = text.translate(_NOT_BREAKS)
    try:
        if path.suffix.lower() == ".json":
            settings = json.loads(text)
        else:
            settings = yaml.load(text, Loader=_hexo_loader())
    except (yaml.YAMLError, ValueError):
        return {}
    if not isinstance(settings, dict):
        return {}
    return {key: settings[key] for key in keys if settings.get(key) is not None}


_INDENTING_TABS = re.compile(r"\n(\t+)")
_NOT_BREAKS = {0x85: " ", 0x2028: " ", 0x2029: " "}


@functools.cache
def _hexo_loader() -> Any:
    """A safe loader that reads what js-yaml (Hexo's, with js-yaml-js-types)
    reads and PyYAML's refuses — a `!!js/regexp` or any other tag as the
    plain value it tags, a date no calendar has (`2019-02-29`) as text —
    where the safe loader left the whole file unread: the site's
    `source_dir` with it, and every post moved out of the folder Hexo builds."""
    import yaml

    loader: Any = type("HexoLoader", (yaml.SafeLoader,), {})

    def untagged(loader: Any, suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_scalar(node)

    def timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
        try:
            return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
        except ValueError:
            return loader.construct_scalar(node)

    loader.add_multi_constructor("", untagged)
    loader.add_constructor("tag:yaml.org,2002:timestamp", timestamp)
    return loader


def source_folder(site: Path) -> Path:
    """The site's source folder, where Hexo reads `_posts`: the `source_dir`
    of its config (`source` unless it says otherwise), resolved against the
    site's folder as Hexo does (Node's path.resolve: an absolute one as it is)."""
    path = hexo_config_file(site)
    try:  # asked several times a pass: the file is parsed again only when it changed
        stat = path.stat() if path is not None else None
        stamp: tuple[str, int, int] | None = (
            (path.name, stat.st_mtime_ns, stat.st_size) if path and stat else None
        )
    except OSError:
        stamp = None
    return _source_folder(site, stamp)


@functools.lru_cache(maxsize=16)
def _source_folder(site: Path, stamp: tuple[str, int, int] | None) -> Path:
    name = site_setting(site, "source_dir") if stamp is not None else None
    return site_folder(site, name, "source")


def site_folder(site: Path, name: object, default: str) -> Path:
    """A folder a Hexo config names (``name``; ``default`` if it names none),
    as Hexo finds it: Node's path.resolve from the site's folder — ``..``
    read as written, an absolute path as it is."""
    if not isinstance(name, str) or not name.strip("/ "):
        name = default  # ("/": the machine's root, which no site means)
    return Path(os.path.normpath(site / name))


def category_naming(site: Path) -> tuple[dict[str, str], int]:
    """How the site's Hexo names category pages: its `category_map` (Hexo's
    own answer to names that clash: ``{C++: cpp, C#: csharp}``) and its
    `filename_case` (1 lower, 2 upper case: ``IT之家`` and ``it之家`` are one
    page under 1)."""
    settings = site_settings(site, "category_map", "filename_case")
    mapping = settings.get("category_map")
    # Hexo takes `map[name] || name`: an empty value maps nothing.
    renamed = {str(k): str(v) for k, v in mapping.items() if v} if isinstance(mapping, dict) else {}
    case = settings.get("filename_case")
    return renamed, case if case in (1, 2) and not isinstance(case, bool) else 0


def _check_category_pages(config: Config, data: Any, path: Path) -> None:
    """Two names at one level of the category tree that Hexo gives one page
    ("C++" and "C#" under 掘金: /categories/…/C/) show one's posts only."""
    from feedmill.publish.categories import shared_pages

    chains = [[f.group, f.source, *([f.channel] if f.channel else [])] for f in config.feeds]
    for clash in shared_pages(chains, *category_naming(config.site_dir))[:1]:
        field = ("group", "source", "channel")[clash.depth]
        feed = config.feeds[clash.index]
        raise ConfigError(
            f"{path}:{_line(data, ('feeds', clash.index, field))}: feeds[{clash.index}] "
            f"({_shown(feed.url)}): {field}: {clash.name!r} and {clash.other!r} "
            f"(feeds[{clash.other_index}]) would share one Hexo category page, {clash.path} "
            "(it would list the posts of one only): rename one"
        )
