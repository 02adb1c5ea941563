"""A loopback feed server for benchmarks: keep-alive HTTP/1.1, ETag,
Last-Modified, gzip, and an optional latency per request.

It serves every file of a corpus directory at ``/<name>`` from memory, on
several loopback addresses at once (127.0.0.1 … 127.0.0.N, same port), so
that per-host limits behave as with many real sites.  Run it in its own
process so it does not compete with the measured program for the GIL:

    python -m benchmarks.server CORPUS_DIR --hosts 50 --latency 0.1
    READY 127.0.0.1-127.0.0.50 41234
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import socket
import sys
from email.utils import formatdate
from pathlib import Path

LAST_MODIFIED = formatdate(1663689600, usegmt=True)  # 2022-09-20


class Files:
    def __init__(self, directory: Path) -> None:
        self.plain: dict[str, bytes] = {}
        self.gzipped: dict[str, bytes] = {}
        self.etags: dict[str, str] = {}
        for path in sorted(directory.glob("*.xml")):
            data = path.read_bytes()
            key = "/" + path.name
            self.plain[key] = data
            self.gzipped[key] = gzip.compress(data, 6)
            self.etags[key] = '"' + hashlib.blake2b(data, digest_size=8).hexdigest() + '"'


async def handle(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, files: Files, latency: float
) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            if latency:
                await asyncio.sleep(latency)
            path = target.split("?", 1)[0]
            if path not in files.plain:
                body, status, extra = b"not found", "404 Not Found", []
            elif (
                headers.get("if-none-match") == files.etags[path]
                or headers.get("if-modified-since") == LAST_MODIFIED
            ):
                body, status, extra = b"", "304 Not Modified", [f"ETag: {files.etags[path]}"]
            else:
                extra = [
                    f"ETag: {files.etags[path]}",
                    f"Last-Modified: {LAST_MODIFIED}",
                    "Content-Type: application/rss+xml",
                ]
                if "gzip" in headers.get("accept-encoding", ""):
                    body = files.gzipped[path]
                    extra.append("Content-Encoding: gzip")
                else:
                    body = files.plain[path]
                status = "200 OK"
            response = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *extra, "", ""]
            writer.write(
                "\r\n".join(response).encode("latin-1") + (body if method != "HEAD" else b"")
            )
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                break
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def serve(directory: Path, hosts: int, latency: float, port: int) -> None:
    files = Files(directory)
    addresses = [f"127.0.0.{i}" for i in range(1, hosts + 1)]
    if port == 0:  # one port for every address
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, files, latency), addresses, port, backlog=4096, reuse_address=True
    )
    bound = server.sockets[0].getsockname()[1]
    print(f"READY {addresses[0]}-{addresses[-1]} {bound}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    try:
        import uvloop  # type: ignore[import-not-found]

        uvloop.install()
    except ImportError:
        pass
    try:
        asyncio.run(serve(args.corpus, args.hosts, args.latency, args.port))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
