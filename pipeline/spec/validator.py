"""`validate`: schema structure, code rules, and (optionally) file checks, into one Report."""

from __future__ import annotations

import os
from typing import Callable

from pipeline.errors import BadInput
from pipeline.base.http import HttpPolicy
from pipeline.spec import schema
from pipeline.spec.files import check_files, path_issues, referenced_files
from pipeline.spec.load import LoadedRdf, load_rdf
from pipeline.spec.report import INFO, Issue, Report, error, warning
from pipeline.spec.root import Root
from pipeline.spec.rules_common import check_general
from pipeline.spec.rules_model04 import check_model04
from pipeline.spec.rules_model05 import check_model05
from pipeline.spec.versions import Kind, classify


def validate(source_or_loaded: LoadedRdf | str | os.PathLike, *, io: bool = True, remote: bool = False,
             policy: HttpPolicy | None = None) -> Report:
    """Validate an RDF (path, folder, zip, URL, or an already loaded one); never raises for bad input."""
    if isinstance(source_or_loaded, LoadedRdf):
        loaded = source_or_loaded
    else:
        source = os.fspath(source_or_loaded)
        try:
            loaded = load_rdf(source, policy=policy)
        except BadInput as e:
            return Report(source, errors=[error([], e.msg, "load_error")])
    return validate_data(loaded.data, root=loaded.root, source=loaded.source, io=io, remote=remote,
                         policy=policy, loaded=loaded)


def validate_data(data: dict, *, root: Root | None = None, source: str = "<data>", io: bool = True,
                  remote: bool = False, policy: HttpPolicy | None = None,
                  loaded: LoadedRdf | None = None) -> Report:
    """Validate RDF data; file checks need `root`. Collections also validate each entry."""
    report = Report(source)
    if not isinstance(data, dict):
        report.errors.append(error([], f"expected a mapping, got {schema.describe(data)}", "type"))
        return report
    report.type = data.get("type") if isinstance(data.get("type"), str) else None
    report.format_version = data.get("format_version") if isinstance(data.get("format_version"), str) else None
    kind, issues = classify(data)
    report.add(issues)
    if kind.type == "model" and kind.minor == 3:
        from pipeline.spec.upgrader import model03_to_04

        data = model03_to_04(data)
        report.add([warning(["format_version"], "model 0.3 upgraded to 0.4 before validation", "upgraded", INFO)])
    report.add(_guarded(lambda: schema.check(kind.schema, data), "schema"))
    report.add(_guarded(lambda: _rules(data, kind), "rules"))
    if io and root is not None:
        report.add(_guarded(lambda: _file_checks(data, kind, root, remote), "file checks"))
    if kind.type == "collection" and loaded is not None:
        report.entries = _guarded_entries(loaded, io, remote, policy)
    return report


def _rules(data: dict, kind: Kind) -> list[Issue]:
    issues = check_general(data, kind) + path_issues(referenced_files(data))
    if kind.type == "model":
        issues += check_model05(data) if kind.minor == 5 else check_model04(data)
    return issues


def _file_checks(data: dict, kind: Kind, root: Root, remote: bool) -> list[Issue]:
    from pipeline.spec.tensors import check_tensors04, check_tensors05

    issues, raws = check_files(referenced_files(data), root, remote=remote)
    if kind.type == "model" and raws:
        issues += check_tensors05(data, raws) if kind.minor == 5 else check_tensors04(data, raws)
    return issues


def _guarded(run: Callable[[], list[Issue]], stage: str) -> list[Issue]:
    # A hostile RDF must never turn into a traceback; a bug of ours shows up as a clear error.
    try:
        return run()
    except BadInput as e:
        return [error(list(e.loc), e.msg, "bad_input")]
    except RecursionError:
        return [error([], f"{stage}: the RDF is nested too deeply", "internal_error")]
    except Exception as e:  # noqa: BLE001
        return [error([], f"{stage} failed unexpectedly: {type(e).__name__}: {e}", "internal_error")]


def _guarded_entries(loaded: LoadedRdf, io: bool, remote: bool, policy: HttpPolicy | None) -> list[Report]:
    from pipeline.spec.collection import resolve_collection

    reports = []
    try:
        entries = resolve_collection(loaded, policy=policy)
    except BadInput as e:
        return [Report(loaded.source, errors=[error(["collection"], e.msg, "collection")])]
    for entry in entries:
        source = f"{loaded.source}#{entry.id}"
        if entry.data is None:
            report = Report(source, errors=[error(["collection", entry.index], entry.error or "unreadable entry",
                                                  "collection_entry")])
        else:
            report = validate_data(entry.data, root=entry.root, source=source, io=io, remote=remote, policy=policy)
        report.id = entry.id
        reports.append(report)
    return reports
