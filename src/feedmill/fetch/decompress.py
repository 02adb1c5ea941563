"""Content-Encoding decoders that never produce more than a set number of bytes.

HTTP clients' own decoders inflate each network chunk whole, so a 64 KiB
chunk of a gzip bomb becomes 64 MiB in one call.  These decoders hand out at most
``limit`` bytes in total and stop as soon as the cap is passed, so memory
stays bounded whatever the compression ratio.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import aiohttp

_TRUNCATED = "truncated compressed body: the stream ends early"
# Inflate in slices of this size, so a single call never allocates more.
_STEP = 256 * 1024


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"body larger than {_human(limit)} after decompression")
        self.limit = limit


class UnsupportedEncoding(Exception):
    pass


class Decoder(Protocol):
    def feed(self, data: bytes) -> Iterator[bytes]: ...
    def flush(self) -> Iterator[bytes]: ...


class Identity:
    def feed(self, data: bytes) -> Iterator[bytes]:
        if data:
            yield data

    def flush(self) -> Iterator[bytes]:
        return iter(())


class Inflate:
    """gzip (one member or several, as RFC 1952 allows) or deflate
    (zlib-wrapped, raw as some servers send it, or gzip mislabelled)."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        # 47 = auto-detect gzip/zlib header; deflate may also come raw.
        self._obj = zlib.decompressobj(47 if gzip else zlib.MAX_WBITS)
        # deflate: held until its first two bytes tell zlib-wrapped from raw
        self._head: bytes | None = None if gzip else b""
        self._fed = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not data:
            return
        self._fed = True
        if self._head is not None:
            self._head += data
            if len(self._head) < 2:
                return
            data, self._head = self._head, None
            if data[:2] == b"\x1f\x8b":
                # gzip labelled deflate (a server's mix-up), read as gzip: no
                # deflate stream, raw or wrapped, begins with these bytes.
                self._gzip = True
                self._obj = zlib.decompressobj(47)
            else:
                try:
                    zlib.decompressobj(zlib.MAX_WBITS).decompress(data[:2])
                except zlib.error:
                    self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            while data:
                out = self._obj.decompress(data, _STEP)
                while True:
                    if out:
                        yield out
                    tail = self._obj.unconsumed_tail
                    # At the stream's end zlib leaves what follows in
                    # unconsumed_tail *and* unused_data: not more of this stream.
                    if not tail or self._obj.eof:
                        break
                    out = self._obj.decompress(tail, _STEP)
                data = b""
                if self._obj.eof and self._gzip and self._obj.unused_data[:2] == b"\x1f\x8b":
                    # Another gzip member follows: its text continues the body.
                    data = self._obj.unused_data
                    self._obj = zlib.decompressobj(47)
        except zlib.error as exc:
            raise ValueError(f"corrupt compressed body: {exc}") from None

    def flush(self) -> Iterator[bytes]:
        if not self._fed:
            return  # nothing came: an empty body, told as such by the parser
        if self._head:  # one byte of deflate: no stream is that short
            raise ValueError(_TRUNCATED)
        try:
            out = self._obj.flush()
        except zlib.error as exc:  # pragma: no cover - zlib rarely fails here
            raise ValueError(f"corrupt compressed body: {exc}") from None
        if out:
            yield out
        if not self._obj.eof:
            raise ValueError(_TRUNCATED)


class Brotli:
    def __init__(self) -> None:
        import brotli

        self._module = brotli
        self._obj = brotli.Decompressor()
        self._fed = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not data:
            return
        self._fed = True
        try:
            out = self._obj.process(data, output_buffer_limit=_STEP)
            while True:
                if out:
                    yield out
                if self._obj.can_accept_more_data() or self._obj.is_finished():
                    break
                out = self._obj.process(b"", output_buffer_limit=_STEP)
        except self._module.error as exc:
            raise ValueError(f"corrupt compressed body: {exc}") from None

    def flush(self) -> Iterator[bytes]:
        if self._fed and not self._obj.is_finished():
            raise ValueError(_TRUNCATED)
        return iter(())


class Chain:
    """Stacked codings ("deflate, gzip"): the last one applied is undone first."""

    def __init__(self, decoders: list[Decoder]) -> None:
        self._decoders = decoders

    def feed(self, data: bytes) -> Iterator[bytes]:
        return self._through(1, self._decoders[0].feed(data))

    def flush(self) -> Iterator[bytes]:
        for index, decoder in enumerate(self._decoders):
            yield from self._through(index + 1, decoder.flush())

    def _through(self, index: int, chunks: Iterator[bytes]) -> Iterator[bytes]:
        if index == len(self._decoders):
            yield from chunks
            return
        for chunk in chunks:
            yield from self._through(index + 1, self._decoders[index].feed(chunk))


