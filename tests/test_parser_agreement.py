"""The fast path and the robust path agree, on the whole feedparser corpus.

For every corpus document that feedmill reads with the fast path
(fastfeedparser) — and every document of tests/data/parse that takes it —
the robust path (feedparser) is run on the same prepared bytes, and both are
normalized in a zone other than UTC (a date read without its zone shows).
What a post is made of must be equal: the item keys, titles, links, dates,
the sanitized content (markup, pictures and players, not only its text; runs
of white space count as one), images and the feed title.  Documents the fast
path would misread never take it — that routing is what this test checks.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_corpus import CORPUS, DOCUMENTS, headers_of

from feedmill.models import Entry
from feedmill.normalize.document import normalize_feed
from feedmill.parse import fast, parse_document, prepare, robust
from feedmill.sanitize.clean import sanitize_html

pytestmark = pytest.mark.slow
ZONE = ZoneInfo("Asia/Shanghai")
HAND_WRITTEN = Path(__file__).parent / "data" / "parse"

# Reviewed differences where neither side is wrong enough to route the
# document: each is a corner of the format that no real feed relies on.
KNOWN = {
    # Two <updated> in one entry: fastfeedparser keeps the first, feedparser the last.
    "wellformed/atom/entry_updated_multiple_values.xml",
    # UTF-8 read as latin-1 and encoded again: feedparser repairs it, we keep the bytes.
    "encoding/double-encoded-html.xml",
    "encoding/bozo_double-encoded-html.xml",
    # An <item> with both <description> and <summary>: each library picks another.
    "wellformed/rss/item_description_and_summary.xml",
    # A guid that is not a valid URL: feedparser drops it, fastfeedparser keeps it.
    "wellformed/rss/item_guid_isPermaLink_ValueError.xml",
    # Atom elements inside an RSS 2.0 <item> (Podlove chapters): only feedparser reads them.
    "wellformed/psc/rss2.0simplechapter.xml",
}


def path_of(name: str) -> Path:
    return HAND_WRITTEN.parent.parent / name if name.startswith("data/") else CORPUS / name


def body(content: str) -> str:
    return " ".join(sanitize_html(content, base_url=None).html.split())


def post_fields(entry: Entry) -> tuple[object, ...]:
    return (entry.key, entry.title, entry.link, entry.date, body(entry.content), entry.image)


def fast_documents() -> list[Path]:
    chosen = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for document in [*DOCUMENTS, *sorted(HAND_WRITTEN.glob("*.xml"))]:
            try:
                parsed = parse_document(
                    document.read_bytes(), headers_of(document).get("Content-Type")
                )
            except Exception:
                continue
            if parsed.parser == "fast" and document.suffix == ".xml":
                chosen.append(document)
    return chosen


def test_fast_and_robust_paths_agree_on_every_fast_path_document() -> None:
    documents = fast_documents()
    assert len(documents) > 700
    disagreements = []
    compared = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for document in documents:
            name = (
                document.relative_to(CORPUS).as_posix()
                if document.is_relative_to(CORPUS)
                else document.relative_to(HAND_WRITTEN.parent.parent).as_posix()
            )
            prepared = prepare(document.read_bytes(), headers_of(document).get("Content-Type"))
            quick = parse_document(document.read_bytes(), headers_of(document).get("Content-Type"))
            careful = robust.parse(prepared.document)
            a = normalize_feed(quick, feed_url="http://feed.example/", zone=ZONE)
            b = normalize_feed(careful, feed_url="http://feed.example/", zone=ZONE)
            same = quick.title == careful.title and [post_fields(e) for e in a] == [
                post_fields(e) for e in b
            ]
            compared += len(a)
            if not same and name not in KNOWN:
                disagreements.append(name)
    assert compared > 300
    assert disagreements == []


def test_known_differences_are_still_different() -> None:
    """If a listed difference goes away (a library fixed it), the list must shrink."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in sorted(KNOWN):
            prepared = prepare(path_of(name).read_bytes())
            a = normalize_feed(
                fast.parse(prepared.document, prepared.safe),
                feed_url="http://feed.example/",
                zone=ZONE,
            )
            b = normalize_feed(
                robust.parse(prepared.document), feed_url="http://feed.example/", zone=ZONE
            )
            assert [post_fields(e) for e in a] != [post_fields(e) for e in b], name


