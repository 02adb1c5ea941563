"""URL helpers that never raise: feeds carry malformed URLs ("http://[oops/")."""

from __future__ import annotations

import ipaddress
import re
import socket
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import SplitResult, quote, unquote, unquote_plus, urljoin, urlsplit

import idna

# A query's value written anew on every fetch: a Unix time (in seconds or
# ms), Math.random()'s, a hex token (a UUID, a hash), a long random one — not
# an article's number (`?id=1002`, `?p=57`), which names another page.  (Long
# ids look so too: an item is matched by its title and text as well.)
VOLATILE = re.compile(r"\d{10,}(?:\.\d+)?|0\.\d{8,}|[0-9a-fA-F-]{16,}|[A-Za-z0-9_-]{24,}")
# Query parameters written anew on every fetch: a signature's, and its
# expiry's (OSS, S3, COS, GCS, Azure, Qiniu, Weibo's, Toutiao's signed
# addresses), whatever their values…
_SIGNED = re.compile(
    r"(?:^|[&?]|&amp;)((?:expires|x-expires|e|se|st|signature|x-signature|sign|sig|ssig|token|"
    r"security-token|auth_key|_upt|sec|policy|key-pair-id|authorization|q-sign-[\w-]+|"
    r"q-key-time|q-signature|x-oss-[\w-]+|x-amz-[\w-]+|x-goog-[\w-]+|x-cos-[\w-]+|"
    r"x-tos-[\w-]+|ossaccesskeyid)=)[^&#]*",
    re.IGNORECASE,
)
# … and a cache-buster's, by its name (`?t=1765070000`, `?rnd=483920175`) — but
# not a day's date (`?v=20261207`: a daily picture at one address), nor an id
# (`fileId=1865432101234567890`).
_BUSTING = re.compile(
    r"(?:^|[&?]|&amp;)((?:_|t|ts|_t|_ts|time|timestamp|stamp|v|ver|r|rnd|rand|random|"
    r"nocache|cb|cachebust(?:er)?)=)([^&#]*)",
    re.IGNORECASE,
)
_A_DAY = re.compile(r"(?:19|20)\d\d-?[01]\d-?[0-3]\d")


def without_volatile(url: str) -> str:
    """``url`` less its fragment and the query values a cache-buster or a
    signature writes anew on every fetch: a picture's address as an item is
    known by it."""
    url = url.split("#", 1)[0]
    if "?" not in url:
        return url
    head, query = url.split("?", 1)
    query = _SIGNED.sub(lambda m: m[0][: m.end(1) - m.start(0)], query)
    query = _BUSTING.sub(
        lambda m: m[0] if _A_DAY.fullmatch(m[2]) else m[0][: m.end(1) - m.start(0)], query
    )
    return f"{head}?{query}"


