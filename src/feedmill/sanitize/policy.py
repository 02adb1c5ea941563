"""What survives sanitizing: an allowlist, not a blocklist."""

from __future__ import annotations

from dataclasses import dataclass

# Video players whose iframes are kept (in a sandbox); `sanitize.iframe_hosts` in
# feedmill.yml replaces the list.
DEFAULT_IFRAME_HOSTS = frozenset(
    {
        "player.bilibili.com",
        "www.bilibili.com",  # RSSHub's bilibili routes: /blackboard/html5mobileplayer.html
        "www.youtube.com",
        "youtube.com",
        "www.youtube-nocookie.com",
        "player.vimeo.com",
        "v.qq.com",
        "player.youku.com",
        "open.iqiyi.com",
        "www.ixigua.com",
    }
)

# Tags whose *content* goes too: code, styling, embedded objects, forms.
DROP_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "object",
        "applet",
        "embed",
        "svg",
        "math",
        "frame",
        "frameset",
        "noembed",
        "noframes",
        "head",
        "title",
        "select",
        "textarea",
        "button",
        "option",
        "datalist",
        "meta",
        "link",
        "base",
        "param",
        "xml",
        "canvas",
        "dialog",
        "portal",
        "slot",
    }
)

TAGS = frozenset(
    {
        "a",
        "abbr",
        "acronym",
        "address",
        "area",
        "article",
        "aside",
        "audio",
        "b",
        "bdi",
        "bdo",
        "big",
        "blockquote",
        "br",
        "caption",
        "center",
        "cite",
        "code",
        "col",
        "colgroup",
        "data",
        "dd",
        "del",
        "details",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "font",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "i",
        "iframe",
        "img",
        "ins",
        "kbd",
        "li",
        "main",
        "map",
        "mark",
        "nav",
        "ol",
        "p",
        "picture",
        "pre",
        "q",
        "rp",
        "rt",
        "rtc",
        "ruby",
        "s",
        "samp",
        "section",
        "small",
        "source",
        "span",
        "strike",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "tr",
        "track",
        "tt",
        "u",
        "ul",
        "var",
        "video",
        "wbr",
    }
)

GENERIC_ATTRIBUTES = frozenset({"class", "style", "title", "lang", "dir", "id"})

ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "target", "name", "rel", "hreflang", "code"}),
    "img": frozenset({"src", "alt", "width", "height", "align", "loading", "referrerpolicy"}),
    "iframe": frozenset(
        {"src", "width", "height", "allowfullscreen", "frameborder", "allow", "referrerpolicy"}
    ),
    "video": frozenset(
        {"src", "poster", "controls", "width", "height", "preload", "loop", "muted"}
    ),
    "audio": frozenset({"src", "controls", "preload", "loop", "muted"}),
    "source": frozenset({"src", "type", "media"}),
    "track": frozenset({"src", "kind", "srclang", "label", "default"}),
    "area": frozenset({"href", "alt", "shape", "coords", "target"}),
    "map": frozenset({"name"}),
    "ol": frozenset({"start", "type", "reversed"}),
    "ul": frozenset({"type"}),
    "li": frozenset({"value"}),
    # (bgcolor: an old CMS's dark header row holds white <font> text.)
    "td": frozenset(
        {"colspan", "rowspan", "align", "valign", "width", "height", "headers", "bgcolor"}
    ),
    "th": frozenset(
        {"colspan", "rowspan", "align", "valign", "width", "height", "scope", "bgcolor"}
    ),
    "table": frozenset(
        {"border", "cellpadding", "cellspacing", "width", "align", "summary", "bgcolor"}
    ),
    "tr": frozenset({"align", "valign", "bgcolor"}),
    "col": frozenset({"span", "width"}),
    "colgroup": frozenset({"span", "width"}),
    "font": frozenset({"color", "size", "face"}),
    "time": frozenset({"datetime"}),
    "data": frozenset({"value"}),
    "del": frozenset({"cite", "datetime"}),
    "ins": frozenset({"cite", "datetime"}),
    "q": frozenset({"cite"}),
    "blockquote": frozenset({"cite"}),
    "details": frozenset({"open"}),
    "bdo": frozenset({"dir"}),
    "hr": frozenset({"width", "size", "align"}),
    # Chinese CMSs centre a picture's caption, or a whole paragraph, with align.
    **{block: frozenset({"align"}) for block in ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6")},
}

URL_SCHEMES = frozenset({"http", "https", "mailto", "tel", "ftp", "data", "magnet"})


@dataclass(frozen=True, slots=True)
class Policy:
    """The knobs users have: which players may embed, what Referer images send."""

    iframe_hosts: frozenset[str] = DEFAULT_IFRAME_HOSTS
    # Chinese CDNs refuse hot-linked images that send a foreign Referer.
    image_referrer_policy: str | None = "no-referrer"
    iframe_sandbox: str = "allow-scripts allow-same-origin allow-popups allow-presentation"
