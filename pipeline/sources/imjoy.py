"""ImJoy plugin files (`*.imjoy.html`) as RDF fields, as the paper-era collection read them.

A partner entry whose `source` is an ImJoy plugin takes its name, description, icon, tags,
covers, badges and authors from the plugin's `<config>` block (JSON or YAML); the entry's own
keys still win. Only the config block is read: the plugin's scripts are never run.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pipeline.errors import BadInput
from pipeline.spec import yamlio

PLUGIN_SUFFIX = ".imjoy.html"
MAX_PLUGIN_BYTES = 2 * 1024 * 1024
COPIED = ("icon", "name", "version", "api_version", "description", "license", "requirements",
          "dependencies", "env", "passive", "services")
# Fields whose value may be a mapping keyed by the plugin's tag (ImJoy's "configurable fields").
CONFIGURABLE = ("env", "requirements", "dependencies", "icon", "ui", "type", "flags", "labels", "cover")
_CONFIG = re.compile(r"<config\b([^>]*)>(.*?)</config\s*>", re.S | re.I)
_LANG = re.compile(r"""\blang\s*=\s*["']?([a-z]+)""", re.I)


def is_plugin(source: Any) -> bool:
    """True for a URL or path of an ImJoy plugin file (query and fragment ignored)."""
    return isinstance(source, str) and source.split("?", 1)[0].split("#", 1)[0].lower().endswith(PLUGIN_SUFFIX)


def plugin_fields(text: str, *, source: str) -> dict[str, Any]:
    """The RDF fields an ImJoy plugin's `<config>` block describes."""
    match = _CONFIG.search(text)
    if match is None:
        raise BadInput("no <config> block in the ImJoy plugin", source=source)
    lang = (_LANG.search(match.group(1)) or [None, "json"])[1].lower()
    try:
        config = json.loads(match.group(2)) if lang == "json" else yamlio.loads(match.group(2), source=source)
    except json.JSONDecodeError as e:
        raise BadInput(f"the plugin's config is not valid JSON ({e})", source=source) from None
    if lang not in ("json", "yaml"):
        raise BadInput(f"unsupported plugin config language {lang!r}", source=source)
    if not isinstance(config, dict):
        raise BadInput("the plugin's config is not a mapping", source=source)
    config = _resolve_tagged(config)
    rdf: dict[str, Any] = {"type": "application", "source": source}
    rdf.update({k: config[k] for k in COPIED if k in config})
    tags = [*_as_list(config.get("labels")), *_as_list(config.get("flags"))]
    rdf["tags"] = tags if "bioengine" in tags else [*tags, "bioengine"]
    rdf["covers"] = _as_list(config.get("cover"))
    rdf["badges"] = _as_list(config.get("badge"))
    author = config.get("author")
    if author:
        rdf["authors"] = [a if isinstance(a, dict) else {"name": str(a)} for a in _as_list(author)]
    return rdf


def _resolve_tagged(config: dict[str, Any]) -> dict[str, Any]:
    tags = config.get("tags")
    tag = tags[0] if isinstance(tags, list) and tags else None
    resolved = dict(config)
    for key in CONFIGURABLE:
        value = config.get(key)
        if isinstance(value, dict) and tag is not None:
            resolved[key] = value.get(tag)
    return resolved


def _as_list(value: Any) -> list[Any]:
    if not value:
        return []
    return list(value) if isinstance(value, list) else [value]
