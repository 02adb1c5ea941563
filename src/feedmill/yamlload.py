"""Read YAML fast (libyaml), refuse duplicate keys, remember line numbers.

PyYAML's C parser reads a 1,000-feed config in ~30 ms, thirty times faster
than a round-trip parser.  Mappings and lists come back as ``dict``/``list``
subclasses that know the line of every key and item, so config errors can
point at them.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

import yaml

Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineDict(dict[Any, Any]):
    line: int = 1
    lines: dict[Any, int]


class LineList(list[Any]):
    line: int = 1
    lines: list[int]


_MERGE = "tag:yaml.org,2002:merge"


class _Loader(Base):  # type: ignore[misc]
    def own_keys(self, node: yaml.MappingNode) -> set[int]:
        """Ids of the key nodes ``node`` writes itself, as read before any
        merge flattened it (a node merged into another is flattened then)."""
        seen: dict[int, set[int]] = self.__dict__.setdefault("_own_keys", {})
        if id(node) not in seen:
            seen[id(node)] = {id(key) for key, _ in node.value if key.tag != _MERGE}
        return seen[id(node)]

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        self.own_keys(node)
        super().flatten_mapping(node)


def _mapping(loader: Any, node: yaml.MappingNode) -> LineDict:
    # Keys written in this mapping itself: one of them twice is an error; one
    # that a merge (``<<: *defaults``) also brings overrides it, as YAML says.
    own = loader.own_keys(node)
    loader.flatten_mapping(node)  # merged pairs first, the mapping's own after
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.lines = {}
    written: set[Any] = set()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable) or isinstance(key, list | dict | set):
            # "[x]: 1", "? !!set {a: null}": no key a config has
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                "found a list or mapping as a key",
                key_node.start_mark,
            )
        if id(key_node) in own:
            if key in written:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"found a duplicate key {key!r}",
                    key_node.start_mark,
                )
            written.add(key)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


def _sequence(loader: Any, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.lines = [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)

# Numbers as they look: YAML 1.1 read `interval: 0600` as octal (384 s) and
# `interval: 1:30` as base 60 (90 s).  A number with a leading zero is text
# (a stock code, 002594, is a keyword; `0600` seconds a duration all the
# same), `1:30` too (no duration).  Booleans stay YAML 1.1's: `dedupe: off`.
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_Loader.yaml_implicit_resolvers = {
    first: kept
    for first, pairs in Base.yaml_implicit_resolvers.items()
    if (kept := [(tag, pattern) for tag, pattern in pairs if tag not in (_INT, _FLOAT)])
}
_Loader.add_implicit_resolver(
    _INT,
    re.compile(r"^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0|[1-9][0-9_]*)$"),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def _int(loader: Any, node: yaml.ScalarNode) -> int:
    # (Base 0: 0b…, 0x… or decimal, as the pattern above lets them through.)
    return int(str(loader.construct_scalar(node)).replace("_", ""), 0)


_Loader.add_constructor(_INT, _int)

YAMLError = yaml.YAMLError
MarkedYAMLError = yaml.MarkedYAMLError


# What PyYAML's constructors raise on a tag its value does not fit.
_MISFIT_ERRORS = (LookupError, AttributeError, TypeError, ValueError, ArithmeticError)


def load(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except RecursionError:  # (libyaml stops at 1,000 levels; Python's stack before)
        raise yaml.YAMLError(
            "nested hundreds of levels deep: a config has a few levels of mappings and lists"
        ) from None
    except _MISFIT_ERRORS as exc:
        # PyYAML's constructors fail so on a tag the value does not fit
        # ("!!bool maybe", "!!timestamp x", "!!int 1e999", '!!int ""'):
        # said at the value's line, which the constructor does not know.
        problem = f"a value that does not fit its !!tag ({exc})"
        mark = _misfit_tag(text)
        if mark is None:
            raise yaml.YAMLError(problem) from None
        raise yaml.MarkedYAMLError(problem=problem, problem_mark=mark) from None


def _misfit_tag(text: str) -> Any:
    """The mark of the first scalar whose explicit tag its value does not fit."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except (yaml.YAMLError, RecursionError):
        return None
    stack = [root] if root is not None else []
    seen: set[int] = set()  # (each node once: an alias bomb names a few nodes 9⁸ times)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            try:  # (only an explicit tag fails: this runs after one did)
                _Loader("").construct_object(node, deep=True)
            except _MISFIT_ERRORS:
                return node.start_mark
            except yaml.YAMLError:  # a merge key ("<<"), which only its mapping constructs
                continue
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in reversed(node.value) for n in reversed(pair))
    return None


def line_of(data: Any, loc: tuple[Any, ...]) -> int:
    """1-based line of the deepest node of ``loc`` that exists in the document."""
    line = getattr(data, "line", 1)
    node = data
    for step in loc:
        try:
            if (isinstance(node, LineDict) and step in node.lines) or (
                isinstance(node, LineList) and isinstance(step, int)
            ):
                line = node.lines[step]
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
    return line