@pytest.mark.parametrize("form", ["cdata", "escaped"])
def test_quotes_in_an_ill_formed_documents_html_stay_inside_their_attributes(form: str) -> None:
    """feedparser's loose parser (ill-formed XML: one control character in
    another item's title is enough) decoded &quot; and &#39; in an item's
    HTML, and the quote ended its attribute: alt="董事长 " and a link cut at
    its query.  The robust path reads it as the fast path reads the document
    made well-formed."""
    html = (
        '<p><img src="https://x.example/b.png" alt="董事长 &quot;王某&quot; 出席">'
        '<a href="https://x.example/s?q=&#34;a&#34;&amp;b=1" title="点 &#39;这里&apos;">链</a>'
        "<code>&amp;quot;</code></p>"  # the text "&quot;", written as text
    )
    body = (
        f"<![CDATA[{html}]]>"
        if form == "cdata"
        else html.replace("&", "&amp;").replace("<", "&lt;")
    )

    def document(title: str) -> bytes:
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
            f"<item><title>图说</title><description>{body}</description><guid>g1</guid></item>"
            f"<item><title>{title}</title><guid>g2</guid></item></channel></rss>"
        ).encode()

    broken = parse_document(document("另一条\x08"), "application/rss+xml")
    whole = parse_document(document("另一条"), "application/rss+xml")
    assert broken.parser == "robust" and whole.parser == "fast"
    read = [sanitize_html(p.entries[0].content or "", base_url=None).html for p in (broken, whole)]
    assert read[0] == read[1]
    assert 'alt="董事长 ＂王某＂ 出席"' in read[0]
    assert 'href="https://x.example/s?q=&quot;a&quot;&amp;b=1"' in read[0]
    assert "<code>&amp;quot;</code>" in read[0]


@pytest.mark.parametrize("where", ["before", "after"])
def test_both_parsers_read_the_channels_ttl_before_or_after_its_items(where: str) -> None:
    """RSS sets no order among a channel's elements: a `<ttl>` after the
    items was read by feedparser and missed by the fast path (the feed was
    asked every interval instead of every two hours)."""
    item = "<item><title>新闻</title><guid>1</guid><ttl>5</ttl></item>"
    ttl = "<ttl>120</ttl>"
    channel = f"{ttl}{item}" if where == "before" else f"{item}{ttl}"
    document = f'<rss version="2.0"><channel><title>源</title>{channel}</channel></rss>'.encode()
    assert parse_document(document).parser == "fast"
    assert parse_document(document).ttl_minutes == 120
    assert robust.parse(document).ttl_minutes == 120


def test_an_entry_written_with_its_own_prefix_is_no_other_namespaces() -> None:
    """<atom:entry><atom:title>: the entry's own names, written with its own
    prefix; the check looked for the prefix in a pattern that held none."""
    from feedmill.parse import _namespaced_before_own

    entry = (
        '<atom:feed xmlns:atom="http://www.w3.org/2005/Atom"><atom:entry>'
        "<atom:title>x</atom:title>{}<atom:id>1</atom:id></atom:entry></atom:feed>"
    )
    assert not _namespaced_before_own(entry.format("<title>y</title>"))
    foreign = entry.replace("<atom:title>x</atom:title>", '<m:title xmlns:m="urn:m">m</m:title>')
    assert _namespaced_before_own(foreign.format("<atom:title>x</atom:title>"))


