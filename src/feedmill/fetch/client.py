"""Concurrent, polite, bounded fetching of feed documents.

* aiohttp, HTTP/1.1 keep-alive — on loopback it answers 1,000 conditional
  GETs in 0.2–0.5 s where httpx took 2.3–3.3 s (benchmarks/README.md);
* a global limit and a per-host limit on requests in flight (RSSHub serves
  many routes from one host);
* a whole-request deadline on top of aiohttp's connect/read timeouts, so a
  server that trickles bytes still ends on time;
* redirects followed by hand: counted, loops detected, every hop recorded
  so the caller can notice permanent moves;
* the body is decoded by our own bounded decoders and capped *after*
  decompression;
* conditional GET (ETag / Last-Modified) and an unchanged-body check, so
  an unchanged feed costs no parse.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import hashlib
import os
import re
import socket
import ssl
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import formatdate
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import SplitResult, urlsplit

from feedmill import __version__, urls
from feedmill.fetch.aiohttp_import import load_aiohttp
from feedmill.fetch.decompress import BodyError, _human, read_capped, read_head
from feedmill.fetch.fence import a_kind, address_kind, blocked_in, parse_ip, public_only
from feedmill.models import CANNOT_CONNECT, CONNECTION_LOST, Fetched, FetchStatus
from feedmill.schedule import http_date

T = TypeVar("T")

if TYPE_CHECKING:
    import aiohttp

MiB = 1024 * 1024
HEADER_LINE_LIMIT = 64 * 1024
# As the README gives it (a contact URL only where there is a page to read).
DEFAULT_USER_AGENT = f"feedmill/{__version__}"
_REDIRECTS = (301, 302, 303, 307, 308)
# Response headers that the scheduler reads.
_CACHE_HEADERS = ("cache-control", "expires", "retry-after", "date", "age")


def body_hash(body: bytes, content_type: str | None = None) -> str:
    """The document as it is read: its bytes and the type its server gives
    them — a charset label fixed in the header reads the same bytes anew
    (its "declared gbk but the bytes are UTF-8" stayed in `status` until the
    feed changed)."""
    digest = hashlib.blake2b(body, digest_size=16)
    if content_type:
        digest.update(b"\0" + content_type.strip().lower().encode("utf-8", "replace"))
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class FetchRequest:
    """One feed to fetch, with what we remember from last time."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    timeout: float | None = None  # whole request, seconds; None = options default
    connect_timeout: float | None = None  # seconds; None = options default
    headers: tuple[tuple[str, str], ...] = ()
    proxy: str | None = None
    # The URL the headers were configured for, when ``url`` is where the feed
    # moved: cookies and Authorization stay with the configured host.
    origin: str | None = None


@dataclass(frozen=True, slots=True)
class FetchOptions:
    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = 30.0
    connect_timeout: float = 10.0
    max_body: int = 15 * MiB
    max_redirects: int = 10
    concurrency: int = 64
    per_host: int = 8
    headers: tuple[tuple[str, str], ...] = ()
    proxy: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    # None: any address may be reached.  A set: the (host, port) places that
    # may be anywhere — those the config names, as a resolver is asked for
    # them; a redirect elsewhere must lead to a public address (`fence`).
    trusted: frozenset[tuple[str, int]] | None = None


