"""Comparing our error locations with the reference's (shared by the real-zoo test and bench/spec_oracle.py).

The reference's locs name pydantic's union members between the RDF's keys (`inputs.0.axes.2.space.size`,
`shape.ImplicitOutputShape`); only the steps that exist in the RDF name its fields.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence


def data_path(data: Any, loc: Sequence[Any], kind: str) -> tuple:
    """The reference's `loc` without its union-member tags: the steps that exist in `data`."""
    out = []
    for n, step in enumerate(loc):
        if isinstance(data, dict) and step in data:
            data = data[step]
            out.append(step)
        elif isinstance(data, list) and isinstance(step, int) and step < len(data):
            data = data[step]
            out.append(step)
        elif n == len(loc) - 1 and isinstance(data, dict) and kind in ("missing", "extra_forbidden"):
            out.append(step)  # a missing (or extra) field of this mapping
    return tuple(out)


def same_field(reference_errors: Iterable[dict], our_locs: Iterable[tuple], data: Any) -> bool:
    """True when one of our errors names a field one of the reference's errors names.

    A reference error on the whole RDF (loc ()) is matched by any of ours: we name the field.
    """
    paths = [data_path(data, e["loc"], e["type"]) for e in reference_errors]
    if not paths or any(not p for p in paths):
        return True
    ours = [tuple(loc) for loc in our_locs]
    return any(o[:len(r)] == r or (o and r[:len(o)] == o) for r in paths for o in ours)
