"""The files an RDF references, and the file checks (existence, sha256) run when I/O is on."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator, Union

from pipeline.errors import BadInput
from pipeline.spec.load import is_rdf_name
from pipeline.spec.report import Issue, error
from pipeline.spec.root import Root, check_relative, is_url

if TYPE_CHECKING:
    from pipeline.base import npy

MiB = 1024 * 1024
MAX_FILE_BYTES = 4096 * MiB
MAX_TENSOR_BYTES = 512 * MiB
TensorScan = Union["npy.Facts", str]  # a test tensor's facts, or why it is no readable .npy file


@dataclass(frozen=True)
class FileRef:
    """A file named in an RDF: where (`loc`), its path/URL, expected sha256, and its role."""

    loc: tuple
    source: str
    sha256: str | None = None
    sha256_loc: tuple | None = None
    role: str = "file"


def as_list(value: Any) -> list:
    """value if it is a list, else an empty list."""
    return value if isinstance(value, list) else []


def _file(value: Any, loc: list, role: str) -> Iterator[FileRef]:
    if isinstance(value, str) and value:
        yield FileRef(tuple(loc), value, role=role)
    elif isinstance(value, dict) and isinstance(value.get("source"), str) and value["source"]:
        sha = value.get("sha256") if isinstance(value.get("sha256"), str) else None
        yield FileRef(tuple(loc + ["source"]), value["source"], sha, tuple(loc + ["sha256"]), role)


def _looks_like_file(value: Any) -> bool:
    return isinstance(value, dict) or (isinstance(value, str) and "." in value and len(value) > 2)


def referenced_files(data: dict) -> list[FileRef]:
    """Every file an RDF of any type references, once per place it is named (in RDF order).

    For 0.4 `architecture` ("file.py:Name") and `dependencies` ("conda:env.yaml") the value
    at `loc` contains `source` rather than being equal to it.
    """
    refs = [*_general(data)]
    if data.get("type") == "model":
        refs += _model04(data) if _is_04(data) else _model05(data)
    return refs


def _is_04(data: dict) -> bool:
    version = data.get("format_version")
    return isinstance(version, str) and version.startswith(("0.4", "0.3"))


def _general(data: dict) -> Iterator[FileRef]:
    yield from _file(data.get("documentation"), ["documentation"], "documentation")
    for i, cover in enumerate(as_list(data.get("covers"))):
        yield from _file(cover, ["covers", i], "cover")
    if _looks_like_file(data.get("icon")):
        yield from _file(data["icon"], ["icon"], "icon")
    if isinstance(data.get("license"), dict):
        yield from _file(data["license"], ["license"], "license")
    attachments = data.get("attachments")
    if isinstance(attachments, dict):
        for i, name in enumerate(as_list(attachments.get("files"))):
            yield from _file(name, ["attachments", "files", i], "attachment")
    for i, item in enumerate(as_list(attachments)):
        yield from _file(item, ["attachments", i], "attachment")
    if data.get("type") in ("notebook", "application"):
        yield from _file(data.get("source"), ["source"], "source")


def _model04(data: dict) -> Iterator[FileRef]:
    for key in ("test_inputs", "test_outputs", "sample_inputs", "sample_outputs"):
        role = "test_tensor" if key.startswith("test") else "sample"
        for i, name in enumerate(as_list(data.get(key))):
            yield from _file(name, [key, i], role)
    weights = data.get("weights")
    for fmt, entry in (weights.items() if isinstance(weights, dict) else []):
        if not isinstance(entry, dict):
            continue
        source = entry.get("source")
        if isinstance(source, str) and source:
            sha = entry.get("sha256") if isinstance(entry.get("sha256"), str) else None
            yield FileRef(("weights", fmt, "source"), source, sha, ("weights", fmt, "sha256"), "weights")
        arch = entry.get("architecture")
        if isinstance(arch, str) and ".py:" in arch:
            sha = entry.get("architecture_sha256") if isinstance(entry.get("architecture_sha256"), str) else None
            yield FileRef(("weights", fmt, "architecture"), arch.rsplit(":", 1)[0], sha,
                          ("weights", fmt, "architecture_sha256"), "architecture")
        deps = entry.get("dependencies")
        if isinstance(deps, str) and ":" in deps:
            yield FileRef(("weights", fmt, "dependencies"), deps.split(":", 1)[1], role="dependencies")
        attachments = entry.get("attachments")
        for i, name in enumerate(as_list(attachments.get("files")) if isinstance(attachments, dict) else []):
            yield from _file(name, ["weights", fmt, "attachments", "files", i], "attachment")


def _model05(data: dict) -> Iterator[FileRef]:
    for group in ("inputs", "outputs"):
        for i, tensor in enumerate(as_list(data.get(group))):
            if not isinstance(tensor, dict):
                continue
            yield from _file(tensor.get("test_tensor"), [group, i, "test_tensor"], "test_tensor")
            yield from _file(tensor.get("sample_tensor"), [group, i, "sample_tensor"], "sample")
            key = "preprocessing" if group == "inputs" else "postprocessing"
            for k, step in enumerate(as_list(tensor.get(key))):
                if isinstance(step, dict) and step.get("id") == "custom" and isinstance(step.get("kwargs"), dict):
                    yield from _file(step["kwargs"], [group, i, key, k, "kwargs"], "code")
    weights = data.get("weights")
    for fmt, entry in (weights.items() if isinstance(weights, dict) else []):
        if not isinstance(entry, dict):
            continue
        yield from _file(entry, ["weights", fmt], "weights")
        arch = entry.get("architecture")
        if isinstance(arch, dict) and "source" in arch:
            yield from _file(arch, ["weights", fmt, "architecture"], "architecture")
        for key, role in (("dependencies", "dependencies"), ("external_data", "weights")):
            yield from _file(entry.get(key), ["weights", fmt, key], role)


def path_issues(refs: list[FileRef]) -> list[Issue]:
    """Paths that could leave the resource's root (absolute, `..`, file:// or other schemes)."""
    issues = []
    for ref in refs:
        if ref.role == "attachment" and is_rdf_name(ref.source):
            issues.append(error(ref.loc, f"{ref.source!r} is an RDF file name, not an attachment", "attachment"))
        if is_url(ref.source):
            continue
        try:
            check_relative(ref.source)
        except BadInput as e:
            issues.append(error(ref.loc, e.msg, "path"))
    return issues


