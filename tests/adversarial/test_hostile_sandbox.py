"""Model code trying to get out of the sandbox: each attempt must leave the host, `zoo test` and
the verdict untouched. Several attempts go through native calls (ctypes), which the audit-hook
fence cannot see, so what they prove is that the kernel layers (seccomp, Landlock, the
supervisor's reaper) hold; the network cases run without a network namespace, as on a runner
that restricts user namespaces."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from pipeline.runner.sandbox import REPO_ROOT, Limits
from pipeline.runner.testing import test_model

from testkit.hostile import model_with_code

GiB = 1024**3
QUICK = Limits(seconds=60, memory_bytes=4 * GiB)
NO_NETNS = Limits(seconds=60, memory_bytes=4 * GiB, netns=False)
LIBC = "import ctypes, os, sys\nlibc = ctypes.CDLL(None, use_errno=True)\n"
ZOO = ("import os\nstat = open(f'/proc/{os.getppid()}/stat').read()\n"  # the supervisor's parent: zoo
       "zoo = int(stat[stat.rfind(')') + 2:].split()[1])\n")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def _run(tmp_path: Path, code: str, limits: Limits = QUICK) -> dict:
    return test_model(model_with_code(tmp_path, code), limits=limits).to_json()


def _text(result: dict) -> str:
    return " | ".join(f"{t.get('error')} {t.get('traceback') or ''} {' '.join(t.get('warnings') or [])}"
                      for t in result["tests"])


# --- writes outside the job's folders -------------------------------------------------------------
WRITES = [
    ("dir-fd-open", "import os\nfd = os.open('{tmp}', os.O_RDONLY)\n"
                    "os.close(os.open('pwned', os.O_CREAT | os.O_WRONLY, dir_fd=fd))"),
    ("dir-fd-directory-flag", "import os\nfd = os.open('{tmp}', os.O_RDONLY | os.O_DIRECTORY)\n"
                              "os.mkdir('pwned', dir_fd=fd)"),
    ("dir-fd-o-path", "import os\nfd = os.open('{tmp}', os.O_PATH)\nos.symlink('/etc/passwd', 'pwned', dir_fd=fd)"),
    ("opener", "import os\nfd = os.open('{tmp}', os.O_RDONLY)\n"
               "open('pwned', 'w', opener=lambda p, f: os.open(p, f, dir_fd=fd)).write('x')"),
    ("posix-module", "import posix\nposix.close(posix.open('{tmp}/pwned', posix.O_CREAT | posix.O_WRONLY))"),
    ("proc-self-root", "import os\nfd = os.open('/proc/self/root', os.O_RDONLY)\n"
                       "os.close(os.open('{tmp_rel}/pwned', os.O_CREAT | os.O_WRONLY, dir_fd=fd))"),
    ("libc-openat", LIBC + "fd = libc.open(b'{tmp}', 0)\n"
                           "libc.openat(fd, b'pwned', os.O_CREAT | os.O_WRONLY, 0o644)"),
    ("libc-open", LIBC + "libc.open(b'{tmp}/pwned', os.O_CREAT | os.O_WRONLY, 0o644)"),
    ("libc-rename-victim", LIBC + "libc.rename(b'{tmp}/victim.txt', b'{tmp}/pwned')"),
    ("libc-unlink-victim", LIBC + "libc.unlink(b'{tmp}/victim.txt')\nlibc.symlink(b'/etc/passwd', b'{tmp}/pwned')"),
    ("libc-truncate-victim", LIBC + "libc.truncate(b'{tmp}/victim.txt', 0)"),
    ("overwrite-expected-outputs", LIBC + "import glob\n"
                                          "for p in glob.glob('/tmp/zoo-model-*/**/*.npy', recursive=True):\n"
                                          "    libc.truncate(p.encode(), 0)\n"
                                          "libc.open(b'{tmp}/pwned', os.O_CREAT | os.O_WRONLY, 0o644)"),
]


@pytest.mark.parametrize("code", [c[1] for c in WRITES], ids=[c[0] for c in WRITES])
def test_no_write_reaches_outside_the_job(tmp_path, code):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    result = _run(tmp_path, code.format(tmp=tmp_path, tmp_rel=str(tmp_path).lstrip("/")))
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned").is_symlink()
    assert victim.read_text() == "keep me"
    # the native attempts fail quietly and the model then reproduces its outputs; Python-level ones stop it
    assert result["status"] in ("passed", "failed")


# --- processes that try to outlive the test ---------------------------------------------------------
def _live_with(token: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if token.encode() in (entry / "cmdline").read_bytes() and "State:\tZ" not in (entry / "status").read_text():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


SLEEPER = "[sys.executable, '-c', 'import time; time.sleep(3600)', '{token}']"
STRAYS = [
    ("posixsubprocess-new-session",
     "import _posixsubprocess, os, sys\nr, w = os.pipe()\n"
     f"_posixsubprocess.fork_exec({SLEEPER}, [os.fsencode(sys.executable)], True, (w,), None, None,"
     " -1, -1, -1, -1, -1, -1, r, w, True, True, -1, None, None, None, -1, None, False)"),
    ("libc-fork-setsid-double-fork",
     LIBC + f"argv = {SLEEPER}\n"
            "if libc.fork() == 0:\n    libc.setsid()\n    if libc.fork() == 0:\n"
            "        os.execv(sys.executable, argv)\n    os._exit(0)"),
    ("fork-bomb-of-sleepers",
     LIBC + f"argv = {SLEEPER}\n"
            "for _ in range(20):\n    if libc.fork() == 0:\n        libc.setsid()\n"
            "        os.execv(sys.executable, argv)"),
]


@pytest.mark.parametrize("code", [c[1] for c in STRAYS], ids=[c[0] for c in STRAYS])
def test_no_process_outlives_the_test(tmp_path, code):
    token = f"zoo-stray-{uuid.uuid4().hex}"
    started = time.monotonic()
    _run(tmp_path, code.format(token=token))
    assert time.monotonic() - started < 60  # the worker ended on its own; the strays did not hold it
    deadline = time.monotonic() + 5
    while _live_with(token) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _live_with(token) == []


def test_a_process_forked_before_the_time_limit_dies_with_it(tmp_path):
    token = f"zoo-stray-{uuid.uuid4().hex}"
    code = LIBC + f"if libc.fork() == 0:\n    libc.setsid()\n    os.execv(sys.executable, {SLEEPER})\n" \
                  "import time\ntime.sleep(3600)"
    result = _run(tmp_path, code.format(token=token), Limits(seconds=6, memory_bytes=4 * GiB))
    assert "timed out after 6 s" in _text(result)
    assert _live_with(token) == []


# --- signals to zoo, the supervisor or anything else --------------------------------------------------
SIGNALS = [
    ("pidfd-kill-parent", "import os, signal\ntry:\n"
                          "    signal.pidfd_send_signal(os.pidfd_open(os.getppid()), signal.SIGKILL)\n"
                          "except OSError:\n    pass"),
    ("libc-kill-parent", LIBC + "libc.kill(os.getppid(), 9)"),
    ("raw-syscall-kill-parent", LIBC + "libc.syscall(62, os.getppid(), 9)"),
    ("libc-kill-own-group", LIBC + "libc.kill(0, 9)"),
    ("signal-zoo", LIBC + "stat = open(f'/proc/{os.getppid()}/stat').read()\n"
                          "zoo = int(stat[stat.rfind(')') + 2:].split()[1])\n"
                          "libc.kill(zoo, 10)\nlibc.syscall(62, zoo, 10)\nlibc.tgkill(zoo, zoo, 10)"),
    ("ptrace-zoo", LIBC + "stat = open(f'/proc/{os.getppid()}/stat').read()\n"
                          "zoo = int(stat[stat.rfind(')') + 2:].split()[1])\n"
                          "assert libc.ptrace(16, zoo, 0, 0) == -1, 'attached'"),
    ("probe-every-process", LIBC + "assert libc.kill(-1, 0) == -1, 'could signal every process'"),
    ("sigio-owner-zoo", ZOO + "import fcntl, signal\nr, w = os.pipe()\ntry:\n"
                              "    fcntl.fcntl(r, fcntl.F_SETOWN, zoo)\n    fcntl.fcntl(r, 10, signal.SIGUSR1)\n"
                              "    fcntl.fcntl(r, fcntl.F_SETFL, fcntl.fcntl(r, fcntl.F_GETFL) | os.O_ASYNC)\n"
                              "    os.write(w, b'x')\nexcept OSError:\n    pass"),
    ("sigio-owner-ex-zoo", ZOO + "import fcntl, signal, struct\nr, w = os.pipe()\ntry:\n"
                                 "    fcntl.fcntl(r, 15, struct.pack('ii', 0, zoo))\n"
                                 "    fcntl.fcntl(r, 10, signal.SIGUSR1)\n"
                                 "    fcntl.fcntl(r, fcntl.F_SETFL, fcntl.fcntl(r, fcntl.F_GETFL) | os.O_ASYNC)\n"
                                 "    os.write(w, b'x')\nexcept OSError:\n    pass"),
    ("prlimit-zoo", ZOO + "import resource\ntry:\n    resource.prlimit(zoo, resource.RLIMIT_NOFILE)\n"
                          "    raise SystemExit('prlimit on zoo allowed')\nexcept PermissionError:\n    pass"),
    ("renice-zoo-and-user", ZOO + "for which, who in ((os.PRIO_PROCESS, zoo), (os.PRIO_USER, os.getuid()), "
                                  "(os.PRIO_PGRP, 0)):\n    try:\n        prio = os.getpriority(which, who)\n"
                                  "    except OSError:\n        continue\n    try:\n"
                                  "        os.setpriority(which, who, prio)\n"
                                  "        raise SystemExit(f'setpriority {which} allowed')\n"
                                  "    except PermissionError:\n        pass"),
    ("affinity-of-zoo", ZOO + "try:\n    os.sched_setaffinity(zoo, os.sched_getaffinity(zoo))\n"
                              "    raise SystemExit('affinity of zoo set')\nexcept PermissionError:\n    pass"),
    ("io-uring", LIBC + "params = ctypes.create_string_buffer(120)\n"
                        "assert libc.syscall(425, 8, params) == -1, 'io_uring set up'"),
]


@pytest.mark.parametrize("code", [c[1] for c in SIGNALS], ids=[c[0] for c in SIGNALS])
def test_model_code_cannot_signal_zoo_or_its_supervisor(tmp_path, code):
    received = []
    previous = signal.signal(signal.SIGUSR1, lambda *a: received.append(a))
    try:
        result = _run(tmp_path, code)
    finally:
        signal.signal(signal.SIGUSR1, previous)
    # the supervisor survived to report, and the model, whose attempts all failed, reproduced its outputs
    assert result["status"] == "passed", _text(result)[:2000]
    assert received == []


# --- a verdict the model writes itself -------------------------------------------------------------------
FORGERIES = [
    ("report-passed-and-exit",
     "import json, os, sys\njob = json.load(open(sys.argv[1]))\n"
     "open(job['report'], 'w').write(json.dumps({'tests': [{'name': 'reproduce test outputs', 'status': 'passed'},"
     " {'name': 'run at parameterized sizes and batch sizes', 'status': 'passed'}], 'env': {}}))\nos._exit(0)",
     "wrote no result"),
    ("outputs-of-zeros",
     "import json, os, sys, numpy as np\njob = json.load(open(sys.argv[1]))\n"
     "np.save(os.path.join(job['outputs_dir'], '0.npy'), np.zeros((1, 2, 56, 56), np.float32))\n"
     "open(job['report'], 'w').write(json.dumps({'tests': [{'name': 'reproduce test outputs', 'status': 'passed'}]}))"
     "\nos._exit(0)", "differ by more than"),
    ("outputs-that-are-pickles",
     "import json, os, sys, numpy as np\njob = json.load(open(sys.argv[1]))\n"
     "np.save(os.path.join(job['outputs_dir'], '0.npy'), np.array([{'a': 1}], dtype=object), allow_pickle=True)\n"
     "open(job['report'], 'w').write(json.dumps({'tests': [{'name': 'reproduce test outputs', 'status': 'passed'}]}))"
     "\nos._exit(0)", "without pickle"),
    ("output-header-claiming-terabytes",
     "import json, os, sys\nfrom numpy.lib import format as f\njob = json.load(open(sys.argv[1]))\n"
     "with open(os.path.join(job['outputs_dir'], '0.npy'), 'wb') as out:\n"
     "    f.write_array_header_1_0(out, {'descr': '<f4', 'fortran_order': False, 'shape': (10**6, 10**6)})\n"
     "open(job['report'], 'w').write(json.dumps({'tests': [{'name': 'reproduce test outputs', 'status': 'passed'}]}))"
     "\nos._exit(0)", "more than the limit"),
    ("expected-outputs-are-not-in-the-job",
     "import json, sys\njob = json.load(open(sys.argv[1]))\nassert 'test_outputs' not in job, 'leaked'\n"
     "assert not any('test_output' in str(v) for v in job.get('files', {}).values()), 'leaked'\n"
     "raise RuntimeError('nothing to copy')", "nothing to copy"),
    ("a-thousand-made-up-checks",
     "import json, os, sys\njob = json.load(open(sys.argv[1]))\n"
     "open(job['report'], 'w').write(json.dumps({'tests': [{'name': f'check {i}', 'status': 'passed'}"
     " for i in range(1000)]}))\nos._exit(0)", "reported no run on the test inputs"),
]


@pytest.mark.parametrize("code, fragment", [c[1:] for c in FORGERIES], ids=[c[0] for c in FORGERIES])
def test_a_forged_result_never_passes(tmp_path, code, fragment):
    result = _run(tmp_path, code)
    assert result["status"] == "failed"
    assert fragment in _text(result), _text(result)[:2000]
    assert len(result["tests"]) <= 3  # made-up checks are dropped


# --- the network, where user namespaces are not available ---------------------------------------------
class Listeners:
    """A TCP, a UDP and a UNIX-socket listener on this host; `heard` holds whatever reached them."""

    def __init__(self, folder: Path):
        self.heard: list[str] = []
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.unix_path = str(folder / "s.sock")
        self.unix = socket.socket(socket.AF_UNIX)
        self.unix.bind(self.unix_path)
        self.unix.listen()
        for sock in (self.tcp, self.udp, self.unix):
            sock.settimeout(0.2)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            for name, sock in (("tcp", self.tcp), ("unix", self.unix)):
                try:
                    sock.accept()
                    self.heard.append(name)
                except OSError:
                    pass
            try:
                self.udp.recvfrom(100)
                self.heard.append("udp")
            except OSError:
                pass

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        for sock in (self.tcp, self.udp, self.unix):
            sock.close()


NETWORK = [
    ("raw-socket-connect", "import _socket\ns = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)\n"
                           "s.connect(('127.0.0.1', {tcp}))"),
    ("raw-udp-sendto", "import _socket\ns = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)\n"
                       "s.sendto(b'x', ('127.0.0.1', {udp}))"),
    ("socket-from-fileno", "import socket, _socket\nfd = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM).detach()\n"
                           "socket.socket(fileno=fd).sendto(b'x', ('127.0.0.1', {udp}))"),
    ("libc-socket-udp", LIBC + "import socket, struct\nfd = libc.socket(2, 2, 0)\n"
                               "sa = struct.pack('<H', 2) + struct.pack('!H', {udp}) + socket.inet_aton('127.0.0.1')\n"
                               "assert fd < 0 or libc.sendto(fd, b'x', 1, 0, sa + bytes(8), 16) < 0, 'sent'"),
    ("unix-socket-to-a-daemon", "import _socket\ns = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)\n"
                                "s.connect('{unix}')"),
    ("ipv6-loopback", "import _socket\ns = _socket.socket(_socket.AF_INET6, _socket.SOCK_DGRAM)\n"
                      "s.sendto(b'x', ('::1', {udp}))"),
]


@pytest.mark.parametrize("netns", [False, True], ids=["seccomp-only", "with-netns"])
@pytest.mark.parametrize("code", [c[1] for c in NETWORK], ids=[c[0] for c in NETWORK])
def test_no_packet_leaves_the_sandbox(tmp_path, code, netns):
    listeners = Listeners(tmp_path)
    try:
        code = code.format(tcp=listeners.tcp.getsockname()[1], udp=listeners.udp.getsockname()[1],
                           unix=listeners.unix_path)
        result = _run(tmp_path, code, NO_NETNS if not netns else QUICK)
        time.sleep(0.3)
    finally:
        listeners.close()
    assert listeners.heard == []
    assert "sent" not in _text(result).split()


# --- secrets ---------------------------------------------------------------------------------------------
SECRETS = {
    "GH_PAT": "ghp_" + "A1b2C3d4" * 5,
    "TWINE_PASSWORD": "pypi-AgEIcHlwaS5vcmcCJDEyMzQ1Njc4OTAtYWJjZGVm",
    "DOCKER_AUTH_CONFIG": '{"auths": {"registry.example": {"auth": "dXNlcjpzM2NyM3QtdzByZA=="}}}',
    "github_token": "lower-case-secret-value-1234",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "DEPLOY_KEY": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n-----END OPENSSH PRIVATE KEY-----",
}
EXFILTRATE = [
    ("own-environment", "import os\nraise RuntimeError(repr(dict(os.environ)))"),
    ("ancestors-environment",
     "import os\nleaks = []\npid = os.getpid()\nfor _ in range(4):\n"
     "    stat = open(f'/proc/{pid}/stat').read()\n    pid = int(stat[stat.rfind(')') + 2:].split()[1])\n"
     "    try:\n        leaks.append(open(f'/proc/{pid}/environ', 'rb').read().decode(errors='replace'))\n"
     "    except OSError:\n        pass\nraise RuntimeError(' '.join(leaks))"),
    ("forged-report-quoting-zoo-environment",
     "import json, os, sys\nstat = open(f'/proc/{os.getppid()}/stat').read()\n"
     "zoo = int(stat[stat.rfind(')') + 2:].split()[1])\n"
     "leak = open(f'/proc/{zoo}/environ', 'rb').read().decode(errors='replace')\njob = json.load(open(sys.argv[1]))\n"
     "open(job['report'], 'w').write(json.dumps({'tests': [{'name': 'reproduce test outputs', 'status': 'failed',"
     " 'error': leak, 'traceback': leak, 'warnings': [leak], 'tool_version': leak}], 'env': {'leak': leak}}))\n"
     "os._exit(0)"),
]


@pytest.mark.parametrize("code", [c[1] for c in EXFILTRATE], ids=[c[0] for c in EXFILTRATE])
def test_secrets_never_reach_model_code_nor_published_text(tmp_path, monkeypatch, code):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    result = _run(tmp_path, code)
    published = repr(result)
    for name, value in SECRETS.items():
        assert value not in published, name
    assert "auths" not in published or "dXNlcjpzM2NyM3QtdzByZA==" not in published


def test_model_code_sees_only_the_allowed_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SOME_UNLISTED_SETTING", "visible?")
    result = _run(tmp_path, "import os\nraise RuntimeError('ENV ' + ' '.join(sorted(os.environ)))")
    names = set(_text(result).split("ENV ", 1)[1].split("|")[0].split())
    assert "SOME_UNLISTED_SETTING" not in names and not names & set(SECRETS)
    assert {"HOME", "TMPDIR", "PATH"} <= names


def test_a_host_without_seccomp_refuses_the_test_with_a_reason(tmp_path):
    """The supervisor finds no libseccomp (a stand-in module fails to load as the real one would):
    it must refuse, and the worker command must never start."""
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "pyseccomp.py").write_text("raise OSError('libseccomp.so.2: cannot open shared object file')\n")
    marker = tmp_path / "ran"
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"argv": ["/bin/sh", "-c", f"touch {marker}"], "cwd": str(tmp_path), "env": {},
                                "stdout": str(tmp_path / "out"), "stderr": str(tmp_path / "err"), "seconds": 10,
                                "writable": [str(tmp_path)]}))
    env = {**os.environ, "PYTHONPATH": f"{fake}{os.pathsep}{REPO_ROOT}"}
    done = subprocess.run([sys.executable, "-m", "pipeline.runner.supervisor", str(spec)], env=env,
                          capture_output=True, timeout=60)
    status = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert "seccomp is unavailable" in status["refused"] and "libseccomp" in status["refused"]
    assert not marker.exists()
