"""`zoo merge`: fold the shards' uploads into the test cache, accepting only what was planned.

Every shard job ran model code, so its upload is untrusted: from the folder of shard I only
files named `<key[:2]>/<key>.json` whose key the plan gave to shard I are taken, each read
bounded and checked as a test result, and written again from the parsed result (so its status
is recomputed from its entries). Anything else is refused and named. A planned result that is
missing (a shard that crashed or timed out) is counted, not invented: the next plan plans it.
The browser bundles the shards made beside their tests come the same way: only the folder named
by the bundle key of a test planned for that shard, holding only a bundle's files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import defaults
from pipeline.build.bundles import ENTRY, MANIFEST, MAX_BUNDLE_BYTES, bundle_key
from pipeline.build.cache import JsonCache
from pipeline.build.files import json_bytes
from pipeline.contracts.plan import TestPlan, read_plan
from pipeline.contracts.results import BROWSER_BUNDLE, PASSED, TestEntry
from pipeline.contracts.stage import Problem
from pipeline.errors import BadInput
from pipeline.runner.testing import TestResult

MAX_RESULT_BYTES = 16 * 1024**2
MAX_FILES = 100_000  # per shard folder: far more than any shard plans, far less than a flood
SHARD_FOLDER = re.compile(r"(?:.*\D)?(\d+)")  # `zoo-tests-3`, `shard-3` or `3`: shard 3
# what a bundle folder may hold (build/bundles.py): its graphs, manifest, test tensors and entry
BUNDLE_FILE = re.compile(r"(?:preprocess|network|postprocess)\.onnx|bundle\.json|entry\.json"
                         r"|test-(?:input|output)-\d{1,3}\.npy")


@dataclass(frozen=True)
class MergeConfig:
    """The plan (and the digest the plan job printed), the shards' folders, the cache to fill."""

    plan: Path
    shards: Path  # one folder per shard, named after its index (as download-artifact lays them out)
    cache: Path = defaults.CACHE
    plan_sha256: str | None = None
    bundles: Path | None = None  # the shards' browser bundles, one folder per shard likewise


@dataclass
class MergeSummary:
    """The merge stage's result: results accepted, refused (problems) and missing."""

    accepted: int = 0
    missing: int = 0
    shards: int = 0
    bundles: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "missing": self.missing, "shards": self.shards, "bundles": self.bundles,
                "ok": self.ok,
                "problems": [p.to_json() for p in self.problems]}

    def format_text(self) -> str:
        lines = [f"results: {self.accepted} accepted from {self.shards} shards, {self.missing} planned but missing",
                 f"browser bundles: {self.bundles} accepted"]
        return "\n".join(lines + [f"refused: {p.format_text()}" for p in self.problems])


def run(config: MergeConfig) -> MergeSummary:
    """Copy every planned, well-formed result of every shard folder into the test cache."""
    try:
        raw = config.plan.read_bytes()
    except OSError as e:
        raise BadInput(f"cannot read the plan: {e.strerror or e}", source=str(config.plan)) from None
    plan = read_plan(raw, sha256=config.plan_sha256, source=str(config.plan))
    cache = JsonCache(config.cache / "tests")
    summary = MergeSummary()
    folders = _shard_folders(config.shards, plan, summary)
    for index, folder in sorted(folders.items()):
        summary.shards += 1
        summary.accepted += _merge_shard(plan, index, folder, cache, summary.problems)
    summary.missing = sum(1 for s in plan.shards for key in s.test_keys if key not in cache)
    if config.bundles is not None:
        for index, folder in sorted(_shard_folders(config.bundles, plan, summary).items()):
            summary.bundles += _merge_bundles(plan, index, folder, config.cache / "bundles", summary.problems)
    return summary


def _shard_folders(root: Path, plan: TestPlan, summary: MergeSummary) -> dict[int, Path]:
    if not root.is_dir():
        return {}  # no shard uploaded anything: every planned result is missing
    folders: dict[int, Path] = {}
    for folder in sorted(root.iterdir()):
        match = SHARD_FOLDER.fullmatch(folder.name)
        index = int(match[1]) if match and folder.is_dir() and not folder.is_symlink() else None
        if index is None or not 1 <= index <= plan.count or index in folders:
            summary.problems.append(Problem(str(folder), f"not the folder of one of the plan's {plan.count} shards"))
            continue
        folders[index] = folder
    return folders


