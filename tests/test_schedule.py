"""The scheduling decider: pure functions of time and server hints."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from feedmill.config import ConfigError, load_config, parse_duration
from feedmill.schedule import (
    Policy,
    after_failure,
    after_success,
    backoff,
    cache_lifetime,
    due_at,
    early,
    is_due,
    longest_asked,
    retry_after,
    server_hint,
)

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
POLICY = Policy(interval=timedelta(minutes=15), backoff_cap=timedelta(hours=24))


def test_success_waits_the_interval() -> None:
    assert after_success(NOW, POLICY) == NOW + timedelta(minutes=15)


def test_hints_can_only_slow_polling_down_within_limits() -> None:
    assert after_success(NOW, POLICY, ttl_minutes=5) == NOW + timedelta(minutes=15)
    assert after_success(NOW, POLICY, ttl_minutes=60) == NOW + timedelta(minutes=60)
    assert after_success(NOW, POLICY, ttl_minutes=60 * 24 * 30) == NOW + timedelta(hours=12)
    headers = [("cache-control", "public, max-age=7200")]
    assert after_success(NOW, POLICY, headers=headers) == NOW + timedelta(hours=2)
    headers = [("cache-control", "max-age=7200"), ("age", "3600")]
    assert after_success(NOW, POLICY, headers=headers) == NOW + timedelta(hours=1)
    expires = [
        ("date", "Thu, 01 Jan 2026 12:00:00 GMT"),
        ("expires", "Thu, 01 Jan 2026 13:30:00 GMT"),
    ]
    assert after_success(NOW, POLICY, headers=expires) == NOW + timedelta(minutes=90)
    assert after_success(NOW, POLICY, headers=[("retry-after", "3600")]) == NOW + timedelta(hours=1)


def test_header_parsing() -> None:
    assert retry_after([("Retry-After", "120")], NOW) == timedelta(seconds=120)
    assert retry_after([("retry-after", "Thu, 01 Jan 2026 12:30:00 GMT")], NOW) == timedelta(
        minutes=30
    )
    assert retry_after([("retry-after", "soon")], NOW) is None
    assert cache_lifetime([("cache-control", "no-cache, max-age=600")], NOW) is None
    assert cache_lifetime([("cache-control", "max-age=600, no-cache")], NOW) is None
    assert cache_lifetime([("cache-control", 'max-age="600"')], NOW) == timedelta(minutes=10)
    assert cache_lifetime([("expires", "0")], NOW) is None


def test_server_dates_are_read_on_the_servers_clock() -> None:
    # The server's clock two hours behind ours: its "in 30 minutes" is still
    # 30 minutes, for Retry-After as for Expires.
    behind = ("date", "Thu, 01 Jan 2026 10:00:00 GMT")  # NOW is 12:00 here
    pause = ("retry-after", "Thu, 01 Jan 2026 10:30:00 GMT")
    assert retry_after([behind, pause], NOW) == timedelta(minutes=30)
    ahead = ("date", "Thu, 01 Jan 2026 14:00:00 GMT")
    assert retry_after([ahead, ("retry-after", "Thu, 01 Jan 2026 14:30:00 GMT")], NOW) == (
        timedelta(minutes=30)
    )
    expires = ("expires", "Thu, 01 Jan 2026 10:30:00 GMT")
    assert cache_lifetime([behind, expires], NOW) == timedelta(minutes=30)
    # A Date that does not parse: the time the answer came, not no hint at all.
    garbled = ("date", "garbage")
    assert cache_lifetime([garbled, ("expires", "Thu, 01 Jan 2026 15:00:00 GMT")], NOW) == (
        timedelta(hours=3)
    )
    assert retry_after([garbled, ("retry-after", "Thu, 01 Jan 2026 12:30:00 GMT")], NOW) == (
        timedelta(minutes=30)
    )


def test_s_maxage_is_for_shared_caches_not_for_us() -> None:
    # A CDN in front of RSSHub: a day for the CDN, the interval for us.
    assert cache_lifetime([("cache-control", "public, s-maxage=86400")], NOW) is None
    both = [("cache-control", "s-maxage=86400, max-age=600")]
    assert cache_lifetime(both, NOW) == timedelta(minutes=10)
    expires = [
        ("cache-control", "s-maxage=86400"),
        ("date", "Thu, 01 Jan 2026 12:00:00 GMT"),
        ("expires", "Thu, 01 Jan 2026 12:30:00 GMT"),
    ]
    assert cache_lifetime(expires, NOW) == timedelta(minutes=30)


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap() -> None:
    rng = random.Random(7)
    interval = timedelta(minutes=15)
    for streak in range(1, 12):
        wait = backoff(streak, POLICY, rng)
        full = min(interval * 2 ** (streak - 1), timedelta(hours=24))
        # Half of it to all of it, never sooner than a healthy feed's next fetch.
        assert max(full / 2, interval) <= wait <= max(full, interval * 1.25)
    assert backoff(40, POLICY, rng) <= timedelta(hours=24)
    waits = {backoff(3, POLICY, random.Random(seed)) for seed in range(20)}
    assert len(waits) > 10  # jitter spreads feeds that failed together


@pytest.mark.parametrize(
    "form",
    [
        "Thu, 01 Jan 2026 14:00:00 GMT",
        "Thursday, 01-Jan-26 14:00:00 GMT",
        "Thu Jan  1 14:00:00 2026",
    ],
    ids=["imf-fixdate", "rfc850", "asctime"],
)
def test_http_dates_are_read_in_each_of_their_three_forms(form: str) -> None:
    """HTTP's three date forms (RFC 9110 §5.6.7), all GMT: asctime's names no
    zone, and a Retry-After or Expires written so was ignored."""
    assert retry_after([("retry-after", form)], NOW) == timedelta(hours=2)
    assert cache_lifetime([("expires", form)], NOW) == timedelta(hours=2)


def test_retry_after_on_failure_is_believed_within_the_cap() -> None:
    rng = random.Random(1)
    wait = after_failure(NOW, POLICY, streak=1, headers=[("retry-after", "7200")], rng=rng) - NOW
    assert wait == timedelta(hours=2)
    wait = after_failure(NOW, POLICY, streak=1, headers=[("retry-after", "999999")], rng=rng) - NOW
    assert wait == timedelta(hours=24)


def test_absurd_numbers_from_a_server_are_bounded_not_fatal() -> None:
    # Each of these overflowed a timedelta: the feed's record was never
    # updated again, and a daemon refetched it every half second.
    huge = "9" * 20
    assert retry_after([("retry-after", huge)], NOW) == timedelta(days=3650)
    assert cache_lifetime([("cache-control", f"max-age={huge}")], NOW) == timedelta(days=3650)
    assert cache_lifetime([("cache-control", "max-age=60"), ("age", huge)], NOW) == timedelta(0)
    cap = NOW + timedelta(hours=12)  # Policy.max_hint
    assert after_success(NOW, POLICY, ttl_minutes=10**14) == cap
    assert after_success(NOW, POLICY, headers=[("retry-after", huge)]) == cap
    failed = after_failure(NOW, POLICY, streak=1, headers=[("retry-after", huge)])
    assert failed == NOW + timedelta(hours=24)


def test_numbers_too_long_for_int_or_not_ascii_are_bounded_or_ignored() -> None:
    # int() of 4,300+ digits raises: the feed failed on every fetch.
    endless = "9" * 5000
    assert retry_after([("retry-after", endless)], NOW) == timedelta(days=3650)
    assert cache_lifetime([("cache-control", f"max-age={endless}")], NOW) == timedelta(days=3650)
    assert cache_lifetime([("cache-control", "max-age=60"), ("age", endless)], NOW) == timedelta(0)
    assert retry_after([("retry-after", "²")], NOW) is None  # "²".isdigit() is True
    assert cache_lifetime([("cache-control", "max-age=٦٠")], NOW) is None


def test_backoff_of_a_long_dead_feed_stays_at_the_cap() -> None:
    daily = Policy(interval=timedelta(days=1), backoff_cap=timedelta(days=7))
    for streak in (31, 33, 64, 10_000):
        assert (
            timedelta(days=3.5)
            <= backoff(streak, daily, random.Random(streak))
            <= timedelta(days=7)
        )


def test_the_backoff_cap_is_never_below_the_feeds_interval(
    tmp_path: Path,
) -> None:
    config = tmp_path / "feedmill.yml"
    config.write_text(
        "interval: 1h\nbackoff_cap: 1m\nfeeds:\n  - {url: a.xml, group: g, source: s}\n"
        "  - {url: b.xml, group: g, source: s, interval: 2d}\n"
    )
    hourly, daily = (load_config(config).feed_policy(f) for f in load_config(config).feeds)
    assert hourly.backoff_cap == timedelta(hours=1)
    assert daily.backoff_cap == timedelta(days=2)
    # Settled at once at the cap, the interval: no faster than the feed's own pace.
    for streak in (1, 5, 40):
        wait = backoff(streak, hourly, random.Random(streak))
        assert timedelta(hours=1) <= wait <= timedelta(hours=1.25)


def test_a_shortened_interval_brings_the_next_attempt_forward() -> None:
    twelve_hours = Policy(interval=timedelta(hours=12))
    stored = after_success(NOW, twelve_hours)
    fifteen_minutes = POLICY  # the config edited since
    state = {"last_attempt": NOW, "error_streak": 0, "now": NOW}
    due = due_at(stored, fifteen_minutes, hint_until=None, **state)
    assert due == NOW + timedelta(minutes=15) - early(fifteen_minutes)
    # Never before what the server asked for, though (less a cron run's margin).
    hint = server_hint(NOW, twelve_hours, headers=[("cache-control", "max-age=3600")])
    assert hint == NOW + timedelta(hours=1)
    asked = NOW + timedelta(hours=1) - early(fifteen_minutes)
    assert due_at(stored, fifteen_minutes, hint_until=hint, **state) == asked
    # A lengthened interval waits for the next fetch (less the margin of a cron run).
    daily = Policy(interval=timedelta(days=1))
    assert due_at(stored, daily, hint_until=None, **state) == stored - early(daily)


def test_a_shortened_interval_brings_a_failing_feeds_next_attempt_forward() -> None:
    """Backing off from a 12-hour interval, a feed waited a day or more after
    the config said 15 minutes: it is due once the longest backoff of its
    streak at the new pace has passed — not before a Retry-After, and a feed
    gone (410) at the cap."""
    twelve_hours = Policy(interval=timedelta(hours=12), backoff_cap=timedelta(days=3))
    state = {"last_attempt": NOW, "error_streak": 2, "now": NOW}
    failing = after_failure(NOW, twelve_hours, streak=2, rng=random.Random(1))
    assert failing - NOW >= timedelta(hours=12)
    due = due_at(failing, POLICY, hint_until=None, **state)
    assert due is not None
    assert NOW + timedelta(minutes=15) <= due <= NOW + timedelta(minutes=30)
    assert all(NOW + backoff(2, POLICY, random.Random(seed)) <= due for seed in range(50))
    asked = NOW + timedelta(hours=2)  # Retry-After
    assert due_at(failing, POLICY, hint_until=asked, **state) == asked
    gone = after_failure(NOW, twelve_hours, streak=2, gone=True, rng=random.Random(1))
    assert due_at(gone, POLICY, hint_until=None, gone=True, **state) == NOW + POLICY.backoff_cap
    # The same config as when it failed: its own backoff, as drawn.
    assert due_at(failing, twelve_hours, hint_until=None, **state) == failing
    # A Retry-After of 20 hours stored under a 3-day cap: the config's cap of
    # an hour now lets a server ask for 12 hours at most (`longest_asked`).
    stored = NOW + timedelta(hours=20)
    assert due_at(stored, twelve_hours, hint_until=stored, **state) == stored
    hour = Policy(interval=timedelta(minutes=15), backoff_cap=timedelta(hours=1))
    assert due_at(stored, hour, hint_until=stored, **state) == NOW + longest_asked(hour)
    assert longest_asked(hour) == timedelta(hours=12)


def test_a_retry_after_longer_than_the_backoff_cap_is_honoured_up_to_the_longest_hint() -> None:
    """`backoff_cap: 1h` cut a 429's `Retry-After: 7200` to an hour: the
    server was asked again before it said.  What it asks is honoured up to
    `max_hint` (12 hours), or the cap if that is longer; no further."""
    hourly_cap = Policy(interval=timedelta(minutes=5), backoff_cap=timedelta(hours=1))
    for asked, waited in ((7200, 7200), (20 * 3600, 12 * 3600)):
        headers = [("Retry-After", str(asked))]
        for seed in range(5):
            next_attempt = after_failure(
                NOW, hourly_cap, streak=1, headers=headers, rng=random.Random(seed)
            )
            assert next_attempt == NOW + timedelta(seconds=waited)
    long_cap = Policy(interval=timedelta(minutes=5), backoff_cap=timedelta(days=2))
    headers = [("Retry-After", str(30 * 3600))]
    assert after_failure(NOW, long_cap, streak=1, headers=headers) == NOW + timedelta(hours=30)


def test_a_run_started_every_interval_finds_the_feed_due_every_time() -> None:
    """cron runs `run --due` every 10 minutes, with `interval: 10m`: each run
    fetches the feed, however late in its pass the last fetch came, and
    although the run starts a moment later or sooner after its minute than the
    one before (else the feed would be fetched every other run)."""
    from feedmill.models import Fetched, FetchStatus
    from feedmill.store.feeds import blank
    from feedmill.tracking import after_fetch

    ten = Policy(interval=timedelta(minutes=10))
    answers = (
        Fetched("https://a.example/feed", FetchStatus.NOT_MODIFIED, http_status=304),
        # RSSHub's every route: a max-age of its cache's life, the interval here.
        Fetched(
            "https://a.example/feed",
            FetchStatus.NOT_MODIFIED,
            http_status=304,
            cache_headers=(("cache-control", "public, max-age=600"),),
        ),
    )
    fetched_after = (timedelta(seconds=1), timedelta(seconds=20), timedelta(minutes=5))
    for answered, after, jitter in itertools.product(answers, fetched_after, (2, -1, -20)):
        last = NOW + after
        values = after_fetch(blank(answered.url), answered, last, ten, pass_started=NOW)
        next_run = NOW + ten.interval + timedelta(seconds=jitter)
        due = due_at(
            values["next_attempt_at"], ten,
            last_attempt=last, error_streak=0, hint_until=values["hint_until"], now=next_run,
        )  # fmt: skip
        assert is_due(due, next_run), (answered.cache_headers, after, jitter)
    assert early(Policy(interval=timedelta(days=1))) == timedelta(seconds=30)
    assert early(Policy(interval=timedelta(seconds=30))) == timedelta(seconds=1.5)


def test_a_lifetime_counts_from_the_pass_a_date_is_the_servers() -> None:
    """max-age and <ttl> are lifetimes: from the pass's start, as the interval.
    Expires and Retry-After name a moment: that one, however late in the
    pass the feed was fetched."""
    from feedmill.models import Fetched, FetchStatus
    from feedmill.store.feeds import blank
    from feedmill.tracking import after_fetch

    fetched_at = NOW + timedelta(seconds=20)
    server_date = ("date", format_datetime(fetched_at, usegmt=True))
    hour = NOW + timedelta(hours=1)
    cases = [
        (("cache-control", "max-age=3600"), hour),
        (("expires", format_datetime(hour + timedelta(seconds=20), usegmt=True)), hour + timedelta(seconds=20)),
        (("retry-after", "3600"), fetched_at + timedelta(hours=1)),
    ]  # fmt: skip
    for header, until in cases:
        answered = Fetched(
            "https://a.example/feed",
            FetchStatus.NOT_MODIFIED,
            http_status=304,
            cache_headers=(header, server_date),
        )
        values = after_fetch(blank(answered.url), answered, fetched_at, POLICY, pass_started=NOW)
        assert values["hint_until"] == until, header


def test_a_feed_tried_later_than_now_is_due_now() -> None:
    """A pass run while the clock was ahead (a VM resumed, a bad NTP step)
    must not keep the feed waiting until real time catches up."""
    ahead = NOW + timedelta(days=30)
    stored = after_success(ahead, POLICY)
    state = {"last_attempt": ahead, "hint_until": None, "now": NOW}
    assert due_at(stored, POLICY, error_streak=0, **state) == NOW
    failing = after_failure(ahead, POLICY, streak=3, rng=random.Random(1))
    assert due_at(failing, POLICY, error_streak=3, **state) == NOW


def test_backing_off_never_settles_faster_than_the_feeds_own_pace() -> None:
    two_hours = Policy(interval=timedelta(hours=2), backoff_cap=timedelta(hours=2))
    for streak in (1, 2, 10, 50):
        waits = [backoff(streak, two_hours, random.Random(seed)) for seed in range(20)]
        # Spread upward: feeds that failed together do not retry together.
        assert all(timedelta(hours=2) <= wait <= timedelta(hours=2.5) for wait in waits)
        assert len(set(waits)) > 10
    daily = Policy(interval=timedelta(hours=1), backoff_cap=timedelta(hours=24))
    settled = [backoff(40, daily, random.Random(seed)) for seed in range(50)]
    assert all(timedelta(hours=12) <= wait <= timedelta(hours=24) for wait in settled)
    assert len(set(settled)) > 10  # still spread


def test_no_hint_without_one_from_the_server() -> None:
    assert server_hint(NOW, POLICY) is None
    assert server_hint(NOW, POLICY, ttl_minutes=60 * 24 * 30) == NOW + timedelta(hours=12)


def test_a_feed_gone_for_good_is_asked_again_only_at_the_cap() -> None:
    rng = random.Random(3)
    wait = after_failure(NOW, POLICY, streak=1, gone=True, rng=rng) - NOW
    assert timedelta(hours=12) <= wait <= timedelta(hours=24)  # cap, with jitter
    assert after_failure(NOW, POLICY, streak=1, rng=rng) - NOW <= timedelta(minutes=18.75)


def test_a_first_failure_is_never_retried_sooner_than_a_healthy_feed() -> None:
    """A 429 without Retry-After, a 503, a timeout: asked again no sooner than
    the feed's interval — polling faster is not backing off — and spread."""
    waits = [after_failure(NOW, POLICY, streak=1, rng=random.Random(s)) - NOW for s in range(50)]
    assert all(timedelta(minutes=15) <= wait <= timedelta(minutes=18.75) for wait in waits)
    assert len(set(waits)) > 10


