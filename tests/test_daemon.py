"""Daemon mode and crash safety, with the real command in a subprocess."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from feedmill.publish.sitelock import SiteLock

from support.feeds import Item, rss
from support.server import FeedServer
from support.site import cli, posts, write_config

pytestmark = pytest.mark.slow


def feedmill(
    *args: str,
    cwd: Path,
    session: bool = False,
    env: dict[str, str] | None = None,
    stderr: IO[str] | None = None,
    nohup: bool = False,
) -> subprocess.Popen[str]:
    """`feedmill *args` in ``cwd`` (in ``env``, else ours); with ``session``, in a
    process group of its own, which a signal to the whole group (systemd, a
    terminal) reaches; its stderr to ``stderr`` (read while it runs), else a
    pipe; with ``nohup``, SIGHUP ignored from its start, as `nohup` does — else
    as a terminal leaves it, also when the tests run under `nohup` (whose
    ignored SIGHUP every process started would keep)."""
    return subprocess.Popen(
        [sys.executable, "-m", "feedmill", *args],
        cwd=cwd,
        env={**(env or os.environ), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=stderr or subprocess.PIPE,
        text=True,
        start_new_session=session,
        # (Only where SIGHUP is to change: Python code between fork and exec
        # is best left out of a process with threads.)
        preexec_fn=(
            (lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN if nohup else signal.SIG_DFL))
            if nohup or signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            else None
        ),
    )


def hooked(site: Path, hook: str, **extra: str) -> dict[str, str]:
    """An environment whose Python runs ``hook`` first (a sitecustomize), with ``extra``."""
    folder = site / "hook"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(hook, encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, **extra}


@contextlib.contextmanager
def ended(process: subprocess.Popen[str]) -> Iterator[subprocess.Popen[str]]:
    """``process``, killed on the way out if a failed check left it running."""
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()


@contextlib.contextmanager
def daemon_posting_two(
    site: Path, feed_server: FeedServer
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """A daemon every second over one feed, once it has posted the feed's two
    items: (the daemon, the feed's URL)."""
    url = feed_server.add("/feed", body=many(2))
    write_config(site, [{"url": url, "group": "g", "source": "a"}], interval="1s")
    with ended(feedmill("run", "--every", "1s", cwd=site)) as daemon:
        wait_for(lambda: len(posts(site)) == 2)
        yield daemon, url


def wait_for(predicate, timeout: float = 30, log: Path | None = None) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        said = log.read_text(encoding="utf-8") if log is not None and log.exists() else ""
        assert time.monotonic() < deadline, f"timed out waiting{': ' if said else ''}{said}"
        time.sleep(0.05)


def stop_cleanly(daemon: subprocess.Popen[str]) -> tuple[str, str]:
    """SIGTERM; the daemon finishes its writes and exits 0. Its stdout, stderr."""
    daemon.send_signal(signal.SIGTERM)
    out, err = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, err
    return out, err


def stored_files(site: Path) -> set[str]:
    with sqlite3.connect(site / ".feedmill" / "state.db") as db:
        return {name for (name,) in db.execute("SELECT file_name FROM posts WHERE state='written'")}


def assert_consistent(site: Path, expected: int) -> None:
    """Every post whole, one per item, and the database agrees with the disk."""
    written = posts(site)
    assert len(written) == expected
    for name, text in written.items():
        assert text.startswith("---\ntitle: ") and text.endswith("</div>\n"), name
    assert stored_files(site) == set(written)
    leftovers = site / "source" / "_posts" / ".feedmill-tmp"
    assert not leftovers.exists() or not any(leftovers.iterdir())


def complete_the_work(site: Path, expected: int) -> None:
    """The next plain run finishes what was interrupted, without duplicates."""
    run = subprocess.run(
        [sys.executable, "-m", "feedmill", "run"],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert_consistent(site, expected)


def many(n: int, prefix: str = "n") -> bytes:
    return rss(
        "证券时报网 - 要闻",
        [
            Item(title=f"{prefix} 第{i}条", guid=f"{prefix}-{i}", html=f"<p>{'内容' * 200}{i}</p>")
            for i in range(n)
        ],
    )


def test_daemon_runs_cycles_and_stops_cleanly_on_sigterm(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.add("/feed", body=many(5))
    write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}], interval="1s")
    with ended(feedmill("run", "--every", "1s", cwd=tmp_path)) as daemon:
        wait_for(lambda: feed_server.hits["/feed"] >= 2)  # two cycles
        # The next cycle finds 400 new items and a slow server: stop it mid-cycle.
        feed_server.add("/feed", body=many(400, "m"), delay=0.3)
        wait_for(lambda: feed_server.hits["/feed"] >= 3)
        out, err = stop_cleanly(daemon)
    assert "SIGTERM" in err
    assert out.count("feeds:") >= 2
    done = len(posts(tmp_path))
    assert done >= 5
    assert_consistent(tmp_path, done)
    feed_server.add("/feed", body=many(400, "m"))
    complete_the_work(tmp_path, 405)


# SIGHUP: the terminal it runs in closed (it killed the pass midway, silently).
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_to_the_whole_group_stops_workers_and_daemon_cleanly(
    tmp_path: Path, feed_server: FeedServer, sig: signal.Signals
) -> None:
    # A terminal's Ctrl-C and systemd's stop signal every process of the
    # group: the workers too, which must leave the stopping to the daemon.
    feeds = [
        {
            "url": feed_server.add(f"/f{i}", body=many(60, f"f{i}"), delay=0.05 * i),
            "group": "g",
            "source": f"s{i}",
        }
        for i in range(20)  # enough for the worker pool (POOL_THRESHOLD)
    ]
    write_config(tmp_path, feeds, interval="1s", dedupe=False)  # the items look alike
    daemon = feedmill("run", "--every", "1m", "--workers", "2", cwd=tmp_path, session=True)
    try:
        wait_for(lambda: _post_count(tmp_path) >= 1)
        os.killpg(daemon.pid, sig)
        _, err = daemon.communicate(timeout=60)
    finally:
        if daemon.poll() is None:
            os.killpg(daemon.pid, signal.SIGKILL)
    assert daemon.returncode == 0, err
    assert "Traceback" not in err and sig.name in err
    if sig == signal.SIGINT:  # workers finished their feeds: all recorded
        assert_consistent(tmp_path, len(posts(tmp_path)))
    # SIGTERM (SIGHUP) ended workers mid-feed, as a kill would: the next run completes it.
    complete_the_work(tmp_path, 20 * 60)


def _session_processes(session: int) -> list[int]:
    """Live (not zombie) processes of a session, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[3]) == session and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def test_workers_do_not_outlive_a_killed_main_process(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feeds = [
        {"url": feed_server.add(f"/f{i}", body=many(100, f"f{i}")), "group": "g", "source": f"s{i}"}
        for i in range(20)  # enough for the worker pool (POOL_THRESHOLD)
    ]
    write_config(tmp_path, feeds, dedupe=False)
    main = subprocess.Popen(
        [sys.executable, "-m", "feedmill", "run", "--workers", "2"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    _killed_with_its_pool(main, lambda: wait_for(lambda: _post_count(tmp_path) >= 1))
    complete_the_work(tmp_path, 20 * 100)


def _killed_with_its_pool(main: subprocess.Popen[bytes], working: Callable[[], None]) -> None:
    """``main`` killed with -9 once ``working()`` says its pool is at work:
    nothing of its session lives on (forkserver, workers, resource tracker)."""
    try:
        working()
        assert len(_session_processes(main.pid)) >= 4  # main, forkserver, workers, tracker
        main.kill()
        main.wait()
        wait_for(lambda: not _session_processes(main.pid), timeout=15)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(main.pid, signal.SIGKILL)


def test_a_searchs_segmenting_workers_do_not_outlive_it(tmp_path: Path) -> None:
    """`feedmill search` killed with -9 while its pool segmented a backlog
    (`store.search.catch_up`): the pool, its forkserver and resource tracker
    lived on, idle, for good (~220 MB)."""
    script = (
        "from feedmill.store import search\n"
        "def batches():\n"
        "    while True:\n"
        "        yield [(1, '央行开展逆回购操作', '<p>' + '央行今日开展逆回购操作。' * 50 + '</p>')]\n"
        "for _ in search._tokenized(batches(), 2):\n"
        "    print('segmented', flush=True)\n"
    )
    search = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def segmenting() -> None:
        assert search.stdout is not None
        assert search.stdout.readline() == b"segmented\n"

    _killed_with_its_pool(search, segmenting)


def _post_count(site: Path) -> int:
    folder = site / "source" / "_posts"
    return len(list(folder.glob("*.md"))) if folder.is_dir() else 0


def test_a_daemon_fetches_only_due_feeds(tmp_path: Path, feed_server: FeedServer) -> None:
    paused = feed_server.add("/paused", status=429, headers={"Retry-After": "3600"})
    due = feed_server.add("/due", body=many(2))
    feeds = [
        {"url": paused, "group": "g", "source": "a"},
        {"url": due, "group": "g", "source": "b"},
    ]
    write_config(tmp_path, feeds, interval="1s")
    with ended(feedmill("run", "--every", "1s", cwd=tmp_path)) as daemon:
        wait_for(lambda: feed_server.hits["/due"] >= 3)  # three cycles
        out, _ = stop_cleanly(daemon)
    assert feed_server.hits["/paused"] == 1  # asked for an hour: --due is the default
    assert "1 not due" in out


def test_a_daemon_told_all_fetches_every_feed_once_then_each_when_due(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """`--every 1h --all` fetched every feed on every pass, and passes came at
    the fastest feed's pace: a server that asked for two hours' quiet was
    asked every few seconds."""
    paused = feed_server.add("/paused", status=429, headers={"Retry-After": "7200"})
    fast = feed_server.add("/fast", body=many(2))
    feeds = [
        {"url": paused, "group": "g", "source": "a"},
        {"url": fast, "group": "g", "source": "b", "interval": "1s"},
    ]
    write_config(tmp_path, feeds)
    with ended(feedmill("run", "--every", "1h", "--all", cwd=tmp_path)) as daemon:
        wait_for(lambda: feed_server.hits["/fast"] >= 3)  # three passes
        stop_cleanly(daemon)
    assert feed_server.hits["/paused"] == 1


def test_a_daemon_given_feeds_polls_only_those_on_their_schedule(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    named = feed_server.add("/named", body=many(2))
    other = feed_server.add("/other", body=many(2, "o"))
    feeds = [
        {"url": named, "group": "g", "source": "a", "interval": "1h"},
        {"url": other, "group": "g", "source": "b", "interval": "1s"},
    ]
    write_config(tmp_path, feeds)
    lines: list[str] = []
    with ended(feedmill("run", "--every", "1s", "--feed", named, cwd=tmp_path)) as daemon:
        reader = threading.Thread(target=lambda: lines.extend(daemon.stdout or ()), daemon=True)
        reader.start()
        # The other feed, due all along, is not this daemon's: it neither
        # fetches it nor wakes early for it (which made every pass refetch
        # the named one, twice a second with a long --every).  Two passes
        # after the first, however long a loaded machine makes them:
        wait_for(lambda: sum("not due" in line for line in lines) >= 2, timeout=60)
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=60) == 0
        reader.join(timeout=10)
    assert feed_server.hits["/named"] == 1 and feed_server.hits["/other"] == 0
    # Later passes count only the named feed as not due.
    out = "".join(lines)
    assert "1 not due" in out and "2 not due" not in out


def test_a_daemon_given_a_feed_refuses_an_edit_that_removes_it(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Else it would poll nothing, pass after pass, without a word."""
    named = feed_server.add("/named", body=many(2))
    other = feed_server.add("/other", body=many(2, "o"))
    write_config(tmp_path, [{"url": named, "group": "g", "source": "a"}], interval="1s")
    with ended(feedmill("run", "--every", "1s", "--feed", named, cwd=tmp_path)) as daemon:
        wait_for(lambda: len(posts(tmp_path)) == 2)
        write_config(tmp_path, [{"url": other, "group": "g", "source": "b"}], interval="1s")
        hits = feed_server.hits["/named"]
        wait_for(lambda: feed_server.hits["/named"] >= hits + 1)  # still its feed
        _, err = stop_cleanly(daemon)
    assert f"--feed {named} is no longer in it" in err.replace("\n", "")
    assert feed_server.hits["/other"] == 0


