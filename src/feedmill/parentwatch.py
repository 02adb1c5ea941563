"""Pool workers that end with the process that started them.

A main process killed with -9 cannot stop its pool: each worker waits for it
to go and exits then (otherwise the workers, their forkserver and its
resource tracker would live on, idle, for good: ~220 MB for a search's
segmenting pool).  A small module, so that a pool's initializer imports
nothing else.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import threading


def init_worker() -> None:
    """Pool initializer: the main process decides when workers stop.

    * A terminal's Ctrl-C (or its SIGHUP, closed) reaches the whole process
      group: workers ignore it, and the main process finishes the writes
      under way and stops the pool.
      SIGTERM is not ignored: sent to the group (systemd), it also ends the
      forkserver, and workers that outlived it would be left orphaned.
    * A main process killed with -9: each worker exits once it is gone.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(
            target=_exit_with, args=(parent.sentinel,), name="feedmill-parent-watch", daemon=True
        ).start()


def _exit_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)  # nothing to flush: an unfinished transaction rolls back
