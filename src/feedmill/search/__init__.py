"""Chinese full-text search over the stored entries: the pure half.

* ``tokens`` — jieba-segmented words for the index and the query, visible
  text of the stored HTML;
* ``snippet`` — excerpts of the original text with the matches marked.

The database half (FTS5 on SQLite, tsvector on PostgreSQL) is
``feedmill.store.search``.
"""

from __future__ import annotations

from feedmill.search.snippet import Segment, marked, match_spans, snippet
from feedmill.search.tokens import (
    IndexTokens,
    QueryTerms,
    index_tokens,
    index_version,
    normalize,
    query_tokens,
    visible_text,
)

__all__ = [
    "IndexTokens",
    "QueryTerms",
    "Segment",
    "index_tokens",
    "index_version",
    "marked",
    "match_spans",
    "normalize",
    "query_tokens",
    "snippet",
    "visible_text",
]
