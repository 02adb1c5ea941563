"""The ``feedmill`` command."""

from __future__ import annotations

import codecs
import errno
import functools
import io
import json
import os
import re
import signal
import stat
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence, Set
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast
from zoneinfo import ZoneInfo

import click
from rich.console import Console

from feedmill import __version__, gcpace
from feedmill.columns import plain
from feedmill.config import (
    CONFIG_NAME,
    Config,
    ConfigError,
    ConfigUnwritable,
    hexo_config_file,
    home_expanded,
    is_bare_file_url,
    load_config,
    looks_like_host,
    meant_url,
    parse_interval,
    web_scheme,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from feedmill.feedlist import ImportedFeed


class OutputLost(OSError):
    """The command's output could not be written (a full disk)."""


class _Output(Console):
    """Standard output, whose failure to be written is told from the
    command's own (a post that cannot be written is the pass's to report).
    A daemon's (``going_on``) says it and goes on: its passes' work is done."""

    going_on = False

    def print(self, *objects: Any, **options: Any) -> None:
        try:
            with _writing():
                super().print(*objects, **options)
        except OutputLost as lost:
            if not self.going_on:
                raise
            _say_output_lost(lost)


@contextmanager
def _writing() -> Iterator[None]:
    """Standard output written: its failure as OutputLost.  A reader gone
    (`| head`, BrokenPipeError) is click's to handle."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputLost(exc.errno, exc.strerror) from exc


# No emoji codes: `:b:` of an IPv6 address, `:id:` of a route, a group's
# `:warning:` are shown as written (a URL status shows is copied to --feed).
out = _Output(highlight=False, emoji=False)
# Messages are never folded: a path or URL cut by a line break cannot be copied.
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
# Piped output (cron mails, logs) is not folded at 80 columns.
wide = _Output(highlight=False, emoji=False, width=None if out.is_terminal else 200)


def _config_in_folder(_ctx: click.Context, _param: click.Parameter, value: str) -> Path:
    """A site folder given as the config means the feedmill.yml in it.  An
    empty one (``-c "$CONF"``, CONF unset) is refused: Path("") is ".", and
    the feedmill.yml of wherever it ran was read, and edited."""
    if not value:
        raise click.BadParameter(
            f"empty (an unset variable?): leave -c out for ./{CONFIG_NAME}, or name one"
        )
    _no_equals_sign(value, "-c")
    path = Path(value)
    return path / CONFIG_NAME if path.is_dir() else path


config_option = click.option(
    "--config",
    "-c",
    default=CONFIG_NAME,
    show_default=True,
    callback=_config_in_folder,
    help="The feedmill.yml to use, or the site folder that holds it.",
)

EXIT_FATAL = 1
EXIT_CONFIG = 2
EXIT_BUSY = 75  # EX_TEMPFAIL: another feedmill holds the site; try again later
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def _load(path: Path, *, feeds_optional: bool = False) -> Config:
    try:
        return load_config(path, feeds_optional=feeds_optional)
    except ConfigError as exc:
        err.print(f"[red]config error[/red]\n{plain(str(exc))}", soft_wrap=True)
        raise click.exceptions.Exit(EXIT_CONFIG) from None


def _version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        out.print(f"feedmill {__version__}")
        ctx.exit()


class _HelpWritten(click.Command):
    """A command whose --help that cannot be written ends as OutputLost (120
    and one line), not as click's traceback."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        shown = option.callback if option is not None else None
        if option is not None and shown is not None and not hasattr(shown, "written"):

            def show(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
                with _writing():
                    return shown(ctx, param, value)

            show.written = True  # type: ignore[attr-defined]
            option.callback = show
        return option


# click rather than typer: typer builds a pydantic adapter for every option
# of the command on each start, ~0.3 s of a 2 s unchanged rerun (measured).
# Commands other tools have that are options here: the command to type.
_OTHER_NAMES = (
    {
        name: "it is `feedmill run --every 15m`"
        for name in ("daemon", "serve", "start", "watch", "schedule", "cron", "loop")
    }
    | {name: "it is `feedmill run`" for name in ("fetch", "refresh", "pull")}
    | {name: "`feedmill status` lists the feeds" for name in ("list", "ls", "feeds")}
    # (`demo`, the nearest name, would make a site of sample posts where it runs.)
    | {
        name: "delete the feed's lines from feedmill.yml (its posts stay on the site)"
        for name in ("remove", "rm", "delete", "del", "unsubscribe")
    }
    | {
        name: "Hexo builds the site: `npx hexo generate` (or `npx hexo deploy`) in its folder"
        for name in ("build", "generate", "deploy")
    }
)


class _Commands(_HelpWritten, click.Group):
    command_class = _HelpWritten

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if self.get_command(ctx, name) is None and name.lower() in _OTHER_NAMES:
            ctx.fail(f"No such command {name!r}: {_OTHER_NAMES[name.lower()]}.")
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        names = sys.getfilesystemencoding()
        if codecs.lookup(names).name != "utf-8" and not {"--help", "-h"} & set(sys.argv):
            # (A GBK locale wrote posts under GBK names, which Hexo does not
            # read, and read the UTF-8 names of posts written before as
            # others: an edited item's post was taken for deleted by hand.)
            err.print(
                f"[red]error[/red] this locale names files in {names!r}; Hexo reads post"
                " files' names as UTF-8: run feedmill under a UTF-8 locale, e.g."
                " LANG=C.UTF-8, or with PYTHONUTF8=1"
            )
            raise click.exceptions.Exit(EXIT_FATAL)
        # Ctrl-C: "interrupted" and the shell's 130, not click's "Aborted!"
        # and 1 (which reads as a failure of what may well have been done).
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            err.print("interrupted")
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        except UnicodeEncodeError as exc:
            # A locale whose encoding has no Chinese (LC_ALL=C without
            # Python's UTF-8 mode): file names of posts cannot be written.
            text = exc.object[exc.start : exc.end]
            err.print(
                f"[red]error[/red] {exc.encoding!r} cannot write {text!r} (this locale's "
                "encoding): run feedmill under a UTF-8 locale, e.g. LANG=C.UTF-8, or with "
                "PYTHONUTF8=1"
            )
            raise click.exceptions.Exit(EXIT_FATAL) from None


@click.group(
    "feedmill",
    cls=_Commands,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_version,
    help="Show the version.",
)
@click.pass_context
def app(ctx: click.Context) -> None:
    """Turn many news feeds into a categorized Hexo blog."""
    if ctx.invoked_subcommand not in _NOTING_COMMANDS:
        _default_signals()


# -- init -------------------------------------------------------------------

SITE_FILES = {
    "package.json": "package.json",
    "scripts/feedmill-timezone.js": "scripts/feedmill-timezone.js",
    "scripts/feedmill-referrer.js": "scripts/feedmill-referrer.js",
    "scripts/feedmill-wide-content.js": "scripts/feedmill-wide-content.js",
    "gitignore": ".gitignore",
    "favicon.png": "source/favicon.png",  # the default theme links it
    "feedmill.yml": CONFIG_NAME,
    # Last: a site with it is one of its owner's (`init_site`), and an init
    # cut short before the rest took the next one's new site for that.
    "_config.yml": "_config.yml",
}


TIMEZONE_SCRIPT = "scripts/feedmill-timezone.js"
REFERRER_SCRIPT = "scripts/feedmill-referrer.js"
WIDE_CONTENT_SCRIPT = "scripts/feedmill-wide-content.js"
# Scripts that would change how a site's own posts are built or shown: only in
# a new site (see init_site).
NEW_SITE_ONLY = frozenset({TIMEZONE_SCRIPT, REFERRER_SCRIPT, WIDE_CONTENT_SCRIPT})


def init_site(directory: Path) -> list[tuple[str, str]]:
    """Write the site skeleton; existing files are kept. Returns (path, what
    was done: "created", "kept" or "updated").

    On an existing Hexo site (it has a _config.yml, or a _config.yaml or
    _config.json, which Hexo reads alike; none is added), feedmill.yml takes the
    site's `timezone:`, and the script that runs Hexo in that zone is not
    added: it would move the site's own posts dated near midnight to another
    day's URL wherever it was built in another zone.  Nor is the one that
    sends no Referer: the site's own pictures may sit behind a CDN that
    serves only requests naming the site.
    """
    from importlib import resources  # here: only init and demo read packaged files

    from feedmill.config import source_folder

    site = resources.files("feedmill") / "site"
    directory.mkdir(parents=True, exist_ok=True)
    hexo_config = hexo_config_file(directory)
    existing = hexo_config is not None
    # The site's own source folder (its `source_dir`), where Hexo looks.
    source = Path(os.path.relpath(source_folder(directory), directory)).as_posix()
    zone = _site_timezone(directory) if existing else None
    done = []
    for packaged, target in SITE_FILES.items():
        if target.startswith("source/"):
            target = source + target.removeprefix("source")
        path = directory / target
        if hexo_config is not None and target == "_config.yml":
            done.append((hexo_config.name, "kept"))  # (the one Hexo reads: yml, yaml or json)
            continue
        if target == "package.json" and not existing and path.is_file():
            # A Node project's (`npm init`): without a "hexo" key, hexo-cli
            # takes the folder for no site, and `npx hexo generate` prints its
            # usage and exits 0 — a cron's build "succeeding", building nothing.
            done.append((target, _hexo_package(path, (site / packaged).read_bytes())))
            continue
        if path.exists() or (existing and target in NEW_SITE_ONLY):
            done.append((target, "kept"))
            continue
        if existing and packaged == "favicon.png":
            # The site's theme may give its own (Matery's source/favicon.png):
            # two files for one address, and each build took either.
            done.append((target, "skipped"))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        data = (site / packaged).read_bytes()
        if target == CONFIG_NAME:  # (its comment names the folder posts go to)
            data = data.replace(
                b"source_dir (source/_posts).", f"source_dir ({source}/_posts).".encode()
            )
        if target == CONFIG_NAME and zone:
            data = data.replace(b"\ntimezone: Asia/Shanghai\n", f"\ntimezone: {zone}\n".encode())
            # The comment's example of a local date, in that zone too.
            data = data.replace(_LOCAL_EXAMPLE.encode(), _local_example(zone).encode())
            if not (directory / TIMEZONE_SCRIPT).exists():
                # Without the script, Hexo reads an exact instant off by the
                # builder's zone: wall time in the site's zone is what it
                # reads right.  (With it — a site `init` made — the instant.)
                data = data.replace(b"\ndate_style: rfc822\n", b"\ndate_style: local\n")
        if target == ".gitignore":  # the lock and temporary files beside the site's posts
            if source.startswith("../"):  # (no pattern reaches outside the site)
                data = b"".join(
                    line for line in data.splitlines(True) if not line.startswith(b"source/")
                )
            data = data.replace(b"\nsource/_posts/", f"\n{source}/_posts/".encode())
        path.write_bytes(data)
        done.append((target, "created"))
    (directory / source / "_posts").mkdir(parents=True, exist_ok=True)
    return done


def _hexo_package(path: Path, ours: bytes) -> str:
    """The ``package.json`` at ``path`` given what a Hexo site's has and it
    lacks — the "hexo" key, the packages the site is built with (its own
    versions of those it names kept) — or kept as it is: one of a Hexo site
    already ("kept"), or one feedmill cannot add to ("not hexo's": no JSON
    object, its dependencies no mapping; said by `init`)."""
    import json

    try:
        theirs = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError):
        return "not hexo's"
    if isinstance(theirs, dict) and "hexo" in theirs:
        return "kept"
    named = theirs.get("dependencies") if isinstance(theirs, dict) else None
    if not isinstance(theirs, dict) or (named is not None and not isinstance(named, dict)):
        return "not hexo's"
    needed = json.loads(ours)
    # A package the project lists among its dev (or optional, peer) ones is
    # there already: a second entry of another version made which one npm
    # installs a question (and `--omit=dev` another site).
    elsewhere = {
        name
        for kind in ("devDependencies", "optionalDependencies", "peerDependencies")
        if isinstance(theirs.get(kind), dict)
        for name in theirs[kind]
    }
    lacking = {k: v for k, v in needed["dependencies"].items() if k not in elsewhere}
    theirs["hexo"] = needed["hexo"]
    theirs["dependencies"] = {**lacking, **(named or {})}
    # Whole or not at all (its mode kept): npm reads a cut file as no project.
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temp.write_text(json.dumps(theirs, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.chmod(temp, path.stat().st_mode & 0o7777)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return "updated"


# The instant feedmill.yml's comment shows each date_style of, and how `local`
# writes it in its Asia/Shanghai.
_EXAMPLE_INSTANT = datetime(2022, 9, 20, 16, 1, tzinfo=UTC)
_LOCAL_EXAMPLE = "`date: 2022-09-21 00:01:00`"


def _local_example(zone: str) -> str:
    from zoneinfo import ZoneInfo

    return f"`date: {_EXAMPLE_INSTANT.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M:%S}`"


def _site_timezone(directory: Path) -> str | None:
    """The zone the `timezone:` of a Hexo site's _config.yml names, by its own
    name, if it names a known one: Hexo (moment-timezone) reads the name in
    any case, `asia/shanghai` as Asia/Shanghai."""
    return _zone_named(_site_timezone_as_written(directory))


def _site_timezone_as_written(directory: Path) -> str:
    from feedmill.config import site_setting

    zone = site_setting(directory, "timezone")
    return zone.strip() if isinstance(zone, str) else ""


def _zone_named(name: str) -> str | None:
    from zoneinfo import ZoneInfo

    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ValueError, KeyError):  # an unknown zone: ZoneInfoNotFoundError is a KeyError
        return _zones_by_case().get(name.lower())
    return name


@functools.cache
def _zones_by_case() -> dict[str, str]:
    """Every zone's name by its name in lower case (a scan of the zone files:
    once, not each pass of a daemon whose site writes `asia/shanghai`)."""
    from zoneinfo import available_timezones

    return {zone.lower(): zone for zone in available_timezones()}


def _paragraph(text: str) -> None:
    """``text`` after an empty line, wrapped at the terminal's width without
    the trailing spaces the console's own wrapping leaves."""
    import textwrap

    wrapped = textwrap.fill(text, width=max(40, out.width), break_on_hyphens=False)
    out.print("\n" + wrapped, markup=False, soft_wrap=True)


def _not_ignored(directory: Path, *, hexo: bool = False) -> list[str]:
    """What feedmill keeps in a site that its .gitignore does not list: the
    state folder, and the lock and temporary files beside the posts — or,
    with ``hexo``, what Hexo and npm make there (a new site's, whose
    .gitignore was there before it)."""
    import fnmatch

    from feedmill.config import source_folder
    from feedmill.publish.sitelock import LOCK_NAME
    from feedmill.publish.writer import TEMP_DIR

    try:
        lines = (directory / ".gitignore").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []  # nothing to say about a file we cannot read
    patterns = [
        line.strip()
        .removeprefix("/")
        .removeprefix("**/")
        .rstrip("/")
        .removesuffix("/**")
        .removesuffix("/*")  # (".feedmill/*": all it holds)
        for line in lines
        if line.strip() and not line.lstrip().startswith(("#", "!"))
    ]
    site = directory.resolve()
    posts = Path(os.path.relpath(source_folder(site) / "_posts", site))

    def covered(path: str) -> bool:
        # git's patterns, near enough: a glob of the path or its name, or of a
        # folder it is in ("source/_posts/*" holds the lock).
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            folder, name = "/".join(parts[:depth]), parts[depth - 1]
            if any(
                fnmatch.fnmatchcase(folder, p) or fnmatch.fnmatchcase(name, p) for p in patterns
            ):
                return True
        return False

    if hexo:
        wanted = [
            ("public/", "the site Hexo builds"),
            ("db.json", "Hexo's cache"),
            ("node_modules/", "npm's packages"),
        ]
        return [f"{line} ({what})" for line, what in wanted if not covered(line.rstrip("/"))]
    wanted = [  # (the line to add, what it is)
        (".feedmill/", "the state database"),
        (f"{posts.as_posix()}/{LOCK_NAME}", "the lock"),
        (f"{posts.as_posix()}/{TEMP_DIR}/", "temporary files"),
        # (`add` and `import` write the config through a temporary copy beside it)
        (f".{CONFIG_NAME}.*.tmp", "the config's temporary copies"),
    ]
    # (A pattern cannot reach outside its .gitignore's folder: a source_dir
    # outside the site is another repository's to list.)
    return [
        f"{line} ({what})"
        for line, what in wanted
        if not line.startswith("../") and not covered(line.rstrip("/"))
    ]


def _named_file(value: str | None, otherwise: str, hint: str | None = None) -> Path | None:
    """A file argument as a Path (None: not given); an empty one is refused."""
    if value is None:
        return None
    if not value:
        raise click.BadParameter(
            f"empty (an unset variable?): {otherwise}, or name a file", param_hint=hint
        )
    if hint is None:
        _no_equals_sign(value, "-o")
    return Path(value)


def _no_equals_sign(value: str, option: str) -> str:
    """``-o=$OUT`` gives ``-o`` the value "=…" (a short option's value follows
    it, with no "="): a file named "=" was written, a group "=金融" made.
    Refused (a file so named is ./=…)."""
    if value.startswith("="):
        raise click.BadParameter(
            f"{value!r} starts with '=' ({option}=X gives {option} '=X'): write {option} X"
        )
    return value


_Value = TypeVar("_Value")


def _no_equals_signs(_ctx: click.Context, param: click.Parameter, value: _Value) -> _Value:
    """A click callback: `_no_equals_sign` of each value of a name option."""
    short = next((o for o in param.opts if len(o) == 2), param.opts[0])
    for each in value if isinstance(value, tuple) else (value,):
        if isinstance(each, str):
            _no_equals_sign(each, short)
    return value


def _folder_named(ctx: click.Context, param: click.Parameter, value: str) -> Path:
    """A folder argument as a Path: an empty one is refused, not taken for
    this folder (Path("") is "."): ``init "$DIR"`` with DIR unset made a
    site of wherever it ran."""
    if not value:
        raise click.BadParameter("the folder is empty (an unset variable?): write . for this one")
    return Path(value)


@app.command()
@click.argument("directory", default=".", callback=_folder_named)
def init(directory: Path) -> None:
    """Create a Hexo 8 site skeleton with a commented feedmill.yml.

    DIRECTORY: where to create the Hexo site (default: here).
    """
    from feedmill.config import enclosing_site

    around = enclosing_site(directory)
    if around is not None:
        site, folder = around
        does = (
            "run what `init` writes there as scripts (feedmill.yml, with your feeds' keys,"
            " and every post)"
            if folder.startswith("scripts folder")
            else "publish what `init` writes there (feedmill.yml, with your feeds' keys, as a page)"
        )
        err.print(
            f"[red]error[/red] {plain(str(directory))} is in the {folder} of the Hexo site"
            f" {plain(str(site))}, which would {does}: `feedmill init {plain(str(site))}`",
            soft_wrap=True,
        )
        raise click.exceptions.Exit(EXIT_CONFIG)
    try:
        done = init_site(directory)
    except OSError as exc:  # a file in the way, a folder not ours to write
        why = _why_no_site(directory, exc)
        err.print(f"[red]error[/red] cannot make a site in {plain(str(directory))}: {plain(why)}")
        raise click.exceptions.Exit(EXIT_FATAL) from None
    for target, what in done:
        mark = {
            "created": "[green]created[/green]",
            "updated": "[green]updated[/green]",
            "kept": "[yellow]kept[/yellow]   ",
            "not hexo's": "[yellow]kept[/yellow]   ",
            "skipped": "[yellow]skipped[/yellow]",
        }[what]
        if target in NEW_SITE_ONLY and not (directory / target).exists():
            mark = "[yellow]skipped[/yellow]"
        out.print(f"{mark} {plain(str(directory / target))}", soft_wrap=True)
    if not (directory / TIMEZONE_SCRIPT).exists():
        _paragraph(
            f"An existing Hexo site: {TIMEZONE_SCRIPT} was not added. Hexo dates posts in "
            "the zone of the machine that builds the site; the script builds in the site's "
            "`timezone:` instead (every machine gives the same URLs), which moves posts "
            "dated near midnight to another day's URL if your builds ran in another zone."
        )
    if not (directory / REFERRER_SCRIPT).exists():
        _paragraph(
            f"{REFERRER_SCRIPT} was not added. In a new site it has every page "
            "send no Referer: Chinese news CDNs refuse pictures requested from another "
            "site, and a theme's thumbnails and video posters cannot carry the "
            "referrerpolicy that posts' own pictures have. Copy it from a new site "
            "(`feedmill init new-site`) unless pictures of your own need a Referer."
        )
    if not (directory / WIDE_CONTENT_SCRIPT).exists():
        _paragraph(
            f"{WIDE_CONTENT_SCRIPT} was not added. In a new site it lets a table wider "
            "than the article column (a results table of a dozen columns) scroll inside "
            "it, narrows video players and boxes set to a page's width to the column, and "
            "breaks words too long for a line: the default theme hides what overflows "
            "(on a phone, the end of every line). Copy it from a new site if your theme "
            "does too."
        )
    if ("package.json", "not hexo's") in done:
        _paragraph(
            'package.json is no Hexo site\'s (no "hexo" key), and not a JSON object'
            " feedmill can add it to: Hexo takes the folder for no site, and `npx hexo"
            " generate` builds nothing. Mend it, or make the site in a folder of its own."
        )
    missing = _not_ignored(directory)
    if missing:
        _paragraph(
            f"Your .gitignore does not list feedmill's {', '.join(missing)}: add"
            f" {'them' if len(missing) > 1 else 'it'} unless you mean to commit"
            f" {'them' if len(missing) > 1 else 'it'}."
        )
    built = ("_config.yml", "created") in done and (".gitignore", "kept") in done
    missing = _not_ignored(directory, hexo=True) if built else []
    if missing:  # (a new site in a folder whose .gitignore was there before)
        _paragraph(
            f"Your .gitignore does not list {', '.join(missing)} either: add"
            f" {'them' if len(missing) > 1 else 'it'}, or a build commits"
            f" {'them' if len(missing) > 1 else 'it'} too."
        )
    build = "npm install && npx hexo server"
    out.print(
        f"\nNext: add feeds to {directory / CONFIG_NAME}, then\n"
        f"  feedmill run -c {_shell(directory / CONFIG_NAME)}\n"
        + (
            f"  {build}"
            if directory.resolve() == Path.cwd()
            else f"  (cd {_shell(directory)} && {build})"
        ),
        markup=False,
        soft_wrap=True,
    )


def _why_no_site(directory: Path, exc: OSError) -> str:
    """Why a site could not be made in ``directory``: a file in the way is
    named as one (not "[Errno 17] File exists")."""
    blocker = next((p for p in (directory, *directory.parents) if p.is_file()), None)
    if blocker is not None:
        return f"{blocker} is a file, not a folder"
    if exc.strerror and exc.filename:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc)


def _shell(path: Path) -> str:
    """``path`` as a shell reads it in a command to copy: "my news" quoted."""
    import shlex

    return shlex.quote(str(path))


def _config_exit(exc: ConfigError) -> int:
    """2 for a config in error; 1 for one that cannot be written (read-only, a full disk)."""
    return EXIT_FATAL if isinstance(exc, ConfigUnwritable) else EXIT_CONFIG


def _edit_failed(exc: ConfigError) -> click.exceptions.Exit:
    """Said what kept `add` or `import` from editing the config: its exit to raise."""
    label = "error" if isinstance(exc, ConfigUnwritable) else "config error"
    err.print(f"[red]{label}[/red]\n{plain(str(exc))}", soft_wrap=True)
    return click.exceptions.Exit(_config_exit(exc))


# -- run --------------------------------------------------------------------


def _progress_bar() -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description:>8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def _now_stamp() -> str:
    """The local time a daemon's lines start with: its log is read days later."""
    return f"{datetime.now().astimezone():%Y-%m-%d %H:%M:%S} "


def _report(summary: Any, stamp: str = "", *, fetched: bool = True) -> None:
    """The pass's line; without its feeds for a pass that fetched none (`publish`)."""
    for url, reason in summary.failures:
        err.print(f"{stamp}[red]failed[/red] {_shown_url(url)}: {plain(reason)}", soft_wrap=True)
    skipped = f", {summary.feeds_skipped} not due" if summary.feeds_skipped else ""
    if summary.feeds_stopped:
        skipped += f", {summary.feeds_stopped} not reached (stopped; fetched next time)"
    held = f" · {summary.restored} back from the archive" if summary.restored else ""
    held += f" · {summary.archived} archived" if summary.archived else ""
    if summary.blocked or summary.duplicates:
        copies = "duplicate" if summary.duplicates == 1 else "duplicates"
        held += f" · held back: {summary.blocked} blocked, {summary.duplicates} {copies}"
    if summary.replaced:
        held += f" · {summary.replaced} replaced by a fuller copy"
    if summary.posts_left:
        held += f" · {summary.posts_left} left to write (stopped; written next time)"
    if summary.posts_failed:
        held += f" · {summary.posts_failed} not written (see the note; tried again next pass)"
    feeds = (
        f"feeds: {summary.feeds_ok} ok, {summary.feeds_not_modified} unchanged, "
        f"{summary.feeds_failed} failed{skipped} · "
        if fetched
        else ""
    )
    out.print(
        f"{stamp}{feeds}posts: {summary.posts_new} new, "
        f"{summary.posts_updated} updated, {summary.posts_unchanged} unchanged{held} "
        f"· {summary.seconds:.1f} s",
        soft_wrap=True,
    )


def _no_site(config: Config) -> str | None:
    """Why the config's `site:` is no folder to post into, if it is not: a
    typo would make a new folder, and the posts would go there, not to the
    Hexo site."""
    site = config.site_dir
    where = f"{config.path}:{_site_line(config)}: site:"
    try:
        if site.is_dir():
            for folder in (config.posts_dir.parent, config.posts_dir):
                if folder.is_symlink() and not folder.exists():  # "[Errno 17] File exists"
                    return f"{where} {folder} links to nothing: no folder for posts"
                if folder.exists() and not folder.is_dir():
                    return f"{where} {folder} is a file, not the folder of Hexo's posts"
            return None
        there = site.exists()
    except OSError:  # not ours to say: the pass reports what it cannot do there
        return None
    why = (
        "is a file, not a folder"
        if there
        else f"is no folder (`feedmill init {site}` makes a Hexo site there)"
    )
    return f"{where} {site} {why}"


def _site_line(config: Config) -> int:
    """The line of the config's `site:` key (1 if it has none: the default)."""
    from feedmill.yamlload import YAMLError, line_of, load

    try:
        return line_of(load(Path(config.path).read_text(encoding="utf-8-sig")), ("site",))
    except (OSError, ValueError, YAMLError):
        return 1


def _site_missing(config: Config) -> bool:
    why = _no_site(config)
    if why is not None:
        err.print(f"[red]config error[/red]\n{plain(why)}", soft_wrap=True)
    else:
        for note in _site_notes(config):
            err.print(f"[yellow]note[/yellow] {plain(note)}", soft_wrap=True)
    return why is not None


def _site_notes(config: Config) -> list[str]:
    """What is worth saying of a site that posts can go to (they do, all the same)."""
    site = config.site_dir
    found = hexo_config_file(site)
    if found is None:
        # `site:` naming the folder above the Hexo site, or a home folder,
        # would fill a source/_posts that no build reads.
        return [
            f"{site} is no Hexo site (no _config.yml): posts go to {config.posts_dir} all the"
            f" same; set `site:` in {config.path} to the Hexo site's folder, or `feedmill init"
            f" {site}` makes one there"
        ]
    written = _site_timezone_as_written(site)
    zone = _zone_named(written)
    if (
        zone is not None
        and written != zone
        and not _same_zone(zone, "UTC")  # (UTC is what Node falls back to)
        and _old_timezone_script(site)
    ):
        # (The script `init` writes now reads the name as Hexo does.)
        return [
            f"timezone: {written} in the site's {found.name} is Node's UTC, not {zone}: its"
            f" {TIMEZONE_SCRIPT} (from an older feedmill) runs Hexo in the zone as written,"
            f" and Node knows it only as {zone}; write `timezone: {zone}`"
        ]
    if config.date_style != "local":
        return []
    if zone is None:
        named = f"names no zone there is ({written!r})" if written else "names no time zone"
        return [
            f"the site's {found.name} {named}: with date_style: local, Hexo reads each"
            " post's date in the zone of the machine that builds it, and a post is off by"
            f" its difference from {config.timezone}; set `timezone: {config.timezone}` there"
        ]
    if not _same_zone(zone, config.timezone):
        return [
            f"timezone: {config.timezone} in {config.path} is not the site's ({zone}, in its"
            f" {found.name}): with date_style: local, Hexo reads each post's date in {zone}, and"
            " every post is off by the difference; set one zone in both"
        ]
    return []


def _old_timezone_script(site: Path) -> bool:
    """Whether the site runs Hexo in its zone by a script that sets the name as
    written (any but the one `init` writes now, which Node reads in any case)."""
    from importlib import resources

    try:
        theirs = (site / TIMEZONE_SCRIPT).read_bytes()
    except OSError:
        return False
    ours = (resources.files("feedmill") / "site" / TIMEZONE_SCRIPT).read_bytes()
    return theirs != ours and b"resolvedOptions" not in theirs


def _same_zone(one: str, other: str) -> bool:
    """Whether two zone names keep one time (`PRC` is `Asia/Shanghai`): the
    same offset every day at noon UTC, 2010 to 2040."""
    from zoneinfo import ZoneInfo

    if one == other:
        return True
    first, second = ZoneInfo(one), ZoneInfo(other)
    start = datetime(2010, 1, 1, 12, tzinfo=UTC)
    days = (start + timedelta(days=n) for n in range(31 * 366))
    return all(d.astimezone(first).utcoffset() == d.astimezone(second).utcoffset() for d in days)


def _configured(
    config: Config, named: Sequence[str], moved: Sequence[tuple[str, str]] = ()
) -> tuple[tuple[str, ...], list[str]]:
    """Feeds named on the command line (`--feed`) as the config writes them —
    named so, by another spelling of the location (`./a.xml`, `HTTP://…`)
    that the config counts as the same feed, or as `status` shows it (also
    where it moved: ``moved``, (where to, configured URL) pairs) — and the
    names it has not."""
    from feedmill.urls import shown

    if not named:  # (every run without --feed: the keys of 1,000 feeds cost ~10 ms)
        return (), []
    known = {config.feed_key(f): f.url for f in config.feeds}
    # As `status` shows it (`?key=…`): one feed only, or it names none.
    by_shown = _by_shown(config)
    moves: dict[str, list[str]] = {}
    # Where it moved from (`moved_from`: a daemon's `--feed` given before
    # the edit names the feed still), and where a move adopted took it.
    earlier = ((e, feed.url) for feed in config.feeds for e in feed.earlier_urls)
    for where, url in (*earlier, *moved):
        for name in dict.fromkeys((config.url_key(where), shown(where))):
            moves.setdefault(name, []).append(url)
    found: list[str] = []
    unknown: list[str] = []
    for name in named:
        key = config.url_key(name)
        if key in known:
            found.append(known[key])
        elif len(shown_so := _shown_as(by_shown, name, key)) == 1:
            found.append(shown_so[0])
        elif len(urls := moves.get(key) or moves.get(name, [])) == 1:
            found.append(urls[0])
        else:
            unknown.append(name)
    return tuple(dict.fromkeys(found)), unknown


def _by_shown(config: Config) -> dict[str, list[str]]:
    """The configured URLs of the feeds as `status` shows them (less their
    access key), by that name and by another spelling of it (`HTTP://…`)."""
    from feedmill.urls import shown

    by_shown: dict[str, list[str]] = {}
    for feed in config.feeds:
        name = shown(feed.url)
        for form in dict.fromkeys((name, config.url_key(name))):
            by_shown.setdefault(form, []).append(feed.url)
    return by_shown


def _shown_as(by_shown: dict[str, list[str]], name: str, key: str) -> list[str]:
    """The feeds ``name`` (whose `url_key` is ``key``) names as `status` shows them."""
    return by_shown.get(name) or by_shown.get(key) or []


def _not_named(config: Config, unknown: Sequence[str]) -> str:
    """Why `--feed` names none of the feeds ``unknown``: not in the config,
    or several of them as `status` shows them (without their access key)."""
    by_shown = _by_shown(config)
    counts = {name: len(_shown_as(by_shown, name, config.url_key(name))) for name in unknown}
    several = [name for name in unknown if counts[name] > 1]
    said = [
        f"{name} names {counts[name]} feeds of {config.path} as `feedmill status` shows them"
        " (without their access key): give the whole URL"
        for name in several
    ]
    if none := [name for name in unknown if name not in several]:
        said.insert(0, f"not in {config.path}: {', '.join(none)}")
    return "\n".join(said)


def _moved_feeds(config: Config) -> list[tuple[str, str]]:
    """(a name, the configured URL it names) for each feed whose move was
    adopted: where it moved, when the config names it still by its old URL
    (as `status` shows it); its old URL, when the config names it where it
    moved (a daemon's `--feed` given before that edit)."""
    from sqlalchemy.exc import SQLAlchemyError

    from feedmill.store import feeds as feed_store
    from feedmill.store.database import StoreError, open_to_read, reading

    if _no_database_yet(config):
        return []
    try:
        engine, _ = open_to_read(config.database_url)
        try:
            with reading(engine) as conn:
                moves = feed_store.adopted_moves(conn)
        finally:
            engine.dispose()
    except (StoreError, SQLAlchemyError, OSError):  # the run that follows says what is wrong
        return []
    configured = {config.url_key(f.url): f.url for f in config.feeds}
    named = []
    for url, moved_to in moves:
        if config.url_key(url) in configured:
            named.append((moved_to, configured[config.url_key(url)]))
        elif config.url_key(moved_to) in configured:
            named.append((url, configured[config.url_key(moved_to)]))
    return named


def _named_feeds(config: Config, names: Sequence[str]) -> tuple[tuple[str, ...], list[str]]:
    """`_configured`, and for the names it has not, where a feed moved (`_moved_feeds`)."""
    found, unknown = _configured(config, names)
    if unknown:  # (the state database is read for those only)
        more, unknown = _configured(config, unknown, _moved_feeds(config))
        found = tuple(dict.fromkeys((*found, *more)))
    return found, unknown


def run_config(
    config: Config,
    only: tuple[str, ...] = (),
    workers: int | None = None,
    *,
    due_only: bool = False,
    every: timedelta | None = None,
) -> int:
    """One pass (or, with ``every``, passes until SIGTERM/SIGINT); returns the exit status."""
    from feedmill.pipeline import RunOptions

    if _site_missing(config):
        return EXIT_CONFIG
    if not config.feeds:  # a new site's config, its example still commented out
        err.print(
            f"note {config.path} lists no feeds: add some under `feeds:`"
            " (or `feedmill add URL --group … --source …`)",
            markup=False,
        )
    only, unknown = _named_feeds(config, only)
    if unknown:
        err.print(_not_named(config, unknown), markup=False)
        return EXIT_CONFIG
    # --feed fetches its feeds now, whatever their schedule; a daemon's later
    # passes take them when they are due.
    options = RunOptions(only=only, workers=workers, due_only=due_only)
    out.going_on = wide.going_on = every is not None
    try:
        return _run_passes(config, options, every)
    finally:
        out.going_on = wide.going_on = False  # for a later command in this process


def _run_passes(config: Config, options: Any, every: timedelta | None) -> int:
    """`run_config`'s passes: one, or a daemon's until a signal."""
    from sqlalchemy.exc import SQLAlchemyError

    from feedmill.publish.sitelock import SiteBusy
    from feedmill.store.database import StoreError

    only, due_only = options.only, options.due_only
    try:
        first = replace(options, due_only=due_only and not only)
        started, config, stamp = _started(config, first, every)
        if started is None:
            return 0  # stopped while it waited for its database: a daemon's normal end
        options = replace(options, only=_named_feeds(config, only)[0])  # as read at last
        if every is not None:
            # `--all` and `--feed` are the first pass's: then each feed when it is
            # due (every pass over every feed asked a server that said when to
            # come back — Retry-After, a backoff — at the fastest feed's pace).
            options = replace(options, due_only=True)
        with started as mill, _stop_on_signals(mill) as received, gcpace.loaded_left_alone():
            if every is not None:
                # A log read days later says when the daemon began, and with what.
                feeds = len(options.only) if options.only else len(config.feeds)
                out.print(
                    f"{_now_stamp()}started (feedmill {__version__}): "
                    f"{feeds} {'feed' if feeds == 1 else 'feeds'} of {plain(_named(config))}, "
                    f"a pass at least every {_span(every.total_seconds(), exact=True)}",
                    soft_wrap=True,
                )
            _say_notices(mill)
            failed_passes = 0
            first_made = False
            while True:
                if every is None:
                    _report(_one_pass(mill))
                    _say_notices(mill)
                    # A pass cut short says so to `run && hexo generate`: 130
                    # after Ctrl-C, as a shell would (a daemon's stop is its
                    # normal end: 0).
                    if received:
                        return 128 + received[0]
                    break
                failed_passes = _daemon_pass(mill, failed_passes)
                gcpace.for_long_life()  # (its start is over: see gcpace)
                # The first pass's options (`--all`, `--feed`) hold until a pass
                # has been made: one the database failed fetched nothing.
                first_made = first_made or failed_passes == 0
                mill.options = options if first_made else _as_first(options, first)
                if mill.stopping.is_set():
                    break
                _sleep_until_due(mill, every, config, stamp, failed_passes)
                if mill.stopping.is_set():
                    break
                config, stamp = _reloaded(mill, config, stamp)
                if mill.stopping.is_set():
                    break
                # As the config now writes them (`a.xml` edited to `./a.xml`).
                options = replace(options, only=_named_feeds(config, options.only)[0])
                mill.options = options if first_made else _as_first(options, first)
    except OutputLost:
        raise  # the pass's work is done: main says it, and exits 120
    # A daemon retries a pass that failed (SQLAlchemyError, OSError); one pass ends.
    except (SiteBusy, StoreError, SQLAlchemyError, OSError) as exc:
        return _failed_pass(config, exc)
    return 0


def _as_first(options: Any, first: Any) -> Any:
    """``options`` (as the config now names the feeds) for a daemon's first pass."""
    return replace(options, due_only=first.due_only)


def _started(config: Config, options: Any, every: timedelta | None) -> tuple[Any, Config, Stamp]:
    """The Mill of ``config``, the config and its stamps as read.

    A daemon whose database cannot be reached yet (a server that boots
    after it, a restart, a lock held past the busy timeout) says so and
    tries again — 5 s, 10 s, 20 s … at most ``every`` apart — taking up an
    edit of its config meanwhile; a signal while it waits ends it (None).
    One pass (no ``every``) fails at once, as cron expects.
    """
    from feedmill.pipeline import Mill
    from feedmill.publish.sitelock import SiteBusy
    from feedmill.store.database import for_now

    stamp = _stamps(config)
    failed = 0
    while True:
        try:
            made = _heeding_signals(functools.partial(Mill, config, options))
            if made is None:  # a stop while it waited for its database
                _say_not_started(_now_stamp() if every is not None else "")
                if every is not None:
                    _NOTED_SIGNALS.clear()  # heeded: a daemon's normal end
                return None, config, stamp  # (one pass: ends as the signal says)
            return made, config, stamp
        except Exception as exc:
            # Busy once it waits: a cron run on the site meanwhile, itself
            # held up by the same database (a second daemon at its start
            # still hears that it is one too many).
            if every is None or not (for_now(exc) or (failed and isinstance(exc, SiteBusy))):
                raise
            failed += 1
            wait = retry_wait(failed, every)
            err.print(
                f"{_now_stamp()}[red]start failed[/red] ({failed} in a row, trying again in "
                f"{_span(wait.total_seconds())}): {plain(_said(exc))}",
                soft_wrap=True,
            )
        if _signalled_within(wait):
            _say_not_started(_now_stamp())
            _NOTED_SIGNALS.clear()  # heeded
            return None, config, stamp
        now = _stamps(config)
        if now != stamp:
            fresh, stamp = _read_again(config, options.only, now)
            if fresh is not None:
                out.print(f"{_now_stamp()}reloaded {plain(_named(fresh))}", soft_wrap=True)
                config = fresh
                options = replace(options, only=_named_feeds(config, options.only)[0])


def _named(config: Config) -> str:
    """The config's file as it was named (a link kept): what a daemon watches,
    reads again and names in its log."""
    return config.named or config.path


def _say_not_started(stamp: str = "") -> None:
    name = signal.Signals(_NOTED_SIGNALS[0]).name
    err.print(f"{stamp}{name}: stopping; it had not started (nothing written)", soft_wrap=True)


_Made = TypeVar("_Made")


def _heeding_signals(make: Callable[[], _Made]) -> _Made | None:
    """``make()`` on a thread of its own, the main thread free to hear a stop;
    None if one came first.  A database another program holds locked keeps
    SQLite waiting out its busy timeout (30 s) in C, where no signal handler
    runs: a SIGTERM, even a second, waited for it (and `docker stop`'s 10 s
    ended in a SIGKILL).  The thread left behind ends with the process, as a
    kill would end it: whatever it began is a transaction, or a lock the
    process's end releases."""
    done: list[tuple[bool, Any]] = []

    def attempt() -> None:
        try:
            done.append((True, make()))
        except BaseException as exc:
            done.append((False, exc))

    worker = threading.Thread(target=attempt, name="feedmill-start", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.1)
        if _NOTED_SIGNALS and worker.is_alive():
            return None
    made, value = done[0]
    if made:
        return cast(_Made, value)
    raise value


def _said(exc: BaseException) -> str:
    """Why a daemon's start, pass or reload failed, as one line of its log:
    the driver's reason, not SQLAlchemy's SQL and help link; libpq's hint and
    DETAIL joined to it (feedmill's own StoreError says itself)."""
    from sqlalchemy.exc import SQLAlchemyError

    from feedmill.store.database import StoreError, reason_of

    if isinstance(exc, StoreError):
        said = str(exc)
    else:
        reason = (getattr(exc, "orig", None) or exc) if isinstance(exc, SQLAlchemyError) else exc
        said = f"{type(reason).__name__}: {reason_of(reason)}"
    return " ".join(said.split())


def _signalled_within(wait: timedelta) -> bool:
    """Wait ``wait``, or until SIGTERM/SIGINT; whether one came (noted for the
    command, as `_signals_noted` notes them)."""
    from feedmill.stopflag import StopFlag

    if _NOTED_SIGNALS:  # while it tried
        return True
    flag = StopFlag()

    def handler(signum: int, _frame: Any) -> None:
        _NOTED_SIGNALS.append(signum)
        flag.set()

    previous = {sig: signal.signal(sig, handler) for sig in _STOP_SIGNALS}
    try:
        return flag.wait(wait.total_seconds())
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _say_notices(mill: Any, stamp: str = "") -> None:
    for notice in mill.take_notices():
        err.print(f"{stamp}[yellow]note[/yellow] {plain(notice)}", soft_wrap=True)


def _failed_pass(config: Config, exc: Exception) -> int:
    """Say what ended a pass or kept it from starting; returns the exit status.

    Another feedmill on the site (try again later), or a database or site
    folder that cannot be used: its reason, no SQL, no traceback.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from feedmill.publish.sitelock import SiteBusy
    from feedmill.store.database import reason_of, redacted

    if isinstance(exc, SiteBusy):
        err.print(f"[yellow]busy[/yellow] {plain(str(exc))}")
        return EXIT_BUSY
    message = str(exc)
    if isinstance(exc, SQLAlchemyError):
        reason = reason_of(getattr(exc, "orig", None) or exc)
        message = f"the state database {redacted(config.database_url)} failed: {reason}"
    err.print(f"[red]error[/red] {plain(message)}")
    return EXIT_FATAL


def _one_pass(mill: Any, work_name: str = "run") -> Any:
    """``mill.run`` (or ``rebuild``, ``publish_pending``), with a progress bar on a terminal."""
    work = getattr(mill, work_name)
    bar = _progress_bar() if err.is_terminal else None
    if bar is None:
        return work()
    tasks: dict[str, Any] = {}

    def progress(stage: str, advance: int, total: int | None) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        elif total is not None:
            bar.update(tasks[stage], total=total)
        bar.advance(tasks[stage], advance)

    with bar:
        return work(progress)


# A file's mtime, size, change time and inode: an edit that keeps the first
# two (`cp -p`, `rsync -a`, `tar x` of a file of the same length) changes the
# others.
FileStamp = tuple[int, int, int, int] | None
Stamp = tuple[FileStamp, ...]  # the config's, then the other files it names


def _stamp(path: str | Path) -> FileStamp:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size, info.st_ctime_ns, info.st_ino


def _stamps(config: Config) -> Stamp:
    """What tells a daemon to read its config again: the file, and the files
    it names whose edit restyles posts — the post template, the stock
    dictionary and stop-word list of `tags`."""
    return (
        _stamp(_named(config)),
        *(_stamp(path) if path else None for path in _named_files(config)),
    )


SETTLE = 1.0  # seconds a changed file must stay as it is before a daemon reads it
_SETTLE_AT_MOST = 30.0


def _settled(config: Config, stamp: Stamp, stopping: Any) -> Stamp:
    """The stamps once the files have not changed for ``SETTLE`` seconds (at
    most ``_SETTLE_AT_MOST``).  An editor that saves in place writes the file
    in pieces, and a piece can be a valid config of its first feeds alone:
    read then, the others were taken for removed, and their stories passed
    to other feeds' posts, their own deleted."""
    deadline = time.monotonic() + _SETTLE_AT_MOST
    while time.monotonic() < deadline:
        if not _changed_within(stamp, SETTLE) or stopping.wait(SETTLE / 4):
            return stamp
        stamp = _stamps(config)
    return stamp


def _changed_within(stamp: Stamp, seconds: float) -> bool:
    moments = [max(file[0], file[2]) for file in stamp if file is not None]
    # (A time ahead of the clock — a file copied with it from a machine whose
    # clock runs fast — says nothing of a save under way.)
    return bool(moments) and 0 <= time.time_ns() - max(moments) < seconds * 1e9


def _named_files(config: Config) -> tuple[Path | None, ...]:
    """The post template, the tags' dictionary and stop-word list, and the
    site's Hexo config (its `source_dir` says where the posts go)."""
    tags = config.tags_settings
    names = (tags.dictionary, tags.stopwords) if tags is not None else (None, None)
    return (
        config.template_path,
        *(config.relative(name) if name else None for name in names),
        hexo_config_file(config.site_dir),
    )


# A stamp no files have: the config is read again on the next pass.
_AGAIN: FileStamp = (-1, -1, -1, -1)
# Config path → the refusal said last (a refused config is read every pass).
_refusals: dict[str, str] = {}
# … and why the edit it holds could not be applied, said last (tried every pass).
_unapplied: dict[str, str] = {}


def _say_database_replaced(mill: Any, url: str | None = None) -> None:
    """``url``: the database's, where the mill has another now (an edit refused)."""
    from feedmill.store.database import sqlite_file

    err.print(
        f"{_now_stamp()}[yellow]note[/yellow] the state database"
        f" {plain(str(sqlite_file(url or mill.database_url)))} was deleted or replaced"
        " under this daemon: opened again as it is now",
        soft_wrap=True,
    )


def _reloaded(mill: Any, config: Config, stamp: Stamp) -> tuple[Config, Stamp]:
    """A daemon's config, read again if its file or its post template changed
    since ``stamp``, and their stamps as read.

    An edit that does not validate, or that cannot be applied (a state
    database that cannot be opened, a site another feedmill holds), is
    reported once and the daemon goes on with the config it has.
    """
    now = _stamps(config)  # before reading: an edit saved meanwhile is seen next time
    if now == stamp:
        return config, stamp
    now = _settled(config, now, mill.stopping)
    if mill.stopping.is_set():  # read midway, it may be a piece of the file
        return config, stamp
    fresh, now = _read_again(config, mill.options.only, now)
    if fresh is None:
        return config, now
    from feedmill.store.database import sqlite_file

    # (Opened again by the edit — or, the edit refused, by going back to the
    # config it had — a database deleted meanwhile went unsaid.  One the
    # edit moved elsewhere is no concern.)
    replaced = mill.database_replaced()
    had = mill.database_url
    # (The same file, spelt otherwise too: `?timeout=30`, `sqlite+pysqlite:`.)
    if replaced and sqlite_file(fresh.database_url) == sqlite_file(had):
        _say_database_replaced(mill)
        replaced = False
    try:
        mill.reconfigure(fresh)
        _unapplied.pop(config.path, None)
        _say_notices(mill)
    except Exception as exc:
        # The database out of reach or locked for now: the edit is tried
        # again after the next pass (said again only if the reason changes),
        # and the daemon goes on with what it ran with meanwhile.
        refusal = f"cannot apply it: {_said(exc)}"
        if _unapplied.get(config.path) != refusal:
            _unapplied[config.path] = refusal
            err.print(
                f"{_now_stamp()}[yellow]config not reloaded[/yellow] {plain(_named(config))}: "
                f"{plain(refusal)}; tried again after the next pass",
                soft_wrap=True,
            )
        if replaced:
            _say_database_replaced(mill, had)
        if not mill.stopping.is_set():  # (a stop came as it waited: no second wait)
            with suppress(Exception):
                # Failing too (the database still away), the next pass fails
                # and is retried like any other; it ends nothing.
                mill.reconfigure(config)
        # (The files the running config names, watched as they are: the
        # refused edit's were taken for its own, and said changed.)
        return config, (now[0], *_stamps(config)[1:], _AGAIN)
    # Feeds as the config tells them apart: a url respelt is the same feed,
    # and so is one that moved (`moved_from`: its history and posts kept).
    before = {config.feed_key(f) for f in config.feeds}
    after = {fresh.feed_key(f) for f in fresh.feeds}
    moved = {  # its key now → its keys before
        key: earlier
        for url, olds in fresh.moves.items()
        if (key := fresh.url_key(url)) not in before
        and (earlier := before & {fresh.url_key(old) for old in olds})
    }
    gone = before - after - {key for olds in moved.values() for key in olds}
    came = after - before - set(moved)
    said_moved = f", {len(moved)} moved" if moved else ""
    template = (
        f"; post template {plain(str(fresh.template_path))} changed"
        if now[1] != stamp[1] and fresh.template_path == config.template_path
        else ""
    )
    if now[2:4] != stamp[2:4] and _named_files(fresh)[1:3] == _named_files(config)[1:3]:
        template += "; the tags' dictionary or stop-word list changed"
    hexo = _named_files(fresh)[3]
    if now[4:5] != stamp[4:5] and hexo is not None and hexo == _named_files(config)[3]:
        template += f"; the site's {hexo.name} changed"
    out.print(
        f"{_now_stamp()}reloaded {plain(_named(fresh))}: {len(after)} "
        f"{'feed' if len(after) == 1 else 'feeds'} "
        f"({len(came)} added, {len(gone)} removed{said_moved}){template}",
        soft_wrap=True,
    )
    return fresh, now


def _refused_for_now(config: Config, why: str) -> None:
    """An edit refused until what it needs is there: said once, not each pass."""
    if _refusals.get(config.path) != why:
        _refusals[config.path] = why
        err.print(
            f"{_now_stamp()}[yellow]config not reloaded[/yellow] {plain(why)}", soft_wrap=True
        )


def _read_again(config: Config, only: tuple[str, ...], now: Stamp) -> tuple[Config | None, Stamp]:
    """``config`` read again from its file, whose stamps are ``now``, and the
    stamps to keep; None for an edit that does not validate (said once)."""
    try:
        fresh = load_config(_named(config))
    except ConfigError as exc:
        # Read again next pass (a file it names may appear: a tags
        # dictionary saved after the config), said again only if it changes.
        _refused_for_now(config, str(exc))
        return None, (*now, _AGAIN)
    except Exception as exc:  # a bug in reading it must not end the daemon
        err.print(
            f"{_now_stamp()}[yellow]config not reloaded[/yellow] {plain(_named(config))}: "
            f"{type(exc).__name__}: {plain(str(exc))}",
            soft_wrap=True,
        )
        return None, now
    _, gone = _named_feeds(fresh, only)
    if gone:  # else the daemon would go on polling nothing
        _refusals.pop(config.path, None)
        err.print(
            f"{_now_stamp()}[yellow]config not reloaded[/yellow] {plain(_named(config))}: "
            f"--feed {plain(', '.join(gone))} is no longer in it",
            soft_wrap=True,
        )
        return None, now
    missing = _no_site(fresh)
    if missing is not None:
        # A typo would post into a new folder; read again next pass, as the
        # message says `feedmill init` makes it.
        _refused_for_now(config, missing)
        return None, (*now, _AGAIN)
    _refusals.pop(config.path, None)
    if _named_files(fresh) != _named_files(config):  # other files, read now
        now = now[0], *_stamps(fresh)[1:]
    return fresh, now


def _daemon_pass(mill: Any, failed_passes: int) -> int:
    """One pass of a daemon; returns how many passes in a row have failed.

    A pass that fails as a whole (the database locked by another program for
    longer than the busy timeout, a full disk) is reported and tried again
    later: an unattended daemon must outlive what a retry fixes.  What stays
    broken (StoreError: an unreadable or newer database; one it may not
    write, a read-only file or a role granted reads only) still ends it.
    """
    from feedmill.store.database import StoreError, may_not_write

    # The site folder gone since (moved, a deploy that replaced it): a pass
    # would make an empty one and post nothing there ("11 unchanged").
    gone = _no_site(mill.config)
    if gone is not None:
        failed_passes += 1
        err.print(
            f"{_now_stamp()}[red]pass failed[/red] ({failed_passes} in a row): {plain(gone)}",
            soft_wrap=True,
        )
        return failed_passes
    try:
        if mill.database_replaced():
            # Deleted (or another file put there) under it: its writes went
            # to a file no `status` read, and that a restart left behind.
            _say_database_replaced(mill)
            mill.reconfigure(mill.config)
        _report(_one_pass(mill), _now_stamp())
        _say_notices(mill, _now_stamp())
    except StoreError:
        raise
    except Exception as exc:
        # (Not a server in recovery, read-only while a replica takes over: 25006.)
        if may_not_write(exc) and getattr(getattr(exc, "orig", None), "sqlstate", None) != "25006":
            raise  # as one pass says it
        failed_passes += 1
        err.print(
            f"{_now_stamp()}[red]pass failed[/red] ({failed_passes} in a row): {plain(_said(exc))}",
            soft_wrap=True,
        )
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            mill.renew_connections()  # (not the sessions the failure may have left so)
        return failed_passes
    return 0


RETRY_PASS_AFTER = timedelta(seconds=5)


def retry_wait(failed_passes: int, every: timedelta) -> timedelta:
    """After ``failed_passes`` failed passes in a row: 5 s, 10 s, 20 s … at most ``every``."""
    doublings: int = min(failed_passes - 1, 20)
    return min(every, RETRY_PASS_AFTER * (1 << doublings))


def _sleep_until_due(
    mill: Any, every: timedelta, config: Config, stamp: Stamp, failed_passes: int = 0
) -> None:
    """Wait for the next due feed, at most ``every``; a stop request ends the
    wait, and so does an edit of the config's files since they were read
    (``stamp``), made during the pass or the sleep: it is taken up at once (a
    feed added, an interval shortened waited for the rest of a 15-minute
    sleep).  An edit that was refused is not taken up again until the files
    change once more (or the next pass); an edit of a named file (the post
    template) saved during the pass waits for the next one."""
    now = datetime.now(UTC)
    try:
        due = None if failed_passes else mill.next_due()
    except Exception:
        # The database gone away, or changed, since the pass (a schema
        # dropped): the daemon ended on a read between passes. The next pass,
        # soon, says what it finds.
        failed_passes = 1
    if failed_passes:
        seconds = retry_wait(failed_passes, every).total_seconds()
    else:
        wake = now + every if due is None else min(max(due, now), now + every)
        seconds = max((wake - now).total_seconds(), 0.5)
    end = time.monotonic() + seconds
    # The files as last read: an edit saved during the pass differs.  After
    # a refused edit, the config file as read and the files it names as they
    # are now: the refused edit may name others than ``config`` does, and
    # stamps of those never match.
    refused = bool(stamp) and stamp[-1] == _AGAIN
    read = stamp[0] if stamp else None
    asleep = _stamps(config) if refused else stamp
    while (left := end - time.monotonic()) > 0:
        if mill.stopping.wait(min(left, WATCH_EVERY)):
            return
        current = _stamps(config)
        if current[0] != read or current != asleep:
            return


WATCH_EVERY = 2.0  # seconds between looks at the config's files while a daemon sleeps


_NOTED_SIGNALS: list[int] = []
# What stops a pass or a daemon, its writes finished.  SIGHUP too: a terminal
# closed under it (it killed a pass midway, and said nothing), or a service
# manager's reload — a daemon reads its edited config without one.
# A SIGHUP ignored when the program began (`nohup`) stays ignored: `__main__`
# leaves it so, and this module is loaded after.
_HANGUP = () if signal.getsignal(signal.SIGHUP) is signal.SIG_IGN else (signal.SIGHUP,)
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, *_HANGUP)


