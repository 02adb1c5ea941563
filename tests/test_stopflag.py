"""The stop request a daemon's SIGTERM makes: safe to make from a signal handler."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from feedmill.stopflag import StopFlag

SRC = Path(__file__).resolve().parents[1] / "src"
# A daemon's main thread waits on the flag between passes, a second at a
# time; the signal lands whenever it lands. Here: 300 stops, each landing
# at a random moment of a loop of short waits.
STOPS = """
import random, signal
from feedmill.stopflag import StopFlag as Flag  # threading.Event: hung at the 101st
random.seed(1)
for _ in range(300):
    flag = Flag()
    signal.signal(signal.SIGALRM, lambda *_: flag.set())
    signal.setitimer(signal.ITIMER_REAL, random.uniform(0.0005, 0.003))
    while not flag.wait(0.0002):
        pass
print("all stopped")
"""


def stops() -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(
            [sys.executable, "-c", STOPS],
            env={**os.environ, "PYTHONPATH": str(SRC)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    except subprocess.TimeoutExpired:
        return None  # waited for itself


def test_a_stop_set_by_a_signal_handler_ends_the_wait_whenever_it_lands() -> None:
    """threading.Event.set() takes the lock its wait() holds on entering and
    leaving: a SIGTERM there hung the daemon in its own handler."""
    result = stops()
    assert result is not None and result.returncode == 0, result
    assert "all stopped" in result.stdout


def test_set_is_seen_by_every_waiter_and_holds() -> None:
    flag = StopFlag()
    assert not flag.is_set() and not flag.wait(0.01)
    waiters = [threading.Thread(target=flag.wait) for _ in range(3)]
    for waiter in waiters:
        waiter.start()
    flag.set()
    flag.set()
    for waiter in waiters:
        waiter.join(10)
    assert not any(waiter.is_alive() for waiter in waiters)
    assert flag.is_set() and flag.wait(0) and flag.wait(None)


def test_a_wait_longer_than_poll_takes_ends_when_set() -> None:
    """poll() takes at most 24.8 days: a daemon sleeping 30 days (an
    `interval: 30d` feed, `--every 30d`) ended in an OverflowError."""
    flag = StopFlag()
    threading.Timer(0.2, flag.set).start()
    assert flag.wait(30 * 86_400)
