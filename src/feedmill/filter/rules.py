"""Block and keep rules: a pure decision over an entry.

A rule matches when every condition it names matches (regexes, case-blind,
searched in the field; ``keywords`` matches when any keyword occurs in any of
the ``in`` fields).  An item matching a *block* rule is blocked; when there
are *keep* rules, an item matching none of them is blocked too; an item
older than ``max_age`` is blocked.  Blocked items are stored, so they never
come back, but never posted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from feedmill.config import RULE_FIELDS as FIELDS
from feedmill.config import RuleSpec, RulesSpec, parse_duration
from feedmill.models import Entry
from feedmill.normalize.text import visible_text


@dataclass(frozen=True, slots=True)
class Rule:
    name: str  # how status and logs refer to it
    patterns: tuple[tuple[str, re.Pattern[str]], ...] = ()  # (field, regex)
    keywords: tuple[str, ...] = ()
    keyword_fields: tuple[str, ...] = ("title", "content")


@dataclass(frozen=True, slots=True)
class RuleSet:
    block: tuple[Rule, ...] = ()
    keep: tuple[Rule, ...] = ()
    max_age: timedelta | None = None

    def __bool__(self) -> bool:
        return bool(self.block or self.keep or self.max_age)


@dataclass(frozen=True, slots=True)
class Fields:
    """The text of an entry that rules look at, computed once."""

    values: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, entry: Entry) -> Fields:
        return cls(
            {
                "title": entry.title,
                "content": visible_text(entry.content),
                "author": entry.author or "",
                "category": "\n".join(entry.categories),
                "link": entry.link or "",
            }
        )


# Categories are matched one per line: ``^广告$`` is a category named 广告.
_FLAGS = {"category": re.IGNORECASE | re.MULTILINE}


def compile_rules(spec: RulesSpec | None) -> RuleSet:
    """A config ``rules:`` section as a RuleSet (regexes compiled once)."""
    if spec is None:
        return RuleSet()

    def rule(item: RuleSpec, kind: str, index: int) -> Rule:
        patterns = tuple(
            (name, re.compile(getattr(item, name), _FLAGS.get(name, re.IGNORECASE)))
            for name in FIELDS
            if getattr(item, name) is not None
        )
        name = item.name or f"{kind} rule {index + 1}"
        return Rule(name, patterns, item.keywords, item.in_)

    return RuleSet(
        block=tuple(rule(r, "block", i) for i, r in enumerate(spec.block)),
        keep=tuple(rule(r, "keep", i) for i, r in enumerate(spec.keep)),
        max_age=parse_duration(spec.max_age) if spec.max_age is not None else None,
    )


def _human(span: timedelta) -> str:
    """``2d``, ``1h30m``: how durations are written in feedmill.yml."""
    seconds, parts = int(span.total_seconds()), []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


def matches(rule: Rule, fields: Fields) -> bool:
    for name, pattern in rule.patterns:
        if not pattern.search(fields.values.get(name, "")):
            return False
    if rule.keywords:
        haystack = "\n".join(fields.values.get(n, "") for n in rule.keyword_fields).casefold()
        if not any(k.casefold() in haystack for k in rule.keywords):
            return False
    return True


def blocked_by(rule_sets: Sequence[RuleSet], entry: Entry, now: datetime) -> str | None:
    """Why ``entry`` must not be posted under ``rule_sets`` (all apply), or None."""
    active = [r for r in rule_sets if r]
    if not active:
        return None
    fields = Fields.of(entry)
    for rules in active:
        if (
            rules.max_age is not None
            and entry.date is not None
            and now - entry.date > rules.max_age
        ):
            return f"older than {_human(rules.max_age)}"
        for rule in rules.block:
            if matches(rule, fields):
                return f"blocked by {rule.name}"
        if rules.keep and not any(matches(rule, fields) for rule in rules.keep):
            return "matches no keep rule"
    return None
