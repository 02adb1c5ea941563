"""The tags of a post: feedmill.yml's ``tags:`` as a TagPolicy, once per process.

A feed's style travels with every job sent to a worker process, so it holds
only the settings and a digest of the files they name; each process loads
the dictionary and stop-word files itself, once.  The digest is part of the
style: editing the dictionary rewrites the posts, and so do new tagging
rules (``RULES_VERSION``).  ``feedmill.tagging`` is imported only for a
config with tags: its patterns take ~20 ms to compile, at every start.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from feedmill.config import Config

if TYPE_CHECKING:
    from feedmill.tagging import TagPolicy


@dataclass(frozen=True, slots=True)
class TagStyle:
    stock_format: str = "{name}({code})"
    dictionary: str | None = None  # absolute path
    stopwords: str | None = None  # absolute path
    keywords: int = 0
    method: str = "tfidf"
    max_tags: int = 10
    digest: str = ""  # of the two files' contents as the config read them ("": unchecked)
    rules: str = ""  # RULES_VERSION


def tag_style(config: Config) -> TagStyle | None:
    settings = config.tags_settings
    if settings is None:
        return None
    from feedmill.tagging import RULES_VERSION

    files = [
        str(config.relative(name)) if name else None
        for name in (settings.dictionary, settings.stopwords)
    ]
    return TagStyle(
        stock_format=settings.stock_format,
        dictionary=files[0],
        stopwords=files[1],
        keywords=settings.keywords,
        method=settings.method,
        max_tags=settings.max_tags,
        digest=_digest(files[0], files[1]),
        rules=RULES_VERSION,
    )


def _digest(dictionary: str | None, stopwords: str | None) -> str:
    """Of the two files' contents, as they are now."""
    digest = hashlib.blake2b(digest_size=16)
    for name in (dictionary, stopwords):
        digest.update(Path(name).read_bytes() if name else b"\x00")
    return digest.hexdigest()


# How a feed's error begins when the tags' files no longer read (see policy_for).
TAGS_FAILURE = "tags: "


class TagFilesUnreadable(Exception):
    """A tags file the config read well no longer does: edited under a
    daemon, which keeps the config it has — but a worker that had not read
    the file yet reads it now.  The feed's items wait, unstored (not a
    parser's crash), and are tried again once the config is read again."""


@functools.cache
def policy_for(style: TagStyle) -> TagPolicy:
    from feedmill.tagging import TagPolicy, load_dictionary, load_stopwords
    from feedmill.tagging.keywords import StopwordsError
    from feedmill.tagging.stocks import DictionaryError

    extra = {}
    try:
        if style.stopwords:
            extra["stopwords"] = load_stopwords(style.stopwords)
        dictionary = load_dictionary(style.dictionary) if style.dictionary else {}
        # The very files the config read, or none: one read as an editor
        # rewrote it (emptied, then written) gave every post of the pass —
        # and of the worker's life — no tags.
        same = not style.digest or _digest(style.dictionary, style.stopwords) == style.digest
    except (DictionaryError, StopwordsError, OSError) as exc:
        raise TagFilesUnreadable(
            f"{TAGS_FAILURE}{exc} (edited since the config was read; tried again once it"
            " reads well)"
        ) from None
    if not same:
        changed = " or ".join(name for name in (style.dictionary, style.stopwords) if name)
        raise TagFilesUnreadable(
            f"{TAGS_FAILURE}{changed} changed since the config was read (tried again once"
            " the config is read again)"
        )
    return TagPolicy(
        stock_format=style.stock_format,
        dictionary=dictionary,
        keywords=style.keywords,
        keyword_method=style.method,  # type: ignore[arg-type]
        max_tags=style.max_tags,
        **extra,
    )


def post_tags(style: TagStyle | None, title: str, html: str) -> tuple[str, ...]:
    if style is None:
        return ()
    from feedmill.tagging import tags_for

    return tags_for(title, html, policy_for(style))
