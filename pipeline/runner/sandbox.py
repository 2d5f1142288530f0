"""Run one job of the model worker confined, and hand back what it wrote as untrusted data.

The chain is `zoo` -> supervisor (our interpreter: reaper, wall time, confinement, see
supervisor.py and confine.py) -> worker (the model environment's interpreter, running model
code). A job gets three folders: `control` (the supervisor's spec, the worker's stdout and
stderr; model code cannot write there), `scratch` (its working directory, HOME and TMPDIR) and
`out` (its report, outputs and progress lines). Everything under `out` was written by a process
that ran model code: callers read it bounded and decide from it only what model code could have
decided anyway; a test passes only by the caller's own comparison (verdict.py).

The worker protocol (pipeline.runner.worker), kept small so new kinds of job can use it:
- job.json: the caller's keys (`kind`, `descr`, `weights_format`, `files`, ...) plus `out`,
  `report`, `outputs_dir`, `progress` and `writable` added here;
- the worker writes `report` (JSON, at most `Limits.report_bytes`: `tests`, `env`), files under
  `outputs_dir`, and progress lines; it never sees expected outputs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import pipeline
from pipeline.runner.devices import CPU, CUDA
from pipeline.runner.progress import tail_lines

REPO_ROOT = Path(pipeline.__file__).resolve().parent.parent
GiB = 1024**3
# the only variables model code inherits; secrets never do, whatever they are called
PASSED_VARIABLES = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_NUMERIC", "TZ", "LD_LIBRARY_PATH",
                    "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES",
                    "HIP_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES")
SUPERVISOR_GRACE = 30.0  # what the supervisor may need beyond the wall time to kill and report


@dataclass(frozen=True)
class Limits:
    """Per-job limits. Memory is address space (RLIMIT_AS: TF and torch reserve a lot of it), or on
    a CUDA job the resident memory of all its processes, which the supervisor watches."""

    seconds: float = 600.0
    memory_bytes: int | None = 8 * GiB
    file_bytes: int = 4 * GiB
    stderr_excerpt: int = 3000
    report_bytes: int = 16 * 1024**2
    netns: bool = True  # also a network namespace where the kernel allows (seccomp blocks sockets anyway)
    threads: int = 2

    @classmethod
    def from_env(cls) -> "Limits":
        """Defaults, overridable by ZOO_TEST_SECONDS / ZOO_TEST_MEMORY_GB (operators tune these)."""
        seconds = float(os.environ.get("ZOO_TEST_SECONDS", cls.seconds))
        mem = os.environ.get("ZOO_TEST_MEMORY_GB")
        return cls(seconds=seconds, memory_bytes=int(float(mem) * GiB) if mem else cls.memory_bytes)


@dataclass
class Outcome:
    """How a job ended. `report` is the worker's report (untrusted, bounded) or None with `error`
    saying why; `out` is the folder it wrote, readable until the `sandboxed` block ends."""

    out: Path
    report: dict[str, Any] | None = None
    error: str | None = None
    stderr: str = ""
    layers: tuple[str, ...] = ()
    refused: bool = False
    outputs: Path = field(init=False)

    def __post_init__(self) -> None:
        self.outputs = self.out / "outputs"


def tail(path: Path, limit: int) -> str:
    """The last `limit` bytes of a file, decoded leniently."""
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - limit))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def child_env(limits: Limits, scratch: Path, device: str = CPU) -> dict[str, str]:
    """The worker's whole environment: an allow-list of the caller's plus what the job needs. A
    CUDA job sees the GPUs the runner gives this process; any other job sees none."""
    env = {k: os.environ[k] for k in PASSED_VARIABLES if k in os.environ}
    env.setdefault("PATH", os.defpath)
    env.update({
        "PYTHONPATH": str(REPO_ROOT), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1",
        "HOME": str(scratch), "TMPDIR": str(scratch), "XDG_CACHE_HOME": str(scratch / ".cache"),
        "XDG_CONFIG_HOME": str(scratch / ".config"), "MPLCONFIGDIR": str(scratch / ".config"),
        "TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0", "KERAS_BACKEND": "tensorflow",
    })
    if device != CUDA:
        env["CUDA_VISIBLE_DEVICES"] = ""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
        env[var] = str(limits.threads)
    return env


def failure_reason(status: dict[str, Any], stderr: str, limits: Limits) -> str:
    """A plain-words reason for a worker that produced no usable report."""
    if status.get("timed_out"):
        return f"timed out after {limits.seconds:g} s (the model hung or is too slow)"
    if status.get("memory_exceeded"):
        return f"ran out of memory (limit {(limits.memory_bytes or 0) / GiB:.1f} GiB resident, all its processes)"
    if "MemoryError" in stderr or "std::bad_alloc" in stderr or "Cannot allocate memory" in stderr:
        return f"ran out of memory (limit {(limits.memory_bytes or 0) / GiB:.1f} GiB address space)"
    code = status.get("returncode")
    if isinstance(code, int) and code < 0:
        try:
            return f"crashed with signal {signal.Signals(-code).name}"
        except ValueError:
            return f"crashed with signal {-code}"
    return f"exited with status {code} without a result"


@contextmanager
def sandboxed(python: str, job: dict[str, Any], limits: Limits, *, writable: Sequence[Path] = (),
              progress: Callable[[str], None] | None = None) -> Iterator[Outcome]:
    """Run the worker on `job` under the supervisor; yields its Outcome while `out` still exists.

    `writable` adds folders the worker may write to (zoo predict's output folders)."""
    with tempfile.TemporaryDirectory(prefix="zoo-job-") as tmp:
        base = Path(tmp)
        control, scratch, out = base / "control", base / "scratch", base / "out"
        for folder in (control, scratch, out, out / "outputs"):
            folder.mkdir()
        folders = [str(scratch), str(out), *(str(Path(w).resolve()) for w in writable)]
        job = {**job, "out": str(out), "report": str(out / "report.json"), "outputs_dir": str(out / "outputs"),
               "progress": str(out / "progress.txt"), "writable": folders}
        (control / "job.json").write_text(json.dumps(job, default=str), encoding="utf-8")
        device = CUDA if job.get("device") == CUDA else CPU
        env = child_env(limits, scratch, device)
        spec = {"argv": [python, "-m", "pipeline.runner.worker", str(control / "job.json")],
                "cwd": str(scratch), "env": env, "stdout": str(control / "stdout.txt"),
                "stderr": str(control / "stderr.txt"), "seconds": limits.seconds, "writable": folders,
                "netns": limits.netns,
                "rlimits": {"memory_bytes": None if device == CUDA else limits.memory_bytes,
                            "file_bytes": limits.file_bytes},
                # CUDA reserves far more address space than it uses: a GPU job's memory is counted
                # as resident pages of all its processes, by the supervisor
                "resident_bytes": limits.memory_bytes if device == CUDA else None}
        (control / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
        with tail_lines(out / "progress.txt", progress or (lambda line: None)):
            status = _supervise(control / "spec.json", env, limits)
        yield _outcome(out, status, tail(control / "stderr.txt", limits.stderr_excerpt), limits)


def _supervise(spec: Path, env: dict[str, str], limits: Limits) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "pipeline.runner.supervisor", str(spec)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            env=env, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=limits.seconds + SUPERVISOR_GRACE)
    except subprocess.TimeoutExpired:  # the supervisor itself is stuck: its whole group goes
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"timed_out": True}
    lines = stdout.decode("utf-8", "replace").strip().splitlines()
    try:
        status = json.loads(lines[-1]) if lines else {}
    except ValueError:
        status = {}
    if not isinstance(status, dict) or not status:
        words = stderr.decode("utf-8", "replace").strip()[-500:]
        return {"refused": f"the sandbox supervisor failed (exit {proc.returncode}): {words}"}
    return status


def _outcome(out: Path, status: dict[str, Any], stderr: str, limits: Limits) -> Outcome:
    layers = tuple(str(x) for x in status.get("layers") or ())
    if status.get("refused"):
        return Outcome(out, error=f"was not run: model code cannot be confined here ({status['refused']})",
                       stderr=stderr, refused=True)
    outcome = Outcome(out, stderr=stderr, layers=layers)
    report = out / "report.json"
    if status.get("timed_out") or not report.is_file():
        outcome.error = failure_reason(status, stderr, limits)
        return outcome
    if report.stat().st_size > limits.report_bytes:
        outcome.error = f"wrote a report larger than {limits.report_bytes} bytes"
        return outcome
    try:
        data = json.loads(report.read_bytes())
    except (ValueError, RecursionError) as e:
        outcome.error = f"wrote a malformed report ({type(e).__name__})"
        return outcome
    if not isinstance(data, dict):
        outcome.error = "wrote a report that is not a JSON object"
        return outcome
    outcome.report = data
    return outcome
