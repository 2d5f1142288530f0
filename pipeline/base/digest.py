"""One canonical JSON form and its sha256, for every digest of data (not of a file's bytes)."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no ASCII escaping choices left to chance; values JSON cannot hold become text."""
    return json.dumps(value, sort_keys=True, default=str).encode()


def json_digest(value: Any) -> str:
    """sha256 (hex) of `value`'s canonical JSON."""
    return hashlib.sha256(canonical_json(value)).hexdigest()
