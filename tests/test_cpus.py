"""The default number of workers: the CPUs this process may use, not the host's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from feedmill.cpus import available_cpus, cgroup_quota


def _cgroup(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize(
    ("files", "quota"),
    [
        ({"cpu.max": "200000 100000\n"}, 2),  # docker run --cpus 2 (cgroup v2)
        ({"cpu.max": "150000 100000\n"}, 2),  # 1.5 CPUs' time: two workers share it
        ({"cpu.max": "50000 100000\n"}, 1),
        ({"cpu.max": "max 100000\n"}, None),
        ({"cpu/cpu.cfs_quota_us": "300000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 3),  # v1
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
        ({"cpu.max": "garbled\n"}, None),
        ({}, None),  # no cgroup files (macOS, a sandbox)
    ],
)
def test_the_cgroup_quota(tmp_path: Path, files: dict[str, str], quota: int | None) -> None:
    assert cgroup_quota(_cgroup(tmp_path, files)) == quota


def test_the_quota_and_the_affinity_bound_the_count(tmp_path: Path) -> None:
    mine = len(os.sched_getaffinity(0))
    assert available_cpus(_cgroup(tmp_path / "none", {})) == mine
    one = _cgroup(tmp_path / "one", {"cpu.max": "100000 100000\n"})
    assert available_cpus(one) == 1
    many = _cgroup(tmp_path / "many", {"cpu.max": f"{(mine + 8) * 100000} 100000\n"})
    assert available_cpus(many) == mine  # a quota above the affinity is no more CPUs


def test_a_run_has_one_worker_per_cpu_it_may_use_unless_told(tmp_path: Path) -> None:
    from feedmill.config import load_config
    from feedmill.pipeline import Mill, RunOptions

    from support.site import write_config

    config = load_config(write_config(tmp_path, [{"url": "a.xml", "group": "g", "source": "s"}]))
    with Mill(config) as mill:
        assert mill.workers == available_cpus()
    with Mill(config, RunOptions(workers=1)) as mill:
        assert mill.workers == 1
