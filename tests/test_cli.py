"""The command line: config errors, init, demo, exit codes."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

from feedmill.config import parse_config

from support.feeds import Item, rss
from support.site import cli, fill_the_disk_after, posts, write_config


def test_names_that_hexos_category_map_tells_apart_are_accepted(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text(
        "title: x\ncategory_map:\n  C++: cpp\n  C#: csharp\n", encoding="utf-8"
    )
    for name in ("a.xml", "b.xml"):
        (tmp_path / name).write_bytes(rss("s", [Item(title=name, guid=name)]))
    config = write_config(
        tmp_path,
        [
            {"url": "a.xml", "group": "技术", "source": "掘金", "channel": "C++"},
            {"url": "b.xml", "group": "技术", "source": "掘金", "channel": "C#"},
        ],
    )
    assert cli("run", "-c", str(config)).code == 0


def test_names_that_differ_only_in_spaces_are_one_category_not_a_clash(tmp_path: Path) -> None:
    """Posts write a name with its spaces collapsed ("金融 " as 金融): two
    such names are one category, and were refused as sharing its page."""
    feeds = [
        {"url": "a.xml", "group": "金融 ", "source": "A  B"},
        {"url": "b.xml", "group": "金融", "source": "A B"},
    ]
    for name in ("a.xml", "b.xml"):
        (tmp_path / name).write_bytes(rss("s", [Item(title=name, guid=name)]))
    result = cli("run", "-c", str(write_config(tmp_path, feeds)))
    assert result.code == 0, result.stderr
    assert all("\n - 金融\n - A B\n" in text for text in posts(tmp_path).values())


@pytest.mark.parametrize(
    ("site", "channels", "page"),
    [
        # Hexo slugs in the site's filename_case: one page for both.
        ("filename_case: 1\n", ("IT之家", "it之家"), "/categories/技术/掘金/it之家/"),
        # An empty category_map entry maps nothing (Hexo: map[name] || name).
        ("category_map:\n  'C#': ''\n", ("C++", "C#"), "/categories/技术/掘金/C/"),
    ],
)
def test_names_one_page_by_the_sites_own_settings_are_refused(
    tmp_path: Path, site: str, channels: tuple[str, str], page: str
) -> None:
    (tmp_path / "_config.yml").write_text(f"title: x\n{site}", encoding="utf-8")
    feeds = [
        {"url": f"{n}.xml", "group": "技术", "source": "掘金", "channel": c}
        for n, c in zip("ab", channels, strict=True)
    ]
    result = cli("run", "-c", str(write_config(tmp_path, feeds)))
    assert result.code == 2
    assert f"would share one Hexo category page, {page}" in result.stderr.replace("\n", "")


def test_a_name_sharing_a_page_with_a_removed_feeds_posts_is_said(tmp_path: Path) -> None:
    """A removed feed's posts keep their categories: a new name Hexo gives
    the same page ("C#" after "C++") lists one's posts only — said at each run
    (the config alone cannot tell), with the way out."""
    for name, count in (("a", 2), ("b", 1)):
        (tmp_path / f"{name}.xml").write_bytes(
            rss("掘金", [Item(f"文章{name}{i}", "<p>正文</p>", f"{name}{i}") for i in range(count)])
        )
    old = {"url": "a.xml", "group": "技术", "source": "掘金", "channel": "C++"}
    assert cli("run", "-c", str(write_config(tmp_path, [old]))).code == 0
    new = {"url": "b.xml", "group": "技术", "source": "掘金", "channel": "C#"}
    result = cli("run", "-c", str(write_config(tmp_path, [new])))
    assert result.code == 0 and len(posts(tmp_path)) == 3
    said = " ".join(result.stderr.split())
    note = (
        "the posts of a.xml, a feed no longer in the config, are filed under 'C++', which "
        "shares Hexo's category page /categories/技术/掘金/C/ with 'C#' of b.xml"
    )
    assert note in said
    assert "category_map" in said
    # One of its posts deleted by hand: the other is still on that page.
    first = min(name for name, text in posts(tmp_path).items() if "C++" in text)
    (tmp_path / "source" / "_posts" / first).unlink()
    again = cli("run", "-c", str(write_config(tmp_path, [new])))
    assert note in " ".join(again.stderr.split())
    # Mapped in the site's own config (Hexo's cure), or another name: nothing to say.
    (tmp_path / "_config.yml").write_text("category_map:\n  'C#': csharp\n", encoding="utf-8")
    assert "filed under" not in cli("run", "-c", str(write_config(tmp_path, [new]))).stderr
    (tmp_path / "_config.yml").unlink()
    other = {**new, "channel": "CSharp"}
    assert "filed under" not in cli("run", "-c", str(write_config(tmp_path, [other]))).stderr
    # A post edited by hand into front matter YAML cannot read: not looked at.
    for name, text in posts(tmp_path).items():
        if "C++" in text:
            edited = text.replace("comments: false", "comments: false\nsticky: !!bool maybe")
            (tmp_path / "source" / "_posts" / name).write_text(edited, encoding="utf-8")
    again = cli("run", "-c", str(write_config(tmp_path, [new])))
    assert again.code == 0 and "Traceback" not in again.stderr


def test_a_section_with_every_key_commented_out_is_its_defaults(tmp_path: Path) -> None:
    text = "feeds: []\n" + "".join(
        f"{section}:\n  # timeout: 60\n"
        for section in ("fetch", "sanitize", "rules", "fulltext", "dedupe")
    )
    config = parse_config(text, tmp_path / "feedmill.yml")
    assert config.fetch == parse_config("feeds: []\n", tmp_path / "feedmill.yml").fetch
    assert config.dedupe is True
    # `tags:` on, as `tags: true`; a list of rules with every rule commented out is none
    # (they were "expected true, false or a mapping, got nothing", "expected a list").
    text = (
        "tags:\n  # keywords: 5\nrules:\n  block:\n    # - title: 广告\n  keep:\n"
        "feeds:\n  - url: a.xml\n    group: g\n    source: s\n    rules:\n      block:\n"
    )
    config = parse_config(text, tmp_path / "feedmill.yml")
    assert (
        config.tags_settings
        == parse_config("tags: true\nfeeds: []\n", tmp_path / "x").tags_settings
    )
    assert config.rules.block == config.rules.keep == ()
    assert config.feeds[0].rules is not None and config.feeds[0].rules.block == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("feeds: [\n", "YAML error"),
        (
            "feeds:\n  - url: a.xml\n\tgroup: g\n",
            "feedmill.yml:3: YAML error: a tab: YAML indents with spaces only",
        ),
        (  # a colour code pasted with a name: said with its line
            'x: 1\nfeeds:\n  - url: a.xml\n    group: "g\x1b[0m"\n',
            "feedmill.yml:4: YAML error: a control character (U+001B)",
        ),
        (  # … after Chinese names (libyaml counts bytes) and a BOM
            "\ufeff# 财经\nfeeds:\n  - {url: a.xml, group: 金融财经, source: 证券时报网}\n"
            '  - url: b.xml\n    group: "g\x1b[31m"\n',
            "feedmill.yml:5: YAML error: a control character (U+001B)",
        ),
        (  # a quote left open: where it opens, not the file's end
            'feeds:\n  - url: "a.xml\n    group: g\n    source: s\n\n',
            "feedmill.yml:2: YAML error: while scanning a quoted scalar",
        ),
        (  # … a brace left open: the line of its feed, not the next one
            "site: .\nfeeds:\n  - {url: http://a/b, group: 金融, source: 证券时报网\n"
            "  - {url: http://a/c, group: g, source: s}\n",
            "feedmill.yml:3: YAML error: while parsing a flow mapping",
        ),
        (  # what a Chinese input method types: named, on its own line
            "site: .\nfeeds:\n  - url: http://a/b\n    group： 金融\n    source: X\n",
            "feedmill.yml:4: YAML error: a full-width colon ： after a key: YAML needs ':'",
        ),
        (
            "site： .\nfeeds:\n  - {url: http://a/b, group: g, source: s}\n",
            "feedmill.yml:1: YAML error: a full-width colon ：",
        ),
        (
            "feeds:\n  - url: http://a/b\n\u3000\u3000group: g\n    source: X\n",
            "feedmill.yml:3: YAML error: a full-width space (U+3000) in the indentation",
        ),
        (  # … where YAML reads the line as a key of the level above: not
            # "source: missing" about line 2, nor "unknown key" about line 4
            "feeds:\n  - url: a.xml\n    group: 金融\n\u3000  source: s\n",
            "feedmill.yml:4: YAML error: a full-width space (U+3000) in the indentation",
        ),
        (
            "interval: 15m\n\u3000feeds:\n  - {url: a.xml, group: g, source: s}\n",
            "feedmill.yml:2: YAML error: a full-width space (U+3000) in the indentation",
        ),
        (  # a list item's full-width dash
            "feeds:\n  \uff0d url: a.xml\n    group: g\n    source: s\n",
            "feedmill.yml:2: YAML error: a full-width dash \uff0d before a list item: "
            "YAML needs '-'",
        ),
        # A key's colon without its space: PyYAML's words, on the next line.
        ("site:.\nfeeds: []\n", "feedmill.yml:1: YAML error: no space after `site:`"),
        (
            "site: .\nfeeds:\n  - url:http://a/b\n    group: g\n    source: s\n",
            "feedmill.yml:3: YAML error: no space after `url:`: YAML needs one (`url: …`)",
        ),
        (
            "feeds:\n  - url: http://a/b\n    group:金融\n    source: s\n",
            "feedmill.yml:3: YAML error: no space after `group:`",
        ),
        (  # a value holding ": " unquoted: YAML read a second key in it
            "feeds:\n  - url: http://a/b\n    group: 财经\n    source: 新浪: 财经\n",
            "feedmill.yml:4: YAML error: a value holding ': ' must be quoted: "
            "`source: '新浪: 财经'`",
        ),
        (
            "feeds:\n  - {url: http://a/b, group: g, source: s}\n  - url: http://a/c\n"
            "    group: g\n    source: It's: new  # (a comment)\n",
            "feedmill.yml:5: YAML error: a value holding ': ' must be quoted: "
            "`source: 'It''s: new'`",
        ),
        (  # (a tab after its colon is a separator too)
            "feeds:\n  - url: http://a/b\n    group: g\n    source: 新浪:\t财经\n",
            "feedmill.yml:4: YAML error: a value holding ': ' must be quoted: `source: '新浪:",
        ),
        (  # (a "#" not after a space is the value's, not a comment)
            "feeds:\n  - url: http://a/b\n    group: g\n    source: C#: 新浪#1\n",
            "feedmill.yml:4: YAML error: a value holding ': ' must be quoted: "
            "`source: 'C#: 新浪#1'`",
        ),
        (  # … a feed's keys on one line without braces: quoted, a URL of them all
            "feeds:\n  - url: https://rsshub.app/stcn/yw, group: 金融, source: 证券时报网\n",
            "feedmill.yml:2: YAML error: keys on one line need braces around them: "
            "`- {url: https://rsshub.app/stcn/yw, group: 金融, source: 证券时报网}`",
        ),
        (  # … a comment after them stays out of the braces
            "feeds:\n  - url: https://a.example/rss, group: 金融, source: 证券时报网  # 要闻\n",
            "feedmill.yml:2: YAML error: keys on one line need braces around them: "
            "`- {url: https://a.example/rss, group: 金融, source: 证券时报网}  # 要闻`",
        ),
        (  # … nor where a comma of the URL would make a key of its rest in them
            "feeds:\n  - url: https://a.example/q?type=8-K,10-K&o=atom, group: g, source: s\n",
            "feedmill.yml:2: YAML error: `url: …` holds the key `group` too: write one key a line",
        ),
        (  # … an input method's full-width commas too
            "feeds:\n  - url: https://a.example/rss，group: 金融，source: 证券\n",
            "feedmill.yml:2: YAML error: `url: …` holds the key `group` too: write one key a line",
        ),
        (  # … where braces would not mend it (the item goes on below): a key a line
            "feeds:\n  - url: https://a.example/rss, group: 金融\n    source: 证券时报网\n",
            "feedmill.yml:2: YAML error: `url: …` holds the key `group` too: write one key a line",
        ),
        (
            "feeds:\n  - url: https://a.example/rss\n    group: 金融, source: 证券时报网\n",
            "feedmill.yml:3: YAML error: `group: …` holds the key `source` too: write one key a line",
        ),
        (  # (a quote inside a word opens no string: `Moody's`)
            "feeds:\n  - url: http://a/b\n    group: g\n    source: s\n"
            "    rules: {keep: [{title: Moody's}]}}\n",
            "feedmill.yml:5: YAML error: `{keep: [{title: Moody's}]}}` closes one `}` more",
        ),
        (  # … a bracket closed once too often: quoted, a text where a mapping belongs
            "feeds:\n  - url: http://a/b\n    group: g\n    source: s\n"
            "    rules: {keep: [{title: 央行|证监会}]}}\n",
            "feedmill.yml:5: YAML error: `{keep: [{title: 央行|证监会}]}}` closes one `}` more"
            " than it opens: remove it",
        ),
        (  # … not a list's word (`- source code`): the mistake is the next line's
            "rules:\n  block:\n    - keywords:\n        - source code\n"
            "          group: 财经\nfeeds: []\n",
            "feedmill.yml:5: YAML error: mapping values are not allowed in this context",
        ),
        # A value YAML reads otherwise by its first character: an alias (*ST
        # stocks), an anchor, a tag, a flow list, a reserved character.
        (
            "feeds:\n  - url: http://a/b\n    group: g\n    channel: *ST金科\n    source: s\n",
            "feedmill.yml:4: YAML error: a value beginning with '*' must be quoted: "
            "`channel: '*ST金科'`",
        ),
        (
            "feeds:\n  - url: http://a/b\n    group: g\n    channel: *ST  # 退市\n    source: s\n",
            "feedmill.yml:4: YAML error: `*ST` is read as an alias of an anchor `&ST`, not there;"
            " a value beginning with '*' must be quoted: `channel: '*ST'`",
        ),
        (
            "feeds:\n  - url: http://a/b\n    group: g\n    source: @证券时报\n",
            "feedmill.yml:4: YAML error: a value beginning with '@' must be quoted: "
            "`source: '@证券时报'`",
        ),
        (
            "feeds:\n  - url: http://a/b\n    source: &公司\n    group: g\n",
            "feedmill.yml:3: YAML error: a value beginning with '&' must be quoted",
        ),
        (
            "feeds:\n  - url: http://a/b\n    source: !重要 新闻\n    group: g\n",
            "feedmill.yml:3: YAML error: a value beginning with '!' must be quoted",
        ),
        (  # … not a list or mapping left open: quoted, it would be no list
            "site: .\nfeeds: [{url: http://a/b, group: g, source: s}\n",
            "feedmill.yml:2: YAML error: while parsing a flow sequence",
        ),
        (  # (a quote inside a word opens no string: `Bob's`)
            "feeds:\n  - url: http://a/b\n    group: [Bob's] picks\n    source: s\n",
            "feedmill.yml:3: YAML error: a value beginning with '[' must be quoted: "
            "`group: '[Bob''s] picks'`",
        ),
        (  # (`''` is a quote inside a quoted string)
            "feeds:\n  - url: http://a/b\n    group: ['it''s, [new'] picks\n    source: s\n",
            "feedmill.yml:3: YAML error: a value beginning with '[' must be quoted",
        ),
        (
            "feeds:\n  - url: http://a/b\n    group: [港股] 新闻\n    source: s\n",
            "feedmill.yml:3: YAML error: a value beginning with '[' must be quoted: "
            "`group: '[港股] 新闻'`",
        ),
        (  # a hint quotes the line: a URL's password and access key left out
            "feeds:\n  - url: https://u:PASSW0RD@h.example/rss?key=SEKRET: x\n"
            "    group: g\n    source: s\n",
            "feedmill.yml:2: YAML error: a value holding ': ' must be quoted: "
            "`url: 'https://h.example/rss?key=…",
        ),
        (
            "feeds:\n  - url: https://u:PASSW0RD@h.example/rss?key=SEKRET, group: g, source: s\n",
            "feedmill.yml:2: YAML error: keys on one line need braces around them: "
            "`- {url: https://h.example/rss?key=…, group: g, source: s}`",
        ),
        (  # a key without its colon: named on its line, not the next one's
            "site .\nfeeds:\n  - {url: http://a/b, group: g, source: s}\n",
            "feedmill.yml:1: YAML error: no colon after `site`: YAML needs one (`site: …`)",
        ),
        (  # … among a feed's keys, where YAML said "could not find expected ':'"
            "feeds:\n  - url: http://a/b\n    group 财经\n    source: 证券时报网\n",
            "feedmill.yml:3: YAML error: no colon after `group`: YAML needs one (`group: …`)",
        ),
        (  # … with a comment after it, or a value that begins with "-"
            "feeds:\n  - url: http://a/b\n    group 财经  # note: 财经\n    source: s\n",
            "feedmill.yml:3: YAML error: no colon after `group`: YAML needs one (`group: …`)",
        ),
        (
            "feeds:\n  - url: http://a/b\n    group -x\n    source: s\n",
            "feedmill.yml:3: YAML error: no colon after `group`: YAML needs one (`group: …`)",
        ),
        (  # … a URL (a colon, not ": "), also after a feed's dash, its dash as deep as `feeds:`
            "feeds:\n  - group: g\n    url https://a.example/rss\n    source: s\n",
            "feedmill.yml:3: YAML error: no colon after `url`: YAML needs one (`url: …`)",
        ),
        (
            "feeds:\n  - {url: http://a/b, group: g, source: s}\n\n  # next\n"
            "  - url https://a.example/rss\n    group: g\n    source: s\n",
            "feedmill.yml:5: YAML error: no colon after `url`: YAML needs one (`url: …`)",
        ),
        (
            "feeds:\n- url https://a.example/rss\n  group: g\n  source: s\n",
            "feedmill.yml:2: YAML error: no colon after `url`: YAML needs one (`url: …`)",
        ),
        (  # … on the first line, after a byte-order mark
            "\ufeffsite .\nfeeds: []\n",
            "feedmill.yml:1: YAML error: no colon after `site`: YAML needs one (`site: …`)",
        ),
        (  # … a feed's first key with a comment after it (YAML: "expected '-' indicator")
            "feeds:\n  - url: http://a/b\n    group: g\n  - url https://b.example/  # new\n"
            "    group: g\n    source: t\n",
            "feedmill.yml:4: YAML error: no colon after `url`: YAML needs one (`url: …`)",
        ),
        (  # … not a line of a longer text that reads so (the colon would mend nothing)
            "fetch:\n  user_agent: feedmill/1.0 (a news bot; details\n    in https://e.org/bot)\n"
            "  header: Referer: https://e.org\nfeeds: []\n",
            "feedmill.yml:4: YAML error: mapping values are not allowed in this context",
        ),
        (
            "feeds:\n  - url: http://a/b\n    group: g\n    title: |\n      source https://x\n"
            '    source: "新浪": 财经\n',
            "feedmill.yml:6: YAML error: mapping values are not allowed in this context",
        ),
        (  # … a run of them: the first (YAML read the two lines as one)
            "fetch:\n  timeout 5\n  proxy x\n  user_agent: y\nfeeds: []\n",
            "feedmill.yml:2: YAML error: no colon after `timeout`: YAML needs one (`timeout: …`)",
        ),
        (
            "feeds:\n  - url https://a.example/rss\n    group 财经\n    source: 证券时报网\n",
            "feedmill.yml:2: YAML error: no colon after `url`: YAML needs one (`url: …`)",
        ),
        (  # … also a run after other keys, blank lines in it, a value YAML would refuse
            "fetch:\n  user_agent: x\n  timeout 5\n\n  proxy x\n  concurrency: 8\nfeeds: []\n",
            "feedmill.yml:3: YAML error: no colon after `timeout`: YAML needs one (`timeout: …`)",
        ),
        (
            "feeds:\n  - url: https://a.example/\n    source @证券时报\n    group: g\n",
            "feedmill.yml:3: YAML error: no colon after `source`: YAML needs one (`source: …`)",
        ),
        (  # … its value going on below it (a wrapped text, a flow list)
            "feeds:\n  - url: https://a.example/\n    source 证券时报网\n      要闻频道\n    group: x\n",
            "feedmill.yml:3: YAML error: no colon after `source`: YAML needs one (`source: …`)",
        ),
        (
            "rules:\n  block:\n    - name: ads\n      keywords [广告,\n        推广]\n      in: [title]\n"
            "feeds: []\n",
            "feedmill.yml:4: YAML error: no colon after `keywords`: YAML needs one (`keywords: …`)",
        ),
        (  # … under a quoted section name
            '"fetch":\n  timeout 5\n  proxy: http://p.example:8080\nfeeds: []\n',
            "feedmill.yml:2: YAML error: no colon after `timeout`: YAML needs one (`timeout: …`)",
        ),
        (  # … whatever a duplicate key further up (not YAML's syntax: read later)
            "site: .\nsite: .\nfetch:\n  timeout 5\n  proxy: x\nfeeds: []\n",
            "feedmill.yml:4: YAML error: no colon after `timeout`: YAML needs one (`timeout: …`)",
        ),
        (  # … in an item after a bare dash, in a merge's mapping, or with " #" in quotes
            "feeds:\n  -\n    url: http://a/b\n    group 财经\n    source: s\n",
            "feedmill.yml:4: YAML error: no colon after `group`: YAML needs one (`group: …`)",
        ),
        (
            "feeds:\n  - <<: &stcn\n      group 金融\n      timezone: Asia/Shanghai\n"
            "    url: a\n    source: s\n",
            "feedmill.yml:3: YAML error: no colon after `group`: YAML needs one (`group: …`)",
        ),
        (
            'feeds:\n  - url: a\n    source "频道 #1"\n    group: g\n',
            "feedmill.yml:3: YAML error: no colon after `source`: YAML needs one (`source: …`)",
        ),
        (  # … nor a key of another section (`in` is a rule's, not fetch's)
            "fetch:\n  user_agent: feedmill/1.0 (bot; details\n  in https://e.org/bot)\nfeeds: []\n",
            "feedmill.yml:3: YAML error: while scanning a simple key could not find expected ':'",
        ),
        (  # … not a word that is no key of the config: YAML's own words
            "feeds:\n  - url: http://a/b\n    colour red\n    source: 证券时报网\n",
            "feedmill.yml:3: YAML error: while scanning a simple key could not find expected ':'",
        ),
        (  # … a section's only key: YAML read the section as one text
            "fetch:\n  timeout 30\nfeeds: []\n",
            "feedmill.yml:1: fetch: expected a mapping, got a string (`timeout 30`: `timeout`"
            " and its value? Write `timeout: …` on a line of its own under `fetch:`)",
        ),
        (  # (`tags` is true, false or a mapping)
            "tags:\n  max_tags 5\nfeeds: []\n",
            "(`max_tags 5`: `max_tags` and its value? Write `max_tags: …` on a line of its own"
            " under `tags:`)",
        ),
        (
            "fetch: hello world\nfeeds: []\n",
            "feedmill.yml:1: fetch: expected a mapping, got a string",
        ),
        (  # a list's item: after its dash
            "feeds:\n  - url http://a.example/feed\n",
            "feeds[0]: expected a mapping, got a string (`url http://a.example/feed`: `url` and its"
            " value? Write `url: …` after its dash (`- url: …`))",
        ),
        (  # a key only the loader sets, or another section's: no hint to write it
            "path /x\nfeeds: []\n",
            "feedmill.yml:2: YAML error: mapping values are not allowed in this context",
        ),
        (  # … not a word of a list further up (`re:Invent`): the error is another's
            "rules:\n  block:\n    - keywords:\n        - re:Invent\n"
            "feeds:\n  - url: 'http://a/b\n    group: g\n    source: s\n",
            "feedmill.yml:6: YAML error: while scanning a quoted scalar",
        ),
        (  # … nor a full-width colon in a list's word further up (`- A股：停牌`)
            "feeds:\n  - url: https://a.example/rss\n    group: g\n    source: s\n"
            "rules:\n  block:\n    - keywords:\n        - A股：停牌\n        - AI：大模型\n"
            'timezone: Asia/Shanghai\nsite: ".\n',
            "feedmill.yml:11: YAML error: while scanning a quoted scalar",
        ),
        (  # a quoted URL's trailing space: the same feed, not another (a 404)
            "feeds:\n  - {url: 'https://e.org/a.xml', group: g, source: s}\n"
            "  - {url: 'https://e.org/a.xml ', group: g, source: t}\n",
            "feeds[1] (https://e.org/a.xml): url: duplicate of feeds[0]",
        ),
        ("feeds:\n  - url: a.xml\n    group: g\n", "feeds[0] (a.xml): source: missing (required)"),
        (
            "feeds:\n  - url: a.xml\n    group: 12\n    source: s\n",
            "feeds[0] (a.xml): group: expected a string, got an integer",
        ),
        (
            "feeds:\n  - url: a.xml\n    group: g\n    source: s\n    colour: red\n",
            "feeds[0] (a.xml): colour: unknown key",
        ),
        (
            "feeds:\n  - {url: a.xml, group: g, source: s}\n"
            "  - {url: ./a.xml, group: g, source: t}\n",
            "feeds[1] (./a.xml): url: duplicate of feeds[0]",
        ),
        (
            "feeds:\n  - {url: 'https://e.org/a', group: g, source: s}\n"
            "  - {url: 'HTTPS://E.org:443/a', group: g, source: t}\n",
            "feeds[1] (HTTPS://E.org:443/a): url: duplicate of feeds[0]",
        ),
        (  # the same request: a fragment never reaches the server
            "feeds:\n  - {url: 'https://e.org/a.xml', group: g, source: s}\n"
            "  - {url: 'https://e.org/a.xml#force_feed', group: g, source: t}\n",
            "feeds[1] (https://e.org/a.xml#force_feed): url: duplicate of feeds[0]",
        ),
        (  # the same request: a route as RSSHub's docs show it, and as a browser copies it
            "feeds:\n  - {url: 'https://r.example/weibo/keyword/热点', group: g, source: s}\n"
            "  - {url: 'https://r.example/weibo/keyword/%e7%83%ad%E7%82%B9', group: g, source: t}\n",
            "feeds[1] (https://r.example/weibo/keyword/%e7%83%ad%E7%82%B9): url: duplicate of feeds[0]",
        ),
        (
            "feeds:\n  - {url: 'https://例子.中国/rss', group: g, source: s}\n"
            "  - {url: 'https://xn--fsqu00a.xn--fiqs8s/rss', group: g, source: t}\n",
            "feeds[1] (https://xn--fsqu00a.xn--fiqs8s/rss): url: duplicate of feeds[0]",
        ),
        ("sitee: .\nfeeds: []\n", "sitee: unknown key (did you mean site?)"),
        # What the loader sets is no key of the file, nor suggested as one.
        ("named: /etc/passwd\nfeeds: []\n", ":1: named: unknown key"),
        ("path: x\nfeeds: []\n", ":1: path: unknown key"),
        ("intreval: 15m\nfeeds: []\n", ":1: intreval: unknown key (did you mean interval?)"),
        ("concurrency: 5\nfeeds: []\n", "concurrency: unknown key (it goes under fetch:)"),
        # A setting for every feed goes under fetch:, not into each feed.
        ("timeout: 30\nfeeds: []\n", "timeout: unknown key (it goes under fetch:)"),
        (  # a fetch setting among full text's: article pages are fetched by its rules
            "fulltext:\n  connect_timeout: 5\nfeeds: []\n",
            "fulltext.connect_timeout: unknown key (it goes under fetch:)",
        ),
        (
            "feeds:\n  - {url: a.xml, group: g, source: s, max_age: 7d}\n",
            "feeds[0] (a.xml): max_age: unknown key (it goes under the feed's rules:)",
        ),
        (  # (a file named so beside the config)
            "state: 'sqlite:state.db'\nfeeds: []\n",
            ":1: state: 'sqlite:state.db' is no URL: write sqlite:///state.db (three slashes),"
            " or just state.db",
        ),
        (  # (an absolute path keeps its slash: not a file beside the config)
            "state: 'sqlite:/srv/news/state.db'\nfeeds: []\n",
            ":1: state: 'sqlite:/srv/news/state.db' is no URL: write sqlite:////srv/news/state.db,"
            " or just /srv/news/state.db",
        ),
        ("state: 'sqlite::memory:'\nfeeds: []\n", "state: an in-memory database keeps nothing"),
        (  # (SQLAlchemy read state.db as a host: exit 1 and its list of URL forms)
            "state: 'sqlite://state.db'\nfeeds: []\n",
            ":1: state: 'sqlite://state.db' names no file: write sqlite:///state.db (three"
            " slashes), or just state.db",
        ),
        # A bare number under an hour is seconds no one means for an item's
        # age: every item was held back, for good.
        (
            "rules:\n  max_age: 7\nfeeds: []\n",
            ":2: rules.max_age: 7 is 7 seconds: every item older would be held back for good;"
            " write 7d for days, 7h for hours (7s if seconds are meant)",
        ),
        (  # (copies of one story come minutes apart: none would have merged)
            "dedupe:\n  window: 24\nfeeds: []\n",
            ":2: dedupe.window: 24 is 24 seconds: copies of one story further apart would be"
            " posted each; write 24h for hours, 24d for days (24s if seconds are meant)",
        ),
        (
            "feeds:\n  - {url: a.xml, group: g, source: s, user_agent: x}\n",
            "user_agent: unknown key (it goes under fetch: at the top level)",
        ),
        # A top-level key in a section or a feed is named too.
        (
            "fetch:\n  interval: 5m\nfeeds: []\n",
            "fetch.interval: unknown key (it goes at the top level, or in a feed)",
        ),
        (
            "dedupe:\n  backoff_cap: 2h\nfeeds: []\n",
            "dedupe.backoff_cap: unknown key (it goes at the top level)",
        ),
        (  # a feed's `fulltext: true`; the top level's is a section of settings
            "fetch:\n  fulltext: true\nfeeds: []\n",
            "fetch.fulltext: unknown key (it goes in a feed, or as a section at the top level)",
        ),
        (
            "feeds:\n  - {url: a.xml, group: g, source: s, dedupe: false}\n",
            "feeds[0] (a.xml): dedupe: unknown key (it goes at the top level)",
        ),
        (
            "feeds:\n  - {url: a.xml, group: g, sorce: s}\n",
            "feeds[0] (a.xml): sorce: unknown key (did you mean source?)",
        ),
        (  # a key in capitals, a feed's address by another of its names
            "feeds:\n  - {URL: a.xml, group: g, source: s}\n",
            "feeds[0]: URL: unknown key (did you mean url?)",
        ),
        (
            "feeds:\n  - {link: a.xml, group: g, source: s}\n",
            "feeds[0]: link: unknown key (did you mean url?)",
        ),
        (  # beside its url, a link is the site's page: no guess at a key it has
            "feeds:\n  - {url: a.xml, link: 'https://example.com/', group: g, source: s}\n",
            "feeds[0] (a.xml): link: unknown key\n",
        ),
        ("feeds: []\nSITE: .\n", "SITE: unknown key (did you mean site?)"),
        (  # the key as written in the file (in), not as the code names it (in_)
            "rules:\n  block:\n    - {inn: [title], match: x}\nfeeds: []\n",
            "inn: unknown key (did you mean in?)",
        ),
        (
            "feeds:\n  - {url: rsshub.app/stcn/yw, group: g, source: s}\n",
            ":2: feeds[0] (rsshub.app/stcn/yw): url: no such file (a feed on the web? "
            "https://rsshub.app/stcn/yw)",
        ),
        (  # a local RSSHub without its scheme: the README's own example host
            "feeds:\n  - {url: '127.0.0.1:1200/stcn/yw', group: g, source: s}\n",
            "url: no such file (a feed on the web? http://127.0.0.1:1200/stcn/yw)",
        ),
        (
            "feeds:\n  - {url: 'localhost:1200/stcn/yw', group: g, source: s}\n",
            "url: no such file (a feed on the web? http://localhost:1200/stcn/yw)",
        ),
        (
            "feeds:\n  - {url: 'https:/rsshub.app/stcn/yw', group: g, source: s}\n",
            "url: 'https:/rsshub.app/stcn/yw' is not a URL (a scheme needs ://)",
        ),
        (  # protocol-relative, as a page's links are written
            "feeds:\n  - {url: '//127.0.0.1:1200/stcn/yw', group: g, source: s}\n",
            "url: no such file (a feed on the web? http://127.0.0.1:1200/stcn/yw)",
        ),
        # moved_from is checked as the url is: a typo stored the feed as new,
        # and the fixed moved_from found a feed with a history of its own.
        (
            "feeds:\n  - {url: 'http://b.example/rss', group: g, source: s,"
            " moved_from: '127.0.0.1:1200/stcn/yw'}\n",
            ":2: feeds[0] (http://b.example/rss): moved_from: no such file (a feed on the web?"
            " http://127.0.0.1:1200/stcn/yw)",
        ),
        (
            "feeds:\n  - {url: 'http://b.example/rss', group: g, source: s,"
            " moved_from: 'rsshub.app/bilibili/user/video/2267573'}\n",
            "moved_from: no such file (a feed on the web?"
            " https://rsshub.app/bilibili/user/video/2267573)",
        ),
        (
            "feeds:\n  - {url: 'http://b.example/rss', group: g, source: s,"
            " moved_from: ['http://a.example/rss', 'https:/a.example/rss']}\n",
            "moved_from: 'https:/a.example/rss' is not a URL (a scheme needs ://)",
        ),
        (
            "feeds:\n  - {url: 'http://b.example/rss', group: g, source: s,"
            " moved_from: 'http：//a.example/rss'}\n",
            "moved_from: 'http：//a.example/rss' is not a URL (quotes, or full-width letters or"
            " colon, from an input method?): http://a.example/rss",
        ),
        (
            "feeds:\n  - {url: 'http://b.example/rss', group: g, source: s,"
            " moved_from: 'ftp://a.example/rss'}\n",
            "moved_from: unsupported URL scheme 'ftp'",
        ),
        # What an input method types: quotes, a full-width colon or letters.
        (
            "feeds:\n  - {url: ‘http://127.0.0.1:1200/stcn/yw’, group: g, source: s}\n",
            ":2: feeds[0] (‘http://127.0.0.1:1200/stcn/yw’): url: '‘http://127.0.0.1:1200/stcn/yw’'"
            " is not a URL (quotes, or full-width letters or colon, from an input method?):"
            " http://127.0.0.1:1200/stcn/yw",
        ),
        (
            "feeds:\n  - {url: 'http：//a.example/rss', group: g, source: s}\n",
            ": http://a.example/rss",
        ),
        (  # (spaces are no input method's)
            "feeds:\n  - {url: ' https://a.example/rss', group: g, source: s}\n",
            "url: ' https://a.example/rss' has spaces around it: https://a.example/rss",
        ),
        (
            "feeds:\n  - {url: 'ｈｔｔｐｓ://a.example/rss', group: g, source: s}\n",
            ": https://a.example/rss",
        ),
        (
            "feeds:\n  - {url: 'https//a.example/rss', group: g, source: s}\n",
            ": https://a.example/rss",
        ),
        (
            "feeds:\n  - {url: 'https://[::1/rss', group: g, source: s}\n",
            ":2: feeds[0] (https://[::1/rss): url: not a URL: Invalid IPv6 URL",
        ),
        (
            "feeds:\n  - {url: 'https://r.example:99999/rss', group: g, source: s}\n",
            "url: not a URL: Port out of range 0-65535",
        ),
        (
            "fetch:\n  headers:\n    Cookie: a\n    X-Token: 12345\n",
            ":4: fetch.headers.X-Token: expected a string, got an",
        ),
        (
            "feeds:\n  - {url: a.xml, group: g, source: s, headers: {Cookie: null}}\n",
            ":2: feeds[0] (a.xml): headers: Cookie: expected a string, got nothing",
        ),
        ("fetch: {max_body: 0.5}\n", "a whole number or a text such as 15MiB, got a number"),
        ("dedupe: maybe\n", "dedupe: expected true, false or a mapping, got a string"),
        ("date_style: iso\n", "date_style: 'iso' is not one of rfc822 or local"),
        ("feeds: {}\n", "feeds: expected a list, got a mapping"),
        ("sanitize: {iframe_hosts: a.b}\n", "sanitize.iframe_hosts: expected a list, got a string"),
        (
            "feeds:\n  - {url: a.xml, group: 2024, source: s}\n",
            "group: expected a string, got an integer (put it in quotes)",
        ),
        (
            "tags: {stock_format: '{nam}'}\nfeeds: []\n",
            ":1: tags.stock_format: '{nam}': unknown placeholder {nam}; use {name}",
        ),
        # At the line of the key that is wrong, not of `tags:`.
        ("tags:\n  keywords: 2\n\n  max_tags: 0\nfeeds: []\n", ":4: tags.max_tags: must be 1 or"),
        ("tags:\n  keywords: -1\nfeeds: []\n", ":2: tags.keywords: must be 0 (none) or more"),
        (
            "placeholder_image: 'https://img.example/{m}.jpg'\nfeeds: []\n",
            ":1: placeholder_image: unknown placeholder {m}; use {n} (0–9999)",
        ),
        ("timezone: Mars/Olympus\nfeeds: []\n", "unknown time zone"),
        ("feeds:\n  - {url: 'gopher://x', group: g, source: s}\n", "unsupported URL scheme"),
        (
            "fetch: {proxy: '127.0.0.1:7890'}\nfeeds: []\n",
            "proxy: '127.0.0.1:7890' is not a proxy URL",
        ),
        (
            "feeds:\n  - {url: a.xml, group: g, source: s, proxy: 'socks5://127.0.0.1:1080'}\n",
            "feeds[0] (a.xml): proxy: socks5 proxies are not supported",
        ),
        # No proxy, as people write it: the way to say so named.
        (
            "feeds:\n  - {url: a.xml, group: g, source: s, proxy: off}\n",
            "proxy: expected a string, got true or false (no proxy for this feed, whatever"
            " fetch.proxy says: `proxy: direct`)",
        ),
        ("fetch: {proxy: false}\nfeeds: []\n", "got true or false (no proxy: leave `proxy` out)"),
        (
            "feeds:\n  - {url: a.xml, group: g, source: s, proxy: 'off'}\n",
            "proxy: 'off' is not a proxy URL: for none, write direct",
        ),
        # The switch is each feed's; the section, how its pages are fetched.
        (
            "fulltext: true\nfeeds: []\n",
            ":1: fulltext: expected a mapping, got true or false (`fulltext: true` goes on each feed",
        ),
        # (Accepted, these failed every feed on every pass: "invalid URL".)
        (
            "fetch: {proxy: 'http://127.0.0.1:99999'}\nfeeds: []\n",
            ":1: fetch.proxy: 'http://127.0.0.1:99999' is not a proxy URL: Port out of range",
        ),
        ("fetch: {proxy: 'http://127.0.0.1:abc'}\nfeeds: []\n", "is not a proxy URL: Port could"),
        ("fetch: {proxy: 'http://127.0.0.1:0'}\nfeeds: []\n", "is not a proxy URL: port 0"),
        (
            "fetch: {proxy: 'http://[::1]x:3128'}\nfeeds: []\n",
            "is not a proxy URL: text beside its IPv6 address",
        ),
        # (Matched as written, these kept no player, without a word.)
        (
            "sanitize: {iframe_hosts: ['*.bilibili.com']}\nfeeds: []\n",
            "sanitize.iframe_hosts: '*.bilibili.com': no wildcards; name each host",
        ),
        (
            "sanitize: {iframe_hosts: [' player.bilibili.com']}\nfeeds: []\n",
            "sanitize.iframe_hosts: ' player.bilibili.com' is not a host name",
        ),
        (
            "feeds:\n  - {url: a.xml, group: g, source: s}\n"
            "  - {url: a.xml, group: g, source: s, url: b}\n",
            "YAML error",
        ),
        ("interval: 9999999999d\nfeeds: []\n", "interval: '9999999999d' is longer than ten years"),
        ("retention: {days: 9, archive: source/old}\nfeeds: []\n", "or Hexo publishes it"),
        ("retention: {days: 9, archive: ~/old}\nfeeds: []\n", "named from it (no ~)"),
        ("feeds:\n  - {url: a.xml, group: g, source: s, [x]: 1}\n", "a list or mapping as a key"),
        ("? !!set {a: null}\n: 1\nfeeds: []\n", "a list or mapping as a key"),
        ("state: mysql://u@db/feedmill\nfeeds: []\n", "state: mysql:// is not supported"),
        ("state: postgres://u@db/feedmill\nfeeds: []\n", "write postgresql://"),
        # A password with "@" or ":" as it is: a clear error, not a traceback,
        # and the password is not shown.
        (
            "state: 'postgresql+psycopg://fm:p@ss:w0rd@db:5432/x'\nfeeds: []\n",
            "state: not a database URL that can be read: percent-encode @ : /",
        ),
        (
            "state: 'postgresql+psycopg://fm:p@ss@db/x'\nfeeds: []\n",
            "the host or database name holds an '@': percent-encode",
        ),
        (
            "state: 'postgresql://fm@127.0.0.1:fivefour/x'\nfeeds: []\n",
            "state: the port 'fivefour' is not a number",
        ),
        (  # a "/" in the password: the port is still the host's, the password never shown
            "state: 'postgresql://fm:hunter2/x@db.example:5432x/feedmill'\nfeeds: []\n",
            "state: the port '5432x' is not a number",
        ),
        ("retention: {days: 1000000}\nfeeds: []\n", "days: at most 36500"),
        ("fetch: {timeout: .nan}\nfeeds: []\n", "timeout: must be a positive number"),
        # A feed's URL is its database key: PostgreSQL refuses these, and the
        # whole pass stopped with the one feed.
        (
            'feeds:\n  - {url: "http://127.0.0.1:9/a\\0b", group: g, source: s}\n',
            "feeds[0] (http://127.0.0.1:9/a\u2400b): url: holds a NUL character",
        ),
        (
            f"feeds:\n  - {{url: 'https://e.example/?t={'x' * 3000}', group: g, source: s}}\n",
            "url: longer than 2048 bytes",
        ),
        # Sent, such a header fails every fetch as "invalid URL".
        (
            'fetch: {headers: {Cookie: "a=b\\r\\nX-Evil: 1"}}\nfeeds: []\n',
            "headers: Cookie: a value cannot hold a line break",
        ),
        (
            'fetch: {headers: {X-Token: "abc\\tdef\\x01"}}\nfeeds: []\n',
            "headers: X-Token: a value cannot hold a control character (U+0001)",
        ),
        (
            'fetch: {user_agent: "feedmill\\x7f"}\nfeeds: []\n',
            "user_agent: a value cannot hold a control character (U+007F)",
        ),
        (
            "feeds:\n  - {url: a.xml, group: g, source: s, headers: {'Bad Name': x}}\n",
            "feeds[0] (a.xml): headers: 'Bad Name' is not a header name",
        ),
        ("feeds:\n  - {url: a.xml, group: g, source: '?'}\n", "has no letter or digit"),
        # Every theme's category list writes the name as HTML: "C" alone showed.
        (
            "feeds:\n  - {url: a.xml, group: 技术, source: 'C<T>'}\n",
            "feeds[0] (a.xml): source: 'C<T>' holds an HTML tag: Hexo's category lists",
        ),
        (
            "feeds:\n  - {url: a.xml, group: constructor, source: s}\n",
            "group: 'constructor' is a name every JavaScript object has",
        ),
        (f"feeds:\n  - {{url: a.xml, group: {'新闻' * 40}, source: s}}\n", "at most 200"),
        (
            "feeds:\n  - {url: a.xml, group: 技术, source: 掘金, channel: C++}\n"
            "  - {url: b.xml, group: 技术, source: 掘金, channel: 'C#'}\n",
            "feeds[1] (b.xml): channel: 'C#' and 'C++' (feeds[0]) would share one Hexo "
            "category page, /categories/技术/掘金/C/",
        ),
        (
            "feeds:\n  - {url: a.xml, group: 'A股', source: s}\n"
            "  - {url: b.xml, group: 'A股!', source: s}\n",
            "feeds[1] (b.xml): group: 'A股!' and 'A股' (feeds[0])",
        ),
        # Hexo folds full-width letters and accents: one page for both.
        (
            "feeds:\n  - {url: a.xml, group: 科技, source: IT之家}\n"
            "  - {url: b.xml, group: 科技, source: ＩＴ之家}\n",
            "feeds[1] (b.xml): source: 'ＩＴ之家' and 'IT之家' (feeds[0]) would share one Hexo "
            "category page, /categories/科技/IT之家/",
        ),
        (
            "feeds:\n  - {url: a.xml, group: g, source: s, channel: Café}\n"
            "  - {url: b.xml, group: g, source: s, channel: Cafe}\n",
            "feeds[1] (b.xml): channel: 'Cafe' and 'Café' (feeds[0])",
        ),
        # Python's stack ran out before libyaml's limit: a traceback.
        ("feeds: " + "[" * 300 + "]" * 300 + "\n", "YAML error: nested hundreds of levels deep"),
        # The OS refuses a path with a NUL (a traceback); in the archive's
        # path it failed every feed, every pass.
        (
            'retention: {max_posts: 1, archive: "source/_a\\0"}\nfeeds: []\n',
            ":1: retention.archive: holds a NUL character",
        ),
        ('state: "x\\0.db"\nfeeds: []\n', ":1: state: holds a NUL character"),
        # Compiling a pattern of megabytes took minutes and gigabytes.
        (
            f"rules:\n  block:\n    - {{title: '{'a|' * 20_000}b'}}\nfeeds: []\n",
            "rules.block[0].title: a pattern of 40,001 characters (at most 20,000)",
        ),
        # PyYAML's constructors raised KeyError or AttributeError: a traceback.
        ("x: !!bool maybe\nfeeds: []\n", "YAML error: a value that does not fit its !!tag"),
        ("x: !!timestamp x\nfeeds: []\n", "YAML error: a value that does not fit its !!tag"),
        ('x: !!int ""\nfeeds: []\n', "YAML error: a value that does not fit its !!tag"),
        # … said at its line, the reason as Python says it, not its repr —
        # after a merge key too (taken for the misfit, it was blamed).
        (
            "# 注释\nfeeds:\n  - {url: a.xml, group: !!int 金融, source: s}\n",
            ":3: YAML error: a value that does not fit its !!tag (invalid literal for int()",
        ),
        (
            "<<: {site: .}\ntitle_max_width: !!int abc\nfeeds: []\n",
            ":2: YAML error: a value that does not fit its !!tag (invalid literal for int()",
        ),
        # … after an alias bomb (each node looked at once: its line was looked
        # for through 9⁸ nodes, past a minute).
        (
            "l0: &l0 [x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 8))
            + "title_max_width: !!int abc\nfeeds: []\n",
            ":9: YAML error: a value that does not fit its !!tag",
        ),
        # 1,000 nested groups: Python's stack ran out compiling it.
        (
            f"rules:\n  block:\n    - {{title: '{'(' * 1000}a{')' * 1000}'}}\nfeeds: []\n",
            "rules.block[0].title: groups nested hundreds deep",
        ),
        # An alias bomb of 411 bytes: every alias was walked again (9⁸ nodes).
        (
            "l0: &l0 [x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 8))
            + "feeds: []\n",
            ":1: l0: unknown key",
        ),
        # A URL of megabytes was written whole into the message.
        (
            f"feeds:\n  - {{url: 'http://h/{'a' * 100_000}', group: g, source: s}}\n",
            "feeds[0] (http://h/aaaa",
        ),
        # A key that is no text: msgspec's "- at `key` in `$.feeds[0]`" was shown as it came.
        (
            "feeds:\n  - url: https://a.example/rss\n    group: g\n    source: s\n    1: x\n",
            "feedmill.yml:5: feeds[0] (https://a.example/rss): 1 is no key: keys are names",
        ),
        (
            "fetch:\n  headers:\n    X-A: b\n    1: x\nfeeds: []\n",
            "feedmill.yml:4: fetch.headers: 1 is no key",
        ),
        ("feeds: []\ntrue: 1\n", "feedmill.yml:2: (top level): true is no key"),
        # Types said in words, not msgspec's `float | str`.
        (
            "fetch: {timeout: [1]}\nfeeds: []\n",
            "fetch.timeout: expected a number of seconds or a text such as 30s, got a list",
        ),
        ("retention: 5\nfeeds: []\n", "retention: expected a mapping, got an integer"),
        ("retention: {days: x}\nfeeds: []\n", "retention.days: expected an integer, got a string"),
        (
            "feeds:\n  - {url: a.xml, group: g, source: s, moved_from: 5}\n",
            "moved_from: expected a string or a list, got an integer",
        ),
        # An empty state made no database (exit 1), or one named " ".
        ('state: ""\nfeeds: []\n', "feedmill.yml:1: state: must not be empty"),
        ('state: " "\nfeeds: []\n', "feedmill.yml:1: state: must not be empty"),
        # A size no integer holds failed every feed, every pass.
        (
            "fetch: {max_body: 99999999999999999999999G}\nfeeds: []\n",
            "feedmill.yml:1: fetch.max_body: at most 1GiB",
        ),
    ],
)
def test_bad_config_exits_2_naming_file_entry_and_field(
    tmp_path: Path, text: str, message: str
) -> None:
    config = tmp_path / "feedmill.yml"
    config.write_text(text, encoding="utf-8")
    result = cli("run", "-c", str(config))
    assert result.code == 2
    assert str(config) in result.stderr
    assert message in result.stderr.replace("\n", " ") or message in result.stderr
    assert "w0rd" not in result.stderr and "hunter2" not in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr) < 2000
    # Nothing was fetched or written.
    assert not (tmp_path / ".feedmill").exists()
    assert not (tmp_path / "source").exists()


def test_a_missing_feed_file_in_a_folder_with_a_dot_fails_only_that_feed(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(rss("源", [Item("新闻", "<p>正文。</p>", "1")]))
    feeds = [
        {"url": "a.xml", "group": "g", "source": "s"},
        {"url": "exports.v2/feed.xml", "group": "g", "source": "t"},
        {"url": "backup.old/feed.xml", "group": "g", "source": "u"},
    ]
    result = cli("run", "-c", str(write_config(tmp_path, feeds)))
    assert result.code == 0 and "feeds: 1 ok, 0 unchanged, 2 failed" in result.stdout


def test_a_config_saved_in_another_encoding_says_so(tmp_path: Path) -> None:
    config = tmp_path / "feedmill.yml"
    config.write_bytes("feeds: []\n# 证券时报网\n".encode("gbk"))
    result = cli("run", "-c", str(config))
    assert result.code == 2
    assert f"{config}:2: not UTF-8 (byte 0xb1): save the file as UTF-8" in result.stderr


def test_config_error_points_at_the_line(tmp_path: Path) -> None:
    config = tmp_path / "feedmill.yml"
    config.write_text(
        "site: .\nfeeds:\n  - url: a.xml\n    group: g\n    source: s\n"
        "  - url: b.xml\n    group: [g]\n    source: s\n"
    )
    result = cli("status", "-c", str(config))
    assert result.code == 2
    assert f"{config}:7: feeds[1] (b.xml): group: expected a string, got a list" in result.stderr


def test_a_merge_key_brings_defaults_that_the_entry_overrides(tmp_path: Path) -> None:
    from feedmill.config import load_config

    config = tmp_path / "feedmill.yml"
    config.write_text(
        "feeds:\n"
        "  - &stcn {url: a.xml, group: 金融, source: 证券时报网, channel: 要闻}\n"
        "  - <<: *stcn\n"
        "    url: b.xml\n"
        "    channel: 快讯\n"
    )
    first, second = load_config(config).feeds
    assert (second.url, second.group, second.source, second.channel) == (
        "b.xml",
        "金融",
        "证券时报网",
        "快讯",
    )
    assert first.channel == "要闻"
    # A key the entry writes twice is still an error.
    config.write_text(config.read_text() + "    url: c.xml\n")
    assert "found a duplicate key 'url'" in cli("status", "-c", str(config)).stderr
    # An anchor first met inside a merge, and later used alone, is read as written.
    from feedmill.yamlload import load

    nested = (
        "d: &d {timezone: UTC}\n"
        "feeds:\n"
        "  - <<: &stcn\n      <<: *d\n      group: g\n      timezone: Asia/Shanghai\n    url: a\n"
        "  - *stcn\n"
    )
    assert load(nested)["feeds"][1] == {"timezone": "Asia/Shanghai", "group": "g"}


@pytest.mark.parametrize(
    ("every", "said"),
    [
        ("3000000d", "longer than ten years"),
        ("9999999999d", "longer than ten years"),
        # A daemon's passes back to back, its feeds asked as often as they fall due.
        ("0.1ms", "'0.1ms' is less than a second"),
        ("500ms", "'500ms' is less than a second"),
    ],
)
def test_an_every_out_of_bounds_is_a_usage_error(tmp_path: Path, every: str, said: str) -> None:
    config = write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "s"}])
    result = cli("run", "-c", str(config), "--every", every)
    assert result.code == 2 and said in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_backoff_cap_under_a_second_is_taken_as_the_interval(tmp_path: Path) -> None:
    """The cap is never below the feed's interval: a short one is harmless."""
    feeds = [{"url": "a.xml", "group": "g", "source": "s"}]
    config = write_config(tmp_path, feeds, backoff_cap="500ms")
    assert cli("status", "-c", str(config)).code == 0


