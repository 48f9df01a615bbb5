"""What the gateway answers before any route runs (issue 5): an unknown path is 404, a method the path
does not serve is 405, both JSON in RepaySync's shape; these answers and the authorizer's 401s are
in the API log; and the embedded stack's HTTP server holds a burst of connections."""

from __future__ import annotations

import http.client
import json
import socket
import threading

import pytest

NOT_FOUND = {"error": "Not found."}


@pytest.mark.parametrize("path", ["/api/nope/", "/api/nope", "/nothing", "/api/customers/1/extra/"])
def test_an_unknown_path_is_a_json_404(world, path):
    for headers in ({}, world.as_("admin")):
        response = world.http.get(path, headers)
        assert response.status_code == 404, response.body
        assert response.json_body == NOT_FOUND
        assert response.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "HEAD", "PROPFIND"])
@pytest.mark.parametrize("path", ["/api/customers/", "/api/customers"])
def test_an_unsupported_method_is_a_json_405(world, method, path):
    response = world.http.call(method, path, headers=world.as_("admin"))
    assert response.status_code == 405, response.body
    assert response.headers["Allow"] == "GET, OPTIONS, POST"
    if method != "HEAD":
        assert response.json_body == {"error": f'Method "{method}" not allowed.'}


def test_paths_with_and_without_the_trailing_slash_still_work(world):
    for path in ("/api/customers/", "/api/customers"):
        assert world.http.get(path, world.as_("admin")).status_code == 200


def test_refused_requests_are_in_the_api_log(world):
    token = "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl"
    assert world.http.get("/api/customers/", {"Authorization": f"Bearer {token}"}).status_code == 401
    assert world.http.get("/api/loans/").status_code == 401
    assert world.http.get("/api/nope/", world.as_("admin")).status_code == 404
    assert world.http.call("TRACE", "/api/customers/").status_code == 405
    response = world.http.client.http.post("/api/customers/", body=b"x", headers={
        **world.as_("admin"), "Content-Type": "text/plain"})
    assert response.status_code == 415
    logs = world.http.get("/api/logs/", world.as_("admin")).json_body
    seen = [(item["method"], item["endpoint"].rstrip("/"), item["status_code"]) for item in logs[:5]]
    assert seen == [("POST", "/api/customers", 415), ("TRACE", "/api/customers", 405), ("GET", "/api/nope", 404),
                    ("GET", "/api/loans", 401), ("GET", "/api/customers", 401)]
    assert all(item["user"] is None for item in logs[1:5])
    assert token not in json.dumps(logs)
    assert [item["request_payload"] for item in logs[1:5]] == [""] * 4
    assert json.loads(logs[4]["response_payload"]) == world.http.get("/api/loans/").json_body


# -- the embedded stack's HTTP server ----------------------------------------------------------------
@pytest.fixture()
def server(app):
    from local.server import HttpServer

    server = HttpServer(app, "repaysync", "127.0.0.1", 0)
    yield server
    server.stop()


def _request(server, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_the_local_server_answers_unknown_paths_and_verbs_in_json(server):
    server.start()
    status, headers, body = _request(server, "GET", "/api/nope/")
    assert status == 404 and json.loads(body) == NOT_FOUND and headers["Content-Type"] == "application/json"
    for method in ("TRACE", "CONNECT", "PROPFIND"):
        status, headers, body = _request(server, method, "/api/customers/")
        assert status == 405, (method, body)
        assert json.loads(body) == {"error": f'Method "{method}" not allowed.'}
        assert headers["Allow"] == "GET, OPTIONS, POST"


def test_the_local_server_holds_a_burst_of_60_connections(server):
    """60 clients connect at once, before the server accepts any (socketserver's backlog of 5 dropped
    most of them); every one is then answered."""
    clients = []
    try:
        for _ in range(60):
            sock = socket.create_connection((server.host, server.port), timeout=2)
            clients.append(sock)
        server.start()
        answers: list[bytes] = [b""] * len(clients)

        def ask(index: int, sock: socket.socket) -> None:
            sock.settimeout(10)
            sock.sendall(b"GET /.well-known/jwks.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
            answers[index] = data

        threads = [threading.Thread(target=ask, args=item) for item in enumerate(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert [answer.split(b"\r\n", 1)[0] for answer in answers] == [b"HTTP/1.1 200 OK"] * 60
    finally:
        for sock in clients:
            sock.close()
