"""Tests of faceparse.server.site_guard: the Host allow-list and the Origin check."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from faceparse.cli.serve import allowed_hosts
from faceparse.server import create_app
from faceparse.server.site_guard import host_name, origin_host


def _client(**kwargs) -> TestClient:
    # a pool whose model is never loaded: every request here is refused or reads /health
    return TestClient(
        create_app({"default": lambda: None}, **kwargs), base_url="http://127.0.0.1:8000"
    )


def test_host_names_and_origins_are_read_as_a_browser_writes_them():
    assert host_name("Example.org:8000") == "example.org" and host_name("[::1]:80") == "::1"
    assert host_name("localhost") == "localhost" and host_name("::1") == "::1"
    assert origin_host("http://127.0.0.1:8000") == "127.0.0.1:8000"
    assert origin_host("null") is None and origin_host("file:///x") is None


def test_a_rebound_host_name_is_refused_and_loopback_is_answered():
    client = _client()
    assert client.get("/health").status_code == 200
    assert client.get("/health", headers={"Host": "localhost:8000"}).status_code == 200
    assert client.get("/health", headers={"Host": "[::1]:8000"}).status_code == 200
    res = client.get("/health", headers={"Host": "evil.example"})
    assert res.status_code == 400 and "--allowed-host evil.example" in res.json()["detail"]
    assert _client(allowed_hosts=["*"]).get("/health", headers={"Host": "a.b"}).status_code == 200
    named = _client(allowed_hosts=["box.lan"])
    assert named.get("/health", headers={"Host": "box.lan:8000"}).status_code == 200
    assert named.get("/health").status_code == 400  # the list replaces the loopback default


@pytest.mark.parametrize(
    ("origin", "status"),
    [
        ("https://evil.example", 403),  # another site's page
        ("null", 403),  # a sandboxed frame or a local file
        ("http://127.0.0.1:9999", 403),  # another local server's page
        ("http://127.0.0.1:8000", 422),  # the server's own page: reaches the form check
        (None, 422),  # not a browser
    ],
)
def test_a_cross_site_post_is_refused_before_it_is_read(origin, status):
    headers = {} if origin is None else {"Origin": origin}
    res = _client().post("/parse", headers=headers)  # no image: 422 where it gets through
    assert res.status_code == status
    if status == 403:
        assert "--allowed-origin" in res.json()["detail"]


def test_an_allowed_origin_may_post_and_reads_are_never_origin_checked():
    client = _client(allowed_origins=["https://app.example/"])
    assert client.post("/parse", headers={"Origin": "https://app.example"}).status_code == 422
    assert client.get("/health", headers={"Origin": "https://evil.example"}).status_code == 200


def test_serve_allows_loopback_the_address_it_listens_on_and_the_names_given():
    assert allowed_hosts("127.0.0.1", []) == ["127.0.0.1", "localhost", "::1", "127.0.0.1"]
    assert allowed_hosts("192.168.1.5", ["box.lan"])[-2:] == ["192.168.1.5", "box.lan"]
    assert allowed_hosts("0.0.0.0", []) == ["127.0.0.1", "localhost", "::1"]
