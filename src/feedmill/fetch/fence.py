"""The SSRF fence: which addresses a fetch may reach.

Article links come from feeds, and so do a feed's redirects: neither may lead
a fetch to the machine itself, its network or a cloud's metadata service
(169.254.169.254), whose answers would be published.  The check runs in the
resolver, on the very answer the connection then uses (no gap for a
DNS-rebinding server); addresses written as such are checked by the caller.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from aiohttp.abc import AbstractResolver, ResolveResult

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_CGNAT: Final = ipaddress.IPv4Network("100.64.0.0/10")
_THIS_NETWORK: Final = ipaddress.IPv4Network("0.0.0.0/8")
_NAT64: Final = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL: Final = ipaddress.IPv6Network("64:ff9b:1::/48")
_SITE_LOCAL: Final = ipaddress.IPv6Network("fec0::/10")


def address_kind(ip: IPAddress) -> str | None:
    """``None`` for a globally routable unicast address, else what it is.

    "loopback", "private" (RFC 1918, fc00::/7, and the other special ranges
    Python calls private: documentation, benchmarking …), "link-local"
    (169.254.0.0/16 — the cloud metadata service at 169.254.169.254 — and
    fe80::/10), "multicast", "reserved", "unspecified", "shared (CGNAT)",
    "this-network" (0.0.0.0/8), "site-local" (fec0::/10), "non-public" for
    the rest.  An IPv6 address that carries an IPv4 one is judged by the IPv4
    address it reaches: "IPv4-mapped loopback", "NAT64 private", "6to4 …".
    """
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            ip = ipaddress.IPv6Address(str(ip).split("%", 1)[0])
        embedded, via = ip.ipv4_mapped, "IPv4-mapped"
        if embedded is None and ip in _NAT64:
            embedded, via = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF), "NAT64"
        if embedded is None and ip.sixtofour is not None:
            embedded, via = ip.sixtofour, "6to4"
        if embedded is not None:
            kind = address_kind(embedded)
            return None if kind is None else f"{via} {kind}"
        if ip in _SITE_LOCAL:
            return "site-local"
        if ip in _NAT64_LOCAL:
            return "private"
    checks = (
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_reserved, "reserved"),
        (ip in _CGNAT, "shared (CGNAT)"),
        (ip in _THIS_NETWORK, "this-network"),
        (ip.is_private, "private"),
        (not ip.is_global, "non-public"),
    )
    return next((kind for hit, kind in checks if hit), None)


def parse_ip(text: str) -> IPAddress | None:
    """An IP address literal ("10.0.0.5", "::1", "[::1]", "fe80::1%eth0"), or None."""
    text = text.strip().removeprefix("[").removesuffix("]")
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_public_address(host: str) -> bool:
    """Whether ``host``, an IP address literal, is globally routable (see
    :func:`address_kind`).  A name is not an address: ``False``."""
    ip = parse_ip(host)
    return ip is not None and address_kind(ip) is None


def a_kind(kind: str) -> str:
    """The kind with its article: "a loopback", "an IPv4-mapped private"."""
    return f"an {kind}" if kind[0] in "aeiouAEIOU" else f"a {kind}"


class Blocked(OSError):
    """Raised by the guarded resolver.  An OSError, so that aiohttp reports it
    as the cause of a connector error (`blocked_in` finds it)."""


def public_only(
    inner: AbstractResolver, trusted: frozenset[tuple[str, int]] = frozenset()
) -> AbstractResolver:
    """``inner``, refusing any answer that holds a non-public address — but
    for the (host, port) places in ``trusted`` (`urls.place`), which may be
    anywhere."""
    return _public_only_class()(inner, trusted)


@functools.cache
def _public_only_class() -> Callable[
    [AbstractResolver, frozenset[tuple[str, int]]], AbstractResolver
]:
    # Defined on first use: subclassing needs aiohttp imported.
    from aiohttp.abc import AbstractResolver

    class PublicOnlyResolver(AbstractResolver):
        """Runs inside the connector, on the very answer it then connects to:
        no gap between checking and connecting for a DNS-rebinding server to
        use.  Every redirect hop resolves through it too.  One private
        address among public ones refuses the name: no legitimate site
        answers like that."""

        def __init__(self, inner: AbstractResolver, trusted: frozenset[tuple[str, int]]) -> None:
            self._inner = inner
            self._trusted = trusted

        async def resolve(
            self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
        ) -> list[ResolveResult]:
            results = await self._inner.resolve(host, port, family)
            if (host.lower().rstrip("."), port) in self._trusted:
                return results
            for result in results:
                ip = parse_ip(result["host"])
                kind = "unreadable" if ip is None else address_kind(ip)
                if kind is not None:
                    shown = ip or result["host"]
                    raise Blocked(f"blocked: {host} resolves to {shown}, {a_kind(kind)} address")
            return results

        async def close(self) -> None:
            await self._inner.close()

    return PublicOnlyResolver


def blocked_in(exc: BaseException) -> Blocked | None:
    """The `Blocked` in ``exc``'s chain (aiohttp wraps it), if any."""
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        if isinstance(node, Blocked):
            return node
        seen.add(id(node))
        node = getattr(node, "os_error", None) or node.__cause__ or node.__context__
    return None