def test_a_daemon_given_a_feed_follows_its_url_written_another_way(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """The config's `url` edited to another spelling of the same location
    (the host in capitals): the same feed, still this daemon's."""
    named = feed_server.add("/named", body=many(2))
    write_config(tmp_path, [{"url": named, "group": "g", "source": "a"}], interval="1s")
    with ended(feedmill("run", "--every", "1s", "--feed", named, cwd=tmp_path)) as daemon:
        wait_for(lambda: len(posts(tmp_path)) == 2)
        respelled = named.replace("http://", "HTTP://")
        write_config(tmp_path, [{"url": respelled, "group": "g", "source": "a"}], interval="1s")
        hits = feed_server.hits["/named"]
        wait_for(lambda: feed_server.hits["/named"] >= hits + 2)  # polled on, as before
        out, err = stop_cleanly(daemon)
    assert "config not reloaded" not in err and "reloaded" in out
    assert "1 feed (0 added, 0 removed)" in out  # one feed, written another way
    assert len(posts(tmp_path)) == 2


def test_a_daemon_keeps_its_site_when_an_edit_names_a_folder_that_is_not_there(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A typo in `site:` would post into a new folder: reported, not taken up."""
    with daemon_posting_two(tmp_path, feed_server) as (daemon, url):
        write_config(tmp_path, [{"url": url, "group": "g", "source": "a"}], site="stie")
        hits = feed_server.hits["/feed"]
        feed_server.add("/feed", body=many(3))  # a new item: posted where it belongs
        wait_for(lambda: len(posts(tmp_path)) == 3)
        assert feed_server.hits["/feed"] > hits
        _, err = stop_cleanly(daemon)
    assert f"site: {tmp_path / 'stie'} is no folder" in err.replace("\n", "")
    assert not (tmp_path / "stie").exists()


def test_a_daemon_reads_again_an_edit_refused_for_a_site_not_there_yet(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """`feedmill init NEW` as the refusal says: the edit was never read again
    (until the config was touched), and the daemon went on posting to the
    old site, saying nothing. Read again, it meets what refuses it next:
    here, a database that is the old site's."""
    with daemon_posting_two(tmp_path, feed_server) as (daemon, url):
        assert daemon.stderr is not None
        lines: list[str] = []
        threading.Thread(target=lambda: lines.extend(daemon.stderr), daemon=True).start()
        write_config(tmp_path, [{"url": url, "group": "g", "source": "a"}], site="new")
        wait_for(lambda: "new is no folder" in "".join(lines).replace("\n", ""))
        (tmp_path / "new").mkdir()
        wait_for(lambda: "the state database belongs to the site in" in "".join(lines))
        stop_cleanly(daemon)
    said = "".join(lines).replace("\n", "")
    assert said.count("new is no folder") == 1  # (said once, not each pass)


def test_a_daemon_whose_database_was_deleted_opens_it_again(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Its passes wrote on into the deleted file, which `status` did not
    read (every feed "never" fetched) and a restart left behind."""
    with daemon_posting_two(tmp_path, feed_server) as (daemon, _):
        assert daemon.stderr is not None
        lines: list[str] = []
        threading.Thread(target=lambda: lines.extend(daemon.stderr), daemon=True).start()
        for stale in (tmp_path / ".feedmill").glob("state.db*"):
            stale.unlink()
        feed_server.add("/feed", body=many(3))
        wait_for(lambda: len(posts(tmp_path)) == 3)
        wait_for(lambda: (tmp_path / ".feedmill" / "state.db").exists())
        wait_for(lambda: len(stored_files(tmp_path)) == 3)
        stop_cleanly(daemon)
    said = "".join(lines).replace("\n", "")
    state = tmp_path / ".feedmill" / "state.db"
    assert f"the state database {state} was deleted or replaced under this daemon" in said
    (row,) = json.loads(cli("status", "-c", str(tmp_path / "feedmill.yml"), "--json").stdout)
    assert row["last_success"] is not None


@pytest.mark.parametrize(
    "state",
    [
        None,
        "postgresql://nobody@127.0.0.1:1/x",
        "data/state.db",
        "sqlite:///.feedmill/state.db?timeout=30",  # (the same file, spelt otherwise)
    ],
)
def test_a_daemon_whose_database_was_deleted_before_a_config_edit_says_so(
    tmp_path: Path, feed_server: FeedServer, state: str | None
) -> None:
    """The edit opened the database again before the pass asked whether it
    was replaced — or, refused (a database out of reach), going back to the
    config it had did: a new one was made without a word."""
    with daemon_posting_two(tmp_path, feed_server) as (daemon, url):
        assert daemon.stderr is not None and daemon.stdout is not None
        lines: list[str] = []
        threading.Thread(target=lambda: lines.extend(daemon.stderr), daemon=True).start()
        said_out: list[str] = []
        threading.Thread(target=lambda: said_out.extend(daemon.stdout), daemon=True).start()
        (tmp_path / "data").mkdir()
        for stale in (tmp_path / ".feedmill").glob("state.db*"):
            if state == "data/state.db":  # moved with the edit: nothing to say
                stale.rename(tmp_path / "data" / stale.name)
            else:
                stale.unlink()
        config = tmp_path / "feedmill.yml"
        if state is None:  # an edit taken up
            config.write_text(config.read_text(encoding="utf-8") + "# edited\n", "utf-8")
        else:  # one refused: a database out of reach
            feeds = [{"url": url, "group": "g", "source": "a"}]
            write_config(tmp_path, feeds, interval="1s", state=state)
        wait_for(lambda: "reloaded" in "".join(said_out) + "".join(lines))
        if state == "data/state.db":
            passes = "".join(said_out).count("posts:")
            wait_for(lambda: "".join(said_out).count("posts:") > passes + 1)
        else:
            wait_for(lambda: "was deleted or replaced" in "".join(lines).replace("\n", ""))
        stop_cleanly(daemon)
    said = "".join(lines).replace("\n", "")
    old = tmp_path / ".feedmill" / "state.db"
    note = f"the state database {old} was deleted or replaced under this daemon"
    assert said.count(note) == (0 if state == "data/state.db" else 1)


def test_a_daemon_makes_no_new_site_where_its_site_was(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """The site folder moved away under a running daemon: its passes made an
    empty one and posted nothing there. They fail, said, until it is back."""
    url = feed_server.add("/feed", body=many(2))
    site = tmp_path / "site"
    site.mkdir()
    write_config(tmp_path, [{"url": url, "group": "g", "source": "a"}], site="site", interval="1s")
    with ended(feedmill("run", "--every", "1s", cwd=tmp_path)) as daemon:
        wait_for(lambda: len(posts(site)) == 2)
        site.rename(tmp_path / "moved")
        assert daemon.stderr is not None
        lines: list[str] = []
        threading.Thread(target=lambda: lines.extend(daemon.stderr), daemon=True).start()
        # (A pass under way when it moved fails writing, the next ones find no site.)
        wait_for(lambda: "is no folder" in "".join(lines).replace("\n", ""))
        assert "pass failed (1 in a row)" in "".join(lines) and not site.exists()
        (tmp_path / "moved").rename(site)
        feed_server.add("/feed", body=many(3))
        wait_for(lambda: len(posts(site)) == 3)
        stop_cleanly(daemon)


def test_a_daemon_takes_up_an_edited_config(tmp_path: Path, feed_server: FeedServer) -> None:
    old = feed_server.add("/old", body=many(2))
    new = feed_server.add("/new", body=many(3, "w"))
    settings = {"interval": "1s", "dedupe": False}  # the two feeds' stories are alike
    write_config(tmp_path, [{"url": old, "group": "g", "source": "a"}], **settings)
    with ended(feedmill("run", "--every", "1s", cwd=tmp_path)) as daemon:
        wait_for(lambda: len(posts(tmp_path)) == 2)
        # An edit that does not validate: reported, and the daemon goes on.
        (tmp_path / "feedmill.yml").write_text("feeds: {}\n", encoding="utf-8")
        hits = feed_server.hits["/old"]
        wait_for(lambda: feed_server.hits["/old"] >= hits + 2)
        # One that validates but cannot be applied (no database can be made
        # there): reported, and the daemon goes on with what it has.
        unusable = {**settings, "state": "feedmill.yml/state.db"}
        write_config(tmp_path, [{"url": new, "group": "g", "source": "b"}], **unusable)
        hits = feed_server.hits["/old"]
        wait_for(lambda: feed_server.hits["/old"] >= hits + 2)
        write_config(tmp_path, [{"url": new, "group": "g", "source": "b"}], **settings)
        wait_for(lambda: len(posts(tmp_path)) == 5)
        hits = feed_server.hits["/old"]
        wait_for(lambda: feed_server.hits["/new"] >= 3)
        out, err = stop_cleanly(daemon)
    assert feed_server.hits["/old"] == hits  # removed: no longer fetched
    assert err.count("config not reloaded") == 2 and "expected a list" in err
    assert "cannot apply it" in err
    # Dated, as every line of a daemon's log.
    stamped = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d config not reloaded"
    assert len(re.findall(stamped, err, re.MULTILINE)) == 2
    assert "1 feed (1 added, 1 removed)" in out
    assert_consistent(tmp_path, 5)


@pytest.mark.parametrize("layout", ["a link", "a configmap"])
def test_a_daemon_takes_up_a_config_whose_link_is_re_pointed(
    tmp_path: Path, feed_server: FeedServer, layout: str
) -> None:
    """`feedmill.yml` a link to a version of the file (stow, Nix; Kubernetes
    mounts a ConfigMap as feedmill.yml -> ..data/feedmill.yml, ..data -> ..v1,
    swapped for ..v2 and ..v1 deleted): the daemon watched the file the link
    led to when it started, and never took up the new one."""
    old = feed_server.add("/old", body=many(2))
    new = feed_server.add("/new", body=many(3, "w"))
    settings = {"interval": "1s", "dedupe": False, "state": str(tmp_path / "state.db")}
    versions = tmp_path / "versions"
    for version, url in (("v1", old), ("v2", new)):
        (versions / version).mkdir(parents=True)
        written = write_config(versions / version, [{"url": url, "group": "g", "source": "a"}],
                               site=str(tmp_path), **settings)  # fmt: skip
        assert written.parent == versions / version
    data = versions / "data"
    data.symlink_to(versions / "v1")
    link = tmp_path / "feedmill.yml"
    link.symlink_to(
        data / "feedmill.yml" if layout == "a configmap" else versions / "v1" / "feedmill.yml"
    )
    with ended(feedmill("run", "--every", "1s", cwd=tmp_path)) as daemon:
        wait_for(lambda: len(posts(tmp_path)) == 2)
        if layout == "a configmap":
            swap = versions / "data.new"
            swap.symlink_to(versions / "v2")
            os.replace(swap, data)
            shutil.rmtree(versions / "v1")
        else:
            link.unlink()
            link.symlink_to(versions / "v2" / "feedmill.yml")
        wait_for(lambda: len(posts(tmp_path)) == 5)
        out, err = stop_cleanly(daemon)
    assert "config not reloaded" not in err
    assert "1 feed (1 added, 1 removed)" in out
    # The log names the file as it was named, not a version it led to.
    assert f"reloaded {link}:" in out and f"of {link}," in out


@pytest.mark.parametrize("during", ["the sleep", "the pass"])
def test_a_daemon_takes_up_an_edit_at_once(
    tmp_path: Path, feed_server: FeedServer, during: str
) -> None:
    """A feed added, or an interval shortened, waited for the rest of the
    daemon's sleep: up to `--every` (an hour here) — an edit saved while a
    pass ran too."""
    old = feed_server.add("/old", body=many(2))
    slow = feed_server.add("/slow", body=many(1, "s"), delay=3 if during == "the pass" else 0)
    new = feed_server.add("/new", body=many(3, "w"))
    settings = {"interval": "1h", "dedupe": False}
    feeds = [{"url": old, "group": "g", "source": "a"}, {"url": slow, "group": "g", "source": "s"}]
    write_config(tmp_path, feeds, **settings)
    with ended(feedmill("run", "--every", "1h", cwd=tmp_path)) as daemon:
        wait_for(lambda: len(posts(tmp_path)) >= 2)
        if during == "the sleep":
            wait_for(lambda: len(posts(tmp_path)) == 3)
            time.sleep(0.5)  # (asleep by now)
        write_config(tmp_path, [*feeds, {"url": new, "group": "g", "source": "b"}], **settings)
        wait_for(lambda: len(posts(tmp_path)) == 6)
        out, _ = stop_cleanly(daemon)
    assert feed_server.hits["/old"] == 1  # not due: an hour
    assert "3 feeds (1 added, 0 removed)" in out


def test_a_daemon_takes_up_a_template_edited_during_a_pass(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    import shutil

    from feedmill.publish.render import DEFAULT_TEMPLATE

    shutil.copy(DEFAULT_TEMPLATE, tmp_path / "tpl.j2")
    fast = feed_server.add("/fast", body=many(2))
    slow = feed_server.add("/slow", body=many(1, "s"), delay=3)
    feeds = [{"url": fast, "group": "g", "source": "a"}, {"url": slow, "group": "g", "source": "s"}]
    write_config(tmp_path, feeds, interval="1h", dedupe=False, post_template="tpl.j2")
    with ended(feedmill("run", "--every", "1h", cwd=tmp_path)) as daemon:
        wait_for(lambda: len(posts(tmp_path)) >= 2)  # the pass under way, waiting for /slow
        template = (tmp_path / "tpl.j2").read_text(encoding="utf-8")
        (tmp_path / "tpl.j2").write_text(
            template.replace("comments: false", "comments: true"), encoding="utf-8"
        )
        wait_for(
            lambda: (
                len(posts(tmp_path)) == 3
                and all("comments: true" in text for text in posts(tmp_path).values())
            )
        )
        stop_cleanly(daemon)


def test_a_refused_edit_naming_other_files_does_not_wake_the_daemon(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """An edit that cannot be applied (its state file is no database) and
    names a post template: the files it names were watched against the old
    config's, never matched, and the daemon ran a pass every 2 s."""
    import shutil

    from feedmill.publish.render import DEFAULT_TEMPLATE

    url = feed_server.add("/feed", body=many(2))
    settings = {"interval": "1h", "dedupe": False}
    write_config(tmp_path, [{"url": url, "group": "g", "source": "a"}], **settings)
    with ended(feedmill("run", "--every", "1h", cwd=tmp_path)) as daemon:
        wait_for(lambda: len(posts(tmp_path)) == 2)
        (tmp_path / "junk.db").write_text("not a database\n")
        shutil.copy(DEFAULT_TEMPLATE, tmp_path / "tpl.j2")
        refused = {**settings, "state": "junk.db", "post_template": "tpl.j2"}
        write_config(tmp_path, [{"url": url, "group": "g", "source": "a"}], **refused)
        time.sleep(9)
        out, err = stop_cleanly(daemon)
    assert err.count("config not reloaded") == 1, err
    passes = [line for line in out.splitlines() if " feeds: " in line]
    assert len(passes) <= 3, out  # the first, the refusal's, and at most one more


# The database out of reach while a daemon takes up an edit (PostgreSQL
# stopped, a lock held past the timeout): its first two reconfigurations —
# the edit's, then the way back — fail as a connection refused would.  (A
# stand-in: a real outage would hold the test for the lock timeout.)
AWAY_HOOK = """
from sqlalchemy.exc import OperationalError
from feedmill import pipeline

reconfigure, calls = pipeline.Mill.reconfigure, []

def flaky(self, config):
    calls.append(config)
    if len(calls) <= 2:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("the database is away"))
    return reconfigure(self, config)

pipeline.Mill.reconfigure = flaky
"""


# A stop that comes while the edit's reconfiguration waits on the database
# (SQLite's 30 s busy timeout, in C: the signal is heeded after it): the
# daemon went back to the config it had, and waited out the timeout again.
STOPPED_IN_RELOAD_HOOK = """
import os, signal
from sqlalchemy.exc import OperationalError
from feedmill import pipeline

reconfigure = pipeline.Mill.reconfigure

def locked(self, config):
    with open(os.environ["RECONFIGURED"], "a") as calls:
        calls.write("reconfigure\\n")
    os.kill(os.getpid(), signal.SIGTERM)
    raise OperationalError("SELECT 1", {}, Exception("database is locked"))

pipeline.Mill.reconfigure = locked
"""


def test_a_stop_during_a_reload_that_waits_on_the_database_is_not_made_to_wait_again(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    url = feed_server.add("/feed", body=many(2))
    settings = {"interval": "1h", "dedupe": False}
    write_config(tmp_path, [{"url": url, "group": "g", "source": "a"}], **settings)
    calls = tmp_path / "calls.txt"
    env = hooked(tmp_path, STOPPED_IN_RELOAD_HOOK, RECONFIGURED=str(calls))
    with ended(feedmill("run", "--every", "1h", cwd=tmp_path, env=env)) as daemon:
        wait_for(lambda: len(posts(tmp_path)) == 2)
        write_config(tmp_path, [{"url": url, "group": "g", "source": "b"}], **settings)
        _, err = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, err
    assert calls.read_text().splitlines() == ["reconfigure"]  # not the way back too


def test_a_refused_edit_put_back_says_no_file_of_the_site_changed(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """An edit naming another site, refused (the database is this one's),
    then put back: "reloaded …; the site's _config.yml changed" — the
    refused edit's site's file, taken for this one's."""
    url = feed_server.add("/feed", body=many(2))
    feeds = [{"url": url, "group": "g", "source": "a"}]
    settings = {"interval": "1h", "dedupe": False}
    config = write_config(tmp_path, feeds, **settings)
    kept = config.read_bytes()
    (tmp_path / "_config.yml").write_text("title: this\n")
    other = tmp_path / "other"
    other.mkdir()
    (other / "_config.yml").write_text("title: other\n")
    with ended(feedmill("run", "--every", "1h", cwd=tmp_path)) as daemon:
        wait_for(lambda: len(posts(tmp_path)) == 2)
        write_config(tmp_path, feeds, **settings, site="other")
        time.sleep(5)  # (read, refused)
        config.write_bytes(kept)
        time.sleep(5)
        out, err = stop_cleanly(daemon)
    assert "config not reloaded" in err, err
    reloaded = [line for line in out.splitlines() if "reloaded" in line]
    assert reloaded and not any("changed" in line for line in reloaded), out


def test_a_daemon_takes_up_an_edit_once_its_database_is_back(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    old = feed_server.add("/old", body=many(2))
    new = feed_server.add("/new", body=many(3, "w"))
    settings = {"interval": "1s", "dedupe": False}
    write_config(tmp_path, [{"url": old, "group": "g", "source": "a"}], **settings)
    daemon = feedmill("run", "--every", "1s", cwd=tmp_path, env=hooked(tmp_path, AWAY_HOOK))
    with ended(daemon):
        wait_for(lambda: len(posts(tmp_path)) == 2)
        feeds = [
            {"url": old, "group": "g", "source": "a"},
            {"url": new, "group": "g", "source": "b"},
        ]
        write_config(tmp_path, feeds, **settings)
        # Not dropped: taken up after the next pass, the database being back.
        wait_for(lambda: len(posts(tmp_path)) == 5)
        out, err = stop_cleanly(daemon)
    assert daemon.returncode == 0
    assert err.count("config not reloaded") == 1, err
    assert "cannot apply it: ConnectionRefusedError: the database is away" in err
    assert "SELECT 1" not in err and "sqlalche.me" not in err  # the reason, not the SQL
    assert "feeds (1 added, 0 removed)" in out
    assert_consistent(tmp_path, 5)


def test_a_daemon_tries_a_failing_feed_at_once_when_its_settings_are_edited(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """The owner fixes a failing feed in the config (a longer timeout): the
    daemon tries it at once, not when its backoff (half an hour here) ends."""
    url = feed_server.add("/feed", body=many(2), status=500)
    spec = {"url": url, "group": "g", "source": "s"}
    write_config(tmp_path, [spec], interval="1h")
    with ended(feedmill("run", "--every", "1s", cwd=tmp_path)) as daemon:
        wait_for(lambda: feed_server.hits["/feed"] == 1)
        time.sleep(2)  # passes go by: the feed is backing off
        assert feed_server.hits["/feed"] == 1
        feed_server.routes["/feed"].status = 200
        write_config(tmp_path, [{**spec, "timeout": 60}], interval="1h")
        wait_for(lambda: len(posts(tmp_path)) == 2)
        stop_cleanly(daemon)
    assert feed_server.hits["/feed"] == 2


def test_a_daemon_tries_a_feed_a_slow_rule_failed_at_once_when_the_rule_is_mended(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A rule that backtracks fails its feed, which backs off as if its
    server had failed: mended, the feed waited out its backoff — its items
    unstored meanwhile, lost if a busy route dropped them.  (A feed its server
    fails waits on: the edit of a rule of every feed says nothing of it.)"""
    body = "<p>" + "a" * 40 + "b</p>"
    document = rss("源", [Item("测试条目", html=body, guid="r1")])
    url = feed_server.add("/feed", body=document)
    down = feed_server.add("/down", body=many(1), status=500)
    feeds = [
        {"url": url, "group": "g", "source": "s"},
        {"url": down, "group": "g", "source": "t"},
    ]
    write_config(tmp_path, feeds, interval="1h", rules={"block": [{"content": "(a|aa)+$"}]})
    with ended(feedmill("run", "--every", "1s", cwd=tmp_path)) as daemon:
        wait_for(lambda: feed_server.hits["/feed"] == 1 and feed_server.hits["/down"] == 1)
        time.sleep(2)  # passes go by: the feeds are backing off
        assert feed_server.hits["/feed"] == 1 and not posts(tmp_path)
        mended = {"block": [{"content": "(?>a|aa)+$"}]}
        write_config(tmp_path, feeds, interval="1h", rules=mended)
        wait_for(lambda: len(posts(tmp_path)) == 1)
        time.sleep(1)
        stop_cleanly(daemon)
    assert feed_server.hits["/feed"] == 2 and feed_server.hits["/down"] == 1


def test_a_daemon_tries_a_failing_feed_at_once_when_its_url_is_edited(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """The RSSHub instance a feed used went down; the owner points the feed
    at another one, keeping its history (`moved_from`): tried at once, not
    when the old URL's backoff (half an hour here) ends."""
    old = feed_server.add("/old", body=many(2), status=503)
    new = feed_server.add("/new", body=many(2))
    write_config(tmp_path, [{"url": old, "group": "g", "source": "s"}], interval="1h")
    with ended(feedmill("run", "--every", "1s", cwd=tmp_path)) as daemon:
        wait_for(lambda: feed_server.hits["/old"] == 1)
        time.sleep(2)  # passes go by: the feed is backing off
        moved = {"url": new, "group": "g", "source": "s", "moved_from": old}
        write_config(tmp_path, [moved], interval="1h")
        wait_for(lambda: len(posts(tmp_path)) == 2)
        out, _ = stop_cleanly(daemon)
    assert feed_server.hits["/old"] == 1 and feed_server.hits["/new"] == 1
    # (One feed that moved, as its log says: not one added and one removed.)
    assert "1 feed (0 added, 0 removed, 1 moved)" in out
    (row,) = json.loads(cli("status", "--json", "-c", str(tmp_path / "feedmill.yml")).stdout)
    assert row["error_streak"] == 0


def test_a_daemon_takes_up_an_edited_post_template(tmp_path: Path, feed_server: FeedServer) -> None:
    """Editing the template alone restyles every post, in the daemon and in
    later runs: the daemon does not keep the template it compiled first."""
    url = feed_server.add("/feed", body=many(3))
    template = tmp_path / "mine.md.j2"
    template.write_text("---\ntitle: {{ title | yaml_quote }}\n---\nONE {{ body }}\n")
    write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}], post_template="mine.md.j2")
    with ended(feedmill("run", "--every", "1s", cwd=tmp_path)) as daemon:
        wait_for(lambda: len(posts(tmp_path)) == 3)
        template.write_text("---\ntitle: {{ title | yaml_quote }}\n---\nTWO {{ body }}\n")
        wait_for(lambda: all("\nTWO " in text for text in posts(tmp_path).values()))
        out, _ = stop_cleanly(daemon)
    assert "mine.md.j2 changed" in out.replace("\n", "")
    # A daemon's lines say when: its log is read days later.
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d feeds: 1 ok", out, re.MULTILINE)
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d reloaded ", out, re.MULTILINE)
    run = subprocess.run(
        [sys.executable, "-m", "feedmill", "run"], cwd=tmp_path, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert all("\nTWO " in text for text in posts(tmp_path).values())


def test_a_daemon_takes_up_an_edited_stock_dictionary(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """The tags' dictionary edited, the config not: the daemon's posts get the
    tags a single run would give them (it went on with the words it read
    first).  Each edit is one reload: tags turned on were reloaded again on
    the next pass, said to be an edited dictionary."""
    html = "<p>上海机电今日公告，与国际医学合作。</p>"
    url = feed_server.add("/feed", body=rss("源", [Item("上海机电公告", html, "1")]))
    (tmp_path / "stocks.txt").write_text("上海机电,SH600835\n", encoding="utf-8")
    feeds = [{"url": url, "group": "g", "source": "s"}]
    write_config(tmp_path, feeds)
    with ended(feedmill("run", "--every", "1s", cwd=tmp_path)) as daemon:
        wait_for(lambda: len(posts(tmp_path)) == 1)
        write_config(tmp_path, feeds, tags={"dictionary": "stocks.txt"})
        wait_for(lambda: any("上海机电(600835)" in t for t in posts(tmp_path).values()))
        time.sleep(2.5)  # two passes more: no edit, no reload
        (tmp_path / "stocks.txt").write_text("上海机电,SH600835\n国际医学,000516\n")
        wait_for(lambda: all("国际医学(000516)" in t for t in posts(tmp_path).values()))
        out, _ = stop_cleanly(daemon)
    reloads = [line for line in out.splitlines() if " reloaded " in line]
    assert len(reloads) == 2, out
    assert "dictionary" not in reloads[0]
    assert reloads[1].endswith("the tags' dictionary or stop-word list changed")


def test_a_dictionary_broken_under_a_daemon_holds_items_back_until_mended(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """The daemon keeps the config it has when a dictionary edit does not
    read; a worker that had not read the file yet read the broken one, and
    failed every feed with new items as "parser crashed", each waiting out
    its backoff once the file was mended."""
    url = feed_server.add("/feed", body=rss("源", []))
    (tmp_path / "stocks.txt").write_text("贵州茅台,600519\n", encoding="utf-8")
    feeds = [{"url": url, "group": "g", "source": "s"}]
    write_config(tmp_path, feeds, interval="1s", tags={"dictionary": "stocks.txt"})
    with ended(feedmill("run", "--every", "1s", cwd=tmp_path)) as daemon:
        wait_for(lambda: feed_server.hits["/feed"] >= 1)
        (tmp_path / "stocks.txt").write_text("贵州茅台,600519\n茅台,000858,x\n", encoding="utf-8")
        time.sleep(2.5)  # the edit refused: the daemon keeps its config
        item = Item("贵州茅台发布年报", "<p>贵州茅台今日发布年报。</p>", "1")
        feed_server.add("/feed", body=rss("源", [item]))
        hits = feed_server.hits["/feed"]
        wait_for(lambda: feed_server.hits["/feed"] > hits + 1)
        assert not posts(tmp_path)
        (tmp_path / "stocks.txt").write_text("贵州茅台,600519\n", encoding="utf-8")
        wait_for(lambda: len(posts(tmp_path)) == 1, timeout=15)  # not after its backoff
        _, err = stop_cleanly(daemon)
    assert "parser crashed" not in err
    assert re.search(r"failed \S+/feed: tags: \S*stocks\.txt:2: ", err), err
    assert "贵州茅台(600519)" in next(iter(posts(tmp_path).values()))


@pytest.mark.parametrize(
    ("every", "sig", "code"),
    [
        (None, signal.SIGINT, 130),
        (None, signal.SIGTERM, 143),
        ("5m", signal.SIGTERM, 0),
        ("publish", signal.SIGTERM, 143),
    ],
)
def test_a_stop_while_the_database_is_locked_at_the_start_is_heard_at_once(
    tmp_path: Path, feed_server: FeedServer, every: str | None, sig: signal.Signals, code: int
) -> None:
    """Another program holding the SQLite database locked kept the start
    waiting out SQLite's 30 s busy timeout in C, deaf to SIGTERM and Ctrl-C,
    even a second (`docker stop` kills after 10 s)."""
    url = feed_server.add("/feed", body=many(1))
    write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    assert cli("run", "-c", str(tmp_path)).code == 0
    holder = sqlite3.connect(tmp_path / ".feedmill" / "state.db", isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        args = (
            ("publish",) if every == "publish" else ("run", *(("--every", every) if every else ()))
        )
        with ended(feedmill(*args, cwd=tmp_path)) as process:
            time.sleep(2)  # well into the busy wait
            assert process.poll() is None
            process.send_signal(sig)
            _, err = process.communicate(timeout=60)
    finally:
        holder.close()
    assert process.returncode == code, err
    # Heard at once: not after the busy timeout, which ends in "database is locked".
    assert "locked" not in err and "Traceback" not in err
    assert f"{sig.name}: stopping; it had not started (nothing written)" in err


def test_what_a_daemon_watches_is_the_config_and_the_files_it_names(tmp_path: Path) -> None:
    """The config, the post template, the tags' dictionary and stop-word list:
    an edit of any is a reload."""
    import os

    from feedmill.cli import _stamps
    from feedmill.config import load_config

    (tmp_path / "mine.md.j2").write_text("---\ntitle: {{ title | yaml_quote }}\n---\n{{ body }}\n")
    (tmp_path / "stocks.txt").write_text("上海机电,SH600835\n", encoding="utf-8")
    (tmp_path / "stop.txt").write_text("今日\n", encoding="utf-8")
    tags = {"dictionary": "stocks.txt", "stopwords": "stop.txt", "keywords": 3}
    feeds = [{"url": "a.xml", "group": "g", "source": "s"}]
    (tmp_path / "_config.yml").write_text("title: news\n", encoding="utf-8")
    config = load_config(write_config(tmp_path, feeds, tags=tags, post_template="mine.md.j2"))
    for name in ("feedmill.yml", "mine.md.j2", "stocks.txt", "stop.txt", "_config.yml"):
        before = _stamps(config)
        path = tmp_path / name
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
        assert _stamps(config) != before, name


def _site_of_one_feed(site: Path, feed_server: FeedServer, interval: str) -> None:
    """A Hexo site whose one feed lists three items, polled every ``interval``."""
    (site / "_config.yml").write_text("title: news\n", encoding="utf-8")
    url = feed_server.add("/feed", body=many(3))
    write_config(site, [{"url": url, "group": "g", "source": "s"}], interval=interval)


def test_a_daemon_follows_a_source_dir_edited_under_it(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Hexo's source_dir edited while a daemon runs: it moved the posts to the
    new folder, then went on writing to the old one and took the posts of
    edited items for deleted by hand.  It is taken up as a config edit is."""
    _site_of_one_feed(tmp_path, feed_server, "1s")
    with ended(feedmill("run", "--every", "1s", cwd=tmp_path)) as daemon:
        wait_for(lambda: len(posts(tmp_path)) == 3)
        (tmp_path / "_config.yml").write_text("title: news\nsource_dir: src\n", encoding="utf-8")
        edited = many(4).replace("第0条".encode(), "第0条（更新）".encode())
        feed_server.add("/feed", body=edited)
        moved = tmp_path / "src" / "_posts"
        wait_for(lambda: len(list(moved.glob("*.md"))) == 4)
        wait_for(
            lambda: "（更新）" in "".join(p.read_text(encoding="utf-8") for p in moved.glob("*.md"))
        )
        out, err = stop_cleanly(daemon)
    assert list((tmp_path / "source" / "_posts").glob("*.md")) == []
    assert "_config.yml changed" in out.replace("\n", "")
    assert "SiteBusy" not in err and "not reloaded" not in err
    assert "3 posts moved there from source/_posts" in err.replace("\n", " ")
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        states = [state for (state,) in db.execute("SELECT state FROM posts")]
    assert states == ["written"] * 4


def test_a_run_reading_a_source_dir_edited_under_a_daemon_is_kept_out(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A run started after the edit locked the new posts folder, not the
    daemon's, and published beside it; the daemon then moved the posts back
    to the folder Hexo no longer reads."""
    _site_of_one_feed(tmp_path, feed_server, "1h")
    with ended(feedmill("run", "--every", "1h", cwd=tmp_path)) as daemon:
        wait_for(lambda: len(posts(tmp_path)) == 3)
        (tmp_path / "_config.yml").write_text("title: news\nsource_dir: src\n", encoding="utf-8")
        other = subprocess.run(
            [sys.executable, "-m", "feedmill", "run"], cwd=tmp_path, capture_output=True, text=True
        )
        moved = tmp_path / "src" / "_posts"
        wait_for(lambda: len(list(moved.glob("*.md"))) == 3)
        stop_cleanly(daemon)
    assert other.returncode == 75, other.stderr
    assert "another feedmill" in other.stderr


def test_a_config_refused_for_a_missing_file_is_taken_up_when_it_appears(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """An edit naming a tags dictionary not saved yet is refused (said once);
    the file saved afterwards, the config unchanged, the edit is taken up."""
    html = "<p>上海机电今日公告。</p>"
    url = feed_server.add("/feed", body=rss("源", [Item("上海机电公告", html, "1")]))
    feeds = [{"url": url, "group": "g", "source": "s"}]
    write_config(tmp_path, feeds)
    with ended(feedmill("run", "--every", "1s", cwd=tmp_path)) as daemon:
        wait_for(lambda: len(posts(tmp_path)) == 1)
        write_config(tmp_path, feeds, tags={"dictionary": "stocks.txt"})
        time.sleep(3)  # refused, and read again each pass
        (tmp_path / "stocks.txt").write_text("上海机电,SH600835\n", encoding="utf-8")
        wait_for(lambda: all("上海机电(600835)" in t for t in posts(tmp_path).values()))
        out, err = stop_cleanly(daemon)
    assert err.count("config not reloaded") == 1, err
    assert "stocks.txt" in err and " reloaded " in out


def test_a_template_edit_the_daemon_refuses_is_not_used(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A broken template is refused ("config not reloaded"), and the daemon
    renders with the one it validated: new workers compiled the file as it
    was on disk, and every feed with something to post failed with it."""
    url = feed_server.add("/feed", body=many(3), status=503)
    template = tmp_path / "mine.md.j2"
    template.write_text("---\ntitle: {{ title | yaml_quote }}\n---\nONE {{ body }}\n")
    spec = {"url": url, "group": "g", "source": "s"}
    write_config(tmp_path, [spec], post_template="mine.md.j2", interval="1s")
    with ended(feedmill("run", "--every", "1s", cwd=tmp_path)) as daemon:
        wait_for(lambda: feed_server.hits["/feed"] >= 1)  # failed: nothing rendered yet
        template.write_text("---\n{% if title %}\ntitle: {{ title }}\n---\n")
        feed_server.routes["/feed"].status = 200  # asked again after its backoff
        wait_for(lambda: len(posts(tmp_path)) == 3, timeout=30)
        _, err = stop_cleanly(daemon)
    assert "config not reloaded" in err and "Unexpected end of template" in err.replace("\n", "")
    assert "parser crashed" not in err
    assert all("\nONE " in text for text in posts(tmp_path).values())


def test_a_stop_does_not_wait_for_a_slow_server(tmp_path: Path, feed_server: FeedServer) -> None:
    slow = feed_server.add("/slow", body=many(2), delay=40)
    write_config(tmp_path, [{"url": slow, "group": "g", "source": "s"}], fetch={"timeout": 120})
    with ended(feedmill("run", "--every", "15m", cwd=tmp_path)) as daemon:
        wait_for(lambda: feed_server.hits["/slow"] == 1)
        time.sleep(0.3)  # the request is under way
        daemon.send_signal(signal.SIGTERM)
        # The fetch is cancelled: the daemon does not wait out the slow answer.
        out, err = daemon.communicate(timeout=20)
    assert daemon.returncode == 0, err
    assert "0 ok, 0 unchanged, 0 failed" in out and not posts(tmp_path)
    # The feed was left as it was: the next run fetches it.
    feed_server.routes["/slow"].delay = 0
    complete_the_work(tmp_path, 2)


def test_a_stop_does_not_wait_for_article_pages(tmp_path: Path, feed_server: FeedServer) -> None:
    html = {"Content-Type": "text/html; charset=utf-8"}
    page = "<html><body><article>" + "<p>正文段落，讲述一件事的来龙去脉。</p>" * 30
    items = []
    for i in range(4):
        link = feed_server.add(f"/a/{i}.html", body=page.encode(), headers=html, delay=40)
        items.append(Item(f"文章{i}", html="<p>摘要。</p>", guid=str(i), link=link))
    url = feed_server.add("/feed", body=rss("源", items))
    feeds = [{"url": url, "group": "g", "source": "s", "fulltext": True}]
    write_config(tmp_path, feeds, fulltext={"allow_private": True, "timeout": 60})
    with ended(feedmill("run", "--every", "15m", cwd=tmp_path)) as daemon:
        wait_for(lambda: feed_server.hits["/a/0.html"] == 1)
        time.sleep(0.3)
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=20)
    assert daemon.returncode == 0, err
    assert not posts(tmp_path)  # no post with the feed's summary in place of its article
    # The feed was left as it was: the next run fetches it and its pages.
    for i in range(4):
        feed_server.routes[f"/a/{i}.html"].delay = 0
    complete_the_work(tmp_path, 4)
    assert all("正文段落" in text for text in posts(tmp_path).values())


def test_a_daemon_outlives_a_failed_pass(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.add("/feed", body=many(3))
    write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}], interval="1s")
    (tmp_path / "_config.yml").write_text("title: site\n")  # a Hexo site: no note first
    # A file where the run stages its posts: the pass fails as a whole.
    obstacle = tmp_path / "source" / "_posts" / ".feedmill-tmp"
    obstacle.parent.mkdir(parents=True)
    obstacle.write_text("in the way")
    with ended(feedmill("run", "--every", "1s", cwd=tmp_path)) as daemon:
        assert daemon.stderr is not None
        line = daemon.stderr.readline()
        assert "pass failed (1 in a row)" in line, line
        obstacle.unlink()
        wait_for(lambda: len(posts(tmp_path)) == 3)
        stop_cleanly(daemon)
    assert_consistent(tmp_path, 3)


def test_a_daemon_told_all_fetches_every_feed_once_a_pass_is_made(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """`--all` is the first pass's: one that failed as a whole fetched
    nothing, and the next passes took only the feeds due — none for an hour."""
    url = feed_server.add("/feed", body=many(2))
    write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}], interval="1h")
    (tmp_path / "_config.yml").write_text("title: site\n")  # a Hexo site: no note first
    assert cli("run", "-c", str(tmp_path / "feedmill.yml")).code == 0
    feed_server.add("/feed", body=many(3))
    obstacle = tmp_path / "source" / "_posts" / ".feedmill-tmp"
    shutil.rmtree(obstacle, ignore_errors=True)
    obstacle.write_text("in the way")  # where the pass stages its posts: it fails as a whole
    with ended(feedmill("run", "--every", "1h", "--all", cwd=tmp_path)) as daemon:
        assert daemon.stderr is not None
        line = daemon.stderr.readline()
        assert "pass failed (1 in a row)" in line, line
        obstacle.unlink()
        wait_for(lambda: len(posts(tmp_path)) == 3, timeout=60)
        stop_cleanly(daemon)
    assert feed_server.hits["/feed"] == 2


# Posts are placed in the site in bursts (600 in ~25 ms once their rows are
# committed), and the pass ends ~70 ms later: a kill timed from outside lands
# at a moment of its own choosing, often after the pass.  The victim stops
# itself instead — at its N-th post, or while its transaction is open — and
# waits there for the kill.
PAUSE_HOOK = """
import os, sys, time
moment = os.environ.get("FM_PAUSE_AT")
if moment:
    from pathlib import Path
    from feedmill import worker
    from feedmill.store import entries

    def paused() -> None:
        Path(os.environ["FM_PAUSED"]).touch()
        time.sleep(120)

    if moment == "storing":  # the feed's entries written, not yet committed
        ingest = entries.ingest_entries
        def slow_ingest(*args, **kwargs):
            result = ingest(*args, **kwargs)
            paused()
            return result
        worker.ingest_entries = slow_ingest
    else:
        place, placed = worker.place, []
        def slow_place(staged, path):
            changed = place(staged, path)
            placed.append(path)
            if len(placed) == int(moment):
                paused()
            return changed
        worker.place = slow_place
"""


@pytest.mark.parametrize(
    ("moment", "pause_at"),
    [
        ("while-storing", "storing"),
        ("first-post", "1"),
        ("half-published", "300"),
        ("nearly-done", "599"),
    ],
)
def test_kill_9_at_any_moment_leaves_a_state_the_next_run_completes(
    tmp_path: Path, feed_server: FeedServer, moment: str, pause_at: str
) -> None:
    url = feed_server.add("/feed", body=many(600))
    write_config(tmp_path, [{"url": url, "group": "g", "source": "s"}])
    flag = tmp_path / "paused"
    env = hooked(tmp_path, PAUSE_HOOK, FM_PAUSE_AT=pause_at, FM_PAUSED=str(flag))
    victim = feedmill("run", "--workers", "1", cwd=tmp_path, env=env)
    with ended(victim):
        wait_for(lambda: flag.exists() or victim.poll() is not None)
        placed = _post_count(tmp_path)
        victim.send_signal(signal.SIGKILL)
        _, err = victim.communicate(timeout=30)
    assert victim.returncode == -signal.SIGKILL, err  # it really died mid-pass
    assert placed == (0 if moment == "while-storing" else int(pause_at))
    complete_the_work(tmp_path, 600)


@pytest.mark.parametrize(("workers", "group"), [(1, False), (2, False), (2, True)])
def test_a_stop_parses_no_document_a_worker_has_not_started(
    tmp_path: Path, feed_server: FeedServer, workers: int, group: bool
) -> None:
    """Documents fetched and waiting for a worker (up to fetch.concurrency)
    are left for the next pass: a stop is not a whole pass late (systemd
    kills what outlasts its stop timeout).  Nor does a signal to the whole
    group, which ends the workers too, get them started again."""
    feeds = [
        {"url": feed_server.add(f"/f{i}", body=many(60, f"f{i}")), "group": "g", "source": f"s{i}"}
        for i in range(40)
    ]
    write_config(tmp_path, feeds, dedupe=False)  # the items look alike
    run = feedmill("run", "--workers", str(workers), cwd=tmp_path, session=True)
    try:
        wait_for(lambda: _post_count(tmp_path) >= 1)
        if group:
            os.killpg(run.pid, signal.SIGTERM)
        else:
            run.send_signal(signal.SIGTERM)
        out, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode == 143, err
    assert "Traceback" not in err
    reached = re.search(r"(\d+) not reached", out)
    assert reached is not None and int(reached.group(1)) >= 20, out
    complete_the_work(tmp_path, 40 * 60)


def _pool_processes(session: int) -> dict[int, int]:
    """pid → parent pid of the live pool processes of a session: the
    forkserver and the workers it forked (which share its command line)."""
    found = {}
    for pid in _session_processes(session):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if b"multiprocessing.forkserver" in command:
            found[pid] = int(fields[1])
    return found


def _stored_entries(site: Path) -> int:
    with contextlib.closing(sqlite3.connect(site / ".feedmill" / "state.db")) as db:
        (count,) = db.execute("SELECT count(*) FROM entries").fetchone()
    return int(count)


def test_a_signal_to_the_whole_group_starts_no_new_pool(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """SIGTERM to the group ends the workers and their forkserver mid-feed:
    the documents they held, and those waiting for a slot, are left for the
    next pass — none is retried in a pool started after the stop."""
    feeds = [
        {"url": feed_server.add(f"/f{i}", body=many(60, f"f{i}")), "group": "g", "source": f"s{i}"}
        for i in range(20)  # enough for the worker pool (POOL_THRESHOLD)
    ]
    write_config(tmp_path, feeds, dedupe=False)  # the items look alike
    run = feedmill("run", "--workers", "2", cwd=tmp_path, session=True)
    new_servers: set[int] = set()
    try:
        wait_for(lambda: _post_count(tmp_path) >= 1)
        before = _pool_processes(run.pid)
        # The forkserver (the main process's child) and a worker forked by it.
        assert run.pid in before.values() and len(before) >= 2, before
        os.killpg(run.pid, signal.SIGTERM)
        # Once the old pool's processes are gone, no worker is left to store
        # anything: what is stored now is what the pass stored.
        wait_for(lambda: not set(_pool_processes(run.pid)) & set(before))
        stored = _stored_entries(tmp_path)
        # A new pool starts a new forkserver (the old one is dead), a child
        # of the main process that lives until the main process exits.

        def ended() -> bool:
            servers = {pid for pid, parent in _pool_processes(run.pid).items() if parent == run.pid}
            new_servers.update(servers - set(before))
            return run.poll() is not None

        wait_for(ended, timeout=60)
        out, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode == 143, err
    assert not new_servers, f"a pool was started after the stop: forkserver {new_servers}"
    # Nothing was handled after the signal (a retry in a new pool stores its feed).
    assert _stored_entries(tmp_path) == stored
    assert "Traceback" not in err and "not reached" in out
    complete_the_work(tmp_path, 20 * 60)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_single_pass_cut_short_says_so(
    tmp_path: Path, feed_server: FeedServer, sig: signal.Signals
) -> None:
    """`feedmill run && hexo generate` must not read a stopped pass as done."""
    quick = feed_server.add("/quick", body=many(3, "q"))
    slow = feed_server.add("/slow", body=many(3, "s"), delay=30)
    write_config(
        tmp_path,
        [{"url": quick, "group": "g", "source": "a"}, {"url": slow, "group": "g", "source": "b"}],
        dedupe=False,  # the items look alike
    )
    run = feedmill("run", cwd=tmp_path)
    try:
        wait_for(lambda: _post_count(tmp_path) >= 3)
        run.send_signal(sig)
        out, err = run.communicate(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 128 + sig, err
    assert "feeds: 1 ok, 0 unchanged, 0 failed, 1 not reached" in out
    assert "Traceback" not in err
    feed_server.add("/slow", body=many(3, "s"))  # answering in time now
    complete_the_work(tmp_path, 6)


def test_a_daemon_whose_stderr_is_gone_still_stops_cleanly_on_sigterm(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Its log reader went away (`2>&1 | head`, a restarted collector): the
    handler's message raised in the middle of the main thread, and the stop
    it was to request was never made."""
    with daemon_posting_two(tmp_path, feed_server) as (daemon, _):
        assert daemon.stderr is not None
        daemon.stderr.close()  # nobody reads it any more
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)
    assert daemon.returncode == 0


def test_a_daemon_says_what_it_could_not_remove_after_each_pass(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    with daemon_posting_two(tmp_path, feed_server) as (daemon, _):
        # A post taken back whose file cannot go (a folder in its place).
        with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
            (name,) = db.execute("SELECT file_name FROM posts LIMIT 1").fetchone()
            db.execute("UPDATE posts SET state = 'retracted' WHERE file_name = ?", (name,))
        post = tmp_path / "source" / "_posts" / name
        post.unlink()
        (post / "in the way").mkdir(parents=True)
        hits = feed_server.hits["/feed"]
        wait_for(lambda: feed_server.hits["/feed"] >= hits + 2)  # the daemon goes on
        _, err = stop_cleanly(daemon)
    assert re.search(rf"^\S+ \S+ note {re.escape(name)}, a post taken back", err, re.M), err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("delay", [0.1, 0.3, 0.6, 1.0])
def test_a_signal_in_a_daemons_first_second_stops_it_cleanly(
    tmp_path: Path, feed_server: FeedServer, delay: float, sig: signal.Signals
) -> None:
    """Ctrl-C or SIGTERM while the daemon still imports and starts: noted,
    and the first pass stops as it begins, exit 0 as any daemon's stop.
    Raised in an import, Python could swallow a Ctrl-C and the daemon ran on;
    and a SIGTERM between the imports and the command's start met the
    default action (killed by the signal), or ended it 143.  Only in
    Python's own start-up, before feedmill's first line, is the signal's
    default action what ends it."""
    url = feed_server.add("/feed", body=many(2))
    write_config(tmp_path, [{"url": url, "group": "g", "source": "a"}], interval="1s")
    with ended(feedmill("run", "--every", "1s", cwd=tmp_path, session=True)) as daemon:
        time.sleep(delay)
        os.killpg(daemon.pid, sig)  # as a terminal or a service manager sends it
        _, err = daemon.communicate(timeout=60)  # it stops: it does not run on
    if daemon.returncode == -sig:  # before Python reached feedmill's first line
        assert "feedmill" not in err, err
    else:
        assert daemon.returncode == 0 and "Traceback" not in err, err


def test_a_signal_noted_before_another_command_begins_ends_it_as_the_signal_would(
    tmp_path: Path,
) -> None:
    """`status`, `search`, `add`… are not stopped the daemon's way: a signal
    noted while feedmill loaded ends them before they begin (143), and the
    default actions are theirs from then on."""
    from click.testing import CliRunner

    from feedmill.cli import adopt_noted_signals, app

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        adopt_noted_signals([signal.SIGTERM])
        result = CliRunner().invoke(app, ["status", "-c", str(tmp_path / "feedmill.yml")])
        assert result.exit_code == 128 + signal.SIGTERM, result.output
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        adopt_noted_signals([])  # nothing noted: the command runs
        result = CliRunner().invoke(app, ["status", "-c", str(tmp_path / "feedmill.yml")])
        assert result.exit_code != 128 + signal.SIGTERM, result.output
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["run", "--help"],
        ["publish", "-h"],
        [],
        ["nosuch"],
        # `run` and `publish` that end before any pass could heed it:
        ["run", "--every", "bogus", "-c", "missing.yml"],
        ["run", "-c", "missing.yml"],
        ["publish", "-c", "missing.yml"],
    ],
)
def test_a_signal_noted_before_help_version_or_a_usage_error_ends_them_as_it_would(
    monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    """No command begins for these (`app` is not called), or none that takes
    the signals over: one noted while feedmill loaded went unheeded (exit 0,
    or the command's own 2)."""
    from feedmill.cli import adopt_noted_signals, main

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    monkeypatch.setattr(sys, "argv", ["feedmill", *args])
    try:
        adopt_noted_signals([signal.SIGTERM])
        with pytest.raises(SystemExit) as done:
            main()
        assert done.value.code == 128 + signal.SIGTERM
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        adopt_noted_signals([])
        with pytest.raises(SystemExit) as done:
            main()
        assert done.value.code in (0, 2)  # as without a signal
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


# SIGTERM to itself as the run closes its Mill (the pool shut down, then the
# site's lock released): after the pass, before the command ends.
CLOSING_HOOK = """
import os, signal
from feedmill import pipeline

teardown = pipeline.Mill._teardown

def signalled(self):
    os.kill(os.getpid(), signal.SIGTERM)
    teardown(self)

pipeline.Mill._teardown = signalled
"""


@pytest.mark.parametrize("command", ["run", "publish"])
def test_a_signal_as_a_command_closes_ends_it_after_the_lock_is_released(
    tmp_path: Path, command: str
) -> None:
    """The pass done, its stop handler gone: a signal while the pool shut down
    ended the process by the signal itself, the site's lock file left with
    its pid.  Now it ends the command as it leaves (143), the lock released."""
    (tmp_path / "a.xml").write_bytes(many(2))
    write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "a"}])
    if command == "publish":
        assert cli("run", "-c", tmp_path / "feedmill.yml").code == 0
    process = feedmill(command, cwd=tmp_path, env=hooked(tmp_path, CLOSING_HOOK))
    _, err = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, (process.returncode, err)
    assert "Traceback" not in err
    lock = tmp_path / "source" / "_posts" / ".feedmill.lock"
    assert not lock.exists() or lock.read_text() == ""  # released: emptied, then closed
    assert len(posts(tmp_path)) == 2
    complete_the_work(tmp_path, 2)


# As CLOSING_HOOK (the signal FM_SIGNAL), and then a teardown that hangs (a
# worker that does not end).
HANGING_HOOK = """
import os, pathlib, signal, time
from feedmill import pipeline

def hanging(self):
    os.kill(os.getpid(), getattr(signal, os.environ["FM_SIGNAL"]))
    pathlib.Path(os.environ["FM_CLOSING"]).touch()
    time.sleep(120)

pipeline.Mill._teardown = hanging
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_a_second_signal_as_a_command_closes_stops_it_at_once(
    tmp_path: Path, sig: signal.Signals
) -> None:
    """The first signal at the end is noted (the command ends 143 once its
    lock is released); a second ends it at once, by the signal itself: a
    teardown that hangs is not waited for (a second Ctrl-C raised inside the
    pool's shutdown left its workers waiting, and the exit with them)."""
    (tmp_path / "a.xml").write_bytes(many(2))
    write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "a"}])
    closing = tmp_path / "closing"
    env = hooked(tmp_path, HANGING_HOOK, FM_CLOSING=str(closing), FM_SIGNAL=sig.name)
    with ended(feedmill("run", cwd=tmp_path, env=env)) as process:
        wait_for(closing.exists)
        process.send_signal(sig)
        _, err = process.communicate(timeout=60)
    assert process.returncode == -sig, err
    assert len(posts(tmp_path)) == 2
    complete_the_work(tmp_path, 2)


BUSY_HOOK = """
import os, pathlib, signal, time
from feedmill import worker

real = worker.handle

def busy(job):
    os.kill(os.getpid(), getattr(signal, os.environ["FM_SIGNAL"]))
    pathlib.Path(os.environ["FM_BUSY"]).touch()
    time.sleep(120)  # a large feed's writes
    return real(job)

worker.handle = busy
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_a_second_signal_mid_pass_stops_it_at_once(tmp_path: Path, sig: signal.Signals) -> None:
    """A second Ctrl-C raised a KeyboardInterrupt, which waited for the
    writes under way (10 s for a feed of 50,000 items) as the first did; it
    stops at once, as a second SIGTERM does, and the next run completes."""
    (tmp_path / "a.xml").write_bytes(many(2))
    write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "a"}])
    busy = tmp_path / "busy"
    env = hooked(tmp_path, BUSY_HOOK, FM_BUSY=str(busy), FM_SIGNAL=sig.name)
    with ended(feedmill("run", "--workers", "1", cwd=tmp_path, env=env)) as process:
        wait_for(busy.exists)
        process.send_signal(sig)
        _, err = process.communicate(timeout=60)
    assert process.returncode == -sig, err
    assert not posts(tmp_path)
    complete_the_work(tmp_path, 2)


STOP_IN_PUBLISH_HOOK = """
import os, signal
from feedmill import pipeline

real = pipeline.Mill._compose

def compose(self, batch, use_pool):
    os.kill(os.getpid(), signal.SIGTERM)  # as the first batch is rendered
    return real(self, batch, use_pool)

pipeline.Mill._compose = compose
"""


def test_a_publish_cut_short_says_what_it_left_to_write(tmp_path: Path) -> None:
    """Posts a restyle had still to rewrite when a stop came were counted
    unchanged (then "updated" by the next pass), nothing said of them."""
    (tmp_path / "a.xml").write_bytes(many(300))
    write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "a"}])
    first = subprocess.run(
        [sys.executable, "-m", "feedmill", "run"], cwd=tmp_path, capture_output=True, text=True
    )
    assert "posts: 300 new" in first.stdout, first.stderr
    write_config(
        tmp_path, [{"url": "a.xml", "group": "新组", "source": "a"}]
    )  # every post restyled
    env = hooked(tmp_path, STOP_IN_PUBLISH_HOOK)
    with ended(feedmill("run", cwd=tmp_path, env=env)) as process:
        out, err = process.communicate(timeout=120)
    assert process.returncode == 143, err
    # One batch of 256 written; the rest said as left, not as unchanged.
    assert (
        "posts: 0 new, 256 updated, 0 unchanged · 44 left to write (stopped; written next time)"
        in out
    )
    again = subprocess.run(
        [sys.executable, "-m", "feedmill", "run"], cwd=tmp_path, capture_output=True, text=True
    )
    assert "posts: 0 new, 44 updated, 256 unchanged" in again.stdout, again.stderr
    assert all("\n - 新组\n" in text for text in posts(tmp_path).values())


def test_a_signal_that_comes_as_feedmill_takes_the_noting_over_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Noted by `__main__`'s handlers while feedmill loaded, then by its own:
    one that came just after the handlers changed was overwritten by the
    list of those noted before."""
    from feedmill import cli

    installed = signal.signal
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}

    def delivered_at_once(sig: int, handler: Any) -> Any:
        previous = installed(sig, handler)
        if sig == signal.SIGINT and handler is cli._note_signal:
            handler(signal.SIGINT, None)  # Ctrl-C, the moment it is the handler
        return previous

    monkeypatch.setattr(signal, "signal", delivered_at_once)
    try:
        cli.adopt_noted_signals([signal.SIGTERM])
        assert cli._NOTED_SIGNALS == [signal.SIGTERM, signal.SIGINT]
    finally:
        monkeypatch.undo()
        cli._NOTED_SIGNALS.clear()
        for sig, handler in before.items():
            signal.signal(sig, handler)


def test_an_edit_that_keeps_the_configs_size_and_time_is_seen(tmp_path: Path) -> None:
    """`cp -p`, `rsync -a` or `tar x` of an edit of the same length keep the
    file's modification time: the daemon compared that and the size only,
    and kept the old config."""
    import os

    from feedmill.cli import _stamp

    path = tmp_path / "feedmill.yml"
    path.write_text("interval: 15m\n", encoding="utf-8")
    before = _stamp(path)
    kept = os.stat(path)
    edited = tmp_path / "edited.yml"
    edited.write_text("interval: 30m\n", encoding="utf-8")  # the same length
    os.replace(edited, path)  # as rsync puts a file in place
    os.utime(path, ns=(kept.st_atime_ns, kept.st_mtime_ns))
    assert os.stat(path).st_mtime_ns == kept.st_mtime_ns and path.stat().st_size == kept.st_size
    assert _stamp(path) != before
    assert _stamp(path) == _stamp(path)  # and nothing else counts as an edit


def unreachable_database(postgres_url: str, sockets: Path) -> tuple[str, str, Path]:
    """A new database on the tests' PostgreSQL server: its URL through
    ``sockets`` (an empty folder: no server there yet), its URL as the server
    is reached, and the server's socket."""
    from sqlalchemy.engine import make_url

    from support.postgres import new_database

    sockets.mkdir()
    server = make_url(new_database(postgres_url))
    found = next(Path(str(server.query["host"])).glob(".s.PGSQL.*"))
    away = server.update_query_dict({"host": str(sockets)})
    return away.render_as_string(hide_password=False), str(server), found


def said(log: Path, text: str) -> bool:
    return log.exists() and text in log.read_text(encoding="utf-8")


@contextlib.contextmanager
def waiting_daemon(
    tmp_path: Path, feed_server: FeedServer, state: str
) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """A daemon every second over one feed of two items, its state database
    ``state`` not there yet, once it has said so: (the daemon, its stderr's file)."""
    with daemon_on(tmp_path, feed_server, state) as (daemon, log):
        wait_for(lambda: said(log, "start failed (1 in a row, trying again in 1s)"))
        yield daemon, log


@contextlib.contextmanager
def daemon_on(
    tmp_path: Path, feed_server: FeedServer, state: str
) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """A daemon every second over one feed of two items, its state database
    ``state``: (the daemon, its stderr's file)."""
    url = feed_server.add("/feed", body=many(2))
    write_config(tmp_path, [{"url": url, "group": "g", "source": "a"}], state=state)
    log = tmp_path / "err.txt"
    with log.open("w") as errors:
        daemon = feedmill("run", "--every", "1s", cwd=tmp_path, stderr=errors)
        with ended(daemon):
            yield daemon, log


def test_a_daemon_started_before_its_database_server_waits_for_it(
    tmp_path: Path, feed_server: FeedServer, postgres_url: str
) -> None:
    """A daemon that boots before its PostgreSQL server (one compose file,
    one machine's services) tried once and exited 1: with systemd's
    Restart=no or a container's restart policy off, the blog stopped until
    someone looked. It says why, tries again, and starts once the server
    answers."""
    state, _, socket = unreachable_database(postgres_url, tmp_path / "sock")
    with waiting_daemon(tmp_path, feed_server, state) as (daemon, log):
        # A cron run on the site meanwhile (held up by the same database):
        # the waiting daemon is not ended by it as one too many.
        cron = SiteLock(tmp_path / "source" / "_posts", tmp_path)
        cron.acquire()
        try:
            wait_for(lambda: said(log, "SiteBusy: another feedmill"))
        finally:
            cron.release()
        assert daemon.poll() is None and posts(tmp_path) == {}
        (tmp_path / "sock" / socket.name).symlink_to(socket)  # the server is up
        wait_for(lambda: len(posts(tmp_path)) == 2)
        daemon.send_signal(signal.SIGTERM)
        out, _ = daemon.communicate(timeout=60)
    assert daemon.returncode == 0
    err = log.read_text(encoding="utf-8")
    assert "start failed (1 in a row, trying again in 1s): cannot open the state database" in err
    assert "No such file or directory" in err  # the driver's reason
    # One line an attempt, libpq's hint on it too.
    failures = [line for line in err.splitlines() if "start failed" in line]
    assert "Is the server running" in failures[0], err
    assert not any(line[:1].isspace() for line in err.splitlines()), err
    assert "Traceback" not in err
    assert "posts: 2 new" in out


def test_a_daemon_waiting_for_its_database_takes_up_an_edit_and_stops_on_sigterm(
    tmp_path: Path, feed_server: FeedServer, postgres_url: str
) -> None:
    state, reachable, _ = unreachable_database(postgres_url, tmp_path / "sock")
    url = feed_server.add("/feed", body=many(2))
    feeds = [{"url": url, "group": "g", "source": "a"}]
    write_config(tmp_path, feeds, state=state)
    log = tmp_path / "err.txt"
    with log.open("w") as errors:
        daemon = feedmill("run", "--every", "1s", cwd=tmp_path, stderr=errors)
        with ended(daemon):
            wait_for(lambda: said(log, "start failed (1 in a row"))
            # The user points it at the server's real socket folder.
            write_config(tmp_path, feeds, state=reachable)
            wait_for(lambda: len(posts(tmp_path)) == 2)
            out, _ = stop_cleanly(daemon)
        assert f"reloaded {tmp_path / 'feedmill.yml'}\n" in out and "posts: 2 new" in out
    # Stopped while it waits: at once, as a daemon's normal end.
    write_config(tmp_path, feeds, state=state)
    with log.open("w") as errors:
        daemon = feedmill("run", "--every", "1h", cwd=tmp_path, stderr=errors)
        with ended(daemon):
            wait_for(lambda: said(log, "start failed (1 in a row, trying again in 5s)"))
            daemon.send_signal(signal.SIGTERM)
            daemon.communicate(timeout=60)
    assert daemon.returncode == 0
    assert "SIGTERM: stopping; it had not started" in log.read_text(encoding="utf-8")


def test_a_daemon_whose_database_is_not_created_yet_waits_for_it(
    tmp_path: Path, feed_server: FeedServer, postgres_url: str
) -> None:
    """The server answers but the database is not there yet (a container's
    init script still running): waited for, as a server still booting is."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from support.postgres import new_database

    url = make_url(new_database(postgres_url))
    later = f"{url.database}_later"
    state = url.set(database=later).render_as_string(hide_password=False)
    with waiting_daemon(tmp_path, feed_server, state) as (daemon, log):
        assert daemon.poll() is None and posts(tmp_path) == {}
        admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{later}"'))
        admin.dispose()
        wait_for(lambda: len(posts(tmp_path)) == 2)
        out, _ = stop_cleanly(daemon)
    err = log.read_text(encoding="utf-8")
    assert f'database "{later}" does not exist' in err, err
    assert "Traceback" not in err and "posts: 2 new" in out


def test_a_daemon_whose_postgresql_database_lost_its_schema_waits_for_it(
    tmp_path: Path, feed_server: FeedServer, postgres_url: str
) -> None:
    """Dropped and made again under it (a reset, a restore begun): every pass
    failed "UndefinedTable: relation alembic_version" — it says what is
    missing and waits; not built again by the daemon (a restore's tables
    would collide with the new ones, and load nothing). Put back, it goes on."""
    from sqlalchemy import create_engine, text

    from feedmill.store.database import open_database

    from support.postgres import new_database

    state = new_database(postgres_url)
    with daemon_on(tmp_path, feed_server, state) as (daemon, log):
        wait_for(lambda: len(posts(tmp_path)) == 2)
        admin = create_engine(state)
        with admin.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        admin.dispose()
        feed_server.add("/feed", body=many(3))
        wait_for(lambda: "holds no schema" in " ".join(log.read_text("utf-8").split()), 90, log)
        assert len(posts(tmp_path)) == 2 and daemon.poll() is None
        # An edit of the config meanwhile builds none either (it did, and the
        # restore after it failed on every table).
        config = tmp_path / "feedmill.yml"
        config.write_text(config.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
        wait_for(lambda: "config not reloaded" in log.read_text("utf-8"), 90)
        assert len(posts(tmp_path)) == 2 and daemon.poll() is None
        open_database(state).dispose()  # (a restore puts the tables back)
        wait_for(lambda: len(posts(tmp_path)) == 3, timeout=90)
        stop_cleanly(daemon)
    err = " ".join(log.read_text(encoding="utf-8").split())
    assert "the state database holds no schema (dropped and made again, or being restored?)" in err
    assert err.count("UndefinedTable") <= 1  # (a pass in flight as it went, at most)


@pytest.mark.parametrize("refused", ["its right to connect", "the role itself"])
def test_a_role_the_database_refuses_ends_a_daemon_at_once(
    tmp_path: Path, postgres_url: str, refused: str
) -> None:
    """Waiting gives a role neither the right to connect nor its existence (nor
    a right password): said, exit 1 — a missing role was "start failed …
    trying again in 20s" for ever."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from support.postgres import new_database

    url = make_url(new_database(postgres_url))
    role = f"r_{url.database}"
    if refused == "its right to connect":
        admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
            conn.execute(text(f'REVOKE CONNECT ON DATABASE "{url.database}" FROM PUBLIC'))
        admin.dispose()
        said = "permission denied for database"
    else:
        said = f'role "{role}" does not exist'
    (tmp_path / "a.xml").write_bytes(rss("源", [Item("一", guid="1")]))
    state = url.set(username=role).render_as_string(hide_password=False)
    config = write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "源"}], state=state)
    result = cli("run", "-c", str(config), "--every", "1s")
    assert result.code == 1, result.stderr
    assert said in result.stderr
    assert "start failed" not in result.stderr


def test_a_config_saved_in_pieces_is_read_once_whole(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """An editor that saves in place writes the file in pieces, and a piece
    can be a valid config of its first feeds alone: a daemon that read it
    then took the others for removed — the story of one passed to another
    feed's copy, and its own post deleted for good."""
    story = "<p>" + "沪深两市成交额突破一万亿元，市场情绪明显回暖，券商板块领涨。" * 20 + "</p>"
    a = feed_server.add(
        "/a", body=rss("源甲", [Item(title="两市成交破万亿", guid="a1", html=story)])
    )
    b = feed_server.add(
        "/b", body=rss("源乙", [Item(title="两市成交破万亿", guid="b1", html=story)])
    )
    head = "site: .\nstate: .feedmill/state.db\ninterval: 1s\nfeeds:\n"
    first = f"  - url: {a}\n    group: g\n    source: 甲\n"
    second = f"  - url: {b}\n    group: g\n    source: 乙\n"
    config = tmp_path / "feedmill.yml"
    config.write_text(head + second, encoding="utf-8")
    assert cli("run", "-c", str(config)).code == 0
    (original,) = posts(tmp_path)  # 乙's, the story's first telling
    config.write_text(head + first + second, encoding="utf-8")
    with ended(feedmill("run", "--every", "1s", cwd=tmp_path)) as daemon:
        wait_for(lambda: _stored_entries(tmp_path) == 2)  # 甲's copy stored, held back
        for _ in range(4):  # each piece stands for less than a second
            with config.open("r+", encoding="utf-8") as file:
                file.truncate()
                file.write(head + first)  # a valid config: 甲 alone
                file.flush()
                time.sleep(0.6)
                file.write(second)
                file.flush()
            time.sleep(0.6)
        time.sleep(3)  # settled, read, and a pass run with it
        _, err = stop_cleanly(daemon)
    assert "no longer in the config" not in err, err
    assert list(posts(tmp_path)) == [original]


def test_a_daemon_s_log_says_when_it_started_and_with_what(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    from feedmill import __version__

    with daemon_posting_two(tmp_path, feed_server) as (daemon, _):
        out, _ = stop_cleanly(daemon)
    first = out.splitlines()[0]
    assert re.fullmatch(
        rf"\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d started \(feedmill {re.escape(__version__)}\): "
        rf"1 feed of .*feedmill\.yml, a pass at least every 1s",
        first,
    ), first


def test_a_daemon_started_under_nohup_outlives_a_hangup(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """`nohup feedmill run --every …`: SIGHUP, ignored when it began, stays so."""
    url = feed_server.add("/feed", body=many(2))
    write_config(tmp_path, [{"url": url, "group": "g", "source": "a"}], interval="1s")
    with ended(feedmill("run", "--every", "1s", cwd=tmp_path, nohup=True)) as daemon:
        wait_for(lambda: len(posts(tmp_path)) == 2)
        daemon.send_signal(signal.SIGHUP)
        time.sleep(1.5)
        assert daemon.poll() is None
        _, err = stop_cleanly(daemon)
    assert "SIGHUP" not in err


def test_a_stop_while_a_saved_config_settles_reads_none_of_it(tmp_path: Path) -> None:
    """Stopped while it waited for a config being saved: the file may be a
    piece of the new one (its first feeds alone), and a pass run with it
    took the others for removed."""
    from feedmill import cli as cli_module
    from feedmill.config import load_config
    from feedmill.stopflag import StopFlag

    config_path = write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "a"}])
    config = load_config(config_path)
    stamp = cli_module._stamps(config)

    class Mill:
        stopping = StopFlag()
        options = None

        def reconfigure(self, fresh: object) -> None:
            raise AssertionError("a piece of a config applied")

    mill = Mill()
    config_path.write_text("site: .\nfeeds: []\n", encoding="utf-8")  # being saved
    mill.stopping.set()
    assert cli_module._reloaded(mill, config, stamp) == (config, stamp)


def test_a_config_time_ahead_of_the_clock_is_no_save_under_way(tmp_path: Path) -> None:
    """Copied with its time from a machine whose clock runs fast (`rsync -a`):
    it looked just changed, and every reload waited the full 30 s."""
    from feedmill import cli as cli_module
    from feedmill.config import load_config

    config = load_config(write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "a"}]))
    just_now = cli_module._stamps(config)
    assert cli_module._changed_within(just_now, 60)
    ahead = time.time() + 3600
    os.utime(config.path, (ahead, ahead))
    assert not cli_module._changed_within(cli_module._stamps(config), 60)


