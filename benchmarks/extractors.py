"""Compare article extractors on the sample pages in tests/data/articles/.

    python -m benchmarks.extractors               # the table, 5 timed runs a page
    python -m benchmarks.extractors --runs 9 --pages   # and a row per page

Each ``NAME.html`` there has ``NAME.expected.txt``: the article's text blocks
(paragraphs, headings, list items, table rows, code lines, captions), one a
line; a line starting with ``? `` is optional (a byline, a source line): not
required, and not boilerplate either.  ``pages.json`` gives each page's URL and
the images, links, tables and code blocks its article holds.

Figures, per extractor (all line-level, after NFKC and with all whitespace
removed, so "IT之家 5 月" and "IT之家5月" are one line):

  recall      share of the required expected lines found in the output text
  precision   share of output lines that are article text (or the title)
  leak        share of the page's boilerplate lines (every text line of the
              page that is not article text) found in a non-article output
              line; ``leaked`` is their count over all pages
  img/link    expected images (absolute ``src``) and links (absolute ``href``)
              present as HTML in the output
  code/table  expected code blocks present as ``<pre>`` holding their first
              line, expected tables present as ``<table>``, ordered lists as ``<ol>``
  inline>pre  inline ``<code>`` of the page that came out as a ``<pre>`` block,
              splitting its paragraph in two (lower is better)
  ms/page     mean over pages of the per-page median of ``--runs`` runs, in
              CPU time of this process (extraction is single-threaded CPU work;
              wall time on a shared machine measures the neighbours)
  false +     of the sample pages that hold no article (login, error, paywall,
              a one-line flash: ``NAME.html`` without ``NAME.expected.txt``),
              how many the extractor returned something for (lower is better)
  import s    seconds to import what the row needs in a fresh interpreter
              (``feedmill.fulltext`` imports its engine lazily, on the first
              extraction, and aiohttp only to fetch: the rows count both)

Rows: each library called for HTML output with images, links, tables and
formatting (trafilatura also with ``favor_precision=True``: ``-prec``); each
library behind feedmill's own preparation and clean-up (``+prep``: lazy images,
WeChat's hidden body, bare styling <section>s, absolute URLs; then editor,
copyright, disclaimer and share lines, attributes, empty elements — what
``fulltext`` does around its engine); and ``feedmill`` =
``feedmill.fulltext.extract_article`` itself, which is readability+prep plus
the lead-figure rescue (it needs readability's XPath marks) and the refusal
of login, paywall and error pages.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "tests" / "data" / "articles"

Extract = Callable[[str, str], str | None]
# The libraries take a page as text or as a parsed tree (what feedmill prepared).
Engine = Callable[[str | lxml.html.HtmlElement, str], str | None]

BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "div",
        "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
        "h5", "h6", "header", "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section",
        "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title", "iframe"})
_WS = re.compile(r"\s+")


# -- text of an HTML document or fragment, as lines ---------------------------------------


def html_lines(html: str) -> list[str]:
    """Visible text, one line per block (paragraph, heading, list item, table
    row, code line)."""
    if not html.strip():
        return []
    root = lxml.html.fromstring(html)
    parts: list[str] = []
    _walk(root, parts, in_pre=False)
    lines = "".join(parts).split("\n")
    return [line.strip() for line in lines if line.strip()]


def _walk(el: lxml.html.HtmlElement, out: list[str], *, in_pre: bool) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag and tag not in SKIP_TAGS:
        block = tag in BLOCK_TAGS and tag not in ("td", "th")
        pre = in_pre or tag == "pre"
        if block:
            out.append("\n")
        if tag in ("td", "th", "img"):
            out.append(" ")
        if tag == "br":
            out.append("\n")
        if el.text:
            out.append(el.text if pre else _WS.sub(" ", el.text))
        for child in el:
            _walk(child, out, in_pre=pre)
        if block:
            out.append("\n")
    if el.tail:
        out.append(el.tail if in_pre else _WS.sub(" ", el.tail))


def key(text: str) -> str:
    return _WS.sub("", unicodedata.normalize("NFKC", text))


# -- the sample pages -------------------------------------------------------------------------


@dataclass
class Page:
    name: str
    url: str
    html: str
    required: list[str]
    optional: list[str]
    title: str
    images: list[list[str]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    code: list[str] = field(default_factory=list)
    tables: int = 0
    ordered_lists: int = 0
    inline_code: frozenset[str] = frozenset()

    def article_key(self) -> str:
        """Every article line's key, joined: an output line is article text
        when its key is a substring of this."""
        return "\n".join(key(line) for line in [*self.required, *self.optional])

    def boilerplate(self) -> list[str]:
        article = self.article_key()
        title = key(self.title)
        seen: set[str] = set()
        lines = []
        for line in html_lines(self.html):
            k = key(line)
            if len(k) < 2 or k in seen or k in article or k in title:
                continue
            seen.add(k)
            lines.append(line)
        return lines


def load_pages(directory: Path = PAGES) -> list[Page]:
    meta = json.loads((directory / "pages.json").read_text(encoding="utf-8"))
    pages = []
    for expected in sorted(directory.glob("*.expected.txt")):
        name = expected.name.removesuffix(".expected.txt")
        html = (directory / f"{name}.html").read_text(encoding="utf-8")
        required, optional = [], []
        for line in expected.read_text(encoding="utf-8").splitlines():
            if line.startswith("? "):
                optional.append(line[2:])
            elif line.strip():
                required.append(line)
        doc = lxml.html.fromstring(html)
        titles = [t.text_content() for t in doc.iter("title", "h1")]
        inline = frozenset(
            code.text_content().strip()
            for code in doc.xpath("//code[not(ancestor::pre)]")
            if code.text_content().strip()
        )
        info = meta[name]
        pages.append(
            Page(
                name=name,
                url=info["url"],
                html=html,
                required=required,
                optional=optional,
                title="\n".join(titles),
                images=info.get("images", []),
                links=info.get("links", []),
                code=info.get("code", []),
                tables=info.get("tables", 0),
                ordered_lists=info.get("ordered_lists", 0),
                inline_code=inline,
            )
        )
    return pages


def load_non_articles(directory: Path = PAGES) -> list[Page]:
    """The sample pages without an article: an extractor should return None."""
    pages = []
    for path in sorted(directory.glob("*.html")):
        if not path.with_suffix(".expected.txt").exists():
            html = path.read_text(encoding="utf-8")
            url = f"https://www.example.com/{path.stem}.html"
            pages.append(Page(path.stem, url, html, required=[], optional=[], title=""))
    return pages


# -- scoring ---------------------------------------------------------------------------------


@dataclass
class Score:
    recall: float
    precision: float
    leaked: int
    boilerplate: int
    images: tuple[int, int]
    links: tuple[int, int]
    code: tuple[int, int]
    tables: tuple[int, int]
    ordered_lists: tuple[int, int]
    inline_as_block: int
    leaked_lines: list[str]
    missed_lines: list[str]


def score(page: Page, output: str | None) -> Score:
    out_lines = html_lines(output) if output else []
    out_keys = [key(line) for line in out_lines]
    joined = "".join(out_keys)
    article = page.article_key()
    titles = key(page.title)

    missed = [line for line in page.required if key(line) not in joined]
    recall = 1 - len(missed) / len(page.required)

    counted = [k for k in out_keys if k not in titles]
    good = [k for k in counted if k in article]
    precision = len(good) / len(counted) if counted else (1.0 if not page.required else 0.0)

    foreign = [k for k in counted if k not in article]
    boilerplate = page.boilerplate()
    leaked = [b for b in boilerplate if any(key(b) in k for k in foreign)]

    images = links = code = tables = ordered = (0, 0)
    inline_as_block = 0
    if output and output.strip():
        frag = lxml.html.fromstring(output)
        srcs = {img.get("src") for img in frag.iter("img")}
        hrefs = {a.get("href") for a in frag.iter("a")}
        pres = [key(pre.text_content()) for pre in frag.iter("pre")]
        found_images = sum(1 for choices in page.images if srcs & set(choices))
        images = (found_images, len(page.images))
        links = (sum(1 for href in page.links if href in hrefs), len(page.links))
        found_code = sum(1 for first in page.code if any(key(first) in p for p in pres))
        code = (found_code, len(page.code))
        tables = (min(page.tables, sum(1 for _ in frag.iter("table"))), page.tables)
        found_ol = sum(1 for _ in frag.iter("ol"))
        ordered = (min(page.ordered_lists, found_ol), page.ordered_lists)
        inline_as_block = sum(
            1 for pre in frag.iter("pre") if pre.text_content().strip() in page.inline_code
        )
    else:
        images, links = (0, len(page.images)), (0, len(page.links))
        code, tables = (0, len(page.code)), (0, page.tables)
        ordered = (0, page.ordered_lists)
    return Score(
        recall=recall,
        precision=precision,
        leaked=len(leaked),
        boilerplate=len(boilerplate),
        images=images,
        links=links,
        code=code,
        tables=tables,
        ordered_lists=ordered,
        inline_as_block=inline_as_block,
        leaked_lines=leaked,
        missed_lines=missed,
    )


# -- the extractors --------------------------------------------------------------------------


def trafilatura_html(
    html: str | lxml.html.HtmlElement, url: str, *, precise: bool = False
) -> str | None:
    import trafilatura

    result: str | None = trafilatura.extract(
        html,
        url=url,
        output_format="html",
        favor_precision=precise,
        include_comments=False,
        include_tables=True,
        include_images=True,
        include_links=True,
        include_formatting=True,
    )
    return result


def trafilatura_precise_html(html: str | lxml.html.HtmlElement, url: str) -> str | None:
    return trafilatura_html(html, url, precise=True)


def readability_html(html: str | lxml.html.HtmlElement, url: str) -> str | None:
    from readability import Document  # type: ignore[import-untyped]

    try:
        result: str = Document(html, url=url).summary(html_partial=True)
    except Exception:  # readability raises Unparseable, and lxml errors pass through
        return None
    return result


def behind_feedmill(engine: Engine) -> Extract:
    """``engine`` with fulltext's preparation of the page and clean-up of the result."""

    def run(html: str, url: str) -> str | None:
        from feedmill import fulltext

        prepared = fulltext._prepare(html, url)
        if prepared is None:
            return None
        return fulltext._finish(engine(prepared, url), url)

    return run


