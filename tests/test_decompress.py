"""Content-Encoding decoders: whole bodies in, whole bodies out, or a clear error."""

from __future__ import annotations

import gzip
import random
import zlib
from collections.abc import Iterable

import brotli
import pytest

from feedmill.fetch.decompress import UnsupportedEncoding, decoder_for

# Incompressible enough that a cut-off stream is visibly short; the same in every process.
BODY = b"<rss>" + random.Random(7).randbytes(20_000).hex().encode() + b"</rss>"


def decode(encoding: str, chunks: Iterable[bytes]) -> bytes:
    decoder = decoder_for(encoding)
    out = b"".join(b"".join(decoder.feed(chunk)) for chunk in chunks)
    return out + b"".join(decoder.flush())


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def in_bytes(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


@pytest.mark.parametrize(
    ("encoding", "encoded"),
    [
        ("gzip", gzip.compress(BODY)),
        ("x-gzip", gzip.compress(BODY)),
        ("deflate", zlib.compress(BODY)),
        ("deflate", raw_deflate(BODY)),  # as some servers send it
        ("deflate", gzip.compress(BODY)),  # gzip, mislabelled
        ("br", brotli.compress(BODY)),
        ("deflate, gzip", gzip.compress(zlib.compress(BODY))),  # stacked: gzip undone first
        ("identity", BODY),
    ],
)
def test_bodies_decode_whole_in_any_chunking(encoding: str, encoded: bytes) -> None:
    assert decode(encoding, [encoded]) == BODY
    assert decode(encoding, [*in_bytes(encoded[:300]), encoded[300:]]) == BODY


def test_gzip_of_several_members_is_read_to_the_end() -> None:
    first, second = gzip.compress(BODY[:5000]), gzip.compress(BODY[5000:])
    assert decode("gzip", [first + second]) == BODY
    assert decode("gzip", [first, second]) == BODY  # the second in its own chunk
    # A first member larger than one inflate step (256 KiB): zlib leaves the
    # next member in its unconsumed tail, which once looped for ever.
    large = b"x" * 600_000
    assert decode("gzip", [gzip.compress(large) + gzip.compress(b"tail")]) == large + b"tail"
    assert decode("gzip", [gzip.compress(large) + b"\0" * 8]) == large  # padding ignored


@pytest.mark.parametrize(
    ("encoding", "encoded"),
    [
        ("gzip", gzip.compress(BODY)[:-8]),  # the trailer is missing
        ("gzip", gzip.compress(BODY)[:200]),
        ("deflate", zlib.compress(BODY)[:200]),
        ("deflate", raw_deflate(BODY)[:200]),
        ("deflate", raw_deflate(BODY)[:1]),
        ("br", brotli.compress(BODY)[:200]),
    ],
)
def test_a_body_cut_off_is_an_error_not_a_shorter_feed(encoding: str, encoded: bytes) -> None:
    with pytest.raises(ValueError, match="truncated compressed body"):
        decode(encoding, [encoded])


def test_an_empty_body_stays_empty_for_the_parser_to_report() -> None:
    for encoding in ("gzip", "deflate", "br"):
        assert decode(encoding, []) == b""


def test_compressions_not_asked_for_are_refused() -> None:
    for coding in ("zstd", "compress", "gzip, zstd"):
        with pytest.raises(UnsupportedEncoding, match="unsupported Content-Encoding"):
            decoder_for(coding)
    with pytest.raises(UnsupportedEncoding, match="too many"):
        decoder_for("gzip, gzip, gzip, gzip")


@pytest.mark.parametrize("label", ["utf-8", "none", "binary", "UTF-8"])
def test_a_label_that_is_no_coding_leaves_the_body_as_it_is(label: str) -> None:
    # A misconfigured server's charset as its Content-Encoding: browsers and
    # feedparser read the body as sent.
    assert decode(label, [b"<rss>", b"</rss>"]) == b"<rss></rss>"
    assert decode(f"gzip, {label}", [gzip.compress(b"<rss/>")]) == b"<rss/>"
