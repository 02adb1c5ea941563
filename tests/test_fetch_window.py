"""The fetch window: how many feeds may fetch, or hold a document no worker took yet."""

from __future__ import annotations

import asyncio
import functools
import os
import subprocess
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from feedmill.fetch.window import FetchWindow, Ticket

from support.feeds import Item, rss
from support.server import FeedServer, Route, peak_overlap
from support.site import cli, posts, write_config


def in_a_loop(test: Callable[[], Coroutine[Any, Any, None]]) -> Callable[[], None]:
    """An async test, run in an event loop of its own."""

    @functools.wraps(test)
    def run() -> None:
        asyncio.run(test())

    return run


async def entered(window: FetchWindow, count: int) -> list[Ticket]:
    return [await window.enter() for _ in range(count)]


async def waits(window: FetchWindow) -> asyncio.Task[Ticket]:
    """An enter() that is still waiting after the loop has run a while."""
    task = asyncio.create_task(window.enter())
    for _ in range(5):
        await asyncio.sleep(0)
    return task


@in_a_loop
async def test_it_starts_at_its_start_and_a_feed_beyond_waits_for_a_place() -> None:
    window = FetchWindow(4, 64)
    tickets = await entered(window, 4)
    fifth = await waits(window)
    assert not fifth.done()
    tickets[0].leave(widen=False)
    await asyncio.wait_for(fifth, 1)
    assert (window.size, window.used) == (4, 4)


@in_a_loop
async def test_places_go_in_turn_to_the_feeds_that_waited_longest() -> None:
    """A feed woken for a place lost it to one entering before it ran, and
    queued again at the back: a small host's feeds, early in the hosts'
    turns, waited behind a big host's whole queue (15 s of 600 feeds)."""
    window = FetchWindow(1, 1)
    (first,) = await entered(window, 1)
    order: list[str] = []

    async def feed(name: str) -> None:
        ticket = await window.enter()
        order.append(name)
        await asyncio.sleep(0)
        ticket.leave(widen=False)

    waiting = [asyncio.create_task(feed(name)) for name in "BCD"]
    for _ in range(5):
        await asyncio.sleep(0)
    first.leave(widen=False)
    await feed("E")  # enters at once, before B has run
    await asyncio.wait_for(asyncio.gather(*waiting), 1)
    assert order == ["B", "C", "D", "E"]
    assert window.used == 0


@in_a_loop
async def test_a_place_handed_to_a_feed_cancelled_meanwhile_goes_to_the_next() -> None:
    window = FetchWindow(1, 1)
    (first,) = await entered(window, 1)
    second, third = await waits(window), await waits(window)
    first.leave(widen=False)  # handed to the second …
    second.cancel()  # … which is cancelled before it runs
    ticket = await asyncio.wait_for(third, 1)
    assert second.cancelled() and window.used == 1
    ticket.leave(widen=False)
    assert window.used == 0


@in_a_loop
async def test_a_feed_that_brought_no_document_for_the_workers_widens_it_up_to_the_limit() -> None:
    window = FetchWindow(2, 5)
    for expected in (3, 4, 5, 5):
        (ticket,) = await entered(window, 1)
        ticket.leave(widen=True)
        assert window.size == expected
    assert window.used == 0


@in_a_loop
async def test_a_document_that_waited_for_a_worker_leaves_it_as_it_was() -> None:
    window = FetchWindow(2, 64)
    first, second = await entered(window, 2)
    first.leave(widen=False)
    second.leave(widen=False)
    assert (window.size, window.used) == (2, 0)


@in_a_loop
async def test_widening_lets_a_waiting_feed_in_at_once() -> None:
    window = FetchWindow(1, 64)
    (ticket,) = await entered(window, 1)
    second, third = await waits(window), await waits(window)
    ticket.leave(widen=True)  # one place freed, one more made
    await asyncio.wait_for(asyncio.gather(second, third), 1)
    assert (window.size, window.used) == (2, 2)


@in_a_loop
async def test_a_ticket_is_given_back_once_however_often_it_is_left() -> None:
    window = FetchWindow(2, 64)
    (ticket,) = await entered(window, 1)
    ticket.leave(widen=True)
    ticket.leave(widen=True)
    assert (window.size, window.used) == (3, 0)


@in_a_loop
async def test_a_waiting_feed_cancelled_after_its_wake_up_passes_its_place_on() -> None:
    """A stop cancels fetches: the place a cancelled waiter was woken for
    must go to the next one, or that one would wait for good."""
    window = FetchWindow(1, 64)
    (ticket,) = await entered(window, 1)
    second, third = await waits(window), await waits(window)
    ticket.leave(widen=False)  # wakes the second...
    second.cancel()  # ...which is cancelled before it runs
    await asyncio.wait_for(third, 1)
    assert second.cancelled() and window.used == 1


