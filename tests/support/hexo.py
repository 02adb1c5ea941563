"""Real Hexo 8: installed once with npm into tests/hexo, used by many sites.

If Node.js, npm or Hexo cannot be found or installed, the test fails — it is
never skipped, so a CI machine without them shows red.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote

HEXO_DIR = Path(__file__).resolve().parents[1] / "hexo"
MODULES = HEXO_DIR / "node_modules"


class HexoMissing(RuntimeError):
    pass


def ensure_hexo() -> Path:
    """tests/hexo/node_modules with Hexo 8, installing it with `npm ci` if needed."""
    if (MODULES / "hexo" / "package.json").is_file():
        return MODULES
    npm = shutil.which("npm")
    if npm is None:
        raise HexoMissing("npm is not installed: the Hexo tests need Node.js 20+ and npm")
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=HEXO_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0 or not (MODULES / "hexo").is_dir():
        raise HexoMissing(f"npm ci failed in {HEXO_DIR}:\n{result.stdout}\n{result.stderr}")
    return MODULES


def hexo_version() -> str:
    import json

    return json.loads((MODULES / "hexo" / "package.json").read_text())["version"]


def generate(site: Path, tz: str = "UTC") -> subprocess.CompletedProcess[str]:
    """`hexo generate` in ``site`` (a fresh public/), under the given machine TZ."""
    ensure_hexo()
    node = shutil.which("node")
    if node is None:
        raise HexoMissing("node is not installed")
    link = site / "node_modules"
    if not link.exists():
        link.symlink_to(MODULES, target_is_directory=True)
    for stale in ("public", "db.json"):
        path = site / stale
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    env = {**os.environ, "TZ": tz, "NO_COLOR": "1"}
    return subprocess.run(
        [node, str(MODULES / "hexo" / "bin" / "hexo"), "generate"],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def post_pages(site: Path) -> dict[str, Path]:
    """slug → generated page, for every post page under public/YYYY/MM/DD/."""
    pages = {}
    for page in (site / "public").glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]/[0-9][0-9]/*/index.html"):
        pages[page.parent.name] = page
    return pages


_HREF = re.compile(r'href="([^"]+)"')


def links_under(directory: Path) -> set[str]:
    """Every (unquoted) href in the HTML pages under ``directory``."""
    hrefs: set[str] = set()
    for page in directory.rglob("*.html"):
        hrefs.update(unquote(h) for h in _HREF.findall(page.read_text(encoding="utf-8")))
    return hrefs


THEMES = HEXO_DIR / "themes"


def use_theme(site: Path, name: str) -> None:
    """Build ``site`` with one of tests/hexo/themes (e.g. the script-free ``bare``)."""
    themes = site / "themes"
    themes.mkdir(exist_ok=True)
    link = themes / name
    if not link.exists():
        link.symlink_to(THEMES / name, target_is_directory=True)
    config = site / "_config.yml"
    text = re.sub(r"(?m)^theme: .*$", f"theme: {name}", config.read_text(encoding="utf-8"))
    config.write_text(text, encoding="utf-8")


def post_body(page: Path) -> str:
    """The article HTML of a page built with the bare theme."""
    html = page.read_text(encoding="utf-8")
    start = html.index('<div class="post-body">') + len('<div class="post-body">')
    end = html.rindex("</div><!-- /post-body -->")
    return html[start:end]


def visible_text(html: str) -> str:
    """What a reader sees of some HTML, whitespace-normalized."""
    import lxml.html

    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for hidden in root.xpath("//script|//style|//template"):
        hidden.drop_tree()
    return " ".join(root.text_content().split())


def _in_node(script: str, module: str, data: str) -> Any:
    """What ``script`` (given the path of Hexo's ``module`` as its first
    argument, ``data`` on stdin) writes to stdout, read as JSON."""
    import json

    ensure_hexo()
    node = shutil.which("node")
    if node is None:
        raise HexoMissing("node is not installed")
    result = subprocess.run(
        [node, "-e", script, str(MODULES / module)],
        input=data,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(result.stdout)


def slugize(names: list[str]) -> list[str]:
    """hexo-util's own slugize (the one Hexo names category and tag pages
    with) of each name, run in Node."""
    import json

    script = (
        "const slugize = require(process.argv[1]);"
        "const names = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(names.map((n) => slugize(n))));"
    )
    slugs: list[str] = _in_node(script, "hexo-util/dist/slugize.js", json.dumps(names))
    return slugs


def pre_texts(html: str) -> list[str]:
    """The text of each <pre> in ``html`` as a browser's parser reads it
    (parse5, the WHATWG parser in Hexo's own dependencies, run in Node): a
    newline right after the tag is not content."""
    script = (
        "const parse5 = require(process.argv[1]);"
        "const walk = (n, out) => { if (n.nodeName === 'pre') out.push("
        "(n.childNodes || []).map((c) => c.value || '').join(''));"
        " (n.childNodes || []).forEach((c) => walk(c, out)); return out; };"
        "const html = require('fs').readFileSync(0, 'utf8');"
        "process.stdout.write(JSON.stringify(walk(parse5.parseFragment(html), [])));"
    )
    texts: list[str] = _in_node(script, "parse5", html)
    return texts