class _Failure(Exception):
    """A fetch that ends with a message for ``feedmill status``."""

    def __init__(
        self, message: str, http_status: int | None = None, *, of_the_chain: bool = False
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.of_the_chain = of_the_chain  # a loop, too many hops: no one place's

    def at(self, hops: Sequence[str]) -> _Failure:
        """This failure where redirects had led, said so: the feed's own URL
        answered, and is not the one to check."""
        if not hops or self.of_the_chain:
            return self
        return _Failure(f"{self}{_where(hops[-1])}", self.http_status)


PRIVATE_HINT = (
    " (a redirect from the configured host; `fetch.allow_private: true` lets feeds reach"
    " such addresses)"
)


def _where(hop: str) -> str:
    return f" (at {urls.shown(hop)}, where the feed's URL redirected)"


class Fetcher:
    """Fetch many feeds at once.  Use as ``async with Fetcher(opts) as f``."""

    def __init__(self, options: FetchOptions | None = None) -> None:
        self.options = options or FetchOptions()
        self._session: aiohttp.ClientSession | None = None
        self._global = asyncio.Semaphore(self.options.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    # -- public ----------------------------------------------------------

    async def fetch_many(self, requests: Iterable[FetchRequest]) -> AsyncIterator[Fetched]:
        """Yield results as they complete (not in request order)."""
        tasks = [asyncio.ensure_future(self.fetch(r)) for r in requests]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            for task in tasks:
                task.cancel()

    async def fetch(self, request: FetchRequest) -> Fetched:
        fetched = await self._fetch(request)
        if fetched.error:
            # What a server said, and where it led, may hold the feed's own
            # secrets: its access key echoed back ("invalid key …"), in a
            # login page's ?next= of a redirect, its Authorization header.
            secrets = urls.header_secrets((*self.options.headers, *request.headers))
            error = urls.text_shown(fetched.error, request.url, secrets=secrets)
            fetched = replace(fetched, error=error)
        return fetched

    async def _fetch(self, request: FetchRequest) -> Fetched:
        scheme = urlsplit(request.url).scheme.lower()
        try:
            if scheme == "file":
                return await asyncio.to_thread(self._read_file, request)
            if scheme in ("http", "https"):
                return await self._fetch_http(request)
            raise _Failure(f"unsupported URL scheme {scheme!r}")
        except ValueError as exc:  # a malformed URL (bad port, bad IPv6 literal …)
            return Fetched(url=request.url, status=FetchStatus.FAILED, error=f"invalid URL: {exc}")
        except _Failure as failure:
            return Fetched(
                url=request.url,
                status=FetchStatus.FAILED,
                http_status=failure.http_status,
                error=_one_line(str(failure)),
            )

    # -- files -----------------------------------------------------------

    def _read_file(self, request: FetchRequest) -> Fetched:
        path = urllib.request.url2pathname(urlsplit(request.url).path)
        try:
            stat = os.stat(path)
            if not os.path.isfile(path):
                raise _Failure(f"not a file: {path}")
            # A file's "ETag": unchanged mtime and size mean unchanged bytes.
            etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
            if request.etag == etag:
                return Fetched(url=request.url, status=FetchStatus.NOT_MODIFIED, etag=etag)
            if stat.st_size > self.options.max_body:
                raise _Failure(f"file larger than {_human(self.options.max_body)} (fetch.max_body)")
            with open(path, "rb") as handle:
                body = handle.read(self.options.max_body + 1)
        except FileNotFoundError:
            raise _Failure(f"no such file: {path}") from None
        except PermissionError:
            raise _Failure(f"permission denied: {path}") from None
        except IsADirectoryError:
            raise _Failure(f"not a file: {path}") from None
        except OSError as exc:
            raise _Failure(f"cannot read {path}: {exc.strerror or exc}") from None
        if len(body) > self.options.max_body:
            raise _Failure(f"file larger than {_human(self.options.max_body)} (fetch.max_body)")
        digest = body_hash(body)
        modified = formatdate(stat.st_mtime, usegmt=True)
        if digest == request.body_hash:
            return Fetched(
                url=request.url,
                status=FetchStatus.NOT_MODIFIED,
                etag=etag,
                last_modified=modified,
                body_hash=digest,
            )
        return Fetched(
            url=request.url,
            status=FetchStatus.OK,
            final_url=request.url,
            body=body,
            content_type=_guess_type(path),
            etag=etag,
            last_modified=modified,
            body_hash=digest,
        )

    # -- http ------------------------------------------------------------

    def _client(self, *, fresh: bool = False) -> aiohttp.ClientSession:
        """The fetcher's session; with ``fresh``, a session of its own whose
        connections are used once (the caller closes it)."""
        if self._session is None or fresh:
            load_aiohttp()
            import aiohttp

            opts = self.options
            # TLS per request (_tls): a pass over plain http never loads the CA bundle.
            resolver = None
            if opts.trusted is not None:
                resolver = public_only(aiohttp.DefaultResolver(), opts.trusted)
            connector = aiohttp.TCPConnector(
                limit=opts.concurrency,
                limit_per_host=opts.per_host,
                force_close=fresh,
                resolver=resolver,
            )
            session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeouts(opts.timeout),
                # Bodies are decoded by our bounded decoders (decompress.py).
                auto_decompress=False,
                # Proxies come from the config, never from the environment,
                # so a run behaves the same under cron as in a shell.
                trust_env=False,
                # Cookies set by one feed's server must not reach another's.
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": opts.user_agent},
                # aiohttp refuses a header line over 8 KiB, where browsers and
                # curl read a CDN's long Set-Cookie and the feed after it.
                max_line_size=HEADER_LINE_LIMIT,
                max_field_size=HEADER_LINE_LIMIT,
            )
            if fresh:
                return session
            self._session = session
        return self._session

    def _fence(self, target: str, status: int) -> None:
        """Refuse a redirect to an address written as such (past the
        resolver) that is not public, unless the config names it."""
        trusted = self.options.trusted
        # As it goes on the wire: "127。0。0。2" (ideographic dots) is 127.0.0.2 in IDNA.
        place = urls.place(target)
        if trusted is None or place is None or place in trusted:
            return
        ip = parse_ip(place[0])
        kind = address_kind(ip) if ip is not None else None
        if kind is not None:
            raise _Failure(f"blocked: {ip} is {a_kind(kind)} address{PRIVATE_HINT}", status)

    def _timeouts(self, silence: float, connect: float | None = None) -> aiohttp.ClientTimeout:
        """aiohttp's timeouts: ``silence`` the longest wait for a byte (a
        feed's own timeout bounds its silences too); connecting (``connect``,
        None: the options') includes the name lookup (a stuck resolver is a
        failure to connect, not the whole request's deadline).  The whole
        request is timed by _fetch_http."""
        import aiohttp

        limit = self.options.connect_timeout if connect is None else connect
        return aiohttp.ClientTimeout(
            total=None, connect=limit, sock_connect=limit, sock_read=silence
        )

    def _host_slots(self, url: str) -> asyncio.Semaphore:
        host = _host_key(url)
        sem = self._hosts.get(host)
        if sem is None:
            sem = self._hosts[host] = asyncio.Semaphore(self.options.per_host)
        return sem

    def _headers(self, request: FetchRequest) -> dict[str, str]:
        headers = {
            "Accept": (
                "application/rss+xml, application/atom+xml, application/feed+json, "
                "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
            ),
            "Accept-Encoding": "gzip, deflate, br",
        }
        # The global proxy's credentials go to it alone: not to a feed's own
        # proxy, another place (its feed's headers authorize that one), nor
        # to a site.  (Without a global proxy, they are the feeds' proxies'.)
        glob = self.options.proxy
        own_proxy = (
            request.proxy not in (None, "direct")
            and glob is not None
            and urls.identity(request.proxy or "") != urls.identity(glob)
        )
        for name, value in self.options.headers:
            if not (own_proxy and name.lower() == "proxy-authorization"):
                headers[name] = value
        headers.update(request.headers)
        if request.etag:
            headers["If-None-Match"] = request.etag
        if request.last_modified:
            headers["If-Modified-Since"] = request.last_modified
        return headers

    async def _fetch_http(self, request: FetchRequest, *, again: bool = False) -> Fetched:
        # A validator stored before `_validator` refused what cannot be sent
        # back would stop the feed at every fetch, before its request left.
        request = replace(
            request,
            etag=_validator(request.etag),
            last_modified=_not_ahead(_validator(request.last_modified), datetime.now(UTC)),
        )
        deadline = request.timeout or self.options.timeout
        # Armed when the first request is sent (_follow): time spent queued
        # for a slot is not the server's slowness.
        timer = asyncio.timeout(None)
        hops: list[str] = []  # where redirects led, as _follow follows them
        fresh = self._client(fresh=True) if again else None
        try:
            async with timer:
                return await self._follow(request, timer, deadline, hops, fresh)
        except _Failure as failure:
            raise failure.at(hops) from None
        except Exception as exc:
            if not again and _answered_past_its_end(exc):
                # A 304 with a body (a feed script that sets the status and
                # writes the feed all the same): what follows it read as the
                # next response — this one's, or, the body come a moment
                # late, the next request's on that connection.  Asked for once
                # more, whole, on a connection of its own (the pool may hold
                # another such): its body hash then says whether it changed.
                # Within the request's own deadline (its timer runs while the
                # request is under way, not while it waits for its host): a
                # server that answers nonsense slowly is not given twice the time.
                when = timer.when()
                left = deadline if when is None else when - asyncio.get_running_loop().time()
                if left > 0.1:
                    whole = replace(request, etag=None, last_modified=None, timeout=left)
                    return await self._fetch_http(whole, again=True)
            said = self._failure(exc, timer, deadline, request.connect_timeout)
            if said is None:
                raise
            raise said.at(hops) from None
        finally:
            if fresh is not None:
                await fresh.close()

    def _failure(
        self, exc: Exception, timer: asyncio.Timeout, deadline: float, connect: float | None
    ) -> _Failure | None:
        """What ``exc``, raised by a request, says of the feed (None: not a
        request's failure)."""
        import aiohttp

        if isinstance(exc, TimeoutError):
            # aiohttp's own timeouts are TimeoutErrors too: say which one ran out.
            if timer.expired():
                return _Failure(f"timed out after {deadline:g} s")
            if isinstance(exc, aiohttp.ConnectionTimeoutError):
                limit = self.options.connect_timeout if connect is None else connect
                return _Failure(f"{CANNOT_CONNECT}: timed out after {limit:g} s")
            return _Failure(f"read timed out (server sent nothing for {deadline:g} s)")
        if isinstance(exc, aiohttp.ClientProxyConnectionError):
            return _Failure(f"proxy error: {_reason(exc)}")
        if isinstance(exc, aiohttp.ClientConnectorError):
            blocked = blocked_in(exc)
            if blocked is not None:  # (a redirect's: the config's own hosts are trusted)
                return _Failure(f"{blocked}{PRIVATE_HINT}")
            return _Failure(f"{CANNOT_CONNECT}: {_reason(exc)}")
        if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
            return _Failure(_bad_response(_reason(exc)))
        if isinstance(exc, aiohttp.ClientHttpProxyError):  # the proxy refused an https tunnel
            reason = f" {exc.message}" if exc.message else ""
            return _Failure(f"proxy refused the tunnel: HTTP {exc.status}{reason}")
        if isinstance(exc, aiohttp.ClientResponseError):  # malformed status line or headers
            return _Failure(_bad_response(str(exc.message or exc)))
        if isinstance(exc, aiohttp.InvalidURL):
            return _Failure(f"invalid URL: {exc}")
        if isinstance(exc, aiohttp.ClientOSError):  # reset mid-request ("ClientOSError: …")
            return _Failure(f"{CONNECTION_LOST}: {_reason(exc)}")
        if isinstance(exc, aiohttp.ClientError):
            return _Failure(f"{type(exc).__name__}: {_reason(exc)}")
        return None

    async def _follow(
        self,
        request: FetchRequest,
        timer: asyncio.Timeout,
        deadline: float,
        hops: list[str],
        session: aiohttp.ClientSession | None = None,
    ) -> Fetched:
        proxy = request.proxy or self.options.proxy
        if proxy == "direct":  # the feed opts out of the global proxy
            proxy = None
        headers = self._headers(request)
        # A Proxy-Authorization is the proxy's alone: in the request to it for
        # an http URL, in the CONNECT for an https one (not in the tunnel, to
        # the site), and without a proxy, to no one.
        for_proxy = {k: v for k, v in headers.items() if k.lower() == "proxy-authorization"}
        if for_proxy:
            headers = {k: v for k, v in headers.items() if k not in for_proxy}
        lowered = {name.lower() for name in headers}
        url = request.url
        seen = [url]
        redirects: list[tuple[int, str]] = []
        from yarl import URL

        session = session or self._client()
        while True:
            # encoded=True: send the URL as configured (signed URLs …), with
            # only what cannot go on the wire as is percent-encoded.
            target_url = URL(urls.for_request(url), encoded=True)
            origin = request.origin or request.url
            keeps = keeps_credentials(origin, url)
            sent = headers if keeps else _anonymous(headers)
            # aiohttp sends a URL's own user and password only: an absolute
            # redirect to the same host (nginx's trailing slash, http → https)
            # dropped the feed's, and the feed failed with a 401.
            if keeps and target_url.user is None and "authorization" not in lowered:
                auth = _url_auth(origin)
                if auth is not None:
                    sent = {**sent, "Authorization": auth.encode()}
            proxy_headers = None
            if proxy and for_proxy:
                if target_url.scheme == "https":
                    proxy_headers = for_proxy
                else:
                    sent = {**sent, **for_proxy}
            # The deadline runs while requests are under way, not while a hop
            # waits for its host's slot: paused here, resumed once it has one.
            loop = asyncio.get_running_loop()
            when = timer.when()
            remaining = deadline if when is None else when - loop.time()
            timer.reschedule(None)
            # The host's slot first: a feed queued behind its host must not
            # hold one of the global slots that feeds of other hosts could use.
            async with self._host_slots(url), self._global:
                timer.reschedule(loop.time() + remaining)
                async with session.get(
                    target_url,
                    headers=sent,
                    allow_redirects=False,
                    proxy=proxy,
                    proxy_headers=proxy_headers,
                    ssl=_tls(url, proxy),
                    # Always given: aiohttp reads timeout=None as "no timeouts".
                    timeout=self._timeouts(deadline, request.connect_timeout),
                ) as resp:
                    location = _location(resp.headers.get("location"))
                    if resp.status not in _REDIRECTS or not location:
                        when = timer.when()
                        left = deadline if when is None else when - loop.time()
                        return await self._answer(request, url, resp, tuple(redirects), left)
                    target = urls.join(url, location.strip())
                    if target is None or urls.scheme(target) not in ("http", "https"):
                        raise _Failure(
                            f"redirect to an unusable URL: {urls.shown(location)!r}", resp.status
                        )
                    try:
                        urlsplit(target).port  # noqa: B018 - a bad port raises only when read
                    except ValueError as exc:  # not the configured URL's fault
                        raise _Failure(
                            f"redirect to an unusable URL: {urls.shown(location)!r} ({exc})",
                            resp.status,
                        ) from None
                    # A host no request reaches ("a..b", 127.1, port 0), by the
                    # config's own check: not the configured URL's fault either.
                    why = urls.unreachable(target)
                    if why is not None:
                        host = urlsplit(target).hostname or ""
                        raise _Failure(
                            f"redirect to an unusable URL: {urls.shown(location)!r}"
                            f" ({urls.shown(host)!r} {why})",
                            resp.status,
                        )
                    self._fence(target, resp.status)
                    redirects.append((resp.status, target))
                    if target in seen:
                        chain = " → ".join(urls.shown(u) for u in [*seen, target])
                        raise _Failure(f"redirect loop: {chain}", resp.status, of_the_chain=True)
                    if len(redirects) > self.options.max_redirects:
                        limit = self.options.max_redirects
                        raise _Failure(
                            f"too many redirects (more than {limit})",
                            resp.status,
                            of_the_chain=True,
                        )
                    seen.append(target)
                    hops.append(target)
                    url = target

    async def _answer(
        self,
        request: FetchRequest,
        url: str,
        resp: aiohttp.ClientResponse,
        redirects: tuple[tuple[int, str], ...],
        left: float,
    ) -> Fetched:
        """What the last response of the chain (not a redirect) means for the
        feed (``left``: seconds of its deadline left)."""
        status = resp.status
        cache = tuple(
            # Lines of a list header are one list (nginx's add_header beside
            # the upstream's: "public", then "max-age=3600").
            (name, _header_text(", ".join(resp.headers.getall(name))) or "")
            if name == "cache-control"  # (the names above are lower case)
            else (name, _header_text(resp.headers[name]) or "")
            for name in _CACHE_HEADERS
            if name in resp.headers
        )
        if status == 304 and not (request.etag or request.last_modified):
            # Nothing was asked that "not modified" could answer: a broken
            # server or cache; the feed has no document to keep.
            raise _Failure("HTTP 304 Not Modified to a request without validators", 304)
        if status == 304:
            return Fetched(
                url=request.url,
                status=FetchStatus.NOT_MODIFIED,
                final_url=url,
                http_status=304,
                etag=_validator(resp.headers.get("etag")) or request.etag,
                last_modified=_last_modified(resp) or request.last_modified,
                body_hash=request.body_hash,
                cache_headers=cache,
                redirects=redirects,
            )
        # 206: a part of the document (no Range was asked for), read as a
        # feed cut off — its first items only, and "ok".
        if status >= 400 or status < 200 or status in _REDIRECTS or status == 206:
            reason = _header_text(resp.reason) or ""
            message = f"HTTP {status} {reason}".rstrip()
            if status in _REDIRECTS:
                message += " without a Location header"
            elif status == 206:
                message += " to a request for the whole document"
            elif status == 410:
                # Backed off to the cap at once (schedule.after_failure).
                message += (
                    " (removed for good, says the server: a daemon or `run --due` asks"
                    " again only at the backoff cap; fix or remove its url)"
                )
            if status >= 400:
                said = await _what_the_page_says(resp, status, reason, left)
                if said:
                    message += f": {said}"
            if redirects:
                message += _where(url)
            return Fetched(
                url=request.url,
                status=FetchStatus.FAILED,
                final_url=url,
                http_status=status,
                error=message,
                cache_headers=cache,
                redirects=redirects,
            )
        body = await self._read_body(resp)
        content_type = _header_text(resp.headers.get("content-type"))
        digest = body_hash(body, content_type)
        unchanged = digest == request.body_hash
        return Fetched(
            url=request.url,
            status=FetchStatus.NOT_MODIFIED if unchanged else FetchStatus.OK,
            final_url=url,
            http_status=status,
            body=None if unchanged else body,
            content_type=content_type,
            etag=_validator(resp.headers.get("etag")),
            last_modified=_last_modified(resp),
            body_hash=digest,
            cache_headers=cache,
            redirects=redirects,
        )

    async def _read_body(self, resp: aiohttp.ClientResponse) -> bytes:
        try:
            return await read_capped(resp, self.options.max_body)
        except BodyError as exc:
            raise _Failure(str(exc), resp.status) from None


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context for every client: loading the CA bundle takes ~40 ms."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def _tls(url: str, proxy: str | None) -> ssl.SSLContext | bool:
    """The TLS context of a request to ``url`` (through ``proxy``): made on the
    first https one, so that feeds served over plain http (an RSSHub on the
    LAN) never pay for the CA bundle.  ``True`` is aiohttp's "no override",
    which plain http never uses."""
    if urls.scheme(url) == "https" or urls.scheme(proxy) == "https":
        return _ssl_context()
    return True


def keeps_credentials(configured: str, url: str) -> bool:
    """May a redirect hop to ``url`` carry the cookies and Authorization
    configured for ``configured``?  Only to the same host and port, or from
    http up to https on the default ports — the rule of browsers and requests."""
    if url == configured:
        return True
    # Hosts as they go on the wire: an international name and its IDNA form
    # (as a server's Location names it) are one host.
    was, now = urls.split(urls.for_request(configured)), urls.split(urls.for_request(url))
    if was is None or now is None or was.hostname != now.hostname:
        return False
    if was.scheme == now.scheme:
        return _port(was) == _port(now)
    upgrade = (was.scheme, now.scheme) == ("http", "https")
    return upgrade and was.port in (None, 80) and now.port in (None, 443)


def _url_auth(url: str) -> aiohttp.BasicAuth | None:
    """The user and password written in ``url`` (None: none)."""
    if "@" not in url:
        return None
    load_aiohttp()
    import aiohttp
    from yarl import URL

    parsed = URL(urls.for_request(url), encoded=True)
    return aiohttp.BasicAuth.from_url(parsed) if parsed.user is not None else None


def _anonymous(headers: dict[str, str]) -> dict[str, str]:
    """The headers for another host: without secrets, nor the configured
    ``Host`` (a site's name for an address: the next host was asked for the
    first one's site)."""
    return {
        name: value
        for name, value in headers.items()
        if not urls.names_a_secret(name) and name.lower() != "host"
    }


def in_host_turns(items: Sequence[T], url: Callable[[T], str]) -> list[T]:
    """``items`` with their hosts taking turns: the first of each host, then
    the second of each, and so on (order within a host kept).

    Feeds start in this order and wait for their host's slot holding a place
    among the bodies in flight: listed host by host, the routes of one busy
    host (RSSHub) would fill every place while other hosts sat idle.
    """
    queues: dict[str, list[T]] = {}
    for item in items:
        queues.setdefault(_host_key(url(item)), []).append(item)
    rounds = max(map(len, queues.values()), default=0)
    return [queue[i] for i in range(rounds) for queue in queues.values() if i < len(queue)]


@functools.lru_cache(maxsize=4096)  # asked several times per feed, per pass
def _host_key(url: str) -> str:
    """host:port, the default port made explicit; "" for a malformed URL."""
    parts = urls.split(url)
    return f"{parts.hostname}:{_port(parts)}" if parts is not None else ""


def _port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


# aiohttp reads header bytes that are not UTF-8 as lone surrogates (U+DC80 +
# the byte), which no database stores: a feed's one stray byte failed a whole
# batch of feed records, and the pass.
_STRAY_BYTE = re.compile("[\udc80-\udcff]")
# What aiohttp refuses to send in a header (a header injection): a validator
# holding one, stored, failed every later fetch of its feed before it left.
_UNSENDABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f]")


