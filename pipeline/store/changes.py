"""What a pull request adds or changes, against its base revision: the accepted versions it
adds or changes, and the partner registrations it adds or changes.

A PR's check fails only for what the PR itself brings in; everything else (a partner that is
unreachable today, a partner reporting on a version the zoo does not publish) is a warning on
the PR and a problem of the scheduled build (docs/operating.md).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline.base.commands import git_text, run_git
from pipeline.contracts.partners import Partner, read_partners
from pipeline.contracts.stage import Problem
from pipeline.errors import BadInput, ExternalToolFailed
from pipeline.store import yaml
from pipeline.store.model import ACCEPTED, Resource
from pipeline.store.store import RESOURCE_FILE, STATE_DIR, Store

MAX_BASE_FILE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class PrScope:
    """The versions (`<rid>/<vid>`), resources and partners a PR adds or changes."""

    base: str
    versions: frozenset[str] = frozenset()
    resources: frozenset[str] = frozenset()
    partners: frozenset[str] = frozenset()
    files: frozenset[str] = frozenset()  # absolute paths of the files the PR adds or changes

    def owns(self, problem: Problem) -> bool:
        """True when `problem` is about something this PR adds or changes."""
        source = problem.source
        if source in self.versions or source.removeprefix("rdfs/") in self.versions:
            return True
        if source and os.path.abspath(source) in self.files:  # e.g. a damaged file the PR changed
            return True
        if source.startswith("partner ") and source.removeprefix("partner ") in self.partners:
            return True
        path = PurePosixPath(source.replace("\\", "/"))
        if path.suffix == ".yaml" and path.stem in self.partners:
            return True  # a registration file of a changed partner
        if path.name == RESOURCE_FILE and any(source.endswith(f"/{rid}/{RESOURCE_FILE}") for rid in self.resources):
            return True
        if source.startswith("nickname "):  # "used by 2 resources: <id>, <id>"
            return bool(self.resources & set(problem.message.rsplit(": ", 1)[-1].split(", ")))
        return False

    def to_json(self) -> dict[str, object]:
        return {"base": self.base, "versions": sorted(self.versions), "resources": sorted(self.resources),
                "partners": sorted(self.partners)}  # files: the same changes, as paths


def pr_scope(store: Path, partners: Path | None, base: str) -> PrScope:
    """Compare the store and partner registrations in the working tree with revision `base`."""
    store = Path(store)
    if not store.is_dir():
        raise BadInput("store folder does not exist", source=str(store))
    top = _top(store)
    try:
        git_text(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], cwd=top)
    except ExternalToolFailed:
        raise BadInput(f"no such git revision {base!r} (fetch the PR's base first)", source="--pr-base") from None
    store_prefix = _prefix(store, top)
    partner_prefix = _prefix(partners, top) if partners is not None and Path(partners).exists() else None
    changed = _changed(top, base, [p for p in (store_prefix, partner_prefix) if p is not None])
    resources, versions = _resource_changes(Store(store), top, base, store_prefix,
                                            [p for p in changed if _under(p, store_prefix)])
    found = _partner_changes(top, base, Path(partners), partner_prefix,
                             [p for p in changed if _under(p, partner_prefix)]) if partner_prefix is not None else set()
    return PrScope(base, frozenset(versions), frozenset(resources), frozenset(found),
                   frozenset(os.path.abspath(top / p) for p in changed))


def _top(path: Path) -> Path:
    try:
        return Path(git_text(["rev-parse", "--show-toplevel"], cwd=path))
    except ExternalToolFailed:
        raise BadInput("not inside a git repository, so there is no PR base to compare with", source=str(path)) \
            from None


def _prefix(path: Path | None, top: Path) -> str | None:
    """`path` relative to the repository (posix), '' for the top; None when outside it."""
    if path is None:
        return None
    try:
        rel = Path(path).resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return None
    return "" if rel == "." else rel


def _under(path: str, prefix: str | None) -> bool:
    return prefix is not None and (prefix == "" or path == prefix or path.startswith(prefix + "/"))


def _changed(top: Path, base: str, prefixes: list[str]) -> list[str]:
    """Repository paths that differ between `base` and the working tree, untracked files included."""
    if not prefixes:
        return []
    specs = ["--", *[p or "." for p in prefixes]]
    tracked = run_git(["diff", "--name-only", "-z", "--no-renames", base, *specs], cwd=top).stdout
    untracked = run_git(["ls-files", "-z", "--others", "--exclude-standard", *specs], cwd=top).stdout
    return sorted({p.decode(errors="replace") for p in (tracked + untracked).split(b"\0") if p})


def _show(top: Path, base: str, path: str) -> bytes | None:
    """A file's bytes at `base`, or None when it did not exist there (or is too large to be a record)."""
    result = run_git(["cat-file", "-s", f"{base}:{path}"], cwd=top, check=False)
    if result.returncode != 0 or int(result.stdout.strip() or 0) > MAX_BASE_FILE_BYTES:
        return None
    return run_git(["show", f"{base}:{path}"], cwd=top).stdout


