"""The demo output built with real Hexo 8: every post has its page and its categories."""

from __future__ import annotations

from pathlib import Path

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
    assert len(written) == 43
    assert {name[: -len(".md")] for name in written} == set(pages)


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