@pytest.mark.parametrize(
    ("date", "fast"),
    [
        ("Tue, 20 Sep 2022 16:01:00 GMT", True),
        ("2022-09-20T16:01:00Z", True),
        ("2022-09-20 16:01:00 UTC", True),  # (Ruby's; the fast parser reads it right)
        ("2022/09/20 16:01:00 +0800", True),
        ("2022年09月20日 16:01:00 +0800", False),  # (read by the guid: "3" the 3rd)
        ("2022-09-20 16:01:00 +0000 UTC", False),  # (Go's: its zone dropped)
        ("Tue, 20 Sep 2022 16:1:0 GMT", False),
    ],
)
def test_which_dates_the_fast_parser_is_trusted_with(date: str, fast: bool) -> None:
    """The date forms the fast path reads as normalize.dates does stay on it;
    the others go to feedparser, whose text normalize.dates reads."""
    from feedmill.parse import has_zoneless_dates

    item = f"<item><title>t</title><guid>3</guid><pubDate>{date}</pubDate></item>"
    assert has_zoneless_dates(item) is not fast


@pytest.mark.parametrize(
    "media",
    [
        '<media:content url="https://cdn.example/v1.mp4" type="video/mp4" medium="video">'
        '<media:thumbnail url="https://cdn.example/v1.jpg"/></media:content>',
        '<media:content url="https://cdn.example/v1.mp4" medium="video"/>',
        '<media:group><media:content url="https://cdn.example/v1.mp4" type="video/mp4"/>'
        "</media:group>",
    ],
)
def test_both_parsers_give_a_video_of_media_content_a_player(media: str) -> None:
    """A video site's feed names its video by <media:content>, not an
    enclosure: the post showed the thumbnail alone, as a still picture."""
    document = (
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>源</title>'
        f"<item><title>视频</title><guid>1</guid><description>&lt;p&gt;视频介绍&lt;/p&gt;"
        f"</description>{media}</item></channel></rss>"
    ).encode()
    for parsed in (parse_document(document), robust.parse(document)):
        (entry,) = parsed.entries
        assert entry.media == (("https://cdn.example/v1.mp4", "video"),), parsed.parser
    # One player an item: the renditions of a media:group are one video (its
    # first: fastfeedparser does not read isDefault), and a media:content
    # beside an enclosure is that enclosure.
    for more, played in (
        (
            '<media:group><media:content url="https://cdn.example/v360.mp4" type="video/mp4"/>'
            '<media:content url="https://cdn.example/v720.mp4" type="video/mp4" isDefault="true"/>'
            '<media:content url="https://cdn.example/v1080.mp4" type="video/mp4"/></media:group>',
            (("https://cdn.example/v360.mp4", "video"),),
        ),
        (
            '<enclosure url="https://cdn.example/ep1.mp3?src=rss" type="audio/mpeg" length="1"/>'
            '<media:content url="https://cdn.example/ep1.mp3" type="audio/mpeg"/>',
            (("https://cdn.example/ep1.mp3?src=rss", "audio"),),
        ),
    ):
        document = (
            '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
            f"<title>源</title><item><title>视频</title><guid>1</guid>{more}</item></channel></rss>"
        ).encode()
        for parsed in (parse_document(document), robust.parse(document)):
            assert parsed.entries[0].media == played, (more, parsed.parser)
    # A video site's page is no file a player plays; a picture is no video.
    for other in (
        '<media:content url="https://vimeo.com/123" medium="video"/>',
        '<media:content url="https://www.youtube.com/v/ab" type="application/x-shockwave-flash"'
        ' medium="video"/>',
        '<media:content url="https://cdn.example/v1.jpg" type="image/jpeg" medium="image"/>',
    ):
        document = (
            '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
            f"<title>源</title><item><title>视频</title><guid>1</guid>{other}</item></channel></rss>"
        ).encode()
        for parsed in (parse_document(document), robust.parse(document)):
            assert parsed.entries[0].media == (), (other, parsed.parser)


