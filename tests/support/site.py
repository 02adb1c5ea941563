"""Write a feedmill.yml for a test and run the real CLI in-process."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from feedmill.cli import app


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def write_config(directory: Path, feeds: list[dict[str, Any]], **top: Any) -> Path:
    """feedmill.yml in ``directory`` (JSON is YAML) with ``site: .``."""
    directory.mkdir(parents=True, exist_ok=True)
    data = {"site": ".", "state": ".feedmill/state.db", **top, "feeds": feeds}
    path = directory / "feedmill.yml"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def cli(*args: str) -> Result:
    runner = CliRunner()
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return Result(result.exit_code, result.stdout, result.stderr)


def posts(directory: Path) -> dict[str, str]:
    """File name → text of every post under ``directory``/source/_posts."""
    folder = directory / "source" / "_posts"
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md"))}


def mtimes(directory: Path) -> dict[str, int]:
    folder = directory / "source" / "_posts"
    return {p.name: p.stat().st_mtime_ns for p in sorted(folder.glob("*.md"))}


def owe_a_rebuild(directory: Path) -> None:
    """What a `publish --rebuild` killed at once commits: every post queued
    again, the rebuild recorded as owed (the site's SQLite database)."""
    from sqlalchemy import select

    from feedmill.pipeline import REBUILD_OWED
    from feedmill.store import meta
    from feedmill.store.database import open_database
    from feedmill.store.posts import queue_all
    from feedmill.store.schema import feeds

    engine = open_database(f"sqlite:///{directory / '.feedmill' / 'state.db'}")
    with engine.begin() as conn:
        queue_all(conn, list(conn.execute(select(feeds.c.id)).scalars()))
        meta.put(conn, REBUILD_OWED, "1")
    engine.dispose()
