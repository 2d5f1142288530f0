"""The general fields of every type, and the generic/application/dataset/notebook descriptions (docs/format.md §2).

Format 0.2 (`GENERAL02`, latest patch 0.2.4) and format 0.3 (`GENERAL03`, latest 0.3.4) differ in
what they require and how strictly they check names, ids, citations and licenses; model 0.4
shares the 0.2 fields and model 0.5 the 0.3 ones. Older patches are converted as the reference
converts them before checking (`convert02`, `convert03`).
"""

from __future__ import annotations

import string
from typing import Any

from pipeline.spec.fieldtypes import (
    AnyOf, AnyValue, Ctx, DictOf, Field, Int, Invalid, ListOf, Lit, Loc, Model, Obj, Opt, Str, Then, Warn,
)
from pipeline.spec.report import ALERT, INFO
from pipeline.spec.values import (
    DOI, EMAIL, FILE_SOURCE, HTTP_URL, ORCID, PACKAGED_FILE, PACKAGED_SOURCE, VERSION, PlainFile, file_descr,
    is_deprecated_license, is_license, not_rdf_name, resource_id, strip_doi_prefix, with_suffix,
)

COVER_SUFFIXES_02 = (".gif", ".jpeg", ".jpg", ".png", ".svg", ".tif", ".tiff")
COVER_SUFFIXES_03 = (".gif", ".jpeg", ".jpg", ".png", ".svg")
SPECIFIC_TYPES = ("application", "collection", "dataset", "model", "notebook")
ID02, ID03 = resource_id(lowercase=True), resource_id(lowercase=False)
_INT = Int()


def _no_slashes(value: str) -> str:
    return value.replace("/", "").replace("\\", "")


def _has_no_slash(value: str) -> str:
    if "/" in value or "\\" in value:
        raise Invalid(f"a name may not contain '/' or '\\', got {value!r}", "name")
    return value


def _max_len(limit: int, msg: str) -> Any:
    def check(value: str) -> None:
        if len(value) > limit:
            raise Invalid(msg, "length")
    return check


def _fair(value: Any) -> None:
    if value is None or (isinstance(value, (str, list)) and not value):
        raise Invalid("missing: needed for FAIR resources", "fair")


def fair(inner: Any) -> Warn:
    """An ALERT when the value is empty or null (the reference's FAIR fields)."""
    return Warn(inner, _fair, severity=ALERT)


PERSON = {"affiliation": Field(Opt(Str()), None), "email": Field(Opt(EMAIL), None), "orcid": Field(Opt(ORCID), None)}
AUTHOR02 = Model("Author02", {**PERSON, "name": Field(Then(Str(), _no_slashes)),
                              "github_user": Field(Opt(Str()), None)})
MAINTAINER02 = Model("Maintainer02", {**PERSON, "name": Field(Opt(Then(Str(), _no_slashes)), None),
                                      "github_user": Field(Str())})


def _github_user(value: str) -> str:
    return "constantinpape" if value == "Constantin Pape" else value  # a known misspelling the reference fixes


AUTHOR03 = Model("Author03", {**PERSON, "name": Field(Then(Str(), _has_no_slash)),
                              "github_user": Field(Opt(Then(Str(), _github_user)), None)})
MAINTAINER03 = Model("Maintainer03", {**PERSON, "name": Field(Opt(Then(Str(), _has_no_slash)), None),
                                      "github_user": Field(Then(Str(), _github_user))})
UPLOADER = Model("Uploader", {"email": Field(EMAIL), "name": Field(Opt(Then(Str(), _no_slashes)), None)})