def _header_text(value: str | None) -> str | None:
    """A header as text: each byte that was not UTF-8 read as Latin-1, HTTP's
    old charset for them (a French server's "réessayez" with its "é")."""
    if value is None or value.isascii():
        return value
    return _STRAY_BYTE.sub(lambda m: chr(ord(m.group()) - 0xDC00), value)


def _location(value: str | None) -> str | None:
    """A Location header: its stray bytes percent-encoded, as browsers and curl
    send them; raw UTF-8 (Chinese path segments) read as such, also where an
    older aiohttp decoded it as Latin-1."""
    if value is None or value.isascii():
        return value
    if _STRAY_BYTE.search(value):
        return _STRAY_BYTE.sub(lambda m: f"%{ord(m.group()) - 0xDC00:02X}", value)
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def _validator(value: str | None) -> str | None:
    """An ETag or Last-Modified to send back as it came, or None: one holding a
    byte that is not UTF-8 cannot be stored, one holding a control character
    cannot be sent (the body's hash still tells an unchanged document)."""
    if value is None:
        return None
    if not value.isascii() and _STRAY_BYTE.search(value) is not None:
        return None
    return None if _UNSENDABLE.search(value) else value


def _last_modified(resp: aiohttp.ClientResponse) -> str | None:
    """The response's Last-Modified to send back, unless it is later than the
    response itself (its ``Date``, else now) — see `_not_ahead`."""
    value = _validator(resp.headers.get("last-modified"))
    sent = http_date(resp.headers.get("date") or "") or datetime.now(UTC)
    return _not_ahead(value, sent)


