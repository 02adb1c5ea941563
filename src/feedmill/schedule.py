"""When to fetch a feed next: a pure decider over times and hints.

* A feed that answered is due again after its interval — or later, if the
  server asks for it (RSS ``<ttl>``, ``Cache-Control: max-age``, ``Expires``,
  ``Retry-After``), within sane limits: hints never make polling faster than
  the interval, nor delay it past ``max_hint``.
* A feed that failed backs off exponentially, with jitter so that feeds that
  failed together do not retry together, up to ``backoff_cap``.  It is never
  disabled: it keeps being tried at the capped rate, and ``feedmill status``
  shows its error streak and next attempt.
* ``Retry-After`` (429/503) pauses only the URL that sent it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Policy:
    interval: timedelta = timedelta(minutes=15)
    backoff_cap: timedelta = timedelta(hours=24)
    max_hint: timedelta = timedelta(hours=12)  # longest delay a server may ask for
    jitter: float = 0.5  # failures wait between (1 - jitter) and 1 times the backoff


# The longest duration anything here means: ten years.  Larger values
# (``Retry-After: 999999999999999``, a 14-digit ``<ttl>``, ``--every
# 9999999999d``) would overflow a timedelta or a date; every hint is bounded
# by ``max_hint`` or the cap anyway.
LONGEST_SECONDS = 10 * 365 * 24 * 3600


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=min(max(value, 0), LONGEST_SECONDS))


_ASCII_DIGITS = re.compile(r"[0-9]+")


def count(value: str) -> int | None:
    """A header's or element's count of seconds (minutes), bounded; None if
    it is not one.  ``int()`` of 5,000 digits raises (Python's limit on
    digits) and ``str.isdigit`` takes "²"."""
    if not _ASCII_DIGITS.fullmatch(value):
        return None
    return int(value) if len(value) <= 12 else LONGEST_SECONDS


def _header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def retry_after(headers: Iterable[tuple[str, str]], now: datetime) -> timedelta | None:
    """``Retry-After`` as a delay: seconds, or an HTTP date (on the server's
    clock: counted from its ``Date``, as ``Expires`` is)."""
    headers = list(headers)
    value = _header(headers, "retry-after")
    if not value:
        return None
    value = value.strip()
    seconds = count(value)
    if seconds is not None:
        return _seconds(seconds)
    when = http_date(value)
    if when is None:
        return None
    return _bounded_delay(when - _origin(headers, now))


def _cache_directives(headers: list[tuple[str, str]]) -> dict[str, str]:
    directives: dict[str, str] = {}
    for part in (_header(headers, "cache-control") or "").split(","):
        name, _, value = part.strip().partition("=")
        directives.setdefault(name.strip().lower(), value.strip().strip('"'))
    return directives


def _max_age(headers: list[tuple[str, str]]) -> int | None:
    # Not s-maxage: it is for shared caches (a CDN in front of RSSHub sets a
    # day), and feedmill is a private one.
    return count(_cache_directives(headers).get("max-age", ""))


def cache_lifetime(headers: Iterable[tuple[str, str]], now: datetime) -> timedelta | None:
    """How long the response says it stays fresh: max-age, else Expires − Date."""
    headers = list(headers)
    directives = _cache_directives(headers)
    if "no-store" in directives or "no-cache" in directives:
        return None
    max_age = _max_age(headers)
    if max_age is not None:
        age = count((_header(headers, "age") or "").strip())
        return _seconds(max_age - (age or 0))
    expires = _header(headers, "expires")
    until = http_date(expires) if expires else None
    if until is None:
        return None
    return _bounded_delay(until - _origin(headers, now))


def _bounded_delay(delay: timedelta) -> timedelta:
    """A server's date as a delay: never negative, never past what ``_seconds``
    allows (the year 9999 from a server whose clock is behind would overflow
    a date once added to now)."""
    return min(max(delay, timedelta(0)), timedelta(seconds=LONGEST_SECONDS))


@lru_cache(maxsize=1024)  # a pass reads each feed's Last-Modified and its answer's Date
def http_date(value: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):  # (a year of 20 digits)
        return None
    # HTTP's dates are GMT in each of its three forms; asctime's
    # ("Sun Nov  6 08:49:37 1994") names no zone, and read naive.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _origin(headers: list[tuple[str, str]], now: datetime) -> datetime:
    """The moment of the response on the server's clock: its ``Date``, else
    (none, or none that parses) the time it came.  A server's dates are read
    against its own clock, which may be hours off the local one."""
    date_header = _header(headers, "date")
    return (http_date(date_header) if date_header else None) or now


def server_hint(
    now: datetime,
    policy: Policy,
    *,
    ttl_minutes: int | None = None,
    headers: Iterable[tuple[str, str]] = (),
    started: datetime | None = None,
) -> datetime | None:
    """Until when the server asked not to be polled again (ttl, max-age,
    Expires, Retry-After), at most ``max_hint`` from now; None if it did not.
    A lifetime (ttl, max-age) counts from ``started`` (the pass's start, as
    the interval does), a date (Expires, Retry-After) is the server's."""
    headers = list(headers)
    begun = min(started or now, now)
    hints = [begun + _seconds(ttl_minutes * 60)] if ttl_minutes else []
    lifetime = cache_lifetime(headers, now)
    if lifetime is not None:
        hints.append((begun if _max_age(headers) is not None else now) + lifetime)
    asked = retry_after(headers, now)
    if asked is not None:
        hints.append(now + asked)
    if not hints:
        return None
    return min(max(hints), now + policy.max_hint)