@pytest.mark.parametrize("where", ["top", "feed"])
def test_an_interval_under_a_second_is_refused(tmp_path: Path, where: str) -> None:
    """A feed asked every 0.1 ms is asked at every pass, passes back to back."""
    feed: dict[str, object] = {"url": "a.xml", "group": "g", "source": "s"}
    extra: dict[str, object] = {}
    if where == "feed":
        feed["interval"] = "100ms"
    else:
        extra["interval"] = "100ms"
    config = write_config(tmp_path, [feed], **extra)
    result = cli("status", "-c", str(config))
    assert result.code == 2 and "'100ms' is less than a second" in result.stderr, result.stderr


def test_missing_config_file(tmp_path: Path) -> None:
    result = cli("run", "-c", str(tmp_path / "nope.yml"))
    assert result.code == 2 and "no such file" in result.stderr


def test_a_site_folder_given_as_the_config_means_its_feedmill_yml(tmp_path: Path) -> None:
    """`-c site/` read "Is a directory", a Python error, for every command."""
    write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "s"}])
    status = cli("status", "-c", str(tmp_path))
    assert status.code == 0 and "g / s" in status.stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli("status", "-c", str(empty))
    assert result.code == 2
    assert f"{empty / 'feedmill.yml'}: no such file" in result.stderr