def test_a_daemon_on_a_database_it_may_not_write_ends(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A read-only database stays unusable: a daemon ends on it, as on a
    newer schema, instead of failing a pass every few seconds for good."""
    url = feed_server.add("/feed", body=many(2))
    settings = {"interval": "1s"}
    write_config(tmp_path, [{"url": url, "group": "g", "source": "a"}], **settings)
    assert cli("run", "-c", str(tmp_path / "feedmill.yml")).code == 0
    feed_server.add("/feed", body=many(3))  # something to store
    database = tmp_path / ".feedmill" / "state.db"
    read_only = f"sqlite:///file:{database}?mode=ro&uri=true"
    write_config(tmp_path, [{"url": url, "group": "g", "source": "a"}], state=read_only, **settings)
    with ended(feedmill("run", "--every", "1s", "--all", cwd=tmp_path)) as daemon:
        _, err = daemon.communicate(timeout=60)
    assert daemon.returncode == 1, err
    assert "readonly database" in err and "pass failed" not in err, err


def test_a_daemon_whose_schema_a_newer_feedmill_upgraded_ends(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A newer feedmill's `status` or `search` upgraded the schema under a
    running daemon, which went on writing to tables it did not know: it
    ends, saying why, at its next pass."""
    url = feed_server.add("/feed", body=many(2))
    write_config(tmp_path, [{"url": url, "group": "g", "source": "a"}], interval="1s")
    database = tmp_path / ".feedmill" / "state.db"
    with ended(feedmill("run", "--every", "1s", "--all", cwd=tmp_path)) as daemon:
        wait_for(lambda: len(posts(tmp_path)) == 2)
        with contextlib.closing(sqlite3.connect(database)) as conn, conn:
            conn.execute("UPDATE alembic_version SET version_num = '9999_newer'")
        feed_server.add("/feed", body=many(3))  # what a pass would write
        _, err = daemon.communicate(timeout=60)
    assert daemon.returncode == 1, err
    assert "its schema changed under this feedmill (to 9999_newer" in err, err
    assert len(posts(tmp_path)) == 2


def test_a_schema_version_that_cannot_be_read_fails_the_pass_only(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A lock held on `alembic_version` (PostgreSQL's LOCK TABLE), or the table
    unreadable, read as "no schema": the daemon ended, told a newer feedmill
    had upgraded its database.  A pass that fails is retried."""
    from feedmill.config import load_config
    from feedmill.pipeline import Mill
    from feedmill.store.database import SchemaMissing, StoreError

    url = feed_server.add("/feed", body=many(2))
    config = write_config(tmp_path, [{"url": url, "group": "g", "source": "a"}])
    assert cli("run", "-c", str(config)).code == 0
    with Mill(load_config(config)) as mill:
        database = tmp_path / ".feedmill" / "state.db"
        with contextlib.closing(sqlite3.connect(database)) as conn, conn:
            conn.execute("ALTER TABLE alembic_version RENAME TO away")
        try:
            with pytest.raises(SchemaMissing):  # (a pass's failure, waited out)
                mill.run()
        except StoreError as exc:  # pragma: no cover - what it was
            pytest.fail(f"ended as a newer schema: {exc}")
        finally:
            with contextlib.closing(sqlite3.connect(database)) as conn, conn:
                conn.execute("ALTER TABLE away RENAME TO alembic_version")
        mill.run()  # back: the next pass runs
        # Emptied (by hand): no revision read, none to say is newer.
        with contextlib.closing(sqlite3.connect(database)) as conn, conn:
            (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            conn.execute("DELETE FROM alembic_version")
        mill.run()
        with contextlib.closing(sqlite3.connect(database)) as conn, conn:
            conn.execute("INSERT INTO alembic_version VALUES (?)", (revision,))


def test_a_daemon_given_a_feed_where_it_moved_follows_the_move_into_the_config(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """`--feed` names a feed where `status` shows it moved; then feedmill.yml
    follows the move: the same feed — the reload was refused for good."""
    old = feed_server.add("/old", status=301, headers={"Location": "/new"})
    new = feed_server.add("/new", body=many(2))
    settings = {"interval": "1s", "fetch": {"allow_private": True}}
    write_config(tmp_path, [{"url": old, "group": "g", "source": "a"}], **settings)
    for _ in range(3):  # three 301s: the move is adopted
        assert cli("run", "-c", str(tmp_path / "feedmill.yml")).code == 0
    with ended(feedmill("run", "--every", "1s", "--feed", new, cwd=tmp_path)) as daemon:
        hits = feed_server.hits["/new"]
        wait_for(lambda: feed_server.hits["/new"] > hits)
        write_config(tmp_path, [{"url": new, "group": "g", "source": "a"}], **settings)
        feed_server.add("/new", body=many(3))
        wait_for(lambda: len(posts(tmp_path)) == 3)
        out, err = stop_cleanly(daemon)
    assert "config not reloaded" not in err and "reloaded" in out, err
    assert feed_server.hits["/old"] == 3
    assert_consistent(tmp_path, 3)


def test_a_daemon_given_a_feed_by_its_old_url_follows_a_moved_from_edit(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A daemon's `--feed OLD`, then feedmill.yml moves the feed
    (`moved_from: OLD`): the same feed, its history kept — the reload was
    refused ("--feed … is no longer in it"), and the daemon polled the old
    URL until it was started again."""
    old = feed_server.add("/old", body=many(2))
    new = feed_server.add("/new", body=many(3))
    settings = {"interval": "1s", "fetch": {"allow_private": True}}
    write_config(tmp_path, [{"url": old, "group": "g", "source": "a"}], **settings)
    with ended(feedmill("run", "--every", "1s", "--feed", old, cwd=tmp_path)) as daemon:
        wait_for(lambda: len(posts(tmp_path)) == 2)
        moved = {"url": new, "moved_from": old, "group": "g", "source": "a"}
        write_config(tmp_path, [moved], **settings)
        wait_for(lambda: len(posts(tmp_path)) == 3)
        out, err = stop_cleanly(daemon)
    assert "config not reloaded" not in err and "reloaded" in out, err
    assert_consistent(tmp_path, 3)


# Each pass says the collector's young generation as it begins, and how
# many objects it leaves out of its collections (frozen).
PACE_HOOK = """
import gc, sys
from feedmill import pipeline

run = pipeline.Mill.run

def said(self, *args, **kwargs):
    print(f"frozen {gc.get_freeze_count()}", file=sys.stderr, flush=True)
    print(f"young generation {gc.get_threshold()[0]}", file=sys.stderr, flush=True)
    return run(self, *args, **kwargs)

pipeline.Mill.run = said
"""


def test_a_daemon_goes_back_to_pythons_collection_pace_after_its_first_pass(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """The start's lazy pace (see gcpace), kept for a daemon's life, had its
    main process grow ~2 MiB per 100 passes of the soak benchmark."""
    from feedmill.gcpace import START_YOUNG

    url = feed_server.add("/a", body=many(2))
    write_config(tmp_path, [{"url": url, "group": "g", "source": "a"}], interval="1s")
    daemon = feedmill("run", "--every", "1s", cwd=tmp_path, env=hooked(tmp_path, PACE_HOOK))
    with ended(daemon):
        wait_for(lambda: len(posts(tmp_path)) == 2)
        time.sleep(3)
        _, err = stop_cleanly(daemon)
    paces = [int(line.split()[-1]) for line in err.splitlines() if "young generation" in line]
    assert len(paces) >= 2, err
    assert paces[0] == START_YOUNG and all(pace < START_YOUNG for pace in paces[1:]), paces
    # What the start loaded is left out of the first pass's collections only:
    # a later config read anew must be collectable once the old one is gone.
    frozen = [int(line.split()[-1]) for line in err.splitlines() if line.startswith("frozen")]
    assert frozen[0] > 10_000 and not any(frozen[1:]), frozen


def test_pythons_pace_given_back_is_the_one_the_start_found() -> None:
    """A program that runs a daemon in its own process keeps its own pace."""
    import gc

    from feedmill import gcpace

    was = gc.get_threshold()
    try:
        gc.set_threshold(12345, 10, 10)
        gcpace.for_long_life()  # no start of ours: nothing to give back
        assert gc.get_threshold() == (12345, 10, 10)
        gcpace.for_start()
        assert gc.get_threshold() == (gcpace.START_YOUNG, 10, 10)
        gcpace.for_long_life()
        assert gc.get_threshold() == (12345, 10, 10)
        # A one-shot command gives nothing back; a daemon after it, the pace
        # the first start found.
        gcpace.for_start()
        gcpace.for_start()
        gcpace.for_long_life()
        assert gc.get_threshold() == (12345, 10, 10)
        # … but a pace the program set between two starts is its own.
        gcpace.for_start()
        gc.set_threshold(23456, 9, 9)
        gcpace.for_start()
        gcpace.for_long_life()
        assert gc.get_threshold() == (23456, 9, 9)
    finally:
        gc.set_threshold(*was)


def test_a_program_that_froze_its_objects_keeps_its_freeze_through_a_run(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Freezes do not nest: a run that thawed its own thawed the program's too."""
    import gc

    url = feed_server.add("/a", body=many(2))
    write_config(tmp_path, [{"url": url, "group": "g", "source": "a"}])
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert cli("run", "-c", str(tmp_path / "feedmill.yml")).code == 0
        # (Frozen objects that are freed leave the count: it need not stay the same.)
        assert len(posts(tmp_path)) == 2 and gc.get_freeze_count() > frozen // 2 > 0
    finally:
        gc.unfreeze()


def test_a_run_leaves_what_it_loaded_out_of_its_passs_collections_and_thaws_it(
    tmp_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Frozen for the pass (see gcpace), thawed when the command ends: a
    program running commands in its own process gets its collector back."""
    import gc

    from feedmill import pipeline

    seen: list[int] = []
    run = pipeline.Mill.run

    def counted(self: pipeline.Mill, *args: Any, **kwargs: Any) -> Any:
        seen.append(gc.get_freeze_count())
        return run(self, *args, **kwargs)

    monkeypatch.setattr(pipeline.Mill, "run", counted)
    url = feed_server.add("/a", body=many(2))
    write_config(tmp_path, [{"url": url, "group": "g", "source": "a"}])
    assert gc.get_freeze_count() == 0
    assert cli("run", "-c", str(tmp_path / "feedmill.yml")).code == 0
    assert len(posts(tmp_path)) == 2
    assert seen and seen[0] > 10_000, seen
    assert gc.get_freeze_count() == 0


def test_the_workers_forkserver_ignores_ctrl_c_from_its_start() -> None:
    """A Ctrl-C to the group (or a second signal) while the forkserver's
    interpreter started, before its first module told it to ignore one, was
    a KeyboardInterrupt's traceback under the pass's "stopping"."""
    probe = (
        "import os, signal\n"
        "from multiprocessing import forkserver, get_context\n"
        "from feedmill.poolwatch import start_forkserver\n"
        "get_context('forkserver').set_forkserver_preload([])\n"
        "start_forkserver()\n"
        "pid = forkserver._forkserver._forkserver_pid\n"
        "status = open(f'/proc/{pid}/status').read()\n"
        "ignored = int(status.split('SigIgn:')[1].split()[0], 16)\n"
        "print(all(ignored >> (sig - 1) & 1 for sig in (signal.SIGINT, signal.SIGHUP)))\n"
        "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.stdout.split() == ["True", "True"], done.stderr  # (this process: as it was)
