"""Block and keep rules: a pure decision over an entry.

A rule matches when every condition it names matches (regexes, case-blind,
searched in the field; ``keywords`` matches when any keyword occurs in any of
the ``in`` fields).  An item matching a *block* rule is blocked; when there
are *keep* rules, an item matching none of them is blocked too; an item
older than ``max_age`` is blocked.  Blocked items are stored, so they never
come back, but never posted.

Full-width letters and digits count as ASCII on both sides, so ``AI`` finds
the ``ＡＩ`` of Chinese headlines; traditional Chinese as simplified on both
sides, so ``广告`` finds ``廣告`` and ``廣告`` finds ``广告``.  Patterns run on
the ``regex`` module with a time limit: a pattern that backtracks without
end (``(a|aa)+$``) would stall every pass; over the limit, the feed fails
with the rule's name, its items left unstored until the rule is mended.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from feedmill.config import RULE_FIELDS as FIELDS
from feedmill.config import RuleSpec, RulesSpec, parse_duration
from feedmill.models import Entry
from feedmill.normalize.chars import SHOWS_NOTHING
from feedmill.normalize.chinese import HAN_RANGES, simplified, simplified_table

if TYPE_CHECKING:
    import regex


@dataclass(frozen=True, slots=True)
class Rule:
    name: str  # how status and logs refer to it
    patterns: tuple[tuple[str, regex.Pattern[str]], ...] = ()  # (field, regex)
    keywords: tuple[str, ...] = ()
    keyword_fields: tuple[str, ...] = ("title", "content")


UNKEPT = "matches no keep rule"


@dataclass(frozen=True, slots=True)
class RuleSet:
    block: tuple[Rule, ...] = ()
    keep: tuple[Rule, ...] = ()
    max_age: timedelta | None = None
    # Whose keep rules they are, where an item matches none of them: the
    # top-level ones and a feed's own must each be matched.
    unkept: str = UNKEPT

    def __bool__(self) -> bool:
        return bool(self.block or self.keep or self.max_age)


# The visible text rules read: a long article's worth (a 快讯 is 200
# characters, a long report 10,000).  An ordinary pattern (抽奖.*转发) runs in
# time growing with the square of the text where it fails: on 1 MB of text it
# passed the time limit and failed its feed; on 30,000 characters, 0.15 s.
MAX_TEXT = 30_000


@dataclass(frozen=True, slots=True)
class Fields:
    """The text of an entry that rules look at, computed once."""

    values: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, entry: Entry) -> Fields:
        from feedmill.normalize.text import reading_text  # (a run that reads no item needs none)

        values = {
            "title": entry.title or _headline(entry.content),
            "content": reading_text(entry.content)[:MAX_TEXT],
            "author": entry.author or "",
            "category": "\n".join(entry.categories),
            "link": entry.link or "",
        }
        return cls({name: simplified(as_read(value)) for name, value in values.items()})


def _headline(content: str) -> str:
    """The title an untitled item (a microblog status, a 快讯) is posted and
    found under: title rules judge what the reader sees."""
    from feedmill.publish.render import headline  # here: only untitled items need it

    return headline(content)


class RuleTooSlow(Exception):
    """A rule's pattern ran past MATCH_SECONDS on one item."""


RULE_FAILURE = "rule "  # how a RuleTooSlow's message, a feed's error, begins


# Far beyond any sane pattern on a whole article (microseconds to a few
# milliseconds), short enough not to stall a pass.
MATCH_SECONDS = 1.0
# Full-width letters and digits (ＡＩ, ＥＴＦ, ２０２４) as their ASCII selves, in
# fields, patterns and keywords alike; full-width punctuation stays as written,
# so a pattern's （ is no group and still finds the （ of a title.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF5B) if chr(code).isalnum()}
# Characters that show nothing — a zero-width space or joiner, a soft hyphen,
# direction marks, a byte-order mark — are not there for a rule either: a
# title 推\u200b广 reads 推广, and `推广` blocked it not.
_INVISIBLE = dict.fromkeys(map(ord, SHOWS_NOTHING))
_AS_READ = {**_HALF_WIDTH, **_INVISIBLE}


def as_read(text: str) -> str:
    """``text`` as rules read it: full-width letters and digits as ASCII,
    characters that show nothing as nothing."""
    return text.translate(_AS_READ)


def as_pattern_reads(pattern: str) -> str:
    """``pattern`` as it runs: full-width letters and digits as ASCII,
    characters that show nothing left out (see `compile_pattern`)."""
    return pattern.translate(_AS_READ)