def _not_ahead(value: str | None, now: datetime) -> str | None:
    """``value``, a Last-Modified, unless it is a date after ``now``.  A site
    that dates its feed by its newest item (Rails' ``fresh_when``, Django's
    ``condition``) says one scheduled for 2099, which RFC 9110 forbids: sent
    back, it had every later fetch answered "304" while new items came (an
    unchanged document is still told by its ETag or its body's hash)."""
    moment = http_date(value) if value else None
    return None if moment is not None and moment > now else value


def _guess_type(path: str) -> str | None:
    lower = path.lower()
    if lower.endswith(".json"):
        return "application/json"
    if lower.endswith((".xml", ".rss", ".atom", ".rdf")):
        return "application/xml"
    if lower.endswith((".html", ".htm")):
        return "text/html"
    return None


_LONGEST_ERROR = 300  # characters: a parser's complaint may quote the whole body


# A parser's pointer under the line it quotes ("       ^").
_POINTER = re.compile(r"\s*[\^~]+\s*")


def _one_line(message: str) -> str:
    """An error for `status` and the run's summary: its lines joined (aiohttp's
    "Bad status line:" puts what was wrong on the next), clipped."""
    lines = (line for line in message.splitlines() if not _POINTER.fullmatch(line))
    line = " ".join(" ".join(lines).split())
    return line if len(line) <= _LONGEST_ERROR else line[: _LONGEST_ERROR - 1] + "…"


