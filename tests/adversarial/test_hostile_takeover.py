"""Hostile inputs of a collection taken over: SVG covers, ImJoy plugins, report folders, operator settings."""

from __future__ import annotations

import io
import json
import os

import pytest
from PIL import Image

from pipeline.base.http import MIRRORS_VARIABLE, OperatorHosts, fetch_bytes
from pipeline.build.partner_reports import read_folder
from pipeline.build.svg_covers import rasterise
from pipeline.errors import BadInput
from pipeline.sources.imjoy import plugin_fields


def _png(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(out, format="PNG")
    return out.getvalue()


def test_an_svg_cover_cannot_draw_a_file_of_the_host(tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(_png((255, 0, 0)))
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="8" '
           f'height="8" onload="alert(1)"><script>alert(2)</script>'
           f'<image href="{secret}" width="8" height="8"/><image xlink:href="file://{secret}" width="8" height="8"/>'
           f'<use href="{secret}#x"/><rect width="2" height="2" style="fill:url(file:///etc/passwd)"/></svg>').encode()
    png = rasterise(svg, source="cover.svg")
    assert png.startswith(b"\x89PNG")
    with Image.open(io.BytesIO(png)) as image:
        rgba = image.convert("RGBA")
        pixels = [rgba.getpixel((x, y)) for x in range(0, rgba.width, 7) for y in range(0, rgba.height, 7)]
    assert not any(p[0] > 200 and p[1] < 50 and p[3] > 0 for p in pixels)  # no red from the host's file


@pytest.mark.parametrize(("svg", "message"), [
    (b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><svg>&b;</svg>', "entities"),
    (b"<svg><rect></svg>", "not well-formed"),
    (b"<html><script>alert(1)</script></html>", "not an SVG"),
    (b"<svg>" + b" " * (3 * 1024 * 1024) + b"</svg>", "exceeds"),
])
def test_hostile_svg_covers_are_refused_with_a_reason(svg, message):
    with pytest.raises(BadInput, match=message):
        rasterise(svg, source="cover.svg")


@pytest.mark.parametrize(("text", "message"), [
    ("<script>no config</script>", "no <config> block"),
    ('<config lang="json">{not json</config>', "not valid JSON"),
    ('<config lang="toml">a = 1</config>', "unsupported plugin config language"),
    ('<config lang="yaml">[1, 2]</config>', "not a mapping"),
])
def test_broken_imjoy_plugins_are_refused_with_a_reason(text, message):
    with pytest.raises(BadInput, match=message):
        plugin_fields(text, source="plugin.imjoy.html")


def test_a_plugin_never_runs_and_only_its_config_counts():
    fields = plugin_fields('<config lang="json">{"name": "P", "labels": ["a"], "cover": "c.png", '
                           '"author": "Ann", "type": "window"}</config><script>throw 1</script>', source="p.imjoy.html")
    assert fields == {"type": "application", "source": "p.imjoy.html", "name": "P", "tags": ["a", "bioengine"],
                      "covers": ["c.png"], "badges": [], "authors": [{"name": "Ann"}]}


def test_a_report_folder_ignores_links_and_reports_bad_files(tmp_path):
    version = tmp_path / "10.5281/zenodo.1/2"
    version.mkdir(parents=True)
    os.symlink("/etc/passwd", version / "test_summary_1.0.yaml")
    (version / "test_summary_2.0.yaml").write_text("name: x\nstatus: exploded\n")
    (version / "tool_1.0.json").write_text("{not json")
    (version / "tool_1.1.json").write_text(json.dumps({"tool": "tool", "tool_version": "1.1", "status": "passed",
                                                       "error": None}))
    results, problems = read_folder(tmp_path, partner_id="tool")
    assert [t.status for t in results.tests[("10.5281/zenodo.1", "2")]] == ["passed"]
    assert len(problems) == 2 and any("exploded" in p for p in problems) and any("JSON" in p for p in problems)


@pytest.mark.parametrize(("mirrors", "trusted"), [
    ("https://zenodo.org", ""), ("zenodo.org=mirror", ""), ("ftp://a=http://b", ""), ("", "host/path"),
])
def test_malformed_operator_settings_are_an_error_naming_the_variable(mirrors, trusted):
    with pytest.raises(BadInput, match="ZOO_"):
        OperatorHosts.parse(mirrors, trusted)


def test_without_operator_settings_private_hosts_stay_refused(monkeypatch):
    monkeypatch.delenv(MIRRORS_VARIABLE, raising=False)
    monkeypatch.delenv("ZOO_TRUSTED_HOSTS", raising=False)
    with pytest.raises(BadInput, match="non-public address"):
        fetch_bytes("http://127.0.0.1:9/anything")
    monkeypatch.setenv(MIRRORS_VARIABLE, "https://zenodo.org=http://127.0.0.1:9")
    with pytest.raises(BadInput, match="non-public address"):
        fetch_bytes("http://127.0.0.2:9/not-a-mirror")  # only the mirror's own host is trusted