def split(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a bad port raises only when read
    except ValueError:
        return None
    return parts


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def scheme(url: str | None) -> str:
    """The scheme, lower-cased ('' for relative URLs) — without parsing the rest."""
    if not url:
        return ""
    match = _SCHEME.match(url.lstrip())
    return match.group(1).lower() if match else ""


_DEFAULT_PORTS = {"http": 80, "https": 443}
# What browsers drop from either end of a URL: controls and the space.
URL_ENDS = "".join(chr(c) for c in range(0x21))
# Query parameters that name who sent the reader, not the page.
_TRACKING = re.compile(r"(?:utm_\w+|spm)=", re.IGNORECASE)


def is_tracking(parameter: str) -> bool:
    """Whether a query's ``name=value`` is a tracking parameter (``utm_source=rss``)."""
    return _TRACKING.match(parameter) is not None


_SEPARATOR = re.compile(r"([&;])")


def with_plain_ampersands(link: str) -> str:
    """``link`` whose query a feed escaped twice (``?a=1&amp;amp;b=2`` in the
    XML, ``?a=1&amp;b=2`` once read) with its ``&`` back: as written, the
    page was asked for a parameter named ``amp;b``."""
    base, mark, query = link.partition("?")
    if not mark or "&amp;" not in query:
        return link
    return f"{base}?{query.replace('&amp;', '&')}"


def without_tracking(link: str) -> str:
    """``link`` without the tracking parameters of its query (parameters
    separated by ``&`` or by ``;``, as some servers write them)."""
    base, mark, query = link.partition("?")
    if not mark or _TRACKING.search(query) is None:
        return link
    query, hash_mark, fragment = query.partition("#")
    parts = _SEPARATOR.split(query)  # parameter, separator, parameter, …
    kept: list[str] = []
    for index in range(0, len(parts), 2):
        parameter = parts[index]
        if parameter and not is_tracking(parameter):
            kept.extend((parts[index - 1] if kept else "", parameter))
    joined = "".join(kept)
    return f"{base}{'?' if joined else ''}{joined}{hash_mark}{fragment}"


@lru_cache(maxsize=8192)  # asked of each feed's URL several times a pass
def identity(url: str) -> str:
    """``url`` as a key for "the same feed": the request it makes
    (`for_request`: ``/keyword/热点`` is ``/keyword/%E7%83%AD%E7%82%B9``, an
    international host is its IDNA form), scheme and host lower-cased, a
    default port dropped (``HTTPS://E.org:443/a`` is ``https://e.org/a``),
    percent-escapes in capitals, an empty http(s) path as ``/`` and the
    fragment dropped — it never reaches
    the server (``/a.xml#force_feed`` is ``/a.xml``); the path and query
    otherwise as written, which servers may read case by case (``/./a.xml``
    goes out as written too); spaces and controls at either end dropped, as
    browsers drop them (a feed configured before they were trimmed is the
    same feed)."""
    url = url.strip(URL_ENDS)
    parts = split(_ESCAPE.sub(lambda m: m.group(0).upper(), for_request(url)))
    if parts is None or not parts.netloc:
        return url
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    if "@" in parts.netloc:
        netloc = f"{parts.netloc.rpartition('@')[0]}@{netloc}"
    # An empty path goes out as "/": `http://h` and `http://h/` are one request.
    path = parts.path or ("/" if scheme in _DEFAULT_PORTS else "")
    return parts._replace(scheme=scheme, netloc=netloc, path=path, fragment="").geturl()


_ESCAPE = re.compile(r"%[0-9a-f][0-9a-fA-F]|%[0-9A-F][0-9a-f]")


def other_scheme(link: str | None) -> str | None:
    """``link`` over https for http, and the other way round."""
    if link and link[:8].lower() == "https://":
        return "http://" + link[8:]
    if link and link[:7].lower() == "http://":
        return "https://" + link[7:]
    return link


def one_address(link: str | None, other: str | None) -> bool:
    """Are two stored links (their tracking parameters dropped already) one
    page: the same, or the same but for http and https?"""
    return link is not None and link in (other, other_scheme(other))


def names_a_story(link: str | None) -> bool:
    """Can a link be one story's identity, or its article's page?  A site's
    front page cannot (feeds of live news link every item there)."""
    if not link:
        return False
    parts = split(link)
    return parts is not None and bool(parts.path.strip("/") or parts.query)


def host(url: str | None) -> str:
    parts = split(url) if url else None
    return (parts.hostname or "") if parts else ""


def path(url: str | None) -> str:
    parts = split(url) if url else None
    return parts.path if parts else ""


def join(base: str | None, url: str) -> str | None:
    """``url`` resolved against ``base``; None if either is malformed."""
    try:
        return urljoin(base or "", url)
    except ValueError:
        return None


def slashed(url: str, later: str = "\\") -> str:
    """``url`` with each ``\\`` before its query and fragment the ``/`` a
    browser reads in an http(s) URL ("?sign=ab\\cd" is no path), and each
    after them ``later``."""
    cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
    return url[:cut].replace("\\", "/") + url[cut:].replace("\\", later)


def absolute(url: str | None, base: str | None) -> str | None:
    """An absolute http(s) form of ``url`` where one can be had, else ``url`` as is."""
    if not url:
        return None
    url = url.strip()
    if url.startswith(("https://", "http://")):
        return url  # the common case, already absolute
    if url.startswith("//"):
        return "https:" + url
    if base and not scheme(url) and scheme(base) in ("http", "https"):
        return join(base, url) or url
    return url


# An ASCII host name: letters, digits, "-", "." and "_" (in CDN names).
# Browsers take more ('"', "'", "`", "=", "{"…), which no picture's host has
# and which end an attribute in a theme's own HTML: landscape wraps each
# image in '<a href="' + this.src + '">', and a '"' in a host ran script.
_HOST_NAME = re.compile(r"[a-z0-9._-]+")
_NUMBER = re.compile(r"[0-9]+|0[xX][0-9a-fA-F]*")
# A label beyond ASCII: small letters, letters without case (CJK, kana,
# Hangul, Thai…), modifier letters, letter numbers (〇), marks after a
# letter, digits, "-" and "_" — no capitals beyond ASCII (browsers refuse
# some, Ӏ or Ⴀ), no symbols (emoji), nothing right-to-left (IDNA's bidi
# rule), and not what browsers (Unicode 15.1's IDNA tables) refuse of these:
# invisible Hangul fillers, Khmer inherent vowels, a few CJK compatibility
# ideographs.  No IDNA encoder is asked: one (~15 µs a label) let an item of
# tiny labels take seconds, and the `idna` package's older tables took what
# browsers refuse.  (tests/test_sanitize.py holds this to Node's `new URL`.)
_LABEL_CATEGORIES = frozenset({"Ll", "Lo", "Lm", "Mn", "Mc", "Nd", "Nl"})
_REFUSED = frozenset(
    "\u115f\u1160\u3164\uffa0\u17b4\u17b5\U0002f868\U0002f874\U0002f91f\U0002f95f\U0002f9bf"
    # … and what maps to a mark or a right-to-left letter (ͺ, ℵ, ゙, ำ) …
    "\u037a\u2135\u2136\u2137\u2138\uff9e\uff9f\u0e33\u0eb3"
    "\u0345"
    # … and what browsers drop from a label: variation selectors, the
    # combining grapheme joiner, Mongolian free variation selectors.
    + "\u034f\u180b\u180c\u180d\u180f"
    + "".join(chr(c) for c in (*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)))
)
_ASCII_IN_LABEL = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# Full stops that browsers read as ".".
_LABEL_DOTS = re.compile("[.\u3002\uff0e\uff61]")


