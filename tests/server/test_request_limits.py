"""Tests of faceparse.server.request_limits: parse slots with 503, and the upload deadline."""

from __future__ import annotations

import io
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from PIL import Image
from stand_ins import CentreDisc

from faceparse.parsing import FaceParser, ParseOptions
from faceparse.server import create_app

LOCAL = "http://127.0.0.1"


def _photo() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32)).save(buf, format="PNG")
    return buf.getvalue()


def test_a_photo_over_the_slots_waits_then_gets_503_with_retry_after():
    entered, release = threading.Event(), threading.Event()

    class Slow(FaceParser):
        def parse_one(self, image, depth=None, space=None):
            if not release.is_set():
                entered.set()
                release.wait(30)
            return super().parse_one(image, depth, space)

    app = create_app(
        {"default": lambda: Slow(CentreDisc(), ParseOptions(detect=False))},
        parse_slots=1,
        slot_wait_s=0.3,
    )
    client = TestClient(app, base_url=LOCAL)
    files = {"image": ("a.png", _photo())}
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(client.post, "/parse", files=files)
        assert entered.wait(30)  # the first photo holds the only slot
        t0 = time.monotonic()
        busy = client.post("/parse", files=files)
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
        assert "busy: 1 photo(s) in progress" in busy.json()["detail"]
        assert 0.25 < time.monotonic() - t0 < 5  # it waited for a slot first
        assert client.get("/health").status_code == 200  # reads never wait for a slot
        release.set()
        assert first.result(30).status_code == 200
    assert client.post("/parse", files=files).status_code == 200  # the slot is free again


def test_an_upload_that_trickles_past_the_deadline_gets_408_over_a_real_socket():
    from served import served

    app = create_app({"default": lambda: None}, body_timeout_s=1)
    with served(app) as port, socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(
            b"POST /parse HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n"
            b"Content-Type: multipart/form-data; boundary=xyz\r\n\r\n--xyz\r\n"
        )
        t0 = time.monotonic()
        reply = conn.recv(4096)  # nothing more is sent
        waited = time.monotonic() - t0
        while b"}" not in reply:  # the body may come in a packet of its own
            more = conn.recv(4096)
            if not more:
                break
            reply += more
    text = reply.decode(errors="replace")
    assert text.startswith("HTTP/1.1 408"), text[:200]
    assert "not received within 1 s" in text and 0.8 < waited < 5
