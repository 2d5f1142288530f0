"""A partner's own files checked as the build reads them, for `zoo validate`: a registration (our
`<id>.yaml` or the paper-era partner list), a test-summary document, and per-version report files
(the paper-era `test_summary*.yaml`, today's `<tool>_<version>.json`, or a folder of them).

With the zoo's `collection.json`, every resource and version id a partner reports on is checked
against what the zoo publishes, and an unknown one is answered with the ids it could have meant.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from pipeline.base.http import HttpPolicy, fetch_bytes
from pipeline.base.paths import UnsafePath, joined
from pipeline.build import partner_reports, partner_summaries
from pipeline.contracts.collection import CollectionDocument
from pipeline.contracts.partners import MAX_REGISTRATION_BYTES, Partner, is_partner_list, listed_partners
from pipeline.contracts.results import TestEntry
from pipeline.errors import BadInput, format_loc
from pipeline.spec import find_rdf_name, yamlio

REGISTRATION = "partner registration"
PARTNER_LIST = "partner list"
SUMMARY = "partner test summary"
REPORT = "partner report"
REPORT_FOLDER = "partner report folder"
MAX_DOCUMENT_BYTES = partner_summaries.MAX_SUMMARY_BYTES
MAX_SHOWN_IDS = 20
VERSION_NAMING = ("the zoo names a version by its version id: a Zenodo resource's record id (the number in "
                  "its DOI 10.5281/zenodo.<id>), a partner entry's own `version` or `latest`; the site shows "
                  "the version's own `version` field beside it")


@dataclass
class PartnerFileReport:
    """The check of one partner file, in the shape `zoo validate` prints for RDFs."""

    source: str
    kind: str
    errors: list[tuple[tuple[str | int, ...], str]] = field(default_factory=list)
    warnings: list[tuple[tuple[str | int, ...], str]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.errors

    @property
    def status(self) -> str:
        return "passed" if self.passed else "failed"

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "type": self.kind, "format_version": None, "status": self.status,
                "errors": [{"loc": list(loc), "msg": msg, "type": "partner"} for loc, msg in self.errors],
                "warnings": [{"loc": list(loc), "msg": msg, "type": "partner", "severity": "WARNING"}
                             for loc, msg in self.warnings]}

    def format_text(self) -> str:
        mark = "passed" if self.passed else "FAILED"
        lines = [f"{self.source}: {mark} ({self.kind}, {len(self.errors)} error(s), {len(self.warnings)} warning(s))"]
        lines += [f"  error   {format_loc(loc) or '(root)'}: {msg}" for loc, msg in self.errors]
        lines += [f"  warning {format_loc(loc) or '(root)'}: {msg}" for loc, msg in self.warnings]
        return "\n".join(lines)

    def add(self, error: BadInput) -> None:
        self.errors.append((error.loc, error.msg))


@dataclass(frozen=True)
class Published:
    """What the zoo publishes: version ids per resource id, and the names the site shows them by."""

    versions: dict[str, tuple[str, ...]]
    labels: dict[tuple[str, str], str]  # (rid, vid) -> the version's own `version` field

    @classmethod
    def read(cls, location: str, policy: HttpPolicy | None = None) -> "Published":
        """From a `collection.json` (a path or URL); the labels from the rdf.yaml files beside it."""
        local = not location.startswith(("http://", "https://"))
        try:
            raw = Path(location).read_bytes() if local else fetch_bytes(location, policy=policy,
                                                                        max_bytes=MAX_DOCUMENT_BYTES)
            data = json.loads(raw)
        except FileNotFoundError:
            raise BadInput("no such collection.json (the zoo's, e.g. site/collection.json)", source=location) from None
        except (OSError, ValueError) as e:
            raise BadInput(f"cannot read the collection: {e}", source=location) from None
        document = CollectionDocument.from_json(data, source=location)
        versions = {e.id: e.versions for e in document.entries}
        labels: dict[tuple[str, str], str] = {}
        if local:
            site = Path(location).parent
            for rid, vids in versions.items():
                for vid in vids[:50]:
                    try:
                        label = _label(site / joined("rdfs", rid, vid) / "rdf.yaml")
                    except UnsafePath:  # an id no build would have published a folder for
                        continue
                    if label:
                        labels[(rid, vid)] = label
        return cls(versions, labels)

    def problems(self, rid: str, vid: str) -> list[str]:
        """Why (rid, vid) names nothing the zoo publishes, with the ids it could have meant."""
        if rid not in self.versions:
            near = difflib.get_close_matches(rid, list(self.versions), n=3, cutoff=0.9)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            shown = ", ".join(sorted(self.versions)[:MAX_SHOWN_IDS])
            more = f" (and {len(self.versions) - MAX_SHOWN_IDS} more)" if len(self.versions) > MAX_SHOWN_IDS else ""
            return [f"resource {rid!r} is not in the zoo's collection{hint} Valid resource ids: {shown}{more}"]
        published = self.versions[rid]
        if vid in published:
            return []
        meant = [v for v in published if self.labels.get((rid, v)) == vid]
        shown = ", ".join(f"{v} (shown as version {self.labels[(rid, v)]})" if (rid, v) in self.labels else v
                          for v in published)
        if meant:
            return [f"{vid!r} is how the site labels version {meant[0]} of {rid}: report it as version_id "
                    f"{meant[0]!r} ({VERSION_NAMING}). Published versions: {shown}"]
        return [f"version {vid!r} of {rid} is not published ({VERSION_NAMING}). Published versions: {shown}"]


def _label(path: Path) -> str:
    try:
        data = yamlio.loads(path.read_bytes(), source=str(path)) if path.stat().st_size < 4 * 1024 * 1024 else {}
    except (OSError, BadInput):
        return ""
    return str(data.get("version") or "") if isinstance(data, dict) and data.get("version") is not None else ""


def kind_of(source: str) -> str | None:
    """Which partner file `source` is, by its name and first look at its content; None for an RDF."""
    path = Path(source)
    if source.startswith(("http://", "https://")) or not path.exists():
        return None
    if path.is_dir():
        if find_rdf_name(p.name for p in path.iterdir()) is not None:
            return None
        return REPORT_FOLDER if any(_is_report_name(p.name) for p in path.rglob("*") if p.is_file()) else None
    if partner_reports.PAPER_ERA.search(path.name):
        return REPORT
    data = _peek(path)
    if not isinstance(data, dict):
        return None
    if path.suffix == ".json":
        if partner_reports.PER_TOOL.match(path.name) and "status" in data and "results" not in data:
            return REPORT
        if {"tool", "tool_version", "results"} & set(data) and "format_version" not in data:
            return SUMMARY
        return None
    if is_partner_list(data):
        return PARTNER_LIST
    # An RDF always has a format_version; a registration names a collection or test summaries.
    if "format_version" not in data and set(map(str, data)) & {"collection", "test_summaries"}:
        return REGISTRATION
    return None


def _is_report_name(name: str) -> bool:
    return bool(partner_reports.PAPER_ERA.search(name) or partner_reports.PER_TOOL.match(name))


def _peek(path: Path) -> Any:
    try:
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            return None
        raw = path.read_bytes()
        return json.loads(raw) if path.suffix == ".json" else yamlio.loads(raw, source=str(path))
    except (OSError, ValueError, BadInput):
        return None


def check(source: str, kind: str, published: Published | None) -> PartnerFileReport:
    """Check one partner file as the build would read it; never raises for bad input."""
    report = PartnerFileReport(source, kind)
    try:
        {REGISTRATION: _registration, PARTNER_LIST: _partner_list, SUMMARY: _summary, REPORT: _report,
         REPORT_FOLDER: _folder}[kind](Path(source), report, published)
    except BadInput as e:
        report.add(e)
    if published is None and kind in (SUMMARY, REPORT, REPORT_FOLDER):
        report.warnings.append(((), "resource and version ids not checked: pass --collection with the zoo's "
                                    "collection.json (site/collection.json, or the published one)"))
    return report


def _registration(path: Path, report: PartnerFileReport, published: Published | None) -> None:
    data = _read_yaml(path, MAX_REGISTRATION_BYTES)
    partner = Partner.from_json(data, path)
    _local_paths(partner, report, published)


def _partner_list(path: Path, report: PartnerFileReport, published: Published | None) -> None:
    partners, errors = listed_partners(_read_yaml(path, MAX_REGISTRATION_BYTES), path)
    for error in errors:
        report.add(error)
    ids = [p.id for p in partners]
    for pid in sorted({i for i in ids if ids.count(i) > 1}):
        report.errors.append((("config", "partners"), f"partner {pid!r} is listed twice"))


def _local_paths(partner: Partner, report: PartnerFileReport, published: Published | None) -> None:
    """The files a registration names in the partners folder exist; its test summaries are checked too."""
    base = partner.file.parent.resolve()
    if partner.collection is not None and partner.collection.path:
        _inside(base, partner.collection.path, ("collection", "path"), report)
    summaries = partner.test_summaries
    if isinstance(summaries, str) and not summaries.startswith(("http://", "https://")):
        target = _inside(base, summaries, ("test_summaries",), report)
        if target is not None and target.exists():
            kind = REPORT_FOLDER if target.is_dir() else SUMMARY
            nested = check(str(target), kind, published)
            report.errors += [(("test_summaries", *loc), f"{target.name}: {msg}") for loc, msg in nested.errors]
            report.warnings += [(("test_summaries", *loc), msg) for loc, msg in nested.warnings]
            if kind == SUMMARY:
                _tool_matches(target, partner.id, report)


def _inside(base: Path, rel: str, loc: tuple[str, ...], report: PartnerFileReport) -> Path | None:
    target = (base / rel).resolve()
    if not target.is_relative_to(base):
        report.errors.append((loc, f"{rel!r} leaves the partners folder"))
        return None
    if not target.exists():
        report.errors.append((loc, f"no such file or folder {rel!r} beside the registration"))
    return target


def _tool_matches(path: Path, partner_id: str, report: PartnerFileReport) -> None:
    document = _peek(path)
    tool = document.get("tool") if isinstance(document, dict) else None
    if isinstance(tool, str) and tool != partner_id:
        report.errors.append((("test_summaries",), f"the summary is for tool {tool!r}, but this partner is "
                                                   f"{partner_id!r}: the build would refuse it"))


def _summary(path: Path, report: PartnerFileReport, published: Published | None) -> None:
    raw = _bounded(path, MAX_DOCUMENT_BYTES)
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BadInput(f"not valid JSON ({e})", source=str(path)) from None
    validator = jsonschema.Draft202012Validator(partner_summaries.schema())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    for error in errors[:100]:
        report.errors.append((tuple(error.absolute_path), f"{error.message[:300]} (schema "
                                                          "partner_test_summary.json)"))
    results = document.get("results") if isinstance(document, dict) else None
    for i, entry in enumerate(results if isinstance(results, list) else []):
        if not isinstance(entry, dict):
            continue
        if not errors:
            for j, test in enumerate(entry["tests"]):
                try:
                    TestEntry.from_json(test, source=str(path), loc=("results", i, "tests", j))
                except BadInput as e:
                    report.add(e)
        rid, vid = entry.get("resource_id"), entry.get("version_id")
        if published is not None and isinstance(rid, str) and isinstance(vid, str):
            report.errors += [(("results", i), msg) for msg in published.problems(rid, vid)]


def _report(path: Path, report: PartnerFileReport, published: Published | None) -> None:
    partner_reports.read_report(path)
    if published is not None:
        ids = _ids_from_folders(path, published)
        if ids is None:
            report.errors.append(((), "the folders above the report name no published resource: reports are "
                                      "deployed as <resource id>/<version id>/<file> (" + VERSION_NAMING + ")"))
        else:
            report.errors += [((), msg) for msg in published.problems(*ids)]


def _ids_from_folders(path: Path, published: Published) -> tuple[str, str] | None:
    """(rid, vid) from `.../<rid>/<vid>/[reports/]<file>`: the longest tail of folders that is a resource id."""
    parts = list(path.resolve().parent.parts)
    if parts and parts[-1] == "reports":
        parts = parts[:-1]
    if len(parts) < 2:
        return None
    vid, folders = parts[-1], parts[:-1]
    for start in range(max(0, len(folders) - 8), len(folders)):
        rid = "/".join(folders[start:])
        if rid in published.versions:
            return rid, vid
    return None


def _folder(path: Path, report: PartnerFileReport, published: Published | None) -> None:
    results, problems = partner_reports.read_folder(path, partner_id="partner")
    report.errors += [((), line.removeprefix("partner partner: ")) for line in problems]
    if not results.tests:
        report.errors.append(((), "no report files at <resource id>/<version id>/<file> in this folder"))
    if published is not None:
        for rid, vid in sorted(results.tests):
            report.errors += [((f"{rid}/{vid}",), msg) for msg in published.problems(rid, vid)]


def _read_yaml(path: Path, limit: int) -> Any:
    return yamlio.loads(_bounded(path, limit), source=str(path))


def _bounded(path: Path, limit: int) -> bytes:
    try:
        if path.stat().st_size > limit:
            raise BadInput(f"larger than {limit} bytes", source=str(path))
        return path.read_bytes()
    except OSError as e:
        raise BadInput(f"cannot read: {e.strerror}", source=str(path)) from None
