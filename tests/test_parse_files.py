"""Parser tests as data: every document in data/parse has an expected result.

``<name>.xml`` (or ``.json``) is parsed and normalized; the result must equal
``<name>.expected.json``.  To add a case, add a document and write its
expected file by hand (``python tests/test_parse_files.py NAME`` prints what
the code makes of it today, as a starting point to check line by line).
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from feedmill.normalize.document import normalize_feed
from feedmill.parse import ParseError, parse_document

CASES = Path(__file__).parent / "data" / "parse"
DOCUMENTS = sorted(
    p
    for p in CASES.iterdir()
    if p.suffix in (".xml", ".json") and not p.name.endswith(".expected.json")
)
FEED_URL = "https://feeds.example.net/feed"
ZONE = ZoneInfo("Asia/Shanghai")


def actual(document: Path) -> dict[str, Any]:
    parsed = parse_document(document.read_bytes())
    entries = normalize_feed(parsed, feed_url=FEED_URL, zone=ZONE)
    return {
        "parser": parsed.parser,
        "encoding": parsed.encoding,
        "title": parsed.title,
        "link": parsed.link,
        "ttl_minutes": parsed.ttl_minutes,
        "entries": [
            {
                "key": e.key,
                "link": e.link,
                "title": e.title,
                "published": e.published.isoformat() if e.published else None,
                "updated": e.updated.isoformat() if e.updated else None,
                "author": e.author,
                "categories": list(e.categories),
                "image": e.image,
                "content": e.content,
            }
            for e in entries
        ],
    }


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_document_parses_to_expected_entries(document: Path) -> None:
    expected_file = document.with_name(document.stem + ".expected.json")
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    assert actual(document) == expected


def test_every_document_has_an_expected_file() -> None:
    assert DOCUMENTS
    for document in DOCUMENTS:
        assert document.with_name(document.stem + ".expected.json").is_file(), document.name


def test_a_json_feed_of_other_types_than_the_spec_s_keeps_its_good_items() -> None:
    """One item that is not an object, an author that is a name, tags that
    are a number: fastfeedparser raised on each, and the whole feed failed."""
    parsed = parse_document((CASES / "jsonfeed-wrong-types.json").read_bytes())
    assert [e.title for e in parsed.entries] == ["快讯一", "快讯二"]
    assert parsed.warnings == ("skipped 2 items that are not JSON objects",)


def test_a_document_the_loose_parser_crashes_on_is_read_item_by_item() -> None:
    """An end tag cut inside one item's category crashed feedparser's loose
    parser (KeyError 'tags'): the whole feed failed, every pass.  The other
    items are read whole — their "&amp;" and "&lt;" too, which libxml2's
    recovery dropped after its first error."""
    document = (CASES / "rss-end-tag-cut-in-a-category.xml").read_text(encoding="utf-8")
    document = document.replace(
        "<title>第三条</title>", "<title>第三条 AT&amp;T &lt;新品&gt;</title>"
    )
    parsed = parse_document(document.encode())
    assert [e.title for e in parsed.entries] == ["第一条", "第三条 AT&T <新品>"]
    (said,) = parsed.warnings
    assert said.endswith("KeyError: read item by item, 1 item the parser cannot read left out")
    # "<item>" in a CDATA section or a comment is no item's start: no phantom item.
    quoted = document.replace(
        "<description>最后一条。</description>",
        "<description><![CDATA[<p>用 <item> 标签</p>]]></description>",
    ).replace(
        "<description>正常的正文。</description>", "<!-- <item> --><description>正文</description>"
    )
    assert [(e.title, e.content) for e in parse_document(quoted.encode()).entries] == [
        ("第一条", "正文"),
        ("第三条 AT&T <新品>", "<p>用 <item> 标签</p>"),
    ]
    # Atom, and RSS 1.0 (items outside the channel): the feed's title read once.
    broken = '<category term="x">x</entry</category>'
    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
        + "".join(
            f"<entry><id>e{n}</id><title>t{n}</title>{broken if n == 1 else ''}</entry>"
            for n in range(3)
        )
        + "</feed>"
    )
    rdf = (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns="http://purl.org/rss/1.0/"><channel rdf:about="c"><title>R</title></channel>'
        + "".join(
            f'<item rdf:about="i{n}"><title>t{n}</title><link>https://r.cn/{n}</link>'
            f"{broken if n == 1 else ''}</item>"
            for n in range(3)
        )
        + "</rdf:RDF>"
    )
    for text, title in ((atom, "A"), (rdf, "R")):
        parsed = parse_document(text.encode())
        assert (parsed.title, [e.title for e in parsed.entries]) == (title, ["t0", "t2"])
    # The root's xml:base holds, a tag in a comment before it notwithstanding.
    based = atom.replace(
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        '<!-- made by <a>gen</a> --><feed xmlns="http://www.w3.org/2005/Atom"'
        ' xml:base="https://e.cn/">',
    ).replace("</title></entry>", '</title><link href="/p"/></entry>')
    assert {e.link for e in parse_document(based.encode()).entries} == {"https://e.cn/p"}
    # … and the channel's, a "</channel>" in its description's CDATA notwithstanding.
    channel = document.replace(
        "<channel>",
        '<channel xml:base="https://b.cn/x/"><description><![CDATA[写 </channel> 结束]]>'
        "</description>",
    ).replace("<link>https://example.com/3</link>", "<link>news/3.html</link>")
    assert parse_document(channel.encode()).entries[-1].link == "https://b.cn/x/news/3.html"


def test_a_cdata_section_inside_an_items_cdata_is_read_as_its_html() -> None:
    """An inline script's `/* <![CDATA[ */` guard: its `]]>` ended the item's
    HTML, and the loose parser gave the rest as markup shown as text."""
    html = (
        "<p>第一段正文。</p><script>/* <![CDATA[ */ var cfg = {a:1}; /* ]]> */</script>"
        "<p>第二段正文，很重要。</p>"
    )
    wordpress = "<script>/* <![CDATA[ */ var wpcf7 = {}; /* ]]&gt; */</script><p>WP</p>"
    document = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"<item><guid>0</guid><title>w</title><description><![CDATA[{wordpress}]]>"
        "</description></item>"
        f"<item><guid>1</guid><title>a</title><description><![CDATA[{html}]]></description></item>"
        "<item><guid>2</guid><title>b</title><description><![CDATA[<p>x <span><![CDATA[y]]>"
        "</span> z</p>]]></description></item>"
        "<item><guid>3</guid><title>c</title><description><![CDATA[<p>正文</p>]]></description>"
        "</item></channel></rss>"
    )
    parsed = parse_document(document.encode())
    assert parsed.parser == "fast" and parsed.warnings == ()
    assert [e.content for e in parsed.entries] == [
        wordpress,
        html,
        "<p>x <span><![CDATA[y]]></span> z</p>",
        "<p>正文</p>",
    ]


_NESTED = "<p>正文一</p><script>/* <![CDATA[ */ var cfg = {a:1}; /* ]]> */</script><p>正文二</p>"


@pytest.mark.parametrize(
    ("description", "read"),
    [
        # Text after the section, in its element: the next item was taken in.
        (f"<![CDATA[{_NESTED}]]>（完）", f"{_NESTED}（完）"),
        # FeedBurner's tracking picture after it, escaped.
        (
            f'<![CDATA[{_NESTED}]]>&lt;img src="http://feeds.feedburner.com/~r/x/~4/1" height="1"/&gt;',
            f'{_NESTED}<img src="http://feeds.feedburner.com/~r/x/~4/1" height="1"/>',
        ),
        # Text before it.
        (f"摘要 <![CDATA[{_NESTED}]]>", f"摘要 {_NESTED}"),
        # Two sections, the first with the guard.
        (f"<![CDATA[{_NESTED}]]><![CDATA[<p>尾</p>]]>", f"{_NESTED}<p>尾</p>"),
    ],
)
def test_a_nested_cdata_section_is_mended_wherever_it_stands(description: str, read: str) -> None:
    # Before it, an item with text before WordPress's guard, escaped as it
    # should be: its "<![CDATA[" again after the escape stopped all mending.
    escaped = (
        "摘要 <![CDATA[<p>一</p><script>/* <![CDATA[ */ var a=1; /* ]]]]><![CDATA[> */</script>]]>"
    )
    document = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"<item><guid>0</guid><title>w</title><description>{escaped}</description></item>"
        f"<item><guid>1</guid><title>a</title><description>{description}</description></item>"
        "<item><guid>2</guid><title>b</title><description>第二条正文</description></item>"
        "</channel></rss>"
    )
    parsed = parse_document(document.encode())
    assert parsed.warnings == ()
    assert [(e.title, e.content) for e in parsed.entries][1:] == [("a", read), ("b", "第二条正文")]


@pytest.mark.parametrize(
    "text",
    [
        # A "<![CDATA[" written as text in an article about XML, closed once:
        # no nesting to mend.
        "<d><![CDATA[写 <![CDATA[ 开始一节]]></d><d><![CDATA[x]]></d>",
        "<d><![CDATA[<![CDATA[ never closed",
        "<d>no section</d>",
    ],
)
def test_a_cdata_section_without_one_closed_inside_it_is_not_mended(text: str) -> None:
    from feedmill.parse.safety import nested_cdata_closed

    assert nested_cdata_closed(text) == text


def test_a_cdata_section_closed_inside_another_is_escaped() -> None:
    from feedmill.parse.safety import nested_cdata_closed

    assert nested_cdata_closed("<a><![CDATA[1<![CDATA[2]]>3]]></a><b><![CDATA[4]]></b>") == (
        "<a><![CDATA[1<![CDATA[2]]]]><![CDATA[>3]]></a><b><![CDATA[4]]></b>"
    )
    # A "<![CDATA[" written as text in another element's section (WordPress's
    # guard, its "]]>" escaped) leaves the sections after it to be mended.
    guarded = "<a><![CDATA[/* <![CDATA[ */ x; /* ]]&gt; */]]></a>"
    nested = "<b><![CDATA[1<![CDATA[2]]>3]]></b>"
    assert nested_cdata_closed(guarded + nested) == guarded + (
        "<b><![CDATA[1<![CDATA[2]]]]><![CDATA[>3]]></b>"
    )
    # Read in one pass: each opening looked for the closing through the rest.
    deep = "<d>" + "<![CDATA[" * 100_000 + "]]>" * 100_000 + "</d>"
    assert nested_cdata_closed(deep).count("]]]]><![CDATA[>") == 99_999
    unended = "<d><![CDATA[<![CDATA[x]]>" * 50_000
    assert nested_cdata_closed(unended) == unended


def test_relative_xml_bases_join_one_another() -> None:
    """An entry's relative xml:base was dropped unless joining it made an
    absolute URL, which none does before the feed's own URL is known: its
    pictures resolved against its link, or the root's base alone."""
    from feedmill.normalize.document import normalize_feed

    def entries(root_base: str) -> list[tuple[str | None, str | None]]:
        document = (
            f'<feed xmlns="http://www.w3.org/2005/Atom"{root_base}><title>t</title>'
            '<entry xml:base="sub/"><id>1</id><title>a</title><link href="p1"/>'
            '<content type="html">&lt;img src="d.png"&gt;</content></entry>'
            '<entry><id>2</id><title>b</title><link href="p2"/>'
            '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
            '<img src="e.png"/></div></content></entry></feed>'
        )
        parsed = parse_document(document.encode())
        read = normalize_feed(parsed, feed_url="https://h.cn/x/feed.xml", zone=ZoneInfo("UTC"))
        return [(e.link, e.content) for e in read]

    assert entries("") == [
        ("https://h.cn/x/sub/p1", '<img src="https://h.cn/x/sub/d.png">'),
        ("https://h.cn/x/p2", '<img src="e.png">'),  # (resolved against its link, later)
    ]
    assert entries(' xml:base="/blog/"') == [
        ("https://h.cn/blog/sub/p1", '<img src="https://h.cn/blog/sub/d.png">'),
        ("https://h.cn/blog/p2", '<img src="https://h.cn/blog/e.png">'),
    ]
    # A base the same as the one in force is joined to it all the same.
    document = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry xml:base="sub/">'
        '<id>1</id><title>a</title><link href="https://www.example/p"/>'
        '<content xml:base="sub/" type="html">&lt;img src="e.png"&gt;</content></entry></feed>'
    )
    (twice,) = normalize_feed(
        parse_document(document.encode()), feed_url="https://h.cn/x/f.xml", zone=ZoneInfo("UTC")
    )
    assert twice.content == '<img src="https://h.cn/x/sub/sub/e.png">'
    # A base of a scheme no feed links to leads nowhere.
    hostile = entries(' xml:base="javascript:alert(1)//"')
    assert "javascript" not in repr(hostile) and hostile[0][0].startswith("https://h.cn/x/")