def compile_pattern(pattern: str, *, multiline: bool = False) -> regex.Pattern[str]:
    """A rule's pattern as it runs: case-blind, full-width letters and digits
    as ASCII, traditional Chinese as simplified (as `Fields` reads the text:
    `_simplified_pattern`); with ``multiline``, ``^``/``$`` at each line (one
    category a line: ``^广告$`` is a category named 广告)."""
    import regex  # here: only configs with rules need it

    flags = regex.V0 | regex.IGNORECASE | (regex.MULTILINE if multiline else 0)
    return regex.compile(_simplified_pattern(as_pattern_reads(pattern)), flags)


def _simplified_pattern(pattern: str) -> str:
    """``pattern`` as it reads the text `Fields` gives it, where traditional
    Chinese is simplified: each traditional character it names — literally
    or by an escape (``\\u5EE3``, ``\\N{…}``) — as its simplified one, a
    character for one, as the text is (``^(?!.*廣告)`` keeps 广告 out, literals
    stay literals: the regex engine's search for them stays fast).  A
    character class stays as written, with the simplified forms of what it
    matches (`_simplified_class`).  Group names and comments stay as written."""
    if _MAY_NAME_CHINESE.search(pattern) is None:
        return pattern
    table = simplified_table()
    verbose = _VERBOSE.search(pattern)
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "#" and verbose is not None and index > verbose.start():
            end = pattern.find("\n", index)  # (a comment: as written)
            end = len(pattern) if end < 0 else end
            out.append(pattern[index:end])
            index = end
            continue
        if char == "\\":
            coded = _CODE_ESCAPE.match(pattern, index)
            if coded:
                code = _code_point(coded)
                out.append(table.get(code, coded[0]) if code is not None else coded[0])
                index = coded.end()
                continue
            named = _ESCAPE_NAME.match(pattern, index)  # (\g<name>, \L<name>, \p{…})
            end = named.end() if named else index + 2
            escaped = pattern[index:end]
            if not named and end == index + 2 and not escaped[1:].isascii():
                escaped = "\\" + table.get(ord(escaped[1]), escaped[1])  # (\廣: a literal)
            out.append(escaped)
            index = end
            continue
        if char == "(":
            named = _GROUP_NAME.match(pattern, index)  # ((?P<name>, (?#…), (?(name), …)
            if named:
                out.append(named[0])
                index = named.end()
                continue
        if char == "[":
            end = _class_end(pattern, index)
            out.append(_simplified_class(pattern[index:end]))
            index = end
            continue
        out.append(table.get(ord(char), char))
        index += 1
    return "".join(out)


def _class_end(pattern: str, index: int) -> int:
    """Where the character class that begins at ``index`` ends (past its ``]``;
    the pattern's end if none does)."""
    start = position = index + 1 + pattern.startswith("^", index + 1)
    while position < len(pattern) and (pattern[position] != "]" or position == start):
        if pattern.startswith("[:", position) and (end := pattern.find(":]", position + 2)) > 0:
            position = end + 2  # ([:alpha:])
        elif pattern[position] == "\\":
            named = _CODE_ESCAPE.match(pattern, position) or _ESCAPE_NAME.match(pattern, position)
            position = named.end() if named else position + 2
        else:
            position += 1
    return min(position + 1, len(pattern))


def _simplified_class(written: str) -> str:
    """A character class as it reads folded text: as written, and — asked of
    the regex engine, which knows what its ranges and hyphens are — also the
    simplified forms of the traditional characters it matches
    (``(?:[廣推]|[广])``), or, negated, not those of the ones it leaves out
    (``(?:(?![广])[^廣])``).  A class of over `_MOST_FORMS` such forms (all of
    Chinese, ``[\\u4e00-\\u9fa5]``, nearly all in it) is as written: they made
    it fifty times slower to match."""
    if not written.endswith("]") or _MAY_NAME_CHINESE.search(written, 1) is None:
        return written
    return _with_forms(written)


@lru_cache(maxsize=4096)
def _with_forms(written: str) -> str:
    import regex

    try:
        takes = regex.compile(written, regex.V0 | regex.IGNORECASE).findall
    except (regex.error, ValueError, TypeError, RecursionError):
        return written  # (the pattern's compiling says what is wrong)
    traditional, simple = _all_of_them()
    table = simplified_table()
    taken, forms_taken = set(takes(traditional)), set(takes(simple))
    negated = written.startswith("[^")
    # The forms of what it takes in, that it does not (negated: of what it
    # leaves out, that it would take in).
    forms = {
        form
        for code, form in table.items()
        if (chr(code) in taken) is not negated and (form in forms_taken) is negated
    }
    if not forms or len(forms) > _MOST_FORMS:
        return written
    listed = "".join(sorted(forms))
    # (One group either way: a repeat after the class repeats it whole.)
    return f"(?:(?![{listed}]){written})" if negated else f"(?:{written}|[{listed}])"


