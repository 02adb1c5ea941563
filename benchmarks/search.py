"""Full-text search against a substring scan and a trigram index, on generated
Chinese news.

    python -m benchmarks.search                       # 10,000 entries, under a minute
    python -m benchmarks.search --entries 100000      # the real measure, ~5 min
    python -m benchmarks.search --entries 100000 --trigram   # and a trigram index

The corpus (deterministic for ``--seed``): 快讯 of one or two sentences,
articles of a few paragraphs, long reports.  An entry takes the title and
sentences of one of the hand-written articles of tests/data/dedupe (Chinese
finance and tech news, some English), sentences of others and of
benchmarks/corpus.py, and — for half its text — sentences of jieba's common
words drawn by frequency, so that words are as rare as in real news.  Also
stock links, bold sub-heads, Latin names and numbers (GPT-5, Python 3.13,
300750), a little full-width Latin (ＧＰＴ－５), and sentences where a query
word is only a substring across two words (中央行政 holds 央行, 下降准确率
holds 降准, 港股市场 holds 股市).

Sections:
  index     feedmill's index (jieba words in FTS5, ``reindex_all``) and, with
            --trigram, an FTS5 trigram index of the same visible text: build
            time and size.
  queries   per query: feedmill ``search()`` (a ranked page of 20 with
            snippets) and ``count()``; the substring scan ``LIKE '%央行%' AND
            LIKE '%降准%'`` over title and content, as the entries table
            offers it; trigram MATCH (impossible for terms of under three
            characters).  Then how the result sets differ, with examples.
            Finally the time the whole run took.
  quality   on the 335 hand-written articles themselves: how often a query
            finds what a substring scan finds, for feedmill's tokenizer and
            the variants it was chosen over.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache, partial
from itertools import accumulate
from pathlib import Path
from typing import Any

import rjieba
from sqlalchemy import Connection

from benchmarks.corpus import FILLERS, OBJECTS, STOCKS, SUBJECTS, VERBS
from feedmill.filter.dedupe.text import word_frequencies
from feedmill.search import normalize, visible_text
from feedmill.search.tokens import index_tokens, lookup, parts, words
from feedmill.store import search
from feedmill.store.bulk import insert_rows
from feedmill.store.database import open_database
from feedmill.store.schema import entries, feeds

ROOT = Path(__file__).resolve().parents[1]
STORIES = ROOT / "tests" / "data" / "dedupe" / "stories.jsonl"
# Like benchmarks/run.py: the database in RAM when there is a tmpfs.
DEFAULT_WORK = Path("/dev/shm") if Path("/dev/shm").is_dir() else None

QUERIES = [
    "央行",
    "降准",
    "央行 降准",
    "人民银行",
    "股市",
    "发布",
    "北向资金",
    "逆回购",
    "中间价",
    "比特币",
    "宁德时代",
    "300750",
    "GPT-5",
    "python",
    "新能源 汽车",
    '"存款准备金率"',
]

# What the hand-written set lacks: 降准 and 股市 news, Latin names and numbers.
EXTRA = [
    "央行宣布下调金融机构存款准备金率0.25个百分点，此次降准共释放长期资金约5000亿元。",
    "分析人士认为，降准有助于保持银行体系流动性合理充裕。",
    "全球股市普遍下跌，投资者避险情绪升温。",
    "美国股市三大股指集体收跌，科技股领跌。",
    "A股市场成交额连续三个交易日突破万亿元。",
    "OpenAI 发布 GPT-5 模型，推理和编程能力大幅提升。",
    "Python 3.13 正式发布，默认启用新的交互式解释器。",
    "Node.js 22 进入 LTS 阶段，官方建议生产环境升级。",
    "英伟达 H100 GPU 供不应求，交货周期延长至 30 周以上。",
    "苹果发布 iPhone 16，售价 5999 元起。",
    "比特币（BTC）盘中跌破 60000 美元，24 小时跌幅 3.2%。",
    "Rust 1.80 稳定版发布，编译速度进一步提升。",
    "宁德时代（300750）午后拉升，成交额超 50 亿元。",
    "The Fed held rates steady at 5.25%-5.50%, as markets expected.",
]
# The same names in full width, as some Chinese sites write them.
FULL_WIDTH = [
    "ＯｐｅｎＡＩ 表示，ＧＰＴ－５ 将分阶段向用户开放。",
    "ｐｙｔｈｏｎ 社区发布 ３.１３ 迁移指南。",
]
# A query word as a substring across two words: a substring scan's false hits.
TRAPS = [
    "中央行政机关要带头过紧日子，严控一般性支出。",
    "新模型的误判率明显下降准确率提升至97%。",
    "港股市场今日成交活跃，南向资金净买入超百亿港元。",
    "国务院印发布局优化实施方案，推动产业有序转移。",
    "中国人民银行授权全国银行间同业拆借中心公布贷款市场报价利率。",
]
SALAD_POOL = 50_000
_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]?")


# -- the corpus ----------------------------------------------------------------------------


def _stories() -> list[tuple[str, list[str]]]:
    out = []
    for line in STORIES.read_text(encoding="utf-8").splitlines():
        story = json.loads(line)
        text = visible_text(story["html"])
        sentences = [s.strip() for s in _SENTENCE.findall(text) if len(s.strip()) > 4]
        out.append((story["title"], sentences))
    return out


def _stock_link(rng: random.Random) -> str:
    code, name = rng.choice(STOCKS)
    market = "SZ" if code.startswith(("0", "3")) else "SH"
    return f'<a href="https://quote.example.cn/{market}{code}" target="_blank">{name}</a>（{code}）'


@cache
def _salad(seed: int) -> list[str]:
    """Sentences of jieba's common words drawn by frequency.

    Meaningless, but with the word statistics of Chinese text: they give the
    corpus a real vocabulary, so a query word is as rare as in real news
    rather than in a third of the entries.  (A pool, drawn from: drawing
    every sentence afresh would take most of a minute.)
    """
    rng = random.Random(seed)
    frequencies = word_frequencies()
    words = list(frequencies)
    cumulative = list(accumulate(frequencies[w] for w in words))
    out = []
    for _ in range(SALAD_POOL):
        drawn = rng.choices(words, cum_weights=cumulative, k=rng.randint(8, 24))
        cut = rng.randint(3, len(drawn) - 3)
        out.append("".join(drawn[:cut]) + "，" + "".join(drawn[cut:]) + "。")
    return out


def generate(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` entry rows of Chinese news, deterministic for ``seed``."""
    rng = random.Random(seed)
    salad = _salad(seed)
    stories = _stories()
    pool = [s for _, sentences in stories for s in sentences]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(n):
        title, own = rng.choice(stories)
        if rng.random() < 0.4:
            title = f"{rng.choice(SUBJECTS)}{rng.choice(VERBS)}{rng.choice(OBJECTS)}"
        own = rng.sample(own, len(own))  # the story's sentences, each used once
        kind = rng.random()
        if kind < 0.35:  # 快讯: a sentence or two
            paragraphs = [own[:2] or [rng.choice(pool)]]
        else:  # an article, now and then a long report
            count = rng.randint(4, 10) if kind < 0.85 else rng.randint(15, 30)
            paragraphs = []
            for _ in range(count):
                sentences = []
                for _ in range(rng.randint(2, 5)):
                    draw = rng.random()
                    if draw < 0.30 and own:
                        sentences.append(own.pop())
                    elif draw < 0.80:
                        sentences.append(rng.choice(salad))
                    elif draw < 0.90:
                        sentences.append(rng.choice(pool))
                    elif draw < 0.96:
                        sentences.append(rng.choice(FILLERS))
                    elif draw < 0.985:
                        sentences.append(rng.choice(EXTRA))
                    elif draw < 0.995:
                        sentences.append(rng.choice(TRAPS))
                    else:
                        sentences.append(rng.choice(FULL_WIDTH))
                paragraphs.append(sentences)
        html = []
        for index, sentences in enumerate(paragraphs):
            if rng.random() < 0.03:  # a linked stock name, as stcn.com writes them
                sentences.insert(rng.randint(0, len(sentences)), _stock_link(rng) + "盘中异动。")
            body = "".join(sentences)
            if index and rng.random() < 0.15:
                html.append(f"<p><strong>{rng.choice(OBJECTS)}</strong></p>")
            html.append(f"<p>{body}</p>")
        if rng.random() < 0.2:
            html.insert(0, f'<p><img src="https://img.example.cn/{i}.jpg"></p>')
        moment = start + timedelta(minutes=rng.randint(0, 365 * 24 * 60))
        rows.append(
            {
                "id": i + 1,
                "feed_id": i % 50 + 1,
                "key_hash": f"{i:032x}",
                "key": f"https://news.example.cn/{i}.html",
                "link": f"https://news.example.cn/{i}.html",
                "title": title,
                "content": "\n".join(html),
                "published_at": moment,
                "first_seen_at": moment,
                "version": "v",
            }
        )
    return rows