# What aiohttp's parser says of bytes after a whole response: its
# Content-Length was shorter than the body.  (Where a status line should start,
# a document: the same, or a server that sends no status line at all.)
_AFTER_CLOSE = "Data after `Connection: close`"
_DOCUMENT_FOR_STATUS = re.compile(r"^Bad status line\b.*?:\s*b?['\"]\s*[<{]", re.DOTALL)


# What is read of an error page, and for how long at most: a server that
# sends its status at once and then trickles the page must not turn a 503
# (and its Retry-After) into a timeout.
_ERROR_PAGE_BYTES = 64 * 1024
_ERROR_PAGE_WAIT = 2.0


async def _what_the_page_says(
    resp: aiohttp.ClientResponse, status: int, reason: str, left: float
) -> str | None:
    """What an error's page says (RSSHub's message for a route that failed:
    a cookie it needs, the site's own 403; a bot check's title; a JSON
    error), where it says more than its status line."""
    wait = min(_ERROR_PAGE_WAIT, left - _ERROR_PAGE_WAIT)
    if wait <= 0:
        return None
    try:
        head = await asyncio.wait_for(read_head(resp, _ERROR_PAGE_BYTES), wait)
    except TimeoutError:
        return None
    if not head.strip():
        return None
    from feedmill.parse.encoding import decode
    from feedmill.parse.sniff import describe_error

    content_type = _header_text(resp.headers.get("content-type"))
    said = describe_error(decode(head, content_type).text, content_type)
    if said is None or _says_no_more(said, status, reason):
        return None
    return said


