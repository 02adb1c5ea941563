from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from support.server import FeedServer

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SAMPLES = ROOT / "src" / "feedmill" / "samples"

# Tests never depend on the machine's time zone.
os.environ.setdefault("TZ", "UTC")


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def start_server() -> Iterator[Callable[[], FeedServer]]:
    """Starts more servers in a test (other hosts, proxies); all stopped after it."""
    started: list[FeedServer] = []

    def start() -> FeedServer:
        started.append(FeedServer().start())
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from support.postgres import postgres_server

    with postgres_server(tmp_path_factory.mktemp("pg")) as url:
        yield url
