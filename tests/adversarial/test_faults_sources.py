"""Fault injection on the sources: Zenodo and partner servers (loopback) misbehaving during a harvest.

After every fault: nothing accepted is lost, nothing is duplicated, the store parses, and a rerun
with a healthy server finishes the work (the store then equals one harvested without faults).
"""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from pipeline.sources import harvesting
from pipeline.sources.harvesting import HarvestConfig
from pipeline.base.http import HttpPolicy
from pipeline.sources.recordset import record_json, write_record_set
from pipeline.sources.zenodo_server import Faults, ZenodoServer
from pipeline.store import yaml as store_yaml

from testkit.loopback import DROP, LoopbackServer, Request
from testkit.hostile import billion_laughs
from testkit.paths import DATASET, EXAMPLES

POLICY = HttpPolicy(retries=3, backoff=0.01, read_timeout=1.0, max_retry_after=0.05)
NO_RETRY = HttpPolicy(retries=0, backoff=0.01, read_timeout=1.0)
ZENODO = EXAMPLES / "zenodo"


def snapshot(store: Path) -> dict[str, bytes]:
    """Every resource.yaml of a store by relative path; each must parse and list unique versions."""
    files = {}
    for path in sorted(store.rglob("resource.yaml")):
        data = store_yaml.loads(path.read_bytes(), source=str(path))
        ids = [v["version_id"] for v in data.get("versions", [])]
        assert len(ids) == len(set(ids)), f"duplicated version in {path}"
        # servers listen on a new port and stores live in a new folder each time, and a partner
        # entry without a date is stamped with the harvest time: none is what must survive
        text = path.read_bytes().replace(str(store).encode(), b"STORE")
        text = re.sub(rb"127\.0\.0\.1:\d+", b"HOST", text)
        files[str(path.relative_to(store))] = re.sub(rb"created: '[^']*'", b"created: T", text)
    return files


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> dict[str, bytes]:
    """The store a fault-free harvest of the embedded record set writes."""
    store = tmp_path_factory.mktemp("clean") / "collection"
    with ZenodoServer(ZENODO) as server:
        assert harvesting.run(HarvestConfig(server.base, None, store, policy=POLICY, validate=False)).ok
    return snapshot(store)


TRANSIENT = [
    ("rate-limited", Faults(rate_limited=3, retry_after="0")),
    ("rate-limited-hostile-retry-after", Faults(rate_limited=2, retry_after="999999")),
    ("server-errors", Faults(server_errors=3)),
    ("truncated-json", Faults(truncated_json=2)),
    ("invalid-json", Faults(invalid_json=2)),
    ("dropped-mid-body", Faults(dropped=3)),
    ("stall-beyond-read-timeout", Faults(stalls=1, stall_seconds=2.5)),
    ("page-size-capped", Faults(max_page_size=1)),
]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("faults", [c[1] for c in TRANSIENT], ids=[c[0] for c in TRANSIENT])
def test_transient_zenodo_faults_are_ridden_out(tmp_path, clean, faults):
    before = _pending(faults)
    store = tmp_path / "collection"
    with ZenodoServer(ZENODO, faults) as server:
        summary = harvesting.run(HarvestConfig(server.base, None, store, policy=POLICY, validate=False))
    assert before - _pending(faults) > 0 or faults.max_page_size == 1  # the fault really fired
    assert summary.ok, summary.format_text()
    assert snapshot(store) == clean


PERSISTENT = [
    ("outage", Faults(server_errors=10_000)),
    ("always-invalid-json", Faults(invalid_json=10_000)),
    ("always-dropped", Faults(dropped=10_000)),
    ("always-rate-limited", Faults(rate_limited=10_000, retry_after="0")),
]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("faults", [c[1] for c in PERSISTENT], ids=[c[0] for c in PERSISTENT])
def test_outage_loses_nothing_and_the_rerun_finishes(tmp_path, clean, faults):
    store = tmp_path / "collection"
    with ZenodoServer(ZENODO) as server:  # a first, healthy harvest: what must never be lost
        assert harvesting.run(HarvestConfig(server.base, None, store, policy=POLICY, validate=False)).ok
    with ZenodoServer(ZENODO, faults) as server:
        summary = harvesting.run(HarvestConfig(server.base, None, store, policy=NO_RETRY, validate=False))
    assert _pending(faults) < 10_000  # the fault really fired
    assert not summary.ok and "zenodo" in summary.format_text()
    assert snapshot(store) == clean
    with ZenodoServer(ZENODO) as server:
        assert harvesting.run(HarvestConfig(server.base, None, store, policy=POLICY, validate=False)).ok
    assert snapshot(store) == clean


@pytest.mark.timeout(120)
def test_outage_in_the_middle_of_a_first_harvest_keeps_what_was_stored(tmp_path, clean):
    """File downloads fail after the listing: the run reports them; the rerun completes without duplicates."""
    store = tmp_path / "collection"
    with ZenodoServer(ZENODO) as server:
        fail_files_after(server, 3)
        summary = harvesting.run(HarvestConfig(server.base, None, store, policy=NO_RETRY, validate=False))
    assert not summary.ok
    partial = snapshot(store)
    assert set(partial) < set(clean)  # some resources made it, others were reported
    with ZenodoServer(ZENODO) as server:
        assert harvesting.run(HarvestConfig(server.base, None, store, policy=POLICY, validate=False)).ok
    assert snapshot(store) == clean


def fail_files_after(server: ZenodoServer, allowed: int) -> None:
    """Let the first `allowed` file downloads through, then fail every later one with a 500."""
    handler = server.httpd.RequestHandlerClass
    original = handler.do_GET
    served = {"files": 0}

    def do_get(self):
        if "/files/" in self.path:
            served["files"] += 1
            if served["files"] > allowed:
                return self._send(500, b'{"message": "gone"}')
        return original(self)

    handler.do_GET = do_get


