"""Run the benchmarks: feedmill beside reader and a plain feedparser+requests
loop, on the same generated corpus, served by the same loopback server, in
the same run.  Prints a table of measured figures and ratios.

    python -m benchmarks.run                      # 1,000 feeds × 50 items
    python -m benchmarks.run --feeds 200 --items 20 --skip-baseline

Scenarios:
  cold        first run over the whole corpus: items per second, peak RSS — feedmill
              once as the peers work (no cross-feed dedupe, no search index: like for
              like) and once with its defaults (dedupe and the search index on)
  rerun       the run again, nothing changed (all 304), five times over: the median
              seconds, files touched; and the same pass repeated inside one
              `run --every` daemon (no start-up)
  latency     1,000 feeds answering after 100 ms: fetch phase and whole run
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from benchmarks.corpus import CORPUS_VERSION, generate

ROOT = Path(__file__).resolve().parents[1]
CORPORA = Path(__file__).resolve().parent / ".work"
# Sites and databases go to RAM when there is a tmpfs: on a slow virtual disk,
# creating a file (~0.6 ms) would otherwise dominate every program measured.
DEFAULT_WORK = Path("/dev/shm/feedmill-bench") if Path("/dev/shm").is_dir() else CORPORA
MiB = 1024 * 1024
WORK = DEFAULT_WORK
# An unchanged rerun takes about a second: once, it was as much the shared
# machine's moment as the program's (1.0 to 1.4 s for one build).
RERUNS = 5


@dataclass
class Measured:
    wall: float
    peak_main: int  # bytes, the process itself
    peak_tree: int  # bytes, the process and all its children, summed
    # Proportional set size, summed: a page shared by n processes counts 1/n
    # in each (the workers share what their forkserver had imported), so
    # this is what the tree takes of the machine's memory.
    peak_tree_pss: int
    # CPU seconds (user + system) of the process and all its children, summed:
    # what the work cost the machine, whatever the number of cores it used.
    cpu: float
    returncode: int
    stdout: str
    stderr: str
    extra: dict[str, Any] = field(default_factory=dict)


class RunFailed(RuntimeError):
    """A measured run that exited with an error: its time is no run's."""


def measure(
    command: list[str], cwd: Path, env: dict[str, str] | None = None, *, what: str = ""
) -> Measured:
    """``command`` run in ``cwd``, watched; RunFailed (naming it ``what``, else
    the command) if it exits with an error."""
    # Output goes to files, not pipes: this loop reads nothing until the end,
    # and a run that says more than a pipe holds (a failure line per feed)
    # would block on its write for ever.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, stdout=out, stderr=err, text=True, env={**os.environ, **(env or {})}
        )
        wall, peaks, cpu = _watch(process, started)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        name = what or " ".join(Path(part).name for part in command[:4])
        raise RunFailed(f"{name} exited {process.returncode}: {stderr[-2000:]}")
    return Measured(wall, *peaks, cpu, process.returncode, stdout, stderr)


def _watch(
    process: subprocess.Popen[str], started: float
) -> tuple[float, tuple[int, int, int], float]:
    """Wait for ``process``; its wall time, peak memory (main, tree, tree PSS)
    and CPU seconds (tree)."""
    watched = psutil.Process(process.pid)
    peak_main = peak_tree = peak_pss = 0
    children: list[psutil.Process] = []
    # The last CPU times read of each process: a worker's own, never its
    # children's (a forkserver's reaped workers would count twice).  Read
    # every 0.1 s, so a child's last 0.1 s may be missed; the main process's
    # every 20 ms.
    cpu: dict[int, float] = {}
    rounds = 0
    # The watcher shares the machine's two cores with the program measured:
    # listing children walks every process of the system, and reading smaps
    # (PSS) a whole process map, so they run less often than the cheap RSS
    # read (polling all of it every 20 ms slowed a two-worker run by ~20 %).
    while process.poll() is None:
        try:
            main_rss = watched.memory_info().rss
            peak_main = max(peak_main, main_rss)
            times = watched.cpu_times()
            cpu[watched.pid] = times.user + times.system
            if rounds % 25 == 0:  # every 0.5 s
                children = watched.children(recursive=True)
            if rounds % 5 == 0:  # every 0.1 s
                tree = main_rss
                for child in children:
                    with contextlib.suppress(psutil.Error), child.oneshot():
                        tree += child.memory_info().rss
                        times = child.cpu_times()
                        cpu[child.pid] = times.user + times.system
                peak_tree = max(peak_tree, tree)
            if rounds % 50 == 0:  # every 1 s
                pss = 0
                for member in (watched, *children):
                    with contextlib.suppress(psutil.Error):
                        pss += member.memory_full_info().pss
                peak_pss = max(peak_pss, pss)
        except psutil.Error:
            pass
        rounds += 1
        time.sleep(0.02)
    return time.perf_counter() - started, (peak_main, peak_tree, peak_pss), sum(cpu.values())