def _merge_shard(plan: TestPlan, index: int, folder: Path, cache: JsonCache, problems: list[Problem]) -> int:
    """The accepted results of one shard's folder; every other file is a problem."""
    mine = plan.shard(index).test_keys
    accepted = 0
    for count, path in enumerate(sorted(p for p in folder.rglob("*") if not p.is_dir() or p.is_symlink())):
        if count >= MAX_FILES:
            problems.append(Problem(str(folder), f"more than {MAX_FILES} files: the rest were not read"))
            break
        reason = _refusal(path, folder, mine, plan)
        if reason:
            problems.append(Problem(str(path), reason))
            continue
        try:
            result = TestResult.from_json(json.loads(path.read_bytes()), source=str(path))
        except (ValueError, RecursionError) as e:
            problems.append(Problem(str(path), f"not a test result ({type(e).__name__})"))
            continue
        except BadInput as e:
            problems.append(Problem.of(e, source=str(path)))
            continue
        cache.put(path.stem, result.to_json())
        accepted += 1
    return accepted


def _refusal(path: Path, folder: Path, mine: frozenset[str], plan: TestPlan) -> str | None:
    """Why a file of shard folder `folder` is not taken, or None."""
    relative = path.relative_to(folder)
    key = path.stem
    if path.is_symlink() or not path.is_file():
        return "not a plain file"
    if path.suffix != ".json" or len(relative.parts) != 2 or relative.parts[0] != key[:2]:
        return "not a result file of the test cache (<key[:2]>/<key>.json)"
    if key not in mine:
        owner = plan.owner(key)
        return f"planned for shard {owner}, not this one" if owner else "a result the plan did not plan"
    if path.stat().st_size > MAX_RESULT_BYTES:
        return f"larger than {MAX_RESULT_BYTES} bytes"
    return None


# --- browser bundles ----------------------------------------------------------------------------
def _merge_bundles(plan: TestPlan, index: int, folder: Path, target: Path, problems: list[Problem]) -> int:
    """The accepted bundles of one shard's folder: `<bundle key>/` of a test planned for it,
    holding only a bundle's own files (bounded), its entry a well-formed test entry."""
    mine = {bundle_key(key): key for key in plan.shard(index).test_keys}
    accepted = 0
    for count, path in enumerate(sorted(folder.iterdir())):
        if count >= MAX_FILES:
            problems.append(Problem(str(folder), f"more than {MAX_FILES} entries: the rest were not read"))
            break
        reason = _bundle_refusal(path, mine, plan)
        if reason:
            problems.append(Problem(str(path), reason))
            continue
        try:
            entry = TestEntry.from_json(json.loads((path / ENTRY).read_bytes()), source=str(path / ENTRY))
        except (ValueError, RecursionError) as e:
            problems.append(Problem(str(path / ENTRY), f"not a test entry ({type(e).__name__})"))
            continue
        except BadInput as e:
            problems.append(Problem.of(e, source=str(path / ENTRY)))
            continue
        if entry.name != BROWSER_BUNDLE or (entry.status == PASSED) != (path / MANIFEST).is_file():
            problems.append(Problem(str(path / ENTRY), "not the entry of this folder's bundle"))
            continue
        _replace_folder(path, target / path.name, entry)
        accepted += 1
    return accepted


def _bundle_refusal(path: Path, mine: dict[str, str], plan: TestPlan) -> str | None:
    """Why a bundle folder of a shard's upload is not taken, or None."""
    if path.is_symlink() or not path.is_dir():
        return "not a bundle folder"
    if path.name not in mine:
        return "the bundle of no test the plan gave this shard"
    files = list(path.iterdir())
    strays = [p.name for p in files if not BUNDLE_FILE.fullmatch(p.name) or p.is_symlink() or not p.is_file()]
    if strays:
        return f"holds what no bundle holds: {', '.join(sorted(strays)[:5])}"
    if ENTRY not in {p.name for p in files}:
        return f"has no {ENTRY}"
    total = sum(p.stat().st_size for p in files)
    if total > MAX_BUNDLE_BYTES + MAX_RESULT_BYTES:
        return f"larger than {MAX_BUNDLE_BYTES // 2**20} MiB"
    return None


def _replace_folder(source: Path, target: Path, entry: TestEntry) -> None:
    """`target` becomes a copy of the bundle at `source`, its entry written from the parsed one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    for path in source.iterdir():
        if path.name != ENTRY:
            shutil.copyfile(path, staging / path.name)
    (staging / ENTRY).write_bytes(json_bytes(entry.to_json()))
    shutil.rmtree(target, ignore_errors=True)
    os.replace(staging, target)
