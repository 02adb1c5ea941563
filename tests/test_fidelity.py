"""What goes in is what readers see, and nothing else — checked with real Hexo 8.

178 hostile and awkward items (tests/data/fidelity/items.json: braces and
template tags, <pre> blocks, Markdown look-alikes, scripts, handlers, bad
URLs, SVG, iframes, every awkward title, lazy images, plain-text flash news,
CJK, emoji and RTL text) go through feedmill and a real `hexo generate` with
a theme that adds no scripts of its own.  For every post: its page exists,
the reader sees exactly the text of the sanitized article and the title as
written, and nothing unsafe is anywhere in public/.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import sqlite3
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from feedmill.normalize.document import normalize_feed
from feedmill.parse import parse_document
from feedmill.publish.render import shown_title
from feedmill.sanitize.clean import sanitize_html

from conftest import DATA
from support import hexo
from support.site import cli, posts, write_config

pytestmark = [pytest.mark.hexo, pytest.mark.slow]

ITEMS: list[dict[str, Any]] = json.loads((DATA / "fidelity" / "items.json").read_text("utf-8"))


def json_feed(items: list[dict[str, Any]]) -> bytes:
    """A JSON Feed (it can carry every character a title may hold, controls included)."""
    entries = []
    for item in items:
        entry = {"id": item["id"], "url": item["link"], "title": item["title"]}
        entry["content_html" if item["content_type"] == "html" else "content_text"] = item[
            "content"
        ]
        entries.append(entry)
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "保真 - 全部", "items": entries}
    return json.dumps(feed, ensure_ascii=False).encode("utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    site = tmp_path_factory.mktemp("fidelity") / "site"
    assert cli("init", str(site)).code == 0
    document = json_feed(ITEMS)
    (site / "fidelity.json").write_bytes(document)
    config = write_config(site, [{"url": "fidelity.json", "group": "测试", "source": "保真"}])
    result = cli("run", "-c", str(config))
    assert result.code == 0, result.stderr
    with sqlite3.connect(site / ".feedmill" / "state.db") as db:
        files = dict(
            db.execute("SELECT e.key, p.file_name FROM entries e JOIN posts p ON p.entry_id = e.id")
        )
    entries = {
        e.key: e
        for e in normalize_feed(
            parse_document(document), feed_url="https://x/", zone=ZoneInfo("UTC")
        )
    }
    hexo.use_theme(site, "bare")
    build = hexo.generate(site)
    return {"site": site, "build": build, "files": files, "entries": entries}


def page_of(built: dict[str, Any], item_id: str) -> Path:
    slug = built["files"][item_id][: -len(".md")]
    return hexo.post_pages(built["site"])[slug]


def test_the_readme_counts_the_items_there_are() -> None:
    """The figure README.md gives for this corpus is its size (it was stale)."""
    readme = (Path(__file__).parents[1] / "README.md").read_text("utf-8")
    said = {int(n) for n in re.findall(r"(\d+) hostile items", readme)}
    said |= {int(n) for n in re.findall(r"proves it on (\d+)", readme)}
    assert said == {len(ITEMS)}


def test_the_corpus_is_big_and_varied() -> None:
    assert len(ITEMS) >= 60
    assert len({item["category"] for item in ITEMS}) >= 12


def test_hexo_builds_without_errors(built: dict[str, Any]) -> None:
    build = built["build"]
    output = build.stdout + build.stderr
    assert build.returncode == 0, output
    assert "YAMLException" not in output and "ERROR" not in output


def test_every_post_has_a_page(built: dict[str, Any]) -> None:
    written = posts(built["site"])
    assert len(written) == len(ITEMS) == len(built["files"])
    pages = hexo.post_pages(built["site"])
    assert {name[: -len(".md")] for name in written} == set(pages)


@pytest.mark.parametrize("item", ITEMS, ids=[i["id"] for i in ITEMS])
def test_readers_see_the_sanitized_article_text(
    built: dict[str, Any], item: dict[str, Any]
) -> None:
    entry = built["entries"][item["id"]]
    clean = sanitize_html(entry.content, base_url=entry.link).html
    expected = hexo.visible_text(clean)
    if not expected and not re.search(r"<(?:img|video|audio|iframe|svg|object|embed)\b", clean):
        expected = entry.link  # a title alone: its post links to the article
    body = hexo.post_body(page_of(built, item["id"]))
    assert hexo.visible_text(body) == expected
    for snippet in item["must_keep"]:
        assert " ".join(snippet.split()) in hexo.visible_text(body), snippet
    for snippet in item["must_drop"]:
        assert snippet not in body, snippet


def expected_title(raw: str, text_shown: str = "") -> str:
    """Titles are plain text on one line: tags dropped, entities decoded, controls
    gone, what a theme would read as markup in other forms (`shown_title`, its
    cases in test_render); an item without one is named by the first sentence
    of the text shown."""
    text = re.sub(r"<[^>]*>", "", raw) if re.search(r"<[a-zA-Z/]", raw) else raw
    text = htmllib.unescape(text) if "&" in text else text
    text = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]", "", text)
    text = " ".join(text.split())
    if text:
        return shown_title(text, 150)
    return text_shown.split("。")[0].strip() or "(untitled)"


@pytest.mark.parametrize("item", ITEMS, ids=[i["id"] for i in ITEMS])
def test_titles_survive_yaml_as_written(built: dict[str, Any], item: dict[str, Any]) -> None:
    page = page_of(built, item["id"]).read_text(encoding="utf-8")
    heading = re.search(r'<h1 class="post-title">(.*?)</h1>', page, re.S).group(1)
    shown = hexo.visible_text(hexo.post_body(page_of(built, item["id"])))
    expected = item.get("title_shown") or expected_title(item["title"], shown)
    assert htmllib.unescape(heading) == expected


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("null", "null"),
        ("010", "010"),
        ("1e3", "1e3"),
        ("[x] 已完成：年度目标复盘", "[x] 已完成：年度目标复盘"),
        ("{{ title }} 模板变量出现在标题中", "{{ title }} 模板变量出现在标题中"),
        ("---", "---"),
        ("AT&amp;T 与 T-Mobile 合并传闻", "AT&T 与 T-Mobile 合并传闻"),
        ("   ", "(untitled)"),
    ],
)
def test_awkward_titles_read_as_a_reader_expects(raw: str, shown: str) -> None:
    assert expected_title(raw) == shown


def test_long_titles_are_cut_with_an_ellipsis(built: dict[str, Any]) -> None:
    long = [i for i in ITEMS if len(i["title"]) > 150]
    assert long
    for item in long:
        heading = expected_title(item["title"])
        assert heading.endswith("...")


def test_the_sites_own_feed_is_well_formed_xml(built: dict[str, Any]) -> None:
    """A numeric reference to U+0001 or U+FFFF in an article reached the post
    as the character, and hexo-generator-feed copied it into atom.xml: no
    reader could parse the site's feed while the post was among its newest."""
    import xml.etree.ElementTree as ET

    feed = ET.parse(built["site"] / "public" / "atom.xml").getroot()
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title") for e in feed]
    assert "行情数据接口返回异常字符" in titles


def test_nothing_unsafe_anywhere_in_public(built: dict[str, Any]) -> None:
    public = built["site"] / "public"
    unsafe = re.compile(r"<script|\son[a-z]+\s*=|javascript:|vbscript:", re.I)
    checked = 0
    for path in public.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json", ".js", ".txt", ""):
            text = path.read_text(encoding="utf-8", errors="replace")
            match = unsafe.search(text)
            assert match is None, (path, text[max(match.start() - 100, 0) : match.end() + 100])
            checked += 1
    assert checked > len(ITEMS)
