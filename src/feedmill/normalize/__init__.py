"""Normalize stage: raw parsed items to stable, typed ``Entry`` values.

Pure functions only: the same document always gives the same entries.

The stage's modules: ``document`` (a document's items), ``text``, ``dates``.
This package's own module imports none of them, so that importing ``text`` alone
(config does) does not load the rest.
"""
