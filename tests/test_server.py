"""The HTTP API in-process, and the web page end to end in headless Chromium."""

from __future__ import annotations

import base64
import io
import shutil
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from skimage import data
from test_parsing import CentreDisc

from faceparse.parsing import FaceParser, ParseOptions
from faceparse.server import create_app


def png_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def built():
    return []


@pytest.fixture
def client(built):
    def factory():
        built.append(1)
        return FaceParser(CentreDisc(), ParseOptions(detect=False))

    return TestClient(create_app({"default": factory}, max_upload_mb=1))


def post(client, image: bytes, name="photo.png", **form):
    return client.post("/parse", files={"image": (name, image, "image/png")}, data=form)


def test_parse_returns_json_and_requested_pngs(client, built):
    res = post(client, png_bytes(np.zeros((64, 80, 3), np.uint8)), outputs="labels,overlay")
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["num_faces"] == 1 and body["size"] == [80, 64] and body["label_space"] == "lapa"
    labels = np.asarray(Image.open(io.BytesIO(base64.b64decode(body["png"]["labels"]))))
    assert labels.shape == (64, 80) and labels[32, 40] == 6  # the stand-in's nose disc
    assert body["areas"]["nose"] == int((labels == 6).sum())
    assert set(body["png"]) == {"labels", "overlay"} and len(body["palette"]) == 11
    fasseg = post(client, png_bytes(np.zeros((64, 64, 3), np.uint8)), space="fasseg").json()
    assert fasseg["classes"] == ["background", "hair", "skin", "eyes", "nose", "mouth"]
    assert built == [1]  # the model was built once, on first use


def test_bad_requests_get_clear_4xx(client):
    bad = post(client, b"not an image", name="x.jpg")
    assert bad.status_code == 400 and "x.jpg" in bad.json()["detail"]
    empty = post(client, b"", name="e.png")
    assert empty.status_code == 400 and "empty" in empty.json()["detail"]
    big = post(client, b"\0" * (2 * 2**20), name="big.png")
    assert big.status_code == 413 and "1 MB" in big.json()["detail"]
    option = post(client, png_bytes(np.zeros((8, 8, 3), np.uint8)), outputs="everything")
    assert option.status_code == 422 and "outputs" in option.json()["detail"]
    assert client.post("/parse").status_code == 422  # no file


def test_concurrent_requests_do_not_mix_results(client):
    sizes = [(40 + 8 * i, 48 + 4 * i) for i in range(8)]

    def one(size):
        h, w = size
        return size, post(client, png_bytes(np.zeros((h, w, 3), np.uint8)), outputs="labels")

    with ThreadPoolExecutor(4) as pool:
        for (h, w), res in pool.map(one, sizes):
            body = res.json()
            labels = np.asarray(Image.open(io.BytesIO(base64.b64decode(body["png"]["labels"]))))
            assert body["size"] == [w, h] and labels.shape == (h, w)


def test_health_page_and_schema(client):
    assert client.get("/health").json()["status"] == "ok"
    page = client.get("/")
    assert page.status_code == 200 and 'id="file"' in page.text
    schema = client.get("/openapi.json").json()
    assert "/parse" in schema["paths"] and "/health" in schema["paths"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server():
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started:
        assert time.time() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_web_page_in_headless_chromium(live_server, tmp_path):
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.skip(
            "Debian's chromium and chromium-driver are not installed (.ci/run installs them)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    photo = tmp_path / "astronaut.png"
    Image.fromarray(data.astronaut()).save(photo)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(driver), options=options)
    try:
        browser.get(live_server + "/")
        browser.find_element(By.ID, "file").send_keys(str(photo))
        canvas = browser.find_element(By.ID, "overlay")
        WebDriverWait(browser, 60).until(lambda b: canvas.get_attribute("data-ready") == "1")
        assert int(canvas.get_attribute("data-shown")) > 1000  # labelled pixels drawn
        assert (canvas.get_attribute("width"), canvas.get_attribute("height")) == ("512", "512")
        assert "1 face" in browser.find_element(By.ID, "status").text
        # toggling a class off redraws with fewer labelled pixels
        shown = int(canvas.get_attribute("data-shown"))
        browser.find_element(By.CSS_SELECTOR, 'input[data-cls="hair"]').click()
        assert int(canvas.get_attribute("data-shown")) < shown
        links = browser.find_elements(By.CSS_SELECTOR, "#downloads a")
        assert any("skin" in a.text for a in links)
    finally:
        browser.quit()
