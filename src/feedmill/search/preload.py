"""Imported by the workers' forkserver when the search index is on (see
`Mill.pool`): jieba's dictionary (~33 MiB) is then loaded once and shared,
copy-on-write, by every worker forked from it."""

from __future__ import annotations

from contextlib import suppress

from feedmill.search.tokens import index_tokens

# Only a head start: a worker that finds nothing loaded loads it itself.
with suppress(Exception):
    index_tokens("央行今日开展逆回购操作")
