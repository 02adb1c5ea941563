"""Retention: old posts leave source/_posts for an archive Hexo does not read;
nothing is deleted, nothing comes back by itself, a rebuild restores."""

from __future__ import annotations

import collections.abc
import contextlib
import json
import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from support import hexo
from support.feeds import Item, rss
from support.server import FeedServer, Route
from support.site import cli, fill_the_disk_after, owe_a_rebuild, posts, write_config

NOW = datetime.now(UTC).replace(microsecond=0)


def items(ages_in_days: list[int], title: str = "新闻") -> list[Item]:
    return [
        Item(
            f"{title}{age}天前",
            html=f"<p>第{age}条</p>",
            guid=str(age),
            pub_date=format_datetime(NOW - timedelta(days=age, hours=1), usegmt=True),
        )
        for age in ages_in_days
    ]


def archived(site: Path) -> list[str]:
    folder = site / "source" / "_archive"
    return sorted(p.name for p in folder.glob("*.md")) if folder.exists() else []


def recorded_the_old_way(site: Path, folders: list[str]) -> None:
    """The archive folders as versions before this one recorded them:
    relative to the posts folder's parent's parent, under another name."""
    import sqlite3

    with sqlite3.connect(site / ".feedmill" / "state.db") as db:
        db.execute("DELETE FROM meta WHERE name = 'archive_folders_in_site'")
        db.execute("INSERT INTO meta (name, value) VALUES ('archive_folders', ?)",
                   (json.dumps(folders),))  # fmt: skip


def titles(files: dict[str, str]) -> list[str]:
    return sorted(text.split("title: '", 1)[1].split("'", 1)[0] for text in files.values())


def test_max_posts_keeps_the_newest_and_archives_the_rest(tmp_path: Path) -> None:
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds, retention={"max_posts": 3})
    result = cli("run", "-c", str(config))
    assert "posts: 5 new" in result.stdout
    assert "2 archived" in result.stdout
    assert titles(posts(tmp_path)) == ["新闻0天前", "新闻1天前", "新闻2天前"]
    assert len(archived(tmp_path)) == 2
    # status counts them apart: not gone, archived.
    [row] = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert (row["posts"], row["archived"]) == (3, 2)
    assert "3 +2 archived" in cli("status", "-c", str(config)).stdout

    # The feed still lists them, even changed: they stay in the archive.
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4], title="新闻(更新)")))
    again = cli("run", "-c", str(config))
    assert "archived" not in again.stdout
    assert len(posts(tmp_path)) == 3
    assert len(archived(tmp_path)) == 2
    assert "新闻(更新)0天前" in titles(posts(tmp_path))


def test_days_archives_posts_dated_longer_ago(tmp_path: Path) -> None:
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 3, 10, 40])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds, retention={"days": 7})
    cli("run", "-c", str(config))
    assert titles(posts(tmp_path)) == ["新闻0天前", "新闻3天前"]
    assert len(archived(tmp_path)) == 2


def test_rebuild_restores_archived_posts_when_retention_allows(tmp_path: Path) -> None:
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds, retention={"max_posts": 2})
    cli("run", "-c", str(config))
    before = {**posts(tmp_path), **{n: "" for n in archived(tmp_path)}}
    assert len(posts(tmp_path)) == 2

    config = write_config(tmp_path, feeds, retention={"max_posts": 4})
    result = cli("publish", "--rebuild", "-c", str(config))
    assert result.code == 0
    assert len(posts(tmp_path)) == 4
    assert len(archived(tmp_path)) == 1
    assert set(posts(tmp_path)) | set(archived(tmp_path)) == set(before)
    # Said (it printed "5 unchanged" alone); the one that went out again is "archived".
    assert "· 2 back from the archive · 1 archived" in result.stdout

    config = write_config(tmp_path, feeds)  # no retention: everything back
    result = cli("publish", "--rebuild", "-c", str(config))
    assert set(posts(tmp_path)) == set(before)
    assert archived(tmp_path) == []
    assert "· 1 back from the archive ·" in result.stdout and "archived" not in result.stdout
    # Limits as they were: nothing comes back, nothing said.
    assert "back from the archive" not in cli("publish", "--rebuild", "-c", str(config)).stdout


@pytest.fixture
def another_disk(tmp_path: Path) -> collections.abc.Iterator[Path]:
    """A folder on another file system than the site's (a RAM disk), where
    a rename cannot go."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("no second file system here")
    folder = Path(tempfile.mkdtemp(dir=shm, prefix="feedmill-archive-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_an_archive_on_another_disk_takes_posts_and_gives_them_back(
    tmp_path: Path, another_disk: Path
) -> None:
    """`source/_archive` a link to another disk: every move failed with
    "Invalid cross-device link", every pass exit 1, and a rebuild owed for
    good kept any new item from being stored."""
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "_archive").symlink_to(another_disk)
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds, retention={"max_posts": 2})
    result = cli("run", "-c", str(config))
    assert result.code == 0, result.stderr
    assert len(posts(tmp_path)) == 2
    assert len(list(another_disk.glob("*.md"))) == 3
    config = write_config(tmp_path, feeds, retention={"max_posts": 4})
    assert cli("publish", "--rebuild", "-c", str(config)).code == 0
    assert len(posts(tmp_path)) == 4
    assert len(list(another_disk.glob("*.md"))) == 1
    assert "posts: 0 new" in cli("run", "-c", str(config)).stdout
    # What a move there cut short (a kill, a full disk) staged goes at the next pass.
    staged = another_disk / ".feedmill-tmp" / "v1新闻3天前.md"
    staged.parent.mkdir()
    staged.write_text("---\ntitle: 半")
    for command in ("run", "publish"):
        assert cli(command, "-c", str(config)).code == 0
        assert not staged.parent.exists()
        staged.parent.mkdir()
        staged.write_text("---\ntitle: 半")


def test_posts_moved_before_the_archive_fills_are_recorded_archived(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The archive's disk full after two moves: those two were recorded
    nowhere — `status` counted them on the site, none archived, pass after
    pass."""
    import errno

    from feedmill.publish import archive

    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds)
    assert cli("run", "-c", str(config)).code == 0
    real_move, done = archive.move_file, []

    def move_until_full(source: Path, target: Path) -> None:
        if len(done) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_move(source, target)
        done.append(source)

    monkeypatch.setattr(archive, "move_file", move_until_full)
    config = write_config(tmp_path, feeds, retention={"max_posts": 1})
    assert cli("run", "-c", str(config)).code == 1
    assert len(archived(tmp_path)) == 2 and len(posts(tmp_path)) == 3
    [row] = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert (row["posts"], row["archived"]) == (3, 2)


def test_archived_posts_take_a_regroup_at_the_next_rebuild(tmp_path: Path) -> None:
    """A pass rewrites the posts in source/_posts; the archive is left as it is
    (Hexo does not read it) until `publish --rebuild` (as the README says)."""
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3])))
    feeds = [{"url": "f.xml", "group": "财经", "source": "源"}]
    config = write_config(tmp_path, feeds, retention={"max_posts": 2})
    cli("run", "-c", str(config))
    folder = tmp_path / "source" / "_archive"
    assert len(archived(tmp_path)) == 2
    regrouped = [dict(feeds[0], group="宏观")]
    config = write_config(tmp_path, regrouped, retention={"max_posts": 2})
    assert cli("run", "-c", str(config)).code == 0
    assert all(" - 宏观\n" in text for text in posts(tmp_path).values())
    assert all(" - 财经\n" in (folder / n).read_text("utf-8") for n in archived(tmp_path))
    assert cli("publish", "--rebuild", "-c", str(config)).code == 0
    assert len(archived(tmp_path)) == 2
    assert all(" - 宏观\n" in (folder / n).read_text("utf-8") for n in archived(tmp_path))


def test_a_removed_feeds_archived_posts_come_back_as_the_others_do(tmp_path: Path) -> None:
    """Retention archives a removed feed's posts with the rest; a rebuild
    with room for them brought back only the configured feeds' posts."""
    (tmp_path / "a.xml").write_bytes(rss("源甲", items([0, 2, 4], title="甲")))
    (tmp_path / "b.xml").write_bytes(rss("源乙", items([1, 3, 5], title="乙")))
    both = [
        {"url": "a.xml", "group": "g", "source": "源甲"},
        {"url": "b.xml", "group": "g", "source": "源乙"},
    ]
    cli("run", "-c", str(write_config(tmp_path, both)))
    everything = set(posts(tmp_path))
    config = write_config(tmp_path, both[:1], retention={"max_posts": 2})  # 源乙 removed
    cli("run", "-c", str(config))
    assert titles(posts(tmp_path)) == ["乙1天前", "甲0天前"]

    config = write_config(tmp_path, both[:1])  # no retention: everything back
    result = cli("publish", "--rebuild", "-c", str(config))
    assert set(posts(tmp_path)) == everything and archived(tmp_path) == []
    # All four counted: the removed feed's two too (it said "2 back").
    assert "· 4 back from the archive" in result.stdout
    # Recorded as on the site: retention weighs them again.
    config = write_config(tmp_path, both[:1], retention={"max_posts": 4})
    assert "2 archived" in cli("run", "-c", str(config)).stdout
    assert len(posts(tmp_path)) == 4


def test_another_archive_folder_takes_the_archive_with_it(tmp_path: Path) -> None:
    """`retention.archive` changed: the posts archived before move there (a
    rebuild copied them into the new folder and left the old); retention
    dropped: a rebuild finds them where they are."""
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    cli("run", "-c", str(write_config(tmp_path, feeds, retention={"max_posts": 2})))
    everything = set(posts(tmp_path)) | set(archived(tmp_path))
    old = sorted(archived(tmp_path))
    assert len(old) == 3

    elsewhere = {"max_posts": 2, "archive": "source/_old"}
    config = write_config(tmp_path, feeds, retention=elsewhere)
    assert cli("run", "-c", str(config)).code == 0
    moved = tmp_path / "source" / "_old"
    assert archived(tmp_path) == [] and sorted(p.name for p in moved.glob("*.md")) == old
    assert "0 updated" in cli("publish", "--rebuild", "-c", str(config)).stdout
    assert archived(tmp_path) == [] and sorted(p.name for p in moved.glob("*.md")) == old

    config = write_config(tmp_path, feeds)  # no retention: everything back, once
    assert cli("publish", "--rebuild", "-c", str(config)).code == 0
    assert set(posts(tmp_path)) == everything
    assert list(moved.glob("*.md")) == [] and archived(tmp_path) == []


