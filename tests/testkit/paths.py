"""Where the repository and its bundled examples are, for tests that copy or read them."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
MODELS = EXAMPLES / "models"
RESOURCES = EXAMPLES / "resources"
DATASET = RESOURCES / "nuclei-dataset"
MODEL = MODELS / "nuclei-boundary-2d"
EXAMPLE_PARTNERS = EXAMPLES / "partners"
EXAMPLE_ZENODO = EXAMPLES / "zenodo"
