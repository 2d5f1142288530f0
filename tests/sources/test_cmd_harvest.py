"""`zoo harvest` on the embedded default, and its exit code when a source fails."""

import json

from pipeline.cli import main
from pipeline.store import Store


def test_embedded_default(tmp_path, capsys):
    store = tmp_path / "collection"
    code = main(["harvest", "--zenodo", "examples/zenodo", "--partners", "examples/partners", "--store", str(store)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0].startswith("zenodo: ")
    assert " new, 0 updated, 0 unchanged, 0 deleted, 1 skipped, 0 failed (ok)" in out
    assert "partner:pixel-lab: 2 new" in out and "partner:macro-kit: 1 new" in out
    assert len(Store(store).ids()) >= 9
    assert main(["check-nicknames", "--store", str(store)]) == 0


def test_json_summary_and_exit_1_when_a_source_fails(tmp_path, capsys):
    partners = tmp_path / "partners"
    partners.mkdir()
    (partners / "gone.yaml").write_text("id: gone\ncollection:\n  path: missing.yaml\n")
    store = tmp_path / "collection"
    code = main(["harvest", "--zenodo", "examples/zenodo", "--partners", str(partners), "--store", str(store), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["ok"] is False
    by_name = {s["name"]: s for s in data["sources"]}
    assert by_name["zenodo"]["error"] is None and len(by_name["zenodo"]["new"]) >= 9
    assert "missing.yaml" in by_name["partner:gone"]["error"]
    assert len(Store(store).ids()) >= 6  # what succeeded is written


def test_skipping_sources(tmp_path, capsys):
    code = main(["harvest", "--zenodo", "none", "--partners", "none", "--store", str(tmp_path)])
    assert code == 0 and capsys.readouterr().out == "\n"


def test_accept_stores_new_versions_as_accepted(tmp_path, capsys):
    store = tmp_path / "collection"
    assert main(["harvest", "--zenodo", "examples/zenodo", "--partners", "examples/partners", "--store", str(store),
                 "--accept"]) == 0
    assert "zenodo 1/" in capsys.readouterr().err  # progress goes to stderr
    statuses = {v.status for r in Store(store).resources() for v in r.versions}
    assert statuses == {"accepted"}
