"""Load and validate ``feedmill.yml``.

A bad config stops the run before anything is fetched or written, with a
message that names the file, the line, the entry and the field.  The schema
is a set of frozen dataclasses validated by pydantic; the YAML is read with
ruamel.yaml so that errors can point at line numbers.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import ConfigDict, TypeAdapter, ValidationError, field_validator

DEFAULT_PLACEHOLDER = "https://picsum.photos/400/300?random={n}"
DEFAULT_STATE = ".feedmill/state.db"
DEFAULT_TIMEZONE = "Asia/Shanghai"
CONFIG_NAME = "feedmill.yml"


class ConfigError(Exception):
    """The config file cannot be used; the message says where and why."""


_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _non_empty(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return value


def _check_timezone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name such as Asia/Shanghai)"
        ) from None
    return value


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?\s*$", re.IGNORECASE)
_UNITS = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kb": 1024,
    "kib": 1024,
    "m": 1024**2,
    "mb": 1024**2,
    "mib": 1024**2,
    "g": 1024**3,
    "gb": 1024**3,
    "gib": 1024**3,
}


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
    return size


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s|ms)", re.IGNORECASE)
_DURATION_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


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
    if seconds <= 0:
        raise ValueError("must be positive")
    return timedelta(seconds=seconds)


def _positive(value: float | None) -> float | None:
    if value is not None and value <= 0:
        raise ValueError("must be positive")
    return value


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """``fetch:`` — how feeds are downloaded (per-feed keys override some)."""

    __pydantic_config__ = _STRICT

    timeout: float = 30.0  # seconds for the whole request
    connect_timeout: float = 10.0
    max_body: int | str = "15MiB"  # after decompression
    concurrency: int = 64  # requests in flight
    per_host: int = 8  # requests in flight to one host
    user_agent: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    proxy: str | None = None

    @field_validator("timeout", "connect_timeout")
    @classmethod
    def _time(cls, value: float) -> float:
        _positive(value)
        return value

    @field_validator("concurrency", "per_host")
    @classmethod
    def _count(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be at least 1")
        return value

    @field_validator("max_body")
    @classmethod
    def _size(cls, value: int | str) -> int:
        return parse_size(value)

    @property
    def max_body_bytes(self) -> int:
        return parse_size(self.max_body)


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One ``feeds:`` entry: where to read and how to file what is read."""

    __pydantic_config__ = _STRICT

    url: str
    group: str
    source: str
    channel: str | None = None
    timezone: str | None = None  # zone for dates that carry none; default: top level
    timeout: float | None = None  # seconds; default: fetch.timeout
    headers: dict[str, str] = field(default_factory=dict)  # added to fetch.headers
    proxy: str | None = None  # default: fetch.proxy
    interval: str | int | None = None  # how often to poll; default: top-level interval

    @field_validator("url", "group", "source")
    @classmethod
    def _required_text(cls, value: str) -> str:
        return _non_empty(value)

    @field_validator("url")
    @classmethod
    def _url_form(cls, value: str) -> str:
        scheme = urlsplit(value).scheme.lower()
        if "://" in value and scheme not in ("http", "https", "file"):
            raise ValueError(f"unsupported URL scheme {scheme!r} (use http, https, file or a path)")
        return value

    @field_validator("channel")
    @classmethod
    def _channel_text(cls, value: str | None) -> str | None:
        return _non_empty(value) if value is not None else None

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return _check_timezone(value)

    @field_validator("timeout")
    @classmethod
    def _timeout(cls, value: float | None) -> float | None:
        return _positive(value)

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: str | int | None) -> str | int | None:
        if value is not None:
            parse_duration(value)
        return value


