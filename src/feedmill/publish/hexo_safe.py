"""Make sanitized HTML pass through Hexo untouched.

Hexo runs every post through Nunjucks and then Markdown (marked):

* ``{{``, ``{%`` and ``{#`` would be template syntax — ``{% foo %}`` stops
  the whole site build, ``{{ x }}`` silently vanishes.  The ``{`` that opens
  them becomes ``&#123;``; a browser shows ``{`` as before.  (There are no
  ``<style>`` elements left after sanitizing, the one place where a browser
  would not decode the reference.)
* ``<!--`` (none is left after sanitizing) would be a comment, and
  ``<!-- more -->`` the cut of the page's excerpt: it is written ``&lt;!--``.
* Hexo parks code blocks and template tags as ``<!--code`` + U+FFFC + ``0-->``
  and puts them back by that pattern, ``&lt;!--`` too, asserting each number
  is one it parked: text that reads so (U+FFFC, the object replacement
  character, comes with text pasted from editors) stopped the whole site's
  build.  U+FFFC is written ``&#xFFFC;``, the same character to a browser.
* A blank line ends marked's HTML block and what follows is Markdown:
  indented lines become code, ``*x*`` emphasis, ``#`` headings, and Hexo's
  fence filter rewrites ```` ``` ```` lines.  So the body is made one line.
  Where a newline shows — in ``<pre>``, ``<textarea>``, an element styled
  ``white-space: pre…``, an attribute value — it becomes ``&#10;``, which
  *is* a newline to the DOM.  Elsewhere it becomes a space, which renders
  the same and keeps Hexo's descriptions clean: they cut the text at 200
  characters, entities and all ("10MB&#1" in a page's meta description).
"""

from __future__ import annotations

import functools
import re

_TEMPLATE_OPENER = re.compile(r"\{(?=[{%#])")
# Elements whose newlines show: by name, or by an inline white-space style.
_KEEPING = ("pre", "textarea", "listing", "xmp", "plaintext")
_BY_NAME = rf"<({'|'.join(_KEEPING)})\b"
_BY_STYLE = r"<([A-Za-z][A-Za-z0-9-]*)\b[^>]*?white-space\s*:\s*(?:pre|break-spaces)"
_KEEPER_BY_NAME = re.compile(_BY_NAME, re.IGNORECASE)
_KEEPER = re.compile(f"{_BY_NAME}|{_BY_STYLE}", re.IGNORECASE)  # slower: only if styled
_KEEPER_MARKS = (*(f"<{name}" for name in _KEEPING), "white-space")


def neutralize_templates(html: str) -> str:
    return _TEMPLATE_OPENER.sub("&#123;", html)


@functools.cache
def _tags_named(name: str) -> re.Pattern[str]:
    return re.compile(rf"<(/?){re.escape(name)}\b[^>]*>", re.IGNORECASE)


def _end_of(html: str, name: str, start: int) -> int:
    """Where the element named ``name`` opened at ``start`` ends (nested
    ones of the same name counted); the text's end if it is not closed."""
    depth = 0
    for match in _tags_named(name).finditer(html, start):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            return match.end()
    return len(html)


_TAG_WITH_NEWLINE = re.compile(r"<[^<>]*\n[^<>]*>")
# A newline right after <pre>'s tag is not content to a browser, a character
# reference of one neither: content that starts with one (a leading blank
# line; the sanitizer writes it bare) needs a second in front of it.
_LEADING_NEWLINE = re.compile(r"(<(?:pre|listing|textarea)\b[^<>]*>)\n", re.IGNORECASE)


def _spaced(segment: str) -> str:
    """Newlines in text become spaces; inside a tag (an attribute value) &#10;."""
    if "\n" not in segment:
        return segment
    if _TAG_WITH_NEWLINE.search(segment):
        segment = _TAG_WITH_NEWLINE.sub(lambda m: m.group(0).replace("\n", "&#10;"), segment)
    return segment.replace("\n", " ")


def one_line(html: str) -> str:
    """``html`` on one line, rendering as before (see the module's notes)."""
    html = html.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" not in html:
        return html
    lowered = html.lower()
    if not any(mark in lowered for mark in _KEEPER_MARKS):
        return _spaced(html)  # nearly every body: no element keeps its newlines
    out: list[str] = []
    position = 0
    keepers = _KEEPER if "white-space" in lowered else _KEEPER_BY_NAME
    for match in keepers.finditer(html):
        if match.start() < position:
            continue  # inside a region already kept whole
        name = (match.group(1) or match.group(2)).lower()  # (by name: group 1 always)
        end = _end_of(html, name, match.start())
        out.append(_spaced(html[position : match.start()]))
        region = _LEADING_NEWLINE.sub("\\1\n\n", html[match.start() : end])
        out.append(region.replace("\n", "&#10;"))
        position = end
    out.append(_spaced(html[position:]))
    return "".join(out)


def hexo_safe(html: str) -> str:
    # Sanitized HTML has no comments; should one be left in text an element
    # keeps raw, Hexo would cut the page's excerpt at a "<!-- more -->" there.
    if "<!--" in html:
        html = html.replace("<!--", "&lt;!--")
    if "\ufffc" in html:
        html = html.replace("\ufffc", "&#xFFFC;")
    return one_line(neutralize_templates(html))
