"""The ``feedmill`` command (`python -m feedmill` too)."""

import signal


def main() -> None:
    """`cli.program`, loaded with SIGINT and SIGTERM noted, not raised: raised
    inside an import's callback, Python may swallow one, and a daemon
    Ctrl-C'd in its first moment ran on.  Nothing has begun then: the
    process ends (130, 143)."""
    noted: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, _frame: noted.append(signum))
    from feedmill.cli import program  # here: after the handlers

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if noted:
        raise SystemExit(128 + noted[0])
    program()


if __name__ == "__main__":
    main()
