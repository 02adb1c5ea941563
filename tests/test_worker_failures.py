"""When a worker process dies, or the disk is full: who pays for it.

The real command runs in a subprocess whose workers load a hook
(``sitecustomize``) that breaks one feed's job the way native code or a
full disk would: the rest of the pass is the behaviour under test.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.feeds import Item, rss
from support.site import posts, write_config

pytestmark = pytest.mark.slow

SRC = Path(__file__).resolve().parents[1] / "src"
HOOK = """
import errno, os, signal, sys
# The workers' forkserver (its children are the workers), not the main process.
in_workers = "forkserver" in " ".join(getattr(sys, "orig_argv", []))
if os.environ.get("FM_BREAK_HOW") == "render" and in_workers:
    import time
    import feedmill.pipeline as pipeline
    def broken_render(*args):
        # Not before the main process has handed out every chunk: CPython
        # 3.11's pool marks its jobs failed without the lock submit() takes,
        # and a death amid the submits can make the pool's thread raise
        # "dictionary changed size during iteration" (a traceback, nothing
        # lost) — its race, not what this test is about.
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGSEGV)
    pipeline.compose_many = broken_render
if os.environ.get("FM_SLOW_WIND_DOWN") and not in_workers:
    # A dropped pool's thread winding down slowly (a busy machine): the
    # process must still not exit before it ends.
    import threading, time
    import concurrent.futures.process as process
    import feedmill.pipeline as pipeline
    terminate = process._ExecutorManagerThread.terminate_broken
    def slow_terminate(self, cause):
        terminate(self, cause)  # its futures fail at once: the pool is dropped
        time.sleep(5)  # then the thread lingers
    process._ExecutorManagerThread.terminate_broken = slow_terminate
    close = pipeline.Mill.close
    def checked_close(self):
        close(self)
        alive = [t for t in threading.enumerate() if isinstance(t, process._ExecutorManagerThread)]
        print(f"pool threads alive after close: {len(alive)}", file=sys.stderr)
    pipeline.Mill.close = checked_close
if os.environ.get("FM_LATE_WORKER") and not in_workers:
    # The second worker starts slowly (a busy machine): the pool learns of it
    # only once the first has died and the pool has ended those it knew.
    import time
    import multiprocessing.popen_forkserver as popen
    launch = popen.Popen._launch
    launched = []
    def late_launch(self, process_obj):
        launch(self, process_obj)
        launched.append(self)
        if len(launched) == 2:
            deadline = time.monotonic() + 30
            while launched[0].poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(1)
    popen.Popen._launch = late_launch
