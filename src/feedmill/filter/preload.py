"""Imported by the workers' forkserver when rules are configured (see
`Mill.pool`): the table by which rules read traditional Chinese as simplified
is then built once and shared, copy-on-write, by every worker forked from it."""

from __future__ import annotations

from contextlib import suppress

from feedmill.normalize.chinese import simplified

# Only a head start: a worker that finds nothing built builds it itself.
with suppress(Exception):
    simplified("廣告")
