"""One feedmill at a time per site: a lock on a file in the posts folder.

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

from feedmill.publish.writer import make_in_site

LOCK_NAME = ".feedmill.lock"  # hidden: Hexo skips it


class SiteBusy(Exception):
    pass


class SiteLock:
    def __init__(self, posts_dir: Path, site: Path | None = None) -> None:
        self.path = posts_dir / LOCK_NAME
        self.site = site  # made inside this folder only, never the folder itself
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock at once, or raise SiteBusy saying who holds it."""
        self._fd = self._take()

    def ensure(self) -> None:
        """Hold the lock on the file that is there now (before each pass).

        A lock on a file since deleted (the posts folder removed and made
        again, by hand or by a deploy) locks nothing: another feedmill would
        lock the new file and write beside this one.  The lock is taken
        again on the new file, or SiteBusy raised if another has it.
        """
        if self._fd is None:
            return
        try:
            here = os.stat(self.path)
        except FileNotFoundError:
            here = None
        held = os.fstat(self._fd)
        if here is not None and (here.st_dev, here.st_ino) == (held.st_dev, held.st_ino):
            return
        fd = self._take()
        self.release()
        self._fd = fd

    def _take(self) -> int:
        if self.site is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        else:
            make_in_site(self.path.parent, self.site)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise SiteBusy(
                f"another feedmill (pid {holder}) is publishing to {self.path.parent}; "
                "this one did nothing"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        return fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                # Empty between runs: a site kept in git sees the same bytes
                # after every run (the pid is only there while one runs).
                os.ftruncate(self._fd, 0)
            with contextlib.suppress(OSError):
                os.close(self._fd)  # closing the descriptor drops the lock
            self._fd = None
