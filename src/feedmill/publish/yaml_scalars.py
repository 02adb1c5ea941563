"""YAML scalars that Hexo's js-yaml reads back exactly as written.

Checked against real Hexo 8 (see tests/hexo): single quotes with ``'``
doubled are safe for every string once control characters are gone and
whitespace is collapsed; plain (unquoted) scalars are used only for strings
that cannot be mistaken for anything else, as in the seed post.
"""

from __future__ import annotations

import re

from feedmill.normalize.chars import collapse_space, strip_controls

# A plain scalar must start with a letter (any script) or an underscore and
# may contain only letters, digits, spaces and a few harmless marks.
_PLAIN = re.compile(r"^[^\W\d][\w .()（）/&+·、|·-]*$")
_KEYWORDS = frozenset(
    ["null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", "nan", "inf"]
)


def as_written(value: object) -> str:
    """The text a scalar of ``value`` holds: no control characters, its
    whitespace collapsed (what js-yaml reads back)."""
    return collapse_space(strip_controls(str(value if value is not None else "")))


def quote(value: object) -> str:
    """A single-quoted YAML scalar on one line."""
    return "'" + as_written(value).replace("'", "''") + "'"


def plain(value: object) -> str:
    """The string unquoted when that is unambiguous, else single-quoted."""
    text = as_written(value)
    if text and _PLAIN.match(text) and text.lower() not in _KEYWORDS and not text.endswith(" "):
        return text
    return quote(text)
