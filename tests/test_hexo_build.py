"""The demo output built with real Hexo 8: every post has its page and its categories."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from html import unescape
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from ruamel.yaml import YAML

from support import hexo
from support.site import cli, posts

pytestmark = [pytest.mark.hexo, pytest.mark.slow]


def front_matter(text: str) -> dict:
    return YAML(typ="safe", pure=True).load(text.split("---\n", 2)[1])


@pytest.fixture(scope="module")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("hexo") / "demo"
    assert cli("demo", str(site)).code == 0
    result = hexo.generate(site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "YAMLException" not in result.stdout + result.stderr
    return site


def test_hexo_8_is_what_builds_the_site(built_demo: Path) -> None:
    assert hexo.hexo_version().startswith("8.")


def test_every_post_has_a_page(built_demo: Path) -> None:
    written = posts(built_demo)
    pages = hexo.post_pages(built_demo)
    assert len(written) == 44
    assert {name[: -len(".md")] for name in written} == set(pages)


def test_hexo_skips_what_feedmill_keeps_beside_the_posts(built_demo: Path) -> None:
    assert (built_demo / "source" / "_posts" / ".feedmill.lock").is_file()  # the site lock
    assert not [p for p in (built_demo / "public").rglob("*") if "feedmill" in p.name]


def test_every_page_asks_the_browser_to_send_no_referer(built_demo: Path) -> None:
    """Pictures a theme draws from the front matter (headimg, thumbnail) and
    video posters cannot carry referrerpolicy: the page's own policy covers
    them (scripts/feedmill-referrer.js, written by init)."""
    meta = '<meta name="referrer" content="no-referrer">'
    pages = [*hexo.post_pages(built_demo).values(), built_demo / "public" / "index.html"]
    pages += (built_demo / "public" / "categories").rglob("index.html")
    for page in pages:
        head = page.read_text(encoding="utf-8").split("</head>", 1)[0]
        assert meta in head, page


def test_every_post_is_listed_under_its_category_path(built_demo: Path) -> None:
    pages = hexo.post_pages(built_demo)
    public = built_demo / "public"
    for name, text in posts(built_demo).items():
        meta = front_matter(text)
        group, source, channel = meta["categories"]
        category = public / "categories" / group / source / channel
        assert (category / "index.html").is_file(), category
        page = pages[name[: -len(".md")]]
        url = "/" + page.parent.relative_to(public).as_posix() + "/"
        assert url in hexo.links_under(category), (name, category)


def test_post_page_shows_title_and_body(built_demo: Path) -> None:
    pages = hexo.post_pages(built_demo)
    page = next(p for slug, p in pages.items() if slug.startswith("上海科技创新实力迈上新台阶"))
    html = page.read_text(encoding="utf-8")
    assert "上海科技创新实力迈上新台阶 全球影响力显著提升" in html
    assert 'class="trsHotWords"' in html and 'code="300024"' in html


def _dates_and_urls(site: Path, tz: str) -> dict[str, tuple[str, str]]:
    """slug → (URL path, datetime shown) of every post, built under machine zone ``tz``."""
    import re

    result = hexo.generate(site, tz=tz)
    assert result.returncode == 0, result.stdout + result.stderr
    out = {}
    for slug, page in hexo.post_pages(site).items():
        html = page.read_text(encoding="utf-8")
        shown = re.search(r'<time class="post-date" datetime="([^"]+)"', html).group(1)
        out[slug] = (page.parent.relative_to(site / "public").as_posix(), shown)
    return out


@pytest.mark.parametrize("date_style", ["local", "rfc822"])
def test_every_post_keeps_its_date_and_url_on_any_build_machine(
    tmp_path: Path, date_style: str
) -> None:
    site = tmp_path / "demo"
    assert cli("demo", str(site)).code == 0
    config = site / "feedmill.yml"
    config.write_text(config.read_text(encoding="utf-8") + f"date_style: {date_style}\n", "utf-8")
    assert cli("run", "-c", str(config)).code == 0  # the style change rewrites every post
    if date_style == "local":
        assert "\ndate: 2022-09-21 00:01:00\n" in "".join(posts(site).values())
    hexo.use_theme(site, "bare")
    utc = _dates_and_urls(site, "UTC")
    shanghai = _dates_and_urls(site, "Asia/Shanghai")
    assert len(utc) == 44 and utc == shanghai
    # The seed (16:01 GMT on the 20th) is on the 21st in the site's zone.
    seed = next(v for k, v in utc.items() if k.startswith("上海科技创新实力迈上新台阶"))
    assert seed[0].startswith("2022/09/21/")
    assert seed[1] == "2022-09-20T16:01:00.000Z"


def test_a_zone_named_in_other_case_keeps_every_date_and_url_too(tmp_path: Path) -> None:
    """Hexo reads `asia/shanghai` as Asia/Shanghai; Node read TZ=asia/shanghai
    as UTC: every post eight hours early, a Beijing morning's on the day before."""
    site = tmp_path / "demo"
    assert cli("demo", str(site)).code == 0
    hexo_config = site / "_config.yml"
    text = hexo_config.read_text(encoding="utf-8")
    assert "\ntimezone: Asia/Shanghai\n" in text
    hexo_config.write_text(text.replace("Asia/Shanghai", "asia/shanghai"), encoding="utf-8")
    hexo.use_theme(site, "bare")
    utc = _dates_and_urls(site, "UTC")
    assert utc == _dates_and_urls(site, "Asia/Shanghai")
    seed = next(v for k, v in utc.items() if k.startswith("上海科技创新实力迈上新台阶"))
    assert seed == (seed[0], "2022-09-20T16:01:00.000Z") and seed[0].startswith("2022/09/21/")


