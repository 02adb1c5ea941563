"""A stop request that a signal handler may make.

``threading.Event`` is not safe there: its ``set()`` takes a lock, and a
SIGTERM that landed while the main thread held that same lock (entering or
leaving ``wait()``, which a daemon does every second) ran the handler on top
of it: the process waited for itself, for good.  Here setting is an
assignment and a byte written to a pipe, and waiting is ``poll()`` on the
pipe: no lock anywhere.
"""

from __future__ import annotations

import os
import select
import time
import weakref
from contextlib import suppress

_LONGEST_POLL = 86_400.0  # seconds


class StopFlag:
    """Set once, never cleared; ``is_set``/``set``/``wait`` as on an Event."""

    def __init__(self) -> None:
        self._set = False
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        weakref.finalize(self, _close, self._read, self._write)

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        if not self._set:
            self._set = True
            with suppress(OSError):  # full (set twice at once): readable already
                os.write(self._write, b"\0")

    def wait(self, timeout: float | None = None) -> bool:
        """Until set, or ``timeout`` seconds; whether it is set.  (A signal
        whose handler sets it ends the wait: poll() resumes after the
        handler, and finds the pipe readable.)"""
        if self._set:
            return True
        poll = select.poll()  # select() refuses descriptors past 1023
        poll.register(self._read, select.POLLIN)
        if timeout is None:
            poll.poll(None)
            return self._set
        # poll() takes at most 2**31 - 1 ms (24.8 days): a longer wait in parts.
        end = time.monotonic() + timeout
        while not self._set and (left := end - time.monotonic()) > 0:
            poll.poll(min(left, _LONGEST_POLL) * 1000)
        return self._set


def _close(*fds: int) -> None:
    for fd in fds:
        with suppress(OSError):
            os.close(fd)
