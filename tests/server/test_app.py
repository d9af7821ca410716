"""Tests of faceparse.server.app."""

from __future__ import annotations

import asyncio
import base64
import io
import socket
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from stand_ins import CentreDisc, png_bytes

from faceparse.parsing import FaceParser, ParseOptions
from faceparse.server import create_app
from faceparse.server.app import UploadLimit

LOCAL = "http://127.0.0.1"  # TestClient's own host name, testserver, is not allowed


def test_server_answers_4xx_to_each_bad_file_and_200_to_a_good_photo_after_it(
    corpus, default_parser
):
    folder, cases = corpus
    client = TestClient(create_app({"default": lambda: default_parser}), base_url=LOCAL)
    good = (folder / "photo.jpg").read_bytes()
    for case in cases:
        path = folder / case.name
        content = path.read_bytes() if path.exists() else b"\x89PNG"
        res = client.post("/parse", files={"image": (case.name, content)})
        if case.expect == "failed" and case.name != "garbage.mp4":
            assert 400 <= res.status_code < 500, (case.name, res.text)
            assert case.name in res.json()["detail"] and "<_io" not in res.text
        elif case.expect == "parsed":
            assert res.status_code == 200, (case.name, res.text)
        after = client.post("/parse", files={"image": ("photo.jpg", good)})
        assert after.status_code == 200 and after.json()["num_faces"] == 1, case.name
    assert client.get("/health").json()["model_states"] == {"default": "ready"}


def test_a_parser_whose_graph_broke_is_rebuilt_and_health_says_so():
    from stand_ins import CentreDisc

    from faceparse.parsing import ParseOptions

    built = []

    class BreaksOnce(FaceParser):
        def parse_one(self, image, depth=None, space=None):
            if len(built) == 1 and not getattr(self, "broke", False):
                self.broke = True
                raise RuntimeError("Graph has errors")
            return super().parse_one(image, depth, space)

    def factory():
        built.append(1)
        return BreaksOnce(CentreDisc(), ParseOptions(detect=False))

    client = TestClient(
        create_app({"default": factory}), base_url=LOCAL, raise_server_exceptions=False
    )
    photo = io.BytesIO()
    Image.new("RGB", (32, 32)).save(photo, format="PNG")
    files = {"image": ("a.png", photo.getvalue())}
    broken = client.post("/parse", files=files)
    assert broken.status_code == 500 and "rebuilt" in broken.json()["detail"]
    state = client.get("/health").json()["model_states"]["default"]
    assert state.startswith("rebuilt on next request") and "Graph has errors" in state
    assert client.post("/parse", files=files).status_code == 200
    assert len(built) == 2 and client.get("/health").json()["model_states"]["default"] == "ready"


def test_chunked_uploads_are_cut_off_at_the_limit_before_they_are_read():
    """60 MB streamed without a Content-Length: 413, and the app reads no more than the limit."""
    limit, chunk = 2**20, 2**16
    total_chunks = 60 * 2**20 // chunk
    pulled = []

    async def receive():
        pulled.append(chunk)
        return {"type": "http.request", "body": b"\0" * chunk, "more_body": True}

    sent = []

    async def send(message):
        sent.append(message)

    async def app(scope, receive, send):  # reads the body to the end, like a form parser
        while (await receive())["type"] == "http.request":
            pass
        await send({"type": "http.response.start", "status": 400, "headers": []})
        await send({"type": "http.response.body", "body": b"bad form"})

    scope = {"type": "http", "headers": [(b"transfer-encoding", b"chunked")]}
    asyncio.run(UploadLimit(app, limit, "too big")(scope, receive, send))
    assert sent[0]["status"] == 413 and b"too big" in sent[1]["body"]
    assert sum(pulled) <= limit + chunk < total_chunks * chunk


def test_chunked_upload_over_a_real_socket_gets_413(default_parser):
    """The same through uvicorn: a chunked body over the limit gets 413 (needs no model)."""
    from served import served

    app = create_app({"default": lambda: default_parser}, max_upload_mb=1)
    with served(app) as port, socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        boundary = "xyz"
        conn.sendall(
            b"POST /parse HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
            + f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n".encode()
        )
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; '
            'filename="big.png"\r\n\r\n'
        ).encode()
        sent = 0
        try:
            conn.sendall(f"{len(head):x}\r\n".encode() + head + b"\r\n")
            block = b"\0" * 2**16
            while sent < 8 * 2**20:  # 8 MB against a 1 MB limit
                conn.sendall(f"{len(block):x}\r\n".encode() + block + b"\r\n")
                sent += len(block)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: what we want
        reply = conn.recv(4096).decode(errors="replace")
    assert reply.startswith("HTTP/1.1 413"), reply[:200]


def test_server_messages_for_non_images_carry_no_python_reprs(default_parser):
    client = TestClient(create_app({"default": lambda: default_parser}), base_url=LOCAL)
    res = client.post("/parse", files={"image": ("notes.txt", b"hello there")})
    assert res.status_code == 400
    assert res.json()["detail"] == (
        "notes.txt: cannot decode image: not an image, or not a photo format "
        "(JPEG, MPO, PNG, WEBP, TIFF, BMP, GIF)"
    )


@pytest.fixture
def built():
    return []


@pytest.fixture
def client(built):
    def factory():
        built.append(1)
        return FaceParser(CentreDisc(), ParseOptions(detect=False))

    return TestClient(create_app({"default": factory}, max_upload_mb=1), base_url=LOCAL)


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


def test_a_space_the_model_cannot_give_is_a_clear_422(client):
    res = post(client, png_bytes(np.zeros((64, 64, 3), np.uint8)), space="celebamask-hq")
    assert res.status_code == 422
    assert "no mapping from 'lapa' to 'celebamask-hq'" in res.json()["detail"]


def test_an_animated_upload_says_only_its_first_frame_was_parsed(client):
    frames = [Image.new("RGB", (48, 48), (40 * i, 0, 0)) for i in range(4)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    body = post(client, buf.getvalue(), name="moving.gif").json()
    assert "animated or multi-page image: frame 1 of 4 parsed" in " ".join(body["notes"])
    assert not any(
        "frame 1 of" in n
        for n in post(client, png_bytes(np.zeros((48, 48, 3), np.uint8))).json()["notes"]
    )