# An http(s) URL whose host and port no browser refuses — a plain name, its
# last label beginning with a letter, no "xn--" — nearly all of them, told
# apart without parsing.  Labels are matched whole, possessively: with two
# overlapping classes a host that failed at its end ("a" × 40,000 then "_")
# was split every way first, for half a minute.
_PLAIN_HOST = re.compile(
    r"https?://(?![^/?#]*xn--)(?:[A-Za-z0-9-]*+\.)*+[A-Za-z][A-Za-z0-9-]*+"
    r"(?::[0-9]{1,4})?(?:[/?#]|$)",
    re.IGNORECASE,
)


_PORT = re.compile(r":\d*")


def bracket_ends_host(netloc: str) -> bool:
    """Whether an IPv6 literal in ``netloc`` is its host whole: nothing before
    its "[", a port or nothing after its "]" ("[::1]x" and "x)(y[::1]" are the
    host ::1 to urlsplit; browsers, new URL and aiohttp refuse them)."""
    host = netloc.rpartition("@")[2]
    if host.partition("[")[0] and "[" in host:
        return False
    after = host.partition("]")[2]
    return not after or _PORT.fullmatch(after) is not None


def usable(url: str) -> bool:
    """Whether ``url``, an absolute http(s) URL, is one a browser reads and a
    theme can write into HTML as it is: Python's ``urlsplit`` takes hosts that
    JavaScript's ``new URL`` throws on (``https://[x``, ``https://a b.com``,
    ``https://1.2.3.999``, ``https://xn--a.com``), and Hexo's page helpers
    call it; browsers take hosts with quotes in them.  A host beyond ASCII is
    one of small letters or letters without case, marks and digits (no
    emoji; see _LABEL_CATEGORIES)."""
    if _PLAIN_HOST.match(url):
        return True
    if scheme(url) not in ("http", "https"):
        return False
    if "\\" in url:  # a browser reads it as "/": the host ends there ("x\"y\\@e.com")
        url = url.replace("\\", "/")
    parts = split(url)
    if parts is None or not parts.hostname:
        return False
    host = parts.hostname
    if ":" in host:  # an IPv6 literal (urlsplit checked its brackets); no zone id
        # … but not what follows them: "[::1]x" is the host ::1 to urlsplit,
        # and new URL throws on it.
        if not bracket_ends_host(parts.netloc):
            return False
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        return "%" not in host
    if not host.isascii() or "%" in host:
        # As written (urlsplit lower-cases it: Ӏ, which browsers refuse, is ӏ).
        written = parts.netloc.rpartition("@")[2].partition(":")[0]
        if "%" in written:  # read decoded, as browsers do
            written = unquote(written)
        # ASCII letters in either case; capitals beyond it are refused (Ӏ and
        # Ⴀ are, by browsers: Python's case mapping would take them).
        written = written.translate(_ASCII_LOWER)
        ascii_host = written if written.isascii() else _international(written)
        if ascii_host is None:
            return False
        host = ascii_host
    if not _HOST_NAME.fullmatch(host):
        return False
    labels = host.rstrip(".").split(".")
    if _NUMBER.fullmatch(labels[-1]):  # ends in a number: an IPv4 address, or nothing
        try:
            socket.inet_aton(host.rstrip("."))
        except OSError:
            return False
        return True
    return all(_punycode_ok(label[4:]) for label in labels if label.startswith("xn--"))


