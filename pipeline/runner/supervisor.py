"""The reaper between `zoo` and model code: `python -m pipeline.runner.supervisor SPEC.json`.

It runs in our own interpreter, single-threaded (so forking is safe wherever its caller runs
tests from threads). It becomes a child subreaper, so every process model code starts, even in
a new session or after a double fork, is re-parented to it and never to init; forks the worker,
which confines itself (rlimits, then `confine.apply`) before exec'ing the model environment's
python; enforces the wall time (and, for a GPU job, where the address space cannot be capped, the
resident memory of all its processes); and on any end kills every process left below it. Model code
cannot signal it (seccomp). It prints one JSON line: how the worker ended and which layers held.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys
import time
from pathlib import Path
from typing import Any

from pipeline.runner import confine

PR_SET_CHILD_SUBREAPER = 36
PR_SET_DUMPABLE = 4
STRAY_ROUNDS = 1000
RESIDENT_EVERY = 0.2  # seconds between two counts of a GPU job's resident memory
PAGE = os.sysconf("SC_PAGE_SIZE")


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # its /proc files (fds, environ) closed to same-user processes
    try:
        confine.check_available()  # also loads the libraries before the fork
    except confine.Unconfinable as e:
        return _report({"refused": str(e)})
    read_end, write_end = os.pipe2(os.O_CLOEXEC)
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(spec, write_end)  # never returns
    os.close(write_end)
    # the child writes the layers it applied, or why it could not; the exec closes the pipe
    setup = [json.loads(line) for line in _read_all(read_end).splitlines() if line.strip()]
    status = _wait(pid, float(spec["seconds"]), spec.get("resident_bytes"))
    strays = kill_descendants()
    return _report({**status, **{k: v for message in setup for k, v in message.items()}, "strays_killed": strays})


def _child(spec: dict[str, Any], report_fd: int) -> None:
    try:
        _limits(spec.get("rlimits") or {})
        out = os.open(spec["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        err = os.open(spec["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        for fd, target in ((null, 0), (out, 1), (err, 2)):
            os.dup2(fd, target)
        os.closerange(3, report_fd)
        os.closerange(report_fd + 1, 65536)
        os.chdir(spec["cwd"])
        layers = confine.apply(confine.Plan(tuple(spec["writable"]), netns=bool(spec.get("netns", True))))
        os.write(report_fd, json.dumps({"layers": layers}).encode() + b"\n")
        os.execve(spec["argv"][0], spec["argv"], spec["env"])
    except BaseException as e:  # noqa: BLE001 - whatever stops the confinement is reported, then exit
        try:
            os.write(report_fd, json.dumps({"refused": f"{type(e).__name__}: {e}"[:2000]}).encode() + b"\n")
        finally:
            os._exit(127)


def _limits(rlimits: dict[str, Any]) -> None:
    """Address space and file size capped with soft = hard, so model code cannot raise them again."""
    if rlimits.get("memory_bytes"):
        resource.setrlimit(resource.RLIMIT_AS, (rlimits["memory_bytes"], rlimits["memory_bytes"]))
    if rlimits.get("file_bytes"):
        resource.setrlimit(resource.RLIMIT_FSIZE, (rlimits["file_bytes"], rlimits["file_bytes"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


def _wait(pid: int, seconds: float, resident_bytes: int | None = None) -> dict[str, Any]:
    """Wait for the worker until the deadline, reaping orphans meanwhile; kill everything on overrun
    of the time, or of `resident_bytes` summed over every process below this one."""
    deadline = time.monotonic() + seconds
    pause = 0.002
    next_count = time.monotonic()
    while True:
        if resident_bytes and time.monotonic() >= next_count:
            next_count = time.monotonic() + RESIDENT_EVERY
            if resident_below() > resident_bytes:
                kill_descendants()
                return {"returncode": None, "timed_out": False, "memory_exceeded": True}
        try:
            done, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return {"returncode": None, "timed_out": False}
        if done == pid:
            code = os.waitstatus_to_exitcode(status)
            return {"returncode": code, "timed_out": False}
        if done:
            continue  # an orphan re-parented to us: reaped, look again at once
        if time.monotonic() > deadline:
            kill_descendants()
            return {"returncode": None, "timed_out": True}
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state) of every process this user can see."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: fields start after the last ')'
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1:
            found[int(entry.name)] = (int(fields[1]), fields[0])
    return found


def resident_below() -> int:
    """Bytes of resident memory of every live process below this one (each once)."""
    table = _processes()
    below, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {pid for pid, (parent, _) in table.items() if parent in frontier and pid not in below}
        below |= frontier
    total = 0
    for pid in below:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def children() -> list[int]:
    """Live processes whose parent is this process (zombies are reaped, not killed)."""
    me = os.getpid()
    return [pid for pid, (parent, state) in _processes().items() if parent == me and state != "Z"]


def kill_descendants() -> int:
    """SIGKILL every process below this one until none is left; returns how many were killed.

    Killing a process re-parents its children to us (we are their subreaper), so each round
    reaches one generation further; a process forking as fast as it can still runs out of rounds
    before we do, because every round kills all it forked so far."""
    killed = 0
    for _ in range(STRAY_ROUNDS):
        _reap()
        kids = children()
        if not kids:
            return killed
        for kid in kids:
            try:
                os.kill(kid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        time.sleep(0.005)
    return killed


def _reap() -> None:
    while True:
        try:
            done, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if not done:
            return


def _report(status: dict[str, Any]) -> int:
    sys.stdout.write(json.dumps(status) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
