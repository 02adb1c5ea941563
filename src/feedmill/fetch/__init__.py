"""Fetch stage: feed URLs (http, https, file) to ``Fetched`` results.

Everything that touches the network or the disk to *read* a feed lives in
this package; what comes out is plain data for the parse stage.
"""

from __future__ import annotations

from feedmill.fetch.client import Fetcher, FetchOptions, FetchRequest, body_hash, in_host_turns

__all__ = ["FetchOptions", "FetchRequest", "Fetcher", "body_hash", "in_host_turns"]
