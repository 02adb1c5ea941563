"""Normalize stage: raw parsed items to stable, typed ``Entry`` values.

Pure functions only: the same document always gives the same entries.

The stage's modules: ``document`` (a document's items), ``text``, ``dates``,
``chars`` (characters text is read without).  This package's own module imports
none of them: importing one alone (``chars`` on every run, for config's category
names) does not load the rest.
"""