def test_a_site_folder_that_is_not_there_is_a_config_error(tmp_path: Path) -> None:
    """A typo in `site:` made a new folder and posted there, exit 0: the Hexo
    site never got a post, and nothing said why."""
    (tmp_path / "a.xml").write_bytes(rss("a", [Item("一", guid="1")]))
    config = write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "s"}])
    text = config.read_text(encoding="utf-8").replace('"site": "."', '"site": "my-nwes"')
    config.write_text(text, encoding="utf-8")
    for command in ("run", "publish"):
        result = cli(command, "-c", str(config))
        assert result.code == 2, command
        assert f"site: {tmp_path / 'my-nwes'} is no folder" in result.stderr
        assert "feedmill init" in result.stderr
    assert not (tmp_path / "my-nwes").exists()
    assert not (tmp_path / ".feedmill").exists()
    # On its line, as every other error of the config is
    config.write_text("# news\n\nsite: my-nwes\nfeeds:\n  - {url: a.xml, group: g, source: s}\n")
    said = " ".join(cli("run", "-c", str(config)).stderr.split())
    assert f"{config}:3: site: {tmp_path / 'my-nwes'} is no folder" in said


def test_a_site_folder_that_cannot_be_looked_at_is_left_to_the_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder whose parent may not be read (EACCES on stat): not "no folder"
    and no traceback from the check — the pass says what it cannot do there.
    (The suite runs as root, which reads every folder: the error is made.)"""
    from feedmill import cli as cli_module
    from feedmill.config import load_config

    config = load_config(write_config(tmp_path, []))
    site = config.site_dir

    def refused(path: Path) -> bool:
        if path == site:
            raise PermissionError(13, "Permission denied", str(path))
        return False

    monkeypatch.setattr(Path, "is_dir", refused)
    assert cli_module._no_site(config) is None


def test_a_site_folder_without_hexos_config_is_posted_into_and_said(tmp_path: Path) -> None:
    """`site:` naming the folder above the Hexo site (or a home folder) filled a
    source/_posts no build reads, without a word."""
    (tmp_path / "feed.xml").write_bytes(rss("源", [Item("一", guid="1")]))
    config = write_config(tmp_path, [{"url": "feed.xml", "group": "g", "source": "s"}])
    result = cli("run", "-c", str(config))
    assert result.code == 0 and len(posts(tmp_path)) == 1
    said = " ".join(result.stderr.split())
    assert f"{tmp_path} is no Hexo site (no _config.yml)" in said
    assert f"`feedmill init {tmp_path}` makes one there" in said
    assert "is no Hexo site" in " ".join(cli("publish", "-c", str(config)).stderr.split())
    for name in ("_config.json", "_config.yaml"):  # what Hexo reads too
        (tmp_path / name).write_text("{}\n", encoding="utf-8")
        result = cli("run", "-c", str(config))
        assert result.code == 0 and "Hexo site" not in result.stderr
        (tmp_path / name).unlink()
    (tmp_path / "_config.yml").write_text("title: 新闻\n", encoding="utf-8")
    result = cli("run", "-c", str(config))
    assert result.code == 0 and "Hexo site" not in result.stderr


def test_a_site_in_another_time_zone_than_local_dates_is_said(tmp_path: Path) -> None:
    """date_style: local writes wall time in feedmill.yml's zone, which Hexo
    reads in its own: every post an hour off, without a word."""
    (tmp_path / "feed.xml").write_bytes(rss("源", [Item("一", guid="1")]))
    (tmp_path / "_config.yml").write_text("title: 新闻\ntimezone: Asia/Shanghai\n")
    feeds = [{"url": "feed.xml", "group": "g", "source": "s"}]
    config = write_config(tmp_path, feeds, timezone="Asia/Tokyo", date_style="local")
    result = cli("run", "-c", str(config))
    assert result.code == 0 and len(posts(tmp_path)) == 1
    said = " ".join(result.stderr.split())
    assert f"timezone: Asia/Tokyo in {config} is not the site's (Asia/Shanghai" in said
    # The same zone (by another name too), or exact instants (rfc822): nothing to say.
    for settings in (
        {"timezone": "Asia/Shanghai", "date_style": "local"},
        {"timezone": "PRC", "date_style": "local"},
        {"timezone": "UTC"},
    ):
        write_config(tmp_path, feeds, **settings)
        assert cli("run", "-c", str(config)).stderr == ""


@pytest.mark.parametrize(
    ("site_zone", "said"),
    [
        # Hexo's own default: the zone of the machine that builds the site.
        ("timezone: ''\n", "the site's _config.yml names no time zone: with date_style: local"),
        ("", "the site's _config.yml names no time zone"),
        ("timezone: Mars/Base\n", "names no zone there is ('Mars/Base')"),
        # Hexo reads a zone's name in any case: the same zone, nothing to say.
        ("timezone: asia/shanghai\n", None),
    ],
)
def test_local_dates_in_a_site_that_names_no_zone_are_said(
    tmp_path: Path, site_zone: str, said: str | None
) -> None:
    """A build on a UTC machine dated each post eight hours late, without a word."""
    (tmp_path / "feed.xml").write_bytes(rss("源", [Item("一", guid="1")]))
    (tmp_path / "_config.yml").write_text(f"title: 新闻\n{site_zone}")
    feeds = [{"url": "feed.xml", "group": "g", "source": "s"}]
    config = write_config(tmp_path, feeds, timezone="Asia/Shanghai", date_style="local")
    result = cli("run", "-c", str(config))
    assert result.code == 0 and len(posts(tmp_path)) == 1
    if said is None:
        assert result.stderr == ""
    else:
        assert said in " ".join(result.stderr.split())
        assert "set `timezone: Asia/Shanghai` there" in " ".join(result.stderr.split())
    write_config(tmp_path, feeds, timezone="Asia/Shanghai")  # exact instants: nothing to say
    assert cli("run", "-c", str(config)).stderr == ""


def test_a_zone_spelled_in_other_case_under_an_older_timezone_script_is_said(
    tmp_path: Path,
) -> None:
    """The script older feedmills wrote set TZ=asia/shanghai, which Node reads
    as UTC: every post eight hours early, on every machine."""
    site = tmp_path / "site"
    assert cli("init", str(site)).code == 0
    (site / "feed.xml").write_bytes(rss("源", [Item("一", guid="1")]))
    config = write_config(site, [{"url": "feed.xml", "group": "g", "source": "s"}])
    hexo_config = site / "_config.yml"
    hexo_config.write_text(
        hexo_config.read_text().replace("timezone: Asia/Shanghai", "timezone: asia/shanghai")
    )
    assert cli("run", "-c", str(config)).stderr == ""  # today's script reads it as Hexo does
    (site / "scripts" / "feedmill-timezone.js").write_text(
        "if (hexo.config.timezone) {\n  process.env.TZ = hexo.config.timezone;\n}\n"
    )
    said = " ".join(cli("run", "-c", str(config)).stderr.split())
    assert "timezone: asia/shanghai in the site's _config.yml is Node's UTC" in said
    assert "write `timezone: Asia/Shanghai`" in said
    # UTC in any case is what Node falls back to: nothing to say.
    for utc in ("utc", "etc/utc"):
        hexo_config.write_text(
            hexo_config.read_text().replace("timezone: asia/shanghai", f"timezone: {utc}")
        )
        assert cli("run", "-c", str(config)).stderr == ""
        hexo_config.write_text(
            hexo_config.read_text().replace(f"timezone: {utc}", "timezone: asia/shanghai")
        )


def test_init_on_a_site_whose_zone_is_spelled_in_other_case_takes_it(tmp_path: Path) -> None:
    site = tmp_path / "blog"
    site.mkdir()
    (site / "_config.yml").write_text("title: My Blog\ntimezone: asia/shanghai\n")
    assert cli("init", str(site)).code == 0
    config = (site / "feedmill.yml").read_text()
    assert "\ntimezone: Asia/Shanghai\n" in config and "\ndate_style: local\n" in config


def test_unknown_feed_for_run_feed(tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "s"}])
    assert cli("run", "-c", str(config), "--feed", "b.xml").code == 2


def test_run_feed_takes_another_spelling_of_a_feeds_location(tmp_path: Path) -> None:
    """`--feed ./a.xml` (or `HTTP://…`, a default port) is the entry `a.xml`: the
    config counts them as one feed, so does `--feed`."""
    for name in ("a", "b"):
        (tmp_path / f"{name}.xml").write_bytes(rss(name, [Item(f"{name} 一", guid=name)]))
    feeds = [{"url": f"{n}.xml", "group": "g", "source": n} for n in ("a", "b")]
    config = write_config(tmp_path, feeds)
    result = cli("run", "-c", str(config), "--feed", "./a.xml")
    assert result.code == 0, result.stderr
    assert "feeds: 1 ok" in result.stdout
    [text] = posts(tmp_path).values()
    assert "title: 'a 一'" in text


def test_run_feed_refuses_a_feed_as_status_shows_it_when_that_names_two(tmp_path: Path) -> None:
    """`status --json` names a feed less its access key (`?key=…`), and
    `--feed` takes that name (test_http_feeds) — not when two feeds differ
    only in their keys: it names neither."""
    feeds = [
        {"url": "https://rsshub.example/b?key=one", "group": "g", "source": "b"},
        {"url": "https://rsshub.example/b?key=two", "group": "g", "source": "c"},
    ]
    config = write_config(tmp_path, feeds)
    result = cli("run", "-c", str(config), "--feed", "https://rsshub.example/b?key=…")
    assert result.code == 2
    # Said so: "not in feedmill.yml" had the user look for a typo.
    said = " ".join(result.stderr.split())
    assert "not in" not in said, said
    assert (
        f"https://rsshub.example/b?key=… names 2 feeds of {config} as `feedmill status` shows"
        " them (without their access key): give the whole URL"
    ) in said
    both = cli("run", "-c", str(config), "--feed", "https://rsshub.example/b?key=…", "--feed", "x")
    assert f"not in {config}: x" in both.stderr and "names 2 feeds" in both.stderr


def test_init_leaves_a_node_projects_dev_packages_where_they_are(tmp_path: Path) -> None:
    """Hexo among a project's devDependencies was listed again, at another
    version, among its dependencies: which one npm installs was a question."""
    import json

    site = tmp_path / "np"
    site.mkdir()
    dev = {"hexo": "^7.3.0", "hexo-renderer-marked": "^6.0.0"}
    (site / "package.json").write_text(
        json.dumps({"name": "np", "devDependencies": dev, "dependencies": {"left-pad": "1.3.0"}}),
        encoding="utf-8",
    )
    result = cli("init", str(site))
    assert result.code == 0, result.stderr
    package = json.loads((site / "package.json").read_text(encoding="utf-8"))
    assert package["devDependencies"] == dev
    assert not set(dev) & set(package["dependencies"])
    assert package["dependencies"]["left-pad"] == "1.3.0"
    assert "hexo-theme-landscape" in package["dependencies"]  # one it lacks
    assert "hexo" in package


def test_init_writes_a_hexo_8_site_and_keeps_existing_files(tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert cli("init", str(site)).code == 0
    import json

    package = json.loads((site / "package.json").read_text())
    assert package["dependencies"]["hexo"].startswith("^8")
    for name in ("hexo-renderer-marked", "hexo-generator-category", "hexo-theme-landscape"):
        assert name in package["dependencies"]
    assert "timezone: Asia/Shanghai" in (site / "_config.yml").read_text()
    assert (site / "scripts" / "feedmill-timezone.js").is_file()
    assert (site / "scripts" / "feedmill-referrer.js").is_file()
    assert (site / "source" / "_posts").is_dir()
    assert "feeds:" in (site / "feedmill.yml").read_text()
    # The commented config is valid as it stands: zero feeds, nothing to do.
    assert cli("run", "-c", str(site / "feedmill.yml")).code == 0
    # Again on the site it made (its feedmill.yml deleted, or an init cut short):
    # the dates as its timezone script reads them, not a restyle of every post.
    (site / "feedmill.yml").unlink()
    assert cli("init", str(site)).code == 0
    assert "\ndate_style: rfc822\n" in (site / "feedmill.yml").read_text()
    (site / "_config.yml").write_text("mine")
    result = cli("init", str(site))
    assert "kept" in result.stdout and (site / "_config.yml").read_text() == "mine"


def test_a_new_sites_git_ignores_what_feedmill_may_leave_behind(tmp_path: Path) -> None:
    """A `feedmill add` killed mid-write leaves its config's temporary copy
    beside feedmill.yml; a kill -9 of a run, staged posts and the lock."""
    import subprocess

    site = tmp_path / "site"
    assert cli("init", str(site)).code == 0
    subprocess.run(["git", "init", "-q", str(site)], check=True)
    left = [
        ".feedmill.yml.k2l9_x0q.tmp",  # write_atomically's temporary file
        ".feedmill/state.db",
        "source/_posts/.feedmill.lock",
        "source/_posts/.feedmill-tmp/a.md.tmp",
    ]
    checked = subprocess.run(
        ["git", "-C", str(site), "check-ignore", "--no-index", *left],
        capture_output=True,
        text=True,
    )
    assert checked.stdout.split() == left, checked.stderr
    kept = subprocess.run(
        ["git", "-C", str(site), "check-ignore", "--no-index", "feedmill.yml"], check=False
    )
    assert kept.returncode == 1  # the config itself is the site's


def test_a_run_of_a_new_site_without_feeds_says_where_they_go(tmp_path: Path) -> None:
    site = tmp_path / "news"
    assert cli("init", str(site)).code == 0
    result = cli("run", "-c", str(site / "feedmill.yml"))
    assert result.code == 0 and "feeds: 0 ok" in result.stdout
    said = result.stderr.replace("\n", " ")
    assert "lists no feeds: add some under `feeds:`" in said and "feedmill add URL" in said


def test_init_on_an_existing_hexo_site_changes_none_of_its_urls(tmp_path: Path) -> None:
    site = tmp_path / "blog"
    (site / "source" / "_posts").mkdir(parents=True)
    (site / "_config.yml").write_text("title: My Blog\ntimezone: America/New_York\n")
    (site / ".gitignore").write_text("node_modules/\npublic/\n")
    result = cli("init", str(site))
    assert result.code == 0
    # Running Hexo in the site's zone would move its posts dated near
    # midnight to another day's URL: not done without asking.
    assert not (site / "scripts" / "feedmill-timezone.js").exists()
    assert "feedmill-timezone.js was not added" in result.stdout
    # Nor one that has its pages send no Referer: its own pictures may need one.
    assert not (site / "scripts" / "feedmill-referrer.js").exists()
    assert "feedmill-referrer.js was not added" in result.stdout
    config = (site / "feedmill.yml").read_text()
    assert "\ntimezone: America/New_York\n" in config and "\ndate_style: local\n" in config
    # Its comment's example of a local date is in that zone (16:01 GMT).
    assert "# local: `date: 2022-09-20 12:01:00` in the time zone above." in config
    assert not [line for line in result.stdout.splitlines() if line.endswith(" ")]
    said = " ".join(result.stdout.split())
    assert "does not list feedmill's .feedmill/ (the state database)," in said
    assert "source/_posts/.feedmill.lock (the lock)" in said
    assert "source/_posts/.feedmill-tmp/ (temporary files)," in said
    assert ".feedmill.yml.*.tmp (the config's temporary copies): add them" in said
    assert (site / ".gitignore").read_text() == "node_modules/\npublic/\n"
    assert cli("run", "-c", str(site / "feedmill.yml")).code == 0
    # Where the site keeps its posts elsewhere (source_dir), that folder's
    # files; what the .gitignore lists, in any of git's ways, is not asked for.
    (site / "_config.yml").write_text("title: My Blog\nsource_dir: src\n")
    (site / ".gitignore").write_text("/.feedmill/\n**/.feedmill.lock\n*.tmp\n")
    said = " ".join(cli("init", str(site)).stdout.split())
    assert "does not list feedmill's src/_posts/.feedmill-tmp/ (temporary files): add it" in said
    for patterns in (
        ".feedmill*\n",
        ".feedmill/**\n*.lock\n**/.feedmill-tmp/\n*.tmp\n",
        ".feedmill/*\n*.lock\n**/.feedmill-tmp/*\n*.tmp\n",  # (all they hold)
        ".feedmill/\nsrc/_posts/*\n*.tmp\n",  # (a folder the lock is in)
        ".feedmill/\nsrc/\n*.tmp\n",
    ):
        (site / ".gitignore").write_text(patterns)
        assert "does not list" not in cli("init", str(site)).stdout, patterns


def test_init_on_a_site_with_its_own_source_dir_ignores_the_files_there(tmp_path: Path) -> None:
    """Without a .gitignore, init wrote one listing source/_posts/…, then said
    it did not list src/_posts/…: the file it had just written."""
    site = tmp_path / "blog"
    site.mkdir()
    (site / "_config.yml").write_text("title: My Blog\nsource_dir: src\n")
    result = cli("init", str(site))
    assert result.code == 0 and "does not list" not in result.stdout, result.stdout
    ignored = (site / ".gitignore").read_text().splitlines()
    assert "src/_posts/.feedmill.lock" in ignored and "src/_posts/.feedmill-tmp/" in ignored
    assert not any(line.startswith("source/") for line in ignored)
    # … and the config's comment names that folder as the one posts go to
    assert "source_dir (src/_posts)." in (site / "feedmill.yml").read_text("utf-8")


@pytest.mark.parametrize(
    ("name", "text", "encoding"),
    [
        ("_config.yaml", "title: Mine\ntimezone: Europe/Paris\nsource_dir: src\n", "utf-8"),
        (
            "_config.json",
            '{"title": "Mine", "timezone": "Europe/Paris", "source_dir": "src"}',
            "utf-8",
        ),
        (  # as Windows' Notepad saves it: Hexo reads past the BOM
            "_config.json",
            '{"title": "Mine", "timezone": "Europe/Paris", "source_dir": "src"}',
            "utf-8-sig",
        ),
    ],
)
def test_a_site_configured_in_config_yaml_or_json_is_a_hexo_site(
    tmp_path: Path, name: str, text: str, encoding: str
) -> None:
    """Hexo reads _config.yaml or _config.json where there is no _config.yml:
    init wrote a _config.yml over the site's settings (Hexo then read that
    one), and run posted into source/_posts, past the site's source_dir."""
    site = tmp_path / "blog"
    site.mkdir()
    (site / name).write_text(text, encoding=encoding)
    result = cli("init", str(site))
    assert result.code == 0
    assert str(site / name) in result.stdout and "_config.yml" not in result.stdout
    assert not (site / "_config.yml").exists()
    assert not (site / "scripts").exists()  # none of the new-site-only scripts
    # Nor a favicon: the site's theme may give its own (Matery's), and each
    # build took either of the two.
    assert not (site / "source").exists() and not (site / "src" / "favicon.png").exists()
    assert "skipped" in result.stdout and "favicon.png" in result.stdout
    config = (site / "feedmill.yml").read_text(encoding="utf-8")
    assert "source_dir (src/_posts)." in config
    assert "\ntimezone: Europe/Paris\n" in config and "\ndate_style: local\n" in config
    (site / "a.xml").write_bytes(rss("源 - 要闻", [Item(title="央行降准", guid="1")]))
    feeds = [{"url": "a.xml", "group": "g", "source": "源"}]
    run = cli("run", "-c", str(write_config(site, feeds)))
    assert run.code == 0 and "note" not in run.stderr, run
    assert len(list((site / "src" / "_posts").glob("*.md"))) == 1
    demo = cli("demo", str(tmp_path / "other"))
    assert demo.code == 0
    (tmp_path / "hers").mkdir()
    (tmp_path / "hers" / name).write_text(text, encoding=encoding)
    refused = cli("demo", str(tmp_path / "hers"))
    assert refused.code == 2 and "holds a Hexo site already" in refused.stderr


