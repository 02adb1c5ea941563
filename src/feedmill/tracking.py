"""What one fetch changes in a feed's record: a pure decider.

Given the feed's last known state and what just happened, return the new
values of its row — error streak, next attempt, redirect tracking — without
touching the database.
"""

from __future__ import annotations

import random
from datetime import datetime
from http import HTTPStatus
from typing import Any

from feedmill.models import CANNOT_CONNECT, Fetched, FetchStatus
from feedmill.schedule import (
    LONGEST_SECONDS,
    Policy,
    after_failure,
    longest_asked,
    next_after,
    retry_after,
    server_hint,
)
from feedmill.store.feeds import GONE, FeedState
from feedmill.urls import identity, shown, without_userinfo

PERMANENT = (301, 308)
NOT_HERE = (404, GONE)
MOVE_AFTER = 3  # consecutive fetches that must agree before the stored URL moves
# Failures to connect running at the place a feed moved to (its host gone:
# refused, no such name, no answer) before the URL in feedmill.yml is tried
# again.  Not answers (a 503, a timeout while reading): a host that is up
# keeps the move through an outage.
GIVE_UP_MOVE_AFTER = 6
LONGEST_TTL = LONGEST_SECONDS // 60  # minutes; a <ttl> is stored at most this (fits any INTEGER)
# How the failure of a feed sent to another feed's URL ends (pipeline's
# `_another_feed`): the config's fault, not the server's.
CONFIG_CONFLICT = "remove one of the two"


def permanent_target(fetched: Fetched) -> str | None:
    """Where the leading run of permanent redirects ends, if it starts with one."""
    target = None
    for status, location in fetched.redirects:
        if status not in PERMANENT:
            break
        target = location
    return target


def redirect_update(state: FeedState, fetched: Fetched) -> dict[str, Any]:
    """Count consecutive fetches that were permanently redirected to one place
    and answered there (a failed fetch breaks the run: see after_fetch)."""
    target = permanent_target(fetched)
    if target is None:
        return {"redirect_url": None, "redirect_streak": 0}
    streak = state.redirect_streak + 1 if target == state.redirect_url else 1
    values: dict[str, Any] = {"redirect_url": target, "redirect_streak": streak}
    if streak >= MOVE_AFTER:
        # Moved back to where feedmill.yml says (as the request goes out:
        # `/热点` is `/%E7%83%AD%E7%82%B9`): no longer "moved".
        home = identity(without_userinfo(state.url))
        moved_to = None if identity(without_userinfo(target)) == home else target
        values.update(fetch_url=moved_to, redirect_url=None, redirect_streak=0)
    return values