_WORDS = re.compile(r"[^\W_]+")
# What an account of a page says of itself, and words that say nothing more
# than a status line: "got text/html: <title>404 Not Found</title>".
_SAYING_NOTHING = frozenset(
    {"got", "text", "html", "plain", "xml", "json", "application", "xhtml", "title"}
    | {"error", "response", "status", "http", "code", "server", "page", "the", "a", "an"}
)


def _says_no_more(said: str, status: int, reason: str) -> bool:
    """Whether ``said`` is the status line again ("404 Not Found", "Error
    502: Bad Gateway"), word for word: not a message that holds the status's
    number ("uid 5035728431") or a word of its reason ("token expired" after
    a "200 OK")."""
    nothing = _SAYING_NOTHING | {str(status)} | set(_WORDS.findall(reason.lower()))
    return all(word in nothing for word in _WORDS.findall(said.lower()))


def _answered_past_its_end(exc: Exception) -> bool:
    """Whether ``exc`` is a response that went on past its end (aiohttp read
    the rest as a status line: "Bad status line: … b'hello'")."""
    import aiohttp

    return type(exc) is aiohttp.ClientResponseError and str(exc.message or "").startswith(
        "Bad status line"
    )


def _bad_response(text: str) -> str:
    if text.startswith(_AFTER_CLOSE):
        return "bad HTTP response: the body is longer than its Content-Length said"
    if _DOCUMENT_FOR_STATUS.match(text):
        return (
            "bad HTTP response: a document where a status line should be (a body longer than "
            "its Content-Length said, or a server that sends no HTTP headers)"
        )
    return f"bad HTTP response: {text}"