def test_a_failure_records_when_its_server_asked_to_be_asked_again() -> None:
    """The server's own time to come back, kept for a settings edit to wait
    for (store.feeds.retry_now); a bare 503 asked for nothing."""
    from feedmill.models import Fetched, FetchStatus
    from feedmill.store.feeds import blank
    from feedmill.tracking import after_fetch

    def failed(*headers: tuple[str, str]) -> Fetched:
        return Fetched(
            "https://a.example/feed",
            FetchStatus.FAILED,
            http_status=503,
            error="HTTP 503 Service Unavailable",
            cache_headers=headers,
        )

    state = blank("https://a.example/feed")
    asked = after_fetch(state, failed(("retry-after", "600")), NOW, POLICY, rng=random.Random(1))
    assert asked["hint_until"] == NOW + timedelta(minutes=10)
    assert after_fetch(state, failed(), NOW, POLICY, rng=random.Random(1))["hint_until"] is None
    # The end of time, from a server whose clock is behind: bounded as the next
    # attempt is (the longer of the cap and the longest hint), not an overflow.
    endless = failed(
        ("date", "Mon, 01 Jan 2024 00:00:00 GMT"), ("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT")
    )
    values = after_fetch(state, endless, NOW, POLICY, rng=random.Random(1))
    assert values["hint_until"] == NOW + POLICY.backoff_cap == values["next_attempt_at"]