# Characters that show nothing and no address means: a zero-width space,
# a BOM, direction marks, a soft hyphen, Hangul fillers — copied with an
# address from a page or a chat (fetched as "%E2%80%8B": a 404 each pass).
# Not the joiners or variation selectors an emoji or a Persian word holds.
_INVISIBLE = (
    "\u00ad\u115f\u1160\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0"
)
INVISIBLE = re.compile(f"[{_INVISIBLE}]")
_INVISIBLE_ENDS = re.compile(f"^[\\s{_INVISIBLE}]+|[\\s{_INVISIBLE}]+$")


def without_invisible_ends(url: str) -> str:
    """``url`` without white space or `INVISIBLE` characters around it."""
    return _INVISIBLE_ENDS.sub("", url)


def unreachable(url: str) -> str | None:
    """Why no request can go to the host of ``url`` (an http(s) URL with one),
    if none can — a host that every fetch would fail on ("invalid URL", "host
    name not found"); not the browser's rules of `usable`: an international
    name goes as IDNA (UTS 46, as `for_request` sends it), capitals and
    right-to-left scripts included."""
    parts = split(for_request(url))
    host = (parts.hostname or "") if parts is not None else ""
    if parts is not None and parts.port == 0:
        return "at port 0: no server answers on it"
    if parts is not None and ":" in host:  # an IPv6 literal (urlsplit paired its brackets)
        if not bracket_ends_host(parts.netloc):
            # "[::1]x", "a[::1]": urlsplit reads the address between them and
            # leaves the rest; every fetch failed "invalid URL".
            return "has text beside its IPv6 address's brackets"
        try:
            ipaddress.IPv6Address(host.partition("%")[0])
        except ValueError:
            return "is no IPv6 address"
        return None
    if not host.isascii() or not _HOST_NAME.fullmatch(host):
        return "is no host name or address"  # a space, a symbol, IDNA refused it
    labels = (host[:-1] if host.endswith(".") else host).split(".")  # (one dot ends a name)
    if "" in labels or any(len(label) > 63 for label in labels):
        return (
            "is no host name (an empty part: two dots, or a dot first;"
            " or a part over 63 characters)"
        )
    if _NUMBER.fullmatch(labels[-1]):  # ends in a number: an IPv4 address, or nothing
        try:
            socket.inet_aton(host)  # (1.2.3.4.5, 999.1.1.1: none)
            # In decimal, four numbers as written: aiohttp refuses 127.1,
            # 2130706433 and 0177.0.0.1 ("not a canonical IPv4 address"),
            # and fetches 0x7f.0.0.1.
            if all(label.isdigit() for label in labels):
                ipaddress.IPv4Address(host)
        except (OSError, ValueError):
            return "is no host name or IPv4 address"
    return None