@pytest.mark.parametrize(
    ("items", "said"),
    [('"many"', "a string"), ('{"id": "1"}', "an object"), ("3", "a number"), ("true", "true")],
)
def test_a_json_feed_whose_items_are_no_list_says_so(items: str, said: str) -> None:
    document = f'{{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": {items}}}'
    with pytest.raises(ParseError, match=f"a JSON Feed whose items are {said}.*, not a list"):
        parse_document(document.encode())


def test_a_json_feed_whose_items_are_null_is_an_empty_feed() -> None:
    """Go's encoding/json writes an empty (nil) list as null: the feed failed,
    backing off, and its first items came late."""
    document = b'{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": null}'
    parsed = parse_document(document)
    assert (parsed.title, parsed.entries) == ("t", ())


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("1704164400", "2024-01-02T03:00:00+00:00"),
        ("1704164400000", "2024-01-02T03:00:00+00:00"),
        ("1704164400.5", "2024-01-02T03:00:00.500000+00:00"),
        ("5", None),  # no Unix time of this century: no date (not the 5th of this month)
        ("true", None),
    ],
)
def test_a_json_feed_date_written_as_a_number_is_read_as_a_unix_time(
    written: str, expected: str | None
) -> None:
    """The README reads "seconds since 1970" as a date: as a number, the item
    was dated when first seen, a two-year-old item posted as today's news."""
    from feedmill.normalize.dates import parse_date

    document = (
        '{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items":'
        f' [{{"id": "1", "title": "a", "content_text": "b", "date_published": {written}}}]}}'
    )
    (entry,) = parse_document(document.encode()).entries
    read = parse_date(entry.published, UTC)
    assert (read.isoformat() if read else None) == expected


