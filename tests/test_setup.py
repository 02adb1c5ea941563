"""The setup scripts: what `scripts/system-deps.sh` accepts and refuses."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _stubs(folder: Path, node_version: str) -> dict[str, str]:
    """An environment whose node, npm, chromium, initdb and fc-list are stand-ins
    (node answering as ``node_version`` does), all present: nothing to install."""
    folder.mkdir()
    major, minor = (int(part) for part in node_version.lstrip("v").split(".")[:2])
    recent = major > 20 or (major == 20 and minor >= 19)
    scripts = {
        # `node -e …` is the script's own version check: exit as the real one would.
        "node": f'[ "$1" = --version ] && echo {node_version} && exit 0\nexit {0 if recent else 1}',
        "npm": "exit 0",
        "chromium": "exit 0",
        "initdb": "exit 0",
        "fc-list": "echo '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc: WenQuanYi Zen Hei'",
        # Nothing is missing: an install would be a failure of the test.
        "apt-get": "echo 'apt-get called' >&2; exit 99",
    }
    for name, body in scripts.items():
        stub = folder / name
        stub.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        stub.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


@pytest.mark.parametrize(
    ("version", "accepted"),
    [("v18.20.4", False), ("v20.18.1", False), ("v20.19.0", True), ("v22.1.0", True)],
)
def test_a_node_older_than_hexo_8_asks_for_is_refused_with_the_reason(
    tmp_path: Path, version: str, accepted: bool
) -> None:
    done = subprocess.run(
        ["sh", str(ROOT / "scripts" / "system-deps.sh")],
        env=_stubs(tmp_path / "bin", version),
        capture_output=True,
        text=True,
    )
    assert (done.returncode == 0) is accepted, done.stderr
    assert "apt-get called" not in done.stderr
    if not accepted:
        assert f"Node.js {version} is too old for Hexo 8, which needs 20.19 or newer" in done.stderr


@pytest.mark.hexo  # the real Node.js
def test_the_version_check_is_nodes_own() -> None:
    """The stand-in above answers `node -e` as the check's script does on a real Node."""
    import shutil

    node = shutil.which("node")
    assert node, "Node.js is needed (the Hexo tests need it too)"
    script = (ROOT / "scripts" / "system-deps.sh").read_text(encoding="utf-8")
    check = script.split("node -e '", 1)[1].split("'", 1)[0]
    major, minor = (
        int(p)
        for p in subprocess.check_output([node, "--version"], text=True).lstrip("v").split(".")[:2]
    )
    expected = 0 if major > 20 or (major == 20 and minor >= 19) else 1
    assert subprocess.run([node, "-e", check]).returncode == expected