if os.environ.get("FM_DENY_POSTS"):
    # Nothing under the posts folder takes writes (a read-only mount, chmod
    # 555; root ignores a mode), the database does.
    code = getattr(errno, os.environ["FM_DENY_POSTS"])
    replace, mkdir, open_ = os.replace, os.mkdir, os.open
    def in_posts(path):
        return "/_posts/" in os.path.abspath(path) + "/"
    def refuse(path):
        raise OSError(code, os.strerror(code), path)
    def denied(source, target, *args, **kwargs):
        return refuse(target) if in_posts(target) else replace(source, target, *args, **kwargs)
    def no_folder(path, *args, **kwargs):
        return refuse(path) if in_posts(path) else mkdir(path, *args, **kwargs)
    def read_only(path, flags, *args, **kwargs):
        if in_posts(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            refuse(path)
        return open_(path, flags, *args, **kwargs)
    os.replace, os.mkdir, os.open = denied, no_folder, read_only
if not in_workers:
    import faulthandler
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # where a hung run waits
if os.environ.get("FM_BREAK_FEED"):
    import feedmill.worker as worker
    handle = worker.handle
    def broken(job):
        if job.feed_url == os.environ["FM_BREAK_FEED"]:
            if os.environ["FM_BREAK_HOW"] == "segfault":
                os.kill(os.getpid(), signal.SIGSEGV)
            if os.environ["FM_BREAK_HOW"] == "denied":
                raise PermissionError(errno.EACCES, "Permission denied", job.stage_dir)
            raise OSError(errno.ENOSPC, "No space left on device", job.stage_dir)
        return handle(job)
    worker.handle = broken
"""


def run(
    site: Path,
    feed: str,
    how: str,
    command: tuple[str, ...] = ("run", "--workers", "2"),
    **env_vars: str,
) -> subprocess.CompletedProcess[str]:
    hook = site / "hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": f"{hook}{os.pathsep}{SRC}",
        "FM_BREAK_FEED": feed,
        "FM_BREAK_HOW": how,
        **env_vars,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "feedmill", *command],
        cwd=site,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGUSR1)  # its threads' stacks, to stderr
        time.sleep(1)
        process.kill()
        stdout, stderr = process.communicate()
        pytest.fail(f"the run did not end:\n{stdout}\n{stderr}")
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def many_feeds(site: Path, count: int = 24) -> list[str]:
    names = []
    for n in range(count):
        items = [
            Item(f"源{n}第{i}条新闻", f"<p>源{n}的第{i}条新闻正文。</p>", f"{n}-{i}")
            for i in range(5)
        ]
        (site / f"f{n}.xml").write_bytes(rss(f"源{n}", items))
        names.append(f"f{n}.xml")
    write_config(site, [{"url": u, "group": "g", "source": f"源{i}"} for i, u in enumerate(names)])
    return names


def status_table(site: Path) -> str:
    """`feedmill status` as a wide terminal shows it."""
    return subprocess.run(
        [sys.executable, "-m", "feedmill", "status"],
        cwd=site,
        env={**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "300"},
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout


def status(site: Path) -> list[dict[str, object]]:
    result = subprocess.run(
        [sys.executable, "-m", "feedmill", "status", "--json"],
        cwd=site,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_a_document_that_kills_its_worker_fails_its_feed_alone(tmp_path: Path) -> None:
    names = many_feeds(tmp_path)
    result = run(tmp_path, names[0], "segfault")
    assert result.returncode == 0, result.stderr
    assert f"feeds: {len(names) - 1} ok, 0 unchanged, 1 failed" in result.stdout
    assert f"failed {names[0]}: parser crashed (its worker process died)" in result.stderr
    assert len(posts(tmp_path)) == 5 * (len(names) - 1)


def test_a_worker_the_broken_pool_started_too_late_to_end_is_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker still starting when its sibling died is not among those the
    broken pool ends (CPython's ProcessPoolExecutor): it took a job, then
    waited for the next for good, and the process hung at exit."""
    names = many_feeds(tmp_path)
    monkeypatch.setenv("FM_LATE_WORKER", "1")
    result = run(tmp_path, names[0], "segfault")
    assert result.returncode == 0, result.stderr
    assert f"feeds: {len(names) - 1} ok, 0 unchanged, 1 failed" in result.stdout
    assert len(posts(tmp_path)) == 5 * (len(names) - 1)
    assert "Traceback" not in result.stderr


def test_a_pool_given_up_is_joined_before_the_process_exits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its thread still winding down at exit wrote to a closed pipe: a
    traceback, now and then, after a worker died or a stop ended them."""
    names = many_feeds(tmp_path)
    monkeypatch.setenv("FM_SLOW_WIND_DOWN", "1")
    result = run(tmp_path, names[0], "segfault")
    assert result.returncode == 0, result.stderr
    assert "pool threads alive after close: 0" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("how", "said"), [("full", "No space left on device"), ("denied", "Permission denied")]
)
def test_a_site_that_takes_no_writes_fails_the_pass_and_backs_no_feed_off(
    tmp_path: Path, how: str, said: str
) -> None:
    """A full disk, or a posts folder the user may not write (chmod 555):
    no feed's fault — it was "parser crashed: PermissionError" in status."""
    names = many_feeds(tmp_path)
    result = run(tmp_path, names[3], how)
    assert result.returncode == 1
    assert said in result.stderr and "Traceback" not in result.stderr
    assert all(row["error_streak"] == 0 for row in status(tmp_path))
    assert not any("parser crashed" in (row["last_error"] or "") for row in status(tmp_path))


@pytest.mark.parametrize(
    ("workers", "code", "said", "lock"),
    [
        ("1", "EROFS", "Read-only file system", False),
        ("2", "EROFS", "Read-only file system", True),
        ("2", "EACCES", "Permission denied", False),
    ],
)
def test_a_posts_folder_that_takes_no_writes_loses_no_feeds_items(
    tmp_path: Path, workers: str, code: str, said: str, lock: bool
) -> None:
    """The posts folder refusing writes (chmod 555, a full disk holding the
    site but not the database): the first feed to find it so failed the pass
    and cancelled the others before they were stored — a feed whose items
    slide out of it between passes lost them for as long as the folder
    refused.  Every feed's items are stored, their posts written once it
    takes writes."""
    many_feeds(tmp_path, 12)
    (tmp_path / "source" / "_posts").mkdir(parents=True)
    if lock:  # a site's lock file is there from its earlier runs
        (tmp_path / "source" / "_posts" / ".feedmill.lock").write_text("")
    result = run(tmp_path, "", "none", ("run", "--workers", workers), FM_DENY_POSTS=code)
    assert result.returncode == 1, result.stderr
    assert said in result.stderr and "Traceback" not in result.stderr
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        (stored,) = db.execute("SELECT count(*) FROM entries").fetchone()
    assert stored == 12 * 5
    assert posts(tmp_path) == {}
    rows = status(tmp_path)
    assert all(row["error_streak"] == 0 for row in rows)
    # Said: every feed "ok", and nothing told of the posts left to write.
    assert [row["to_write"] for row in rows] == [5] * 12
    table = status_table(tmp_path)
    assert "60 posts not yet written (each pass of `run` or `publish` writes them" in table
    # A feed removed meanwhile: its posts wait for it, said so (they went
    # uncounted, as if written).
    names = [f"f{n}.xml" for n in range(12)]
    write_config(
        tmp_path, [{"url": u, "group": "g", "source": f"源{i}"} for i, u in enumerate(names[:11])]
    )
    said = " ".join(status_table(tmp_path).split())
    assert "55 posts not yet written" in said
    assert "5 posts of feeds no longer in the config not written (put the feed back" in said
    write_config(
        tmp_path, [{"url": u, "group": "g", "source": f"源{i}"} for i, u in enumerate(names)]
    )
    (tmp_path / "f0.xml").write_bytes(rss("源0", []))  # its items gone from the feed since
    after = run(tmp_path, "", "none", ("run", "--workers", workers))
    assert after.returncode == 0, after.stderr
    assert len(posts(tmp_path)) == 12 * 5
    assert [row["to_write"] for row in status(tmp_path)] == [0] * 12


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_posts_folder_deleted_during_a_pass_is_no_feeds_fault(
    tmp_path: Path, workers: str
) -> None:
    """Deleted while the feed was fetched: every feed failed "parser crashed:
    FileNotFoundError" (backed off, its items not stored); its posts are
    written in a new folder instead."""
    import shutil

    from support.server import FeedServer, Route
    from support.site import cli

    first = rss("源", [Item(f"新闻{i}", f"<p>第{i}条</p>", str(i)) for i in range(2)])
    body = rss("源", [Item(f"新闻{i}", f"<p>第{i}条</p>", str(i)) for i in range(5)])

    def delete_the_posts(_request: object) -> Route:
        shutil.rmtree(tmp_path / "source" / "_posts", ignore_errors=True)
        return Route(body=body)

    server = FeedServer().start()
    try:
        server.routes["/a.xml"] = Route(body=first)
        config = write_config(
            tmp_path, [{"url": server.url("/a.xml"), "group": "g", "source": "源"}]
        )
        assert cli("run", "-c", str(config), "--workers", workers).code == 0
        server.routes["/a.xml"] = Route(handler=delete_the_posts)
        result = cli("run", "-c", str(config), "--workers", workers)
    finally:
        server.stop()
    assert "parser crashed" not in result.stderr and "failed" not in result.stderr
    assert "1 ok" in result.stdout
    assert len(posts(tmp_path)) == 3  # the new ones
    assert all(row["error_streak"] == 0 for row in status(tmp_path))
    # The posts it lost are said (the next pass finds a folder of posts).
    said = " ".join(result.stderr.split())
    assert "was deleted during the pass: 2 posts on record are not in the new one" in said
    assert "`feedmill publish --rebuild` writes them again" in said


def test_a_lost_database_and_a_posts_folder_that_took_no_writes_keep_the_archive(
    tmp_path: Path,
) -> None:
    """The database lost, the posts folder read-only for a pass: the archived
    posts a worker could not rewrite in the archive were written into
    source/_posts by the next pass ("5 new … 3 archived"), archived again."""
    items = [Item(f"第{i}条", f"<p>第{i}条的正文。</p>", str(i), None,
                  f"Tue, {10 + i} Sep 2022 08:00:00 GMT") for i in range(5)]  # fmt: skip
    (tmp_path / "f.xml").write_bytes(rss("源", items))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    write_config(tmp_path, feeds, dedupe=False, retention={"max_posts": 2})
    assert run(tmp_path, "", "none").returncode == 0
    archive = tmp_path / "source" / "_archive"
    before = {p.name: p.read_bytes() for p in archive.glob("*.md")}
    assert len(before) == 3 and len(posts(tmp_path)) == 2
    for path in (tmp_path / ".feedmill").glob("state.db*"):
        path.unlink()
    # (Nothing to write in source/_posts: its two posts are there as they were.)
    refused = run(tmp_path, "", "none", ("run", "--workers", "1"), FM_DENY_POSTS="EROFS")
    assert "Traceback" not in refused.stderr
    after = run(tmp_path, "", "none", ("run", "--workers", "1"))
    assert after.returncode == 0, after.stderr
    said = refused.stdout + after.stdout
    # (Found as they were: unchanged, not new.)
    assert "posts: 0 new, 0 updated, 2 unchanged" in said and "archived" not in said, said
    assert {p.name: p.read_bytes() for p in archive.glob("*.md")} == before
    assert len(posts(tmp_path)) == 2


def test_posts_a_lost_database_finds_are_no_new_posts_when_publish_writes_them(
    tmp_path: Path,
) -> None:
    """A pass that could not write (the posts folder refusing), after the
    database was lost: the next pass writes the posts (publish, not the
    workers) — those found as they were are unchanged, one in an older form
    rewritten is updated; it said "1 new"."""
    items = [Item(f"第{i}条", f"<p>第{i}条的正文。</p>", str(i)) for i in range(3)]
    (tmp_path / "f.xml").write_bytes(rss("源", items))
    write_config(tmp_path, [{"url": "f.xml", "group": "g", "source": "源"}], dedupe=False)
    assert run(tmp_path, "", "none").returncode == 0
    for path in (tmp_path / ".feedmill").glob("state.db*"):
        path.unlink()
    name = sorted(posts(tmp_path))[0]
    post = tmp_path / "source" / "_posts" / name
    post.write_text(post.read_text(encoding="utf-8") + "<!-- an older form -->\n", "utf-8")
    refused = run(tmp_path, "", "none", ("run", "--workers", "1"), FM_DENY_POSTS="EROFS")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    after = run(tmp_path, "", "none", ("run", "--workers", "1"))
    assert after.returncode == 0, after.stderr
    assert "posts: 0 new, 1 updated, 2 unchanged" in after.stdout, after.stdout
    assert len(posts(tmp_path)) == 3


def test_workers_that_die_while_posts_are_rendered_leave_the_rendering_to_the_main_process(
    tmp_path: Path,
) -> None:
    """A rebuild of over a thousand posts renders them in the pool."""
    items = [Item(f"第{i}条新闻", f"<p>第{i}条新闻的正文。</p>", str(i)) for i in range(1100)]
    (tmp_path / "big.xml").write_bytes(rss("大源", items))
    write_config(tmp_path, [{"url": "big.xml", "group": "g", "source": "大源"}], dedupe=False)
    assert run(tmp_path, "", "none").returncode == 0
    (tmp_path / "source" / "_posts" / next(iter(posts(tmp_path)))).unlink()
    result = run(tmp_path, "", "render", ("publish", "--rebuild"))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and len(posts(tmp_path)) == 1100


def test_what_no_feed_is_to_blame_for() -> None:
    import errno

    from sqlalchemy.exc import OperationalError

    from feedmill.pipeline import cannot_write

    for reason in ("database or disk is full", "attempt to write a readonly database"):
        assert cannot_write(OperationalError("INSERT …", {}, Exception(reason)))
    assert cannot_write(OSError(errno.ENOSPC, "No space left on device"))
    assert cannot_write(OSError(errno.EROFS, "Read-only file system"))
    assert cannot_write(PermissionError(errno.EACCES, "Permission denied"))
    assert cannot_write(PermissionError(errno.EPERM, "Operation not permitted"))
    assert not cannot_write(OSError(errno.ENOENT, "No such file or directory"))
    assert not cannot_write(OperationalError("INSERT …", {}, Exception("no such table: x")))
    assert not cannot_write(ValueError("bad XML"))
    # PostgreSQL's by their SQLSTATE: the server's trouble (a lock past its
    # timeout, too many connections, a missing grant, a connection lost with
    # no SQLSTATE) is no feed's; a constraint or a value refused is.
    from psycopg import errors

    for trouble in (
        errors.LockNotAvailable("canceling statement due to lock timeout"),
        errors.TooManyConnections('too many connections for role "fm"'),
        errors.InsufficientPrivilege("permission denied for table search_pending"),
        errors.AdminShutdown("terminating connection due to administrator command"),
        errors.OperationalError("consuming input failed: server closed the connection"),
    ):
        assert cannot_write(OperationalError("INSERT …", {}, trouble)), trouble
    for fault in (
        errors.UniqueViolation("duplicate key value violates unique constraint"),
        errors.CharacterNotInRepertoire('invalid byte sequence for encoding "UTF8"'),
        # A statement_timeout: that feed's statements were slower than allowed
        # (failing the pass, it failed every pass, the feed never backing off).
        errors.QueryCanceled("canceling statement due to statement timeout"),
    ):
        assert not cannot_write(OperationalError("INSERT …", {}, fault)), fault


def test_a_worker_whose_pool_went_away_ends_without_a_traceback(tmp_path: Path) -> None:
    """A worker that starts as its pool is given up (its siblings died) finds
    the pool's pipe closed: it exits, without Python's EOFError traceback
    among feedmill's messages (it made the rendering test above flaky)."""
    script = (
        "from feedmill.worker import PoolContext\n"
        "def reads_a_closed_pipe():\n"
        "    raise EOFError  # (what reading the pool's closed pipe raises)\n"
        "if __name__ == '__main__':\n"
        # (Not input() on the worker's /dev/null: where the forkserver's file
        # descriptors lie, the one it reads may be another pipe's.)
        "    process = PoolContext().Process(target=reads_a_closed_pipe)\n"
        "    process.start()\n"
        "    process.join(60)\n"
        "    print(process.exitcode)\n"
    )
    (tmp_path / "starts.py").write_text(script, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(tmp_path / "starts.py")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    assert result.stdout.strip() == "1", result.stderr
    assert "Traceback" not in result.stderr and "EOFError" not in result.stderr