def test_a_source_dir_is_found_as_hexo_finds_it(tmp_path: Path) -> None:
    """Hexo resolves its folders from the site's (Node's path.resolve): an
    absolute source_dir is that folder, not one of that name in the site."""
    elsewhere = tmp_path / "shared-source"
    feeds = [{"url": "a.xml", "group": "g", "source": "源"}]
    for source_dir, posts_in in ((str(elsewhere), elsewhere), ("src/../src2", "src2")):
        site = tmp_path / f"blog-{posts_in == elsewhere}"
        site.mkdir()
        (site / "a.xml").write_bytes(rss("源 - 要闻", [Item(title="央行降准", guid="1")]))
        (site / "_config.yml").write_text(f"title: Mine\nsource_dir: {source_dir}\n")
        assert cli("run", "-c", str(write_config(site, feeds))).code == 0
        assert len(list((site / posts_in / "_posts").glob("*.md"))) == 1, source_dir


@pytest.mark.parametrize(
    "line",
    [
        "subtitle: 财经\u2028科技",  # a line separator pasted from a page
        "subtitle: 财经\u0085科技",
        "since: 2019-02-29",  # no such day: js-yaml rolls it over
        "pattern: !!js/regexp /^draft-/",  # js-yaml-js-types, which Hexo registers
        "custom: !mytag {a: 1}",
    ],
)
def test_a_source_dir_is_read_where_hexo_reads_what_pyyaml_refuses(
    tmp_path: Path, line: str
) -> None:
    """The safe loader refused the whole file: the site's source_dir unread,
    every post was moved out of the folder Hexo builds."""
    from feedmill.config import source_folder

    (tmp_path / "_config.yml").write_text(
        f"title: Mine\n{line}\nsource_dir: src\n", encoding="utf-8"
    )
    assert source_folder(tmp_path) == tmp_path / "src"


