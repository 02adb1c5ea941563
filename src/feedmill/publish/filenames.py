"""Post file names: readable, stable, unique and safe for Hexo.

A name is the slug of the title plus a hash of the feed and the item key:
``上海科技创新实力迈上新台阶-全球影响力显著提升-3f2a9c1d07.md``.  Hexo uses
the name as the URL slug, so it must not start with ``_`` or ``.`` (ignored
files), must not contain ``?``, ``#`` or ``%`` (they break URLs), and must
fit in 255 bytes.  The name is chosen once, when the item is first seen,
and kept from then on, even if the title changes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_NAME_BYTES = 255
SLUG_BYTES = 150  # about 50 CJK characters: readable, and far from the limit
EXTENSION = ".md"
_NOT_WORD = re.compile(r"[\W_]+")


def slugify(title: str, max_bytes: int = SLUG_BYTES) -> str:
    text = unicodedata.normalize("NFKC", title).lower()
    slug = _NOT_WORD.sub("-", text).strip("-")
    encoded = slug.encode("utf-8")
    if len(encoded) > max_bytes:
        slug = encoded[:max_bytes].decode("utf-8", errors="ignore").rstrip("-")
    return slug


def key_digest(feed_url: str, key: str, length: int = 10) -> str:
    return hashlib.sha256(f"{feed_url}\n{key}".encode()).hexdigest()[:length]


def post_filename(title: str, feed_url: str, key: str, digest_length: int = 10) -> str:
    digest = key_digest(feed_url, key, digest_length)
    slug = slugify(title)
    name = f"{slug}-{digest}{EXTENSION}" if slug else f"{digest}{EXTENSION}"
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    return name