def after_fetch(
    state: FeedState,
    fetched: Fetched,
    now: datetime,
    policy: Policy,
    *,
    ttl_minutes: int | None = None,
    rng: random.Random | None = None,
    pass_started: datetime | None = None,
) -> dict[str, Any]:
    """New column values for ``state`` after ``fetched`` (parsed or not).

    ``ttl_minutes`` is the ``<ttl>`` of the document just parsed; an unchanged
    document (304, or the same body) is the one read before, and so is its ttl.
    A feed that answered is next due ``interval`` after ``pass_started`` (the
    start of its pass, if given), not after its own fetch: a cron job run
    every ``interval`` then finds it due however late in the pass it came.
    """
    values: dict[str, Any] = {"last_attempt_at": now, "http_status": fetched.http_status}
    if fetched.status is FetchStatus.FAILED:
        streak = state.error_streak + 1
        # The place it moved to has said, MOVE_AFTER times running, that there
        # is no feed there (any more): the next attempt is at the URL in
        # feedmill.yml (which redirects again if the move still holds) — once
        # would lose a move whose old host is gone over one bad answer.
        moved = bool(state.fetch_url and fetched.url == state.fetch_url)
        not_here = moved and fetched.http_status in NOT_HERE
        # Or no host there to answer, a longer run: a move that holds still
        # redirects there, and the feed's own URL may serve it again.
        unreachable = (
            moved
            and fetched.http_status is None
            and (fetched.error or "").startswith(CANNOT_CONNECT)
        )
        # A run of one kind: the last attempt's status says which it was.
        same_kind = state.gone_streak > 0 and (state.http_status in NOT_HERE) == not_here
        gone_streak = (state.gone_streak if same_kind else 0) + 1 if not_here or unreachable else 0
        back = gone_streak >= (MOVE_AFTER if not_here else GIVE_UP_MOVE_AFTER)
        values["gone_streak"] = 0 if back else gone_streak
        values.update(
            last_error=fetched.error or "failed",
            error_streak=streak,
            next_attempt_at=(
                # A server that answered: asked at its pace, not backed off
                # as an outage is (a day, fixed config or not).
                next_after(min(pass_started or now, now), policy, None)
                if (fetched.error or "").endswith(CONFIG_CONFLICT)
                else after_failure(
                    now,
                    policy,
                    streak=streak,
                    headers=fetched.cache_headers,
                    # Gone from where it moved, not from where feedmill.yml says:
                    # counted to give the move up, as a 404 there is.
                    gone=fetched.http_status == GONE and not moved,
                    rng=rng,
                )
            ),
            # When the server asked to be asked again (Retry-After), if it did:
            # a settings edit then waits for it (store.feeds.retry_now).  Not
            # a hint for due_at: a failing feed keeps its backoff.
            hint_until=_asked_until(fetched, now, policy),
        )
        # A move is adopted only where a feed answers: a feed redirected for
        # good to a page that is not one (a site's home page, say) keeps its URL.
        values.update(redirect_streak=0, redirect_url=None)
        if back:
            # (Where it had moved answered them: not the URL in feedmill.yml.)
            values.update(etag=None, last_modified=None)
        if back and not_here and fetched.http_status is not None:
            answer = f"HTTP {fetched.http_status} {HTTPStatus(fetched.http_status).phrase}"
            values.update(
                fetch_url=None,
                last_error=f"{answer} at {shown(fetched.url)}, where it had moved; "
                "next attempt at the URL in feedmill.yml",
            )
        elif back:
            values.update(
                fetch_url=None,
                last_error=f"{fetched.error or 'failed'} ({gone_streak} times running at "
                f"{shown(fetched.url)}, where it had moved); "
                "next attempt at the URL in feedmill.yml",
            )
        return values
    if fetched.status is FetchStatus.NOT_MODIFIED:
        ttl_minutes = state.ttl_minutes
    else:
        ttl_minutes = values["ttl_minutes"] = _bounded(ttl_minutes)
    # A lifetime the server gives counts from the pass's start, as the
    # interval does: a feed asked to wait its interval (RSSHub's max-age and
    # <ttl> are its cache's life) and fetched late in a pass was not due at
    # the next cron run, and was fetched every other one.
    start = min(pass_started or now, now)
    hint = server_hint(
        now, policy, ttl_minutes=ttl_minutes, headers=fetched.cache_headers, started=start
    )
    values.update(
        last_success_at=now,
        last_error=None,
        error_streak=0,
        gone_streak=0,
        next_attempt_at=next_after(start, policy, hint),
        hint_until=hint,
        etag=fetched.etag or (state.etag if fetched.status is FetchStatus.NOT_MODIFIED else None),
        last_modified=fetched.last_modified
        or (state.last_modified if fetched.status is FetchStatus.NOT_MODIFIED else None),
        body_hash=fetched.body_hash or state.body_hash,
    )
    values.update(redirect_update(state, fetched))
    return values


def _asked_until(fetched: Fetched, now: datetime, policy: Policy) -> datetime | None:
    """Until when the server asked not to be asked (Retry-After), as far as
    the next attempt waits for it (`schedule.longest_asked`)."""
    pause = retry_after(fetched.cache_headers, now)
    return None if pause is None else now + min(pause, longest_asked(policy))


def _bounded(ttl_minutes: int | None) -> int | None:
    return None if ttl_minutes is None else max(min(ttl_minutes, LONGEST_TTL), 0)
