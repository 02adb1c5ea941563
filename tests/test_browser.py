"""A real browser opens the built demo site: home page and a post, no console errors.

Headless Chromium (Debian's `chromium` package) driven by Playwright, against
the demo output built with Hexo 8 and its default theme, served from
127.0.0.1.  The machine is offline, so requests to any other host (the
theme's icon font CDN, placeholder pictures) are answered locally with empty
content instead of failing.  Screenshots go to test-artifacts/browser/.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from conftest import ROOT
from support import hexo
from support.feeds import Item, rss
from support.site import cli, write_config

if TYPE_CHECKING:
    from playwright.sync_api import Route

pytestmark = [pytest.mark.browser, pytest.mark.hexo, pytest.mark.slow]
ARTIFACTS = Path(os.environ.get("FEEDMILL_ARTIFACTS", ROOT / "test-artifacts")) / "browser"
# A 1×1 transparent PNG, for pictures on hosts this machine cannot reach.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def chromium() -> str:
    path = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not path:
        pytest.fail("Chromium is not installed (Debian: apt-get install chromium); set CHROMIUM=")
    return path


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    site = tmp_path_factory.mktemp("browser") / "demo"
    assert cli("demo", str(site)).code == 0
    result = hexo.generate(site)
    assert result.returncode == 0, result.stdout + result.stderr
    handler = functools.partial(_Quiet, directory=str(site / "public"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", site
    finally:
        server.shutdown()
        server.server_close()


def test_home_page_and_a_post_open_without_console_errors(served_demo: tuple[str, Path]) -> None:
    from playwright.sync_api import sync_playwright

    base, site = served_demo
    seed = next(p for slug, p in hexo.post_pages(site).items() if slug.startswith("上海科技创新"))
    seed_url = base + "/" + seed.parent.relative_to(site / "public").as_posix() + "/"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []

    def offline(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        elif route.request.resource_type == "image":
            route.fulfill(status=200, content_type="image/png", body=PIXEL)
        else:
            route.fulfill(status=200, body=b"")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium(),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", offline)
            page.on(
                "console",
                lambda m: (
                    problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning")
                    else None
                ),
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
            page.on(
                "response",
                lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
            )

            response = page.goto(base + "/", wait_until="networkidle")
            assert response is not None and response.ok
            page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)
            assert page.locator("article").count() == 10  # one page of posts
            # Follow the first post's title from the home page.
            page.locator("a.article-title").first.click()
            page.wait_for_load_state("networkidle")
            assert page.locator("article .article-entry").inner_text().strip()

            response = page.goto(seed_url, wait_until="networkidle")
            assert response is not None and response.ok
            page.screenshot(path=str(ARTIFACTS / "post.png"), full_page=True)
            text = page.locator("article .article-entry").inner_text()
            assert "徐枫在发布会上介绍" in text and "机器人" in text
            assert page.locator("a.trsHotWords").count() == 3
        finally:
            browser.close()
    assert problems == []
    assert (ARTIFACTS / "home.png").stat().st_size > 10_000


# Each item a way a feed once ran script or took over a page of the default
# site (Hexo 8 and its landscape theme), through what Hexo and the theme do
# to a post after feedmill wrote it.
HOSTILE = [
    # Hexo's external_link filter put its attributes before the first
    # "href=" of the tag: here, inside the title.
    ("title", '<p><a title="href=x autofocus onfocus=alert(1) y=" href="https://e.example/">a</a></p>'),
    # … and rewrote the first rel='…' of the tag: here, inside the URL.
    ("rel", "<p><a href=\"https://e.example/?rel='x autofocus onfocus=alert(2) '\">b</a></p>"),
    # … whatever the case: its pattern ignores it.
    ("relcase", '<p><a title="REL=\'x autofocus onfocus=alert(5) \'" href="https://e.example/">c</a></p>'),
    # landscape wraps each image in '<a href="' + this.src + '">'.
    ("scheme", '<p><img src=\'tel:"><img src=x onerror=alert(6)>\'></p>'),
    # landscape's script makes a caption of the alt text, as HTML.
    ("alt", '<p><img src="https://img.example/a.jpg" alt="<img src=x onerror=alert(3)>"></p>'),
    # A theme's own class: landscape's fancybox layer is fixed and page-sized.
    (
        "class",
        '<p><a class="fancybox-container" href="https://e.example/login" '
        'style="background:#fff;font-size:40px">Session expired: sign in</a></p>',
    ),
    # Hexo cut the home page's excerpt at a "<!-- more -->" inside an iframe.
    ("iframe", '<p>watch</p><iframe src="https://www.youtube.com/embed/x"><!-- more --></iframe><p>after</p>'),
    # Hexo's open_graph helper threw on an image URL a browser cannot read,
    # and the post's page was written empty.
    ("url", '<p>picture</p><img src="//[x">'),
    # … or on a host with an invisible Hangul filler, which browsers refuse.
    ("filler", '<p>picture</p><img src="https://img\u3164.example.com/a.jpg">'),
    # A '"' in an image's host, which browsers take: landscape's
    # '<a href="' + this.src + '">' ended the attribute there.
    ("host", """<p><img src='http://x"autofocus=""onfocus="alert(7)"x=".com/a.png'></p>"""),
    # … also when a "\\" (a "/" to a browser) ends the host before an "@".
    ("slash", """<p><img src='http://x"autofocus=""onfocus="alert(8)"x=\\@e.com/a.png'></p>"""),
    # … or when the host is one no browser takes ("xⁿ--a" is "xn--a" to it):
    # img.src is then the attribute as written, quotes and all.
    ("mapped", """<p><img src='//x\u207f--a.com/a"autofocus=""onfocus="alert(9)"x=".png'></p>"""),
    # A named window keeps its opener, which may send this page elsewhere.
    ("target", '<p><a href="https://e.example/t" target="news">t</a></p>'),
    # Hexo's open_graph took the last "src='" of an image's tag for its URL:
    # here in a class; it threw on it, and the page was written empty …
    ("ogclass", """<p>picture</p><img src="https://img.example/a.png" class="src='https://[x'">"""),
    # … or wrote it unescaped into a <meta> of the page's head.
    ("ogmeta", """<p><img src="https://img.example/b.png" alt="图 src='http://x%22http-equiv=%22refresh%22data-x=%22'"></p>"""),
    # fancybox opened a picture ending in .pdf in an iframe without a sandbox.
    ("pdf", '<p>picture</p><img src="https://evil.example/photo.pdf">'),
    # … and a YouTube page, loading YouTube's script into the site's page too.
    ("video", '<p>picture</p><img src="https://www.youtube.com/watch?v=dQw4w9WgXcQ">'),
]  # fmt: skip
# A host with a '"' again, written "\\y" or "/\q" ("//y" to a browser) in
# items whose link is none or no http(s) one: left relative, unresolved,
# it was no host to the check of hosts.
UNRESOLVED = [
    ("nolink", """<p><img src=' \\\\y"autofocus=""onfocus="alert(10)"x=".com/a.png'></p>""", None),
    ("ftplink", """<p><img src='/\\q"autofocus=""onfocus="alert(11)"x=".com/a.png'></p>""", "ftp://evil.example/a"),
]  # fmt: skip


def test_a_hostile_feed_runs_no_script_and_takes_over_no_page(tmp_path: Path) -> None:
    from playwright.sync_api import Dialog, sync_playwright

    site = tmp_path / "site"
    assert cli("init", str(site)).code == 0
    settings = site / "_config.yml"  # every post on one home page
    settings.write_text(settings.read_text().replace("per_page: 10", "per_page: 50"))
    items = [
        Item(f"条目 {name}", html, name, f"https://news.example.com/{name}.html")
        for name, html in HOSTILE
    ] + [Item(f"条目 {name}", html, name, link) for name, html, link in UNRESOLVED]
    # The feed's title names the channel: markup in it ran on every page
    # (Hexo's category list prints names as HTML).
    (site / "evil.xml").write_bytes(rss("<img src=x onerror=alert(4)>", items))
    # A channel every JavaScript object has: no category page was built.
    (site / "proto.xml").write_bytes(rss("源二 - constructor", [Item("原型", "<p>正文</p>", "p")]))
    feeds = [
        {"url": "evil.xml", "group": "组", "source": "源"},
        {"url": "proto.xml", "group": "组", "source": "源二"},
    ]
    config = write_config(site, feeds)
    assert cli("run", "-c", str(config)).code == 0
    result = hexo.generate(site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ERROR" not in result.stdout + result.stderr
    pages = hexo.post_pages(site)
    assert len(pages) == len(HOSTILE) + len(UNRESOLVED) + 1
    assert all(page.stat().st_size > 1000 for page in pages.values())
    assert (site / "public" / "categories" / "组" / "源二" / "index.html").is_file()

    handler = functools.partial(_Quiet, directory=str(site / "public"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    dialogs: list[str] = []

    def offline(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            route.fulfill(status=200, content_type="image/png", body=PIXEL)

    def dialog(d: Dialog) -> None:
        dialogs.append(d.message)
        d.dismiss()

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.route("**/*", offline)
                page.on("dialog", dialog)
                page.goto(base + "/", wait_until="networkidle")
                # Every post on the home page: no excerpt left open over the rest.
                assert page.locator("article").count() == len(HOSTILE) + len(UNRESOLVED) + 1
                assert page.locator("#footer").count() == 1
                for post in pages.values():
                    url = base + "/" + post.parent.relative_to(site / "public").as_posix() + "/"
                    page.goto(url, wait_until="networkidle")
                    page.wait_for_timeout(100)
                    targets = page.evaluate(
                        "() => [...document.querySelectorAll('.article-entry a[target]')]"
                        ".map(a => a.target)"
                    )
                    assert set(targets) <= {"_blank"}, (url, targets)
                    # Nothing of the post's lies over the middle of the page.
                    over = page.evaluate(
                        "() => { const e = document.elementFromPoint(640, 450);"
                        " return e ? e.closest('.article-entry a') !== null"
                        " && getComputedStyle(e.closest('a')).position === 'fixed' : false }"
                    )
                    assert not over, url
                    # Nothing of the post's in the page's head: Hexo's og:image
                    # tag holds a property and its content, nothing more.
                    extra = page.evaluate(
                        "() => [...document.querySelectorAll('head meta')]"
                        ".filter(m => m.hasAttribute('http-equiv') || m.hasAttribute('data-x'))"
                        ".map(m => m.outerHTML)"
                    )
                    assert extra == [], (url, extra)
                    # A picture opens in fancybox as a picture, not a frame.
                    pictures = page.locator(".article-entry a[data-fancybox]")
                    if pictures.count():
                        pictures.first.dispatch_event("click")
                        page.wait_for_timeout(300)
                        assert page.locator("iframe:not([sandbox])").count() == 0, url
                        page.keyboard.press("Escape")
                        # fancybox closes by going back in history (it pushed its
                        # #hash): done before the next goto, which it aborted once.
                        page.wait_for_function("() => location.hash === ''")
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    assert dialogs == []


def _one_post_site(
    folder: Path, title: str, html: str, names: tuple[str, str, str] = ("组", "源", "频道")
) -> Path:
    """A site made by `init`, with one post of ``html`` filed under ``names``
    (group, source, channel), built with Hexo."""
    site = folder / "site"
    assert cli("init", str(site)).code == 0
    group, source, channel = names
    (site / "f.xml").write_bytes(rss(f"{source} - {channel}", [Item(title, html, "p1")]))
    config = write_config(site, [{"url": "f.xml", "group": group, "source": source}])
    assert cli("run", "-c", str(config)).code == 0
    result = hexo.generate(site)
    assert result.returncode == 0, result.stdout + result.stderr
    return site


@contextmanager
def _post_served(site: Path) -> Iterator[str]:
    """The URL of the site's one post, its public/ served meanwhile."""
    handler = functools.partial(_Quiet, directory=str(site / "public"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    post = next(iter(hexo.post_pages(site).values()))
    try:
        yield base + "/" + post.parent.relative_to(site / "public").as_posix() + "/"
    finally:
        server.shutdown()
        server.server_close()


def _post_seen(
    site: Path, offline: Callable[[Route], None], script: str | None = None, width: int = 1024
) -> tuple[str, Any]:
    """The site's one post opened in Chromium at ``width`` px, what is not
    on loopback answered by ``offline``: its URL, and what ``script`` found."""
    from playwright.sync_api import sync_playwright

    with _post_served(site) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": 800})
            page.route("**/*", offline)
            page.goto(url, wait_until="networkidle")
            return url, page.evaluate(script) if script else None
        finally:
            browser.close()


def test_a_long_unbroken_title_stays_in_the_page_where_a_neighbour_names_it(
    tmp_path: Path,
) -> None:
    """landscape names the older and newer posts under a post: a title
    without a place to break (a status named by its URL) made the page wider
    than a phone's screen, and at 1280 px too; the archive's, a category's
    and a tag's lists cut it at the column's edge (the theme hides what
    overflows there: the rest could not be read)."""
    from playwright.sync_api import sync_playwright

    site = tmp_path / "site"
    assert cli("init", str(site)).code == 0
    long = "XXXXXXXXXX" + "Supercalifragilisticexpialidocious" * 4
    items = [
        Item(long, "<p>正文一</p>", "a", pub_date="Tue, 20 Sep 2022 16:01:00 GMT"),
        Item("短标题", "<p>正文二</p>", "b", pub_date="Wed, 21 Sep 2022 16:01:00 GMT"),
        Item("又一篇", "<p>正文三</p>", "c", pub_date="Mon, 19 Sep 2022 16:01:00 GMT"),
    ]
    (site / "f.xml").write_bytes(rss("源 - 频道", items))
    config = write_config(site, [{"url": "f.xml", "group": "组", "source": "源"}])
    assert cli("run", "-c", str(config)).code == 0
    result = hexo.generate(site)
    assert result.returncode == 0, result.stdout + result.stderr
    handler = functools.partial(_Quiet, directory=str(site / "public"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    pages = [
        base + "/" + page.parent.relative_to(site / "public").as_posix() + "/"
        for page in hexo.post_pages(site).values()
    ]
    lists = [f"{base}/archives/", f"{base}/archives/2022/09/", f"{base}/categories/组/"]
    wider: dict[str, int] = {}
    # How far a title's words reach past the column that holds them.
    clipped = """() => Math.max(0, ...Array.from(
        document.querySelectorAll('#main a, #main h1'),
        (el) => el.getBoundingClientRect().right
            - document.querySelector('#main').getBoundingClientRect().right))"""

    def offline(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            route.fulfill(status=200, body=b"")

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                for width in (375, 1280):
                    page = browser.new_page(viewport={"width": width, "height": 800})
                    page.route("**/*", offline)
                    for url in pages + lists:
                        page.goto(url, wait_until="networkidle")
                        assert page.locator("#main").count() == 1, url
                        over = page.evaluate(
                            "() => document.documentElement.scrollWidth - window.innerWidth"
                        )
                        over = max(over, round(page.evaluate(clipped)))
                        if over > 1:
                            wider[f"{width} {url}"] = over
                    page.close()
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    assert len(pages) == 3
    assert wider == {}


def test_no_picture_of_another_host_is_asked_for_with_the_sites_address(tmp_path: Path) -> None:
    """Chinese news CDNs refuse a picture whose request names another site.
    A post's own pictures carry referrerpolicy; a video's poster cannot, nor
    can what a theme draws from the front matter: the page's policy covers
    them (scripts/feedmill-referrer.js)."""

    html = (
        '<p>视频</p><video controls src="https://video.example/v.mp4" '
        'poster="https://img.example/poster.jpg"></video>'
        '<p><img src="https://img.example/inline.jpg"></p>'
    )
    site = _one_post_site(tmp_path, "带视频的新闻", html)
    assert "poster=" in next(iter((site / "source" / "_posts").glob("*.md"))).read_text()
    asked: dict[str, str | None] = {}  # URL of another host → the Referer it was sent

    def offline(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
            return
        asked[route.request.url] = route.request.all_headers().get("referer")
        route.fulfill(status=200, content_type="image/png", body=PIXEL)

    _post_seen(site, offline)
    assert "https://img.example/poster.jpg" in asked
    assert "https://img.example/inline.jpg" in asked
    assert {u: r for u, r in asked.items() if r} == {}


def test_a_table_wider_than_the_article_can_be_read_to_its_last_column(tmp_path: Path) -> None:
    """A results table of a dozen columns in the default theme: the article
    column hid what overflowed it, and the last columns could be neither
    seen nor scrolled to (scripts/feedmill-wide-content.js)."""

    head = "".join(f"<th>指标{i}</th>" for i in range(12))
    row = "".join(f"<td>{1234567.89 + i:,.2f}</td>" for i in range(11)) + "<td>最后一列</td>"
    html = f"<p>主要财务数据如下：</p><table><tr>{head}</tr><tr>{row}</tr></table>"
    site = _one_post_site(tmp_path, "年报摘要", html)

    def offline(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            route.fulfill(status=200, content_type="image/png", body=PIXEL)

    _, seen = _post_seen(
        site,
        offline,
        """() => {
            const table = document.querySelector('.article-entry table');
            const box = table.parentElement;  // (the box that scrolls: the table's own)
            const entry = document.querySelector('.article-entry').getBoundingClientRect();
            const wider = box.scrollWidth > box.clientWidth;
            box.scrollLeft = box.scrollWidth;
            const cells = table.querySelectorAll('td');
            const last = cells[cells.length - 1].getBoundingClientRect();
            return {wider, lastRight: last.right, entryRight: entry.right};
        }""",
    )
    assert seen["wider"], seen  # (else the table fits, and this tests nothing)
    assert seen["lastRight"] <= seen["entryRight"] + 1, seen


def test_a_narrow_table_an_emoticon_a_figure_and_latin_categories_read_as_written(
    tmp_path: Path,
) -> None:
    """In the default theme, with `init`'s scripts: a narrow table made the
    scrolling box shrank to its words (its columns run together, a
    `width="100%"` one a third of the column); each emoticon was drawn as a
    block on a line of its own; a figure whose alt text is its caption showed
    it twice; categories of Latin names, joined without a space, made every
    page wider than a phone's screen."""
    face = "https://face.t.sinajs.cn/t4/appstyle/expression/ext/normal/8f/2018new_haha_org.png"
    html = (
        "<table><tr><th>项目</th><th>2023年</th><th>同比</th></tr>"
        "<tr><td>营业收入</td><td>120.5</td><td>+12%</td></tr></table>"
        f'<p id="line">今天好开心<img alt="[哈哈]" src="{face}" style="width:1em; height:1em;">'
        "真的太好了</p>"
        '<figure><img src="https://img.example.com/a.png" alt="会议现场">'
        "<figcaption>会议现场</figcaption></figure>"
    )
    names = ("Programming", "StackOverflow", "JavaScript")
    site = _one_post_site(tmp_path, "Quarterly results", html, names)

    def offline(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            route.fulfill(status=200, content_type="image/png", body=PIXEL)

    script = """() => {
        const entry = document.querySelector('.article-entry');
        const row = document.querySelector('.article-entry tr').getBoundingClientRect();
        const line = document.querySelector('[id$=line]');
        return {
            column: entry.clientWidth,
            row: row.width,
            line: line.innerText,
            figure: document.querySelector('.article-entry figure').innerText,
            over: document.documentElement.scrollWidth - window.innerWidth,
        };
    }"""
    _, wide = _post_seen(site, offline, script)
    assert wide["row"] >= 0.9 * wide["column"], wide  # (landscape: `table{width:100%}`)
    assert wide["line"] == "今天好开心真的太好了", wide
    assert wide["figure"].count("会议现场") == 1, wide
    _, phone = _post_seen(site, offline, script, width=320)
    assert phone["over"] <= 0, phone


def _png(width: int, height: int) -> bytes:
    """A grey PNG of ``width`` × ``height``: a picture whose proportions count."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_what_an_editor_made_wide_fits_the_column_and_pictures_keep_their_shape(
    tmp_path: Path,
) -> None:
    """At 375 px: a paragraph an editor set to 1200px and WordPress's captioned
    figure of its picture's width (1024px) hid the end of every line and most
    of the picture; a picture whose style set its height as well as its width
    was narrowed and drawn at that height, stretched (scripts/feedmill-wide-content.js)."""

    words = "光伏行业将迎来新一轮洗牌，龙头企业的成本优势持续扩大。" * 6
    html = (
        f'<p id="wide" style="width:1200px">{words}</p>'
        '<figure id="figure" style="width: 1024px" class="wp-caption">'
        '<img src="https://img.example/wp-1024x683.png" width="1024" height="683">'
        "<figcaption>图注</figcaption></figure>"
        '<p><img id="sized" src="https://img.example/chart.png" style="width:600px;height:400px;"></p>'
        # Sized by its height alone, or cropped: as the editor drew it.
        '<p><img id="icon" src="https://img.example/icon.png" style="height:24px;max-width:100%">'
        '<img id="auto" src="https://img.example/icon.png" style="width:auto;height:24px">'
        '<img id="crop" src="https://img.example/chart.png"'
        ' style="width:200px;height:100px;object-fit:cover"></p>'
        # A player in a table keeps its width (the table scrolls), styled or not.
        '<table><tr><td><iframe id="player" style="width:480px;height:270px"'
        ' src="https://player.bilibili.com/player.html?aid=3"></iframe></td></tr></table>'
    )
    site = _one_post_site(tmp_path, "年报图表", html)
    pictures = {
        "wp-1024x683.png": _png(1024, 683),
        "chart.png": _png(600, 400),
        "icon.png": _png(40, 40),
    }

    def offline(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            body = pictures.get(route.request.url.rsplit("/", 1)[-1], PIXEL)
            route.fulfill(status=200, content_type="image/png", body=body)

    _, seen = _post_seen(
        site,
        offline,
        """() => {
            const right = el => el.getBoundingClientRect().right;
            const entry = document.querySelector('.article-entry');
            const wide = document.querySelector('[id$=wide]');
            const figure = document.querySelector('[id$=figure]');
            const box = id => document.querySelector(`[id$=${id}]`).getBoundingClientRect();
            return {
                right: right(entry),
                wide: right(wide),
                figure: right(figure),
                figurePicture: right(figure.querySelector('img')),
                sized: [box('sized').width, box('sized').height],
                icon: box('icon').height,
                auto: box('auto').height,
                crop: [box('crop').width, box('crop').height],
                player: box('player').width,
            };
        }""",
        width=375,
    )
    assert seen["wide"] <= seen["right"] + 1, seen
    assert seen["figure"] <= seen["right"] + 1, seen
    assert seen["figurePicture"] <= seen["right"] + 1, seen
    width, height = seen["sized"]
    assert width < 600, seen  # (else it fits, and this tests nothing)
    assert abs(height - width * 400 / 600) <= 2, seen
    assert seen["icon"] == seen["auto"] == 24, seen
    assert seen["crop"] == [200, 100], seen
    assert seen["player"] == 480, seen


def test_on_a_phone_players_boxes_and_long_titles_stay_readable(tmp_path: Path) -> None:
    """At 375 px: a bilibili player of 640 px hid half of itself (its
    controls); a box an editor set to a page's width (WeChat's 677px
    sections) hid the end of every line; a title without a place to break
    was cut (scripts/feedmill-wide-content.js).
    And YouTube's player, which refuses to play without one, is sent the
    site's origin as its Referer; no other player or picture is sent one."""

    words = "光伏行业将迎来新一轮洗牌，龙头企业的成本优势持续扩大。" * 6
    html = (
        '<p><iframe width="640" height="360" src="https://player.bilibili.com/player.html'
        '?aid=1&amp;bvid=BV1" allowfullscreen></iframe></p>'
        '<p><iframe width="560" height="315" src="https://www.youtube.com/embed/g-X7Pkx20G0"'
        ' referrerpolicy="no-referrer"></iframe></p>'
        f'<section style="width: 677px; margin: 0 auto;"><p id="box">{words}</p></section>'
        # A player in a table keeps its width: the table scrolls.
        '<table><tr><td><iframe width="480" height="270" src="https://player.bilibili.com/'
        f'player.html?aid=2"></iframe></td><td><p>{words}</p></td></tr></table>'
    )
    title = "Release_notes_for_the_quarterly_financial_statement_2022Q3_final_version_v2"
    site = _one_post_site(tmp_path, title, html)
    asked: dict[str, str | None] = {}

    def offline(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            asked[route.request.url] = route.request.all_headers().get("referer")
            route.fulfill(status=200, content_type="text/html", body="<html></html>")

    url, seen = _post_seen(
        site,
        offline,
        """() => {
            const entry = document.querySelector('.article-entry');
            const players = [...document.querySelectorAll('.article-entry p iframe')];
            const cell = document.querySelector('.article-entry td iframe');
            const box = document.querySelector('[id$=box]');
            const title = document.querySelector('.article-title');
            return {
                right: entry.getBoundingClientRect().right,
                frame: Math.max(...players.map(f => f.getBoundingClientRect().right)),
                box: box.getBoundingClientRect().right,
                title: title.scrollWidth - title.clientWidth,
                cell: cell.getBoundingClientRect().width,
                scrolls: getComputedStyle(entry).overflowX,
            };
        }""",
        width=375,
    )
    assert seen["frame"] <= seen["right"] + 1, seen
    assert seen["box"] <= seen["right"] + 1, seen
    assert seen["title"] <= 1, seen
    assert seen["cell"] == 480, seen
    # (The article itself is no scroll box: a box of a fixed height at its end
    # would give it a scroll bar of its own.)
    assert seen["scrolls"] == "visible", seen
    origin = url.split("/")[0] + "//" + url.split("/")[2] + "/"
    referers = {urlsplit(u).hostname: r for u, r in asked.items()}
    assert referers["www.youtube.com"] == origin
    assert {h: r for h, r in referers.items() if r and h != "www.youtube.com"} == {}
