"""Make sanitized HTML pass through Hexo untouched.

Hexo runs every post through Nunjucks and then Markdown (marked):

* ``{{``, ``{%`` and ``{#`` would be template syntax — ``{% foo %}`` stops
  the whole site build, ``{{ x }}`` silently vanishes.  The ``{`` that opens
  them becomes ``&#123;``; a browser shows ``{`` as before.  (There are no
  ``<style>`` elements left after sanitizing, the one place where a browser
  would not decode the reference.)
* A blank line ends marked's HTML block and what follows is Markdown:
  indented lines become code, ``*x*`` emphasis, ``#`` headings, and Hexo's
  fence filter rewrites ```` ``` ```` lines.  Every newline becomes
  ``&#10;``, so the body is one line: the DOM is exactly the same (a
  character reference to a newline *is* a newline in text and attribute
  values, and sanitized markup has no newlines inside tags), and Markdown
  has nothing to act on.
"""

from __future__ import annotations

import re

_TEMPLATE_OPENER = re.compile(r"\{(?=[{%#])")


def neutralize_templates(html: str) -> str:
    return _TEMPLATE_OPENER.sub("&#123;", html)


def one_line(html: str) -> str:
    return html.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "&#10;")


def hexo_safe(html: str) -> str:
    return one_line(neutralize_templates(html))