def _international(host: str) -> str | None:
    """A host beyond ASCII as ASCII enough for the checks of its form (each
    label beyond ASCII as "x"), or None if it is not one we take."""
    out = []
    for label in _LABEL_DOTS.split(host):
        if label.isascii():
            out.append(label)
        elif label.startswith("xn--") or not _label_ok(label):  # ("xn--例": no label)
            return None
        else:
            out.append("x")
    return ".".join(out)


@lru_cache(maxsize=4096)
def _label_ok(label: str) -> bool:
    if unicodedata.category(label[0])[0] == "M":  # a mark opens no label
        return False
    # A label that compatibility mapping or case folding changes is another
    # label to a browser ("xⁿ--a" is "xn--a", "𝟗𝟗𝟗" is "999", "１" is "1",
    # Cherokee's small letters fold to its capitals), and an xn-- label that
    # decodes to one is refused.  (ß and ς stay as they are in browsers.)
    if not unicodedata.is_normalized("NFKC", label):
        return False
    plain = label.replace("ß", "").replace("ς", "")
    # (Recomposed: ΐ folds to ι and two marks, which is ΐ again.)
    if unicodedata.normalize("NFC", plain.casefold()) != plain:
        return False
    for ch in label:
        if ch.isascii():
            if ch not in _ASCII_IN_LABEL:
                return False
        elif (
            ch in _REFUSED
            or unicodedata.category(ch) not in _LABEL_CATEGORIES
            or unicodedata.bidirectional(ch) in ("R", "AL", "AN")
        ):
            return False
    return True


def _punycode_ok(code: str) -> bool:
    """An ``xn--`` label's rest decodes to a label beyond ASCII that is one
    written out would be (`_label_ok`): browsers check it so."""
    try:
        decoded = code.encode("ascii").decode("punycode")
    except UnicodeError:
        return False
    return bool(decoded) and not decoded.isascii() and _label_ok(decoded)


# Kept as written: reserved characters, and "%" so that what is encoded
# already is not encoded twice.
_WIRE_SAFE = "!#$%&'()*+,/:;=?@[]~"


def for_request(url: str) -> str:
    """``url`` as it goes on the wire: spaces, controls and non-ASCII
    characters percent-encoded as UTF-8 (RSSHub routes such as
    ``/weibo/keyword/热点``), an international host in IDNA."""
    if url.isascii() and url.isprintable() and " " not in url:
        return url
    parts = split(url)
    if parts is None:
        return url
    netloc = parts.netloc
    if not netloc.isascii():
        userinfo, at, hostport = netloc.rpartition("@")
        host, colon, port = hostport.partition(":")
        try:
            # IDNA 2008 with UTS 46 mapping, as browsers and yarl: Python's
            # own "idna" codec (2003) sends straße.de to strasse.de.
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            return url  # not a host name; the request fails and says so
        netloc = f"{quote(userinfo, safe=_WIRE_SAFE)}{at}{host}{colon}{port}"
    wire = parts._replace(
        netloc=netloc,
        path=quote(parts.path, safe=_WIRE_SAFE),
        query=quote(parts.query, safe=_WIRE_SAFE),
        fragment=quote(parts.fragment, safe=_WIRE_SAFE),
    ).geturl()
    return wire + "?" if url.endswith("?") and not wire.endswith("?") else wire


