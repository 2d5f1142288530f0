"""Safe, bounded YAML reading and deterministic YAML writing.

Parsing composes ruamel.yaml's node graph and converts it ourselves, so that every node visit,
including each re-visit through an alias, counts against a budget (an alias bomb is refused
long before it could expand), nesting depth is capped, duplicate keys are refused, and only
plain dicts, lists, str, int, float, bool and None come out.
"""

from __future__ import annotations

import io
import math
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.representer import SafeRepresenter

from pipeline.errors import BadInput

MiB = 1024 * 1024
MAX_BYTES = 16 * MiB
MAX_NODES = 1_000_000
MAX_DEPTH = 100
PRESCAN_BYTES = 256 * 1024  # larger documents get a cheap event count before the costly compose

_STR, _INT, _FLOAT = "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_BOOL, _NULL, _TIME = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_SEQ, _MAP = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


def _reader(pure: bool = False) -> YAML:
    # libyaml's parser (ruamel.yaml.clib) is ten times faster; ruamel's pure parser words its
    # errors better, so a document that fails is parsed again with it for the message.
    yaml = YAML(typ="safe", pure=pure)
    yaml.allow_duplicate_keys = True  # we detect duplicates ourselves, with the key's position
    return yaml


class _Converter:
    """Turns composed nodes into plain Python values within a node budget and depth cap."""

    def __init__(self, source: str, constructor: Any, max_nodes: int, max_depth: int):
        self.source = source
        self.constructor = constructor
        self.budget = max_nodes
        self.max_nodes = max_nodes
        self.max_depth = max_depth

    def fail(self, msg: str, node: Node | None = None) -> BadInput:
        where = f" (line {node.start_mark.line + 1})" if node is not None and node.start_mark else ""
        return BadInput(f"{msg}{where}", source=self.source)

    def convert(self, node: Node, depth: int = 0) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise self.fail(f"YAML expands to more than {self.max_nodes} nodes (alias bomb?)")
        if depth > self.max_depth:
            raise self.fail(f"YAML nesting deeper than {self.max_depth} levels", node)
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:  # e.g. !!python/object/apply: refused, not silently read as a list
                raise self.fail(f"unsupported YAML tag {node.tag!r}", node)
            return [self.convert(item, depth + 1) for item in node.value]
        if isinstance(node, MappingNode):
            if node.tag != _MAP:
                raise self.fail(f"unsupported YAML tag {node.tag!r}", node)
            return self.mapping(node, depth)
        raise self.fail(f"unsupported YAML node {type(node).__name__}", node)

    def scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag == _TIME:
            return node.value  # timestamps stay text; the validator checks their form
        if tag in (_INT, _FLOAT, _BOOL, _NULL):
            construct = {
                _INT: self.constructor.construct_yaml_int,
                _FLOAT: self.constructor.construct_yaml_float,
                _BOOL: self.constructor.construct_yaml_bool,
                _NULL: self.constructor.construct_yaml_null,
            }[tag]
            try:
                value = construct(node)
            except (ValueError, TypeError, OverflowError):
                # ruamel's resolver is looser than its constructor (`+_` "is" an int); YAML 1.2's
                # core schema would read such a scalar as text, so do that
                return node.value
            if isinstance(value, float) and not math.isfinite(value):
                return value  # .inf/.nan are legal YAML; schemas decide if they are acceptable
            return value
        raise self.fail(f"unsupported YAML tag {tag!r}", node)

    def mapping(self, node: MappingNode, depth: int) -> dict:
        result: dict = {}
        merged: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.update(self.merge_source(value_node, depth))
                continue
            if not isinstance(key_node, ScalarNode):
                raise self.fail("mapping keys must be plain scalars", key_node)
            key = self.scalar(key_node)
            if isinstance(key, float) and key != key:
                raise self.fail("mapping key is NaN", key_node)
            if key in result:
                raise self.fail(f"duplicate key {key!r}", key_node)
            result[key] = self.convert(value_node, depth + 1)
        for key, value in merged.items():
            result.setdefault(key, value)
        return result

    def merge_source(self, node: Node, depth: int) -> dict:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        merged: dict = {}
        for source in sources:
            value = self.convert(source, depth + 1)
            if not isinstance(value, dict):
                raise self.fail("a merge key (<<) must refer to a mapping", source)
            for key, item in value.items():
                merged.setdefault(key, item)
        return merged


def decode(data: str | bytes, *, source: str, max_bytes: int = MAX_BYTES) -> str:
    """Return `data` as text: size-capped, strict UTF-8 (a BOM is allowed), no NUL bytes."""
    if isinstance(data, str):
        if len(data) > max_bytes:
            raise BadInput(f"file is larger than the limit of {max_bytes} bytes", source=source)
        text = data
    else:
        if len(data) > max_bytes:
            raise BadInput(f"file is larger than the limit of {max_bytes} bytes", source=source)
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
    yaml = _reader()
    if len(text) > PRESCAN_BYTES:
        _count_events(yaml, text, source, max_nodes)
    try:
        node = yaml.compose(text)
    except (YAMLError, RecursionError):
        yaml = _reader(pure=True)
        node = _compose_or_explain(yaml, text, source, max_depth)
    if node is None:
        return None
    converter = _Converter(source, yaml.constructor, max_nodes, max_depth)
    try:
        return converter.convert(node)
    except RecursionError:
        raise BadInput(f"YAML nesting deeper than {max_depth} levels", source=source) from None


def _count_events(yaml: YAML, text: str, source: str, max_nodes: int) -> None:
    """Refuse a document with more than `max_nodes` parse events before composing it: composing
    costs about 12 µs and a few hundred bytes per node, so a 16 MB `[a,a,...]` would take minutes."""
    try:
        for count, _ in enumerate(yaml.parse(text)):
            if count > max_nodes:
                raise BadInput(f"YAML has more than {max_nodes} nodes", source=source)
    except (YAMLError, RecursionError):
        return  # compose reports malformed documents with a better message


def _compose_or_explain(yaml: YAML, text: str, source: str, max_depth: int) -> Any:
    try:
        return yaml.compose(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise BadInput(f"malformed YAML: {e.problem or e.context}{where}", source=source) from None
    except YAMLError as e:
        raise BadInput(f"malformed YAML: {_short(str(e))}", source=source) from None
    except RecursionError:
        raise BadInput(f"YAML nesting deeper than {max_depth} levels", source=source) from None


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) < 300 else text[:300] + "..."


class _Representer(SafeRepresenter):
    """Double-quotes strings holding NEL/LS/PS, which plain or single-quoted styles would mangle."""

    def represent_str(self, data: str) -> Any:
        style = '"' if any(c in data for c in "\x85\u2028\u2029") else None
        return self.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Representer.add_representer(str, _Representer.represent_str)


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
