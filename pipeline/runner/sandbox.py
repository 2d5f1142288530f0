"""Run one model check in a child process with wall-time, memory and file-size limits, no network.

A crash, hang or out-of-memory in model code becomes a failed check with the reason and an
excerpt of the child's stderr; the caller always gets a result and goes on.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pipeline

REPO_ROOT = Path(pipeline.__file__).resolve().parent.parent
GiB = 1024**3


@dataclass(frozen=True)
class Limits:
    """Per-check limits. Memory is address space (RLIMIT_AS): TF and torch reserve a lot of it."""

    seconds: float = 600.0
    memory_bytes: int | None = 8 * GiB
    file_bytes: int = 4 * GiB
    stderr_excerpt: int = 3000
    result_bytes: int = 16 * 1024**2
    block_network: bool = True
    fence: bool = True  # audit-hook fence: no writes outside the job's folders, no new processes
    threads: int = 2

    @classmethod
    def from_env(cls) -> "Limits":
        """Defaults, overridable by ZOO_TEST_SECONDS / ZOO_TEST_MEMORY_GB (operators tune these)."""
        seconds = float(os.environ.get("ZOO_TEST_SECONDS", cls.seconds))
        mem = os.environ.get("ZOO_TEST_MEMORY_GB")
        return cls(seconds=seconds, memory_bytes=int(float(mem) * GiB) if mem else cls.memory_bytes)


@functools.lru_cache(maxsize=1)
def netns_prefix() -> tuple[str, ...]:
    """`unshare -rn` when unprivileged network namespaces work here, else nothing (socket block only)."""
    try:
        ok = subprocess.run(["unshare", "-rn", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return ("unshare", "-rn") if ok else ()


def tail(path: Path, limit: int) -> str:
    """The last `limit` bytes of a file, decoded leniently."""
    with path.open("rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - limit))
        return f.read().decode("utf-8", "replace")


def _child_env(limits: Limits) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_TOKEN", "_SECRET", "_KEY"))}
    env["PYTHONPATH"] = str(REPO_ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
        env[var] = str(limits.threads)
    env.update({"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0", "KERAS_BACKEND": "tensorflow",
                "CUDA_VISIBLE_DEVICES": env.get("CUDA_VISIBLE_DEVICES", "")})
    return env


def failure_reason(returncode: int | None, timed_out: bool, stderr: str, limits: Limits) -> str:
    """A plain-words reason for a child that produced no result."""
    if timed_out:
        return f"timed out after {limits.seconds:g} s (the model hung or is too slow)"
    if "MemoryError" in stderr or "std::bad_alloc" in stderr or "Cannot allocate memory" in stderr:
        return f"ran out of memory (limit {limits.memory_bytes / GiB:.1f} GiB address space)"
    if returncode is not None and returncode < 0:
        return f"crashed with signal {signal.Signals(-returncode).name}"
    return f"exited with status {returncode} without a result"


def run_isolated(python: str, job: dict[str, Any], limits: Limits) -> dict[str, Any]:
    """Run the worker on `job`; returns its result dict or {"error", "stderr"} describing the failure."""
    with tempfile.TemporaryDirectory(prefix="zoo-test-") as tmp:
        tmpdir = Path(tmp)
        job_path, result_path = tmpdir / "job.json", tmpdir / "result.json"
        # the worker applies the rlimits itself, first thing: no preexec_fn, which is unsafe when the
        # caller runs tests from several threads (the build stage does)
        job_path.write_text(json.dumps({**job, "block_network": limits.block_network, "fence": limits.fence,
                                        "rlimits": {"memory_bytes": limits.memory_bytes,
                                                    "file_bytes": limits.file_bytes}}, default=str),
                            encoding="utf-8")
        out_path, err_path = tmpdir / "stdout.txt", tmpdir / "stderr.txt"
        cmd = [*(netns_prefix() if limits.block_network else ()), python, "-m", "pipeline.runner.worker",
               str(job_path), str(result_path)]
        timed_out = False
        with out_path.open("wb") as out, err_path.open("wb") as err:
            # temporary files of model code and frameworks land in the scratch folder it may write to
            env = {**_child_env(limits), "TMPDIR": str(tmpdir), "PYTHONDONTWRITEBYTECODE": "1"}
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=tmpdir,
                                    env=env, start_new_session=True)
            try:
                proc.wait(timeout=limits.seconds)
            except subprocess.TimeoutExpired:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)  # the whole group: model code may have forked
                proc.wait()
        stderr = tail(err_path, limits.stderr_excerpt)
        if not timed_out and result_path.exists() and result_path.stat().st_size <= limits.result_bytes:
            try:
                return json.loads(result_path.read_text(encoding="utf-8"))
            except ValueError:
                pass
        return {"error": failure_reason(proc.returncode, timed_out, stderr, limits), "stderr": stderr}