class Server:
    def __init__(self, corpus: Path, hosts: int, latency: float) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "benchmarks.server",
                str(corpus),
                "--hosts",
                str(hosts),
                "--latency",
                str(latency),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline().split()  # type: ignore[union-attr]
        if not line or line[0] != "READY":
            raise RuntimeError("benchmark server did not start")
        self.port = int(line[2])
        self.hosts = hosts

    def url(self, index: int, name: str) -> str:
        return f"http://127.0.0.{index % self.hosts + 1}:{self.port}/{name}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


def feed_list(manifest: dict[str, Any], server: Server) -> list[dict[str, str]]:
    return [
        {"url": server.url(i, f["name"]), "group": "基准", "source": f["source"]}
        for i, f in enumerate(manifest["files"])
    ]


def compile_sources() -> None:
    """Byte-compile feedmill and the peers' runner, as ``pip install`` does.

    From a source checkout under PYTHONDONTWRITEBYTECODE, every measured
    process would compile feedmill's modules again (~0.2 s a run), which no
    installed copy does; the peers' libraries are compiled at install already.
    """
    import feedmill

    compileall.compile_dir(Path(feedmill.__file__).parent, quiet=1)
    compileall.compile_dir(Path(__file__).parent, maxlevels=0, quiet=1)  # not .work/


def feedmill_site(directory: Path, feeds: list[dict[str, str]], **settings: Any) -> Path:
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    config = {"site": ".", "state": ".feedmill/state.db", **settings, "feeds": feeds}
    (directory / "feedmill.yml").write_text(
        json.dumps(config, ensure_ascii=False), encoding="utf-8"
    )
    return directory


def mtimes(posts: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in posts.glob("*.md")} if posts.is_dir() else {}


def touched(before: dict[str, int], after: dict[str, int]) -> int:
    return sum(1 for name, mtime in after.items() if before.get(name) != mtime)


def feedmill_cmd(workers: int | None) -> list[str]:
    command = [sys.executable, "-m", "feedmill", "run"]
    return command + (["--workers", str(workers)] if workers else [])


def measure_feedmill(
    site: Path, workers: int | None, total_items: int, label: str
) -> dict[str, Any]:
    """One cold feedmill run on ``site``: its figures, printed and returned."""
    cold = measure(feedmill_cmd(workers), site)
    posts = len(list((site / "source" / "_posts").glob("*.md")))
    print(
        f"feedmill  cold  {cold.wall:7.2f} s  {total_items / cold.wall:8.0f} items/s  "
        f"peak RSS {cold.peak_main / MiB:.0f} MiB "
        f"(with workers {cold.peak_tree / MiB:.0f} MiB, PSS {cold.peak_tree_pss / MiB:.0f})  "
        f"CPU {cold.cpu:.1f} s = {1000 * cold.cpu / total_items:.2f} ms/item  "
        f"{posts} posts ({label})"
    )
    return {
        "cold_seconds": round(cold.wall, 2),
        "cold_items_per_s": round(total_items / cold.wall),
        "cold_cpu_seconds": round(cold.cpu, 1),
        "cpu_ms_per_item": round(1000 * cold.cpu / total_items, 2),
        "posts": posts,
        "peak_rss_main_mib": round(cold.peak_main / MiB),
        "peak_rss_tree_mib": round(cold.peak_tree / MiB),
        "peak_pss_tree_mib": round(cold.peak_tree_pss / MiB),
        "cold_summary": cold.stdout.strip(),
    }


def measure_reruns(command: list[str], cwd: Path, posts: Path) -> dict[str, Any]:
    """``command`` run again RERUNS times on what it made: the median and
    every wall time, the posts files any of them touched, and what they said
    (each different summary, its time left out).  A rerun that fails stops
    the benchmark: its time is no rerun's."""
    before = mtimes(posts)
    walls: list[float] = []
    said: list[str] = []
    for number in range(1, RERUNS + 1):
        run = measure(command, cwd, what=f"rerun {number} of {RERUNS}")
        walls.append(run.wall)
        summary = _TIME_SAID.sub("", run.stdout.strip())
        if summary not in said:
            said.append(summary)
    return {
        "rerun_seconds": round(statistics.median(walls), 2),
        "rerun_each_seconds": [round(wall, 2) for wall in walls],
        "rerun_files_touched": touched(before, mtimes(posts)),
        "rerun_summaries": said,
    }