def test_a_move_is_given_up_after_three_not_found_answers_running_only() -> None:
    """A place a feed moved to that says three times in a row there is no feed
    there sends it back to feedmill.yml's URL; answers of any other kind between
    them (a timeout, a 503) start the count again."""
    from dataclasses import replace

    from feedmill.models import Fetched, FetchStatus
    from feedmill.store.feeds import blank
    from feedmill.tracking import after_fetch

    moved = replace(blank("https://a.example/old"), fetch_url="https://a.example/new")

    def answer(status: int | None) -> Fetched:
        return Fetched("https://a.example/new", FetchStatus.FAILED, http_status=status, error="x")

    def after(*statuses: int | None) -> dict[str, object]:
        state, values = moved, {}
        for status in statuses:
            values = after_fetch(state, answer(status), NOW, POLICY, rng=random.Random(1))
            state = replace(state, **values)  # type: ignore[arg-type]
        return values

    assert "fetch_url" not in after(404, 404)
    assert "fetch_url" not in after(None, 404, 404)  # a timeout first: two running
    assert "fetch_url" not in after(404, 503, 404, 404)
    assert after(404, 404, 410)["fetch_url"] is None
    assert after(503, 404, 404, 404)["fetch_url"] is None


def test_a_410_where_a_feed_moved_waits_as_a_404_there_does() -> None:
    """Answers that there is no feed where it moved are counted to give the
    move up: a 410 there backed off the day a 410 at the feed's own URL
    does, and feedmill.yml's URL was tried a day and a half later, not in
    the half hour of three 404s."""
    from dataclasses import replace

    from feedmill.models import Fetched, FetchStatus
    from feedmill.store.feeds import blank
    from feedmill.tracking import after_fetch

    old, new = "https://a.example/old", "https://b.example/new"

    def waits(url: str, status: int, fetch_url: str | None) -> list[timedelta]:
        state, out = replace(blank(old), fetch_url=fetch_url), []
        for _ in range(2):
            gone = Fetched(url, FetchStatus.FAILED, http_status=status, error=f"HTTP {status}")
            values = after_fetch(state, gone, NOW, POLICY, rng=random.Random(1))
            assert "fetch_url" not in values  # (not yet given up)
            out.append(values["next_attempt_at"] - NOW)
            state = replace(state, **values)  # type: ignore[arg-type]
        return out

    assert waits(new, 410, new) == waits(new, 404, new)
    assert all(wait < timedelta(hours=1) for wait in waits(new, 410, new))
    # At the feed's own URL a 410 still waits as long as the config lets a failing feed.
    assert all(wait > timedelta(hours=6) for wait in waits(old, 410, None))


