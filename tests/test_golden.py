"""The seed post: the exact format users expect, line by line."""

from __future__ import annotations

import re
from pathlib import Path

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

    assert int(numbers[0]) == placeholder_number("g-1")
    assert 0 <= placeholder_number("g-1") <= 9999
