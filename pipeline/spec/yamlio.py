"""Safe, bounded YAML reading and deterministic YAML writing.

Reading walks libyaml's parse events (ruamel.yaml.clib) with an explicit stack and builds plain
values itself, so the cost is linear in the input: nesting deeper than the cap is refused at the
event that exceeds it, every node counts against a budget and an alias adds the size of what it
names (an alias bomb is refused without being expanded), duplicate keys and unknown tags are
refused, and only dicts, lists, str, int, float, bool and None come out. Scalars are resolved as
YAML 1.2 (what the format's reference reads): `yes`/`no`/`inf` are text, `.inf` is a number,
and plain timestamps become `YamlDate`/`YamlDateTime` (text that remembers it was a timestamp).
"""

from __future__ import annotations

import io
import math
import re
from datetime import date, datetime
from typing import Any, Iterator

from ruamel.yaml import YAML
from ruamel.yaml.cyaml import CParser
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent, DocumentStartEvent, MappingEndEvent, MappingStartEvent, ScalarEvent, SequenceEndEvent,
    SequenceStartEvent,
)
from ruamel.yaml.representer import SafeRepresenter

from pipeline.errors import BadInput

MiB = 1024 * 1024
MAX_BYTES = 16 * MiB
MAX_NODES = 1_000_000
MAX_DEPTH = 100
EXPLAIN_BYTES = 256 * 1024  # malformed documents up to this size are re-parsed for a better message

_YAML = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP = _YAML + "str", _YAML + "seq", _YAML + "map"


class YamlDate(str):
    """A plain YAML date (`2024-05-01`): text, but not a string where the format wants one."""

    __slots__ = ()


class YamlDateTime(str):
    """A plain YAML timestamp (`2024-05-01T10:00:00Z`): text that was resolved as a timestamp."""

    __slots__ = ()


class _Merge:
    __slots__ = ()


MERGE = _Merge()  # the `<<` merge key

# YAML 1.2 implicit scalars as the reference's reader resolves them (ruamel's rules).
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_INT = re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$")
_FLOAT = re.compile(r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)"
                    r"|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_TIMESTAMP = re.compile(r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}"
                        r":[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$")
_STAMP_PARTS = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
                          r"(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2}))?")


def _int(text: str) -> int:
    digits = text.replace("_", "")
    sign = -1 if digits.startswith("-") else 1
    digits = digits.lstrip("+-")
    for prefix, base in (("0b", 2), ("0x", 16), ("0o", 8)):
        if digits.startswith(prefix):
            return sign * int(digits[2:], base)  # ValueError for '0x_': the reference refuses it too
    return sign * int(digits)


def _float(text: str) -> float:
    low = text.replace("_", "").lower()
    if low.endswith(".inf"):
        return -math.inf if low.startswith("-") else math.inf
    if low.endswith(".nan"):
        return math.nan
    return float(low)


def _timestamp(text: str) -> str:
    match = _STAMP_PARTS.match(text)
    numbers = [int(g) for g in match.groups() if g is not None] if match else []
    try:
        if len(numbers) == 3:
            date(*numbers)
            return YamlDate(text)
        datetime(*numbers)
    except (TypeError, ValueError):
        raise ValueError(f"invalid timestamp {text!r}") from None
    return YamlDateTime(text)


def resolve_plain(text: str) -> Any:
    """The value of a plain (unquoted, untagged) YAML 1.2 scalar."""
    first = text[:1]
    if first in "tTfF" and text in _BOOL:
        return _BOOL[text]
    if text in _NULL:
        return None
    if first and first in "-+0123456789.":
        if _INT.match(text):
            return _int(text)
        if _FLOAT.match(text):
            return _float(text)
        if first.isdigit() and _TIMESTAMP.match(text):
            return _timestamp(text)
    if text == "<<":
        return MERGE
    if text == "=":
        raise ValueError("the value '=' has no meaning in YAML 1.2 here; quote it")
    return text