# Compressions feedmill does not ask for (its Accept-Encoding names gzip,
# deflate and br) but a server may send: their bytes are no feed.
_OTHER_COMPRESSIONS = frozenset(
    {"compress", "x-compress", "zstd", "pack200-gzip", "exi", "dcb", "dcz"}
)


def _one_decoder(coding: str) -> Decoder:
    if coding in ("gzip", "x-gzip"):
        return Inflate(gzip=True)
    if coding == "deflate":
        return Inflate(gzip=False)
    if coding == "br":
        return Brotli()
    if coding in _OTHER_COMPRESSIONS:
        raise UnsupportedEncoding(f"unsupported Content-Encoding {coding!r}")
    # No coding at all: a misconfigured server's charset ("utf-8") or "none",
    # "binary".  Browsers and feedparser read the body as it is; so does this.
    return Identity()


def decoder_for(content_encoding: str | None) -> Decoder:
    """The decoder for a Content-Encoding header (codings listed in the order applied)."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return Identity()
    if len(codings) > 3:
        raise UnsupportedEncoding(f"Content-Encoding {content_encoding!r}: too many codings")
    decoders = [_one_decoder(coding) for coding in reversed(codings)]
    # (Codings that are none — "none", "binary" — decode nothing: left out.)
    decoders = [d for d in decoders if not isinstance(d, Identity)] or [Identity()]
    return decoders[0] if len(decoders) == 1 else Chain(decoders)


class CappedBuffer:
    """Collects decoded chunks, raising BodyTooLarge once ``limit`` is passed."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._parts: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            self._parts.clear()
            raise BodyTooLarge(self.limit)
        self._parts.append(chunk)

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


class BodyError(Exception):
    """A response body that could not be read within the cap: the reason."""


def content_encoding(resp: aiohttp.ClientResponse) -> str | None:
    """The codings of ``resp``'s body, in the order applied."""
    # A list header on several lines is one list (RFC 9110 §5.3): "gzip" then
    # "br" — but one coding on each line is a proxy that repeated the header,
    # not a body compressed twice.
    lines = resp.headers.getall("Content-Encoding", ())
    repeated = len({line.strip().lower() for line in lines}) == 1
    return (lines[0] if repeated else ", ".join(lines)) if lines else None


async def read_capped(
    resp: aiohttp.ClientResponse, limit: int, setting: str = "fetch.max_body"
) -> bytes:
    """The decoded body of ``resp``: at most ``limit`` bytes (the config's
    ``setting``), or BodyError.

    A declared Content-Length over the cap fails before anything is read;
    otherwise the cap applies after decompression, chunk by chunk.
    """
    declared = resp.headers.get("Content-Length", "")
    encoding = content_encoding(resp)
    if declared.isdigit() and not encoding and int(declared) > limit:
        raise BodyError(f"body larger than {_human(limit)} (Content-Length {declared}; {setting})")
    decoder: Decoder = Identity()
    try:
        decoder = decoder_for(encoding)
        buffer = CappedBuffer(limit)
        async for raw in resp.content.iter_chunked(64 * 1024):
            for chunk in decoder.feed(raw):
                buffer.add(chunk)
        for chunk in decoder.flush():
            buffer.add(chunk)
    except BodyTooLarge:
        # (A body sent as it is was never decompressed: said so, it misled.)
        after = "" if isinstance(decoder, Identity) else " after decompression"
        raise BodyError(f"body larger than {_human(limit)}{after} ({setting})") from None
    except (UnsupportedEncoding, ValueError) as exc:
        raise BodyError(str(exc)) from None
    return buffer.getvalue()


async def read_head(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    """At most the first ``limit`` bytes of ``resp``'s decoded body (an error
    page's, to say what it says): what could be read, if reading it fails."""
    import aiohttp

    encoding = content_encoding(resp)
    head = bytearray()
    try:
        decoder = decoder_for(encoding)
        async for raw in resp.content.iter_chunked(16 * 1024):
            for chunk in decoder.feed(raw):
                head += chunk[: limit - len(head)]
                if len(head) >= limit:
                    return bytes(head)
        for chunk in decoder.flush():
            head += chunk[: limit - len(head)]
    except (UnsupportedEncoding, ValueError, OSError, EOFError, aiohttp.ClientError):
        pass
    return bytes(head[:limit])


def _human(size: int) -> str:
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MiB"
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size} bytes"