# The time a run's summary ends with ("… · 0.9 s"), which differs every run.
_TIME_SAID = re.compile(r" · [0-9.]+ s$", re.MULTILINE)


def _reruns_said(name: str, figures: dict[str, Any]) -> str:
    each = ", ".join(f"{wall:.2f}" for wall in figures["rerun_each_seconds"])
    return f"{name:9} rerun {figures['rerun_seconds']:7.2f} s  (median of {each})"


def measure_daemon_passes(site: Path, workers: int | None, passes: int = 5) -> list[float]:
    """Seconds of each unchanged pass of a `run --every 2s --all` daemon on
    ``site`` after its first (which imports the HTTP client): a daemon starts
    Python once, so its passes are the rerun without the start-up."""
    command = [*feedmill_cmd(workers), "--every", "2s", "--all"]
    process = subprocess.Popen(
        command,
        cwd=site,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    seconds: list[float] = []
    try:
        for line in process.stdout:  # one summary line a pass, ending "· 0.8 s"
            found = re.search(r"· ([\d.]+) s$", line.strip())
            if found:
                seconds.append(float(found.group(1)))
            if len(seconds) > passes:
                break
    finally:
        process.send_signal(signal.SIGINT)  # finishes the pass under way, exits 0
        _, stderr = process.communicate(timeout=120)
    if process.returncode != 0 or len(seconds) <= passes:
        raise RuntimeError(f"the daemon ended early ({process.returncode}): {stderr[-2000:]}")
    return seconds[1:]


def measure_peer(name: str, urls: Path, total_items: int, *extra: str) -> dict[str, Any]:
    """A peer of benchmarks/peers.py run twice (cold, then unchanged) on the corpus."""
    out = WORK / f"{name}-posts"
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "benchmarks.peers", name, "--urls", str(urls)]
    command += [*extra, "--out", str(out)]
    cold = measure(command, ROOT)
    posts = len(mtimes(out))
    reruns = measure_reruns(command, ROOT, out)
    print(
        f"{name:9} cold  {cold.wall:7.2f} s  {total_items / cold.wall:8.0f} items/s  "
        f"peak RSS {cold.peak_main / MiB:.0f} MiB  "
        f"CPU {cold.cpu:.1f} s = {1000 * cold.cpu / total_items:.2f} ms/item  {posts} posts"
    )
    print(_reruns_said(name, reruns))
    return {
        "cold_seconds": round(cold.wall, 2),
        "cold_items_per_s": round(total_items / cold.wall),
        "cold_cpu_seconds": round(cold.cpu, 1),
        "cpu_ms_per_item": round(1000 * cold.cpu / total_items, 2),
        "posts": posts,
        "peak_rss_main_mib": round(cold.peak_main / MiB),
        **reruns,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=None, help="feedmill --workers")
    parser.add_argument("--skip-reader", action="store_true")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--work",
        type=Path,
        default=DEFAULT_WORK,
        help=f"where sites and databases go (default {DEFAULT_WORK})",
    )
    args = parser.parse_args()
    global WORK
    WORK = args.work
    WORK.mkdir(parents=True, exist_ok=True)

    compile_sources()
    corpus = CORPORA / f"corpus-v{CORPUS_VERSION}-{args.feeds}x{args.items}"
    if not (corpus / "manifest.json").is_file():
        generate(corpus, args.feeds, args.items)
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    total_items = args.feeds * args.items
    results: dict[str, Any] = {
        "feeds": args.feeds,
        "items": args.items,
        "corpus_mb": round(manifest["bytes"] / 1e6, 1),
        "cpus": os.cpu_count(),
    }
    results["work"] = str(WORK)
    print(
        f"corpus: {args.feeds} feeds × {args.items} items = {total_items} items, "
        f"{results['corpus_mb']} MB, {args.hosts} loopback hosts, {os.cpu_count()} CPUs, "
        f"sites in {WORK}"
    )

    server = Server(corpus, args.hosts, 0.0)
    try:
        feeds = feed_list(manifest, server)
        urls = WORK / "urls.json"
        urls.write_text(json.dumps(feeds, ensure_ascii=False), encoding="utf-8")

        # Like for like with the peers first: no cross-feed dedupe, no search index.
        site = feedmill_site(WORK / "feedmill-plain", feeds, dedupe=False, search=False)
        results["feedmill_plain"] = measure_feedmill(
            site, args.workers, total_items, "dedupe and search off"
        )
        shutil.rmtree(site)

        site = feedmill_site(WORK / "feedmill", feeds)
        results["feedmill"] = measure_feedmill(site, args.workers, total_items, "defaults")
        reruns = measure_reruns(feedmill_cmd(args.workers), site, site / "source" / "_posts")
        results["feedmill"].update(reruns)
        print(f"{_reruns_said('feedmill', reruns)}  files touched: {reruns['rerun_files_touched']}")
        daemon = measure_daemon_passes(site, args.workers)
        results["feedmill"].update(
            daemon_pass_seconds=daemon, daemon_pass_median=statistics.median(daemon)
        )
        print(f"feedmill  unchanged passes in a daemon: {', '.join(f'{s:.1f}' for s in daemon)} s")

        if not args.skip_reader:
            state = WORK / "reader"
            shutil.rmtree(state, ignore_errors=True)
            results["reader"] = measure_peer("reader", urls, total_items, "--state", str(state))
        if not args.skip_baseline:
            results["baseline"] = measure_peer("baseline", urls, total_items)
    finally:
        server.stop()

    if args.latency:
        server = Server(corpus, args.hosts, args.latency)
        try:
            feeds = feed_list(manifest, server)
            urls.write_text(json.dumps(feeds, ensure_ascii=False), encoding="utf-8")
            fetch = measure(
                [sys.executable, "-m", "benchmarks.peers", "fetch", "--urls", str(urls)], ROOT
            )
            fetch_seconds = json.loads(fetch.stdout)["fetch_seconds"]
            site = feedmill_site(WORK / "feedmill-latency", feeds, dedupe=False, search=False)
            slow = measure(feedmill_cmd(args.workers), site)
            results["latency"] = {
                "latency_ms": round(args.latency * 1000),
                "fetch_phase_seconds": round(fetch_seconds, 2),
                "feedmill_cold_seconds": round(slow.wall, 2),
            }
            print(
                f"latency {args.latency * 1000:.0f} ms: fetch phase {fetch_seconds:.2f} s, "
                f"whole feedmill run (dedupe and search off) {slow.wall:.2f} s"
            )
        finally:
            server.stop()

    print()
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


