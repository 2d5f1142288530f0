"""The format's reference runner (bioimageio.core) in its own cached virtual environment, for comparisons.

Never imported by the pipeline and never installed into the project's environment (ORACLES.md): the
environment lives under $ZOO_ORACLE_CACHE (default <repo>/.cache/oracles), is built once from pinned
versions, and is only ever run as a separate interpreter.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from filelock import FileLock

REPO = Path(__file__).resolve().parents[1]
CORE = "core-0.11.0"
# torch first (the CPU build this machine's index serves), then the runner with the spec it pins;
# that spec breaks with pydantic 2.14
CORE_STEPS = (("torch==2.13.0",),
              ("bioimageio.core==0.11.0", "bioimageio.spec==0.5.12.0", "pydantic<2.14", "onnxruntime", "onnx"))
BUILD_SECONDS = 1800


class OracleUnavailable(RuntimeError):
    """The reference environment could not be built here (no registry, no wheel for this Python)."""


def cache_dir() -> Path:
    return Path(os.environ.get("ZOO_ORACLE_CACHE") or REPO / ".cache" / "oracles")


def core_python() -> Path:
    """The interpreter of the reference runner's environment, built on first use."""
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    env = root / CORE
    python = env / "bin" / "python"
    with FileLock(str(env) + ".lock", timeout=BUILD_SECONDS):
        if (env / ".zoo-complete").is_file():
            return python
        shutil.rmtree(env, ignore_errors=True)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(env)], check=True, capture_output=True, timeout=300)
            for step in CORE_STEPS:
                subprocess.run([str(python), "-m", "pip", "install", "-q", *step], check=True, capture_output=True,
                               timeout=BUILD_SECONDS, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError) as e:
            shutil.rmtree(env, ignore_errors=True)
            detail = getattr(e, "stderr", b"") or b""
            raise OracleUnavailable(f"cannot build {env}: {e} {detail.decode(errors='replace')[-800:]}") from None
        (env / ".zoo-complete").write_text("\n".join(" ".join(s) for s in CORE_STEPS) + "\n")
    return python


def oracle_env() -> dict[str, str]:
    """Environment for a reference run: its own cache folder, no GPU, quiet."""
    cache = cache_dir() / "bioimageio-cache"
    cache.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "BIOIMAGEIO_CACHE_PATH": str(cache), "CUDA_VISIBLE_DEVICES": "", "PYTHONPATH": "",
            "OMP_NUM_THREADS": "2", "LOGURU_LEVEL": "ERROR", "TQDM_DISABLE": "1"}
