"""The seed post: the exact format users expect, line by line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import DATA
from support.feeds import Item, rss
from support.site import cli, posts, write_config

SEED = DATA / "golden" / "stcn-seed.md"


def seed_article() -> tuple[str, str, str]:
    """(title, pubDate, body HTML) of the seed post."""
    text = SEED.read_text(encoding="utf-8")
    title = re.search(r"^title: '(.*)'$", text, re.M).group(1).replace("''", "'")
    body = text.split("\n<div>", 1)[1].split("\n", 2)[1]
    assert body.startswith("<p>") and body.endswith("</p>")
    return title, "Tue, 20 Sep 2022 16:01:00 GMT", body


def comparable(text: str) -> list[str]:
    """Lines without trailing spaces, blank lines dropped, placeholder number masked."""
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    return [re.sub(r"random=\d+", "random=N", line) for line in lines]


def test_seed_post_is_reproduced_line_by_line(tmp_path: Path) -> None:
    title, pub_date, body = seed_article()
    feed = tmp_path / "stcn.xml"
    feed.write_bytes(
        rss(
            "证券时报网 - 要闻",
            [
                Item(
                    title=title,
                    html=body,
                    guid="https://www.stcn.com/article/detail/681592.html",
                    link="https://www.stcn.com/article/detail/681592.html",
                    pub_date=pub_date,
                )
            ],
        )
    )
    config = write_config(tmp_path, [{"url": "stcn.xml", "group": "金融", "source": "证券时报网"}])

    result = cli("run", "-c", str(config))

    assert result.code == 0, result.stderr
    written = posts(tmp_path)
    assert len(written) == 1
    (text,) = written.values()
    assert comparable(text) == comparable(SEED.read_text(encoding="utf-8"))
    # The body passes through byte for byte, inside the <div>.
    assert f"<div>\n{body}\n</div>\n" in text
    # A real file starts with the front matter fence (no blank line first).
    assert text.startswith("---\n")


def test_placeholder_number_is_stable_and_in_range(tmp_path: Path) -> None:
    title, pub_date, body = seed_article()
    (tmp_path / "a.xml").write_bytes(
        rss("证券时报网 - 要闻", [Item(title=title, html=body, guid="g-1", pub_date=pub_date)])
    )
    config = write_config(tmp_path, [{"url": "a.xml", "group": "金融", "source": "证券时报网"}])
    assert cli("run", "-c", str(config)).code == 0
    (text,) = posts(tmp_path).values()
    numbers = re.findall(r"random=(\d+)", text)
    assert len(numbers) == 2 and numbers[0] == numbers[1]
    from feedmill.publish.render import placeholder_number

    assert int(numbers[0]) == placeholder_number(title)  # (no link: by its title)
    assert 0 <= placeholder_number("g-1") <= 9999


def test_posts_written_by_an_older_format_version_are_rewritten_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new FORMAT_VERSION (compose() writes other bytes for the same
    inputs) rewrites every post on the next run, even of a feed that did not
    change; then the posts are left alone again."""
    from feedmill.publish import render

    (tmp_path / "a.xml").write_bytes(
        rss("证券时报网 - 要闻", [Item(title=f"第{n}条", guid=f"g-{n}") for n in (1, 2)])
    )
    config = str(write_config(tmp_path, [{"url": "a.xml", "group": "金融", "source": "证券"}]))
    with monkeypatch.context() as older:  # the site as the previous version left it
        older.setattr(render, "FORMAT_VERSION", str(int(render.FORMAT_VERSION) - 1))
        assert cli("run", "-c", config).code == 0
    current = posts(tmp_path)
    assert len(current) == 2
    for name, text in current.items():  # what that version wrote
        old = text.replace("</div>\n", "</div>\n<!-- an older format -->\n")
        (tmp_path / "source" / "_posts" / name).write_text(old, encoding="utf-8")

    result = cli("run", "-c", config)

    assert result.code == 0, result.stderr
    assert "feeds: 0 ok, 1 unchanged" in result.stdout  # the feed itself did not change
    assert "posts: 0 new, 2 updated" in result.stdout
    assert posts(tmp_path) == current
    assert "posts: 0 new, 0 updated, 2 unchanged" in cli("run", "-c", config).stdout