def print_table(results: dict[str, Any]) -> None:
    fm = results["feedmill"]
    if "feedmill_plain" in results:
        plain = results["feedmill_plain"]
        fm = {
            **fm,
            "cold_items_per_s_plain": plain["cold_items_per_s"],
            "cpu_ms_per_item_plain": plain["cpu_ms_per_item"],
        }
        for peer in ("reader", "baseline"):
            if peer in results:
                results[peer] = {
                    **results[peer],
                    "cold_items_per_s_plain": results[peer]["cold_items_per_s"],
                    "cpu_ms_per_item_plain": results[peer]["cpu_ms_per_item"],
                }
    rows = [
        ("cold ingest, items/s (like for like)", "cold_items_per_s_plain", True),
        ("cold ingest, items/s (defaults)", "cold_items_per_s", True),
        ("CPU per item, ms (like for like)", "cpu_ms_per_item_plain", False),
        ("CPU per item, ms (defaults)", "cpu_ms_per_item", False),
        ("unchanged rerun, s (median)", "rerun_seconds", False),
        ("peak RSS (main process), MiB", "peak_rss_main_mib", False),
    ]
    peers = [name for name in ("reader", "baseline") if name in results]
    header = f"{'':32} {'feedmill':>10}" + "".join(f" {p:>10} {'ratio':>7}" for p in peers)
    print(header)
    for label, key, higher_is_better in rows:
        line = f"{label:32} {fm[key]:>10}"
        for peer in peers:
            value = results[peer][key]
            ratio = (
                (fm[key] / value if higher_is_better else value / fm[key])
                if value and fm[key]
                else 0
            )
            line += f" {value:>10} {ratio:>6.1f}×"
        print(line)
    print(f"{'files touched by the rerun':32} {fm['rerun_files_touched']:>10}")
    if "daemon_pass_median" in fm:
        print(f"{'unchanged pass in a daemon, s':32} {fm['daemon_pass_median']:>10}")
    if "latency" in results:
        lat = results["latency"]
        label = f"fetch phase at {lat['latency_ms']} ms latency, s"
        print(f"{label:32} {lat['fetch_phase_seconds']:>10}")
    print("(ratio = how many times feedmill is better)")


if __name__ == "__main__":
    main()