def _resource_changes(store: Store, top: Path, base: str, prefix: str | None,
                      paths: list[str]) -> tuple[set[str], set[str]]:
    """Resources with a changed file, and their accepted versions the change adds or alters."""
    known = set(store.ids())
    touched: dict[str, set[str]] = {}
    for path in paths:
        rel = PurePosixPath(path).relative_to(prefix) if prefix else PurePosixPath(path)
        if not rel.parts or rel.parts[0] == STATE_DIR:
            continue
        folder = rel.parent
        # the nearest folder holding a resource (a file beside resource.yaml belongs to it)
        for candidate in [folder, *folder.parents]:
            rid = candidate.as_posix()
            if rid != "." and (rid in known or (rel.name == RESOURCE_FILE and candidate == folder)):
                touched.setdefault(rid, set()).add(rel.name)
                break
    versions: set[str] = set()
    for rid, names in touched.items():
        try:
            current = store.get(rid)
        except BadInput:
            continue  # a damaged file: the build names it, and the PR owns the problem
        if current is None or current.status != ACCEPTED:
            continue
        old = _base_resource(top, base, f"{prefix}/{rid}" if prefix else rid)
        shared_changed = old is None or _shared(old) != _shared(current) or names != {RESOURCE_FILE}
        for version in current.accepted_versions():
            before = old.version(version.version_id) if old is not None else None
            if (shared_changed or before is None or before.status != ACCEPTED or old.status != ACCEPTED
                    or before.to_dict() != version.to_dict()):
                versions.add(f"{rid}/{version.version_id}")
    return set(touched), versions


def _shared(resource: Resource) -> dict[str, object]:
    return {k: v for k, v in resource.to_dict().items() if k != "versions"}


def _base_resource(top: Path, base: str, folder: str) -> Resource | None:
    raw = _show(top, base, f"{folder}/{RESOURCE_FILE}")
    if raw is None:
        return None
    try:
        return Resource.from_dict(yaml.loads(raw, source=f"{base}:{folder}"), source=f"{base}:{folder}")
    except BadInput:
        return None  # a damaged base record: everything the PR has is new


def _partner_changes(top: Path, base: str, partners: Path, prefix: str, paths: list[str]) -> set[str]:
    """Partners whose registration, or a file it names in the partners folder, the PR adds or changes."""
    if partners.is_file():  # one partner-list file
        return _changed_registrations(top, base, paths[0], partners) if paths else set()
    registered = read_partners(partners)[0]
    found: set[str] = set()
    for path in paths:
        rel = PurePosixPath(path).relative_to(prefix) if prefix else PurePosixPath(path)
        if len(rel.parts) == 1 and rel.suffix == ".yaml":
            found |= _changed_registrations(top, base, path, partners / rel.name)
            continue
        owners = {p.id for p in registered if any(rel == ref or ref in rel.parents for ref in _named(p))}
        # a file in a partner's own folder (its collection, its reports, its logo)
        found |= owners or ({rel.parts[0]} if len(rel.parts) > 1 else set())
    return found


def _named(partner: Partner) -> list[PurePosixPath]:
    """The paths in the partners folder a registration names."""
    named = [partner.logo, partner.collection.path if partner.collection else None,
             partner.test_summaries if isinstance(partner.test_summaries, str) else None]
    return [PurePosixPath(p) for p in named if p and not p.startswith(("http://", "https://"))]


def _changed_registrations(top: Path, base: str, path: str, file: Path) -> set[str]:
    """Ids registered in `file` whose registration differs from the one at `base`."""
    now = {p.id: p.to_json() for p in _read(file)}
    raw = _show(top, base, path)
    before: dict[str, object] = {}
    if raw is not None:
        with tempfile.TemporaryDirectory(prefix="zoo-base-") as tmp:
            (Path(tmp) / file.name).write_bytes(raw)  # the parser checks the id against the file name
            before = {p.id: p.to_json() for p in _read(Path(tmp) / file.name)}
    return {pid for pid, value in now.items() if before.get(pid) != value}


def _read(file: Path) -> list[Partner]:
    return read_partners(file)[0] if file.is_file() else []