def _doi_or_url(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    if not obj.get("doi") and not obj.get("url"):
        ctx.error(loc, "a citation needs a `doi` or a `url`", "cite")


CITE02 = Model("CiteEntry02", {"text": Field(Str()), "doi": Field(Opt(DOI), None, before=strip_doi_prefix),
                               "url": Field(Opt(Str()), None)}, after=[_doi_or_url])
CITE03 = Model("CiteEntry03", {"text": Field(Str()), "doi": Field(Opt(DOI), None),
                               "url": Field(Opt(HTTP_URL), None)}, after=[_doi_or_url])


BADGE = Model("Badge", {"label": Field(Str()),
                        "icon": Field(Opt(Then(FILE_SOURCE, not_rdf_name)), None),
                        "url": Field(HTTP_URL)})
ATTACHMENTS02 = Model("Attachments02", {"files": Field(ListOf(PACKAGED_SOURCE), list)}, extra="allow")
_ICON_TEXT = Str(min_len=1, max_len=2, expected="an emoji (1 or 2 characters)")


def _missing_warning(value: Any) -> None:
    if not value:
        raise Invalid("missing", "missing")


def _authors02(raw: Any) -> Any:
    """0.2 accepts plain author names (and, as the reference, a text: one author per character)."""
    return [{"name": a} if isinstance(a, str) else a for a in raw] if isinstance(raw, (list, str)) else raw


def _license02(value: Any) -> None:
    if value is None:
        raise Invalid("missing", "missing")
    if is_deprecated_license(value):
        raise Invalid(f"{value!r} is a deprecated SPDX license id", "license_deprecated")
    if not is_license(value):
        raise Invalid(f"{value!r} is not an SPDX license id (see https://spdx.org/licenses/)", "license")


def general02() -> dict[str, Field]:
    """The 0.2 general fields (shared with model 0.4)."""
    return {
        "format_version": Field(Lit("0.2.4", expected="a 0.2 version of three numbers, 0.2.0 to 0.2.4")),
        "name": Field(Warn(Str(min_len=1), _max_len(128, "longer than 128 characters"))),
        "description": Field(Str()),
        "covers": Field(ListOf(Then(PACKAGED_SOURCE, with_suffix(COVER_SUFFIXES_02, case_sensitive=False))), list),
        "id_emoji": Field(Opt(Str(min_len=1, max_len=1, expected="one emoji")), None),
        "authors": Field(Warn(ListOf(AUTHOR02), _missing_warning), list, before=_authors02),
        "attachments": Field(Opt(ATTACHMENTS02), None),
        "cite": Field(Warn(ListOf(CITE02), _missing_warning), list),
        "config": Field(DictOf(AnyValue()), dict),
        "download_url": Field(Opt(HTTP_URL), None),
        "git_repo": Field(Opt(Str()), None),
        "icon": Field(Opt(AnyOf(_ICON_TEXT, FILE_SOURCE)), None),
        "links": Field(ListOf(Str()), list),
        "uploader": Field(Opt(UPLOADER), None),
        "maintainers": Field(ListOf(MAINTAINER02), list),
        "rdf_source": Field(Opt(FILE_SOURCE), None),
        "tags": Field(ListOf(Str()), list),
        "version": Field(Opt(VERSION), None),
        "version_number": Field(Opt(_INT), None),
    }


def names_without_slashes(data: dict) -> None:
    """0.2.2 (and model 0.4.6) names could contain slashes; later patches drop them."""
    if isinstance(data.get("name"), str):
        data["name"] = _no_slashes(data["name"])
    for group in ("authors", "maintainers"):
        people = data.get(group)
        if isinstance(people, list):
            data[group] = [dict(p, name=_no_slashes(p["name"]))
                           if isinstance(p, dict) and isinstance(p.get("name"), str) else p for p in people]


def nickname_to_id(data: dict) -> None:
    """0.2.3 and model 0.4.9 kept the zoo's nickname in config.bioimageio; later patches use id/id_emoji."""
    config = data.get("config")
    zoo = config.get("bioimageio") if isinstance(config, dict) else None
    if isinstance(zoo, dict):
        if zoo.get("nickname") is not None:
            data["id"] = zoo["nickname"]
        if zoo.get("nickname_icon") is not None:
            data["id_emoji"] = zoo["nickname_icon"]


def strip_prefixes(data: dict) -> None:
    """doi.org prefixes of cite DOIs and github.com prefixes of GitHub user names are dropped."""
    cite = data.get("cite")
    if isinstance(cite, list):
        data["cite"] = [dict(c, doi=strip_doi_prefix(c["doi"])) if isinstance(c, dict) and "doi" in c else c
                        for c in cite]
    for group in ("authors", "maintainers"):
        people = data.get(group)
        if isinstance(people, list):
            data[group] = [dict(p, github_user=p["github_user"][len("https://github.com/"):])
                           if isinstance(p, dict) and isinstance(p.get("github_user"), str)
                           and p["github_user"].startswith("https://github.com/") else p for p in people]


def convert02(data: dict, loc: Loc = (), ctx: Ctx | None = None) -> None:
    """Older 0.2 patches into 0.2.4, as the reference converts them."""
    version = data.get("format_version")
    if isinstance(data.get("authors"), list):
        data["authors"] = _authors02(data["authors"])
    if version in ("0.2.0", "0.2.1"):
        version = "0.2.2"
    if version == "0.2.2":
        names_without_slashes(data)
        version = "0.2.3"
    if version == "0.2.3":
        nickname_to_id(data)
        version = "0.2.4"
    if version != data.get("format_version"):
        data["format_version"] = version
    strip_prefixes(data)


def _type_is_generic(value: str) -> str:
    if value == "collection":
        raise Invalid("a collection is not a resource type of the format (its reference refuses it); partner "
                      "collections are read by `zoo harvest`, which validates each entry as its own RDF", "type")
    if value in SPECIFIC_TYPES:
        raise Invalid(f"type {value!r} is not a generic resource", "type")
    return value


def resource02(kind: str) -> Model:
    """generic/application/dataset/notebook 0.2.4."""
    fields = general02()
    fields.update({
        "badges": Field(ListOf(BADGE), list),
        "documentation": Field(Opt(FILE_SOURCE), None),
        "license": Field(Warn(Opt(Str()), _license02), None),
    })
    if kind == "generic":
        fields.update(type=Field(Then(Str(), _type_is_generic)), id=Field(Opt(ID02), None),
                      source=Field(Opt(HTTP_URL), None))
    else:
        fields.update(type=Field(Lit(kind)), id=Field(Opt(ID02), None))
        fields["source"] = {
            "application": Field(Opt(PACKAGED_SOURCE), None),
            "dataset": Field(Opt(HTTP_URL), None),
            "notebook": Field(Then(FILE_SOURCE, with_suffix((".ipynb",)))),
        }[kind]
    return Model(f"{kind}-0.2", fields, extra="ignore" if kind == "generic" else "forbid", before=[convert02])


# ---- 0.3 -----------------------------------------------------------------------------------

NAME03_CHARS = string.ascii_letters + string.digits + "_+- ()"
NAME03 = Warn(Str(chars=NAME03_CHARS, min_len=5, max_len=128,
                  expected="5 to 128 characters from A-Z a-z 0-9 _ + - space ( )"),
              _max_len(64, "longer than 64 characters"), severity=INFO)
DOCUMENTATION03 = Then(PACKAGED_FILE, with_suffix((".md",)))
COVER03 = Then(PACKAGED_FILE, with_suffix(COVER_SUFFIXES_03, case_sensitive=False))


def _license03(value: Any) -> None:
    if isinstance(value, dict):
        raise Invalid("a custom license file; an SPDX license id is better for FAIR resources", "license_custom")
    if is_deprecated_license(value):
        raise Invalid(f"{value!r} is a deprecated SPDX license id", "license_deprecated")


def _spdx_id(value: str) -> str:
    if not (is_license(value) or is_deprecated_license(value)):
        raise Invalid(f"{value!r} is not an SPDX license id (see https://spdx.org/licenses/)", "license")
    return value


LICENSE03 = fair(Warn(Opt(AnyOf(Then(Str(), _spdx_id, expected="an SPDX license id"), PACKAGED_FILE, ordered=True)),
                      _license03))


def maintainers_exist(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    """An ALERT when nobody can be reached on GitHub."""
    authors = obj["authors"]
    if not obj["maintainers"] and authors and all(a.get("github_user") is None for a in authors):
        ctx.warn(loc + ("authors",), "no maintainers and no author with a `github_user`", "maintainers", ALERT)


def version_number_to_version(data: dict, loc: Loc = (), ctx: Ctx | None = None) -> None:
    """0.3 and model 0.5 read a deprecated `version_number` as `version` (when no version is given)."""
    number = data.pop("version_number", None)
    if number is not None and data.get("version") is None:
        data["version"] = number


def not_own_parent(fmt: str) -> Any:
    """A hook: the weights entry of `fmt` may not name itself as its parent."""
    def hook(obj: Obj, loc: Loc, ctx: Ctx) -> None:
        if obj.get("parent") == fmt:
            ctx.error(loc + ("parent",), "a weights entry cannot be its own parent", "weights_parent")
    return hook


def percentiles_ordered(obj: Obj, loc: Loc, ctx: Ctx) -> None:
    """A hook: min_percentile < max_percentile."""
    if obj["min_percentile"] >= obj["max_percentile"]:
        ctx.error(loc + ("max_percentile",), f"expected max_percentile > min_percentile "
                  f"({obj['min_percentile']:g}), got {obj['max_percentile']:g}", "processing_kwargs")


def general03() -> dict[str, Field]:
    """The 0.3 general fields (shared with model 0.5)."""
    return {
        "name": Field(NAME03),
        "description": Field(fair(Warn(Str(max_len=1024), _max_len(512, "longer than 512 characters"))), ""),
        "covers": Field(ListOf(COVER03), list),
        "documentation": Field(fair(Opt(DOCUMENTATION03)), None),
        "id_emoji": Field(Opt(_ICON_TEXT), None),
        "authors": Field(fair(ListOf(AUTHOR03)), list),
        "attachments": Field(ListOf(PACKAGED_FILE), list),
        "cite": Field(fair(ListOf(CITE03)), list),
        "license": Field(LICENSE03, None),
        "git_repo": Field(Opt(HTTP_URL), None),
        "icon": Field(Opt(AnyOf(_ICON_TEXT, PACKAGED_FILE)), None),
        "links": Field(ListOf(Str()), list),
        "uploader": Field(Opt(UPLOADER), None),
        "maintainers": Field(ListOf(MAINTAINER03), list),
        "tags": Field(fair(ListOf(Str())), list),
        "version": Field(Opt(VERSION), None),
        "version_comment": Field(Opt(Str(max_len=512)), None),
    }


CONFIG03 = Model("Config", {"bioimageio": Field(DictOf(AnyValue()), dict)}, extra="allow")


def plain_files_to_objects(data: dict) -> None:
    """Patches before 0.3.4 (model 0.5.11) wrote documentation, covers and icon files as plain text."""
    if isinstance(data.get("documentation"), str):
        data["documentation"] = PlainFile(source=data["documentation"])
    if isinstance(data.get("covers"), list):
        data["covers"] = [PlainFile(source=c) if isinstance(c, str) else c for c in data["covers"]]
    if isinstance(data.get("icon"), str) and len(data["icon"]) > 2:
        data["icon"] = PlainFile(source=data["icon"])


def convert03(data: dict, loc: Loc = (), ctx: Ctx | None = None) -> None:
    """Any other version into 0.3.4, as the reference converts it: older forms are rewritten, and a
    version the reference's version parser reads (even '0.3' or '1.0') ends up validated as 0.3.4."""
    from packaging.version import InvalidVersion, Version

    raw = data.get("format_version")
    try:
        version = Version(raw) if isinstance(raw, str) else None
    except InvalidVersion:
        version = None
    if version is None:
        return
    if version < Version("0.3"):
        convert02(data)
        attachments = data.get("attachments")
        if isinstance(attachments, dict):
            data["attachments"] = [{"source": f} for f in attachments.get("files", [])] \
                if isinstance(attachments.get("files", []), list) else attachments
        data.pop("download_url", None)
        data.pop("rdf_source", None)
        if isinstance(data.get("name"), str):
            data["name"] = "".join(c if c in NAME03_CHARS else " " for c in data["name"])[:128]
    if version < Version("0.3.4"):
        plain_files_to_objects(data)
    data["format_version"] = "0.3.4"


def resource03(kind: str) -> Model:
    """generic/application/dataset/notebook 0.3.4."""
    fields = {"format_version": Field(Lit("0.3.4", expected="a format version such as 0.3.4")), **general03(),
              "badges": Field(ListOf(BADGE), list), "config": Field(CONFIG03, dict)}
    if kind == "generic":
        fields.update(type=Field(Then(Str(), _type_is_generic)), id=Field(Opt(ID03), None),
                      parent=Field(Opt(ID03), None), source=Field(Opt(HTTP_URL), None))
    else:
        fields.update(type=Field(Lit(kind)), id=Field(Opt(ID03), None), parent=Field(Opt(ID03), None))
        fields["source"] = {
            "application": Field(fair(Opt(PACKAGED_SOURCE)), None),
            "dataset": Field(fair(Opt(HTTP_URL)), None),
            "notebook": Field(Then(FILE_SOURCE, with_suffix((".ipynb",)))),
        }[kind]
    return Model(f"{kind}-0.3", fields, extra="ignore" if kind == "generic" else "forbid",
                 before=[convert03, version_number_to_version], after=[maintainers_exist])


def linked_dataset02() -> Model:
    """A reference to a dataset in model 0.4 `training_data`."""
    return Model("LinkedDataset02", {"id": Field(ID02), "version_number": Field(Opt(_INT), None)})


def file_object(suffixes: tuple[str, ...] | None = None) -> Any:
    """A {source, sha256} file object, optionally with a suffix rule."""
    base = Then(file_descr(), not_rdf_name)
    return Then(base, with_suffix(suffixes)) if suffixes else base
