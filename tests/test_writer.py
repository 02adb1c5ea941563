"""Post files: written whole or not at all, and an error says which file."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from feedmill.publish.writer import TEMP_DIR, content_hash, stage, write_if_changed

FULL = Path("/dev/full")  # every write to it fails: "No space left on device"
needs_dev_full = pytest.mark.skipif(not FULL.exists(), reason="no /dev/full here")


@needs_dev_full
def test_a_full_disk_while_staging_names_the_file() -> None:
    # The bytes go at close, where the error came without a file name: a full
    # site said only "[Errno 28] No space left on device".
    with pytest.raises(OSError) as caught:
        stage(str(FULL.parent), FULL.name, b"x" * 100)
    assert caught.value.errno == errno.ENOSPC
    assert caught.value.filename == str(FULL)
    assert str(FULL) in str(caught.value)


@needs_dev_full
def test_a_full_disk_while_writing_a_post_names_the_file_and_keeps_the_old_one(
    tmp_path: Path,
) -> None:
    post = tmp_path / "a.md"
    post.write_bytes(b"old post")
    temp_dir = tmp_path / TEMP_DIR
    temp_dir.mkdir()
    temp = temp_dir / f"{os.getpid()}-{content_hash(post.name.encode())[:16]}"
    temp.symlink_to(FULL)  # where write_if_changed puts the new bytes first
    with pytest.raises(OSError) as caught:
        write_if_changed(post, b"new post, longer")
    assert caught.value.errno == errno.ENOSPC
    assert caught.value.filename == str(temp)
    assert post.read_bytes() == b"old post"


def test_an_error_that_names_its_file_already_is_left_as_it_is(tmp_path: Path) -> None:
    # The posts folder (or the site) moved away: nothing is made in its place.
    missing = tmp_path / "source" / "_posts" / TEMP_DIR / "a.md"
    with pytest.raises(FileNotFoundError) as caught:
        stage(str(missing.parent), missing.name, b"post")
    assert caught.value.filename == str(missing)
    assert not (tmp_path / "source").exists()


def test_a_staging_folder_deleted_under_a_pass_is_made_again(tmp_path: Path) -> None:
    """`git clean -X` (which lists it) under a daemon's pass: every feed after
    it failed, "parser crashed: FileNotFoundError"."""
    posts = tmp_path / "source" / "_posts"
    folder = posts / TEMP_DIR
    folder.mkdir(parents=True)
    folder.rmdir()
    path = stage(str(folder), "a-0", b"post")
    assert Path(path).read_bytes() == b"post"


def test_a_post_moved_across_file_systems_is_put_in_place_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hexo's `source_dir` moved to another file system: a rename cannot move
    a post there; it is copied beside (in the staging folder a pass empties,
    so a copy cut short is no post) and renamed into place."""
    from feedmill.publish.writer import move_file

    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    (old / "a.md").write_text("post", encoding="utf-8")
    rename = os.replace

    def across(source: object, target: object) -> None:
        if str(source).startswith(str(old)):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        rename(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", across)
    move_file(old / "a.md", new / "a.md")
    assert (new / "a.md").read_text(encoding="utf-8") == "post"
    assert not (old / "a.md").exists()
    assert sorted(p.name for p in new.iterdir()) == [".feedmill-tmp", "a.md"]
    assert not any((new / ".feedmill-tmp").iterdir())