def test_a_move_of_the_archive_killed_between_copy_and_removal_leaves_one_copy(
    tmp_path: Path,
) -> None:
    """To another disk a post is copied, then its original removed: killed
    in between, both were there, and the old folder's copy was forgotten."""
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    cli("run", "-c", str(write_config(tmp_path, feeds, retention={"max_posts": 2})))
    old = archived(tmp_path)
    moved = tmp_path / "source" / "_old"
    moved.mkdir()
    shutil.copy2(tmp_path / "source" / "_archive" / old[0], moved / old[0])  # (then killed)
    config = write_config(tmp_path, feeds, retention={"max_posts": 2, "archive": "source/_old"})
    assert cli("run", "-c", str(config)).code == 0
    assert archived(tmp_path) == [] and sorted(p.name for p in moved.glob("*.md")) == old
    # … and a folder that is the other by a link keeps its one copy
    (tmp_path / "_link").symlink_to(moved, target_is_directory=True)
    config = write_config(tmp_path, feeds, retention={"max_posts": 2, "archive": "_link"})
    assert cli("run", "-c", str(config)).code == 0
    config = write_config(tmp_path, feeds, retention={"max_posts": 2, "archive": "source/_old"})
    assert cli("run", "-c", str(config)).code == 0
    assert sorted(p.name for p in moved.glob("*.md")) == old


