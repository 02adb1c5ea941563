"""Small text transforms used while normalizing items."""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"<[^>]*>")
_LOOKS_LIKE_HTML = re.compile(r"<(?:[a-zA-Z][\w:-]*[\s/>]|/[a-zA-Z]|!--)")
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_BLANK_LINES = re.compile(r"\n[ \t\u3000]*\n\s*")


# What YAML (and XML) cannot carry: C0/C1 controls other than tab, LF and CR,
# DEL, lone surrogates, U+FFFE/U+FFFF and the BOM.
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufeff\ufffe\uffff]"
)


def strip_controls(text: str) -> str:
    """Remove the characters YAML cannot carry; keep bidi marks and joiners."""
    return _UNPRINTABLE.sub("", text)


def collapse_space(text: str) -> str:
    return " ".join(text.split())


def clean_title(title: str | None) -> str:
    """A title as plain text on one line: tags removed, entities decoded."""
    if not title:
        return ""
    if "<" in title and _LOOKS_LIKE_HTML.search(title):
        title = _TAG.sub("", title)
    if "&" in title and _ENTITY.search(title):
        title = html.unescape(title)
    return collapse_space(strip_controls(title))


def looks_like_html(text: str) -> bool:
    return bool(_LOOKS_LIKE_HTML.search(text))


def plain_to_html(text: str) -> str:
    """Plain text (flash news) as escaped paragraphs, line breaks kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    paragraphs = _BLANK_LINES.split(text)
    out = []
    for paragraph in paragraphs:
        lines = [html.escape(line.strip(), quote=False) for line in paragraph.split("\n")]
        out.append("<p>" + "<br>".join(line for line in lines if line) + "</p>")
    return "".join(out)