@in_a_loop
async def test_a_feed_stalled_on_the_network_lends_its_place_until_its_wait_ends() -> None:
    window = FetchWindow(1, 64)
    (stalled,) = await entered(window, 1)
    behind = await waits(window)
    with stalled.waiting(patience=0.01):
        await asyncio.wait_for(behind, 1)  # got the lent place
        assert (window.size, window.places, window.used) == (1, 2, 2)
    assert window.places == 1  # taken back when the fetch ended
    (await behind).leave(widen=False)
    stalled.leave(widen=False)
    assert (window.places, window.used) == (1, 0)


@in_a_loop
async def test_a_quick_wait_lends_nothing_and_places_never_pass_the_limit() -> None:
    window = FetchWindow(2, 3)
    first, second = await entered(window, 2)
    with first.waiting(patience=10):
        pass
    assert window.places == 2
    with first.waiting(patience=0.01), second.waiting(patience=0.01):
        await asyncio.sleep(0.05)
        assert window.places == 3  # the limit
    assert window.places == 2


@in_a_loop
async def test_a_widening_while_a_place_is_lent_outlasts_the_lending() -> None:
    window = FetchWindow(2, 3)
    stalled, other = await entered(window, 2)
    with stalled.waiting(patience=0.01):
        await asyncio.sleep(0.05)
        other.leave(widen=True)  # at the limit meanwhile
    assert (window.size, window.places) == (3, 3)


# -- in a pass: documents waiting for busy workers, and a pass of unchanged feeds --

SRC = Path(__file__).resolve().parents[1] / "src"
SLOW_WORKERS = """
import os, time
if "forkserver" in " ".join(getattr(__import__("sys"), "orig_argv", [])):
    import feedmill.worker as worker
    handle = worker.handle
    def slow(job):
        with open(os.environ["FM_JOB_LOG"], "a") as log:
            log.write(f"{time.monotonic()}\\n")
        time.sleep(0.2)
        return handle(job)
    worker.handle = slow
"""


def feeds_on(
    server: FeedServer, count: int, prefix: str = "f", **route: Any
) -> list[dict[str, str]]:
    feeds = []
    for n in range(count):
        source = f"源{prefix}{n}"
        items = [
            Item(f"{source}第{i}条", f"<p>{source}的第{i}条正文。</p>", f"{i}") for i in range(5)
        ]
        url = server.add(f"/{prefix}{n}.xml", Route(body=rss(source, items), **route))
        feeds.append({"url": url, "group": "g", "source": source})
    return feeds


@pytest.mark.slow
def test_documents_wait_for_busy_workers_a_few_at_a_time(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Fetching is far faster than parsing: 40 documents fetched at once
    would all wait in memory for the two workers."""
    write_config(tmp_path, feeds_on(feed_server, 40))
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(SLOW_WORKERS, encoding="utf-8")
    log = tmp_path / "jobs.log"
    env = {
        **os.environ,
        "PYTHONPATH": f"{tmp_path / 'hook'}{os.pathsep}{SRC}",
        "FM_JOB_LOG": str(log),
    }
    result = subprocess.run(
        [sys.executable, "-m", "feedmill", "run", "--workers", "2"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert len(posts(tmp_path)) == 40 * 5
    fetched = sorted(start for start, _ in feed_server.spans)
    taken = sorted(float(line) for line in log.read_text().split())
    assert len(fetched) == len(taken) == 40
    # Documents fetched and no worker's yet, at each fetch: the workers'
    # queue (2 per worker) and a window that opened while they were idle.
    held = max(n + 1 - sum(t <= at for t in taken) for n, at in enumerate(fetched))
    assert held <= 16


@pytest.mark.slow
def test_a_pass_of_unchanged_feeds_opens_the_window_to_full_concurrency(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    config = write_config(
        tmp_path, feeds_on(feed_server, 120, etag='"v1"', delay=0.3), fetch={"per_host": 64}
    )
    assert cli("run", "-c", str(config)).code == 0  # stored: a second pass gets 304s
    feed_server.spans.clear()
    result = cli("run", "-c", str(config))
    assert result.code == 0 and "120 unchanged" in result.stdout
    # Each unchanged feed widens the window by one: 4, 8, 16, 32, then the
    # rest at once (without widening: 4).
    assert peak_overlap(feed_server.spans) >= 32


@pytest.mark.slow
def test_a_few_stalled_hosts_do_not_hold_up_the_feeds_behind_them(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Six feeds whose hosts answer after 12 s come first: the four places
    the window starts with went to them, and the other 54 feeds waited.
    (12 s, not less: on a loaded machine the 54 feeds' pass took 9 s.)"""
    feeds = feeds_on(feed_server, 6, "slow", delay=12.0) + feeds_on(feed_server, 54, "quick")
    config = write_config(tmp_path, feeds, fetch={"per_host": 64})
    assert cli("run", "-c", str(config), "--workers", "2").code == 0
    slow_answered = min(end for path, _, end in feed_server.timed if path.startswith("/slow"))
    quick_asked = max(start for path, start, _ in feed_server.timed if path.startswith("/quick"))
    assert quick_asked < slow_answered
    assert len(posts(tmp_path)) == 60 * 5
