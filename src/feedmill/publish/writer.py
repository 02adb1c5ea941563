"""Write post files atomically, and only when their bytes change.

A post is written to a temporary file in a hidden directory next to the
posts (Hexo ignores names that start with ``.``) and renamed over its
target, so a crash or ``kill -9`` leaves either the old file or the new one,
never half of one.  A file whose bytes would not change is not touched at
all: its mtime stays, and Hexo has nothing to regenerate.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

TEMP_DIR = ".feedmill-tmp"


def whereabouts(
    posts_dir: str,
    archive_dir: str,
    file_name: str,
    earlier: Sequence[str] = (),
    waiting: Sequence[str] = (),
) -> str:
    """Where a post written before is: ``"posts"`` — in the posts folder, or
    in one the site's were in before (``waiting``) while they wait to move
    to a changed source_dir; ``"archive"``, where retention moved it (and a
    rebuild that would have brought it back was cut short) — the configured
    folder, or one an ``earlier`` config named, that a rebuild killed before
    it had moved every post back left some in; or ``"gone"``: its owner
    deleted it, and no pass writes it again (a rebuild does)."""
    if os.path.exists(os.path.join(posts_dir, file_name)):
        return "posts"
    if any(os.path.exists(os.path.join(folder, file_name)) for folder in waiting):
        return "posts"
    for folder in (archive_dir, *earlier):
        if os.path.exists(os.path.join(folder, file_name)):
            return "archive"
    return "gone"


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def write_if_changed(path: str | Path, data: bytes, *, fsync: bool = False) -> bool:
    """Put ``data`` at ``path``; return False if the file already held it."""
    path = os.fspath(path)
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        size = -1
    if size == len(data):  # same size: compare the bytes
        with open(path, "rb") as handle:
            if handle.read() == data:
                return False
    directory, name = os.path.split(path)
    temp_dir = os.path.join(directory, TEMP_DIR)
    # Short: the target name may already use most of the 255 bytes allowed.
    temp = os.path.join(temp_dir, f"{os.getpid()}-{content_hash(name.encode())[:16]}")
    if not os.path.isdir(temp_dir):
        # Its own folder only: a site folder moved away mid-pass must not
        # come back as an empty one holding this post (FileNotFoundError).
        with contextlib.suppress(FileExistsError):
            os.mkdir(temp_dir)
    try:
        with naming(temp), open(temp, "wb") as handle:
            handle.write(data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    return True


def _same_bytes(path: str, data: bytes) -> bool:
    try:
        if os.stat(path).st_size != len(data):
            return False
    except FileNotFoundError:
        return False
    with open(path, "rb") as handle:
        return handle.read() == data


def make_in_site(folder: str | Path, site: str | Path) -> None:
    """Make ``folder``, inside ``site``, never ``site`` itself: a site folder
    moved away under a daemon's pass must not come back empty, taking posts."""
    if not os.path.isdir(site):
        raise FileNotFoundError(errno.ENOENT, "the site folder is gone", str(site))
    os.makedirs(folder, exist_ok=True)


def stage(stage_dir: str, name: str, data: bytes) -> str:
    """Write ``data`` to a staging file (see ``place``); returns its path."""
    path = os.path.join(stage_dir, name)
    # (os.open, not open(): a buffered file object costs as much as the
    # system calls, on every new post's path.)
    with naming(path):
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        try:
            fd = os.open(path, flags, 0o666)
        except FileNotFoundError:
            # Deleted under a pass (`git clean -X` lists it): made again —
            # but only there, never the posts folder or the site it is in.
            if not os.path.isdir(os.path.dirname(stage_dir)):
                raise
            with contextlib.suppress(FileExistsError):
                os.mkdir(stage_dir)
            fd = os.open(path, flags, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
    return path


@contextlib.contextmanager
def naming(path: str) -> Iterator[None]:
    """An error of writing names the file: a full disk said only "[Errno 28]
    No space left on device", not whether the site or the database was full."""
    try:
        yield
    except OSError as exc:
        if exc.filename is not None or exc.errno is None:
            raise
        raise OSError(exc.errno, exc.strerror, path) from exc


# A full disk, a read-only file system, a folder the user may not write.
REFUSALS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})


def takes_no_writes(exc: BaseException) -> bool:
    """Whether ``exc`` says a folder takes no writes now: no feed's fault."""
    return isinstance(exc, OSError) and exc.errno in REFUSALS


def place(staged: str, path: str) -> bool:
    """Rename a staged file over ``path`` — unless ``path`` already holds its bytes.

    Returns whether ``path`` changed.  Staging (in a worker process) and
    placing (once the database has the item) split one atomic write in two.
    """
    try:
        existing = os.stat(path).st_size
    except FileNotFoundError:
        existing = -1
    if existing >= 0 and existing == os.stat(staged).st_size:
        with open(staged, "rb") as handle:
            if _same_bytes(path, handle.read()):
                os.unlink(staged)
                return False
    os.replace(staged, path)
    return True


def remove_stale_temp_files(directory: Path) -> int:
    """Delete the temporary files a killed run left behind."""
    temp_dir = directory / TEMP_DIR
    if not temp_dir.is_dir():
        return 0
    count = sum(1 for _ in temp_dir.iterdir())
    shutil.rmtree(temp_dir, ignore_errors=True)
    return count


def move_file(source: Path, target: Path) -> None:
    """A rename; across file systems (an archive or posts folder that is a
    link to another disk), a copy put in place whole, then the original
    removed: a run killed midway leaves no half post, at worst both."""
    try:
        os.replace(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        # (In a staging folder: a copy cut short by a kill is no post; in
        # the posts folder's, which each pass empties, none is left.)
        partial = target.parent / TEMP_DIR / target.name
        partial.parent.mkdir(exist_ok=True)
        shutil.copy2(source, partial)
        os.replace(partial, target)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(source)