def test_an_old_archive_folder_whose_copies_cannot_go_fails_no_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A left-behind folder not ours to write (another owner, a read-only
    mount): its copies stay, as they did, and the pass goes on."""
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    cli("run", "-c", str(write_config(tmp_path, feeds, retention={"max_posts": 2})))
    old = tmp_path / "source" / "_archive"
    shutil.copytree(old, tmp_path / "source" / "_old")
    unlink = os.unlink

    def refused(path: str | os.PathLike[str], *args: object, **kwargs: object) -> None:
        if Path(path).parent == old:
            raise PermissionError(1, "Operation not permitted", str(path))
        unlink(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "unlink", refused)
    config = write_config(tmp_path, feeds, retention={"max_posts": 2, "archive": "source/_old"})
    result = cli("run", "-c", str(config))
    assert result.code == 0, result.stderr
    assert len(list((tmp_path / "source" / "_old").glob("*.md"))) == 3


def test_an_archive_made_before_folders_were_recorded_is_taken_up(tmp_path: Path) -> None:
    """No folder recorded (an archive of an earlier version): the first pass
    records the configured one; a later setting then takes it along.  No
    other folder is looked in: a backup of source/_posts keeps its files."""
    import shutil
    import sqlite3

    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    cli("run", "-c", str(write_config(tmp_path, feeds)))
    backup = tmp_path / "source" / "_posts.bak"
    shutil.copytree(tmp_path / "source" / "_posts", backup)
    old = {"max_posts": 2, "archive": "source/_old"}
    cli("run", "-c", str(write_config(tmp_path, feeds, retention=old)))
    archived_before = sorted(p.name for p in (tmp_path / "source" / "_old").glob("*.md"))
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        db.execute("DELETE FROM meta WHERE name LIKE 'archive_folder%'")
    # Two newer items: two more posts leave in the same pass.
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4]) + items([5, 6], "快讯")))
    assert cli("run", "-c", str(write_config(tmp_path, feeds, retention=old))).code == 0
    new = {"max_posts": 2, "archive": "source/_new"}
    assert cli("run", "-c", str(write_config(tmp_path, feeds, retention=new))).code == 0
    now_archived = sorted(p.name for p in (tmp_path / "source" / "_new").glob("*.md"))
    assert set(archived_before) < set(now_archived) and len(now_archived) == 5
    assert list((tmp_path / "source" / "_old").glob("*.md")) == []
    assert len(posts(tmp_path)) == 2
    for command in (["run"], ["publish", "--rebuild"]):
        cli(*command, "-c", str(write_config(tmp_path, feeds)))
        assert len(list(backup.glob("*.md"))) == 5


def test_posts_archived_by_a_run_cut_short_follow_a_new_folder(tmp_path: Path) -> None:
    """Files moved, the run killed before it recorded them (they read as on
    the site), then another folder configured: they were marked deleted by
    hand, their files left in the first folder."""

    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    cli("run", "-c", str(write_config(tmp_path, feeds)))
    first = tmp_path / "source" / "_archive"
    first.mkdir()
    newest = ("新闻0天前", "新闻1天前")
    oldest = [name for name, text in posts(tmp_path).items() if not any(t in text for t in newest)]
    for name in oldest:  # what the killed run had moved, folder recorded first
        (tmp_path / "source" / "_posts" / name).rename(first / name)
    recorded_the_old_way(tmp_path, ["source/_archive"])
    moved = {"max_posts": 2, "archive": "source/_b"}
    config = write_config(tmp_path, feeds, retention=moved)
    assert cli("run", "-c", str(config)).code == 0
    assert sorted(p.name for p in (tmp_path / "source" / "_b").glob("*.md")) == sorted(oldest)
    [row] = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert (row["posts"], row["archived"]) == (2, 3)


@pytest.mark.parametrize(
    ("before", "after", "record"),
    [
        # Relative to `content`, the posts folder's parent's parent: read
        # against the site, the archive was lost, and a rebuild wrote it twice.
        ("content/src", "content/src", "../_arch1"),
        # The upgrade's first pass also follows a new source_dir: read against
        # the new posts folder, the old archive was forgotten, written twice.
        (None, "content/src", "_arch1"),
    ],
)
def test_archive_folders_recorded_the_old_way_are_found_after_an_upgrade(
    tmp_path: Path, before: str | None, after: str, record: str
) -> None:
    """Earlier versions recorded the archive folders relative to the posts
    folder's parent's parent, the site only for a source_dir of one level."""

    def hexo_config(source_dir: str | None) -> None:
        folder = f"source_dir: {source_dir}\n" if source_dir else ""
        (tmp_path / "_config.yml").write_text(f"title: t\n{folder}", "utf-8")

    hexo_config(before)
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    first = write_config(tmp_path, feeds, retention={"max_posts": 2, "archive": "_arch1"})
    assert cli("run", "-c", str(first)).code == 0
    old = sorted(p.name for p in (tmp_path / "_arch1").glob("*.md"))
    assert len(old) == 3
    recorded_the_old_way(tmp_path, [record])
    hexo_config(after)
    config = write_config(tmp_path, feeds, retention={"max_posts": 2, "archive": "_arch2"})
    if before == after:
        [row] = json.loads(cli("status", "-c", str(config), "--json").stdout)
        assert (row["posts"], row["archived"]) == (2, 3)
    assert cli("run", "-c", str(config)).code == 0
    assert cli("publish", "--rebuild", "-c", str(config)).code == 0
    assert list((tmp_path / "_arch1").glob("*.md")) == []
    assert sorted(p.name for p in (tmp_path / "_arch2").glob("*.md")) == old
    assert len(list((tmp_path / after / "_posts").glob("*.md"))) == 2


def test_a_rebuild_leaves_the_sites_own_folders_alone(tmp_path: Path) -> None:
    """A backup of source/_posts in a folder Hexo does not read is no archive:
    the first version of looking for archives emptied it."""
    import shutil

    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2])))
    config = write_config(tmp_path, [{"url": "f.xml", "group": "g", "source": "源"}])
    cli("run", "-c", str(config))
    backup = tmp_path / "source" / "_posts.bak"
    shutil.copytree(tmp_path / "source" / "_posts", backup)
    kept = sorted(p.name for p in backup.glob("*.md"))
    assert len(kept) == 3
    assert cli("publish", "--rebuild", "-c", str(config)).code == 0
    assert sorted(p.name for p in backup.glob("*.md")) == kept


def test_a_rebuild_with_retention_touches_no_file_that_did_not_change(tmp_path: Path) -> None:
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 10, 20, 30, 40, 50])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds, retention={"days": 25})
    cli("run", "-c", str(config))
    site_files = [*(tmp_path / "source" / "_posts").glob("*.md")]
    site_files += [*(tmp_path / "source" / "_archive").glob("*.md")]
    assert len(site_files) == 6 and len(archived(tmp_path)) == 3
    before = {p.name: p.stat().st_mtime_ns for p in site_files}
    for _ in range(2):
        result = cli("publish", "--rebuild", "-c", str(config))
        assert result.code == 0 and "posts: 0 new, 0 updated, 6 unchanged" in result.stdout
    after = [*(tmp_path / "source" / "_posts").glob("*.md")]
    after += [*(tmp_path / "source" / "_archive").glob("*.md")]
    assert {p.name: p.stat().st_mtime_ns for p in after} == before
    assert len(archived(tmp_path)) == 3


def test_a_rebuild_also_rewrites_posts_deleted_by_hand(tmp_path: Path) -> None:
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1])))
    config = write_config(tmp_path, [{"url": "f.xml", "group": "g", "source": "源"}])
    cli("run", "-c", str(config))
    before = posts(tmp_path)
    for name in before:
        os.unlink(tmp_path / "source" / "_posts" / name)
    assert cli("publish", "-c", str(config)).code == 0
    assert posts(tmp_path) == {}  # a plain publish writes only what is pending
    cli("publish", "--rebuild", "-c", str(config))
    assert posts(tmp_path) == before


def test_a_post_deleted_by_hand_stays_deleted_until_a_rebuild(tmp_path: Path) -> None:
    feed = tmp_path / "f.xml"
    feed.write_bytes(rss("源 - 要闻", items([0, 1])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds)
    cli("run", "-c", str(config))
    before = posts(tmp_path)
    gone = next(name for name, text in before.items() if "新闻1天前" in text)
    os.unlink(tmp_path / "source" / "_posts" / gone)
    # The source edits that item: its post is not written again …
    edited = items([0, 1])
    edited[1] = Item(
        edited[1].title, "<p>第1条（更正）</p>", edited[1].guid, None, edited[1].pub_date
    )
    feed.write_bytes(rss("源 - 要闻", edited))
    assert cli("run", "-c", str(config)).code == 0
    # … nor when a config change restyles every post of the feed.
    config = write_config(tmp_path, [{**feeds[0], "channel": "快讯"}])
    assert cli("run", "-c", str(config)).code == 0
    assert set(posts(tmp_path)) == set(before) - {gone}
    assert "快讯" in next(iter(posts(tmp_path).values()))  # the other one was restyled
    # A rebuild brings it back, with the item as it is now.
    assert cli("publish", "--rebuild", "-c", str(config)).code == 0
    assert "（更正）" in posts(tmp_path)[gone]


def test_a_post_deleted_by_hand_and_put_back_is_on_the_site_again(tmp_path: Path) -> None:
    """Found gone once, a post stayed gone to feedmill when its file came back:
    a folder of four posts under `max_posts: 3`, `status` counting three and
    `search` saying it was deleted by hand."""
    feed = tmp_path / "f.xml"
    feed.write_bytes(rss("源", items([1, 2, 3, 4, 5])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds, retention={"max_posts": 3})
    assert "2 archived" in cli("run", "-c", str(config)).stdout
    folder = tmp_path / "source" / "_posts"
    name = next(n for n, text in posts(tmp_path).items() if "新闻3天前" in text)
    os.rename(folder / name, tmp_path / name)  # taken off the site by hand
    edited = items([0, 1, 2, 3, 4, 5])  # … and its item edited meanwhile
    edited[3] = Item(
        edited[3].title, "<p>第3条（更正）</p>", edited[3].guid, None, edited[3].pub_date
    )
    feed.write_bytes(rss("源", edited))
    assert cli("run", "-c", str(config)).code == 0
    assert name not in posts(tmp_path) and len(posts(tmp_path)) == 3
    # Put back as it was: written again, with the edit.
    os.rename(tmp_path / name, folder / name)
    assert "（更正）" not in (folder / name).read_text(encoding="utf-8")
    feed.write_bytes(rss("源", [Item("新闻-1天前", "<p>第-1条</p>", "-1", None, None), *edited]))
    result = cli("run", "-c", str(config))
    assert result.code == 0
    assert "1 post deleted by hand is back in" in " ".join(result.stderr.split())
    assert "（更正）" in (tmp_path / "source" / "_archive" / name).read_text(encoding="utf-8")
    # On the site again: it takes its place, and the oldest leave.
    assert titles(posts(tmp_path)) == ["新闻-1天前", "新闻0天前", "新闻1天前"]
    assert name in archived(tmp_path)
    [row] = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert (row["posts"], row["archived"]) == (3, 4)
    [hit] = json.loads(cli("search", "--all", "--json", "第3条", "-c", str(config)).stdout)
    assert "deleted" not in json.dumps(hit["held_back"])
    # Said once: the next pass has nothing to take up.
    assert "deleted by hand" not in cli("run", "-c", str(config)).stderr


def test_a_post_put_back_of_a_feed_since_removed_is_on_the_site_as_it_is(
    tmp_path: Path,
) -> None:
    """Queued to be written again, it waited for good: a feed no longer in
    the config has no style to write its posts with."""
    import sqlite3

    (tmp_path / "a.xml").write_bytes(rss("甲", items([0])))
    (tmp_path / "b.xml").write_bytes(rss("乙", items([1], title="消息")))
    both = [
        {"url": "a.xml", "group": "g", "source": "甲"},
        {"url": "b.xml", "group": "g", "source": "乙"},
    ]
    config = write_config(tmp_path, both)
    assert cli("run", "-c", str(config)).code == 0
    folder = tmp_path / "source" / "_posts"
    name = next(n for n, text in posts(tmp_path).items() if "消息1天前" in text)
    text = (folder / name).read_text(encoding="utf-8")
    os.unlink(folder / name)
    edited = items([1], title="消息")
    edited[0] = Item(edited[0].title, "<p>更正</p>", edited[0].guid, None, edited[0].pub_date)
    (tmp_path / "b.xml").write_bytes(rss("乙", edited))
    assert cli("run", "-c", str(config)).code == 0  # found gone: deleted by hand
    config = write_config(tmp_path, both[:1])
    assert cli("run", "-c", str(config)).code == 0
    (folder / name).write_text(text, encoding="utf-8")
    result = cli("run", "-c", str(config))
    assert "1 post deleted by hand is back in" in " ".join(result.stderr.split())
    assert (folder / name).read_text(encoding="utf-8") == text  # as it is
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        [(state,)] = db.execute("SELECT state FROM posts WHERE file_name = ?", (name,))
    assert state == "written"


def test_posts_deleted_by_hand_take_no_place_on_the_site(tmp_path: Path) -> None:
    """`max_posts: 2` kept one post: a deleted newer post still took a place,
    and a deleted older one was counted as moved to the archive."""
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds)
    cli("run", "-c", str(config))
    for name, text in posts(tmp_path).items():
        if "新闻1天前" in text or "新闻4天前" in text:
            os.unlink(tmp_path / "source" / "_posts" / name)
    config = write_config(tmp_path, feeds, retention={"max_posts": 2})
    result = cli("run", "-c", str(config))
    assert "1 archived" in result.stdout, result.stdout
    assert titles(posts(tmp_path)) == ["新闻0天前", "新闻2天前"]
    assert [t.split("-")[0] for t in archived(tmp_path)] == ["新闻3天前"]
    [row] = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert (row["posts"], row["archived"]) == (2, 1)
    # Deleted by hand stays deleted; a rebuild brings them back, within the limit.
    assert "archived" not in cli("run", "-c", str(config)).stdout
    assert cli("publish", "--rebuild", "-c", str(config)).code == 0
    assert titles(posts(tmp_path)) == ["新闻0天前", "新闻1天前"]
    assert len(archived(tmp_path)) == 3


def test_status_counts_the_posts_on_the_site_not_those_deleted_by_hand(tmp_path: Path) -> None:
    """Posts deleted by hand, in source/_posts and in the archive, were
    counted until an edit of their item would have rewritten them."""
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds, retention={"max_posts": 3})
    assert "2 archived" in cli("run", "-c", str(config)).stdout
    os.unlink(tmp_path / "source" / "_posts" / next(iter(posts(tmp_path))))
    os.unlink(tmp_path / "source" / "_archive" / archived(tmp_path)[0])
    [row] = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert (row["posts"], row["archived"]) == (2, 1)
    assert " 2 +1 archived" in cli("status", "-c", str(config)).stdout


def test_status_counts_no_posts_in_a_folder_deleted_whole(tmp_path: Path) -> None:
    """On the site (its _config.yml there), a posts or archive folder deleted
    whole holds no posts: its database's counts were shown, the more deleted
    the more counted.  Where the site is not (another machine), they are."""
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds, retention={"max_posts": 3})
    assert "2 archived" in cli("run", "-c", str(config)).stdout
    shutil.rmtree(tmp_path / "source" / "_posts")
    [row] = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert (row["posts"], row["archived"]) == (3, 2)  # no site here: the database's
    (tmp_path / "_config.yml").write_text("title: news\n", encoding="utf-8")
    [row] = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert (row["posts"], row["archived"]) == (0, 2)
    shutil.rmtree(tmp_path / "source" / "_archive")
    [row] = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert (row["posts"], row["archived"]) == (0, 0)


def test_posts_waiting_to_be_rewritten_count_as_on_the_site(tmp_path: Path) -> None:
    """A rebuild cut short (or a restyle) leaves posts pending whose files are
    on the site: `status` said 0 posts until the next pass."""
    from sqlalchemy import create_engine, text

    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2])))
    config = write_config(tmp_path, [{"url": "f.xml", "group": "g", "source": "源"}])
    cli("run", "-c", str(config))
    engine = create_engine(f"sqlite:///{tmp_path / '.feedmill' / 'state.db'}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE posts SET state = 'pending'"))
    engine.dispose()
    [row] = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert row["posts"] == 3


def test_a_move_interrupted_before_it_was_recorded_is_completed(tmp_path: Path) -> None:
    """A crash after the rename and before the database write: the next pass records it."""
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds)
    cli("run", "-c", str(config))
    oldest = next(n for n, t in posts(tmp_path).items() if "新闻2天前" in t)
    (tmp_path / "source" / "_archive").mkdir(parents=True)
    os.replace(tmp_path / "source" / "_posts" / oldest, tmp_path / "source" / "_archive" / oldest)
    config = write_config(tmp_path, feeds, retention={"max_posts": 2})
    result = cli("run", "-c", str(config))
    assert "1 archived" in result.stdout
    assert archived(tmp_path) == [oldest]
    assert len(posts(tmp_path)) == 2


@pytest.mark.parametrize(
    ("target", "message"),
    [
        # A rebuild wrote every post there, then dropped each as an archived copy.
        ("source/_posts", "must not be inside source/_posts"),
        ("source/_posts/old", "must not be inside source/_posts"),
        ("source", "a folder in source/ must start with _"),  # (published as pages)
        ("public/_old", "must not be inside public/"),  # (`hexo clean` deleted them)
        (".", "must be a folder of its own"),
    ],
)
def test_an_archive_linked_into_a_refused_folder_is_refused_as_that_folder(
    tmp_path: Path, target: str, message: str
) -> None:
    site = tmp_path / "site"
    (site / target).mkdir(parents=True, exist_ok=True)
    (site / "_arch").symlink_to(site / target, target_is_directory=True)
    said = _archive_refused(site)
    assert (
        f"retention.archive: leads to {(site / target).resolve()} (a link there): {message}" in said
    )


def _archive_refused(site: Path) -> str:
    """What `run` says of ``site`` with its archive in `_arch`, a config error."""
    config = write_config(
        site, [{"url": "f.xml", "group": "g", "source": "s"}], retention={"archive": "_arch"}
    )
    result = cli("run", "-c", str(config))
    assert result.code == 2, result.stderr
    return " ".join(result.stderr.split())


@pytest.mark.parametrize("archive_to", ["source/_posts", "source/_posts/old"])
def test_an_archive_linked_into_posts_that_are_a_link_themselves_is_refused(
    tmp_path: Path, archive_to: str
) -> None:
    """`source/_posts` a link to a tmpfs: a link into it was taken, and a
    rebuild deleted every post as an archived copy."""
    site = tmp_path / "site"
    (site / "source").mkdir(parents=True)
    (tmp_path / "ram" / "old").mkdir(parents=True)
    (site / "source" / "_posts").symlink_to(tmp_path / "ram", target_is_directory=True)
    (site / "_arch").symlink_to(site / archive_to, target_is_directory=True)
    assert "(a link there): must not be inside source/_posts" in _archive_refused(site)


def test_an_archive_linked_to_another_disk_is_taken(tmp_path: Path) -> None:
    """(As the README says: a link to a folder outside the site, its target there or not.)"""
    site = tmp_path / "site"
    (site / "f.xml").parent.mkdir(parents=True)
    (site / "f.xml").write_bytes(rss("源", items([0, 1, 2])))
    (tmp_path / "disk" / "archive").mkdir(parents=True)
    (site / "_arch").symlink_to(tmp_path / "disk" / "archive", target_is_directory=True)
    config = write_config(
        site,
        [{"url": "f.xml", "group": "g", "source": "源"}],
        retention={"max_posts": 2, "archive": "_arch"},
    )
    assert "1 archived" in cli("run", "-c", str(config)).stdout
    assert len(list((tmp_path / "disk" / "archive").glob("*.md"))) == 1


def test_archived_posts_count_as_unchanged_on_every_pass(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """A feed unchanged counts its posts as one read again does, archived or
    deleted by hand: an unchanged site said "4 unchanged", then "3"."""
    feed = [{"url": feed_server.url("/f.xml"), "group": "g", "source": "源"}]
    feed_server.routes["/f.xml"] = Route(body=rss("源", items([1, 2, 3])))
    assert "3 new" in cli("run", "-c", str(write_config(tmp_path, feed))).stdout
    next(iter((tmp_path / "source" / "_posts").glob("*.md"))).unlink()  # deleted by hand
    config = write_config(tmp_path, feed, retention={"max_posts": 1})
    feed_server.routes["/f.xml"] = Route(body=rss("源", items([0, 1, 2, 3])), etag='"v2"')
    said = [cli("run", "-c", str(config)).stdout]  # read again: one new
    said += [cli("run", "-c", str(config)).stdout for _ in range(2)]  # 304s
    feed_server.routes["/f.xml"] = Route(body=rss("源 ", items([0, 1, 2, 3])), etag='"v3"')
    said += [cli("run", "-c", str(config)).stdout for _ in range(2)]  # read again, then a 304
    assert feed_server.hits["/f.xml"] == 6
    assert "1 new, 0 updated, 3 unchanged" in said[0], said
    assert all("0 new, 0 updated, 4 unchanged" in line for line in said[1:]), said


def test_an_archive_linked_to_a_disk_not_mounted_is_said_so_and_waits_for_it(
    tmp_path: Path,
) -> None:
    """Not "[Errno 17] File exists" on every pass: what is missing, and the
    posts archived once it is there again."""
    site = tmp_path / "site"
    (site / "f.xml").parent.mkdir(parents=True)
    (site / "f.xml").write_bytes(rss("源", items([0, 1, 2])))
    (site / "_arch").symlink_to(tmp_path / "disk" / "archive", target_is_directory=True)
    config = write_config(
        site,
        [{"url": "f.xml", "group": "g", "source": "源"}],
        retention={"max_posts": 2, "archive": "_arch"},
    )
    for command in (["run"], ["publish", "--rebuild"]):
        result = cli(*command, "-c", str(config))
        said = " ".join(result.stderr.split())
        assert result.code == 1, (command, result.stderr)
        assert (
            f"the archive folder {site / '_arch'} is a link to {tmp_path / 'disk' / 'archive'}, "
            "which is not there (a disk not mounted?)"
        ) in said
        assert "Errno" not in said
        assert len(posts(site)) == 3  # (written all the same; none lost)
    (tmp_path / "disk" / "archive").mkdir(parents=True)
    # … and so of an archive in a folder that is such a link
    (site / "_mnt").symlink_to(tmp_path / "usb", target_is_directory=True)
    elsewhere = {"max_posts": 2, "archive": "_mnt/archive"}
    moved = write_config(
        site, [{"url": "f.xml", "group": "g", "source": "源"}], retention=elsewhere
    )
    said = " ".join(cli("run", "-c", str(moved)).stderr.split())
    assert (
        f"the archive folder {site / '_mnt' / 'archive'} is in {site / '_mnt'}, a link to"
        f" {tmp_path / 'usb'}, which is not there (a disk not mounted?)"
    ) in said
    back = {"max_posts": 2, "archive": "_arch"}
    write_config(site, [{"url": "f.xml", "group": "g", "source": "源"}], retention=back)
    done = cli("run", "-c", str(config))  # (the rebuild it owes completed too)
    assert done.code == 0 and "1 archived" in done.stdout + done.stderr
    assert len(posts(site)) == 2
    assert len(list((tmp_path / "disk" / "archive").glob("*.md"))) == 1


def test_a_rebuild_waits_for_an_archive_on_a_disk_not_mounted_and_passes_go_on(
    tmp_path: Path,
) -> None:
    """The archive's disk away, a rebuild could not move its posts back and
    wrote them anew into the posts — the whole archive on the site at the
    next `hexo generate` — then failed its retention, owed: every pass after
    failed before it fetched, and posted nothing new until the disk came
    back. It is refused before it moves or writes anything."""
    site = tmp_path / "site"
    site.mkdir()
    disk, away = tmp_path / "disk", tmp_path / "disk-away"
    disk.mkdir()
    (site / "_arch").symlink_to(disk, target_is_directory=True)
    (site / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4, 5])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    config = write_config(site, feeds, retention={"max_posts": 2, "archive": "_arch"})
    assert "4 archived" in cli("run", "-c", str(config)).stdout
    shown = sorted(posts(site))
    disk.rename(away)

    refused = cli("publish", "--rebuild", "-c", str(config))
    assert refused.code == 1
    assert "which is not there (a disk not mounted?): no post is rebuilt until it is" in " ".join(
        refused.stderr.split()
    )
    assert sorted(posts(site)) == shown
    newest = Item(
        "最新", html="<p>最新</p>", guid="new", pub_date=format_datetime(NOW, usegmt=True)
    )
    (site / "f.xml").write_bytes(rss("源", [*items([0, 1, 2, 3, 4, 5]), newest]))
    later = cli("run", "-c", str(config))  # posted; its retention waits for the disk
    assert later.code == 1 and "no post is archived until it is" in later.stderr
    assert len(posts(site)) == 3 and any(name.startswith("最新") for name in posts(site))

    away.rename(disk)
    assert cli("run", "-c", str(config)).code == 0
    assert len(posts(site)) == 2 and len(list(disk.glob("*.md"))) == 5
    assert cli("publish", "--rebuild", "-c", str(config)).code == 0
    assert len(posts(site)) == 2 and len(list(disk.glob("*.md"))) == 5

    # A rebuild cut short, owed, when the disk goes: a pass posts its new
    # items, and writes not the archive into the posts; the rebuild waits.
    owe_a_rebuild(site)
    disk.rename(away)
    later = Item(
        "更新", html="<p>更新</p>", guid="newer", pub_date=format_datetime(NOW, usegmt=True)
    )
    (site / "f.xml").write_bytes(rss("源", [*items([0, 1, 2, 3, 4, 5]), newest, later]))
    waits = cli("run", "-c", str(config))
    assert waits.code == 1 and "no post is rebuilt until it is" in " ".join(waits.stderr.split())
    names = sorted(posts(site))
    assert len(names) == 3 and any(name.startswith("更新") for name in names), names
    away.rename(disk)
    done = cli("run", "-c", str(config))
    assert done.code == 0 and "completed a rebuild cut short" in done.stderr + done.stdout
    assert len(posts(site)) == 2 and len(list(disk.glob("*.md"))) == 6


@pytest.mark.parametrize(
    ("retention", "message"),
    [
        ({"days": 0}, "days: must be 1 or more"),
        ({"max_posts": -5}, "max_posts: must be 1 or more"),
        ({"archive": "../elsewhere"}, "archive: must be a folder inside the site"),
        ({"archive": "source/_posts/old"}, "archive: must not be inside source/_posts"),
        ({"archive": "source/_drafts/old"}, "archive: must not be inside source/_drafts"),
        ({"archive": "source/_data/archive"}, "archive: must not be inside source/_data"),
        ({"archive": "themes/landscape/source/arch"}, "archive: must not be inside themes/"),
        ({"archive": "public/arch"}, "archive: must not be inside public/"),
        ({"archive": "source"}, "archive: a folder in source/ must start with _"),
        ({"archive": "source/news"}, "archive: a folder in source/ must start with _"),
        # Hexo runs every file in scripts/ as a plugin: a post there broke the build.
        ({"archive": "scripts/old"}, "archive: must not be inside scripts/"),
        ({"archive": ".git/old"}, "archive: must not be inside .git/"),
        # A file: every feed failed on every pass ("NotADirectoryError").
        ({"archive": "feedmill.yml"}, "archive: names a file, not a folder"),
        ({"archive": "."}, "archive: must be a folder of its own, not the site's"),
        ({"keep": 3}, "keep"),
        ({"days": "90d"}, "days: expected an integer, got a string (a number of days: write 90)"),
    ],
)
def test_a_bad_retention_setting_is_a_config_error(
    tmp_path: Path, retention: dict[str, object], message: str
) -> None:
    config = write_config(
        tmp_path, [{"url": "f.xml", "group": "g", "source": "s"}], retention=retention
    )
    result = cli("run", "-c", str(config))
    assert result.code == 2
    assert message in result.stderr


@pytest.mark.parametrize(
    ("archive", "message"),
    [
        ("src/_posts/old", "retention.archive: must not be inside src/_posts"),
        ("src/_posts", "retention.archive: must not be inside src/_posts"),
        ("src/news", "retention.archive: a folder in src/ must start with _ (src/_archive)"),
        ("src/_drafts/old", "retention.archive: must not be inside src/_drafts"),
        ("www/old", "retention.archive: must not be inside www/"),
    ],
)
def test_the_archive_is_checked_against_the_sites_own_folders(
    tmp_path: Path, archive: str, message: str
) -> None:
    """A site whose _config.yml moves its source (`source_dir: src`) and its
    output (`public_dir: www`): `src/_posts/old` was taken, and Hexo built
    the archived posts as posts there."""
    (tmp_path / "_config.yml").write_text("title: x\nsource_dir: src\npublic_dir: www\n")
    feeds = [{"url": "f.xml", "group": "g", "source": "s"}]
    result = cli("run", "-c", str(write_config(tmp_path, feeds, retention={"archive": archive})))
    assert result.code == 2
    assert message in result.stderr
    # Its own folders are where posts go; `source/about` is no page of this site.
    for fine in ("src/_archive", "source/about", "public/old"):
        config = write_config(tmp_path, feeds, retention={"archive": fine, "max_posts": 5})
        assert cli("status", "-c", str(config)).code == 0, fine


@pytest.mark.hexo
@pytest.mark.slow
def test_hexo_builds_only_the_posts_that_remain(tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert cli("init", str(site)).code == 0
    (site / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3])))
    config = write_config(
        site, [{"url": "f.xml", "group": "g", "source": "源"}], retention={"max_posts": 2}
    )
    cli("run", "-c", str(config))
    result = hexo.generate(site)
    assert result.returncode == 0, result.stderr
    assert len(hexo.post_pages(site)) == 2
    assert not list((site / "public").rglob("*_archive*"))


def _rebuild_killed_then_run(tmp_path: Path, feed: Path, config: Path, edited: bool) -> list[str]:
    """What a rebuild commits before it moves any file back (every post
    queued, the rebuild owed), then a run — the feed's archived items edited
    meanwhile if ``edited`` (the worker's path): the posts' states after it."""
    owe_a_rebuild(tmp_path)
    if edited:
        feed.write_bytes(rss("源", items([0, 1, 2, 3, 4], title="新闻(更新)")))
    assert cli("run", "-c", str(config)).code == 0
    return sorted(state for state, count in states(tmp_path).items() for _ in range(count))


@pytest.mark.parametrize("edited", [False, True])
def test_a_rebuild_cut_short_leaves_archived_posts_archived(tmp_path: Path, edited: bool) -> None:
    feed = tmp_path / "f.xml"
    feed.write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    config = write_config(
        tmp_path, [{"url": "f.xml", "group": "g", "source": "源"}], retention={"max_posts": 2}
    )
    assert cli("run", "-c", str(config)).code == 0
    assert len(archived(tmp_path)) == 3
    # A rebuild queues every post, then is killed before it writes them.
    states = _rebuild_killed_then_run(tmp_path, feed, config, edited)
    assert states == ["archived"] * 3 + ["written"] * 2  # none "removed"
    assert len(archived(tmp_path)) == 3 and len(posts(tmp_path)) == 2
    # A rebuild run to its end writes them all, then retention applies again.
    rebuilt = cli("publish", "--rebuild", "-c", str(config))
    assert rebuilt.code == 0 and "3 archived" in rebuilt.stdout
    assert len(archived(tmp_path)) == 3 and len(posts(tmp_path)) == 2


@pytest.mark.parametrize("edited", [False, True])
@pytest.mark.parametrize("change", ["new-folder", "no-retention"])
def test_a_rebuild_cut_short_after_the_archive_moved_leaves_them_archived(
    tmp_path: Path, change: str, edited: bool
) -> None:
    """The config's archive folder changed (or retention went), then a
    rebuild queued every post and was killed: posts still in the earlier
    folder were taken for deleted by hand — in neither source/_posts nor the
    configured folder — and that folder was forgotten.  The next run
    completes the rebuild: the archive in the new folder, or (no retention)
    every post back on the site."""
    feed = tmp_path / "f.xml"
    feed.write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    first, then = "source/_archive", "source/_old"
    if change == "no-retention":
        first, then = "source/_old", "source/_archive"  # the one the config names without it
    config = write_config(tmp_path, feeds, retention={"max_posts": 2, "archive": first})
    assert cli("run", "-c", str(config)).code == 0
    assert len(list((tmp_path / first).glob("*.md"))) == 3
    if change == "new-folder":
        config = write_config(tmp_path, feeds, retention={"max_posts": 2, "archive": then})
    else:
        config = write_config(tmp_path, feeds)
    states = _rebuild_killed_then_run(tmp_path, feed, config, edited)
    old = tmp_path / "source" / "_old"
    if change == "new-folder":
        assert states == ["archived"] * 3 + ["written"] * 2  # none "removed"
        assert len(posts(tmp_path)) == 2 and len(list(old.glob("*.md"))) == 3
    else:
        assert states == ["written"] * 5 and len(posts(tmp_path)) == 5
        assert not list(old.glob("*.md"))
    assert not archived(tmp_path)
    rebuilt = cli("publish", "--rebuild", "-c", str(config))
    assert rebuilt.code == 0
    assert len(posts(tmp_path)) == (2 if change == "new-folder" else 5)


class Killed(BaseException):
    """Where a kill -9 came: the process's state on disk is what it leaves."""


@pytest.mark.parametrize("then", [["run"], ["publish"], ["publish", "--rebuild"]])
def test_a_rebuild_killed_while_it_moves_the_archive_back_is_completed_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, then: list[str]
) -> None:
    """Retention's limit raised, then `publish --rebuild` killed while it
    moved the archived posts back: every post was pending, some files back
    in source/_posts, the rest still archived.  The next pass took those
    still in the archive for archived by retention, and the site stayed at
    whatever mix the kill left (a third of the posts it should show)."""
    import feedmill.publish.archive
    from feedmill.config import load_config
    from feedmill.pipeline import Mill

    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4, 5])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds, retention={"max_posts": 2})
    assert cli("run", "-c", str(config)).code == 0
    assert len(archived(tmp_path)) == 4
    config = write_config(tmp_path, feeds, retention={"max_posts": 5})

    restore = feedmill.publish.archive.restore_archived

    def killed_after_one(archive_dir: Path, posts_dir: Path, names: list[str]) -> list[str]:
        restore(archive_dir, posts_dir, names[:1])
        raise Killed

    monkeypatch.setattr(feedmill.publish.archive, "restore_archived", killed_after_one)
    with pytest.raises(Killed), Mill(load_config(config)) as mill:
        mill.rebuild()
    monkeypatch.undo()
    assert (len(posts(tmp_path)), len(archived(tmp_path))) == (3, 3)

    result = cli(*then, "-c", str(config))
    assert result.code == 0, result.stderr
    assert (len(posts(tmp_path)), len(archived(tmp_path))) == (5, 1)
    assert titles(posts(tmp_path)) == [f"新闻{age}天前" for age in range(5)]
    if then != ["publish", "--rebuild"]:
        assert "completed a rebuild cut short: 6 posts rendered again" in result.stderr
    # Owed no more: the pass after that is an ordinary one.
    again = cli("run", "-c", str(config))
    assert "completed" not in again.stderr and "0 updated" in again.stdout
    assert (len(posts(tmp_path)), len(archived(tmp_path))) == (5, 1)