_EXPLICIT = {
    _STR: lambda t: t,
    _YAML + "int": _int,
    _YAML + "float": _float,
    _YAML + "bool": lambda t: _BOOL[t],
    _YAML + "null": lambda t: None,
    _YAML + "timestamp": _timestamp,
}


class _Builder:
    """Plain values from parse events, within a node budget and a depth cap."""

    def __init__(self, source: str, max_nodes: int, max_depth: int):
        self.source, self.max_nodes, self.max_depth = source, max_nodes, max_depth
        self.budget = max_nodes
        self.anchors: dict[str, tuple[Any, int]] = {}

    def fail(self, msg: str, event: Any = None) -> BadInput:
        mark = getattr(event, "start_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        return BadInput(f"{msg}{where}", source=self.source)

    def spend(self, size: int, event: Any, alias: bool = False) -> None:
        self.budget -= size
        if self.budget < 0:
            what = "expands through aliases to" if alias else "has"
            raise self.fail(f"YAML {what} more than {self.max_nodes} nodes{' (alias bomb?)' if alias else ''}",
                            event)

    def scalar(self, event: ScalarEvent) -> Any:
        tag, text = event.tag, event.value
        try:
            if tag is None or tag == "!":
                return resolve_plain(text) if tag is None and event.implicit[0] else text
            convert = _EXPLICIT.get(tag)
            if convert is None:
                raise self.fail(f"unsupported YAML tag {tag!r}", event)
            return convert(text)
        except (ValueError, KeyError) as e:
            raise self.fail(f"malformed YAML: cannot read {text[:40]!r} as {tag or 'a value'}: {e}", event) from None

    def build(self, events: Any) -> Any:
        # A frame: [container, size, anchor, pending key or MISSING, merges, start event]
        stack: list[list] = []
        root, documents = None, 0
        for event in events:
            kind = type(event)
            if kind is ScalarEvent:
                self.spend(1, event)
                value, size = self.scalar(event), 1
                anchor = event.anchor
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                self.spend(1, event)
                if event.tag not in (None, "!", _MAP if kind is MappingStartEvent else _SEQ):
                    raise self.fail(f"unsupported YAML tag {event.tag!r}", event)
                if len(stack) >= self.max_depth:
                    raise self.fail(f"YAML nesting deeper than {self.max_depth} levels", event)
                stack.append([{} if kind is MappingStartEvent else [], 1, event.anchor, _MISSING, None, event])
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                container, size, anchor, _, merges, start = stack.pop()
                value = self.merged(container, merges, start) if merges else container
            elif kind is AliasEvent:
                if event.anchor not in self.anchors:
                    raise self.fail(f"malformed YAML: found undefined alias {event.anchor!r}", event)
                value, size = self.anchors[event.anchor]
                self.spend(size, event, alias=True)
                anchor = None
            elif kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise self.fail("malformed YAML: expected a single document, found more than one", event)
                continue
            else:
                continue
            if anchor is not None:
                self.anchors[anchor] = (value, size)
            if not stack:
                root = value
            else:
                self.add(stack[-1], value, size, event)
        return root

    def add(self, frame: list, value: Any, size: int, event: Any) -> None:
        frame[1] += size
        container = frame[0]
        if type(container) is list:
            container.append(value)
            return
        key = frame[3]
        if key is _MISSING:
            if isinstance(value, (dict, list)):
                raise self.fail("mapping keys must be plain scalars", event)
            if isinstance(value, float) and value != value:
                raise self.fail("mapping key is NaN", event)
            frame[3] = value
            return
        frame[3] = _MISSING
        if key is MERGE:
            sources = value if isinstance(value, list) else [value]
            if not all(isinstance(s, dict) for s in sources):
                raise self.fail("a merge key (<<) must refer to a mapping", event)
            frame[4] = (frame[4] or []) + sources
            return
        if key in container:
            raise self.fail(f"duplicate key {key!r}", event)
        container[key] = value

    def merged(self, container: dict, merges: list[dict], start: Any) -> dict:
        # Explicit keys win; among merged mappings the earlier one wins (YAML merge semantics).
        out = dict(container)
        for source in merges:
            self.spend(len(source), start, alias=True)
            for key, item in source.items():
                out.setdefault(key, item)
        return out


_MISSING = object()


def _events(text: str) -> Iterator[Any]:
    """libyaml's parse events for `text` (ruamel.yaml.clib), without the generator of YAML.parse."""
    parser = CParser(text)
    try:
        get, check = parser.get_event, parser.check_event
        while check():
            yield get()
    finally:
        parser.dispose()


def _reader(pure: bool = False) -> YAML:
    yaml = YAML(typ="safe", pure=pure)
    yaml.allow_duplicate_keys = True
    return yaml


def decode(data: str | bytes, *, source: str, max_bytes: int = MAX_BYTES) -> str:
    """Return `data` as text: size-capped, strict UTF-8 (a BOM is allowed), no NUL bytes."""
    if len(data) > max_bytes:
        raise BadInput(f"file is larger than the limit of {max_bytes} bytes", source=source)
    if isinstance(data, str):
        text = data
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise BadInput(f"file is not valid UTF-8 (byte {e.start})", source=source) from None
    if "\x00" in text:
        raise BadInput("file contains NUL characters (binary, not YAML)", source=source)
    return text


def loads(
    data: str | bytes,
    *,
    source: str,
    max_bytes: int = MAX_BYTES,
    max_nodes: int = MAX_NODES,
    max_depth: int = MAX_DEPTH,
) -> Any:
    """Parse one YAML document safely into plain Python values; BadInput on anything wrong."""
    text = decode(data, source=source, max_bytes=max_bytes)
    builder = _Builder(source, max_nodes, max_depth)
    try:
        return builder.build(_events(text))
    except (YAMLError, RecursionError) as e:
        raise _explain(text, source, e) from None


def _explain(text: str, source: str, error: Exception) -> BadInput:
    """A located message for a malformed document (ruamel's pure parser words errors better)."""
    if len(text) <= EXPLAIN_BYTES:
        try:
            for _ in _reader(pure=True).parse(text):
                pass
        except (YAMLError, RecursionError) as e:
            error = e
    if isinstance(error, MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        return BadInput(f"malformed YAML: {error.problem or error.context}{where}", source=source)
    return BadInput(f"malformed YAML: {_short(str(error))}", source=source)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) < 300 else text[:300] + "..."


class _Representer(SafeRepresenter):
    """Double-quotes strings holding NEL/LS/PS, which plain or single-quoted styles would mangle."""

    def represent_str(self, data: str) -> Any:
        style = '"' if any(c in data for c in "\x85\u2028\u2029") else None
        return self.represent_scalar("tag:yaml.org,2002:str", data, style=style)


    def represent_timestamp(self, data: str) -> Any:
        return self.represent_scalar("tag:yaml.org,2002:timestamp", str(data))


_Representer.add_representer(str, _Representer.represent_str)
_Representer.add_representer(YamlDate, _Representer.represent_timestamp)
_Representer.add_representer(YamlDateTime, _Representer.represent_timestamp)


def _writer(pure: bool = True) -> YAML:
    # The pure emitter writes emoji and multi-line text readably; libyaml's escapes characters
    # beyond the BMP but is ten times faster, which matters for machine-read build outputs.
    yaml = YAML(typ="safe", pure=pure)
    yaml.Representer = _Representer
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = 4096  # long descriptions stay on one line instead of being folded
    yaml.sort_base_mapping_type_on_output = False  # key order is the caller's (or sorted below)
    return yaml


def _sorted(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _sorted(data[k]) for k in sorted(data, key=str)}
    if isinstance(data, (list, tuple)):
        return [_sorted(v) for v in data]
    return data


def _plain(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_plain(v) for v in data]
    return data


def dumps(data: Any, *, sort_keys: bool = False, fast: bool = False) -> str:
    """Deterministic block-style YAML for `data` (plain Python values), keys sorted if asked;
    `fast` uses libyaml's emitter (same values, non-BMP characters escaped)."""
    stream = io.StringIO()
    _writer(pure=not fast).dump(_sorted(data) if sort_keys else _plain(data), stream)
    return stream.getvalue()