@pytest.mark.parametrize(
    ("enclosure", "played"),
    [
        ('url="https://cdn.example/ep1.mp3" type="application/octet-stream"', "audio"),
        ('url="https://cdn.example/ep1.M4A?dl=1"', "audio"),
        ('url="https://cdn.example/v1.mp4" type="application/force-download"', "video"),
        ('url="https://cdn.example/v1.mp4" type="binary/octet-stream"', "video"),
        ('url="https://cdn.example/notes.pdf" type="application/octet-stream"', "file"),
        ('url="https://cdn.example/dl?id=3" type="application/octet-stream"', None),
        ('url="https://cdn.example/player.html?src=ep1.mp3"', None),  # a page
        # … but a download script's file, where its type says it is one.
        (
            'url="https://dl.example/download.php?file=ep1.mp3" type="application/octet-stream"',
            "audio",
        ),
        ('url="https://cdn.example/notes.pdf"', "file"),
    ],
)
def test_an_episode_served_as_a_download_gets_its_player(
    enclosure: str, played: str | None
) -> None:
    """An enclosure typed only "a file" (or not typed) is what its name says:
    an episode so served was left out of its post, player and link alike."""
    document = (
        '<rss version="2.0"><channel><title>源</title><item><title>第1期</title><guid>1</guid>'
        f'<enclosure {enclosure} length="1000"/></item></channel></rss>'
    ).encode()
    url = re.search(r'url="([^"]+)"', enclosure)[1]  # type: ignore[index]
    for parsed in (parse_document(document), robust.parse(document)):
        assert parsed.entries[0].media == (((url, played),) if played else ()), parsed.parser
    # An Atom entry's enclosure link without a type (feedparser's "text/html").
    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>源</title><entry><title>第1期</title>'
        f'<id>1</id><link rel="enclosure" href="{url}" length="1000"/></entry></feed>'
    ).encode()
    if "type=" not in enclosure:
        for parsed in (parse_document(atom), robust.parse(atom)):
            assert parsed.entries[0].media == (((url, played),) if played else ()), parsed.parser


def test_an_atom_picture_enclosure_without_a_type_is_its_picture() -> None:
    """feedparser gives an Atom enclosure link without a type "text/html":
    the picture was no picture, and the post had the placeholder."""
    url = "https://pic.example.cn/img/cover1.jpg"
    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>源</title><entry><title>图</title>'
        f'<id>1</id><link rel="enclosure" href="{url}" length="12345"/></entry></feed>'
    ).encode()
    for parsed in (parse_document(atom), robust.parse(atom)):
        assert parsed.entries[0].image == url, parsed.parser


@pytest.mark.parametrize(
    ("guid", "link"),
    [
        ("<guid>kx-2</guid>", None),  # feedparser: "kx-2", resolved to https://ex.com/kx-2
        ("<guid>urn:uuid:9d1e</guid>", None),
        ('<guid isPermaLink="false">https://ex.com/a/1</guid>', "https://ex.com/a/1"),
        ("<guid>https://ex.com/a/1</guid>", "https://ex.com/a/1"),
        ("<link>https://ex.com/l</link><guid>kx-9</guid>", "https://ex.com/l"),
        # An episode's audio is no page of its own: still no link.
        ('<guid>ep-42</guid><enclosure url="https://ex.com/ep42.mp3" type="audio/mpeg"/>', None),
    ],
)
def test_both_parsers_take_an_items_link_of_its_guid_alike(guid: str, link: str | None) -> None:
    """An item without a <link>: feedparser made a guid that is no URL its
    link, resolved against the feed's (a page that does not exist, which
    full text fetched), the fast parser none; a URL under isPermaLink="false"
    the other way round.  The parser that read a fetch decided, and posts were
    rewritten back and forth.  A guid that is a web address is the link."""
    document = (
        '<rss version="2.0"><channel><title>t</title><link>https://ex.com/</link>'
        f"<item><title>快讯</title>{guid}</item></channel></rss>"
    ).encode()
    for parser in (fast, robust):
        (entry,) = parser.parse(document).entries
        assert entry.link == link, parser.__name__


