"""In-process fence for model code: no writes outside allowed folders, no new processes.

Installed in the worker through a Python audit hook (PEP 578), which cannot be removed once
added. It stops Python-level attempts (open for writing, remove, rename, link, fork,
subprocess, exec, signals) with a clear message. It is the inner fence only: native code is not
seen, so the kernel layers applied before the worker started (seccomp, Landlock, rlimits, the
supervisor's reaper; see confine.py) are the ones that hold. Names relative to a directory
descriptor are resolved against that descriptor, not the current directory; `open` events do
not say which descriptor they were relative to, so the fence refuses what it cannot resolve: a
relative name written through `os.open`, and any descriptor of a directory outside the allowed
folders. Only the standard library is imported: the worker runs in per-model environments.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Iterable

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_DIRECTORY_FLAGS = getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_PATH", 0)
# event -> (position of a path the change would touch, position of its dir_fd or None)
_PATH_EVENTS: dict[str, tuple[tuple[int, int | None], ...]] = {
    "os.remove": ((0, 1),), "os.rmdir": ((0, 1),), "os.mkdir": ((0, 2),), "os.rename": ((0, 2), (1, 3)),
    "os.replace": ((0, 2), (1, 3)), "os.symlink": ((1, 2),), "os.link": ((0, 2), (1, 3)),
    "os.chmod": ((0, 2),), "os.chown": ((0, 3),), "os.truncate": ((0, None),), "os.utime": ((0, 3),),
    "shutil.rmtree": ((0, 1),), "os.mkfifo": ((0, 2),), "os.mknod": ((0, 3),),
}
_PROCESS_EVENTS = frozenset({"os.fork", "os.forkpty", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                             "subprocess.Popen", "pty.spawn", "os.kill", "os.killpg", "signal.pthread_kill"})
_ALWAYS_WRITABLE = ("/dev/null",)


class Fenced(PermissionError):
    """Model code tried something the test sandbox does not allow."""


def _writing(mode: Any, flags: Any) -> bool:
    if isinstance(mode, str) and any(c in mode for c in "wax+"):
        return True
    return isinstance(flags, int) and bool(flags & _WRITE_FLAGS)


def _resolve(path: Any, dir_fd: Any) -> str | None:
    """The real path `path` names, relative to `dir_fd` when one is given; None when unknowable."""
    name = os.fsdecode(path)
    if not os.path.isabs(name) and isinstance(dir_fd, int) and dir_fd >= 0:
        try:
            base = os.readlink(f"/proc/self/fd/{dir_fd}")
        except OSError:
            return None
        name = os.path.join(base, name)
    return os.path.realpath(name)


def install(writable: Iterable[str | os.PathLike]) -> None:
    """From now on this process may write only below `writable` folders and may not start processes."""
    roots = tuple(sorted({os.path.realpath(p) for p in writable}))

    def inside(real: str | None) -> bool:
        return real is not None and (real in _ALWAYS_WRITABLE or
                                     any(real == r or real.startswith(r + os.sep) for r in roots))

    def check_open(args: tuple) -> None:
        path, mode, flags = args[0], args[1], args[2]
        if path is None or isinstance(path, int):  # an already open descriptor: checked when it was opened
            return
        name = os.fsdecode(path)
        if _writing(mode, flags):
            if mode is None and not os.path.isabs(name):
                raise Fenced(f"model code may not write through os.open with a relative name: {name} "
                             "(it may be relative to any directory descriptor); use an absolute path")
            if not inside(_resolve(path, None)):
                raise Fenced(f"model code may not write outside its folder: {name}")
        elif mode is None and (isinstance(flags, int) and flags & _DIRECTORY_FLAGS or os.path.isdir(name)) \
                and not inside(_resolve(path, None)):
            raise Fenced(f"model code may not hold a descriptor of a folder outside its own: {name}")

    def hook(event: str, args: tuple) -> None:
        if event == "open":
            if len(args) >= 3:
                check_open(args)
        elif event in _PATH_EVENTS:
            for at, fd_at in _PATH_EVENTS[event]:
                if at >= len(args) or args[at] is None or isinstance(args[at], int):
                    continue
                dir_fd = args[fd_at] if fd_at is not None and fd_at < len(args) else None
                if not inside(_resolve(args[at], dir_fd)):
                    raise Fenced(f"model code may not change files outside its folder: {event} "
                                 f"{os.fsdecode(args[at])}")
        elif event in _PROCESS_EVENTS:
            raise Fenced(f"model code may not start or signal processes ({event})")

    sys.addaudithook(hook)