@cache
def _all_of_them() -> tuple[str, str]:
    """Every traditional character of the table, and every simplified form, as
    texts a class's ``findall`` reads in one call each."""
    table = simplified_table()
    return "".join(map(chr, table)), "".join(sorted(set(table.values())))


# More than this many forms to add: a class of all Chinese (see `_simplified_class`).
_MOST_FORMS = 100


def _code_point(escape: re.Match[str]) -> int | None:
    """The character a ``\\u…``, ``\\U…``, ``\\x..`` or ``\\N{…}`` escape names
    (not ``\\x{…}``, which the engine's version 0 refuses)."""
    digits = escape["u"] or escape["U"] or escape["x"]
    if digits:
        return int(digits, 16)
    try:
        named = unicodedata.lookup(escape["name"])
    except KeyError:
        return None
    return ord(named) if len(named) == 1 else None  # (not a named sequence)


_CODE_ESCAPE = re.compile(
    r"\\(?:u(?P<u>[0-9A-Fa-f]{4})|U(?P<U>[0-9A-Fa-f]{8})|x(?P<x>[0-9A-Fa-f]{2})|N\{(?P<name>[^}]*)\})"
)
_ESCAPE_NAME = re.compile(r"\\(?:[gL]<[^>]*>?|[pP]\{[^}]*\}?)")
_GROUP_NAME = re.compile(r"\(\?(?:P?<(?![=!])[^>]*>?|P[=>][^)]*|&[^)]*|#[^)]*|\((?!\?)[^)]*\))")
# A pattern's own flags that turn the verbose mode on ((?x), (?ix), (?x-i)):
# from there on a # begins a comment.  (Not a group's, (?x:…): read without
# them, which is rare.)
_VERBOSE = re.compile(r"\(\?[a-zA-Z]*x[a-zA-Z]*(?:-[a-zA-Z]*)?\)")
# What may name a Chinese character: one, or an escape of a code point.
_MAY_NAME_CHINESE = re.compile(f"[{HAN_RANGES}]|\\\\[uUxN]|\\\\[^\\x00-\\x7f]")


def compile_rules(spec: RulesSpec | None, *, whose: str = "") -> RuleSet:
    """A config ``rules:`` section as a RuleSet (regexes compiled once);
    ``whose`` (``top-level``, ``the feed's``) names its keep rules."""
    if spec is None:
        return RuleSet()

    def rule(item: RuleSpec, kind: str, index: int) -> Rule:
        patterns = tuple(
            (name, compile_pattern(getattr(item, name), multiline=name == "category"))
            for name in FIELDS
            if getattr(item, name) is not None
        )
        name = item.name or f"{kind} rule {index + 1}"
        keywords = tuple(simplified(as_read(k)).casefold() for k in item.keywords)
        return Rule(name, patterns, keywords, item.in_)

    return RuleSet(
        block=tuple(rule(r, "block", i) for i, r in enumerate(spec.block)),
        keep=tuple(rule(r, "keep", i) for i, r in enumerate(spec.keep)),
        max_age=parse_duration(spec.max_age) if spec.max_age is not None else None,
        unkept=f"matches none of {whose} keep rules" if whose else UNKEPT,
    )


def _human(span: timedelta) -> str:
    """``2d``, ``1h30m``: how durations are written in feedmill.yml."""
    seconds, parts = int(span.total_seconds()), []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


def matches(rule: Rule, fields: Fields, deadline: float | None = None) -> bool:
    """Whether ``rule`` matches; its patterns searched until ``deadline`` (a
    `time.monotonic()`: the item's, all rules' searches), else MATCH_SECONDS."""
    if deadline is None:
        deadline = time.monotonic() + MATCH_SECONDS
    for name, pattern in rule.patterns:
        try:
            left = max(deadline - time.monotonic(), 0.001)
            found = pattern.search(fields.values.get(name, ""), timeout=left)
        except TimeoutError:
            raise RuleTooSlow(
                f"{RULE_FAILURE}{rule.name!r}: its {name} pattern ran past the"
                f" {MATCH_SECONDS:g} s the rules have for one item"
                " (a pattern that backtracks, such as (a|aa)+; simplify it — a daemon tries"
                " the feed again at once, `feedmill run --feed URL` does)"
            ) from None
        if not found:
            return False
    if rule.keywords:
        haystack = "\n".join(fields.values.get(n, "") for n in rule.keyword_fields).casefold()
        if not any(k in haystack for k in rule.keywords):
            return False
    return True


