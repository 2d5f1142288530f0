"""YAML for the store: the format library's deterministic writer once it exists, ruamel meanwhile."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pipeline.errors import BadInput

MAX_RESOURCE_YAML = 4 * 1024 * 1024  # a resource.yaml is a few KB; anything larger is not ours


def dumps(data: Any) -> str:
    """Sorted-key, block-style YAML."""
    try:
        from pipeline.spec.yamlio import dumps as spec_dumps
    except ImportError:
        return _ruamel_dumps(data)
    return spec_dumps(data, sort_keys=True)


def loads(text: str | bytes, *, source: str) -> Any:
    """Parse YAML safely, naming `source` on failure."""
    try:
        from pipeline.spec.yamlio import loads as spec_loads
    except ImportError:
        return _ruamel_loads(text, source)
    return spec_loads(text, source=source)


def read(path: Path) -> Any:
    """Read a bounded YAML file."""
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_RESOURCE_YAML + 1)
    except OSError as e:
        raise BadInput(f"cannot read: {e.strerror}", source=str(path)) from None
    if len(raw) > MAX_RESOURCE_YAML:
        raise BadInput(f"larger than {MAX_RESOURCE_YAML} bytes", source=str(path))
    return loads(raw, source=str(path))


def _sorted(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _sorted(data[k]) for k in sorted(data)}
    if isinstance(data, (list, tuple)):
        return [_sorted(v) for v in data]
    return data


def _ruamel_dumps(data: Any) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.sort_base_mapping_type_on_output = True  # type: ignore[attr-defined]
    out = io.StringIO()
    yaml.dump(_sorted(data), out)
    return out.getvalue()


def _ruamel_loads(text: str | bytes, source: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="safe", pure=True).load(text)
    except YAMLError as e:
        raise BadInput(f"invalid YAML: {e}".splitlines()[0], source=source) from None
