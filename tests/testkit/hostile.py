"""Builders of hostile inputs for the adversarial suite: generated at test time, never committed."""

from __future__ import annotations

import hashlib
import io
import shutil
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np
from numpy.lib import format as npformat

from pipeline.spec import yamlio
from testkit.paths import DATASET, MODEL

MiB = 1024 * 1024
XSS = ("<script>alert('xss')</script><img src=x onerror=\"alert('img')\">"
       "<svg onload=\"alert('svg')\"></svg><a href=\"javascript:alert('href')\">x</a>")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_yaml(path: Path) -> dict:
    return yamlio.loads(path.read_bytes(), source=str(path))


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yamlio.dumps(data), encoding="utf-8")
    return path


def dataset_copy(tmp: Path, **changes) -> Path:
    """A copy of the example dataset folder whose rdf.yaml has `changes` applied; returns the folder."""
    folder = tmp / "dataset"
    shutil.copytree(DATASET, folder)
    write_yaml(folder / "rdf.yaml", {**read_yaml(DATASET / "rdf.yaml"), **changes})
    return folder


def model_copy(tmp: Path, formats: tuple[str, ...] = ("pytorch_state_dict",), edit: Callable | None = None) -> Path:
    """A copy of the 2D example model (0.5) reduced to `formats`, `edit(rdf, folder)` applied."""
    folder = tmp / "model"
    shutil.copytree(MODEL, folder)
    rdf = read_yaml(MODEL / "rdf.yaml")
    rdf["weights"] = {f: {k: v for k, v in rdf["weights"][f].items() if k != "parent"} for f in formats}
    if edit:
        edit(rdf, folder)
    write_yaml(folder / "rdf.yaml", rdf)
    return folder


def model_with_code(tmp: Path, code: str) -> Path:
    """The example model whose architecture module runs `code` when imported (sha256 kept consistent)."""

    def edit(rdf, folder):
        src = (MODEL / "nuclei_net.py").read_text(encoding="utf-8")
        (folder / "nuclei_net.py").write_text(src + "\n" + code + "\n", encoding="utf-8")
        rdf["weights"]["pytorch_state_dict"]["architecture"]["sha256"] = sha(folder / "nuclei_net.py")

    return model_copy(tmp, edit=edit)


def billion_laughs(levels: int = 10) -> bytes:
    """A YAML document whose aliases expand to 10**levels strings."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return ("format_version: 0.3.0\ntype: dataset\n" + "\n".join(lines) + "\n").encode()


def npy_header(shape: tuple, descr: object = "<f4", version: tuple = (1, 0)) -> bytes:
    out = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    (npformat.write_array_header_1_0 if version == (1, 0) else npformat.write_array_header_2_0)(out, header)
    return out.getvalue()


def npy_bytes(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    out = io.BytesIO()
    np.save(out, array, allow_pickle=allow_pickle)
    return out.getvalue()


def zip_with(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name) if name.startswith("/") or ".." in name else name, data,
                        compress_type=compression)
    return path


def lie_about_size(path: Path, member: str, declared: int) -> None:
    """Rewrite the uncompressed size a zip declares for `member` (local header and central directory)."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for signature, name_at, size_at in ((b"PK\x03\x04", 30, 22), (b"PK\x01\x02", 46, 24)):
        start = 0
        while (at := data.find(signature, start)) >= 0:
            if data[at + name_at: at + name_at + len(name)] == name:
                data[at + size_at: at + size_at + 4] = declared.to_bytes(4, "little")
            start = at + 4
    path.write_bytes(bytes(data))


def jpeg_scan_bomb(side: int = 4000, scans: int = 40_000) -> bytes:
    """A progressive JPEG whose smallest scan is repeated `scans` times: about a megabyte of file,
    each scan a pass over every block (minutes of decoding without a time bound)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (side, side), 128).save(out, "JPEG", progressive=True, quality=90)
    data = out.getvalue()
    at, segments = 2, []
    while data[at + 1] != 0xD9:
        end = at + 2 + int.from_bytes(data[at + 2:at + 4], "big")
        if data[at + 1] == 0xDA:  # start of scan: its entropy-coded data runs to the next real marker
            while not (data[end] == 0xFF and data[end + 1] != 0 and not 0xD0 <= data[end + 1] <= 0xD7):
                end += 1
            segments.append((at, end))
        at = end
    start, stop = min(segments[1:], key=lambda s: s[1] - s[0])
    return data[:at] + data[start:stop] * scans + b"\xff\xd9"


EPS_LOOP = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n{ } loop\n%%EOF\n"
POSTSCRIPT = {
    "eps-loop": EPS_LOOP,
    "eps-dos-binary": b"\xc5\xd0\xd3\xc6" + (30).to_bytes(4, "little") + len(EPS_LOOP).to_bytes(4, "little")
                      + bytes(18) + EPS_LOOP,
    "postscript-no-epsf": b"%!PS\n/x { x } def x\n",
    "pdf": b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
    "svg-named-png": b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
}


def partner_entry(entry_id: str, n: int, **changes) -> dict:
    """An inline application entry of a partner collection (`changes` override its keys)."""
    return {"id": entry_id, "type": "application", "name": f"Application {n}", "version": f"1.{n}.0",
            "description": "an application", "source": "https://example.org/app", "tags": ["x"], **changes}


def partner_folder(tmp: Path, entries: list[dict], *, summaries: bytes | None = None, pid: str = "evil") -> Path:
    """A partners folder registering `pid`, whose local collection holds `entries` (and its test
    summaries document, when given); returns the folder. Several partners may share one folder."""
    folder = tmp / "partners"
    (folder / pid).mkdir(parents=True, exist_ok=True)
    collection = {"format_version": "0.2.4", "type": "collection", "id": pid, "name": "A partner",
                  "description": "entries", "collection": entries}
    (folder / pid / "collection.yaml").write_text(yamlio.dumps(collection))
    registration = f"id: {pid}\nname: A partner\ncollection:\n  path: {pid}/collection.yaml\n"
    if summaries is not None:
        (folder / pid / "test_summaries.json").write_bytes(summaries)
        registration += f"test_summaries: {pid}/test_summaries.json\n"
    (folder / f"{pid}.yaml").write_text(registration)
    return folder


def tensor_zip(path: Path, count: int, size: int, fill: bytes = b"\0") -> Path:
    """The example model, zipped, whose inputs and outputs are `count` test tensors of `size` bytes
    each, every byte `fill` (deflated: a few MB on disk), their sha256s wrong on purpose."""
    rdf = read_yaml(MODEL / "rdf.yaml")
    side = int((size // 4) ** 0.5)
    rdf["inputs"] = [dict(rdf["inputs"][0], id=f"in{i}") for i in range(count // 2)]
    rdf["outputs"] = [dict(rdf["outputs"][0], id=f"out{i}") for i in range(count - count // 2)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, tensor in enumerate([*rdf["inputs"], *rdf["outputs"]]):
            tensor["test_tensor"] = {"source": f"tensor{n}.npy", "sha256": "0" * 64}
            with zf.open(f"tensor{n}.npy", "w", force_zip64=True) as member:  # in pieces: small in memory
                member.write(npy_header((1, 1, side, side)))
                left = side * side * 4
                while left:
                    member.write(fill * min(left, MiB))
                    left -= min(left, MiB)
        for extra in MODEL.iterdir():
            if extra.is_file() and extra.name != "rdf.yaml" and not extra.name.endswith(".npy"):
                zf.write(extra, extra.name)
        zf.writestr("rdf.yaml", yamlio.dumps(rdf))
    return path
