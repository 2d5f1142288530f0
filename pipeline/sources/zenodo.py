"""The Zenodo REST client: list every `bioimage.io` record (all versions) and fetch RDF files."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator
from urllib.parse import quote, urlencode, urlsplit

from pipeline.errors import BadInput
from pipeline.sources.transport import Transport

DEFAULT_API = "https://zenodo.org/api"
KEYWORD = "bioimage.io"
BACKUP_KEYWORD = "backup.bioimage.io"
PAGE_SIZE = 100
MAX_PAGES = 10_000
MAX_RDF_BYTES = 16 * 1024 * 1024
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")


@dataclass(frozen=True)
class ZenodoFile:
    key: str
    size: int
    checksum: str  # "md5:<hex>" as Zenodo lists it


@dataclass(frozen=True)
class ZenodoRecord:
    """The fields of a record the harvest needs; everything else is ignored."""

    record_id: str
    concept_doi: str
    doi: str
    created: str
    title: str
    version: str
    keywords: tuple[str, ...]
    files: tuple[ZenodoFile, ...]
    owners: tuple[int | str, ...] = field(default=())
    downloads: int | None = None  # Zenodo's `stats.unique_downloads` (all versions of the concept)

    @property
    def is_backup(self) -> bool:
        return BACKUP_KEYWORD in self.keywords


@dataclass
class Listing:
    """The records found, records that could not be read, and what the server said in total."""

    records: list[ZenodoRecord] = field(default_factory=list)
    broken: list[tuple[str, str]] = field(default_factory=list)
    total: int | None = None
    pages: int = 0


class ZenodoClient:
    """Client for the Zenodo records API (or a record set of the same shape)."""

    def __init__(self, transport: Transport, *, page_size: int = PAGE_SIZE, max_rdf_bytes: int = MAX_RDF_BYTES):
        self.transport = transport
        self.page_size = page_size
        self.max_rdf_bytes = max_rdf_bytes

    def search_url(self) -> str:
        query = {"q": f"keywords:{KEYWORD}", "all_versions": 1, "sort": "newest",
                 "size": self.page_size, "page": 1}
        return f"{self.transport.base}/records?{urlencode(query)}"

    def list_records(self) -> Listing:
        """Follow `links.next` to the end; a page that cannot be read fails the whole listing."""
        listing = Listing()
        seen: set[str] = set()
        for page in self._pages():
            listing.pages += 1
            hits = page.get("hits")
            if not isinstance(hits, dict) or not isinstance(hits.get("hits"), list):
                raise BadInput("search page without hits.hits", source=self.search_url())
            total = hits.get("total")
            if isinstance(total, dict):  # {"value": N, "relation": "eq"} in some API versions
                total = total.get("value")
            if isinstance(total, int):
                listing.total = total
            for raw in hits["hits"]:
                try:
                    record = parse_record(raw)
                except BadInput as e:
                    listing.broken.append((_raw_id(raw), e.msg))
                    continue
                # Records published while we page can shift items onto the next page.
                if record.record_id not in seen:
                    seen.add(record.record_id)
                    listing.records.append(record)
        return listing

    def _pages(self) -> Iterator[dict[str, Any]]:
        url: str | None = self.search_url()
        visited: set[str] = set()
        while url:
            if url in visited or len(visited) >= MAX_PAGES:
                raise BadInput("search pagination loops or never ends", source=url)
            visited.add(url)
            page = self.transport.get_json(url)
            if not isinstance(page, dict):
                raise BadInput(f"expected a JSON object, got {type(page).__name__}", source=url)
            yield page
            links = page.get("links") if isinstance(page.get("links"), dict) else {}
            url = links.get("next") or None
            if url is not None:
                self._check_same_api(url)

    def _check_same_api(self, url: str) -> None:
        # A next link may only lead back to the API we were configured with.
        base, nxt = urlsplit(self.transport.base), urlsplit(str(url))
        if (nxt.scheme, nxt.netloc) != (base.scheme, base.netloc) or not nxt.path.startswith(base.path):
            raise BadInput(f"next page link leaves the API {self.transport.base}", source=str(url))

    def file_url(self, record: ZenodoRecord, key: str) -> str:
        # Built from the base, not taken from the record, so a record cannot point us elsewhere.
        return f"{self.transport.base}/records/{record.record_id}/files/{quote(key, safe='')}/content"

    def fetch_file(self, record: ZenodoRecord, file: ZenodoFile, *, max_bytes: int | None = None) -> bytes:
        """Download one file, size-limited and checked against the checksum Zenodo lists."""
        limit = self.max_rdf_bytes if max_bytes is None else max_bytes
        url = self.file_url(record, file.key)
        if file.size > limit:
            raise BadInput(f"file {file.key} has {file.size} bytes, more than the limit of {limit}", source=url)
        data = self.transport.get_bytes(url, max_bytes=limit)
        check_checksum(data, file, url)
        return data


def check_checksum(data: bytes, file: ZenodoFile, url: str) -> None:
    """Raise BadInput unless `data` matches the listed size and checksum."""
    if len(data) != file.size:
        raise BadInput(f"got {len(data)} bytes, the record lists {file.size}", source=url)
    algorithm, _, expected = file.checksum.partition(":")
    if algorithm not in ("md5", "sha256") or not expected:
        raise BadInput(f"unsupported checksum {file.checksum!r}", source=url)
    actual = hashlib.new(algorithm, data).hexdigest()
    if actual != expected.lower():
        raise BadInput(f"{algorithm} checksum mismatch: listed {expected}, got {actual}", source=url)


def parse_record(raw: Any) -> ZenodoRecord:
    """Read the fields we need from a record; unknown fields are ignored."""
    rid = _raw_id(raw)
    if not isinstance(raw, dict):
        raise BadInput("record is not a JSON object", source=f"record {rid}")
    meta = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
    concept = normalize_doi(raw.get("conceptdoi") or meta.get("conceptdoi") or "")
    if not concept and raw.get("conceptrecid"):
        concept = f"10.5281/zenodo.{raw['conceptrecid']}"
    doi = normalize_doi(raw.get("doi") or meta.get("doi") or "")
    if not rid.isdigit():
        raise BadInput("record has no numeric id", source=f"record {rid}")
    if not _DOI.match(concept):
        raise BadInput(f"record has no valid concept DOI (got {concept!r})", source=f"record {rid}")
    files = raw.get("files")
    if isinstance(files, dict):  # some API versions nest the list under "entries"
        files = files.get("entries")
    if not isinstance(files, list):
        files = []
    keywords = meta.get("keywords") if isinstance(meta.get("keywords"), list) else []
    owners = raw.get("owners") if isinstance(raw.get("owners"), list) else []
    return ZenodoRecord(
        record_id=rid, concept_doi=concept, doi=doi or f"10.5281/zenodo.{rid}",
        created=normalize_time(raw.get("created")), title=str(meta.get("title") or ""),
        version=str(meta.get("version") or ""), keywords=tuple(str(k) for k in keywords),
        files=tuple(f for f in (_file(x) for x in files) if f is not None),
        owners=tuple(o["id"] for o in owners if isinstance(o, dict) and isinstance(o.get("id"), (int, str))),
        downloads=_downloads(raw.get("stats")),
    )


def _downloads(stats: Any) -> int | None:
    """The download count a record's statistics give: unique downloads (the count the legacy
    collection showed), else plain downloads; None when the record has no statistics."""
    if not isinstance(stats, dict):
        return None
    for key in ("unique_downloads", "downloads"):
        value = stats.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
            return int(value)
    return None


def _file(raw: Any) -> ZenodoFile | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("key"), str):
        return None
    size = raw.get("size")
    return ZenodoFile(key=raw["key"], size=size if isinstance(size, int) else -1,
                      checksum=str(raw.get("checksum") or ""))


def _raw_id(raw: Any) -> str:
    value = raw.get("id", raw.get("recid")) if isinstance(raw, dict) else None
    return str(value) if isinstance(value, (int, str)) else "?"


def normalize_doi(value: Any) -> str:
    text = str(value).strip().lower()
    for prefix in ("https://doi.org/", "http://doi.org/", "doi:"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text


def normalize_time(value: Any) -> str:
    """ISO 8601 in UTC with a Z; an unreadable time becomes ''."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return ""
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