def _own_action(sig: int) -> Any:
    """What Python does with ``sig`` by itself: Ctrl-C raises, the others end it."""
    return signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL


def _note_signal(signum: int, _frame: Any) -> None:
    _NOTED_SIGNALS.append(signum)


# Commands that take SIGTERM/SIGINT over from the start (`_signals_noted`);
# the others get the default actions back before they begin.
_NOTING_COMMANDS = frozenset({"run", "publish"})


def adopt_noted_signals(noted: list[int]) -> None:
    """The program's start (`__main__`): the signals noted while this module
    loaded go on being noted here until the command is known (`app`), so
    that none finds the default action in between."""
    for sig in _STOP_SIGNALS:
        signal.signal(sig, _note_signal)
    # Before any noted here since: ``noted`` gets none once the handlers are these.
    _NOTED_SIGNALS[:0] = noted


def _default_signals() -> None:
    """The default actions back; a signal noted meanwhile ends the program
    as the default action would have (130, 143: nothing has begun)."""
    if signal.getsignal(signal.SIGTERM) is not _note_signal:
        return  # not started by `__main__` (tests, an embedding program)
    for sig in _STOP_SIGNALS:
        signal.signal(sig, _own_action(sig))
    if _NOTED_SIGNALS:
        first = _NOTED_SIGNALS[0]
        _NOTED_SIGNALS.clear()
        raise SystemExit(128 + first)


