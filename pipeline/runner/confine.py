"""Kernel confinement of the process that will run model code, applied just before it execs.

Three layers, each independent of the others and of user namespaces where it can be:
- seccomp (libseccomp through pyseccomp), required: no socket can be created (socketpair stays,
  it reaches nothing, and io_uring, which would bypass the filter, is refused), no signal, pidfd or
  fd owner (SIGIO) reaches any process but the model's own, no ptrace, cross-process memory
  access, or changes to another process's limits, priority or CPUs, no keyrings, mounts or
  namespace changes. Without it a test is
  refused: it is what keeps the network and the supervisor out of reach where user namespaces
  are restricted (most hosted CI runners).
- Landlock, where the kernel has it: writes (create, write, truncate, remove, rename, link)
  only beneath the job's writable folders and to a few harmless devices.
- a fresh user + network namespace, where the kernel allows unprivileged ones: no interface
  but a down loopback, a second network fence behind seccomp.

Runs only in the supervisor (our own interpreter), never in the per-model environment; the
filters are inherited across exec and cannot be removed by the code that runs under them.
"""

from __future__ import annotations

import ctypes
import errno
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
PR_SET_NO_NEW_PRIVS = 38
# signals and pidfds may only target the model's own process; everything here is refused outright
SELF_ONLY = ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_open")
REFUSED = ("tkill", "pidfd_send_signal", "pidfd_getfd", "ptrace", "process_vm_readv", "process_vm_writev",
           "process_madvise", "process_mrelease", "kcmp", "perf_event_open", "keyctl", "add_key",
           "request_key", "bpf", "userfaultfd", "mount", "umount2", "pivot_root", "chroot", "setns",
           "unshare", "open_by_handle_at", "fsopen", "fsmount", "move_mount",
           # io_uring performs socket, connect and other calls without passing through this filter
           "io_uring_setup", "io_uring_enter", "io_uring_register")
# calls that act on another process when their first argument is a pid: only 0 (the caller) passes,
# so model code can neither lower zoo's limits, priority or CPUs nor move its memory
OWN_WHEN_ZERO = ("prlimit64", "sched_setaffinity", "sched_setscheduler", "sched_setparam", "sched_setattr",
                 "migrate_pages", "move_pages")
# (syscall, the "which" value meaning "a process" (whose pid follows), for calls that can also name a
# whole process group or user
PRIORITY = (("setpriority", 0), ("ioprio_set", 1))
F_SETOWN, F_SETOWN_EX = 8, 15
FIOSETOWN, SIOCSPGRP = 0x8901, 0x8902
# devices model code and frameworks legitimately open for writing (GPUs included)
WRITABLE_DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
WRITABLE_DEVICE_PREFIXES = ("nvidia", "dri", "kfd")


class Unconfinable(RuntimeError):
    """The required layer (seccomp) cannot be set up on this host."""


@dataclass(frozen=True)
class Plan:
    """What to apply: the folders model code may write below, and whether to try a network namespace."""

    writable: tuple[str, ...]
    netns: bool = True


def check_available() -> None:
    """Raise Unconfinable with the reason when seccomp cannot be used here."""
    try:
        import pyseccomp

        pyseccomp.SyscallFilter(pyseccomp.ALLOW)
    except Exception as e:  # a missing libseccomp raises at import, an old kernel on creation
        raise Unconfinable(f"seccomp is unavailable ({type(e).__name__}: {e}); install libseccomp2 on a "
                           "Linux host") from None


def apply(plan: Plan) -> list[str]:
    """Confine the calling (single-threaded, just forked) process; returns the layers applied."""
    layers = []
    if plan.netns and _unshare_network():
        layers.append("network namespace")
    _no_new_privs()
    if _landlock(plan.writable):
        layers.append("landlock")
    _seccomp(os.getpid())
    layers.append("seccomp")
    return layers


def _unshare_network() -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    # one call: the new user namespace grants the right to make the network namespace; no uid map is
    # written, so file access keeps being checked against the real user
    return libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0


def _no_new_privs() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise Unconfinable(f"prctl(PR_SET_NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}")


def _landlock(writable: Sequence[str]) -> bool:
    try:
        from landlock import FSAccess, Ruleset
        from landlock.plumbing import landlock_abi_version

        if landlock_abi_version() < 1:
            return False
    except Exception:  # no Landlock in this kernel: the audit-hook fence stays the file fence
        return False
    reading = FSAccess.READ_FILE | FSAccess.READ_DIR | FSAccess.EXECUTE
    writing = FSAccess.all() & ~reading
    if hasattr(FSAccess, "IOCTL_DEV"):
        writing &= ~FSAccess.IOCTL_DEV  # GPU drivers talk through ioctls on their devices
    try:
        rules = Ruleset(restrict_rules=writing)
        for folder in writable:
            rules.allow(folder)
        for device in _devices():
            rules.allow(device, rules=FSAccess.WRITE_FILE | (writing & FSAccess.TRUNCATE))
        rules.apply()
    except Exception:
        return False
    return True


def _devices() -> list[str]:
    found = [d for d in WRITABLE_DEVICES if os.path.exists(d)]
    try:
        found += [str(p) for p in Path("/dev").iterdir() if p.name.startswith(WRITABLE_DEVICE_PREFIXES)
                  and not p.is_dir()]
    except OSError:
        pass
    return found


def _add(rules, action, name: str, *args) -> None:
    try:
        rules.add_rule(action, name, *args)
    except (OSError, ValueError, RuntimeError):
        pass  # a syscall this architecture does not have


def _seccomp(own_pid: int) -> None:
    try:
        import pyseccomp as sc

        rules = sc.SyscallFilter(sc.ALLOW)
        rules.add_rule(sc.ERRNO(errno.EACCES), "socket")
        for name in SELF_ONLY:
            rules.add_rule(sc.ERRNO(errno.EPERM), name, sc.Arg(0, sc.NE, own_pid))
        refuse = sc.ERRNO(errno.EPERM)
        for name in REFUSED:
            _add(rules, refuse, name)
        for name in OWN_WHEN_ZERO:
            _add(rules, refuse, name, sc.Arg(0, sc.NE, 0))
        for name, process in PRIORITY:
            _add(rules, refuse, name, sc.Arg(0, sc.NE, process))
            _add(rules, refuse, name, sc.Arg(1, sc.NE, 0))
        # an fd's owner receives SIGIO/SIGURG (or the signal F_SETSIG names) on activity: a signal to
        # zoo by another road, so the owner may only be the model's own process
        _add(rules, refuse, "fcntl", sc.Arg(1, sc.EQ, F_SETOWN), sc.Arg(2, sc.NE, own_pid))
        _add(rules, refuse, "fcntl", sc.Arg(1, sc.EQ, F_SETOWN_EX))
        for request in (FIOSETOWN, SIOCSPGRP):
            _add(rules, refuse, "ioctl", sc.Arg(1, sc.EQ, request))
        rules.load()
    except Exception as e:
        raise Unconfinable(f"seccomp filter could not be loaded ({type(e).__name__}: {e})") from None
