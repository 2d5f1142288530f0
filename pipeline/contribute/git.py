"""Every git call goes through `run_git`: a time limit, no prompts, a typed error with git's message."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Sequence

from pipeline.errors import ExternalToolFailed

GIT_TIMEOUT = 120.0


def run_git(args: Sequence[str], *, cwd: Path, input: bytes | None = None, env: dict[str, str] | None = None,
            timeout: float = GIT_TIMEOUT, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run `git ARGS` in `cwd`; ExternalToolFailed on a non-zero exit (when `check`) or a timeout."""
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **(env or {})}
    try:
        result = subprocess.run(["git", *args], cwd=cwd, input=input, env=full_env, capture_output=True,
                                timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ExternalToolFailed(f"git {' '.join(args[:2])} timed out after {timeout:.0f} s") from None
    except FileNotFoundError:
        raise ExternalToolFailed("git is not installed") from None
    if check and result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        raise ExternalToolFailed(f"git {' '.join(args[:2])} failed: {message[-1] if message else result.returncode}")
    return result


def git_text(args: Sequence[str], *, cwd: Path, **kwargs) -> str:
    """stdout of a git call, stripped."""
    return run_git(args, cwd=cwd, **kwargs).stdout.decode().strip()