@pytest.mark.parametrize(
    "links",
    [
        '<link rel="enclosure" href="https://pod.example/ep1.mp3"/>',
        '<link rel="related" href="https://pod.example/about"/>',
        "",
    ],
)
def test_an_atom_entry_without_its_own_page_has_no_link_of_its_id(links: str) -> None:
    """feedparser made the entry's id its link where no link was its page
    (`tag:…`, or an id "x"): a link no browser opens, the fast parser none."""
    document = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>第一期</title>'
        f"<id>tag:pod.example,2024:ep-1</id>{links}<updated>2024-05-06T00:00:00Z</updated>"
        "</entry></feed>"
    ).encode()
    for parser in (fast, robust):
        (entry,) = parser.parse(document).entries
        assert entry.link is None, parser.__name__


@pytest.mark.parametrize(
    ("body", "read"),
    [
        ("\n<!-- body -->\n<div><p>全文</p><img src='https://i.example/p.jpg'/></div>", "全文"),
        ("<!-- wp:paragraph --><p>第一段正文</p><!-- /wp:paragraph -->", "第一段正文"),
        ("<![CDATA[前言]]><p>正文</p>", "正文"),
    ],
)
def test_markup_after_a_comment_or_cdata_in_a_description_is_read(body: str, read: str) -> None:
    """fastfeedparser reads an element's text up to its first child: a
    description that opened with a comment (WordPress's block marks) or a
    CDATA section before its markup was posted as a bare link."""
    document = (
        '<rss version="2.0"><channel><title>t</title><link>https://ex.com/</link>'
        f"<item><title>文</title><link>https://ex.com/1</link><description>{body}</description>"
        "</item></channel></rss>"
    ).encode()
    (entry,) = parse_document(document, "application/rss+xml").entries
    assert read in (entry.content or "")


@pytest.mark.parametrize(
    "guid",
    [
        "<guid>\n  https://ex.com/a/1\n</guid>",
        '<guid isPermaLink="false"> https://ex.com/a/1</guid>',
    ],
)
def test_a_guid_of_a_web_address_with_spaces_before_it_is_the_items_link(guid: str) -> None:
    """The fast path took it for no link: no article to read in full, and
    the post rewritten whenever the other path read the feed."""
    document = (
        '<rss version="2.0"><channel><title>t</title><link>https://ex.com/</link>'
        f"<item><title>快讯</title>{guid}</item></channel></rss>"
    ).encode()
    (entry,) = parse_document(document, "application/rss+xml").entries
    assert entry.link == "https://ex.com/a/1"


def test_an_rss_items_own_alternate_atom_link_is_its_page_on_either_path() -> None:
    """Beside a guid that is no permalink, the fast path took the guid for
    the page; the robust path, the alternate link."""
    document = (
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>t</title>'
        "<item><title>文</title>"
        '<guid isPermaLink="false">https://ex.com/id/1</guid>'
        '<atom:link rel="alternate" href="https://ex.com/post/1"/>'
        "</item></channel></rss>"
    ).encode()
    (entry,) = parse_document(document, "application/rss+xml").entries
    assert entry.link == "https://ex.com/post/1"


@pytest.mark.parametrize("ill_formed", [False, True])
def test_escaped_characters_of_guid_author_and_categories_read_alike_when_ill_formed(
    ill_formed: bool,
) -> None:
    """feedparser's loose parser (one item's control character makes the
    document ill-formed) left "&amp;" in guids, authors, categories and the
    channel's link: a rule on `category: R&D` let the item by, and its key
    was another one."""
    other = "<item><title>坏\x08</title><guid>g2</guid></item>" if ill_formed else ""
    document = (
        '<rss version="2.0"><channel><title>t</title><link>https://ex.com/?a=1&amp;b=2</link>'
        "<item><title>文</title><guid>kx_1&amp;src=7 &amp;amp; &lt;</guid>"
        "<author>Tom &amp; Jerry</author><category>R&amp;D</category></item>"
        f"{other}</channel></rss>"
    ).encode()
    parsed = parse_document(document, "application/rss+xml")
    assert parsed.parser == ("robust" if ill_formed else "fast")
    entry = parsed.entries[0]
    assert parsed.link == "https://ex.com/?a=1&b=2"
    assert (entry.guid, entry.author, entry.categories) == (
        "kx_1&src=7 &amp; <",
        "Tom & Jerry",
        ("R&D",),
    )