def after_success(
    now: datetime,
    policy: Policy,
    *,
    ttl_minutes: int | None = None,
    headers: Iterable[tuple[str, str]] = (),
) -> datetime:
    return next_after(
        now, policy, server_hint(now, policy, ttl_minutes=ttl_minutes, headers=headers)
    )


def next_after(now: datetime, policy: Policy, hint: datetime | None) -> datetime:
    """The next attempt after a success: the interval, or the server's hint if later."""
    due = now + policy.interval
    return due if hint is None else max(due, hint)


GONE_STREAK = 64  # a streak whose backoff is the cap, whatever the interval


def _backoff_range(streak: int, policy: Policy) -> tuple[float, float]:
    """The shortest and longest wait, in seconds, after the ``streak``-th failure."""
    # In float seconds: interval × 2**32 overflows a timedelta for intervals
    # of a few hours, and a streak that long is what a dead feed reaches.
    exponent = min(max(streak - 1, 0), 64)
    cap = policy.backoff_cap.total_seconds()
    interval = policy.interval.total_seconds()
    full = min(interval * 2.0**exponent, cap)
    low, high = full * (1 - policy.jitter), full
    if low < interval:
        # Never a faster pace than the feed's own — after a first failure (a
        # 429 above all) as when settled at a cap no longer than the interval
        # — and still spread: upward, where there is no room below.
        low = interval
        high = max(high, interval * (1 + policy.jitter / 2))
    return low, high


def backoff(streak: int, policy: Policy, rng: random.Random | None = None) -> timedelta:
    """The wait after the ``streak``-th failure in a row (streak ≥ 1)."""
    low, high = _backoff_range(streak, policy)
    wait = rng.uniform(low, high) if rng is not None else random.uniform(low, high)
    return timedelta(seconds=wait)


def after_failure(
    now: datetime,
    policy: Policy,
    *,
    streak: int,
    headers: Iterable[tuple[str, str]] = (),
    gone: bool = False,
    rng: random.Random | None = None,
) -> datetime:
    # A server that says the feed is gone for good (HTTP 410) is asked again
    # only at the cap: still never disabled, in case the answer was a mistake.
    wait = backoff(GONE_STREAK if gone else streak, policy, rng)
    asked = retry_after(list(headers), now)
    if asked is not None:
        # The server said when: believed up to the longest hint, or the cap
        # if longer (a cap of an hour cut a 429's two hours to one).
        wait = max(wait, min(asked, longest_asked(policy)))
    return now + wait


def longest_asked(policy: Policy) -> timedelta:
    """The longest wait a failing feed's server may ask for (Retry-After)."""
    return max(policy.backoff_cap, policy.max_hint)


def is_due(next_attempt: datetime | None, now: datetime) -> bool:
    return next_attempt is None or next_attempt <= now


EARLY_MAX = timedelta(seconds=30)


def early(policy: Policy) -> timedelta:
    """How long before its interval is up a feed that answered is due: a
    run started every ``interval`` (cron) must find it due although it
    started a moment later than the run before (the next attempt counts
    from the start of a pass: tracking.after_fetch) — else the feed would be
    fetched every other run."""
    return min(policy.interval / 20, EARLY_MAX)


def due_at(
    next_attempt: datetime | None,
    policy: Policy,
    *,
    last_attempt: datetime | None,
    error_streak: int,
    hint_until: datetime | None,
    now: datetime,
    gone: bool = False,
) -> datetime | None:
    """When a feed is due: its stored next attempt — or sooner, for a feed
    that answered, once its interval (shortened in the config since) has
    passed, less `early`, and the server's hint with it; for a failing feed,
    once the longest backoff the config now gives its streak has passed (a
    410 ``gone`` one's: the cap), and any Retry-After.  A feed last tried
    after ``now`` (a clock set back since, or one that ran ahead) is due now:
    its times were counted from a moment that has not come yet."""
    if last_attempt is not None and last_attempt > now:
        return now
    if next_attempt is None or last_attempt is None:
        return next_attempt
    if error_streak:
        _, longest = _backoff_range(GONE_STREAK if gone else error_streak, policy)
        by_backoff = last_attempt + timedelta(seconds=longest)
        if hint_until is not None:
            # As far as the config now lets a server ask: a `backoff_cap`
            # lowered since shortens a Retry-After stored under the longer one.
            asked = min(hint_until, last_attempt + longest_asked(policy))
            by_backoff = max(by_backoff, asked)
        return min(next_attempt, by_backoff)
    # `early` off the pass's start (next_attempt) too: a feed fetched late in
    # a long pass was due on the dot, and a cron run that began a moment
    # sooner after its minute than the run before skipped it.
    by_interval = min(next_attempt, last_attempt + policy.interval) - early(policy)
    if hint_until is not None:  # (`early` too: a cron run a moment sooner must find it due)
        by_interval = max(by_interval, hint_until - early(policy))
    return by_interval