def _reason(exc: BaseException) -> str:
    """The most specific account of a connection error, from its whole chain."""
    from aiohttp.http_exceptions import HttpProcessingError

    seen: set[int] = set()
    node: BaseException | None = exc
    texts = []
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        if isinstance(node, socket.gaierror):
            return "host name not found"
        # OpenSSL's own errors (aiohttp's wrappers of them are SSLErrors too,
        # without OpenSSL's account): checked before OSError, which they are.
        if isinstance(node, ssl.SSLCertVerificationError) and getattr(node, "verify_message", None):
            return f"TLS certificate rejected: {node.verify_message}"
        if isinstance(node, ssl.SSLError) and getattr(node, "reason", None):
            if node.reason == "WRONG_VERSION_NUMBER":  # https:// to a port of plain http
                return "TLS failed: the server does not speak TLS there (WRONG_VERSION_NUMBER)"
            return f"TLS failed: {node.reason}"
        if isinstance(node, OSError) and node.errno in _ERRNO_REASONS:
            return _ERRNO_REASONS[node.errno]
        if isinstance(node, HttpProcessingError) and node.message:
            # aiohttp's parser's own account of a broken response, not its
            # wrapper's "400, message=…" (no server sent a 400: a parser's code).
            return str(node.message)
        texts.append(str(node))
        node = node.__cause__ or node.__context__
    text = " ".join(texts)
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "host name not found"
    return next((t for t in texts if t), type(exc).__name__)


_ERRNO_REASONS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection reset",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ENETUNREACH: "network unreachable",
    errno.ETIMEDOUT: "connection timed out",
}