def feedmill_extract(html: str, url: str) -> str | None:
    from feedmill.fulltext import extract_article

    return extract_article(html, url)


# name: (extract, the modules it needs imported: the "import s" column).
EXTRACTORS: dict[str, tuple[Extract, tuple[str, ...]]] = {
    "trafilatura": (trafilatura_html, ("trafilatura",)),
    "trafilatura-prec": (trafilatura_precise_html, ("trafilatura",)),
    "readability-lxml": (readability_html, ("readability",)),
    "trafilatura+prep": (behind_feedmill(trafilatura_html), ("feedmill.fulltext", "trafilatura")),
    "trafilatura-prec+prep": (
        behind_feedmill(trafilatura_precise_html),
        ("feedmill.fulltext", "trafilatura"),
    ),
    "readability+prep": (behind_feedmill(readability_html), ("feedmill.fulltext", "readability")),
    "feedmill": (feedmill_extract, ("feedmill.fulltext", "readability")),
}


# -- running ---------------------------------------------------------------------------------


def import_seconds(modules: tuple[str, ...]) -> float:
    code = (
        "import time, importlib; t = time.perf_counter(); "
        f"[importlib.import_module(m) for m in {modules!r}]; print(time.perf_counter() - t)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def timed(extract: Extract, page: Page, runs: int) -> tuple[str | None, float]:
    output = extract(page.html, page.url)  # warm: imports, caches
    times = []
    for _ in range(runs):
        started = time.process_time()  # CPU time: other load on the machine does not count
        extract(page.html, page.url)
        times.append(time.process_time() - started)
    return output, statistics.median(times)


def _ratio(pairs: list[tuple[int, int]]) -> str:
    found, total = sum(p[0] for p in pairs), sum(p[1] for p in pairs)
    return f"{found}/{total}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per page (median)")
    parser.add_argument("--pages", action="store_true", help="also print a row per page")
    parser.add_argument("--only", nargs="*", choices=list(EXTRACTORS), help="extractors to run")
    parser.add_argument("--show", action="store_true", help="print missed and leaked lines")
    args = parser.parse_args(argv)

    pages = load_pages()
    others = load_non_articles()
    names = args.only or list(EXTRACTORS)
    print(
        f"{len(pages)} pages, {sum(len(p.required) for p in pages)} expected lines, "
        f"median of {args.runs} runs per page\n"
    )
    columns = [
        "extractor", "recall", "precision", "min recall", "leak", "leaked", "img", "link",
        "code", "inline>pre", "table", "ol", "ms/page", "false +", "import s",
    ]  # fmt: skip
    rows: list[list[str]] = []
    per_page: list[str] = []
    for name in names:
        extract, modules = EXTRACTORS[name]
        scores, seconds = [], []
        for page in pages:
            output, took = timed(extract, page, args.runs)
            s = score(page, output)
            scores.append(s)
            seconds.append(took)
            per_page.append(
                f"{name:<22} {page.name:<13} recall {s.recall:5.2f}  precision {s.precision:5.2f}"
                f"  leaked {s.leaked:2}/{s.boilerplate:<3}  {took * 1000:6.1f} ms"
            )
            if args.show:
                per_page.extend(f"    missed: {line[:70]}" for line in s.missed_lines)
                per_page.extend(f"    leaked: {line[:70]}" for line in s.leaked_lines)
        leaked = sum(s.leaked for s in scores)
        rows.append(
            [
                name,
                f"{statistics.mean(s.recall for s in scores):.3f}",
                f"{statistics.mean(s.precision for s in scores):.3f}",
                f"{min(s.recall for s in scores):.2f}",
                f"{leaked / sum(s.boilerplate for s in scores):.1%}",
                str(leaked),
                _ratio([s.images for s in scores]),
                _ratio([s.links for s in scores]),
                _ratio([s.code for s in scores]),
                str(sum(s.inline_as_block for s in scores)),
                _ratio([s.tables for s in scores]),
                _ratio([s.ordered_lists for s in scores]),
                f"{statistics.mean(seconds) * 1000:.2f}",
                f"{sum(1 for page in others if extract(page.html, page.url) is not None)}/"
                f"{len(others)}",
                f"{import_seconds(modules):.2f}",
            ]
        )
    widths = [max(len(row[i]) for row in [columns, *rows]) for i in range(len(columns))]

    def line(cells: list[str]) -> str:
        padded = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    print(line(columns))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))
    if args.pages or args.show:
        print()
        print("\n".join(per_page))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
