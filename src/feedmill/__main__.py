try:
    from feedmill.cli import program
except KeyboardInterrupt:  # Ctrl-C before any command began: nothing to finish
    raise SystemExit(130) from None

program()
