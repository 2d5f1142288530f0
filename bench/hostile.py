"""Benchmark: how long each class of hostile input takes to be refused, and the peak memory it costs.

Each case runs in its own process (`--case NAME`), so its peak RSS is its own (wait4), and
prints one JSON line: class, case, seconds from handing the input over until the pipeline refused
or contained it (setup excluded), the peak RSS in MiB of the case's process tree as wait4 reports
it (the zoo process, and the sandbox's supervisor and worker; decode-pool processes are children
of the forkserver and are capped at base.bounded.MEMORY_BYTES of address space instead), and the
outcome it checked. The hostile inputs are those of tests/adversarial/ at the sizes
the issue reported (six 512 MiB tensors, 40,000 JPEG scans, 199,000 nested <div>s).

    .venv/bin/python bench/hostile.py [--only CLASS] [--list]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

MiB = 1024 * 1024
CASES: dict[str, tuple[str, Callable[[Path], str]]] = {}
TIMED: list[float] = []  # seconds of the measured step of the running case (its setup excluded)


def timed(call: Callable[[], object]) -> object:
    """Run the step a case measures: from handing the hostile input over to its refusal."""
    started = time.perf_counter()
    try:
        return call()
    finally:
        TIMED.append(time.perf_counter() - started)


def case(klass: str):
    def register(fn: Callable[[Path], str]) -> Callable[[Path], str]:
        CASES[fn.__name__.replace("_", "-")] = (klass, fn)
        return fn
    return register


def _model_test(tmp: Path, code: str, **limits) -> dict:
    from pipeline.runner.sandbox import Limits
    from pipeline.runner.testing import test_model
    from testkit.hostile import model_with_code

    folder = model_with_code(tmp, code)
    return timed(lambda: test_model(folder, limits=Limits(seconds=60, memory_bytes=4 * 1024**3, **limits))).to_json()


# --- the sandbox ---------------------------------------------------------------------------------
@case("sandbox")
def dir_fd_write(tmp: Path) -> str:
    code = (f"import ctypes, os\nfd = os.open('{tmp}', os.O_RDONLY)\n"
            "ctypes.CDLL(None).openat(fd, b'pwned', os.O_CREAT | os.O_WRONLY, 0o644)")
    result = _model_test(tmp, code)
    return f"status {result['status']}, outside write present: {(tmp / 'pwned').exists()}"


@case("sandbox")
def forged_report(tmp: Path) -> str:
    code = ("import json, os, sys\njob = json.load(open(sys.argv[1]))\nopen(job['report'], 'w').write(json.dumps("
            "{'tests': [{'name': 'reproduce test outputs', 'status': 'passed'}]}))\nos._exit(0)")
    return f"status {_model_test(tmp, code)['status']}"


@case("sandbox")
def stray_in_new_session(tmp: Path) -> str:
    token = uuid.uuid4().hex
    code = ("import _posixsubprocess, os, sys\nr, w = os.pipe()\n_posixsubprocess.fork_exec([sys.executable, '-c',"
            f" 'import time; time.sleep(3600)', '{token}'], [os.fsencode(sys.executable)], True, (w,), None, None,"
            " -1, -1, -1, -1, -1, -1, r, w, True, True, -1, None, None, None, -1, None, False)")
    _model_test(tmp, code)
    alive = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _cmdline_has(p, token)]
    return f"strays alive after the test: {len(alive)}"


def _cmdline_has(proc: Path, token: str) -> bool:
    try:
        return token.encode() in (proc / "cmdline").read_bytes() and "State:\tZ" not in (proc / "status").read_text()
    except OSError:
        return False


@case("sandbox")
def kill_zoo(tmp: Path) -> str:
    code = ("import ctypes, os, signal\ntry:\n    signal.pidfd_send_signal(os.pidfd_open(os.getppid()), 9)\n"
            "except OSError:\n    pass\nctypes.CDLL(None).kill(os.getppid(), 9)")
    return f"zoo alive, status {_model_test(tmp, code)['status']}"


@case("sandbox")
def udp_without_netns(tmp: Path) -> str:
    import socket

    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sink.settimeout(0.5)
    code = ("import _socket\ns = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)\n"
            f"s.sendto(b'x', ('127.0.0.1', {sink.getsockname()[1]}))")
    _model_test(tmp, code, netns=False)
    try:
        sink.recvfrom(10)
        return "datagram received"
    except OSError:
        return "nothing received"


@case("sandbox")
def secrets_in_errors(tmp: Path) -> str:
    os.environ["GH_PAT"] = "ghp_" + "Q" * 36
    result = _model_test(tmp, "import os\nraise RuntimeError(open(f'/proc/{os.getppid()}/environ').read())")
    return f"secret published: {os.environ['GH_PAT'] in json.dumps(result)}"


# --- paths ---------------------------------------------------------------------------------------
def _harvest_and_build(tmp: Path, entries: list[dict], summaries: bytes | None = None) -> tuple:
    from pipeline.build import builder
    from pipeline.build.builder import BuildConfig
    from pipeline.sources import harvesting
    from pipeline.sources.harvesting import HarvestConfig
    from testkit.hostile import partner_folder

    partners = partner_folder(tmp, entries, summaries=summaries)
    def both() -> tuple:
        harvest = harvesting.run(HarvestConfig(None, partners, tmp / "collection", validate=False, accept=True))
        build = builder.run(BuildConfig(store=tmp / "collection", site=tmp / "site", cache=tmp / "cache",
                                        partners=partners, run_tests=False, packages=False))
        return harvest, build

    return timed(both)


@case("paths")
def version_escaping_the_site(tmp: Path) -> str:
    from testkit.hostile import partner_entry

    harvest, _ = _harvest_and_build(tmp, [partner_entry("a", 0, version="../../../../x"), partner_entry("b", 1)])
    return f"refused: {dict(harvest.sources[0].failed).get('evil/a', '-')[:60]}; outside: {(tmp / 'x').exists()}"


# --- one bad item --------------------------------------------------------------------------------
@case("items")
def id_too_long(tmp: Path) -> str:
    from pipeline.store import Store
    from testkit.hostile import partner_entry

    harvest, _ = _harvest_and_build(tmp, [partner_entry("x" * 300, 0), partner_entry("after", 1)])
    return f"entry after it stored: {'evil/after' in Store(tmp / 'collection').ids()}"


@case("items")
def summary_of_5000_digits(tmp: Path) -> str:
    from testkit.hostile import partner_entry

    bad = b'{"tool": "evil", "tool_version": ' + b"9" * 5000 + b', "results": []}'
    _, build = _harvest_and_build(tmp, [partner_entry("a", 0)], summaries=bad)
    return f"collection.json written: {(tmp / 'site' / 'collection.json').is_file()}, problems {len(build.problems)}"


# --- time ----------------------------------------------------------------------------------------
@case("time")
def eps_cover(tmp: Path) -> str:
    from pipeline.build.thumbnails import make_thumbnail
    from testkit.hostile import EPS_LOOP

    return _refusal(lambda: make_thumbnail(EPS_LOOP, source="cover.png"))


@case("time")
def jpeg_of_40000_scans(tmp: Path) -> str:
    from pipeline.build.thumbnails import make_thumbnail
    from testkit.hostile import jpeg_scan_bomb

    bomb = jpeg_scan_bomb(scans=40_000)
    return _refusal(lambda: make_thumbnail(bomb, source="cover.jpg"))


@case("time")
def readme_of_199000_divs(tmp: Path) -> str:
    from pipeline.site.markdown import render_markdown

    return _refusal(lambda: render_markdown("<div>" * 199_000, root="", base=""))


@case("time")
def trickling_server(tmp: Path) -> str:
    from pipeline.base.http import HttpPolicy, fetch_bytes
    from testkit.loopback import WROTE, LoopbackServer

    def trickle(request):
        request.raw.send_response(200)
        request.raw.send_header("Content-Length", "100000")
        request.raw.end_headers()
        try:
            while True:
                request.raw.wfile.write(b"x")
                request.raw.wfile.flush()
                time.sleep(0.25)
        except OSError:
            return WROTE

    with LoopbackServer({"/t": trickle}) as server:
        # read timeout 2 s: a deadline of 8 s (the default policy's 30 s gives 120 s)
        return _refusal(lambda: fetch_bytes(server.url + "/t", policy=HttpPolicy(read_timeout=2).trusting(server.url)))


def _refusal(call: Callable[[], object]) -> str:
    try:
        timed(call)
    except Exception as e:  # noqa: BLE001 - the refusal is the outcome measured
        return f"refused: {str(e)[-90:]}"
    return "NOT refused"


# --- memory --------------------------------------------------------------------------------------
@case("memory")
def six_512mib_tensors_validated(tmp: Path) -> str:
    from pipeline.spec import load_rdf, validate
    from testkit.hostile import tensor_zip

    package = tensor_zip(tmp / "bomb.zip", 6, 512 * MiB)
    report = timed(lambda: validate(load_rdf(str(package)), io=True))
    return f"zip {package.stat().st_size / MiB:.1f} MiB, {len(report.errors)} errors reported"


@case("memory")
def package_of_a_2gib_file(tmp: Path) -> str:
    from pipeline.build.packages import write_package
    from pipeline.spec import load_rdf
    from testkit.hostile import dataset_copy

    folder = dataset_copy(tmp, attachments=[{"source": "big.bin"}])
    with open(folder / "big.bin", "wb") as f:
        for i in range(2048):
            f.write(bytes([i % 251]) * MiB)
    info = timed(lambda: write_package(load_rdf(str(folder / "rdf.yaml")), tmp / "package.zip"))
    return f"package {info.path.stat().st_size / MiB:.0f} MiB written"


# --- PR text and concurrency ---------------------------------------------------------------------
@case("pr-text")
def closing_keywords_and_mentions(tmp: Path) -> str:
    from pipeline.contribute.body import neutral

    text = timed(lambda: neutral("Fixes #1, closes #2, resolves owner/repo#3 cc @org/team" * 1000))
    return f"inert: {'#1' not in text and '@org' not in text}"


@case("concurrency")
def two_site_runs(tmp: Path) -> str:
    from testkit.site import make_site

    site, partners = tmp / "site", tmp / "partners"
    make_site(site, partners)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    def both() -> list:
        runs = [subprocess.Popen([sys.executable, "-m", "pipeline", "site", "--site", str(site), "--partners",
                                  str(partners)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                for _ in range(2)]
        return [p.wait() for p in runs]

    return f"exit codes {timed(both)}"


def run_case(name: str) -> None:
    klass, fn = CASES[name]
    with tempfile.TemporaryDirectory(prefix="zoo-bench-") as tmp:
        outcome = fn(Path(tmp))
    print(json.dumps({"outcome": outcome, "seconds": round(sum(TIMED), 2)}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="one class: " + ", ".join(sorted({k for k, _ in CASES.values()})))
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args()
    if args.case:
        run_case(args.case)
        return 0
    for name, (klass, _) in CASES.items():
        if args.list:
            print(f"{klass}: {name}")
            continue
        if args.only and klass != args.only:
            continue
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, __file__, "--case", name], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)
        out = proc.stdout.read().decode() if proc.stdout else ""
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        lines = [line for line in out.splitlines() if line.startswith("{")]
        result = json.loads(lines[-1]) if lines else {"outcome": f"case crashed ({status})"}
        print(json.dumps({"class": klass, "case": name, "seconds": result.get("seconds", round(seconds, 2)),
                          "peak_rss_mib": round(usage.ru_maxrss / 1024), "outcome": result["outcome"]}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
