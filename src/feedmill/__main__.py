"""The ``feedmill`` command (`python -m feedmill` too)."""

import signal

from feedmill import gcpace


def main() -> None:
    """`cli.program`, loaded with SIGINT and SIGTERM noted, not raised: raised
    inside an import's callback, Python may swallow one, and a daemon
    Ctrl-C'd in its first moment ran on.  The noting goes on until the
    command takes the signals over (`cli.adopt_noted_signals`): a daemon
    sent SIGTERM while it loads stops as its first pass would begin, exit 0,
    not by the signal's default action in between."""
    gcpace.for_start()  # (see gcpace: a daemon goes back to Python's pace)
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