def blocked_by(
    rule_sets: Sequence[RuleSet],
    entry: Entry,
    now: datetime,
    *,
    content_unknown: bool = False,
    teaser: bool = False,
    age: bool = True,
    settling: bool = False,
) -> str | None:
    """Why ``entry`` must not be posted under ``rule_sets`` (all apply), or None.

    With ``content_unknown`` (full text asks before fetching an article
    page: not worth it for an item that will not be posted), a rule that
    reads the content neither blocks nor fails to keep: what is left is
    what blocks the item whatever its article says.  With ``teaser`` (the
    content is the feed's summary of an article still to come), a block rule
    it matches blocks — the article says it too — and a keep rule on the
    content waits for the article.  Without ``age``, ``max_age`` is not
    asked (an item judged again when its article comes was judged by its
    age when it came).  With ``settling`` (a teaser's article come, or its
    page failed for good) only what the article may change is asked: block
    rules that read the content, and keep rules where one of them does — the
    rest judged the item when it came, and a rule added since is no
    judgement of it (rules are not retroactive).

    Raises RuleTooSlow when a pattern runs past its time limit.
    """
    active = [r for r in rule_sets if r]
    if not active:
        return None
    fields = Fields.of(replace(entry, content="") if content_unknown else entry)

    # An untitled item's title is its text's headline: the content's, as rules go.
    untitled = not entry.title

    def undecided(rule: Rule) -> bool:
        return content_unknown and _reads_content(rule, untitled)

    def waits(rule: Rule) -> bool:
        return (content_unknown or teaser) and _reads_content(rule, untitled)

    # One time limit for the item, not one for each pattern and field: four
    # slow rules took 4 s an item, and a pass of a few hundred, many minutes.
    deadline = time.monotonic() + MATCH_SECONDS
    spent: dict[str, float] = {}  # rule name → its patterns' time on this item

    def matched(rule: Rule, *, blocks: bool = False) -> bool:
        if settling and blocks and rule.keywords:
            # A block rule's keywords looked for in the article alone: in the
            # title, one added since would judge what was judged when it came.
            read = ("content", "title") if untitled else ("content",)
            rule = replace(rule, keyword_fields=tuple(f for f in rule.keyword_fields if f in read))
        start = time.monotonic()
        try:
            found = matches(rule, fields, deadline)
        except RuleTooSlow as exc:
            spent[rule.name] = spent.get(rule.name, 0.0) + time.monotonic() - start
            raise _too_slow_together(exc, rule.name, spent) from None
        spent[rule.name] = spent.get(rule.name, 0.0) + time.monotonic() - start
        return found

    for rules in active:
        if (
            age
            and not settling
            and rules.max_age is not None
            and entry.date is not None
            and now - entry.date > rules.max_age
        ):
            return f"older than {_human(rules.max_age)}"
        for rule in rules.block:
            if settling and not _reads_content(rule, untitled):
                continue
            if not undecided(rule) and matched(rule, blocks=True):
                return f"blocked by {rule.name}"
        if settling and not any(_reads_content(rule, untitled) for rule in rules.keep):
            continue
        if rules.keep and not any(waits(rule) or matched(rule) for rule in rules.keep):
            return rules.unkept
    return None


def _too_slow_together(exc: RuleTooSlow, name: str, spent: dict[str, float]) -> RuleTooSlow:
    """``exc``, or where other rules took most of the item's time before
    ``name``'s pattern ran out of it, an error naming the slowest of them
    too: simplifying ``name`` alone, as fast as any, did not mend it."""
    slowest = max(spent, key=spent.__getitem__)
    if spent[slowest] <= spent[name]:
        return exc
    return RuleTooSlow(
        f"{RULE_FAILURE}{slowest!r} ({spent[slowest]:.2f} s) and rule {name!r}"
        f" ({spent[name]:.2f} s) together ran past the {MATCH_SECONDS:g} s the rules have"
        " for one item (a pattern that backtracks, such as (a|aa)+, or several .* on a"
        " long text; simplify them — a daemon tries the feed again at once,"
        " `feedmill run --feed URL` does)"
    )


def _reads_content(rule: Rule, untitled: bool = False) -> bool:
    fields = ("content", "title") if untitled else ("content",)
    return any(name in fields for name, _ in rule.patterns) or (
        bool(rule.keywords) and any(name in rule.keyword_fields for name in fields)
    )
