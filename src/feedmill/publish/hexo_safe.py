"""Make sanitized HTML pass through Hexo untouched.

Hexo runs every post through Nunjucks and then Markdown (marked):

* ``{{``, ``{%`` and ``{#`` would be template syntax — ``{% foo %}`` stops
  the whole site build, ``{{ x }}`` silently vanishes.  The ``{`` that opens
  them becomes ``&#123;``; a browser shows ``{`` as before.  (There are no
  ``<style>`` elements left after sanitizing, the one place where a browser
  would not decode the reference.)
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

import re

_TEMPLATE_OPENER = re.compile(r"\{(?=[{%#])")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)([^>]*)>|<!--.*?-->", re.S)
_PRESERVING = frozenset(["pre", "textarea", "listing", "xmp", "plaintext"])
_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()  # noqa: SIM905
)
_PRESERVING_STYLE = re.compile(r"white-space\s*:\s*(?:pre|break-spaces)", re.IGNORECASE)


def neutralize_templates(html: str) -> str:
    return _TEMPLATE_OPENER.sub("&#123;", html)


def one_line(html: str) -> str:
    """``html`` on one line, rendering as before (see the module's notes)."""
    html = html.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" not in html:
        return html
    out: list[str] = []
    open_: list[tuple[str, bool]] = []  # element name, whether it keeps newlines
    position = 0
    for match in _TAG.finditer(html):
        keeps = bool(open_) and open_[-1][1]
        out.append(html[position : match.start()].replace("\n", "&#10;" if keeps else " "))
        out.append(match.group(0).replace("\n", "&#10;"))
        position = match.end()
        name = (match.group(2) or "").lower()
        if not name:
            continue  # a comment
        if match.group(1):  # a closing tag: close up to its element
            for index in range(len(open_) - 1, -1, -1):
                if open_[index][0] == name:
                    del open_[index:]
                    break
        elif name not in _VOID and not match.group(3).endswith("/"):
            styled = "white-space" in match.group(3) and _PRESERVING_STYLE.search(match.group(3))
            open_.append((name, keeps or name in _PRESERVING or bool(styled)))
    keeps = bool(open_) and open_[-1][1]
    out.append(html[position:].replace("\n", "&#10;" if keeps else " "))
    return "".join(out)


def hexo_safe(html: str) -> str:
    return one_line(neutralize_templates(html))
