"""Differential harness: our format validation against the reference's, on real and mutated RDFs.

The reference (bioimageio.spec 0.5.14.3, `load_description(path, perform_io_checks=False)`) is
installed into its own cached virtual environment under $ZOO_ORACLE_CACHE (default
<repo>/.cache/oracles), never into .venv, and runs in a subprocess (bench/spec_oracle_worker.py);
its verdicts are cached by file content. Sets:

  real       ../shared/real-zoo/rdfs (skipped when that folder is absent)
  fixtures   tests/spec/fixtures (valid, invalid and real-shaped RDFs)
  examples   examples/ (the embedded default's RDFs)
  mutations  N seeded mutations (default 2,500) of the valid RDFs of `real` and of the real-shaped fixtures
  extra      every RDF under --extra DIR (e.g. RDFs written by other tools)

For each set it prints n, agreement, we-reject-valid and we-accept-invalid, how often our errors
name the reference's field where both fail, and every disagreement grouped by cause. `--speed`
times one whole `zoo validate --json --no-io` process on the real set against one reference
process (imports included) and prints the ratio.

    .venv/bin/python bench/spec_oracle.py [--sets real,fixtures,examples,mutations] [--mutations N]
        [--seed S] [--extra DIR] [--speed] [--json] [--show N]
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.spec_mutations import mutate
from pipeline.spec import yamlio
from pipeline.spec.load import is_rdf_name
from pipeline.spec.validator import validate
from tests.testkit.reference_locs import same_field

PIN = "bioimageio.spec==0.5.14.3"
VENV_NAME = "spec-0.5.14.3"
SHARED = REPO.parent / "shared" / "real-zoo"
WORKER = Path(__file__).with_name("spec_oracle_worker.py")


def cache_dir() -> Path:
    """The oracle cache: $ZOO_ORACLE_CACHE or <repo>/.cache/oracles."""
    return Path(os.environ.get("ZOO_ORACLE_CACHE") or REPO / ".cache" / "oracles")


def oracle_python() -> Path:
    """The reference's own interpreter, installing it on first use."""
    venv = cache_dir() / VENV_NAME
    python = venv / "bin" / "python"
    if not python.exists():
        venv.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        subprocess.run([str(python), "-m", "pip", "install", "-q", PIN], check=True, timeout=1800)
    return python


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def reference_verdicts(paths: list[Path]) -> dict[Path, dict]:
    """The reference's verdict per path (cached by content in the oracle cache)."""
    store = cache_dir() / f"{VENV_NAME}-verdicts.json"
    cached = json.loads(store.read_text()) if store.exists() else {}
    digests = {p: _digest(p) for p in paths}
    todo = [p for p in paths if digests[p] not in cached]
    if todo:
        env = dict(os.environ, BIOIMAGEIO_CACHE_PATH=str(cache_dir() / "bioimageio-cache"))
        for start in range(0, len(todo), 500):
            chunk = todo[start:start + 500]
            result = subprocess.run([str(oracle_python()), str(WORKER)], input="\n".join(map(str, chunk)) + "\n",
                                    capture_output=True, text=True, env=env, timeout=3600)
            by_path = {}
            for line in result.stdout.splitlines():
                item = json.loads(line)
                if "path" in item:
                    by_path[item["path"]] = item
            for path in chunk:
                verdict = by_path.get(str(path))
                if verdict is None:
                    raise SystemExit(f"the reference gave no verdict for {path}:\n{result.stderr[-2000:]}")
                cached[digests[path]] = {k: v for k, v in verdict.items() if k != "path"}
        store.write_text(json.dumps(cached))
    return {p: cached[digests[p]] for p in paths}


# ---- sets -------------------------------------------------------------------------------------

def real_set() -> list[Path]:
    return sorted((SHARED / "rdfs").rglob("rdf.yaml")) if SHARED.is_dir() else []


def fixture_set() -> list[Path]:
    base = REPO / "tests" / "spec" / "fixtures"
    return sorted([*(base / "invalid").glob("*.yaml"), *(p for p in base.rglob("*.yaml") if is_rdf_name(p.name))])


def example_set() -> list[Path]:
    return sorted(p for p in (REPO / "examples").rglob("*.yaml") if is_rdf_name(p.name))


def extra_set(folder: str | None) -> list[Path]:
    return sorted(Path(folder).rglob("*.yaml")) if folder else []