def _site_with_state(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> tuple[Path, dict[str, str]]:
    """A Hexo site folder, and its config's `state:` on ``backend`` (none: SQLite's)."""
    state = {}
    if backend == "postgresql":
        from support.postgres import new_database

        state = {"state": new_database(request.getfixturevalue("postgres_url"))}
    site = tmp_path / "blog"
    site.mkdir()
    (site / "_config.yml").write_text("title: Mine\n")
    return site, state


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_posts_follow_a_source_dir_changed(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """Hexo's source_dir changed (source → src): the posts written to the old
    folder were left where Hexo no longer reads them, and an item edited
    since was taken for a post deleted by hand — never written again.  (A
    server database took the site for another, and refused it.)"""
    site, state = _site_with_state(tmp_path, backend, request)
    feed = site / "a.xml"
    feed.write_bytes(rss("源 - 要闻", [Item(title=f"新闻{i}", guid=str(i)) for i in range(3)]))
    config = str(write_config(site, [{"url": "a.xml", "group": "g", "source": "源"}], **state))
    assert cli("run", "-c", config).code == 0
    mine = site / "source" / "_posts" / "hello-world.md"  # a post of the site's own stays
    mine.write_text("---\ntitle: Hello\n---\n")
    (site / "_config.yml").write_text("title: Mine\nsource_dir: src\n")
    # Before the next run moves them, `status` counts the posts where they are.
    (site / "src" / "_posts").mkdir(parents=True)
    [row] = json.loads(cli("status", "-c", config, "--json").stdout)
    assert row["posts"] == 3
    edited = [
        Item(title="新闻0（更新）", guid="0"),
        *(Item(title=f"新闻{i}", guid=str(i)) for i in (1, 2, 3)),
    ]
    feed.write_bytes(rss("源 - 要闻", edited))
    result = cli("run", "-c", config)
    assert result.code == 0, result.stderr
    assert "posts: 1 new, 1 updated, 2 unchanged" in result.stdout, result.stdout
    assert (
        "posts folder is src/_posts now (Hexo's source_dir): 3 posts moved there from source/_posts"
        in result.stderr
    )
    moved = sorted(p.name for p in (site / "src" / "_posts").glob("*.md"))
    assert len(moved) == 4 and any("新闻0" in n for n in moved)
    assert "新闻0（更新）" in "".join(
        p.read_text(encoding="utf-8") for p in (site / "src" / "_posts").glob("*.md")
    )
    assert [p.name for p in (site / "source" / "_posts").glob("*.md")] == ["hello-world.md"]
    again = cli("run", "-c", config)
    assert "moved" not in again.stderr and "posts: 0 new, 0 updated, 4 unchanged" in again.stdout
    assert "takes it over" not in result.stderr + again.stderr
    assert cli("status", "-c", config).code == 0
    # Out of the site and back (a server database took the way back for another site).
    for source_dir, folder in (("../shared", tmp_path / "shared"), ("src", site / "src")):
        (site / "_config.yml").write_text(f"title: Mine\nsource_dir: {source_dir}\n")
        moved_again = cli("run", "-c", config)
        assert moved_again.code == 0, moved_again.stderr
        assert len(list((folder / "_posts").glob("*.md"))) == 4


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize("last", ["source", "other"])
def test_posts_waiting_to_move_follow_a_source_dir_changed_again(
    tmp_path: Path,
    backend: str,
    last: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """source_dir changed (source → src), the new folder's disk full after
    one post moved, the items edited meanwhile (written to src), then
    source_dir changed back, or to a third folder, before the move ended:
    the posts in src were looked for no more — the edits lost from the site,
    and the post moved there taken for deleted by hand at its next edit.  (A
    server database refused the way back, as another site's.)"""
    site, state = _site_with_state(tmp_path, backend, request)
    feed = site / "a.xml"

    def publish(title: str) -> None:
        feed.write_bytes(rss("源", [Item(title=f"{title}{i}", guid=str(i)) for i in range(4)]))

    publish("新闻")
    config = str(write_config(site, [{"url": "a.xml", "group": "g", "source": "源"}], **state))
    assert cli("run", "-c", config).code == 0
    (site / "source" / "_posts" / "hello-world.md").write_text("---\ntitle: Hello\n---\n")
    fill_the_disk_after(monkeypatch, 1)
    (site / "_config.yml").write_text("title: Mine\nsource_dir: src\n")
    publish("更新")
    result = cli("run", "-c", config)
    assert result.code == 0 and "the rest wait" in result.stderr, result.stderr
    assert "posts: 0 new, 4 updated" in result.stdout, result.stdout
    monkeypatch.undo()

    (site / "_config.yml").write_text(f"title: Mine\nsource_dir: {last}\n")
    result = cli("run", "-c", config)
    assert result.code == 0, result.stderr
    moved_from = "src/_posts" if last == "source" else "source/_posts and src/_posts"
    assert f"posts moved there from {moved_from}" in " ".join(result.stderr.split()), result.stderr
    assert "takes it over" not in result.stderr and "deleted" not in result.stderr
    texts = [p.read_text("utf-8") for p in (site / last / "_posts").glob("*.md")]
    assert len(texts) == 4 + (last == "source") and all(
        "更新" in text for text in texts if "Hello" not in text
    )
    assert not list((site / "src" / "_posts").glob("*.md"))
    publish("再次更新")
    again = cli("run", "-c", config)
    assert "posts: 0 new, 4 updated" in again.stdout and "moved" not in again.stderr, again.stderr
    texts = [p.read_text("utf-8") for p in (site / last / "_posts").glob("*.md")]
    assert sum("再次更新" in text for text in texts) == 4


def test_a_site_inside_another_on_one_server_database_is_still_another_site(
    tmp_path: Path, postgres_url: str
) -> None:
    """The exemption for a site whose posts folder moved is for that site's
    own earlier folder: a site run first in a folder inside this one (a copy
    in blog/old-copy) is another site, and this one is refused its database."""
    from support.postgres import new_database

    state = new_database(postgres_url)
    outer = tmp_path / "blog"
    inner = outer / "old-copy"
    for site in (outer, inner):
        site.mkdir(parents=True, exist_ok=True)
        (site / "_config.yml").write_text("title: Mine\n")
        (site / "a.xml").write_bytes(rss("源 - 要闻", [Item(title="新闻", guid="1")]))
        write_config(site, [{"url": "a.xml", "group": "g", "source": "源"}], state=state)
    assert cli("run", "-c", str(inner / "feedmill.yml")).code == 0
    refused = cli("run", "-c", str(outer / "feedmill.yml"))
    assert refused.code == 1 and "give each site a database of its own" in refused.stderr
    assert not list((outer / "source" / "_posts").glob("*.md"))


def test_a_site_config_indented_with_tabs_is_read_as_hexo_reads_it(tmp_path: Path) -> None:
    """Hexo reads a tab that indents a line as two spaces; YAML refuses tabs,
    and the site's source_dir went unread: posts went where no build looks."""
    site = tmp_path / "blog"
    site.mkdir()
    (site / "_config.yml").write_text(
        "title: Mine\t# a comment\nsource_dir:\tsrc\ndeploy:\n\ttype: git\n\trepo: x\n",
        encoding="utf-8",
    )
    assert cli("init", str(site)).code == 0
    assert "source_dir (src/_posts)." in (site / "feedmill.yml").read_text(encoding="utf-8")
    assert not (site / "source").exists()


def test_an_init_cut_short_is_completed_as_a_new_site(tmp_path: Path) -> None:
    """The first init stopped after it wrote _config.yml (a file in the way
    of scripts/): the next took the folder for its owner's site — without
    the scripts, dates written `local` — for good."""
    site = tmp_path / "half"
    site.mkdir()
    (site / "scripts").write_text("in the way")
    assert cli("init", str(site)).code == 1
    assert not (site / "_config.yml").exists()
    (site / "scripts").unlink()
    result = cli("init", str(site))
    assert result.code == 0 and "An existing Hexo site" not in result.stdout, result.stdout
    assert len(list((site / "scripts").glob("feedmill-*.js"))) == 3
    assert (site / "_config.yml").is_file() and (site / "source" / "favicon.png").is_file()
    assert "\ndate_style: rfc822\n" in (site / "feedmill.yml").read_text(encoding="utf-8")


def test_a_new_site_in_a_folder_with_a_gitignore_is_told_what_it_lacks(tmp_path: Path) -> None:
    """The folder's own .gitignore is kept: Hexo's public/ and db.json were
    then committed by every build, and nothing said so."""
    site = tmp_path / "blog"
    site.mkdir()
    (site / ".gitignore").write_text("node_modules/\n")
    said = " ".join(cli("init", str(site)).stdout.split())
    assert "does not list public/ (the site Hexo builds), db.json (Hexo's cache) either" in said
    assert "npm's packages" not in said
    # An existing site's .gitignore is its owner's business.
    other = tmp_path / "own"
    other.mkdir()
    (other / "_config.yml").write_text("title: Mine\n")
    (other / ".gitignore").write_text("node_modules/\n")
    assert "Hexo builds" not in cli("init", str(other)).stdout


def test_init_lists_nothing_outside_the_site_in_its_gitignore(tmp_path: Path) -> None:
    """No .gitignore pattern reaches outside its folder: a source_dir there
    is another repository's to list."""
    site = tmp_path / "blog"
    site.mkdir()
    (site / "_config.yml").write_text("title: Mine\nsource_dir: ../content\n")
    result = cli("init", str(site))
    assert result.code == 0 and "does not list" not in result.stdout, result.stdout
    assert "../" not in (site / ".gitignore").read_text()
    assert "source_dir (../content/_posts)." in (site / "feedmill.yml").read_text("utf-8")
    (site / ".gitignore").write_text("node_modules/\n")
    said = " ".join(cli("init", str(site)).stdout.split())
    assert "_posts/.feedmill" not in said and "does not list feedmill's .feedmill/" in said


def test_demo_never_takes_over_a_real_site(tmp_path: Path) -> None:
    site = tmp_path / "mine"
    assert cli("init", str(site)).code == 0
    config = site / "feedmill.yml"
    mine = config.read_bytes()
    result = cli("demo", str(site))
    assert result.code == 2
    assert f"{config} exists and is not the demo's" in result.stderr
    assert config.read_bytes() == mine
    assert posts(site) == {} and not (site / "feeds").exists()


def test_demo_replaces_nothing_of_a_folder_that_is_not_a_demo_site(tmp_path: Path) -> None:
    # A Hexo site without feedmill.yml: `feedmill demo .` would post 44 samples in it.
    hexo = tmp_path / "blog"
    hexo.mkdir()
    (hexo / "_config.yml").write_text("title: 我的博客\n", encoding="utf-8")
    result = cli("demo", str(hexo))
    assert result.code == 2 and f"{hexo} holds a Hexo site already" in result.stderr
    assert sorted(p.name for p in hexo.iterdir()) == ["_config.yml"]
    # A file of the user's where a sample feed would go.
    mine = tmp_path / "other" / "feeds" / "stcn-yw.xml"
    mine.parent.mkdir(parents=True)
    mine.write_text("mine", encoding="utf-8")
    result = cli("demo", str(tmp_path / "other"))
    assert result.code == 2 and f"{mine} exists and is not the demo's" in result.stderr
    assert mine.read_text(encoding="utf-8") == "mine"
    (tmp_path / "third").mkdir()
    (tmp_path / "third" / "feeds").write_text("a file", encoding="utf-8")
    result = cli("demo", str(tmp_path / "third"))
    assert result.code == 2 and "is a file, where the sample feeds go" in result.stderr
    assert sorted(p.name for p in (tmp_path / "third").iterdir()) == ["feeds"]  # nothing made
    # A folder that cannot be made: a message, not a traceback.
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    result = cli("demo", str(tmp_path / "a-file" / "demo"))
    assert result.code == 1
    assert f"cannot make the demo site in {tmp_path / 'a-file' / 'demo'}" in result.stderr


def test_the_commands_init_suggests_can_be_copied_as_they_are(tmp_path: Path) -> None:
    site = tmp_path / "my news"
    result = cli("init", str(site))
    assert f"  feedmill run -c '{site / 'feedmill.yml'}'\n" in result.stdout
    assert f"  (cd '{site}' && npm install" in result.stdout


@pytest.mark.parametrize(
    "env",
    [{"PYTHONIOENCODING": "ascii"}, {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0"}],
    ids=["ascii-output", "ascii-locale"],
)
def test_a_locale_without_chinese_or_utf_8_file_names_gets_a_message_not_a_traceback(
    tmp_path: Path, env: dict[str, str]
) -> None:
    import os
    import subprocess
    import sys

    def feedmill(*args: str, **extra: str) -> subprocess.CompletedProcess[bytes]:
        command = [sys.executable, "-m", "feedmill", *args]
        environment = {k: v for k, v in os.environ.items() if k != "PYTHONIOENCODING"}
        environment.update(extra or {"PYTHONIOENCODING": "utf-8"})
        return subprocess.run(command, capture_output=True, timeout=120, env=environment)

    site = tmp_path / "demo"
    assert feedmill("demo", str(site)).returncode == 0
    config = str(site / "feedmill.yml")
    if "LC_ALL" in env:
        # File names in ASCII (or GBK, or Latin-1): posts written under names
        # Hexo cannot read, those written before read as others — an edited
        # item's post taken for deleted by hand. Refused, whatever the command.
        for args in (["run", "-c", config], ["status", "-c", config], ["demo", str(site)]):
            refused = feedmill(*args, **env)
            assert refused.returncode == 1 and b"Traceback" not in refused.stderr
            assert b"names files in 'ascii'" in refused.stderr
            assert b"run feedmill under a UTF-8 locale" in refused.stderr
        assert feedmill("run", "--help", **env).returncode == 0
        return
    # Output that cannot hold "·" or 证券时报网 is escaped: the pass went well.
    run = feedmill("run", "-c", config, **env)
    assert run.returncode == 0 and b"Traceback" not in run.stderr
    assert b"\\xb7 posts: 0 new" in run.stdout
    status = feedmill("status", "-c", config, **env)
    assert status.returncode == 0 and b"\\u8bc1\\u5238" in status.stdout  # 证券


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_output_that_cannot_be_written_is_said_with_the_interpreters_status(
    tmp_path: Path,
) -> None:
    """stdout on a full disk: each command said so in a traceback and ended
    with 1 (`run`: "error [Errno 28]", as if its pass had failed); now one
    line and 120, the interpreter's own status for output it cannot flush."""
    import os
    import subprocess
    import sys

    site = tmp_path / "demo"
    assert cli("demo", str(site)).code == 0
    config = str(site / "feedmill.yml")
    for args in (
        ["--version"],
        ["status", "-c", config],
        ["status", "--json", "-c", config],
        ["export", "-c", config],
        ["search", "央行", "-c", config],
        ["run", "-c", config],
    ):
        with open("/dev/full", "wb") as full:
            done = subprocess.run(
                [sys.executable, "-m", "feedmill", *args],
                stdout=full,
                stderr=subprocess.PIPE,
                timeout=120,
                env={**os.environ, "PYTHONIOENCODING": "utf-8"},
            )
        said = done.stderr.decode()
        assert done.returncode == 120, (args, said)
        assert said == "feedmill: could not write the output: [Errno 28] No space left on device\n"


@pytest.mark.parametrize("encoding", ["gbk", "ascii", "latin-1"])
def test_json_and_opml_are_utf8_whatever_the_locale(tmp_path: Path, encoding: str) -> None:
    """The OPML says `encoding='UTF-8'`; a GBK locale wrote GBK bytes under it
    (no reader takes the file), an ASCII one backslash escapes as the names."""
    import json
    import os
    import subprocess
    import sys

    from feedmill.feedlist import parse_opml

    config = tmp_path / "feedmill.yml"
    config.write_text(
        "site: .\nfeeds:\n  - {url: 'https://a.example/f', group: 金融, source: 证券时报网}\n",
        encoding="utf-8",
    )
    environment = {**os.environ, "PYTHONIOENCODING": encoding}

    def feedmill(*args: str) -> bytes:
        command = [sys.executable, "-m", "feedmill", *args, "-c", str(config)]
        done = subprocess.run(command, capture_output=True, timeout=120, env=environment)
        assert done.returncode == 0, done.stderr
        return done.stdout

    [feed] = parse_opml(feedmill("export"))
    assert (feed.group, feed.source) == ("金融", "证券时报网")
    [row] = json.loads(feedmill("status", "--json").decode("utf-8"))
    assert (row["group"], row["source"]) == ("金融", "证券时报网")


def test_demo_runs_offline_end_to_end(tmp_path: Path) -> None:
    site = tmp_path / "demo"
    result = cli("demo", str(site))
    assert result.code == 0, result.stderr
    # One line, however long its paths (a path cut by a line break cannot be copied).
    assert f"demo site in {site}, config {site / 'feedmill.yml'}\n" in result.stdout
    assert "feeds: 9 ok, 0 unchanged, 0 failed" in result.stdout
    # 46 items, two of them 东方财富网's rewrites of 证券时报网 stories.
    assert "held back: 0 blocked, 2 duplicates" in result.stdout
    written = posts(site)
    assert len(written) == 44
    # Every bundled source is there, GBK and JSON Feed included.
    text = "\n".join(written.values())
    for source in (
        "证券时报网",
        "东方财富网",
        "新浪财经",
        "开源中国",
        "掘金",
        "金色财经",
        "36氪",
        "科技爱好者周刊",
    ):
        assert f"author: {source}" in text or f"author: '{source}'" in text
    assert "沪指震荡整理" in text  # from the GBK feed
    # Running the demo again is a no-op: no file rewritten.
    files = [site / "feedmill.yml", *sorted((site / "feeds").iterdir())]
    stamps = [p.stat().st_mtime_ns for p in files]
    again = cli("demo", str(site))
    # Its 44 posts (the two copies held back are no posts: it said 46).
    assert "posts: 0 new, 0 updated, 44 unchanged" in again.stdout, again.stdout
    assert [p.stat().st_mtime_ns for p in files] == stamps
    # A sample feed edited since is put back as it came; nothing else is touched.
    edited = files[1]
    sample = edited.read_bytes()
    edited.write_bytes(b"<rss>edited</rss>")
    assert cli("demo", str(site)).code == 0
    assert edited.read_bytes() == sample
    assert [p.stat().st_mtime_ns for p in files if p != edited] == [
        t for p, t in zip(files, stamps, strict=True) if p != edited
    ]
    # Whichever outlet's copy was stored first is posted, listing the other
    # (feeds of one pass are handled in the order their documents arrive).
    pairs = ("证券时报网", "东方财富网")
    listed = [
        (f"author: {mine}", f"also_reported_by:\n - {other}\n")
        for mine, other in (pairs, pairs[::-1])
    ]
    merged = [t for t in written.values() if "also_reported_by:" in t]
    assert len(merged) == 2
    assert all(any(a in t and b in t for a, b in listed) for t in merged)
    assert "tags:\n - 宁德时代(300750)\n" in text


def test_title_width_and_own_template_from_the_config(tmp_path: Path) -> None:
    """`title_max_width` and `post_template` reach the posts a run writes."""
    from support.feeds import Item, rss

    (tmp_path / "a.xml").write_bytes(
        rss("证券时报网 - 要闻", [Item(title="央行开展100亿元逆回购操作", guid="1")])
    )
    (tmp_path / "mine.md.j2").write_text(
        "---\ntitle: {{ title | yaml_quote }}\nsource: {{ source }}\n---\n{{ body }}\n",
        encoding="utf-8",
    )
    spec = [{"url": "a.xml", "group": "金融", "source": "证券时报网"}]
    config = write_config(tmp_path, spec, title_max_width=10, post_template="mine.md.j2")
    assert cli("run", "-c", str(config)).code == 0
    (post,) = posts(tmp_path).values()
    assert post.startswith("---\ntitle: '央行开展10...'\nsource: 证券时报网\n---\n")


def test_failed_daemon_passes_are_retried_sooner_than_every_then_at_its_pace() -> None:
    from datetime import timedelta

    from feedmill.cli import retry_wait

    every = timedelta(minutes=1)
    waits = [retry_wait(failed, every).total_seconds() for failed in range(1, 7)]
    assert waits == [5, 10, 20, 40, 60, 60]
    assert retry_wait(200, timedelta(days=3650)) <= timedelta(days=3650)  # no overflow


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0, "0s"),
        (0.5, "500ms"),
        (0.9996, "999ms"),  # (not "1000ms")
        (59, "59s"),
        (90, "1m"),
        (7140, "1h59m"),
        (183600, "2d3h"),
    ],
)
def test_a_length_of_time_is_said_in_its_two_largest_units(seconds: float, said: str) -> None:
    """(`--every 500ms` started "a pass at least every 0s".)"""
    from feedmill.cli import _span

    assert _span(seconds) == said
    # `--every 90` started "a pass at least every 1m", `--every 1.5` "every 1s".
    exact = {90: "1m30s", 7140: "1h59m", 183600: "2d3h"}
    assert _span(seconds, exact=True) == exact.get(seconds, said)
    assert [_span(s, exact=True) for s in (1.5, 3630, 900, 86400)] == ["1.5s", "1h30s", "15m", "1d"]


def test_a_second_stop_signal_is_not_ignored() -> None:
    import os
    import signal
    import threading

    from feedmill.cli import _stop_on_signals

    class Mill:
        stopping = threading.Event()

        def stop(self) -> None:
            self.stopping.set()

    # (The second signal's action is read, not taken: it ends the process.)
    mill = Mill()
    with _stop_on_signals(mill):
        os.kill(os.getpid(), signal.SIGINT)  # the first: finish the writes, then stop
        assert mill.stopping.is_set()
        # The second stops at once, by the signal (a KeyboardInterrupt
        # waited for the writes under way).
        assert signal.getsignal(signal.SIGINT) == signal.SIG_DFL
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    # Of the other kind (Ctrl-C after `systemctl stop`): a second signal too.
    mill = Mill()
    mill.stopping.clear()
    with _stop_on_signals(mill):
        previous = signal.getsignal(signal.SIGINT)
        os.kill(os.getpid(), signal.SIGTERM)
        assert mill.stopping.is_set()
        assert signal.getsignal(signal.SIGINT) == signal.SIG_DFL
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    assert previous is not signal.default_int_handler  # it was feedmill's
    # A handler of the caller's own is what a second signal does.
    own = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        custom = signal.getsignal(signal.SIGTERM)
        with _stop_on_signals(Mill()):
            os.kill(os.getpid(), signal.SIGINT)
            assert signal.getsignal(signal.SIGTERM) is custom
    finally:
        signal.signal(signal.SIGTERM, own)


def test_version_and_help_of_every_command() -> None:
    from feedmill import __version__

    version = cli("--version")
    assert version.code == 0 and version.stdout.strip() == f"feedmill {__version__}"
    top = cli("--help")
    commands = ("add", "demo", "export", "import", "init", "publish", "run", "search", "status")
    assert all(f"  {name} " in top.stdout for name in commands)
    for name in commands:
        page = cli(name, "-h")
        assert page.code == 0 and page.stdout.startswith(f"Usage: feedmill {name} "), name
    assert "--due / --all" in cli("run", "--help").stdout


def test_usage_errors_exit_2_and_say_what_is_wrong(tmp_path: Path) -> None:
    assert cli("frobnicate").code == 2
    missing = cli("add", "https://example.com/feed", "-c", str(tmp_path / "feedmill.yml"))
    assert missing.code == 2 and "Missing option '--group'" in missing.stderr
    limit = cli("search", "x", "--limit", "0")
    assert limit.code == 2 and "--limit" in limit.stderr


def test_a_one_shot_run_takes_every_feed_unless_due_only(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.xml").write_text(
            f"<rss version='2.0'><channel><title>{name}</title>"
            f"<item><title>{name} 1</title><link>https://example.com/{name}/1</link>"
            "<pubDate>Tue, 20 Sep 2022 08:00:00 GMT</pubDate></item></channel></rss>",
            encoding="utf-8",
        )
    feeds = [{"url": f"{name}.xml", "group": "g", "source": name} for name in ("a", "b")]
    config = write_config(tmp_path, feeds, interval="1h")
    assert "2 ok" in cli("run", "-c", str(config)).stdout
    again = cli("run", "-c", str(config))  # one pass: every feed, due or not
    assert "2 unchanged" in again.stdout and "not due" not in again.stdout
    due = cli("run", "-c", str(config), "--due")
    assert "0 unchanged" in due.stdout and "2 not due" in due.stdout


def test_text_from_feeds_and_configs_is_printed_as_it_is_never_as_markup(tmp_path: Path) -> None:
    (tmp_path / "ok.xml").write_text(
        "<rss version='2.0'><channel><title>t</title><item><title>x</title>"
        "<link>https://example.com/1</link></item></channel></rss>",
        encoding="utf-8",
    )
    feeds = [
        # The terminal library reads [/b] as a closing tag (an error) and
        # [category] as a style (swallowed): both must show as written.
        {"url": "feeds/[/b].xml", "group": "g", "source": "s"},
        {"url": "ok.xml?filter[category]=1", "group": "g", "source": "t"},
        {"url": "ok.xml", "group": "g", "source": "u", "channel": "[rsshub] 周刊 [/b]"},
    ]
    config = write_config(tmp_path, feeds)
    result = cli("run", "-c", str(config))
    assert result.code == 0
    assert "feeds/[/b].xml" in result.stderr
    assert "filter[category]=1" in result.stderr
    status = cli("status", "-c", str(config))
    assert status.code == 0
    assert "g / u / [rsshub] 周刊 [/b]" in status.stdout
    assert "no such file" in status.stdout and "[/b].xml" in status.stdout


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("title: {{ title | yaml_quote }\n", "mine.md.j2:1: unexpected '}'"),
        ("title: {{ title | no_such_filter }}\n", "No filter named 'no_such_filter'"),
        ("title: {{ titel }}\n", "'titel' is undefined"),
        ("{{ link.upper() }}\n", "UndefinedError"),  # a post without a link has none
    ],
)
def test_a_broken_post_template_is_a_config_error_before_any_fetch(
    tmp_path: Path, template: str, message: str
) -> None:
    (tmp_path / "mine.md.j2").write_text(template, encoding="utf-8")
    spec = [{"url": "a.xml", "group": "g", "source": "s"}]
    config = write_config(tmp_path, spec, post_template="mine.md.j2")
    result = cli("run", "-c", str(config))
    assert result.code == 2
    assert "post_template:" in result.stderr and message in result.stderr.replace("\n", " ")
    assert not (tmp_path / ".feedmill").exists()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_post_template_that_fails_on_one_post_leaves_it_alone(
    tmp_path: Path, workers: str
) -> None:
    """A site's own template that the sample post passes may fail on a real
    one (a link without a path): that post waits, said so; the others are
    written, a rebuild too — one such post stopped every pass with a
    traceback, or failed its feed as "parser crashed"."""
    items = [
        Item("有路径", guid="1", link="https://e.example/news/1.html"),
        Item("无路径", guid="2", link="https://e.example"),
    ]
    (tmp_path / "a.xml").write_bytes(rss("源", items))
    template = tmp_path / "mine.md.j2"
    section = '{% if link %}{{ link.split("/")[3] }}{% endif %}'
    template.write_text(f"---\ntitle: {{{{ title | yaml_quote }}}}\nsection: {section}\n---\n")
    spec = [{"url": "a.xml", "group": "g", "source": "s"}]
    config = write_config(tmp_path, spec, post_template="mine.md.j2")
    result = cli("run", "-c", str(config), "--workers", workers)
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr and "parser crashed" not in result.stderr
    assert "1 post not written (无路径-" in result.stderr
    assert "the post template failed: UndefinedError:" in result.stderr
    assert "has no element 3" in result.stderr
    assert "1 not written (see the note; tried again next pass)" in result.stdout
    assert "0 unchanged" in result.stdout
    (post,) = posts(tmp_path).values()
    assert "section: news" in post
    status = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert status[0]["last_error"] is None
    rebuilt = cli("publish", "-c", str(config), "--rebuild")
    assert rebuilt.code == 0 and "1 post not written" in rebuilt.stderr
    assert len(posts(tmp_path)) == 1
    # A restyle: the feed's posts rewritten, the one that fails not counted unchanged.
    template.write_text(template.read_text() + "\n")
    again = cli("run", "-c", str(config))
    assert "0 new, 1 updated, 0 unchanged · 1 not written" in again.stdout, again.stdout
    # Mended, the post is written by the next pass.
    template.write_text("---\ntitle: {{ title | yaml_quote }}\n---\n")
    assert cli("run", "-c", str(config)).code == 0
    assert len(posts(tmp_path)) == 2


