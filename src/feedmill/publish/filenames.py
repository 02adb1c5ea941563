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
import os
import re
import unicodedata

from feedmill.normalize.chars import SHOWS_NOTHING

MAX_NAME_BYTES = 255
SLUG_BYTES = 150  # about 50 CJK characters: readable, and far from the limit
EXTENSION = ".md"
_NOT_WORD = re.compile(r"[\W_]+")
# Drawn as nothing inside a word ("零\u200b宽", a soft hyphen): no break in
# its slug either ("零-宽-…" split the title's word in the post's URL).
_SHOWS_NOTHING = str.maketrans("", "", SHOWS_NOTHING)


def slugify(title: str, max_bytes: int = SLUG_BYTES) -> str:
    text = unicodedata.normalize("NFKC", title.translate(_SHOWS_NOTHING)).lower()
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


_DIGEST = re.compile(r"[0-9a-f]{10}")


def name_digest(name: str) -> str | None:
    """The key digest that a post file name made by `post_filename` ends with."""
    if not name.endswith(EXTENSION):
        return None
    digest = name[: -len(EXTENSION)].rpartition("-")[2]
    return digest if _DIGEST.fullmatch(digest) else None


_LISTING: dict[tuple[str, str], dict[str, str]] = {}


def names_on_site(posts_dir: str, archive_dir: str, pass_id: str) -> dict[str, str]:
    """Key digest → file name of the posts in ``posts_dir``, or else in
    ``archive_dir`` (a digest that two names of one folder end with is left
    out), listed once per pass (``pass_id``).

    A feed the database knows nothing of may have posts there already: the
    database was lost (a new machine, a CI cache gone), and an item retitled
    since would get a second file under its new title's name — or, archived,
    a second copy in the archive once retention moved it out again.  What the
    pass itself writes meanwhile does not matter: other feeds' names carry
    other digests.
    """
    cached = _LISTING.get((posts_dir, pass_id))
    if cached is not None:
        return cached
    found = _names_in(archive_dir)
    found.update(_names_in(posts_dir))  # a post in both folders: the one in _posts
    listing = {digest: name for digest, name in found.items() if name is not None}
    _LISTING.clear()  # one listing at a time: bounded memory
    _LISTING[posts_dir, pass_id] = listing
    return listing


def _names_in(folder: str) -> dict[str, str | None]:
    """Key digest → file name in ``folder``; None for a digest two names end with."""
    found: dict[str, str | None] = {}
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        names = []
    for name in names:
        digest = name_digest(name)
        if digest is not None:
            found[digest] = None if digest in found else name
    return found