def test_a_move_whose_new_host_is_gone_is_given_up_after_six_failures_to_connect() -> None:
    """A host that went away (refused, no such name, no answer to connect)
    never answers 404: after six such failures running at the place it moved
    to, the feed is tried at feedmill.yml's URL (which redirects there again
    if the move still holds).  A host that answers, if only with 503s, keeps
    the move through its outage."""
    from dataclasses import replace

    from feedmill.models import Fetched, FetchStatus
    from feedmill.store.feeds import blank
    from feedmill.tracking import after_fetch

    new = "https://b.example/new"
    validators = {"etag": '"b1"', "last_modified": "Tue, 20 Sep 2022 08:00:00 GMT"}
    state = replace(blank("https://a.example/old"), fetch_url=new, **validators)
    refused = Fetched(new, FetchStatus.FAILED, error="cannot connect: connection refused")
    for _ in range(5):
        values = after_fetch(state, refused, NOW, POLICY, rng=random.Random(1))
        assert "fetch_url" not in values and "etag" not in values
        state = replace(state, **values)  # type: ignore[arg-type]
    values = after_fetch(state, refused, NOW, POLICY, rng=random.Random(1))
    assert values["fetch_url"] is None
    # (Where it had moved gave its validators: the URL in feedmill.yml is asked afresh.)
    assert values["etag"] is None and values["last_modified"] is None
    assert values["last_error"] == (
        "cannot connect: connection refused (6 times running at https://b.example/new, "
        "where it had moved); next attempt at the URL in feedmill.yml"
    )
    busy = Fetched(new, FetchStatus.FAILED, http_status=503, error="HTTP 503 Service Unavailable")
    state = replace(blank("https://a.example/old"), fetch_url=new)
    for _ in range(12):
        values = after_fetch(state, busy, NOW, POLICY, rng=random.Random(1))
        assert "fetch_url" not in values
        state = replace(state, **values)  # type: ignore[arg-type]

    # A run of one kind: failures to connect then a 404 are one 404 running,
    # two 404s then refusals count the refusals alone.
    def after(*answers: Fetched) -> dict[str, object]:
        state, values = replace(blank("https://a.example/old"), fetch_url=new), {}
        for fetched in answers:
            values = after_fetch(state, fetched, NOW, POLICY, rng=random.Random(1))
            state = replace(state, **values)  # type: ignore[arg-type]
        return values

    missing = Fetched(new, FetchStatus.FAILED, http_status=404, error="HTTP 404 Not Found")
    assert "fetch_url" not in after(refused, refused, missing)
    assert "fetch_url" not in after(missing, missing, *[refused] * 5)
    values = after(missing, missing, *[refused] * 6)
    assert values["fetch_url"] is None and "(6 times running" in str(values["last_error"])
    # Failures at feedmill.yml's own URL move nothing.
    state = replace(blank("https://a.example/old"), error_streak=9)
    at_own = Fetched("https://a.example/old", FetchStatus.FAILED, error="x")
    assert "fetch_url" not in after_fetch(state, at_own, NOW, POLICY, rng=random.Random(1))


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        ("90", 90),  # a bare number is seconds
        (90, 90),
        ("45s", 45),
        ("15m", 900),
        ("1h30m", 5400),
        ("1h 30m", 5400),
        ("2d", 172800),
        ("500ms", 0.5),
        ("1m500ms", 60.5),
        ("1.5h", 5400),
    ],
)
def test_durations_as_written(written: str | int, seconds: float) -> None:
    assert parse_duration(written) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        ("0600", 600),  # YAML 1.1 read it as octal: 384 s (now text, seconds all the same)
        ("0900", 900),
        ("1_800", 1800),
        ("1:30", None),  # YAML 1.1 read it in base 60: 90 s — no duration
        ("15.5", 15.5),  # a bare number is seconds, a decimal too (it was refused)
        ("[15]", None),
        ("1:00:00", None),
    ],
)
def test_durations_in_the_config_are_read_as_they_look(
    tmp_path: Path, written: str, seconds: float | None
) -> None:
    config = tmp_path / "feedmill.yml"
    config.write_text(f"interval: {written}\nfeeds:\n  - {{url: a.xml, group: g, source: s}}\n")
    if seconds is None:
        with pytest.raises(ConfigError, match="interval"):
            load_config(config)
    else:
        loaded = load_config(config)
        assert loaded.feed_interval(loaded.feeds[0]) == timedelta(seconds=seconds)


