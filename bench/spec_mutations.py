"""Seeded mutations of valid RDFs for the differential harness (bench/spec_oracle.py).

Each mutation changes one place of a real RDF the way people and tools get RDFs wrong or
different: a field dropped, nulled, retyped (numbers as text, a scalar for a list, ...),
renamed (typos, other case), a value's case changed, a file URL written in another Zenodo form,
or `format_version`/`type` changed. `mutate(data, rng)` returns (operator name, new data).
"""

from __future__ import annotations

import copy
import random
from typing import Any, Callable, Iterator

Path = tuple


def _paths(data: Any, path: Path = ()) -> Iterator[Path]:
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, path + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _paths(value, path + (i,))


def _get(data: Any, path: Path) -> Any:
    for step in path:
        data = data[step]
    return data


def _set(data: Any, path: Path, value: Any) -> None:
    _get(data, path[:-1])[path[-1]] = value


def _keyed(data: dict) -> list[Path]:
    return [p for p in _paths(data) if p and isinstance(p[-1], str)]


def drop(data: dict, rng: random.Random) -> str:
    path = rng.choice(_keyed(data))
    del _get(data, path[:-1])[path[-1]]
    return f"drop {_show(path)}"


def null(data: dict, rng: random.Random) -> str:
    path = rng.choice([p for p in _paths(data) if p])
    _set(data, path, None)
    return f"null {_show(path)}"


def _retyped(value: Any, rng: random.Random) -> Any:
    if isinstance(value, bool):
        return rng.choice(["true", 1, "yes"]) if value else rng.choice(["false", 0, "no"])
    if isinstance(value, (int, float)):
        return rng.choice([str(value), [value], f"{value} px", float(value) + 0.5, True])
    if isinstance(value, str):
        return rng.choice([[value], 42, 1.5, {"source": value}, value + " ", ""])
    if isinstance(value, list):
        return rng.choice([value[0] if value else "x", {"items": value}, "a, b", []])
    if isinstance(value, dict):
        return rng.choice([list(value.values())[:1], "text", 1, {}])
    return rng.choice(["x", 0, [], {}])


def retype(data: dict, rng: random.Random) -> str:
    path = rng.choice([p for p in _paths(data) if p])
    _set(data, path, _retyped(_get(data, path), rng))
    return f"retype {_show(path)}"


def _typo(key: str, rng: random.Random) -> str:
    if len(key) < 3:
        return key.upper()
    i = rng.randrange(len(key) - 1)
    return rng.choice([key[:i] + key[i + 1:], key[:i] + key[i + 1] + key[i] + key[i + 2:], key.title(),
                       key.replace("_", "-") if "_" in key else key + "s"])


def rename(data: dict, rng: random.Random) -> str:
    path = rng.choice(_keyed(data))
    parent, key = _get(data, path[:-1]), path[-1]
    new = _typo(key, rng)
    if new in parent:
        return "rename (no-op)"
    parent[new] = parent.pop(key)
    return f"rename {_show(path)} -> {new}"


def case(data: dict, rng: random.Random) -> str:
    candidates = [p for p in _paths(data) if p and isinstance(_get(data, p), str) and _get(data, p).strip()]
    if not candidates:
        return "case (no-op)"
    path = rng.choice(candidates)
    value = _get(data, path)
    _set(data, path, rng.choice([value.upper(), value.title(), value.lower(), value.swapcase()]))
    return f"case {_show(path)}"