@pytest.mark.parametrize("stop", ["kill", "signal"])
@pytest.mark.parametrize("retention", [True, False])
def test_a_feed_removed_after_a_rebuild_cut_short_gets_its_archived_posts_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop: str, retention: bool
) -> None:
    """As a rebuild run to its end brings a removed feed's archived posts
    back as they are: the pass that completes one cut short did so only
    for the posts it found archived, not for the ones the rebuild had
    queued — those stayed in the archive, or on the site, pending for good;
    and one deleted by hand, retention dropped meanwhile, stayed pending."""
    import feedmill.publish.archive
    from feedmill.config import load_config
    from feedmill.pipeline import Mill

    (tmp_path / "a.xml").write_bytes(rss("甲", items([0, 1, 2, 3, 4, 5], title="甲")))
    (tmp_path / "b.xml").write_bytes(rss("乙", items([0, 1, 2, 3, 4, 5], title="乙")))
    both = [
        {"url": "a.xml", "group": "g", "source": "甲"},
        {"url": "b.xml", "group": "g", "source": "乙"},
    ]
    assert cli("run", "-c", str(write_config(tmp_path, both, retention={"max_posts": 4}))).code == 0
    assert len(archived(tmp_path)) == 8
    gone = next(name for name, text in posts(tmp_path).items() if "乙0天前" in text)
    os.unlink(tmp_path / "source" / "_posts" / gone)
    config = write_config(tmp_path, both, retention={"max_posts": 12})

    restore = feedmill.publish.archive.restore_archived
    with Mill(load_config(config)) as mill:

        def cut_short(archive_dir: Path, posts_dir: Path, names: list[str]) -> list[str]:
            if stop == "signal":
                moved = restore(archive_dir, posts_dir, names)
                mill.stop()  # as the signal handler does
                return moved
            restore(archive_dir, posts_dir, names[:1])
            raise Killed

        monkeypatch.setattr(feedmill.publish.archive, "restore_archived", cut_short)
        with contextlib.suppress(Killed):
            mill.rebuild()
    monkeypatch.undo()

    limits = {"retention": {"max_posts": 12}} if retention else {}
    config = write_config(tmp_path, both[:1], **limits)
    result = cli("run", "-c", str(config))
    assert "completed a rebuild cut short" in result.stderr
    assert (len(posts(tmp_path)), len(archived(tmp_path))) == (11, 0)
    assert states(tmp_path) == {"written": 11, "removed": 1}


