"""Soak: a `feedmill run --every` daemon for some minutes over feeds that bring
new items on every request; the memory of each of its processes over time.

    python -m benchmarks.soak                  # 5 minutes, dedupe and search on
    python -m benchmarks.soak --plain --minutes 2

A loopback server answers each of ``--feeds`` feeds with its newest 30 items,
``--new`` of them new since the last request, so every pass stores and
publishes.  RSS and PSS of the main process, the forkserver, the workers and
the resource tracker are sampled every few seconds; the report gives them at
the start, the middle and the end, the growth over the second half per 100
passes, and whether the worker processes stayed the same.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import psutil

from benchmarks.corpus import article
from benchmarks.run import DEFAULT_WORK, MiB, compile_sources, feedmill_site

WINDOW = 30  # items in each answer


class NewsServer:
    """Feeds that bring ``new`` new items on every request (thread-safe)."""

    def __init__(self, feeds: int, new: int) -> None:
        self.feeds, self.new = feeds, new
        self.requests: defaultdict[int, int] = defaultdict(int)
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                body = server.answer(int(self.path.strip("/").removeprefix("feed") or 0))
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, feed: int) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/feed{feed}"

    def answer(self, feed: int) -> bytes:
        with self._lock:
            self.requests[feed] += 1
            newest = WINDOW + self.new * self.requests[feed]
        start = datetime(2026, 1, 1, tzinfo=UTC)
        parts = [
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>',
            f"<title>源{feed} - 快讯</title><link>https://news.example.cn/{feed}</link>",
        ]
        for seq in range(newest, newest - WINDOW, -1):
            title, body = article(random.Random(f"{feed}-{seq}"), seq)
            link = f"https://news.example.cn/{feed}/{seq}.html"
            when = format_datetime(start + timedelta(minutes=seq), usegmt=True)
            parts.append(
                f"<item><title><![CDATA[{title} {feed}-{seq}]]></title>"
                f"<description><![CDATA[{body}]]></description><pubDate>{when}</pubDate>"
                f"<guid>{escape(link)}</guid><link>{escape(link)}</link></item>"
            )
        parts.append("</channel></rss>")
        return "".join(parts).encode("utf-8")

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def roles(main: psutil.Process) -> dict[str, list[psutil.Process]]:
    """The daemon's processes by role: main, forkserver, worker, tracker."""
    found: dict[str, list[psutil.Process]] = {"main": [main]}
    with contextlib.suppress(psutil.Error):
        for child in main.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                command = " ".join(child.cmdline())
                if "resource_tracker" in command:
                    role = "tracker"
                elif child.ppid() == main.pid:
                    role = "forkserver"
                else:
                    role = "worker"
                found.setdefault(role, []).append(child)
    return found


# A pass's line, after the daemon's date and time (the first line says it started).
PASS_LINE = re.compile(r"(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d )?feeds: ")


def sample(main: psutil.Process, passes: int) -> dict[str, Any]:
    memory: dict[str, list[tuple[int, int, int]]] = {}
    for role, processes in roles(main).items():
        for process in processes:
            with contextlib.suppress(psutil.Error):
                info = process.memory_full_info()
                memory.setdefault(role, []).append((process.pid, info.rss, info.pss))
    return {"passes": passes, "memory": memory}


def report(samples: list[dict[str, Any]]) -> None:
    picks = [samples[len(samples) // 6], samples[len(samples) // 2], samples[-1]]
    half = samples[len(samples) // 2 :]
    print(f"{'':12}" + "".join(f"{'pass ' + str(s['passes']):>18}" for s in picks) + "   growth")
    for role in ("main", "forkserver", "worker", "tracker"):
        cells = []
        for s in picks:
            rows = s["memory"].get(role, [])
            rss = max((r for _, r, _ in rows), default=0) / MiB
            pss = max((p for _, _, p in rows), default=0) / MiB
            cells.append(f"{rss:8.0f}/{pss:<4.0f} MiB")
        passes = max(half[-1]["passes"] - half[0]["passes"], 1)
        grown = (_pss(half[-1], role) - _pss(half[0], role)) / MiB
        print(
            f"{role:12}"
            + "".join(f"{c:>18}" for c in cells)
            + f"   {grown * 100 / passes:+.1f} MiB PSS / 100 passes"
        )
    workers = [
        {pid for pid, _, _ in s["memory"].get("worker", [])}
        for s in samples
        if "worker" in s["memory"]
    ]
    same = all(w == workers[0] for w in workers) if workers else False
    print(f"(RSS/PSS, largest of each role) the same worker processes throughout: {same}")


def _pss(sampled: dict[str, Any], role: str) -> int:
    return max((pss for _, _, pss in sampled["memory"].get(role, [])), default=0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--feeds", type=int, default=40)
    parser.add_argument("--new", type=int, default=5, help="new items per feed per request")
    parser.add_argument("--every", default="2s", help="the daemon's --every")
    parser.add_argument("--plain", action="store_true", help="dedupe off, search false")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK / "soak")
    args = parser.parse_args()

    compile_sources()
    server = NewsServer(args.feeds, args.new)
    shutil.rmtree(args.work, ignore_errors=True)
    feeds = [{"url": server.url(i), "group": "快讯", "source": f"源{i}"} for i in range(args.feeds)]
    settings = {"dedupe": False, "search": False} if args.plain else {}
    site = feedmill_site(args.work, feeds, interval="1s", **settings)
    daemon = subprocess.Popen(
        [sys.executable, "-m", "feedmill", "run", "--every", args.every],
        cwd=site,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    errors: list[str] = []
    for stream, sink in ((daemon.stdout, lines), (daemon.stderr, errors)):
        threading.Thread(target=sink.extend, args=(stream,), daemon=True).start()
    watched = psutil.Process(daemon.pid)
    samples = []
    ends = time.monotonic() + args.minutes * 60
    try:
        while time.monotonic() < ends and daemon.poll() is None:
            samples.append(sample(watched, sum(bool(PASS_LINE.match(line)) for line in lines)))
            time.sleep(3)
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=120)
    finally:
        if daemon.poll() is None:
            daemon.kill()
        server.stop()
    files = {path.name for path in (site / "source" / "_posts").glob("*.md")}
    posts = len(files)
    state = site / ".feedmill" / "state.db"
    with contextlib.closing(sqlite3.connect(state)) as db:
        query = "SELECT file_name FROM posts WHERE state = 'written'"
        recorded = {name for (name,) in db.execute(query)}
    print(
        f"{args.minutes:g} min, {args.feeds} feeds, {args.new} new items per request, "
        f"{'dedupe and search off' if args.plain else 'defaults'}: "
        f"{sum(bool(PASS_LINE.match(line)) for line in lines)} passes, {posts} posts, "
        f"state {state.stat().st_size / MiB:.0f} MiB; exit {daemon.returncode} on SIGTERM; "
        f"post files {'match' if files == recorded else 'DO NOT match'} the database"
    )
    if daemon.returncode != 0:
        print("".join(errors)[-2000:], file=sys.stderr)
    report(samples)


if __name__ == "__main__":
    main()
