"""Every external program (git, uv, pip, conda, pagefind) runs through `run_command`: a time
limit, no standard input, and a typed error that carries the program's own last words."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Mapping, Sequence

from pipeline.errors import ExternalToolFailed

GIT_TIMEOUT = 120.0
TAIL_CHARS = 2000


def run_command(cmd: Sequence[str], *, timeout: float, cwd: Path | None = None, input: bytes | None = None,
                env: Mapping[str, str] | None = None, check: bool = True,
                label: str | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run `cmd` and return what it did; ExternalToolFailed when it is missing, times out or,
    with `check`, exits non-zero. `label` names the program in messages (default: its first words)."""
    what = label or " ".join(cmd[:3])
    try:
        result = subprocess.run(list(cmd), cwd=cwd, input=input, env=None if env is None else dict(env),
                                capture_output=True, timeout=timeout,
                                stdin=None if input is not None else subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ExternalToolFailed(f"{what} timed out after {timeout:g} s") from None
    except FileNotFoundError:
        raise ExternalToolFailed(f"{cmd[0]} is not installed") from None
    except OSError as e:
        raise ExternalToolFailed(f"{what} could not run: {e}") from None
    if check and result.returncode != 0:
        raise ExternalToolFailed(f"{what} failed ({result.returncode}): {last_words(result)}")
    return result


def last_words(result: subprocess.CompletedProcess[bytes]) -> str:
    """The end of a program's error output (or its output when it wrote no errors)."""
    text = (result.stderr or result.stdout or b"").decode(errors="replace").strip()
    return text[-TAIL_CHARS:] or f"exit code {result.returncode}"


def run_git(args: Sequence[str], *, cwd: Path, input: bytes | None = None, env: dict[str, str] | None = None,
            timeout: float = GIT_TIMEOUT, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run `git ARGS` in `cwd` with prompts off; errors name the git subcommand and git's last line."""
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **(env or {})}
    result = run_command(["git", *args], cwd=cwd, input=input, env=full_env, timeout=timeout, check=False,
                         label=f"git {' '.join(args[:2])}")
    if check and result.returncode != 0:
        lines = result.stderr.decode(errors="replace").strip().splitlines()
        raise ExternalToolFailed(f"git {' '.join(args[:2])} failed: {lines[-1] if lines else result.returncode}")
    return result


def git_text(args: Sequence[str], *, cwd: Path, **kwargs) -> str:
    """stdout of a git call, stripped."""
    return run_git(args, cwd=cwd, **kwargs).stdout.decode().strip()