def test_a_removed_feeds_post_never_written_is_not_taken_for_deleted_by_hand(
    tmp_path: Path,
) -> None:
    """A post stored by a pass cut short before it wrote the file, a rebuild
    cut short, then its feed removed: the completion took its missing file
    for one deleted by hand — the feed added back, it was never posted."""
    import sqlite3

    (tmp_path / "a.xml").write_bytes(rss("甲", items([0, 1], title="甲")))
    (tmp_path / "b.xml").write_bytes(rss("乙", items([0, 1], title="乙")))
    both = [
        {"url": "a.xml", "group": "g", "source": "甲"},
        {"url": "b.xml", "group": "g", "source": "乙"},
    ]
    assert cli("run", "-c", str(write_config(tmp_path, both))).code == 0
    unwritten = next(name for name, text in posts(tmp_path).items() if "乙0天前" in text)
    os.unlink(tmp_path / "source" / "_posts" / unwritten)
    with contextlib.closing(sqlite3.connect(tmp_path / ".feedmill" / "state.db")) as db:
        db.execute(
            "update posts set state = 'pending', written_version = null where file_name = ?",
            (unwritten,),
        )
        db.commit()
    owe_a_rebuild(tmp_path)
    assert cli("run", "-c", str(write_config(tmp_path, both[:1]))).code == 0
    assert states(tmp_path) == {"written": 3, "pending": 1}
    again = cli("run", "-c", str(write_config(tmp_path, both)))
    assert "posts: 1 new" in again.stdout, again.stdout
    assert unwritten in posts(tmp_path)