def spelling(data: dict, rng: random.Random) -> str:
    """A value written another way that means the same to a lax reader (or not): 512 -> '512', 512.0,
    true -> 'yes', 'float32' -> 'Float32', 1.5 -> '1.5', 'x' -> ' x'."""
    candidates = [p for p in _paths(data) if p and not isinstance(_get(data, p), (dict, list))]
    if not candidates:
        return "spelling (no-op)"
    path = rng.choice(candidates)
    value = _get(data, path)
    if isinstance(value, bool):
        new: Any = rng.choice(["yes", "no", "true", "True", 1, 0, "on"])
    elif isinstance(value, int):
        new = rng.choice([str(value), float(value), f" {value} ", f"{value}.0", value + 0.5])
    elif isinstance(value, float):
        new = rng.choice([str(value), repr(value), int(value) if value == value and abs(value) < 1e18 else "inf",
                          f"{value:e}"])
    elif isinstance(value, str):
        new = rng.choice([value.capitalize(), f" {value}", value + "/", value.replace("_", "-"), value + ".0"])
    else:
        new = rng.choice([0, "null", ""])
    _set(data, path, new)
    return f"spelling {_show(path)}"


def _file_like(value: Any) -> bool:
    return isinstance(value, str) and "." in value[-6:] and " " not in value and len(value) < 300


def _name(value: str) -> tuple[str, str]:
    """(record id, file name) of a file reference, relative or Zenodo."""
    parts = value.split("/")
    if "records" in parts and "files" in parts:
        record = parts[parts.index("records") + 1]
        name = parts[parts.index("files") + 1]
        return record, name.split("?")[0]
    return "1234567", parts[-1].split("?")[0]


def url_form(data: dict, rng: random.Random) -> str:
    candidates = [p for p in _paths(data) if p and _file_like(_get(data, p))]
    if not candidates:
        return "url (no-op)"
    path = rng.choice(candidates)
    record, name = _name(_get(data, path))
    forms = [f"https://zenodo.org/api/records/{record}/files/{name}/content",
             f"https://zenodo.org/records/{record}/files/{name}?download=1",
             f"https://zenodo.org/api/records/{record}/files/{name}/content?version=v0",
             f"https://zenodo.org/record/{record}/files/{name}",
             f"http://zenodo.org/api/records/{record}/files/{name}/content",
             name, f"./{name}", f"files/{name}", name.upper()]
    _set(data, path, rng.choice(forms))
    return f"url {_show(path)}"


VERSIONS = {"model": ["0.3.6", "0.4.0", "0.4.5", "0.4.9", "0.4.10", "0.4.11", "0.5.0", "0.5.3", "0.5.4", "0.5.10",
                      "0.5.14", "0.5.15", "0.6.0", "0.4", "0.5", "1.0.0", "0.4.10.1"],
            "other": ["0.2.0", "0.2.2", "0.2.3", "0.2.4", "0.2.5", "0.3.0", "0.3.2", "0.3.4", "0.3.9", "0.2", "0.3",
                      "0.4.0", "1.0"]}
TYPES = ["model", "dataset", "application", "notebook", "generic", "collection", "Model", "workflow"]


def version(data: dict, rng: random.Random) -> str:
    if rng.random() < 0.75 or "type" not in data:
        family = "model" if data.get("type") == "model" else "other"
        data["format_version"] = rng.choice(VERSIONS[family])
        return f"format_version -> {data['format_version']}"
    data["type"] = rng.choice([t for t in TYPES if t != data.get("type")])
    return f"type -> {data['type']}"


OPERATORS: dict[str, Callable[[dict, random.Random], str]] = {
    "drop": drop, "null": null, "retype": retype, "rename": rename, "case": case, "url": url_form,
    "version": version, "spelling": spelling,
}


def _show(path: Path) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text or "(root)"


def mutate(data: dict, rng: random.Random, depth: int = 1) -> tuple[str, dict]:
    """1..depth seeded mutations of a copy of `data`: (operators and where, mutated data)."""
    out = copy.deepcopy(data)
    labels = []
    for _ in range(rng.randint(1, depth)):
        operator = rng.choice(list(OPERATORS))
        try:
            labels.append(f"{operator}: {OPERATORS[operator](out, rng)}")
        except (IndexError, KeyError, TypeError):  # nothing left to mutate that way
            labels.append(f"{operator}: (no-op)")
    return "; ".join(labels), out