def check_files(refs: list[FileRef], root: Root, *, remote: bool) -> tuple[list[Issue], dict[str, TensorScan]]:
    """Existence and sha256 of each referenced file; returns issues and, per test tensor, what one
    streamed pass over it found (its header and largest value, or why it is no readable .npy)."""
    issues: list[Issue] = []
    tensors: dict[str, TensorScan] = {}
    for ref in refs:
        if path_issues([ref]):
            continue  # reported by path_issues, which runs with or without file checks
        if root.is_remote(ref.source) and not remote:
            continue
        issues += _check_one(ref, root, tensors)
    return issues, tensors


def _check_one(ref: FileRef, root: Root, tensors: dict[str, TensorScan]) -> list[Issue]:
    try:
        if not root.is_remote(ref.source) and not root.exists(ref.source):
            return [error(ref.loc, root.why_missing(ref.source), "file_missing")]
        if ref.role == "test_tensor":
            actual, tensors[ref.source] = _scan_tensor(root, ref.source)
        elif ref.sha256 is not None:
            actual = root.sha256(ref.source, max_bytes=MAX_FILE_BYTES)
        else:
            if root.is_remote(ref.source) and not root.exists(ref.source):
                return [error(ref.loc, root.why_missing(ref.source), "file_missing")]
            return []
    except BadInput as e:
        return [error(ref.loc, e.msg, "file_unreadable")]
    if ref.sha256 is not None and actual != ref.sha256.lower():
        return [error(ref.sha256_loc or ref.loc, f"sha256 mismatch for {ref.source}: expected {ref.sha256}, "
                      f"got {actual}", "sha256")]
    return []


def _scan_tensor(root: Root, source: str) -> tuple[str, TensorScan]:
    """One streamed pass over a test tensor: its sha256, and its header and largest value."""
    from pipeline.base import npy  # numpy: only file checks need it

    digest = hashlib.sha256()

    def hashed() -> Iterator[bytes]:
        for chunk in root.chunks(source, max_bytes=MAX_TENSOR_BYTES):
            digest.update(chunk)
            yield chunk

    stream = hashed()
    try:
        scan: TensorScan = npy.scan(stream, max_bytes=MAX_TENSOR_BYTES)
    except npy.NpyError as e:
        scan = str(e)
    for _ in stream:  # the hash covers the whole file even when the header was refused
        pass
    return digest.hexdigest(), scan


def replace_reference(data: Any, loc: tuple[str | int, ...], source: str, value: str) -> bool:
    """Point the reference to `source` at `loc` to `value`; keeps prefixes and suffixes such as
    `conda:` or `:Callable` that share the string. False when `loc` no longer exists."""
    parent = data
    try:
        for key in loc[:-1]:
            parent = parent[key]
        current = parent[loc[-1]]
    except (KeyError, IndexError, TypeError):
        return False  # an override replaced this field; its own value stands
    if isinstance(current, dict):
        current["source"] = value
    elif isinstance(current, str):
        parent[loc[-1]] = current.replace(source, value, 1) if current != source else value
    else:
        return False
    return True