def states(site: Path) -> dict[str, int]:
    import sqlite3

    with contextlib.closing(sqlite3.connect(site / ".feedmill" / "state.db")) as db:
        return dict(db.execute("select state, count(*) from posts group by state").fetchall())


@pytest.mark.parametrize("then", [["run"], ["publish"]])
@pytest.mark.parametrize("stops", [1, 2])
def test_a_rebuild_stopped_once_its_archive_is_back_is_completed_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, then: list[str], stops: int
) -> None:
    """SIGTERM came as a rebuild had moved the archive back (and, with
    ``stops`` 2, again as the next pass completed it): retention put the
    archive back as it was and took the post deleted by hand for removed.
    The pass that completed the rebuild rewrote only what was still pending:
    the archive kept its old text, the deleted post stayed away."""
    import feedmill.publish.archive
    from feedmill.config import load_config
    from feedmill.pipeline import Mill

    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4, 5])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds, retention={"max_posts": 2})
    assert cli("run", "-c", str(config)).code == 0
    site = {**posts(tmp_path), **{n: "" for n in archived(tmp_path)}}
    # Every file as a rebuild would not write it (a template changed, say).
    for folder in ("_posts", "_archive"):
        for path in (tmp_path / "source" / folder).glob("*.md"):
            path.write_text(path.read_text(encoding="utf-8") + "旧样式\n", encoding="utf-8")
    gone = next(name for name, text in posts(tmp_path).items() if "新闻1天前" in text)
    os.unlink(tmp_path / "source" / "_posts" / gone)
    config = write_config(tmp_path, feeds, retention={"max_posts": 3})

    restore = feedmill.publish.archive.restore_archived
    for _ in range(stops):
        with Mill(load_config(config)) as mill:

            def stopped_after(archive_dir: Path, posts_dir: Path, names: list[str]) -> list[str]:
                moved = restore(archive_dir, posts_dir, names)
                mill.stop()  # as the signal handler does
                return moved

            monkeypatch.setattr(feedmill.publish.archive, "restore_archived", stopped_after)
            mill.rebuild() if _ == 0 else mill.run()
            monkeypatch.undo()
    assert (len(posts(tmp_path)), len(archived(tmp_path))) == (3, 2)  # as retention has it

    result = cli(*then, "-c", str(config))
    assert result.code == 0, result.stderr
    said = "completed a rebuild cut short: 6 posts rendered again (6 changed), 3 archived again"
    assert said in result.stderr
    assert "posts: 0 new, 0 updated" in result.stdout  # that pass's own
    assert titles(posts(tmp_path)) == [f"新闻{age}天前" for age in range(3)]
    assert sorted(posts(tmp_path)) + archived(tmp_path) == sorted(site)
    every = [*posts(tmp_path).values()]
    every += [(tmp_path / "source" / "_archive" / n).read_text() for n in archived(tmp_path)]
    assert not [text for text in every if "旧样式" in text]
    again = cli("run", "-c", str(config))
    assert "completed" not in again.stderr and "0 updated" in again.stdout


def test_a_rebuild_stopped_by_a_signal_archives_again(tmp_path: Path) -> None:
    """A rebuild puts the archive back in the posts folder before it writes:
    stopped then (SIGTERM, Ctrl-C), it left the whole archive there, for
    the next `hexo generate` to build."""
    from feedmill.config import load_config
    from feedmill.pipeline import Mill

    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    config = write_config(
        tmp_path, [{"url": "f.xml", "group": "g", "source": "源"}], retention={"max_posts": 2}
    )
    assert cli("run", "-c", str(config)).code == 0
    assert len(archived(tmp_path)) == 3
    with Mill(load_config(config)) as mill:
        mill.stop()  # as the signal handler does, the moment the rebuild begins
        mill.rebuild()
    assert len(archived(tmp_path)) == 3 and len(posts(tmp_path)) == 2


def test_a_rebuild_stopped_once_every_post_is_written_is_done(tmp_path: Path) -> None:
    """A stop while retention ran, every post written: the rebuild stayed
    owed, and the next pass rendered every post again and moved the archive
    back and out once more."""
    from feedmill.config import load_config
    from feedmill.pipeline import Mill

    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    config = write_config(
        tmp_path, [{"url": "f.xml", "group": "g", "source": "源"}], retention={"max_posts": 2}
    )
    assert cli("run", "-c", str(config)).code == 0
    with Mill(load_config(config)) as mill:
        retain = mill.retain

        def stopped_meanwhile(summary: object) -> None:
            mill.stop()  # as the signal handler does
            retain(summary)  # type: ignore[arg-type]

        mill.retain = stopped_meanwhile  # type: ignore[method-assign]
        mill.rebuild()
        assert not mill._rebuild_owed()
    assert len(archived(tmp_path)) == 3 and len(posts(tmp_path)) == 2
    assert "rebuild cut short" not in cli("publish", "-c", str(config)).stderr


