"""Tests of faceparse.server.page."""

from __future__ import annotations

import shutil
import socket
import threading
import time

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data

from faceparse.server import create_app


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
        # a face found but too small to parse is said so, not "no face"
        small = np.full((480, 640, 3), 200, np.uint8)
        small[100:260, 200:360] = cv2.resize(
            data.astronaut(), (160, 160), interpolation=cv2.INTER_AREA
        )
        Image.fromarray(small).save(tmp_path / "thumbnail.png")
        browser.find_element(By.ID, "file").send_keys(str(tmp_path / "thumbnail.png"))
        WebDriverWait(browser, 60).until(
            lambda b: "in thumbnail" in b.find_element(By.ID, "status").text
        )
        assert "1 too small to parse" in browser.find_element(By.ID, "status").text
    finally:
        browser.quit()