# The scheme, then (after `//`, or right away in `https:user:pw@host`, a slash
# forgotten) everything up to the authority's last "@".
_USERINFO = re.compile(r"^(\s*[A-Za-z][A-Za-z0-9+.-]*:(?://)?)[^/?#]*@")


_DEFAULT_PORTS = {"http": 80, "https": 443}


def place(url: str) -> tuple[str, int] | None:
    """Where ``url`` connects, as a resolver is asked for it: its host as it
    goes on the wire (IDNA 2008, lower case, no final dot) and its port
    (the scheme's own if none); None for a URL that connects nowhere."""
    try:
        parts = urlsplit(for_request(url))
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").rstrip(".")
    port = port if port is not None else _DEFAULT_PORTS.get(parts.scheme.lower())
    return (host, port) if host and port is not None else None


def without_userinfo(url: str) -> str:
    """``url`` less any ``user:password@`` — also of a URL too malformed to
    parse (a port past 65535, a bracket left open), which is the one an
    error message shows."""
    if "@" not in url:
        return url
    return _USERINFO.sub(r"\1", url, count=1)


# Query parameters that carry a secret: RSSHub's access key (`?key=…`, or
# `?code=` its MD5 with the route), API tokens — by a name that ends in a
# secret's word (`feed_token`, GitLab's private feeds; `X-Amz-Signature`,
# `client_secret`, `apiKey`, a private tracker's `passkey`), or that is one of
# the short ones whole or after a separator (`key`, `sort_key`; not `monkey`
# or `keyword`).  Not `code` of another kind (`?code=600519`, a stock).
_SECRET_NAME = (
    r"[\w.-]*?(?:token|secret|signature|password|passwd|credentials?|api_?key|access_?key"
    r"|app_?key|pass_?key|auth_?key|rss_?key|sess_?key|private_?key)"
    r"|(?:[\w.-]*[_.-])?(?:key|sig|auth|pwd)"
)


def _secret_values(value: str, after_code: str) -> re.Pattern[str]:
    """A secret's ``name=`` (group 1, or 2 for ``code=``) and its ``value``."""
    return re.compile(
        rf"([?&;](?:{_SECRET_NAME})=){value}|([?&;]code=)[0-9A-Fa-f]{{32}}(?={after_code})",
        re.IGNORECASE,
    )


_SECRET_QUERY = _secret_values("[^&#;]+", "$|[&#;]")


_BREAKS_SHOWN = str.maketrans(
    {"\n": "\u240a", "\t": "\u2409", "\x85": "\u2424", "\u2028": "\u2424", "\u2029": "\u2424"}
)


def shown(url: str) -> str:
    """``url`` as output may show it (a terminal, cron's mail, a log): less
    any password, and with the values of query parameters that hold a secret
    left out (``?key=…``); a line break or tab in it (one the config refuses)
    as ␊, ␤ or ␉, on its message's line."""
    url = without_userinfo(url)
    if not url.isascii() or "\n" in url or "\t" in url:
        url = url.translate(_BREAKS_SHOWN)
    if "=" not in url:
        return url
    return _SECRET_QUERY.sub(lambda m: (m[1] or m[2]) + "…", url)


# (In text a value ends at a space, a quote, a comma or a bracket too.)
_SECRET_IN_TEXT = _secret_values(r"[^&#;\s\"'<>,()]+", r"$|[&#;\s]")
# (Not the comma or full stop after it, which a value's pattern would take.)
_URL_IN_TEXT = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>]*[^\s\"'<>,.;:!?)\]]")
_SHORTEST_SECRET = 4  # shorter values are words, not secrets worth a search