def test_a_rebuild_that_fails_archives_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild that fails as it writes (a full disk) left the whole archive
    in the posts folder, as one stopped by a signal had: every `hexo
    generate` until a pass succeeded built all of it."""
    import errno

    import feedmill.pipeline
    from feedmill.config import load_config
    from feedmill.pipeline import Mill

    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    config = write_config(
        tmp_path, [{"url": "f.xml", "group": "g", "source": "源"}], retention={"max_posts": 2}
    )
    assert cli("run", "-c", str(config)).code == 0
    assert len(archived(tmp_path)) == 3
    write = feedmill.pipeline.write_if_changed
    calls = []

    def full_after_two(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return write(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(feedmill.pipeline, "write_if_changed", full_after_two)
    with Mill(load_config(config)) as mill, pytest.raises(OSError):
        mill.rebuild()
    monkeypatch.undo()
    assert len(archived(tmp_path)) == 3 and len(posts(tmp_path)) == 2
    result = cli("run", "-c", str(config))  # and the next pass completes it
    assert result.code == 0 and "completed a rebuild cut short" in result.stderr, result.stderr
    assert len(archived(tmp_path)) == 3 and len(posts(tmp_path)) == 2


def test_a_rebuild_a_tags_file_edit_failed_is_completed_next(tmp_path: Path) -> None:
    """A dictionary saved while `publish --rebuild` ran failed the posts it
    had yet to write ("changed since the config was read"): retention put
    the archived ones back as they were, the rebuild was forgotten, and no
    later pass wrote them — "tried again next pass" said the summary."""
    from feedmill.config import load_config
    from feedmill.pipeline import Mill
    from feedmill.publish.tags import policy_for

    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    (tmp_path / "stocks.txt").write_text("贵州茅台,600519\n", encoding="utf-8")
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    config = write_config(
        tmp_path, feeds, retention={"max_posts": 2}, tags={"dictionary": "stocks.txt"}
    )
    assert cli("run", "-c", str(config)).code == 0
    assert len(archived(tmp_path)) == 3
    placeholder = "https://img.example.cn/cover-v2.png"
    config = write_config(
        tmp_path, feeds, retention={"max_posts": 2}, tags={"dictionary": "stocks.txt"},
        placeholder_image=placeholder,
    )  # fmt: skip
    with Mill(load_config(config)) as mill:
        (tmp_path / "stocks.txt").write_text("贵州茅台,600519\n五粮液,000858\n", encoding="utf-8")
        policy_for.cache_clear()  # (as a worker that had not read it yet)
        summary = mill.rebuild()
        assert summary.posts_failed == 5
        assert any("the rebuild is not complete" in note for note in mill.notices)
    assert len(archived(tmp_path)) == 3 and len(posts(tmp_path)) == 2
    result = cli("run", "-c", str(config))
    assert result.code == 0 and "completed a rebuild cut short" in result.stderr, result.stderr
    archive = tmp_path / "source" / "_archive"
    assert len(archived(tmp_path)) == 3 and len(posts(tmp_path)) == 2
    assert all(placeholder in text for text in posts(tmp_path).values())
    assert all(placeholder in (archive / name).read_text("utf-8") for name in archived(tmp_path))


def _five_posts_two_kept(site: Path) -> Path:
    """A site of five posts, three archived by `max_posts: 2`; its config."""
    (site / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    config = write_config(
        site, [{"url": "f.xml", "group": "g", "source": "源"}], retention={"max_posts": 2}
    )
    assert cli("run", "-c", str(config)).code == 0
    return config


def _archived_again_by_the_next_run(site: Path, config: Path) -> None:
    """Three posts in the archive and two on the site, as before a rebuild
    that failed — and so after the run that completes it."""
    assert len(archived(site)) == 3 and len(posts(site)) == 2
    result = cli("run", "-c", str(config))
    assert result.code == 0 and "completed a rebuild cut short" in result.stderr, result.stderr
    assert len(archived(site)) == 3 and len(posts(site)) == 2


def test_a_rebuild_that_fails_moving_the_archive_back_archives_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk while the archive came back (before any post was written):
    the posts moved back stayed in source/_posts, for every `hexo generate`."""
    import errno

    import feedmill.publish.archive
    from feedmill.config import load_config
    from feedmill.pipeline import Mill

    config = _five_posts_two_kept(tmp_path)
    restore = feedmill.publish.archive.restore_archived

    def full_after_two(archive_dir: Path, posts_dir: Path, names: list[str]) -> list[str]:
        restore(archive_dir, posts_dir, names[:2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(feedmill.publish.archive, "restore_archived", full_after_two)
    with Mill(load_config(config)) as mill, pytest.raises(OSError):
        mill.rebuild()
    monkeypatch.undo()
    _archived_again_by_the_next_run(tmp_path, config)


def test_a_rebuild_that_fails_with_the_database_away_puts_the_archive_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database gone mid-rebuild (a PostgreSQL server stopped, a SQLite
    file locked past the timeout): retention, which reads it first, failed
    too, and the whole archive stayed in source/_posts for every `hexo
    generate` until a pass succeeded."""
    from sqlalchemy.exc import OperationalError

    import feedmill.publish.archive
    from feedmill.config import load_config
    from feedmill.pipeline import Mill

    config = _five_posts_two_kept(tmp_path)

    def away(*_: object, **__: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(Mill, "publish", away)
    monkeypatch.setattr(feedmill.publish.archive, "archive_old_posts", away)
    with Mill(load_config(config)) as mill, pytest.raises(OperationalError):
        mill.rebuild()
    monkeypatch.undo()
    _archived_again_by_the_next_run(tmp_path, config)


def test_a_rebuild_killed_while_a_removed_feeds_archive_comes_back_is_completed_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The removed feed's archived posts came back before the rebuild was
    recorded as owed: killed there, they stayed on the site past `max_posts`,
    recorded as archived (retention never weighed them again), and no run
    completed the rebuild."""
    import feedmill.publish.archive
    from feedmill.config import load_config
    from feedmill.pipeline import Mill

    (tmp_path / "a.xml").write_bytes(rss("甲", items([0, 1, 2], "甲")))
    (tmp_path / "b.xml").write_bytes(rss("乙", items([3, 4, 5, 6], "乙")))
    a = {"url": "a.xml", "group": "g", "source": "甲"}
    b = {"url": "b.xml", "group": "g", "source": "乙"}
    assert (
        cli("run", "-c", str(write_config(tmp_path, [a, b], retention={"max_posts": 3}))).code == 0
    )
    assert len(archived(tmp_path)) == 4
    config = write_config(tmp_path, [a], retention={"max_posts": 3})  # 乙 removed
    assert cli("run", "-c", str(config)).code == 0
    restore = feedmill.publish.archive.restore_archived
    calls: list[str] = []

    def killed_after_two(archive_dir: Path, posts_dir: Path, names: list[str]) -> list[str]:
        calls.extend(names)
        if len(calls) > 2:
            raise Killed
        return restore(archive_dir, posts_dir, names)

    monkeypatch.setattr(feedmill.publish.archive, "restore_archived", killed_after_two)
    with pytest.raises(Killed), Mill(load_config(config)) as mill:
        mill.rebuild()
    monkeypatch.undo()
    assert len(posts(tmp_path)) == 5  # two of 乙's back, past max_posts

    result = cli("run", "-c", str(config))
    assert result.code == 0 and "completed a rebuild cut short" in result.stderr, result.stderr
    assert titles(posts(tmp_path)) == ["甲0天前", "甲1天前", "甲2天前"]
    assert len(archived(tmp_path)) == 4


def test_a_rebuild_killed_as_it_archives_again_leaves_one_copy_when_the_archive_moves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after its retention moved posts but before it recorded them:
    the next pass completed the rebuild, but those files stayed in the old
    folder when `retention.archive` changed meanwhile — each post twice."""
    import feedmill.store.posts
    from feedmill.config import load_config
    from feedmill.pipeline import Mill

    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4, 5])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds, retention={"max_posts": 2})
    assert cli("run", "-c", str(config)).code == 0
    old = archived(tmp_path)
    set_state = feedmill.store.posts.set_state

    def killed_recording_the_archive(conn: object, ids: list[int], state: str) -> None:
        if state == "archived" and ids:
            raise Killed
        set_state(conn, ids, state)  # type: ignore[arg-type]

    monkeypatch.setattr(feedmill.store.posts, "set_state", killed_recording_the_archive)
    with pytest.raises(Killed), Mill(load_config(config)) as mill:
        mill.rebuild()
    monkeypatch.undo()
    assert archived(tmp_path) == old and len(posts(tmp_path)) == 2

    config = write_config(tmp_path, feeds, retention={"max_posts": 2, "archive": "_arch2"})
    result = cli("run", "-c", str(config))
    assert result.code == 0 and "completed a rebuild cut short" in result.stderr, result.stderr
    assert archived(tmp_path) == []
    assert sorted(p.name for p in (tmp_path / "_arch2").glob("*.md")) == old
    assert len(posts(tmp_path)) == 2


def test_a_rebuild_that_fails_bringing_a_removed_feeds_archive_back_puts_it_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk while a removed feed's archived posts came back: they
    stayed on the site past `max_posts`, recorded as archived, for every
    `hexo generate` until the next pass."""
    import errno

    import feedmill.publish.archive
    from feedmill.config import load_config
    from feedmill.pipeline import Mill

    (tmp_path / "a.xml").write_bytes(rss("甲", items([0, 1, 2], "甲")))
    (tmp_path / "b.xml").write_bytes(rss("乙", items([3, 4, 5, 6], "乙")))
    a = {"url": "a.xml", "group": "g", "source": "甲"}
    b = {"url": "b.xml", "group": "g", "source": "乙"}
    both = write_config(tmp_path, [a, b], retention={"max_posts": 3})
    assert cli("run", "-c", str(both)).code == 0
    config = write_config(tmp_path, [a], retention={"max_posts": 3})  # 乙 removed
    assert cli("run", "-c", str(config)).code == 0
    on_site, archive = sorted(posts(tmp_path)), archived(tmp_path)
    restore = feedmill.publish.archive.restore_archived
    calls: list[str] = []

    def full_after_two(archive_dir: Path, posts_dir: Path, names: list[str]) -> list[str]:
        calls.extend(names)
        if len(calls) > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return restore(archive_dir, posts_dir, names)

    monkeypatch.setattr(feedmill.publish.archive, "restore_archived", full_after_two)
    with Mill(load_config(config)) as mill, pytest.raises(OSError):
        mill.rebuild()
    monkeypatch.undo()
    assert (sorted(posts(tmp_path)), archived(tmp_path)) == (on_site, archive)
    result = cli("run", "-c", str(config))
    assert result.code == 0 and "completed a rebuild cut short" in result.stderr, result.stderr
    assert (sorted(posts(tmp_path)), archived(tmp_path)) == (on_site, archive)


def test_the_archive_is_found_after_a_source_dir_of_two_levels_changes(tmp_path: Path) -> None:
    """Archive folders were recorded relative to the posts folder's parent's
    parent — the site only for a source_dir of one level: with `content/src`,
    an archive change then left the old archive behind, and a rebuild wrote
    its posts a second time."""
    (tmp_path / "_config.yml").write_text("title: t\nsource_dir: content/src\n", "utf-8")
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    first = write_config(tmp_path, feeds, retention={"max_posts": 2})
    assert cli("run", "-c", str(first)).code == 0
    old = archived(tmp_path)
    assert len(old) == 3 and len(list((tmp_path / "content" / "src" / "_posts").glob("*.md"))) == 2
    (tmp_path / "_config.yml").write_text("title: t\nsource_dir: source\n", "utf-8")
    config = write_config(tmp_path, feeds, retention={"max_posts": 2, "archive": "_arch2"})
    assert cli("run", "-c", str(config)).code == 0
    assert cli("publish", "--rebuild", "-c", str(config)).code == 0
    assert archived(tmp_path) == []
    assert sorted(p.name for p in (tmp_path / "_arch2").glob("*.md")) == old
    assert len(posts(tmp_path)) == 2


def test_no_post_leaves_while_some_wait_to_move_to_a_source_dir_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Posts to move to a new source_dir, the new folder's disk full after
    one: retention counted those still in the old folder gone from the site
    — the newest taken for posts deleted by hand, left there for good."""
    import sqlite3

    (tmp_path / "f.xml").write_bytes(rss("源", items([1, 2, 3, 4])))
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds, retention={"max_posts": 3})
    assert cli("run", "-c", str(config)).code == 0
    assert (len(posts(tmp_path)), len(archived(tmp_path))) == (3, 1)
    (tmp_path / "_config.yml").write_text("title: t\nsource_dir: src\n", "utf-8")
    fill_the_disk_after(monkeypatch, 1)
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4])))
    result = cli("run", "-c", str(config))
    said = " ".join(result.stderr.split())
    assert "1 post moved there from source/_posts; the rest wait" in said, said
    assert "no post is archived until then" in said and "deleted?" not in said
    # A rebuild waits too: the archive back in the posts would stay there.
    rebuild = cli("publish", "--rebuild", "-c", str(config))
    assert "the rebuild waits for the posts to move" in " ".join(rebuild.stderr.split())
    assert len(archived(tmp_path)) == 1
    # Their items edited meanwhile: those still in the old folder were taken
    # for posts deleted by hand, and left there for good.
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3, 4], title="更新")))
    said = " ".join(cli("run", "-c", str(config)).stderr.split())
    assert "the rest wait" in said and "the rebuild waits" in said
    assert "completed a rebuild" not in said  # (it has not run)
    monkeypatch.undo()
    assert cli("run", "-c", str(config)).code == 0
    new = {p.name: p.read_text("utf-8") for p in (tmp_path / "src" / "_posts").glob("*.md")}
    assert len(new) == 3 and not list((tmp_path / "source" / "_posts").glob("*.md"))
    assert all("更新" in text for text in new.values())
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        states = sorted(state for (state,) in db.execute("SELECT state FROM posts"))
    assert states == ["archived", "archived", "written", "written", "written"]


def test_a_post_taken_back_while_it_waits_to_move_leaves_the_old_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A post retracted while its file waits in the folder of the site's
    old source_dir (the new one's disk full) kept that file there: the next
    source_dir move, or a change back, put it on the site again."""
    import sqlite3

    (tmp_path / "f.xml").write_bytes(rss("源", items([1, 2, 3])))
    config = write_config(tmp_path, [{"url": "f.xml", "group": "g", "source": "源"}])
    assert cli("run", "-c", str(config)).code == 0
    (tmp_path / "_config.yml").write_text("title: t\nsource_dir: src\n", "utf-8")

    fill_the_disk_after(monkeypatch, 0)
    assert "the rest wait" in cli("run", "-c", str(config)).stderr
    old = tmp_path / "source" / "_posts"
    name = sorted(p.name for p in old.glob("*.md"))[0]
    with sqlite3.connect(tmp_path / ".feedmill" / "state.db") as db:
        db.execute("UPDATE posts SET state = 'retracted' WHERE file_name = ?", (name,))
    assert cli("run", "-c", str(config)).code == 0
    assert not (old / name).exists() and len(list(old.glob("*.md"))) == 2
    monkeypatch.undo()
    assert cli("run", "-c", str(config)).code == 0
    assert len(list((tmp_path / "src" / "_posts").glob("*.md"))) == 2


def test_a_move_killed_between_its_copies_keeps_the_last_written(tmp_path: Path) -> None:
    """Two folders hold a post (a pass killed after it moved the copy written
    last, before it removed the other): the copy written last is the post,
    whichever folder it is in — the older one is dropped."""
    import time

    from feedmill.publish.postsfolder import _gather

    old, new, target = (tmp_path / name for name in ("old", "new", "target"))
    for folder in (old, new, target):
        folder.mkdir()
    (new / "a.md").write_text("edited")
    (old / "a.md").write_text("as first written")
    (target / "b.md").write_text("edited")
    (new / "b.md").write_text("as first written")
    past = time.time() - 60
    os.utime(old / "a.md", (past, past))
    os.utime(new / "b.md", (past, past))
    assert _gather(["a.md", "b.md", "c.md"], [old, new], target) == 1
    assert {p.name: p.read_text() for p in target.iterdir()} == {"a.md": "edited", "b.md": "edited"}
    assert not list(old.iterdir()) and not list(new.iterdir())


def test_posts_of_a_removed_feed_waiting_for_a_rewrite_still_leave(tmp_path: Path) -> None:
    """A feed's posts outlive its removal from the config; when another feed
    then brings the same stories, those posts wait to be rewritten (listing
    the new source) for good — retention must move them out all the same."""
    long_text = "".join(f"<p>第{i}段，讲述这件事的来龙去脉和各方的看法。</p>" for i in range(8))
    stories = [
        Item(f"新闻{age}", html=long_text + f"<p>{age}</p>", guid=f"a-{age}",
             pub_date=format_datetime(NOW - timedelta(days=age), usegmt=True))
        for age in (40, 50)
    ]  # fmt: skip
    (tmp_path / "a.xml").write_bytes(rss("甲", stories))
    config = write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "甲"}])
    assert "posts: 2 new" in cli("run", "-c", str(config)).stdout
    copies = [Item(s.title, html=s.html, guid=f"b-{s.guid}", pub_date=s.pub_date) for s in stories]
    (tmp_path / "b.xml").write_bytes(rss("乙", copies))
    feeds = [{"url": "b.xml", "group": "g", "source": "乙"}]
    config = write_config(tmp_path, feeds, retention={"days": 30})
    result = cli("run", "-c", str(config))
    # (Held back by their worker, they took the stories: none is held back.)
    assert "held back" not in result.stdout and "2 archived" in result.stdout, result.stdout
    assert not posts(tmp_path) and len(archived(tmp_path)) == 2


