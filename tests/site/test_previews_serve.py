"""Test-tensor previews from real example models, and the 127.0.0.1-only preview server."""

from __future__ import annotations

import io
import shutil
import urllib.request

import numpy as np
import pytest
from PIL import Image

from pipeline.errors import BadInput
from pipeline.build.previews import to_2d, to_png, tensor_previews
from pipeline.site.serve import make_server, serve_in_thread
from pipeline.spec import load_rdf
from testkit.paths import DATASET
from testkit.paths import MODELS



def _image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_to_2d_takes_first_batch_and_projects_z():
    array = np.zeros((2, 3, 4, 5, 1), np.float32)  # b z y x c
    array[0, 2, 1, 1, 0] = 7.0  # only in the last z plane of the first batch
    array[1, 0, 0, 0, 0] = 9.0  # second batch entry is ignored
    plane = to_2d(array, ["batch", "space", "space", "space", "channel"])
    assert plane.shape == (4, 5, 1)
    assert plane[1, 1, 0] == 7.0 and plane[0, 0, 0] == 0.0


def test_to_2d_keeps_up_to_three_channels_and_guesses_unknown_layouts():
    array = np.arange(5 * 6 * 7, dtype=np.float32).reshape(5, 6, 7)  # c y x
    assert to_2d(array, ["channel", "space", "space"]).shape == (6, 7, 3)
    assert np.array_equal(to_2d(array, ["channel", "space", "space"])[..., 1], array[1])
    assert to_2d(array, ["bogus"]).shape == (6, 7, 1)  # axes do not match: last two are y, x
    with pytest.raises(ValueError):
        to_2d(np.zeros((4, 4)), ["channel", "space"])


def test_to_png_stretches_by_percentiles_and_handles_constant_and_nan():
    ramp = np.linspace(0, 1000, 256 * 256, dtype=np.float32).reshape(256, 256)
    image = np.asarray(_image(to_png(ramp, ["space", "space"])))
    assert image.min() == 0 and image.max() == 255  # 1st..99.8th percentile span the full range
    constant = np.asarray(_image(to_png(np.full((200, 200), 3.0), ["space", "space"])))
    assert constant.min() == constant.max() == 255
    with_nan = np.ones((200, 200)); with_nan[0, 0] = np.nan
    assert _image(to_png(with_nan, ["space", "space"])).size == (200, 200)


def test_to_png_bounds_the_size():
    assert max(_image(to_png(np.random.rand(2000, 1000), ["space", "space"])).size) == 512
    assert _image(to_png(np.random.rand(16, 16), ["space", "space"])).size == (128, 128)


@pytest.mark.parametrize("model, names", [
    ("nuclei-boundary-2d/rdf.yaml", {"input-raw.png", "output-boundaries.png"}),
    ("nuclei-boundary-2d/v0_4.bioimageio.yaml", {"input-raw.png", "output-boundaries.png"}),
    ("membrane-distance-3d/rdf.yaml", {"input-raw.png", "output-distance.png"}),
    ("two-channel-fusion-2d/rdf.yaml", {"input-raw.png", "input-prior.png", "output-probabilities.png",
                                        "output-restored.png", "output-mask.png"}),
])
def test_previews_of_the_example_models(model, names):
    previews = tensor_previews(load_rdf(MODELS / model))
    assert set(previews) == names
    for data in previews.values():
        image = _image(data)
        assert image.format == "PNG" and 128 <= max(image.size) <= 512
        assert np.asarray(image).std() > 0  # a real picture, not a blank


def test_nuclei_input_preview_matches_its_tensor():
    folder = MODELS / "nuclei-boundary-2d"
    tensor = np.load(folder / "test_input.npy")[0, 0].astype(np.float32)
    image = np.asarray(_image(tensor_previews(load_rdf(folder / "rdf.yaml"))["input-raw.png"]))
    factor = image.shape[0] // tensor.shape[0]
    small = image[::factor, ::factor].astype(float)
    assert np.corrcoef(small.ravel(), tensor.ravel())[0, 1] > 0.95


def test_pickled_or_missing_test_tensors_are_skipped(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(MODELS / "nuclei-boundary-2d", folder)
    with open(folder / "test_input.npy", "wb") as f:
        np.save(f, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    (folder / "test_output.npy").unlink()
    assert tensor_previews(load_rdf(folder / "rdf.yaml")) == {}


def test_non_models_have_no_previews():
    dataset = DATASET
    rdf = next(dataset.glob("*.yaml"))
    assert tensor_previews(load_rdf(rdf)) == {}


def test_server_serves_the_site_on_loopback_only(fake_site):
    site = fake_site[0]
    (site / "index.html").write_text("<h1>home</h1>")
    (site / "x.wasm").write_bytes(b"\0asm")
    server, url = serve_in_thread(site)
    try:
        assert server.server_address[0] == "127.0.0.1"
        with urllib.request.urlopen(url + "index.html", timeout=5) as response:
            assert response.read() == b"<h1>home</h1>"
        with urllib.request.urlopen(url + "x.wasm", timeout=5) as response:
            assert response.headers["Content-Type"] == "application/wasm"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        server.shutdown()
        server.server_close()


def test_a_client_leaving_mid_response_is_not_reported_as_a_server_error(fake_site, capfd):
    import socket
    import struct
    import time

    site = fake_site[0]
    (site / "index.html").write_text("<h1>home</h1>")
    (site / "big.bin").write_bytes(b"x" * (32 * 1024 * 1024))
    server, url = serve_in_thread(site)
    try:
        for _ in range(3):
            client = socket.create_connection(server.server_address[:2], timeout=5)
            client.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
            assert client.recv(1024).startswith(b"HTTP/1.1 200")
            # close with a reset, as a browser tab that navigates away does
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
        time.sleep(0.5)
        with urllib.request.urlopen(url + "index.html", timeout=5) as response:
            assert response.read() == b"<h1>home</h1>"  # still serving
    finally:
        server.shutdown()
        server.server_close()
    assert "Traceback" not in capfd.readouterr().err


def test_server_refuses_a_folder_without_a_site(tmp_path):
    with pytest.raises(BadInput, match="no index.html; run `zoo site` first"):
        make_server(tmp_path, 0)


def test_zoo_serve_command_serves_until_stopped(fake_site):
    import subprocess
    import sys

    site = fake_site[0]
    (site / "index.html").write_text("<h1>served</h1>")
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "serve", "--site", str(site), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith(f"serving {site} on http://127.0.0.1:"), line
        url = line.split(" on ", 1)[1].split(" ", 1)[0]
        with urllib.request.urlopen(url + "index.html", timeout=5) as response:
            assert response.read() == b"<h1>served</h1>"
    finally:
        process.terminate()
        process.wait(timeout=10)
