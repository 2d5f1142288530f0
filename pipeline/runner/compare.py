"""Compare outputs with expected test tensors under the format's tolerances (docs/format.md §7)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Tolerance:
    """An element mismatches when |a - e| > atol + rtol*|e|; at most `ppm` mismatches per million pass."""

    rtol: float
    atol: float
    ppm: float


DEFAULTS = {"0.4": Tolerance(1e-3, 1e-3, 0.0), "0.5": Tolerance(1e-3, 1e-3, 100.0)}


def tolerance_for(descr: dict[str, Any], weights_format: str, output_id: str) -> Tolerance:
    """The first matching `reproducibility_tolerance` entry, else legacy `test_kwargs`, else defaults."""
    version = str(descr.get("format_version", "0.5"))
    default = DEFAULTS["0.4"] if version.startswith("0.4") or version.startswith("0.3") else DEFAULTS["0.5"]
    zoo = ((descr.get("config") or {}).get("bioimageio") or {})
    for entry in zoo.get("reproducibility_tolerance") or []:
        outputs, formats = entry.get("output_ids") or [], entry.get("weights_formats") or []
        if (not outputs or output_id in outputs) and (not formats or weights_format in formats):
            return Tolerance(float(entry.get("relative_tolerance", 1e-3)), float(entry.get("absolute_tolerance", 1e-3)),
                             float(entry.get("mismatched_elements_per_million", default.ppm)))
    legacy = (zoo.get("test_kwargs") or {}).get(weights_format) or {}
    if legacy:
        return Tolerance(float(legacy.get("relative_tolerance", default.rtol)),
                         float(legacy.get("absolute_tolerance", default.atol)),
                         float(legacy.get("mismatched_elements_per_million", default.ppm)))
    return default


CHUNK = 1 << 22  # elements compared at once: memory stays bounded for memory-mapped tensors of any size


def mismatch(name: str, actual: np.ndarray, expected: np.ndarray, tol: Tolerance) -> str | None:
    """None when the output reproduces the expected tensor, else a readable explanation."""
    if actual.shape != expected.shape:
        return f"output {name!r}: shape {tuple(actual.shape)} differs from the test tensor's {tuple(expected.shape)}"
    flat_a, flat_e = actual.reshape(-1), expected.reshape(-1)
    nan_only_actual = count = 0
    worst, worst_diff = -1, -1.0
    for start in range(0, flat_a.size, CHUNK):
        a = np.asarray(flat_a[start:start + CHUNK], dtype=np.float32)
        e = np.asarray(flat_e[start:start + CHUNK], dtype=np.float32)
        nan_a, nan_e = np.isnan(a), np.isnan(e)
        nan_only_actual += int((nan_a & ~nan_e).sum())
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(a - e)
            bad = (diff > tol.atol + tol.rtol * np.abs(e)) & ~(nan_a & nan_e)
        count += int(bad.sum())
        if bad.any():
            at = int(np.nanargmax(np.where(bad, diff, -1)))
            if diff[at] > worst_diff or worst < 0:
                worst, worst_diff = start + at, float(diff[at])
    if nan_only_actual:
        return f"output {name!r} contains {nan_only_actual} NaN values where the test tensor has numbers"
    if count == 0:
        return None
    ppm = count / max(flat_a.size, 1) * 1e6
    if ppm <= tol.ppm:
        return None
    index = np.unravel_index(worst, actual.shape)
    got, want = np.float32(flat_a[worst]), np.float32(flat_e[worst])
    return (f"output {name!r}: {count} of {flat_a.size} elements ({ppm:.0f} ppm, allowed {tol.ppm:g}) differ by more "
            f"than atol {tol.atol:g} + rtol {tol.rtol:g}*|expected|; worst at index {tuple(int(i) for i in index)}: "
            f"got {got:.6g}, expected {want:.6g}")
