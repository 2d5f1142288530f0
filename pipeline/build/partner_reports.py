"""Test reports partners deploy as files per resource version, in the two forms they use.

A report folder holds `<resource id>/<version id>/<file>` (today's tools also nest them in a
`reports/` folder there). Two kinds of file are read:
- the paper-era `*test_summary*.yaml`: one test or a list of tests (`name`, `status`, `error`,
  `traceback`, `warnings`, plus `bioimageio_*_version`, `nested_errors`, `reason`, kept under
  `details`); the tool version is the last part of the file name (`test_summary_1.4.0.yaml`);
- today's `<tool>_<tool version>.json`: one report with `status` passed, failed or
  not-applicable, `error`, `details` (text or a nested validation summary), and optional
  `badge`, `links` and `score`.
A file that cannot be read is reported and skipped; it never stops the other reports.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from pipeline.build.partner_summaries import PartnerResults
from pipeline.contracts.results import TEST_STATUSES, TestEntry
from pipeline.errors import BadInput
from pipeline.spec import yamlio

MAX_REPORT_BYTES = 4 * 1024 * 1024
MAX_REPORT_FILES = 200_000
PAPER_ERA = re.compile(r"test_summary.*\.ya?ml$")
PER_TOOL = re.compile(r"^(?P<tool>[A-Za-z0-9.\-]+)_(?P<version>[A-Za-z0-9.\-+]+)\.json$")
_DETAIL_KEYS = ("bioimageio_spec_version", "bioimageio_core_version", "nested_errors", "reason")
_DROPPED = ("source_name",)  # where the partner's run read the RDF: meaningless here


def read_folder(folder: Path, *, partner_id: str) -> tuple[PartnerResults, list[str]]:
    """Every report under `folder`, indexed by (resource id, version id), and one problem per bad file."""
    results = PartnerResults(tool=partner_id, tool_version="")
    problems: list[str] = []
    for path, (rid, vid) in _report_files(Path(folder)):
        try:
            results.tests.setdefault((rid, vid), []).extend(read_report(path))
        except BadInput as e:
            problems.append(f"partner {partner_id}: {e}")
    return results, problems


def _report_files(folder: Path) -> Iterator[tuple[Path, tuple[str, str]]]:
    root = folder.resolve()
    for count, path in enumerate(sorted(root.rglob("*"))):
        if count >= MAX_REPORT_FILES:
            return
        if not path.is_file() or path.is_symlink() or not (PAPER_ERA.search(path.name) or PER_TOOL.match(path.name)):
            continue
        parts = path.parent.relative_to(root).parts
        if parts and parts[-1] == "reports":
            parts = parts[:-1]
        if len(parts) >= 2:
            yield path, ("/".join(parts[:-1]), parts[-1])


def read_report(path: Path) -> list[TestEntry]:
    """The tests one report file holds."""
    source = str(path)
    if path.stat().st_size > MAX_REPORT_BYTES:
        raise BadInput(f"report larger than {MAX_REPORT_BYTES} bytes", source=source)
    raw = path.read_bytes()
    if path.suffix == ".json":
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise BadInput(f"report is not valid JSON ({e})", source=source) from None
        return [tool_report(data, source=source)]
    data = yamlio.loads(raw, source=source)
    version = path.stem.rsplit("_", 1)[-1] if "_" in path.stem else None
    items = data if isinstance(data, list) else [data]
    return [paper_era_test(item, source=source, loc=(i,), tool_version=version) for i, item in enumerate(items)]


def paper_era_test(data: Any, *, source: str, loc: tuple = (), tool_version: str | None = None) -> TestEntry:
    """One test of a paper-era `test_summary.yaml`, as our test entry."""
    if not isinstance(data, dict):
        raise BadInput("expected a test (a mapping)", source=source, loc=loc)
    traceback = data.get("traceback")
    if isinstance(traceback, list):
        traceback = "".join(str(line) for line in traceback)
    extra = {k: data[k] for k in _DETAIL_KEYS if data.get(k) not in (None, {}, [])}
    unknown = set(data) - {"name", "status", "error", "traceback", "warnings", *_DETAIL_KEYS, *_DROPPED}
    extra.update({k: data[k] for k in sorted(unknown)})
    entry = {"name": data.get("name"), "status": data.get("status"), "error": _text(data.get("error")),
             "traceback": _text(traceback), "warnings": _warnings(data.get("warnings"))}
    if extra:
        entry["details"] = extra
    if tool_version and re.match(r"^v?\d", tool_version):
        entry["tool_version"] = tool_version
    return TestEntry.from_json(entry, source=source, loc=loc)


def tool_report(data: Any, *, source: str) -> TestEntry:
    """A per-tool report of today (`<tool>_<tool version>.json`), as our test entry."""
    if not isinstance(data, dict):
        raise BadInput("expected a report (a mapping)", source=source)
    tool, version = data.get("tool"), data.get("tool_version")
    if not isinstance(tool, str) or not isinstance(version, str):
        raise BadInput("expected the report's `tool` and `tool_version`", source=source)
    if data.get("status") not in TEST_STATUSES:
        raise BadInput(f"expected a status of passed, failed or not-applicable, got {data.get('status')!r}",
                       source=source, loc=("status",))
    entry = {"name": f"{tool} {version}", "status": data["status"], "error": _text(data.get("error")),
             "tool_version": version, "links": data.get("links") or []}
    for key in ("details", "badge", "score"):
        if data.get(key) is not None:
            entry[key] = data[key]
    return TestEntry.from_json(entry, source=source)


def _text(value: Any) -> str | None:
    return None if value is None else value if isinstance(value, str) else json.dumps(value, default=str)


def _warnings(value: Any) -> list[str]:
    """Paper-era warnings: a mapping of topic -> text or list, a list, or one text."""
    if not value:
        return []
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            out += [f"{key}: {x}" for x in (item if isinstance(item, list) else [item])]
        return out
    return [str(x) for x in value] if isinstance(value, list) else [str(value)]
