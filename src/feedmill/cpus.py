"""How many CPUs this process may use: the default number of workers.

``os.cpu_count()`` counts the host's: in a container limited to two CPUs on a
64-core host it said 64, and a run started 64 workers (~70 MiB each) to share
two CPUs' time.  The CPUs the process may run on (its affinity) and the
cgroup's CPU quota (``docker run --cpus``) bound it.
"""

from __future__ import annotations

import math
import os
from functools import cache
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")


@cache  # (asked for at every pool decision: the files are read once a process)
def available_cpus(cgroup: Path = CGROUP) -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # (no affinity on macOS)
        cpus = os.cpu_count() or 1
    quota = cgroup_quota(cgroup)
    return max(1, min(cpus, quota) if quota is not None else cpus)


def cgroup_quota(root: Path = CGROUP) -> int | None:
    """The CPUs' worth of time the cgroup allows, rounded up; None without a
    limit (or a cgroup file to read)."""
    try:  # cgroup v2: "200000 100000" (two CPUs' time), "max 100000" (no limit)
        quota, period = (root / "cpu.max").read_text().split()[:2]
        return None if quota == "max" else _whole(int(quota), int(period))
    except (OSError, ValueError):
        pass
    try:  # cgroup v1: a quota of -1 is no limit
        quota_us = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period_us = int((root / "cpu" / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return None if quota_us < 0 else _whole(quota_us, period_us)


def _whole(quota: int, period: int) -> int | None:
    if quota <= 0 or period <= 0:
        return None
    return max(1, math.ceil(quota / period))
