"""`validate`: the description's checks, guidance, and (optionally) file checks, into one Report."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable

from pipeline.errors import BadInput
from pipeline.spec.fieldtypes import FAIL, Ctx, describe
from pipeline.spec.guidance import ignored_near_misses, order
from pipeline.spec.load import LoadedRdf, load_rdf
from pipeline.spec.report import ERROR, Issue, Report, error
from pipeline.spec.root import Root
from pipeline.spec.versions import Kind, classify, future_patch

if TYPE_CHECKING:
    from pipeline.base.http import HttpPolicy


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


def check_structure(data: Any) -> tuple[Kind | None, Any, list[Issue]]:
    """(kind, canonical data or FAIL, issues): the format checks without file I/O.

    The canonical data is a new mapping with the values the reference would read (numbers from
    numeric text, older patches converted, explicit nulls of optional fields dropped).
    """
    if not isinstance(data, dict):
        return None, FAIL, [error([], f"expected a mapping, got {describe(data)}", "type")]
    kind, issues = classify(data)
    if kind is None:
        return None, FAIL, issues
    # Converters never change the caller's data: they copy what they rewrite (Model.before gets a copy).
    work = dict(data)
    if future_patch(work, kind):
        work["format_version"] = kind.implemented
    ctx = Ctx()
    model = kind.description
    canonical = _guarded(lambda: model.check(work, (), ctx), ctx)
    issues += ctx.issues
    if model.extra == "ignore":
        issues += ignored_near_misses(data, model.fields)
    return kind, canonical, issues


def _guarded(run: Callable[[], Any], ctx: Ctx) -> Any:
    # A hostile RDF must never turn into a traceback; a bug of ours shows up as a clear error.
    try:
        return run()
    except RecursionError:
        return ctx.error((), "the RDF is nested too deeply", "internal_error")
    except Exception as e:
        return ctx.error((), f"validation failed unexpectedly: {type(e).__name__}: {e}", "internal_error")


def validate_data(data: dict, *, root: Root | None = None, source: str = "<data>", io: bool = True,
                  remote: bool = False, policy: HttpPolicy | None = None,
                  loaded: LoadedRdf | None = None) -> Report:
    """Validate RDF data; file checks need `root`. Collections also validate each entry."""
    report = Report(source)
    if isinstance(data, dict):
        report.type = data.get("type") if isinstance(data.get("type"), str) else None
        report.format_version = data.get("format_version") if isinstance(data.get("format_version"), str) else None
    kind, _, issues = check_structure(data)
    errors = [i for i in issues if i.severity >= ERROR]
    if kind is not None:
        errors = order(data, kind, errors)
    report.add(errors)
    report.add([i for i in issues if i.severity < ERROR])
    if io and root is not None and kind is not None:
        report.add(_file_checks(data, kind, root, remote))  # the RDF as written: locs are the user's
    if isinstance(data, dict) and data.get("type") == "collection" and loaded is not None:
        report.entries = _guarded_entries(loaded, io, remote, policy)
    return report


def _file_checks(data: dict, kind: Kind, root: Root, remote: bool) -> list[Issue]:
    from pipeline.spec.files import check_files, referenced_files
    from pipeline.spec.tensors import check_tensors04, check_tensors05

    def run() -> list[Issue]:
        issues, raws = check_files(referenced_files(data), root, remote=remote)
        if kind.type == "model" and raws:
            issues += check_tensors05(data, raws) if kind.minor == 5 else check_tensors04(data, raws)
        return issues

    try:
        return run()
    except BadInput as e:
        return [error(list(e.loc), e.msg, "bad_input")]
    except Exception as e:
        return [error([], f"file checks failed unexpectedly: {type(e).__name__}: {e}", "internal_error")]


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
