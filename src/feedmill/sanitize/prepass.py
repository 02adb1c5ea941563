"""Fixes that need the document tree, before sanitizing.

* lazy-loaded images (``data-src``, ``data-original``, ``srcset`` without
  ``src`` …) get a real ``src``, so readers see them;
* iframes from hosts outside the allowlist are removed whole.

Most RSSHub bodies need neither, and then the HTML is passed on untouched —
byte for byte, which keeps the seed article identical.
"""

from __future__ import annotations

import re

from feedmill import urls

_LAZY = re.compile(r"data-(?:src|original|lazy-src|lazy|actualsrc|echo|url|srcset)\b")
LAZY_ATTRIBUTES = (
    "data-src",
    "data-original",
    "data-lazy-src",
    "data-actualsrc",
    "data-lazy",
    "data-echo",
    "data-url",
)
_PLACEHOLDER = re.compile(
    r"(?:^data:|^about:|blank\.(?:gif|png)|lazy|placeholder|loading\.(?:gif|svg|png)|"
    r"grey\.gif|pixel\.(?:gif|png)|spacer\.gif|1x1)",
    re.IGNORECASE,
)


def needs_prepass(html: str) -> bool:
    # Substring tests first: this runs on every article.
    if "<" not in html:
        return False
    lower = html.lower()
    if "srcset" in lower or "<iframe" in lower:
        return True
    return "data-" in lower and bool(_LAZY.search(lower))


def best_from_srcset(srcset: str) -> str | None:
    """The widest candidate of a srcset (the first, if none says its width)."""
    best: tuple[float, str] | None = None
    for index, candidate in enumerate(srcset.split(",")):
        parts = candidate.strip().split()
        if not parts:
            continue
        url = parts[0]
        size = 0.0
        if len(parts) > 1 and parts[1][:-1].replace(".", "", 1).isdigit():
            size = float(parts[1][:-1]) * (1 if parts[1].endswith("w") else 1000)
        score = (size, -index)
        if best is None or score > (best[0], 0):
            best = (size, url)
    return best[1] if best else None


_UNCLEAR_URL = re.compile(r"[\\@\s\x00-\x1f]")


def host_allowed(src: str, base: str | None, hosts: frozenset[str]) -> bool:
    """Is ``src`` on an allowed host — as a browser, not just Python, would read it?"""
    src = src.strip()
    # Browsers read "\" as "/" and honour user-info: "https://evil\@youtube.com/"
    # goes to evil.  A player URL has no business with either.
    if _UNCLEAR_URL.search(src):
        return False
    absolute = urls.absolute(src, base)
    return urls.scheme(absolute) in ("http", "https") and urls.host(absolute) in hosts


def prepass(html: str, *, base: str | None, iframe_hosts: frozenset[str]) -> str:
    if not needs_prepass(html):
        return html
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return html
    changed = False
    for img in root.iter("img"):
        src = (img.get("src") or "").strip()
        if src and not _PLACEHOLDER.search(src):
            continue
        lazy = next(
            (img.get(a).strip() for a in LAZY_ATTRIBUTES if (img.get(a) or "").strip()), None
        )
        if lazy is None:
            srcset = img.get("srcset") or img.get("data-srcset")
            lazy = best_from_srcset(srcset) if srcset else None
        if lazy and lazy != src:
            img.set("src", lazy)
            changed = True
    for iframe in list(root.iter("iframe")):
        src = iframe.get("src") or iframe.get("data-src") or ""
        if not src or not host_allowed(src, base, iframe_hosts):
            iframe.drop_tree()
            changed = True
        elif not iframe.get("src"):
            iframe.set("src", src)
            changed = True
    if not changed:
        return html
    parts = [root.text or ""]
    parts.extend(lxml.html.tostring(child, encoding="unicode") for child in root)
    return "".join(parts)