def text_shown(text: str, *asked: str, secrets: Iterable[str] = ()) -> str:
    """A server's ``text`` (an error page's message) as output may show it:
    each URL in it as `shown`, a secret's ``name=value`` left out wherever it
    is, and the secrets of the URLs ``asked`` (the feed's, echoed back by
    the server: "invalid access_token abc123") and the other ``secrets`` (its
    headers') wherever they are — decoded or encoded, and cut short by a
    message clipped inside one."""
    text = _URL_IN_TEXT.sub(lambda m: shown(m[0]), text)
    if "=" in text:
        text = _SECRET_IN_TEXT.sub(lambda m: (m[1] or m[2]) + "…", text)
    values = {s for url in asked for s in _secrets_of(url)}
    values.update(s for s in secrets if len(s) >= _SHORTEST_SECRET)
    for secret in sorted(values, key=len, reverse=True):
        for form in {secret, unquote(secret), unquote_plus(secret), quote(secret, safe="")}:
            if len(form) >= _SHORTEST_SECRET:
                text = _without(text, form)
    return text


# A secret this short or shorter is replaced only as a word of its own
# (`?sort_key=date` is no reason to cut "updated"); a longer one wherever it is
# (inside a percent-encoded URL: "%3Dabc123SECRET").
_SHORT_SECRET = 12


def _without(text: str, secret: str) -> str:
    if len(secret) <= _SHORT_SECRET:
        text = re.sub(rf"(?<![^\W_]){re.escape(secret)}(?![^\W_])", "…", text)
    else:
        text = text.replace(secret, "…")
    # A message clipped inside the secret ends its start with "…".
    for size in range(len(secret) - 1, _SHORTEST_SECRET - 1, -1):
        if secret[:size] + "…" in text:
            return text.replace(secret[:size] + "…", "…")
    return text


def _secrets_of(url: str) -> list[str]:
    """The values of ``url`` that `shown` leaves out: its password, its
    secret query parameters' values."""
    found = [m[0][len(m[1] or m[2]) :] for m in _SECRET_QUERY.finditer(url)]
    parts = split(url)
    if parts is not None and parts.password:
        found.append(parts.password)
    return [s for s in found if len(s) >= _SHORTEST_SECRET]


_SECRET_HEADER = re.compile(rf"(?:x-)?(?:{_SECRET_NAME})", re.IGNORECASE)
_SECRET_COOKIE = re.compile(r"sess|sid|token|auth|secret|key|pass", re.IGNORECASE)


def names_a_secret(header: str) -> bool:
    """Whether a request header holds the host's secret: Authorization, a
    Cookie, or one named as a secret (`X-Api-Key`, `X-Auth-Token`)."""
    lowered = header.strip().lower()
    return lowered in ("authorization", "cookie") or bool(
        _SECRET_HEADER.fullmatch(lowered.replace("-", "_"))
    )


def header_secrets(headers: Iterable[tuple[str, str]]) -> list[str]:
    """The secrets in request headers a feed is fetched with: an
    Authorization's credentials, a Cookie's values, the value of a header
    named as a secret (`X-Api-Key`, `X-Token`)."""
    found: list[str] = []
    for name, value in headers:
        lowered = name.strip().lower()
        if lowered in ("authorization", "proxy-authorization"):
            found.append(value.strip().split(None, 1)[-1])
        elif lowered == "cookie":
            # A session's id or a token, not `lang=zh-CN; consent=true`:
            # those words stay in what a server says.
            for part in value.split(";"):
                key, _, kept = (p.strip() for p in part.partition("="))
                if len(kept) > _SHORT_SECRET or _SECRET_COOKIE.search(key):
                    found.append(kept)
        elif _SECRET_HEADER.fullmatch(lowered.replace("-", "_")):
            found.append(value.strip())
    return [s for s in found if len(s) >= _SHORTEST_SECRET]