def mutation_set(sources: list[Path], count: int, seed: int, depth: int = 1) -> tuple[list[Path], dict[Path, str]]:
    """`count` seeded mutations (1..depth each) of the given valid RDFs, written under the oracle cache."""
    rng = random.Random(seed)
    folder = cache_dir() / "spec-mutations" / f"seed{seed}-depth{depth}"
    folder.mkdir(parents=True, exist_ok=True)
    datas = [yamlio.loads(p.read_bytes(), source=str(p)) for p in sources]
    paths, labels = [], {}
    for n in range(count):
        k = rng.randrange(len(sources))
        label, data = mutate(datas[k], rng, depth)
        path = folder / f"{n:05d}" / "rdf.yaml"
        path.parent.mkdir(exist_ok=True)
        text = yamlio.dumps(data, fast=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        paths.append(path)
        labels[path] = f"{label} (of {'/'.join(sources[k].parts[-4:])})"
    return paths, labels


# ---- comparison -------------------------------------------------------------------------------

def _cause(errors: list, ours: bool) -> str:
    if not errors:
        return "(no error)"
    first = errors[0]
    loc = list(first.loc) if ours else first["loc"]
    kind = first.type if ours else first["type"]
    text = ".".join("*" if isinstance(p, int) or str(p).isdigit() else str(p) for p in loc)
    msg = first.msg if ours else first["msg"]
    return f"{kind} at {text or '(root)'}: {re.sub(r'[0-9]+', 'N', msg)[:90]}"


DELIBERATE = ("path",)  # our error types of docs/format.md §12: a file source leaving the resource


def _deliberate(report) -> bool:
    return bool(report.errors) and all(e.type in DELIBERATE or (e.type == "duplicate_id" and "output" in e.msg)
                                       for e in report.errors)


def compare(name: str, paths: list[Path], labels: dict[Path, str] | None = None) -> dict:
    """Agreement of our verdicts with the reference's on `paths`."""
    refs = reference_verdicts(paths)
    stats = collections.Counter()
    causes: dict[str, list[str]] = collections.defaultdict(list)
    for path in paths:
        report = validate(path, io=False)
        ref = refs[path]
        ref_ok, ours_ok = ref["status"] == "valid-format", report.passed
        stats["n"] += 1
        label = (labels or {}).get(path, str(path.relative_to(REPO.parent) if REPO.parent in path.parents else path))
        if ref_ok == ours_ok:
            stats["agree"] += 1
            if not ref_ok:
                stats["both_fail"] += 1
                try:
                    data = yamlio.loads(path.read_bytes(), source=str(path))
                except Exception:
                    data = None
                if same_field(ref["errors"], [e.loc for e in report.errors], data):
                    stats["same_field"] += 1
                else:
                    causes[f"different field: ours {_cause(report.errors, True)} / reference "
                           f"{_cause(ref['errors'], False)}"].append(label)
        elif ours_ok:
            stats["we_accept_invalid"] += 1
            causes["we accept invalid: " + _cause(ref["errors"], False)].append(label)
        else:
            stats["we_reject_valid"] += 1
            deliberate = _deliberate(report)
            stats["deliberate"] += deliberate
            what = "we reject valid (deliberate, docs/format.md §12)" if deliberate else "we reject valid"
            causes[f"{what}: " + _cause(report.errors, True)].append(label)
    n = stats["n"] or 1
    return {"set": name, "n": stats["n"], "agree_pct": round(100 * stats["agree"] / n, 2),
            "agree_pct_without_deliberate": round(100 * (stats["agree"] + stats["deliberate"]) / n, 2),
            "deliberate": stats["deliberate"],
            "we_reject_valid": stats["we_reject_valid"], "we_accept_invalid": stats["we_accept_invalid"],
            "both_fail": stats["both_fail"], "same_field": stats["same_field"], "causes": dict(causes)}


def _timed(command: list[str], stdin: str, env: dict) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child: user + system) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, input=stdin, capture_output=True, text=True, env=env, timeout=600, cwd=REPO)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def speed(paths: list[Path], repeat: int = 3) -> dict:
    """Whole-process time (imports included) of `zoo validate --json --no-io` and of the reference on
    the same RDFs, each run `repeat` times alternately; the best run of each counts. CPU time is
    reported beside wall time because this machine is shared: CPU time is what contention distorts least."""
    env = dict(os.environ, PYTHONPATH=str(REPO), BIOIMAGEIO_CACHE_PATH=str(cache_dir() / "bioimageio-cache"))
    zoo = [sys.executable, "-m", "pipeline", "validate", "--json", "--no-io", *map(str, paths)]
    reference = [str(oracle_python()), str(WORKER)]
    stdin = "\n".join(map(str, paths)) + "\n"
    ours, theirs = [], []
    for _ in range(repeat):
        ours.append(_timed(zoo, "", env))
        theirs.append(_timed(reference, stdin, env))
    best = {"ours_wall": min(w for w, _ in ours), "ours_cpu": min(c for _, c in ours),
            "ref_wall": min(w for w, _ in theirs), "ref_cpu": min(c for _, c in theirs)}
    return {"rdfs": len(paths), **{k: round(v, 3) for k, v in best.items()},
            "ratio_wall": round(best["ref_wall"] / best["ours_wall"], 1),
            "ratio_cpu": round(best["ref_cpu"] / best["ours_cpu"], 1)}