def _pending(faults: Faults) -> int:
    return sum(getattr(faults, name) for name in ("rate_limited", "server_errors", "truncated_json",
                                                    "invalid_json", "dropped", "stalls"))


# --- a partner collection served over HTTP -------------------------------------------------------
def _partner_server(server: LoopbackServer, folder: Path, fault: str, count: int) -> dict[str, int]:
    """Serve `folder` at server.url/...; the first `count` requests suffer `fault`."""
    left = {"n": count}
    lock = threading.Lock()

    def suffer(request: Request) -> Any:
        with lock:
            hit = left["n"] > 0
            left["n"] -= hit
        if not hit or fault == "none":
            return None
        if fault == "500":
            return 500, {}, b"boom"
        if fault == "garbage":
            return 200, {}, b"\x00\xff<html>not yaml"
        if fault == "hang":
            time.sleep(2.5)
            return None
        status, headers, body = server.file_answer(request.path)  # "drop": half the body, then close
        request.raw.send_response(status)
        request.raw.send_header("Content-Length", str(len(body)))
        request.raw.end_headers()
        request.raw.wfile.write(body[: len(body) // 2])
        return DROP

    server.files, server.fault = folder, suffer
    return left


def _partners_folder(tmp_path: Path, url: str) -> Path:
    folder = tmp_path / "partners"
    folder.mkdir()
    (folder / "pixel-lab.yaml").write_text(
        f"id: pixel-lab\nname: Pixel Lab\ncollection:\n  url: {url}/collection.yaml\n")
    return folder


@pytest.fixture(scope="module")
def partner_clean(tmp_path_factory) -> dict[str, bytes]:
    tmp = tmp_path_factory.mktemp("pclean")
    with LoopbackServer() as server:
        _partner_server(server, EXAMPLES / "partners" / "pixel-lab", "none", 0)
        store = tmp / "collection"
        summary = harvesting.run(HarvestConfig(None, _partners_folder(tmp, server.url), store,
                                               policy=POLICY.trusting(server.url), validate=False))
        assert summary.ok, summary.format_text()
    return snapshot(store)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("fault, count, transient", [
    ("500", 2, True), ("drop", 2, True), ("hang", 1, True),
    ("500", 10_000, False), ("garbage", 10_000, False), ("drop", 10_000, False)])
def test_partner_server_faults(tmp_path, partner_clean, fault, count, transient):
    with LoopbackServer() as server:
        left = _partner_server(server, EXAMPLES / "partners" / "pixel-lab", fault, count)
        store = tmp_path / "collection"
        policy = (POLICY if transient else NO_RETRY).trusting(server.url)
        summary = harvesting.run(HarvestConfig(None, _partners_folder(tmp_path, server.url), store, policy=policy,
                                               validate=False))
        assert count - left["n"] > 0
        if transient:
            assert summary.ok, summary.format_text()
            assert snapshot(store) == partner_clean
        else:
            assert not summary.ok and "pixel-lab" in summary.format_text()
            assert snapshot(store) == {}
            _partner_server(server, EXAMPLES / "partners" / "pixel-lab", "none", 0)
            assert harvesting.run(HarvestConfig(None, tmp_path / "partners", store, policy=policy, validate=False)).ok
            assert snapshot(store) == partner_clean


# --- hostile records: one bad record never stops the rest ----------------------------------------
def _hostile_records(tmp_path: Path) -> Path:
    good = (DATASET / "rdf.yaml").read_bytes()
    readme = (DATASET / "README.md").read_bytes()
    bodies = {
        1: {"rdf.yaml": good, "README.md": readme, "cover.png": (DATASET / "cover.png").read_bytes()},
        2: {"rdf.yaml": billion_laughs()},
        3: {"rdf.yaml": b"type: dataset\nname: \xff\xfe latin\n"},
        4: {"rdf.yaml": b"type: dataset\n" + b"description: " + b"x" * (17 * 1024 * 1024) + b"\n"},
        5: {"rdf.yaml": good.replace(b"documentation: README.md", b"documentation: ../../../etc/passwd")},
        6: {"not-an-rdf.txt": b"hello"},
        7: {"rdf.yaml": b"- a list\n- not a mapping\n"},
    }
    when = datetime(2024, 1, 1, tzinfo=timezone.utc)
    records = [(record_json(100 + n, 10 + n, when + timedelta(days=n), files, title=f"r{n}"), files)
               for n, files in bodies.items()]
    folder = tmp_path / "hostile-zenodo"
    write_record_set(folder, records)
    return folder


@pytest.mark.timeout(120)
def test_hostile_records_are_reported_and_the_good_one_is_stored(tmp_path, bounded_memory):
    store = tmp_path / "collection"
    with ZenodoServer(_hostile_records(tmp_path)) as server:
        summary = harvesting.run(HarvestConfig(server.base, None, store, policy=POLICY))
    reasons = {item.split()[0]: msg for item, msg in summary.sources[0].failed}
    assert "alias bomb" in reasons["10.5281/zenodo.12"]
    assert "not valid UTF-8" in reasons["10.5281/zenodo.13"]
    assert "limit" in reasons["10.5281/zenodo.14"]
    assert "rdf.yaml" in reasons["10.5281/zenodo.16"]  # says which names it looked for
    assert "expected a YAML mapping" in reasons["10.5281/zenodo.17"]
    assert "'../../../etc/passwd' points outside the record" in reasons["10.5281/zenodo.15"]
    assert "10.5281/zenodo.11" not in reasons
    assert set(snapshot(store)) == {"10.5281/zenodo.11/resource.yaml"}
