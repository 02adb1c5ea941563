"""A process pool that cannot wait for a dead worker for good, nor lose its
resource tracker to a terminal's hangup."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import suppress
from typing import Any

STUCK_AFTER = 2.0  # seconds: how long a dead worker may go unnoticed by its pool


def watched_pool(**options: Any) -> ProcessPoolExecutor:
    """A ProcessPoolExecutor of ``options``, with a thread that breaks it
    should it not notice a worker died.

    CPython's pool reads a worker's result whole: a worker killed while it
    wrote one (a batch of rendered posts, 90 KB; a SIGTERM to the whole
    process group) left the pool's reader waiting for the rest for good —
    the end of file never comes, as the pipe's other end is open in this
    process too — and every job's caller with it, and the pass, holding the
    site's lock.  A worker dead that long unnoticed: the others are ended,
    this process's end of the pipe closed, and the pool breaks as it does
    for any dead worker (BrokenProcessPool: each caller's own fallback).

    The pool's queues start multiprocessing's resource tracker, and its
    first job a forkserver: first, each is started ignoring the signals it
    ignores (`_start_resource_tracker`, `_forkserver_started`)."""
    _start_resource_tracker()
    context = options.get("mp_context")
    if context is not None and context.get_start_method() == "forkserver":
        _forkserver_started()  # (so, not as the pool's first job would: Ctrl-C and all)
    pool = ProcessPoolExecutor(**options)
    threading.Thread(
        target=_break_when_stuck, args=(pool,), name="feedmill-pool-watch", daemon=True
    ).start()
    return pool


def _break_when_stuck(pool: ProcessPoolExecutor, every: float = 0.25) -> None:
    manager = processes = results = None
    unnoticed = 0.0
    while True:
        time.sleep(every)
        if manager is None:
            # (Taken once the pool starts: a shutdown forgets them at once.)
            manager = getattr(pool, "_executor_manager_thread", None)
            processes = getattr(pool, "_processes", None)
            results = getattr(pool, "_result_queue", None)
            if manager is None:
                if getattr(pool, "_shutdown_thread", True):
                    return  # shut down before it started (or not a CPython pool)
                continue
        if not manager.is_alive() or processes is None or results is None:
            return
        workers = list(processes.values())
        unnoticed = unnoticed + every if any(w.exitcode is not None for w in workers) else 0.0
        if unnoticed >= STUCK_AFTER:
            for worker in workers:
                if worker.exitcode is None:
                    worker.kill()
                    worker.join(5)
            # The pipe's handle forgotten before it is closed: the close wakes
            # the pool's reader, the caller's finally shuts the pool down and
            # closes the writer again — which, in this thread's moment
            # between the two, closed a handle closed already (EBADF).
            writer = results._writer
            handle, writer._handle = writer._handle, None
            if handle is not None:
                with suppress(OSError):
                    os.close(handle)
            return


def start_forkserver() -> None:
    """Start multiprocessing's forkserver now (the context's preload set
    first): it loads the workers' modules while the caller goes on, rather
    than when the pool's first job is submitted and waits for it."""
    _forkserver_started()


def _forkserver_started() -> None:
    """The forkserver running — started ignoring SIGINT and SIGHUP, as
    `forkserver_signals` has it: a Ctrl-C to the group while its interpreter
    started, before that module, was a KeyboardInterrupt's traceback under
    the pass's "stopping"."""
    from multiprocessing import forkserver

    _start_resource_tracker()  # (ensure_running would start it, SIGHUP and all)
    _ignoring((signal.SIGINT, signal.SIGHUP), forkserver.ensure_running)


def _start_resource_tracker() -> None:
    """multiprocessing's resource tracker, started ignoring SIGHUP (an ignored
    signal stays so across its exec): a terminal closed under a pass sends it
    to the whole group, and the tracker, dead, was started again and wrote a
    traceback while the pass stopped.  (It ignores SIGINT and SIGTERM itself;
    the forkserver and the workers ignore SIGHUP: `forkserver_signals`,
    `parentwatch`.)  A SIGHUP in this moment is lost: the pass runs on."""
    from multiprocessing import resource_tracker

    _ignoring((signal.SIGHUP,), resource_tracker.ensure_running)


def _ignoring(signals: tuple[signal.Signals, ...], start: Callable[[], None]) -> None:
    """``start()`` a helper process with ``signals`` ignored, which it keeps
    across its exec; this process ignores them meanwhile (one that comes
    then is lost).  Only the main thread may set them: elsewhere, as it is."""
    if threading.current_thread() is not threading.main_thread():
        start()
        return
    before = {sig: signal.signal(sig, signal.SIG_IGN) for sig in signals}
    try:
        start()
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
