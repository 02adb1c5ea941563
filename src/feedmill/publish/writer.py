"""Write post files atomically, and only when their bytes change.

A post is written to a hidden temporary file in the same directory (Hexo
ignores names that start with ``.``) and renamed over the target, so a
crash or ``kill -9`` leaves either the old file or the new one, never half
of one.  A file whose bytes would not change is not touched at all: its
mtime stays, and Hexo has nothing to regenerate.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

TEMP_PREFIX = ".feedmill-tmp-"


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def write_if_changed(path: Path, data: bytes, *, fsync: bool = False) -> bool:
    """Put ``data`` at ``path``; return False if the file already held it."""
    try:
        with open(path, "rb") as handle:
            if handle.read(len(data) + 1) == data:
                return False
    except FileNotFoundError:
        pass
    # Short: the target name may already use most of the 255 bytes allowed.
    temp = path.with_name(f"{TEMP_PREFIX}{os.getpid()}-{content_hash(path.name.encode())[:12]}")
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return True


def remove_stale_temp_files(directory: Path) -> int:
    """Delete temporary files a killed run left behind."""
    removed = 0
    if directory.is_dir():
        for leftover in directory.glob(f"{TEMP_PREFIX}*"):
            leftover.unlink(missing_ok=True)
            removed += 1
    return removed