def _valid_sources(paths: list[Path]) -> list[Path]:
    refs = reference_verdicts(paths)
    return [p for p in paths if refs[p]["status"] == "valid-format"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="real,fixtures,examples,mutations")
    parser.add_argument("--mutations", type=int, default=2500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--depth", type=int, default=1, help="at most this many mutations per RDF")
    parser.add_argument("--mutate", default="real,shaped",
                        help="sources of the mutations: real, shaped (tests/spec/fixtures/real_shaped), extra")
    parser.add_argument("--extra", help="a folder of further RDFs (set 'extra')")
    parser.add_argument("--speed", action="store_true", help="time one process each on the real set")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--show", type=int, default=3, help="examples printed per cause")
    args = parser.parse_args()
    wanted = args.sets.split(",") + (["extra"] if args.extra and "extra" not in args.sets else [])
    shaped = sorted((REPO / "tests" / "spec" / "fixtures" / "real_shaped").rglob("rdf.yaml"))
    results = []
    for name in wanted:
        if name == "real":
            paths, labels = real_set(), None
            if not paths:
                print(f"set real: skipped, {SHARED} is absent", file=sys.stderr)
                continue
        elif name == "fixtures":
            paths, labels = fixture_set(), None
        elif name == "examples":
            paths, labels = example_set(), None
        elif name == "extra":
            paths, labels = extra_set(args.extra), None
        elif name == "mutations":
            pools = {"real": real_set(), "shaped": shaped, "extra": extra_set(args.extra)}
            sources = [p for pool in args.mutate.split(",") for p in pools[pool]]
            paths, labels = mutation_set(_valid_sources(sources), args.mutations, args.seed, args.depth)
        else:
            raise SystemExit(f"unknown set {name!r}")
        results.append(compare(name, paths, labels))
    timing = speed(real_set()) if args.speed and real_set() else None
    if args.json:
        print(json.dumps({"sets": results, "speed": timing}))
        return
    print(f"{'set':12} {'n':>6} {'agree %':>8} {'reject valid':>13} {'accept invalid':>15} {'same field':>11} "
          f"{'deliberate':>11} {'agree % w/o deliberate':>23}")
    for r in results:
        same = f"{r['same_field']}/{r['both_fail']}"
        print(f"{r['set']:12} {r['n']:>6} {r['agree_pct']:>8} {r['we_reject_valid']:>13} "
              f"{r['we_accept_invalid']:>15} {same:>11} {r['deliberate']:>11} {r['agree_pct_without_deliberate']:>23}")
    for r in results:
        for cause, items in sorted(r["causes"].items(), key=lambda kv: -len(kv[1])):
            print(f"\n[{r['set']}] {len(items)} x {cause}")
            for item in items[:args.show]:
                print(f"    {item}")
    if timing:
        print(f"\nspeed on {timing['rdfs']} real RDFs, one whole process each (best of 3): "
              f"ours {timing['ours_wall']} s wall / {timing['ours_cpu']} s CPU, "
              f"reference {timing['ref_wall']} s wall / {timing['ref_cpu']} s CPU; "
              f"ratio {timing['ratio_wall']}x wall, {timing['ratio_cpu']}x CPU")


if __name__ == "__main__":
    main()
