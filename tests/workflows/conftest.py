"""Workflow test fixtures; helpers live in workflow_helpers.py (this folder is put on sys.path)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