@dataclass(frozen=True, slots=True)
class Config:
    """The whole file, plus where it was read from (``path``)."""

    __pydantic_config__ = _STRICT

    feeds: tuple[FeedSpec, ...]
    site: str = "."
    state: str = DEFAULT_STATE
    placeholder_image: str = DEFAULT_PLACEHOLDER
    post_template: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    date_style: Literal["rfc822", "local"] = "rfc822"
    fetch: FetchSettings = field(default_factory=FetchSettings)
    interval: str | int = "15m"  # default poll interval of every feed
    backoff_cap: str | int = "24h"  # longest wait after repeated failures
    path: Path = field(default=Path(CONFIG_NAME))

    @field_validator("interval", "backoff_cap")
    @classmethod
    def _duration(cls, value: str | int) -> str | int:
        parse_duration(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        _check_timezone(value)
        return value

    @field_validator("placeholder_image")
    @classmethod
    def _placeholder(cls, value: str) -> str:
        return _non_empty(value)

    # -- derived locations ---------------------------------------------------

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def site_dir(self) -> Path:
        return (self.base_dir / self.site).resolve()

    @property
    def posts_dir(self) -> Path:
        return self.site_dir / "source" / "_posts"

    @property
    def database_url(self) -> str:
        """``state:`` as a SQLAlchemy URL; a plain path is a SQLite file."""
        if "://" in self.state:
            return self.state
        return f"sqlite:///{(self.base_dir / self.state).resolve()}"

    @property
    def template_path(self) -> Path | None:
        return (self.base_dir / self.post_template).resolve() if self.post_template else None

    def location(self, feed: FeedSpec) -> str:
        """The URL to fetch for ``feed``: http(s) as given, anything else a file URL."""
        return resolve_location(feed.url, self.base_dir)

    def feed_timezone(self, feed: FeedSpec) -> str:
        return feed.timezone or self.timezone

    def feed_interval(self, feed: FeedSpec) -> timedelta:
        return parse_duration(feed.interval if feed.interval is not None else self.interval)


def resolve_location(url: str, base_dir: Path) -> str:
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        return url
    if scheme == "file":
        return url
    return (base_dir / url).resolve().as_uri()


_ADAPTER: TypeAdapter[Config] | None = None


def _adapter() -> TypeAdapter[Config]:
    global _ADAPTER
    if _ADAPTER is None:
        _ADAPTER = TypeAdapter(Config)
    return _ADAPTER


def load_config(path: str | Path) -> Config:
    """Read, validate and return the config at ``path``; raise ConfigError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file (create one with `feedmill init DIR`)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="rt")
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise ConfigError(f"{where}: YAML error: {problem}") from None
    except YAMLError as exc:
        raise ConfigError(f"{path}: YAML error: {exc}") from None
    if data is None:
        raise ConfigError(f"{path}: the file is empty; it needs at least a `feeds:` list")
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: the top level must be a mapping of keys (site, feeds, …)")
    if "path" in data:
        raise ConfigError(f"{path}:{_line(data, ('path',))}: path: unknown key")

    plain = _to_plain(data)
    if "feeds" in plain and plain["feeds"] is None:
        plain["feeds"] = []  # `feeds:` with every entry commented out
    if isinstance(plain.get("feeds"), list):
        plain["feeds"] = tuple(plain["feeds"])
    try:
        config = _adapter().validate_python({**plain, "path": path.resolve()})
    except ValidationError as exc:
        raise ConfigError("\n".join(_describe(exc, data, path))) from None

    _check_duplicates(config, data, path)
    if config.post_template and not (config.template_path and config.template_path.is_file()):
        raise ConfigError(
            f"{path}:{_line(data, ('post_template',))}: post_template: "
            f"no such file {config.template_path}"
        )
    return config


def _to_plain(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {str(k): _to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_to_plain(v) for v in node]
    return node


_MESSAGES = {
    "unexpected_keyword_argument": "unknown key",
    "missing_argument": "missing (required)",
    "missing": "missing (required)",
}


def _describe(exc: ValidationError, data: Any, path: Path) -> Iterator[str]:
    for error in exc.errors():
        loc = tuple(error["loc"])
        message = _MESSAGES.get(error["type"], error["msg"])
        message = re.sub(r"^Value error, ", "", message)
        yield f"{path}:{_line(data, loc)}: {_name(loc, data)}: {message}"


def _name(loc: tuple[Any, ...], data: Any) -> str:
    """``feeds[2] (https://…): group`` — the entry and the field."""
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int):
            parts[-1] += f"[{step}]"
            try:
                node = node[step]
            except (IndexError, KeyError, TypeError):
                node = None
            url = node.get("url") if isinstance(node, Mapping) else None
            if url:
                parts[-1] += f" ({url})"
        else:
            parts.append(str(step))
            node = node.get(step) if isinstance(node, Mapping) else None
    return ": ".join(parts) if len(parts) > 1 and "[" in parts[0] else ".".join(parts)


def _line(data: Any, loc: tuple[Any, ...]) -> int:
    """1-based line of the deepest node of ``loc`` that exists in the YAML."""
    line = 1
    node = data
    for step in loc:
        lc = getattr(node, "lc", None)
        try:
            if lc is not None:
                if isinstance(step, int):
                    line = lc.item(step)[0] + 1
                elif step in node:
                    line = lc.key(step)[0] + 1
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
    return line


def _check_duplicates(config: Config, data: Any, path: Path) -> None:
    seen: dict[str, int] = {}
    for index, feed in enumerate(config.feeds):
        where = config.location(feed)
        if where in seen:
            raise ConfigError(
                f"{path}:{_line(data, ('feeds', index))}: feeds[{index}] ({feed.url}): url: "
                f"duplicate of feeds[{seen[where]}]"
            )
        seen[where] = index
