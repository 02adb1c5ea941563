"""The ``feedmill`` command (`python -m feedmill` too)."""

import gc
import signal

# The collector's young generation, in objects: Python's 700 had a command's
# start collect ~300 times as it imported SQLAlchemy and aiohttp (objects
# that live as long as the process), 0.11 s of an unchanged 1,000-feed rerun's
# 1.1 s.  Garbage in cycles waits a little longer to be freed: a few MiB.
YOUNG_GENERATION = 100_000


def main() -> None:
    """`cli.program`, loaded with SIGINT and SIGTERM noted, not raised: raised
    inside an import's callback, Python may swallow one, and a daemon
    Ctrl-C'd in its first moment ran on.  The noting goes on until the
    command takes the signals over (`cli.adopt_noted_signals`): a daemon
    sent SIGTERM while it loads stops as its first pass would begin, exit 0,
    not by the signal's default action in between."""
    gc.set_threshold(YOUNG_GENERATION, *gc.get_threshold()[1:])
    noted: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        if sig == signal.SIGHUP and signal.getsignal(sig) is signal.SIG_IGN:
            continue  # `nohup feedmill run --every …`: a hangup is no stop
        signal.signal(sig, lambda signum, _frame: noted.append(signum))
    from feedmill.cli import adopt_noted_signals, program  # here: after the handlers

    adopt_noted_signals(noted)
    program()


if __name__ == "__main__":
    main()
