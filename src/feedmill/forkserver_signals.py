"""Imported first by the workers' forkserver (see `Mill.pool`).

A terminal's Ctrl-C reaches the whole process group, the forkserver too:
while it imported the other preload modules (seconds: scipy, jieba's
dictionary) that was a KeyboardInterrupt and a traceback under feedmill's
own "finishing current writes".  Once it serves, multiprocessing has it
ignore SIGINT itself, and its workers ignore it too (`parentwatch.init_worker`):
the main process decides when they stop.  So with SIGHUP (a terminal
closed), which the main process takes as SIGTERM.  SIGTERM is left as it is.
"""

from __future__ import annotations

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGHUP, signal.SIG_IGN)