def test_a_template_that_reads_the_channel_fails_only_a_feed_without_one(
    tmp_path: Path,
) -> None:
    """`categories[2]` serves feeds with a channel; one with none (not in the
    config, no title of its own) has its posts wait, said."""
    (tmp_path / "a.xml").write_bytes(rss("源", [Item("有频道", guid="1")]))
    (tmp_path / "b.xml").write_bytes(rss("", [Item("无频道", guid="2")]))
    (tmp_path / "mine.md.j2").write_text("---\nsection: {{ categories[2] | yaml_plain }}\n---\n")
    spec = [
        {"url": "a.xml", "group": "g", "source": "s"},
        {"url": "b.xml", "group": "g", "source": "t"},
    ]
    config = write_config(tmp_path, spec, post_template="mine.md.j2")
    result = cli("run", "-c", str(config))
    assert result.code == 0 and "has no element 2" in result.stderr.replace("\n", " ")
    assert list(posts(tmp_path).values()) == ["---\nsection: 源\n---\n"]


def test_a_missing_config_and_a_link_to_a_gone_one_say_which(tmp_path: Path) -> None:
    result = cli("run", "-c", str(tmp_path / "feedmill.yml"))
    assert (
        result.code == 2 and "no such file (create one with `feedmill init DIR`)" in result.stderr
    )
    (tmp_path / "feedmill.yml").symlink_to(tmp_path / "versions" / "feedmill.yml")
    result = cli("run", "-c", str(tmp_path / "feedmill.yml"))
    assert result.code == 2 and "which is not there" in result.stderr
    assert "versions" in result.stderr and "feedmill init" not in result.stderr


def test_a_missing_config_beside_one_named_yaml_names_it(tmp_path: Path) -> None:
    (tmp_path / "feedmill.yaml").write_text("feeds: []\n")
    config = tmp_path / "feedmill.yml"
    for command in (
        ["status"],
        ["add", "https://a.example/f.xml", "--group", "g", "--source", "s"],
    ):
        result = cli(*command, "-c", str(config))
        said = " ".join(result.stderr.split())
        assert result.code == 2, command
        assert said.startswith("config error")  # (`add` said "error", as it does when unwritable)
        assert f"no such file (there is {tmp_path / 'feedmill.yaml'}:" in said


def test_a_command_in_a_folder_of_the_site_names_its_config_and_init_there_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In source/_posts, `status` said to make a config with `feedmill init`,
    and that made a second site there, which Hexo published: feedmill.yml
    (with the feeds' keys) and the scripts as posts."""
    site = tmp_path / "site"
    assert cli("init", str(site)).code == 0
    posts = site / "source" / "_posts"
    monkeypatch.chdir(posts)
    result = cli("status")
    said = " ".join(result.stderr.split())
    assert result.code == 2
    assert "no such file (there is ../../feedmill.yml: `-c ../..`)" in said
    assert "feedmill init" not in said
    for inside in (posts, site / "source" / "news", site / "public"):
        refused = cli("init", str(inside))
        said = " ".join(refused.stderr.split())
        assert refused.code == 2, inside
        assert f"is in the {'public' if 'public' in inside.parts else 'source'} folder" in said
        assert f"`feedmill init {site}`" in said
        assert not (inside / "feedmill.yml").exists()
    assert sorted(p.name for p in posts.iterdir()) == []
    assert not (site / "source" / "news").exists()
    # … reached through a link too.
    (tmp_path / "linked").symlink_to(site / "source")
    through = cli("init", str(tmp_path / "linked" / "news"))
    assert through.code == 2 and "is in the source folder" in " ".join(through.stderr.split())
    assert not (site / "source" / "news").exists()
    # … and where the site's source folder is a link to another disk.
    (site / "source").rename(tmp_path / "disk")
    (site / "source").symlink_to(tmp_path / "disk")
    moved = cli("init", str(site / "source" / "news"))
    assert moved.code == 2 and "is in the source folder" in " ".join(moved.stderr.split())
    assert not (tmp_path / "disk" / "news").exists()
    # … and through a link to that link.
    (tmp_path / "again").symlink_to(site / "source")
    both = cli("init", str(tmp_path / "again" / "news"))
    assert both.code == 2 and "is in the source folder" in " ".join(both.stderr.split())
    assert not (tmp_path / "disk" / "news").exists()
    # A folder of its scripts: Hexo runs each file there (feedmill.yml too).
    refused = cli("init", str(site / "scripts" / "x"))
    said = " ".join(refused.stderr.split())
    assert refused.code == 2 and "is in the scripts folder" in said and "run what" in said
    assert not (site / "scripts" / "x").exists()
    # … and of its theme's (a theme has a _config.yml of its own: it was
    # named as the site, and init there suggested).
    # (… as npm installs one too.)
    for theme in (site / "themes" / "landscape", site / "node_modules" / "hexo-theme-landscape"):
        theme.mkdir(parents=True, exist_ok=True)
        (theme / "_config.yml").write_text("menu: {}\n", encoding="utf-8")
        for folder in ("scripts", "source"):
            refused = cli("init", str(theme / folder / "x"))
            said = " ".join(refused.stderr.split())
            assert refused.code == 2
            assert (
                f"is in the {folder} folder of the theme landscape of the Hexo site {site}" in said
            )
            assert f"`feedmill init {site}`" in said
            assert not (theme / folder / "x").exists()
    # … a theme without a _config.yml of its own (Hexo needs none), and a
    # folder of the source holding another tool's _config.yml: the site
    # around that was not asked, and published feedmill.yml with its keys.
    bare = site / "themes" / "mine" / "source" / "news"
    notes = site / "source" / "jekyll-notes"
    notes.mkdir(parents=True)
    (notes / "_config.yml").write_text("title: notes\n", encoding="utf-8")
    for inside, where in ((bare, "source folder of the theme mine"), (notes / "news", "source")):
        refused = cli("init", str(inside))
        said = " ".join(refused.stderr.split())
        assert refused.code == 2 and f"is in the {where}" in said, said
        assert not inside.exists()
    # A folder of the site that Hexo does not publish is no site's source.
    assert cli("init", str(site / "tools" / "other")).code == 0
    # A feedmill.yaml up there: named as the file to pass, -c taking a folder for its .yml.
    other = tmp_path / "other"
    (other / "a" / "b").mkdir(parents=True)
    (other / "feedmill.yaml").write_text("feeds: []\n", encoding="utf-8")
    monkeypatch.chdir(other / "a" / "b")
    said = " ".join(cli("status").stderr.split())
    assert "(there is ../../feedmill.yaml: `-c ../../feedmill.yaml`)" in said


def test_hexos_config_given_for_feedmills_is_named_so(tmp_path: Path) -> None:
    """`-c _config.yml` said "_config.yml:6: title: unknown key", a slip in
    feedmill's config to read."""
    site = tmp_path / "site"
    assert cli("init", str(site)).code == 0
    hexos = str(site / "_config.yml")
    for command in (["run"], ["status"], ["add", "https://a.example/f.xml", "-g", "g", "-s", "s"]):
        result = cli(*command, "-c", hexos)
        said = " ".join(result.stderr.split())
        assert result.code == 2, command
        assert f"{hexos}: Hexo's site config, not feedmill's: feedmill's is feedmill.yml" in said
    assert "a.example" not in (site / "_config.yml").read_text(encoding="utf-8")


def test_status_names_feeds_of_one_category_by_their_urls(tmp_path: Path) -> None:
    feeds = [
        {"url": "missing-yw.xml", "group": "金融", "source": "新浪财经"},
        {"url": "missing-gn.xml", "group": "金融", "source": "新浪财经"},
        {"url": "other.xml", "group": "金融", "source": "证券时报网"},
    ]
    config = write_config(tmp_path, feeds)
    (tmp_path / "other.xml").write_bytes(rss("证券时报网", [Item(title="新闻", guid="g1")]))
    assert cli("run", "-c", str(config)).code == 0
    lines = cli("status", "-c", str(config)).stdout.splitlines()
    assert sum("金融 / 新浪财经" in line for line in lines) == 2
    assert any(line.startswith("missing-yw.xml") for line in lines)
    assert any(line.startswith("missing-gn.xml") for line in lines)
    assert not any(line.startswith("other.xml") for line in lines)  # alone, and fine


# What would tell rich, or Python, how wide the terminal is or whether it is one.
_TERMINAL_SETTINGS = ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TERM")


def in_terminal(*args: str, columns: int) -> str:
    """`feedmill *args`'s output in a terminal (a pseudo-terminal) ``columns``
    wide, its styles taken out."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in _TERMINAL_SETTINGS}
    with subprocess.Popen(
        [sys.executable, "-m", "feedmill", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**env, "TERM": "xterm"},
    ) as process:
        os.close(follower)
        shown = b""
        with contextlib.suppress(OSError):  # EIO: the terminal's last reader has gone
            while chunk := os.read(leader, 65536):
                shown += chunk
        os.close(leader)
        assert process.wait(timeout=60) == 0, shown
    return re.sub(r"\x1b\[[0-9;]*m", "", shown.decode()).replace("\r\n", "\n")


def test_status_in_a_terminal_narrower_than_its_table_gives_each_feed_a_block(
    tmp_path: Path,
) -> None:
    """At 80 columns, a table row of ~150 ran over two lines, under a header
    that lined up with nothing: a block per feed, its facts named."""
    feeds = [
        {"url": "ok.xml", "group": "金融", "source": "证券时报网", "channel": "要闻"},
        {"url": "missing.xml", "group": "金融", "source": "证券时报网", "channel": "快讯"},
    ]
    config = write_config(tmp_path, feeds)
    (tmp_path / "ok.xml").write_bytes(rss("证券时报网", [Item(title="新闻", guid="g1")]))
    assert cli("run", "-c", str(config)).code == 0
    narrow = in_terminal("status", "-c", str(config), columns=80).splitlines()
    assert narrow[0] == "金融 / 证券时报网 / 要闻", narrow
    failing = narrow.index("金融 / 证券时报网 / 快讯")
    # Its figures, folded where the width says ("823ms ago" is longer than "1s ago").
    facts = " · ".join(line.strip() for line in narrow[1:failing])
    assert narrow[1].startswith("  last attempt "), narrow
    assert facts.endswith(" · items 1 · posts 1") and "last success " in facts, narrow
    assert narrow[failing + 1] == "  missing.xml", narrow
    assert narrow[failing + 2].startswith("  last attempt "), narrow
    assert any(line.startswith("  no such file: ") for line in narrow[failing + 2 :]), narrow
    assert narrow[-1] == "2 feeds: 1 ok, 1 failing", narrow
    assert all(cell_len(line) <= 80 for line in narrow if "no such file" not in line), narrow
    # Wide enough, and piped (a log, grep) — styled too (FORCE_COLOR): the table.
    wide = in_terminal("status", "-c", str(config), columns=250).splitlines()
    assert wide[0].startswith("feed ") and wide[0].endswith("error / warning"), wide
    piped = cli("status", "-c", str(config)).stdout.splitlines()
    assert piped[0] == wide[0]
    env = {k: v for k, v in os.environ.items() if k not in _TERMINAL_SETTINGS}
    styled = subprocess.run(
        [sys.executable, "-m", "feedmill", "status", "-c", str(config)],
        capture_output=True,
        text=True,
        env={**env, "FORCE_COLOR": "1", "TTY_COMPATIBLE": "1"},
        check=True,
    )
    assert re.sub(r"\x1b\[[0-9;]*m", "", styled.stdout).splitlines()[0] == wide[0]


def test_status_cuts_a_long_category_not_every_row(tmp_path: Path) -> None:
    """A channel is its feed's title: one of 200 characters padded every row of
    the table to its width.  Cut in the table, whole in --json."""
    title = "Crazy " + "x" * 200 + " title"
    feeds = [
        {"url": "long.xml", "group": "科技", "source": "s"},
        {"url": "short.xml", "group": "科技", "source": "开源中国"},
    ]
    config = write_config(tmp_path, feeds)
    (tmp_path / "long.xml").write_bytes(rss(title, [Item(title="新闻", guid="g1")]))
    (tmp_path / "short.xml").write_bytes(rss("开源中国 - 资讯", [Item(title="新闻二", guid="g2")]))
    assert cli("run", "-c", str(config)).code == 0
    lines = cli("status", "-c", str(config)).stdout.splitlines()
    assert max(len(line) for line in lines) < 150, lines
    long_line = next(line for line in lines if line.startswith("科技 / s / Crazy"))
    assert "x…" in long_line and " title" not in long_line
    assert any(line.startswith("科技 / 开源中国 / 资讯  ") for line in lines)
    rows = json.loads(cli("status", "--json", "-c", str(config)).stdout)
    channel = rows[0]["categories"][2]  # (as the site has it: a folder name's length at most)
    assert (
        channel.startswith("Crazy xxx")
        and len(channel) > 150
        and rows[1]["categories"][2] == "资讯"
    )


def test_status_warns_of_channels_from_titles_that_share_a_category_page(
    tmp_path: Path,
) -> None:
    """Channels are taken from feed titles when the config names none; two
    that Hexo slugs alike (full-width letters fold) would have one page."""
    (tmp_path / "a.xml").write_bytes(rss("IT之家 - IT资讯", [Item("一", guid="1")]))
    (tmp_path / "b.xml").write_bytes(rss("IT之家 - ＩＴ资讯", [Item("二", guid="2")]))
    (tmp_path / "c.xml").write_bytes(rss("IT之家 - 手机", [Item("三", guid="3")]))
    feeds = [{"url": f"{n}.xml", "group": "科技", "source": "IT之家"} for n in "abc"]
    config = write_config(tmp_path, feeds)
    assert cli("run", "-c", str(config)).code == 0
    result = cli("status", "--json", "-c", str(config))
    warnings = {row["url"]: row["warning"] for row in json.loads(result.stdout)}
    assert warnings == {
        "a.xml": None,
        "b.xml": "channel 'ＩＴ资讯' and 'IT资讯' (a.xml) share one Hexo category page, "
        "/categories/科技/IT之家/IT资讯/, which lists the posts of one only: "
        "set `channel:` for one of the two feeds in the config",
        "c.xml": None,
    }
    assert "1 with warnings" in cli("status", "-c", str(config)).stdout
    # The categories a feed posts under, its channel taken from its title;
    # "channel" is the config's.
    rows = json.loads(result.stdout)
    assert [row["categories"] for row in rows] == [
        ["科技", "IT之家", "IT资讯"],
        ["科技", "IT之家", "ＩＴ资讯"],
        ["科技", "IT之家", "手机"],
    ]
    assert [row["channel"] for row in rows] == [None, None, None]
    # Hexo's own cure, a category_map in the site's _config.yml, is honoured.
    with (tmp_path / "_config.yml").open("a", encoding="utf-8") as site:
        site.write("category_map:\n  ＩＴ资讯: it-news-fullwidth\n")
    result = cli("status", "--json", "-c", str(config))
    assert all(row["warning"] is None for row in json.loads(result.stdout))


def test_status_before_any_run_makes_no_database(tmp_path: Path) -> None:
    """A look at the feeds changes nothing: `state:` pointing at the wrong
    place would otherwise leave an empty database there, every feed "not
    fetched yet" and no hint why."""
    (tmp_path / "a.xml").write_bytes(rss("源", [Item("一", guid="1")]))
    config = write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "源"}])
    result = cli("status", "-c", str(config))
    assert result.code == 0
    assert "1 feed: 0 ok, 0 failing, 1 not fetched yet" in result.stdout
    database = tmp_path / ".feedmill" / "state.db"
    assert f"no state database yet at {database}: `feedmill run` makes it" in result.stderr
    [row] = json.loads(cli("status", "--json", "-c", str(config)).stdout)
    assert row["last_attempt"] is None and row["posts"] == 0
    assert not (tmp_path / ".feedmill").exists()
    assert cli("run", "-c", str(config)).code == 0
    result = cli("status", "-c", str(config))
    assert "1 feed: 1 ok" in result.stdout and "no state database" not in result.stderr


