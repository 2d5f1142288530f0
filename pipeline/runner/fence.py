"""In-process fences for model code: no writes outside allowed folders, no new processes.

Installed in the worker through a Python audit hook (PEP 578), which cannot be removed once
added. It stops Python-level attempts (open for writing, remove, rename, fork, subprocess, exec);
native code calling libc directly is not seen, so the process limits, the network namespace
and the wall-time kill of the whole process group stay the outer fences. Only the standard
library is imported: the worker runs in per-model environments.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Iterable

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
# event -> positions of the path arguments that the change would touch
_PATH_EVENTS = {
    "os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1), "os.replace": (0, 1),
    "os.symlink": (1,), "os.link": (0, 1), "os.chmod": (0,), "os.chown": (0,), "os.truncate": (0,),
    "os.utime": (0,), "shutil.rmtree": (0,), "os.mkfifo": (0,), "os.mknod": (0,),
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


def install(writable: Iterable[str | os.PathLike]) -> None:
    """From now on this process may write only below `writable` folders and may not start processes."""
    roots = tuple(sorted({os.path.realpath(p) for p in writable}))

    def allowed(path: Any) -> bool:
        if isinstance(path, int):  # an already open descriptor: it was checked when opened
            return True
        real = os.path.realpath(os.fsdecode(path))
        return real in _ALWAYS_WRITABLE or any(real == r or real.startswith(r + os.sep) for r in roots)

    def hook(event: str, args: tuple) -> None:
        if event == "open":
            if len(args) >= 3 and args[0] is not None and _writing(args[1], args[2]) and not allowed(args[0]):
                raise Fenced(f"model code may not write outside its folder: {os.fsdecode(args[0])}")
        elif event in _PATH_EVENTS:
            for i in _PATH_EVENTS[event]:
                if i < len(args) and args[i] is not None and not allowed(args[i]):
                    raise Fenced(f"model code may not change files outside its folder: {event} "
                                 f"{os.fsdecode(args[i])}")
        elif event in _PROCESS_EVENTS:
            raise Fenced(f"model code may not start or signal processes ({event})")

    sys.addaudithook(hook)