@contextmanager
def _signals_noted() -> Iterator[None]:
    """`run` and `publish`, from their start: SIGTERM/SIGINT are noted, and
    stop the pass as it begins (`_stop_on_signals`).  Raised as a
    KeyboardInterrupt in the middle of the imports, Python may swallow one
    (in a weakref callback): a daemon Ctrl-C'd in its first second ran on.
    Those noted since the program began (`adopt_noted_signals`) count; one
    that nothing took over (a usage error, a missing config: the command
    ended before any pass) ends it as the signal would (130, 143)."""
    adopted = signal.getsignal(signal.SIGTERM) is _note_signal
    if not adopted:
        _NOTED_SIGNALS.clear()
    previous = {sig: signal.signal(sig, _note_signal) for sig in _STOP_SIGNALS}
    if adopted:  # what comes after the command: Python's own actions
        previous = {sig: _own_action(sig) for sig in _STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
        unheeded = _NOTED_SIGNALS[:1]
        _NOTED_SIGNALS.clear()
        if unheeded:
            raise SystemExit(128 + unheeded[0])


@contextmanager
def _stop_on_signals(mill: Any) -> Iterator[list[int]]:
    """SIGTERM/SIGINT: finish the writes under way, start nothing new.

    Yields the signals received, first first (one noted before: at once)."""
    received: list[int] = []

    def handler(signum: int, _frame: Any) -> None:
        received.append(signum)
        # A second one, of either kind (Ctrl-C after `systemctl stop`), is
        # not ignored: it stops at once, by the signal itself — Ctrl-C too:
        # raised as a KeyboardInterrupt, it waited for the writes under way
        # (a large feed's: seconds), as the first did.
        for sig, before in previous.items():
            default = before is None or before is signal.default_int_handler
            signal.signal(sig, signal.SIG_DFL if default else before)
        mill.stop()
        # Said last, and past Python's buffers: the handler may have come in
        # the middle of another write to stderr, or stderr be gone.
        message = f"{signal.Signals(signum).name}: finishing current writes, then stopping\n"
        with suppress(OSError):
            os.write(2, message.encode())

    previous = {sig: signal.signal(sig, handler) for sig in _STOP_SIGNALS}
    noting = False
    for sig, before in previous.items():  # what a second signal does: Python's own
        if before is _note_signal:
            noting = True
            previous[sig] = _own_action(sig)
    if noting and _NOTED_SIGNALS:
        handler(_NOTED_SIGNALS[0], None)
        _NOTED_SIGNALS.clear()  # heeded
    try:
        yield received
    finally:
        # Unless one came already (a second does what it would: stops at
        # once), noting again, not the default actions, while what encloses
        # this ends (the Mill releasing the site's lock): a signal then ends
        # the command as it leaves `_signals_noted`, not by the signal midway.
        closing = noting and not received
        for sig, old in previous.items():
            signal.signal(sig, _note_first if closing else old)


def _note_first(signum: int, _frame: Any) -> None:
    """A command's end (`_stop_on_signals`): the first signal is noted, and
    a second ends the process at once (a teardown that hangs can be cut
    short, as a pass can) — by the signal itself, SIGINT too: raised as a
    KeyboardInterrupt inside the pool's shutdown, it left the workers
    without their sentinel, and the exit waited for them for ever."""
    _NOTED_SIGNALS.append(signum)
    for sig in _STOP_SIGNALS:
        signal.signal(sig, signal.SIG_DFL)


@app.command()
@config_option
@click.option(
    "--feed",
    multiple=True,
    help="Fetch this feed now (its url as in feedmill.yml); repeatable.",
)
@click.option(
    "--every",
    metavar="DURATION",
    help="Run as a daemon: a pass over due feeds at least this often (e.g. 15m).",
)
@click.option(
    "--due/--all",
    default=None,
    help="Only feeds whose next attempt has come (default with --every), "
    "or every feed (default for one pass).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Worker processes for parsing and rendering (1: none, all in this process); "
    "by default one per CPU this process may use.",
)
def run(
    config: Path,
    feed: tuple[str, ...],
    every: str | None,
    due: bool | None,
    workers: int | None,
) -> None:
    """Fetch, parse, store and publish: one pass, or a daemon with --every."""
    with _signals_noted():
        loaded = _load(config)
        interval = None
        if every is not None:
            try:
                interval = parse_interval(every)
            except ValueError as exc:
                err.print(f"--every: {exc}", markup=False)
                raise click.exceptions.Exit(EXIT_CONFIG) from None
        due_only = due if due is not None else interval is not None
        code = run_config(loaded, feed, workers, due_only=due_only, every=interval)
    raise click.exceptions.Exit(code)


@app.command()
@config_option
@click.option(
    "--rebuild",
    is_flag=True,
    help="Rewrite every post from the database, archived ones too, then apply retention.",
)
def publish(config: Path, rebuild: bool) -> None:
    """Write the posts still to be written, fetching nothing."""
    with _signals_noted():
        from sqlalchemy.exc import SQLAlchemyError

        from feedmill.pipeline import Mill
        from feedmill.publish.sitelock import SiteBusy
        from feedmill.store.database import StoreError

        loaded = _load(config)
        if _site_missing(loaded):
            raise click.exceptions.Exit(EXIT_CONFIG)
        try:
            made = _heeding_signals(functools.partial(Mill, loaded))
            if made is None:  # stopped while it waited for its database
                _say_not_started()
                return  # (ends as the signal says: `_signals_noted`)
            with made as mill, _stop_on_signals(mill) as received:
                _say_notices(mill)
                summary = _one_pass(mill, "rebuild" if rebuild else "publish_pending")
                _say_notices(mill)  # what the pass found (a feed that left the config)
                _report(summary, fetched=False)
        except (SiteBusy, StoreError, SQLAlchemyError, OSError) as exc:
            raise click.exceptions.Exit(_failed_pass(loaded, exc)) from None
    if received:  # cut short (what is left is written next time): as `run` says so
        raise click.exceptions.Exit(128 + received[0])


# -- search -----------------------------------------------------------------


def _day(value: str | None, option: str, zone: str, *, through: bool = False) -> datetime | None:
    """``2022-09-20`` (the day as the site shows it: from 00:00 in its
    ``timezone``) or a full ISO time (without a zone: in ``timezone`` too).
    ``through``: the bound after what is written — the day, or the hour,
    minute or second of a time (``--until 2022-09-20`` includes that day,
    ``--until 2022-09-21T10:20`` an item of 10:20:30, shown as 10:20: as a
    reader means it)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date like 2022-09-20", param_hint=option
        ) from None
    try:
        if through:
            moment += _written_to(value)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))
        return moment.astimezone(UTC)
    except OverflowError:
        # Beyond what a date holds: `--until 9999-12-31` or `--since 0001-01-01`
        # bounds nothing; `--until` before year 1 (or `--since` after 9999)
        # bounds everything out.
        late = moment.year > 1
        if late == (option == "--until"):
            return None
        return datetime.max.replace(tzinfo=UTC) if late else datetime.min.replace(tzinfo=UTC)


_WEEK = re.compile(r"\d{4}-?W\d{2}")
# A time's digits as written (10, 10:20, 1020, 10:20:30 …), then a fraction.
_TIME_WRITTEN = re.compile(r"[T ]([\d:]+)([.,]\d+)?")


def _written_to(value: str) -> timedelta:
    """The last unit an ISO date or time (one `fromisoformat` reads) is
    written to: a day, an hour, a minute, a second, a microsecond."""
    written = _TIME_WRITTEN.search(value)  # (a day has no "T" nor space: 2022W38T10 too)
    if written is None:
        # (A week written without its day, 2022-W38, is its Monday to
        # `fromisoformat`: "through" it was through that Monday.)
        return timedelta(days=7 if _WEEK.fullmatch(value.strip()) else 1)
    if written.group(2):
        return timedelta(microseconds=1)
    digits = len(written.group(1).replace(":", ""))
    return {2: timedelta(hours=1), 4: timedelta(minutes=1)}.get(digits, timedelta(seconds=1))


def _html(segments: Sequence[tuple[str, bool]]) -> str:
    import html

    return "".join(
        f"<mark>{html.escape(text)}</mark>" if match else html.escape(text)
        for text, match in segments
    )


# SQLite's word for a lock it waited for in vain; PostgreSQL's codes for a
# lock not had in time (lock_timeout) and a deadlock.
_LOCKED = ("database is locked", "database table is locked")
_LOCK_STATES = frozenset({"55P03", "40P01"})


def _catch_up(engine: Engine) -> bool:
    """Index the items waiting for it; those a pass holding the write lock
    for long keeps from the index are not searched this time, said (False)."""
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    from feedmill.cpus import available_cpus
    from feedmill.store import search as search_store
    from feedmill.store.database import may_not_write, reading

    try:
        search_store.catch_up(engine, workers=min(4, available_cpus()))
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None) or exc
        if may_not_write(exc):  # a role granted reads only, a read-only file
            with reading(engine) as conn:
                left = search_store.waiting(conn)
            err.print(
                f"note {left} {'item' if left == 1 else 'items'} not indexed yet, not searched"
                f" (the database takes no writes from here: {_first_line(orig)})",
                soft_wrap=True,
            )
            return True  # as complete as it will get: asking again changes nothing
        if not isinstance(exc, OperationalError) or not _waited_for_a_lock(exc):
            err.print(f"[red]error[/red] cannot index for search: {_first_line(orig)}")
            raise click.exceptions.Exit(EXIT_FATAL) from None
        with reading(engine) as conn:
            left = search_store.waiting(conn)
        err.print(
            f"[yellow]busy[/yellow] {left} {'item' if left == 1 else 'items'} not indexed yet,"
            f" not searched this time: {_first_line(orig)}"
        )
        return False
    return True


def _refuse_another_site(conn: Connection, config: Config, engine: Engine) -> None:
    """StoreError where the database is another site's (`site.another_sites`)."""
    from feedmill.store import site as site_store
    from feedmill.store.database import StoreError

    sqlite_file = engine.url.database if engine.dialect.name == "sqlite" else None
    try:
        site_store.another_sites(conn, str(config.posts_dir), str(config.site_dir), sqlite_file)
    except StoreError:
        # A `site:` mistyped, or naming a file: that, as `run` says it (a
        # config error, exit 2), not "the state database belongs to the site
        # in …".
        why = _no_site(config)
        if why is not None:
            err.print(f"[red]config error[/red]\n{plain(why)}", soft_wrap=True)
            raise click.exceptions.Exit(EXIT_CONFIG) from None
        raise


def _first_line(orig: object) -> str:
    """A database's complaint without the statement PostgreSQL quotes under it."""
    from feedmill.store.database import reason_of

    return plain(reason_of(orig))


def _waited_for_a_lock(exc: Exception) -> bool:
    """Whether ``exc`` (an OperationalError) means another writer was in the way."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) in _LOCK_STATES:
        return True
    return any(words in str(orig).lower() for words in _LOCKED)


MAX_QUERY_TERMS = 100
# … and characters: one run-together term of 40,000 (央行 × 20,000) is a phrase
# of as many words, which overflowed PostgreSQL's stack.
MAX_QUERY_CHARS = 2000
_LONG_OPTION = re.compile(r"--[A-Za-z]")

# More than any database holds: a larger `-n` is "all" (SQL's LIMIT takes
# 64 bits at most).
LIMIT_ALL = 1 << 40


class _SearchCommand(_HelpWritten):
    """`search`, whose query words may begin with "-" anywhere: ``-conflux``
    excludes a word, it is not ``-c onflux``.  The options (written whole:
    ``-c FILE``, ``--limit 5``, ``-n5``) are taken out first; every other word
    is the query's, as after "--" — but a long option misspelt (``--jsno``,
    ``--limt 1``), which was searched for, exit 0, without a word of the typo."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        head, tail = args, []
        if "--" in args:
            head, tail = args[: args.index("--")], args[args.index("--") + 1 :]
        options, words = self._options_and_words(ctx, head)
        return super().parse_args(ctx, [*options, "--", *words, *tail])

    def _options_and_words(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[list[str], list[str]]:
        params = [p for p in self.get_params(ctx) if isinstance(p, click.Option)]
        valued = {name for p in params if not p.is_flag and not p.count for name in p.opts}
        flags = {
            name for p in params if p.is_flag or p.count for name in (*p.opts, *p.secondary_opts)
        }
        options: list[str] = []
        words: list[str] = []
        index = 0
        while index < len(args):
            arg = args[index]
            if arg in valued:
                if index + 1 == len(args):
                    raise click.BadOptionUsage(arg, f"Option '{arg}' requires an argument.")
                options.extend(args[index : index + 2])
                index += 2
                continue
            # A flag, or an option with its value attached (--limit=5, -n5).
            if arg in flags or arg.split("=", 1)[0] in valued or re.fullmatch(r"-n\d+", arg):
                options.append(arg)
            elif _LONG_OPTION.match(arg):
                name = arg.split("=", 1)[0]
                if name in flags:  # (--json=true: "No such option '--json'" said nothing)
                    raise click.BadOptionUsage(name, f"Option '{name}' does not take a value.")
                raise click.NoSuchOption(name, possibilities=sorted({*valued, *flags}), ctx=ctx)
            else:
                words.append(arg)
            index += 1
        return options, words


# -央行 and -gold (an exclusion) are query words wherever they are, not
# options (-g old): see _SearchCommand.
@app.command(cls=_SearchCommand, context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1, required=True)
@config_option
@click.option(
    "--group",
    "-g",
    multiple=True,
    callback=_no_equals_signs,
    help="Only this group (repeatable).",
)
@click.option(
    "--source",
    "-s",
    multiple=True,
    callback=_no_equals_signs,
    help="Only this source (repeatable).",
)
@click.option("--since", help="From this date (2022-09-20).")
@click.option("--until", help="Through this date (or this time: 2022-09-20T12:00).")
@click.option(
    "--limit", "-n", type=click.IntRange(min=1), default=20, show_default=True,
    help="At most this many.",
)  # fmt: skip
@click.option(
    "--all", "all_items", is_flag=True, help="Also items held back (duplicates, blocked)."
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def search(
    query: tuple[str, ...],
    config: Path,
    group: tuple[str, ...],
    source: tuple[str, ...],
    since: str | None,
    until: str | None,
    limit: int,
    all_items: bool,
    as_json: bool,
) -> None:
    """Search everything stored, best match first, with the matches highlighted.

    QUERY: words to find, e.g. 央行 降准; a quoted phrase; -word excludes
    (-gold 逆回购 -c site/feedmill.yml: options are written whole, -c FILE).
    """
    from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

    from feedmill.search.tokens import MAX_TOKEN, query_tokens
    from feedmill.store import posts as posts_store
    from feedmill.store import search as search_store
    from feedmill.store.database import StoreError, may_not_write, open_to_read, reading
    from feedmill.store.feeds import view

    typed = " ".join(query)  # 央行 降准 as typed, or "央行 降准" quoted: one query
    try:
        typed.encode("utf-8")
    except UnicodeEncodeError:  # bytes Python could not decode: another encoding
        raise click.BadParameter(
            "not UTF-8 text (typed in a terminal of another encoding, GBK say?)",
            param_hint="QUERY",
        ) from None
    if not typed.strip():
        raise click.BadParameter(
            "an empty query finds nothing: give words to find", param_hint="QUERY"
        )
    if len(typed) > MAX_QUERY_CHARS:
        raise click.BadParameter(
            f"the query is {len(typed)} characters long: at most {MAX_QUERY_CHARS}",
            param_hint="QUERY",
        )
    terms = query_tokens(typed)
    if terms.unindexed:  # not the user's error: exit 0, as "nothing found" is
        if as_json:
            _print_out("[]\n")
        else:
            err.print(
                f"nothing found: a word of over {MAX_TOKEN} characters (a hash, base64)"
                " is in no index"
            )
        return
    if not terms.include:  # "-央行" alone, "，", '""': "nothing found" said nothing of why
        raise click.BadParameter(
            "nothing to find: give a word to find (-word only excludes; punctuation is no word)",
            param_hint="QUERY",
        )
    if len(terms.include) + len(terms.exclude) > MAX_QUERY_TERMS:
        # PostgreSQL ranks each term apart: ~2,500 of them overflowed its stack.
        raise click.BadParameter(
            f"{len(terms.include) + len(terms.exclude)} terms: a query has at most "
            f"{MAX_QUERY_TERMS} (words, or phrases in quotes)",
            param_hint="QUERY",
        )
    loaded = _load(config)
    # Checked before the index is built (once, and long on a big site).
    first_day = _day(since, "--since", loaded.timezone)
    last_day = _day(until, "--until", loaded.timezone, through=True)
    all_groups = {f.group for f in loaded.feeds}
    all_sources = {f.source for f in loaded.feeds}
    chosen = [
        f
        for f in loaded.feeds
        if (not group or _asked_for(f.group, group, all_groups))
        and (not source or _asked_for(f.source, source, all_sources))
    ]
    if _no_database_yet(loaded):  # a look makes no database (as `status`)
        if (group or source) and not chosen:
            _no_such_feed()
        _nothing_stored(as_json)
        return
    try:
        # As `status`: read-only where it cannot be opened to write (a full
        # disk; a user who may only read the daemon's files).
        engine, note = open_to_read(loaded.database_url)
    except StoreError as exc:
        err.print(f"[red]error[/red] {plain(str(exc))}")
        raise click.exceptions.Exit(EXIT_FATAL) from None
    if note is not None:
        err.print(f"note: {plain(note)}", soft_wrap=True)
    try:
        with reading(engine) as conn:
            # As `run` and `status` refuse it: another site's items are not
            # this one's to search (nor to index in its database).
            try:
                _refuse_another_site(conn, loaded, engine)
            except StoreError as exc:
                err.print(f"[red]error[/red] {plain(str(exc))}")
                raise click.exceptions.Exit(EXIT_FATAL) from None
            if search_store.stores_nothing(conn):  # (a PostgreSQL database, made by a look)
                if (group or source) and not chosen:
                    _no_such_feed()
                _nothing_stored(as_json)
                return
            current = search_store.is_current(conn)
            behind = search_store.waiting(conn) if current else 0
            # (Emptied by an upgrade's migration, every item waiting, or never
            # built: built, not "stored since the last search".)
            whole = bool(behind) and (
                search_store.rebuilding(conn) or search_store.holds_nothing(conn)
            )
            if group or source:
                states = view(conn, [f.url for f in loaded.feeds], loaded.url_key, loaded.moves)
        # The posts a feed removed from the config left on the site: found
        # by the group and source they are filed under (checked, as the
        # config's names are, before the index is built).
        removed: dict[int, tuple[str, str]] | None = None
        also: list[int] = []
        if group or source:
            removed = _filed_removed(engine, loaded, {s.id for s in states.values()})
            groups = all_groups | {g for g, _ in removed.values()}
            sources = all_sources | {s for _, s in removed.values()}
            also = [
                feed_id
                for feed_id, (g, s) in removed.items()
                if (not group or _asked_for(g, group, groups))
                and (not source or _asked_for(s, source, sources))
            ]
            if not chosen and not also:
                _no_such_feed()
        complete = True
        rebuilt = True
        if not current:
            err.print("building the search index (once) …")
            try:
                with engine.begin() as conn:
                    if not search_store.is_current(conn):
                        search_store.start_over(conn)
            except DBAPIError as exc:
                # (PostgreSQL says "permission denied" as a ProgrammingError.)
                if not isinstance(exc, OperationalError) and not may_not_write(exc):
                    raise
                if isinstance(exc, OperationalError) and _waited_for_a_lock(exc):
                    # As when catching up: an answer from the index as it is
                    # (an older feedmill's, which reads most words alike),
                    # then exit 75 — not nothing at all.
                    err.print(
                        "[yellow]busy[/yellow] cannot build the search index now:"
                        f" {_first_line(exc.orig)}; answering from the index as it is",
                        soft_wrap=True,
                    )
                    rebuilt = False
                elif may_not_write(exc):  # a role granted reads only, a read-only file
                    err.print(
                        "[red]error[/red] the search index is an older feedmill's and must be"
                        " built again, which takes writing the database: not from here"
                        f" ({_first_line(exc.orig)}); a `feedmill search` that may write it"
                        " builds it once",
                        soft_wrap=True,
                    )
                    raise click.exceptions.Exit(EXIT_FATAL) from None
                else:
                    # A full disk, a broken file: no use trying again soon.
                    err.print(
                        f"[red]error[/red] cannot build the search index: {plain(str(exc.orig))}"
                    )
                    raise click.exceptions.Exit(EXIT_FATAL) from None
            complete = _catch_up(engine) if rebuilt else False
        elif whole:
            err.print("building the search index (once) …")
            complete = _catch_up(engine)
        elif behind:  # stored by passes with `search: false`
            err.print(
                f"indexing {behind} {'item' if behind == 1 else 'items'}"
                " stored since the last search …"
            )
            complete = _catch_up(engine)
        # Reads only: a search never waits for a pass that is writing.
        with reading(engine) as conn:
            states = view(conn, [f.url for f in loaded.feeds], loaded.url_key, loaded.moves)
            request = search_store.SearchQuery(
                text=typed,
                feed_ids=[states[f.url].id for f in chosen] + also if (group or source) else None,
                since=first_day,
                until=last_day,
                limit=min(limit, LIMIT_ALL),
                statuses=None if all_items else ("active",),
            )
            hits = search_store.search(conn, request, markers=("\x00", "\x01"))
        # A post deleted by hand: found, but not on the site — said so.  (The
        # site's folders are listed only for hits that have a post.)
        posted = [h.entry_id for h in hits if h.status == "active"]
        if posted:
            files, archive = _post_files(loaded, engine)
            with reading(engine) as conn:
                gone = posts_store.deleted_among(conn, posted, files, archive)
            hits = [replace(h, status=DELETED) if h.entry_id in gone else h for h in hits]
        specs = {states[f.url].id: (f.group, f.source) for f in loaded.feeds}
        if removed is None and any(h.feed_id not in specs for h in hits):
            removed = _filed_removed(engine, loaded, {s.id for s in states.values()})
        # As their posts are filed: the feeds since removed from the config.
        left = {k: v for k, v in (removed or {}).items() if k not in specs}
    except SQLAlchemyError as exc:  # a damaged file: its reason, no traceback
        raise click.exceptions.Exit(_failed_pass(loaded, exc)) from None
    finally:
        engine.dispose()
    # What was found, and exit 75 where items were left unindexed: a script
    # knows to ask again (the results may lack the newest items).
    busy = 0 if complete else EXIT_BUSY
    if as_json:
        rows = [
            {
                "title": h.title,
                "link": h.link,
                "date": _iso(h.date),
                "group": (specs.get(h.feed_id) or left.get(h.feed_id) or (None, None))[0],
                "source": (specs.get(h.feed_id) or left.get(h.feed_id) or (None, None))[1],
                "score": float(f"{h.score:.4g}"),  # 4 digits: a common word scores ~1e-5
                # HTML: the text escaped, the matches in <mark>.
                "snippet": _html(h.snippet_segments),
                "title_html": _html(h.title_segments),
                # With --all: why an item is not on the site (None if it is).
                "held_back": None
                if h.status == "active"
                else {
                    "as": h.status,
                    "reason": DELETED_SAID if h.status == DELETED else h.reason,
                    "original": {"title": h.original[0], "link": h.original[1]}
                    if h.original
                    else None,
                },
            }
            for h in hits
        ]
        _print_out(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        raise click.exceptions.Exit(busy)
    if not hits:  # not an error: exit 0, as with --json ([])
        err.print("nothing found")
        raise click.exceptions.Exit(busy)

    zone = ZoneInfo(loaded.timezone)

    def lit(segments: Sequence[tuple[str, bool]]) -> str:
        return "".join(
            f"[bold yellow]{plain(text)}[/bold yellow]" if match else plain(text)
            for text, match in segments
        )

    for hit in hits:
        spec = specs.get(hit.feed_id) or left.get(hit.feed_id)
        where = f"{spec[0]} / {spec[1]}" if spec else "(a feed no longer configured)"
        if spec and hit.feed_id not in specs:
            where += " (a feed no longer configured)"
        title = lit(_cut(hit.title_segments or [(hit.title, False)], TITLE_SHOWN))
        wide.print(f"[bold]{title}[/bold]", soft_wrap=True)
        wide.print(
            f"  [dim]{hit.date.astimezone(zone):%Y-%m-%d %H:%M} · {plain(where)}"
            f"{' · ' + plain(hit.link) if hit.link else ''}[/dim]",
            soft_wrap=True,
        )
        if hit.status == DELETED:
            wide.print(f"  [yellow]not on the site: {DELETED_SAID}[/yellow]", soft_wrap=True)
        elif hit.status != "active":
            held = f"held back: {hit.status}"
            if hit.original:
                held += f" of “{hit.original[0]}”"
            if hit.reason:
                held += f" ({hit.reason})"
            wide.print(f"  [yellow]{plain(held)}[/yellow]", soft_wrap=True)
        shown = lit(hit.snippet_segments)
        if shown.strip():  # (an item of a title alone: no line of two spaces)
            wide.print(f"  {shown}", soft_wrap=True)
    raise click.exceptions.Exit(busy)


def _no_such_feed() -> None:
    err.print("no feed in the config has that group / source")
    raise click.exceptions.Exit(EXIT_CONFIG)


def _filed_removed(
    engine: Engine, config: Config, configured: Set[int | None]
) -> dict[int, tuple[str, str]]:
    """The group and source of each feed removed from the config whose posts
    are on the site or in the archive still, by feed id: as the categories of
    one of its posts' front matter name them (the built-in template files a
    post under its group, source and channel).  The database keeps neither;
    a post deleted by hand is passed over; a template of the site's own may
    file posts otherwise, and tells none."""
    from feedmill.publish.archive import folders
    from feedmill.publish.render import categories_of_file
    from feedmill.store import search as search_store
    from feedmill.store import site as site_store
    from feedmill.store.database import reading

    if config.template_path is not None:
        return {}
    with reading(engine) as conn:
        names = search_store.filed_posts(conn, configured)
        earlier = site_store.earlier_posts_folders(conn, str(config.site_dir)) if names else []
    if not names:
        return {}
    places = [
        config.posts_dir,
        *map(Path, earlier),
        *folders(engine, config.site_dir, config.posts_dir, config.archive_dir),
    ]
    found: dict[int, tuple[str, str]] = {}
    for feed_id, files in names.items():
        for name in files:
            chain = next(filter(None, (categories_of_file(place / name) for place in places)), None)
            if chain is not None and len(chain) >= 2:
                found[feed_id] = (chain[0], chain[1])
                break
    return found


# A hit whose post was deleted from the site by hand (`search`).
DELETED = "deleted"
DELETED_SAID = "its post was deleted by hand"

# Characters of a title that `search` prints (--json gives it whole): a feed's
# title can be a whole article.
TITLE_SHOWN = 200


def _cut(segments: Sequence[tuple[str, bool]], limit: int) -> list[tuple[str, bool]]:
    """Highlighted ``segments`` of text cut to ``limit`` characters, with "…" if
    cut — not inside a character's sequence (an emoji joined of several)."""
    from feedmill.search.snippet import continues

    out: list[tuple[str, bool]] = []
    left = limit
    for text, match in segments:
        if len(text) > left:
            floor = max(0, left - 20)  # (a word longer than that is cut)
            while left > floor and continues(text, left):
                left -= 1
            out.extend([(text[:left], match), ("…", False)])
            break
        out.append((text, match))
        left -= len(text)
    return out


# -- status -----------------------------------------------------------------


def _post_files(config: Config, engine: Engine) -> tuple[set[str] | None, set[str] | None]:
    """The names of the files in the posts folder and in the archive, as
    they are on the site (one deleted by hand is gone); None for either
    where the site is not there to look at (`_names_in`)."""
    from feedmill.publish.archive import folders
    from feedmill.store import site as site_store
    from feedmill.store.database import reading

    with reading(engine) as conn:
        earlier = site_store.earlier_posts_folders(conn, str(config.site_dir))
    # (In the folders of the last runs too: `source_dir` edited since, the
    # next run moves them.)
    files = _names_in([config.posts_dir, *map(Path, earlier)], config.site_dir)
    archive = _names_in(
        folders(engine, config.site_dir, config.posts_dir, config.archive_dir), config.site_dir
    )
    return files, archive


def _names_in(folders: Iterable[Path], site: Path) -> set[str] | None:
    """The names in ``folders``; None if none of them is there and neither is
    the Hexo site (a status looked at from a machine without the site: the
    database's counts) — on the site, a folder deleted holds no posts."""
    found: set[str] | None = None
    for folder in folders:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        found = (found or set()) | set(names)
    if found is None and hexo_config_file(site) is not None:
        return set()
    return found


def status_rows(config: Config) -> tuple[list[dict[str, Any]], int]:
    """One row per feed of ``config``; and how many posts of feeds no longer
    in it are still to write (`status_tally`)."""
    from feedmill.publish.categories import derive_channel
    from feedmill.store import feeds as feed_store
    from feedmill.store.database import open_to_read, reading
    from feedmill.store.posts import never_written_by_feed_id, to_write_by_feed_id

    urls = [f.url for f in config.feeds]
    if _no_database_yet(config):
        # Nothing fetched yet (or `state:` names another file): a look at the
        # feeds makes no database, and leaves none where none was meant.
        states = {url: feed_store.blank(url) for url in urls}
        counts: dict[int, tuple[int, int]] = {}
        held: dict[int, tuple[int, int]] = {}
        to_write: dict[int, int] = {}
        unwritten: dict[int, int] = {}
    else:
        engine, note = open_to_read(config.database_url)
        if note is not None:
            err.print(f"note: {plain(note)}", soft_wrap=True)
        try:
            with reading(engine) as conn:  # never waits for a pass that is writing
                # As `run` refuses it: another site's feeds are not this one's.
                _refuse_another_site(conn, config, engine)
            files, archive = _post_files(config, engine)
            with reading(engine) as conn:
                states = feed_store.view(conn, urls, config.url_key, config.moves)
                counts = feed_store.post_counts(conn, files, archive)
                held = feed_store.held_back(conn)
                to_write = to_write_by_feed_id(conn)
                unwritten = never_written_by_feed_id(conn)
        finally:
            engine.dispose()
    configured = {states[url].id for url in urls}
    left = sum(count for feed_id, count in unwritten.items() if feed_id not in configured)
    rows = []
    now = datetime.now(UTC)
    for spec in config.feeds:
        state = states[spec.url]
        blocked, duplicates = held.get(state.id, (0, 0))
        written, archived = counts.get(state.id, (0, 0))
        due = config.feed_due(spec, state, now)
        channel = spec.channel or derive_channel(state.title, spec.source)
        rows.append(
            {
                # Less any password or access key, as the table shows it
                # (`--feed` takes it): the output ends up in logs and reports.
                "url": _shown(spec.url),
                "group": spec.group,
                "source": spec.source,
                "channel": spec.channel,  # as configured; "categories" has the one used
                "categories": [spec.group, spec.source, *([channel] if channel else [])],
                "title": state.title,
                # (A moved feed keeps its credentials; what is shown does not.)
                "fetch_url": _shown(state.fetch_url),
                "last_attempt": _iso(state.last_attempt_at),
                "last_success": _iso(state.last_success_at),
                "http_status": state.http_status,
                "items": state.item_count,
                "posts": written,  # on the site: source/_posts
                "archived": archived,  # moved out by retention
                # Stored, their posts still to write or rewrite (a pass that
                # could not write them: a full disk; a restyle not yet run).
                "to_write": to_write.get(state.id, 0),
                "blocked": blocked,  # items kept out by rules
                "duplicates": duplicates,  # items another feed reported first
                "error_streak": state.error_streak,
                "next_attempt": _iso(due),
                "overdue": overdue(due, config.feed_interval(spec), now),
                "last_error": state.last_error,
                "warning": _as_configured_now(state.warning, config),
                "parser": state.parser,
                "redirect_url": _shown(state.redirect_url),
                "redirect_streak": state.redirect_streak,
                "ok": state.last_error is None and state.last_success_at is not None,
            }
        )
    _warn_of_shared_pages(config, rows)
    return rows, left


# What a pass's full-text warning says to do about pages it refused for where
# they are (see worker): done since, it says so, not the same advice again.
_ALLOW_PRIVATE_HINT = "; `fulltext.allow_private: true` lets the links of items to come reach them"


def _as_configured_now(warning: str | None, config: Config) -> str | None:
    if warning and config.fulltext.allow_private and _ALLOW_PRIVATE_HINT in warning:
        return warning.replace(
            _ALLOW_PRIVATE_HINT,
            "; `fulltext.allow_private` is on now: the links of items to come reach them",
        )
    return warning


def _warn_of_shared_pages(config: Config, rows: list[dict[str, Any]]) -> None:
    """A channel taken from a feed's title whose Hexo category page another
    channel has (``ＩＴ资讯`` and ``IT资讯``; ``C++`` and ``C#``): the load of
    the config refuses such names when they are written in it."""
    from feedmill.config import category_naming
    from feedmill.publish.categories import shared_pages

    chains = [row["categories"] for row in rows]
    for clash in shared_pages(chains, *category_naming(config.site_dir)):
        row, other = rows[clash.index], rows[clash.other_index]
        note = (
            f"channel {clash.name!r} and {clash.other!r} ({other['url']}) share one Hexo "
            f"category page, {clash.path}, which lists the posts of one only: "
            "set `channel:` for one of the two feeds in the config"
        )
        row["warning"] = f"{row['warning']}; {note}" if row["warning"] else note


def _no_database_yet(config: Config) -> Path | None:
    """The SQLite file of ``config`` if it does not exist yet."""
    from feedmill.store.database import sqlite_file

    database = sqlite_file(config.database_url)
    return database if database is not None and not database.exists() else None


def _asked_for(name: str, asked: Sequence[str], known: Set[str]) -> bool:
    """Whether ``name`` (a group or source of the config) is one of those
    ``asked`` for: as written (what shows nothing aside, as the config reads
    names), else in another width or case — `IT之家` for ``ＩＴ之家``, `tech news`
    for ``Tech News`` — unless the config has a name written so."""
    from feedmill.normalize.text import nfkc
    from feedmill.publish.categories import visible_name

    exact = {visible_name(a) for a in asked}
    if name in exact:
        return True
    folded = nfkc(name).casefold()
    return any(a not in known and nfkc(a).casefold() == folded for a in exact)


def _why_not_made(database: Path) -> str | None:
    """Why `run` could not make ``database`` (None: nothing says it cannot,
    short of making it): a file where a folder must be, or the nearest folder
    that exists not writable."""
    for folder in (database.parent, *database.parent.parents):
        if folder.exists():
            if not folder.is_dir():
                return f"{folder} is a file, not a folder"
            if not os.access(folder, os.W_OK | os.X_OK):
                return f"{folder} is not writable"
            return None
    return None


def _shown(url: str | None) -> str | None:
    from feedmill.urls import shown

    return shown(url) if url else None


OVERDUE_AFTER = timedelta(hours=1)
# The feed column's category, in terminal columns (CJK counts 2): past it, cut with "…".
WIDEST_CATEGORY = 60


def overdue(due: datetime | None, interval: timedelta, now: datetime) -> bool:
    """Whether nothing has polled a feed for long past its due time (more
    than its interval, and an hour): no daemon or cron job is running, or
    one runs far less often than the feed's interval."""
    return due is not None and now - due > max(interval, OVERDUE_AFTER)


def status_tally(rows: Sequence[dict[str, Any]], left: int = 0) -> str:
    """One line for the whole list: how many feeds are fine, failing, not yet
    fetched; ``left``: posts of feeds no longer in the config still to write."""
    failing = sum(row["last_error"] is not None for row in rows)
    # (Never a success, and no error: never fetched — a feed pointed
    # elsewhere with `moved_from` whose old place only ever failed too.)
    never = sum(row["last_success"] is None and row["last_error"] is None for row in rows)
    moved = sum(row["fetch_url"] is not None for row in rows)
    warned = sum(row["warning"] is not None for row in rows)
    parts = [f"{len(rows) - failing - never} ok", f"{failing} failing"]
    if never:
        parts.append(f"{never} not fetched yet")
    if moved:
        parts.append(f"{moved} moved")
    if warned:
        parts.append(f"{warned} with warnings")
    late = sum(row["overdue"] for row in rows)
    if late:
        parts.append(f"{late} overdue (is a daemon or cron job running `feedmill run`?)")
    waiting = sum(row.get("to_write", 0) for row in rows)
    if waiting:
        # (A pass that failed writing them — a full disk — left its feeds "ok".)
        parts.append(
            f"{waiting} post{'' if waiting == 1 else 's'} not yet written"
            " (each pass of `run` or `publish` writes them, or says why it cannot)"
        )
    if left:
        # (Stored before their feed left — a pass that could not write them —
        # they wait for it: its categories and template left with it.)
        parts.append(
            f"{left} post{'' if left == 1 else 's'} of feeds no longer in the config not"
            " written (put the feed back to write them)"
        )
    return f"{len(rows)} feed{'' if len(rows) == 1 else 's'}: " + ", ".join(parts)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def _ago(iso: str | None) -> str:
    if not iso:
        return "never"
    seconds = (datetime.now(UTC) - datetime.fromisoformat(iso)).total_seconds()
    if seconds <= -60:  # the clock set back since: "0s ago" hid it
        return f"{_span(-seconds)} ahead of the clock"
    return f"{_span(seconds)} ago"


def _span(seconds: float, *, exact: bool = False) -> str:
    """A length of time in its two largest units ("1h59m", "2d3h"): in one, a
    wait of 1h59m read "1h" and one of 47h "1d"; under an hour, minutes alone
    (a table's "in 14m").  ``exact``: all of it, as it was written ("1m30s",
    "1h30s", "1.5s": `--every 90` was said "every 1m")."""
    if 0 < seconds < 1:  # (`--every 500ms` said "every 0s")
        return f"{min(round(seconds * 1000), 999)}ms"  # (0.9996 s is not "1000ms")
    whole = int(max(seconds, 0))
    if exact:
        parts = []
        for unit, size in _UNITS:
            if whole >= size:
                parts.append(f"{whole // size}{unit}")
                whole %= size
        rest = whole + (seconds - int(seconds))
        return "".join(parts) + (f"{rest:g}s" if rest or not parts else "")
    for (unit, size), (small, small_size) in pairwise(_UNITS):
        if whole >= size:
            rest = whole % size // small_size
            return f"{whole // size}{unit}" + (f"{rest}{small}" if rest else "")
    return f"{whole // 60}m" if whole >= 60 else f"{whole}s"


_UNITS = (("d", 86400), ("h", 3600), ("m", 60))


def _overdue(iso: str | None) -> str:
    return "overdue " + _ago(iso).removesuffix(" ago")


def _until(iso: str | None) -> str:
    if not iso:
        return "now"
    seconds = (datetime.fromisoformat(iso) - datetime.now(UTC)).total_seconds()
    if seconds <= 0:
        return "now"
    return f"in {_span(seconds)}"


@app.command()
@config_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--failing", is_flag=True, help="Only feeds whose last attempt failed.")
def status(config: Path, as_json: bool, failing: bool) -> None:
    """One row per feed: last attempt and success, HTTP status, items, posts, last error."""
    from sqlalchemy.exc import SQLAlchemyError

    from feedmill.store.database import StoreError

    loaded = _load(config)
    try:
        rows, left = status_rows(loaded)
    except StoreError as exc:
        err.print(f"[red]error[/red] {plain(str(exc))}")
        raise click.exceptions.Exit(EXIT_FATAL) from None
    except SQLAlchemyError as exc:  # a damaged file: its reason, no traceback
        raise click.exceptions.Exit(_failed_pass(loaded, exc)) from None
    tally = status_tally(rows, left)
    if failing:
        rows = [row for row in rows if row["last_error"] is not None]
    if as_json:
        _print_out(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    from feedmill.columns import Cell, cell, fit, fitted

    header = (
        "feed",
        "last attempt",
        "last success",
        "next",
        "HTTP",
        "items",
        "posts",
        "blocked",
        "dups",
        "error / warning",
    )

    def category(row: dict[str, Any]) -> str:
        return " / ".join(row["categories"])

    def shown(name: str) -> str:
        # A channel is its feed's title, which may run to 200 characters: cut,
        # it no longer pads every row of the table to its width (--json has it whole).
        return fitted(name, WIDEST_CATEGORY)

    def shown_url(url: str) -> str:
        # Cut in the middle, as wide as a category at most: a URL of 200
        # characters pushed every column of every row off the screen.  Its
        # host and route, and its end, tell it from the others.
        return fitted(url, WIDEST_CATEGORY, middle=True)

    # Feeds of one category (RSSHub routes of one source not fetched yet)
    # are told apart by their URLs; a failing feed names the URL to fix.
    shared = Counter(category(row) for row in rows)
    table: list[list[Cell]] = []
    for row in rows:
        name = [(shown(category(row)), "")]
        if shared[category(row)] > 1 or row["last_error"]:
            name.append((shown_url(row["url"]), "dim"))
        if row["fetch_url"]:
            name.append((shown_url(f"moved permanently to {row['fetch_url']}"), "yellow"))
        error = row["last_error"] or ""
        if row["error_streak"] > 1:
            error = f"({row['error_streak']} in a row) {error}"
        note = [*cell(error, "red"), *cell(row["warning"] or "", "yellow")]
        table.append(
            [
                name,
                cell(_ago(row["last_attempt"])),
                cell(_ago(row["last_success"])),
                cell(
                    _overdue(row["next_attempt"])
                    if row["overdue"]
                    else _until(row["next_attempt"]),
                    "yellow" if row["overdue"] else "",
                ),
                cell(str(row["http_status"] or "")),
                cell("" if row["items"] is None else str(row["items"])),
                cell(
                    str(row["posts"]) + (f" +{row['archived']} archived" if row["archived"] else "")
                ),
                cell(str(row["blocked"] or "")),
                cell(str(row["duplicates"] or "")),
                note,
            ]
        )
    if rows:
        # A terminal narrower than the table gets a block per feed; a pipe
        # (a log, grep) gets the table, one line per feed — also where rich
        # is told to style it (FORCE_COLOR: a CI log), which rich's own
        # is_terminal takes for a terminal.
        wide.print(fit(header, table, _terminal_width()), soft_wrap=True)
    out.print(tally, soft_wrap=True)  # one line, whatever the width
    missing = _no_database_yet(loaded)
    if missing is not None:
        blocked = _why_not_made(missing)
        then = (
            f"and `feedmill run` cannot make it: {blocked}"
            if blocked
            else "`feedmill run` makes it"
        )
        err.print(
            f"[yellow]note[/yellow] no state database yet at {plain(str(missing))}: {plain(then)}",
            soft_wrap=True,
        )


def _terminal_width() -> int | None:
    """The columns of the terminal standard output is (COLUMNS, if set, says
    so); None when it is none."""
    import shutil

    try:
        if not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):  # replaced, or closed
        return None
    return shutil.get_terminal_size().columns


# -- feed lists ---------------------------------------------------------------


@app.command(name="import")
@click.argument("opml")
@config_option
@click.option("--dry-run", is_flag=True, help="Show what would be added; change nothing.")
def import_(opml: str, config: Path, dry_run: bool) -> None:
    """Add the feeds of an OPML file to feedmill.yml (group and source from its folders).

    OPML: an OPML file exported by a feed reader (- is standard input).
    """
    from feedmill.feedlist import OpmlError, import_feeds_to_file, read_opml
    from feedmill.urls import identity

    _named_file(opml, "write - for standard input", "OPML")
    # A broken config is reported as such, before the OPML file (one without a
    # feed list yet is no broken one: the import starts it).
    _load(config, feeds_optional=True)
    if re.match(r"(?i)https?://", opml) and not Path(opml).exists():
        # (As a path, "https://a/b.opml" read as "https:/a/b.opml": no such file.)
        err.print(
            f"[red]error[/red] {_shown_url(opml)} is a web address: import reads a file"
            " (save it first — curl -o subscriptions.opml URL — and import that)",
            soft_wrap=True,
        )
        raise click.exceptions.Exit(EXIT_CONFIG)
    try:
        # ("-" as `export -o -` writes it: `export -c a | import - -c b`.)
        if str(opml) == "-" and sys.stdin is None:  # (`import - <&-`)
            raise OSError(errno.EBADF, "standard input is closed")
        document = sys.stdin.buffer.read() if opml == "-" else Path(opml).read_bytes()
        imported = read_opml(document)
    except OSError as exc:
        err.print(
            f"[red]error[/red] cannot read {plain(str(opml))}: {plain(str(exc.strerror or exc))}"
        )
        raise click.exceptions.Exit(EXIT_CONFIG) from None
    except OpmlError as exc:
        err.print(f"[red]error[/red] {plain(str(opml))}: {plain(str(exc))}", soft_wrap=True)
        raise click.exceptions.Exit(EXIT_CONFIG) from None
    again = [outline.again for outline in imported.skipped if outline.again is not None]
    try:
        added, skipped, refused = import_feeds_to_file(
            config, imported.feeds, dry_run=dry_run, again=again
        )
    except ConfigError as exc:
        raise _edit_failed(exc) from None
    # A feed listed in several folders: where it went, said of its other
    # listings — but of one taken, or refused (said below), by identity: a
    # folder may list a feed twice alike.
    placed: dict[str, ImportedFeed | None] = {identity(feed.url): feed for feed in added}
    placed.update({identity(feed.url): None for feed in skipped})  # (already there)
    said_elsewhere = {id(feed) for feed in added} | {id(feed) for feed, _ in refused}
    passed_over = len(refused)
    for outline in imported.skipped:
        reason = outline.reason
        listing = outline.again
        if listing is not None:
            if id(listing) in said_elsewhere:
                continue
            key = identity(listing.url)
            if key in placed:
                went = placed[key]
                reason = (
                    "duplicate: already there"
                    if went is None
                    else f"duplicate: imported as {_filed_under(went)}"
                )
        passed_over += 1
        name = _shown_url(outline.url) if outline.url else plain(outline.name or "(an outline)")
        err.print(f"[yellow]skipped[/yellow] {name}: {plain(reason)}", soft_wrap=True)
    for feed, reason in refused:
        went = placed.get(identity(feed.url))
        if went is not None:  # (refused here, taken where it is listed again)
            reason += f"; imported as {_filed_under(went)}"
        err.print(
            f"[yellow]skipped[/yellow] {_shown_url(feed.url)}: {plain(reason)}", soft_wrap=True
        )
    for feed in added:
        verb = "would add" if dry_run else "added"
        where = plain(_filed_under(feed))
        if feed.left_out:  # (two feeds of 前端 / Vue and 前端 / React are both 前端's now)
            where += plain(
                f"; its folder{'s' if len(feed.left_out) > 1 else ''} below that,"
                f" {' / '.join(feed.left_out)}, not kept: a post has three levels of categories"
            )
        out.print(f"[green]{verb}[/green] {_shown_url(feed.url)}  ({where})", soft_wrap=True)
    for feed in skipped:
        out.print(f"[yellow]already there[/yellow] {_shown_url(feed.url)}", soft_wrap=True)
    verb = "would be added" if dry_run else "added"
    out.print(
        f"{len(added)} feed{'' if len(added) == 1 else 's'} {verb} to {plain(str(config))}, "
        f"{len(skipped)} already there, "
        f"{passed_over} outline{'' if passed_over == 1 else 's'} skipped",
        soft_wrap=True,
    )


def _filed_under(feed: ImportedFeed) -> str:
    """``group / source / channel`` (no channel: none written)."""
    return " / ".join(x for x in (feed.group, feed.source, feed.channel) if x)


@app.command()
@config_option
@click.option(
    "--output",
    "-o",
    callback=lambda _ctx, _param, value: _named_file(value, "write - for standard output"),
    help="Write here instead of to stdout (- is stdout).",
)
def export(config: Path, output: Path | None) -> None:
    """The feeds of feedmill.yml as OPML 2.0: a folder per group, inside it one per source."""
    from feedmill.feedlist import export_opml, write_atomically

    loaded = _load(config)
    text = export_opml(loaded.feeds)
    if output is None or str(output) == "-" or _descriptor(output) == 1:
        _print_out(text)
        return
    mine = _own_file(loaded, output)
    if mine is not None:  # -o mixed up with -c, or a typo: never written over
        err.print(
            f"[red]error[/red] {plain(str(output))} is {mine}: "
            "the feed list goes to another file (or to standard output without -o)",
            soft_wrap=True,
        )
        raise click.exceptions.Exit(EXIT_CONFIG)
    try:
        kind: int | None = os.stat(output).st_mode
    except OSError:
        kind = None
    try:
        if _descriptor(output) is not None:
            # `-o /dev/stderr`, `/dev/fd/3`: written to that descriptor, where it
            # is (a log opened to append): opened anew, a file was cut short.
            _write_into(output, text)
        elif kind is not None and not stat.S_ISREG(kind) and not stat.S_ISDIR(kind):
            # A pipe, a device, a socket (a FIFO a program reads, /dev/null):
            # written to, as a shell's `>` does — the rename that replaces a
            # file whole put a file in its place (root's, over /dev/null).
            _write_into(output, text)
        else:
            write_atomically(output, text)  # never half a file
    except ConfigError as exc:
        err.print(f"[red]error[/red] {plain(str(exc))}", soft_wrap=True)
        raise click.exceptions.Exit(EXIT_FATAL) from None
    if _descriptor(output) is None:  # (not into `-o /dev/stderr`'s own text)
        err.print(f"wrote {output}", markup=False)


_DESCRIPTOR = re.compile(r"/dev/(?:std(in|out|err)|fd/(\d+))|/proc/self/fd/(\d+)")


def _descriptor(path: Path) -> int | None:
    """The open file descriptor ``path`` names (`/dev/stdout`, `/dev/fd/3`), if it names one."""
    named = _DESCRIPTOR.fullmatch(str(path))
    if named is None:
        return None
    standard, number, own = named.groups()
    return {"in": 0, "out": 1, "err": 2}[standard] if standard else int(number or own)


def _write_into(path: Path, text: str) -> None:
    """``text`` written into the pipe or device at ``path``, or the open file
    descriptor it names (where it is: a file opened to append is appended
    to); ConfigError if it cannot be."""
    data = text.encode("utf-8")
    try:
        descriptor = _descriptor(path)
        if descriptor is not None:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
            return
        with open(path, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except OverflowError:  # (/dev/fd/99999999999999999999)
        raise ConfigError(f"{path}: cannot write: no such descriptor") from None


_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def _own_file(config: Config, path: Path) -> str | None:
    """What ``path`` is to feedmill, if it is one of the files its config
    names: the config itself, its state database (one not made yet too), a
    feed's file, the post template, a tags list — or in the folder of the
    posts or of the archive (None: another file)."""
    from urllib.parse import urlsplit
    from urllib.request import url2pathname

    from feedmill.store.database import sqlite_file

    named: list[tuple[Path | str | None, str]] = [
        (config.path, "the config itself"),
        (config.named, "the config itself"),
        (sqlite_file(config.database_url), "the state database"),
    ]
    database = sqlite_file(config.database_url)
    if database is not None:  # (its logs: what a killed pass committed may be only there)
        named += [(f"{database}{end}", "the state database") for end in _SQLITE_SIDE_FILES]
    named += [(file, "a file the config names") for file in _named_files(config)]
    for feed in config.feeds:
        location = config.location(feed)
        if location.startswith("file:"):
            named.append((Path(url2pathname(urlsplit(location).path)), f"the feed {feed.url}"))
    where = path.resolve()
    for file, what in named:
        if file is not None and (Path(file).resolve() == where or _same_file(file, path)):
            return what
    for folder, what in ((config.posts_dir, "the posts"), (config.archive_dir, "the archive")):
        if where.is_relative_to(folder.resolve()):
            return f"in the folder of {what}"
    return None


# A lone surrogate: a byte Python could not read as UTF-8 (the locale's codec).
_SURROGATE = re.compile("[\ud800-\udfff]")


@app.command()
@click.argument("url")
@click.option(
    "--group",
    "-g",
    required=True,
    callback=_no_equals_signs,
    help="First-level category.",
)
@click.option(
    "--source",
    "-s",
    required=True,
    callback=_no_equals_signs,
    help="Second level: the outlet.",
)
@click.option(
    "--channel", help="Third level; default (or empty: a script's unset variable): the feed title."
)
@config_option
def add(url: str, group: str, source: str, channel: str | None, config: Path) -> None:
    """Add one feed to feedmill.yml, keeping its comments and order.

    URL: the feed: an http(s) URL, a file:// URL or a path (from here).
    """
    from urllib.parse import urlsplit

    from feedmill.feedlist import add_feed_to_file, from_feed_scheme

    if not url.strip():
        raise click.BadParameter("the feed's URL is empty", param_hint="URL")
    given = (("URL", url), ("-g/--group", group), ("-s/--source", source), ("--channel", channel))
    for hint, name in given:
        if name and _SURROGATE.search(name):
            # Bytes of another encoding (a GBK terminal or script under a UTF-8
            # locale): Python keeps them as lone surrogates, which no file can hold.
            shown = (_shown(name) or "") if hint == "URL" else name  # (no password, no key)
            what = (
                f"{shown!a} is"
                if _SURROGATE.search(shown)
                else f"{shown!a}: its password or key is"
            )
            raise click.BadParameter(
                f"{what} not UTF-8 text: type it in a UTF-8 terminal, or save"
                " the script that gives it as UTF-8",
                param_hint=hint,
            )
    url = from_feed_scheme(url)  # (a reader's subscribe link, as `import` reads it)
    try:
        parts = urlsplit(url) if "://" in url or is_bare_file_url(url) else None
    except ValueError:  # "http://[::1": the config's check says why
        parts = None
    if "://" not in url and not is_bare_file_url(url):
        url = _typed_path(url, config)
    elif parts is not None and parts.scheme.lower() == "file" and parts.netloc in ("", "localhost"):
        from urllib.request import url2pathname

        # (`file:a.xml`, no URL's: the config reads it from its own folder.)
        local = config.resolve().parent / url2pathname(parts.path)
        if not local.is_file():  # as a typed path must be there
            _no_such_file(local, url)
    try:
        feed = add_feed_to_file(config, url, group, source, channel)
    except ConfigError as exc:
        raise _edit_failed(exc) from None
    out.print(
        f"[green]added[/green] {_shown_url(feed.url)}  ({plain(_filed_under(feed))})"
        f" to {plain(str(config))}",
        soft_wrap=True,
    )


def _no_such_file(local: Path, typed: str) -> NoReturn:
    """`add`'s "no such file", and what ``typed`` may have meant: a character
    that shows nothing or white space around it (copied with it), or a feed
    on the web."""
    import unicodedata

    from feedmill.urls import INVISIBLE, shown

    scheme, _, rest = typed.partition(":")
    meant = meant_url(typed)
    if (invisible := INVISIBLE.search(typed)) is not None:  # (first: the others keep it)
        char = invisible.group()
        hint = (
            f" (it holds an invisible character, U+{ord(char):04X}"
            f" {unicodedata.name(char, '')}: copied with it?)"
        )
    elif typed != typed.strip():
        hint = f" (it has white space around it: {typed.strip()}?)"
    elif meant is not None:  # "https//rsshub.app/x", "http：//…" from an input method
        hint = f" (a feed on the web? {shown(meant)})"
    elif scheme.lower() in ("http", "https") and rest:  # "https:/rsshub.app/x"
        hint = f" (a feed on the web? {scheme}://{rest.lstrip('/')}: a scheme needs ://)"
    elif looks_like_host(typed):
        hint = f" (a feed on the web? {web_scheme(typed)}://{typed})"
    else:
        hint = ""
    # (What shows nothing, and white space around it, written as escapes: the
    # name is seen as it is — not as the file that is there.)
    named = INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", str(local))
    if named != named.strip():
        named = repr(named)
    err.print(f"[red]error[/red] no such file: {plain(named)}{plain(hint)}")
    raise click.exceptions.Exit(EXIT_CONFIG)


def _typed_path(typed: str, config: Path) -> str:
    """A feed file named on the command line (relative to where the command
    runs), as the config names it (relative to the config's folder)."""

    # Named as typed, where that is the file the system opens: a link
    # (feeds/latest.xml, a mounted ConfigMap's file; a feeds folder that is a
    # link to a disk) is named, not what it points to today, which the next
    # update removes.  "sub/.." read as written is not where the link "sub"
    # leads: there, the folder is resolved (the file still not).
    given = Path.cwd() / home_expanded(typed)
    local = Path(os.path.abspath(given))
    if not _same_file(local, given):
        local = given.parent.resolve() / given.name
    if not local.is_file():
        _no_such_file(local, typed)
    # Relative to the config's folder, as -c names it or as it resolves (a
    # site reached through a link): the config reads it from the latter.
    home = config.resolve().parent
    for folder in (Path(os.path.abspath(config)).parent, home):
        if local.is_relative_to(folder):
            named = local.relative_to(folder).as_posix()
            if _same_file(home / named, local):
                return named
    return str(local)


def _same_file(one: Path | str, other: Path) -> bool:
    """Whether two existing paths are one file (another hard link to it, a
    bind mount)."""
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


# -- demo -------------------------------------------------------------------


class NotADemoSite(Exception):
    """The folder holds a feedmill.yml that is not the demo's."""


def write_demo(directory: Path) -> Path:
    """init + the bundled sample feeds + a feedmill.yml that reads them.

    Again on a demo site, nothing changes (sample feeds edited since are put
    back as they came); on a folder whose feedmill.yml is
    not the demo's, nothing is written (NotADemoSite): the demo's config and
    sample posts would replace a real site's.
    """
    from importlib import resources

    from ruamel.yaml import YAML

    samples = resources.files("feedmill") / "samples"
    feeds = {
        item.name: item.read_bytes()
        for item in samples.iterdir()
        if item.name.endswith((".xml", ".json"))
    }
    yaml = YAML()
    yaml.preserve_quotes = True
    data = yaml.load((samples / "feedmill.yml").read_text(encoding="utf-8"))
    for feed in data["feeds"]:
        feed["url"] = f"feeds/{feed['url']}"
    text = io.StringIO()
    yaml.dump(data, text)
    config_path = directory / CONFIG_NAME
    elsewhere = "feedmill demo makes a new site (give it another folder"
    if config_path.exists() and config_path.read_bytes() != text.getvalue().encode("utf-8"):
        raise NotADemoSite(
            f"{config_path} exists and is not the demo's: {elsewhere}, "
            "or use feedmill run for this one)"
        )
    feeds_dir = directory / "feeds"
    if not config_path.exists():  # not a demo site yet: nothing of anyone's to replace
        if hexo_config_file(directory) is not None:
            raise NotADemoSite(f"{directory} holds a Hexo site already: {elsewhere})")
        if feeds_dir.exists() and not feeds_dir.is_dir():
            raise NotADemoSite(f"{feeds_dir} is a file, where the sample feeds go: {elsewhere})")
        for name, sample in feeds.items():
            mine = feeds_dir / name
            if mine.exists() and (not mine.is_file() or mine.read_bytes() != sample):
                raise NotADemoSite(f"{mine} exists and is not the demo's: {elsewhere})")
    init_site(directory)
    feeds_dir.mkdir(parents=True, exist_ok=True)

    def put(path: Path, data: bytes) -> None:
        # Only what differs: a daemon on the demo site reloads on a new mtime.
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)

    for name, sample in feeds.items():
        put(feeds_dir / name, sample)
    put(config_path, text.getvalue().encode("utf-8"))
    return config_path


@app.command()
@click.argument("directory", default="demo-site", callback=_folder_named)
def demo(directory: Path) -> None:
    """init + bundled sample feeds + run, fully offline.

    DIRECTORY: where to create the demo site (default: demo-site).
    """
    try:
        config_path = write_demo(directory)
    except NotADemoSite as exc:
        err.print(str(exc), markup=False)
        raise click.exceptions.Exit(EXIT_CONFIG) from None
    except OSError as exc:  # a file in the way, a folder not ours to write
        err.print(
            f"[red]error[/red] cannot make the demo site in {plain(str(directory))}: "
            f"{plain(_why_no_site(directory, exc))}"
        )
        raise click.exceptions.Exit(EXIT_FATAL) from None
    out.print(f"demo site in {directory}, config {config_path}", markup=False, soft_wrap=True)
    code = run_config(_load(config_path))
    if code == 0:
        out.print(
            f"\nposts are in {directory / 'source' / '_posts'}; to see the site:\n"
            f"  cd {_shell(directory)} && npm install && npx hexo server",
            markup=False,
            soft_wrap=True,
        )
    raise click.exceptions.Exit(code)


def _shown_url(url: str) -> str:
    """A feed URL for the terminal: a password in it is sent, never shown."""
    return plain(_shown(url) or "")


def _nothing_stored(as_json: bool) -> None:
    """A search's answer before any pass stored an item."""
    if as_json:
        _print_out("[]\n")
    else:
        err.print("nothing found: nothing is stored yet (`feedmill run` fetches the feeds)")


def _print_out(text: str) -> None:
    """Output that is the command's product (JSON, OPML), as is and in UTF-8
    whatever the locale: the OPML says so, and JSON between programs is UTF-8
    (RFC 8259) — a GBK locale wrote GBK under `encoding='UTF-8'`, an ASCII one
    a backslash escape in place of each Chinese name.  Nothing at all when the
    program was started with stdout closed (cron's `>&-`)."""
    stream = sys.stdout
    if stream is None:
        return
    with _writing():
        if not isinstance(stream, io.TextIOWrapper):
            print(text, end="", flush=True)
            return
        # Written whole or failing: print() ends quietly when a write is cut
        # short (a disk filling up, a reader leaving after 64 KiB), and the
        # OPML or JSON was truncated under exit status 0.
        stream.flush()
        data = memoryview(text.encode("utf-8", "backslashreplace"))
        while data:
            written = stream.buffer.write(data)
            if not written:
                raise OSError(errno.EIO, "the output was not written")
            data = data[written:]
        stream.buffer.flush()


def main() -> None:
    # Output in a locale without Chinese (PYTHONIOENCODING=ascii, a Latin-1
    # terminal) is escaped, not a traceback after a pass that went well.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    try:
        try:
            app(prog_name="feedmill")
        finally:
            # No command took the signals over (--help, --version, a usage
            # error): one noted as feedmill loaded ends it as the signal's
            # default action would have.
            _default_signals()
    except KeyboardInterrupt:  # before a command began (see _Commands)
        err.print("interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except OutputLost as exc:
        _say_output_lost(exc)
        sys.exit(EXIT_UNFLUSHED)  # as the interpreter's own exit does


def _say_output_lost(exc: OutputLost) -> None:
    with suppress(OSError):
        os.write(2, f"feedmill: could not write the output: {exc}\n".encode())


def program() -> None:
    """The ``feedmill`` program: `main`, then an exit without the interpreter's
    teardown (see _leave).  `main` itself returns by SystemExit, as click does."""
    try:
        main()
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            _leave(done.code or 0)
        raise


# The interpreter's exit status when it cannot flush the output at its end.
EXIT_UNFLUSHED = 120


def _leave(code: int) -> None:
    """Exit without the interpreter's teardown once the command's work is done.

    Freeing every object of SQLAlchemy, aiohttp and the rest one by one took
    0.13-0.18 s after each command (a tenth of an unchanged one-shot rerun).
    What a normal exit would still do is done here: the atexit functions
    (multiprocessing's, logging's), and the output flushed — output that
    cannot be is said and ends the program with the interpreter's status for
    it (a full disk), or ends it quietly with 1 (a reader gone: `| head`).
    Returns, for the usual exit, while another thread still runs: a normal
    exit waits for it.
    """
    import atexit
    import threading

    if threading.active_count() > 1:
        return
    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # None: started with the descriptor closed
                stream.flush()
    except BrokenPipeError:
        # A reader that stopped early (`| head`): nothing to say to it, and the
        # status of a command whose output was cut short (as rich's own
        # output cut short ends; Python's advice for EPIPE).
        os._exit(code or EXIT_FATAL)
    except (OSError, ValueError) as exc:
        # What the buffer held is lost: the interpreter's own last flush would
        # find nothing left to write, and say nothing.
        with suppress(OSError):
            os.write(2, f"feedmill: could not write the output: {exc}\n".encode())
        os._exit(code or EXIT_UNFLUSHED)
    os._exit(code)
