"""One feedmill at a time per site: a lock on the site's folder, on its posts
folder, and on a file in it that names the holder's pid.  (The site's own:
a run that reads a `source_dir` edited since another began locks another
posts folder.)

Two passes over one site — a daemon, and ``feedmill run --feed URL`` typed
meanwhile — would each clear the other's staged files and write the same
posts.  The lock is the kernel's (``flock``): a run killed with -9 drops it
with its last descriptor, so there is never a stale lock to remove by hand.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from feedmill.publish.writer import make_in_site, naming, takes_no_writes

LOCK_NAME = ".feedmill.lock"  # hidden: Hexo skips it


class SiteBusy(Exception):
    pass


class SiteLock:
    def __init__(self, posts_dir: Path, site: Path | None = None) -> None:
        self.path = posts_dir / LOCK_NAME
        self.site = site  # made inside this folder only, never the folder itself
        self._fd: int | None = None
        # The posts folder is locked too: a lock file deleted under a run
        # (`git clean -X`: the file is in .gitignore) let a second run lock a
        # new one and write beside the first.
        self._dir_fd: int | None = None
        self._site_fd: int | None = None  # the site folder's (none without a site)
        self._shared = False  # given by `moved` a site's lock that another held

    def acquire(self) -> None:
        """Take the lock at once, or raise SiteBusy saying who holds it."""
        site_fd = self._site_fd if self._site_fd is not None else self._lock_site()
        try:
            self._dir_fd, self._fd = self._take()
        except BaseException:
            if site_fd is not self._site_fd and site_fd is not None:
                _close(site_fd)
            raise
        self._site_fd = site_fd

    def moved(self, posts_dir: Path, site: Path) -> SiteLock:
        """The lock of another posts folder (the site's `source_dir` edited,
        or `site:`): this one is left holding nothing of a site they share —
        its lock kept any other feedmill out while the posts folder changed
        hands — and all of another's (`release` it, or `restore` on failure)."""
        lock = SiteLock(posts_dir, site)
        if self.site is None or os.path.abspath(self.site) != os.path.abspath(site):
            lock.acquire()
            return lock
        lock._shared = True
        site_fd, self._site_fd = self._site_fd, None
        self._release_posts()
        if site_fd is not None and os.path.abspath(site) == os.path.abspath(posts_dir):
            _close(site_fd)  # (a site that is its own posts folder: that folder's lock)
            site_fd = None
        lock._site_fd = site_fd
        try:
            lock.acquire()
        except BaseException:
            self.restore(lock)
            raise
        return lock

    def restore(self, lock: SiteLock) -> None:
        """Undo `moved` (which gave ``lock``): this one holds its site again."""
        if not lock._shared:
            lock.release()
            return
        site_fd, lock._site_fd = lock._site_fd, None
        lock.release()
        if site_fd is not None and os.path.abspath(self.path.parent) != os.path.abspath(
            self.site or ""
        ):
            self._site_fd = site_fd
        else:
            if site_fd is not None:
                _close(site_fd)
            self._site_fd = self._lock_site()
        self._dir_fd, self._fd = self._take()

    def _lock_site(self) -> int | None:
        if self.site is None or os.path.abspath(self.site) == os.path.abspath(self.path.parent):
            return None  # (a site that is its own posts folder: that folder's lock)
        fd = os.open(self.site, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            # Its pid is in its own posts folder's lock file — this one's,
            # unless it read a `source_dir` edited since: a pid there is
            # named only if it runs (one killed with -9 left its pid behind).
            holder = self._holder()
            who = f"another feedmill (pid {holder})" if _runs(holder) else "another feedmill"
            raise SiteBusy(f"{who} is publishing to {self.site}; this one did nothing") from None
        return fd

    def ensure(self) -> None:
        """Hold the lock on the folder and file that are there now (before
        each pass).

        A lock on a folder since deleted (removed and made again, by hand or
        by a deploy) locks nothing: another feedmill would lock the new one
        and write beside this one.  The lock is taken again on the new one,
        or SiteBusy raised if another has it.  A lock file deleted alone is
        made again (the folder's lock kept everyone else out meanwhile).
        """
        if self._fd is None or self._dir_fd is None:
            return
        if (
            self.site is not None
            and self._site_fd is not None
            and os.path.isdir(self.site)  # (gone: said as the posts folder is taken)
            and not _same(self.site, self._site_fd)
        ):
            site_fd = self._lock_site()  # (the site folder replaced)
            _close(self._site_fd)
            self._site_fd = site_fd
        if not _same(self.path.parent, self._dir_fd):
            dir_fd, fd = self._take()
            self._release_posts()  # (the site's lock is kept)
            self._dir_fd, self._fd = dir_fd, fd
        elif not _same(self.path, self._fd):
            fd = self._lock_file()
            _close(self._fd)
            self._fd = fd

    def _take(self) -> tuple[int, int]:
        if self.site is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        else:
            make_in_site(self.path.parent, self.site)
        dir_fd = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(dir_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(dir_fd)
            raise self._busy() from None
        try:
            return dir_fd, self._lock_file()
        except BaseException:
            os.close(dir_fd)
            raise

    def _lock_file(self) -> int:
        # A posts folder that takes no writes (a full disk, a read-only
        # mount): the lock is held all the same — by the file opened to read
        # (flock needs no write), or by the folder's alone — and the pass
        # stores the feeds before it fails on the posts.
        writable = True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            if not takes_no_writes(exc):
                raise
            writable = False
            try:
                fd = os.open(self.path, os.O_RDONLY)
            except FileNotFoundError:
                # (A descriptor of the folder, whose lock `_take` holds.)
                return os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise self._busy() from None
        if not writable:
            return fd
        try:
            with naming(str(self.path)):  # a full disk: which one
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        except OSError as exc:
            if not takes_no_writes(exc):  # (no pid said: the lock holds all the same)
                os.close(fd)
                raise
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _holder(self) -> str:
        """The pid the posts folder's lock file names ("" if none)."""
        try:
            with open(self.path, "rb") as lock:
                return lock.read(32).decode("ascii", "replace").strip()
        except OSError:
            return ""

    def _busy(self) -> SiteBusy:
        holder = self._holder()
        who = f"another feedmill (pid {holder})" if holder else "another feedmill"
        return SiteBusy(f"{who} is publishing to {self.path.parent}; this one did nothing")

    def release(self) -> None:
        self._release_posts()
        if self._site_fd is not None:
            _close(self._site_fd)
            self._site_fd = None

    def _release_posts(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                # Empty between runs: a site kept in git sees the same bytes
                # after every run (the pid is only there while one runs).
                os.ftruncate(self._fd, 0)
            _close(self._fd)  # closing the descriptor drops the lock
            self._fd = None
        if self._dir_fd is not None:
            _close(self._dir_fd)
            self._dir_fd = None


def _same(path: Path, fd: int) -> bool:
    """Whether ``path`` is the file ``fd`` holds open."""
    try:
        here = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (held.st_dev, held.st_ino)


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


def _runs(pid: str) -> bool:
    """Whether ``pid`` (as a lock file gives it) names a running process."""
    if not pid.isdigit() or int(pid) <= 0:
        return False
    try:
        os.kill(int(pid), 0)
    except PermissionError:
        return True  # (another user's)
    except (OSError, OverflowError):
        return False
    return True