if __name__ == "__main__":  # pragma: no cover - a helper for writing new cases
    for name in sys.argv[1:]:
        print(json.dumps(actual(CASES / name), ensure_ascii=False, indent=2))


@pytest.mark.parametrize("document", ['{"items": []}', '{"title": "x", "items": ["a"]}'])
def test_json_that_names_no_version_and_has_no_item_is_no_feed(document: str) -> None:
    """Told as what came back, the document as it was (not in the shape the
    parser was given it again): an API's answer is no empty feed."""
    with pytest.raises(ParseError, match="that is not a JSON Feed: " + re.escape(document)):
        parse_document(document.encode(), "application/json")


PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


@pytest.mark.parametrize(
    ("body", "content_type", "said"),
    [
        (PNG, "image/png", "got image/png: a PNG image, not a feed"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", None, "got a PDF document, not a feed"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "application/xml", "got application/xml: a ZIP"),
        # Bytes of no text (random: a tenth of them controls), whatever the label.
        (bytes(range(256)) * 2, "application/rss+xml", "binary data, not a feed"),
    ],
)
def test_a_binary_body_is_named_not_quoted(
    body: bytes, content_type: str | None, said: str
) -> None:
    """A picture served for a feed was a line of its bytes read as GB18030 in `status`."""
    with pytest.raises(ParseError, match=re.escape(said)):
        parse_document(body, content_type)


def _rss(encoding: str, lead: str = "", indent: str = "") -> str:
    return (
        f'{lead}<?xml version="1.0" encoding="{encoding}"?>\n<rss version="2.0"><channel>'
        f"{indent}<title>源</title>"
        + "".join(
            f"\n{indent}<item><title>第{i}条 Item</title><guid>{i}</guid></item>" for i in range(30)
        )
        + "</channel></rss>"
    )


JSON_ITEMS = ",".join(
    f'{{"id": "{i}", "title": "第{i}条", "content_text": "x"}}' for i in range(30)
)
JSON_FEED = (
    f'{{"version": "https://jsonfeed.org/version/1.1", "title": "源", "items": [{JSON_ITEMS}]}}'
)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (_rss("utf-16").encode("utf-16"), None),
        (_rss("utf-16", lead="\r\n").encode("utf-16-le"), None),  # no BOM, a line first
        (_rss("utf-16", lead="\n").encode("utf-16-be"), None),
        (_rss("utf-32").encode("utf-32"), None),
        (JSON_FEED.encode("utf-16-le"), "application/feed+json"),  # no BOM, no "<"
        (JSON_FEED.encode("utf-16-be"), "application/feed+json"),
        (_rss("gb18030").encode("gb18030"), None),
        (_rss("iso-2022-jp").encode("iso2022_jp"), None),  # shift bytes are controls
        (
            _rss("cp037", indent="\t")
            .replace("源", "S")
            .replace("第", "No")
            .replace("条", "")
            .encode("cp037"),
            None,
        ),
    ],
)
def test_text_in_any_encoding_a_feed_comes_in_is_no_binary(
    body: bytes, content_type: str | None
) -> None:
    # Judged by its first bytes alone (a PNG's): UTF-16 Chinese, ISO-2022 and
    # EBCDIC hold as many control bytes as random data does.
    parsed = parse_document(body, content_type or "application/rss+xml")
    assert len(parsed.entries) == 30
    # … and read as what it is (7-bit ISO-2022 is valid UTF-8 too: it was read so).
    assert parsed.entries[0].title in ("第0条 Item", "No0 Item", "第0条"), parsed.entries[0].title


def test_a_json_feed_nested_a_thousand_deep_is_told_as_such() -> None:
    """An extension of objects in objects 2,000 deep: "parser crashed:
    RecursionError", the feed failing every pass without saying why."""
    deep = '{"a":' * 2000 + "1" + "}" * 2000
    document = (
        '{"version": "https://jsonfeed.org/version/1.1", "title": "t", "_ext": '
        f'{deep}, "items": [{{"id": "1", "title": "a", "content_text": "x"}}]}}'
    )
    said = re.escape("got application/feed+json nested too deep to read: ")
    with pytest.raises(ParseError, match=f"^{said}"):
        parse_document(document.encode(), "application/feed+json")