def test_status_says_when_run_cannot_make_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.xml").write_bytes(rss("源", [Item("一", guid="1")]))
    (tmp_path / "data").write_text("a file where a folder must be")
    feeds = [{"url": "a.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds, state=str(tmp_path / "data" / "x" / "state.db"))
    result = cli("status", "-c", str(config))
    assert result.code == 0
    assert (
        f"and `feedmill run` cannot make it: {tmp_path / 'data'} is a file, not a folder"
        in result.stderr
    )
    assert "cannot open the state database" in cli("run", "-c", str(config)).stderr
    # A folder this user may not write in (as root every folder is writable: asked).
    locked = tmp_path / "locked"
    locked.mkdir()
    config = write_config(tmp_path, feeds, state=str(locked / "state.db"))
    real = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != locked and real(path, mode))
    result = cli("status", "-c", str(config))
    assert f"and `feedmill run` cannot make it: {locked} is not writable" in result.stderr


def test_a_database_that_refuses_writes_fails_the_run(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_bytes(rss("源", [Item("一", guid="1")]))
    feeds = [{"url": "feed.xml", "group": "g", "source": "源"}]
    write_config(tmp_path, feeds)
    assert cli("run", "-c", str(tmp_path / "feedmill.yml")).code == 0
    # The same database opened read-only (as a file the user cannot write).
    read_only = f"sqlite:///file:{tmp_path / '.feedmill' / 'state.db'}?mode=ro&uri=true"
    config = write_config(tmp_path, feeds, state=read_only)
    result = cli("run", "-c", str(config))
    assert result.code == 1, result.stdout
    assert "attempt to write a readonly database" in result.stderr
    # Nothing to write is no failure.
    assert cli("publish", "-c", str(config)).code == 0
    assert not Path("file:").exists()  # the URI's path was taken for a folder to make


def test_a_file_that_is_no_feedmill_database_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "junk.db").write_text("hello")
    config = write_config(tmp_path, [], state="junk.db")
    for command in ("run", "status", "search"):
        result = cli(command, *(["央行"] if command == "search" else []), "-c", str(config))
        assert result.code == 1, command
        assert "cannot open the state database" in result.stderr
        assert "file is not a database" in result.stderr
    # Its folder is a file: said so, not mkdir's "File exists" about the folder.
    config = write_config(tmp_path, [], state="junk.db/state.db")
    result = cli("run", "-c", str(config))
    assert result.code == 1 and f"{tmp_path / 'junk.db'} is a file, not a folder" in result.stderr


def test_a_damaged_database_is_its_reason_not_a_traceback(tmp_path: Path) -> None:
    """A page of the file overwritten (a disk fault, a copy cut short): every
    command says why in one line; `status` and `search` printed a traceback."""
    import sqlite3

    (tmp_path / "feed.xml").write_bytes(rss("源", [Item("央行降准", guid="1")]))
    config = write_config(tmp_path, [{"url": "feed.xml", "group": "g", "source": "源"}])
    assert cli("run", "-c", str(config)).code == 0
    database = tmp_path / ".feedmill" / "state.db"
    with contextlib.closing(sqlite3.connect(database)) as conn:
        conn.execute("pragma wal_checkpoint(truncate)")
        page_size = conn.execute("pragma page_size").fetchone()[0]
        root = conn.execute("select rootpage from sqlite_master where name = 'feeds'").fetchone()[0]
    with database.open("r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(b"\xff" * 16)
    for command in (["run"], ["status"], ["status", "--json"], ["search", "央行"]):
        result = cli(*command, "-c", str(config))
        assert result.code == 1, command
        assert "malformed" in result.stderr and "Traceback" not in result.stderr, command
        assert len(result.stderr.strip().splitlines()) <= 2, result.stderr


def test_a_database_from_a_newer_feedmill_is_left_alone(tmp_path: Path) -> None:
    import sqlite3

    config = write_config(tmp_path, [])
    assert cli("run", "-c", str(config)).code == 0
    database = tmp_path / ".feedmill" / "state.db"
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    result = cli("run", "-c", str(config))
    assert result.code == 1
    assert "its schema is not one this feedmill knows" in result.stderr
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("9999_future",)
        ]


def test_ctrl_c_says_interrupted_and_exits_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import feedmill.cli

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    config = write_config(tmp_path, [])
    monkeypatch.setattr(feedmill.cli, "_load", interrupted)
    result = cli("status", "-c", str(config))
    assert result.code == 130
    assert "interrupted" in result.stderr and "Aborted" not in result.stderr


def test_a_relative_sqlite_url_is_the_config_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "feed.xml").write_bytes(rss("源", [Item("一", guid="1")]))
    feeds = [{"url": "feed.xml", "group": "g", "source": "源"}]
    config = write_config(site, feeds, state="sqlite:///.feedmill/url.db")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert "1 new" in cli("run", "-c", str(config)).stdout
    assert (site / ".feedmill" / "url.db").is_file()
    assert not (elsewhere / ".feedmill").exists()
    assert "1 unchanged" in cli("run", "-c", str(config)).stdout
    # With a driver named, and a query, too.
    driver = parse_config("state: sqlite+pysqlite:///s.db?timeout=5\nfeeds: []\n", config)
    assert driver.database_url == f"sqlite+pysqlite:///{site / 's.db'}?timeout=5"


def test_a_state_that_names_a_folder_is_a_config_error(tmp_path: Path) -> None:
    """`state: .feedmill` (the folder, not its file): every command failed with
    SQLite's "unable to open database file", exit 1."""
    (tmp_path / "keep").mkdir()
    feeds = [{"url": "https://a.example.cn/rss", "group": "g", "source": "s"}]
    config = write_config(tmp_path, feeds, state="keep")
    for command in ("run", "status", "publish"):
        result = cli(command, "-c", str(config))
        assert result.code == 2, (command, result.stderr)
        assert "state: keep is a folder: name the database file in it (`state: keep/state.db`)" in (
            result.stderr.replace("\n", " ")
        )
    config = write_config(tmp_path, feeds, state="sqlite:///keep?timeout=5")
    result = cli("status", "-c", str(config))
    assert result.code == 2 and "(`state: sqlite:///keep/state.db?timeout=5`)" in (
        result.stderr.replace("\n", " ")
    )


