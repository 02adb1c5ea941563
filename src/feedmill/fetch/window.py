"""How many feeds may be fetching, or holding a document no worker has taken yet.

Fetching at 0 ms is far faster than parsing: with every fetch slot in use,
``fetch.concurrency`` documents (64 by default) would wait in memory for
the two workers. A window that starts small and grows only while it costs no
memory keeps fetches going where they pay:

* a feed that leaves without a document for the workers (304, an unchanged
  body, a failure) widens the window by one: a pass of unchanged feeds soon
  fetches at full concurrency, as a TCP window opens;
* a document handed over at once (a place free in the workers' queue: two
  per worker) widens it too: the workers are about to starve;
* a document that had to wait for a worker does not: the window stays
  as it is, and new fetches start only as documents leave it;
* a fetch still waiting for the network after a second holds no document
  yet: it lends its place until it ends, so a few stalled hosts do not hold
  up every feed behind them.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

# A fetch on loopback or a LAN takes milliseconds, a remote one a few hundred;
# one still waiting after this is stalled, not bringing a document.
PATIENCE = 1.0


class FetchWindow:
    def __init__(self, start: int, limit: int) -> None:
        self.size = max(1, min(start, limit))
        self.limit = limit
        self.used = 0
        self.lent = 0  # places of stalled fetches, lent to others meanwhile
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def places(self) -> int:
        return min(self.limit, self.size + self.lent)

    async def enter(self) -> Ticket:
        """A place, in turn: a place that frees is handed to the feed that
        waited longest.  (Woken to take it, a feed lost it to one entering
        meanwhile and queued again at the back: behind a big host's whole
        queue, a small host's turn came last.)"""
        if self.used < self.places and not self._waiters:
            self.used += 1
            return Ticket(self)
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.used -= 1  # handed a place it will not take: to the next
                self._wake()
            raise
        return Ticket(self)  # counted in `used` when it was handed over

    def _lend(self, by: int) -> None:
        self.lent += by
        self._wake()

    def _leave(self, widen: bool) -> None:
        self.used -= 1
        if widen:
            self.size = min(self.limit, self.size + 1)
        self._wake()

    def _wake(self) -> None:
        while self.used < self.places and self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():  # (one cancelled while it waited)
                self.used += 1
                waiter.set_result(None)


class Ticket:
    """One feed's place in the window: given back once, however it ends."""

    def __init__(self, window: FetchWindow) -> None:
        self._window: FetchWindow | None = window
        self._lent = False  # its place is lent to another feed while it waits

    def leave(self, *, widen: bool) -> None:
        if self._window is not None:
            self._take_back()
            window, self._window = self._window, None
            window._leave(widen)

    @contextmanager
    def waiting(self, patience: float = PATIENCE) -> Iterator[None]:
        """Around a wait for the network: past ``patience``, another feed may
        start in this one's stead until the wait ends."""
        timer = asyncio.get_running_loop().call_later(patience, self._lend)
        try:
            yield
        finally:
            timer.cancel()
            self._take_back()

    def _lend(self) -> None:
        if self._window is not None and not self._lent:
            self._lent = True
            self._window._lend(+1)

    def _take_back(self) -> None:
        if self._window is not None and self._lent:
            self._lent = False
            self._window._lend(-1)