def test_without_the_timezone_script_the_url_depends_on_the_build_machine(tmp_path: Path) -> None:
    """Why `feedmill init` writes scripts/feedmill-timezone.js (Hexo's own behaviour)."""
    site = tmp_path / "demo"
    assert cli("demo", str(site)).code == 0
    (site / "scripts" / "feedmill-timezone.js").unlink()
    hexo.use_theme(site, "bare")
    utc = _dates_and_urls(site, "UTC")
    shanghai = _dates_and_urls(site, "Asia/Shanghai")
    assert utc != shanghai


def test_a_channel_taken_from_a_long_feed_title_still_builds(tmp_path: Path) -> None:
    """Hexo makes a folder of each category: a 324-byte feed title as the
    channel stopped the whole site's build (ENAMETOOLONG)."""
    from support.feeds import Item, rss
    from support.site import write_config

    site = tmp_path / "site"
    assert cli("init", str(site)).code == 0
    long_title = "测试源 - " + "关于证券市场每日要闻与深度分析的频道" * 6
    (site / "long.xml").write_bytes(rss(long_title, [Item(title="要闻一则", guid="1")]))
    (site / "marks.xml").write_bytes(rss("测试源 - ???", [Item(title="要闻二则", guid="2")]))
    write_config(
        site,
        [
            {"url": "long.xml", "group": "g", "source": "测试源"},
            {"url": "marks.xml", "group": "g", "source": "测试源"},
        ],
    )
    assert cli("run", "-c", str(site / "feedmill.yml")).code == 0
    chains = sorted(front_matter(t)["categories"] for t in posts(site).values())
    assert chains[0] == ["g", "测试源"]  # "???" names no page: no channel
    assert len(chains[1][2].encode()) <= 200 and chains[1][2].startswith("关于证券市场")
    hexo.use_theme(site, "bare")
    result = hexo.generate(site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(hexo.post_pages(site)) == 2


def test_a_themes_table_of_contents_links_to_each_heading(tmp_path: Path) -> None:
    """NexT, Butterfly and Redefine draw Hexo's `toc` of a post: its entries
    link to the headings' ids, and an article's headings had none."""
    import re

    from support.feeds import Item, rss
    from support.site import write_config

    site = tmp_path / "site"
    assert cli("init", str(site)).code == 0
    body = '<h2>前言</h2><p>甲</p><h3 id="s1">已有</h3><p>乙</p><h2>结语</h2><p>丙</p>'
    (site / "a.xml").write_bytes(rss("源", [Item(title="有目录的文章", html=body, guid="1")]))
    write_config(site, [{"url": "a.xml", "group": "g", "source": "s"}])
    assert cli("run", "-c", str(site / "feedmill.yml")).code == 0
    (site / "scripts" / "toc-of-each-post.js").write_text(
        "hexo.extend.generator.register('tocs', function (locals) {\n"
        "  const toc = hexo.extend.helper.get('toc').bind(hexo);\n"
        "  const tocs = locals.posts.map(post => ({path: post.path, toc: toc(post.content)}));\n"
        "  return {path: 'tocs.json', data: JSON.stringify(tocs)};\n"
        "});\n",
        encoding="utf-8",
    )
    result = hexo.generate(site)
    assert result.returncode == 0, result.stdout + result.stderr
    [post] = json.loads((site / "public" / "tocs.json").read_text(encoding="utf-8"))
    links = re.findall(r'href="#([^"]*)"', post["toc"])
    assert [link.rpartition("-")[2] for link in links] == ["s2", "s1", "s3"]
    assert all(re.fullmatch(r"fm-[0-9a-f]{6}-s\d", link) for link in links)
    page = (site / "public" / unquote(post["path"]) / "index.html").read_text(encoding="utf-8")
    for link in links:
        assert f'id="{link}"' in page
    assert re.findall(r'toc-text">([^<]*)<', post["toc"]) == ["前言", "已有", "结语"]


def test_init_in_a_node_projects_folder_makes_a_site_hexo_builds(tmp_path: Path) -> None:
    """A folder where `npm init` ran: `init` kept its package.json, which has
    no "hexo" key, and Hexo took the folder for no site — `hexo generate`
    printed its usage and exited 0, building nothing."""
    site = tmp_path / "news"
    site.mkdir()
    (site / "package.json").write_text(
        '{"name": "news", "version": "1.0.0", "scripts": {"test": "echo"},\n'
        ' "dependencies": {"hexo": "^8.1.0", "left-pad": "1.3.0"}}',
        encoding="utf-8",
    )
    result = cli("init", str(site))
    assert result.code == 0, result.stderr
    assert f"updated {site / 'package.json'}" in result.stdout
    package = json.loads((site / "package.json").read_text(encoding="utf-8"))
    assert package["name"] == "news" and package["scripts"] == {"test": "echo"}
    assert "hexo" in package and package["dependencies"]["left-pad"] == "1.3.0"
    assert package["dependencies"]["hexo"] == "^8.1.0"  # its own version kept
    assert "hexo-renderer-ejs" in package["dependencies"]
    from support.feeds import Item, rss
    from support.site import write_config

    (site / "a.xml").write_bytes(rss("源", [Item(title="要闻一则", guid="1")]))
    write_config(site, [{"url": "a.xml", "group": "g", "source": "s"}])
    assert cli("run", "-c", str(site / "feedmill.yml")).code == 0
    built = hexo.generate(site)
    assert built.returncode == 0, built.stdout + built.stderr
    assert len(hexo.post_pages(site)) == 1
    # Again: a Hexo site's package.json, kept as it is.
    before = (site / "package.json").read_bytes()
    assert f"kept    {site / 'package.json'}" in cli("init", str(site)).stdout
    assert (site / "package.json").read_bytes() == before
    # One feedmill cannot add to: kept, and said.
    for text in ("[1, 2]", "{not json", '{"dependencies": ["hexo"]}'):
        other = tmp_path / "other"
        shutil.rmtree(other, ignore_errors=True)
        other.mkdir()
        (other / "package.json").write_text(text, encoding="utf-8")
        said = " ".join(cli("init", str(other)).stdout.split())
        assert "package.json is no Hexo site's" in said, text
        assert (other / "package.json").read_text(encoding="utf-8") == text


def test_a_page_of_whole_posts_has_each_id_once(tmp_path: Path) -> None:
    """landscape's index shows whole posts: two articles with a heading and a
    footnote gave the page each id twice, and the second's note link led
    to the first's note — so did two feeds of one source whose items share
    guids (a site's 要闻 and 公司 lists)."""
    import re

    from support.feeds import Item, rss
    from support.site import posts, write_config

    site = tmp_path / "site"
    assert cli("init", str(site)).code == 0
    body = '<h2>前言</h2><p>甲<a href="#n1">[1]</a></p><p id="n1">注</p>'
    for name in ("a", "b"):
        items = [
            Item(title=f"{name}文章{n}", html=body, guid=str(n), link=f"https://e.cn/{name}/{n}")
            for n in (1, 2)
        ]
        (site / f"{name}.xml").write_bytes(rss("源", items))
    feeds = [{"url": f"{name}.xml", "group": "g", "source": "s"} for name in ("a", "b")]
    write_config(site, feeds, dedupe=False)
    assert cli("run", "-c", str(site / "feedmill.yml")).code == 0
    written = posts(site)
    assert len(written) == 4
    # Written again from the database, each post keeps its ids: not one byte changes.
    assert cli("publish", "--rebuild", "-c", str(site / "feedmill.yml")).code == 0
    assert posts(site) == written
    result = hexo.generate(site)
    assert result.returncode == 0, result.stdout + result.stderr
    index = (site / "public" / "index.html").read_text(encoding="utf-8")
    ids = re.findall(r'\sid="(fm-[^"]*)"', index)
    assert len(ids) == 8 and len(set(ids)) == 8
    notes = re.findall(r'href="#(fm-[^"]*)"', index)
    assert len(notes) == 4 and set(notes) <= set(ids) and len(set(notes)) == 4


def test_a_site_with_its_own_source_folder_gets_the_posts_where_hexo_reads(
    tmp_path: Path,
) -> None:
    """A Hexo site may name another source folder (`source_dir: src`): posts
    written to source/_posts were never built, and `init` made a source/."""
    from support.feeds import Item, rss
    from support.site import write_config

    plain = tmp_path / "plain"
    assert cli("init", str(plain)).code == 0
    site = tmp_path / "blog"
    (site / "src" / "_posts").mkdir(parents=True)
    settings = (plain / "_config.yml").read_text(encoding="utf-8")
    assert "\nsource_dir: source\n" in settings
    settings = settings.replace("\nsource_dir: source\n", "\nsource_dir: src\n")
    (site / "_config.yml").write_text(settings, encoding="utf-8")
    (site / "src" / "_posts" / "mine.md").write_text(
        "---\ntitle: 我的文章\ndate: 2025-09-01 10:00:00\n---\n\n正文\n", encoding="utf-8"
    )
    result = cli("init", str(site))
    assert result.code == 0
    assert not (site / "source").exists()
    (site / "f.xml").write_bytes(rss("源 - 频道", [Item(title="要闻一则", guid="1")]))
    write_config(site, [{"url": "f.xml", "group": "组", "source": "源"}])
    assert cli("run", "-c", str(site / "feedmill.yml")).code == 0
    assert not (site / "source").exists()
    ours = [p.name for p in (site / "src" / "_posts").glob("*.md") if p.name != "mine.md"]
    assert len(ours) == 1
    hexo.use_theme(site, "bare")
    result = hexo.generate(site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(hexo.post_pages(site)) == {"mine", ours[0].removesuffix(".md")}


def test_the_tests_build_with_what_init_gives_a_site() -> None:
    site = json.loads((resources.files("feedmill") / "site" / "package.json").read_text())
    tests = json.loads((hexo.MODULES.parent / "package.json").read_text())
    assert site["dependencies"] == tests["dependencies"]


def test_the_site_has_the_feed_its_theme_links(built_demo: Path) -> None:
    """landscape links /atom.xml on every page: it was a 404."""
    index = (built_demo / "public" / "index.html").read_text(encoding="utf-8")
    assert 'href="/atom.xml"' in index
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(built_demo / "public" / "atom.xml").getroot()
    entries = feed.findall(f"{atom}entry")
    assert len(entries) == 20  # the newest of the 44 posts
    pages = {
        f"/{p.parent.relative_to(built_demo / 'public').as_posix()}/"
        for p in hexo.post_pages(built_demo).values()
    }
    for entry in entries:
        link = entry.find(f"{atom}link")
        assert link is not None
        path = link.get("href", "").removeprefix("http://example.com")
        assert unquote(path) in pages
        assert entry.findtext(f"{atom}title")
        # Updated when its item was (the file's time is when feedmill or a
        # clone last wrote it): the demo's items are of 2022.
        assert entry.findtext(f"{atom}updated") == entry.findtext(f"{atom}published")


def _pages_built_with(site: Path, template: str, items: list[Any]) -> list[str]:
    """The post pages Hexo builds of ``items``, written with the site's own
    ``template`` (a file in the site)."""
    from support.feeds import rss
    from support.site import write_config

    (site / "a.xml").write_bytes(rss("源", items))
    config = write_config(
        site, [{"url": "a.xml", "group": "g", "source": "源"}], post_template=template
    )
    assert cli("run", "-c", str(config)).code == 0
    hexo.use_theme(site, "bare")
    result = hexo.generate(site)
    assert result.returncode == 0, result.stdout + result.stderr
    return [page.read_text(encoding="utf-8") for page in hexo.post_pages(site).values()]


def test_a_template_that_writes_the_body_on_a_line_of_its_own_shows_its_text_as_text(
    tmp_path: Path,
) -> None:
    """A body that began with text or an inline tag (a weibo's "转发微博 …
    <br><img>") was a paragraph of Markdown where a template wrote it alone
    on its line: "[点此](javascript:…)" in its text a link that ran script,
    "*ST康美与*ST长生" in italics."""
    from support.feeds import Item

    site = tmp_path / "site"
    assert cli("init", str(site)).code == 0
    (site / "own.md.j2").write_text(
        "---\ntitle: {{ title | yaml_quote }}\n---\n\n{{ body }}\n\n"
        "{% if link %}[原文]({{ link }}){% endif %}\n",
        encoding="utf-8",
    )
    weibo = Item(
        "转发",
        "转发微博 [点此查看](javascript:alert(document.domain)) <br>"
        '<img src="https://wx1.sinaimg.cn/large/abc.jpg">',
        "1",
    )
    stock = Item("复牌", "<span>*ST康美与*ST长生</span> 今日复牌", "2")
    pages = _pages_built_with(site, "own.md.j2", [weibo, stock])
    assert len(pages) == 2 and not any('href="javascript' in html for html in pages)
    assert any("[点此查看](javascript:alert(document.domain))" in html for html in pages)
    assert any("*ST康美与*ST长生" in html and "<em>" not in html for html in pages)


def test_a_template_of_markdown_lines_makes_no_link_of_an_items_fields(tmp_path: Path) -> None:
    """Hexo reads a template's lines outside HTML as Markdown, and its renderer
    keeps `javascript:` addresses: an item's link ending in
    ")[点此](javascript:…)", or its title written as a Markdown link, made a
    link of its own that ran script when clicked."""
    from support.feeds import Item

    site = tmp_path / "site"
    assert cli("init", str(site)).code == 0
    (site / "markdown.md.j2").write_text(
        "---\ntitle: {{ title | yaml_quote }}\n---\n"
        "[原文链接]({{ link }})\n\n## {{ title | html }}\n\n{{ title | html }}\n\n"
        "<div>{{ body }}</div>\n",
        encoding="utf-8",
    )
    link = "https://news.example.com/a_(1)[x].html)[点此阅读全文](javascript:alert(2))"
    item = Item("[重要通知](javascript:alert(1))", "<p>正文</p>", "1", link)
    # (A backslash ends the host to a browser: what follows it is no host's.)
    slashed = Item(
        "二", "<p>正文二</p>", "2", "https://news.example.com\\a)[点此](javascript:alert(3))"
    )
    # A headline's Markdown marks are its text; a link's "&not_read" no "¬_read".
    marked = Item(
        "1. *ST康美与*ST长生 a\\_b `码` H~2~O 分隔 --- 与 -- 破折号... 见www.sse.com.cn、"
        "https://e.cn/a、ir@e.cn C# #",
        "<p>正文三</p>",
        "3",
        "https://news.example.com/show.php?id=1&not_read=1&sect_id=2&copy",
    )
    pages = _pages_built_with(site, "markdown.md.j2", [item, slashed, marked])
    assert len(pages) == 3 and not any('href="javascript' in html for html in pages)
    html = next(html for html in pages if "正文三" in html)
    (heading,) = re.findall(r"<h2[^>]*>(.*?)</h2>", html)
    heading = re.sub(r'<a [^>]*class="headerlink"[^>]*></a>', "", heading)
    assert "<" not in heading and unescape(heading) == marked.title
    (line,) = re.findall(r"</h2>\s*<p>(.*?)</p>", html)  # (a line of its own: no list)
    assert "<" not in line and unescape(line) == marked.title
    (href,) = re.findall(r'href="([^"]*)">原文链接</a>', html)
    assert unescape(href) == marked.link
    html = next(html for html in pages if "重要通知" in html)
    assert 'href="https://news.example.com/a_%281%29%5Bx%5D.html%29%5B' in html
    assert "&#91;重要通知&#93;(javascript:alert(1))</h2>" in html  # (text: "[重要通知](…)")
