"""The model runner: reproduce test outputs, predict on new data, isolated per-model environments.

Public API (imported lazily: the worker runs in per-model environments that hold only numpy and
a framework, so importing this package must not pull in the rest of the pipeline):
test_model, TestResult, environment_key, predict, Limits, requirement_set, RequirementSet,
ensure_environment.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "test_model": "pipeline.runner.testing",
    "TestResult": "pipeline.runner.testing",
    "environment_key": "pipeline.runner.testing",
    "predict": "pipeline.runner.predict",
    "Limits": "pipeline.runner.sandbox",
    "requirement_set": "pipeline.runner.environments",
    "RequirementSet": "pipeline.runner.environments",
    "ensure_environment": "pipeline.runner.environments",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'pipeline.runner' has no attribute {name!r}")