def test_numbers_with_a_leading_zero_are_text_where_text_is_meant(tmp_path: Path) -> None:
    """A stock code among a rule's keywords, a group named 089: read as
    numbers (YAML 1.2's way), they were refused as "expected a string"."""
    config = tmp_path / "feedmill.yml"
    config.write_text(
        "rules: {block: [{keywords: [002594, 000858, 比亚迪]}]}\n"
        "feeds:\n  - {url: a.xml, group: 089, source: 0o17}\n",
        encoding="utf-8",
    )
    loaded = load_config(config)
    assert loaded.rules.block[0].keywords == ("002594", "000858", "比亚迪")
    assert (loaded.feeds[0].group, loaded.feeds[0].source) == ("089", "0o17")
    # Where a whole number is meant, the error says why it is text.
    config.write_text(
        "retention: {days: 07}\nfeeds:\n  - {url: a.xml, group: g, source: s}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="07: a leading zero makes a number text; write 7"):
        load_config(config)


@pytest.mark.parametrize(
    "written", ["15 minutes", "m15", "1x", "0", "0s", "-5m", "", float("nan"), -float("inf")]
)
def test_what_is_no_duration_is_refused(written: str | float) -> None:
    with pytest.raises(ValueError, match=r"not a duration|must be positive"):
        parse_duration(written)


def test_a_nan_duration_in_the_config_is_no_positive_one(tmp_path: Path) -> None:
    """YAML's `.nan`: Python's "cannot convert float NaN to integer"."""
    config = tmp_path / "feedmill.yml"
    config.write_text("interval: .nan\nfeeds:\n  - {url: a.xml, group: g, source: s}\n", "utf-8")
    with pytest.raises(ConfigError, match=r"interval: must be positive"):
        load_config(config)