def test_a_lost_database_leaves_one_copy_of_an_archived_item_retitled_since(
    tmp_path: Path,
) -> None:
    """The database is gone: an archived item that its feed still lists, under
    a new title, finds its archived file by key digest and keeps that name;
    retention moves it out again over the old copy, not beside it."""
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds, retention={"days": 7})
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 10])))
    cli("run", "-c", str(config))
    before = archived(tmp_path)
    assert len(before) == 1
    for path in (tmp_path / ".feedmill").glob("state.db*"):
        path.unlink()

    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 10], title="新闻(更新)")))
    result = cli("run", "-c", str(config))
    assert result.code == 0, result.stderr
    assert archived(tmp_path) == before
    assert "新闻(更新)10天前" in (tmp_path / "source" / "_archive" / before[0]).read_text()
    assert titles(posts(tmp_path)) == ["新闻(更新)0天前"]


def test_a_lost_database_leaves_archived_posts_in_the_archive(tmp_path: Path) -> None:
    """The database is gone, the feed still lists items whose posts retention
    had moved out: each is rewritten where it is, never into the posts
    beside its archived copy (the new database's `max_posts` counts fewer
    posts, and would have left it there, in both folders)."""
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds, retention={"max_posts": 2})
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3])))
    assert cli("run", "-c", str(config)).code == 0
    shown, kept = sorted(posts(tmp_path)), archived(tmp_path)
    assert len(shown) == 2 and len(kept) == 2
    for path in (tmp_path / ".feedmill").glob("state.db*"):
        path.unlink()

    (tmp_path / "f.xml").write_bytes(rss("源", items([1, 2, 3], title="新闻(更新)")))
    result = cli("run", "-c", str(config))
    assert result.code == 0, result.stderr
    # Each post found — the archived ones too — is counted (they were not).
    assert "posts: 0 new, 3 updated, 0 unchanged" in result.stdout, result.stdout
    assert sorted(posts(tmp_path)) == shown
    assert archived(tmp_path) == kept
    assert not set(shown) & set(kept)
    # Rewritten where they are, with the feed's edits.
    assert titles(posts(tmp_path)) == ["新闻(更新)1天前", "新闻0天前"]
    assert all(
        "新闻(更新)" in (tmp_path / "source" / "_archive" / name).read_text() for name in kept
    )
    (row,) = json.loads(cli("status", "-c", str(config), "--json").stdout)
    assert row["archived"] == 2


def test_posts_found_in_the_archive_after_a_lost_database_move_and_come_back(
    tmp_path: Path,
) -> None:
    """Rewritten in the archive after the database was lost, they were
    recorded as never written: another archive folder left them behind, and
    a rebuild with room for them wrote them into the posts beside their
    archived copies (two files a story)."""
    feeds = [{"url": "f.xml", "group": "g", "source": "源"}]
    config = write_config(tmp_path, feeds, retention={"max_posts": 2})
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3])))
    assert cli("run", "-c", str(config)).code == 0
    for path in (tmp_path / ".feedmill").glob("state.db*"):
        path.unlink()
    config = write_config(tmp_path, feeds, retention={"max_posts": 1})
    assert cli("run", "-c", str(config)).code == 0
    assert len(posts(tmp_path)) == 1 and len(archived(tmp_path)) == 3

    config = write_config(tmp_path, feeds, retention={"max_posts": 1, "archive": "source/_old"})
    assert cli("run", "-c", str(config)).code == 0
    assert archived(tmp_path) == []
    assert len(list((tmp_path / "source" / "_old").glob("*.md"))) == 3

    config = write_config(tmp_path, feeds, retention={"max_posts": 10, "archive": "source/_old"})
    assert cli("publish", "-c", str(config), "--rebuild").code == 0
    assert titles(posts(tmp_path)) == ["新闻0天前", "新闻1天前", "新闻2天前", "新闻3天前"]
    assert list((tmp_path / "source" / "_old").glob("*.md")) == []


def test_a_removed_feeds_posts_found_in_the_archive_after_a_lost_database_come_back(
    tmp_path: Path,
) -> None:
    feeds = [
        {"url": "f.xml", "group": "g", "source": "源"},
        {"url": "other.xml", "group": "g", "source": "另一个"},
    ]
    (tmp_path / "f.xml").write_bytes(rss("源", items([0, 1, 2, 3])))
    (tmp_path / "other.xml").write_bytes(rss("另一个", items([0], title="别的")))
    config = write_config(tmp_path, feeds, retention={"max_posts": 3})
    assert cli("run", "-c", str(config)).code == 0
    for path in (tmp_path / ".feedmill").glob("state.db*"):
        path.unlink()
    assert cli("run", "-c", str(config)).code == 0
    assert len(archived(tmp_path)) == 2

    config = write_config(tmp_path, feeds[1:], retention={"max_posts": 10})
    assert cli("publish", "-c", str(config), "--rebuild").code == 0
    assert len(posts(tmp_path)) == 5 and archived(tmp_path) == []