# -- measuring -----------------------------------------------------------------------------


def timed(action: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median seconds of ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def table_bytes(db: sqlite3.Connection, table: str) -> int:
    """Bytes of a table and its indexes, or of an FTS5 table's shadow tables."""
    names = [table, *(f"{table}_{s}" for s in ("data", "idx", "content", "docsize", "config"))]
    query = (
        "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN "
        f"(SELECT name FROM sqlite_master WHERE tbl_name IN ({', '.join('?' * len(names))}))"
    )
    return int(db.execute(query, names).fetchone()[0])


def like_terms(query: str) -> list[str]:
    """The substring scan's terms: what the user typed, split at spaces."""
    return [t.strip('"') for t in query.split() if t.strip('"')]


def substring_ids(db: sqlite3.Connection, query: str) -> list[int]:
    terms = like_terms(query)
    where = " AND ".join("(title || ' ' || content) LIKE ?" for _ in terms)
    rows = db.execute(f"SELECT id FROM entries WHERE {where}", [f"%{t}%" for t in terms])
    return [row[0] for row in rows]


def trigram_ids(db: sqlite3.Connection, query: str) -> list[int] | None:
    terms = like_terms(query)
    if any(len(t) < 3 for t in terms):
        return None  # a trigram index cannot look up fewer than 3 characters
    match = " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)
    return [row[0] for row in db.execute("SELECT rowid FROM tri WHERE tri MATCH ?", (match,))]


def context(text: str, term: str, width: int = 8) -> str:
    at = normalize(text).find(normalize(term))
    if at < 0:
        return text[:20]
    return text[max(0, at - width) : at + len(term) + width]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=5, help="runs per timed query (median)")
    parser.add_argument("--workers", type=int, default=1, help="reindex_all's processes")
    parser.add_argument(
        "--trigram", action="store_true", help="also an FTS5 trigram index (~5 min at 100,000)"
    )
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="where the database goes")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=args.work, prefix="feedmill-search-") as work:
        run(Path(work) / "state.db", args)
    if not args.skip_quality:
        print()
        quality()
    print(f"\nwhole run {time.perf_counter() - started:.0f} s")


