"""The sanitizer: safe output, and what readers see kept as it was."""

from __future__ import annotations

import pytest

from feedmill.sanitize import Policy, first_image, sanitize_html

from conftest import DATA

BASE = "https://news.example.com/a/b.html"


def clean(html: str, base: str | None = BASE, policy: Policy | None = None) -> str:
    return sanitize_html(html, base_url=base, policy=policy or Policy()).html


def test_the_seed_body_passes_through_byte_for_byte() -> None:
    text = (DATA / "golden" / "stcn-seed.md").read_text(encoding="utf-8")
    body = text.split("\n<div>", 1)[1].split("\n", 2)[1]
    assert clean(body, "https://www.stcn.com/article/detail/681592.html") == body


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<p onclick="x()">hi<script>alert(1)</script></p>', "<p>hi</p>"),
        (
            '<img src=x onerror="alert(1)">',
            '<img src="https://news.example.com/a/x" referrerpolicy="no-referrer">',
        ),
        (
            '<a href="javascript:alert(1)">j</a><a href=" JaVaScRiPt:alert(1)">k</a>',
            "<a>j</a><a>k</a>",
        ),
        ('<a href="vbscript:msgbox(1)">v</a>', "<a>v</a>"),
        ('<a href="data:text/html,<script>alert(1)</script>">d</a>', "<a>d</a>"),
        (
            '<img src="data:image/png;base64,iVBORw0KGgo=">',
            '<img src="data:image/png;base64,iVBORw0KGgo=" referrerpolicy="no-referrer">',
        ),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=">', '<img referrerpolicy="no-referrer">'),
        ("<style>p{color:red}</style><p>x</p>", "<p>x</p>"),
        ('<p style="color:red">s</p>', '<p style="color:red">s</p>'),
        ('<p style="width: expression(alert(1))">e</p>', "<p>e</p>"),
        ('<p style="width:\\65 xpression(alert(1))">e</p>', "<p>e</p>"),
        ('<p style="background:url(javascript:alert(1))">u</p>', "<p>u</p>"),
        ("<object data=x.swf><param name=a value=b></object><embed src=x.swf>t", "t"),
        ('<form action="/x"><input name=q>text<button>b</button></form>', "text"),
        ("<svg><script>alert(1)</script></svg>after", "after"),
        ("<noscript><img src=n.png></noscript>shown", "shown"),
        (
            '<meta http-equiv="refresh" content="0;url=javascript:alert(1)"><base href="http://evil/">x',
            "x",
        ),
        (
            '<a href="https://x.example/" target="_blank" rel="opener nofollow">r</a>',
            '<a href="https://x.example/" target="_blank" rel="nofollow">r</a>',
        ),
        (
            "<table><thead><tr><th colspan=2>h</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table>",
            '<table><thead><tr><th colspan="2">h</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table>',
        ),
        (
            "<figure><img src=/f.jpg><figcaption>cap</figcaption></figure>",
            '<figure><img src="https://news.example.com/f.jpg" referrerpolicy="no-referrer"><figcaption>cap</figcaption></figure>',
        ),
        ("<!-- {% tag %} -->text", "text"),
    ],
)
def test_sanitizing(html: str, expected: str) -> None:
    assert clean(html) == expected


def test_relative_links_resolve_against_the_item_link() -> None:
    out = clean(
        '<a href="/news/1">a</a><a href="../up">b</a><a href="#s">c</a><a href="//cdn.x/y">d</a>'
    )
    assert out == (
        '<a href="https://news.example.com/news/1">a</a><a href="https://news.example.com/up">b</a>'
        '<a href="#s">c</a><a href="https://cdn.x/y">d</a>'
    )


def test_iframes_only_from_allowed_hosts_and_sandboxed() -> None:
    out = clean(
        '<iframe src="//player.bilibili.com/player.html?aid=1"></iframe>'
        '<iframe src="https://evil.example/x"></iframe>'
        '<iframe src="https://evil.example\\@www.youtube.com/embed/x"></iframe>'
        '<iframe srcdoc="<script>alert(1)</script>"></iframe>'
    )
    assert out.count("<iframe") == 1
    assert 'src="https://player.bilibili.com/player.html?aid=1"' in out
    assert 'sandbox="allow-scripts allow-same-origin allow-popups allow-presentation"' in out
    assert "evil" not in out and "srcdoc" not in out
    mine = Policy(iframe_hosts=frozenset({"video.example.org"}))
    assert "<iframe" in clean('<iframe src="https://video.example.org/v/1"></iframe>', policy=mine)
    assert "<iframe" not in clean('<iframe src="//player.bilibili.com/p"></iframe>', policy=mine)


def test_lazy_images_get_a_real_src() -> None:
    assert 'src="https://news.example.com/real.png"' in clean(
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/real.png">'
    )
    assert 'src="https://cdn.example/o.jpg"' in clean(
        '<img data-original="https://cdn.example/o.jpg">'
    )
    assert 'src="https://news.example.com/a/big.jpg"' in clean(
        '<img srcset="small.jpg 320w, big.jpg 1024w">'
    )


def test_referrer_policy_is_configurable() -> None:
    assert 'referrerpolicy="no-referrer"' in clean('<img src="/a.jpg" referrerpolicy="origin">')
    assert "referrerpolicy" not in clean(
        '<img src="/a.jpg">', policy=Policy(image_referrer_policy=None)
    )


@pytest.mark.parametrize(
    ("html", "image"),
    [
        (
            '<img src="/i/1x1.gif" width="1" height="1"><img src="pic.jpg">',
            "https://news.example.com/a/pic.jpg",
        ),
        (
            '<img src="/icons/rss.png" width="16" height="16"><img src="//cdn.x/p.jpg">',
            "https://cdn.x/p.jpg",
        ),
        (
            '<img class="emoji" src="/e/1.png"><img src="/favicon.ico"><img src="/logo-icon.png">',
            None,
        ),
        ('<img src="data:image/png;base64,iVBORw0KGgo=">', None),
        ("<p>no image</p>", None),
    ],
)
def test_first_image_skips_pixels_icons_and_data(html: str, image: str | None) -> None:
    assert sanitize_html(html, base_url=BASE).image == image
    assert first_image(clean(html), BASE) == image