def test_a_site_that_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_bytes(rss("源", [Item("一", guid="1")]))
    (tmp_path / "a-file").write_text("not a folder")
    feeds = [{"url": "feed.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds, site="a-file")
    for command in ("run", "publish"):
        result = cli(command, "-c", str(config))
        assert result.code == 2, (command, result.stderr)
        assert "a-file is a file, not a folder" in result.stderr
        assert "Traceback" not in result.stderr
    made = cli("init", str(tmp_path / "a-file"))
    assert made.code == 1 and "cannot make a site in" in made.stderr
    # (Not "[Errno 17] File exists": which file, and what it is.)
    assert f"{tmp_path / 'a-file'} is a file, not a folder" in made.stderr.replace("\n", "")
    inside = cli("init", str(tmp_path / "a-file" / "news"))
    assert inside.code == 1
    assert f"{tmp_path / 'a-file'} is a file, not a folder" in inside.stderr.replace("\n", "")
    demo = cli("demo", str(tmp_path / "a-file"))  # (and so for the demo's)
    assert demo.code == 1 and "cannot make the demo site in" in demo.stderr
    assert f"{tmp_path / 'a-file'} is a file, not a folder" in demo.stderr.replace("\n", "")
    assert cli("run", "-c", str(config), "--workers", "0").code == 2
    # A site whose posts' folder is a file: said so, not "[Errno 17] File exists".
    (tmp_path / "site" / "source").mkdir(parents=True)
    (tmp_path / "site" / "source" / "_posts").write_text("not a folder")
    config = write_config(tmp_path, feeds, site="site")
    for command in ("run", "publish"):
        result = cli(command, "-c", str(config))
        assert result.code == 2, (command, result.stderr)
        posts = tmp_path / "site" / "source" / "_posts"
        assert f"{posts} is a file, not the folder of Hexo's posts" in result.stderr
    posts.unlink()
    posts.symlink_to(tmp_path / "gone")
    result = cli("run", "-c", str(config))
    assert result.code == 2, result.stderr
    assert f"{posts} links to nothing: no folder for posts" in result.stderr


def test_a_failed_daemon_pass_gives_the_databases_reason_not_its_sql(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy.exc import OperationalError

    from feedmill.cli import _daemon_pass
    from feedmill.config import load_config

    class Mill:
        config = load_config(write_config(tmp_path, []))

        def database_replaced(self) -> bool:
            return False

        def run(self) -> None:
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))

        renewed = 0

        def renew_connections(self) -> None:
            self.renewed += 1

    mill = Mill()
    assert _daemon_pass(mill, 0) == 1
    assert mill.renewed == 1  # the next pass does not reuse what failed
    said = capsys.readouterr().err
    assert "pass failed (1 in a row): Exception: database is locked" in said
    assert "BEGIN IMMEDIATE" not in said and "sqlalche.me" not in said


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_daemons_output_that_cannot_be_written_never_ends_it(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Any line a daemon prints (a pass's summary, "reloaded …"): said once
    each on stderr, and it goes on. The reload line ended it with 120."""
    import contextlib

    from feedmill.cli import OutputLost, _Output

    full = open("/dev/full", "w", encoding="utf-8")  # noqa: SIM115 (closed below)
    console = _Output(file=full, highlight=False)
    with pytest.raises(OutputLost):
        console.print("a one-shot command's line")
    console.going_on = True
    console.print("reloaded feedmill.yml")
    with contextlib.suppress(OSError):  # what it holds cannot be flushed either
        full.close()
    said = capfd.readouterr().err
    assert said == "feedmill: could not write the output: [Errno 28] No space left on device\n"


def test_a_daemons_leniency_about_its_output_ends_with_it(tmp_path: Path) -> None:
    """A daemon says a line it cannot write and goes on; a command run after
    it in the same process (a test's CliRunner) must still end on one."""
    from feedmill import cli as cli_module

    (tmp_path / "state.db").write_text("not a database")
    (tmp_path / "feed.xml").write_bytes(rss("源", [Item("一", guid="1")]))
    feeds = [{"url": "feed.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds, state="state.db")
    assert cli("run", "-c", str(config), "--every", "1s").code == 1  # not a database
    assert cli_module.out.going_on is False and cli_module.wide.going_on is False


def test_publish_stopped_by_a_signal_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import signal

    from feedmill.pipeline import Mill, RunSummary

    def interrupted(self: Mill, progress: object = None) -> RunSummary:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while writing: the handler stops the mill
        assert self.stopping.is_set()
        return RunSummary()

    monkeypatch.setattr(Mill, "publish_pending", interrupted)
    config = write_config(tmp_path, [])
    assert cli("publish", "-c", str(config)).code == 130


@pytest.mark.parametrize(
    ("path", "web"),
    [
        ("rsshub.app/stcn/yw", "https"),
        ("127.0.0.1:1200/stcn/yw", "http"),
        ("localhost/rss", "http"),
        ("rsshub.example.com:443/x", "https"),
        ("rsshub:1200/stcn/yw", "http"),  # a Docker service
        ("rsshub.lan:1200/stcn/yw", "http"),  # a host with a port: a local one
        ("v1.2:3/feed.xml", None),  # folders named like versions and times are folders
        ("data:1/x.xml", None),
        ("exports.v2/a.xml", None),
        ("1.2.3/x.xml", None),
    ],
)
def test_paths_that_read_as_web_addresses(path: str, web: str | None) -> None:
    from feedmill.config import looks_like_host, web_scheme

    assert looks_like_host(path) is (web is not None)
    if web is not None:
        assert web_scheme(path) == web


_PROGRAM = """
import atexit, os, sys, threading, time
from pathlib import Path
import feedmill.cli

log = Path(sys.argv[1])
atexit.register(lambda: log.open("a").write("atexit\\n"))
real_exit = os._exit


def left(code: int) -> None:  # the interpreter's teardown skipped
    log.open("a").write(f"left {code}\\n")
    real_exit(code)


os._exit = left
if sys.argv[2] == "thread":
    def late() -> None:  # still running when the command ends
        time.sleep(3)
        log.open("a").write("thread\\n")
    threading.Thread(target=late).start()
sys.argv = ["feedmill", *sys.argv[3:]]
feedmill.cli.program()
"""


@pytest.mark.parametrize("thread", [False, True], ids=["alone", "with-a-thread"])
def test_a_command_leaves_without_the_interpreters_teardown_but_with_its_duties(
    tmp_path: Path, thread: bool
) -> None:
    """Freeing every module's objects took ~0.15 s after each command: a
    command leaves at once, once its atexit functions ran and its output is
    flushed — unless another thread still runs, which a normal exit waits for."""
    import subprocess
    import sys

    site = tmp_path / "demo"
    assert cli("demo", str(site)).code == 0
    log = tmp_path / "log"

    def feedmill(*args: str) -> subprocess.CompletedProcess[bytes]:
        command = [sys.executable, "-c", _PROGRAM, str(log), "thread" if thread else "-", *args]
        log.write_text("")
        return subprocess.run(command, capture_output=True, timeout=120)

    status = feedmill("status", "-c", str(site / "feedmill.yml"))
    assert status.returncode == 0, status.stderr
    # Piped, so block-buffered: all of it arrives, down to its last line.
    assert status.stdout.count(b"\n") > 9 and status.stdout.endswith(b", 0 failing\n")
    done = log.read_text().splitlines()
    # With a thread running, the normal exit: it waits for the thread.
    assert done == (["thread", "atexit"] if thread else ["atexit", "left 0"])
    refused = feedmill("status", "-c", str(tmp_path / "missing.yml"))
    assert refused.returncode == 2 and b"missing.yml" in refused.stderr
    if not thread:
        assert log.read_text().splitlines() == ["atexit", "left 2"]


def test_a_command_started_with_its_output_closed_ends_well(tmp_path: Path) -> None:
    """Cron with `>&-`: Python then has no sys.stdout (None). Nothing is written,
    as print() does, and the command ends as it would have."""
    import shlex
    import subprocess
    import sys

    site = tmp_path / "demo"
    assert cli("demo", str(site)).code == 0
    config = shlex.quote(str(site / "feedmill.yml"))
    for command in (
        f"status -c {config} >&-",
        f"run -c {config} >&- 2>&-",
        f"status --json -c {config} >&-",
        f"export -c {config} >&-",
        f"search 证券 --json -c {config} >&-",
    ):
        shell = f"exec {shlex.quote(sys.executable)} -m feedmill {command}"
        done = subprocess.run(["sh", "-c", shell], capture_output=True, timeout=120)
        assert done.returncode == 0 and done.stderr == b"", (command, done.stderr)


@pytest.mark.parametrize("size", ["small", "medium"])
def test_output_that_cannot_be_written_fails_the_command(tmp_path: Path, size: str) -> None:
    """A full disk at the last flush: said, and exit 120 as Python's own exit
    does — not 0 over an empty `export > backup.opml`.  Between
    one and two buffers of output (`status --json`) is written past the buffer
    by that flush: nothing is left for the interpreter's own to fail on."""
    import os
    import subprocess
    import sys

    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full")
    site = tmp_path / "demo"
    assert cli("demo", str(site)).code == 0
    config = str(site / "feedmill.yml")
    args = ["export", "-c", config] if size == "small" else ["status", "--json", "-c", config]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    with open(os.devnull, "wb") as nowhere:
        written = subprocess.run([sys.executable, "-m", "feedmill", *args], stdout=nowhere, env=env)
        assert written.returncode == 0
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [sys.executable, "-m", "feedmill", *args], stdout=full, stderr=subprocess.PIPE, env=env
        )
    assert done.returncode == 120
    assert b"No space left on device" in done.stderr


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["status", "-h"]])
def test_help_that_cannot_be_written_is_said_in_one_line(args: list[str]) -> None:
    """`feedmill --help > /dev/full`: 120 and the reason, as for any command's
    output — not click's traceback."""
    import os
    import subprocess
    import sys

    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full")
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [sys.executable, "-m", "feedmill", *args], stdout=full, stderr=subprocess.PIPE
        )
    assert done.returncode == 120
    assert (
        done.stderr == b"feedmill: could not write the output: [Errno 28] No space left on device\n"
    )
    shown = subprocess.run([sys.executable, "-m", "feedmill", *args], capture_output=True)
    assert shown.returncode == 0 and b"Usage: feedmill" in shown.stdout


def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path: Path) -> None:
    """`feedmill status --json | head -1`: exit 1, as output cut short ends, and
    no message or traceback about the pipe."""
    import os
    import subprocess
    import sys

    site = tmp_path / "demo"
    assert cli("demo", str(site)).code == 0
    config = str(site / "feedmill.yml")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    for args in (["export", "-c", config], ["status", "--json", "-c", config]):
        read, write = os.pipe()
        os.close(read)  # the reader is gone before the first byte
        try:
            done = subprocess.run(
                [sys.executable, "-m", "feedmill", *args],
                stdout=write,
                stderr=subprocess.PIPE,
                env=env,
                timeout=120,
            )
        finally:
            os.close(write)
        assert (done.returncode, done.stderr) == (1, b""), args


def test_output_cut_short_is_never_a_success(tmp_path: Path) -> None:
    """A reader that leaves after the first 64 KiB (or a disk filling up
    then): with PYTHONUNBUFFERED=1 (set in many container images) print()
    returned quietly and the OPML or JSON was truncated under exit status 0
    (`feedmill export > feeds.opml` kept half a backup)."""
    import itertools
    import os
    import subprocess
    import sys
    import time

    feeds = [
        {"url": f"https://rsshub.example.org/stcn/{n}", "group": "金融", "source": f"来源{n}"}
        for n in range(1500)
    ]
    config = str(write_config(tmp_path, feeds))
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    unbuffered = {**buffered, "PYTHONUNBUFFERED": "1"}
    for env, args in itertools.product(
        (buffered, unbuffered),
        (["export", "-c", config], ["status", "--json", "-c", config], ["status", "-c", config]),
    ):
        whole = subprocess.run(
            [sys.executable, "-m", "feedmill", *args], capture_output=True, env=env, timeout=120
        )
        assert whole.returncode == 0 and len(whole.stdout) > 65536 + 8192, args
        command = subprocess.Popen(
            [sys.executable, "-m", "feedmill", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert command.stdout is not None
        pipe = command.stdout.fileno()
        while _waiting(pipe) < 65536 and command.poll() is None:  # the pipe is full
            time.sleep(0.01)
        assert os.read(pipe, 4096)  # a start, then the reader leaves
        command.stdout.close()
        _, errors = command.communicate(timeout=120)
        assert (command.returncode, errors) == (1, b""), args


def _waiting(pipe: int) -> int:
    """How many bytes a pipe holds, not yet read."""
    import fcntl
    import struct
    import termios

    return int(struct.unpack("i", fcntl.ioctl(pipe, termios.FIONREAD, b"\0\0\0\0"))[0])


def test_a_postgresql_server_that_never_answers_is_given_up_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A port that takes connections and never answers (a host gone behind a
    firewall, a server frozen): `run` waited for ever, holding the site's
    lock, and every cron run after it exited 75."""
    import socket

    from feedmill.store import database

    monkeypatch.setattr(database, "CONNECT_TIMEOUT", 1)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel accepts; nobody ever answers
        port = silent.getsockname()[1]
        (tmp_path / "a.xml").write_bytes(rss("源", [Item("一", guid="1")]))
        state = f"postgresql+psycopg://fm:secret@127.0.0.1:{port}/feedmill"
        config = str(
            write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "源"}], state=state)
        )
        result = cli("run", "-c", config)
        assert result.code == 1, (result.stdout, result.stderr)
        assert "timeout" in result.stderr.lower(), result.stderr
        assert "secret" not in result.stderr
        # The URL's own connect_timeout wins over the default (here: a longer one).
        monkeypatch.setattr(database, "CONNECT_TIMEOUT", 3600)
        state += "?connect_timeout=2"
        config = str(
            write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "源"}], state=state)
        )
        result = cli("run", "-c", config)
        assert result.code == 1 and "timeout" in result.stderr.lower(), result.stderr


def test_a_signal_before_the_pass_is_noted_and_stops_it_as_it_begins() -> None:
    import os
    import signal

    from feedmill import cli as cli_module

    class Mill:
        stopped = False

        def stop(self) -> None:
            self.stopped = True

    mill = Mill()
    with cli_module._signals_noted():
        os.kill(os.getpid(), signal.SIGINT)  # no KeyboardInterrupt mid-import
        with cli_module._stop_on_signals(mill) as received:
            assert received == [signal.SIGINT] and mill.stopped
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    # Noted for that command alone: the next one (in this process) starts afresh.
    later = Mill()
    with cli_module._stop_on_signals(later) as received:
        assert received == [] and not later.stopped


def test_a_tilde_in_feedmill_yml_is_the_home_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "state: ~/news/state.db" made a folder named "~" beside the config.
    home, elsewhere = tmp_path / "home", tmp_path / "etc"
    monkeypatch.setenv("HOME", str(home))
    (home / "blog" / "source" / "_posts").mkdir(parents=True)
    (home / "feeds").mkdir()
    (home / "feeds" / "a.xml").write_bytes(
        rss("证券时报网 - 要闻", [Item(title="新闻", guid="g1")])
    )
    feeds = [{"url": "~/feeds/a.xml", "group": "金融", "source": "证券时报网"}]
    config = write_config(elsewhere, feeds, site="~/blog", state="~/state/state.db")
    result = cli("run", "-c", str(config))
    assert result.code == 0, result.stderr
    assert len(posts(home / "blog")) == 1
    assert (home / "state" / "state.db").is_file()
    assert not (elsewhere / "~").exists()
    # A SQLite URL's path too.
    write_config(elsewhere, feeds, site="~/blog", state="sqlite:///~/state/state.db")
    assert "0 new, 0 updated, 1 unchanged" in cli("run", "-c", str(config), "--all").stdout
    assert not (elsewhere / "~").exists()
    # A database an earlier version kept in "./~/" is said, not replaced by a new one.
    (home / "state" / "state.db").rename(home / "state.db")
    (elsewhere / "~" / "state").mkdir(parents=True)
    (home / "state.db").rename(elsewhere / "~" / "state" / "state.db")
    result = cli("run", "-c", str(config))
    assert result.code == 2 and "state: ~/state/state.db is the home folder's now" in " ".join(
        result.stderr.split()
    )
    assert not (home / "state" / "state.db").exists()
    # And a site kept there: said, not a new empty site in the home folder.
    (elsewhere / "~" / "state" / "state.db").rename(home / "state" / "state.db")
    (home / "blog").rename(elsewhere / "~" / "blog")
    result = cli("run", "-c", str(config))
    assert result.code == 2 and "site: ~/blog is the home folder's now" in " ".join(
        result.stderr.split()
    )
    assert not (home / "blog").exists()


def test_init_here_says_what_to_run_next_without_a_cd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    lines = cli("init").stdout.splitlines()
    assert "  feedmill run -c feedmill.yml" in lines
    assert "  npm install && npx hexo server" in lines
    elsewhere = cli("init", "blog").stdout
    assert "(cd blog && npm install && npx hexo server)" in elsewhere


@pytest.mark.parametrize("command", ["init", "demo"])
def test_an_empty_folder_argument_is_refused_not_taken_for_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """`feedmill init "$DIR"` with DIR unset made a site of wherever it ran."""
    monkeypatch.chdir(tmp_path)
    result = cli(command, "")
    assert result.code == 2
    assert "the folder is empty (an unset variable?): write . for this one" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["status", "-c", ""], "'-c': empty (an unset variable?): leave -c out for ./feedmill.yml"),
        (["run", "-c", ""], "'-c': empty (an unset variable?)"),
        (["add", "https://x.example/f", "-g", "g", "-s", "s", "-c", ""], "'-c': empty"),
        (["export", "-o", ""], "'-o': empty (an unset variable?): write - for standard output"),
        (["import", ""], "OPML: empty (an unset variable?): write - for standard input"),
        # `-o=$OUT`, OUT unset: a file named "=" was written.
        (["export", "-o="], "'=' starts with '=' (-o=X gives -o '=X'): write -o X"),
        (["status", "-c=feedmill.yml"], "'=feedmill.yml' starts with '=' (-c=X gives -c '=X')"),
        (["add", "https://x.example/f", "-g=金融", "-s", "s"], "'=金融' starts with '='"),
        (["search", "x", "-s=源"], "'=源' starts with '=' (-s=X gives -s '=X'): write -s X"),
    ],
)
def test_an_empty_file_argument_is_refused_not_taken_for_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], said: str
) -> None:
    """`-c "$CONF"` with CONF unset read — and `add` edited — the feedmill.yml
    of wherever it ran; `export -o ""` said "cannot write: is a directory"."""
    monkeypatch.chdir(tmp_path)
    config = write_config(tmp_path, [])
    before = config.read_bytes()
    result = cli(*args)
    assert result.code == 2
    assert said in " ".join(result.stderr.split())
    assert config.read_bytes() == before


def test_a_symlinked_configs_paths_are_the_linked_files(tmp_path: Path) -> None:
    """As README says: a feedmill.yml kept elsewhere and linked into a folder
    reads its paths from where the file is, not from the link's folder."""
    kept, linked = tmp_path / "kept", tmp_path / "linked"
    kept.mkdir()
    linked.mkdir()
    (kept / "f.xml").write_bytes(rss("源", [Item("第一条", guid="1")]))
    write_config(kept, [{"url": "f.xml", "group": "g", "source": "s"}])
    (linked / "feedmill.yml").symlink_to(kept / "feedmill.yml")
    result = cli("run", "-c", str(linked / "feedmill.yml"))
    assert result.code == 0 and "posts: 1 new" in result.stdout, result.stderr
    assert posts(kept) and not (linked / "source").exists()


def test_names_that_show_alike_are_one_category(tmp_path: Path) -> None:
    """A zero-width space copied with a name from a web page, or an accent
    written apart (NFD): a second category page, shown under the same name as
    the first, each with some of the posts."""
    for name, title in (("a.xml", "第一条"), ("b.xml", "第二条"), ("c.xml", "第三条")):
        (tmp_path / name).write_bytes(rss("t", [Item(title=title, guid=name)]))
    config = write_config(
        tmp_path,
        [
            {"url": "a.xml", "group": "金融", "source": "Café"},
            {
                "url": "b.xml",
                "group": "金融\u200b",
                "source": "Cafe\u0301",
                "channel": "\ufeff要闻",
            },
            # (A joiner inside a name shapes it: 👩‍💻 is one picture.)
            {"url": "c.xml", "group": "金融", "source": "👩\u200d💻"},
        ],
    )
    loaded = parse_config(config.read_text(encoding="utf-8"), config)
    assert [(f.group, f.source, f.channel) for f in loaded.feeds] == [
        ("金融", "Café", None),
        ("金融", "Café", "要闻"),
        ("金融", "👩\u200d💻", None),
    ]
    assert cli("run", "-c", str(config)).code == 0
    written = {
        text.split("title: ")[1].split("\n")[0]: text.split("categories:\n")[1].split("headimg:")[0]
        for text in posts(tmp_path).values()
    }
    assert written == {
        "'第一条'": " - 金融\n - Café\n - t\n",
        "'第二条'": " - 金融\n - Café\n - 要闻\n",
        "'第三条'": " - 金融\n - '👩\u200d💻'\n - t\n",
    }


def test_a_feed_moved_from_a_file_that_is_gone_names_it(tmp_path: Path) -> None:
    """moved_from names where a feed was: a file deleted since, as often as
    not — refused for reading as a web address (feed.rdf: https://feed.rdf),
    the whole config stopped loading."""
    (tmp_path / "new.xml").write_bytes(rss("t", [Item(title="第一条", guid="1")]))
    for earlier in ("feed.rdf", "old/feed.xml.gz", "sina.gbk", "feeds.d/example.xml"):
        config = write_config(
            tmp_path, [{"url": "new.xml", "group": "g", "source": "s", "moved_from": earlier}]
        )
        assert cli("status", "-c", str(config)).code == 0, earlier


def test_names_and_urls_are_shown_as_written_not_as_emoji(tmp_path: Path) -> None:
    """Rich read `:b:` of an IPv6 address, `:id:` of a route and `:warning:`
    of a group as emoji codes: `status` showed a URL that could not be
    copied into `run --feed`."""
    route = "http://127.0.0.1:9/route:id:x:lang:"
    ipv6 = "http://[::b:1]:9/stcn/yw"  # (no such host: refused, unreachable or timed out)
    config = write_config(
        tmp_path,
        [
            {"url": route, "group": "A:warning:B", "source": "s"},
            {"url": ipv6, "group": "g", "source": "t", "timeout": "2s"},
        ],
    )
    ran = cli("run", "-c", str(config))
    status = cli("status", "-c", str(config))
    for said in (ran.stdout + ran.stderr, status.stdout):
        assert route in said and ipv6 in said, said
    assert "A:warning:B" in status.stdout and "⚠" not in status.stdout


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("daemon", "No such command 'daemon': it is `feedmill run --every 15m`."),
        ("fetch", "No such command 'fetch': it is `feedmill run`."),
        ("remove", "No such command 'remove': delete the feed's lines from feedmill.yml"),
        ("ls", "No such command 'ls': `feedmill status` lists the feeds."),
        ("deploy", "No such command 'deploy': Hexo builds the site: `npx hexo generate`"),
        ("demo2", "No such command 'demo2'. Did you mean 'demo'?"),
    ],
)
def test_a_command_other_tools_have_names_the_one_to_type(typed: str, said: str) -> None:
    """`feedmill daemon` answered "Did you mean 'demo'?": the daemon is run's."""
    result = cli(typed)
    assert result.code == 2 and said in result.stderr


@pytest.mark.parametrize("encoding", ["LATIN1", "SQL_ASCII"])
def test_a_postgresql_database_not_in_utf8_is_refused_by_its_encoding(
    tmp_path: Path, postgres_url: str, encoding: str
) -> None:
    """LATIN1: every feed failed as "parser crashed: UnicodeEncodeError", and
    search blamed the terminal; SQL_ASCII (initdb's under the C locale): a
    traceback from every command."""
    from support.postgres import new_database

    (tmp_path / "a.xml").write_bytes(rss("源", [Item("央行", guid="1")]))
    state = new_database(postgres_url, encoding)
    feeds = [{"url": "a.xml", "group": "g", "source": "源"}]
    config = str(write_config(tmp_path, feeds, state=state))
    for command in (["run"], ["status"], ["search", "央行"]):
        result = cli(*command, "-c", config)
        said = " ".join(result.stderr.split())
        assert result.code == 1, (command, result.stderr)
        assert f"its encoding is {encoding}; feedmill needs a UTF8 database" in said
        assert "Traceback" not in said and "locale" not in said
    assert posts(tmp_path) == {}


def test_a_client_encoding_in_the_environment_changes_nothing(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.postgres import new_database

    (tmp_path / "a.xml").write_bytes(rss("源", [Item("央行", guid="1")]))
    feeds = [{"url": "a.xml", "group": "g", "source": "源"}]
    config = str(write_config(tmp_path, feeds, state=new_database(postgres_url)))
    monkeypatch.setenv("PGCLIENTENCODING", "SQL_ASCII")  # (psycopg returned bytes)
    result = cli("run", "-c", config)
    assert result.code == 0, result.stderr
    assert "央行" in cli("search", "央行", "-c", config).stdout