def run(path: Path, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    rows = generate(args.entries, args.seed)
    generated = time.perf_counter() - started
    engine = open_database(f"sqlite:///{path}")
    with engine.begin() as conn:
        insert_rows(conn, feeds, [{"id": i, "url": f"https://f{i}.example/"} for i in range(1, 51)])
        for start in range(0, len(rows), 5000):
            insert_rows(conn, entries, rows[start : start + 5000])
    texts = {r["id"]: (r["title"], visible_text(r["content"])) for r in rows}
    chars = sum(len(t) + len(b) for t, b in texts.values())
    del rows

    started = time.perf_counter()
    with engine.begin() as conn:
        indexed = search.reindex_all(conn, workers=args.workers)
    build = time.perf_counter() - started
    db = sqlite3.connect(path)
    print(
        f"corpus: {indexed:,} entries, {chars / 1e6:.1f} M characters of visible text "
        f"(mean {chars / indexed:.0f}), generated in {generated:.1f} s; "
        f"entries table {table_bytes(db, 'entries') / 1e6:.0f} MB"
    )
    fts, tokens = table_bytes(db, search.TABLE), table_bytes(db, search.TOKENS_TABLE)
    print(
        f"feedmill index (jieba, FTS5)  build {build:6.1f} s  {indexed / build:6.0f} entries/s  "
        f"{(fts + tokens) / 1e6:6.0f} MB  (FTS5 {fts / 1e6:.0f} MB + its tokens compressed "
        f"{tokens / 1e6:.0f} MB; {args.workers} process(es) segmenting)"
    )
    if args.trigram:
        started = time.perf_counter()
        db.execute("CREATE VIRTUAL TABLE tri USING fts5(title, body, tokenize='trigram')")
        with db:
            db.executemany(
                "INSERT INTO tri (rowid, title, body) VALUES (?, ?, ?)",
                ((i, t, b) for i, (t, b) in texts.items()),
            )
            db.execute("INSERT INTO tri (tri) VALUES ('optimize')")
        tri_build = time.perf_counter() - started
        print(
            f"trigram index (FTS5)          build {tri_build:6.1f} s  "
            f"{indexed / tri_build:6.0f} entries/s  {table_bytes(db, 'tri') / 1e6:6.0f} MB"
            "  (visible text given; feedmill's build includes extracting it)"
        )
    print()
    with engine.connect() as conn:
        compare(conn, db, texts, args)
    db.close()
    engine.dispose()


def compare(
    conn: Connection,
    db: sqlite3.Connection,
    texts: dict[int, tuple[str, str]],
    args: argparse.Namespace,
) -> None:
    """Time each query every way, and say where the results differ."""
    header = (
        f"{'query':<16} {'search ms':>9} {'count ms':>8} {'LIKE ms':>8} {'ratio':>6} "
        f"{'trigram ms':>10} | {'fts n':>6} {'LIKE n':>6} {'tri n':>6} "
        f"{'LIKE only':>9} {'fts only':>8}"
    )
    print(header)
    print("-" * len(header))
    notes: list[str] = []
    ratios = []
    for query in QUERIES:
        request = search.SearchQuery(query, statuses=None)
        fts_s, hits = timed(partial(search.search, conn, request), args.repeat)
        count_s, total = timed(partial(search.count, conn, request), args.repeat)
        fts = set(search.matching_ids(conn, request))
        like_s, like = timed(partial(substring_ids, db, query), max(1, args.repeat // 2))
        like_set = set(like)
        tri_s, tri = (0.0, None)
        if args.trigram:
            tri_s, tri = timed(partial(trigram_ids, db, query), args.repeat)
        assert total == len(fts)
        ratios.append(like_s / fts_s)
        tri_ms = "—" if tri is None else f"{tri_s * 1000:.1f}"
        tri_n = "—" if tri is None else str(len(tri))
        only_like, only_fts = sorted(like_set - fts), sorted(fts - like_set)
        print(
            f"{query:<16} {fts_s * 1000:9.1f} {count_s * 1000:8.1f} {like_s * 1000:8.0f} "
            f"{like_s / fts_s:5.0f}× {tri_ms:>10} | {len(fts):6} {len(like_set):6} {tri_n:>6} "
            f"{len(only_like):9} {len(only_fts):8}"
        )
        if tri is not None and set(tri) != like_set:
            notes.append(f"{query}: trigram {len(tri)} ≠ LIKE {len(like_set)}")
        for label, found in (("LIKE only", only_like), ("fts only", only_fts)):
            if found:
                why = differences(conn, texts, query, found, like_only=label == "LIKE only")
                shown = "; ".join(f"“{s}” ×{n}" for s, n in why.most_common(3))
                notes.append(f"{query}: {label} {len(found)}: {shown}")
        if hits:
            notes.append(f"{query}: first hit “{hits[0].title}” — {hits[0].snippet[:70]}")
    print(
        "\nsearch: feedmill search(), a ranked page of 20 with snippets; count: count(); "
        "LIKE: every match, title || content;\n"
        f"ratio = LIKE / search (median {statistics.median(ratios):.0f}×); "
        "trigram: MATCH, impossible under 3 characters"
    )
    print("where the results differ (the commonest contexts of the term that makes it):")
    for note in notes:
        print("  " + note)


def differences(
    conn: Connection,
    texts: dict[int, tuple[str, str]],
    query: str,
    found: Sequence[int],
    *,
    like_only: bool,
) -> Counter[str]:
    """Contexts of the term each entry in ``found`` is matched by one way only."""
    terms = like_terms(query)
    alone = {t: set(search.matching_ids(conn, search.SearchQuery(t, statuses=None))) for t in terms}
    out: Counter[str] = Counter()
    for entry_id in found:
        text = " ".join(texts[entry_id])
        term = terms[0]
        for candidate in terms:
            if like_only and entry_id not in alone[candidate]:
                term = candidate
                break
            if not like_only and candidate.casefold() not in text.casefold():
                term = candidate
                break
        out[context(text, term)] += 1
    return out


# -- quality on the hand-written articles --------------------------------------------------

Tokens = tuple[list[str], set[str]]  # words in order, parts


def _feedmill(text: str) -> Tokens:
    tokens = index_tokens(text)
    return tokens.words.split(), set(tokens.parts.split())


def _whole_words(text: str) -> Tokens:
    found = words(normalize(text))
    return found, {p for w in found for p in parts(w)}


def _no_parts(text: str) -> Tokens:
    return words(normalize(text)), set()


def _with_hmm(text: str) -> Tokens:
    found = [w for w in rjieba.cut(normalize(text)) if re.search(r"\w", w)]
    return found, {p for w in found for p in parts(w)}


def _search_mode(text: str) -> Tokens:
    found = [w for w in rjieba.cut_for_search(normalize(text)) if re.search(r"\w", w)]
    return found, set()


def _query_words(query: str, hmm: bool) -> tuple[str, ...]:
    if hmm:
        return tuple(w for w in rjieba.cut(normalize(query)) if re.search(r"\w", w))
    return tuple(words(normalize(query)))


def _found(tokens: Tokens, phrase: Sequence[str]) -> bool:
    ordered, contained = tokens
    if len(phrase) == 1 and phrase[0] in contained:
        return True
    return _in_order(ordered, tuple(phrase))


def _found_indexed(tokens: Tokens, phrase: Sequence[str]) -> bool:
    """As feedmill's index finds a phrase (tokens.lookup; prefixes aside)."""
    ordered, contained = tokens
    want = lookup(tuple(phrase))
    if want.word is not None and (want.word in contained or want.word in ordered):
        return True
    return bool(want.pieces) and _in_order(ordered, want.pieces)


def _in_order(ordered: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(ordered[i : i + n]) == phrase for i in range(len(ordered) - n + 1))


def quality() -> None:
    """How each tokenizer's matches compare with a substring scan's."""
    docs = []
    for line in STORIES.read_text(encoding="utf-8").splitlines():
        story = json.loads(line)
        docs.append(normalize(story["title"] + "。" + visible_text(story["html"])))
    rng = random.Random(1)
    # Phrases of 1–3 consecutive words (dictionary segmentation) from an article.
    fragments: list[tuple[int, str]] = []
    while len(fragments) < 2000:
        i = rng.randrange(len(docs))
        split = rjieba.cut(docs[i], False)
        k = rng.randrange(max(1, len(split) - 3))
        fragment = "".join(split[k : k + rng.choice([1, 2, 3])]).strip()
        if len(fragment) >= 2 and re.fullmatch(r"[\w ]+", fragment):
            fragments.append((i, fragment))
    # Dictionary words found as substrings: those a substring scan and the index disagree on.
    vocabulary: Counter[str] = Counter()
    for doc in docs:
        for n in (2, 3, 4):
            for j in range(len(doc) - n + 1):
                piece = doc[j : j + n]
                if re.fullmatch(r"[\u4e00-\u9fff]+", piece) and rjieba.has_word(piece):
                    vocabulary[piece] += 1
    common = [w for w, _ in vocabulary.most_common(3000)]
    substring_hits = sum(sum(w in d for d in docs) for w in common)

    print(
        f"quality on {len(docs)} hand-written articles (tests/data/dedupe): "
        f"{len(fragments)} phrases of 1–3 words taken from the articles, and the {len(common)} "
        f"most common dictionary words, {substring_hits} substring hits"
    )
    print(f"{'tokenizer':<34} {'phrases found':>14} {'substring hits found':>21}")
    Found = Callable[[Tokens, Sequence[str]], bool]
    variants: list[tuple[str, Callable[[str], Tokens], bool, Found]] = [
        ("feedmill: pieces, no HMM, + parts", _feedmill, False, _found_indexed),
        ("  whole words, phrases of them", _whole_words, False, _found),
        ("  whole words without parts", _no_parts, False, _found),
        ("  whole words with the HMM", _with_hmm, True, _found),
        ("jieba search mode (cut_for_search)", _search_mode, True, _found),
    ]
    for label, tokenize, hmm, is_found in variants:
        tokenized = [tokenize(d) for d in docs]
        found = sum(is_found(tokenized[i], _query_words(f, hmm)) for i, f in fragments)
        agreed = 0
        for word in common:
            phrase = _query_words(word, hmm)
            agreed += sum(
                word in doc and is_found(tokens, phrase)
                for doc, tokens in zip(docs, tokenized, strict=True)
            )
        print(
            f"{label:<34} {found:>7}/{len(fragments)} {100 * found / len(fragments):4.0f}%"
            f" {agreed:>12} {100 * agreed / substring_hits:6.1f}%"
        )
    tri = sum(len(f) >= 3 for _, f in fragments)
    tri_hits = sum(sum(w in d for d in docs) for w in common if len(w) >= 3)
    print(
        f"{'trigram (3+ characters only)':<34} {tri:>7}/{len(fragments)} "
        f"{100 * tri / len(fragments):4.0f}% {tri_hits:>12} {100 * tri_hits / substring_hits:6.1f}%"
    )
    missed = []
    tokenized = [_feedmill(d) for d in docs]
    for word in common:
        phrase = _query_words(word, False)
        for doc, tokens in zip(docs, tokenized, strict=True):
            if word in doc and not _found_indexed(tokens, phrase):
                at = doc.find(word)
                missed.append(f"{word}: {doc[max(0, at - 4) : at + len(word) + 4]}")
                break
    sample = random.Random(5).sample(missed, min(12, len(missed)))
    print("substring hits feedmill does not count (a sample; mostly words across a boundary):")
    print("  " + " | ".join(sample))


if __name__ == "__main__":
    main()
